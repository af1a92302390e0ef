"""Run a model over many parameter draws at once, in chunks of draws."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from weakref import WeakKeyDictionary

import numpy as np

from ..errors import UserError
from ..sd.check import check
from ..sd.model import Model, ModelError
from ..sd.render import render
from .compile import (
    DELIVERED,
    DRAWS,
    Program,
    available_name,
    base_name,
    left_name,
)
from .interventions import Intervention, validate
from .lower import add_all, lower
from .sampling import BLOCK, Distribution, sample


class NonFiniteError(UserError, ArithmeticError):
    """A run produced NaN or infinity; the message names the first variable and time."""


_PROGRAMS: WeakKeyDictionary[Model, tuple[int, Program]] = WeakKeyDictionary()


def compiled(model: Model) -> Program:
    """The model checked, lowered and compiled, once per version of the model."""
    cached = _PROGRAMS.get(model)
    if cached is None or cached[0] != model.version:
        cached = _PROGRAMS[model] = (model.version, Program(lower(check(model))))
    return cached[1]


def default_outputs(model: Model) -> list[str]:
    """Stocks, flows, auxiliaries marked ``record`` and the non-negativity limits."""
    program = compiled(model)
    names = [v.name for v in model.variables.values()
             if v.kind in ("stock", "flow") or getattr(v, "record", False)]
    return names + [limit.scale.name for limit in program.lowered.limits]


def output_times(model: Model) -> np.ndarray:
    """Model times (in the model's unit) at which values are saved."""
    return model.initial_time + np.arange(model.n_outputs) * float(model.output_step)


def dates(model: Model) -> np.ndarray:
    """The output times of a calendar model as dates."""
    per = 12 if model.time_unit == "year" else 1
    first = np.datetime64(model.start.strftime("%Y-%m"), "M")
    months = (output_times(model) * per).astype(int)
    return (first + months).astype("datetime64[ns]")


def time_axis(model: Model) -> np.ndarray:
    """The output times as outputs label them: dates with a calendar, else numbers."""
    return dates(model) if model.calendar else output_times(model)


def date_label(model: Model, t: float) -> str:
    if not model.calendar:
        return f"time {t:g} ({model.time_unit})"
    first = np.datetime64(model.start.strftime("%Y-%m"), "M")
    return str(first + int(np.floor(t * (12 if model.time_unit == "year" else 1))))


def run_chunk(
    model: Model,
    start: int,
    n: int,
    params: Mapping[str, np.ndarray] | None = None,
    priors: Mapping[str, Distribution] | None = None,
    seed: int = 0,
    interventions: Sequence[Intervention] = (),
    outputs: Sequence[str] | None = None,
    debug: bool = False,
    out: Mapping[str, np.ndarray] | None = None,
    until: int | None = None,
    backend: str | None = None,
    kinds: Sequence[tuple[str, str]] = (),
) -> dict[str, np.ndarray]:
    """Draws ``start`` .. ``start + n``: arrays (n, time, *sizes) per output name.

    ``params`` holds values for all draws (sliced here); ``priors`` are sampled here.
    ``out`` may give, per output, a draw-last array (time, *sizes, n) to fill; the
    arrays returned are then views of it. ``until`` stops after that many output times
    (calibration needs no more than its last observation). ``backend``: see
    ``chosen_backend``; both give the same numbers. ``kinds``: ``intervention_kinds`` of
    the scenarios run beside this one, for the compiled backend to serve them all with one
    kernel (compiled, or loaded, once).
    """
    program = compiled(model)
    outputs = list(default_outputs(model) if outputs is None else outputs)
    values = _parameter_values(program, start, n, params or {}, priors or {}, seed)
    n_out = model.n_outputs if until is None else min(until, model.n_outputs)
    if out is None:
        out = {name: np.empty(buffer_shape(program, name, n, n_out)) for name in outputs}
    backend = chosen_backend(backend)
    if backend != "numpy" and not debug:
        from . import fused

        overrides = program.lowered.overrides(interventions)
        if fused.integrate(program, values, overrides, outputs, out, n, start, seed, n_out,
                           wait=backend == "compiled", kinds=kinds):
            return {name: draws_first(out[name]) for name in outputs}
    needed = program.needed(outputs)
    steps = program.steps(interventions, n, start, needed)
    with np.errstate(all="ignore"):  # non-finite values are caught and named below
        try:
            _integrate(program, steps, needed, values, n, out, debug, start, n_out)
        except NonFiniteError as first:
            if debug:
                raise
            _integrate(program, steps, needed, values, n, out, True, start, n_out)  # names it
            raise first
    return {name: draws_first(out[name]) for name in outputs}


def draws_first(buffer: np.ndarray) -> np.ndarray:
    """A draw-last buffer as a draw-first view (``np.moveaxis(buffer, -1, 0)``, without
    its checks, which cost more than the run of a small batch)."""
    return buffer.transpose((buffer.ndim - 1, *range(buffer.ndim - 1)))


BACKENDS = ("numpy", "compiled", "auto")


COMPILE_PAYS = 5e6
"""Draw-steps (draws times time steps) from which "auto" compiles the kernel for a run:
the NumPy engine does 2e5-2e6 a second on IS-K (1,000 to 10^5 draws a call), so such a
run takes it longer than a first compile (4-13 s), and the kernel stays cached for the
next. A 10^7-draw IS-K projection took NumPy over 20 minutes in process, the kernel 3.3;
calibration at its defaults 187 s against 107 s."""


def chosen_backend(backend: str | None, draw_steps: float = 0) -> str:
    """``backend``, else ``PROSPECTS_BACKEND``, else "auto": "numpy" runs the NumPy
    closures; "compiled" the fused kernel (``engine.fused``), compiling it first if need
    be (and caching it on disk); "auto" the kernel if it is compiled already (by a run with
    "compiled", in any process on this machine), else NumPy, unless the whole run
    (``draw_steps``) is big enough for compiling to pay (``COMPILE_PAYS``): then
    "compiled". Either compiled choice runs NumPy for what the kernel cannot do."""
    chosen = backend or os.environ.get("PROSPECTS_BACKEND") or "auto"
    if chosen not in BACKENDS:
        raise ModelError(f"backend '{chosen}' is not one of {', '.join(BACKENDS)}")
    return "compiled" if chosen == "auto" and draw_steps >= COMPILE_PAYS else chosen


def intervention_kinds(model: Model, scenarios: Iterable[Sequence[Intervention]]
                       ) -> tuple[tuple[str, str], ...]:
    """What the interventions of several scenarios change and how (target, "set" or
    "multiply"), each as many times as the scenario with most of it has it: the kinds one
    compiled kernel must serve to run all of them."""
    program, most = compiled(model), Counter()
    for interventions in scenarios:
        most |= Counter((o.target, o.how) for o in program.lowered.overrides(interventions))
    return tuple(sorted(most.elements()))


def draw_steps(model: Model, draws: int) -> float:
    """A run's size for ``chosen_backend``: its draws times its time steps."""
    return draws * (model.final_time - model.initial_time) / model.dt


def buffer_shape(program: Program, name: str, n: int, n_out: int | None = None):
    """Draw-last shape (time, *sizes, n) in which a run keeps an output."""
    sizes = tuple(len(program.model.dimensions[d]) for d in program.slot_dims[name])
    return (n_out or program.model.n_outputs,) + sizes + (n,)


def _parameter_values(program, start, n, params, priors, seed) -> list:
    values: list = [None] * len(program.slot)
    drawn = sample(priors, n, seed, start) if priors else {}
    for param, slots, shape, default in _parameter_table(program):
        if param.name in drawn:
            raw = drawn[param.name]
        elif param.name in params:
            raw = np.asarray(params[param.name], dtype=float)
            if raw.ndim > len(param.dims):
                raw = raw[start:start + n]
        else:  # its default, made once (as below, without the checks)
            values[slots[0]] = values[slots[1]] = default
            continue
        fixes = program.lowered.fixed.get(param.name)
        if fixes is not None and not np.all(raw == param.default):
            raise ModelError(f"parameter '{param.name}' sets {fixes}, which is fixed when the "
                             f"model is built: it keeps its value {float(param.default):g}")
        raw = np.asarray(raw, dtype=float)
        per_draw = raw.ndim > len(param.dims)
        if per_draw and raw.ndim > 1:
            raw = np.moveaxis(raw, 0, -1)
        # one number for all draws stays a number: arithmetic on it costs no array call
        array = (float(raw) if not per_draw and not param.dims else
                 raw.reshape(shape + ((n if per_draw else 1),)))
        values[slots[0]] = values[slots[1]] = array
    values[program.slot[DRAWS]] = (start, n, seed)
    return values


_PARAMETERS: WeakKeyDictionary = WeakKeyDictionary()  # program -> (table, defaults)


def _parameter_table(program: Program) -> list:
    """Per parameter: itself, its two slots, its shape on the model's axes and its
    default as a run holds it (a number, or a read-only array with a draw axis of 1),
    made once per program and made again if a default is replaced: rebuilding them
    each call was a quarter of the Python time of a call of 128 draws."""
    found, sources = _PARAMETERS.get(program, (None, ()))
    params = program.model.params
    if found is None or any(p.default is not d for p, d in zip(params, sources, strict=True)):
        found = []
        for param in params:
            shape = program.full_shape(param.dims)
            if param.dims:
                default = np.asarray(param.default, dtype=float).reshape(shape + (1,))
                default.flags.writeable = False
            else:
                default = float(param.default)
            slots = (program.slot[param.name], program.slot[base_name(param)])
            found.append((param, slots, shape, default))
        _PARAMETERS[program] = found, [p.default for p in params]
    return found


class _Initial(list):
    """Slot values that compute themselves on first read, in whatever order inits need."""

    def __init__(self, values, fns, names, t0):
        super().__init__(values)
        self.fns, self.names, self.busy, self.t0 = fns, names, [], t0

    def __getitem__(self, i):
        value = super().__getitem__(i)
        if value is None:
            if i in self.busy:
                loop = [self.names[j] for j in self.busy[self.busy.index(i):]] + [self.names[i]]
                raise ModelError(f"initial values depend on each other: {' -> '.join(loop)}")
            self.busy.append(i)
            value = self.fns[i](self, self.t0)
            self.busy.pop()
            self[i] = value
        return value


def _initialise(program: Program, steps, needed: set[str], values: list, n: int) -> list:
    fns = {s.slot: s.fn for s in steps}
    for name, expr in program.lowered.initial.items():
        if program.slot[name] in fns:
            fns[program.slot[name]] = program.compile(expr)

    def full(fn, dims):
        shape = program.full_shape(dims) + (n,)
        return lambda v, t: np.array(np.broadcast_to(fn(v, t), shape), dtype=float)

    lowered = program.lowered
    for stock in lowered.stocks:
        if stock.name in needed:
            fns[program.slot[stock.name]] = full(program.compile(lowered.inits[stock.name]),
                                                 stock.dims)
    names = {i: name for name, i in program.slot.items()}
    lazy = _Initial(values, fns, names, program.model.initial_time)
    for slot in list(fns):
        lazy[slot]
    return list(lazy)


def _integrate(program, steps, needed, values, n, buffers, debug, offset, n_out):
    """Euler integration of one chunk into ``buffers`` (time, *sizes, n) per output name,
    for the first ``n_out`` output times; stocks not ``needed`` stay still."""
    model = program.model
    slot = program.slot
    dt, t0 = model.dt, model.initial_time
    per_output = int(round(model.output_step / dt))
    n_steps = (n_out - 1) * per_output
    v = _initialise(program, steps, needed, values, n)
    averaged = {f.name for f in model.flows} if per_output > 1 else set()
    outputs = list(buffers)
    axes = {name: tuple(program.axis(d) for d in program.slot_dims[name]) for name in outputs}
    levels = [(buffers[name], slot[name], axes[name]) for name in outputs
              if name not in averaged]
    rates = [(buffers[name], slot[name], axes[name]) for name in outputs if name in averaged]
    totals = [0.0] * len(rates)
    stocks = [(slot[s.name], _update(program, s)) for s in program.lowered.stocks
              if s.name in needed]
    names = {i: name for name, i in slot.items()}

    def fail(name, value, t):
        bad = ~np.isfinite(np.broadcast_to(value, np.shape(value)[:-1] + (n,)))
        index = int(np.argwhere(bad.reshape(-1, n).any(axis=0))[0, 0])
        kind = "NaN" if np.isnan(np.asarray(value)).any() else "infinite"
        drawn = [f"{p.name}={np.ravel(v[slot[p.name]])[index]:.4g}" for p in model.params
                 if not p.dims and np.size(v[slot[p.name]]) == n > 1]
        name = name.split("__")[0]  # the model's variable, not an internal slot of it
        raise NonFiniteError(f"'{name}' became {kind} at {date_label(model, t)} (draw "
                             f"{offset + index}" + (f"; its parameters {', '.join(drawn)})"
                                                    if drawn else ")"))

    for k in range(n_steps + 1):
        t = t0 + k * dt
        for step in steps:
            v[step.slot] = value = step.fn(v, t)
            if debug and not np.all(np.isfinite(value)) and step.name not in model.missing:
                fail(step.name, value, t)
        if k % per_output == 0:
            j = k // per_output
            for buffer, i, kept in levels:
                _record(buffer, j, v[i], kept)
        if k == n_steps:
            for buffer, i, kept in rates:
                _record(buffer, n_out - 1, v[i], kept)
            break
        if rates:
            totals = [total + v[i] for total, (_, i, _) in zip(totals, rates, strict=True)]
            if (k + 1) % per_output == 0:
                for total, (buffer, _, kept) in zip(totals, rates, strict=True):
                    _record(buffer, (k + 1) // per_output - 1, total / per_output, kept)
                totals = [0.0] * len(rates)
        # every new level is computed from the old ones before any is replaced
        updated = [(i, update(v)) for i, update in stocks]
        for i, level in updated:
            v[i] = level
    # NaN stays NaN in a stock, so a last look at the stocks finds what went wrong on the way;
    # the other outputs may have been non-finite for a while only
    for i, _ in stocks:
        if not np.isfinite(v[i]).all():
            fail(names[i], v[i], t0 + n_steps * dt)
    for name, buffer in buffers.items():
        if name in model.missing or name in model.variables and model[name].kind == "stock":
            continue
        written = buffer[:n_out]  # the rows after them are not this call's
        if not np.isfinite(written).all():
            j = int(np.argwhere(~np.isfinite(written.reshape(n_out, -1)).any(axis=1))[0, 0])
            fail(name, written[j], t0 + j * model.output_step)


def _update(program: Program, stock) -> Callable[[list], np.ndarray]:
    """A stock's next level from the slot values of this step."""
    slot, dt = program.slot, program.model.dt
    outs = [slot[f.name] for f in stock.outflows]
    limit = next((lim for lim in program.lowered.limits if lim.stock is stock), None)
    if dt != 1 or limit is None:
        level, ins = slot[stock.name], [slot[f.name] for f in stock.inflows]
        return lambda v: _next_level(v[level], [v[f] for f in ins], [v[f] for f in outs], dt,
                                     stock.nonnegative)
    # the limit summed the level, the inflows it counted on and the outflows requested
    available, left = slot[available_name(stock)], slot[left_name(stock)]
    scale = slot[limit.scale.name]
    counted = {id(f) for f in limit.counted}
    others = [slot[f.name] for f in stock.inflows if id(f) not in counted]

    def limited(v):
        delivered = v[scale] is DELIVERED
        # when every request was met, what is left is >= 0 exactly
        new = v[left] if delivered else v[available] - add_all([v[f] for f in outs])
        for f in others:
            np.add(new, v[f], out=new)
        return new if delivered and not others else np.maximum(new, 0.0, out=new)

    return limited


def _next_level(level: np.ndarray, ins: list, outs: list, dt: float, nonneg: bool):
    """``level + dt * (sum(ins) - sum(outs))`` as a new array, floored at 0 if ``nonneg``.

    A level has its full shape, so with dt = 1 the sum builds up in place in one new
    array, with no temporary per flow.
    """
    if not ins and not outs:
        return level
    if dt == 1:
        terms = [(np.add, x) for x in ins] + [(np.subtract, x) for x in outs]
        new = terms[0][0](level, terms[0][1])
        for op, x in terms[1:]:
            op(new, x, out=new)
    else:
        new = level + dt * (add_all(ins) - add_all(outs))
    return np.maximum(new, 0.0, out=new) if nonneg else new


def _record(buffer: np.ndarray, j: int, value, axes: tuple[int, ...]) -> None:
    """Write a slot value (model axes with 1s, draws last; or a number) as time ``j``.
    ``axes``: the model axes of the buffer's dimensions; the value's other axes have
    length 1, and it may have length 1 along the buffer's too (the same for all)."""
    if np.ndim(value) == 0:
        buffer[j] = value
    else:
        buffer[j] = np.reshape(value, tuple(value.shape[a] for a in axes) + value.shape[-1:])


def chunk_size(program: Program, n_draws: int, outputs: Iterable[str], max_memory_mb: float) -> int:
    """Draws per chunk so that one chunk's arrays stay within ``max_memory_mb``."""
    n_out = program.model.n_outputs
    cells = sum(int(np.prod(program.full_shape(program.slot_dims[name]))) for name in program.slot)
    kept = sum(int(np.prod(program.full_shape(program.slot_dims[o]))) for o in outputs) * n_out
    per_draw = 8 * (3 * cells + 2 * kept)
    fits = int(max_memory_mb * 2**20 // per_draw)
    size = max(BLOCK, min(fits, 16 * BLOCK) // BLOCK * BLOCK)
    return min(size, n_draws)


def simulate(
    model: Model,
    draws: int = 1,
    params: Mapping[str, object] | None = None,
    priors: Mapping[str, Distribution] | None = None,
    seed: int = 0,
    interventions: Sequence[Intervention] = (),
    outputs: Sequence[str] | None = None,
    max_memory_mb: float = 512,
    chunk: int | None = None,
    progress: Callable[[int], None] | None = None,
    client=None,
    backend: str | None = None,
    kinds: Sequence[tuple[str, str]] = (),
):
    """Run ``draws`` parameter sets in one pass; return an xarray Dataset.

    ``params`` fixes parameters (a number, or one value per draw); ``priors`` maps
    parameter names to distributions to sample with ``seed``. ``outputs`` names what to
    keep (default: stocks, flows, recorded auxiliaries, non-negativity limits).
    ``client`` (a Dask client or scheduler address) runs the chunks on a cluster, with
    the same numbers as in process. ``backend``: see ``chosen_backend``; ``kinds``: see
    ``run_chunk``.
    """
    import xarray as xr

    program = compiled(model)
    params = {k: np.asarray(v, dtype=float) for k, v in (params or {}).items()}
    priors = dict(priors or {})
    _check_inputs(model, draws, params, priors)
    validate(model, interventions, draws)
    outputs = list(default_outputs(model) if outputs is None else outputs)
    unknown = [o for o in outputs if o not in program.slot or "__" in o]
    if unknown:
        raise ModelError(f"model '{model.name}' has nothing named {', '.join(unknown)} to output")
    size = chunk or chunk_size(program, draws, outputs, max_memory_mb)
    backend = chosen_backend(backend, draw_steps(model, draws))  # one choice for every chunk
    # draw-last buffers that chunks fill in place; the dataset gets draw-first views of them
    full = {name: np.empty(buffer_shape(program, name, draws)) for name in outputs}
    chunks = [(start, min(size, draws - start)) for start in range(0, draws, size)]
    drawn = sample(priors, draws, seed) if priors else {}
    if client is None:
        given = {**params, **drawn}  # every prior drawn once, here, for the dataset too
        for start, n in chunks:
            run_chunk(model, start, n, given, None, seed, interventions, outputs,
                      out={name: buffer[..., start:start + n] for name, buffer in full.items()},
                      backend=backend, kinds=kinds)
            if progress:
                progress(n)
    else:
        from ..scale.cluster import run_chunks

        def store(start, n, result):
            for name, array in result.items():
                full[name][..., start:start + n] = np.moveaxis(array, 0, -1)
            if progress:
                progress(n)

        run_chunks(client, run_chunk, model, chunks, store, params=params, priors=priors,
                   seed=seed, interventions=interventions, outputs=outputs, backend=backend,
                   kinds=kinds)
    arrays = {name: draws_first(buffer) for name, buffer in full.items()}
    drawn.update({k: v for k, v in params.items() if v.ndim > len(model[k].dims)})
    return to_dataset(model, arrays, drawn, seed, interventions, xr)


def _check_inputs(model, draws, params, priors) -> None:
    if draws < 1:
        raise ModelError("draws must be at least 1")
    for name in list(params) + list(priors):
        var = model.variables.get(name)
        if var is None or var.kind != "param":
            raise ModelError(f"model '{model.name}' has no parameter '{name}'")
    for name in priors:
        if model[name].dims:
            raise ModelError(f"parameter '{name}' has dimensions; priors are for scalars")
        if name in params:
            raise ModelError(f"parameter '{name}' is given both a value and a prior")
    for name, value in params.items():
        sizes = tuple(len(model.dimensions[d]) for d in model[name].dims)
        if value.shape not in (sizes, (draws,) + sizes):
            raise ModelError(f"parameter '{name}': values of shape {value.shape} fit neither "
                             f"{sizes} nor one per draw {(draws,) + sizes}")
        if not np.all(np.isfinite(value)):
            raise ModelError(f"parameter '{name}': values must be finite numbers")


def to_dataset(model, arrays, drawn, seed, interventions, xr):
    """Label arrays as an xarray Dataset: dims draw, time, then model dims."""
    program = compiled(model)
    n = next(iter(arrays.values())).shape[0] if arrays else 1
    time = xr.Variable("time", time_axis(model),
                       {} if model.calendar else {"units": model.time_unit})
    coords = {"draw": np.arange(n), "time": time}
    coords.update({d: list(dim.members) for d, dim in model.dimensions.items()})
    data = {}
    for name, array in arrays.items():
        dims = program.slot_dims[name]
        var = model.variables.get(name)
        attrs = {"kind": "limit", "units": "1",
                 "doc": "fraction of requested outflow delivered (1 = not limited)"}
        if var is not None:
            equation = var.equation()
            attrs = {"kind": var.kind, "units": var.unit or "", "doc": var.doc,
                     "equation": "" if equation is None else render(equation),
                     "claims": ", ".join(var.claims)}
        data[name] = xr.Variable(("draw", "time") + dims, array, attrs)
    for name, values in drawn.items():
        var = model[name]
        data[name] = xr.Variable(("draw",) + var.dims, values,
                                 {"kind": "param", "units": var.unit, "doc": var.doc})
    attrs = {"model": model.name, "seed": seed, "dt": model.dt, "time_unit": model.time_unit,
             "interventions": "; ".join(iv.what for iv in interventions)}
    return xr.Dataset(data, coords=coords, attrs=attrs)
