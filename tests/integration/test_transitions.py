"""Transitions that end the old contract (spec.md, "Transitions"): in the new contract's transaction the
old one ends at the new starting_at, its terms cut (domain/transitions.py), its index row and date
attributes moved; a second transition out of it is refused; a concurrent one writes nothing."""

from datetime import UTC, datetime
from typing import Any

import pytest

from package_service.domain.principal import Principal
from package_service.domain.provisioning import ProvisionRequest
from package_service.services import contracts
from tests.payloads import STRIPE, package_body

from .conftest import Api, scan_count

JAN31, JUN1 = "2027-01-31T00:00:00Z", "2027-06-01T00:00:00Z"


@pytest.fixture
def package(api: Api, catalog: dict[str, str]) -> str:
    return str(api.ok("/v1/packages/create", package_body(catalog))["id"])


@pytest.fixture
def customer(api: Api) -> str:
    body = {"name": "Acme", "customer_billing_provider_configurations": [{**STRIPE, "configuration": {}}]}
    return str(api.ok("/v1/customers", body)["id"])


def renew(api: Api, customer: str, package: str, from_id: str, starting_at: str = JUN1, **extra: Any) -> Any:
    transition = {"from_contract_id": from_id, "type": "RENEWAL", **extra}
    body = {"customer_id": customer, "package_id": package, "starting_at": starting_at, "transition": transition}
    return api.post("/v1/contracts/create", body)


def get(api: Api, customer: str, contract_id: str) -> dict[str, Any]:
    data: dict[str, Any] = api.ok("/v1/contracts/get", {"contract_id": contract_id, "customer_id": customer})
    return data


def dated(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [v for k, v in value.items() if k in ("starting_at", "timestamp") and isinstance(v, str)]
        return own + [d for v in value.values() for d in dated(v)]
    if isinstance(value, list):
        return [d for v in value for d in dated(v)]
    return []


def test_a_jan_31_contract_renewed_on_jun_1_ends_there(api: Api, package: str, customer: str) -> None:
    old = api.ok("/v1/contracts/create", {"customer_id": customer, "package_id": package, "starting_at": JAN31})
    before = get(api, customer, old["id"])["current"]
    assert before["ending_before"] == "2028-01-31T00:00:00.000Z"
    new = renew(api, customer, package, old["id"])
    assert new.status == 200, new.body
    after = get(api, customer, old["id"])
    version = after["current"]
    assert version["ending_before"] == "2027-06-01T00:00:00.000Z"
    # Nothing dated from Jun 1 survives in the old contract (its postpaid true-ups aside, none here) ...
    assert all(d < "2027-06-01T00:00:00.000Z" for d in dated({k: v for k, v in version.items()}))
    assert all(d < "2027-06-01T00:00:00.000Z" for d in dated(after["subscriptions"]))
    # ... what ended before it is as it was ...
    ended = [c for c in before["commits"] if c["access_schedule"]["schedule_items"][-1]["ending_before"] <= JUN1]
    assert ended and all(c in version["commits"] for c in ended)
    # ... and both contracts list the transition.
    expected = [{"from_contract_id": old["id"], "to_contract_id": new.data["id"], "type": "RENEWAL"}]
    assert version["transitions"] == get(api, customer, new.data["id"])["current"]["transitions"] == expected


def test_the_package_index_and_date_filters_follow_the_new_end(api: Api, package: str, customer: str) -> None:
    old = api.ok("/v1/contracts/create", {"customer_id": customer, "package_id": package, "starting_at": JAN31})
    new = renew(api, customer, package, old["id"]).data

    def on_package(covering: str) -> set[str]:
        body = {"package_id": package, "covering_date": covering}
        return {row["contract_id"] for row in api.ok("/v1/packages/listContractsOnPackage", body)}

    assert on_package("2027-05-31T00:00:00Z") == {old["id"]}
    assert on_package("2027-07-01T00:00:00Z") == {new["id"]}
    rows = api.ok("/v1/packages/listContractsOnPackage", {"package_id": package})
    assert {r["contract_id"]: r["ending_before"] for r in rows}[old["id"]] == "2027-06-01T00:00:00.000Z"
    listed = api.ok("/v1/contracts/list", {"customer_id": customer, "covering_date": "2027-07-01T00:00:00Z"})
    assert [c["id"] for c in listed] == [new["id"]]


def test_a_second_transition_out_names_where_the_first_went(api: Api, package: str, customer: str) -> None:
    old = api.ok("/v1/contracts/create", {"customer_id": customer, "package_id": package, "starting_at": JAN31})
    first = renew(api, customer, package, old["id"]).data
    before = scan_count()
    again = renew(api, customer, package, old["id"], starting_at="2027-09-01T00:00:00Z")
    assert again.status == 400
    assert again.message == (
        f"transition.from_contract_id: contract {old['id']} was already transitioned to contract {first['id']}"
    )
    assert scan_count() == before


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("archived", "is archived"),
        ("not-before", "not before the new starting_at"),
        ("other-customer", "is not a contract of"),
    ],
)
def test_what_cannot_be_transitioned_from(api: Api, package: str, customer: str, case: str, message: str) -> None:
    old = api.ok("/v1/contracts/create", {"customer_id": customer, "package_id": package, "starting_at": JAN31})
    target, start = customer, JUN1
    if case == "archived":
        api.ok("/v1/contracts/archive", {"contract_id": old["id"], "customer_id": customer, "void_invoices": False})
    elif case == "not-before":
        start = JAN31
    else:
        target = str(
            api.ok("/v1/customers", {"name": "Other", "customer_billing_provider_configurations": [STRIPE]})["id"]
        )
    before = scan_count()
    reply = renew(api, target, package, old["id"], starting_at=start)
    assert (
        reply.status == 400 and reply.message.startswith("transition.from_contract_id: ") and message in reply.message
    )
    assert scan_count() == before


