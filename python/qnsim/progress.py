"""Progress bars for long native runs.

A network run is cut into chunks of simulated time, and only the last chunk hands kept pairs
over, so the chunks change nothing in the results (:func:`run_with_bar`). A native count of the
estimator reports ``(done, total)`` itself every so often (bytes read, instructions visited) to a
callback that also lets Ctrl-C stop it (:func:`native_progress`); the callback reads nothing back,
so the counts are the same with or without a bar.

Where progress shows: on a terminal or in a Jupyter kernel a tqdm bar, redrawn in place; on any other stderr (a batch
job's log file, a pipe) plain lines instead, one at most every :data:`LOG_INTERVAL_S` of wall time and a last one at
the end, so that a log shows how far a long job got without a bar redrawn ten times a second. The same for a network
run, the estimator's native passes and a sweep (:func:`open_bar`).

>>> stderr_is_tty() in (True, False)
True
"""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Callable

import numpy as np

from qnsim.argument_checks import written

__all__ = ["LOG_INTERVAL_S", "NativeBar", "bar_by_default", "native_progress", "open_bar", "run_with_bar",
           "stderr_is_tty"]


_BAR_FORMAT = "{l_bar}{bar}| {n:.3g}/{total:.3g} sim s [{elapsed}<{remaining}{postfix}]"

#: Least wall time between two progress lines on a stderr that is no terminal, in s (tqdm's ``mininterval`` there);
#: by default (``progress=None``) the lines show once the work looks longer than this. A ``qnsim run`` of a long
#: scenario in a batch job, stderr a log file, printed no progress at all, while a sweep's tqdm bar wrote its
#: carriage-return redraws into the log ten times a second: one semantics for both now.
LOG_INTERVAL_S = 10.0
#: Wall time after which work that looks longer than this shows its bar by default on a terminal, in s.
_BAR_AFTER_S = 1.0


def add_progress_options(parser: Any, always_help: str) -> None:
    """Adds the mutually exclusive ``--progress`` / ``--no-progress`` options of ``qnsim run`` and
    ``qnsim estimate`` to an argparse parser: ``args.progress`` is True (always show a bar on stderr),
    False (never) or None (the default: a bar on a terminal once the work looks longer than ~1 s).

    Args:
        parser: An ``argparse.ArgumentParser`` (or subparser).
        always_help: The ``--progress`` option's help text (what the bar shows).
    """
    bar = parser.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_const", const=True, default=None, help=always_help)
    bar.add_argument(
        "--no-progress", dest="progress", action="store_const", const=False, help="never show a progress bar"
    )


def stderr_is_tty() -> bool:
    """True when stderr is a terminal (progress bars then show by default)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def in_jupyter_kernel() -> bool:
    """True inside a Jupyter kernel (notebook, JupyterLab, VS Code, Colab): its stderr is no terminal, yet the
    kernel shows what is written there under the cell (and tqdm.auto draws a widget when ipywidgets is there)."""
    # tqdm.auto's own test for a notebook: a kernel's shell (and nothing else that imports ipykernel) loads it.
    return "ipykernel.zmqshell" in sys.modules


def bar_by_default() -> bool:
    """Whether progress shows as a bar redrawn in place (by default once the work looks longer than ~1 s): on a
    terminal, or in a Jupyter kernel. A notebook's stderr is no terminal, so a long ``run()`` there showed nothing by
    default. Elsewhere progress is written as plain lines (:data:`LOG_INTERVAL_S`).

    >>> bar_by_default() == (stderr_is_tty() or in_jupyter_kernel())
    True
    """
    return stderr_is_tty() or in_jupyter_kernel()


def long_after_s() -> float:
    """The wall time, in s, that work must look longer than for ``progress=None`` to show its progress: ~1 s for a
    bar on a terminal or in Jupyter, :data:`LOG_INTERVAL_S` for lines elsewhere (a short run leaves a log as it was).

    >>> long_after_s() in (1.0, LOG_INTERVAL_S)
    True
    """
    return _BAR_AFTER_S if bar_by_default() else LOG_INTERVAL_S


class _Lines:
    """A text stream for tqdm that writes each redraw as a line of its own: tqdm ends none of its redraws with a line
    end (it starts each with a carriage return), so a log file held one line of every redraw joined together."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        for piece in text.split("\r"):
            piece = piece.strip("\n").rstrip()
            if piece:
                self._stream.write(piece + "\n")
        return len(text)

    def flush(self) -> None:
        self._stream.flush()


