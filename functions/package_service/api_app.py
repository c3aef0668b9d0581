"""The resolver: routes, validation and error mapping. No Lambda specifics. The OpenAPI document
and Swagger UI live in api_docs, imported on first request for them."""

import re
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from .domain.errors import DomainError
from .observability import logger
from .routes import audit, catalog, contract_edits, contracts, customers, jobs, migrations, packages, rates
from .routes.common import describe_validation_errors, error_response
from .routes.request_json import read_json
from .routes.wire import omit_absent_fields


class _Resolver(APIGatewayRestResolver):
    """Powertools' resolver, keeping each route's path pattern and methods (for 405's `Allow`) through its
    public `route`, which `include_router` and the decorators call."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.methods_by_path: list[tuple[re.Pattern[str], set[str]]] = []

    def route(self, rule: str, method: Any, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        methods = {method} if isinstance(method, str) else set(method)
        self.methods_by_path.append(
            (re.compile("^" + re.sub(r"<\w+>", "[^/]+", rule) + "$"), {m.upper() for m in methods})
        )
        return super().route(rule, method, *args, **kwargs)

    def allowed_methods(self, path: str) -> list[str]:
        return sorted({m for pattern, methods in self.methods_by_path if pattern.match(path) for m in methods})


# Every body is read by read_json: numbers exact, shape bounded, before any model sees it.
app = _Resolver(enable_validation=True, json_body_deserializer=read_json)
app.use(middlewares=[omit_absent_fields])
app.include_router(packages.router)
app.include_router(catalog.router)
app.include_router(customers.router)
app.include_router(contracts.router)
app.include_router(contract_edits.router)
app.include_router(jobs.router)
app.include_router(migrations.router)
app.include_router(audit.router)
app.include_router(rates.router)


@app.get("/swagger", include_in_schema=False)
def _swagger() -> Response[str]:
    from .api_docs import swagger_page  # here, not at the top: see api_docs

    query = app.current_event.query_string_parameters or {}
    return swagger_page(app, as_json=query.get("format") == "json")


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
    method, path = app.current_event.http_method, app.current_event.path
    allowed = app.allowed_methods(path)
    if allowed:  # the path exists, for other methods (GET /v1/auditLogs called with POST)
        response = error_response(405, {"message": f"{method} is not allowed on {path}; use {', '.join(allowed)}"})
        response.headers["Allow"] = ", ".join(allowed)
        return response
    return error_response(404, {"message": f"no route for {method} {path}"})


@app.exception_handler(Exception)
def _unexpected(error: Exception) -> Response[str]:
    logger.exception("unhandled error")
    return error_response(500, {"message": "internal error; the request was not applied"})
