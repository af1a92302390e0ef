"""Reading evidence files: YAML to validated entries, every error naming file, entry, field."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import UserError
from .schema import Actor, Claim, Mechanism, ObservationSpec, ParameterSpec, Relation, Source

T = TypeVar("T", bound=BaseModel)


class EvidenceError(UserError, ValueError):
    """A mistake in a user's evidence file; the message names the file, entry and field."""


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML's safe loader (libyaml's parser when PyYAML has it: the pure-Python one took
    most of the time a system takes to load), refusing a key repeated in one mapping
    (YAML 1.2 forbids it; PyYAML would keep the last value)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key '{key}' appears twice in one mapping",
                    key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def read_yaml(path: Path):
    """The parsed YAML file (safe types only, keys unique), or an EvidenceError."""
    path = Path(path)
    if not path.is_file():
        raise EvidenceError(f"{path}: no such file")
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise EvidenceError(f"{path}:{where}: not valid YAML ({problem})") from None
    except UnicodeDecodeError:
        raise EvidenceError(f"{path}: not a UTF-8 text file") from None


#: the names pydantic puts in an error's location for the members of a union
_UNION_TAGS = {"float", "int", "str", "bool", "dict", "list"}


def _describe(err: ValidationError) -> tuple[str, str]:
    """(field path, message) of the deepest error (for a union: the member that got
    furthest), without pydantic's union tags."""
    errors = err.errors()
    first = max(errors, key=lambda e: len(e["loc"]))
    parts = [str(p) for p in first["loc"] if not (isinstance(p, str) and (
        p in _UNION_TAGS or "[" in p))]
    loc = ".".join(parts) or "(entry)"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "missing":
        message = "missing"
    elif first["type"] == "extra_forbidden":
        message = "not a known field"
    return loc, message


def parse_entries(path: Path, data, kind: type[T], key: str = "id") -> dict[str, T]:
    """Validated entries by ``key`` from a list of mappings read from ``path``."""
    if data is None:
        data = []
    if not isinstance(data, list):
        raise EvidenceError(f"{path}: expected a list of entries, found {type(data).__name__}")
    entries: dict[str, T] = {}
    for number, raw in enumerate(data, start=1):
        if not isinstance(raw, dict):
            raise EvidenceError(f"{path}: entry {number}: expected a mapping of fields")
        name = raw.get(key)
        label = f"entry '{name}'" if isinstance(name, str) and name else f"entry {number}"
        try:
            entry = kind.model_validate(raw)
        except ValidationError as err:
            loc, message = _describe(err)
            raise EvidenceError(f"{path}: {label} field '{loc}': {message}") from None
        if name in entries:
            raise EvidenceError(f"{path}: {label} field '{key}': duplicate {key}")
        entries[name] = entry
    return entries


def read_entries(path: Path, kind: type[T], key: str = "id") -> dict[str, T]:
    """Validated entries by ``key`` from a YAML list of mappings."""
    return parse_entries(path, read_yaml(path), kind, key)


