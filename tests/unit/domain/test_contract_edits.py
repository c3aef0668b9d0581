"""Edits of a contract (domain/contract_edits.py plans them, domain/edit_apply.py replays them), on a
contract built by the same builder a custom create uses. Properties: an edit never changes anything
before its own date; the contract as of a time before an edit is the contract without it."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from package_service.domain.base import format_timestamp, parse_timestamp
from package_service.domain.contract import ContractCreate, custom_contract_document
from package_service.domain.contract_edits import plan_edit
from package_service.domain.edit_apply import apply_edit, contract_as_of, quantity_from
from package_service.domain.edit_terms import ContractEdit
from package_service.domain.errors import InvalidRequest
from package_service.domain.transitions import cut_contract
from tests import payloads

CUSTOMER, USAGE, SEATS, CARD = (f"00000000-0000-4000-8000-00000000000{i}" for i in range(1, 5))
START, END = datetime(2027, 1, 31, tzinfo=UTC), datetime(2028, 1, 31, tzinfo=UTC)
MADE = datetime(2026, 12, 1, tzinfo=UTC)


def contract() -> dict[str, Any]:
    """Every term kind, 2027-01-31 -> 2028-01-31, stored as a custom create stores it; its subscription's
    quantity is stated (QUANTITY_ONLY), so quantity updates apply to it."""
    request = ContractCreate.model_validate(payloads.full_custom_contract(CUSTOMER, USAGE, SEATS, CARD))
    doc = custom_contract_document(request, "c0000000-0000-4000-8000-000000000000", CARD, None, MADE, "test")
    seats = {k: v for k, v in doc["subscriptions"][0].items() if k != "seat_config"}
    return {**doc, "subscriptions": [{**seats, "quantity_management_mode": "QUANTITY_ONLY"}]}


DOC = contract()
SUBSCRIPTION = DOC["subscriptions"][0]["id"]


def edit(body: dict[str, Any], at: datetime = MADE, end_field: str = "update_contract_end_date") -> dict[str, Any]:
    request = ContractEdit.model_validate({"contract_id": DOC["id"], "customer_id": CUSTOMER, **body})
    return plan_edit(DOC, request, "e0000000-0000-4000-8000-000000000000", at, end_field)


def quantity_change(at: datetime, **change: Any) -> dict[str, Any]:
    update = {"subscription_id": SUBSCRIPTION, "quantity_updates": [{"starting_at": format_timestamp(at), **change}]}
    return {"update_subscriptions": [update]}


moments = st.integers(min_value=0, max_value=(END - START).days * 4 - 1).map(lambda q: START + timedelta(hours=6 * q))


@settings(max_examples=150, deadline=None)
@given(at=moments, quantity=st.integers(min_value=0, max_value=500), delta=st.booleans())
def test_a_quantity_change_changes_nothing_before_its_date(at: datetime, quantity: int, delta: bool) -> None:
    sub_start = parse_timestamp(DOC["subscriptions"][0]["starting_at"])
    assume(at >= sub_start)
    change = {"quantity_delta": quantity + 1} if delta else {"quantity": quantity}
    edited = apply_edit(DOC, edit(quantity_change(at, **change)))
    assert cut_contract(edited, at) == cut_contract(DOC, at)
    windows = edited["subscriptions"][0]["quantity_schedule"]
    assert [parse_timestamp(w["starting_at"]) for w in windows] == sorted(
        parse_timestamp(w["starting_at"]) for w in windows
    )
    last = windows[-1]["quantity"]
    assert last == (DOC["subscriptions"][0]["quantity_schedule"][-1]["quantity"] + quantity + 1 if delta else quantity)


@settings(max_examples=150, deadline=None)
@given(at=moments)
def test_an_added_override_changes_nothing_before_its_start(at: datetime) -> None:
    override = {"starting_at": format_timestamp(at), "multiplier": 0.5, "priority": 3,
                "override_specifiers": [{"product_id": USAGE}]}  # fmt: skip
    edited = apply_edit(DOC, edit({"add_overrides": [override]}))
    assert cut_contract(edited, at) == cut_contract(DOC, at)
    assert len(edited["overrides"]) == len(DOC["overrides"]) + 1


@settings(max_examples=100, deadline=None)
@given(at=moments, days=st.integers(min_value=1, max_value=400), amount=st.integers(min_value=0, max_value=10**6))
def test_an_added_credit_changes_nothing_before_its_start(at: datetime, days: int, amount: int) -> None:
    until = min(at + timedelta(days=days), END)
    assume(until > at)
    item = {"amount": amount, "starting_at": format_timestamp(at), "ending_before": format_timestamp(until)}
    edited = apply_edit(
        DOC, edit({"add_credits": [{"product_id": USAGE, "access_schedule": {"schedule_items": [item]}}]})
    )
    assert cut_contract(edited, at) == cut_contract(DOC, at)
    assert [c["access_schedule"]["schedule_items"][0]["amount"] for c in edited["credits"][len(DOC["credits"]) :]] == [
        amount
    ]


@settings(max_examples=150, deadline=None)
@given(at=st.integers(min_value=1, max_value=(END - START).days * 2).map(lambda d: START + timedelta(days=d)))
def test_a_new_end_date_changes_nothing_before_it(at: datetime) -> None:
    """Earlier or later: the contract before the earlier of the two ends is as it was."""
    edited = apply_edit(DOC, edit({"update_contract_end_date": format_timestamp(at)}))
    assert edited["ending_before"] == format_timestamp(at)
    before = min(at, END)
    assert cut_contract(edited, before) == cut_contract(DOC, before)
    if at < END:  # cut exactly as a transition at that instant cuts
        assert edited == cut_contract(DOC, at)


@settings(max_examples=60, deadline=None)
@given(
    changes=st.lists(st.tuples(moments, st.integers(min_value=0, max_value=50)), min_size=1, max_size=5),
    probe=st.integers(min_value=0, max_value=6),
)
def test_as_of_before_an_edit_is_the_contract_without_it(changes: list[tuple[datetime, int]], probe: int) -> None:
    sub_start = parse_timestamp(DOC["subscriptions"][0]["starting_at"])
    edits = []
    for index, (at, quantity) in enumerate(changes):
        made = MADE + timedelta(days=index + 1)
        edits.append(edit(quantity_change(max(at, sub_start), quantity=quantity), at=made))
    as_of = MADE + timedelta(days=probe, hours=12)  # between edit `probe` and the next
    made_by_then = min(probe, len(edits))
    assert contract_as_of(DOC, edits, as_of) == contract_as_of(DOC, edits[:made_by_then])
    assert contract_as_of(DOC, edits, MADE) == DOC


@pytest.mark.parametrize(
    ("schedule", "change", "expected"),
    [
        ([(3, "2027-01-31", None)], {"starting_at": "2027-03-31", "quantity": 10},
         [(3, "2027-01-31", "2027-03-31"), (10, "2027-03-31", None)]),
        ([(3, "2027-01-31", "2027-03-31"), (10, "2027-03-31", None)],
         {"starting_at": "2027-02-28", "quantity_delta": 2},
         [(3, "2027-01-31", "2027-02-28"), (5, "2027-02-28", "2027-03-31"), (12, "2027-03-31", None)]),
        ([(3, "2027-01-31", "2027-03-31"), (10, "2027-03-31", None)], {"starting_at": "2027-03-31", "quantity": 3},
         [(3, "2027-01-31", None)]),
        ([(3, "2027-01-31", "2028-01-31")], {"starting_at": "2027-01-31", "quantity": 0},
         [(0, "2027-01-31", "2028-01-31")]),
    ],
    ids=["set-from-month-end", "delta-moves-every-later-window", "same-quantity-merges", "from-the-start"],
)  # fmt: skip
def test_quantity_schedules(schedule: list[Any], change: dict[str, Any], expected: list[Any]) -> None:
    def stamp(day: str | None) -> str | None:
        return f"{day}T00:00:00.000Z" if day else None

    def windows(rows: list[Any]) -> list[dict[str, Any]]:
        return [
            {"quantity": q, "starting_at": stamp(s)} | ({"ending_before": stamp(e)} if e else {}) for q, s, e in rows
        ]

    assert quantity_from(windows(schedule), {**change, "starting_at": stamp(change["starting_at"])}) == windows(
        expected
    )


QUANTITY_AT = "update_subscriptions[0].quantity_updates[0].starting_at"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (quantity_change(datetime(2027, 1, 30, tzinfo=UTC), quantity=1), QUANTITY_AT),
        (quantity_change(END, quantity=1), QUANTITY_AT),
        ({"update_contract_end_date": "2027-01-31T00:00:00Z"}, "update_contract_end_date"),
        ({"add_overrides": [{"starting_at": "2027-02-01T00:00:00Z", "multiplier": 0.5,
                             "override_specifiers": [{"product_id": USAGE}]}]}, "add_overrides[0].priority"),
        ({"add_commits": [{"product_id": USAGE, "type": "PREPAID", "access_schedule": {"schedule_items": [
            {"amount": 1, "starting_at": "2027-01-01T00:00:00Z", "ending_before": "2027-02-01T00:00:00Z"}]}}]},
         "add_commits[0].access_schedule.schedule_items[0].starting_at"),
    ],
    ids=["quantity-before-start", "quantity-at-end", "end-at-start", "explicit-priority", "commit-before-start"],
)  # fmt: skip
def test_refusals_name_the_edit_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        edit(body)
    assert refused.value.message.startswith(field), refused.value.message


def test_update_end_date_names_its_own_field() -> None:
    with pytest.raises(InvalidRequest) as refused:
        edit({"update_contract_end_date": "2026-01-01T00:00:00Z"}, end_field="ending_before")
    assert refused.value.message.startswith("ending_before:")


def test_a_name_is_changed_or_cleared() -> None:
    assert apply_edit(DOC, edit({"update_contract_name": "Renewed"}))["name"] == "Renewed"
    assert "name" not in apply_edit(DOC, edit({"update_contract_name": None}))


def test_a_schedule_past_the_year_9999_is_refused_not_raised() -> None:
    open_ended = {k: v for k, v in DOC.items() if k != "ending_before"}
    charge = {"product_id": USAGE, "schedule": {"recurring_schedule": {
        "starting_at": "9999-12-01T00:00:00Z", "ending_before": "9999-12-31T00:00:00Z", "frequency": "MONTHLY",
        "amount_distribution": "EACH", "amount": 5}}}  # fmt: skip
    request = ContractEdit.model_validate({"contract_id": DOC["id"], "customer_id": CUSTOMER,
                                           "add_scheduled_charges": [charge]})  # fmt: skip
    with pytest.raises(InvalidRequest) as refused:
        plan_edit(open_ended, request, "e0000000-0000-4000-8000-000000000000", MADE, "update_contract_end_date")
    assert "9999" in refused.value.message


COMMIT, CREDIT = DOC["commits"][0]["id"], DOC["credits"][0]["id"]
COMMIT_ITEM = DOC["commits"][0]["access_schedule"]["schedule_items"][0]["id"]


def seats_delta(delta: int) -> dict[str, Any]:
    return {"subscription_id": SUBSCRIPTION, "quantity_updates": [{"starting_at": "2027-03-31T00:00:00Z",
                                                                    "quantity_delta": delta}]}  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"update_subscriptions": [seats_delta(1), seats_delta(1)]}, "update_subscriptions[1].subscription_id"),
        ({"update_commits": [{"commit_id": COMMIT, "name": "a"}, {"commit_id": COMMIT, "name": "b"}]},
         "update_commits[1].commit_id"),
        ({"archive_credits": [{"id": CREDIT}], "update_credits": [{"credit_id": CREDIT, "name": "a"}]},
         "update_credits[0].credit_id"),
        ({"archive_commits": [{"id": COMMIT}, {"id": COMMIT}]}, "archive_commits[1].id"),
        ({"update_commits": [{"commit_id": COMMIT, "access_schedule": {
            "remove_schedule_items": [{"id": COMMIT_ITEM}], "update_schedule_items": [{"id": COMMIT_ITEM, "amount": 5}],
            "add_schedule_items": [{"amount": 1, "starting_at": "2027-02-28T00:00:00Z",
                                    "ending_before": "2027-03-31T00:00:00Z"}]}}]},
         "update_commits[0].access_schedule.update_schedule_items[0].id"),
    ],
    ids=["subscription-twice", "commit-updated-twice", "credit-archived-and-updated", "commit-archived-twice",
         "schedule-item-removed-and-updated"],
)  # fmt: skip
def test_an_edit_names_each_term_once(body: dict[str, Any], field: str) -> None:
    """Each update is checked against the contract as it was: two of one term (e.g. two seat deltas that
    each leave 0 or more, together fewer than 0) could each pass and together store an invalid contract."""
    with pytest.raises(InvalidRequest) as refused:
        edit(body)
    assert refused.value.message.startswith(field), refused.value.message


POSTPAID = next(c for c in DOC["commits"] if c["type"] == "POSTPAID")
POSTPAID_ACCESS = POSTPAID["access_schedule"]["schedule_items"][0]["id"]
POSTPAID_INVOICE = POSTPAID["invoice_schedule"]["schedule_items"][0]["id"]


def postpaid_update(access: float | None = None, invoice: float | None = None) -> dict[str, Any]:
    update: dict[str, Any] = {"commit_id": POSTPAID["id"]}
    if access is not None:
        update["access_schedule"] = {"update_schedule_items": [{"id": POSTPAID_ACCESS, "amount": access}]}
    if invoice is not None:
        update["invoice_schedule"] = {"update_schedule_items": [{"id": POSTPAID_INVOICE, "amount": invoice}]}
    return {"update_commits": [update]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (postpaid_update(access=6000), "update_commits[0].access_schedule"),
        (postpaid_update(invoice=6000), "update_commits[0].invoice_schedule"),
        ({"update_commits": [{"commit_id": POSTPAID["id"], "access_schedule": {"add_schedule_items": [
            {"amount": 1, "starting_at": "2027-02-28T00:00:00Z", "ending_before": "2027-03-31T00:00:00Z"}]}}]},
         "update_commits[0].access_schedule"),
    ],
    ids=["access-amount-alone", "invoice-amount-alone", "second-access-item"],
)  # fmt: skip
def test_a_postpaid_commit_keeps_its_true_up_whole(body: dict[str, Any], field: str) -> None:
    """As at creation: one access item, one invoice item (the true-up) of the same amount."""
    with pytest.raises(InvalidRequest) as refused:
        edit(body)
    assert refused.value.message.startswith(field), refused.value.message


def test_a_postpaid_commit_is_resized_access_and_invoice_together() -> None:
    edited = apply_edit(DOC, edit(postpaid_update(access=6000, invoice=6000)))
    commit = next(c for c in edited["commits"] if c["id"] == POSTPAID["id"])
    assert [i["amount"] for i in commit["access_schedule"]["schedule_items"]] == [6000]
    assert [i["amount"] for i in commit["invoice_schedule"]["schedule_items"]] == [6000]


def test_a_seat_based_subscriptions_quantity_is_not_stated() -> None:
    """SEAT_BASED: the quantity follows the seats (`seat_updates`, not kept here), never `quantity_updates`."""
    seat_based = {**DOC, "subscriptions": [{**DOC["subscriptions"][0], "quantity_management_mode": "SEAT_BASED"}]}
    request = ContractEdit.model_validate(
        {
            "contract_id": DOC["id"],
            "customer_id": CUSTOMER,
            **quantity_change(datetime(2027, 3, 31, tzinfo=UTC), quantity=5),
        }
    )
    with pytest.raises(InvalidRequest) as refused:
        plan_edit(seat_based, request, "e0000000-0000-4000-8000-000000000000", MADE, "update_contract_end_date")
    assert refused.value.message.startswith("update_subscriptions[0].quantity_updates:"), refused.value.message
