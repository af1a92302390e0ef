"""The modelling language: builtins, broadcasting by name, checks and inspection."""

import numpy as np
import pytest

from prospects.engine import simulate
from prospects.interop.dot import to_dot
from prospects.sd import (
    Model,
    ModelError,
    clip,
    if_then_else,
    logistic,
    maximum,
    mean,
    minimum,
    pulse,
    ramp,
    smooth,
    step,
    total,
)
from prospects.sd.inspect import describe


def run1(model, name):
    return simulate(model, outputs=[name])[name].isel(draw=0).values


def test_time_builtins_follow_their_definitions():
    m = Model("t", start="2015-01", stop="2015-12")
    m.aux("s", step(2.0, "2015-04"), record=True)
    m.aux("p", pulse(3, 2), record=True)
    m.aux("r", ramp(1.5, 2, 5), record=True)
    m.aux("c", clip(m.time - 3, 0, 4), record=True)
    m.aux("i", if_then_else(m.time >= 6, 10, -10), record=True)
    out = simulate(m, outputs=["s", "p", "r", "c", "i"]).isel(draw=0)
    t = np.arange(12.0)
    assert np.array_equal(out.s.values, np.where(t >= 3, 2.0, 0.0))
    assert np.array_equal(out.p.values, np.where((t >= 3) & (t < 5), 1.0, 0.0))
    assert np.allclose(out.r.values, 1.5 * (np.clip(t, 2, 5) - 2))
    assert np.allclose(out.c.values, np.clip(t - 3, 0, 4))
    assert np.array_equal(out.i.values, np.where(t >= 6, 10.0, -10.0))


def test_lookup_interpolates_and_holds_its_ends():
    m = Model("t", start="2015-01", stop="2015-12")
    table = m.lookup("table", [(2, 0), (4, 10), (6, 0)])
    m.aux("y", table(m.time), record=True)
    y = run1(m, "y")
    assert np.allclose(y, np.interp(np.arange(12.0), [2, 4, 6], [0, 10, 0]))
    assert y[0] == 0 and y[11] == 0 and y[3] == 5


def test_logistic_minimum_maximum():
    m = Model("t", start="2015-01", stop="2015-06")
    months = m.aux("months", m.time * m.param("per_month", 1.0, unit="1/month"))
    m.aux("l", logistic(months, 2.0, 3.0), record=True)
    m.aux("mn", minimum(m.time, 2), record=True)
    m.aux("mx", maximum(m.time, 2), record=True)
    out = simulate(m, outputs=["l", "mn", "mx"]).isel(draw=0)
    t = np.arange(6.0)
    assert np.allclose(out.l.values, 1 / (1 + np.exp(-2 * (t - 3))))
    assert np.array_equal(out.mn.values, np.minimum(t, 2))
    assert np.array_equal(out.mx.values, np.maximum(t, 2))


def test_smooth_is_a_first_order_delay_starting_at_its_input():
    m = Model("t", start="2015-01", stop="2016-12", dt=0.25)
    x = m.aux("x", step(10.0, 2))
    m.aux("s", smooth(x, 4.0), record=True)
    s = run1(m, "s")
    assert s[0] == 0 and s[2] == 0
    # Euler with dt=0.25 approximates 10 * (1 - exp(-(t - 2) / 4))
    assert abs(s[10] - 10 * (1 - np.exp(-2))) < 0.2
    assert np.all(np.diff(s[2:]) > 0)


def test_broadcasting_follows_dimension_names_not_positions():
    m = Model("t", start="2015-01", stop="2015-03")
    area = m.dimension("area", ["a", "b", "c"])
    side = m.dimension("side", ["x", "y"])
    pa = m.param("pa", [1, 2, 3], dims=[area])
    ps = m.param("ps", [10, 100], dims=[side])
    prod = m.aux("prod", ps * pa, record=True)
    m.aux("by_side", total(prod, "area"), record=True)
    m.aux("avg", mean(prod, "side"), record=True)
    m.aux("one", prod.sel(area="b", side="y"), record=True)
    m.check()
    assert prod.dims == ("area", "side")
    out = simulate(m, outputs=["prod", "by_side", "avg", "one"]).isel(draw=0, time=0)
    assert out["prod"].dims == ("area", "side")
    assert out["prod"].sel(area="c", side="x") == 30
    assert list(out.by_side.values) == [60, 600]
    assert list(out.avg.values) == [55, 110, 165]
    assert out.one == 200


