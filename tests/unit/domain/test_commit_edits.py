"""Which contract a commit or credit edited by its id is recorded on, and refusals in the request's words."""

import pytest

from package_service.domain.commit_edits import COMMIT, CREDIT, Holder, holding_contract, in_request_terms
from package_service.domain.errors import InvalidRequest, NotFound

COMMIT_ID = "c0000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("holders", "chosen"),
    [([Holder("a", archived=False)], "a"),
     ([Holder("a", archived=True), Holder("b", archived=False)], "b"),
     ([Holder("b", archived=False), Holder("a", archived=True), Holder("c", archived=True)], "b")],
    ids=["one", "the-live-one-beside-an-archived", "the-live-one-among-archived"],
)  # fmt: skip
def test_the_one_live_holder_is_chosen(holders: list[Holder], chosen: str) -> None:
    assert holding_contract(holders, COMMIT, COMMIT_ID) == chosen


def test_two_live_holders_are_refused_naming_both() -> None:
    with pytest.raises(InvalidRequest) as refused:
        holding_contract([Holder("b", False), Holder("a", False), Holder("c", True)], CREDIT, COMMIT_ID)
    assert refused.value.message.startswith("credit_id: credit") and "(a, b)" in refused.value.message


def test_only_archived_holders_or_none_are_refused() -> None:
    with pytest.raises(InvalidRequest) as archived:
        holding_contract([Holder("a", True)], COMMIT, COMMIT_ID)
    assert archived.value.message.startswith("commit_id:") and "archived" in archived.value.message
    with pytest.raises(NotFound) as unknown:
        holding_contract([], COMMIT, COMMIT_ID)
    assert unknown.value.message.startswith("commit_id:")


@pytest.mark.parametrize(
    ("message", "renamed"),
    [("update_commits[0].access_schedule.add_schedule_items[0].ending_before: late",
      "access_schedule.add_schedule_items[0].ending_before: late"),
     ("update_commits[0].commit_id: contract x has no commit y", "commit_id: contract x has no commit y"),
     ("contract_id: contract x is archived", "commit_id: contract x is archived"),
     ("update_commits[0].access_schedule.update_schedule_items[0].id: item i is already named by "
      "update_commits[0].access_schedule.remove_schedule_items[0].id",
      "access_schedule.update_schedule_items[0].id: item i is already named by "
      "access_schedule.remove_schedule_items[0].id"),
     ("request body: the edit names 120 distinct products", "request body: the edit names 120 distinct products"),
     ("update_credits[0].name: x", "update_credits[0].name: x")],
)  # fmt: skip
def test_refusals_are_renamed_into_the_commit_requests_fields(message: str, renamed: str) -> None:
    assert in_request_terms(message, COMMIT) == renamed
