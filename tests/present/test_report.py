import re
import shutil

import pytest
import yaml
from typer.testing import CliRunner

from prospects.cli import app
from prospects.explain import explain, explain_all, explain_difference
from prospects.files import write_netcdf
from prospects.inference.posterior import load_posterior, save_posterior
from prospects.present.report import build_report, sections
from prospects.projection import project
from prospects.system import BUILTIN, load_system

INJECTED = "<script>alert('x')</script> & <b>bold</b>"
NETWORK = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


@pytest.fixture(scope="module")
def system():
    return load_system("isk")


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    """A copy of the IS-K system whose first claim's text carries markup."""
    copy = tmp_path_factory.mktemp("evidence") / "isk"
    shutil.copytree(BUILTIN / "isk", copy, ignore=shutil.ignore_patterns("__pycache__"))
    claims = yaml.safe_load((copy / "claims.yaml").read_text())
    claims[0]["text"] = INJECTED
    claims[0]["locator"] = "<img src=x onerror=alert(1)>"
    (copy / "claims.yaml").write_text(yaml.safe_dump(claims, sort_keys=False))
    return load_system(copy)


@pytest.fixture(scope="module")
def projection(system):
    return project(system, None, scenarios=["status-quo", "sanctuary-ends"], draws=100, seed=0)


@pytest.fixture(scope="module")
def posterior(system, tmp_path_factory):
    """A small real calibration (too small to converge), saved and re-read."""
    from prospects.inference.calibrate import calibrate

    idata = calibrate(system, particles=600, runs=2, steps=2, seed=0).idata
    path = save_posterior(tmp_path_factory.mktemp("post") / "isk-posterior.nc", idata)
    return path, load_posterior(path, system)


@pytest.fixture(scope="module")
def page(injected, projection):
    stats = {}
    steps = []
    whys = explain_all(injected, None, draws=30, seed=0)
    diffs = [explain_difference(injected, None, "fighters", "2019-01", "2021-12",
                                "sanctuary-ends", "status-quo", draws=30)]
    text = build_report(injected, projection, None, whys, draws=30, seed=0, stats=stats,
                        differences=diffs, notes=["a note <i>"], progress=steps.append)
    assert sum(steps) == len(sections(False))
    return text, stats


def test_report_has_every_section_and_one_svg_per_chart(page, projection, injected):
    text, stats = page
    for anchor, heading in sections(False):
        assert f"<section id='{anchor}'><h2>{heading}</h2>" in text
    assert "<section id='evaluation'>" not in text  # no vintages, no backtest
    assert text.index("<section id='answer'>") < text.index("<section id='projections'>")
    figures = re.findall(r"<figure[^>]*>(.*?)</figure>", text, flags=re.S)
    assert len(figures) == stats["charts"] == text.count("<svg") - text.count("<svg width")
    assert all(f.count("<svg") == 1 for f in figures)
    # a fan chart per charted output and scenario, a difference fan per charted headline
    # output for the scenario that is not the status quo; diagram, network, timeline;
    # 2 stocks x 2 windows of why panels and one difference panel
    outlook = injected.outlook
    fans = sum(o.chart for o in outlook.outputs)
    headline = sum(o.chart for o in outlook.headline)
    assert fans == 10 and headline == 3
    assert stats["charts"] == fans * projection.sizes["scenario"] + headline + 3 + 4 + 1
    assert text.count("<div class='why'>") == 5 and "Fighters in the Afghan base areas" in text
    assert "Why <em>Pakistan&#x27;s sanctuary ends</em> differs from" in text
    assert "Calibration has not been run" in text
    assert "a note &lt;i&gt;" in text
    assert not re.search(r"\d\.?\d*e[+-]\d", re.sub(r"<[^>]+>", " ", text))  # no 1e+04


def test_the_answer_lists_every_outcome_and_the_paired_changes(page, injected):
    text, _ = page
    answer = text[text.index("<section id='answer'>"):text.index("<section id='projections'>")]
    for outcome in injected.outlook.outcomes:
        assert answer.count(f"<th>{outcome.label.replace('<', '&lt;')}</th>") == 2
    assert "What the levers change" in answer and "Pakistan&#x27;s sanctuary ends" in answer
    assert "If the assumptions differ" not in answer  # no assumption was projected
    assert re.search(r"[+-]\d+\.\d pp", answer) and "median total fighters in 2021-06" in answer


