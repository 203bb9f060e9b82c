"""RIP in the simulator: convergence, split horizon and poison reverse, timers, failures, personalities, bad input."""

from __future__ import annotations

import itertools
import random
from typing import Any

import netaddr
import pytest

from workbook.errors import ScenarioError
from workbook.net.rip import RipMessage
from workbook.net.routes import RouteOrigin
from workbook.sim import Network
from workbook.sim.pcap import frame_bytes


def line(n: int = 3, personality: str = "linux", **rip: Any) -> dict[str, Any]:
    """R1 - R2 - ... - Rn on segments l12, l23, ...; each router also has a stub LAN 10.i.0.0/24."""
    segments = [{"name": f"l{i}{i + 1}"} for i in range(1, n)] + [{"name": f"lan{i}"} for i in range(1, n + 1)]
    routers = []
    for i in range(1, n + 1):
        nics = [{"name": "lan", "segment": f"lan{i}", "addresses": [f"10.{i}.0.1/24"]}]
        if i > 1:
            nics.append({"name": f"to{i - 1}", "segment": f"l{i - 1}{i}", "addresses": [f"10.0.{i - 1}{i}.{i}/24"]})
        if i < n:
            nics.append({"name": f"to{i + 1}", "segment": f"l{i}{i + 1}", "addresses": [f"10.0.{i}{i + 1}.{i}/24"]})
        routers.append({"name": f"R{i}", "personality": personality, "interfaces": nics, "rip": dict(rip)})
    return {"segments": segments, "routers": routers}


def rip_routes(net: Network, router: str) -> dict[str, tuple[int, str, str]]:
    return {f"{r.destination}/{r.prefixlen}": (r.metric, str(r.gateway), r.interface)
            for r in net.host(router).table if r.origin is RouteOrigin.RIP}


def test_a_line_converges_to_hop_counts_through_the_neighbours() -> None:
    net = Network.from_dict(line(4, update=5, timeout=30, garbage=20))
    net.run(20)
    table = rip_routes(net, "R1")
    assert table["10.4.0.0/24"] == (4, "10.0.12.2", "to2")
    assert table["10.0.34.0/24"] == (3, "10.0.12.2", "to2")
    assert table["10.2.0.0/24"] == (2, "10.0.12.2", "to2")
    assert "10.1.0.0/24" not in table  # connected
    assert RouteOrigin.RIP.value == "rip"
    assert "10.0.12.2" in net.host("R1").protocols["rip"].explain("10.4.0.0/24")


def test_frames_carry_udp_and_rip_fields_and_decode_from_their_bytes() -> None:
    net = Network.from_dict(line(2, update=5))
    net.run(6)
    rips = [f for f in net.frames if f.rip is not None]
    assert rips and all(f.udp.src_port == 520 and f.udp.dst_port == 520 for f in rips if f.rip.is_response)
    response = next(f for f in rips if f.rip.command == 2)
    assert response.rip.version == 2 and str(response.ip.dst) == "224.0.0.9"
    entry = response.rip.entries[0]
    assert entry.mask is not None and entry.tag == 0 and str(entry.next_hop) == "0.0.0.0"
    data = frame_bytes(response)
    assert RipMessage.decode(data[14 + 20 + 8: 14 + 20 + 8 + 4 + 20 * len(response.rip)]) == response.rip


def test_version_1_broadcasts_without_masks_and_summarises_other_networks() -> None:
    data = line(2, version=1, update=5)
    data["routers"][0]["interfaces"][0]["addresses"] = ["192.168.1.1/24"]
    data["routers"][1]["interfaces"][0]["addresses"] = ["172.16.2.1/24"]
    net = Network.from_dict(data)
    net.run(6)
    sent = [f.rip for f in net.frames if f.rip is not None and f.sender == "R2" and f.rip.is_response]
    # BIRD (the linux personality's RIP) broadcasts on the subnet; the RFC model uses the limited broadcast.
    assert {str(f.ip.dst) for f in net.frames_on("l12") if f.rip is not None and f.is_multicast} == {"10.0.12.255"}
    nt = Network.from_dict(line(2, personality="nt4", update=5))
    nt.run(6)
    assert {str(f.ip.dst) for f in nt.frames if f.rip is not None and f.is_multicast} == {"255.255.255.255"}
    assert all(e.mask is None for m in sent for e in m.entries)
    # linux is BIRD: version 1 sends whole classful networks only, so R2's subnet 172.16.2.0/24 is not sent at all
    assert "172.16.0.0/16" not in rip_routes(net, "R1") and "172.16.2.0/24" not in rip_routes(net, "R1")
    assert rip_routes(net, "R2")["192.168.1.0/24"][0] == 2
    rfc = Network.from_dict(data, personality="nt4")
    rfc.run(6)
    assert rip_routes(rfc, "R1")["172.16.0.0/16"][0] == 2  # RFC 1058: summarised at the class B boundary


