"""The built-in system's default report: `prospects report` at its defaults (no posterior
and no projection file, so it projects every scenario with 1,000 draws, decomposes the
flows, runs Sobol' at N=64 and renders the page), in a fresh process as an analyst runs
it. Prints the wall time, the CPU time of the process and the machine's load; the last
line is::

    report_s=<n> bytes=<n> cpu_s=<n> load=<n>

Target: under 3 s and under 2 MB. Run: ``python benchmarks/report.py [--system isk]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--system", default="isk")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from prospects.cli import app; app()",
                        "report", "--system", args.system, "--out", folder],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        size = sum(p.stat().st_size for p in Path(folder).glob("*-report.html"))
    print(f"{args.system} default report: {wall:.2f} s wall, {cpu:.2f} s CPU, "
          f"{size / 1e6:.2f} MB, load average {load:.1f} at the start")
    print(f"report_s={wall:.2f} bytes={size} cpu_s={cpu:.2f} load={load:.1f}")


if __name__ == "__main__":
    main()
