"""Who is calling: every layer passes it down, so it lives at the bottom (no store needed to name it)."""

from dataclasses import dataclass

from .audit import RequestInfo


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant every record is scoped to, the token's name (`created_by`) and actor id
    (the audit log's: see store/tokens.actor_id), and the API request being served (None elsewhere)."""

    tenant_id: str
    token_name: str
    token_id: str = ""
    request: RequestInfo | None = None
