"""A 10^7-draw projection of the IS-K model, in process and on a local two-worker Dask
cluster, with streaming summaries (quantiles through time, outcome probabilities), so
memory stays bounded.

The last line printed is::

    draws=<n> inprocess_s=<n> cluster_s=<n> peak_mb=<n>

``peak_mb`` is the largest resident memory of any process involved (this one or a
worker). Run: ``python benchmarks/scale.py [--draws N] [--chunk N]``.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000_000)
    parser.add_argument("--chunk", type=int, default=32_768)
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    from prospects.projection import parameter_sources, standard_outcomes
    from prospects.scale import summarise
    from prospects.system import load_system

    system = load_system("isk")
    outputs = ["total_fighters", "cash", "bases_held", "activity"]
    common = dict(priors=parameter_sources(system), seed=0, outcomes=standard_outcomes(),
                  chunk=args.chunk)
    started = time.perf_counter()
    here = summarise(system.model, args.draws, outputs, **common)
    inprocess_s = time.perf_counter() - started
    local_peak = peak_mb()
    print(f"in process: {inprocess_s:.1f} s, peak {local_peak:.0f} MB")

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=40)
    with Client(cluster) as client:
        started = time.perf_counter()
        there = summarise(system.model, args.draws, outputs, client=client, **common)
        cluster_s = time.perf_counter() - started
        workers = client.run(peak_mb)
    cluster.close()
    print(f"cluster: {cluster_s:.1f} s, worker peaks "
          + ", ".join(f"{v:.0f} MB" for v in workers.values()))
    same = all(np.array_equal(here[v].values, there[v].values) for v in outputs)
    print(f"identical summaries: {same}; P(fighters < 2,000 in 2021-12) = "
          f"{here.attrs['p:fighters-below-2000-2021-12']:.4f}")
    peak = max([local_peak, *workers.values()])
    print(f"draws={args.draws} inprocess_s={inprocess_s:.1f} cluster_s={cluster_s:.1f} "
          f"peak_mb={peak:.0f}")


if __name__ == "__main__":
    main()
