"""Custom contracts under generated requests: the full contract with one or two of its fields changed or
dropped at random (numbers to zero, negative, huge or tiny; dates before, inside, after the contract and
at year 9999; enums to their neighbours; lists emptied or repeated). Each answer is a 200 that the SDK's
types read back through `get`, or a 400 naming a field; never a 5xx, never a NaN or Infinity stored."""

import copy
import json
import random
from typing import Any

from metronome.types.shared import Contract
from metronome.types.v1 import ContractCreateResponse

from tests import payloads

from .conftest import Api

CASES = 600
NUMBERS = [0, -1, 1, 0.5, 3, 12, 1e9, 1e20, 1e-9]
STAMPS = [
    "2027-01-31T00:00:00Z", "2026-12-31T00:00:00Z", "2027-02-28T00:00:00Z", "2028-01-31T00:00:00Z",
    "2029-01-01T00:00:00Z", "9999-12-31T00:00:00Z", "2027-01-31T00:00:00.001Z", "0001-01-01T00:00:00Z",
    "2027-03-31T23:59:59+14:00",
]  # fmt: skip
ENUMS = ["PREPAID", "POSTPAID", "MONTHLY", "QUARTERLY", "SEMI_ANNUAL", "ANNUAL", "WEEKLY", "DAILY", "DIVIDED",
         "DIVIDED_ROUNDED", "EACH"]  # fmt: skip
Path = tuple[str | int, ...]


def _paths(value: Any, path: Path = ()) -> list[Path]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in [(*path, k), *_paths(v, (*path, k))]]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in [(*path, i), *_paths(v, (*path, i))]]
    return []


def _changed(value: Any, rnd: random.Random) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return rnd.choice(NUMBERS)
    if isinstance(value, str) and value[:2] in ("20", "99") and "T" in value:
        return rnd.choice(STAMPS)
    if isinstance(value, str) and value in ENUMS:
        return rnd.choice(ENUMS)
    if isinstance(value, list):
        return value * rnd.randint(2, 4) if rnd.random() < 0.7 else []
    return value


def _mutated(body: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
    for _ in range(rnd.randint(1, 2)):
        path = rnd.choice([p for p in _paths(body) if p[0] != "customer_id"])
        parent: Any = body
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and rnd.random() < 0.3:
            del parent[path[-1]]
        else:
            parent[path[-1]] = _changed(parent[path[-1]], rnd)
    return body


def test_generated_custom_contracts_are_stored_whole_or_refused_naming_a_field(
    api: Api, catalog: dict[str, str]
) -> None:
    configs = [{**payloads.STRIPE, "configuration": {}}]
    customer = api.ok("/v1/customers", {"name": "F", "customer_billing_provider_configurations": configs})["id"]
    full = payloads.full_custom_contract(
        customer, catalog["usage"], catalog["seats"], catalog["rate_card"], uniqueness_key=None
    )
    rnd = random.Random(20261127)
    statuses: dict[int, int] = {}
    for _ in range(CASES):
        body = _mutated(copy.deepcopy(full), rnd)
        body.setdefault("starting_at", full["starting_at"])
        reply = api.post("/v1/contracts/create", body)
        statuses[reply.status] = statuses.get(reply.status, 0) + 1
        assert reply.status in (200, 400), (reply.status, reply.body, json.dumps(body)[:2000])
        if reply.status == 400:
            field = reply.message.split(":")[0]
            assert field and " " not in field, reply.message  # the message starts with the field's path
            continue
        ContractCreateResponse.model_validate(reply.body)
        got = api.post("/v1/contracts/get", {"contract_id": reply.data["id"], "customer_id": customer})
        assert got.status == 200, got.body
        Contract.model_validate(got.data)
        assert "NaN" not in json.dumps(got.data) and "Infinity" not in json.dumps(got.data)
    assert statuses.get(200, 0) > CASES // 4 and statuses.get(400, 0) > CASES // 4, statuses  # both paths ran
