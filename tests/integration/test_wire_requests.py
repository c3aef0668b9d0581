"""Requests as Metronome's published API accepts them: lower-case spellings of upper-case enums
(answered in upper case), delivery methods by name or by id, subscriptions in a custom credit type."""

import json
from typing import Any

import pytest

from tests.payloads import full_package

from .conftest import START, Api, scan_count


def lowered(value: Any, keys: set[str]) -> Any:
    """`value` with the string values of `keys` (anywhere in it) spelled in lower case."""
    if isinstance(value, dict):
        return {k: (v.lower() if k in keys and isinstance(v, str) else lowered(v, keys)) for k, v in value.items()}
    if isinstance(value, list):
        return [lowered(v, keys) for v in value]
    return value


ENUMS = {"type", "rate_type", "recurrence_frequency", "billing_frequency", "collection_schedule", "proration",
         "frequency", "day", "unit", "multiplier_override_prioritization", "invoice_behavior", "access_type",
         "rounding_method", "allocation", "quantity_management_mode", "invoice_placement"}  # fmt: skip


def test_lower_case_enums_are_accepted_and_answered_upper_case(api: Api, catalog: dict[str, str]) -> None:
    body = full_package(catalog["usage"], catalog["seats"], catalog["rate_card"])
    upper = api.ok("/v1/packages/get", {"package_id": api.ok("/v1/packages/create", body)["id"]})
    lower_body = lowered({**body, "name": "Lower", "aliases": [], "uniqueness_key": "lower"}, ENUMS)
    assert lower_body["commits"][0]["type"].islower()  # the test really sends lower case
    lower = api.ok("/v1/packages/get", {"package_id": api.ok("/v1/packages/create", lower_body)["id"]})
    for field in ("commits", "recurring_credits", "subscriptions", "overrides", "usage_statement_schedule"):
        assert _without_ids(lower[field]) == _without_ids(upper[field]), field


def _without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        ids = ("id", "subscription_template_id", "commit_template_ids")  # new ids in each package
        return {k: _without_ids(v) for k, v in value.items() if k not in ids}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def test_lower_case_list_filter_and_transition_type(api: Api, catalog: dict[str, str]) -> None:
    package = api.ok("/v1/packages/create", {"name": "P", "duration": {"unit": "months", "value": 12}})["id"]
    api.ok("/v1/packages/archive", {"package_id": package})
    assert [p["id"] for p in api.ok("/v1/packages/list", {"archive_filter": "archived"})] == [package]
    live = api.ok("/v1/packages/create", {"name": "Q", "duration": {"unit": "MONTHS", "value": 12}})["id"]
    customer = api.ok("/v1/customers", {"name": "Acme"})["id"]
    first = api.ok("/v1/contracts/create", {"customer_id": customer, "package_id": live, "starting_at": START})
    second = api.ok(
        "/v1/contracts/create",
        {
            "customer_id": customer,
            "package_id": live,
            "starting_at": "2028-01-31T00:00:00Z",
            "transition": {
                "type": "renewal",
                "from_contract_id": first["id"],
                "future_invoice_behavior": {"trueup": "as_is"},
            },
        },
    )
    assert second["contract"]["transitions"][0]["type"] == "RENEWAL"


def test_a_lower_case_word_that_is_no_value_is_still_refused(api: Api) -> None:
    before = scan_count()
    reply = api.post("/v1/packages/create", {"name": "P", "duration": {"unit": "fortnights", "value": 1}})
    assert reply.status == 400 and reply.message.startswith("duration.unit")
    assert scan_count() == before


@pytest.mark.parametrize("given", ["name", "id", "both"])
def test_a_delivery_method_is_named_or_identified_and_shown_both_ways(api: Api, given: str) -> None:
    customer = api.ok("/v1/customers", {"name": "Acme"})["id"]
    by_name = {"customer_id": customer, "billing_provider": "stripe", "delivery_method": "aws_sqs"}
    first = api.ok("/v1/setCustomerBillingProviderConfigurations", {"data": [by_name]})[0]
    method_id = first["delivery_method_id"]
    assert first["delivery_method"] == "aws_sqs" and len(method_id) == 36
    other = api.ok("/v1/customers", {"name": "Other"})["id"]
    body = {"customer_id": other, "billing_provider": "stripe"}
    body |= {"name": {"delivery_method": "aws_sqs"}, "id": {"delivery_method_id": method_id},
             "both": {"delivery_method": "aws_sqs", "delivery_method_id": method_id}}[given]  # fmt: skip
    (config,) = api.ok("/v1/setCustomerBillingProviderConfigurations", {"data": [body]})
    assert (config["delivery_method"], config["delivery_method_id"]) == ("aws_sqs", method_id)
    (listed,) = api.ok("/v1/getCustomerBillingProviderConfigurations", {"customer_id": other})
    assert (listed["delivery_method"], listed["delivery_method_id"]) == ("aws_sqs", method_id)
    assert listed["archived_at"] is None  # required by the published schema, nullable


