"""A system's outlook: read from its folder, checked against its model, and the only place
above ``prospects.models`` where a group's variables are named."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from prospects.evidence import EvidenceError
from prospects.system import BUILTIN, load_system

SRC = Path(__file__).resolve().parents[2] / "src" / "prospects"
TOY = Path(__file__).resolve().parents[1] / "fixtures" / "toy"
#: Names of the IS-K model (variables, dimension members, actors) no generic module may use.
ISK_NAMES = re.compile(r"total_fighters|bases_held|sanctuary_fighters|donor_confidence|"
                       r"us_losses|decapitation|Nangarhar|Kunar|Badakhshan|Zabul|Jowzjan|"
                       r"Tirah|Haqqani|Taliban|Syria|Khorasan", re.I)


def test_no_module_above_the_models_names_an_isk_variable():
    found = [f"{path.relative_to(SRC)}:{n}: {line.strip()}"
             for path in SRC.rglob("*.py") if "models" not in path.relative_to(SRC).parts
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if ISK_NAMES.search(line)]
    assert found == []
    assert ISK_NAMES.search((BUILTIN / "isk" / "model.py").read_text())  # the pattern works


def test_isk_outlook_fills_labels_and_units_from_the_model():
    outlook = load_system("isk").outlook
    assert outlook.projection_start == "2019-01"
    assert [o.variable for o in outlook.headline] == ["total_fighters", "cash", "bases_held",
                                                      "activity"]
    donor = next(o for o in outlook.outputs if o.variable == "donor_confidence")
    assert donor.unit == "1"
    assert outlook.collapse.label == "Total fighters"  # from the outputs
    assert len(outlook.outcomes) == 10 and {lv.id for lv in outlook.levers} == {
        "gulf", "us", "sanctuary", "ceasefire"}


def _ensemble(values: dict[str, np.ndarray]) -> xr.Dataset:
    time = np.array([f"2019-{m:02d}-01" for m in range(1, 13)], dtype="datetime64[ns]")
    return xr.Dataset({k: (("draw", "time"), v) for k, v in values.items()},
                      coords={"time": time})


def test_outcomes_are_data_evaluated_per_draw():
    from prospects.system.outlook import Outcome

    rising = np.vstack([np.arange(12.0), -np.arange(12.0)])  # draw 0 rises, draw 1 falls
    ds = _ensemble({"x": rising})
    at = Outcome(id="low", label="x < 5 in June", short="low", variable="x", at="2019-06",
                 below=5)
    assert at.test(ds).values.tolist() == [False, True]  # 5 is not below 5; -5 is
    window = Outcome(id="w", label="min", short="m", variable="x", stat="min",
                     over={"first": "2019-01", "last": "2019-12"}, below=-3)
    assert window.test(ds).values.tolist() == [False, True]
    grows = Outcome(id="g", label="grows", short="g", variable="x",
                    over={"first": "2019-07", "last": "2019-12"},
                    above={"first": "2019-01", "last": "2019-06"})
    assert grows.test(ds).values.tolist() == [True, False]


def test_a_lever_makes_its_interventions_only_away_from_rest():
    from prospects.system.outlook import Lever

    lever = Lever(id="cut", label="Cut (x)", kind="multiplier", targets=["a", "b"], low=0,
                  high=2, months=6)
    assert lever.interventions(1.0, "2019-01") == []
    made = lever.interventions(0.5, "2019-01")
    assert [(iv.target, iv.multiply, iv.end) for iv in made] == [("a", 0.5, "2019-07"),
                                                                 ("b", 0.5, "2019-07")]
    switch = Lever(id="ban", label="Ban", kind="switch", targets=["a"], set=0.0)
    assert switch.interventions(0.0, "2019-01") == []
    assert switch.interventions(1.0, "2019-01")[0].set == 0.0


def _toy_with(tmp_path, change) -> Path:
    folder = shutil.copytree(TOY, tmp_path / "toy", ignore=shutil.ignore_patterns("__pycache__"))
    data = yaml.safe_load((folder / "outlook.yaml").read_text())
    change(data)
    (folder / "outlook.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


@pytest.mark.parametrize("change, says", [
    (lambda d: d["outcomes"][0].update(variable="nobody"),
     "entry 'outcomes[fighters-below-1500-2019-12]' field 'variable': model 'toy' has no "
     "variable 'nobody'"),
    (lambda d: d["outcomes"][1].update(at="2019-06"),
     "entry 'outcomes[fighters-grow]' field '(entry)': give either 'at'"),
    (lambda d: d["outputs"][0].update(split="area"),
     "entry 'outputs[fighters]' field 'split': 'fighters' has no dimension 'area'"),
    (lambda d: d.update(horizon="2031-01"),
     "entry 'horizon' field 'horizon': 2031-01 is outside the run (2015-01 to 2019-12)"),
    (lambda d: d.update(horizon="June"), "entry 'horizon' field '(entry)': 'June' is not a month"),
    (lambda d: d["levers"][0].update(low=3.0), "field '(entry)': neutral 1 is outside [3, 2]"),
    (lambda d: d["why"]["stocks"][0].update(variable="recruitment"),
     "field 'variable': 'recruitment' is not a stock"),
    (lambda d: d.update(status_quo="nothing"), "unknown scenario 'nothing'"),
    (lambda d: d.update(horizon=24), "entry 'horizon' field 'horizon': 24.0 is not a time "
                                     "of the model: give a month like 2019-01"),
    (lambda d: d["outcomes"][1]["over"].update(first=3),
     "entry 'outcomes[fighters-grow]' field 'over': first and last must both be months or "
     "both numbers"),
    (lambda d: d.update(extra=1), "entry 'extra' field '(entry)': not a known field"),
])
def test_a_bad_outlook_names_the_file_entry_and_field(tmp_path, change, says):
    folder = _toy_with(tmp_path, change)
    with pytest.raises(EvidenceError) as err:
        load_system(folder)
    assert str(err.value).startswith(f"{folder / 'outlook.yaml'}: ")
    assert says in str(err.value)


def test_a_system_without_an_outlook_says_so(tmp_path):
    folder = shutil.copytree(TOY, tmp_path / "toy", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "outlook.yaml").unlink()
    with pytest.raises(EvidenceError, match="outlook.yaml: no such file"):
        load_system(folder)
