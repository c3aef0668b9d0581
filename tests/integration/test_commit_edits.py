"""`/v2/contracts/commits/edit` and `/v2/contracts/credits/edit` (SDK `v2.contracts.edit_commit` /
`edit_credit`): one commit or credit changed by its id, recorded as the edit `/v2/contracts/edit` makes with
`update_commits` / `update_credits`; every answer held to the official SDK's models."""

from collections import Counter
from typing import Any

import pytest
from metronome.types.shared import ContractV2
from metronome.types.v2 import ContractEditCommitResponse, ContractEditCreditResponse, ContractGetEditHistoryResponse

from tests import payloads

from .conftest import Api, scan_count
from .edit_helpers import applied_at_once, ref

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def _contract(api: Api, deal: dict[str, str]) -> dict[str, Any]:
    return dict(api.ok("/v2/contracts/get", ref(deal)))


def _commit(api: Api, deal: dict[str, str]) -> dict[str, Any]:
    """The package's prepaid commit (one access item 2027-02-28 -> 03-31 of 100, invoiced 2 x 50)."""
    return next(c for c in _contract(api, deal)["commits"] if "invoice_schedule" in c)


def _credit(api: Api, deal: dict[str, str]) -> dict[str, Any]:
    """The package's credit (one access item of 5, 2027-02-10 -> 03-02), not a recurring credit's period."""
    return next(c for c in _contract(api, deal)["credits"] if "recurring_credit_id" not in c)


def _term(api: Api, deal: dict[str, str], field: str, term_id: str) -> dict[str, Any]:
    return next(t for t in _contract(api, deal)[field] if t["id"] == term_id)


def test_a_commit_is_edited_by_its_id_as_update_commits_would(api: Api, deal: dict[str, str]) -> None:
    commit = _commit(api, deal)
    access_item, invoice_item = (commit[s]["schedule_items"][0] for s in ("access_schedule", "invoice_schedule"))
    body = {
        "customer_id": deal["customer"],
        "commit_id": commit["id"],
        "name": "Prepaid (renegotiated)",
        "description": "doubled",
        "priority": 2.5,
        "rate_type": "list_rate",
        "applicable_product_ids": [deal["usage"]],
        "hierarchy_configuration": {"child_access": {"type": "NONE"}},
        "invoice_contract_id": deal["contract"],  # the contract it is invoiced on already
        "access_schedule": {
            "update_schedule_items": [{"id": access_item["id"], "amount": 200, "ending_before": "2027-12-31T00:00:00Z"}]
        },
        "invoice_schedule": {"update_schedule_items": [{"id": invoice_item["id"], "quantity": 4}]},
    }
    answer = ContractEditCommitResponse.model_validate(api.post("/v2/contracts/commits/edit", body).body)
    assert answer.data.id == commit["id"]

    got = api.post("/v2/contracts/get", ref(deal))
    edited = {c.id: c for c in ContractV2.model_validate(got.data).commits}[commit["id"]]
    assert (edited.name, edited.description, edited.priority, edited.rate_type) == (
        "Prepaid (renegotiated)", "doubled", 2.5, "LIST_RATE")  # fmt: skip
    assert edited.applicable_product_ids == [deal["usage"]]
    assert edited.hierarchy_configuration and edited.hierarchy_configuration.child_access.type == "NONE"
    [access] = edited.access_schedule.schedule_items
    assert (access.id, access.amount, access.ending_before.isoformat()) == (
        access_item["id"], 200, "2027-12-31T00:00:00+00:00")  # fmt: skip
    assert edited.invoice_schedule and edited.invoice_schedule.schedule_items
    [invoice] = edited.invoice_schedule.schedule_items
    assert (invoice.id, invoice.quantity, invoice.unit_price, invoice.amount) == (invoice_item["id"], 4, 50, 200)

    history = ContractGetEditHistoryResponse.model_validate(api.post("/v2/contracts/getEditHistory", ref(deal)).body)
    [edit] = history.data
    assert edit.update_commits and [u.id for u in edit.update_commits] == [commit["id"]]
    stated = edit.update_commits[0].model_dump(exclude_none=True)
    assert set(stated) == {"id", "name", "description", "priority", "rate_type", "applicable_product_ids",
                           "hierarchy_configuration", "access_schedule", "invoice_schedule"}  # fmt: skip
    entries = api.get("/v1/auditLogs", {"resource_type": "contract", "resource_id": deal["contract"]}).data
    assert [e["action"] for e in entries].count("update") == 1


