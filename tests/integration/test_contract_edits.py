"""Changing a contract after it is provisioned: `/v2/contracts/edit`, `getEditHistory`, v2 `get` / `list`
(with `as_of_date`) and `/v1/contracts/updateEndDate`; every answer held to the official SDK's models."""

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from metronome.types.shared import Contract, ContractV2
from metronome.types.v1 import ContractRetrieveResponse as ContractRetrieveResponseV1
from metronome.types.v1 import ContractUpdateEndDateResponse
from metronome.types.v2 import ContractEditResponse, ContractGetEditHistoryResponse, ContractRetrieveResponse

from tests import payloads

from .conftest import Api, scan_count
from .edit_helpers import discount, quantities, ref, seats_at

START = "2027-01-31T00:00:00Z"
END = "2028-01-31T00:00:00.000Z"


def test_the_packages_user_flow(api: Api, deal: dict[str, str]) -> None:
    """package_alias -> list -> edit seats -> add an override -> edit history -> update end date."""
    listed = api.post("/v2/contracts/list", {"customer_id": deal["customer"]})
    assert [ContractV2.model_validate(c).id for c in listed.body["data"]] == [deal["contract"]]

    edited = api.post("/v2/contracts/edit", seats_at(deal, "2027-03-31T00:00:00Z", quantity=10))
    assert ContractEditResponse.model_validate(edited.body).data.id == deal["contract"]
    api.ok("/v2/contracts/edit", {**ref(deal), "add_overrides": [discount(deal["usage"])],
                                  "update_contract_name": "Acme (negotiated)"})  # fmt: skip

    history = ContractGetEditHistoryResponse.model_validate(api.post("/v2/contracts/getEditHistory", ref(deal)).body)
    assert len(history.data) == 2
    first, second = history.data
    assert first.update_subscriptions and first.update_subscriptions[0].id == deal["subscription"]
    assert second.add_overrides and second.add_overrides[0].multiplier == 0.8
    assert second.update_contract_name == "Acme (negotiated)"
    assert first.timestamp is not None and second.timestamp is not None and first.timestamp <= second.timestamp

    now = ContractRetrieveResponse.model_validate(api.post("/v2/contracts/get", ref(deal)).body).data
    assert now.name == "Acme (negotiated)" and [o.multiplier for o in now.overrides] == [0.8]
    assert quantities(api.ok("/v2/contracts/get", ref(deal))) == [
        (3, "2027-01-31T00:00:00.000Z", "2027-03-31T00:00:00.000Z"),
        (10, "2027-03-31T00:00:00.000Z", END),
    ]
    # v1 reads show the contract as edited too.
    v1 = ContractRetrieveResponseV1.model_validate(api.post("/v1/contracts/get", ref(deal)).body).data
    assert [o.multiplier for o in v1.current.overrides] == [0.8]

    ended = api.post("/v1/contracts/updateEndDate", {**ref(deal), "ending_before": "2027-06-30T00:00:00Z"})
    assert ContractUpdateEndDateResponse.model_validate(ended.body).data.id == deal["contract"]
    after = api.ok("/v2/contracts/get", ref(deal))
    assert after["ending_before"] == "2027-06-30T00:00:00.000Z"
    assert quantities(after)[-1] == (10, "2027-03-31T00:00:00.000Z", "2027-06-30T00:00:00.000Z")
    assert after["overrides"][0]["ending_before"] == "2027-06-30T00:00:00.000Z"
    history_after = api.ok("/v2/contracts/getEditHistory", ref(deal))
    assert history_after[-1]["update_contract_end_date"] == "2027-06-30T00:00:00.000Z"
    entries = api.get("/v1/auditLogs", {"resource_type": "contract", "resource_id": deal["contract"]}).data
    assert [e["action"] for e in entries].count("update") == 3


