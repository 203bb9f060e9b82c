"""Exercise 4: predicting a duplicate-address start-up, NT 4.0 against RFC 5227 (chapter 4).

Every answer is graded against the simulator: the variant builds the LAN,
plays the start-up and reads who disabled IP, who logged, and what the
bystander's ARP cache holds.

>>> ex = variant("alice")
>>> ex.check("q2", ex.variant.loggers("nt"))
✓ q2 right
>>> ex.check("q2", [ex.variant.newcomer]).status  # only the newcomer logs? (the defender does too)
'wrong'
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import netaddr

from workbook.exercises.core import Exercise, Question, seed_for, shuffled
from workbook.sim.network import Network

__all__ = ["ASSIGNMENT", "Variant", "make_variant", "variant"]

ASSIGNMENT = "04_duplicate_addresses"

NAMES = ("ada", "bea", "cyd", "dov", "eli", "fay", "gus", "hal", "ivy", "jon", "kim", "lou", "max", "nia")
#: How long each phase of a run lasts, in simulated seconds.
SETTLE = 10.0
#: The stack each detection mode runs on.
PERSONALITY = {"nt": "nt4", "rfc5227": "windows"}


@dataclass(frozen=True)
class Variant:
    """One student's LAN: a defender holding ``address``, bystanders, and a newcomer configured with it too."""

    subnet: str
    address: str  # the address both defender and newcomer are configured with
    defender: str
    newcomer: str
    bystanders: tuple[str, ...]
    bystander: str  # the one whose cache the questions ask about
    macs: dict[str, str]
    addresses: dict[str, str]
    choices: tuple[str, ...]  # q7, in a seeded order

    def network(self, detection: str = "nt", late: bool = False) -> Network:
        """Play the start-up: every host runs ``detection`` ('nt' or 'rfc5227'); the bystander has talked to
        the defender; then the newcomer starts (with its cable out, when ``late``: plugged in after
        SETTLE seconds, it sends one datagram to the bystander). Returns the network after it all."""
        prefixlen = netaddr.IPNetwork(self.subnet).prefixlen
        hosts: list[dict[str, Any]] = []
        for name in (self.defender, *self.bystanders, self.newcomer):
            hosts.append({"name": name, "duplicate_detection": detection, "running": name != self.newcomer,
                          "interfaces": [{"name": "eth0", "segment": "lan", "mac": self.macs[name],
                                          "addresses": [f"{self.addresses[name]}/{prefixlen}"]}]})
        net = Network.from_dict({"segments": [{"name": "lan"}], "hosts": hosts}, personality=PERSONALITY[detection],
                                seed=0)
        net.send(self.bystander, self.address)
        newcomer = net.host(self.newcomer)
        if late:
            newcomer.unplug()
        newcomer.start()
        net.run(SETTLE)
        if late:
            newcomer.plug()
            net.run(1.0)
            net.send(self.newcomer, self.addresses[self.bystander])
            net.run(SETTLE)
        return net

    def disabled(self, detection: str, late: bool = False) -> str | None:
        """The host whose IP ends disabled, or None."""
        net = self.network(detection, late)
        off = [h.name for h in net.hosts if not h.ip_enabled("eth0")]
        assert len(off) <= 1, off
        return off[0] if off else None

    def loggers(self, detection: str, late: bool = False) -> tuple[str, ...]:
        """The hosts that logged an address conflict (an error in their system log), sorted."""
        return tuple(sorted({entry.host for entry in self.network(detection, late).log if entry.kind == "error"}))

    def cached_mac(self, detection: str, late: bool = False) -> str | None:
        """The hardware address the bystander's ARP cache holds for ``address`` at the end."""
        mac = self.network(detection, late).host(self.bystander).arp_cache.get(self.address)
        return None if mac is None else str(netaddr.EUI(str(mac)))


#: q7's four explanations, in alphabetical order; which one is right is written only in the master's hidden test.
WHY = (
    "RFC 5227 hosts send their probes only to the defender's hardware address",
    "its probes carry the sender address 0.0.0.0, and a cache only learns from a sender address",
    "the bystander ignores ARP requests that are not addressed to its own address",
    "the defender's reply arrives first and overwrites the probe's entry in every cache",
)


def _mac(rng: random.Random, used: set[str]) -> str:
    while True:
        mac = "-".join(f"{b:02X}" for b in [0x00, rng.choice([0x0C, 0x1B, 0x50, 0xA0, 0xDD]),
                                              *(rng.randrange(256) for _ in range(4))])
        if mac not in used:
            used.add(mac)
            return mac


def make_variant(rng: random.Random) -> Variant:
    subnet = rng.choice([f"10.{rng.randrange(256)}.{rng.randrange(256)}.0/24",
                         f"172.{rng.randrange(16, 32)}.{rng.randrange(256)}.0/24",
                         f"192.168.{rng.randrange(256)}.0/24"])
    network = netaddr.IPNetwork(subnet)
    names = rng.sample(NAMES, rng.choice([3, 4]))
    defender, newcomer, *bystanders = names
    hosts = rng.sample(range(2, 254), len(names) - 1)
    addresses = {name: str(network.network + h) for name, h in zip([defender, *bystanders], hosts, strict=True)}
    addresses[newcomer] = addresses[defender]
    used: set[str] = set()
    macs = {name: _mac(rng, used) for name in names}
    choices = shuffled(rng, WHY)
    return Variant(subnet, addresses[defender], defender, newcomer, tuple(bystanders), rng.choice(bystanders), macs,
                   addresses, choices)


