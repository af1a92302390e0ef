"""Dashboard responsiveness: the time from a lever change to the redrawn figures' data.

(a) In process: for each of ``--changes`` settings of the US strike lever, the work the
    dashboard script does on a rerun: interventions, the 1,000-draw ensemble, quantiles,
    the four fan charts' data and Vega-Lite specs. The parameter draws and compiled model
    are made once beforehand, as the page caches them.
(b) In a browser (if /usr/bin/chromium exists and --no-browser is not given): Streamlit
    serves the page, Playwright presses an arrow key on the US strike slider and waits
    until the "median fighters 2021-06" text changes. This includes Streamlit's slider
    debounce, the rerun, the websocket and Vega's redraw.

Medians over the changes. The last line printed is::

    lever_rerun_s=<n> [browser_redraw_s=<n>]

Target: under 0.5 s. Run: ``python benchmarks/dashboard.py [--changes N] [--no-browser]``.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from prospects.present import dashboard

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
HOOK_JS = """([before]) => {
  const hook = [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
    .find(e => e.innerText.startsWith('median Total fighters'));
  return hook && hook.innerText !== before;
}"""


def in_process(changes: int) -> list[float]:
    setup = dashboard.load_setup("isk", None)
    scenario = setup.system.scenarios["status-quo"]
    times = []
    for k in range(changes + 1):  # the first is a warm-up
        t0 = time.perf_counter()
        interventions, _ = dashboard.lever_interventions(setup.system, scenario, [], "2019-01",
                                                         {"us": 1.0 + 0.05 * (k + 1)})
        result = dashboard.ensemble(setup, interventions)
        for output in setup.system.outlook.headline:
            dashboard.fan_chart(result.times, result.bands[output.variable], output,
                                setup.base.bands[output.variable])
            dashboard.median_at(result.times, result.bands[output.variable],
                                setup.system.outlook.horizon)
        dashboard.outcome_lines(dashboard.paired_outcomes(setup, result, scenario.id))
        if k:
            times.append(time.perf_counter() - t0)
    return times


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def in_browser(changes: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    script = Path(dashboard.__file__).resolve()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.address", "127.0.0.1",
         "--server.port", str(port)],
        cwd=tempfile.mkdtemp(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("streamlit did not start") from None
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            hook = page.get_by_text("median Total fighters 2021-06:")
            hook.wait_for(timeout=30_000)
            page.wait_for_timeout(1000)  # let the first render settle
            slider = page.get_by_role("slider", name="US strike intensity (x)")
            times = []
            for _ in range(changes):
                before = hook.inner_text()
                slider.focus()
                t0 = time.perf_counter()
                page.keyboard.press("ArrowRight")
                page.wait_for_function(HOOK_JS, arg=[before], timeout=15_000)
                times.append(time.perf_counter() - t0)
                page.wait_for_timeout(300)  # the rerun's remaining elements
            browser.close()
        return times
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20, help="Lever changes to time.")
    parser.add_argument("--no-browser", action="store_true", help="Skip the browser timing.")
    args = parser.parse_args()

    rerun = in_process(args.changes)
    line = f"lever_rerun_s={statistics.median(rerun):.3f}"
    print(f"in process: median {statistics.median(rerun):.3f} s, max {max(rerun):.3f} s over "
          f"{len(rerun)} changes (ensemble of {dashboard.DRAWS:,} draws + quantiles + specs)")
    if not args.no_browser and Path(CHROMIUM).exists():
        redraw = in_browser(min(args.changes, 20))
        print(f"in the browser: median {statistics.median(redraw):.3f} s, max "
              f"{max(redraw):.3f} s over {len(redraw)} slider changes (key press to new "
              "median text)")
        line += f" browser_redraw_s={statistics.median(redraw):.3f}"
    print(line)


if __name__ == "__main__":
    main()
