"""ARP against the real kernel: who answers what, what lands in the neighbour cache, with random awkward exchanges.

Namespace A is the Linux host under test: ``v0`` 10.0.0.2/24 (MAC 02:aa:00:00:00:02) and a second
interface ``v1`` with 10.9.9.9/24. Namespace B holds ``p0`` with no IPv4 address, so its own kernel
never speaks ARP: a raw socket there injects ARP packets as other hosts (or ``arping``) would send
them, and a capture collects what A sends back. The simulator runs the same script: a ``linux``
host ``a`` and a silent host ``b`` that transmits the same packets. Messages are compared, not
counts of timers: every step waits longer than the kernel's ARP lock time (1 s), so no update is
ignored for coming too soon, a thing the simulator does not model.
"""

from __future__ import annotations

import random
import socket
import struct
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import netaddr
import pytest

from tests.kernel.capture import Capture, Injector, arping_or_skip, start_helper, veth_pair
from workbook.sim import Network
from workbook.sim.frames import ETHERTYPE_ARP, ArpOpcode, ArpPacket
from workbook.sim.network import PROPAGATION_DELAY

pytestmark = [pytest.mark.kernel, pytest.mark.xdist_group("kernel")]

A_MAC, A_ADDRESS, A_SECOND = "02:aa:00:00:00:02", "10.0.0.2", "10.9.9.9"
MACS = ("02:00:00:00:00:01", "02:00:00:00:00:02")
BROADCAST = "ff:ff:ff:ff:ff:ff"
ZERO_MAC = "00:00:00:00:00:00"
STEP = 1.1  # seconds between steps: longer than the kernel's neighbour lock time (1 s)
#: A carrier outage lasts this long: the kernel hears of carrier changes through linkwatch, which may wait up to
#: a second, and a shorter outage can pass unnoticed.
OUTAGE = 1.5


@dataclass(frozen=True)
class Message:
    """One ARP packet and the Ethernet destination it went to, as text both sides can produce."""

    op: int
    sha: str
    spa: str
    tha: str
    tpa: str
    eth_dst: str

    def frame(self) -> bytes:
        def mac(text: str) -> bytes:
            return bytes.fromhex(text.replace(":", ""))

        body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, self.op) + mac(self.sha) + socket.inet_aton(self.spa) + mac(
            self.tha) + socket.inet_aton(self.tpa)
        return (mac(self.eth_dst) + mac(self.sha) + struct.pack("!H", ETHERTYPE_ARP) + body).ljust(60, b"\0")

    @classmethod
    def from_frame(cls, data: bytes) -> Message:
        def mac(raw: bytes) -> str:
            return ":".join(f"{b:02x}" for b in raw)

        return cls(int.from_bytes(data[20:22], "big"), mac(data[22:28]), socket.inet_ntoa(data[28:32]),
                   mac(data[32:38]), socket.inet_ntoa(data[38:42]), mac(data[:6]))

    @classmethod
    def from_simulator(cls, frame: Any) -> Message:
        arp = frame.arp

        def mac(eui: netaddr.EUI) -> str:
            return str(eui).lower().replace("-", ":")

        return cls(int(arp.opcode), mac(arp.sender_mac), str(arp.sender_ip), mac(arp.target_mac), str(arp.target_ip),
                   mac(frame.eth_dst))

    def packet(self) -> ArpPacket:
        return ArpPacket(ArpOpcode(self.op), netaddr.EUI(self.sha), netaddr.IPAddress(self.spa),
                         netaddr.EUI(self.tha), netaddr.IPAddress(self.tpa))


@dataclass
class Outcome:
    """What A did at each step: the ARP messages it sent, and its neighbour cache on v0 afterwards."""

    sent: list[set[Message]]
    caches: list[set[tuple[str, str]]]


# Random scripts -------------------------------------------------------------------------------------
SENDERS = ("10.0.0.7", "10.0.0.8", "0.0.0.0", A_ADDRESS, A_SECOND, "192.168.9.9")
TARGETS = (A_ADDRESS, A_SECOND, "10.0.0.9", "10.0.0.7", "10.0.0.8")


