"""Recovering a deleted stack's data: the retained table copied into the new stack's empty one."""

import pytest

from infra.copy_table import copy_table
from infra.dynamodb import create_tables
from package_service.settings import get_settings
from package_service.store.dynamo import get_client
from package_service.store.tokens import create_token, find_principal


def test_tokens_and_records_come_back_after_a_redeploy(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = [create_token(f"tenant-{n}", "ci") for n in range(60)]  # more than one BatchWriteItem
    create_tables(None, "the-new-stacks-table")
    client = get_client()
    assert copy_table(client, table, "the-new-stacks-table") == client.scan(TableName=table)["Count"] >= 60
    old = client.scan(TableName=table)["Items"]
    new = client.scan(TableName="the-new-stacks-table")["Items"]
    assert sorted(map(str, old)) == sorted(map(str, new))
    monkeypatch.setenv("TABLE_NAME", "the-new-stacks-table")  # the new stack's functions
    get_settings.cache_clear()
    principal = find_principal(tokens[0])
    assert principal is not None and principal.tenant_id == "tenant-0"
