"""Provisioning contracts from packages, through the Api handler on moto."""

from collections import Counter
from typing import Any

import pytest

from package_service.store import customers as customer_store
from tests.payloads import STRIPE, full_package, package_body

from .conftest import Api, scan_count


@pytest.fixture
def package(api: Api, catalog: dict[str, str]) -> str:
    return str(api.ok("/v1/packages/create", package_body(catalog))["id"])


def new_customer(api: Api, *configs: dict[str, Any]) -> str:
    body = {"name": "Acme", "customer_billing_provider_configurations": list(configs)}
    return str(api.ok("/v1/customers", body)["id"])


@pytest.fixture
def customer(api: Api) -> str:
    return new_customer(api, {**STRIPE, "configuration": {"stripe_customer_id": "cus_1"}})


def provision(api: Api, **body: Any) -> str:
    return str(api.ok("/v1/contracts/create", body)["id"])


def contract(api: Api, contract_id: str, customer_id: str) -> dict[str, Any]:
    data: dict[str, Any] = api.ok("/v1/contracts/get", {"contract_id": contract_id, "customer_id": customer_id})
    return data


def test_a_jan_31_start_resolves_every_term_to_the_day(
    api: Api, catalog: dict[str, str], package: str, customer: str
) -> None:
    contract_id = provision(api, customer_id=customer, package_id=package, starting_at="2027-01-31T00:00:00Z")
    got = contract(api, contract_id, customer)
    current = got["current"]
    assert (current["starting_at"], current["ending_before"]) == (
        "2027-01-31T00:00:00.000Z",
        "2028-01-31T00:00:00.000Z",
    )
    assert current["rate_card_id"] == catalog["rate_card"]
    assert got["package_id"] == package
    assert got["customer_billing_provider_configuration"]["billing_provider"] == "stripe"

    prepaid = current["commits"][0]
    assert prepaid["product"] == {"id": catalog["usage"], "name": "Tokens"}
    # Jan 31 + 1 month offset + 1 month duration ends Mar 31 (from the anchor, not Feb 28 + 1 month).
    access = prepaid["access_schedule"]["schedule_items"][0]
    assert (access["starting_at"], access["ending_before"]) == ("2027-02-28T00:00:00.000Z", "2027-03-31T00:00:00.000Z")
    invoice = prepaid["invoice_schedule"]["schedule_items"][0]
    assert (invoice["timestamp"], invoice["amount"]) == ("2027-02-14T00:00:00.000Z", 100)

    quarterly = [c for c in current["commits"] if c.get("recurring_commit_id")]
    assert [c["access_schedule"]["schedule_items"][0]["starting_at"][:10] for c in quarterly] == [
        "2027-01-31", "2027-04-30", "2027-07-31", "2027-10-31",
    ]  # fmt: skip

    credits = current["credits"]
    welcome = credits[0]["access_schedule"]["schedule_items"][0]
    assert (welcome["starting_at"][:10], welcome["ending_before"][:10]) == ("2027-02-10", "2027-03-02")
    monthly = [c["access_schedule"]["schedule_items"][0] for c in credits if c.get("recurring_credit_id")]
    assert [(m["starting_at"][:10], m["ending_before"][:10]) for m in monthly] == [
        ("2027-01-31", "2027-02-28"), ("2027-02-28", "2027-03-31"), ("2027-03-31", "2027-04-30"),
    ]  # fmt: skip
    assert current["recurring_credits"][0]["ending_before"][:10] == "2027-04-30"

    charge = current["scheduled_charges"][0]["schedule"]["schedule_items"][0]
    assert charge["timestamp"][:10] == "2028-01-31"
    subscription = got["subscriptions"][0]
    assert (subscription["starting_at"][:10], subscription["ending_before"][:10]) == ("2027-02-28", "2027-03-31")
    assert subscription["quantity_schedule"][0]["quantity"] == 3


def test_a_leap_day_start(api: Api, package: str, customer: str) -> None:
    contract_id = provision(api, customer_id=customer, package_id=package, starting_at="2028-02-29T00:00:00Z")
    current = contract(api, contract_id, customer)["current"]
    assert current["ending_before"][:10] == "2029-02-28"
    access = current["commits"][0]["access_schedule"]["schedule_items"][0]
    assert (access["starting_at"][:10], access["ending_before"][:10]) == ("2028-03-29", "2028-04-29")
    monthly = [c["access_schedule"]["schedule_items"][0]["starting_at"][:10] for c in current["credits"][1:]]
    assert monthly == ["2028-02-29", "2028-03-29", "2028-04-29"]


