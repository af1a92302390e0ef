"""A textbook illustration, not an assessment of any real group: Deitchman's guerrilla
Lanchester model (S. J. Deitchman, "A Lanchester Model of Guerrilla Warfare", Operations
Research 10(6), 1962, pp. 818-827; extended by M. B. Schaffer, "Lanchester Models of
Guerrilla Engagements", Operations Research 16(3), 1968, pp. 457-488).

A hidden force ``x`` (guerrillas) fights a visible force ``y`` (government forces). The
government cannot see whom it shoots at, so its fire is "area fire": guerrilla losses grow
with both sides' numbers (a·x·y). The guerrillas see their targets ("aimed fire"), so
government losses grow with the guerrillas' numbers alone (b·x). Both sides also lose
people outside combat (e·x, j·y) and receive reinforcements (f, g):

    dx/dt = -a·x·y - e·x + f        dy/dt = -b·x - j·y + g

Time is in months; the dates and every figure in this folder are invented for the example.
"""

from prospects.sd import Model


def build(parameters):
    m = Model("guerrilla", start="2000-01", stop="2010-12", dt=1.0,
              doc="Deitchman's guerrilla Lanchester model (1962), a textbook illustration")

    def p(name):
        spec = parameters[name]
        return m.param(name, spec.default, unit=spec.unit, doc=spec.rationale,
                       claims=spec.claims)

    x = m.stock("guerrillas", p("initial_guerrillas"), unit="person", label="Guerrillas",
                doc="The hidden force (x)", claims=["deitchman-hidden-force"])
    y = m.stock("forces", p("initial_forces"), unit="person", label="Government forces",
                doc="The visible force (y)", claims=["deitchman-visible-force"])
    m.flow("area_fire_losses", x, None, p("area_fire") * x * y, label="Losses to area fire",
           doc="a·x·y: the government must find the guerrillas, so losses scale with both",
           claims=["deitchman-area-fire"])
    m.flow("guerrilla_dropout", x, None, p("guerrilla_attrition") * x,
           label="Guerrilla desertion and disease", doc="e·x: losses outside combat")
    m.flow("recruits", None, x, p("guerrilla_recruitment"),
           label="Guerrilla recruits", doc="f: recruits and outside supply",
           claims=["deitchman-reinforcement"])
    m.flow("aimed_fire_losses", y, None, p("aimed_fire") * x, label="Losses to aimed fire",
           doc="b·x: guerrillas see their targets, so losses scale with their numbers",
           claims=["deitchman-aimed-fire"])
    m.flow("force_dropout", y, None, p("force_attrition") * y,
           label="Rotation and non-battle losses", doc="j·y: losses outside combat")
    m.flow("reinforcements", None, y, p("force_reinforcement"),
           label="Government reinforcements", doc="g: new troops sent",
           claims=["deitchman-reinforcement"])
    m.aux("force_ratio", y / (x + 1.0), unit="1", record=True, label="Force ratio (y per x)",
          doc="Government soldiers per guerrilla", claims=["schaffer-force-ratio"])
    return m
