"""A rate card's rates, packed: its lanes in a few items of compressed JSON, in the card's partition.

  rate chunk   pk=T#<tenant>#RATES#<rate_card_id>   sk=CHUNK#<its range's first lane name> (CHUNK# for the first)
               lanes (B: zlib'd JSON list of lanes in lane-name order; a lane is one product's rates for one
               pricing group, oldest first), version (N: bumped by every write, the optimistic lock)

A lane belongs to the chunk with the greatest start at or before its name, so the chunks cover the lanes in
ranges, in the order listings page them. A write splits a chunk grown past CHUNK_BYTES. One Query page
(1 MB) holds 1 MB of compressed rates: ~6 bytes a rate in the benchmark's card, ~14 in a varied one,
so 70,000 rates or more (decision 0016)."""

import json
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..domain.audit import AuditEntry
from ..domain.errors import InvalidRequest
from ..domain.rates import lane_of
from .audit import entry_put
from .dynamo import Item, b, binary, get_client, key, n, number, s, table_name, text, transact, translated_errors
from .kinds import RATE_CARD
from .records import ConcurrentChange, record_key

Doc = dict[str, Any]
CHUNK_PREFIX = "CHUNK#"
_PAST_CHUNKS = "CHUNK$"  # sorts after every CHUNK#... key
CHUNK_BYTES = 32_000  # a write rewrites whole chunks (1 WCU a KB): split past this to keep writes cheap
# A lane's JSON, before compression, at most what one DynamoDB item (400 KB) held before chunks: zlib packs
# repeated text ~1,000 to 1, and what is read is decoded (a page, a preview), so the bound is on the JSON.
MAX_LANE_BYTES = 380_000
MAX_ITEMS_PER_WRITE = 98  # a transaction holds 100 items: the chunks, the rate card's check, the audit entry
MAX_WRITE_BYTES = 3_800_000  # a transaction carries at most 4 MB


def rates_partition(tenant: str, rate_card_id: str) -> str:
    return f"T#{tenant}#RATES#{rate_card_id}"


def _encoded(lanes: list[list[Doc]]) -> bytes:
    return zlib.compress(json.dumps(lanes, separators=(",", ":")).encode())


@dataclass
class Chunk:
    start: str  # the first lane name of its range ("" for the first chunk)
    version: int  # 0: not stored yet
    encoded: bytes

    @cached_property
    def lanes(self) -> list[list[Doc]]:
        """Decoded when first asked for: a page that fills early leaves the rest of a Query page packed."""
        lanes: list[list[Doc]] = json.loads(zlib.decompress(self.encoded))
        return lanes

    @cached_property
    def by_name(self) -> dict[str, list[Doc]]:
        return {lane_of(lane[0]): lane for lane in self.lanes}


def lanes_named(chunks: list[Chunk], names: set[str]) -> dict[str, list[Doc]]:
    """The stored lanes among `names`, decoding only the chunks that would hold them."""
    starts = [chunk.start for chunk in chunks]
    holding = {chunk_start(name, starts) for name in names} if chunks else set()
    held = [chunk for chunk in chunks if chunk.start in holding]
    return {name: lane for chunk in held for name, lane in chunk.by_name.items() if name in names}


def _chunk(item: Item) -> Chunk:
    return Chunk(text(item, "sk")[len(CHUNK_PREFIX) :], number(item, "version"), binary(item, "lanes"))


