"""Seeing inside a run with the standard :mod:`logging` module, stamped with simulated time.

qnsim logs under the ``qnsim`` logger hierarchy:

* ``qnsim.network``: a run's start and end (INFO), and each request's admission (its memory
  reservations granted), service and drop (INFO; a drop is a WARNING), each at the simulated
  time it happened, read from the native request statistics after the run step (the native
  event loop never calls back into Python for logging); at the end of a run, a request's
  result notes (NOT ENTANGLED, PARTLY ENTANGLED, no pair delivered, ...) as WARNINGs.
* ``qnsim.sweep``: sweep start, progress (one INFO record per finished point) and end, and
  resume and worker-restart warnings.

Every record of a run carries ``sim_time_s``, the simulated time in s it refers to (None for
records outside a run, e.g. sweep progress). :func:`log_to_stderr` installs a handler that
prints it in one call; :class:`SimTimeFilter` and :class:`SimTimeFormatter` do the same for a
handler of your own. Logging is free when off: nothing is gathered or formatted unless the
``qnsim`` logger is enabled for the level (checked once per run, not per event). Like any
library, qnsim attaches only a :class:`logging.NullHandler`, so nothing prints until you ask.

>>> import io, logging, qnsim
>>> stream = io.StringIO()
>>> handler = qnsim.log_to_stderr("INFO", stream=stream)
>>> net = qnsim.Network(seed=1); _ = net.add_node("a"); _ = net.add_node("b")
>>> _ = net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=100.0)
>>> _ = net.request("a", "b", num_pairs=3, name="up")
>>> _ = net.run(0.1)
>>> print(stream.getvalue(), end="")
t=0 s          INFO  qnsim.network: run from 0 s to 100 ms: 2 nodes, 1 link, 1 request
t=0 s          INFO  qnsim.network: request 0 up admitted (path a-b)
t=30 ms        INFO  qnsim.network: request 0 up served: 3 of 3 pairs, mean fidelity 0.9000
t=100 ms       INFO  qnsim.network: run reached 100 ms: 3 pairs delivered, ... events
>>> logging.getLogger("qnsim").removeHandler(handler); logging.getLogger("qnsim").setLevel(logging.NOTSET)
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import sys
from collections.abc import Iterator
from typing import IO, Any

from qnsim.argument_checks import is_integer, is_real_number, shown, written

__all__ = ["SimTimeFilter", "SimTimeFormatter", "log_to_stderr", "logger", "stderr_logging"]

#: The ``qnsim`` logger, parent of ``qnsim.network`` and ``qnsim.sweep``; silent (a
#: :class:`logging.NullHandler`) until a handler is added, e.g. by :func:`log_to_stderr`.
logger = logging.getLogger("qnsim")
# A library's loggers print nothing by default (no "No handlers" fallback to stderr).
logger.addHandler(logging.NullHandler())


def _eng(value: float) -> str:
    from qnsim.results import _eng as eng

    return eng(value, "s")


class SimTimeFilter(logging.Filter):
    """Gives every record a ``sim_time_s`` (None when it has none) and ``sim_time`` text
    (``"t=1.5 ms"``, or ``"-"`` outside a run), so formats may use either.

    Example:
        >>> record = logging.makeLogRecord({"msg": "x", "sim_time_s": 1.5e-3})
        >>> SimTimeFilter().filter(record), record.sim_time
        (True, 't=1.5 ms')
    """

    def __init__(self, name: str = "") -> None:
        """Args:
            name: As :class:`logging.Filter`'s: keep only records of this logger and its children ("": all).

        Raises:
            TypeError: ``name`` is not a string (``SimTimeFilter(3)`` failed in logging's ``len(name)``, naming
                neither the argument nor the value).
        """
        if not isinstance(name, str):
            raise TypeError(f"SimTimeFilter name must be a logger name (a string), got {shown(name)}")
        super().__init__(name)

    def filter(self, record: logging.LogRecord) -> bool:
        """Sets ``sim_time_s`` (s; None if the record has none) and its text ``sim_time``; keeps every record."""
        t = getattr(record, "sim_time_s", None)
        if not hasattr(record, "sim_time_s"):
            record.sim_time_s = None
        record.sim_time = _sim_time_text(t)
        return True


def _sim_time_text(t: object) -> str:
    """A record's ``sim_time_s`` as its ``sim_time`` text: ``"t=1.5 ms"``, ``"-"`` for None or NaN, and anything
    else (text, a bool, an infinity, from a caller's ``extra=``) as it is, so that the record is still logged: a
    filter that raises stops the caller's logging call (``extra={"sim_time_s": "x"}`` raised "bad operand type
    for abs(): 'str'"), ``True`` read "t=1 s", inf "t=inf Gs", and a NumPy NaN "t=nan s" where a float NaN read "-"."""
    if t is None:
        return "-"
    if is_real_number(t):
        try:
            seconds = float(t)
        except OverflowError:  # an int beyond a float
            seconds = math.inf
        if math.isnan(seconds):
            return "-"
        if math.isfinite(seconds):
            return f"t={_eng(seconds)}"
    return f"t={shown(t)}"


class SimTimeFormatter(logging.Formatter):
    """``t=<simulated time> LEVEL logger: message`` (the simulated time column is 12 wide).

    Example:
        >>> record = logging.makeLogRecord({"msg": "hi", "name": "qnsim.network", "levelname": "INFO",
        ...                                 "sim_time_s": 2.0})
        >>> SimTimeFormatter().format(record)
        't=2 s          INFO  qnsim.network: hi'
    """

    def __init__(self, fmt: str = "%(sim_time)-14s %(levelname)-5s %(name)s: %(message)s") -> None:
        """Args:
            fmt: A :mod:`logging` %-style format; ``%(sim_time)s`` is the simulated time's text.

        Raises:
            TypeError: ``fmt`` is not a string (3 failed in logging's regular expression, naming nothing).
            ValueError: ``fmt`` is not a valid %-style format (named with its value).
        """
        if not isinstance(fmt, str):
            raise TypeError(f"SimTimeFormatter fmt must be a %-style format string, got {shown(fmt)}")
        try:
            if not fmt:
                # logging.Formatter takes "" for its default "%(message)s": the simulated time, the level and the
                # logger's name were all dropped without a word.
                raise ValueError(fmt)
            super().__init__(fmt)
        except ValueError:
            # logging's own refusal ("Invalid format '...'", the whole string however long) names no argument.
            raise ValueError(
                f"SimTimeFormatter fmt must be a %-style logging format holding at least one field such as "
                f"'%(message)s', got {shown(fmt)}"
            ) from None

    def format(self, record: logging.LogRecord) -> str:
        """The record as text, stamped with its simulated time (``t=...``, or ``-`` when it has none)."""
        if not hasattr(record, "sim_time"):
            SimTimeFilter().filter(record)
        return super().format(record)


def log_to_stderr(level: int | str = "INFO", *, stream: IO[str] | None = None) -> logging.Handler:
    """Prints qnsim's log records with their simulated time; one call, undone by removing the
    returned handler from ``logging.getLogger("qnsim")``.

    Calling it again replaces the handler it installed before (no duplicate lines).

    Args:
        level: ``"DEBUG"``, ``"INFO"``, ``"WARNING"``... or a :mod:`logging` level number.
        stream: Where to print (default: ``sys.stderr``).

    Returns:
        The installed handler.

    Raises:
        ValueError: An unknown level name, or a number outside [0, 50] (above CRITICAL nothing would print).
        TypeError: A ``stream`` without a ``write`` method (a path, a number), or one of bytes (``io.BytesIO``, a
            file opened with ``"wb"``).

    Example:
        >>> import io
        >>> handler = log_to_stderr("WARNING", stream=io.StringIO())
        >>> logging.getLogger("qnsim").level == logging.WARNING
        True
        >>> log_to_stderr("LOUD")
        Traceback (most recent call last):
        ...
        ValueError: unknown log level 'LOUD'; use DEBUG, INFO, WARNING, ERROR or CRITICAL
        >>> logging.getLogger("qnsim").removeHandler(handler); logging.getLogger("qnsim").setLevel(logging.NOTSET)
    """
    level = log_level_number(level)
    # A stream of bytes (io.BytesIO, a file opened "wb") has a write() too, which refuses the handler's text.
    binary = isinstance(stream, (io.RawIOBase, io.BufferedIOBase)) or "b" in str(getattr(stream, "mode", ""))
    if stream is not None and (binary or not callable(getattr(stream, "write", None))):
        # stream=10**5000 (or a path given as a string) installed a handler that failed at every record, each time
        # printing logging's own "--- Logging error ---" traceback to stderr, long after the call that caused it.
        raise TypeError(
            "stream must be a text stream with a write() method (sys.stdout, a file opened with 'w', io.StringIO), "
            f"got {type(stream).__name__} {written(stream):.60}"
        )
    for old in [h for h in logger.handlers if getattr(h, "_qnsim_stderr", False)]:
        logger.removeHandler(old)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(SimTimeFilter())
    handler.setFormatter(SimTimeFormatter())
    handler._qnsim_stderr = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    return handler


def log_level_number(level: int | str) -> int:
    """The :mod:`logging` level number of a level name (any case) or number, checked: the one check behind
    :func:`log_to_stderr` and the command-line tools' ``--log``.

    Raises:
        ValueError: An unknown level name, or a number outside [0, 50] (above CRITICAL nothing would print).
        TypeError: Neither a name nor an int (True is not level 1).

    Example:
        >>> log_level_number("info"), log_level_number(30)
        (20, 30)
    """
    if not isinstance(level, str) and not is_integer(level):
        # True is not level 1, and logging's own message for 3.5 does not name the argument. A NumPy integer is an
        # integer, as every count reads one (np.int64(20) was refused as "got np.int64(20)").
        raise TypeError(f"level must be a level name or a logging level number, got {written(level)}")
    if isinstance(level, str):
        number = logging.getLevelName(level.strip().upper())
        if not isinstance(number, int):
            raise ValueError(f"unknown log level {written(level)}; use DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return number
    if not 0 <= level <= logging.CRITICAL:
        # Above CRITICAL nothing is ever printed (10**30 installed a silent handler); below 0 means nothing.
        raise ValueError(
            f"log level number must be between 0 (every record) and {logging.CRITICAL} (CRITICAL), got {written(level)}"
        )
    return int(level)


def log_level_argument(text: str) -> int:
    """argparse ``type=`` for a ``--log LEVEL`` option: :func:`log_level_number`'s check at parse time, so the
    refusal names the option (``argument --log: unknown log level 'verbose'; ...``) instead of coming, unnamed,
    from inside the run.

    Example:
        >>> log_level_argument("debug")
        10
    """
    import argparse

    try:
        return log_level_number(text)
    except (TypeError, ValueError) as error:
        raise argparse.ArgumentTypeError(str(error)) from None


@contextlib.contextmanager
def stderr_logging(level: int | str | None) -> Iterator[None]:
    """:func:`log_to_stderr` for the duration of a ``with`` block (the command-line tools use
    it), then the handler removed and the logger's level restored; None does nothing.

    Example:
        >>> before = logging.getLogger("qnsim").level
        >>> with stderr_logging("INFO"):
        ...     logging.getLogger("qnsim").level == logging.INFO
        True
        >>> logging.getLogger("qnsim").level == before
        True
    """
    if level is None:
        yield
        return
    previous = logger.level
    handler = log_to_stderr(level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


# --- what a run logs -----------------------------------------------------------------------------

_net_log = logging.getLogger("qnsim.network")


def run_watch(network: Any, until_ps: int) -> dict[int, tuple[int, str]] | None:
    """Before a run step: the requests' (admitted_ps, status) when INFO is on, else None (the
    only cost of logging when it is off is this one level check)."""
    if not _net_log.isEnabledFor(logging.INFO):
        return None
    native = network.native
    n = len(network.requests)
    _net_log.info(
        "run from %s to %s: %d node%s, %d link%s, %d request%s",
        _eng(network.now_s), _eng(until_ps / 1e12),
        len(network.nodes), "" if len(network.nodes) == 1 else "s",
        len(network.links), "" if len(network.links) == 1 else "s",
        n, "" if n == 1 else "s",
        extra={"sim_time_s": network.now_s},
    )  # fmt: skip
    before = {}
    for r in network.requests:
        st = native.request_stats(r.index)
        before[r.index] = (int(st.admitted_ps), st.status.name)
    return before


def run_report(network: Any, before: dict[int, tuple[int, str]] | None, result: Any) -> None:
    """After a run step: one record per request admitted, served or dropped during it, in
    simulated-time order, then the run's end and the results' notes."""
    if before is None:
        return
    native = network.native
    events: list[tuple[int, int, int, str, tuple]] = []  # (time_ps, order, level, format, args)
    for r, res in zip(network.requests, result.requests):
        st = native.request_stats(r.index)
        admitted_before, status_before = before.get(r.index, (-1, "pending"))
        name = f"request {r.index} {r.label}"
        if st.admitted_ps >= 0 and admitted_before < 0:
            events.append((int(st.admitted_ps), 0, logging.INFO, "%s admitted (path %s)", (name, "-".join(r.path))))
        status = st.status.name
        if status != status_before and status in ("served", "dropped") and st.finished_ps >= 0:
            wanted = "" if res.num_pairs_requested is None else f" of {res.num_pairs_requested}"
            fidelity = f", mean fidelity {res.mean_fidelity:.4f}" if res.num_pairs else ""
            if status == "served":
                events.append((int(st.finished_ps), 1, logging.INFO, "%s served: %d%s pairs%s",
                               (name, res.num_pairs, wanted, fidelity)))  # fmt: skip
            else:
                reason = st.drop_reason or "no reason given"
                events.append((int(st.finished_ps), 1, logging.WARNING, "%s dropped (%s): %d%s pairs%s",
                               (name, reason, res.num_pairs, wanted, fidelity)))  # fmt: skip
    for time_ps, _, level, fmt, args in sorted(events, key=lambda e: (e[0], e[1])):
        _net_log.log(level, fmt, *args, extra={"sim_time_s": time_ps / 1e12})
    delivered = sum(r.num_pairs for r in result.requests)
    _net_log.info(
        "run reached %s: %d pairs delivered, %d events", _eng(result.now_s), delivered, result.events_processed,
        extra={"sim_time_s": result.now_s},
    )  # fmt: skip
    for r in result.requests:
        for note in r.notes:
            if note.startswith(("NOT ENTANGLED", "PARTLY ENTANGLED", "no pair delivered")):
                _net_log.warning("request %d %s: %s", r.request, r.label, note, extra={"sim_time_s": result.now_s})
