"""DHCP through a BOOTP relay agent in the simulator: the four messages, giaddr and hops, where a DISCOVER dies.

BOOTP bytes are checked against an independent decoder (dpkt's), simulated
exchanges against RFC 951, RFC 1542 §4.1 and RFC 2131 §4.1 field by field.
"""

from __future__ import annotations

import copy
from typing import Any

import dpkt
import netaddr
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook import Network
from workbook.errors import ScenarioError, WorkbookError
from workbook.net.bootp import BootpMessage, BootpOp, DhcpMessageType, Option
from workbook.net.scenario import load_scenario
from workbook.render.dhcp import dhcp_sequence_dot, dhcp_sequence_text
from workbook.sim.frames import BROADCAST_MAC, IPProtocol, UdpDatagram
from workbook.sim.pcap import frame_bytes
from workbook.sim.trace import DropReason, PathTrace

KINDS = ("DISCOVER", "OFFER", "REQUEST", "ACK")


def scenario(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(load_scenario("dhcp-relay"))
    router = data["routers"][0]
    router["dhcp_relay"].update(changes.pop("relay", {}))
    pc = data["hosts"][0]
    pc.update(changes.pop("pc", {}))
    data.update(changes)
    return data


def bootp_frames(net: Network, segment: str | None = None) -> list[Any]:
    return [f for f in net.frames if f.bootp is not None and (segment is None or f.segment == segment)]


# The wire format ----------------------------------------------------------------------------------
addresses = st.integers(0, 2**32 - 1).map(netaddr.IPAddress)
macs = st.integers(0, 2**48 - 1).map(lambda v: netaddr.EUI(v & ~(1 << 40)))
messages = st.builds(
    BootpMessage, op=st.sampled_from(list(BootpOp)), xid=st.integers(0, 2**32 - 1), chaddr=macs,
    hops=st.integers(0, 255), secs=st.integers(0, 65535), flags=st.sampled_from([0, 0x8000]),
    ciaddr=addresses, yiaddr=addresses, siaddr=addresses, giaddr=addresses,
    option_list=st.lists(st.sampled_from([
        (Option.MESSAGE_TYPE, DhcpMessageType.OFFER), (Option.SERVER_ID, netaddr.IPAddress("10.0.2.9")),
        (Option.LEASE_TIME, 3600), (Option.SUBNET_MASK, netaddr.IPAddress("255.255.255.0")),
        (Option.ROUTER, (netaddr.IPAddress("10.0.1.1"),)), (Option.PARAMETER_REQUEST_LIST, (1, 3, 51, 54))]),
        max_size=6, unique=True).map(tuple))


@settings(max_examples=200, deadline=None)
@given(messages)
def test_bootp_bytes_decode_back_and_agree_with_an_independent_decoder(message: BootpMessage) -> None:
    data = message.encode()
    assert len(data) >= 300 and BootpMessage.decode(data) == message
    theirs = dpkt.dhcp.DHCP(data)
    assert (theirs.op, theirs.hops, theirs.xid, theirs.flags, theirs.secs) == (
        int(message.op), message.hops, message.xid, message.flags, message.secs)
    assert [theirs.ciaddr, theirs.yiaddr, theirs.siaddr, theirs.giaddr] == [
        int(a) for a in (message.ciaddr, message.yiaddr, message.siaddr, message.giaddr)]
    assert theirs.chaddr[:6] == message.chaddr.packed
    if message.option_list:
        assert dict(theirs.opts) == {int(code): _wire(code, value) for code, value in message.option_list}


def _wire(code: int, value: Any) -> bytes:
    from workbook.net.bootp import _encode_option

    return _encode_option(int(code), value)


def test_the_pcap_of_an_exchange_holds_bootp_that_an_independent_decoder_reads() -> None:
    net = Network.from_scenario("dhcp-relay")
    for frame in bootp_frames(net):
        ethernet = dpkt.ethernet.Ethernet(frame_bytes(frame))
        udp = ethernet.data.data
        assert (udp.sport, udp.dport) == (frame.udp.src_port, frame.udp.dst_port)
        theirs = dpkt.dhcp.DHCP(udp.data)
        assert theirs.xid == frame.bootp.xid and theirs.giaddr == int(frame.bootp.giaddr)
        assert dict(theirs.opts)[53][0] == frame.bootp.message_type


# The exchange -------------------------------------------------------------------------------------
def test_the_relay_fills_giaddr_adds_a_hop_and_the_client_gets_the_lan_pool() -> None:
    net = Network.from_scenario("dhcp-relay")
    lease = net.host("pc").protocols["bootpc"].leases["eth0"]
    assert (lease.state, str(lease.address), str(lease.router), str(lease.server)) == (
        "bound", "10.0.1.100/24", "10.0.1.1", "10.0.2.9")
    lan, core = bootp_frames(net, "lan"), bootp_frames(net, "core")
    assert [f.bootp.message_type.name for f in lan] == list(KINDS)
    assert [f.bootp.message_type.name for f in core] == list(KINDS)
    xid = lan[0].bootp.xid
    for frame in lan + core:
        assert frame.bootp.xid == xid and str(frame.bootp.chaddr) == "00-DD-01-0F-7A-B5"
    # On the client's segment: requests from 0.0.0.0 broadcast, giaddr 0, hops 0.
    for frame in (lan[0], lan[2]):
        assert (str(frame.ip.src), str(frame.ip.dst), frame.eth_dst) == ("0.0.0.0", "255.255.255.255", BROADCAST_MAC)
        assert (int(frame.bootp.giaddr), frame.bootp.hops, frame.bootp.op) == (0, 0, BootpOp.BOOTREQUEST)
    # Relayed: unicast to the server from port 67, giaddr the LAN interface, hops 1; nothing else changed.
    for before, after in ((lan[0], core[0]), (lan[2], core[2])):
        assert (str(after.ip.dst), after.udp.src_port, after.udp.dst_port) == ("10.0.2.9", 67, 67)
        assert (str(after.bootp.giaddr), after.bootp.hops) == ("10.0.1.1", 1)
        fields, relayed = before.bootp.fields(), after.bootp.fields()
        for name in ("giaddr", "hops"):
            fields.pop(name), relayed.pop(name)
        assert fields == relayed
    # Replies: to the relay's giaddr on port 67, then unicast to yiaddr at chaddr (flag clear), port 68.
    offer, ack = core[1], core[3]
    assert (str(offer.ip.dst), offer.udp.dst_port, str(offer.bootp.yiaddr)) == ("10.0.1.1", 67, "10.0.1.100")
    assert offer.bootp.options[Option.SERVER_ID] == netaddr.IPAddress("10.0.2.9")
    assert (ack.bootp.subnet_mask, ack.bootp.router, ack.bootp.lease_time) == (
        netaddr.IPAddress("255.255.255.0"), netaddr.IPAddress("10.0.1.1"), 3600)
    for frame in (lan[1], lan[3]):
        assert (str(frame.ip.src), str(frame.ip.dst), str(frame.eth_dst)) == (
            "10.0.1.1", "10.0.1.100", "00-DD-01-0F-7A-B5")
        assert (frame.udp.src_port, frame.udp.dst_port) == (67, 68)
    request = lan[2].bootp
    assert (request.requested_address, request.server_id) == (netaddr.IPAddress("10.0.1.100"),
                                                              netaddr.IPAddress("10.0.2.9"))


def test_the_bound_client_routes_through_the_router_it_was_given() -> None:
    net = Network.from_scenario("dhcp-relay")
    trace = net.ping("pc", "10.0.2.9")
    assert trace.delivered and trace.replies and trace.replies[0].delivered
    assert [hop.node for hop in trace.hops] == ["pc", "router", "dhcp-server"]


def test_with_the_broadcast_flag_the_relay_broadcasts_the_replies() -> None:
    net = Network.from_dict(scenario(pc={"dhcp_broadcast_flag": True}))
    lan = bootp_frames(net, "lan")
    assert [f.bootp.flags for f in lan] == [0x8000] * 4
    assert all(f.eth_dst == BROADCAST_MAC and str(f.ip.dst) == "255.255.255.255" for f in lan)
    assert net.host("pc").protocols["bootpc"].leases["eth0"].state == "bound"


def test_a_server_on_the_clients_own_segment_answers_without_a_relay() -> None:
    data = scenario()
    data["routers"][0].pop("dhcp_relay")
    data["hosts"][1]["interfaces"][0].update(segment="lan", addresses=["10.0.1.9/24"], gateway="10.0.1.1")
    net = Network.from_dict(data)
    lan = bootp_frames(net, "lan")
    assert [f.bootp.message_type.name for f in lan] == list(KINDS)
    assert all(int(f.bootp.giaddr) == 0 and f.bootp.hops == 0 for f in lan)
    assert str(net.host("pc").protocols["bootpc"].leases["eth0"].address) == "10.0.1.100/24"
    assert not bootp_frames(net, "core")


@pytest.mark.parametrize("hops, relayed", [(3, True), (4, True), (5, False)])
def test_the_relay_discards_a_request_whose_hops_is_past_its_limit(hops: int, relayed: bool) -> None:
    net = Network.from_scenario("dhcp-relay")
    net.run(1)
    before = len(bootp_frames(net, "core"))
    pc = net.host("pc")
    message = BootpMessage(BootpOp.BOOTREQUEST, 0x1234, pc.interfaces[0].mac, hops=hops,
                           giaddr=netaddr.IPAddress("10.9.9.1"),
                           option_list=((Option.MESSAGE_TYPE, DhcpMessageType.DISCOVER),))
    trace = PathTrace("pc")
    pc.send_on_link(pc.interfaces[0], 0xFFFFFFFF, UdpDatagram(68, 67, message), IPProtocol.UDP, ttl=64, trace=trace)
    net.run(1)
    core = bootp_frames(net, "core")[before:]
    relayed_requests = [f for f in core if f.bootp.op is BootpOp.BOOTREQUEST]
    if relayed:
        assert [(f.bootp.hops, str(f.bootp.giaddr)) for f in relayed_requests] == [(hops + 1, "10.9.9.1")]
    else:
        assert relayed_requests == []
        drops = [hop for hop in trace.hops if hop.drop_reason is DropReason.DISCARDED]
        assert drops and "hops 5" in drops[0].detail and "limit 4" in drops[0].detail


def test_two_servers_both_offer_the_client_takes_one_and_the_other_lets_its_offer_go() -> None:
    data = scenario(relay={"servers": ["10.0.2.9", "10.0.2.8"]})
    second = copy.deepcopy(data["hosts"][1])
    second["name"] = "dhcp-server-2"
    second["interfaces"][0].update(mac="00-DD-02-00-00-08", addresses=["10.0.2.8/24"])
    second["dhcp_server"]["pools"][0]["range"] = ["10.0.1.200", "10.0.1.210"]
    data["hosts"].append(second)
    net = Network.from_dict(data)
    core = bootp_frames(net, "core")
    offers = [f for f in core if f.bootp.message_type is DhcpMessageType.OFFER]
    assert sorted(str(f.ip.src) for f in offers) == ["10.0.2.8", "10.0.2.9"]
    lease = net.host("pc").protocols["bootpc"].leases["eth0"]
    first = offers[0]
    assert lease.state == "bound" and lease.server == first.bootp.server_id and lease.address.ip == first.bootp.yiaddr
    other = "dhcp-server-2" if str(first.ip.src) == "10.0.2.9" else "dhcp-server"
    assert net.host(other).protocols["bootps"].server.offers == {}
    acks = [f for f in core if f.bootp.message_type is DhcpMessageType.ACK]
    assert [str(f.ip.src) for f in acks] == [str(first.ip.src)]


def test_a_relay_with_no_route_to_its_server_gives_a_trace_that_says_where_the_discover_died() -> None:
    net = Network.from_dict(scenario(relay={"servers": ["192.168.77.9"]}))
    lease = net.host("pc").protocols["bootpc"].leases["eth0"]
    assert lease.state == "selecting" and lease.address is None
    died = lease.exchanges[0].died
    assert died is not None and died.node == "router" and died.drop_reason is DropReason.NO_ROUTE
    assert "It died at router" in lease.exchanges[0].explain()
    net.run(60)
    assert len(lease.exchanges) >= 4  # the client keeps trying (RFC 2131 §4.1 retransmissions)


def test_the_sequence_diagram_shows_both_segments_the_four_messages_giaddr_and_hops() -> None:
    net = Network.from_scenario("dhcp-relay")
    dot = dhcp_sequence_dot(net)
    for segment in ("lan", "core"):
        for kind in KINDS:
            assert f"{segment}: {kind}" in dot
    assert "giaddr 0.0.0.0, hops 0" in dot and "giaddr 10.0.1.1, hops 1" in dot
    assert len(dhcp_sequence_text(net).splitlines()) == 9


# Bad input --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("where, value, words", [
    ("dhcp_server", {"pools": []}, "non-empty list of pools"),
    ("dhcp_server", {"pools": [{"network": "10.0.1.0", "range": ["10.0.1.100", "10.0.1.199"]}]}, "'10.0.1.0'"),
    ("dhcp_server", {"pools": [{"network": "10.0.1.0/24", "range": ["10.0.1.199", "10.0.1.100"]}]}, "backwards"),
    ("dhcp_server", {"pools": [{"network": "10.0.1.0/24", "range": ["10.0.1.1", "10.0.2.5"]}]}, "10.0.2.5"),
    ("dhcp_server", {"pools": [{"network": "10.0.1.0/24", "range": ["10.0.1.5", "10.0.1.9"], "router": "10.9.0.1"}]},
     "'10.9.0.1'"),
    ("dhcp_server", {"pools": [{"network": "10.0.1.0/24", "range": ["10.0.1.5", "10.0.1.9"], "lease": -5}]}, "-5"),
    ("dhcp_server", {"pools": [{"network": "10.0.1.0/24", "range": ["10.0.1.5", "10.0.1.9"], "size": 3}]}, "'size'"),
    ("dhcp_relay", {"servers": []}, "non-empty list of servers"),
    ("dhcp_relay", {"servers": ["10.0.2.300"]}, "'10.0.2.300'"),
    ("dhcp_relay", {"servers": ["10.0.2.9"], "max_hops": 17}, "17"),
    ("dhcp_relay", ["10.0.2.9"], "['10.0.2.9']"),
])
def test_bad_dhcp_keys_are_refused_naming_the_value_with_an_example(where: str, value: Any, words: str) -> None:
    data = scenario()
    owner = data["routers"][0] if where == "dhcp_relay" else data["hosts"][1]
    owner[where] = value
    with pytest.raises(ScenarioError) as error:
        Network.from_dict(data)
    message = str(error.value)
    assert where in message and words in message and "e.g." in message


