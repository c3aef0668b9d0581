"""Building blocks shared by every request model: strictness, ids, times, relative time."""

from datetime import UTC, datetime
from functools import cache
from types import UnionType
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin
from uuid import UUID

from annotated_types import MaxLen
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

# How a billing provider receives invoices: one spelling for packages, contracts and customers.
DeliveryMethod = Literal["direct_to_billing_provider", "aws_sqs", "tackle", "aws_sns"]


class RequestModel(BaseModel):
    """Unknown fields are refused, so a typo never silently drops a contract term. Enums spelled in upper
    case (`PREPAID`, `MONTHLY`, `ARREARS`...) also take their lower-case spelling, as Metronome's API
    does, and are stored and answered in upper case. `null` is refused unless the field is one of
    `nullable` (Metronome's published schemas mark few: omit a field to leave it unset)."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=False, defer_build=True, json_schema_extra=lambda s, m: _no_null(s, m)
    )
    nullable: ClassVar[frozenset[str]] = frozenset()

    def __repr__(self) -> str:
        # Powertools formats every route's arguments into a debug message on each call, whatever the log
        # level: pydantic's repr of a full package took ~80 µs of every create, and with debug logging on
        # it would copy request bodies (customer names, custom fields) into the logs. Names, not values.
        return f"{type(self).__name__}({', '.join(sorted(self.model_fields_set))})"

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """A list field without a maximum of its own takes at most MAX_LIST_ITEMS (and says so in the API
        description), so a long list is one error, not one per item."""
        super().__pydantic_init_subclass__(**kwargs)
        for field in cls.model_fields.values():
            if _is_list(field.annotation) and not any(isinstance(m, MaxLen) for m in field.metadata):
                field.metadata.append(MaxLen(MAX_LIST_ITEMS))

    @field_validator("*", mode="before")
    @classmethod
    def _as_published(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            if info.field_name in cls.nullable:
                return value
            raise ValueError("must not be null; omit the field to leave it unset")
        rule = _field_rules(cls).get(str(info.field_name))
        if rule is None:
            return value
        kind, upper_case_enum = rule
        if kind is not None:
            _check_json_kind(value, kind)
        if upper_case_enum:
            return [_upper(v) for v in value] if isinstance(value, list) else _upper(value)
        return value


MAX_LIST_ITEMS = 1_000  # the default for a list Metronome publishes no maximum for


def _is_list(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is list:
        return True
    if origin is Annotated:
        return _is_list(get_args(annotation)[0])
    return origin in (Union, UnionType) and any(_is_list(a) for a in get_args(annotation))


def _no_null(schema: dict[str, Any], model: type) -> None:
    """The API description says what the validator does: an optional field is omitted, not null."""
    nullable: frozenset[str] = getattr(model, "nullable", frozenset())
    for name, field in schema.get("properties", {}).items():
        branches = field.get("anyOf")
        if name in nullable or not branches:
            continue
        kept = [b for b in branches if b != {"type": "null"}]
        if len(kept) == 1:
            field.pop("anyOf")
            field.update(kept[0])
        else:
            field["anyOf"] = kept


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


# pydantic's lax mode would turn `false` into 0, `0` into a 1970 timestamp and `"5"` into 5: values the
# published schema calls invalid. Scalars must already be of their JSON type.
_KIND_OF = {bool: "boolean", int: "number", float: "number", str: "string", datetime: "timestamp"}
# A timestamp arrives as a JSON string; code that builds a request model itself passes a datetime.
_ACCEPTS: dict[str, tuple[type, ...]] = {
    "boolean": (bool,),
    "number": (int, float),
    "string": (str,),
    "timestamp": (str, datetime),
}


def _json_kind(annotation: Any) -> str | None:
    """ "boolean", "number", "string" or "timestamp" for a scalar field ("array of ..." for a list of
    them), else None."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _json_kind(args[0])
    if origin is Literal:
        return "string" if all(isinstance(a, str) for a in args) else None
    if origin in (Union, UnionType):
        kinds = {_json_kind(a) for a in args if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else None
    if origin is list:
        item = _json_kind(args[0]) if args else None
        return f"array of {item}" if item and not item.startswith("array") else None
    if annotation is AwareDatetime:  # pydantic's marker class, not a datetime subclass
        return "timestamp"
    for python_type, kind in _KIND_OF.items():
        if isinstance(annotation, type) and issubclass(annotation, python_type):
            return kind
    return None


def _check_json_kind(value: Any, kind: str) -> None:
    if value is None:
        return
    if kind.startswith("array of "):
        if isinstance(value, list):
            for item in value:
                _check_json_kind(item, kind.removeprefix("array of "))
        return
    if not isinstance(value, _ACCEPTS[kind]) or (kind == "number" and isinstance(value, bool)):
        raise ValueError(f"Input should be a JSON {'string' if kind == 'timestamp' else kind}")


def _is_upper_case_enum(annotation: Any) -> bool:
    """An enum of upper-case words, possibly optional, in a list, or annotated."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return all(isinstance(a, str) and a == a.upper() and a != a.lower() for a in args)
    if origin in (Annotated, list, Union, UnionType):
        return any(_is_upper_case_enum(a) for a in (args[:1] if origin is Annotated else args))
    return False


@cache
def _field_rules(model: type[BaseModel]) -> dict[str, tuple[str | None, bool]]:
    """Per field that has one: its JSON kind, and whether it is an upper-case enum."""
    rules = {
        name: (_json_kind(f.annotation), _is_upper_case_enum(f.annotation)) for name, f in model.model_fields.items()
    }
    return {name: rule for name, rule in rules.items() if rule[0] is not None or rule[1]}


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


def _rfc3339_text(value: Any) -> Any:
    """A query string is text: pydantic would read `0.5` as seconds since 1970; only RFC 3339 is a time."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an RFC 3339 timestamp, e.g. 2026-01-01T00:00:00Z") from None
    return value


QueryTimestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text), AfterValidator(_utc)]
"""A timestamp given as a query parameter (RFC 3339 text, with an offset)."""

NonEmptyStr = Annotated[str, Field(min_length=1, max_length=1024)]

# DynamoDB caps a partition key at 2,048 bytes (a sort key at 1,024): text that becomes part of a key is
# measured in UTF-8 bytes, with room left for the key's prefix (tenant and kind).
MAX_KEY_TEXT_BYTES = 1024


def _fits_a_key(value: str) -> str:
    size = len(value.encode("utf-8", "surrogatepass"))
    if size > MAX_KEY_TEXT_BYTES:
        raise ValueError(f"must be at most {MAX_KEY_TEXT_BYTES} bytes in UTF-8 (got {size})")
    return value


AliasName = Annotated[NonEmptyStr, AfterValidator(_fits_a_key)]
"""An alias, or a reference to one: part of a DynamoDB key, so bounded in bytes as well as characters."""
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

    name: AliasName
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
