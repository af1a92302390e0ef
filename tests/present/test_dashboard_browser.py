"""`prospects dashboard` in a real browser: moving a lever redraws the charts, names the
lever in the title and moves the paired outcome probabilities; reset restores the status
quo; a lever's help shows the claims its range rests on; a vintages file adds the
revision chart and the evaluation table; choosing a parameter shows its rationale and the
claims behind it; no Deploy button.
Screenshots go to test-artifacts/."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HOOK = re.compile(r"^median Total fighters 2021-06: ")

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(url: str, process: subprocess.Popen, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the dashboard exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"the dashboard did not serve {url} within {timeout:.0f} s")


def _number(hook_text: str) -> float:
    return float(re.search(r": (-?[\d,.]+)", hook_text)[1].replace(",", ""))


@contextlib.contextmanager
def serving(folder: Path, *args: str):
    """`prospects dashboard ARGS` on a free port, run from ``folder``; yields its URL."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    port = _free_port()
    with open(folder / "server.log", "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from prospects.cli import app; app()", "dashboard",
             "--port", str(port), *args],
            cwd=folder, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_serving(f"http://127.0.0.1:{port}", process)
        yield f"http://127.0.0.1:{port}"
    finally:  # the command and its streamlit child share a process group we made
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    """`prospects dashboard` on a free port, run from a folder with no posterior (so from
    the priors) and a made-up vintages file where the command looks for one."""
    from made_up import made_up_vintages

    from prospects.system import load_system

    folder = tmp_path_factory.mktemp("dashboard")
    (folder / "out").mkdir()
    made_up_vintages(load_system("isk"), ["status-quo", "sanctuary-ends"], scored=True) \
        .to_netcdf(folder / "out" / "isk-vintages.nc")
    with serving(folder) as address:
        yield address


@contextlib.contextmanager
def chromium():
    """Debian's chromium driven by Playwright (the test skips without it)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def browser(url):
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser, url):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(30_000)
    page.goto(url)
    page.get_by_text(HOOK).wait_for()
    yield page
    page.close()


def test_moving_a_lever_redraws_the_charts(page):
    from playwright.sync_api import expect

    from prospects.system import load_system

    hook = page.get_by_text(HOOK)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    expect(charts).to_have_count(5)  # four fans, then the revision chart
    title = page.locator("h1")
    expect(title).to_have_text(re.compile(r"^isk: Status quo$"))
    outcomes = page.locator("table.outcomes tbody")
    expect(outcomes.locator("tr")).to_have_count(len(load_system("isk").outlook.outcomes))
    before, probabilities = hook.inner_text(), outcomes.text_content()
    assert "0.0 pp" in probabilities and "against the status quo" in before
    page.screenshot(path=ARTIFACTS / "dashboard-before.png", full_page=True)

    slider = page.get_by_role("slider", name=re.compile(r"^US strike intensity"))
    slider.focus()
    for _ in range(8):  # up from 1.00 by a step of 0.075 each
        page.keyboard.press("ArrowRight")
    expect(hook).not_to_have_text(before, timeout=15_000)
    expect(title).to_have_text(re.compile(r"with US strike intensity \(x\) 1\.\d+$"))
    expect(outcomes).not_to_have_text(probabilities)
    after = hook.inner_text()
    page.screenshot(path=ARTIFACTS / "dashboard-after.png", full_page=True)
    assert _number(after) < _number(before), "more US strikes should leave fewer fighters"
    assert re.search(r"[+-][1-9]\d*\.\d pp", outcomes.inner_text())  # a paired change

    page.get_by_role("button", name="Reset to the status quo").click()
    expect(title).to_have_text(re.compile(r"^isk: Status quo$"), timeout=15_000)
    expect(hook).to_have_text(before, timeout=15_000)
    expect(outcomes).to_have_text(probabilities)
    page.screenshot(path=ARTIFACTS / "dashboard-reset.png", full_page=True)


def test_no_deploy_button(page):
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name="Deploy")).to_have_count(0)
    expect(page.locator('[data-testid="stAppDeployButton"]')).to_have_count(0)


def test_a_parameter_shows_its_evidence(page):
    from playwright.sync_api import expect

    from prospects.system import load_system

    evidence = load_system("isk").evidence
    spec = evidence.parameters["sanctuary_strength"]
    page.get_by_role("combobox", name="Parameter").click()
    page.keyboard.type("sanctuary_strength")
    # the list re-renders as it filters, so a click can land on a detached option: wait for
    # the one match to be the focused one, then choose it with the keyboard
    expect(page.get_by_role("option")).to_have_count(1)
    expect(page.get_by_role("option", name="sanctuary_strength", exact=True)).to_be_visible()
    page.keyboard.press("Enter")

    # the app reruns on the choice: under load that takes longer than expect's 5 s default
    expect(page.get_by_text("Rationale: " + spec.rationale[:60])).to_be_visible(timeout=30_000)
    for cid in spec.claims:
        claim = evidence.claims[cid]
        expect(page.get_by_text(claim.text[:60]).last).to_be_visible()  # first: levers
        expect(page.get_by_text(claim.locator).last).to_be_visible()
    # the prior's density chart, below the four fan charts and the revision chart
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(6)
    page.set_viewport_size({"width": 1400, "height": 2000})  # Streamlit scrolls inside a div
    page.screenshot(path=ARTIFACTS / "dashboard-parameter.png")


def test_a_lever_shows_the_claims_it_rests_on(page):
    from playwright.sync_api import expect

    from prospects.system import load_system

    system = load_system("isk")
    lever = next(lv for lv in system.outlook.levers if lv.label.startswith("US strike"))
    cited = [c for name in lever.targets for c in system.model[name].claims]
    assert cited, "the flows the US strike lever scales cite claims"
    slider = page.get_by_role("slider", name=re.compile(r"^US strike intensity"))
    help_icon = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]').filter(
        has=slider).locator('[data-testid="stTooltipIcon"]')
    help_icon.hover()
    tooltip = page.locator('[data-testid="stTooltipContent"]')
    expect(tooltip).to_contain_text(system.evidence.claims[cited[0]].text[:40])
    expect(tooltip).to_contain_text(f"claim {cited[0]}")


def test_vintages_add_the_revision_chart_and_evaluation_table(page):
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name="How the forecast was revised")).to_be_visible()
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    expect(charts).to_have_count(5)  # the four fans and the revision chart
    chart = charts.last
    expect(chart).to_contain_text("Outcome probabilities by vintage")
    table = page.locator("table.evaluation")
    expect(table.locator("tbody tr")).to_have_count(2)  # one row per vintage
    expect(table.locator("tbody tr").first).to_contain_text("2018-06")
    expect(page.locator("table.evaluation-lead tbody tr")).to_have_count(3)
    expect(page.locator("table.movers tbody tr").first).to_contain_text("obs-large-move")
    # the tables keep the report's padding, not cells run together
    padding = table.locator("td").first.evaluate("e => getComputedStyle(e).paddingLeft")
    assert float(padding.removesuffix("px")) >= 4
    chart.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "dashboard-revisions.png")
