"""The DynamoDB client's region follows the caller, as every AWS tool's does: the admin CLI run by an
operator in eu-west-1 must not write tokens into a table in us-east-1."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from package_service.settings import get_settings
from package_service.store.dynamo import aws_session, get_client
from package_service.store.queue import get_sqs


@pytest.fixture(autouse=True)
def fresh_clients(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "DYNAMODB_ENDPOINT_URL", "SQS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    caches = (get_settings, get_client, get_sqs, aws_session)
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()


def test_aws_default_region_is_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert get_client().meta.region_name == "eu-west-1"
    assert get_sqs().meta.region_name == "eu-west-1"


def test_the_profiles_region_is_followed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("[profile ops]\nregion = ap-southeast-2\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "ops")
    assert get_client().meta.region_name == "ap-southeast-2"


def test_lambdas_aws_region_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert get_client().meta.region_name == "eu-central-1"


def test_a_local_endpoint_needs_no_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", "http://127.0.0.1:8000")
    assert get_client().meta.region_name == "us-east-1"


def test_the_template_declares_local_endpoints_empty_and_empty_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", "")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert get_settings().dynamodb_endpoint_url is None
    assert get_client().meta.endpoint_url == "https://dynamodb.eu-west-1.amazonaws.com"
