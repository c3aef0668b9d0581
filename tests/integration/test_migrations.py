"""Package migrations on moto, through the API, the Provisioner (schedule) -> SQS -> worker loop:
plan in the background, review, apply exactly once."""

import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from package_service.domain.jobs import chunks
from package_service.routes import migrations as migration_routes
from package_service.services import migration_apply, migration_work
from tests.payloads import STRIPE, package_body

from .conftest import Api
from .test_jobs import contract_docs, drain, make_customers, trigger


def v1_body(catalog: dict[str, str]) -> dict[str, Any]:
    """v1: no billing provider, monthly statements from each contract's start."""
    body = package_body(catalog, name="Plan v1", aliases=[], billing_provider=None, delivery_method=None)
    body = {k: v for k, v in body.items() if v is not None}
    return {**body, "usage_statement_schedule": {"frequency": "MONTHLY", "day": "CONTRACT_START"}}


@pytest.fixture
def packages(api: Api, catalog: dict[str, str]) -> dict[str, str]:
    return make_packages(api, catalog)


def make_packages(api: Api, catalog: dict[str, str]) -> dict[str, str]:
    """v1 and v2 (named by id, or by its alias `plan-next`)."""
    v1 = api.ok("/v1/packages/create", v1_body(catalog))["id"]
    v2_body = package_body(catalog, name="Plan v2", aliases=[{"name": "plan-next"}])  # needs a Stripe config
    v2_body["subscriptions"][0]["initial_quantity"] = 5
    v2 = api.ok("/v1/packages/create", v2_body)["id"]
    return {"v1": v1, "v2": v2}


def provision(api: Api, package: str, customers: list[str], starting_at: str) -> None:
    """Contracts through a provisioning job (the quick way to many), all provisioned."""
    for ids in chunks(customers, 1000):
        body = {"package_id": package, "starting_at": starting_at, "customer_ids": ids}
        job_id = api.ok("/v1/provisioningJobs/create", body)["id"]
        trigger()
        drain_all()
        assert api.ok("/v1/provisioningJobs/get", {"job_id": job_id})["status"] == "COMPLETED"


QUEUES: dict[str, str] = {}
# The clock the migration routes read (routes/common.now, imported into routes/migrations): pinned, so the
# dates below stay in the future whenever the tests run (a migration refuses dates in the past).
NOW = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_clock(monkeypatch)


def pin_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(migration_routes, "now", lambda: NOW)


@pytest.fixture(autouse=True)
def _queues(queues: dict[str, str]) -> None:
    use_queues(queues)


def use_queues(queues: dict[str, str]) -> None:
    QUEUES.clear()
    QUEUES.update(queues)


def drain_all() -> None:
    drain(QUEUES)


def run() -> None:
    """One Provisioner run and the worker until the queue is empty."""
    trigger()
    drain_all()


def migration(api: Api, migration_id: str) -> dict[str, Any]:
    data: dict[str, Any] = api.ok("/v1/packageMigrations/get", {"migration_id": migration_id})
    return data


def plan(api: Api, migration_id: str) -> list[dict[str, Any]]:
    return api.every_page("/v1/packageMigrations/listPlan", {"migration_id": migration_id})


def contract(api: Api, customer: str, contract_id: str) -> dict[str, Any]:
    data = api.ok("/v1/contracts/get", {"contract_id": contract_id, "customer_id": customer})
    return {"id": data["id"], **data["current"]}


def contracts_on(api: Api, package: str) -> list[dict[str, Any]]:
    return api.every_page("/v1/packages/listContractsOnPackage", {"package_id": package})


def at_june_1(packages: dict[str, str]) -> dict[str, Any]:
    """A migration from v1 to v2 of every contract, at 2027-06-01."""
    return {"from_package_id": packages["v1"], "to_package_id": packages["v2"],
            "effective": {"type": "AT_DATE", "at": "2027-06-01T00:00:00Z"}}  # fmt: skip


def start_migration(api: Api, body: dict[str, Any]) -> str:
    migration_id = str(api.ok("/v1/packageMigrations/create", body)["id"])
    assert migration(api, migration_id)["status"] == "PLANNING"
    run()
    return migration_id


def successors(api: Api, customer: str, old_id: str) -> list[dict[str, Any]]:
    listed = api.ok("/v1/contracts/list", {"customer_id": customer})
    return [c for c in listed if any(t.get("from_contract_id") == old_id and t["to_contract_id"] == c["id"]
                                     for t in c["current"].get("transitions", []))]  # fmt: skip


