"""A rate card's rates packed in chunk items (decision 0016): bounded DynamoDB calls at 10,000 rates,
chunks split as they grow, writes whole and conditioned on what they read."""

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from package_service.domain.audit import AuditEntry, Change
from package_service.domain.principal import Principal
from package_service.domain.rates import RateInput, add_to_lanes, lane_of
from package_service.store import rates as store
from package_service.store.audit import audited
from package_service.store.cursors import encode_cursor
from package_service.store.dynamo import get_client, table_name
from package_service.store.records import ConcurrentChange
from tests.payloads import STRIPE

from .conftest import START, Api, scan_count
from .test_rates import APR, CARDS, JAN, JUL, flat

SCHEDULE = "/v1/contracts/getContractRateSchedule"


def _chunk_items(tenant: str, card: str) -> int:
    partition = store.rates_partition(tenant, card)
    reply = get_client().query(
        TableName=table_name(), KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": partition}}
    )
    return len(reply["Items"])


def _products(api: Api, count: int) -> list[str]:
    """`count` usage products, every other one tagged `ai`."""
    return [api.ok("/v1/contract-pricing/products/create",
                   {"name": f"p{i:03}", "type": "USAGE", "tags": ["ai"] if i % 2 else []})["id"]
            for i in range(count)]  # fmt: skip


def test_a_contract_rate_schedule_at_10000_rates_is_three_dynamodb_calls(
    api: Api, world: dict[str, str], dynamodb_calls: Counter[str]
) -> None:
    """10,000 rates: 100 products (the world's tokens and 99 more) x 100 pricing groups, added 1,000 a request."""
    card, tokens = world["rate_card"], world["usage"]
    products = [tokens, *_products(api, 99)]
    regions = [{"region": f"r{g:03}"} for g in range(100)]
    rates = [flat(p, 1 + g / 100, JAN, pricing_group_values=regions[g]) for p in products for g in range(100)]
    for start in range(0, len(rates), 1_000):
        dynamodb_calls.clear()
        api.ok(f"{CARDS}/addRates", {"rate_card_id": card, "rates": rates[start : start + 1_000]})
        assert dynamodb_calls == Counter({"GetItem": 1, "BatchGetItem": 1, "Query": 1, "TransactWriteItems": 1})
    assert _chunk_items(api.tenant, card) > 1  # the card spans several chunks: the reads below cross them

    body = {"contract_id": world["contract"], "customer_id": world["customer"], "at": APR}
    dynamodb_calls.clear()
    first = api.post(SCHEDULE, body, query={"limit": "100"})
    assert dynamodb_calls == Counter({"GetItem": 1, "Query": 1, "BatchGetItem": 1})
    assert len(first.data) == 100 and first.body["next_page"]
    dynamodb_calls.clear()
    second = api.post(SCHEDULE, body, query={"limit": "100", "next_page": first.body["next_page"]})
    assert dynamodb_calls == Counter({"GetItem": 1, "Query": 1, "BatchGetItem": 1})
    assert len(second.data) == 100

    dynamodb_calls.clear()
    page = api.post(f"{CARDS}/getRates", {"rate_card_id": card, "at": APR}, query={"limit": "100"})
    assert len(page.data) == 100 and dynamodb_calls == Counter({"Query": 1, "BatchGetItem": 1})

    customer = api.ok("/v1/customers", {"name": "Tagged", "customer_billing_provider_configurations": [STRIPE]})["id"]
    half_off_ai = {"starting_at": START, "type": "MULTIPLIER", "multiplier": 0.5,
                   "override_specifiers": [{"product_tags": ["ai"]}]}  # fmt: skip
    tagged = api.ok("/v1/contracts/create", {"customer_id": customer, "rate_card_id": card, "starting_at": START,
                                             "overrides": [half_off_ai]})["id"]  # fmt: skip
    dynamodb_calls.clear()
    by_tags = api.post(SCHEDULE, {"contract_id": tagged, "customer_id": customer, "at": APR}, query={"limit": "100"})
    assert dynamodb_calls == Counter({"GetItem": 1, "Query": 1, "BatchGetItem": 1})  # tags read, still 3 calls
    assert len(by_tags.data) == 100
    for row in by_tags.data:
        discounted = row.get("override_rate", {}).get("price")
        assert discounted == (row["list_rate"]["price"] * 0.5 if "ai" in row["product_tags"] else None), row

    rows = api.every_page(SCHEDULE, {"contract_id": tagged, "customer_id": customer, "at": APR})
    keys = [(r["product_id"], r["pricing_group_values"]["region"], r["starting_at"]) for r in rows]
    assert len(set(keys)) == len(keys)  # no row twice across pages and chunks
    assert Counter(r["product_id"] for r in rows) == dict.fromkeys(products, 100)  # every lane, once
    assert sum("override_rate" in r for r in rows) == 49 * 100  # the lanes of the 49 products tagged `ai`


