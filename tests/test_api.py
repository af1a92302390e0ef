"""The Python API a notebook user reaches from ``import prospects``."""

import subprocess
import sys

import prospects


def test_version_and_exports():
    assert prospects.__version__.count(".") == 2
    for name in ("load_system", "simulate", "prior_predictive", "calibrate", "project",
                 "backtest", "vintages"):
        assert callable(getattr(prospects, name)), name
        assert name in dir(prospects), name  # tab completion offers it


def test_import_prospects_loads_no_numerical_library():
    code = ("import sys, prospects; print(sorted(m for m in ('numpy', 'xarray', 'pandas') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_system_repr_is_one_short_line():
    text = repr(prospects.load_system("isk"))
    assert len(text) < 200 and "\n" not in text
    assert text.startswith("<System 'isk'") and "observations" in text
