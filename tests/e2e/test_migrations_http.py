"""A package migration over HTTP on the local stack (`make run`): its own schedule loop and queue poller
plan and apply it; the SDK reads the moved contracts.

This module's stack runs on a clock that starts at CLOCK (LOCAL_CLOCK): a migration refuses dates in the
past, and the dates below must stay in the future whenever the tests run."""

import json
import time
import uuid
from typing import Any

import httpx
from metronome import Metronome

from infra.local_stack import EVENTS_FILE
from tests.payloads import STRIPE, package_body

from .conftest import TOKENS, stack_on_clock
from .test_jobs_http import call, wait_for_status

CLOCK = "2026-11-01T00:00:00Z"


base_url, client = stack_on_clock(CLOCK)


def wait_for(base_url: str, migration_id: str, status: str) -> dict[str, Any]:
    return wait_for_status(base_url, "/v1/packageMigrations/get", {"migration_id": migration_id}, status)


def test_a_migration_plans_and_applies_on_the_local_stack(client: Metronome, base_url: str) -> None:
    usage = client.v1.contracts.products.create(name="Tokens", type="USAGE").data.id
    seats = client.v1.contracts.products.create(name="Seats", type="SUBSCRIPTION").data.id
    alias = f"rc-{uuid.uuid4().hex[:6]}"
    client.v1.contracts.rate_cards.create(name="Rates", aliases=[{"name": alias}])
    v1 = client.v1.packages.create(
        **package_body({"usage": usage, "seats": seats}, rate_card_alias=alias, aliases=[])
    ).data.id
    next_alias = f"next-{uuid.uuid4().hex[:6]}"
    v2_body = package_body(
        {"usage": usage, "seats": seats}, name="v2", rate_card_alias=alias, aliases=[{"name": next_alias}]
    )
    v2 = client.v1.packages.create(**v2_body).data.id
    customers = [
        client.v1.customers.create(name=f"m{i}", customer_billing_provider_configurations=[STRIPE]).data.id
        for i in range(3)
    ]
    old = {c: client.v1.contracts.create(customer_id=c, package_id=v1, starting_at="2027-01-31T00:00:00Z").data.id
           for c in customers}  # fmt: skip

    # The SDK's client posts to paths it has no method for, as docs/api.md shows.
    created = client.post("/v1/packageMigrations/create", cast_to=dict[str, Any], body={
        "from_package_id": v1, "to_package_alias": next_alias,
        "effective": {"type": "NEXT_BILLING_PERIOD", "after": "2027-06-01T00:00:00Z"},
    })  # fmt: skip
    migration_id = created["data"]["id"]
    planned = wait_for(base_url, migration_id, "PLANNED")
    assert planned["counts"]["planned"] == 3
    rows = client.post("/v1/packageMigrations/listPlan", cast_to=dict[str, Any], body={"migration_id": migration_id},
                       options={"params": {"limit": 2}})  # fmt: skip
    assert len(rows["data"]) == 2 and rows["next_page"]
    call(base_url, "/v1/packageMigrations/apply", {"migration_id": migration_id})
    done = wait_for(base_url, migration_id, "COMPLETED")
    assert done["counts"] == {"planned": 0, "action_needed": 0, "applied": 3, "skipped": 0, "failed": 0}

    on_v2 = {row.customer_id: row for row in client.v1.packages.list_contracts_on_package(package_id=v2)}
    assert set(on_v2) == set(customers)
    for customer in customers:
        moved = client.v1.contracts.retrieve(contract_id=old[customer], customer_id=customer).data
        assert moved.current.ending_before is not None
        assert moved.current.ending_before.isoformat().startswith("2027-06-01")  # statements on the 1st (the default)
        assert on_v2[customer].starting_at.isoformat().startswith("2027-06-01")


