"""A simulated clock: events happen in time order, ties in the order they were scheduled (chapter 4).

Nothing here sleeps: :meth:`Clock.run` jumps from one event to the next, so a
minute of ARP ageing costs microseconds.

>>> clock = Clock()
>>> seen = []
>>> _ = clock.schedule(2.0, seen.append, "second")
>>> _ = clock.schedule(1.0, seen.append, "first")
>>> clock.run(5)
>>> seen, clock.now
(['first', 'second'], 5.0)
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any

from workbook.errors import SimulationError
from workbook.ledger import Source, constant

__all__ = ["DEFAULT_MAX_EVENTS", "Clock", "Event"]

#: How many events one call may process before the clock suspects a storm.
DEFAULT_MAX_EVENTS = constant("simulator: events one call may process before it suspects a storm", 1_000_000,
                              Source.model("a guard against loops without a TTL, not a property of any stack"))


class Event:
    """One thing to do at ``time``; ``owner`` is the trace it works for (or None)."""

    __slots__ = ("action", "args", "cancelled", "owner", "seq", "time")

    def __init__(self, time: float, seq: int, action: Callable[..., Any], args: tuple, owner: Any) -> None:
        self.time = time
        self.seq = seq
        self.action = action
        self.args = args
        self.owner = owner
        self.cancelled = False

    def __lt__(self, other: Event) -> bool:
        return (self.time, self.seq) < (other.time, other.seq)

    def __repr__(self) -> str:
        name = getattr(self.action, "__qualname__", repr(self.action))
        return f"<Event t={self.time:.6f} {name}{' cancelled' if self.cancelled else ''}>"


class Clock:
    """Simulated seconds and a queue of events.

    An event may belong to an *owner* that counts its unfinished work (a
    :class:`~workbook.sim.trace.PathTrace`): the owner's ``pending`` goes up
    when the event is scheduled and down when it runs or is cancelled, so
    a caller can run the clock exactly until a datagram's story is over.
    """

    def __init__(self, max_events: int = DEFAULT_MAX_EVENTS) -> None:
        self.now = 0.0
        self.max_events = max_events
        self._queue: list[Event] = []
        self._seq = itertools.count()

    def schedule(self, delay: float, action: Callable[..., Any], *args: Any, owner: Any = None) -> Event:
        """Run ``action(*args)`` ``delay`` seconds from now."""
        if delay < 0:
            raise SimulationError(f"cannot schedule an event {delay} s in the past; use a delay of 0 or more")
        event = Event(self.now + delay, next(self._seq), action, args, owner)
        if owner is not None:
            owner.pending += 1
        heapq.heappush(self._queue, event)
        return event

    def cancel(self, event: Event | None) -> None:
        """Forget an event that has not run yet."""
        if event is None or event.cancelled:
            return
        event.cancelled = True
        if event.owner is not None:
            event.owner.pending -= 1

    def _step(self) -> None:
        event = heapq.heappop(self._queue)
        if event.cancelled:
            return
        self.now = event.time
        if event.owner is not None:
            event.owner.pending -= 1
        event.cancelled = True  # it has run: cancelling it later must not count it twice
        event.action(*event.args)

    def run(self, seconds: float) -> None:
        """Process every event of the next ``seconds`` seconds, then set the clock to their end."""
        if not isinstance(seconds, int | float) or seconds < 0:
            raise SimulationError(f"run needs a number of seconds of 0 or more, e.g. 10; not {seconds!r}")
        end = self.now + seconds
        budget = self.max_events
        while self._queue and self._queue[0].time <= end:
            self._step()
            budget -= 1
            if budget < 0:
                raise self._runaway()
        self.now = end

    def run_until_done(self, owner: Any) -> None:
        """Process events in order until ``owner`` has no unfinished work."""
        budget = self.max_events
        while owner.pending > 0 and self._queue:
            self._step()
            budget -= 1
            if budget < 0:
                raise self._runaway()

    def _runaway(self) -> SimulationError:
        return SimulationError(
            f"more than {self.max_events} events in one call: is a broadcast storm or a loop without "
            "a TTL running? Check the routes, or raise max_events (e.g. Network(max_events=2_000_000))"
        )

    @property
    def pending(self) -> int:
        """Events still waiting (cancelled ones excluded)."""
        return sum(1 for event in self._queue if not event.cancelled)

    def __repr__(self) -> str:
        return f"<Clock t={self.now:.6f} s, {self.pending} events waiting>"
