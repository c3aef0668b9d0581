"""Record kinds: the `kind` segment of every key. A module of their own so that a store module
needing another's kind does not import that module and its request models (cold starts)."""

PACKAGE = "PACKAGE"
PRODUCT = "PRODUCT"
RATE_CARD = "RATECARD"
CUSTOMER = "CUSTOMER"
CONTRACT = "CONTRACT"
JOB = "JOB"
MIGRATION = "MIGRATION"
