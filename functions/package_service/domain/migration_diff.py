"""What a migration changes for one customer: the new contract's terms against what the old contract
would still have carried from `effective_at` on. Pure.

For each term kind the diff says what the new contract `adds`, `removes`, `changes` (with `before` and
`after`) and `keeps`; a kind with nothing in it is left out. Terms are matched by what a customer would
recognise them by (commits and credits by type and product, subscriptions by product, overrides by
type and what they apply to), because the two packages' term ids are unrelated. Amounts are what is
left to draw from `effective_at` on: the old contract's schedule items that end before it are gone
either way.
"""

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from .base import format_timestamp, parse_timestamp
from .dates import FREQUENCY_SPANS, first_period_at, shift

Doc = dict[str, Any]
Summaries = dict[str, Doc]


def term_diff(old: Doc, new: Doc, at: datetime) -> Doc:
    """The readable diff of `new` (starting at `at`) against `old` from `at` on."""
    diff: Doc = {}
    periods = _compare_values(billing_periods(old, at), billing_periods(new, at))
    if "changes" in periods:  # said only when they change: the customer's statements fall on other days
        diff["billing_periods"] = periods
    for kind, summarize in _KINDS.items():
        entry = compare_summaries(summarize(old, at), summarize(new, at))
        if entry:
            diff[kind] = entry
    for kind, value_of in _SCALARS.items():
        entry = _compare_values(value_of(old), value_of(new))
        if entry:
            diff[kind] = entry
    return diff


def compare_summaries(before: Summaries, after: Summaries) -> Doc:
    """What `after` adds, removes, changes and keeps of `before` (kinds with nothing left out)."""
    entry: Doc = {
        "adds": [after[k] for k in after if k not in before],
        "removes": [before[k] for k in before if k not in after],
        "changes": [{"before": before[k], "after": after[k]} for k in after if k in before and before[k] != after[k]],
        "keeps": [after[k] for k in after if k in before and before[k] == after[k]],
    }
    return {name: items for name, items in entry.items() if items}


def _compare_values(before: Any, after: Any) -> Doc:
    if before is None and after is None:
        return {}
    if before == after:
        return {"keeps": after}
    if before is None:
        return {"adds": after}
    if after is None:
        return {"removes": before}
    return {"changes": {"before": before, "after": after}}


def _ends_after(window: Doc, at: datetime) -> bool:
    return "ending_before" not in window or parse_timestamp(window["ending_before"]) > at


def _keyed(summaries: Iterable[tuple[str, Doc]]) -> Summaries:
    """Summaries by key; terms sharing a key are one line with their amounts added up."""
    out: Summaries = {}
    for key, summary in summaries:
        if key in out and "amount" in summary:
            out[key] = {**out[key], "amount": out[key].get("amount", 0) + summary["amount"]}
        else:
            out.setdefault(key, summary)
    return out


def _drawdowns(field: str, child_of: str) -> Callable[[Doc, datetime], Summaries]:
    """Commits or credits (not the periods a recurring term created: those are compared as the
    recurring term) with the access still to come from `at`."""

    def summarize(doc: Doc, at: datetime) -> Summaries:
        lines = []
        for term in doc.get(field, []):
            if child_of in term:
                continue
            items = [i for i in term["access_schedule"]["schedule_items"] if _ends_after(i, at)]
            if not items:
                continue
            summary = {
                "type": term.get("type"),
                "product_id": term["product_id"],
                "amount": round(sum(float(i["amount"]) for i in items), 6),
            }
            if term.get("name"):
                summary["name"] = term["name"]
            lines.append((f"{term.get('type')}:{term['product_id']}", summary))
        return _keyed(lines)

    return summarize


def _recurring(field: str) -> Callable[[Doc, datetime], Summaries]:
    def summarize(doc: Doc, at: datetime) -> Summaries:
        lines = []
        for term in doc.get(field, []):
            if not _ends_after(term, at):
                continue
            access = term["access_amount"]
            summary = {
                "product_id": term["product_id"],
                "amount_per_period": float(access["unit_price"]) * float(access.get("quantity", 1)),
                "recurrence_frequency": term.get("recurrence_frequency"),
            }
            lines.append((term["product_id"], {k: v for k, v in summary.items() if v is not None}))
        return _keyed(lines)

    return summarize