def random_script(rng: random.Random, steps: int = 7) -> list[tuple]:
    """Steps: ("packet", Message), ("resolve", address, mac) (A sends to it; it answers), ("silent", address)
    (A sends to it; nobody answers), ("carrier",)."""
    script: list[tuple] = []
    for _ in range(steps):
        roll = rng.random()
        if roll < 0.1:
            script.append(("carrier",))
            continue
        if roll < 0.18:
            script.append(("silent", rng.choice(("10.0.0.7", "10.0.0.9"))))
            continue
        if roll < 0.25:
            script.append(("resolve", rng.choice(("10.0.0.7", "10.0.0.8")), rng.choice(MACS)))
            continue
        sha = rng.choice(MACS)
        spa = rng.choice(SENDERS)
        if rng.random() < 0.5:  # a request, maybe gratuitous (target = sender)
            tpa = spa if rng.random() < 0.3 and spa != "0.0.0.0" else rng.choice(TARGETS)
            script.append(("packet", Message(1, sha, spa, ZERO_MAC, tpa, rng.choice((BROADCAST, A_MAC)))))
        else:  # a reply: to A, or gratuitous (target = sender, tha = sha)
            if spa == "0.0.0.0":
                spa = "10.0.0.7"
            if rng.random() < 0.4:
                message = Message(2, sha, spa, sha, spa, BROADCAST)
            else:
                message = Message(2, sha, spa, A_MAC, rng.choice((A_ADDRESS, A_SECOND)), rng.choice((BROADCAST, A_MAC)))
            script.append(("packet", message))
    return script


# The kernel's side ----------------------------------------------------------------------------------
RESOLVE = "import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', (sys.argv[1], 9))"


def kernel_cache(pair: Any) -> set[tuple[str, str]]:
    entries = pair.a.ip_json("-4", "neigh", "show", "dev", "v0")
    return {(e["dst"], e["lladdr"].lower()) for e in entries
            if e.get("lladdr") and not {"FAILED", "INCOMPLETE"} & set(e.get("state", []))}


def run_kernel(script: list[tuple], arp_accept: int) -> Outcome:
    import sys

    with veth_pair(b_address=None, a_mac=A_MAC) as pair:
        pair.a.ip("link", "add", "v1", "type", "veth", "peer", "name", "q1")
        pair.a.ip("addr", "add", f"{A_SECOND}/24", "dev", "v1")
        pair.a.ip("link", "set", "v1", "up")
        pair.a.exec("sysctl", "-qw", f"net.ipv4.conf.v0.arp_accept={arp_accept}")
        capture = Capture(pair.b, "p0", ETHERTYPE_ARP, seconds=STEP * len(script) + 10)
        injector = Injector(pair.b, "p0")
        starts, caches = [], []
        try:
            for step in script:
                starts.append(time.monotonic())
                if step[0] == "packet":
                    injector.send(step[1].frame())
                elif step[0] == "resolve":
                    pair.a.exec(sys.executable, "-c", RESOLVE, step[1])
                    time.sleep(0.3)
                    injector.send(Message(2, step[2], step[1], A_MAC, A_ADDRESS, A_MAC).frame())
                elif step[0] == "silent":  # A asks for an address nobody answers: three requests, then FAILED
                    pair.a.exec(sys.executable, "-c", RESOLVE, step[1])
                    time.sleep(3.2)
                else:
                    pair.b.ip("link", "set", "p0", "down")
                    time.sleep(OUTAGE)
                    pair.b.ip("link", "set", "p0", "up")
                time.sleep(STEP)  # after the step's last packet: longer than the lock time
                caches.append(kernel_cache(pair))
        finally:
            injector.close()
        frames = list(zip(capture.frames(), capture.times(), strict=True))
    sent: list[set[Message]] = [set() for _ in script]
    for data, when in frames:
        index = max(i for i, start in enumerate(starts) if start <= when) if when >= starts[0] else 0
        sent[index].add(Message.from_frame(data))
    return Outcome(sent, caches)