@pytest.mark.parametrize("rule", ["simple", "poison-reverse", "off"])
def test_split_horizon_decides_what_goes_back_to_the_neighbour(rule: str) -> None:
    net = Network.from_dict(line(3, split_horizon=rule, update=5))
    net.run(12)
    rip = net.host("R2").protocols["rip"]
    (message,) = rip.update_for("to1")
    entries = {e.prefix: e.metric for e in message.entries}
    learned_from_r1 = "10.1.0.0/24"
    if rule == "simple":
        assert learned_from_r1 not in entries
    elif rule == "poison-reverse":
        assert entries[learned_from_r1] == 16
    else:
        assert entries[learned_from_r1] == 2
        assert str(next(e for e in message.entries if e.prefix == learned_from_r1).next_hop) == "10.0.12.1"
    assert entries["10.3.0.0/24"] == 2


def test_a_cable_pulled_poisons_its_routes_and_the_neighbours_reconverge() -> None:
    net = Network.from_dict(line(3, update=5, timeout=30, garbage=20))
    net.run(15)
    assert "10.3.0.0/24" in rip_routes(net, "R1")
    before = len(net.frames)
    net.host("R2").unplug("to3")
    assert "10.3.0.0/24" not in rip_routes(net, "R2")
    net.run(1)
    poisoned = [e for f in net.frames[before:] if f.rip is not None and f.sender == "R2" for e in f.rip.entries
                if e.prefix == "10.3.0.0/24"]
    assert poisoned and poisoned[0].metric == 16
    assert "10.3.0.0/24" not in rip_routes(net, "R1")
    net.host("R2").plug("to3")
    net.run(10)
    assert rip_routes(net, "R1")["10.3.0.0/24"][0] == 3


def test_a_stopped_router_s_routes_time_out_at_its_neighbours() -> None:
    net = Network.from_dict(line(3, update=5, timeout=30, garbage=20))
    net.run(15)
    net.host("R3").stop()
    net.run(10)
    assert rip_routes(net, "R2")["10.3.0.0/24"][0] == 2  # not yet: 30 s without updates
    net.run(30)
    assert "10.3.0.0/24" not in rip_routes(net, "R2")
    assert "10.3.0.0/24" not in rip_routes(net, "R1")
    net.host("R3").start()
    net.run(15)
    assert rip_routes(net, "R1")["10.3.0.0/24"][0] == 3


def test_interface_cost_makes_the_other_way_round_a_ring_cheaper() -> None:
    data = line(3, update=5)
    data["segments"].append({"name": "l13"})
    data["routers"][0]["interfaces"].append({"name": "to3", "segment": "l13", "addresses": ["10.0.13.1/24"]})
    data["routers"][2]["interfaces"].append({"name": "to1", "segment": "l13", "addresses": ["10.0.13.3/24"]})
    net = Network.from_dict(data)
    net.run(15)
    assert rip_routes(net, "R1")["10.3.0.0/24"] == (2, "10.0.13.3", "to3")
    data["routers"][0]["rip"]["cost"] = {"to3": 5}
    net = Network.from_dict(data)
    net.run(15)
    assert rip_routes(net, "R1")["10.3.0.0/24"] == (3, "10.0.12.2", "to2")
    net.host("R1").unplug("to2")
    net.run(10)
    assert rip_routes(net, "R1")["10.3.0.0/24"] == (6, "10.0.13.3", "to3")


