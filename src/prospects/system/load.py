"""Loading a system: one folder of evidence, parameters, equations, scenarios and
outlook, cross-checked.

The built-in IS-K system lives in ``prospects/models/isk``; another group is another
folder with the same files (see docs/evidence-format.md).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import UserError
from ..evidence import Evidence, EvidenceError, load_evidence
from ..sd import Model, ModelError
from .outlook import Outlook, load_outlook
from .scenarios import Scenario, load_scenarios

BUILTIN = Path(__file__).parent.parent / "models"


@dataclass
class System:
    name: str
    folder: Path
    evidence: Evidence
    model: Model
    outlook: Outlook | None = None
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    as_of: str | None = None  # the date the evidence is as of (None: all of it)
    everything: Evidence | None = None  # with an as-of date: all the evidence, later too

    def later(self) -> dict:
        """The observations published after the as-of date (none without one)."""
        if self.everything is None:
            return {}
        return {k: o for k, o in self.everything.observations.items()
                if k not in self.evidence.observations}

    @cached_property
    def priors(self) -> dict:
        """Uncertain parameters (prior not ``fixed``) and their priors."""
        return {name: spec.prior for name, spec in self.evidence.model_parameters.items()
                if spec.prior.dist != "fixed"}

    def claim_users(self) -> dict[str, list[str]]:
        """Model variables and scenarios, each with the claims it cites."""
        users = {f"variable:{v.name}": list(v.claims) for v in self.model.variables.values()
                 if v.kind != "param" and v.claims}
        for scenario in self.scenarios.values():
            users[f"scenario:{scenario.name}"] = list(scenario.claims)
        return users

    def unused_claims(self):
        return self.evidence.unused(self.claim_users())

    def __repr__(self) -> str:
        ev = self.evidence
        return (f"<System {self.name!r} from {self.folder}: {len(self.model.variables)} "
                f"variables, {len(self.priors)} uncertain parameters, {len(ev.claims)} claims, "
                f"{len(ev.observations)} observations, "
                f"{len(getattr(self, 'scenarios', {}))} scenarios>")


def builtin_names() -> list[str]:
    return sorted(p.name for p in BUILTIN.iterdir() if (p / "model.py").exists())


MODEL_FILES = (".mdl", ".xmile", ".xml", ".stmx")


def resolve(spec: str | Path) -> Path:
    """A built-in system's name, a folder path or a model file, as a path."""
    if str(spec) in builtin_names():
        return BUILTIN / str(spec)
    folder = Path(spec)
    if folder.suffix.lower() in MODEL_FILES and folder.is_file():
        return folder
    if not any((folder / name).is_file() for name in ("model.py", "model.yaml")):
        raise EvidenceError(f"{folder}: not a system folder (no model.py or model.yaml), "
                            "not a model file (.mdl, .xmile) and not one of the built-in "
                            f"systems ({', '.join(builtin_names())})")
    return folder


def _model_file(path: Path) -> System:
    """A Vensim or XMILE file run as it is: its constants are its parameters, its
    scenario and outlook the baseline and default outlook `prospects import` writes."""
    from ..evidence.load import Evidence, parse_entries
    from ..evidence.schema import ParameterSpec
    from ..interop.build import build_model
    from ..interop.folder import BASELINE, outlook_data, parameter_entries
    from ..interop.read import read_model
    from .outlook import checked_outlook

    data = read_model(path)
    parameters = parse_entries(path, parameter_entries(data), ParameterSpec, key="name")
    evidence = Evidence(folder=path.parent, sources={}, claims={}, parameters=parameters,
                        biases=frozenset())
    model = build_model(data, where=str(path))
    model.check()
    system = System(path.stem, path, evidence, model)
    system.scenarios = {s["id"]: Scenario.model_validate(s) for s in BASELINE}
    system.outlook = checked_outlook(Outlook.model_validate(outlook_data(data)), path, model,
                                     system.scenarios, evidence.parameters)
    return system


def _model_data(folder: Path, parameters) -> Model:
    """A folder's model as data (``model.yaml``, as ``prospects import`` writes it), its
    constants set from ``parameters.yaml``."""
    from ..evidence.load import read_yaml
    from ..interop.build import build_model

    path = folder / "model.yaml"
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise EvidenceError(f"{path}: expected a mapping of fields")
    try:
        return build_model(data, {k: spec.default for k, spec in parameters.items()},
                           where=str(path))
    except (KeyError, TypeError, IndexError, ValueError) as err:
        if isinstance(err, UserError):
            raise
        raise EvidenceError(f"{path}: not model data as `prospects import` writes it "
                            f"({type(err).__name__}: {err})") from None


def _where(path: Path, err: BaseException) -> str:
    """``path`` and the line of it where ``err`` was raised (its deepest frame there)."""
    import traceback

    line = getattr(err, "lineno", None) if isinstance(err, SyntaxError) else None
    for frame in traceback.extract_tb(err.__traceback__):
        if Path(frame.filename) == path:
            line = frame.lineno
    return f"{path}: line {line}" if line else str(path)


