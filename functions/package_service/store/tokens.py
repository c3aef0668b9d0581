"""API tokens. Only the SHA-256 of a token is stored; the token itself is shown once, at creation.

token   pk=TOKEN#<sha256 hex>   sk=TOKEN   tenant_id, name, created_at, revoked_at?
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from botocore.exceptions import ClientError

from ..domain.base import format_timestamp
from ..domain.errors import NotFound
from .dynamo import get_client, key, s, table_name, translated_errors


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant every record is scoped to, and the token's name (`created_by`)."""

    tenant_id: str
    token_name: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token_key(token: str) -> dict[str, dict[str, str]]:
    return key(f"TOKEN#{token_hash(token)}", "TOKEN")


def create_token(tenant_id: str, name: str, token: str | None = None) -> str:
    """Store a token for `tenant_id`; returns the token (generated unless given)."""
    token = token or f"mtk_{secrets.token_urlsafe(32)}"
    with translated_errors():
        get_client().put_item(
            TableName=table_name(),
            Item={
                **_token_key(token),
                "tenant_id": s(tenant_id),
                "name": s(name),
                "created_at": s(format_timestamp(datetime.now(UTC))),
            },
        )
    return token


def revoke_token(token: str) -> None:
    try:
        with translated_errors():
            get_client().update_item(
                TableName=table_name(),
                Key=_token_key(token),
                UpdateExpression="SET revoked_at = if_not_exists(revoked_at, :now)",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":now": s(format_timestamp(datetime.now(UTC)))},
            )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise NotFound("token not found") from None
        raise


def find_principal(token: str) -> Principal | None:
    """The principal for an active token; None for unknown or revoked tokens."""
    with translated_errors():
        response = get_client().get_item(TableName=table_name(), Key=_token_key(token), ConsistentRead=True)
    item = response.get("Item")
    if item is None or "revoked_at" in item:
        return None
    return Principal(tenant_id=item["tenant_id"]["S"], token_name=item["name"]["S"])
