"""Charts drawn with matplotlib: fan charts (single and small multiples), median lines and
flow-contribution bars, each as compact inline SVG (text kept as text, no metadata). Text
is never read as mathtext: labels and titles come from users' files."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import numpy as np

PALETTE = ("#1f5f8b", "#b5542c", "#3b7d3b", "#7a4f9a", "#8a7a22", "#2c8a8a", "#9a3b62")
RC = {"svg.fonttype": "none", "svg.hashsalt": "prospects-report", "font.size": 8,
      "font.family": "sans-serif", "axes.titlesize": 9, "axes.titlelocation": "left",
      "text.parse_math": False}


def svg_text(fig, tight: bool = False) -> str:
    """The figure as an ``<svg>`` element: no XML prolog, no RDF metadata. ``tight`` crops
    to what is drawn (a second drawing pass; figures laid out with tight_layout need not)."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight" if tight else None,
                metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    return compact(re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S))


_DECIMALS = re.compile(r"(\d\.\d)\d+")
_GEOMETRY = re.compile(r'\b(d|x|y|width|height|viewBox|transform)="([^"]*)"')


def _geometry(match: re.Match) -> str:
    return f'{match[1]}="' + _DECIMALS.sub(r"\1", " ".join(match[2].split())) + '"'


def compact(text: str) -> str:
    """Coordinates to a tenth of a point, one short font family, no indentation and no
    matplotlib element ids (they would repeat across the figures of one page)."""
    text = _GEOMETRY.sub(_geometry, text)
    text = re.sub(r"font-family: [^;\"]*", "font-family: sans-serif", text)
    text = re.sub(r'<g id="[^"]*"', "<g", text)
    return re.sub(r">\s+<", "><", text)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _fan(ax, t, q, colour, start=None) -> None:
    """Bands from a (5, time) array of the 5/25/50/75/95% quantiles."""
    ax.fill_between(t, q[0], q[4], color=colour, alpha=0.15, linewidth=0)
    ax.fill_between(t, q[1], q[3], color=colour, alpha=0.3, linewidth=0)
    ax.plot(t, q[2], color=colour, linewidth=1.4)
    if start is not None:
        ax.axvline(start, color="#888", linewidth=0.7, linestyle=":")
    ax.grid(alpha=0.3, linewidth=0.5)
    ax.tick_params(labelsize=7)


def fan_panels(t, panels: dict[str, np.ndarray], title: str, unit: str = "",
               start=None, ylim: tuple[float, float] | None = None, ncols: int = 5) -> str:
    """One fan per panel (small multiples sharing the y axis); ``panels`` maps a panel
    label to its (5, time) quantiles. A single panel makes an ordinary fan chart."""
    import matplotlib as mpl

    plt = _pyplot()
    with mpl.rc_context(RC):
        n = len(panels)
        cols = min(n, ncols)
        rows = -(-n // cols)
        size = (5.0, 2.5) if n == 1 else (min(2.1 * cols, 10.5), 1.9 * rows + 0.5)
        fig, axes = plt.subplots(rows, cols, figsize=size, sharex=True, sharey=True,
                                 squeeze=False)
        for k, (label, q) in enumerate(panels.items()):
            ax = axes.flat[k]
            _fan(ax, t, q, PALETTE[0] if n == 1 else PALETTE[k % len(PALETTE)], start)
            if n > 1:
                ax.set_title(label, fontsize=8)
            ax.xaxis.set_major_locator(mpl.dates.YearLocator(2))
            ax.xaxis.set_major_formatter(mpl.dates.DateFormatter("%Y"))
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        low = min(0.0, float(np.nanmin([q.min() for q in panels.values()])))
        axes.flat[0].set_ylim(ylim or (low, None))
        for row in axes:
            row[0].set_ylabel(unit, fontsize=7)
        if n == 1:
            axes.flat[0].set_title(title)
        else:
            fig.suptitle(title, x=0.01, ha="left", fontsize=9)
        fig.tight_layout()
        return svg_text(fig)


def median_lines(t, lines: dict[str, np.ndarray], title: str, unit: str = "",
                 start=None) -> str:
    """Medians of several ensembles on one axis (for comparing scenarios)."""
    import matplotlib as mpl

    plt = _pyplot()
    with mpl.rc_context(RC):
        fig, ax = plt.subplots(figsize=(7.2, 3.0))
        styles = ("-", "--", ":", "-.")
        for k, (label, y) in enumerate(lines.items()):
            ax.plot(t, y, color=PALETTE[k % len(PALETTE)], linewidth=1.3,
                    linestyle=styles[(k // len(PALETTE)) % len(styles)],
                    label=label)
        if start is not None:
            ax.axvline(start, color="#888", linewidth=0.7, linestyle=":")
        ax.set_title(title)
        ax.set_ylabel(unit, fontsize=7)
        ax.grid(alpha=0.3, linewidth=0.5)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=6.5, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
        fig.tight_layout()
        return svg_text(fig, tight=True)


def contribution_bars(labels: Sequence[str], q: np.ndarray, net: np.ndarray, title: str,
                      unit: str) -> str:
    """Horizontal bars of each flow's contribution (median) with its 90% interval, and the
    net change last; ``q`` is (flows, 3) of 5/50/95% quantiles, ``net`` the same (3,)."""
    import matplotlib as mpl

    plt = _pyplot()
    with mpl.rc_context(RC):
        names = list(labels) + ["net change"]
        values = np.vstack([q, net[None, :]])
        y = np.arange(len(names))[::-1]
        fig, ax = plt.subplots(figsize=(6.4, 0.28 * len(names) + 0.9))
        colours = ["#3b7d3b" if v >= 0 else "#b5542c" for v in values[:-1, 1]] + ["#1f5f8b"]
        ax.barh(y, values[:, 1], color=colours, height=0.6)
        err = np.abs(np.vstack([values[:, 1] - values[:, 0], values[:, 2] - values[:, 1]]))
        ax.errorbar(values[:, 1], y, xerr=err, fmt="none", ecolor="#333", elinewidth=0.8,
                    capsize=2)
        ax.axvline(0, color="#333", linewidth=0.7)
        ax.set_yticks(y, names, fontsize=7)
        ax.set_xlabel(unit, fontsize=7)
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3, linewidth=0.5)
        fig.tight_layout()
        return svg_text(fig)