# The simulator's side -------------------------------------------------------------------------------
def simulated_network(arp_accept: int, b_address: str | None = None) -> Network:
    return Network.from_dict({"segments": [{"name": "lan"}, {"name": "other"}], "hosts": [
        {"name": "a", "arp_accept": arp_accept, "interfaces": [
            {"name": "v0", "segment": "lan", "mac": A_MAC, "addresses": [f"{A_ADDRESS}/24"]},
            {"name": "v1", "segment": "other", "addresses": [f"{A_SECOND}/24"]}]},
        {"name": "b", "interfaces": [{"name": "p0", "segment": "lan",
                                      "addresses": [f"{b_address}/24"] if b_address else []}]},
    ]}, personality="linux")


def inject(net: Network, message: Message) -> None:
    b = net.host("b")
    net.transmit(b, b.interfaces[0], netaddr.EUI(message.eth_dst), ETHERTYPE_ARP, arp=message.packet())


def simulator_cache(net: Network) -> set[tuple[str, str]]:
    return {(str(e.ip), str(e.mac).lower().replace("-", ":")) for e in net.host("a").arp_cache.entries()
            if e.interface == "v0"}


def run_simulator(script: list[tuple], arp_accept: int) -> Outcome:
    net = simulated_network(arp_accept)
    a = net.host("a")
    sent, caches = [], []
    for step in script:
        since = len(net.frames)
        if step[0] == "packet":
            inject(net, step[1])
            net.run(STEP)
        elif step[0] == "resolve":
            a.protocols["udp"].send(int(netaddr.IPAddress(step[1])), 9)
            net.run(0.3)
            inject(net, Message(2, step[2], step[1], A_MAC, A_ADDRESS, A_MAC))
            net.run(STEP)
        elif step[0] == "silent":
            a.protocols["udp"].send(int(netaddr.IPAddress(step[1])), 9)
            net.run(3.2 + STEP)
        else:
            a.unplug("v0")
            net.run(OUTAGE)
            a.plug("v0")
            net.run(STEP)
        sent.append({Message.from_simulator(f) for f in net.frames[since:] if f.sender == "a" and f.arp is not None})
        caches.append(simulator_cache(net))
    return Outcome(sent, caches)


def explain(script: list[tuple], kernel: Outcome, simulated: Outcome) -> str:
    lines = []
    for i, step in enumerate(script):
        same = kernel.sent[i] == simulated.sent[i] and kernel.caches[i] == simulated.caches[i]
        lines.append(f"{'  ' if same else '✗ '}{step}\n      kernel    sent {sorted(map(str, kernel.sent[i]))} "
                     f"cache {sorted(kernel.caches[i])}\n      simulator sent {sorted(map(str, simulated.sent[i]))} "
                     f"cache {sorted(simulated.caches[i])}")
    return "\n".join(lines)


# Tests ------------------------------------------------------------------------------------------------
SEEDS = range(10)


def test_random_arp_exchanges_match_the_kernel() -> None:
    """Ten random scripts (arp_accept 0 and 1), run at once in ten pairs of namespaces."""
    cases = [(random_script(random.Random(seed)), seed % 2) for seed in SEEDS]
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        kernels = list(pool.map(lambda case: run_kernel(*case), cases))
    for (script, accept), kernel in zip(cases, kernels, strict=True):
        simulated = run_simulator(script, accept)
        assert kernel.sent == simulated.sent and kernel.caches == simulated.caches, (
            f"arp_accept={accept}:\n{explain(script, kernel, simulated)}")


def _one(steps: list[tuple], accept: int = 0) -> tuple[Outcome, Outcome]:
    return run_kernel(steps, accept), run_simulator(steps, accept)


