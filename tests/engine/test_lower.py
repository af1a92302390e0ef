"""The lowered form: hidden states as stocks, explicit limits, floors, overrides, order."""

import numpy as np
import pytest

from prospects.engine import Intervention, simulate
from prospects.engine.lower import lower
from prospects.sd import Model, ModelError, delay3, delay_fixed, smooth
from prospects.sd.render import render


def model():
    m = Model("lowered", start="2015-01", stop="2015-12")
    area = m.dimension("area", ["a", "b"])
    rate = m.param("rate", [0.1, 0.2], unit="1/month", dims=[area])
    people = m.stock("people", 10.0, unit="person", dims=[area])
    m.flow("leave", people, None, delay3(rate * people, 3.0))
    m.aux("seen", smooth(people, 2.0), unit="person")
    return m


def test_hidden_states_become_stocks_with_flows_and_equations_read_them():
    low = lower(model().check())
    names = [s.name for s in low.stocks]
    assert names == ["people", "leave_delay3__1", "leave_delay3__2", "leave_delay3__3",
                     "seen_smooth"]
    third = low.stocks[3]
    assert [f.name for f in third.inflows] == ["leave_delay3__flow3"]
    assert render(third.outflows[0].rate) == "leave_delay3__3 / (3 / 3)"
    by_name = {a.var.name: a for a in low.assignments}
    assert render(by_name["leave__raw"].expr) == "leave_delay3__flow4"
    assert render(by_name["seen"].expr) == "seen_smooth"
    assert low.dims(by_name["seen"].expr) == ("area",)


def test_limits_floors_and_order_are_explicit():
    low = lower(model().check())
    (limit,) = low.limits
    assert limit.stock.name == "people" and list(limit.raws) == ["leave"]
    assert render(limit.expr) == ("minimum(1, maximum(0, if_then_else(leave__raw > "
                                  "people / 1, zidz(people / 1, leave__raw), 1)))")
    assert render(low.floors["people"]) == "maximum(0, -(people / 1 + -leave))"
    order = [a.var.name for a in low.assignments]
    assert order.index("leave__raw") < order.index("people_outflow_scale") < order.index("leave")


def test_interventions_become_overrides_with_masks_and_windows():
    m = model()
    (override,) = lower(m.check()).overrides(
        [Intervention("leave", multiply=2.0, start="2015-03", where={"area": "b"})])
    assert override.target == "leave__raw" and override.how == "multiply"
    assert override.mask.tolist() == [False, True]
    assert (override.start, override.end) == (2.0, np.inf)


def test_a_fixed_delay_takes_its_length_at_the_start_and_fixes_what_it_reads():
    m = Model("t", start="2015-01", stop="2015-12")
    m.aux("late", delay_fixed(m.time, m.param("d", 2.0, unit="month") + 0 * m.time, 0.0))
    low = lower(m.check())
    (state,) = low.states.values()
    assert len(state.stocks) == 2  # 2 months of monthly steps
    assert low.fixed == {"d": "the delay of delay_fixed in 'late'"}
    with pytest.raises(ModelError, match="parameter 'd' sets the delay of delay_fixed in "
                                         "'late', which is fixed when the model is built"):
        simulate(m, draws=2, params={"d": [2.0, 3.0]})


def test_a_fixed_delay_needs_a_number_known_at_the_start():
    m = Model("t", start="2015-01", stop="2015-12")
    m.dimension("area", ["a", "b"])
    m.aux("late", delay_fixed(m.time, m.param("d", [1.0, 2.0], dims=["area"], unit="month"), 0.0))
    with pytest.raises(ModelError, match="'late': the delay of delay_fixed must be a number "
                                         "known at the start of the run, not the subscripted"):
        lower(m.check())
