"""Equations as readable text, in the same Python syntax a modeller writes them in."""

from __future__ import annotations

from .expr import (
    BinOp,
    Call,
    Const,
    Date,
    Expr,
    LookupCall,
    Neg,
    Not,
    Reduce,
    Select,
    Smooth,
    Time,
)
from .model import Variable

_PRECEDENCE = {"|": 1, "&": 2, "<": 3, "<=": 3, ">": 3, ">=": 3, "==": 3, "!=": 3,
               "+": 4, "-": 4, "*": 5, "/": 5, "**": 7}
_NAMES = {"min": "minimum", "max": "maximum", "abs": "absolute"}


def render(node: Expr, parent: int = 0) -> str:
    """Python-like text of an expression."""
    if isinstance(node, Variable):
        return node.name
    if isinstance(node, Const):
        return f"{node.value:g}"
    if isinstance(node, Date):
        return repr(node.text)
    if isinstance(node, Time):
        return "time"
    if isinstance(node, BinOp):
        prec = _PRECEDENCE[node.op]
        right_prec = prec + (0 if node.op in ("+", "*", "**") else 1)
        text = f"{render(node.left, prec)} {node.op} {render(node.right, right_prec)}"
        return f"({text})" if prec < parent else text
    if isinstance(node, Neg):
        return f"-{render(node.operand, 6)}"
    if isinstance(node, Not):
        return f"~{render(node.operand, 6)}"
    if isinstance(node, Call):
        args = ", ".join(render(a) for a in node.args)
        return f"{_NAMES.get(node.fn, node.fn)}({args})"
    if isinstance(node, LookupCall):
        return f"{node.lookup.name}({render(node.operand)})"
    if isinstance(node, Smooth):
        extra = "" if node.init is None else f", {render(node.init)}"
        return f"smooth({render(node.operand)}, {render(node.delay)}{extra})"
    if isinstance(node, Reduce):
        fn = "total" if node.how == "sum" else "mean"
        return f"{fn}({render(node.operand)}, {node.dim!r})"
    if isinstance(node, Select):
        return f"{render(node.operand, 8)}.sel({node.dim}={node.member!r})"
    raise TypeError(f"cannot render {node!r}")
