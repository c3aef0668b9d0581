"""Cold import of each handler module in a fresh interpreter vs `import boto3; boto3.client("dynamodb")`.

Each handler is imported in the environment Lambda gives it: the template's variables (Globals merged,
Refs resolved to placeholders) plus the variables the Lambda runtime sets. That matters: the X-Ray SDK
picks its sampler by `LAMBDA_TASK_ROOT` (outside Lambda it builds an X-Ray client at import, ~120 ms
that Lambda never pays), and Powertools Tracer patches libraries only when tracing is on.

Two figures per handler: the import alone (the target), and the import plus the first DynamoDB client,
which handlers create on first use; that second one is what a cold request waits for before its first
call, and it is compared with the same baseline so nothing is hidden.
"""

import statistics
import subprocess
import sys

from infra.template import ROOT, functions, parameter_defaults, resolve

RUNS = 7
TARGET = 1.3  # every handler's import, in every run, at most this times the baseline's
BASELINE = 'import boto3; boto3.client("dynamodb", region_name="us-east-1")'
FIRST_CLIENT = "from package_service.store.dynamo import get_client; get_client()"


def lambda_environment(logical_id: str) -> dict[str, str]:
    props = functions()[logical_id]
    refs = {**parameter_defaults(), "DataTable": "bench-table"}
    env = {name: str(resolve(value, refs)) for name, value in props["Environment"]["Variables"].items()}
    return {
        **env,
        "PYTHONPATH": f"{ROOT / 'functions'}",
        "PATH": "/usr/bin:/bin",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "LAMBDA_TASK_ROOT": f"{ROOT / 'functions'}",
        "AWS_LAMBDA_FUNCTION_NAME": logical_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(props.get("MemorySize", 128)),
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{props['Runtime']}",
    }


def _cold(statement: str, env: dict[str, str]) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def run() -> list[str]:
    handlers = {logical_id: props["Handler"].rpartition(".")[0] for logical_id, props in functions().items()}
    baseline_env = {"PATH": "/usr/bin:/bin", "AWS_REGION": "us-east-1"}
    timings: dict[str, list[float]] = {"baseline": []}
    for _ in range(RUNS):  # interleaved, so machine noise hits every candidate alike
        timings["baseline"].append(_cold(BASELINE, baseline_env))
        for logical_id, module in handlers.items():
            env = lambda_environment(logical_id)
            timings.setdefault(module, []).append(_cold(f"import {module}", env))
            timings.setdefault(f"{module} ready", []).append(_cold(f"import {module}; {FIRST_CLIENT}", env))
    baseline = statistics.median(timings["baseline"])
    lines = [
        '## Cold import of each handler vs `import boto3; boto3.client("dynamodb")`',
        "",
        f"Median of {RUNS} fresh interpreters each, interleaved, each handler in its Lambda environment",
        "(template variables + the runtime's own, so X-Ray and Powertools behave as deployed).",
        f"Baseline: {baseline * 1000:.0f} ms. Target: import at most {TARGET}x in every run, so the spread column",
        "divides each run's import by the same run's baseline and shows the lowest and the highest.",
        "",
        "| module | import | ratio | spread over runs (worst) | target | import + first DynamoDB client | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for module in sorted(set(handlers.values())):
        imported = statistics.median(timings[module])
        ready = statistics.median(timings[f"{module} ready"])
        per_run = [own / base for own, base in zip(timings[module], timings["baseline"], strict=True)]
        verdict = "met" if max(per_run) <= TARGET else "MISSED"
        lines.append(
            f"| {module} | {imported * 1000:.0f} ms | {imported / baseline:.2f}x "
            f"| {min(per_run):.2f} to **{max(per_run):.2f}x** | ≤ {TARGET}x: {verdict} "
            f"| {ready * 1000:.0f} ms | {ready / baseline:.2f}x |"
        )
    return [*lines, ""]


if __name__ == "__main__":
    print("\n".join(run()))
