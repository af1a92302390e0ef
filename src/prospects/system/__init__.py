"""A system: one folder of evidence, equations, scenarios and outlook, loaded and checked."""

from .load import (
    BUILTIN,
    System,
    builtin_names,
    check_observations,
    load_system,
    outside_run,
    resolve,
)

__all__ = ["BUILTIN", "System", "builtin_names", "check_observations", "load_system",
           "outside_run", "resolve"]
