"""The engine: vectorised runs, non-negative stocks, chunking, interventions, errors."""

import zlib

import numpy as np
import pytest

from prospects.engine import (
    Intervention,
    InterventionError,
    NonFiniteError,
    compiled,
    simulate,
)
from prospects.engine.sampling import BLOCK, _uniform_rows, stream, uniforms
from prospects.sd import (
    Model,
    ModelError,
    if_then_else,
    ramp,
    random_uniform,
    smooth,
    step,
    total,
)


class Uniform:
    def __init__(self, low, high):
        self.low, self.high = low, high

    def ppf(self, u):
        return self.low + (self.high - self.low) * u


def decay_model(dt=1.0):
    m = Model("decay", start="2015-01", stop="2016-12", dt=dt)
    area = m.dimension("area", ["a", "b"])
    rate = m.param("rate", 0.1, unit="1/month")
    inflow = m.param("inflow", [5.0, 0.0], unit="person/month", dims=[area])
    people = m.stock("people", 100, unit="person", dims=[area])
    m.flow("arrive", None, people, inflow)
    m.flow("leave", people, None, rate * people)
    m.flow("purge", people, None, step(500.0, "2016-01"), unit="person/month")
    m.aux("all_people", total(people, "area"), unit="person", record=True)
    return m


def test_draws_run_in_one_pass_and_match_single_runs():
    m = decay_model()
    rates = np.array([0.05, 0.1, 0.2])
    batch = simulate(m, draws=3, params={"rate": rates})
    for i, r in enumerate(rates):
        single = simulate(m, params={"rate": r})
        assert np.array_equal(batch.people.isel(draw=i).values, single.people.isel(draw=0).values)
    assert batch.people.dims == ("draw", "time", "area")
    assert str(batch.time.values[0])[:7] == "2015-01"
    assert str(batch.time.values[-1])[:7] == "2016-12"
    assert batch.people.attrs["units"] == "person"


def test_nonnegative_stock_never_goes_negative_and_the_limit_is_recorded():
    out = simulate(decay_model())
    assert float(out.people.min()) >= 0.0
    scale = out.people_outflow_scale.isel(draw=0)
    assert float(scale.sel(time="2015-06").min()) == 1.0  # not limited before the purge
    assert float(scale.sel(time="2016-01").min()) < 1.0  # limited when the purge begins
    # the flows actually delivered are what emptied the stock: no mass created or lost
    people = out.people.isel(draw=0)
    net = (out.arrive - out.leave - out.purge).isel(draw=0)
    assert np.allclose(people.diff("time").values, net.isel(time=slice(0, -1)).values)


def test_a_run_computes_only_what_its_outputs_read():
    m = Model("pruned", start="2015-01", stop="2015-12")
    base = m.aux("base", 10.0 + 0.0 * m.param("k", 1.0))
    kept = m.stock("kept", base, unit="1", nonnegative=False)  # its start reads an auxiliary
    m.flow("grow", None, kept, 0.1 * kept * m.param("per_month", 1.0, unit="1/month"))
    idle = m.stock("idle", 1.0, unit="1", nonnegative=False)
    m.flow("fill", None, idle, smooth(kept, 3.0) * m.param("fill_rate", 0.01, unit="1/month"))
    m.aux("view", smooth(idle, 2.0) * 2.0)
    needed = compiled(m).needed(["kept"])
    assert {"kept", "grow", "base", "k", "per_month"} <= needed
    assert not needed & {"idle", "fill", "fill_rate", "view", "view_smooth", "fill_smooth"}
    alone = simulate(m, outputs=["kept"]).kept.values
    with_all = simulate(m)
    assert np.array_equal(alone, with_all.kept.values)
    assert float(with_all.idle.isel(draw=0, time=-1)) > 1.0


def test_flows_decompose_the_change_of_a_stock_with_a_fine_dt():
    out = simulate(decay_model(dt=0.25)).isel(draw=0)
    change = out.people.diff("time").values
    net = (out.arrive - out.leave - out.purge).isel(time=slice(0, -1)).values
    assert np.allclose(change, net)


def test_same_seed_same_numbers_whatever_the_chunk_size():
    m = decay_model()
    priors = {"rate": Uniform(0.01, 0.3)}
    whole = simulate(m, draws=3000, priors=priors, seed=7)
    chunked = simulate(m, draws=3000, priors=priors, seed=7, chunk=1000)
    assert np.array_equal(whole.people.values, chunked.people.values)
    assert np.array_equal(whole.rate.values, chunked.rate.values)
    other = simulate(m, draws=3000, priors=priors, seed=8)
    assert not np.array_equal(whole.rate.values, other.rate.values)


def test_memory_bound_sets_the_chunk_size_without_changing_results():
    m = decay_model()
    priors = {"rate": Uniform(0.01, 0.3)}
    small = simulate(m, draws=5000, priors=priors, max_memory_mb=1)
    large = simulate(m, draws=5000, priors=priors, max_memory_mb=1000)
    assert np.array_equal(small.all_people.values, large.all_people.values)


