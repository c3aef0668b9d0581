"""An edit of a provisioned contract, checked against the contract as it now is and turned into what is
stored beside its document (decision 0017). Pure: no AWS.

Terms an edit adds are checked by the custom contract's own rules (`contract.check_contract_rules`: a
term lies within the contract, override prioritization, temporary ids...) and made whole by the same
builder (`contract_document.build_contract`): an added commit is stored exactly as one stated at creation.
Messages name the edit's fields (`add_commits[0]...`), never the contract's."""

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast
from uuid import uuid4

from .base import format_timestamp, parse_timestamp
from .contract import ContractCreate, as_stored, check_contract_rules, contract_products
from .contract_document import TermDocuments, build_contract, point_schedule
from .edit_apply import ADDED, REMOVED, quantity_from, updated_drawdown
from .edit_terms import (
    AccessScheduleUpdate,
    CommitUpdate,
    ContractEdit,
    CreditUpdate,
    DrawdownUpdate,
    InvoiceScheduleUpdate,
)
from .errors import InvalidRequest
from .term_rules import ProductPaths

Doc = dict[str, Any]

_NOUNS = {"commits": "commit", "credits": "credit", "scheduled_charges": "scheduled charge",
          "overrides": "override", "subscriptions": "subscription"}  # fmt: skip
_CONTRACT_FIELD = re.compile(r"^(commits|credits|overrides|scheduled_charges|subscriptions)\[")


def plan_edit(current: Doc, request: ContractEdit, edit_id: str, now: datetime, end_field: str) -> Doc:
    """The stored edit of `current` (the contract as it now is, earlier edits applied). `end_field` is
    what the request calls the new end date (`update_contract_end_date`, or updateEndDate's `ending_before`).
    Raises InvalidRequest naming the request's field."""
    if not request.changes_anything():
        raise InvalidRequest(
            "request body: the edit changes nothing; give at least one add_, update_ or archive_ field"
        )
    _each_named_once(request)
    start = parse_timestamp(current["starting_at"])
    end = current.get("ending_before")
    if request.changes_end_date():
        new_end = request.update_contract_end_date
        if new_end is not None and new_end <= start:
            raise InvalidRequest(
                f"{end_field}: {format_timestamp(new_end)} is not after the contract's starting_at "
                f"{current['starting_at']}"
            )
        end = format_timestamp(new_end) if new_end else None
    edit: Doc = {"id": edit_id, "timestamp": format_timestamp(now)}
    if request.uniqueness_key:
        edit["uniqueness_key"] = request.uniqueness_key
    for field, term_field in REMOVED.items():
        refs = getattr(request, field) or []
        for index, ref in enumerate(refs):
            _find(current, term_field, ref.id, f"{field}[{index}].id")
        if refs:
            edit[field] = [{"id": ref.id} for ref in refs]
    edit.update(_added_terms(current, request, start, end, now))
    updates: list[tuple[str, Sequence[DrawdownUpdate] | None]] = [
        ("update_commits", request.update_commits), ("update_credits", request.update_credits)]  # fmt: skip
    for field, listed in updates:
        if listed:
            edit[field] = [_drawdown_update(current, u, f"{field}[{i}]", start, end) for i, u in enumerate(listed)]
    if request.update_subscriptions:
        edit["update_subscriptions"] = _subscription_updates(current, request, start, end)
    if "update_contract_name" in request.model_fields_set:  # null: the contract has no name from now on
        edit["update_contract_name"] = request.update_contract_name
    if request.changes_end_date():
        edit["update_contract_end_date"] = end
    return edit


# The edit's lists that name existing terms: (field, the contract field it names, the id's field).
_NAMING = (
    ("archive_commits", "commits", "id"), ("archive_credits", "credits", "id"),
    ("archive_scheduled_charges", "scheduled_charges", "id"), ("remove_overrides", "overrides", "id"),
    ("update_commits", "commits", "commit_id"), ("update_credits", "credits", "credit_id"),
    ("update_subscriptions", "subscriptions", "subscription_id"),
)  # fmt: skip


def _each_named_once(request: ContractEdit) -> None:
    """Each term at most once per edit: every update is checked against the contract as it was, so two of
    one term (two seat deltas, or an update of a term the edit archives) could each pass and together store
    an invalid contract, or be dropped."""
    named: dict[tuple[str, str], str] = {}
    for field, term_field, id_field in _NAMING:
        for index, entry in enumerate(getattr(request, field) or []):
            path, term_id = f"{field}[{index}].{id_field}", getattr(entry, id_field)
            earlier = named.setdefault((term_field, term_id), path)
            if earlier != path:
                noun = _NOUNS[term_field]
                raise InvalidRequest(f"{path}: {noun} {term_id} is already named by {earlier}; name each {noun} once")


