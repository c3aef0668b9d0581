"""Changing a provisioned contract through the official metronome-sdk on the local stack, as a packages
user does: create with `package_alias` -> list -> `v2` edit to change seats -> add an override -> edit
history -> `update_end_date`. Every answer is also validated by the SDK's own response models (the SDK
builds its objects without validating them). Then a migration of an edited contract keeps its edits.

This module's stack runs on a clock that starts at CLOCK (LOCAL_CLOCK): a migration refuses dates in the
past, and the dates below must stay in the future whenever the tests run."""

import uuid
from typing import Any

import metronome
import pytest
import schemathesis
import yaml
from metronome import Metronome
from metronome.types.shared import ContractV2
from metronome.types.v1 import ContractCreateResponse, ContractUpdateEndDateResponse
from metronome.types.v2 import (
    ContractEditCommitResponse,
    ContractEditCreditResponse,
    ContractEditResponse,
    ContractGetEditHistoryResponse,
    ContractRetrieveResponse,
)
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.payloads import STRIPE, package_body
from tests.published import EDITS_DOCUMENT

from .conftest import TOKENS, stack_on_clock
from .published_runs import fuzz_published
from .test_migrations_http import wait_for

CLOCK = "2026-11-01T00:00:00Z"
START = "2027-01-31T00:00:00Z"


base_url, client = stack_on_clock(CLOCK)


def seats(product_id: str, quantity: int) -> dict[str, Any]:
    return {"collection_schedule": "ADVANCE", "proration": {"is_prorated": True}, "initial_quantity": quantity,
            "subscription_rate": {"billing_frequency": "MONTHLY", "product_id": product_id},
            "starting_at_offset": {"unit": "DAYS", "value": 0}}  # fmt: skip


@pytest.fixture(scope="module")
def catalog(client: Metronome) -> dict[str, str]:
    usage = client.v1.contracts.products.create(name="Tokens", type="USAGE").data.id
    seat = client.v1.contracts.products.create(name="Seats", type="SUBSCRIPTION").data.id
    rates = f"rc-{uuid.uuid4().hex[:6]}"
    client.v1.contracts.rate_cards.create(name="Rates", aliases=[{"name": rates}])
    alias = f"starter-{uuid.uuid4().hex[:6]}"
    body = package_body({"usage": usage, "seats": seat}, rate_card_alias=rates, aliases=[{"name": alias}],
                        subscriptions=[seats(seat, 3)])  # fmt: skip
    package = client.v1.packages.create(**body).data.id
    return {"usage": usage, "seats": seat, "rates": rates, "alias": alias, "package": package}


def customer(client: Metronome) -> str:
    config = {**STRIPE, "configuration": {"stripe_customer_id": f"cus_{uuid.uuid4().hex[:6]}"}}
    return client.v1.customers.create(name="Acme", customer_billing_provider_configurations=[config]).data.id


def discount(product_id: str) -> dict[str, Any]:
    return {"starting_at": "2027-04-30T00:00:00Z", "type": "MULTIPLIER", "multiplier": 0.8,
            "override_specifiers": [{"product_id": product_id}]}  # fmt: skip


