"""Packages through the Api handler on moto."""

from collections import Counter
from typing import Any

import pytest

from tests.payloads import CUSTOM_CREDIT, full_package

from .conftest import Api, scan_count


def create(api: Api, body: dict[str, Any]) -> str:
    return str(api.ok("/v1/packages/create", body)["id"])


def get(api: Api, package_id: str) -> dict[str, Any]:
    data: dict[str, Any] = api.ok("/v1/packages/get", {"package_id": package_id})
    return data


def test_full_package_round_trips_in_the_response_shape(api: Api, catalog: dict[str, str]) -> None:
    # Given a package with every field group filled
    body = full_package(catalog["usage"], catalog["seats"], catalog["rate_card"])
    # When it is created and read back
    package = get(api, create(api, body))
    # Then every term comes back, products expanded and units/prioritization normalised
    assert package["name"] == "Everything plan"
    assert package["created_by"] == "acme-token"
    assert "archived_at" not in package  # absent, not null
    assert package["duration"] == {"unit": "YEARS", "value": 1}
    assert package["multiplier_override_prioritization"] == "EXPLICIT"
    assert package["billing_anchor_date"] == "contract_start_date"
    assert package["aliases"] == [{"name": "everything", "starting_at": "2027-01-01T00:00:00.000Z"}]
    prepaid = package["commits"][0]
    assert prepaid["product"] == {"id": catalog["usage"], "name": "Tokens"}
    assert prepaid["access_schedule"]["credit_type"] == {"id": CUSTOM_CREDIT, "name": CUSTOM_CREDIT}
    assert prepaid["access_schedule"]["schedule_items"][0]["duration"] == {"unit": "MONTHS", "value": 12}
    assert prepaid["access_schedule"]["schedule_items"][0]["id"]
    assert prepaid["invoice_schedule"]["schedule_items"][0]["date_offset"] == {"unit": "WEEKS", "value": 1}
    assert package["commits"][1]["specifiers"] == [
        {"product_id": catalog["usage"], "pricing_group_values": {"region": "eu"}}
    ]
    assert package["subscriptions"][0]["subscription_rate"]["product"] == {"id": catalog["seats"], "name": "Seats"}
    # The package refers to its subscription by temporary_id; the answer names it by its id (a UUID).
    seats_id = package["subscriptions"][0]["id"]
    assert package["recurring_credits"][0]["subscription_config"]["subscription_template_id"] == seats_id
    tiered = package["overrides"][1]
    assert tiered["override_tiers"] == [{"multiplier": 1, "size": 1000}, {"multiplier": 0.8}]
    overwrite = package["overrides"][2]
    commit_a = next(c["id"] for c in package["commits"] if c.get("name") == "Prepaid commit")  # temporary_id commit-a
    assert overwrite["override_specifiers"][0]["commit_template_ids"] == [commit_a]
    assert overwrite["overwrite_rate"]["credit_type"]["id"] == CUSTOM_CREDIT
    assert package["spend_trackers"][0]["alias"] == "recharges"
    assert package["prepaid_balance_threshold_configuration"]["discount_configuration"]["cap"]["amount"] == 100000
    assert package["spend_threshold_configuration"]["threshold_amount"] == 20000
    assert package["usage_statement_schedule"]["day"] == "CONTRACT_START"


def test_create_is_one_transaction_and_get_at_most_two_calls(
    api: Api, catalog: dict[str, str], dynamodb_calls: Counter[str]
) -> None:
    body = full_package(catalog["usage"], catalog["seats"], catalog["rate_card"])
    dynamodb_calls.clear()
    package_id = create(api, body)
    assert dynamodb_calls == Counter({"TransactWriteItems": 1})
    dynamodb_calls.clear()
    get(api, package_id)
    assert dynamodb_calls == Counter({"GetItem": 1, "BatchGetItem": 1})


def test_uniqueness_key_reuse_is_409_naming_the_holder_and_stores_nothing(api: Api) -> None:
    first = create(api, {"name": "A", "uniqueness_key": "cohort-2027"})
    before = scan_count()
    reply = api.post("/v1/packages/create", {"name": "B", "uniqueness_key": "cohort-2027"})
    assert reply.status == 409
    assert "uniqueness_key" in reply.message
    assert reply.body["conflicting_id"] == first
    assert scan_count() == before


