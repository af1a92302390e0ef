"""The dashboard's levers and charts as data (no Streamlit runtime): which scenario
levers are on/off switches, and how a parameter's chart names it."""

from __future__ import annotations

import pytest

from prospects.present.dashboard import active_levers, on_off, prior_chart
from prospects.system import load_system


@pytest.fixture(scope="module")
def isk():
    return load_system("isk")


def test_a_lever_that_switches_a_flag_is_on_off_and_others_slide(isk):
    ban = isk.scenarios["opium-ban-lifted"].levers[0]
    assert on_off(isk, ban) == 1.0  # off keeps the ban (1); on lifts it (0)
    for sid in ("sanctuary-ends", "core-syria-weak", "renewed-ceasefire", "us-strike-surge"):
        for lever in isk.scenarios[sid].levers:
            assert on_off(isk, lever) is None  # uncertain, fractional, or not a parameter
    scenario = isk.scenarios["opium-ban-lifted"]
    assert active_levers(isk, scenario, [0.0], {}) == []  # on: the scenario as written
    assert active_levers(isk, scenario, [1.0], {}) != []  # off: moved from the scenario


def test_a_parameter_chart_names_it_by_its_label_without_unit_1(isk):
    from prospects.present.format import label_of

    name = next(n for n, spec in isk.evidence.parameters.items() if spec.unit == "1")
    _, chart = prior_chart(isk, isk.evidence.parameters[name])
    title = chart["layer"][0]["encoding"]["x"]["title"]
    assert title == label_of(isk, name) and "[1]" not in title
