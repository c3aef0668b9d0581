"""Writes metronome-rates-openapi.yaml: the rate operations' request and response schemas as the official
SDK types them (Stainless generates those types from Metronome's published OpenAPI description).

`python -m tests.published.rates_from_sdk` regenerates it; tests/integration/test_openapi.py keeps it in
step with the installed SDK. Optional fields are typed absent-or-value, never null (the wire rule of
decision 0006) except a page's `next_page`; `limit` is 1-100 as Metronome's reference pages state for
these operations."""

from pathlib import Path
from typing import Any

import yaml
from metronome.types.v1 import ContractRetrieveRateScheduleResponse, contract_retrieve_rate_schedule_params
from metronome.types.v1.contracts import RateCardRetrieveRateScheduleResponse, rate_card_retrieve_rate_schedule_params
from metronome.types.v1.contracts.rate_cards import (
    RateAddManyResponse,
    RateAddResponse,
    RateListResponse,
    rate_add_many_params,
    rate_add_params,
    rate_list_params,
)
from pydantic import BaseModel, TypeAdapter

DOCUMENT = Path(__file__).with_name("metronome-rates-openapi.yaml")
CARDS = "/v1/contract-pricing/rate-cards"
PAGED = {"limit", "next_page"}  # query parameters in the SDK's params, not body fields

# (path, operation id, the SDK's params TypedDict, its response model, whether the model is one list item)
OPERATIONS: list[tuple[str, str, Any, type[BaseModel], bool]] = [
    (f"{CARDS}/addRate", "addRate", rate_add_params.RateAddParams, RateAddResponse, False),
    (f"{CARDS}/addRates", "addRates", rate_add_many_params.RateAddManyParams, RateAddManyResponse, False),
    (f"{CARDS}/getRates", "getRates", rate_list_params.RateListParams, RateListResponse, True),
    (f"{CARDS}/getRateSchedule", "getRateSchedule",
     rate_card_retrieve_rate_schedule_params.RateCardRetrieveRateScheduleParams,
     RateCardRetrieveRateScheduleResponse, False),
    ("/v1/contracts/getContractRateSchedule", "getContractRateSchedule",
     contract_retrieve_rate_schedule_params.ContractRetrieveRateScheduleParams,
     ContractRetrieveRateScheduleResponse, False),
]  # fmt: skip


def _openapi(schema: Any, prefix: str, defs: dict[str, Any]) -> Any:
    """A pydantic JSON schema as OpenAPI 3.0: `$defs` moved to components (prefixed by operation), null
    alternatives dropped, `str | datetime` read as a date-time string, titles and defaults left out."""
    if isinstance(schema, list):
        return [_openapi(s, prefix, defs) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$defs" in schema:
        for name, definition in schema["$defs"].items():
            defs[f"{prefix}{name}"] = _openapi(definition, prefix, defs)
    if "$ref" in schema:
        return {"$ref": "#/components/schemas/" + prefix + schema["$ref"].rsplit("/", 1)[1]}
    alternatives = [s for s in schema.get("anyOf", []) if s != {"type": "null"}]
    if alternatives and all(s.get("type") == "string" for s in alternatives) and len(alternatives) > 1:
        return {"type": "string", "format": "date-time"}
    if "anyOf" in schema and len(alternatives) == 1:
        return _openapi(alternatives[0], prefix, defs)
    skip = {"$defs", "title", "default", "description"}
    return {k: _openapi(v, prefix, defs) for k, v in schema.items() if k not in skip}


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for path, name, params, response, one_item in OPERATIONS:
        body = _openapi(TypeAdapter(params).json_schema(), f"{name}.", schemas)
        paged = PAGED & set(body["properties"])
        body["properties"] = {k: v for k, v in body["properties"].items() if k not in PAGED}
        answer = _openapi(response.model_json_schema(), f"{name}.", schemas)
        if one_item:
            answer = {
                "type": "object",
                "required": ["data"],
                "properties": {"data": {"type": "array", "items": answer}},
            }
        if paged:  # the last page's `next_page` is null, as every published list declares it
            answer["properties"]["next_page"] = {"type": "string", "nullable": True}
        parameters = [
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
            {"name": "next_page", "in": "query", "schema": {"type": "string"}},
        ]
        paths[path] = {"post": {
            "operationId": f"{name}-v1",
            **({"parameters": parameters} if paged else {}),
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {"200": {"description": "Success", "content": {"application/json": {"schema": answer}}}},
        }}  # fmt: skip
    return {
        "openapi": "3.0.1",
        "info": {"title": "Metronome", "version": "1.0.0"},
        "servers": [{"url": "https://api.metronome.com"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }


HEADER = (
    "# Generated by tests/published/rates_from_sdk.py from the installed metronome-sdk's types (generated by\n"
    "# Stainless from Metronome's published OpenAPI): the rate operations. Do not edit; regenerate.\n"
)


def render() -> str:
    return HEADER + yaml.safe_dump(document(), sort_keys=False, width=120)


if __name__ == "__main__":
    DOCUMENT.write_text(render())
