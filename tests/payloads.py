"""Request bodies shared by the integration and end-to-end suites."""

from typing import Any

CUSTOM_CREDIT = "9b0b4bb2-7d6c-4a9e-9a77-3c2f1c0a1b11"


def full_package(usage_id: str, subscription_id: str, rate_card_id: str, **overrides: Any) -> dict[str, Any]:
    """A package with every field group of `package_create_params` filled in."""
    body: dict[str, Any] = {
        "name": "Everything plan",
        "aliases": [{"name": "everything", "starting_at": "2027-01-01T00:00:00Z"}],
        "billing_provider": "stripe",
        "delivery_method": "direct_to_billing_provider",
        "billing_anchor_date": "contract_start_date",
        "contract_name": "Everything contract",
        "duration": {"unit": "years", "value": 1},
        "multiplier_override_prioritization": "explicit",
        "net_payment_terms_days": 30,
        "rate_card_id": rate_card_id,
        "scheduled_charges_on_usage_invoices": "ALL",
        "uniqueness_key": "everything-1",
        "usage_statement_schedule": {
            "frequency": "MONTHLY",
            "day": "CONTRACT_START",
            "invoice_generation_starting_at_offset": {"unit": "DAYS", "value": 0},
        },
        "commits": [
            {
                "product_id": usage_id,
                "type": "PREPAID",
                "name": "Prepaid commit",
                "description": "annual prepay",
                "priority": 1,
                "rate_type": "COMMIT_RATE",
                "rollover_fraction": 0.5,
                "temporary_id": "commit-a",
                "custom_fields": {"team": "sales"},
                "applicable_product_ids": [usage_id],
                "access_schedule": {
                    "access_type": "SPEND",
                    "credit_type_id": CUSTOM_CREDIT,
                    "schedule_items": [
                        {
                            "amount": 10000,
                            "starting_at_offset": {"unit": "DAYS", "value": 0},
                            "duration": {"unit": "MONTHS", "value": 12},
                        }
                    ],
                },
                "invoice_schedule": {
                    "do_not_invoice": False,
                    "schedule_items": [
                        {"date_offset": {"unit": "WEEKS", "value": 1}, "quantity": 1, "unit_price": 10000}
                    ],
                },
            },
            {
                "product_id": usage_id,
                "type": "POSTPAID",
                "specifiers": [{"product_id": usage_id, "pricing_group_values": {"region": "eu"}}],
                "access_schedule": {
                    "schedule_items": [
                        {
                            "amount": 500,
                            "starting_at_offset": {"unit": "MONTHS", "value": 1},
                            "duration": {"unit": "MONTHS", "value": 11},
                        }
                    ]
                },
                "invoice_schedule": {
                    "schedule_items": [
                        {"date_offset": {"unit": "MONTHS", "value": 12}, "quantity": 1, "unit_price": 500}
                    ]
                },
            },
        ],
        "credits": [
            {
                "product_id": usage_id,
                "name": "Welcome credit",
                "applicable_product_tags": ["ai"],
                "access_schedule": {
                    "schedule_items": [
                        {
                            "amount": 1000,
                            "starting_at_offset": {"unit": "DAYS", "value": 0},
                            "duration": {"unit": "DAYS", "value": 30},
                        }
                    ]
                },
            }
        ],
        "recurring_commits": [
            {
                "product_id": usage_id,
                "priority": 2,
                "access_amount": {"unit_price": 100, "quantity": 1, "credit_type_id": CUSTOM_CREDIT},
                "invoice_amount": {"unit_price": 100, "quantity": 1, "credit_type_id": CUSTOM_CREDIT},
                "commit_duration": {"value": 1, "unit": "PERIODS"},
                "starting_at_offset": {"unit": "MONTHS", "value": 0},
                "duration": {"unit": "MONTHS", "value": 6},
                "recurrence_frequency": "MONTHLY",
                "proration": "FIRST_AND_LAST",
                "proration_rounding": {
                    "access": {"decimal_places": 2, "rounding_method": "HALF_UP"},
                    "invoice": {"decimal_places": 0, "rounding_method": "FLOOR"},
                },
                "rate_type": "LIST_RATE",
                "temporary_id": "recurring-a",
            }
        ],
        "recurring_credits": [
            {
                "product_id": usage_id,
                "priority": 3,
                "access_amount": {"unit_price": 1000},
                "commit_duration": {"value": 1},
                "starting_at_offset": {"unit": "DAYS", "value": 0},
                "duration": {"unit": "MONTHS", "value": 3},
                "recurrence_frequency": "MONTHLY",
                "subscription_config": {
                    "subscription_id": "seats",
                    "allocation": "INDIVIDUAL",
                    "apply_seat_increase_config": {"is_prorated": True},
                },
            }
        ],
        "scheduled_charges": [
            {
                "product_id": usage_id,
                "name": "Onboarding",
                "custom_fields": {"kind": "setup"},
                "schedule": {
                    "credit_type_id": CUSTOM_CREDIT,
                    "schedule_items": [
                        {"date_offset": {"unit": "DAYS", "value": 14}, "quantity": 1, "unit_price": 2500}
                    ],
                },
            }
        ],
        "subscriptions": [
            {
                "collection_schedule": "ADVANCE",
                "proration": {
                    "invoice_behavior": "BILL_ON_NEXT_COLLECTION_DATE",
                    "is_prorated": True,
                    "rounding": {"decimal_places": 2, "rounding_method": "CEILING"},
                },
                "subscription_rate": {"billing_frequency": "MONTHLY", "product_id": subscription_id},
                "quantity_management_mode": "SEAT_BASED",
                "seat_config": {"seat_group_key": "user_id", "initial_unassigned_seats": 2},
                "billing_cycle_config": {"invoice_placement": "ON_SCHEDULED_INVOICE"},
                "starting_at_offset": {"unit": "DAYS", "value": 0},
                "duration": {"unit": "MONTHS", "value": 12},
                "temporary_id": "seats",
                "name": "Seats",
                "description": "per seat",
                "custom_fields": {"tier": "pro"},
            }
        ],
        "overrides": [
            {
                "override_specifiers": [{"product_id": usage_id}],
                "starting_at_offset": {"unit": "DAYS", "value": 0},
                "duration": {"unit": "MONTHS", "value": 6},
                "type": "MULTIPLIER",
                "multiplier": 0.9,
                "priority": 1,
                "entitled": True,
            },
            {
                "override_specifiers": [{"product_tags": ["ai"], "billing_frequency": "MONTHLY"}],
                "starting_at_offset": {"unit": "MONTHS", "value": 1},
                "type": "TIERED",
                "priority": 2,
                "tiers": [{"multiplier": 1, "size": 1000}, {"multiplier": 0.8}],
            },
            {
                "override_specifiers": [{"product_id": usage_id, "commit_ids": ["commit-a"]}],
                "starting_at_offset": {"unit": "DAYS", "value": 0},
                "is_commit_specific": True,
                "target": "COMMIT_RATE",
                "type": "OVERWRITE",
                "overwrite_rate": {"rate_type": "FLAT", "price": 5, "credit_type_id": CUSTOM_CREDIT},
            },
        ],
        "spend_trackers": [
            {
                "alias": "recharges",
                "credit_type_id": CUSTOM_CREDIT,
                "reset_frequency": "BILLING_PERIOD",
                "applicable_spend_specifiers": [
                    {"sources": ["THRESHOLD_RECHARGE"], "spend_type": "COMMIT_PURCHASE", "discounted": "ANY"}
                ],
            }
        ],
        "prepaid_balance_threshold_configuration": {
            "commit": {
                "product_id": usage_id,
                "name": "Top-up",
                "duration": {"unit": "YEARS", "value": 1},
                "rate_type": "COMMIT_RATE",
            },
            "is_enabled": True,
            "payment_gate_config": {
                "payment_gate_type": "STRIPE",
                "stripe_config": {"payment_type": "INVOICE", "invoice_metadata": {"po": "42"}},
                "tax_type": "NONE",
            },
            "recharge_to_amount": 5000,
            "threshold_amount": 1000,
            "discount_configuration": {
                "payment_fraction": 0.9,
                "cap": {"amount": 100000, "spend_tracker_alias": "recharges"},
            },
            "threshold_balance_specifiers": [
                {"exclude": [{"custom_field_filters": [{"entity": "Commit", "key": "k", "value": "v"}]}]}
            ],
        },
        "spend_threshold_configuration": {
            "commit": {"product_id": usage_id, "priority": 100},
            "is_enabled": True,
            "payment_gate_config": {"payment_gate_type": "NONE"},
            "threshold_amount": 20000,
        },
    }
    body.update(overrides)
    return body


