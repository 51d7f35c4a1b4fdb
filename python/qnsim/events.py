"""Discrete-event loop with Python callbacks, over the native scheduler.

Times are SI seconds (floats) here and integer picoseconds in the core: each time is converted
once with ``round(seconds * 1e12)``, so ordering inside the core is exact and reproducible.
"""

from __future__ import annotations

import inspect
import types
from typing import Any, Callable

from qnsim import _core
from qnsim.argument_checks import integer, is_integer, real_number, written

__all__ = ["EventHandle", "EventLoop"]


class EventHandle(int):
    """Opaque handle of a scheduled event: the int the native loop numbers it by, which :meth:`EventLoop.cancel`
    and :meth:`EventLoop.is_pending` take; it compares, hashes and prints as that int.

    Each loop numbers its events from 0, so the same int names an event in every loop: a handle given to a loop
    other than the one that made it cancelled that loop's own event of that number (or answered is_pending for
    it) without a word. A handle remembers its loop, and another loop refuses it (ValueError). A plain int (a
    handle written out by hand, ``int(handle)``, or a pickled one read back: a loop is not pickled with it) names no
    loop and is taken as it is.

    Example:
        >>> a, b = EventLoop(), EventLoop()
        >>> handle = b.schedule_in(1e-6, print)
        >>> handle == 0, isinstance(handle, int), b.is_pending(handle)
        (True, True, True)
        >>> a.cancel(handle)
        Traceback (most recent call last):
        ...
        ValueError: handle 0 was made by another EventLoop: cancel it on the loop that scheduled it (...)
    """

    __slots__ = ()

    def __reduce__(self) -> tuple:
        # As the plain int: the loop's own subclass is made at run time, which pickle cannot name.
        return (int, (int(self),))


_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)
_INT32_MAX = 2**31 - 1
_INT32_MIN = -(2**31)


def _check_priority(priority: int) -> int:
    if not is_integer(priority):  # not True, nor a NumPy time span
        raise TypeError(f"priority must be an int, got {written(priority)}")
    if not _INT32_MIN <= priority <= _INT32_MAX:
        raise ValueError(
            f"priority must be in the int32 range [{_INT32_MIN}, {_INT32_MAX}], got {written(priority)}"
        )
    return priority


def _to_ps(seconds: float, what: str) -> int:
    """Converts SI seconds to int64 picoseconds, rejecting NaN, infinities and overflow."""
    if seconds.__class__ is not float and seconds.__class__ is not int:
        # Read as the package reads every number, then as a Python float: a NumPy float32 multiplied by 1e12
        # stays float32 (np.float32(0.1) s was 99,999,997,952 ps, 3.5 ns before the 100,000,001,490 ps it
        # holds), a float16 overflowed, and 0-d arrays and Decimals passed as times.
        seconds = real_number(what, seconds, unit="s")
    try:
        ps = round(seconds * 1e12)  # NaN -> ValueError, inf -> OverflowError
    except (ValueError, OverflowError):
        ps = None
    if ps is not None and _INT64_MIN <= ps <= _INT64_MAX:
        if ps == 0 and seconds < 0:
            # A negative time above -0.5 ps rounded to 0 and was taken (schedule_in(-1e-13) ran now), where
            # -1e-12 is refused: refused alike, as the network refuses it (qnsim.specs.seconds_to_ps).
            raise _core.SchedulingError(
                f"{what}={written(seconds)} s is negative (it would round to 0 ps); times are "
                ">= 0 s"
            )
        return ps
    # Slow path, errors only: the package's one reading of numbers says what was wrong (a type, NaN,
    # an infinity, an int beyond a float: math.isfinite(10**400) raised OverflowError here).
    real_number(what, seconds, unit="s")
    raise ValueError(
        f"{what}={written(seconds)} s is outside the simulated time range of +-{_INT64_MAX / 1e12:.6g} s "
        "(int64 picoseconds, about 106 days)"
    )


