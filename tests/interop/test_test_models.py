"""A fixed subset of the SDXorg test-models suite (see benchmarks/test_models.py for all
of it): each model imported from its .mdl or .xmile matches its canonical output, and a
smaller subset survives the round trip through the Vensim export run in PySD."""

from pathlib import Path

import pytest

from prospects.interop.build import build_model
from prospects.interop.compare import canonical_file, load_canonical, mismatch, run_frame
from prospects.interop.read import read_model

pytest.importorskip("pysd")
SUITE = Path("/work/shared/test-models/tests")
if not SUITE.is_dir():
    SUITE = Path(__file__).parents[3] / "shared" / "test-models" / "tests"
if not SUITE.is_dir():
    pytest.skip("the test-models suite is not here", allow_module_level=True)

MATCHED = [
    "abs/test_abs.mdl",
    "arguments/test_arguments.mdl",
    "builtin_max/builtin_max.xmile",
    "chained_initialization/test_chained_initialization.mdl",
    "comparisons/comparisons.xmile",
    "delay_numeric_error/test_delay_numeric_error.mdl",
    "elm_count/test_elm_count.mdl",
    "eval_order/eval_order.xmile",
    "forecast/test_forecast.mdl",
    "function_capitalization/test_function_capitalization.xmile",
    "if_stmt/if_stmt.mdl",
    "initial_function/test_initial.xmile",
    "line_breaks/test_line_breaks.mdl",
    "line_continuation/test_line_continuation.mdl",
    "ln/test_ln.xmile",
    "logicals/test_logicals.mdl",
    "logicals/test_logicals_caseinsensitive.xmile",
    "lookups/test_lookups_no-indirect.xmile",
    "lookups/test_lookups_ypts_sep.xmile",
    "lookups_inline/test_lookups_inline.mdl",
    "lookups_inline_spaces/test_lookups_inline_spaces.mdl",
    "model_doc/model_doc.mdl",
    "multiple_lines_def/test_multiple_lines_def.mdl",
    "non_negative_all/test_non_negative_all2.xmile",
    "non_negative_stocks/test_non_negative_stocks.xmile",
    "number_handling/test_number_handling.mdl",
    "parentheses/test_parens.mdl",
    "power/power.mdl",
    "reference_capitalization/test_reference_capitalization.mdl",
    "rounding/test_rounding.xmile",
    "special_characters/test_special_variable_names.mdl",
    "sqrt/test_sqrt.mdl",
    "subscript_1d_arrays/test_subscript_1d_arrays.mdl",
    "subscript_3d_arrays_lengthwise/test_subscript_3d_arrays_lengthwise.mdl",
    "subscript_aggregation/test_subscript_aggregation.mdl",
    "subscript_docs/subscript_docs.mdl",
    "subscript_individually_defined_1_of_2d_arrays_from_floats/subscript_individually_defined_1_of_2d_arrays_from_floats.mdl",
    "subscript_individually_defined_1d_arrays/subscript_individually_defined_1d_arrays.xmile",
    "subscript_mapping_vensim/test_subscript_mapping_vensim.mdl",
    "subscript_numeric_range/test_subscript_numeric_range.mdl",
    "subscript_subranges/test_subscript_subrange.mdl",
    "subscript_updimensioning/test_subscript_updimensioning.mdl",
    "subscripted_if_then_else/test_subscripted_if_then_else.mdl",
    "subscripted_lookups/test_subscripted_lookups.mdl",
    "subscripted_trend/test_subscripted_trend.mdl",
    "subscripted_xidz/test_subscripted_xidz.mdl",
    "tabbed_arrays/tabbed_arrays.mdl",
    "trig/test_trig.mdl",
    "unicode_characters/unicode_test_model.mdl",
    "xidz_zidz/xidz_zidz.mdl",
    "zeroled_decimals/test_zeroled_decimals.xmile",
]
ROUND_TRIP = [
    "abs/test_abs.mdl",
    "comparisons/comparisons.xmile",
    "exp/test_exp.xmile",
    "limits/test_limits.mdl",
    "log/test_log.xmile",
    "lookups/test_lookups_ypts_sep.xmile",
    "model_doc/model_doc.xmile",
    "number_handling/test_number_handling.mdl",
    "rounding/test_rounding.mdl",
    "subscript_3d_arrays_lengthwise/test_subscript_3d_arrays_lengthwise.mdl",
    "subscripted_xidz/test_subscripted_xidz.mdl",
    "xidz_zidz/xidz_zidz.mdl",
]


def imported(name):
    path = SUITE / name
    expected = load_canonical(canonical_file(path.parent))
    return build_model(read_model(path), where=str(path)), expected


@pytest.mark.parametrize("name", MATCHED)
def test_imported_model_matches_its_canonical_output(name):
    model, expected = imported(name)
    assert mismatch(run_frame(model, expected.columns, expected.index.values), expected) is None


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_exported_model_runs_in_pysd_as_in_prospects(name, tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
    from test_models import round_trip_result

    model, expected = imported(name)
    assert round_trip_result(model, expected) is None


def test_the_subset_is_large_enough():
    assert len(MATCHED) >= 40