def every_row(client: Metronome, migration_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 100, **({"next_page": cursor} if cursor else {})}
        page = client.post("/v1/packageMigrations/listPlan", cast_to=dict[str, Any],
                           body={"migration_id": migration_id}, options={"params": params})  # fmt: skip
        rows += page["data"]
        cursor = page.get("next_page")
        if not cursor:
            return rows


def test_a_thousand_contracts_migrate_on_the_local_stack(client: Metronome, base_url: str) -> None:
    # 1,000 contracts on v1 over ten start dates with statements on each contract's own anniversary; 50
    # customers without the configuration v2 bills through; v2 named by an alias.
    usage = client.v1.contracts.products.create(name="Tokens", type="USAGE").data.id
    seats = client.v1.contracts.products.create(name="Seats", type="SUBSCRIPTION").data.id
    alias = f"rc-{uuid.uuid4().hex[:6]}"
    client.v1.contracts.rate_cards.create(name="Rates", aliases=[{"name": alias}])
    catalog = {"usage": usage, "seats": seats}
    anniversaries = {"frequency": "MONTHLY", "day": "CONTRACT_START"}
    v1_body = package_body(catalog, name="v1", rate_card_alias=alias, aliases=[], billing_provider=None,
                           delivery_method=None, usage_statement_schedule=anniversaries)  # fmt: skip
    v1 = client.v1.packages.create(**{k: v for k, v in v1_body.items() if v is not None}).data.id
    next_alias = f"next-{uuid.uuid4().hex[:6]}"
    v2 = client.v1.packages.create(**package_body(catalog, name="v2", rate_card_alias=alias,
                                                  aliases=[{"name": next_alias}])).data.id  # fmt: skip
    customers = [
        client.v1.customers.create(
            name=f"k{i}", customer_billing_provider_configurations=[STRIPE] if i < 950 else []
        ).data.id
        for i in range(1000)
    ]
    starts = ["2027-01-31", "2027-02-15", "2027-02-28", "2027-03-31", "2027-04-01",
              "2027-04-30", "2027-05-10", "2028-02-29", "2026-12-31", "2027-01-01"]  # fmt: skip
    for index, start in enumerate(starts):
        job = {"package_id": v1, "starting_at": f"{start}T00:00:00Z", "customer_ids": customers[index::10]}
        job_id = call(base_url, "/v1/provisioningJobs/create", job)["id"]
        wait_for_status(base_url, "/v1/provisioningJobs/get", {"job_id": job_id}, "COMPLETED", seconds=120)

    migration_id = call(base_url, "/v1/packageMigrations/create", {
        "from_package_id": v1, "to_package_alias": next_alias,
        "effective": {"type": "NEXT_BILLING_PERIOD", "after": "2027-06-01T00:00:00Z"},
    })["id"]  # fmt: skip
    planned = wait_for(base_url, migration_id, "PLANNED")
    assert planned["counts"] == {"planned": 950, "action_needed": 50, "applied": 0, "skipped": 0, "failed": 0}
    rows = every_row(client, migration_id)
    assert len({row["contract_id"] for row in rows}) == 1000
    assert {row["customer_id"] for row in rows if row["status"] == "ACTION_NEEDED"} == set(customers[950:])

    # One planned contract is renewed by hand between plan and apply.
    by_hand = next(row for row in rows if row["status"] == "PLANNED")
    client.v1.contracts.create(customer_id=by_hand["customer_id"], package_id=v2, starting_at=by_hand["effective_at"],
                               transition={"from_contract_id": by_hand["contract_id"], "type": "RENEWAL"})  # fmt: skip

    call(base_url, "/v1/packageMigrations/apply", {"migration_id": migration_id})
    done = wait_for(base_url, migration_id, "COMPLETED")
    assert done["counts"] == {"planned": 0, "action_needed": 51, "applied": 949, "skipped": 0, "failed": 0}
    after = {row["contract_id"]: row for row in every_row(client, migration_id)}
    assert "already transitioned" in after[by_hand["contract_id"]]["reason"]
    applied = [row for row in after.values() if row["status"] == "APPLIED"]
    on_v2 = {row.contract_id: row for row in client.v1.packages.list_contracts_on_package(package_id=v2, limit=100)}
    on_v1 = {row.contract_id: row for row in client.v1.packages.list_contracts_on_package(package_id=v1, limit=100)}
    assert len(on_v2) == 950  # 949 moved + the one renewed by hand: exactly one successor each
    for row in applied:
        assert on_v2[row["new_contract_id"]].starting_at.isoformat().replace("+00:00", ".000Z") == row["effective_at"]
        assert on_v1[row["contract_id"]].ending_before is not None
        assert on_v1[row["contract_id"]].ending_before.isoformat().replace("+00:00", ".000Z") == row["effective_at"]


