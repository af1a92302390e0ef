"""Evidence overlays (--evidence) and as-of dates (--as-of): what they add and keep, and
the one-line errors that leave nothing written."""

from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from prospects.cli import app
from prospects.evidence import EvidenceError
from prospects.inference.calibrate import Problem, model_fingerprint
from prospects.system import load_system

LINEAR = Path(__file__).parent.parent / "fixtures" / "linear"
DRIFT = Path(__file__).parent.parent / "fixtures" / "drift"


def write(folder: Path, **files) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, entries in files.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(entries, sort_keys=False))
    return folder


def source(id="later", date="2018-03"):
    return {"id": id, "title": "A later report", "publisher": "tests", "date": date,
            "kind": "report", "reliability": "C"}


def claim(id="level-dec-2016", source="later", value=360):
    return {"id": id, "source": source, "locator": "p. 1", "text": "The level was about "
            f"{value} in December 2016.", "asserted_by": "author", "credibility": 3,
            "period": "December 2016",
            "quantity": {"value": value, "unit": "person", "measures": "level"}}


def observation(id="level-dec-2016", claim="level-dec-2016", **extra):
    return {"id": id, "claim": claim, "variable": "level", "likelihood": "normal",
            "scale": 15, **extra}


@pytest.fixture
def overlay(tmp_path) -> Path:
    return write(tmp_path / "later", sources=[source()], claims=[claim()],
                 observations=[observation()])


def test_an_overlay_adds_its_observations_to_what_calibration_scores(overlay):
    system = load_system(LINEAR, [overlay])
    assert "level-dec-2016" in system.evidence.observations
    assert system.evidence.file("claims", "level-dec-2016") == overlay / "claims.yaml"
    assert system.evidence.file("claims", "level-march-2015") == LINEAR / "claims.yaml"
    ids = [t.id for t in Problem(system).likelihood.targets]
    assert ids[-1] == "level-dec-2016" and len(ids) == 4
    assert model_fingerprint(system) == model_fingerprint(load_system(LINEAR))


def test_overlays_stack_in_order_and_a_later_one_may_cite_an_earlier_one(tmp_path):
    first = write(tmp_path / "first", sources=[source()])
    second = write(tmp_path / "second", claims=[claim()], observations=[observation()])
    system = load_system(LINEAR, [first, second])
    assert system.evidence.overlays == (first, second)
    assert system.evidence.file("claims", "level-dec-2016") == second / "claims.yaml"
    assert "level-dec-2016" in system.evidence.observations
    with pytest.raises(EvidenceError, match="unknown source 'later'"):
        load_system(LINEAR, [second, first])  # the claim comes before its source
    again = write(tmp_path / "again", sources=[source()])
    with pytest.raises(EvidenceError) as err:
        load_system(LINEAR, [first, again])
    assert str(err.value) == (f"{again / 'sources.yaml'}: entry 'later' field 'id': already "
                              f"in {first / 'sources.yaml'}")