@pytest.mark.parametrize(
    ("delivery", "message"),
    [
        ({}, "data[0]: delivery_method: give delivery_method or delivery_method_id"),
        ({"delivery_method_id": "5f1b7c55-0000-4000-8000-000000000000"}, "data[0].delivery_method_id: no delivery"),
        ({"delivery_method": "tackle", "delivery_method_id": "AWS_SQS"}, "data[0].delivery_method_id: must be a UUID"),
    ],
)
def test_a_configuration_without_a_real_delivery_method_is_refused(
    api: Api, delivery: dict[str, str], message: str
) -> None:
    customer = api.ok("/v1/customers", {"name": "Acme"})["id"]
    before = scan_count()
    body = {"data": [{"customer_id": customer, "billing_provider": "stripe", **delivery}]}
    reply = api.post("/v1/setCustomerBillingProviderConfigurations", body)
    assert reply.status == 400 and reply.message.startswith(message), reply.message
    assert scan_count() == before


def test_a_delivery_method_id_that_names_another_method_is_refused(api: Api) -> None:
    customer = api.ok("/v1/customers", {"name": "Acme"})["id"]
    sqs = {"customer_id": customer, "billing_provider": "stripe", "delivery_method": "aws_sqs"}
    method_id = api.ok("/v1/setCustomerBillingProviderConfigurations", {"data": [sqs]})[0]["delivery_method_id"]
    mixed = {**sqs, "delivery_method": "tackle", "delivery_method_id": method_id}
    reply = api.post("/v1/setCustomerBillingProviderConfigurations", {"data": [mixed]})
    assert reply.status == 400 and "names delivery_method aws_sqs, not tackle" in reply.message


def test_subscriptions_keep_their_custom_credit_type(api: Api, catalog: dict[str, str]) -> None:
    body = full_package(catalog["usage"], catalog["seats"], catalog["rate_card"])
    credit_type = "0d3b1c4e-0000-4000-8000-00000000c0de"
    body["subscriptions"][0]["custom_credit_type_id"] = credit_type
    package = api.ok("/v1/packages/get", {"package_id": api.ok("/v1/packages/create", body)["id"]})
    assert package["subscriptions"][0]["custom_credit_type_id"] == credit_type
    customer = api.ok("/v1/customers", {"name": "Acme", "customer_billing_provider_configurations": [body_stripe()]})[
        "id"
    ]
    created = api.ok(
        "/v1/contracts/create", {"customer_id": customer, "package_id": package["id"], "starting_at": START}
    )
    assert created["contract"]["subscriptions"][0]["custom_credit_type_id"] == credit_type
    got = api.ok("/v1/contracts/get", {"contract_id": created["id"], "customer_id": customer})
    assert got["subscriptions"][0]["custom_credit_type_id"] == credit_type


def body_stripe() -> dict[str, str]:
    return {"billing_provider": "stripe", "delivery_method": "direct_to_billing_provider"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/contract-pricing/rate-cards/create", {"name": "R", "aliases": [{"name": "a", "starting_at": 0}]},
         "aliases[0].starting_at: Input should be a JSON string"),
        ("/v1/contract-pricing/products/create",
         {"name": "P", "type": "USAGE", "quantity_rounding": {"decimal_places": False, "rounding_method": "ROUND_UP"}},
         "quantity_rounding.decimal_places: Input should be a JSON number"),
        ("/v1/customers", {"name": "C", "billing_config": {"billing_provider_customer_id": "x",
         "billing_provider_type": "stripe", "aws_is_subscription_product": 0}},
         "billing_config.aws_is_subscription_product: Input should be a JSON boolean"),
        ("/v1/packages/create", {"name": "P", "net_payment_terms_days": "15"},
         "net_payment_terms_days: Input should be a JSON number"),
        ("/v1/packages/create", {"name": 5}, "name: Input should be a JSON string"),
        ("/v1/packages/list", {"archive_filter": True}, "archive_filter: Input should be a JSON string"),
    ],
)  # fmt: skip
def test_values_of_the_wrong_json_type_are_refused_not_coerced(
    api: Api, path: str, body: dict[str, Any], field: str
) -> None:
    before = scan_count()
    reply = api.post(path, body)
    assert reply.status == 400 and reply.message.startswith(field), reply.message
    assert scan_count() == before


@pytest.mark.parametrize("raw", ["[null, null]", "[]", '"x"', "5", "true", "null", "  [{}]"])
@pytest.mark.parametrize("path", ["/v1/packages/list", "/v1/packages/get", "/v1/customers"])
def test_a_body_that_is_not_a_json_object_is_refused(api: Api, path: str, raw: str) -> None:
    reply = api.post(path, raw=raw)
    assert reply.status == 400 and reply.message == "request body: must be a JSON object"


