"""Each function's IAM policy allows every DynamoDB action it performs, on the table or on its index.

IAM evaluates a TransactWriteItems item by item (PutItem, UpdateItem, DeleteItem, ConditionCheckItem on
the table), and a Query on an index against `<table ARN>/index/<name>`: a missing action is an
AccessDenied that moto never raises, met first on a real deploy. This walks every operation and the
background work, records which function made each call (from the handler on the call stack), and holds
the calls to the policies of the template as CloudFormation receives it."""

import inspect
from collections import defaultdict
from typing import Any

from infra.lambda_runtime import LocalContext
from infra.template import functions
from package_service.handlers.authorizer import handler as authorizer
from package_service.store.dynamo import get_client
from package_service.store.tokens import create_token
from tests.unit.deploy.cfn import references, transformed

from .conftest import Api, every_operation, run_background_work

_WRITES = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


def _actions(operation: str, params: dict[str, Any]) -> set[tuple[str, str]]:
    """(IAM action, "table" or "index") that one DynamoDB call needs."""
    if operation == "TransactWriteItems":
        return {(f"dynamodb:{_WRITES[kind]}", "table") for item in params["TransactItems"] for kind in item}
    if operation == "BatchWriteItem":
        return {("dynamodb:PutItem" if "PutRequest" in r else "dynamodb:DeleteItem", "table")
                for requests in params["RequestItems"].values() for r in requests}  # fmt: skip
    return {(f"dynamodb:{operation}", "index" if params.get("IndexName") else "table")}


def _granted(template: dict[str, Any], function: str) -> set[tuple[str, str]]:
    role = references(template["Resources"][function]["Properties"]["Role"]).pop()
    granted = set()
    for policy in template["Resources"][role]["Properties"].get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for resource in resources:
                kind = "index" if "/index/" in str(resource) else "table"
                granted |= {(action, kind) for action in actions if "DataTable" in references(resource)}
    return granted


def test_every_dynamodb_call_is_allowed_by_its_functions_policy(api: Api, world: dict[str, str]) -> None:
    handler_modules = {props["Handler"].rpartition(".")[0]: name for name, props in functions().items()}
    needed: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        modules = (frame.frame.f_globals.get("__name__", "") for frame in inspect.stack())
        function = next((handler_modules[m] for m in modules if m in handler_modules), None)
        needed[function or f"outside any handler: {model.name}"] |= _actions(model.name, params)

    token = create_token("acme", "permissions")  # the admin CLI's call: no function's
    events = get_client().meta.events
    events.register("before-parameter-build.dynamodb", record)
    try:
        event = {"authorizationToken": f"Bearer {token}", "methodArn": "arn:aws:execute-api:r:a:api/dev/GET/x"}
        authorizer(event, LocalContext("AuthorizerFunction"))
        every_operation(api, world)  # also runs the Provisioner and the worker (plan, apply, milestones)
        # What only the Provisioner records: a migration with nothing to plan, a job it cannot start.
        empty = api.ok("/v1/packages/create", {"name": "Empty"})["id"]
        moving = {"from_package_id": empty, "to_package_id": world["package"], "effective": {"type": "END_OF_TERM"}}
        api.ok("/v1/packageMigrations/create", moving)
        doomed = api.ok("/v1/packages/create", {"name": "Doomed"})["id"]
        job = {"package_id": doomed, "starting_at": "2031-01-31T00:00:00Z", "customer_ids": [world["customer"]]}
        api.ok("/v1/provisioningJobs/create", job)
        api.ok("/v1/packages/archive", {"package_id": doomed})
        run_background_work(world)
    finally:
        events.unregister("before-parameter-build.dynamodb", record)

    assert {"ApiFunction", "AuthorizerFunction", "ProvisionerFunction", "ProvisionWorkerFunction"} <= set(needed)
    template = transformed()
    for function, actions in needed.items():
        missing = actions - _granted(template, function)
        assert not missing, f"{function} performs {sorted(missing)} without permission"
