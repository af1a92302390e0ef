"""Building a ``prospects.sd.Model`` from model data (what ``interop.read`` makes of a
Vensim or XMILE file, and what an imported system folder keeps in ``model.yaml``).

The data is plain lists and numbers, never code. An expression is a number or a list
whose first item says what it is:

* ``["time"]``, ``["control", "start"|"stop"|"dt"|"save"]``, ``["count", dim]``;
* ``["position", dim]``: a dimension used as a value, each member's position (from 1) in
  the largest dimension holding all of its members (the first such, as Vensim reads it);
  ``["place", member]``: a member used as a value, its position in the same way;
* ``["var", name, subs]``: a variable, with per subscript ``["dim", d]`` (the whole of
  ``d``: a variable's own dimension, a subrange of it or a dimension mapped onto it) or
  ``["member", m]``;
* ``["op", op, a, b]`` (op: + - * / ** < <= > >= == != & |), ``["neg", a]``, ``["not", a]``;
* ``["call", builtin, *args]``: a builtin of the registry, by its name there;
  ``["along", builtin, dim, *args]`` one that works along a dimension (written ``dim``
  in its first argument: the dimension that becomes, if the equation maps it onto one);
* ``["lookup", table, x]``, ``["lookup", table, x, [["member", m], ...]]`` (the table
  of those members of a subscripted lookup), ``["table", xs, ys, x]`` (an inline table);
* ``["reduce", "sum"|"prod"|"min"|"max", a, dims]``; ``["values", nested list]``.

A variable's ``parts`` each write some of its members (``at``: per dimension, member
names) from an expression written over ``over`` (per dimension: the dimension it spans,
or None for one member).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np

from ..sd.builtins import BUILTINS
from ..sd.expr import Array, BinOp, Const, Expr, Lookup, LookupCall, Neg, Not, Reduce, Select, Take
from ..sd.model import Dimension, Model, Param
from .read import FORMAT, TranslationError

OPS = {"+", "-", "*", "/", "**", "<", "<=", ">", ">=", "==", "!=", "&", "|"}


def build_model(data: Mapping, defaults: Mapping[str, object] | None = None,
                where: str = "") -> Model:
    """The model the data describes; ``defaults`` (name -> number or member mapping)
    replace the constants' values. Errors name ``where`` (the file), the variable and
    the construct."""
    return _Builder(data, defaults or {}, where or str(data.get("source", "model"))).model


class _Builder:
    def __init__(self, data, defaults, where):
        self.where, self.owner = where, ""
        if data.get("format") != FORMAT:
            self.fail(f"a model of format {data.get('format')!r} (expected {FORMAT!r})")
        t = data["time"]
        self.time = t
        self.model = m = Model(str(data["name"]), start=float(t["start"]),
                               stop=float(t["stop"]), dt=float(t["dt"]),
                               output_step=float(t["save"]), time_unit=t["unit"],
                               check_units=False, doc=f"Imported from {data['source']}")
        for dim in data["dimensions"]:
            m.dimension(dim["name"], dim["members"], dim.get("labels", ()))
        self.maps = {d["name"]: list(d.get("maps", [])) for d in data["dimensions"]}
        self.taken = set(m.dimensions) | {v["name"] for v in data["variables"]}
        self.vars = {v["name"]: v for v in data["variables"]}
        self.objects: dict[str, object] = {}
        self.tables: dict[str, dict[tuple, Lookup]] = {}
        self.positions: dict[str, Param] = {}  # dimension -> its members' positions
        self.spares: dict[str, str] = {}  # dimension -> its spare copy (see ``spare``)
        for var in data["variables"]:
            self.owner = var["name"]
            self._declare(var, defaults)
        for var in data["variables"]:
            self.owner = var["name"]
            self._define(var)

    def fail(self, construct: str):
        raise TranslationError(f"{self.where}: variable '{self.owner}': {construct}")

    def unique(self, name: str) -> str:
        found, k = name, 1
        while found in self.taken:
            k += 1
            found = f"{name}_{k}"
        self.taken.add(found)
        return found

    def dims_of(self, names) -> tuple[str, ...]:
        order = list(self.model.dimensions)
        return tuple(sorted(set(names), key=order.index))

    # -- variables ------------------------------------------------------------------
    def _declare(self, var, defaults) -> None:
        m, name, kind = self.model, var["name"], var["kind"]
        dims, label = list(var["dims"]), var.get("label", name)
        doc = var.get("doc", "")
        if kind == "constant":
            default = self._constant(var)
            given = defaults.get(name)
            if given is not None:
                default = self._given(var, given)
            self.objects[name] = m.param(name, default, unit=var.get("unit") or "1",
                                         dims=dims, doc=doc, label=label)
        elif kind == "lookup":
            self._lookups(var)
        elif kind == "stock":
            stock = m.stock(name, 0.0, unit=var.get("unit") or None, dims=dims, doc=doc,
                            nonnegative=bool(var.get("nonnegative")), label=label)
            self.objects[name] = stock
            flow = m.flow(self.unique(f"{name}_net_flow"), None, stock, 0.0,
                          unit=None, doc=f"net flow of {label}")
            self.objects[flow.name] = flow
        else:
            self.objects[name] = m.aux(name, 0.0, unit=var.get("unit") or None,
                                       dims=dims, doc=doc, record=True, label=label)

    def _define(self, var) -> None:
        obj = self.objects.get(var["name"])
        if var["kind"] == "stock":
            obj.init = self._assemble(var, "init")
            flow = obj.inflows[0]
            flow.rate = self._assemble(var, "expr")
        elif var["kind"] == "aux":
            obj.expr = self._assemble(var, "expr")

    def _places(self, var, part):
        """Per dimension of ``var``: member indices, the dimension written over and the
        positions of the members in it."""
        at, pick = [], []
        for dim, members, over in zip(var["dims"], part["at"], part["over"], strict=True):
            full = self.model.dimensions[dim]
            at.append(tuple(full.index(mb) for mb in members))
            pick.append(None if over is None else
                        tuple(self.model.dimensions[over].index(mb) for mb in members))
        return tuple(at), tuple(pick)

    def _constant(self, var) -> np.ndarray:
        shape = tuple(len(self.model.dimensions[d]) for d in var["dims"])
        out = np.full(shape, np.nan)
        for part in var["parts"]:
            values = np.asarray(part["expr"][1], dtype=float)
            at, pick = self._places(var, part)
            sizes = [1 if o is None else len(self.model.dimensions[o]) for o in part["over"]]
            if values.size == 1:
                values = np.full(sizes, float(values.reshape(-1)[0]))
            elif values.size == int(np.prod(sizes)):
                values = values.reshape(sizes)
            else:
                self.fail(f"{values.size} values for {int(np.prod(sizes))} members")
            picked = values[np.ix_(*[range(1) if p is None else p for p in pick])]
            out[np.ix_(*at)] = picked.reshape([len(a) for a in at])
        if np.isnan(out).any():
            self.fail("a constant with members left undefined")
        order = self.dims_of(var["dims"])  # the model keeps dimensions in its own order
        return np.transpose(out, [var["dims"].index(d) for d in order])

    def _given(self, var, given):
        if isinstance(given, Mapping):
            return dict(given)
        return float(given)

    def _lookups(self, var) -> None:
        dims = var["dims"]
        found = {}
        for part in var["parts"]:
            xs, ys = part["points"]["x"], part["points"]["y"]
            for combo in itertools.product(*part["at"]):
                name = var["name"] if not dims else self.unique(
                    "_".join([var["name"], *combo]).lower())
                found[combo] = self.table(name, xs, ys)
        self.tables[var["name"]] = found

    def table(self, name: str, xs, ys) -> Lookup:
        points = sorted(zip(xs, ys, strict=True))
        kept = [p for k, p in enumerate(points) if k == 0 or p[0] > points[k - 1][0]]
        if len(kept) == 1:
            kept.append((kept[0][0] + 1.0, kept[0][1]))
        return self.model.lookup(name, kept)

    def _assemble(self, var, field: str) -> Expr:
        """A variable's equation from its parts: the one expression if it covers every
        member, else an ``Array`` of them."""
        dims = tuple(var["dims"])
        parts, overs, ats, picks = [], [], [], []
        for part in var["parts"]:
            expr, found = self.expr(part[field], part["over"])
            over = [o for o in part["over"] if o is not None]
            expr, found = self.conform(expr, found, over)
            at, pick = self._places(var, part)
            whole = set(found) == set(dims) and list(part["over"]) == list(dims) and all(
                p == tuple(range(len(self.model.dimensions[d])))
                for d, p in zip(dims, pick, strict=True))
            if len(var["parts"]) == 1 and whole:
                return expr
            parts.append(expr)
            overs.append(tuple(part["over"]))
            ats.append(at)
            picks.append(pick)
        return Array(dims, tuple(parts), tuple(overs), tuple(ats), tuple(picks))

    def conform(self, expr: Expr, found, over, strict: bool = True):
        """``expr`` moved onto the dimensions it is written over: a dimension of the
        expression that is not one of them is taken onto the one mapped to it (if
        ``strict``, there must be one)."""
        found = list(found)
        for dim in [d for d in found if d not in over]:
            target = next((o for o in over if o not in found and self.related(dim, o)), None)
            if target is None:
                if not strict:
                    continue
                self.fail(f"dimension '{dim}' where the equation is over "
                          f"({', '.join(over) or 'no dimension'})")
            expr = Take(expr, dim, target, self.indices(dim, target))
            found[found.index(dim)] = target
        return expr, tuple(found)

    def spare(self, dim: str) -> str:
        """A dimension with the members of ``dim``, for moving it out of the way."""
        if dim not in self.spares:
            found = self.model.dimensions[dim]
            self.spares[dim] = self.unique(f"{dim}_spare")
            self.model.dimension(self.spares[dim], found.members, found.labels)
        return self.spares[dim]

    def related(self, a: str, b: str) -> bool:
        return b in self.maps.get(a, ()) or a in self.maps.get(b, ()) or set(
            self.model.dimensions[b].members) <= set(self.model.dimensions[a].members)

    def indices(self, source: str, target: str) -> tuple[int, ...]:
        """For each member of ``target``, the index of the member of ``source`` it is."""
        src, dst = self.model.dimensions[source], self.model.dimensions[target]
        if set(dst.members) <= set(src.members):
            return tuple(src.index(mb) for mb in dst.members)
        if len(src) == len(dst) and self.related(source, target):
            return tuple(range(len(dst)))
        self.fail(f"dimension '{source}' used for '{target}'")

    # -- expressions ----------------------------------------------------------------
    def expr(self, tree, over=()) -> tuple[Expr, tuple[str, ...]]:
        """An expression and the dimensions it spans."""
        if isinstance(tree, int | float):
            if np.isnan(tree):  # Vensim's :NA:, a value missing on purpose
                self.model.missing.add(self.owner)
            return Const(float(tree)), ()
        if not isinstance(tree, list) or not tree or not isinstance(tree[0], str):
            self.fail(f"an expression that is not model data ({type(tree).__name__})")
        tag = tree[0]
        method = getattr(self, "_" + tag, None)
        if method is None:
            self.fail(f"the expression kind {tag!r}")
        return method(tree, over)

    def _time(self, tree, over):
        return self.model.time, ()

    def _control(self, tree, over):
        return Const(float(self.time[tree[1]])), ()

    def _count(self, tree, over):
        return Const(float(len(self.model.dimensions[tree[1]]))), ()

    def home(self, members) -> Dimension:
        """The largest dimension holding all of ``members`` (the first, if several)."""
        return max((d for d in self.model.dimensions.values()
                    if set(members) <= set(d.members)), key=len)  # max keeps the first

    def _place(self, tree, over):
        return Const(self.home([tree[1]]).index(tree[1]) + 1.0), ()

    def _position(self, tree, over):
        dim = self.model.dimensions[tree[1]]
        home = self.home(dim.members)
        if tree[1] not in self.positions:
            self.positions[tree[1]] = self.model.param(
                self.unique(f"{tree[1]}_position"),
                np.array([home.index(m) + 1.0 for m in dim.members]), dims=[tree[1]],
                doc=f"position of each member of {tree[1]} in {home.name}")
        return self.positions[tree[1]], (tree[1],)

    def _values(self, tree, over):
        dims = [o for o in over if o is not None]
        values = np.asarray(tree[1], dtype=float)
        sizes = [len(self.model.dimensions[d]) for d in dims]
        if values.size == 1:
            return Const(float(values.reshape(-1)[0])), ()
        if values.size != int(np.prod(sizes)):
            self.fail(f"{values.size} values for {int(np.prod(sizes))} members")
        param = self.model.param(self.unique(f"{self.owner}_values"),
                                 values.reshape(sizes), dims=dims)
        return param, self.dims_of(dims)

    def _var(self, tree, over):
        name, subs = tree[1], tree[2]
        obj = self.objects.get(name)
        if obj is None:
            self.fail(f"a reference to '{name}', which is not a variable")
        own = list(self.vars[name]["dims"])
        if subs and len(subs) != len(own):
            self.fail(f"'{name}' with {len(subs)} subscripts (it has {len(own)})")
        expr, dims = obj, list(own)
        moves = [(dim, sub[1]) for sub, dim in zip(subs, own, strict=False)
                 if sub[0] == "dim" and sub[1] != dim]
        targets = [target for _, target in moves]
        after = [sub[1] for sub in subs if sub[0] == "dim"] + own[len(subs):]
        if len(set(after)) < len(after):
            self.fail(f"'{name}' with one dimension twice ({', '.join(after)})")
        for sub, dim in zip(subs, own, strict=False):
            if sub[0] == "member":
                if sub[1] not in self.model.dimensions[dim].members:
                    self.fail(f"'{name}[{sub[1]}]': no member '{sub[1]}' in '{dim}'")
                expr = Select(expr, dim, sub[1])
                dims.remove(dim)
        # each moved dimension goes through a spare copy first, so that a transposition
        # (x[b, a] of x[a, b]) never has one dimension twice on the way
        crossing = any(target in dims for target in targets)
        for dim, _ in moves:
            if crossing:
                expr = Take(expr, dim, self.spare(dim), self.indices(dim, dim))
        for dim, target in moves:
            source = self.spare(dim) if crossing else dim
            expr = Take(expr, source, target, self.indices(dim, target))
            dims[dims.index(dim)] = target
        summed = [sub[1] for sub in subs if sub[-1] == "!"]
        lhs = [o for o in over if o is not None]
        expr, dims = self.conform(expr, dims, lhs + summed, strict=False)
        return expr, self.dims_of(dims)

    def _op(self, tree, over):
        if tree[1] not in OPS:
            self.fail(f"the operator {tree[1]!r}")
        (a, da), (b, db) = self.expr(tree[2], over), self.expr(tree[3], over)
        return BinOp(tree[1], a, b), self.dims_of(da + db)

    def _neg(self, tree, over):
        a, da = self.expr(tree[1], over)
        return Neg(a), da

    def _not(self, tree, over):
        a, da = self.expr(tree[1], over)
        return Not(a), da

    def _call(self, tree, over, along: str = ""):
        fn, first = tree[1], 3 if along else 2
        if fn not in BUILTINS:
            self.fail(f"the function {fn!r}")
        built = [self.expr(a, over) for a in tree[first:]]
        args = [a for a, _ in built]
        if along and along not in built[0][1]:  # moved onto a dimension mapped to it
            along = next((d for d in built[0][1] if self.related(along, d)), along)
        try:
            call = BUILTINS[fn](*args, along=along)
        except TypeError as err:
            self.fail(str(err))
        return call, self.dims_of([d for _, ds in built for d in ds] + ([along] if along
                                                                        else []))

    def _along(self, tree, over):
        if tree[2] not in self.model.dimensions:
            self.fail(f"{tree[1]} along '{tree[2]}', which is not a dimension")
        return self._call(tree, over, tree[2])

    def _lookup(self, tree, over):
        x, dx = self.expr(tree[2], over)
        tables = self.tables.get(tree[1])
        if tables is None:
            self.fail(f"'{tree[1]}' called as a lookup")
        dims = tuple(self.vars[tree[1]]["dims"])
        if not dims:
            return LookupCall(tables[()], x), dx
        parts, ats = [], []
        for combo, table in tables.items():
            arg = x
            for dim, member in zip(dims, combo, strict=True):
                if dim in dx:
                    arg = Select(arg, dim, member)
            parts.append(LookupCall(table, arg))
            ats.append(tuple((self.model.dimensions[d].index(mb),)
                             for d, mb in zip(dims, combo, strict=True)))
        rest = tuple(d for d in dx if d not in dims)  # the input's other dimensions
        whole = tuple(tuple(range(len(self.model.dimensions[d]))) for d in rest)
        over = tuple(None for _ in dims) + rest
        expr: Expr = Array(dims + rest, tuple(parts), tuple(over for _ in parts),
                           tuple(at + whole for at in ats),
                           tuple(tuple(None for _ in dims) + whole for _ in parts))
        spans = list(dims + rest)
        for sub in (tree[3] if len(tree) > 3 else []):  # the table of one member
            dim = next((d for d in dims if sub[1] in self.model.dimensions[d].members), None)
            if dim is None:
                self.fail(f"the lookup '{tree[1]}' of a member '{sub[1]}' it does not have")
            expr = Select(expr, dim, sub[1])
            spans.remove(dim)
        return expr, self.dims_of(spans)

    def _table(self, tree, over):
        x, dx = self.expr(tree[3], over)  # the one table for every member of the input
        return LookupCall(self.table(self.unique(f"{self.owner}_table"), tree[1], tree[2]),
                          x), dx

    def _reduce(self, tree, over):
        expr, dims = self.expr(tree[2], over)
        for dim in tree[3]:
            if dim not in dims:
                self.fail(f"a sum over '{dim}', which the expression does not span")
            expr = Reduce(tree[1], expr, dim)
        return expr, tuple(d for d in dims if d not in tree[3])
