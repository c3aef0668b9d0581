"""Rate chunks under DynamoDB's read semantics (decision 0016): a Query is read-committed against a
transaction, so a split can land in the middle of it; an eventually consistent read may lag a write.
Neither may show a lane twice, nor let a write put a lane in a chunk other than its own."""

import json
import zlib
from datetime import UTC, datetime
from typing import Any

import pytest

from package_service.domain.audit import AuditEntry, Change
from package_service.domain.principal import Principal
from package_service.domain.rates import RateInput, add_to_lanes
from package_service.store import rates as store
from package_service.store.audit import audited
from package_service.store.dynamo import get_client, table_name
from package_service.store.records import ConcurrentChange

from .conftest import Api, scan_count
from .test_rates import APR, CARDS, JAN, JUL, flat


def _chunk_items(tenant: str, card: str) -> list[dict[str, Any]]:
    partition = store.rates_partition(tenant, card)
    reply = get_client().query(
        TableName=table_name(),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": partition}},
        ConsistentRead=True,
    )
    return list(reply["Items"])


def _ten_lanes_then_split(api: Api, catalog: dict[str, str]) -> dict[str, Any]:
    """Ten lanes (group n=00..09, price n) in the card's one chunk; then a rate at APR for lane 03 (price 500)
    with chunks of one lane each, which splits that chunk into ten. Answers the chunk as it was before."""
    card = catalog["rate_card"]
    lanes = [flat(catalog["usage"], i, JAN, pricing_group_values={"n": f"{i:02}"}) for i in range(10)]
    api.ok(f"{CARDS}/addRates", {"rate_card_id": card, "rates": lanes})
    [before] = _chunk_items(api.tenant, card)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "CHUNK_BYTES", 1)
        api.ok(f"{CARDS}/addRate", {**lanes[3], "price": 500, "starting_at": APR, "rate_card_id": card})
    assert len(_chunk_items(api.tenant, card)) == 10
    return before


def test_a_query_that_a_split_lands_in_shows_each_lane_once(api: Api, catalog: dict[str, str]) -> None:
    """DynamoDB: "If a transactional write updates an item in the middle of a ... Query ..., the read operation
    returns the new committed value" (read-committed). A Query that read the first chunk before a split and
    reaches the split-off chunks after it answers the old chunk whole and the new ones too: the table is put
    in exactly that state here."""
    card = catalog["rate_card"]
    before = _ten_lanes_then_split(api, catalog)
    get_client().put_item(TableName=table_name(), Item=before)  # the first chunk as the Query read it

    for page_size in (4, 100):
        rows = api.every_page(f"{CARDS}/getRates", {"rate_card_id": card, "at": JUL}, page_size=page_size)
        groups = sorted(r["pricing_group_values"]["n"] for r in rows)
        assert groups == [f"{i:02}" for i in range(10)]  # every lane once: none twice, none lost
        lane_03 = next(r for r in rows if r["pricing_group_values"]["n"] == "03")
        assert lane_03["rate"]["price"] in (3, 500)  # as before the write or after it, not both
    schedule = api.every_page(f"{CARDS}/getRateSchedule", {"rate_card_id": card, "starting_at": JAN})
    assert sorted(r["pricing_group_values"]["n"] for r in schedule if r["starting_at"].startswith("2027-01")) == [
        f"{i:02}" for i in range(10)
    ]


class _LaggingReplica:
    """An eventually consistent read served by a replica that has applied a split's rewrite of the first
    chunk but not yet the chunks it split off (DynamoDB: an eventually consistent read "might not reflect
    the results of a recently completed write"). Strongly consistent reads see the table as it is."""

    def __init__(self, hidden: set[str], monkeypatch: pytest.MonkeyPatch) -> None:
        client = get_client()
        self.query = client.query
        self.hidden = hidden
        monkeypatch.setattr(client, "query", self)

    def __call__(self, **request: Any) -> Any:
        reply = self.query(**request)
        if not request.get("ConsistentRead"):
            reply["Items"] = [item for item in reply["Items"] if item["sk"]["S"] not in self.hidden]
        return reply


