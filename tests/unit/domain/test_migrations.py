"""Package migrations' pure rules: each contract's effective_at, why it cannot move, the status, the diff."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from package_service.domain.errors import InvalidRequest
from package_service.domain.migration_diff import term_diff
from package_service.domain.migrations import (
    CannotMove,
    EndOfTerm,
    MigrationCreate,
    check_movable,
    effective_at,
    migration_status,
    next_statement_boundary,
    refuse_past_dates,
)

FROM, TO = "8d3c7b0e-6a1f-4a53-9a43-1b2f7f5e3c01", "8d3c7b0e-6a1f-4a53-9a43-1b2f7f5e3c02"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def contract(
    start: str, frequency: str = "MONTHLY", anchor: str | None = None, end: str | None = None
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "starting_at": f"{start}T00:00:00.000Z",
        "usage_statement_schedule": {"frequency": frequency, "billing_anchor_date": f"{anchor or start}T00:00:00.000Z"},
    }
    if end:
        doc["ending_before"] = f"{end}T00:00:00.000Z"
    return doc


@pytest.mark.parametrize(
    ("start", "frequency", "anchor", "after", "expected"),
    [
        # CONTRACT_START statements: monthiversaries of the start under the month-end rule
        ("2027-01-31", "MONTHLY", None, "2027-02-01", "2027-02-28"),
        ("2027-01-31", "MONTHLY", None, "2027-03-01", "2027-03-31"),
        ("2027-01-31", "MONTHLY", None, "2027-04-01", "2027-04-30"),
        ("2028-01-31", "MONTHLY", None, "2028-02-01", "2028-02-29"),  # leap year
        ("2027-01-15", "MONTHLY", None, "2027-03-15", "2027-03-15"),  # a boundary at `after` is taken
        ("2027-01-15", "MONTHLY", None, "2026-12-01", "2027-02-15"),  # never the start itself
        ("2027-01-31", "QUARTERLY", None, "2027-02-01", "2027-04-30"),
        ("2027-01-31", "ANNUAL", None, "2027-02-01", "2028-01-31"),
        ("2027-01-06", "WEEKLY", None, "2027-01-14", "2027-01-20"),
        # FIRST_OF_MONTH statements: anchored on the 1st of the start's month
        ("2027-01-31", "MONTHLY", "2027-01-01", "2027-01-31", "2027-02-01"),
        ("2027-01-31", "QUARTERLY", "2027-01-01", "2027-02-01", "2027-04-01"),
    ],
)
def test_next_billing_period_is_the_first_statement_boundary_at_or_after(
    start: str, frequency: str, anchor: str | None, after: str, expected: str
) -> None:
    assert next_statement_boundary(contract(start, frequency, anchor), at(after)) == at(expected)


def test_each_effective_rule() -> None:
    doc = contract("2027-01-31", end="2028-01-31")
    assert effective_at({"type": "AT_DATE", "at": "2027-06-01T00:00:00Z"}, doc) == at("2027-06-01")
    assert effective_at({"type": "END_OF_TERM"}, doc) == at("2028-01-31")
    assert effective_at({"type": "NEXT_BILLING_PERIOD", "after": "2027-05-01T00:00:00Z"}, doc) == at("2027-05-31")
    with pytest.raises(CannotMove, match="no end date"):
        effective_at({"type": "END_OF_TERM"}, contract("2027-01-31"))


@pytest.mark.parametrize(
    ("archived", "moved", "when", "reason"),
    [
        ("2027-02-01T00:00:00.000Z", None, "2027-06-01", "archived"),
        (None, "c2", "2027-06-01", "already transitioned to contract c2"),
        (None, None, "2027-01-31", "starts 2027-01-31T00:00:00.000Z, not before"),
        (None, None, "2029-01-01", "ends 2028-01-31T00:00:00.000Z, before"),
        (None, None, "2026-10-01", "before the migration was created"),
    ],
)
def test_a_contract_not_in_effect_at_its_date_cannot_move(
    archived: str | None, moved: str | None, when: str, reason: str
) -> None:
    created = at("2026-11-01")
    with pytest.raises(CannotMove, match=reason):
        check_movable(contract("2027-01-31", end="2028-01-31"), archived, moved, at(when), created)
    check_movable(contract("2027-01-31", end="2028-01-31"), None, None, at("2028-01-30"), created)  # the last day moves


def test_a_contract_moves_at_its_own_end_but_leaves_no_remaining_term_there() -> None:
    doc, created = contract("2027-01-31", end="2028-01-31"), at("2026-11-01")
    check_movable(doc, None, None, at("2028-01-31"), created)  # END_OF_TERM, or a FULL_TERM renewal at the end
    with pytest.raises(CannotMove, match="no term remains"):
        check_movable(doc, None, None, at("2028-01-31"), created, remaining_term=True)


def test_status_follows_the_phase_and_its_counts() -> None:
    counts = {"planned": 3, "action_needed": 1, "applied": 0, "skipped": 0, "failed": 0}
    assert migration_status("PLANNING", False, 4, counts) == "PLANNING"  # still paging the index
    assert migration_status("PLANNING", True, 5, counts) == "PLANNING"  # a row still to be written
    assert migration_status("PLANNING", True, 4, counts) == "PLANNED"
    assert migration_status("APPLYING", True, 4, counts) == "APPLYING"
    assert migration_status("APPLYING", True, 4, {**counts, "planned": 0, "applied": 3}) == "COMPLETED"
    assert migration_status("APPLYING", False, 4, {**counts, "planned": 0}) == "APPLYING"
    assert migration_status("CANCELLED", True, 4, counts) == "CANCELLED"


def test_the_request_names_the_field_it_refuses() -> None:
    base = {"from_package_id": FROM, "effective": {"type": "at_date", "at": "2027-06-01T00:00:00Z"}}
    assert MigrationCreate.model_validate({**base, "to_package_id": TO}).effective.type == "AT_DATE"
    for body, field in [
        (base, "to_package_id"),
        ({**base, "to_package_id": TO, "to_package_alias": "v2"}, "to_package_alias"),
        ({**base, "to_package_id": FROM}, "to_package_id"),
        ({**base, "to_package_id": TO, "effective": {"type": "SOON"}}, "effective"),
        ({**base, "to_package_id": TO, "effective": {"type": "AT_DATE"}}, "at"),
        ({**base, "to_package_id": TO, "customer_ids": [FROM, FROM]}, "customer_ids"),
    ]:
        with pytest.raises(ValidationError, match=field):
            MigrationCreate.model_validate(body)


def _term(product: str, amount: float, start: str, end: str, **more: Any) -> dict[str, Any]:
    item = {"amount": amount, "starting_at": f"{start}T00:00:00.000Z", "ending_before": f"{end}T00:00:00.000Z"}
    return {"product_id": product, "type": "PREPAID", "access_schedule": {"schedule_items": [item]}, **more}


def test_the_diff_says_what_is_gained_lost_changed_and_kept_from_the_date_on() -> None:
    old = {
        "rate_card_id": "rc1",
        "ending_before": "2028-01-31T00:00:00.000Z",
        "commits": [
            _term("gone-before", 10, "2027-01-31", "2027-03-01"),  # over before the date: not in the diff
            _term("lost", 20, "2027-01-31", "2028-01-31"),
            _term("changed", 30, "2027-01-31", "2028-01-31"),
            _term("kept", 40, "2027-01-31", "2028-01-31"),
        ],
        "subscriptions": [{"subscription_rate": {"product_id": "seats", "billing_frequency": "MONTHLY"},
                           "starting_at": "2027-01-31T00:00:00.000Z", "initial_quantity": 1}],
    }  # fmt: skip
    new = {
        "rate_card_id": "rc2",
        "ending_before": "2028-06-01T00:00:00.000Z",
        "commits": [
            _term("changed", 35, "2027-06-01", "2028-06-01"),
            _term("kept", 40, "2027-06-01", "2028-06-01"),
            _term("gained", 5, "2027-06-01", "2028-06-01"),
        ],
        "subscriptions": [{"subscription_rate": {"product_id": "seats", "billing_frequency": "MONTHLY"},
                           "starting_at": "2027-06-01T00:00:00.000Z", "initial_quantity": 1}],
    }  # fmt: skip
    diff = term_diff(old, new, at("2027-06-01"))
    commits = diff["commits"]
    assert [c["product_id"] for c in commits["adds"]] == ["gained"]
    assert [c["product_id"] for c in commits["removes"]] == ["lost"]
    assert commits["changes"] == [
        {"before": {"type": "PREPAID", "product_id": "changed", "amount": 30.0},
         "after": {"type": "PREPAID", "product_id": "changed", "amount": 35.0}}
    ]  # fmt: skip
    assert [c["product_id"] for c in commits["keeps"]] == ["kept"]
    assert diff["subscriptions"] == {"keeps": [{"product_id": "seats", "billing_frequency": "MONTHLY", "quantity": 1}]}
    assert diff["rate_card"] == {"changes": {"before": "rc1", "after": "rc2"}}
    assert diff["duration"] == {"changes": {"before": "2028-01-31T00:00:00.000Z", "after": "2028-06-01T00:00:00.000Z"}}
    assert "overrides" not in diff and "billing_provider" not in diff  # nothing on either side


def test_a_boundary_centuries_away_is_computed_not_walked_and_the_end_of_time_is_a_reason() -> None:
    doc = contract("2027-01-31")
    assert next_statement_boundary(doc, at("2600-03-01")) == at("2600-03-31")
    assert next_statement_boundary(contract("2027-01-06", "WEEKLY"), at("2600-01-02")) == at("2600-01-08")
    with pytest.raises(CannotMove, match="no statement boundary after 9999-12-31"):
        next_statement_boundary(doc, datetime(9999, 12, 31, 12, tzinfo=UTC))


@pytest.mark.parametrize(
    ("effective", "asked", "term"),
    [
        ({"type": "AT_DATE", "at": "2027-06-01T00:00:00Z"}, None, "REMAINING_TERM"),
        ({"type": "NEXT_BILLING_PERIOD", "after": "2027-06-01T00:00:00Z"}, None, "REMAINING_TERM"),
        ({"type": "NEXT_BILLING_PERIOD", "after": "2027-06-01T00:00:00Z"}, "full_term", "FULL_TERM"),
        ({"type": "END_OF_TERM"}, None, "FULL_TERM"),
        ({"type": "END_OF_TERM"}, "FULL_TERM", "FULL_TERM"),
    ],
)
def test_the_successor_term_defaults_by_the_effective_type(
    effective: dict[str, str], asked: str | None, term: str
) -> None:
    body = {"from_package_id": FROM, "to_package_id": TO, "effective": effective}
    request = MigrationCreate.model_validate({**body, **({"successor_term": asked} if asked else {})})
    assert request.term == term and request.stored()["successor_term"] == term
    # Timestamps are stored (and answered) as every other one: with milliseconds.
    assert all(v.endswith(".000Z") for k, v in request.stored()["effective"].items() if k != "type")


def test_end_of_term_with_a_remaining_term_is_refused_naming_successor_term() -> None:
    body = {"from_package_id": FROM, "to_package_id": TO, "effective": {"type": "END_OF_TERM"}}
    with pytest.raises(ValidationError, match="successor_term: END_OF_TERM"):
        MigrationCreate.model_validate({**body, "successor_term": "REMAINING_TERM"})


@pytest.mark.parametrize(
    ("effective", "field"),
    [
        ({"type": "AT_DATE", "at": "2026-10-31T23:59:59Z"}, "effective.at"),
        ({"type": "NEXT_BILLING_PERIOD", "after": "2020-01-01T00:00:00Z"}, "effective.after"),
    ],
)
def test_a_date_before_now_is_refused_naming_the_field(effective: dict[str, str], field: str) -> None:
    now = at("2026-11-01")  # the clock the caller passes (routes/common.now in the service)
    request = MigrationCreate.model_validate({"from_package_id": FROM, "to_package_id": TO, "effective": effective})
    with pytest.raises(InvalidRequest, match=f"^{field}: .* is in the past"):
        refuse_past_dates(request.effective, now)
    refuse_past_dates(request.effective, at("2019-01-01"))  # the same request, earlier: accepted
    refuse_past_dates(EndOfTerm(type="END_OF_TERM"), now)  # no date to be late
