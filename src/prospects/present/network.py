"""The actor network (actors.yaml) as SVG: actors on rings around the group, relations as
curved arrows styled by kind, with a second arrowhead halfway (the ends pile up at the
group's box), each linked to its first claim; and a table of relations with
every claim linked."""

from __future__ import annotations

import math

from .svg import claim_link, esc, shorten, svg, text

#: kind -> (colour, dash pattern, stroke width)
STYLES = {"alliance": ("#3b7d3b", "", 2.0), "hostility": ("#b5542c", "", 2.0),
          "funding": ("#a07800", "6 3", 2.0), "sanctuary": ("#7a4f9a", "8 3 2 3", 2.0),
          "support": ("#1f5f8b", "2 3", 2.2), "command": ("#222", "", 3.0)}
W, H = 980, 640
NODE_W, NODE_H = 150, 34


#: characters of a node's label per line (10 px bold in a box NODE_W wide), and lines
LINE, LINES = 22, 3


def _label(name: str) -> list[str]:
    """A short label: the name before any parenthesis, wrapped at word boundaries on up
    to three lines (cut only past those, and then only the last; the full name is the
    node's tooltip)."""
    short = name.split(" (")[0]
    if len(short) <= LINE:
        return [short]
    lines = [""]
    for word in short.split():
        if len(lines[-1]) + len(word) + 1 > LINE and lines[-1] and len(lines) < LINES:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    return [shorten(line, LINE + 2) for line in lines]


def _height(lines: list[str]) -> float:
    """A node's box: NODE_H for up to two lines of label, 12 px more per further line."""
    return NODE_H + 12 * max(0, len(lines) - 2)


def layout(actors: dict, focus: str | None = None) -> dict[str, tuple[float, float]]:
    """The focal actor (the one most relations touch) at the centre, its sub-units on an
    inner ring, everyone else on an outer ellipse."""
    ids = list(actors)
    if not ids:
        return {}
    focus = focus if focus in actors else ids[0]
    inner = [a for a in ids if actors[a].parent == focus]
    outer = [a for a in ids if a != focus and a not in inner]
    cx, cy = W / 2, H / 2
    pos = {focus: (cx, cy)}
    for k, a in enumerate(inner):  # spread over the upper half, between centre and rim
        angle = math.pi + math.pi * (k + 1) / (len(inner) + 1)
        pos[a] = (cx + 230 * math.cos(angle), cy + 120 * math.sin(angle))
    for k, a in enumerate(outer):
        angle = -math.pi / 2 + 2 * math.pi * k / max(len(outer), 1)
        pos[a] = (cx + (W / 2 - NODE_W / 2 - 10) * math.cos(angle),
                  cy + (H / 2 - NODE_H / 2 - 10) * math.sin(angle))
    return pos


def _clip(x0, y0, x1, y1, height: float = NODE_H) -> tuple[float, float]:
    """Where the segment from the centre (x0, y0) to (x1, y1) leaves the node's box."""
    dx, dy = x1 - x0, y1 - y0
    if dx == 0 and dy == 0:
        return x0, y0
    scale = min((NODE_W / 2 + 3) / abs(dx) if dx else math.inf,
                (height / 2 + 3) / abs(dy) if dy else math.inf)
    return x0 + dx * scale, y0 + dy * scale