def test_a_probe_for_its_address_gets_a_unicast_reply() -> None:
    probe = Message(1, MACS[0], "0.0.0.0", ZERO_MAC, A_ADDRESS, BROADCAST)
    kernel, simulated = _one([("packet", probe)])
    reply = Message(2, A_MAC, A_ADDRESS, MACS[0], "0.0.0.0", MACS[0])
    assert kernel.sent == simulated.sent == [{reply}] and kernel.caches == simulated.caches == [set()]


def test_a_claim_of_its_own_address_is_ignored() -> None:
    """A gratuitous request, an ordinary request and a reply that carry A's address: no answer, nothing learned."""
    claims = [Message(1, MACS[0], A_ADDRESS, ZERO_MAC, A_ADDRESS, BROADCAST),
              Message(1, MACS[0], A_ADDRESS, ZERO_MAC, "10.0.0.9", BROADCAST),
              Message(2, MACS[1], A_ADDRESS, MACS[1], A_ADDRESS, BROADCAST)]
    kernel, simulated = _one([("packet", claim) for claim in claims])
    assert kernel.sent == simulated.sent == [set()] * 3
    assert kernel.caches == simulated.caches == [set()] * 3


def test_unsolicited_arp_creates_an_entry_only_with_arp_accept() -> None:
    steps = [("packet", Message(1, MACS[0], "10.0.0.7", ZERO_MAC, "10.0.0.7", BROADCAST)),  # gratuitous request
             ("packet", Message(2, MACS[1], "10.0.0.8", A_MAC, A_ADDRESS, A_MAC))]  # unsolicited reply
    for accept, expected in ((0, [set(), set()]),
                             (1, [{("10.0.0.7", MACS[0])}, {("10.0.0.7", MACS[0]), ("10.0.0.8", MACS[1])}])):
        kernel, simulated = _one(steps, accept)
        assert kernel.caches == simulated.caches == expected, accept


def test_carrier_loss_flushes_the_neighbour_cache() -> None:
    steps = [("packet", Message(1, MACS[0], "10.0.0.7", ZERO_MAC, A_ADDRESS, BROADCAST)), ("carrier",)]
    kernel, simulated = _one(steps)
    assert kernel.caches == simulated.caches == [{("10.0.0.7", MACS[0])}, set()]


def test_a_request_carries_the_datagrams_source_address() -> None:
    """arp_announce = 0: a datagram from A's address on v1, sent out of v0, makes a request from 10.9.9.9."""
    source = "import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[2], 0)); " \
             "s.sendto(b'x', (sys.argv[1], 9))"
    import sys

    with veth_pair(b_address=None, a_mac=A_MAC) as pair:
        pair.a.ip("link", "add", "v1", "type", "veth", "peer", "name", "q1")
        pair.a.ip("addr", "add", f"{A_SECOND}/24", "dev", "v1")
        pair.a.ip("link", "set", "v1", "up")
        capture = Capture(pair.b, "p0", ETHERTYPE_ARP, seconds=2.0)
        pair.a.exec(sys.executable, "-c", source, "10.0.0.7", A_SECOND)
        time.sleep(0.5)
        kernel = {Message.from_frame(f) for f in capture.frames()}
    net = simulated_network(0)
    net.send("a", "10.0.0.7", source=A_SECOND)
    simulated = {Message.from_simulator(f) for f in net.frames if f.sender == "a" and f.arp is not None}
    expected = Message(1, A_MAC, A_SECOND, ZERO_MAC, "10.0.0.7", BROADCAST)
    assert expected in kernel and simulated == {expected}


@pytest.mark.parametrize(("mode", "owner"), [("-D", A_ADDRESS), ("-D", "10.0.0.5"), ("-U", "10.0.0.7"),
                                             ("-A", "10.0.0.7"), ("-U", A_ADDRESS), ("-A", A_ADDRESS)])
