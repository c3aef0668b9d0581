"""The resolver: routes, validation, error mapping and the OpenAPI document. No Lambda specifics."""

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, OpenAPI

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

_ERRORS = {
    400: "Invalid request: the message names the field at fault. Nothing was stored.",
    401: "Missing, unknown or revoked bearer token.",
    404: "No such record in the caller's tenant.",
    413: "Request body over 1 MB, or a record over the size of one DynamoDB item.",
    429: "The datastore is throttling: nothing was stored, retry after a short wait.",
    503: "The datastore failed or timed out: nothing was stored, retry.",
}
_CONFLICT = "The uniqueness_key was already used in this tenant; `conflicting_id` names the record holding it."
_WITH_UNIQUENESS_KEY = {"/v1/packages/create", "/v1/contracts/create", "/v1/provisioningJobs/create"}


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def document_errors(schema: OpenAPI) -> OpenAPI:
    """Declare the errors the API really answers ({"message"}, 400 for invalid input) instead of
    the 422 Powertools assumes for request validation."""
    document = schema.model_dump(mode="json", by_alias=True, exclude_none=True)
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses.update({str(code): _error_response(text) for code, text in _ERRORS.items()})
            if path in _WITH_UNIQUENESS_KEY:
                responses["409"] = _error_response(_CONFLICT)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Error"] = {
        "type": "object",
        "required": ["message"],
        "properties": {
            "message": {"type": "string", "description": "What is wrong, starting with the field at fault."},
            "conflicting_id": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "description": "409 only: the record holding the key.",
            },
        },
    }
    return OpenAPI.model_validate(document)


class Resolver(APIGatewayRestResolver):
    """Powertools' REST resolver, with an OpenAPI document that tells the truth about errors."""

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPI:
        return document_errors(super().get_openapi_schema(**kwargs))


app = Resolver(enable_validation=True)
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
