"""What a contract pays: its rate card's rates with the contract's overrides applied, over time.

Which override prices a rate when several apply (`multiplier_override_prioritization`):
- LOWEST_MULTIPLIER (the default): an overwrite wins over multipliers (the latest-created overwrite if
  several); otherwise the lowest multiplier. TIERED overrides are refused under it at provisioning.
- EXPLICIT: an overwrite wins over tiered and multiplier overrides, then the lowest `priority` wins
  (ties: the first listed) — as Metronome's API description says (decision 0016 quotes it).
`entitled` comes from the winning order too: the first applicable override that sets it, else the rate.
Commit-specific overrides (`is_commit_specific`, or specifiers naming commits) price only what is drawn
from a commit and are left out of the schedule, as are rates not entitled."""

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from .base import format_timestamp, parse_timestamp
from .errors import InvalidRequest
from .migration_diff import compare_summaries
from .rates import Product, RateSelector, order_key, selected, wire_rate
from .term_view import credit_type, override_kind

Doc = dict[str, Any]
_COMMIT_SPECIFIERS = ("commit_ids", "recurring_commit_ids", "any_commit_or_credit_ids")


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime | None  # exclusive; None: open

    def clip(self, other: "Window") -> "Window | None":
        start = max(self.start, other.start)
        ends = [e for e in (self.end, other.end) if e is not None]
        end = min(ends) if ends else None
        return None if end is not None and end <= start else Window(start, end)


def window_of(doc: Doc) -> Window:
    ending = doc.get("ending_before")
    return Window(parse_timestamp(doc["starting_at"]), parse_timestamp(ending) if ending else None)


def applies_to(override: Doc, rate: Doc, product: Product) -> bool:
    """Whether an override prices a rate's list price (window aside): some specifier matches it."""
    if override.get("is_commit_specific"):
        return False
    specifiers = override.get("override_specifiers")
    if not specifiers:
        return override.get("product_id") in (None, rate["product_id"])
    return any(_specifier_matches(spec, rate, product) for spec in specifiers)


def _specifier_matches(spec: Doc, rate: Doc, product: Product) -> bool:
    if any(spec.get(name) for name in _COMMIT_SPECIFIERS):
        return False
    groups = rate.get("pricing_group_values") or {}
    return (
        spec.get("product_id") in (None, rate["product_id"])
        and (not spec.get("product_tags") or bool(set(spec["product_tags"]) & set(product.tags)))
        and all(groups.get(k) == v for k, v in (spec.get("pricing_group_values") or {}).items())
        and spec.get("billing_frequency") in (None, rate.get("billing_frequency"))
    )


def in_precedence(overrides: list[Doc], prioritization: str) -> list[Doc]:
    """The overrides, the one that prices the rate first."""
    if prioritization == "EXPLICIT":  # overwrites first, then the rest: each by priority, lowest first
        by_priority = sorted(overrides, key=lambda o: o.get("priority", float("inf")))
        overwrites = [o for o in by_priority if override_kind(o) == "OVERWRITE"]
        return overwrites + [o for o in by_priority if override_kind(o) != "OVERWRITE"]
    if any(override_kind(o) == "TIERED" for o in overrides):
        raise InvalidRequest("multiplier_override_prioritization: TIERED overrides require EXPLICIT")
    overwrites = [o for o in reversed(overrides) if override_kind(o) == "OVERWRITE"]
    multipliers = sorted((o for o in overrides if override_kind(o) == "MULTIPLIER"), key=lambda o: o["multiplier"])
    return overwrites + multipliers


def _times(value: Any, multiplier: Any) -> float:
    """Exact decimal product: 0.3 x 3 is 0.9, not 0.8999999999999999."""
    return float(Decimal(str(value)) * Decimal(str(multiplier)))


def override_rate(override: Doc, list_rate: Doc) -> Doc:
    """The SDK `Rate` an override makes of a list rate."""
    kind = override_kind(override)
    if kind == "OVERWRITE":
        rate = dict(override["overwrite_rate"])
        out = {k: v for k, v in rate.items() if k != "credit_type_id"}
        if rate["rate_type"] != "PERCENTAGE":
            out["credit_type"] = credit_type(rate.get("credit_type_id"))
        return out
    base = wire_rate(list_rate)
    if kind == "TIERED":
        price = list_rate.get("price", 0)
        tiers = [
            {"price": _times(price, t["multiplier"])} | ({"size": t["size"]} if "size" in t else {})
            for t in override["tiers"]
        ]
        return {k: v for k, v in base.items() if k not in ("price", "custom_rate")} | {
            "rate_type": "TIERED",
            "tiers": tiers,
        }
    multiplier = override["multiplier"]
    if "price" in base:
        base["price"] = _times(base["price"], multiplier)
    if "tiers" in base:
        base["tiers"] = [{**t, "price": _times(t["price"], multiplier)} for t in base["tiers"]]
    return base