def test_chunks_split_as_they_grow_and_a_write_past_one_transaction_is_refused_whole(
    api: Api, catalog: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With chunks of one lane each, 99 new lanes take 99 items: past the 98 a transaction holds beside
    the card's check and the audit entry."""
    monkeypatch.setattr(store, "CHUNK_BYTES", 1)
    card = catalog["rate_card"]
    groups = [flat(catalog["usage"], i, JAN, pricing_group_values={"n": f"{i:02}"}) for i in range(99)]
    before = scan_count()
    reply = api.post(f"{CARDS}/addRates", {"rate_card_id": card, "rates": groups})
    assert reply.status == 400 and reply.message.startswith("rates: this request rewrites 99 items"), reply.body
    assert scan_count() == before

    api.ok(f"{CARDS}/addRates", {"rate_card_id": card, "rates": groups[:98]})
    assert _chunk_items(api.tenant, card) == 98
    api.ok(f"{CARDS}/addRate", {**groups[5], "price": 500, "starting_at": APR, "rate_card_id": card})
    assert _chunk_items(api.tenant, card) == 98  # the changed lane's chunk rewritten in place
    rows = api.every_page(f"{CARDS}/getRates", {"rate_card_id": card, "at": JUL}, page_size=7)
    assert sorted(r["pricing_group_values"]["n"] for r in rows) == [f"{i:02}" for i in range(98)]
    assert sorted(r["rate"]["price"] for r in rows) == sorted([p for p in range(98) if p != 5] + [500])


def _entry() -> AuditEntry:
    change = Change("rate_card", "x", "update", "test")
    return audited(Principal("acme", "test"), change, datetime(2026, 12, 1, tzinfo=UTC))


def test_a_write_conditioned_on_a_chunk_another_write_changed_is_refused(api: Api, catalog: dict[str, str]) -> None:
    """Two writers read the same chunk; the second to write finds its version moved and must read again."""
    card, tenant = catalog["rate_card"], api.tenant
    api.ok(f"{CARDS}/addRate", {**flat(catalog["usage"], 1, JAN), "rate_card_id": card})
    read = store.read_chunks(tenant, card)
    lanes = {lane_of(lane[0]): lane for chunk in read for lane in chunk.lanes}

    def rate(price: float, start: str) -> Any:
        return RateInput.model_validate(flat(catalog["usage"], price, start))

    store.write_lanes(tenant, card, add_to_lanes(lanes, [rate(2, APR)], [""]), read, _entry(), "rates")
    before = scan_count()
    with pytest.raises(ConcurrentChange):
        store.write_lanes(tenant, card, add_to_lanes(lanes, [rate(3, JUL)], [""]), read, _entry(), "rates")
    assert scan_count() == before
    assert [r["price"] for chunk in store.read_chunks(tenant, card) for lane in chunk.lanes for r in lane] == [1, 2]


@pytest.mark.parametrize("start", ["x" * 2_000, "LANE#", "../"])
def test_a_forged_cursor_is_a_400_not_a_query(api: Api, catalog: dict[str, str], start: str) -> None:
    """A cursor's chunk start goes into a key condition; DynamoDB refuses sort keys past 1,024 bytes (moto
    does not check), so anything no lane could be named is refused first."""
    api.ok(f"{CARDS}/addRate", {**flat(catalog["usage"], 1, JAN), "rate_card_id": catalog["rate_card"]})
    forged = encode_cursor({"after": "", "from": start})
    reply = api.post(
        f"{CARDS}/getRates", {"rate_card_id": catalog["rate_card"], "at": APR}, query={"next_page": forged}
    )
    assert reply.status == 400 and reply.message.startswith("next_page"), reply.body


EDGE_PRICES = ["1e-130", "0.1", "0.30000000000000004", "123456789.12345678", "1.7976931348623155e+125", "1e+22", "-0.0"]


def test_prices_come_back_from_the_compressed_chunks_as_sent(api: Api, catalog: dict[str, str]) -> None:
    """A price, a tier's price and size as the request wrote them (each in a float's shortest spelling; the
    body reader refuses what a float cannot hold): the chunks' JSON keeps that spelling through zlib."""
    card, tokens = catalog["rate_card"], catalog["usage"]
    for i, price in enumerate(EDGE_PRICES):
        size = "1" if price == "-0.0" else price  # a tier's size is > 0
        tiered = f'"rate_type": "TIERED", "tiers": [{{"price": {price}, "size": {size}}}, {{"price": 1}}]'
        for kind, fields in (("flat", f'"rate_type": "FLAT", "price": {price}'), ("tiered", tiered)):
            raw = (f'{{"rate_card_id": "{card}", "product_id": "{tokens}", "entitled": true, "starting_at": "{JAN}", '
                   f'"pricing_group_values": {{"i": "{i}", "kind": "{kind}"}}, {fields}}}')  # fmt: skip
            assert api.post(f"{CARDS}/addRate", raw=raw).status == 200, raw
    text = api.post(f"{CARDS}/getRates", {"rate_card_id": card, "at": APR}, query={"limit": "100"}).text
    for price in EDGE_PRICES:
        assert f'"price":{price},' in text, price  # FLAT: {"rate_type", "credit_type", "price", ...}
        assert f'"tiers":[{{"price":{price},"size":{"1.0" if price == "-0.0" else price}}}' in text, price
