"""Packing several records' writes into transactions (store/packing.py): the measure each entry carries
never falls below what DynamoDB counts against a transaction's 4 MB (attribute names and values, UTF-8)."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from package_service.store.packing import TRANSACTION_BYTES, Writes, packs


def dynamodb_bytes(value: Any) -> int:
    """An item's size as DynamoDB counts it, over-approximated the simple way: every string's UTF-8 bytes."""
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, dict):
        return sum(dynamodb_bytes(k) + dynamodb_bytes(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(map(dynamodb_bytes, value))
    return 1


attribute_values = st.recursive(
    st.builds(lambda t: {"S": t}, st.text()) | st.builds(lambda n: {"N": str(n)}, st.integers()),
    lambda inner: (
        st.builds(lambda m: {"M": m}, st.dictionaries(st.text(), inner, max_size=3))
        | st.builds(lambda items: {"L": items}, st.lists(inner, max_size=3))
    ),
    max_leaves=10,
)
items = st.dictionaries(st.text(min_size=1), attribute_values, min_size=1, max_size=6)


@given(st.lists(items, min_size=1, max_size=4))
def test_an_entrys_size_is_at_least_the_bytes_dynamodb_counts(puts: list[dict[str, Any]]) -> None:
    entry = Writes([{"Put": {"TableName": "t", "Item": item}} for item in puts])
    assert entry.size >= sum(dynamodb_bytes(item) for item in puts)


def test_entries_past_the_byte_cap_go_to_another_transaction() -> None:
    big = "é" * (TRANSACTION_BYTES // 4)  # 2 bytes a character in UTF-8: half the cap in one item
    entries = [Writes([{"Put": {"TableName": "t", "Item": {"doc": {"S": big}}}}]) for _ in range(3)]
    assert [len(pack) for pack in packs(entries)] == [1, 1, 1]
    small = [Writes([{"Put": {"TableName": "t", "Item": {"doc": {"S": "x"}}}}]) for _ in range(3)]
    assert [len(pack) for pack in packs(small)] == [3]