def test_as_of_date_answers_the_commit_as_it_stood(api: Api, deal: dict[str, str]) -> None:
    """The edit is one of the contract's: `/v2/contracts/get` with `as_of_date` replays it from its time on."""
    before = _contract(api, deal)
    commit = _commit(api, deal)
    api.ok("/v2/contracts/commits/edit", {"customer_id": deal["customer"], "commit_id": commit["id"], "name": "Later"})
    [edit] = api.ok("/v2/contracts/getEditHistory", ref(deal))
    as_of_then = api.ok("/v2/contracts/get", {**ref(deal), "as_of_date": before["created_at"]})
    assert as_of_then == before
    as_of_edit = api.ok("/v2/contracts/get", {**ref(deal), "as_of_date": edit["timestamp"]})
    assert {c["id"]: c for c in as_of_edit["commits"]}[commit["id"]]["name"] == "Later"


def test_update_commits_in_a_contract_edit_takes_the_same_fields(api: Api, deal: dict[str, str]) -> None:
    """The two operations share one model of a commit's change: what one accepts, the other does too
    (`hierarchy_configuration`; `specifiers` null, as Metronome publishes both)."""
    commit = _commit(api, deal)
    api.ok("/v2/contracts/commits/edit", {"customer_id": deal["customer"], "commit_id": commit["id"],
                                          "specifiers": [{"product_tags": ["gpu"]}]})  # fmt: skip
    change = {"commit_id": commit["id"], "hierarchy_configuration": {"child_access": {"type": "ALL"}},
              "specifiers": None}  # fmt: skip
    api.ok("/v2/contracts/edit", {**ref(deal), "update_commits": [change]})
    now = _term(api, deal, "commits", commit["id"])
    assert now["hierarchy_configuration"] == {"child_access": {"type": "ALL"}} and "specifiers" not in now


def test_a_credit_is_edited_by_its_id(api: Api, deal: dict[str, str]) -> None:
    credit = _credit(api, deal)
    later = {"amount": 25, "starting_at": "2027-06-30T00:00:00Z", "ending_before": "2027-07-31T00:00:00Z"}
    body = {"customer_id": deal["customer"], "credit_id": credit["id"], "name": "Goodwill",
            "applicable_product_tags": None, "specifiers": [{"product_id": deal["usage"]}], "priority": None,
            "access_schedule": {"add_schedule_items": [later]}}  # fmt: skip
    answer = ContractEditCreditResponse.model_validate(api.post("/v2/contracts/credits/edit", body).body)
    assert answer.data.id == credit["id"]
    now = _term(api, deal, "credits", credit["id"])
    assert now["name"] == "Goodwill" and "priority" not in now and "applicable_product_tags" not in now
    assert now["specifiers"] == [{"product_id": deal["usage"]}]
    assert [i["amount"] for i in now["access_schedule"]["schedule_items"]] == [5, 25]
    [edit] = ContractGetEditHistoryResponse.model_validate(
        api.post("/v2/contracts/getEditHistory", ref(deal)).body
    ).data
    assert edit.update_credits and edit.update_credits[0].id == credit["id"] and not edit.update_commits


def test_specifiers_replace_applicable_products_only_when_those_are_cleared(api: Api, deal: dict[str, str]) -> None:
    """As at creation, a commit never holds specifiers beside applicable_product_ids or tags, in either
    operation (the check is the one both share)."""
    commit = _commit(api, deal)
    on_commit = {"customer_id": deal["customer"], "commit_id": commit["id"]}
    api.ok("/v2/contracts/commits/edit", {**on_commit, "applicable_product_tags": ["gpu"]})
    by_tag = {"product_tags": ["cpu"]}
    refused = api.post("/v2/contracts/commits/edit", {**on_commit, "specifiers": [by_tag]})
    assert refused.status == 400 and refused.message.startswith("specifiers:"), refused.body
    in_edit = {**ref(deal), "update_commits": [{"commit_id": commit["id"], "specifiers": [by_tag]}]}
    refused = api.post("/v2/contracts/edit", in_edit)
    assert refused.status == 400 and refused.message.startswith("update_commits[0].specifiers:"), refused.body
    api.ok("/v2/contracts/commits/edit", {**on_commit, "specifiers": [by_tag], "applicable_product_tags": None})
    now = _term(api, deal, "commits", commit["id"])
    assert now["specifiers"] == [by_tag] and "applicable_product_tags" not in now
    assert len(api.ok("/v2/contracts/getEditHistory", ref(deal))) == 2


