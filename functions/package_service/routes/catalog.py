"""/v1/contract-pricing/products/* and /v1/contract-pricing/rate-cards/*"""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from ..domain.base import ListRequest
from ..domain.catalog import (
    ProductArchive,
    ProductCreate,
    ProductRef,
    ProductUpdate,
    RateCardCreate,
    RateCardRef,
    RateCardUpdate,
)
from ..services import catalog
from .common import Cursor, Limit, now, page, principal

router = Router()
PRODUCTS = "/v1/contract-pricing/products"
RATE_CARDS = "/v1/contract-pricing/rate-cards"


@router.post(f"{PRODUCTS}/create", summary="Create a product", tags=["Products"])
def create_product(body: Annotated[ProductCreate, Body()]) -> dict[str, Any]:
    return {"data": {"id": catalog.create_product(principal(router), body, now())}}


@router.post(f"{PRODUCTS}/get", summary="Get a product", tags=["Products"])
def get_product(body: Annotated[ProductRef, Body()]) -> dict[str, Any]:
    return {"data": catalog.get_product(principal(router), body.id, now())}


@router.post(f"{PRODUCTS}/list", summary="List products", tags=["Products"])
def list_products(
    limit: Limit = 10, next_page: Cursor = None, body: Annotated[ListRequest | None, Body()] = None
) -> dict[str, Any]:
    archive_filter = body.archive_filter if body else "NOT_ARCHIVED"
    return page(*catalog.list_products(principal(router), archive_filter, limit, next_page, now()))


@router.post(f"{PRODUCTS}/update", summary="Update a product from a date", tags=["Products"])
def update_product(body: Annotated[ProductUpdate, Body()]) -> dict[str, Any]:
    catalog.update_product(principal(router), body, now())
    return {"data": {"id": body.product_id}}


@router.post(f"{PRODUCTS}/archive", summary="Archive a product", tags=["Products"])
def archive_product(body: Annotated[ProductArchive, Body()]) -> dict[str, Any]:
    catalog.archive_product(principal(router), body.product_id, now())
    return {"data": {"id": body.product_id}}


@router.post(f"{RATE_CARDS}/create", summary="Create a rate card", tags=["Rate cards"])
def create_rate_card(body: Annotated[RateCardCreate, Body()]) -> dict[str, Any]:
    return {"data": {"id": catalog.create_rate_card(principal(router), body, now())}}


@router.post(f"{RATE_CARDS}/get", summary="Get a rate card", tags=["Rate cards"])
def get_rate_card(body: Annotated[RateCardRef, Body()]) -> dict[str, Any]:
    return {"data": catalog.get_rate_card(principal(router), body.id)}


@router.post(f"{RATE_CARDS}/list", summary="List rate cards", tags=["Rate cards"])
def list_rate_cards(
    limit: Limit = 10, next_page: Cursor = None, body: Annotated[ListRequest | None, Body()] = None
) -> dict[str, Any]:
    archive_filter = body.archive_filter if body else "NOT_ARCHIVED"
    return page(*catalog.list_rate_cards(principal(router), archive_filter, limit, next_page))


@router.post(f"{RATE_CARDS}/update", summary="Update a rate card", tags=["Rate cards"])
def update_rate_card(body: Annotated[RateCardUpdate, Body()]) -> dict[str, Any]:
    catalog.update_rate_card(principal(router), body, now())
    return {"data": {"id": body.rate_card_id}}


@router.post(f"{RATE_CARDS}/archive", summary="Archive a rate card", tags=["Rate cards"])
def archive_rate_card(body: Annotated[RateCardRef, Body()]) -> dict[str, Any]:
    catalog.archive_rate_card(principal(router), body.id, now())
    return {"data": {"id": body.id}}