def test_plan_review_apply_at_each_contracts_next_billing_period(
    api: Api, catalog: dict[str, str], packages: dict[str, str]
) -> None:
    with_config, bare = make_customers(3), make_customers(1, with_config=False)
    starts = ["2027-01-31", "2027-02-15", "2027-03-31", "2027-01-31"]
    for customer, start in zip([*with_config, *bare], starts, strict=True):
        provision(api, packages["v1"], [customer], f"{start}T00:00:00Z")
    body = {
        "from_package_id": packages["v1"],
        "to_package_id": packages["v2"],
        "effective": {"type": "NEXT_BILLING_PERIOD", "after": "2027-05-01T00:00:00Z"},
    }
    migration_id = start_migration(api, body)

    status = migration(api, migration_id)
    assert status["status"] == "PLANNED"
    assert status["counts"] == {"planned": 3, "action_needed": 1, "applied": 0, "skipped": 0, "failed": 0}
    assert status["effective"] == {"type": "NEXT_BILLING_PERIOD", "after": "2027-05-01T00:00:00.000Z"}
    assert status["successor_term"] == "REMAINING_TERM"  # the default: a price change mid-term
    rows = {row["customer_id"]: row for row in plan(api, migration_id)}
    # Each contract's own statement boundary: Jan 31 -> May 31, Feb 15 -> May 15, Mar 31 -> May 31 (not May 30).
    assert [rows[c]["effective_at"] for c in with_config] == [
        "2027-05-31T00:00:00.000Z", "2027-05-15T00:00:00.000Z", "2027-05-31T00:00:00.000Z"
    ]  # fmt: skip
    assert {rows[c]["status"] for c in with_config} == {"PLANNED"}
    stuck = rows[bare[0]]
    assert stuck["status"] == "ACTION_NEEDED" and "no active billing provider configuration" in stuck["reason"]
    diff = rows[with_config[0]]["diff"]
    assert diff["billing_provider"]["adds"]["billing_provider"] == "stripe"
    assert diff["subscriptions"]["adds"][0]["quantity"] == 5  # v1's subscription was over by May 31
    assert diff["duration"] == {"keeps": "2028-01-31T00:00:00.000Z"}  # co-termed: it ends when the old one would
    assert "billing_periods" not in diff
    # Planning changed nothing.
    old = {row["customer_id"]: row["contract_id"] for row in rows.values()}
    assert contract(api, with_config[0], old[with_config[0]])["ending_before"] == "2028-01-31T00:00:00.000Z"
    assert contracts_on(api, packages["v2"]) == []

    assert api.ok("/v1/packageMigrations/apply", {"migration_id": migration_id})["id"] == migration_id
    run()
    done = migration(api, migration_id)
    assert done["status"] == "COMPLETED"
    assert done["counts"] == {"planned": 0, "action_needed": 1, "applied": 3, "skipped": 0, "failed": 0}
    on_v2 = {row["contract_id"] for row in contracts_on(api, packages["v2"])}
    for customer in with_config:
        row = next(r for r in plan(api, migration_id) if r["customer_id"] == customer)
        assert row["status"] == "APPLIED"
        new = contract(api, customer, row["new_contract_id"])
        assert new["starting_at"] == row["effective_at"] and new["id"] in on_v2
        assert new["transitions"] == [
            {"from_contract_id": row["contract_id"], "to_contract_id": new["id"], "type": "RENEWAL"}
        ]
        assert contract(api, customer, row["contract_id"])["ending_before"] == row["effective_at"]
        assert [s["id"] for s in successors(api, customer, row["contract_id"])] == [new["id"]]
    assert contract(api, bare[0], old[bare[0]])["ending_before"] == "2028-01-31T00:00:00.000Z"  # left as it was
    assert len(contracts_on(api, packages["v2"])) == 3

    # Applying again, and another run, change nothing.
    assert api.ok("/v1/packageMigrations/apply", {"migration_id": migration_id})["id"] == migration_id
    run()
    assert migration(api, migration_id)["counts"] == done["counts"]
    assert len(contracts_on(api, packages["v2"])) == 3


