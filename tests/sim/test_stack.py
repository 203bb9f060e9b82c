"""The protocol seam: every registered protocol round-trips through save/load and settles; the guards hold."""

from __future__ import annotations

import ast
import copy
from pathlib import Path
from typing import Any

import pytest

from workbook.errors import ScenarioError
from workbook.net.personalities import PERSONALITIES
from workbook.sim import Network
from workbook.sim.node import NODE_KEYS
from workbook.sim.protocols import PROTOCOLS
from workbook.sim.stack import Protocol, ProtocolTable, ScenarioKey

ROOT = Path(__file__).resolve().parents[2]
WORKBOOK = ROOT / "workbook"


def two_hosts(**extra: Any) -> dict[str, Any]:
    """A LAN with hosts a and b (b carries ``extra``) behind a router r."""
    def nic(name: str, address: str) -> dict[str, Any]:
        return {"name": name, "segment": "lan", "addresses": [address]}

    return {"segments": [{"name": "lan"}],
            "hosts": [{"name": "a", "interfaces": [nic("eth0", "10.0.0.2/24")]},
                      {"name": "b", "interfaces": [nic("eth0", "10.0.0.3/24")], **extra}],
            "routers": [{"name": "r", "interfaces": [nic("lan0", "10.0.0.1/24")]}]}


def frames(net: Network) -> list[str]:
    return [f"{f.time:.6f} {f.summary()}" for f in net.frames]


def valid_examples(protocol: type[Protocol], personality: str) -> dict[str, Any]:
    """The examples of ``protocol``'s keys a host of ``personality`` accepts (the others are refused, saying why)."""
    probe = Network.from_dict(two_hosts(), personality=personality).host("b")
    examples = {}
    for key in protocol.keys:
        try:
            key.check(key.example, probe)
        except ScenarioError as error:
            assert key.name in str(error) and repr(key.example) in str(error), error
            continue
        examples[key.name] = copy.deepcopy(key.example)
    return examples


def check_round_trip_and_settle(protocol: type[Protocol], personality: str) -> None:
    """Every key of ``protocol`` set to its example survives to_dict/from_dict; every node's protocols settle.

    Keys that exclude each other on one host (a DHCP server and a relay agent both need port 67) are
    tried one at a time.
    """
    examples = valid_examples(protocol, personality)
    try:
        Network.from_dict(two_hosts(**examples), personality=personality, seed=3)
    except ScenarioError:
        for name, example in examples.items():
            check_examples(protocol, personality, {name: example})
        return
    check_examples(protocol, personality, examples)


def check_examples(protocol: type[Protocol], personality: str, examples: dict[str, Any]) -> None:
    net = Network.from_dict(two_hosts(**examples), personality=personality, seed=3)
    node = net.host("b")
    assert all(p.settled() for n in net.nodes.values() for p in n.protocols.values()), (
        f"{protocol.name}: not settled after Network.settle()")
    saved = net.to_dict()
    entry = next(h for h in saved["hosts"] if h["name"] == "b")
    defaults = {key.name: key.default_for(node) for key in protocol.keys if key.omit_when_default}
    for name, example in examples.items():
        saved_value = entry.get(name, defaults.get(name))  # a key left out while it holds its default
        assert saved_value == example, f"{name}: saved {saved_value!r}, set {example!r}"
    again = Network.from_dict(saved, seed=3)
    assert again.to_dict() == saved
    assert again.host("b").protocols[protocol.name].saved() == node.protocols[protocol.name].saved()
    assert all(p.settled() for n in again.nodes.values() for p in n.protocols.values())
    assert frames(again) == frames(Network.from_dict(saved, seed=3))


@pytest.mark.parametrize("personality", sorted(PERSONALITIES))
@pytest.mark.parametrize("protocol", list(PROTOCOLS), ids=lambda p: p.name)
def test_every_registered_protocol_round_trips_through_save_and_load_and_settles(protocol, personality) -> None:
    check_round_trip_and_settle(protocol, personality)


@pytest.mark.parametrize("key", NODE_KEYS + tuple(PROTOCOLS.keys()), ids=lambda k: k.name)
def test_every_scenario_key_refuses_a_bad_value_naming_key_value_and_example(key: ScenarioKey) -> None:
    with pytest.raises(ScenarioError) as error:
        Network.from_dict(two_hosts(**{key.name: "bogus-value"}))
    message = str(error.value)
    assert key.name in message and "'bogus-value'" in message and "e.g." in message
    assert str(key.example).lower().replace("'", "") in message.lower().replace("'", "")
    key.check(key.example, Network.from_dict(two_hosts(), personality="linux").host("b"))  # the example is valid


def test_the_table_refuses_a_second_handler_for_a_number_a_port_or_a_key() -> None:
    table = ProtocolTable()
    for protocol in PROTOCOLS:
        table.register(protocol)

    class Rarp(Protocol):
        name = "rarp"
        ethertypes = (0x0806,)

    class Chatty(Protocol):
        name = "chatty"
        keys = (ScenarioKey("redirects", example=True),)

    intruders = ((Rarp, "ethertype 0x806"), (Chatty, "'redirects'"), (PROTOCOLS.for_ip_protocol(1), "Icmp does"))
    for intruder, words in intruders:
        with pytest.raises(ValueError, match=words):
            table.register(intruder)
    assert [p.name for p in table] == [p.name for p in PROTOCOLS]


