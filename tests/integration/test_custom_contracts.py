"""Custom contracts: `/v1/contracts/create` without a package, every term stated with absolute dates."""

from collections import Counter
from typing import Any

import pytest
from metronome.types.shared import Contract
from metronome.types.v1 import ContractCreateResponse

from tests import payloads
from tests.integration.conftest import Api, scan_count

START, END = "2027-01-31T00:00:00.000Z", "2028-01-31T00:00:00.000Z"


@pytest.fixture
def customer(api: Api) -> str:
    body = {
        "name": "Enterprise",
        "customer_billing_provider_configurations": [{**payloads.STRIPE, "configuration": {}}],
    }
    return str(api.ok("/v1/customers", body)["id"])


def _full(catalog: dict[str, str], customer: str, **changes: Any) -> dict[str, Any]:
    return payloads.full_custom_contract(customer, catalog["usage"], catalog["seats"], catalog["rate_card"], **changes)


def _get(api: Api, contract_id: str, customer: str) -> dict[str, Any]:
    return dict(api.ok("/v1/contracts/get", {"contract_id": contract_id, "customer_id": customer}))


def test_every_term_kind_round_trips_and_validates_as_the_sdk_reads_it(
    api: Api, catalog: dict[str, str], customer: str
) -> None:
    created = api.post("/v1/contracts/create", _full(catalog, customer))
    assert created.status == 200, created.body
    flat = ContractCreateResponse.model_validate(created.body).data.contract
    assert flat is not None and flat.package_id is None
    assert [(f.group_key, f.group_values) for f in flat.usage_filter] == [("region", ["eu", "us"])]
    got = _get(api, created.data["id"], customer)
    Contract.model_validate(got)
    assert got["initial"] == got["current"] and got.get("package_id") is None
    terms = got["current"]
    assert (terms["starting_at"], terms["ending_before"], terms["name"]) == (START, END, "Enterprise deal")
    assert terms["rate_card_id"] == catalog["rate_card"]
    assert got["customer_billing_provider_configuration"]["billing_provider"] == "stripe"
    assert got["custom_fields"] == {"deal": "enterprise"} and got["uniqueness_key"] == "enterprise-1"
    assert terms["usage_statement_schedule"] == {"frequency": "MONTHLY", "billing_anchor_date": START}
    assert (terms["netsuite_sales_order_id"], terms["salesforce_opportunity_id"]) == ("SO-1", "OPP-1")
    assert terms["total_contract_value"] == 250000

    prepaid, postpaid, *generated = terms["commits"]
    # A quarterly recurring invoice schedule from Jan 31: month ends stay month ends, the total divided.
    invoices = prepaid["invoice_schedule"]["schedule_items"]
    assert [i["timestamp"][:10] for i in invoices] == ["2027-01-31", "2027-04-30", "2027-07-31", "2027-10-31"]
    assert [i["amount"] for i in invoices] == [25000] * 4
    assert prepaid["access_schedule"]["credit_type"]["id"] == payloads.CUSTOM_CREDIT
    assert prepaid["hierarchy_configuration"] == {"child_access": {"type": "ALL"}}
    assert prepaid["spend_tracker_attributes"] == {"counts_as_discounted": True}
    assert postpaid["invoice_schedule"]["schedule_items"][0] | {"id": ""} == {
        "id": "",
        "timestamp": END,
        "quantity": 1,
        "unit_price": 5000,
        "amount": 5000,
    }
    # The quarterly recurring commit creates one commit per quarter, pointing back at it.
    recurring = terms["recurring_commits"][0]
    assert [c["access_schedule"]["schedule_items"][0]["starting_at"][:10] for c in generated] == [
        "2027-01-31", "2027-04-30", "2027-07-31", "2027-10-31",
    ]  # fmt: skip
    assert {c["recurring_commit_id"] for c in generated} == {recurring["id"]}
    assert all(c["access_schedule"]["schedule_items"][0]["amount"] == 1000 for c in generated)
    # Temporary ids became the ids of the terms they name.
    specifier = terms["overrides"][1]["override_specifiers"][0]
    assert specifier["commit_ids"] == [prepaid["id"]] and specifier["recurring_commit_ids"] == [recurring["id"]]
    subscription = got["subscriptions"][0]
    assert terms["recurring_credits"][0]["subscription_config"]["subscription_id"] == subscription["id"]
    assert subscription["seat_config"]["initial_seat_ids"] == ["u1", "u2"]
    assert terms["overrides"][2]["product"] == {"id": catalog["usage"], "name": "Tokens"}
    assert terms["discounts"][0]["product"]["name"] == "Tokens"
    assert terms["discounts"][0]["schedule"]["schedule_items"][0]["unit_price"] == 2000
    assert terms["professional_services"][0]["max_amount"] == 50000
    royalty = terms["reseller_royalties"][0]
    assert (royalty["aws_account_number"], royalty["fraction"]) == ("123456789012", 0.1)
    assert terms["hierarchy_configuration"] == {
        "children": [],
        "parent_behavior": {"invoice_consolidation_type": "CONCATENATE"},
    }
    assert terms["usage_filter"]["initial"] == {
        "group_key": "region",
        "group_values": ["eu", "us"],
        "starting_at": START,
    }
    assert terms["spend_threshold_configuration"]["discount_configuration"]["cap"]["spend_tracker_alias"] == (
        "monthly-spend"
    )


