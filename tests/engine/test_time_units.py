"""Time in any unit: numeric start and stop, a save step that is any multiple of dt."""

import numpy as np
import pytest

from prospects.engine import simulate
from prospects.sd import Model, ModelError


def decay(**time):
    m = Model("decay", **time)
    level = m.stock("level", 100.0, unit="kg", nonnegative=False)
    rate = m.param("rate", 0.1, unit=f"1 / {m.time_unit}")
    m.flow("drain", level, None, level * rate)
    return m


def test_numeric_time_in_hours_saves_every_half_hour():
    m = decay(start=5.0, stop=7.0, dt=0.25, output_step=0.5, time_unit="hour")
    ds = simulate(m, outputs=["level"])
    np.testing.assert_allclose(ds["time"].values, [5.0, 5.5, 6.0, 6.5, 7.0])
    assert ds["time"].attrs["units"] == "hour"
    expected = 100.0 * (1 - 0.1 * 0.25) ** (2 * np.arange(5))
    np.testing.assert_allclose(ds["level"].isel(draw=0).values, expected)


def test_time_reads_the_model_clock():
    m = Model("clock", start=10, stop=12, dt=1, time_unit="day")
    m.aux("now", m.time, unit="day", record=True)
    m.stock("s", 0.0, unit="day")
    ds = simulate(m, outputs=["now"])
    np.testing.assert_allclose(ds["now"].isel(draw=0).values, [10, 11, 12])


def test_calendar_dates_need_a_monthly_or_yearly_clock():
    with pytest.raises(ModelError, match="calendar dates need a time unit"):
        Model("bad", start="2015-01", stop="2016-01", time_unit="day")
    yearly = decay(start="2015-01", stop="2018-01", time_unit="year")
    ds = simulate(yearly, outputs=["level"])
    assert [str(t)[:7] for t in ds["time"].values] == ["2015-01", "2016-01", "2017-01", "2018-01"]


def test_save_step_must_be_a_multiple_of_dt():
    with pytest.raises(ModelError, match="multiple of dt"):
        Model("bad", start=0, stop=1, dt=0.3, output_step=0.5, time_unit="second")
