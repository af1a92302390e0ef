"""The stock-and-flow diagram as hand-laid-out SVG (no Graphviz needed).

The layout is layered around each stock: inflows enter its box from the left (from a
cloud, or from the stock that drains into it: a square that links to that stock's card,
which the line above the arrow names), outflows leave on the right; under each
flow, in grey, the variables its rate reads (its key drivers, parameters left out). Every
variable is named by its readable label (``format.label_of``), wrapped to its place, the
identifier in the hover text. Each flow's label links to the first claim behind it. This
is the same graph ``interop.dot.to_dot`` writes, drawn directly from the model.
"""

from __future__ import annotations

from ..sd.graph import references
from .format import label_of, unit_text
from .svg import claim_link, esc, lines, shorten, svg, text, wrap

CARD_W, SIDE, BOX_W, ROW_H, PAD = 430, 150, 130, 46, 14
#: characters of a flow's label per line above its arrow, and of a stock's in its box
FLOW_CHARS, STOCK_CHARS = 24, 21
COLUMNS = 3


def drivers(flow) -> list[str]:
    """Variables (not parameters) a flow's rate reads."""
    return [v.name for v in references(flow.equation()) if v.kind != "param"]


def _flow_row(system, flow, x0: float, x1: float, y: float, side: str,
              other: str | None) -> str:
    """One flow as an arrow from ``x0`` to ``x1`` at height ``y``, labelled."""
    parts = [f'<line x1="{x0:.1f}" y1="{y:.1f}" x2="{x1:.1f}" y2="{y:.1f}" stroke="#1f5f8b" '
             f'stroke-width="3" marker-end="url(#sfd-arrow)"/>']
    cx = x0 - 5 if side == "in" else x1 + 12
    label = label_of(system, flow.name)
    if other is None:  # a cloud: the flow comes from / goes to outside the model
        parts.append(f'<circle cx="{cx:.1f}" cy="{y:.1f}" r="5" fill="#fff" stroke="#888"/>')
        rows = wrap(label, FLOW_CHARS, 2)
    else:  # another stock: the square links to its card, the second line names it
        link = f"{'from' if side == 'in' else 'to'} {label_of(system, other)}"
        parts.append(f'<a href="#stock-{esc(other)}"><title>{esc(link)}</title><rect '
                     f'x="{cx - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" '
                     'fill="#eef4f9" stroke="#1f5f8b"/></a>')
        rows = [shorten(label, FLOW_CHARS), shorten(link, FLOW_CHARS + 4)]
        label += f" ({link})"
    mid, top = (x0 + x1) / 2, y - 5 - 10 * (len(rows) - 1)
    name = "".join(text(mid, top + 10 * k, row, 9, "middle", *(
        ("#1f5f8b", "normal") if other is not None and k else ("#123", "600")))
        for k, row in enumerate(rows))
    tip = f"{label} [{flow.name}, {flow.unit}]: {flow.doc}"
    if flow.claims:
        tip += f" [claims: {', '.join(flow.claims)}]"
    # the flow's anchor on one of its rows: the outflow's if it drains a stock
    anchor = f" id='flow-{esc(flow.name)}'" if (side == "out") == (flow.src is not None) else ""
    parts.append(f"<g{anchor}>"
                 + claim_link(flow.claims[0] if flow.claims else None, name, tip) + "</g>")
    reads = [label_of(system, v) for v in drivers(flow)]
    if reads:
        parts.append(f"<g><title>{esc('reads: ' + '; '.join(reads))}</title>"
                     + text(mid, y + 13, shorten("\u2190 " + "; ".join(reads), 30), 8.5,
                            "middle", "#777") + "</g>")
    return "".join(parts)


