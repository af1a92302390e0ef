"""Reproducible parameter draws: the same seed gives the same draw whatever the chunking.

Draw ``i`` of parameter ``p`` comes from a stream keyed by (seed, block of ``i``, name of
``p``), so a chunk can sample its own draws without the others, and adding a parameter
leaves the draws of the others unchanged.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Protocol

import numpy as np

BLOCK = 1024


class Distribution(Protocol):
    def ppf(self, u: np.ndarray) -> np.ndarray: ...


def uniforms(name: str, start: int, n: int, seed: int) -> np.ndarray:
    """Uniform(0, 1) numbers for draws ``start`` .. ``start + n`` of one parameter."""
    key = zlib.crc32(name.encode())
    first, last = start // BLOCK, (start + n - 1) // BLOCK
    blocks = [np.random.default_rng([seed, b, key]).random(BLOCK) for b in range(first, last + 1)]
    joined = np.concatenate(blocks) if blocks else np.empty(0)
    return joined[start - first * BLOCK:][:n]


def sample(
    priors: Mapping[str, Distribution], n: int, seed: int = 0, start: int = 0
) -> dict[str, np.ndarray]:
    """Draws ``start`` .. ``start + n`` of every parameter, by inverse CDF of its prior."""
    return {name: np.asarray(prior.ppf(uniforms(name, start, n, seed)), dtype=float)
            for name, prior in priors.items()}
