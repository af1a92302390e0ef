"""A model as the named equations an exporter writes, in Vensim's or XMILE's syntax.

The export reproduces the engine's numbers, not only its equations. It reads the
model's lowered form (``engine.lower``):

* every call of a builtin that holds state becomes a variable written with the other
  tool's own function, ``x_smooth = SMOOTH(input, delay)``, so it computes it its own way;
* a non-negative stock with outflows gets the lowered form's limit: each outflow's
  requested rate becomes ``<flow> raw``, the fraction the stock can deliver this step
  becomes ``<stock> outflow scale`` and the flow is ``raw * scale``;
* a non-negative stock gets ``<stock> floor``, the lowered form's floor: the inflow that
  stops one step taking it below zero (0 unless its inflows are negative);
* selections (``x.sel(area="north")``) become subscripts (``x[north]``), totals and
  means ``SUM(x[area!])`` and ``SUM(x[area!]) / n`` (PySD reads ``!`` in both formats);
* a builtin along a dimension (sorting, allocation), which both tools apply along the
  last subscript of its argument as written, becomes a variable over its dimensions with
  that one last, ``vector rank 1[e, d] = VECTOR RANK(x[e, d], 1)``, an argument that is
  not a variable so defined a variable of its own written in that order.

Both tools read names case-insensitively, spaces and underscores alike; a name that would
collide there (or with one of their functions) gets a suffix, noted in its comment, and
any character outside letters, digits, spaces and underscores becomes ``_``. Units and
comments keep no character that could end their field. ``Equation.reads`` lists the
exported variables each equation reads: the diagram's arrows.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..sd.builtins import BUILTINS
from ..sd.check import check
from ..sd.expr import COMPARISONS, LOGICAL, BinOp, Const, Expr, Not, Reduce, Visitor
from ..sd.model import Model, ModelError, Stock

#: Builtins and control variables of Vensim and XMILE a model variable may not be called
#: (compared after lower-casing and reading spaces as underscores).
RESERVED = frozenset("""
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
    and or not if then else mod int safediv smth1 smth3 smthn delayn forcst uniform
    dt starttime stoptime pi
