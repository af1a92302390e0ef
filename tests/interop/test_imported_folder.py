"""An imported folder has a default outlook (the model's stocks, times spread over its
run) and a baseline scenario, so that ``project``, ``report`` and ``model show`` work on
it as on a hand-written system. The model is the suite's teacup (read in place)."""

from pathlib import Path

import pytest
import xarray as xr
import yaml
from typer.testing import CliRunner

from prospects.cli import app
from prospects.system import load_system

pytest.importorskip("pysd")

SUITE = Path("/work/shared/test-models/tests")
if not SUITE.is_dir():
    SUITE = Path(__file__).parents[3] / "shared" / "test-models" / "tests"
TEACUP = SUITE / "odd_number_quotes" / "teacup_3quotes.mdl"
runner = CliRunner()


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def folder(tmp_path) -> Path:
    folder = tmp_path / "teacup"
    invoke("import", TEACUP, "--to", folder)
    entries = yaml.safe_load((folder / "parameters.yaml").read_text())
    for entry in entries:  # an uncertain room, so that the ensemble spreads
        if entry["name"] == "room_temperature":
            entry["prior"] = {"dist": "uniform", "low": 60, "high": 80}
    (folder / "parameters.yaml").write_text(yaml.safe_dump(entries))
    return folder


def test_the_default_outlook_shows_the_stocks_over_the_run(folder):
    outlook = yaml.safe_load((folder / "outlook.yaml").read_text())
    assert [o["variable"] for o in outlook["outputs"]] == ["teacup_temperature"]
    assert outlook["outputs"][0]["label"] == "Teacup Temperature"
    assert outlook["outputs"][0]["unit"] == "Degrees Fahrenheit"
    assert outlook["summary_dates"] == [0.0, 7.5, 15.0, 22.5, 30.0]
    assert outlook["horizon"] == 30.0 and "collapse" not in outlook
    system = load_system(folder)  # validated as a hand-written one is
    assert system.outlook.headline[0].variable == "teacup_temperature"
    assert list(system.scenarios) == ["baseline"]


def test_project_and_report_run_on_an_imported_folder(folder, tmp_path):
    out = tmp_path / "out"
    text = invoke("project", "--system", folder, "--draws", 64, "--out", out)
    assert "Teacup Temperature (Degrees Fahrenheit), median [90% interval]" in text
    assert all(f" {when} " in text for when in ("7.5", "15", "22.5", "30"))
    q = xr.open_dataset(out / "teacup-projection-quantiles.nc")["teacup_temperature"]
    low, median, high = (float(q.sel(scenario="baseline", time=30.0, quantile=p))
                         for p in (0.05, 0.5, 0.95))
    # at 30 minutes the tea is 110 e^-3 (about 5.5 degrees) above a room of 60 to 80
    assert 65 < low < median < high < 86
    assert f"{median:.3g}" in text

    invoke("report", "--system", folder, "--draws", 64, "--sensitivity", 8,
           "--discover", 0, "--out", out)
    page = (out / "teacup-report.html").read_text()
    assert "Teacup Temperature" in page and "As written" in page
    assert page.count("<svg") >= 3  # the projection's fan, the why panels, the diagram
    sobol = page[page.index("Teacup Temperature: total Sobol"):]
    assert "Room Temperature" in sobol[:sobol.index("</svg>")]  # the uncertain factor
    assert "headline output in 30:" in page
    assert "projection start (0)" in page


def test_model_show_lists_the_imported_equations(folder):
    text = invoke("model", "show", "--system", folder)
    assert "teacup_temperature" in text and "heat_loss_to_room" in text


def test_a_model_file_run_directly_has_the_outlook_and_baseline_an_import_writes(tmp_path):
    """``--system MODEL.mdl``: the same default outlook and baseline scenario as the
    folder ``prospects import`` writes, so ``project`` and ``report`` run on the file."""
    system = load_system(TEACUP)
    assert list(system.scenarios) == ["baseline"]
    assert system.outlook.status_quo == "baseline"
    assert [o.variable for o in system.outlook.outputs] == ["teacup_temperature"]
    assert system.outlook.summary_dates == [0.0, 7.5, 15.0, 22.5, 30.0]
    out = tmp_path / "out"
    text = invoke("project", "--system", TEACUP, "--draws", 16, "--out", out)
    assert "Teacup Temperature (Degrees Fahrenheit), median [90% interval]" in text
    q = xr.open_dataset(out / "teacup_3quotes-projection-quantiles.nc")["teacup_temperature"]
    # no priors: every draw the same, the tea 110 e^-3 above a room of 70 at 30 minutes
    assert float(q.sel(scenario="baseline", time=30.0, quantile=0.5)) == \
        pytest.approx(70 + 110 * 2.718281828 ** -3, rel=0.02)
    invoke("report", "--system", TEACUP, "--draws", 16, "--sensitivity", 8, "--discover", 0,
           "--out", out)
    page = (out / "teacup_3quotes-report.html").read_text()
    assert "Teacup Temperature" in page and "As written" in page


def test_sensitivity_of_a_model_file_says_where_priors_go():
    """A model file has no priors: sensitivity says, in one line, how to give some."""
    result = runner.invoke(app, ["sensitivity", "--system", str(TEACUP)])
    assert result.exit_code == 1
    assert "nothing to vary" in result.output and "prospects import" in result.output
