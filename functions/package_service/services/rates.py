"""Rates: add them to a rate card, list them as of a date or over time, and price a contract with them.

DynamoDB calls per operation (docs/data-model.md keeps the table); "the chunks" is one Query while the
card's compressed rates fit its 1 MB page (store/rates.py: 70,000 rates or more):
- addRate / addRates: the rate card (GetItem), its products (BatchGetItem per 100), the chunks (Query),
  one TransactWriteItems — 4 calls; a concurrent write to the same chunks retries the read and write.
- getRates / getRateSchedule: the chunks from the cursor's on (Query) and the page's products
  (BatchGetItem) — 2 calls.
- getContractRateSchedule: the contract (GetItem), the chunks (Query), the page's products (BatchGetItem)
  — 3 calls. Tag selectors or overrides naming tags read the products of the lanes looked at instead:
  one BatchGetItem per 100 products until the page is full (3 calls unless selectors skip many rows)."""

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any

from ..domain.audit import Change
from ..domain.catalog_view import present_product
from ..domain.errors import InvalidRequest, NotFound, Unavailable
from ..domain.principal import Principal
from ..domain.rate_overrides import contract_rate_schedule, price_diff, prices_at
from ..domain.rates import (
    NOT_YET_READ,
    ContractRateScheduleRequest,
    Product,
    RateInput,
    RatesAt,
    RateScheduleRequest,
    RateSelector,
    add_to_lanes,
    lane_of,
    needs_product_tags,
    order_key,
    page_after,
    rates_at,
    rates_between,
    schedule_entry,
    selected,
    stored_rate,
    wire_rate,
    with_products,
)
from ..store.audit import audited
from ..store.cursors import decode_cursor, encode_cursor
from ..store.dynamo import BATCH_GET_LIMIT
from ..store.kinds import CONTRACT, PRODUCT, RATE_CARD
from ..store.rates import chunk_start, lanes_named, lanes_once, read_chunk_pages, read_chunks, write_lanes
from ..store.records import ConcurrentChange, get_record, get_records, record_updates
from ..store.transitions import contract_doc

Doc = dict[str, Any]
_WRITE_ATTEMPTS = 3


def add_rates(
    principal: Principal, rate_card_id: str, rates: list[RateInput], prefixes: list[str], now: datetime
) -> list[Doc]:
    """Add the rates to the card in one transaction with their audit entry; the stored rates come back.
    `prefixes[i]` is how the request names rate i's fields (`rates[i].`, or empty for addRate)."""
    tenant = principal.tenant_id
    get_record(tenant, RATE_CARD, rate_card_id, "rate card")
    _check_products(tenant, rates, prefixes)
    product_ids = {rate.product_id for rate in rates}
    names = {lane_of(stored_rate(rate)) for rate in rates}
    field = "rates" if prefixes[0] else "request body"  # addRates' list, or addRate's whole body
    for _ in range(_WRITE_ATTEMPTS):
        read = read_chunks(tenant, rate_card_id, consistent=True)
        changed = add_to_lanes(lanes_named(read, names), rates, prefixes)
        noun = "rate" if len(rates) == 1 else f"{len(rates)} rates"
        products = ", ".join(sorted(product_ids))
        change = Change("rate_card", rate_card_id, "update", f"added {noun} to rate card {rate_card_id} ({products})")
        try:
            write_lanes(tenant, rate_card_id, changed, read, audited(principal, change, now), field)
            break
        except ConcurrentChange:
            continue  # another write changed these chunks since they were read: read again, rules again
    else:
        raise Unavailable(f"the rates of rate card {rate_card_id} kept changing; retry")
    return [_added(rate.model_dump(mode="json", exclude_none=True)) for rate in rates]


def _added(rate: Doc) -> Doc:
    """addRate's answer: the rate's price, and its commit rate if it has one (published `RateWithCommitRate`:
    no `minimum_config`)."""
    price = {k: v for k, v in wire_rate(rate).items() if k != "minimum_config"}
    return price | ({"commit_rate": rate["commit_rate"]} if "commit_rate" in rate else {})


def _check_products(tenant: str, rates: list[RateInput], prefixes: list[str]) -> None:
    """Every rate's product exists in the tenant (products are archived, never deleted: a read suffices)."""
    found = get_records(tenant, PRODUCT, {rate.product_id for rate in rates})
    for rate, prefix in zip(rates, prefixes, strict=True):
        if rate.product_id not in found:
            raise InvalidRequest(f"{prefix}product_id: product {rate.product_id} not found")


