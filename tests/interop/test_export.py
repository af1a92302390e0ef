"""Exporting whole systems: PySD runs the .mdl and the XMILE as the engine does, the
Vensim sketch is a complete diagram, ``prospects export`` writes each format, and no
name, unit or comment can change what the file defines."""

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prospects.cli import app
from prospects.interop.dot import to_dot
from prospects.interop.equations import comment, lookup_xs, plain_name, unit
from prospects.interop.vensim import to_vensim, vensim_names
from prospects.interop.xmile import to_xmile
from prospects.sd import Model, ModelError, Variable, pulse, random_uniform, smooth, zidz
from prospects.sd.builtins import BUILTINS
from prospects.sd.expr import Call
from prospects.system import load_system

sys.path.insert(0, str(Path(__file__).parents[1] / "sd"))
import models  # noqa: E402  (tests/sd/models.py)

pysd = pytest.importorskip("pysd")
from pysd_runs import assert_same_run  # noqa: E402

ROOT = Path(__file__).parents[2]
SYSTEMS = ["isk", str(ROOT / "examples" / "guerrilla"), str(ROOT / "tests" / "fixtures" / "toy")]


@pytest.fixture(scope="module", params=SYSTEMS, ids=["isk", "guerrilla", "toy"])
def system_model(request):
    return load_system(request.param).model


@pytest.mark.parametrize("fmt", ["mdl", "xmile"])
def test_pysd_runs_each_system_as_prospects_does(system_model, fmt, tmp_path):
    assert_same_run(system_model, tmp_path, fmt)


# -- the sketch ----------------------------------------------------------------------------
def sketch_objects(text):
    """The sketch's lines split into fields, by id; and its arrows."""
    body = text.split("*View 1\n", 1)[1].split("///---\\\\\\", 1)[0].splitlines()
    assert body[0].startswith("$192-192-192,0,Times New Roman|12|")
    objects, arrows, ids = {}, [], set()
    for line in body[1:]:
        fields = line.split(",")
        assert fields[0] in ("1", "10", "11", "12"), line
        assert fields[1] not in ids, f"id {fields[1]} used twice"
        ids.add(fields[1])
        if fields[0] == "1":
            arrows.append(fields)
        else:
            objects[fields[1]] = fields
    return objects, arrows


def direct_reads(expr):
    """Variables an equation reads itself (a smooth's or delay's input is read by the
    variable that stands for it)."""
    if isinstance(expr, Variable):
        return [expr]
    if isinstance(expr, Call) and BUILTINS[expr.fn].lower is not None:
        return []
    return [v for child in expr.children() for v in direct_reads(child)]


def check_sketch(model):
    text = to_vensim(model)
    assert "\\\\\\---/// Sketch information" in text and "\nV300 " in text
    objects, arrows = sketch_objects(text)
    names = vensim_names(model)
    variables = {}
    for fields in objects.values():
        if fields[0] == "10":
            assert fields[2] not in variables, f"{fields[2]} drawn twice"
            variables[fields[2]] = fields
    defined = set(re.findall(r"^([^\s=(\[][^=(\[\n]*?)(?:\[[^\]]*\])?\s*[=(]\s*$", text.split(
        "\\\\\\---///")[0], re.M)) - {"FINAL TIME", "INITIAL TIME", "SAVEPER", "TIME STEP"}
    assert set(variables) == defined  # every variable of the file, once
    for arrow in arrows:
        assert arrow[2] in objects and arrow[3] in objects, arrow
    pipes = {(a[2], a[3], a[4]) for a in arrows if a[7] == "22"}
    links = {(a[2], a[3]) for a in arrows if a[7] != "22"}
    ids = {name: fields[1] for name, fields in variables.items()}
    for stock in model.stocks:
        assert variables[names[stock.name]][7] == "3"  # a box
    for flow in model.flows:
        label = variables[names[flow.name]]
        assert label[7] == "40"  # a flow's rate, beside its valve
        valve = objects[str(int(label[1]) - 1)]
        assert valve[0] == "11"
        for end, head in ((flow.dst, "4"), (flow.src, "100")):
            target = [p[1] for p in pipes if p[0] == valve[1] and p[2] == head]
            assert len(target) == 1, f"{flow.name}: one pipe to its {head} end"
            if end is None:
                assert objects[target[0]][0] == "12"  # a cloud
            else:
                assert target[0] == ids[names[end.name]]
    own = {ids[n] for n in variables if n not in {names[v] for v in model.variables}}

    def reaches(src, dst):
        """An arrow from src to dst, maybe through variables only the export has."""
        seen, todo = set(), [src]
        while todo:
            node = todo.pop()
            for a, b in links:
                if a == node and b == dst:
                    return True
                if a == node and b in own and b not in seen:
                    seen.add(b)
                    todo.append(b)
        return False

    for var in model.variables.values():
        if var.kind == "param":
            continue
        user = names[var.name]
        user = f"{user} raw" if f"{user} raw" in ids else user  # a limited outflow's rate
        for used in direct_reads(var.equation()):
            assert reaches(ids[names[used.name]], ids[user]), \
                f"no arrow {used.name} -> {var.name}"
    return variables


