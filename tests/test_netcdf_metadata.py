"""Files the tool writes follow CF-1.10, carry the version and model fingerprint, and keep
ensembles small (float32, zlib)."""

import netCDF4
import pytest
from typer.testing import CliRunner

from prospects import __version__
from prospects.cli import app
from prospects.files import udunits
from prospects.inference.calibrate import model_fingerprint
from prospects.system import load_system


@pytest.mark.parametrize(("unit", "valid"), [
    ("person", "1"), ("USD", "1"), ("USD/month", "1/month"), ("(person) / month", "1/month"),
    ("USD/person/month", "1/month"), ("(1) / month", "1/month"), ("month", "month"),
    ("1", "1"), ("1/month", "1/month")])
def test_model_units_map_to_udunits(unit, valid):
    assert udunits(unit) == valid


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    for args in (["run", "--draws", "200"], ["project", "--draws", "20"]):
        result = CliRunner().invoke(app, [*args, "--out", str(out)])
        assert result.exit_code == 0, result.output
    return sorted(out.glob("*.nc"))


def test_every_file_is_cf_with_version_fingerprint_and_long_names(files):
    fingerprint = model_fingerprint(load_system("isk"))
    assert len(files) == 3
    for path in files:
        with netCDF4.Dataset(path) as nc:
            assert nc.Conventions == "CF-1.10"
            assert nc.prospects_version == __version__ and nc.fingerprint == fingerprint
            assert nc["time"].axis == "T" and nc["time"].standard_name == "time"
            assert "since" in nc["time"].units
            fighters = nc["total_fighters"]
            assert fighters.long_name == fighters.doc
            assert fighters.units == "1" and fighters.model_units == "person"
            for name, var in nc.variables.items():
                assert name in nc.dimensions or "long_name" in var.ncattrs(), (path, name)


def test_ensembles_are_float32_with_zlib(files):
    with netCDF4.Dataset(next(p for p in files if p.name.endswith("prior.nc"))) as nc:
        fighters = nc["fighters"]
        assert fighters.dtype.name == "float32"
        assert fighters.filters()["zlib"] and fighters.filters()["complevel"] == 1


def _units_in(path):
    """Every ``units`` attribute in the file, in every group."""
    with netCDF4.Dataset(path) as nc:
        groups = [nc, *nc.groups.values()]
        return [(g.path, name, var.units) for g in groups for name, var in g.variables.items()
                if "units" in var.ncattrs()]


def test_every_unit_parses_in_udunits(files, tmp_path):
    """Units are checked by UDUNITS-2 itself (through cf-units), in every file we write,
    the posterior's groups included."""
    cf_units = pytest.importorskip("cf_units")
    result = CliRunner().invoke(app, ["calibrate", "--system", "tests/fixtures/linear",
                                      "--particles", "200", "--steps", "4",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    posterior = next(tmp_path.glob("*posterior.nc"))
    with netCDF4.Dataset(posterior) as nc:
        for group in nc.groups.values():
            assert group.Conventions == "CF-1.10", group.path
            for name, var in group.variables.items():
                assert name in group.dimensions or "long_name" in var.ncattrs(), name
    checked = [entry for path in [*files, posterior] for entry in _units_in(path)]
    assert len(checked) > 20
    for _group, _name, unit in checked:
        cf_units.Unit(unit)  # raises ValueError on anything UDUNITS cannot read


def test_numbered_time_is_not_claimed_as_a_cf_time_axis(tmp_path):
    """Imported systems number their months: CF's time axis needs a reference date, so such
    a time is a plain coordinate; no coordinate has a _FillValue (CF forbids missing ones)."""
    import numpy as np
    import xarray as xr

    from prospects.files import netcdf_writer

    months = xr.Dataset({"x": ("time", np.ones(3))},
                        coords={"time": ("time", [0.0, 1.0, 2.0], {"units": "month"})})
    netcdf_writer(months, load_system("tests/fixtures/toy"))(tmp_path / "m.nc")
    with netCDF4.Dataset(tmp_path / "m.nc") as nc:
        time = nc["time"]
        assert time.units == "month" and time.long_name == "time"
        assert "standard_name" not in time.ncattrs() and "axis" not in time.ncattrs()
        assert "_FillValue" not in time.ncattrs()
