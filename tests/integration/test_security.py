"""Tokens and tenant isolation on every operation, through the front door (authorizer included)."""

import json
from typing import Any

import pytest

from infra.front_door import FrontDoor
from infra.openapi import render
from package_service.store.tokens import create_token, revoke_token
from tests.payloads import STRIPE, package_body

SECRET = "Globex-secret"
START = "2027-01-31T00:00:00Z"


def operations() -> list[tuple[str, str]]:
    paths = json.loads(render())["paths"]
    return sorted((method.upper(), path) for path, item in paths.items() for method in item)


@pytest.fixture
def door(table: str) -> FrontDoor:
    return FrontDoor(authorizer_ttl=0)


def call(door: FrontDoor, token: str | None, method: str, path: str, body: Any = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    payload = json.dumps(body).encode() if body is not None else b""
    status, _, response = door.handle(method, path, headers, payload)
    return status, response.decode()


@pytest.fixture
def globex(door: FrontDoor) -> dict[str, str]:
    """Tenant B's records, with a recognisable secret in every name."""
    token = create_token("globex", SECRET)

    def ok(path: str, body: dict[str, Any]) -> Any:
        status, text = call(door, token, "POST", path, body)
        assert status == 200, text
        return json.loads(text)["data"]

    usage = ok("/v1/contract-pricing/products/create", {"name": f"{SECRET} tokens", "type": "USAGE"})["id"]
    seats = ok("/v1/contract-pricing/products/create", {"name": f"{SECRET} seats", "type": "SUBSCRIPTION"})["id"]
    rate_card = ok("/v1/contract-pricing/rate-cards/create", {"name": SECRET, "aliases": [{"name": "tokens"}]})["id"]
    package = ok("/v1/packages/create", package_body({"usage": usage, "seats": seats}, name=SECRET))["id"]
    customer = ok("/v1/customers", {"name": SECRET, "customer_billing_provider_configurations": [STRIPE]})["id"]
    contract = ok("/v1/contracts/create", {"customer_id": customer, "package_id": package, "starting_at": START})["id"]
    job = ok("/v1/provisioningJobs/create", {"package_id": package, "starting_at": START, "customer_ids": [customer]})
    config = ok("/v1/getCustomerBillingProviderConfigurations", {"customer_id": customer})[0]["id"]
    target = ok("/v1/packages/create", {"name": f"{SECRET} v2", "duration": {"unit": "MONTHS", "value": 12}})["id"]
    moving = {"from_package_id": package, "to_package_id": target, "effective": {"type": "END_OF_TERM"}}
    migration = ok("/v1/packageMigrations/create", moving)["id"]
    terms = ok("/v2/contracts/get", {"contract_id": contract, "customer_id": customer})
    return {"usage": usage, "rate_card": rate_card, "package": package, "customer": customer,
            "contract": contract, "job": job["id"], "config": config, "target": target,
            "migration": migration, "commit": terms["commits"][0]["id"],
            "credit": terms["credits"][0]["id"]}  # fmt: skip


def requests_with(ids: dict[str, str]) -> dict[tuple[str, str], Any]:
    """A request for every operation, aimed at the given tenant's records."""
    p, c = ids["package"], ids["customer"]
    rate = {"product_id": ids["usage"], "entitled": True, "rate_type": "FLAT", "price": 1, "starting_at": START}
    return {
        ("POST", "/v1/packages/create"): {"name": "x", "rate_card_id": ids["rate_card"]},
        ("POST", "/v1/packages/get"): {"package_id": p},
        ("POST", "/v1/packages/list"): {"archive_filter": "ALL"},
        ("POST", "/v1/packages/archive"): {"package_id": p},
        ("POST", "/v1/packages/listContractsOnPackage"): {"package_id": p},
        ("POST", "/v1/contract-pricing/products/create"): {"name": "x", "type": "USAGE"},
        ("POST", "/v1/contract-pricing/products/get"): {"id": ids["usage"]},
        ("POST", "/v1/contract-pricing/products/list"): {"archive_filter": "ALL"},
        ("POST", "/v1/contract-pricing/products/update"): {
            "product_id": ids["usage"],
            "starting_at": "2027-01-01T00:00:00Z",
            "name": "renamed",
        },
        ("POST", "/v1/contract-pricing/products/archive"): {"product_id": ids["usage"]},
        ("POST", "/v1/contract-pricing/rate-cards/create"): {"name": "x"},
        ("POST", "/v1/contract-pricing/rate-cards/get"): {"id": ids["rate_card"]},
        ("POST", "/v1/contract-pricing/rate-cards/list"): {},
        ("POST", "/v1/contract-pricing/rate-cards/update"): {"rate_card_id": ids["rate_card"], "name": "renamed"},
        ("POST", "/v1/contract-pricing/rate-cards/archive"): {"id": ids["rate_card"]},
        ("POST", "/v1/contract-pricing/rate-cards/addRate"): {**rate, "rate_card_id": ids["rate_card"]},
        ("POST", "/v1/contract-pricing/rate-cards/addRates"): {"rate_card_id": ids["rate_card"], "rates": [rate]},
        ("POST", "/v1/contract-pricing/rate-cards/getRates"): {"rate_card_id": ids["rate_card"], "at": START},
        ("POST", "/v1/contract-pricing/rate-cards/getRateSchedule"): {
            "rate_card_id": ids["rate_card"], "starting_at": START},
        ("POST", "/v1/contracts/getContractRateSchedule"): {"contract_id": ids["contract"], "customer_id": c},
        ("POST", "/v1/customers"): {"name": "x"},
        ("GET", "/v1/customers"): None,
        ("GET", f"/v1/customers/{c}"): None,
        ("POST", "/v1/customers/archive"): {"id": c},
        ("POST", "/v1/setCustomerBillingProviderConfigurations"): {"data": [{"customer_id": c, **STRIPE}]},
        ("POST", "/v1/getCustomerBillingProviderConfigurations"): {"customer_id": c},
        ("POST", "/v1/archiveCustomerBillingProviderConfigurations"): {
            "customer_id": c, "customer_billing_provider_configuration_ids": [ids["config"]]},
        ("POST", "/v1/contracts/create"): {"customer_id": c, "package_id": p, "starting_at": START},
        ("POST", "/v1/contracts/preview"): {"customer_id": c, "package_id": p, "starting_at": START},
        ("POST", "/v1/contracts/get"): {"contract_id": ids["contract"], "customer_id": c},
        ("POST", "/v1/contracts/list"): {"customer_id": c, "include_archived": True},
        ("POST", "/v1/contracts/archive"): {"contract_id": ids["contract"], "customer_id": c, "void_invoices": False},
        ("POST", "/v1/contracts/updateEndDate"): {"contract_id": ids["contract"], "customer_id": c,
                                                  "ending_before": "2027-06-30T00:00:00Z"},
        ("POST", "/v2/contracts/edit"): {"contract_id": ids["contract"], "customer_id": c, "update_contract_name": "x"},
        ("POST", "/v2/contracts/get"): {"contract_id": ids["contract"], "customer_id": c},
        ("POST", "/v2/contracts/list"): {"customer_id": c, "include_archived": True},
        ("POST", "/v2/contracts/getEditHistory"): {"contract_id": ids["contract"], "customer_id": c},
        ("POST", "/v2/contracts/commits/edit"): {"commit_id": ids["commit"], "customer_id": c, "name": "x"},
        ("POST", "/v2/contracts/credits/edit"): {"credit_id": ids["credit"], "customer_id": c, "name": "x"},
        ("POST", "/v1/provisioningJobs/create"): {"package_id": p, "starting_at": START, "customer_ids": [c]},
        ("POST", "/v1/provisioningJobs/get"): {"job_id": ids["job"]},
        ("POST", "/v1/provisioningJobs/listResults"): {"job_id": ids["job"]},
        ("POST", "/v1/provisioningJobs/cancel"): {"job_id": ids["job"]},
        ("POST", "/v1/packageMigrations/create"): {"from_package_id": p, "to_package_id": ids["target"],
                                                   "effective": {"type": "END_OF_TERM"}},
        ("POST", "/v1/packageMigrations/get"): {"migration_id": ids["migration"]},
        ("POST", "/v1/packageMigrations/list"): {"from_package_id": p},
        ("POST", "/v1/packageMigrations/listPlan"): {"migration_id": ids["migration"]},
        ("POST", "/v1/packageMigrations/apply"): {"migration_id": ids["migration"]},
        ("POST", "/v1/packageMigrations/cancel"): {"migration_id": ids["migration"]},
        ("GET", f"/v1/auditLogs?resource_type=package&resource_id={p}&sort=date_desc"): None,
    }  # fmt: skip


def _template(method: str, path: str) -> tuple[str, str]:
    path = path.partition("?")[0]
    return (method, "/v1/customers/{customer_id}") if path.startswith("/v1/customers/") and path.count("/") == 3 \
        and method == "GET" else (method, path)  # fmt: skip


def test_every_operation_is_covered(globex: dict[str, str]) -> None:
    assert {_template(m, p) for m, p in requests_with(globex)} == set(operations())


@pytest.mark.parametrize("token", [None, "forged-token", "revoked"])
def test_missing_forged_and_revoked_tokens_are_401_everywhere(
    door: FrontDoor, globex: dict[str, str], token: str | None
) -> None:
    if token == "revoked":
        token = create_token("acme", "soon-revoked")
        revoke_token(token)
    for (method, path), body in requests_with(globex).items():
        status, text = call(door, token, method, path, body)
        assert (status, json.loads(text)) == (401, {"message": "Unauthorized"}), (method, path)
    assert call(door, "forged-token", "GET", "/swagger")[0] == 200  # the document itself is public


CONTRACT_NOT_FOUND = {
    "/v2/contracts/edit",
    "/v2/contracts/get",
    "/v2/contracts/getEditHistory",
    "/v1/contracts/updateEndDate",
}

CUSTOMER_NOT_FOUND = {"/v2/contracts/commits/edit", "/v2/contracts/credits/edit"}


def test_another_tenants_ids_are_not_found_and_nothing_leaks(door: FrontDoor, globex: dict[str, str]) -> None:
    acme = create_token("acme", "acme-admin")
    for (method, path), body in requests_with(globex).items():
        status, text = call(door, acme, method, path, body)
        sent = path + json.dumps(body)
        leaked = [SECRET, *(value for value in globex.values() if value not in sent)]  # echoing input is fine
        assert status in (200, 400, 404), (method, path, status, text)
        if path in CONTRACT_NOT_FOUND:  # Metronome publishes 400 ContractNotFound for these
            assert status == 400 and json.loads(text)["code"] == "ContractNotFound", (path, text)
        elif method == "POST" and path.endswith(
            ("/get", "/update", "/archive", "/listResults", "/cancel", "/listPlan", "/apply")
        ):
            assert status == 404, (method, path, text)
        if path in CUSTOMER_NOT_FOUND:  # Metronome publishes 400 CustomerNotFound for these
            assert status == 400 and json.loads(text)["code"] == "CustomerNotFound", (path, text)
        if path.endswith("listContractsOnPackage"):  # Metronome publishes 400 PackageNotFound here
            assert status == 400 and json.loads(text)["code"] == "PackageNotFound", text
        for secret in leaked:
            assert secret not in text, (method, path, text)
    # And globex's records are untouched by acme's attempts.
    globex_token = create_token("globex", "globex-admin")
    status, text = call(door, globex_token, "POST", "/v1/packages/get", {"package_id": globex["package"]})
    assert status == 200 and "archived_at" not in json.loads(text)["data"]


def test_malformed_and_oversized_bodies(door: FrontDoor) -> None:
    token = create_token("acme", "acme-admin")
    posts = [(m, p) for m, p in operations() if m == "POST"]
    for _, path in posts:
        status, text = door.handle("POST", path, {"Authorization": f"Bearer {token}"}, b"{not json")[0:3:2]
        assert status == 400 and json.loads(text)["message"], path
    huge = json.dumps({"name": "x" * 1_100_000}).encode()
    assert door.handle("POST", "/v1/packages/create", {"Authorization": f"Bearer {token}"}, huge)[0] == 413
