"""/v1/customers* and the billing provider configuration calls."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from ..domain.base import Id
from ..domain.customers import (
    ArchiveBillingConfigurations,
    CustomerCreate,
    CustomerRef,
    GetBillingConfigurations,
    SetBillingConfigurations,
)
from ..store import customers
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
) -> dict[str, Any]:
    return page(*customers.list_customers(principal(router), only_archived, limit, next_page))


@router.get("/v1/customers/<customer_id>", summary="Get a customer", tags=TAGS)
def get_customer(customer_id: Annotated[Id, Path()]) -> dict[str, Any]:
    return {"data": customers.get_customer(principal(router), customer_id)}


@router.post("/v1/customers/archive", summary="Archive a customer", tags=TAGS)
def archive_customer(body: Annotated[CustomerRef, Body()]) -> dict[str, Any]:
    customers.archive_customer(principal(router), body.id, now())
    return {"data": {"id": body.id}}


@router.post("/v1/setCustomerBillingProviderConfigurations", summary="Add billing provider configurations", tags=TAGS)
def set_billing_configurations(body: Annotated[SetBillingConfigurations, Body()]) -> dict[str, Any]:
    pairs = [(item.customer_id, item) for item in body.data]
    return {"data": customers.set_billing_configs(principal(router), pairs, now())}


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