def _products(tenant: str, product_ids: set[str], now: datetime) -> dict[str, Product]:
    records = get_records(tenant, PRODUCT, product_ids) if product_ids else {}
    products: dict[str, Product] = {}
    for product_id, record in records.items():
        view = present_product(record.doc, record.archived_at, record_updates(record), now)
        current = view["current"]
        products[product_id] = Product(current["name"], list(current.get("tags", [])), dict(view["custom_fields"]))
    return products


def _rates(tenant: str, rate_card_id: str) -> list[Doc]:
    return [rate for _, lanes in lanes_once(read_chunks(tenant, rate_card_id)) for lane in lanes for rate in lane]


RowsFor = Callable[[list[list[Doc]], dict[str, Product]], list[Doc]]


def _rows_page(
    tenant: str,
    rate_card_id: str,
    rows_for: RowsFor,
    tags_needed: bool,
    page: tuple[int, str | None],
    now: datetime,
    must_exist: bool = True,
) -> tuple[list[Doc], str | None]:
    """One page of the rows `rows_for` makes of the card's lanes. The card is read from the chunk the
    cursor left off in, a Query page (1 MB) at a time, and its chunks decoded one by one, only until the
    page is full. Only the page's products are read (one BatchGetItem for up to 100 rows) — or, when
    choosing the rows takes products' tags, those of the lanes looked at (one BatchGetItem per 100)."""
    limit, cursor = page
    after, start = _cursor(cursor) if cursor else (None, "")
    rows: list[Doc] = []
    starts: list[str] = []
    after_lane = after.rsplit("#", 1)[0] if after else ""  # order_key: <lane>#<starting_at>
    for chunk_start_at, lanes, products in _lanes_from(tenant, rate_card_id, start, after_lane, tags_needed, now):
        starts.append(chunk_start_at)
        rows += [row for row in rows_for(lanes, products) if after is None or order_key(row) > after]
        if len(rows) > limit:
            break
    if not starts and must_exist and cursor is None:
        get_record(tenant, RATE_CARD, rate_card_id, "rate card")  # no rates, or no such card (404)?
    rows, last = page_after(rows, None, limit)
    if not tags_needed:
        rows = with_products(rows, _products(tenant, {row["product_id"] for row in rows}, now))
    if (fitting := _fitting(rows)) < len(rows):
        rows, last = rows[:fitting], order_key(rows[fitting - 1])
    next_page = encode_cursor({"after": last, "from": chunk_start(last.rsplit("#", 1)[0], starts)}) if last else None
    return rows, next_page


# A preview shows what a first getContractRateSchedule page would (the rest is paged once it exists).
PREVIEW_ROWS = 100

# A page's rows stop once their JSON passes this (at least one row): Lambda hands back at most 6 MB, the
# body escaped once more inside it (a quote takes two bytes). A page of 100 ordinary rows is ~50 KB.
ANSWER_BYTES = 2_000_000


def _fitting(rows: list[Doc]) -> int:
    """How many of the rows, from the first, fit in ANSWER_BYTES of JSON (at least one)."""
    used = 0
    for count, row in enumerate(rows):
        used += len(json.dumps(row))
        if used > ANSWER_BYTES and count:
            return count
    return len(rows)


_CHUNK_START = re.compile(r"(|[0-9a-f-]{36}#[0-9a-f]{32})")  # "" or a lane name: <product id>#<group hash>


def _cursor(cursor: str) -> tuple[str, str]:
    """The last row's key and the start of its chunk. A start no lane could have is refused before it
    reaches a key condition: DynamoDB refuses sort key values past 1,024 bytes (a 5xx otherwise)."""
    after, start = decode_cursor(cursor, "after", "from")
    if not _CHUNK_START.fullmatch(start):
        raise InvalidRequest("next_page: not a cursor this service issued")
    return after, start


_LANES_AT_A_TIME = 100  # rows are made this many lanes at a time: a page costs about its own size


def _lanes_from(
    tenant: str, rate_card_id: str, start: str, after_lane: str, tags_needed: bool, now: datetime
) -> Iterator[tuple[str, list[list[Doc]], dict[str, Product]]]:
    """The card's lanes from `after_lane` on, a run at a time, with the chunk's start and the run's products:
    when choosing rows takes their tags, read as the runs need them, 100 at a time (the run's and those of
    the lanes after it); else placeholders (the page's products are read once it is cut)."""
    read: dict[str, Product] = {}
    asked: set[str] = set()
    chunks = (chunk for page in read_chunk_pages(tenant, rate_card_id, start) for chunk in page)
    for chunk, lanes in lanes_once(chunks, after_lane):
        upcoming = iter(dict.fromkeys(rate["product_id"] for lane in lanes for rate in lane))
        for at in range(0, len(lanes), _LANES_AT_A_TIME):
            run = lanes[at : at + _LANES_AT_A_TIME]
            ids = {rate["product_id"] for lane in run for rate in lane}
            if not tags_needed:
                yield chunk.start, run, dict.fromkeys(ids, NOT_YET_READ)
                continue
            if wanted := ids - asked:
                wanted |= set(islice((i for i in upcoming if i not in asked), BATCH_GET_LIMIT - len(wanted)))
                asked |= wanted
                read |= _products(tenant, wanted, now)
            yield chunk.start, run, read


