"""The official metronome-sdk, unchanged, against the local stack over HTTP."""

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import metronome
import pytest
from metronome import Metronome

from tests.payloads import full_package


@pytest.fixture(scope="module")
def catalog(client: Metronome) -> dict[str, str]:
    usage = client.v1.contracts.products.create(name="Tokens", type="USAGE").data.id
    seats = client.v1.contracts.products.create(name="Seats", type="SUBSCRIPTION").data.id
    rate_card = client.v1.contracts.rate_cards.create(
        name="Tokens rate card", aliases=[{"name": "Tokens rate card"}]
    ).data.id
    return {"usage": usage, "seats": seats, "rate_card": rate_card}


def _drop_nulls(value: Any) -> Any:
    """The SDK model fills absent optional fields with None; drop them to compare with the request."""
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def test_every_field_group_round_trips_through_the_sdk(client: Metronome, catalog: dict[str, str]) -> None:
    body = full_package(catalog["usage"], catalog["seats"], catalog["rate_card"], uniqueness_key=str(uuid.uuid4()))
    anchor = body.pop("billing_anchor_date")  # newer than the SDK's types: sent as extra_body
    package_id = client.v1.packages.create(**body, extra_body={"billing_anchor_date": anchor}).data.id
    package = client.v1.packages.retrieve(package_id=package_id).data
    got = _drop_nulls(package.model_dump(mode="json"))

    assert got["name"] == body["name"] and got["contract_name"] == body["contract_name"]
    assert got["duration"] == {"unit": "YEARS", "value": 1}
    assert got["multiplier_override_prioritization"] == "EXPLICIT"
    assert got["billing_provider"] == "stripe" and got["delivery_method"] == "direct_to_billing_provider"
    assert got["rate_card_id"] == catalog["rate_card"]
    assert got["net_payment_terms_days"] == 30
    assert got["scheduled_charges_on_usage_invoices"] == "ALL"
    assert got["uniqueness_key"] == body["uniqueness_key"]
    assert got["usage_statement_schedule"] == body["usage_statement_schedule"]
    assert [a["name"] for a in got["aliases"]] == ["everything"]
    # Terms: the response shape renames product_id -> product, credit_type_id -> credit_type.
    for sent, returned in zip(body["commits"], got["commits"], strict=True):
        assert returned["product"]["id"] == sent["product_id"] and returned["product"]["name"] == "Tokens"
        assert returned["type"] == sent["type"]
        assert [i["amount"] for i in returned["access_schedule"]["schedule_items"]] == [
            i["amount"] for i in sent["access_schedule"]["schedule_items"]
        ]
    assert got["credits"][0]["applicable_product_tags"] == ["ai"]
    assert got["recurring_commits"][0]["proration_rounding"] == body["recurring_commits"][0]["proration_rounding"]
    assert got["recurring_credits"][0]["subscription_config"]["allocation"] == "INDIVIDUAL"
    assert got["scheduled_charges"][0]["schedule"]["schedule_items"][0]["unit_price"] == 2500
    assert got["subscriptions"][0]["seat_config"] == body["subscriptions"][0]["seat_config"]
    assert got["subscriptions"][0]["subscription_rate"]["product"]["name"] == "Seats"
    assert [o["type"] for o in got["overrides"]] == ["MULTIPLIER", "TIERED", "OVERWRITE"]
    assert got["spend_trackers"] == body["spend_trackers"]
    assert got["prepaid_balance_threshold_configuration"]["recharge_to_amount"] == 5000
    assert got["spend_threshold_configuration"]["commit"]["product_id"] == catalog["usage"]
    # billing_anchor_date is newer than the SDK's types; it is still returned.
    raw = client.v1.packages.with_raw_response.retrieve(package_id=package_id).http_response.json()
    assert raw["data"]["billing_anchor_date"] == "contract_start_date"


