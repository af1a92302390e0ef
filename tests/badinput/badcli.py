"""Helpers for the bad-input tests: edit a system's YAML, run the real command line, and
check that a failure is one line naming what is wrong, exit status 1, no traceback, and no
file written or changed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from typer.testing import CliRunner

from prospects.cli import app

TOY = Path(__file__).resolve().parents[1] / "fixtures" / "toy"


def edit_yaml(path: Path, change) -> None:
    """Apply ``change`` to the parsed YAML of ``path`` and write it back."""
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def entry(data: list, value: str, key: str = "id") -> dict:
    """The entry of a YAML list whose ``key`` is ``value``."""
    return next(e for e in data if e.get(key) == value)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def invoke(*args):
    """The command's result, on a terminal wide enough that rich wraps no line."""
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "2000"})


def fails(folder: Path, *args, says: tuple[str, ...] = ()):
    """Run the command; assert it fails as a user error naming ``says``, writing nothing."""
    before = snapshot(folder)
    result = invoke(*args)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()  # a progress bar may come before the error
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr
    for text in says:
        assert text in errors[0], errors[0]
    assert snapshot(folder) == before, "a file was written or changed"
    return errors[0]
