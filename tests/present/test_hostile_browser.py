"""Hostile user text in a real browser: a scenario name and a lever label carrying HTML, a
script, Markdown and links are shown as written by `prospects dashboard` and
`prospects report`, run no script and fetch nothing. A local HTTP server counts any request
the text would make. Screenshots go to test-artifacts/."""

from __future__ import annotations

import contextlib
import http.server
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from test_dashboard_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, HOOK, serving

from prospects.system import BUILTIN

pytestmark = pytest.mark.slow


@contextlib.contextmanager
def trap(lifetime: float = 300.0):
    """A local HTTP server that counts requests; it stops on leaving, or after ``lifetime``
    seconds whatever happens. Yields (port, list of requested paths)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        timeout = 5

        def do_GET(self):  # noqa: N802 (http.server's name)
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    timer = threading.Timer(lifetime, server.shutdown)
    timer.daemon = True
    timer.start()
    try:
        yield server.server_address[1], hits
    finally:
        timer.cancel()
        server.shutdown()
        server.server_close()


def payload(port: int) -> str:
    return (f'<img src="http://127.0.0.1:{port}/x.png"> <script>window.__pwned=1</script> '
            f"**bold** [link](http://127.0.0.1:{port}/y)")


def outcome_label(port: int) -> str:
    return "Bases " + payload(port)


def hostile_copy(folder: Path, port: int) -> tuple[Path, str, str]:
    """A copy of IS-K whose status-quo name, Gulf lever's label and help, and an outcome's
    label (``outcome_label``) carry markup; returns (folder, scenario name, lever label)."""
    copy = folder / "isk"
    shutil.copytree(BUILTIN / "isk", copy, ignore=shutil.ignore_patterns("__pycache__"))
    name, label = "Status quo " + payload(port), "Gulf " + payload(port)
    for file, old, new in [
        ("scenarios.yaml", "  name: Status quo\n", f"  name: {json.dumps(name)}\n"),
        ("outlook.yaml", "    label: Gulf donations (x)\n", f"    label: {json.dumps(label)}\n"),
        ("outlook.yaml", "    help: Multiplies what Gulf donors give (the 'gifts' auxiliary).\n",
         f"    help: {json.dumps('Help ' + payload(port))}\n"),
        ("outlook.yaml", "label: all 5 base areas held in 2021-12,",
         f"label: {json.dumps(outcome_label(port))},"),
    ]:
        text = (copy / file).read_text()
        assert text.count(old) == 1, (file, old)
        (copy / file).write_text(text.replace(old, new))
    return copy, name, label


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _open(browser, url: str):
    """A page that records every request it makes, loaded from ``url``."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(30_000)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url)
    return page, requests


def _assert_inert(page, hits: list[str], *shown: str) -> None:
    body = page.locator("body").inner_text().replace("\u2060", "")  # as_written's word joiner
    for text in shown:
        assert text in body, f"not shown as written: {text!r}"
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator('img[src*="/x.png"], a[href*="/y"]').count() == 0
    assert hits == [], f"the hostile text made requests: {hits}"


def test_the_dashboard_shows_hostile_text_as_written(browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with trap() as (port, hits):
        copy, name, label = hostile_copy(tmp_path, port)
        with serving(tmp_path, "--system", str(copy)) as url:
            page, requests = _open(browser, url)
            try:
                page.get_by_text(HOOK).wait_for()
                page.locator("table.outcomes").wait_for()  # the whole page has run
                page.screenshot(path=ARTIFACTS / "dashboard-hostile.png", full_page=True)
                # the Gulf lever's help, the first, shows on hovering its icon
                page.locator('[data-testid="stTooltipIcon"]').first.hover()
                page.locator('[data-testid="stTooltipContent"]').wait_for()
                _assert_inert(page, hits, name, label, "Help " + payload(port),
                              outcome_label(port))
            finally:
                page.close()
    foreign = [r for r in requests if not r.startswith(url + "/") and r != url]
    assert foreign == [], f"requests left the dashboard's origin: {foreign}"


def test_the_report_shows_hostile_text_as_written(browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with trap() as (port, hits):
        copy, name, _ = hostile_copy(tmp_path, port)
        out = tmp_path / "out"
        subprocess.run([sys.executable, "-c", "from prospects.cli import app; app()", "report",
                        "--system", str(copy), "--draws", "20", "--out", str(out)],
                       check=True, cwd=tmp_path, capture_output=True, timeout=600)
        report = out / "isk-report.html"
        page, requests = _open(browser, report.as_uri())
        try:
            page.screenshot(path=ARTIFACTS / "report-hostile.png")
            _assert_inert(page, hits, name)
        finally:
            page.close()
    assert requests == [report.as_uri()], f"the report made requests: {requests[1:]}"