def test_a_custom_create_costs_two_calls(
    api: Api, catalog: dict[str, str], customer: str, dynamodb_calls: Counter[str]
) -> None:
    dynamodb_calls.clear()
    api.ok("/v1/contracts/create", _full(catalog, customer, rate_card_id=None, rate_card_alias="tokens"))
    assert dynamodb_calls == Counter({"BatchGetItem": 1, "TransactWriteItems": 1}), dynamodb_calls


def test_the_rate_card_alias_is_resolved_as_of_the_start(api: Api, catalog: dict[str, str], customer: str) -> None:
    newer = api.ok(
        "/v1/contract-pricing/rate-cards/create",
        {"name": "Tokens 2028", "aliases": [{"name": "tokens", "starting_at": "2028-01-01T00:00:00Z"}]},
    )["id"]
    body = {"customer_id": customer, "rate_card_alias": "tokens"}
    early = api.ok("/v1/contracts/create", {**body, "starting_at": "2027-01-01T00:00:00Z"})["id"]
    late = api.ok("/v1/contracts/create", {**body, "starting_at": "2028-02-01T00:00:00Z"})["id"]
    assert _get(api, early, customer)["current"]["rate_card_id"] == catalog["rate_card"]
    assert _get(api, late, customer)["current"]["rate_card_id"] == newer


def _refused(api: Api, body: dict[str, Any], field: str, words: str = "") -> None:
    before = scan_count()
    reply = api.post("/v1/contracts/create", body)
    assert reply.status == 400, reply.body
    assert reply.message.startswith(field), reply.message
    assert words in reply.message, reply.message
    assert scan_count() == before


