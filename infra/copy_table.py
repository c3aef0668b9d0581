"""Copy every item of one DynamoDB table into another: the way back to a stack's data after it was deleted
and deployed again (the old table is kept, the new stack starts with an empty one; docs/deploy.md).

python -m infra.copy_table OLD_TABLE NEW_TABLE     (region and credentials as for the AWS CLI)

Items are written as they are (PutItem semantics): run it before clients use the new stack, or items
they changed there are overwritten by the old ones.
"""

import sys
import time
from typing import Any

import botocore.session

BATCH = 25  # BatchWriteItem's limit


def copy_table(client: Any, source: str, target: str) -> int:
    """Every item of `source` put into `target`; returns how many."""
    copied = 0
    for page in client.get_paginator("scan").paginate(TableName=source, ConsistentRead=True):
        items = page["Items"]
        for start in range(0, len(items), BATCH):
            pending: dict[str, Any] = {target: [{"PutRequest": {"Item": i}} for i in items[start : start + BATCH]]}
            for attempt in range(10):
                pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
                time.sleep(min(2**attempt * 0.05, 2))  # throttled: back off, as BatchWriteItem asks
            if pending:
                raise RuntimeError(f"DynamoDB kept refusing writes after {copied} items; run again")
        copied += len(items)
    return copied


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    client = botocore.session.get_session().create_client("dynamodb")
    print(f"copying {argv[0]} -> {argv[1]} in {client.meta.region_name}", file=sys.stderr)
    print(f"copied {copy_table(client, argv[0], argv[1])} items", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
