"""The report in a real browser (Debian's chromium through Playwright): it opens with the
answer listing every outcome, switching scenario keeps every chart's axes, the evidence
filter works, the page requests nothing, and vintages add the revision chart.
Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest
from made_up import made_up_vintages
from test_dashboard_browser import ARTIFACTS, chromium

from prospects.present.report import build_report
from prospects.projection import project
from prospects.system import load_system

pytestmark = pytest.mark.slow
SCENARIOS = ["status-quo", "sanctuary-ends", "core-syria-strong"]


@pytest.fixture(scope="module")
def system():
    return load_system("isk")


@pytest.fixture(scope="module")
def report_file(system, tmp_path_factory):
    ds = project(system, None, scenarios=SCENARIOS, draws=60, seed=0)
    path = tmp_path_factory.mktemp("report") / "isk-report.html"
    path.write_text(build_report(system, ds, None, vintages=made_up_vintages(system, SCENARIOS),
                                 draws=60))
    return path


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def opened(browser, report_file):
    """(page, every URL the page requested)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report_file.as_uri())
    yield page, requests
    page.close()


def test_the_report_opens_with_the_answer(opened, system):
    from playwright.sync_api import expect

    page, _ = opened
    first = page.locator("section").first
    expect(first).to_have_attribute("id", "answer")
    expect(first.locator("h2")).to_have_text(re.compile("^The answer"))
    rows = first.locator("table.answer tbody tr")
    expect(rows).to_have_count(len(system.outlook.outcomes))
    for k, outcome in enumerate(system.outlook.outcomes):
        expect(rows.nth(k).locator("th")).to_have_text(outcome.label)
        expect(rows.nth(k).locator("td").first).to_have_text(re.compile(r"^\d+\.\d%$"))
    expect(first.locator("table.changes[data-kind='lever'] thead th")).to_have_text(
        ["change against the status quo", "Pakistan's sanctuary ends"])
    expect(first.locator("table.changes[data-kind='assumption']")).to_be_visible()
    first.screenshot(path=ARTIFACTS / "report-answer.png")


def _axis_texts(page, label: str) -> list[str]:
    chart = page.locator(f".scn:not([hidden]) svg[aria-label='{label}']").first
    return chart.locator("text").all_text_contents()


def test_switching_scenario_keeps_the_axes(opened, system):
    from playwright.sync_api import expect

    page, _ = opened
    pick = page.locator("#scn-pick")
    labels = [o.label for o in system.outlook.outputs if o.chart]
    seen = {}
    for k, scenario in enumerate(SCENARIOS):
        pick.select_option(str(k))
        expect(page.locator(".scn:not([hidden]) h3")).to_have_text(
            system.scenarios[scenario].name)
        seen[scenario] = {label: _axis_texts(page, label) for label in labels}
        if k:  # the paired difference fan above the scenario's own
            expect(page.locator(".scn:not([hidden]) svg[aria-label$='minus Status quo']")
                   ).to_have_count(sum(o.chart for o in system.outlook.headline))
    page.locator(".scn:not([hidden])").screenshot(path=ARTIFACTS / "report-scenario.png")
    for scenario in SCENARIOS[1:]:
        assert seen[scenario] == seen["status-quo"]  # the same ticks and labels
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+", t) for t in seen["status-quo"][labels[0]])


def test_tick_labels_are_readable(opened):
    """Every axis tick label, as the browser draws it, at least 11 px high (they were 10)."""
    page, _ = opened
    sizes = page.evaluate("""() => [...document.querySelectorAll('svg text.tick')]
        .filter(t => t.getBoundingClientRect().width > 0)
        .map(t => parseFloat(getComputedStyle(t).fontSize)
             * t.getScreenCTM().a)""")
    assert len(sizes) > 50
    assert min(sizes) >= 11, min(sizes)


def test_the_evidence_filter(opened, system):
    from playwright.sync_api import expect

    page, _ = opened
    total = len(system.evidence.claims)
    count = page.locator("#ev-count")
    expect(count).to_have_text(f"{total} of {total} claims")
    claim = next(iter(system.evidence.claims.values()))
    word = max(re.findall(r"[A-Za-z]{6,}", claim.text), key=len)
    page.locator("#ev-filter").fill(word)
    shown = sum(word.lower() in (c.id + c.text + c.locator + c.asserted_by).lower()
                for c in system.evidence.claims.values())
    expect(page.locator("#claims tbody tr:visible")).to_have_count(shown, timeout=5000)
    assert 0 < shown < total
    expect(count).to_have_text(re.compile(rf"^\d+ of {total} claims$"))
    page.locator("#ev-filter").fill("")
    expect(count).to_have_text(f"{total} of {total} claims")


def test_the_page_requests_nothing(opened):
    page, requests = opened
    page.locator("#scn-pick").select_option("1")
    page.mouse.wheel(0, 20000)
    page.wait_for_timeout(300)
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []


def test_vintages_add_the_revision_chart(opened, system):
    from playwright.sync_api import expect

    page, _ = opened
    section = page.locator("section#evaluation")
    chart = section.locator("svg[aria-label='Outcome probabilities by vintage']")
    expect(chart).to_be_visible()
    expect(chart.get_by_text("as of 2018-06")).to_be_visible()
    expect(section.locator(".legend .key")).to_have_count(len(system.outlook.outcomes))
    section.screenshot(path=ARTIFACTS / "report-revision.png")