def test_uniqueness_keys_are_per_tenant(api: Api, other_tenant: Api) -> None:
    create(api, {"name": "A", "uniqueness_key": "k"})
    assert other_tenant.post("/v1/packages/create", {"name": "A", "uniqueness_key": "k"}).status == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"uniqueness_key": ""}, "uniqueness_key"),
        ({"uniqueness_key": "k" * 129}, "uniqueness_key"),
        ({"name": ""}, "name"),
        ({"duration": {"unit": "FORTNIGHTS", "value": 1}}, "duration.unit"),
        ({"duration": {"unit": "MONTHS", "value": 1.5}}, "duration.value"),
        ({"duration": {"unit": "YEARS", "value": 1000}}, "duration"),
        ({"multiplier_override_prioritization": "HIGHEST"}, "multiplier_override_prioritization"),
        ({"billing_provider": "stripe"}, "delivery_method"),
        ({"delivery_method": "aws_sqs"}, "billing_provider"),
        ({"billing_provider": "paypal", "delivery_method": "aws_sqs"}, "billing_provider"),
        ({"rate_card_alias": "tokens", "rate_card_id": "RATE_CARD"}, "rate_card_id"),
        ({"rate_card_id": "not-a-uuid"}, "rate_card_id"),
        ({"rate_card_id": "00000000-0000-4000-8000-000000000000"}, "rate_card_id"),
        ({"rate_card_alias": "no-such-alias"}, "rate_card_alias"),
        ({"scheduled_charges_on_usage_invoices": "SOME"}, "scheduled_charges_on_usage_invoices"),
        ({"aliases": [{"name": "a"}, {"name": "a"}]}, "aliases"),
        (
            {
                "aliases": [
                    {"name": "a", "starting_at": "2027-02-01T00:00:00Z", "ending_before": "2027-01-01T00:00:00Z"}
                ]
            },
            "aliases[0]",
        ),
        ({"aliases": [{"name": "a", "starting_at": "2027-02-01T00:00:00"}]}, "aliases[0].starting_at"),
        ({"commits": [{"type": "PREPAID", "access_schedule": {"schedule_items": []}}]}, "commits[0].product_id"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"net_payment_terms_days": -1}, "net_payment_terms_days"),
    ],
)
def test_invalid_packages_are_400_naming_the_field_and_store_nothing(
    api: Api, catalog: dict[str, str], change: dict[str, Any], field: str
) -> None:
    body = {"name": "Bad", **change}
    if body.get("rate_card_id") == "RATE_CARD":
        body["rate_card_id"] = catalog["rate_card"]
    before = scan_count()
    reply = api.post("/v1/packages/create", body)
    assert reply.status == 400, reply.body
    assert reply.message.startswith(field), reply.message
    assert scan_count() == before


def _override(**fields: Any) -> dict[str, Any]:
    return {
        "override_specifiers": [{"product_tags": ["ai"]}],
        "starting_at_offset": {"unit": "DAYS", "value": 0},
        **fields,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"overrides": [_override(type="TIERED", tiers=[{"multiplier": 1}], priority=1)]}, "overrides[0].type"),
        (
            {
                "multiplier_override_prioritization": "EXPLICIT",
                "overrides": [_override(type="MULTIPLIER", multiplier=0.5, priority=1), _override(multiplier=0.7)],
            },
            "overrides[1].priority",
        ),
        ({"overrides": [_override(type="MULTIPLIER")]}, "overrides[0]"),
        ({"overrides": [_override(type="OVERWRITE")]}, "overrides[0]"),
        ({"overrides": [_override(multiplier=0.5, priority=0)]}, "overrides[0].priority"),
        ({"overrides": [_override(multiplier=-1)]}, "overrides[0].multiplier"),
    ],
)
def test_override_prioritization_rules(api: Api, body: dict[str, Any], field: str) -> None:
    before = scan_count()
    reply = api.post("/v1/packages/create", {"name": "Overrides", **body})
    assert reply.status == 400
    assert reply.message.startswith(field), reply.message
    assert scan_count() == before


