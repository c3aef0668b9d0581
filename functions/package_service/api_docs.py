"""The OpenAPI document and Swagger UI. Imported on the first request for them, not with the API:
Powertools' OpenAPI models cost ~100 ms of import that no other request needs."""

import json
from pathlib import Path
from typing import Any

import aws_lambda_powertools.event_handler as event_handler
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, Server
from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

from .api_examples import REQUEST_EXAMPLES

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
_KEY_TAKEN = "The uniqueness_key was already used in this tenant; `conflicting_id` names the record holding it."
_CONFLICTS = {
    "/v1/packages/create": _KEY_TAKEN,
    "/v1/contracts/create": _KEY_TAKEN,
    "/v1/contracts/preview": _KEY_TAKEN,  # answers the 409 its create would
    "/v1/provisioningJobs/create": _KEY_TAKEN,
    "/v1/packageMigrations/create": _KEY_TAKEN,
    "/v2/contracts/edit": "The uniqueness_key was already used for an edit; `conflicting_id` names the edit.",
    "/v1/customers": "An ingest alias or external_id already belongs to another customer of this tenant.",
}
_SWAGGER_ASSETS = Path(event_handler.__file__).parent / "openapi" / "swagger_ui"


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def document_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Declare the errors the API really answers ({"message"}, 400 for invalid input) instead of
    the 422 Powertools assumes for request validation; add the request examples."""
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and path in REQUEST_EXAMPLES:
                body["example"] = REQUEST_EXAMPLES[path]
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses.update({str(code): _error_response(text) for code, text in _ERRORS.items()})
            if path in _CONFLICTS and "post" in item and operation is item["post"]:
                responses["409"] = _error_response(_CONFLICTS[path])
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Error"] = {
        "type": "object",
        "required": ["message"],
        "properties": {
            "message": {"type": "string", "description": "What is wrong, starting with the field at fault."},
            "conflicting_id": {"type": "string", "description": "409 only: the record holding the key."},
            "code": {
                "type": "string",
                "description": "`PackageNotFound` (listContractsOnPackage), `ContractNotFound` "
                "(v2 contract operations, updateEndDate).",
            },
        },
    }
    return document


def openapi_document(app: APIGatewayRestResolver, servers: list[Server] | None = None) -> dict[str, Any]:
    schema = app.get_openapi_schema(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        servers=servers,
        security_schemes={"bearerAuth": HTTPBearer(scheme="bearer")},
        security=[{"bearerAuth": []}],
    )
    return document_errors(schema.model_dump(mode="json", by_alias=True, exclude_none=True))


def served_from(app: APIGatewayRestResolver) -> str:
    """Where this document's paths answer: the stage's base path on API Gateway's own URL
    (`/dev/swagger` -> `/dev`), the root behind a custom domain or the local front door."""
    event = app.current_event
    seen_as = str(event.request_context.path or event.path)
    if not seen_as.endswith(event.path):
        return app._get_base_path() or "/"
    return seen_as.removesuffix(event.path) or "/"


def swagger_page(app: APIGatewayRestResolver, *, served_by: APIGatewayRestResolver, as_json: bool) -> Response[str]:
    """What Powertools' enable_swagger serves (UI with inlined assets, or `?format=json`), built lazily:
    `app`'s routes, as `served_by` answers them."""
    document = openapi_document(app, servers=[Server(url=served_from(served_by))])
    # "</" escaped so the document cannot close the <script> tag it is inlined into.
    spec = json.dumps(document, indent=2).replace("</", "<\\/")
    if as_json:
        return Response(status_code=200, content_type="application/json", body=spec)
    script = (_SWAGGER_ASSETS / "swagger-ui-bundle.min.js").read_text(encoding="utf-8")
    style = (_SWAGGER_ASSETS / "swagger-ui.min.css").read_text(encoding="utf-8")
    page = generate_swagger_html(spec, script, style, "", None)
    return Response(status_code=200, content_type="text/html", body=page)
