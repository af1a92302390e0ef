"""Refactoring the engine keeps its numbers: seeded runs compared with ones saved before.

The reference file was written by the code as it stood before the builtin registry and
the lowering stage; ``python tests/engine/test_reference.py`` writes it again (only do
that for a change meant to alter the numbers, and say so in the commit).
"""

import sys
from pathlib import Path

import numpy as np

from prospects.engine import Intervention, simulate
from prospects.system import load_system

sys.path.insert(0, str(Path(__file__).parents[1] / "sd"))
import models  # noqa: E402  (tests/sd/models.py)

REFERENCE = Path(__file__).parent / "reference.npz"
ISK_OUTPUTS = ["total_fighters", "fighters", "cash_outflow_scale"]
LEVER_OUTPUTS = ISK_OUTPUTS + ["cash", "activity", "donor_confidence"]


def runs() -> dict[str, np.ndarray]:
    """Seeded runs of the IS-K model (with and without interventions) and of the test
    models that use smooths, a fine dt and chains of limited stocks."""
    system = load_system("isk")
    found = {}
    isk = simulate(system.model, draws=64, priors=system.priors, seed=7, outputs=ISK_OUTPUTS)
    levers = [Intervention("gifts", multiply=0.3, start="2019-01"),
              Intervention("sanctuary_strength", set=0.0, start="2018-06", end="2020-01"),
              Intervention("combat_losses", multiply=np.linspace(0.5, 2.0, 16),
                           where={"base": ["Nangarhar", "Kunar"]}, start="2017-03")]
    changed = simulate(system.model, draws=16, priors=system.priors, seed=3,
                       interventions=levers, outputs=LEVER_OUTPUTS)
    for label, ds in (("isk", isk), ("isk_levers", changed)):
        for name in ds.data_vars:
            found[f"{label}/{name}"] = ds[name].values
    for make in (models.lookups_and_smooths, models.coarse_output, models.depletion,
                 models.nested, models.smooth_with_init, models.switches):
        ds = simulate(make(), draws=1)
        for name in ds.data_vars:
            found[f"{make.__name__}/{name}"] = ds[name].values
    return found


def test_seeded_runs_are_those_saved_before_the_refactor():
    saved = np.load(REFERENCE)
    now = runs()
    assert sorted(now) == sorted(saved.files)
    for key in saved.files:
        np.testing.assert_allclose(now[key], saved[key], rtol=1e-12, atol=0, err_msg=key)


if __name__ == "__main__":
    np.savez_compressed(REFERENCE, **runs())
    print(f"wrote {REFERENCE} ({REFERENCE.stat().st_size // 1024} KiB)")
