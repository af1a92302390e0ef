import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from prospects.cli import app
from prospects.evidence import EvidenceError, load_mechanisms
from prospects.present.model_doc import md, model_doc
from prospects.sd import Model, if_then_else
from prospects.sd.loops import BALANCING, REINFORCING, UNKNOWN, feedback_loops, links
from prospects.system import BUILTIN, load_system

PAGE = Path(__file__).resolve().parents[2] / "docs" / "models" / "isk.md"


@pytest.fixture
def system(tmp_path) -> Path:
    copy = tmp_path / "isk"
    shutil.copytree(BUILTIN / "isk", copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def edit(folder: Path, change) -> None:
    path = folder / "mechanisms.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_the_page_in_the_repository_is_what_the_generator_writes_now():
    assert PAGE.read_text(encoding="utf-8") == model_doc(load_system("isk")), (
        "docs/models/isk.md is stale: run `prospects model doc -o docs/models/isk.md`")


def test_every_checklist_item_has_variables_or_says_it_is_not_yet_modelled():
    loaded = load_system("isk")
    mechanisms = load_mechanisms(loaded.folder, loaded.evidence, links(loaded.model))
    assert sorted(m.item for m in mechanisms.values()) == list(range(1, 14))
    assert all(m.variables or m.not_modelled for m in mechanisms.values())
    page = PAGE.read_text(encoding="utf-8")
    for mech in mechanisms.values():
        assert f"## {mech.item}. " in page
    assert "## Feedback loops" in page and "not yet modelled" in page.lower()
    named = [loop for mech in mechanisms.values() for loop in mech.loops]
    assert len(named) >= 8 and all(f"| {loop.name} | {loop.reads} (" in page for loop in named)


def test_every_parameter_is_on_the_page_with_its_prior_and_rationale():
    """Parameters no checklist item reads (observations' count factors among them) get a
    table of their own, so that the page shows every prior."""
    isk = load_system("isk")
    page = PAGE.read_text(encoding="utf-8")
    for name, spec in isk.evidence.parameters.items():
        assert f"| `{name}` |" in page and md(spec.rationale) in page, name
    assert "`membership_count_2017`" in page.split("## Parameters no checklist item reads")[1]


def test_an_item_without_variables_says_plainly_it_is_not_yet_modelled(system):
    edit(system, lambda data: data[9].update(variables=[], not_modelled="Nothing yet."))
    page = model_doc(load_system(system))
    item = page.split("## 10. ")[1].split("\n## ")[0]
    assert "**Not yet modelled.** Nothing yet." in item and "### Variables" not in item


@pytest.mark.parametrize("change, message", [
    (lambda d: d[2]["variables"].append("unicorns"),
     "entry 'territory' field 'variables': unknown model variable 'unicorns'"),
    (lambda d: d[2]["claims"].append("made-up"),
     "entry 'territory' field 'claims': unknown claim 'made-up'"),
    (lambda d: d[1].update(item=1), "entry 'centralised-command' field 'item': item 1 is "
                                    "also entry 'actors'"),
    (lambda d: (d[3].pop("not_modelled", None), d[3].update(variables=[])),
     "entry 'manpower' field '(entry)': name the variables"),
    (lambda d: d[4]["loops"][0]["path"].remove("money"),
     "entry 'finance' field 'loops': loop 'Pay keeps fighters' is not a feedback loop of the "
     "model (needs does not act on desertion)"),
    (lambda d: d[4]["loops"][0].update(reads="reinforcing"),
     "loop 'Pay keeps fighters' is read as reinforcing, but the equations make it balancing"),
])
def test_a_bad_mechanism_is_one_line_naming_file_entry_and_field(system, change, message):
    edit(system, change)
    loaded = load_system(system)
    with pytest.raises(EvidenceError) as err:
        load_mechanisms(loaded.folder, loaded.evidence, links(loaded.model))
    assert "mechanisms.yaml" in str(err.value) and message in str(err.value)
    assert "\n" not in str(err.value)


def test_user_text_renders_as_text():
    assert md("<script>x</script> **bold** [a](b) `c` #h |t|\nnext") == (
        "&lt;script&gt;x&lt;/script&gt; \\*\\*bold\\*\\* \\[a\\](b) \\`c\\` \\#h \\|t\\| next")


def test_a_claim_text_with_markup_reaches_the_page_escaped(system):
    path = system / "claims.yaml"
    text = path.read_text().replace(
        "IS-K fighters were fewer than the Taliban's",
        "<b>IS-K</b> fighters were *fewer* than the Taliban's")
    path.write_text(text)
    page = model_doc(load_system(system))
    assert "&lt;b&gt;IS-K&lt;/b&gt; fighters were \\*fewer\\*" in page
    assert "<b>" not in page


def test_loop_polarity_follows_the_signs_of_the_equations():
    m = Model("toy", start="2020-01", stop="2021-01")
    growth = m.param("growth", 0.1, unit="1/month")
    loss = m.param("loss", 0.05, unit="1/month")
    s = m.stock("s", 1.0, unit="person")
    m.flow("births", None, s, growth * s)
    m.flow("deaths", s, None, loss * s)
    t = m.stock("t", 1.0, unit="person", nonnegative=False)
    m.flow("swing", None, t, if_then_else(t > 1, -t, t) * loss)
    polarity = {loop.path: loop.polarity for loop in feedback_loops(m)}
    assert polarity == {("s", "births"): REINFORCING, ("s", "deaths"): BALANCING,
                        ("t", "swing"): UNKNOWN}
    flipped = {loop.path: loop.polarity for loop in feedback_loops(m, {"growth": (-1, 1)})}
    assert flipped[("s", "births")] == UNKNOWN


def test_model_doc_writes_the_page(tmp_path):
    out = tmp_path / "isk.md"
    result = CliRunner().invoke(app, ["model", "doc", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == PAGE.read_text(encoding="utf-8")
