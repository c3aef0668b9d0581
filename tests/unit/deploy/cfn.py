"""The template as CloudFormation receives it: `sam package` has replaced CodeUri with an S3 object and
the SAM transform (samtranslator, offline) has run. Conditions are then evaluated for given parameter
values, the way CloudFormation does when it creates the stack."""

import copy
from typing import Any

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from infra.template import load_template

NO_VALUE = object()


def transformed(parameters: dict[str, str] | None = None) -> dict[str, Any]:
    """The transformed template with the parameters' conditions applied: resources whose condition is
    false are gone, `Fn::If` is decided, `AWS::NoValue` removes its property."""
    template = copy.deepcopy(load_template())
    template["Globals"]["Function"]["CodeUri"] = "s3://deploy-bucket/functions.zip"  # what `sam package` does
    values = {name: str(p.get("Default", "")) for name, p in template.get("Parameters", {}).items()}
    values.update(parameters or {})
    session = boto3.session.Session(region_name="us-east-1")
    output = Translator(managed_policy_map=None, sam_parser=Parser(), boto_session=session).translate(
        sam_template=template, parameter_values=dict(values), get_managed_policy_map=dict
    )
    conditions: dict[str, bool] = {}
    for name, expression in output.get("Conditions", {}).items():
        conditions[name] = _condition(expression, values, conditions)
    resources = {
        logical_id: _decide(resource, values, conditions)
        for logical_id, resource in output["Resources"].items()
        if conditions.get(resource.get("Condition", ""), True)
    }
    return {**output, "Resources": resources, "Parameters": values, "ConditionValues": conditions}


def _value(node: Any, values: dict[str, str], conditions: dict[str, bool]) -> Any:
    if isinstance(node, dict) and set(node) == {"Ref"} and node["Ref"] in values:
        return values[node["Ref"]]
    if isinstance(node, dict) and set(node) == {"Condition"}:
        return conditions[node["Condition"]]
    return node


def _condition(node: Any, values: dict[str, str], conditions: dict[str, bool]) -> bool:
    ((function, args),) = node.items()
    if function == "Fn::Equals":
        left, right = (_value(arg, values, conditions) for arg in args)
        return str(left) == str(right)
    if function == "Fn::Not":
        return not _condition(args[0], values, conditions)
    if function == "Fn::And":
        return all(_condition(arg, values, conditions) for arg in args)
    if function == "Fn::Or":
        return any(_condition(arg, values, conditions) for arg in args)
    if function == "Condition":
        return conditions[args]
    raise ValueError(f"unsupported condition function {function}")


def _decide(node: Any, values: dict[str, str], conditions: dict[str, bool]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            name, if_true, if_false = node["Fn::If"]
            return _decide(if_true if conditions[name] else if_false, values, conditions)
        if node == {"Ref": "AWS::NoValue"}:
            return NO_VALUE
        if set(node) == {"Ref"} and node["Ref"] in values:  # a parameter: its value for this stack
            return values[node["Ref"]]
        decided = {key: _decide(value, values, conditions) for key, value in node.items()}
        return {key: value for key, value in decided.items() if value is not NO_VALUE}
    if isinstance(node, list):
        return [item for item in (_decide(v, values, conditions) for v in node) if item is not NO_VALUE]
    return node


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


def references(node: Any) -> set[str]:
    """Logical ids a value refers to (Ref, Fn::GetAtt, ${...} in Fn::Sub)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value.split(".")[0] if isinstance(value, str) else value[0])
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                found.update(part.split("}")[0].split(".")[0] for part in text.split("${")[1:])
                if not isinstance(value, str):
                    found.update(references(value[1]))
            else:
                found.update(references(value))
    elif isinstance(node, list):
        for item in node:
            found.update(references(item))
    return found


def depends_on(template: dict[str, Any], logical_id: str) -> set[str]:
    """Every resource CloudFormation creates before `logical_id`: DependsOn and references, transitively."""
    resources = template["Resources"]
    seen: set[str] = set()
    pending = [logical_id]
    while pending:
        resource = resources[pending.pop()]
        direct = resource.get("DependsOn", [])
        direct = {direct} if isinstance(direct, str) else set(direct)
        direct |= references(resource.get("Properties", {})) | references(resource.get("Metadata", {}))
        for name in direct & set(resources):
            if name not in seen:
                seen.add(name)
                pending.append(name)
    return seen


def watched_metrics(alarm: dict[str, Any]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(namespace, metric, dimensions) of each metric an alarm reads: its own, or those of its metric math."""
    props = alarm["Properties"]
    if "Metrics" not in props:
        return [(props["Namespace"], props["MetricName"], props.get("Dimensions", []))]
    return [
        (
            query["MetricStat"]["Metric"]["Namespace"],
            query["MetricStat"]["Metric"]["MetricName"],
            query["MetricStat"]["Metric"].get("Dimensions", []),
        )
        for query in props["Metrics"]
        if "MetricStat" in query
    ]


def refusing_rules(template: dict[str, Any]) -> list[str]:
    """The AssertDescription of every rule whose assertion fails for the template's parameter values: what
    CloudFormation answers before it creates or changes anything."""
    values, refused = template["Parameters"], []
    for rule in template.get("Rules", {}).values():
        if "RuleCondition" in rule and not _condition(rule["RuleCondition"], values, {}):
            continue
        refused += [a["AssertDescription"] for a in rule["Assertions"] if not _condition(a["Assert"], values, {})]
    return refused
