"""Stored terms -> the shapes Metronome reports them in, shared by the package view (package_view.py)
and the contract view (contract_view.py)."""

from typing import Any

Doc = dict[str, Any]
ProductNames = dict[str, str]

USD_CENTS = {"id": "2714e483-4ff1-48e4-9e25-ac732e8f24f2", "name": "USD (cents)"}


def credit_type(credit_type_id: str | None) -> dict[str, str]:
    """Without a credit-types catalog, a custom credit type reports its id as its name."""
    if credit_type_id is None or credit_type_id == USD_CENTS["id"]:
        return dict(USD_CENTS)
    return {"id": credit_type_id, "name": credit_type_id}


class TermView:
    """Shapes stored terms as Metronome reports them: products and credit types expanded to `{id, name}`,
    template references by their ids, the defaults the SDK's types require."""

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
        out.setdefault("type", override_kind(override))
        return out


def override_kind(override: Doc) -> str:
    if override.get("tiers"):
        return "TIERED"
    return "OVERWRITE" if "overwrite_rate" in override else "MULTIPLIER"
