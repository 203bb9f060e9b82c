"""docs/adding-a-protocol.md, run as written: one new module and one registration line make a working protocol."""

from __future__ import annotations

import contextlib
import io
import re
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sim.test_stack import check_round_trip_and_settle
from workbook.errors import ScenarioError
from workbook.sim import Network
from workbook.sim.dad import NT_ANSWER_WAIT, NT_GRATUITOUS_INTERVALS
from workbook.sim.protocols import PROTOCOLS

DOC = Path(__file__).resolve().parents[2] / "docs" / "adding-a-protocol.md"


def code_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


@pytest.fixture
def hello() -> Iterator[types.ModuleType]:
    """The page's module, registered with the page's one line; unregistered afterwards."""
    module_code, registration, _ = code_blocks()
    module = types.ModuleType("workbook.sim.hello")
    exec(compile(module_code, "workbook/sim/hello.py", "exec"), module.__dict__)
    exec(registration, {"PROTOCOLS": PROTOCOLS, "Hello": module.Hello})
    try:
        yield module
    finally:
        PROTOCOLS.unregister(module.Hello)


def lan(**extra: object) -> dict:
    def nic(address: str) -> dict:
        return {"name": "eth0", "segment": "lan", "addresses": [address]}

    return {"segments": [{"name": "lan"}], "hosts": [{"name": "a", "interfaces": [nic("10.0.0.2/24")], **extra},
                                                     {"name": "b", "interfaces": [nic("10.0.0.3/24")]},
                                                     {"name": "c", "interfaces": [nic("10.0.0.4/24")]}]}


def test_the_page_runs_as_written(hello: types.ModuleType) -> None:
    *_, usage = code_blocks()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(usage, {})
    lines = printed.getvalue().splitlines()
    assert lines[0] == "{'10.0.0.3': 'b'}" and "255.255.255.255" in lines[1] and lines[2] == "5"


def test_it_sends_and_receives_on_its_port(hello: types.ModuleType) -> None:
    net = Network.from_dict(lan(hello_interval=5), personality="linux")
    hellos = [f for f in net.frames if f.udp is not None and f.udp.dst_port == hello.HELLO_PORT]
    assert sorted(f.sender for f in hellos) == ["a", "b", "c"]
    assert all(str(f.ip.dst) == "255.255.255.255" for f in hellos)
    assert net.host("a").protocols["hello"].neighbours == {"10.0.0.3": "b", "10.0.0.4": "c"}
    net.run(12)  # a says hello every 5 s, the others every 30 s
    said = [f.time for f in net.frames if f.udp is not None and f.sender == "a"]
    assert said == pytest.approx([0.0, 5.0, 10.0])
    net.host("b").stop()
    net.run(60)
    assert not [f for f in net.frames if f.sender == "b" and f.time > 12]


def test_it_settles_and_round_trips_through_save_and_load(hello: types.ModuleType) -> None:
    net = Network.from_dict(lan(hello_interval=7))
    assert all(node.protocols["hello"].settled() for node in net.nodes.values())
    assert net.now == pytest.approx(sum(NT_GRATUITOUS_INTERVALS) + NT_ANSWER_WAIT)  # NT's gratuitous ARPs take longest
    again = Network.from_dict(net.to_dict())
    assert again.to_dict() == net.to_dict() and again.host("a").protocols["hello"].hello_interval == 7
    check_round_trip_and_settle(hello.Hello, "windows")


@pytest.mark.parametrize("value", [-1, 0, "often", True, None])
def test_a_bad_interval_is_refused_naming_key_value_and_example(hello: types.ModuleType, value: object) -> None:
    with pytest.raises(ScenarioError, match=rf"hello_interval {value!r} of 'a' .*e\.g\. hello_interval: 10"):
        Network.from_dict(lan(hello_interval=value))


def test_only_while_registered(hello: types.ModuleType) -> None:
    assert "hello" in Network.from_dict(lan()).host("a").protocols
    PROTOCOLS.unregister(hello.Hello)
    try:
        assert "hello" not in Network.from_dict(lan()).host("a").protocols
        with pytest.raises(ScenarioError, match="unknown key"):
            Network.from_dict(lan(hello_interval=5))
    finally:
        PROTOCOLS.register(hello.Hello)
    with pytest.raises(ValueError, match=r"already registered|UDP port"):
        PROTOCOLS.register(hello.Hello)
