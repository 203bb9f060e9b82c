"""Exercise 5's IGMP sequences accept the join's report repeated "once or twice" (issue 12).

RFC 1112 Appendix I and RFC 2236 section 3 recommend repeating the first report of a join once or
twice; the simulator repeats it once. Both predictions are right, for every student and both versions.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.exercises import load

students = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)


@settings(max_examples=10, deadline=None)
@given(students)
def test_one_or_two_repeats_are_right_and_other_counts_wrong(student: str) -> None:
    ex = load("05_multicast", student)
    for question, tail in (("q4", []), ("q5", ["leave"])):
        for reports in (2, 3):  # the first report, repeated once or twice
            assert ex.check(question, ["report"] * reports + tail).ok, (question, reports)
        for reports in (1, 4):
            feedback = ex.check(question, ["report"] * reports + tail)
            assert not feedback.ok and "once or twice" not in feedback.message  # the hint does not give it away
            assert "RFC 1112" in feedback.message and "RFC 2236" in feedback.message


def test_the_repeat_does_not_excuse_a_wrong_leave() -> None:
    ex = load("05_multicast", "alice")
    assert not ex.check("q4", ["report", "report", "report", "leave"]).ok  # IGMPv1 has no leave
    assert not ex.check("q5", ["report", "report", "report"]).ok  # the v2 member that reported last leaves aloud
    assert not ex.check("q5", ["leave", "report", "report"]).ok


def test_the_engine_repeats_once_and_the_key_is_its_sequence() -> None:
    v = load("05_multicast", "alice").variant
    assert v.sequence(1) == ("report", "report") and v.sequence(2) == ("report", "report", "leave")
