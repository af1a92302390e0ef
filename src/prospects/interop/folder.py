"""An imported model as a system folder: its equations as data (``model.yaml``, which
``interop.build`` makes into a model), every constant as a parameter with its default and
unit (``parameters.yaml``: give one a prior to make it uncertain), empty sources, claims
and observations ready to fill, one baseline scenario (``scenarios.yaml``) and a default
``outlook.yaml`` (what ``project``, ``report`` and ``sensitivity`` show). All files are
written together or not at all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from ..errors import UserError
from ..files import text_writer, write_together
from ..sd.units import parse
from ..system.outlook import Outlook
from .read import read_model

FILES = ("model.yaml", "parameters.yaml", "sources.yaml", "claims.yaml", "observations.yaml",
         "scenarios.yaml", "outlook.yaml")
#: at most this many outputs in the default outlook, the first HEADLINE of them headline
OUTPUTS, HEADLINE = 8, 3
#: the scenario an imported folder starts with: the model as written
BASELINE = [{"id": "baseline", "name": "As written", "kind": "baseline",
             "description": "The model as imported, nothing changed."}]


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


def outlook_data(data: dict) -> dict:
    """A default ``outlook.yaml`` for an imported model: its stocks (or, if it has none,
    its auxiliaries) as outputs with the model's labels and units, summary and projection
    times spread over its run, the baseline as the status quo. No outcomes, levers or
    collapse: the model file says nothing of what its users ask."""
    from ..engine.run import output_times
    from .build import build_model

    model = build_model(data)
    variables = [v for v in data["variables"] if v["kind"] == "stock"] or \
        [v for v in data["variables"] if v["kind"] == "aux"]
    # those without dimensions first: tables show the quantiles of their values
    chosen = sorted(variables, key=lambda v: bool(v["dims"]))[:OUTPUTS]
    if not chosen:
        raise UserError(f"{data['source']}: no stock or auxiliary to show")
    times = [float(t) for t in output_times(model)]  # imported time is numbered
    spread = sorted({round(k) for k in np.linspace(0, len(times) - 1, 5)})
    outputs = [{"variable": v["name"], "label": v.get("label") or v["name"],
                "unit": v.get("unit") or "", "headline": k < HEADLINE}
               for k, v in enumerate(chosen)]
    return {"projection_start": times[0], "summary_dates": [times[k] for k in spread],
            "projection_dates": [times[k] for k in spread[1:]] or [times[-1]],
            "horizon": times[-1], "status_quo": BASELINE[0]["id"], "outputs": outputs}


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
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UserError(f"{folder}: already exists and is not an empty folder")
    data = read_model(model_file)
    entries = parameter_entries(data)
    outlook = outlook_data(data)
    Outlook.model_validate(outlook)  # as the folder's loader will read it

    def dump(value) -> str:
        return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=100)

    header = f"# Imported from {data['source']} by `prospects import`.\n"
    texts = {"model.yaml": header + dump(data), "parameters.yaml": header + dump(entries),
             "sources.yaml": "[]\n", "claims.yaml": "[]\n", "observations.yaml": "[]\n",
             "scenarios.yaml": header + dump(BASELINE),
             "outlook.yaml": header + "# What the commands show: edit it (see "
             "docs/evidence-format.md, 'outlook.yaml').\n" + dump(outlook)}
    return write_together({folder / name: text_writer(texts[name]) for name in FILES})