def test_the_answer_pairs_changes_on_the_same_draws(system, projection):
    from prospects.present.answer import answer

    a = answer(system, projection)
    assert a.base == "status-quo" and [c.id for c in a.changes] == ["sanctuary-ends"]
    sq = projection.sel(scenario="status-quo")
    end = projection.sel(scenario="sanctuary-ends")
    first = system.outlook.outcomes[0]
    d = first.test(end).values.astype(float) - first.test(sq).values.astype(float)
    assert a.changes[0].diff[0] == pytest.approx(d.mean())
    assert a.changes[0].diff_se[0] == pytest.approx(d.std(ddof=1) / len(d) ** 0.5)
    assert 0 <= a.p[0] <= 1 and a.se[0] > 0


def test_report_anchors_every_claim_and_links_resolve(page, injected):
    text, _ = page
    ids = set(re.findall(r"id='claim-([a-z0-9-]+)'", text))
    assert ids == set(injected.evidence.claims)
    for target in set(re.findall(r"""href=["']#claim-([^"']+)["']""", text)):
        assert target in ids
    # "used by" entries link to their places on the page, and every place exists
    places = set(re.findall(r"href='#((?:scn|rel|obs|param)-[^']+)'", text))
    assert "scn-sanctuary-ends" in places and any(p.startswith("rel-") for p in places)
    for place in places:
        assert f"id='{place}'" in text
    assert "Admiralty scale" in text and "6 truth cannot be judged" in text


def test_report_loads_nothing_from_the_network(page):
    text, _ = page
    assert not NETWORK.search(text)
    assert "<link" not in text and "@import" not in text


def test_evidence_text_is_escaped(page):
    text, _ = page
    assert INJECTED not in text and "<script>alert" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold" in text
    assert "<img src=x" not in text
    # the only scripts are the report's own, at the end of the page
    assert text.count("<script>") == 1


def test_report_with_a_posterior_shows_the_fit(system, posterior):
    _, idata = posterior
    ds = project(system, idata, scenarios=["status-quo"], draws=50, seed=0)
    from prospects.inference.fit import fit_table

    text = build_report(system, ds, idata, fit=fit_table(system, idata, seed=0), draws=30,
                        seed=0)
    assert "Calibration has not been run" not in text
    fit = text[text.index("<section id='fit'>"):text.index("<section id='diagram'>")]
    for obs in system.evidence.observations:
        assert obs in fit
    assert "runs disagree or the sample is thin" in fit and "SMCPy" in fit
    assert "Not identified by the evidence" in fit and "self_report_inflation" in fit
    ident = idata["identifiability"]
    table = fit[fit.index("class='ident'"):]
    assert table.count("<tr id='param-") == ident.sizes["parameter"]
    assert "prior share" in fit and "posterior share" in fit


def test_why_flows_add_up_to_the_change(system):
    why = explain(system, None, "fighters", "2018-01", "2018-12", "status-quo", draws=40)
    assert why.residual < 1e-6 * max(1.0, abs(why.net).max())
    assert {r.flow for r in why.rows} >= {"combat_losses", "us_losses", "desertion",
                                          "graduation"}
    assert why.rows[0].sign == 1 and any(r.sign == -1 for r in why.rows)


runner = CliRunner()


def test_cli_report_writes_the_page(tmp_path, projection):
    out = tmp_path / "out"
    write_netcdf(out / "isk-projection.nc", projection.sel(scenario=["status-quo"]),
                 load_system("isk"))
    result = runner.invoke(app, ["report", "--draws", "20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "isk-report.html").read_text()
    assert "Projections by scenario" in page and "<svg" in page
    assert "total Sobol&#x27; index" in page  # the drivers section ran sensitivity
    assert "No posterior found" in page
    assert sorted(p.name for p in out.iterdir()) == ["isk-projection.nc", "isk-report.html"]


def test_two_reports_with_one_seed_are_the_same_page(tmp_path, projection):
    """The same command twice gives the same bytes, the Sobol' section included (its
    bootstrap intervals once depended on NumPy's global random state)."""
    import numpy as np

    pages = []
    for k in range(2):
        out = tmp_path / f"out{k}"
        write_netcdf(out / "isk-projection.nc", projection, load_system("isk"))
        np.random.seed(k)  # whatever the global state, the page must not move
        result = runner.invoke(app, ["report", "--draws", "20", "--sensitivity", "8",
                                     "--out", str(out)])
        assert result.exit_code == 0, result.output
        pages.append((out / "isk-report.html").read_text())
    assert "total Sobol&#x27; index" in pages[0] and pages[0] == pages[1]


def test_cli_report_missing_posterior_is_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", "--posterior", str(tmp_path / "nope.nc"),
                                 "--out", str(out)])
    assert result.exit_code == 1
    assert "nope.nc" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (out / "isk-report.html").exists()


