"""Atomic writes: a temporary file in the same folder, renamed into place when complete."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


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
