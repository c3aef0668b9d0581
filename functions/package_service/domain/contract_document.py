"""Absolute contract terms -> the stored contract document. One builder for both ways a contract is made:
provisioning turns a package's relative terms into absolute ones first (provisioning.py); a custom
contract's request is absolute already (contract.py). Pure: no AWS.

What the builder adds: ids, `created_at`, each invoice item's quantity, unit price and amount, the invoice
items a `recurring_schedule` generates, the commits and credits a recurring term creates per period, and
the defaults the SDK's contract types require."""

from datetime import datetime
from math import floor
from typing import Any, Protocol
from uuid import uuid4

from .base import format_timestamp, parse_timestamp
from .dates import FREQUENCY_SPANS, Span, TooManyPeriods, first_period_at, periods, shift
from .errors import InvalidRequest

Doc = dict[str, Any]

MAX_GENERATED_PERIODS = 1000
_INVOICE_FREQUENCIES = {"MONTHLY": 1, "QUARTERLY": 3, "SEMI_ANNUAL": 6, "ANNUAL": 12}
TERM_LISTS = (
    "commits", "credits", "recurring_commits", "recurring_credits", "scheduled_charges", "subscriptions",
    "overrides", "discounts", "professional_services", "reseller_royalties",
)  # fmt: skip


def _with_id(item: Doc) -> Doc:
    """A package's terms carry the ids given at package creation; a custom contract's get new ones."""
    return item if "id" in item else {"id": str(uuid4()), **item}


def _invoice_item(item: Doc) -> Doc:
    """An amount alone is one unit at that price, as Metronome reads it."""
    quantity = item.get("quantity", 1.0)
    unit_price = item["unit_price"] if "unit_price" in item else item["amount"]
    return {
        **_with_id({k: v for k, v in item.items() if k not in ("quantity", "unit_price", "amount")}),
        "quantity": quantity,
        "unit_price": unit_price,
        "amount": quantity * unit_price,
    }


def _recurring_invoice_items(schedule: Doc, field: str) -> list[Doc]:
    """The items of a `recurring_schedule`: one per period from `starting_at`, counted from it (month ends
    stay month ends), until `ending_before`. DIVIDED splits the total evenly; DIVIDED_ROUNDED rounds each
    share down to two decimal places and puts the remainder on the last item; EACH charges it per item."""
    start, end = parse_timestamp(schedule["starting_at"]), parse_timestamp(schedule["ending_before"])
    months = _INVOICE_FREQUENCIES[schedule["frequency"]]
    stamps: list[datetime] = []
    while (moment := shift(start, Span(months=months * len(stamps)))) < end:
        if len(stamps) == MAX_GENERATED_PERIODS:
            raise InvalidRequest(
                f"{field}.recurring_schedule: would create more than {MAX_GENERATED_PERIODS} invoices; "
                "use a longer frequency"
            )
        stamps.append(moment)
    quantity = schedule.get("quantity", 1.0)
    unit_price = schedule["unit_price"] if "unit_price" in schedule else schedule["amount"]
    prices = [unit_price] * len(stamps)
    if schedule["amount_distribution"] == "DIVIDED":
        prices = [unit_price / len(stamps)] * len(stamps)
    elif schedule["amount_distribution"] == "DIVIDED_ROUNDED":
        share = floor(unit_price / len(stamps) * 100) / 100
        prices = [share] * (len(stamps) - 1) + [round(unit_price - share * (len(stamps) - 1), 10)]
    return [
        _invoice_item({"timestamp": format_timestamp(at), "quantity": quantity, "unit_price": price})
        for at, price in zip(stamps, prices, strict=True)
    ]


def point_schedule(schedule: Doc, field: str) -> Doc:
    """An invoice schedule (or a scheduled charge's or discount's) with every item whole."""
    out = {k: v for k, v in schedule.items() if k not in ("schedule_items", "recurring_schedule")}
    items = [_invoice_item(item) for item in schedule.get("schedule_items", [])]
    if "recurring_schedule" in schedule:
        items = _recurring_invoice_items(schedule["recurring_schedule"], field)
    return {**out, "schedule_items": items}


def usage_statement(start: datetime, schedule: Doc) -> Doc:
    """The stored usage statement schedule: its frequency and the date its periods count from (the first
    of the start's month unless the schedule says CONTRACT_START or gives a CUSTOM_DATE anchor)."""
    anchor = schedule.get("billing_anchor_date")
    if anchor is None:
        first_of_month = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        anchor = format_timestamp(start if schedule.get("day") == "CONTRACT_START" else first_of_month)
    out = {"frequency": schedule["frequency"], "billing_anchor_date": anchor}
    if "invoice_generation_starting_at" in schedule:
        out["invoice_generation_starting_at"] = schedule["invoice_generation_starting_at"]
    return out