def _card(system, stock, x: float, y: float, height: float, tags=()) -> str:
    ins, outs = stock.inflows, stock.outflows
    box_x = x + SIDE
    box_h = max(62.0, max(len(ins), len(outs), 1) * ROW_H - 8)
    box_y = y + (height - box_h) / 2
    parts = [f'<rect x="{box_x:.1f}" y="{box_y:.1f}" width="{BOX_W}" height="{box_h:.1f}" '
             f'rx="3" fill="#eef4f9" stroke="#1f5f8b" stroke-width="1.5"/>']
    name = wrap(label_of(system, stock.name), STOCK_CHARS, 3)
    notes = ([f"[{', '.join(stock.dims)}]"] if stock.dims else []) + [
        shorten(unit_text(stock.unit), 22)]
    cy = box_y + box_h / 2 - 6 * (len(name) + len(notes) - 1) + 4
    parts.append(lines(box_x + BOX_W / 2, cy, name, 10, 12, "middle", "#123", "700"))
    parts.append(lines(box_x + BOX_W / 2, cy + 12 * len(name), notes, 8.5, 12, "middle",
                       "#555"))
    tip = f"{label_of(system, stock.name)} [{stock.name}, {stock.unit}]: {stock.doc}"
    parts = [f"<g id='stock-{esc(stock.name)}'><title>{esc(tip)}</title>{''.join(parts)}</g>"]
    for k, loop in enumerate(tags):  # the named loops through this stock, as tags above it
        tx = box_x + k * 30
        colour = "#b5542c" if loop.reads == "reinforcing" else "#3b7d3b"
        parts.append(f'<a href="#loop-{esc(loop.tag)}"><title>{esc(loop.tag)}: '
                     f'{esc(loop.name)} ({esc(loop.reads)})</title><rect x="{tx:.1f}" '
                     f'y="{box_y - 15:.1f}" width="26" height="13" rx="6" fill="{colour}"/>'
                     + text(tx + 13, box_y - 5, loop.tag, 9, "middle", "#fff", "700")
                     + "</a>")

    def rows(flows, side):
        top = y + (height - len(flows) * ROW_H) / 2 + ROW_H / 2 + 4
        for k, flow in enumerate(flows):
            yy = top + k * ROW_H
            if side == "in":
                other = flow.src.name if flow.src is not None else None
                parts.append(_flow_row(system, flow, x + 14, box_x - 2, yy, side, other))
            else:
                other = flow.dst.name if flow.dst is not None else None
                parts.append(_flow_row(system, flow, box_x + BOX_W, x + CARD_W - 20, yy, side,
                                       other))

    rows(ins, "in")
    rows(outs, "out")
    return "".join(parts)


def stock_flow_svg(system, loops=()) -> str:
    """The diagram of a system's model: one card per stock, laid out in rows of
    ``COLUMNS``; each stock tagged with the named ``loops`` (``drivers.TaggedLoop``)
    through it."""
    model = system.model
    stocks = model.stocks
    body = ['<defs><marker id="sfd-arrow" viewBox="0 0 10 10" refX="8" refY="5" '
            'markerWidth="4" markerHeight="4" orient="auto-start-reverse">'
            '<path d="M0,0 L10,5 L0,10 z" fill="#1f5f8b"/></marker></defs>']
    y = PAD
    for start in range(0, len(stocks), COLUMNS):
        row = stocks[start:start + COLUMNS]
        height = max(max(len(s.inflows), len(s.outflows), 1) * ROW_H + 16 for s in row)
        height = max(height, 88)
        for k, stock in enumerate(row):
            x = PAD + k * CARD_W
            body.append(f'<rect x="{x + 4}" y="{y}" width="{CARD_W - 8}" height="{height}" '
                        'fill="none" stroke="#e3e3e3"/>')
            body.append(_card(system, stock, x, y, height,
                              [lp for lp in loops if stock.name in lp.stocks]))
        y += height + PAD
    width = 2 * PAD + min(len(stocks), COLUMNS) * CARD_W
    return svg(width, y, "".join(body), f"Stock-and-flow diagram of model {model.name}")
