"""Every error the workbook raises on purpose.

Each class is also a :class:`ValueError`, so ``except ValueError`` keeps
working for callers who do not know the workbook. A message always names the
bad value and shows a valid example, because the reader is usually a learner
who typed it a moment ago:

>>> from workbook import Route
>>> Route("10.1.2", netmask="255.0.0.0")
Traceback (most recent call last):
...
workbook.errors.AddressError: destination '10.1.2' is not an IPv4 address: expected 4 octets, found 3; e.g. 172.16.112.0

The chapters catch :class:`WorkbookError` and show ``str(error)``; widgets
show it beside the field that caused it.
"""

from __future__ import annotations

__all__ = [
    "AddressError",
    "DuplicateRouteError",
    "GatewayError",
    "InterfaceError",
    "LedgerError",
    "MaskError",
    "MetricError",
    "PersonalityError",
    "RouteCommandError",
    "RouteError",
    "RouteNotFoundError",
    "RoutePrintError",
    "RouteRefusedError",
    "ScenarioError",
    "SimulationError",
    "TopologyError",
    "WorkbookError",
]


class WorkbookError(ValueError):
    """Base class of every error the workbook raises about its input."""


class AddressError(WorkbookError):
    """A text that should be an IPv4 address is not one."""


class LedgerError(WorkbookError):
    """A claim of the errata ledger is unknown, judged twice, or malformed (Appendix A)."""


class MaskError(WorkbookError):
    """A netmask or prefix length is malformed or not contiguous."""


class RouteError(WorkbookError):
    """A route is inconsistent, e.g. host bits set in its destination."""


class GatewayError(RouteError):
    """A gateway cannot be reached through any interface."""


class InterfaceError(WorkbookError):
    """An interface is unknown, or misconfigured."""


class MetricError(RouteError):
    """A metric is not a whole number in the allowed range."""


class DuplicateRouteError(RouteError):
    """The same route (destination, mask, gateway, interface) is added twice."""


class RouteNotFoundError(RouteError):
    """A `route delete` or `route change` names a route the table lacks."""


class RouteRefusedError(RouteError):
    """The stack refuses a route or an address as the real one does; ``kernel_message`` is what `ip` prints."""

    def __init__(self, message: str, kernel_message: str) -> None:
        super().__init__(f"{message} (the kernel says: {kernel_message})")
        self.kernel_message = kernel_message


class RoutePrintError(WorkbookError):
    """A `route print` text cannot be parsed; the message names line and field."""


class RouteCommandError(WorkbookError):
    """A `route` command line is malformed."""


class ScenarioError(WorkbookError):
    """A scenario dict or file is malformed."""


class PersonalityError(WorkbookError):
    """An unknown stack personality was asked for."""


class TopologyError(ScenarioError):
    """A network description is inconsistent: unknown host or segment, two segments with one name."""


class SimulationError(WorkbookError):
    """The simulation cannot do what was asked: a host whose IP is disabled sends, or events run away."""
