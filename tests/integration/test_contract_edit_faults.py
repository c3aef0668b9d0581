"""Edits under faults and contention, on the embedded DynamoDB server (as test_faults.py: an injected
error means the request never left the client). Nothing is ever half-applied: an edit, its audit entry,
its uniqueness guard and a moved end are written together or not at all."""

from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import Api, scan_count, table_on_server
from .edit_helpers import applied_at_once, discount, quantities, ref, seats_at
from .test_faults import Faults, conflict, internal, throttled


@pytest.fixture
def table(dynamodb_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    yield from table_on_server(dynamodb_server, "edits", monkeypatch)


@pytest.fixture
def faults(table: str) -> Faults:
    return Faults()


def _edit_log(api: Api, deal: dict[str, str]) -> list[str]:
    query = {"resource_type": "contract", "resource_id": deal["contract"], "limit": "100"}
    entries = api.get("/v1/auditLogs", query).data
    return [entry["description"] for entry in entries if entry["action"] == "update"]


@pytest.mark.parametrize(
    ("fault", "status"),
    [(throttled(), 429), (internal(), 503), ("timeout", 503), (conflict(3), 503)],
    ids=["throttled", "internal", "timeout", "conflict"],
)
def test_a_failed_edit_leaves_nothing_behind(
    api: Api,
    faults: Faults,
    deal: dict[str, str],
    fault: dict[str, Any] | str,
    status: int,
) -> None:
    before_items, before = scan_count(), api.ok("/v2/contracts/get", ref(deal))
    edit = {**ref(deal), "add_overrides": [discount(deal["usage"])], "update_contract_end_date": "2027-06-30T00:00:00Z",
            "uniqueness_key": "renegotiation-1"}  # fmt: skip
    faults.fail("TransactWriteItems", fault)
    reply = api.post("/v2/contracts/edit", edit)
    assert reply.status == status, reply.body
    assert "retry" in reply.message
    faults.plans.clear()
    assert scan_count() == before_items
    assert api.ok("/v2/contracts/get", ref(deal)) == before
    assert api.ok("/v2/contracts/getEditHistory", ref(deal)) == [] and _edit_log(api, deal) == []
    # The client's retry applies it exactly once; a second retry finds its uniqueness key taken.
    assert api.post("/v2/contracts/edit", edit).status == 200
    assert api.post("/v2/contracts/edit", edit).status == 409
    after = api.ok("/v2/contracts/get", ref(deal))
    assert len(after["overrides"]) == 1 and after["ending_before"] == "2027-06-30T00:00:00.000Z"
    assert len(api.ok("/v2/contracts/getEditHistory", ref(deal))) == 1 and len(_edit_log(api, deal)) == 1


def test_a_transient_conflict_is_retried_by_the_service(api: Api, faults: Faults, deal: dict[str, str]) -> None:
    faults.fail("TransactWriteItems", conflict(3), times=2)
    assert api.post("/v2/contracts/edit", seats_at(deal, "2027-03-31T00:00:00Z", quantity_delta=1)).status == 200
    assert faults.injected == 2
    assert [q for q, _, _ in quantities(api.ok("/v2/contracts/get", ref(deal)))] == [3, 4]


def test_fifty_concurrent_edits_each_apply_once_or_are_refused(api: Api, deal: dict[str, str]) -> None:
    """Each edit adds one seat from the same date: the final count says how many applied, and the history,
    the audit log and the schedule must all agree with the answers the callers got."""

    def bump(index: int) -> int:
        body = {**seats_at(deal, "2027-03-31T00:00:00Z", quantity_delta=1), "uniqueness_key": f"bump-{index}"}
        return Api().post("/v2/contracts/edit", body).status

    applied = applied_at_once(bump, 50, workers=16)
    history = api.ok("/v2/contracts/getEditHistory", ref(deal))
    assert len(history) == applied == len(_edit_log(api, deal))
    assert len({edit["uniqueness_key"] for edit in history}) == applied
    assert [q for q, _, _ in quantities(api.ok("/v2/contracts/get", ref(deal)))] == [3, 3 + applied]
    # The history replays to the same contract, edit by edit (each saw the one before it).
    stamps = [edit["timestamp"] for edit in history]
    assert stamps == sorted(stamps)


@pytest.mark.parametrize(
    ("operation", "fault", "status"),
    [("Query", throttled(), 429), ("Query", internal(), 503), ("TransactWriteItems", conflict(2), 503),
     ("TransactWriteItems", "timeout", 503)],
    ids=["finding-throttled", "finding-internal", "writing-conflict", "writing-timeout"],
)  # fmt: skip
def test_a_failed_commit_edit_leaves_nothing_behind(
    api: Api, faults: Faults, deal: dict[str, str], operation: str, fault: dict[str, Any] | str, status: int
) -> None:
    """`/v2/contracts/commits/edit` finds its contract (a Query), then writes as any edit: a fault in either is
    a retryable answer with nothing stored, and the retry applies it once."""
    commit = next(c for c in api.ok("/v2/contracts/get", ref(deal))["commits"] if "invoice_schedule" in c)
    body = {"customer_id": deal["customer"], "commit_id": commit["id"], "name": "After the fault"}
    before_items = scan_count()
    faults.fail(operation, fault)
    reply = api.post("/v2/contracts/commits/edit", body)
    assert reply.status == status and "retry" in reply.message, reply.body
    faults.plans.clear()
    assert scan_count() == before_items and _edit_log(api, deal) == []
    assert api.post("/v2/contracts/commits/edit", body).status == 200
    named = {c["id"]: c for c in api.ok("/v2/contracts/get", ref(deal))["commits"]}[commit["id"]]
    assert named["name"] == "After the fault" and len(_edit_log(api, deal)) == 1