def network_svg(evidence) -> str:
    actors, relations = evidence.actors, evidence.relations
    degree: dict[str, int] = {}
    for rel in relations.values():
        for end in (rel.source, rel.target):
            degree[end] = degree.get(end, 0) + 1
    focus = max(degree, key=degree.get) if degree else None
    pos = layout(actors, focus)
    heights = {aid: _height(_label(actor.name)) for aid, actor in actors.items()}
    defs = "".join(
        f'<marker id="net-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" '
        f'markerHeight="5" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        + f'<marker id="net-mid-{kind}" viewBox="0 0 10 10" refX="5" refY="5" '
        f'markerWidth="4" markerHeight="4" orient="auto"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{colour}"/></marker>'
        for kind, (colour, _, _) in STYLES.items())
    edges = []
    seen: dict[tuple[str, str], int] = {}
    for rel in relations.values():
        (x0, y0), (x1, y1) = pos[rel.source], pos[rel.target]
        length = math.hypot(x1 - x0, y1 - y0) or 1.0
        # bend to the left of the direction of travel, so A->B and B->A do not overlap,
        # and further for each repeated A->B
        repeat = seen.get((rel.source, rel.target), 0)
        seen[(rel.source, rel.target)] = repeat + 1
        bend = 0.12 * length * (1 + 1.2 * repeat)
        mx = (x0 + x1) / 2 - bend * (y1 - y0) / length
        my = (y0 + y1) / 2 + bend * (x1 - x0) / length
        sx, sy = _clip(x0, y0, mx, my, heights[rel.source])
        ex, ey = _clip(x1, y1, mx, my, heights[rel.target])
        colour, dash, width = STYLES[rel.kind]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        # the curve split at its middle (de Casteljau), where a second arrowhead shows the
        # direction away from the crowded ends
        hx, hy = (sx + 2 * mx + ex) / 4, (sy + 2 * my + ey) / 4
        path = (f'<path d="M{sx:.1f},{sy:.1f} Q{(sx + mx) / 2:.1f},{(sy + my) / 2:.1f} '
                f'{hx:.1f},{hy:.1f} Q{(mx + ex) / 2:.1f},{(my + ey) / 2:.1f} {ex:.1f},{ey:.1f}" '
                f'fill="none" stroke="{colour}" stroke-width="{width}"{dash_attr} '
                f'marker-mid="url(#net-mid-{rel.kind})" marker-end="url(#net-{rel.kind})" '
                'class="net-edge"/>')
        tip = (f"{actors[rel.source].name} \u2192 {actors[rel.target].name} ({rel.kind}"
               + (f", {rel.period}" if rel.period else "")
               + f"); relation {rel.id}; claims: {', '.join(rel.claims)}")
        edges.append(claim_link(rel.claims[0], path, tip))
    nodes = []
    for aid, (x, y) in pos.items():
        actor = actors[aid]
        lines = _label(actor.name)
        fill = "#eef4f9" if aid == focus or actor.parent == focus else "#f7f7f7"
        height = heights[aid]
        body = (f'<rect x="{x - NODE_W / 2:.1f}" y="{y - height / 2:.1f}" width="{NODE_W}" '
                f'height="{height}" rx="6" fill="{fill}" stroke="#666"/>')
        top = y + 4 - 6 * (len(lines) - 1)
        body += "".join(text(x, top + 12 * k, line, 10, "middle", "#111", "600")
                        for k, line in enumerate(lines))
        tip = f"{actor.name} ({actor.kind})" + (f": {actor.note}" if actor.note else "")
        nodes.append(f"<g><title>{esc(tip)}</title>{body}</g>")
    legend = []
    for k, (kind, (colour, dash, width)) in enumerate(STYLES.items()):
        x = 10 + k * 120
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        legend.append(f'<line x1="{x}" y1="{H + 20}" x2="{x + 34}" y2="{H + 20}" '
                      f'stroke="{colour}" stroke-width="{width}"{dash_attr}/>'
                      + text(x + 40, H + 24, kind, 10))
    body = f"<defs>{defs}</defs>{''.join(edges)}{''.join(nodes)}{''.join(legend)}"
    return svg(W, H + 34, body, "Actor network")


def relations_table(evidence) -> str:
    actors = evidence.actors
    rows = []
    for rel in evidence.relations.values():
        links = ", ".join(f'<a href="#claim-{esc(c)}">{esc(c)}</a>' for c in rel.claims)
        colour = STYLES[rel.kind][0]
        rows.append(
            f"<tr id='rel-{esc(rel.id)}'><td>{esc(rel.id)}</td>"
            f"<td>{esc(actors[rel.source].name)}</td>"
            f'<td style="color:{colour};font-weight:600">{esc(rel.kind)}</td>'
            f"<td>{esc(actors[rel.target].name)}</td><td>{esc(rel.period or '')}</td>"
            f"<td>{links}</td></tr>")
    return ("<table class='relations'><thead><tr><th>relation</th><th>from</th><th>kind</th>"
            "<th>to</th><th>period</th><th>claims</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")
