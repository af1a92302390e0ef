"""Engine speed against PySD on the same model, exported to Vensim.

A model of about 60 variables over a 5-member dimension, with lookups and smooths, runs
84 monthly steps (2015-01 to 2022-01):

(a) PySD on the exported .mdl, one run per parameter set, looping over 100 sets;
(b) Prospects, 10^5 draws with priors on a few parameters, in one ``simulate()`` call,
    with the NumPy backend and with the compiled one (every core), ``--repeats`` times
    each: the median counts, and the spread (lowest to highest) is printed;
(c) new memory the size of (b)'s outputs filled by one thread: what writing them costs
    before any arithmetic;
(d) the compiled backend at 128 draws a call (calibration's batch), through
    ``run_chunk``;
(e) the compiled kernel's first compile, in an empty kernel cache, and its load from
    that cache in a new process;
(f) the built-in IS-K system, ``--draws`` draws from its priors, its outlook's outputs,
    with the compiled backend (its kernel compiled first, into an empty cache, outside
    the timing of the runs); the run's time includes sampling the priors, which is also
    timed alone (the same for either backend), and so is the run given the same draws as
    parameters (``isk_given_run_months_per_s``).

The compiled runs' CPU time over their wall time is the number of cores they kept busy:
near 2 on an idle 2-core machine, less when other processes hold a core.

The last line printed is::

    prospects_run_months_per_s=<compiled, all cores> numpy_run_months_per_s=<n> \
    pysd_run_months_per_s=<n> ratio=<compiled/pysd> small_batch_draw_runs_per_s=<n> \
    compile_s=<n> cached_compile_s=<n> isk_run_months_per_s=<n> isk_compile_s=<n> \
    isk_sampling_s=<n> isk_given_run_months_per_s=<n> \
    compiled_cores_busy=<CPU time / wall time> \
    load=<1-minute load average at the end>

Measured here (2 cores shared with other jobs): at load 1.0-1.2, compiled 3.2e7
run-months/s, 128-draw calls 3.2e5 draw-runs/s, IS-K 5.6e6 (7.6e6 given its draws), first
compile 3.7 s, from the cache 0.35 s. Back to back at load 2.5-3.4 (the compiled runs kept
1.2-1.5 cores), before and after faster beta quantiles, uniform numbers written in place
and the kernel's work array padded: IS-K 2.7e6 -> 4.0e6, its sampling 0.57 -> 0.33 s,
given its draws 3.8e6 -> 4.1e6; compiled 1.9e7 both. Again at load 1.9-4.3 (after, then
before): IS-K 4.9e6 against 3.3e6, its sampling 0.35 s against 0.51 s.

PySD costs about a second a run here (xarray arithmetic on every array, every step), so
its loop stops after ``--pysd-budget`` seconds (default 30) to keep the script near a
minute; the rate per run-month does not depend on how many runs are timed.

Run: ``python benchmarks/engine.py [--draws N] [--pysd-runs N] [--pysd-budget S]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from prospects.engine import run_chunk, sample, simulate
from prospects.engine.lower import lower
from prospects.interop.vensim import vensim_names, write_vensim
from prospects.sd import (
    Model,
    clip,
    if_then_else,
    logistic,
    maximum,
    mean,
    minimum,
    pulse,
    ramp,
    smooth,
    step,
    total,
)

AREAS = ["Nangarhar", "Kunar", "Badakhshan", "Zabul", "Jowzjan"]


class Uniform:
    """A prior with the ``ppf`` the engine samples by."""

    def __init__(self, low: float, high: float):
        self.low, self.high = low, high

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * u

    def draws(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.ppf(rng.random(n))


def build() -> Model:
    m = Model("benchmark", start="2015-01", stop="2022-01", dt=1.0, output_step=1)
    area = m.dimension("area", AREAS)
    per_month = m.param("per_month", 1.0, unit="1/month")
    # parameters (20)
    recruit_base = m.param("recruit_base", [60.0, 40.0, 15.0, 10.0, 12.0],
                           unit="person/month", dims=[area])
    attrition = m.param("attrition", 0.03, unit="1/month")
    desertion_rate = m.param("desertion_rate", 0.01, unit="1/month")
    foreign_rate = m.param("foreign_rate", 60.0, unit="person/month")
    capacity = m.param("capacity", [4000.0, 2500.0, 1200.0, 800.0, 900.0], unit="person",
                       dims=[area])
    taliban = m.param("taliban_pressure", [0.6, 0.5, 0.2, 0.4, 0.3], dims=[area])
    tax_rate = m.param("tax_rate", [3.0, 2.0, 4.0, 1.0, 2.0], unit="USD/person/month",
                       dims=[area])
    cost = m.param("cost_per_fighter", 12.0, unit="USD/person/month")
    donor_base = m.param("donor_base", 6e4, unit="USD/month")
    core_base = m.param("core_funding", 5e4, unit="USD/month")
    strike_rate = m.param("strike_rate", 0.04, unit="1/month")
    promotion_time = m.param("promotion_time", 6.0, unit="month")
    leader_target = m.param("leader_target", 40.0, unit="person")
    cohesion_recovery = m.param("cohesion_recovery", 0.05, unit="1/month")
    split_depth = m.param("split_depth", 0.3)
    perception_delay = m.param("perception_delay", 4.0, unit="month")
    activity_per_fighter = m.param("activity_per_fighter", 0.004, unit="attack/person/month")
    donor_threshold = m.param("donor_threshold", 20.0, unit="attack/month")
    gain_rate = m.param("gain_rate", 0.02, unit="1/month")
    loss_rate = m.param("loss_rate", 0.03, unit="1/month")
    # lookups (3)
    money_effect = m.lookup("money_effect", [(0, 0.3), (0.5, 0.7), (1, 1.0), (2, 1.15), (4, 1.2)])
    morale_effect = m.lookup("morale_effect", [(0, 0.4), (0.5, 0.8), (1, 1.0), (1.5, 1.1)])
    crowding = m.lookup("crowding", [(0, 1.0), (0.5, 0.95), (1, 0.6), (1.5, 0.2), (2, 0.0)])
    # stocks (6)
    fighters = m.stock("fighters", capacity * 0.4, unit="person", dims=[area])
    territory = m.stock("territory", 0.5 + 0.0 * taliban, unit="1", dims=[area])
    funds = m.stock("funds", 2e5, unit="USD")
    leaders = m.stock("leaders", 40.0, unit="person")
    cohesion = m.stock("cohesion", 1.0, unit="1")
    reputation = m.stock("reputation", 1.0, unit="1", nonnegative=False)
    # auxiliaries (about 25)
    t = m.aux("months", m.time * per_month)
    all_fighters = m.aux("all_fighters", total(fighters, "area"), unit="person")
    m.aux("avg_fighters", mean(fighters, "area"), unit="person")
    share = m.aux("share", fighters / all_fighters)
    load = m.aux("load", fighters / capacity)
    spending_need = m.aux("spending_need", cost * all_fighters, unit="USD/month")
    coverage = m.aux("coverage", funds / maximum(spending_need * 3.0 / per_month, 1.0 * cost
                                                 * m.param("min_people", 1.0, unit="person")
                                                 / per_month))
    paid = m.aux("paid", money_effect(coverage))
    morale = m.aux("morale", morale_effect(cohesion * paid * reputation))
    leadership = m.aux("leadership", clip(leaders / leader_target, 0.2, 1.2))
    core = m.aux("core", core_base * (1 - step(1.0, "2018-06")) * (1 + pulse("2018-01", 6)),
                 unit="USD/month")
    activity = m.aux("activity", activity_per_fighter * all_fighters * leadership * morale,
                     unit="attack/month")
    seen_activity = m.aux("seen_activity", smooth(activity, perception_delay),
                          unit="attack/month")
    donor_mood = m.aux("donor_mood", logistic(seen_activity / donor_threshold, 4.0, 1.0))
    donations_in = m.aux("donations_in", donor_base * donor_mood * reputation,
                         unit="USD/month")
    pressure = m.aux("pressure", taliban * (1 + ramp(0.01 * per_month, "2017-01", "2019-01"))
                     * if_then_else((t > 33) & (t < 34), 0.2, 1.0))
    kabul = m.aux("kabul_share", fighters.sel(area="Nangarhar") / all_fighters)
    split = m.aux("split", split_depth * pulse("2017-05", 10))
    # a lookup of an arrayed input costs PySD ~25 ms a step (element by element through
    # xarray), which would make its 100 runs take minutes: the lookups here read scalars
    crowding_all = m.aux("crowding_all", crowding(all_fighters / total(capacity, "area")))
    recruit_pull = m.aux("recruit_pull", crowding_all * (1.2 - 0.4 * load) * morale
                         * (1 - 0.5 * pressure))
    deaths_rate = m.aux("deaths_rate", attrition * (1 + pressure) + strike_rate * 0.1,
                        unit="1/month")
    foreign_split = m.aux("foreign_split", foreign_rate * share * minimum(paid, 1.0),
                          unit="person/month")
    income_tax = m.aux("income_tax", total(tax_rate * fighters * territory, "area"),
                       unit="USD/month")
    m.aux("perceived_strength", smooth(all_fighters, 6.0), unit="person")
    m.aux("strength_index", all_fighters / total(capacity, "area") * morale * leadership)
    m.aux("kabul_activity", activity * kabul, unit="attack/month")
    # flows (13)
    m.flow("recruitment", None, fighters, recruit_base * recruit_pull)
    m.flow("foreign_arrivals", None, fighters, foreign_split)
    m.flow("deaths", fighters, None, deaths_rate * fighters)
    m.flow("desertion", fighters, None, desertion_rate * fighters * (2 - morale))
    m.flow("taxes", None, funds, income_tax)
    m.flow("donations", None, funds, donations_in + core)
    m.flow("spending", funds, None, spending_need * minimum(coverage, 1.0))
    m.flow("promotion", None, leaders, (leader_target - leaders) / promotion_time)
    m.flow("leader_losses", leaders, None, strike_rate * leaders * (1 - 0.5 * step(1.0, 42)))
    m.flow("recovery", None, cohesion, cohesion_recovery * (1 - cohesion))
    m.flow("rupture", cohesion, None, split * cohesion * per_month)
    m.flow("gain", None, territory, gain_rate * load * (1 - territory))
    m.flow("loss", territory, None, loss_rate * pressure * territory * (1 + (1 - morale)))
    m.flow("reputation_change", None, reputation,
           0.02 * per_month * (donor_mood - reputation * 0.5))
    return m


PRIORS = {
    "attrition": Uniform(0.01, 0.06),
    "strike_rate": Uniform(0.01, 0.08),
    "donor_base": Uniform(2e4, 1e5),
    "cost_per_fighter": Uniform(8.0, 16.0),
}


def run_pysd(model: Model, runs: int, budget: float, seed: int = 1) -> tuple[float, int]:
    """Seconds for PySD runs over ``runs`` parameter sets, stopping after ``budget`` s."""
    import pysd

    rng = np.random.default_rng(seed)
    sets = [{name: float(prior.draws(rng, 1)[0]) for name, prior in PRIORS.items()}
            for _ in range(runs)]
    names = vensim_names(model)
    stocks = [names[s.name] for s in model.stocks]
    done = 0
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySD warns when a lookup holds its end value
        path = write_vensim(model, Path(folder) / "benchmark.mdl")
        vensim = pysd.read_vensim(str(path))
        vensim.run(return_columns=stocks)  # warm-up
        start = time.perf_counter()
        for params in sets:
            vensim.run(params=params, return_columns=stocks)
            done += 1
            if time.perf_counter() - start > budget:
                break
        elapsed = time.perf_counter() - start
    return elapsed, done


def cpu_seconds() -> float:
    """CPU time of the process so far, every thread's, user and system."""
    spent = os.times()
    return spent.user + spent.system


