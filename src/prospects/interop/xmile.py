"""Export a model to XMILE 1.0 (Stella, and PySD's XMILE reader), with a diagram view.

The equations are those of ``interop.equations``, in XMILE's syntax: names quoted
(``"births"``, so that none reads as a keyword), ``AND``/``OR``/``NOT``, ``IF_THEN_ELSE``,
``a mod b``, builtins by the registry's XMILE names (DELAYN and SMTHN with the order
before the initial value, as XMILE has them). ``pulse`` and ``pulse_train`` have no XMILE
function of the same meaning (XMILE's PULSE is an impulse), so each is written as the
condition it stands for, ``sample_if_true`` as the stock it holds, and ``active_initial``
as its active value, a variable that reads otherwise while the initial values are made
getting a copy that reads so (``<x> initially``) for the stocks' initial values and the
initial values of stateful builtins (and INIT) to read; a builtin PySD's
XMILE reader does not know (``random_uniform``: PySD reads no UNIFORM, nor
ALLOCATE_BY_PRIORITY) is refused with a one-line error. A parameter over one dimension is
its values in a row, over more one ``<element>`` per member; a stock whose initial value
is given member by member starts from an auxiliary that gives it so (``<stock>
initial``), as PySD's XMILE reader reads no stock by its members. The file is built with
ElementTree, so every name, unit and comment is escaped as XML.
"""

from __future__ import annotations

import dataclasses
import os
import xml.etree.ElementTree as ET
from pathlib import Path

from .. import __version__
from ..sd.builtins import BUILTINS, SMALL
from ..sd.graph import references
from ..sd.model import Model, ModelError
from .equations import ADD, ATOM, Exporter, by_member, clock, comment, lookup_xs, number, time_unit
from .layout import diagram

NAMESPACE = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"
MOD = ADD + 1  # ``a mod b`` binds tighter than + and looser than *

#: XMILE functions PySD 3.14's XMILE reader turns into its own (xmile_structures.py and
#: the builder's functionspace); a builtin whose XMILE name is not here is refused
PYSD_READS = frozenset("""
    abs arccos arcsin arctan cos cosh delay delay1 delay3 delayn exp forcst if_then_else
    init int ln log max min power ramp safediv sin sinh smth1 smth3 smthn sqrt step tan
    tanh trend vector_rank vector_reorder vector_sort_order
""".split())


def _spaced(name: str) -> str:
    """A dimension or member name as XMILE defines it: PySD reads ``_`` in a subscript
    as a space, so the definition has spaces where the name has underscores."""
    return name.replace("_", " ")


#: where a stateful builtin takes its initial value (if not given: its input's)
INITIAL_ARGUMENT = {"smooth": 2, "smooth3": 2, "delay1": 2, "delay3": 2, "smooth_n": 2,
                    "delay_n": 2, "delay_fixed": 2, "trend": 2, "forecast": 3}


