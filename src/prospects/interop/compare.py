"""An imported model's run against the tool's own output table (a Vensim .tab or a
.csv with a Time column, as the SDXorg test-models hold next to each model).

Columns are named as the tool names them, ``Stock A[Entry 1,Column 1]``; they are matched
to variables by their labels and to members by theirs, ignoring case, spaces and
underscores. Values are compared with PySD's own ``assert_frames_close`` (relative
tolerance 1e-3), so that Prospects and PySD are held to one test. ``exported_run`` is the
round trip's other half: PySD's run of the model's own .mdl or XMILE export, in the same
columns.
"""

from __future__ import annotations

import itertools
import re
import warnings
from pathlib import Path

import numpy as np

from ..sd.model import Model

RTOL = 1e-3
#: the time settings a table may list, and their names in PySD's output
CONTROLS = {"initialtime": "INITIAL TIME", "finaltime": "FINAL TIME", "timestep": "TIME STEP",
            "saveper": "SAVEPER"}


def canonical_file(folder: Path) -> Path | None:
    """The folder's canonical output, chosen as PySD's test runner chooses it."""
    for name in ("output.csv", "output.tab"):
        if (folder / name).is_file():
            return folder / name
    return None


def load_canonical(path: Path):
    from pysd.py_backend.utils import detect_encoding, load_outputs

    return load_outputs(path, encoding=detect_encoding(path))


def _norm(text: str) -> str:
    return re.sub(r"[\s_\"]+", "", str(text)).lower()


def columns_of(model: Model, columns) -> dict[str, tuple]:
    """For each column: ``("control", name)`` for a time setting, else ``(variable,
    member indices)``; a column naming nothing of the model raises KeyError."""
    labels = {_norm(v.label): v for v in model.variables.values()
              if v.kind in ("stock", "aux", "param", "flow")}
    members = {d: {_norm(lb): i for i, lb in enumerate(model.dimensions[d].labels)}
               for d in model.dimensions}
    found, written = {}, {}
    for column in columns:
        head, _, rest = str(column).partition("[")
        if _norm(head) in CONTROLS:
            found[column] = ("control", _norm(head))
            continue
        var = labels.get(_norm(head))
        if var is None:
            raise KeyError(f"no variable for column '{column}'")
        subs = rest.rstrip("]").split(",") if rest else []
        if len(subs) != len(var.dims):
            raise KeyError(f"column '{column}' has {len(subs)} subscripts, '{var.name}' "
                           f"{len(var.dims)}")
        written.setdefault(var.name, (var, {}))[1][column] = subs
    for var, subs in written.values():
        for column, index in _indices(members, var.dims, subs).items():
            if index is None:
                raise KeyError(f"no members for column '{column}'")
            found[column] = (var, index)
    return {column: found[column] for column in columns}


def _indices(members, dims, columns: dict) -> dict:
    """Member indices of each column's subscripts (None if they name none), which the
    file writes in the variable's own order (the model may keep its dimensions in
    another): the first order that reads every column of the variable, if one does
    (members two dimensions share make a column alone ambiguous), else each column's
    own first."""
    for order in itertools.permutations(range(len(dims))):
        found = {column: _index(members, dims, subs, [order]) for column, subs in
                 columns.items()}
        if None not in found.values():
            return found
    return {column: _index(members, dims, subs) for column, subs in columns.items()}