def test_an_ingest_alias_names_one_customer_of_a_tenant(api: Api, other_tenant: Api) -> None:
    """Usage events name customers by ingest alias (or external id): a taken one is Metronome's 409."""
    first = api.ok("/v1/customers", {"name": "Acme", "ingest_aliases": ["acme", "acme", "team@acme.test"]})
    assert first["ingest_aliases"] == ["acme", "acme", "team@acme.test"]
    before = scan_count()
    for body, field in (
        ({"name": "Copy", "ingest_aliases": ["new", "team@acme.test"]}, "ingest_aliases"),
        ({"name": "Copy", "external_id": "acme"}, "external_id"),
    ):
        reply = api.post("/v1/customers", body)
        assert reply.status == 409, reply.body
        assert reply.message == f"{field}: {'team@acme.test' if field == 'ingest_aliases' else 'acme'!r} " + (
            f"already belongs to customer {first['id']}"
        )
    assert scan_count() == before  # neither the customer nor its other aliases were written
    assert other_tenant.post("/v1/customers", {"name": "Acme", "ingest_aliases": ["acme"]}).status == 200
    # And the list filters by it, within the tenant.
    for alias in ("acme", "team@acme.test"):
        assert [c["id"] for c in api.get("/v1/customers", query={"ingest_alias": alias}).data] == [first["id"]]
    assert api.get("/v1/customers", query={"ingest_alias": "acme", "only_archived": "true"}).data == []
    assert other_tenant.get("/v1/customers", query={"ingest_alias": "acme"}).data[0]["id"] != first["id"]


@pytest.mark.parametrize(
    ("aliases", "field"),
    [([f"a{i}" for i in range(99)], "ingest_aliases: List should have at most 98 items"), ([""], "ingest_aliases[0]")],
)
def test_ingest_aliases_that_one_transaction_cannot_guard_are_refused(api: Api, aliases: list[str], field: str) -> None:
    before = scan_count()
    reply = api.post("/v1/customers", {"name": "Many", "ingest_aliases": aliases})
    assert reply.status == 400 and reply.message.startswith(field), reply.message
    assert scan_count() == before
    assert api.post("/v1/customers", {"name": "Many", "ingest_aliases": [f"b{i}" for i in range(98)]}).status == 200


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/contract-pricing/rate-cards/update", {"rate_card_id": "{rate_card}", "name": None}, "name"),
        ("/v1/packages/create", {"name": "p", "duration": None}, "duration"),
        ("/v1/customers", {"name": "Acme", "external_id": None}, "external_id"),
        (
            "/v1/contracts/create",
            {
                "customer_id": "{usage}",
                "starting_at": "2027-01-01T00:00:00Z",
                "commits": [{"product_id": "{usage}", "type": "PREPAID", "priority": None}],
            },
            "commits[0].priority",
        ),
    ],
)
def test_null_is_refused_where_the_published_schema_does_not_allow_it(
    api: Api, catalog: dict[str, str], path: str, body: dict[str, Any], field: str
) -> None:
    """Metronome's schemas mark few request fields nullable; a null elsewhere is a 400 naming the field."""
    text = json.dumps(body).replace("{rate_card}", catalog["rate_card"]).replace("{usage}", catalog["usage"])
    filled = json.loads(text)
    before = scan_count()
    reply = api.post(path, filled)
    assert reply.status == 400 and reply.message.startswith(field) and "null" in reply.message, reply.body
    assert scan_count() == before


def test_null_is_accepted_where_the_sdk_sends_it(api: Api) -> None:
    product = api.ok("/v1/contract-pricing/products/create", {"name": "T", "type": "USAGE", "quantity_rounding": None})
    assert "quantity_rounding" not in api.ok("/v1/contract-pricing/products/get", {"id": product["id"]})["current"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json_numbers(api: Api, constant: str) -> None:
    """Python's JSON reader accepts them; JSON does not, and a stored one would poison every answer."""
    before = scan_count()
    body = '{"name": "x", "type": "USAGE", "quantity_conversion": {"conversion_factor": %s, "operation": "MULTIPLY"}}'
    reply = api.post("/v1/contract-pricing/products/create", raw=body % constant)
    assert reply.status == 400, reply.body
    field = "quantity_conversion.conversion_factor"
    assert reply.message == f"{field}: {constant} is not a JSON number (JSON has no NaN or Infinity)"
    assert scan_count() == before
    # The words themselves inside a string are text, not numbers.
    assert api.post("/v1/contract-pricing/products/create", {"name": "NaN Infinity", "type": "USAGE"}).status == 200
