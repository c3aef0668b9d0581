"""Property: a valid request of any operation, mutated (a number at a float's edges, nesting near and far
past the limit, long and astral strings, lists past their length, a key given twice), is answered 2xx or
4xx, never 5xx; and when it is accepted, every number it sent comes back equal wherever the answer (or,
for a create, the record read back) has the same field. Operations, fields and valid requests come from
openapi.json (its examples run against the seeded demo tenant). Derandomized and modest in examples."""

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.demo import seed
from package_service.api_examples import CUSTOMER, DEMO_TENANT, RATE_CARD, SEAT_PRODUCT, USAGE_PRODUCT
from tests import payloads
from tests.openapi_fields import Field, body_operations, example, fields

from .conftest import Api

MARK = "__MUTATED__"
NUMBER_EDGES = [
    "0", "-0.0", "1", "-1", "0.1", "1.5", "1E2", "0.30000000000000004", "1e308", "1.7976931348623157e308",
    "5e-324", "2.2250738585072014e-308", "9007199254740992", "9007199254740993", "-9007199254740993",
    "18446744073709551616", "1e400", "-1e400", "1e-400", "123456789012345678901234567890", "1" + "0" * 30,
    "0.10000000000000000001", "NaN", "Infinity", "7" * 5000,
]  # fmt: skip
READ_BACK = {  # a create, and how to read back what it stored
    "/v1/packages/create": lambda sent, data: ("POST", "/v1/packages/get", {"package_id": data["id"]}),
    "/v1/contract-pricing/products/create": lambda sent, data: (
        "POST", "/v1/contract-pricing/products/get", {"id": data["id"]}),
    "/v1/contract-pricing/rate-cards/create": lambda sent, data: (
        "POST", "/v1/contract-pricing/rate-cards/get", {"id": data["id"]}),
    "/v1/customers": lambda sent, data: ("GET", f"/v1/customers/{data['id']}", None),
    "/v1/contracts/create": lambda sent, data: (
        "POST", "/v1/contracts/get", {"contract_id": data["id"], "customer_id": sent.get("customer_id")}),
}  # fmt: skip
# Creates whose record reads back with the request's own shape (a contract's schedules come back expanded).
KEEPS_SHAPE = {"/v1/packages/create", "/v1/contract-pricing/products/create", "/v1/contract-pricing/rate-cards/create"}


def _without_key(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "uniqueness_key"}  # so that each accepted variant is new


# Valid requests full of numbers, for the operations that take them (the document's examples have few).
FULL = {
    "/v1/packages/create": _without_key(payloads.full_package(USAGE_PRODUCT, SEAT_PRODUCT, RATE_CARD)),
    "/v1/contracts/create": _without_key(
        payloads.full_custom_contract(CUSTOMER, USAGE_PRODUCT, SEAT_PRODUCT, RATE_CARD)
    ),
    "/v1/contract-pricing/products/create": {
        "name": "Storage",
        "type": "USAGE",
        "quantity_conversion": {"conversion_factor": 1.5, "operation": "MULTIPLY"},
    },
    "/v1/contract-pricing/rate-cards/create": {
        "name": "Credits card",
        "credit_type_conversions": [{"custom_credit_type_id": payloads.CUSTOM_CREDIT, "fiat_per_custom_credit": 0.5}],
    },
}


def _minimal(schema_fields: list[Field]) -> dict[str, Any]:
    """A body with the operation's top-level fields that look required filled in (ids with a UUID that
    names nothing: a 404 is a fine answer), for operations the document has no example for."""
    body: dict[str, Any] = {}
    for field in schema_fields:
        if len(field.steps) == 1 and field.kind == "string" and str(field.steps[0]).endswith("_id"):
            body[str(field.steps[0])] = "00000000-0000-4000-8000-000000000000"
    return body


def _base(path: str) -> dict[str, Any]:
    return FULL.get(path) or example(path) or _minimal([f for f in fields() if f.path == path])


