"""The embedded DynamoDB's expressions (moto), parsed once. Applied by moto_patches.apply().

moto parses a condition or filter expression on every use (twice for each item of a transaction) and an
update expression on every update: a sharded counter's `ADD #c0 :d0, #c1 :d1` took ~2 ms to parse each
time. A parsed condition only reads the item it is given, and moto's update validator works on a deep
copy of the parsed update expression, so one parse serves every use of the same text."""

import json
from collections.abc import Callable
from typing import Any

import moto.dynamodb.comparisons as comparisons
import moto.dynamodb.models as dynamodb_models
import moto.dynamodb.models.table as table_module
from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]  # untyped module

_KEPT = 20_000  # distinct expressions remembered (the service uses a few dozen)


def _parsed_once(parse: Callable[..., Any]) -> Callable[..., Any]:
    """moto parses a condition or filter expression on every use (twice for each item of a transaction);
    the parsed expression only reads the item it is given, so one parse serves every use of the same
    expression, names and values."""
    parsed: dict[tuple[str, str, str], Any] = {}

    def parse_once(expression: str | None, names: Any, values: Any) -> Any:
        if expression is None:
            return parse(expression, names, values)
        key = (expression, json.dumps(names, sort_keys=True), json.dumps(values, sort_keys=True, default=str))
        found = parsed.get(key)
        if found is None:
            found = parse(expression, names, values)
            if len(parsed) < _KEPT:
                parsed[key] = found
        return found

    return parse_once


def _update_parsed_once(make: Callable[[str], Any]) -> Callable[[str], Any]:
    parsed: dict[str, Any] = {}

    def make_once(expression: str) -> Any:
        found = parsed.get(expression)
        if found is None:
            found = make(expression)  # an invalid expression raises here, every time, as moto does
            if len(parsed) < _KEPT:
                parsed[expression] = found
        return found

    make_once.original = make  # type: ignore[attr-defined]  # for the test that compares both
    return make_once


def apply() -> None:
    cached = _parsed_once(comparisons.get_filter_expression)
    for module in (dynamodb_models, table_module):  # each imported the function by name
        vars(module)["get_filter_expression"] = cached
    UpdateExpressionParser.make = _update_parsed_once(UpdateExpressionParser.make)
