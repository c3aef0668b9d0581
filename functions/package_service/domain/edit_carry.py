"""A package migration carries each contract's own edits to its successor (decision 0017): the terms an edit
added (a negotiated override, an extra credit...) that are still there from `effective_at` on, and the
seat counts an edit set. Pure.

Carried terms run from `effective_at` (what came before stays with the old contract) to the successor's
end (cut there as a transition cuts), with new ids. A carried seat count replaces the quantity the
package gives the successor's subscription on the same product, from the successor's start on; the last
count runs to the successor subscription's end (a FULL_TERM or END_OF_TERM successor outlasts the old end)."""

from datetime import datetime
from typing import Any
from uuid import uuid4

from .base import format_timestamp, parse_timestamp
from .edit_apply import ADDED
from .migration_diff import term_summaries
from .transitions import cut_contract

Doc = dict[str, Any]


def carried_terms(current: Doc, edits: list[Doc], at: datetime) -> Doc:
    """What `current` (the contract as its edits made it) carries to a successor starting at `at`:
    `{term field: [terms]}` and `seats`: `{product id: quantity schedule from at}`."""
    added = {term["id"] for edit in edits for field in ADDED for term in edit.get(field, [])}
    # Whatever ends by `at` stays behind: the contract cut at its end, minus the contract cut at `at`.
    carried: Doc = {}
    for term_field in ADDED.values():
        terms = [_from(term, term_field, at) for term in current.get(term_field, []) if term["id"] in added]
        kept = [term for term in terms if term is not None]
        if kept:
            carried[term_field] = kept
    resized = {u["id"] for edit in edits for u in edit.get("update_subscriptions", []) if "quantity_updates" in u}
    seats = {
        s["subscription_rate"]["product_id"]: _seat_counts(s["quantity_schedule"], at)
        for s in current.get("subscriptions", [])
        if s["id"] in resized and s["id"] not in added
    }
    seats = {product: schedule for product, schedule in seats.items() if schedule}
    if seats:
        carried["seats"] = seats
    return carried


def with_carried(doc: Doc, carried: Doc) -> Doc:
    """The successor `doc` with what its predecessor's edits carry, within its own term."""
    if not carried:
        return doc
    terms = {field: [{**term, "id": str(uuid4())} for term in carried.get(field, [])] for field in ADDED.values()}
    start = doc["starting_at"]
    end = doc.get("ending_before")
    within = cut_contract({**terms, "ending_before": None}, parse_timestamp(end)) if end else terms
    out = dict(doc)
    for field in ADDED.values():
        if within.get(field):
            out[field] = [*doc.get(field, []), *within[field]]
    seats = carried.get("seats", {})
    out["subscriptions"] = [
        _resized(s, seats[s["subscription_rate"]["product_id"]], start) if s["subscription_rate"]["product_id"] in seats
        else s
        for s in out.get("subscriptions", [])
    ]  # fmt: skip
    return out


def carried_diff(carried: Doc, at: datetime) -> Doc:
    """The plan diff's `carried`: per term kind, what the customer's own edits bring along."""
    summaries = term_summaries({k: v for k, v in carried.items() if k != "seats"}, at)
    out: Doc = {kind: lines for kind, lines in summaries.items() if lines}
    if "seats" in carried:
        out["seats"] = [
            {"product_id": product, "quantity": schedule[0]["quantity"]}
            for product, schedule in carried["seats"].items()
        ]
    return out


def _from(term: Doc, term_field: str, at: datetime) -> Doc | None:
    """The part of `term` from `at` on (None when nothing is left)."""
    stamp = format_timestamp(at)
    if term_field in ("overrides", "subscriptions"):
        if "ending_before" in term and parse_timestamp(term["ending_before"]) <= at:
            return None
        out = {**term, "starting_at": max(term["starting_at"], stamp, key=parse_timestamp)}
        if "quantity_schedule" in term:
            out["quantity_schedule"] = _windows_from(term["quantity_schedule"], at)
        return out
    if term_field == "scheduled_charges":
        items = [i for i in term["schedule"]["schedule_items"] if parse_timestamp(i["timestamp"]) >= at]
        return {**term, "schedule": {**term["schedule"], "schedule_items": items}} if items else None
    access = [
        {**item, "starting_at": max(item["starting_at"], stamp, key=parse_timestamp)}
        for item in term["access_schedule"]["schedule_items"]
        if parse_timestamp(item["ending_before"]) > at
    ]
    if not access:
        return None
    out = {**term, "access_schedule": {**term["access_schedule"], "schedule_items": access}}
    if "invoice_schedule" in term:
        invoices = [i for i in term["invoice_schedule"]["schedule_items"] if parse_timestamp(i["timestamp"]) >= at]
        out["invoice_schedule"] = {**term["invoice_schedule"], "schedule_items": invoices}
    return out


def _windows_from(schedule: list[Doc], at: datetime) -> list[Doc]:
    stamp = format_timestamp(at)
    return [
        {**w, "starting_at": max(w["starting_at"], stamp, key=parse_timestamp)}
        for w in schedule
        if "ending_before" not in w or parse_timestamp(w["ending_before"]) > at
    ]


def _seat_counts(schedule: list[Doc], at: datetime) -> list[Doc]:
    """The seat counts from `at` on, the last one open-ended: it is the customer's count when the old contract
    ends, so it runs on through a successor's own (longer) term rather than stopping at the old end. At the
    end of term (`at` is where the last count ends) that last count is what carries."""
    windows = _windows_from(schedule, at)
    if (
        not windows
        and schedule
        and "ending_before" in schedule[-1]
        and parse_timestamp(schedule[-1]["ending_before"]) == at
    ):
        windows = [{**schedule[-1], "starting_at": format_timestamp(at)}]
    if windows:
        windows[-1] = {k: v for k, v in windows[-1].items() if k != "ending_before"}
    return windows


def _resized(subscription: Doc, schedule: list[Doc], start: str) -> Doc:
    """The successor's subscription with the carried quantities over its own window."""
    first = max(subscription["starting_at"], start, key=parse_timestamp)
    end = subscription.get("ending_before")
    windows = []
    for window in schedule:
        if end is not None and parse_timestamp(window["starting_at"]) >= parse_timestamp(end):
            break
        clipped = {**window, "starting_at": max(window["starting_at"], first, key=parse_timestamp)}
        clipped.pop("ending_before", None)
        if window.get("ending_before") and (
            end is None or parse_timestamp(window["ending_before"]) < parse_timestamp(end)
        ):
            clipped["ending_before"] = window["ending_before"]
        elif end is not None:
            clipped["ending_before"] = end
        windows.append(clipped)
    if not windows:
        return subscription
    return {**subscription, "quantity_schedule": windows, "initial_quantity": windows[0]["quantity"]}
