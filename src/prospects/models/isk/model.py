"""The Islamic State-Khorasan conflict system, 2015-2021, as the 2018 assessment describes it
(second edition).

Every parameter's default, unit, prior, rationale and claims come from parameters.yaml; the
claims behind each mechanism are named where the variable is made. Time is in months.

What binds: the group pays for its fighters, its operations, the ground it holds and the
Haqqani Network's help; what it cannot pay, it does not get (``money`` is the share of
its needs it can meet). Its strength rests on money, since tribal support is poor, and its
resilience on the arrangement with Pakistan: shelter for its leaders and main base, camps
that train recruits and cadres, and a reserve of fighters it can send back to Afghanistan.
Fighters move between base areas through a pool in transit, as fast as the command allows;
an over-stretched group pulls back to the areas it can hold. The two factions of the
2017-2018 split are the Pashtun majority on the Pakistani border and the Central Asian
minority on the northern border, whose allegiance the core restored in March 2018.
"""

from __future__ import annotations

from collections.abc import Mapping

from prospects.sd import (
    Model,
    exp,
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
    trend,
)

BASES = ("Nangarhar", "Kunar", "Badakhshan", "Zabul", "Jowzjan")
DONORS = ("saudi_institutional", "private_gulf")
THEATRES = ("afghanistan", "kabul", "pakistan")


