"""Expression nodes: equations are Python expressions on these objects, never strings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")
LOGICAL = ("&", "|")


class Expr:
    """Base of every node; Python operators build new nodes.

    ``form`` names the node's kind for ``Visitor``: one method of that name per kind.
    """

    __slots__ = ()
    __hash__ = object.__hash__
    form = "expr"

    def children(self) -> tuple[Expr, ...]:
        return ()

    def walk(self) -> Iterator[Expr]:
        """This node and all nodes below it, not descending into named variables."""
        yield self
        for child in self.children():
            yield from child.walk()

    def sel(self, **members: str) -> Expr:
        """Select one member of a dimension: ``fighters.sel(area="north")``."""
        node: Expr = self
        for dim, member in members.items():
            node = Select(node, dim, member)
        return node

    def _bin(self, op: str, other: object, reverse: bool = False) -> BinOp:
        other_expr = as_expr(other)
        return BinOp(op, other_expr, self) if reverse else BinOp(op, self, other_expr)

    def __add__(self, o):
        return self._bin("+", o)

    def __radd__(self, o):
        return self._bin("+", o, True)

    def __sub__(self, o):
        return self._bin("-", o)

    def __rsub__(self, o):
        return self._bin("-", o, True)

    def __mul__(self, o):
        return self._bin("*", o)

    def __rmul__(self, o):
        return self._bin("*", o, True)

    def __truediv__(self, o):
        return self._bin("/", o)

    def __rtruediv__(self, o):
        return self._bin("/", o, True)

    def __pow__(self, o):
        return self._bin("**", o)

    def __rpow__(self, o):
        return self._bin("**", o, True)

    def __lt__(self, o):
        return self._bin("<", o)

    def __le__(self, o):
        return self._bin("<=", o)

    def __gt__(self, o):
        return self._bin(">", o)

    def __ge__(self, o):
        return self._bin(">=", o)

    def __eq__(self, o):  # type: ignore[override]
        return self._bin("==", o)

    def __ne__(self, o):  # type: ignore[override]
        return self._bin("!=", o)

    def __and__(self, o):
        return self._bin("&", o)

    def __rand__(self, o):
        return self._bin("&", o, True)

    def __or__(self, o):
        return self._bin("|", o)

    def __ror__(self, o):
        return self._bin("|", o, True)

    def __neg__(self):
        return Neg(self)

    def __pos__(self):
        return self

    def __invert__(self):
        return Not(self)

    def __bool__(self):
        raise TypeError(
            "a model expression has no truth value; use if_then_else(), & and | "
            "instead of if, and, or"
        )


def as_expr(value: object) -> Expr:
    """Wrap Python numbers as constants; pass expressions through."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool):
        return Const(float(value))
    if isinstance(value, int | float):
        return Const(float(value))
    raise TypeError(f"cannot use {value!r} ({type(value).__name__}) in a model equation")


@dataclass(eq=False, frozen=True)
class Const(Expr):
    form = "constant"
    value: float


@dataclass(eq=False, frozen=True)
class Date(Expr):
    """A calendar date ("2018-08"), read as model time once the model is known."""

    form = "date"
    text: str


@dataclass(eq=False, frozen=True)
class Time(Expr):
    """The model's clock, in its time unit since the start."""

    form = "time"

@dataclass(eq=False, frozen=True)
class BinOp(Expr):
    form = "binary"
    op: str
    left: Expr
    right: Expr

    def children(self):
        return (self.left, self.right)


@dataclass(eq=False, frozen=True)
class Neg(Expr):
    form = "negate"
    operand: Expr

    def children(self):
        return (self.operand,)


@dataclass(eq=False, frozen=True)
class Not(Expr):
    form = "invert"
    operand: Expr

    def children(self):
        return (self.operand,)


@dataclass(eq=False, frozen=True)
class Call(Expr):
    """A builtin of the registry (``builtins.BUILTINS``), by name, applied to ``args``;
    ``along`` the dimension a builtin that works along one (a vector function) works
    along, else empty."""

    form = "call"
    fn: str
    args: tuple[Expr, ...]
    along: str = ""

    def children(self):
        return self.args


@dataclass(eq=False, frozen=True)
class Reduce(Expr):
    """Sum, mean, product, minimum or maximum (``how``) over one dimension."""

    form = "reduce"
    how: str
    operand: Expr
    dim: str

    def children(self):
        return (self.operand,)


@dataclass(eq=False, frozen=True)
class Select(Expr):
    """One member of a dimension."""

    form = "select"
    operand: Expr
    dim: str
    member: str

    def children(self):
        return (self.operand,)


@dataclass(eq=False, frozen=True)
class Take(Expr):
    """Members of dimension ``source`` (at ``indices``, in order) as the members of
    dimension ``dim``: a subrange of a variable, or a mapping of one dimension onto
    another."""

    form = "take"
    operand: Expr
    source: str
    dim: str
    indices: tuple[int, ...]

    def children(self):
        return (self.operand,)


@dataclass(eq=False, frozen=True)
class Array(Expr):
    """A value over ``dims`` written in parts: part k gives the members at ``at[k]`` (per
    dimension, their indices) from ``parts[k]``, written over ``over[k]`` (per dimension,
    the dimension it spans, a subrange's for instance, or None for one member) at the
    positions ``pick[k]`` of those members in it."""

    form = "array"
    dims: tuple[str, ...]
    parts: tuple[Expr, ...]
    over: tuple[tuple[str | None, ...], ...]
    at: tuple[tuple[tuple[int, ...], ...], ...]
    pick: tuple[tuple[tuple[int, ...] | None, ...], ...]

    def children(self):
        return self.parts


@dataclass(eq=False, frozen=True)
class LookupCall(Expr):
    form = "lookup"
    lookup: Lookup
    operand: Expr

    def children(self):
        return (self.operand,)


@dataclass(eq=False)
class Lookup:
    """A graphical function: linear interpolation between points, ends held."""

    name: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    x_unit: str | None = None
    y_unit: str | None = None
    doc: str = ""

    def __call__(self, x: object) -> LookupCall:
        return LookupCall(self, as_expr(x))


class Visitor:
    """Walks an expression by dispatching each node to the method named by its ``form``."""

    def visit(self, node: Expr):
        return getattr(self, node.form)(node)