def test_list_with_each_archive_filter_and_pages_of_ten(client: Metronome) -> None:
    prefix = f"page-{uuid.uuid4().hex[:6]}"
    ids = [client.v1.packages.create(name=f"{prefix}-{i:02}").data.id for i in range(25)]
    first = client.v1.packages.list(limit=10)
    assert len(first.data) == 10 and first.next_page
    every = [p.id for p in client.v1.packages.list(limit=10)]  # the SDK follows next_page itself
    assert every[-25:] == ids
    client.v1.packages.archive(package_id=ids[0])
    archived = [p.id for p in client.v1.packages.list(archive_filter="ARCHIVED", limit=100)]
    active = [p.id for p in client.v1.packages.list(archive_filter="NOT_ARCHIVED", limit=100)]
    everything = [p.id for p in client.v1.packages.list(archive_filter="ALL", limit=100)]
    assert ids[0] in archived and ids[0] not in active and ids[0] in everything
    assert set(ids[1:]) <= set(active)
    assert client.v1.packages.retrieve(package_id=ids[0]).data.archived_at is not None


def test_fifty_concurrent_creates_with_one_key_store_one_package(client: Metronome) -> None:
    key = f"race-{uuid.uuid4()}"
    name = f"race-{key}"

    def attempt(_: int) -> str:
        try:
            return client.v1.packages.create(name=name, uniqueness_key=key).data.id
        except metronome.ConflictError:
            return "409"

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(attempt, range(50)))
    winners = [o for o in outcomes if o != "409"]
    assert len(winners) == 1 and outcomes.count("409") == 49
    stored = [p for p in client.v1.packages.list(archive_filter="ALL", limit=100) if p.name == name]
    assert [p.id for p in stored] == winners


def test_errors_are_the_sdk_error_types_with_a_message(client: Metronome, other_client: Metronome) -> None:
    with pytest.raises(metronome.BadRequestError) as bad:
        client.v1.packages.create(name="Bad", duration={"unit": "FORTNIGHTS", "value": 1})  # type: ignore[typeddict-item]
    assert "duration.unit" in bad.value.body["message"]  # type: ignore[index]
    package_id = client.v1.packages.create(name="Private").data.id
    with pytest.raises(metronome.NotFoundError):
        other_client.v1.packages.retrieve(package_id=package_id)
    with pytest.raises(metronome.AuthenticationError):
        Metronome(bearer_token="forged", base_url=str(client.base_url), max_retries=0).v1.packages.list()


def test_swagger_ui_and_openapi_are_served_offline(base_url: str) -> None:
    page = httpx.get(f"{base_url}/swagger")
    assert page.status_code == 200 and "swagger-ui" in page.text.lower()
    assert "cdn" not in page.text.lower()
    document = httpx.get(f"{base_url}/swagger", params={"format": "json"}).json()
    assert "/v1/packages/create" in document["paths"]
    assert json.dumps(document).count("PackageCreate") > 0


def test_concurrent_alias_moves_leave_one_consistent_schedule(client: Metronome) -> None:
    alias = f"race-{uuid.uuid4().hex[:8]}"
    starts = [None, *(f"2027-{month:02}-01T00:00:00Z" for month in range(1, 12))]

    def create(start: str | None) -> str:
        window = {"name": alias, **({"starting_at": start} if start else {})}
        return client.v1.packages.create(name=f"{alias} {start}", aliases=[window]).data.id

    with ThreadPoolExecutor(max_workers=12) as pool:
        ids = list(pool.map(create, starts))
    customer = client.v1.customers.create(name="alias race").data.id
    schedules = {
        package_id: [
            a for a in client.v1.packages.retrieve(package_id=package_id).data.aliases or [] if a.name == alias
        ]
        for package_id in ids
    }
    for month in range(1, 13):
        when = datetime(2026 + month // 12, month % 12 + 1, 15, tzinfo=UTC)
        holders = [
            package_id
            for package_id, windows in schedules.items()
            for window in windows
            if (window.starting_at is None or window.starting_at <= when)
            and (window.ending_before is None or when < window.ending_before)
        ]
        assert len(holders) == 1, (when, holders)
        preview = client.post(
            "/v1/contracts/preview",
            body={"customer_id": customer, "package_alias": alias, "starting_at": when.isoformat()},
            cast_to=httpx.Response,
        ).json()
        assert preview["data"]["package_id"] == holders[0]
