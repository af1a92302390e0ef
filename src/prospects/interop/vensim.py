"""Export a model to Vensim's text format (.mdl), as read by Vensim and PySD.

The export reproduces the engine's numbers, not only its equations. It reads the
model's lowered form (``engine.lower``):

* every call of a builtin that holds state becomes a variable written with Vensim's own
  function, ``x_smooth = SMOOTH(input, delay)``, so Vensim computes it its own way;
* a non-negative stock with outflows gets the lowered form's limit: each outflow's
  requested rate becomes ``<flow> raw``, the fraction the stock can deliver this step
  becomes ``<stock> outflow scale`` and the flow is ``raw * scale``;
* a non-negative stock gets ``<stock> floor``, the lowered form's floor: the inflow that
  stops one step taking it below zero (0 unless its inflows are negative);
* selections (``x.sel(area="north")``) become subscripts (``x[north]``), totals and
  means ``SUM(x[area!])`` and ``SUM(x[area!]) / n``.

Vensim is case-insensitive and reads spaces and underscores alike; a name that would
collide there (or with a Vensim function) gets a suffix, noted in its comment.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..sd.builtins import BUILTINS
from ..sd.check import check
from ..sd.expr import COMPARISONS, LOGICAL, BinOp, Const, Expr, Not, Reduce, Visitor
from ..sd.model import Model, ModelError, Stock

#: Vensim builtins and control variables a model variable may not be called
#: (compared after lower-casing and reading spaces as underscores).
_VENSIM_WORDS = frozenset("""
    abs active_initial allocate_available allocate_by_priority arccos arcsin arctan
    cos cosh delay delay1 delay1i delay3 delay3i delay_fixed delay_n delay_profile
    elmcount exp final_time forecast game get_data_at_time get_direct_constants
    get_direct_data get_direct_lookups get_xls_constants get_xls_data get_xls_lookups
    if_then_else initial initial_time integ integer invert_matrix ln log lookup_area
    lookup_backward lookup_extrapolate lookup_forward lookup_invert max min modulo npv
    power prod pulse pulse_train quantum ramp random_0_1 random_normal random_uniform
    sample_if_true saveper sin sinh smooth smooth3 smooth3i smooth_n smoothi sqrt step
    sum tan tanh time time_step trend vector_elm_map vector_rank vector_reorder
    vector_select vector_sort_order vmax vmin with_lookup xidz zidz
""".split())

_COMPARE = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "=", "!=": "<>"}

# Precedence of rendered text (higher binds tighter), following PySD's Vensim grammar.
_ATOM, _NEG, _POW, _MUL, _ADD, _CMP, _NOT, _LOGIC = 10, 9, 8, 6, 4, 3, 2, 1


def _key(name: str) -> str:
    """Vensim's view of a name: case-insensitive, spaces and underscores alike."""
    return re.sub(r"[\s_]+", "_", name.strip().lower())


def _number(value: float) -> str:
    value = float(value)
    if not math.isfinite(value):
        raise ModelError(f"cannot export the number {value} to Vensim")
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _unit(text: str | None) -> str:
    text = _comment(text)
    return "Dmnl" if text in ("1", "dimensionless") else text


def _comment(text: str | None) -> str:
    """Text safe in a Vensim units or comment field (no ~, |, brackets, quotes, newlines)."""
    text = re.sub(r"[~|\[\]\"{}]", " ", text or "")
    return re.sub(r"\s+", " ", text).strip()


def _is_bool(node: Expr) -> bool:
    return isinstance(node, Not) or (
        isinstance(node, BinOp) and node.op in COMPARISONS + LOGICAL)


class _Equation:
    """``name[subscripts] = text``; subscripts default to the dimension names."""

    def __init__(self, name: str, dims: tuple[str, ...], text: str, unit: str | None,
                 doc: str, subscripts: tuple[str, ...] | None = None):
        self.name, self.dims, self.text, self.unit, self.doc = name, dims, text, unit, doc
        self.subscripts = dims if subscripts is None else subscripts


