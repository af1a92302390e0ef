"""The compiled backend gives the NumPy backend's numbers on every model of the suite."""

import sys
from pathlib import Path

import numpy as np
import pytest

from prospects.engine import Intervention, NonFiniteError, fused, run_chunk, simulate
from prospects.sd import Model, exp, random_uniform, total
from prospects.sd.builtins import BUILTINS, Builtin
from prospects.system import load_system

sys.path.insert(0, str(Path(__file__).parents[1] / "sd"))
import models  # noqa: E402  (tests/sd/models.py)

ROOT = Path(__file__).parents[2]
SYSTEMS = [ROOT / "tests" / "fixtures" / f for f in ("toy", "linear", "drift")] + [
    ROOT / "examples" / "guerrilla", "isk"]


class Uniform:
    def __init__(self, low, high):
        self.low, self.high = low, high

    def ppf(self, u):
        return self.low + (self.high - self.low) * u


def close(a, b, name, rtol=1e-12):
    """Equal to ``rtol`` relative, or to ``rtol / 100`` of the variable's largest magnitude
    where it is near zero: a flow that is the difference of two near-equal terms (a stock
    chasing its target) keeps the terms' rounding, a few ulp of them, whatever its own size."""
    a, b = np.asarray(a), np.asarray(b)
    scale = np.max(np.abs(b)) if b.size else 0.0
    bad = np.abs(a - b) > np.maximum(rtol * np.abs(b), 1e-2 * rtol * scale)
    assert not bad.any(), f"{name}: {np.abs(a - b)[bad].max()} apart at {np.argwhere(bad)[0]}"


def same(a, b, rtol=1e-12):
    assert set(a.data_vars) == set(b.data_vars)
    for name in b.data_vars:
        close(a[name].values, b[name].values, name, rtol)


def scalar_priors(model):
    """A prior on every scalar parameter: 0.8 to 1.2 times its default."""
    return {p.name: Uniform(0.8 * float(p.default), 1.2 * float(p.default))
            for p in model.params if not p.dims and float(p.default) != 0}


@pytest.mark.parametrize("build", models.ALL, ids=lambda f: f.__name__)
def test_every_language_model_matches(build):
    model = build()
    priors = scalar_priors(model)
    args = dict(draws=300, priors=priors, seed=3)
    same(simulate(model, backend="compiled", **args), simulate(model, backend="numpy", **args))


@pytest.mark.parametrize("spec", SYSTEMS, ids=lambda s: Path(str(s)).name)
def test_every_system_matches_with_and_without_its_scenarios(spec):
    """To 1e-8: over 84 months, a system's feedback loops grow the backends' different
    rounding (a few ulp a step where flows cancel) by up to a million times in a near-unstable
    draw; a wrong equation shows as a difference of whole percents."""
    system = load_system(spec)
    args = dict(draws=257, priors=system.priors, seed=5)
    same(simulate(system.model, backend="compiled", **args),
         simulate(system.model, backend="numpy", **args), 1e-8)
    levers = [iv for s in system.scenarios.values() for iv in s.interventions()][:1]
    if levers:
        args["interventions"] = levers
        same(simulate(system.model, backend="compiled", **args),
             simulate(system.model, backend="numpy", **args), 1e-8)


def people_model():
    m = Model("people", start="2015-01", stop="2016-12")
    area = m.dimension("area", ["a", "b", "c"])
    rate = m.param("rate", 0.1, unit="1/month")
    inflow = m.param("inflow", [5.0, 0.0, 2.0], unit="person/month", dims=[area])
    people = m.stock("people", 100, unit="person", dims=[area])
    m.flow("arrive", None, people, inflow * (1 + 0.1 * random_uniform(-1.0, 1.0)))
    crowding = m.param("crowding", 0.001, unit="1/person")
    m.flow("leave", people, None, rate * people * exp(-crowding * people))
    m.aux("all_people", total(people, "area"), unit="person", record=True)
    return m


