"""An ensemble of an imported model: Prospects' vectorised engine against PySD looping
over the same parameter sets, in one process, for two of the test-models suite's larger
models that Prospects matches.

Every scalar constant the equations read gets a uniform range of +-20% around its value (as a
prior in ``parameters.yaml`` would give it); the same sets of values run in Prospects in
one ``simulate()`` call (``--draws``, default 20,000) and in PySD one ``run()`` each
(until ``--pysd-budget`` seconds have passed, default 20: the rate per run does not
depend on how many are timed). The first three PySD runs are checked against Prospects'
draws at the suite's tolerance (relative 1e-3).

Printed per model, then last::

    <model>_prospects_run_<unit>s_per_s=<n> <model>_pysd_run_<unit>s_per_s=<n> ...

(run-months, or run-minutes: draws times the span of each run in the model's time unit;
forecast counts in months, smooth_and_stock in minutes.)

Run: ``python benchmarks/import_ensemble.py [--draws N] [--pysd-budget S]``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np

from prospects.engine import simulate
from prospects.interop.build import build_model
from prospects.interop.read import read_model

SUITE = Path(__file__).resolve().parents[1] / ".." / "shared" / "test-models" / "tests"
if not SUITE.is_dir():
    SUITE = Path("/work/shared/test-models/tests")
MODELS = {"forecast": "forecast/test_forecast.mdl",
          "smooth_and_stock": "smooth_and_stock/test_smooth_and_stock.mdl"}


def parameter_sets(model, draws: int, seed: int = 0) -> dict[str, np.ndarray]:
    """+-20% for each scalar constant the equations read (a delay's length or order is
    fixed when the model is built, as Vensim fixes it at the start, so not those)."""
    from prospects.engine.lower import lower
    from prospects.sd.graph import references

    read = {v.name for var in model.variables.values() if var.equation() is not None
            for v in references(var.equation())}
    read -= set(lower(model.check()).fixed)
    rng = np.random.default_rng(seed)
    sets = {}
    for param in model.params:
        value = float(param.default) if not param.dims else 0.0
        if param.dims or value == 0.0 or param.name not in read:
            continue
        sets[param.name] = value * rng.uniform(0.8, 1.2, draws)
    return sets


def measure(label: str, path: Path, draws: int, budget: float):
    import pysd

    model = build_model(read_model(path), where=str(path))
    span = model.final_time - model.initial_time
    sets = parameter_sets(model, draws)
    outputs = [v.name for v in model.variables.values() if v.kind in ("stock", "aux")]
    model.check()
    checked = [n for n in outputs if not model[n].dims]
    simulate(model, draws=8, params={k: v[:8] for k, v in sets.items()}, outputs=outputs)
    started = time.perf_counter()
    ours = simulate(model, draws=draws, params=sets, outputs=outputs)
    ours_s = time.perf_counter() - started

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pysd.read_vensim(str(path))
        names = {model[k].label: k for k in sets}
        runs, started = 0, time.perf_counter()
        while runs < draws and (runs < 3 or time.perf_counter() - started < budget):
            result = theirs.run(params={label_: float(sets[k][runs])
                                        for label_, k in names.items()},
                                return_columns=[model[n].label for n in checked])
            if runs < 3:  # the same numbers as Prospects' draw
                for name in checked:
                    np.testing.assert_allclose(result[model[name].label].values[-1],
                                               ours[name].isel(draw=runs).values[-1],
                                               rtol=1e-3, err_msg=name)
            runs += 1
        pysd_s = time.perf_counter() - started
    ours_rate, pysd_rate = draws * span / ours_s, runs * span / pysd_s
    print(f"{label}: {len(model.variables)} variables, {len(sets)} constants varied, "
          f"{span:g} {model.time_unit}s at dt {model.dt:g}; Prospects {draws:,} draws in "
          f"{ours_s:.2f} s, "
          f"PySD {runs} runs in {pysd_s:.1f} s", flush=True)
    return ours_rate, pysd_rate, model.time_unit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=20_000)
    parser.add_argument("--pysd-budget", type=float, default=20.0)
    args = parser.parse_args()
    figures = []
    for label, name in MODELS.items():
        ours, theirs, unit = measure(label, SUITE / name, args.draws, args.pysd_budget)
        figures += [f"{label}_prospects_run_{unit}s_per_s={ours:.3g}",
                    f"{label}_pysd_run_{unit}s_per_s={theirs:.3g}",
                    f"{label}_ratio={ours / theirs:.0f}"]
    print(" ".join(figures))


if __name__ == "__main__":
    main()
