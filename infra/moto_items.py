"""The embedded DynamoDB's items (moto), sized once. Applied by moto_patches.apply().

moto checks DynamoDB's 400 KB item limit as it builds an item, attribute by attribute: each attribute
added re-measures every attribute before it (every string encoded again), so building an item costs the
square of its attributes. The sum only grows as attributes are added, so one measure of the whole item,
once built, refuses exactly the items moto refuses."""

from typing import Any

from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

ITEM_BYTES = 405_000  # moto's own limit (LimitedSizeDict): DynamoDB refuses between 409 and 410 KB
MOTO_ITEM_INIT = Item.__init__  # moto's own, attribute by attribute (for the test that compares both)


def built_then_sized(self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:
    self.hash_key, self.range_key = hash_key, range_key
    self.attrs = LimitedSizeDict()  # later writes (an update's SET) still check as they go, as moto's do
    for name, value in attrs.items():
        dict.__setitem__(self.attrs, name, DynamoType(value))
    if self.size() > ITEM_BYTES:
        raise ItemSizeTooLarge


def apply() -> None:
    Item.__init__ = built_then_sized  # type: ignore[method-assign]