@pytest.mark.parametrize("make", [models.arrays, models.lookups_and_smooths, models.depletion,
                                  models.nested, models.delays, models.switches])
def test_the_sketch_draws_every_variable_flow_and_dependency(make):
    check_sketch(make())


def test_the_sketch_of_each_system_is_complete(system_model):
    variables = check_sketch(system_model)
    positions = {(int(f[3]), int(f[4])) for f in variables.values() if f[7] != "40"}
    assert len(positions) == len([f for f in variables.values() if f[7] != "40"])  # no overlap


def test_the_xmile_view_places_every_variable(system_model):
    root = ET.fromstring(to_xmile(system_model))
    ns = {"x": "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"}
    defined = {v.get("name").replace(" ", "_")
               for v in root.find("x:model/x:variables", ns)}
    view = root.find("x:model/x:views/x:view", ns)
    drawn = [v.get("name") for v in view if v.tag.endswith(("stock", "flow", "aux"))]
    assert sorted(drawn) == sorted(defined)
    for connector in view.findall("x:connector", ns):
        assert {connector.find("x:from", ns).text, connector.find("x:to", ns).text} <= defined


# -- XMILE specifics -----------------------------------------------------------------------
def test_xmile_writes_pulse_as_its_condition_and_refuses_random_uniform(tmp_path):
    m = Model("pulsed", start="2015-01", stop="2016-12")
    stock = m.stock("x", 0.0, unit="person")
    m.flow("inflow", None, stock, pulse("2015-06", 3) * m.param("h", 2.0, unit="person/month"))
    m.aux("ratio", zidz(m.param("one", 1.0, unit="person"), stock))  # 0 until x > 0
    text = to_xmile(m)
    assert "IF_THEN_ELSE(TIME &gt;= 5 AND TIME &lt; 5 + 3, 1, 0)" in text
    assert 'SAFEDIV("one", "x")' in text
    assert_same_run(m, tmp_path, "xmile")
    m.aux("shock", random_uniform(0.0, 1.0))
    with pytest.raises(ModelError, match="random_uniform to XMILE"):
        to_xmile(m)


# -- hostile text ----------------------------------------------------------------------------
HOSTILE = ('a "quote" ~ tilde | bar\nnew line <tag> & amp ] [ { } \\\\\\---/// :AND: \x07 '
           ':MACRO: m(x) = 1 :END OF MACRO: x = 1')


def hostile_model():
    """Hostile text wherever a model holds free text (units are checked expressions)."""
    m = Model(HOSTILE, start="2015-01", stop="2016-12", doc=HOSTILE)
    rate = m.param("rate", 0.1, unit="1/month", doc=HOSTILE, label=HOSTILE)
    effect = m.lookup("effect", [(0, 0), (10, 1)], doc=HOSTILE)
    people = m.stock("people", 100.0, unit="person", doc=HOSTILE, label=HOSTILE)
    m.flow("births", None, people, rate * people * effect(people / 50), doc=HOSTILE)
    m.aux("seen", smooth(people, 3.0), unit="person", doc=HOSTILE)
    return m