class TransitionRequest(Protocol):
    """A request's `transition` (provisioning.Transition), as the builder reads it."""

    @property
    def from_contract_id(self) -> str: ...

    @property
    def type(self) -> str: ...


def transition_entries(transition: TransitionRequest | None, contract_id: str) -> list[Doc]:
    """The new contract's `transitions`: the one it was created with, if any."""
    if transition is None:
        return []
    return [{"from_contract_id": transition.from_contract_id, "to_contract_id": contract_id, "type": transition.type}]


class TermDocuments:
    """Builds the stored form of each absolute term of one contract."""

    def __init__(self, start: datetime, contract_end: str | None, created_at: str, usage_frequency: str) -> None:
        self.start, self.contract_end = start, contract_end
        self.created_at, self.usage_frequency = created_at, usage_frequency
        # A co-termed successor's subscriptions bill on the old contract's periods: they anchor there.
        self.subscription_anchor: str | None = None

    def commit(self, term: Doc, field: str) -> Doc:
        out = _with_id({k: v for k, v in term.items() if k != "temporary_id"})
        out["created_at"] = self.created_at
        schedule = term["access_schedule"]
        out["access_schedule"] = {**schedule, "schedule_items": [_with_id(i) for i in schedule["schedule_items"]]}
        if "invoice_schedule" in term:
            out["invoice_schedule"] = point_schedule(term["invoice_schedule"], f"{field}.invoice_schedule")
        return out

    def credit(self, term: Doc, field: str) -> Doc:
        return {**self.commit(term, field), "type": "CREDIT"}

    def recurring(self, term: Doc, field: str, anchor: datetime, offset: Span) -> tuple[Doc, list[Doc]]:
        """The recurring term and the commits/credits it creates per period. Periods count from `anchor`
        moved by `offset` (a package's: the contract start and the term's offset, so month ends hold; a
        co-termed successor's: the old contract's period anchor, the first period starting at the term's
        start, prorated as the term says)."""
        out = _with_id({k: v for k, v in term.items() if k != "temporary_id"})
        out.update(anchor_date=term["starting_at"], created_at=self.created_at)
        ending_before = term.get("ending_before") or self.contract_end
        if ending_before:
            out["ending_before"] = ending_before
        children: list[Doc] = []
        if ending_before is None:
            return out, children  # open-ended: nothing to enumerate up front
        is_commit = field.startswith("recurring_commits")
        frequency = FREQUENCY_SPANS[term.get("recurrence_frequency") or self.usage_frequency]
        length = max(1, floor(term["commit_duration"]["value"]))
        end, term_start = parse_timestamp(ending_before), parse_timestamp(term["starting_at"])
        try:
            tiles = periods(anchor, offset, frequency, end, MAX_GENERATED_PERIODS, term_start)
        except TooManyPeriods:
            raise InvalidRequest(
                f"{field}: would create more than {MAX_GENERATED_PERIODS} periods; use a longer recurrence_frequency"
            ) from None
        amount = term["access_amount"]["unit_price"] * term["access_amount"].get("quantity", 1)
        proration = term.get("proration", "FIRST_AND_LAST")
        prorate_first, prorate_last = proration in ("FIRST", "FIRST_AND_LAST"), proration in ("LAST", "FIRST_AND_LAST")
        first = first_period_at(anchor, frequency, term_start, offset)
        for index, (period_start, _) in enumerate(tiles):
            full_start = shift(anchor, offset, frequency.times(first + index))
            full_end = shift(anchor, offset, frequency.times(first + index + length))
            period_end = min(full_end, end)
            # A period cut short at either end is charged for the part the term covers, where the term's
            # proration says so (a co-termed successor's first period, a term's last).
            counted_start = period_start if prorate_first else full_start
            counted_end = period_end if prorate_last else full_end
            share = 1.0
            if (counted_start, counted_end) != (full_start, full_end):
                share = (counted_end - counted_start) / (full_end - full_start)
            child = {
                "id": str(uuid4()),
                "type": "PREPAID" if is_commit else "CREDIT",
                "product_id": term["product_id"],
                "created_at": self.created_at,
                "priority": term["priority"],
                "name": term.get("name"),
                "rate_type": term.get("rate_type", "COMMIT_RATE"),
                "recurring_commit_id" if is_commit else "recurring_credit_id": out["id"],
                "access_schedule": {
                    "credit_type_id": term["access_amount"].get("credit_type_id"),
                    "schedule_items": [
                        {
                            "id": str(uuid4()),
                            "amount": amount * share,
                            "starting_at": format_timestamp(period_start),
                            "ending_before": format_timestamp(period_end),
                        }
                    ],
                },
            }
            invoice = term.get("invoice_amount")
            if invoice:
                child["invoice_schedule"] = {
                    "credit_type_id": invoice["credit_type_id"],
                    "schedule_items": [
                        {
                            "id": str(uuid4()),
                            "quantity": invoice["quantity"],
                            "unit_price": invoice["unit_price"] * share,
                            "amount": invoice["quantity"] * invoice["unit_price"] * share,
                            "timestamp": format_timestamp(period_start),
                        }
                    ],
                }
            children.append({k: v for k, v in child.items() if v is not None})
        return out, children

    def subscription(self, term: Doc) -> Doc:
        starting_at = term.get("starting_at") or format_timestamp(self.start)
        ending_before = term.get("ending_before") or self.contract_end
        out = _with_id({k: v for k, v in term.items() if k != "temporary_id"})
        out.update(starting_at=starting_at, created_at=self.created_at, billing_periods={})
        if ending_before:
            out["ending_before"] = ending_before
        cycle = term.get("billing_cycle_config", {})
        out["billing_cycle_config"] = {
            "anchor_date": cycle.get("anchor_date", self.subscription_anchor or starting_at),
            "invoice_placement": cycle.get("invoice_placement", "ON_USAGE_INVOICE"),
        }
        out["quantity_schedule"] = [
            {"quantity": term.get("initial_quantity", 0), "starting_at": starting_at}
            | ({"ending_before": ending_before} if ending_before else {})
        ]
        out.setdefault("quantity_management_mode", "QUANTITY_ONLY")
        return out

    def override(self, term: Doc) -> Doc:
        return {**_with_id(term), "created_at": self.created_at}

    def charge(self, charge: Doc, field: str) -> Doc:
        """A scheduled charge or a discount."""
        return {**_with_id(charge), "schedule": point_schedule(charge["schedule"], f"{field}.schedule")}


