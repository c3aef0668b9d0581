"""Products and rate cards through the Api handler on moto."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from tests.payloads import package_body

from .conftest import Api, scan_count


def test_product_round_trip_in_the_sdk_shape(api: Api) -> None:
    product_id = api.ok(
        "/v1/contract-pricing/products/create",
        {"name": "Consulting", "type": "PROFESSIONAL_SERVICE", "tags": ["services"], "custom_fields": {"a": "b"}},
    )["id"]
    product = api.ok("/v1/contract-pricing/products/get", {"id": product_id})
    assert product["type"] == "PRO_SERVICE"
    assert product["current"]["name"] == product["initial"]["name"] == "Consulting"
    assert product["current"]["created_by"] == "acme-token"
    assert product["current"]["tags"] == ["services"]
    assert product["custom_fields"] == {"a": "b"}
    assert product["updates"] == [] and "archived_at" not in product


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "type": "GADGET"}, "type"),
        ({"type": "USAGE"}, "name"),
        (
            {"name": "x", "type": "USAGE", "quantity_conversion": {"conversion_factor": 0, "operation": "DIVIDE"}},
            "quantity_conversion.conversion_factor",
        ),
        ({"name": "x", "type": "COMPOSITE", "composite_product_ids": ["nope"]}, "composite_product_ids[0]"),
    ],
)
def test_invalid_products_are_400(api: Api, body: dict[str, object], field: str) -> None:
    reply = api.post("/v1/contract-pricing/products/create", body)
    assert reply.status == 400
    assert reply.message.startswith(field), reply.message
    assert scan_count() == 0


def test_composite_products_need_their_components_active_in_the_tenant(api: Api, other_tenant: Api) -> None:
    usage = api.ok("/v1/contract-pricing/products/create", {"name": "Tokens", "type": "USAGE"})["id"]
    retired = api.ok("/v1/contract-pricing/products/create", {"name": "Old", "type": "USAGE"})["id"]
    api.ok("/v1/contract-pricing/products/archive", {"product_id": retired})
    theirs = other_tenant.ok("/v1/contract-pricing/products/create", {"name": "Theirs", "type": "USAGE"})["id"]
    before = scan_count()
    for components, field, missing in (
        ([usage, retired], "composite_product_ids[1]", retired),
        ([theirs], "composite_product_ids[0]", theirs),
    ):
        reply = api.post(
            "/v1/contract-pricing/products/create",
            {"name": "Bundle", "type": "COMPOSITE", "composite_product_ids": components},
        )
        assert reply.status == 400
        assert reply.message == f"{field}: product {missing} does not exist or is archived"
    assert scan_count() == before
    bundle = api.ok(
        "/v1/contract-pricing/products/create",
        {"name": "Bundle", "type": "COMPOSITE", "composite_product_ids": [usage, usage]},
    )["id"]
    stored = api.ok("/v1/contract-pricing/products/get", {"id": bundle})["current"]
    assert stored["composite_product_ids"] == [usage, usage]


def _hour(hours_from_now: int) -> str:
    at = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours_from_now)
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_product_updates_take_effect_from_their_date(api: Api, catalog: dict[str, str]) -> None:
    usage = catalog["usage"]
    package = api.ok("/v1/packages/create", package_body(catalog))["id"]
    assert api.ok("/v1/contract-pricing/products/update", {"product_id": usage, "starting_at": _hour(-1),
                   "name": "Tokens v2", "tags": ["ai"]}) == {"id": usage}  # fmt: skip
    api.ok("/v1/contract-pricing/products/update", {"product_id": usage, "starting_at": _hour(24 * 365), "name": "v3"})
    product = api.ok("/v1/contract-pricing/products/get", {"id": usage})
    assert product["initial"]["name"] == "Tokens" and "tags" not in product["initial"]
    assert product["current"]["name"] == "Tokens v2" and product["current"]["tags"] == ["ai"]
    assert [u["name"] for u in product["updates"]] == ["Tokens v2", "v3"]
    assert (
        product["updates"][0]["created_by"] == "acme-token"
        and product["updates"][0]["starting_at"] == _hour(-1)[:-1] + ".000Z"
    )
    listed = {p["id"]: p for p in api.ok("/v1/contract-pricing/products/list", {})}
    assert listed[usage]["current"]["name"] == "Tokens v2"
    # Packages (and contracts) name a product as it is now.
    terms = api.ok("/v1/packages/get", {"package_id": package})
    assert {c["product"]["name"] for c in terms["commits"]} == {"Tokens v2"}


def test_invalid_product_updates_change_nothing(api: Api, catalog: dict[str, str]) -> None:
    usage, seats = catalog["usage"], catalog["seats"]
    retired = api.ok("/v1/contract-pricing/products/create", {"name": "Old", "type": "FIXED"})["id"]
    api.ok("/v1/contract-pricing/products/archive", {"product_id": retired})
    unknown = "0" * 8 + "-0000-4000-8000-" + "0" * 12
    for body, status, message in (
        ({"product_id": usage, "starting_at": "2027-01-01T01:30:00Z"}, 400, "starting_at: must be on an hour"),
        ({"product_id": usage}, 400, "starting_at"),
        ({"product_id": usage, "starting_at": _hour(1), "colour": "red"}, 400, "colour"),
        ({"product_id": unknown, "starting_at": _hour(1)}, 404, f"product {unknown} not found"),
        ({"product_id": retired, "starting_at": _hour(1)}, 400, f"product_id: product {retired} is archived"),
        (
            {"product_id": usage, "starting_at": _hour(1), "composite_product_ids": [seats, unknown]},
            400,
            f"composite_product_ids[1]: product {unknown} does not exist",
        ),
        (
            {"product_id": usage, "starting_at": _hour(1), "composite_product_ids": [seats, usage]},
            400,
            "composite_product_ids[1]: a product cannot be a component of itself",
        ),
    ):
        reply = api.post("/v1/contract-pricing/products/update", body)
        assert (reply.status, reply.message[: len(message)]) == (status, message), body
    assert api.ok("/v1/contract-pricing/products/get", {"id": usage})["updates"] == []


def test_product_list_and_archive(api: Api) -> None:
    ids = [api.ok("/v1/contract-pricing/products/create", {"name": f"P{i}", "type": "FIXED"})["id"] for i in range(3)]
    api.ok("/v1/contract-pricing/products/archive", {"product_id": ids[0]})
    active = api.ok("/v1/contract-pricing/products/list", {})
    archived = api.ok("/v1/contract-pricing/products/list", {"archive_filter": "ARCHIVED"})
    assert [p["id"] for p in active] == ids[1:]
    assert [p["id"] for p in archived] == ids[:1]
    assert (
        api.post(
            "/v1/contract-pricing/products/archive", {"product_id": "0" * 8 + "-0000-4000-8000-" + "0" * 12}
        ).status
        == 404
    )


def test_rate_card_round_trip_and_alias_trimming(api: Api, dynamodb_calls: Counter[str]) -> None:
    first = api.ok("/v1/contract-pricing/rate-cards/create", {"name": "2026 prices", "aliases": [{"name": "current"}]})[
        "id"
    ]
    second = api.ok(
        "/v1/contract-pricing/rate-cards/create",
        {
            "name": "2027 prices",
            "description": "new year",
            "aliases": [{"name": "current", "starting_at": "2027-01-01T00:00:00Z"}],
            "credit_type_conversions": [
                {"custom_credit_type_id": "9b0b4bb2-7d6c-4a9e-9a77-3c2f1c0a1b11", "fiat_per_custom_credit": 2.5}
            ],
        },
    )["id"]
    dynamodb_calls.clear()
    old = api.ok("/v1/contract-pricing/rate-cards/get", {"id": first})
    assert dynamodb_calls == Counter({"GetItem": 1, "BatchGetItem": 1})
    new = api.ok("/v1/contract-pricing/rate-cards/get", {"id": second})
    assert old["aliases"] == [{"name": "current", "ending_before": "2027-01-01T00:00:00.000Z"}]
    assert new["aliases"] == [{"name": "current", "starting_at": "2027-01-01T00:00:00.000Z"}]
    assert new["fiat_credit_type"]["name"] == "USD (cents)"
    assert new["credit_type_conversions"][0]["fiat_per_custom_credit"] == "2.5"
    listed = api.ok("/v1/contract-pricing/rate-cards/list", None)
    assert [r["id"] for r in listed] == [first, second]


def test_rate_cards_are_tenant_scoped(api: Api, other_tenant: Api) -> None:
    rate_card = api.ok("/v1/contract-pricing/rate-cards/create", {"name": "Mine"})["id"]
    assert other_tenant.post("/v1/contract-pricing/rate-cards/get", {"id": rate_card}).status == 404
    reply = other_tenant.post("/v1/packages/create", {"name": "P", "rate_card_id": rate_card})
    assert reply.status == 400 and reply.message.startswith("rate_card_id")