def _resolved(active: list[Doc], prioritization: str, rate: Doc) -> tuple[bool, Doc | None]:
    ordered = in_precedence(active, prioritization)
    entitled = next((o["entitled"] for o in ordered if "entitled" in o), rate["entitled"])
    return bool(entitled), override_rate(ordered[0], rate) if ordered else None


def contract_rate_schedule(
    contract: Doc, rates: list[Doc], products: dict[str, Product], at: datetime, selectors: list[RateSelector] | None
) -> list[Doc]:
    """Every segment, from the one covering `at` on, of each selected rate within the contract's term: the
    list rate and, where overrides apply, the rate they make of it. A segment ends where a rate or an
    applicable override starts or ends."""
    term = window_of(contract)
    prioritization = contract.get("multiplier_override_prioritization") or "LOWEST_MULTIPLIER"
    rows: list[Doc] = []
    for rate in rates:
        product = products.get(rate["product_id"])
        span = window_of(rate).clip(term)
        if product is None or span is None or not selected(rate, product, selectors):
            continue
        overrides = [(o, window_of(o)) for o in contract.get("overrides", []) if applies_to(o, rate, product)]
        for segment in _segments(span, [w for _, w in overrides]):
            if segment.end is not None and segment.end <= at:
                continue
            active = [o for o, w in overrides if w.clip(segment) == segment]
            entitled, priced = _resolved(active, prioritization, rate)
            if entitled:
                rows.append(_row(contract, rate, product, segment, priced))
    return sorted(rows, key=order_key)


def _segments(span: Window, windows: list[Window]) -> list[Window]:
    cuts = {span.start}
    for window in windows:
        for edge in (window.start, window.end):
            if edge is not None and span.start < edge and (span.end is None or edge < span.end):
                cuts.add(edge)
    starts = sorted(cuts)
    return [Window(s, e) for s, e in zip(starts, [*starts[1:], span.end], strict=True)]


def _row(contract: Doc, rate: Doc, product: Product, segment: Window, priced: Doc | None) -> Doc:
    out: Doc = {
        "entitled": True,
        "list_rate": wire_rate(rate),
        "product_custom_fields": product.custom_fields,
        "product_id": rate["product_id"],
        "product_name": product.name,
        "product_tags": product.tags,
        "rate_card_id": contract["rate_card_id"],
        "starting_at": format_timestamp(segment.start),
    }
    if segment.end is not None:
        out["ending_before"] = format_timestamp(segment.end)
    if priced is not None:
        out["override_rate"] = priced
    for name in ("billing_frequency", "commit_rate", "pricing_group_values"):
        if name in rate:
            out[name] = rate[name]
    return out


def prices_at(contract: Doc, rates: list[Doc], products: dict[str, Product], at: datetime) -> dict[str, Doc]:
    """What the contract pays at `at` per product (and pricing group), keyed for a diff: the rate in force,
    the override's where one applies."""
    prices: dict[str, Doc] = {}
    for row in contract_rate_schedule(contract, rates, products, at, None):
        if parse_timestamp(row["starting_at"]) > at:
            continue
        groups = row.get("pricing_group_values")
        name = row["product_name"] + (f" {json.dumps(groups, sort_keys=True)}" if groups else "")
        price = {"product": {"id": row["product_id"], "name": row["product_name"]},
                 "rate": row.get("override_rate", row["list_rate"])}  # fmt: skip
        prices[name] = price | ({"pricing_group_values": groups} if groups else {})
    return prices


# A plan row is one DynamoDB item (400 KB at most) beside its term diff: a card of thousands of products
# and pricing groups lists only so many of each kind, and says how many there are.
PRICES_LISTED = 50


def price_diff(before: dict[str, Doc], after: dict[str, Doc]) -> Doc:
    """The migration diff's `prices`: per product, what the customer pays before and after the move — at
    most PRICES_LISTED of each kind (`adds`, `removes`, `changes`, `keeps`), `counts` giving them all."""
    entry = compare_summaries(before, after)
    if not entry:
        return entry
    counts = {kind: len(items) for kind, items in entry.items()}
    return {kind: items[:PRICES_LISTED] for kind, items in entry.items()} | {"counts": counts}