def test_the_packages_user_flow(client: Metronome, catalog: dict[str, str]) -> None:
    buyer = customer(client)
    created = client.v1.contracts.with_raw_response.create(customer_id=buyer, package_alias=catalog["alias"],
                                                          starting_at=START)  # fmt: skip
    contract_id = ContractCreateResponse.model_validate(created.json()).data.id

    listed = client.v2.contracts.with_raw_response.list(customer_id=buyer)
    assert [ContractV2.model_validate(c).id for c in listed.json()["data"]] == [contract_id]
    assert [c.id for c in client.v2.contracts.list(customer_id=buyer)] == [contract_id]
    subscription = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=buyer).data.subscriptions
    assert subscription is not None and subscription[0].id is not None

    seat_edit = client.v2.contracts.with_raw_response.edit(
        contract_id=contract_id, customer_id=buyer,
        update_subscriptions=[{"subscription_id": subscription[0].id,
                               "quantity_updates": [{"starting_at": "2027-03-31T00:00:00Z", "quantity": 10}]}],
    )  # fmt: skip
    assert ContractEditResponse.model_validate(seat_edit.json()).data.id == contract_id
    client.v2.contracts.edit(contract_id=contract_id, customer_id=buyer, add_overrides=[discount(catalog["usage"])],
                             update_contract_name="Acme, negotiated")  # fmt: skip

    history = client.v2.contracts.with_raw_response.get_edit_history(contract_id=contract_id, customer_id=buyer)
    edits = ContractGetEditHistoryResponse.model_validate(history.json()).data
    assert [bool(e.update_subscriptions) for e in edits] == [True, False]
    assert edits[1].add_overrides and edits[1].add_overrides[0].multiplier == 0.8

    now = client.v2.contracts.with_raw_response.retrieve(contract_id=contract_id, customer_id=buyer)
    contract = ContractRetrieveResponse.model_validate(now.json()).data
    assert contract.name == "Acme, negotiated" and [o.multiplier for o in contract.overrides] == [0.8]
    assert contract.subscriptions and [q.quantity for q in contract.subscriptions[0].quantity_schedule] == [3, 10]
    before = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=buyer, as_of_date=edits[0].timestamp)
    assert before.data.overrides == [] and before.data.name != "Acme, negotiated"

    ended = client.v1.contracts.with_raw_response.update_end_date(
        contract_id=contract_id, customer_id=buyer, ending_before="2027-06-30T00:00:00Z",
        allow_ending_before_finalized_invoice=False,
    )  # fmt: skip
    assert ContractUpdateEndDateResponse.model_validate(ended.json()).data.id == contract_id
    cancelled = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=buyer).data
    assert cancelled.ending_before is not None and cancelled.ending_before.isoformat().startswith("2027-06-30")
    v1 = client.v1.contracts.retrieve(contract_id=contract_id, customer_id=buyer).data
    assert v1.current.ending_before == cancelled.ending_before
    assert len(client.v2.contracts.get_edit_history(contract_id=contract_id, customer_id=buyer).data) == 3


def test_bad_edits_name_the_field(client: Metronome, catalog: dict[str, str]) -> None:
    buyer = customer(client)
    contract_id = client.v1.contracts.create(
        customer_id=buyer, package_alias=catalog["alias"], starting_at=START
    ).data.id
    for call, field in (
        (lambda: client.v2.contracts.edit(contract_id=contract_id, customer_id=buyer, update_subscriptions=[
            {"subscription_id": str(uuid.uuid4()), "name": "x"}]), "update_subscriptions[0].subscription_id"),
        (lambda: client.v1.contracts.update_end_date(contract_id=contract_id, customer_id=buyer,
                                                     ending_before="2026-12-31T00:00:00Z"), "ending_before"),
        (lambda: client.v2.contracts.edit(contract_id=contract_id, customer_id=buyer,
                                          add_overrides=[discount(str(uuid.uuid4()))]),
         "add_overrides[0].override_specifiers[0].product_id"),
    ):  # fmt: skip
        with pytest.raises(metronome.BadRequestError) as refused:
            call()
        assert refused.value.body["message"].startswith(field), refused.value.body  # type: ignore[index]
    assert client.v2.contracts.get_edit_history(contract_id=contract_id, customer_id=buyer).data == []


