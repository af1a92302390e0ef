"""Hand-written SVG: escaped text, links to claims, the ``<svg>`` element, and plot frames
(linear scales with round ticks, a monthly time axis, integer-pixel paths).

Written by hand rather than through matplotlib: the report draws a few hundred small
charts, and matplotlib's text layout and SVG backend took three quarters of the report's
CPU time; these charts need only bands, lines, bars and labelled axes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np

FONT = "system-ui,-apple-system,Segoe UI,sans-serif"
#: Width of one character of 11 px text, a little generous, for laying out labels.
CHAR_W = 6.2


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def shorten(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def wrap(content: str, chars: int, lines: int) -> list[str]:
    """``content`` broken at spaces into at most ``lines`` lines of about ``chars``
    characters, the last one shortened with an ellipsis if the rest does not fit."""
    import textwrap

    found = textwrap.wrap(str(content), chars, break_long_words=True) or [""]
    if len(found) > lines:
        found = found[:lines - 1] + [shorten(" ".join(found[lines - 1:]), chars)]
    return found


def lines(x: float, y: float, rows: Sequence[str], size: float, step: float,
          anchor: str = "start", fill: str = "#222", weight: str = "normal") -> str:
    """Text lines one under another, the first at height ``y``."""
    return "".join(text(x, y + k * step, row, size, anchor, fill, weight)
                   for k, row in enumerate(rows))


def text(x: float, y: float, content: str, size: float = 10, anchor: str = "start",
         fill: str = "#222", weight: str = "normal", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}" font-weight="{weight}"{extra}>{esc(content)}</text>')


#: font size of axis tick labels (numbers and years), in the SVG's pixels
TICK_SIZE = 12


def tick(x: float, y: float, label: str, anchor: str = "middle") -> str:
    """An axis tick label, at the one size every chart uses."""
    return text(x, y, label, TICK_SIZE, anchor, "#444", extra=' class="tick"')


def claim_link(claim_id: str | None, inner: str, title: str = "") -> str:
    """``inner`` wrapped in a link to the claim's row of the evidence table (if any)."""
    tip = f"<title>{esc(title)}</title>" if title else ""
    if not claim_id:
        return f"<g>{tip}{inner}</g>"
    return f'<a href="#claim-{esc(claim_id)}">{tip}{inner}</a>'


def svg(width: float, height: float, body: str, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{esc(label)}" '
            f'font-family="{FONT}">{body}</svg>')


