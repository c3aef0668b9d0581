"""A contract as its edits have made it. Pure: the stored document never changes; each edit is stored
beside it (decision 0017) in the form `contract_edits.plan_edit` made of the request (ids assigned, added
terms whole), and every read replays the edits in the order they were written.

An edit that moves the contract's end cuts its terms exactly as a transition does (transitions.py); one
that extends it carries every term that ran to the old end on to the new one."""

from datetime import datetime
from typing import Any

from .base import parse_timestamp
from .transitions import cut_contract

Doc = dict[str, Any]

# The edit's lists of terms it adds, and the contract field each one joins.
ADDED = {
    "add_commits": "commits",
    "add_credits": "credits",
    "add_overrides": "overrides",
    "add_scheduled_charges": "scheduled_charges",
    "add_subscriptions": "subscriptions",
}
# The edit's lists of ids it takes away, and the contract field each one leaves.
REMOVED = {
    "archive_commits": "commits",
    "archive_credits": "credits",
    "archive_scheduled_charges": "scheduled_charges",
    "remove_overrides": "overrides",
}
_DRAWDOWN_FIELDS = (
    "applicable_product_ids", "applicable_product_tags", "description", "hierarchy_configuration", "name",
    "netsuite_sales_order_id", "priority", "product_id", "rate_type", "rollover_fraction", "specifiers",
)  # fmt: skip


def contract_as_of(doc: Doc, edits: list[Doc], as_of: datetime | None = None) -> Doc:
    """`doc` with every edit made before `as_of` (all of them when None) applied, in order."""
    for edit in edits:
        if as_of is not None and parse_timestamp(edit["timestamp"]) > as_of:
            break
        doc = apply_edit(doc, edit)
    return doc


def apply_edit(doc: Doc, edit: Doc) -> Doc:
    out = dict(doc)
    for field, term_field in REMOVED.items():
        gone = {ref["id"] for ref in edit.get(field, [])}
        if gone:
            out[term_field] = [t for t in out.get(term_field, []) if t["id"] not in gone]
    for field, term_field in ADDED.items():
        if field in edit:
            out[term_field] = [*out.get(term_field, []), *edit[field]]
    for field, term_field in (("update_commits", "commits"), ("update_credits", "credits")):
        for update in edit.get(field, []):
            out[term_field] = [updated_drawdown(t, update) if t["id"] == update["id"] else t for t in out[term_field]]
    for update in edit.get("update_subscriptions", []):
        out["subscriptions"] = [
            _updated_subscription(s, update) if s["id"] == update["id"] else s for s in out["subscriptions"]
        ]
    if "update_contract_name" in edit:
        out["name"] = edit["update_contract_name"]
        if out["name"] is None:
            del out["name"]
    if "update_contract_end_date" in edit:
        out = ended_at(out, edit["update_contract_end_date"])
    return out


def ended_at(doc: Doc, ending_before: str | None) -> Doc:
    """The contract with its end moved: earlier cuts its terms as a transition would (future invoices
    removed, a postpaid true-up kept); later (or open-ended) carries the terms that ran to the old end."""
    old = doc.get("ending_before")
    if ending_before is not None and (old is None or parse_timestamp(ending_before) < parse_timestamp(old)):
        return cut_contract(doc, parse_timestamp(ending_before))
    if old is None or ending_before == old:
        return doc
    out = {**doc, "ending_before": ending_before}
    for field in ("subscriptions", "overrides", "recurring_commits", "recurring_credits", "reseller_royalties"):
        if field in doc:
            out[field] = [_extended(term, old, ending_before) for term in doc[field]]
    return out


def _extended(term: Doc, old_end: str, new_end: str | None) -> Doc:
    """A term that ran to the contract's old end runs to its new one (its last quantity with it)."""
    if term.get("ending_before") != old_end:
        return term
    out = {k: v for k, v in term.items() if k != "ending_before"} | ({"ending_before": new_end} if new_end else {})
    if "quantity_schedule" in term:
        out["quantity_schedule"] = [_extended(q, old_end, new_end) for q in term["quantity_schedule"]]
    return out


def updated_drawdown(term: Doc, update: Doc) -> Doc:
    out = dict(term)
    for field in _DRAWDOWN_FIELDS:
        if field in update:
            if update[field] is None:
                out.pop(field, None)
            else:
                out[field] = update[field]
    if "access_schedule" in update:
        out["access_schedule"] = _updated_schedule(term["access_schedule"], update["access_schedule"])
    if "invoice_schedule" in update and "invoice_schedule" in term:
        out["invoice_schedule"] = _updated_schedule(term["invoice_schedule"], update["invoice_schedule"])
    return out


def _updated_schedule(schedule: Doc, update: Doc) -> Doc:
    """Items removed, changed in place, then added (each added item carries the id the edit gave it)."""
    gone = {ref["id"] for ref in update.get("remove_schedule_items", [])}
    changes = {item["id"]: item for item in update.get("update_schedule_items", [])}
    items = [{**item, **changes.get(item["id"], {})} for item in schedule["schedule_items"] if item["id"] not in gone]
    items += update.get("add_schedule_items", [])
    return {**schedule, "schedule_items": items}


def _updated_subscription(subscription: Doc, update: Doc) -> Doc:
    out = dict(subscription)
    if "name" in update:
        out["name"] = update["name"]
    for change in update.get("quantity_updates", []):
        out["quantity_schedule"] = quantity_from(out["quantity_schedule"], change)
    if "ending_before" in update:  # as the contract's own end moves (validated: after the start)
        own_end = {"ending_before": subscription.get("ending_before"), "subscriptions": [out]}
        out = ended_at(own_end, update["ending_before"])["subscriptions"][0]
    return out


def quantity_from(schedule: list[Doc], change: Doc) -> list[Doc]:
    """The quantity schedule once `change` applies from its `starting_at` on: every window before it stays
    as it was; from it on the quantity is `quantity`, or each later window's moves by `quantity_delta`."""
    at = change["starting_at"]
    moment = parse_timestamp(at)
    out: list[Doc] = []
    for window in schedule:
        start = parse_timestamp(window["starting_at"])
        end = window.get("ending_before")
        if end is not None and parse_timestamp(end) <= moment:
            out.append(window)
            continue
        if start < moment:  # spans the change: its part before it stays
            out.append({**window, "ending_before": at})
            window = {**window, "starting_at": at}
        quantity = change["quantity"] if "quantity" in change else window["quantity"] + change["quantity_delta"]
        out.append({**window, "quantity": quantity})
    return _merged(out)


def _merged(schedule: list[Doc]) -> list[Doc]:
    """Adjacent windows with the same quantity are one window."""
    out: list[Doc] = []
    for window in schedule:
        if out and out[-1]["quantity"] == window["quantity"] and out[-1].get("ending_before") == window["starting_at"]:
            last = {k: v for k, v in out[-1].items() if k != "ending_before"}
            out[-1] = last | ({"ending_before": window["ending_before"]} if "ending_before" in window else {})
        else:
            out.append(window)
    return out
