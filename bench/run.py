"""`make bench`: run every benchmark, print the table and record it in bench/results.md."""

import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import api, cohort, edits, footprint, imports, migration, mixed, package, rates, refusal, soak

RESULTS = Path(__file__).with_name("results.md")
HISTORY = "## History"


def main() -> None:
    header = [
        "# Benchmark results",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.node()}; {platform.machine()}; "
        f"Python {platform.python_version()}; {sys.platform}. Ratios compare runs made in the same process, "
        "interleaved where noted. Rerun with `make bench`.",
        "",
    ]
    benchmarks = {
        "api": api.run,
        "imports": imports.run,
        "package": package.run,
        "footprint": footprint.run,
        "cohort": cohort.run,
        "migration": migration.run,
        "mixed": mixed.run,
        "soak": soak.run,
        "refusal": refusal.run,
        "rates": rates.run,
        "edits": edits.run,
    }
    wanted = set(sys.argv[1:]) or set(benchmarks)
    # The history (what each performance change measured) is kept by hand below the latest run.
    old = RESULTS.read_text() if RESULTS.exists() else ""
    history = old[old.index(HISTORY) :] if HISTORY in old else ""
    lines = list(header)
    print("\n".join(header), flush=True)
    for name, run in benchmarks.items():
        if name not in wanted:
            continue
        load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
        try:
            section = run()
        except Exception as error:  # one broken benchmark must not lose the others' figures
            section = [f"## {name}: failed", "", f"`{type(error).__name__}: {error}`", ""]
        if load:
            section.insert(1, f"\n(load average when it started: {' '.join(load)})")
        print("\n".join(section), flush=True)
        lines += section
        # Written after each benchmark, so a long run's figures survive a later failure.
        RESULTS.write_text("\n".join(lines) + "\n" + ("\n" + history if history else ""))


if __name__ == "__main__":
    main()
