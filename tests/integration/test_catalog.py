"""Products and rate cards through the Api handler on moto."""

from collections import Counter

import pytest

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
    assert product["updates"] == [] and product["archived_at"] is None


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
