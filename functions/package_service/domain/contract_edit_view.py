"""The v2 shapes: a contract as metronome-sdk's `ContractV2` reads it (`/v2/contracts/get`, `list`) and an
edit as `contract_get_edit_history_response.Data` does. The terms are presented by contract_view's own
functions, so v1 and v2 cannot disagree about a commit."""

from typing import Any

from .contract_view import present_created_contract, present_terms
from .edit_apply import ADDED

Doc = dict[str, Any]


def present_contract_v2(doc: Doc, product_names: dict[str, str], archived_at: str | None) -> Doc:
    """The contract flat (its terms at the top level, as `create` answers it), with its archive date; v2
    groups reseller royalties by reseller type, each a list of segments."""
    out = {**present_created_contract(doc, product_names), "archived_at": archived_at}
    if "reseller_royalties" in out:
        by_type: dict[str, list[Doc]] = {}
        for royalty in out["reseller_royalties"]:
            by_type.setdefault(royalty["reseller_type"], []).append(royalty)
        out["reseller_royalties"] = [{"reseller_type": t, "segments": s} for t, s in by_type.items()]
    return out


def present_edit(edit: Doc, product_names: dict[str, str]) -> Doc:
    """One stored edit as the edit history lists it: added terms presented as a contract presents them."""
    added = present_terms(
        {term_field: edit[field] for field, term_field in ADDED.items() if field in edit}, product_names
    )
    out = {k: v for k, v in edit.items() if k not in ADDED}
    for field, term_field in ADDED.items():
        if field in edit:
            out[field] = added[term_field]
    if "update_subscriptions" in out:  # open-ended: the history type has no null for a subscription's end
        out["update_subscriptions"] = [
            {k: v for k, v in update.items() if v is not None} for update in out["update_subscriptions"]
        ]
    if out.get("update_contract_end_date", "") is None:
        del out["update_contract_end_date"]
    return out
