"""The embedded DynamoDB's requests (moto), read as the JSON they are. Applied by moto_patches.apply().

moto reads every request by walking its JSON against the service model, member by member, to turn the
wire's text into richer types; for an item operation the only such type is a binary attribute (base64
text on the wire, bytes in moto), and every attribute value is a structure walked on its own (~15% of
the emulator's time under a migration). A body with no binary attribute is what `json.loads` makes of
it; any other body, and every other operation, goes through moto's parser as before."""

import json
from typing import Any

from moto.dynamodb.responses import DynamoHandler

# The item operations: their inputs hold attribute values, strings, numbers and booleans, no timestamps.
ITEM_OPERATIONS = {
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem",
    "TransactWriteItems", "TransactGetItems",
}  # fmt: skip
_BINARY = (b'"B"', b'"BS"')  # a binary attribute's type (inside a string a quote is escaped: never a false miss)


def plain_json(operation: str, body: bytes) -> dict[str, Any] | None:
    """The request's parameters as moto's parser would make them, or None to leave them to it."""
    if operation not in ITEM_OPERATIONS or any(marker in body for marker in _BINARY):
        return None
    parsed = json.loads(body) if body else {}
    return parsed if isinstance(parsed, dict) else None


MOTO_PARSE_PARAMETERS = DynamoHandler.parse_parameters  # moto's own (for the test that compares both)


def parse_parameters(self: DynamoHandler, request: Any) -> None:
    try:
        params = plain_json(self._get_action(), request.data)
    except ValueError:  # not JSON: moto's parser answers it as it does
        params = None
    if params is None:
        MOTO_PARSE_PARAMETERS(self, request)
    else:
        self.params = params


def apply() -> None:
    DynamoHandler.parse_parameters = parse_parameters  # type: ignore[method-assign,assignment]
