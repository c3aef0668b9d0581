"""A rate card's rates: one item per lane (a product's rates for one pricing group), in the card's partition.

  rate lane    pk=T#<tenant>#RATES#<rate_card_id>   sk=LANE#<product_id>#<group hash>
               rates (JSON list, oldest first), version (N: bumped by every write, the optimistic lock)
All of a card's lanes come back from one Query while they fit DynamoDB's 1 MB page (one more call per MB).
"""

import json
from dataclasses import dataclass
from typing import Any

from ..domain.audit import AuditEntry
from ..domain.errors import InvalidRequest
from .audit import entry_put
from .dynamo import Item, get_client, key, n, number, s, table_name, text, transact, translated_errors
from .kinds import RATE_CARD
from .records import ConcurrentChange, record_key

Doc = dict[str, Any]
LANE_PREFIX = "LANE#"


def rates_partition(tenant: str, rate_card_id: str) -> str:
    return f"T#{tenant}#RATES#{rate_card_id}"


@dataclass
class Lane:
    rates: list[Doc]
    version: int


def read_lanes(tenant: str, rate_card_id: str, product_id: str | None = None) -> dict[str, Lane]:
    """Every lane of the card (or of one product), by lane name."""
    prefix = LANE_PREFIX + (f"{product_id}#" if product_id else "")
    query: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": {":pk": s(rates_partition(tenant, rate_card_id)), ":prefix": s(prefix)},
    }
    lanes: dict[str, Lane] = {}
    while True:
        with translated_errors():
            response = get_client().query(**query)
        for item in response.get("Items", []):
            lanes[text(item, "sk")[len(LANE_PREFIX) :]] = Lane(json.loads(text(item, "rates")), number(item, "version"))
        if "LastEvaluatedKey" not in response:
            return lanes
        query["ExclusiveStartKey"] = response["LastEvaluatedKey"]


MAX_LANE_BYTES = 380_000  # DynamoDB's item limit is 400 KB; headroom for keys and the version
MAX_LANES_PER_WRITE = 98  # a transaction holds 100 items: the lanes, the rate card's check, the audit entry


def write_lanes(
    tenant: str, rate_card_id: str, changed: dict[str, list[Doc]], read: dict[str, Lane], entry: AuditEntry
) -> None:
    """One transaction: each changed lane, provided nobody wrote it since it was read; the rate card still
    there and active; the audit entry. ConcurrentChange when a lane moved underneath (read and retry)."""
    if len(changed) > MAX_LANES_PER_WRITE:
        raise InvalidRequest(
            f"rates: at most {MAX_LANES_PER_WRITE} distinct product/pricing-group combinations per request "
            "(they are written in one DynamoDB transaction); split the request"
        )
    table, partition = table_name(), rates_partition(tenant, rate_card_id)
    items: list[Item] = [
        {
            "ConditionCheck": {
                "TableName": table,
                "Key": record_key(tenant, RATE_CARD, rate_card_id),
                "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(archived_at)",
            }
        }
    ]
    for lane, rates in sorted(changed.items()):
        before, stored = read.get(lane), json.dumps(rates, separators=(",", ":"))
        if len(stored.encode()) > MAX_LANE_BYTES:
            raise InvalidRequest(
                f"rates: product {rates[-1]['product_id']} would hold more rates for one pricing group than one "
                "DynamoDB item (400 KB) keeps"
            )
        put: Item = {
            "TableName": table,
            "Item": {
                **key(partition, LANE_PREFIX + lane),
                "rates": s(stored),
                "version": n(before.version + 1 if before else 1),
            },
        }
        if before:
            put["ConditionExpression"] = "version = :read"
            put["ExpressionAttributeValues"] = {":read": n(before.version)}
        else:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        items.append({"Put": put})
    items.append(entry_put(entry))
    reasons = transact(items)
    if reasons is None:
        return
    if reasons[0].get("Code") == "ConditionalCheckFailed":
        raise InvalidRequest(f"rate_card_id: rate card {rate_card_id} does not exist or is archived")
    raise ConcurrentChange(f"the rates of rate card {rate_card_id}")