def test_the_node_keeps_no_protocol_state() -> None:
    """Everything a protocol remembers lives on the protocol object: the node's own attributes are IP's."""
    node = Network.from_scenario("multicast-lan").host("querier")
    own = set(vars(node))
    protocol_state = {attribute for protocol in node.protocols.values() for attribute in vars(protocol)} - {"node"}
    assert not own & protocol_state, own & protocol_state
    assert {"_arp", "_icmp", "_igmp"} <= own  # references to the protocols the IP layer calls, not their state


# Guards ----------------------------------------------------------------------------------------------
_MUTATORS = {"append", "add", "pop", "clear", "update", "setdefault", "discard", "remove", "extend", "insert"}


def _where(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("_")


def _foreign_private(node: ast.AST) -> bool:
    """``x._name`` (or ``x._name[...]``) where x is not self or cls: another object's private attribute."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return (isinstance(node, ast.Attribute) and _private(node.attr)
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")))


def _own_private_attributes(tree: ast.AST) -> dict[ast.AST, set[str]]:
    """For each node inside a class: the private attributes that class gives ``self`` (its own, on any instance)."""
    owners: dict[ast.AST, set[str]] = {}
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        own = {t.attr for n in ast.walk(cls) if isinstance(n, ast.Assign | ast.AnnAssign | ast.AugAssign)
               for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
               if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"}
        for inner in ast.walk(cls):
            owners.setdefault(inner, set()).update(own)
    return owners


def private_writes(path: Path) -> list[str]:
    """Writes to another object's private attributes; a class may set its own on another of its instances (a copy)."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    owners = _own_private_attributes(tree)

    def foreign(target: ast.AST, where: ast.AST) -> bool:
        while isinstance(target, ast.Subscript):
            target = target.value
        return _foreign_private(target) and target.attr not in owners.get(where, set())

    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign | ast.Delete):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _MUTATORS and foreign(func.value, node):
                found.append(f"{_where(path)}:{node.lineno}: {ast.unparse(node)}")
            if (isinstance(func, ast.Name) and func.id in ("setattr", "getattr", "hasattr", "delattr")
                    and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                    and _private(str(node.args[1].value))
                    and not (isinstance(node.args[0], ast.Name) and node.args[0].id in ("self", "cls"))):
                found.append(f"{_where(path)}:{node.lineno}: {ast.unparse(node)}")
        found += [f"{_where(path)}:{node.lineno}: {ast.unparse(t)}" for t in targets if foreign(t, node)]
    return found


def test_no_module_writes_another_objects_private_attributes() -> None:
    offences = [line for path in sorted(WORKBOOK.rglob("*.py")) for line in private_writes(path)]
    assert not offences, "writes to another object's private state:\n" + "\n".join(offences)


def test_the_guard_catches_what_it_should(tmp_path: Path) -> None:
    sample = tmp_path / "guard_sample.py"
    sample.write_text("host._state = 1\nhost._waits[k] = 2\nhost._waits.pop(k)\nsetattr(host, '_x', 1)\n"
                      "self._ok = 1\nNetwork._repr_mimebundle_ = f\nhasattr(host, '_v')\n"
                      "class Table:\n    def __init__(self):\n        self._rows = []\n"
                      "    def copy(self):\n        twin = Table.__new__(Table)\n"
                      "        twin._rows = list(self._rows)\n        twin._other = 1\n")
    assert len(private_writes(sample)) == 6  # a Table may set its own _rows on a copy, not an attribute it lacks


def personality_name_tests(path: Path) -> list[str]:
    """Comparisons of a personality's name with a literal, or ``.startswith`` on it."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        text = ast.unparse(node) if isinstance(node, ast.Compare | ast.Call) else ""
        if isinstance(node, ast.Compare) and "personality.name" in text and any(
                isinstance(side, ast.Constant | ast.Tuple | ast.List | ast.Set | ast.Dict)
                for side in (node.left, *node.comparators)):
            found.append(f"{_where(path)}:{node.lineno}: {text}")
        if isinstance(node, ast.Call) and ("personality.name.startswith" in text or (
                isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "setdefault", "pop")
                and any(ast.unparse(arg).endswith("personality.name") for arg in node.args))):
            found.append(f"{_where(path)}:{node.lineno}: {text}")
        if isinstance(node, ast.Subscript) and ast.unparse(node.slice).endswith("personality.name"):
            found.append(f"{_where(path)}:{node.lineno}: {ast.unparse(node)} (a table keyed by name)")
    return found


def test_the_name_guard_catches_what_it_should(tmp_path: Path) -> None:
    sample = tmp_path / "guard_sample.py"
    sample.write_text("a = host.personality.name != 'linux'\nb = host.personality.name.startswith('nt')\n"
                      "c = LIFE.get(self.personality.name, 120)\nd = TABLE[host.personality.name]\n"
                      "e = node.personality.name == saved_name\n")
    assert len(personality_name_tests(sample)) == 4


def test_the_simulator_never_tests_a_personalitys_name() -> None:
    offences = [line for path in sorted((WORKBOOK / "sim").rglob("*.py")) for line in personality_name_tests(path)]
    assert not offences, "personality behaviour belongs in a Trait on the personality:\n" + "\n".join(offences)
