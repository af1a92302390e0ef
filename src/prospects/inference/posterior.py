"""Posterior files: saving a calibration as InferenceData (NetCDF), reading it back for the
same model only, and drawing parameter sets from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..evidence import EvidenceError
from ..files import write_atomic
from .calibrate import model_fingerprint


def save_posterior(path: str | Path, idata) -> Path:
    return write_atomic(path, lambda p: idata.to_netcdf(str(p)))


def load_posterior(path: str | Path, system):
    """InferenceData from ``path``, refused unless it was made for this system's model."""
    import arviz as az

    path = Path(path)
    if not path.is_file():
        raise EvidenceError(f"{path}: no such posterior file (run `prospects calibrate`)")
    try:
        idata = az.from_netcdf(str(path))
        attrs = dict(idata.posterior.attrs)
    except (OSError, ValueError, AttributeError, KeyError) as err:
        raise EvidenceError(f"{path}: not a posterior file ({err})") from None
    if attrs.get("fingerprint") != model_fingerprint(system):
        made_for = f"'{attrs.get('system', '?')}' (model '{attrs.get('model', '?')}')"
        raise EvidenceError(f"{path}: this posterior was made for {made_for}, not for the "
                            f"current model of '{system.name}'; calibrate again")
    unknown = [n for n in idata.posterior.data_vars if n not in system.evidence.parameters]
    if unknown:
        raise EvidenceError(f"{path}: parameters {unknown} are not in {system.name}'s "
                            "parameters.yaml")
    return idata


def posterior_joint(idata):
    """The pooled posterior samples as a joint distribution the engine can draw rows from."""
    from ..engine.sampling import Empirical

    post = idata.posterior.stack(sample=("chain", "draw"))
    return Empirical({name: np.asarray(post[name].values) for name in post.data_vars})


def posterior_draws(idata, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """``n`` parameter sets drawn (with replacement) from the pooled posterior samples."""
    from ..engine.sampling import sample

    return sample(posterior_joint(idata).columns(), n, seed)