def edit_products(request: ContractEdit) -> dict[str, str]:
    """Every product id the edit names, mapped to the first of its fields that names it."""
    paths = ProductPaths()
    added = _added_contract(request, datetime.min, None, None)
    for product_id, path in contract_products(added).items():
        paths.add(product_id, _in_edit_terms(path))
    for field in ("update_commits", "update_credits"):
        for index, update in enumerate(getattr(request, field) or []):
            paths.add(update.product_id, f"{field}[{index}].product_id")
            paths.add_all(update.applicable_product_ids, f"{field}[{index}].applicable_product_ids")
            for spec_index, spec in enumerate(update.specifiers or []):
                paths.add(spec.product_id, f"{field}[{index}].specifiers[{spec_index}].product_id")
    return paths.found


def _in_edit_terms(message: str) -> str:
    """`commits[0].access_schedule: ...` (the contract's words) -> `add_commits[0].access_schedule: ...`."""
    return _CONTRACT_FIELD.sub(lambda m: f"add_{m.group(1)}[", message, count=1)


def _added_contract(request: ContractEdit, start: datetime, end: datetime | None, prioritization: Any) -> Any:
    """The added terms as a custom contract over the contract's dates, for its rules and its builder (its
    `multiplier_override_prioritization`, as stored, decides whether added overrides need priorities)."""
    return ContractCreate.model_construct(
        customer_id=request.customer_id,
        starting_at=start,
        ending_before=end,
        multiplier_override_prioritization=prioritization,
        **{term_field: getattr(request, field) for field, term_field in ADDED.items()},
    )


def _added_terms(current: Doc, request: ContractEdit, start: datetime, end: str | None, now: datetime) -> Doc:
    if not any(getattr(request, field) for field in ADDED):
        return {}
    ending = parse_timestamp(end) if end else None
    added = _added_contract(request, start, ending, current.get("multiplier_override_prioritization"))
    existing = {t["id"] for field in ("commits", "credits", "recurring_commits", "recurring_credits")
                for t in current.get(field, [])}  # fmt: skip
    try:
        check_contract_rules(added.model_copy(update={"overrides": _naming_new_terms(added.overrides, existing)}))
    except InvalidRequest as error:
        raise InvalidRequest(_in_edit_terms(error.message)) from None
    frequency = current.get("usage_statement_schedule", {}).get("frequency", "MONTHLY")
    docs = TermDocuments(start, end, format_timestamp(now), frequency)
    try:
        built = build_contract({}, as_stored(added.term_documents()), docs, None)
    except InvalidRequest as error:
        raise InvalidRequest(_in_edit_terms(error.message)) from None
    except (OverflowError, ValueError):  # a generated invoice date past datetime's year 9999
        raise InvalidRequest("request body: the added terms would reach past the year 9999") from None
    return {field: built[term_field] for field, term_field in ADDED.items() if getattr(request, field)}


_REFERENCES = ("commit_ids", "recurring_commit_ids", "any_commit_or_credit_ids")


def _naming_new_terms(overrides: Any, existing: set[str]) -> Any:
    """Added overrides as creation's rules read them: an edit may also name the contract's own commits
    and credits by id (creation only temporary ids), so those references are taken as known."""
    return [
        override.model_copy(
            update={"override_specifiers": [_known_dropped(spec, existing) for spec in override.override_specifiers]}
        )
        if override.override_specifiers
        else override
        for override in overrides or []
    ]


def _known_dropped(spec: Any, existing: set[str]) -> Any:
    update = {}
    for field in _REFERENCES:
        refs = getattr(spec, field)
        if refs:
            update[field] = [ref for ref in refs if ref not in existing] or None
    return spec.model_copy(update=update)


def _find(current: Doc, term_field: str, term_id: str, path: str) -> Doc:
    for term in current.get(term_field, []):
        if term["id"] == term_id:
            return dict(term)
    raise InvalidRequest(f"{path}: contract {current['id']} has no {_NOUNS[term_field]} {term_id}")


def _within(path: str, moment: datetime, start: datetime, end: str | None, at_end: bool = False) -> None:
    """`moment` lies in the contract: not before its start, not after its end (at it only if `at_end`)."""
    if moment < start:
        raise InvalidRequest(
            f"{path}: {format_timestamp(moment)} is before the contract's starting_at {format_timestamp(start)}"
        )
    if end is not None and (moment > parse_timestamp(end) or (moment == parse_timestamp(end) and not at_end)):
        raise InvalidRequest(f"{path}: {format_timestamp(moment)} is not before the contract's ending_before {end}")


