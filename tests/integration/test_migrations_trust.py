"""Migrations a billing team can trust, on moto through the API and the Provisioner -> SQS -> worker loop:
co-termed successors, END_OF_TERM at each contract's own end, dates in the past and unknown customers
refused, SKIPPED on a re-run, a cancel that stops planning, the list, and an audit entry on both
contracts of every move."""

from datetime import timedelta
from typing import Any

import pytest

from package_service.routes import migrations as migration_routes
from package_service.services import migration_apply, migration_work

from .conftest import Api
from .test_jobs import make_customers, trigger
from .test_migrations import (
    NOW,
    contract,
    drain_all,
    make_packages,
    migration,
    pin_clock,
    plan,
    provision,
    run,
    start_migration,
    use_queues,
    v1_body,
)


@pytest.fixture(autouse=True)
def _queues_and_clock(queues: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    use_queues(queues)
    pin_clock(monkeypatch)


@pytest.fixture
def packages(api: Api, catalog: dict[str, str]) -> dict[str, str]:
    return make_packages(api, catalog)


def body(packages: dict[str, str], effective: dict[str, str], **more: Any) -> dict[str, Any]:
    return {"from_package_id": packages["v1"], "to_package_id": packages["v2"], "effective": effective, **more}


def audit_of(api: Api, contract_id: str) -> list[dict[str, Any]]:
    reply = api.get("/v1/auditLogs", {"resource_type": "contract", "resource_id": contract_id, "limit": "100"})
    assert reply.status == 200, reply.body
    return list(reply.body["data"])


def test_a_remaining_term_successor_ends_with_the_old_contract_and_keeps_its_periods(
    api: Api, packages: dict[str, str]
) -> None:
    (customer,) = make_customers(1)
    provision(api, packages["v1"], [customer], "2027-01-31T00:00:00Z")
    effective = {"type": "NEXT_BILLING_PERIOD", "after": "2027-06-01T00:00:00Z"}
    migration_id = start_migration(api, body(packages, effective))
    (row,) = plan(api, migration_id)
    assert row["effective_at"] == "2027-06-30T00:00:00.000Z" and row["status"] == "PLANNED"
    api.ok("/v1/packageMigrations/apply", {"migration_id": migration_id})
    run()
    (row,) = plan(api, migration_id)
    new, old = contract(api, customer, row["new_contract_id"]), contract(api, customer, row["contract_id"])
    assert (new["starting_at"], new["ending_before"]) == ("2027-06-30T00:00:00.000Z", "2028-01-31T00:00:00.000Z")
    assert old["ending_before"] == "2027-06-30T00:00:00.000Z"
    assert new["usage_statement_schedule"] == old["usage_statement_schedule"]  # statements on the 31st/30th...
    periods = sorted(
        item["starting_at"]
        for credit in new["credits"]
        if credit.get("recurring_credit_id")
        for item in credit["access_schedule"]["schedule_items"]
    )
    assert periods[:3] == ["2027-06-30T00:00:00.000Z", "2027-07-31T00:00:00.000Z", "2027-08-31T00:00:00.000Z"]


def test_end_of_term_moves_each_contract_at_its_own_end_and_a_re_run_skips_it(
    api: Api, catalog: dict[str, str], packages: dict[str, str]
) -> None:
    customers = make_customers(2)
    provision(api, packages["v1"], customers[:1], "2027-01-31T00:00:00Z")
    provision(api, packages["v1"], customers[1:], "2027-03-15T00:00:00Z")
    migration_id = start_migration(api, body(packages, {"type": "END_OF_TERM"}))
    assert migration(api, migration_id)["successor_term"] == "FULL_TERM"
    rows = {row["customer_id"]: row for row in plan(api, migration_id)}
    assert [rows[c]["effective_at"] for c in customers] == ["2028-01-31T00:00:00.000Z", "2028-03-15T00:00:00.000Z"]
    assert {row["status"] for row in rows.values()} == {"PLANNED"}
    api.ok("/v1/packageMigrations/apply", {"migration_id": migration_id})
    run()
    assert migration(api, migration_id)["counts"]["applied"] == 2
    for customer in customers:
        row = next(r for r in plan(api, migration_id) if r["customer_id"] == customer)
        old, new = contract(api, customer, row["contract_id"]), contract(api, customer, row["new_contract_id"])
        assert old["ending_before"] == row["effective_at"] == new["starting_at"]  # the old one keeps its end
        assert new["ending_before"][:4] == str(int(row["effective_at"][:4]) + 1)  # a new year-long term

    # The same migration again: both contracts are on the target already. SKIPPED, counted, not ACTION_NEEDED.
    again = start_migration(api, body(packages, {"type": "END_OF_TERM"}))
    assert migration(api, again)["counts"] == {"planned": 0, "action_needed": 0, "applied": 0, "skipped": 2,
                                               "failed": 0}  # fmt: skip
    assert migration(api, again)["status"] == "PLANNED"
    skipped = plan(api, again)
    assert {r["new_contract_id"] for r in skipped} == {r["new_contract_id"] for r in plan(api, migration_id)}
    assert all("already moved to package" in r["reason"] for r in skipped)


def test_a_contract_without_an_end_date_needs_action_at_its_end_of_term(
    api: Api, catalog: dict[str, str], packages: dict[str, str]
) -> None:
    open_ended = api.ok("/v1/packages/create", {k: v for k, v in v1_body(catalog).items() if k != "duration"})["id"]
    provision(api, open_ended, make_customers(1), "2027-01-31T00:00:00Z")
    migration_id = start_migration(
        api, {"from_package_id": open_ended, "to_package_id": packages["v2"], "effective": {"type": "END_OF_TERM"}}
    )
    (row,) = plan(api, migration_id)
    assert row["status"] == "ACTION_NEEDED" and "no end date" in row["reason"]


def test_past_dates_unknown_customers_and_a_remaining_end_of_term_are_refused(
    api: Api, packages: dict[str, str]
) -> None:
    known = make_customers(1)
    unknown = "00000000-0000-4000-8000-00000000abcd"
    for request, field in [
        (body(packages, {"type": "AT_DATE", "at": "2020-01-01T00:00:00Z"}), "effective.at"),
        (body(packages, {"type": "AT_DATE", "at": "2026-10-31T00:00:00Z"}), "effective.at"),  # the day before NOW
        (body(packages, {"type": "NEXT_BILLING_PERIOD", "after": "2026-05-01T00:00:00Z"}), "effective.after"),
        (body(packages, {"type": "END_OF_TERM"}, successor_term="REMAINING_TERM"), "successor_term"),
        (body(packages, {"type": "END_OF_TERM"}, successor_term="SOMETIMES"), "successor_term"),
        (body(packages, {"type": "END_OF_TERM"}, customer_ids=[*known, unknown]), "customer_ids"),
    ]:
        reply = api.post("/v1/packageMigrations/create", request)
        assert reply.status == 400 and reply.message.startswith(field), (field, reply.body)
        if field == "customer_ids":
            assert unknown in reply.message and known[0] not in reply.message
    assert api.ok("/v1/packageMigrations/list", {}) == []  # nothing stored
    at_now = body(packages, {"type": "AT_DATE", "at": "2026-11-01T09:30:00Z"})  # NOW itself is not the past
    assert api.ok("/v1/packageMigrations/create", at_now)["id"]


def test_cancel_stops_planning_no_row_after_it(api: Api, packages: dict[str, str]) -> None:
    customers = make_customers(30)
    provision(api, packages["v1"], customers, "2027-01-31T00:00:00Z")
    migration_id = api.ok("/v1/packageMigrations/create", body(packages, {"type": "END_OF_TERM"}))["id"]
    trigger()  # the Provisioner pages the contracts out: two messages wait in the queue
    api.ok("/v1/packageMigrations/cancel", {"migration_id": migration_id})
    drain_all()  # the worker receives them after the cancel
    assert migration(api, migration_id)["status"] == "CANCELLED"
    assert plan(api, migration_id) == []
    assert sum(migration(api, migration_id)["counts"].values()) == 0


def test_a_cancel_between_a_batchs_read_and_its_write_stops_it(
    api: Api, packages: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    customers = make_customers(3)
    provision(api, packages["v1"], customers, "2027-01-31T00:00:00Z")
    migration_id = api.ok("/v1/packageMigrations/create", body(packages, {"type": "END_OF_TERM"}))["id"]
    real = migration_work._plan_group

    def cancel_meanwhile(*args: Any) -> Any:
        rows = real(*args)
        api.ok("/v1/packageMigrations/cancel", {"migration_id": migration_id})  # accepted mid-batch
        return rows

    monkeypatch.setattr(migration_work, "_plan_group", cancel_meanwhile)
    run()
    assert migration(api, migration_id)["status"] == "CANCELLED" and plan(api, migration_id) == []


def test_the_list_is_newest_first_filtered_and_each_as_get_answers_it(
    api: Api, packages: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = iter(range(1000))
    monkeypatch.setattr(migration_routes, "now", lambda: NOW + timedelta(seconds=next(ticks)))  # a clock that moves
    provision(api, packages["v1"], make_customers(1), "2027-01-31T00:00:00Z")
    first = start_migration(api, body(packages, {"type": "END_OF_TERM"}))
    second = api.ok("/v1/packageMigrations/create", body(packages, {"type": "AT_DATE", "at": "2027-06-01T00:00:00Z"}))
    api.ok("/v1/packageMigrations/cancel", {"migration_id": second["id"]})
    reversed_body = {"from_package_id": packages["v2"], "to_package_id": packages["v1"],
                     "effective": {"type": "END_OF_TERM"}}  # fmt: skip
    third = start_migration(api, reversed_body)
    listed = api.ok("/v1/packageMigrations/list", {})
    assert [m["id"] for m in listed] == [third, second["id"], first]
    assert listed[2] == migration(api, first)
    assert [m["id"] for m in api.ok("/v1/packageMigrations/list", {"from_package_id": packages["v1"]})] == [
        second["id"], first
    ]  # fmt: skip
    assert [m["id"] for m in api.ok("/v1/packageMigrations/list", {"to_package_id": packages["v1"]})] == [third]
    assert [m["id"] for m in api.ok("/v1/packageMigrations/list", {"status": "CANCELLED"})] == [second["id"]]
    assert [m["id"] for m in api.every_page("/v1/packageMigrations/list", {}, page_size=1)] == [
        third, second["id"], first
    ]  # fmt: skip
    bad = api.post("/v1/packageMigrations/list", {"status": "DONE"})
    assert bad.status == 400 and bad.message.startswith("status")


def test_each_move_leaves_an_audit_entry_on_both_contracts(api: Api, packages: dict[str, str]) -> None:
    customers = make_customers(12)  # more than one transaction's worth
    provision(api, packages["v1"], customers, "2027-01-31T00:00:00Z")
    migration_id = start_migration(api, body(packages, {"type": "AT_DATE", "at": "2027-06-01T00:00:00Z"}))
    api.ok("/v1/packageMigrations/apply", {"migration_id": migration_id})
    run()
    rows = plan(api, migration_id)
    assert {r["status"] for r in rows} == {"APPLIED"} and len(rows) == 12
    for row in rows:
        old = [e for e in audit_of(api, row["contract_id"]) if e["action"] == "transition"]
        new = audit_of(api, row["new_contract_id"])
        assert len(old) == 1 and len(new) == 1
        assert migration_id in old[0]["description"] and row["new_contract_id"] in old[0]["description"]
        assert new[0]["action"] == "provision" and migration_id in new[0]["description"]
        assert old[0]["timestamp"] == new[0]["timestamp"]  # written in one transaction


def test_the_list_needs_no_body(api: Api, packages: dict[str, str]) -> None:
    created = api.ok("/v1/packageMigrations/create", body(packages, {"type": "END_OF_TERM"}))["id"]
    reply = api.post("/v1/packageMigrations/list", None)
    assert reply.status == 200 and [m["id"] for m in reply.body["data"]] == [created]


def test_a_contract_changed_while_its_pack_is_written_does_not_sink_the_others(
    api: Api, packages: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    customers = make_customers(8)  # one pack
    provision(api, packages["v1"], customers, "2027-01-31T00:00:00Z")
    migration_id = start_migration(api, body(packages, {"type": "AT_DATE", "at": "2027-06-01T00:00:00Z"}))
    victim = plan(api, migration_id)[3]
    real_transact, alone = migration_apply.transact, []
    real_apply_one = migration_apply._apply_one

    def archive_first(items: Any) -> Any:  # a human archives one contract just before the pack is written
        if not alone and len(items) > 20:
            archive = {
                "contract_id": victim["contract_id"],
                "customer_id": victim["customer_id"],
                "void_invoices": False,
            }
            api.ok("/v1/contracts/archive", archive)
        return real_transact(items)

    def spy(batch: Any, on_date: Any, row: Any, now: Any) -> str:
        alone.append(row["sk"]["S"])
        return real_apply_one(batch, on_date, row, now)

    monkeypatch.setattr(migration_apply, "transact", archive_first)
    monkeypatch.setattr(migration_apply, "_apply_one", spy)
    api.ok("/v1/packageMigrations/apply", {"migration_id": migration_id})
    run()
    assert alone == [victim["contract_id"]]  # only the changed contract was settled on its own
    counts = migration(api, migration_id)["counts"]
    assert counts == {"planned": 0, "action_needed": 1, "applied": 7, "skipped": 0, "failed": 0}
    row = next(r for r in plan(api, migration_id) if r["contract_id"] == victim["contract_id"])
    assert row["status"] == "ACTION_NEEDED" and "archived" in row["reason"]
