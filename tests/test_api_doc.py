"""docs/api.md's walk-through runs: its code blocks, in order, in one namespace."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_code_block_of_the_api_walk_through_runs(monkeypatch):
    text = (ROOT / "docs" / "api.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)
    assert len(blocks) >= 7
    monkeypatch.chdir(ROOT)
    namespace = {}
    for block in blocks:
        exec(compile(block, "docs/api.md", "exec"), namespace)  # noqa: S102
    for name in ("system", "prior", "fit", "projection", "table", "scored", "outcomes"):
        assert name in namespace, name
    assert namespace["fit"].max_rhat < 1.1
    assert "diff" in namespace["table"] and len(namespace["scored"].table) >= 1