def nice_ticks(low: float, high: float, count: int = 5) -> np.ndarray:
    """Round tick values (steps of 1, 2 or 5 times a power of ten) covering [low, high]."""
    if not (np.isfinite(low) and np.isfinite(high)) or high <= low:
        high = low + 1.0
    raw = (high - low) / max(count - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return np.arange(first, high + step * 1e-9, step)


def tick_label(value: float, step: float) -> str:
    """A tick value with as many decimals as its step needs, thousands separated."""
    decimals = next((d for d in range(7) if abs(round(step, d) - step) < 1e-9 * max(step, 1)),
                    6)
    return f"{value + 0.0:,.{decimals}f}"


def dated(t) -> bool:
    """Whether times are dates (else numbers: a model whose time is numbered)."""
    return np.issubdtype(np.asarray(t).dtype, np.datetime64)


def months(t) -> np.ndarray:
    """Times for a linear time axis: dates as a month count, numbered times as they are."""
    if not dated(t):
        return np.asarray(t, dtype=float)
    return np.asarray(t, dtype="datetime64[M]").astype(float)


def points(xs: np.ndarray, ys: np.ndarray) -> str:
    """Path coordinates rounded to whole pixels (the charts are drawn at 1:1)."""
    pairs = np.column_stack([np.rint(xs), np.rint(ys)]).ravel()
    if not np.isfinite(pairs).all():
        return " ".join(f"{v:.0f}" for v in pairs)
    return " ".join(map(str, pairs.astype(np.int64).tolist()))  # 5x the f-strings' speed


class Frame:
    """A plot area: ``x`` and ``y`` map data to pixels, ``axes`` draws grid, ticks and
    labels. ``left`` etc. are the margins around the plot area within (0, 0, width,
    height) translated by (``dx``, ``dy``)."""

    def __init__(self, x_range: tuple[float, float], y_range: tuple[float, float],
                 width: float, height: float, dx: float = 0, dy: float = 0, left: float = 46,
                 right: float = 10, top: float = 20, bottom: float = 20):
        self.x0, self.x1 = x_range
        self.y0, self.y1 = y_range
        if self.x1 <= self.x0:
            self.x1 = self.x0 + 1
        if self.y1 <= self.y0:
            self.y1 = self.y0 + 1
        self.px0, self.px1 = dx + left, dx + width - right
        self.py0, self.py1 = dy + height - bottom, dy + top  # bottom, top (pixels)
        self.dx, self.dy, self.width, self.height = dx, dy, width, height

    def x(self, v):
        return self.px0 + (np.asarray(v, dtype=float) - self.x0) / (self.x1 - self.x0) * (
            self.px1 - self.px0)

    def y(self, v):
        v = np.clip(np.asarray(v, dtype=float), self.y0, self.y1)
        return self.py0 + (v - self.y0) / (self.y1 - self.y0) * (self.py1 - self.py0)

    def band(self, xs, low, high, fill: str, opacity: float) -> str:
        d = points(np.concatenate([self.x(xs), self.x(xs)[::-1]]),
                   np.concatenate([self.y(low), self.y(high)[::-1]]))
        return f'<path d="M{d}Z" fill="{fill}" fill-opacity="{opacity}"/>'

    def line(self, xs, ys, stroke: str, width: float = 1.5, dash: str = "") -> str:
        dash = f' stroke-dasharray="{dash}"' if dash else ""
        return (f'<path d="M{points(self.x(xs), self.y(ys))}" fill="none" stroke="{stroke}" '
                f'stroke-width="{width}"{dash}/>')

    def y_axis(self, labels: bool = True, unit: str = "") -> str:
        ticks = nice_ticks(self.y0, self.y1)
        step = float(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
        out = []
        for v in ticks:
            py = float(self.y(v))
            out.append(f'<line x1="{self.px0:.0f}" x2="{self.px1:.0f}" y1="{py:.0f}" '
                       f'y2="{py:.0f}" stroke="#e4e4e4"/>')
            if labels:
                out.append(tick(self.px0 - 4, py + 4, tick_label(v, step), "end"))
        if unit and labels:
            out.append(text(self.dx + 2, self.py1 - 8, unit, 10, "start", "#555"))
        return "".join(out)

    def time_axis(self, labels: bool = True, every: int = 0, dates: bool = True) -> str:
        """Year ticks along the bottom (every ``every`` years; 0: as fits), or, for
        numbered time (not ``dates``), ticks at round numbers."""
        if not dates:
            return self._number_axis(labels)
        first, last = int(self.x0 // 12), int(self.x1 // 12)
        years = list(range(first + (1 if self.x0 % 12 else 0), last + 1))
        if not every:
            every = max(1, math.ceil(len(years) * 34 / max(self.px1 - self.px0, 1)))
        out = [f'<line x1="{self.px0:.0f}" x2="{self.px1:.0f}" y1="{self.py0:.0f}" '
               f'y2="{self.py0:.0f}" stroke="#999"/>']
        for year in years:
            if (year - years[0]) % every:
                continue
            px = float(self.x(year * 12))
            out.append(f'<line x1="{px:.0f}" x2="{px:.0f}" y1="{self.py0:.0f}" '
                       f'y2="{self.py0 + 4:.0f}" stroke="#999"/>')
            if labels:
                out.append(tick(px, self.py0 + 16, str(1970 + year)))
        return "".join(out)

    def _number_axis(self, labels: bool) -> str:
        ticks = [v for v in nice_ticks(self.x0, self.x1) if self.x0 <= v <= self.x1]
        step = float(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
        out = [f'<line x1="{self.px0:.0f}" x2="{self.px1:.0f}" y1="{self.py0:.0f}" '
               f'y2="{self.py0:.0f}" stroke="#999"/>']
        for v in ticks:
            px = float(self.x(v))
            out.append(f'<line x1="{px:.0f}" x2="{px:.0f}" y1="{self.py0:.0f}" '
                       f'y2="{self.py0 + 4:.0f}" stroke="#999"/>')
            if labels:
                out.append(tick(px, self.py0 + 16, tick_label(v, step)))
        return "".join(out)

    def vline(self, x: float, stroke: str = "#888", dash: str = "3 3") -> str:
        px = float(self.x(x))
        return (f'<line x1="{px:.0f}" x2="{px:.0f}" y1="{self.py0:.0f}" y2="{self.py1:.0f}" '
                f'stroke="{stroke}" stroke-dasharray="{dash}"/>')

    def hline(self, y: float, stroke: str = "#555", width: float = 1) -> str:
        py = float(self.y(y))
        return (f'<line x1="{self.px0:.0f}" x2="{self.px1:.0f}" y1="{py:.0f}" y2="{py:.0f}" '
                f'stroke="{stroke}" stroke-width="{width}"/>')


def text_width(labels: Sequence[str], size: float = 11) -> float:
    """About how wide the longest of ``labels`` is, in pixels, at ``size``."""
    return max((len(str(s)) for s in labels), default=0) * CHAR_W * size / 11