class EventLoop:
    """A discrete-event loop: callbacks run in simulated time, in a reproducible order.

    Events run in order of time, then ``priority`` (lower first), then scheduling order (ties are
    first-in, first-out), so a run is a pure function of what was scheduled. Time is kept as
    integer picoseconds natively (range about 106 days) and exposed here in seconds.

    Callbacks are Python callables (functions, bound methods, lambdas) called as
    ``callback(*args)``; they may schedule or cancel further events, and return None: a value
    returned is refused (TypeError naming the callback, after its event ran), since nothing reads
    it and a coroutine or generator returned means a body that never ran. An exception raised by a
    callback propagates out of :meth:`run`; the loop stays consistent and can be run again.

    This path is for protocols written in Python; native protocols run in the C++ core.

    >>> loop = EventLoop()
    >>> log = []
    >>> def ping(n):
    ...     log.append((loop.now_s, n))
    ...     if n < 3:
    ...         loop.schedule_in(1e-6, ping, n + 1)
    >>> _ = loop.schedule_at(0.5e-6, ping, 1)
    >>> loop.run()
    3
    >>> log
    [(5e-07, 1), (1.5e-06, 2), (2.5e-06, 3)]
    """

    # _handles: this loop's own subclass of EventHandle, the class of every handle it returns: a handle knows its
    # loop by its class, made once per loop, where an attribute set on each handle cost a third of schedule_in.
    __slots__ = ("_core", "_handles")

    #: Default of :attr:`max_events_per_instant`.
    DEFAULT_MAX_EVENTS_PER_INSTANT = 10**6

    def __init__(self, *, max_events_per_instant: int | None = DEFAULT_MAX_EVENTS_PER_INSTANT) -> None:
        """A loop at time 0 with nothing scheduled.

        Args:
            max_events_per_instant: Events at one simulated instant beyond which :meth:`run` stops
                with SchedulingError (callbacks that schedule each other with no delay never let
                time advance); None: no limit.
        """
        self._core = _core.Scheduler()
        self._handles = type("EventHandle", (EventHandle,), {"__slots__": (), "__module__": __name__})
        self.max_events_per_instant = max_events_per_instant

    @property
    def max_events_per_instant(self) -> int | None:
        """Events at one simulated instant beyond which :meth:`run` stops with SchedulingError
        (None: no limit). The event that passes the limit has run; :meth:`run` again continues."""
        return self._core.max_events_per_instant or None

    @max_events_per_instant.setter
    def max_events_per_instant(self, limit: int | None) -> None:
        if limit is None:
            self._core.max_events_per_instant = 0
            return
        self._core.max_events_per_instant = integer("max_events_per_instant", limit, minimum=1, maximum=2**63)

    @property
    def now_s(self) -> float:
        """Current simulated time in seconds."""
        return self._core.now_ps / 1e12

    @property
    def now_ps(self) -> int:
        """Current simulated time in integer picoseconds (exact)."""
        return self._core.now_ps

    @property
    def events_processed(self) -> int:
        """Number of events run since the loop was created."""
        return self._core.events_processed

    @property
    def pending(self) -> int:
        """Number of events waiting to run (cancelled events excluded)."""
        return self._core.pending

    def schedule_at(
        self, time_s: float, callback: Callable[..., Any], *args: Any, priority: int = 0
    ) -> EventHandle:
        """Schedules ``callback(*args)`` at absolute time ``time_s`` (seconds).

        Args:
            time_s: When to run, in seconds; must not be before :attr:`now_s`.
            callback: Any callable.
            *args: Positional arguments for the callback.
            priority: Among events at the same time, lower runs first (int32 range).

        Returns:
            A handle for :meth:`cancel`.

        Raises:
            SchedulingError: ``time_s`` is before the current time (both are named).
            ValueError: ``time_s`` is NaN, infinite or beyond the int64-picosecond range, or
                ``priority`` is outside the int32 range.
            TypeError: ``callback`` is not callable, or is written with ``async def`` or ``yield``.
        """
        return self._handles(
            self._core.schedule(
                _to_ps(time_s, "time_s"), _plain(callback), args, priority and _check_priority(priority)
            )
        )

    def schedule_in(
        self, delay_s: float, callback: Callable[..., Any], *args: Any, priority: int = 0
    ) -> EventHandle:
        """Schedules ``callback(*args)`` ``delay_s`` seconds from now (``delay_s >= 0``).

        Raises:
            SchedulingError: ``delay_s`` is negative (the message names it and the current time).
            ValueError: ``delay_s`` is NaN, infinite or beyond the time range, or ``priority`` is
                outside the int32 range.
            TypeError: ``callback`` is not callable, or is written with ``async def`` or ``yield``.
        """
        return self._handles(
            self._core.schedule_after(
                _to_ps(delay_s, "delay_s"), _plain(callback), args, priority and _check_priority(priority)
            )
        )

    def cancel(self, handle: EventHandle) -> bool:
        """Cancels a pending event. Returns False if it already ran or was already cancelled.

        Raises:
            ValueError: ``handle`` was made by another loop (see :class:`EventHandle`).
        """
        if handle.__class__ is not self._handles and isinstance(handle, EventHandle):
            raise ValueError(self._foreign(handle, "cancel it on"))
        return self._core.cancel(handle)

    def is_pending(self, handle: EventHandle) -> bool:
        """True while the event named by ``handle`` waits to run.

        Raises:
            ValueError: ``handle`` was made by another loop (see :class:`EventHandle`).
        """
        if handle.__class__ is not self._handles and isinstance(handle, EventHandle):
            raise ValueError(self._foreign(handle, "ask"))
        return self._core.is_pending(handle)

    @staticmethod
    def _foreign(handle: EventHandle, way_out: str) -> str:
        number = int(handle)
        return (
            f"handle {number} was made by another EventLoop: {way_out} the loop that scheduled it (each loop numbers "
            f"its events from 0, so here it would name this loop's event {number})"
        )

    def run(self, until_s: float | None = None) -> int:
        """Runs events in order and returns how many ran.

        Args:
            until_s: Run every event at or before this time (seconds), then set the clock to it.
                None runs until no event is pending (the clock stays at the last event).

        Raises:
            SchedulingError: ``until_s`` is before the current time, or more than
                :attr:`max_events_per_instant` events ran at one instant (the loop can be run again).
            TypeError: a callback returned something other than None (named with what it returned).
            Exception: whatever a callback raised; the loop can be run again afterwards.
        """
        if until_s is None:
            return self._core.run()
        return self._core.run(_to_ps(until_s, "until_s"))

    def step(self) -> bool:
        """Runs the next event. Returns False if none was pending."""
        return self._core.step()

    def stop(self) -> None:
        """From inside a callback: make the current :meth:`run` return after this event."""
        self._core.stop()

    def check_invariants(self) -> None:
        """Debug check of the native queue; raises RuntimeError on a violation."""
        self._core.check_invariants()

    def __repr__(self) -> str:
        return f"EventLoop(now_s={self.now_s!r}, pending={self.pending}, events_processed={self.events_processed})"