def _drawdown_update(current: Doc, update: DrawdownUpdate, path: str, start: datetime, end: str | None) -> Doc:
    is_commit = isinstance(update, CommitUpdate)
    term_id = update.commit_id if isinstance(update, CommitUpdate) else cast(CreditUpdate, update).credit_id
    term = _find(
        current, "commits" if is_commit else "credits", term_id, f"{path}.{'commit' if is_commit else 'credit'}_id"
    )
    fields = update.model_fields_set - {"commit_id", "credit_id", "access_schedule", "invoice_schedule"}
    out: Doc = {"id": term_id, **as_stored({f: _dumped(getattr(update, f)) for f in sorted(fields)})}
    if update.access_schedule is not None:
        out["access_schedule"] = _access_update(term, update.access_schedule, f"{path}.access_schedule", start, end)
    if isinstance(update, CommitUpdate) and update.invoice_schedule is not None:
        if "invoice_schedule" not in term:
            raise InvalidRequest(f"{path}.invoice_schedule: commit {term_id} has no invoice schedule")
        out["invoice_schedule"] = _invoice_update(term, update.invoice_schedule, f"{path}.invoice_schedule", start, end)
    updated = updated_drawdown(term, out)
    _specifiers_alone(updated, update.model_fields_set, path)
    if term.get("type") == "POSTPAID":
        _true_up_whole(updated, path, "access_schedule" if "access_schedule" in out else "invoice_schedule")
    return out


_TARGETING = ("specifiers", "applicable_product_ids", "applicable_product_tags")


def _specifiers_alone(updated: Doc, stated: set[str], path: str) -> None:
    """As at creation (terms._Drawdown), the commit or credit once updated does not combine specifiers with
    applicable_product_ids or applicable_product_tags; the refusal names the field this update set."""
    named = [field for field in _TARGETING if field in stated]
    if not named:  # this update leaves what the term applies to as it was
        return
    if updated.get("specifiers") and (updated.get("applicable_product_ids") or updated.get("applicable_product_tags")):
        raise InvalidRequest(
            f"{path}.{named[0]}: specifiers cannot be used together with applicable_product_ids or "
            "applicable_product_tags (set the other to null to replace it)"
        )


def _true_up_whole(commit: Doc, path: str, field: str) -> None:
    """A POSTPAID commit, as at creation (terms.CommitTerms): one access item and one invoice item, its
    true-up, of the same amount; an edit changes both or neither."""
    access = commit["access_schedule"]["schedule_items"]
    invoice = commit.get("invoice_schedule", {}).get("schedule_items", [])
    if len(access) != 1 or len(invoice) != 1:
        raise InvalidRequest(
            f"{path}.{field}: a POSTPAID commit takes exactly one access and one invoice schedule item"
        )
    if abs(invoice[0]["amount"] - access[0]["amount"]) > 1e-9:
        raise InvalidRequest(f"{path}.{field}: a POSTPAID commit's invoice amount must equal its access amount")


def _dumped(value: Any) -> Any:
    if isinstance(value, list):
        return [_dumped(v) for v in value]
    return value.model_dump(mode="json", exclude_none=True) if hasattr(value, "model_dump") else value


ItemCheck = Callable[[Doc, Doc, str], Doc]


def _schedule_update(schedule: Doc, update: AccessScheduleUpdate | InvoiceScheduleUpdate, path: str,
                     whole: ItemCheck) -> Doc:  # fmt: skip
    """An update of one schedule as stored: the ids it removes, and each changed or added item whole, as
    `whole(item as it will be, fields the request stated, path)` checks and completes it."""
    items = {item["id"]: item for item in schedule["schedule_items"]}
    out: Doc = {}
    named: dict[str, str] = {}  # each item removed or updated once
    for field in ("remove_schedule_items", "update_schedule_items"):
        for index, ref in enumerate(getattr(update, field) or []):
            item_path = f"{path}.{field}[{index}].id"
            if ref.id not in items:
                raise InvalidRequest(f"{item_path}: no schedule item {ref.id} in this schedule")
            if named.setdefault(ref.id, item_path) != item_path:
                raise InvalidRequest(f"{item_path}: schedule item {ref.id} is already named by {named[ref.id]}")
    if update.remove_schedule_items:
        out["remove_schedule_items"] = [{"id": ref.id} for ref in update.remove_schedule_items]
    changed = []
    for index, change in enumerate(update.update_schedule_items or []):
        stated = as_stored(change.model_dump(exclude_none=True))
        changed.append(whole({**items[change.id], **stated}, stated, f"{path}.update_schedule_items[{index}]"))
    if changed:
        out["update_schedule_items"] = changed
    added = []
    for index, item in enumerate(update.add_schedule_items or []):
        stated = as_stored(item.model_dump(exclude_none=True))
        added.append(whole({"id": str(uuid4()), **stated}, stated, f"{path}.add_schedule_items[{index}]"))
    if added:
        out["add_schedule_items"] = added
    return out


