"""Products and rate cards: the catalog that packages reference."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from .base import Aliases, Id, NonEmptyStr, RequestModel, Timestamp
from .errors import InvalidRequest


def _pro_service(value: object) -> object:
    # Metronome accepts both spellings and reports PRO_SERVICE.
    return "PRO_SERVICE" if value == "PROFESSIONAL_SERVICE" else value


ProductType = Annotated[
    Literal["FIXED", "USAGE", "COMPOSITE", "SUBSCRIPTION", "PRO_SERVICE"], BeforeValidator(_pro_service)
]


class QuantityConversion(RequestModel):
    conversion_factor: float = Field(gt=0)
    operation: Literal["MULTIPLY", "DIVIDE"]
    name: str | None = None


class QuantityRounding(RequestModel):
    decimal_places: float = Field(ge=0)
    rounding_method: Literal["ROUND_UP", "ROUND_DOWN", "ROUND_HALF_UP"]


class _ProductSettings(RequestModel):
    """What a product update may change, and a create may set."""

    billable_metric_id: str | None = None
    composite_product_ids: list[Id] | None = None
    composite_tags: list[str] | None = None
    exclude_free_usage: bool | None = None
    include_composite_spend: bool | None = None
    is_refundable: bool | None = None
    netsuite_internal_item_id: str | None = None
    netsuite_overage_item_id: str | None = None
    presentation_group_key: list[str] | None = None
    pricing_group_key: list[str] | None = None
    quantity_conversion: QuantityConversion | None = None
    quantity_rounding: QuantityRounding | None = None
    nullable = frozenset({"quantity_conversion", "quantity_rounding"})  # the SDK sends null to clear them
    sql_breakdown_granularity: Literal["HOUR", "SERVICE_PERIOD"] | None = None
    tags: list[str] | None = None


class ProductCreate(_ProductSettings):
    name: NonEmptyStr
    type: ProductType
    custom_fields: dict[str, str] | None = None


def _on_the_hour(value: datetime) -> datetime:
    if (value.minute, value.second, value.microsecond) != (0, 0, 0):
        raise ValueError("must be on an hour boundary (e.g. 01:00, not 01:30)")
    return value


class ProductUpdate(_ProductSettings):
    """Changes that take effect at `starting_at`; fields left out keep their value."""

    product_id: Id
    starting_at: Annotated[Timestamp, AfterValidator(_on_the_hour)]
    name: NonEmptyStr | None = None


class ProductRef(RequestModel):
    id: Id


class ProductArchive(RequestModel):
    product_id: Id


class CreditTypeConversion(RequestModel):
    custom_credit_type_id: Id
    fiat_per_custom_credit: float = Field(gt=0)


class RateCardCreate(RequestModel):
    name: NonEmptyStr
    aliases: Aliases | None = None
    credit_type_conversions: list[CreditTypeConversion] | None = None
    custom_fields: dict[str, str] | None = None
    description: str | None = None
    fiat_credit_type_id: Id | None = None


class RateCardUpdate(RequestModel):
    """New name or description, more aliases (each now points here for its window), more credit type
    conversions (existing ones cannot change)."""

    rate_card_id: Id
    name: NonEmptyStr | None = None
    description: str | None = None
    aliases: Aliases | None = None
    add_credit_type_conversions: list[CreditTypeConversion] | None = None


class RateCardRef(RequestModel):
    id: Id


def refuse_own_component(request: ProductUpdate) -> None:
    """A product cannot be a component of itself (400 naming the position)."""
    components = request.composite_product_ids or []
    if request.product_id in components:
        index = components.index(request.product_id)
        raise InvalidRequest(f"composite_product_ids[{index}]: a product cannot be a component of itself")