def test_provisioning_costs_at_most_three_calls(
    api: Api, package: str, customer: str, dynamodb_calls: Counter[str]
) -> None:
    dynamodb_calls.clear()
    provision(api, customer_id=customer, package_id=package, starting_at="2027-01-01T00:00:00Z", uniqueness_key="a")
    assert sum(dynamodb_calls.values()) <= 3 and dynamodb_calls["TransactWriteItems"] == 1, dynamodb_calls
    dynamodb_calls.clear()
    provision(api, customer_id=customer, package_alias="starter", starting_at="2027-01-01T00:00:00Z")
    assert sum(dynamodb_calls.values()) <= 3 and dynamodb_calls["TransactWriteItems"] == 1, dynamodb_calls


def test_an_alias_moved_to_a_newer_package_serves_each_date_its_holder(
    api: Api, catalog: dict[str, str], package: str, customer: str
) -> None:
    v2 = api.ok(
        "/v1/packages/create",
        package_body(
            catalog, name="Starter plan v2", aliases=[{"name": "starter", "starting_at": "2027-06-01T00:00:00Z"}]
        ),
    )["id"]
    before = provision(api, customer_id=customer, package_alias="starter", starting_at="2027-05-31T00:00:00Z")
    after = provision(api, customer_id=customer, package_alias="starter", starting_at="2027-06-01T00:00:00Z")
    assert contract(api, before, customer)["package_id"] == package
    assert contract(api, after, customer)["package_id"] == v2


def test_the_rate_card_alias_resolves_as_of_the_contract_start(
    api: Api, catalog: dict[str, str], package: str, customer: str
) -> None:
    newer = api.ok(
        "/v1/contract-pricing/rate-cards/create",
        {"name": "2028 prices", "aliases": [{"name": "tokens", "starting_at": "2028-01-01T00:00:00Z"}]},
    )["id"]
    old = provision(api, customer_id=customer, package_id=package, starting_at="2027-12-31T00:00:00Z")
    new = provision(api, customer_id=customer, package_id=package, starting_at="2028-01-01T00:00:00Z")
    assert contract(api, old, customer)["current"]["rate_card_id"] == catalog["rate_card"]
    assert contract(api, new, customer)["current"]["rate_card_id"] == newer


def test_a_rate_card_update_renames_it_and_moves_an_alias_to_it(
    api: Api, catalog: dict[str, str], package: str, customer: str
) -> None:
    newer = api.ok("/v1/contract-pricing/rate-cards/create", {"name": "2028 prices"})["id"]
    update = {
        "rate_card_id": newer,
        "name": "2028 list prices",
        "description": "from January",
        "aliases": [{"name": "tokens", "starting_at": "2028-01-01T00:00:00Z"}],
        "add_credit_type_conversions": [
            {"custom_credit_type_id": "2714e483-4ff1-48e4-9e25-ac732e8f24f2", "fiat_per_custom_credit": 0.5}
        ],
    }
    assert api.ok("/v1/contract-pricing/rate-cards/update", update) == {"id": newer}
    card = api.ok("/v1/contract-pricing/rate-cards/get", {"id": newer})
    assert (card["name"], card["description"]) == ("2028 list prices", "from January")
    assert card["aliases"] == [{"name": "tokens", "starting_at": "2028-01-01T00:00:00.000Z"}]
    assert card["credit_type_conversions"][0]["fiat_per_custom_credit"] == "0.5"
    # The alias now points at the updated card from 2028; before that, at the first card (trimmed).
    first = api.ok("/v1/contract-pricing/rate-cards/get", {"id": catalog["rate_card"]})
    assert first["aliases"] == [{"name": "tokens", "ending_before": "2028-01-01T00:00:00.000Z"}]
    old = provision(api, customer_id=customer, package_id=package, starting_at="2027-12-31T00:00:00Z")
    new = provision(api, customer_id=customer, package_id=package, starting_at="2028-01-01T00:00:00Z")
    assert contract(api, old, customer)["current"]["rate_card_id"] == catalog["rate_card"]
    assert contract(api, new, customer)["current"]["rate_card_id"] == newer


