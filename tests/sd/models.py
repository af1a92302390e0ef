"""Example models that together use every construct the Vensim exporter writes."""

from prospects.sd import (
    Model,
    absolute,
    clip,
    delay1,
    delay3,
    delay_fixed,
    exp,
    if_then_else,
    integer,
    log,
    logistic,
    maximum,
    mean,
    minimum,
    modulo,
    pulse,
    ramp,
    smooth,
    smooth3,
    sqrt,
    step,
    total,
    trend,
)


def arrays() -> Model:
    """Two dimensions: 2-D and 1-D stocks, sums and means over each, selected members,
    flows into, out of and between stocks, a 2-D parameter; dt finer than the output."""
    m = Model("arrays", start="2015-01", stop="2017-12", dt=0.25, output_step=1)
    area = m.dimension("area", ["Nangarhar", "Kunar", "Jowzjan"])
    faction = m.dimension("faction", ["Pashtun", "Central"])
    recruit = m.param("recruit", [[3.0, 1.0], [2.0, 0.5], [0.5, 2.0]], unit="person/month",
                      dims=[area, faction], doc="recruits a month | by area ~ faction\nline 2")
    attrition = m.param("attrition", 0.03, unit="1/month")
    retire_rate = m.param("retire_rate", [0.01, 0.02], unit="1/month", dims=[faction])
    start = m.param("start_fighters", [[120.0, 30.0], [80.0, 10.0], [20.0, 60.0]],
                    unit="person", dims=[area, faction])
    budget = m.param("budget", [5e3, 2e3, 1e3], unit="USD/month", dims=[area])
    cost = m.param("cost", 20.0, unit="USD/person/month")
    fighters = m.stock("fighters", start, unit="person", dims=[area, faction])
    veterans = m.stock("veterans", 0.0, unit="person", dims=[area, faction])
    funds0 = m.param("funds0", [2e4, 5e3, 1e3], unit="USD", dims=[area])
    funds = m.stock("funds", funds0, unit="USD", dims=[area])
    pressure = m.aux("pressure", fighters.sel(area="Nangarhar") / mean(fighters, "area"))
    m.flow("recruitment", None, fighters, recruit * (1 + 0.1 * pressure))
    m.flow("losses", fighters, None, attrition * fighters)
    m.flow("retirement", fighters, veterans, retire_rate * fighters)
    m.flow("income", None, funds, budget)
    m.flow("spending", funds, None, cost * total(fighters, "faction"))
    m.aux("all_fighters", total(total(fighters, "faction"), "area"), unit="person")
    m.aux("by_faction", mean(fighters, "area"), unit="person")
    m.aux("kunar_central", fighters.sel(area="Kunar", faction="Central"), unit="person")
    m.aux("share", fighters / total(fighters, "area"))
    return m


def lookups_and_smooths() -> Model:
    """Two lookups (one over an arrayed input), SMOOTH of a scalar and of an array,
    logistic."""
    m = Model("lookups", start="2015-01", stop="2018-12", dt=0.5, output_step=1)
    area = m.dimension("area", ["A", "B"])
    money_effect = m.lookup("money_effect", [(0, 0.2), (500, 0.6), (2000, 1.0), (8000, 1.1)],
                            x_unit="USD/month", y_unit="1")
    crowding = m.lookup("crowding", [(0, 1.0), (100, 0.9), (300, 0.3)], x_unit="person",
                        y_unit="1")
    base = m.param("base_recruit", [12.0, 6.0], unit="person/month", dims=[area])
    donations = m.param("donations", 1500.0, unit="USD/month")
    delay = m.param("perception_delay", 4.0, unit="month")
    people0 = m.param("people0", [50.0, 20.0], unit="person", dims=[area])
    people = m.stock("people", people0, unit="person", dims=[area])
    months = m.time * m.param("per_month", 1.0, unit="1/month")
    income = m.aux("income", donations * (1 + 0.5 * logistic(months, 0.3, 24)),
                   unit="USD/month")
    perceived = m.aux("perceived_income", smooth(income, delay), unit="USD/month")
    m.flow("recruits", None, people, base * money_effect(perceived) * crowding(people))
    lifetime = m.aux("lifetime", smooth(24.0 + people / 10 * m.param("mpp", 1.0,
                                                                      unit="month/person"),
                                        3.0), unit="month")
    m.flow("deaths", people, None, people / lifetime)
    return m