def test_duplicate_and_invalid_names_are_refused():
    m = Model("t")
    m.param("a", 1)
    with pytest.raises(ModelError, match="duplicate name 'a'"):
        m.aux("a", 2)
    with pytest.raises(ModelError, match="not a valid name"):
        m.param("2x", 1)


def test_unknown_variable_from_another_model():
    other = Model("other").param("stranger", 1)
    m = Model("t")
    m.aux("uses", other * 2)
    with pytest.raises(ModelError, match="'uses' uses unknown variable 'stranger'"):
        m.check()


def test_algebraic_loop_is_printed():
    m = Model("t")
    a = m.aux("a", 1.0)
    b = m.aux("b", a + 1)
    a.expr = b * 2  # close the loop a -> b -> a
    loop = r"algebraic loop among auxiliaries: (a -> b -> a|b -> a -> b)"
    with pytest.raises(ModelError, match=loop):
        m.check()


def test_dimension_mismatch_names_both_sides():
    m = Model("t")
    area = m.dimension("area", ["a", "b"])
    side = m.dimension("side", ["x", "y"])
    pa = m.param("pa", [1, 2], dims=[area])
    ps = m.param("ps", [1, 2], dims=[side])
    m.aux("bad", pa * ps, dims=[area])
    with pytest.raises(ModelError, match=r"'bad': dimension mismatch: equation has \(area, side\) "
                       r"but 'bad' is declared \(area\)"):
        m.check()


def test_flow_between_stocks_of_different_dimensions():
    m = Model("t")
    area = m.dimension("area", ["a", "b"])
    s1 = m.stock("s1", 1, unit="person", dims=[area])
    s2 = m.stock("s2", 1, unit="person")
    m.flow("move", s1, s2, m.param("r", 0.1, unit="person/month"))
    with pytest.raises(ModelError, match=r"flow 'move' connects stocks of different dimensions"):
        m.check()


def test_selecting_or_summing_a_missing_dimension():
    m = Model("t")
    m.dimension("area", ["a", "b"])
    p = m.param("p", 1)
    m.aux("bad", total(p, "area"))
    with pytest.raises(ModelError, match="dimension mismatch"):
        m.check()


def test_units_must_agree():
    m = Model("t")
    people = m.stock("people", 10, unit="person")
    cash = m.stock("cash", 10, unit="USD")
    m.aux("nonsense", people + cash)
    with pytest.raises(ModelError, match=r"units disagree in 'nonsense'.*people \+ cash"):
        m.check()


def test_flow_unit_is_stock_unit_per_month():
    m = Model("t")
    people = m.stock("people", 10, unit="person")
    m.flow("leave", people, None, m.param("k", 0.1, unit="1/month") * people)
    m.check()  # person/month: fine
    m2 = Model("t2")
    people = m2.stock("people", 10, unit="person")
    m2.flow("leave", people, None, m2.param("k", 0.1) * people)
    with pytest.raises(ModelError, match="units disagree in 'leave'"):
        m2.check()


def test_describe_and_dot():
    m = Model("t")
    people = m.stock("people", 10, unit="person", doc="head count", claims=["c1"])
    m.flow("leave", people, None, m.param("k", 0.1, unit="1/month") * people)
    rows = {r.name: r for r in describe(m)}
    assert rows["leave"].equation == "k * people"
    assert set(rows["leave"].depends_on) == {"k", "people"}
    assert rows["people"].claims == ("c1",)
    assert "leave" in rows["people"].equation
    dot = to_dot(m)
    assert dot.startswith('digraph "t"')
    assert '"people" -> "leave" [penwidth=3' in dot
    assert '"k" -> "leave" [style=dashed' in dot


def test_dot_breaks_the_line_before_a_variables_dimensions():
    m = Model("d", start="2020-01", stop="2020-06")
    area = m.dimension("area", ["north", "south"])
    m.stock("held", 1.0, unit="1", dims=[area])
    assert '"held" [shape=box, label="held\\n[area]"];' in to_dot(m)
