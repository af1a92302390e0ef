"""``prospects model show|doc`` and ``prospects evidence list|show|unused``: browsing a system."""

from __future__ import annotations

from pathlib import Path

import typer

from .common import FORMAT_OPTION, SYSTEM_OPTION, Format, console, emit, styled, user_errors

model_app = typer.Typer(no_args_is_help=True, help="Look at a system's model.")
evidence_app = typer.Typer(no_args_is_help=True, help="Look at a system's evidence.")


def _claim_line(system, claim_id: str) -> str:
    claim = system.evidence.claims[claim_id]
    source = f"{claim.locator}; {claim.asserted_by}, {claim.credibility}"
    return f"  [{claim_id}] {claim.text} ({source})"


@model_app.command("show")
@user_errors
def show_model(
    variable: str | None = typer.Argument(None, help="One variable; all when omitted."),  # noqa: UP007
    system: str = SYSTEM_OPTION,
) -> None:
    """Each variable with its equation, unit, doc and the claims behind it."""
    from ..sd.inspect import describe
    from ..system import load_system

    loaded = load_system(system)
    rows = describe(loaded.model)
    if variable is not None:
        rows = [r for r in rows if r.name == variable]
        if not rows:
            loaded.model[variable]  # raises a one-line ModelError naming the variable
    out = console()
    for row in rows:
        dims = f"[{', '.join(row.dims)}]" if row.dims else ""
        out.print(styled((row.name, "bold"), f"{dims}  ({row.kind}, {row.unit or 'no unit'})"))
        out.print(f"  = {row.equation}")
        if row.doc:
            out.print(f"  {row.doc}")
        for claim_id in row.claims:
            out.print(_claim_line(loaded, claim_id))
        if variable is not None and row.depends_on:
            out.print(f"  depends on: {', '.join(row.depends_on)}")


@model_app.command("doc")
@user_errors
def model_doc(
    system: str = SYSTEM_OPTION,
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the page here; "  # noqa: UP007
                                    "default: print it."),
) -> None:
    """The model as Markdown: each checklist mechanism (mechanisms.yaml) with its variables,
    equations, claims and parameters, and the feedback loops."""
    from ..files import writable, write_text
    from ..present.model_doc import model_doc as page
    from ..system import load_system

    if out is not None:
        writable(out)
    text = page(load_system(system))
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_text(out, text)


@model_app.command("compile")
@user_errors
def compile_kernels(system: str = SYSTEM_OPTION) -> None:
    """Compile the fused kernels that calibration, projection and the report run (or find
    them in the cache), so that those commands use the compiled backend from the start;
    print each one's time."""
    from ..engine import fused
    from ..engine.run import compiled
    from ..inference.likelihood import Likelihood
    from ..projection import report_outputs, scenario_kinds
    from ..system import load_system

    loaded = load_system(system)
    program = compiled(loaded.model)
    uses = {}
    if loaded.evidence.observations:
        uses["calibration"] = (Likelihood(loaded).outputs, ())
    if loaded.outlook is not None:
        kinds = scenario_kinds(loaded)
        uses["projection"] = (loaded.outlook.kept, kinds)
        uses["the report's projection"] = (report_outputs(loaded), kinds)
    for use, (outputs, kinds) in uses.items():
        done = fused.prepare(program, outputs, kinds)
        if done is None:
            return  # the engine has said why, in one line
        seconds, fresh = done
        console().print(f"{loaded.name}: {use} kernel {'compiled' if fresh else 'loaded'} "
                        f"in {seconds:.1f} s", markup=False, highlight=False)


@evidence_app.command("list")
@user_errors
def list_claims(system: str = SYSTEM_OPTION, fmt: Format = FORMAT_OPTION) -> None:
    """Every claim with its attribution, credibility and period."""
    import pandas as pd
    from rich.table import Table

    from ..system import load_system

    loaded = load_system(system)
    rows = pd.DataFrame(
        [{"id": c.id, "asserted_by": c.asserted_by, "credibility": c.credibility,
          "period": str(c.period or ""), "claim": c.text}
         for c in loaded.evidence.claims.values()],
        columns=["id", "asserted_by", "credibility", "period", "claim"])
    if fmt is not Format.table:
        emit({"claims": rows}, fmt)
        return
    table = Table(title=f"{loaded.name}: {len(loaded.evidence.claims)} claims")
    for heading in ("id", "asserted by", "cred.", "period", "claim"):
        table.add_column(heading, overflow="fold")
    for row in rows.itertuples(index=False):
        table.add_row(*map(str, row))
    console().print(table)


@evidence_app.command("show")
@user_errors
def show_claim(claim_id: str, system: str = SYSTEM_OPTION) -> None:
    """One claim in full, with every place the model uses it."""
    from ..evidence import EvidenceError
    from ..system import load_system

    loaded = load_system(system)
    claim = loaded.evidence.claims.get(claim_id)
    if claim is None:
        raise EvidenceError(f"{loaded.folder / 'claims.yaml'}: no claim '{claim_id}'")
    out = console()
    for field, value in claim.model_dump(exclude_none=True).items():
        out.print(styled((f"{field}:", "bold"), f" {value}"))
    usage = loaded.evidence.claim_usage(loaded.claim_users()).get(claim_id, [])
    out.print(styled(("used by:", "bold"), " " + (", ".join(usage) or "nothing")))


@evidence_app.command("unused")
@user_errors
def unused(system: str = SYSTEM_OPTION) -> None:
    """Claims used nowhere and not marked context; nothing for the built-in model."""
    from ..system import load_system

    loaded = load_system(system)
    for claim in loaded.unused_claims():
        console().print(f"{claim.id}: {claim.text}")
