"""Interventions: time-bounded overrides or multipliers on a parameter, flow or auxiliary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import UserError
from ..sd.model import Model, ModelError


class InterventionError(UserError, ValueError):
    """An intervention that does not fit the model, in one line."""


@dataclass(frozen=True)
class Intervention:
    """From ``start`` (inclusive) to ``end`` (exclusive), multiply ``target`` or set it.

    Times are dates ("2019-01") or model time; None means the start or end of the run.
    ``multiply`` / ``set`` are numbers or per-draw arrays. ``where`` limits the change to
    some members of the target's dimensions, e.g. ``{"area": ["north", "east"]}``.
    """

    target: str
    multiply: float | np.ndarray | None = None
    set: float | np.ndarray | None = None
    start: str | float | None = None
    end: str | float | None = None
    where: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    label: str = ""

    @property
    def what(self) -> str:
        return self.label or f"intervention on '{self.target}'"

    def window(self, model: Model) -> tuple[float, float]:
        def at(value, default):
            if value is None:
                return default
            if isinstance(value, str):
                return model.months(value)
            return float(value)

        return at(self.start, -np.inf), at(self.end, np.inf)

    def members(self, model: Model) -> dict[str, set[str]]:
        """The members each named dimension is limited to."""
        chosen = {}
        for dim, members in self.where.items():
            names = [members] if isinstance(members, str) else list(members)
            chosen[dim] = set(names)
        return chosen


def validate(model: Model, interventions: Sequence[Intervention], n_draws: int) -> None:
    """Check targets, members and values; refuse two overrides of one thing at one time."""
    for iv in interventions:
        var = model.variables.get(iv.target)
        if var is None or var.kind not in ("param", "flow", "aux"):
            raise InterventionError(
                f"{iv.what}: '{iv.target}' is not a parameter, flow or auxiliary of "
                f"model '{model.name}'"
            )
        if (iv.multiply is None) == (iv.set is None):
            raise InterventionError(f"{iv.what}: give exactly one of multiply or set")
        value = np.asarray(iv.multiply if iv.set is None else iv.set, dtype=float)
        if value.ndim > 1 or (value.ndim == 1 and value.shape[0] != n_draws):
            raise InterventionError(
                f"{iv.what}: the value must be a number or one per draw ({n_draws})"
            )
        if not np.all(np.isfinite(value)):
            raise InterventionError(f"{iv.what}: the value is not a finite number")
        t0, t1 = iv.window(model)
        if t1 <= t0:
            raise InterventionError(f"{iv.what}: ends before it starts")
        for dim, members in iv.members(model).items():
            if dim not in var.dims:
                raise InterventionError(f"{iv.what}: '{iv.target}' has no dimension '{dim}'")
            for member in members:
                try:
                    model.dimensions[dim].index(member)
                except ModelError as err:
                    raise InterventionError(f"{iv.what}: {err}") from None
    _refuse_overlapping_overrides(model, interventions)


def overlap(model: Model, a: Intervention, b: Intervention) -> bool:
    """Whether two interventions change the same members of one target at the same time."""
    if a.target != b.target:
        return False
    (a0, a1), (b0, b1) = a.window(model), b.window(model)
    if max(a0, b0) >= min(a1, b1):
        return False
    ma, mb = a.members(model), b.members(model)
    return not any(dim in mb and not (ma[dim] & mb[dim]) for dim in ma)


def _refuse_overlapping_overrides(model: Model, interventions: Sequence[Intervention]) -> None:
    overrides = [iv for iv in interventions if iv.set is not None]
    for i, a in enumerate(overrides):
        for b in overrides[i + 1:]:
            if overlap(model, a, b):
                raise InterventionError(
                    f"{a.what} and {b.what} both set '{a.target}' over the same time"
                )
