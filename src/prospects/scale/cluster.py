"""Chunks of draws as Dask tasks. Every chunk draws its own parameters from streams keyed
by (seed, block of draws), so a cluster run equals the in-process run number for number.

If a worker dies, the scheduler gives its tasks to another worker (up to Dask's
``distributed.scheduler.allowed-failures`` times); if a task keeps killing workers the run
stops with ``ScaleError``, never a partial result.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

from ..errors import UserError


class ScaleError(UserError, RuntimeError):
    """A cluster run that could not finish, in one line."""


def connect(cluster):
    """A Dask client from a scheduler address ("tcp://host:8786") or an existing client;
    None (run in process) for None, without importing Dask."""
    if cluster is None:
        return None
    from ..extras import require

    Client = require("distributed").Client
    if isinstance(cluster, Client):
        return cluster
    try:
        return Client(cluster, timeout="10s")
    except (OSError, TimeoutError, ValueError) as err:
        raise ScaleError(f"cannot reach the Dask scheduler at {cluster}: {err}") from None


@contextmanager
def connected(cluster):
    """``connect`` for the length of a ``with`` block; a client made here is closed after."""
    client = connect(cluster)
    try:
        yield client
    finally:
        if client is not None and client is not cluster:
            client.close()


def _on_worker(task: Callable, model, start: int, n: int, **kwargs):
    """``task`` on a worker, with freed memory kept for the engine's temporaries: Dask
    starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which made a chunk 2.3 times
    slower (see ``engine.memory``). The worker process is Prospects' own for the run."""
    from ..engine.memory import keep_freed_memory

    keep_freed_memory()
    return task(model, start, n, **kwargs)


def _ship(client, model, attempts: int = 3):
    """The model on every worker, under a key of its own per call. A worker that dies while
    it receives the model fails the scatter; the scheduler has dropped it by then, so the
    scatter is tried again on the workers that are left."""
    from distributed.comm import CommClosedError

    for attempt in range(attempts):
        try:
            return client.scatter(model, broadcast=True, hash=False)
        except (CommClosedError, OSError) as err:
            if attempt == attempts - 1:
                raise ScaleError(f"could not send the model to the Dask workers: {err}") from None


def run_chunks(client, task: Callable, model, chunks: list[tuple[int, int]],
               on_result: Callable[[int, int, object], None], **kwargs) -> None:
    """Run ``task(model, start, n, **kwargs)`` for each chunk on the cluster and hand each
    result to ``on_result(start, n, result)`` as it arrives (the order is not fixed)."""
    from distributed import as_completed
    from distributed.client import FutureCancelledError

    try:
        from distributed.scheduler import KilledWorker
    except ImportError:  # older distributed
        from distributed import KilledWorker
    client = connect(client)
    shipped = _ship(client, model)
    futures = {client.submit(_on_worker, task, shipped, start, n, pure=False, **kwargs):
               (start, n) for start, n in chunks}
    try:
        for future in as_completed(futures):
            start, n = futures[future]
            on_result(start, n, future.result())
            future.release()
    except KilledWorker as err:
        raise ScaleError(f"a chunk of draws kept killing Dask workers; the run was stopped "
                         f"with nothing written ({err})") from None
    except FutureCancelledError as err:
        # when every worker holding the model has died, its tasks are cancelled before the
        # scheduler gives up on them: the same failure as a chunk that kept killing workers
        raise ScaleError(f"the cluster cancelled the run: its workers died or lost the "
                         f"model (a chunk of draws may have kept killing Dask workers); "
                         f"nothing was written ({err})") from None
    finally:
        for future in futures:
            future.cancel()
