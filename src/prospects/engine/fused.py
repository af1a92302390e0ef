"""The compiled backend: a model's fused kernel (``kernel.plan``) built, cached and run.

A kernel's source is written to a cache folder (``PROSPECTS_CACHE``, else
``~/.cache/prospects/kernels``) under the hash of the source and of ``vecmath``, and
numba caches its machine code beside it (``cache=True``), so a model compiles once per
machine; the
first compile's time is kept in ``compile_seconds``. Blocks of draws are shared among
threads (``PROSPECTS_THREADS``, else every core), each taking the next block when it is
free, so that a thread slowed by another process holds the others up by one block at
most: the kernel releases the GIL, and a batch of one block runs in the calling thread
with no pool.

``integrate`` fills a run's output buffers and returns True, or returns False for the
NumPy backend to do the run: when a kernel cannot be generated (with a one-line note),
when ``wait`` is False and the kernel is not compiled yet, and when a
value came out non-finite (NumPy's backend then names it).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import itertools
import os
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from weakref import WeakKeyDictionary

import numpy as np

from .compile import Program
from .kernel import Plan, Unsupported, plan
from .lower import Override
from .sampling import stream

BLOCK = 512
"""Draws per block: the kernel's inner loop."""

STREAM_BYTES = 8 * 2**20
"""A call whose outputs are larger than this writes them past the cache (the kernel's
``stream``): more than a core's share of cache, they would be read in only to be
written back. Smaller outputs stay in the cache for what reads them next."""

compile_seconds: dict[str, float] = {}
"""Seconds each kernel (by hash) took to compile or load in this process."""

_kernels: dict[str, object] = {}
_plans: WeakKeyDictionary = WeakKeyDictionary()  # program -> {key: Plan or why not}
_noted: set[str] = set()
_local = threading.local()  # each thread's work array
_lock = threading.Lock()
_pool: list[ThreadPoolExecutor] = []


def cache_folder() -> Path:
    folder = os.environ.get("PROSPECTS_CACHE")
    path = Path(folder) if folder else Path.home() / ".cache" / "prospects" / "kernels"
    path.mkdir(parents=True, exist_ok=True)
    return path


def threads() -> int:
    wanted = os.environ.get("PROSPECTS_THREADS")
    return max(1, int(wanted)) if wanted else len(os.sched_getaffinity(0))


def block_size() -> int:
    wanted = os.environ.get("PROSPECTS_BLOCK")
    return max(1, int(wanted)) if wanted else BLOCK


def _note(text: str) -> None:
    if text not in _noted:
        _noted.add(text)
        print(f"note: {text}; running with the NumPy backend", file=sys.stderr)


def _plan(program: Program, outputs, overrides, block: int) -> Plan | None:
    # keyed by the program itself (weakly), never by id(): a freed program's id is reused
    plans = _plans.setdefault(program, {})
    key = (tuple(outputs), tuple((o.target, o.how) for o in overrides), block)
    if key not in plans:
        try:
            plans[key] = plan(program, outputs, overrides, block)
        except Unsupported as why:
            plans[key] = f"model '{program.model.name}' cannot be compiled ({why})"
    found = plans[key]
    if isinstance(found, str):
        _note(found)
        return None
    return found


@functools.lru_cache(maxsize=64)
def _digest(source: str) -> str:
    """The cache key of a kernel: its source and the helpers it calls, whose machine code
    numba's cache holds with it (a change to them compiles the kernel anew)."""
    return hashlib.sha256(source.encode() + _helpers()).hexdigest()[:20]


@functools.cache
def _helpers() -> bytes:
    return Path(__file__).with_name("vecmath.py").read_bytes()  # unimported: numba costs 0.3 s


