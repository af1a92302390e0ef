"""Prospects: evidence-linked, calibrated simulation of conflict systems.

The names a notebook needs load on first use, so ``import prospects`` stays light.
"""

__version__ = "0.1.0"

_EXPORTS = {
    "load_system": "system",
    "simulate": "engine",
    "prior_predictive": "ensembles",
    "calibrate": "inference.calibrate",
    "load_posterior": "inference.posterior",
    "project": "projection",
    "backtest": "inference.backtest",
    "vintages": "inference.vintages",
    "UserError": "errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'prospects' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})  # so a notebook's tab completion offers them
