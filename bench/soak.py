"""`make run` under 50 clients for 2 minutes of mixed load (create, get, list, provision, a quarter each):
requests/s, p50 and p99, every error counted (a non-200 answer or a failed connection), and the memory
(RSS) of the stack's processes (front door, embedded DynamoDB, stream reader) before and after.

Bounded: 127.0.0.1 only, a fixed duration, each client waiting for its answer before sending again.
"""

import random
import statistics
import threading
import time
from pathlib import Path

import httpx

from bench.common import start_stack
from bench.mixed import KINDS, TOKEN, request_for, seed

CLIENTS = 50
SECONDS = 120


def _stack_rss_mb(root: int) -> dict[str, float]:
    """VmRSS of the stack's process and every descendant, by command name."""
    found: dict[str, float] = {}
    pending = [root]
    while pending:
        pid = pending.pop()
        proc = Path(f"/proc/{pid}")
        try:
            status = (proc / "status").read_text()
            cmdline = (proc / "cmdline").read_text().replace("\0", " ").strip()
            for task in (proc / "task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        rss = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        name = " ".join(cmdline.split()[1:3]) or cmdline
        found[f"{pid} {name}"] = rss / 1024
    return found


def _load(url: str, seeded: dict[str, object], seconds: float) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(index: int) -> None:
        rng = random.Random(index)
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as http:
            while time.perf_counter() < deadline:
                path, body = request_for(rng.choice(KINDS), rng, seeded)
                start = time.perf_counter()
                try:
                    ok = http.post(path, json=body).status_code == 200
                except httpx.HTTPError:
                    ok = False
                took = time.perf_counter() - start
                with lock:
                    latencies.append(took)
                    errors[0] += not ok

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], time.perf_counter() - began


def run() -> list[str]:
    process, url, _ = start_stack("infra.local_stack", {"LOCAL_API_TOKENS": f"mixed={TOKEN}"})
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120) as http:
            seeded = seed(http)
        _load(url, seeded, 10)  # warm-up: connections, caches, first requests of each route
        before = _stack_rss_mb(process.pid)
        load_before = Path("/proc/loadavg").read_text().split()[:3]
        latencies, errors, elapsed = _load(url, seeded, SECONDS)
        load_after = Path("/proc/loadavg").read_text().split()[:3]
        after = _stack_rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    q = statistics.quantiles([v * 1000 for v in latencies], n=100)
    rate = len(latencies) / elapsed
    lines = [
        f"## `make run` under {CLIENTS} clients for {SECONDS} s of mixed load (create, get, list, provision)",
        "",
        f"Load average before / after: {' '.join(load_before)} / {' '.join(load_after)} (2 cores).",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| requests | {len(latencies):,} in {elapsed:.0f} s | |",
        f"| **errors** | **{errors}** | 0 |",
        f"| **throughput** | **{rate:.0f} req/s** | ≥ 100 req/s |",
        f"| p50 | {q[49]:.0f} ms | |",
        f"| **p99** | **{q[98]:.0f} ms** | ≤ 1,000 ms |",
        "",
        "| process (pid, command) | RSS before | RSS after |",
        "|---|---|---|",
    ]
    for name in sorted(set(before) | set(after)):
        lines.append(f"| {name} | {before.get(name, 0):.0f} MB | {after.get(name, 0):.0f} MB |")
    total_before, total_after = sum(before.values()), sum(after.values())
    lines += [f"| **all** | **{total_before:.0f} MB** | **{total_after:.0f} MB** |", ""]
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
