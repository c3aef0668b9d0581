"""No relative time reaches a provisioned contract unresolved (domain/provisioning.py, RELATIVE_FIELDS).

The package models are walked for every relative-time field, and each must be in the resolver's map;
then a package with every field group set (tests/payloads.py) is resolved, and the contract must hold
no `{unit, value}` in calendar units except where the map keeps one relative."""

import typing
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from package_service.domain.base import RelativeTime
from package_service.domain.package import PackageCreate
from package_service.domain.package_view import new_package_document
from package_service.domain.provisioning import (
    KEPT_RELATIVE,
    RELATIVE_FIELDS,
    ProvisionRequest,
    Resolved,
    UnresolvedRelativeTerm,
    _Relative,
    resolve_contract_terms,
)
from tests.payloads import full_package

USAGE, SEATS, RATE_CARD, PACKAGE, CUSTOMER = (
    "6a4d0453-d031-47cf-a9b3-ebc548cc50ed",
    "2c2d1495-c53d-404c-b4af-53a7cf7ec1e3",
    "aa0f221d-e115-4b5f-845a-d9a618ac8194",
    "5e1d2c3b-4a59-4c68-8d7e-9f0a1b2c3d4e",
    "0b6f4d52-8f0e-4f7c-9a43-1b2f7f5e3c01",
)
START = datetime(2027, 1, 31, tzinfo=UTC)


def _models_in(annotation: Any) -> list[type]:
    """The classes an annotation can hold (through Optional, unions, lists, Annotated)."""
    origin = typing.get_origin(annotation)
    if origin is None:
        return [annotation] if isinstance(annotation, type) else []
    if origin is typing.Annotated:
        return _models_in(typing.get_args(annotation)[0])
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def relative_fields(model: type[BaseModel], prefix: str = "") -> set[str]:
    found: set[str] = set()
    for name, info in model.model_fields.items():
        for cls in _models_in(info.annotation):
            if issubclass(cls, RelativeTime):
                found.add(prefix + name)
            elif issubclass(cls, BaseModel):
                found |= relative_fields(cls, f"{prefix}{name}.")
    return found


def test_every_relative_field_of_a_package_is_in_the_resolvers_map() -> None:
    in_models = relative_fields(PackageCreate)
    assert in_models == set(RELATIVE_FIELDS), (
        f"not in RELATIVE_FIELDS (resolve them in _Relative): {sorted(in_models - set(RELATIVE_FIELDS))}; "
        f"no longer in the models: {sorted(set(RELATIVE_FIELDS) - in_models)}"
    )


def _set_paths(doc: Any, prefix: str = "") -> set[str]:
    """The dotted paths (lists left out) of every value in `doc`."""
    if isinstance(doc, list):
        return {p for item in doc for p in _set_paths(item, prefix)}
    if not isinstance(doc, dict):
        return set()
    return {prefix + k for k in doc} | {p for k, v in doc.items() for p in _set_paths(v, f"{prefix}{k}.")}


def _relative_values(doc: Any, prefix: str = "") -> set[str]:
    """The paths of every `{unit, value}` in calendar units left in `doc`."""
    if isinstance(doc, list):
        return {p for item in doc for p in _relative_values(item, prefix)}
    if not isinstance(doc, dict):
        return set()
    if str(doc.get("unit")).upper() in {"DAYS", "WEEKS", "MONTHS", "YEARS"} and "value" in doc:
        return {prefix.rstrip(".")}
    return {p for k, v in doc.items() for p in _relative_values(v, f"{prefix}{k}.")}


def _package() -> dict[str, Any]:
    body = full_package(USAGE, SEATS, RATE_CARD)
    return new_package_document(PackageCreate.model_validate(body), PACKAGE, START, "me")


def test_a_package_with_every_relative_field_provisions_a_contract_with_none_left_unresolved() -> None:
    package = _package()
    assert set(RELATIVE_FIELDS) <= _set_paths(package), "tests/payloads.full_package must set every relative field"
    request = ProvisionRequest(customer_id=CUSTOMER, package_id=PACKAGE, starting_at=START)
    contract = resolve_contract_terms(request, package, Resolved(PACKAGE, RATE_CARD, None), "c", START, "me")
    kept = {path for path, treatment in RELATIVE_FIELDS.items() if treatment == KEPT_RELATIVE}
    assert _relative_values(contract) == kept


@pytest.mark.parametrize("group", ["subscriptions", "overrides", "recurring_commits", "commits", "scheduled_charges"])
def test_a_relative_field_the_resolver_does_not_know_is_refused_not_copied(group: str) -> None:
    package = _package()
    package[group][0]["grace_offset"] = {"unit": "DAYS", "value": 3}  # a field added to a model, forgotten here
    with pytest.raises(UnresolvedRelativeTerm, match="grace_offset"):
        _Relative(START).terms(package)


def test_a_packages_invoice_generation_offset_becomes_the_contracts_invoice_generation_date() -> None:
    """It was accepted on the package and dropped at provisioning; now the contract carries the date."""
    package = _package()
    package["usage_statement_schedule"]["invoice_generation_starting_at_offset"] = {"unit": "MONTHS", "value": 1}
    request = ProvisionRequest(customer_id=CUSTOMER, package_id=PACKAGE, starting_at=START)
    contract = resolve_contract_terms(request, package, Resolved(PACKAGE, RATE_CARD, None), "c", START, "me")
    assert contract["usage_statement_schedule"]["invoice_generation_starting_at"] == "2027-02-28T00:00:00.000Z"
