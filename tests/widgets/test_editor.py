"""RouteTableEditor: edits go through the engine; refusals keep the table and the typed text."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbook import Host, Route, RouteTable
from workbook.widgets import PAGE_SIZE, RouteTableEditor

from .conftest import widget_count


def add(editor: RouteTableEditor, destination: str, netmask: str, gateway: str = "", metric: str = "1") -> None:
    fields = editor.new_fields
    fields["destination"].value, fields["netmask"].value = destination, netmask
    fields["gateway"].value, fields["metric"].value = gateway, metric
    editor.add_button.click()


def visible_rows(editor: RouteTableEditor) -> list:
    return [row for row in editor.rows if row.route is not None]


def test_add_a_route_with_a_prefix_length(seed_host: Host) -> None:
    editor = RouteTableEditor(seed_host)
    seen = []
    editor.on_change(seen.append)
    add(editor, "10.0.0.0", "8", "172.16.112.9", "2")
    assert editor.new_error.value == ""
    route = seed_host.table.lookup("10.1.1.1").route
    assert (str(route.network), str(route.gateway), route.metric) == ("10.0.0.0/8", "172.16.112.9", 2)
    assert seen == [editor]
    assert any(row.route == route for row in visible_rows(editor))  # the page shows the new route


def test_bad_netmask_keeps_table_and_text_and_shows_message_beside_field(seed_host: Host) -> None:
    editor = RouteTableEditor(seed_host)
    before = list(seed_host.table)
    add(editor, "10.0.0.0", "255.0.255.0", "172.16.112.9")
    assert list(seed_host.table) == before
    assert "not contiguous" in editor.new_error.value
    assert editor.new_fields["netmask"].value == "255.0.255.0"
    assert editor.new_fields["netmask"].layout.border  # the field is outlined
    assert not editor.new_fields["destination"].layout.border


def test_editing_a_row_in_place_and_a_refused_edit(seed_host: Host) -> None:
    editor = RouteTableEditor(seed_host)
    editor.run_command("add 10.0.0.0 MASK 255.0.0.0 172.16.112.9 METRIC 2")
    row = next(r for r in visible_rows(editor) if str(r.route.network) == "10.0.0.0/8")
    position = list(seed_host.table).index(row.route)
    row.fields["metric"].value = "5"
    changed = seed_host.table[position]
    assert (str(changed.network), changed.metric) == ("10.0.0.0/8", 5)  # same place in the table
    good = list(seed_host.table)
    row.fields["netmask"].value = "255.0.255.0"
    assert list(seed_host.table) == good
    assert "not contiguous" in row.error.value and row.fields["netmask"].value == "255.0.255.0"
    row.fields["gateway"].value = "192.168.1.1"  # still refused: the mask is still bad
    assert list(seed_host.table) == good
    row.fields["netmask"].value = "16"  # the mask is fine now, but the gateway is not on any interface
    assert list(seed_host.table) == good and "192.168.1.1" in row.error.value
    assert row.fields["gateway"].layout.border and not row.fields["netmask"].layout.border
    row.fields["gateway"].value = "172.16.112.1"
    assert row.error.value == ""
    assert str(seed_host.table[position].network) == "10.0.0.0/16"


def test_typed_text_survives_paging(seed_host: Host) -> None:
    table = RouteTable.from_prefixes([f"10.{i // 256}.{i % 256}.0/24" for i in range(60)], interface="eth0")
    editor = RouteTableEditor(table)
    row = editor.rows[0]
    route = row.route
    row.fields["metric"].value = "many"
    editor.next_button.click()
    assert row.route != route and row.error.value == ""
    editor.previous_button.click()
    assert row.route == route and row.fields["metric"].value == "many" and "metric" in row.error.value


def test_delete_a_row(seed_host: Host) -> None:
    editor = RouteTableEditor(seed_host)
    row = visible_rows(editor)[0]
    doomed = row.route
    row.delete.click()
    assert doomed not in seed_host.table


def test_bad_route_command_shows_message_and_keeps_table(seed_host: Host) -> None:
    editor = RouteTableEditor(seed_host)
    before = list(seed_host.table)
    editor.command.value = "add 10.0.0.0 MASK 255.0.0.0 172.16.112.9 METRC 2"
    editor.run_button.click()
    assert "METRC" in editor.command_output.value
    assert list(seed_host.table) == before
    editor.run_command("-f add 10.0.0.0 MASK 255.0.0.0 10.9.9.9")  # flushes, then fails: undone
    assert list(seed_host.table) == before
    editor.run_command("print")
    assert "Active Routes" in editor.command_output.value


def test_persistent_marker_survives_restart(seed_host: Host) -> None:
    editor = RouteTableEditor(seed_host)
    editor.new_persistent.value = True
    add(editor, "10.0.0.0", "255.0.0.0", "172.16.112.9")
    seed_host.restart()
    assert seed_host.table.lookup("10.1.1.1").route.persistent


def test_import_export_round_trip(seed_host: Host) -> None:
    editor = RouteTableEditor(seed_host)
    editor.run_command("add 10.0.0.0 MASK 255.0.0.0 172.16.112.9 METRIC 2")
    text = editor.export_route_print()
    assert "10.0.0.0" in text
    other = RouteTableEditor(RouteTable())
    other.print_text.value = text
    other.import_button.click()
    assert other.print_error.value == ""
    assert {(r.network, r.gateway, r.metric) for r in other.table} == {
        (r.network, r.gateway, r.metric) for r in seed_host.table}
    before = list(other.table)
    other.import_route_print("Active Routes:\nnonsense here")
    assert other.print_error.value and list(other.table) == before


def test_sort_and_search(seed_host: Host) -> None:
    editor = RouteTableEditor(seed_host)
    editor.sort_by("metric", descending=True)
    metrics = [row.route.metric for row in visible_rows(editor)]
    assert metrics == sorted(metrics, reverse=True)
    editor.header.children[0].click()  # destination ascending
    destinations = [int(row.route.destination) for row in visible_rows(editor)]
    assert destinations == sorted(destinations)
    editor.search.value = "224.0.0.0"
    assert [str(row.route.destination) for row in visible_rows(editor)] == ["224.0.0.0"]


def test_ten_thousand_routes_cost_one_page_of_widgets() -> None:
    prefixes = [f"10.{i // 256}.{i % 256}.0/24" for i in range(10_000)]
    table = RouteTable.from_prefixes(prefixes, interface="eth0")
    small = widget_count()
    RouteTableEditor(RouteTable([Route("10.0.0.0/24", interface="eth0")]))
    per_editor = widget_count() - small
    start = widget_count()
    editor = RouteTableEditor(table)
    assert widget_count() - start == per_editor  # the same as for a one-route table
    assert per_editor < 40 * PAGE_SIZE  # each Text or Button also has its Layout and Style widgets
    assert editor.page_count == 10_000 // PAGE_SIZE
    before = widget_count()
    editor.next_button.click()
    editor.sort_by("destination", descending=True)
    editor.show_page(editor.page_count - 1)
    editor.search.value = "10.3."
    assert widget_count() == before  # paging, sorting, searching: no new widget
    assert all("10.3." in str(row.route.destination) for row in visible_rows(editor))


@pytest.mark.parametrize("use_host", [True, False])
def test_save_and_load(tmp_path: Path, seed_host: Host, use_host: bool) -> None:
    editor = RouteTableEditor(seed_host if use_host else seed_host.table.copy())
    editor.run_command("-p add 10.0.0.0 MASK 255.0.0.0 172.16.112.9 METRIC 2")
    path = editor.save(tmp_path / "mine.yaml")
    loaded = RouteTableEditor(RouteTable())
    loaded.load(path)
    route = loaded.table.lookup("10.1.1.1").route
    assert (str(route.gateway), route.metric, route.persistent) == ("172.16.112.9", 2, True)
    assert (loaded.host is not None) == use_host
    assert set(loaded.table) == set(editor.table)


def test_a_deleted_automatic_route_stays_deleted_after_save_and_load(tmp_path: Path, seed_host: Host) -> None:
    editor = RouteTableEditor(seed_host)
    editor.run_command("delete 224.0.0.0")
    before = list(editor.table)
    path = editor.save(tmp_path / "mine.yaml")
    loaded = RouteTableEditor(RouteTable())
    loaded.load(path)
    assert list(loaded.table) == before and "224.0.0.0/3" not in [str(r.network) for r in loaded.table]


def test_deleting_the_default_route_never_switches_the_add_rows_interface(seed_host: Host) -> None:
    """Issue 16, item 1: chapter 1's suggestion after deleting the default route works as typed."""
    editor = RouteTableEditor(seed_host)
    menu = editor.new_fields["interface"]
    assert menu.value == "" and menu.label == "from the gateway"  # as `route add` without IF
    options = menu.options
    default = next(row for row in visible_rows(editor) if str(row.route.network) == "0.0.0.0/0")
    default.delete.click()
    assert menu.options == options and menu.value == ""  # no silent switch to 127.0.0.1
    add(editor, "172.16.0.0", "255.240.0.0", "172.16.112.5")
    assert editor.new_error.value == ""
    (route,) = [route for route in seed_host.table if str(route.network) == "172.16.0.0/12"]
    assert (str(route.gateway), route.interface) == ("172.16.112.5", "172.16.112.123")


