"""The model as an analyst reads it, in Markdown: each checklist mechanism with its
variables, equations, claims and parameters, and the model's feedback loops. Generated
from the model and the evidence files (``prospects model doc``), never kept by hand."""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict

_MARKDOWN = re.compile(r"([\\`*_\[\]#|~])")


def md(text) -> str:
    """User text that Markdown renders as text: HTML escaped, Markdown's marks backslashed,
    on one line."""
    flat = " ".join(str(text).split())
    return _MARKDOWN.sub(r"\\\1", html.escape(flat, quote=False))


def code(text) -> str:
    """An inline code span (equations, names): no backtick can close it early."""
    return f"`{' '.join(str(text).split()).replace('`', chr(39))}`"


def _claim(system, claim_id: str) -> str:
    claim = system.evidence.claims[claim_id]
    return (f"- {code(claim_id)}: {md(claim.text)} ({md(claim.locator)}; "
            f"{md(claim.asserted_by)}, credibility {claim.credibility})")


def _parameter_rows(system, names) -> list[str]:
    rows = ["| parameter | default | prior | unit | rationale | claims |",
            "| --- | --- | --- | --- | --- | --- |"]
    for name in names:
        spec = system.evidence.parameters.get(name)
        if spec is None:
            continue
        default = (", ".join(f"{k}: {v:g}" for k, v in spec.default.items())
                   if isinstance(spec.default, dict) else f"{spec.default:g}")
        rows.append(f"| {code(name)} | {md(default)} | {md(spec.prior)} | {md(spec.unit)} | "
                    f"{md(spec.rationale)} | {md(', '.join(spec.claims))} |")
    return rows if len(rows) > 2 else []


def _mechanism(system, mech, rows) -> list[str]:
    out = [f"## {mech.item}. {md(mech.title)}", "", f"*Checklist:* {md(mech.checklist)}", ""]
    if not mech.variables:
        out += ["**Not yet modelled.** " + md(mech.not_modelled or ""), ""]
    elif mech.not_modelled:
        out += [f"**Not yet modelled:** {md(mech.not_modelled)}", ""]
    if mech.actors:
        actors = system.evidence.actors
        out += ["Actors: " + "; ".join(f"{md(actors[a].name)} ({md(actors[a].kind)})"
                                       for a in mech.actors), ""]
    if mech.variables:
        out += ["### Variables", ""]
    for name in mech.variables:
        row = rows[name]
        dims = f" [{', '.join(row.dims)}]" if row.dims else ""
        out.append(f"- {code(name)}{dims} ({row.kind}, {md(row.unit or 'no unit')}): "
                   f"{md(row.doc)}")
        out.append(f"  - equation: {code(row.equation)}")
        out += ["  " + _claim(system, c) for c in row.claims]
    if mech.claims:
        out += ["", "### Further claims", ""] + [_claim(system, c) for c in mech.claims]
    table = _parameter_rows(system, _parameters_of(mech, rows))
    if table:
        out += ["", "### Parameters", ""] + table
    return out + [""]


def _parameters_of(mech, rows) -> list[str]:
    """The parameters a mechanism's variables read (or are), in order, each once."""
    return list(dict.fromkeys(d for name in mech.variables
                              for d in (name, *rows[name].depends_on)
                              if rows[d].kind == "param"))


def prior_ranges(system) -> dict:
    """Each uncertain parameter's range: a loop's polarity must hold over all of it."""
    return {name: spec.allowed for name, spec in system.evidence.parameters.items()
            if spec.prior.dist != "fixed"}


def _named_loops(mechanisms, graph) -> list[str]:
    from ..sd.loops import polarity

    named = [(mech, loop) for mech in sorted(mechanisms.values(), key=lambda m: m.item)
             for loop in mech.loops]
    if not named:
        return []
    out = ["The main loops, as mechanisms.yaml names them. The polarity is the analyst's "
           "reading; \"settled\" says the equations make it so for every value the priors "
           "allow, \"read\" that they do not settle it alone (a link's sign depends on the "
           "state).", "",
           "| loop | polarity | mechanism | what it says | path |",
           "| --- | --- | --- | --- | --- |"]
    for mech, loop in named:
        settled = "settled" if polarity(graph, loop.path) == loop.reads else "read"
        out.append(f"| {md(loop.name)} | {loop.reads} ({settled}) | {md(mech.title)} | "
                   f"{md(loop.says)} | {code(' -> '.join([*loop.path, loop.path[0]]))} |")
    return out + [""]


