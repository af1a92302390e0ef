"""Builtin functions of the modelling language.

Each returns an expression node; none computes anything. ``clip`` and ``logistic`` are
written in terms of the others so the engine and the exporters know fewer primitives.
Times (``start``, ``end``) may be numbers in model time or dates such as ``"2018-08"``.
"""

from __future__ import annotations

from .expr import Call, Date, Expr, Reduce, Smooth, as_expr


def _time(value: object) -> Expr:
    return Date(value) if isinstance(value, str) else as_expr(value)


def minimum(a: object, b: object) -> Expr:
    return Call("min", (as_expr(a), as_expr(b)))


def maximum(a: object, b: object) -> Expr:
    return Call("max", (as_expr(a), as_expr(b)))


def absolute(x: object) -> Expr:
    return Call("abs", (as_expr(x),))


def exp(x: object) -> Expr:
    return Call("exp", (as_expr(x),))


def log(x: object) -> Expr:
    """Natural logarithm."""
    return Call("log", (as_expr(x),))


def sqrt(x: object) -> Expr:
    return Call("sqrt", (as_expr(x),))


def clip(x: object, low: object, high: object) -> Expr:
    return minimum(maximum(x, low), high)


def if_then_else(condition: object, then: object, otherwise: object) -> Expr:
    return Call("if_then_else", (as_expr(condition), as_expr(then), as_expr(otherwise)))


def logistic(x: object, steepness: object = 1.0, midpoint: object = 0.0) -> Expr:
    """1 / (1 + exp(-steepness * (x - midpoint)))."""
    return 1.0 / (1.0 + exp(-as_expr(steepness) * (as_expr(x) - as_expr(midpoint))))


def step(height: object, start: object) -> Expr:
    """0 before ``start``, ``height`` from then on."""
    return Call("step", (as_expr(height), _time(start)))


def pulse(start: object, width: object) -> Expr:
    """1 from ``start`` for ``width`` time units, else 0."""
    return Call("pulse", (_time(start), as_expr(width)))


def ramp(slope: object, start: object, end: object) -> Expr:
    """0 before ``start``, rising by ``slope`` per time unit until ``end``, then held."""
    return Call("ramp", (as_expr(slope), _time(start), _time(end)))


def smooth(x: object, delay: object, init: object | None = None) -> Expr:
    """First-order exponential smooth of ``x``; starts at ``init`` or at ``x``'s start."""
    return Smooth(as_expr(x), as_expr(delay), None if init is None else as_expr(init))


def total(x: object, dim: str) -> Expr:
    """Sum over a dimension."""
    return Reduce("sum", as_expr(x), dim)


def mean(x: object, dim: str) -> Expr:
    """Mean over a dimension."""
    return Reduce("mean", as_expr(x), dim)