def test_as_of_date_answers_the_contract_as_it_stood(api: Api, deal: dict[str, str]) -> None:
    before = api.ok("/v2/contracts/get", ref(deal))
    api.ok("/v2/contracts/edit", {**ref(deal), "add_overrides": [discount(deal["usage"])]})
    edit_made = api.ok("/v2/contracts/getEditHistory", ref(deal))[0]["timestamp"]
    as_of_then = api.ok("/v2/contracts/get", {**ref(deal), "as_of_date": before["created_at"]})
    assert as_of_then == before and as_of_then["overrides"] == []
    as_of_edit = api.ok("/v2/contracts/get", {**ref(deal), "as_of_date": edit_made})
    assert len(as_of_edit["overrides"]) == 1


def test_a_quantity_delta_applies_to_every_later_window(api: Api, deal: dict[str, str]) -> None:
    api.ok("/v2/contracts/edit", seats_at(deal, "2027-06-30T00:00:00Z", quantity=8))
    api.ok("/v2/contracts/edit", seats_at(deal, "2027-03-31T00:00:00Z", quantity_delta=2))
    assert [q for q, _, _ in quantities(api.ok("/v2/contracts/get", ref(deal)))] == [3, 5, 10]


def test_commits_and_credits_are_added_updated_and_archived(api: Api, deal: dict[str, str]) -> None:
    credit = {"product_id": deal["usage"], "access_schedule": {"schedule_items": [
        {"amount": 50, "starting_at": "2027-05-31T00:00:00Z", "ending_before": "2027-06-30T00:00:00Z"}]}}  # fmt: skip
    api.ok("/v2/contracts/edit", {**ref(deal), "add_credits": [credit]})
    added = next(
        c
        for c in api.ok("/v2/contracts/get", ref(deal))["credits"]
        if c["access_schedule"]["schedule_items"][0]["amount"] == 50
    )
    item = added["access_schedule"]["schedule_items"][0]["id"]
    later = {"amount": 25, "starting_at": "2027-06-30T00:00:00Z", "ending_before": "2027-07-31T00:00:00Z"}
    schedule = {"update_schedule_items": [{"id": item, "amount": 75}], "add_schedule_items": [later]}
    update = {"credit_id": added["id"], "name": "Goodwill", "access_schedule": schedule}
    api.ok("/v2/contracts/edit", {**ref(deal), "update_credits": [update]})
    now = {c["id"]: c for c in api.ok("/v2/contracts/get", ref(deal))["credits"]}[added["id"]]
    assert now["name"] == "Goodwill"
    assert [i["amount"] for i in now["access_schedule"]["schedule_items"]] == [75, 25]
    api.ok("/v2/contracts/edit", {**ref(deal), "archive_credits": [{"id": added["id"]}]})
    assert added["id"] not in {c["id"] for c in api.ok("/v2/contracts/get", ref(deal))["credits"]}
    charge = {
        "product_id": deal["usage"],
        "schedule": {"schedule_items": [{"timestamp": "2027-03-01T00:00:00Z", "amount": 12}]},
    }
    api.ok("/v2/contracts/edit", {**ref(deal), "add_scheduled_charges": [charge]})
    charges = api.ok("/v2/contracts/get", ref(deal))["scheduled_charges"]
    assert [c["schedule"]["schedule_items"][0]["amount"] for c in charges] == [9, 12]
    history = api.post("/v2/contracts/getEditHistory", ref(deal)).body
    edits = ContractGetEditHistoryResponse.model_validate(history).data
    changed = [sorted(set(e.model_dump(exclude_none=True)) - {"id", "timestamp"}) for e in edits]
    assert changed == [["add_credits"], ["update_credits"], ["archive_credits"], ["add_scheduled_charges"]]


