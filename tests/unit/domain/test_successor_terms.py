"""A migration's successor contract: REMAINING_TERM co-terms with the old contract and keeps its billing
periods; FULL_TERM is the package's own term from effective_at (domain/provisioning.py, CoTerm)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from package_service.domain.dates import FREQUENCY_SPANS, shift
from package_service.domain.migration_diff import term_diff
from package_service.domain.package import PackageCreate
from package_service.domain.package_view import new_package_document
from package_service.domain.provisioning import CoTerm, ProvisionRequest, Resolved, resolve_contract_terms

CUSTOMER, USAGE, SEATS, RATE_CARD, PACKAGE = (
    "0b6f4d52-8f0e-4f7c-9a43-1b2f7f5e3c01",
    "6a4d0453-d031-47cf-a9b3-ebc548cc50ed",
    "2c2d1495-c53d-404c-b4af-53a7cf7ec1e3",
    "aa0f221d-e115-4b5f-845a-d9a618ac8194",
    "5e1d2c3b-4a59-4c68-8d7e-9f0a1b2c3d4e",
)
CREATED = datetime(2026, 11, 1, tzinfo=UTC)


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def stamp(text: str) -> str:
    return f"{text}T00:00:00.000Z"


def package(months: int = 12, recurrence: str = "MONTHLY", statements: dict[str, str] | None = None) -> dict[str, Any]:
    """A package with a recurring credit longer than any term (so the contract's end cuts it) and a seat."""
    body = {
        "name": "Plan",
        "duration": {"unit": "MONTHS", "value": months},
        "rate_card_id": RATE_CARD,
        "usage_statement_schedule": statements or {"frequency": "MONTHLY", "day": "CONTRACT_START"},
        "recurring_credits": [
            {
                "product_id": USAGE,
                "priority": 1,
                "access_amount": {"unit_price": 1000, "quantity": 1},
                "commit_duration": {"value": 1},
                "starting_at_offset": {"unit": "DAYS", "value": 0},
                "duration": {"unit": "YEARS", "value": 10},
                "recurrence_frequency": recurrence,
            }
        ],
        "subscriptions": [
            {
                "collection_schedule": "ADVANCE",
                "proration": {"is_prorated": True},
                "subscription_rate": {"billing_frequency": "MONTHLY", "product_id": SEATS},
                "initial_quantity": 1,
            }
        ],
    }
    return new_package_document(PackageCreate.model_validate(body), PACKAGE, CREATED, "me")


def contract(plan: dict[str, Any], start: datetime, co_term: CoTerm | None = None) -> dict[str, Any]:
    request = ProvisionRequest(customer_id=CUSTOMER, package_id=plan["id"], starting_at=start)
    return resolve_contract_terms(request, plan, Resolved(plan["id"], RATE_CARD, None), "c", CREATED, "me", co_term)


def credit_periods(doc: dict[str, Any]) -> list[tuple[str, str, float]]:
    items = [c["access_schedule"]["schedule_items"][0] for c in doc["credits"] if "recurring_credit_id" in c]
    return [(i["starting_at"][:10], i["ending_before"][:10], round(i["amount"], 2)) for i in items]


# old contract start, its package (months, statement schedule), the recurring credit's frequency, effective_at,
# -> the successor's end, its first credit periods (start, end, amount of 1000 per full period)
MONTHLY_CS = {"frequency": "MONTHLY", "day": "CONTRACT_START"}
REMAINING = [
    pytest.param("2027-01-31", 12, MONTHLY_CS, "MONTHLY", "2027-06-30", "2028-01-31",
                 [("2027-06-30", "2027-07-31", 1000), ("2027-07-31", "2027-08-31", 1000),
                  ("2027-08-31", "2027-09-30", 1000)], 7, id="month ends (the spec's example)"),
    pytest.param("2028-02-29", 12, MONTHLY_CS, "MONTHLY", "2028-06-15", "2029-02-28",
                 [("2028-06-15", "2028-06-29", round(1000 * 14 / 31, 2)), ("2028-06-29", "2028-07-29", 1000)], 9,
                 id="leap day, AT_DATE mid-period: the first period prorated"),
    pytest.param("2027-04-30", 12, MONTHLY_CS, "MONTHLY", "2028-01-30", "2028-04-30",
                 [("2028-01-30", "2028-02-29", 1000), ("2028-02-29", "2028-03-30", 1000),
                  ("2028-03-30", "2028-04-30", 1000)], 3, id="30-day months through Feb 29"),
    pytest.param("2027-02-28", 12, MONTHLY_CS, "MONTHLY", "2027-03-28", "2028-02-28",
                 [("2027-03-28", "2027-04-28", 1000)], 11, id="Feb 28 start stays on the 28th"),
    pytest.param("2027-01-15", 12, {"frequency": "MONTHLY", "day": "FIRST_OF_MONTH"}, "MONTHLY", "2027-06-01",
                 "2028-01-15", [("2027-06-01", "2027-06-15", round(1000 * 14 / 31, 2)),
                                ("2027-06-15", "2027-07-15", 1000)], 8, id="FIRST_OF_MONTH statements"),
    pytest.param("2027-01-31", 12, MONTHLY_CS, "QUARTERLY", "2027-06-30", "2028-01-31",
                 [("2027-06-30", "2027-07-31", round(1000 * 31 / 92, 2)), ("2027-07-31", "2027-10-31", 1000),
                  ("2027-10-31", "2028-01-31", 1000)], 3, id="quarterly credits"),
    pytest.param("2027-03-31", 36, {"frequency": "ANNUAL", "day": "CONTRACT_START"}, "ANNUAL", "2028-01-01",
                 "2030-03-31", [("2028-01-01", "2028-03-31", round(1000 * 90 / 366, 2)),
                                ("2028-03-31", "2029-03-31", 1000), ("2029-03-31", "2030-03-31", 1000)], 3,
                 id="annual"),
]  # fmt: skip


@pytest.mark.parametrize(("old_start", "months", "statements", "recurrence", "at", "end", "first", "count"), REMAINING)
def test_a_remaining_term_successor_co_terms_and_keeps_the_billing_periods(
    old_start: str,
    months: int,
    statements: dict[str, str],
    recurrence: str,
    at: str,
    end: str,
    first: list[tuple[str, str, float]],
    count: int,
) -> None:
    old = contract(package(months, recurrence, statements), day(old_start))
    new = contract(package(12, recurrence), day(at), CoTerm.of(old))
    assert (new["starting_at"], new["ending_before"]) == (stamp(at), stamp(end)) == (stamp(at), old["ending_before"])
    periods = credit_periods(new)
    assert periods[: len(first)] == first and len(periods) == count
    assert periods[-1][1] == end
    # Statements stay where they were; the seat bills on the old contract's periods.
    assert new["usage_statement_schedule"] == old["usage_statement_schedule"]
    assert new["subscriptions"][0]["billing_cycle_config"]["anchor_date"] == stamp(old_start)
    assert new["subscriptions"][0]["ending_before"] == stamp(end)
    assert "billing_periods" not in term_diff(old, new, day(at))


@pytest.mark.parametrize(
    ("old_start", "at", "end", "second_period"),
    [
        ("2027-01-31", "2027-06-30", "2028-06-30", ("2027-07-30", "2027-08-30")),
        ("2028-02-29", "2028-06-15", "2029-06-15", ("2028-07-15", "2028-08-15")),
        ("2027-04-30", "2027-10-15", "2028-10-15", ("2027-11-15", "2027-12-15")),
    ],
)
def test_a_full_term_successor_is_a_new_term_and_its_diff_names_the_billing_periods(
    old_start: str, at: str, end: str, second_period: tuple[str, str]
) -> None:
    old = contract(package(), day(old_start))
    new = contract(package(), day(at))
    assert (new["starting_at"], new["ending_before"]) == (stamp(at), stamp(end))
    assert credit_periods(new)[1][:2] == second_period
    assert new["usage_statement_schedule"]["billing_anchor_date"] == stamp(at)
    diff = term_diff(old, new, day(at))
    assert diff["duration"] == {"changes": {"before": old["ending_before"], "after": stamp(end)}}
    before, after = diff["billing_periods"]["changes"]["before"], diff["billing_periods"]["changes"]["after"]
    assert before["next_statements_at"] != after["next_statements_at"]
    assert after["next_statements_at"][0] == stamp(second_period[0])


def test_a_full_term_on_the_same_days_leaves_the_billing_periods_out_of_the_diff() -> None:
    old = contract(package(), day("2027-04-30"))
    new = contract(package(), day("2027-09-30"))  # Apr 30 + 5 months: the same 30ths as before
    assert new["ending_before"] == stamp("2028-09-30")
    assert "billing_periods" not in term_diff(old, new, day("2027-09-30"))


def test_a_successor_of_a_successor_keeps_the_first_contracts_month_ends() -> None:
    first = contract(package(), day("2027-01-31"))
    second = contract(package(), day("2027-04-30"), CoTerm.of(first))
    third = contract(package(), day("2027-06-30"), CoTerm.of(second))
    assert credit_periods(third)[:2] == [("2027-06-30", "2027-07-31", 1000), ("2027-07-31", "2027-08-31", 1000)]
    assert third["ending_before"] == first["ending_before"]


def test_an_open_ended_contracts_successor_is_open_ended_too() -> None:
    forever = {**package(), "duration": None}
    old = contract(forever, day("2027-01-31"))
    new = contract(package(), day("2027-06-30"), CoTerm.of(old))
    assert "ending_before" not in old and "ending_before" not in new
    assert new["usage_statement_schedule"] == old["usage_statement_schedule"]


FREQUENCIES = ["MONTHLY", "QUARTERLY", "ANNUAL"]


@settings(max_examples=150, deadline=None)
@given(
    old_start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)).map(
        lambda d: d.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=UTC)
    ),
    months=st.integers(min_value=1, max_value=48),
    recurrence=st.sampled_from(FREQUENCIES),
    fraction=st.floats(min_value=0.001, max_value=0.999),
)
def test_a_remaining_term_never_outlives_the_old_contract_and_its_periods_are_the_old_ones(
    old_start: datetime, months: int, recurrence: str, fraction: float
) -> None:
    old = contract(package(months, recurrence), old_start)
    old_end = datetime.fromisoformat(old["ending_before"].replace("Z", "+00:00"))
    at = old_start + timedelta(seconds=int((old_end - old_start).total_seconds() * fraction))
    new = contract(package(12, recurrence), at, CoTerm.of(old))
    new_end = datetime.fromisoformat(new["ending_before"].replace("Z", "+00:00"))
    assert new_end <= old_end
    # Every period boundary of the successor's credits, but its own start and end, is one of the old
    # contract's (its start plus whole periods, under the month-end rule).
    period = FREQUENCY_SPANS[recurrence]
    boundaries = {shift(old_start, period.times(k)) for k in range(months // max(period.months, 1) + 2)}
    for start, _, _ in credit_periods(new)[1:]:
        assert datetime.fromisoformat(start).replace(tzinfo=UTC) in boundaries
    for _, end, _ in credit_periods(new)[:-1]:
        assert datetime.fromisoformat(end).replace(tzinfo=UTC) in boundaries
