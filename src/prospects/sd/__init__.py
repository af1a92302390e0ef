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
    exp,
    if_then_else,
    log,
    logistic,
    maximum,
    mean,
    minimum,
    pulse,
    ramp,
    smooth,
    sqrt,
    step,
    total,
)
from .model import Aux, Dimension, Flow, Model, ModelError, Param, Stock, Variable

__all__ = [
    "Aux", "Dimension", "Expr", "Flow", "Lookup", "Model", "ModelError", "Param", "Stock",
    "Variable", "absolute", "clip", "exp", "if_then_else", "log", "logistic", "maximum", "mean",
    "minimum", "pulse", "ramp", "smooth", "sqrt", "step", "total",
]
