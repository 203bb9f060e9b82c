"""A route table editor: edit, add and delete routes, import `route print`, run `route` commands (chapter 1).

>>> from workbook import Host
>>> editor = RouteTableEditor(Host.from_scenario("seed-host"))
>>> editor.new_fields["destination"].value = "10.0.0.0"
>>> editor.new_fields["netmask"].value = "8"            # a prefix length works as well as 255.0.0.0
>>> editor.new_fields["gateway"].value = "172.16.112.9"
>>> editor.add_button.click()
>>> editor.table.lookup("10.1.2.3").next_hop
IPAddress('172.16.112.9')
>>> editor.new_fields["destination"].value                # the add row is empty again: no duplicate by accident
''

The interface menu of the add row starts at "from the gateway", as `route add`
without ``IF`` does. A bad value leaves the table as it was, keeps the typed
text, and shows the engine's message beside the field:

>>> editor.new_fields["destination"].value = "10.0.0.0"
>>> editor.new_fields["netmask"].value = "255.0.255.0"
>>> editor.add_button.click()
>>> "not contiguous" in editor.new_error.value
True

Only one page of rows exists as widgets (``PAGE_SIZE``); paging refills them,
so a table of 10 000 routes costs no more widgets than one of 10.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from workbook.errors import InterfaceError, WorkbookError
from workbook.net.host import Host
from workbook.net.route_table import RouteTable
from workbook.net.routes import Route, RouteOrigin
from workbook.render import palette
from workbook.widgets.common import (
    UNSEEN_DESCRIPTION,
    Observable,
    disclosure,
    error_label,
    escape,
    hidden_label,
    load_scenario_file,
    mark_invalid,
    pre,
    save_scenario_file,
    show_error,
    text_block,
)
from workbook.widgets.scenario import table_from_scenario, table_scenario

__all__ = ["PAGE_SIZE", "RouteTableEditor", "field_of_error"]

#: Rows shown, and built as widgets, at once.
PAGE_SIZE = 25

EDITABLE = ("destination", "netmask", "gateway", "interface", "metric")
COLUMNS = (*EDITABLE, "origin", "persistent")
# Each field's hidden name (for screen readers) keeps 8 px of margin: the widths hold "255.255.255.255" whole.
_WIDTHS = {"destination": "136px", "netmask": "136px", "gateway": "136px", "interface": "160px", "metric": "60px",
           "origin": "76px", "persistent": "36px", "delete": "56px"}
#: What the column headers say (the persistent flag is `route -p`'s).
_HEADINGS = {"persistent": "-p"}
_HEADING_TIPS = {"persistent": "persistent (route -p): survives a restart"}
#: The add row's interface menu starts here: like `route add` without IF, the engine picks the gateway's interface.
FROM_GATEWAY = ("from the gateway", "")
_ON_LINK_WORDS = {"", "on-link", "onlink", "on link"}

_SORT_KEYS: dict[str, Callable[[Route], Any]] = {
    "destination": lambda r: (int(r.destination), r.prefixlen),
    "netmask": lambda r: (r.prefixlen, int(r.destination)),
    "gateway": lambda r: -1 if r.gateway is None else int(r.gateway),
    "interface": lambda r: r.interface,
    "metric": lambda r: r.metric,
    "origin": lambda r: r.origin.value,
    "persistent": lambda r: r.persistent,
}


_FIELD_OF_ERROR_CLASS = {"MaskError": "netmask", "MetricError": "metric", "GatewayError": "gateway",
                         "InterfaceError": "interface"}


def field_of_error(error: BaseException) -> str:
    """Which column an engine error is about, read from the start of its message ('destination' by default).

    >>> from workbook import Route
    >>> try:
    ...     Route("10.0.0.0", netmask="255.0.255.0")
    ... except ValueError as error:
    ...     field_of_error(error)
    'netmask'
    """
    text = str(error).lower()
    for word, field in (("gateway", "gateway"), ("metric", "metric"), ("netmask", "netmask"),
                        ("prefix length", "netmask"), ("mask", "netmask"), ("interface", "interface")):
        if text.startswith(word):
            return field
    return _FIELD_OF_ERROR_CLASS.get(type(error).__name__, "destination")


def _texts(route: Route) -> dict[str, str]:
    """A route as the texts its row shows."""
    return {
        "destination": str(route.destination),
        "netmask": str(route.netmask),
        "gateway": "" if route.gateway is None else str(route.gateway),
        "interface": route.interface,
        "metric": str(route.metric),
    }


class _Row:
    """The widgets of one visible row; reused for whatever route the current page puts there."""

    def __init__(self, editor: RouteTableEditor) -> None:
        self.route: Route | None = None
        self.fields: dict[str, widgets.Widget] = {}
        for name in EDITABLE:
            self.fields[name] = editor._make_field(name)
        self.origin = widgets.HTML(layout=widgets.Layout(width=_WIDTHS["origin"]))
        self.persistent = widgets.Checkbox(indent=False, layout=widgets.Layout(width=_WIDTHS["persistent"]),
                                           tooltip="persistent (route -p): survives a restart",
                                           description=hidden_label("persistent (route -p)"),
                                           description_allow_html=True)
        self.delete = widgets.Button(description="Delete", tooltip="delete this route",
                                     layout=widgets.Layout(width=_WIDTHS["delete"], padding="0 2px"))
        # The message goes on a line of its own under the row: the row's columns never move.
        self.error = error_label(display="none", margin="0 0 4px 0")
        self.box = widgets.VBox([widgets.HBox([*self.fields.values(), self.origin, self.persistent, self.delete]),
                                 self.error])
        for widget in (*self.fields.values(), self.persistent):
            widget.observe(lambda _change, row=self: editor._edit_row(row), names="value")
        self.delete.on_click(lambda _button, row=self: editor._delete_row(row))

    def texts(self) -> dict[str, str]:
        return {name: str(widget.value or "") for name, widget in self.fields.items()}


class RouteTableEditor(Observable):
    """Edit a :class:`RouteTable`, or the table of a :class:`Host`, one page of rows at a time.

    Every change goes through the engine; a refused value shows the engine's
    message beside its row and leaves the table in its last good state. Call
    :meth:`on_change` to redraw other widgets after each change, and
    :meth:`refresh` after changing the table from code.
    """

    def __init__(self, table_or_host: RouteTable | Host, page_size: int = PAGE_SIZE) -> None:
        super().__init__()
        self.host: Host | None = None
        self._table: RouteTable | None = None
        self._bind(table_or_host)
        self.page_size = page_size
        self.page = 0
        self.sort_column: str | None = None
        self.sort_descending = False
        self._view: list[Route] | None = None
        self._filling = False
        self._pending: dict[Route, tuple[dict[str, str], bool, WorkbookError]] = {}
        self._interface_options: tuple[str, ...] = self._interfaces()

        self.header = widgets.HBox([self._header_button(name) for name in COLUMNS])
        self.rows = [_Row(self) for _ in range(page_size)]
        self.search = widgets.Text(placeholder="search: 10.1, on-link, static…", description="Search",
                                   continuous_update=False)
        self.search.observe(lambda _change: self._reset_view(page=0), names="value")
        self.previous_button = widgets.Button(description="Previous", tooltip="the previous page of routes",
                                              layout=widgets.Layout(width="80px"))
        self.next_button = widgets.Button(description="Next", tooltip="the next page of routes",
                                          layout=widgets.Layout(width="80px"))
        self.previous_button.on_click(lambda _b: self.show_page(self.page - 1))
        self.next_button.on_click(lambda _b: self.show_page(self.page + 1))
        self.page_label = widgets.HTML()

        self.new_fields = {name: self._make_field(name, new=True) for name in EDITABLE}
        self._clear_new_fields()
        self.new_persistent = widgets.Checkbox(indent=False, description="-p",
                                               tooltip="persistent (route -p): survives a restart",
                                               layout=widgets.Layout(width="60px"))
        self.add_button = widgets.Button(description="Add route", button_style="success",
                                         tooltip="add the route typed in this row")
        self.add_button.on_click(lambda _b: self.add_from_fields())
        self.new_error = error_label()

        self.print_text = widgets.Textarea(placeholder="paste the output of `route print` here",
                                           description="route print", tooltip="the text of `route print`",
                                           layout=widgets.Layout(width="100%", height="180px"))
        self.print_style = widgets.Dropdown(options=["nt4", "modern"], value=self._print_style(),
                                            description="Style", layout=widgets.Layout(width="160px"))
        self.import_button = widgets.Button(description="Import route print")
        self.export_button = widgets.Button(description="Export route print")
        self.import_button.on_click(lambda _b: self.import_route_print())
        self.export_button.on_click(lambda _b: self.export_route_print())
        self.print_error = error_label()

        self.command = widgets.Text(placeholder="add 10.0.0.0 MASK 255.0.0.0 172.16.112.1 METRIC 2",
                                    description="route", continuous_update=False,
                                    layout=widgets.Layout(width="520px"))
        # Enter (or leaving the box) commits the text and runs it; a command that ran empties the box, as a
        # terminal's prompt does, so the Run click that follows a blur finds nothing to run twice.
        self._setting_command = False
        self.command.observe(lambda _c: None if self._setting_command else self.run_command(), names="value")
        self.run_button = widgets.Button(description="Run", tooltip="run the route command (or press Enter)")
        self.run_button.on_click(lambda _b: self.run_command())
        self.command_output = widgets.HTML()
        self.status = widgets.HTML()

        self.widget = widgets.VBox([
            widgets.HBox([self.search, self.previous_button, self.page_label, self.next_button]),
            self.header,
            *(row.box for row in self.rows),
            widgets.HBox([*self.new_fields.values(), self.new_persistent, self.add_button]),
            self.new_error,
            widgets.HBox([self.command, self.run_button]),
            self.command_output,
            disclosure("route print: import / export", widgets.VBox([
                self.print_text,
                widgets.HBox([self.import_button, self.export_button, self.print_style]),
                self.print_error,
            ])),
            self.status,
        ])
        self.show_page(0)

    # The model ---------------------------------------------------------------------------
    def edit(self, table_or_host: RouteTable | Host) -> None:
        """Edit another table or host from now on (other widgets hear of it through :meth:`on_change`)."""
        self._bind(table_or_host)
        self._pending.clear()
        self.print_style.value = self._print_style()
        self._changed()

    def _bind(self, table_or_host: RouteTable | Host) -> None:
        if isinstance(table_or_host, Host):
            self.host, self._table = table_or_host, None
        elif isinstance(table_or_host, RouteTable):
            self.host, self._table = None, table_or_host
        else:
            raise TypeError(f"RouteTableEditor edits a RouteTable or a Host, not {type(table_or_host).__name__}")

    @property
    def table(self) -> RouteTable:
        """The table being edited (a host's current table: ``host.start()`` builds a new one)."""
        return self.host.table if self.host is not None else self._table  # type: ignore[return-value]

    def _interfaces(self) -> tuple[str, ...]:
        """The interface menu: the host's NICs in their order, its loopback, then other names the table uses.

        The order never follows the routes', so deleting a route never reorders the menu.
        """
        names = []
        if self.host is not None:
            names += [self.host.personality.interface_label(nic) for nic in (*self.host.interfaces,
                                                                               self.host.loopback)]
        names += sorted(self.table.interfaces())
        return tuple(dict.fromkeys(n for n in names if n))

    def _print_style(self) -> str:
        return self.host.personality.route_print_style if self.host is not None else "nt4"

    def _make_field(self, name: str, new: bool = False) -> widgets.Widget:
        """A row's field; ``new`` for the add row, whose interface menu starts with "from the gateway"."""
        layout = widgets.Layout(width=_WIDTHS[name])
        # Named for a screen reader, unseen: the column headings show the names.
        named = {"description": f"new route's {name}" if new else name, "style": UNSEEN_DESCRIPTION}
        if name == "interface" and self.host is not None:
            options = _with_from_gateway(self._interface_options) if new else self._interface_options
            return widgets.Dropdown(options=options, layout=layout, **named)
        placeholder = {"gateway": "On-link", "netmask": "255.0.0.0 or 8", "destination": "10.0.0.0",
                       "interface": "from the gateway" if new else "eth0"}.get(name, "")
        return widgets.Text(placeholder=placeholder, continuous_update=False, layout=layout, **named)

    def _clear_new_fields(self) -> None:
        """Empty the add row (the metric back to 1, the interface back to "from the gateway")."""
        for name, field in self.new_fields.items():
            field.value = {"metric": "1"}.get(name, "")
            mark_invalid(field, False)

    def _header_button(self, name: str) -> widgets.Button:
        button = widgets.Button(description=_HEADINGS.get(name, name),
                                tooltip=f"sort by {_HEADING_TIPS.get(name, name)}",
                                layout=widgets.Layout(width=_WIDTHS[name], padding="0 2px"))
        button.on_click(lambda _b: self.sort_by(name))
        return button

    # Paging, sorting, searching --------------------------------------------------------------
    def view(self) -> list[Route]:
        """The routes in display order: searched, then sorted (table order when unsorted)."""
        if self._view is None:
            routes = list(self.table)
            query = self.search.value.strip().lower()
            if query:
                routes = [r for r in routes if query in _search_text(r)]
            if self.sort_column is not None:
                routes.sort(key=_SORT_KEYS[self.sort_column], reverse=self.sort_descending)
            self._view = routes
        return self._view

    @property
    def page_count(self) -> int:
        return max(1, -(-len(self.view()) // self.page_size))

    def sort_by(self, column: str, descending: bool | None = None) -> None:
        """Sort the rows by ``column``; sorting by the same column again reverses the order."""
        if column not in _SORT_KEYS:
            raise ValueError(f"cannot sort by {column!r}; columns: {', '.join(COLUMNS)}")
        if descending is None:
            descending = not self.sort_descending if column == self.sort_column else False
        self.sort_column, self.sort_descending = column, descending
        for button, name in zip(self.header.children, COLUMNS, strict=True):
            button.description = _HEADINGS.get(name, name) + ((" ▼" if descending else " ▲") if name == column else "")
        self._reset_view(page=0)

    def _reset_view(self, page: int | None = None) -> None:
        self._view = None
        self.show_page(self.page if page is None else page)

    def show_page(self, page: int) -> None:
        """Fill the row widgets with page ``page`` (0-based, clamped) of :meth:`view`."""
        view = self.view()
        self.page = min(max(page, 0), self.page_count - 1)
        options = self._interfaces()
        self._filling = True
        try:
            if options != self._interface_options:
                self._interface_options = options
                for field in [row.fields["interface"] for row in self.rows]:
                    if isinstance(field, widgets.Dropdown):
                        field.options = options
                _keep_choice(self.new_fields["interface"], _with_from_gateway(options))
            start = self.page * self.page_size
            for row, route in zip(self.rows, [*view[start:start + self.page_size], *[None] * self.page_size],
                                  strict=False):
                self._fill(row, route)
        finally:
            self._filling = False
        self.previous_button.disabled = self.page == 0
        self.next_button.disabled = self.page >= self.page_count - 1
        shown = len(view)
        total = len(self.table)
        self.page_label.value = (f"page {self.page + 1} of {self.page_count} · {shown:,} "
                                 + (f"of {total:,} routes match" if shown != total else "routes"))

    def _fill(self, row: _Row, route: Route | None) -> None:
        row.route = route
        if route is None:
            row.box.layout.display = "none"
            return
        row.box.layout.display = ""
        pending = self._pending.get(route)
        texts, persistent = (pending[0], pending[1]) if pending else (_texts(route), route.persistent)
        for name, field in row.fields.items():
            field.value = texts[name]
        row.persistent.value = persistent
        row.persistent.disabled = route.origin is RouteOrigin.AUTOMATIC
        row.origin.value = f"<span style='color:{palette.MUTED}'>{escape(route.origin.value)}</span>"
        self._show_row_error(row, pending[2] if pending else None)

    def _show_row_error(self, row: _Row, error: WorkbookError | None) -> None:
        show_error(row.error, None if error is None else f"↳ {error}")
        row.error.layout.display = "none" if error is None else ""
        bad = None if error is None else field_of_error(error)
        for name, field in row.fields.items():
            mark_invalid(field, name == bad)

    # Changing the table ----------------------------------------------------------------------
    def _edit_row(self, row: _Row) -> None:
        if self._filling or row.route is None:
            return
        old = row.route
        texts, persistent = row.texts(), row.persistent.value
        try:
            new = self._route(texts, persistent, old)
            if new != old:
                new = self._replace(old, new)
        except WorkbookError as error:
            self._pending[old] = (texts, persistent, error)
            self._show_row_error(row, error)
            return
        self._pending.pop(old, None)
        row.route = new
        self._show_row_error(row, None)
        if new != old:
            self._changed()

    def _route(self, texts: dict[str, str], persistent: bool, old: Route | None = None) -> Route:
        """The route the learner's texts describe (the engine checks every field)."""
        destination = texts["destination"].strip()
        netmask = texts["netmask"].strip() or None
        gateway = texts["gateway"].strip()
        if old is not None and old.origin not in (RouteOrigin.STATIC, RouteOrigin.PERSISTENT):
            origin = old.origin
        else:
            origin = RouteOrigin.PERSISTENT if persistent else RouteOrigin.STATIC
        route = Route(
            destination,
            netmask=netmask,
            gateway=None if gateway.lower() in _ON_LINK_WORDS else gateway,
            interface=texts["interface"].strip(),
            metric=texts["metric"].strip(),
            origin=origin,
            route_type=old.route_type if old is not None else "unicast",
            preferred_source=None if old is None or old.preferred_source is None else str(old.preferred_source),
        )
        if route.on_link and not route.interface and self._interface_options:
            # Only a gateway can tell which interface to use (a table with no interfaces at all is abstract).
            example = self._interface_options[0]
            raise InterfaceError(f"interface: a route without a gateway (on-link) needs an interface; "
                                 f"choose one, e.g. {example}, or type a gateway")
        return route

    def _replace(self, old: Route, new: Route) -> Route:
        """Put ``new`` where ``old`` was and return it as installed; on a refusal, restore the table exactly."""
        table = self.table
        before = list(table)
        position = before.index(old)
        table.remove(old)
        try:
            installed = table.add(new)
        except WorkbookError:
            self._restore(before)
            raise
        if position != len(before) - 1:  # keep the installation order: it breaks ties
            after = before[:]
            after[position] = installed
            self._restore(after)
        return installed

    def _restore(self, routes: list[Route]) -> None:
        table = self.table
        table.clear()
        for route in routes:
            table.add(route, check_gateway=False)

    def _delete_row(self, row: _Row) -> None:
        if row.route is not None:
            self.delete(row.route)

    def delete(self, route: Route) -> None:
        """Remove ``route`` from the table."""
        self.table.remove(route)
        self._pending.pop(route, None)
        self._changed()

    def add_from_fields(self) -> Route | None:
        """Add the route typed in the bottom row; show the engine's message if it is refused."""
        texts = {name: str(field.value or "") for name, field in self.new_fields.items()}
        try:
            route = self.table.add(self._route(texts, self.new_persistent.value))
        except WorkbookError as error:
            show_error(self.new_error, error)
            bad = field_of_error(error)
            for name, field in self.new_fields.items():
                mark_invalid(field, name == bad)
            return None
        show_error(self.new_error, None)
        self._clear_new_fields()  # a second click must not add the same route again
        self.new_persistent.value = False
        self._changed()
        view = self.view()
        if route in view:
            self.show_page(view.index(route) // self.page_size)
        return route

    def run_command(self, command: str | None = None) -> Any:
        """Run a `route` command (``route add …``) through the host or table; show its result or message.

        The command box empties when the command ran (the output repeats it) and keeps a refused
        command's text to be corrected.
        """
        text = (self.command.value if command is None else command).strip()
        if not text:
            return None
        before = list(self.table)
        try:
            result = (self.host or self.table).route(text)
        except WorkbookError as error:
            if list(self.table) != before:
                self._restore(before)
            show_error(self.command_output, error)
            if command is not None:
                self._set_command_text(text)
            return None
        self._set_command_text("")
        self.command_output.value = text_block(f"<code>route {escape(text)}</code><br>{_describe(result)}")
        if list(self.table) != before:
            self._changed()
        return result

    def _set_command_text(self, text: str) -> None:
        self._setting_command = True
        try:
            self.command.value = text
        finally:
            self._setting_command = False

    def import_route_print(self, text: str | None = None) -> None:
        """Replace the routes by those of a pasted `route print` text (the table is untouched if it is bad)."""
        if text is not None:
            self.print_text.value = text
        try:
            parsed = RouteTable.from_route_print(self.print_text.value)
        except WorkbookError as error:
            show_error(self.print_error, error)
            return
        show_error(self.print_error, None)
        self._restore(list(parsed))
        if self.host is None:
            self.table.strategy = parsed.strategy
        self._changed()

    def export_route_print(self) -> str:
        """Print the table into the text box, as `route print` would."""
        self.print_text.value = self.table.to_route_print(style=self.print_style.value)
        show_error(self.print_error, None)
        return self.print_text.value

    def _changed(self) -> None:
        if self.host is not None:
            self.host.persistent_routes = [route for route in self.table if route.persistent]
        live = set(self.table)
        self._pending = {route: value for route, value in self._pending.items() if route in live}
        self._reset_view()
        self._notify()

    def refresh(self) -> None:
        """Redraw after the table was changed from code (``host.route(...)`` in a cell)."""
        self._changed()

    # Files -------------------------------------------------------------------------------------
    def to_scenario(self) -> dict[str, Any]:
        """The host (configuration, and its table exactly as edited) or the table, as a scenario dict."""
        return self.host.to_dict(include_table=True) if self.host is not None else table_scenario(self.table)

    def save(self, path: str | Path) -> Path:
        """Save to a YAML (or .json) scenario file next to the notebook; :meth:`load` reads it back."""
        saved = save_scenario_file(path, self.to_scenario())
        self.status.value = escape(f"saved to {saved}")
        return saved

    def load(self, path: str | Path) -> None:
        """Load a scenario file written by :meth:`save` (a host file rebinds the editor to a new host)."""
        data = load_scenario_file(path)
        if "interfaces" in data:
            self.edit(Host.from_dict(data))
        else:
            loaded = table_from_scenario(data)
            if self.host is not None:
                self.edit(loaded)
            else:
                self._restore(list(loaded))
                self.table.strategy = loaded.strategy
                self._changed()
        self.status.value = escape(f"loaded {path}")

    def text_view(self) -> str:
        """The table as `route print` prints it."""
        style = self.host.personality.route_print_style if self.host is not None else "modern"
        return self.table.to_route_print(style)


def _with_from_gateway(options: tuple[str, ...]) -> list[tuple[str, str]]:
    return [FROM_GATEWAY, *((option, option) for option in options)]


def _keep_choice(menu: widgets.Widget, options: list[tuple[str, str]]) -> None:
    """Give a dropdown new options and keep what was chosen when it is still there (ipywidgets picks the first)."""
    if not isinstance(menu, widgets.Dropdown):
        return
    chosen = menu.value
    menu.options = options
    if chosen in [value for _, value in options]:
        menu.value = chosen


def _search_text(route: Route) -> str:
    gateway = "on-link" if route.gateway is None else str(route.gateway)
    return (f"{route.destination}/{route.prefixlen} {route.netmask} {gateway} {route.interface} "
            f"metric {route.metric} {route.origin.value}").lower()


def _describe(result: Any) -> str:
    """What a `route` command returned, as the learner should read it."""
    if isinstance(result, Route):
        return escape(f"✓ {result}")
    if isinstance(result, list):
        if not result:
            return "✓ no route changed"
        return escape(f"✓ {len(result)} route(s): " + "; ".join(map(str, result)))
    if isinstance(result, str):
        return pre(result)
    return escape(f"✓ {result}" if result is not None else "✓ done")
