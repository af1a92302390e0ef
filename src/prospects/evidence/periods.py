"""Fuzzy periods as analysts write them ("summer 2018", "between May 2017 and March 2018")
parsed to month ranges. Either end may be open ("since May 2017", "by the end of 2018")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ..errors import UserError

MONTHS = {name: i + 1 for i, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"])}
MONTHS.update({name[:3]: number for name, number in list(MONTHS.items())})
MONTHS["sept"] = 9

#: season -> (first month, number of months); winter YEAR runs December YEAR to February.
SEASONS = {"spring": (3, 3), "summer": (6, 3), "autumn": (9, 3), "fall": (9, 3),
           "winter": (12, 3)}
#: part of a year -> (first month, number of months)
PARTS = {"early": (1, 4), "mid": (5, 4), "middle of": (5, 4), "late": (9, 4),
         "first half of": (1, 6), "second half of": (7, 6), "beginning of": (1, 1),
         "start of": (1, 1), "end of": (12, 1), "first quarter of": (1, 3),
         "second quarter of": (4, 3), "third quarter of": (7, 3), "fourth quarter of": (10, 3)}


class PeriodError(UserError, ValueError):
    """A period phrase that cannot be read."""


@dataclass(frozen=True)
class Period:
    """Months ``start`` .. ``end`` inclusive (first days of months); ``None`` is open."""

    start: date | None
    end: date | None
    text: str = ""

    def __str__(self) -> str:
        return self.text or f"{self.start or '...'} to {self.end or '...'}"


def _month(year: int, month: int) -> date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, 1)


def _span(year: int, first: int, length: int) -> tuple[date, date]:
    return _month(year, first), _month(year, first + length - 1)


def _simple(text: str) -> tuple[date, date]:
    """A period with both ends: a year, a month, a season, or a part of a year."""
    text = re.sub(r"^(the|around|about|c\.|circa)\s+", "", text)
    if m := re.fullmatch(r"(\d{4})", text):
        return _span(int(m[1]), 1, 12)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        if 1 <= int(m[2]) <= 12:
            return _span(int(m[1]), int(m[2]), 1)
    if m := re.fullmatch(r"([a-z]+)\.?\s+(\d{4})", text):
        name, year = m[1], int(m[2])
        if name in MONTHS:
            return _span(year, MONTHS[name], 1)
        if name in SEASONS:
            return _span(year, *SEASONS[name])
    if m := re.fullmatch(r"(early|mid|late)[\s-]+([a-z]+)\s+(\d{4})", text):
        if m[2] in SEASONS:
            first, _ = SEASONS[m[2]]
            return _span(int(m[3]), first + ("early", "mid", "late").index(m[1]), 1)
    for part, (first, length) in PARTS.items():
        if m := re.fullmatch(rf"{part}[\s-]+(\d{{4}})", text):
            return _span(int(m[1]), first, length)
    raise PeriodError(f"cannot read the period '{text}'")


def parse_period(text: str) -> Period:
    """The month range a phrase such as "late 2015" or "since May 2017" stands for."""
    phrase = " ".join(str(text).lower().replace("–", "-").replace("—", "-").split())
    phrase = phrase.rstrip(".")
    try:
        if m := re.fullmatch(r"(\d{4})\s*-\s*(\d{4})", phrase):
            start, end = _simple(m[1])[0], _simple(m[2])[1]
        elif m := re.fullmatch(r"(?:from|since|after|starting in)\s+(.+)", phrase):
            start, end = _simple(m[1])[0], None
        elif m := re.fullmatch(r"(?:by|until|up to|before)\s+(.+)", phrase):
            start, end = None, _simple(m[1])[1]
        elif m := re.fullmatch(r"as of\s+(.+)", phrase):
            start, end = _simple(m[1])
        elif m := re.fullmatch(r"(?:between|from)\s+(.+?)\s+(?:and|to|until)\s+(.+)", phrase):
            start, end = _simple(m[1])[0], _simple(m[2])[1]
        elif m := re.fullmatch(r"(.+?)\s+(?:to|until|and|through)\s+(.+)", phrase):
            start, end = _simple(m[1])[0], _simple(m[2])[1]
        else:
            start, end = _simple(phrase)
    except PeriodError:
        raise PeriodError(f"cannot read the period '{text}' (see docs/evidence-format.md "
                          "for the phrases understood)") from None
    if start and end and end < start:
        raise PeriodError(f"the period '{text}' ends before it starts")
    return Period(start, end, str(text))
