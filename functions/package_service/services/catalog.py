"""Products and rate cards: each call is one store read or write (the rules live in domain/catalog.py);
routes call them here so that they depend on services only."""

from ..store.catalog import (
    archive_product,
    archive_rate_card,
    create_product,
    create_rate_card,
    get_product,
    get_rate_card,
    list_products,
    list_rate_cards,
    update_product,
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