def build(parameters: Mapping) -> Model:
    """The model, with each parameter taken from its spec (default, unit, rationale, claims)."""
    m = Model("isk", start="2015-01", stop="2021-12", dt=1.0, output_step=1,
              doc="Islamic State-Khorasan: manpower, money, territory, leadership, factions, "
                  "the sanctuary in Pakistan and donors")
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

    # -- the core in Iraq and Syria ----------------------------------------------------
    collapse_start, collapse_end = p("collapse_start"), p("collapse_end")
    collapse_shape = m.aux(
        "collapse_progress", ramp(1 / (collapse_end - collapse_start), collapse_start,
                                  collapse_end), unit="1",
        doc="How far the caliphate's loss of its cities and land has gone (0 before, 1 done)")
    caliphate = m.aux(
        "caliphate", 1 - p("collapse_depth") * collapse_shape, unit="1", record=True,
        doc="Standing of the Daesh core in Iraq and Syria (1 = 2015-2016)",
        claims=["caliphate-collapse-2017-2018", "core-expelled-from-cities-mar-2018"],
    )
    syria_first = m.aux(
        "syria_first", p("syria_priority") * step(1.0, p("syria_decision_time")), unit="1",
        doc="Share of Khorasan's allotment diverted by the late-summer 2018 decision to keep "
            "Syria as the main base", claims=["core-decides-syria-late-summer-2018"])
    khorasan_share = m.aux(
        "khorasan_share",
        (1 + p("khorasan_rise") * (1 - caliphate)) * (1 - syria_first), unit="1", record=True,
        doc="Khorasan's share of what the core can still send, against its 2015-2016 share: "
            "it rises as the caliphate falls (Khorasan and Libya chosen as the most promising "
            "provinces), until the Syria decision", claims=["khorasan-favoured-province"])
    core_means = m.aux(
        "core_means", p("core_support") * (1 - p("funding_disruption") * (1 - caliphate)),
        unit="USD/month", doc="What the core can send its provinces each month",
        claims=["core-funding-disrupted"])

    # -- other outside actors ----------------------------------------------------------
    support_start, support_full = p("support_start"), p("support_full")
    support_shape = m.aux(
        "support_build_up", ramp(1 / (support_full - support_start), support_start,
                                 support_full), unit="1",
        doc="Build-up of Iranian and Russian support to the Taliban over years (0 to 1)")
    outside_support = m.aux(
        "outside_support", p("support_effect") * support_shape, unit="1",
        doc="Extra effectiveness the Taliban draw from Iranian and Russian support",
        claims=["iran-russia-support-taliban"],
    )
    north = p("northern", [base])
    support_weight = m.aux(
        "support_weight", 1 + p("north_tilt") * (north - mean(north, "base")), unit="1",
        dims=[base],
        doc="Where outside support to the Taliban counts most: evenly, or tilted toward the "
            "Central Asian border")
    us_on = m.aux("us_campaign", step(1.0, p("us_campaign_start")), unit="1",
                  doc="US forces in direct, permanent confrontation with IS-K from late 2015",
                  claims=["achin-foothold-late-2015"])
    ceasefire = m.aux("ceasefire", p("ceasefire_depth") * pulse(p("ceasefire_start"), 1), unit="1",
                      doc="Share of the month of the autumn 2017 truce with the Taliban",
                      claims=["ceasefire-autumn-2017"])
    fighting = m.aux("fighting", 1 - ceasefire, unit="1",
                     doc="Intensity of IS-K-Taliban fighting (1 = the usual)")
    haqqani_deal = m.aux("haqqani_deal", step(1.0, p("haqqani_deal_start")), unit="1",
                         doc="Paid cooperation with the Haqqani Network from December 2017",
                         claims=["haqqani-agreement-dec-2017"])
    governor = m.aux("faruqi_governor", step(1.0, p("governor_start")), unit="1",
                     doc="Faruqi, an advocate of appeasing Pakistan, governor from May 2017",
                     claims=["faruqi-governor-may-2017"])

    # -- stocks ------------------------------------------------------------------------
    fighters = m.stock("fighters", p("initial_fighters") * p("initial_share", [base]),
                       unit="person", dims=[base], doc="IS-K fighters in each Afghan base area")
    trainees = m.stock("trainees", 0.0, unit="person", dims=[base],
                       doc="Recruits in training, in the camps or with their units")
    transit = m.stock("in_transit", 0.0, unit="person",
                      doc="Fighters on their way from one base area to another")
    haven = m.stock("sanctuary_fighters", p("initial_sanctuary_fighters"), unit="person",
                    doc="IS-K fighters, leaders and camps in Pakistan's tribal areas (Tirah)",
                    claims=["main-base-moved-to-tirah"])
    cash = m.stock("cash", p("initial_cash"), unit="USD", doc="IS-K cash reserves")
    leaders = m.stock("leaders", p("command_size"), unit="person",
                      doc="Commanders in post", claims=["centralised-command"])
    cadres = m.stock("cadres", p("initial_cadres"), unit="person",
                     doc="Trained men ready to take command when a leader falls")
    allegiance = m.stock(
        "northern_allegiance", 1.0, unit="1",
        doc="How far the Central Asian, Baluch, Tajik and Uzbek minority on the northern "
            "border follows the central command (1 = fully)",
        claims=["faction-split-2017-2018"])
    dispute = m.stock("faction_dispute", 0.0, unit="1",
                      doc="The quarrel over Faruqi's governorship (1 = open hostility)",
                      claims=["moawiya-opposition", "core-always-struggled-to-control"])
    deal = m.stock("sanctuary", 0.0, unit="1",
                   doc="The arrangement with Pakistan: safe haven granted for appeasement "
                       "(1 = full)", claims=["pakistan-sanctuary-resilience"])
    pool = m.stock("pool", p("pool_size") * p("pool_share", [base]), unit="person", dims=[base],
                   doc="Taliban and TTP hardliners IS-K can still recruit",
                   claims=["recruitment-pool-exhausted"])
    confidence = m.stock("donor_confidence", p("initial_confidence"), unit="1", dims=[donor],
                         doc="Donors' confidence that IS-K is worth funding")
    control = m.stock("control", p("initial_control"), unit="1", dims=[base], nonnegative=False,
                      doc="IS-K's hold on each base area (0 none, 1 full); Derzab, lost in "
                          "August 2018, is the Jowzjan base", claims=["derzab-is-in-jowzjan"])
    taliban = m.stock("taliban", p("taliban_initial", [base]), unit="person", dims=[base],
                      doc="Taliban forces committed against IS-K in each area",
                      claims=["taliban-unprepared-2015"])

    # -- command and factions ----------------------------------------------------------
    afghan = m.aux("afghan_fighters", total(fighters, "base"), unit="person")
    total_fighters = m.aux("total_fighters", afghan + haven + transit, unit="person",
                           record=True, doc="All IS-K fighters in Afghanistan and Pakistan")
    m.aux("growth", total_fighters / (p("initial_fighters") + p("initial_sanctuary_fighters")),
          unit="1", doc="Fighters against January 2015 (1 = the same)")
    leadership = m.aux("leadership", leaders / p("command_size"), unit="1", record=True,
                       doc="Leadership capacity (1 = a full cadre of commanders)")
    north_share = m.aux("northern_share", total(fighters * north, "base") / (afghan + 1.0),
                        unit="1", doc="Share of the Afghan force in the northern bases")
    cohesion = m.aux(
        "cohesion", 1 - north_share * (1 - allegiance), unit="1", record=True,
        doc="Share of the force that follows the central command")
    command = m.aux("command", leadership * cohesion, unit="1", record=True,
                    doc="Capacity of the central command to direct and concentrate forces",
                    claims=["centralised-command", "structure-kept-despite-decapitation"])
    local_command = m.aux(
        "local_command", leadership * (1 - north * (1 - allegiance)), unit="1", dims=[base],
        doc="Command in each area: the northern bases follow it only as far as their "
            "faction does")
    settled = step(1.0, p("settlement_time"))
    m.flow("dispute_outbreak", None, dispute,
           (1 - dispute) * governor * (1 - settled) / p("dispute_time"),
           doc="The minority rejects the new governor and breaks away (Moawiya), until the "
               "core settles the quarrel", claims=["moawiya-breakaway"])
    settlement = m.aux(
        "core_settlement", p("settlement_strength") * settled * (1 - caliphate), unit="1",
        doc="The core's decisive intervention of March 2018 (when it also "
            "acknowledged the governor), as strong as its need of a stable Khorasan "
            "once its cities were lost",
        claims=["core-settles-split-mar-2018", "faruqi-acknowledged-mar-2018"])
    m.flow("dispute_settled", dispute, None, dispute * settlement / p("dispute_time"),
           doc="The imposed settlement ends the quarrel", claims=["moawiya-rejoined-early-2018"])
    m.flow("allegiance_change", None, allegiance,
           (1 - p("breakaway_depth") * dispute - p("dissent") * deal * (1 - dispute)
            - allegiance) / p("dispute_time"),
           doc="The minority follows the command as the quarrel and its dislike of the "
               "Pakistan deal allow", claims=["moawiya-opposition"])

    # -- income ---------------------------------------------------------------------------
    ground = maximum(control, 0.0)
    gifts = m.aux("gifts", p("donation_scale") * p("donation_max", [donor]) * confidence,
                  unit="USD/month", dims=[donor], record=True, doc="Donations by donor type",
                  claims=["dependent-on-gulf-donations"])
    m.flow("donations", None, cash, total(gifts, "donor"), doc="Gulf donations received",
           claims=["dwindling-gulf-donations"])
    m.flow("core_funding", None, cash, core_means * khorasan_share, unit="USD/month",
           doc="Regular funding from the Daesh core", claims=["core-funding-disrupted"])
    m.flow("core_transfers", None, cash,
           p("transfer_cover") * p("donation_scale") * total(p("donation_max", [donor]), "donor")
           * pulse(p("transfer_start"), p("transfer_duration")),
           unit="USD/month", doc="Cash moved from Iraq and Syria in the first half of 2018, "
                                 "sized against the Gulf donations it offset",
           claims=["cash-transfers-h1-2018", "transfers-dried-up-summer-2018"])
    revenue_drive = m.aux(
        "revenue_drive", smooth(step(1.0, p("revenue_drive_start")), p("revenue_ramp_time")),
        unit="1", doc="How far the drive for local revenue (taxing everyone, seizing mines) "
                      "has come: it starts when outside money falls and takes time to pay",
        claims=["taxing-all-subjects", "seize-mining", "consolidation-expected"])
    urgency = m.aux("revenue_push", 1 + p("tax_push") * revenue_drive, unit="1",
                    doc="Harder taxation and the drive for mines once outside money fell",
                    claims=["taxing-all-subjects", "seize-mining"])
    m.flow("taxation", None, cash,
           p("tax_potential") * total(ground * p("tax_weight", [base]), "base") * urgency,
           unit="USD/month", doc="Taxes raised in the areas IS-K holds")
    m.flow("mining", None, cash,
           p("mining_potential") * total(ground * p("mining_weight", [base]), "base")
           * revenue_drive, unit="USD/month", doc="Revenue from seized mining operations",
           claims=["seize-mining"])
    opium_potential = m.aux(
        "opium_potential",
        p("opium_value") * total(ground * p("opium_weight", [base]), "base"), unit="USD/month",
        doc="What taxing the opium trade would bring", claims=["opium-ban-kept"])
    m.flow("opium", None, cash, (1 - p("opium_ban")) * opium_potential, unit="USD/month",
           doc="Opium revenue (none while the ban holds)", claims=["opium-ban-baghdadi-order"])
    m.aux("opium_forgone", p("opium_ban") * opium_potential, unit="USD/month", record=True,
          doc="Revenue given up by keeping the opium ban")
    m.flow("pakistani_funding", None, cash, p("pakistan_funding") * deal, unit="USD/month",
           doc="Some money from Pakistani intelligence", claims=["pakistan-financial-support"])
    income = m.aux(
        "income", m["donations"] + m["core_funding"] + m["core_transfers"] + m["taxation"]
        + m["mining"] + m["opium"] + m["pakistani_funding"], unit="USD/month",
        doc="All the cash the group takes in each month")

    # -- money ---------------------------------------------------------------------------
    morale = m.aux("morale", 1 - p("morale_loss") * (1 - caliphate), unit="1",
                   doc="Morale, hit by the caliphate's collapse",
                   claims=["morale-suffering-summer-2018"])
    capacity = m.aux("capacity", total_fighters / p("reference_force") * command * morale,
                     unit="1", doc="Capacity for operations before money (1 = a 10,000-strong "
                                   "force fully commanded)")
    holding = m.aux("ground_held", total(ground, "base"), unit="1",
                    doc="Base areas held, counting partial control")
    needs = m.aux(
        "needs",
        p("pay_per_fighter") * total_fighters + p("operations_cost") * capacity
        + p("holding_cost") * holding + p("haqqani_fee") * haqqani_deal,
        unit="USD/month", record=True,
        doc="What the group must pay each month: fighters, operations, the ground it holds "
            "and the Haqqani Network's help",
        claims=["isk-pays-haqqani", "not-self-sufficient-end-2018"])
    reserve = m.aux("reserve", needs * p("reserve_months"), unit="USD",
                    doc="The cash the group keeps in hand before it spends on expansion: "
                        "some months of needs")
    money = m.aux(
        "money", minimum(1.0, (income + cash / p("drawdown_time")) / (needs + 1.0)), unit="1",
        record=True,
        doc="Share of its needs the group can pay (1 = all): its income and the part of its "
            "cash it is ready to spend in a month",
        claims=["strength-depends-on-money", "poor-tribal-relations",
                "derzab-fell-as-collapse-felt"])
    surplus = m.aux("surplus_cash", maximum(cash - reserve, 0.0), unit="USD",
                    doc="Cash beyond the reserve")
    abundance = m.aux(
        "abundance", p("expansion_effect") * (surplus / p("spend_time")) / (needs + 1.0),
        unit="1", doc="Extra pull of bonuses, arms and promises bought with surplus cash",
        claims=["strength-depends-on-money"])
    paid = m.aux("paid", 1 - p("pay_weight") * (1 - money), unit="1",
                 doc="How far unpaid needs cut fighting power and the pull of recruitment")

    # -- the sanctuary in Pakistan -------------------------------------------------------
    camps = m.aux("camps", deal, unit="1",
                  doc="Training camps the arrangement lets the group run in the tribal areas",
                  claims=["training-camps-tribal-areas"])

    # -- the war with the Taliban ----------------------------------------------------------
    power = m.aux("isk_power",
                  fighters * (1 - p("command_weight") * (1 - local_command)) * paid * morale,
                  unit="person",
                  dims=[base], doc="IS-K combat power in an area: fighters as commanded, paid "
                                   "and motivated", claims=["isk-better-trained"])
    focus = m.aux("zabul_offensive",
                  p("zabul_surge") * p("zabul_mask", [base])
                  * pulse(p("zabul_start"), p("zabul_duration")), unit="1",
                  dims=[base], doc="The Taliban's one serious defeat of IS-K, in Zabul 2015-2016 "
                                   "(an input: the model is not asked to explain it)",
                  claims=["zabul-defeat-2015-2016"])
    weakness = m.aux("hold_weakness", exp(-p("taliban_focus") * ground), unit="1", dims=[base],
                     doc="How strongly a base draws the Taliban's extra forces: more the "
                         "more weakly IS-K holds it")
    aim = m.aux(
        "taliban_aim", weakness / mean(weakness, "base"), unit="1", dims=[base],
        doc="Where the Taliban throw the forces outside help gives them: evenly (1 everywhere), "
            "or at the base IS-K holds most weakly, one at a time",
        claims=["iran-russia-support-taliban", "zabul-defeat-2015-2016"])
    effort = m.aux(
        "taliban_effort",
        taliban * p("taliban_quality") * (1 + outside_support * support_weight * aim)
        * (1 + focus),
        unit="person", dims=[base], doc="Taliban combat power against IS-K in an area")
    balance = m.aux("balance", power / (power + effort + 1.0), unit="1", dims=[base],
                    record=True, doc="IS-K's share of local combat power")
    search = m.aux(
        "search_pressure",
        (1 - p("deitchman")) * (1 - balance)
        + p("deitchman") * effort / p("reference_effort"), unit="1", dims=[base],
        doc="How hard the Taliban press IS-K in an area: its share of the balance, or "
            "(Deitchman 1962) the searchers' effort itself, whatever IS-K's size")
    m.flow("combat_losses", fighters, None,
           p("taliban_lethality") * fighters * search * fighting,
           doc="IS-K fighters killed or captured fighting the Taliban",
           claims=["continuous-war-since-spring-2015", "taliban-more-effective-2017-2018"])
    m.flow("taliban_losses", taliban, None,
           p("isk_lethality") * taliban * balance * fighting * morale,
           doc="Taliban forces lost to IS-K assaults", claims=["isk-humiliated-taliban"])
    m.flow("taliban_mobilisation", None, taliban,
           maximum(0.0, p("taliban_commitment", [base]) + p("threat_response") * fighters
                   - taliban) / p("mobilisation_time"),
           doc="Taliban commit forces as IS-K grows in an area, more slowly than IS-K's "
               "command can concentrate", claims=["taliban-unprepared-2015",
                                                  "concentration-advantage"])
    tribal = p("tribal_support")
    m.flow("control_change", None, control,
           (logistic(balance, p("control_steepness"), 0.5) * (tribal + (1 - tribal) * money)
            - control) / p("control_time"),
           doc="Areas follow the local balance of power, and are kept only while the group "
               "can pay for them: tribal support is poor",
           claims=["nangarhar-ground-changed-hands", "poor-tribal-relations"])
    held = m.aux("held", if_then_else(control > 0.5, 1.0, 0.0), unit="1", dims=[base])
    m.aux("bases_held", total(held, "base"), unit="1", record=True,
          doc="Number of the five base areas IS-K holds (control above one half)",
          claims=["five-bases-unlikely-held"])

    # -- redeployment and consolidation ------------------------------------------------------
    garrison = p("garrison_need")
    overstretch = m.aux(
        "overstretch", maximum(0.0, 1 - afghan / (garrison * holding + 1.0)), unit="1",
        doc="How far the force falls short of garrisoning the ground it holds",
        claims=["consolidation-expected"])
    abandon_level = m.aux("abandon_level", p("abandon_balance") + p("consolidation") * overstretch,
                          unit="1",
                          doc="Balance below which the command pulls fighters out of an area")
    push = m.aux(
        "push", logistic(abandon_level - balance, p("control_steepness"))
        + maximum(0.0, balance - p("secure_balance")),
        unit="1", dims=[base],
        doc="Why fighters leave an area: it is being lost, or it is secure enough to spare them")
    pull = m.aux(
        "pull", 4 * balance * (1 - balance) * (1 + p("consolidation") * overstretch * balance)
        + 0.01, unit="1", dims=[base],
        doc="Where fighters are sent: contested areas they can win, the strongest first when "
            "over-stretched")
    m.flow("redeploy_out", fighters, None,
           p("redeploy_rate") * local_command * push * fighters,
           doc="Fighters the command moves out of an area", claims=["concentration-advantage"])
    m.flow("redeploy_leave", None, transit, total(m["redeploy_out"], "base"),
           doc="The same fighters, on the move")
    sent = m.aux("sent", transit / p("transit_time"), unit="person/month",
                 doc="Fighters arriving each month where they were sent")
    m.flow("redeploy_arrive", transit, None, sent, doc="Arrivals in their new areas")
    m.flow("redeploy_in", None, fighters, sent * pull / total(pull, "base"),
           doc="Fighters arriving in an area")

    # -- manpower ------------------------------------------------------------------------
    appeal = m.aux("appeal", 1 - p("appeal_loss") * (1 - caliphate), unit="1",
                   doc="Pull of the Daesh brand on would-be recruits",
                   claims=["collapse-weakens-recruitment", "invincibility-myth-undermined"])
    momentum = m.aux(
        "momentum",
        maximum(0.0, 1 + p("momentum_effect") * 12 * trend(holding, p("momentum_time"), 0.0)),
        unit="1", doc="Success draws recruits: the pull of gaining ground (1 = none)")
    m.flow("recruitment", pool, None,
           p("recruit_rate") * pool * appeal * paid * momentum * (1 + abundance)
           * (p("presence_floor") + control),
           doc="Hardliners joining from the Taliban and TTP",
           claims=["members-rising-2015-2016", "recruitment-difficulties"])
    training_time = m.aux(
        "training_time", p("training_time_base") * (1 + p("camp_effect") * (1 - camps)),
        unit="month", doc="Time to train a recruit: shorter with camps in the tribal areas",
        claims=["training-camps-tribal-areas"])
    m.flow("graduation", trainees, fighters, trainees / training_time,
           doc="Trained recruits joining the fighting force")
    m.flow("pool_renewal", None, pool,
           p("pool_renewal_rate") * p("pool_size") * p("pool_share", [base]),
           doc="New hardliners emerging among the Taliban and TTP", unit="person/month")
    m.flow("foreign_arrivals", None, fighters,
           p("foreign_max") * (1 - caliphate) * p("foreign_share", [base]),
           doc="Fighters reaching Khorasan by smuggling routes from the Middle East",
           claims=["flow-reversed-to-khorasan"])
    m.flow("departures", fighters, None, p("departure_rate") * fighters * caliphate * caliphate,
           doc="Fighters leaving for Iraq and Syria, until that flow dried up",
           claims=["flow-reversed-to-khorasan"])
    m.flow("us_losses", fighters, None,
           p("us_strike_rate") * p("us_exposure", [base]) * us_on * fighters,
           doc="Fighters killed by US air strikes and operations",
           claims=["achin-foothold-late-2015"])
    m.flow("enlistment", None, trainees, m["recruitment"] + p("grievance") * m["us_losses"],
           doc="Recruits entering training, including those drawn by anger at US strikes",
           claims=["members-rising-2015-2016"])
    m.flow("desertion", fighters, None,
           p("desertion_rate") * fighters * (1 - money * morale),
           doc="Surrenders and desertion when pay and morale fail",
           claims=["members-decline-admitted"])
    m.flow("relocation", fighters, None,
           p("relocation_rate") * deal * fighters
           * maximum(0.0, 1 - haven / (p("sanctuary_share") * total_fighters + 1.0)),
           doc="Fighters and cadres moving to the Pakistani sanctuary",
           claims=["main-base-moved-to-tirah"])
    m.flow("arrivals_in_sanctuary", None, haven, total(m["relocation"], "base"),
           doc="The same fighters, arriving in the sanctuary")
    shortfall = m.aux(
        "bases_shortfall", maximum(0.0, 1 - afghan / (garrison * len(BASES))), unit="1",
        doc="How far the Afghan force falls short of garrisoning all five bases, which the "
            "group means to keep whatever it holds now", claims=["bases-set-up-from-2015"])
    m.flow("sent_from_sanctuary", haven, None, p("return_rate") * haven * shortfall,
           doc="Fighters the main base sends back to Afghanistan when the bases run short: "
               "the reserve that makes the group resilient",
           claims=["pakistan-sanctuary-resilience", "depends-on-pakistan-sanctuary"])
    m.flow("returns_in_transit", None, transit, m["sent_from_sanctuary"],
           doc="The same fighters, on their way to the Afghan bases")

    # -- operations --------------------------------------------------------------------------
    theatre_weight = p("theatre_weight", [theatre])
    kabul_boost = m.aux("kabul_boost", 1 + p("haqqani_help") * haqqani_deal, unit="1",
                        doc="Haqqani help with organising attacks in Kabul",
                        claims=["isk-pays-haqqani"])
    restraint = m.aux("pakistan_restraint", 1 - p("restraint") * deal, unit="1",
                      doc="Attacks in Pakistan held back under the sanctuary deal",
                      claims=["few-attacks-in-pakistan"])
    kabul_on = m.aux("kabul_campaign", step(1.0, p("kabul_campaign_start")), unit="1",
                     doc="Kabul attacks, mostly on Shia civilians, from 2016",
                     claims=["kabul-attacks-from-2016"])
    theatre_factor = m.aux(
        "theatre_factor",
        p("is_afghanistan", [theatre]) + p("is_kabul", [theatre]) * kabul_boost * kabul_on
        + p("is_pakistan", [theatre]) * restraint, unit="1", dims=[theatre])
    activity = m.aux("activity", capacity * money * theatre_weight * theatre_factor, unit="1",
                     dims=[theatre], record=True,
                     doc="Index of capacity for attacks by theatre, as far as the group can pay "
                         "for operations (not a forecast of attacks)",
                     claims=["only-active-in-afghanistan"])

    # -- Pakistan: a negotiated, disputed arrangement ------------------------------------------
    friction = m.aux(
        "friction", activity.sel(theatre="pakistan") / p("pakistan_tolerance"), unit="1",
        doc="Attacks in Pakistan against what the security agencies tolerate",
        claims=["few-attacks-in-pakistan"])
    m.flow("deal_change", None, deal,
           (p("sanctuary_strength") * governor - deal) / p("negotiation_time")
           - p("wave_effect") * friction * deal,
           doc="The arrangement: negotiated toward what the divided establishment will grant, "
               "eroded by attacks in Pakistan, then renegotiated",
           claims=["pakistan-establishment-divided", "pakistan-deal-disputed"])
    m.flow("sanctuary_repression", haven, None,
           (p("repression_rate") * (1 + friction) + p("crackdown_rate") * governor * (1 - deal))
           * haven,
           doc="Losses to the small waves of Pakistani repression, and to a crackdown where the "
               "safe haven falls short", claims=["pakistan-repression-waves"])
    m.flow("sanctuary_desertion", haven, None,
           p("desertion_rate") * haven * (1 - money * morale),
           doc="Desertion among fighters in the sanctuary")

    # -- leaders and cadres ----------------------------------------------------------------------
    m.flow("decapitation", leaders, None,
           p("decapitation_rate") * us_on * leaders * (1 - p("sanctuary_protection") * deal),
           doc="Leaders killed by US strikes, far fewer once the leaders sit in Pakistan",
           claims=["us-killed-leaders-from-2015", "us-decimated-leadership",
                   "decapitation-slowed"])
    m.flow("promotion", cadres, None,
           minimum(cadres, maximum(0.0, p("command_size") - leaders)) / p("renewal_time"),
           doc="Cadres promoted to replace fallen commanders",
           claims=["structure-kept-despite-decapitation"])
    m.flow("leader_renewal", None, leaders, m["promotion"], doc="The same men, in command")
    m.flow("cadre_training", None, cadres,
           p("cadre_rate") * total(m["graduation"], "base") / (1 + p("camp_effect") * (1 - camps))
           + p("core_leaders") * settlement * (1 - syria_first),
           doc="Cadres from the camps' graduates, and leaders the core sends once it chose "
               "Khorasan", claims=["core-considered-sending-leaders",
                                   "leaders-to-relocate-to-khorasan"])

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
    m.flow("spending", cash, None, needs * money, unit="USD/month",
           doc="What the group pays: all its needs while cash lasts, less when it runs short")
    m.flow("expansion_spending", cash, None, surplus / p("spend_time"), unit="USD/month",
           doc="Surplus cash spent on expansion: bonuses, arms, promises to recruits",
           claims=["strength-depends-on-money"])
    m.aux("net_cash_flow", income - needs, unit="USD/month", record=True,
          doc="Income less needs: how finances are going before any saving or cutting back")

    unused = set(parameters) - used
    if unused:
        from prospects.sd import ModelError

        raise ModelError(f"parameters.yaml: parameters the model does not use: {sorted(unused)}")
    return m


__all__ = ["build", "BASES", "DONORS", "THEATRES"]