def smooth_with_init() -> Model:
    """SMOOTHI: smooths that start from a value of their own."""
    m = Model("smoothi", start="2015-01", stop="2016-12", dt=0.5, output_step=1)
    area = m.dimension("area", ["A", "B"])
    people = m.stock("people", m.param("people0", [50.0, 20.0], unit="person", dims=[area]),
                     unit="person", dims=[area])
    m.flow("growth", None, people, people * m.param("rate", 0.05, unit="1/month"))
    m.aux("smoothed_people", smooth(people, 6.0, people * 0.5), unit="person")
    m.aux("perceived_total", smooth(total(people, "area"), 3.0, 10.0), unit="person")
    return m


def switches() -> Model:
    """STEP, PULSE, RAMP (dates and numbers), IF THEN ELSE, comparisons, :AND:, :OR:,
    :NOT:, conditions used as numbers, ABS, EXP, LN, SQRT, powers, MIN/MAX, Time."""
    m = Model("switches", start="2015-01", stop="2017-06", dt=0.25, output_step=1)
    per_month = m.param("per_month", 1.0, unit="1/month")
    level = m.param("level", 10.0, unit="person/month")
    t = m.time * per_month
    pressure = m.aux(
        "pressure",
        step(2.0, "2015-07") + 3 * pulse("2016-01", 2) + ramp(0.5 * per_month, 4, "2016-03")
        - if_then_else((t > 20) & ~(t > 25) | (t < 2), 1.5, 0.0),
    )
    wave = m.aux("wave", absolute(t - 12) ** 0.5 + exp(-t / 10) + log(1 + t) + sqrt(t + 4)
                 - (t >= 18) * 2 - (t == 9) + (t != 3) * 0.5 - 2 ** -(t / 6))
    x = m.stock("x", 10.0, unit="person", nonnegative=False)
    m.flow("gain", None, x, level * clip(pressure + wave / 5, -1, 4))
    m.flow("loss", x, None, maximum(minimum(x * per_month / 8, level), -level)
           * if_then_else(t <= 10, 1.0, 0.5 / -(per_month * -2.0 / per_month)))
    return m


def depletion() -> Model:
    """Non-negative stocks that empty: outflows limited, a chain of limited stocks (the
    inflow from one is not counted as available to the next), a negative inflow."""
    m = Model("depletion", start="2015-01", stop="2016-12", dt=0.25, output_step=1)
    area = m.dimension("area", ["A", "B", "C"])
    intake = m.param("intake", 10.0, unit="person/month")
    train_rate = m.param("train_rate", 50.0, unit="person/month")
    deploy_rate = m.param("deploy_rate", [30.0, 80.0, 5.0], unit="person/month", dims=[area])
    recruits = m.stock("recruits", 100.0, unit="person")
    trained0 = m.param("trained0", [40.0, 10.0, 0.0], unit="person", dims=[area])
    trained = m.stock("trained", trained0, unit="person", dims=[area])
    deployed = m.stock("deployed", 0.0, unit="person", dims=[area])
    m.flow("intake_flow", None, recruits, intake)
    m.flow("training", recruits, None, train_rate)
    m.flow("assignment", None, trained, train_rate / 3 * step(1.0, 6))
    m.flow("deployment", trained, deployed, deploy_rate)
    m.flow("desertion", trained, None, 0.5 * trained * m.param("r", 1.0, unit="1/month"))
    m.flow("losses", deployed, None, deployed * 0.2 * m.param("r2", 1.0, unit="1/month")
           + 3 * m.param("p2", 1.0, unit="person/month"))
    cash = m.stock("cash", 30.0, unit="USD")
    usd = m.param("usd_per_month", 1.0, unit="USD/month")
    m.flow("donations", None, cash, (8.0 - step(20.0, 10)) * usd)
    return m


def coarse_output() -> Model:
    """dt of 1/8 month, output every 3 months; arrayed smooth with per-area delays."""
    m = Model("coarse", start="2015-01", stop="2020-01", dt=0.125, output_step=3)
    area = m.dimension("area", ["north", "south"])
    delay = m.param("delay", [2.0, 7.0], unit="month", dims=[area])
    target = m.param("target", [100.0, 40.0], unit="person", dims=[area])
    force = m.stock("force", 10.0, unit="person", dims=[area])
    goal = m.aux("goal", target * (1 + ramp(0.02 * m.param("pm", 1.0, unit="1/month"),
                                            "2016-01", "2018-01")), unit="person")
    m.flow("build", None, force, (smooth(goal, delay) - force) / 6.0
           * m.param("rate", 1.0, unit="1/month"))
    return m


