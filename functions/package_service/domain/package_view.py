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

if TYPE_CHECKING:  # the request model (and every term shape) is the API's alone: workers never load it
    from .package import PackageCreate

USD_CENTS = {"id": "2714e483-4ff1-48e4-9e25-ac732e8f24f2", "name": "USD (cents)"}

Doc = dict[str, Any]
ProductNames = dict[str, str]

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


def credit_type(credit_type_id: str | None) -> dict[str, str]:
    """Without a credit-types catalog, a custom credit type reports its id as its name."""
    if credit_type_id is None or credit_type_id == USD_CENTS["id"]:
        return dict(USD_CENTS)
    return {"id": credit_type_id, "name": credit_type_id}


class TermView:
    def __init__(self, product_names: ProductNames, template_ids: dict[str, str] | None = None) -> None:
        self.product_names = product_names
        # A package's terms refer to each other by `temporary_id`; its answer names them by their ids.
        self.template_ids = template_ids or {}

    def template_id(self, reference: str) -> str:
        return self.template_ids.get(reference, reference)

    def product(self, product_id: str) -> dict[str, str]:
        return {"id": product_id, "name": self.product_names.get(product_id, "")}

    def replace_product(self, term: Doc) -> Doc:
        out = {k: v for k, v in term.items() if k != "product_id"}
        out["product"] = self.product(term["product_id"])
        return out

    def schedule(self, schedule: Doc, *, invoice: bool = False) -> Doc:
        out = {k: v for k, v in schedule.items() if k != "credit_type_id"}
        out["credit_type"] = credit_type(schedule.get("credit_type_id"))
        if invoice:
            out.setdefault("do_not_invoice", False)
        return out

    def commit_or_credit(self, term: Doc) -> Doc:
        out = self.replace_product(term)
        out.pop("temporary_id", None)
        out["access_schedule"] = self.schedule(term["access_schedule"])
        if "invoice_schedule" in term:
            out["invoice_schedule"] = self.schedule(term["invoice_schedule"], invoice=True)
        return out

    def recurring(self, term: Doc) -> Doc:
        out = self.replace_product(term)
        out.pop("temporary_id", None)
        out["access_amount"] = {**term["access_amount"]}
        out["access_amount"].setdefault("credit_type_id", USD_CENTS["id"])
        out.setdefault("rate_type", "COMMIT_RATE")
        config = term.get("subscription_config")
        if config:
            out["subscription_config"] = {
                "allocation": config.get("allocation", "POOLED"),
                "apply_seat_increase_config": config["apply_seat_increase_config"],
                "subscription_template_id": self.template_id(config["subscription_id"]),
            }
        return out

    def scheduled_charge(self, charge: Doc) -> Doc:
        out = self.replace_product(charge)
        out["schedule"] = self.schedule(charge["schedule"])
        return out

    def subscription(self, subscription: Doc) -> Doc:
        out = {k: v for k, v in subscription.items() if k != "temporary_id"}
        rate = subscription["subscription_rate"]
        out["subscription_rate"] = {
            "billing_frequency": rate["billing_frequency"],
            "product": self.product(rate["product_id"]),
        }
        out["proration"] = {
            "invoice_behavior": "BILL_IMMEDIATELY",
            "is_prorated": True,
            **subscription["proration"],
        }
        out.setdefault("quantity_management_mode", "QUANTITY_ONLY")
        out.setdefault("fiat_credit_type_id", USD_CENTS["id"])
        return out

    def override(self, override: Doc) -> Doc:
        renamed = {
            "commit_ids": "commit_template_ids",
            "recurring_commit_ids": "recurring_commit_template_ids",
            "any_commit_or_credit_ids": "any_commit_or_credit_template_ids",
        }
        out = {k: v for k, v in override.items() if k not in ("tiers", "override_specifiers")}
        out["override_specifiers"] = [
            {renamed.get(k, k): ([self.template_id(i) for i in v] if k in renamed else v) for k, v in spec.items()}
            for spec in override["override_specifiers"]
        ]
        if "tiers" in override:
            out["override_tiers"] = override["tiers"]
        rate = override.get("overwrite_rate")
        if rate:
            out["overwrite_rate"] = {k: v for k, v in rate.items() if k != "credit_type_id"}
            out["overwrite_rate"]["credit_type"] = credit_type(rate.get("credit_type_id"))
        product_ids = {spec["product_id"] for spec in override["override_specifiers"] if "product_id" in spec}
        if len(product_ids) == 1:
            out["product"] = self.product(product_ids.pop())
        out.setdefault("type", _override_kind(override))
        return out


def _override_kind(override: Doc) -> str:
    if override.get("tiers"):
        return "TIERED"
    return "OVERWRITE" if "overwrite_rate" in override else "MULTIPLIER"


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