def _subscriptions(doc: Doc, at: datetime) -> Summaries:
    lines = []
    for term in doc.get("subscriptions", []):
        if not _ends_after(term, at):
            continue
        rate = term["subscription_rate"]
        summary = {
            "product_id": rate["product_id"],
            "billing_frequency": rate["billing_frequency"],
            "collection_schedule": term.get("collection_schedule"),
            "quantity": _quantity_at(term, at),
        }
        lines.append((rate["product_id"], {k: v for k, v in summary.items() if v is not None}))
    return _keyed(lines)


def _quantity_at(term: Doc, at: datetime) -> Any:
    """The subscription's quantity from `at` on (an edit may have changed it since it started), or at its
    start when that is later."""
    for window in term.get("quantity_schedule", []):
        if "ending_before" not in window or parse_timestamp(window["ending_before"]) > at:
            return window["quantity"]
    return term.get("initial_quantity", 0)


def _overrides(doc: Doc, at: datetime) -> Summaries:
    lines = []
    for term in doc.get("overrides", []):
        if not _ends_after(term, at):
            continue
        applies_to = term.get("product_id") or term.get("override_specifiers")
        summary = {"type": term.get("type", "OVERWRITE" if "overwrite_rate" in term else "MULTIPLIER")}
        summary |= {
            k: term[k] for k in ("product_id", "override_specifiers", "multiplier", "overwrite_rate") if k in term
        }
        lines.append((f"{summary['type']}:{json.dumps(applies_to, sort_keys=True)}", summary))
    return _keyed(lines)


def _scheduled_charges(doc: Doc, at: datetime) -> Summaries:
    lines = []
    for charge in doc.get("scheduled_charges", []):
        items = [i for i in charge["schedule"]["schedule_items"] if parse_timestamp(i["timestamp"]) >= at]
        if items:
            amount = round(sum(float(i["amount"]) for i in items), 6)
            lines.append((charge["product_id"], {"product_id": charge["product_id"], "amount": amount}))
    return _keyed(lines)


def billing_periods(doc: Doc, at: datetime, count: int = 3) -> Doc | None:
    """The usage statement frequency and the next `count` statement boundaries after `at`: what a
    customer sees of its billing periods (two anchors a period apart are the same periods)."""
    schedule = doc.get("usage_statement_schedule")
    if not schedule or "billing_anchor_date" not in schedule:
        return None
    anchor, period = parse_timestamp(schedule["billing_anchor_date"]), FREQUENCY_SPANS[schedule["frequency"]]
    number = first_period_at(anchor, period, at) + 1 if anchor <= at else 0
    try:
        boundaries = [format_timestamp(shift(anchor, period.times(number + i))) for i in range(count)]
    except (ValueError, OverflowError):  # past the year 9999
        boundaries = []
    return {"frequency": schedule["frequency"], "next_statements_at": boundaries}


def _billing_provider(doc: Doc) -> Doc | None:
    config = doc.get("customer_billing_provider_configuration")
    if not config:
        return None
    return {k: config[k] for k in ("id", "billing_provider", "delivery_method") if k in config}


_KINDS: dict[str, Callable[[Doc, datetime], Summaries]] = {
    "commits": _drawdowns("commits", "recurring_commit_id"),
    "credits": _drawdowns("credits", "recurring_credit_id"),
    "recurring_commits": _recurring("recurring_commits"),
    "recurring_credits": _recurring("recurring_credits"),
    "subscriptions": _subscriptions,
    "overrides": _overrides,
    "scheduled_charges": _scheduled_charges,
}
_SCALARS: dict[str, Callable[[Doc], Any]] = {
    "rate_card": lambda doc: doc.get("rate_card_id"),
    "billing_provider": _billing_provider,
    "duration": lambda doc: doc.get("ending_before"),  # compared as the contract's end date
}


def term_summaries(doc: Doc, at: datetime) -> dict[str, list[Doc]]:
    """Each term kind's lines from `at` on, as the diff shows them (edit_carry's `carried`)."""
    return {kind: list(summarize(doc, at).values()) for kind, summarize in _KINDS.items()}
