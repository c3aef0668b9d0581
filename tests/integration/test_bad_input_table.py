"""Bad input never changes anything: one row per class of bad input (spec: "Numbers, sizes and malformed
requests") over every operation whose body takes it, the operations and fields read from openapi.json.
Each row: a 400 whose message names the field, and nothing stored (the table re-read)."""

import json
import socket
from typing import Any

import pytest

from tests.openapi_fields import Field, body_operations, fields

from .conftest import Api, scan_count

ASTRAL = "\U0001f600"  # four bytes in UTF-8


def _deep(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def _item_like(field: Field) -> Any:
    kind = field.schema.get("items", {}).get("type") if "items" in field.schema else None
    return {"string": "x", "number": 1, "integer": 1, "boolean": True}.get(str(kind), {})


# class -> (which fields take it, the raw JSON text to send in the field)
NUMBER_TEXTS = {
    "infinite": "1e400",
    "negative-infinite": "-1e400",
    "nan": "NaN",
    "more-precise-than-a-float": "123456789012345678901234567890",
    "ten-to-the-thirty": "1" + "0" * 30,
    "decimal-more-precise-than-a-float": "0.10000000000000000001",
    "underflows-to-zero": "1e-400",
    "below-dynamodbs-range": "5e-324",
    "5000-digits": "7" * 5000,
}


def _is_number(field: Field) -> bool:
    return field.kind in ("number", "integer")


def _is_key_text(field: Field) -> bool:
    """Text that becomes part of a DynamoDB key: aliases and references to them, uniqueness keys."""
    last = field.steps[-1]
    return field.kind == "string" and (
        last in ("rate_card_alias", "package_alias", "to_package_alias", "uniqueness_key")
        or (last == "name" and "aliases" in field.steps)
    )


def _rows() -> list[Any]:
    rows = []
    for method, path, _ in body_operations():
        operation = f"{method} {path}"
        mine = [f for f in fields() if f.operation == operation]
        first = {
            "number": next((f for f in mine if _is_number(f)), None),
            "array": next((f for f in mine if f.kind == "array"), None),
            "string": next((f for f in mine if f.kind == "string"), None),
            "top": next((f for f in mine if len(f.steps) == 1), None),
        }
        for name, text in NUMBER_TEXTS.items():
            if first["number"]:
                rows.append(pytest.param(path, first["number"], name, text, id=f"{path}-{name}"))
        if first["top"]:
            rows.append(pytest.param(path, first["top"], "nested-70-deep", json.dumps(_deep(70)), id=f"{path}-deep"))
            rows.append(
                pytest.param(path, first["top"], "nested-10000-deep", "[" * 10_000 + "]" * 10_000, id=f"{path}-deeper")
            )
            rows.append(pytest.param(path, first["top"], "repeated-key", None, id=f"{path}-repeated-key"))
            too_much = json.dumps([[{}] * 1000] * 11)  # 22,000 objects and list items, no list too long
            rows.append(pytest.param(path, first["top"], "too-many-values", too_much, id=f"{path}-too-many-values"))
        if first["array"]:
            too_many = json.dumps([_item_like(first["array"])] * 1001)
            rows.append(pytest.param(path, first["array"], "1001-items", too_many, id=f"{path}-long-list"))
            rows.append(pytest.param(path, first["array"], "100000-items", "[" + ",".join(["{}"] * 100_000) + "]",
                                     id=f"{path}-huge-list"))  # fmt: skip
        if first["string"]:
            rows.append(pytest.param(path, first["string"], "lone-surrogate", '"\\ud800"', id=f"{path}-surrogate"))
        for field in (f for f in mine if _is_key_text(f)):
            text = json.dumps(ASTRAL * 1024, ensure_ascii=False)
            rows.append(pytest.param(path, field, "key-over-1024-bytes", text, id=f"{path}-{field.name}-bytes"))
    return rows


def _body_text(field: Field, text: str | None) -> str:
    if text is None:  # the field given twice
        return f'{{"{field.steps[0]}": 1, "{field.steps[0]}": 2}}'
    marker = "__BAD_INPUT__"
    return json.dumps(field.body(marker)).replace(f'"{marker}"', text)


@pytest.mark.parametrize(("path", "field", "kind", "text"), _rows())
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(
    api: Api, path: str, field: Field, kind: str, text: str | None
) -> None:
    before = scan_count()
    reply = api.post(path, raw=_body_text(field, text))
    assert reply.status == 400, (kind, reply.body)
    if kind == "repeated-key":
        assert reply.message.startswith(f"{field.steps[0]}: given twice"), reply.message
    elif kind == "too-many-values":  # a bound on the whole body, which no one field breaks
        assert reply.message.startswith("request body: more than 20000 objects"), reply.message
    else:  # first, or among the problems listed
        assert reply.message.startswith(field.name) or f"; {field.name}" in reply.message, (kind, reply.message[:300])
    assert len(json.dumps(reply.body)) < 16_384
    assert scan_count() == before


def test_the_table_covers_every_class_the_spec_names() -> None:
    """A guard against the generator silently finding nothing (a renamed field, a changed document)."""
    ids = {p.id for p in _rows()}
    for expected in [
        "/v1/packages/create-infinite",
        "/v1/packages/create-5000-digits",
        "/v1/contracts/create-negative-infinite",
        "/v1/packages/create-aliases[0].name-bytes",
        "/v1/contract-pricing/rate-cards/create-aliases[0].name-bytes",
        "/v1/setCustomerBillingProviderConfigurations-long-list",
        "/v1/packages/create-huge-list",
        "/v1/packageMigrations/create-deeper",
    ]:
        assert expected in ids, expected
    assert len({p.values[0] for p in _rows()}) == len(body_operations())  # every operation has rows


OVER_THE_WIRE = ("nested-10000-deep", "100000-items", "5000-digits", "key-over-1024-bytes")


@pytest.mark.parametrize(
    ("path", "field", "kind", "text"), [p for p in _rows() if p.values[2] in OVER_THE_WIRE]
)  # fmt: skip
def test_bad_input_over_a_real_connection_is_answered_never_dropped(
    door: tuple[int, str], path: str, field: Field, kind: str, text: str | None
) -> None:
    """The same rows through the local front door: an HTTP answer with a JSON 400, on a connection the
    server keeps open for the next request."""
    from .test_front_door import read_answer, request

    port, token = door
    body = _body_text(field, text).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request("POST", path, token, body) + request("POST", "/v1/packages/list", token, b"{}"))
        stream = sock.makefile("rb")
        status, headers, answer = read_answer(stream)
        assert status == 400 and headers["content-type"] == "application/json", answer[:300]
        assert json.loads(answer)["message"]
        assert read_answer(stream)[0] == 200  # the connection carried on