def _entries(rates: list[Doc], products: dict[str, Product], selectors: list[RateSelector] | None) -> list[Doc]:
    return [
        schedule_entry(rate, products[rate["product_id"]])
        for rate in rates
        if rate["product_id"] in products and selected(rate, products[rate["product_id"]], selectors)
    ]


def list_rates_at(
    principal: Principal, request: RatesAt, limit: int, cursor: str | None, now: datetime
) -> tuple[list[Doc], str | None]:
    """getRates: the card's rate for each product and pricing group at `at`."""

    def rows_for(lanes: list[list[Doc]], products: dict[str, Product]) -> list[Doc]:
        return _entries(rates_at(lanes, request.at), products, request.selectors)

    tags_needed = needs_product_tags(request.selectors)
    return _rows_page(principal.tenant_id, request.rate_card_id, rows_for, tags_needed, (limit, cursor), now)


def rate_schedule(
    principal: Principal, request: RateScheduleRequest, limit: int, cursor: str | None, now: datetime
) -> tuple[list[Doc], str | None]:
    """getRateSchedule: every rate of the card applying between `starting_at` and `ending_before`."""
    if request.ending_before is not None and request.ending_before <= request.starting_at:
        raise InvalidRequest("ending_before: must be after starting_at")

    def rows_for(lanes: list[list[Doc]], products: dict[str, Product]) -> list[Doc]:
        return _entries(rates_between(lanes, request.starting_at, request.ending_before), products, request.selectors)

    tags_needed = needs_product_tags(request.selectors)
    return _rows_page(principal.tenant_id, request.rate_card_id, rows_for, tags_needed, (limit, cursor), now)


def contract_schedule(
    principal: Principal, request: ContractRateScheduleRequest, limit: int, cursor: str | None, now: datetime
) -> tuple[list[Doc], str | None]:
    """getContractRateSchedule: what the contract pays per product, from the segment covering `at` (default
    now) on — the card's rates with the contract's overrides applied."""
    tenant = principal.tenant_id
    record = get_record(tenant, CONTRACT, request.contract_id, "contract")
    if record.doc["customer_id"] != request.customer_id:
        raise NotFound(f"contract {request.contract_id} not found for customer {request.customer_id}")
    contract = contract_doc(record)
    rate_card_id = contract.get("rate_card_id")
    if not rate_card_id:
        return [], None
    at = request.at or now

    def rows_for(lanes: list[list[Doc]], products: dict[str, Product]) -> list[Doc]:
        rates = [rate for lane in lanes for rate in lane]
        return contract_rate_schedule(contract, rates, products, at, request.selectors)

    tags_needed = needs_product_tags(request.selectors, contract.get("overrides"))
    return _rows_page(tenant, rate_card_id, rows_for, tags_needed, (limit, cursor), now, must_exist=False)


class PriceBook:
    """Rate cards' rates and their products, read once per card, for pricing many contracts (a migration
    plan's group, a preview): one Query per card and one BatchGetItem per card's products."""

    def __init__(self, tenant: str, now: datetime) -> None:
        self.tenant, self.now = tenant, now
        self._cards: dict[str, tuple[list[Doc], dict[str, Product]]] = {}

    def card(self, rate_card_id: str | None) -> tuple[list[Doc], dict[str, Product]]:
        if not rate_card_id:
            return [], {}
        if rate_card_id not in self._cards:
            rates = _rates(self.tenant, rate_card_id)
            self._cards[rate_card_id] = rates, _products(self.tenant, {r["product_id"] for r in rates}, self.now)
        return self._cards[rate_card_id]

    def first_page(self, contract: Doc, at: datetime) -> tuple[list[Doc], int]:
        """The first page of the contract's rate schedule from `at` on (getContractRateSchedule's first
        page at its default limit, held to ANSWER_BYTES) and how many rows the whole schedule has."""
        rows = contract_rate_schedule(contract, *self.card(contract.get("rate_card_id")), at, None)
        page = rows[:PREVIEW_ROWS]
        return page[: _fitting(page)], len(rows)

    def diff(self, old: Doc, new: Doc, at: datetime) -> Doc:
        """Per product, what the customer pays at `at` under the old contract and under the new one."""
        before = prices_at(old, *self.card(old.get("rate_card_id")), at)
        after = prices_at(new, *self.card(new.get("rate_card_id")), at)
        return price_diff(before, after)
