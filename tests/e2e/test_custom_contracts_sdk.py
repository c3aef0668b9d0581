"""Custom contracts through the official metronome-sdk against the local stack: every term kind in, the
SDK's own types out, and transitions between a custom contract and a package-provisioned one."""

import uuid
from typing import Any

import metronome
import pytest
from metronome import Metronome

from tests.payloads import STRIPE, full_custom_contract, package_body


@pytest.fixture(scope="module")
def ids(client: Metronome) -> dict[str, str]:
    usage = client.v1.contracts.products.create(name="Tokens", type="USAGE").data.id
    seats = client.v1.contracts.products.create(name="Seats", type="SUBSCRIPTION").data.id
    rate_card = client.v1.contracts.rate_cards.create(name="Enterprise rates").data.id
    customer = client.v1.customers.create(
        name="Enterprise", customer_billing_provider_configurations=[{**STRIPE, "configuration": {"id": "cus_2"}}]
    ).data.id
    standard = package_body({"usage": usage, "seats": seats}, name="Standard", rate_card_id=rate_card)
    del standard["rate_card_alias"], standard["aliases"]  # no alias another module's tests rely on is moved
    package = client.v1.packages.create(**standard).data.id
    return {"usage": usage, "seats": seats, "rate_card": rate_card, "customer": customer, "package": package}


def _body(ids: dict[str, str], **changes: Any) -> dict[str, Any]:
    key = f"enterprise-{uuid.uuid4().hex[:8]}"
    return full_custom_contract(
        ids["customer"], ids["usage"], ids["seats"], ids["rate_card"], uniqueness_key=key, **changes
    )


def test_every_term_kind_round_trips_through_create_and_get(client: Metronome, ids: dict[str, str]) -> None:
    created = client.v1.contracts.create(**_body(ids)).data
    assert created.contract is not None and created.contract.package_id is None
    contract = client.v1.contracts.retrieve(contract_id=created.id, customer_id=ids["customer"]).data
    terms = contract.current
    assert (terms.name, terms.rate_card_id, terms.total_contract_value) == ("Enterprise deal", ids["rate_card"], 250000)
    assert len(terms.commits) == 2 + 4  # two stated, four from the quarterly recurring commit
    assert [item.amount for item in terms.commits[0].invoice_schedule.schedule_items] == [25000] * 4  # type: ignore[union-attr]
    assert terms.credits and terms.credits[0].type == "CREDIT"
    assert terms.recurring_commits and terms.recurring_credits and contract.subscriptions
    assert [o.type for o in terms.overrides] == ["MULTIPLIER", "OVERWRITE", None]
    assert terms.scheduled_charges[0].product.name == "Seats"
    assert terms.discounts and terms.discounts[0].product.name == "Tokens"
    assert terms.professional_services and terms.professional_services[0].max_amount == 50000
    assert terms.reseller_royalties and terms.reseller_royalties[0].aws_offer_id == "offer-1"
    assert terms.usage_filter is not None and terms.usage_filter.initial.group_values == ["eu", "us"]
    assert contract.spend_trackers and contract.spend_trackers[0].alias == "monthly-spend"
    assert contract.customer_billing_provider_configuration is not None
    listed = client.v1.contracts.list(customer_id=ids["customer"]).data
    assert created.id in {c.id for c in listed}


def test_bad_custom_contracts_name_the_field(client: Metronome, ids: dict[str, str]) -> None:
    for changes, field in (
        ({"ending_before": "2026-01-01T00:00:00Z"}, "ending_before"),
        ({"rate_card_alias": "also"}, "rate_card_id"),
        (
            {
                "discounts": [
                    {
                        "product_id": str(uuid.uuid4()),
                        "schedule": {"schedule_items": [{"timestamp": "2027-02-28T00:00:00Z", "amount": 1}]},
                    }
                ]
            },
            "discounts[0].product_id",
        ),
    ):
        with pytest.raises(metronome.BadRequestError) as refused:
            client.v1.contracts.create(**_body(ids, **changes))
        assert refused.value.body["message"].startswith(field), refused.value.body  # type: ignore[index]


def test_a_custom_contract_transitions_onto_a_package_and_back(client: Metronome, ids: dict[str, str]) -> None:
    custom = client.v1.contracts.create(**_body(ids)).data.id
    onto_package = client.v1.contracts.create(
        customer_id=ids["customer"],
        package_id=ids["package"],
        starting_at="2027-07-31T00:00:00Z",
        transition={"from_contract_id": custom, "type": "RENEWAL"},
    ).data.id
    back = client.v1.contracts.create(
        customer_id=ids["customer"],
        starting_at="2028-07-31T00:00:00Z",
        rate_card_id=ids["rate_card"],
        transition={"from_contract_id": onto_package, "type": "RENEWAL"},
    ).data.id
    ended = client.v1.contracts.retrieve(contract_id=custom, customer_id=ids["customer"]).data.current
    assert ended.ending_before is not None and ended.ending_before.isoformat().startswith("2027-07-31")
    middle = client.v1.contracts.retrieve(contract_id=onto_package, customer_id=ids["customer"]).data.current
    assert [(t.from_contract_id, t.to_contract_id) for t in middle.transitions] == [
        (custom, onto_package),
        (onto_package, back),
    ]
