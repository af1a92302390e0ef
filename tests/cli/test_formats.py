"""Results as files and machine-readable output: ``--format csv|json`` puts one table on
stdout and nothing else; tables for people fit 80 columns without losing any."""

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from prospects.cli import app
from prospects.system import load_system

TOY = str(Path(__file__).resolve().parents[1] / "fixtures" / "toy")
TOY_BACKTEST = Path(__file__).resolve().parents[1] / "fixtures" / "backtests" / "toy.yaml"
runner = CliRunner()


def invoke(*args, columns=250):
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_project_prints_the_outcome_table_alone_on_stdout(tmp_path, fmt):
    result = invoke("project", "--system", TOY, "--draws", 50, "--format", fmt, "--out",
                    tmp_path)
    written = pd.read_csv(tmp_path / "toy-outcomes.csv")
    printed = pd.read_csv(io.StringIO(result.stdout)) if fmt == "csv" else \
        pd.DataFrame(json.loads(result.stdout))
    assert list(printed.columns) == ["scenario", "kind", "outcome", "label", "p", "se",
                                     "diff", "diff_se"]
    pd.testing.assert_frame_equal(printed[["p", "diff"]], written[["p", "diff"]], atol=1e-5)
    assert "wrote" in result.stderr and "wrote" not in result.stdout


def test_project_without_trajectories_has_paired_differences_too(tmp_path):
    invoke("project", "--system", TOY, "--draws", 50, "--seed", 5, "--out", tmp_path / "a")
    invoke("project", "--system", TOY, "--draws", 50, "--seed", 5, "--no-trajectories",
           "--out", tmp_path / "b")
    full, streamed = (pd.read_csv(tmp_path / p / "toy-outcomes.csv") for p in "ab")
    pd.testing.assert_frame_equal(full, streamed)
    assert (full["diff_se"] > 0).any()


def test_evidence_list_as_json_and_csv():
    claims = json.loads(invoke("evidence", "list", "--system", TOY, "--format",
                               "json").stdout)
    assert [c["id"] for c in claims] == list(load_system(TOY).evidence.claims)
    table = pd.read_csv(io.StringIO(invoke("evidence", "list", "--system", TOY, "--format",
                                           "csv").stdout))
    assert list(table.columns) == ["id", "asserted_by", "credibility", "period", "claim"]


def test_sensitivity_as_json(tmp_path):
    result = invoke("sensitivity", "--system", TOY, "--draws", 8, "--format", "json", "--out",
                    tmp_path)
    rows = json.loads(result.stdout)
    assert {"factor", "outcome", "S1", "ST"} <= set(rows[0])
    assert len(rows) == len(pd.read_csv(tmp_path / "toy-sensitivity.csv"))


def test_calibrate_and_backtest_as_csv(tmp_path):
    calibrated = invoke("calibrate", "--system", TOY, "--particles", 200, "--steps", 2,
                        "--format", "csv", "--out", tmp_path)
    tables = pd.read_csv(io.StringIO(calibrated.stdout))
    assert set(tables["table"]) == {"parameters", "fit"}
    assert set(load_system(TOY).priors) <= set(tables.parameter.dropna())
    assert "log evidence" in calibrated.stderr and "log evidence" not in calibrated.stdout
    invoke("project", "--system", TOY, "--draws", 50, "--out", tmp_path)
    scored = invoke("backtest", TOY_BACKTEST, "--system", TOY, "--format", "csv", "--out",
                    tmp_path)
    printed = pd.read_csv(io.StringIO(scored.stdout))
    assert printed["crps"].tolist() == pytest.approx(
        pd.read_csv(tmp_path / "toy-backtest.csv")["crps"].tolist())
    assert "coverage" in scored.stderr


def test_project_tables_fit_80_columns_and_keep_every_outcome(tmp_path):
    isk = load_system("isk")
    result = invoke("project", "--draws", 20, "--scenario", "status-quo", "--scenario",
                    "renewed-ceasefire", "--out", tmp_path, columns=80)
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    # every outcome has a column: the status quo's row holds one probability per outcome
    cells = [re.findall(r"\b[01]\.\d\d\b", line) for line in lines
             if line.startswith("│ status-quo")]
    assert len(cells) >= 2 and sum(map(len, cells)) == len(isk.outlook.outcomes)


def test_discover_as_json(tmp_path):
    rows = json.loads(invoke("discover", "--system", TOY, "--draws", 200, "--format", "json",
                             "--out", tmp_path).stdout)
    assert {"factor", "low", "high", "coverage", "density"} <= set(rows[0])


def test_isk_tables_fold_rather_than_crop_at_80_columns(tmp_path):
    """IS-K's long parameter and factor names: folded onto more lines, never cut short."""
    for args in (["calibrate", "--particles", 600, "--steps", 1, "--out", tmp_path],
                 ["discover", "--draws", 200, "--out", tmp_path], ["evidence", "list"],
                 ["run", "--draws", 300, "--out", tmp_path]):
        lines = invoke(*args, columns=80).stdout.splitlines()
        assert max(map(len, lines)) <= 80, args[0]
        assert not any("\u2026" in line for line in lines), args[0]


def test_run_prints_the_summary_quantiles_alone_on_stdout(tmp_path):
    result = invoke("run", "--system", TOY, "--draws", 40, "--format", "csv", "--out", tmp_path)
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == ["date", "output", "label", "unit", "q05", "median", "q95"]
    assert (table.q05 <= table["median"]).all() and (table["median"] <= table.q95).all()
    assert (tmp_path / "toy-prior.nc").is_file()


def test_run_progress_moves_before_the_end(tmp_path, monkeypatch):
    """`run`'s bar advances chunk by chunk (it sat at 0/10000 until the end): the real bar,
    its advances recorded."""
    import prospects.cli.run as run_command

    seen = []

    class Recorded(run_command.progress_bar):
        def __init__(self, description, total):
            super().__init__(description, total)
            seen.append((total, []))

        def __call__(self, advance):
            seen[-1][1].append(advance)
            super().__call__(advance)

    monkeypatch.setattr(run_command, "progress_bar", Recorded)
    invoke("run", "--draws", 2048, "--out", tmp_path)
    [(total, advances)] = seen
    assert total == 2048 and sum(advances) == total
    assert len(advances) >= 4 and max(advances) <= total // 4