def test_a_custom_contract_edits_the_same_way(api: Api, world: dict[str, str]) -> None:
    body = payloads.full_custom_contract(world["customer"], world["usage"], world["seats"], world["rate_card"])
    contract = api.ok("/v1/contracts/create", body)["id"]
    custom = {"contract_id": contract, "customer_id": world["customer"]}
    seat_based = api.ok("/v2/contracts/get", custom)["subscriptions"][0]
    assert seat_based["quantity_management_mode"] == "SEAT_BASED"
    change = {"quantity_updates": [{"starting_at": "2027-07-31T00:00:00Z", "quantity": 42}]}
    refused = api.post("/v2/contracts/edit", {**custom, "update_subscriptions": [
        {"subscription_id": seat_based["id"], **change}]})  # fmt: skip
    assert refused.status == 400 and refused.message.startswith("update_subscriptions[0].quantity_updates:")
    added = {"collection_schedule": "ADVANCE", "proration": {"is_prorated": True}, "initial_quantity": 2,
             "subscription_rate": {"billing_frequency": "MONTHLY", "product_id": world["seats"]}}  # fmt: skip
    api.ok("/v2/contracts/edit", {**custom, "add_subscriptions": [added]})
    stated = api.ok("/v2/contracts/get", custom)["subscriptions"][1]
    api.ok("/v2/contracts/edit", {**custom, "update_subscriptions": [{"subscription_id": stated["id"], **change}]})
    got = api.post("/v2/contracts/get", custom)
    ContractRetrieveResponse.model_validate(got.body)
    assert [w["quantity"] for w in got.data["subscriptions"][1]["quantity_schedule"]] == [2, 42]
    Contract.model_validate(api.ok("/v1/contracts/get", custom))


def _bad_edits(deal: dict[str, str], foreign_product: str) -> list[tuple[str, dict[str, Any], str]]:
    unknown = "00000000-0000-4000-8000-000000000000"
    outside = {"amount": 5, "starting_at": "2027-12-31T00:00:00Z", "ending_before": "2028-03-31T00:00:00Z"}
    return [
        ("/v2/contracts/edit", {**ref(deal), "update_subscriptions": [{"subscription_id": unknown, "name": "x"}]},
         "update_subscriptions[0].subscription_id"),
        ("/v2/contracts/edit", seats_at(deal, "2027-01-30T00:00:00Z", quantity=1),
         "update_subscriptions[0].quantity_updates[0].starting_at"),
        ("/v2/contracts/edit", seats_at(deal, "2028-01-31T00:00:00Z", quantity=1),
         "update_subscriptions[0].quantity_updates[0].starting_at"),
        ("/v2/contracts/edit", seats_at(deal, "2027-05-31T00:00:00Z", quantity_delta=-4),
         "update_subscriptions[0].quantity_updates[0].quantity_delta"),
        ("/v2/contracts/edit", {**ref(deal), "add_overrides": [discount(foreign_product)]},
         "add_overrides[0].override_specifiers[0].product_id"),
        ("/v2/contracts/edit", {**ref(deal), "add_credits": [{"product_id": deal["usage"],
                                                              "access_schedule": {"schedule_items": [outside]}}]},
         "add_credits[0].access_schedule.schedule_items[0].ending_before"),
        ("/v2/contracts/edit", {**ref(deal), "update_subscriptions": [  # each -3 alone leaves 0; together -3
            seats_at(deal, "2027-03-31T00:00:00Z", quantity_delta=-3)["update_subscriptions"][0]] * 2},
         "update_subscriptions[1].subscription_id"),
        ("/v2/contracts/edit", {**ref(deal), "update_commits": [{"commit_id": unknown, "name": "x"}]},
         "update_commits[0].commit_id"),
        ("/v2/contracts/edit", {**ref(deal), "archive_credits": [{"id": unknown}]}, "archive_credits[0].id"),
        ("/v2/contracts/edit", {**ref(deal), "remove_overrides": [{"id": unknown}]}, "remove_overrides[0].id"),
        ("/v2/contracts/edit", {**ref(deal), "update_contract_end_date": "2027-01-31T00:00:00Z"},
         "update_contract_end_date"),
        ("/v1/contracts/updateEndDate", {**ref(deal), "ending_before": "2026-12-31T00:00:00Z"}, "ending_before"),
        ("/v2/contracts/edit", {**ref(deal), "update_subscriptions": [
            {"subscription_id": deal["subscription"], "seat_updates": {}}]}, "update_subscriptions[0].seat_updates"),
        ("/v2/contracts/edit", ref(deal), "request body"),
        # Empty lists change nothing either (they would be recorded as an edit with nothing in it).
        ("/v2/contracts/edit", {**ref(deal), "update_commits": [], "add_overrides": [], "uniqueness_key": "k"},
         "request body"),
        ("/v2/contracts/edit", {**ref(deal), "archive_credits": []}, "request body"),
    ]  # fmt: skip


