"""Stored contract document -> the shape of metronome-sdk's shared `Contract` type."""

from typing import Any

from .customers import present_billing_config
from .package_view import USD_CENTS, TermView

Doc = dict[str, Any]

# Terms that live on the contract's `current` / `initial` versions rather than at its top level.
_VERSIONED = (
    "created_at", "created_by", "starting_at", "ending_before", "transitions", "usage_statement_schedule",
    "name", "net_payment_terms_days", "rate_card_id", "multiplier_override_prioritization",
    "scheduled_charges_on_usage_invoices", "prepaid_balance_threshold_configuration",
    "spend_threshold_configuration", "spend_trackers",
)  # fmt: skip


def _commit(view: TermView, term: Doc) -> Doc:
    out = view.replace_product(term)
    out["access_schedule"] = view.schedule(term["access_schedule"])
    if "invoice_schedule" in term:
        out["invoice_schedule"] = view.schedule(term["invoice_schedule"], invoice=True)
    return out


def _recurring(view: TermView, term: Doc) -> Doc:
    out = view.replace_product(term)
    out["access_amount"] = {"credit_type_id": USD_CENTS["id"], **term["access_amount"]}
    out.setdefault("rate_type", "COMMIT_RATE")
    config = term.get("subscription_config")
    if config:
        out["subscription_config"] = {"allocation": "POOLED", **config}
    return out


def _subscription(view: TermView, term: Doc) -> Doc:
    out = dict(term)
    rate = term["subscription_rate"]
    out["subscription_rate"] = {
        "billing_frequency": rate["billing_frequency"],
        "product": view.product(rate["product_id"]),
    }
    out["proration"] = {"invoice_behavior": "BILL_IMMEDIATELY", "is_prorated": True, **term["proration"]}
    out.setdefault("fiat_credit_type_id", USD_CENTS["id"])
    return out


def _override(view: TermView, term: Doc) -> Doc:
    out = {k: v for k, v in term.items() if k != "tiers"}
    if "tiers" in term:
        out["override_tiers"] = term["tiers"]
    rate = term.get("overwrite_rate")
    if rate:
        out["overwrite_rate"] = view.schedule(rate)
    products = {spec["product_id"] for spec in term["override_specifiers"] if "product_id" in spec}
    if len(products) == 1:
        out["product"] = view.product(products.pop())
    return out


def present_contract(doc: Doc, product_names: dict[str, str], archived_at: str | None) -> Doc:
    view = TermView(product_names)
    version = {name: doc[name] for name in _VERSIONED if name in doc}
    version.update(
        commits=[_commit(view, c) for c in doc.get("commits", [])],
        credits=[_commit(view, c) for c in doc.get("credits", [])],
        recurring_commits=[_recurring(view, t) for t in doc.get("recurring_commits", [])],
        recurring_credits=[_recurring(view, t) for t in doc.get("recurring_credits", [])],
        scheduled_charges=[
            {**view.replace_product(c), "schedule": view.schedule(c["schedule"])}
            for c in doc.get("scheduled_charges", [])
        ],
        overrides=[_override(view, o) for o in doc.get("overrides", [])],
    )
    config = doc.get("customer_billing_provider_configuration")
    return {
        "id": doc["id"],
        "customer_id": doc["customer_id"],
        "package_id": doc.get("package_id"),
        "archived_at": archived_at,
        "amendments": [],
        "current": version,
        "initial": version,
        "custom_fields": doc.get("custom_fields", {}),
        "customer_billing_provider_configuration": present_billing_config(doc["customer_id"], config)
        if config
        else None,
        "subscriptions": [_subscription(view, s) for s in doc.get("subscriptions", [])],
        "uniqueness_key": doc.get("uniqueness_key"),
        "scheduled_charges_on_usage_invoices": doc.get("scheduled_charges_on_usage_invoices"),
        "prepaid_balance_threshold_configuration": doc.get("prepaid_balance_threshold_configuration"),
        "spend_threshold_configuration": doc.get("spend_threshold_configuration"),
        "spend_trackers": doc.get("spend_trackers", []),
        "billing_anchor_date": doc.get("billing_anchor_date"),
    }


def present_created_contract(doc: Doc, product_names: dict[str, str]) -> Doc:
    """The shape of `ContractCreateResponse.data.contract`: the contract as created, its terms at the top
    level (no `current` / `initial` versions, no amendments)."""
    view = present_contract(doc, product_names, None)
    version = view.pop("current")
    del view["initial"], view["amendments"]
    return {**view, **version, "transitions": version.get("transitions", []), "usage_filter": []}
