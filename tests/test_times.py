from datetime import date

import pytest

from dateline.times import find_times

PUB = date(2012, 10, 11)  # a Thursday


@pytest.mark.parametrize("text, first, last, precision", [
    ("the video was uploaded on Wednesday", "2012-10-10", "2012-10-10", "day"),
    ("the officers defected two days ago", "2012-10-09", "2012-10-09", "day"),
    ("fighting reached the town earlier this week", "2012-10-08", "2012-10-11", "week"),
    ("prices rose last month", "2012-09-01", "2012-09-30", "month"),
    ("the raid on 9 October", "2012-10-09", "2012-10-09", "day"),
    ("protests began in 2011", "2011-01-01", "2011-12-31", "year"),
    ("the talks of October 3, 2010", "2010-10-03", "2010-10-03", "day"),
    ("a statement yesterday", "2012-10-10", "2012-10-10", "day"),
    ("last Thursday", "2012-10-04", "2012-10-04", "day"),
    ("elections in March 2011", "2011-03-01", "2011-03-31", "month"),
    ("three weeks ago", "2012-09-17", "2012-09-23", "week"),
    ("on 14 December", "2011-12-14", "2011-12-14", "day"),
])
def test_resolves_against_publication(text, first, last, precision):
    [t] = find_times(text, PUB)
    assert (t.first.isoformat(), t.last.isoformat(), t.precision.value) == (first, last, precision)


def test_future_weekday_and_the_verb_may():
    [t] = find_times("troops will withdraw on Saturday", PUB, future=True)
    assert t.first == date(2012, 10, 13)
    assert find_times("they may return", PUB) == []


def test_offsets_point_at_the_phrase():
    text = "Police said on Monday that the march of 5 October was banned."
    found = find_times(text, PUB)
    assert [text[t.start:t.end] for t in found] == ["on Monday", "5 October"]