def test_a_write_reads_the_chunks_it_routes_lanes_by_strongly_consistent(
    api: Api, catalog: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write decides which chunk holds a lane from the chunks it read, and conditions only on the versions
    of the chunks it writes. Had it read a replica that shows the first chunk already split but not the
    split-off chunks, it would put lane 05 in the first chunk (its version matches) beside the lane's real
    chunk: the lane twice, the earlier price never ended."""
    card = catalog["rate_card"]
    _ten_lanes_then_split(api, catalog)
    split_off = {item["sk"]["S"] for item in _chunk_items(api.tenant, card)} - {store.CHUNK_PREFIX}
    _LaggingReplica(split_off, monkeypatch)

    lane_05_at_apr = flat(catalog["usage"], 50, APR, pricing_group_values={"n": "05"})
    api.ok(f"{CARDS}/addRate", {**lane_05_at_apr, "rate_card_id": card})

    items = _chunk_items(api.tenant, card)
    stored = [lane for item in items for lane in json.loads(zlib.decompress(item["lanes"]["B"]))]
    lane_05 = [lane for lane in stored if lane[0]["pricing_group_values"] == {"n": "05"}]
    assert len(lane_05) == 1, lane_05  # one lane, in one chunk
    assert [(r["price"], r.get("ending_before")) for r in lane_05[0]] == [
        (5, "2027-04-01T00:00:00.000Z"),
        (50, None),
    ]


def test_a_lane_past_one_dynamodb_item_uncompressed_is_refused(api: Api, catalog: dict[str, str]) -> None:
    """Compression must not lift the bound on what a lane decodes to: a rate of ~1 MB of repeated text packs
    into ~1 KB, so a card of such rates would decode to gigabytes and its pages answer far past Lambda's
    6 MB. A lane keeps what one DynamoDB item (400 KB) held before chunks, compressed or not."""
    card = catalog["rate_card"]
    custom = {**flat(catalog["usage"], 1, JAN), "rate_type": "CUSTOM", "custom_rate": {"x": "a" * 390_000}}
    del custom["price"]
    before = scan_count()
    reply = api.post(f"{CARDS}/addRate", {**custom, "rate_card_id": card})
    assert reply.status == 400 and reply.message.startswith("request body: "), reply.body
    assert scan_count() == before
    reply = api.post(f"{CARDS}/addRates", {"rate_card_id": card, "rates": [custom]})
    assert reply.status == 400 and reply.message.startswith("rates: "), reply.body
    assert scan_count() == before
    api.ok(f"{CARDS}/addRate", {**custom, "custom_rate": {"x": "a" * 300_000}, "rate_card_id": card})


def test_pages_neither_skip_nor_repeat_a_row_when_a_write_splits_a_chunk_between_them(
    api: Api, catalog: dict[str, str]
) -> None:
    """A cursor names its last row and the start of the chunk holding it; a split between two page reads moves
    the rest of that chunk into new chunks after that start, which the next page's Query still covers."""
    card = catalog["rate_card"]
    lanes = [flat(catalog["usage"], i, JAN, pricing_group_values={"n": f"{i:02}"}) for i in range(10)]
    api.ok(f"{CARDS}/addRates", {"rate_card_id": card, "rates": lanes})
    body, query = {"rate_card_id": card, "at": JAN}, {"limit": "3"}
    first = api.post(f"{CARDS}/getRates", body, query=query)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "CHUNK_BYTES", 1)
        api.ok(f"{CARDS}/addRate", {**lanes[9], "price": 900, "starting_at": APR, "rate_card_id": card})
    assert len(_chunk_items(api.tenant, card)) == 10
    rows, cursor = list(first.data), first.body["next_page"]
    while cursor:
        reply = api.post(f"{CARDS}/getRates", body, query={**query, "next_page": cursor})
        rows, cursor = rows + reply.data, reply.body["next_page"]
    assert sorted(r["pricing_group_values"]["n"] for r in rows) == [f"{i:02}" for i in range(10)]

    def keys(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return [(r["pricing_group_values"]["n"], r["starting_at"]) for r in rows]

    assert keys(rows) == keys(api.every_page(f"{CARDS}/getRates", body))  # in the order one read lists them


LAMBDA_MAX_RESPONSE_BYTES = 6 * 1024 * 1024  # the whole proxy response, the body escaped inside it


def test_a_page_of_big_rates_stays_within_lambdas_answer_and_pages_on(api: Api, catalog: dict[str, str]) -> None:
    """20 lanes of one CUSTOM rate each, ~350 KB of JSON (under the lane bound): 100 rows would be a 7 MB
    answer, past what Lambda hands back (API Gateway answers 502). A page stops short and pages on."""
    card = catalog["rate_card"]
    custom = {**flat(catalog["usage"], 1, JAN), "rate_type": "CUSTOM", "custom_rate": {"x": '"' * 175_000}}
    del custom["price"]
    for n in range(20):
        api.ok(f"{CARDS}/addRate", {**custom, "pricing_group_values": {"n": f"{n:02}"}, "rate_card_id": card})
    for path, body in [(f"{CARDS}/getRates", {"rate_card_id": card, "at": APR}),
                       (f"{CARDS}/getRateSchedule", {"rate_card_id": card, "starting_at": JAN})]:  # fmt: skip
        rows, cursor = [], None
        while True:
            reply = api.post(path, body, query={"limit": "100", **({"next_page": cursor} if cursor else {})})
            assert reply.status == 200 and reply.data, reply.body
            assert len(json.dumps({"statusCode": 200, "body": reply.text})) < LAMBDA_MAX_RESPONSE_BYTES
            rows, cursor = rows + reply.data, reply.body["next_page"]
            if not cursor:
                break
        assert sorted(r["pricing_group_values"]["n"] for r in rows) == [f"{n:02}" for n in range(20)]


def test_two_writers_splitting_the_same_chunk_cannot_both_succeed(api: Api, catalog: dict[str, str]) -> None:
    """Both read the card's one chunk and split it with their own new lanes: a split rewrites that chunk
    conditioned on the version read and puts each split-off chunk conditioned on its absence, so the second
    is refused whole (either condition alone would refuse it) and nothing of it is stored."""
    card, tenant = catalog["rate_card"], api.tenant
    lanes = [flat(catalog["usage"], i, JAN, pricing_group_values={"n": f"{i:02}"}) for i in range(6)]
    api.ok(f"{CARDS}/addRates", {"rate_card_id": card, "rates": lanes})
    read = store.read_chunks(tenant, card, consistent=True)

    def entry(minute: int) -> AuditEntry:  # each writer's own audit entry
        change = Change("rate_card", card, "update", "test")
        return audited(Principal(tenant, "test"), change, datetime(2026, 12, 1, 0, minute, tzinfo=UTC))

    def new_lane(n: str) -> dict[str, list[dict[str, Any]]]:
        rate = RateInput.model_validate(flat(catalog["usage"], 1, APR, pricing_group_values={"n": n}))
        return add_to_lanes({}, [rate], [""])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "CHUNK_BYTES", 1)
        store.write_lanes(tenant, card, new_lane("a"), read, entry(1), "rates")
        after_first = _chunk_items(api.tenant, card)
        assert len(after_first) == 7
        with pytest.raises(ConcurrentChange):
            store.write_lanes(tenant, card, new_lane("b"), read, entry(2), "rates")
    assert _chunk_items(api.tenant, card) == after_first
