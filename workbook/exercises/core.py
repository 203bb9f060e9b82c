"""Seeded exercise variants, canonical answers and explained feedback (every chapter's exercises).

An exercise is a set of questions about one *variant*: a route table, a
host, a set of networks, a LAN, all drawn from a ``random.Random`` seeded by
the student's identifier and the assignment. The grader re-creates the
same variant from the same identifier, so a table is never shipped with the
answer next to it.

Answers are graded by behaviour, never by the text typed: every answer is
first reduced to plain data (:func:`plain`, exact types only, so an object
whose ``==`` is always true is no answer at all), then parsed by the
engine's own parsers into a canonical value (:func:`canonical`), then
compared. ``'255.255.252.0'`` and ``22``, ``'01-00-5E-01-02-03'`` and
``'01:00:5e:01:02:03'``, ``'10.0.0.1'`` and ``IPAddress('10.0.0.1')`` are the
same answer.

>>> canonical("mac", "01:00:5e:01:02:03")
'01-00-5E-01-02-03'
>>> canonical("network", ("192.168.4.0", "255.255.252.0"))
'192.168.4.0/22'
>>> class Liar:
...     def __eq__(self, other): return True
>>> canonical("address", Liar())  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
workbook.exercises.core.AnswerError: an answer must be ... not a Liar
"""

from __future__ import annotations

import hashlib
import html
import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import netaddr

from workbook.errors import WorkbookError
from workbook.net.addresses import format_address, parse_address
from workbook.net.cidr import _network

__all__ = [
    "AnswerError",
    "Exercise",
    "ExerciseError",
    "Feedback",
    "Question",
    "Unreadable",
    "canonical",
    "clean",
    "identity",
    "plain",
    "quote",
    "seed_for",
]

#: Answers longer than this are not answers (and would slow the grader down).
MAX_ITEMS = 4096
MAX_TEXT = 10_000
#: Different wrong answers ``ex.check`` judges per question in one session; after that, hints only.
MAX_CHECKS = 5


class ExerciseError(WorkbookError):
    """An exercise cannot be set up as asked: an unknown assignment, a missing STUDENT_ID."""


class AnswerError(WorkbookError):
    """An answer that cannot be read as the kind of value the question asks for."""


@dataclass(frozen=True)
class Unreadable:
    """What the grader keeps of an answer the submission could not turn into plain data."""

    reason: str


def identity(student: str) -> str:
    """A student identifier as the grader compares it: NFC-normalised Unicode, no surrounding space.

    A folder unpacked from a macOS zip spells 'Zoë' decomposed (NFD); it is the same student.

    >>> identity("Zoe\u0308") == identity("Zo\u00eb") == "Zoë"
    True
    """
    return unicodedata.normalize("NFC", student).strip()


