"""Export a model to Vensim's text format (.mdl), as read by Vensim and PySD.

The export reproduces the engine's numbers, not only its equations:

* every hidden smooth stock becomes a variable ``x_smooth = SMOOTH(input, delay)``;
* a non-negative stock with outflows gets the engine's limiter: each outflow's
  requested rate becomes ``<flow> raw``, the fraction the stock can deliver this step
  becomes ``<stock> outflow scale`` and the flow is ``raw * scale``;
* a non-negative stock gets ``<stock> floor``, the inflow that stops one step taking it
  below zero (0 unless its inflows are negative), as the engine clamps it at zero;
* selections (``x.sel(area="Kunar")``) become subscripts (``x[Kunar]``), totals and
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

from .expr import (
    COMPARISONS,
    LOGICAL,
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
from .model import Model, ModelError, Stock, Variable

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

_FUNCTIONS = {"min": "MIN", "max": "MAX", "abs": "ABS", "exp": "EXP", "log": "LN",
              "sqrt": "SQRT", "step": "STEP", "pulse": "PULSE", "ramp": "RAMP"}
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


class _Exporter:
    def __init__(self, model: Model):
        model.check()
        self.model = model
        self.rank = {d: i for i, d in enumerate(model.dimensions)}
        self.taken: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.renamed: dict[str, str] = {}
        for dim in model.dimensions.values():
            for name in (dim.name, *dim.members):
                self._reserve(name, f"dimension '{dim.name}'")
        self.smooths = {key: state for key, state in model.smooths.items()}
        owners = [*model.variables, *model.lookups,
                  *(state.name for state in self.smooths.values())]
        for name in owners:
            self.names[name] = self._allocate(name)
        self.limited = [s for s in model.stocks if s.nonnegative and s.outflows]
        self.raw = {f.name: self._allocate(f"{f.name} raw")
                    for s in self.limited for f in s.outflows}
        self.scale = {s.name: self._allocate(f"{s.name} outflow scale") for s in self.limited}
        self.floor = {s.name: self._allocate(f"{s.name} floor")
                      for s in model.stocks if s.nonnegative}
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

    # -- dimensions of a sub-expression --------------------------------------------
    def dims(self, node: Expr) -> tuple[str, ...]:
        if isinstance(node, Variable):
            return node.dims
        if isinstance(node, Smooth):
            return self.smooths[id(node)].dims
        if isinstance(node, Reduce | Select):
            return tuple(d for d in self.dims(node.operand) if d != node.dim)
        found = {d for child in node.children() for d in self.dims(child)}
        return tuple(sorted(found, key=self.rank.__getitem__))

    # -- expressions --------------------------------------------------------------
    def ref(self, name: str, dims: tuple[str, ...], ctx: Mapping[str, str]) -> str:
        if not dims:
            return name
        return f"{name}[{', '.join(ctx.get(d, d) for d in dims)}]"

    def num(self, node: Expr, ctx: Mapping[str, str], at_least: int = 0) -> str:
        """``node`` as a number, parenthesised unless it binds at least as tight."""
        text, prec = self._num(node, ctx)
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

    def _num(self, node: Expr, ctx: Mapping[str, str]) -> tuple[str, int]:  # noqa: C901
        if _is_bool(node):
            return f"IF THEN ELSE({self.cond(node, ctx)}, 1, 0)", _ATOM
        if isinstance(node, Variable):
            return self.ref(self.names[node.name], node.dims, ctx), _ATOM
        if isinstance(node, Smooth):
            state = self.smooths[id(node)]
            return self.ref(self.names[state.name], state.dims, ctx), _ATOM
        if isinstance(node, Const):
            text = _number(node.value)
            return text, (_NEG if text.startswith("-") else _ATOM)
        if isinstance(node, Date):
            return _number(self.model.months(node.text)), _ATOM
        if isinstance(node, Time):
            return "Time", _ATOM
        if isinstance(node, Neg):
            # not "-x": PySD 3.14 drops the brackets of -(a * b) inside a / or ^
            return f"0 - {self.num(node.operand, ctx, _MUL)}", _ADD
        if isinstance(node, BinOp):
            return self._binop(node, ctx)
        if isinstance(node, Call):
            return self._call(node, ctx), _ATOM
        if isinstance(node, LookupCall):
            return f"{self.names[node.lookup.name]}({self.num(node.operand, ctx)})", _ATOM
        if isinstance(node, Select):
            return self._num(node.operand, {**ctx, node.dim: node.member})
        if isinstance(node, Reduce):
            return self._reduce(node, ctx)
        raise TypeError(f"cannot export {node!r} to Vensim")

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

    def _call(self, node: Call, ctx: Mapping[str, str]) -> str:
        if node.fn == "if_then_else":
            c, a, b = node.args
            return (f"IF THEN ELSE({self.cond(c, ctx)}, {self.num(a, ctx)}, "
                    f"{self.num(b, ctx)})")
        args = ", ".join(self.num(a, ctx) for a in node.args)
        return f"{_FUNCTIONS[node.fn]}({args})"

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
            elif var.kind == "flow" and var.name in self.raw:
                stock = var.src
                raw, scale = self.raw[var.name], self.scale[stock.name]
                eqs.append(_Equation(
                    raw, var.dims, self.num(var.rate, {}), var.unit,
                    f"rate of {var.name} requested, before the limit that keeps "
                    f"{stock.name} from going below zero"))
                text = f"{self.ref(raw, var.dims, {})} * {self.ref(scale, stock.dims, {})}"
                eqs.append(_Equation(name, var.dims, text, var.unit, doc))
            else:
                eqs.append(_Equation(name, var.dims, self.num(var.equation(), {}), var.unit,
                                     doc))
        for stock in self.limited:
            eqs.append(self._scale(stock))
        for stock in model.stocks:
            if stock.nonnegative:
                eqs.append(self._floor(stock))
        for state in self.smooths.values():
            node = state.node
            args = [self.num(node.operand, {}), self.num(node.delay, {})]
            if node.init is not None:
                args.append(self.num(node.init, {}))
            fn = "SMOOTH" if node.init is None else "SMOOTHI"
            eqs.append(_Equation(self.names[state.name], state.dims,
                                 f"{fn}({', '.join(args)})", None, state.doc))
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
        shapes += [(1,) + tuple(sizes[d] for d in s.dims) for s in self.smooths.values()]
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

    def _sum(self, names: list[str], dims: tuple[str, ...]) -> str:
        return " + ".join(self.ref(n, dims, {}) for n in names) or "0"

    def _scale(self, stock: Stock) -> _Equation:
        """The engine's ``Program._scale``: 1 when the outflows fit, else the fraction."""
        limited = {s.name for s in self.limited}
        safe = [self.names[f.name] for f in stock.inflows
                if f.src is None or f.src.name not in limited]
        out = self._sum([self.raw[f.name] for f in stock.outflows], stock.dims)
        available = f"{self.ref(self.names[stock.name], stock.dims, {})} / TIME STEP"
        if safe:
            available += " + " + self._sum(safe, stock.dims)
        text = (f"MIN(1, MAX(0, IF THEN ELSE({out} > {available}, "
                f"ZIDZ({available}, {out}), 1)))")
        return _Equation(self.scale[stock.name], stock.dims, text, "dimensionless",
                         f"fraction of the requested outflow {stock.name} can deliver this "
                         "step (1 = not limited)")

    def _floor(self, stock: Stock) -> _Equation:
        """The inflow that makes one Euler step end at zero instead of below it."""
        level = self.ref(self.names[stock.name], stock.dims, {})
        net = [f"+ {self.ref(self.names[f.name], f.dims, {})}" for f in stock.inflows]
        net += [f"- {self.ref(self.names[f.name], f.dims, {})}" for f in stock.outflows]
        change = " ".join(net).removeprefix("+ ") if net else "0"
        text = f"MAX(0, -({level} / TIME STEP + {change}))"
        return _Equation(self.floor[stock.name], stock.dims, text, stock.unit and
                         f"({stock.unit}) / month",
                         f"keeps {stock.name} at or above zero as Prospects does "
                         "(0 unless the inflows are negative)")

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
