"""Generators make well-posed variants: the intended route really wins, no accidental ties, and answers in
another notation are accepted while impostor objects are not."""

from __future__ import annotations

import netaddr
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.exercises import ASSIGNMENTS, load
from workbook.exercises.core import AnswerError, canonical, plain

students = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(students)
def test_route_lookup_variants_are_well_posed(student: str) -> None:
    ex = load("01_route_lookup", student)
    v, table = ex.variant, ex.variant.table
    expected_prefix = {"subnet_destination": 16, "network_destination": 8, "host_destination": 32,
                       "supernet_destination": 22, "onlink_destination": 24}
    for attribute, prefixlen in expected_prefix.items():
        destination = getattr(v, attribute)
        decision = table.lookup(destination, strategy="longest-prefix")
        assert decision.route.prefixlen == prefixlen, (attribute, decision.explain())
        matching = table.matching(destination)
        assert sum(r.prefixlen == prefixlen for r in matching) == 1  # no tie at the winning length
    classic = table.lookup(v.supernet_destination, strategy="classic")
    assert classic.route.prefixlen == 0  # the question is about exactly this disagreement
    gateways = [str(r.gateway) for r in table if r.gateway is not None]
    assert len(set(gateways)) == len(gateways)  # each answer names one route
    assert v.right_choice in "ABCD" and len(set(v.choices)) == 4


@settings(max_examples=30, deadline=None)
@given(students)
def test_every_solution_is_right_for_any_student(student: str) -> None:
    for assignment in ASSIGNMENTS:
        ex = load(assignment, student)
        for question in ex.questions:
            assert ex.check(question.name, ex.solution(question.name)).ok, question.name


def test_variants_differ_between_students_and_repeat_for_one() -> None:
    a, b = load("01_route_lookup", "alice"), load("01_route_lookup", "bob")
    assert a.variant.table != b.variant.table
    assert load("01_route_lookup", "alice").variant.table == a.variant.table


def test_other_notations_are_the_same_answer() -> None:
    ex = load("01_route_lookup", "alice")
    right = ex.solution("q1")
    assert ex.check("q1", right).ok and ex.check("q1", netaddr.IPAddress(right)).ok
    assert ex.check("q1", f"  {right} ").ok and ex.check("q1", int(netaddr.IPAddress(right))).ok
    assert canonical("mac", "01:00:5e:7f:ff:fa") == canonical("mac", "01-00-5E-7F-FF-FA")
    assert canonical("network", "192.168.4.0/255.255.252.0") == canonical("network", ("192.168.4.0", 22))


def test_impostors_are_no_answer() -> None:
    class Always(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    ex = load("01_route_lookup", "alice")
    feedback = ex.check("q1", Always("x"))
    assert not feedback.ok and feedback.status == "not readable"
    try:
        plain(Always("1.2.3.4"))
    except AnswerError as error:
        assert "not a Always" in str(error)
    assert ex.check("q1", ...).status == "no answer"


def test_a_wrong_answer_gets_a_hint_from_the_engine() -> None:
    ex = load("01_route_lookup", "alice")
    feedback = ex.check("q5", ex.solution("q4"))  # the classic answer where longest prefix was asked
    assert not feedback.ok and "longer prefix" in feedback.message
    feedback = ex.check("q4", ex.solution("q5"))
    assert "classic" in feedback.message