def test_bad_edits_are_refused_naming_the_field_and_store_nothing(
    api: Api, other_tenant: Api, deal: dict[str, str]
) -> None:
    foreign = other_tenant.ok("/v1/contract-pricing/products/create", {"name": "Theirs", "type": "USAGE"})["id"]
    before_items, before = scan_count(), api.ok("/v2/contracts/get", ref(deal))
    for path, body, field in _bad_edits(deal, foreign):
        reply = api.post(path, body)
        assert reply.status == 400, (field, reply.body)
        assert reply.message.startswith(field), (field, reply.message)
    assert scan_count() == before_items
    assert api.ok("/v2/contracts/get", ref(deal)) == before
    assert api.ok("/v2/contracts/getEditHistory", ref(deal)) == []


def test_another_customers_or_tenants_contract_is_not_found(api: Api, other_tenant: Api, deal: dict[str, str]) -> None:
    """As Metronome publishes it: a 400 with `code` ContractNotFound (listContractsOnPackage's precedent)."""
    edit = {**ref(deal), "update_contract_name": "x"}
    for reply in (
        other_tenant.post("/v2/contracts/edit", edit),
        api.post("/v2/contracts/edit", {**edit, "customer_id": deal["contract"]}),
        other_tenant.post("/v2/contracts/getEditHistory", ref(deal)),
        other_tenant.post("/v2/contracts/get", ref(deal)),
        other_tenant.post("/v1/contracts/updateEndDate", ref(deal)),
    ):
        assert (reply.status, reply.body.get("code")) == (400, "ContractNotFound"), reply.body
        assert reply.message.startswith("contract_id:")
    assert api.ok("/v2/contracts/getEditHistory", ref(deal)) == []


def test_an_edit_uniqueness_key_is_used_once(api: Api, deal: dict[str, str]) -> None:
    edit = {**seats_at(deal, "2027-03-31T00:00:00Z", quantity_delta=1), "uniqueness_key": "seat-bump-1"}
    api.ok("/v2/contracts/edit", edit)
    again = api.post("/v2/contracts/edit", edit)
    assert again.status == 409 and again.message.startswith("uniqueness_key")
    assert [q for q, _, _ in quantities(api.ok("/v2/contracts/get", ref(deal)))] == [3, 4]


def day(timestamp: str | None) -> str | None:
    """`2027-04-30` for midnight, `2027-04-30T12` for noon."""
    if timestamp is None:
        return None
    return timestamp[:10] if timestamp.endswith("T00:00:00.000Z") else timestamp[:13]


