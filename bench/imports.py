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


def _cold(statement: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of `statement` in a fresh interpreter (CPU: the interpreter's own,
    which a neighbour on this shared machine cannot inflate the way it does the wall clock)."""
    code = (
        "import time; t, c = time.perf_counter(), time.process_time(); "
        f"{statement}; print(time.perf_counter() - t, time.process_time() - c)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    wall, cpu = out.stdout.split()
    return float(wall), float(cpu)


def run() -> list[str]:
    handlers = {logical_id: props["Handler"].rpartition(".")[0] for logical_id, props in functions().items()}
    baseline_env = {"PATH": "/usr/bin:/bin", "AWS_REGION": "us-east-1"}
    # Per handler and run: (baseline, import, import + first client), each (wall, CPU). The baseline is
    # measured right before each handler, so a burst of a neighbour's load hits both sides of a ratio.
    samples: dict[str, list[tuple[tuple[float, float], ...]]] = {}
    for _ in range(RUNS):
        for logical_id, module in handlers.items():
            env = lambda_environment(logical_id)
            samples.setdefault(module, []).append(
                (
                    _cold(BASELINE, baseline_env),
                    _cold(f"import {module}", env),
                    _cold(f"import {module}; {FIRST_CLIENT}", env),
                )
            )
    baseline = statistics.median(run[0][0] for runs in samples.values() for run in runs)
    lines = [
        '## Cold import of each handler vs `import boto3; boto3.client("dynamodb")`',
        "",
        f"{RUNS} fresh interpreters each, each handler in its Lambda environment (template variables + the",
        "runtime's own, so X-Ray and Powertools behave as deployed), each right after a baseline interpreter.",
        f"Baseline: {baseline * 1000:.0f} ms (median). Target: import at most {TARGET}x in every run, so the",
        "spread columns divide each run's import by the baseline measured just before it and show the lowest",
        "and the highest: by the wall clock (the target), and by the interpreter's CPU time (what a neighbour",
        "on a shared machine cannot inflate; Lambda's init phase has its vCPU to itself).",
        "",
        "| module | import | ratio | wall spread (worst) | CPU spread (worst) | target "
        "| import + first DynamoDB client | ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for module in sorted(samples):
        runs = samples[module]
        wall = [imported[0] / base[0] for base, imported, _ in runs]
        cpu = [imported[1] / base[1] for base, imported, _ in runs]
        imported = statistics.median(run[1][0] for run in runs)
        ready = statistics.median(run[2][0] for run in runs)
        verdict = "met" if max(wall) <= TARGET else "MISSED"
        lines.append(
            f"| {module} | {imported * 1000:.0f} ms | {statistics.median(wall):.2f}x "
            f"| {min(wall):.2f} to **{max(wall):.2f}x** | {min(cpu):.2f} to {max(cpu):.2f}x | ≤ {TARGET}x: {verdict} "
            f"| {ready * 1000:.0f} ms | {ready / baseline:.2f}x |"
        )
    return [*lines, ""]


if __name__ == "__main__":
    print("\n".join(run()))