def test_same_seed_same_frames() -> None:
    def run() -> list[str]:
        net = Network.from_dict(line(3), seed=7)
        net.run(100)
        return [f"{f.time:.6f} {f.summary()}" for f in net.frames]

    assert run() == run()


def test_periodic_updates_come_every_30_seconds_within_the_rfc_jitter() -> None:
    net = Network.from_dict(line(2), seed=random.Random(1).randrange(1000))
    net.run(400)
    times = [f.time for f in net.frames if f.sender == "R1" and f.rip is not None and f.rip.is_response]
    gaps = [b - a for a, b in itertools.pairwise(times) if b - a > 1]
    assert gaps and all(25 <= gap <= 35 for gap in gaps)


def test_nt4_speaks_version_1_only_and_nt35_cannot_run_rip() -> None:
    net = Network.from_dict(line(2, personality="nt4", update=5))
    net.run(10)
    assert rip_routes(net, "R1")["10.2.0.0/24"] == (2, "10.0.12.2", "10.0.12.1")  # NT names interfaces by address
    with pytest.raises(ScenarioError, match=r"version 2 .*RIP version 1"):
        Network.from_dict(line(2, personality="nt4", version=2))
    with pytest.raises(ScenarioError, match="MPR") as error:
        Network.from_dict(line(2, personality="nt35"))
    assert "e.g." in str(error.value)


def test_a_single_interface_nt4_host_listens_silently() -> None:
    data = line(2, personality="nt4", update=5)
    data["routers"][0]["interfaces"] = data["routers"][0]["interfaces"][1:]
    net = Network.from_dict(data)
    net.run(12)
    assert not [f for f in net.frames if f.sender == "R1" and f.rip is not None]
    assert "10.2.0.0/24" in rip_routes(net, "R1")


@pytest.mark.parametrize(("rip", "words"), [
    ({"version": 3}, "version 3"), ({"split_horizon": "poison"}, "'poison'"), ({"cost": {"to9": 2}}, "'to9'"),
    ({"cost": {"to2": 16}}, "cost 16"), ({"update": -1}, "update -1"), ({"interfaces": ["eth7"]}, "'eth7'"),
    ({"timeout": 10, "update": 30}, "timeout 10"), ({"triggered_min_interval": [5, 1]}, "[5, 1]"),
    ({"hello": 1}, "'hello'"), ("yes", "'yes'"), ({"triggered": "no"}, "'no'"),
])
def test_bad_rip_settings_name_the_value_and_give_an_example(rip: Any, words: str) -> None:
    data = line(2)
    data["routers"][0]["rip"] = rip
    with pytest.raises(ScenarioError) as error:
        Network.from_dict(data)
    assert words in str(error.value) and "e.g." in str(error.value)


def test_rip_settings_survive_to_dict_and_from_dict() -> None:
    data = line(2)
    data["routers"][0]["rip"] = {"split_horizon": "simple", "cost": {"to2": 3}, "update": 10}
    net = Network.from_dict(data)
    saved = net.to_dict(include_tables=False)
    assert saved["routers"][0]["rip"] == {"split_horizon": "simple", "cost": {"to2": 3}, "update": 10}
    assert Network.from_dict(saved).to_dict(include_tables=False) == saved


def test_next_hop_field_is_obeyed_when_on_the_link() -> None:
    net = Network.from_dict(line(2, update=5))
    rip = net.host("R1").protocols["rip"]
    assert rip.cost("to2") == 1 and netaddr.IPAddress("10.0.12.2") in [
        a.ip for a in net.host("R2").interface("to1").addresses]


def test_the_rip_benchmark_runs_quick_and_prints_every_figure() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(root / "benchmarks" / "bench_rip.py"), "--quick"], cwd=root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for label in ("static delivery (net.send)", "converged                                yes",
                  "simulated seconds to converge", "ratio convergence / static delivery"):
        assert label in done.stdout


