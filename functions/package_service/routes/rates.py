"""Rates on rate cards, and the rate schedule a contract pays: parse, call services/rates.py, answer."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from ..domain.rates import ContractRateScheduleRequest, RateAdd, RateAddMany, RatesAt, RateScheduleRequest
from ..services import rates
from .common import Cursor, Limit, now, page, principal

router = Router()
RATE_CARDS = "/v1/contract-pricing/rate-cards"


@router.post(f"{RATE_CARDS}/addRate", summary="Add a rate to a rate card", tags=["Rate cards"])
def add_rate(body: Annotated[RateAdd, Body()]) -> dict[str, Any]:
    [added] = rates.add_rates(principal(router), body.rate_card_id, [body], [""], now())
    return {"data": added}


@router.post(f"{RATE_CARDS}/addRates", summary="Add rates to a rate card", tags=["Rate cards"])
def add_rates(body: Annotated[RateAddMany, Body()]) -> dict[str, Any]:
    prefixes = [f"rates[{index}]." for index in range(len(body.rates))]
    rates.add_rates(principal(router), body.rate_card_id, body.rates, prefixes, now())
    return {"data": {"id": body.rate_card_id}}


@router.post(f"{RATE_CARDS}/getRates", summary="A rate card's rates at a date", tags=["Rate cards"])
def get_rates(body: Annotated[RatesAt, Body()], limit: Limit = 100, next_page: Cursor = None) -> dict[str, Any]:
    return page(*rates.list_rates_at(principal(router), body, limit, next_page, now()))


@router.post(f"{RATE_CARDS}/getRateSchedule", summary="A rate card's rates over time", tags=["Rate cards"])
def get_rate_schedule(
    body: Annotated[RateScheduleRequest, Body()], limit: Limit = 100, next_page: Cursor = None
) -> dict[str, Any]:
    return page(*rates.rate_schedule(principal(router), body, limit, next_page, now()))


@router.post(
    "/v1/contracts/getContractRateSchedule", summary="What a contract pays, per product over time", tags=["Contracts"]
)
def get_contract_rate_schedule(
    body: Annotated[ContractRateScheduleRequest, Body()], limit: Limit = 100, next_page: Cursor = None
) -> dict[str, Any]:
    return page(*rates.contract_schedule(principal(router), body, limit, next_page, now()))