def run_prospects(model: Model, draws: int, repeats: int,
                  backend: str) -> tuple[list[float], list[float]]:
    """Seconds for ``simulate()`` of ``draws`` draws (stocks only), ``repeats`` times, in
    wall time and in CPU time (their ratio: the cores the run kept busy)."""
    stocks = [s.name for s in model.stocks]
    simulate(model, draws=1024, priors=PRIORS, outputs=stocks, backend=backend)  # warm up
    times, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), cpu_seconds()
        result = simulate(model, draws=draws, priors=PRIORS, outputs=stocks, backend=backend)
        times.append(time.perf_counter() - start)
        cpu.append(cpu_seconds() - start_cpu)
        assert result.fighters.shape[0] == draws
        del result
    return times, cpu


def output_floor(model: Model, draws: int, repeats: int) -> list[float]:
    """Seconds to fill new memory of the size of the stocks' outputs of ``draws`` draws
    (one thread), which bounds how fast any backend can give them."""
    cells = sum(int(np.prod([len(model.dimensions[d]) for d in s.dims])) for s in model.stocks)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.empty(draws * model.n_outputs * cells).fill(1.0)
        times.append(time.perf_counter() - start)
    return times


def small_batches(model: Model, calls: int, n: int = 128) -> list[float]:
    """Seconds per ``run_chunk`` call of ``n`` draws with the compiled backend, in groups."""
    stocks = [s.name for s in model.stocks]
    params = sample(PRIORS, n, 0)
    run_chunk(model, 0, n, params=params, outputs=stocks, backend="compiled")
    per_call = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(calls):
            run_chunk(model, 0, n, params=params, outputs=stocks, backend="compiled")
        per_call.append((time.perf_counter() - start) / calls)
    return per_call


