"""LookupExplorer: the decision, its explanation and diagram, live after every edit."""

from __future__ import annotations

import html

import pytest

from workbook import Host, Network, RouteTable
from workbook.widgets import LookupExplorer, RouteTableEditor


def test_adding_a_route_in_the_editor_redraws_the_explorer(seed_host: Host) -> None:
    editor = RouteTableEditor(seed_host)
    explorer = LookupExplorer(editor, destination="10.1.2.3")
    assert "172.16.112.1" in explorer.summary.value  # the default gateway, before
    editor.new_fields["destination"].value = "10.0.0.0"
    editor.new_fields["netmask"].value = "8"
    editor.new_fields["gateway"].value = "172.16.112.9"
    editor.add_button.click()
    assert str(explorer.decision.next_hop) == "172.16.112.9"
    assert "172.16.112.9" in explorer.summary.value
    assert "172.16.112.9" in explorer.diagram.value and "<svg" in explorer.diagram.value
    assert "background" in explorer.candidates.value  # the winning row is highlighted


def test_explanation_shows_every_candidate_and_the_bits(seed_host: Host) -> None:
    explorer = LookupExplorer(seed_host, destination="172.16.112.122")
    assert explorer.candidates.value.count("<tr") == len(seed_host.table) + 1
    assert "no match" in explorer.candidates.value
    assert "<u>10101100.00010000.01110000</u>.01111010" in explorer.bits.value  # 172.16.112.122 under /24


def test_strategy_and_personality(seed_host: Host) -> None:
    seed_host.route("add 172.16.0.0 MASK 255.255.0.0 172.16.112.9")  # a supernet-free /16: a network route
    explorer = LookupExplorer(seed_host, destination="172.16.5.5")
    explorer.strategy.value = "classic"
    assert explorer.decision.strategy.value == "classic"
    explorer.personality.value = "linux"
    assert explorer.host.personality.name == "linux"
    assert explorer.strategy.value == "longest-prefix"
    assert str(explorer.decision.next_hop) == "172.16.112.9"  # the hand-made route survived the rebuild
    assert "linux" in explorer.summary.value


def test_bad_destination_shows_the_engine_message(seed_host: Host) -> None:
    explorer = LookupExplorer(seed_host)
    explorer.destination.value = "10.1.2"
    assert "expected 4 octets" in explorer.error.value


def test_network_host_draws_the_real_path() -> None:
    net = Network.from_scenario("seed-lan")
    explorer = LookupExplorer(net, host="nt-host", destination="172.17.1.1")
    assert explorer.trace.delivered
    assert "00-DD-02-00-00-09" in html.unescape(explorer.diagram.value)  # the far host's MAC, last hop


def test_large_table_explains_matches_and_a_few_others() -> None:
    table = RouteTable.from_prefixes([f"10.{i // 256}.{i % 256}.0/24" for i in range(10_000)] + ["10.0.0.0/8"])
    explorer = LookupExplorer(table, destination="10.3.4.5")
    assert "10.3.4.0/24" in explorer.candidates.value and "10.0.0.0/8" in explorer.candidates.value
    assert "more routes that do not match" in explorer.candidates.value
    assert explorer.candidates.value.count("<tr") < 20


def test_text_fallback_without_dot(seed_host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    explorer = LookupExplorer(seed_host, destination="172.17.1.1")
    assert "dot" in explorer.diagram.value and "<svg" not in explorer.diagram.value
    assert "Decision:" in explorer.diagram.value  # decision.explain() as text


def test_large_table_fallback_text_lists_only_the_shown_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    table = RouteTable.from_prefixes([f"10.{i // 256}.{i % 256}.0/24" for i in range(1_000)])
    explorer = LookupExplorer(table, destination="10.3.4.5")
    assert "Decision: 10.3.4.0/24" in explorer.diagram.value and explorer.diagram.value.count("✗") <= 8


@pytest.mark.parametrize("personality", ["nt4", "windows", "linux"])
@pytest.mark.parametrize("strategy", ["classic", "longest-prefix"])
def test_the_summary_labels_a_lens_that_is_not_the_hosts_own_rule(personality: str, strategy: str) -> None:
    """Issue 16, item 5: the summary and the whole-host line never seem to contradict each other."""
    host = Host.from_scenario("seed-host", personality=personality)
    host.route("add 172.16.0.0 MASK 255.240.0.0 172.16.112.5")  # the supernet: the two orders part ways
    explorer = LookupExplorer(host, destination="172.20.1.1")
    explorer.strategy.value = strategy
    summary = html.unescape(explorer.summary.value)
    whole = host.route_get("172.20.1.1")
    own = whole.lookup.strategy.value
    lens = explorer.decision
    assert f"via gateway {lens.next_hop}" in summary and f"via gateway {whole.next_hop}" in summary
    if strategy == own:
        assert "would pick" not in summary and f"The {personality} host itself looks up the same way" in summary
    else:
        first = summary.split("<br>")[0]
        assert "would pick" in first and ("classic order" if strategy == "classic" else "Longest-prefix") in first
        assert f"the {personality} host itself uses" in summary and "a different next hop" in summary


def test_a_bare_tables_own_order_and_a_lens_on_it(seed_host: Host) -> None:
    table = seed_host.table.copy()
    table.route("add 172.16.0.0 MASK 255.240.0.0 172.16.112.5")
    explorer = LookupExplorer(table, destination="172.20.1.1")
    assert "would pick" not in explorer.summary.value
    explorer.strategy.value = "longest-prefix" if table.strategy.value == "classic" else "classic"
    summary = html.unescape(explorer.summary.value)
    assert "would pick" in summary and "the table's own order is" in summary
    assert "172.16.112.5" in summary and "172.16.112.1" in summary  # the lens's pick, and the table's own
