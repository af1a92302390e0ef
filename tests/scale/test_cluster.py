"""Scale-out on a real Dask LocalCluster with two worker processes."""

import os
import signal
import threading
import time

import dask
import numpy as np
import pytest

from prospects.engine import simulate
from prospects.scale import ScaleError, run_chunks, summarise
from prospects.system import load_system

distributed = pytest.importorskip("distributed")
OUTPUTS = ["total_fighters", "cash", "bases_held", "control", "activity"]


@pytest.fixture(scope="module")
def isk():
    return load_system("isk")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=40)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_cluster_run_equals_the_in_process_run(isk, client):
    here = simulate(isk.model, draws=5000, priors=isk.priors, seed=3, outputs=OUTPUTS,
                    chunk=1024)
    there = simulate(isk.model, draws=5000, priors=isk.priors, seed=3, outputs=OUTPUTS,
                     chunk=1024, client=client)
    assert set(client.scheduler_info()["workers"]) and len(client.scheduler_info()["workers"]) == 2
    for name in OUTPUTS:
        assert np.array_equal(here[name].values, there[name].values)


def test_streaming_summary_matches_exact_quantiles_and_counts(isk, client):
    outcomes = isk.outlook.outcomes
    summary = summarise(isk.model, 8192, ["total_fighters", "cash", "bases_held", "activity"],
                        priors=isk.priors, seed=2, outcomes=outcomes, chunk=2048,
                        client=client)
    local = summarise(isk.model, 8192, ["total_fighters", "cash", "bases_held", "activity"],
                      priors=isk.priors, seed=2, outcomes=outcomes, chunk=2048)
    assert summary.identical(local)
    full = simulate(isk.model, draws=8192, priors=isk.priors, seed=2,
                    outputs=["total_fighters", "cash", "bases_held", "activity"])
    exact = full.total_fighters.quantile(list(summary["quantile"].values), dim="draw")
    width = (full.total_fighters.max() - full.total_fighters.min()).item() * 2 / 2048
    assert np.abs(summary.total_fighters.values - exact.values).max() <= 1.01 * width
    below = (full.total_fighters.sel(time="2021-12") < 2000).mean().item()
    hits = summary.outcome_events.sel(outcome="fighters-below-2000-2021-12")
    assert float(hits.mean()) == pytest.approx(below)


def test_a_worker_killed_mid_run_does_not_change_the_result(isk, client):
    here = simulate(isk.model, draws=60 * 1024, priors=isk.priors, seed=5,
                    outputs=["total_fighters"], chunk=1024)
    by_address = client.run(os.getpid)
    victim = next(iter(by_address))

    def kill_one():  # once the victim is running chunks of the cluster run, not before
        deadline = time.monotonic() + 60
        while not client.processing().get(victim) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(by_address[victim], signal.SIGKILL)

    killer = threading.Thread(target=kill_one)
    killer.start()
    there = simulate(isk.model, draws=60 * 1024, priors=isk.priors, seed=5,
                     outputs=["total_fighters"], chunk=1024, client=client)
    killer.join()
    assert by_address[victim] not in client.run(os.getpid).values()  # that worker really died
    assert np.array_equal(here.total_fighters.values, there.total_fighters.values)


def _dies(model, start, n):
    os._exit(1)


def test_a_task_that_keeps_killing_workers_fails_with_a_clear_error(isk):
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=":0", silence_logs=50)
        with distributed.Client(cluster) as c:
            received = []
            with pytest.raises(ScaleError, match="kept killing Dask workers"):
                run_chunks(c, _dies, isk.model, [(0, 10)], lambda *a: received.append(a))
            assert received == []
        cluster.close()


def test_cli_runs_on_a_scheduler_address_with_the_same_numbers(client, tmp_path):
    import xarray as xr
    from typer.testing import CliRunner

    from prospects.cli import app

    address = client.scheduler.address
    for where, extra in (("here", []), ("there", ["--cluster", address])):
        result = CliRunner().invoke(app, ["run", "--draws", "2048", "--out",
                                          str(tmp_path / where)] + extra)
        assert result.exit_code == 0, result.output
    here = xr.open_dataset(tmp_path / "here" / "isk-prior.nc")
    there = xr.open_dataset(tmp_path / "there" / "isk-prior.nc")
    assert here.identical(there)


def test_calibration_on_the_cluster_equals_the_in_process_one(client):
    from pathlib import Path

    from prospects.inference.calibrate import calibrate

    toy = load_system(Path(__file__).parents[1] / "fixtures" / "toy")
    here = calibrate(toy, particles=1500, runs=2, steps=2, seed=4)
    there = calibrate(toy, particles=1500, runs=2, steps=2, seed=4, client=client)
    for name in here.idata.posterior.data_vars:
        assert np.array_equal(here.idata.posterior[name].values,
                              there.idata.posterior[name].values)
    assert here.log_evidence == there.log_evidence
