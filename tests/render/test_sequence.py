"""Sequence diagrams: one arrow per frame, rows in time order, readable words on each arrow."""

from __future__ import annotations

import itertools

from tests.render.conftest import dot_plain, svg_text
from workbook.render import sequence_dot, sequence_svg
from workbook.render.labels import frame_title, mac_line


def _row_heights(source: str) -> list[float]:
    rows = {fields[1]: float(fields[3]) for fields in dot_plain(source) if fields[0] == "node"
            and fields[1].startswith("t")}
    return [rows[f"t{row}"] for row in range(len(rows))]


def test_arp_exchange_in_time_order(seed_lan):
    trace = seed_lan.ping("nt-host", "172.16.112.122")
    frames = trace.frames
    source = sequence_dot(frames)
    titles = [frame_title(frame) for frame in frames]
    assert titles[0] == "ARP who-has 172.16.112.122 tell 172.16.112.123"
    assert titles[1].startswith("ARP 172.16.112.122 is-at")
    positions = [source.index(title) for title in titles]
    assert positions == sorted(positions)
    heights = _row_heights(source)
    assert len(heights) == len(frames) + 1
    assert all(upper > lower for upper, lower in itertools.pairwise(heights)), heights
    svg = svg_text(sequence_svg(frames))
    for frame in frames:
        assert mac_line(frame) in svg


def test_frames_given_out_of_order_are_drawn_in_time_order(seed_lan):
    frames = seed_lan.send("nt-host", "172.17.1.1").frames
    assert sequence_dot(list(reversed(frames))) == sequence_dot(frames)


def test_broadcast_goes_to_the_segment_and_unicast_to_its_owner(seed_lan):
    frames = seed_lan.send("nt-host", "172.17.1.1").frames
    source = sequence_dot(frames, seed_lan)
    assert "everyone on lan (broadcast)" in source
    assert "everyone on far (broadcast)" in source
    assert "far-host" in source and "router" in source


def test_igmp_report(seed_lan):
    start = len(seed_lan.frames)
    seed_lan.host("far-host").join("239.1.2.3")
    seed_lan.run(1)
    frames = seed_lan.frames[start:]
    source = sequence_dot(frames, seed_lan)
    version = seed_lan.host("far-host").igmp_version
    assert f"IGMPv{version} report 239.1.2.3 TTL 1" in source
    assert "everyone on far (multicast)" in source
    dot_plain(source)


def test_many_frames_stay_in_order():
    from workbook.sim import Network

    net = Network.from_scenario("dad_lan")
    frames = net.frames
    heights = _row_heights(sequence_dot(frames, net))
    assert all(upper > lower for upper, lower in itertools.pairwise(heights))


def _conflict_frames():
    """Chapter 4's conflict: the newcomer's gratuitous ARP, the defender's reply to it across the broadcast lifeline."""
    from workbook.sim import Network

    net = Network.from_scenario("dad_lan")
    net.send("bystander", "172.16.48.123")
    start = len(net.frames)
    net.host("newcomer").start()
    net.run(5)
    return net, net.frames[start:]


def test_an_arrow_across_another_lifeline_is_straight():
    net, frames = _conflict_frames()
    source = sequence_dot(frames, net)
    rows = {fields[1]: float(fields[3]) for fields in dot_plain(source) if fields[0] == "node"}
    crossing = 0
    for fields in dot_plain(source):
        if fields[0] != "edge" or not fields[1].startswith("p") or fields[1].split("r")[1] != fields[2].split("r")[1]:
            continue  # lifelines run down; arrows join two points of one row
        points = int(fields[3])
        heights = [float(y) for y in fields[5:5 + 2 * points:2]]
        row_height = rows[fields[1]]
        assert all(abs(y - row_height) < 0.1 for y in heights), (fields[1], fields[2], heights, row_height)
        crossing += 1
    # The defender's unicast reply to the newcomer passes the broadcast lifeline: two pieces, one arrowhead.
    assert crossing > len(frames)
    reply = next(f for f in frames if f.arp is not None and f.arp.opcode == 2)
    assert source.count(frame_title(reply)) == 1


def test_times_read_in_seconds_and_microseconds():
    net, frames = _conflict_frames()
    text = svg_text(sequence_svg(frames, net))
    assert "2.5 s + 30 µs" in text and "2.500030" not in text  # NT's start-up window ends at 2.5 s (KB Q199773)
