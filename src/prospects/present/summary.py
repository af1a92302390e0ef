"""The main job's summary: a table of key outputs at chosen dates, and a small HTML page."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np

from ..analysis import at
from .charts import fan_chart
from .page import page

SUMMARY_DATES = ("2016-01", "2017-06", "2018-08", "2019-12", "2021-06")
SUMMARY_ROWS = (("total_fighters", "Total fighters", 1.0, "{:,.0f}"),
                ("cash", "Cash (USD million)", 1e6, "{:,.1f}"),
                ("bases_held", "Base areas held", 1.0, "{:.0f}"))


def summary_rows(ds, dates: Sequence[str] = SUMMARY_DATES) -> list[list[str]]:
    """One row per date: for each key output, 'median [5%-95%]'."""
    rows = []
    for when in dates:
        row = [when]
        for name, _, scale, fmt in SUMMARY_ROWS:
            values = np.asarray(at(ds[name], when)) / scale
            lo, mid, hi = np.quantile(values, [0.05, 0.5, 0.95])
            row.append(f"{fmt.format(mid)} [{fmt.format(lo)}-{fmt.format(hi)}]")
        rows.append(row)
    return rows


def summary_header() -> list[str]:
    return ["Date"] + [f"{label}: median [90% interval]" for _, label, _, _ in SUMMARY_ROWS]


def summary_html(system, ds, title: str) -> str:
    """A self-contained page: the table and fan charts of the key outputs."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in summary_header())
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                   for row in summary_rows(ds))
    charts = [
        fan_chart({"total": ds.total_fighters}, "Total IS-K fighters", "people"),
        fan_chart({b: ds.fighters.sel(base=b) for b in ds.base.values},
                  "Fighters by base area", "people"),
        fan_chart({"cash": ds.cash}, "Cash", "USD million", scale=1e6),
        fan_chart({"bases held": ds.bases_held}, "Base areas held", "of five"),
    ]
    note = (f"{ds.sizes['draw']:,} draws from the priors of {len(system.priors)} uncertain "
            f"parameters (seed {ds.attrs.get('seed')}). Bands: 50% and 90% intervals.")
    content = (f"<p>{html.escape(note)}</p><table><thead><tr>{head}</tr></thead>"
               f"<tbody>{body}</tbody></table>"
               + "".join(f"<figure>{svg}</figure>" for svg in charts))
    return page(title, content)
