"""The transition cut (domain/transitions.py): table tests at month ends and at exact boundaries, and
properties: nothing after the cut survives (but postpaid true-ups under AS_IS), nothing before it changes."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from package_service.domain.base import format_timestamp, parse_timestamp
from package_service.domain.transitions import cut_contract


def ts(text: str) -> str:
    return format_timestamp(parse_timestamp(text))


def window(start: str, end: str | None) -> dict[str, Any]:
    return {"starting_at": ts(start), **({"ending_before": ts(end)} if end else {})}


def commit(kind: str, access: list[tuple[str, str]], invoices: list[str]) -> dict[str, Any]:
    return {
        "id": f"{kind}-commit",
        "type": kind,
        "access_schedule": {"schedule_items": [{"amount": 10, **window(a, b)} for a, b in access]},
        "invoice_schedule": {"schedule_items": [{"amount": 10, "timestamp": ts(t)} for t in invoices]},
    }


JAN31 = "2027-01-31T00:00:00Z"


def contract() -> dict[str, Any]:
    """A Jan 31 contract for 12 months, with a term of each kind around a Jun 1 renewal."""
    return {
        "id": "c",
        "starting_at": ts(JAN31),
        "ending_before": ts("2028-01-31T00:00:00Z"),
        "commits": [
            commit("PREPAID", [(JAN31, "2027-04-30T00:00:00Z"), ("2027-05-31T00:00:00Z", "2027-08-31T00:00:00Z"),
                               ("2027-06-01T00:00:00Z", "2027-07-01T00:00:00Z")], [JAN31, "2027-06-01T00:00:00Z"]),
            commit("POSTPAID", [(JAN31, "2028-01-31T00:00:00Z")], ["2028-01-31T00:00:00Z"]),
            commit("PREPAID", [("2027-09-30T00:00:00Z", "2027-12-31T00:00:00Z")], ["2027-09-30T00:00:00Z"]),
        ],
        "credits": [],
        "subscriptions": [
            {**window(JAN31, None), "quantity_schedule": [{"quantity": 1, **window(JAN31, None)}]},
            window("2027-06-01T00:00:00Z", "2027-12-01T00:00:00Z"),
        ],
        "overrides": [window(JAN31, "2027-03-31T00:00:00Z"), window("2027-02-28T00:00:00Z", None)],
        "recurring_credits": [window(JAN31, "2027-04-30T00:00:00Z"), window("2027-06-30T00:00:00Z", None)],
        "scheduled_charges": [
            {"id": "s1", "schedule": {"schedule_items": [{"timestamp": ts(JAN31)}, {"timestamp": ts("2027-06-01")}]}},
            {"id": "s2", "schedule": {"schedule_items": [{"timestamp": ts("2027-07-31T00:00:00Z")}]}},
        ],
    }  # fmt: skip


JUN1 = datetime(2027, 6, 1, tzinfo=UTC)


def test_a_jan_31_contract_renewed_on_jun_1() -> None:
    cut = cut_contract(contract(), JUN1)
    assert cut["ending_before"] == ts("2027-06-01T00:00:00Z")
    prepaid, postpaid = cut["commits"]  # the commit wholly after the cut is gone
    assert [(i["starting_at"], i["ending_before"]) for i in prepaid["access_schedule"]["schedule_items"]] == [
        (ts(JAN31), ts("2027-04-30T00:00:00Z")),  # before: unchanged
        (ts("2027-05-31T00:00:00Z"), ts("2027-06-01T00:00:00Z")),  # spanning: ends at the cut
    ]  # the item starting exactly at the cut is removed
    assert [i["timestamp"] for i in prepaid["invoice_schedule"]["schedule_items"]] == [ts(JAN31)]
    # A postpaid commit keeps its true-up invoice under AS_IS (the default), not under REMOVE.
    assert [i["timestamp"] for i in postpaid["invoice_schedule"]["schedule_items"]] == [ts("2028-01-31")]
    assert postpaid["access_schedule"]["schedule_items"][0]["ending_before"] == ts("2027-06-01")
    removed = cut_contract(contract(), JUN1, "REMOVE")["commits"][1]
    assert removed["invoice_schedule"]["schedule_items"] == []
    (subscription,) = cut["subscriptions"]
    assert subscription["ending_before"] == ts("2027-06-01") and subscription["quantity_schedule"][0][
        "ending_before"
    ] == ts("2027-06-01")
    assert [o.get("ending_before") for o in cut["overrides"]] == [ts("2027-03-31"), ts("2027-06-01")]
    assert [r["ending_before"] for r in cut["recurring_credits"]] == [ts("2027-04-30")]
    assert [c["id"] for c in cut["scheduled_charges"]] == ["s1"]
    assert [i["timestamp"] for i in cut["scheduled_charges"][0]["schedule"]["schedule_items"]] == [ts(JAN31)]


@pytest.mark.parametrize(
    ("ending_before", "cut", "expected"),
    [
        ("2028-01-31T00:00:00Z", "2027-02-28T00:00:00Z", "2027-02-28T00:00:00Z"),  # month end
        ("2027-03-01T00:00:00Z", "2027-03-31T00:00:00Z", "2027-03-01T00:00:00Z"),  # ended before: unchanged
        ("2027-03-31T00:00:00Z", "2027-03-31T00:00:00Z", "2027-03-31T00:00:00Z"),  # ends exactly at the cut
        (None, "2028-02-29T00:00:00Z", "2028-02-29T00:00:00Z"),  # open-ended, leap day
    ],
)
def test_the_contract_end(ending_before: str | None, cut: str, expected: str) -> None:
    doc = {"starting_at": ts(JAN31), **({"ending_before": ts(ending_before)} if ending_before else {})}
    assert cut_contract(doc, parse_timestamp(cut))["ending_before"] == ts(expected)


def test_the_stored_document_is_not_changed() -> None:
    doc = contract()
    before = repr(doc)
    cut_contract(doc, JUN1)
    assert repr(doc) == before


# --- properties ---------------------------------------------------------------------------------------

EPOCH = datetime(2027, 1, 1, tzinfo=UTC)
days = st.integers(min_value=0, max_value=800)


@st.composite
def windows(draw: st.DrawFn) -> dict[str, Any]:
    start = EPOCH + timedelta(days=draw(days))
    end = draw(st.none() | st.integers(min_value=1, max_value=400).map(lambda d: start + timedelta(days=d)))
    return {"starting_at": format_timestamp(start)} | ({"ending_before": format_timestamp(end)} if end else {})


@st.composite
def contracts(draw: st.DrawFn) -> dict[str, Any]:
    def a_commit(kind: str) -> dict[str, Any]:
        points = draw(st.lists(days, max_size=4))
        return {
            "type": kind,
            "access_schedule": {"schedule_items": draw(st.lists(windows(), max_size=4))},
            "invoice_schedule": {
                "schedule_items": [{"timestamp": format_timestamp(EPOCH + timedelta(days=d))} for d in points]
            },
        }

    return {
        "starting_at": format_timestamp(EPOCH),
        "ending_before": format_timestamp(EPOCH + timedelta(days=draw(st.integers(1, 900)))),
        "commits": [a_commit(draw(st.sampled_from(["PREPAID", "POSTPAID"]))) for _ in range(draw(st.integers(0, 3)))],
        "subscriptions": draw(st.lists(windows(), max_size=3)),
        "overrides": draw(st.lists(windows(), max_size=3)),
        "recurring_commits": draw(st.lists(windows(), max_size=3)),
        "scheduled_charges": [
            {"schedule": {"schedule_items": [{"timestamp": format_timestamp(EPOCH + timedelta(days=d))}]}}
            for d in draw(st.lists(days, max_size=3))
        ],
    }


def dated(value: Any, path: str = "") -> list[tuple[str, str, str]]:
    """(path, field, timestamp) of every starting_at / ending_before / timestamp in a document."""
    if isinstance(value, dict):
        found = [(path, k, v) for k, v in value.items() if k in ("starting_at", "ending_before", "timestamp")]
        return found + [f for k, v in value.items() for f in dated(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [f for item in value for f in dated(item, path)]
    return []


@settings(max_examples=300, deadline=None)
@given(contracts(), days, st.sampled_from(["AS_IS", "REMOVE"]))
def test_nothing_after_the_cut_survives(doc: dict[str, Any], day: int, trueup: Any) -> None:
    at = EPOCH + timedelta(days=day)
    cut = cut_contract(doc, at, trueup)
    trueups = {id(i) for c in cut["commits"] if c["type"] == "POSTPAID" and trueup == "AS_IS"
               for i in c["invoice_schedule"]["schedule_items"]}  # fmt: skip
    for path, field, value in dated({k: v for k, v in cut.items() if k != "starting_at"}):
        if field == "ending_before":
            assert parse_timestamp(value) <= at, (path, value)
        elif not (field == "timestamp" and path.endswith("invoice_schedule.schedule_items")):
            assert parse_timestamp(value) < at, (path, field, value)
    for commit in cut["commits"]:
        for item in commit["invoice_schedule"]["schedule_items"]:
            assert parse_timestamp(item["timestamp"]) < at or id(item) in trueups


@settings(max_examples=300, deadline=None)
@given(contracts(), days)
def test_nothing_that_ended_before_the_cut_changes(doc: dict[str, Any], day: int) -> None:
    at = EPOCH + timedelta(days=day)
    cut = cut_contract(doc, at)
    for field in ("subscriptions", "overrides", "recurring_commits"):
        ended = [t for t in doc[field] if "ending_before" in t and parse_timestamp(t["ending_before"]) <= at]
        assert [t for t in cut[field] if t in ended] == ended
    kept_items = [i for c in doc["commits"] for i in c["access_schedule"]["schedule_items"]
                  if "ending_before" in i and parse_timestamp(i["ending_before"]) <= at]  # fmt: skip
    cut_items = [i for c in cut["commits"] for i in c["access_schedule"]["schedule_items"]]
    assert all(item in cut_items for item in kept_items)
