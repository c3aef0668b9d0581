"""What `sam build` ships per function, and Lambda's init-phase estimate: the handler's cold import from
that artifact, in the function's Lambda environment, against the same bare DynamoDB client baseline.

/var/task is read-only in Lambda, so a cold start can use only the bytecode the artifact ships: the
functions are built by functions/Makefile (decision 0019), which compiles everything (`unchecked-hash`).
Beside the artifact as built, the same artifact with its bytecode removed: what SAM's default Python
builder shipped (sources only, so every cold start compiled each module it imported). Neither run may
write bytecode. The artifact is built for the template's architecture (arm64): packages with a native
extension for another machine are taken from this machine's environment instead (the same versions,
from the same lock), compiled the way the build compiles.
"""

import compileall
import os
import py_compile
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.imports import BASELINE, lambda_environment
from infra.template import ROOT, functions

UNCHECKED_HASH = py_compile.PycInvalidationMode.UNCHECKED_HASH

RUNS = 5
SAM = ROOT / ".venv-sam" / "bin" / "sam"
VENV_SITE = Path(sys.prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"


def _build(into: Path) -> None:
    # sam build looks for python3.13 on PATH: this interpreter's own directory first.
    python_dir = Path(os.path.realpath(sys.executable)).parent
    env = {**os.environ, "PATH": f"{python_dir}:{os.environ['PATH']}", "SAM_CLI_TELEMETRY": "0"}
    subprocess.run([str(SAM), "build", "--parallel", "--build-dir", str(into)], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip


def _size(path: Path) -> tuple[int, int, int]:
    """(bytes unzipped, bytes zipped as sam deploy uploads it, files)."""
    files = [p for p in path.rglob("*") if p.is_file()]
    with tempfile.TemporaryDirectory() as scratch:
        archive = shutil.make_archive(str(Path(scratch) / "code"), "zip", path)
        return sum(p.stat().st_size for p in files), Path(archive).stat().st_size, len(files)


def _runnable_here(build: Path, logical_id: str, with_bytecode: bool) -> Path:
    """A copy of the function's artifact this machine can import: native packages built for another
    architecture are replaced with this environment's build of the same version."""
    into = build.with_name(f"{logical_id}-{'built' if with_bytecode else 'sources'}")
    shutil.copytree(build / logical_id, into)
    machine = os.uname().machine
    for native in into.rglob("*.so"):
        if machine not in native.name:
            package = native.relative_to(into).parts[0]
            shutil.rmtree(into / package)
            shutil.copytree(VENV_SITE / package, into / package, ignore=shutil.ignore_patterns("__pycache__"))
            compileall.compile_dir(into / package, quiet=1, invalidation_mode=UNCHECKED_HASH)
    if not with_bytecode:
        for cache in list(into.rglob("__pycache__")):
            shutil.rmtree(cache)
    return into


def _cold_import(path: Path, logical_id: str, module: str) -> float:
    env = {
        **lambda_environment(logical_id),
        "PYTHONPATH": str(path),
        "LAMBDA_TASK_ROOT": str(path),
        "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only: nothing compiled at import is kept
    }
    args = [sys.executable, "-S"]  # no site-packages: the artifact alone, as in /var/task
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    out = subprocess.run([*args, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def _baseline() -> float:
    code = f"import time; t = time.perf_counter(); {BASELINE}; print(time.perf_counter() - t)"
    env = {"PATH": "/usr/bin:/bin", "AWS_REGION": "us-east-1"}
    return float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                check=True).stdout.strip())  # fmt: skip


def run() -> list[str]:
    if not SAM.exists():
        return ["## Deployed package and init-phase estimate", "", "(skipped: `.venv-sam` is not installed)", ""]
    handlers = {logical_id: props["Handler"].rpartition(".")[0] for logical_id, props in functions().items()}
    with tempfile.TemporaryDirectory() as scratch:
        build = Path(scratch) / "build"
        _build(build)
        sizes = {logical_id: _size(build / logical_id) for logical_id in handlers}
        copies = {
            (logical_id, with_bytecode): _runnable_here(build, logical_id, with_bytecode)
            for logical_id in handlers
            for with_bytecode in (False, True)
        }
        # Interleaved, the baseline measured beside each function's pair: ratios are per run, then the median.
        timings: dict[tuple[str, bool], list[float]] = {}
        ratios: dict[tuple[str, bool], list[float]] = {}
        baselines: list[float] = []
        for _ in range(RUNS):
            for logical_id, module in handlers.items():
                baselines.append(_baseline())
                for with_bytecode in (False, True):
                    took = _cold_import(copies[logical_id, with_bytecode], logical_id, module)
                    timings.setdefault((logical_id, with_bytecode), []).append(took)
                    ratios.setdefault((logical_id, with_bytecode), []).append(took / baselines[-1])
    median = statistics.median
    lines = [
        "## Deployed package (`sam build`) and Lambda's init-phase estimate",
        "",
        f"Per function: the artifact `sam build` produces, and the handler's cold import from it (median of {RUNS},",
        "interleaved, its Lambda environment, no site-packages; each ratio is the median of per-run ratios to a",
        "baseline measured beside it; no run may write bytecode, as in Lambda). As built (functions/Makefile,",
        "decision 0019) the artifact ships `unchecked-hash` bytecode; the sources-only columns remove it, which is",
        "what SAM's default Python builder shipped: every cold start compiled what it imported. Baseline (the",
        f"bare DynamoDB client, compiled): {median(baselines) * 1000:.0f} ms.",
        "",
        "| function | unzipped | zipped | files | init estimate, as built | ratio | sources only (before) | ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for logical_id in handlers:
        unzipped, zipped, files = sizes[logical_id]
        lines.append(
            f"| {logical_id} | {unzipped / 1e6:.1f} MB | {zipped / 1e6:.1f} MB | {files:,} "
            f"| {median(timings[logical_id, True]) * 1000:.0f} ms | {median(ratios[logical_id, True]):.2f}x "
            f"| {median(timings[logical_id, False]) * 1000:.0f} ms | {median(ratios[logical_id, False]):.2f}x |"
        )
    return [*lines, ""]


if __name__ == "__main__":
    print("\n".join(run()))
