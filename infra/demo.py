"""A small demo tenant with fixed ids, so the sample events in events/ work as they stand.

Seeded (idempotently) by the local stack and by the invoke runner. Tenant `demo`, token `demo-token`.
"""

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime

from package_service.api_examples import (  # one definition: the OpenAPI examples refer to these ids
    ARCHIVABLE_PACKAGE,
    CUSTOMER,
    MIGRATION,
    MIGRATION_REQUEST,
    NEXT_PACKAGE,
    PACKAGE,
    RATE_CARD,
    SEAT_PRODUCT,
    USAGE_PRODUCT,
)
from package_service.api_examples import DEMO_TENANT as TENANT
from package_service.api_examples import DEMO_TOKEN as TOKEN

DEMO_MIGRATION_CREATED = datetime(2026, 11, 1, tzinfo=UTC)


def _ensure(create: Callable[[], object]) -> None:
    """Create a demo record unless an earlier, interrupted seed already did (its id is taken)."""
    from package_service.domain.errors import InvalidRequest

    with contextlib.suppress(InvalidRequest):
        create()


def seed() -> None:
    from package_service.domain.catalog import ProductCreate, RateCardCreate
    from package_service.domain.customers import CustomerCreate
    from package_service.domain.migrations import MigrationCreate
    from package_service.domain.package import PackageCreate
    from package_service.domain.principal import Principal
    from package_service.domain.rates import RateInput
    from package_service.services.migrations import create_migration
    from package_service.services.rates import add_rates
    from package_service.store.catalog import create_product, create_rate_card
    from package_service.store.customers import create_customer
    from package_service.store.packages import create_package
    from package_service.store.tokens import create_token, find_principal

    principal, now = Principal(TENANT, TENANT), datetime.now(UTC)
    if find_principal(TOKEN) is not None:
        return  # already seeded
    _ensure(lambda: create_product(principal, ProductCreate(name="Tokens", type="USAGE"), now, USAGE_PRODUCT))
    fee = ProductCreate(name="Platform fee", type="SUBSCRIPTION")
    _ensure(lambda: create_product(principal, fee, now, SEAT_PRODUCT))
    rate_card = RateCardCreate.model_validate({"name": "Tokens 2027", "aliases": [{"name": "Tokens rate card"}]})
    _ensure(lambda: create_rate_card(principal, rate_card, now, RATE_CARD))
    tokens = RateInput.model_validate({"product_id": USAGE_PRODUCT, "entitled": True, "rate_type": "FLAT",
                                       "price": 2.5, "starting_at": "2027-01-01T00:00:00Z"})  # fmt: skip
    _ensure(lambda: add_rates(principal, RATE_CARD, [tokens], [""], now))
    starter = {
        "name": "Starter plan",
        "aliases": [{"name": "starter"}],
        "duration": {"unit": "MONTHS", "value": 12},
        "net_payment_terms_days": 15,
        "rate_card_alias": "Tokens rate card",
        "subscriptions": [
            {
                "collection_schedule": "ADVANCE",
                "proration": {"is_prorated": True},
                "subscription_rate": {"billing_frequency": "MONTHLY", "product_id": SEAT_PRODUCT},
                "initial_quantity": 1,
            }
        ],
        "recurring_credits": [
            {
                "product_id": USAGE_PRODUCT,
                "priority": 1,
                "access_amount": {"unit_price": 1000, "quantity": 1},
                "commit_duration": {"value": 1},
                "starting_at_offset": {"unit": "DAYS", "value": 0},
                "duration": {"unit": "MONTHS", "value": 3},
                "recurrence_frequency": "MONTHLY",
            }
        ],
    }
    _ensure(lambda: create_package(principal, PackageCreate.model_validate(starter), now, PACKAGE))
    _ensure(lambda: create_package(principal, PackageCreate(name="Retired plan"), now, ARCHIVABLE_PACKAGE))
    _ensure(lambda: create_customer(principal, CustomerCreate(name="Demo customer"), now, CUSTOMER))
    next_plan = {
        **starter,
        "name": "Starter plan v2",
        "aliases": [{"name": "starter-next"}],
        "net_payment_terms_days": 30,
    }
    _ensure(lambda: create_package(principal, PackageCreate.model_validate(next_plan), now, NEXT_PACKAGE))
    # Created "on" a fixed day before its NEXT_BILLING_PERIOD date: a migration refuses dates in the past, and
    # the demo must seed whenever it runs (its request is also the documented example).
    migration = MigrationCreate.model_validate(MIGRATION_REQUEST)
    _ensure(lambda: create_migration(principal, migration, DEMO_MIGRATION_CREATED, MIGRATION))
    create_token(TENANT, TENANT, TOKEN)  # last: its presence means the seed is complete
