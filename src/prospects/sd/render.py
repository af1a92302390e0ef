"""Equations as readable text, in the same Python syntax a modeller writes them in."""

from __future__ import annotations

from .expr import Expr, Visitor

_PRECEDENCE = {"|": 1, "&": 2, "<": 3, "<=": 3, ">": 3, ">=": 3, "==": 3, "!=": 3,
               "+": 4, "-": 4, "*": 5, "/": 5, "**": 7}


class _Render(Visitor):
    def __init__(self):
        self.parent = 0

    def text(self, node: Expr, parent: int = 0) -> str:
        outer, self.parent = self.parent, parent
        try:
            return self.visit(node)
        finally:
            self.parent = outer

    def variable(self, node):
        return node.name

    def constant(self, node):
        return f"{node.value:g}"

    def date(self, node):
        return repr(node.text)

    def time(self, node):
        return "time"

    def binary(self, node):
        prec = _PRECEDENCE[node.op]
        right_prec = prec + (0 if node.op in ("+", "*", "**") else 1)
        text = f"{self.text(node.left, prec)} {node.op} {self.text(node.right, right_prec)}"
        return f"({text})" if prec < self.parent else text

    def negate(self, node):
        return f"-{self.text(node.operand, 6)}"

    def invert(self, node):
        return f"~{self.text(node.operand, 6)}"

    def call(self, node):
        along = [f"along={node.along!r}"] if node.along else []
        return f"{node.fn}({', '.join([*(self.text(a) for a in node.args), *along])})"

    def lookup(self, node):
        return f"{node.lookup.name}({self.text(node.operand)})"

    def reduce(self, node):
        fn = {"sum": "total"}.get(node.how, node.how)
        return f"{fn}({self.text(node.operand)}, {node.dim!r})"

    def take(self, node):
        return f"take({self.text(node.operand)}, {node.source!r}, {node.dim!r})"

    def array(self, node):
        parts = ", ".join(self.text(p) for p in node.parts)
        return f"array({node.dims!r}, {parts})"

    def select(self, node):
        return f"{self.text(node.operand, 8)}.sel({node.dim}={node.member!r})"


def render(node: Expr) -> str:
    """Python-like text of an expression."""
    return _Render().text(node)