def test_invalid_rate_card_updates_change_nothing(api: Api, catalog: dict[str, str]) -> None:
    retired = api.ok("/v1/contract-pricing/rate-cards/create", {"name": "Old"})["id"]
    api.ok("/v1/contract-pricing/rate-cards/archive", {"id": retired})
    unknown = "0" * 8 + "-0000-4000-8000-" + "0" * 12
    before = scan_count()
    for body, status, message in (
        ({"rate_card_id": unknown, "name": "x"}, 404, f"rate card {unknown} not found"),
        ({"rate_card_id": retired, "name": "x"}, 400, f"rate_card_id: rate card {retired} is archived"),
        ({"rate_card_id": retired, "aliases": [{"name": "tokens"}]}, 400, "rate_card_id:"),
        ({"rate_card_id": catalog["rate_card"], "name": ""}, 400, "name"),
        ({"rate_card_id": catalog["rate_card"], "aliases": [{"name": "a"}, {"name": "a"}]}, 400, "aliases"),
    ):
        reply = api.post("/v1/contract-pricing/rate-cards/update", body)
        assert (reply.status, reply.message[: len(message)]) == (status, message), (body, reply.body)
    assert scan_count() == before
    tokens = api.ok("/v1/contract-pricing/rate-cards/get", {"id": catalog["rate_card"]})
    assert tokens["name"] == "Tokens rate card" and tokens["aliases"] == [{"name": "tokens"}]


def _refused(api: Api, body: dict[str, Any], field: str, words: str = "") -> None:
    before = scan_count()
    reply = api.post("/v1/contracts/create", body)
    assert reply.status == 400, reply.body
    assert reply.message.startswith(field), reply.message
    assert words in reply.message
    assert scan_count() == before


START = "2027-01-31T00:00:00Z"


def test_no_matching_billing_configuration(api: Api, package: str) -> None:
    other = new_customer(api, {"billing_provider": "stripe", "delivery_method": "aws_sqs"})
    _refused(api, {"customer_id": other, "package_id": package, "starting_at": START}, "customer_id", "no active")


def test_two_matching_billing_configurations(api: Api, package: str) -> None:
    doubled = new_customer(api, STRIPE, STRIPE)
    _refused(api, {"customer_id": doubled, "package_id": package, "starting_at": START}, "customer_id", "2 active")


def test_an_archived_configuration_does_not_match(api: Api, package: str, customer: str) -> None:
    config = api.ok("/v1/getCustomerBillingProviderConfigurations", {"customer_id": customer})[0]["id"]
    api.ok(
        "/v1/archiveCustomerBillingProviderConfigurations",
        {"customer_id": customer, "customer_billing_provider_configuration_ids": [config]},
    )
    _refused(api, {"customer_id": customer, "package_id": package, "starting_at": START}, "customer_id", "no active")
    assert api.ok("/v1/getCustomerBillingProviderConfigurations", {"customer_id": customer}) == []
    everything = api.ok(
        "/v1/getCustomerBillingProviderConfigurations", {"customer_id": customer, "include_archived": True}
    )
    assert everything[0]["archived_at"]


def test_archived_package(api: Api, package: str, customer: str) -> None:
    api.ok("/v1/packages/archive", {"package_id": package})
    _refused(api, {"customer_id": customer, "package_id": package, "starting_at": START}, "package_id", "archived")
    _refused(
        api, {"customer_id": customer, "package_alias": "starter", "starting_at": START}, "package_alias", "archived"
    )


def test_alias_with_no_owner_at_that_date(api: Api, catalog: dict[str, str], customer: str) -> None:
    window = [{"name": "promo", "starting_at": "2027-06-01T00:00:00Z", "ending_before": "2027-07-01T00:00:00Z"}]
    api.ok("/v1/packages/create", package_body(catalog, aliases=window))
    _refused(
        api, {"customer_id": customer, "package_alias": "promo", "starting_at": START}, "package_alias", "no package"
    )
    _refused(
        api, {"customer_id": customer, "package_alias": "never", "starting_at": START}, "package_alias", "no package"
    )


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"package_alias": "starter"}, "package_alias"),
        ({"commits": []}, "commits"),
        ({"rate_card_id": "00000000-0000-4000-8000-000000000000"}, "rate_card_id"),
        ({"name": "custom"}, "name"),
        ({"starting_at": "2027-01-31T00:00:00"}, "starting_at"),
        ({"uniqueness_key": ""}, "uniqueness_key"),
        ({"customer_id": "00000000-0000-4000-8000-000000000000"}, "customer_id"),
        (
            {"transition": {"from_contract_id": "00000000-0000-4000-8000-000000000000", "type": "RENEWAL"}},
            "transition.from_contract_id",
        ),
        ({"package_id": "00000000-0000-4000-8000-000000000000"}, "package_id"),
    ],
)
def test_bad_provisioning_requests(api: Api, package: str, customer: str, extra: dict[str, Any], field: str) -> None:
    body = {"customer_id": customer, "package_id": package, "starting_at": START, **extra}
    _refused(api, {k: v for k, v in body.items() if v is not None}, field)