def _loops(system, mechanisms, graph) -> list[str]:
    from ..sd.loops import feedback_loops

    loops = feedback_loops(system.model, prior_ranges(system))
    groups = defaultdict(list)
    for loop in loops:
        groups[loop.stocks].append(loop)
    counts = Counter(loop.polarity for loop in loops)
    out = ["## Feedback loops", "",
           f"{len(loops)} loops (cycles of the causal graph, each through a stock): "
           + ", ".join(f"{n} {polarity}" for polarity, n in sorted(counts.items())) + ". "
           "A loop is reinforcing or balancing when the signs of its links follow from the "
           "equations for every value the parameters' priors allow; otherwise its polarity "
           "is not determined. Loops are grouped by the stocks they pass through, each "
           "group named by them, with its shortest loop.", "",
           *_named_loops(mechanisms, graph),
           "All loops, by the stocks they pass through:", "",
           "| loop (stocks) | loops | reinforcing | balancing | not determined | "
           "shortest |", "| --- | --- | --- | --- | --- | --- |"]
    for stocks, members in sorted(groups.items(), key=lambda g: (len(g[0]), g[0])):
        tally = Counter(loop.polarity for loop in members)
        shortest = min(members, key=lambda loop: len(loop.path))
        out.append(f"| {' - '.join(stocks) or '(through a delay)'} | {len(members)} | "
                   f"{tally['reinforcing']} | {tally['balancing']} | "
                   f"{tally['polarity not determined']} | "
                   f"{code(' -> '.join(shortest.path + shortest.path[:1]))} |")
    return out + [""]


def model_doc(system) -> str:
    """The Markdown page of ``system``'s model (see the module's docstring)."""
    from ..evidence import load_mechanisms
    from ..sd.inspect import describe
    from ..sd.loops import links

    graph = links(system.model, prior_ranges(system))
    mechanisms = load_mechanisms(system.folder, system.evidence, graph)
    rows = {row.name: row for row in describe(system.model)}
    model = system.model
    span = (f"Monthly, {model.start:%Y-%m} to {model.stop:%Y-%m}" if model.calendar else
            f"Time in {model.time_unit}s, {model.initial_time:g} to {model.final_time:g}")
    out = [f"# The {md(system.name)} model", "",
           f"Generated by {code(f'prospects model doc --system {system.name}')} from the "
           "system's model.py, mechanisms.yaml and evidence files: do not edit by hand.", "",
           f"{md(model.doc)}. {span}; "
           f"{len(model.stocks)} stocks, {len(model.flows)} flows, "
           f"{len(model.of_kind('aux'))} auxiliaries, {len(model.params)} parameters.", ""]
    if not mechanisms:
        out += ["This system has no mechanisms.yaml: no checklist to show.", ""]
    for mech in sorted(mechanisms.values(), key=lambda m: m.item):
        out += _mechanism(system, mech, rows)
    carried = {name for mech in mechanisms.values() for name in mech.variables}
    left = [v.name for v in model.variables.values() if v.kind != "param" and
            v.name not in carried]
    if left:
        out += ["## Variables no checklist item names", "",
                ", ".join(code(name) for name in left), ""]
    shown = {p for mech in mechanisms.values() for p in _parameters_of(mech, rows)}
    table = _parameter_rows(system, [p for p in system.evidence.parameters if p not in shown])
    if table:
        out += ["## Parameters no checklist item reads", "",
                "Read by the variables above or by observations only (such as a count "
                "factor for the group's own figures).", ""] + table + [""]
    return "\n".join(out + _loops(system, mechanisms, graph)).rstrip() + "\n"
