"""The authorizer, tokens and API Gateway's per-token cache, through the local front door on moto."""

import json

import pytest

from infra.front_door import FrontDoor
from package_service.admin import main as admin
from package_service.domain.errors import Conflict
from package_service.store.dynamo import get_client
from package_service.store.tokens import create_token, find_principal, list_tokens, revoke_token, token_hash

from .conftest import TABLE


def call(door: FrontDoor, token: str | None, path: str = "/v1/packages/list", body: object = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    status, _, payload = door.handle("POST", path, headers, json.dumps(body or {}).encode())
    return status, json.loads(payload)


def test_tokens_are_stored_only_as_hashes(table: str) -> None:
    token = create_token("acme", "ci")
    items = get_client().scan(TableName=TABLE)["Items"]
    assert token not in json.dumps(items)
    assert items[0]["pk"]["S"] == f"TOKEN#{token_hash(token)}"
    principal = find_principal(token)
    assert principal is not None and principal.tenant_id == "acme" and principal.token_name == "ci"


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer nope", "Basic abc"])
def test_missing_or_unknown_tokens_are_401(table: str, header: str | None) -> None:
    door = FrontDoor(authorizer_ttl=0)
    headers = {"Authorization": header} if header is not None else {}
    status, _, payload = door.handle("POST", "/v1/packages/list", headers, b"{}")
    assert status == 401
    assert json.loads(payload) == {"message": "Unauthorized"}


def test_revoked_tokens_are_401_once_the_cache_expires(table: str) -> None:
    token = create_token("acme", "ci")
    door = FrontDoor(authorizer_ttl=0)
    assert call(door, token)[0] == 200
    revoke_token(token)
    assert call(door, token)[0] == 401


def test_authorizer_results_are_cached_per_token_like_api_gateway(table: str) -> None:
    token = create_token("acme", "ci")
    door = FrontDoor(authorizer_ttl=300)
    for _ in range(3):
        assert call(door, token)[0] == 200
    assert door.authorizer.invocations == 1
    revoke_token(token)
    assert call(door, token)[0] == 200  # still cached, exactly as API Gateway behaves within the TTL


def test_created_by_is_the_token_name_and_tenants_are_isolated(table: str) -> None:
    door = FrontDoor(authorizer_ttl=0)
    acme, globex = create_token("acme", "acme-admin"), create_token("globex", "globex-admin")
    status, created = call(door, acme, "/v1/packages/create", {"name": "Acme plan"})
    assert status == 200
    package_id = created["data"]["id"]
    status, got = call(door, acme, "/v1/packages/get", {"package_id": package_id})
    assert got["data"]["created_by"] == "acme-admin"
    status, body = call(door, globex, "/v1/packages/get", {"package_id": package_id})
    assert status == 404 and "Acme" not in json.dumps(body)


def test_admin_cli_creates_and_revokes(table: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert admin(["tokens", "create", "--tenant", "acme", "--name", "ops", "--token", "given-token"]) == 0
    assert capsys.readouterr().out.strip() == "given-token"
    assert find_principal("given-token") is not None
    assert admin(["tokens", "revoke", "given-token"]) == 0
    assert find_principal("given-token") is None


def test_unknown_routes_and_methods(table: str) -> None:
    door = FrontDoor(authorizer_ttl=0)
    token = create_token("acme", "ci")
    assert door.handle("GET", "/v1/packages/list", {"Authorization": f"Bearer {token}"}, b"")[0] == 403
    status, _, page = door.handle("GET", "/swagger", {}, b"")
    assert status == 200 and b"swagger" in page.lower()


def test_create_never_overwrites_an_existing_token(table: str, capsys: pytest.CaptureFixture[str]) -> None:
    create_token("acme", "ops", "shared-value")
    with pytest.raises(Conflict):
        create_token("globex", "intruder", "shared-value")
    principal = find_principal("shared-value")
    assert principal is not None and principal.tenant_id == "acme" and principal.token_name == "ops"
    assert admin(["tokens", "create", "--tenant", "globex", "--token", "shared-value"]) == 1
    assert "already exists" in capsys.readouterr().err


def test_operators_list_a_tenants_tokens_by_hash(table: str, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = create_token("acme", "ci"), create_token("acme", "billing-bot")
    create_token("globex", "other")
    revoke_token(first)
    listed = {t.name: t for t in list_tokens("acme")}
    assert set(listed) == {"ci", "billing-bot"}
    assert listed["ci"].token_hash == token_hash(first) and listed["ci"].revoked_at is not None
    assert listed["billing-bot"].revoked_at is None
    assert admin(["tokens", "list", "--tenant", "acme"]) == 0
    out = capsys.readouterr().out
    assert token_hash(second) in out and second not in out and first not in out and "other" not in out


def test_revoke_by_hash_or_by_name_without_the_token(table: str, capsys: pytest.CaptureFixture[str]) -> None:
    by_hash, by_name = create_token("acme", "ci"), create_token("acme", "billing-bot")
    assert admin(["tokens", "revoke", "--hash", token_hash(by_hash)]) == 0
    assert find_principal(by_hash) is None and find_principal(by_name) is not None
    assert admin(["tokens", "revoke", "--tenant", "acme", "--name", "billing-bot"]) == 0
    assert find_principal(by_name) is None
    capsys.readouterr()
    assert admin(["tokens", "revoke", "--tenant", "acme", "--name", "billing-bot"]) == 1  # none active left
    assert "no active token named 'billing-bot'" in capsys.readouterr().err
    assert admin(["tokens", "revoke", "--hash", "not-a-hash"]) == 1
    assert admin(["tokens", "revoke", "--hash", "0" * 64]) == 1  # not found


def test_revoke_by_a_name_that_several_tokens_share_names_their_hashes(
    table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = create_token("acme", "ci"), create_token("acme", "ci")
    assert admin(["tokens", "revoke", "--tenant", "acme", "--name", "ci"]) == 1
    err = capsys.readouterr().err
    assert token_hash(one) in err and token_hash(two) in err
    assert find_principal(one) is not None and find_principal(two) is not None


def test_revoke_takes_exactly_one_way_to_name_the_token(table: str) -> None:
    for argv in (
        ["tokens", "revoke"],
        ["tokens", "revoke", "x", "--hash", "0" * 64],
        ["tokens", "revoke", "--name", "ci"],
    ):
        with pytest.raises(SystemExit):
            admin(argv)
