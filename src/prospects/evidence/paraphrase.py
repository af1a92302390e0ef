"""Checking that a claim is a paraphrase: no long run of words copied from its source."""

from __future__ import annotations

import re


def words(text: str) -> list[str]:
    """Lower-case words of ``text``, apostrophes dropped (IS-K's -> is, ks)."""
    return re.findall(r"[a-z0-9]+", re.sub(r"['\u2019]", "", text.lower()))


def copied_runs(text: str, source: str, length: int = 7) -> list[str]:
    """Every run of ``length`` consecutive words of ``text`` that also occurs in ``source``."""
    source_words = words(source)
    runs = {tuple(source_words[i:i + length]) for i in range(len(source_words) - length + 1)}
    own = words(text)
    return [" ".join(own[i:i + length]) for i in range(len(own) - length + 1)
            if tuple(own[i:i + length]) in runs]
