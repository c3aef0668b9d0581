"""Rates: add them to a rate card, list them as of a date or over time, and price a contract with them.

DynamoDB calls per operation (docs/data-model.md keeps the table):
- addRate / addRates: the rate card (GetItem), its products (BatchGetItem per 100), the lanes (Query),
  one TransactWriteItems — 4 calls; a concurrent write to the same lanes retries the read and write.
- getRates / getRateSchedule: the lanes (Query) and their products (BatchGetItem) — 2 calls.
- getContractRateSchedule: the contract (GetItem), the lanes (Query), their products (BatchGetItem) — 3.
Each Query is one call per MB of lanes, each BatchGetItem one per 100 products."""

from collections.abc import Callable
from datetime import datetime
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
    needs_product_tags,
    page_after,
    rates_at,
    rates_between,
    schedule_entry,
    selected,
    wire_rate,
    with_products,
)
from ..store.audit import audited
from ..store.cursors import decode_cursor, encode_cursor
from ..store.kinds import CONTRACT, PRODUCT, RATE_CARD
from ..store.rates import read_lanes, write_lanes
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
    only = next(iter(product_ids)) if len(product_ids) == 1 else None
    for _ in range(_WRITE_ATTEMPTS):
        read = read_lanes(tenant, rate_card_id, only)
        changed = add_to_lanes({name: lane.rates for name, lane in read.items()}, rates, prefixes)
        noun = "rate" if len(rates) == 1 else f"{len(rates)} rates"
        products = ", ".join(sorted(product_ids))
        change = Change("rate_card", rate_card_id, "update", f"added {noun} to rate card {rate_card_id} ({products})")
        try:
            write_lanes(tenant, rate_card_id, changed, read, audited(principal, change, now))
            break
        except ConcurrentChange:
            continue  # another write changed these lanes since they were read: read again, rules again
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


def _lanes(tenant: str, rate_card_id: str, must_exist: bool = True) -> list[list[Doc]]:
    """The card's lanes. The Query cannot tell a card without rates from no card at all: only when it
    comes back empty does a GetItem tell them apart (404 for a card the tenant lacks)."""
    lanes = read_lanes(tenant, rate_card_id)
    if not lanes and must_exist:
        get_record(tenant, RATE_CARD, rate_card_id, "rate card")
    return [lane.rates for _, lane in sorted(lanes.items())]


def _page(rows: list[Doc], limit: int, cursor: str | None) -> tuple[list[Doc], str | None]:
    after = decode_cursor(cursor, "after")[0] if cursor else None
    chunk, last = page_after(rows, after, limit)
    return chunk, encode_cursor({"after": last}) if last else None


def _rows_page(
    tenant: str,
    rows_for: Callable[[dict[str, Product]], list[Doc]],
    product_ids: set[str],
    tags_needed: bool,
    page: tuple[int, str | None],
    now: datetime,
) -> tuple[list[Doc], str | None]:
    """One page of rows. Unless choosing them takes products' tags, only the page's products are read
    (one BatchGetItem for a page of up to 100, whatever the card holds)."""
    if tags_needed:
        return _page(rows_for(_products(tenant, product_ids, now)), *page)
    chunk, next_page = _page(rows_for(dict.fromkeys(product_ids, NOT_YET_READ)), *page)
    return with_products(chunk, _products(tenant, {row["product_id"] for row in chunk}, now)), next_page


def _entries(rates: list[Doc], selectors: list[RateSelector] | None) -> Callable[[dict[str, Product]], list[Doc]]:
    def rows_for(products: dict[str, Product]) -> list[Doc]:
        return [
            schedule_entry(rate, products[rate["product_id"]])
            for rate in rates
            if rate["product_id"] in products and selected(rate, products[rate["product_id"]], selectors)
        ]

    return rows_for


def _card_page(
    tenant: str, rates: list[Doc], selectors: list[RateSelector] | None, page: tuple[int, str | None], now: datetime
) -> tuple[list[Doc], str | None]:
    ids = {rate["product_id"] for rate in rates}
    return _rows_page(tenant, _entries(rates, selectors), ids, needs_product_tags(selectors), page, now)


def list_rates_at(
    principal: Principal, request: RatesAt, limit: int, cursor: str | None, now: datetime
) -> tuple[list[Doc], str | None]:
    """getRates: the card's rate for each product and pricing group at `at`."""
    rates = rates_at(_lanes(principal.tenant_id, request.rate_card_id), request.at)
    return _card_page(principal.tenant_id, rates, request.selectors, (limit, cursor), now)


def rate_schedule(
    principal: Principal, request: RateScheduleRequest, limit: int, cursor: str | None, now: datetime
) -> tuple[list[Doc], str | None]:
    """getRateSchedule: every rate of the card applying between `starting_at` and `ending_before`."""
    if request.ending_before is not None and request.ending_before <= request.starting_at:
        raise InvalidRequest("ending_before: must be after starting_at")
    lanes = _lanes(principal.tenant_id, request.rate_card_id)
    rates = rates_between(lanes, request.starting_at, request.ending_before)
    return _card_page(principal.tenant_id, rates, request.selectors, (limit, cursor), now)


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
    rates = [rate for lane in _lanes(tenant, rate_card_id, must_exist=False) for rate in lane]
    at = request.at or now

    def rows_for(products: dict[str, Product]) -> list[Doc]:
        return contract_rate_schedule(contract, rates, products, at, request.selectors)

    ids = {rate["product_id"] for rate in rates}
    tags_needed = needs_product_tags(request.selectors, contract.get("overrides"))
    return _rows_page(tenant, rows_for, ids, tags_needed, (limit, cursor), now)


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
            rates = [rate for lane in _lanes(self.tenant, rate_card_id, must_exist=False) for rate in lane]
            self._cards[rate_card_id] = rates, _products(self.tenant, {r["product_id"] for r in rates}, self.now)
        return self._cards[rate_card_id]

    def schedule(self, contract: Doc, at: datetime) -> list[Doc]:
        """The contract's rate schedule from `at` on (getContractRateSchedule's rows)."""
        return contract_rate_schedule(contract, *self.card(contract.get("rate_card_id")), at, None)

    def diff(self, old: Doc, new: Doc, at: datetime) -> Doc:
        """Per product, what the customer pays at `at` under the old contract and under the new one."""
        before = prices_at(old, *self.card(old.get("rate_card_id")), at)
        after = prices_at(new, *self.card(new.get("rate_card_id")), at)
        return price_diff(before, after)
