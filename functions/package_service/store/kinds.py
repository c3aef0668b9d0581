"""Record kinds (the `kind` segment of every key) and the customer's contract listing partition. A
module of their own so that a module needing another's keys does not import that module and its
request models (cold starts)."""

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