def _load(source: str, digest: str):
    """Compile (or load numba's cached machine code for) one kernel source."""
    path = cache_folder() / f"kernel_{digest}.py"
    if not path.exists():
        temp = path.with_suffix(f".{os.getpid()}.tmp")
        temp.write_text(source)
        temp.replace(path)  # atomic: another process may be writing the same file
    start = time.perf_counter()
    spec = importlib.util.spec_from_file_location(f"prospects_kernel_{digest}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # numba's cache finds the kernel's module by name
    spec.loader.exec_module(module)  # the decorator with a signature compiles it here
    compile_seconds[digest] = time.perf_counter() - start
    return module.kernel


def kernel(source: str, wait: bool = True):
    """The compiled kernel of ``source``, compiling it if need be; with ``wait`` False,
    None unless it is compiled already, in this process or in the cache on disk (loading
    takes well under a second). Compiling in the background was tried and dropped: on a
    2-core machine it took a core from the run it was meant to speed up (the default
    report's CPU time went from 12 s to 28 s) and short commands ended before using it."""
    digest = _digest(source)
    with _lock:
        found = _kernels.get(digest)
        if found is None and (wait or (cache_folder() / f"kernel_{digest}.py").exists()):
            found = _kernels[digest] = _load(source, digest)
        return found


def prepare(program: Program, outputs, kinds=()) -> tuple[float, bool] | None:
    """Compile the kernel for ``outputs`` and ``kinds`` of interventions, or load it from
    the cache: (seconds, whether it was compiled), or None if the model cannot be."""
    found = _plan(program, list(outputs), _padded([], kinds), block_size())
    if found is None:
        return None
    cached = (cache_folder() / f"kernel_{_digest(found.source)}.py").exists()
    started = time.perf_counter()
    kernel(found.source)
    return time.perf_counter() - started, not cached


def integrate(program: Program, values: list, overrides, outputs, out, n: int, start: int,
              seed: int, n_out: int, wait: bool = True, kinds=()) -> bool:
    """Run one chunk of ``n`` draws (from draw ``start``) into ``out`` (draw-last
    buffers by output name); False if the NumPy backend has to (see the module). The
    kernel serves ``kinds`` of interventions as well as ``overrides``' (``_padded``)."""
    block = block_size()
    overrides = _padded(overrides, kinds)
    found = _plan(program, outputs, overrides, block)
    if found is None:
        return False
    run = kernel(found.source, wait)
    if run is None:
        return False
    P = np.empty((sum(cells for _, cells in found.params), n))
    rows, numbers = [], []  # the rows of parameters that are one number for all draws
    for (first, last, shape), (name, _) in zip(_param_rows(found), found.params, strict=True):
        value = values[program.slot[name]]
        if isinstance(value, float):
            rows.append(first)
            numbers.append(value)
        else:  # broadcast along the draws if shared
            P[first:last] = value.reshape(shape)
    if rows:
        P[rows] = np.array(numbers)[:, None]
    if overrides:
        OV, MK, T0, T1 = _overrides(program, overrides, n, start)
    else:
        OV = MK = _NONE2
        T0 = T1 = _NONE1
    NZ = _noise(program, found, n, start, seed, n_out)
    OUT, ST = [], np.empty((len(found.outputs), 2), dtype=np.int64)
    copies = []  # buffers the kernel cannot write in place: filled, then copied
    for k, name in enumerate(found.outputs):
        buffer = out[name]
        if buffer.flags.c_contiguous:  # (time, *sizes, n), as run_chunk makes them
            OUT.append(buffer.reshape(-1))
            ST[k] = buffer.size // buffer.shape[0], n
            continue
        view = buffer.reshape(buffer.shape[0], -1, n)
        flat = _flat(view) if np.may_share_memory(view, buffer) else None
        if flat is None:
            view = np.empty(view.shape)
            copies.append((k, name, view))
            flat = _flat(view)
        OUT.append(flat)
        ST[k] = [stride // 8 for stride in view.strides[:2]]
    OUT = tuple(OUT)
    stream = 8 * n_out * sum(out[name][0].size for name in found.outputs) > STREAM_BYTES
    blocks = -(-n // block)
    workers = min(threads(), blocks)
    if workers == 1:
        finite = bool(run(_scratch(found.scratch), P, OV, MK, T0, T1, NZ, OUT, ST, n, n_out,
                          0, blocks, stream))
    else:
        claims = itertools.count()  # the next block: taken by whichever thread is free

        def work(_):
            W, finite = _scratch(found.scratch), True
            for b in claims:
                if b >= blocks:
                    return finite
                finite &= run(W, P, OV, MK, T0, T1, NZ, OUT, ST, n, n_out, b, b + 1, stream)

        finite = all(_threads(workers).map(work, range(workers)))
    for _, name, view in copies:
        out[name][...] = view.reshape(out[name].shape)
    return finite


_NONE1, _NONE2 = np.empty(0), np.empty((0, 1))  # no interventions


def _padded(overrides: list[Override], kinds) -> list[Override]:
    """``overrides`` in the order of ``kinds`` (sorted by target, then how), with an
    override that never acts for each of ``kinds`` they lack: scenarios of different
    interventions then run one kernel. Overrides of one target act in the order given, so
    they are left as they are when sorting would change that order."""
    if not kinds:
        return overrides
    for target in {o.target for o in overrides}:
        hows = [o.how for o in overrides if o.target == target]
        if hows != sorted(hows):
            return overrides
    lacking = Counter(kinds) - Counter((o.target, o.how) for o in overrides)
    idle = [Override(target, how, _IDLE, None, np.inf, np.inf)
            for target, how in lacking.elements()]
    return sorted([*overrides, *idle], key=lambda o: (o.target, o.how))  # stable: real first


_IDLE = np.asarray(1.0)  # the value of an override that never acts


def _overrides(program: Program, overrides, n: int, start: int):
    """The interventions' values for the chunk's draws (OV), member masks (MK) and
    windows (T0, T1), one row each."""
    OV = np.empty((len(overrides), n))
    widest = max(int(np.prod(program.full_shape(program.slot_dims[o.target])))
                 for o in overrides)
    MK = np.ones((len(overrides), widest))
    for k, ov in enumerate(overrides):
        OV[k] = ov.value[start:start + n] if ov.value.ndim == 1 else ov.value
        if ov.mask is not None:
            MK[k, :ov.mask.size] = ov.mask.ravel()
    T0 = np.array([o.start for o in overrides], dtype=float)
    T1 = np.array([o.end for o in overrides], dtype=float)
    return OV, MK, T0, T1


def _flat(view: np.ndarray) -> np.ndarray | None:
    """The memory of a (time, cells, draws) view with contiguous draws as one flat array
    from its first element to its last, so that the kernel's stores along the draws
    vectorise (with strides it does not know, LLVM does not); None for another layout."""
    if view.flags.c_contiguous:
        return view.reshape(-1)
    item = view.itemsize
    if view.strides[2] != item or any(s < 0 or s % item for s in view.strides[:2]):
        return None
    span = sum((size - 1) * stride for size, stride in zip(view.shape, view.strides,
                                                            strict=True)) // item + 1
    return np.lib.stride_tricks.as_strided(view, shape=(span,), strides=(item,))


@functools.lru_cache(maxsize=64)
def _param_rows(found: Plan) -> list[tuple[int, int, tuple[int, int]]]:
    """Each parameter's rows of P, and its values' shape as (cells, draws or 1)."""
    rows, first = [], 0
    for _, cells in found.params:
        rows.append((first, first + cells, (cells, -1)))
        first += cells
    return rows


def _scratch(size: int) -> np.ndarray:
    """This thread's work array for a kernel (``Plan.scratch`` long), kept from call to
    call rather than allocated and zeroed for each (217 KiB for the benchmark model, 1 MiB
    for IS-K's, whatever the number of draws). What the kernel reads of it, it has
    written first in the same call."""
    found = getattr(_local, "scratch", None)
    if found is None or found.size < size:
        found = _local.scratch = np.empty(size)
    return found[:size]


def _threads(workers: int) -> ThreadPoolExecutor:
    with _lock:
        if not _pool or _pool[0]._max_workers < workers:
            _pool[:] = [ThreadPoolExecutor(workers, thread_name_prefix="prospects-kernel")]
        return _pool[0]


def _noise(program: Program, found: Plan, n: int, start: int, seed: int, n_out: int):
    """Uniform numbers of every random stream for every step: (steps, cells, n)."""
    if not found.noises:
        return np.empty((0, 0, n))
    model = program.model
    n_steps = (n_out - 1) * int(round(model.output_step / model.dt))
    parts = []
    for name, cells in found.noises:
        shape = program.full_shape(program.slot_dims[name])
        parts.append(np.stack([stream(name, k, shape, start, n, seed).reshape(cells, n)
                               for k in range(n_steps + 1)]))
    return np.ascontiguousarray(np.concatenate(parts, axis=1))
