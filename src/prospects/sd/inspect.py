"""Looking at a model: a table of its variables and a stock-and-flow diagram (DOT)."""

from __future__ import annotations

from dataclasses import dataclass

from .graph import references
from .model import Model
from .render import render


@dataclass(frozen=True)
class VariableInfo:
    name: str
    kind: str
    dims: tuple[str, ...]
    unit: str
    equation: str
    doc: str
    claims: tuple[str, ...]
    depends_on: tuple[str, ...]


def describe(model: Model) -> list[VariableInfo]:
    """Every variable with its equation, unit, doc, claims and what it reads."""
    model.check()
    rows = []
    for var in model.variables.values():
        eq = var.equation()
        if var.kind == "param":
            text = ", ".join(f"{x:g}" for x in var.default.ravel())
            deps: tuple[str, ...] = ()
        else:
            text = render(eq)
            deps = tuple(v.name for v in references(eq))
            if var.kind == "stock":
                net = [f"+{f.name}" for f in var.inflows] + [f"-{f.name}" for f in var.outflows]
                text = f"integral({' '.join(net) or '0'}), starting at {text}"
                deps = tuple(f.name for f in var.inflows + var.outflows) + deps
        rows.append(VariableInfo(var.name, var.kind, var.dims, var.unit or "", text, var.doc,
                                 var.claims, deps))
    return rows


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(model: Model) -> str:
    """The stock-and-flow diagram as Graphviz DOT: stocks as boxes, flows as thick edges
    (clouds where a flow leaves the model), information links as thin dashed edges."""
    model.check()
    lines = [f"digraph {_quote(model.name)} {{", "  rankdir=LR;",
             '  node [fontname="Helvetica", fontsize=10];']
    for var in model.variables.values():
        shape = {"stock": "box", "param": "plaintext", "flow": "diamond"}.get(var.kind, "ellipse")
        label = var.name + (f"\\n[{', '.join(var.dims)}]" if var.dims else "")
        lines.append(f"  {_quote(var.name)} [shape={shape}, label={_quote(label)}];")
    for flow in model.flows:
        src = flow.src.name if flow.src is not None else f"cloud_{flow.name}_in"
        dst = flow.dst.name if flow.dst is not None else f"cloud_{flow.name}_out"
        for end in (src, dst):
            if end.startswith("cloud_"):
                lines.append(f'  {_quote(end)} [shape=circle, label="", width=0.2];')
        lines.append(f"  {_quote(src)} -> {_quote(flow.name)} [penwidth=3, arrowhead=none];")
        lines.append(f"  {_quote(flow.name)} -> {_quote(dst)} [penwidth=3];")
    for var in model.variables.values():
        eq = var.equation()
        if eq is None:
            continue
        for dep in references(eq):
            lines.append(f"  {_quote(dep.name)} -> {_quote(var.name)} "
                         "[style=dashed, color=gray50, arrowsize=0.6];")
    lines.append("}")
    return "\n".join(lines) + "\n"
