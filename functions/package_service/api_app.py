"""The resolver: routes, validation, error mapping and the OpenAPI document. No Lambda specifics."""

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from .domain.errors import DomainError
from .observability import logger
from .routes import catalog, contracts, customers, jobs, packages
from .routes.common import describe_validation_errors, error_response

TITLE = "Package service (Metronome-compatible)"
VERSION = "0.1.0"
DESCRIPTION = (
    "Packages are immutable templates of contract terms with dates relative to a contract's start. "
    'Every call takes `Authorization: Bearer <token>`. Errors are `{"message": ...}` naming the field.'
)

app = APIGatewayRestResolver(enable_validation=True)
app.include_router(packages.router)
app.include_router(catalog.router)
app.include_router(customers.router)
app.include_router(contracts.router)
app.include_router(jobs.router)
_SECURITY: dict[str, Any] = {
    "security_schemes": {"bearerAuth": HTTPBearer(scheme="bearer")},
    "security": [{"bearerAuth": []}],
}
app.enable_swagger(path="/swagger", title=TITLE, version=VERSION, description=DESCRIPTION, **_SECURITY)


@app.exception_handler(RequestValidationError)
def _invalid_request(error: RequestValidationError) -> Response[str]:
    return error_response(400, {"message": describe_validation_errors(list(error.errors()))})


@app.exception_handler(DomainError)
def _domain_error(error: DomainError) -> Response[str]:
    if error.status >= 500:
        logger.warning("datastore fault", extra={"error": error.message})
    return error_response(error.status, error.body())


@app.not_found
def _no_route(_: Exception) -> Response[str]:
    return error_response(404, {"message": f"no route for {app.current_event.http_method} {app.current_event.path}"})


@app.exception_handler(Exception)
def _unexpected(error: Exception) -> Response[str]:
    logger.exception("unhandled error")
    return error_response(500, {"message": "internal error; the request was not applied"})


def openapi_document() -> dict[str, Any]:
    schema: dict[str, Any] = app.get_openapi_schema(
        title=TITLE, version=VERSION, description=DESCRIPTION, **_SECURITY
    ).model_dump(mode="json", by_alias=True, exclude_none=True)
    return schema
