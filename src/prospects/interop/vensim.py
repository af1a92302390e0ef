"""Export a model to Vensim's text format (.mdl), as read by Vensim and PySD, with its
diagram in the sketch section.

The equations are those of ``interop.equations``. The sketch places every variable once
(``interop.layout``): stocks as boxes (``10,`` lines of shape 3), each of the model's flows
as a valve (``11,``) with its rate variable beside it and pipes (``1,`` lines of width 22)
to the stocks it drains and fills or to clouds (``12,``) where it leaves the model, every
other variable as plain text, and an arrow (``1,``) for every variable an equation reads.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..sd.model import Model
from .equations import Equation, Exporter, clock, comment, lookup_xs, number, time_unit, unit
from .layout import diagram


class _Vensim(Exporter):
    def text(self) -> str:
        model = self.model
        eqs = self.equations()
        out = ["{UTF-8}"]
        out.append(_group(model.name, model.doc or f"Exported from Prospects model "
                                                  f"'{model.name}'"))
        for dim in model.dimensions.values():
            out.append(f"{dim.name}:\n\t{', '.join(dim.members)}\n\t~\t\n\t~\t\t|\n")
        for lookup in model.lookups.values():
            out.append(self._lookup(lookup))
        for eq in eqs:
            lhs = f"{eq.name}[{', '.join(eq.subscripts)}]" if eq.dims else eq.name
            out.append(f"{lhs} =\n\t{self._integ(eq) if eq.kind == 'stock' else eq.text}\n"
                       f"\t~\t{unit(eq.unit)}\n\t~\t{comment(eq.doc)}\n\t|\n")
        out.append(_group("Control", "Simulation Control Parameters"))
        start, final = clock(model)
        step_unit = unit(time_unit(model)).capitalize()
        control = [("FINAL TIME", final, "The final time for the simulation."),
                   ("INITIAL TIME", start, "The initial time for the simulation."),
                   ("SAVEPER", model.output_step, "The frequency with which output is stored."),
                   ("TIME STEP", model.dt, "The time step for the simulation.")]
        for name, value, doc in control:
            out.append(f"{name} = {number(value)}\n\t~\t{step_unit}\n\t~\t{doc}\n\t|\n")
        out.append("\\\\\\---/// Sketch information - do not modify anything except names\n"
                   "V300  Do not put anything below this section - it will be ignored\n"
                   "*View 1\n"
                   "$192-192-192,0,Times New Roman|12||0-0-0|0-0-0|0-0-255|-1--1--1|"
                   "-1--1--1|96,96,100,0\n" + "".join(f"{line}\n" for line in sketch(eqs))
                   + "///---\\\\\\\n")
        return "\n".join(out)

    @staticmethod
    def _integ(eq: Equation) -> str:
        dims = f"[{', '.join(eq.subscripts)}]" if eq.dims else ""
        terms = [f"+ {f}{dims}" for f in eq.inflows] + [f"- {f}{dims}" for f in eq.outflows]
        terms += [f"+ {eq.floor}{dims}"] if eq.floor else []
        net = " ".join(terms).removeprefix("+ ") if terms else "0"
        return f"INTEG({net}, {eq.text})"

    def _lookup(self, lookup) -> str:
        xs, ys = lookup_xs(lookup, self.model.dt), lookup.ys
        box = (f"[({number(min(xs))},{number(min(ys))})-"
               f"({number(max(xs))},{number(max(ys))})]")
        points = ",".join(f"({number(x)},{number(y)})" for x, y in zip(xs, ys, strict=True))
        return (f"{self.names[lookup.name]}(\n\t{box},{points})\n"
                f"\t~\t{unit(lookup.y_unit)}\n\t~\t{comment(self.noted(lookup.name, lookup.doc))}"
                "\n\t|\n")


def _group(name: str, doc: str) -> str:
    stars = "*" * 56
    return f"{stars}\n\t.{comment(name)}\n{stars}~\n\t{comment(doc)}\n\t|\n"


def _half_width(name: str) -> int:
    return max(12, min(60, 3 * len(name)))


def sketch(eqs: list[Equation]) -> list[str]:
    """The sketch lines of a view of these equations (one object per variable)."""
    layout = diagram(eqs)
    lines, ids = [], {}

    def new_id() -> int:
        return len(lines) + 1

    def arrow(src: int, dst: int, a, b, pipe: str = "") -> None:
        if pipe and a[0] != b[0] and a[1] != b[1]:  # into a stock from above or below
            b = (a[0], b[1])
        mid = f"({(a[0] + b[0]) // 2},{(a[1] + b[1]) // 2})"
        style = f"{pipe},0,0,22,0,0,0" if pipe else "0,0,0,0,0,64,0"
        lines.append(f"1,{new_id()},{src},{dst},{style},-1--1--1,,1|{mid}|")

    for name in [n for n, kind in layout.kinds.items() if kind == "stock"]:
        x, y = layout.at[name]
        ids[name] = new_id()
        lines.append(f"10,{ids[name]},{name},{x},{y},{layout.half_width[name]},20,3,3,0,0,0,0,"
                     "0,0")
    for name, src, dst in layout.flows:
        ends = {}
        for side, stock in (("src", src), ("dst", dst)):
            if stock is None:
                cx, cy = layout.clouds[(name, side)]
                ends[side] = (new_id(), (cx, cy))
                lines.append(f"12,{ends[side][0]},48,{cx},{cy},10,8,0,3,0,0,-1,0,0,0")
            else:
                ends[side] = (ids[stock], layout.at[stock])
        x, y = layout.at[name]
        valve = new_id()
        lines.append(f"11,{valve},48,{x},{y},6,8,34,3,0,0,1,0,0,0")
        ids[name] = new_id()
        lx, ly = layout.labels.get(name, (x, y + 16))
        lines.append(f"10,{ids[name]},{name},{lx},{ly},{_half_width(name)},8,40,3,0,0,-1,"
                     "0,0,0")
        arrow(valve, ends["dst"][0], (x, y), ends["dst"][1], pipe="4")
        arrow(valve, ends["src"][0], (x, y), ends["src"][1], pipe="100")
    for name in layout.reads:
        if name not in ids:
            x, y = layout.at[name]
            ids[name] = new_id()
            lines.append(f"10,{ids[name]},{name},{x},{y},{_half_width(name)},8,8,3,0,0,0,"
                         "0,0,0")
    for name, inputs in layout.reads.items():
        for used in inputs:
            arrow(ids[used], ids[name], layout.at[used], layout.at[name])
    return lines


def to_vensim(model: Model) -> str:
    """The model as Vensim .mdl text (checked first; raises ModelError if it fails)."""
    return _Vensim(model).text()


def vensim_names(model: Model) -> dict[str, str]:
    """Prospects name -> name in the exported file, for every variable, lookup and smooth.

    Names are kept unless Vensim or XMILE would confuse them (case, spaces and underscores,
    their own function names); PySD labels output columns with these names.
    """
    return dict(Exporter(model).names)


def write_vensim(model: Model, path: str | os.PathLike) -> Path:
    """Write ``to_vensim(model)`` to ``path`` atomically (temp file, then rename)."""
    from ..files import write_text

    return write_text(path, to_vensim(model))
