"""Reading a request body: the one place every operation's JSON passes through (the resolver's
`json_body_deserializer`), so each model sees numbers that are exact and a shape that is bounded.

- A number is read exactly as written or refused: non-finite (`1e400`, `NaN`), more precision than a
  64-bit float holds (`123456789012345678901234567890`, `0.10000000000000000001`, `1e-400`), outside
  DynamoDB's number range (`5e-324`), or more than 4,300 digits (Python's int-string limit). Python's
  reader would otherwise turn the first into infinity, round the second, and raise on the last.
- Nesting deeper than MAX_DEPTH, a list longer than MAX_LIST_ITEMS, more than MAX_VALUES objects and
  list items in all, a key given twice in one object and a lone UTF-16 surrogate (`"\\ud800"`, which no
  UTF-8 store can hold) are refused.
Each refusal is a 400 naming the field (docs/api.md, decision 0012).

The work is proportional to the body: the hooks only flag, and the walk that names a field visits
containers (and leaves only when a hook flagged one): tens of microseconds for a create's body.
"""

import json
import math
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from ..domain.errors import InvalidRequest
from ..domain.jobs import MAX_COHORT

MAX_DEPTH = 64
# Bounds on the work a body can ask for, checked before any model sees it: no list is longer than the
# longest any field takes (each field's own maximum, 1,000 unless published otherwise, is its model's),
# and a body holds at most MAX_VALUES objects, lists and list items in all (a refusal listing an error
# per item then stays well under a second of CPU).
MAX_LIST_ITEMS = MAX_COHORT
MAX_VALUES = 20_000
MAX_INT_DIGITS = 4_300  # Python's int <-> str conversion limit (sys.get_int_max_str_digits)
# DynamoDB's number range (a value stored as a number attribute must fit it).
_SMALLEST_STORED, _BEYOND_STORED = 1e-130, 1e126
_LONGEST_EXACT_INT = 2**53  # every integer up to here is a float exactly; beyond, only some are
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _Inexact:
    """A number that cannot be kept as written; stands in the parsed value until the walk names it."""

    __slots__ = ("text", "why")

    def __init__(self, text: str, why: str) -> None:
        self.text, self.why = text, why


class _RepeatedKeys(dict[str, Any]):
    """An object that named a key twice: which value was meant is the client's to say."""

    repeated: str = ""


