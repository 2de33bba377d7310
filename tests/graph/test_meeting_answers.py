"""Meeting records: invited and declined organisations, start and end times."""

from graph.model import parse_meeting


def _parse(**extra):
    return parse_meeting({"id": "m", "title": "T", "date": "2026-03-28", "attendance": ["a", "b"], **extra})


def test_answers_and_times_round_trip():
    m, issues = _parse(invited=["c"], declined=["d"], start_time="9:30", end_time="12:00")
    assert issues == []
    assert (m.start_time, m.end_time) == ("09:30", "12:00")
    assert [m.answer_of(o) for o in "abcdx"] == ["yes", "yes", "open", "no", None]
    assert m.organisations() == ["a", "b", "c", "d"]
    again, _ = parse_meeting(m.to_dict())
    assert again == m


def test_meetings_without_answers_keep_their_shape():
    m, _ = _parse()
    assert set(m.to_dict()) == {"id", "title", "date", "place", "attendance", "persons"}


def test_bad_answers_and_times_are_named():
    _m, issues = _parse(declined=["a"], start_time="25:00", end_time="07:00")
    reasons = {i.field: (i.code, i.reason) for i in issues}
    assert reasons["declined"][0] == "conflict" and "either comes or not" in reasons["declined"][1]
    assert reasons["start_time"][0] == "bad_time" and "HH:MM" in reasons["start_time"][1]
    _m, issues = _parse(start_time="18:00", end_time="17:00")
    assert [(i.field, i.code) for i in issues] == [("end_time", "out_of_range")]
