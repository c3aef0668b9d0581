"""Provisioning through the official metronome-sdk against the local stack."""

import uuid
from datetime import UTC, datetime

import metronome
import pytest
from metronome import Metronome

from tests.payloads import STRIPE, package_body


def day(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d")


@pytest.fixture(scope="module")
def setup(client: Metronome) -> dict[str, str]:
    alias = f"tokens-{uuid.uuid4().hex[:6]}"
    usage = client.v1.contracts.products.create(name="Tokens", type="USAGE").data.id
    seats = client.v1.contracts.products.create(name="Seats", type="SUBSCRIPTION").data.id
    rate_card = client.v1.contracts.rate_cards.create(name="Tokens rate card", aliases=[{"name": alias}]).data.id
    package_alias = f"starter-{uuid.uuid4().hex[:6]}"
    body = package_body({"usage": usage, "seats": seats}, rate_card_alias=alias, aliases=[{"name": package_alias}])
    package = client.v1.packages.create(**body).data.id
    customer = client.v1.customers.create(
        name="Acme", customer_billing_provider_configurations=[{**STRIPE, "configuration": {"id": "cus_1"}}]
    ).data.id
    return {"package": package, "alias": package_alias, "customer": customer, "rate_card": rate_card}


def test_provision_by_id_and_by_alias_with_month_end_and_leap_day_starts(
    client: Metronome, setup: dict[str, str]
) -> None:
    by_id = client.v1.contracts.create(
        customer_id=setup["customer"], package_id=setup["package"], starting_at="2027-01-31T00:00:00Z"
    ).data.id
    by_alias = client.v1.contracts.create(
        customer_id=setup["customer"], package_alias=setup["alias"], starting_at="2028-02-29T00:00:00Z"
    ).data.id

    jan = client.v1.contracts.retrieve(contract_id=by_id, customer_id=setup["customer"]).data
    assert (day(jan.current.starting_at), day(jan.current.ending_before)) == ("2027-01-31", "2028-01-31")
    assert jan.current.rate_card_id == setup["rate_card"] and jan.package_id == setup["package"]
    access = jan.current.commits[0].access_schedule.schedule_items[0]
    assert (day(access.starting_at), day(access.ending_before)) == ("2027-02-28", "2027-03-31")
    monthly = [c.access_schedule.schedule_items[0] for c in jan.current.credits if c.recurring_credit_id]
    assert [day(m.starting_at) for m in monthly] == ["2027-01-31", "2027-02-28", "2027-03-31"]
    assert day(monthly[-1].ending_before) == "2027-04-30"
    assert day(jan.current.scheduled_charges[0].schedule.schedule_items[0].timestamp) == "2028-01-31"
    assert jan.customer_billing_provider_configuration.billing_provider == "stripe"

    leap = client.v1.contracts.retrieve(contract_id=by_alias, customer_id=setup["customer"]).data
    assert day(leap.current.ending_before) == "2029-02-28"
    leap_credits = [c for c in leap.current.credits if c.recurring_credit_id]
    starts = [day(c.access_schedule.schedule_items[0].starting_at) for c in leap_credits]
    assert starts == ["2028-02-29", "2028-03-29", "2028-04-29"]

    on_package = client.v1.packages.list_contracts_on_package(package_id=setup["package"])
    assert {row.contract_id for row in on_package} >= {by_id, by_alias}
    listed = client.v1.contracts.list(customer_id=setup["customer"])
    assert {c.id for c in listed} >= {by_id, by_alias}


def test_provisioning_errors_name_their_cause(client: Metronome, setup: dict[str, str]) -> None:
    no_config = client.v1.customers.create(name="Nobody").data.id
    cases = [
        ({"customer_id": no_config, "package_id": setup["package"]}, "customer_id"),
        ({"customer_id": setup["customer"], "package_id": setup["package"], "package_alias": setup["alias"]},
         "package_alias"),
        ({"customer_id": setup["customer"], "package_alias": "nobody-holds-this"}, "package_alias"),
        ({"customer_id": setup["customer"], "package_id": setup["package"], "net_payment_terms_days": 30},
         "net_payment_terms_days"),
    ]  # fmt: skip
    for body, field in cases:
        with pytest.raises(metronome.BadRequestError) as error:
            client.v1.contracts.create(starting_at="2027-01-31T00:00:00Z", **body)  # type: ignore[arg-type]
        assert error.value.body["message"].startswith(field), error.value.body  # type: ignore[index]


def test_customers_list_with_the_sdk_filter(client: Metronome, setup: dict[str, str]) -> None:
    other = client.v1.customers.create(name="Other").data.id
    listed = client.v1.customers.list(customer_ids=[setup["customer"], other])
    assert [c.id for c in listed] == [setup["customer"], other]