def test_interventions_multiply_or_set_within_their_window_and_members():
    m = decay_model()
    base = simulate(m).isel(draw=0)
    doubled = simulate(m, interventions=[
        Intervention("leave", multiply=2.0, start="2015-06", end="2015-09")]).isel(draw=0)
    assert np.array_equal(doubled.people.sel(time=slice(None, "2015-06")).values,
                          base.people.sel(time=slice(None, "2015-06")).values)
    assert np.allclose(doubled.leave.sel(time="2015-07").values,
                       2 * 0.1 * doubled.people.sel(time="2015-07").values)
    only_a = simulate(m, interventions=[
        Intervention("inflow", set=50.0, where={"area": "a"}, start=3)]).isel(draw=0)
    assert np.allclose(only_a.arrive.sel(time="2015-05").values, [50.0, 0.0])
    assert np.allclose(only_a.arrive.sel(time="2015-02").values, [5.0, 0.0])


def test_per_draw_intervention_values():
    m = decay_model()
    out = simulate(m, draws=2, interventions=[Intervention("rate", set=np.array([0.0, 0.5]))])
    assert np.allclose(out.leave.isel(draw=0, time=0).values, 0.0)
    assert np.allclose(out.leave.isel(draw=1, time=0).values, 50.0)


def test_bad_interventions_are_refused_before_running():
    m = decay_model()
    with pytest.raises(InterventionError, match="'nope' is not a parameter, flow or auxiliary"):
        simulate(m, interventions=[Intervention("nope", multiply=2)])
    with pytest.raises(InterventionError, match="both set 'rate' over the same time"):
        simulate(m, interventions=[Intervention("rate", set=0.1, start="2015-03", end="2015-09"),
                                   Intervention("rate", set=0.2, start="2015-06")])
    simulate(m, interventions=[Intervention("rate", set=0.1, end="2015-06"),
                               Intervention("rate", set=0.2, start="2015-06")])  # adjacent: fine
    with pytest.raises(InterventionError, match="no dimension 'side'"):
        simulate(m, interventions=[Intervention("inflow", set=1, where={"side": "x"})])


def test_bad_parameters_are_refused():
    m = decay_model()
    with pytest.raises(ModelError, match="no parameter 'speed'"):
        simulate(m, params={"speed": 1.0})
    with pytest.raises(ModelError, match="'rate': values must be finite"):
        simulate(m, params={"rate": np.nan})


def test_nan_names_the_first_variable_and_time():
    m = Model("blowup", start="2015-01", stop="2015-12")
    x = m.aux("x", m.time - 4)
    m.aux("root", (x / (x * 0 + m.time - 4)) * 0 + 1, record=True)
    level = m.stock("level", 1.0, unit="1")
    m.flow("grow", None, level, m["root"] * m.param("k", 1.0, unit="1/month"))
    with pytest.raises(NonFiniteError, match=r"'root' became NaN at 2015-05 \(draw 0\)"):
        simulate(m, outputs=["level"])


def test_chains_of_products_give_the_product_whatever_the_order_they_run_in():
    m = Model("chain", start="2015-01", stop="2015-03")
    area = m.dimension("area", ["a", "b", "c"])
    weight = m.param("weight", [1.0, 2.0, 3.0], dims=[area])
    k = m.param("k", 2.0)
    level = m.stock("level", weight * 10.0, unit="1", dims=[area], nonnegative=False)
    m.aux("chain", (level * 0.5) * (k * (weight - 1.0)) * k, record=True)
    out = simulate(m, draws=2, params={"k": np.array([2.0, 3.0])}).isel(time=0)
    expected = np.array([[10.0, 20.0, 30.0]]) * 0.5 * np.array([[0.0, 1.0, 2.0]])
    expected = expected * np.array([[4.0], [9.0]])
    assert np.allclose(out.chain.values, expected, rtol=1e-12)


def test_limited_stocks_in_a_chain_conserve_what_moves_whatever_the_chunks():
    m = Model("chain_of_stocks", start="2015-01", stop="2016-12")
    pull = m.param("pull", 1.0, unit="1/month")
    first = m.stock("first", 50.0, unit="person")
    middle = m.stock("middle", 5.0, unit="person")
    last = m.stock("last", 0.0, unit="person")
    m.flow("into_first", None, first, 4.0 * pull * m.param("people", 1.0, unit="person"))
    m.flow("onward", first, middle, pull * 30.0 * m.param("scale", 1.0, unit="person"))
    m.flow("out", middle, last, pull * middle * 2.0)  # asks for more than there is
    pulls = np.linspace(0.01, 1.0, 12)  # small pulls never run short; large ones do
    whole = simulate(m, draws=12, params={"pull": pulls}, chunk=12)
    pieces = simulate(m, draws=12, params={"pull": pulls}, chunk=3)
    for name in ("first", "middle", "last", "onward", "out"):
        assert np.array_equal(whole[name].values, pieces[name].values)
    assert float(whole.middle.min()) >= 0.0 and float(whole.first.min()) >= 0.0
    total = (whole["first"] + whole.middle + whole["last"]).values
    added = np.cumsum(whole.into_first.values, axis=1)
    assert np.allclose(total[:, 1:], 55.0 + added[:, :-1])
    assert float(whole.middle_outflow_scale.min()) < 1.0
    assert float(whole.middle_outflow_scale.isel(draw=0).min()) == 1.0


