"""``prospects import``: a model file becomes a system folder that ``run`` runs, a model
file runs as it is, hostile text stays text, and an unsupported construct is refused in
one line with nothing written."""

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from typer.testing import CliRunner

from prospects.cli import app
from prospects.interop.build import build_model
from prospects.interop.read import TranslationError, read_model
from prospects.system import load_system

pytest.importorskip("pysd")

SUITE = Path("/work/shared/test-models/tests")
if not SUITE.is_dir():
    SUITE = Path(__file__).parents[3] / "shared" / "test-models" / "tests"
TEACUP = """{UTF-8}
Heat Loss to Room = (Teacup Temperature - Room Temperature) / Characteristic Time
\t~\tDegrees/Minute\t~\tHeat flow.\t|
Teacup Temperature = INTEG(-Heat Loss to Room, 180)
\t~\tDegrees\t~\t|
Room Temperature = 70
\t~\tDegrees\t~\t|
Characteristic Time = 10
\t~\tMinutes\t~\t|
FINAL TIME = 30
\t~\tMinute\t~\t|
INITIAL TIME = 0
\t~\tMinute\t~\t|
SAVEPER = 1
\t~\tMinute\t~\t|
TIME STEP = 0.125
\t~\tMinute\t~\t|
"""
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def teacup(tmp_path) -> Path:
    path = tmp_path / "teacup.mdl"
    path.write_text(TEACUP)
    return path


def cooled(level: float, steps: int) -> float:
    for _ in range(steps):
        level -= 0.125 * (level - 70.0) / 10.0
    return level


