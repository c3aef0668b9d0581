"""Operations and their request fields, read from the committed OpenAPI document (openapi.json), so tests
that must cover "every operation that takes X" follow the API as it grows instead of a hand-kept list."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from infra.template import ROOT

Step = str | int


@dataclass(frozen=True)
class Field:
    operation: str  # "POST /v1/packages/create"
    path: str  # the operation's path
    steps: tuple[Step, ...]  # ("commits", 0, "amount")
    schema: dict[str, Any]  # the field's own schema, $refs resolved

    @property
    def name(self) -> str:
        """As the service names it in a message: `commits[0].amount`."""
        return "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in self.steps).lstrip(".")

    @property
    def kind(self) -> str:
        return str(self.schema.get("type", "object" if "properties" in self.schema else ""))

    def body(self, value: Any) -> dict[str, Any]:
        """A body holding `value` at this field and nothing else."""
        return nest(self.steps, value)


def nest(steps: tuple[Step, ...], value: Any) -> Any:
    for step in reversed(steps):
        value = [value] if isinstance(step, int) else {step: value}
    return value


@cache
def document() -> dict[str, Any]:
    return dict(json.loads((ROOT / "openapi.json").read_text()))


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """A schema's alternatives (anyOf/oneOf, null left out), each resolved; itself when it has none."""
    schema = _resolve(schema)
    choices = schema.get("anyOf") or schema.get("oneOf")
    if not choices:
        return [schema]
    return [b for c in choices for b in _branches(c) if b.get("type") != "null"]


def _fields(operation: str, path: str, schema: dict[str, Any], steps: tuple[Step, ...]) -> Iterator[Field]:
    if len(steps) > 12:
        return
    for branch in _branches(schema):
        if steps:
            yield Field(operation, path, steps, branch)
        if branch.get("type") == "array" and "items" in branch:
            yield from _fields(operation, path, branch["items"], (*steps, 0))
        for name, child in (branch.get("properties") or {}).items():
            yield from _fields(operation, path, child, (*steps, name))


@cache
def body_operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, request schema) of every operation that takes a JSON body."""
    found = []
    for path, methods in document()["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content:
                found.append((method.upper(), path, content["schema"]))
    return found


@cache
def fields() -> list[Field]:
    """Every request body field of every operation, outer fields before the fields inside them."""
    return [f for method, path, schema in body_operations() for f in _fields(f"{method} {path}", path, schema, ())]


def first_field(operation: str, wanted: Any) -> Field | None:
    """The operation's first field for which `wanted(field)` holds."""
    return next((f for f in fields() if f.operation == operation and wanted(f)), None)


def example(path: str) -> dict[str, Any] | None:
    """The operation's request example in the document (valid against the demo tenant), if it has one."""
    operation = next(iter(document()["paths"][path].values()))
    found = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("example")
    return dict(found) if isinstance(found, dict) else None
