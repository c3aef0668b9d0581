"""routes/table.py lists every route the route modules declare, and what the API registers from it
behaves as the modules' own routes would: the API loads a route module on the first request for it."""

import json
import subprocess
import sys
from importlib import import_module
from typing import Any

from bench.imports import lambda_environment
from package_service.api_app import RouteLoadedOnFirstUse, app, documented_app
from package_service.routes.table import ROUTES

# The route key's fields that change how a request is answered (api_gateway.Router.route's key):
# the lazily registered route keeps Powertools' defaults, so each declared route must too.
RUNTIME_DEFAULTS = {2: None, 3: False, 4: None, 15: None, 16: None, 17: 200}  # cors, compress, cache, validation...


def _declared() -> dict[str, list[tuple[str, str, str]]]:
    declared: dict[str, list[tuple[str, str, str]]] = {}
    for module in ROUTES:
        router = import_module(f"package_service.routes.{module}").router
        for key, func in router._routes.items():
            declared.setdefault(module, []).extend((method, key[0], func.__name__) for method in key[1])
            changed = {i: key[i] for i, default in RUNTIME_DEFAULTS.items() if key[i] != default}
            assert not changed, f"{module}: {key[0]} sets {changed}; RouteLoadedOnFirstUse would drop it"
            assert not router._routes_with_middleware.get(key), f"{module}: {key[0]} has route middleware"
        assert not router._router_middlewares and not router._exception_handlers, module
    return declared


def test_the_table_lists_every_route_each_module_declares() -> None:
    declared = _declared()
    listed = {module: list(routes) for module, routes in ROUTES.items()}
    assert listed == declared, "routes/table.py should read:\n" + json.dumps(declared, indent=1)


def test_the_routes_package_holds_no_route_module_missing_from_the_table() -> None:
    from pathlib import Path

    import package_service.routes as routes

    modules = {p.stem for p in Path(routes.__file__).parent.glob("*.py")}
    with_router = {m for m in modules if hasattr(import_module(f"package_service.routes.{m}"), "router")}
    assert with_router == set(ROUTES)


def test_each_registered_route_calls_its_modules_function_with_its_signature() -> None:
    registered = [r for r in app._static_routes + app._dynamic_routes if isinstance(r.func, RouteLoadedOnFirstUse)]
    assert len(registered) == sum(len(routes) for routes in ROUTES.values())
    documented = {
        (r.method, r.rule.pattern): r for r in documented_app()._static_routes + documented_app()._dynamic_routes
    }
    for route in registered:
        own = documented[(route.method, route.rule.pattern)]
        assert route.func.__wrapped__ is own.func
        assert route.operation_id == own.operation_id  # names the body model in validation errors
    for module in ROUTES:  # documented_app bound the routers to itself; they are back on `app`
        assert import_module(f"package_service.routes.{module}").router.api_resolver is app


def _modules_after(statement: str) -> Any:
    code = f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"
    env = lambda_environment("ApiFunction")
    return set(json.loads(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                         check=True).stdout))  # fmt: skip


def test_the_api_imports_no_route_module_until_a_request_needs_one() -> None:
    loaded = _modules_after("import package_service.handlers.api")
    assert not {f"package_service.routes.{m}" for m in ROUTES} & loaded
    assert "package_service.domain.contract_terms" not in loaded
