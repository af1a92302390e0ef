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


# numpy's SeedSequence hashing (fixed by its policy on stream compatibility, NEP 19)
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645  # PCG64's 128-bit multiplier
_MASK32, _MASK128 = 2**32 - 1, 2**128 - 1


def _words(number: int) -> list[int]:
    """An entropy number as SeedSequence splits it: 32-bit words, lowest first."""
    if number < 0:
        raise ValueError(f"random keys are non-negative integers, not {number}")
    words = [number & _MASK32]
    while number > _MASK32:
        number >>= 32
        words.append(number & _MASK32)
    return words


def _pcg64_states(keys: list[tuple[int, ...]]) -> list[tuple[int, int]]:
    """(state, increment) of ``np.random.PCG64(np.random.SeedSequence(key))`` for each
    key: SeedSequence's pool mixed for all keys at once (its hash constants do not depend
    on the data), then PCG64's seeding. Building the objects cost 19 us a key."""
    rows = [sum((_words(x) for x in key), []) for key in keys]
    if not rows:
        return []
    width = len(rows[0])
    if any(len(r) != width for r in rows):  # a number crossed 2**32: one width at a time
        return [_pcg64_states([key])[0] for key in keys]
    words = np.array(rows, dtype=np.uint32).reshape(len(rows), width)
    const = _INIT_A

    def hashmix(value):
        nonlocal const
        value = value ^ np.uint32(const)
        const = const * _MULT_A & _MASK32
        value = value * np.uint32(const)
        return value ^ (value >> np.uint32(16))

    def mix(x, y):
        value = np.uint32(_MIX_L) * x - np.uint32(_MIX_R) * y
        return value ^ (value >> np.uint32(16))

    pool = [hashmix(words[:, i] if i < width else np.zeros(len(rows), np.uint32))
            for i in range(4)]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for src in range(4, width):
        for dst in range(4):
            pool[dst] = mix(pool[dst], hashmix(words[:, src]))
    const, state = _INIT_B, []  # generate_state(4, uint64): eight 32-bit words
    for i in range(8):
        value = pool[i % 4] ^ np.uint32(const)
        const = const * _MULT_B & _MASK32
        value = value * np.uint32(const)
        state.append((value ^ (value >> np.uint32(16))).astype(np.uint64))
    halves = [(state[2 * j] | (state[2 * j + 1] << np.uint64(32))).tolist() for j in range(4)]
    found = []
    for high, low, inc_high, inc_low in zip(*halves, strict=True):
        inc = (((inc_high << 64) | inc_low) << 1 | 1) & _MASK128
        level = (inc + ((high << 64) | low)) & _MASK128  # one step from 0, the seed added
        found.append(((level * _PCG_MULT + inc) & _MASK128, inc))
    return found


def _uniform_rows(keys: list[tuple[int, ...]], size: int) -> np.ndarray:
    """Row ``i``: ``np.random.default_rng(list(keys[i])).random(size)``, the same bits,
    from one bit generator given each key's state in turn (a generator built per key
    was most of the cost of sampling a prior: one per block of draws per parameter),
    written straight into its row (through raw bits and a copy it took three times as
    long)."""
    bits = np.random.PCG64(0)
    generator = np.random.Generator(bits)
    found = np.empty((len(keys), size))
    for row, (state, inc) in zip(found, _pcg64_states(keys), strict=True):
        bits.state = {"bit_generator": "PCG64", "state": {"state": state, "inc": inc},
                      "has_uint32": 0, "uinteger": 0}
        generator.random(out=row)
    return found


def uniforms(name: str, start: int, n: int, seed: int) -> np.ndarray:
    """Uniform(0, 1) numbers for draws ``start`` .. ``start + n`` of one parameter."""
    key = zlib.crc32(name.encode())
    first, last = start // BLOCK, (start + n - 1) // BLOCK
    if n <= 0:
        return np.empty(0)
    blocks = _uniform_rows([(seed, b, key) for b in range(first, last + 1)], BLOCK)
    return blocks.reshape(-1)[start - first * BLOCK:][:n]


def stream(name: str, step: int, shape: tuple[int, ...], start: int, n: int,
           seed: int) -> np.ndarray:
    """Uniform(0, 1) numbers of step ``step`` of the random stream ``name``, shape
    ``(*shape, n)`` for draws ``start`` .. ``start + n``: keyed like ``uniforms``, by
    block of draws, and by step, so that chunks and steps need no state between them."""
    key = zlib.crc32(f"stream {name}".encode())
    cells = int(np.prod(shape))
    first, last = start // BLOCK, (start + n - 1) // BLOCK
    blocks = _uniform_rows([(seed, b, key, step) for b in range(first, last + 1)],
                           cells * BLOCK).reshape(-1, cells, BLOCK)
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
