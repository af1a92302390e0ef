"""The uncertain factors of an experiment: the model's uncertain parameters and its levers.

A parameter factor is a prior; a unit-cube value ``u`` becomes ``prior.ppf(u)``. A lever
factor is one of the system's scenarios (other than the outlook's status quo) with an
intensity ``s`` in [0, 1], applied over the scenario's own months:

- a ``multiply: m`` lever multiplies its target by ``1 + s (m - 1)``;
- a ``set: x`` lever on a scalar parameter sets it to ``d + s (x - d)``, where ``d`` is the
  draw's value of the parameter (its prior draw, or its default if it has no prior).

Scenarios with a ``set`` lever on anything else (an auxiliary, a flow, a parameter with
dimensions) have no "in-between" value and are left out. Scenarios that share a target
(say a weak, a medium and a strong version of one policy) become one factor, the strongest of them,
named after the target, so that two interventions never set one target at one time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..engine import Intervention
from ..evidence import EvidenceError
from ..system import System

#: Unit-cube values are kept this far inside (0, 1): ppf(0) or ppf(1) may be infinite.
EDGE = 1e-9


@dataclass(frozen=True)
class Factor:
    """One uncertain factor: a parameter with its prior, or a scenario's levers."""

    name: str
    kind: str  # "parameter" or "lever"
    prior: object = None
    scenario: object = None

    @property
    def description(self) -> str:
        if self.kind == "parameter":
            return f"parameter {self.name} ~ {self.prior}"
        return f"intensity (0-1) of scenario '{self.scenario.id}' ({self.scenario.name})"

    def value(self, u: np.ndarray) -> np.ndarray:
        """The factor in its own units (a parameter value or a lever intensity)."""
        u = np.clip(np.asarray(u, dtype=float), EDGE, 1 - EDGE)
        if self.kind == "parameter":
            return np.asarray(self.prior.ppf(u), dtype=float)
        return u


def skipped_scenarios(system: System) -> dict[str, str]:
    """Scenarios that cannot be a lever factor, each with the reason: a lever with no
    intermediate intensity, or a combination of other scenarios' levers (those are
    factors already)."""
    skipped = {}
    targets = {sid: {lv.target for lv in sc.levers} for sid, sc in system.scenarios.items()}
    for sid, mine in targets.items():
        parts = [o for o, theirs in targets.items() if o != sid and theirs and theirs < mine]
        if len(parts) >= 2:
            skipped[sid] = f"combines the levers of {', '.join(parts)}"
    for scenario in system.scenarios.values():
        for lever in scenario.levers:
            var = system.model.variables[lever.target]
            if lever.set is not None and (var.kind != "param" or var.dims or lever.where):
                skipped[scenario.id] = (f"sets {var.kind} '{lever.target}', which has no "
                                        "intermediate intensity")
                break
    return skipped


def _reference(system: System, target: str) -> float:
    prior = system.priors.get(target)
    return float(prior.ppf(0.5)) if prior is not None else float(system.model[target].default)


def _strength(system: System, scenario) -> float:
    """How far a scenario moves its targets: |log m| per multiplier, relative shift per set."""
    total = 0.0
    for lever in scenario.levers:
        if lever.multiply is not None:
            total += abs(np.log(max(lever.multiply, 1e-12)))
        else:
            d = _reference(system, lever.target)
            total += abs(lever.set - d) / (abs(d) or 1.0)
    return total


def factors(system: System) -> list[Factor]:
    """Parameter factors (in prior order), then one factor per group of scenarios that
    touch the same targets, named for its strongest scenario's kind ("lever:" for an
    outside actor's choice, "assumption:" for a development nobody here controls)."""
    found = [Factor(name, "parameter", prior=prior) for name, prior in system.priors.items()]
    skipped = skipped_scenarios(system)
    usable = [sc for sc in system.scenarios.values()
              if sc.id != system.outlook.status_quo and sc.levers and sc.id not in skipped]
    groups: list[list] = []
    for scenario in usable:
        targets = {lv.target for lv in scenario.levers}
        joined = [g for g in groups if targets & {lv.target for sc in g for lv in sc.levers}]
        merged = [scenario] + [sc for g in joined for sc in g]
        groups = [g for g in groups if g not in joined] + [merged]
    for group in sorted(groups, key=lambda g: min(usable.index(sc) for sc in g)):
        chosen = max(group, key=lambda sc: _strength(system, sc))
        name = chosen.id if len(group) == 1 else chosen.levers[0].target
        found.append(Factor(f"{chosen.kind}:{name}", "lever", scenario=chosen))
    if not found:
        where = ("a model file has none: import it (`prospects import`) and give one in "
                 "its parameters.yaml" if Path(system.folder).is_file()
                 else "give one in parameters.yaml")
        raise EvidenceError(f"{system.name}: nothing to vary: no parameter has a prior "
                            f"({where}) and no scenario moves a lever")
    return found


def realise(
    system: System, chosen: list[Factor], unit: np.ndarray
) -> tuple[dict[str, np.ndarray], list[Intervention]]:
    """Per-draw ``params`` and interventions for unit-cube samples of shape (n, k)."""
    unit = np.asarray(unit, dtype=float)
    if unit.ndim != 2 or unit.shape[1] != len(chosen):
        raise ValueError(f"samples of shape {unit.shape} do not fit {len(chosen)} factors")
    params = {f.name: f.value(unit[:, j]) for j, f in enumerate(chosen) if f.kind == "parameter"}
    interventions = []
    for j, factor in enumerate(chosen):
        if factor.kind != "lever":
            continue
        s = factor.value(unit[:, j])
        for lever in factor.scenario.levers:
            label = f"{factor.name}: {factor.scenario.id} lever on {lever.target}"
            if lever.multiply is not None:
                value = 1 + s * (lever.multiply - 1)
            else:
                d = params.get(lever.target)
                if d is None:
                    d = float(system.model[lever.target].default)
                value = d + s * (lever.set - d)
            interventions.append(lever.intervention(label, value))
    return params, interventions


def values(chosen: list[Factor], unit: np.ndarray):
    """A DataFrame of the factors in their own units, one row per draw."""
    import pandas as pd

    unit = np.asarray(unit, dtype=float)
    return pd.DataFrame({f.name: f.value(unit[:, j]) for j, f in enumerate(chosen)})
