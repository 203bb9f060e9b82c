"""Where each modelled behaviour comes from: the ledger of sources (the workbook's truth rule).

Every behaviour of a real stack that the engine models, such as a
personality's default TTL or RFC 5227's ``PROBE_WAIT``, is declared together
with its source: an RFC section, a Microsoft document, the Linux kernel as
one of our tests observed it, or, where nothing else confirms it, the seed
text alone. A trait whose stack no source confirms is modelled after the RFC,
and its citation says so.

A personality declares a trait as a class attribute; reading it gives the
plain value, and :func:`source_of` gives where it comes from:

>>> class Stack:
...     default_ttl = Trait(64, Source.kernel("net.ipv4.ip_default_ttl", test="tests/kernel/test_ttl.py"))
...     probe_count = Trait(3, Source.rfc(5227, "2.1.1", confirmed_for=None))
>>> Stack.default_ttl, Stack().probe_count
(64, 3)
>>> source_of(Stack, "default_ttl").cite()
'the Linux kernel, as tests/kernel/test_ttl.py observes it (net.ipv4.ip_default_ttl)'
>>> source_of(Stack, "probe_count").cite("Windows")
'per RFC 5227 §2.1.1; not confirmed for Windows'

Protocol constants are declared with :func:`constant`, which returns the
value and records it in :data:`CONSTANTS`:

>>> EXAMPLE_WAIT = constant("example: RFC 5227 PROBE_WAIT", 1.0, Source.rfc(5227, "1.1"))
>>> EXAMPLE_WAIT, CONSTANTS.pop("example: RFC 5227 PROBE_WAIT").source.cite()
(1.0, 'RFC 5227 §1.1')

This module imports nothing of the workbook: every layer may use it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

__all__ = ["CONSTANTS", "Evidence", "Source", "Trait", "constant", "source_of", "traits"]


class Evidence(enum.StrEnum):
    """What kind of source stands behind a modelled behaviour."""

    RFC = "rfc"  # an RFC section (the behaviour every conforming stack should have)
    MICROSOFT = "microsoft"  # a Microsoft KB article or document
    KERNEL = "kernel"  # the real Linux kernel (or BIRD, FRR, dhcrelay), observed by a test of ours
    SEED = "seed"  # only the seed text says so: no independent source
    MODEL = "model"  # a simplification of the simulator itself, which claims nothing about any stack


@dataclass(frozen=True)
class Source:
    """One source: its kind, a reference a reader can look up, and a short note.

    ``confirmed_for`` names the stack the source speaks about; ``None`` means the
    behaviour is modelled after the source (an RFC) without confirmation for the
    stack that uses it, and the citation says so.
    """

    evidence: Evidence
    reference: str
    note: str = ""
    test: str = ""
    confirmed_for: str | None = "all"

    @classmethod
    def rfc(cls, number: int, section: str = "", note: str = "", confirmed_for: str | None = "all") -> Source:
        """An RFC section, e.g. ``Source.rfc(5227, "2.1.1")``."""
        reference = f"RFC {number}" + (f" §{section}" if section else "")
        return cls(Evidence.RFC, reference, note, confirmed_for=confirmed_for)

    @classmethod
    def microsoft(cls, reference: str, note: str = "") -> Source:
        """A Microsoft KB article or document, e.g. ``Source.microsoft("KB Q199773")``."""
        return cls(Evidence.MICROSOFT, reference, note)

    @classmethod
    def kernel(cls, what: str, test: str) -> Source:
        """The Linux kernel (or BIRD, FRR, dhcrelay) as ``test`` observes it in network namespaces."""
        return cls(Evidence.KERNEL, what, test=test)

    @classmethod
    def seed(cls, what: str) -> Source:
        """Only the seed text says so; nothing independent confirms it."""
        return cls(Evidence.SEED, what, confirmed_for=None)

    @classmethod
    def model(cls, what: str) -> Source:
        """A choice of the simulator itself (how long a frame takes on a wire): no stack is claimed to do this."""
        return cls(Evidence.MODEL, what)

    @property
    def confirmed(self) -> bool:
        """False when the behaviour is modelled without a source for the stack that uses it."""
        return self.confirmed_for is not None

    def cite(self, stack: str = "this stack") -> str:
        """The citation as an explanation prints it."""
        if self.evidence is Evidence.KERNEL:
            return f"the Linux kernel, as {self.test} observes it ({self.reference})"
        if self.evidence is Evidence.SEED:
            return f"as the seed text says ({self.reference}); no independent source"
        if self.evidence is Evidence.MODEL:
            return f"a simplification of the simulator ({self.reference}), not a claim about any stack"
        text = f"per {self.reference}" if not self.confirmed else self.reference
        if self.note:
            text += f" ({self.note})"
        if not self.confirmed:
            text += f"; not confirmed for {stack}"
        return text


class Trait:
    """A class attribute whose value comes with its :class:`Source`.

    Reading the attribute gives the value; :func:`source_of` finds the trait.
    """

    __slots__ = ("name", "source", "value")

    def __init__(self, value: Any, source: Source) -> None:
        if not isinstance(source, Source):
            raise TypeError(f"a Trait needs a Source, not {source!r}")
        self.value = value
        self.source = source
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"Trait({self.value!r}, {self.source.cite()!r})"


def traits(cls: type) -> dict[str, Trait]:
    """Every :class:`Trait` of ``cls`` and its bases, by name (a subclass's own wins)."""
    found: dict[str, Trait] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Trait):
                found[name] = value
    return found


def source_of(cls_or_instance: Any, name: str) -> Source:
    """The source of trait ``name`` of a class (or of an instance's class)."""
    cls = cls_or_instance if isinstance(cls_or_instance, type) else type(cls_or_instance)
    found = traits(cls).get(name)
    if found is None:
        raise KeyError(f"{cls.__name__} has no trait {name!r}; its traits: {', '.join(sorted(traits(cls)))}")
    return found.source


#: Protocol constants by name, each with its source (filled in by :func:`constant`).
CONSTANTS: dict[str, Trait] = {}


def constant(name: str, value: Any, source: Source) -> Any:
    """Record a protocol constant with its source and return its value."""
    entry = Trait(value, source)
    entry.name = name
    CONSTANTS[name] = entry
    return value