def _build_model(folder: Path, parameters) -> Model:
    """Run the folder's ``model.py`` and its ``build(parameters)``; any exception raised
    there is the user's, reported in one line with the file and line."""
    path = (folder / "model.py").resolve()
    spec = importlib.util.spec_from_file_location(f"prospects_system_{folder.name}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        build = getattr(module, "build", None)
        if not callable(build):
            raise EvidenceError(f"{path}: defines no build(parameters) function")
        model = build(parameters)
    except EvidenceError:
        raise
    except KeyError as err:
        raise EvidenceError(f"{folder / 'parameters.yaml'}: entry {err} is missing (the model "
                            "uses it)") from None
    except Exception as err:
        what = [str(err).splitlines()[0]] if str(err) else []
        if not isinstance(err, UserError):
            what.insert(0, type(err).__name__)
        raise EvidenceError(f"{_where(path, err)}: {': '.join(what)}") from None
    if not isinstance(model, Model):
        raise EvidenceError(f"{path}: build(parameters) returned {type(model).__name__}, not "
                            "a Model")
    return model


def load_system(spec: str | Path = "isk", evidence: Sequence[str | Path] = (),
                as_of: str | None = None) -> System:
    """Load evidence, build the model from its parameter specs, and cross-check them;
    add the overlay folders ``evidence`` (``prospects.evidence.overlay``), then keep what
    was published by ``as_of`` (the projection then starts the month after it, or at the
    run's end if that is later)."""
    from ..evidence.overlay import extend

    folder = resolve(spec)
    if folder.is_file():
        if evidence or as_of is not None:
            raise EvidenceError(f"{folder}: a model file has no evidence to overlay or date; "
                                "import it (`prospects import`) first")
        return _model_file(folder)
    own = load_evidence(folder)
    as_data = (folder / "model.yaml").is_file() and not (folder / "model.py").is_file()
    try:
        model = (_model_data(folder, own.model_parameters) if as_data
                 else _build_model(folder, own.model_parameters))
        model.check()
    except ModelError as err:
        raise EvidenceError(f"{folder / ('model.yaml' if as_data else 'model.py')}: "
                            f"{err}") from None
    # a bias term is a parameter the equations leave alone (observations scale by it)
    own.biases = frozenset(own.bias_names | (set(own.parameters) - set(model.variables)))
    full = own
    for overlay in evidence:
        full = extend(full, Path(overlay))
    check_observations(full, model)
    system = System(folder.name, folder, full, model)
    system.scenarios = load_scenarios(folder / "scenarios.yaml", system)
    if (folder / "outlook.yaml").is_file() or not as_data:
        system.outlook = load_outlook(folder / "outlook.yaml", model, system.scenarios,
                                      own.parameters)
    if as_of is not None:
        _go_back(system, str(as_of))
    return system


def _go_back(system: System, when: str) -> None:
    """Keep the evidence ``system`` had on ``when``; refuse if its structure (priors,
    relations, equations, scenarios) rests on a claim published later."""
    from ..evidence.overlay import as_of, later_than, month_after

    ev = system.evidence
    kept = as_of(ev, when)  # refuses a date before every source
    users = {**system.claim_users(),
             **{f"parameter:{p.name}": p.claims for p in ev.parameters.values()},
             **{f"relation:{r.id}": r.claims for r in ev.relations.values()}}
    files = {"variable": "model.py", "scenario": "scenarios.yaml",
             "parameter": "parameters.yaml", "relation": "actors.yaml"}
    for user, claims in users.items():
        for claim in claims:
            if why := later_than(ev, claim, when):
                kind, name = user.split(":", 1)
                raise EvidenceError(f"{system.folder / files[kind]}: entry '{name}' field "
                                    f"'claims': {why}")
    system.everything, system.evidence = ev, kept
    # the month after the date, kept within the run (after it, everything is hindsight)
    model = system.model
    first, last = model.start.isoformat()[:7], model.stop.isoformat()[:7]
    start = min(max(month_after(when), first), last)
    system.outlook = system.outlook.model_copy(update={"projection_start": start})
    system.as_of = when


def check_observations(evidence: Evidence, model: Model) -> None:
    """Every observation names a variable, members and dimensions of ``model``, a bias
    term, and a period overlapping the run."""
    own = evidence.biases or set()
    for obs in evidence.observations.values():
        where = evidence.file("observations", obs.id)
        if obs.bias is not None and obs.bias not in own:
            raise EvidenceError(f"{where}: entry '{obs.id}' field 'bias': '{obs.bias}' is "
                                "not a bias term (a parameter the model's equations do not "
                                "use)")
        var = model.variables.get(obs.variable)
        if var is None:
            raise EvidenceError(f"{where}: entry '{obs.id}' field 'variable': model "
                                f"'{model.name}' has no variable '{obs.variable}'")
        for dim, member in (obs.select or {}).items():
            if dim not in var.dims or member not in model.dimensions[dim].members:
                raise EvidenceError(f"{where}: entry '{obs.id}' field 'select': "
                                    f"'{obs.variable}' has no {dim} '{member}'")
        for dim in obs.over or []:
            if dim not in var.dims:
                raise EvidenceError(f"{where}: entry '{obs.id}' field 'over': "
                                    f"'{obs.variable}' has no dimension '{dim}'")
        period = obs.period or evidence.claims[obs.claim].period
        if outside := outside_run(period, model):
            field, whose = ("period", "") if obs.period else (
                "claim", f" (the period of claim '{obs.claim}')")
            raise EvidenceError(f"{where}: entry '{obs.id}' field '{field}': {outside}{whose}")


def outside_run(period: str, model: Model) -> str | None:
    """Why ``period`` lies wholly outside the model's run, or None if it does not."""
    from ..evidence import parse_period

    span = parse_period(period)
    if (span.start is not None and span.start > model.stop) or (
            span.end is not None and span.end < model.start):
        return (f"'{period}' lies outside the model's run ({model.start:%Y-%m} to "
                f"{model.stop:%Y-%m})")
    return None