def nested() -> Model:
    """Sums inside sums, selections inside sums, a smooth read at one member, a 3-D
    parameter, and names Vensim would confuse (case, its own function names)."""
    m = Model("nested", start="2015-01", stop="2016-12", dt=0.5, output_step=1)
    area = m.dimension("area", ["A", "B", "C"])
    faction = m.dimension("faction", ["F", "G"])
    period = m.dimension("period", ["early", "late"])
    w = m.param("w", [[1.0, 2.0], [0.5, 0.5], [2.0, 1.0]], dims=[area, faction])
    cube = m.param("cube", [[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[9, 10], [11, 12]]],
                   dims=[area, faction, period], unit="person/month")
    x = m.stock("x", 10.0, unit="person", dims=[area, faction])
    m.flow("grow", None, x, cube.sel(period="early") * 0.1
           + x / total(x * total(w, "faction"), "area")
           * mean(mean(x, "area"), "faction") * m.param("g", 0.05, unit="1/month"))
    m.flow("shrink", x, None, x * 0.02 * m.param("s", 1.0, unit="1/month")
           + total(cube, "period") * 0.05)
    m.aux("Sum", total(x.sel(faction="G") * total(w, "faction"), "area"), unit="person")
    m.aux("step", smooth(x, 2.0).sel(area="B"), unit="person")
    m.aux("X2", x.sel(area="C") - smooth(x, 2.0).sel(area="C"), unit="person")
    m.aux("x2", mean(total(cube, "period"), "faction") * m.param("mo", 1.0, unit="month"),
          unit="person")
    return m


def delays() -> Model:
    """DELAY1, DELAY3 (with and without a start of their own), DELAY FIXED, SMOOTH3, TREND,
    INTEGER and MODULO, over an arrayed input; a delay of a delay; dt finer than output."""
    m = Model("delays", start="2015-01", stop="2017-12", dt=0.25, output_step=1)
    area = m.dimension("area", ["A", "B"])
    per_month = m.param("per_month", 1.0, unit="1/month")
    wait = m.param("wait", [3.0, 8.0], unit="month", dims=[area])
    base = m.param("base", [10.0, 4.0], unit="person/month", dims=[area])
    arrivals = m.aux("arrivals", base * (1 + step(1.5, "2015-07") - 0.5 * pulse("2016-03", 4)
                                         + ramp(0.1 * per_month, "2016-06", "2017-06")))
    people = m.stock("people", 20.0, unit="person", dims=[area])
    m.flow("admitted", None, people, delay3(arrivals, wait))
    m.flow("leaving", people, None, delay1(people * per_month * 0.1, 6.0, base * 0.5))
    m.aux("late", delay3(delay1(arrivals, 2.0), wait, base), unit="person/month")
    m.aux("shifted", delay_fixed(arrivals, 5.0, base * 2), unit="person/month")
    m.aux("seen", smooth3(people, wait), unit="person")
    m.aux("seen_from", smooth3(total(people, "area"), 4.0, 30.0), unit="person")
    m.aux("growth", trend(people, 6.0, 0.02 * per_month), unit="1/month")
    months = m.time * per_month
    m.aux("whole", integer(months / 4 - 3.5), unit="1")
    m.aux("cycle", modulo(months - 7, 5.0), unit="1")
    return m


def odds_and_ends() -> Model:
    """Numbers as conditions, :NOT: of a number, tiny and huge numbers, negative numbers
    everywhere, a stock with no flows, declared dimensions wider than the equation, a
    flow narrower than its stock, a lookup with negative values, a name with symbols."""
    m = Model("IS-K (2018) | odds ~ ends", start="2016-01", stop="2018-01", dt=0.5,
              output_step=2, doc="a model doc with | and ~\nand a newline")
    area = m.dimension("area", ["a1", "a2"])
    per_month = m.param("per_month", 1.0, unit="1/month")
    t = m.time * per_month
    tiny = m.param("tiny", 1.5e-7)
    huge = m.param("huge", 2.5e20)
    still = m.stock("still", m.param("still0", [3.0, -2.0], dims=[area]) * 1.0, unit="1",
                    dims=[area], nonnegative=False)
    kept = m.stock("kept", 1.0, unit="1", dims=[area])
    swing = m.lookup("swing", [(-10, -1), (0, 0.5), (10, -2)])
    m.flow("push", None, kept, (0.1 - tiny * huge / 1e13) * per_month)
    m.aux("wide", -t * -2.0 + 0 * still, unit="1", dims=[area])
    m.aux("flags", if_then_else(t - 6, 1.0, 0.0) + (~(t - 12)) * 2 + ((t > 3) & (t - 20)),
          unit="1")
    m.aux("bent", swing(t - 10) - (-3.0) ** 2 + (-t) ** 2 / 100 - 2 ** (-t / 4)
          + 1 / -(t + 1) - -still, unit="1")
    return m


ALL = [arrays, lookups_and_smooths, switches, depletion, coarse_output, nested,
       smooth_with_init, delays, odds_and_ends]
