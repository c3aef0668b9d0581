"""One model of contract terms: a package's terms, once resolved, are a custom contract's terms; and the
builder of the stored contract (recurring invoice schedules, amounts, temporary ids)."""

from datetime import UTC, datetime
from typing import Any

import pytest

from package_service.domain.contract import ContractCreate
from package_service.domain.contract_document import TermDocuments, build_contract, point_schedule
from package_service.domain.errors import InvalidRequest
from package_service.domain.package import PackageCreate
from package_service.domain.package_view import new_package_document
from package_service.domain.provisioning import _Relative
from tests import payloads

USAGE, SEATS, RATE_CARD = (
    "6a4d0453-d031-47cf-a9b3-ebc548cc50ed",
    "2c2d1495-c53d-404c-b4af-53a7cf7ec1e3",
    "aa0f221d-e115-4b5f-845a-d9a618ac8194",
)
START = datetime(2027, 1, 31, tzinfo=UTC)


def _without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def test_a_packages_terms_once_resolved_validate_as_a_custom_contracts_terms() -> None:
    package = PackageCreate.model_validate(payloads.full_package(USAGE, SEATS, RATE_CARD))
    doc = new_package_document(package, "p", START, "me")
    terms = _without_ids(_Relative(START).terms(doc))
    for subscription in terms["subscriptions"]:
        # Where the two SDK shapes differ: a package's subscription may carry a custom credit type (its views do,
        # contract create params do not), and a package names no seats, so its contracts start with none.
        subscription.pop("custom_credit_type_id", None)
        if "seat_config" in subscription:
            subscription["seat_config"]["initial_seat_ids"] = []
    contract = ContractCreate.model_validate({"customer_id": USAGE, "starting_at": "2027-01-31T00:00:00Z", **terms})
    assert not contract.from_package
    resolved = contract.model_dump(exclude_none=True, include=set(terms))
    # The postpaid commit starts one month in: Jan 31 + 1 month is Feb 28, and it ends 11 months later on Jan 31.
    postpaid = resolved["commits"][1]["access_schedule"]["schedule_items"][0]
    assert (postpaid["starting_at"], postpaid["ending_before"]) == (
        datetime(2027, 2, 28, tzinfo=UTC),
        datetime(2028, 1, 31, tzinfo=UTC),
    )
    assert len(resolved["overrides"]) == len(doc["overrides"]) > 0


def _schedule(**recurring: Any) -> dict[str, Any]:
    window = {"starting_at": "2027-01-31T00:00:00.000Z", "ending_before": "2027-05-31T00:00:00.000Z"}
    return {"recurring_schedule": {"frequency": "MONTHLY", **window, **recurring}}


def test_a_recurring_invoice_schedule_keeps_month_ends_and_divides_as_asked() -> None:
    divided = point_schedule(_schedule(amount_distribution="DIVIDED", amount=100), "x")["schedule_items"]
    assert [i["timestamp"][:10] for i in divided] == ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]
    assert [i["amount"] for i in divided] == [25, 25, 25, 25]
    rounded = point_schedule(_schedule(amount_distribution="DIVIDED_ROUNDED", amount=100.0,
                                       ending_before="2027-04-30T00:00:00.000Z"), "x")["schedule_items"]  # fmt: skip
    assert [i["amount"] for i in rounded] == [33.33, 33.33, 33.34]
    each = point_schedule(_schedule(amount_distribution="EACH", quantity=2, unit_price=5), "x")["schedule_items"]
    assert [(i["quantity"], i["unit_price"], i["amount"]) for i in each] == [(2, 5, 10)] * 4


def test_a_recurring_invoice_schedule_past_the_period_cap_names_the_field() -> None:
    endless = _schedule(amount_distribution="EACH", amount=1, ending_before="2200-01-31T00:00:00.000Z")
    with pytest.raises(InvalidRequest, match=r"^discounts\[0\]\.schedule\.recurring_schedule: would create more"):
        point_schedule(endless, "discounts[0].schedule")


def test_an_amount_alone_is_one_unit_at_that_price() -> None:
    items = point_schedule({"schedule_items": [{"timestamp": "2027-01-31T00:00:00.000Z", "amount": 7}]}, "x")
    assert items["schedule_items"][0] | {"id": ""} == {
        "id": "",
        "timestamp": "2027-01-31T00:00:00.000Z",
        "quantity": 1.0,
        "unit_price": 7,
        "amount": 7,
    }


def test_temporary_ids_become_the_ids_of_the_terms_they_name() -> None:
    window = {"starting_at": "2027-01-31T00:00:00.000Z", "ending_before": "2027-03-31T00:00:00.000Z"}
    terms = {
        "commits": [
            {"product_id": USAGE, "type": "PREPAID", "temporary_id": "c",
             "access_schedule": {"schedule_items": [{"amount": 1, **window}]}},
        ],
        "subscriptions": [{"temporary_id": "s", "subscription_rate": {"product_id": SEATS}, "initial_quantity": 1}],
        "recurring_credits": [
            {"product_id": USAGE, "priority": 1, "access_amount": {"unit_price": 1}, "commit_duration": {"value": 1},
             "subscription_config": {"subscription_id": "s"}, **window},
        ],
        "overrides": [{"starting_at": window["starting_at"], "override_specifiers": [{"commit_ids": ["c", "kept"]}]}],
    }  # fmt: skip
    docs = TermDocuments(START, "2028-01-31T00:00:00.000Z", "2027-01-01T00:00:00.000Z", "MONTHLY")
    contract = build_contract({"id": "x"}, terms, docs, None)
    commit_id, subscription_id = contract["commits"][0]["id"], contract["subscriptions"][0]["id"]
    assert "temporary_id" not in contract["commits"][0]
    assert contract["overrides"][0]["override_specifiers"][0]["commit_ids"] == [commit_id, "kept"]
    assert contract["recurring_credits"][0]["subscription_config"]["subscription_id"] == subscription_id
    # Two monthly periods of the recurring credit, each a credit pointing back at it.
    credits = contract["credits"]
    assert [c["recurring_credit_id"] for c in credits] == [contract["recurring_credits"][0]["id"]] * 2


def test_every_term_field_of_a_custom_contract_is_refused_beside_a_package() -> None:
    from package_service.domain.provisioning import CONTRACT_ONLY_FIELDS, ProvisionRequest

    assert set(CONTRACT_ONLY_FIELDS) == set(ContractCreate.model_fields) - set(ProvisionRequest.model_fields)
