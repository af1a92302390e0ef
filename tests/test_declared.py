"""Every library the package imports is declared in pyproject.toml (a dependency or an
extra), so no install works only because something else brought it in."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported() -> set[str]:
    names = set()
    for path in (ROOT / "src" / "prospects").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {a.name.partition(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.partition(".")[0])
    return names - set(sys.stdlib_module_names) - {"prospects"}


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *(r for extra, reqs in
              project["optional-dependencies"].items() if extra != "dev" for r in reqs)]
    # a name, and the extras it asks for ("dask[distributed]" brings distributed)
    return {n.lower().replace("_", "-") for r in wanted
            for n in re.match(r"([\w.-]+)(?:\[([\w,-]+)\])?", r)[0].replace("[", ",")
            .rstrip("]").split(",")}


def test_every_imported_library_is_declared():
    distributions = packages_distributions()
    missing = {name for name in _imported()
               if not {d.lower().replace("_", "-") for d in distributions.get(name, [name])}
               & _declared()}
    assert not missing
