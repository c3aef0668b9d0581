"""Where change events go: the service's EventBridge bus, or (locally) a JSON-lines file.

`make run` has no EventBridge: it sets LOCAL_EVENTS_FILE, and each event is appended there as the
PutEvents entry it would have been (plus the time), and printed as one line.
"""

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from uuid import uuid4

from botocore.config import Config

from .settings import get_settings
from .store.dynamo import aws_session, client_region

PUT_EVENTS_LIMIT = 10  # entries per PutEvents call


@lru_cache(maxsize=1)
def _events_client() -> Any:
    return aws_session().create_client(
        "events",
        region_name=client_region(None),
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=2, read_timeout=5),
    )


def put_events(entries: list[dict[str, Any]]) -> list[bool]:
    """Publish up to 10 entries (Source, DetailType, Detail as a dict); whether each one was accepted."""
    settings = get_settings()
    bus = settings.event_bus_name
    wire = [
        {**entry, "Detail": json.dumps(entry["Detail"], separators=(",", ":")), "EventBusName": bus}
        for entry in entries
    ]
    if settings.local_events_file:
        return _append_locally(settings.local_events_file, wire)
    response = _events_client().put_events(Entries=wire)
    return ["ErrorCode" not in result for result in response.get("Entries", [])]


def _append_locally(path: str, entries: list[dict[str, Any]]) -> list[bool]:
    """Each entry as a rule's target would receive it from EventBridge (its envelope, `detail` an object)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    events = [
        {
            "version": "0",
            "id": str(uuid4()),  # EventBridge's own id; de-duplicate on detail.event_id
            "detail-type": entry["DetailType"],
            "source": entry["Source"],
            "account": "123456789012",
            "time": now,
            "region": "us-east-1",
            "resources": [],
            "detail": json.loads(entry["Detail"]),
        }
        for entry in entries
    ]
    with open(path, "a", encoding="utf-8") as events_file:
        events_file.write("".join(json.dumps(event, separators=(",", ":")) + "\n" for event in events))
    for event in events:
        detail = event["detail"]
        where = f"tenant {detail['tenant_id']}, id {detail['event_id']}"
        print(f"event {event['detail-type']} {detail['resource_id']} ({where})", flush=True)
    return [True] * len(entries)