# The contract starts 2027-01-31 and ends 2028-01-31; its seats run its whole term, its quarterly recurring
# commit's periods fall on month ends from its start.
@pytest.mark.parametrize(
    ("ending_before", "seat_windows", "commit_periods"),
    [
        ("2027-02-28T00:00:00Z", [("2027-01-31", "2027-02-28")], [("2027-01-31", "2027-02-28")]),
        ("2027-03-31T00:00:00Z", [("2027-01-31", "2027-03-31")], [("2027-01-31", "2027-03-31")]),
        ("2027-04-30T00:00:00Z", [("2027-01-31", "2027-03-31"), ("2027-03-31", "2027-04-30")],
         [("2027-01-31", "2027-04-30")]),
        ("2027-04-30T12:00:00Z", [("2027-01-31", "2027-03-31"), ("2027-03-31", "2027-04-30T12")],
         [("2027-01-31", "2027-04-30"), ("2027-04-30", "2027-04-30T12")]),
        ("2028-02-29T00:00:00Z", [("2027-01-31", "2027-03-31"), ("2027-03-31", "2028-02-29")],
         [("2027-01-31", "2027-04-30"), ("2027-04-30", "2027-07-31"), ("2027-07-31", "2027-10-31"),
          ("2027-10-31", "2028-01-31")]),
        (None, [("2027-01-31", "2027-03-31"), ("2027-03-31", None)],
         [("2027-01-31", "2027-04-30"), ("2027-04-30", "2027-07-31"), ("2027-07-31", "2027-10-31"),
          ("2027-10-31", "2028-01-31")]),
    ],
    ids=["feb-end", "mar-end-at-a-seat-change", "apr-end", "mid-day", "extend-to-leap-day", "open-ended"],
)  # fmt: skip
def test_end_dates_at_month_ends(
    api: Api, deal: dict[str, str], ending_before: str | None, seat_windows: list[Any], commit_periods: list[Any]
) -> None:
    api.ok("/v2/contracts/edit", seats_at(deal, "2027-03-31T00:00:00Z", quantity=5))
    body = {**ref(deal), **({"ending_before": ending_before} if ending_before else {})}
    api.ok("/v1/contracts/updateEndDate", body)
    got = api.ok("/v2/contracts/get", ref(deal))
    assert got.get("ending_before") == (ending_before.replace("Z", ".000Z") if ending_before else None)
    assert [(day(s), day(e)) for _, s, e in quantities(got)] == seat_windows
    periods = [c["access_schedule"]["schedule_items"][0] for c in got["commits"] if "recurring_commit_id" in c]
    assert [(day(p["starting_at"]), day(p["ending_before"])) for p in periods] == commit_periods
    # The invoice a scheduled charge sends at 2028-01-31 goes when the contract ends earlier.
    assert bool(got["scheduled_charges"]) == (ending_before is None or ending_before > "2028-01-31")
    covering = {"customer_id": deal["customer"], "covering_date": "2027-12-31T00:00:00Z"}
    still_listed = api.ok("/v2/contracts/list", covering)
    assert bool(still_listed) == (ending_before is None or ending_before > "2027-12-31")
    on_package = api.ok("/v1/packages/listContractsOnPackage",
                        {"package_id": got["package_id"], "covering_date": "2027-12-31T00:00:00Z"})  # fmt: skip
    assert bool(on_package) == bool(still_listed)


def test_an_added_override_may_name_the_contracts_own_commit(api: Api, deal: dict[str, str]) -> None:
    commit = api.ok("/v2/contracts/get", ref(deal))["commits"][0]["id"]
    specific = {**discount(deal["usage"]), "is_commit_specific": True,
                "override_specifiers": [{"product_id": deal["usage"], "commit_ids": [commit]}]}  # fmt: skip
    api.ok("/v2/contracts/edit", {**ref(deal), "add_overrides": [specific]})
    [added] = api.ok("/v2/contracts/get", ref(deal))["overrides"]
    assert added["override_specifiers"][0]["commit_ids"] == [commit]
    unknown = {**specific, "override_specifiers": [{"product_id": deal["usage"], "commit_ids": ["not-a-commit"]}]}
    refused = api.post("/v2/contracts/edit", {**ref(deal), "add_overrides": [unknown]})
    assert refused.status == 400 and refused.message.startswith("add_overrides[0].override_specifiers[0].commit_ids")


def test_a_subscription_ends_early_then_runs_open_ended(api: Api, deal: dict[str, str]) -> None:
    def ends(value: str | None) -> dict[str, Any]:
        return {
            **ref(deal),
            "update_subscriptions": [{"subscription_id": deal["subscription"], "ending_before": value}],
        }

    api.ok("/v2/contracts/edit", ends("2027-05-31T00:00:00Z"))
    assert quantities(api.ok("/v2/contracts/get", ref(deal))) == [
        (3, "2027-01-31T00:00:00.000Z", "2027-05-31T00:00:00.000Z")
    ]
    api.ok("/v2/contracts/edit", ends(None))
    assert quantities(api.ok("/v2/contracts/get", ref(deal))) == [(3, "2027-01-31T00:00:00.000Z", None)]
    history = ContractGetEditHistoryResponse.model_validate(api.post("/v2/contracts/getEditHistory", ref(deal)).body)
    assert [e.update_subscriptions[0].ending_before for e in history.data if e.update_subscriptions] == [
        datetime(2027, 5, 31, tzinfo=UTC), None]  # fmt: skip
    past_end = api.post("/v2/contracts/edit", ends("2028-03-31T00:00:00Z"))
    assert past_end.status == 400 and past_end.message.startswith("update_subscriptions[0].ending_before")


