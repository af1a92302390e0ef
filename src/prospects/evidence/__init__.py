"""The evidence layer: sources, claims, actors, parameter specs and observations from YAML."""

from .load import Evidence, EvidenceError, load_evidence, read_entries
from .periods import Period, PeriodError, parse_period
from .priors import Prior
from .schema import Actor, Claim, ObservationSpec, ParameterSpec, Quantity, Relation, Source

__all__ = ["Actor", "Claim", "Evidence", "EvidenceError", "ObservationSpec", "ParameterSpec",
           "Period", "PeriodError", "Prior", "Quantity", "Relation", "Source", "load_evidence",
           "parse_period", "read_entries"]