def test_an_alias_target_is_resolved_as_of_each_contracts_effective_at(
    api: Api, catalog: dict[str, str], packages: dict[str, str]
) -> None:
    later = package_body(
        catalog, name="Plan v3", aliases=[{"name": "from-may-20", "starting_at": "2027-05-20T00:00:00Z"}]
    )
    v3 = api.ok("/v1/packages/create", later)["id"]
    customers = make_customers(2)
    provision(api, packages["v1"], customers[:1], "2027-01-31T00:00:00Z")  # moves May 31
    provision(api, packages["v1"], customers[1:], "2027-02-15T00:00:00Z")  # moves May 15
    body = {
        "from_package_id": packages["v1"],
        "to_package_alias": "from-may-20",
        "effective": {"type": "next_billing_period", "after": "2027-05-01T00:00:00Z"},
    }
    rows = {row["customer_id"]: row for row in plan(api, start_migration(api, body))}
    assert rows[customers[0]]["status"] == "PLANNED" and rows[customers[0]]["to_package_id"] == v3
    assert rows[customers[1]]["status"] == "ACTION_NEEDED"
    assert "'from-may-20' points at no package on 2027-05-15" in rows[customers[1]]["reason"]


def test_a_subset_end_of_term_and_contracts_not_in_effect(
    api: Api, catalog: dict[str, str], packages: dict[str, str]
) -> None:
    customers = make_customers(3)
    provision(api, packages["v1"], customers, "2027-01-31T00:00:00Z")
    body = {"from_package_id": packages["v1"], "to_package_id": packages["v2"], "effective": {"type": "END_OF_TERM"},
            "customer_ids": customers[:2]}  # fmt: skip
    migration_id = start_migration(api, body)
    rows = plan(api, migration_id)
    assert sorted(r["customer_id"] for r in rows) == sorted(customers[:2])  # the third is not in the subset
    assert {r["effective_at"] for r in rows} == {"2028-01-31T00:00:00.000Z"}
    # AT_DATE after every contract ended: each is ACTION_NEEDED with why.
    late = {**body, "effective": {"type": "AT_DATE", "at": "2029-01-01T00:00:00Z"}}
    late_rows = plan(api, start_migration(api, late))
    assert {r["status"] for r in late_rows} == {"ACTION_NEEDED"}
    assert all("ends 2028-01-31T00:00:00.000Z, before its effective_at" in r["reason"] for r in late_rows)


def test_cancel_until_apply_starts_and_apply_only_once_planned(
    api: Api, catalog: dict[str, str], packages: dict[str, str]
) -> None:
    customers = make_customers(2)
    provision(api, packages["v1"], customers, "2027-01-31T00:00:00Z")
    body = at_june_1(packages)
    first = api.ok("/v1/packageMigrations/create", body)["id"]
    refused = api.post("/v1/packageMigrations/apply", {"migration_id": first})
    assert refused.status == 400 and refused.message.startswith("migration_id:") and "PLANNING" in refused.message
    assert api.ok("/v1/packageMigrations/cancel", {"migration_id": first})["id"] == first
    assert api.ok("/v1/packageMigrations/cancel", {"migration_id": first})["id"] == first  # idempotent
    run()
    assert migration(api, first)["status"] == "CANCELLED" and plan(api, first) == []

    # Planned, applied at a run_at still to come: cancellable; after the apply ran: not.
    second = start_migration(api, body)
    api.ok("/v1/packageMigrations/apply", {"migration_id": second, "run_at": "2099-01-01T00:00:00Z"})
    run()
    assert migration(api, second)["status"] == "APPLYING"
    assert api.ok("/v1/packageMigrations/cancel", {"migration_id": second})["id"] == second
    assert migration(api, second)["status"] == "CANCELLED"
    third = start_migration(api, body)
    api.ok("/v1/packageMigrations/apply", {"migration_id": third})
    run()
    too_late = api.post("/v1/packageMigrations/cancel", {"migration_id": third})
    assert too_late.status == 400 and "COMPLETED" in too_late.message
    applied_at = migration(api, third)["apply_run_at"]
    # Asking again, even with another run_at, is a no-op (a retried request is safe): the first run_at stands.
    assert api.ok("/v1/packageMigrations/apply", {"migration_id": third, "run_at": "2099-01-01T00:00:00Z"})
    assert migration(api, third)["apply_run_at"] == applied_at and migration(api, third)["status"] == "COMPLETED"