def test_interventions_masks_per_draw_values_and_noise_match():
    m = people_model()
    levers = [
        Intervention("rate", multiply=np.linspace(0.5, 2.0, 200), start="2015-06",
                     end="2016-01"),
        Intervention("inflow", set=7.0, start="2015-09", where={"area": ["b"]}),
        Intervention("arrive", multiply=1.5, start="2016-03", where={"area": ["a", "c"]}),
        Intervention("leave", set=np.linspace(0.0, 30.0, 200), start="2016-06"),
    ]
    args = dict(draws=200, priors={"rate": Uniform(0.05, 0.2)}, seed=9, interventions=levers)
    same(simulate(m, backend="compiled", **args), simulate(m, backend="numpy", **args))


@pytest.mark.parametrize("block", [64, 512])
@pytest.mark.parametrize("workers", [1, 2])
def test_block_size_and_threads_change_nothing(monkeypatch, block, workers):
    m = models.depletion()
    args = dict(draws=1000, priors=scalar_priors(m), seed=1)
    reference = simulate(m, backend="numpy", **args)
    monkeypatch.setenv("PROSPECTS_BLOCK", str(block))
    monkeypatch.setenv("PROSPECTS_THREADS", str(workers))
    result = simulate(m, backend="compiled", **args)
    same(result, reference)
    again = simulate(m, backend="compiled", chunk=300, **args)  # other chunks, same draws
    for name in result.data_vars:
        assert np.array_equal(result[name].values, again[name].values)


def test_outputs_written_past_the_cache_are_the_same(monkeypatch):
    """The kernel's non-temporal stores (for outputs larger than the cache) store the
    same bits at the same places as its ordinary ones."""
    m = models.arrays()
    args = dict(draws=700, priors=scalar_priors(m), seed=4)
    monkeypatch.setattr(fused, "STREAM_BYTES", 2**62)
    cached = simulate(m, backend="compiled", **args)
    monkeypatch.setattr(fused, "STREAM_BYTES", 0)
    streamed = simulate(m, backend="compiled", **args)
    for name in cached.data_vars:
        assert np.array_equal(cached[name].values, streamed[name].values), name


def test_run_chunk_partial_outputs_and_until_match():
    m = models.arrays()
    priors = scalar_priors(m)
    kwargs = dict(priors=priors, seed=2, outputs=["veterans", "pressure"], until=10)
    a = run_chunk(m, 40, 100, backend="compiled", **kwargs)
    b = run_chunk(m, 40, 100, backend="numpy", **kwargs)
    for name in b:
        assert a[name].shape == b[name].shape == (100, 10) + b[name].shape[2:]
        close(a[name], b[name], name)


def test_a_run_going_non_finite_names_the_variable_as_numpy_does():
    m = Model("blowup", start="2015-01", stop="2015-12")
    k = m.param("k", 1.0, unit="1/month")
    x = m.stock("x", 1.0, unit="1", nonnegative=False)
    m.flow("grow", None, x, k * x * 1e300)
    messages = []
    for backend in ("compiled", "numpy"):
        with pytest.raises(NonFiniteError, match="'grow' became infinite at 2015-02") as err:
            simulate(m, backend=backend)
        messages.append(str(err.value))
    assert messages[0] == messages[1]


def _uses_of_every_builtin(m):
    """An auxiliary per builtin without state, its arguments swept over each one's domain
    by a per-draw parameter ``x`` (-1..1) and the time; a builtin added to the registry
    without a line here fails ``test_every_builtin_...`` below."""
    x = m.param("x", 0.5)
    per_month = m.param("per_month", 1.0, unit="1/month")
    month = m.param("month", 1.0, unit="month")
    t = m.time * per_month  # 0..35, dimensionless
    wave = x * (t / 35.0) * 2.0 - 0.3  # about -2.3..1.7: both signs, crossing zero
    b = BUILTINS
    return {
        "minimum": b["minimum"](wave, x), "maximum": b["maximum"](wave, x),
        "absolute": b["absolute"](wave), "exp": b["exp"](3.0 * wave),
        "log": b["log"](b["absolute"](wave) + 0.01), "sin": b["sin"](3.0 * wave),
        "cos": b["cos"](3.0 * wave), "tan": b["tan"](wave),
        "arcsin": b["arcsin"](wave / 2.5), "arccos": b["arccos"](wave / 2.5),
        "arctan": b["arctan"](4.0 * wave), "sinh": b["sinh"](wave),
        "cosh": b["cosh"](wave), "tanh": b["tanh"](wave),
        "sqrt": b["sqrt"](b["absolute"](wave)), "integer": b["integer"](4.0 * wave),
        "modulo": b["modulo"](7.0 * wave, 1.5 + x),
        "zidz": b["zidz"](x, b["integer"](2.0 * wave)),  # 0 where |wave| < 0.5
        "xidz": b["xidz"](x, b["integer"](wave), -4.0),
        "if_then_else": b["if_then_else"](wave > 0, x, wave),
        "step": b["step"](x, 12.5 * month), "pulse": b["pulse"](6.0 * month, (10 + x) * month),
        "ramp": b["ramp"](x * per_month, 3.0 * month, (20.0 + 5 * x) * month),
        "pulse_train": b["pulse_train"](2.0 * month, (1.5 + x) * month, 5.0 * month,
                                        30.0 * month),
        "active_initial": b["active_initial"](wave, x),
    }


