"""Input that cannot mean anything is refused when the system loads, with file, entry and
field: impossible dates, a boolean credibility, a repeated key, ids that are not slugs,
contradictory or pointless levers, and observations outside the run."""

from __future__ import annotations

import pytest
from badcli import edit_yaml, entry, fails, invoke


def _lever(scenario, *levers):
    return "scenarios.yaml", lambda d: entry(d, scenario).update(levers=list(levers))


CASES = {
    "month 13 in a source's date": ("sources.yaml", lambda d: d[0].update(date="2018-13"),
                                    "entry 'toy-source' field 'date'"),
    "day 31 of February": ("sources.yaml", lambda d: d[0].update(date="2018-02-31"),
                           "entry 'toy-source' field 'date'"),
    "credibility true": ("claims.yaml", lambda d: entry(d, "strength-2015")
                         .update(credibility=True), "entry 'strength-2015' field 'credibility'"),
    "scenario id with markup": ("scenarios.yaml", lambda d: d[0].update(id="[/] status-quo"),
                                "entry '[/] status-quo' field 'id'"),
    "set and multiply over the same time": (*_lever(
        "recruitment-halved", {"target": "recruitment", "multiply": 0.5, "start": "2018-01"},
        {"target": "recruitment", "set": 10, "start": "2019-01"}),
        "entry 'recruitment-halved' field 'levers.1'"),
    "lever after the run": (*_lever("recruitment-halved", {"target": "recruitment",
                                                           "multiply": 0.5, "start": "2035-01"}),
                            "entry 'recruitment-halved' field 'levers.0'"),
    "lever before the run": (*_lever("recruitment-halved", {"target": "recruitment",
                                                            "multiply": 0.5, "end": "2010-01"}),
                             "entry 'recruitment-halved' field 'levers.0'"),
    "lever date month 13": (*_lever("recruitment-halved", {"target": "recruitment",
                                                           "multiply": 0.5, "start": "2018-13"}),
                            "entry 'recruitment-halved' field 'levers.0.start'"),
    "set outside the prior's support": (*_lever("recruitment-halved", {
        "target": "recruit_rate", "set": 500}), "entry 'recruitment-halved' field 'levers.0'"),
    "negative factor": (*_lever("recruitment-halved", {"target": "recruitment",
                                                       "multiply": -1}),
                        "entry 'recruitment-halved' field 'levers.0'"),
    "observation period after the run": ("observations.yaml", lambda d: d[0].update(
        period="2030"), "entry 'strength-2017' field 'period'"),
    "claim period before the run": ("claims.yaml", lambda d: entry(d, "strength-2017").update(
        period="2001"), "observations.yaml: entry 'strength-2017' field 'claim'"),
    "triangular prior with low above high": ("parameters.yaml", lambda d: entry(
        d, "recruit_rate", "name").update(prior={"dist": "triangular", "low": 300, "mode": 100,
                                                  "high": 20}),
        "entry 'recruit_rate' field 'prior'"),
    "bounds narrower than the prior": ("parameters.yaml", lambda d: entry(
        d, "recruit_rate", "name").update(bounds=[0, 100]), "entry 'recruit_rate' field 'bounds'"),
}


@pytest.mark.parametrize("case", CASES)
def test_impossible_input_is_refused_at_load(toy, case):
    name, change, where = CASES[case]
    edit_yaml(toy / name, change)
    fails(toy.parent, "run", "--system", toy, "--draws", 20, says=(where,))


def test_a_key_repeated_in_one_entry_is_refused(toy):
    path = toy / "claims.yaml"
    path.write_text(path.read_text().replace("  credibility: 2\n",
                                             "  credibility: 2\n  credibility: 6\n"))
    fails(toy.parent, "run", "--system", toy, "--draws", 20,
          says=("claims.yaml", "line 15", "'credibility' appears twice"))


def test_a_set_lever_within_declared_bounds_is_accepted(toy):
    edit_yaml(toy / "parameters.yaml", lambda d: entry(d, "recruit_rate", "name").update(
        bounds=[0, 1000]))
    edit_yaml(toy / "scenarios.yaml", lambda d: entry(d, "recruitment-halved").update(
        levers=[{"target": "recruit_rate", "set": 500}]))
    assert invoke("evidence", "list", "--system", toy).exit_code == 0
