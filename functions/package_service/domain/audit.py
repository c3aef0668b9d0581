"""Audit entries: who changed what, when, from which request; and the change event each one becomes.

An entry is written in the same transaction as the change it records (store/audit.py), so there is
never a change without its entry nor an entry without its change. Its id is also the change event's
id: consumers of the event bus de-duplicate on it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import uuid4

from .base import format_timestamp

# action -> the verb of the change event's detail-type (`<resource_type>.<past tense>`).
PAST_TENSE = {
    "create": "created",
    "update": "updated",
    "archive": "archived",
    "provision": "provisioned",
    "transition": "transitioned",
    "cancel": "cancelled",
    "complete": "completed",
    "fail": "failed",
    "plan": "planned",
    "apply": "apply_requested",
    "set_billing_provider_configurations": "billing_provider_configurations_set",
    "archive_billing_provider_configurations": "billing_provider_configurations_archived",
}
Action = Literal[
    "create",
    "update",
    "archive",
    "provision",
    "transition",
    "cancel",
    "complete",
    "fail",
    "plan",
    "apply",
    "set_billing_provider_configurations",
    "archive_billing_provider_configurations",
]
ResourceType = Literal[
    "package", "product", "rate_card", "customer", "contract", "provisioning_job", "package_migration"
]
EVENT_SOURCE = "package-service"


@dataclass(frozen=True)
class RequestInfo:
    """The API request that made a change, as API Gateway's request context describes it."""

    id: str
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class Actor:
    """Who made a change: an API token (its hash and name) or one of the service's background functions."""

    id: str
    name: str


# Background work acts on its own: the job or migration it serves is the "request".
PROVISIONER = Actor("package-service:provisioner", "Provisioner (scheduled)")
WORKER = Actor("package-service:provision-worker", "Provisioning worker")


@dataclass(frozen=True)
class Change:
    resource_type: ResourceType
    resource_id: str
    action: Action
    description: str


@dataclass(frozen=True)
class AuditEntry:
    tenant: str
    id: str
    timestamp: str
    actor: Actor
    request: RequestInfo
    change: Change

    @property
    def detail_type(self) -> str:
        return detail_type_of(self.change.resource_type, self.change.action)

    def document(self) -> dict[str, Any]:
        """The entry as `GET /v1/auditLogs` answers it (absent, never null, where nothing is known)."""
        request = {"id": self.request.id, "ip": self.request.ip, "user_agent": self.request.user_agent}
        return {
            "id": self.id,
            "timestamp": self.timestamp,
            "request": {k: v for k, v in request.items() if v is not None},
            "actor": {"id": self.actor.id, "name": self.actor.name},
            "action": self.change.action,
            "description": self.change.description,
            "resource_type": self.change.resource_type,
            "resource_id": self.change.resource_id,
            "status": "success",  # only changes that happened are recorded: a failed one wrote nothing
        }


def new_entry(tenant: str, actor: Actor, request: RequestInfo, change: Change, now: datetime) -> AuditEntry:
    return AuditEntry(tenant, str(uuid4()), format_timestamp(now), actor, request, change)


def detail_type_of(resource_type: str, action: str) -> str:
    """A change event's detail-type: `<resource_type>.<past tense of the action>`."""
    return f"{resource_type}.{PAST_TENSE[action]}"


def change_event(entry_doc: dict[str, Any], tenant: str, detail_type: str) -> dict[str, Any]:
    """The EventBridge entry for an audit entry: the audit entry's id is the event's stable id."""
    return {
        "Source": EVENT_SOURCE,
        "DetailType": detail_type,
        "Detail": {
            "event_id": entry_doc["id"],
            "tenant_id": tenant,
            "resource_type": entry_doc["resource_type"],
            "resource_id": entry_doc["resource_id"],
            "action": entry_doc["action"],
            "audit_log": entry_doc,
        },
    }
