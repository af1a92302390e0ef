import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from prospects.evidence import EvidenceError, Prior, load_evidence
from prospects.system import BUILTIN

ISK = BUILTIN / "isk"


@pytest.fixture
def folder(tmp_path) -> Path:
    copy = tmp_path / "isk"
    shutil.copytree(ISK, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def edit(folder: Path, name: str, change) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def entry(entries, key, value):
    return next(e for e in entries if e.get(key) == value)


def test_the_builtin_evidence_loads_with_every_claim_used_or_explained():
    ev = load_evidence(ISK)
    assert len(ev.claims) >= 60
    assert ev.sources["isk-2018"].reliability == "B"
    assert all(c.locator and c.text for c in ev.claims.values())
    members = ev.claims["members-2017-10-12k"]
    assert (members.quantity.low, members.quantity.high) == (10000, 12000)
    assert members.asserted_by == "author"
    assert ev.claims["members-summer-2018-8k"].asserted_by == "group"
    gazetteer = ev.sources[ev.claims["derzab-is-in-jowzjan"].source]
    assert gazetteer.kind == "reference" and gazetteer.date <= "2018-12"
    assert "self_report_inflation" in ev.bias_names
    assert "self_report_inflation" not in ev.model_parameters
    assert ev.relations and all(r.claims for r in ev.relations.values())


def test_claim_usage_counts_parameters_observations_relations_and_extra_users():
    ev = load_evidence(ISK)
    usage = ev.claim_usage({"variable:x": ["ttp-hardliners-joined"]})
    assert "observation:members-2017-plateau" in usage["members-2017-10-12k"]
    assert "variable:x" in usage["ttp-hardliners-joined"]
    assert any(u.startswith("relation:") for users in usage.values() for u in users)


@pytest.mark.parametrize("file, key, ident, field, value, expected", [
    ("claims.yaml", "id", "members-2017-10-12k", "source", "nowhere",
     "claims.yaml: entry 'members-2017-10-12k' field 'source': unknown source 'nowhere'"),
    ("claims.yaml", "id", "members-2017-10-12k", "period", "around teatime",
     "claims.yaml: entry 'members-2017-10-12k' field 'period': cannot read the period"),
    ("claims.yaml", "id", "members-2017-10-12k", "credibility", 9,
     "claims.yaml: entry 'members-2017-10-12k' field 'credibility'"),
    ("claims.yaml", "id", "members-2017-10-12k", "asserted_by", "rumour",
     "claims.yaml: entry 'members-2017-10-12k' field 'asserted_by'"),
    ("parameters.yaml", "name", "collapse_depth", "prior", {"dist": "beta", "alpha": -1,
                                                           "beta": 2},
     "parameters.yaml: entry 'collapse_depth' field 'prior': 'beta' needs alpha > 0"),
    ("parameters.yaml", "name", "collapse_depth", "prior", {"dist": "uniform", "low": 1},
     "parameters.yaml: entry 'collapse_depth' field 'prior': 'uniform' needs high"),
    ("parameters.yaml", "name", "collapse_depth", "prior", {"dist": "gamma", "k": 1},
     "parameters.yaml: entry 'collapse_depth' field 'prior.dist'"),
    ("parameters.yaml", "name", "collapse_depth", "claims", ["made-up"],
     "parameters.yaml: entry 'collapse_depth' field 'claims': unknown claim 'made-up'"),
    ("observations.yaml", "id", "members-2017-plateau", "likelihood", "vibes",
     "observations.yaml: entry 'members-2017-plateau' field 'likelihood'"),
    ("observations.yaml", "id", "members-2017-plateau", "bias", "nonsense",
     "observations.yaml: entry 'members-2017-plateau' field 'bias': unknown parameter"),
])
def test_bad_entries_name_file_entry_and_field(folder, file, key, ident, field, value, expected):
    def change(data):
        entry(data, key, ident)[field] = value

    edit(folder, file, change)
    with pytest.raises(EvidenceError) as err:
        load_evidence(folder)
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def test_a_misspelt_field_and_a_duplicate_id_are_named(folder):
    edit(folder, "claims.yaml", lambda data: data[0].update(credibilty=2))
    with pytest.raises(EvidenceError, match=r"field 'credibilty': not a known field"):
        load_evidence(folder)
    edit(folder, "claims.yaml", lambda data: (data[0].pop("credibilty"), data.append(data[0])))
    first = yaml.safe_load((folder / "claims.yaml").read_text())[0]["id"]
    with pytest.raises(EvidenceError, match=rf"entry '{first}' field 'id': duplicate"):
        load_evidence(folder)


def test_malformed_yaml_names_the_file_and_line(folder):
    (folder / "claims.yaml").write_text("- id: a\n  text: [unclosed\n")
    with pytest.raises(EvidenceError, match=r"claims.yaml: line \d+: not valid YAML"):
        load_evidence(folder)


def test_a_relation_citing_an_unknown_actor_is_refused(folder):
    edit(folder, "actors.yaml", lambda data: data["relations"][0].update(target="martians"))
    with pytest.raises(EvidenceError, match=r"actors.yaml: entry '.*' field 'target': unknown "
                                            r"actor 'martians'"):
        load_evidence(folder)


PRIORS = [
    {"dist": "uniform", "low": 1, "high": 3},
    {"dist": "uniform", "low": -0.37, "high": 1e4},
    {"dist": "loguniform", "low": 1, "high": 100},
    {"dist": "normal", "mean": 2, "sd": 0.5},
    {"dist": "lognormal", "median": 5, "sigma": 0.3},
    {"dist": "lognormal", "median": 0.013, "sigma": 1.7},
    {"dist": "beta", "alpha": 2, "beta": 5},
    {"dist": "triangular", "low": 0, "mode": 1, "high": 4},
    {"dist": "triangular", "low": -2, "mode": -2, "high": 3.3},
]


def _unit_values() -> np.ndarray:
    return np.concatenate([np.random.default_rng(0).random(10_000),
                           [0.0, 1.0, 0.5, 1e-300, 1.0 - 2**-53, -0.5, 1.5, np.nan]])


@pytest.mark.parametrize("spec", [s for s in PRIORS if s["dist"] != "beta"])
def test_priors_give_scipys_quantiles_bit_for_bit(spec):
    """Quantiles computed without scipy.stats (the closed forms) are its numbers exactly,
    at the ends too, and NaN outside [0, 1] as it has them."""
    prior = Prior(**spec)
    u = _unit_values()
    assert np.array_equal(prior.ppf(u), prior.frozen.ppf(u), equal_nan=True)


@pytest.mark.parametrize("alpha, beta", [(2, 5), (8.5, 1.5), (6, 2), (0.5, 0.5), (0.3, 3),
                                         (50, 50), (200, 0.7), (0.01, 0.01), (1e3, 2e3)])
def test_beta_quantiles_are_scipys_to_rounding(alpha, beta):
    """Newton's method between scipy's quantiles lands within 1e-13 of scipy's numbers;
    the first and last cells, the ends and what lies outside [0, 1] are scipy's exactly."""
    prior = Prior(dist="beta", alpha=alpha, beta=beta)
    u = np.concatenate([_unit_values(), np.linspace(0, 1, 4097)])
    found, expected = prior.ppf(u), prior.frozen.ppf(u)
    assert np.array_equal(np.isnan(found), np.isnan(expected))
    both = ~np.isnan(expected)
    assert np.allclose(found[both], expected[both], rtol=1e-13, atol=0)
    edges = ~((u > 1 / 1024) & (u < 1 - 1 / 1024))
    assert np.array_equal(found[edges], expected[edges], equal_nan=True)
    assert prior.ppf(np.asarray(0.25)).shape == ()


@pytest.mark.parametrize("spec", PRIORS)
def test_priors_invert_their_cdf_and_put_the_median_where_expected(spec):
    prior = Prior(**spec)
    u = np.array([0.1, 0.5, 0.9])
    assert np.allclose(prior.frozen.cdf(prior.ppf(u)), u)
    assert np.all(np.isfinite(prior.logpdf(prior.ppf(u))))
    if spec["dist"] == "lognormal":
        assert prior.ppf(np.array([0.5]))[0] == pytest.approx(spec["median"])
    if spec["dist"] == "uniform":
        assert prior.ppf(np.array([0.5]))[0] == pytest.approx((spec["low"] + spec["high"]) / 2)
