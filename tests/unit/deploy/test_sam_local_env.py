"""`sam local invoke --env-vars FILE` only overrides variables the template declares for the function
(SAM's documented behaviour: "the environment variable must be declared in the template"), so every
variable the code reads must be declared, and the sample file may only name declared ones."""

import ast
import json
from pathlib import Path

from infra.template import ROOT, functions
from package_service.settings import Settings

# Lambda sets these itself; a template may not declare them (reserved environment variables).
LAMBDA_RESERVED = {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME"}


def variables_the_code_reads() -> set[str]:
    names = {field.alias for field in Settings.model_fields.values() if field.alias}
    for path in (ROOT / "functions" / "package_service").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            # os.environ["X"], os.environ.get("X"), os.getenv("X")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
                target = ast.unparse(node.func.value) + "." + node.func.attr
                if target in ("os.environ.get", "os.getenv") and isinstance(node.args[0], ast.Constant):
                    names.add(str(node.args[0].value))
            if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                names.add(str(ast.literal_eval(node.slice)))
    return names


def test_every_variable_the_code_reads_is_declared_for_every_function() -> None:
    read = variables_the_code_reads()
    assert {"TABLE_NAME", "DYNAMODB_ENDPOINT_URL", "SQS_ENDPOINT_URL", "PROVISIONING_QUEUE_URL"} <= read
    for name, props in functions().items():
        declared = set(props["Environment"]["Variables"])
        assert read - LAMBDA_RESERVED <= declared, (
            f"{name} does not declare {sorted(read - LAMBDA_RESERVED - declared)}"
        )
        assert not declared & LAMBDA_RESERVED, name


def test_the_sample_env_file_names_only_declared_variables() -> None:
    sample = json.loads(Path(ROOT / "infra" / "sam-local-env.json").read_text())
    for scope, variables in sample.items():
        targets = functions().values() if scope == "Parameters" else [functions()[scope]]
        for props in targets:
            assert set(variables) <= set(props["Environment"]["Variables"]), scope
    assert sample["Parameters"]["DYNAMODB_ENDPOINT_URL"].startswith("http://")
