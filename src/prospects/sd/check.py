"""Checks run before any model is compiled or exported; each failure is one clear line.

``check`` returns a ``CheckedModel``: the model with what the checks found (the dimensions
of every node), cached for each version of the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from . import units as U
from .builtins import BUILTINS
from .expr import BinOp, Const, Expr, Visitor
from .graph import instant_dependencies, nodes, order
from .model import Aux, Model, ModelError, Stock, Variable
from .render import render

_CHECKED: WeakKeyDictionary[Model, CheckedModel] = WeakKeyDictionary()


@dataclass(eq=False)
class CheckedModel:
    """A model that passed every check, at one version of it."""

    model: Model
    version: int
    dimensions: Dims

    def dims(self, node: Expr) -> tuple[str, ...]:
        """Dimensions an expression spans (in the model's order)."""
        return self.dimensions.of(node)


def check(model: Model) -> CheckedModel:
    """Validate names, loops, dimensions and units (each version of a model once)."""
    cached = _CHECKED.get(model)
    if cached is not None and cached.version == model.version:
        return cached
    _check_references(model)
    deps = {v.name: instant_dependencies(v) for v in model.variables.values()
            if v.kind in ("aux", "flow")}
    order(deps, "algebraic loop among auxiliaries")
    dims = Dims(model)
    dims.run()
    if model.check_units:
        _Units(model).run()
    _CHECKED[model] = checked = CheckedModel(model, model.version, dims)
    return checked


def _check_references(model: Model) -> None:
    for var in model.variables.values():
        eq = var.equation()
        if eq is None:
            continue
        for node in nodes(eq):
            if isinstance(node, Variable) and model.variables.get(node.name) is not node:
                raise ModelError(f"'{var.name}' uses unknown variable '{node.name}'")
            if node.form == "lookup" and model.lookups.get(node.lookup.name) is not node.lookup:
                raise ModelError(f"'{var.name}' uses unknown lookup '{node.lookup.name}'")
            if node.form in ("reduce", "select", "take") and node.dim not in model.dimensions:
                raise ModelError(f"'{var.name}' uses unknown dimension '{node.dim}'")
            if node.form == "select":
                model.dimensions[node.dim].index(node.member)


class Dims(Visitor):
    """Dimensions of each node, inferring each auxiliary's from its equation; names, never
    positions, decide broadcasting."""

    def __init__(self, model: Model):
        self.model = model
        self.rank = {d: i for i, d in enumerate(model.dimensions)}
        self.memo: dict[int, tuple[Expr, tuple[str, ...]]] = {}
        self.done: set[str] = set()
        self.owner = ""

    def of(self, node: Expr) -> tuple[str, ...]:
        key = id(node)
        if key not in self.memo:
            self.memo[key] = (node, self.visit(node))
        return self.memo[key][1]

    def union(self, found) -> tuple[str, ...]:
        return tuple(sorted(set(found), key=self.rank.__getitem__))

    def children(self, node: Expr) -> tuple[str, ...]:
        return self.union(d for child in node.children() for d in self.of(child))

    constant = date = time = binary = negate = invert = lookup = children

    def call(self, node) -> tuple[str, ...]:
        found = BUILTINS[node.fn].dims([self.of(a) for a in node.args])
        if node.along and node.along not in self.rank:
            raise ModelError(f"'{self.owner}': {node.fn} along '{node.along}', which is not "
                             "a dimension")
        return self.union({*found, node.along} - {""})

    def variable(self, node: Variable) -> tuple[str, ...]:
        if isinstance(node, Aux):
            self.aux(node)
        return node.dims

    def reduce(self, node) -> tuple[str, ...]:
        inner = self.of(node.operand)
        if node.dim not in inner:
            raise ModelError(
                f"'{self.owner}': dimension mismatch: `{render(node)}` takes '{node.dim}' from "
                f"`{render(node.operand)}`, which has dims ({', '.join(inner)})"
            )
        return tuple(d for d in inner if d != node.dim)

    select = reduce

    def take(self, node) -> tuple[str, ...]:
        inner = self.of(node.operand)
        return self.union([d for d in inner if d != node.source] + [node.dim])

    def array(self, node) -> tuple[str, ...]:
        for part, over in zip(node.parts, node.over, strict=True):
            found = self.of(part)
            if not set(found) <= {d for d in over if d is not None}:
                raise ModelError(f"'{self.owner}': dimension mismatch: a part has "
                                 f"({', '.join(found)}) but is written over "
                                 f"({', '.join(d for d in over if d)})")
        return self.union(node.dims)

    def aux(self, var: Aux) -> None:
        if var.name in self.done:
            return
        self.done.add(var.name)
        owner, self.owner = self.owner, var.name
        found = self.of(var.expr)
        self.owner = owner
        if var.declared_dims is None:
            var.dims = found
            return
        if not set(found) <= set(var.declared_dims):
            raise ModelError(
                f"'{var.name}': dimension mismatch: equation has ({', '.join(found)}) "
                f"but '{var.name}' is declared ({', '.join(var.declared_dims)})"
            )
        var.dims = var.declared_dims

    def run(self) -> None:
        for var in self.model.variables.values():
            if isinstance(var, Aux):
                self.aux(var)
        for var in self.model.variables.values():
            eq = var.equation()
            if var.kind == "flow":
                ends = [s for s in (var.src, var.dst) if s is not None]
                if len({s.dims for s in ends}) > 1:
                    raise ModelError(
                        f"flow '{var.name}' connects stocks of different dimensions: "
                        + " vs ".join(f"{s.name} ({', '.join(s.dims)})" for s in ends)
                    )
            if eq is not None and var.kind in ("flow", "stock"):
                self.owner = var.name
                found = self.of(eq)
                if not set(found) <= set(var.dims):
                    raise ModelError(
                        f"'{var.name}': dimension mismatch: equation has ({', '.join(found)}) "
                        f"but {var.kind} '{var.name}' has ({', '.join(var.dims)})"
                    )


class UnitRules:
    """What a builtin's unit rule may use: the units of time and of pure numbers, and
    checks that report the call they are about."""

    def __init__(self, units: _Units, node: Expr, owner: str):
        self.units, self.node, self.owner = units, node, owner
        self.month = units.month
        self.one = U.registry().dimensionless

    def need(self, unit, wanted, what: str) -> None:
        self.units.need(unit, wanted, self.node, self.owner, what)

    def agree(self, a, b):
        return self.units.agree(a, b, self.node, self.owner)


class _Units(Visitor):
    """Infers units bottom-up and reports the first disagreement with both sides."""

    def __init__(self, model: Model):
        self.model = model
        self.month = U.parse(model.time_unit)
        self.cache: dict[str, object] = {}
        self.owner = ""

    def declared(self, var: Variable):
        if var.name not in self.cache:
            try:
                self.cache[var.name] = U.parse(var.unit)
            except ValueError as err:
                raise ModelError(f"'{var.name}': {err}") from None
        return self.cache[var.name]

    def var_unit(self, var: Variable):
        if isinstance(var, Aux) and var.unit is None:
            if var.name not in self.cache:
                self.cache[var.name] = self.of(var.expr, var.name)
            return self.cache[var.name]
        return self.declared(var)

    def agree(self, a, b, node: Expr, owner: str):
        if not U.same(a, b):
            raise ModelError(
                f"units disagree in '{owner}': {U.show(a)} vs {U.show(b)} in `{render(node)}`"
            )
        return a if a is not None else b

    def need(self, unit, wanted, node: Expr, owner: str, what: str) -> None:
        if not U.same(unit, wanted):
            raise ModelError(
                f"units disagree in '{owner}': {what} must be {U.show(wanted)}, "
                f"got {U.show(unit)} in `{render(node)}`"
            )

    def of(self, node: Expr, owner: str):
        owner_before, self.owner = self.owner, owner
        try:
            return self.visit(node)
        finally:
            self.owner = owner_before

    def variable(self, node: Variable):
        return self.var_unit(node)

    def constant(self, node):
        return None

    def date(self, node):
        return self.month

    time = date

    def negate(self, node):
        return self.visit(node.operand)

    reduce = select = negate

    def invert(self, node):
        self.need(self.visit(node.operand), U.registry().dimensionless, node, self.owner,
                  "a condition")
        return U.registry().dimensionless

    def lookup(self, node):
        lk = node.lookup
        self.need(self.visit(node.operand), U.parse(lk.x_unit), node, self.owner,
                  f"the input of lookup '{lk.name}'")
        return U.parse(lk.y_unit)

    def call(self, node):
        args = [self.visit(a) for a in node.args]
        return BUILTINS[node.fn].units(UnitRules(self, node, self.owner), *args)

    def binary(self, node: BinOp):
        owner = self.owner
        a, b = self.visit(node.left), self.visit(node.right)
        dimensionless = U.registry().dimensionless
        op = node.op
        if op in ("+", "-"):
            return self.agree(a, b, node, owner)
        if op in ("<", "<=", ">", ">=", "==", "!="):
            self.agree(a, b, node, owner)
            return dimensionless
        if op in ("&", "|"):
            for side in (a, b):
                self.need(side, dimensionless, node, owner, "a condition")
            return dimensionless
        if op == "*":
            return b if a is None else a if b is None else a * b
        if op == "/":
            if b is None:
                return a
            return (dimensionless if a is None else a) / b
        # power: a unit can only be raised to a constant
        self.need(b, dimensionless, node, owner, "an exponent")
        if a is None or U.is_dimensionless(a):
            return a
        if not isinstance(node.right, Const):
            raise ModelError(f"units in '{owner}': a quantity with units raised to a "
                             f"non-constant power in `{render(node)}`")
        return a ** node.right.value

    def run(self) -> None:
        for var in self.model.variables.values():
            if isinstance(var, Aux):
                found = self.of(var.expr, var.name)
                if var.unit is not None:
                    self.need(found, self.declared(var), var.expr, var.name,
                              f"the equation of '{var.name}' ({var.unit})")
            elif isinstance(var, Stock):
                self.need(self.of(var.init, var.name), self.declared(var), var.init, var.name,
                          "the initial value")
            elif var.kind == "flow":
                ends = [s for s in (var.src, var.dst) if s is not None]
                for stock in ends:
                    wanted = self.declared(stock) / self.month
                    if not U.same(self.declared(var), wanted):
                        raise ModelError(
                            f"units disagree in flow '{var.name}': its unit {var.unit} is not "
                            f"the unit of stock '{stock.name}' per {self.model.time_unit} "
                            f"({U.show(wanted)})"
                        )
                self.need(self.of(var.rate, var.name), self.declared(var), var.rate, var.name,
                          "the rate")
            elif var.kind == "param":
                self.declared(var)
        for lookup in self.model.lookups.values():
            for unit in (lookup.x_unit, lookup.y_unit):
                try:
                    U.parse(unit)
                except ValueError as err:
                    raise ModelError(f"lookup '{lookup.name}': {err}") from None
