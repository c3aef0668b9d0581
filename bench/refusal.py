"""A pathological request is refused cheaply and small, and other callers do not wait for it: a
packages/create with 100,000 `{}` commits (~300 KB) against `make run`'s stack, measured as the server
process's CPU per refusal and the answer's size; and the latency of a small request (packages/list) alone
and while another client sends the refusals back to back.

(Before the body was read with list limits, this request took 3-9 s of CPU and answered 12.7 MB, and a
concurrent small request waited 4.3 s.)
"""

import os
import statistics
import threading
import time

import httpx

from bench.common import start_stack

TOKEN = "refusal-token"
REFUSALS = 20
SMALL = 200
BODY = '{"name": "x", "commits": [' + ",".join(["{}"] * 100_000) + "]}"


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _small_latencies(client: httpx.Client) -> list[float]:
    latencies = []
    for _ in range(SMALL):
        began = time.perf_counter()
        response = client.post("/v1/packages/list", json={})
        latencies.append(time.perf_counter() - began)
        assert response.status_code == 200, response.text
    return latencies


def _beside(client: httpx.Client, url: str, headers: dict[str, str], body: str) -> list[float]:
    """Small requests' latencies while another client sends `body` to packages/create back to back."""
    stop = threading.Event()

    def send_continuously() -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=120) as other:
            while not stop.is_set():
                other.post("/v1/packages/create", content=body)

    sender = threading.Thread(target=send_continuously)
    sender.start()
    try:
        time.sleep(0.2)
        return _small_latencies(client)
    finally:
        stop.set()
        sender.join()


def _p(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def run() -> list[str]:
    process, url, _ = start_stack("infra.local_stack", {"LOCAL_API_TOKENS": f"refusal={TOKEN}"})
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
            client.post("/v1/packages/create", json={"name": "warm-up"})
            _small_latencies(client)  # warm
            alone = _small_latencies(client)

            cpu_before, began = _cpu_seconds(process.pid), time.perf_counter()
            answers = [client.post("/v1/packages/create", content=BODY) for _ in range(REFUSALS)]
            wall = (time.perf_counter() - began) / REFUSALS
            cpu = (_cpu_seconds(process.pid) - cpu_before) / REFUSALS
            assert all(a.status_code == 400 for a in answers), answers[0].text

            beside = _beside(client, url, headers, BODY)
            ordinary = _beside(client, url, headers, '{"name": "ordinary"}')
    finally:
        process.terminate()
        process.wait(timeout=30)
    size = len(answers[0].content)
    median_alone, median_beside = statistics.median(alone), statistics.median(beside)
    return [
        "## Refusing a pathological request (100,000 `{}` commits, 300 KB) on the local stack",
        "",
        f"{REFUSALS} refusals back to back; then {SMALL} small requests (packages/list) alone, while another client",
        "sends the refusals continuously, and (the control) while it sends ordinary small creates. Targets: well",
        "under 1 s of CPU, an answer under 16 KB, small requests held up no more than by ordinary traffic.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| server CPU per refusal | {cpu * 1000:.0f} ms |",
        f"| wall time per refusal (client) | {wall * 1000:.0f} ms |",
        f"| answer | {answers[0].status_code}, {size} bytes: `{answers[0].text[:80]}` |",
        f"| small request alone, p50 / p99 | {median_alone * 1000:.1f} / {_p(alone, 0.99) * 1000:.1f} ms |",
        f"| small request beside the refusals, p50 / p99 | {median_beside * 1000:.1f} / "
        f"{_p(beside, 0.99) * 1000:.1f} ms |",
        f"| small request beside ordinary creates (control), p50 / p99 | {statistics.median(ordinary) * 1000:.1f} / "
        f"{_p(ordinary, 0.99) * 1000:.1f} ms |",
        f"| **p50 ratio beside the refusals / beside ordinary creates** | "
        f"**{median_beside / statistics.median(ordinary):.2f}x** |",
        "",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
