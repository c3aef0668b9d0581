"""`/v2/contracts/commits/edit` and `/v2/contracts/credits/edit` (SDK `v2.contracts.edit_commit` /
`edit_credit`): one commit or credit changed, named by its id and its customer's. Every commit and credit
here belongs to a contract, so the edit is the one `/v2/contracts/edit` records with
`update_commits: [{commit_id, ...}]` (or `update_credits`) on the contract that holds it: the same checks,
transaction, audit entry and edit history (decision 0017). Pure: no AWS.

Fields these operations have beyond `update_commits` are about customer-level commits, which this service
does not keep: `applicable_contract_ids` is refused (Metronome: it cannot be edited on a contract-level
commit), `invoice_contract_id` is refused unless it names the contract the commit is already invoiced on."""

from dataclasses import dataclass
from typing import Any, ClassVar

from .base import Id
from .edit_terms import (
    AccessScheduleUpdate,
    CommitUpdate,
    ContractEdit,
    CreditUpdate,
    DrawdownChange,
    InvoiceScheduleUpdate,
)
from .errors import InvalidRequest, NotFound

Doc = dict[str, Any]


class CommitEdit(DrawdownChange):
    """The body of `/v2/contracts/commits/edit`, field for field as metronome-sdk's
    `contract_edit_commit_params`."""

    nullable: ClassVar[frozenset[str]] = DrawdownChange.nullable | {"applicable_contract_ids"}

    commit_id: Id
    customer_id: Id
    applicable_contract_ids: list[Id] | None = None
    invoice_contract_id: Id | None = None
    invoice_schedule: InvoiceScheduleUpdate | None = None


class CreditEdit(DrawdownChange):
    """The body of `/v2/contracts/credits/edit`, as `contract_edit_credit_params`."""

    nullable: ClassVar[frozenset[str]] = DrawdownChange.nullable | {"applicable_contract_ids"}

    credit_id: Id
    customer_id: Id
    applicable_contract_ids: list[Id] | None = None


@dataclass(frozen=True)
class Drawdown:
    """Which of the two a request edits: its id field, the contract's list of them, the edit's list."""

    id_field: str
    terms: str
    update_field: str
    noun: str


COMMIT = Drawdown("commit_id", "commits", "update_commits", "commit")
CREDIT = Drawdown("credit_id", "credits", "update_credits", "credit")


def kind_of(request: CommitEdit | CreditEdit) -> Drawdown:
    return COMMIT if isinstance(request, CommitEdit) else CREDIT


def id_of(request: CommitEdit | CreditEdit) -> str:
    return request.commit_id if isinstance(request, CommitEdit) else request.credit_id


def holds(contract: Doc, kind: Drawdown, drawdown_id: str) -> bool:
    """Whether the contract (as its edits have made it) has that commit or credit."""
    terms = contract.get(kind.terms)
    return isinstance(terms, list) and any(term["id"] == drawdown_id for term in terms)


@dataclass(frozen=True)
class Holder:
    """A contract of the customer's that has the commit or credit."""

    contract_id: str
    archived: bool


def holding_contract(holders: list[Holder], kind: Drawdown, drawdown_id: str) -> str:
    """The one unarchived contract holding the commit or credit. A package's terms keep their ids in every
    contract provisioned from it (a renewal on the same package, say), so an id two live contracts share is
    refused rather than guessed at; archiving a contract archives its commits and credits (Metronome), so
    one only an archived contract holds cannot be edited. NotFound / InvalidRequest name the id's field."""
    live = sorted(h.contract_id for h in holders if not h.archived)
    if len(live) == 1:
        return live[0]
    if len(live) > 1:
        raise InvalidRequest(
            f"{kind.id_field}: {kind.noun} {drawdown_id} is held by {len(live)} of the customer's contracts "
            f"({', '.join(live)}), each provisioned from the package that defines it; edit it on one of them "
            f"with /v2/contracts/edit (update_{kind.terms})"
        )
    if holders:
        raise InvalidRequest(
            f"{kind.id_field}: {kind.noun} {drawdown_id} belongs to contract {holders[0].contract_id}, which is "
            "archived (archiving a contract archives its commits and credits) and cannot be edited"
        )
    raise NotFound(f"{kind.id_field}: {kind.noun} {drawdown_id} not found for this customer")


def as_contract_edit(request: CommitEdit | CreditEdit, contract_id: str) -> ContractEdit:
    """The `/v2/contracts/edit` request that makes this change on the contract holding the commit or credit.
    Raises InvalidRequest naming this request's field."""
    kind, drawdown_id = kind_of(request), id_of(request)
    fields = request.model_fields_set - {"customer_id", kind.id_field}
    fields -= {field for field in _SCHEDULES if field in fields and not _has_items(getattr(request, field))}
    if "applicable_contract_ids" in fields:
        raise InvalidRequest(
            f"applicable_contract_ids: {kind.noun} {drawdown_id} belongs to contract {contract_id}; which contracts "
            f"a {kind.noun} applies to can be edited only on a customer-level {kind.noun}, not a contract's"
        )
    if "invoice_contract_id" in fields:
        if isinstance(request, CommitEdit) and request.invoice_contract_id != contract_id:
            raise InvalidRequest(
                f"invoice_contract_id: commit {drawdown_id} belongs to contract {contract_id} and is invoiced on it; "
                f"a contract's own commit cannot be invoiced on contract {request.invoice_contract_id}"
            )
        fields.discard("invoice_contract_id")  # names the contract it is invoiced on already: nothing changes
    if not fields:
        raise InvalidRequest(f"request body: the edit changes nothing; give at least one field of the {kind.noun}")
    stated: dict[str, Any] = {kind.id_field: drawdown_id, **{f: getattr(request, f) for f in fields}}
    model = CommitUpdate if kind is COMMIT else CreditUpdate
    edit: dict[str, Any] = {
        "contract_id": contract_id,
        "customer_id": request.customer_id,
        kind.update_field: [model.model_construct(set(stated), **stated)],
    }
    return ContractEdit.model_construct(set(edit), **edit)


_SCHEDULES = ("access_schedule", "invoice_schedule")


def _has_items(schedule: AccessScheduleUpdate | InvoiceScheduleUpdate) -> bool:
    """A schedule's update changes it only with an item to add, change or remove (`{}` or empty lists would
    otherwise be recorded as an edit that changes nothing)."""
    return bool(schedule.add_schedule_items or schedule.update_schedule_items or schedule.remove_schedule_items)


def in_request_terms(message: str, kind: Drawdown) -> str:
    """A refusal of the edit in this request's words: `update_commits[0].access_schedule...` is this
    request's `access_schedule...` wherever the message names it (a refusal may name a second field: "already
    named by ..."), and the contract is named by the commit's (or credit's) id."""
    message = message.replace(f"{kind.update_field}[0].", "")
    if message.startswith("contract_id:"):
        return f"{kind.id_field}:" + message.removeprefix("contract_id:")
    return message