def test_trueup_remove_drops_a_postpaid_trueup_and_as_is_keeps_it(
    api: Api, catalog: dict[str, str], customer: str
) -> None:
    postpaid = {
        "type": "POSTPAID", "product_id": catalog["usage"], "priority": 1,
        "access_schedule": {"schedule_items": [{"amount": 1000, "starting_at_offset": {"unit": "DAYS", "value": 0},
                                                 "duration": {"unit": "MONTHS", "value": 12}}]},
        "invoice_schedule": {"schedule_items": [{"unit_price": 1000, "quantity": 1,
                                                 "date_offset": {"unit": "MONTHS", "value": 12}}]},
    }  # fmt: skip
    body = {"name": "Postpaid", "duration": {"unit": "MONTHS", "value": 12}, "commits": [postpaid]}
    package = api.ok("/v1/packages/create", body)["id"]
    invoices = {}
    for trueup in ("AS_IS", "REMOVE"):
        old = api.ok("/v1/contracts/create", {"customer_id": customer, "package_id": package, "starting_at": JAN31})
        reply = renew(api, customer, package, old["id"], future_invoice_behavior={"trueup": trueup.lower()})
        assert reply.status == 200, reply.body
        (commit,) = get(api, customer, old["id"])["current"]["commits"]
        invoices[trueup] = commit["invoice_schedule"]["schedule_items"]
        assert commit["access_schedule"]["schedule_items"][0]["ending_before"] == "2027-06-01T00:00:00.000Z"
    assert [i["timestamp"] for i in invoices["AS_IS"]] == ["2028-01-31T00:00:00.000Z"]
    assert invoices["REMOVE"] == []


def test_a_renewal_racing_another_writes_nothing_and_names_the_winner(
    api: Api, package: str, customer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between this renewal's read of the old contract and its transaction, another renewal of the same
    contract commits: the transaction's condition fails, nothing of it is written, and the request
    reads again and answers 400 naming the contract the other renewal made."""
    old = api.ok("/v1/contracts/create", {"customer_id": customer, "package_id": package, "starting_at": JAN31})
    real_put = contracts.put_record_guarded
    winner: list[str] = []

    def put_after_a_rival(record: Any) -> str:
        if not winner:
            winner.append("")  # the rival's own write below goes straight through
            transition = {"from_contract_id": old["id"], "type": "RENEWAL"}
            rival = ProvisionRequest.model_validate(
                {"customer_id": customer, "package_id": package, "starting_at": "2027-07-01T00:00:00Z",
                 "transition": transition}
            )  # fmt: skip
            winner[0] = contracts.provision_contract(Principal("acme", "rival"), rival, datetime.now(UTC))["id"]
        return real_put(record)

    monkeypatch.setattr(contracts, "put_record_guarded", put_after_a_rival)
    reply = renew(api, customer, package, old["id"])
    assert reply.status == 400 and reply.message.endswith(f"was already transitioned to contract {winner[0]}")
    listed = api.ok("/v1/contracts/list", {"customer_id": customer})
    assert {c["id"] for c in listed} == {old["id"], winner[0]}  # nothing half-written by the loser
    (transition,) = get(api, customer, old["id"])["current"]["transitions"]
    assert transition["to_contract_id"] == winner[0]
    assert get(api, customer, old["id"])["current"]["ending_before"] == "2027-07-01T00:00:00.000Z"