def open_bar(*, leave: bool = False, bar_format: str | None = None, **kwargs: Any) -> Any:
    """A tqdm progress bar on stderr: on a terminal tqdm's text bar, in a Jupyter kernel tqdm.auto's widget when
    ipywidgets is installed (else the text bar, which a kernel shows too; tqdm.auto would add an "IProgress not
    found" warning to the cell); on any other stderr plain lines, at most one every :data:`LOG_INTERVAL_S` s and one
    at the end (``leave`` is then True: the last line says where the work ended). Show it with :func:`show`.

    Args:
        leave: Keep the bar on a terminal when it closes.
        bar_format: tqdm's ``bar_format``; on a stderr that is no terminal its ``{bar}`` is left out.
        **kwargs: tqdm's other arguments (total, desc, unit, ...).

    Returns:
        The tqdm bar.
    """
    import importlib.util
    import shutil

    from qnsim.argument_checks import flag

    leave = flag("leave", leave)
    if bar_format is not None and not isinstance(bar_format, str):
        raise TypeError(f"bar_format must be None or tqdm's format text, got {written(bar_format)}")
    if not bar_by_default():
        from tqdm import tqdm

        line = (bar_format.replace("{l_bar}{bar}|", "{l_bar}") if bar_format is not None
                else "{l_bar} {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]")  # fmt: skip
        bar = tqdm(file=_Lines(sys.stderr), leave=True, mininterval=LOG_INTERVAL_S, miniters=0, ascii=True,
                   ncols=200, bar_format=line, **kwargs)  # fmt: skip
        bar.qnsim_lines = True
        return bar
    if bar_format is not None:
        kwargs["bar_format"] = bar_format
    if in_jupyter_kernel():
        if importlib.util.find_spec("ipywidgets") is not None:
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm

        # The kernel has no terminal size: a width of 100 drew the widget 100 pixels wide.
        return tqdm(file=sys.stderr, leave=leave, **kwargs)

    from tqdm import tqdm

    # A pseudo-terminal may report a 0 x 0 size, which makes tqdm hide the bar.
    sized = shutil.get_terminal_size((0, 0)).columns > 0
    return tqdm(file=sys.stderr, leave=leave, dynamic_ncols=sized, ncols=None if sized else 100,
                nrows=None if sized else 24, **kwargs)  # fmt: skip


def show(bar: Any) -> None:
    """Shows ``bar`` as it now is: redrawn on a terminal; as a line only when :data:`LOG_INTERVAL_S` s have passed
    since the last (tqdm's ``mininterval``) on any other stderr, where a redraw is a line kept in the log."""
    if getattr(bar, "qnsim_lines", False):
        bar.update(0)
    else:
        bar.refresh()


