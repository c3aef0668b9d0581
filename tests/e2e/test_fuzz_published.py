"""The service held to Metronome's published API description (tests/published/): schemathesis generates
requests from Metronome's own schemas and checks every answer against Metronome's response schemas, and
each published operation is also called on real records so that its 200 answer is what is checked."""

from typing import Any

import pytest
import schemathesis
from metronome import Metronome
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.e2e.conftest import TOKENS
from tests.e2e.published_runs import fuzz_published
from tests.payloads import full_package
from tests.published import DOCUMENT, published

CUSTOM_CREDIT = "5f1b7c55-0000-4000-8000-00000000c0de"  # a custom pricing unit
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]


def test_generated_requests_get_answers_that_match_metronomes_schemas(base_url: str) -> None:
    fuzz_published(DOCUMENT, base_url, operations=sum(len(item) for item in published()["paths"].values()))


@pytest.fixture(scope="module")
def records(client: Metronome) -> dict[str, str]:
    """One record of each kind the published operations read, made through the SDK."""
    product = client.v1.contracts.products.create(name="Published tokens", type="USAGE").data.id
    rate_card = client.v1.contracts.rate_cards.create(name="Published card", aliases=[{"name": "published"}]).data.id
    customer = client.v1.customers.create(
        name="Published customer",
        customer_billing_provider_configurations=[
            {"billing_provider": "stripe", "delivery_method": "direct_to_billing_provider"}
        ],
    ).data.id
    seats = client.v1.contracts.products.create(name="Published seats", type="SUBSCRIPTION").data.id
    body = full_package(product, seats, rate_card, name="Published package", aliases=[], uniqueness_key="published")
    extra = {"billing_anchor_date": body.pop("billing_anchor_date")}  # newer than the SDK's types
    package = client.v1.packages.create(**body, extra_body=extra).data.id
    contract = client.v1.contracts.create(customer_id=customer, package_id=package, starting_at="2027-01-31T00:00:00Z")
    (config,) = client.v1.customers.retrieve_billing_configurations(customer_id=customer).data
    return {"product": product, "rate_card": rate_card, "customer": customer, "package": package,
            "contract": contract.data.id, "configuration": config.id}  # fmt: skip


def _calls(records: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    """(path, method, case arguments) reaching a real record for each published operation."""
    customer = {"customer_id": records["customer"]}
    return [
        ("/v1/packages/get", "POST", {"body": {"package_id": records["package"]}}),
        ("/v1/packages/listContractsOnPackage", "POST", {"body": {"package_id": records["package"]}}),
        ("/v1/getCustomerBillingProviderConfigurations", "POST", {"body": {"customer_id": records["customer"]}}),
        ("/v1/setCustomerBillingProviderConfigurations", "POST", {"body": {"data": [
            {**customer, "billing_provider": "aws_marketplace", "delivery_method": "aws_sqs",
             "configuration": {"aws_customer_id": "ABC123", "aws_product_code": "p", "aws_region": "us-west-1"}}]}}),
        ("/v1/customers/{customer_id}", "GET", {"path_parameters": {"customer_id": records["customer"]}}),
        ("/v1/customers", "GET", {"query": {"limit": 5}}),
        ("/v1/customers", "POST", {"body": {"name": "Published too", "ingest_aliases": ["published@example.com"]}}),
        ("/v1/contract-pricing/products/get", "POST", {"body": {"id": records["product"]}}),
        ("/v1/contract-pricing/products/update", "POST", {"body": {
            "product_id": records["product"], "starting_at": "2027-01-01T00:00:00Z", "name": "Published tokens v2"}}),
        ("/v1/contract-pricing/products/create", "POST", {"body": {
            "name": "Published storage", "type": "usage", "tags": ["storage"], "exclude_free_usage": False,
            "quantity_rounding": {"rounding_method": "round_up", "decimal_places": 2}}}),
        ("/v1/contract-pricing/rate-cards/get", "POST", {"body": {"id": records["rate_card"]}}),
        ("/v1/contract-pricing/rate-cards/create", "POST", {"body": {
            "name": "Published card 2", "description": "d", "aliases": [{"name": "published-2"}],
            "credit_type_conversions": [{"custom_credit_type_id": CUSTOM_CREDIT, "fiat_per_custom_credit": 2}]}}),
        ("/v1/contract-pricing/rate-cards/update", "POST", {"body": {
            "rate_card_id": records["rate_card"], "description": "Updated", "aliases": [{"name": "published-3"}]}}),
        ("/v1/contract-pricing/rate-cards/list", "POST", {"body": {}, "query": {"limit": 5}}),
        # Last: these archive what the calls above read.
        ("/v1/contracts/archive", "POST", {"body": {**customer, "contract_id": records["contract"],
                                                     "void_invoices": False}}),
        ("/v1/archiveCustomerBillingProviderConfigurations", "POST",
         {"body": {**customer, "customer_billing_provider_configuration_ids": [records["configuration"]]}}),
    ]  # fmt: skip


def test_every_published_operation_answers_in_metronomes_shape(base_url: str, records: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_path(str(DOCUMENT))
    calls = _calls(records)
    assert {(path, method) for path, method, _ in calls} == {
        (path, method.upper()) for path, item in published()["paths"].items() for method in item
    }, "every published operation is called"
    for path, method, arguments in calls:
        case = schema[path][method].Case(**arguments)
        response = case.call_and_validate(
            base_url=base_url, headers={"Authorization": f"Bearer {TOKENS['acme']}"}, checks=CHECKS
        )
        assert response.status_code == 200, (path, response.text)
        data = response.json()["data"]
        assert data, f"{path}: an empty answer proves nothing"


def test_an_unknown_package_is_metronomes_package_not_found(base_url: str) -> None:
    schema = schemathesis.openapi.from_path(str(DOCUMENT))
    operation = schema["/v1/packages/listContractsOnPackage"]["POST"]
    case = operation.Case(body={"package_id": "5f1b7c55-0000-4000-8000-000000000000"})
    response = case.call_and_validate(
        base_url=base_url, headers={"Authorization": f"Bearer {TOKENS['acme']}"}, checks=CHECKS
    )
    assert response.status_code == 400 and response.json()["code"] == "PackageNotFound"
