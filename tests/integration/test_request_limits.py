"""The limits of issue 23 one by one, where a table row would not say enough: a transaction-sized call,
the audit actor, messages in the request's words, integer counts, a refusal's size."""

import hashlib
import json

import pytest

from infra.front_door import FrontDoor
from package_service.domain.customers import MAX_CUSTOMERS_PER_SET
from package_service.store.tokens import create_token, list_tokens
from tests.payloads import STRIPE

from .conftest import Api, scan_count


def _customers(api: Api, count: int) -> list[str]:
    return [api.ok("/v1/customers", {"name": f"c{i}"})["id"] for i in range(count)]


def test_billing_configurations_for_50_customers_are_set_in_one_transaction(api: Api) -> None:
    customers = _customers(api, MAX_CUSTOMERS_PER_SET)
    data = [{"customer_id": c, **STRIPE} for c in customers] + [{"customer_id": customers[0], **STRIPE}]
    set_ = api.ok("/v1/setCustomerBillingProviderConfigurations", {"data": data})
    assert len(set_) == 51
    got = api.ok("/v1/getCustomerBillingProviderConfigurations", {"customer_id": customers[0]})
    assert len(got) == 2


@pytest.mark.parametrize("count", [51, 100])
def test_billing_configurations_for_more_customers_than_one_transaction_holds_are_a_400_naming_the_limit(
    api: Api, count: int
) -> None:
    """51-100 were a 500: each customer is its record and its audit entry, over DynamoDB's 100 items."""
    customers = _customers(api, count)
    before = scan_count()
    reply = api.post(
        "/v1/setCustomerBillingProviderConfigurations", {"data": [{"customer_id": c, **STRIPE} for c in customers]}
    )
    assert reply.status == 400 and reply.message.startswith("data: configurations for at most 50 different customers")
    assert f"got {count}" in reply.message and scan_count() == before


def test_the_audit_actor_id_is_not_a_hash_of_the_token(table: str) -> None:
    """Anyone in the tenant reads the audit log: a bare SHA-256 there would let them test guessed tokens."""
    token = create_token("acme", "ci")
    door = FrontDoor(authorizer_ttl=0)
    headers = {"Authorization": f"Bearer {token}"}
    status, _, _ = door.handle("POST", "/v1/packages/create", headers, b'{"name": "Audited"}')
    assert status == 200
    _, _, payload = door.handle("GET", "/v1/auditLogs", headers, b"")
    actors = {entry["actor"]["id"] for entry in json.loads(payload)["data"]}
    (listed,) = list_tokens("acme")
    assert actors == {listed.actor_id} and listed.actor_id.startswith("tok_")
    assert hashlib.sha256(token.encode()).hexdigest() not in json.dumps(json.loads(payload))


def test_each_token_has_its_own_actor_id(table: str) -> None:
    create_token("acme", "ci")
    create_token("acme", "ci")
    ids = [t.actor_id for t in list_tokens("acme")]
    assert len(set(ids)) == 2


@pytest.mark.parametrize(
    ("effective", "expected"),
    [
        ({"type": "IMMEDIATELY"}, "effective: 'IMMEDIATELY' is not one of the kinds this field takes:"),
        ({"at": "2027-01-01T00:00:00Z"}, "effective: must say which kind of object it is in its `type`"),
        (5, "effective: must say which kind of object it is in its `type`"),
    ],
)
def test_a_tagged_union_is_described_in_the_requests_words(api: Api, effective: object, expected: str) -> None:
    body = {
        "from_package_id": "11111111-1111-4111-8111-111111111111",
        "to_package_id": "22222222-2222-4222-8222-222222222222",
        "effective": effective,
    }
    reply = api.post("/v1/packageMigrations/create", body)
    assert reply.status == 400 and reply.message.startswith(expected), reply.message
    assert "_effective_type" not in reply.message and "()" not in reply.message


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/packages/create", {"name": "x", "duration": 5}, "duration"),
        ("/v1/packages/create", {"name": "x", "commits": [5]}, "commits[0]"),
        ("/v1/contract-pricing/products/create", {"name": "x", "type": "USAGE", "quantity_conversion": 1}, None),
    ],
)
def test_a_value_that_should_be_an_object_is_described_without_our_model_names(
    api: Api, path: str, body: dict[str, object], field: str | None
) -> None:
    reply = api.post(path, body)
    assert reply.status == 400 and "instance of" not in reply.message, reply.message
    if field:
        assert reply.message.startswith(f"{field}: must be a JSON object"), reply.message


@pytest.mark.parametrize("path", ["/v1/packages/create", "/v1/contracts/create"])
def test_net_payment_terms_days_is_a_whole_number(api: Api, path: str) -> None:
    reply = api.post(path, {"name": "x", "net_payment_terms_days": 1.5})
    assert reply.status == 400 and "net_payment_terms_days: Input should be a valid integer" in reply.message


def test_a_refusal_lists_at_most_20_problems_and_stays_small(api: Api) -> None:
    reply = api.post("/v1/packages/create", {"name": "x", "commits": [{}] * 900})
    assert reply.status == 400
    problems = reply.message.split("; ")
    assert len(problems) == 21 and problems[-1] == f"and {900 * 3 - 20} more problems"
    assert len(reply.text) < 16_384


def test_any_error_body_is_cut_to_stay_under_16_kb() -> None:
    """Domain messages quote the client's text (an alias, a key); whatever their length, the body stays small."""
    from package_service.routes.common import error_response

    response = error_response(400, {"message": "alias " + "a" * 50_000 + " is listed twice"})
    assert len(str(response.body)) < 16_384 and json.loads(str(response.body))["message"].startswith("alias aaa")


def test_a_customer_with_an_external_id_takes_97_ingest_aliases_in_its_one_transaction(api: Api) -> None:
    """98 and an external id were 101 items: a 400 that spoke of "0 products and rate cards"."""
    before = scan_count()
    body = {"name": "c", "external_id": "e1", "ingest_aliases": [f"a{i}" for i in range(98)]}
    reply = api.post("/v1/customers", body)
    assert reply.status == 400 and reply.message.startswith("ingest_aliases: at most 97 with an external_id")
    assert scan_count() == before
    body["ingest_aliases"] = body["ingest_aliases"][:97]
    assert api.post("/v1/customers", body).status == 200


def test_an_ingest_alias_to_look_up_is_bounded_as_aliases_are(api: Api) -> None:
    """It becomes part of a DynamoDB key: 1,000 four-byte characters would exceed the key's 2,048 bytes."""
    reply = api.get("/v1/customers", {"ingest_alias": "\U0001f600" * 1000})
    assert reply.status == 400 and reply.message.startswith("ingest_alias: String should have at most 128"), reply.body
    assert api.get("/v1/customers", {"ingest_alias": "\U0001f600" * 128}).status == 200
