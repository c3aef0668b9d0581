"""/v1/packageMigrations/* (beyond Metronome): move the contracts on one package to another.

Create plans in the background; a human reads the plan (get, listPlan) and applies it, or cancels.
"""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from ..domain.migrations import MigrationApply, MigrationCreate, MigrationFilter, MigrationRef
from ..services import migrations
from .common import Cursor, Limit, now, page, principal

router = Router()
TAGS = ["Package migrations"]


@router.post(
    "/v1/packageMigrations/create",
    summary="Plan moving the contracts on a package to another package",
    description="Planning starts at once, in the background: every unarchived contract on `from_package_id` "
    "(or those of `customer_ids`) gets a plan row with its `effective_at`, the target package (an alias "
    "resolved as of each `effective_at`), and a diff of terms; a contract that cannot move is ACTION_NEEDED "
    "with the reason, one already moved to the target is SKIPPED. `successor_term` REMAINING_TERM (the "
    "default, but for END_OF_TERM) makes each successor end when the old contract would have and keep its "
    "billing periods. Dates in the past and unknown `customer_ids` are refused. Nothing changes until the "
    "plan is applied.",
    tags=TAGS,
)
def create_migration(body: Annotated[MigrationCreate, Body()]) -> dict[str, Any]:
    return {"data": {"id": migrations.create_migration(principal(router), body, now())}}


@router.post("/v1/packageMigrations/get", summary="A migration's status and counts", tags=TAGS)
def get_migration(body: Annotated[MigrationRef, Body()]) -> dict[str, Any]:
    return {"data": migrations.get_migration(principal(router), body.migration_id)}


@router.post(
    "/v1/packageMigrations/list",
    summary="The tenant's migrations, newest first",
    description="Each as `get` answers it; filtered by `from_package_id`, `to_package_id` (migrations that named "
    "the target by id) and `status`.",
    tags=TAGS,
)
def list_migrations(
    limit: Limit = 10, next_page: Cursor = None, body: Annotated[MigrationFilter | None, Body()] = None
) -> dict[str, Any]:
    return page(*migrations.list_migrations(principal(router), body or MigrationFilter(), limit, next_page))


@router.post("/v1/packageMigrations/listPlan", summary="Per-contract plan and outcome", tags=TAGS)
def list_plan(body: Annotated[MigrationRef, Body()], limit: Limit = 10, next_page: Cursor = None) -> dict[str, Any]:
    return page(*migrations.list_plan(principal(router), body.migration_id, limit, next_page))


@router.post(
    "/v1/packageMigrations/apply",
    summary="Apply a PLANNED migration",
    description="At `run_at` (default now) each PLANNED contract becomes a RENEWAL transition into its target "
    "package, exactly once, provided it is unchanged since it was planned (else ACTION_NEEDED). "
    "ACTION_NEEDED contracts are left as they are. Asking again once applying is a no-op (the first `run_at` "
    "stands).",
    tags=TAGS,
)
def apply_migration(body: Annotated[MigrationApply, Body()]) -> dict[str, Any]:
    return {"data": {"id": migrations.apply_migration(principal(router), body, now())}}


@router.post(
    "/v1/packageMigrations/cancel",
    summary="Cancel a migration before it applies",
    description="Possible while planning, once planned, and while an apply waits for its `run_at`; "
    "a 400 once applying has started.",
    tags=TAGS,
)
def cancel_migration(body: Annotated[MigrationRef, Body()]) -> dict[str, Any]:
    migrations.cancel_migration(principal(router), body.migration_id, now())
    return {"data": {"id": body.migration_id}}
