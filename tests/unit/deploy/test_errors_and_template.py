"""Error messages name the field; template.yaml describes every handler and table the code uses."""

import importlib

from infra.template import authorizer_ttl_seconds, functions, table_definitions
from package_service.routes.common import describe_validation_errors


def test_validation_errors_become_field_paths() -> None:
    errors = [
        {"loc": ("body", "commits", 0, "product_id"), "msg": "Field required", "type": "missing"},
        {"loc": ("query", "limit"), "msg": "Input should be greater than or equal to 1", "type": "greater_than_equal"},
        {"loc": ("body", "aliases"), "msg": "Value error, alias 'a' is listed twice", "type": "value_error"},
    ]
    assert describe_validation_errors(errors) == (
        "commits[0].product_id: Field required; limit: Input should be greater than or equal to 1; "
        "aliases: alias 'a' is listed twice"
    )


def test_missing_and_malformed_bodies_are_described() -> None:
    assert describe_validation_errors([{"loc": ("body",), "msg": "Field required", "type": "missing"}]) == (
        "request body: Field required"
    )
    assert describe_validation_errors([{"loc": ("body", 1), "msg": "JSON decode error", "type": "json_invalid"}]) == (
        "request body: is not valid JSON"
    )


def test_every_handler_in_the_template_imports() -> None:
    for name, props in functions().items():
        module, _, attribute = props["Handler"].rpartition(".")
        assert callable(getattr(importlib.import_module(module), attribute)), name


def test_the_table_the_code_uses_is_defined_with_its_index() -> None:
    (table,) = table_definitions().values()
    assert {k["AttributeName"] for k in table["KeySchema"]} == {"pk", "sk"}
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["gsi1"]


def test_every_function_gets_the_table_name_and_the_authorizer_is_cached() -> None:
    for props in functions().values():
        assert props["Environment"]["Variables"]["TABLE_NAME"] == {"Ref": "DataTable"}
    assert authorizer_ttl_seconds() == 300