UNKNOWN = "00000000-0000-4000-8000-000000000000"
OUTSIDE = {"schedule_items": [{"amount": 1, "starting_at": "2026-12-01T00:00:00Z", "ending_before": END}]}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"ending_before": "2027-01-01T00:00:00Z"}, "ending_before", "not after starting_at"),
        ({"ending_before": START}, "ending_before", "not after starting_at"),
        (
            {"credits": [{"product_id": "{usage}", "access_schedule": OUTSIDE}]},
            "credits[0].access_schedule.schedule_items[0].starting_at",
            "before the contract's starting_at",
        ),
        (
            {
                "overrides": [
                    {
                        "starting_at": START,
                        "ending_before": "2029-01-01T00:00:00Z",
                        "multiplier": 2,
                        "priority": 1,
                        "product_id": "{usage}",
                    }
                ]
            },
            "overrides[0].ending_before",
            "after the contract's ending_before",
        ),
        (
            {
                "scheduled_charges": [
                    {"product_id": UNKNOWN, "schedule": {"schedule_items": [{"timestamp": START, "amount": 1}]}}
                ]
            },
            "scheduled_charges[0].product_id",
            "does not exist",
        ),
        ({"rate_card_alias": "tokens"}, "rate_card_id", "not both"),
        ({"rate_card_id": None, "rate_card_alias": "nothing"}, "rate_card_alias", "points at no rate card"),
        ({"rate_card_id": UNKNOWN}, "rate_card_id", "does not exist"),
        (
            {"billing_provider_configuration": {"billing_provider": "stripe", "delivery_method": "aws_sqs"}},
            "billing_provider_configuration.billing_provider",
            "no active billing provider configuration",
        ),
        (
            {"billing_provider_configuration": {"billing_provider_configuration_id": UNKNOWN}},
            "billing_provider_configuration.billing_provider_configuration_id",
            "no active",
        ),
        (
            {"billing_provider_configuration": {"billing_provider": "stripe"}},
            "billing_provider_configuration",
            "both billing_provider and delivery_method",
        ),
        (
            {"hierarchy_configuration": {"parent": {"contract_id": UNKNOWN, "customer_id": "{customer}"}}},
            "hierarchy_configuration.parent.customer_id",
            "its own parent",
        ),
        (
            {"hierarchy_configuration": {"parent": {"contract_id": UNKNOWN, "customer_id": UNKNOWN}}},
            "hierarchy_configuration.parent.contract_id",
            "not a contract of customer",
        ),
        (
            {
                "discounts": [
                    {
                        "product_id": "{usage}",
                        "schedule": {
                            "schedule_items": [{"timestamp": START, "amount": 1}],
                            "recurring_schedule": {
                                "amount_distribution": "EACH",
                                "frequency": "MONTHLY",
                                "amount": 1,
                                "starting_at": START,
                                "ending_before": END,
                            },
                        },
                    }
                ]
            },
            "discounts[0].schedule",
            "either schedule_items or recurring_schedule",
        ),
        (
            {
                "discounts": [
                    {
                        "product_id": "{usage}",
                        "schedule": {
                            "schedule_items": [{"timestamp": START, "amount": 1, "quantity": 1, "unit_price": 1}]
                        },
                    }
                ]
            },
            "discounts[0].schedule.schedule_items[0]",
            "either amount or quantity and unit_price",
        ),
        (
            {
                "overrides": [
                    {
                        "starting_at": START,
                        "is_commit_specific": True,
                        "type": "OVERWRITE",
                        "overwrite_rate": {"rate_type": "FLAT", "price": 1},
                        "override_specifiers": [{"commit_ids": ["nope"]}],
                    }
                ]
            },
            "overrides[0].override_specifiers[0].commit_ids",
            "not a temporary_id in this contract",
        ),
        (
            {
                "overrides": [
                    {
                        "starting_at": START,
                        "multiplier": 2,
                        "product_id": "{usage}",
                        "override_specifiers": [{"product_id": "{usage}"}],
                    }
                ]
            },
            "overrides[0]",
            "cannot be used together",
        ),
        ({"package_alias": "starter"}, "billing_provider_configuration", "not allowed when provisioning"),
        ({"transition": {"from_contract_id": UNKNOWN, "type": "RENEWAL"}}, "transition.from_contract_id", "not a"),
        (
            {"usage_filter": {"group_key": "region", "group_values": ["eu"], "starting_at": "2020-01-01T00:00:00Z"}},
            "usage_filter.starting_at",
            "before the contract's starting_at",
        ),
        (
            {
                "reseller_royalties": [
                    {"fraction": 0.1, "netsuite_reseller_id": "R", "reseller_type": "GCP", "starting_at": START}
                ]
            },
            "reseller_royalties[0]",
            "applicable_product_ids or applicable_product_tags",
        ),
        ({"commits": [{"product_id": "{usage}", "type": "PREPAID"}]}, "commits[0].access_schedule", "required"),
    ],
)
def test_bad_custom_contracts_are_400s_naming_the_field_and_store_nothing(
    api: Api, catalog: dict[str, str], customer: str, changes: dict[str, Any], field: str, words: str
) -> None:
    _refused(
        api,
        _full(catalog, customer, **_fill(changes, {"{usage}": catalog["usage"], "{customer}": customer})),
        field,
        words,
    )


