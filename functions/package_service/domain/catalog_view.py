"""Stored catalog documents -> the shapes of metronome-sdk's product and rate card responses."""

from typing import Any

from .aliases import AliasAssignment
from .package_view import credit_type, present_aliases

Doc = dict[str, Any]


def present_product(doc: Doc, archived_at: str | None) -> Doc:
    state = {k: v for k, v in doc.items() if k not in ("id", "type", "custom_fields")}
    return {
        "id": doc["id"],
        "type": doc["type"],
        "current": state,
        "initial": state,
        "updates": [],
        "archived_at": archived_at,
        "custom_fields": doc.get("custom_fields", {}),
    }


def present_rate_card(doc: Doc, histories: dict[str, list[AliasAssignment]], archived_at: str | None) -> Doc:
    out = {k: v for k, v in doc.items() if k not in ("aliases", "credit_type_conversions", "fiat_credit_type_id")}
    out["aliases"] = present_aliases(doc["id"], [a["name"] for a in doc.get("aliases", [])], histories)
    out["credit_type_conversions"] = [
        {
            "custom_credit_type": credit_type(conversion["custom_credit_type_id"]),
            "fiat_per_custom_credit": str(conversion["fiat_per_custom_credit"]),
        }
        for conversion in doc.get("credit_type_conversions", [])
    ]
    out["fiat_credit_type"] = credit_type(doc.get("fiat_credit_type_id"))
    out["archived_at"] = archived_at
    return out
