"""Record kinds (the `kind` segment of every key), the customer's contract listing partition and the
contract dates its filters read. A module of their own so that a module needing another's keys does not
import that module and its request models (cold starts)."""

from typing import Any

from .dynamo import Item, s

PACKAGE = "PACKAGE"
PRODUCT = "PRODUCT"
RATE_CARD = "RATECARD"
CUSTOMER = "CUSTOMER"
CONTRACT = "CONTRACT"
JOB = "JOB"
MIGRATION = "MIGRATION"


def customer_partition(tenant: str, customer_id: str) -> str:
    """The partition listing a customer's contracts."""
    return f"T#{tenant}#CUSTOMERCONTRACTS#{customer_id}"


def date_attributes(contract: dict[str, Any]) -> Item:
    """A new contract's dates, stored beside its document for the listings' date filters."""
    return {name: s(contract[name]) for name in ("starting_at", "ending_before") if name in contract}
