"""Numbers and units as the report and dashboard print them: no scientific notation, no
dimensionless unit "1", probabilities as percentages, precision set by size alone (so a
column of figures of one size reads evenly)."""

from __future__ import annotations

import math


def _decimals(size: float) -> int:
    return 0 if size >= 10 or size == 0 else 1 if size >= 1 else 2


def count(x: float, signed: bool = False, decimals: int | None = None) -> str:
    """A figure: whole numbers from 10 up (thousands separated), one decimal from 1, two
    below (or ``decimals``); "0" for zero; a leading + if ``signed`` and positive."""
    if x is None or not math.isfinite(x):
        return "—"
    decimals = _decimals(abs(x)) if decimals is None else decimals
    text = f"{x:,.{decimals}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = "0"
    return ("+" + text) if signed and not text.startswith("-") and text != "0" else text


def counts(xs, signed: bool = False) -> list[str]:
    """Figures printed side by side (a row or a column of one quantity): all with the
    precision the largest of them gets, so that they read evenly ("-467", "+1", not "+1.1")."""
    finite = [abs(x) for x in xs if x is not None and math.isfinite(x)]
    decimals = _decimals(max(finite)) if finite else 0
    return [count(x, signed, decimals) for x in xs]


def pct(p: float) -> str:
    """A probability as a percentage with one decimal ("23.4%")."""
    return "—" if p is None or not math.isfinite(p) else f"{100 * p:.1f}%"


def points(d: float) -> str:
    """A change of probability in percentage points, signed ("+4.2 pp")."""
    if d is None or not math.isfinite(d):
        return "—"
    value = f"{100 * d:+.1f}"
    return ("0.0" if value in ("+0.0", "-0.0") else value) + " pp"


def unit_text(unit: str | None) -> str:
    """A unit to print after a number: nothing for a dimensionless one ("1", "", "dmnl")."""
    unit = (unit or "").strip()
    return "" if unit in ("1", "dmnl", "dimensionless") else unit


def member_label(member: str) -> str:
    """A dimension member as people read it: an identifier in lower case ("north",
    "river_valley") with its first letter capitalised and spaces for underscores; any
    other name ("Highlands", "UN") as it is."""
    text = str(member)
    if text == text.lower() and text.replace("_", "").isalnum():
        return text.replace("_", " ").capitalize()
    return text


def short_label(system, name: str) -> str:
    """A variable's label if the model gives one, else its name in words: for places
    where a whole sentence would not fit (a loop's path)."""
    var = system.model.variables.get(name)
    if var is not None and var.label and var.label != name:
        return var.label
    return name.replace("_", " ")


def label_of(system, name: str) -> str:
    """How a model variable or parameter reads to people: its label if the model gives
    one, else the first sentence of its doc (or that sentence's first clause, if the
    sentence runs past 90 characters), else its name with spaces. A name with members
    selected ("share[Highlands]", as a backtest writes it) reads as the variable's label
    followed by the members."""
    base, _, selected = name.partition("[")
    if selected:
        return ", ".join([label_of(system, base)]
                         + [member_label(m) for m in selected.rstrip("]").split("][")])
    var = system.model.variables.get(name)
    if var is not None and var.label and var.label != name:
        return var.label
    doc = (var.doc if var is not None else "") or ""
    if not doc:
        spec = system.evidence.parameters.get(name)
        if spec is None:
            return short_label(system, name)
        doc = spec.rationale
    first = doc.split(". ")[0].rstrip(".")
    if len(first) > 90:  # a long sentence: its first clause, if that is short enough
        first = first.split("; ")[0]
    return first if 0 < len(first) <= 90 else short_label(system, name)
