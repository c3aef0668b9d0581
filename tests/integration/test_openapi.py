"""The committed openapi.json is what the code generates (regenerate with `make openapi`)."""

from infra.openapi import render
from infra.template import ROOT


def test_committed_openapi_matches_the_code() -> None:
    committed = (ROOT / "openapi.json").read_text()
    assert committed == render(), "openapi.json is stale: run `make openapi` and commit it"


def test_every_route_is_documented_with_its_request_schema() -> None:
    import json

    document = json.loads(render())
    create = document["paths"]["/v1/packages/create"]["post"]
    schema_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert schema_ref.endswith("/PackageCreate")
    fields = document["components"]["schemas"]["PackageCreate"]["properties"]
    for name in ("commits", "recurring_credits", "overrides", "uniqueness_key", "billing_anchor_date"):
        assert name in fields


def test_every_operation_taking_a_uniqueness_key_documents_its_409() -> None:
    import json

    document = json.loads(render())
    schemas = document["components"]["schemas"]
    keyed = []
    for path, methods in document["paths"].items():
        for operation in methods.values():
            ref = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            name = ref.get("$ref", "").rsplit("/", 1)[-1]
            if "uniqueness_key" in schemas.get(name, {}).get("properties", {}):
                keyed.append(path)
                assert "409" in operation["responses"], path
    assert "/v1/packageMigrations/create" in keyed and "/v1/provisioningJobs/create" in keyed
