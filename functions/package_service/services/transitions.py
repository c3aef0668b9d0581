"""The rules a transition's old contract must meet, checked on the contract as read (the write
re-checks what can change meanwhile: store/transitions.py)."""

from ..domain.base import parse_timestamp
from ..domain.errors import InvalidRequest
from ..domain.provisioning import ContractStart
from ..store.records import StoredRecord
from ..store.transitions import transitions_out


def check_transition(previous: StoredRecord | None, request: ContractStart) -> None:
    """The contract transitioned from: the customer's, unarchived, started before the new contract, and
    not transitioned from already. InvalidRequest naming the field otherwise."""
    assert request.transition is not None
    from_id = request.transition.from_contract_id
    field = "transition.from_contract_id"
    if previous is None or previous.doc["customer_id"] != request.customer_id:
        raise InvalidRequest(f"{field}: contract {from_id} is not a contract of customer {request.customer_id}")
    if previous.archived_at:
        raise InvalidRequest(f"{field}: contract {from_id} is archived")
    if parse_timestamp(previous.doc["starting_at"]) >= request.starting_at:
        raise InvalidRequest(
            f"{field}: contract {from_id} starts {previous.doc['starting_at']}, not before the new starting_at"
        )
    done = transitions_out(previous)
    if done:
        raise InvalidRequest(
            f"{field}: contract {from_id} was already transitioned to contract {done[0]['to_contract_id']}"
        )