def test_lowercase_prioritization_and_units_are_normalised(api: Api) -> None:
    package_id = create(
        api,
        {
            "name": "Lower",
            "multiplier_override_prioritization": "explicit",
            "duration": {"unit": "weeks", "value": 2},
            "overrides": [_override(type="TIERED", tiers=[{"multiplier": 1}], priority=1)],
        },
    )
    package = get(api, package_id)
    assert package["multiplier_override_prioritization"] == "EXPLICIT"
    assert package["duration"] == {"unit": "WEEKS", "value": 2}


def test_products_must_exist_in_the_tenant(api: Api, other_tenant: Api, catalog: dict[str, str]) -> None:
    foreign = other_tenant.ok("/v1/contract-pricing/products/create", {"name": "Theirs", "type": "USAGE"})["id"]
    body = {
        "name": "Borrowing",
        "scheduled_charges": [
            {
                "product_id": catalog["usage"],
                "schedule": {
                    "schedule_items": [{"date_offset": {"unit": "DAYS", "value": 0}, "quantity": 1, "unit_price": 1}]
                },
            },
            {
                "product_id": foreign,
                "schedule": {
                    "schedule_items": [{"date_offset": {"unit": "DAYS", "value": 0}, "quantity": 1, "unit_price": 1}]
                },
            },
        ],
    }
    before = scan_count()
    reply = api.post("/v1/packages/create", body)
    assert reply.status == 400
    assert reply.message.startswith("scheduled_charges[1].product_id"), reply.message
    assert scan_count() == before


def test_archived_products_cannot_be_referenced(api: Api, catalog: dict[str, str]) -> None:
    api.ok("/v1/contract-pricing/products/archive", {"product_id": catalog["usage"]})
    reply = api.post(
        "/v1/packages/create",
        {
            "name": "P",
            "overrides": [_override(multiplier=0.5) | {"override_specifiers": [{"product_id": catalog["usage"]}]}],
        },
    )
    assert reply.status == 400
    assert reply.message.startswith("overrides[0].override_specifiers[0].product_id")


def test_temporary_id_references_must_resolve(api: Api, catalog: dict[str, str]) -> None:
    body = {
        "name": "Refs",
        "overrides": [
            _override(multiplier=0.5, is_commit_specific=True)
            | {"override_specifiers": [{"product_id": catalog["usage"], "commit_ids": ["nope"]}]}
        ],
    }
    reply = api.post("/v1/packages/create", body)
    assert reply.status == 400
    assert reply.message.startswith("overrides[0].override_specifiers[0].commit_ids")


def test_alias_moves_to_the_newest_package_and_trims_the_old_one(api: Api) -> None:
    old = create(api, {"name": "Starter", "aliases": [{"name": "starter"}]})
    new = create(api, {"name": "Starter v2", "aliases": [{"name": "starter", "starting_at": "2027-03-01T00:00:00Z"}]})
    assert get(api, old)["aliases"] == [{"name": "starter", "ending_before": "2027-03-01T00:00:00.000Z"}]
    assert get(api, new)["aliases"] == [{"name": "starter", "starting_at": "2027-03-01T00:00:00.000Z"}]
    # A third package taking the alias for all time leaves the others without it.
    newest = create(api, {"name": "Starter v3", "aliases": [{"name": "starter"}]})
    assert get(api, old)["aliases"] == []
    assert get(api, new)["aliases"] == []
    assert get(api, newest)["aliases"] == [{"name": "starter"}]


