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