def test_units_and_comments_keep_no_character_that_ends_a_field():
    for text in (comment(HOSTILE), unit(HOSTILE)):
        assert not set(text) & set('"~|\n<>&[]{}\\\x07')
        assert "quote" in text and "amp" in text and "MACRO" in text
        assert not re.search(r":\s*[A-Za-z ]+:", text)


@pytest.mark.parametrize("fmt", ["mdl", "xmile"])
def test_hostile_comments_define_nothing_more(fmt, tmp_path):
    model = hostile_model()
    ours, theirs = assert_same_run(model, tmp_path, fmt)
    read = (pysd.read_vensim if fmt == "mdl" else pysd.read_xmile)(
        str(tmp_path / f"model.{fmt}"))
    names = {re.sub(r"[\s_]+", "_", n.lower()) for n in read.doc["Real Name"]}
    assert names == {"rate", "effect", "people", "births", "seen", "seen_smooth",
                     "people_floor", "time", "final_time", "initial_time", "saveper",
                     "time_step"}


def test_no_format_carries_a_control_character_to_the_terminal():
    model = hostile_model()
    for text in (to_vensim(model), to_xmile(model), to_dot(model)):
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)


def test_names_are_made_plain():
    assert plain_name('x" = 1 ~ | y') == "x_ _ 1 _ _ y"
    assert plain_name("9 lives") == "v 9 lives"
    assert plain_name("ünïcode<>&") == "v _n_code___"


def test_a_hostile_name_is_exported_plain(tmp_path):
    model = hostile_model()
    people = model.variables.pop("people")
    people.name = 'people" ~ | = 1'
    model.variables[people.name] = people
    names = vensim_names(model)
    assert names[people.name] == "people_ _ _ _ 1"
    for text in (to_vensim(model), to_xmile(model)):
        assert 'people"' not in text and "people_ _ _ _ 1" in text


# -- the command -----------------------------------------------------------------------------
def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "2000"})


@pytest.mark.parametrize("fmt, starts", [("mdl", "{UTF-8}"), ("xmile", "<?xml"),
                                         ("dot", "digraph")])
def test_export_writes_each_format(fmt, starts, tmp_path):
    out = tmp_path / f"model.{fmt}"
    result = invoke("export", "--format", fmt, "--system", SYSTEMS[1], "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith(starts)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary left
    printed = invoke("export", "--format", fmt, "--system", SYSTEMS[1])
    assert printed.exit_code == 0 and printed.stdout == out.read_text()
    if fmt != "dot":
        read = pysd.read_vensim if fmt == "mdl" else pysd.read_xmile
        assert "guerrillas" in read(str(out)).run().columns


def test_export_takes_the_format_from_the_suffix(tmp_path):
    out = tmp_path / "model.xmile"
    assert invoke("export", "--system", SYSTEMS[2], "-o", out).exit_code == 0
    assert out.read_text().startswith("<?xml")


@pytest.mark.parametrize("args, says", [
    (["--format", "svg"], "--format: 'svg' is not a format"),
    (["-o", "{tmp}/file.txt/model.mdl"], "is a file, not a folder"),
    (["-o", "{tmp}"], "is a folder"),
])
def test_bad_export_is_one_line_exit_1_and_writes_nothing(args, says, tmp_path):
    (tmp_path / "file.txt").write_text("keep")
    result = invoke("export", "--system", SYSTEMS[2],
                    *[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 1
    assert says in result.output and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]
    assert (tmp_path / "file.txt").read_text() == "keep"


def test_a_step_one_float_wide_is_exported_a_thousandth_of_a_step_wide():
    """PySD writes a lookup's points to 8 digits: a data series' float-wide steps are
    spread about their point of shortest decimal, other points left as they are."""
    import numpy as np

    from prospects.sd.expr import Lookup

    up = float(np.nextafter(1.0, np.inf))
    table = Lookup("t", (float(np.nextafter(0.0, -np.inf)), 0.0, 5e-324, 0.5,
                         float(np.nextafter(1.0, -np.inf)), 1.0, up), (0, 1, 0, 2, 3, 4, 5))
    assert lookup_xs(table, 0.25) == pytest.approx(
        [-0.00025, 0.0, 0.00025, 0.5, 0.99975, 1.0, 1.00025], rel=1e-12, abs=1e-15)