""".split())

# Precedence of rendered text (higher binds tighter), following PySD's grammars.
ATOM, NEG, POW, MUL, ADD, CMP, NOT, LOGIC = 10, 9, 8, 6, 4, 3, 2, 1


def key(name: str) -> str:
    """How both tools see a name: case-insensitive, spaces and underscores alike."""
    return re.sub(r"[\s_]+", "_", name.strip().lower())


def plain_name(name: str) -> str:
    """``name`` with every character but ASCII letters, digits, spaces and ``_`` made
    ``_``, starting with a letter: a name that cannot end or escape its place."""
    name = re.sub(r"\s+", " ", re.sub(r"[^A-Za-z0-9_ ]", "_", name)).strip()
    return name if name[:1].isalpha() else f"v {name}".strip()


def number(value: float) -> str:
    value = float(value)
    if not math.isfinite(value):
        raise ModelError(f"cannot export the number {value}")
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def comment(text: str | None) -> str:
    """Text safe in a units or comment field: one line, without ~ | \\ brackets, braces,
    quotes, < > &, control characters or Vensim's :KEYWORDS: (PySD splits a file at
    any :MACRO:)."""
    text = re.sub(r"[~|\\\[\]\"{}<>&\x00-\x1f\x7f-\x9f]", " ", text or "")
    text = re.sub(r":\s*([A-Za-z][A-Za-z ]*?)\s*:", r" \1 ", text)
    return re.sub(r"\s+", " ", text).strip()


def unit(text: str | None) -> str:
    text = comment(text)
    return "Dmnl" if text in ("1", "dimensionless") else text


def _is_bool(node: Expr) -> bool:
    return isinstance(node, Not) or (
        isinstance(node, BinOp) and node.op in COMPARISONS + LOGICAL)


@dataclass
class Equation:
    """``name[subscripts] = text``; subscripts default to the dimension names. ``kind``:
    param, stock, flow (one of the model's, with ``src`` and ``dst``), aux or floor (a
    stock's non-negativity inflow). A variable of the export's own limits is drawn
    ``beside`` its stock or flow. A stock's ``text`` is its initial value, with its
    ``inflows``, ``outflows`` and ``floor`` named."""

    name: str
    dims: tuple[str, ...]
    text: str
    unit: str | None
    doc: str
    kind: str = "aux"
    subscripts: tuple[str, ...] | None = None
    reads: list[str] = field(default_factory=list)
    inflows: list[str] = field(default_factory=list)
    outflows: list[str] = field(default_factory=list)
    floor: str | None = None
    beside: str | None = None
    src: str | None = None
    dst: str | None = None

    def __post_init__(self):
        if self.subscripts is None:
            self.subscripts = self.dims


class Exporter(Visitor):
    """Names and equations of a model, in Vensim's syntax unless a subclass gives its
    format's (its words, ``quoted``, ``function`` and ``builtin``)."""

    #: words for logical operators and the time, and how a name is written in equations
    AND, OR, NOT_WORD, TIME = ":AND:", ":OR:", ":NOT:", "Time"
    FORMAT = "Vensim"
    MISSING: str | None = ":NA:"  # a value missing on purpose (None: the format has none)

    def __init__(self, model: Model):
        from ..engine.lower import lower

        self.lowered = lower(check(model))
        self.model = model
        self.ctx: Mapping[str, str] = {}
        self.taken: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.renamed: dict[str, str] = {}
        self.reading: dict[str, None] = {}
        members: set[str] = set()
        for dim in model.dimensions.values():
            self._reserve(dim.name, f"dimension '{dim.name}'")
        for dim in model.dimensions.values():
            for name in dim.members:
                if name not in members:  # a subrange shares its members with its range
                    self._reserve(name, f"dimension '{dim.name}'")
                    members.add(name)
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
        self.helpers: list[Equation] = []
        self.helper_of: dict[object, str] = {}  # by id(node) (and dimension along)
        self.padding = self._allocate("pysd padding") if self._pysd_needs_padding() else None

    # -- names --------------------------------------------------------------------
    def _reserve(self, name: str, what: str) -> None:
        k = key(name)
        if k in RESERVED or k in self.taken:
            clash = self.taken.get(k, f"a {self.FORMAT} word")
            raise ModelError(f"cannot export {what}: its name '{name}' is {clash} in "
                             f"{self.FORMAT}")
        self.taken[k] = name

    def _allocate(self, wanted: str) -> str:
        base = plain_name(wanted)
        name, k = base, 1
        while key(name) in self.taken or key(name) in RESERVED:
            k += 1
            name = f"{base} {k}" if " " in base else f"{base}_v{k}"
        self.taken[key(name)] = name
        if name != wanted:
            self.renamed[wanted] = name
        return name

    def dims(self, node: Expr) -> tuple[str, ...]:
        return self.lowered.dims(node)

    def visit(self, node: Expr):
        method = getattr(self, node.form, None)
        if method is None:
            raise ModelError(f"cannot export a {node.form} to {self.FORMAT}")
        return method(node)

    def noted(self, name: str, doc: str) -> str:
        """``doc``, with the Prospects name of a variable the export renamed."""
        return doc + (f" (Prospects name: {name})" if name in self.renamed else "")

    # -- expressions --------------------------------------------------------------
    def quoted(self, name: str) -> str:
        """A variable's name as its equations refer to it."""
        return name

    def ref(self, name: str, dims: tuple[str, ...], ctx: Mapping[str, str]) -> str:
        self.reading[name] = None
        text = self.quoted(name)
        if not dims:
            return text
        return f"{text}[{', '.join(ctx.get(d, d) for d in dims)}]"

    def num(self, node: Expr, ctx: Mapping[str, str], at_least: int = 0) -> str:
        """``node`` as a number, parenthesised unless it binds at least as tight."""
        outer, self.ctx = self.ctx, ctx
        try:
            text, prec = self.visit(node)
        finally:
            self.ctx = outer
        return f"({text})" if prec < at_least else text

    def cond(self, node: Expr, ctx: Mapping[str, str], at_least: int = 0) -> str:
        """``node`` as a condition (both tools keep numbers and truth values apart)."""
        if _is_bool(node):
            text, prec = self._bool(node, ctx)
        else:
            text, prec = f"{self.num(node, ctx, ADD)} <> 0", CMP
        return f"({text})" if prec < at_least else text

    def _bool(self, node: Expr, ctx: Mapping[str, str]) -> tuple[str, int]:
        if isinstance(node, Not):
            return f"{self.NOT_WORD} {self.cond(node.operand, ctx, CMP)}", NOT
        if node.op in LOGICAL:
            word = self.AND if node.op == "&" else self.OR
            left, right = self.cond(node.left, ctx, NOT), self.cond(node.right, ctx, NOT)
            return f"{left} {word} {right}", LOGIC
        left, right = self.num(node.left, ctx, ADD), self.num(node.right, ctx, ADD)
        return f"{left} {_COMPARE[node.op]} {right}", CMP

    def _as_number(self, node: Expr) -> tuple[str, int]:
        return f"{self.function('if_then_else', 3)}({self.cond(node, self.ctx)}, 1, 0)", ATOM

    invert = _as_number

    def variable(self, node) -> tuple[str, int]:
        return self.ref(self.names[node.name], node.dims, self.ctx), ATOM

    def constant(self, node) -> tuple[str, int]:
        if math.isnan(node.value):
            if self.MISSING is None:
                raise ModelError(f"cannot export a missing value (:NA:) to {self.FORMAT}, "
                                 "which has none (export to .mdl instead)")
            return self.MISSING, ATOM
        text = number(node.value)
        return text, (NEG if text.startswith("-") else ATOM)

    def date(self, node) -> tuple[str, int]:
        return number(self.model.months(node.text)), ATOM

    def time(self, node) -> tuple[str, int]:
        return self.TIME, ATOM

    def negate(self, node) -> tuple[str, int]:
        # not "-x": PySD 3.14 drops the brackets of -(a * b) inside a / or ^
        return f"0 - {self.num(node.operand, self.ctx, MUL)}", ADD

    def binary(self, node: BinOp) -> tuple[str, int]:
        return self._as_number(node) if _is_bool(node) else self._binop(node, self.ctx)

    def call(self, node) -> tuple[str, int]:
        ctx, state = self.ctx, self.states.get(id(node))
        if state is not None:
            return self.ref(self.names[state.name], state.dims, ctx), ATOM
        if BUILTINS[node.fn].along:
            return self._along(node, ctx)
        return self.builtin(node, ctx)

    def _along(self, node, ctx: Mapping[str, str]) -> tuple[str, int]:
        """A builtin along a dimension as a variable of its own, over its dimensions with
        that one last: both tools work along the last subscript of the argument as
        written. An argument that varies along it and is not a variable so defined gets
        a variable of its own too (``<builtin> <n> argument <k>``), in the same order."""
        dims = _last(self.dims(node), node.along)
        name = self.helper_of.get(id(node))
        if name is None:
            name = self.helper_of[id(node)] = self._allocate(
                f"{node.fn.replace('_', ' ')} {len(self.helpers) + 1}")

            def render() -> str:
                return self.along_call(node, [
                    self._along_argument(a, node.along, f"{name} argument {k + 1}")
                    if node.along in self.dims(a) else self.num(a, {})
                    for k, a in enumerate(node.args)])

            self.helpers.append(self._equation(name, dims, render, None,
                                               f"{node.fn} along {node.along}"))
        return self.ref(name, dims, ctx), ATOM

    def _along_argument(self, arg: Expr, along: str, wanted: str) -> str:
        if arg.form == "variable" and tuple(arg.dims[-1:]) == (along,):
            return self.ref(self.names[arg.name], arg.dims, {})
        dims = _last(self.dims(arg), along)
        name = self.helper_of.get((id(arg), along))
        if name is None:
            name = self.helper_of[(id(arg), along)] = self._allocate(wanted)
            self.helpers.extend(self._each(name, dims, arg, None,
                                           f"an argument written along {along}"))
        return self.ref(name, dims, {})

    def along_call(self, node, args: list[str]) -> str:
        """The text of a builtin along a dimension; Vensim's ALLOCATE BY PRIORITY also
        takes the number of members."""
        if node.fn == "allocate_by_priority":
            args = [*args[:2], f"ELMCOUNT({node.along})", *args[2:]]
        elif node.fn == "allocate_available":
            raise ModelError(f"cannot export allocate_available to {self.FORMAT}: its "
                             "priority profiles would need a dimension of their own")
        return f"{self.function(node.fn, len(node.args))}({', '.join(args)})"

    def lookup(self, node) -> tuple[str, int]:
        name = self.names[node.lookup.name]
        self.reading[name] = None
        return f"{self.quoted(name)}({self.num(node.operand, self.ctx)})", ATOM

    def select(self, node) -> tuple[str, int]:
        ctx = {**self.ctx, node.dim: node.member}
        outer, self.ctx = self.ctx, ctx
        try:
            return self.visit(node.operand)
        finally:
            self.ctx = outer

    def reduce(self, node) -> tuple[str, int]:
        return self._reduce(node, self.ctx)

    def take(self, node) -> tuple[str, int]:
        """The source's member that a member of the target stands for; a whole subrange
        (or its ``!``) is written as the subscript of the variable it is taken from."""
        model, at = self.model, self.ctx.get(node.dim, node.dim)
        ctx = {k: v for k, v in self.ctx.items() if k != node.dim}
        target = model.dimensions[node.dim]
        if at in target.members:
            ctx[node.source] = model.dimensions[node.source].members[
                node.indices[target.members.index(at)]]
        elif set(target.members) <= set(model.dimensions[node.source].members):
            ctx[node.source] = at
        else:
            raise ModelError(f"cannot export dimension '{node.source}' taken as "
                             f"'{node.dim}' to {self.FORMAT}")
        return self._within(ctx, node.operand)

    def array(self, node) -> tuple[str, int]:
        """The part that writes the member combination the context is at (or the one part,
        if it writes every member over the array's own dimensions)."""
        model = self.model
        if _whole(model, node):
            return self.visit(node.parts[0])
        try:
            at = [model.dimensions[d].members.index(self.ctx[d]) for d in node.dims]
        except (KeyError, ValueError):
            raise ModelError(f"cannot export an equation in parts over "
                             f"({', '.join(node.dims)}) to {self.FORMAT} but member by "
                             "member") from None
        for part, over, members, pick in zip(node.parts, node.over, node.at, node.pick,
                                             strict=True):
            if all(i in m for i, m in zip(at, members, strict=True)):
                ctx = {k: v for k, v in self.ctx.items() if k not in node.dims}
                for i, m, o, p in zip(at, members, over, pick, strict=True):
                    if o is not None:
                        ctx[o] = model.dimensions[o].members[p[m.index(i)]]
                return self._within(ctx, part)
        raise ModelError(f"cannot export an equation that leaves members of "
                         f"({', '.join(node.dims)}) undefined")

    def _within(self, ctx: Mapping[str, str], node: Expr) -> tuple[str, int]:
        outer, self.ctx = self.ctx, ctx
        try:
            return self.visit(node)
        finally:
            self.ctx = outer

    def _binop(self, node: BinOp, ctx: Mapping[str, str]) -> tuple[str, int]:
        op = node.op
        if op == "**":
            left, right = (self._power_operand(side, ctx) for side in (node.left, node.right))
            return f"{left} ^ {right}", POW
        prec = ADD if op in "+-" else MUL
        # a negative number on the right is bracketed: a * (-3), not a * -3
        left = self.num(node.left, ctx, prec)
        right_at_least = prec if op in "+*" else prec + 1
        if isinstance(node.right, Const) and node.right.value < 0:
            right_at_least = ATOM
        right = self.num(node.right, ctx, right_at_least)
        return f"{left} {op} {right}", prec

    def _power_operand(self, node: Expr, ctx: Mapping[str, str]) -> str:
        # PySD 3.14 turns (-2) ^ x into -(2 ** x); brackets keep ^ chains unambiguous
        if isinstance(node, Const) and node.value < 0:
            return f"(0 - {number(-node.value)})"
        return self.num(node, ctx, ATOM)

    def function(self, fn: str, n_args: int) -> str:
        """The format's name of a builtin called with ``n_args`` arguments."""
        return BUILTINS[fn].vensim_name(n_args)

    def arguments(self, node, ctx: Mapping[str, str]) -> list[str]:
        """A call's arguments as text, conditions as truth values."""
        builtin = BUILTINS[node.fn]
        return [self.cond(a, ctx) if k in builtin.conditions else self.num(a, ctx)
                for k, a in enumerate(node.args)]

    def builtin(self, node, ctx: Mapping[str, str]) -> tuple[str, int]:
        args = self.arguments(node, ctx) + list(BUILTINS[node.fn].vensim_tail)
        if node.fn == "forecast":  # Vensim's FORECAST(x, average, horizon) starts at 0
            initial = node.args[3]
            if not (isinstance(initial, Const) and float(initial.value) == 0.0):
                raise ModelError(f"cannot export forecast with an initial trend other than 0 "
                                 f"to {self.FORMAT} (Vensim's FORECAST starts at a trend of 0)")
            args = args[:3]
        return f"{self.function(node.fn, len(node.args))}({', '.join(args)})", ATOM

    def _reduce(self, node: Reduce, ctx: Mapping[str, str]) -> tuple[str, int]:
        if any(v.endswith("!") for v in ctx.values()):
            # inside another SUM the outer '!' would leak in: give this one a name
            name = self.helper_of.get(id(node))
            if name is None:
                name = self._allocate(f"{node.how} over {node.dim} {len(self.helpers) + 1}")
                self.helper_of[id(node)] = name
                self.helpers.append(self._equation(
                    name, self.dims(node), lambda: self._reduce(node, {})[0], None,
                    f"{node.how} over {node.dim}, used inside another sum"))
            return self.ref(name, self.dims(node), ctx), ATOM
        function = _REDUCTIONS.get(node.how)
        if function is None:
            raise ModelError(f"cannot export a {node.how} over {node.dim} to {self.FORMAT}")
        text = f"{function}({self.num(node.operand, {**ctx, node.dim: f'{node.dim}!'})})"
        if node.how == "mean":
            return f"{text} / {len(self.model.dimensions[node.dim])}", MUL
        return text, ATOM

    # -- equations ----------------------------------------------------------------
    def _each(self, name, dims, expr: Expr, unit, doc, **fields) -> list[Equation]:
        """``name = expr``: one equation, or one per member combination where the
        expression is written in parts or takes members of another dimension."""
        if not by_member(self.model, expr):
            return [self._equation(name, dims, lambda: self.num(expr, {}), unit, doc,
                                   **fields)]
        members = [self.model.dimensions[d].members for d in dims]
        return [self._equation(name, dims,
                               lambda c=combo: self.num(expr, dict(zip(dims, c, strict=True))),
                               unit, doc, subscripts=combo, **fields)
                for combo in itertools.product(*members)]

    def _equation(self, name, dims, render, unit, doc, **fields) -> Equation:
        """An equation whose text ``render()`` gives; what the text reads is recorded."""
        outer, self.reading = self.reading, {}
        try:
            text = render()
            reads = [n for n in self.reading if n != name]
        except ModelError as err:
            raise ModelError(f"'{name}': {err}") from None
        finally:
            self.reading = outer
        return Equation(name, dims, text, unit, doc, reads=reads, **fields)

    def equations(self) -> list[Equation]:
        """Every variable the file defines, in the model's order, then the export's own."""
        model, eqs = self.model, []
        for var in model.variables.values():
            name, doc = self.names[var.name], self.noted(var.name, var.doc)
            if var.kind == "param":
                eqs.extend(self._constants(var, name, doc))
            elif var.kind == "stock":
                eqs.extend(self._stock(var, name, doc))
            elif var.name in self.lowered.raw_of:
                raw = self.lowered.raw_of[var.name]
                limit = next(lim for lim in self.limits if raw in
                             {r.name for r in lim.raws.values()})
                eqs.append(self._equation(self.names[raw], var.dims,
                                          lambda v=var: self.num(v.rate, {}), var.unit,
                                          limit.raws[var.name].doc, beside=name))
                product = limit.raws[var.name] * limit.scale
                eqs.append(self._flow(var, name, doc, lambda p=product: self.num(p, {})))
            elif var.kind == "flow":
                ends = [None if s is None else self.names[s.name] for s in (var.src, var.dst)]
                eqs.extend(self._each(name, var.dims, var.rate, var.unit, doc, kind="flow",
                                      src=ends[0], dst=ends[1]))
            else:
                eqs.extend(self._each(name, var.dims, var.equation(), var.unit, doc))
        for limit in self.limits:
            eqs.append(self._equation(self.names[limit.scale.name], limit.stock.dims,
                                      lambda lim=limit: self.num(lim.expr, {}),
                                      "dimensionless", limit.scale.doc,
                                      beside=self.names[limit.stock.name]))
        for stock_name, floor in self.lowered.floors.items():
            stock = model[stock_name]
            eqs.append(self._equation(
                self.floor[stock_name], stock.dims, lambda f=floor: self.num(f, {}),
                stock.unit and f"({stock.unit}) / {time_unit(model)}",
                f"keeps {stock_name} at or above zero as Prospects does "
                "(0 unless the inflows are negative)", kind="floor",
                beside=self.names[stock_name]))
        for state in self.states.values():
            if any(by_member(self.model, a) for a in state.call.args):
                members = [self.model.dimensions[d].members for d in state.dims]
                for combo in itertools.product(*members):
                    ctx = dict(zip(state.dims, combo, strict=True))
                    eqs.append(self._equation(
                        self.names[state.name], state.dims,
                        lambda s=state, c=ctx: self.builtin(s.call, c)[0], None,
                        f"{state.call.fn} inside {state.owner.name}", subscripts=combo))
                continue
            eqs.append(self._equation(self.names[state.name], state.dims,
                                      lambda s=state: self.builtin(s.call, {})[0], None,
                                      f"{state.call.fn} inside {state.owner.name}"))
        if self.padding:
            eqs.append(Equation(self.padding, (), "0", None,
                                "always 0: PySD 3.14 stacks the states of all stocks in one "
                                "NumPy array, which fails for arrayed stocks of different "
                                "shapes unless one stock is a single number", kind="stock"))
        return eqs + self.helpers

    def _flow(self, var, name: str, doc: str, render) -> Equation:
        """A limited outflow: its requested rate times its stock's scale."""
        ends = [None if s is None else self.names[s.name] for s in (var.src, var.dst)]
        return self._equation(name, var.dims, render, var.unit, doc, kind="flow",
                              src=ends[0], dst=ends[1])

    def _stock(self, stock: Stock, name: str, doc: str) -> list[Equation]:
        eqs = self._each(name, stock.dims, stock.init, stock.unit, doc, kind="stock")
        for eq in eqs:
            eq.inflows = [self.names[f.name] for f in stock.inflows]
            eq.outflows = [self.names[f.name] for f in stock.outflows]
            if stock.nonnegative:
                eq.floor = self.floor[stock.name]
                eq.reads.append(eq.floor)
        return eqs

    def _pysd_needs_padding(self) -> bool:
        """Whether PySD's ``np.array(states, dtype=object)`` would fail for this model."""
        sizes = {d: len(dim) for d, dim in self.model.dimensions.items()}
        shapes = [tuple(sizes[d] for d in s.dims) for s in self.model.stocks]
        shapes += [(len(s.stocks),) + tuple(sizes[d] for d in s.dims)
                   for s in self.states.values() if s.stocks]
        try:
            np.array([np.zeros(shape) for shape in shapes], dtype=object)
        except ValueError:
            return True
        return False

    def _constants(self, param, name: str, doc: str) -> list[Equation]:
        """``p = 1``, ``p[a] = 1, 2``, ``p[a, b] = 1, 2; 3, 4;``, or one per element."""
        values, dims = param.default, param.dims
        if values.ndim <= 1:
            text = ", ".join(number(x) for x in values.ravel())
            return [Equation(name, dims, text, param.unit, doc, kind="param")]
        if values.ndim == 2:
            text = "; ".join(", ".join(number(x) for x in row) for row in values) + ";"
            return [Equation(name, dims, text, param.unit, doc, kind="param")]
        members = [self.model.dimensions[d].members for d in dims]
        return [Equation(name, dims, number(values[index]), param.unit, doc, kind="param",
                         subscripts=tuple(members[k][i] for k, i in enumerate(index)))
                for index in itertools.product(*(range(n) for n in values.shape))]


def _whole(model: Model, node) -> bool:
    """Whether an ``Array`` is one part written over its own dimensions, every member."""
    return len(node.parts) == 1 and tuple(node.over[0]) == tuple(node.dims) and all(
        p == tuple(range(len(model.dimensions[d]))) for d, p in zip(node.dims, node.pick[0],
                                                                   strict=True))


def lookup_xs(lookup, dt: float) -> list[float]:
    """A lookup's x points as exported. PySD keeps a lookup's points to 8 digits, so a step
    one float wide (a data series held or looked forward, ``interop.read``) would collapse:
    each run of points a float apart is spread to a thousandth of a time step (or a
    millionth of the point, if more) apart about its point of shortest decimal. Between
    the time steps near a step the export interpolates where Prospects jumps."""
    xs = [float(x) for x in lookup.xs]
    out, k = list(xs), 0
    while k < len(xs):
        j = k
        while j + 1 < len(xs) and xs[j + 1] == float(np.nextafter(xs[j], np.inf)):
            j += 1
        at = min(range(k, j + 1), key=lambda i: len(repr(xs[i])))
        for i in range(k, j + 1):
            out[i] = xs[at] + (i - at) * max(dt * 1e-3, abs(xs[at]) * 1e-6)
        k = j + 1
    return out


def _last(dims: tuple[str, ...], dim: str) -> tuple[str, ...]:
    """``dims`` with ``dim`` moved last."""
    return (*(d for d in dims if d != dim), dim)


def by_member(model: Model, expr: Expr) -> bool:
    """Whether ``expr`` must be written member by member: it takes members of another
    dimension, or is written in parts (not counting a builtin along a dimension, a variable
    of its own)."""
    if expr.form == "take" or (expr.form == "array" and not _whole(model, expr)):
        return True
    if expr.form == "call" and BUILTINS[expr.fn].along:
        return False
    return any(by_member(model, child) for child in expr.children())


_COMPARE = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "=", "!=": "<>"}
_REDUCTIONS = {"sum": "SUM", "mean": "SUM", "prod": "PROD", "max": "VMAX", "min": "VMIN"}


def time_unit(model: Model) -> str:
    """The model's time unit (month unless it counts in another)."""
    return getattr(model, "time_unit", "month")


def clock(model: Model) -> tuple[float, float]:
    """The model's initial and final time."""
    return getattr(model, "initial_time", 0.0), model.final_time