class _Xmile(Exporter):
    AND, OR, NOT_WORD, TIME = "AND", "OR", "NOT", "TIME"
    FORMAT = "XMILE"
    MISSING = None

    def __init__(self, model: Model):
        super().__init__(model)
        self.initially = False  # writing what is read while initial values are made
        self.copies: dict[str, str] = {}
        self.tainted: dict[str, bool] = {}

    def quoted(self, name: str) -> str:
        return f'"{name}"'

    # -- ACTIVE INITIAL, which XMILE has not ------------------------------------------
    def _reads_initially(self, expr) -> bool:
        """Whether ``expr`` reads otherwise while the initial values are made: it reads,
        not through a delay, a variable with ACTIVE INITIAL."""
        return any(self._differs(v) for v in references(expr, into_delays=False))

    def _differs(self, var) -> bool:
        if var.name not in self.tainted:
            self.tainted[var.name] = False  # (a loop ends here)
            self.tainted[var.name] = var.name in self.lowered.initial or (
                var.kind not in ("param", "stock") and self._reads_initially(var.equation()))
        return self.tainted[var.name]

    def _at_start(self, render):
        outer, self.initially = self.initially, True
        try:
            return render()
        finally:
            self.initially = outer

    def variable(self, node):
        if not (self.initially and self._differs(node)):
            return super().variable(node)
        name = self.copies.get(node.name)
        if name is None:
            name = self.copies[node.name] = self._allocate(f"{node.name} initially")
            self.helpers.extend(self._each(
                name, node.dims, node.equation(), node.unit,
                f"{node.name} as it reads while the initial values are made"))
        return self.ref(name, node.dims, self.ctx), ATOM

    def _stock(self, stock, name, doc):
        return self._at_start(lambda: super(_Xmile, self)._stock(stock, name, doc))

    def function(self, fn: str, n_args: int) -> str:
        builtin = BUILTINS[fn]
        return builtin.xmile[n_args - builtin.arity[0]]

    def builtin(self, node, ctx):
        if node.fn == "sample_if_true":
            return self._sampled(node, ctx)
        if node.fn == "active_initial":
            return self._within(ctx, node.args[1 if self.initially else 0])
        if node.fn == "initial":  # INIT of what the variable is at the start
            return f"INIT({self._at_start(lambda: self.num(node.args[0], ctx))})", ATOM
        args = self.arguments(node, ctx)
        at = INITIAL_ARGUMENT.get(node.fn)
        if at is not None:
            start = node.args[at] if at < len(node.args) else node.args[0]
            if self._reads_initially(start):
                args[at:at + 1] = [self._at_start(lambda: self.num(start, ctx))]
        if node.fn == "modulo":
            a, b = (self.num(x, ctx, ATOM) for x in node.args)
            return f"{a} mod {b}", MOD
        if node.fn == "pulse":
            start, width = (self.num(x, ctx, ATOM) for x in node.args)
            return (f"IF_THEN_ELSE(TIME >= {start} AND TIME < {start} + {width}, 1, 0)",
                    ATOM)
        if node.fn == "pulse_train":
            start, width, interval, end = (self.num(x, ctx, ATOM) for x in node.args)
            since = f"(TIME - {start} + {SMALL!r})"
            every = f"IF_THEN_ELSE({interval} > 0, {interval}, 1)"
            phase = f"IF_THEN_ELSE({interval} > 0, {since} mod {every}, {since})"
            return (f"IF_THEN_ELSE(TIME >= {start} AND TIME < {end} AND {phase} < {width}, "
                    "1, 0)", ATOM)
        if node.fn in ("delay_n", "smooth_n"):  # XMILE's DELAYN(x, delay, n, init)
            args = [args[0], args[1], args[3], args[2]]
        name = self.function(node.fn, len(node.args))
        if name.lower() not in PYSD_READS:
            raise ModelError(f"cannot export {node.fn} to XMILE: PySD's XMILE reader has no "
                             f"{name} (export to .mdl instead)")
        return f"{name}({', '.join(args)})", ATOM

    def along_call(self, node, args: list[str]) -> str:
        name = self.function(node.fn, len(node.args))
        if name.lower() not in PYSD_READS:
            raise ModelError(f"cannot export {node.fn} to XMILE: PySD's XMILE reader has no "
                             f"{name} (export to .mdl instead)")
        return super().along_call(node, args)

    def _sampled(self, node, ctx):
        """SAMPLE IF TRUE, which XMILE has not, as the stock it holds: the input while
        the condition holds, else the stock, which takes the input in each step the
        condition holds (``<n> held``, from the initial value)."""
        if any(by_member(self.model, a) for a in node.args):
            raise ModelError("cannot export sample_if_true of arguments written member by "
                             "member to XMILE (export to .mdl instead)")
        dims, (condition, x, init) = self.dims(node), node.args
        held = self.helper_of.get(id(node))
        if held is None:
            held = self.helper_of[id(node)] = self._allocate(
                f"sample if true {len(self.helpers) + 1} held")
            change = self._allocate(f"{held} change")
            self.helpers.append(self._equation(
                held, dims, lambda: self.num(init, {}), None,
                "the last input sampled while the condition held", kind="stock",
                inflows=[change]))
            self.helpers.append(self._equation(
                change, dims, lambda: f"IF_THEN_ELSE({self.cond(condition, {})}, "
                f"({self.num(x, {}, ADD)} - {self.ref(held, dims, {})}) / "
                f"{number(self.model.dt)}, 0)", None, f"what {held} takes in a step",
                kind="flow", dst=held))
        return (f"IF_THEN_ELSE({self.cond(condition, ctx)}, {self.num(x, ctx)}, "
                f"{self.ref(held, dims, ctx)})", ATOM)

    def tree(self) -> ET.ElementTree:
        model = self.model
        root = ET.Element("xmile", version="1.0", xmlns=NAMESPACE)
        header = ET.SubElement(root, "header")
        ET.SubElement(header, "vendor").text = "Prospects"
        ET.SubElement(header, "product", version=__version__, lang="en").text = "Prospects"
        ET.SubElement(header, "name").text = comment(model.name)
        start, final = clock(model)
        specs = ET.SubElement(root, "sim_specs", method="Euler",
                              time_units=comment(time_unit(model)))
        for tag, value in (("start", start), ("stop", final), ("dt", model.dt)):
            ET.SubElement(specs, tag).text = number(value)
        dims = ET.SubElement(root, "dimensions")
        for dim in model.dimensions.values():
            node = ET.SubElement(dims, "dim", name=_spaced(dim.name))
            for member in dim.members:
                ET.SubElement(node, "elem", name=_spaced(member))
        body = ET.SubElement(root, "model")
        variables = ET.SubElement(body, "variables")
        for lookup in model.lookups.values():
            gf = ET.SubElement(variables, "gf", name=self.names[lookup.name])
            _describe(gf, lookup.y_unit, self.noted(lookup.name, lookup.doc))
            ET.SubElement(gf, "xpts").text = ",".join(map(number, lookup_xs(lookup, model.dt)))
            ET.SubElement(gf, "ypts").text = ",".join(map(number, lookup.ys))
        eqs = self._initial_values(self.equations())
        nodes: dict[str, ET.Element] = {}
        for eq in eqs:
            tag = {"stock": "stock", "flow": "flow", "floor": "flow"}.get(eq.kind, "aux")
            node = nodes.get(eq.name)
            if node is None:
                node = nodes[eq.name] = ET.SubElement(variables, tag, name=eq.name)
                if eq.dims:
                    shape = ET.SubElement(node, "dimensions")
                    for dim in eq.dims:
                        ET.SubElement(shape, "dim", name=_spaced(dim))
                _describe(node, eq.unit, eq.doc)
                for tag, flows in (("inflow", eq.inflows + [eq.floor] * bool(eq.floor)),
                                   ("outflow", eq.outflows)):
                    for flow in flows:
                        ET.SubElement(node, tag).text = self.quoted(flow)
            # one member's equation, or a table of values over more than one dimension;
            # over one, the values in a row (by elements, PySD's XMILE reader may take
            # them for those of another dimension with the same members in another order)
            if eq.subscripts != eq.dims or eq.kind == "param" and len(eq.dims) > 1:
                self._elements(node, eq)
            else:
                ET.SubElement(node, "eqn").text = eq.text
        _view(ET.SubElement(ET.SubElement(body, "views"), "view"), eqs)
        ET.indent(root)
        return ET.ElementTree(root)

    def _initial_values(self, eqs: list) -> list:
        """The equations, a stock whose initial value is given member by member (which
        PySD's XMILE reader does not read of a stock) starting from an auxiliary that
        gives it so, ``<stock> initial``."""
        found = []
        for eq in eqs:
            if eq.kind != "stock" or eq.subscripts == eq.dims:
                found.append(eq)
                continue
            stock = next((s for s in found if s.kind == "stock" and s.name == eq.name), None)
            if stock is None:
                helper = self._allocate(f"{eq.name} initial")
                stock = dataclasses.replace(eq, text=self.ref(helper, eq.dims, {}),
                                            subscripts=eq.dims, reads=[helper])
                found.append(stock)
            found.append(dataclasses.replace(
                eq, name=stock.reads[0], kind="aux", doc=f"initial value of {eq.name}",
                inflows=[], outflows=[], floor=None,
                reads=[r for r in eq.reads if r != eq.floor], beside=eq.name))
        return found

    def _elements(self, node: ET.Element, eq) -> None:
        """One ``<element>`` per member of an arrayed parameter."""
        import itertools

        members = [self.model.dimensions[d].members for d in eq.dims]
        if eq.subscripts != eq.dims:  # one element already
            combos, values = [eq.subscripts], [eq.text]
        else:
            combos = list(itertools.product(*members))
            values = [x.strip() for row in eq.text.strip(";").split(";")
                      for x in row.split(",")]
        for combo, value in zip(combos, values, strict=True):
            element = ET.SubElement(node, "element", subscript=",".join(map(_spaced, combo)))
            ET.SubElement(element, "eqn").text = value