class _Reader:
    """json.loads' hooks; `flagged` tells the walk to look at leaves too."""

    def __init__(self) -> None:
        self.flagged = False

    def number_float(self, text: str) -> Any:
        value = float(text)
        if not math.isfinite(value):
            return self._flag(text, "is not a finite number (it is beyond a 64-bit float's range)")
        if repr(value) != text and Decimal(text) != Decimal(repr(value)):
            if value == 0:
                return self._flag(text, "is closer to zero than a 64-bit float holds")
            return self._flag(text, "has more precision than a 64-bit float holds; send at most 17 significant digits")
        if value and not _SMALLEST_STORED <= abs(value) < _BEYOND_STORED:
            return self._flag(text, "is outside the range a number is stored in (0, or 1e-130 up to 1e126 either side)")
        return value

    def number_int(self, text: str) -> Any:
        if len(text) > MAX_INT_DIGITS:
            return self._flag(text, f"has more than {MAX_INT_DIGITS} digits")
        value = int(text)
        if abs(value) > _LONGEST_EXACT_INT:
            # Past 2**53 a float holds only some integers, and answers them in its own spelling: kept only
            # when both give back this very number (1e22 is; 2**60, written 1.152921504606847e+18, is not).
            try:
                exact = float(value) == value and Decimal(repr(float(value))) == value
            except OverflowError:
                exact = False
            if not exact:
                return self._flag(text, "has more precision than a 64-bit float holds")
        return value

    def constant(self, text: str) -> Any:
        return self._flag(text, "is not a JSON number (JSON has no NaN or Infinity)")

    def object(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        value = dict(pairs)
        if len(value) < len(pairs):
            self.flagged = True
            seen: set[str] = set()
            repeated = _RepeatedKeys(value)
            repeated.repeated = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
            return repeated
        return value

    def _flag(self, text: str, why: str) -> _Inexact:
        self.flagged = True
        return _Inexact(text, why)


def read_json(text: str | bytes) -> Any:
    """`text` parsed, or InvalidRequest naming the first field that breaks a rule above. Text that is
    not JSON raises json.JSONDecodeError, as json.loads does (the resolver answers it).

    The common body takes the fast path: the integer hook only when the text has a run of 16 digits (a
    shorter integer is a float exactly); keys are counted in the text (`":`, as JSON encoders write
    them) and, only when that differs from the keys parsed, exactly (every string scanned); a key
    given twice makes the count differ, and a careful parse names it."""
    as_text = text if isinstance(text, str) else text.decode("utf-8", "replace")
    reader = _Reader()
    hooks: dict[str, Any] = {"parse_float": reader.number_float, "parse_constant": reader.constant}
    if _SIXTEEN_ZEROS in as_text.encode("utf-8", "replace").translate(_DIGITS_AS_ZERO):
        hooks["parse_int"] = reader.number_int
    value = _loads(as_text, hooks)
    if reader.flagged or _SURROGATE_ESCAPE.search(as_text):
        _check(value, check_leaves=True)
    keys = _measured(value)
    if keys is None:  # a bound is broken: the walk that keeps paths names where
        _check(value, check_leaves=False)
        raise InvalidRequest("request body: nested too deep or too large")  # (the walk always raises first)
    if keys != as_text.count('":') and keys != sum(1 for colon in _STRING.findall(as_text) if colon):
        careful = _Reader()
        _check(_loads(as_text, {**hooks, "object_pairs_hook": careful.object}), check_leaves=True)
    return value


def _loads(text: str, hooks: dict[str, Any]) -> Any:
    try:
        return json.loads(text, **hooks)
    except RecursionError:  # far deeper than MAX_DEPTH: find where it went too deep in the text itself
        raise InvalidRequest(f"{_shown(_too_deep_at(text))}: nested deeper than {MAX_DEPTH} levels") from None


def _too_deep_at(text: str) -> str:
    """The path of the first container nested deeper than MAX_DEPTH, from the JSON text's tokens (only
    brackets, commas and strings matter; the scan stops there)."""
    frames: list[list[Any]] = []  # per open container: [is_object, current key or index]
    expect_key = False
    for token in _TOKEN.finditer(text):
        mark = token.group()
        if mark in ("{", "["):
            if len(frames) >= MAX_DEPTH:
                return "".join(
                    f"[{step}]" if isinstance(step, int) else f".{_shortened(step)}" for _, step in frames
                ).lstrip(".")
            frames.append([mark == "{", "" if mark == "{" else 0])
            expect_key = mark == "{"
        elif mark in ("}", "]"):
            if frames:
                frames.pop()
            expect_key = False
        elif mark == ",":
            if frames and not frames[-1][0]:
                frames[-1][1] += 1
            expect_key = bool(frames) and frames[-1][0]
        elif expect_key and frames:  # a string where an object's key goes
            frames[-1][1] = json.loads(mark)
            expect_key = False
    return ""


def _measured(root: Any) -> int | None:
    """How many keys the body's objects hold, or None when it breaks a bound (depth, a list's length,
    the values in all). Keeps no paths: the common case, and about half the time of _check."""
    if type(root) not in _CONTAINERS:
        return 0  # a bare scalar (the handler lets only objects through; the model refuses anything else)
    tally = [0, 0]  # keys, values
    try:
        _tally(root, 1, tally)
    except _OutOfBounds:
        return None
    return tally[0]


def _tally(node: Any, depth: int, tally: list[int]) -> None:
    """Recursion, at most MAX_DEPTH deep: faster here than a loop over a stack."""
    if depth > MAX_DEPTH:
        raise _OutOfBounds
    if type(node) is list:
        tally[1] += len(node)
        if len(node) > MAX_LIST_ITEMS or tally[1] > MAX_VALUES:
            raise _OutOfBounds
        for child in node:
            if type(child) in _CONTAINERS:
                _tally(child, depth + 1, tally)
    else:
        tally[0] += len(node)
        tally[1] += 1
        for child in node.values():
            if type(child) in _CONTAINERS:
                _tally(child, depth + 1, tally)
    if tally[1] > MAX_VALUES:
        raise _OutOfBounds


class _OutOfBounds(Exception):
    pass


def _check(root: Any, check_leaves: bool) -> int:
    """Walk the containers (depth first, no recursion) and refuse the first rule broken, naming its path.
    Returns how many keys the objects hold."""
    keys = values = 0
    stack: list[tuple[Any, str, Any, int]] = [(root, "", None, 1)]
    while stack:
        node, parent, step, depth = stack.pop()
        kind = type(node)
        children: Iterable[tuple[Any, Any]]
        if kind is dict or kind is list or kind is _RepeatedKeys:
            if depth > MAX_DEPTH:
                raise InvalidRequest(f"{_shown(_path(parent, step))}: nested deeper than {MAX_DEPTH} levels")
            if kind is list:
                if len(node) > MAX_LIST_ITEMS:
                    raise InvalidRequest(
                        f"{_shown(_path(parent, step))}: at most {MAX_LIST_ITEMS} items (got {len(node)})"
                    )
                values += len(node)
                children = enumerate(node)
            else:
                if kind is _RepeatedKeys:
                    where = _path(_path(parent, step), node.repeated)
                    raise InvalidRequest(f"{where}: given twice in one object; send each field once")
                keys += len(node)
                values += 1
                children = node.items()
            if values > MAX_VALUES:
                raise InvalidRequest(
                    f"request body: more than {MAX_VALUES} objects, lists and list items in all; split the request"
                )
            own_path = None  # built once, and only when a child is pushed
            for child_step, child in children:
                if check_leaves and type(child_step) is str and not _storable(child_step):
                    raise InvalidRequest(f"{_path(_path(parent, step), child_step)}: {_SURROGATE}")
                if check_leaves or type(child) in _CONTAINERS:
                    own_path = own_path if own_path is not None else _path(parent, step)
                    stack.append((child, own_path, child_step, depth + 1))
        elif kind is _Inexact:
            raise InvalidRequest(f"{_shown(_path(parent, step))}: {_shortened(node.text, 40)} {node.why}")
        elif kind is str and not _storable(node):
            raise InvalidRequest(f"{_shown(_path(parent, step))}: {_SURROGATE}")
    return keys


_CONTAINERS = (dict, list, _RepeatedKeys)
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_SIXTEEN_ZEROS = b"0" * 16  # a run of 16 digits: an integer that may be beyond 2**53 (the regex took 10x longer)
# Every string, and the colon after it when it is a key: each match ends a string and nothing outside
# strings is a quote, so the scan stays in step with the text.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]')
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?')


def _path(parent: str, step: Any) -> str:
    """The field's name as the request spells it: `commits[0].amount`."""
    if step is None:
        return parent
    if isinstance(step, int):
        return f"{parent}[{step}]"
    return f"{parent}.{_shortened(step)}" if parent else _shortened(step)


_SURROGATE = "holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text"


def _storable(text: str) -> bool:
    """False for a lone surrogate (only a `\\u` escape makes one): no UTF-8 store can hold it."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(path: str) -> str:
    return path or "request body"


def _shortened(text: str, limit: int = 100) -> str:
    """A client's text quoted in a message: cut so a refusal stays small, a lone surrogate escaped."""
    text = text if len(text) <= limit else f"{text[:limit]}..."
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")