def test_a_chosen_interface_survives_a_change_of_the_table(seed_host: Host) -> None:
    editor = RouteTableEditor(seed_host)
    menu = editor.new_fields["interface"]
    menu.value = "172.16.112.123"
    editor.run_command("delete 0.0.0.0")
    editor.run_command("add 10.0.0.0 MASK 255.0.0.0 172.16.112.9")
    assert menu.value == "172.16.112.123"


def test_an_on_link_route_needs_an_interface(seed_host: Host) -> None:
    editor = RouteTableEditor(seed_host)
    before = list(seed_host.table)
    add(editor, "10.9.0.0", "16")  # no gateway, interface "from the gateway"
    assert list(seed_host.table) == before
    assert "needs an interface" in editor.new_error.value and editor.new_fields["interface"].layout.border
    editor.new_fields["interface"].value = "172.16.112.123"
    editor.add_button.click()
    assert editor.table.lookup("10.9.1.1").route.on_link


def test_a_successful_add_empties_the_add_row_so_a_second_click_adds_nothing(seed_host: Host) -> None:
    editor = RouteTableEditor(seed_host)
    add(editor, "10.0.0.0", "8", "172.16.112.9", "3")
    after = list(seed_host.table)
    assert [field.value for field in editor.new_fields.values()] == ["", "", "", "", "1"]
    editor.add_button.click()
    assert list(seed_host.table) == after and "destination" in editor.new_error.value


