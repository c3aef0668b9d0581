"""Cross-field package rules and model normalisation, without any AWS."""

from typing import Any

import pytest
from pydantic import ValidationError

from package_service.domain.errors import InvalidRequest
from package_service.domain.package import PackageCreate, check_package_rules, referenced_products

P1 = "11111111-1111-4111-8111-111111111111"
P2 = "22222222-2222-4222-8222-222222222222"


def package(**fields: Any) -> PackageCreate:
    return PackageCreate.model_validate({"name": "P", **fields})


def rule_error(**fields: Any) -> str:
    with pytest.raises(InvalidRequest) as error:
        check_package_rules(package(**fields))
    return error.value.message


def override(**fields: Any) -> dict[str, Any]:
    return {"override_specifiers": [{"product_id": P1}], "starting_at_offset": {"unit": "days", "value": 0}, **fields}


def test_units_and_prioritization_accept_lower_case() -> None:
    created = package(duration={"unit": "months", "value": 3}, multiplier_override_prioritization="explicit")
    assert created.duration is not None and created.duration.unit == "MONTHS"
    assert created.multiplier_override_prioritization == "EXPLICIT"


def test_ids_are_canonicalised() -> None:
    assert package(rate_card_id=P1.upper()).rate_card_id == P1


def test_tiered_requires_explicit() -> None:
    assert rule_error(overrides=[override(tiers=[{"multiplier": 1}], priority=1)]).startswith("overrides[0].type")


def test_explicit_requires_priority_on_every_multiplier() -> None:
    message = rule_error(multiplier_override_prioritization="EXPLICIT", overrides=[override(multiplier=0.5)])
    assert message.startswith("overrides[0].priority")


def test_explicit_overwrites_need_no_priority() -> None:
    check_package_rules(
        package(
            multiplier_override_prioritization="EXPLICIT",
            overrides=[override(type="OVERWRITE", overwrite_rate={"rate_type": "FLAT", "price": 1})],
        )
    )


def test_rate_card_id_xor_alias() -> None:
    assert rule_error(rate_card_id=P1, rate_card_alias="a").startswith("rate_card_id")


def test_billing_provider_needs_delivery_method() -> None:
    assert rule_error(billing_provider="stripe").startswith("delivery_method")


def test_spend_tracker_caps_must_name_a_tracker() -> None:
    config = {
        "commit": {"product_id": P1},
        "is_enabled": True,
        "payment_gate_config": {"payment_gate_type": "NONE"},
        "threshold_amount": 10,
        "discount_configuration": {"payment_fraction": 0.5, "cap": {"amount": 1, "spend_tracker_alias": "x"}},
    }
    message = rule_error(spend_threshold_configuration=config)
    assert message.startswith("spend_threshold_configuration.discount_configuration.cap.spend_tracker_alias")


@pytest.mark.parametrize(
    ("fields", "location"),
    [
        ({"duration": {"unit": "DAYS", "value": 0}}, ("duration", "value")),
        ({"duration": {"unit": "DAYS", "value": 40000}}, ("duration",)),
        (
            {
                "commits": [
                    {
                        "product_id": P1,
                        "type": "POSTPAID",
                        "access_schedule": {
                            "schedule_items": [
                                {
                                    "amount": 1,
                                    "starting_at_offset": {"unit": "DAYS", "value": 0},
                                    "duration": {"unit": "DAYS", "value": 1},
                                }
                            ]
                        },
                    }
                ]
            },
            ("commits", 0),
        ),
        (
            {
                "subscriptions": [
                    {
                        "collection_schedule": "ADVANCE",
                        "proration": {},
                        "subscription_rate": {"billing_frequency": "MONTHLY", "product_id": P1},
                    }
                ]
            },
            ("subscriptions", 0),
        ),
    ],
)
def test_shape_errors_carry_the_field_location(fields: dict[str, Any], location: tuple[Any, ...]) -> None:
    with pytest.raises(ValidationError) as error:
        package(**fields)
    assert error.value.errors()[0]["loc"][: len(location)] == location


def test_referenced_products_name_the_first_field_that_mentions_each() -> None:
    created = package(
        scheduled_charges=[
            {
                "product_id": P1,
                "schedule": {
                    "schedule_items": [{"date_offset": {"unit": "DAYS", "value": 0}, "quantity": 1, "unit_price": 1}]
                },
            }
        ],
        overrides=[override(multiplier=1), override(multiplier=1) | {"override_specifiers": [{"product_id": P2}]}],
    )
    assert referenced_products(created) == {
        P1: "scheduled_charges[0].product_id",
        P2: "overrides[1].override_specifiers[0].product_id",
    }
