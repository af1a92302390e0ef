"""Evidence beyond a system's own: overlay folders of later reports, and the evidence as
it stood on a date.

An overlay folder holds any of ``sources.yaml``, ``claims.yaml`` and ``observations.yaml``
(the system's schemas). Its entries join the system's without editing it: their ids must
not repeat one already known, and they are cross-checked like the system's own, every
error naming the overlay's file. ``as_of`` keeps what was surely published by a date:
the sources dated by then, their claims and the observations of those claims.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

from .load import Evidence, EvidenceError, cross_check, read_entries
from .schema import Claim, ObservationSpec, Source, last_day

#: what an overlay folder may hold, and the kind of each file's entries
SECTIONS = {"sources": Source, "claims": Claim, "observations": ObservationSpec}


def extend(ev: Evidence, folder: Path) -> Evidence:
    """``ev`` with the entries of the overlay ``folder`` added, cross-checked."""
    folder = Path(folder)
    if not folder.is_dir():
        raise EvidenceError(f"{folder}: no such evidence folder")
    found = {p.name for p in folder.iterdir() if p.suffix in (".yaml", ".yml")}
    if stray := sorted(found - {f"{s}.yaml" for s in SECTIONS}):
        raise EvidenceError(f"{folder / stray[0]}: an evidence folder holds only "
                            f"{', '.join(f'{s}.yaml' for s in SECTIONS)}")
    if not found:
        raise EvidenceError(f"{folder}: an evidence folder needs at least one of "
                            f"{', '.join(f'{s}.yaml' for s in SECTIONS)}")
    return merge(ev, {s: (folder / f"{s}.yaml", read_entries(folder / f"{s}.yaml", kind))
                      for s, kind in SECTIONS.items() if (folder / f"{s}.yaml").is_file()},
                 folder)


def merge(ev: Evidence, parts: dict[str, tuple[Path, dict]], origin: Path) -> Evidence:
    """``ev`` with the validated entries of ``parts`` (section -> (file, entries by id))
    added, cross-checked; ``origin`` (a folder or file) is recorded among the overlays."""
    out = dataclasses.replace(ev, files=dict(ev.files), overlays=(*ev.overlays, origin),
                              **{s: dict(getattr(ev, s)) for s in SECTIONS})
    for section, (path, entries) in parts.items():
        known = getattr(out, section)
        for key, entry in entries.items():
            if key in known:
                raise EvidenceError(f"{path}: entry '{key}' field 'id': already in "
                                    f"{out.file(section, key)}")
            known[key] = entry
            out.files[f"{section}:{key}"] = path
    cross_check(out)
    return out


def month_after(when: str) -> str:
    """The month after the one an as-of date ends in, as YYYY-MM."""
    day = last_day(when)
    return f"{day.year + day.month // 12}-{day.month % 12 + 1:02d}"


def as_of_day(when: str) -> date:
    """The last day of an as-of date, or a one-line error naming the option."""
    try:
        return last_day(str(when))
    except ValueError as err:
        raise EvidenceError(f"--as-of: {err}") from None


def as_of(ev: Evidence, when: str) -> Evidence:
    """``ev`` as known on ``when``: the sources surely published by then (``Source.
    published_by``), their claims, and the observations of those claims."""
    day = as_of_day(when)
    sources = {k: s for k, s in ev.sources.items() if s.published_by <= day}
    if not sources:
        first = min(ev.sources.values(), key=lambda s: s.published_by)
        raise EvidenceError(f"{ev.file('sources', first.id)}: entry '{first.id}' field "
                            f"'date': the earliest source is dated {first.date}, after "
                            f"--as-of {when}: nothing was known by then")
    claims = {k: c for k, c in ev.claims.items() if c.source in sources}
    observations = {k: o for k, o in ev.observations.items() if o.claim in claims}
    return dataclasses.replace(ev, sources=sources, claims=claims, observations=observations)


def later_than(ev: Evidence, claim: str, when: str) -> str | None:
    """Why ``claim`` was not known on ``when`` (its source's date), or None if it was."""
    source = ev.sources[ev.claims[claim].source]
    if source.published_by <= as_of_day(when):
        return None
    return (f"claim '{claim}' rests on source '{source.id}', dated {source.date}, after "
            f"--as-of {when}")
