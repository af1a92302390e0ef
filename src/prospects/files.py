"""Writing a command's outputs whole: every file goes to a temporary in its own folder, and
only when all are complete are they renamed into place. Output paths are checked before any
computation. Reading NetCDF files so that a damaged one is a user error."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from .errors import UserError

Writer = Callable[[Path], None]

#: temporaries being written, for ``remove_temporaries`` on a signal
_LIVE: set[Path] = set()


def remove_temporaries() -> None:
    """Remove every temporary still being written (called on SIGTERM)."""
    for temp in list(_LIVE):
        temp.unlink(missing_ok=True)


def writable(*paths: str | Path) -> None:
    """Refuse, before any work, an output path that could not be written: a folder, a
    path under a file, or a folder this user may not write in."""
    for path in map(Path, paths):
        if path.is_dir():
            raise UserError(f"{path}: is a folder; cannot write a file there")
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir():
            raise UserError(f"{path}: cannot write it, since {folder} is a file, not a folder")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise UserError(f"{path}: cannot write in {folder} (permission denied)")


def write_together(writers: Mapping[str | Path, Writer]) -> list[Path]:
    """Call each ``writer(temp_path)``, then move every temporary to its path. On any error
    or interrupt before the renames nothing is replaced and no temporary is left."""
    temps: dict[Path, Path] = {}
    try:
        for path, writer in writers.items():
            path = Path(path)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                                            dir=path.parent)
                os.close(fd)
                temps[path] = Path(temp)
                _LIVE.add(Path(temp))
                writer(Path(temp))
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(temp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
            except OSError as err:
                raise UserError(f"{path}: cannot write it ({err.strerror or err})") from None
        for path, temp in temps.items():
            os.replace(temp, path)
    finally:
        for temp in temps.values():
            temp.unlink(missing_ok=True)
            _LIVE.discard(temp)
    return list(temps)


def result_path(out: str | Path, system, what: str) -> Path:
    """Where a command writes (and the next one looks for) a result of ``system``:
    ``<out>/<system name>-<what>``, e.g. ``out/isk-posterior.nc``."""
    return Path(out) / f"{system.name}-{what}"


def write_atomic(path: str | Path, writer: Writer) -> Path:
    """Call ``writer(temp_path)`` and move the result to ``path``; on error leave nothing."""
    return write_together({path: writer})[0]


def text_writer(text: str) -> Writer:
    return lambda p: p.write_text(text, encoding="utf-8")


def udunits(unit: str) -> str:
    """A UDUNITS form of a model unit: people and US dollars, which UDUNITS lacks, count
    as numbers ("1"), so "USD/person/month" becomes "1/month"."""
    if not re.fullmatch(r"[\w()/ ]+", unit):
        return unit
    top, *below = re.sub(r"\b(person|USD)\b", "1", unit).replace("(", "").replace(
        ")", "").replace(" ", "").split("/")
    return top + "".join(f"/{b}" for b in below if b != "1")


def described(dataset, system):
    """``dataset`` with CF-1.10 metadata: ``long_name`` from each variable's doc, UDUNITS
    ``units`` (the model's own in ``model_units``), a time of dates marked as CF's time
    axis, and the Prospects version and the system's model fingerprint."""
    from . import __version__
    from .inference.calibrate import model_fingerprint

    ds = dataset.copy()
    for var in ds.variables.values():
        if "doc" in var.attrs:
            var.attrs["long_name"] = var.attrs["doc"]
        if "units" in var.attrs and udunits(var.attrs["units"]) != var.attrs["units"]:
            var.attrs["model_units"] = var.attrs["units"]
            var.attrs["units"] = udunits(var.attrs["units"])
    if "time" in ds.coords:
        ds["time"].attrs["long_name"] = "time"
        if ds["time"].dtype.kind == "M":  # numbered months have no reference date
            ds["time"].attrs.update(axis="T", standard_name="time")
    ds.attrs.update(Conventions="CF-1.10", prospects_version=__version__,
                    fingerprint=model_fingerprint(system))
    return ds


def netcdf_writer(dataset, system) -> Writer:
    """Write ``dataset`` ``described``, its floating-point variables as float32 with zlib
    level 1 (a quarter of the float64 size or less)."""
    import numpy as np

    ds = described(dataset, system)
    encoding = {name: {"zlib": True, "complevel": 1, "dtype": "float32"}
                for name, var in ds.data_vars.items() if np.issubdtype(var.dtype, np.floating)}
    # CF: coordinates have no missing values, so no _FillValue
    encoding |= {name: {"_FillValue": None} for name, var in ds.coords.items()
                 if np.issubdtype(var.dtype, np.floating)}
    return lambda p: ds.to_netcdf(p, engine="netcdf4", encoding=encoding)


def write_text(path: str | Path, text: str) -> Path:
    return write_atomic(path, text_writer(text))


def write_netcdf(path: str | Path, dataset, system) -> Path:
    return write_atomic(path, netcdf_writer(dataset, system))


#: what reading a damaged NetCDF file raises (HDF5's "NetCDF: HDF error" is a RuntimeError)
_UNREADABLE = (OSError, RuntimeError, ValueError, KeyError, AttributeError)


def read_netcdf(path: str | Path, what: str):
    """The whole Dataset in ``path``, loaded into memory; a damaged file is a UserError."""
    import xarray as xr

    try:
        with xr.open_dataset(path) as ds:
            return ds.load()
    except _UNREADABLE as err:
        raise UserError(f"{path}: not a readable {what} file ({_first_line(err)})") from None


def check_netcdf(path: str | Path, what: str) -> None:
    """Read every variable of every group of ``path`` (if it exists), so that a damaged
    file is a UserError now rather than a crash when its data are first used."""
    import netCDF4

    if not Path(path).is_file():
        return
    try:
        with netCDF4.Dataset(path) as root:
            groups = [root]
            while groups:
                group = groups.pop()
                groups.extend(group.groups.values())
                for variable in group.variables.values():
                    variable[...]
    except _UNREADABLE as err:
        raise UserError(f"{path}: not a readable {what} file ({_first_line(err)})") from None


def _first_line(err: BaseException) -> str:
    return str(err).splitlines()[0] if str(err) else type(err).__name__
