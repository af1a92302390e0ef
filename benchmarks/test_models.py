"""The SDXorg test-models suite, run by PySD and by Prospects, each against the canonical
output (relative tolerance 1e-3, PySD's own comparison for both).

For each model file (.mdl or .xmile) under ``../shared/test-models/tests``:

* PySD: ``read_vensim`` / ``read_xmile``, run, compare;
* Prospects: import (``interop.read`` + ``interop.build``), run, compare;
* round trip, for each model Prospects matches: export it as .mdl and as XMILE, run both
  exports in PySD and compare with Prospects' own run.

One line per model with the reason for each failure, then::

    models=<n> pysd_matched=<n> prospects_imported=<n> prospects_matched=<n> round_trip=<n>

Run: ``python benchmarks/test_models.py [--only SUBSTRING ...] [--no-pysd]`` (about five
minutes on two cores, most of it PySD).
"""

from __future__ import annotations

import argparse
import glob
import warnings
from pathlib import Path

SUITE = Path(__file__).resolve().parents[1] / ".." / "shared" / "test-models" / "tests"
if not SUITE.is_dir():
    SUITE = Path("/work/shared/test-models/tests")


def model_files(only=()) -> list[Path]:
    files = sorted(glob.glob(str(SUITE / "*" / "*.mdl")) + glob.glob(str(SUITE / "*" / "*.xmile")))
    return [Path(f) for f in files if not only or any(o in f for o in only)]


def _why(err: BaseException) -> str:
    text = (str(err).splitlines() or [""])[0]
    return f"{type(err).__name__}: {text}"[:200]


def pysd_result(path: Path, expected) -> str | None:
    """None if PySD matches the canonical output, else why not."""
    import pysd

    from prospects.interop.compare import mismatch

    read = pysd.read_vensim if path.suffix == ".mdl" else pysd.read_xmile
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            actual = read(str(path)).run(return_columns=list(expected.columns))
        actual = actual.loc[[t for t in actual.index if t in set(expected.index)]]
    except Exception as err:  # any failure of PySD's is a result here
        return _why(err)
    return mismatch(actual, expected)


def prospects_result(path: Path, expected):
    """(imported model or None, None if it matches else why not)."""
    from prospects.interop.build import build_model
    from prospects.interop.compare import mismatch, run_frame
    from prospects.interop.read import read_model

    try:
        model = build_model(read_model(path), where=str(path))
        model.check()
    except Exception as err:
        return None, _why(err)
    try:
        return model, mismatch(run_frame(model, expected.columns, expected.index.values),
                               expected)
    except Exception as err:
        return model, _why(err)


def round_trip_result(model, expected) -> str | None:
    """None if PySD's runs of the model's .mdl and XMILE exports match Prospects' run."""
    from prospects.interop.compare import exported_run, mismatch, run_frame

    try:
        ours = run_frame(model, expected.columns, expected.index.values)
        for fmt in ("mdl", "xmile"):
            why = mismatch(exported_run(model, ours.columns, ours.index.values, fmt), ours)
            if why is not None:
                return f"{fmt}: {why}"
    except Exception as err:
        return _why(err)
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", default=())
    parser.add_argument("--no-pysd", action="store_true")
    args = parser.parse_args()
    from prospects.interop.compare import canonical_file, load_canonical

    counts = {"models": 0, "pysd_matched": 0, "prospects_imported": 0,
              "prospects_matched": 0, "round_trip": 0}
    for path in model_files(args.only):
        canon = canonical_file(path.parent)
        if canon is None:
            print(f"{path.parent.name}/{path.name}: skipped, no canonical output", flush=True)
            continue
        counts["models"] += 1
        expected = load_canonical(canon)
        pysd_why = "not run" if args.no_pysd else pysd_result(path, expected)
        model, ours = prospects_result(path, expected)
        trip = round_trip_result(model, expected) if model is not None and ours is None \
            else "not matched"
        counts["pysd_matched"] += pysd_why is None
        counts["prospects_imported"] += model is not None
        counts["prospects_matched"] += model is not None and ours is None
        counts["round_trip"] += trip is None
        print(f"{path.parent.name}/{path.name}: pysd={'ok' if pysd_why is None else pysd_why}"
              f" | prospects={'ok' if ours is None else ours}"
              f" | round_trip={'ok' if trip is None else trip}", flush=True)
    print(" ".join(f"{k}={v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
