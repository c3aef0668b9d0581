"""Read template.yaml: the one definition of tables, functions and authorizer settings."""

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """Keeps CloudFormation short-form tags (!Ref, !GetAtt, !Sub...) as {'Fn': value} data."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        return {name: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {name: loader.construct_sequence(node, deep=True)}
    return {name: loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type]


_CfnLoader.add_multi_constructor("!", _tag)


@lru_cache(maxsize=1)
def load_template() -> dict[str, Any]:
    with TEMPLATE.open() as stream:
        document: dict[str, Any] = yaml.load(stream, Loader=_CfnLoader)
    return document


def resources_of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in load_template()["Resources"].items() if res["Type"] == kind}


def table_definitions() -> dict[str, dict[str, Any]]:
    """CreateTable arguments for every AWS::DynamoDB::Table, keyed by logical id."""
    tables = {}
    for name, resource in resources_of_type("AWS::DynamoDB::Table").items():
        props = resource["Properties"]
        definition: dict[str, Any] = {
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if props.get("StreamSpecification"):
            definition["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        if props.get("GlobalSecondaryIndexes"):
            definition["GlobalSecondaryIndexes"] = [
                {k: v for k, v in index.items() if k in ("IndexName", "KeySchema", "Projection")}
                for index in props["GlobalSecondaryIndexes"]
            ]
        tables[name] = definition
    return tables


def functions() -> dict[str, dict[str, Any]]:
    """Every AWS::Serverless::Function with Globals merged in (environment variables included)."""
    globals_ = load_template().get("Globals", {}).get("Function", {})
    merged = {}
    for name, resource in resources_of_type("AWS::Serverless::Function").items():
        props = {**globals_, **resource["Properties"]}
        env = {
            **globals_.get("Environment", {}).get("Variables", {}),
            **resource["Properties"].get("Environment", {}).get("Variables", {}),
        }
        props["Environment"] = {"Variables": env}
        merged[name] = props
    return merged


def authorizer_ttl_seconds() -> int:
    """API Gateway's authorizer result cache TTL (ReauthorizeEvery) of the REST API."""
    for api in resources_of_type("AWS::Serverless::Api").values():
        for authorizer in api["Properties"].get("Auth", {}).get("Authorizers", {}).values():
            return int(authorizer.get("Identity", {}).get("ReauthorizeEvery", 300))
    return 0


def parameter_defaults() -> dict[str, Any]:
    return {name: p.get("Default") for name, p in load_template().get("Parameters", {}).items()}


def resolve(value: Any, refs: dict[str, Any]) -> Any:
    """Resolve `Ref` and `Fn::GetAtt` against `refs` ("Name" and "Name.Attribute" keys)."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return refs.get(value["Ref"], value)
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        target = value["Fn::GetAtt"]
        return refs.get(target if isinstance(target, str) else ".".join(target), value)
    return value


def queue_definitions() -> dict[str, dict[str, Any]]:
    """Every AWS::SQS::Queue's properties, keyed by logical id (dead-letter queues first)."""
    queues = {name: res.get("Properties", {}) for name, res in resources_of_type("AWS::SQS::Queue").items()}
    return dict(sorted(queues.items(), key=lambda item: "RedrivePolicy" in item[1]))


def event_sources(kind: str) -> list[tuple[str, dict[str, Any]]]:
    """(function logical id, event properties) for every event of `kind` (Schedule, SQS, Api...)."""
    return [
        (name, event.get("Properties", {}))
        for name, props in functions().items()
        for event in props.get("Events", {}).values()
        if event.get("Type") == kind
    ]