def seed_for(student: str, assignment: str) -> int:
    """The variant's seed: the same student and assignment always give the same variant.

    >>> seed_for("alice", "01_route_lookup") == seed_for("alice", "01_route_lookup")
    True
    >>> seed_for("Zoe\u0308", "03_cidr") == seed_for("Zo\u00eb", "03_cidr")
    True
    """
    digest = hashlib.sha256(f"ip-workbook\0{assignment}\0{identity(student)}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


# --- plain data -------------------------------------------------------------------------------------------------


def plain(value: Any, depth: int = 0) -> Any:
    """Reduce an answer to JSON data using exact types only; anything else raises :class:`AnswerError`.

    Subclasses are refused on purpose: a ``str`` subclass can lie in ``__eq__``.
    """
    kind = type(value)
    if value is None or kind is bool or kind is int:
        return value
    if kind is float:
        return value if value == value and abs(value) < 2**63 else str(value)
    if kind is str:
        if len(value) > MAX_TEXT:
            raise AnswerError(f"an answer of {len(value)} characters is too long")
        return value
    if kind is netaddr.IPAddress or kind is netaddr.EUI or kind is netaddr.IPNetwork:
        return str(value)
    if value is Ellipsis:
        raise AnswerError("no answer yet: replace ... with your answer")
    if kind in (list, tuple, set, frozenset):
        if depth > 3 or len(value) > MAX_ITEMS:
            raise AnswerError("the answer is too large or too deeply nested")
        items = [plain(item, depth + 1) for item in value]
        if kind in (set, frozenset):
            items.sort(key=repr)
        return items
    if kind is dict:  # e.g. a RIP update, prefix -> metric (exercise 6): a list of [key, value] pairs
        if depth > 3 or len(value) > MAX_ITEMS:
            raise AnswerError("the answer is too large or too deeply nested")
        pairs = [[plain(key, depth + 2), plain(item, depth + 2)] for key, item in value.items()]
        return sorted(pairs, key=repr)
    raise AnswerError(
        "an answer must be a str, int, bool, None, an IPAddress, IPNetwork or EUI, or a list or dict of those; "
        f"not a {kind.__name__}"
    )


# --- canonical values -------------------------------------------------------------------------------------------


def _address(value: Any) -> str:
    if isinstance(value, str):
        value = value.strip()
    try:
        return format_address(parse_address(value, what="answer", example="172.16.112.1"))
    except WorkbookError as error:  # the engine quotes the value whole: keep a short slice of it
        raise AnswerError(clean(error, 200)) from None


def _mac(value: Any) -> str:
    if not isinstance(value, str):
        raise AnswerError(f"a MAC address is text such as '01-00-5E-01-02-03', not {quote(value)}")
    try:
        mac = netaddr.EUI(value.strip())
    except (netaddr.AddrFormatError, TypeError, ValueError):
        raise AnswerError(f"{quote(value)} is not a MAC address; e.g. '01-00-5E-01-02-03' or "
                          "'01:00:5e:01:02:03'") from None
    if mac.version != 48:
        raise AnswerError(f"{quote(value)} is not a 48-bit Ethernet address; e.g. '01-00-5E-01-02-03'")
    return str(mac)


def _one_network(value: Any) -> str:
    if isinstance(value, list) and len(value) == 2:
        value = tuple(value)
    if isinstance(value, str):
        value = value.strip()
    try:
        return str(_network(value, what="answer"))
    except WorkbookError as error:  # the engine quotes the value whole: keep a short slice of it
        raise AnswerError(clean(error, 200)) from None


def _networks(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    if not isinstance(value, list):
        raise AnswerError(f"give a list of networks such as ['10.0.0.0/23', '10.0.4.0/24'], not {quote(value)}")
    return tuple(sorted({_one_network(item) for item in value}, key=lambda n: (netaddr.IPNetwork(n).first, n)))


def _addresses(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    if not isinstance(value, list):
        raise AnswerError(f"give a list of addresses such as ['224.1.1.1', '225.1.1.1'], not {quote(value)}")
    return tuple(sorted({_address(item) for item in value}, key=lambda a: int(netaddr.IPAddress(a))))


def _choice(value: Any) -> str:
    if isinstance(value, str) and len(value.strip()) == 1 and value.strip().isalpha():
        return value.strip().upper()
    raise AnswerError(f"answer with one letter such as 'B', not {quote(value)}")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise AnswerError(f"answer True or False, not {quote(value)}")


def _int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise AnswerError(f"answer with a whole number, not {quote(value)}")


def _name(value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise AnswerError(f"answer with a name such as 'eth0', not {quote(value)}")


def _words(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AnswerError(f"give a list of words such as ['report', 'leave'], not {quote(value)}")
    return tuple(item.strip().lower() for item in value)


def _metrics(value: Any) -> tuple[tuple[str, int], ...]:
    """A RIP update as prefix -> metric (a dict, or a list of pairs), in address order (exercise 6)."""
    if isinstance(value, list) and all(isinstance(item, list | tuple) and len(item) == 2 for item in value):
        value = dict((item[0], item[1]) for item in value)
    if not isinstance(value, dict):
        raise AnswerError(f"give a dict of prefix to metric such as {{'10.0.3.0/24': 2}}, not {quote(value)}")
    pairs = {_one_network(prefix): _int(metric) for prefix, metric in value.items()}
    return tuple(sorted(pairs.items(), key=lambda pair: (netaddr.IPNetwork(pair[0]).first, pair[0])))


CANONICAL: dict[str, Callable[[Any], Any]] = {
    "address": _address,
    "mac": _mac,
    "network": _one_network,
    "networks": _networks,
    "addresses": _addresses,
    "choice": _choice,
    "bool": _bool,
    "int": _int,
    "name": _name,
    "words": _words,
    "metrics": _metrics,
}


def canonical(kind: str, value: Any) -> Any:
    """The canonical form of an answer of ``kind``: two answers are equal when their canonical forms are."""
    data = plain(value)
    if kind.endswith("?") and data is None:
        return None
    return CANONICAL[kind.rstrip("?")](data)


# --- questions and feedback ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """One question: the variable the student assigns, its kind, points, and how to judge it.

    ``kind`` is a key of :data:`CANONICAL` (a trailing ``?`` also accepts None), or
    ``'code'`` for a function the grader calls on inputs of its own.
    ``expected(variant)`` gives the canonical answer, ``hint(variant, answer)`` a
    hint for a wrong canonical answer, ``accept(variant, answer)`` replaces
    equality where many answers are right. For code questions ``probes(variant,
    rng)`` gives argument tuples, ``result_kind`` the kind of what the function
    returns and ``forbid`` the engine functions it must not call
    (``'module:Qualified.name'``, see :mod:`workbook.exercises.forbid`).

    ``key=True`` marks a question whose right answer is not in the package at
    all (why one of four explanations is right): the hidden test passes it to
    :meth:`Exercise.grade`, and ``ex.check`` can only give the hint.
    """

    name: str
    variable: str
    kind: str
    points: int
    expected: Callable[[Any], Any] | None = None
    hint: Callable[[Any, Any], str] | None = None
    accept: Callable[[Any, Any], bool] | None = None
    probes: Callable[[Any, random.Random], list[tuple]] | None = None
    result_kind: str = ""
    solve: Callable[..., Any] | None = None
    key: bool = False
    forbid: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feedback:
    """Right or wrong, and a hint when wrong; shows itself as one short line.

    ``status`` is "right", "wrong", "no answer", "not readable", "computed" (an
    answer the notebook computes instead of typing it), or "recorded" (a question
    whose key only the grader holds: ``ex.check`` can give a hint, no verdict).
    """

    question: str
    ok: bool
    status: str
    message: str = ""

    def __repr__(self) -> str:
        mark = "•" if self.status == "recorded" else "✓" if self.ok else "✗"
        tail = f": {self.message}" if self.message else ""
        return f"{mark} {self.question} {self.status}{tail}"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        # Jupyter's plain-text output breaks lines inside words; a hint wraps between words instead.
        return ("<pre style='margin:0;white-space:pre-wrap;word-break:normal;overflow-wrap:break-word'>"
                f"{html.escape(repr(self))}</pre>")

    def __bool__(self) -> bool:
        return self.ok


@dataclass
class Exercise:
    """A chapter's questions for one student: build with a chapter module's ``variant(student)``.

    It holds no answer the engine could not compute from the variant: the keys of
    questions marked ``key`` live only in the instructor's hidden tests.
    """

    assignment: str
    student: str
    variant: Any
    questions: Sequence[Question] = field(default_factory=list)
    checked: dict[str, set[str]] = field(default_factory=dict, repr=False)
    graded: dict[str, Feedback] = field(default_factory=dict, repr=False)

    def question(self, name: str) -> Question:
        for question in self.questions:
            if name in (question.name, question.variable):
                return question
        names = ", ".join(q.name for q in self.questions)
        raise KeyError(f"no question {name!r} in {self.assignment}; the questions are {names}")

    def probe_inputs(self, name: str) -> list[tuple]:
        """The arguments the grader calls a code question's function with (seeded by student and question)."""
        question = self.question(name)
        rng = random.Random(seed_for(self.student, f"{self.assignment}:{question.name}:probes"))
        assert question.probes is not None
        return question.probes(self.variant, rng)

    def probe(self, name: str, function: Any) -> list[Any]:
        """Call the student's function on this question's inputs, with its forbidden engine calls unavailable;
        each result (or error) as plain data."""
        from workbook.exercises.forbid import unavailable

        question = self.question(name)
        inputs = self.probe_inputs(name)
        results = []
        with unavailable(question.forbid, question.name):
            for args in inputs:
                try:
                    results.append(plain(function(*args)))
                except Exception as error:  # the student's code failing is an answer too
                    results.append({"error": f"{type(error).__name__}: {error}"[:300]})
        return results

    def feedback(self, name: str, answer: Any, right: str | None = None) -> Feedback:
        """Judge one answer: the live value from the notebook, or the plain data the grader saved.

        ``right`` is the key of a ``key`` question (the text of the right choice), from the hidden test.
        """
        question = self.question(name)
        if answer is Ellipsis or (answer is None and question.kind != "code" and not question.kind.endswith("?")):
            return Feedback(question.name, False, "no answer", f"set {question.variable} to your answer")
        if type(answer) is Unreadable:
            status = "no answer" if answer.reason.startswith("no answer") else \
                "computed" if answer.reason.startswith("computed") else "not readable"
            return Feedback(question.name, False, status, answer.reason)
        if question.kind == "code":
            return self._code_feedback(question, answer)
        try:
            value = canonical(question.kind, answer)
        except AnswerError as error:
            return Feedback(question.name, False, "not readable", str(error))
        if question.key:
            if right is None:
                return Feedback(question.name, False, "recorded",
                                f"{value!r} noted; only the grader holds this question's key. "
                                f"Hint: {self._hint(question, value)}")
            right_answer = value == self._choice_of(question, right)
        else:
            expected = question.expected(self.variant) if question.expected else None
            right_answer = question.accept(self.variant, value) if question.accept else value == expected
        if right_answer:
            return Feedback(question.name, True, "right")
        return Feedback(question.name, False, "wrong", self._hint(question, value))

    def _hint(self, question: Question, value: Any) -> str:
        return question.hint(self.variant, value) if question.hint else ""

    def _choice_of(self, question: Question, right: str) -> str:
        choices = list(getattr(self.variant, "choices", ()))
        if right not in choices:
            raise ExerciseError(f"the key of {question.name} is not one of its choices: {right!r}")
        return "ABCDEFGH"[choices.index(right)]

    def _code_feedback(self, question: Question, answer: Any) -> Feedback:
        if callable(answer):
            results = self.probe(question.name, answer)
        elif type(answer) is dict and type(answer.get("probes")) is list:  # saved by the grader's first stage
            results = answer["probes"]
        else:
            return Feedback(question.name, False, "no answer", f"define the function {question.variable}")
        inputs = self.probe_inputs(question.name)
        if len(results) != len(inputs):
            return Feedback(question.name, False, "wrong", f"expected {len(inputs)} results, got {len(results)}")
        assert question.solve is not None
        for args, got in zip(inputs, results, strict=True):
            expected = question.solve(self.variant, *args)
            shown = ", ".join(map(str, args[1:] if len(args) > 1 else args))
            if type(got) is dict:
                return Feedback(question.name, False, "wrong",
                                f"for {shown} your function raised {clean(got.get('error'))}")
            try:
                value = canonical(question.result_kind, got)
            except AnswerError as error:
                return Feedback(question.name, False, "wrong", f"for {shown} it returned {quote(got)}: {error}")
            if value != expected:
                hint = question.hint(self.variant, (args, value)) if question.hint else ""
                return Feedback(question.name, False, "wrong",
                                f"for {shown} it returned {quote(value)}{'; ' + hint if hint else ''}")
        return Feedback(question.name, True, "right")

    def check(self, name: str, answer: Any) -> Feedback:
        """In-notebook feedback: right or wrong, and when wrong a hint from the engine's explanation.

        After MAX_CHECKS different wrong answers to one question, only the hint: guessing is not the exercise (a
        function may be checked as often as it is rewritten). A question whose key only the grader holds gets the
        hint alone.
        """
        question = self.question(name)
        feedback = self.feedback(name, answer)
        if feedback.status == "wrong" and question.kind != "code":
            tried = self.checked.setdefault(question.name, set())
            tried.add(repr(answer)[:200])
            if len(tried) > MAX_CHECKS:
                feedback = Feedback(question.name, False, "recorded",
                                    f"{MAX_CHECKS} answers checked for {question.name} already; no more verdicts "
                                    f"here, the grader decides. Hint: {feedback.message}")
        note = _typed_note(question)
        if note:
            feedback = Feedback(feedback.question, feedback.ok, feedback.status,
                                "; ".join(part for part in (feedback.message, note) if part))
        return feedback

    def grade(self, name: str, answer: Any, public: bool = False, right: str | None = None) -> None:
        """For the otter tests: silent when right; raises AssertionError with the feedback otherwise.

        ``public=True`` only checks that the answer can be read (the shape, not the value). ``right`` is the
        key of a ``key`` question. The hidden (non-public) verdict is kept in :attr:`graded`.
        """
        if public:
            feedback = self.feedback(name, answer)
            if feedback.status in ("no answer", "not readable", "computed"):
                raise AssertionError(str(feedback))
            return
        feedback = self.feedback(name, answer, right=right)
        self.graded[self.question(name).name] = feedback
        if not feedback.ok:
            raise AssertionError(str(feedback))

    @property
    def possible(self) -> int:
        return sum(q.points for q in self.questions)


def quote(value: Any, limit: int = 40) -> str:
    """A short, printable slice of a student's answer for a hint: no control characters, at most ``limit``.

    >>> quote("10.0.0.1")
    "'10.0.0.1'"
    >>> len(quote("x" * 500)), quote("x" * 500)[-1]
    (40, '…')
    """
    return clean(repr(value), limit)


def clean(text: Any, limit: int = 160) -> str:
    """``text`` on one printable line of at most ``limit`` characters (what a gradebook cell may hold).

    >>> clean("boom\\n\\x1b[31m" + "x" * 300, 20)
    'boom  [31mxxxxxxxxx…'
    """
    line = "".join(ch if ch.isprintable() else " " for ch in str(text))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _typed_note(question: Question) -> str:
    """A warning when the notebook computes this answer instead of typing it (read from IPython's history)."""
    if question.kind == "code":
        return ""
    try:
        from IPython import get_ipython
    except ImportError:
        return ""
    shell = get_ipython()
    history = shell.user_ns.get("In") if shell is not None else None
    if not isinstance(history, list):
        return ""
    from workbook.exercises.literals import Computed, typed_answers

    found = typed_answers([cell for cell in history if isinstance(cell, str)], [question.variable])
    if isinstance(found.get(question.variable), Computed):
        return (f"the grader takes only answers typed as values: write {question.variable} = <your answer> "
                "rather than computing it")
    return ""


def shuffled(rng: random.Random, choices: Sequence[str]) -> tuple[str, ...]:
    """The choices of a multiple-choice question in a seeded order. Which one is right is not passed here: it lives
    only in the instructor's hidden test."""
    options = sorted(choices)
    rng.shuffle(options)
    return tuple(options)