def _number_leaves(value: Any, steps: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _number_leaves(v, (*steps, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _number_leaves(v, (*steps, i))]
    return [steps] if isinstance(value, int | float) and not isinstance(value, bool) else []


def _leaves(value: Any, steps: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in [(*steps, k), *_leaves(v, (*steps, k))]]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in [(*steps, i), *_leaves(v, (*steps, i))]]
    return []


def _put(body: Any, steps: tuple[Any, ...], value: Any) -> Any:
    """`body` with `value` at `steps`, creating the objects and one-item lists on the way."""
    if not steps:
        return value
    head, rest = steps[0], steps[1:]
    if isinstance(head, int):
        items = list(body) if isinstance(body, list) and body else [{}]
        items[0 if head >= len(items) else head] = _put(items[min(head, len(items) - 1)], rest, value)
        return items
    container = dict(body) if isinstance(body, dict) else {}
    container[head] = _put(container.get(head), rest, value)
    return container


@st.composite
def mutated(draw: st.DrawFn, path: str) -> tuple[str, str]:
    """The operation's valid body, one thing changed, as JSON text; and the changed field's name."""
    body = _base(path)
    numbers = _number_leaves(body) or [f.steps for f in fields() if f.path == path and f.kind in ("number", "integer")]
    kind = draw(st.sampled_from(["number", "number", "number", "deep", "text", "long-list", "repeated-key"]))
    places = numbers if kind == "number" and numbers else _leaves(body) or [("name",)]
    where = draw(st.sampled_from(places))
    if kind == "number":
        edges = st.sampled_from(NUMBER_EDGES)
        raw = draw(
            edges
            | edges
            | st.floats(allow_nan=False, allow_infinity=False).map(repr)
            | st.integers(min_value=-(2**70), max_value=2**70).map(str)
        )
        return json.dumps(_put(body, where, MARK)).replace(f'"{MARK}"', raw), _name(where)
    if kind == "deep":
        depth = draw(st.sampled_from([60, 63, 64, 65, 70, 3000]))
        return json.dumps(_put(body, where, MARK)).replace(f'"{MARK}"', "[" * depth + "]" * depth), _name(where)
    if kind == "text":
        text = draw(
            st.text(max_size=40)
            | st.text(st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF), min_size=255, max_size=1100)
            | st.just("\ud800")
        )
        return json.dumps(_put(body, where, text)), _name(where)
    if kind == "long-list":
        count = draw(st.sampled_from([100, 999, 1000, 1001, 5000]))
        return json.dumps(_put(body, where, [_item(body, where)] * count)), _name(where)
    key = draw(st.sampled_from(sorted(body) or ["name"]))
    return json.dumps(body)[:-1] + (", " if body else "") + f'"{key}": 1}}', key


def _name(steps: tuple[Any, ...]) -> str:
    return "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in steps).lstrip(".")


def _item(body: Any, steps: tuple[Any, ...]) -> Any:
    for step in steps:
        try:
            body = body[step]
        except (KeyError, IndexError, TypeError):
            return {}
    return body[0] if isinstance(body, list) and body else body


def _numbers(value: Any, path: str = "") -> dict[str, Decimal]:
    if isinstance(value, dict):
        return {p: n for k, v in value.items() for p, n in _numbers(v, f"{path}.{k}" if path else k).items()}
    if isinstance(value, list):
        return {p: n for i, v in enumerate(value) for p, n in _numbers(v, f"{path}[{i}]").items()}
    if isinstance(value, Decimal):
        return {path: value}
    if isinstance(value, str):  # some answers give an amount as a decimal string, as Metronome's do
        try:
            return {path: Decimal(value)}
        except ArithmeticError:
            return {}
    return {}


def _answered_at(field: str) -> list[str]:
    """Where an answer carries a request's field: under `data` (products: `data.current`), with the
    published answer's names (a tiered override's `tiers` are answered as `override_tiers`)."""
    answered = field.replace(".tiers[", ".override_tiers[")
    return [f"data.{answered}", f"data.current.{answered}"]


def _at(text: str, path: str) -> Any:
    """The value sent at `path` (only numbers are compared, not strings that read as one)."""
    value: Any = json.loads(text)
    for step in path.replace("[", ".[").split("."):
        value = value[int(step[1:-1])] if step.startswith("[") else value[step]
    return value


def _exact(text: str) -> Any:
    return json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=Decimal)


@pytest.fixture
def demo(table: str) -> Api:
    seed()
    api = Api(tenant=DEMO_TENANT, token_name=DEMO_TENANT)
    api.ok("/v1/setCustomerBillingProviderConfigurations", {"data": [{"customer_id": CUSTOMER, **payloads.STRIPE}]})
    return api


@pytest.mark.parametrize("path", sorted(FULL))
def test_the_full_requests_are_valid(demo: Api, path: str) -> None:
    """Else their mutations would all be refused for another reason, and prove nothing."""
    assert demo.post(path, FULL[path]).status == 200


@pytest.mark.parametrize("path", sorted({p for _, p, _ in body_operations()}))
def test_mutated_requests_are_answered_2xx_or_4xx_and_numbers_come_back_as_sent(demo: Api, path: str) -> None:
    method = next(m for m, p, _ in body_operations() if p == path)

    @settings(
        max_examples=40 if path in FULL else 15,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutation=mutated(path))
    def check(mutation: tuple[str, str]) -> None:
        text, changed = mutation
        reply = demo.post(path, raw=text, method=method)
        assert 200 <= reply.status < 300 or 400 <= reply.status < 500, (reply.status, reply.body, text[:300])
        assert len(json.dumps(reply.body)) < 16_384 or reply.status < 300
        if reply.status >= 300:
            return
        sent = {k: v for k, v in _numbers(_exact(text)).items() if not isinstance(_at(text, k), str)}
        answers = [reply.text]
        if path in READ_BACK:
            read_method, read_path, read_body = READ_BACK[path](json.loads(text), reply.data)
            answers.append(demo.post(read_path, read_body, method=read_method).text)
        for answer in answers:
            got = _numbers(_exact(answer))
            for field, number in sent.items():
                for where in _answered_at(field):
                    if where in got:
                        assert got[where] == number, (where, got[where], number)
        if path in KEEPS_SHAPE and changed in sent:  # the changed number was stored, not dropped
            stored = _numbers(_exact(answers[-1]))
            assert any(where in stored for where in _answered_at(changed)), (changed, answers[-1][:300])

    check()