def test_a_commit_added_by_an_edit_is_found_and_edited(api: Api, deal: dict[str, str]) -> None:
    added = {"product_id": deal["usage"], "type": "PREPAID", "access_schedule": {"schedule_items": [
        {"amount": 40, "starting_at": "2027-05-31T00:00:00Z", "ending_before": "2027-06-30T00:00:00Z"}]}}  # fmt: skip
    api.ok("/v2/contracts/edit", {**ref(deal), "add_commits": [added]})
    [commit] = [c for c in _contract(api, deal)["commits"] if c["access_schedule"]["schedule_items"][0]["amount"] == 40]
    api.ok("/v2/contracts/commits/edit", {"customer_id": deal["customer"], "commit_id": commit["id"], "name": "Extra"})
    assert _term(api, deal, "commits", commit["id"])["name"] == "Extra"


def test_the_contract_is_found_among_the_customers_others(api: Api, deal: dict[str, str]) -> None:
    body = payloads.full_custom_contract(deal["customer"], deal["usage"], deal["seats"], deal["rate_card"])
    custom = {"contract_id": api.ok("/v1/contracts/create", body)["id"], "customer_id": deal["customer"]}
    credit = api.ok("/v2/contracts/get", custom)["credits"][0]
    api.ok("/v2/contracts/credits/edit", {"customer_id": deal["customer"], "credit_id": credit["id"], "name": "Cc"})
    assert {c["id"]: c for c in api.ok("/v2/contracts/get", custom)["credits"]}[credit["id"]]["name"] == "Cc"
    assert len(api.ok("/v2/contracts/getEditHistory", custom)) == 1
    assert api.ok("/v2/contracts/getEditHistory", ref(deal)) == []