@pytest.mark.parametrize("accept", [0, 1])
def test_arping_modes_get_the_same_answers_and_cache_entries(mode: str, owner: str, accept: int) -> None:
    """`arping -D`, `-U` and `-A` from B: what A answers and learns, in the kernel and in the simulator.

    The simulator gets exactly the frames arping sent (captured arriving at A), so nothing about
    arping's format is assumed; -U and -A announce an address B owns, which may be A's own.
    """
    arping_or_skip()
    with veth_pair(b_address=None if mode == "-D" else f"{owner}/24", a_mac=A_MAC) as pair:
        pair.a.exec("sysctl", "-qw", f"net.ipv4.conf.v0.arp_accept={accept}")
        pair.a.ip("neigh", "flush", "dev", "v0")
        at_a, at_b = Capture(pair.a, "v0", ETHERTYPE_ARP, seconds=5.0), Capture(pair.b, "p0", ETHERTYPE_ARP, 5.0)
        pair.b.exec("arping", mode, "-c", "1", "-w", "2", "-I", "p0", owner, check=False)
        time.sleep(0.3)
        sent_by_arping = [Message.from_frame(f) for f in at_a.frames()]
        kernel_answers = {Message.from_frame(f) for f in at_b.frames()}
        kernel = kernel_cache(pair)
    assert sent_by_arping, f"arping {mode} sent nothing"
    net = simulated_network(accept)
    for message in sent_by_arping:
        inject(net, message)
    net.run(10 * PROPAGATION_DELAY)
    simulated = {Message.from_simulator(f) for f in net.frames if f.sender == "a" and f.arp is not None}
    assert simulated == kernel_answers, f"arping {mode} {owner}: sent {sent_by_arping}"
    assert simulator_cache(net) == kernel


# Two Linux hosts on one LAN ---------------------------------------------------------------------------
B_MAC = "02:bb:00:00:00:03"
POOL = ("10.0.0.2", "10.0.0.3")  # A and B each take one, sometimes the same: a duplicate no Linux host checks for


def lan_script(rng: random.Random, steps: int = 6) -> tuple[dict[str, str], str, list[tuple]]:
    """A's and B's addresses, which one is configured first, and steps for C (the injector) and the hosts."""
    addresses = {"a": rng.choice(POOL), "b": rng.choice(POOL)}
    script: list[tuple] = []
    for _ in range(steps):
        roll = rng.random()
        if roll < 0.3:
            sender = rng.choice(("a", "b"))
            other = addresses["b" if sender == "a" else "a"]
            script.append(("send", sender, rng.choice((other, "10.0.0.9"))))
        else:
            target = rng.choice((*POOL, "10.0.0.9"))
            spa = rng.choice(("10.0.0.7", "0.0.0.0", *POOL, target))
            script.append(("packet", Message(1, rng.choice(MACS), spa, ZERO_MAC, target, BROADCAST)))
    return addresses, rng.choice(("a", "b")), script


def _seen_by_c(message: Message) -> bool:
    """Frames C sees whatever the bridge learned: broadcasts and frames to the MACs C sends from."""
    return message.eth_dst in (BROADCAST, *MACS)


#: A discard service (RFC 863) on UDP port 9: the simulator answers no datagram with ICMP port unreachable, so
#: the kernels get a listener and do not either.
DISCARD = r"""
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9))
print("ready", flush=True)
while True:
    s.recv(2048)
"""


