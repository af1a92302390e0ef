"""The report's charts as inline SVG (drawn with ``svg.Frame``): fan charts (one or small
multiples, optionally over a reference fan and with claimed figures marked), lines over
categories, and horizontal bars with intervals. Every label is escaped text."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .format import member_label
from .svg import (
    CHAR_W,
    Frame,
    dated,
    esc,
    lines,
    months,
    nice_ticks,
    svg,
    text,
    text_width,
    tick,
    tick_label,
    wrap,
)

PALETTE = ("#1f5f8b", "#b5542c", "#3b7d3b", "#7a4f9a", "#8a7a22", "#2c8a8a", "#9a3b62")
#: The widest the labels' column of a bar chart gets, in pixels.
LABEL_W = 420
REFERENCE = "#8c8c8c"
#: The colour of later figures (a backtest's) on the fans.
LATER = "#1d7a3a"


@dataclass(frozen=True)
class Mark:
    """A claimed figure on a fan: from month ``first`` to ``last`` (datetime64), between
    ``low`` and ``high`` (either may be None: a bound). ``adjusted``: the same figure as the
    model reads it (after its self-report factor), drawn beside it."""

    first: np.datetime64
    last: np.datetime64
    low: float | None
    high: float | None
    label: str
    adjusted: tuple[float | None, float | None] | None = None
    later: bool = False  # a figure published after the projection (a backtest's), in green


def y_limits(arrays: Sequence[np.ndarray], marks: Sequence[Mark] = (),
             fixed: tuple[float, float] | None = None) -> tuple[float, float]:
    """Limits that hold every band and mark (from 0 unless something is negative)."""
    if fixed is not None:
        return fixed
    values = [np.asarray(a, dtype=float).ravel() for a in arrays]
    for m in marks:
        values.append(np.array([v for v in (m.low, m.high, *(m.adjusted or ()))
                                if v is not None], dtype=float))
    allv = np.concatenate(values) if values else np.zeros(1)
    allv = allv[np.isfinite(allv)]
    low, high = (float(allv.min()), float(allv.max())) if allv.size else (0.0, 1.0)
    low = min(low, 0.0)
    pad = 0.04 * (high - low or 1.0)
    return (low - pad if low < 0 else 0.0), high + pad


def _mark(frame: Frame, m: Mark) -> str:
    """A claimed range as a dark bar (a later one green), and as the model reads it as a
    hollow one."""
    x0, x1 = float(frame.x(months(m.first))), float(frame.x(months(m.last)))
    x1 = max(x1, x0 + 3)
    out = []

    def bar(low, high, style, shift):
        lo = frame.y0 if low is None else low
        hi = frame.y1 if high is None else high
        y_top, y_bottom = float(frame.y(hi)), float(frame.y(lo))
        return (f'<rect x="{x0 + shift:.0f}" y="{y_top:.0f}" width="{x1 - x0:.0f}" '
                f'height="{max(y_bottom - y_top, 2):.0f}" {style}/>')

    ink = LATER if m.later else "#222"
    out.append(bar(m.low, m.high, f'fill="{ink}" fill-opacity="0.55"', 0))
    if m.adjusted is not None:
        out.append(bar(*m.adjusted, f'fill="none" stroke="{ink}" stroke-dasharray="2 2"', 0))
    return f"<g><title>{esc(m.label)}</title>{''.join(out)}</g>"


def _fan(frame: Frame, x, q, colour: str) -> str:
    return (frame.band(x, q[0], q[4], colour, 0.18) + frame.band(x, q[1], q[3], colour, 0.32)
            + frame.line(x, q[2], colour, 1.6))


def _reference(frame: Frame, x, q, band: bool = True) -> str:
    """The reference fan (the status quo) behind: its 90% band (if ``band``) and median,
    grey."""
    return ((frame.band(x, q[0], q[4], REFERENCE, 0.12) if band else "")
            + frame.line(x, q[2], REFERENCE, 1.2, "4 3"))


def fan_chart(t, panels: dict[str, np.ndarray], title: str, unit: str = "", start=None,
              ylim: tuple[float, float] | None = None,
              reference: dict[str, np.ndarray] | None = None,
              marks: dict[str, Sequence[Mark]] | None = None, zero: bool = False,
              ncols: int = 5) -> str:
    """Fan charts: one per panel (small multiples sharing both axes) of (5, time) arrays of
    the 5/25/50/75/95% quantiles. ``reference``: the same panels drawn behind in grey;
    ``marks``: claimed figures per panel; ``zero``: a line at 0 (for differences)."""
    x = months(t)
    marks = marks or {}
    arrays = list(panels.values()) + list((reference or {}).values())
    lim = y_limits(arrays, [m for ms in marks.values() for m in ms], ylim)
    n = len(panels)
    cols = min(n, ncols)
    rows = math.ceil(n / cols)
    pw, ph = (540, 230) if n == 1 else (212, 170)
    head = 22
    parts = [text(2, 15, title, 12.5, weight="600")]
    for k, (label, q) in enumerate(panels.items()):
        r, c = divmod(k, cols)
        frame = Frame((x[0], x[-1]), lim, pw if c == 0 else pw - 38, ph,
                      dx=0 if c == 0 else pw + (c - 1) * (pw - 38), dy=head + r * ph,
                      left=50 if c == 0 else 12, top=20 if n > 1 else 16)
        body = [frame.y_axis(labels=c == 0, unit=unit if c == 0 and r == 0 else ""),
                frame.time_axis(dates=dated(t))]
        if zero:
            body.append(frame.hline(0.0, "#555"))
        if start is not None:
            body.append(frame.vline(months(start)))
        # a small panel shows every other month (about 2 px apart), its reference only as
        # the median: the page stays small without visible loss
        every = np.unique(np.r_[np.arange(0, len(x), 2 if n > 1 else 1), len(x) - 1])
        if reference is not None and label in reference:
            body.append(_reference(frame, x[every], reference[label][:, every], n == 1))
        body.append(_fan(frame, x[every], q[:, every], PALETTE[0]))
        body.extend(_mark(frame, m) for m in marks.get(label, ()))
        if n > 1:
            body.append(text(frame.px0, frame.dy + 13, member_label(label), 11, weight="600"))
        parts.append("".join(body))
    width = pw + (cols - 1) * (pw - 38)
    return svg(width, head + rows * ph, "".join(parts), title)


def legend(items: Sequence[tuple[str, str]]) -> str:
    """An HTML legend of (swatch kind, label): kinds 'median', 'band50', 'band90',
    'reference', 'claimed', 'later', 'adjusted', or a line's colour and dash ("#1f5f8b 6 3")."""
    swatches = {
        "median": f'<line x1="0" y1="6" x2="22" y2="6" stroke="{PALETTE[0]}" stroke-width="2"/>',
        "band50": f'<rect width="22" height="12" fill="{PALETTE[0]}" fill-opacity="0.45"/>',
        "band90": f'<rect width="22" height="12" fill="{PALETTE[0]}" fill-opacity="0.18"/>',
        "reference": f'<rect width="22" height="12" fill="{REFERENCE}" fill-opacity="0.2"/>'
                     f'<line x1="0" y1="6" x2="22" y2="6" stroke="{REFERENCE}" '
                     'stroke-dasharray="4 3"/>',
        "claimed": '<rect x="8" width="6" height="12" fill="#222" fill-opacity="0.55"/>',
        "later": f'<rect x="8" width="6" height="12" fill="{LATER}" fill-opacity="0.55"/>',
        "adjusted": '<rect x="8" width="6" height="12" fill="none" stroke="#222" '
                    'stroke-dasharray="2 2"/>',
    }
    out = []
    for kind, label in items:
        colour, _, dash = kind.partition(" ")
        swatch = swatches.get(kind) or (
            f'<line x1="0" y1="6" x2="22" y2="6" stroke="{colour}" stroke-width="2"'
            + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        out.append(f"<span class='key'><svg width='22' height='12'>{swatch}</svg> "
                   f"{esc(label)}</span>")
    return f"<p class='legend'>{''.join(out)}</p>"


def line_chart(categories: Sequence[str], series: dict[str, np.ndarray], title: str,
               unit: str = "", ylim: tuple[float, float] | None = None) -> str:
    """Lines with points over categories (say vintages), a colour and dash per series; the
    legend is ``legend`` of the colours ``series_colours`` gives."""
    lim = y_limits(list(series.values()), fixed=ylim)
    n = len(categories)
    frame = Frame((-0.3, n - 0.7), lim, max(360, 120 * n), 240, dy=22, left=50, right=16)
    parts = [text(2, 15, title, 12.5, weight="600"), frame.y_axis(unit=unit)]
    xs = np.arange(n)
    for k, c in enumerate(categories):
        parts.append(text(float(frame.x(k)), frame.py0 + 15, c, 10, "middle", "#444"))
    for (label, y), (colour, dash) in zip(series.items(), series_colours(len(series)),
                                          strict=True):
        y = np.asarray(y, dtype=float)
        dots = "".join(f'<circle cx="{float(frame.x(i)):.0f}" cy="{float(frame.y(v)):.0f}" '
                       f'r="3" fill="{colour}"/>' for i, v in enumerate(y) if np.isfinite(v))
        parts.append(f"<g><title>{esc(label)}</title>{frame.line(xs, y, colour, 1.6, dash)}"
                     f"{dots}</g>")
    return svg(frame.width, frame.height + 24, "".join(parts), title)


def series_colours(n: int) -> list[tuple[str, str]]:
    """(colour, dash) for ``n`` lines: the palette, then again dashed, then dotted."""
    dashes = ("", "6 3", "2 2")
    return [(PALETTE[k % len(PALETTE)], dashes[(k // len(PALETTE)) % len(dashes)])
            for k in range(n)]


def bar_chart(labels: Sequence[str], q: np.ndarray, title: str, unit: str = "",
              colours: Sequence[str] | None = None) -> str:
    """Horizontal bars at ``q[:, 1]`` with whiskers from ``q[:, 0]`` to ``q[:, 2]`` (rows
    in the order given); labels in full at the left, on two lines where one is too long
    for the labels' column (at most ``LABEL_W`` pixels)."""
    q = np.asarray(q, dtype=float).reshape(len(labels), 3)
    label_w = min(text_width(labels, 10.5) + 12, LABEL_W)
    chars = int((label_w - 12) / (CHAR_W * 10.5 / 11))
    rows = [wrap(label, chars, 2) for label in labels]
    lo = min(0.0, float(np.nanmin(q))) if q.size else 0.0
    hi = max(0.0, float(np.nanmax(q))) if q.size else 1.0
    pad = 0.05 * (hi - lo or 1.0)
    row = 20 if all(len(r) == 1 for r in rows) else 28
    width = label_w + 380
    # the unit on the title's line if both fit, else on a line of its own below it
    apart = bool(unit) and text_width([title], 12.5) + text_width([unit], 10) + 24 > width
    top = 34 if apart else 22
    height = 18 + top + row * len(labels)
    frame = Frame((lo - (pad if lo < 0 else 0), hi + pad), (0, 1), width, height,
                  dy=0, left=label_w, right=14, top=top, bottom=18)
    parts = [text(2, 15, title, 12.5, weight="600")]
    ticks = _x_ticks(frame, unit)
    parts.append(ticks)
    zero = float(frame.x(0.0))
    for k, (label, (a, m, b)) in enumerate(zip(rows, q, strict=True)):
        yc = frame.py1 + row * k + row / 2
        colour = (colours[k] if colours else PALETTE[0 if m >= 0 else 1])
        xm = float(frame.x(m))
        parts.append(lines(label_w - 6, yc + 4 - 6 * (len(label) - 1), label, 10.5, 12, "end"))
        parts.append(f'<rect x="{min(zero, xm):.0f}" y="{yc - 6:.0f}" '
                     f'width="{max(abs(xm - zero), 1):.0f}" height="12" fill="{colour}"/>')
        if np.isfinite(a) and np.isfinite(b):
            xa, xb = float(frame.x(a)), float(frame.x(b))
            parts.append(f'<path d="M{xa:.0f} {yc:.0f}H{xb:.0f}M{xa:.0f} {yc - 4:.0f}V'
                         f'{yc + 4:.0f}M{xb:.0f} {yc - 4:.0f}V{yc + 4:.0f}" stroke="#333" '
                         'fill="none"/>')
    parts.append(f'<line x1="{zero:.0f}" x2="{zero:.0f}" y1="{frame.py1 - 2:.0f}" '
                 f'y2="{frame.py1 + row * len(labels):.0f}" stroke="#333"/>')
    return svg(frame.width, height + 4, "".join(parts), title)


def _x_ticks(frame: Frame, unit: str) -> str:
    ticks = nice_ticks(frame.x0, frame.x1, 5)
    step = float(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    bottom = frame.dy + frame.height - 4
    out = []
    for v in ticks:
        px = float(frame.x(v))
        out.append(f'<line x1="{px:.0f}" x2="{px:.0f}" y1="{frame.py1 - 2:.0f}" '
                   f'y2="{bottom - 12:.0f}" stroke="#e4e4e4"/>')
        out.append(tick(px, bottom, tick_label(v, step)))
    if unit:
        out.append(text(frame.px1, frame.py1 - 8 if frame.py1 > 30 else 15, unit, 10, "end",
                        "#555"))
    return "".join(out)
