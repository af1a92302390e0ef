"""The main job's summary: a table of the headline outputs at the outlook's summary dates,
and a small HTML page."""

from __future__ import annotations

import html

import numpy as np

from ..analysis import at, bands, number, summed, when_text
from .charts import fan_chart
from .format import unit_text
from .page import page


def summary_quantiles(ds, outlook):
    """A tidy DataFrame: each headline output's 5%, 50% and 95% quantiles over draws at
    each summary date, in the output's own unit and scale."""
    import pandas as pd

    rows = []
    for when in outlook.summary_dates:
        for output in outlook.headline:
            values = np.asarray(at(summed(ds[output.variable]), when)) / output.scale
            lo, mid, hi = np.quantile(values, [0.05, 0.5, 0.95])
            rows.append({"date": when_text(when), "output": output.variable, "label": output.label,
                         "unit": output.unit, "q05": lo, "median": mid, "q95": hi})
    return pd.DataFrame(rows)


def summary_rows(ds, outlook) -> list[list[str]]:
    """One row per summary date: for each headline output, 'median [5%-95%]'."""
    table = summary_quantiles(ds, outlook)
    return [[when] + [f"{number(r.median)} [{number(r.q05)}-{number(r.q95)}]"
                      for r in group.itertuples()]
            for when, group in table.groupby("date", sort=False)]


def summary_header(system) -> list[str]:
    model, outlook = system.model, system.outlook
    time = "Date" if model.calendar else f"Time ({model.time_unit})"
    return [time] + [f"{o.label}{f' ({o.unit})' if o.unit else ''}: median [90% interval]"
                       for o in outlook.headline]


def summary_html(system, ds, title: str) -> str:
    """A self-contained page: the table and fan charts of the headline outputs."""
    outlook = system.outlook
    head = "".join(f"<th>{html.escape(h)}</th>" for h in summary_header(system))
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                   for row in summary_rows(ds, outlook))
    charts = [fan_chart(ds["time"].values, bands(ds, output), output.label,
                        unit_text(output.unit), ylim=output.range)
              for output in outlook.headline]
    note = (f"{ds.sizes['draw']:,} draws from the priors of {len(system.priors)} uncertain "
            f"parameters (seed {ds.attrs.get('seed')}). Bands: 50% and 90% intervals.")
    content = (f"<p>{html.escape(note)}</p><table><thead><tr>{head}</tr></thead>"
               f"<tbody>{body}</tbody></table>"
               + "".join(f"<figure>{svg}</figure>" for svg in charts))
    return page(title, content)