def test_bad_requests_name_the_field_and_store_nothing(api: Api, packages: dict[str, str], other_tenant: Api) -> None:
    base = {"from_package_id": packages["v1"], "to_package_id": packages["v2"],
            "effective": {"type": "AT_DATE", "at": "2027-06-01T00:00:00Z"}}  # fmt: skip
    missing = "00000000-0000-4000-8000-000000000000"
    for body, field in [
        ({**base, "to_package_id": missing}, "to_package_id"),
        ({**base, "from_package_id": missing}, "from_package_id"),
        ({k: v for k, v in base.items() if k != "to_package_id"} | {"to_package_alias": "nope"}, "to_package_alias"),
        ({**base, "effective": {"type": "SOMETIME"}}, "effective"),
        ({**base, "effective": {"type": "AT_DATE"}}, "effective"),
    ]:
        reply = api.post("/v1/packageMigrations/create", body)
        assert reply.status == 400 and reply.message.startswith(field), (field, reply.body)
    assert other_tenant.post("/v1/packageMigrations/create", base).status == 400  # not its packages
    keyed = {**base, "uniqueness_key": "move-1"}
    first = api.ok("/v1/packageMigrations/create", keyed)["id"]
    again = api.post("/v1/packageMigrations/create", keyed)
    assert again.status == 409 and first in again.message
    assert other_tenant.post("/v1/packageMigrations/get", {"migration_id": first}).status == 404


