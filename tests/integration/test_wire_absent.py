"""Absent means omitted: no response carries `null` (or `""`) where Metronome's published API
description does not declare the field nullable. Strict clients and generated code reject both."""

from typing import Any

from tests.published import nullable_paths

from .conftest import Api, every_operation


def nulls(value: Any, path: str = "") -> list[str]:
    """Paths of every null or empty-string value, list indexes written as []."""
    if value is None or value == "":
        return [path]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in nulls(item, f"{path}.{key}" if path else key)]
    if isinstance(value, list):
        return [found for item in value for found in nulls(item, f"{path}[]")]
    return []


def test_no_response_carries_a_null_the_published_schema_does_not_allow(api: Api, world: dict[str, str]) -> None:
    replies = every_operation(api, world)
    offending = {
        (path, found) for path, reply in replies for found in nulls(reply.body) if found not in nullable_paths(path)
    }
    assert offending == set()


def test_the_walk_sees_nulls_where_they_are() -> None:
    assert nulls({"data": [{"a": None, "b": {"c": ""}, "d": 0, "e": False}], "next_page": None}) == [
        "data[].a",
        "data[].b.c",
        "next_page",
    ]
