"""The evidence layer: sources, claims, actors, parameter specs and observations from YAML."""

from .load import Evidence, EvidenceError, load_evidence, load_mechanisms, read_entries
from .periods import Period, PeriodError, parse_period
from .priors import Prior
from .schema import (
    Actor,
    Claim,
    Mechanism,
    ObservationSpec,
    ParameterSpec,
    Quantity,
    Relation,
    Source,
)

__all__ = ["Actor", "Claim", "Evidence", "EvidenceError", "Mechanism", "ObservationSpec",
           "ParameterSpec", "Period", "PeriodError", "Prior", "Quantity", "Relation", "Source",
           "load_evidence", "load_mechanisms", "parse_period", "read_entries"]