STRIPE = {"billing_provider": "stripe", "delivery_method": "direct_to_billing_provider"}


def _item(unit: str, value: int) -> dict[str, Any]:
    return {"unit": unit, "value": value}


def package_body(catalog: dict[str, str], **changes: Any) -> dict[str, Any]:
    """Commits, credits, recurring commits, scheduled charges and subscriptions in all four units."""
    usage, seats = catalog["usage"], catalog["seats"]
    body = {
        "name": "Starter plan",
        "aliases": [{"name": "starter"}],
        "duration": _item("MONTHS", 12),
        "rate_card_alias": "tokens",
        **STRIPE,
        "commits": [
            {
                "product_id": usage,
                "type": "PREPAID",
                "access_schedule": {
                    "schedule_items": [
                        {"amount": 100, "starting_at_offset": _item("MONTHS", 1), "duration": _item("MONTHS", 1)}
                    ]
                },
                "invoice_schedule": {
                    "schedule_items": [{"date_offset": _item("WEEKS", 2), "quantity": 2, "unit_price": 50}]
                },
            }
        ],
        "credits": [
            {
                "product_id": usage,
                "access_schedule": {
                    "schedule_items": [
                        {"amount": 5, "starting_at_offset": _item("DAYS", 10), "duration": _item("DAYS", 20)}
                    ]
                },
            }
        ],
        "recurring_commits": [
            {
                "product_id": usage,
                "priority": 1,
                "access_amount": {"unit_price": 300, "quantity": 1},
                "commit_duration": {"value": 1},
                "starting_at_offset": _item("DAYS", 0),
                "duration": _item("YEARS", 1),
                "recurrence_frequency": "QUARTERLY",
            }
        ],
        "recurring_credits": [
            {
                "product_id": usage,
                "priority": 1,
                "access_amount": {"unit_price": 1000, "quantity": 1},
                "commit_duration": {"value": 1},
                "starting_at_offset": _item("DAYS", 0),
                "duration": _item("MONTHS", 3),
                "recurrence_frequency": "MONTHLY",
            }
        ],
        "scheduled_charges": [
            {
                "product_id": usage,
                "schedule": {"schedule_items": [{"date_offset": _item("YEARS", 1), "quantity": 1, "unit_price": 9}]},
            }
        ],
        "subscriptions": [
            {
                "collection_schedule": "ADVANCE",
                "proration": {"is_prorated": True},
                "subscription_rate": {"billing_frequency": "MONTHLY", "product_id": seats},
                "initial_quantity": 3,
                "starting_at_offset": _item("MONTHS", 1),
                "duration": _item("MONTHS", 1),
            }
        ],
    }
    body.update(changes)
    return body