def first_compile(model: Model) -> tuple[float, float]:
    """Seconds to compile the kernel into an empty cache, and to load it in a new process."""
    stocks = [s.name for s in model.stocks]
    with tempfile.TemporaryDirectory() as folder:
        os.environ["PROSPECTS_CACHE"] = folder
        start = time.perf_counter()
        simulate(model, draws=4, outputs=stocks, backend="compiled")
        compile_s = time.perf_counter() - start
        code = ("import sys, time; sys.path.insert(0, sys.argv[1]); import engine; "
                "from prospects.engine import simulate, fused; m = engine.build(); "
                "simulate(m, draws=4, outputs=[s.name for s in m.stocks], backend='compiled'); "
                "print(max(fused.compile_seconds.values()))")
        done = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent)],
                              capture_output=True, text=True, check=True)
        del os.environ["PROSPECTS_CACHE"]
    return compile_s, float(done.stdout.split()[-1])


def run_isk(draws: int, repeats: int) -> tuple[list[float], list[float], list[float], int,
                                              float]:
    """Seconds for ``simulate()`` of the IS-K system, the seconds of sampling its priors
    alone (part of the first), the seconds of ``simulate()`` given those draws as
    parameters (the run without the sampling), its steps per run, and the seconds its
    kernel took to compile into an empty cache."""
    from prospects.engine import fused
    from prospects.system import load_system

    system = load_system("isk")
    model, outputs = system.model, list(system.outlook.kept)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["PROSPECTS_CACHE"] = folder
        before = set(fused.compile_seconds)
        simulate(model, draws=1024, priors=system.priors, outputs=outputs, backend="compiled")
        del os.environ["PROSPECTS_CACHE"]
    compile_s = max(v for k, v in fused.compile_seconds.items() if k not in before)
    times, sampling, given = [], [], []
    for _ in range(repeats):
        start = time.perf_counter()
        result = simulate(model, draws=draws, priors=system.priors, outputs=outputs,
                          backend="compiled")
        times.append(time.perf_counter() - start)
        del result
        start = time.perf_counter()
        drawn = sample(system.priors, draws)
        sampling.append(time.perf_counter() - start)
    # apart: run between the others, these runs made them 1-2 s slower (system time
    # spent finding new memory for their outputs after the churn)
    for _ in range(repeats):
        start = time.perf_counter()
        result = simulate(model, draws=draws, params=drawn, outputs=outputs,
                          backend="compiled")
        given.append(time.perf_counter() - start)
        del result
    steps = int(round((model.final_time - model.initial_time) / model.dt))
    return times, sampling, given, steps, compile_s