def run_kernel_lan(addresses: dict[str, str], first: str, script: list[tuple]) -> Outcome:
    import sys

    from tests.net.netns import namespaces

    with namespaces(4) as (lan, a, b, c):
        lan.ip("link", "add", "br0", "type", "bridge")
        lan.ip("link", "set", "br0", "up")
        for letter, host, mac in (("a", a, A_MAC), ("b", b, B_MAC), ("c", c, None)):
            port = f"to-{letter}"
            lan.ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", host.name)
            lan.ip("link", "set", port, "master", "br0")
            lan.ip("link", "set", port, "up")
            if mac:
                host.ip("link", "set", "eth0", "address", mac)
            host.ip("link", "set", "eth0", "up")
        hosts = {"a": a, "b": b}
        for name in (first, "b" if first == "a" else "a"):
            hosts[name].ip("addr", "add", f"{addresses[name]}/24", "dev", "eth0")
            time.sleep(0.2)
        capture = Capture(c, "eth0", ETHERTYPE_ARP, seconds=STEP * len(script) + 15)
        injector = Injector(c, "eth0")
        listeners = [start_helper(hosts[name], DISCARD) for name in hosts]
        starts, caches = [], []
        try:
            for step in script:
                starts.append(time.monotonic())
                if step[0] == "packet":
                    injector.send(step[1].frame())
                else:
                    hosts[step[1]].exec(sys.executable, "-c", RESOLVE, step[2])
                time.sleep(STEP + (3.2 if step[0] == "send" else 0.0))  # an unanswered request is asked 3 times
                caches.append({(n, *entry) for n, h in hosts.items() for entry in _cache_of(h)})
        finally:
            injector.close()
            for listener in listeners:
                listener.kill()
                listener.communicate()
        frames = list(zip(capture.frames(), capture.times(), strict=True))
    sent: list[set[Message]] = [set() for _ in script]
    for data, when in frames:
        message = Message.from_frame(data)
        if when >= starts[0] and _seen_by_c(message):
            sent[max(i for i, start in enumerate(starts) if start <= when)].add(message)
    return Outcome(sent, caches)


def _cache_of(namespace: Any) -> set[tuple[str, str]]:
    entries = namespace.ip_json("-4", "neigh", "show", "dev", "eth0")
    return {(e["dst"], e["lladdr"].lower()) for e in entries
            if e.get("lladdr") and not {"FAILED", "INCOMPLETE"} & set(e.get("state", []))}


def run_simulator_lan(addresses: dict[str, str], first: str, script: list[tuple]) -> Outcome:
    def nic(mac: str | None, address: str | None) -> dict:
        return {"name": "eth0", "segment": "lan", **({"mac": mac} if mac else {}),
                "addresses": [f"{address}/24"] if address else []}

    hosts = {"a": {"name": "a", "interfaces": [nic(A_MAC, addresses["a"])]},
             "b": {"name": "b", "interfaces": [nic(B_MAC, addresses["b"])]}}
    order = [hosts[first], hosts["b" if first == "a" else "a"]]
    net = Network.from_dict({"segments": [{"name": "lan"}], "hosts": [*order, {"name": "c", "interfaces": [
        nic(None, None)]}]}, personality="linux")
    sent, caches = [], []
    for step in script:
        since = len(net.frames)
        if step[0] == "packet":
            c = net.host("c")
            net.transmit(c, c.interfaces[0], netaddr.EUI(step[1].eth_dst), ETHERTYPE_ARP, arp=step[1].packet())
        else:
            net.host(step[1]).protocols["udp"].send(int(netaddr.IPAddress(step[2])), 9)
        net.run(STEP + (3.2 if step[0] == "send" else 0.0))
        messages = {Message.from_simulator(f) for f in net.frames[since:] if f.arp is not None and f.sender != "c"}
        sent.append({m for m in messages if _seen_by_c(m)})
        caches.append({(name, str(e.ip), str(e.mac).lower().replace("-", ":"))
                       for name in ("a", "b") for e in net.host(name).arp_cache.entries()})
    return Outcome(sent, caches)


def test_two_linux_hosts_on_a_bridge_match_the_simulator() -> None:
    """Random addresses (sometimes one for both), random start order, requests and claims from a third host."""
    cases = [lan_script(random.Random(100 + seed)) for seed in range(6)]
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        kernels = list(pool.map(lambda case: run_kernel_lan(*case), cases))
    for (addresses, first, script), kernel in zip(cases, kernels, strict=True):
        simulated = run_simulator_lan(addresses, first, script)
        assert kernel.sent == simulated.sent and kernel.caches == simulated.caches, (
            f"{addresses}, {first} first:\n{explain(script, kernel, simulated)}")


