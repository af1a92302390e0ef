"""Every number read from a user's file is finite, and a parameter's default lies in its
prior's support: checked when the system loads, with file, entry and field."""

from __future__ import annotations

import math

import pytest
from badcli import edit_yaml, entry, fails

NAN, INF = math.nan, math.inf


def _obs(**change):
    return "observations.yaml", lambda d: entry(d, "strength-2017").update(change)


def _param(name, **change):
    return "parameters.yaml", lambda d: entry(d, name, "name").update(change)


CASES = {
    "observation low NaN": (*_obs(likelihood="interval", low=NAN, high=2000),
                            "entry 'strength-2017' field 'low'"),
    "observation high infinite": (*_obs(likelihood="interval", low=1000, high=INF),
                                  "entry 'strength-2017' field 'high'"),
    "observation threshold NaN": (*_obs(likelihood="event_by", threshold=NAN),
                                  "entry 'strength-2017' field 'threshold'"),
    "claimed quantity NaN": ("claims.yaml", lambda d: entry(d, "strength-2017")["quantity"]
                             .update(low=NAN), "entry 'strength-2017' field 'quantity.low'"),
    "claimed value infinite": ("claims.yaml", lambda d: entry(d, "strength-2015")["quantity"]
                               .update(value=INF), "entry 'strength-2015' field 'quantity.value'"),
    "parameter default infinite": (*_param("loss_rate", default=INF),
                                   "entry 'loss_rate' field 'default'"),
    "per-member default NaN": (*_param("loss_rate", default={"a": 0.1, "b": NAN}),
                               "entry 'loss_rate' field 'default.b'"),
    "prior argument NaN": (*_param("recruit_rate", prior={"dist": "uniform", "low": NAN,
                                                          "high": 200}),
                           "entry 'recruit_rate' field 'prior.low'"),
    "default outside a uniform prior": (*_param("recruit_rate", default=500),
                                        "entry 'recruit_rate' field 'default'"),
    "default outside a beta prior": (*_param("inflation", default=7.5,
                                             prior={"dist": "beta", "alpha": 2, "beta": 2}),
                                     "entry 'inflation' field 'default'"),
    "lever factor NaN": ("scenarios.yaml", lambda d: entry(d, "recruitment-halved")["levers"][0]
                         .update(multiply=NAN), "entry 'recruitment-halved' field 'levers.0"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_number_that_is_not_finite_or_not_allowed_is_refused_at_load(toy, case):
    name, change, where = CASES[case]
    edit_yaml(toy / name, change)
    fails(toy.parent, "run", "--system", toy, "--draws", 20, says=(name, where))


def test_nan_during_a_run_names_the_variable_the_month_and_the_draws_parameters(toy):
    path = toy / "model.py"
    text = path.read_text().replace('m.flow("recruitment", None, fighters, p("recruit_rate"),',
                                    'rate = p("recruit_rate")\n    m.flow("recruitment", None, '
                                    'fighters, rate,')
    path.write_text(text.replace('p("loss_rate") * fighters',
                                 'p("loss_rate") * fighters * ((rate - 100) / rate) ** 0.5'))
    line = fails(toy.parent, "run", "--system", toy, "--draws", 50,
                 says=("'losses' became NaN at 2015-01 (draw ", "; its parameters recruit_rate="))
    assert float(line.split("recruit_rate=")[1].rstrip(")").split(",")[0]) < 100