def test_archived_customer(api: Api, package: str, customer: str) -> None:
    api.ok("/v1/customers/archive", {"id": customer})
    _refused(api, {"customer_id": customer, "package_id": package, "starting_at": START}, "customer_id", "archived")


def test_uniqueness_key_is_409_naming_the_contract(api: Api, package: str, customer: str) -> None:
    first = provision(api, customer_id=customer, package_id=package, starting_at=START, uniqueness_key="onboard-acme")
    before = scan_count()
    reply = api.post(
        "/v1/contracts/create",
        {"customer_id": customer, "package_id": package, "starting_at": START, "uniqueness_key": "onboard-acme"},
    )
    assert reply.status == 409 and reply.body["conflicting_id"] == first
    assert scan_count() == before


def test_a_billing_config_change_between_read_and_write_is_resolved_again(
    api: Api, package: str, customer: str, monkeypatch: pytest.MonkeyPatch, dynamodb_calls: Counter[str]
) -> None:
    # The first two attempts carry a stale configuration version, as if a change landed in between.
    seen = iter([999, 999])
    real = customer_store.billing_config_version
    monkeypatch.setattr(customer_store, "billing_config_version", lambda record: next(seen, None) or real(record))
    dynamodb_calls.clear()
    contract_id = provision(api, customer_id=customer, package_id=package, starting_at=START)
    assert dynamodb_calls["TransactWriteItems"] == 3  # two cancelled by the version check, one committed
    assert contract(api, contract_id, customer)["id"] == contract_id
    assert len(api.ok("/v1/contracts/list", {"customer_id": customer})) == 1


def test_preview_resolves_and_stores_nothing(api: Api, catalog: dict[str, str], package: str, customer: str) -> None:
    before = scan_count()
    preview = api.ok(
        "/v1/contracts/preview", {"customer_id": customer, "package_alias": "starter", "starting_at": START}
    )
    assert scan_count() == before
    assert preview["package_id"] == package and preview["rate_card_id"] == catalog["rate_card"]
    assert preview["customer_billing_provider_configuration"]["billing_provider"] == "stripe"
    assert preview["contract"]["current"]["ending_before"] == "2028-01-31T00:00:00.000Z"
    api.ok("/v1/packages/archive", {"package_id": package})
    reply = api.post("/v1/contracts/preview", {"customer_id": customer, "package_id": package, "starting_at": START})
    assert reply.status == 400 and reply.message.startswith("package_id")


def test_contracts_list_archive_and_tenant_isolation(api: Api, other_tenant: Api, package: str, customer: str) -> None:
    early = provision(api, customer_id=customer, package_id=package, starting_at="2027-01-01T00:00:00Z")
    late = provision(api, customer_id=customer, package_id=package, starting_at="2029-01-01T00:00:00Z")
    listed = api.post("/v1/contracts/list", {"customer_id": customer})
    assert [c["id"] for c in listed.data] == [early, late] and "cursor" not in listed.body  # the last page: no cursor
    covering = api.ok("/v1/contracts/list", {"customer_id": customer, "covering_date": "2029-06-01T00:00:00Z"})
    assert [c["id"] for c in covering] == [late]
    starting = api.ok("/v1/contracts/list", {"customer_id": customer, "starting_at": "2028-01-01T00:00:00Z"})
    assert [c["id"] for c in starting] == [late]
    api.ok("/v1/contracts/archive", {"contract_id": early, "customer_id": customer, "void_invoices": False})
    assert [c["id"] for c in api.ok("/v1/contracts/list", {"customer_id": customer})] == [late]
    with_archived = api.ok("/v1/contracts/list", {"customer_id": customer, "include_archived": True})
    assert with_archived[0]["archived_at"]
    assert other_tenant.post("/v1/contracts/get", {"contract_id": late, "customer_id": customer}).status == 404
    # Metronome's published description answers this operation's unknown package with 400 PackageNotFound.
    foreign = other_tenant.post("/v1/packages/listContractsOnPackage", {"package_id": package})
    assert foreign.status == 400 and foreign.body == {
        "code": "PackageNotFound",
        "message": f"package_id: package {package} not found",
    }