def read_chunk_pages(
    tenant: str, rate_card_id: str, start: str = "", consistent: bool = False
) -> Iterator[list[Chunk]]:
    """The card's chunks from the one starting at `start` on, one Query page (up to 1 MB) at a time, so a
    reader that has what it needs asks no further. A writer reads `consistent`: it routes each lane by the
    chunks it sees and conditions only on the versions of those it writes, so a replica that has a split's
    rewrite of a chunk but not yet the chunks split off it would have it write a lane into the wrong one."""
    query: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :from AND :past",
        "ExpressionAttributeValues": {
            ":pk": s(rates_partition(tenant, rate_card_id)),
            ":from": s(CHUNK_PREFIX + start),
            ":past": s(_PAST_CHUNKS),
        },
        "ConsistentRead": consistent,
    }
    while True:
        with translated_errors():
            response = get_client().query(**query)
        yield [_chunk(item) for item in response.get("Items", [])]
        if "LastEvaluatedKey" not in response:
            return
        query["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def read_chunks(tenant: str, rate_card_id: str, consistent: bool = False) -> list[Chunk]:
    """Every chunk of the card, in range order."""
    return [chunk for page in read_chunk_pages(tenant, rate_card_id, consistent=consistent) for chunk in page]


def _name(lane: list[Doc]) -> str:
    return lane_of(lane[0])


def lanes_once(chunks: Iterable[Chunk], after_lane: str = "") -> Iterator[tuple[Chunk, list[list[Doc]]]]:
    """Each chunk with its lanes from `after_lane` on that no earlier chunk of the same read had. A Query is
    read-committed against a transaction: one that a split lands in answers the split chunk as it was and
    the chunks split off it as they now are, so their lanes come twice; the first copy is kept, and each
    lane reads as before that write or as after it."""
    passed = ""  # the last lane taken ("" sorts before every lane name)
    for chunk in chunks:
        lanes = chunk.lanes
        first = max(bisect_left(lanes, after_lane, key=_name), bisect_right(lanes, passed, key=_name))
        if first < len(lanes):
            passed = _name(lanes[-1])
            yield chunk, lanes[first:]


def chunk_start(lane: str, starts: list[str]) -> str:
    """The start of the chunk holding `lane`, among the chunks' starts (ascending, the first "")."""
    return starts[max(bisect_right(starts, lane) - 1, 0)]


def _pieces(lanes: list[list[Doc]]) -> list[tuple[list[list[Doc]], bytes]]:
    """The lanes cut into runs that each encode to at most CHUNK_BYTES (a lane alone may be more: at most
    MAX_LANE_BYTES before compression, which zlib grows by a few hundred bytes at worst)."""
    encoded = _encoded(lanes)
    if len(encoded) <= CHUNK_BYTES or len(lanes) == 1:
        return [(lanes, encoded)]
    half = len(lanes) // 2
    return _pieces(lanes[:half]) + _pieces(lanes[half:])


def _puts(changed: dict[str, list[Doc]], chunks: list[Chunk], partition: str, field: str) -> list[Item]:
    """The Puts writing the changed lanes into their chunks, splitting what grew: each conditioned on the
    version read (a chunk not stored before, or split off, on its absence)."""
    chunks = chunks or [Chunk("", 0, _encoded([]))]
    starts = [chunk.start for chunk in chunks]
    touched: dict[int, dict[str, list[Doc]]] = {}
    for lane, rates in changed.items():
        if len(json.dumps(rates, separators=(",", ":"))) > MAX_LANE_BYTES:  # ASCII: characters are bytes
            raise InvalidRequest(
                f"{field}: product {rates[-1]['product_id']} would hold more rates for one pricing group than "
                f"{MAX_LANE_BYTES:,} bytes of JSON (what one DynamoDB item of 400 KB keeps)"
            )
        touched.setdefault(starts.index(chunk_start(lane, starts)), {})[lane] = rates
    puts: list[Item] = []
    for index, lanes in sorted(touched.items()):
        chunk = chunks[index]
        merged = chunk.by_name | lanes
        for number_in_chunk, (piece, encoded) in enumerate(_pieces([merged[name] for name in sorted(merged)])):
            put: Item = {"TableName": table_name()}
            if number_in_chunk == 0 and chunk.version:
                put["ConditionExpression"] = "version = :read"
                put["ExpressionAttributeValues"] = {":read": n(chunk.version)}
            else:
                put["ConditionExpression"] = "attribute_not_exists(pk)"
            start = chunk.start if number_in_chunk == 0 else lane_of(piece[0][0])
            version = chunk.version + 1 if number_in_chunk == 0 else 1
            put["Item"] = {**key(partition, CHUNK_PREFIX + start), "lanes": b(encoded), "version": n(version)}
            puts.append({"Put": put})
    return puts


def write_lanes(
    tenant: str, rate_card_id: str, changed: dict[str, list[Doc]], chunks: list[Chunk], entry: AuditEntry, field: str
) -> None:
    """One transaction: the chunks holding the changed lanes, provided nobody wrote them since `chunks` were
    read (strongly consistent: read_chunks(consistent=True)); the rate card still there and active; the audit
    entry. ConcurrentChange when a chunk moved underneath (read and retry). A request too big for one
    transaction is an InvalidRequest naming `field`."""
    puts = _puts(changed, chunks, rates_partition(tenant, rate_card_id), field)
    size = sum(len(binary(put["Put"]["Item"], "lanes")) for put in puts)
    if len(puts) > MAX_ITEMS_PER_WRITE or size > MAX_WRITE_BYTES:
        raise InvalidRequest(
            f"{field}: this request rewrites {len(puts)} items ({size:,} bytes) of the rate card; one DynamoDB "
            f"transaction writes at most {MAX_ITEMS_PER_WRITE} ({MAX_WRITE_BYTES:,} bytes): split the request"
        )
    check: Item = {
        "ConditionCheck": {
            "TableName": table_name(),
            "Key": record_key(tenant, RATE_CARD, rate_card_id),
            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(archived_at)",
        }
    }
    reasons = transact([check, *puts, entry_put(entry)])
    if reasons is None:
        return
    if reasons[0].get("Code") == "ConditionalCheckFailed":
        raise InvalidRequest(f"rate_card_id: rate card {rate_card_id} does not exist or is archived")
    raise ConcurrentChange(f"the rates of rate card {rate_card_id}")
