"""The errata ledger: every claim of the two source texts, judged by a computation (Appendix A).

The claims live in ``workbook/claims/*.yaml`` (package data, so the appendix a learner opens can read them;
they hold our wording of each claim, the verdict its sources support and those sources — nothing secret).
``tests/chapters/test_errata_ledger.py`` reads the same files and checks that the appendix judges every
claim exactly once and computes the listed verdict.

A :class:`Ledger` records one :class:`Row` per claim. A checkable row is judged from a computation:

>>> from workbook import address_class
>>> ledger = Ledger()
>>> row = ledger.judge("nt-class-c-host", holds=address_class("172.16.112.123") == "C",
...                    evidence="address_class('172.16.112.123') is 'B'")
>>> row.verdict, row.claim.source
('wrong', 'RFC 791 §3.2 (classes); RFC 1918 §3 (172.16.0.0/12)')

A verdict never rests on behaviour the engine was given only because the text said so. A row names the
engine behaviour it relies on (a personality trait or a protocol constant, see :mod:`workbook.ledger`);
if any of them has only the seed texts for a source (:attr:`Evidence.SEED <workbook.ledger.Evidence>`, or
the KB article itself cited as a Microsoft document), the row is *not checkable* whatever the computation
says:

>>> ledger.judge("nt-35-forgets-routes", holds=True, evidence="the nt35 host lost the route",
...              relies_on=["nt35.persistent_routes_survive_restart"]).verdict
'not checkable'
>>> ledger.judge("nt-class-c-hots", holds=False)
Traceback (most recent call last):
...
workbook.errors.LedgerError: no claim 'nt-class-c-hots' in workbook/claims; e.g. nt-datagram, ...

Judging a claim again replaces its row, so a learner may re-run a cell; that each claim is judged in
exactly one cell of the appendix is for its test to check.

Claims the engine cannot check at all get their row from :meth:`Ledger.not_checkable`, which shows why.
"""

from __future__ import annotations

import errno
import html
import os
import socket
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from workbook.errors import LedgerError
from workbook.ledger import CONSTANTS, Evidence, Source, constant, source_of
from workbook.net import get_personality

__all__ = [
    "OBSOLETED_BY",
    "REGISTRY_ROOT_KEYS",
    "TEXTS",
    "TEXT_REFERENCES",
    "VERDICTS",
    "Claim",
    "Ledger",
    "Row",
    "load_claims",
    "send_without_destination",
    "verdict_of",
]

#: The verdicts a claim can have, in the order the summary lists them.
VERDICTS = ("right", "wrong", "dated", "not checkable")

#: The two source texts, by the short name the claims use.
TEXTS = {
    "nt": "the NT text (Windows NT TCP/IP documentation, 'Internet Protocol')",
    "kb": "the KB article (Microsoft Knowledge Base Q175396)",
}

#: The predefined root keys ("hives") of the Windows registry, as winreg.h declares them.
REGISTRY_ROOT_KEYS = constant("Windows registry root keys", (
    "HKEY_CLASSES_ROOT", "HKEY_CURRENT_USER", "HKEY_LOCAL_MACHINE", "HKEY_USERS",
    "HKEY_PERFORMANCE_DATA", "HKEY_CURRENT_CONFIG", "HKEY_DYN_DATA",
), Source.microsoft("Win32 documentation, 'Predefined Keys' (winreg.h)",
                    note="HKEY_DYN_DATA existed on Windows 95/98 only"))

#: Sources that are the source texts themselves: behaviour cited to them is known from the text alone.
TEXT_REFERENCES = ("Q175396",)

#: RFCs the texts cite that a later RFC replaced: old number -> new number.
OBSOLETED_BY = constant("RFCs replaced since the texts were written", {1519: 4632},
                        Source.rfc(4632, note="its header: 'Obsoletes: 1519'"))


@dataclass(frozen=True)
class Claim:
    """One statement of fact of a source text, in our words, with the verdict its sources support."""

    id: str
    text: str
    lines: tuple[int, int]
    claim: str
    verdict: str
    source: str
    why: str = ""

    @property
    def where(self) -> str:
        """Which text and lines, e.g. 'NT text, line 105'."""
        name = {"nt": "NT text", "kb": "KB article"}[self.text]
        first, last = self.lines
        return f"{name}, line {first}" if first == last else f"{name}, lines {first}–{last}"