def test_every_builtin_has_a_kernel_rule_giving_numpys_numbers(capsys):
    """Each builtin without state has its compiled-backend rule in its registry entry (the
    others lower to stocks, which the kernel runs; those along a dimension run on NumPy,
    see test_constructs) and that rule gives NumPy's numbers."""
    m = Model("every_builtin", start="2015-01", stop="2017-12", dt=0.5, output_step=1)
    uses = _uses_of_every_builtin(m)
    stateless = {name for name, b in BUILTINS.items() if b.lower is None and not b.along}
    assert stateless == set(uses)
    assert all(BUILTINS[name].kernel is not None for name in stateless)
    for name, expr in uses.items():
        m.aux(f"use_{name}", expr, unit="1", record=True)
    args = dict(draws=300, priors={"x": Uniform(-1.0, 1.0)}, seed=8)
    compiled = simulate(m, backend="compiled", **args)
    assert "cannot be compiled" not in capsys.readouterr().err  # the kernel ran it
    numpy = simulate(m, backend="numpy", **args)
    same(compiled, numpy)
    assert np.ptp(numpy["use_pulse_train"].values) == 1.0  # the sweep reaches both values


def test_what_the_generator_cannot_compile_runs_on_numpy_with_a_note(monkeypatch, capsys):
    cube = Builtin("cube", (1, 1), lambda r, a: None if a is None else a ** 3, ("CUBE",),
                   ("CUBE",), "x cubed.", numpy=lambda x: x ** 3, fresh=True)
    monkeypatch.setitem(BUILTINS, "cube", cube)
    m = Model("cubic", start="2015-01", stop="2015-12")
    s = m.stock("s", 1.0, unit="1", nonnegative=False)
    m.flow("up", None, s, cube(m.param("g", 0.1)) * m.param("per_month", 1.0, unit="1/month"))
    result = simulate(m, draws=4, backend="compiled")
    assert "cube" in capsys.readouterr().err  # one line, naming what it could not do
    assert np.allclose(result.s.isel(draw=0).values[-1], 1.0 + 11 * 0.001)


def test_auto_runs_numpy_until_compiled_then_the_cached_kernel(tmp_path, monkeypatch):
    monkeypatch.setenv("PROSPECTS_CACHE", str(tmp_path))  # nothing compiled yet
    m = people_model()
    args = dict(draws=50, seed=4, outputs=["people"])
    first = simulate(m, backend="auto", **args)
    same(first, simulate(m, backend="numpy", **args))
    assert not list(tmp_path.glob("kernel_*.py"))  # a small run: auto compiles nothing
    compiled = simulate(m, backend="compiled", **args)
    assert list(tmp_path.glob("kernel_*.py"))  # the source, beside numba's cache
    fused._kernels.clear()  # as a new process would: only the disk cache is left
    same(simulate(m, backend="auto", **args), compiled)
    assert fused._kernels  # auto loaded the cached kernel


