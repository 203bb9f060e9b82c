"""Exercise 5: multicast MACs, overlapping groups, scope and IGMP message sequences (chapter 5).

The IGMP questions are graded against the frames the simulator puts on the wire.

>>> ex = variant("alice")
>>> ex.check("q1", str(multicast_mac(ex.variant.group)).replace("-", ":").lower())
✓ q1 right
>>> ex.check("q6", ex.variant.group).status  # the leave sent to the group itself
'wrong'

RFC 1112 (Appendix I) and RFC 2236 (section 3) recommend repeating a join's first report "once or twice":
the simulator repeats it once, and a learner who predicts two repeats is right too.

>>> ex.check("q5", ["report", "report", "report", "leave"]).status
'right'
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import netaddr

from workbook.exercises.core import Exercise, Question, seed_for
from workbook.net.multicast import group_scope, groups_sharing_mac, is_forwardable, multicast_mac
from workbook.sim.frames import Frame, IgmpType
from workbook.sim.network import Network

__all__ = ["ASSIGNMENT", "Variant", "make_variant", "variant"]

ASSIGNMENT = "05_multicast"

#: The words a student may use for each IGMP message type (or the type's name, e.g. 'LEAVE_GROUP').
WORDS = {IgmpType.MEMBERSHIP_QUERY: "query", IgmpType.V1_MEMBERSHIP_REPORT: "report",
         IgmpType.V2_MEMBERSHIP_REPORT: "report", IgmpType.LEAVE_GROUP: "leave"}
SYNONYMS = {member.name.lower(): word for member, word in WORDS.items()}


@dataclass(frozen=True)
class Variant:
    """One student's group addresses and LAN (a sender, a member, a querier)."""

    group: str  # q1, q2, q4-q7: a global or administratively scoped group
    scope_group: str  # q3
    subnet: str

    def network(self, version: int) -> Network:
        """The member speaks IGMP ``version`` (1 or 2): it joins ``group``, stays 15 s, leaves; 5 s more."""
        net = self.lan(version)
        member = net.host("member")
        member.join(self.group)
        net.run(15.0)
        member.leave(self.group)
        net.run(5.0)
        return net

    def lan(self, version: int) -> Network:
        """The LAN before the join: a sender, a member speaking IGMP ``version``, a v2 querier."""
        network = netaddr.IPNetwork(self.subnet)

        def nic(name: str, host: int) -> dict:
            return {"name": name, "segment": "lan", "addresses": [f"{network.network + host}/{network.prefixlen}"]}

        return Network.from_dict({
            "personality": "windows", "segments": [{"name": "lan"}],
            "hosts": [{"name": "sender", "interfaces": [nic("eth0", 2)]},
                      {"name": "member", "igmp_version": version, "interfaces": [nic("eth0", 3)]}],
            "routers": [{"name": "querier", "igmp_querier": True, "igmp_version": 2, "interfaces": [nic("lan0", 1)]}],
        }, seed=0)

    def igmp_frames(self, version: int) -> list[Frame]:
        """The IGMP frames the member sent while joining and leaving, in order."""
        return [f for f in self.network(version).frames if f.igmp is not None and f.sender == "member"]

    def sequence(self, version: int) -> tuple[str, ...]:
        return tuple(WORDS[f.igmp.type] for f in self.igmp_frames(version))


