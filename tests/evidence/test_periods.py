from datetime import date

import pytest

from prospects.evidence import PeriodError, parse_period


def d(text):
    return date.fromisoformat(text + "-01")


@pytest.mark.parametrize("phrase, start, end", [
    ("2015", "2015-01", "2015-12"),
    ("spring 2015", "2015-03", "2015-05"),
    ("late 2015", "2015-09", "2015-12"),
    ("early 2018", "2018-01", "2018-04"),
    ("mid 2018", "2018-05", "2018-08"),
    ("mid-2018", "2018-05", "2018-08"),
    ("summer 2018", "2018-06", "2018-08"),
    ("late summer 2018", "2018-08", "2018-08"),
    ("autumn 2017", "2017-09", "2017-11"),
    ("fall 2017", "2017-09", "2017-11"),
    ("winter 2017", "2017-12", "2018-02"),
    ("first half of 2018", "2018-01", "2018-06"),
    ("second half of 2018", "2018-07", "2018-12"),
    ("August 2018", "2018-08", "2018-08"),
    ("Dec 2017", "2017-12", "2017-12"),
    ("2018-03", "2018-03", "2018-03"),
    ("2015-2016", "2015-01", "2016-12"),
    ("2015–2016", "2015-01", "2016-12"),
    ("2015 to 2016", "2015-01", "2016-12"),
    ("2017 and early 2018", "2017-01", "2018-04"),
    ("between May 2017 and March 2018", "2017-05", "2018-03"),
    ("from 2015", "2015-01", None),
    ("since May 2017", "2017-05", None),
    ("by the end of 2018", None, "2018-12"),
    ("by summer 2018", None, "2018-08"),
    ("as of autumn 2018", "2018-09", "2018-11"),
    ("the end of 2018", "2018-12", "2018-12"),
    ("  Late   2015. ", "2015-09", "2015-12"),
])
def test_phrases_parse_to_month_ranges(phrase, start, end):
    period = parse_period(phrase)
    assert period.start == (d(start) if start else None)
    assert period.end == (d(end) if end else None)
    assert str(period) == phrase


@pytest.mark.parametrize("phrase", ["soon", "summer", "2018-13", "late spring", "mid 20188",
                                    "between 2019 and 2018", "from whenever"])
def test_unreadable_or_backwards_phrases_are_refused(phrase):
    with pytest.raises(PeriodError, match="period"):
        parse_period(phrase)