def test_a_refused_row_shows_its_message_on_a_line_of_its_own(seed_host: Host) -> None:
    editor = RouteTableEditor(seed_host)
    row = visible_rows(editor)[0]
    assert row.error.layout.display == "none"
    row.fields["metric"].value = "many"
    assert row.error.layout.display == "" and "metric" in row.error.value
    assert row.box.children[-1] is row.error  # under the row's fields, not in a narrow column beside them
    assert row.error not in row.box.children[0].children
    row.fields["metric"].value = "1"
    assert row.error.layout.display == "none" and row.error.value == ""


def test_enter_in_the_route_box_runs_the_command_once(seed_host: Host) -> None:
    editor = RouteTableEditor(seed_host)
    editor.command.value = "add 10.0.0.0 MASK 255.0.0.0 172.16.112.9"  # what Enter (or leaving the box) sends
    assert str(editor.table.lookup("10.1.1.1").next_hop) == "172.16.112.9"
    assert editor.command.value == "" and "route add 10.0.0.0" in editor.command_output.value
    count = len(editor.table)
    editor.run_button.click()  # the click that follows leaving the box finds nothing left to run
    assert len(editor.table) == count and "already" not in editor.command_output.value
    editor.command.value = "add 10.0.0.0 MASK 255.0.255.0 172.16.112.9"
    assert "not contiguous" in editor.command_output.value
    assert editor.command.value == "add 10.0.0.0 MASK 255.0.255.0 172.16.112.9"  # kept, to be corrected


def test_the_persistent_column_is_headed_like_route_p(seed_host: Host) -> None:
    editor = RouteTableEditor(seed_host)
    headings = [button.description for button in editor.header.children]
    assert headings == ["destination", "netmask", "gateway", "interface", "metric", "origin", "-p"]
    assert "persistent" in editor.header.children[-1].tooltip
    editor.sort_by("persistent")
    assert editor.header.children[-1].description == "-p ▲"