def test_list_pages_and_archive_filters(api: Api) -> None:
    ids = [create(api, {"name": f"P{i:02}"}) for i in range(25)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        reply = api.post("/v1/packages/list", {}, query={"limit": "10", **({"next_page": cursor} if cursor else {})})
        assert reply.status == 200
        seen += [p["id"] for p in reply.data]
        pages += 1
        cursor = reply.body["next_page"]
        if cursor is None:
            break
    assert seen == ids and pages == 3

    for package_id in ids[:5]:
        assert api.ok("/v1/packages/archive", {"package_id": package_id}) == {"id": package_id}
    archived = api.ok("/v1/packages/list", {"archive_filter": "ARCHIVED"}, query={"limit": "100"})
    active = api.ok("/v1/packages/list", {"archive_filter": "NOT_ARCHIVED"}, query={"limit": "100"})
    everything = api.ok("/v1/packages/list", {"archive_filter": "ALL"}, query={"limit": "100"})
    default = api.ok("/v1/packages/list", None, query={"limit": "100"})
    assert [p["id"] for p in archived] == ids[:5]
    assert all(p["archived_at"] for p in archived)
    assert [p["id"] for p in active] == ids[5:] == [p["id"] for p in default]
    assert len(everything) == 25


def test_archive_filter_pages_stay_full(api: Api) -> None:
    ids = [create(api, {"name": f"P{i}"}) for i in range(12)]
    for package_id in ids[::2]:
        api.ok("/v1/packages/archive", {"package_id": package_id})
    reply = api.post("/v1/packages/list", {}, query={"limit": "4"})
    assert [p["id"] for p in reply.data] == ids[1::2][:4]
    rest = api.post("/v1/packages/list", {}, query={"limit": "4", "next_page": reply.body["next_page"]})
    assert [p["id"] for p in rest.data] == ids[1::2][4:]
    assert rest.body["next_page"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"next_page": "garbage"}, "next_page")],
)
def test_bad_paging_is_400(api: Api, query: dict[str, str], field: str) -> None:
    reply = api.post("/v1/packages/list", {}, query=query)
    assert reply.status == 400
    assert reply.message.startswith(field)


def test_archive_is_irreversible_and_idempotent(api: Api) -> None:
    package_id = create(api, {"name": "Old"})
    api.ok("/v1/packages/archive", {"package_id": package_id})
    first = get(api, package_id)["archived_at"]
    api.ok("/v1/packages/archive", {"package_id": package_id})
    assert get(api, package_id)["archived_at"] == first is not None


def test_no_update_endpoint_exists(api: Api) -> None:
    package_id = create(api, {"name": "Fixed"})
    assert api.post("/v1/packages/update", {"package_id": package_id, "name": "Changed"}).status == 404
    assert get(api, package_id)["name"] == "Fixed"


def test_other_tenants_packages_are_not_found(api: Api, other_tenant: Api) -> None:
    package_id = create(api, {"name": "Mine"})
    assert other_tenant.post("/v1/packages/get", {"package_id": package_id}).status == 404
    assert other_tenant.post("/v1/packages/archive", {"package_id": package_id}).status == 404
    assert other_tenant.ok("/v1/packages/list", {}) == []
    assert "archived_at" not in get(api, package_id)


def test_malformed_and_oversized_bodies(api: Api) -> None:
    assert api.post("/v1/packages/create", raw="{not json").status == 400
    assert api.post("/v1/packages/create", raw="").status == 400
    assert api.post("/v1/packages/create", [1, 2]).status == 400
    reply = api.post("/v1/packages/create", {"name": "x" * 1_100_000})
    assert reply.status == 413
    assert reply.message.startswith("request body")
    assert scan_count() == 0


def test_a_package_too_large_for_one_item_is_413(api: Api, catalog: dict[str, str]) -> None:
    charge = {
        "product_id": catalog["usage"],
        "custom_fields": {f"k{i}": "v" * 100 for i in range(300)},
        "schedule": {"schedule_items": [{"date_offset": {"unit": "DAYS", "value": 0}, "quantity": 1, "unit_price": 1}]},
    }
    before = scan_count()
    reply = api.post("/v1/packages/create", {"name": "Huge", "scheduled_charges": [charge] * 12})
    assert reply.status == 413, reply.body
    assert "once stored" in reply.message
    assert scan_count() == before


def test_bodies_are_json_whatever_the_content_type_says(api: Api) -> None:
    # curl -d sends application/x-www-form-urlencoded; the body is still JSON.
    reply = api.post("/v1/packages/create", {"name": "From curl"}, content_type="application/x-www-form-urlencoded")
    assert reply.status == 200, reply.body
    assert get(api, reply.data["id"])["name"] == "From curl"
