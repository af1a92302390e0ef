"""The engine: a checked model compiled once and run over many draws in one pass."""

from .interventions import Intervention, InterventionError
from .memory import keep_freed_memory
from .run import NonFiniteError, compiled, default_outputs, run_chunk, simulate
from .sampling import sample

__all__ = [
    "Intervention", "InterventionError", "NonFiniteError", "compiled", "default_outputs",
    "keep_freed_memory",
    "run_chunk", "sample", "simulate",
]
