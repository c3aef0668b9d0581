"""Peak memory of each function: a fresh process imports its handler and runs its sample event.

The closest local measure of Lambda's "Max Memory Used"; the DynamoDB emulator runs in another
process and is not counted. Used to size MemorySize in template.yaml.
"""

import json
import subprocess
import sys

from bench.common import embedded_dynamodb
from infra.invoke import EVENT_PREFIXES
from infra.template import ROOT, functions

# VmHWM, not getrusage: Linux carries ru_maxrss across exec, so a child forked from a large
# benchmark process would report the parent's peak; VmHWM belongs to this process image alone.
_PROBE = """
import json, os, re, sys
sys.path.insert(0, "functions")
from infra import demo
from infra.invoke import run
demo.seed()
ok, _ = run(sys.argv[1], sys.argv[2])
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
print(json.dumps({"ok": ok, "max_rss_mb": peak_kb / 1024}))
"""


def run() -> list[str]:
    events = {function: next((ROOT / "events").glob(f"{prefix}*.json")) for prefix, function in EVENT_PREFIXES.items()}
    lines = [
        "## Peak memory per function (sizes MemorySize)",
        "",
        "Fresh process: handler imported, demo data read, its sample event run once.",
        "",
        "| function | sample event | peak RSS | MemorySize in template |",
        "|---|---|---|---|",
    ]
    with embedded_dynamodb("footprint"):
        import os

        env = dict(os.environ)
        for function, event in events.items():
            out = subprocess.run([sys.executable, "-c", _PROBE, function, str(event)], cwd=ROOT, env=env,
                                 capture_output=True, text=True, check=True)  # fmt: skip
            result = json.loads(out.stdout.strip().splitlines()[-1])
            size = functions()[function].get("MemorySize", 128)
            lines.append(f"| {function} | {event.name} | {result['max_rss_mb']:.0f} MB | {size} MB |")
    return [*lines, ""]


if __name__ == "__main__":
    print("\n".join(run()))
