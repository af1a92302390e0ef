"""Vintages of the built-in IS-K model with the illustrative overlay of later figures
(docs/examples/isk-later-illustrative): as of 2018-12, 2019-07 and 2020-07, each one
calibration and one projection of every scenario, then the rolling-origin scores. Defaults
are lighter than ``prospects vintages``' own (500 particles, 10 steps, 300 draws) so that
the run takes minutes; ``--full`` uses the command's defaults. The last line printed is::

    vintages_s=<n> vintages=<n> per_vintage_s=<n> scored=<n> min_ess=<n>

``scored`` counts (vintage, later observation) pairs scored. Run:
``python benchmarks/vintages.py [--full] [--seed N]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from prospects.inference.vintages import vintages

OVERLAY = Path(__file__).parents[1] / "docs" / "examples" / "isk-later-illustrative"
DATES = ["2018-12", "2019-07", "2020-07"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    light = {} if args.full else {"particles": 500, "steps": 10, "draws": 300}
    started = time.perf_counter()
    result = vintages("isk", DATES, [OVERLAY], seed=args.seed, **light)
    seconds = time.perf_counter() - started
    ess = float(result.dataset["min_ess"].min())
    print(f"vintages_s={seconds:.1f} vintages={len(DATES)} "
          f"per_vintage_s={seconds / len(DATES):.1f} scored={len(result.scores)} "
          f"min_ess={ess:.0f}")


if __name__ == "__main__":
    main()
