"""Stored package document <-> the shape of metronome-sdk's `package_retrieve_response`.

The stored document is the validated create request plus the ids the service assigned. The view
expands product ids to `{id, name}`, credit type ids to `{id, name}`, renames the template-id
fields the way Metronome reports them, and fills the defaults the response type requires.
"""

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from .aliases import AliasAssignment, effective_windows
from .base import format_timestamp
from .term_view import ProductNames, TermView

if TYPE_CHECKING:  # the request model (and every term shape) is the API's alone: workers never load it
    from .package import PackageCreate

Doc = dict[str, Any]

_TERM_LISTS = (
    "commits",
    "credits",
    "recurring_commits",
    "recurring_credits",
    "scheduled_charges",
    "subscriptions",
    "overrides",
)


def _with_ids(items: list[Doc]) -> list[Doc]:
    return [{"id": str(uuid4()), **item} for item in items]


def new_package_document(request: "PackageCreate", package_id: str, created_at: datetime, created_by: str) -> Doc:
    """The record to store: the request as validated (upper-case units, canonical ids) plus ids."""
    terms = request.model_dump(mode="json", exclude_none=True)
    for field in _TERM_LISTS:
        terms[field] = _with_ids(terms.get(field, []))
    for term in terms["commits"] + terms["credits"]:
        term["access_schedule"]["schedule_items"] = _with_ids(term["access_schedule"]["schedule_items"])
        if "invoice_schedule" in term:
            term["invoice_schedule"]["schedule_items"] = _with_ids(term["invoice_schedule"]["schedule_items"])
    for charge in terms["scheduled_charges"]:
        charge["schedule"]["schedule_items"] = _with_ids(charge["schedule"]["schedule_items"])
    return {"id": package_id, "created_at": format_timestamp(created_at), "created_by": created_by, **terms}


def present_aliases(record_id: str, names: list[str], histories: dict[str, list[AliasAssignment]]) -> list[Doc]:
    """The alias windows this record still holds after newer assignments trimmed it."""
    aliases: list[Doc] = []
    for name in names:
        for start, end in effective_windows(histories.get(name, []), record_id):
            alias: Doc = {"name": name}
            if start is not None:
                alias["starting_at"] = format_timestamp(start)
            if end is not None:
                alias["ending_before"] = format_timestamp(end)
            aliases.append(alias)
    return aliases


def present_package(
    doc: Doc,
    product_names: ProductNames,
    histories: dict[str, list[AliasAssignment]],
    archived_at: str | None,
) -> Doc:
    template_ids = {t["temporary_id"]: t["id"] for f in _TERM_LISTS for t in doc.get(f, []) if "temporary_id" in t}
    view = TermView(product_names, template_ids)
    shapers: dict[str, Callable[[Doc], Doc]] = {
        "commits": view.commit_or_credit,
        "credits": lambda term: {**view.commit_or_credit(term), "type": "CREDIT"},
        "recurring_commits": view.recurring,
        "recurring_credits": view.recurring,
        "scheduled_charges": view.scheduled_charge,
        "subscriptions": view.subscription,
        "overrides": view.override,
    }
    out = {k: v for k, v in doc.items() if k not in shapers and k != "aliases"}
    for field, shape in shapers.items():
        out[field] = [shape(term) for term in doc.get(field, [])]
    out["aliases"] = present_aliases(doc["id"], [a["name"] for a in doc.get("aliases", [])], histories)
    out.setdefault("usage_statement_schedule", {"frequency": "MONTHLY", "day": "FIRST_OF_MONTH"})
    out.setdefault("multiplier_override_prioritization", "LOWEST_MULTIPLIER")
    out["archived_at"] = archived_at
    return out


def named_product_ids(doc: Doc) -> set[str]:
    """Products a package or contract view shows as `{id, name}`: term products, subscription
    rates and single-product override specifiers. Both documents use the same field names."""
    term_lists = ("commits", "credits", "recurring_commits", "recurring_credits", "scheduled_charges", "discounts")
    ids = {term["product_id"] for field in term_lists for term in doc.get(field, [])}
    ids |= {s["subscription_rate"]["product_id"] for s in doc.get("subscriptions", [])}
    ids |= {
        spec["product_id"]
        for override in doc.get("overrides", [])
        for spec in override.get("override_specifiers", [])
        if "product_id" in spec
    }
    ids |= {override["product_id"] for override in doc.get("overrides", []) if "product_id" in override}
    return ids