def test_a_commit_and_a_credit_are_edited_by_their_ids(client: Metronome, catalog: dict[str, str]) -> None:
    """`edit_commit` / `edit_credit` name only the term and its customer; the edit lands on the contract
    holding it, as `edit`'s update_commits / update_credits would record it."""
    buyer = customer(client)
    contract_id = client.v1.contracts.create(
        customer_id=buyer, package_alias=catalog["alias"], starting_at=START
    ).data.id
    got = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=buyer).data
    commit = next(c for c in got.commits if c.invoice_schedule)
    credit = next(c for c in got.credits or [] if c.recurring_credit_id is None)
    [item] = commit.access_schedule.schedule_items
    edited = client.v2.contracts.with_raw_response.edit_commit(
        commit_id=commit.id, customer_id=buyer, name="Prepaid, doubled", priority=None,
        access_schedule={"update_schedule_items": [{"id": item.id, "amount": 200}]},
        hierarchy_configuration={"child_access": {"type": "ALL"}},
    )  # fmt: skip
    assert ContractEditCommitResponse.model_validate(edited.json()).data.id == commit.id
    later = {"amount": 10, "starting_at": "2027-06-30T00:00:00Z", "ending_before": "2027-07-31T00:00:00Z"}
    answer = client.v2.contracts.with_raw_response.edit_credit(
        credit_id=credit.id, customer_id=buyer, description="goodwill", access_schedule={"add_schedule_items": [later]}
    )
    assert ContractEditCreditResponse.model_validate(answer.json()).data.id == credit.id

    now = ContractRetrieveResponse.model_validate(
        client.v2.contracts.with_raw_response.retrieve(contract_id=contract_id, customer_id=buyer).json()
    ).data
    commit_now = next(c for c in now.commits if c.id == commit.id)
    assert commit_now.name == "Prepaid, doubled" and commit_now.priority is None
    assert [i.amount for i in commit_now.access_schedule.schedule_items] == [200]
    assert commit_now.hierarchy_configuration and commit_now.hierarchy_configuration.child_access.type == "ALL"
    credit_now = next(c for c in now.credits or [] if c.id == credit.id)
    assert credit_now.description == "goodwill" and len(credit_now.access_schedule.schedule_items) == 2
    history = client.v2.contracts.with_raw_response.get_edit_history(contract_id=contract_id, customer_id=buyer)
    edits = ContractGetEditHistoryResponse.model_validate(history.json()).data
    assert [(bool(e.update_commits), bool(e.update_credits)) for e in edits] == [(True, False), (False, True)]

    with pytest.raises(metronome.BadRequestError) as refused:
        client.v2.contracts.edit_commit(commit_id=commit.id, customer_id=buyer, applicable_contract_ids=None)
    assert refused.value.body["message"].startswith("applicable_contract_ids"), refused.value.body  # type: ignore[index]
    with pytest.raises(metronome.NotFoundError) as unknown:
        client.v2.contracts.edit_credit(credit_id=str(uuid.uuid4()), customer_id=buyer, name="x")
    assert unknown.value.body["message"].startswith("credit_id"), unknown.value.body  # type: ignore[index]
    with pytest.raises(metronome.BadRequestError) as stranger:
        client.v2.contracts.edit_commit(commit_id=commit.id, customer_id=str(uuid.uuid4()), name="x")
    assert stranger.value.body["code"] == "CustomerNotFound", stranger.value.body  # type: ignore[index]
    assert len(client.v2.contracts.get_edit_history(contract_id=contract_id, customer_id=buyer).data) == 2


