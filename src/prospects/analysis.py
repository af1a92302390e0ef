"""Reading ensembles: quantiles over draws, values at dates, outcome probabilities."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: The bands every chart and table shows: 90% and 50% intervals and the median.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def quantiles(da, qs: Sequence[float] = QUANTILES):
    """Quantiles over draws, as a DataArray with a leading ``quantile`` dimension; the
    same numbers as ``da.quantile(qs, dim="draw", skipna=False)`` (NaN propagates).

    The draws are sorted first, along a contiguous last axis: NumPy's quantile then
    partitions ordered rows, which took a third of the time ``DataArray.quantile`` did on
    a report's projections (its partition runs across the draw axis in place)."""
    import xarray as xr

    moved = da.transpose(..., "draw")
    ordered = np.sort(np.asarray(moved.values), axis=-1)
    values = np.quantile(ordered, list(qs), axis=-1)
    coords = {k: c for k, c in moved.coords.items() if "draw" not in c.dims}
    return xr.DataArray(values, dims=("quantile",) + moved.dims[:-1],
                        coords={"quantile": list(qs), **coords}, name=da.name)


#: Dimensions of ensembles that are not the model's own.
ENSEMBLE_DIMS = ("draw", "time", "scenario", "quantile")


def summed(da):
    """``da`` summed over the model's dimensions (every one but ``ENSEMBLE_DIMS``)."""
    extra = [d for d in da.dims if d not in ENSEMBLE_DIMS]
    return da.sum(extra) if extra else da


def bands(ds, output) -> dict[str, np.ndarray]:
    """An outlook output's (quantile, time) bands over draws, in shown units: one panel,
    or one per member of its ``split`` dimension (other dimensions summed). With a
    ``scenario`` dimension, (quantile, scenario, time)."""
    da = ds[output.variable]
    parts = ({str(m): da.sel({output.split: m}) for m in da[output.split].values}
             if output.split else {output.label: da})
    return {k: np.asarray(quantiles(summed(v))) / output.scale for k, v in parts.items()}


def time_point(when: str | float):
    """An outlook's time as the output axis has it: a month ("2018-08") as its first
    day, a number (a model whose time is numbered) as itself."""
    return np.datetime64(f"{when[:7]}-01", "ns") if isinstance(when, str) else float(when)


def when_text(when: str | float) -> str:
    """An outlook's time as text: the month, or the number."""
    return when if isinstance(when, str) else f"{when:g}"


def at(da, when: str | float):
    """Values at a month ("2018-08") or, where time is numbered, at the output time
    nearest a number."""
    if isinstance(when, str):
        return da.sel(time=time_point(when))
    return da.sel(time=float(when), method="nearest")


def probability(event) -> tuple[float, float]:
    """Share of draws where a boolean DataArray (dims: draw) holds, and its Monte Carlo
    standard error."""
    values = np.asarray(event, dtype=float)
    p = float(values.mean())
    return p, standard_error(p, values.size)


def standard_error(p, n: int):
    """Monte Carlo standard error of a probability ``p`` (a number or an array) estimated
    from ``n`` draws."""
    return np.sqrt(np.maximum(p * (1 - p), 0.0) / n)


def number(x: float) -> str:
    """A figure for a table: whole numbers from 100 up, else three significant figures."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def figure(x: float) -> str:
    """A number for people to read: three significant figures, with k / M / bn for
    thousands, millions and billions (28,512 -> "28.5k"; 0.0412 -> "0.0412")."""
    if not np.isfinite(x):
        return "—"
    for above, size, suffix in ((1e9, 1e9, "bn"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if abs(x) >= above:
            return f"{x / size:.3g}{suffix}"
    return f"{x:,.4g}" if abs(x) >= 1000 else f"{x:.3g}"