def test_a_saved_network_does_not_keep_rip_routes_nobody_teaches_any_more() -> None:
    net = Network.from_dict(line(3, update=5, timeout=30, garbage=20))
    net.run(15)
    saved = net.to_dict()
    del saved["routers"][2]["rip"]  # R3 no longer runs RIP
    again = Network.from_dict(saved)
    again.run(1)
    assert "10.3.0.0/24" not in rip_routes(again, "R1")  # no RIP neighbour teaches it any more
    assert rip_routes(again, "R1")["10.2.0.0/24"][0] == 2
    assert rip_routes(again, "R1")["10.0.23.0/24"][0] == 2  # R2's own link to R3, still taught by R2


def _lan_counts(net: Network) -> list[tuple[str, int | None]]:
    from workbook.sim.rip import timeline

    return [(c.router, c.new_metric) for c in timeline(net) if c.prefix == "10.3.0.0/24" and c.router != "R3"]


SEED = 0  # a seed where R1's regular update reaches R2 before R2's reaches R1: the race counting needs


def test_without_split_horizon_a_lost_network_counts_to_infinity_and_poison_reverse_cures_it() -> None:
    from workbook.sim.rip import run_until_converged

    counts = {}
    for rule in ("off", "poison-reverse"):
        net = Network.from_dict(line(3, split_horizon=rule, update=5, timeout=30, garbage=20, triggered=False),
                                seed=SEED)
        run_until_converged(net)
        before = len(_lan_counts(net))
        net.host("R3").unplug("lan")
        run_until_converged(net)
        counts[rule] = [metric for _, metric in _lan_counts(net)[before:]]
        assert "10.3.0.0/24" not in rip_routes(net, "R1") and "10.3.0.0/24" not in rip_routes(net, "R2")
    assert counts["poison-reverse"][:2] == [16, 16]  # R2 and R1 learn at once that it is gone
    climbing = [m for m in counts["off"] if m is not None and m < 16]
    assert len(climbing) >= 6 and max(climbing) == 15  # R1 and R2 teach each other ever longer ways
    assert len(counts["off"]) > 3 * len(counts["poison-reverse"])


def test_explanations_say_which_update_taught_a_route() -> None:
    net = Network.from_dict(line(3, update=5))
    net.run(10)
    text = net.host("R1").protocols["rip"].explain("10.3.0.0/24")
    assert "the update from 10.0.12.2 on to2 advertised 10.3.0.0/24 at metric 2" in text and " = 3" in text
    assert text.split(" s:")[0].replace(".", "").isdigit()
    assert "no RIP route" in net.host("R1").protocols["rip"].explain("192.0.2.0/24")


def test_a_password_travels_in_every_version_2_message_and_keeps_strangers_out() -> None:
    data = line(3, update=5, password="secret")
    data["routers"][2]["rip"]["password"] = "other"
    net = Network.from_dict(data)
    net.run(12)
    sent = [f.rip for f in net.frames if f.rip is not None and f.sender == "R1"]
    assert sent and all(m.password == b"secret".ljust(16, b"\0") for m in sent)
    assert RipMessage.decode(sent[-1].encode()) == sent[-1]
    assert "10.2.0.0/24" in rip_routes(net, "R1") and "10.3.0.0/24" not in rip_routes(net, "R1")
    with pytest.raises(ScenarioError, match="RFC 2453"):
        Network.from_dict(line(2, version=1, password="secret"))


def test_datagrams_follow_the_routes_rip_taught() -> None:
    net = Network.from_dict(line(4, update=5))
    net.run(20)
    trace = net.send("R1", "10.4.0.1", source="10.1.0.1")
    assert trace.delivered
    assert [hop.node for hop in trace.hops] == ["R1", "R2", "R3", "R4"]


def test_a_static_route_rip_would_duplicate_stays_and_the_log_says_so() -> None:
    data = line(3, update=5)
    data["routers"][0]["routes"] = [{"destination": "10.3.0.0/24", "gateway": "10.0.12.2", "metric": 3}]
    net = Network.from_dict(data)
    net.run(12)
    assert [r.origin for r in net.host("R1").table if str(r.destination) == "10.3.0.0"] == [RouteOrigin.STATIC]
    assert any(entry.host == "R1" and "RIP could not install 10.3.0.0/24" in entry.text for entry in net.log)