def test_a_migration_keeps_an_edited_contracts_edits(client: Metronome, base_url: str, catalog: dict[str, str]) -> None:
    buyer = customer(client)
    contract_id = client.v1.contracts.create(
        customer_id=buyer, package_id=catalog["package"], starting_at=START
    ).data.id
    got = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=buyer).data
    assert got.subscriptions and got.subscriptions[0].id
    client.v2.contracts.edit(
        contract_id=contract_id, customer_id=buyer, add_overrides=[discount(catalog["usage"])],
        update_subscriptions=[{"subscription_id": got.subscriptions[0].id,
                               "quantity_updates": [{"starting_at": "2027-03-31T00:00:00Z", "quantity": 7}]}],
    )  # fmt: skip
    target = package_body({"usage": catalog["usage"], "seats": catalog["seats"]}, name="v2", aliases=[],
                          rate_card_alias=catalog["rates"], subscriptions=[seats(catalog["seats"], 5)])  # fmt: skip
    v2 = client.v1.packages.create(**target).data.id
    created = client.post("/v1/packageMigrations/create", cast_to=dict[str, Any], body={
        "from_package_id": catalog["package"], "to_package_id": v2, "customer_ids": [buyer],
        "effective": {"type": "AT_DATE", "at": "2027-06-30T00:00:00Z"}})  # fmt: skip
    migration_id = created["data"]["id"]
    wait_for(base_url, migration_id, "PLANNED")
    rows = client.post("/v1/packageMigrations/listPlan", cast_to=dict[str, Any], body={"migration_id": migration_id})
    [row] = rows["data"]
    assert row["diff"]["carried"]["seats"] == [{"product_id": catalog["seats"], "quantity": 7}]
    client.post("/v1/packageMigrations/apply", cast_to=dict[str, Any], body={"migration_id": migration_id})
    wait_for(base_url, migration_id, "COMPLETED")
    [row] = client.post("/v1/packageMigrations/listPlan", cast_to=dict[str, Any],
                        body={"migration_id": migration_id})["data"]  # fmt: skip
    successor = client.v2.contracts.with_raw_response.retrieve(contract_id=row["new_contract_id"], customer_id=buyer)
    moved = ContractRetrieveResponse.model_validate(successor.json()).data
    assert [o.multiplier for o in moved.overrides] == [0.8]
    assert moved.subscriptions and [q.quantity for q in moved.subscriptions[0].quantity_schedule] == [7]


CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]


def test_generated_requests_get_answers_in_the_published_shapes(base_url: str, catalog: dict[str, str]) -> None:
    """schemathesis over Metronome's published edit, commit and credit edit, v2 get/list, getEditHistory and
    updateEndDate blocks
    (tests/published/metronome-contract-edits-openapi.yaml): no 5xx, every answer in the published shape."""
    fuzz_published(EDITS_DOCUMENT, base_url, operations=7)


def test_every_edit_operation_answers_real_records_in_the_published_shape(
    client: Metronome, base_url: str, catalog: dict[str, str]
) -> None:
    buyer = customer(client)
    contract_id = client.v1.contracts.create(
        customer_id=buyer, package_alias=catalog["alias"], starting_at=START
    ).data.id
    ref = {"contract_id": contract_id, "customer_id": buyer}
    terms = client.v2.contracts.retrieve(**ref).data
    assert terms.commits and terms.credits
    calls: list[tuple[str, dict[str, Any]]] = [
        ("/v2/contracts/commits/edit", {"customer_id": buyer, "commit_id": terms.commits[0].id, "priority": 3}),
        ("/v2/contracts/credits/edit", {"customer_id": buyer, "credit_id": terms.credits[0].id, "name": "P"}),
        ("/v2/contracts/edit", {**ref, "add_overrides": [discount(catalog["usage"])], "update_contract_name": "P"}),
        ("/v2/contracts/getEditHistory", ref),
        ("/v2/contracts/get", ref),
        ("/v2/contracts/get", {**ref, "as_of_date": "2026-01-01T00:00:00Z"}),
        ("/v2/contracts/list", {"customer_id": buyer}),
        ("/v1/contracts/updateEndDate", {**ref, "ending_before": "2027-06-30T00:00:00Z"}),
    ]
    schema = schemathesis.openapi.from_path(str(EDITS_DOCUMENT))
    assert {path for path, _ in calls} == set(yaml.safe_load(EDITS_DOCUMENT.read_text())["paths"])
    for path, body in calls:
        case = schema[path]["POST"].Case(body=body)
        response = case.call_and_validate(
            base_url=base_url, headers={"Authorization": f"Bearer {TOKENS['acme']}"}, checks=CHECKS
        )
        assert response.status_code == 200 and response.json()["data"], (path, response.text)
