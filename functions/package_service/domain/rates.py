"""Rates on a rate card: the requests, the lanes they are kept in, and the card's schedule over time.

A lane is one product's rates for one pricing group (and billing frequency): at any instant at most one
of its rates applies. A new rate in a lane starts at or after the lane's latest start and ends the
previous open rate there — a scheduled price change is a rate with a future `starting_at`."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from .base import Frequency, Id, RequestModel, Timestamp, format_timestamp, parse_timestamp
from .errors import InvalidRequest
from .term_view import credit_type

Doc = dict[str, Any]
RateKind = Literal["FLAT", "PERCENTAGE", "SUBSCRIPTION", "TIERED", "TIERED_PERCENTAGE", "CUSTOM"]


class RateTier(RequestModel):
    price: float = Field(ge=0)
    size: float | None = Field(default=None, gt=0)


class MinimumConfig(RequestModel):
    """Published (not yet in the SDK's types): the least a rate charges."""

    minimum: float = Field(ge=0)


class CommitRate(RequestModel):
    rate_type: RateKind
    price: float | None = Field(default=None, ge=0)
    tiers: list[RateTier] | None = None
    minimum_config: MinimumConfig | None = None


class RateInput(RequestModel):
    """One rate, as addRates' `rates[]` types it."""

    entitled: bool
    product_id: Id
    rate_type: RateKind
    starting_at: Timestamp
    billing_frequency: Frequency | None = None
    commit_rate: CommitRate | None = None
    credit_type_id: Id | None = None
    custom_rate: dict[str, object] | None = None
    ending_before: Timestamp | None = None
    is_prorated: bool | None = None
    minimum_config: MinimumConfig | None = None
    price: float | None = None
    pricing_group_values: dict[str, str] | None = None
    quantity: float | None = Field(default=None, ge=0)
    tiers: list[RateTier] | None = None

    @model_validator(mode="after")
    def _shape_matches_type(self) -> "RateInput":
        kind = self.rate_type
        if self.ending_before is not None and self.ending_before <= self.starting_at:
            raise ValueError("ending_before must be after starting_at")
        if kind in ("FLAT", "SUBSCRIPTION", "PERCENTAGE") and self.price is None:
            raise ValueError(f"price is required for {kind} rates")
        if self.price is not None and self.price < 0:
            raise ValueError("price must be >= 0")
        if kind == "PERCENTAGE" and self.price is not None and self.price > 1:
            raise ValueError("price of a PERCENTAGE rate is a fraction between 0 and 1")
        if kind in ("TIERED", "TIERED_PERCENTAGE") and not self.tiers:
            raise ValueError(f"tiers are required for {kind} rates")
        if kind == "CUSTOM" and self.custom_rate is None:
            raise ValueError("custom_rate is required for CUSTOM rates")
        if self.is_prorated is not None and kind != "SUBSCRIPTION":
            raise ValueError("is_prorated is only valid for SUBSCRIPTION rates")
        if kind == "SUBSCRIPTION" and self.is_prorated is False:
            raise ValueError("is_prorated must be true for SUBSCRIPTION rates")
        return self


class RateAdd(RateInput):
    rate_card_id: Id


class RateAddMany(RequestModel):
    rate_card_id: Id
    rates: Annotated[list[RateInput], Field(min_length=1)]  # at most 1,000 (no published maximum)


class RateSelector(RequestModel):
    billing_frequency: Frequency | None = None
    partial_pricing_group_values: dict[str, str] | None = None
    pricing_group_values: dict[str, str] | None = None
    product_id: Id | None = None
    product_tags: list[str] | None = None


class RatesAt(RequestModel):
    rate_card_id: Id
    at: Timestamp
    selectors: list[RateSelector] | None = None


class RateScheduleRequest(RequestModel):
    rate_card_id: Id
    starting_at: Timestamp
    ending_before: Timestamp | None = None
    selectors: list[RateSelector] | None = None

    @model_validator(mode="after")
    def _no_product_tags(self) -> "RateScheduleRequest":
        """getRateSchedule's published selectors (and the SDK's) have no `product_tags`, unlike getRates'."""
        for index, selector in enumerate(self.selectors or []):
            if selector.product_tags is not None:
                raise ValueError(f"selectors[{index}].product_tags: is not a field of getRateSchedule's selectors")
        return self


class ContractRateScheduleRequest(RequestModel):
    contract_id: Id
    customer_id: Id
    at: Timestamp | None = None
    selectors: list[RateSelector] | None = None


def lane_of(rate: Doc) -> str:
    """The lane a stored rate belongs to: product, pricing group values and billing frequency, hashed so
    the key stays short whatever the values' length."""
    group = json.dumps([rate.get("pricing_group_values") or {}, rate.get("billing_frequency")], sort_keys=True)
    return f"{rate['product_id']}#{hashlib.sha256(group.encode()).hexdigest()[:32]}"


def stored_rate(rate: RateInput) -> Doc:
    """A rate as kept: its fields as sent, times in the service's one spelling (so they sort as text)."""
    doc = rate.model_dump(mode="json", exclude_none=True, exclude={"rate_card_id"})
    doc["starting_at"] = format_timestamp(rate.starting_at)
    if rate.ending_before is not None:
        doc["ending_before"] = format_timestamp(rate.ending_before)
    return doc


def add_to_lanes(lanes: dict[str, list[Doc]], rates: list[RateInput], prefixes: list[str]) -> dict[str, list[Doc]]:
    """The lanes the new rates change, each as it will be stored (oldest rate first). InvalidRequest naming
    the rate's field (`prefixes[i]`: `rates[i].` or empty) for a rate that overlaps another at its start or
    starts before the lane's latest."""
    changed: dict[str, list[Doc]] = {}
    in_order = sorted(enumerate(rates), key=lambda pair: (pair[1].starting_at, pair[0]))
    for index, rate in in_order:
        doc = stored_rate(rate)
        lane = lane_of(doc)
        schedule = changed.get(lane) or list(lanes.get(lane, []))
        changed[lane] = _append(schedule, doc, prefixes[index])
    return changed


def _append(schedule: list[Doc], new: Doc, field: str) -> list[Doc]:
    if not schedule:
        return [new]
    latest = schedule[-1]
    start, latest_start = parse_timestamp(new["starting_at"]), parse_timestamp(latest["starting_at"])
    if start == latest_start:
        raise InvalidRequest(
            f"{field}starting_at: overlaps the rate for product {new['product_id']} (same pricing group) "
            f"starting at {latest['starting_at']}"
        )
    if start < latest_start:
        raise InvalidRequest(
            f"{field}starting_at: must not be before {latest['starting_at']}, the start of the latest rate for "
            f"product {new['product_id']} (same pricing group); add rates in order of their start"
        )
    ending = latest.get("ending_before")
    if ending is None or parse_timestamp(ending) > start:
        latest = {**latest, "ending_before": new["starting_at"]}
    return [*schedule[:-1], latest, new]


@dataclass(frozen=True)
class Product:
    """What a rate listing shows of the product a rate prices."""

    name: str
    tags: list[str]
    custom_fields: dict[str, str]


NOT_YET_READ = Product("", [], {})  # a row's product before the page it falls on is known


def needs_product_tags(selectors: list[RateSelector] | None, overrides: list[Doc] | None = None) -> bool:
    """Whether choosing the rows takes products' tags (else only the rows of the page need their products)."""
    return any(s.product_tags for s in selectors or []) or any(
        spec.get("product_tags") for o in overrides or [] for spec in o.get("override_specifiers", [])
    )


def with_products(rows: list[Doc], products: dict[str, Product]) -> list[Doc]:
    """The rows with their products' names, tags and custom fields."""
    return [
        {**row, "product_name": p.name, "product_tags": p.tags, "product_custom_fields": p.custom_fields}
        for row in rows
        if (p := products.get(row["product_id"])) is not None
    ]


def selected(rate: Doc, product: Product, selectors: list[RateSelector] | None) -> bool:
    """Rates matching ANY selector; no selectors: every rate."""
    return not selectors or any(_matches(rate, product, selector) for selector in selectors)


def _matches(rate: Doc, product: Product, selector: RateSelector) -> bool:
    groups = rate.get("pricing_group_values") or {}
    return (
        (selector.product_id is None or selector.product_id == rate["product_id"])
        and (selector.billing_frequency is None or selector.billing_frequency == rate.get("billing_frequency"))
        and (selector.pricing_group_values is None or selector.pricing_group_values == groups)
        and (
            selector.partial_pricing_group_values is None
            or all(groups.get(k) == v for k, v in selector.partial_pricing_group_values.items())
        )
        and (selector.product_tags is None or bool(set(selector.product_tags) & set(product.tags)))
    )


def overlaps(rate: Doc, start: datetime, end: datetime | None) -> bool:
    """Whether the rate applies at some instant of [start, end) (end None: open)."""
    ending = rate.get("ending_before")
    return (end is None or parse_timestamp(rate["starting_at"]) < end) and (
        ending is None or parse_timestamp(ending) > start
    )


def wire_rate(rate: Doc) -> Doc:
    """The SDK's shared `Rate`: the price part of a stored rate."""
    out: Doc = {"rate_type": rate["rate_type"]}
    if rate["rate_type"] != "PERCENTAGE":
        out["credit_type"] = credit_type(rate.get("credit_type_id"))
    for name in ("custom_rate", "is_prorated", "minimum_config", "price", "pricing_group_values", "quantity", "tiers"):
        if name in rate:
            out[name] = rate[name]
    return out


def schedule_entry(rate: Doc, product: Product) -> Doc:
    """One row of getRates / getRateSchedule."""
    out: Doc = {
        "entitled": rate["entitled"],
        "product_custom_fields": product.custom_fields,
        "product_id": rate["product_id"],
        "product_name": product.name,
        "product_tags": product.tags,
        "rate": wire_rate(rate),
        "starting_at": rate["starting_at"],
    }
    for name in ("billing_frequency", "commit_rate", "ending_before", "pricing_group_values"):
        if name in rate:
            out[name] = rate[name]
    return out


def order_key(rate: Doc) -> str:
    """Rows are listed by product, lane, then start: a stable order the cursor can resume from."""
    return f"{lane_of(rate)}#{rate['starting_at']}"


def rates_at(lanes: list[list[Doc]], at: datetime) -> list[Doc]:
    """The rate each lane has at `at`, in listing order."""
    found = [rate for lane in lanes for rate in lane if overlaps(rate, at, None) and _started(rate, at)]
    return sorted(found, key=order_key)


def _started(rate: Doc, at: datetime) -> bool:
    return parse_timestamp(rate["starting_at"]) <= at


def rates_between(lanes: list[list[Doc]], start: datetime, end: datetime | None) -> list[Doc]:
    """Every rate applying at some instant of [start, end), in listing order."""
    return sorted((rate for lane in lanes for rate in lane if overlaps(rate, start, end)), key=order_key)


def page_after(
    rows: list[Doc], after: str | None, limit: int, key: Callable[[Doc], str] = order_key
) -> tuple[list[Doc], str | None]:
    """One page of rows (in `key` order) after the row keyed `after`; the key of its last row when more follow."""
    start = 0 if after is None else next((i for i, r in enumerate(rows) if key(r) > after), len(rows))
    chunk = rows[start : start + limit]
    more = start + limit < len(rows)
    return chunk, key(chunk[-1]) if more and chunk else None
