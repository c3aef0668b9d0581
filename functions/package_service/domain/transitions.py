"""A contract transitioned from ends where its successor starts: its terms are cut as an early end date
cuts them in Metronome. Pure: the stored document never changes; this computes the contract as it now is.

The rule, at the cut `at`:
- the contract ends before `at` (if it ended later, or never);
- schedule items starting at or after `at` are removed; items spanning it end at it;
- subscriptions, overrides, recurring commits/credits and reseller royalties starting at or after `at` are
  removed, the others end at it (if they ended later, or never);
- invoice items, scheduled charges and discounts dated at or after `at` are removed, except the invoices of postpaid
  commits (their true-up) when `trueup` is AS_IS, the default;
- a commit, credit or scheduled charge with nothing left is removed;
- nothing that ended before `at` changes.
"""

from datetime import datetime
from typing import Any, Literal

from .base import format_timestamp, parse_timestamp

Doc = dict[str, Any]
Trueup = Literal["AS_IS", "REMOVE"]


def ended_by(ending_before: str | None, at: datetime) -> str:
    """The contract's end once a transition at `at` ends it: `at`, unless it ended earlier."""
    return _Cut(at, format_timestamp(at)).end(ending_before)


def cut_contract(doc: Doc, at: datetime, trueup: Trueup = "AS_IS") -> Doc:
    """`doc` (a resolved contract) as it is once it ends at `at`."""
    cut = _Cut(at, format_timestamp(at))
    out = dict(doc)
    out["ending_before"] = cut.end(doc.get("ending_before"))
    out["commits"] = [c for c in (cut.commit(c, trueup) for c in doc.get("commits", [])) if c]
    out["credits"] = [c for c in (cut.commit(c, trueup) for c in doc.get("credits", [])) if c]
    for field in ("recurring_commits", "recurring_credits", "subscriptions", "overrides", "reseller_royalties"):
        if field in doc:
            out[field] = [t for t in (cut.window(t) for t in doc[field]) if t]
    for field in ("scheduled_charges", "discounts"):
        if field in doc:
            out[field] = [c for c in (cut.charge(c) for c in doc[field]) if c]
    return out


class _Cut:
    def __init__(self, at: datetime, text: str) -> None:
        self.at, self.text = at, text

    def before(self, timestamp: str) -> bool:
        return parse_timestamp(timestamp) < self.at

    def end(self, ending_before: str | None) -> str:
        """An end that is at `at` at the latest."""
        return ending_before if ending_before is not None and self.before(ending_before) else self.text

    def window(self, term: Doc) -> Doc | None:
        """A term with `starting_at` and an optional `ending_before`: gone if it starts at the cut or
        later, else ending at the cut at the latest (a subscription's quantity schedule likewise)."""
        if not self.before(term["starting_at"]):
            return None
        out = {**term, "ending_before": self.end(term.get("ending_before"))}
        if "quantity_schedule" in term:
            out["quantity_schedule"] = [w for w in (self.window(q) for q in term["quantity_schedule"]) if w]
        return out

    def points(self, schedule: Doc, keep_after: bool = False) -> Doc:
        items = [i for i in schedule["schedule_items"] if keep_after or self.before(i["timestamp"])]
        return {**schedule, "schedule_items": items}

    def commit(self, term: Doc, trueup: Trueup) -> Doc | None:
        access = [w for w in (self.window(i) for i in term["access_schedule"]["schedule_items"]) if w]
        out = {**term, "access_schedule": {**term["access_schedule"], "schedule_items": access}}
        invoices: list[Doc] = []
        if "invoice_schedule" in term:
            keep = term.get("type") == "POSTPAID" and trueup == "AS_IS"  # the true-up invoice stays
            out["invoice_schedule"] = self.points(term["invoice_schedule"], keep_after=keep)
            invoices = out["invoice_schedule"]["schedule_items"]
        return out if access or invoices else None

    def charge(self, charge: Doc) -> Doc | None:
        out = {**charge, "schedule": self.points(charge["schedule"])}
        return out if out["schedule"]["schedule_items"] else None
