"""Properties over random topologies (tests/sim/topologies.py): what every journey must respect."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.sim import Network
from workbook.sim.trace import DropReason, Outcome

from .topologies import chain, random_routers

SETTINGS = settings(max_examples=40, deadline=None)


def _check_delivered(trace) -> None:
    sent = trace.datagram
    routers = 0
    for hop in trace.hops:
        assert (hop.ip.src, hop.ip.dst) == (sent.src, sent.dst)
        if hop.outcome is Outcome.FORWARDED:
            routers += 1
            assert hop.ip.ttl == sent.ttl - routers
    for frame in trace.frames:
        if frame.ip is not None and frame.ip.icmp is None and frame.ip.identification == sent.identification:
            assert (frame.ip.src, frame.ip.dst) == (sent.src, sent.dst)
    final = trace.hops[-1]
    assert final.outcome is Outcome.DELIVERED and final.ip.ttl == sent.ttl - routers


@SETTINGS
@given(st.integers(0, 6), st.integers(8, 64))
def test_chain_delivers_with_one_ttl_less_per_router(routers: int, ttl: int) -> None:
    net = Network.from_dict(chain(routers))
    trace = net.send("a", net.host("b").interfaces[0].primary_address, ttl=ttl)
    assert trace.delivered and trace.drop_reason is None
    assert trace.routers == [f"r{i}" for i in range(1, routers + 1)]
    _check_delivered(trace)
    back = net.send("b", "10.0.0.2")
    assert back.delivered and back.routers == [f"r{i}" for i in range(routers, 0, -1)]


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(1, 40))
def test_random_routers_respect_ttl_and_visit_a_router_twice_only_in_a_loop(seed: int, ttl: int) -> None:
    net = Network.from_dict(random_routers(random.Random(seed)))
    trace = net.send("h", "172.17.1.1", ttl=ttl)
    assert trace.hops and trace.hops[0].node == "h"
    if trace.delivered:
        _check_delivered(trace)
    else:
        assert trace.drop_reason is not None
    routers = trace.routers
    if len(routers) != len(set(routers)):
        assert trace.drop_reason is DropReason.TTL_EXPIRED
        assert trace.icmp is not None and trace.icmp.type == 11
    assert len(routers) <= ttl
    times = [f.time for f in trace.frames]
    assert times == sorted(times)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 1000))
def test_same_seed_same_frames(topology: int, seed: int) -> None:
    def run() -> list:
        data = random_routers(random.Random(topology))
        data["hosts"][0]["duplicate_detection"] = "rfc5227"
        net = Network.from_dict(data, seed=seed)
        net.host("h").join("239.1.2.3")
        net.send("h", "172.17.1.1", ttl=16)
        net.run(12)
        return [(f.time, f.summary(), None if f.ip is None else f.ip.identification) for f in net.frames]

    assert run() == run()
