"""The resolver: routes, validation and error mapping. No Lambda specifics. The OpenAPI document
and Swagger UI live in api_docs, imported on first request for them. Route modules load on the first
request for one of their routes (routes/table.py)."""

import re
from collections.abc import Callable
from functools import cache, cached_property
from importlib import import_module
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from .domain.errors import DomainError
from .observability import logger
from .routes.common import describe_validation_errors, error_response
from .routes.request_json import read_json
from .routes.table import ROUTES
from .routes.wire import omit_absent_fields


class _Resolver(APIGatewayRestResolver):
    """Powertools' resolver, keeping each route's path pattern and methods (for 405's `Allow`) through its
    public `route`, which `include_router` and the decorators call."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.methods_by_rule: dict[str, set[str]] = {}

    def route(self, rule: str, method: Any, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        methods = {method} if isinstance(method, str) else set(method)
        self.methods_by_rule.setdefault(rule, set()).update(m.upper() for m in methods)
        self.__dict__.pop("_methods_by_path", None)  # a route added after the first 404 is seen too
        return super().route(rule, method, *args, **kwargs)

    def allowed_methods(self, path: str) -> list[str]:
        return sorted({m for pattern, methods in self._methods_by_path for m in methods if pattern.match(path)})

    @cached_property
    def _methods_by_path(self) -> list[tuple[re.Pattern[str], set[str]]]:
        # Compiled on the first unmatched request, not at import: only a 404 or 405 reads them.
        return [
            (re.compile("^" + re.sub(r"<\w+>", "[^/]+", rule) + "$"), m) for rule, m in self.methods_by_rule.items()
        ]


# Every body is read by read_json: numbers exact, shape bounded, before any model sees it.
app = _Resolver(enable_validation=True, json_body_deserializer=read_json)
app.use(middlewares=[omit_absent_fields])


def _route_module(module: str) -> Any:
    """A route module, its router bound to `app` as include_router binds it (its routes read the current
    request through it)."""
    routes = import_module(f"{__package__}.routes.{module}")
    routes.router.api_resolver = app
    return routes


class RouteLoadedOnFirstUse:
    """A route's function, imported with its module (request models, services) on the first request for
    it: importing every route module cost ~60 ms of the API's cold start, and an instance serving only
    contracts never needs the catalog's or the migrations' models. Powertools reads the function's
    signature through `__wrapped__` when it first validates a request for the route; routes/table.py
    gives the name it derives the operation id from. Every route keeps Powertools' defaults (status,
    CORS, compression, no route middleware): tests/unit/infra/test_route_table.py checks it."""

    def __init__(self, module: str, method: str, rule: str, name: str) -> None:
        self.module, self.method, self.rule, self.__name__ = module, method, rule, name

    @cached_property
    def __wrapped__(self) -> Callable[..., Any]:
        routes: dict[tuple[Any, ...], Callable[..., Any]] = _route_module(self.module).router._routes
        # (the mapping include_router reads too)
        return next(f for key, f in routes.items() if key[0] == self.rule and self.method in key[1])

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__wrapped__(*args, **kwargs)


for _module, _routes in ROUTES.items():
    for _method, _rule, _name in _routes:
        app.route(_rule, _method)(RouteLoadedOnFirstUse(_module, _method, _rule, _name))


@cache  # its routes keep what they computed (their models' schemas) from one /swagger request to the next
def documented_app() -> _Resolver:
    """Every route as its module declares it (summary, tags, models): the resolver the OpenAPI document is
    generated from. Its routers stay bound to `app`, which serves them."""
    documented = _Resolver(enable_validation=True, json_body_deserializer=read_json)
    for module in ROUTES:
        documented.include_router(_route_module(module).router)
        _route_module(module)  # include_router bound the router to `documented`: back to `app`
    return documented


@app.get("/swagger", include_in_schema=False)
def _swagger() -> Response[str]:
    from .api_docs import swagger_page  # here, not at the top: see api_docs

    query = app.current_event.query_string_parameters or {}
    return swagger_page(documented_app(), served_by=app, as_json=query.get("format") == "json")


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
