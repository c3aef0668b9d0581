"""The DynamoDB client, and the translation of its failures into domain errors."""

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    NoCredentialsError,
    NoRegionError,
    ReadTimeoutError,
)

from ..domain.errors import Throttled, Unavailable
from ..settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

Item = dict[str, Any]

_THROTTLING = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "LimitExceededException",
}
_UNAVAILABLE = {"InternalServerError", "ServiceUnavailable", "InternalFailure"}


@lru_cache(maxsize=1)
def aws_session() -> botocore.session.Session:
    """botocore's session, not boto3's: importing boto3 also imports s3transfer and boto3's resource
    layer, which this service never calls, on every cold start."""
    return botocore.session.get_session()


def client_region(endpoint_url: str | None) -> str | None:
    """AWS_REGION (always set in Lambda), else None: botocore then resolves the caller's region as any AWS
    tool does. A local endpoint (moto, DynamoDB Local) needs some region and cares not which."""
    region = get_settings().aws_region
    if region is None and endpoint_url and aws_session().get_config_variable("region") is None:
        return "us-east-1"
    return region


@lru_cache(maxsize=1)
def get_client() -> DynamoDBClient:
    """One client per process, created on first use rather than at import (cold starts stay short)."""
    settings = get_settings()
    config = Config(
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=2,
        read_timeout=5,
        tcp_keepalive=True,
        # The requests are built by this module's callers, never from raw input, and DynamoDB validates
        # them again: botocore's client-side walk of every parameter cost ~10% of a cohort worker's CPU.
        parameter_validation=False,
    )
    client = aws_session().create_client(
        "dynamodb",
        region_name=client_region(settings.dynamodb_endpoint_url),
        endpoint_url=settings.dynamodb_endpoint_url,
        config=config,
    )
    return cast("DynamoDBClient", client)


def table_name() -> str:
    return get_settings().table_name


@contextmanager
def translated_errors() -> Iterator[None]:
    """Throttling becomes 429 and datastore faults 503: both safe for the client to retry."""
    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in _THROTTLING:
            raise Throttled("the datastore is throttling requests; retry after a short wait") from error
        if code in _UNAVAILABLE:
            raise Unavailable("the datastore is temporarily unavailable; retry") from error
        raise
    except (NoRegionError, NoCredentialsError):
        raise  # configuration, not an outage: the caller (the admin CLI) says how to fix it
    except (ReadTimeoutError, ConnectionError) as error:
        raise Unavailable("the datastore did not answer in time; retry") from error
    except BotoCoreError as error:
        raise Unavailable("the datastore could not be reached; retry") from error


# One way to spell items: these helpers, not `{"S": ...}` or `item[name]["S"]` (decision 0015).
def s(value: str) -> dict[str, str]:
    """A string attribute value."""
    return {"S": value}


def n(value: int) -> dict[str, str]:
    """A number attribute value."""
    return {"N": str(value)}


def b(value: bytes) -> dict[str, bytes]:
    """A binary attribute value."""
    return {"B": value}


def binary(item: Item, name: str) -> bytes:
    """A binary attribute the item must have."""
    return bytes(item[name]["B"])


def text(item: Item, name: str) -> str:
    """A string attribute the item must have."""
    return str(item[name]["S"])


def maybe_text(item: Item, name: str) -> str | None:
    """A string attribute the item may lack."""
    value = item.get(name)
    return None if value is None else value.get("S")


def text_or(item: Item, name: str, default: str) -> str:
    """A string attribute, `default` when the item lacks it."""
    value = item.get(name)
    return default if value is None else str(value["S"])


def number(item: Item, name: str, default: int = 0) -> int:
    """A number attribute (`default` when absent)."""
    value = item.get(name)
    return default if value is None else int(value["N"])


def key(pk: str, sk: str) -> Item:
    return {"pk": s(pk), "sk": s(sk)}


def query_at_least(query: dict[str, Any], wanted: int) -> tuple[list[Item], Item | None]:
    """Query page after page until `wanted` items came back or the partition ended: a filter can leave
    a page short. Returns the items (possibly more than wanted) and where to continue (None: the end)."""
    items: list[Item] = []
    while True:
        with translated_errors():
            response = get_client().query(**{**query, "Limit": wanted - len(items)})
        items.extend(response.get("Items", []))
        last_key = response.get("LastEvaluatedKey")
        if len(items) >= wanted or not last_key:
            return items, last_key
        query = {**query, "ExclusiveStartKey": last_key}


def query_page(query: dict[str, Any], after: str | None) -> tuple[list[Item], str | None]:
    """One page of a query on the base table, resumed after the sort key `after` (of the query's `:pk`
    partition); returns the items and the sort key to resume after (None: the partition ended)."""
    if after:
        query = {**query, "ExclusiveStartKey": {"pk": query["ExpressionAttributeValues"][":pk"], "sk": s(after)}}
    with translated_errors():
        response = get_client().query(**query)
    last = response.get("LastEvaluatedKey")
    return response.get("Items", []), (text(last, "sk") if last else None)


BATCH_GET_LIMIT = 100


def batch_get(keys: Sequence[Item]) -> list[Item]:
    """One call per 100 keys; unprocessed keys (throttling) are retried with backoff."""
    found: list[Item] = []
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        found.extend(_batch_get_chunk(keys[start : start + BATCH_GET_LIMIT]))
    return found


def _batch_get_chunk(keys: Sequence[Item]) -> list[Item]:
    client, table = get_client(), table_name()
    found: list[Item] = []
    pending: dict[str, Any] = {table: {"Keys": list(keys)}}
    for attempt in range(5):
        with translated_errors():
            response = client.batch_get_item(RequestItems=pending)
        found.extend(response.get("Responses", {}).get(table, []))
        pending = dict(response.get("UnprocessedKeys") or {})
        if not pending:
            return found
        time.sleep(0.05 * 2**attempt)
    raise Throttled("the datastore is throttling reads; retry after a short wait")


def transact(items: Sequence[Item]) -> list[Item] | None:
    """One TransactWriteItems. None when written; when DynamoDB cancelled it (nothing written), its
    CancellationReasons, one per item in order (`Code`: ConditionalCheckFailed, TransactionConflict,
    None...; `Item` where an item asked for ALL_OLD). Other failures raise as translated_errors says."""
    try:
        with translated_errors():
            get_client().transact_write_items(TransactItems=cast(Any, list(items)))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        reasons = error.response.get("CancellationReasons") or [{"Code": "Unknown"}]
        return [dict(reason) for reason in reasons]
    return None