class _Exporter(Visitor):
    def __init__(self, model: Model):
        from ..engine.lower import lower

        self.lowered = lower(check(model))
        self.model = model
        self.ctx: Mapping[str, str] = {}
        self.taken: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.renamed: dict[str, str] = {}
        for dim in model.dimensions.values():
            for name in (dim.name, *dim.members):
                self._reserve(name, f"dimension '{dim.name}'")
        self.states = self.lowered.states
        owners = [*model.variables, *model.lookups,
                  *(state.name for state in self.states.values())]
        for name in owners:
            self.names[name] = self._allocate(name)
        self.limits = self.lowered.limits
        for limit in self.limits:
            for flow, raw in limit.raws.items():
                self.names[raw.name] = self._allocate(f"{flow} raw")
            self.names[limit.scale.name] = self._allocate(f"{limit.stock.name} outflow scale")
        self.floor = {s: self._allocate(f"{s} floor") for s in self.lowered.floors}
        self.helpers: list[_Equation] = []
        self.helper_of: dict[int, str] = {}
        self.padding = self._allocate("pysd padding") if self._pysd_needs_padding() else None

    # -- names --------------------------------------------------------------------
    def _reserve(self, name: str, what: str) -> None:
        key = _key(name)
        if key in _VENSIM_WORDS or key in self.taken:
            clash = self.taken.get(key, "a Vensim word")
            raise ModelError(f"cannot export {what}: its name '{name}' is {clash} in Vensim")
        self.taken[key] = name

    def _allocate(self, wanted: str) -> str:
        name, k = wanted, 1
        while _key(name) in self.taken or _key(name) in _VENSIM_WORDS:
            k += 1
            name = f"{wanted} {k}" if " " in wanted else f"{wanted}_v{k}"
        self.taken[_key(name)] = name
        if name != wanted:
            self.renamed[wanted] = name
        return name

    def dims(self, node: Expr) -> tuple[str, ...]:
        return self.lowered.dims(node)

    # -- expressions --------------------------------------------------------------
    def ref(self, name: str, dims: tuple[str, ...], ctx: Mapping[str, str]) -> str:
        if not dims:
            return name
        return f"{name}[{', '.join(ctx.get(d, d) for d in dims)}]"

    def num(self, node: Expr, ctx: Mapping[str, str], at_least: int = 0) -> str:
        """``node`` as a number, parenthesised unless it binds at least as tight."""
        outer, self.ctx = self.ctx, ctx
        try:
            text, prec = self.visit(node)
        finally:
            self.ctx = outer
        return f"({text})" if prec < at_least else text

    def cond(self, node: Expr, ctx: Mapping[str, str], at_least: int = 0) -> str:
        """``node`` as a condition (Vensim keeps numbers and truth values apart)."""
        if _is_bool(node):
            text, prec = self._bool(node, ctx)
        else:
            text, prec = f"{self.num(node, ctx, _ADD)} <> 0", _CMP
        return f"({text})" if prec < at_least else text

    def _bool(self, node: Expr, ctx: Mapping[str, str]) -> tuple[str, int]:
        if isinstance(node, Not):
            return f":NOT: {self.cond(node.operand, ctx, _CMP)}", _NOT
        if node.op in LOGICAL:
            word = ":AND:" if node.op == "&" else ":OR:"
            left, right = self.cond(node.left, ctx, _NOT), self.cond(node.right, ctx, _NOT)
            return f"{left} {word} {right}", _LOGIC
        left, right = self.num(node.left, ctx, _ADD), self.num(node.right, ctx, _ADD)
        return f"{left} {_COMPARE[node.op]} {right}", _CMP

    def _as_number(self, node: Expr) -> tuple[str, int]:
        return f"IF THEN ELSE({self.cond(node, self.ctx)}, 1, 0)", _ATOM

    invert = _as_number

    def variable(self, node) -> tuple[str, int]:
        return self.ref(self.names[node.name], node.dims, self.ctx), _ATOM

    def constant(self, node) -> tuple[str, int]:
        text = _number(node.value)
        return text, (_NEG if text.startswith("-") else _ATOM)

    def date(self, node) -> tuple[str, int]:
        return _number(self.model.months(node.text)), _ATOM

    def time(self, node) -> tuple[str, int]:
        return "Time", _ATOM

    def negate(self, node) -> tuple[str, int]:
        # not "-x": PySD 3.14 drops the brackets of -(a * b) inside a / or ^
        return f"0 - {self.num(node.operand, self.ctx, _MUL)}", _ADD

    def binary(self, node: BinOp) -> tuple[str, int]:
        return self._as_number(node) if _is_bool(node) else self._binop(node, self.ctx)

    def call(self, node) -> tuple[str, int]:
        ctx, state = self.ctx, self.states.get(id(node))
        if state is not None:
            return self.ref(self.names[state.name], state.dims, ctx), _ATOM
        return self._call(node, ctx), _ATOM

    def lookup(self, node) -> tuple[str, int]:
        return f"{self.names[node.lookup.name]}({self.num(node.operand, self.ctx)})", _ATOM

    def select(self, node) -> tuple[str, int]:
        ctx = {**self.ctx, node.dim: node.member}
        outer, self.ctx = self.ctx, ctx
        try:
            return self.visit(node.operand)
        finally:
            self.ctx = outer

    def reduce(self, node) -> tuple[str, int]:
        return self._reduce(node, self.ctx)

    def _binop(self, node: BinOp, ctx: Mapping[str, str]) -> tuple[str, int]:
        op = node.op
        if op == "**":
            left, right = (self._power_operand(side, ctx) for side in (node.left, node.right))
            return f"{left} ^ {right}", _POW
        prec = _ADD if op in "+-" else _MUL
        # a negative number on the right is bracketed: a * (-3), not a * -3
        left = self.num(node.left, ctx, prec)
        right_at_least = prec if op in "+*" else prec + 1
        if self._negative(node.right):
            right_at_least = _ATOM
        right = self.num(node.right, ctx, right_at_least)
        return f"{left} {op} {right}", prec

    def _power_operand(self, node: Expr, ctx: Mapping[str, str]) -> str:
        # PySD 3.14 turns (-2) ^ x into -(2 ** x); brackets keep ^ chains unambiguous
        if isinstance(node, Const) and node.value < 0:
            return f"(0 - {_number(-node.value)})"
        return self.num(node, ctx, _ATOM)

    @staticmethod
    def _negative(node: Expr) -> bool:
        return isinstance(node, Const) and node.value < 0

    def _call(self, node, ctx: Mapping[str, str]) -> str:
        """A builtin by its Vensim name; conditions as truth values."""
        builtin = BUILTINS[node.fn]
        args = [self.cond(a, ctx) if k in builtin.conditions else self.num(a, ctx)
                for k, a in enumerate(node.args)]
        args += builtin.vensim_tail
        return f"{builtin.vensim_name(len(node.args))}({', '.join(args)})"

    def _reduce(self, node: Reduce, ctx: Mapping[str, str]) -> tuple[str, int]:
        if any(v.endswith("!") for v in ctx.values()):
            # inside another SUM the outer '!' would leak in: give this one a name
            name = self.helper_of.get(id(node))
            if name is None:
                name = self._allocate(f"{node.how} over {node.dim} {len(self.helpers) + 1}")
                dims = self.dims(node)
                text, _ = self._reduce(node, {})
                self.helpers.append(_Equation(name, dims, text, None,
                                              f"{node.how} over {node.dim}, used inside "
                                              "another sum"))
                self.helper_of[id(node)] = name
            return self.ref(name, self.dims(node), ctx), _ATOM
        inner = self.num(node.operand, {**ctx, node.dim: f"{node.dim}!"})
        text = f"SUM({inner})"
        if node.how == "mean":
            return f"{text} / {len(self.model.dimensions[node.dim])}", _MUL
        return text, _ATOM

    # -- equations ----------------------------------------------------------------
    def equations(self) -> list[_Equation]:
        model, eqs = self.model, []
        for var in model.variables.values():
            name = self.names[var.name]
            doc = var.doc + (f" (Prospects name: {var.name})" if var.name in self.renamed
                             else "")
            if var.kind == "param":
                eqs.extend(self._constants(var, name, doc))
            elif var.kind == "stock":
                eqs.append(_Equation(name, var.dims, self._integ(var), var.unit, doc))
            elif var.name in self.lowered.raw_of:
                raw = self.lowered.raw_of[var.name]
                limit = next(lim for lim in self.limits if raw in
                             {r.name for r in lim.raws.values()})
                eqs.append(_Equation(self.names[raw], var.dims, self.num(var.rate, {}),
                                     var.unit, limit.raws[var.name].doc))
                text = self.num(limit.raws[var.name] * limit.scale, {})
                eqs.append(_Equation(name, var.dims, text, var.unit, doc))
            else:
                eqs.append(_Equation(name, var.dims, self.num(var.equation(), {}), var.unit,
                                     doc))
        for limit in self.limits:
            eqs.append(_Equation(self.names[limit.scale.name], limit.stock.dims,
                                 self.num(limit.expr, {}), "dimensionless", limit.scale.doc))
        for stock_name, floor in self.lowered.floors.items():
            stock = model[stock_name]
            eqs.append(_Equation(self.floor[stock_name], stock.dims, self.num(floor, {}),
                                 stock.unit and f"({stock.unit}) / month",
                                 f"keeps {stock_name} at or above zero as Prospects does "
                                 "(0 unless the inflows are negative)"))
        for state in self.states.values():
            eqs.append(_Equation(self.names[state.name], state.dims,
                                 self._call(state.call, {}), None,
                                 f"{state.call.fn} inside {state.owner.name}"))
        if self.padding:
            eqs.append(_Equation(self.padding, (), "INTEG(0, 0)", None,
                                 "always 0: PySD 3.14 stacks the states of all stocks in one "
                                 "NumPy array, which fails for arrayed stocks of different "
                                 "shapes unless one stock is a single number"))
        return eqs + self.helpers

    def _pysd_needs_padding(self) -> bool:
        """Whether PySD's ``np.array(states, dtype=object)`` would fail for this model."""
        import numpy as np

        sizes = {d: len(dim) for d, dim in self.model.dimensions.items()}
        shapes = [tuple(sizes[d] for d in s.dims) for s in self.model.stocks]
        shapes += [(len(s.stocks),) + tuple(sizes[d] for d in s.dims)
                   for s in self.states.values() if s.stocks]
        try:
            np.array([np.zeros(shape) for shape in shapes], dtype=object)
        except ValueError:
            return True
        return False

    def _constants(self, param, name: str, doc: str) -> list[_Equation]:
        """``p = 1``, ``p[a] = 1, 2``, ``p[a, b] = 1, 2; 3, 4;``, or one per element."""
        values, dims = param.default, param.dims
        if values.ndim <= 1:
            text = ", ".join(_number(x) for x in values.ravel())
            return [_Equation(name, dims, text, param.unit, doc)]
        if values.ndim == 2:
            text = "; ".join(", ".join(_number(x) for x in row) for row in values) + ";"
            return [_Equation(name, dims, text, param.unit, doc)]
        members = [self.model.dimensions[d].members for d in dims]
        return [_Equation(name, dims, _number(values[index]), param.unit, doc,
                          tuple(members[k][i] for k, i in enumerate(index)))
                for index in itertools.product(*(range(n) for n in values.shape))]

    def _integ(self, stock: Stock) -> str:
        terms = [f"+ {self.ref(self.names[f.name], f.dims, {})}" for f in stock.inflows]
        terms += [f"- {self.ref(self.names[f.name], f.dims, {})}" for f in stock.outflows]
        if stock.nonnegative:
            terms.append(f"+ {self.ref(self.floor[stock.name], stock.dims, {})}")
        net = " ".join(terms).removeprefix("+ ") if terms else "0"
        return f"INTEG({net}, {self.num(stock.init, {})})"

    # -- text ---------------------------------------------------------------------
    def text(self) -> str:
        model = self.model
        out = ["{UTF-8}"]
        out.append(_group(model.name, model.doc or f"Exported from Prospects model "
                                                  f"'{model.name}'"))
        for dim in model.dimensions.values():
            out.append(f"{dim.name}:\n\t{', '.join(dim.members)}\n\t~\t\n\t~\t\t|\n")
        for lookup in model.lookups.values():
            out.append(self._lookup(lookup))
        for eq in self.equations():
            lhs = self.ref(eq.name, eq.dims, dict(zip(eq.dims, eq.subscripts, strict=True)))
            out.append(f"{lhs} =\n\t{eq.text}\n\t~\t{_unit(eq.unit)}\n"
                       f"\t~\t{_comment(eq.doc)}\n\t|\n")
        out.append(_group("Control", "Simulation Control Parameters"))
        control = [("FINAL TIME", model.final_time, "The final time for the simulation."),
                   ("INITIAL TIME", 0.0, "The initial time for the simulation."),
                   ("SAVEPER", model.output_step, "The frequency with which output is stored."),
                   ("TIME STEP", model.dt, "The time step for the simulation.")]
        for name, value, doc in control:
            out.append(f"{name} = {_number(value)}\n\t~\tMonth\n\t~\t{doc}\n\t|\n")
        out.append("\\\\\\---/// Sketch information - do not modify anything except names\n"
                   "V300  Do not put anything below this section - it will be ignored\n"
                   "*View 1\n"
                   "$192-192-192,0,Times New Roman|12||0-0-0|0-0-0|0-0-255|-1--1--1|"
                   "-1--1--1|96,96,100,0\n"
                   "///---\\\\\\\n")
        return "\n".join(out)

    def _lookup(self, lookup) -> str:
        xs, ys = lookup.xs, lookup.ys
        box = (f"[({_number(min(xs))},{_number(min(ys))})-"
               f"({_number(max(xs))},{_number(max(ys))})]")
        points = ",".join(f"({_number(x)},{_number(y)})" for x, y in zip(xs, ys, strict=True))
        doc = lookup.doc + (f" (Prospects name: {lookup.name})" if lookup.name in self.renamed
                            else "")
        return (f"{self.names[lookup.name]}(\n\t{box},{points})\n"
                f"\t~\t{_unit(lookup.y_unit)}\n\t~\t{_comment(doc)}\n\t|\n")


def _group(name: str, doc: str) -> str:
    stars = "*" * 56
    return f"{stars}\n\t.{_comment(name)}\n{stars}~\n\t{_comment(doc)}\n\t|\n"


def to_vensim(model: Model) -> str:
    """The model as Vensim .mdl text (checked first; raises ModelError if it fails)."""
    return _Exporter(model).text()


def vensim_names(model: Model) -> dict[str, str]:
    """Prospects name -> name in the exported file, for every variable, lookup and smooth.

    Names are kept unless Vensim would confuse them (case, spaces and underscores, its
    own function names); PySD labels output columns with these names.
    """
    return dict(_Exporter(model).names)


def write_vensim(model: Model, path: str | os.PathLike) -> Path:
    """Write ``to_vensim(model)`` to ``path`` atomically (temp file, then rename)."""
    path = Path(path)
    text = to_vensim(model)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