def spread(times: list[float]) -> str:
    return f"median {statistics.median(times):.3g} s (from {min(times):.3g} to {max(times):.3g})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5, help="runs per backend")
    parser.add_argument("--pysd-runs", type=int, default=100)
    parser.add_argument("--pysd-budget", type=float, default=30.0,
                        help="stop the PySD loop after this many seconds")
    args = parser.parse_args()
    checked = build().check()
    model = checked.model
    steps = int(round(model.final_time / model.dt))
    print(f"model: {len(model.variables)} variables, {len(model.lookups)} lookups, "
          f"{len(lower(checked).states)} smooths, a dimension of {len(AREAS)}, {steps} steps; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    compile_s, cached_s = first_compile(model)
    print(f"compiled kernel: first compile {compile_s:.2f} s, from the cache {cached_s:.2f} s")
    rates, cores = {}, {}
    for backend in ("numpy", "compiled"):
        times, cpu = run_prospects(model, args.draws, args.repeats, backend)
        rates[backend] = args.draws * steps / statistics.median(times)
        cores[backend] = statistics.median(c / t for c, t in zip(cpu, times, strict=True))
        print(f"prospects {backend}: {args.draws} draws, {spread(times)}; CPU time "
              f"{spread(cpu)}, {cores[backend]:.2f} cores busy")
    floor = output_floor(model, args.draws, args.repeats)
    print(f"filling new memory the size of the outputs: {spread(floor)}")
    per_call = small_batches(model, 200)
    small = 128 / statistics.median(per_call)
    print(f"compiled, 128 draws a call: {statistics.median(per_call) * 1e3:.3f} ms a call "
          f"(from {min(per_call) * 1e3:.3f} to {max(per_call) * 1e3:.3f})")
    isk_times, isk_sampling, isk_given, isk_steps, isk_compile_s = run_isk(args.draws,
                                                                           args.repeats)
    isk_rate = args.draws * isk_steps / statistics.median(isk_times)
    isk_given_rate = args.draws * isk_steps / statistics.median(isk_given)
    print(f"IS-K compiled: first compile {isk_compile_s:.2f} s; {args.draws} draws, "
          f"{spread(isk_times)}, of which sampling the priors {spread(isk_sampling)}; "
          f"given the draws as parameters, {spread(isk_given)}")
    seconds, runs = run_pysd(model, args.pysd_runs, args.pysd_budget)
    pysd_rate = runs * steps / seconds
    stopped = f" (stopped at the {args.pysd_budget:g} s budget)" if runs < args.pysd_runs else ""
    print(f"pysd: {runs} of {args.pysd_runs} parameter sets in {seconds:.2f} s, "
          f"{seconds / runs * 1000:.0f} ms a run{stopped}")
    print(f"prospects_run_months_per_s={rates['compiled']:.4g} "
          f"numpy_run_months_per_s={rates['numpy']:.4g} "
          f"pysd_run_months_per_s={pysd_rate:.4g} ratio={rates['compiled'] / pysd_rate:.4g} "
          f"small_batch_draw_runs_per_s={small:.4g} compile_s={compile_s:.3g} "
          f"cached_compile_s={cached_s:.3g} isk_run_months_per_s={isk_rate:.4g} "
          f"isk_compile_s={isk_compile_s:.3g} "
          f"isk_sampling_s={statistics.median(isk_sampling):.3g} "
          f"isk_given_run_months_per_s={isk_given_rate:.4g} "
          f"compiled_cores_busy={cores['compiled']:.2f} load={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