def run_frame(model: Model, columns, times):
    """The model's run (defaults, one draw) as a table with ``columns`` at ``times``; a
    column it cannot name, or a time it did not save, raises KeyError naming it."""
    import pandas as pd

    from ..engine import simulate
    from ..engine.run import output_times

    model.check()
    controls = {"initialtime": model.initial_time, "finaltime": model.final_time,
                "timestep": model.dt, "saveper": model.output_step}
    wanted = columns_of(model, columns)
    names = sorted({v.name for v, _ in wanted.values() if not isinstance(v, str)})
    ds = simulate(model, outputs=names)
    ours = output_times(model)
    rows = []
    for t in times:
        k = int(np.argmin(np.abs(ours - t)))
        if abs(ours[k] - t) > 1e-6 * max(1.0, abs(t)):
            raise KeyError(f"time {t:g} is not an output time of the model")
        rows.append(k)
    data = {}
    for column, (var, index) in wanted.items():
        if isinstance(var, str):
            data[column] = np.full(len(rows), float(controls[index]))
            continue
        values = ds[var.name].isel(draw=0).values
        data[column] = values[(rows, *index)] if index else values[rows]
    return pd.DataFrame(data, index=np.asarray(times, dtype=float))


def _index(members, dims, subs, orders=None):
    """Member indices of a column's subscripts in the first of ``orders`` (by default
    every order) that reads them."""
    for order in orders or itertools.permutations(range(len(dims))):
        try:
            found = [0] * len(dims)
            for position, s in zip(order, subs, strict=True):
                found[position] = members[dims[position]][_norm(s)]
            return tuple(found)
        except KeyError:
            continue
    return None


def mismatch(actual, expected) -> str | None:
    """Why ``actual`` does not match ``expected`` (None if it does)."""
    from pysd.tools.benchmarking import assert_frames_close

    columns = [c for c in expected.columns if c in actual.columns]
    missing = [c for c in expected.columns if c not in actual.columns]
    if missing:
        return f"{len(missing)} columns missing: {', '.join(map(str, missing[:3]))}"
    expected = expected[columns].copy()
    actual = actual[columns].copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            found = assert_frames_close(actual, expected, assertion="return", rtol=RTOL)
        except (AssertionError, ValueError, TypeError) as err:
            return str(err).strip().splitlines()[0][:160]
    if found and found[0]:
        cols = sorted(found[0])
        return f"{len(cols)} columns differ, first at time {found[1]:g}: {', '.join(cols[:3])}"
    return None


def exported_columns(model: Model, columns) -> dict[str, str]:
    """For each canonical column, the column PySD gives the model's Vensim export."""
    from .vensim import vensim_names

    names = vensim_names(model)
    found = {}
    for column, (var, index) in columns_of(model, columns).items():
        if isinstance(var, str):
            found[column] = CONTROLS[index]
            continue
        picked = [model.dimensions[d].members[i] for d, i in zip(var.dims, index, strict=True)]
        found[column] = names[var.name] + (f"[{','.join(picked)}]" if picked else "")
    return found


def exported_run(model: Model, columns, times, fmt: str = "mdl"):
    """PySD's run of ``model`` exported as ``fmt`` (mdl or xmile), as a table with the
    columns and times ``run_frame`` gives; a column the export lacks is left out."""
    import tempfile

    import pandas as pd
    import pysd

    from .vensim import write_vensim
    from .xmile import write_xmile

    write, read = {"mdl": (write_vensim, pysd.read_vensim),
                   "xmile": (write_xmile, pysd.read_xmile)}[fmt]
    names = exported_columns(model, columns)
    times = np.asarray(times, dtype=float)
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = write(model, Path(tmp) / f"export.{fmt}")
        theirs = read(str(path)).run(return_timestamps=times, return_columns=sorted(
            {n.split("[")[0] for n in names.values()}))
    if fmt == "xmile":  # PySD's XMILE reader reads _ in subscripts as spaces
        names = {c: n.split("[")[0] + n[len(n.split("[")[0]):].replace("_", " ")
                 for c, n in names.items()}
    rows = [int(np.argmin(np.abs(theirs.index.values - t))) for t in times]
    found = {_norm(c): c for c in theirs.columns}  # XMILE's members come back spaced
    return pd.DataFrame({c: theirs[found[_norm(names[c])]].values[rows] for c in columns
                         if _norm(names.get(c, "")) in found}, index=times)
