"""The Islamic State-Khorasan conflict system, 2015-2021, as the 2018 assessment describes it.

Every parameter's default, unit, prior, rationale and claims come from parameters.yaml; the
claims behind each mechanism are named where the variable is made. Time is in months.
"""

from __future__ import annotations

from collections.abc import Mapping

from prospects.sd import (
    Model,
    if_then_else,
    logistic,
    maximum,
    pulse,
    step,
    total,
)

BASES = ("Nangarhar", "Kunar", "Badakhshan", "Zabul", "Jowzjan")
DONORS = ("saudi_institutional", "private_gulf")
THEATRES = ("afghanistan", "kabul", "pakistan")


def build(parameters: Mapping) -> Model:
    """The model, with each parameter taken from its spec (default, unit, rationale, claims)."""
    m = Model("isk", start="2015-01", stop="2021-12", dt=1.0, output_step=1,
              doc="Islamic State-Khorasan: manpower, money, territory, leadership and donors")
    base = m.dimension("base", BASES)
    donor = m.dimension("donor", DONORS)
    theatre = m.dimension("theatre", THEATRES)
    used: set[str] = set()

    def p(name: str, dims=()):
        if name in used:
            return m[name]
        spec = parameters[name]
        used.add(name)
        return m.param(name, spec.default, unit=spec.unit, dims=dims, doc=spec.rationale,
                       claims=spec.claims)

    # -- the outside world: the core's collapse, outside support, US strikes ----------
    collapse_shape = m.lookup(
        "collapse_shape",
        [(m.months("2016-10"), 0.0), (m.months("2017-07"), 0.5), (m.months("2018-03"), 0.9),
         (m.months("2018-09"), 1.0)],
        x_unit="month", y_unit="1",
        doc="Timing of the caliphate's loss of its cities: Mosul, Raqqa, the last towns",
    )
    caliphate = m.aux(
        "caliphate", 1 - p("collapse_depth") * collapse_shape(m.time), unit="1", record=True,
        doc="Standing of the Daesh core in Iraq and Syria (1 = 2015-2016)",
        claims=["caliphate-collapse-2017-2018", "core-expelled-from-cities-mar-2018"],
    )
    support_shape = m.lookup(
        "support_shape", [(m.months("2016-01"), 0.0), (m.months("2018-06"), 1.0)],
        x_unit="month", y_unit="1",
        doc="Build-up of Iranian and Russian support to the Taliban over years",
    )
    outside_support = m.aux(
        "outside_support", p("support_effect") * support_shape(m.time), unit="1",
        doc="Extra effectiveness the Taliban draw from Iranian and Russian support",
        claims=["iran-russia-support-taliban"],
    )
    us_on = m.aux("us_campaign", step(1.0, "2015-11"), unit="1",
                  doc="US forces in direct, permanent confrontation with IS-K from late 2015",
                  claims=["achin-foothold-late-2015"])
    sanctuary = m.aux(
        "sanctuary", p("sanctuary_strength") * step(1.0, "2017-05"), unit="1", record=True,
        doc="Strength of Pakistan's safe haven, granted for appeasement from May 2017",
        claims=["faruqi-governor-may-2017", "pakistan-sanctuary-resilience"],
    )
    ceasefire = m.aux("ceasefire", p("ceasefire_depth") * pulse("2017-10", 1), unit="1",
                      doc="Share of the month of the autumn 2017 truce with the Taliban",
                      claims=["ceasefire-autumn-2017"])
    fighting = m.aux("fighting", 1 - ceasefire, unit="1",
                     doc="Intensity of IS-K-Taliban fighting (1 = the usual)")
    haqqani_deal = m.aux("haqqani_deal", step(1.0, "2017-12"), unit="1",
                         doc="Paid cooperation with the Haqqani Network from December 2017",
                         claims=["haqqani-agreement-dec-2017"])
    split = m.aux("split", p("split_severity") * pulse("2017-05", 10), unit="1",
                  doc="Pressure of the faction split, May 2017 to the core's settlement in "
                      "March 2018",
                  claims=["faction-split-2017-2018", "core-settles-split-mar-2018"])

    # -- stocks ------------------------------------------------------------------------
    fighters = m.stock("fighters", p("initial_fighters") * p("initial_share", [base]),
                       unit="person", dims=[base], doc="IS-K fighters in each Afghan base area")
    haven = m.stock("sanctuary_fighters", p("initial_sanctuary_fighters"), unit="person",
                    doc="IS-K fighters, leaders and camps in Pakistan's tribal areas (Tirah)",
                    claims=["main-base-moved-to-tirah"])
    cash = m.stock("cash", p("initial_cash"), unit="USD", doc="IS-K cash reserves")
    leadership = m.stock("leadership", 1.0, unit="1", nonnegative=True,
                         doc="Leadership capacity (1 = a full cadre of commanders)")
    cohesion = m.stock("cohesion", 1.0, unit="1", doc="Unity of the organisation (1 = united)")
    pool = m.stock("pool", p("pool_size") * p("pool_share", [base]), unit="person", dims=[base],
                   doc="Taliban and TTP hardliners IS-K can still recruit",
                   claims=["recruitment-pool-exhausted"])
    confidence = m.stock("donor_confidence", p("initial_confidence"), unit="1", dims=[donor],
                         doc="Donors' confidence that IS-K is worth funding")
    control = m.stock("control", p("initial_control"), unit="1", dims=[base], nonnegative=False,
                      doc="IS-K's hold on each base area (0 none, 1 full)")
    taliban = m.stock("taliban", p("taliban_initial", [base]), unit="person", dims=[base],
                      doc="Taliban forces committed against IS-K in each area",
                      claims=["taliban-unprepared-2015"])

    # -- command, money, morale ---------------------------------------------------------
    afghan = m.aux("afghan_fighters", total(fighters, "base"), unit="person")
    total_fighters = m.aux("total_fighters", afghan + haven, unit="person", record=True,
                           doc="All IS-K fighters in Afghanistan and Pakistan")
    command = m.aux("command", leadership * cohesion, unit="1", record=True,
                    doc="Capacity of the central command to direct and concentrate forces",
                    claims=["centralised-command", "structure-kept-despite-decapitation"])
    payroll_need = m.aux("payroll_need", p("pay_per_fighter") * total_fighters, unit="USD/month",
                         doc="What paying and running the force costs each month")
    reserve = m.aux("reserve", payroll_need * p("reserve_months"), unit="USD",
                    doc="The cash the group wants in hand: some months of costs")
    liquidity = m.aux("liquidity", cash / (reserve + 1.0), unit="1",
                      doc="Cash as a share of the reserve the group wants to hold")
    money_effect = m.lookup("money_effect", [(0.0, 0.15), (0.5, 0.6), (1.0, 0.9), (2.0, 1.0)],
                            x_unit="1", y_unit="1",
                            doc="How far cash keeps fighters paid and operations running")
    money = m.aux("money", money_effect(liquidity), unit="1", record=True,
                  doc="Financial health (1 = well funded)",
                  claims=["strength-depends-on-money", "poor-tribal-relations"])
    morale = m.aux("morale", 1 - p("morale_loss") * (1 - caliphate), unit="1",
                   doc="Morale, hit by the caliphate's collapse",
                   claims=["morale-suffering-summer-2018"])

    # -- the war with the Taliban --------------------------------------------------------
    power = m.aux(
        "isk_power", fighters + p("concentration") * command * (afghan - fighters),
        unit="person", doc="IS-K force that can be brought to bear in an area, reserves included",
        claims=["concentration-advantage"])
    focus = m.aux("zabul_offensive",
                  p("zabul_surge") * p("zabul_mask", [base]) * pulse("2015-10", 6), unit="1",
                  dims=[base], doc="The Taliban's one serious defeat of IS-K, in Zabul 2015-2016",
                  claims=["zabul-defeat-2015-2016"])
    effort = m.aux(
        "taliban_effort",
        taliban * p("taliban_quality") * (1 + outside_support * p("support_weight", [base]))
        * (1 + focus), unit="person", doc="Taliban combat power against IS-K in an area")
    balance = m.aux("balance", power / (power + effort + 1.0), unit="1", record=True,
                    doc="IS-K's share of local combat power")
    m.flow("combat_losses", fighters, None,
           p("taliban_lethality") * fighters * (1 - balance) * fighting,
           doc="IS-K fighters killed or captured fighting the Taliban",
           claims=["continuous-war-since-spring-2015", "taliban-more-effective-2017-2018"])
    m.flow("taliban_losses", taliban, None,
           p("isk_lethality") * taliban * balance * fighting * morale,
           doc="Taliban forces lost to IS-K assaults", claims=["isk-humiliated-taliban"])
    m.flow("taliban_mobilisation", None, taliban,
           maximum(0.0, p("taliban_commitment", [base]) + p("threat_response") * fighters
                   - taliban) / p("mobilisation_time"),
           doc="Taliban commit forces as IS-K grows in an area",
           claims=["taliban-unprepared-2015"])
    m.flow("control_change", None, control,
           (logistic(balance, 12.0, 0.5) - control) / p("control_time"),
           doc="Areas follow the local balance of power",
           claims=["nangarhar-ground-changed-hands"])
    held = m.aux("held", if_then_else(control > 0.5, 1.0, 0.0), unit="1", dims=[base])
    m.aux("bases_held", total(held, "base"), unit="1", record=True,
          doc="Number of the five base areas IS-K holds (control above one half)",
          claims=["five-bases-unlikely-held"])

    # -- manpower flows ------------------------------------------------------------------
    appeal = m.aux("appeal", 1 - p("appeal_loss") * (1 - caliphate), unit="1",
                   doc="Pull of the Daesh brand on would-be recruits",
                   claims=["collapse-weakens-recruitment"])
    m.flow("recruitment", pool, fighters,
           p("recruit_rate") * pool * appeal * money * (p("presence_floor") + control),
           doc="Hardliners joining from the Taliban and TTP",
           claims=["members-rising-2015-2016", "recruitment-difficulties"])
    m.flow("pool_renewal", None, pool,
           p("pool_renewal_rate") * p("pool_size") * p("pool_share", [base]),
           doc="New hardliners emerging among the Taliban and TTP", unit="person/month")
    m.flow("foreign_arrivals", None, fighters,
           p("foreign_max") * (1 - caliphate) * p("foreign_share", [base]),
           doc="Fighters reaching Khorasan by smuggling routes from the Middle East",
           claims=["foreign-inflow-max-100", "flow-reversed-to-khorasan"])
    m.flow("departures", fighters, None, p("departure_rate") * fighters * caliphate * caliphate,
           doc="Fighters leaving for Iraq and Syria, until that flow dried up",
           claims=["flow-reversed-to-khorasan"])
    m.flow("us_losses", fighters, None,
           p("us_strike_rate") * p("us_exposure", [base]) * us_on * fighters,
           doc="Fighters killed by US air strikes and operations",
           claims=["us-decimated-leadership"])
    m.flow("desertion", fighters, None,
           p("desertion_rate") * fighters * (1 - money * morale),
           doc="Surrenders and desertion when pay and morale fail",
           claims=["members-decline-admitted"])
    m.flow("relocation", fighters, None,
           p("relocation_rate") * sanctuary * fighters
           * maximum(0.0, 1 - haven / (p("sanctuary_share") * total_fighters + 1.0)),
           doc="Fighters and cadres moving to the Pakistani sanctuary",
           claims=["main-base-moved-to-tirah", "training-camps-tribal-areas"])
    m.flow("arrivals_in_sanctuary", None, haven, total(m["relocation"], "base"),
           doc="The same fighters, arriving in the sanctuary")
    crackdown = m.aux("crackdown", step(1.0, "2017-05") * (1 - sanctuary), unit="1",
                      doc="Pakistani pressure on the camps where the safe haven falls short")
    m.flow("sanctuary_repression", haven, None,
           (p("repression_rate") + p("crackdown_rate") * crackdown) * haven,
           doc="Losses to occasional waves of Pakistani repression, and to a crackdown if "
               "the safe haven ends", claims=["pakistan-repression-waves"])
    m.flow("sanctuary_desertion", haven, None,
           p("desertion_rate") * haven * (1 - money * morale),
           doc="Desertion among fighters in the sanctuary")

    # -- leadership and cohesion -----------------------------------------------------------
    m.flow("decapitation", leadership, None,
           p("decapitation_rate") * us_on * leadership
           * (1 - p("sanctuary_protection") * sanctuary),
           doc="Leaders killed by US strikes, far fewer once the leaders sit in Pakistan",
           claims=["us-killed-leaders-from-2015", "decapitation-slowed"])
    m.flow("leader_renewal", None, leadership, (1 - leadership) / p("renewal_time"),
           doc="New commanders replace the dead", claims=["structure-kept-despite-decapitation"])
    m.flow("cohesion_change", None, cohesion,
           (1 - split - p("dissent") * sanctuary - cohesion) / p("cohesion_time"),
           doc="Cohesion moves toward what the split and the Pakistan deal allow",
           claims=["moawiya-opposition", "moawiya-rejoined-early-2018"])

    # -- operations --------------------------------------------------------------------------
    capacity = m.aux("capacity", total_fighters / p("reference_force") * command * money,
                     unit="1", doc="Overall capacity for operations (1 = a 10,000-strong force "
                                   "fully commanded and funded)")
    theatre_weight = p("theatre_weight", [theatre])
    kabul_boost = m.aux("kabul_boost", 1 + p("haqqani_help") * haqqani_deal, unit="1",
                        doc="Haqqani help with organising attacks in Kabul",
                        claims=["isk-pays-haqqani"])
    restraint = m.aux("pakistan_restraint", 1 - p("restraint") * sanctuary, unit="1",
                      doc="Attacks in Pakistan held back under the sanctuary deal",
                      claims=["few-attacks-in-pakistan"])
    kabul_on = m.aux("kabul_campaign", step(1.0, "2016-01"), unit="1",
                     doc="Kabul attacks, mostly on Shia civilians, from 2016",
                     claims=["kabul-attacks-from-2016"])
    theatre_factor = m.aux(
        "theatre_factor",
        p("is_afghanistan", [theatre]) + p("is_kabul", [theatre]) * kabul_boost * kabul_on
        + p("is_pakistan", [theatre]) * restraint, unit="1", dims=[theatre])
    activity = m.aux("activity", capacity * theatre_weight * theatre_factor, unit="1",
                     dims=[theatre], record=True,
                     doc="Index of capacity for attacks by theatre (not a forecast of attacks)",
                     claims=["only-active-in-afghanistan"])

    # -- donors and money ----------------------------------------------------------------------
    signal = m.aux(
        "donor_signal",
        p("wants_kabul", [donor]) * activity.sel(theatre="kabul")
        + p("wants_us_fight", [donor]) * activity.sel(theatre="afghanistan") * us_on,
        unit="1", dims=[donor],
        doc="What each donor type wants to see: anti-Iran attacks in Kabul (Saudi "
            "institutions; Iran blocks networks near its own border, so Kabul is where "
            "they can be shown) or fighting the US (private Gulf donors)",
        claims=["saudi-donors-want-anti-iran", "private-donors-want-us-fight",
                "iran-countered-border-networks", "kabul-cheapest-signal"])
    viability = m.aux("viability", 1 - p("donor_doubt") * (1 - caliphate), unit="1",
                      doc="Donors' belief in the Daesh project",
                      claims=["donors-question-viability"])
    m.flow("confidence_change", None, confidence,
           (viability * logistic(signal, p("donor_steepness"), p("donor_threshold"))
            - confidence) / p("confidence_time"),
           doc="Donors stay while activity stays above a level; they leave when it falls",
           claims=["activity-floor-for-donors"])
    gifts = m.aux("gifts", p("donation_max", [donor]) * confidence, unit="USD/month",
                  dims=[donor], record=True, doc="Donations by donor type",
                  claims=["dependent-on-gulf-donations"])
    m.flow("donations", None, cash, total(gifts, "donor"), doc="Gulf donations received",
           claims=["dwindling-gulf-donations"])
    m.flow("core_funding", None, cash,
           p("core_support") * caliphate * (1 - p("syria_priority") * step(1.0, "2018-09")),
           unit="USD/month", doc="Regular funding from the Daesh core",
           claims=["core-funding-disrupted", "core-decides-syria-late-summer-2018"])
    m.flow("core_transfers", None, cash, p("transfer_rate") * pulse("2018-01", 6),
           unit="USD/month", doc="Cash moved from Iraq and Syria in the first half of 2018",
           claims=["cash-transfers-h1-2018", "transfers-dried-up-summer-2018"])
    urgency = m.aux("revenue_push", 1 + p("tax_push") * step(1.0, "2018-06"), unit="1",
                    doc="Harder taxation and the drive for mines once outside money fell",
                    claims=["taxing-all-subjects", "seize-mining"])
    m.flow("taxation", None, cash,
           p("tax_potential") * total(control * p("tax_weight", [base]), "base") * urgency,
           unit="USD/month", doc="Taxes raised in the areas IS-K holds")
    m.flow("mining", None, cash,
           p("mining_potential") * total(control * p("mining_weight", [base]), "base")
           * step(1.0, "2018-06"), unit="USD/month", doc="Revenue from seized mining operations",
           claims=["seize-mining"])
    opium_potential = m.aux(
        "opium_potential",
        p("opium_value") * total(control * p("opium_weight", [base]), "base"), unit="USD/month",
        doc="What taxing the opium trade would bring", claims=["opium-ban-kept"])
    m.flow("opium", None, cash, (1 - p("opium_ban")) * opium_potential, unit="USD/month",
           doc="Opium revenue (none while the ban holds)", claims=["opium-ban-baghdadi-order"])
    m.aux("opium_forgone", p("opium_ban") * opium_potential, unit="USD/month", record=True,
          doc="Revenue given up by keeping the opium ban")
    m.flow("pakistani_funding", None, cash, p("pakistan_funding") * sanctuary, unit="USD/month",
           doc="Some money from Pakistani intelligence", claims=["pakistan-financial-support"])
    m.flow("payroll", cash, None, payroll_need, doc="Pay and running costs of the force")
    m.flow("surplus_spending", cash, None, maximum(cash - reserve, 0) / p("spend_time"),
           unit="USD/month", doc="Cash beyond the reserve spent on operations, arms and "
           "recruits rather than hoarded", claims=["strength-depends-on-money"])
    m.flow("haqqani_payments", cash, None, p("haqqani_fee") * haqqani_deal, unit="USD/month",
           doc="Cash paid to the Haqqani Network", claims=["isk-pays-haqqani"])

    unused = set(parameters) - used
    if unused:
        from prospects.sd import ModelError

        raise ModelError(f"parameters.yaml: parameters the model does not use: {sorted(unused)}")
    return m


__all__ = ["build", "BASES", "DONORS", "THEATRES"]
