"""The opaque `next_page` cursors of every listing."""

import base64
import binascii
import json

from ..domain.errors import InvalidRequest


def encode_cursor(payload: dict[str, str]) -> str:
    """An opaque `next_page` value. It never carries the tenant: readers rebuild keys in their own."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def decode_cursor(cursor: str, *fields: str) -> list[str]:
    """The named fields of a cursor this service issued (400 naming `next_page` otherwise)."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return [str(payload[name]) for name in fields]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidRequest("next_page: not a cursor this service issued") from None
