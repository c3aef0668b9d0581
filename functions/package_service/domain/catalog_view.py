"""Stored catalog documents -> the shapes of metronome-sdk's product and rate card responses."""

from datetime import datetime
from typing import Any

from .aliases import AliasAssignment
from .base import format_timestamp
from .package_view import present_aliases
from .term_view import credit_type

Doc = dict[str, Any]


def present_product(doc: Doc, archived_at: str | None, updates: list[Doc], now: datetime) -> Doc:
    """`initial` as created; `current` with every update that has taken effect by `now`, in order of
    `starting_at` (then of making); `updates` as made."""
    initial = {k: v for k, v in doc.items() if k not in ("id", "type", "custom_fields")}
    current = dict(initial)
    moment = format_timestamp(now)
    for update in sorted(updates, key=lambda u: (u["starting_at"], u["created_at"])):
        if update["starting_at"] <= moment:
            current.update({k: v for k, v in update.items() if k not in ("starting_at", "created_at", "created_by")})
    return {
        "id": doc["id"],
        "type": doc["type"],
        "current": current,
        "initial": initial,
        "updates": updates,
        "archived_at": archived_at,
        "custom_fields": doc.get("custom_fields", {}),
    }


def product_name(doc: Doc, updates: list[Doc], now: datetime) -> str:
    name: str = present_product(doc, None, updates, now)["current"]["name"]
    return name


def updated_rate_card(doc: Doc, updates: list[Doc]) -> Doc:
    """The rate card with its updates applied in order: name and description replaced, aliases and
    credit type conversions added."""
    card = dict(doc)
    for update in updates:
        card.update({k: update[k] for k in ("name", "description") if k in update})
        known = {alias["name"] for alias in card.get("aliases", [])}
        card["aliases"] = [*card.get("aliases", []), *(a for a in update.get("aliases", []) if a["name"] not in known)]
        card["credit_type_conversions"] = [
            *card.get("credit_type_conversions", []),
            *update.get("add_credit_type_conversions", []),
        ]
    return card


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