def post(base_url: str, path: str, body: dict[str, Any], params: dict[str, Any] | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {TOKENS['acme']}"}
    return httpx.post(f"{base_url}{path}", json=body, headers=headers, params=params, timeout=30)


def sdk_post(client: Metronome, path: str, body: dict[str, Any], **params: Any) -> dict[str, Any]:
    answer: dict[str, Any] = client.post(path, cast_to=dict[str, Any], body=body, options={"params": params})
    return answer


def change_events(resource_ids: set[str], wanted: int, seconds: float = 30) -> list[dict[str, Any]]:
    """The change events `make run` appended to .local/events.jsonl for these resources (waiting for them)."""
    deadline, found = time.monotonic() + seconds, []
    while time.monotonic() < deadline:
        lines = EVENTS_FILE.read_text().splitlines() if EVENTS_FILE.exists() else []
        found = [e for e in map(json.loads, lines) if e["detail"]["resource_id"] in resource_ids]
        if len(found) >= wanted:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{len(found)} change events for {resource_ids}, not {wanted}")


def test_migrations_a_billing_team_can_trust(client: Metronome, base_url: str) -> None:
    usage = client.v1.contracts.products.create(name="Tokens", type="USAGE").data.id
    seats = client.v1.contracts.products.create(name="Seats", type="SUBSCRIPTION").data.id
    alias = f"rc-{uuid.uuid4().hex[:6]}"
    client.v1.contracts.rate_cards.create(name="Rates", aliases=[{"name": alias}])
    catalog = {"usage": usage, "seats": seats}
    anniversaries = {"frequency": "MONTHLY", "day": "CONTRACT_START"}
    v1 = client.v1.packages.create(**package_body(catalog, name="v1", rate_card_alias=alias, aliases=[],
                                                  usage_statement_schedule=anniversaries)).data.id  # fmt: skip
    v2 = client.v1.packages.create(**package_body(catalog, name="v2", rate_card_alias=alias, aliases=[])).data.id
    customers = [
        client.v1.customers.create(name=f"t{i}", customer_billing_provider_configurations=[STRIPE]).data.id
        for i in range(3)
    ]
    old = {c: client.v1.contracts.create(customer_id=c, package_id=v1, starting_at="2027-01-31T00:00:00Z").data.id
           for c in customers}  # fmt: skip
    remaining, full, at_end = customers

    def migrate(**request: Any) -> str:
        migration_id: str = sdk_post(client, "/v1/packageMigrations/create", {"from_package_id": v1,
                                     "to_package_id": v2, **request})["data"]["id"]  # fmt: skip
        wait_for(base_url, migration_id, "PLANNED")
        return migration_id

    def rows(migration_id: str) -> dict[str, dict[str, Any]]:
        page = sdk_post(client, "/v1/packageMigrations/listPlan", {"migration_id": migration_id}, limit=100)
        return {row["customer_id"]: row for row in page["data"]}

    def apply(migration_id: str) -> dict[str, Any]:
        call(base_url, "/v1/packageMigrations/apply", {"migration_id": migration_id})
        return wait_for(base_url, migration_id, "COMPLETED")

    # Refused, nothing stored: dates before the migration is created, unknown customers, a remaining END_OF_TERM.
    unknown = str(uuid.uuid4())
    for request, field in [
        ({"effective": {"type": "AT_DATE", "at": "2020-01-01T00:00:00Z"}}, "effective.at"),
        ({"effective": {"type": "NEXT_BILLING_PERIOD", "after": "2026-10-01T00:00:00Z"}}, "effective.after"),
        ({"effective": {"type": "END_OF_TERM"}, "customer_ids": [remaining, unknown]}, "customer_ids"),
        ({"effective": {"type": "END_OF_TERM"}, "successor_term": "REMAINING_TERM"}, "successor_term"),
    ]:
        refused = post(base_url, "/v1/packageMigrations/create", {"from_package_id": v1, "to_package_id": v2,
                                                                   **request})  # fmt: skip
        assert refused.status_code == 400 and refused.json()["message"].startswith(field), refused.text
        if field == "customer_ids":
            assert unknown in refused.text and remaining not in refused.text
    assert sdk_post(client, "/v1/packageMigrations/list", {"from_package_id": v1})["data"] == []

    # REMAINING_TERM (the default): a price change mid-term. Co-termed, on the old billing periods.
    mid_term = migrate(effective={"type": "NEXT_BILLING_PERIOD", "after": "2027-06-01T00:00:00Z"},
                       customer_ids=[remaining])  # fmt: skip
    assert rows(mid_term)[remaining]["diff"]["duration"] == {"keeps": "2028-01-31T00:00:00.000Z"}
    apply(mid_term)
    successor = client.v1.contracts.retrieve(contract_id=rows(mid_term)[remaining]["new_contract_id"],
                                             customer_id=remaining).data  # fmt: skip
    assert successor.current.starting_at.isoformat()[:10] == "2027-06-30"
    assert successor.current.ending_before is not None
    assert successor.current.ending_before.isoformat()[:10] == "2028-01-31"
    credit_starts = sorted(item.starting_at.isoformat()[:10] for credit in successor.current.credits or []
                           if credit.recurring_credit_id and credit.access_schedule
                           for item in credit.access_schedule.schedule_items)  # fmt: skip
    assert credit_starts[:3] == ["2027-06-30", "2027-07-31", "2027-08-31"]

    # FULL_TERM on request: a new year from effective_at; the diff names the end and the billing days.
    new_deal = migrate(effective={"type": "NEXT_BILLING_PERIOD", "after": "2027-06-01T00:00:00Z"},
                       customer_ids=[full], successor_term="FULL_TERM")  # fmt: skip
    diff = rows(new_deal)[full]["diff"]
    assert diff["duration"]["changes"]["after"] == "2028-06-30T00:00:00.000Z"
    periods = diff["billing_periods"]["changes"]  # from month ends to v2's statements on the 1st
    assert periods["before"]["next_statements_at"][0] == "2027-07-31T00:00:00.000Z"
    assert periods["after"]["next_statements_at"][0] == "2027-07-01T00:00:00.000Z"
    apply(new_deal)

    # END_OF_TERM: the third contract moves at its own end, the old contract keeps it.
    renewal = migrate(effective={"type": "END_OF_TERM"})
    planned = rows(renewal)
    assert planned[at_end]["effective_at"] == "2028-01-31T00:00:00.000Z" and planned[at_end]["status"] == "PLANNED"
    assert {planned[c]["status"] for c in (remaining, full)} == {"SKIPPED"}  # on v2 since mid-term
    assert apply(renewal)["counts"]["applied"] == 1
    ended = client.v1.contracts.retrieve(contract_id=old[at_end], customer_id=at_end).data.current.ending_before
    assert ended is not None and ended.isoformat()[:10] == "2028-01-31"

    # A re-run: the contracts already on v2 are SKIPPED (counted), not ACTION_NEEDED noise.
    again = migrate(effective={"type": "END_OF_TERM"})
    assert sdk_post(client, "/v1/packageMigrations/get", {"migration_id": again})["data"]["counts"]["skipped"] == 3

    # The list: newest first, each as get answers it; applying again with another run_at is a no-op.
    listed = sdk_post(client, "/v1/packageMigrations/list", {"from_package_id": v1}, limit=10)["data"]
    assert [m["id"] for m in listed] == [again, renewal, new_deal, mid_term]
    assert listed[1] == sdk_post(client, "/v1/packageMigrations/get", {"migration_id": renewal})["data"]
    assert listed[1]["effective"] == {"type": "END_OF_TERM"} and listed[3]["effective"]["after"].endswith(".000Z")
    retried = post(base_url, "/v1/packageMigrations/apply", {"migration_id": renewal, "run_at": "2027-12-01T00:00:00Z"})
    assert retried.status_code == 200, retried.text

    # Each move left an audit entry on both contracts, and each one is a change event.
    moved = rows(mid_term)[remaining]
    old_entries = list(client.v1.audit_logs.list(resource_type="contract", resource_id=moved["contract_id"]))
    new_entries = list(client.v1.audit_logs.list(resource_type="contract", resource_id=moved["new_contract_id"]))
    assert [e.action for e in old_entries] == ["provision", "transition"]
    assert mid_term in (old_entries[1].description or "") and moved["new_contract_id"] in (
        old_entries[1].description or ""
    )
    assert [e.action for e in new_entries] == ["provision"] and mid_term in (new_entries[0].description or "")
    events = change_events({moved["contract_id"], moved["new_contract_id"]}, wanted=3)
    assert sorted(e["detail-type"] for e in events) == ["contract.provisioned", "contract.provisioned",
                                                        "contract.transitioned"]  # fmt: skip
    assert {e["detail"]["event_id"] for e in events} == {e.id for e in [*old_entries, *new_entries]}


def test_a_cancel_mid_planning_stops_it(client: Metronome, base_url: str) -> None:
    usage = client.v1.contracts.products.create(name="Tokens", type="USAGE").data.id
    seats = client.v1.contracts.products.create(name="Seats", type="SUBSCRIPTION").data.id
    alias = f"rc-{uuid.uuid4().hex[:6]}"
    client.v1.contracts.rate_cards.create(name="Rates", aliases=[{"name": alias}])
    catalog = {"usage": usage, "seats": seats}
    v1 = client.v1.packages.create(**package_body(catalog, name="v1", rate_card_alias=alias, aliases=[])).data.id
    v2 = client.v1.packages.create(**package_body(catalog, name="v2", rate_card_alias=alias, aliases=[])).data.id
    customers = [
        client.v1.customers.create(name=f"x{i}", customer_billing_provider_configurations=[STRIPE]).data.id
        for i in range(400)
    ]
    job = call(base_url, "/v1/provisioningJobs/create",
               {"package_id": v1, "starting_at": "2027-01-31T00:00:00Z", "customer_ids": customers})  # fmt: skip
    wait_for_status(base_url, "/v1/provisioningJobs/get", {"job_id": job["id"]}, "COMPLETED", seconds=120)
    migration = {"migration_id": call(base_url, "/v1/packageMigrations/create",
                                      {"from_package_id": v1, "to_package_id": v2,
                                       "effective": {"type": "END_OF_TERM"}})["id"]}  # fmt: skip
    deadline = time.monotonic() + 60
    while sum(call(base_url, "/v1/packageMigrations/get", migration)["counts"].values()) == 0:
        assert time.monotonic() < deadline, "planning never started"
        time.sleep(0.05)
    call(base_url, "/v1/packageMigrations/cancel", migration)
    at_cancel = len(every_row(client, migration["migration_id"]))
    time.sleep(4)  # the schedule loop and the queue poller keep running
    status = call(base_url, "/v1/packageMigrations/get", migration)
    assert status["status"] == "CANCELLED"
    assert len(every_row(client, migration["migration_id"])) == at_cancel == sum(status["counts"].values())
    assert at_cancel < 400, "planning finished before the cancel: nothing was stopped"