def test_calibrate_takes_evidence_repeated_and_records_every_folder(tmp_path):
    first = write(tmp_path / "first", sources=[source()])
    second = write(tmp_path / "second", claims=[claim()], observations=[observation()])
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["calibrate", "-s", str(DRIFT), "--evidence", str(first),
                                      "--evidence", str(second), "--particles", "100",
                                      "--steps", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    from prospects.inference.posterior import load_posterior

    attrs = load_posterior(out / "drift-posterior.nc", load_system(DRIFT)).posterior.attrs
    assert attrs["evidence"] == f"{first}|{second}"
    assert attrs["observations"].split(",")[-1] == "level-dec-2016"


def test_as_of_keeps_the_sources_published_by_then_and_moves_the_projection_start(overlay):
    before = load_system(DRIFT, [overlay], as_of="2018-02")
    after = load_system(DRIFT, [overlay], as_of="2018-03-31")
    assert "level-dec-2016" not in before.evidence.observations
    assert "later" not in before.evidence.sources and "baseline" in before.evidence.sources
    assert "level-dec-2016" in after.evidence.observations
    assert before.outlook.projection_start == "2018-03"
    assert after.outlook.projection_start == "2018-04"
    assert before.priors.keys() == after.priors.keys() == {"start_level", "slope"}


def test_the_builtin_system_as_of_2018_12_is_todays():
    today, then = load_system("isk"), load_system("isk", as_of="2018-12")
    assert model_fingerprint(today) == model_fingerprint(then)
    assert list(today.evidence.observations) == list(then.evidence.observations)
    assert Problem(today).names == Problem(then).names
    assert then.outlook.projection_start == today.outlook.projection_start == "2019-01"
    # the same likelihood: every observation's log-likelihood at the same parameter sets
    z = np.random.default_rng(1).normal(size=(8, Problem(today).ndim))
    a, b = Problem(today), Problem(then)
    la, lb = a.log_likelihoods(a.observed(a.values(z))), b.log_likelihoods(
        b.observed(b.values(z)))
    assert la.keys() == lb.keys() and len(la) == len(today.evidence.observations)
    assert all(np.array_equal(la[k], lb[k]) for k in la)


def test_the_as_of_date_is_recorded_by_calibration(overlay):
    from prospects.inference.calibrate import calibrate

    system = load_system(DRIFT, [overlay], as_of="2018-06")
    result = calibrate(system, particles=100, runs=2, steps=2)
    attrs = result.idata.posterior.attrs
    assert attrs["as_of"] == "2018-06" and attrs["evidence"] == str(overlay)
    assert attrs["observations"].endswith("level-dec-2016")


@pytest.mark.parametrize("files, as_of, expected", [
    ({"claims": [claim(source="nowhere")]}, None,
     "later/claims.yaml: entry 'level-dec-2016' field 'source': unknown source 'nowhere'"),
    ({"claims": [claim(id="level-march-2015")]}, None,
     "later/claims.yaml: entry 'level-march-2015' field 'id': already in "),
    ({"sources": [source(id="made-up")]}, None,
     "later/sources.yaml: entry 'made-up' field 'id': already in "),
    ({"sources": [source()], "claims": [claim()],
      "observations": [observation(claim="unknown-claim")]}, None,
     "later/observations.yaml: entry 'level-dec-2016' field 'claim': unknown claim"),
    ({"sources": [source()], "claims": [claim()],
      "observations": [observation(variable="nothing")]}, None,
     "later/observations.yaml: entry 'level-dec-2016' field 'variable': model 'linear' has "
     "no variable 'nothing'"),
    ({"sources": [source()], "claims": [claim()],
      "observations": [observation(bias="slope")]}, None,
     "later/observations.yaml: entry 'level-dec-2016' field 'bias': 'slope' is not a bias "
     "term"),
    ({"sources": [source(date="2018-14")]}, None,
     "later/sources.yaml: entry 'later' field 'date': '2018-14' is not a year"),
    ({"parameters": []}, None, "later/parameters.yaml: an evidence folder holds only"),
    ({"sources": [source()]}, "2016-06",
     "linear/sources.yaml: entry 'made-up' field 'date': the earliest source is dated 2017, "
     "after --as-of 2016-06: nothing was known by then"),
    ({"sources": [source()]}, "2018-13", "--as-of: '2018-13' is not a year, year-month or "
     "date"),
])
def test_overlay_and_as_of_errors_are_one_line_and_write_nothing(tmp_path, files, as_of,
                                                                 expected):
    folder = write(tmp_path / "later", **files)
    with pytest.raises(EvidenceError) as err:
        load_system(LINEAR, [folder], as_of)
    assert expected in str(err.value)
    out = tmp_path / "out"
    args = ["calibrate", "-s", str(LINEAR), "--evidence", str(folder), "--particles", "100",
            "--out", str(out)] + (["--as-of", as_of] if as_of else [])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert not out.exists()


def test_a_structure_resting_on_a_later_claim_refuses_the_as_of_date(tmp_path):
    import shutil

    folder = tmp_path / "drift"
    shutil.copytree(DRIFT, folder)
    sources = yaml.safe_load((folder / "sources.yaml").read_text()) + [source(date="2017")]
    claims = yaml.safe_load((folder / "claims.yaml").read_text()) + [claim()]
    params = yaml.safe_load((folder / "parameters.yaml").read_text())
    params[1]["claims"] = ["level-dec-2016"]
    write(folder, sources=sources, claims=claims, parameters=params)
    with pytest.raises(EvidenceError, match="parameters.yaml: entry 'slope' field 'claims': "
                       "claim 'level-dec-2016' rests on source 'later', dated 2017, after "
                       "--as-of 2016"):
        load_system(folder, as_of="2016")
    assert load_system(folder, as_of="2017").evidence.claims.keys() == set(
        c["id"] for c in claims)


def test_every_command_that_reads_evidence_takes_the_options():
    for command in ("calibrate", "project", "report", "backtest"):
        help_text = CliRunner().invoke(app, [command, "--help"], terminal_width=200).output
        assert "--evidence" in help_text and "--as-of" in help_text, command


EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "isk-later-illustrative"


def test_the_example_overlay_extends_the_builtin_system_and_says_it_is_illustrative():
    for source in yaml.safe_load((EXAMPLE / "sources.yaml").read_text()):
        assert "illustrative" in source["title"].lower()
        assert "not a sourced fact" in source["note"]
    then = load_system("isk", [EXAMPLE], as_of="2018-12")
    assert len(then.later()) == 4 and then.outlook.projection_start == "2019-01"
    mid = load_system("isk", [EXAMPLE], as_of="2019-07")
    assert set(mid.later()) == {"illustrative-fighters-2020", "illustrative-nangarhar-2020"}


def test_the_builtin_system_knows_nothing_published_after_2018():
    from datetime import date

    system = load_system("isk")
    assert all(s.published_by <= date(2018, 12, 31) for s in system.evidence.sources.values())


def test_a_posterior_of_other_evidence_is_refused_by_project(tmp_path, overlay):
    out = tmp_path / "out"
    common = ["-s", str(DRIFT), "--evidence", str(overlay), "--out", str(out)]
    made = CliRunner().invoke(app, ["calibrate", *common, "--as-of", "2018-06",
                                    "--particles", "100", "--steps", "2"])
    assert made.exit_code == 0, made.output
    ok = CliRunner().invoke(app, ["project", *common, "--as-of", "2018-06", "--draws", "20"])
    assert ok.exit_code == 0, ok.output
    refused = CliRunner().invoke(app, ["project", *common, "--as-of", "2018-02",
                                       "--draws", "20"])
    assert refused.exit_code == 1
    assert "calibrated to other observations (as of 2018-06)" in refused.output


def test_calibrating_as_of_a_date_after_every_source_is_todays_calibration():
    from prospects.inference.calibrate import calibrate

    toy = Path(__file__).parent.parent / "fixtures" / "toy"
    then = load_system(toy, as_of="2020-06")
    assert then.outlook.projection_start == "2019-12"  # the run's last month
    a = calibrate(load_system(toy), particles=100, runs=2, steps=2, seed=4)
    b = calibrate(then, particles=100, runs=2, steps=2, seed=4)
    for name in a.problem.names:
        assert (a.idata.posterior[name].values == b.idata.posterior[name].values).all()
    assert a.log_evidence == b.log_evidence


@pytest.mark.parametrize("command", ["project", "report", "backtest", "vintages"])
def test_every_command_refuses_a_bad_overlay_in_one_line(tmp_path, command):
    folder = write(tmp_path / "later", claims=[claim(source="nowhere")])
    out = tmp_path / "out"
    extra = ["--as-of", "2018-01", "--as-of", "2018-06"] if command == "vintages" else []
    result = CliRunner().invoke(app, [command, "-s", str(DRIFT), "--evidence", str(folder),
                                      "--out", str(out), *extra])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert lines == [f"error: {folder / 'claims.yaml'}: entry 'level-dec-2016' field "
                     "'source': unknown source 'nowhere'"], lines
    assert not out.exists()
