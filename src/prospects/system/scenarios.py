"""Scenarios: named sets of levers (time-bounded overrides or multipliers of a parameter,
flow or auxiliary) read from YAML and turned into the engine's interventions."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..engine import Intervention, InterventionError
from ..engine.interventions import overlap, validate
from ..evidence import EvidenceError
from ..evidence.load import read_entries
from ..evidence.schema import _slug
from ..sd import ModelError
from .outlook import Month


class Lever(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    target: str
    multiply: float | None = None
    set: float | None = None
    start: Month | None = None  # a month, or a number where the model's time is numbered
    end: Month | None = None
    where: dict[str, str | list[str]] = Field(default_factory=dict)

    def intervention(self, label: str, value: float | None = None,
                     start: str | None = None) -> Intervention:
        """The engine's intervention for this lever; ``value`` (the amount it sets or
        multiplies by) and ``start`` replace the lever's own if given."""
        kind = "multiply" if self.multiply is not None else "set"
        amount = getattr(self, kind) if value is None else value
        return Intervention(self.target, start=start or self.start, end=self.end,
                            where=self.where, label=label, **{kind: amount})


class Scenario(BaseModel):
    """A way the future may go. ``kind``: the ``baseline`` (nothing changes); a ``lever``,
    outside actors' choices (interdiction, sanctuary denial, strikes, ceasefires); or an
    ``assumption``, a development no outside actor here controls (the core's allocation,
    the group's own choices), as robust decision making splits levers from uncertainties."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: str
    name: str
    description: str
    kind: Literal["baseline", "lever", "assumption"] = "lever"
    claims: list[str] = Field(default_factory=list)
    levers: list[Lever] = Field(default_factory=list)

    _id = field_validator("id")(_slug)

    def interventions(self) -> list[Intervention]:
        return [lv.intervention(f"{self.id}: lever on {lv.target}") for lv in self.levers]


def load_scenarios(path: Path, system) -> dict[str, Scenario]:
    """Scenarios by id, each checked against the system's model, parameters and claims."""
    if not Path(path).exists():
        return {}
    scenarios = read_entries(path, Scenario)
    for scenario in scenarios.values():
        for claim in scenario.claims:
            if claim not in system.evidence.claims:
                raise EvidenceError(f"{path}: entry '{scenario.id}' field 'claims': "
                                    f"unknown claim '{claim}'")
        levers = scenario.interventions()
        for i, iv in enumerate(levers):
            try:
                validate(system.model, [iv], 1)
                _check_lever(system, iv)
                _refuse_set_and_multiply(system.model, iv, levers[:i])
            except (InterventionError, ModelError) as err:
                message = str(err).removeprefix(f"{iv.what}: ")
                raise EvidenceError(f"{path}: entry '{scenario.id}' field 'levers.{i}': "
                                    f"{message}") from None
        try:
            validate(system.model, levers, 1)
        except InterventionError as err:
            raise EvidenceError(f"{path}: entry '{scenario.id}' field 'levers': {err}") from None
    return scenarios


def _check_lever(system, iv: Intervention) -> None:
    """A lever that acts within the run, with a value its target can take."""
    model = system.model
    start, end = iv.window(model)
    if start > model.final_time or end <= 0:
        raise InterventionError(f"{iv.start or '...'} to {iv.end or '...'} lies wholly outside "
                                f"the run ({model.start:%Y-%m} to {model.stop:%Y-%m})")
    if iv.multiply is not None and iv.multiply < 0:
        raise InterventionError(f"multiply {iv.multiply:g} is below 0")
    spec = system.evidence.parameters.get(iv.target)
    if iv.set is not None and spec is not None:
        low, high = spec.allowed
        if not low <= iv.set <= high:
            what = "bounds" if spec.bounds else f"prior's support ({spec.prior})"
            raise InterventionError(f"set {iv.set:g} is outside the parameter's {what}, "
                                    f"[{low:g}, {high:g}]")


def _refuse_set_and_multiply(model, iv: Intervention, earlier: list[Intervention]) -> None:
    """Refuse a set and a multiply of one target over the same time (their result would
    depend on the order of the levers)."""
    for other in earlier:
        if (other.set is None) != (iv.set is None) and overlap(model, iv, other):
            raise InterventionError(f"one lever sets '{iv.target}' and another multiplies it "
                                    "over the same time; give one lever")
