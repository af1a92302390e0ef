"""An imported model as a system folder: its equations as data (``model.yaml``, which
``interop.build`` makes into a model), every constant as a parameter with its default and
unit (``parameters.yaml``: give one a prior to make it uncertain), and empty sources,
claims and observations ready to fill. All files are written together or not at all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from ..files import text_writer, write_together
from ..sd.units import parse
from .read import read_model

FILES = ("model.yaml", "parameters.yaml", "sources.yaml", "claims.yaml", "observations.yaml")


def parameter_entries(data: dict) -> list[dict]:
    """A ``parameters.yaml`` entry for each constant of one value or of one dimension
    (the others keep their values in ``model.yaml``); units that are not units Prospects
    knows are kept, as written, in the rationale."""
    from .build import build_model

    model = build_model(data)
    entries = []
    for var in data["variables"]:
        if var["kind"] != "constant" or len(var["dims"]) > 1:
            continue
        param = model[var["name"]]
        unit, written = _known_unit(var.get("unit") or ""), ""
        if unit is None:
            unit, written = "dimensionless", f"; its unit there is '{var['unit']}'"
        default = (float(param.default) if not var["dims"] else
                   {m: float(v) for m, v in zip(model.dimensions[var["dims"][0]].members,
                                                np.ravel(param.default), strict=True)})
        entries.append({"name": var["name"], "default": default, "unit": unit or "1",
                        "rationale": f"'{var['label']}' as {data['source']} gives it{written}."})
    return entries


def _known_unit(text: str) -> str | None:
    """The unit as Prospects writes it, if it knows it (model files ignore case)."""
    for unit in (text, text.lower()):
        try:
            parse(unit)
            return unit
        except ValueError:
            continue
    return None


def write_folder(model_file: str | Path, folder: str | Path) -> list[Path]:
    """Import ``model_file`` into a new system folder ``folder``."""
    from ..errors import UserError

    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UserError(f"{folder}: already exists and is not an empty folder")
    data = read_model(model_file)
    entries = parameter_entries(data)

    def dump(value) -> str:
        return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=100)

    header = f"# Imported from {data['source']} by `prospects import`.\n"
    texts = {"model.yaml": header + dump(data), "parameters.yaml": header + dump(entries),
             "sources.yaml": "[]\n", "claims.yaml": "[]\n", "observations.yaml": "[]\n"}
    return write_together({folder / name: text_writer(texts[name]) for name in FILES})
