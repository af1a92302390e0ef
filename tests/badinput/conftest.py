"""Fixtures for the bad-input tests: copies of a system folder in an empty working folder
(where the default ``out/`` lands)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from badcli import TOY

from prospects.system import BUILTIN


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    """An empty working folder (the default ``out/`` lands in it)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def toy(work) -> Path:
    return _copy(TOY, work / "toy")


@pytest.fixture
def isk(work) -> Path:
    return _copy(BUILTIN / "isk", work / "isk")

