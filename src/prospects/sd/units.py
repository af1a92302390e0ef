"""Unit algebra for model checks, on top of pint (imported only when a model is checked)."""

from __future__ import annotations

from functools import cache

#: Units the models use beyond pint's defaults.
EXTRA_UNITS = (
    "person = [person] = persons = people = fighter = fighters",
    "USD = [currency] = usd = dollar = dollars",
    "attack = [attack] = attacks",
    "index = [] ",
)


@cache
def registry():
    import pint

    reg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    for line in EXTRA_UNITS:
        reg.define(line)
    return reg


def parse(text: str | None):
    """A pint Unit, or None for 'not stated' (bare numbers adapt to their neighbours).
    An unreadable unit raises ValueError with a one-line reason (none of pint's insides)."""
    if text is None:
        return None
    reg = registry()
    if str(text).strip() in ("", "1", "dimensionless"):
        return reg.dimensionless
    try:
        return reg.parse_units(str(text))
    except Exception as err:  # pint raises its own errors, AssertionError, TokenError...
        names = getattr(err, "unit_names", None)
        why = f"{', '.join(map(repr, names))} not defined" if names else "not a unit expression"
        raise ValueError(f"unknown unit '{text}' ({why})") from None


def same(a, b) -> bool:
    """Whether two units are the same (not merely of the same dimension)."""
    if a is None or b is None:
        return True
    reg = registry()
    try:
        factor = reg.Quantity(1.0, a).to(b).magnitude
    except Exception:  # pint's DimensionalityError and friends
        return False
    return abs(factor - 1.0) < 1e-9


def show(unit) -> str:
    if unit is None:
        return "(any)"
    text = f"{unit:~}" if str(unit) != "dimensionless" else "1"
    return text or "1"


def is_dimensionless(unit) -> bool:
    return unit is None or same(unit, registry().dimensionless)
