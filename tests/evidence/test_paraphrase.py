from pathlib import Path

import pytest

from prospects.evidence import load_evidence
from prospects.evidence.paraphrase import copied_runs
from prospects.system import BUILTIN

ROOT = Path(__file__).resolve().parents[2]


def source_text(location: str) -> str:
    """The stored text of a source, looked for beside and above the repository."""
    for folder in (ROOT, *ROOT.parents):
        if (folder / location).is_file():
            return (folder / location).read_text(encoding="utf-8")
    pytest.skip(f"{location} is not on this machine")


def test_a_copied_run_is_found_across_case_punctuation_and_apostrophes():
    source = "Indeed IS-K\u2019s military organisation was optimised to fight the Taliban."
    assert copied_runs("So is-k's Military organisation, was optimised to fight!", source) == [
        "is ks military organisation was optimised to",
        "ks military organisation was optimised to fight"]
    assert copied_runs("Its army was built for fighting the Taliban.", source) == []
    assert copied_runs("military organisation was optimised to fight", source, length=6)


def test_no_isk_claim_copies_seven_words_in_a_row_from_the_assessment():
    evidence = load_evidence(BUILTIN / "isk")
    text = source_text(evidence.sources["isk-2018"].location)
    copied = {c.id: copied_runs(c.text, text) for c in evidence.claims.values()
              if c.source == "isk-2018"}
    assert {k: v for k, v in copied.items() if v} == {}
    assert len(copied) >= 70