def test_cli_report_takes_a_vintages_file_of_its_own_system_only(tmp_path, projection):
    from made_up import made_up_vintages

    out = tmp_path / "out"
    write_netcdf(out / "isk-projection.nc", projection.sel(scenario=["status-quo"]),
                 load_system("isk"))
    made = made_up_vintages(load_system("isk"), ["status-quo"], scored=True)
    other = tmp_path / "other-vintages.nc"
    made.assign_attrs(system="drift").to_netcdf(other)
    refused = runner.invoke(app, ["report", "--out", str(out), "--vintages", str(other)])
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        f"error: {other}: vintages of system 'drift', not 'isk' (run `prospects vintages` "
        "for it)"], refused.output
    assert not (out / "isk-report.html").exists()
    own = tmp_path / "isk-vintages.nc"
    made.to_netcdf(own)
    result = runner.invoke(app, ["report", "--out", str(out), "--draws", "20",
                                 "--sensitivity", "0", "--vintages", str(own)])
    assert result.exit_code == 0, result.output
    page = (out / "isk-report.html").read_text()
    evaluation = page[page.index("<section id='evaluation'>"):]
    assert "Outcome probabilities by vintage" in evaluation
    assert '<table class="evaluation">' in evaluation
    # without --vintages, the file where `prospects vintages` writes it
    (out / "isk-report.html").unlink()
    shutil.copy(own, out / "isk-vintages.nc")
    result = runner.invoke(app, ["report", "--out", str(out), "--draws", "20",
                                 "--sensitivity", "0"])
    assert result.exit_code == 0, result.output
    assert "Outcome probabilities by vintage" in (out / "isk-report.html").read_text()


