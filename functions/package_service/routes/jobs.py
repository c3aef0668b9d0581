"""/v1/provisioningJobs/* (beyond Metronome): scheduled cohort provisioning."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from ..domain.jobs import JobCreate, JobRef
from ..services import jobs
from .common import Cursor, Limit, now, page, principal

router = Router()
TAGS = ["Provisioning jobs"]


@router.post(
    "/v1/provisioningJobs/create",
    summary="Schedule a cohort onto a package",
    description="At `run_at` (default now) every customer in `customer_ids` (up to 10,000) is provisioned onto "
    "the package (or the alias's holder as of `starting_at`) exactly once.",
    tags=TAGS,
)
def create_job(body: Annotated[JobCreate, Body()]) -> dict[str, Any]:
    return {"data": {"id": jobs.create_job(principal(router), body, now())}}


@router.post("/v1/provisioningJobs/get", summary="A job's status and counts", tags=TAGS)
def get_job(body: Annotated[JobRef, Body()]) -> dict[str, Any]:
    return {"data": jobs.get_job(principal(router), body.job_id)}


@router.post("/v1/provisioningJobs/listResults", summary="Per-customer outcomes", tags=TAGS)
def list_results(body: Annotated[JobRef, Body()], limit: Limit = 10, next_page: Cursor = None) -> dict[str, Any]:
    return page(*jobs.list_results(principal(router), body.job_id, limit, next_page))


@router.post("/v1/provisioningJobs/cancel", summary="Cancel a job that has not started", tags=TAGS)
def cancel_job(body: Annotated[JobRef, Body()]) -> dict[str, Any]:
    jobs.cancel_job(principal(router), body.job_id, now())
    return {"data": {"id": body.job_id}}