@dataclass
class Evidence:
    """A system's evidence: sources, claims, actors and relations, parameters, observations."""

    folder: Path
    sources: dict[str, Source]
    claims: dict[str, Claim]
    actors: dict[str, Actor] = field(default_factory=dict)
    relations: dict[str, Relation] = field(default_factory=dict)
    parameters: dict[str, ParameterSpec] = field(default_factory=dict)
    observations: dict[str, ObservationSpec] = field(default_factory=dict)
    #: the file of each entry not in the system's own (``"claims:<id>"`` -> overlay file)
    files: dict[str, Path] = field(default_factory=dict)
    #: the evidence folders added to the system's own (``prospects.evidence.overlay``)
    overlays: tuple[Path, ...] = ()
    #: the system's own bias terms, kept when an as-of date drops the observations using them
    biases: frozenset[str] | None = None

    @property
    def bias_names(self) -> set[str]:
        """Parameters that scale a group's figures about itself (used by observations)."""
        if self.biases is not None:
            return set(self.biases)
        return {obs.bias for obs in self.observations.values() if obs.bias}

    def file(self, section: str, entry: str) -> Path:
        """The file an entry of ``section`` ('sources', 'claims', 'observations'...) is in."""
        return self.files.get(f"{section}:{entry}", self.folder / f"{section}.yaml")

    @property
    def model_parameters(self) -> dict[str, ParameterSpec]:
        """Parameters for the model's equations (all but the bias terms)."""
        return {k: v for k, v in self.parameters.items() if k not in self.bias_names}

    def claim_usage(self, extra: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
        """Claim id -> what uses it ('parameter:x', 'observation:y', 'relation:z', ...)."""
        users = dict(extra or {})
        users.update({f"parameter:{p.name}": p.claims for p in self.parameters.values()})
        users.update({f"observation:{o.id}": [o.claim] for o in self.observations.values()})
        users.update({f"relation:{r.id}": r.claims for r in self.relations.values()})
        usage: dict[str, list[str]] = {}
        for user, claims in users.items():
            for claim in claims:
                usage.setdefault(claim, []).append(user)
        return usage

    def unused(self, extra: dict[str, list[str]] | None = None) -> list[Claim]:
        """Claims nothing uses and that carry no ``context`` reason."""
        usage = self.claim_usage(extra)
        return [c for c in self.claims.values() if c.id not in usage and not c.context]


def _actors_file(path: Path) -> tuple[dict[str, Actor], dict[str, Relation]]:
    if not path.is_file():
        return {}, {}
    data = read_yaml(path) or {}
    if not isinstance(data, dict) or set(data) - {"actors", "relations"}:
        raise EvidenceError(f"{path}: expected a mapping with 'actors' and 'relations'")
    return (parse_entries(path, data.get("actors"), Actor),
            parse_entries(path, data.get("relations"), Relation))


def _optional(path: Path, kind, key="id") -> dict:
    return read_entries(path, kind, key) if path.is_file() else {}


def load_evidence(folder: Path) -> Evidence:
    """Read and cross-check the evidence files of a system folder."""
    folder = Path(folder)
    actors, relations = _actors_file(folder / "actors.yaml")
    evidence = Evidence(
        folder=folder,
        sources=read_entries(folder / "sources.yaml", Source),
        claims=read_entries(folder / "claims.yaml", Claim),
        actors=actors,
        relations=relations,
        parameters=_optional(folder / "parameters.yaml", ParameterSpec, key="name"),
        observations=_optional(folder / "observations.yaml", ObservationSpec),
    )
    cross_check(evidence)
    evidence.biases = frozenset(evidence.bias_names)
    return evidence


def cross_check(ev: Evidence) -> None:
    """Every name an entry cites is known: sources, actors, claims, bias parameters; every
    observation has a period and a figure. Errors name the entry's own file."""
    f = ev.folder

    def need(known, value, where, entry, field_name, what):
        if value not in known:
            path = ev.file(where.removesuffix(".yaml"), entry) if where in (
                "claims.yaml", "observations.yaml") else f / where
            raise EvidenceError(f"{path}: entry '{entry}' field '{field_name}': "
                                f"unknown {what} '{value}'")

    for claim in ev.claims.values():
        need(ev.sources, claim.source, "claims.yaml", claim.id, "source", "source")
        if ev.actors:
            for actor in claim.actors:
                need(ev.actors, actor, "claims.yaml", claim.id, "actors", "actor")
    for actor in ev.actors.values():
        if actor.parent is not None:
            need(ev.actors, actor.parent, "actors.yaml", actor.id, "parent", "actor")
    for rel in ev.relations.values():
        need(ev.actors, rel.source, "actors.yaml", rel.id, "source", "actor")
        need(ev.actors, rel.target, "actors.yaml", rel.id, "target", "actor")
        for claim in rel.claims:
            need(ev.claims, claim, "actors.yaml", rel.id, "claims", "claim")
    for param in ev.parameters.values():
        for claim in param.claims:
            need(ev.claims, claim, "parameters.yaml", param.name, "claims", "claim")
    for obs in ev.observations.values():
        need(ev.claims, obs.claim, "observations.yaml", obs.id, "claim", "claim")
        if obs.bias is not None:
            need(ev.parameters, obs.bias, "observations.yaml", obs.id, "bias",
                 "parameter (bias terms are parameters)")
        claim = ev.claims[obs.claim]
        where = ev.file("observations", obs.id)
        if obs.period is None and claim.period is None:
            raise EvidenceError(f"{where}: entry '{obs.id}' field 'period': "
                                f"needed, since claim '{claim.id}' has none")
        no_bounds = obs.low is None and obs.high is None and obs.threshold is None
        if no_bounds and claim.quantity is None:
            raise EvidenceError(f"{where}: entry '{obs.id}' field 'low': "
                                f"needed, since claim '{claim.id}' states no quantity")


def load_mechanisms(folder: Path, evidence: Evidence, graph) -> dict[str, Mechanism]:
    """The checklist in ``folder/mechanisms.yaml``, each name checked against the model's
    causal ``graph`` (``sd.loops.links``: its keys are the variables, and a named loop
    must be one of its cycles) and the evidence (an empty mapping if there is no such
    file)."""
    from ..sd.loops import polarity

    path = Path(folder) / "mechanisms.yaml"
    mechanisms = _optional(path, Mechanism)
    known = {"variables": (graph, "model variable"), "claims": (evidence.claims, "claim"),
             "actors": (evidence.actors, "actor")}
    items: dict[int, str] = {}
    for mech in mechanisms.values():
        if mech.item in items:
            raise EvidenceError(f"{path}: entry '{mech.id}' field 'item': item {mech.item} is "
                                f"also entry '{items[mech.item]}'")
        items[mech.item] = mech.id
        for field_name, (names, what) in known.items():
            for name in getattr(mech, field_name):
                if name not in names:
                    raise EvidenceError(f"{path}: entry '{mech.id}' field '{field_name}': "
                                        f"unknown {what} '{name}'")
        for loop in mech.loops:
            where = f"{path}: entry '{mech.id}' field 'loops': loop '{loop.name}'"
            try:
                found = polarity(graph, loop.path)
            except KeyError as err:
                raise EvidenceError(f"{where} is not a feedback loop of the model "
                                    f"({err.args[0]})") from None
            if found in ("reinforcing", "balancing") and found != loop.reads:
                raise EvidenceError(f"{where} is read as {loop.reads}, but the equations "
                                    f"make it {found}")
    return mechanisms
