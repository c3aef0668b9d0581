"""Products and rate cards: a product's update is checked first (domain/catalog.py); every other call is
one store read or write, passed through so that routes depend on services only."""

from datetime import datetime

from ..domain.catalog import ProductUpdate, refuse_own_component
from ..domain.principal import Principal
from ..store import catalog
from ..store.catalog import (
    archive_product,
    archive_rate_card,
    create_product,
    create_rate_card,
    get_product,
    get_rate_card,
    list_products,
    list_rate_cards,
    update_rate_card,
)

__all__ = [
    "archive_product",
    "archive_rate_card",
    "create_product",
    "create_rate_card",
    "get_product",
    "get_rate_card",
    "list_products",
    "list_rate_cards",
    "update_product",
    "update_rate_card",
]


def update_product(principal: Principal, request: ProductUpdate, now: datetime) -> None:
    refuse_own_component(request)
    catalog.update_product(principal, request, now)