def test_every_page_of_the_customers_contracts_is_read(
    api: Api, deal: dict[str, str], dynamodb_calls: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one contract a page (the service reads 100), the holder is found on a later page, and every page
    is read: another contract could hold the same package id."""
    from package_service.services import commit_edits

    monkeypatch.setattr(commit_edits, "_PAGE", 1)
    body = payloads.full_custom_contract(deal["customer"], deal["usage"], deal["seats"], deal["rate_card"])
    custom = {"contract_id": api.ok("/v1/contracts/create", body)["id"], "customer_id": deal["customer"]}
    listed = [c["id"] for c in api.ok("/v2/contracts/list", {"customer_id": deal["customer"]})]
    assert sorted(listed) == sorted([deal["contract"], custom["contract_id"]])
    for contract in ({"contract_id": listed[0], "customer_id": deal["customer"]},
                     {"contract_id": listed[1], "customer_id": deal["customer"]}):  # fmt: skip
        credit = api.ok("/v2/contracts/get", contract)["credits"][0]["id"]
        dynamodb_calls.clear()
        api.ok("/v2/contracts/credits/edit", {"customer_id": deal["customer"], "credit_id": credit, "name": "Paged"})
        assert dynamodb_calls["Query"] == 2
        assert {c["id"]: c for c in api.ok("/v2/contracts/get", contract)["credits"]}[credit]["name"] == "Paged"


def test_a_package_commit_two_live_contracts_hold_is_refused_until_one_is_archived(
    api: Api, deal: dict[str, str]
) -> None:
    """A package's commits keep its ids in every contract provisioned from it (decision 0022)."""
    later = api.ok("/v1/contracts/create", {"customer_id": deal["customer"], "package_alias": "starter",
                                            "starting_at": "2029-01-31T00:00:00Z"})["id"]  # fmt: skip
    on_later = {"contract_id": later, "customer_id": deal["customer"]}
    commit = _commit(api, deal)
    assert commit["id"] in {c["id"] for c in api.ok("/v2/contracts/get", on_later)["commits"]}
    body = {"customer_id": deal["customer"], "commit_id": commit["id"], "name": "Which?"}
    before = scan_count()
    refused = api.post("/v2/contracts/commits/edit", body)
    assert refused.status == 400 and refused.message.startswith("commit_id:"), refused.body
    assert deal["contract"] in refused.message and later in refused.message
    assert scan_count() == before
    api.ok("/v1/contracts/archive", {**ref(deal), "void_invoices": False})
    api.ok("/v2/contracts/commits/edit", body)
    assert {c["id"]: c for c in api.ok("/v2/contracts/get", on_later)["commits"]}[commit["id"]]["name"] == "Which?"
    assert api.ok("/v2/contracts/getEditHistory", ref(deal)) == []


def _refusals(deal: dict[str, str], commit: dict[str, Any], credit: dict[str, Any], foreign: str) -> list[Any]:
    on_commit = {"customer_id": deal["customer"], "commit_id": commit["id"]}
    on_credit = {"customer_id": deal["customer"], "credit_id": credit["id"]}
    access_item = commit["access_schedule"]["schedule_items"][0]["id"]
    invoice_item = commit["invoice_schedule"]["schedule_items"][0]["id"]
    outside = {"amount": 5, "starting_at": "2027-12-31T00:00:00Z", "ending_before": "2028-03-31T00:00:00Z"}
    commits, credits = "/v2/contracts/commits/edit", "/v2/contracts/credits/edit"
    return [
        (commits, {**on_commit, "applicable_contract_ids": [deal["contract"]]}, "applicable_contract_ids"),
        (commits, {**on_commit, "applicable_contract_ids": None}, "applicable_contract_ids"),
        (credits, {**on_credit, "applicable_contract_ids": None}, "applicable_contract_ids"),
        (commits, {**on_commit, "invoice_contract_id": UNKNOWN}, "invoice_contract_id"),
        (commits, {**on_commit, "invoice_contract_id": deal["contract"]}, "request body"),  # changes nothing
        (commits, on_commit, "request body"),
        # Schedules without an item to add, change or remove change nothing either.
        (commits, {**on_commit, "access_schedule": {}}, "request body"),
        (commits, {**on_commit, "access_schedule": {"add_schedule_items": []}, "invoice_schedule": {}}, "request body"),
        (credits, {**on_credit, "access_schedule": {"remove_schedule_items": [], "update_schedule_items": []}},
         "request body"),
        (credits, on_credit, "request body"),
        # What update_commits has and these operations do not: refused, never ignored.
        (commits, {**on_commit, "rollover_fraction": 0.5}, "rollover_fraction"),
        (commits, {**on_commit, "netsuite_sales_order_id": "SO-1"}, "netsuite_sales_order_id"),
        (commits, {**on_commit, "uniqueness_key": "once"}, "uniqueness_key"),
        (commits, {**on_commit, "contract_id": deal["contract"], "name": "x"}, "contract_id"),
        (credits, {**on_credit, "invoice_schedule": {"remove_schedule_items": [{"id": UNKNOWN}]}}, "invoice_schedule"),
        (credits, {**on_credit, "invoice_contract_id": deal["contract"]}, "invoice_contract_id"),
        # Null only where the SDK's types allow it.
        (commits, {**on_commit, "name": None}, "name"),
        (commits, {**on_commit, "description": None}, "description"),
        (commits, {**on_commit, "product_id": None}, "product_id"),
        (commits, {**on_commit, "hierarchy_configuration": None}, "hierarchy_configuration"),
        (commits, {**on_commit, "invoice_contract_id": None}, "invoice_contract_id"),
        (commits, {**on_commit, "rate_type": "MIXED"}, "rate_type"),
        (commits, {**on_commit, "priority": 1e400}, "priority"),
        # The checks of update_commits, in this request's words.
        (commits, {**on_commit, "access_schedule": {"add_schedule_items": [outside]}},
         "access_schedule.add_schedule_items[0].ending_before"),
        (commits, {**on_commit, "access_schedule": {"update_schedule_items": [{"id": UNKNOWN, "amount": 1}]}},
         "access_schedule.update_schedule_items[0].id"),
        (commits, {**on_commit, "access_schedule": {"remove_schedule_items": [{"id": access_item}]}},
         "access_schedule.remove_schedule_items"),
        # A start moved past the item's end: the field the request moved is named.
        (commits, {**on_commit, "access_schedule": {"update_schedule_items": [
            {"id": access_item, "starting_at": "2027-05-01T00:00:00Z"}]}},
         "access_schedule.update_schedule_items[0].starting_at"),
        # A refusal naming two of the request's fields names both in its words.
        (commits, {**on_commit, "access_schedule": {"remove_schedule_items": [{"id": access_item}],
                                                    "update_schedule_items": [{"id": access_item, "amount": 1}]}},
         "access_schedule.update_schedule_items[0].id"),
        (commits, {**on_commit, "invoice_schedule": {"update_schedule_items": [{"id": invoice_item, "amount": 1},
                                                                               {"id": invoice_item, "amount": 2}]}},
         "invoice_schedule.update_schedule_items[1].id"),
        (commits, {**on_commit, "product_id": foreign}, "product_id"),
        (credits, {**on_credit, "applicable_product_ids": [foreign]}, "applicable_product_ids"),
        (commits, {**on_commit, "applicable_product_ids": [deal["usage"]], "specifiers": [{"product_tags": ["a"]}]},
         "specifiers"),
        (commits, {**on_commit, "commit_id": "not-a-uuid", "name": "x"}, "commit_id"),
        (commits, {"commit_id": commit["id"], "name": "x"}, "customer_id"),
    ]  # fmt: skip


def test_refusals_name_the_field_and_store_nothing(api: Api, other_tenant: Api, deal: dict[str, str]) -> None:
    foreign = other_tenant.ok("/v1/contract-pricing/products/create", {"name": "Theirs", "type": "USAGE"})["id"]
    commit, credit = _commit(api, deal), _credit(api, deal)
    before_items, before = scan_count(), _contract(api, deal)
    for path, body, field in _refusals(deal, commit, credit, foreign):
        reply = api.post(path, body)
        assert reply.status == 400, (field, reply.body)
        assert reply.message.startswith(field), (field, reply.message)
        assert "update_commits" not in reply.message and "update_credits" not in reply.message, reply.message
    assert scan_count() == before_items
    assert _contract(api, deal) == before
    assert api.ok("/v2/contracts/getEditHistory", ref(deal)) == []


def test_unknown_commits_and_customers_are_not_found(api: Api, other_tenant: Api, deal: dict[str, str]) -> None:
    commit, credit = _commit(api, deal), _credit(api, deal)
    other = api.ok("/v1/customers", {"name": "Other"})["id"]
    before = scan_count()
    # A commit the customer does not have (unknown, or a credit's id): 404 naming the id.
    for path, body in (
        ("/v2/contracts/commits/edit", {"customer_id": deal["customer"], "commit_id": UNKNOWN, "name": "x"}),
        ("/v2/contracts/commits/edit", {"customer_id": deal["customer"], "commit_id": credit["id"], "name": "x"}),
        ("/v2/contracts/credits/edit", {"customer_id": deal["customer"], "credit_id": commit["id"], "name": "x"}),
    ):
        reply = api.post(path, body)
        assert reply.status == 404 and reply.message.startswith(path.split("/")[3][:-1] + "_id:"), reply.body
    # Another customer's commit: not found for this one.
    reply = api.post("/v2/contracts/commits/edit", {"customer_id": other, "commit_id": commit["id"], "name": "x"})
    assert reply.status == 404 and reply.message.startswith("commit_id:"), reply.body
    # Another tenant's customer (and commit): Metronome's published 400 CustomerNotFound, nothing leaked.
    for path, body in (
        ("/v2/contracts/commits/edit", {"customer_id": deal["customer"], "commit_id": commit["id"], "name": "x"}),
        ("/v2/contracts/credits/edit", {"customer_id": deal["customer"], "credit_id": credit["id"], "name": "x"}),
    ):
        reply = other_tenant.post(path, body)
        assert (reply.status, reply.body.get("code")) == (400, "CustomerNotFound"), reply.body
        assert reply.message.startswith("customer_id:")
    assert scan_count() == before
    assert api.ok("/v2/contracts/getEditHistory", ref(deal)) == []


def test_a_commit_of_an_archived_contract_cannot_be_edited(api: Api, deal: dict[str, str]) -> None:
    """Metronome: archiving a contract archives its commits and credits."""
    commit, credit = _commit(api, deal), _credit(api, deal)
    api.ok("/v1/contracts/archive", {**ref(deal), "void_invoices": False})
    before = scan_count()
    for path, body in (
        ("/v2/contracts/commits/edit", {"customer_id": deal["customer"], "commit_id": commit["id"], "name": "x"}),
        ("/v2/contracts/credits/edit", {"customer_id": deal["customer"], "credit_id": credit["id"], "name": "x"}),
    ):
        reply = api.post(path, body)
        assert reply.status == 400 and "archived" in reply.message, reply.body
        assert reply.message.startswith(path.split("/")[3][:-1] + "_id:")
    assert scan_count() == before and api.ok("/v2/contracts/getEditHistory", ref(deal)) == []


def test_a_retried_edit_is_recorded_again_and_leaves_the_same_commit(api: Api, deal: dict[str, str]) -> None:
    """The SDK's edit_commit carries no uniqueness key: a retry (a lost answer) records a second edit, which
    sets the same values again."""
    commit = _commit(api, deal)
    item = commit["access_schedule"]["schedule_items"][0]["id"]
    body = {"customer_id": deal["customer"], "commit_id": commit["id"], "name": "Again",
            "access_schedule": {"update_schedule_items": [{"id": item, "amount": 150}]}}  # fmt: skip
    api.ok("/v2/contracts/commits/edit", body)
    once = _term(api, deal, "commits", commit["id"])
    api.ok("/v2/contracts/commits/edit", body)
    assert _term(api, deal, "commits", commit["id"]) == once
    assert once["name"] == "Again" and once["access_schedule"]["schedule_items"][0]["amount"] == 150
    assert len(api.ok("/v2/contracts/getEditHistory", ref(deal))) == 2


def test_concurrent_edits_of_one_commit_each_apply_once(api: Api, deal: dict[str, str]) -> None:
    """Each adds its own access item: the items, the history and the answers must agree."""
    commit = _commit(api, deal)

    def add(index: int) -> int:
        item = {"amount": index + 1, "starting_at": "2027-06-30T00:00:00Z", "ending_before": "2027-07-31T00:00:00Z"}
        body = {"customer_id": deal["customer"], "commit_id": commit["id"],
                "access_schedule": {"add_schedule_items": [item]}}  # fmt: skip
        return Api().post("/v2/contracts/commits/edit", body).status

    applied = applied_at_once(add, 12, workers=8)
    items = _term(api, deal, "commits", commit["id"])["access_schedule"]["schedule_items"]
    assert len(items) == 1 + applied == 1 + len(api.ok("/v2/contracts/getEditHistory", ref(deal)))
    assert len({i["amount"] for i in items[1:]}) == applied


def test_calls_per_edit(api: Api, deal: dict[str, str], dynamodb_calls: Counter[str]) -> None:
    """Finding the holder: one Query of the customer's contracts (a page holds 100); then as any edit, one
    consistent GetItem and one transaction (and one BatchGetItem when it names products)."""
    commit = _commit(api, deal)
    dynamodb_calls.clear()
    api.ok("/v2/contracts/commits/edit", {"customer_id": deal["customer"], "commit_id": commit["id"], "name": "x"})
    assert dynamodb_calls == Counter({"Query": 1, "GetItem": 1, "TransactWriteItems": 1})
    dynamodb_calls.clear()
    unknown = api.post(
        "/v2/contracts/commits/edit", {"customer_id": deal["customer"], "commit_id": UNKNOWN, "name": "x"}
    )
    assert unknown.status == 404 and dynamodb_calls == Counter({"Query": 1, "BatchGetItem": 1})
