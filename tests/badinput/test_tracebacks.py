"""A user's mistake is one line naming the file (and line, entry, field), exit status 1,
never a stack trace: exceptions in model.py, corrupted NetCDF files, NaN in a backtest
file, seeds out of range, unreadable units."""

from __future__ import annotations

import pytest
from badcli import edit_yaml, entry, fails, invoke

MODEL_ERRORS = {
    "SyntaxError": ("def build(parameters):\n    return (\n", "line 2", "SyntaxError"),
    "ImportError": ("import no_such_module_here\n", "line 1", "ModuleNotFoundError"),
    "AttributeError": ("def build(parameters):\n    x = 1\n    return x.nothing\n", "line 3",
                       "AttributeError"),
    "ZeroDivisionError": ("X = 1\n\n\ndef build(parameters):\n    return X / 0\n", "line 5",
                          "ZeroDivisionError: division by zero"),
    "build returns None": ("def build(parameters):\n    return None\n", "model.py",
                           "returned NoneType, not a Model"),
    "no build": ("X = 1\n", "model.py", "defines no build(parameters) function"),
}


@pytest.mark.parametrize("case", MODEL_ERRORS)
def test_an_exception_in_model_py_names_the_file_and_line(toy, case):
    source, line, what = MODEL_ERRORS[case]
    (toy / "model.py").write_text(source)
    fails(toy.parent, "run", "--system", toy, "--draws", 20,
          says=(f"{toy.resolve() / 'model.py'}", line, what))


def test_a_model_error_inside_build_names_the_line(toy):
    path = toy / "model.py"
    path.write_text(path.read_text().replace('m.flow("losses"', 'm.flow("bad name"'))
    fails(toy.parent, "run", "--system", toy, "--draws", 20,
          says=("model.py: line 17", "'bad name' is not a valid name"))


@pytest.mark.parametrize("unit", ["furlongs^^", "furlongs**(", "florp/month"])
def test_an_unknown_unit_is_one_line_without_pint_internals(toy, unit):
    edit_yaml(toy / "parameters.yaml", lambda d: entry(d, "recruit_rate", "name").update(
        unit=unit))
    line = fails(toy.parent, "run", "--system", toy, "--draws", 20,
                 says=("parameters.yaml", "entry 'recruit_rate' field 'unit'",
                       f"unknown unit '{unit}'"))
    assert "EOF" not in line and "registry" not in line


def test_an_unknown_unit_in_model_py_names_the_variable(toy):
    path = toy / "model.py"
    path.write_text(path.read_text().replace('unit="person")', 'unit="furlongs^^")'))
    fails(toy.parent, "run", "--system", toy, "--draws", 20,
          says=("model.py", "'fighters': unknown unit 'furlongs^^' (not a unit expression)"))


@pytest.mark.parametrize("seed", ["-1", str(2**32), str(2**64)])
@pytest.mark.parametrize("command", ["run", "project", "sensitivity", "discover", "calibrate",
                                     "report"])
def test_a_seed_out_of_range_is_refused_before_any_work(work, command, seed):
    result = invoke(command, "--seed", seed, "--threshold", 100) if command == "discover" \
        else invoke(command, "--seed", seed)
    assert result.exit_code == 2 and "--seed" in result.stderr
    assert "Traceback" not in result.output
    assert not (work / "out").exists()


@pytest.fixture(params=["truncated", "damaged data"])
def corrupt(work, request):
    """A NetCDF file cut in half, or with its compressed data overwritten."""
    import numpy as np
    import xarray as xr

    path = work / "bad.nc"
    data = np.random.default_rng(0).random((200, 500))
    xr.Dataset({"a": (("draw", "time"), data)}).to_netcdf(
        path, engine="netcdf4", encoding={"a": {"zlib": True}})
    raw = bytearray(path.read_bytes())
    if request.param == "truncated":
        raw = raw[:len(raw) // 2]
    else:
        raw[len(raw) // 2:len(raw) // 2 + 5000] = b"x" * 5000
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize("args", [("report", "--projection"), ("report", "--posterior"),
                                  ("project", "--posterior"), ("dashboard", "--posterior")])
def test_a_corrupted_netcdf_file_is_one_line(toy, corrupt, args):
    fails(toy.parent, *args, corrupt, "--system", toy, says=(str(corrupt),))


def test_a_corrupted_projection_in_backtest_is_one_line(toy, corrupt):
    backtest = toy.parent / "backtest.yaml"
    backtest.write_text("observations:\n- {id: later, claim: strength-2017, variable: "
                        "fighters, likelihood: interval, low: 1, high: 2, period: '2019'}\n")
    fails(toy.parent, "backtest", backtest, "--system", toy, "--projection", corrupt,
          says=(str(corrupt),))


def test_nan_in_a_backtest_file_names_entry_and_field(toy):
    backtest = toy.parent / "backtest.yaml"
    backtest.write_text("observations:\n- {id: later, claim: strength-2017, variable: "
                        "fighters, likelihood: interval, low: .nan, high: 2, period: '2019'}\n")
    fails(toy.parent, "backtest", backtest, "--system", toy,
          says=("backtest.yaml", "entry 'later' field 'low'", "finite"))