def _neighbours_once_learned(pair: Any, patience: float = 3.0) -> list[dict]:
    """A's neighbour entries as soon as the injected request has made one (a loaded machine may take a while)."""
    deadline = time.monotonic() + patience
    while True:
        entries = pair.a.ip_json("-4", "neigh", "show", "dev", "v0")
        if entries or time.monotonic() > deadline:
            return entries
        time.sleep(0.05)


def test_a_stale_entry_in_use_is_asked_again_by_unicast() -> None:
    """Neighbour unreachability detection: an entry learned from a request is stale; sending to it goes at once,
    then after delay_first_probe_time A asks the cached MAC by unicast, ucast_solicit times, and forgets it."""
    import sys

    from workbook.sim.arp import DELAY_FIRST_PROBE_TIME, MAX_UNICAST_SOLICIT

    asked = Message(1, MACS[0], "10.0.0.7", ZERO_MAC, A_ADDRESS, BROADCAST)
    probe = Message(1, A_MAC, A_ADDRESS, ZERO_MAC, "10.0.0.7", MACS[0])
    with veth_pair(b_address=None, a_mac=A_MAC) as pair:
        sysctl = {name: pair.a.exec("sysctl", "-n", f"net.ipv4.neigh.v0.{name}").stdout.strip()
                  for name in ("delay_first_probe_time", "ucast_solicit")}
        injector = Injector(pair.b, "p0")
        injector.send(asked.frame())
        injector.close()
        stale = _neighbours_once_learned(pair)
        capture = Capture(pair.b, "p0", ETHERTYPE_ARP, seconds=12.0)
        # The sender reports when it sent (CLOCK_MONOTONIC is one clock for every namespace): a busy machine may
        # take a second to start it, which must not count as the kernel's delay.
        sent = pair.a.exec(sys.executable, "-c", RESOLVE + "; import time; print(time.monotonic())", "10.0.0.7")
        sent_at = float(sent.stdout.split()[-1])
        time.sleep(DELAY_FIRST_PROBE_TIME + MAX_UNICAST_SOLICIT + 1.5)
        seen = [(Message.from_frame(f), when - sent_at) for f, when in zip(capture.frames(), capture.times(),
                                                                           strict=True)]
        gone = kernel_cache(pair)
    assert sysctl == {"delay_first_probe_time": "5", "ucast_solicit": str(MAX_UNICAST_SOLICIT)}
    assert [entry.get("state") for entry in stale] == [["STALE"]]
    assert [m for m, _ in seen] == [probe] * MAX_UNICAST_SOLICIT and gone == set()
    assert abs(seen[0][1] - DELAY_FIRST_PROBE_TIME) < 0.5
    net = simulated_network(0)
    inject(net, asked)
    net.run(0.3)
    start = len(net.frames)
    net.host("a").protocols["udp"].send(0x0A000007, 9)
    net.run(DELAY_FIRST_PROBE_TIME + MAX_UNICAST_SOLICIT + 1.5)
    simulated = [Message.from_simulator(f) for f in net.frames[start:] if f.arp is not None]
    assert simulated == [probe] * MAX_UNICAST_SOLICIT and simulator_cache(net) == set()


def test_a_failed_address_is_filled_in_by_a_later_arp_packet() -> None:
    """A asks for 10.0.0.9, nobody answers (FAILED); then 10.0.0.9 announces itself: A's entry takes the MAC."""
    steps = [("silent", "10.0.0.9"), ("packet", Message(1, MACS[0], "10.0.0.9", ZERO_MAC, "10.0.0.9", BROADCAST))]
    kernel, simulated = _one(steps)
    asked = Message(1, A_MAC, A_ADDRESS, ZERO_MAC, "10.0.0.9", BROADCAST)
    assert kernel.sent == simulated.sent == [{asked}, set()]
    assert kernel.caches == simulated.caches == [set(), {("10.0.0.9", MACS[0])}]
