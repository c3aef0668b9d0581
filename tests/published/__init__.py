"""Metronome's published API description, as far as this service implements it (README.md here)."""

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DOCUMENT = Path(__file__).with_name("metronome-openapi.yaml")
RATES_DOCUMENT = Path(__file__).with_name("metronome-rates-openapi.yaml")  # the rate operations (README.md)
# The operations that change a contract after it is provisioned (README.md).
EDITS_DOCUMENT = Path(__file__).with_name("metronome-contract-edits-openapi.yaml")


@cache
def published() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text())
    return document


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = {**published()["components"]["schemas"][name], **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def response_schema(operation: str) -> dict[str, Any] | None:
    """The published 200 schema of `operation` ("/v1/x" for POST, "GET /v1/x" for GET), if published here."""
    method, _, path = operation.rpartition(" ")
    if path.startswith("/v1/customers/"):
        path = "/v1/customers/{customer_id}"
    item = published()["paths"].get(path, {}).get((method or "POST").lower())
    if item is None:
        return None
    return dict(item["responses"]["200"]["content"]["application/json"]["schema"])


def _nullable(schema: dict[str, Any], path: str) -> set[str]:
    schema = _resolve(schema)
    found = {path} if schema.get("nullable") else set()
    for part in schema.get("allOf", []) + schema.get("oneOf", []) + schema.get("anyOf", []):
        found |= _nullable(part, path)
    for name, child in schema.get("properties", {}).items():
        found |= _nullable(child, f"{path}.{name}" if path else name)
    if "items" in schema:
        found |= _nullable(schema["items"], f"{path}[]")
    return found


def nullable_paths(operation: str) -> set[str]:
    """Where the published answer of `operation` may hold null (paths like `data[].archived_at`). An
    operation not published here may hold none, except a list's `next_page`, which every published list
    declares nullable."""
    schema = response_schema(operation)
    return _nullable(schema, "") if schema is not None else {"next_page"}
