"""The stock-and-flow diagram as Graphviz DOT text (Graphviz itself is not needed)."""

from __future__ import annotations

import re

from ..sd.graph import references
from ..sd.model import Model


def _quote(text: str) -> str:
    """A DOT string: quotes and backslashes escaped, control characters dropped."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", text)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(model: Model) -> str:
    """The stock-and-flow diagram as Graphviz DOT: stocks as boxes, flows as thick edges
    (clouds where a flow leaves the model), information links as thin dashed edges."""
    model.check()
    lines = [f"digraph {_quote(model.name)} {{", "  rankdir=LR;",
             '  node [fontname="Helvetica", fontsize=10];']
    for var in model.variables.values():
        shape = {"stock": "box", "param": "plaintext", "flow": "diamond"}.get(var.kind, "ellipse")
        label = _quote(var.name)
        if var.dims:  # DOT's own line break (\n) before the dimensions, not an escaped one
            label = label[:-1] + "\\n" + _quote(f"[{', '.join(var.dims)}]")[1:]
        lines.append(f"  {_quote(var.name)} [shape={shape}, label={label}];")
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