def _claim(entry: Any, file: str) -> Claim:
    if not isinstance(entry, dict) or not {"id", "text", "lines", "claim", "verdict", "source"} <= set(entry):
        raise LedgerError(f"{file}: every claim needs id, text, lines, claim, verdict and source, e.g. "
                          f"{{id: nt-class-c-host, text: nt, lines: [105, 105], ...}}; got {entry!r}")
    if entry["verdict"] not in VERDICTS:
        raise LedgerError(f"{file}: claim {entry['id']!r} has verdict {entry['verdict']!r}; "
                          f"use one of {', '.join(VERDICTS)}")
    if entry["text"] not in TEXTS:
        raise LedgerError(f"{file}: claim {entry['id']!r} names text {entry['text']!r}; use 'nt' or 'kb'")
    first, last = (int(n) for n in entry["lines"])
    return Claim(str(entry["id"]), entry["text"], (first, last), str(entry["claim"]), entry["verdict"],
                 str(entry["source"]), str(entry.get("why", "")))


def load_claims() -> dict[str, Claim]:
    """Every claim of the source texts, by id, in the order of the files (``workbook/claims/*.yaml``).

    >>> claims = load_claims()
    >>> claims["nt-hkey-local-computer"].verdict
    'wrong'
    """
    folder = resources.files("workbook") / "claims"
    claims: dict[str, Claim] = {}
    for file in sorted((p for p in folder.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name):
        for entry in yaml.safe_load(file.read_text(encoding="utf-8")) or []:
            claim = _claim(entry, file.name)
            if claim.id in claims:
                raise LedgerError(f"{file.name}: claim id {claim.id!r} appears twice; ids must be unique")
            claims[claim.id] = claim
    return claims


def send_without_destination() -> str:
    """What this machine's kernel answers to ``send()`` on a UDP socket that names no destination.

    Nothing leaves the machine: the call fails before any datagram exists. Where Python has no sockets
    (a browser's Python, as in JupyterLite), the answer is POSIX's error for the case.

    >>> send_without_destination()
    'Destination address required'
    """
    try:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    except (OSError, AttributeError, NotImplementedError):
        return os.strerror(errno.EDESTADDRREQ)
    with udp:
        try:
            udp.send(b"hello")
        except OSError as error:
            return error.strerror or str(error)
    return "sent"


def verdict_of(holds: bool, holds_today: bool = True) -> str:
    """Wrong if the claim fails, dated if it held only for the old stacks, else right.

    >>> verdict_of(True), verdict_of(False), verdict_of(True, holds_today=False)
    ('right', 'wrong', 'dated')
    """
    return "wrong" if not holds else ("dated" if not holds_today else "right")


def _source_of_behaviour(name: str) -> Source:
    """The source of 'personality.trait' (e.g. 'nt4.host_model') or of a protocol constant's name."""
    stack, _, trait = name.partition(".")
    if trait and stack in ("nt4", "nt35", "windows", "linux"):
        try:
            return source_of(get_personality(stack), trait)
        except KeyError as error:
            raise LedgerError(f"relies_on names {name!r}, but {error.args[0]}") from None
    if name in CONSTANTS:
        return CONSTANTS[name].source
    raise LedgerError(f"relies_on names {name!r}, which is neither a trait ('nt4.host_model') nor a constant "
                      f"of workbook.ledger.CONSTANTS (e.g. {next(iter(CONSTANTS), 'none yet')!r})")


def _from_the_text(source: Source) -> bool:
    """True when only the texts stand behind ``source``: the seed, or one of the texts cited as a document."""
    return source.evidence is Evidence.SEED or any(ref in source.reference for ref in TEXT_REFERENCES)


@dataclass(frozen=True)
class Row:
    """A judged claim: the computed verdict, what the computation found, and the sources of the verdict."""

    claim: Claim
    verdict: str
    evidence: str = ""
    seed_only: tuple[str, ...] = field(default=())

    @property
    def why(self) -> str:
        """Why the verdict: the claim's own reason, or that the engine knows the behaviour from the text only."""
        if self.seed_only:
            verb = "comes" if len(self.seed_only) == 1 else "come"
            return (f"as the text says; no independent source: the engine's {' and '.join(self.seed_only)} "
                    f"{verb} from the text alone. {self.claim.why[:1].upper()}{self.claim.why[1:]}").strip()
        return self.claim.why

    def _repr_markdown_(self) -> str:
        lines = [f"**{self.claim.id}** ({self.claim.where}): {self.claim.claim}", "",
                 f"- verdict: **{self.verdict}**"]
        if self.evidence:
            lines.append(f"- computed: {self.evidence}")
        if self.why:
            lines.append(f"- why: {self.why}")
        lines.append(f"- source: {self.claim.source}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return f"{self.claim.id}: {self.verdict}"

    def as_dict(self) -> dict[str, Any]:
        """The row as plain data (what the test of the appendix reads)."""
        return {"id": self.claim.id, "verdict": self.verdict, "listed": self.claim.verdict,
                "source": self.claim.source, "why": self.why, "evidence": self.evidence}


class Ledger:
    """The rows judged so far, one per claim (the latest); :meth:`table` is the summary built from them."""

    def __init__(self, claims: dict[str, Claim] | None = None) -> None:
        self.claims = load_claims() if claims is None else claims
        self.rows: dict[str, Row] = {}

    def _claim(self, claim_id: str) -> Claim:
        if claim_id not in self.claims:
            close = [c for c in self.claims if claim_id.split("-")[0] == c.split("-")[0]][:3]
            example = ", ".join(close) or "nt-datagram"
            raise LedgerError(f"no claim {claim_id!r} in workbook/claims; e.g. {example}, ...")
        return self.claims[claim_id]

    def judge(self, claim_id: str, holds: bool, holds_today: bool = True, evidence: str = "",
              relies_on: Iterable[str] = ()) -> Row:
        """Record a checkable claim's verdict from a computation (``holds``: did the claim hold?).

        ``holds_today`` is False when it held for the old stacks only; ``relies_on`` names the engine
        behaviours the computation rests on, e.g. ``["nt4.host_model"]``.
        """
        claim = self._claim(claim_id)
        seed_only = tuple(name for name in relies_on if _from_the_text(_source_of_behaviour(name)))
        verdict = "not checkable" if seed_only else verdict_of(bool(holds), bool(holds_today))
        row = Row(claim, verdict, evidence, seed_only)
        self.rows[claim_id] = row
        return row

    def not_checkable(self, claim_id: str) -> Row:
        """Record a claim the engine cannot check here; the row shows the claim's ``why``."""
        claim = self._claim(claim_id)
        if not claim.why:
            raise LedgerError(f"claim {claim_id!r} is not checkable but says no why; add a 'why' to its entry")
        row = Row(claim, "not checkable")
        self.rows[claim_id] = row
        return row

    def missing(self) -> list[str]:
        """Claims without a row yet, in the claims' order."""
        return [claim_id for claim_id in self.claims if claim_id not in self.rows]

    def counts(self) -> dict[str, int]:
        """How many rows have each verdict."""
        found = Counter(row.verdict for row in self.rows.values())
        return {verdict: found[verdict] for verdict in VERDICTS}

    def table(self) -> str:
        """The summary: one markdown row per judged claim, in the claims' order, built from the rows."""
        def cell(text: str) -> str:
            return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")

        lines = ["| # | Claim | Where | Verdict | Why | Source |", "|---|---|---|---|---|---|"]
        judged = [self.rows[claim_id] for claim_id in self.claims if claim_id in self.rows]
        for number, row in enumerate(judged, 1):
            lines.append(f"| {number} | {cell(row.claim.claim)} | {row.claim.where} | **{row.verdict}** | "
                         f"{cell(row.why)} | {cell(row.claim.source)} |")
        return "\n".join(lines)

    def export(self) -> list[dict[str, Any]]:
        """Every row as plain data, in the claims' order."""
        return [self.rows[claim_id].as_dict() for claim_id in self.claims if claim_id in self.rows]