def full_custom_contract(
    customer: str, usage_id: str, subscription_id: str, rate_card: str, **overrides: Any
) -> dict[str, Any]:
    """A custom contract (no package) with every field group of `contract_create_params` filled in."""
    start, end = "2027-01-31T00:00:00Z", "2028-01-31T00:00:00Z"
    window = {"starting_at": start, "ending_before": end}
    body: dict[str, Any] = {
        "customer_id": customer,
        "starting_at": start,
        "ending_before": end,
        "name": "Enterprise deal",
        "rate_card_id": rate_card,
        "billing_provider_configuration": STRIPE,
        "multiplier_override_prioritization": "explicit",
        "net_payment_terms_days": 45,
        "netsuite_sales_order_id": "SO-1",
        "salesforce_opportunity_id": "OPP-1",
        "total_contract_value": 250000,
        "scheduled_charges_on_usage_invoices": "ALL",
        "uniqueness_key": "enterprise-1",
        "custom_fields": {"deal": "enterprise"},
        "usage_statement_schedule": {"frequency": "MONTHLY", "day": "CONTRACT_START"},
        "usage_filter": {"group_key": "region", "group_values": ["eu", "us"]},
        "hierarchy_configuration": {"parent_behavior": {"invoice_consolidation_type": "CONCATENATE"}},
        "revenue_system_configuration": {"provider": "netsuite", "delivery_method": "direct_to_billing_provider"},
        "commits": [
            {
                "product_id": usage_id,
                "type": "PREPAID",
                "name": "Prepaid commit",
                "priority": 1,
                "rate_type": "COMMIT_RATE",
                "rollover_fraction": 0.25,
                "temporary_id": "commit-a",
                "custom_fields": {"team": "sales"},
                "netsuite_sales_order_id": "SO-2",
                "applicable_product_ids": [usage_id],
                "hierarchy_configuration": {"child_access": {"type": "ALL"}},
                "spend_tracker_attributes": {"counts_as_discounted": True},
                "access_schedule": {
                    "credit_type_id": CUSTOM_CREDIT,
                    "schedule_items": [{"amount": 100000, **window}],
                },
                "invoice_schedule": {
                    "recurring_schedule": {
                        "amount_distribution": "DIVIDED",
                        "frequency": "QUARTERLY",
                        "amount": 100000,
                        **window,
                    }
                },
            },
            {
                "product_id": usage_id,
                "type": "POSTPAID",
                "access_schedule": {"schedule_items": [{"amount": 5000, **window}]},
                "invoice_schedule": {"schedule_items": [{"timestamp": end, "amount": 5000}]},
            },
        ],
        "credits": [
            {
                "product_id": usage_id,
                "name": "Onboarding credit",
                "specifiers": [{"product_id": usage_id, "pricing_group_values": {"region": "eu"}}],
                "access_schedule": {
                    "schedule_items": [{"amount": 1000, "starting_at": start, "ending_before": "2027-03-31T00:00:00Z"}]
                },
            }
        ],
        "recurring_commits": [
            {
                "product_id": usage_id,
                "priority": 2,
                "temporary_id": "recurring-a",
                "access_amount": {"unit_price": 500, "quantity": 2},
                "commit_duration": {"value": 1, "unit": "PERIODS"},
                "invoice_amount": {"credit_type_id": CUSTOM_CREDIT, "quantity": 1, "unit_price": 1000},
                "recurrence_frequency": "QUARTERLY",
                "proration": "FIRST_AND_LAST",
                "starting_at": start,
            }
        ],
        "recurring_credits": [
            {
                "product_id": usage_id,
                "priority": 3,
                "access_amount": {"unit_price": 100},
                "commit_duration": {"value": 1},
                "subscription_config": {
                    "subscription_id": "seats-sub",
                    "apply_seat_increase_config": {"is_prorated": True},
                    "allocation": "INDIVIDUAL",
                },
                "starting_at": start,
                "ending_before": "2027-07-31T00:00:00Z",
            }
        ],
        "subscriptions": [
            {
                "temporary_id": "seats-sub",
                "collection_schedule": "ADVANCE",
                "proration": {"invoice_behavior": "BILL_IMMEDIATELY", "is_prorated": True},
                "subscription_rate": {"billing_frequency": "MONTHLY", "product_id": subscription_id},
                "quantity_management_mode": "SEAT_BASED",
                "seat_config": {"seat_group_key": "user_id", "initial_seat_ids": ["u1", "u2"]},
                "billing_cycle_config": {"invoice_placement": "ON_SCHEDULED_INVOICE"},
                "name": "Seats",
            }
        ],
        "overrides": [
            {
                "starting_at": start,
                "type": "MULTIPLIER",
                "multiplier": 0.9,
                "priority": 1,
                "override_specifiers": [{"product_id": usage_id}],
            },
            {
                "starting_at": "2027-06-30T00:00:00Z",
                "ending_before": end,
                "is_commit_specific": True,
                "type": "OVERWRITE",
                "overwrite_rate": {"rate_type": "FLAT", "price": 1.5},
                "override_specifiers": [{"commit_ids": ["commit-a"], "recurring_commit_ids": ["recurring-a"]}],
            },
            {"starting_at": start, "product_id": usage_id, "multiplier": 0.5, "priority": 2},
        ],
        "scheduled_charges": [
            {
                "product_id": subscription_id,
                "name": "Setup fee",
                "schedule": {"schedule_items": [{"timestamp": start, "quantity": 1, "unit_price": 25000}]},
            }
        ],
        "discounts": [
            {
                "product_id": usage_id,
                "name": "Launch discount",
                "schedule": {"schedule_items": [{"timestamp": "2027-02-28T00:00:00Z", "amount": 2000}]},
            }
        ],
        "professional_services": [
            {"product_id": subscription_id, "max_amount": 50000, "quantity": 10, "unit_price": 5000}
        ],
        "reseller_royalties": [
            {
                "fraction": 0.1,
                "netsuite_reseller_id": "R-1",
                "reseller_type": "AWS",
                "starting_at": start,
                "applicable_product_ids": [usage_id],
                "aws_options": {"aws_account_number": "123456789012", "aws_offer_id": "offer-1"},
            }
        ],
        "spend_trackers": [
            {
                "alias": "monthly-spend",
                "credit_type_id": CUSTOM_CREDIT,
                "reset_frequency": "BILLING_PERIOD",
                "applicable_spend_specifiers": [{"sources": ["MANUAL"], "spend_type": "COMMIT_PURCHASE"}],
            }
        ],
        "spend_threshold_configuration": {
            "commit": {"product_id": usage_id, "name": "Threshold charge"},
            "is_enabled": True,
            "payment_gate_config": {"payment_gate_type": "NONE"},
            "threshold_amount": 10000,
            "discount_configuration": {
                "payment_fraction": 0.9,
                "cap": {"amount": 50000, "spend_tracker_alias": "monthly-spend"},
            },
        },
        "prepaid_balance_threshold_configuration": {
            "commit": {"product_id": usage_id, "applicable_product_ids": [usage_id]},
            "is_enabled": True,
            "payment_gate_config": {"payment_gate_type": "STRIPE", "stripe_config": {"payment_type": "INVOICE"}},
            "recharge_to_amount": 20000,
            "threshold_amount": 5000,
        },
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}