def _group(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return f"239.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    first = rng.randrange(225, 239)
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def make_variant(rng: random.Random) -> Variant:
    group = _group(rng)
    if rng.random() < 0.5:
        scope_group = f"224.0.0.{rng.choice([1, 2, 5, 6, 9, 13, 18, 22, 251, 252, rng.randrange(3, 255)])}"
    else:
        scope_group = rng.choice([_group(rng), f"224.0.{rng.randrange(1, 256)}.{rng.randrange(256)}"])
    subnet = f"10.{rng.randrange(256)}.{rng.randrange(256)}.0/24"
    return Variant(group, scope_group, subnet)


# --- answers and hints ----------------------------------------------------------------------------------------------


def _mac_hint(v: Variant, answer: str) -> str:
    mac = netaddr.EUI(answer)
    if not str(mac).startswith("01-00-5E"):
        return "every IPv4 group's MAC starts 01-00-5E (RFC 1112, section 6.4)"
    if int(mac) & 0x800000:
        return "the 24th bit from the right is always 0 in these MACs: only the group's low 23 bits are copied"
    return "copy the low-order 23 bits of the group address into the low 23 bits of 01-00-5E-00-00-00"


def _sharing_ok(v: Variant, answer: str) -> bool:
    return answer != v.group and answer in groups_sharing_mac(v.group)


def _sharing_hint(v: Variant, answer: str) -> str:
    if answer == v.group:
        return "a *different* group"
    try:
        other = str(multicast_mac(answer))
    except Exception:
        return f"{answer} is not a group address (224.0.0.0 to 239.255.255.255)"
    return (f"{answer} maps to {other}, not {multicast_mac(v.group)}: keep the low 23 bits, change only bits the "
            "mapping drops (the 5 after the leading 1110)")


def _scope_hint(v: Variant, answer: bool) -> str:
    scope = group_scope(v.scope_group)
    return f"{v.scope_group} is {scope} in scope: what does RFC 5771 (224.0.0.0/24) say routers do with it?"


#: How often a host may repeat the first report of a join: "once or twice" (RFC 1112 Appendix I, RFC 2236 section 3).
REPEATS = (1, 2)


def _leading_reports(words: tuple[str, ...]) -> int:
    count = 0
    while count < len(words) and words[count] == "report":
        count += 1
    return count


def _sequence_ok(version: int):
    def accept(v: Variant, answer: tuple[str, ...]) -> bool:
        """Right when it is the simulator's sequence with the join's report repeated once or twice."""
        words = tuple(SYNONYMS.get(word, word) for word in answer)
        right = v.sequence(version)
        reports, rest = _leading_reports(words), words[_leading_reports(words):]
        return rest == right[_leading_reports(right):] and reports - 1 in REPEATS
    return accept


def _sequence_hint(version: int):
    def hint(v: Variant, answer: tuple[str, ...]) -> str:
        words = tuple(SYNONYMS.get(word, word) for word in answer)
        right = v.sequence(version)
        if set(words) - {"report", "leave", "query"}:
            return "use the words 'report', 'leave' and 'query'"
        if "leave" in words and "leave" not in right:
            return "IGMPv1 has no leave message: a v1 host just goes quiet, and the router's membership times out"
        if "leave" in right and "leave" not in words:
            return "an IGMPv2 host that reported last says so when it leaves"
        if _leading_reports(words) - 1 not in REPEATS:
            return ("how many reports does a host send when it joins? The first, repeated in case it is lost: "
                    "how often do RFC 1112 (Appendix I) and RFC 2236 (section 3) say?")
        return "only the member's messages, in the order they go on the wire"
    return hint


def _leave(v: Variant) -> Frame:
    return next(f for f in v.igmp_frames(2) if f.igmp.type is IgmpType.LEAVE_GROUP)


def _solve_mac(v: Variant, group: str) -> str:
    return str(multicast_mac(group))


def _mac_probes(v: Variant, rng: random.Random) -> list[tuple]:
    groups = [v.group, "224.0.0.1", "239.255.255.250", v.scope_group]
    while len(groups) < 8:
        groups.append(str(netaddr.IPAddress(rng.randrange(0xE0000000, 0xF0000000))))
    return [(g,) for g in groups]


def _mac_code_hint(v: Variant, got: tuple) -> str:
    (group,), value = got
    return _mac_hint(Variant(group, v.scope_group, v.subnet), value)


QUESTIONS = (
    Question("q1", "q1_mac", "mac", 1, expected=lambda v: str(multicast_mac(v.group)), hint=_mac_hint),
    Question("q2", "q2_same_mac", "address", 1, expected=lambda v: groups_sharing_mac(v.group)[
        (groups_sharing_mac(v.group).index(v.group) + 1) % 32], accept=_sharing_ok, hint=_sharing_hint),
    Question("q3", "q3_forwarded", "bool", 1, expected=lambda v: is_forwardable(v.scope_group), hint=_scope_hint),
    Question("q4", "q4_v1_sequence", "words", 1, expected=lambda v: v.sequence(1), accept=_sequence_ok(1),
             hint=_sequence_hint(1)),
    Question("q5", "q5_v2_sequence", "words", 1, expected=lambda v: v.sequence(2), accept=_sequence_ok(2),
             hint=_sequence_hint(2)),
    Question("q6", "q6_leave_to", "address", 1, expected=lambda v: str(_leave(v).ip.dst),
             hint=lambda v, a: "a leave is news for the routers, not for the group's members: which group do all "
                               "multicast routers on a link belong to?"),
    Question("q7", "q7_ttl", "int", 1, expected=lambda v: _leave(v).ip.ttl,
             hint=lambda v, a: "IGMP messages must never leave the link: which TTL makes the first router drop them?"),
    Question("q8", "mac_of", "code", 2, probes=_mac_probes, result_kind="mac", solve=_solve_mac,
             hint=_mac_code_hint, forbid=("workbook.net.multicast:multicast_mac",)),
)


def variant(student: str) -> Exercise:
    """The exercise for one student (the same student always gets the same groups)."""
    rng = random.Random(seed_for(str(student), ASSIGNMENT))
    return Exercise(ASSIGNMENT, str(student), make_variant(rng), QUESTIONS)
