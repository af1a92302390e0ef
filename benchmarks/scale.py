"""A 10^7-draw projection of the IS-K model, in process and on a local two-worker Dask
cluster, with streaming summaries (quantiles through time, outcome probabilities), so
memory stays bounded.

The last line printed is::

    draws=<n> inprocess_s=<n> cluster_s=<n> peak_mb=<n>

``peak_mb`` is the peak resident memory of this process and its children (the cluster's
workers) together, sampled every 0.1 s. Run: ``python benchmarks/scale.py [--draws N]
[--chunk N] [--backend compiled|numpy|auto]`` (default compiled: the kernel is compiled, or
loaded from the cache, in the process and in each worker, which inherit the choice).

Measured 2026-12-03 16:30-16:36 UTC, second edition of the IS-K model, nothing else running
(load 1.0 before, 1.6-3.1 during, the run's own threads and workers):
``draws=10000000 inprocess_s=196.8 cluster_s=162.4 peak_mb=2368``, the summaries identical.
Before the compiled backend (first edition, quiet machine): ``inprocess_s=261.6
cluster_s=185.9``. With the NumPy engine (what ``auto`` chose with no kernel in the cache
until it compiled for big runs) the second edition took over 20 minutes in process (stopped
there).
Later (h22's padded work array and faster sampling merged, other jobs holding the cores,
load 2.6 rising to 6.4): ``inprocess_s=264.8 cluster_s=290.0 peak_mb=2374``, not comparable.
"""

from __future__ import annotations

import argparse
import os
import threading
import time

import numpy as np
import psutil


class MemoryWatch:
    """Peak resident memory of this process and all its children, sampled in a thread."""

    def __init__(self, every: float = 0.1):
        self.peak, self.every, self.done = 0.0, every, threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        me = psutil.Process()
        while not self.done.is_set():
            total = 0
            for process in [me, *me.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total / 2**20)
            self.done.wait(self.every)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000_000)
    parser.add_argument("--chunk", type=int, default=32_768)
    parser.add_argument("--backend", choices=["compiled", "numpy", "auto"], default="compiled")
    args = parser.parse_args()
    os.environ["PROSPECTS_BACKEND"] = args.backend  # the cluster's workers inherit it

    from distributed import Client, LocalCluster

    from prospects.inference.posterior import parameter_sources
    from prospects.scale import summarise
    from prospects.system import load_system

    system = load_system("isk")
    outputs = ["total_fighters", "cash", "bases_held", "activity"]
    common = dict(priors=parameter_sources(system), seed=0, outcomes=system.outlook.outcomes,
                  chunk=args.chunk)
    with MemoryWatch() as local:
        started = time.perf_counter()
        here = summarise(system.model, args.draws, outputs, **common)
        inprocess_s = time.perf_counter() - started
    print(f"in process: {inprocess_s:.1f} s, peak {local.peak:.0f} MB")

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=40)
    with Client(cluster) as client, MemoryWatch() as remote:
        started = time.perf_counter()
        there = summarise(system.model, args.draws, outputs, client=client, **common)
        cluster_s = time.perf_counter() - started
    cluster.close()
    print(f"cluster: {cluster_s:.1f} s, peak {remote.peak:.0f} MB (client, scheduler and "
          "two workers together)")
    same = all(np.array_equal(here[v].values, there[v].values) for v in outputs)
    first = system.outlook.outcomes[0]
    p = float(here["outcome_events"].sel(outcome=first.id).mean())
    print(f"identical summaries: {same}; P({first.label}) = {p:.4f}")
    peak = max(local.peak, remote.peak)
    print(f"draws={args.draws} inprocess_s={inprocess_s:.1f} cluster_s={cluster_s:.1f} "
          f"peak_mb={peak:.0f}")


if __name__ == "__main__":
    main()
