"""Scenarios: named sets of levers (time-bounded overrides or multipliers of a parameter,
flow or auxiliary) read from YAML and turned into the engine's interventions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .engine import Intervention, InterventionError
from .engine.interventions import validate
from .evidence import EvidenceError
from .evidence.load import read_entries


class Lever(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: str
    multiply: float | None = None
    set: float | None = None
    start: str | None = None
    end: str | None = None
    where: dict[str, str | list[str]] = Field(default_factory=dict)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _month(cls, value):
        return value.isoformat()[:7] if isinstance(value, date) else value


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    description: str
    claims: list[str] = Field(default_factory=list)
    levers: list[Lever] = Field(default_factory=list)

    def interventions(self) -> list[Intervention]:
        return [Intervention(target=lv.target, multiply=lv.multiply, set=lv.set, start=lv.start,
                             end=lv.end, where=lv.where, label=f"{self.id}: lever on {lv.target}")
                for lv in self.levers]


def load_scenarios(path: Path, system) -> dict[str, Scenario]:
    """Scenarios by id, each checked against the system's model and claims."""
    if not Path(path).exists():
        return {}
    scenarios = read_entries(path, Scenario)
    for scenario in scenarios.values():
        for claim in scenario.claims:
            if claim not in system.evidence.claims:
                raise EvidenceError(f"{path}: entry '{scenario.id}' field 'claims': "
                                    f"unknown claim '{claim}'")
        try:
            validate(system.model, scenario.interventions(), 1)
        except InterventionError as err:
            raise EvidenceError(f"{path}: entry '{scenario.id}' field 'levers': {err}") from None
    return scenarios
