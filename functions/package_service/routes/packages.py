"""/v1/packages/*"""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit

from ..domain.base import Id, ListRequest, RequestModel
from ..domain.package import PackageCreate
from ..observability import metrics
from ..services import packages
from .common import Cursor, Limit, now, page, principal

router = Router()


class PackageRef(RequestModel):
    package_id: Id


@router.post("/v1/packages/create", summary="Create a package", tags=["Packages"])
def create_package(body: Annotated[PackageCreate, Body()]) -> dict[str, Any]:
    package_id = packages.create_package(principal(router), body, now())
    metrics.add_metric(name="PackagesCreated", unit=MetricUnit.Count, value=1)
    return {"data": {"id": package_id}}


@router.post("/v1/packages/get", summary="Get a package", tags=["Packages"])
def get_package(body: Annotated[PackageRef, Body()]) -> dict[str, Any]:
    return {"data": packages.get_package(principal(router), body.package_id)}


@router.post("/v1/packages/list", summary="List packages", tags=["Packages"])
def list_packages(
    limit: Limit = 10, next_page: Cursor = None, body: Annotated[ListRequest | None, Body()] = None
) -> dict[str, Any]:
    archive_filter = body.archive_filter if body else "NOT_ARCHIVED"
    return page(*packages.list_packages(principal(router), archive_filter, limit, next_page))


@router.post("/v1/packages/archive", summary="Archive a package (irreversible)", tags=["Packages"])
def archive_package(body: Annotated[PackageRef, Body()]) -> dict[str, Any]:
    packages.archive_package(principal(router), body.package_id, now())
    return {"data": {"id": body.package_id}}
