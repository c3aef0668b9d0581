"""Request examples in the OpenAPI document: Swagger UI's "Try it out" starts from them and schemathesis'
examples phase sends them. Ids are those of the demo tenant that `make run` seeds (token `demo-token`),
so each example answers 200 there. Operations that would spoil the demo (archiving its products) have none."""

from typing import Any

DEMO_TENANT = "demo"
DEMO_TOKEN = "demo-token"
USAGE_PRODUCT = "0d3b1c4e-0000-4000-8000-000000000001"
SEAT_PRODUCT = "0d3b1c4e-0000-4000-8000-000000000002"
RATE_CARD = "0d3b1c4e-0000-4000-8000-000000000003"
PACKAGE = "0d3b1c4e-0000-4000-8000-000000000004"
ARCHIVABLE_PACKAGE = "0d3b1c4e-0000-4000-8000-000000000005"
CUSTOMER = "0d3b1c4e-0000-4000-8000-000000000006"
NEXT_PACKAGE = "0d3b1c4e-0000-4000-8000-000000000008"
MIGRATION = "0d3b1c4e-0000-4000-8000-000000000009"
MIGRATION_REQUEST = {
    "from_package_id": PACKAGE,
    "to_package_id": NEXT_PACKAGE,
    "effective": {"type": "NEXT_BILLING_PERIOD", "after": "2027-06-01T00:00:00Z"},
}

_PROVISION = {"customer_id": CUSTOMER, "package_alias": "starter", "starting_at": "2027-01-31T00:00:00Z"}

REQUEST_EXAMPLES: dict[str, dict[str, Any]] = {
    "/v1/packages/create": {
        "name": "Starter plan v2",
        "duration": {"unit": "MONTHS", "value": 12},
        "net_payment_terms_days": 15,
        "rate_card_alias": "Tokens rate card",
    },
    "/v1/packages/get": {"package_id": PACKAGE},
    "/v1/packages/list": {"archive_filter": "ALL"},
    "/v1/packages/archive": {"package_id": ARCHIVABLE_PACKAGE},
    "/v1/packages/listContractsOnPackage": {"package_id": PACKAGE},
    "/v1/contract-pricing/products/create": {"name": "Storage", "type": "USAGE"},
    "/v1/contract-pricing/products/get": {"id": USAGE_PRODUCT},
    "/v1/contract-pricing/products/list": {"archive_filter": "NOT_ARCHIVED"},
    "/v1/contract-pricing/products/update": {
        "product_id": SEAT_PRODUCT,
        "starting_at": "2027-01-01T00:00:00Z",
        "name": "Platform fee",
    },
    "/v1/contract-pricing/rate-cards/create": {"name": "Tokens 2028"},
    "/v1/contract-pricing/rate-cards/get": {"id": RATE_CARD},
    "/v1/contract-pricing/rate-cards/list": {},
    "/v1/contract-pricing/rate-cards/update": {"rate_card_id": RATE_CARD, "description": "List prices for tokens"},
    # A price change for next year (a second send is a 400: that rate exists).
    "/v1/contract-pricing/rate-cards/addRate": {
        "rate_card_id": RATE_CARD,
        "product_id": USAGE_PRODUCT,
        "entitled": True,
        "rate_type": "FLAT",
        "price": 3,
        "starting_at": "2028-01-01T00:00:00Z",
    },
    "/v1/contract-pricing/rate-cards/getRates": {"rate_card_id": RATE_CARD, "at": "2027-01-31T00:00:00Z"},
    "/v1/contract-pricing/rate-cards/getRateSchedule": {
        "rate_card_id": RATE_CARD,
        "starting_at": "2027-01-01T00:00:00Z",
        "selectors": [{"product_id": USAGE_PRODUCT}],
    },
    "/v1/customers": {"name": "Acme"},
    "/v1/getCustomerBillingProviderConfigurations": {"customer_id": CUSTOMER},
    "/v1/setCustomerBillingProviderConfigurations": {
        "data": [
            {
                "customer_id": CUSTOMER,
                "billing_provider": "stripe",
                "delivery_method": "direct_to_billing_provider",
                "configuration": {"stripe_customer_id": "cus_demo", "stripe_collection_method": "send_invoice"},
            }
        ]
    },
    "/v1/contracts/create": _PROVISION,
    "/v1/contracts/preview": _PROVISION,
    "/v1/contracts/list": {"customer_id": CUSTOMER},
    "/v2/contracts/list": {"customer_id": CUSTOMER},
    "/v1/packageMigrations/create": MIGRATION_REQUEST,
    "/v1/packageMigrations/get": {"migration_id": MIGRATION},
    "/v1/packageMigrations/listPlan": {"migration_id": MIGRATION},
    "/v1/provisioningJobs/create": {
        "package_alias": "starter",
        "starting_at": "2027-06-30T00:00:00Z",
        "customer_ids": [CUSTOMER],
    },
}
