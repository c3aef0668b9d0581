"""Building blocks shared by every request model: strictness, ids, times, relative time."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)


class RequestModel(BaseModel):
    """Unknown fields are refused, so a typo never silently drops a contract term."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, defer_build=True)


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _canonical_uuid(value: str) -> str:
    try:
        return str(UUID(value))
    except ValueError:
        raise ValueError("must be a UUID") from None


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

Id = Annotated[
    str,
    AfterValidator(_canonical_uuid),
    WithJsonSchema({"type": "string", "format": "uuid", "pattern": UUID_PATTERN}),
]
"""A UUID reference, normalised to its canonical lower-case spelling."""

Timestamp = Annotated[AwareDatetime, AfterValidator(_utc)]
"""RFC 3339 with an explicit offset, normalised to UTC."""

NonEmptyStr = Annotated[str, Field(min_length=1, max_length=1024)]
UniquenessKey = Annotated[str, Field(min_length=1, max_length=128)]

TimeUnit = Annotated[Literal["DAYS", "WEEKS", "MONTHS", "YEARS"], BeforeValidator(_upper)]
"""The SDK spells units upper case; lower case is accepted and normalised."""

Frequency = Literal["MONTHLY", "QUARTERLY", "ANNUAL", "WEEKLY"]
RateType = Literal["COMMIT_RATE", "LIST_RATE"]
AccessType = Literal["SPEND", "QUANTITY"]

# Caps keep every resolved date inside datetime's range (about 100 years from any start).
_MAX_VALUE: dict[str, int] = {"DAYS": 36_600, "WEEKS": 5_220, "MONTHS": 1_200, "YEARS": 100}


class RelativeTime(RequestModel):
    """A span of calendar time, `{unit, value}`, relative to a contract or term start."""

    unit: TimeUnit
    value: int = Field(ge=0)

    @model_validator(mode="after")
    def _bounded(self) -> "RelativeTime":
        if self.value > _MAX_VALUE[self.unit]:
            raise ValueError(f"value must be at most {_MAX_VALUE[self.unit]} {self.unit}")
        return self


class PositiveRelativeTime(RelativeTime):
    """A duration: zero-length terms are refused."""

    value: int = Field(ge=1)


def format_timestamp(value: datetime) -> str:
    """RFC 3339 UTC with milliseconds, the way Metronome prints times."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


class Alias(RequestModel):
    """A name that points at its newest holder during `[starting_at, ending_before)`.

    An open bound means the window is unbounded on that side.
    """

    name: NonEmptyStr
    starting_at: Timestamp | None = None
    ending_before: Timestamp | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Alias":
        if self.starting_at and self.ending_before and self.ending_before <= self.starting_at:
            raise ValueError("ending_before must be after starting_at")
        return self


def _unique_alias_names(aliases: list[Alias]) -> list[Alias]:
    seen: set[str] = set()
    for alias in aliases:
        if alias.name in seen:
            raise ValueError(f"alias {alias.name!r} is listed twice")
        seen.add(alias.name)
    return aliases


Aliases = Annotated[list[Alias], AfterValidator(_unique_alias_names)]
"""A record's aliases: each name at most once."""


ArchiveFilter = Literal["ARCHIVED", "NOT_ARCHIVED", "ALL"]


class ListRequest(RequestModel):
    archive_filter: ArchiveFilter = "NOT_ARCHIVED"


def check_one_package(package_id: str | None, package_alias: str | None, when_missing: str = "") -> None:
    """Exactly one of package_id / package_alias (ValueError naming the field otherwise)."""
    if package_id and package_alias:
        raise ValueError("package_alias: give either package_id or package_alias, not both")
    if not package_id and not package_alias:
        raise ValueError(f"package_id: package_id or package_alias is required{when_missing}")
