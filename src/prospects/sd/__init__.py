"""The modelling language: stock-and-flow equation graphs built in Python.

>>> from prospects.sd import Model, minimum
>>> m = Model("demo", start="2015-01", stop="2016-12")
>>> growth = m.param("growth", 0.05, unit="1/month")
>>> people = m.stock("people", 100, unit="person")
>>> births = m.flow("births", None, people, growth * people)
"""

from .expr import Expr, Lookup
from .functions import (
    absolute,
    clip,
    delay1,
    delay3,
    delay_fixed,
    exp,
    if_then_else,
    integer,
    log,
    logistic,
    maximum,
    mean,
    minimum,
    modulo,
    pulse,
    ramp,
    random_uniform,
    smooth,
    smooth3,
    sqrt,
    step,
    total,
    trend,
    zidz,
)
from .model import Aux, Dimension, Flow, Model, ModelError, Param, Stock, Variable

__all__ = [
    "Aux", "Dimension", "Expr", "Flow", "Lookup", "Model", "ModelError", "Param", "Stock",
    "Variable", "absolute", "clip", "delay1", "delay3", "delay_fixed", "exp", "if_then_else",
    "integer", "log", "logistic", "maximum", "mean", "minimum", "modulo", "pulse", "ramp",
    "random_uniform", "smooth", "smooth3", "sqrt", "step", "total", "trend", "zidz",
]
