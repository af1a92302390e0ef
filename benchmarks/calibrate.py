"""Calibration of the built-in IS-K model: time to convergence and the diagnostics reached.

Runs ``prospects.inference.calibrate.calibrate`` with its defaults (emcee, 256 walkers,
stops once max R-hat < 1.01 and min bulk ESS > 400). Target: under 120 s on the
project's 2-core machine. The last line printed is::

    calibrate_s=<n> max_rhat=<n> min_ess=<n>

Run: ``python benchmarks/calibrate.py [--seed N]``.
"""

from __future__ import annotations

import argparse
import time

from prospects.inference.calibrate import calibrate
from prospects.system import load_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    system = load_system("isk")
    started = time.perf_counter()
    result = calibrate(system, seed=args.seed)
    seconds = time.perf_counter() - started
    print(f"{len(result.rhat)} parameters, {result.iterations} steps, converged: "
          f"{result.converged}")
    for name in result.rhat:
        print(f"  {name:24} R-hat {result.rhat[name]:.4f}  bulk ESS {result.ess[name]:.0f}")
    print(f"calibrate_s={seconds:.1f} max_rhat={result.max_rhat:.4f} "
          f"min_ess={result.min_ess:.0f}")


if __name__ == "__main__":
    main()