_REFERABLE = ("commits", "credits", "recurring_commits", "recurring_credits", "subscriptions")
_REFERENCES = ("commit_ids", "recurring_commit_ids", "any_commit_or_credit_ids")


def _with_term_ids(terms: Doc) -> Doc:
    """Every term with its id, and each reference to a `temporary_id` (override specifiers, a recurring
    term's subscription) replaced by the id of the term it names, as Metronome does on create."""
    out = {**terms, **{field: [_with_id(t) for t in terms[field]] for field in _REFERABLE if field in terms}}
    ids = {t["temporary_id"]: t["id"] for field in _REFERABLE for t in out.get(field, []) if "temporary_id" in t}
    if not ids:
        return out
    for field in ("recurring_commits", "recurring_credits"):
        for index, term in enumerate(out.get(field, [])):
            config = term.get("subscription_config")
            if config and config["subscription_id"] in ids:
                config = {**config, "subscription_id": ids[config["subscription_id"]]}
                out[field][index] = {**term, "subscription_config": config}
    if "overrides" in out:
        out["overrides"] = [
            {
                **o,
                "override_specifiers": [
                    {k: [ids.get(r, r) for r in v] if k in _REFERENCES else v for k, v in spec.items()}
                    for spec in o["override_specifiers"]
                ],
            }
            if "override_specifiers" in o
            else o
            for o in out["overrides"]
        ]
    return out


def build_contract(header: Doc, terms: Doc, docs: TermDocuments, anchors: list[tuple[datetime, Span]] | None) -> Doc:
    """The stored contract: `header` (ids, dates, settings) and `terms` (absolute, as the custom request
    spells them) made whole. `anchors` gives each recurring commit, then each recurring credit, the anchor
    and offset its periods count from; None counts each from its own `starting_at`."""
    terms = _with_term_ids(terms)
    commits = [docs.commit(c, f"commits[{i}]") for i, c in enumerate(terms.get("commits", []))]
    credits = [docs.credit(c, f"credits[{i}]") for i, c in enumerate(terms.get("credits", []))]
    recurring: dict[str, list[Doc]] = {"recurring_commits": [], "recurring_credits": []}
    position = 0
    for field in recurring:
        for index, term in enumerate(terms.get(field, [])):
            anchor, offset = anchors[position] if anchors else (parse_timestamp(term["starting_at"]), Span())
            position += 1
            resolved, children = docs.recurring(term, f"{field}[{index}]", anchor, offset)
            recurring[field].append(resolved)
            (commits if field == "recurring_commits" else credits).extend(children)
    contract = {
        **header,
        "commits": commits,
        "credits": credits,
        **recurring,
        "scheduled_charges": [
            docs.charge(c, f"scheduled_charges[{i}]") for i, c in enumerate(terms.get("scheduled_charges", []))
        ],
        "subscriptions": [docs.subscription(s) for s in terms.get("subscriptions", [])],
        "overrides": [docs.override(o) for o in terms.get("overrides", [])],
    }
    if "discounts" in terms:
        contract["discounts"] = [docs.charge(d, f"discounts[{i}]") for i, d in enumerate(terms["discounts"])]
    for field in ("professional_services", "reseller_royalties"):
        if field in terms:
            contract[field] = [_with_id(item) for item in terms[field]]
    return {k: v for k, v in contract.items() if v is not None}
