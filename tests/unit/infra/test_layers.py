"""The package's layers run one way: handlers -> routes -> services -> store -> domain (a layer may skip
the ones below it, never call up; but a route reaches the store only through a service), with no import
cycle between modules, no AWS SDK in domain/, and no module past ~400 lines (docs/decisions/0015-layers.md)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[3] / "functions" / "package_service"
# Lower number = lower layer. Modules at the package's top level (settings, observability...) are shared.
LAYERS = {"domain": 0, "store": 1, "services": 2, "routes": 3, "handlers": 4}
MAX_LINES = 420  # "a module past ~400 lines is two"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module of the package `path` imports (at the top, in a function, or for type checking)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names}  # `from . import x` names a module
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: {i for i in _imports(path) if i in MODULES and i != name} for name, path in MODULES.items()}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 2 else None


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m) is not None))
def test_no_module_imports_a_layer_above_its_own(module: str) -> None:
    own = _layer(module)
    assert own is not None
    upward = sorted(i for i in GRAPH[module] if (_layer(i) or -1) > own)
    assert not upward, f"{module} imports from a layer above it: {upward}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m) == LAYERS["routes"]))
def test_routes_reach_the_store_only_through_services(module: str) -> None:
    store = sorted(i for i in GRAPH[module] if _layer(i) == LAYERS["store"])
    assert not store, f"{module} imports the store: {store}; call a service (services/) instead"


def test_the_domain_has_no_aws_sdk() -> None:
    for name, path in MODULES.items():
        if _layer(name) == 0:
            sdk = {i for i in _imports(path) if i.split(".")[0] in {"boto3", "botocore", "aws_lambda_powertools"}}
            assert not sdk, f"{name} imports {sorted(sdk)}"


def test_there_is_no_import_cycle() -> None:
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = [*path[path.index(module) :], module]
            raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
        if module in done:
            return
        for target in sorted(GRAPH[module]):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(GRAPH):
        visit(module, [])


def test_the_walk_sees_the_layers() -> None:
    """The graph is not empty by accident: a route reaches a service, a service the store."""
    assert "package_service.services.contracts" in GRAPH["package_service.routes.contracts"]
    assert "package_service.store.records" in GRAPH["package_service.services.contracts"]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_past_about_400_lines(module: str) -> None:
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it"


# A service names records and asks the store for them; it does not spell DynamoDB items or requests.
ATTRIBUTE_TYPES = {"S", "N", "B", "L", "M", "BOOL", "NULL", "SS", "NS", "BS"}  # as dict keys or subscripts
REQUEST_WORDS = {
    "Key",
    "Item",
    "Items",
    "TableName",
    "IndexName",
    "KeyConditionExpression",
    "FilterExpression",
    "UpdateExpression",
    "ConditionExpression",
    "ProjectionExpression",
    "ExpressionAttributeNames",
    "ExpressionAttributeValues",
    "ExclusiveStartKey",
    "LastEvaluatedKey",
    "ReturnValuesOnConditionCheckFailure",
    "Put",
    "Update",
    "Delete",
    "ConditionCheck",
}
ITEM_HELPERS = {
    *("s", "n", "b", "key", "text", "maybe_text", "text_or", "number", "binary"),
    *("table_name", "get_client", "batch_get", "transact", "query_page", "query_at_least"),
}
# Decision 0015's remainder: these services still assemble plan rows and their transactions.
STILL_SPELLING_ITEMS = {"package_service.services.migration_work", "package_service.services.migration_apply"}


def dynamodb_spellings(source: str) -> list[str]:
    """Where `source` spells a DynamoDB attribute type or request parameter, or calls store/dynamo.py's item
    and client helpers itself."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            found += [f'{{"{k}": ...}}' for k in keys if k in ATTRIBUTE_TYPES | REQUEST_WORDS]
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            if node.slice.value in ATTRIBUTE_TYPES | REQUEST_WORDS:
                found.append(f"[{node.slice.value!r}]")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and first.value in ATTRIBUTE_TYPES | REQUEST_WORDS:
                found.append(f".get({first.value!r})")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").endswith("store.dynamo"):
            found += [f"imports {alias.name}" for alias in node.names if alias.name in ITEM_HELPERS]
    return found


def assert_only_the_remainder(module: str, found: list[str], remainder: set[str], what: str, fix: str) -> None:
    """What a rule `found` in `module` fails it, unless the module is in the rule's `remainder`; a remainder
    module where nothing is found fails too, so the remainder only shrinks."""
    if module in remainder:
        assert found, f"{module} no longer {what}: drop it from the test's remainder and its decision record"
    else:
        assert not found, f"{module} {what} {found}: {fix}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m) == LAYERS["services"]))
def test_services_spell_no_dynamodb_items(module: str) -> None:
    spelled = dynamodb_spellings(MODULES[module].read_text())
    assert_only_the_remainder(
        module, spelled, STILL_SPELLING_ITEMS, "spells DynamoDB items or requests", "move that into store/"
    )


def test_the_spelling_check_sees_items_and_requests() -> None:
    raw = 'from ..store.dynamo import text\nq = {"KeyConditionExpression": "pk = :pk"}\nv = item["x"]["S"]'
    assert dynamodb_spellings(raw) == ["imports text", '{"KeyConditionExpression": ...}', "['S']"]
    assert dynamodb_spellings('from ..store.dynamo import Item\nlabel = {"name": "S"}') == []


# The store returns records as stored; a service presents them with domain/'s presenters (decision 0021).
# These store modules still present what they read; the test fails once one no longer does, so the list
# only shrinks.
STILL_PRESENTING = {
    "package_service.store.catalog",
    "package_service.store.customers",
    "package_service.store.jobs",
    "package_service.store.packages",
}


def presenters_used(source: str) -> list[str]:
    """The presenters (`present_*`, domain/'s wire-shape functions) `source` imports or calls through a module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            found += [alias.name for alias in node.names if alias.name.startswith("present_")]
        elif isinstance(node, ast.Attribute) and node.attr.startswith("present_"):
            found.append(node.attr)
    return found


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m) == LAYERS["store"]))
def test_the_store_presents_nothing(module: str) -> None:
    presenters = presenters_used(MODULES[module].read_text())
    assert_only_the_remainder(
        module, presenters, STILL_PRESENTING, "presents records", "return them, and present in services/"
    )


def test_the_presenter_check_sees_imports_and_module_calls() -> None:
    raw = "from ..domain.contract_view import present_contract, TermView\nview.present_job(doc)\npresentable = 1"
    assert presenters_used(raw) == ["present_contract", "present_job"]