def test_import_writes_a_folder_that_run_runs(teacup, tmp_path):
    folder = tmp_path / "teacup-system"
    result = invoke("import", teacup, "--to", folder)
    assert result.exit_code == 0, result.output
    params = {p["name"]: p for p in yaml.safe_load((folder / "parameters.yaml").read_text())}
    assert params["room_temperature"]["default"] == 70.0
    assert params["characteristic_time"]["unit"] == "minutes"
    assert yaml.safe_load((folder / "claims.yaml").read_text()) == []
    result = invoke("run", "--system", folder, "--draws", 5, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "Teacup" in result.output and "(minute)" in result.output
    ds = xr.open_dataset(tmp_path / "out" / "teacup-system-prior.nc")
    assert ds["time"].attrs["units"] == "minute"
    np.testing.assert_allclose(ds["teacup_temperature"].sel(time=30.0).values,
                               cooled(180.0, 240), rtol=1e-6)


def test_parameters_yaml_sets_the_constants_and_priors_make_an_ensemble(teacup, tmp_path):
    folder = tmp_path / "teacup-system"
    assert invoke("import", teacup, "--to", folder).exit_code == 0
    entries = yaml.safe_load((folder / "parameters.yaml").read_text())
    for entry in entries:
        if entry["name"] == "room_temperature":
            entry["default"] = 20.0
        if entry["name"] == "characteristic_time":
            entry["prior"] = {"dist": "uniform", "low": 5, "high": 20}
    (folder / "parameters.yaml").write_text(yaml.safe_dump(entries))
    system = load_system(folder)
    assert float(system.model["room_temperature"].default) == 20.0
    assert list(system.priors) == ["characteristic_time"]


def test_system_option_runs_a_model_file(teacup, tmp_path):
    result = invoke("run", "--system", teacup, "--draws", 2, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    ds = xr.open_dataset(tmp_path / "out" / "teacup-prior.nc")
    np.testing.assert_allclose(ds["teacup_temperature"].isel(draw=0, time=-1).values,
                               cooled(180.0, 240), rtol=1e-6)


def test_hostile_names_and_text_are_imported_as_plain_text(tmp_path):
    marker = tmp_path / "pwned"
    code = f"__import__('os').system('touch {marker}')"
    text = TEACUP.replace("Room Temperature", f'"{code}"').replace(
        "Heat flow.", f"{code} ; exec('{code}')")
    path = tmp_path / "hostile.mdl"
    path.write_text(text)
    data = read_model(path)
    names = [v["name"] for v in data["variables"]]
    assert all(n.replace("_", "").isalnum() for n in names)
    model = build_model(data)
    labels = {v.label for v in model.variables.values()}
    assert code in labels  # kept as a label, never as a name or an equation
    result = invoke("run", "--system", path, "--draws", 1, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert not marker.exists()


def test_unsupported_construct_is_one_line_and_writes_nothing(tmp_path):
    path = tmp_path / "data.mdl"
    path.write_text(TEACUP.replace("Room Temperature = 70",
                                   "Room Temperature = GET XLS DATA('x.xls', 'a', '1', 'B2')"))
    with pytest.raises(TranslationError, match="variable 'Room Temperature': GET"):
        read_model(path)
    folder = tmp_path / "out"
    result = invoke("import", path, "--to", folder)
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert str(path) in result.output and "Room Temperature" in result.output
    assert not folder.exists()


def test_import_refuses_a_folder_in_use(teacup, tmp_path):
    folder = tmp_path / "full"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    result = invoke("import", teacup, "--to", folder)
    assert result.exit_code == 1 and "not an empty folder" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("rhs", ["__import__('os').system('touch pwned')", "__import__(1)",
                                 "eval(1)"])
def test_python_code_in_an_equation_is_refused_in_one_line(rhs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "hostile.mdl"
    path.write_text(TEACUP.replace("Room Temperature = 70", f"Room Temperature = {rhs}"))
    for args in (("import", path, "--to", tmp_path / "system"),
                 ("run", "--system", path, "--out", tmp_path / "out")):
        result = invoke(*args)
        assert result.exit_code == 1
        assert len(result.output.strip().splitlines()) == 1 and str(path) in result.output
    assert not (tmp_path / "system").exists() and not (tmp_path / "out").exists()
    assert not (tmp_path / "pwned").exists()


ARRAYED = """{UTF-8}
region:\n\tnorth, south\n\t~\t\n\t~\t\t|
people[region] = INTEG(births[region], 100)\n\t~\tperson\t~\t|
births[region] = people[region] * birth rate[region] * effect(Time)\n\t~\tperson/Month\t~\t|
birth rate[region] = 0.02, 0.05\n\t~\t1/Month\t~\t|
effect(\n\t[(0,0)-(10,2)],(0,1),(10,2))\n\t~\tDmnl\t~\t|
FINAL TIME = 8\n\t~\tMonth\t~\t|
INITIAL TIME = 0\n\t~\tMonth\t~\t|
SAVEPER = 1\n\t~\tMonth\t~\t|
TIME STEP = 0.5\n\t~\tMonth\t~\t|
"""


def test_an_arrayed_model_with_a_lookup_imports_and_runs(tmp_path):
    path = tmp_path / "growth.mdl"
    path.write_text(ARRAYED)
    folder = tmp_path / "growth-system"
    assert invoke("import", path, "--to", folder).exit_code == 0
    params = {p["name"]: p for p in yaml.safe_load((folder / "parameters.yaml").read_text())}
    assert params["birth_rate"]["default"] == {"north": 0.02, "south": 0.05}
    result = invoke("run", "--system", folder, "--draws", 3, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    people = xr.open_dataset(tmp_path / "out" / "growth-system-prior.nc")["people"]
    expected = 100.0
    for k in range(16):  # Euler steps of 0.5 with the lookup's effect 1 + t / 10
        expected += 0.5 * expected * 0.05 * (1 + 0.05 * k)
    np.testing.assert_allclose(people.isel(draw=0, time=-1).sel(region="south"), expected,
                               rtol=1e-6)  # the file stores float32
    assert float(people.isel(draw=0, time=-1).sel(region="north")) < expected