def _access_update(term: Doc, update: AccessScheduleUpdate, path: str, start: datetime, end: str | None) -> Doc:
    def whole(item: Doc, stated: Doc, item_path: str) -> Doc:
        starting_at, ending_before = parse_timestamp(item["starting_at"]), parse_timestamp(item["ending_before"])
        if ending_before <= starting_at:
            if "ending_before" not in stated:  # the update moved the start alone: name what it moved
                raise InvalidRequest(
                    f"{item_path}.starting_at: must be before the item's ending_before {item['ending_before']}"
                )
            raise InvalidRequest(f"{item_path}.ending_before: must be after starting_at")
        _within(f"{item_path}.starting_at", starting_at, start, end)
        _within(f"{item_path}.ending_before", ending_before, start, end, at_end=True)
        return item

    schedule = term["access_schedule"]
    out = _schedule_update(schedule, update, path, whole)
    left = len(schedule["schedule_items"]) - len(out.get("remove_schedule_items", []))
    if left + len(out.get("add_schedule_items", [])) == 0:
        raise InvalidRequest(f"{path}.remove_schedule_items: would leave the access schedule empty")
    return out


def _invoice_update(term: Doc, update: InvoiceScheduleUpdate, path: str, start: datetime, end: str | None) -> Doc:
    def whole(item: Doc, stated: Doc, item_path: str) -> Doc:
        """An amount alone is one unit at that price; a stated quantity or unit price keeps the other."""
        if "amount" in stated and {"quantity", "unit_price"} & stated.keys():
            raise InvalidRequest(f"{item_path}.amount: give either amount or quantity and unit_price, not both")
        priced = {"amount": item["amount"]} if "amount" in stated else {
            "quantity": item["quantity"], "unit_price": item["unit_price"]}  # fmt: skip
        _within(f"{item_path}.timestamp", parse_timestamp(item["timestamp"]), start, end, at_end=True)
        single = {"id": item["id"], "timestamp": item["timestamp"], **priced}
        return dict(point_schedule({"schedule_items": [single]}, item_path)["schedule_items"][0])

    return _schedule_update(term["invoice_schedule"], update, path, whole)


def _subscription_updates(current: Doc, request: ContractEdit, start: datetime, end: str | None) -> list[Doc]:
    out = []
    for index, update in enumerate(request.update_subscriptions or []):
        path = f"update_subscriptions[{index}]"
        subscription = _find(current, "subscriptions", update.subscription_id, f"{path}.subscription_id")
        sub_start, sub_end = subscription["starting_at"], subscription.get("ending_before")
        stored: Doc = {"id": update.subscription_id}
        schedule = subscription["quantity_schedule"]
        if update.quantity_updates and subscription.get("quantity_management_mode") == "SEAT_BASED":
            raise InvalidRequest(
                f"{path}.quantity_updates: subscription {update.subscription_id} is SEAT_BASED: its quantity "
                "follows its seats (seat_updates, not kept here), not a stated quantity"
            )
        changes = []
        for change_index, change in enumerate(update.quantity_updates or []):
            at = f"{path}.quantity_updates[{change_index}].starting_at"
            _within(at, change.starting_at, start, end)
            if change.starting_at < parse_timestamp(sub_start):
                raise InvalidRequest(f"{at}: {format_timestamp(change.starting_at)} is before the subscription's "
                                     f"starting_at {sub_start}")  # fmt: skip
            if sub_end is not None and change.starting_at >= parse_timestamp(sub_end):
                raise InvalidRequest(f"{at}: {format_timestamp(change.starting_at)} is not before the subscription's "
                                     f"ending_before {sub_end}")  # fmt: skip
            stated = as_stored(change.model_dump(exclude_none=True))
            schedule = quantity_from(schedule, stated)
            if any(window["quantity"] < 0 for window in schedule):
                raise InvalidRequest(f"{path}.quantity_updates[{change_index}].quantity_delta: "
                                     "would make the subscription's quantity negative")  # fmt: skip
            changes.append(stated)
        if changes:
            stored["quantity_updates"] = changes
        if update.name is not None:
            stored["name"] = update.name
        if "ending_before" in update.model_fields_set:
            new_end = update.ending_before
            if new_end is not None:
                if new_end <= parse_timestamp(sub_start):
                    raise InvalidRequest(f"{path}.ending_before: {format_timestamp(new_end)} is not after the "
                                         f"subscription's starting_at {sub_start}")  # fmt: skip
                _within(f"{path}.ending_before", new_end, start, end, at_end=True)
            stored["ending_before"] = format_timestamp(new_end) if new_end else None
        out.append(stored)
    return out
