"""Change events from the table's stream: a new audit entry's stream record -> its EventBridge entry."""

import json
from typing import Any

from ..domain.audit import change_event
from .audit import RECORD_TYPE
from .dynamo import maybe_text, text


def event_of_stream_record(record: dict[str, Any]) -> dict[str, Any] | None:
    """The event for a stream record that inserts an audit entry; None for any other record (the event
    source's filter already leaves those out: this is the same rule, checked again)."""
    image = record.get("dynamodb", {}).get("NewImage") or {}
    if record.get("eventName") != "INSERT" or maybe_text(image, "record_type") != RECORD_TYPE:
        return None
    return change_event(json.loads(text(image, "doc")), text(image, "tenant"), text(image, "detail_type"))
