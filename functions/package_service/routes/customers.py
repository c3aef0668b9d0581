"""/v1/customers* and the billing provider configuration calls."""

from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import TypeAdapter, ValidationError

from ..domain.base import Id
from ..domain.customers import (
    ArchiveBillingConfigurations,
    CustomerCreate,
    CustomerRef,
    GetBillingConfigurations,
    SetBillingConfigurations,
)
from ..domain.errors import InvalidRequest
from ..services import customers
from .common import Cursor, Limit, now, page, principal

router = Router()
TAGS = ["Customers"]


@router.post("/v1/customers", summary="Create a customer", tags=TAGS)
def create_customer(body: Annotated[CustomerCreate, Body()]) -> dict[str, Any]:
    doc = customers.create_customer(principal(router), body, now())
    fields = ("id", "name", "external_id", "custom_fields")
    return {"data": {**{k: doc.get(k) for k in fields}, "ingest_aliases": doc.get("ingest_aliases", [])}}


@router.get("/v1/customers", summary="List customers", tags=TAGS)
def list_customers(
    limit: Limit = 10,
    next_page: Cursor = None,
    only_archived: Annotated[bool, Query()] = False,
    customer_ids: Annotated[
        str | None, Query(description="Only these customers: comma-separated ids (as metronome-sdk sends them).")
    ] = None,
    ingest_alias: Annotated[  # part of a DynamoDB key: bounded as aliases and external ids are (128)
        str | None,
        Query(min_length=1, max_length=128, description="Only the customer with this ingest alias or external id."),
    ] = None,
    salesforce_account_ids: Annotated[str | None, Query(description="Not supported: answers 400.")] = None,
) -> dict[str, Any]:
    if ingest_alias is not None:
        return page(customers.get_customers_by_ingest_alias(principal(router), ingest_alias, only_archived), None)
    if salesforce_account_ids is not None:
        raise InvalidRequest("salesforce_account_ids: filtering by Salesforce account is not supported")
    if customer_ids is not None:
        ids = _id_list(customer_ids, "customer_ids")
        return page(customers.get_customers(principal(router), ids, only_archived), None)
    return page(*customers.list_customers(principal(router), only_archived, limit, next_page))


@cache  # built on first use: building it at import cost ~15 ms of every cold start
def _ids() -> TypeAdapter[list[Id]]:
    return TypeAdapter(list[Id])


def _id_list(raw: str, field: str) -> list[str]:
    """A comma-separated list of ids, each checked (400 naming the position otherwise)."""
    values = [value.strip() for value in raw.split(",") if value.strip()]
    if not 1 <= len(values) <= 100:
        raise InvalidRequest(f"{field}: give between 1 and 100 ids")
    try:
        return _ids().validate_python(values)
    except ValidationError as error:
        position = error.errors()[0]["loc"][0]
        raise InvalidRequest(f"{field}[{position}]: must be a UUID") from None


@router.get("/v1/customers/<customer_id>", summary="Get a customer", tags=TAGS)
def get_customer(customer_id: Annotated[Id, Path()]) -> dict[str, Any]:
    return {"data": customers.get_customer(principal(router), customer_id)}


@router.post("/v1/customers/archive", summary="Archive a customer", tags=TAGS)
def archive_customer(body: Annotated[CustomerRef, Body()]) -> dict[str, Any]:
    customers.archive_customer(principal(router), body.id, now())
    return {"data": {"id": body.id}}


@router.post("/v1/setCustomerBillingProviderConfigurations", summary="Add billing provider configurations", tags=TAGS)
def set_billing_configurations(body: Annotated[SetBillingConfigurations, Body()]) -> dict[str, Any]:
    return {"data": customers.set_billing_configs(principal(router), body, now())}


@router.post("/v1/getCustomerBillingProviderConfigurations", summary="Billing provider configurations", tags=TAGS)
def get_billing_configurations(body: Annotated[GetBillingConfigurations, Body()]) -> dict[str, Any]:
    return {"data": customers.get_billing_configs(principal(router), body.customer_id, body.include_archived)}


@router.post(
    "/v1/archiveCustomerBillingProviderConfigurations", summary="Archive billing provider configurations", tags=TAGS
)
def archive_billing_configurations(body: Annotated[ArchiveBillingConfigurations, Body()]) -> dict[str, Any]:
    ids = body.customer_billing_provider_configuration_ids
    customers.archive_billing_configs(principal(router), body.customer_id, ids, now())
    return {"data": {"customer_id": body.customer_id, "customer_billing_provider_configuration_ids": ids}}
