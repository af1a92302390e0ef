"""Calibration of the built-in IS-K model: exactly what ``prospects calibrate`` runs at its
defaults (SMC over every uncertain parameter: 2 runs of 3,000 particles, 48 Metropolis
steps per stage). Target: under 120 s on the project's 2-core machine with a bulk ESS of
at least 2,000. The last line printed is::

    calibrate_s=<n> parameters=<n> particles=<n> ess=<n> log_evidence=<n> log_evidence_se=<n>

``particles`` counts the posterior's particles over all runs; ``ess`` is the smallest
bulk ESS over parameters. Run: ``python benchmarks/calibrate.py [--seed N]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

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
    stats = result.idata.sample_stats
    for chain in stats.chain.values:
        beta = stats.beta.sel(chain=chain).values
        print(f"run {chain}: {np.isfinite(beta).sum()} stages, log evidence "
              f"{float(stats.log_evidence.sel(chain=chain)):.3f}")
    print(f"max R-hat {result.max_rhat:.4f}; not identified: {len(result.not_identified)} "
          f"of {result.problem.ndim} parameters")
    post = result.idata.posterior
    print(f"calibrate_s={seconds:.1f} parameters={result.problem.ndim} "
          f"particles={post.sizes['chain'] * post.sizes['draw']} ess={result.min_ess:.0f} "
          f"log_evidence={result.log_evidence:.3f} log_evidence_se={result.log_evidence_se:.3f}")


if __name__ == "__main__":
    main()