def test_a_renewal_is_listed_on_both_contracts(api: Api, package: str, customer: str) -> None:
    first = provision(api, customer_id=customer, package_id=package, starting_at="2027-01-01T00:00:00Z")
    before = contract(api, first, customer)
    renewal = provision(
        api,
        customer_id=customer,
        package_id=package,
        starting_at="2028-01-01T00:00:00Z",
        transition={"from_contract_id": first, "type": "RENEWAL"},
    )
    expected = [{"from_contract_id": first, "to_contract_id": renewal, "type": "RENEWAL"}]
    assert contract(api, renewal, customer)["current"]["transitions"] == expected
    after = contract(api, first, customer)
    assert after["current"]["transitions"] == after["initial"]["transitions"] == expected
    # The first contract ends where the renewal starts: what it carried before then is unchanged, what
    # was dated from then on is gone (test_transitions.py has the whole rule).
    cut = "2028-01-01T00:00:00.000Z"
    assert after["current"]["ending_before"] == before["current"]["ending_before"] == cut
    unchanged = ("transitions", "scheduled_charges")
    assert {k: v for k, v in after["current"].items() if k not in unchanged} == {
        k: v for k, v in before["current"].items() if k not in unchanged
    }
    charges = [i["timestamp"] for c in before["current"]["scheduled_charges"] for i in c["schedule"]["schedule_items"]]
    kept = [i["timestamp"] for c in after["current"]["scheduled_charges"] for i in c["schedule"]["schedule_items"]]
    assert kept == [t for t in charges if t < cut] and len(kept) < len(charges)
    listed = {c["id"]: c for c in api.ok("/v1/contracts/list", {"customer_id": customer})}
    assert listed[first]["current"]["transitions"] == expected


def test_contracts_on_a_package_page_across_shards_by_start_date(api: Api, package: str, customer: str) -> None:
    starts = [f"2027-{month:02}-{day:02}T00:00:00Z" for month in range(1, 13) for day in (1, 15)][:25]
    ids = [provision(api, customer_id=customer, package_id=package, starting_at=start) for start in starts]
    seen, cursor = [], None
    while True:
        reply = api.post(
            "/v1/packages/listContractsOnPackage",
            {"package_id": package},
            query={"limit": "10", **({"next_page": cursor} if cursor else {})},
        )
        seen += reply.data
        cursor = reply.body["next_page"]
        if not cursor:
            break
    assert [row["contract_id"] for row in seen] == ids
    assert seen[0]["customer_id"] == customer and seen[0]["ending_before"] == "2028-01-01T00:00:00.000Z"

    api.ok("/v1/contracts/archive", {"contract_id": ids[0], "customer_id": customer, "void_invoices": True})
    page = api.ok("/v1/packages/listContractsOnPackage", {"package_id": package}, query={"limit": "100"})
    assert ids[0] not in [row["contract_id"] for row in page]
    archived_too = api.ok(
        "/v1/packages/listContractsOnPackage", {"package_id": package, "include_archived": True}, query={"limit": "100"}
    )
    assert archived_too[0]["archived_at"]
    covering = api.ok(
        "/v1/packages/listContractsOnPackage",
        {"package_id": package, "covering_date": "2027-01-10T00:00:00Z", "include_archived": True},
        query={"limit": "100"},
    )
    assert [row["contract_id"] for row in covering] == ids[:1]
    later = api.ok(
        "/v1/packages/listContractsOnPackage",
        {"package_id": package, "starting_at": "2027-12-01T00:00:00Z"},
        query={"limit": "100"},
    )
    assert [row["contract_id"] for row in later] == ids[22:]
    both = api.post(
        "/v1/packages/listContractsOnPackage",
        {"package_id": package, "starting_at": START, "covering_date": START},
    )
    assert both.status == 400 and both.message.startswith("starting_at")