def kill_sometimes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker dies before some transactions and after others commit, before acknowledging: the packed
    transactions (several contracts each) and the ones a contract is written alone in."""
    calls = {"n": 0}

    def crashing(real: Any) -> Any:
        def write(*args: Any) -> Any:
            calls["n"] += 1
            if calls["n"] % 7 == 0:
                raise RuntimeError("injected crash before writing")
            written = real(*args)
            if calls["n"] % 5 == 0:
                raise RuntimeError("injected crash after writing")
            return written

        return write

    monkeypatch.setattr(migration_apply, "put_record_guarded", crashing(migration_apply.put_record_guarded))
    monkeypatch.setattr(migration_apply, "transact", crashing(migration_apply.transact))


def test_a_thousand_contracts_move_exactly_once_through_crashes(
    api: Api, catalog: dict[str, str], packages: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1,000 contracts on v1 over ten start dates (month ends, mid-month, a leap day); 50 customers have no
    # configuration v2 can bill through.
    starts = ["2027-01-31", "2027-02-15", "2027-02-28", "2027-03-31", "2027-04-01",
              "2027-04-30", "2027-05-10", "2028-02-29", "2026-12-31", "2027-01-01"]  # fmt: skip
    good, bare = make_customers(950), make_customers(50, with_config=False)
    everyone = good + bare
    for index, start in enumerate(starts):
        provision(api, packages["v1"], everyone[index::10], f"{start}T00:00:00Z")
    body = {"from_package_id": packages["v1"], "to_package_alias": "plan-next",
            "effective": {"type": "NEXT_BILLING_PERIOD", "after": "2027-06-01T00:00:00Z"}}  # fmt: skip
    migration_id = start_migration(api, body)
    planned = migration(api, migration_id)
    rows = plan(api, migration_id)
    assert len(rows) == 1000 and len({r["contract_id"] for r in rows}) == 1000
    by_status = Counter(r["status"] for r in rows)
    # Every contract is in effect at its own boundary (the leap-day ones, starting after `after`, move at
    # their first monthiversary, 2028-03-29); only the 50 customers without a configuration cannot move.
    assert planned["status"] == "PLANNED" and sum(planned["counts"].values()) == 1000
    assert by_status == Counter({"PLANNED": 950, "ACTION_NEEDED": 50})
    assert {r["customer_id"] for r in rows if r["status"] == "ACTION_NEEDED"} == set(bare)
    leap = [r for r in rows if r["customer_id"] in everyone[7::10] and r["status"] == "PLANNED"]
    assert {r["effective_at"] for r in leap} == {"2028-03-29T00:00:00.000Z"}

    # Between plan and apply, one planned contract is renewed by hand.
    by_hand = next(r for r in rows if r["status"] == "PLANNED")
    transition = {"from_contract_id": by_hand["contract_id"], "type": "RENEWAL"}
    renewal = {"customer_id": by_hand["customer_id"], "package_id": packages["v2"], "transition": transition}
    manual = api.post("/v1/contracts/create", {**renewal, "starting_at": by_hand["effective_at"]})
    assert manual.status == 200, manual.body

    api.ok("/v1/packageMigrations/apply", {"migration_id": migration_id})
    kill_sometimes(monkeypatch)
    run()
    partial = migration(api, migration_id)
    assert partial["status"] == "APPLYING" and 0 < partial["counts"]["applied"] < by_status["PLANNED"]
    monkeypatch.undo()
    for _ in range(5):
        time.sleep(1.1)  # the failed messages' visibility timeout
        run()
        if migration(api, migration_id)["status"] == "COMPLETED":
            break
    final = migration(api, migration_id)
    assert final["status"] == "COMPLETED"
    counts = final["counts"]
    assert sum(counts.values()) == 1000 and counts["planned"] == 0
    assert counts["applied"] == by_status["PLANNED"] - 1 and counts["action_needed"] == by_status["ACTION_NEEDED"] + 1

    after = {r["contract_id"]: r for r in plan(api, migration_id)}
    assert "already transitioned" in after[by_hand["contract_id"]]["reason"]
    applied = [r for r in after.values() if r["status"] == "APPLIED"]
    assert Counter(r["status"] for r in after.values()) == Counter({k.upper(): v for k, v in counts.items() if v})
    # Exactly one successor per applied contract, on v2, starting where the old one now ends.
    new_contracts = contract_docs()
    successors_of = Counter(t["from_contract_id"] for doc in new_contracts for t in doc.get("transitions", []))
    assert all(successors_of[r["contract_id"]] == 1 for r in applied)
    by_id = {doc["id"]: doc for doc in new_contracts}
    for r in applied:
        new = by_id[r["new_contract_id"]]
        assert new["starting_at"] == r["effective_at"] and new["package_id"] == packages["v2"]
    for r in after.values():
        if r["status"] == "ACTION_NEEDED":
            assert r["reason"] and "new_contract_id" not in r
    assert len(contracts_on(api, packages["v2"])) == counts["applied"] + 1  # + the one renewed by hand
    ended = {row["contract_id"]: row for row in contracts_on(api, packages["v1"])}
    assert all(ended[r["contract_id"]]["ending_before"] == r["effective_at"] for r in applied)


def test_now_is_used_as_the_apply_run_at(api: Api, packages: dict[str, str]) -> None:
    customers = make_customers(1)
    provision(api, packages["v1"], customers, "2027-01-31T00:00:00Z")
    body = at_june_1(packages)
    migration_id = start_migration(api, body)
    api.ok("/v1/packageMigrations/apply", {"migration_id": migration_id})
    run_at = datetime.fromisoformat(migration(api, migration_id)["apply_run_at"].replace("Z", "+00:00"))
    assert run_at == NOW  # the routes' clock
    assert STRIPE["billing_provider"] == "stripe"


def test_one_apply_batch_delivered_twice_at_once_moves_each_contract_once(
    api: Api, packages: dict[str, str], queues: dict[str, str]
) -> None:
    customers = make_customers(20)
    provision(api, packages["v1"], customers, "2027-01-31T00:00:00Z")
    body = at_june_1(packages)
    migration_id = start_migration(api, body)
    api.ok("/v1/packageMigrations/apply", {"migration_id": migration_id})
    trigger()  # the apply batch is queued; two workers get the same message (SQS delivers at least once)
    sqs = boto3.client("sqs", region_name="us-east-1")
    message = sqs.receive_message(QueueUrl=queues["ProvisioningQueue"], MaxNumberOfMessages=10)["Messages"]
    assert len(message) == 1
    batch = migration_work.MigrationBatch.from_message(json.loads(message[0]["Body"]))
    tallies: list[dict[str, int]] = []
    workers = [threading.Thread(target=lambda: tallies.append(migration_apply.apply_batch(batch, datetime.now(UTC))))
               for _ in range(2)]  # fmt: skip
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(t.get("applied", 0) for t in tallies) == 20  # each contract applied by one of them only
    assert migration(api, migration_id)["counts"]["applied"] == 20
    successors_of = Counter(t["from_contract_id"] for doc in contract_docs() for t in doc.get("transitions", []))
    assert sorted(successors_of.values()) == [1] * 20


def test_a_date_at_the_end_of_time_is_a_reason_not_a_stuck_migration(
    api: Api, catalog: dict[str, str], packages: dict[str, str]
) -> None:
    body = {k: v for k, v in v1_body(catalog).items() if k != "duration"}  # open-ended contracts
    forever = api.ok("/v1/packages/create", {**body, "name": "Forever"})["id"]
    provision(api, forever, make_customers(1), "2027-01-31T00:00:00Z")
    at_the_end = {"from_package_id": forever, "to_package_id": packages["v2"],
                  "effective": {"type": "AT_DATE", "at": "9999-06-01T00:00:00Z"}}  # fmt: skip
    migration_id = start_migration(api, at_the_end)
    assert migration(api, migration_id)["status"] == "PLANNED"
    (row,) = plan(api, migration_id)
    assert row["status"] == "ACTION_NEEDED" and "after the year 9999" in row["reason"]
