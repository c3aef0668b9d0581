"""Which contracts, which page: what `/v1/contracts/list`, `/v2/contracts/list` and
`/v1/packages/listContractsOnPackage` ask of the store (whose contracts, a customer's or a package's, is
the listing's own argument)."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ContractQuery:
    limit: int  # contracts on the page, at most
    covering_date: datetime | None = None  # active at this instant
    starting_at: datetime | None = None  # starting on or after this instant (never with covering_date)
    include_archived: bool = False
    cursor: str | None = None  # the previous page's cursor: where this page starts
