"""API tokens. Only the SHA-256 of a token is stored; the token itself is shown once, at creation.

token   pk=TOKEN#<sha256 hex>   sk=TOKEN   tenant_id, name, created_at, revoked_at?
        gsi1pk=T#<tenant>#TOKENS   gsi1sk=<created_at>#<sha256 hex>   (an operator lists a tenant's tokens)
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from ..domain.base import format_timestamp
from ..domain.errors import Conflict, InvalidRequest, NotFound
from ..domain.principal import Principal
from .dynamo import get_client, key, s, table_name, text, translated_errors

_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class TokenInfo:
    """What an operator sees of a token: never the token, only its hash and its actor id."""

    token_hash: str
    tenant_id: str
    name: str
    created_at: str
    revoked_at: str | None
    actor_id: str = ""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_id(item: dict[str, Any]) -> str:
    """Who a token is in the audit log, which every caller of the tenant reads: a random id issued with
    the token. Never its hash: an unsalted SHA-256 lets anyone test a guessed token against it. Tokens
    issued before actor ids existed are named by their name instead."""
    if "actor_id" in item:
        return str(text(item, "actor_id"))
    return f"token:{item['name']['S']}"


def _hash_key(hashed: str) -> dict[str, dict[str, str]]:
    return key(f"TOKEN#{hashed}", "TOKEN")


def _tenant_index(tenant_id: str) -> str:
    return f"T#{tenant_id}#TOKENS"


def create_token(tenant_id: str, name: str, token: str | None = None) -> str:
    """Store a token for `tenant_id`; returns the token (generated unless given). A token that already
    exists is never overwritten (it might belong to another tenant): Conflict."""
    token = token or f"mtk_{secrets.token_urlsafe(32)}"
    hashed, now = token_hash(token), format_timestamp(datetime.now(UTC))
    try:
        with translated_errors():
            get_client().put_item(
                TableName=table_name(),
                Item={
                    **_hash_key(hashed),
                    "tenant_id": s(tenant_id),
                    "name": s(name),
                    "actor_id": s(f"tok_{secrets.token_hex(12)}"),
                    "created_at": s(now),
                    "gsi1pk": s(_tenant_index(tenant_id)),
                    "gsi1sk": s(f"{now}#{hashed}"),
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise Conflict("token already exists; it was left as it is") from None
        raise
    return token


def list_tokens(tenant_id: str) -> list[TokenInfo]:
    """Every token of a tenant, oldest first (one index partition per tenant: a handful of items)."""
    query = {
        "TableName": table_name(),
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :pk",
        "ExpressionAttributeValues": {":pk": s(_tenant_index(tenant_id))},
    }
    tokens: list[TokenInfo] = []
    while True:
        with translated_errors():
            response = get_client().query(**query)  # type: ignore[arg-type]
        for item in response.get("Items", []):
            tokens.append(
                TokenInfo(
                    token_hash=text(item, "pk").removeprefix("TOKEN#"),
                    tenant_id=text(item, "tenant_id"),
                    name=text(item, "name"),
                    created_at=text(item, "created_at"),
                    revoked_at=text(item, "revoked_at") if "revoked_at" in item else None,
                    actor_id=actor_id(item),
                )
            )
        if "LastEvaluatedKey" not in response:
            return tokens
        query["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def revoke_token(token: str) -> None:
    revoke_token_hash(token_hash(token))


def revoke_token_hash(hashed: str) -> None:
    """Revoke by the token's SHA-256 (what `list_tokens` shows); revoking twice keeps the first time."""
    if not _HASH.fullmatch(hashed):
        raise InvalidRequest("hash: expected the 64 lower-case hex digits of the token's SHA-256")
    try:
        with translated_errors():
            get_client().update_item(
                TableName=table_name(),
                Key=_hash_key(hashed),
                UpdateExpression="SET revoked_at = if_not_exists(revoked_at, :now)",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":now": s(format_timestamp(datetime.now(UTC)))},
            )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise NotFound("token not found") from None
        raise


def revoke_token_named(tenant_id: str, name: str) -> str:
    """Revoke the one active token of `tenant_id` named `name`; returns its hash. Several → InvalidRequest
    naming their hashes (the operator picks one)."""
    active = [t for t in list_tokens(tenant_id) if t.name == name and t.revoked_at is None]
    if not active:
        raise NotFound(f"no active token named {name!r} in tenant {tenant_id!r}")
    if len(active) > 1:
        hashes = ", ".join(t.token_hash for t in active)
        raise InvalidRequest(f"{len(active)} active tokens are named {name!r}; revoke one by --hash: {hashes}")
    revoke_token_hash(active[0].token_hash)
    return active[0].token_hash


def find_principal(token: str) -> Principal | None:
    """The principal for an active token; None for unknown or revoked tokens."""
    with translated_errors():
        response = get_client().get_item(TableName=table_name(), Key=_hash_key(token_hash(token)), ConsistentRead=True)
    item = response.get("Item")
    if item is None or "revoked_at" in item:
        return None
    return Principal(tenant_id=text(item, "tenant_id"), token_name=text(item, "name"), token_id=actor_id(item))