# --- hints ----------------------------------------------------------------------------------------------------------


def _disabled_hint(v: Variant, answer: str | None) -> str:
    if answer is not None and answer not in v.macs:
        return f"the hosts are {', '.join(sorted(v.macs))}; or None"
    return "which host finds the conflict while starting, and what does its stack do about it then?"


def _loggers_hint(detection: str, late: bool = False):
    def hint(v: Variant, answer: tuple[str, ...]) -> str:
        right = set(v.loggers(detection, late))
        if late and v.newcomer in answer and v.newcomer not in right:
            return (f"{v.newcomer} logged nothing: its start-up ARPs went nowhere (no cable), and NT checks an "
                    "address only when it starts")
        if set(answer) < right:
            return "not only that host: another one saw an ARP claim its address too"
        if set(answer) > right:
            extra = sorted(set(answer) - right)
            if detection == "rfc5227":
                return (f"{', '.join(extra)} logged nothing: an RFC 5227 probe's sender address is 0.0.0.0, so it "
                        "claims no address")
            return f"{', '.join(extra)} logged nothing: whose address does an ARP from the newcomer claim?"
        return f"the hosts are {', '.join(sorted(v.macs))}"
    return hint


def _cache_hint(late: bool):
    def hint(v: Variant, answer: str | None) -> str:
        owner = next((name for name, mac in v.macs.items() if str(netaddr.EUI(mac)) == answer), None)
        if owner is None:
            return f"that MAC is none of the hosts': {', '.join(f'{n} {m}' for n, m in sorted(v.macs.items()))}"
        if late:
            return (f"that is {owner}'s; which ARP did {v.bystander} hear last claiming {v.address}, and did anyone "
                    "set it right afterwards?")
        return (f"that is {owner}'s; the newcomer's gratuitous ARP changed {v.bystander}'s entry, but what does the "
                "NT defender send after its reply?")
    return hint


def _to_list(value: Any) -> tuple[str, ...]:
    return tuple(sorted(set(value)))


# --- the code question: what a cache holds after some ARP frames ----------------------------------------------------


def _solve_holder(v: Variant, frames: list, address: str) -> str | None:
    mac = None
    for frame in frames:
        if frame.arp is not None and str(frame.arp.sender_ip) == address:
            mac = str(frame.arp.sender_mac)
    return mac


def _holder_probes(v: Variant, rng: random.Random) -> list[tuple]:
    runs = [v.network("nt").frames, v.network("rfc5227").frames, v.network("nt", late=True).frames]
    others = [a for n, a in v.addresses.items() if n != v.defender and n != v.newcomer]
    probes = [(list(frames), v.address) for frames in runs]
    probes += [(list(runs[0]), v.addresses[v.bystander]), (list(runs[1]), str(netaddr.IPAddress(v.address) ^ 1)),
               (list(runs[2]), rng.choice(others))]
    probes += [(list(runs[1][: rng.randrange(1, len(runs[1]))]), v.address), (list(runs[0][:3]), v.address)]
    return probes


def _holder_hint(v: Variant, got: tuple) -> str:
    return ("go through the frames in order; every ARP (request or reply) whose sender address is the address "
            "sets the entry to its sender MAC; a probe's sender address is 0.0.0.0")


QUESTIONS = (
    Question("q1", "q1_disabled", "name?", 1, expected=lambda v: v.disabled("nt"), hint=_disabled_hint),
    Question("q2", "q2_logged", "words", 1, expected=lambda v: v.loggers("nt"),
             accept=lambda v, a: _to_list(a) == v.loggers("nt"), hint=_loggers_hint("nt")),
    Question("q3", "q3_cached", "mac", 1, expected=lambda v: v.cached_mac("nt"), hint=_cache_hint(False)),
    Question("q4", "q4_logged_rfc5227", "words", 1, expected=lambda v: v.loggers("rfc5227"),
             accept=lambda v, a: _to_list(a) == v.loggers("rfc5227"), hint=_loggers_hint("rfc5227")),
    Question("q5", "q5_late_logged", "words", 1, expected=lambda v: v.loggers("nt", late=True),
             accept=lambda v, a: _to_list(a) == v.loggers("nt", late=True), hint=_loggers_hint("nt", late=True)),
    Question("q6", "q6_late_cached", "mac", 1, expected=lambda v: v.cached_mac("nt", late=True),
             hint=_cache_hint(True)),
    Question("q7", "q7_why", "choice", 1, key=True,
             hint=lambda v, a: "look at the sender address of an RFC 5227 probe (frame.arp.sender_ip)"),
    Question("q8", "holder", "code", 2, probes=_holder_probes, result_kind="mac?", solve=_solve_holder,
             hint=_holder_hint),
)


def variant(student: str) -> Exercise:
    """The exercise for one student (the same student always gets the same LAN)."""
    rng = random.Random(seed_for(str(student), ASSIGNMENT))
    return Exercise(ASSIGNMENT, str(student), make_variant(rng), QUESTIONS)
