"""Stored contract document -> the shape of metronome-sdk's shared `Contract` type."""

from typing import Any

from .customers import present_billing_config
from .term_view import USD_CENTS, TermView

Doc = dict[str, Any]

# Terms that live on the contract's `current` / `initial` versions rather than at its top level.
_VERSIONED = (
    "created_at", "created_by", "starting_at", "ending_before", "transitions", "usage_statement_schedule",
    "name", "net_payment_terms_days", "rate_card_id", "multiplier_override_prioritization",
    "scheduled_charges_on_usage_invoices", "prepaid_balance_threshold_configuration",
    "spend_threshold_configuration", "spend_trackers", "netsuite_sales_order_id", "salesforce_opportunity_id",
    "total_contract_value", "professional_services",
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
    products = {spec["product_id"] for spec in term.get("override_specifiers", []) if "product_id" in spec}
    if "product_id" in term:  # the older way to name the one product overridden
        products = {out.pop("product_id")}
    if len(products) == 1:
        out["product"] = view.product(products.pop())
    return out


def _charge(view: TermView, charge: Doc) -> Doc:
    """A scheduled charge or a discount."""
    return {**view.replace_product(charge), "schedule": view.schedule(charge["schedule"])}


def _reseller_royalty(royalty: Doc) -> Doc:
    """The SDK answers a royalty's marketplace options at its top level."""
    out = {k: v for k, v in royalty.items() if k not in ("id", "aws_options", "gcp_options")}
    return {**out, **royalty.get("aws_options", {}), **royalty.get("gcp_options", {})}


def _hierarchy(config: Doc) -> Doc:
    """A child's configuration names its parent; a contract without one is a parent (its children are
    not tracked here, so the list is empty)."""
    if "parent" in config:
        return {k: v for k, v in config.items() if k != "parent_behavior"}
    return {"children": [], **({"parent_behavior": config["parent_behavior"]} if "parent_behavior" in config else {})}


def _usage_filter(usage_filter: Doc) -> Doc:
    return {"initial": usage_filter, "current": usage_filter, "updates": []}


def present_terms(doc: Doc, product_names: dict[str, str]) -> Doc:
    """The contract's term lists as the SDK reads them (also an edit's added terms: contract_edit_view)."""
    view = TermView(product_names)
    return {
        "commits": [_commit(view, c) for c in doc.get("commits", [])],
        "credits": [_commit(view, c) for c in doc.get("credits", [])],
        "recurring_commits": [_recurring(view, t) for t in doc.get("recurring_commits", [])],
        "recurring_credits": [_recurring(view, t) for t in doc.get("recurring_credits", [])],
        "scheduled_charges": [_charge(view, c) for c in doc.get("scheduled_charges", [])],
        "overrides": [_override(view, o) for o in doc.get("overrides", [])],
        "subscriptions": [_subscription(view, s) for s in doc.get("subscriptions", [])],
    }


def present_contract(doc: Doc, product_names: dict[str, str], archived_at: str | None) -> Doc:
    view = TermView(product_names)
    version = {name: doc[name] for name in _VERSIONED if name in doc}
    terms = present_terms(doc, product_names)
    subscriptions = terms.pop("subscriptions")
    version.update(terms)
    if "discounts" in doc:
        version["discounts"] = [_charge(view, d) for d in doc["discounts"]]
    if "reseller_royalties" in doc:
        version["reseller_royalties"] = [_reseller_royalty(r) for r in doc["reseller_royalties"]]
    if "hierarchy_configuration" in doc:
        version["hierarchy_configuration"] = _hierarchy(doc["hierarchy_configuration"])
    if "usage_filter" in doc:
        version["usage_filter"] = _usage_filter(doc["usage_filter"])
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
        "subscriptions": subscriptions,
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
    usage_filter = [doc["usage_filter"]] if "usage_filter" in doc else []
    return {**view, **version, "transitions": version.get("transitions", []), "usage_filter": usage_filter}
