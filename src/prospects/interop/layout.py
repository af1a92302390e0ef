"""Where each variable of an exported diagram goes: a small layout of our own.

Stocks stand in rows, each chain of stocks joined by flows side by side, with the flows
between them horizontal. A flow from or to outside the model comes down into its stock
from a cloud above, or leaves it down to a cloud below. The export's own variables for a
stock's limit stand beside it (outflow scale, floor) or under their flow (its requested
rate). The other variables stand in rows under the stocks, layered by how far they are
from a stock or flow they feed (one step nearest), each placed near the mean position of
what it feeds and reads. Written by hand because it is short and exact: Graphviz would
be a system dependency for the same result, and could not keep pipes straight.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

STOCKS_PER_ROW = 5
FLOW_GAP = 110  # between flows to clouds on one stock
CELL_W = 300  # between stocks side by side, at least
BAND_H = 320  # stock rows
ROW_H = 60  # rows of other variables
VAR_GAP = 130  # between variables in a row
VARS_PER_ROW = 12
MARGIN = 120


@dataclass
class Layout:
    """Centres: ``at`` of each stock (with its box's ``half_width``), flow valve and
    variable; ``clouds`` of each flow
    end outside the model, by (flow, "src" or "dst"). ``reads``: each variable drawn
    (in order) with the variables it reads; ``kinds``: stock, flow or other; ``flows``:
    (name, source, destination)."""

    at: dict[str, tuple[int, int]] = field(default_factory=dict)
    half_width: dict[str, int] = field(default_factory=dict)  # of each stock's box
    labels: dict[str, tuple[int, int]] = field(default_factory=dict)  # of flows, if moved
    clouds: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    reads: dict[str, list[str]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    flows: list[tuple[str, str | None, str | None]] = field(default_factory=list)


def diagram(eqs) -> Layout:
    """The layout of exported equations (``interop.equations.Equation``): each variable
    once, lookups included, an arrow for every variable an equation reads."""
    reads: dict[str, list[str]] = {}
    for eq in eqs:
        seen = reads.setdefault(eq.name, [])
        seen += [r for r in eq.reads if r not in seen]
    for name in [r for rs in reads.values() for r in rs if r not in reads]:
        reads[name] = []  # a lookup
    kinds = {eq.name: eq.kind for eq in eqs}
    flows = list(dict.fromkeys((eq.name, eq.src, eq.dst) for eq in eqs if eq.kind == "flow"))
    beside = {eq.name: eq.beside for eq in eqs if eq.beside}
    layout = lay_out([n for n in reads if kinds.get(n) == "stock"], flows, reads, beside)
    layout.reads, layout.flows = reads, flows
    layout.kinds = {n: kinds.get(n) if kinds.get(n) in ("stock", "flow") else "other"
                    for n in reads}
    return layout


def _chains(stocks: Sequence[str], flows: Sequence[tuple[str, str | None, str | None]]):
    """Stocks ordered so that those joined by flows stand together, sources first."""
    links = {s: [] for s in stocks}
    for _, src, dst in flows:
        if src is not None and dst is not None and src != dst:
            links[src].append(dst)
            links[dst].append(src)
    fed = {dst for _, src, dst in flows if src is not None and dst is not None}
    ordered: list[str] = []
    for first in sorted(stocks, key=lambda s: s in fed):  # stocks nothing feeds first
        if first in ordered:
            continue
        queue = [first]
        while queue:
            stock = queue.pop(0)
            if stock not in ordered:
                ordered.append(stock)
                queue.extend(s for s in links[stock] if s not in ordered)
    return ordered


def lay_out(stocks: Sequence[str], flows: Sequence[tuple[str, str | None, str | None]],
            reads: Mapping[str, Sequence[str]], beside: Mapping[str, str] | None = None) -> Layout:
    """Positions for ``stocks``, ``flows`` (name, source, destination; None is a cloud)
    and every other name in ``reads`` (each name -> the names it reads); a name in
    ``beside`` goes right of its stock, or under its flow."""
    layout, beside = Layout(), beside or {}
    at_stock = {s: [n for n, b in beside.items() if b == s] for s in stocks}
    clouds = {s: ([], []) for s in stocks}  # flows from above, flows to below
    for name, src, dst in flows:
        if src is None:
            clouds[dst][0].append(name)
        elif dst is None:
            clouds[src][1].append(name)
    x, y, in_row = MARGIN, MARGIN + 110, 0
    for stock in _chains(stocks, flows):
        width = max(CELL_W, FLOW_GAP * (max(map(len, clouds[stock])) + 1))
        width += VAR_GAP if at_stock[stock] else 0
        if in_row == STOCKS_PER_ROW:
            x, y, in_row = MARGIN, y + BAND_H, 0
        layout.at[stock] = (x + width // 2, y)
        half = layout.half_width[stock] = max(40, FLOW_GAP * (max(map(len, clouds[stock])) - 1)
                                              // 2 + 20)
        for k, name in enumerate(at_stock[stock]):
            layout.at[name] = (x + width // 2 + half + VAR_GAP // 2, y - 15 + 30 * k)
        for side, names in zip(("src", "dst"), clouds[stock], strict=True):
            for k, flow in enumerate(names):
                fx = x + width // 2 + round((k - (len(names) - 1) / 2) * FLOW_GAP)
                sign = -1 if side == "src" else 1
                layout.at[flow] = (fx, y + sign * 70)
                layout.labels[flow] = (fx, y + sign * 70 + 16 + 14 * (k % 2))  # staggered
                layout.clouds[(flow, side)] = (fx, y + sign * 125)
        x, in_row = x + width, in_row + 1
    pairs: dict[frozenset, int] = {}
    for name, src, dst in flows:
        if src is not None and dst is not None:
            pair = frozenset((src, dst))
            k = pairs[pair] = pairs.get(pair, -1) + 1
            (x0, y0), (x1, y1) = layout.at[src], layout.at[dst]
            layout.at[name] = ((x0 + x1) // 2, (y0 + y1) // 2 + 40 * k)
    for name, flow in beside.items():
        if name not in layout.at:  # under its flow: below the cloud of an outflow
            fx, fy = layout.at[flow]
            end = layout.clouds.get((flow, "dst"), (fx, fy + 15))  # below its label
            layout.at[name] = (fx, max(fy, end[1]) + 30)
    _layer(layout, reads, y + BAND_H // 2 + 60)  # under the last row of stocks and raws
    return layout


def _layer(layout: Layout, reads: Mapping[str, Sequence[str]], top: int) -> None:
    """Rows of the variables not yet placed, nearest to what they feed first."""
    users: dict[str, list[str]] = {}
    for name, inputs in reads.items():
        for used in inputs:
            users.setdefault(used, []).append(name)
    rest = [n for n in reads if n not in layout.at]
    depth = {n: 1 for n in rest  # feeds a stock or flow, or feeds nothing
             if not users.get(n) or any(u in layout.at for u in users[n])}
    frontier = list(depth)
    while frontier:
        later = []
        for name in frontier:
            for used in reads.get(name, ()):
                if used in reads and used not in layout.at and used not in depth:
                    depth[used] = depth[name] + 1
                    later.append(used)
        frontier = later
    for name in rest:  # only in loops of variables that feed nothing placed
        depth.setdefault(name, max(depth.values(), default=0) + 1)

    def wanted(name):
        """The mean x of what the variable feeds and reads, among those placed."""
        near = [layout.at[u][0] for u in users.get(name, []) + list(reads[name])
                if u in layout.at]
        return sum(near) / len(near) if near else 0.0

    y = top
    for level in sorted(set(depth.values())):
        row = sorted((n for n in rest if depth[n] == level), key=wanted)
        for start in range(0, len(row), VARS_PER_ROW):
            names = row[start:start + VARS_PER_ROW]
            xs, x = [], MARGIN - VAR_GAP
            for name in names:  # in order, at least VAR_GAP apart
                x = max(x + VAR_GAP, round(wanted(name)))
                xs.append(x)
            # then the row moved as a whole to centre it on where its variables want to be
            shift = round(sum(map(wanted, names)) / len(names) - sum(xs) / len(xs))
            shift = max(shift, MARGIN - xs[0])
            for name, x in zip(names, xs, strict=True):
                layout.at[name] = (x + shift, y)
            y += ROW_H
        y += ROW_H // 2