class NativeBar:
    """A ``progress(done, total)`` callback for a native count that drives a tqdm bar on stderr.

    A count may run in phases, each reporting from ``done = 0`` again with its own total (0: not
    known ahead); each phase takes the next of ``phases`` as the bar's label. The bar shows at once
    with ``always``, else once a phase looks longer than ~1 s (or has run 1 s with no total); on a stderr that is
    no terminal, as lines (:func:`open_bar`), once it looks longer than :data:`LOG_INTERVAL_S`.

    >>> bar = NativeBar(False, ("counting",), "B")
    >>> bar(0, 100); bar(50, 100); bar(100, 100); bar.close()
    >>> bar.calls
    3
    """

    def __init__(self, always: bool, phases: Sequence[str], unit: str) -> None:
        self._always, self._phases, self._unit = always, list(phases) or [""], unit
        self._phase, self._last, self._total = -1, -1, -1
        self._bar: Any = None
        self._t0 = time.perf_counter()
        self.calls = 0

    def __call__(self, done: int, total: int) -> None:
        self.calls += 1
        now = time.perf_counter()
        # The end of a phase without a total reports (done, done): the same phase, now with a total.
        closing = self._total == 0 and total == done >= self._last
        if self._phase < 0 or (not closing and (done < self._last or total != self._total)):
            self._phase += 1
            self._t0 = now
            if self._bar is not None:
                self._bar.reset(total=total or None)
                self._bar.set_description_str(self._label(), refresh=False)
        self._last, self._total = done, total
        if closing and self._bar is not None:
            self._bar.total = total
        if self._bar is None:
            elapsed = now - self._t0
            after = long_after_s()
            long = (total and 0 < done < total and elapsed * total / done > after) or (not total and elapsed > after)
            if self._always or long:
                self._bar = open_bar(total=total or None, desc=self._label(), unit=self._unit, unit_scale=True,
                                     unit_divisor=1024 if self._unit == "B" else 1000)  # fmt: skip
        if self._bar is not None:
            self._bar.n = done
            show(self._bar)

    def _label(self) -> str:
        return self._phases[min(self._phase, len(self._phases) - 1)]

    def close(self) -> None:
        """Closes the bar (if it showed)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def check_progress(progress: Any) -> Any:
    """Checks a ``progress`` argument: True, False, None or a callable(done, total).

    >>> check_progress(None) is None
    True
    """
    if progress is None or isinstance(progress, bool):
        return progress
    if callable(progress):
        try:
            signature = inspect.signature(progress)
        except (TypeError, ValueError):  # a builtin without one (print): called as given
            return progress
        try:
            signature.bind(0, 0)
        except TypeError:
            # Refused before the work starts: a callable that cannot take (done, total) was called by the first
            # report, deep in a native count, and raised "<lambda>() takes 0 positional arguments but 2 were given".
            raise TypeError(
                f"progress must be True, False, None or a callable(done, total) taking two counts, got "
                f"{written(progress)}, which takes {signature}"
            ) from None
        return progress
    if isinstance(progress, np.bool_):  # a flag everywhere else (argument_checks.flag): read as one here too
        return bool(progress)
    raise TypeError(f"progress must be True, False, None or a callable(done, total), got {written(progress)}")


@contextmanager
def native_progress(progress: Any, phases: Sequence[str], unit: str) -> Iterator[Callable[[int, int], None] | None]:
    """The callback to hand a native count for a ``progress`` argument: True (always a bar), False
    (never), None (a bar on a terminal or in Jupyter when the work looks longer than ~1 s) or a
    callable(done, total); on a stderr that is no terminal, plain lines instead of a bar, by default
    once the work looks longer than :data:`LOG_INTERVAL_S` (:func:`open_bar`). Yields the user's
    callable itself, a :class:`NativeBar` (closed on exit) or None (``progress=False``; Ctrl-C still
    stops the count, the native side checks for it either way).

    >>> with native_progress(False, ("counting",), "B") as report:
    ...     report is None
    True
    """
    progress = check_progress(progress)
    if progress is not None and not isinstance(progress, bool):
        yield progress
        return
    if progress is False:
        yield None
        return
    bar = NativeBar(progress is True, phases, unit)
    try:
        yield bar
    finally:
        bar.close()


#: Wall time a chunk of a run with a bar aims at, in s: the bar moves about this often.
_CHUNK_WALL_S = 0.1
#: The same for progress written as lines (one at most every LOG_INTERVAL_S): no chunk cap of 1/200 of the run, whose
#: 200 native calls a bar needs to move smoothly and a log does not (they cost a short run ~0.6 ms, ~35%, by default
#: on a stderr that is no terminal, where such a run had been one native call).
_LINE_CHUNK_WALL_S = 1.0


def run_with_bar(
    native: Any, until_ps: int, always: bool, pairs: Callable[[], int], asked: int | None = None
) -> None:
    """Runs in chunks of simulated time with a tqdm bar (shown at once, or when the run looks
    longer than ~1 s; on a stderr that is no terminal plain lines, when it looks longer than
    :data:`LOG_INTERVAL_S`: :func:`open_bar`); only the last chunk hands kept pairs over, so chunks
    change nothing.

    A chunk's length follows the wall time the last one took (aiming at ~0.1 s, at most 1/200 of the
    run), from 2^-20 of the run: with 1/200 chunks from the start, a run whose work lies in its first
    1/200 (a request that needs its first pairs only, a Python protocol's slow start) ran that whole
    work in one chunk, the bar still or not shown at all.

    ``pairs()`` counts the pairs delivered so far; ``asked`` is the pairs the requests ask for when every
    one has a ``num_pairs`` (the bar then shows "1/3 pairs": its time estimate runs on simulated time,
    which a run's served requests leave long before ``until_s``)."""
    start_ps = native.now_ps
    span = until_ps - start_ps
    if span <= 0:
        native.run(until_ps)
        return
    lines = not bar_by_default()
    largest = span if lines else max(1, -(-span // 200))
    chunk_wall_s = _LINE_CHUNK_WALL_S if lines else _CHUNK_WALL_S
    step = max(1, span >> 20)
    bar, t0, target = None, time.perf_counter(), start_ps
    after = long_after_s()
    try:
        while target < until_ps:
            target = min(until_ps, target + step)
            chunk_t0 = time.perf_counter()
            native.run(target, hand_over=target == until_ps)
            now = time.perf_counter()
            # Grow (at most x2) or shrink a chunk by the wall time the last one took.
            scale = min(2.0, max(0.25, chunk_wall_s / max(now - chunk_t0, 1e-9)))
            step = min(largest, max(1, int(step * scale)))
            done = (target - start_ps) / span
            elapsed = now - t0
            # Not from the first tiny chunks alone (their fixed cost would promise a long run): after 0.2 s.
            if bar is None and (always or (done < 1 and elapsed >= 0.2 and elapsed / done > after)):
                bar = open_bar(total=round(span / 1e12, 12), initial=round((target - start_ps) / 1e12, 12),
                               unit="sim s", bar_format=_BAR_FORMAT)  # fmt: skip
            if bar is not None:
                bar.n = round((native.now_ps - start_ps) / 1e12, 12)
                bar.set_postfix_str(f"{pairs()}{'' if asked is None else f'/{asked}'} pairs", refresh=False)
                show(bar)
    finally:
        if bar is not None:
            bar.close()