def _describe(node: ET.Element, unit: str | None, doc: str) -> None:
    if unit:
        ET.SubElement(node, "units").text = comment(unit)
    if doc:
        ET.SubElement(node, "doc").text = comment(doc)


def _view(view: ET.Element, eqs) -> None:
    """The diagram: the same layout as the Vensim sketch."""
    layout = diagram(eqs)
    ends = {name: [layout.at[s] if s else layout.clouds[(name, side)]
                   for side, s in (("src", src), ("dst", dst))]
            for name, src, dst in layout.flows}
    for name, kind in layout.kinds.items():
        x, y = layout.at[name]
        node = ET.SubElement(view, "aux" if kind == "other" else kind,
                             name=name.replace(" ", "_"), x=str(x), y=str(y))
        if name in ends:
            pts = ET.SubElement(node, "pts")
            for px, py in ends[name]:
                ET.SubElement(pts, "pt", x=str(px), y=str(py))
    uid = 0
    for name, inputs in layout.reads.items():
        for used in inputs:
            uid += 1
            connector = ET.SubElement(view, "connector", uid=str(uid), angle="0")
            ET.SubElement(connector, "from").text = used.replace(" ", "_")
            ET.SubElement(connector, "to").text = name.replace(" ", "_")


def to_xmile(model: Model) -> str:
    """The model as XMILE text (checked first; raises ModelError if it cannot be)."""
    import io

    buffer = io.BytesIO()
    _Xmile(model).tree().write(buffer, encoding="utf-8", xml_declaration=True)
    return buffer.getvalue().decode("utf-8") + "\n"


def write_xmile(model: Model, path: str | os.PathLike) -> Path:
    """Write ``to_xmile(model)`` to ``path`` atomically (temp file, then rename)."""
    from ..files import write_text

    return write_text(path, to_xmile(model))