def test_billing_configurations_are_set_all_or_nothing(api: Api, customer: str) -> None:
    second = new_customer(api)
    set_reply = api.ok(
        "/v1/setCustomerBillingProviderConfigurations",
        {
            "data": [
                {"customer_id": second, **STRIPE},
                {
                    "customer_id": customer,
                    "billing_provider": "netsuite",
                    "delivery_method": "direct_to_billing_provider",
                },
            ]
        },
    )
    assert {row["customer_id"] for row in set_reply} == {customer, second}
    before = scan_count()
    reply = api.post(
        "/v1/setCustomerBillingProviderConfigurations",
        {
            "data": [
                {"customer_id": second, **STRIPE},
                {"customer_id": "00000000-0000-4000-8000-000000000000", **STRIPE},
            ]
        },
    )
    assert reply.status == 400 and reply.message.startswith("data[1].customer_id")
    assert scan_count() == before
    assert len(api.ok("/v1/getCustomerBillingProviderConfigurations", {"customer_id": second})) == 1
    bad = api.post(
        "/v1/archiveCustomerBillingProviderConfigurations",
        {
            "customer_id": second,
            "customer_billing_provider_configuration_ids": ["00000000-0000-4000-8000-000000000001"],
        },
    )
    assert bad.status == 400 and bad.message.startswith("customer_billing_provider_configuration_ids[0]")


def test_customers_get_list_archive(api: Api, other_tenant: Api, customer: str) -> None:
    got = api.get(f"/v1/customers/{customer}")
    assert got.status == 200 and got.data["name"] == "Acme" and "archived_at" not in got.data
    assert other_tenant.get(f"/v1/customers/{customer}").status == 404
    assert [c["id"] for c in api.get("/v1/customers").data] == [customer]
    api.ok("/v1/customers/archive", {"id": customer})
    assert api.get("/v1/customers").data == []
    assert [c["id"] for c in api.get("/v1/customers", query={"only_archived": "true"}).data] == [customer]


def test_every_term_of_a_full_package_resolves_with_product_names(api: Api, catalog: dict[str, str]) -> None:
    body = full_package(catalog["usage"], catalog["seats"], catalog["rate_card"])
    package = api.ok("/v1/packages/create", body)["id"]
    customer = new_customer(api, {**STRIPE, "configuration": {}})
    contract_id = provision(api, customer_id=customer, package_id=package, starting_at=START)
    got = contract(api, contract_id, customer)
    current = got["current"]
    assert current["overrides"][0]["product"] == {"id": catalog["usage"], "name": "Tokens"}
    assert current["overrides"][0]["starting_at"] == "2027-01-31T00:00:00.000Z"
    assert current["overrides"][0]["ending_before"] == "2027-07-31T00:00:00.000Z"
    assert current["overrides"][1]["override_tiers"] == [{"multiplier": 1, "size": 1000}, {"multiplier": 0.8}]
    assert got["subscriptions"][0]["subscription_rate"]["product"]["name"] == "Seats"
    assert current["spend_trackers"][0]["alias"] == "recharges"
    assert got["prepaid_balance_threshold_configuration"]["recharge_to_amount"] == 5000
    # The package's invoice_generation_starting_at_offset (0 days) resolved from the start (it used to be dropped).
    assert current["usage_statement_schedule"] == {
        "frequency": "MONTHLY",
        "billing_anchor_date": START[:-1] + ".000Z",
        "invoice_generation_starting_at": START[:-1] + ".000Z",
    }
    assert got["billing_anchor_date"] == "contract_start_date"


def test_customers_list_filters_by_ids_and_refuses_unsupported_filters(api: Api, other_tenant: Api) -> None:
    first, second, third = new_customer(api), new_customer(api), new_customer(api)
    foreign = new_customer(other_tenant)
    api.ok("/v1/customers/archive", {"id": third})
    wanted = {"customer_ids": ",".join([second, first, foreign, third])}  # how metronome-sdk sends a list
    reply = api.get("/v1/customers", query=wanted)
    assert reply.status == 200 and [c["id"] for c in reply.data] == [second, first]
    archived = api.get("/v1/customers", query={**wanted, "only_archived": "true"})
    assert [c["id"] for c in archived.data] == [third]
    assert api.get("/v1/customers", query={"customer_ids": f"{first},nope"}).message.startswith("customer_ids[1]")
    assert api.get("/v1/customers", query={"ingest_alias": "nobody"}).data == []


def test_a_start_whose_terms_would_end_after_the_year_9999_is_a_400_naming_starting_at(
    api: Api, catalog: dict[str, str]
) -> None:
    package = api.ok("/v1/packages/create", package_body(catalog))["id"]
    customer = api.ok("/v1/customers", {"name": "Late", "customer_billing_provider_configurations": [STRIPE]})["id"]
    before = scan_count()
    reply = api.post("/v1/contracts/create", {"customer_id": customer, "package_id": package,
                                              "starting_at": "9999-06-01T00:00:00Z"})  # fmt: skip
    assert reply.status == 400 and reply.message.startswith("starting_at:") and "9999" in reply.message
    assert scan_count() == before
