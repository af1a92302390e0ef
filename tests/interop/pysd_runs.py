"""Running an exported model in PySD and comparing every value with the engine's run."""

import itertools
import warnings

import numpy as np

from prospects.engine import simulate
from prospects.engine.run import output_times
from prospects.interop.vensim import vensim_names, write_vensim
from prospects.interop.xmile import write_xmile


def run_pysd(model, folder, fmt="mdl", params=None):
    """PySD's run of ``model`` exported as ``fmt`` into ``folder``, at its output times."""
    import pysd

    write, read = {"mdl": (write_vensim, pysd.read_vensim),
                   "xmile": (write_xmile, pysd.read_xmile)}[fmt]
    path = write(model, folder / f"model.{fmt}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySD warns when a lookup holds its end value
        # PySD's XMILE reader saves every dt: ask for the model's output times
        return read(str(path)).run(params=params or {},
                                   return_timestamps=output_times(model))


def compared_names(model):
    """Stocks, auxiliaries and the non-negativity limits (engine name, exported name)."""
    names = vensim_names(model)
    pairs = [(v.name, names[v.name]) for v in model.variables.values()
             if v.kind in ("stock", "aux")]
    pairs += [(f"{s.name}_outflow_scale", f"{names[s.name]} outflow scale")
              for s in model.stocks if s.nonnegative and s.outflows]
    return pairs


def assert_same_run(model, folder, fmt="mdl", params=None, pysd_params=None):
    """PySD's run of the export matches the engine's (rtol 1e-6) for every stock,
    auxiliary and outflow scale, member by member."""
    pairs = compared_names(model)
    ours = simulate(model, draws=1, params=params, outputs=[p for p, _ in pairs])
    theirs = run_pysd(model, folder, fmt, pysd_params)
    np.testing.assert_allclose(theirs.index.values, output_times(model))
    space = " " if fmt == "xmile" else "_"  # PySD reads _ in XMILE subscripts as spaces
    for name, exported in pairs:
        values = ours[name].isel(draw=0)
        members = [values[d].values for d in values.dims[1:]]
        flat = values.values.reshape(values.shape[0], -1)
        for j, combo in enumerate(itertools.product(*members)):
            column = exported + (f"[{','.join(c.replace('_', space) for c in combo)}]"
                                 if combo else "")
            np.testing.assert_allclose(theirs[column].values, flat[:, j], rtol=1e-6,
                                       atol=1e-9, err_msg=f"{model.name} ({fmt}): {column}")
    return ours, theirs
