"""Domain exceptions. The API maps each to one HTTP status; nothing here knows about HTTP."""

from dataclasses import dataclass, field


class DomainError(Exception):
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, object]:
        return {"message": self.message}


class InvalidRequest(DomainError):
    """The client sent something that breaks a rule; the message names the field."""

    status = 400


class NotFound(DomainError):
    status = 404


class PackageNotFound(InvalidRequest):
    """listContractsOnPackage's answer for a package the tenant does not have: Metronome's published
    description gives that operation a 400 with `code` rather than a 404."""

    def body(self) -> dict[str, object]:
        return {"code": "PackageNotFound", "message": self.message}


class ContractNotFound(InvalidRequest):
    """The v2 contract operations' answer for a contract the tenant (or that customer) does not have: as
    for PackageNotFound, Metronome's published description gives them a 400 with `code`, not a 404."""

    def body(self) -> dict[str, object]:
        return {"code": "ContractNotFound", "message": self.message}


class CustomerNotFound(InvalidRequest):
    """`/v2/contracts/commits/edit` and `credits/edit`'s answer for a customer the tenant does not have: the one
    400 Metronome publishes for them, with `code`."""

    def body(self) -> dict[str, object]:
        return {"code": "CustomerNotFound", "message": self.message}


class Conflict(DomainError):
    """The thing to create exists already; it was left as it is."""

    status = 409


class PayloadTooLarge(DomainError):
    status = 413


@dataclass
class UniquenessKeyTaken(DomainError):
    """A create reused a uniqueness key; `existing_id` lets a retrying client recover its record."""

    resource: str
    uniqueness_key: str
    existing_id: str | None = None
    status: int = field(default=409, init=False)

    def __post_init__(self) -> None:
        held_by = f" (held by {self.resource} {self.existing_id})" if self.existing_id else ""
        super().__init__(f"uniqueness_key: {self.uniqueness_key!r} was already used for a {self.resource}{held_by}")

    def body(self) -> dict[str, object]:
        return {"message": self.message, **({"conflicting_id": self.existing_id} if self.existing_id else {})}


class Throttled(DomainError):
    """The datastore is throttling; safe to retry after a short wait."""

    status = 429


class Unavailable(DomainError):
    """The datastore failed or timed out; safe to retry."""

    status = 503