def test_an_archived_contract_cannot_be_edited(api: Api, deal: dict[str, str]) -> None:
    api.ok("/v1/contracts/archive", {**ref(deal), "void_invoices": False})
    refused = api.post("/v2/contracts/edit", {**ref(deal), "update_contract_name": "late"})
    assert refused.status == 400 and refused.message.startswith("contract_id")
    assert api.ok("/v2/contracts/getEditHistory", ref(deal)) == []


def test_a_commits_invoice_schedule_is_repriced(api: Api, deal: dict[str, str]) -> None:
    commit = next(c for c in api.ok("/v2/contracts/get", ref(deal))["commits"] if "invoice_schedule" in c)
    item = commit["invoice_schedule"]["schedule_items"][0]
    assert (item["quantity"], item["unit_price"], item["amount"]) == (2, 50, 100)

    def reprice(**change: Any) -> Any:
        schedule = {"update_schedule_items": [{"id": item["id"], **change}]}
        return api.post("/v2/contracts/edit", {**ref(deal), "update_commits": [
            {"commit_id": commit["id"], "invoice_schedule": schedule}]})  # fmt: skip

    assert reprice(quantity=3).status == 200  # the unit price stays
    both = reprice(amount=10, unit_price=5)
    assert both.status == 400 and both.message.startswith(
        "update_commits[0].invoice_schedule.update_schedule_items[0].amount"
    )
    late = reprice(timestamp="2028-02-01T00:00:00Z")
    assert late.status == 400 and "timestamp" in late.message.split(":")[0]
    now = {c["id"]: c for c in api.ok("/v2/contracts/get", ref(deal))["commits"]}[commit["id"]]
    repriced = now["invoice_schedule"]["schedule_items"][0]
    assert [repriced[k] for k in ("id", "quantity", "unit_price", "amount")] == [item["id"], 3, 50, 150]
    [edit] = ContractGetEditHistoryResponse.model_validate(
        api.post("/v2/contracts/getEditHistory", ref(deal)).body
    ).data
    assert edit.update_commits and edit.update_commits[0].id == commit["id"]


def test_calls_per_edit_and_read(api: Api, deal: dict[str, str], dynamodb_calls: Counter[str]) -> None:
    """An edit: one consistent GetItem, one BatchGetItem for the products it names, one transaction. A v2
    get: one GetItem and one BatchGetItem for product names, however many edits it replays."""
    dynamodb_calls.clear()
    api.ok("/v2/contracts/edit", {**ref(deal), "add_overrides": [discount(deal["usage"])]})
    assert dynamodb_calls == Counter({"GetItem": 1, "BatchGetItem": 1, "TransactWriteItems": 1})
    dynamodb_calls.clear()
    api.ok("/v2/contracts/edit", seats_at(deal, "2027-03-31T00:00:00Z", quantity=4))
    assert dynamodb_calls == Counter({"GetItem": 1, "TransactWriteItems": 1})
    dynamodb_calls.clear()
    api.ok("/v2/contracts/get", ref(deal))
    assert dynamodb_calls == Counter({"GetItem": 1, "BatchGetItem": 1})


def test_edits_beyond_one_item_are_a_413_and_store_nothing(api: Api, deal: dict[str, str]) -> None:
    """The document and its edits are one DynamoDB item (decision 0017): past 380 KB an edit is refused."""
    many = {**ref(deal), "add_overrides": [{**discount(deal["usage"]), "multiplier": 0.5 + i / 10_000}
                                           for i in range(1000)]}  # fmt: skip
    api.ok("/v2/contracts/edit", many)
    before = scan_count()
    refused = api.post("/v2/contracts/edit", many)
    assert refused.status == 413 and "bytes" in refused.message, refused.body
    assert scan_count() == before and len(api.ok("/v2/contracts/getEditHistory", ref(deal))) == 1