def test_diagram_and_timeline_name_things_by_their_labels(system):
    """The stock-flow diagram writes readable labels (identifiers only in hover text), the
    timeline writes what each claim says, and every actor-network arrow carries a
    direction mark halfway as well as at its end."""
    import html

    from prospects.present.diagram import stock_flow_svg
    from prospects.present.evidence_table import timeline_svg
    from prospects.present.format import label_of
    from prospects.present.network import network_svg

    diagram = stock_flow_svg(system)
    shown = html.unescape(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", diagram)))
    for stock in system.model.stocks:
        first_word = label_of(system, stock.name).split()[0]
        assert first_word in shown
    assert "sanctuary_fighters" not in shown and "us_losses" not in shown
    assert "us_losses" in diagram  # in a <title>, for whoever looks for the identifier
    timeline = html.unescape(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>",
                                                 timeline_svg(system.evidence))))
    assert "derzab-lost-aug-2018" not in timeline
    for claim in system.evidence.claims.values():  # every claim whole, wrapped, never cut
        if claim.span is not None:
            assert " ".join(claim.text.split()) in timeline
    network = network_svg(system.evidence)
    edges = network.count('class="net-edge"')
    assert edges == len(system.evidence.relations) == network.count("marker-mid=")
    # every actor's name (before any parenthesis) shows whole, wrapped, never cut
    names = html.unescape(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", network)))
    assert "\u2026" not in names
    for actor in system.evidence.actors.values():
        assert actor.name.split(" (")[0] in names


def test_a_backtest_draws_its_later_figures_on_the_fans(system, projection):
    """With a backtest, its figures (published after the projection start) are marked on
    the fans of their outputs, in their own colour and legend key, beside the claims."""
    from pathlib import Path

    from prospects.inference.backtest import backtest
    from prospects.present.charts import LATER

    example = Path(__file__).resolve().parents[2] / "docs/examples/backtest-isk-2019.yaml"
    scores = backtest(system, example, projection)
    text = build_report(system, projection, None, backtest=scores, draws=100)
    fans = text[text.index("<section id='projections'>"):text.index("<section id='drivers'>")]
    assert "later figure, published after the projection start" in fans
    later = re.findall(r"<title>later figure \(backtest\): ([^<]*)</title>", fans)
    # the illustrative 2019 range of fighters, on the total-fighters fan of each scenario
    assert any("2,500" in m or "2500" in m for m in later)
    assert len(later) >= projection.sizes["scenario"]
    assert f'fill="{LATER}"' in fans
    assert "<title>claimed: " in fans  # the claims stay


def test_the_evaluation_shows_skill_by_lead_time_and_what_moved_each_vintage(system):
    from made_up import made_up_vintages

    from prospects.present.revision import scores_html

    html = scores_html(made_up_vintages(system, ["status-quo"], scored=True))
    per_vintage = re.search(r'<table class="evaluation">.*?</table>', html, re.S)[0]
    per_lead = re.search(r'<table class="evaluation-lead">.*?</table>', html, re.S)[0]
    assert per_vintage.count("<tr>") == 1 + 2  # heading, two vintages
    # the made-up leads: 6 and 12 months in the first vintage, 3 and 6 in the second
    assert "<td>0-12 months</td>" in per_lead and "<td>12-24 months</td>" in per_lead
    assert per_lead.count("<tr>") == 1 + 3
    movers = re.search(r"<table class='movers'>.*?</table>", html, re.S)[0]
    assert movers.index("obs-large-move") < movers.index("obs-small-move")  # largest first
    assert "+0.80" in movers and "2018-06" not in movers  # nothing moved the first vintage


def test_the_evaluation_shows_the_events_reliability_once_there_are_enough(system):
    import numpy as np
    import xarray as xr

    from prospects.inference.backtest import Backtest
    from prospects.inference.vintages import SCORE_COLUMNS
    from prospects.present.revision import (
        backtest_html,
        reliability_html,
        scores_frame,
        scores_html,
    )

    def scored(events: int) -> xr.Dataset:
        """One vintage's rolling-origin scores of ``events`` events, p rising from 0.05,
        the last half happened."""
        p = np.linspace(0.05, 0.95, events)
        columns = {c: np.full(events, np.nan) for c in SCORE_COLUMNS}
        columns.update(lead=np.full(events, 6.0), p=p, observed=(p > 0.5).astype(float),
                       brier=(p - (p > 0.5)) ** 2, brier_climatology=np.full(events, 0.25))
        return xr.Dataset({f"score_{c.replace('%', 'pct')}": (("vintage", "scored"), [v])
                           for c, v in columns.items()},
                          coords={"vintage": ["2018-12"],
                                  "scored": [f"event-{k}" for k in range(events)],
                                  "scored_kind": ("scored", ["event_by"] * events)})

    html = scores_html(scored(12))
    table = re.search(r"<table class='reliability'>.*?</table>", html, re.S)[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td class='num'>(\d+)</td>", table)
    assert [r[0] for r in rows] == ["0.0 to 0.2", "0.2 to 0.4", "0.4 to 0.6", "0.6 to 0.8",
                                    "0.8 to 1.0"]
    assert sum(int(r[1]) for r in rows) == 12
    assert "<td class='num'>0</td></tr>" in table  # nothing below 0.2 happened
    assert "<td class='num'>1</td></tr>" in table  # everything above 0.8 did
    assert "reliability" not in scores_html(scored(9))  # too few events
    assert reliability_html(scores_frame(scored(9))) == ""
    # a backtest's events, the same
    events = scores_frame(scored(12)).assign(variable="total_fighters", period="2019")
    page = backtest_html(system, Backtest(events, {}, "status-quo", "2019-01"))
    assert re.search(r"<table class='reliability'>.*?</table>", page, re.S)[0] == table


def test_what_moved_each_vintage_reads_as_what_was_measured_not_as_an_id(system):
    from made_up import made_up_vintages

    from prospects.present.format import label_of
    from prospects.present.revision import movers_table

    real = next(o for o in system.evidence.observations.values() if o.period)
    ds = made_up_vintages(system, ["status-quo"], scored=True)
    ds = ds.assign_coords(new=[real.id, "not-an-observation"])
    movers = movers_table(ds, system=system)
    cell = re.search(rf"<td title='{real.id}'>([^<]*)</td>", movers)[1]
    assert cell.startswith(label_of(system, real.variable)) and real.period in cell
    assert ">not-an-observation</td>" in movers  # unknown to the system: its id


def test_the_revision_shows_headline_medians_by_vintage(system):
    from made_up import made_up_vintages

    from prospects.present.revision import medians_table

    html = medians_table(system, made_up_vintages(system, ["status-quo"]), "status-quo")
    output = system.outlook.headline[0]
    rows = re.findall(r"<tr><td>(.*?)</tr>", html)
    assert len(rows) == len(system.outlook.projection_dates)
    assert all(output.label in r and "100" in r and "200" in r and "(+100)" in r
               for r in rows)


def test_drivers_name_levers_and_assumptions_by_their_scenarios(system):
    """Sobol' bars and the PRIM box name each lever or assumption factor by its scenario,
    never by a factor id ("lever:gulf-donations-cut"), and say how large the design was."""
    import html

    import pandas as pd

    from prospects.explore.discovery import Discovery
    from prospects.explore.factors import factors
    from prospects.present.drivers import drivers_html

    chosen = factors(system)
    levers = [f for f in chosen if f.kind == "lever"]
    assert {f.name.split(":")[0] for f in levers} == {"lever", "assumption"}
    table = pd.DataFrame([["total_fighters", f.name, 0.1, 0.01, 0.5 - 0.01 * k, 0.02]
                          for k, f in enumerate(levers)],
                         columns=["outcome", "factor", "S1", "S1_conf", "ST", "ST_conf"])
    table.attrs.update(base_samples=64, runs=64 * (len(chosen) + 2))
    limits = pd.DataFrame([[f.name, 0.2, 0.9, 0.0, 1.0, 0.01, 0.02] for f in levers[:3]],
                          columns=["factor", "low", "high", "full_low", "full_high",
                                   "qp_low", "qp_high"])
    box = Discovery(limits, 0.5, 0.9, 0.3, 0.6, 600, 1000, None, 0)
    text, charts = drivers_html(system, table, box)
    shown = html.unescape(re.sub(r"<[^>]+>", " ", text))
    assert charts == 1 and not [f.name for f in levers if f.name in shown]
    for f in levers[:3]:
        assert f"{f.name.split(':')[0]}: {f.scenario.name}" in shown
    assert f"N = 64 base samples ({64 * (len(chosen) + 2):,} runs)" in shown
    assert "below 2,000 people" in shown  # the outlook's unit, not the model's "person"


def test_why_panels_and_bar_labels_read_as_words(system, projection):
    """A why panel names each flow by its label (the identifier only as hover text), and a
    bar label too long for its column wraps onto a second line instead of being cut."""
    import html

    from prospects.explain import explain_all
    from prospects.present.charts import LABEL_W, bar_chart
    from prospects.present.format import counts, label_of, member_label
    from prospects.present.why import why_html

    why = explain_all(system, None, 100, 0, projection)[0]
    panel = why_html(why, "Status quo", label=lambda n: label_of(system, n))
    shown = html.unescape(re.sub(r"<title>[^<]*</title>|<[^>]+>", " ", panel))
    assert "us_losses" not in shown and "combat_losses" not in shown
    assert "Fighters killed by US air strikes and operations" in shown
    assert "title='us_losses'" in panel
    long = "a label much longer than the column of labels can hold at this size " * 2
    chart = bar_chart(["short", long], [[0, 1, 2], [0, 1, 2]], "Title")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", chart)
    assert "short" in texts and long not in texts
    pieces = [t for t in texts if t and t in long]
    assert len(pieces) == 2 and all(len(p) * 6.2 * 10.5 / 11 <= LABEL_W for p in pieces)
    assert member_label("private_gulf") == "Private gulf" and member_label("TTP") == "TTP"
    assert counts([-467, 1.1, 0.0], signed=True) == ["-467", "+1", "0"]  # one precision
    # a long doc's first clause, and members selected as a backtest names them
    assert label_of(system, "control") == "IS-K's hold on each base area (0 none, 1 full)"
    assert label_of(system, "control[Nangarhar]") == label_of(system, "control") + ", Nangarhar"


def test_the_diagram_names_the_stock_a_flow_links_to_and_no_unit_1(system):
    import html

    from prospects.present.diagram import stock_flow_svg
    from prospects.present.format import label_of

    diagram = stock_flow_svg(system)
    shown = html.unescape(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", diagram)))
    linked = [f for f in system.model.flows if f.src is not None and f.dst is not None]
    assert linked
    for flow in linked:
        assert f'href="#stock-{flow.src.name}"' in diagram
        assert f"id='stock-{flow.src.name}'" in diagram
        assert f"from {label_of(system, flow.src.name)}"[:20] in shown
    dimensionless = [s for s in system.model.stocks if s.unit == "1"]
    assert dimensionless
    assert not re.search(r">1</text>", diagram)


def test_evidence_used_by_links_to_the_diagram(page, injected):
    """A claim's 'used by' entry for a stock or a flow links to it on the diagram."""
    text, _ = page
    for var in (*injected.model.stocks, *injected.model.flows):
        anchor = f"{'stock' if var.kind == 'stock' else 'flow'}-{var.name}"
        assert text.count(f"id='{anchor}'") == 1
    cited = [v for v in injected.model.flows if v.claims]
    assert cited and f"href='#flow-{cited[0].name}'" in text


def test_the_loops_table_reads_paths_in_words():
    """A loop's path reads as words, its identifiers kept for the hover."""
    from prospects.present.drivers import loops_table, named_loops

    isk = load_system("isk")
    html = loops_table(isk, named_loops(isk))
    cells = re.findall(r"<td class='muted' title='([^']*)'>([^<]*)</td>", html)
    assert cells
    for names, words in cells:
        assert "_" in names and "_" not in words