# Code flags of an async def, an async generator and a generator function: calling one runs none of its body.
_NOT_PLAIN_FLAGS = inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR | inspect.CO_GENERATOR


def _plain(callback: Any, caller: str = "the loop") -> Any:
    """``callback``, refused if calling it only makes a coroutine or a generator (``async def``, ``yield``):
    the loop calls it and does not await or iterate the result, so the event ran and its body never did
    (Python's "coroutine ... was never awaited" warning at best). Protocol callbacks refuse the same, and so do
    :meth:`qnsim.Network.run_seeds`' ``on_result`` and ``abort_check`` (``caller`` names who calls it).

    Raises:
        TypeError: Naming the callback.
    """
    # The common case first, with inspect's own tests written out: a plain function or a bound method of one
    # whose code is neither a coroutine nor a generator and that inspect.markcoroutinefunction did not mark
    # (inspect's four calls cost more than a simulation's event; the answer is the same).
    function = callback.__func__ if callback.__class__ is types.MethodType else callback
    if (
        function.__class__ is types.FunctionType
        and not function.__code__.co_flags & _NOT_PLAIN_FLAGS
        and not hasattr(function, "_is_coroutine_marker")
    ):
        return callback
    if inspect.iscoroutinefunction(callback) or inspect.isasyncgenfunction(callback):
        kind = "an async def"
    elif inspect.isgeneratorfunction(callback):
        kind = "a generator function (it has yield)"
    else:
        return callback
    name = getattr(callback, "__qualname__", repr(callback))
    raise TypeError(
        f"callback {name} is {kind}: {caller} calls it and does not await or iterate what it returns, so its "
        "body would never run; write it as a plain def"
    )


def refuse_returned(callback: str, value: Any, acts: str) -> None:
    """Refuses a value a callback returned: nothing reads it, so it is a mistake, and for a generator or
    coroutine (a callback written with ``yield`` or ``async def``) one whose body never ran, which left the run
    doing nothing without a word. The one rule for every callback qnsim calls: protocol callbacks and the
    :class:`EventLoop`'s events (whose native loop calls this when a callback returns anything but None).

    Args:
        callback: The callback as the message names it (``"MyProtocol.on_timer"``, a function's qualified name).
        value: What it returned (not None).
        acts: How such callbacks act instead, for the message.

    Raises:
        TypeError: Always, naming the callback and what it returned.
    """
    if inspect.iscoroutine(value) or inspect.isgenerator(value) or inspect.isasyncgen(value):
        kind = "coroutine" if inspect.iscoroutine(value) else "generator"
        if kind == "coroutine" or inspect.isgenerator(value):
            value.close()  # never started: closing it runs nothing and silences "never awaited"
        why = (
            f"a {kind}, so its body never ran: qnsim calls a callback and does not "
            f"{'await' if kind == 'coroutine' else 'iterate'} what it returns (write it as a plain def, "
            "without yield or async)"
        )
    else:
        try:
            shown = repr(value)
        except Exception:  # noqa: BLE001 - any error of the user's __repr__
            shown = f"<{type(value).__name__}>"
        why = f"{shown[:80]}{' ...' if len(shown) > 80 else ''}, which nothing reads: {acts}"
    raise TypeError(f"{callback} returned {why}")


def _refuse_event_return(callback: Any, value: Any) -> None:
    """Called by the native loop (``_core.Scheduler``) when an event's callback returned ``value``, not None:
    the event has run; the loop stays consistent and can be run again.

    Raises:
        TypeError: Naming the callback and what it returned.
    """
    name = getattr(callback, "__qualname__", None) or repr(callback)[:80]
    refuse_returned(
        f"event callback {name}", value,
        "EventLoop callbacks act by what they do (schedule further events with schedule_in/schedule_at, record "
        "results) and return None; to keep a value, store it (a list's append returns None)",
    )  # fmt: skip
