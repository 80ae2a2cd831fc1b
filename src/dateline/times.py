"""Time: find time expressions in a sentence and resolve them against the publication time, with a precision."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from .model import DatePrecision

WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2, "a few": 3, "several": 3}

_WD = "|".join(calendar.day_name)
_MON = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_NUM = r"(?:\d+|a couple of|a few|several|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"

# Ordered: the first pattern that matches a stretch of text wins it.
PATTERNS: list[tuple[str, re.Pattern]] = [
    ("iso", re.compile(rf"\b({_YEAR})-(\d\d)-(\d\d)\b")),
    ("day_month_year", re.compile(rf"\b(?:on\s+)?(?:(?:{_WD}),?\s+)?({_DAY})\s+(?:of\s+)?({_MON})(?:,?\s+({_YEAR}))?\b", re.I)),
    ("month_day_year", re.compile(rf"\b(?:on\s+)?(?:(?:{_WD}),?\s+)?({_MON})\s+({_DAY})\b(?:,?\s+({_YEAR}))?", re.I)),
    ("ago", re.compile(rf"\b({_NUM})\s+(day|week|month|year)s?\s+(?:ago|earlier|before)\b", re.I)),
    ("relative_day", re.compile(r"\b(the day before yesterday|yesterday|today|tonight|last night|this (?:morning|afternoon|evening))\b", re.I)),
    ("weekday", re.compile(rf"\b(?:(on|last|this past|this|next|since|by|until)\s+)?({_WD})(?:\s+(?:morning|afternoon|evening|night))?\b", re.I)),
    ("relative_period", re.compile(r"\b(earlier|later)?\s*\b(this|last|past|previous|next)\s+(week|weekend|month|year)\b", re.I)),
    ("weekend", re.compile(r"\b(?:over|at|during) the weekend\b", re.I)),
    ("month_year", re.compile(rf"\b(?:in|since|during|by|until|of)?\s*({_MON})\s+({_YEAR})\b", re.I)),
    ("month", re.compile(rf"\b(?:in|since|during|by|until|early|late|mid-?)\s+({_MON})\b", re.I)),
    ("year", re.compile(rf"\b(in|since|during|by|until|of|early|late|mid-?)\s+({_YEAR})\b", re.I)),
]


@dataclass
class TimeExpression:
    text: str
    start: int  # character offsets in the string searched
    end: int
    first: date
    last: date
    precision: DatePrecision


def find_times(text: str, published: date, future: bool = False) -> list[TimeExpression]:
    """All resolvable time expressions in `text`, left to right, none overlapping."""
    taken: list[tuple[int, int]] = []
    found: list[TimeExpression] = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            resolved = _resolve(kind, m, published, future)
            if resolved is None:
                continue
            first, last, precision = resolved
            taken.append((m.start(), m.end()))
            found.append(TimeExpression(m.group(0).strip(), m.start(), m.end(), first, last, precision))
    return sorted(found, key=lambda t: t.start)


def _resolve(kind: str, m: re.Match, pub: date, future: bool):
    g = m.groups()
    if kind == "iso":
        return _day(int(g[0]), int(g[1]), int(g[2]))
    if kind in ("day_month_year", "month_day_year"):
        day, month, year = (g[0], g[1], g[2]) if kind == "day_month_year" else (g[1], g[0], g[2])
        month_n = MONTHS.get(month.lower().rstrip("."))
        day_n = int(re.sub(r"\D", "", day))
        if month_n is None or not 1 <= day_n <= 31:
            return None
        if kind == "month_day_year" and month.lower().startswith("may") and not m.group(0)[:1].isupper():
            return None  # the verb "may", not the month
        if year:
            return _day(int(year), month_n, day_n)
        return _nearest_day(pub, month_n, day_n, future)
    if kind == "ago":
        n = NUMBERS.get(g[0].lower(), None) if not g[0].isdigit() else int(g[0])
        unit = g[1].lower()
        if n is None:
            return None
        if unit == "day":
            d = pub - timedelta(days=n)
            return d, d, DatePrecision.day
        if unit == "week":
            d = pub - timedelta(weeks=n)
            return _week(d)
        if unit == "month":
            y, mo = _add_months(pub.year, pub.month, -n)
            return _month(y, mo)
        return _year(pub.year - n)
    if kind == "relative_day":
        phrase = g[0].lower()
        offset = 2 if phrase.startswith("the day before") else 1 if phrase in ("yesterday", "last night") else 0
        d = pub - timedelta(days=offset)
        return d, d, DatePrecision.day
    if kind == "weekday":
        modifier = (g[0] or "").lower()
        if modifier in ("", "on") and not m.group(0)[0].isupper() and not modifier:
            return None
        wd = WEEKDAYS[g[1].lower()]
        if modifier == "next" or (future and modifier in ("", "on", "by", "until", "this")):
            delta = (wd - pub.weekday()) % 7 or 7
            d = pub + timedelta(days=delta)
        else:
            # "on Wednesday" in a Thursday article is the day before; "last Thursday" is a week back.
            delta = (pub.weekday() - wd) % 7
            if modifier == "last" and delta == 0:
                delta = 7
            d = pub - timedelta(days=delta)
        return d, d, DatePrecision.day
    if kind == "relative_period":
        when, which, unit = (g[0] or "").lower(), g[1].lower(), g[2].lower()
        step = {"this": 0, "last": -1, "past": -1, "previous": -1, "next": 1}[which]
        if unit == "week":
            first, last, p = _week(pub + timedelta(weeks=step))
            if step == 0 and when == "earlier":
                last = pub
            return first, last, p
        if unit == "weekend":
            saturday = pub - timedelta(days=(pub.weekday() - 5) % 7) + timedelta(weeks=max(step, 0))
            return saturday, saturday + timedelta(days=1), DatePrecision.week
        if unit == "month":
            y, mo = _add_months(pub.year, pub.month, step)
            first, last, p = _month(y, mo)
            return first, (pub if step == 0 and when == "earlier" else last), p
        first, last, p = _year(pub.year + step)
        return first, (pub if step == 0 and when == "earlier" else last), p
    if kind == "weekend":
        saturday = pub - timedelta(days=(pub.weekday() - 5) % 7)
        return saturday, saturday + timedelta(days=1), DatePrecision.week
    if kind == "month_year":
        month_n = MONTHS.get(g[0].lower().rstrip("."))
        return _month(int(g[1]), month_n) if month_n else None
    if kind == "month":
        month_n = MONTHS.get(g[0].lower().rstrip("."))
        if month_n is None or g[0].lower() in ("may", "mar"):
            return None  # too ambiguous without a year ("may", "mar" are words)
        year = pub.year if (month_n <= pub.month) != future or month_n == pub.month else pub.year + (1 if future else -1)
        return _month(year, month_n)
    if kind == "year":
        return _year(int(g[1]))
    return None


def _day(y: int, m: int, d: int):
    try:
        x = date(y, m, d)
    except ValueError:
        return None
    return x, x, DatePrecision.day


def _nearest_day(pub: date, month: int, day: int, future: bool):
    # A day without a year is the closest one on the right side of the publication date.
    for year in ((pub.year, pub.year + 1) if future else (pub.year, pub.year - 1)):
        try:
            d = date(year, month, day)
        except ValueError:
            continue
        if (d >= pub) if future else (d <= pub + timedelta(days=1)):
            return d, d, DatePrecision.day
    return None


def _week(d: date):
    monday = d - timedelta(days=d.weekday())
    return monday, monday + timedelta(days=6), DatePrecision.week


def _month(y: int, m: int):
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]), DatePrecision.month


def _year(y: int):
    return date(y, 1, 1), date(y, 12, 31), DatePrecision.year


def _add_months(y: int, m: int, n: int) -> tuple[int, int]:
    total = y * 12 + (m - 1) + n
    return total // 12, total % 12 + 1
