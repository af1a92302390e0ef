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


def _generator(*key: int) -> np.random.Generator:
    """``np.random.default_rng(list(key))``, the same numbers, built without its checks of
    what it is given: half its cost, which is most of sampling a prior (one per block of
    draws per parameter)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))


def uniforms(name: str, start: int, n: int, seed: int) -> np.ndarray:
    """Uniform(0, 1) numbers for draws ``start`` .. ``start + n`` of one parameter."""
    key = zlib.crc32(name.encode())
    first, last = start // BLOCK, (start + n - 1) // BLOCK
    blocks = [_generator(seed, b, key).random(BLOCK) for b in range(first, last + 1)]
    joined = np.concatenate(blocks) if blocks else np.empty(0)
    return joined[start - first * BLOCK:][:n]


def stream(name: str, step: int, shape: tuple[int, ...], start: int, n: int,
           seed: int) -> np.ndarray:
    """Uniform(0, 1) numbers of step ``step`` of the random stream ``name``, shape
    ``(*shape, n)`` for draws ``start`` .. ``start + n``: keyed like ``uniforms``, by
    block of draws, and by step, so that chunks and steps need no state between them."""
    key = zlib.crc32(f"stream {name}".encode())
    cells = int(np.prod(shape))
    first, last = start // BLOCK, (start + n - 1) // BLOCK
    blocks = [_generator(seed, b, key, step).random((cells, BLOCK))
              for b in range(first, last + 1)]
    joined = np.concatenate(blocks, axis=1)[:, start - first * BLOCK:][:, :n]
    return joined.reshape(shape + (n,))


class Empirical:
    """A joint distribution given by samples (a posterior, say): a draw takes a whole row,
    chosen by the stream named ``key``, so columns stay together whatever the chunking."""

    def __init__(self, samples: Mapping[str, np.ndarray], key: str = "posterior-row"):
        self.samples = {k: np.asarray(v, dtype=float) for k, v in samples.items()}
        self.size = len(next(iter(self.samples.values())))
        self.key = key

    def columns(self) -> dict[str, Column]:
        return {name: Column(self, name) for name in self.samples}

    def rows(self, start: int, n: int, seed: int) -> np.ndarray:
        return np.minimum((uniforms(self.key, start, n, seed) * self.size).astype(int),
                          self.size - 1)


class Column:
    """One parameter of an ``Empirical`` joint distribution, usable where a prior goes."""

    def __init__(self, joint: Empirical, name: str):
        self.joint, self.name = joint, name


def sample(
    priors: Mapping[str, Distribution | Column], n: int, seed: int = 0, start: int = 0
) -> dict[str, np.ndarray]:
    """Draws ``start`` .. ``start + n`` of every parameter: by inverse CDF of its prior, or
    a row of its joint distribution."""
    drawn, rows = {}, {}
    for name, prior in priors.items():
        if isinstance(prior, Column):
            joint = prior.joint
            if id(joint) not in rows:
                rows[id(joint)] = joint.rows(start, n, seed)
            drawn[name] = joint.samples[prior.name][rows[id(joint)]]
        else:
            drawn[name] = np.asarray(prior.ppf(uniforms(name, start, n, seed)), dtype=float)
    return drawn
