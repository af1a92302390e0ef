"""Charts as self-contained SVG text (matplotlib, no network, no files)."""

from __future__ import annotations

import io

from ..analysis import quantiles

PALETTE = ("#1f5f8b", "#b5542c", "#3b7d3b", "#7a4f9a", "#8a7a22", "#2c8a8a", "#9a3b62")


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def fan_chart(series: dict, title: str, unit: str = "", scale: float = 1.0) -> str:
    """Median with 50% and 90% bands through time, one fan per labelled DataArray."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.2), dpi=100)
    for k, (label, da) in enumerate(series.items()):
        q = quantiles(da) / scale
        colour = PALETTE[k % len(PALETTE)]
        t = da["time"].values
        ax.fill_between(t, q[0], q[4], color=colour, alpha=0.15, linewidth=0)
        ax.fill_between(t, q[1], q[3], color=colour, alpha=0.3, linewidth=0)
        ax.plot(t, q[2], color=colour, linewidth=1.6, label=label)
    ax.set_title(title, fontsize=11, loc="left")
    ax.set_ylabel(unit, fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3, linewidth=0.5)
    ax.set_ylim(bottom=min(0, ax.get_ylim()[0]))
    if len(series) > 1:
        ax.legend(fontsize=8, frameon=False, ncol=min(len(series), 3))
    return _svg(fig)
