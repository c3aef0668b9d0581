"""Absent means omitted. Metronome's published schemas mark few fields nullable: strict clients and
generated code reject a `null` anywhere else. Every answer drops its nulls on the way out, except where
the published schema *requires* the field and allows null (then null is the only honest value)."""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayRestResolver

# Free-form objects hold the client's own data: their nulls are the client's, kept as sent.
_FREE_FORM = frozenset({"configuration", "delivery_method_configuration", "custom_fields"})

# (method, route) -> paths that the published schema requires and declares nullable, besides
# `next_page`, which every list has.
REQUIRED_NULLABLE: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/v1/getCustomerBillingProviderConfigurations"): frozenset({"data[].archived_at"}),
    ("GET", "/v1/customers/{customer_id}"): frozenset({"data.customer_config.salesforce_account_id"}),
    ("GET", "/v1/customers"): frozenset({"data[].customer_config.salesforce_account_id"}),
}
_EVERY_LIST = frozenset({"next_page"})


def omit_absent(value: Any, keep: frozenset[str], path: str = "") -> Any:
    """`value` without null fields, except those at a path in `keep` (list items written `[]`)."""
    if isinstance(value, dict):
        return {
            key: item if key in _FREE_FORM else omit_absent(item, keep, f"{path}.{key}" if path else key)
            for key, item in value.items()
            if item is not None or (f"{path}.{key}" if path else key) in keep
        }
    if isinstance(value, list):
        return [omit_absent(item, keep, f"{path}[]") for item in value]
    return value


def route_of(method: str, path: str) -> tuple[str, str]:
    if method == "GET" and path.startswith("/v1/customers/"):
        return method, "/v1/customers/{customer_id}"
    return method, path


def omit_absent_fields(app: APIGatewayRestResolver, next_middleware: Callable[..., Response[Any]]) -> Response[Any]:
    """Powertools middleware: applied to every route's answer before it is serialised."""
    response = next_middleware(app)
    if isinstance(response.body, dict):
        event = app.current_event
        keep = REQUIRED_NULLABLE.get(route_of(event.http_method, event.path), frozenset()) | _EVERY_LIST
        response.body = omit_absent(response.body, keep)
    return response
