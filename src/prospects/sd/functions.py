"""Builtin functions of the modelling language, as modellers call them.

Each returns an expression node; none computes anything. Most are the registry's
builtins (``builtins.BUILTINS``); ``clip`` and ``logistic`` are written in terms of them,
and ``total`` and ``mean`` reduce over a dimension. Times (``start``, ``end``) may be
numbers in model time or dates such as ``"2018-08"``.
"""

from __future__ import annotations

from .builtins import BUILTINS
from .expr import Expr, Reduce, as_expr

minimum = BUILTINS["minimum"]
maximum = BUILTINS["maximum"]
absolute = BUILTINS["absolute"]
exp = BUILTINS["exp"]
log = BUILTINS["log"]
sqrt = BUILTINS["sqrt"]
integer = BUILTINS["integer"]
modulo = BUILTINS["modulo"]
zidz = BUILTINS["zidz"]
if_then_else = BUILTINS["if_then_else"]
step = BUILTINS["step"]
pulse = BUILTINS["pulse"]
ramp = BUILTINS["ramp"]
smooth = BUILTINS["smooth"]
smooth3 = BUILTINS["smooth3"]
delay1 = BUILTINS["delay1"]
delay3 = BUILTINS["delay3"]
delay_fixed = BUILTINS["delay_fixed"]
trend = BUILTINS["trend"]
random_uniform = BUILTINS["random_uniform"]
sin, cos, tan = BUILTINS["sin"], BUILTINS["cos"], BUILTINS["tan"]
xidz = BUILTINS["xidz"]
pulse_train = BUILTINS["pulse_train"]
initial = BUILTINS["initial"]
sample_if_true = BUILTINS["sample_if_true"]
smooth_n, delay_n = BUILTINS["smooth_n"], BUILTINS["delay_n"]
forecast = BUILTINS["forecast"]
# along one dimension, which each call names: vector_rank(x, 1, along="company")
vector_sort_order, vector_rank = BUILTINS["vector_sort_order"], BUILTINS["vector_rank"]
vector_reorder = BUILTINS["vector_reorder"]
allocate_by_priority = BUILTINS["allocate_by_priority"]
allocate_available = BUILTINS["allocate_available"]


def clip(x: object, low: object, high: object) -> Expr:
    return minimum(maximum(x, low), high)


def logistic(x: object, steepness: object = 1.0, midpoint: object = 0.0) -> Expr:
    """1 / (1 + exp(-steepness * (x - midpoint)))."""
    return 1.0 / (1.0 + exp(-as_expr(steepness) * (as_expr(x) - as_expr(midpoint))))


def total(x: object, dim: str) -> Expr:
    """Sum over a dimension."""
    return Reduce("sum", as_expr(x), dim)


def mean(x: object, dim: str) -> Expr:
    """Mean over a dimension."""
    return Reduce("mean", as_expr(x), dim)