def test_nt35_has_no_relay_agent_and_says_where_that_comes_from() -> None:
    with pytest.raises(ScenarioError, match=r"nt35 personality, which has no BOOTP relay agent.*seed text"):
        Network.from_dict(scenario(), personality="nt35")


def test_an_interface_with_dhcp_and_an_address_is_refused() -> None:
    nic = {"name": "eth0", "segment": "lan", "dhcp": True, "addresses": ["10.0.1.5/24"]}
    data = scenario(pc={"interfaces": [nic]})
    with pytest.raises(WorkbookError, match="dhcp: true and configured addresses"):
        Network.from_dict(data)


def test_a_saved_network_keeps_dhcp_configuration_not_the_lease() -> None:
    net = Network.from_scenario("dhcp-relay")
    saved = net.to_dict()
    pc = next(h for h in saved["hosts"] if h["name"] == "pc")
    assert pc["interfaces"][0]["addresses"] == [] and pc["interfaces"][0]["dhcp"] is True
    assert "gateway" not in pc["interfaces"][0]
    again = Network.from_dict(saved)
    assert str(again.host("pc").protocols["bootpc"].leases["eth0"].address) == "10.0.1.100/24"


# Relays in a row (a relay whose "server" is the next relay), drawn at random ------------------------------
def relay_chain(length: int, max_hops: int, broadcast: bool) -> dict[str, Any]:
    """Client LAN 10.0.0.0/24, relays R1..Rn on 10.0.i.0/24 links, the server on the last link."""
    segments = [{"name": f"s{i}"} for i in range(length + 1)]
    routers = []
    for i in range(1, length + 1):
        upstream = f"10.0.{length}.9" if i == length else f"10.0.{i}.2"  # the server, or the next relay
        routes = [] if i == 1 else [{"destination": "10.0.0.0/24", "gateway": f"10.0.{i - 1}.1"}]
        routers.append({"name": f"r{i}", "personality": "linux", "routes": routes,
                        "interfaces": [{"name": "down", "segment": f"s{i - 1}",
                                        "addresses": [f"10.0.{i - 1}.{1 if i == 1 else 2}/24"]},
                                       {"name": "up", "segment": f"s{i}", "addresses": [f"10.0.{i}.1/24"]}],
                        "dhcp_relay": {"servers": [upstream], "max_hops": max_hops}})
    hosts = [{"name": "pc", "dhcp_broadcast_flag": broadcast,
              "interfaces": [{"name": "eth0", "segment": "s0", "dhcp": True}]},
             {"name": "server", "interfaces": [{"name": "eth0", "segment": f"s{length}",
                                                "addresses": [f"10.0.{length}.9/24"],
                                                "gateway": f"10.0.{length}.1"}],
              "dhcp_server": {"pools": [{"network": "10.0.0.0/24", "range": ["10.0.0.50", "10.0.0.60"],
                                         "router": "10.0.0.1"}]}}]
    return {"personality": "linux", "segments": segments, "hosts": hosts, "routers": routers}


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(0, 5), st.booleans())
def test_a_row_of_relays_counts_hops_keeps_the_first_giaddr_and_stops_past_the_limit(
        length: int, max_hops: int, broadcast: bool) -> None:
    net = Network.from_dict(relay_chain(length, max_hops, broadcast))
    lease = net.host("pc").protocols["bootpc"].leases["eth0"]
    reaches = length - 1 <= max_hops  # relay i receives the request with hops i - 1
    at_server = [f for f in bootp_frames(net, f"s{length}") if f.bootp.op is BootpOp.BOOTREQUEST]
    if not reaches:
        assert lease.state == "selecting" and at_server == []
        died = lease.exchanges[0].died
        assert died is not None and died.node == f"r{max_hops + 2}" and died.drop_reason is DropReason.DISCARDED
        return
    assert lease.state == "bound" and str(lease.address) == "10.0.0.50/24"
    assert {(f.bootp.hops, str(f.bootp.giaddr)) for f in at_server} == {(length, "10.0.0.1")}
    # The server answers the first relay (giaddr) directly; only r1 delivers on the client's LAN.
    replies_on_lan = [f for f in bootp_frames(net, "s0") if f.bootp.op is BootpOp.BOOTREPLY]
    assert {f.sender for f in replies_on_lan} == {"r1"}
    assert all((f.eth_dst == BROADCAST_MAC) is broadcast for f in replies_on_lan)
