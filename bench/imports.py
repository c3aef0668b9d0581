"""Cold import of each handler module in a fresh interpreter vs `import boto3; boto3.client("dynamodb")`."""

import statistics
import subprocess
import sys

from infra.template import ROOT, functions

RUNS = 7
BASELINE = 'import boto3; boto3.client("dynamodb", region_name="us-east-1")'


def _cold(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    env = {"PYTHONPATH": f"{ROOT / 'functions'}", "PATH": "/usr/bin:/bin", "AWS_REGION": "us-east-1",
           "TABLE_NAME": "bench", "POWERTOOLS_TRACE_DISABLED": "true"}  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def run() -> list[str]:
    modules = sorted({props["Handler"].rpartition(".")[0] for props in functions().values()})
    timings: dict[str, list[float]] = {name: [] for name in ["boto3 client", *modules]}
    for _ in range(RUNS):  # interleaved, so machine noise hits every candidate alike
        timings["boto3 client"].append(_cold(BASELINE))
        for module in modules:
            timings[module].append(_cold(f"import {module}"))
    baseline = statistics.median(timings["boto3 client"])
    lines = [
        '## Cold import of each handler vs `import boto3; boto3.client("dynamodb")`',
        "",
        f"Median of {RUNS} fresh interpreters each, interleaved. Target: at most 1.5x.",
        "",
        "| module | median | ratio to boto3 client |",
        "|---|---|---|",
    ]
    for name, values in timings.items():
        median = statistics.median(values)
        lines.append(f"| {name} | {median * 1000:.0f} ms | {median / baseline:.2f}x |")
    return [*lines, ""]


if __name__ == "__main__":
    print("\n".join(run()))