def _fill(value: Any, names: dict[str, str]) -> Any:
    """`value` with each placeholder string replaced by the id it names."""
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    return names.get(value, value) if isinstance(value, str) else value


def test_an_archived_product_is_refused(api: Api, catalog: dict[str, str], customer: str) -> None:
    api.ok("/v1/contract-pricing/products/archive", {"product_id": catalog["seats"]})
    _refused(api, _full(catalog, customer), "scheduled_charges[0].product_id", "archived")


def test_a_reused_uniqueness_key_is_a_409_naming_the_contract(api: Api, catalog: dict[str, str], customer: str) -> None:
    first = api.ok("/v1/contracts/create", _full(catalog, customer))["id"]
    before = scan_count()
    again = api.post("/v1/contracts/create", _full(catalog, customer))
    assert again.status == 409 and first in again.message, again.body
    assert scan_count() == before


def test_a_custom_contract_transitions_onto_a_package_and_back(
    api: Api, catalog: dict[str, str], customer: str
) -> None:
    package = api.ok("/v1/packages/create", payloads.package_body(catalog, name="Standard"))["id"]
    custom = api.ok("/v1/contracts/create", _full(catalog, customer, uniqueness_key=None))["id"]
    renewal = {"type": "RENEWAL"}
    onto_package = api.ok(
        "/v1/contracts/create",
        {"customer_id": customer, "package_id": package, "starting_at": "2027-07-31T00:00:00Z",
         "transition": {**renewal, "from_contract_id": custom}},
    )["id"]  # fmt: skip
    ended = _get(api, custom, customer)["current"]
    assert ended["ending_before"] == "2027-07-31T00:00:00.000Z"
    assert ended["transitions"] == [{"from_contract_id": custom, "to_contract_id": onto_package, "type": "RENEWAL"}]
    # Terms past the cut are gone: the Oct 31 invoice, the overrides and royalties end there.
    invoices = ended["commits"][0]["invoice_schedule"]["schedule_items"]
    assert [i["timestamp"][:10] for i in invoices] == ["2027-01-31", "2027-04-30"]
    assert {r["ending_before"] for r in ended["reseller_royalties"]} == {"2027-07-31T00:00:00.000Z"}
    back = api.ok(
        "/v1/contracts/create",
        {"customer_id": customer, "starting_at": "2028-01-31T00:00:00Z", "rate_card_id": catalog["rate_card"],
         "transition": {**renewal, "from_contract_id": onto_package}},
    )["id"]  # fmt: skip
    assert _get(api, onto_package, customer)["current"]["transitions"][-1]["to_contract_id"] == back
    assert _get(api, back, customer)["current"]["transitions"] == [
        {"from_contract_id": onto_package, "to_contract_id": back, "type": "RENEWAL"}
    ]
    listed = api.ok("/v1/contracts/list", {"customer_id": customer})
    assert {c["id"] for c in listed} == {custom, onto_package, back}
    covering = api.ok("/v1/contracts/list", {"customer_id": customer, "covering_date": "2027-09-01T00:00:00Z"})
    assert [c["id"] for c in covering] == [onto_package]


def test_the_audit_log_records_the_custom_create(api: Api, catalog: dict[str, str], customer: str) -> None:
    contract_id = api.ok("/v1/contracts/create", _full(catalog, customer))["id"]
    entries = api.get("/v1/auditLogs", {"resource_type": "contract", "resource_id": contract_id}).body["data"]
    assert [(e["action"], e["description"]) for e in entries] == [
        ("provision", f"provisioned contract for customer {customer}, starting {START}")
    ]


def test_recurring_terms_that_would_run_past_the_year_9999_are_a_400(
    api: Api, catalog: dict[str, str], customer: str
) -> None:
    start, end = "9999-01-01T00:00:00Z", "9999-12-31T00:00:00Z"
    recurring = {"product_id": catalog["usage"], "priority": 1, "access_amount": {"unit_price": 1, "quantity": 1},
                 "commit_duration": {"value": 1}, "starting_at": start}  # fmt: skip
    body = {"customer_id": customer, "starting_at": start, "ending_before": end, "recurring_credits": [recurring]}
    _refused(api, body, "ending_before", "past the year 9999")
