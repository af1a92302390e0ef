"""Atomic writes: a temporary file in the same folder, renamed into place when complete."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import UserError


def write_atomic(path: str | Path, writer: Callable[[Path], None]) -> Path:
    """Call ``writer(temp_path)`` and move the result to ``path``; on error leave nothing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        writer(Path(temp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.remove(temp)
    return path


def write_text(path: str | Path, text: str) -> Path:
    return write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_netcdf(path: str | Path, dataset, compress: bool = False) -> Path:
    encoding = {name: {"zlib": True, "complevel": 1} for name in dataset.data_vars} \
        if compress else None
    return write_atomic(path, lambda p: dataset.to_netcdf(p, engine="netcdf4",
                                                          encoding=encoding))


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