def test_a_condition_on_time_alone_keeps_the_shape_of_both_branches():
    m = Model("switch", start="2015-01", stop="2015-06")
    area = m.dimension("area", ["a", "b"])
    size = m.param("size", [1.0, 2.0], dims=[area])
    gate = m.param("gate", 3.0, unit="month")
    switched = m.aux("switched", if_then_else(m.time > gate, size * 10.0, 0.0), record=True)
    per_month = m.param("per_month", 1.0, unit="1/month")
    m.aux("first", switched.sel(area="b") + ramp(per_month, 1.0, 2.0), record=True)
    out = simulate(m, draws=2).isel(draw=1)
    assert out.switched.shape == (6, 2)
    assert out.switched.values[:4].tolist() == [[0.0, 0.0]] * 4
    assert out.switched.values[4:].tolist() == [[10.0, 20.0]] * 2
    assert out["first"].values.tolist() == [0.0, 0.0, 1.0, 1.0, 21.0, 21.0]


def test_operations_that_reuse_temporaries_leave_variables_as_they_were():
    m = Model("temporaries", start="2015-01", stop="2015-04")
    area = m.dimension("area", ["a", "b"])
    base = m.param("base", [1.0, 2.0], dims=[area])
    level = m.stock("level", base * 1.0, unit="1", dims=[area], nonnegative=False)
    m.flow("grow", None, level, level * 0.5 * m.param("per_month", 1.0, unit="1/month"))
    m.aux("tripled", level * 2.0 + level, record=True)
    m.aux("negated", -level - level * (level / level), record=True)
    m.aux("scaled", total(level * 2.0, "area") * level * 3.0, record=True)
    out = simulate(m, draws=3).isel(draw=0)
    expected = np.array([1.0, 2.0]) * 1.5 ** np.arange(4)[:, None]
    assert np.allclose(out.level.values, expected)
    assert np.allclose(out.tripled.values, 3 * expected)
    assert np.allclose(out.negated.values, -2 * expected)
    assert np.allclose(out.scaled.values, 6 * expected.sum(axis=1, keepdims=True) * expected)


def random_model():
    m = Model("noisy", start="2015-01", stop="2016-12")
    area = m.dimension("area", ["a", "b", "c"])
    low = m.param("low", [0.0, 1.0, 2.0], dims=[area])
    m.aux("noise", random_uniform(low, low + 0.5), record=True)
    m.aux("shock", random_uniform(-1.0, 1.0), record=True)
    return m


def test_random_numbers_have_a_stream_per_draw_whatever_the_chunks():
    m = random_model()
    whole = simulate(m, draws=2500, seed=7)
    chunked = simulate(m, draws=2500, seed=7, chunk=700)
    alone = simulate(m, draws=2500, seed=7, outputs=["shock"])
    assert np.array_equal(whole.noise.values, chunked.noise.values)
    assert np.array_equal(whole.shock.values, alone.shock.values)
    assert not np.array_equal(whole.shock.values, simulate(m, draws=2500, seed=8).shock.values)
    noise = whole.noise.values  # draw, time, area
    low = np.array([0.0, 1.0, 2.0])
    assert np.all(noise >= low) and np.all(noise < low + 0.5)
    assert abs(float(whole.shock.mean())) < 0.02  # uniform on (-1, 1)
    assert len(np.unique(noise)) == noise.size  # new numbers each draw, step and member



@pytest.mark.parametrize("key", [(0, 0, 12345), (7, 3, 2**32 - 1), (2**40 + 5, 1, 99),
                                 (3, 2, 4_000_000_000, 17), (1,)])
def test_draws_are_numpys_seeded_generators_bit_for_bit(key):
    """The random numbers of a key are those of ``np.random.default_rng(list(key))``,
    which the engine builds its own way for speed (every draw of every ensemble made
    before depends on it)."""
    keys = [key, (key[0] + 1,) + key[1:]]
    for row, k in zip(_uniform_rows(keys, 300), keys, strict=True):
        assert np.array_equal(row, np.random.default_rng(list(k)).random(300))


def test_parameter_draws_and_random_streams_are_blocks_of_seeded_generators():
    crc = zlib.crc32(b"rate")
    expected = np.concatenate([np.random.default_rng([5, b, crc]).random(BLOCK)
                               for b in range(3)])
    assert np.array_equal(uniforms("rate", 700, 2000, 5), expected[700:2700])
    crc = zlib.crc32(b"stream noise")
    expected = np.concatenate([np.random.default_rng([5, b, crc, 4]).random((6, BLOCK))
                               for b in range(2)], axis=1).reshape(2, 3, -1)
    assert np.array_equal(stream("noise", 4, (2, 3), 100, 1500, 5), expected[..., 100:1600])
