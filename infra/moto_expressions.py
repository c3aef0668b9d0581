"""The embedded DynamoDB's expressions (moto), parsed once. Applied by moto_patches.apply().

moto parses a condition or filter expression on every use (three times for each item of a transaction) and an
update expression on every update: a sharded counter's `ADD #c0 :d0, #c1 :d1` took ~2 ms to parse each
time. A parsed condition only reads the item it is given, and moto's update validator works on a deep
copy of the parsed update expression, so one parse serves every use of the same text."""

import json
from collections.abc import Callable
from typing import Any

import moto.dynamodb.comparisons as comparisons
import moto.dynamodb.models as dynamodb_models
import moto.dynamodb.models.table as table_module
import moto.dynamodb.responses as dynamodb_responses
from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]  # untyped module
from moto.dynamodb.parsing.validators import (
    ActionCountValidator,
    OverlappingPathsValidator,
    UpdateExpressionValidator,
    UpdateHashRangeKeyValidator,
)

_KEPT = 20_000  # distinct expressions remembered (the service uses a few dozen)


class _Parsed:
    """A moto condition parser that has parsed its expression, standing in for a new one: `parse()` answers
    the tree it built; what the parse found (the names and values the expression uses) is read as from
    moto's parser, each list a copy (moto's request validation appends to the list it is given)."""

    def __init__(self, parser: Any, op: Any) -> None:
        self._parser, self._op = parser, op

    def parse(self) -> Any:
        return self._op

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._parser, name)
        return list(value) if isinstance(value, list) else value


class _Remembering:
    """moto's parser for an expression not parsed yet: its parse is remembered once it succeeds."""

    def __init__(self, parser: Any, key: tuple[str, str, str], parsed: dict[tuple[str, str, str], _Parsed]) -> None:
        self._parser, self._key, self._parsed = parser, key, parsed

    def parse(self) -> Any:
        op = self._parser.parse()
        if len(self._parsed) < _KEPT:
            self._parsed[self._key] = _Parsed(self._parser, op)
        return op

    def __getattr__(self, name: str) -> Any:
        return getattr(self._parser, name)


def _parsed_once(create: Callable[..., Any]) -> Callable[..., Any]:
    """moto parses a condition or filter expression on every use (three times for each item of a
    transaction: its request validation, the transaction, the write); the parsed expression only reads
    the item it is given, so one parse serves every use of the same expression, names and values.
    Returns a stand-in for moto's `create_condition_expression_parser`: a parser whose `parse()` is
    remembered once it succeeds (an invalid expression raises every time, as moto's does)."""
    parsed: dict[tuple[str, str, str], _Parsed] = {}

    def create_once(expression: str | None, names: Any, values: Any) -> Any:
        if expression is None:
            return create(expression, names, values)
        # Only the names and values the expression mentions shape its parse: an update's condition shares
        # the update's values (new ids, timestamps), which would otherwise make every key new.
        names = {k: v for k, v in names.items() if k in expression} if names else {}
        values = {k: v for k, v in values.items() if k in expression} if values else {}
        # repr, not json.dumps(sort_keys=True) (a new encoder each call): the same request spells its values
        # the same way, and a value spelled otherwise is only parsed once more.
        key = (expression, repr(sorted(names.items())), repr(sorted(values.items())))
        found = parsed.get(key)
        if found is not None:
            return found
        return _Remembering(create(expression, names, values), key, parsed)

    create_once.original = create  # type: ignore[attr-defined]  # for the test that compares both
    return create_once


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


# The first checks of moto's update validator read only the parsed expression, its attribute names and
# the table's keys (at most one SET/ADD/REMOVE clause, no overlapping paths, no key attribute updated):
# they pass or fail the same for every update of the same text, so they run once per expression.
_STRUCTURAL_CHECKS = (ActionCountValidator, OverlappingPathsValidator, UpdateHashRangeKeyValidator)


def _structure_checked_once(validator: Any) -> None:
    original_init = validator.__init__
    passed: dict[tuple[int, str, str], Any] = {}  # keeps each expression alive: its id is not reused

    def init(self: Any, expression: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, expression, *args, **kwargs)
        names, table = self.expression_attribute_names, self.table
        count = len(_STRUCTURAL_CHECKS)
        if tuple(map(type, self.processors[:count])) != _STRUCTURAL_CHECKS:
            return  # another moto: leave its validator as it is
        key = (id(expression), json.dumps(names, sort_keys=True), table.name)
        checks, self.processors = self.processors[:count], self.processors[count:]
        if key in passed:
            return
        node = self.node_to_validate
        for check in checks:
            node = check.traverse(node)  # raises for an invalid expression, every time, as moto does
        self.node_to_validate = node
        if len(passed) < _KEPT:
            passed[key] = expression

    validator.__init__ = init


def apply() -> None:
    create = _parsed_once(comparisons.create_condition_expression_parser)

    def get_filter_expression(expression: str | None, names: Any, values: Any) -> Any:
        return create(expression, names, values).parse()

    for module in (dynamodb_models, table_module):  # each imported the function by name
        vars(module)["get_filter_expression"] = get_filter_expression
    for module in (dynamodb_models, dynamodb_responses):
        vars(module)["create_condition_expression_parser"] = create
    UpdateExpressionParser.make = _update_parsed_once(UpdateExpressionParser.make)
    _structure_checked_once(UpdateExpressionValidator)