def test_auto_compiles_for_a_run_big_enough_to_pay_for_it(tmp_path, monkeypatch):
    """Past ``COMPILE_PAYS`` draw-steps "auto" compiles (once, for every chunk); below it
    it runs NumPy and compiles nothing."""
    from prospects.engine import run

    monkeypatch.setenv("PROSPECTS_CACHE", str(tmp_path))
    monkeypatch.setattr(fused, "_kernels", {})  # as in a new process: nothing loaded yet
    m = people_model()
    steps = run.draw_steps(m, 1)
    monkeypatch.setattr(run, "COMPILE_PAYS", 200 * steps)
    args = dict(seed=4, outputs=["people"], backend="auto")
    simulate(m, draws=199, **args)
    assert not list(tmp_path.glob("kernel_*.py"))
    big = simulate(m, draws=200, chunk=64, **args)
    assert list(tmp_path.glob("kernel_*.py"))
    same(big, simulate(m, draws=200, backend="numpy", outputs=["people"], seed=4))


def test_scenarios_of_different_interventions_share_one_kernel(tmp_path, monkeypatch):
    """Each scenario run with the kinds of all of them has NumPy's numbers, and the kernel
    is built once for all (a second set of scenarios of the same kinds adds none)."""
    from prospects.engine.run import intervention_kinds

    monkeypatch.setenv("PROSPECTS_CACHE", str(tmp_path))
    monkeypatch.setattr(fused, "_kernels", {})
    m = people_model()
    scenarios = [
        [],
        [Intervention("rate", multiply=1.5, start="2015-06")],
        [Intervention("inflow", set=7.0, start="2015-09", where={"area": ["b"]}),
         Intervention("rate", multiply=0.5, start="2016-01")],
        [Intervention("rate", multiply=2.0, start="2015-03", end="2015-09"),
         Intervention("rate", multiply=0.7, start="2016-03")],
    ]
    kinds = intervention_kinds(m, scenarios)
    assert kinds == (("inflow", "set"), ("rate", "multiply"), ("rate", "multiply"))
    args = dict(draws=40, seed=2, outputs=["people", "all_people"])
    for levers in scenarios:
        same(simulate(m, interventions=levers, backend="compiled", kinds=kinds, **args),
             simulate(m, interventions=levers, backend="numpy", **args))
    assert len(fused._kernels) == 1


def test_model_compile_builds_the_kernels_that_projection_then_loads(tmp_path, monkeypatch):
    """``prospects model compile`` compiles the calibration, projection and report kernels
    (a second call finds them), and a projection then runs its scenarios on the cached
    kernel under "auto"."""
    from typer.testing import CliRunner

    from prospects.cli import app
    from prospects.projection import project

    monkeypatch.setenv("PROSPECTS_CACHE", str(tmp_path))
    monkeypatch.setattr(fused, "_kernels", {})
    toy = str(Path(__file__).parents[1] / "fixtures" / "toy")
    first = CliRunner().invoke(app, ["model", "compile", "--system", toy])
    assert first.exit_code == 0, first.output
    assert first.output.count(" compiled in ") == 3, first.output
    again = CliRunner().invoke(app, ["model", "compile", "--system", toy])
    assert again.output.count(" loaded in ") == 3 and len(list(tmp_path.glob("kernel_*.py"))) == 3
    monkeypatch.setattr(fused, "_kernels", {})
    monkeypatch.setenv("PROSPECTS_BACKEND", "auto")  # the suite's default is numpy
    project(load_system(toy), draws=20)
    assert len(fused._kernels) == 1  # every scenario on the one projection kernel


def test_an_unknown_backend_is_one_clear_error():
    with pytest.raises(ValueError, match="backend 'fast' is not one of numpy, compiled, auto"):
        simulate(models.arrays(), backend="fast")


def test_kernel_key_does_not_import_numba():
    """Hashing a kernel's helpers (what "auto" does for every run) reads vecmath's source
    without importing it (numba is 0.3 s of a NumPy run's start-up), and reads that file."""
    import subprocess

    probe = ("import sys; from pathlib import Path; from prospects.engine import fused; "
             "fused._digest('x'); print('numba' in sys.modules); "
             "from prospects.engine import vecmath; "
             "print(fused._helpers() == Path(vecmath.__file__).read_bytes())")
    env = {"PYTHONPATH": str(Path(fused.__file__).parents[2])}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=env, check=True).stdout.split()
    assert out == ["False", "True"]
