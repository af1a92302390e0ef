"""Checks run before any model is compiled or exported; each failure is one clear line."""

from __future__ import annotations

from . import units as U
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
from .graph import instant_dependencies, nodes, order, smooth_states
from .model import TIME_UNIT, Aux, Model, ModelError, Stock, Variable
from .render import render


def check(model: Model) -> None:
    """Validate names, loops, dimensions and units; annotate the model for the engine."""
    if getattr(model, "checked_version", None) == model.version:
        return
    _check_references(model)
    model.smooths = smooth_states(model)
    deps = {v.name: instant_dependencies(v) for v in model.variables.values()
            if v.kind in ("aux", "flow")}
    order(deps, "algebraic loop among auxiliaries")
    _Dims(model).run()
    _Units(model).run()
    model.checked_version = model.version


def _check_references(model: Model) -> None:
    for var in model.variables.values():
        eq = var.equation()
        if eq is None:
            continue
        for node in nodes(eq):
            if isinstance(node, Variable) and model.variables.get(node.name) is not node:
                raise ModelError(f"'{var.name}' uses unknown variable '{node.name}'")
            known = isinstance(node, LookupCall) and model.lookups.get(node.lookup.name)
            if isinstance(node, LookupCall) and known is not node.lookup:
                raise ModelError(f"'{var.name}' uses unknown lookup '{node.lookup.name}'")
            if isinstance(node, Reduce | Select) and node.dim not in model.dimensions:
                raise ModelError(f"'{var.name}' uses unknown dimension '{node.dim}'")
            if isinstance(node, Select):
                model.dimensions[node.dim].index(node.member)


class _Dims:
    """Infers each variable's dimensions; names, never positions, decide broadcasting."""

    def __init__(self, model: Model):
        self.model = model
        self.rank = {d: i for i, d in enumerate(model.dimensions)}
        self.done: set[str] = set()

    def union(self, *groups: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted({d for g in groups for d in g}, key=self.rank.__getitem__))

    def of(self, node: Expr, owner: str) -> tuple[str, ...]:
        if isinstance(node, Aux):
            self.aux(node)
        if isinstance(node, Variable):
            return node.dims
        if isinstance(node, Reduce | Select):
            inner = self.of(node.operand, owner)
            if node.dim not in inner:
                raise ModelError(
                    f"'{owner}': dimension mismatch: `{render(node)}` takes '{node.dim}' from "
                    f"`{render(node.operand)}`, which has dims ({', '.join(inner)})"
                )
            return tuple(d for d in inner if d != node.dim)
        return self.union(*(self.of(c, owner) for c in node.children()))

    def aux(self, var: Aux) -> None:
        if var.name in self.done:
            return
        self.done.add(var.name)
        found = self.of(var.expr, var.name)
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
                found = self.of(eq, var.name)
                if not set(found) <= set(var.dims):
                    raise ModelError(
                        f"'{var.name}': dimension mismatch: equation has ({', '.join(found)}) "
                        f"but {var.kind} '{var.name}' has ({', '.join(var.dims)})"
                    )
        for state in self.model.smooths.values():
            state.dims = self.of(state.node, state.owner.name)


class _Units:
    """Infers units bottom-up and reports the first disagreement with both sides."""

    def __init__(self, model: Model):
        self.model = model
        self.month = U.parse(TIME_UNIT)
        self.cache: dict[str, object] = {}

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

    def of(self, node: Expr, owner: str):  # noqa: C901 - one case per node type
        dimensionless = U.registry().dimensionless
        if isinstance(node, Variable):
            return self.var_unit(node)
        if isinstance(node, Const):
            return None
        if isinstance(node, Date | Time):
            return self.month
        if isinstance(node, Neg | Reduce | Select):
            return self.of(node.operand, owner)
        if isinstance(node, Not):
            self.need(self.of(node.operand, owner), dimensionless, node, owner, "a condition")
            return dimensionless
        if isinstance(node, LookupCall):
            lk = node.lookup
            self.need(self.of(node.operand, owner), U.parse(lk.x_unit), node, owner,
                      f"the input of lookup '{lk.name}'")
            return U.parse(lk.y_unit)
        if isinstance(node, Smooth):
            self.need(self.of(node.delay, owner), self.month, node, owner, "a smooth's delay")
            unit = self.of(node.operand, owner)
            if node.init is not None:
                unit = self.agree(unit, self.of(node.init, owner), node, owner)
            return unit
        if isinstance(node, BinOp):
            return self.binop(node, owner)
        if isinstance(node, Call):
            return self.call(node, owner)
        raise TypeError(f"unknown node {node!r}")

    def binop(self, node: BinOp, owner: str):
        a, b = self.of(node.left, owner), self.of(node.right, owner)
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

    def call(self, node: Call, owner: str):
        dimensionless = U.registry().dimensionless
        args = [self.of(a, owner) for a in node.args]
        fn = node.fn
        if fn in ("min", "max"):
            return self.agree(args[0], args[1], node, owner)
        if fn == "abs":
            return args[0]
        if fn in ("exp", "log"):
            self.need(args[0], dimensionless, node, owner, f"the argument of {fn}")
            return dimensionless
        if fn == "sqrt":
            return None if args[0] is None else args[0] ** 0.5
        if fn == "if_then_else":
            return self.agree(args[1], args[2], node, owner)
        if fn == "step":
            self.need(args[1], self.month, node, owner, "a start time")
            return args[0]
        if fn == "pulse":
            for arg in args:
                self.need(arg, self.month, node, owner, "a pulse's start and width")
            return dimensionless
        if fn == "ramp":
            for arg in args[1:]:
                self.need(arg, self.month, node, owner, "a ramp's start and end")
            return None if args[0] is None else args[0] * self.month
        raise TypeError(f"unknown function {fn}")

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
                            f"the unit of stock '{stock.name}' per {TIME_UNIT} ({U.show(wanted)})"
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
