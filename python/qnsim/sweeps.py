"""Parameter sweeps: the cross product of a grid and seeds, on a process pool or on Dask.

A sweep runs one *point function* per point. A point is one combination of the grid's values
plus one seed; the point function receives ``(params, seed)`` and returns one flat row of
results (``{"rate_hz": 12.5, "mean_fidelity": 0.91}``). Its randomness must come only from that
seed, so a point gives the same row on any backend, in any order, on any machine. (Points that
share a seed and differ in their parameters therefore share their random stream: common random
numbers, which make differences between parameter values less noisy.)

The scenario is either such a function (a module-level function, so that worker processes can
unpickle it) or the path of a scenario TOML file. For a file, each grid key is a dotted path into
the parsed TOML (``"links.0.length_km"``, ``"links.*.length_km"`` for every entry of a list,
``"run.until_s"``); see :func:`apply_overrides`. The file is read once, on the calling machine,
and the parsed data travels with each task, so workers need no shared file system.
Each point's seed replaces the file's ``run.seed``; without ``seeds``, the file's own seed is the one seed
(seed 0 for a file without one and for a point function), and seeds that leave it out are said once
(:func:`sweep_seeds`).

Results stream to ``out`` while the sweep runs (on Dask, a task's rows arrive when the whole task ends: tasks start
with one point each and then hold as many as ran in about ``DASK_TASK_S``, 2 s, and a task starts no point after
that long, so a kill loses about that much work per running task, plus one point), and an interrupted sweep resumes
from it:

* ``*.csv``: one line per finished point, written by a single ``write`` of the whole line on a
  file opened for appending, then ``fsync``. A kill can at worst leave a partial last line, which
  has no line terminator; it is detected and cut off on resume. Text results must therefore not
  contain line breaks (checked). A cell has no type, so every value must read back as itself:
  text that would read back as a number, a bool or None ("007", "1e3", "True", "") is refused,
  in results and in grid values (a Parquet out keeps such text).
* ``*.parquet``: a directory of part files (readable as one table with ``pandas.read_parquet``).
  Rows are buffered (up to 64 rows or 2 s) and each flush writes a new part to a temporary name,
  fsyncs it, then renames it into place, so a part is either complete or absent. A kill loses at
  most the buffered rows, which the resumed sweep recomputes. A column has one type, so every
  point must return the same columns with the same types (an int among floats would come back
  as a float): a part that would not read back as its rows is refused, and so is a type that
  differs from the earlier parts'. All parts share one schema, so the directory reads as one
  table: a column that was None in every row so far takes the type a later row gives it (the
  earlier parts are rewritten, each to a temporary name and renamed).

Rows are written in the order their points finish, which changes from run to run with several workers, on Dask
and after a resume. A sweep that finishes puts them in point order (:func:`read_results`' order), each point's
row once (a copy, made by hand or by two sweeps appending side by side, is left out), so that
``pandas.read_csv`` / ``read_parquet`` and a spreadsheet read them as :func:`sweep` returned them: a CSV is
written whole to a temporary file beside it and renamed over it (a kill leaves it as it was or in order; the
lock goes with it; a file with other names, hard links, is left in finish order, with a warning: a rename would
part it from them), a Parquet directory's parts are joined into one part, in order, which replaces them: while it does, a file
named ``rows-being-put-in-order--read-again-once-this-file-is-gone`` in the directory (not Parquet) makes a reader of
the directory as it is fail, naming it, rather than read the new part beside the parts it replaces (every row
twice); a kill in between leaves parts that every qnsim reader skips and the next sweep deletes. A part's name is
a digest of the points it holds, in order: two runs of one sweep leave one directory. This is done before the
state says "finished": a sweep killed meanwhile is resumed (it runs no point) and puts them in order then. A
failure (a full disk) is logged and leaves the rows as they were.

Beside its rows, a sweep writes its state (``r.csv.sweep.json`` beside a CSV, ``_sweep.json`` in a
Parquet directory): its grid, its seeds and whether it finished, one record per sweep that wrote the
file, so that a file read later (by :func:`sweep_status`, :func:`qnsim.plot.summarize`, ``qnsim plot``)
does not pass for a whole sweep when one of them was killed, stopped by a failing point or is still
being written. The records are checked against the rows: a CSV copied without its state, or replaced
under a state that is not its own, says so too. A CSV's record holds the header its sweep wrote: a header edited
by hand (a column removed, two names swapped, one renamed) is refused by a resume and named by :func:`sweep_status`,
since its rows would no longer be read as they were written. Each record carries a ``digest`` of itself: a record
edited by hand (a stopped sweep's state made "finished", its grid or columns changed) is refused by a resume and named
by :func:`sweep_status` (and so by the plots' status remark), rather than read as its sweep wrote it; a record of an
older qnsim, without one, is read as it is.

One sweep writes an ``out`` at a time: it holds an exclusive lock on the CSV file (on a ``.lock``
file in a Parquet directory) from start to end, the kernel drops it when the sweep dies, and a
second sweep started on the same ``out`` meanwhile is refused. Where the file system has no locks
(Lustre, an NFS mount without them, Windows), a ``.holder`` file beside the lock names the machine,
process and its start instead: a sweep killed on this machine leaves it to be taken over (so does
one killed while it took a holder over: see :func:`_hold_out`); one killed on another machine is
taken over with ``take_over=True`` (``--take-over``), refused while the sweep there recorded itself
alive in its holder (touched every ``HEARTBEAT_S``) within ``HEARTBEAT_STALE_S``. An ``out`` that is
a symbolic link is the file (or directory) it leads to: its state and holder are named after that
file, so a sweep on the link and one on the file meet one lock and one state (a link to a name of
another suffix, or a loop of links, is refused). A hard link is another name of the same file: a
name without a state of its own reads and writes the state of another name of the file in its
directory, and, where there are no locks, a sweep on one name is refused while a sweep holds another
name of the file there. A file with a name in another directory is refused (by count: the kernel
keeps no list of a file's names, and a state or holder beside such a name would not be seen), and
:func:`sweep_status` says so.

A lock is one machine's: where each machine's locks are its own (an NFS mount with local locks,
which no call can tell from shared ones), a sweep on another machine takes the lock too. So the
state of a running sweep names its machine and process as the file's owner and is touched, every
``HEARTBEAT_S`` (10 s), to record that it is alive; a sweep on another machine is refused, naming them,
until that record is ``HEARTBEAT_STALE_S`` (60 s) old, and :func:`sweep_status` there says it is still
running. Ages are read on the file system's one clock (a record's modification time against that of a
file created beside it now), not by comparing two machines' clocks. Two sweeps started on two machines
within the same moment both find no record and are not stopped: the record is a check, not a lock.
A sweep stopped (Ctrl-Z) or on a paused machine records nothing meanwhile and, after
``HEARTBEAT_STALE_S``, looks dead to other machines, which may take its out over; on its return it
checks, before each row and every ``HEARTBEAT_S`` while its points run, that it still owns the out, and if
not ends the points it runs (a local pool's workers; on Dask, its tasks, cancelled: the cluster's workers stay) and
stops with :class:`SweepTakenOver`, writing no more rows and no state.

One race is left: a sweep stopped between that check and its row's write (microseconds), taken over, and
continued writes that one row after the other sweep took the out over, and the point is then in the file
twice (two identical rows of a point are read as one, see :func:`read_results`; a point function that is
not a function of its seed gives two that differ, which the readers refuse). No per-row marker closes it
on the file systems without shared locks: a marker made with ``O_EXCL`` before the write only moves the
pause to between the marker and the row (the taker then skips a point whose row never comes: lost, not
doubled), and a rename fences only writes made by name, while a CSV row is appended and a Parquet part
renamed into a directory that a taker would have to replace, breaking the out's other names. Closing it
needs a lock that the writer holds across the write, which these file systems do not give.

Every row carries a ``point_id``: the first 20 hex digits of the SHA-1 of the canonical JSON of
``{"params": ..., "seed": ...}`` (see :func:`point_id`). On start, the ids already in ``out`` are
skipped. Rows of ``out`` that belong to other points are left in the file and not returned. Every reader of a
result file (a resume, :func:`read_results`, the plots) refuses, naming its line or part, a row (with a
``scenario_id``) whose ``point_id`` is not the id of its own cells: a row edited, or another sweep's read under
this file's header (two files joined by hand whose columns differ).

Every row also carries, just before its ``point_id``, a ``row_digest``: a digest of its results and its point_id as
written (the SHA-256 of those cells that hold a value, and one byte of a digest of each: :func:`_row_digest`; its
grid cells, seed and scenario_id are checked by its point_id, and the point_id binds the results to their point). A
cell edited by hand afterwards (a fidelity changed from 0.91 to 0.99, a count, a cell emptied) is refused by every
reader (a resume before any point runs, :func:`read_results`, :func:`qnsim.plot.summarize`, ``qnsim plot``), naming
the file, the line or part, the row's point and the column that changed: restore the cell, or delete the row and
resume, which runs its point again. The readers check the digest and leave it out of the rows they return;
``pandas.read_csv`` / ``read_parquet`` of the file read it as one more text column, which no mean or plot takes
(drop it with ``.drop(columns="row_digest")``). A file written by a qnsim before rows carried a digest still resumes
and reads, with a remark (logged on ``qnsim.sweep``, and in a frame's ``attrs["notes"]``) that its rows could not be
checked; the rows a resume appends to such a CSV carry none either (its header has no column for it), while a
Parquet out's new parts carry them. A digest shows an edit, not a forgery: it has no key, and one who rewrites the
digest too is not stopped.

Failures: an exception raised by the point function (or its ``sys.exit()``) stops the sweep with :class:`SweepError`
naming the point (rows already finished stay in ``out``, those of points that finished while it
stopped too, on either backend; run the same sweep again to resume). A Ctrl-C keeps them as well, and so
does a SIGTERM or a SIGHUP of the ``qnsim`` commands (see :func:`qnsim.cli.sigterm_stops`). Whatever stops a sweep, the
exception's note says how many points ``out`` holds, a row cut short (a full disk) is cut off, and a point
finished meanwhile is written once.
A worker process that dies (killed, out of memory, ``os._exit``) breaks the local pool: the rows
that finished are kept, a fresh pool is started for the unfinished points, up to ``retries``
times, after which :class:`SweepError` is raised. On Dask, the scheduler reschedules tasks of a
lost worker itself (``distributed.scheduler.allowed-failures``); when it gives up, the sweep
raises :class:`SweepError`.

>>> rows = sweep(example_point, {"length_km": [10.0, 20.0]}, seeds=2, workers=1, progress=False,
...              as_frame=False)
>>> [(r["length_km"], r["seed"]) for r in rows]
[(10.0, 0), (10.0, 1), (20.0, 0), (20.0, 1)]
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import csv
import difflib
import errno
import glob
import hashlib
import io
import itertools
import json
import logging
import math
import multiprocessing
import numbers
import operator
import os
import pickle
import re
import socket
import sys
import threading
import time
import types
import typing
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from stat import S_IMODE
from typing import Any, Literal, Union

import numpy as np

from qnsim._core import QnsimError
from qnsim._exception_notes import add_note
from qnsim._row_notes import drop_notes, join_notes, split_notes
from qnsim.argument_checks import (
    ReadOnlyDict,
    counted,
    file_path,
    flag,
    float_literal,
    is_integer,
    label,
    naming_file,
    readable_file,
    real_number,
    shown,
    unknown_keys,
    written,
)
from qnsim.seed_batch import repeated_seed
from qnsim.specs import check_seed

__all__ = [
    "GridKeyError",
    "Point",
    "SweepError",
    "SweepTakenOver",
    "TomlScenario",
    "apply_overrides",
    "blank_cells",
    "code_id",
    "die_with_parent",
    "example_point",
    "grid_axes",
    "grid_columns",
    "grid_points",
    "join_notes",
    "not_measured_cells",
    "point_id",
    "read_results",
    "scenario_id",
    "split_notes",
    "sweep",
    "sweep_seeds",
    "sweep_status",
]

_log = logging.getLogger("qnsim.sweep")

Scalar = Union[bool, int, float, str]
PointFunction = Callable[[dict, int], Mapping[str, Any]]

#: Columns that every row carries besides the grid's keys and the point function's results.
SEED_COLUMN = "seed"
ID_COLUMN = "point_id"
SCENARIO_COLUMN = "scenario_id"
#: The last column of a row in a result file: a digest of the row's cells as written (see :func:`_row_digest`), so
#: that a cell edited by hand afterwards is refused by every reader instead of read (or resumed) as computed.
DIGEST_COLUMN = "row_digest"
_RESERVED = (SEED_COLUMN, ID_COLUMN, SCENARIO_COLUMN, DIGEST_COLUMN)
#: The columns a CSV cell of is read as text whatever it looks like (hex digits may all be decimal ones).
_TEXT_COLUMNS = (ID_COLUMN, SCENARIO_COLUMN, DIGEST_COLUMN)
_BACKENDS = ("local", "dask")


#: Most worker processes (or Dask workers) a sweep starts, as Network.run_seeds caps its threads.
MAX_WORKERS = 4096

#: Most restarts of a local pool whose worker died (``retries``): a point that kills its worker every time
#: ends the sweep after this many.
MAX_RETRIES = 100


class SweepError(QnsimError, RuntimeError):
    """A sweep stopped: a point function raised, or workers kept dying.

    Rows that finished before the failure are in ``out``; run the same sweep again to resume.

    Example:
        >>> issubclass(SweepError, RuntimeError)
        True
    """


# --- points ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One point of a sweep: a combination of grid values and a seed.

    Attributes:
        index: Position in the sweep's order (grid keys vary slowest-first, seeds fastest).
        params: Grid key -> value (read-only: :attr:`id` is made from them).
        seed: The seed handed to the point function.
        id: Stable identifier, :func:`point_id` of ``params``, ``seed`` and ``scenario``.
        scenario: The :func:`scenario_id` of what the sweep runs ("" when none was given).

    Example:
        >>> p = grid_points({"length_km": [5.0]}, seeds=[7])[0]
        >>> p.params, p.seed, p.id == point_id({"length_km": 5.0}, 7)
        ({'length_km': 5.0}, 7, True)
    """

    index: int
    params: dict
    seed: int
    id: str
    scenario: str = ""


def point_id(params: Mapping[str, Scalar], seed: int, scenario: str = "") -> str:
    """Stable id of a point: 20 hex digits of the SHA-1 of its canonical JSON.

    With ``scenario`` (a :func:`scenario_id`), the id also depends on what the sweep runs, so
    the same parameters of an edited scenario are another point.

    The JSON has sorted keys and no spaces, so the id does not depend on the order of the grid's
    keys, on the Python version or on the machine. ``10`` and ``10.0`` are different values (and
    different points), as they are in the results.

    Args:
        params: Grid key -> value (bool, int, float or str).
        seed: The point's seed.
        scenario: The sweep's :func:`scenario_id`, or "".

    Returns:
        A 20-character lowercase hex string.

    Example:
        >>> point_id({"length_km": 10.0}, 0)
        '331a648c7ec226f3c53b'
        >>> point_id({"a": 1, "b": 2}, 3) == point_id({"b": 2, "a": 1}, 3)
        True
    """
    if not isinstance(params, Mapping):  # None raised "'NoneType' object is not iterable"
        raise TypeError(f"params must be a mapping of grid key -> value, got {written(params)}")
    # int() made seed 0.5 the point of seed 0 and '3' the point of seed 3.
    content: dict[str, Any] = {"params": dict(params), "seed": check_seed("seed", seed)}
    if scenario:
        content["scenario"] = scenario
    try:
        text = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        raise ValueError(
            "point parameters must be bools, ints, finite floats or strings, got "
            f"{written(params)}"
        ) from None
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


class GridKeyError(ValueError):
    """A refusal of a grid key or of its values, which carries the keys it is about (``keys``), so that a caller that
    took the grid from elsewhere names it as the user gave it: ``qnsim sweep --param run.until_s=-1`` said "grid
    value run.until_s = -1: ...", naming no option the user typed. The message is the one a Python caller reads.

    Example:
        >>> try:
        ...     grid_axes({"x": [1.0, float("nan")]})
        ... except GridKeyError as exc:
        ...     exc.keys
        ('x',)
    """

    def __init__(self, message: str, keys: Sequence[str]) -> None:
        super().__init__(message)
        self.keys = tuple(keys)


@contextlib.contextmanager
def _about_grid_keys(keys: Sequence[str]) -> typing.Iterator[None]:
    """A ValueError raised inside (that is not a GridKeyError already) as a :class:`GridKeyError` about ``keys``."""
    try:
        yield
    except GridKeyError:
        raise
    except ValueError as exc:
        error = GridKeyError(str(exc), keys)
        error.__cause__, error.__suppress_context__ = exc.__cause__, True
        raise error from None


def grid_axes(grid: Mapping[str, Sequence[Any]]) -> list[tuple[list[str], list[tuple[Scalar, ...]]]]:
    """The axes of a grid: each as (keys, list of value tuples), checked.

    A plain key is an axis of one key. A key that lists several keys separated by commas is
    one axis of *linked* parameters, which vary together: its values are tuples with one
    entry per key (``{"links.*.channels,requests.0.purification_rounds": [(2, 1), (4, 2)]}``
    runs channels 2 with 1 round and channels 4 with 2 rounds, not all four combinations).

    Raises:
        ValueError: On an empty value list, a duplicate value, a value that is not a scalar, a
            linked value of the wrong length, or a key given twice; the message names the key.

    Example:
        >>> grid_axes({"a,b": [(1, 2), (3, 4)], "c": [5]})
        [(['a', 'b'], [(1, 2), (3, 4)]), (['c'], [(5,)])]
        >>> grid_axes({"a,b": [(1, 2), (3,)]})
        Traceback (most recent call last):
        ...
        qnsim.sweeps.GridKeyError: grid['a,b'] links 2 keys, so each value needs 2 entries, got (3,)
    """
    if not isinstance(grid, Mapping):
        raise ValueError(f"grid must be a dict of key -> list of values, got {type(grid).__name__}")
    axes = []
    seen_keys: set[str] = set()
    for key, raw in grid.items():
        with _about_grid_keys([key if isinstance(key, str) else written(key)]):  # (str() of 10**5000 raises)
            axes.append(_grid_axis(key, raw, seen_keys))
    return axes


def _grid_axis(key: Any, raw: Any, seen_keys: set[str]) -> tuple[list[str], list[tuple[Scalar, ...]]]:
    """One axis of :func:`grid_axes`: its keys and its values, checked."""
    if not isinstance(key, str) or not key or "\n" in key or "\r" in key:
        # A key with a line break became a results column whose CSV header spans two lines.
        raise ValueError(f"grid keys must be non-empty strings without line breaks, got {written(key)}")
    keys = [k.strip() for k in key.split(",")]
    if any(not k for k in keys):
        raise ValueError(f"grid key {written(key)} has an empty part; separate linked keys with single commas")
    for k in keys:
        if k in _RESERVED:
            raise ValueError(f"grid key {written(k)} is reserved for the sweep's own column; rename it")
        if k in seen_keys:
            raise ValueError(f"grid key {written(k)} appears in two axes; give each key once")
        seen_keys.add(k)
    # An ordered collection only: a set ran its points in hash order (text differs from run to run),
    # a dict by its keys, and a generator was spent by the first of the grid's readings.
    ordered = isinstance(raw, (list, tuple, range)) or (isinstance(raw, np.ndarray) and raw.ndim == 1)
    if not ordered:
        raise ValueError(f"grid[{written(key)}] must be a list of values, got {written(raw):.80}")
    if len(raw) > MAX_POINTS:  # range(10**9) was listed (minutes, gigabytes) before the count was checked
        raise ValueError(
            f"grid[{written(key)}] has {len(raw):,} values, more than the {MAX_POINTS:,} points a "
            "sweep holds"
        )
    vals: list[tuple[Scalar, ...]] = []
    for v in raw:
        if len(keys) == 1:
            vals.append((_scalar(f"grid[{written(key)}]", v),))
            continue
        if isinstance(v, (str, bytes)) or not isinstance(v, Sequence) or len(v) != len(keys):
            raise ValueError(
                f"grid[{written(key)}] links {len(keys)} keys, so each value needs {len(keys)} entries, got "
                f"{written(v)}"
            )
        vals.append(tuple(_scalar(f"grid[{written(k)}]", item) for k, item in zip(keys, v)))
    if not vals:
        raise ValueError(f"grid[{written(key)}] is empty: give at least one value")
    seen = set()
    for v in vals:
        # 1 and 1.0 are one value of a number (two points of one value ran it twice, and a mean over
        # seeds counted both); True is not 1, and "1" is text.
        marker = tuple(("number" if type(item) in (int, float) else type(item).__name__, item) for item in v)
        if marker in seen:
            shown = v[0] if len(v) == 1 else v
            raise ValueError(f"grid[{written(key)}] lists the value {written(shown)} twice; give each value once")
        seen.add(marker)
    return keys, vals


def grid_columns(grid: Mapping[str, Sequence[Any]]) -> list[str]:
    """The parameter columns of a grid's rows: every key, linked keys one column each.

    Example:
        >>> grid_columns({"links.*.channels,requests.0.purification_rounds": [(2, 1)], "run.until_s": [1.0]})
        ['links.*.channels', 'requests.0.purification_rounds', 'run.until_s']
    """
    return [k for keys, _ in grid_axes(grid) for k in keys]


def grid_points(
    grid: Mapping[str, Sequence[Any]], seeds: int | Sequence[int] = 1, scenario: str = ""
) -> list[Point]:
    """The points of a sweep: the cross product of the grid's axes, times the seeds.

    Order: the first grid key varies slowest, the seeds fastest (``itertools.product`` order).
    Linked keys (``"k1,k2": [(v1, v2), ...]``, see :func:`grid_axes`) form one axis whose values
    vary together; each still becomes its own entry of ``params``.

    Args:
        grid: Key -> non-empty list of values (bool, int, float or str; finite numbers; no line
            breaks in text), or comma-joined keys -> list of value tuples. An empty grid gives
            one point per seed with no parameters.
        seeds: A count ``n`` (seeds ``0 .. n-1``) or an explicit list of distinct ints in [0, 2^64 - 1].
        scenario: The sweep's :func:`scenario_id` (part of every point's id), or "".

    Returns:
        The points, in order.

    Raises:
        ValueError: On an empty value list, a duplicate value or seed, or a value that is not a
            scalar; the message names the key.

    Example:
        >>> [(p.params["x"], p.seed) for p in grid_points({"x": [1, 2]}, seeds=2)]
        [(1, 0), (1, 1), (2, 0), (2, 1)]
        >>> [p.params for p in grid_points({"x,y": [(1, 10), (2, 20)]})]
        [{'x': 1, 'y': 10}, {'x': 2, 'y': 20}]
        >>> grid_points({"x": []})
        Traceback (most recent call last):
        ...
        qnsim.sweeps.GridKeyError: grid['x'] is empty: give at least one value
    """
    axes = grid_axes(grid)
    seed_list = _seed_list(seeds)
    count = math.prod(len(vals) for _, vals in axes) * len(seed_list)
    if count > MAX_POINTS:
        sizes = " x ".join(str(len(vals)) for _, vals in axes) or "1"
        # With the memory the list alone would take: 10^9 points were told the limit, not that they asked for
        # some 400 GB before a point ran.
        raise ValueError(
            f"the sweep has {count:,} points ({sizes} grid values x {len(seed_list):,} seeds), more than the "
            f"{MAX_POINTS:,} a sweep holds (each point is listed, identified and resumable): listing them would "
            f"take at least {count * POINT_BYTES / 1e9:,.3g} GB of memory (about {POINT_BYTES} bytes a point); split "
            "the grid into several sweeps"
        )
    points = []
    last: Any = None
    for index, (combo, seed, identifier) in enumerate(_point_ids(axes, seed_list, scenario)):
        if combo is not last:  # a combination's seeds follow each other: its params are made once, copied per seed
            last, params = combo, {k: v for (keys, _), values in zip(axes, combo) for k, v in zip(keys, values)}
        # Read-only: a point's id is the hash of its params, which point.params["x"] = 2 changed under it.
        points.append(Point(index, ReadOnlyDict(params), seed, identifier, scenario))
    return points


def _point_ids(
    axes: list[tuple[list[str], list[tuple[Scalar, ...]]]], seed_list: list[int], scenario: str
) -> typing.Iterator[tuple[tuple[tuple[Scalar, ...], ...], int, str]]:
    """(grid values per axis, seed, :func:`point_id`) of every point of checked ``axes`` and seeds, in point order.

    The ids are :func:`point_id`'s, byte for byte, without its work per point: its canonical JSON is sorted keys
    and no spaces, so the text of a combination's params is joined from each value's JSON, made once per axis
    value, and its SHA-1 state is copied for each seed, whose text ends the JSON. Through :func:`point_id` (a seed
    checked by the spec machinery, a dict dumped, per point) grid_points of 10^5 points took 7.3 s against 1.6 s
    now, and :func:`read_results`, which lists the points of every sweep a file's state records to give the rows in
    point order, read 2 x 10^5 rows in 53 s against 27 s (medians of three, interleaved, on a loaded machine).
    """
    # Each key's JSON with each of its values' ("key":value), per axis; "params" < "scenario" < "seed" in JSON's
    # sorted order.
    order = sorted(k for keys, _ in axes for k in keys)
    encoded = [
        [{k: json.dumps(k) + ":" + json.dumps(v, allow_nan=False) for k, v in zip(keys, values)} for values in vals]
        for keys, vals in axes
    ]
    tail = (',"scenario":' + json.dumps(scenario) if scenario else "") + ',"seed":'
    seed_texts = [(seed, (str(seed) + "}").encode()) for seed in seed_list]
    for combo, parts in zip(itertools.product(*[vals for _, vals in axes]), itertools.product(*encoded)):
        cells = {k: text for part in parts for k, text in part.items()}
        head = hashlib.sha1(('{"params":{' + ",".join(cells[k] for k in order) + "}" + tail).encode("utf-8"))
        for seed, text in seed_texts:
            digest = head.copy()
            digest.update(text)
            yield combo, seed, digest.hexdigest()[:20]


#: Most points (grid combinations x seeds) a sweep lists: each is a Point with its id.
MAX_POINTS = 10**7

#: Bytes a listed point takes at least (a Point, its params dict and its id), measured with tracemalloc on a grid of
#: 10^6 points of two parameters (402 bytes a point): the floor a refused sweep's message states.
POINT_BYTES = 400


def check_workers(workers: object) -> int | None:
    """``workers`` of a sweep: an int in [1, MAX_WORKERS] or None (one per CPU). The command lines call it too, so
    that their ``--workers`` is refused under its own name before anything runs.

    Example:
        >>> check_workers(0)
        Traceback (most recent call last):
        ...
        ValueError: workers must be an int >= 1 or None, got 0
    """
    # NumPy integers are counts as everywhere else (workers=np.int64(4) was refused as "must be an int").
    if workers is not None and (not is_integer(workers) or workers < 1):  # type: ignore[operator]
        raise ValueError(f"workers must be an int >= 1 or None, got {written(workers)}")
    if workers is not None and workers > MAX_WORKERS:  # type: ignore[operator]
        # The local pool starts min(workers, points) processes: 10**6 would fork until the machine stops.
        raise ValueError(f"workers = {counted(workers)} is more than the {MAX_WORKERS:,} processes a sweep starts")
    return None if workers is None else int(workers)  # type: ignore[call-overload]


def check_take_over(take_over: object, out: object, names: tuple[str, str] = ("take_over", "out")) -> bool:
    """``take_over`` of a sweep writing to ``out`` (None: no out), as a flag. The command lines call it too, with
    their flags for ``names`` (``("--take-over", "--out")``), so that one check refuses the flag without an out.

    Example:
        >>> check_take_over(True, None)
        Traceback (most recent call last):
        ...
        ValueError: take_over takes over the out of a sweep killed on another machine; this sweep writes no out: ...
    """
    take_over = flag(names[0], take_over)
    if take_over and out is None:
        # Taken and used for nothing: there is no out for another machine's sweep to hold.
        take, out_name = names
        raise ValueError(
            f"{take} takes over the {out_name} of a sweep killed on another machine; this sweep writes no "
            f"{out_name}: leave {take} out, or name the file to take over with {out_name}"
        )
    return take_over


#: Restarts of a local pool whose worker died when ``retries`` is not given.
DEFAULT_RETRIES = 2


def check_backend_options(backend: str, workers: int | None, has_client: bool, retries: object) -> None:
    """Refuses the options a sweep on ``backend`` would ignore: ``workers`` with a Dask client (its cluster's
    workers run the points, however many there are) and ``retries`` with Dask (it restarts no pool).

    Before, both were accepted and ignored: ``workers=8`` with a client of a one-worker cluster ran on one worker,
    and ``retries=7`` on Dask changed nothing, without a word.

    Raises:
        ValueError: Naming the option, its value and what runs the points instead.
    """
    if has_client and workers is not None:
        raise ValueError(
            f"workers = {written(workers)} sizes the LocalCluster a dask sweep starts without a client; with a client "
            "the points run on its cluster's workers, however many: leave workers out (scale the cluster instead)"
        )
    if backend == "dask" and retries is not None:
        raise ValueError(
            f"retries = {written(retries)} restarts a local process pool whose worker died; a dask sweep has no "
            "such pool (Dask reschedules a lost worker's tasks itself): leave retries out, or use backend 'local'"
        )


def check_retries(retries: object) -> int:
    """``retries`` of a sweep: an int in [0, MAX_RETRIES] (see :func:`check_workers`)."""
    if not is_integer(retries) or retries < 0:  # type: ignore[operator]
        raise ValueError(f"retries must be an int >= 0, got {written(retries)}")
    if retries > MAX_RETRIES:  # type: ignore[operator]
        # A point that kills its worker every time was retried without end (retries = 10**30: a hang).
        raise ValueError(f"retries = {counted(retries)} is more than the {MAX_RETRIES} restarts of a pool a sweep makes")
    return int(retries)  # type: ignore[call-overload]


def scenario_seed(fn: Any) -> int | None:
    """The seed a scenario file sets (``[run] seed``), as ``qnsim run`` of the file runs it; None for a point
    function or a file that sets none (``qnsim run`` then draws one at random).

    Raises:
        ValueError: The file's ``run.seed`` is no seed (naming it and the file).
    """
    if not isinstance(fn, TomlScenario):
        return None
    run = fn.data.get("run")
    if not isinstance(run, Mapping) or run.get("seed") is None:
        return None
    return check_seed(f"{fn.path.name}: run.seed", run["seed"])


def sweep_seeds(fn: Any, seeds: int | Sequence[int] | None) -> tuple[int | list[int], str | None]:
    """The seeds a sweep of ``fn`` runs, and what it says once about the scenario's own seed: one rule for
    :func:`sweep` from Python, ``qnsim sweep``, a resumed sweep and every backend.

    ``seeds=None`` (``qnsim sweep`` without ``--seeds``) runs the seed a scenario file sets in ``[run] seed``, so
    its rows are those ``qnsim run`` of the file gives; seed 0 for a file that sets none and for a point function.
    Seeds given replace the file's ``run.seed`` point by point (each row says its seed); when the file sets a seed
    that is not among them, the returned note says so (:func:`sweep` puts it in the frame's ``attrs["notes"]``,
    the :class:`TomlScenario`'s ``seed_note``, the out's state file and ``qnsim sweep``'s stderr): none of the rows
    is then the run ``qnsim run`` gives.

    Args:
        fn: The resolved scenario (a :class:`TomlScenario` or a point function).
        seeds: A count ``n`` (seeds ``0 .. n-1``), a list of distinct seeds, or None.

    Returns:
        ``(seeds, note)``: the seeds as :func:`grid_points` takes them, and the note (None: nothing to say).

    Raises:
        ValueError: Bad seeds, or a file ``run.seed`` that is no seed.

    Example:
        >>> sweep_seeds(example_point, None), sweep_seeds(example_point, [3, 7])
        ((1, None), ([3, 7], None))
    """
    own = scenario_seed(fn)
    if seeds is None:
        return ([own] if own is not None else 1), None
    seed_list = _seed_list(seeds)
    if own is None or own in seed_list:
        return seeds, None
    shown_seeds = _shown_seeds(seed_list)
    # The seeds as given (a count stays a count, as the state file records it).
    return seeds, (
        # No semicolon: a list of rows from a path carries the note in each row's notes, which semicolons join.
        f"{fn.path.name} sets run.seed = {own}, which is not among the sweep's seeds ({shown_seeds}): each point ran "
        f"its own seed in its place, so no row is the run `qnsim run {fn.path.name}` gives. To run it, add {own} to "
        f"the seeds (qnsim sweep --seeds {own}, with its comma for that seed alone, or seeds=[{own}] from Python), or "
        "leave the seeds out (the file's seed is then the one seed)"
    )


def _shown_seeds(seed_list: list[int]) -> str:
    """A sweep's seeds in a note: ``0..9`` for a count, else the list (its first and last few when long)."""
    if seed_list == list(range(len(seed_list))) and len(seed_list) > 2:
        return f"{seed_list[0]}..{seed_list[-1]}"
    if len(seed_list) > 8:
        return ", ".join(map(str, seed_list[:4])) + ", ..., " + ", ".join(map(str, seed_list[-2:]))
    return ", ".join(map(str, seed_list))


def _seed_list(seeds: int | Sequence[int]) -> list[int]:
    if isinstance(seeds, bool):
        raise ValueError(f"seeds must be a count or a list of ints, got {written(seeds)}")
    if isinstance(seeds, numbers.Integral):
        if seeds < 1:
            raise ValueError(f"seeds must be >= 1 (a count) or a list of seeds, got {shown(seeds)}")
        if seeds > MAX_POINTS:  # before list(range(seeds)): 10**12 was a MemoryError with no message
            raise ValueError(f"seeds = {counted(seeds)} is more than the {MAX_POINTS:,} points a sweep holds")
        return list(range(int(seeds)))
    if not (isinstance(seeds, (list, tuple, range)) or (isinstance(seeds, np.ndarray) and seeds.ndim == 1)):
        # As grid values: a set ran in no fixed order, a generator was spent by its first reading.
        raise ValueError(f"seeds must be a count or a list of ints, got {written(seeds):.80}")
    # The one seed spec (qnsim.specs.check_seed): seeds from 2**63 on were refused here alone, where Network,
    # run_seeds and qnsim run --seed take them up to 2**64 - 1.
    out = [check_seed(f"seeds[{i}]", s) for i, s in enumerate(seeds)]
    if not out:
        raise ValueError("seeds is an empty list: give at least one seed")
    twice = repeated_seed(out, "a sweep")
    if twice:
        raise ValueError(twice)
    return out


def _scalar(where: str, value: Any) -> Scalar:
    """Validates a grid value or a result cell; numpy scalars become Python ones."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        given, value = value, float(value)
        if where.startswith("grid"):
            if (value == 0.0 and given != 0) or (math.isinf(value) and given != value):
                # A number of a wider type (np.longdouble("1e-400"), "1e4000") became 0.0 or inf: the point ran
                # with 0 without a word, or was refused as "got inf", a value never given.
                raise ValueError(
                    f"{where} value {shown(given)} is beyond the range of a float (4.9e-324 to 1.8e308 in size)"
                )
            if not math.isfinite(value):
                raise ValueError(f"{where} values must be finite numbers, got {written(value)}")
            # -0.0 is 0.0, as every number argument reads it (argument_checks.real_number): the point was labelled
            # "-0.0" in its column and rows, a value the run never used (`--param x=-0.0`, grid {"x": [-0.0]}).
            value += 0.0
        return value
    if isinstance(value, str):
        if isinstance(value, np.str_):
            # NumPy's text scalar (a grid from np.array(["dejmps", "bbpssw"])) as its numbers: a CSV out refused it
            # as "would read back as str" and a Parquet out as another type, while np.int64 became an int.
            value = value.item()
        if "\n" in value or "\r" in value:
            raise ValueError(f"{where}: text values must not contain line breaks, got {written(value)}")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            # A lone surrogate (text decoded with errors="surrogateescape", a Windows path) failed at the write
            # with the codec's error, naming no cell; a Parquet out lost the rows buffered with it.
            raise ValueError(
                f"{where}: text values must be valid Unicode (the out is UTF-8), got {written(value)} ({exc.reason} at "
                f"character {exc.start})"
            ) from None
        return value
    # numpy's bool is neither Integral nor Real. (Known by its type, not its name: numpy 2 names it "bool", and its
    # True was refused as "got bool np.True_", where numpy 1 wrote True.)
    if isinstance(value, np.bool_):
        return bool(value)
    raise ValueError(f"{where} values must be bool, int, float or str, got {type(value).__name__} {written(value)}")


# --- scenario TOML overrides -----------------------------------------------------------------------


def apply_overrides(data: Mapping[str, Any], overrides: Mapping[str, Scalar]) -> dict:
    """A copy of parsed scenario data with dotted-key overrides applied.

    A key is a dotted path: table keys by name; list entries by index (``links.0.length_km``)
    or by name: a node or request by its ``name`` (``nodes.qpu_a.t2_s``,
    ``requests.uplink.cutoff_s``), a link by its ends (``links.a-b.length_km``, either order), a
    request also by ``src->dst`` (``requests.a->b.num_pairs``); and ``*`` for every entry of a
    list or every value of a table (``links.*.length_km``). A number is an index, unless no entry has that index and
    one is named so; a number that is one entry's index and another's name (nodes named "1", "0" in that order) is
    refused. The
    path must exist in the data, or name a field of the ``[run]`` table or of a node, link or
    request spec that the file leaves at its default (``nodes.m.t2_s`` for a node built from a
    preset): a typo is an error with a did-you-mean, not a new setting. A number may
    replace a number (int or float), a bool a bool, text text; tables and lists cannot be
    replaced.

    Args:
        data: Parsed TOML (not modified).
        overrides: Dotted key -> new value.

    Returns:
        A deep copy of ``data`` with the overrides applied, in order.

    Raises:
        ValueError: On an unknown key (naming it and suggesting close matches), an index out of
            range, a wildcard that matches nothing, a value of the wrong type, or two keys that
            set one setting (``links.0.length_km`` and ``links.*.length_km``).

    Example:
        >>> data = {"links": [{"length_km": 10.0}, {"length_km": 20.0}], "run": {"until_s": 1.0}}
        >>> apply_overrides(data, {"links.*.length_km": 5.0, "run.until_s": 0.5})
        {'links': [{'length_km': 5.0}, {'length_km': 5.0}], 'run': {'until_s': 0.5}}
        >>> apply_overrides(data, {"links.0.lenght_km": 5.0})
        Traceback (most recent call last):
        ...
        qnsim.sweeps.GridKeyError: unknown scenario key 'links.0.lenght_km': links.0 has no key 'lenght_km'; did you mean ...?
        >>> nodes = {"nodes": [{"name": "qpu_a", "t2_s": 1.0}], "links": [{"a": "qpu_a", "b": "m", "length_km": 1.0}]}
        >>> apply_overrides(nodes, {"nodes.qpu_a.t2_s": 0.5, "links.m-qpu_a.length_km": 2.0})["nodes"]
        [{'name': 'qpu_a', 't2_s': 0.5}]
        >>> apply_overrides(nodes, {"nodes.qpu_b.t2_s": 0.5})
        Traceback (most recent call last):
        ...
        qnsim.sweeps.GridKeyError: unknown scenario key 'nodes.qpu_b.t2_s': nodes has no entry named 'qpu_b'; did you mean 'qpu_a'? ...
    """
    # Mappings only: a string was read as a sequence of pairs ("dictionary update sequence element #0 has length 1;
    # 2 is required"), an empty one failed with "'str' object has no attribute 'items'", naming neither argument.
    for argument, value in (("data", data), ("overrides", overrides)):
        if not isinstance(value, Mapping):
            raise TypeError(f"apply_overrides {argument} must be a mapping (key -> value), got {written(value)}")
    result = copy.deepcopy(dict(data))
    set_by: dict[str, str] = {}  # each setting changed -> the key that changed it
    for key, value in overrides.items():
        with _about_grid_keys([key]):
            changed = _set_dotted(result, key, value)
        for path in changed:
            other = set_by.setdefault(path, key)
            if other != key:
                # The later key wins in the data, while the row reports both values.
                raise GridKeyError(
                    f"scenario keys {written(other)} and {written(key)} both set {path}: a row would report both "
                    "values and "
                    "run one of them; give each setting one key",
                    [other, key],
                )
    return result


def _set_dotted(root: dict, key: str, value: Any) -> list[str]:
    """Sets ``key`` (see :func:`apply_overrides`) in ``root``; returns the settings it changed."""
    if not isinstance(key, str) or not key or any(part == "" for part in key.split(".")):
        raise ValueError(f"scenario key {written(key)} is not a dotted path such as 'links.0.length_km'")
    parts = key.split(".")
    nodes: list[tuple[Any, list[str]]] = [(root, [])]
    changed: list[str] = []
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        following = []
        for node, path in nodes:
            for child in _children(node, part, key, path, parts, depth):
                child_path = [*path, str(child)]
                if last:
                    # A list's index always names an entry (``child in node`` asked whether the list
                    # held the number, so links.0 = 1 replaced a whole link by 1).
                    if isinstance(node, list) or child in node:  # else a spec field set anew (checked later)
                        _check_replacement(key, ".".join(child_path), node[child], value)
                    node[child] = value
                    changed.append(".".join(child_path))
                else:
                    following.append((node[child], child_path))
        nodes = following
    return changed


def _children(node: Any, part: str, key: str, path: list[str], parts: list[str], depth: int) -> list:
    where = ".".join(path) or "the scenario"
    if isinstance(node, dict):
        if part == "*":
            if not node:
                raise ValueError(f"scenario key {written(key)}: '*' matches nothing, {where} is an empty table")
            return list(node)
        if part in node:
            return [part]
        settable = _spec_keys(parts, depth)
        if part in settable:
            return [part]  # a scenario setting the file leaves at its default
        close = difflib.get_close_matches(part, sorted({*map(str, node), *settable}), n=3, cutoff=0.6)
        if close:
            spelled = [".".join([*parts[:depth], c, *parts[depth + 1 :]]) for c in close]
            hint = "did you mean " + " or ".join(repr(s) for s in spelled) + "?"
        elif settable:
            # A spec table's keys are those its file gives and those left at their defaults, which a sweep may set
            # too: "its keys are 'dst', 'num_pairs', 'src'" (the file's) sent a user to edit the file for
            # cutoff_s, a key the sweep takes as it is.
            given = sorted(str(k) for k in node)
            unset = sorted(k for k in settable if k not in node)
            hint = f"its keys are {', '.join(map(repr, given))}" + (
                f", and those left at their defaults: {', '.join(map(repr, unset))}" if unset else "")
        else:
            names = sorted(str(k) for k in node)
            hint = "its keys are " + ", ".join(repr(n) for n in names[:12]) + (", ..." if len(names) > 12 else "")
        raise ValueError(f"unknown scenario key {written(key)}: {where} has no key {written(part)}; {hint}")
    if isinstance(node, list):
        if part == "*":
            if not node:
                raise ValueError(f"scenario key {written(key)}: '*' matches nothing, {where} is an empty list")
            return list(range(len(node)))
        named = _entry_names(node)
        if re.fullmatch(r"[0-9]+", part):
            index = int(part)
            # Nodes numbered by name ("0", "1", as from_graph of a networkx graph names them) listed in another
            # order: nodes.0.t2_s set the first entry, while the user meant the node named "0", without a word.
            others = [i for i, names in enumerate(named) if part in names and i != index]
            if others and index >= len(node) and len(others) == 1:
                return others  # a name only: there is no entry of that index
            if others and index < len(node):
                raise ValueError(
                    f"scenario key {written(key)}: {written(part)} is both entry {index} of {where} (by index) and "
                    f"the name of entry {', '.join(map(str, others))}, so the key does not say which it sets; list the "
                    "entries in the order of their numbers or give them names that are not numbers"
                )
            if index >= len(node):
                raise ValueError(
                    f"scenario key {written(key)}: index {index} is out of range, {where} has {len(node)} entries"
                )
            return [index]
        matches = [i for i, names in enumerate(named) if part in names]
        if len(matches) == 1:
            return matches
        if len(matches) > 1:
            raise ValueError(
                f"scenario key {written(key)}: {len(matches)} entries of {where} are called {written(part)} "
                f"(entries {', '.join(map(str, matches))}); address one by index"
            )
        known = [n for names in named for n in names]
        from qnsim.specs import did_you_mean  # the one suggestion rule (a tie suggests neither)

        hint = did_you_mean(part, known)
        listing = ", ".join(repr(n) for n in known[:12]) + (", ..." if len(known) > 12 else "")
        listing = f"; its entries are {listing}" if known and not hint else ""
        built = ""
        if where in ("nodes", "links"):
            built = " (nodes and links built by [topology] are not listed in the file)"
        raise ValueError(
            f"unknown scenario key {written(key)}: {where} has no entry named {written(part)}{hint}{listing}{built}; "
            f"or use an index 0..{len(node) - 1} or '*'"
        )
    raise ValueError(
        f"scenario key {written(key)}: {where} is a {type(node).__name__} value ({written(node)}), "
        f"not a table; cannot look up {written(part)} in it"
    )


def _spec_keys(parts: list[str], depth: int) -> list[str]:
    """The scenario keys a sweep may set although the file leaves them out: the single-valued
    spec fields of a ``[run]`` table or a ``nodes`` / ``links`` / ``requests`` entry."""
    from qnsim import scenario, specs

    table = parts[0]
    if table == "run" and depth == 1:
        cls: Any = scenario.RunSettings
    elif depth == 2 and table in ("nodes", "links", "requests"):
        cls = {"nodes": specs.NodeSpec, "links": specs.LinkSpec, "requests": specs.RequestSpec}[table]
    else:
        return []
    scalars = (bool, int, float, str)
    out = []
    for f in specs.spec_fields(cls):
        # A bare Literal's arguments are its values, not types: run.formalism, requests' routing and the like were
        # refused as unknown keys ("run has no key 'formalism'") when the file left them at their defaults.
        options = (f.type,) if typing.get_origin(f.type) is Literal else typing.get_args(f.type) or (f.type,)
        # Tuples (path, bell_diagonal) and tables (hardware pieces) cannot be swept.
        if f.toml and all(o in scalars or o is type(None) or typing.get_origin(o) is Literal for o in options):
            out.append(f.name)
    return out


def _entry_names(entries: list) -> list[list[str]]:
    """The names each list entry answers to: its ``name`` (nodes, named requests), ``a-b`` and
    ``b-a`` (links), ``src->dst`` (requests)."""
    out = []
    for entry in entries:
        names = []
        if isinstance(entry, dict):
            if isinstance(entry.get("name"), str):
                names.append(entry["name"])
            a, b = entry.get("a"), entry.get("b")
            if isinstance(a, str) and isinstance(b, str):
                names += [f"{a}-{b}", f"{b}-{a}"]
            src, dst = entry.get("src"), entry.get("dst")
            if isinstance(src, str) and isinstance(dst, str):
                names.append(f"{src}->{dst}")
        out.append(names)
    return out


def _check_replacement(key: str, where: str, old: Any, new: Any) -> None:
    if isinstance(old, (dict, list)):
        kind = "table" if isinstance(old, dict) else "list"
        raise ValueError(f"scenario key {written(key)}: {where} is a {kind}; only single values can be swept")

    def kind_of(v: Any) -> str:
        if isinstance(v, bool):
            return "bool"
        if isinstance(v, (int, float)):
            return "number"
        return type(v).__name__

    if kind_of(old) != kind_of(new):
        raise ValueError(
            f"scenario key {written(key)}: {where} is a {kind_of(old)} in the scenario ({written(old)}), "
            f"got a {kind_of(new)} ({written(new)})"
        )


#: Scenario keys whose grid values :meth:`TomlScenario.check` checks without building the network: they
#: set how long the run goes, not what runs.
_RUN_ONLY_KEYS = frozenset({"run.until_s"})


def _value_marker(values: Iterable[Scalar]) -> str:
    """A grid value (an axis's tuple) as text that tells 1, 1.0 and True apart."""
    return json.dumps([[type(v).__name__, v] for v in values])


def _refuse_other_labels(one: tuple[dict, list[str]], keys: list[str], value: tuple, labels_b: list[str]) -> None:
    """Refuses a grid value (``keys`` set to ``value``) whose network labels its requests otherwise (``labels_b``)
    than the one built first (its params and labels, ``one``): a row's request columns are named by these labels,
    so their rows would have other columns. A grid over requests.0.dst = b, c ran its first points and then stopped
    with "point ... returned columns ['a->c.pairs', ...] that are not in the header" (a CSV out), or printed rows
    whose a->b columns were blank beside a->c ones."""
    params_a, labels_a = one
    shown_a = ", ".join(f"{k} = {written(params_a[k])}" for k in keys if k in params_a) or "the scenario as written"
    shown_b = ", ".join(f"{k} = {written(v)}" for k, v in zip(keys, value))
    index, label_a, label_b = next(
        ((i, a, b) for i, (a, b) in enumerate(itertools.zip_longest(labels_a, labels_b)) if a != b)
    )
    raise GridKeyError(
        f"grid value {shown_b}: request {index} is labelled {written(label_b)} where {shown_a} labels it "
        f"{written(label_a)}: a row names its request columns by these labels, so the points would have other "
        f"columns; give the request a name (requests.{index}.name) to keep one label",
        keys,
    )


def _sweep_bar(shown: bool, **kwargs: Any) -> Any:
    """A sweep's progress bar (:func:`qnsim.progress.open_bar`: a bar on a terminal or in Jupyter, plain lines at most
    every 10 s on any other stderr, as a network run's), or a disabled one. A sweep's tqdm bar wrote its redraws into
    a batch job's log ten times a second as one endless line, where ``qnsim run`` wrote nothing at all."""
    if not shown:
        # tqdm.auto warns on import in a Jupyter kernel without ipywidgets ("IProgress not found"), which a sweep with
        # progress=False showed on every call (the docs' Dask tutorial printed it): plain tqdm for a bar not shown.
        from tqdm import tqdm

        return tqdm(disable=True, **kwargs)
    from qnsim.progress import open_bar

    return open_bar(**kwargs)


class TomlScenario:
    """A scenario TOML file as a point function: overrides applied, then run.

    The file is read and parsed once, here; a call applies ``params`` with
    :func:`apply_overrides` and runs ``qnsim.scenario.run_scenario_data(data, seed)``, which
    returns one flat row. Instances pickle with the parsed data, so workers need no access to
    the file.

    Args:
        path: The scenario TOML file.

    Example:
        >>> import os, tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = os.path.join(tmp, "s.toml")
        ...     with open(path, "w") as f:
        ...         _ = f.write("[run]\\nuntil_s = 1.0\\n")
        ...     scenario = TomlScenario(path)
        >>> scenario.data_for({"run.until_s": 0.5})
        {'run': {'until_s': 0.5}}
    """

    def __init__(self, path: str | os.PathLike) -> None:
        from qnsim.config import read_toml

        # Checked before Path(): Path("") is ".", and the scenario "" read as "Is a directory: '.'".
        self.path = Path(file_path("path", path))
        self.data = read_toml(self.path)  # names the file in every error (OSError, not UTF-8, invalid TOML)
        self._remarks: dict[str, list[str]] = {}  # scenario data (JSON) -> remarks of its network (see remarks)
        #: The remarks the last :func:`sweep` of this scenario said once instead of in every row.
        self.sweep_remarks: list[str] = []
        #: What the last :func:`sweep` of this scenario said of the file's ``run.seed`` (see :func:`sweep_seeds`).
        self.seed_note: str | None = None

    def data_for(self, params: Mapping[str, Scalar]) -> dict:
        """The scenario data with ``params`` applied (see :func:`apply_overrides`)."""
        return apply_overrides(self.data, params)

    def check(
        self,
        grid: Mapping[str, Sequence[Any]],
        pending: Sequence[Point] | None = None,
        progress: bool = False,
    ) -> None:
        """Applies every value of every grid key once, so that bad keys fail before any run.

        Each grid value is built (not run) once, with the other keys at their first values: a network
        per value, one at a time (a 10^4-node topology takes tens of seconds to build, once per value
        and once more for each point). A ``run.until_s`` value changes nothing that is built, so only
        the ``[run]`` table is checked for it.

        A key that sets ``run.seed`` is refused: each point's seed replaces it, so its values
        would give rows that differ in that column only (the sweep's ``seeds`` choose the seeds).

        Args:
            grid: The sweep's grid.
            pending: The points still to run (None: all): values that none of them has are not
                built (a resumed sweep whose points were all in its out built every value again).
            progress: Show a bar over the builds (a silent minute before a sweep's own bar looked like a hang).
        """
        for key in grid_columns(grid):
            parts = key.split(".")
            if len(parts) == 2 and parts[0] in ("run", "*") and parts[1] in ("seed", "*"):
                raise GridKeyError(
                    f"grid key {written(key)} sets run.seed, which every point's own seed replaces (its values "
                    "would all run the same seeds); choose the seeds with seeds= (qnsim sweep --seeds) instead",
                    [key],
                )
        try:
            from qnsim.scenario import scenario_from_dict
        except ImportError:  # a build without the runner: __call__ says so when a point runs
            scenario_from_dict = None

        axes = grid_axes(grid)
        first = {k: v for keys, values in axes for k, v in zip(keys, values[0])}
        # All keys at once: two keys that set one setting (links.0 and links.* say) clash whatever their values.
        self.data_for(first)
        wanted = None
        if pending is not None:
            wanted = {_value_marker(p.params[k] for k in keys) for p in pending for keys, _ in axes}
        builds: list[tuple[list[str], tuple, dict]] = []
        built: set[str] = set()
        for keys, values in axes if scenario_from_dict is not None else ():
            for value in values:
                if wanted is not None and _value_marker(value) not in wanted:
                    continue
                params = {**first, **dict(zip(keys, value))}
                # The first combination is every axis's first value: built once, not once per axis.
                marker = json.dumps(params, sort_keys=True)
                if marker in built:
                    continue
                built.add(marker)
                builds.append((keys, value, params))
        if not axes and scenario_from_dict is not None and (pending is None or pending):
            # A sweep over seeds alone built nothing here: a scenario its fields refuse (a misspelt key) failed in
            # the first point's run, after the out file was made, which it left empty behind it.
            builds.append(([], (), {}))
        if not builds:
            return
        # The scenario as written gives the remarks the sweep says once (see remarks): built here, under the bar,
        # unless the first combination is that same scenario.
        as_written = _data_marker(self.data)
        first_built = any(params == first for _, _, params in builds)
        build_as_written = as_written not in self._remarks and not (
            first_built and _data_marker(self.data_for(first)) == as_written
        )
        total = len(builds) + build_as_written
        bar = _sweep_bar(progress and total > 1, total=total, desc="sweep: building each grid value", unit="value")
        from qnsim.scenario import request_labels

        labelled: tuple[dict, list[str]] | None = None  # the first build's params and request labels
        with bar:
            for keys, value, params in builds:
                data = self.data_for(params)
                run_only = params != first and all(k in _RUN_ONLY_KEYS for k in keys)
                if run_only:
                    # The run's length changes nothing that is built: its settings alone are checked (a
                    # thousands-node topology took seconds to minutes per value).
                    data = {k: v for k, v in data.items() if k in ("name", "description", "run")}
                # Built (not run) now, each grid value once: a value its field refuses (length_km = -1,
                # num_pairs = 2.5) failed only when its point ran, after the points before it had run.
                try:
                    network, _ = scenario_from_dict(data, source=self.path.name, seed=0)
                    if params == first:
                        self._remarks[_data_marker(self.data_for(params))] = _network_remarks(network)
                except ValueError as exc:
                    if not keys:  # the scenario as written
                        raise
                    shown_value = ", ".join(f"{k} = {written(v)}" for k, v in zip(keys, value))
                    raise GridKeyError(f"grid value {shown_value}: {exc}", keys) from None
                if not run_only:  # (its [run] table alone builds no request)
                    labels = request_labels(network.requests)
                    if labelled is None:
                        labelled = (params, labels)
                    elif labels != labelled[1]:
                        _refuse_other_labels(labelled, keys, value, labels)
                bar.update(1)
            if build_as_written:
                self.remarks()
                bar.update(1)

    def remarks(self, params: Mapping[str, Scalar] | None = None) -> list[str]:
        """Notes that follow from the network these grid values build alone (None or ``{}``: the scenario as
        written), the same for every seed and run (a preset's unmodelled initialisation figures).

        A sweep says those of the scenario as written once (state file, ``attrs["notes"]`` of its frame,
        ``qnsim sweep``'s stderr) and leaves them out of the rows that carry them (they repeated in every row,
        ahead of the notes that differ); a row whose grid values change them keeps its own. The scenario as
        written, not the grid's first values: a row's notes are then its own point's whatever the grid's order,
        so a resumed out equals a fresh run's. None when the scenario as written is refused on its own (a value
        only the grid makes valid): then every row keeps its remarks."""
        data = self.data_for(params or {})
        marker = _data_marker(data)
        if marker not in self._remarks:
            try:
                from qnsim.scenario import scenario_from_dict
            except ImportError:  # a build without the runner: __call__ says so when a point runs
                return []
            try:
                network, _ = scenario_from_dict(data, source=self.path.name, seed=0)
            except ValueError:
                if params:  # grid values: check() named them already
                    raise
                self._remarks[marker] = []  # not a grid value: no error of the sweep's
                return []
            self._remarks[marker] = _network_remarks(network)
        return list(self._remarks[marker])

    def __call__(self, params: dict, seed: int) -> Mapping[str, Any]:
        data = self.data_for(params)
        try:
            from qnsim.scenario import run_scenario_data
        except ImportError as exc:
            raise ImportError(
                "sweeping a scenario TOML needs qnsim.scenario.run_scenario_data(data, seed), "
                f"which this build of qnsim does not have ({exc})"
            ) from exc
        return run_scenario_data(data, seed)

    def __repr__(self) -> str:
        return f"TomlScenario({str(self.path)!r})"


def _data_marker(data: Mapping[str, Any]) -> str:
    """Scenario data as text, one per network it builds (the key of :meth:`TomlScenario.remarks`' cache: the
    scenario as written and grid values that set what it says already, or only a run length, build one network;
    a sweep over run lengths alone built a large topology once more for its remarks)."""
    run = data.get("run")
    if isinstance(run, Mapping):
        only = {key.split(".", 1)[1] for key in _RUN_ONLY_KEYS}
        data = {**data, "run": {k: v for k, v in run.items() if k not in only}}
    return json.dumps(data, sort_keys=True, default=str)


def _network_remarks(network: Any) -> list[str]:
    """The notes a network's description alone implies (see :meth:`TomlScenario.remarks`)."""
    from qnsim.results import unmodelled_init_note

    note = unmodelled_init_note(network)
    return [] if note is None else [note]


def _without_remarks(notes: Any, remarks: Sequence[str]) -> Any:
    """A row's ``notes`` (see :mod:`qnsim._row_notes`) without the given remarks (said once for the sweep); None when
    nothing else is left. A row whose network implies no remark of a said-once remark's kind
    (:func:`qnsim.results.remark_kind`) says so in their place: the remark said once is not its own, and a row that
    said nothing read as covered by it.

    Example:
        >>> _without_remarks(join_notes(["a", "b (x; y)", "c"]), ["b (x; y)"]), _without_remarks("a", ["a"])
        ('a; c', None)
    """
    from qnsim.results import remark_kind

    if not remarks or not (notes is None or isinstance(notes, str)):
        return notes
    kinds = {remark_kind(note) for note in split_notes(notes)}
    absent = [kind for kind in dict.fromkeys(remark_kind(r) for r in remarks) if kind is not None and kind not in kinds]
    kept = drop_notes(notes, remarks) if notes is not None else None
    if not absent:
        return kept
    said = [f"{kind}: none unmodelled at this point's grid values (the remark said once, the scenario as written's, "
            "is not this row's)" for kind in absent]
    return join_notes([*split_notes(kept), *said])


def _with_remarks(notes: Any, remarks: Sequence[str]) -> Any:
    """A row's ``notes`` with the sweep's remarks said once put back first, but for a remark's kind the row has
    a version of its own of (its grid values change it, see :func:`_without_remarks`).

    Example:
        >>> _with_remarks("a; c", ["b (x; y)"]), _with_remarks(None, ["b"])
        ('b (x;; y); a; c', 'b')
    """
    from qnsim.results import remark_kind

    if not (notes is None or isinstance(notes, str)):
        return notes
    own = split_notes(notes)
    kinds = {remark_kind(note) for note in own} - {None}
    back = [remark for remark in remarks if remark_kind(remark) is None or remark_kind(remark) not in kinds]
    return join_notes([*back, *own]) if back else notes


def code_id() -> str:
    """The qnsim that computes a sweep's rows: its version and a digest of its code, as text.

    The version number alone stays put while results change from one commit to the next (a fixed
    bug moves the numbers of the scenarios it touched), so it does not tell two builds apart: the
    digest covers the native sources the extension was built from (``qnsim._core.source_digest()``,
    computed by the build from the sources it compiles), the compiler and flags it used
    (``qnsim._core.build_config()``) and the package's Python files. Builds of the same sources on two machines
    have the same id.

    Example:
        >>> code_id() == code_id(), code_id().startswith("qnsim ")
        (True, True)
    """
    from qnsim import __version__, _core

    native = _core.source_digest() if hasattr(_core, "source_digest") else "unknown"
    # The compiler and flags as a digest (the text is long): another -O or -march can move results.
    config = "unknown"
    if hasattr(_core, "build_config"):
        config = hashlib.sha1(_core.build_config().encode()).hexdigest()[:16]
    return f"qnsim {__version__} native {native} build {config} python {_package_digest()}"


def _package_digest() -> str:
    """SHA-1 of the qnsim package's Python files (relative path and bytes, in path order); computed once."""
    global _PACKAGE_DIGEST
    if _PACKAGE_DIGEST is None:
        _PACKAGE_DIGEST = tree_digest(Path(__file__).resolve().parent)
    return _PACKAGE_DIGEST


_PACKAGE_DIGEST: str | None = None


def tree_digest(root: Path) -> str:
    """SHA-1 of the ``*.py`` files under ``root``: each one's path relative to ``root`` and its bytes,
    in path order (so the digest is the same wherever the tree is installed).

    Example:
        >>> import pathlib, tempfile
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (root / "a.py").write_text("x = 1\\n")
        >>> before = tree_digest(root)
        >>> _ = (root / "a.py").write_text("x = 2\\n")
        >>> tree_digest(root) == before
        False
    """
    digest = hashlib.sha1()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        digest.update(f"{relative}\0{path.stat().st_size}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def scenario_id(fn: PointFunction) -> str:
    """What a sweep runs, as 16 hex digits: the scenario's content and the qnsim that runs it.

    For a scenario TOML file, its parsed content (so an edit changes the id, a reformatting does not, nor a whole
    number written as a float or as an int); for a point function, its module, name and source code (and its
    code's bytecode, names and constants where the source does not say what it computes: no source file, as for a
    script read from stdin, or a lambda), the
    module-level constants, helpers and classes of the user's code it reads (followed through the helpers; see
    :func:`_global_dependencies`), and, for a ``functools.partial`` or a callable object, the arguments or
    attributes it carries (by content, sets sorted, so the id is the same in every process). Rows in a sweep's
    ``out`` carry it, and resuming from rows of another scenario or another qnsim (another version, or the same
    version built from other code: see :func:`code_id`) is refused. What a point function reads as it runs is not
    its content: a data file it opens, an environment variable (a file edited between two runs of a sweep left
    the first run's rows beside the second's, 1.0 and 2.0 from the old file, 15.0 from the new); make such an input
    a grid value, or read it into a module-level constant, whose content the id holds.

    Raises:
        SweepError: A function of the user's code whose file was edited since its module was imported
            (the file's text would stand for code that does not run; reload the module).

    Example:
        >>> scenario_id(example_point) == scenario_id(example_point)
        True
        >>> import functools
        >>> scenario_id(functools.partial(example_point)) == scenario_id(functools.partial(len))
        False
    """
    if isinstance(fn, TomlScenario):
        content = json.dumps(_integral_floats_as_ints(fn.data), sort_keys=True, default=str)
    else:
        content = _callable_content(fn)
    return hashlib.sha1(f"{code_id()}\n{content}".encode()).hexdigest()[:16]


def _integral_floats_as_ints(value: Any) -> Any:
    """``value`` (a scenario file's parsed data) with each whole-number float as its int, for :func:`scenario_id`:
    ``rate_hz = 2000`` and ``rate_hz = 2000.0`` are one scenario (a field that takes a float reads both alike; one
    that takes an int refuses 2000.0), and a stopped sweep whose file was edited from one to the other was refused
    as "rows of another scenario". -0.0 stays as it is."""
    if isinstance(value, dict):
        return {k: _integral_floats_as_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_ints(v) for v in value]
    if type(value) is float and value.is_integer() and math.copysign(1.0, value) > 0:
        return int(value)
    return value


def _callable_content(fn: Any) -> str:
    """What a point function computes, as text for :func:`scenario_id`."""
    import functools
    import inspect

    if isinstance(fn, functools.partial):
        # The function it wraps, and the arguments it binds (a partial's own source is functools').
        bound = (fn.args, sorted(fn.keywords.items()))
        held = _global_dependencies([], held=[("<bound>", bound)])
        return "\n".join([f"functools.partial\n{_callable_content(fn.func)}\nbound {_value_digest(bound)}", *held])
    if inspect.ismethod(fn):
        # A bound method (Model(2).point, Sub.cpoint): its function, and what it is bound to. The function alone
        # gave Model(2).point and Model(3).point one id, and a resumed sweep of one took the other's rows.
        return f"method {_callable_content(fn.__func__)}\nbound to {_bound_content(fn.__self__)}"
    name = f"{_module_name(fn)}.{getattr(fn, '__qualname__', type(fn).__qualname__)}"
    routine = inspect.isroutine(fn)
    if routine:
        return "\n".join([name, _source_text(fn), *_global_dependencies([fn])])
    return f"{name}\n{_bound_content(fn)}"


def _bound_content(owner: Any) -> str:
    """What a callable object, or the instance or class a method is bound to, brings to what it computes, as text
    for :func:`scenario_id`: its class's source and its user-code bases' (data attributes too), what their methods
    read, and, for an instance, its attributes (its pickle)."""
    import inspect

    cls = owner if inspect.isclass(owner) else type(owner)
    classes = [c for c in cls.__mro__ if c is cls or _is_user_code(c)]
    parts = [f"{_module_name(c)}.{c.__qualname__}\n{_source_text(c)}" for c in classes]
    parts += _global_dependencies([f for c in classes for f in _class_functions(c)])
    if not inspect.isclass(owner):
        parts.append(f"state {_value_digest(owner)}")
        parts += _global_dependencies([], held=[("<attributes>", dict(getattr(owner, "__dict__", None) or {}))])
    return "\n".join(parts)


def _module_name(obj: Any) -> str:
    """The module an object was defined in, as the process that started the sweep names it: a worker
    process that is not forked (spawn, forkserver) imports the user's script as ``__mp_main__``, where
    the sweep's own process runs it as ``__main__``."""
    name = getattr(obj, "__module__", None) or ""
    return "__main__" if name == "__mp_main__" else str(name)


def _source_text(obj: Any) -> str:
    """The source of a function or class, or its bytecode when the source is not available.

    Raises:
        SweepError: The source in its file is not the code that runs (see :func:`_check_code_is_its_files`).
    """
    import inspect

    _check_code_is_its_files(obj)
    try:
        text = inspect.getsource(_code_where_it_stands_now(obj))
    except (OSError, TypeError):
        text = None
    functions = _class_functions(obj) if inspect.isclass(obj) else [obj]
    codes = [getattr(inspect.unwrap(f), "__code__", None) for f in functions]
    # A class's data attributes by content: its source gave ``factor = 2.0`` as written, and a script that set
    # ``Settings.factor = 3.0`` before its sweep (or a class without source) resumed from the rows of 2.0.
    # Each by itself, as globals are: one that cannot be read by content (a class-level lock) falls back to its repr
    # alone, not the whole dict's repr, whose sets follow the per-process string hash.
    data = _class_data(obj) if inspect.isclass(obj) else {}
    attributes = [f"attribute {name} = {_value_digest(value)}" for name, value in data.items()]
    if text is not None and not any(c is not None and c.co_name == "<lambda>" for c in codes):
        return "\n".join([text, *attributes])
    # Without its source (a script read from stdin or ``python -c``, code made by exec) the id was its bytecode
    # alone, without its constants, or for a class its name alone: ``y = x * 2`` edited to ``x * 3`` kept the id,
    # and a resumed sweep took the old rows as its own. A lambda's source is the whole line it stands on, the
    # same for two lambdas of one line. The code's shape (bytecode, names, constants, nested code) says it.
    shapes = [f"code {_shape_text(_code_shape(c))}" for c in codes if c is not None]
    return "\n".join(([text] if text is not None else [_stable_repr(obj)]) + shapes + attributes)


def _class_data(cls: type) -> dict[str, Any]:
    """A class's own data attributes (not its dunders, functions, methods or properties), sorted by name."""
    import inspect

    return {
        name: value
        for name, value in sorted(vars(cls).items())
        if not (name.startswith("__") and name.endswith("__"))
        and not isinstance(value, (staticmethod, classmethod, property))
        and not inspect.isroutine(value)
        and not inspect.isclass(value)
    }


def _shape_text(shape: Any) -> str:
    """A :func:`_code_shape` as text that is the same in every process: bytes as hex, and the members of a set
    constant (``x in {"a", "b"}``), whose order follows the per-process string hash, sorted."""
    if isinstance(shape, (bytes, bytearray)):
        return shape.hex()
    if isinstance(shape, (frozenset, set)):
        return "{" + ", ".join(sorted(_shape_text(v) for v in shape)) + "}"
    if isinstance(shape, tuple):
        return "(" + ", ".join(_shape_text(v) for v in shape) + ")"
    return repr(shape)


def _code_where_it_stands_now(obj: Any) -> Any:
    """A function's code with the line it starts on in its file now (for :func:`inspect.getsource`, which reads
    the file as it is now at the line the code was compiled from); anything else as it is.

    A file edited since its module was imported, the function itself unchanged but moved (a function added above
    it by another hand while a notebook or a test run went on), gave the text found at the old line: another
    function's, or half of one. The scenario_id then named that text: a resumed sweep in the same process was
    refused as another scenario, and rows it wrote carried an id no fresh process computes for the function.
    """
    import inspect

    if not inspect.isfunction(obj):
        return obj
    code = inspect.unwrap(obj).__code__
    codes = _file_codes(code.co_filename)
    if codes is None:
        return obj
    shape = _code_shape(code)
    lines = [line for found, line in codes.get(getattr(code, "co_qualname", code.co_name), []) if found == shape]
    if not lines or code.co_firstlineno in lines:
        return obj
    # The same code in two places of the file: the one nearest to where it was.
    return code.replace(co_firstlineno=min(lines, key=lambda line: abs(line - code.co_firstlineno)))


def _code_shape(code: Any) -> tuple:
    """What a code object computes, without where it stands in its file (line numbers): its bytecode,
    names and constants, nested code objects in turn."""
    consts = tuple(_code_shape(c) if hasattr(c, "co_code") else (type(c).__name__, c) for c in code.co_consts)
    return (code.co_code, code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars, consts)


#: The code objects a source file compiles to, by (path, digest of its bytes): qualified name -> (shape, first
#: line) of each.
_FILE_CODES: dict[tuple[str, str], dict[str, list[tuple[tuple, int]]]] = {}


def _file_codes(path: str) -> dict[str, list[tuple[tuple, int]]] | None:
    """The shapes of the functions the file at ``path`` compiles to now, each with the line it starts on, by
    qualified name (None: unreadable, or not Python this interpreter compiles)."""
    try:
        with open(path, "rb") as f:
            text = f.read()
        key = (path, hashlib.sha1(text).hexdigest())
        if key not in _FILE_CODES:
            module = compile(text, path, "exec", dont_inherit=True)  # compiled, not run
            found: dict[str, list[tuple[tuple, int]]] = {}
            stack = [module]
            while stack:
                code = stack.pop()
                for const in code.co_consts:
                    if hasattr(const, "co_code"):
                        found.setdefault(getattr(const, "co_qualname", const.co_name), []).append(
                            (_code_shape(const), const.co_firstlineno)
                        )
                        stack.append(const)
            if len(_FILE_CODES) >= 64:  # a sweep reads a few files; old versions of them are not read again
                _FILE_CODES.clear()
            _FILE_CODES[key] = found
        return _FILE_CODES[key]
    except (OSError, SyntaxError, ValueError):
        return None


def _check_code_is_its_files(obj: Any) -> None:
    """Refuses a function (or a class's functions) of the user's code whose file no longer compiles to
    the code that runs.

    A point function's scenario_id reads its source from its file. A file edited since its module was
    imported (a notebook that did not reload it, a script saved while it runs) gave the id of the new
    text to rows computed by the old code in memory (in this process, and in forked workers): a later
    sweep in a fresh process, running the new code, took those rows as its own.

    Only modules loaded from their source file by Python's own loader are compared (pytest's assertion
    rewriting, for one, compiles test files to other code).
    """
    import importlib.machinery
    import inspect

    if inspect.isclass(obj):
        functions = _class_functions(obj)
    elif inspect.isfunction(obj):
        functions = [obj]
    else:
        return
    for function in functions:
        function = inspect.unwrap(function)
        code = getattr(function, "__code__", None)
        module = inspect.getmodule(function)
        if code is None or module is None or getattr(module, "__file__", None) != code.co_filename:
            continue
        if type(getattr(module, "__loader__", None)) is not importlib.machinery.SourceFileLoader:
            continue
        codes = _file_codes(code.co_filename)
        if codes is None:
            continue
        name = getattr(code, "co_qualname", code.co_name)
        if _code_shape(code) not in [shape for shape, _ in codes.get(name, [])]:
            raise SweepError(
                f"{written(name)} is not the code of its file {written(code.co_filename)} now: the file was edited "
                "since its "
                "module was imported (not reloaded since?), so the sweep would run the code imported and record "
                "it under the id of the file's text (a sweep in a fresh process would take its rows for the "
                "new code's); reload the module (importlib.reload) or restart, then run the sweep"
            )


def _value_digest(value: Any) -> str:
    """A value by content, the same in every process: the hash of :func:`_canonical_text`, else
    its repr without memory addresses."""
    try:
        return hashlib.sha1(_canonical_text(value, set()).encode("utf-8")).hexdigest()
    except Exception:
        return _stable_repr(value)


def _canonical_text(value: Any, active: set[int]) -> str:
    """A value's content as text that does not depend on the process.

    A pickle does: a set's (and so a frozenset's, or an object holding one) element order follows
    string hashes, which change from one process to the next (PYTHONHASHSEED), so a point function
    reading a set gave every resume another scenario_id and a refusal. Here sets are sorted, and
    containers and plain objects are followed; anything else is its pickle.
    """
    import pickle

    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        # In full, not by its size as a message writes it (two such integers must not read alike), and in hex:
        # Python refuses to write an integer of more than 4,300 decimal digits.
        return f"{type(value).__name__}:{value:#x}"
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return f"{type(value).__name__}:{value!r}"
    if id(value) in active:
        return "<cycle>"
    active.add(id(value))
    try:
        kind = f"{_module_name(type(value))}.{type(value).__qualname__}"
        if isinstance(value, (set, frozenset)):
            return f"{kind}{{{','.join(sorted(_canonical_text(v, active) for v in value))}}}"
        if isinstance(value, (list, tuple)):
            return f"{kind}[{','.join(_canonical_text(v, active) for v in value)}]"
        if isinstance(value, dict):
            items = (f"{_canonical_text(k, active)}:{_canonical_text(v, active)}" for k, v in value.items())
            return f"{kind}{{{','.join(items)}}}"
        if type(value).__name__ == "ndarray":
            return f"{kind}({value.dtype.str},{value.shape}):{hashlib.sha1(value.tobytes()).hexdigest()}"
        if isinstance(value, type) or callable(value) and hasattr(value, "__qualname__"):
            return f"{kind}:{_module_name(value)}.{value.__qualname__}"
        state = getattr(value, "__dict__", None)
        if isinstance(state, dict) and _pickles_its_dict(type(value)):
            # What its class names as where the work is kept (a directory of saved counts) or where its inputs were
            # read (a file's name as given), not what is computed: a sweep's rows resume wherever its out file is,
            # whatever path the files were named by. "attribute.key" names a key of a dict attribute.
            left_out = getattr(type(value), "sweep_id_excludes", ())
            state = {k: v for k, v in state.items() if k not in left_out}
            for name in left_out:
                attribute, _, key = name.partition(".")
                if key and isinstance(state.get(attribute), dict):
                    state[attribute] = {k: v for k, v in state[attribute].items() if k != key}
            return f"{kind}({_canonical_text(state, active)})"
        return f"{kind}:{hashlib.sha1(pickle.dumps(value, protocol=4)).hexdigest()}"
    finally:
        active.discard(id(value))


def _pickles_its_dict(cls: type) -> bool:
    """Whether instances of ``cls`` pickle as their ``__dict__`` (no custom reduce or getstate)."""
    return all(
        getattr(cls, name, None) is getattr(object, name, None) for name in ("__reduce__", "__reduce_ex__", "__getstate__")
    )


#: Most settings a sweep's state entry records of its scenario (:func:`_described_settings`); a larger one records none.
MAX_DESCRIBED_SETTINGS = 500


def _described_settings(fn: Any) -> dict[str, str] | None:
    """What a sweep's scenario is made of, as flat ``{"a.b": "value"}`` text, for naming what changed when its rows
    are refused to another sweep: a scenario file's content, or the fields of a callable object that pickles its
    ``__dict__`` (less its ``sweep_id_excludes``), followed through dicts and dataclasses; None for a function or
    a scenario of more than :data:`MAX_DESCRIBED_SETTINGS` leaves (the scenario_id alone then says it differs)."""
    import dataclasses

    if isinstance(fn, TomlScenario):
        root: Any = fn.data
    elif not inspect_isroutine(fn) and isinstance(getattr(fn, "__dict__", None), dict) and _pickles_its_dict(type(fn)):
        left_out = getattr(type(fn), "sweep_id_excludes", ())
        root = {k: v for k, v in vars(fn).items() if k not in left_out}
        for name in left_out:
            attribute, _, key = name.partition(".")
            if key and isinstance(root.get(attribute), dict):
                root[attribute] = {k: v for k, v in root[attribute].items() if k != key}
    else:
        return None
    flat: dict[str, str] = {}

    def walk(prefix: str, value: Any, depth: int, into_lists: bool) -> None:
        if len(flat) > MAX_DESCRIBED_SETTINGS:
            return
        if dataclasses.is_dataclass(value) and not isinstance(value, type) and depth < 6:
            left = getattr(type(value), "sweep_id_excludes", ())
            value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.name not in left}
        if into_lists and isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            # A scenario file's [[nodes]], [[links]], [[requests]] entry by entry, keyed as a sweep's keys address
            # them (nodes.0.num_memories): as one leaf, "nodes: [{'name': 'a', ... (sha1 cfc52119) in the rows,
            # [{'name': 'a', ... (sha1 cd6c2adf) in this sweep" named no difference a reader could see.
            value = {str(i): v for i, v in enumerate(value)}
        if isinstance(value, dict) and value and depth < 6:
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item, depth + 1, into_lists)
            return
        text = _stable_repr(value)
        digest = hashlib.sha1(text.encode()).hexdigest()[:8]
        flat[prefix or "(value)"] = text if len(text) <= 80 else f"{text[:60]}... (sha1 {digest})"

    walk("", root, 0, True)
    if len(flat) > MAX_DESCRIBED_SETTINGS:  # a scenario of many entries: each list as one leaf, as it fits
        flat.clear()
        walk("", root, 0, False)
    return flat if len(flat) <= MAX_DESCRIBED_SETTINGS else None


def inspect_isroutine(value: Any) -> bool:
    import inspect

    return inspect.isroutine(value)


def _stable_repr(value: Any) -> str:
    # An address changes from one process to the next; a resume must not be refused for that.
    try:
        text = repr(value)
    except ValueError:
        # An integer of more than 4,300 digits inside it (Python refuses to write one): its content by pickle.
        import pickle

        return "pickle:" + hashlib.sha1(pickle.dumps(value)).hexdigest()
    return re.sub(r" at 0x[0-9a-fA-F]+", "", text)


def _is_user_code(obj: Any) -> bool:
    """True for functions, classes and modules of the user's own files (not qnsim, the standard
    library or installed packages, whose versions do not change under a running sweep)."""
    import inspect
    import sysconfig

    module = obj if inspect.ismodule(obj) else inspect.getmodule(obj)
    path = getattr(module, "__file__", None)
    if module is None or path is None or module.__name__.partition(".")[0] == "qnsim":
        return False
    path = os.path.abspath(path)
    if "site-packages" in path or "dist-packages" in path:
        return False
    stdlib = {os.path.abspath(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib")}
    return not any(path.startswith(d + os.sep) for d in stdlib)


def _code_names(code: Any) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):  # nested functions, comprehensions and lambdas
            names |= _code_names(const)
    return names


def _global_dependencies(functions: list[Any], held: Sequence[tuple[str, Any]] = ()) -> list[str]:
    """The module-level names these functions read, by content, through the user's helpers.

    A constant is its pickle's hash, a helper function or class of the user's code its source
    (followed in turn), a user module the attributes read from it, anything from qnsim, the
    standard library or an installed package its name. So editing ``UNTIL = 1.0`` or a helper a point
    function calls changes the sweep's id, and editing an unrelated function of the same script
    (a plot, say) does not.
    """
    import inspect

    found: dict[str, str] = {}
    seen: set[int] = set()
    stack = list(functions)
    # ``held``: values bound to the point function (a partial's arguments, a callable object's attributes) whose
    # user code is followed as a helper's: partial(point, model=Model(2)) counted Model by its pickle alone.
    for key, obj in [pair for k, v in held for pair in _user_code_inside(k, v)]:
        classes = [c for c in obj.__mro__ if _is_user_code(c)] if inspect.isclass(obj) else []
        found[key] = "\n".join(_source_text(c) for c in classes) if classes else _source_text(obj)
        stack += [f for c in classes for f in _class_functions(c)] if classes else [obj]
    while stack:
        function = stack.pop()
        code = getattr(function, "__code__", None)
        # A function object, not its code: the wrappers one decorator makes share their code, not their closures.
        if code is None or id(function) in seen:
            continue
        seen.add(id(function))
        # Both the wrapper a decorator made (functools.wraps) and the function it wraps: the wrapper's code and
        # closure (``@with_scale(SCALE)``: the scale) were left out, so an edit of SCALE, or of the decorator, kept
        # the id, and a resumed sweep the old rows.
        where = f"{_module_name(function)}.{function.__qualname__}"
        wrapped = getattr(function, "__wrapped__", None)
        if wrapped is not None:
            stack.append(wrapped)
            found[f"{where}.<wrapper {getattr(code, 'co_qualname', code.co_name)}>"] = _shape_text(_code_shape(code))
        module_globals = getattr(function, "__globals__", {})
        names = sorted(_code_names(code))
        values = [(f"{_module_name(function)}.{n}", module_globals[n]) for n in names if n in module_globals]
        # Its default arguments, each by content as a global is (``def f(params, seed, k=K)`` reads K when it is
        # defined, not in its body: an edit of ``K = 2.0`` kept the id, and a resumed sweep the rows of the old K).
        signature_defaults = [*enumerate(getattr(function, "__defaults__", None) or ())]
        signature_defaults += sorted((getattr(function, "__kwdefaults__", None) or {}).items())
        for name, default in signature_defaults:
            values.append((f"{_module_name(function)}.{function.__qualname__}.<default {name}>", default))
        for k, cell in enumerate(function.__closure__ or ()):
            try:
                inner = getattr(code, "co_qualname", code.co_name)
                values.append((f"{where}.<{inner} closure {k}>", cell.cell_contents))
            except ValueError:  # an empty cell
                continue
        for key, value in values:
            if key in found:
                continue
            if not inspect.isfunction(value) and callable(value) and hasattr(value, "__wrapped__"):
                # A helper under a decorator that returns no function (functools.lru_cache, functools.cache): its
                # pickle is its name, so an edit of its body, or of what it reads, changed nothing here.
                unwrapped = inspect.unwrap(value)
                if inspect.isfunction(unwrapped) and _is_user_code(unwrapped):
                    value = unwrapped
            if inspect.ismodule(value):
                found[key] = f"module {value.__name__}"
                if _is_user_code(value):  # the attributes read from it (helpers.scaled: "scaled")
                    values += [(f"{value.__name__}.{n}", getattr(value, n)) for n in names if hasattr(value, n)]
            elif inspect.isfunction(value) or inspect.isclass(value):
                if _is_user_code(value):
                    found[key] = _source_text(value)
                    if inspect.isfunction(value):
                        stack.append(value)
                    else:
                        stack += _class_functions(value)
                        # A policy subclassing another class of the user's (class Cut(ChainASAP)) runs its
                        # base's methods too: editing the base changed nothing here, and a resumed sweep
                        # kept the rows of the old policy.
                        values += [
                            (f"{_module_name(base)}.{base.__qualname__}", base)
                            for base in value.__mro__[1:]
                            if _is_user_code(base)
                        ]
                else:
                    found[key] = f"{value.__module__}.{value.__qualname__}"
            elif callable(value) and not _is_user_code(value):
                found[key] = _stable_repr(value)  # a builtin or a library's callable object
            else:
                found[key] = _value_digest(value)
                # The user's code inside a value: a global instance's class (``MODEL.run(x)``: the pickle is its
                # attributes, so an edit of Model.run kept the id, and a resumed sweep the old rows), the functions
                # of a dispatch table ({"fast": fast_model}, pickled by name), in turn followed as helpers are.
                values += _user_code_inside(key, value)
    return [f"{key} = {text}" for key, text in sorted(found.items())]


def _user_code_inside(key: str, value: Any, depth: int = 0, limit: list[int] | None = None) -> list[tuple[str, Any]]:
    """The functions and classes of the user's code a value holds (its own class when it is an instance of one;
    members of dicts, lists, tuples and sets, up to 4 levels and 10,000 members), each with a key naming where."""
    import inspect

    limit = [10_000] if limit is None else limit
    out: list[tuple[str, Any]] = []
    if limit[0] <= 0 or depth > 4:
        return out
    limit[0] -= 1
    if inspect.isfunction(value) or inspect.isclass(value):
        return [(key, value)] if _is_user_code(value) else []
    if isinstance(value, dict):
        # Only the members the limit leaves are named: a global table of a million entries is not walked whole.
        members = [(f"{key}[{_stable_repr(k)}]", v) for k, v in itertools.islice(value.items(), limit[0])]
    elif isinstance(value, (list, tuple, set, frozenset)):
        # A set's members by position would follow the string hash; their keys are their classes' or functions'.
        members = [(f"{key}[{i}]" if not isinstance(value, (set, frozenset)) else f"{key}{{}}", v)
                   for i, v in enumerate(itertools.islice(value, limit[0]))]  # fmt: skip
    else:
        # An instance of the user's class, or a namespace: its class, and the user code its attributes hold
        # (Pipeline(steps=[step_one, step_two]): the steps' functions were counted by their names).
        cls = type(value)
        own = [(f"{key}.<class>", cls)] if _is_user_code(cls) else []
        if not own and cls is not types.SimpleNamespace:
            return []
        attributes = getattr(value, "__dict__", None)
        if not isinstance(attributes, dict):
            return own
        return own + _user_code_inside(f"{key}.<attributes>", attributes, depth + 1, limit)
    for member_key, member in members:
        if isinstance(value, (set, frozenset)) and (inspect.isfunction(member) or inspect.isclass(member)):
            member_key = f"{key}{{{_module_name(member)}.{member.__qualname__}}}"
        elif isinstance(value, (set, frozenset)):
            member_key = f"{key}{{{_module_name(type(member))}.{type(member).__qualname__}}}"
        out += _user_code_inside(member_key, member, depth + 1, limit)
    return out



def _class_functions(cls: type) -> list[Any]:
    """The functions a class defines: methods, and those under ``staticmethod``, ``classmethod`` and ``property``."""
    import inspect

    out = []
    for member in vars(cls).values():
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if isinstance(member, property):
            out += [f for f in (member.fget, member.fset, member.fdel) if inspect.isfunction(f)]
        elif inspect.isfunction(member):
            out.append(member)
    return out

def _resolve_scenario(scenario: Any) -> PointFunction:
    if isinstance(scenario, (str, os.PathLike)):
        return TomlScenario(scenario)
    if callable(scenario):
        return scenario
    raise ValueError(
        "scenario must be a point function fn(params: dict, seed: int) -> dict or the path of a "
        f"scenario TOML file, got {type(scenario).__name__} {written(scenario)}"
    )


# --- example point function -------------------------------------------------------------------------


def example_point(params: Mapping[str, Any], seed: int) -> dict:
    """A small point function: one heralded link of a hardware preset, sampled for a while.

    Draws the number of heralded pairs in ``until_s`` seconds of attempts (binomial), then checks
    each pair against Phi+ (it passes with probability equal to the link's fidelity), so both
    results carry sampling noise that shrinks with ``until_s``. Closed form underneath
    (:func:`qnsim.heralded_link` through the preset); no memory decoherence.

    Args:
        params: Optional keys ``length_km`` (node-to-node fiber, km, default 10), ``until_s``
            (sampled time, s, default 1), ``preset`` (a :mod:`qnsim.presets` function name,
            default ``"nv_near_term"``) and ``scheme`` (``"single_click"`` or ``"double_click"``,
            default the preset's).
        seed: Seed of the point's random draws (numpy ``default_rng``).

    Returns:
        ``rate_hz`` (delivered pairs / until_s), ``mean_fidelity`` (fraction of pairs passing
        the check; NaN without pairs), ``pairs``, and the closed-form ``expected_rate_hz`` and
        ``expected_fidelity``.

    Example:
        >>> row = example_point({"length_km": 10.0, "until_s": 10.0}, seed=1)
        >>> sorted(row)
        ['expected_fidelity', 'expected_rate_hz', 'mean_fidelity', 'pairs', 'rate_hz']
        >>> abs(row["rate_hz"] / row["expected_rate_hz"] - 1) < 0.1
        True
    """
    import numpy as np

    from qnsim import presets

    if not isinstance(params, Mapping):  # a string was read as its letters ("unknown parameters ['e', 'n', ...]")
        raise TypeError(f"example_point params must be a mapping (name -> value), got {written(params)}")
    unknown = unknown_keys(params, ("length_km", "until_s", "preset", "scheme"))
    if unknown:
        raise ValueError(f"example_point got unknown parameters {unknown}")
    preset_name = params.get("preset", "nv_near_term")
    if preset_name not in presets.__all__ or preset_name == "HardwarePreset":
        raise ValueError(f"example_point preset must be one of the qnsim.presets functions, got {written(preset_name)}")
    # Read as numbers, not through float(): True ran 1 km, "10" 10 km, and until_s = inf overflowed int().
    until_s = real_number("example_point until_s", params.get("until_s", 1.0), minimum=0.0, exclusive_minimum=True,
                          unit="s", error=ValueError)
    length_km = real_number("example_point length_km", params.get("length_km", 10.0), minimum=0.0, unit="km",
                            error=ValueError)
    link = getattr(presets, preset_name)().link(length_km, params.get("scheme"))
    rng = np.random.default_rng(check_seed("seed", seed))  # numpy's refusal of -1 named no argument
    attempts = int(until_s / link.attempt_period_s)
    pairs = int(rng.binomial(attempts, link.success_probability))
    passed = int(rng.binomial(pairs, min(max(link.fidelity, 0.0), 1.0)))
    return {
        "rate_hz": pairs / until_s,
        "mean_fidelity": passed / pairs if pairs else math.nan,
        "pairs": pairs,
        "expected_rate_hz": link.rate_hz,
        "expected_fidelity": link.fidelity,
    }


# --- result files ---------------------------------------------------------------------------------


def _format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


#: The integers a Parquet column holds (int64).
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_UINT64_MAX = 2**64 - 1


def is_seed_column(name: object) -> bool:
    """True for a column that holds seeds, in [0, 2**64 - 1]: the sweep's ``seed`` and any ``..._seed``
    (a qec sweep's ``link_seed``). A Parquet out writes each as unsigned 64-bit once a seed needs it.

    Example:
        >>> is_seed_column("seed"), is_seed_column("link_seed"), is_seed_column("seeds")
        (True, True, False)
    """
    return isinstance(name, str) and (name == SEED_COLUMN or name.endswith("_seed"))


def _parse_cell(text: str) -> Any:
    """Inverse of :func:`_format_cell` for the values a sweep writes."""
    if text == "":
        return None
    digits = text[1:] if text[0] in "+-" else text
    if digits.isdigit() and digits.isascii():  # [+-]?[0-9]+ (a regular expression's match took 3x as long)
        return int(text)
    if text in ("True", "False"):
        return text == "True"
    try:
        value = float(text)
    except ValueError:
        return text
    if value == 0.0 or math.isinf(value):
        # A cell edited by hand to 1e-400 or 1e400 read back as 0.0 or inf, a value no sweep wrote (repr of a
        # float is always in range), and a plot or a threshold fit used it; the grid cells are caught by their point
        # id, the result cells by this, as a TOML or JSON number is (read_results names the line and column).
        value = float_literal(text)
    return value


def _csv_reading(value: Any) -> str | None:
    """What a CSV cell of ``value`` reads back as, when that is not ``value`` itself; else None.

    A CSV cell has no type: the text "007" reads back as the int 7, "1e3" as 1000.0, "" as None
    and "True" as a bool. A resumed sweep (and :func:`read_results`) would then return another
    value than the point function did, so such values are refused instead of written.
    """
    try:
        back = _parse_cell(_format_cell(value))
    except ValueError as exc:  # text such as "1e-400", which no reading takes back as itself
        return f"a refusal ({exc})"
    same_nan = isinstance(value, float) and isinstance(back, float) and math.isnan(value) and math.isnan(back)
    if type(back) is type(value) and (back == value or same_nan):
        return None
    return f"{type(back).__name__} {written(back)}"


def _check_csv_cells(row: Mapping[str, Any], where: str) -> None:
    """Raises SweepError naming the first cell of ``row`` a CSV would not read back unchanged."""
    for key, value in row.items():
        if key in _TEXT_COLUMNS:  # read back as text by name
            continue
        if isinstance(value, str) and len(value) > csv.field_size_limit():
            # Written, then unreadable: the csv module reads no cell longer than its field limit, so read_results
            # and every resume of the file failed ("field larger than field limit (131072)").
            raise SweepError(
                f"{where}: {written(key)} is text of {len(value):,} characters, more than a CSV cell is read back with "
                f"({csv.field_size_limit():,}); return it shorter (or a path to a file holding it) or write a "
                ".parquet out"
            )
        reading = _csv_reading(value)
        if reading is not None:
            raise SweepError(
                f"{where}: {written(key)} = {type(value).__name__} {written(value)} would read back from a CSV out as "
                f"{reading} (a CSV cell has no type), so a resumed sweep would return another value; "
                "return it in a form that reads back as itself (a number as a number, None for no value, "
                "text that is not a number, bool or empty) or write a .parquet out"
            )


#: The version of :func:`_row_digest`'s text, its first field: a later qnsim that digests otherwise names another.
_DIGEST_VERSION = "1"


def _cell_text(key: str, value: Any) -> str:
    """The text one cell adds to its row's digest: its column, the type of its value and the value as a CSV writes it
    (a float by its repr, exact), so that a CSV's cell and a Parquet column's read back digest alike."""
    if isinstance(value, np.generic):
        value = value.item()
    kind = type(value)
    if kind is float:
        text = "f" + repr(value)
    elif kind is str:
        text = "s" + value
    elif kind is int:
        text = "i" + str(value)
    elif kind is bool:
        text = "b" + str(value)
    elif value is None:
        text = "n"
    else:  # no value a sweep writes (a Parquet part edited to hold a list): digested, so it differs
        text = "o" + repr(value)
    return f"{len(key)}:{key}={text}\n"


def _cell_byte(key: str, value: Any) -> int:
    return hashlib.blake2b(_cell_text(key, value).encode("utf-8", "surrogatepass"), digest_size=1).digest()[0]


def _digest_keys(row: Mapping[str, Any]) -> list[str]:
    """The columns of a sweep's ``row`` its ``row_digest`` is made of, by name: its results and its ``point_id`` (the
    columns after ``seed``, a sweep writes its grid values and its seed first, but its ``scenario_id``). The grid
    cells, the seed and the scenario_id are the point_id's (:class:`_IdsOfCells` refuses a row whose point_id they
    do not give, naming the edit as such); the point_id binds the results to their point (results moved to another
    row with their digest are refused)."""
    keys = list(row)
    start = keys.index(SEED_COLUMN) + 1 if SEED_COLUMN in keys else 0
    return sorted(k for k in keys[start:] if k != SCENARIO_COLUMN and k != DIGEST_COLUMN)


def _row_digest(row: Mapping[str, Any], cells: bool = True, keys: Sequence[str] | None = None) -> str:
    """The ``row_digest`` cell of ``row``: ``1:<whole>:<cells>``. ``whole`` is 16 hex digits (64 bits) of the SHA-256
    of its cells of ``keys`` (default :func:`_digest_keys`) that hold a value, by column name (blanks are left out: a
    Parquet part read beside others gains a blank cell for each of their columns it lacks); ``cells`` is one byte (2
    hex digits) of a digest of each of those cells, blanks included, by column name, so that a reader that finds
    ``whole`` changed names the column(s) whose cells changed (:func:`_edited_columns`). ``1`` is the version of
    this text. Without ``cells``, ``1:<whole>`` only (what a reader compares first)."""
    keys = _digest_keys(row) if keys is None else sorted(keys)
    text = "".join([_cell_text(k, row[k]) for k in keys if row[k] is not None])
    head = f"{_DIGEST_VERSION}:{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"
    return head if not cells else f"{head}:{bytes(_cell_byte(k, row[k]) for k in keys).hex()}"


def _digest_matches(row: Mapping[str, Any], keys: Sequence[str] | None = None) -> bool | None:
    """Whether ``row``'s cells (of ``keys``: see :func:`_row_digest`) are those its ``row_digest`` was made of; None
    when it has none (a row written by a qnsim before rows carried one, or by hand): it cannot be told."""
    digest = row.get(DIGEST_COLUMN)
    if digest is None or digest == "":
        return None
    if not isinstance(digest, str):
        return False
    return digest.startswith(_row_digest(row, cells=False, keys=keys) + ":")


def _edited_columns(row: Mapping[str, Any], keys: Sequence[str] | None = None) -> list[str]:
    """The columns of ``row`` (one whose :func:`_digest_matches` is False) whose cells are not those its
    ``row_digest`` was made of (a change that keeps a cell's one byte, 1 in 256, is not named); empty when the digest
    cannot tell (edited itself, or made of another number of columns: a Parquet part read beside parts of other
    columns)."""
    digest = row.get(DIGEST_COLUMN)
    parts = digest.split(":") if isinstance(digest, str) else []
    keys = _digest_keys(row) if keys is None else sorted(keys)
    try:
        written_cells = bytes.fromhex(parts[2]) if len(parts) == 3 and parts[0] == _DIGEST_VERSION else b""
    except ValueError:
        written_cells = b""
    if len(written_cells) != len(keys):
        return []
    changed = {k for k, byte in zip(keys, written_cells) if _cell_byte(k, row[k]) != byte}
    return [k for k in row if k in changed]


def _edited_row_message(where: str, location: str, row: Mapping[str, Any]) -> str:
    """The refusal of a row whose cells are not those its ``row_digest`` was made of (see :func:`_row_digest`)."""
    columns = _edited_columns(row)
    keys = list(row)
    keys = keys[: keys.index(SEED_COLUMN) + 1] if SEED_COLUMN in keys else []  # its grid cells, then its seed
    point = ", ".join(f"{k} = {written(row[k])}" for k in keys if row[k] is not None)
    if columns == [ID_COLUMN]:
        # Its point_id is its cells' (checked before): its results, with their digest, are another row's.
        what = "its results (moved here with their row_digest from another point's row?)"
    elif len(columns) == 1:
        what = f"its {written(columns[0])} cell (now {written(row[columns[0]])})"
    elif columns:
        what = "its cells " + ", ".join(f"{written(c)} (now {written(row[c])})" for c in columns[:6])
    else:
        what = "a cell (which one its digest cannot tell)"
    verb = "are" if len(columns) > 1 or columns == [ID_COLUMN] else "is"
    return (
        f"{where} {location} (point {row.get(ID_COLUMN)}{f': {point[:300]}' if point else ''}): {what} {verb} not "
        f"what its sweep wrote: the row's {DIGEST_COLUMN} was made of other cells, so it was edited after it was "
        "written and would be read as computed; restore the cell, or delete the row (a resumed sweep then runs its "
        "point again)"
    )


def _with_digest_column(columns: list[str]) -> list[str]:
    """``columns`` with ``row_digest`` put just before ``point_id`` (which a sweep's rows end with: a CSV row cut short
    is told by its last cell, see :func:`_whole_rows_end`), or last."""
    at = columns.index(ID_COLUMN) if ID_COLUMN in columns else len(columns)
    return [*columns[:at], DIGEST_COLUMN, *columns[at:]]


def _drop_digests(rows: list[dict]) -> int:
    """Takes the ``row_digest`` cell out of each of ``rows`` (checked by the reader: it is no result) and returns how
    many rows had none (written by a qnsim before rows carried one, or by hand): their cells cannot be checked."""
    unverified = 0
    for row in rows:
        digest = row.pop(DIGEST_COLUMN, None)
        if digest is None or digest == "":
            unverified += 1
    return unverified


def _unverified_remark(out: Any, unverified: int, rows: int) -> str:
    """What a reader says of ``unverified`` rows of ``rows`` without a digest (see :func:`_drop_digests`)."""
    return (
        f"{out}: {unverified} of its {rows} rows carry no {DIGEST_COLUMN} (written by a qnsim before rows carried "
        "one, or by hand), so whether their cells were edited after they were written cannot be checked: they are "
        "read as they are"
    )


#: The end of the name of the temporary file a finished sweep writes its out's rows to, in order (see
#: :meth:`_CsvSink.put_in_order`).
_IN_ORDER_SUFFIX = ".in-order.tmp"


class _CsvSink:
    """Append-only CSV: whole lines, one write each, fsync'd; a partial last line is cut off."""

    def __init__(self, path: Path, key_columns: list[str]) -> None:
        self.path = path
        self.key_columns = key_columns
        self.header: list[str] | None = None
        self.fd: int | None = None
        self.lock_fd: int | Path | None = None
        #: The points whose rows are in the file: a point handed over twice (a Ctrl-C between its row's write and
        #: the sweep's note of it, whose clean-up keeps the points that finished) is written once.
        self.written: set[str] = set()
        #: The last write while it may not be whole (see :meth:`_settle`): its point (None for the header), its
        #: bytes and the file's size before it.
        self.unsure: tuple[str | None, bytes, int] | None = None
        #: How many rows :meth:`load` read without a ``row_digest`` (see :func:`_drop_digests`).
        self.unverified = 0

    def lock(self, take_over: bool = False) -> None:
        """Makes this sweep the only one writing the file until :meth:`close` (``take_over``: see
        :func:`_hold_out`)."""
        if self.path.is_dir():
            raise ValueError(f"out {str(self.path)!r} is a directory; a CSV out must be a file")
        if self.lock_fd is None:
            _refuse_names_out_of_reach(self.path)
            self.lock_fd = _lock_out(self.path, self.path, take_over)
            _refuse_if_running_elsewhere(self)

    def load(self) -> list[dict]:
        if not self.path.exists():
            return []
        if self.path.is_dir():
            raise ValueError(f"out {str(self.path)!r} is a directory; a CSV out must be a file")
        if self.lock_fd is not None:
            # A sweep killed while it put the rows in order (put_in_order) left its temporary file; the out is whole.
            target = _link_target(self.path)
            for leftover in target.parent.glob(glob.escape(f".{target.name}.") + "*" + _IN_ORDER_SUFFIX):
                leftover.unlink(missing_ok=True)
            _clear_state_leftovers(self.path)
        raw = self.path.read_bytes()
        complete = _whole_rows_end(raw)
        if complete == 0 and raw and not self._is_partial_header(raw):
            # Any other text without a line end (notes, random bytes) was cut to nothing as "a partial
            # last line" and written over.
            raise ValueError(
                f"out {str(self.path)!r} holds {len(raw)} bytes and no complete line, and they do not begin "
                "this "
                "sweep's header, so it is not a result file of this sweep; choose another out path or delete the file"
            )
        # The file is read as a sweep's (its header checked) before its partial last line is cut off:
        # another program's CSV lost its last line, and then the sweep refused the file.
        unterminated = complete == len(raw) and raw and not raw.endswith(b"\n")  # a whole row without its line end
        header, rows = _read_csv(self.path, raw[:complete], "out")
        missing = [c for c in self.key_columns if c not in (header or self.key_columns)]
        if missing:
            raise ValueError(
                f"out {str(self.path)!r} has columns {header}, but this sweep needs {missing}: it was "
                "written by another sweep; choose another out path or delete the file"
            )
        if complete < len(raw):
            cut_torn_line(self.path, raw, complete)
        if unterminated:
            # Its line end, so that the next row starts a line of its own (appended to it, both rows were lost).
            with open(self.path, "ab") as f:
                f.write(b"\n")
                f.flush()
                os.fsync(f.fileno())
        self.header = header
        self.written = {row[ID_COLUMN] for row in rows if row.get(ID_COLUMN)}
        self.unverified = _drop_digests(rows)
        return rows

    def _is_partial_header(self, raw: bytes) -> bool:
        """Whether ``raw`` (no complete line) is the start of the header this sweep writes: its grid
        columns and the seed column come first (the header of a sweep killed while writing it)."""
        if SEED_COLUMN not in self.key_columns:
            return False
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(self.key_columns[: self.key_columns.index(SEED_COLUMN) + 1])
        expected = buffer.getvalue() + ","
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:  # cut inside a character counts as text that is not this header
            return False
        return expected.startswith(text) or text.startswith(expected)

    def check_writable(self) -> None:
        """Opens the file for appending now, so that an unwritable out fails before any point runs."""
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, row: dict) -> None:
        """Writes ``row`` unless its point's row is in the file already."""
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        self._settle()
        point = row.get(ID_COLUMN)
        if point in self.written:
            return
        if self.header is None:
            self.header = _with_digest_column(list(row))
        if os.fstat(self.fd).st_size == 0:  # a new file, or one whose header a stop cut short (see _settle)
            self._write([self.header], None)
        extra = [k for k in row if k not in self.header]
        if extra:
            raise SweepError(
                f"point {row.get(ID_COLUMN)} returned columns {extra} that are not in the header of "
                f"{str(self.path)!r} ({self.header}); every point must return the same columns"
            )
        _check_csv_cells(row, f"point {row.get(ID_COLUMN)} (seed {row.get(SEED_COLUMN)})")
        if DIGEST_COLUMN in self.header:  # a file of a qnsim before rows carried one has no column for it
            row = {**row, DIGEST_COLUMN: _row_digest(row)}
        self._write([[_format_cell(row.get(k)) for k in self.header]], point)

    def _write(self, records: list[list[str]], point: str | None) -> None:
        """Appends ``records`` (the header when ``point`` is None, else that point's row): the row on disk is
        the record that the point is written, so an exception anywhere in here (a Ctrl-C as the write returns,
        a full disk half-way) leaves :meth:`_settle` to tell from the file whether it is whole."""
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(records)
        data = buffer.getvalue().encode("utf-8")
        with naming_file(self.path):  # a full disk said only "No space left on device"
            self.unsure = (point, data, os.fstat(self.fd).st_size)
            while data:
                written = os.write(self.fd, data)
                data = data[written:]
            os.fsync(self.fd)
        if point is not None:
            self.written.add(point)
        self.unsure = None

    def _settle(self) -> None:
        """Settles a write that an exception left unsure: whole in the file, it is noted as written; cut short
        (a full disk, a signal between two parts of it), it is cut off, so that the file ends with a whole row
        again (a row appended after a cut one made a line of the wrong length: every later read failed)."""
        if self.unsure is None or self.fd is None:
            return
        point, data, start = self.unsure
        with naming_file(self.path):
            size = os.fstat(self.fd).st_size
            if size == start + len(data) and os.pread(self.fd, len(data), start) == data:
                if point is not None:
                    self.written.add(point)
            elif size > start:
                os.truncate(self.path, start)
                os.fsync(self.fd)
        self.unsure = None

    def flush(self, force: bool = False) -> None:
        pass

    def put_in_order(self, order: Callable[[list[dict]], list[dict]], still_ours: Callable[[], None]) -> None:
        """Rewrites the file with its lines in the order ``order`` gives their rows (:func:`_in_point_order`, the
        order :func:`read_results` reads them in) and each point's line once (:func:`_without_copies`), if they are
        not so: rows are appended as points finish, and
        ``pandas.read_csv`` and a spreadsheet read lines as they are (a sweep on several workers read shuffled).

        The lines are written as they are (the same bytes, header first) to a temporary file beside the out,
        locked, synced and renamed over the out: a kill at any moment leaves the out whole, as it was or in order
        (a leftover temporary file is deleted by the next sweep holding the out, :meth:`load`). The lock moves
        with the file. A file with other names (hard links) is left as it is: a rename gives this name a new
        file, and the other names would keep the old one and no longer be the same out. ``still_ours`` (the
        sweep's ownership check) is called before the rename: a sweep taken over while it rewrote would replace
        the rows the other sweep wrote since.

        Raises:
            OSError: The file could not be rewritten (the out is as it was).
        """
        target = _link_target(self.path)
        raw = target.read_bytes()
        before = os.stat(target)
        if not raw.endswith(b"\n"):
            return
        lines = [line + b"\n" for line in raw[:-1].split(b"\n")]
        records = csv.reader(raw.decode("utf-8-sig").split("\n")[:-1])  # one record a line (no cell holds a line end)
        header = next(records)
        # What the order reads of a row (its grid cells, seed and point id; see _unrecorded_sorted), in column order.
        keys = header[: header.index(SEED_COLUMN) + 1] if SEED_COLUMN in header else []
        at = header.index(ID_COLUMN) if ID_COLUMN in header else None
        parsed: dict[tuple[str, str], Any] = {}  # each distinct cell of a column parsed once (a grid has few)

        def cell(key: str, text: str) -> Any:
            try:
                return parsed[(key, text)]
            except KeyError:
                value = parsed[(key, text)] = _parse_cell(text)
                return value

        rows = [{**{k: cell(k, v) for k, v in zip(keys, record)}, ID_COLUMN: None if at is None else record[at]}
                for record in records]  # fmt: skip
        line_of = {id(row): line for row, line in zip(rows, lines[1:])}
        # A copy is the same line (the bytes a sweep writes for a point; a hand-made variant is no copy).
        kept = _without_copies(order(rows), lambda a, b: line_of[id(a)] == line_of[id(b)])
        ordered = [line_of[id(row)] for row in kept]
        if ordered == lines[1:]:
            return
        if before.st_nlink > 1:
            # Said, not silent: the file looked finished and in order to pandas and a spreadsheet.
            others = [str(p) for p in _other_names(target)]
            _log.warning(
                "%s: its rows stay in the order their points finished (pandas.read_csv and spreadsheets read them so; "
                "qnsim.sweeps.read_results orders them): the file has %d other name(s) (hard links%s), and writing "
                "it in order would give this name a new file apart from them; remove the other names (or copy the "
                "file) and run the sweep again to put it in order",
                self.path, before.st_nlink - 1, f": {', '.join(others)}" if others else "",
            )  # fmt: skip
            return
        tmp = target.with_name(f".{target.name}.{os.getpid()}{_IN_ORDER_SUFFIX}")
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        locked = False
        try:
            os.chmod(tmp, S_IMODE(before.st_mode))  # the out's own (os.open's mode is cut by the umask)
            if isinstance(self.lock_fd, int):
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nobody else knows the file yet: never refused
                locked = True
            with naming_file(self.path):
                data = b"".join([lines[0], *ordered])
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            still_ours()
            now = os.stat(target)
            if (now.st_ino, now.st_size, now.st_mtime_ns) != (before.st_ino, before.st_size, before.st_mtime_ns):
                raise OSError(errno.EAGAIN, "the out changed while its rows were put in order", str(target))
            os.replace(tmp, target)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        _fsync_dir(target.parent)
        # The lock is the new file's now (taken above); the old file's lock and append descriptor go.
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if locked:
            _unlock_out(self.lock_fd)
            _LOCK_FDS.add(fd)
            self.lock_fd = fd
        else:
            os.close(fd)

    def close(self, flush: bool = True) -> None:
        """Settles the last write and releases the lock (``flush``: as :meth:`_ParquetSink.close`'s; a CSV row
        is written as it comes)."""
        if self.fd is not None:
            try:
                self._settle()
            except OSError:  # the file is read without a row cut short all the same (see _whole_rows_end)
                pass
            os.close(self.fd)
            self.fd = None
        if self.lock_fd is not None:
            _unlock_out(self.lock_fd)
            self.lock_fd = None


#: The key of a Parquet part's metadata that named the parts it replaced, written by an earlier qnsim on the part in
#: point order (a kill between its rename and its deletions left them): read, no longer written (see
#: :data:`_IN_ORDER_MARKER`).
_REPLACES_KEY = "qnsim_replaces"

#: The file a Parquet out holds while a finished sweep swaps its parts for one part in point order
#: (:meth:`_ParquetSink.put_in_order`): not Parquet, so that a reader of the directory as it is
#: (``pandas.read_parquet``, ``pyarrow.dataset``) that lists it fails, naming it, instead of reading the new part
#: beside the parts it replaces (every row twice). It names the new part and the parts it replaces (JSON).
_IN_ORDER_MARKER = "rows-being-put-in-order--read-again-once-this-file-is-gone"


def _replaced_parts(schema: Any) -> list[str]:
    """The names of the parts a part of ``schema`` replaces (see :data:`_REPLACES_KEY`; none for others)."""
    try:
        names = json.loads((schema.metadata or {}).get(_REPLACES_KEY.encode(), b"[]"))
    except ValueError:
        return []
    return [name for name in names if isinstance(name, str)] if isinstance(names, list) else []


def _marked_swap(directory: Path) -> tuple[str, list[str]] | None:
    """The part swap a Parquet out's :data:`_IN_ORDER_MARKER` names (the new part, the parts it replaces), or None
    (no marker, or one that cannot be read: then no part is taken for replaced)."""
    try:
        content = json.loads((directory / _IN_ORDER_MARKER).read_text())
        new, replaces = content["new"], content["replaces"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(new, str) or not isinstance(replaces, list) or not all(isinstance(r, str) for r in replaces):
        return None
    return new, replaces


def _part_name(point_ids: Sequence[Any], taken: Callable[[str], bool]) -> str:
    """The name of a Parquet part holding the rows of ``point_ids``, in that order: a digest of them, so that two
    runs of one sweep give one directory (the name was the clock and a random number: the same rows under other
    names in every run). A name ``taken`` (a part holding the same points in the same order, which a sweep does not
    write twice; rows without point ids) gets the first free ``-2``, ``-3``, ... after it."""
    digest = hashlib.sha256("\n".join("" if p is None else str(p) for p in point_ids).encode()).hexdigest()[:24]
    name, n = f"part-{digest}.parquet", 1
    while taken(name):
        n += 1
        name = f"part-{digest}-{n}.parquet"
    return name


class _ParquetSink:
    """A directory of Parquet parts; each part is written to a temporary name, then renamed."""

    MAX_ROWS = 64
    MAX_SECONDS = 2.0

    def __init__(self, path: Path, key_columns: list[str]) -> None:
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            raise ImportError("Parquet output needs pyarrow: pip install 'qnsim[parquet]'") from None
        self.path = path
        self.key_columns = key_columns
        self.buffer: list[dict] = []
        self.last_flush = time.monotonic()
        self.lock_fd: int | Path | None = None
        # The schema every part on disk has (None before the first): pandas.read_parquet(out) reads the
        # directory with its first part's schema, so a column all None there (null) made it refuse a
        # later part's text ("Unsupported cast from string to null").
        self.schema: Any = None
        #: The points whose rows are in a part on disk (see :attr:`_CsvSink.written`).
        self.written: set[str] = set()
        #: The part being written while it may not be in place (see :meth:`_settle`), and how many of the
        #: buffered rows it holds.
        self.unsure: tuple[Path, int] | None = None
        #: The seed column is unsigned 64-bit (set by the sweep when one of its seeds is 2**63 or more, for every
        #: part, so that the parts read as one table); else signed, as Arrow reads a Python int.
        self.wide_seeds = False
        #: As :attr:`_CsvSink.unverified`; and the columns of the first row :meth:`load` read (its part's).
        self.unverified = 0
        self.first_columns: list[str] | None = None

    @property
    def header(self) -> list[str] | None:
        """The columns of the parts on disk (their one schema's), None before the first (see
        :func:`_changed_columns`)."""
        return None if self.schema is None else list(self.schema.names)

    def lock(self, take_over: bool = False) -> None:
        """Makes this sweep the only one writing the directory until :meth:`close` (a ``.lock``
        file in it holds the lock; ``take_over``: see :func:`_hold_out`)."""
        if self.path.exists() and not self.path.is_dir():
            raise ValueError(
                f"out {str(self.path)!r} is a file; a Parquet out is a directory of part files written by sweep"
            )
        if self.lock_fd is None:
            self.path.mkdir(parents=True, exist_ok=True)
            self.lock_fd = _lock_out(self.path / ".lock", self.path, take_over)
            _refuse_if_running_elsewhere(self)

    def load(self) -> list[dict]:
        import pyarrow.parquet as pq

        if not self.path.exists():
            return []
        if not self.path.is_dir():
            raise ValueError(
                f"out {str(self.path)!r} is a file; a Parquet out is a directory of part files written by sweep"
            )
        if self.lock_fd is not None:
            # Only the sweep holding the out's lock clears a killed sweep's temporary parts: read_results (a
            # summary, a plot) of a running sweep deleted the part it was writing, and the sweep died on the rename.
            for leftover in self.path.glob(".part-*.tmp"):
                leftover.unlink()
            for leftover in self.path.glob(".probe-*.tmp"):  # check_writable's, of a sweep killed right there
                leftover.unlink(missing_ok=True)
            _clear_state_leftovers(self.path)
        swap = _marked_swap(self.path)
        located: list[tuple[str, dict]] = []
        schemas = []
        for attempt in range(3):
            try:
                tables = {part: pq.read_table(part) for part in sorted(self.path.glob("part-*.parquet"))}
                break
            except FileNotFoundError:
                # A sweep finishing meanwhile deleted a part listed here (put_in_order): its rows are in the part
                # that replaced it, which a new listing finds.
                if attempt == 2:
                    raise
        # A part a finished sweep wrote its rows to in order (put_in_order) replaces the parts its marker names
        # (an earlier qnsim's, its metadata); a sweep killed before it deleted them all left some: their rows are
        # the new part's, read once (and deleted by the sweep holding the out). The marker counts only once its new
        # part is in place: killed before, the parts it names are the out's rows.
        replaced = {name for table in tables.values() for name in _replaced_parts(table.schema)}
        if swap is not None and any(part.name == swap[0] for part in tables):
            replaced.update(swap[1])
        replaced.discard(swap[0] if swap is not None else "")
        for part in [part for part in tables if part.name in replaced]:
            del tables[part]
            if self.lock_fd is not None:
                part.unlink(missing_ok=True)
        if self.lock_fd is not None and (self.path / _IN_ORDER_MARKER).exists():
            _fsync_dir(self.path)  # the deletions on disk before the marker goes
            (self.path / _IN_ORDER_MARKER).unlink()
        if (replaced or swap is not None) and self.lock_fd is not None:
            _fsync_dir(self.path)
        for part, table in tables.items():
            missing = [c for c in self.key_columns if c not in table.column_names]
            if missing:
                raise ValueError(
                    f"out {str(self.path)!r} part {part.name} lacks columns {missing}: it was written "
                    "by another sweep; choose another out path or delete it"
                )
            located.extend((f"part {part.name} row {i + 1}", row) for i, row in enumerate(table.to_pylist()))
            schemas.append(table.schema)
        if schemas and self.key_columns:  # a sweep's sink (read_results reads only): parts of one schema
            self.schema = self._unified(schemas, "the parts already in it")
            self._align_parts()
        # As a CSV's lines: a part copied twice counted its points twice, two different rows of one point
        # kept the first silently (resume) or both (read_results, a threshold fit).
        rows = _one_row_per_point(located, f"out {str(self.path)!r}")
        self.written = {row[ID_COLUMN] for row in rows if row.get(ID_COLUMN)}
        self.first_columns = list(rows[0]) if rows else None  # with its row_digest, as the state records them
        self.unverified = _drop_digests(rows)
        return rows

    def _unified(self, schemas: list, what: str) -> Any:
        """One schema for all ``schemas`` (a null column takes the type another gives it), or SweepError."""
        import pyarrow as pa

        try:
            return pa.unify_schemas([s.remove_metadata() for s in schemas])
        except (pa.ArrowException, ValueError) as exc:
            raise SweepError(
                f"the Parquet out {str(self.path)!r}: {what} give a column two types ({exc}); every point must "
                "return the same type in each column (a float as 0.0, not 0), or the parts do not read as one table"
            ) from None

    def _align_parts(self) -> None:
        """Rewrites each part whose schema is not :attr:`schema` (a null column that has a type now),
        one at a time, each to a temporary name and renamed: a part is always whole."""
        import pyarrow.parquet as pq

        for part in sorted(self.path.glob("part-*.parquet")):
            schema = pq.read_schema(part).remove_metadata()
            if schema.equals(self.schema):
                continue
            self._write_part(self._conform(pq.read_table(part)), part.name)

    def _conform(self, table: Any) -> Any:
        """``table`` in :attr:`schema`: its columns in that order, cast, and a null column for each it
        lacks (rows of other points in the out may have other parameter columns)."""
        import pyarrow as pa

        columns = [
            table.column(f.name) if f.name in table.column_names else pa.nulls(len(table), f.type)
            for f in self.schema
        ]
        return pa.Table.from_arrays(columns, schema=self.schema) if columns else table

    def _write_part(self, table: Any, name: str) -> None:
        import pyarrow.parquet as pq

        tmp = self.path / f".{name}.tmp"
        # Arrow's error on a full disk named no file ("Error writing bytes to file"): the out is named.
        with naming_file(self.path):
            try:
                pq.write_table(table, tmp)
                with open(tmp, "rb") as f:
                    os.fsync(f.fileno())
            except BaseException:
                tmp.unlink(missing_ok=True)  # a part cut short is not left for the next sweep to clear
                raise
            os.replace(tmp, self.path / name)
            _fsync_dir(self.path)

    def check_writable(self) -> None:
        """Creates the directory and a probe file now, so an unwritable out fails before any point runs."""
        self.path.mkdir(parents=True, exist_ok=True)
        probe = self.path / f".probe-{uuid.uuid4().hex[:8]}.tmp"
        probe.write_bytes(b"")
        probe.unlink()

    def append(self, row: dict) -> None:
        """Buffers ``row`` (written with the next part) unless its point is written or buffered already."""
        self._settle()
        point = row.get(ID_COLUMN)
        if point in self.written or any(point == kept.get(ID_COLUMN) for kept in self.buffer):
            return
        self._check_kinds(row)
        digest = _row_digest(row)
        self.buffer.append({k: digest if k == DIGEST_COLUMN else row[k] for k in _with_digest_column(list(row))})
        self.flush()

    def _column_kinds(self) -> dict[str, type]:
        """The Python type of each column's values so far: the parts' on disk, then the buffered rows'."""
        import pyarrow as pa

        kinds: dict[str, type] = {}
        for field in self.schema or []:
            for test, kind in ((pa.types.is_boolean, bool), (pa.types.is_integer, int), (pa.types.is_floating, float),
                               (pa.types.is_string, str), (pa.types.is_large_string, str)):  # fmt: skip
                if test(field.type):
                    kinds[field.name] = kind
                    break
        for buffered in self.buffer:
            for key, value in buffered.items():
                if value is not None:
                    kinds.setdefault(key, type(value))
        return kinds

    def _wide_seed_columns(self) -> set[str]:
        """The seed columns written as unsigned 64-bit: one rule for every column that holds a seed (the sweep's
        ``seed``, a qec sweep's ``link_seed``): unsigned once any of its seeds, written or buffered, is 2**63 or
        more (``link_seed`` = 2**63 was refused as "beyond a 64-bit integer" where ``seed`` = 2**63 was written)."""
        import pyarrow as pa

        wide = {f.name for f in self.schema or [] if is_seed_column(f.name) and pa.types.is_uint64(f.type)}
        if self.wide_seeds:
            wide.add(SEED_COLUMN)
        for row in self.buffer:
            wide.update(k for k, v in row.items() if is_seed_column(k) and isinstance(v, int) and v > _INT64_MAX)
        return wide

    def _check_kinds(self, row: dict) -> None:
        """Refuses a row with a value of another type than its column's so far, after writing the rows
        buffered before it: it failed at the next write (up to :attr:`MAX_ROWS` points later), and the
        rows buffered by then, finished and consistent, were lost with it."""
        for key, value in row.items():
            if is_seed_column(key) and isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _UINT64_MAX:
                continue  # a seed (the sweep's own, a link's), in [0, 2**64 - 1]: written unsigned when it needs it
            if isinstance(value, int) and not isinstance(value, bool) and not _INT64_MIN <= value <= _INT64_MAX:
                # Failed at the next write as "Python int too large to convert to C long", naming no cell, and
                # lost the rows buffered with it.
                self.flush(force=True)
                raise SweepError(
                    f"point {row.get(ID_COLUMN)} (seed {row.get(SEED_COLUMN)}): {written(key)} = {written(value)} is "
                    "beyond a "
                    "64-bit integer, the widest a Parquet column holds; return it as a float or text, or write a "
                    ".csv out"
                )
        kinds = self._column_kinds()
        for key, value in row.items():
            kind = kinds.get(key)
            if value is None or kind is None or type(value) is kind:
                continue
            self.flush(force=True)
            raise SweepError(
                f"point {row.get(ID_COLUMN)} (seed {row.get(SEED_COLUMN)}): {written(key)} = {type(value).__name__} "
                f"{written(value)}, but the Parquet out's column holds {kind.__name__} values (a column has one "
                "type), so "
                "it would read back as another value or not be written; return the same type for every point (a "
                "float as 0.0, not 0)"
            )

    def _table(self) -> Any:
        """The buffered rows as an Arrow table, checked to read back as they are."""
        import pyarrow as pa

        try:
            schema = None
            wide = self._wide_seed_columns()
            if wide:
                # Arrow reads a Python int as signed 64-bit: seeds from 2**63 on need the column's type given.
                inferred = pa.Table.from_pylist([{**row, **{c: 0 for c in wide if c in row}} for row in self.buffer])
                schema = inferred.schema
                for column in wide:
                    if column in schema.names:
                        schema = schema.set(schema.get_field_index(column), pa.field(column, pa.uint64()))
            table = pa.Table.from_pylist(self.buffer, schema=schema)
        except (pa.ArrowException, OverflowError) as exc:  # text and numbers in one column, say
            raise SweepError(f"the rows cannot be written to the Parquet out {str(self.path)!r}: {exc}") from None
        for row, back in zip(self.buffer, table.to_pylist()):
            for key, value in row.items():
                stored = back.get(key)
                same_nan = isinstance(value, float) and isinstance(stored, float) and math.isnan(value) and math.isnan(stored)
                if type(stored) is not type(value) or not (stored == value or same_nan):
                    # Arrow gives a column one type: an int among floats is stored as a float.
                    raise SweepError(
                        f"point {row.get(ID_COLUMN)} (seed {row.get(SEED_COLUMN)}): {written(key)} = "
                        f"{type(value).__name__} {written(value)} would read back from the Parquet out as "
                        f"{type(stored).__name__} {written(stored)} (a column has one type), so a resumed sweep would "
                        "return "
                        "another value; return the same type for every point (a float as 0.0, not 0)"
                    )
        return table

    def _settle(self) -> None:
        """Settles a part that an exception left unsure: in place, its rows leave the buffer as written (a
        Ctrl-C as its rename returned left them buffered, and the sweep's clean-up wrote them again in a
        second part: ``pandas.read_parquet`` read those points twice)."""
        if self.unsure is None:
            return
        part, count = self.unsure
        if part.exists():
            self.written.update(row.get(ID_COLUMN) for row in self.buffer[:count])
            self.buffer = self.buffer[count:]
        self.unsure = None

    def flush(self, force: bool = False) -> None:
        import pyarrow as pa

        self._settle()
        due = len(self.buffer) >= self.MAX_ROWS or time.monotonic() - self.last_flush >= self.MAX_SECONDS
        if not self.buffer or not (force or due):
            return
        self.path.mkdir(parents=True, exist_ok=True)
        name = _part_name([row.get(ID_COLUMN) for row in self.buffer], lambda n: (self.path / n).exists())
        table = self._table()
        if self.schema is None:
            self.schema = table.schema.remove_metadata()
        else:
            # A seed column made unsigned by these rows (its first seed from 2**63 on) is unsigned in the parts
            # written before too: seeds are never negative, so their signed values convert exactly.
            for field in table.schema:
                index = self.schema.get_field_index(field.name)
                if is_seed_column(field.name) and index >= 0 and field.type != self.schema.field(index).type:
                    if pa.types.is_uint64(field.type) and pa.types.is_integer(self.schema.field(index).type):
                        self.schema = self.schema.set(index, field)
                        self._align_parts()
            first = self.buffer[0]
            where = f"point {first.get(ID_COLUMN)} (seed {first.get(SEED_COLUMN)}) and earlier points"
            schema = self._unified([self.schema, table.schema], where)
            if not schema.equals(self.schema):
                self.schema = schema
                self._align_parts()
        self.unsure = (self.path / name, len(self.buffer))
        self._write_part(self._conform(table), name)
        self._settle()
        self.last_flush = time.monotonic()

    def put_in_order(self, order: Callable[[list[dict]], list[dict]], still_ours: Callable[[], None]) -> None:
        """Writes the rows of every part into one part, in the order ``order`` gives them (:func:`_in_point_order`,
        :func:`read_results`' order; each point's row once, :func:`_without_copies`), if they are not one part in
        it already: parts are written as points
        finish, and ``pandas.read_parquet`` reads them as they are (a sweep on several workers read shuffled).

        The new part is written whole to a temporary name; then :data:`_IN_ORDER_MARKER` (naming the new part and
        the parts it replaces) is put in place, the new part renamed into place, the parts it replaces deleted, and
        the marker deleted, each step synced. A reader of the directory as it is that lists it meanwhile fails,
        naming the marker, instead of reading every row twice (the new part beside the parts it replaces); one that
        listed it before reads the old parts or fails on a deleted one. A kill leaves the rows once for every qnsim
        reader (which skips the replaced parts of a marker whose new part is in place) and the next sweep holding
        the out finishes the swap (:meth:`load`). ``still_ours``: as :meth:`_CsvSink.put_in_order`'s.

        Raises:
            OSError: The parts could not be rewritten (the out is as it was, or in order with parts left over).
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        parts = sorted(self.path.glob("part-*.parquet"))
        if not parts:
            return
        table = pa.concat_tables([self._conform(pq.read_table(part)) for part in parts]) if self.schema else None
        if table is None:
            return
        rows = table.to_pylist()
        index_of = {id(row): i for i, row in enumerate(rows)}

        def same(a: dict, b: dict) -> bool:
            return a.keys() == b.keys() and all(_same_cell(a[k], b[k]) for k in a)

        indices = [index_of[id(row)] for row in _without_copies(order(rows), same)]
        if len(parts) == 1 and indices == list(range(len(rows))):
            return
        ordered = table.take(pa.array(indices, pa.int64()))
        replaced = {part.name for part in parts}
        name = _part_name([rows[i].get(ID_COLUMN) for i in indices],
                          lambda n: n in replaced or (self.path / n).exists())  # fmt: skip
        tmp = self.path / f".{name}.tmp"
        marker_tmp = self.path / f".part-{_IN_ORDER_MARKER}.tmp"  # a leftover is deleted as a part's (load)
        marker = self.path / _IN_ORDER_MARKER
        with naming_file(self.path):
            try:
                pq.write_table(ordered, tmp)
                with open(tmp, "rb") as f:
                    os.fsync(f.fileno())
                with open(marker_tmp, "w") as f:
                    note = ("a finished sweep is putting this directory's rows in order: read it again once this "
                            "file is gone (a sweep killed meanwhile: run it again)")  # fmt: skip
                    json.dump({"new": name, "replaces": sorted(replaced), "note": note}, f)
                    f.flush()
                    os.fsync(f.fileno())
                still_ours()
                os.replace(marker_tmp, marker)
                _fsync_dir(self.path)
                os.replace(tmp, self.path / name)
            except BaseException:
                # Before the new part is in place the old parts are the out's rows: no marker to stop readers.
                for leftover in (tmp, marker_tmp) if (self.path / name).exists() else (tmp, marker_tmp, marker):
                    leftover.unlink(missing_ok=True)
                raise
            _fsync_dir(self.path)
            for part in parts:
                part.unlink(missing_ok=True)
            _fsync_dir(self.path)
            marker.unlink()
            _fsync_dir(self.path)

    def close(self, flush: bool = True) -> None:
        """Writes the buffered rows (with ``flush``) and releases the lock."""
        try:
            if flush:
                self.flush(force=True)
        finally:
            if self.lock_fd is not None:
                _unlock_out(self.lock_fd)
                self.lock_fd = None


#: How often a running sweep records that it is alive (seconds), and how old that record may grow before a sweep on
#: another machine takes the sweep for one that died there (see :func:`_alive_elsewhere`).
HEARTBEAT_S = 10.0
HEARTBEAT_STALE_S = 60.0

#: Serializes this process's writes of a state file (the sweep's own and its heartbeat's, see :class:`_Heartbeat`).
_STATE_WRITES = threading.RLock()


def _this_holder(token: str = "") -> dict:
    """What a running sweep's state records of the process running it: machine, process, its start, the time it
    wrote this (seconds since the epoch, this machine's clock; its heartbeats after it are the state file's
    modification time, see :func:`_alive_elsewhere`) and ``token``, which names this one sweep of the process."""
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": _process_start(os.getpid()) or "-",
        "heartbeat": round(time.time(), 3),
        "token": token or os.urandom(8).hex(),
    }


def _file_clock_now(directory: Path) -> float | None:
    """The time now by the clock that stamps the files of ``directory`` (the file server's, on NFS): the
    modification time of a file created there now (deleted at once). None where none can be created (a read-only
    directory).

    A sweep records itself alive by writing a file (its state, its holder); another machine's reader compares that
    file's modification time with this, both on the one clock of the file system: a machine whose clock is minutes
    behind no longer looks dead while it runs (it was taken over, and both wrote every point), nor one minutes
    ahead alive for minutes after its death."""
    probe = directory / f".qnsim-clock.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return None
    try:
        return os.fstat(fd).st_mtime
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            probe.unlink()


def _age_on_file_clock(mtime: float, directory: Path) -> float:
    """Seconds since ``mtime`` (a file's modification time in ``directory``), on the file system's clock
    (:func:`_file_clock_now`), else this machine's (which then must agree with the file server's within seconds)."""
    now = _file_clock_now(directory)
    return max(0.0, (time.time() if now is None else now) - mtime)


def _read_state_stamped(out: Path) -> tuple[dict, float]:
    """The state file of ``out`` as written (its top level) and its modification time, read from one open file (on
    NFS, opening a file fetches its attributes afresh: a ``stat`` alone may answer from a cache a minute old)."""
    with open(_state_path(out), "rb") as f:
        return json.loads(f.read().decode("utf-8")), os.fstat(f.fileno()).st_mtime


def _holder_name(holder: Any) -> str:
    """'process P on HOST' for a state's holder record (or a holder file's text), '' if it names none."""
    try:
        if isinstance(holder, dict):
            return f"process {int(holder['pid'])} on {holder['host']}"
        host, pid = str(holder).split()[:2]
        return f"process {int(pid)} on {host}"
    except (KeyError, TypeError, ValueError):
        return ""


def _alive_elsewhere(out: Path) -> tuple[str, str, float] | None:
    """(its token, its name, seconds since it was last known alive) of the sweep writing ``out`` if it runs on
    another machine and recorded itself alive within :data:`HEARTBEAT_STALE_S`; else None.

    A lock (``flock``) is the kernel's, of one machine: where a file system's locks are each client's own (an NFS
    mount with local locks, which no call can tell apart), a sweep on another machine holds the out while this one
    takes the lock too. Its state says so: the sweep that started last names itself the file's ``owner`` and
    touches the state every :data:`HEARTBEAT_S`; the age is the state file's modification time against a file
    created now beside it (:func:`_age_on_file_clock`: one clock, whatever the machines' clocks say). A state
    without an owner (written by a qnsim before owners) is read as that qnsim did: each running entry's heartbeat
    against this machine's clock (see :func:`_running_elsewhere`)."""
    try:
        content, mtime = _read_state_stamped(out)
        entries = _read_states(out) if "owner" not in content else []
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if isinstance(content, dict) and "owner" in content:
        owner = content["owner"]
        if not isinstance(owner, dict) or not _holder_name(owner) or owner.get("host") == socket.gethostname():
            return None  # nobody runs it, or a sweep of this machine: its lock (or holder) says whether it runs
        age = _age_on_file_clock(mtime, _state_path(out).parent)
        if age > HEARTBEAT_STALE_S:
            return None
        return str(owner.get("token", "")), _holder_name(owner), age
    for entry in entries:
        found = _running_elsewhere(entry)
        if found is not None:
            return str(entry["holder"].get("token", "")), *found
    return None


def _running_elsewhere(entry: dict) -> tuple[str, float] | None:
    """(its name, seconds since it was last known alive) of the sweep of state entry ``entry`` if it runs on
    another machine and recorded itself alive within :data:`HEARTBEAT_STALE_S`, by this machine's clock against
    the one of the machine that wrote it; else None. The reading of a state written by a qnsim before owners (see
    :func:`_alive_elsewhere`)."""
    holder = entry.get("holder")
    if entry.get("state") != "running" or not isinstance(holder, dict):
        return None
    try:
        host, pid, beat = str(holder["host"]), int(holder["pid"]), float(holder["heartbeat"])
    except (KeyError, TypeError, ValueError):
        return None
    if host == socket.gethostname() or not math.isfinite(beat):
        return None  # this machine's sweeps are seen by its locks (or holders), which a kill releases
    age = max(0.0, time.time() - beat)  # a clock ahead of this one: alive now
    if age > HEARTBEAT_STALE_S:
        return None
    return f"process {pid} on {host}", age


def _refuse_if_running_elsewhere(sink: Any) -> None:
    """Refuses the out of ``sink``, whose lock it has just taken (and releases), while its state records a sweep
    running on another machine (:func:`_alive_elsewhere`): the two would each run every point into one file,
    and this one's start would cut off that one's line in progress as a partial last line.

    Raises:
        ValueError: A sweep on another machine recorded itself alive within :data:`HEARTBEAT_STALE_S`, named with
            its machine, process and how long ago.
    """
    found = _alive_elsewhere(sink.path)
    if found is None:
        return
    _, name, age = found
    _unlock_out(sink.lock_fd)
    sink.lock_fd = None
    raise ValueError(
        f"out {str(sink.path)!r} is being written by a sweep on another machine ({name}, which recorded itself "
        f"alive {age:.0f} s ago in {str(_state_path(sink.path))!r}; a running sweep does every "
        f"{HEARTBEAT_S:g} s), and this file system's locks do not reach across machines: wait for it to finish "
        "(then run this one to resume from its rows) or choose another out; a sweep killed there is taken for "
        f"dead {HEARTBEAT_STALE_S:g} s after its last record"
    )


class SweepTakenOver(SweepError):
    """A sweep found its out taken over by another sweep while it did not record itself alive (stopped by Ctrl-Z,
    or its machine paused, for longer than :data:`HEARTBEAT_STALE_S`: to other machines it looked dead). It stops
    without writing another row or its state: the out, its rows and its resume are the other sweep's.

    Example:
        >>> issubclass(SweepTakenOver, SweepError)
        True
    """


class _Heartbeat:
    """The running sweep's hold on ``sink``'s out: records, every :data:`HEARTBEAT_S`, that it is alive (touches its
    state, which names it the file's owner, and its holder where there are no locks), and
    finds out whether another sweep took the out over meanwhile (:meth:`check`, before each row is written).

    A daemon thread beats; a beat that fails (a full disk) is tried again at the next. A process stopped (Ctrl-Z,
    SIGSTOP) beats no more: after :data:`HEARTBEAT_STALE_S` a sweep on another machine may take the out over (on
    its own, by the state; with ``take_over=True``, by the holder). On its return the stopped sweep finds its
    ownership gone (another owner in the state, or another holder) and stops, writing nothing more."""

    def __init__(self, sink: Any) -> None:
        self.sink = sink
        self.out = sink.path
        self.me = _this_holder()
        #: Why this sweep no longer holds the out (another sweep took it over), once found.
        self.lost = ""
        #: The state file as this sweep last wrote or checked it (see :func:`_file_identity`).
        self.known: tuple[int, int, int] | None = None
        self.last_beat = time.monotonic()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="qnsim-sweep-heartbeat", daemon=True)

    def start(self) -> None:
        self.known = _file_identity(_state_path(self.out))
        self.last_beat = time.monotonic()
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join()

    def _run(self) -> None:
        while not self.stopped.wait(HEARTBEAT_S):
            try:
                self.beat()
            except Exception:  # noqa: BLE001 - the next beat tries again; the sweep's own writes say what fails
                pass

    def _holder(self) -> Path | None:
        return self.sink.lock_fd if isinstance(self.sink.lock_fd, Path) else None

    def _confirm(self) -> dict | None:
        """Sets :attr:`lost` if another sweep holds the out now; the state file's content when it was read."""
        holder = self._holder()
        if holder is not None:
            try:
                text = holder.read_text()
            except OSError:
                text = ""
            if text != _HOLDERS.get(holder):
                taker = _holder_name(text)
                self.lost = f"{str(holder)!r} now names {taker}" if taker else f"{str(holder)!r} was deleted"
                return None
        identity = _file_identity(_state_path(self.out))
        if identity == self.known or identity is None:  # unchanged since this sweep wrote it (or deleted by hand)
            return None
        try:
            content = json.loads(_state_path(self.out).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        owner = content.get("owner") if isinstance(content, dict) else None
        if not isinstance(owner, dict) or owner.get("token") != self.me["token"]:
            taker = _holder_name(owner) if isinstance(owner, dict) else ""
            self.lost = f"its state names {taker} as its writer" if taker else "another sweep wrote its state"
            return None
        self.known = identity
        return content

    def beat(self) -> None:
        """Records that the sweep is alive: touches its state file (and its holder), whose modification time, by
        the file system's clock, is the heartbeat (:func:`_alive_elsewhere`). Not a rewrite of the state: a beat
        read, stopped (Ctrl-Z) and written after a take-over put the old state, naming this sweep its owner, over
        the other sweep's, and both then wrote every point."""
        with _STATE_WRITES:
            if self.stopped.is_set() or self.lost:
                return
            self._confirm()
            if self.lost:
                return
            holder = self._holder()
            if holder is not None:
                os.utime(holder)
            os.utime(_state_path(self.out))
            self.known = _file_identity(_state_path(self.out))
            self.last_beat = time.monotonic()

    def check(self) -> None:
        """Raises :class:`SweepTakenOver` if another sweep holds the out now. Before each row: a row written after a
        take-over would be in the file twice (the other sweep runs the points it did not find), and the state this
        sweep wrote at its end would replace the other's."""
        with _STATE_WRITES:
            silent = time.monotonic() - self.last_beat
            if not self.lost:
                if silent > 2 * HEARTBEAT_S:  # the heartbeat did not run (a stopped process): record it now
                    try:
                        self.beat()
                    except Exception:  # noqa: BLE001 - as a beat of the thread's
                        self._confirm()
                else:
                    self._confirm()
            if not self.lost:
                return
        raise SweepTakenOver(
            f"out {str(self.out)!r} was taken over by another sweep ({self.lost}) while this one did not record "
            f"itself alive (its last record {silent:.0f} s ago; a sweep stopped by Ctrl-Z, or on a paused machine, "
            f"looks dead to other machines after {HEARTBEAT_STALE_S:g} s): this sweep ended the points it ran and "
            "stopped without writing another row; the out's rows and its resume are that sweep's"
        )


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _lock_out(path: Path, out: Path, take_over: bool = False) -> int | Path:
    """Takes an exclusive lock on ``path`` (created if missing) for one sweep writing ``out``.

    Returns the lock's file descriptor (closing it releases the lock) or, where the system or the
    file system has no advisory locks (Windows; Lustre or an NFS mount without them refuse
    ``flock``), the holder file that stands for the lock (:func:`_hold_out`, which ``take_over`` goes to). Two sweeps
    appending to one out side by side would each run every point and write it twice (a mean over
    the file counts such rows twice), and one could cut off the other's line in progress as a
    partial last line.

    Raises:
        ValueError: Another running sweep holds the lock.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return _hold_out(path, out, take_over)
    fd = os.open(path, os.O_RDONLY) if path.exists() else os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ValueError(
            f"out {str(out)!r} is being written by another running sweep: wait for it to finish (then run this "
            "one to resume from its rows) or choose another out"
        ) from None
    except OSError:
        # A file system without locks let two sweeps write one out side by side, without a word.
        os.close(fd)
        return _hold_out(path, out, take_over)
    _LOCK_FDS.add(fd)
    return fd


def _holder_path(lock: Path) -> Path:
    """The file that stands for the lock ``lock`` where there are no advisory locks (see :func:`_hold_out`)."""
    return lock.with_name(lock.name + ".holder")


def _process_start(pid: int) -> str:
    """When process ``pid`` started, as text ("" where it cannot be read: not Linux, no such process): this
    boot's id and the process's start in clock ticks since the boot. With the process id, it names one process
    for good: an id is given to another process once its own ended."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()[:8]
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        ticks = stat[stat.rindex(b")") + 2 :].split()[19].decode()  # field 22, starttime (fields 3.. follow ")")
    except (OSError, IndexError, ValueError, UnicodeDecodeError):
        return ""
    return f"{boot}/{ticks}"


def _holder_alive(holder: Path) -> tuple[bool, str]:
    """Whether the sweep named in ``holder`` (a holder or takeover file) may still run: it is on another
    machine, or its process is alive here (the same process: a process started since under its id is
    another); and how to name it. A missing or unreadable file is not alive."""
    import socket

    try:
        fields = holder.read_text().split()
        host, pid_text = fields[:2]
        pid = int(pid_text)
        if not 0 < pid < 2**31:
            # No process's id: os.kill(0, 0) asks about this process's own group (a holder naming process 0 read
            # as a live sweep for ever), and 10**30 raised OverflowError out of the sweep.
            raise ValueError(f"no process id: {written(pid_text)}")
    except (OSError, ValueError):
        try:  # empty: a sweep between creating it and writing its name in it, unless that was a while ago
            return time.time() - holder.stat().st_mtime < 10.0, "a sweep starting"
        except OSError:
            return False, ""
    name = f"process {pid} on {host}"
    if host != socket.gethostname() or os.name == "nt":  # Windows: os.kill(pid, 0) would end the process
        return True, name
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False, name
    except OSError:  # another user's process: alive
        pass
    started = fields[3] if len(fields) > 3 else "-"  # "-": its writer could not read its start
    if started != "-" and _process_start(pid) not in ("", started):
        return False, name  # its id is another process's now
    return True, name


def _holder_age(holder: Path) -> float | None:
    """Seconds since the sweep named in ``holder`` (a holder or takeover file) last recorded itself alive in it: a
    running sweep touches its holder every :data:`HEARTBEAT_S` (:class:`_Heartbeat`), and its age is read on the
    file system's clock (:func:`_age_on_file_clock`). None if it cannot be read."""
    try:
        with open(holder, "rb") as f:  # opened: on NFS its attributes are fetched afresh
            mtime = os.fstat(f.fileno()).st_mtime
    except OSError:
        return None
    return _age_on_file_clock(mtime, holder.parent)


def _holder_unverifiable(holder: Path) -> bool:
    """Whether the process named in ``holder`` cannot be asked whether it runs (another machine's, or any on
    Windows), so that :func:`_holder_alive` takes it for alive and only its age tells (:func:`_holder_age`)."""
    try:
        host = holder.read_text().split()[0]
    except (OSError, IndexError):
        return False
    return host != socket.gethostname() or os.name == "nt"


def _stale_holder(holder: Path) -> bool:
    """Whether ``holder`` names a sweep that cannot be asked (:func:`_holder_unverifiable`) and has not recorded
    itself alive in it for :data:`HEARTBEAT_STALE_S`: killed, or stopped (see :class:`_Heartbeat`)."""
    if not _holder_unverifiable(holder):
        return False
    age = _holder_age(holder)
    return age is not None and age > HEARTBEAT_STALE_S


def _held_message(out: Path, holder: Path, name: str, take_over: bool) -> str:
    """The refusal of an out whose holder names a running sweep (:func:`_hold_out`)."""
    where = f"{name}; this file system has no locks, so {str(holder)!r} stands for its lock"
    age = _holder_age(holder) if _holder_unverifiable(holder) else None
    if age is None:  # a process of this machine, alive: no option takes its out
        return (
            f"out {str(out)!r} is being written by another running sweep ({where}): wait for it to finish (then run "
            "this one to resume from its rows) or choose another out"
        )
    alive = f"it recorded itself alive {age:.0f} s ago (a running sweep does every {HEARTBEAT_S:g} s)"
    if take_over:
        return (
            f"out {str(out)!r} is not taken over: the sweep holding it ({where}) is running: {alive}; a holder is "
            f"taken over once its sweep has not recorded itself alive for {HEARTBEAT_STALE_S:g} s: wait for it to "
            "finish (then run this one to resume from its rows) or choose another out"
        )
    return (
        f"out {str(out)!r} is being written by another running sweep ({where}; {alive}): wait for it to finish "
        "(then run this one to resume from its rows) or choose another out; if that sweep was killed, run this one "
        f"again with --take-over (take_over=True in Python), which takes the out over once its sweep has not "
        f"recorded itself alive for {HEARTBEAT_STALE_S:g} s"
    )


def _hold_out(lock: Path, out: Path, take_over: bool = False) -> Path:
    """The lock of :func:`_lock_out` where ``flock`` is not available: a holder file beside ``lock``,
    created only if absent and already naming this machine, process and its start (written to a file of its
    own, then hard-linked to the holder's name, which fails if the name exists). A holder left by a sweep
    killed on this machine is taken over; one of another machine is refused with its name and how long ago it
    recorded itself alive, unless ``take_over`` and that is :data:`HEARTBEAT_STALE_S` ago (:func:`_stale_holder`:
    it was killed, and a holder alone cannot say so; a sweep stopped by Ctrl-Z that long stops on its return,
    see :class:`_Heartbeat`).

    A takeover deletes the dead sweep's holder and creates this one's: two sweeps doing so at once each
    found the holder dead, and the second deleted the first one's fresh holder in place of the dead one
    (both then wrote the out, each running every point). A takeover is done under a second file,
    ``<holder>.takeover``, created only if absent and naming its taker as a holder does: its taker checks
    again, under it, that the holder is still the dead one before deleting it, so one of the two wins and
    the other is refused naming it.

    A taker killed under its takeover file leaves it (it was deleted by hand: every later sweep was
    refused). A takeover file whose taker is provably dead (its process, on this machine, is gone) is
    never deleted by another taker (two of them could each delete what the other made): the next takeover
    is made under a file named after it instead, ``<holder>.takeover.<its inode>-<its time>``, created only
    if absent, so the takers that found the same dead one still meet under one file. A sweep that has
    made its holder deletes every takeover file: no taker can take its live holder for the dead one.

    Raises:
        ValueError: Another sweep holds the out (or did, on another machine, and was killed there), or
            one on another machine is taking it over.
    """
    holder = _holder_path(lock)
    waited = 0.0
    while True:
        if _create_holder(holder):
            # Every takeover file is stale now: a taker under one checks the holder again and finds this one.
            for left in holder.parent.glob(glob.escape(holder.name) + ".takeover*"):
                left.unlink(missing_ok=True)
            try:
                _refuse_another_name_held(lock, out)
            except ValueError:
                _release_named(holder)
                raise
            return holder
        identity = _file_identity(holder)
        alive, name = _holder_alive(holder)
        if alive and not (take_over and _stale_holder(holder)):
            raise ValueError(_held_message(out, holder, name, take_over)) from None
        takeover: Path | None = holder.with_name(holder.name + ".takeover")
        while True:  # past the takeover files of takers killed under them, to the first free one
            if _create_named(takeover):
                break
            taker_identity = _file_identity(takeover)
            taker_alive, taker = _holder_alive(takeover)
            taker_alive = taker_alive and not (take_over and _stale_holder(takeover))
            if taker_identity is None or _file_identity(takeover) != taker_identity:
                continue  # its taker has just finished, or another has just begun: look again
            if not taker_alive:  # read from that very file: its taker is gone
                takeover = holder.with_name(f"{holder.name}.takeover.{taker_identity[1]}-{taker_identity[2]}")
                continue
            busy, takeover = takeover, None
            break
        if takeover is None:
            if waited >= 2.0:
                raise ValueError(
                    f"out {str(out)!r}: another sweep ({taker}) is taking over {str(holder)!r} (left by a sweep killed "
                    f"on this machine) at the same time; run this one later (if that sweep was killed on another "
                    f"machine, run this one with --take-over, take_over=True in Python, once {str(busy)!r} is "
                    f"{HEARTBEAT_STALE_S:g} s old)"
                ) from None
            time.sleep(0.01)  # another sweep takes the holder over now: see which of them wins
            waited += 0.01
            continue
        try:
            # Under the takeover file, nobody else deletes the holder: if it is still the dead one found above,
            # it is deleted; if another sweep took the out over meanwhile, that one is seen alive next time round.
            dead = not _holder_alive(holder)[0] or (take_over and _stale_holder(holder))
            if _file_identity(holder) == identity and identity is not None and dead:
                holder.unlink(missing_ok=True)
        finally:
            _release_named(takeover)


def _refuse_another_name_held(lock: Path, out: Path) -> None:
    """Refuses ``out`` if another name of its file (a hard link beside it) is held by a running sweep.

    A holder is named after the name it was taken under: where there are no locks, a sweep writing ``h.csv``
    (a hard link to ``r.csv``, one file under two names) and one writing ``r.csv`` each made a holder of its
    own and both wrote every point into the one file. Each sweep, having made its holder, looks for the other
    names of its file in its directory (same device and inode) and for a live holder of any of them; two
    starting at once may each refuse the other, never both write. (A name in another directory is not seen.)

    Raises:
        ValueError: A running sweep holds another name of the file, named with that sweep.
    """
    for other in _other_names(lock):
        holder = _holder_path(other)
        alive, name = _holder_alive(holder)
        if alive:
            raise ValueError(
                f"out {str(out)!r} is another name (a hard link) of {str(other)!r}, which is being written by another "
                f"running sweep ({name}; this file system has no locks, so {str(holder)!r} stands for its lock): "
                "wait for it to finish (then run this one to resume from its rows) or choose another out"
            )


def _file_identity(path: Path) -> tuple[int, int, int] | None:
    """Which file ``path`` names now (device, inode, modification time), or None if none: a holder deleted
    and created again under the same name is another file."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_mtime_ns


def _create_holder(holder: Path) -> bool:
    """Creates ``holder`` naming this machine and process if it does not exist; False if it does (see
    :func:`_create_named`)."""
    return _create_named(holder)


def _create_named(path: Path) -> bool:
    """Creates ``path`` naming this machine, process and its start if it does not exist; False if it does.
    The name is written first to a file of this process's own and then hard-linked to ``path``, so no
    other sweep ever reads it empty (one created with ``O_EXCL`` and then written was empty for a moment,
    and read as such for ten seconds after a kill between the two)."""
    import socket

    text = f"{socket.gethostname()} {os.getpid()} {os.urandom(8).hex()} {_process_start(os.getpid()) or '-'}\n"
    own = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    own.write_text(text)
    try:
        os.link(own, path)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: the file is created empty, then written
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w") as f:
            f.write(text)
    finally:
        own.unlink(missing_ok=True)
    _HOLDERS[path] = text
    return True


def _release_named(path: Path) -> None:
    """Deletes ``path`` if it is still the file this process made (:func:`_create_named`)."""
    mine = _HOLDERS.pop(path, None)
    try:
        theirs = path.read_text()
    except OSError:
        return
    if mine is None or theirs == mine:
        path.unlink(missing_ok=True)


#: The text of each holder (or takeover) file this process created (see :func:`_create_named`), by its path: a
#: sweep deletes its holder at its end only if the file is still its own.
_HOLDERS: dict[Path, str] = {}


def _unlock_out(handle: int | Path) -> None:
    """Releases a lock taken by :func:`_lock_out`."""
    if isinstance(handle, Path):
        # Only its own: a holder deleted by hand (the refusal says to, for a sweep killed on another machine)
        # and made again by another sweep was deleted at this sweep's end, and a third sweep could then start
        # beside that one.
        _release_named(handle)
        return
    _LOCK_FDS.discard(handle)
    os.close(handle)


#: Lock descriptors this process holds (see :func:`_lock_out`). A forked pool worker inherits
#: them, and a flock lasts while any copy is open: a worker still dying after a kill would hold
#: the out locked against the resume. Workers close their copies (:func:`die_with_parent`).
_LOCK_FDS: set[int] = set()


def _out_path(out: str | os.PathLike) -> Path:
    """A sweep's ``out`` as a path ending with .csv or .parquet, refused by name otherwise (one reading for the
    sweeps and for :func:`qnsim.qec.sweep.clear_saved_counts`)."""
    if isinstance(out, str) and not out:  # Path("") is ".": the message would name a path never given
        raise ValueError("out must be a .csv or .parquet path, got ''")
    path = _result_path(out)
    target = _link_target(path)
    if target.suffix != path.suffix:
        raise ValueError(
            f"out {str(path)!r} is a symbolic link to {str(target)!r}, which does not end with {path.suffix}: a "
            "sweep reads and writes its out by that name"
        )
    return target


def _result_path(out: str | os.PathLike) -> Path:
    """``out`` as the path of a sweep's result file: ending with .csv or .parquet (one check for the sweeps and
    :func:`read_results`, which read a JSON file, or a CSV torn to no row, as a sweep of no rows)."""
    path = Path(file_path("out", out))
    if path.suffix not in (".csv", ".parquet"):
        raise ValueError(f"out must end with .csv or .parquet, got {str(path)!r}")
    return path


def _link_target(path: Path) -> Path:
    """``path`` with the symbolic links of its last part followed: the file (or Parquet directory) a sweep writes.

    Every file a sweep keeps beside its out (its state, its lock's holder where the file system has no locks,
    a QEC sweep's saved counts) is named after it: an out reached by a link and by its target's own name kept two
    of each (two sweeps on a file system without locks each held the out, and the state of a sweep stopped under
    one name was not seen under the other), so they are named after the target. The directories above are taken
    as given (a file's neighbours are the same whichever way its directory is reached).

    Raises:
        ValueError: A loop of links.
    """
    followed = path
    for _ in range(40):  # the kernel's own limit
        if not followed.is_symlink():
            return followed
        target = Path(os.readlink(followed))
        followed = target if target.is_absolute() else followed.parent / target
    raise ValueError(f"out {str(path)!r} is a loop of symbolic links")


def _open_sink(out: str | os.PathLike | None, key_columns: list[str]) -> _CsvSink | _ParquetSink | None:
    if out is None:
        return None
    path = _out_path(out)
    return _ParquetSink(path, key_columns) if path.suffix == ".parquet" else _CsvSink(path, key_columns)


def _remove_empty_out(out: Path) -> None:
    """Removes an out this sweep created and wrote nothing to (a CSV file of no bytes, a Parquet
    directory holding only its lock)."""
    try:
        if out.is_dir():
            if {p.name for p in out.iterdir()} <= {".lock"}:
                (out / ".lock").unlink(missing_ok=True)
                out.rmdir()
        elif out.stat().st_size == 0:
            out.unlink()
    except OSError:
        pass


def _clear_state_leftovers(out: Path) -> None:
    """Deletes the temporary copies of ``out``'s state file that sweeps killed while writing it left (one per kill;
    nothing else ever deleted them). Called by the sweep holding ``out``'s lock, the only writer of its state."""
    state = _state_path(out)
    written = re.compile(re.escape(f".{state.name}.") + r"[0-9a-f]{8}\.tmp")  # qnsim.trace.write_whole's names
    for leftover in state.parent.glob(glob.escape(f".{state.name}.") + "*.tmp"):
        if written.fullmatch(leftover.name):
            leftover.unlink(missing_ok=True)


def _state_path(out: Path) -> Path:
    """Where a sweep writing ``out`` keeps its state: beside a CSV, inside a Parquet directory (a name
    beginning with ``_``, which Parquet readers of the directory skip)."""
    out = _link_target(out)  # an out reached by a link: the state of the file it links to
    if out.suffix == ".parquet":
        return out / "_sweep.json"
    own = out.with_name(out.name + ".sweep.json")
    if own.exists():
        return own
    return _another_names_state(out) or own


def _another_names_state(out: Path) -> Path | None:
    """The state file of another name of the file ``out`` (a hard link beside it: same device and inode), the
    first by name, or None. A sweep stopped under ``h.csv`` (a hard link to ``r.csv``) kept its state beside
    that name only: ``sweep_status("r.csv")`` answered None (a whole sweep) and a sweep resumed under ``r.csv``
    began a second state file. The state is the file's, whichever of its names in its directory reaches it (a
    file's state beside its own name comes first; a name in another directory is not seen)."""
    for other in _other_names(out):
        state = other.with_name(other.name + ".sweep.json")
        if state.is_file():
            return state
    return None


def _names_out_of_reach(path: Path) -> int:
    """How many names of the file ``path`` are in other directories: hard links that :func:`_other_names` cannot
    find (the kernel counts a file's names, not where they are; searching every directory a user can reach is
    not a sweep's to do)."""
    try:
        own = path.stat()
        if own.st_nlink < 2 or not path.is_file():
            return 0
    except OSError:
        return 0
    return max(0, own.st_nlink - 1 - len(_other_names(path)))


def _refuse_names_out_of_reach(path: Path) -> None:
    """Refuses to write the file ``path`` if it has names (hard links) in other directories.

    A sweep's state, its holder where there are no locks and a QEC sweep's saved counts are kept beside a name
    of the out, and found beside the other names of its file in its directory: a sweep stopped under
    ``a/r.csv`` (its state ``a/r.csv.sweep.json``) and resumed under ``b/h.csv``, a hard link to it, began a
    second state and read the first sweep's rows as of no recorded sweep; where there are no locks, the two
    names' sweeps both wrote the one file. What a sweep cannot check, it does not write.

    Raises:
        ValueError: The file has names in other directories, with their count.
    """
    elsewhere = _names_out_of_reach(path)
    if elsewhere:
        raise ValueError(
            f"out {str(path)!r} is a file of several names (hard links), {elsewhere} of them in other directories: a "
            "sweep keeps its state (and, where there are no locks, the file that stands for its lock) beside the "
            "name it writes and finds those of the file's other names in the same directory only, so a sweep "
            "stopped or running under another directory's name would not be seen; write the sweep to a copy of "
            f"its own (cp {str(path)!r} NEW.csv) or under a name in the other names' directory (find them with "
            f"find / -samefile {str(path)!r})"
        )


def _other_names(path: Path) -> list[Path]:
    """The other names of the file ``path`` in its directory (hard links: the same device and inode), by name;
    none for a file of one name (the directory is read only for a file of several)."""
    try:
        own = path.stat()
        if own.st_nlink < 2 or not path.is_file():
            return []
        entries = sorted(os.scandir(path.parent), key=lambda entry: entry.name)
    except OSError:
        return []
    names = []
    for entry in entries:
        try:
            if entry.name != path.name and os.path.samestat(entry.stat(follow_symlinks=False), own):
                names.append(path.with_name(entry.name))
        except OSError:
            continue
    return names


#: Most sweeps a state file remembers; beyond it the oldest finished ones are forgotten.
MAX_STATE_SWEEPS = 100


def _read_states(out: Path) -> list[dict]:
    """The sweeps the state file of ``out`` records, oldest first (a file of one sweep, as qnsim wrote
    before it kept them all, is a list of one without its grid). Raises OSError / ValueError / KeyError
    / TypeError on a state file that cannot be read; FileNotFoundError when there is none."""
    content = json.loads(_state_path(out).read_text(encoding="utf-8"))
    entries = content["sweeps"] if isinstance(content, dict) and "sweeps" in content else [content]
    if not isinstance(entries, list):
        raise TypeError(f"'sweeps' is {type(entries).__name__}, not a list")
    for number, entry in enumerate(entries, 1):
        # A record without a digest is an older qnsim's (read as it is); one whose digest is not its own was edited.
        if isinstance(entry, dict) and _ENTRY_DIGEST in entry and entry[_ENTRY_DIGEST] != _entry_digest(entry):
            raise _EditedStateError(
                f"{_state_path(out).name}: its record {number} of a sweep is not what the sweep wrote (its digest was "
                "made of other values), so what it says of the sweep (its grid, whether it finished) would be read "
                "as recorded: edited by hand? restore it, or delete the state file (the rows are then read as of no "
                "recorded sweep, and a resume records its sweep anew)"
            )
    for entry in entries:
        entry["state"], entry["points"], entry["done"] = str(entry["state"]), int(entry["points"]), int(entry["done"])
    return entries


def _csv_header(path: Path) -> list[str] | None:
    """The first line of the CSV file ``path`` as its cells (None: no such file, or no line)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            return next(csv.reader([f.readline()]), None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def _header_on_disk(path: Path) -> list[str] | None:
    """The columns of a result file as they stand: a CSV's first line, a Parquet directory's first part's (all parts
    share one schema); None where there is none, or it cannot be read."""
    if path.suffix != ".parquet":
        return _csv_header(path)
    try:
        import pyarrow.parquet as pq

        first = min(path.glob("part-*.parquet"), default=None)
        return None if first is None else list(pq.read_schema(first).names)
    except (ImportError, OSError, ValueError):
        return None


@contextlib.contextmanager
def _refused_rows_said_as_header_edits(path: Path, out: Any, check: bool = True) -> typing.Iterator[None]:
    """Reads the rows of a result file inside it: a refusal of its rows (a cell not what its row_digest was made of)
    of a file whose header is not the one its sweep recorded is said as that (:func:`_changed_columns`; not with
    ``check`` False): columns renamed or swapped by hand put every row's cells under other names, which is what was
    edited."""
    try:
        yield
    except _EditedRowError:
        changed = _changed_columns(path, _header_on_disk(path)) if check else None
        if changed:
            raise ValueError(f"out {str(out)!r}: {changed}; restore them as its sweep wrote them") from None
        raise


def _changed_columns(out: Path, header: Sequence[str] | None, ignore: Sequence[str] = ()) -> str | None:
    """How the header of ``out`` (a CSV's first line, a Parquet directory's columns) differs from the one the last
    sweep that wrote its state recorded, in words, or None (the same, no header, or nothing recorded: a sweep before
    its first row, an older qnsim).

    A result column removed, renamed or two names swapped by hand in a whole file: a resume ran no point, so no row
    was checked against the header, and the rows were returned (and plotted) without the column, or with one
    column's numbers under the other's name, as a finished sweep's.
    """
    if header is None:
        return None
    try:
        entries = _read_states(out)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    recorded = entries[-1].get("columns") if entries else None
    if not isinstance(recorded, list):
        return None
    recorded = [str(c) for c in recorded if c not in ignore]
    header = [c for c in header if c not in ignore]
    if list(header) == recorded:
        return None
    missing = [c for c in recorded if c not in header]
    added = [c for c in header if c not in recorded]
    parts = [f"without {written(missing)}" if missing else "", f"with {written(added)} added" if added else ""]
    changes = " and ".join(p for p in parts if p)
    if not changes:
        column, was = next((c, r) for c, r in zip(header, recorded) if c != r)
        changes = f"in another order ({written(column)} where it wrote {written(was)})"
    return (
        f"the columns of {str(out)!r} are not those its sweep wrote: they are {changes} (edited by hand?), so its "
        "rows would not be read as the sweep wrote them"
    )


def _recorded_remarks(out: Path, scenario: str) -> list[str] | None:
    """The remarks the state file of ``out`` records for the first sweep of ``scenario`` that recorded any
    (None: no sweep did, or there is no state file)."""
    try:
        entries = _read_states(out)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for entry in entries:
        if entry.get("scenario_id") == scenario and isinstance(entry.get("remarks"), list):
            return [str(r) for r in entry["remarks"]]
    return None


def _recorded_said_once(out: Path, scenario: str) -> list[str]:
    """What the sweeps of ``scenario`` that wrote ``out`` said once, as the frame :func:`sweep` returns holds it
    (``attrs["notes"]``): each sweep's own notes (a file seed its seeds left out: :func:`sweep_seeds`), then the
    scenario's remarks (:func:`_recorded_remarks`). Empty without a state file."""
    try:
        entries = _read_states(out)
    except (OSError, ValueError, KeyError, TypeError):
        entries = []
    notes = [
        str(note) for entry in entries if entry.get("scenario_id") == scenario and isinstance(entry.get("notes"), list)
        for note in entry["notes"]
    ]  # fmt: skip
    return list(dict.fromkeys([*notes, *(_recorded_remarks(out, scenario) or [])]))


def _write_state(
    out: Path,
    scenario: str,
    points: int,
    done: int,
    state: str,
    reason: str = "",
    *,
    grid: Sequence[tuple[str, list]] | None = None,
    seeds: int | list[int] | None = None,
    remarks: Sequence[str] | None = None,
    notes: Sequence[str] | None = None,
    holder: dict | None = None,
    settings: Mapping[str, str] | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    """Records the state of the sweep writing ``out`` beside the sweeps that wrote it before.

    A sweep is one entry, known by its scenario_id, grid and seeds: a resume updates its entry, another
    sweep appended to the same out adds one (a single entry described the latest sweep only, so the
    rows a killed sweep had left read as finished once another sweep over other values finished on
    the same file). ``grid`` (the axes as ``[key, values]``) and ``seeds`` (a count or the list) let a
    reader list the entry's points and check them against the rows (see :func:`sweep_status`).

    ``holder`` (:func:`_this_holder`) names the sweep: a running one is recorded in its entry and as the file's
    ``owner`` (the one sweep that may write it now, see :func:`_alive_elsewhere`); a sweep that ends gives the
    file up (if it is still its owner).

    ``columns``: the CSV header the file has as the sweep writes its state (None before its first row), checked
    against the file by the next sweep and by :func:`sweep_status` (see :func:`_changed_columns`).
    """
    content: dict[str, Any] = {"state": state, "points": points, "done": done, "scenario_id": scenario}
    # The qnsim that wrote the rows (its version and code), in words: a scenario_id alone did not say whether a
    # refused resume met another qnsim or another scenario (see _foreign_rows_message).
    content["qnsim"] = code_id()
    if reason:
        content["reason"] = reason
    if grid is not None:
        content["grid"] = [[key, list(values)] for key, values in grid]
        content["seeds"] = seeds
    if remarks is not None:
        # Said once for the sweep's rows, which leave them out (TomlScenario.remarks).
        content["remarks"] = list(remarks)
    if notes:
        # What the sweep said once about itself (a scenario seed it did not run: sweep_seeds).
        content["notes"] = list(notes)
    holder = holder or _this_holder()
    if settings is not None:
        # What the scenario is made of, so that a refused resume names what changed (_foreign_rows_message): a QEC
        # sweep rerun with max_shots 400 over rows of 200 was told only that "the scenario differs".
        content["settings"] = dict(settings)
    if columns is not None:
        content["columns"] = list(columns)
    if state == "running":
        content["holder"] = holder  # its heartbeat kept fresh by _Heartbeat
    with _STATE_WRITES:
        _write_entries(out, content, scenario, holder)


def _write_entries(out: Path, content: dict, scenario: str, holder: dict) -> None:
    """:func:`_write_state`'s read of the state file, its entry ``content`` put in, and the write."""
    from qnsim.trace import write_whole

    try:
        entries = _read_states(out)
    except (OSError, ValueError, KeyError, TypeError):  # none yet, or unreadable: this sweep starts it anew
        entries = []
    try:
        owner = json.loads(_state_path(out).read_text(encoding="utf-8")).get("owner")
    except (OSError, ValueError, AttributeError):
        owner = None
    if content["state"] == "running":
        owner = holder
    elif isinstance(owner, dict) and owner.get("token") == holder.get("token"):
        owner = None  # this sweep ends: nobody writes the file now
    same = [e for e in entries if all(e.get(k) == content.get(k) for k in ("scenario_id", "grid", "seeds"))]
    entries = [e for e in entries if not any(e is s for s in same)] + [content]
    while len(entries) > MAX_STATE_SWEEPS:
        # The oldest finished sweeps are merged into one record without a grid: their points are no longer
        # listed, so the rows no recorded sweep planned are not counted (they would be theirs).
        finished = [e for e in entries if e["state"] == "finished" and "grid" in e][:2]
        forgotten = next((e for e in entries if e.get("forgotten")), None)
        if forgotten is None:
            forgotten = {"state": "finished", "points": 0, "done": 0, "scenario_id": scenario, "forgotten": 0}
            entries.insert(0, forgotten)
        for entry in finished or [next(e for e in entries if e is not forgotten)]:
            entries.remove(entry)
            forgotten["points"] += entry["points"]
            forgotten["done"] += entry["points"]
            forgotten["forgotten"] += 1
    for entry in entries:
        entry[_ENTRY_DIGEST] = _entry_digest(entry)
    with naming_file(_state_path(out)):
        write_whole(_state_path(out), [json.dumps({"version": 2, "sweeps": entries, "owner": owner}) + "\n"])


class _EditedStateError(ValueError):
    """A state file whose record of a sweep is not what the sweep wrote (see :func:`_entry_digest`)."""


#: The key of a state file's record of one sweep that holds a digest of the record (:func:`_entry_digest`).
_ENTRY_DIGEST = "digest"


def _entry_digest(entry: Mapping[str, Any]) -> str:
    """16 hex digits of the SHA-256 of a state file's record of one sweep (its JSON, keys sorted, without its own
    ``digest``): a record edited by hand (a stopped sweep's ``"state"`` made ``"finished"``, its grid or its columns)
    is refused by :func:`_read_states` rather than read as the sweep wrote it."""
    body = {k: v for k, v in entry.items() if k != _ENTRY_DIGEST}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _entry_point_ids(entry: dict) -> set[str] | None:
    """The point ids of a recorded sweep (None for an entry without its grid: an older qnsim's)."""
    if "grid" not in entry:
        return None
    grid = {key: [tuple(v) if isinstance(v, list) else v for v in values] for key, values in entry["grid"]}
    return {identifier for _, _, identifier in _recorded_point_ids(grid, entry["seeds"], entry["scenario_id"])}


def _recorded_point_ids(
    grid: Mapping[str, Sequence[Any]], seeds: Any, scenario: str
) -> typing.Iterator[tuple[tuple[tuple[Scalar, ...], ...], int, str]]:
    """:func:`_point_ids` of a sweep as a state file records it (its grid, seeds and scenario_id), checked as
    :func:`grid_points` checks them (ValueError), without a :class:`Point` per point."""
    axes = grid_axes(grid)
    seed_list = _seed_list(seeds)
    count = math.prod(len(vals) for _, vals in axes) * len(seed_list)
    if count > MAX_POINTS:
        raise ValueError(f"the recorded sweep has {count:,} points, more than the {MAX_POINTS:,} a sweep holds")
    return _point_ids(axes, seed_list, scenario)


def sweep_status(out: str | os.PathLike) -> str | None:
    """What the sweeps that wrote ``out`` say of themselves when its rows may not be all of them, else None.

    A results file holds the rows of the points that finished: a sweep killed half-way, stopped by a
    failing point or still running leaves a file that reads like a whole sweep of fewer points (a plot
    of it shows fewer x values, nothing more). The state file beside it (see the module docstring)
    records each sweep that wrote the file, with its grid and seeds, and each is checked against the
    rows: a sweep not finished whose points are all there now (another sweep finished them) is whole;
    rows missing from a sweep recorded as finished, or rows of points no recorded sweep ran, mean the
    state file is not this file's (the file replaced, edited or joined since). A result file without a
    state file (copied without it, or written by a qnsim older than the state files) cannot say whether
    its sweeps finished: that is said too.

    Args:
        out: The ``out`` path given to :func:`sweep`.

    Returns:
        Sentences joined by "; ", such as ``"the sweep that wrote r.csv stopped after 12 of 40 points
        (KeyboardInterrupt): its rows are a part of it; run it again to finish"``, or None.

    Raises:
        FileNotFoundError: Neither the file nor a sweep state beside it exists.
        ValueError, OSError: The file's rows cannot be read (as :func:`read_results` says, naming the file).

    Example:
        >>> import os, tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = os.path.join(tmp, "r.csv")
        ...     _ = sweep(example_point, {"length_km": [10.0]}, out=path, workers=1, progress=False)
        ...     print(sweep_status(path))
        None
    """
    path = Path(file_path("out", out))
    # The rows are read here, and their reader's error raised: a file whose rows could not be read (a header
    # naming a column twice, a directory named r.csv) or no file at all (a mistyped path) was answered None,
    # "nothing to say", as a whole sweep's is.
    if path.exists():
        try:
            rows = _read_results(path, check_columns=False)  # an edited header is one of the findings below
        except _EditedRowError:
            # Its rows refused (their cells are not those their row_digest was made of) under a header edited by
            # hand: the header is what was edited, and what is said.
            changed = _changed_columns(path, _header_on_disk(path))
            if not changed:
                raise
            return changed
    elif _state_path(path).exists():
        rows = []  # a sweep that wrote its state and no row yet
    else:
        raise FileNotFoundError(errno.ENOENT, "no sweep results, and no sweep state beside them", str(path))
    findings = _status_findings(path, rows)
    return "; ".join(text for _, text in findings) or None


def _status_findings(path: Path, rows: list[dict] | None = None) -> list[tuple[bool, str]]:
    """(whether it says a sweep did not finish, the sentence) for :func:`sweep_status`; ``rows``: the file's
    rows when the caller has read them already (a large file is read once)."""
    findings = _state_findings(path, rows)
    if path.suffix == ".csv":
        changed = _changed_columns(path, _csv_header(path))
    else:  # a Parquet directory: the columns of its rows, all of them (one schema; their row_digest left out)
        changed = _changed_columns(path, list(rows[0]) if rows else None, ignore=(DIGEST_COLUMN,))
    if changed:
        findings.append((False, changed))
    elsewhere = _names_out_of_reach(_link_target(path)) if path.suffix == ".csv" else 0
    if elsewhere:
        # A sweep refuses such a file (_refuse_names_out_of_reach), but one may have written it under another name
        # before the link was made, or an older qnsim: its state is beside that name, out of this one's sight.
        findings.append((False, (
            f"{str(path)!r} has {elsewhere} other name(s) (hard links) in other directories: the state of a sweep "
            "that wrote it under one of them is not seen here"
        )))  # fmt: skip
    return findings


def _state_findings(path: Path, rows: list[dict] | None = None) -> list[tuple[bool, str]]:
    """:func:`_status_findings` from the state file found beside the names of ``path`` in its directory."""
    shown = repr(str(path))
    try:
        entries = _read_states(path)
    except FileNotFoundError:
        if not path.exists():
            return []
        try:
            rows = read_results(path) if rows is None else rows
        except (OSError, ValueError):
            return []
        if any(row.get(ID_COLUMN) for row in rows):  # a sweep's rows: it wrote a state beside them
            # A scenario file's rows (their notes column) leave the remarks that hold for every row out of their
            # notes and in the state: copied without it, they were gone without a word.
            remarks = (
                ", nor the scenario's remarks its sweep recorded there once for every row instead of in each row's "
                "notes (a run of the scenario prints them)"
                if any("notes" in row for row in rows) else ""
            )
            return [(False, (
                f"{shown} has no sweep state beside it ({_state_path(path).name}: copied without it, or written "
                f"by a qnsim before state files): whether the sweeps that wrote it finished is not known{remarks}"
            ))]  # fmt: skip
        return []
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [(False, f"the state of the sweep that wrote {shown} cannot be read ({exc}); its rows may not be all")]
    try:
        if rows is None:
            rows = read_results(path) if path.exists() else []
        present = {row.get(ID_COLUMN) for row in rows}
    except (OSError, ValueError):  # the readers say what is wrong with the rows themselves
        present = None
    findings: list[tuple[bool, str]] = []
    planned: set[str] = set()
    known = True  # every entry lists its points
    alive = _alive_elsewhere(_link_target(path))  # the sweep on another machine writing it, if one is
    for entry in entries:
        status, points, done = entry["state"], entry["points"], entry["done"]
        ids = _entry_point_ids(entry)
        if ids is None:
            known = False
        else:
            planned |= ids
        have = None if ids is None or present is None else len(ids & present)
        elsewhere = None
        if status == "running" and alive is not None:
            holder = entry.get("holder") if isinstance(entry.get("holder"), dict) else {}
            if holder.get("token", "") == alive[0] and _holder_name(holder) == alive[1]:
                elsewhere = alive[1:]
        if status == "running" and (elsewhere is not None or _out_is_locked(path)):
            where = f" ({elsewhere[0]}, alive {elsewhere[1]:.0f} s ago)" if elsewhere is not None else ""
            findings.append((True, (
                f"the sweep writing {shown} is still running{where} ({done} of {points} points were done when it "
                "started, more since): these rows are a part of it"
            )))  # fmt: skip
            continue
        if have is not None and have == points:
            continue  # finished, or its points finished since by another sweep on this file
        if status == "finished":
            if have is not None:
                findings.append((False, (
                    f"the sweep state beside {shown} records a finished sweep of {points} points of which {have} are "
                    f"in the file: the file was replaced, edited or cut since, so the state is not of these rows"
                )))  # fmt: skip
            continue
        count = f"{have} of {points}" if have is not None else f"{done} of {points}"
        if status == "running":
            there = f", {have} in the file" if have is not None else ""
            findings.append((True, (
                f"the sweep that wrote {shown} ended without finishing ({points} points planned{there}; killed, or "
                "out of memory?): its rows are a part of it; run it again to finish"
            )))  # fmt: skip
        else:
            reason = f" ({entry['reason']})" if entry.get("reason") else ""
            findings.append((True, (
                f"the sweep that wrote {shown} stopped after {count} points{reason}: its rows are a part of it; "
                "run it again to finish"
            )))  # fmt: skip
    if len([f for f in findings if f[0]]) > 1 or (findings and len(entries) > 1):
        findings = [(unfinished, f"{text} [one of {len(entries)} sweeps on the file]") for unfinished, text in findings]
    findings.sort(key=lambda finding: not finding[0])  # the sweeps that did not finish first: the main news
    if known and present is not None and not any("still running" in text for _, text in findings):
        foreign = len(present - planned)
        if foreign:
            findings.append((False, (
                f"{foreign} row(s) of {shown} are of points that no sweep in its state ran (written by a qnsim before "
                "state files, joined from another file, or the state is not of these rows)"
            )))  # fmt: skip
    return findings


def _out_is_locked(out: Path) -> bool:
    """Whether a running sweep holds the lock of ``out`` (see :func:`_lock_out`)."""
    out = _link_target(out)  # a link: the lock (or holder) of the file it leads to, as the sweep took it
    lock = out / ".lock" if out.suffix == ".parquet" else out
    # A sweep where there are no locks: its holder, beside this name or another name of the file (a hard link).
    holders = [_holder_path(name) for name in [lock, *(_other_names(lock) if out.suffix == ".csv" else [])]]
    if any(holder.exists() for holder in holders):
        return any(_holder_alive(holder)[0] for holder in holders if holder.exists())
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return False
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # closing drops a shared lock taken here
    return False


def read_results(out: str | os.PathLike) -> list[dict]:
    """The rows of a sweep's result file (CSV) or directory (Parquet), in point order.

    A sweep writes each row as its point finishes, so the file's own order (a CSV's lines, a Parquet
    directory's parts) changes from run to run with several workers, on Dask and after a resume, until the
    sweep finishes and puts it in this order (see the module's docs); a running or stopped sweep's is not. The rows
    are returned in the order of the points of the sweeps its state records (the last sweep's first, as
    :func:`sweep` returned them, then those of earlier sweeps that it did not run, each in point order): one
    sweep gives one list, whatever ran it and however often it was resumed. Rows of no recorded sweep (a
    state without grids, written by an older qnsim, or none: a file copied without its state) follow, by
    their grid values (the columns before ``seed``, numbers in increasing order), then seed: one order for
    one set of rows, not the order their points finished. Unlike :func:`sweep`,
    this does not modify the file (a partial last CSV line is skipped, not cut off, and named in a warning on the
    ``qnsim.sweep`` logger).

    Args:
        out: The ``out`` path given to :func:`sweep`.

    A scenario file's sweep leaves the remarks that hold for every row (its state records them) out of each row's
    ``notes`` and says them once; the rows read here have them back in their ``notes``, as a list of rows
    :func:`sweep` returns does (a frame keeps them in ``attrs["notes"]`` instead, as :func:`qnsim.plot.summarize`
    reads them).

    Returns:
        One dict per finished point. A blank cell (an empty CSV cell, a Parquet null: a point that returned None)
        is None, a figure not measured (a NaN the point returned, written ``nan``) is the float NaN: two kinds of
        "no value" that a frame keeps apart as ``pd.NA`` and NaN (:func:`rows_frame`; ``pandas.read_csv`` reads
        both as NaN).

    Raises:
        ValueError: The file's columns are not those its sweep wrote (its state records them): a header edited by
            hand, whose rows would be read under other names; a path not ending with .csv or .parquet, or a device.

    Example:
        >>> import os, tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = os.path.join(tmp, "r.csv")
        ...     _ = sweep(example_point, {"length_km": [10.0]}, out=path, workers=1, progress=False)
        ...     [(r["length_km"], r["seed"]) for r in read_results(path)]
        [(10.0, 0)]
    """
    if isinstance(out, str) and not out:  # Path("") is ".": the message would name a path never given
        raise ValueError("out must be a .csv or .parquet path, got ''")
    readable_file("out", out, "a sweep's results")  # a device first: /dev/zero is no file at all
    _result_path(out)
    return _read_results(out, check_columns=True, with_remarks=True)


def _read_results(
    out: str | os.PathLike, check_columns: bool, with_remarks: bool = False, said: list[str] | None = None
) -> list[dict]:
    """:func:`read_results`; without ``check_columns`` a header edited by hand is not refused (sweep_status says it
    in its findings instead); without ``with_remarks`` the rows' notes are as written, the remarks said once left
    out (a frame's reader puts them in its ``attrs``). What the reading says (rows it could not check: see
    :func:`_drop_digests`) is logged, and appended to ``said``."""
    out = file_path("out", out)
    if isinstance(out, str) and not out:  # Path("") is ".": the message would name a path never given
        raise ValueError("out must be a .csv or .parquet path, got ''")
    path = Path(file_path("out", out))
    with _collector_paused(), _refused_rows_said_as_header_edits(path, out, check_columns):
        if path.suffix == ".parquet":
            reader = _ParquetSink(path, [])
            rows = reader.load()
            header, unverified = reader.first_columns, reader.unverified
        else:
            readable_file("out", path, "a sweep's results")  # `qnsim qec threshold /dev/zero` read until memory ran out
            raw = path.read_bytes()
            end = _whole_rows_end(raw)
            if end < len(raw):
                # Left out without a word: a file cut short read as a sweep of fewer points.
                _log.warning("%s, or still writing it; read without it", torn_line_text(path, raw, end))
            header, rows = _read_csv(path, raw[:end], "rows")
            unverified = _drop_digests(rows)
        if unverified:
            # Not silent: a row without a digest may have been edited by hand, and is read (plotted) as computed.
            remark = _unverified_remark(out, unverified, len(rows))
            _log.warning("%s", remark)
            if said is not None:
                said.append(remark)
        # A header edited by hand (a column removed, two names swapped) gave its rows under the wrong names, as a
        # resume and sweep_status refuse and say (_changed_columns).
        changed = _changed_columns(path, header) if check_columns else None
        if changed:
            raise ValueError(f"out {str(out)!r}: {changed}; restore them as its sweep wrote them")
        rows = _in_point_order(path, rows)
        return _with_recorded_remarks(path, rows) if with_remarks else rows


def _with_recorded_remarks(path: Path, rows: list[dict]) -> list[dict]:
    """``rows`` with what their scenario's sweep said once (its notes and remarks, recorded in the state of ``path``
    under each row's scenario_id: :func:`_recorded_said_once`) back in their ``notes``: read_results gave the rows without them, where summarize(path) and the
    list sweep() returns have them, so the same out read two ways disagreed on what its scenario implies."""
    recorded: dict[str, list[str]] = {}
    out = []
    for row in rows:
        scenario = row.get(SCENARIO_COLUMN)
        if not isinstance(scenario, str) or "notes" not in row:
            out.append(row)
            continue
        if scenario not in recorded:
            recorded[scenario] = _recorded_said_once(path, scenario)
        remarks = recorded[scenario]
        out.append({**row, "notes": _with_remarks(row["notes"], remarks)} if remarks else row)
    return out


@contextlib.contextmanager
def _collector_paused() -> typing.Iterator[None]:
    """Python's cyclic garbage collector paused (as it was after): reading 10^5 rows makes millions of objects, each
    allocation counting towards a collection that walks all of them (~25% of read_results' CPU), and rows of cells
    make no reference cycles for it to find; their reference counts free them as before."""
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _in_point_order(path: Path, rows: list[dict]) -> list[dict]:
    """``rows`` in the point order of the sweeps recorded in ``path``'s state (see :func:`read_results`); rows of no
    recorded sweep (a state that cannot be read or is missing, an older qnsim's, sweeps merged out of it) after
    them, ordered by their own values (:func:`_unrecorded_sorted`)."""
    place: dict[str, int] = {}
    try:
        entries = _read_states(path)
    except (OSError, ValueError, KeyError, TypeError):  # sweep_status says what is wrong with it
        entries = []
    for entry in reversed(entries):  # the last sweep's points first: its rows as it returned them
        try:
            grid = {key: [tuple(v) if isinstance(v, list) else v for v in values] for key, values in entry["grid"]}
            ids = _recorded_point_ids(grid, entry["seeds"], entry["scenario_id"])
        except (KeyError, TypeError, ValueError):
            continue
        for _, _, identifier in ids:
            place.setdefault(identifier, len(place))
    # Unplaced rows were kept in file order, the order their points finished: one sweep's rows read without its
    # state (a CSV mailed or copied alone, the sweeps of a state merged away) came in another order from every run
    # on several workers, or resumed.
    if not place:  # no recorded sweep (a CSV without its state): every row by its own values
        return _unrecorded_sorted(rows)
    placed: list[tuple[int, dict]] = []
    unplaced: list[dict] = []
    for row in rows:
        at = place.get(row.get(ID_COLUMN))
        if at is None:
            unplaced.append(row)
        else:
            placed.append((at, row))
    placed.sort(key=lambda pair: pair[0])
    return [row for _, row in placed] + _unrecorded_sorted(unplaced)


def _unrecorded_sorted(rows: list[dict]) -> list[dict]:
    """``rows`` (of no recorded sweep) in one order worked out from their own values: by their grid values (the
    cells before each row's seed, in column order: a row's (column, value) pairs compared in turn, a row with fewer
    such cells first when the ones it has are equal), then its seed, then its point id (as text); in each cell
    numbers come before bools before text before empty cells, each in its own order (NaN after every other number,
    False before True; see :func:`_cell_order`); rows equal in all of that keep their file order. Grids usually list
    their values in increasing order, so a sweep's rows read without its state usually come in its point order;
    whatever the grid, one set of rows reads as one list.

    Each distinct (column, cell) pair is ranked once and a row's key is a tuple of ranks: a key built of nested
    tuples per row and compared cell by cell took 4-5 s of CPU for 10^5 rows (a CSV read or put in order without
    its state); the ranks compare as the pairs they stand for (the same order). Rows that all have the same columns
    (a CSV's) are ordered by one whole number each (:func:`_one_grid_sorted`)."""
    fast = _one_grid_sorted(rows)
    if fast is not None:
        return fast
    pairs: dict[tuple[str, type, Any], tuple] = {}  # a grid cell's (column, type, value): (column, its order)
    grids: dict[tuple, list[str]] = {}
    keyed = []
    for row in rows:
        columns = tuple(row)
        grid = grids.get(columns)
        if grid is None:
            grid = grids[columns] = list(columns[: columns.index(SEED_COLUMN)] if SEED_COLUMN in columns else ())
        cells = []
        for key in grid:
            value = row[key]
            try:
                pair = pairs[(key, type(value), value)]
            except KeyError:  # NaN is never found (NaN != NaN): its order is worked out again, the same
                pair = pairs[(key, type(value), value)] = (key, _cell_order(value))
            except TypeError:  # not hashable
                pair = (key, _cell_order(value))
            cells.append(pair)
        keyed.append((cells, row))
    rank = {pair: i for i, pair in enumerate(sorted({pair for cells, _ in keyed for pair in cells}))}
    keys = [(tuple([rank[pair] for pair in cells]), _cell_order(row.get(SEED_COLUMN)), str(row.get(ID_COLUMN)))
            for cells, row in keyed]  # fmt: skip
    return [keyed[i][1] for i in sorted(range(len(keyed)), key=keys.__getitem__)]


def _one_grid_sorted(rows: list[dict]) -> list[dict] | None:
    """:func:`_unrecorded_sorted` for rows that all have the same columns in the same order (None otherwise, or for a
    cell that cannot be a dict key): each grid cell and the seed is ranked among its column's distinct values, and a
    row's key is one whole number, those ranks in mixed radix: the same order as the tuples of ranks (the rows have
    the same columns, so no row's grid is shorter). Rows of one key then go by point id (as text), and rows equal in
    that too keep their file order (stable sorts). Comparing a tuple of tuples per row took about half the CPU of
    reading a 10^5-row CSV without its state."""
    if not rows:
        return []
    columns = tuple(rows[0])
    if not all(map(columns.__eq__, map(tuple, rows))):
        return None
    grid = list(columns[: columns.index(SEED_COLUMN)]) if SEED_COLUMN in columns else []
    keys = [0] * len(rows)
    seed_of = operator.itemgetter(SEED_COLUMN) if SEED_COLUMN in columns else (lambda row: None)
    getters = [*map(operator.itemgetter, grid), seed_of]
    for cell_of in getters:
        cells = list(map(cell_of, rows))
        typed = list(zip(map(type, cells), cells))  # 1, 1.0 and True are one dict key, not one cell
        try:
            orders = {cell: _cell_order(cell[1]) for cell in dict.fromkeys(typed)}
        except TypeError:  # a cell that is not hashable (a list read from Parquet)
            return None
        rank = {order: i for i, order in enumerate(sorted(set(orders.values())))}
        code = {cell: rank[order] for cell, order in orders.items()}
        codes = list(map(code.get, typed))
        if None in codes:  # a NaN is found again only as the same object (NaN != NaN): others by their order
            codes = [c if c is not None else rank[_cell_order(cell[1])] for c, cell in zip(codes, typed)]
        radix = len(rank)
        keys = [key * radix + c for key, c in zip(keys, codes)] if radix > 1 else keys
    order = sorted(range(len(rows)), key=keys.__getitem__)
    if len(set(keys)) < len(keys):  # rows of one key (seldom: a point's grid values and seed make its id), by id
        order = [i for _, same in itertools.groupby(order, key=keys.__getitem__)
                 for i in sorted(same, key=lambda i: str(rows[i].get(ID_COLUMN)))]  # fmt: skip
    return [rows[i] for i in order]


def _cell_order(value: Any) -> tuple:
    """Where a cell goes in :func:`_unrecorded_sorted`: numbers (NaN last) before bools before text before None."""
    if type(value) is int:  # a seed: the common case first
        return (0, value)
    if value is None:
        return (4, 0)
    if isinstance(value, bool):
        return (2, int(value))
    if isinstance(value, numbers.Real):
        return (1, 0) if math.isnan(value) else (0, value)
    return (3, str(value))


_POINT_ID = re.compile(r"[0-9a-f]{20}")


def torn_line_text(path: str | os.PathLike, raw: bytes, end: int) -> str:
    """A torn last line as messages name it: the file, the line's number and length in bytes, and its start.

    ``raw`` is the file's bytes and ``end`` where its whole lines end (the torn line is ``raw[end:]``).
    """
    line = raw.count(b"\n", 0, end) + 1
    start = raw[end : end + 40].decode("utf-8", "replace")
    return (
        f"{os.fspath(path)!r} ends in a torn line {line} ({len(raw) - end} bytes without a line end, "
        f"beginning {start!r}): a run killed while writing it"
    )


def cut_torn_line(path: str | os.PathLike, raw: bytes, end: int) -> None:
    """Cuts the torn last line ``raw[end:]`` off the file at ``path`` (whose bytes are ``raw``), saying so.

    The one treatment of a torn line for every writer that appends whole lines (a sweep's CSV out, a QEC
    top-up's stats.csv): its point is not counted as written, so a resumed run computes it again, and the next
    line starts a line of its own (appended to the torn one, both were lost, or misread as one row).
    """
    _log.warning("%s; dropping it (its point runs again)", torn_line_text(path, raw, end))
    with naming_file(path), open(path, "r+b") as f:
        f.truncate(end)
        f.flush()
        os.fsync(f.fileno())


def append_whole_lines(path: str | os.PathLike, lines: Iterable[str]) -> None:
    """Appends ``lines`` (text without line ends) to the file at ``path``, each with its line end, in one
    ``O_APPEND`` write, then ``fsync``: a kill leaves at worst one torn last line, which :func:`cut_torn_line`
    drops on resume.

    Raises:
        ValueError: The file ends in a torn line (see :func:`torn_line_text`): appending to it would glue the
            new line onto it; a writer cuts it off when it resumes, before it appends.
    """
    data = "".join(f"{line}\n" for line in lines).encode("utf-8")
    with naming_file(path):
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                with open(path, "rb") as f:
                    raw = f.read()
                raise ValueError(torn_line_text(path, raw, raw.rfind(b"\n") + 1))
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)


def _whole_rows_end(raw: bytes) -> int:
    """Where the whole rows of a CSV result file's bytes end: after the last line end, or after a last line
    without one that is a whole row all the same (saved by an editor that drops the final line end).

    A sweep writes each row with one write ending in its line end, so an unterminated last line is
    normally a row cut short by a kill, and is left out. But a row whose last cell, its point_id, is
    whole (a sweep's rows end with it) holds all its data: leaving it out dropped the last row of a
    file saved without its final line end, without a word.
    """
    end = raw.rfind(b"\n") + 1
    if end == len(raw) or end == 0:
        return end
    try:
        header = next(csv.reader([raw[: raw.find(b"\n")].decode("utf-8-sig")]))
        last = next(csv.reader([raw[end:].decode("utf-8")]))
    except (UnicodeDecodeError, StopIteration, csv.Error):
        return end
    whole = len(last) == len(header) and header[-1] == ID_COLUMN and _POINT_ID.fullmatch(last[-1]) is not None
    return len(raw) if whole else end


def _read_csv(path: Path, raw: bytes, what: str) -> tuple[list[str] | None, list[dict]]:
    """The header and rows of a sweep's CSV ``raw`` (whole lines only): the one reading of the file
    for resuming (:meth:`_CsvSink.load`), :func:`read_results` and the plots.

    A row of another length than the header (a line cut short, a blank line) and a point with two
    rows that differ are refused, naming the lines: read_results took a line cut to ``0.`` as the
    value 0.0 and padded short rows with None, and a resumed sweep kept whichever copy of a point
    came first. Identical copies (two sweeps appending side by side once wrote every point twice)
    are one point: the first is kept, as :func:`qnsim.plot.summarize` counts them once (a threshold
    fit summed both into its counts, as if twice the shots had been sampled).

    Raises:
        ValueError: As above, or the file is not UTF-8 text.
    """
    where = f"{what} {str(path)!r}"
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (a spreadsheet's save) is not part of the first column
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where} is not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start})") from None
    # Lines end where the writer ends them ("\n"; "\r\n" from a spreadsheet's save reads the same): str.splitlines
    # also split at form feeds, "\x1c"-"\x1e", "\x85" and U+2028/U+2029, which a text cell may hold and the csv
    # module writes unquoted, so a file holding one was "not a sweep result" to every later read and resume.
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if not lines:
        return None, []
    records = csv.reader(lines)
    try:
        header = next(records)
    except csv.Error as exc:
        raise ValueError(f"{where} line 1 is not a CSV header: {exc}") from None
    twice = sorted({k for k in header if header.count(k) > 1})
    if twice:
        # A dict row keeps one cell per name: the other column's values were dropped without a word (a header
        # edited to "seed,seed,..." read every row's length_km as gone).
        raise ValueError(
            f"{where} names column {written(twice[0])} twice in its header: the file was edited or "
            "damaged"
        )
    fast = _rows_by_columns(header, records)
    if fast is not None:
        return header, fast
    records = csv.reader(lines)  # again, record by record: what is wrong, and where, is said below
    next(records)
    located: list[tuple[str, dict]] = []
    number = 1
    while True:
        number += 1
        try:
            record = next(records)
        except StopIteration:
            break
        except csv.Error as exc:  # a cell beyond the csv module's field limit (128 KiB): "_csv.Error", naming no file
            raise ValueError(f"{where} line {number} cannot be read as CSV: {exc}") from None
        if len(record) != len(header):
            raise ValueError(
                f"{where} line {number} has {len(record)} fields, the header has {len(header)}: the file is "
                "not a sweep result (or was edited)"
            )
        if record == header:
            # Two result files joined (cat a.csv b.csv): the second header read as a row of text cells, a
            # point of scenario "scenario_id" that made resuming and summaries fail with riddles.
            raise ValueError(
                f"{where} line {number} repeats the header (line 1): two result files were joined into one? "
                "delete that line (the rows after it are read as the header says), or keep the files apart"
            )
        # Ids are hex text even when every digit happens to be decimal.
        row = {}
        for k, v in zip(header, record):
            try:
                row[k] = v if k in _TEXT_COLUMNS else _parse_cell(v)
            except ValueError as exc:  # an integer of more than 4300 digits: Python's message named no cell
                raise ValueError(f"{where} line {number}, column {written(k)}: {exc}") from None
        located.append((f"line {number}", row))
    return header, _one_row_per_point(located, where)


def _rows_by_columns(header: list[str], records: typing.Iterator[list[str]]) -> list[dict] | None:
    """The rows of a result file's ``records`` (after its ``header``) when nothing in them needs a word: every record
    as long as the header, none a copy of it, every cell readable, every point id once; else None (the caller reads
    them record by record, and names what is wrong). Rows equal those the record-by-record reading gives.

    Column by column, each distinct text of a column that repeats its texts (a grid's values, seeds, bools, blanks)
    parsed once, and no location text made per row for :func:`_one_row_per_point` when no point id repeats: cell
    by cell, with a location per row, the reading took ~30% more CPU (10^5 rows of 10 columns)."""
    try:
        body = list(records)
    except csv.Error:
        return None
    if not body:
        return []
    if set(map(len, body)) != {len(header)} or header in body:
        return None
    columns = []
    texts_by_column = list(zip(*body))
    for key, texts in zip(header, texts_by_column):
        if key in _TEXT_COLUMNS:  # ids are hex text even when every digit happens to be decimal
            columns.append(texts)
            continue
        distinct = set(texts)
        try:
            if 2 * len(distinct) < len(texts):
                parsed = {text: _parse_cell(text) for text in distinct}
                columns.append(list(map(parsed.__getitem__, texts)))
            else:  # mostly distinct texts (a result's floats): a table of them would cost more than it saves
                columns.append(list(map(_parse_cell, texts)))
        except ValueError:  # an integer of more than 4300 digits: named with its line by the caller
            return None
    if ID_COLUMN in header:
        ids = columns[header.index(ID_COLUMN)]
        if len(set(ids)) != len(ids):  # copies of a point (or two empty ids): _one_row_per_point keeps one or refuses
            return None
        if SEED_COLUMN in header:
            # One point's values under two ids (equal values, 10 and 10.0 alike here): _one_row_per_point tells.
            keys = [*header[: header.index(SEED_COLUMN) + 1], *([SCENARIO_COLUMN] if SCENARIO_COLUMN in header else [])]
            points = list(zip(*(columns[header.index(k)] for k in keys)))
            if len(set(points)) != len(points):
                return None
    rows = [dict(zip(header, values)) for values in zip(*columns)]
    if all(k in header for k in (ID_COLUMN, SEED_COLUMN, SCENARIO_COLUMN)):
        # A row whose id is not that of its cells (read under another file's header): the caller names its line.
        if not _IdsOfCells().all_match(header, texts_by_column, rows):
            return None
    if DIGEST_COLUMN in header and not _all_digests_match(header, columns, texts_by_column):
        return None  # a row edited after it was written: the caller names its line and column
    return rows


def _all_digests_match(header: list[str], columns: list[Sequence[Any]], texts: list[Sequence[str]]) -> bool:
    """Whether every row of a CSV (``columns``: its cells as read, column by column; ``texts``: as written) that has
    a ``row_digest`` matches it (see :func:`_digest_matches`), worked out column by column: each distinct value's
    text made once, a column of floats from its text (a sweep writes a float's repr; a text that is not one, the
    caller checks row by row), so row by row it took 6 us a row of 10 columns, half a read's time. False may also
    mean a float not written as its repr (``0.50``): :func:`_digest_matches` then decides on the values."""
    digests = columns[header.index(DIGEST_COLUMN)]
    cells: list[list[str]] = []
    for key in _digest_keys(dict.fromkeys(header)):
        made: dict[tuple[type, Any], str] = {}

        def text(value: Any, key: str = key, made: dict = made) -> str:
            if value is None:
                return ""
            try:
                return made[(type(value), value)]
            except KeyError:
                cell = made[(type(value), value)] = _cell_text(key, value)
                return cell
            except TypeError:
                return _cell_text(key, value)

        values = columns[header.index(key)]
        at = f"{len(key)}:{key}=f"
        texts_of_key = texts[header.index(key)]
        cells.append([at + t + "\n" for t in texts_of_key] if all(type(v) is float for v in values)
                     else list(map(text, values)))  # fmt: skip
    head = _DIGEST_VERSION + ":"
    for digest, row in zip(digests, zip(*cells)):
        if digest is None:
            continue
        whole = hashlib.sha256("".join(row).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        if not (isinstance(digest, str) and digest.startswith(head + whole + ":")):
            return False
    return True


def _same_cell(a: Any, b: Any) -> bool:
    """Whether two cells of a result file hold one value (NaN is one value: no pair, no fidelity)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def _without_copies(rows: list[dict], same: Callable[[dict, dict], bool]) -> list[dict]:
    """``rows`` (in order) without the later identical copies of a point (its ``point_id``, ``same`` as its first
    row): the rows a finished sweep writes back to its out (:meth:`_CsvSink.put_in_order`,
    :meth:`_ParquetSink.put_in_order`). Every qnsim reader counts such a copy once (:func:`_one_row_per_point`), but
    ``pandas.read_csv``, ``pandas.read_parquet`` and a spreadsheet read the file as it is: a resumed sweep kept a
    line copied by hand or a part copied beside itself, and a mean or a sum over the file counted that point twice.
    Two different rows of one point are both kept: the readers refuse them, naming both."""
    first: dict[Any, dict] = {}
    kept: list[dict] = []
    for row in rows:
        point = row.get(ID_COLUMN)
        if point:
            seen = first.setdefault(point, row)
            if seen is not row and same(seen, row):
                continue
        kept.append(row)
    return kept


#: Relative difference under which two floats of one grid key are one value computed two ways
#: (``0.1 + 0.2`` and ``0.3``, ``np.linspace`` and a typed list): far below any step a sweep takes.
ROUNDING_TOLERANCE = 1e-9


def _check_values_by_rounding(out: Any, rows: list[dict], grid: Mapping[str, Sequence[Any]]) -> None:
    """Refuses a grid number that is a value of the same key in ``out``'s rows but for its type (the
    int ``1``, the float ``1.0``, the bool ``True``), or differs from one by rounding only.

    A point's id is a hash of its exact values (type included: a point function may take ``1`` and
    ``1.0`` differently), so a sweep resumed with ``x = 0.3`` on rows written with
    ``x = 0.30000000000000004`` (``np.linspace(0, 0.5, 6)``), or with ``x = 1`` on rows written with
    ``x = 1.0`` (a grid typed ``--param x=1.0`` first, a value read from a file or TOML), matched none
    of them: it ran those points again, and the file then held two points at one place on a plot, each
    with its own mean, without a word.

    Raises:
        ValueError: Naming the key, both values and how many rows hold the file's.
    """
    for key in grid_columns(grid):
        values = [v for v in _axis_values(grid, key) if type(v) in (bool, int, float)]
        if not values:
            continue
        exact = {(type(v), v) for v in values}
        wanted = sorted(values)
        held: dict[tuple[type, Any], int] = {}
        for row in rows:
            value = row.get(key)
            if type(value) in (bool, int, float):
                held[(type(value), value)] = held.get((type(value), value), 0) + 1
        # In the grid's order, not the file's (its rows are in finishing order, which a pool's timing
        # sets): the message names the same value on every run.
        def grid_rank(value: Any) -> int:
            return next(
                (i for i, v in enumerate(values) if v == value or math.isclose(v, value, rel_tol=ROUNDING_TOLERANCE)),
                len(values),
            )

        found = [
            (kind, value, count)
            for (kind, value), count in held.items()
            if (kind, value) not in exact and not (kind is float and not math.isfinite(value))
        ]
        for kind, value, count in sorted(found, key=lambda item: (grid_rank(item[1]), item[1], item[0].__name__)):
            at = bisect.bisect_left(wanted, value)
            for near in wanted[max(0, at - 1) : at + 2]:
                if near == value:  # the same number, another type (True == 1 == 1.0)
                    raise ValueError(
                        f"grid[{written(key)}] value {written(near)} ({type(near).__name__}) equals the value "
                        f"{written(value)} "
                        f"({kind.__name__}) that {count} row(s) of out {str(out)!r} hold, but of another type: "
                        "a "
                        "point's id is its exact value, type included (a point function may take 1 and 1.0 "
                        "differently), so those rows would not be resumed but run again, and the file would hold two "
                        f"points at one place; give {written(value)} as the file has it, or choose another out"
                    )
                if kind is float and type(near) is float and math.isclose(near, value, rel_tol=ROUNDING_TOLERANCE):
                    raise ValueError(
                        f"grid[{written(key)}] value {written(near)} is not the value {written(value)} that {count} "
                        "row(s) of out "
                        f"{str(out)!r} hold, though they differ by rounding only (computed another way: "
                        "np.linspace "
                        "and a typed list, 0.1 + 0.2 and 0.3): a point's id is its exact values, so those rows would "
                        f"not be resumed but run again, and the file would hold two points at one place; give "
                        f"{written(value)} as the file has it, or choose another out"
                    )


def _check_parquet_column_types(out: Any, rows: list[dict], grid: Mapping[str, Sequence[Any]]) -> None:
    """Refuses, before any point runs, a grid whose values of one key are of two types, or of another type
    than that key's column in the Parquet ``out`` already: a Parquet column has one type. The grid
    ``{"x": [1, 2.5]}`` ran every point and then failed at the first write ("return the same type for every
    point", of a value the grid gave), its rows lost.

    Raises:
        ValueError: Naming the key and the two types, with a value of each.
    """
    for key in grid_columns(grid):
        kinds: dict[type, tuple[Any, str]] = {}
        for value in _axis_values(grid, key):
            kinds.setdefault(type(value), (value, "the grid gives"))
            if type(value) is int and not _INT64_MIN <= value <= _INT64_MAX:
                raise ValueError(
                    f"grid[{written(key)}] value {written(value)} is beyond a 64-bit integer, the widest a Parquet "
                    "column holds "
                    "(its rows could not be written); give it as a float or text, or write a .csv out"
                )
        for row in rows:
            value = row.get(key)
            if value is not None:
                kinds.setdefault(type(value), (value, f"out {str(out)!r} holds"))
        if len(kinds) > 1:
            (a, (va, wa)), (b, (vb, wb)) = list(kinds.items())[:2]
            raise ValueError(
                f"grid[{written(key)}]: {wa} {a.__name__} {written(va)} and {wb} {b.__name__} {written(vb)}, but a "
                "Parquet column has "
                f"one type (an int among floats would read back as a float, and the rows could not be written); "
                "give every value of a key as one type (1.0, not 1, among floats), or write a .csv out"
            )


def _axis_values(grid: Mapping[str, Sequence[Any]], key: str) -> list[Any]:
    """The values of one column of a grid, checked (one key of a linked axis: its entry of each tuple)."""
    for keys, values in grid_axes(grid):
        if key in keys:
            return [v[keys.index(key)] for v in values]
    return []


class _IdsOfCells:
    """The :func:`point_id` each row of a sweep is the point of by its own cells: its grid cells (those before ``seed``
    that are not blank: a blank is a key another sweep on the file swept, not this row's point), its seed and its
    ``scenario_id``. A sweep writes each row under the id of these very values, so a row whose cells give another id
    was read under a header that is not its own, or edited. Rows without a scenario_id (written by hand, or by a qnsim
    before rows carried one) are not a sweep's to check.

    Rows of two sweeps joined by hand (``tail -n +2 b.csv >> a.csv``) whose headers name other keys in the same
    number of columns were read under the first file's header: b's ``until_s = 5.0`` became a ``length_km = 5.0``
    point, and a plot drew it at 5 km as if a. Each combination of grid cells and scenario is hashed once (its
    SHA-1 state copied per seed, as :func:`_point_ids` does): ~1 us a row."""

    def __init__(self) -> None:
        self.heads: dict[tuple, Any] = {}
        #: Each grid cell's ``"key":value`` JSON by (key, type, value): a combination's cells recur across the
        #: combinations (200 x 10 of them share 210 cells), and their json.dumps was a third of the check's time.
        self.cells: dict[tuple, str] = {}

    def matches(self, row: Mapping[str, Any], grid: Sequence[str]) -> bool:
        """Whether ``row``'s ``point_id`` is the id of its cells (``grid``: its columns before ``seed``); True for a
        row without a scenario_id (not a sweep's, see above)."""
        scenario = row.get(SCENARIO_COLUMN)
        if scenario is None or scenario == "":
            return True
        seed = row.get(SEED_COLUMN)
        if type(seed) is not int or not 0 <= seed <= _UINT64_MAX:
            return False
        head = self.head(row, grid)
        if head is None:
            return False
        digest = head.copy()
        digest.update(f"{seed}}}".encode())
        return digest.hexdigest()[:20] == row.get(ID_COLUMN)

    def head(self, row: Mapping[str, Any], grid: Sequence[str]) -> Any:
        """The SHA-1 state of the id's text up to the seed, for ``row``'s grid cells and scenario (None: cells that
        are no point's values)."""
        scenario = row.get(SCENARIO_COLUMN)
        # A float by its bits (float.hex): -0.0 == 0.0 as a dict key, but their JSON, so their ids, differ.
        key = (tuple((k, type(v), v.hex() if type(v) is float else v) for k in grid if (v := row[k]) is not None),
               scenario)
        try:
            head = self.heads.get(key)
        except TypeError:  # a cell that is no scalar (a Parquet list column): not a sweep's grid value
            return None
        if head is None:
            try:
                cells = ",".join(self._cell(cell) for cell in sorted(key[0], key=_first))
            except (TypeError, ValueError):  # NaN, infinity, a value JSON has no text for: no point's value
                return None
            if not isinstance(scenario, str):
                return None
            tail = ',"scenario":' + json.dumps(scenario) + ',"seed":'
            head = self.heads[key] = hashlib.sha1(('{"params":{' + cells + "}" + tail).encode("utf-8"))
        return head

    def _cell(self, cell: tuple) -> str:
        """The id's JSON of one grid cell ``(key, type, value)`` (a float as its ``float.hex``), as :func:`point_id`
        writes it (memoized; the type is part of the key because ``1``, ``1.0`` and ``True`` are equal keys of a dict
        but other JSON)."""
        text = self.cells.get(cell)
        if text is None:
            value = float.fromhex(cell[2]) if cell[1] is float else cell[2]
            text = self.cells[cell] = json.dumps(cell[0]) + ":" + json.dumps(value, allow_nan=False)
        return text

    def all_match(self, header: list[str], texts: list[tuple[str, ...]], rows: list[dict]) -> bool:
        """Whether every row of a CSV (``texts``: its cells' text, column by column; ``rows``: as read) matches
        (see :meth:`matches`), worked out from the text: each distinct text of a row's grid cells and scenario hashed
        once, each seed's text (a sweep writes ``str(seed)``) appended to a copy. False may also mean a row a sweep
        did not write as such (a seed written ``007``): :meth:`matches` then decides on the values."""
        seed_at, id_at, scenario_at = (header.index(k) for k in (SEED_COLUMN, ID_COLUMN, SCENARIO_COLUMN))
        grid = header[:seed_at]
        heads: dict[tuple[str, ...], Any] = {}
        keys = zip(*texts[:seed_at], texts[scenario_at]) if seed_at else ((text,) for text in texts[scenario_at])
        for at, (key, seed, identifier) in enumerate(zip(keys, texts[seed_at], texts[id_at])):
            if not key[-1] or not identifier:
                continue  # no scenario_id: not a sweep's row; no id: no point
            head = heads.get(key)
            if head is None:
                row = rows[at]
                if type(row[SEED_COLUMN]) is not int or str(row[SEED_COLUMN]) != seed:
                    return False
                head = heads[key] = self.head(row, grid)
                if head is None:
                    return False
            digest = head.copy()
            digest.update(seed.encode() + b"}")
            if digest.hexdigest()[:20] != identifier:
                return False
        return True


def _first(item: tuple) -> Any:
    return item[0]


def _misread_row_message(where: str, location: str, row: Mapping[str, Any], grid: Sequence[str]) -> str:
    """The refusal of a row whose point_id is not the id of its own cells (see :class:`_IdsOfCells`)."""
    cells = ", ".join(f"{k} = {written(row[k])}" for k in [*grid, SEED_COLUMN] if row.get(k) is not None)
    return (
        f"{where} {location}: its point_id {written(row.get(ID_COLUMN))} is not the id of its own cells "
        f"({cells[:300]}), under which a sweep writes a row, so it was written by another sweep under another header "
        "(two result files joined by hand, whose columns differ, read under the first one's) or edited: its "
        "values would be read as other parameters' (keep each sweep's rows in their own file, or delete the row)"
    )


class _EditedRowError(ValueError):
    """A row whose cells are not those its ``row_digest`` was made of (see :func:`_edited_row_message`)."""


def _one_row_per_point(located: list[tuple[str, dict]], where: str) -> list[dict]:
    """The rows of a result file with each point (its ``point_id``) once: the one check of every
    reader (CSV lines and Parquet parts alike), for resuming, :func:`read_results` and the plots.

    Identical copies of a point (two sweeps appending side by side, a part file copied twice) are
    one point, the first kept; two different rows of one point are refused, naming where each is.
    ``located`` pairs each row with where it was read (``"line 7"``, ``"part p.parquet row 3"``).
    """
    rows: list[dict] = []
    seen: dict[str, tuple[str, dict]] = {}
    by_values: dict[tuple, tuple[str, str]] = {}  # a point's values, seed and scenario: (where, its point_id)
    ids = _IdsOfCells()
    for location, row in located:
        point = row.get(ID_COLUMN)
        if point:
            first, kept = seen.setdefault(point, (location, row))
            if kept is not row:
                same = kept.keys() == row.keys() and all(_same_cell(kept[k], row[k]) for k in kept)
                if not same:
                    raise ValueError(
                        f"{where} {first} and {location} are 2 different rows of one point ({point}): a sweep "
                        "writes a point once, so the file was edited or joined from two files; delete the wrong row"
                    )
                continue
            # One point under two ids: a row copied with its point_id edited (or its grid values edited to
            # another row's) was read as a second point, and a QEC table summed its shots twice. The id is a
            # function of the grid values, the seed and the scenario (point_id), so two ids of equal ones are an
            # edit; the cells are compared with their types (10 and 10.0 are two points).
            columns = list(row)
            grid = columns[: columns.index(SEED_COLUMN)] if SEED_COLUMN in columns else None
            if grid is not None:
                values = tuple(
                    (k, type(row.get(k)).__name__, repr(row.get(k))) for k in [*grid, SEED_COLUMN, SCENARIO_COLUMN]
                )
                other, other_id = by_values.setdefault(values, (location, point))
                if other_id != point:
                    shown_values = ", ".join(f"{k} = {written(row[k])}" for k in [*grid, SEED_COLUMN])
                    raise ValueError(
                        f"{where} {other} and {location} are one point ({shown_values}) under 2 point_ids ({other_id}, "
                        f"{point}): a sweep writes a point once, under the id of its values, so a row was copied or "
                        "edited; delete the wrong row"
                    )
                # After the check above, which names both rows of a copied one.
                if not ids.matches(row, grid):
                    raise ValueError(_misread_row_message(where, location, row, grid))
        # After the checks of its key cells above (an edited grid cell is named as such); a row without a digest
        # (an older qnsim's) is counted by the caller (_drop_digests).
        if _digest_matches(row) is False:
            raise _EditedRowError(_edited_row_message(where, location, row))
        rows.append(row)
    return rows


# --- running -----------------------------------------------------------------------------------------


def _call_point(
    fn: PointFunction, params: dict, seed: int, identify: bool = False
) -> tuple[str | None, Mapping[str, Any]]:
    """Runs one point in a worker process; returns what it ran as the worker sees it (with
    ``identify``, see :func:`_worker_scenario_id`) and its result."""
    return (_worker_scenario_id(fn) if identify else None), fn(dict(params), seed)


#: :func:`scenario_id` of each point function a worker process has run, by its pickle.
_WORKER_IDS: dict[bytes, str] = {}


def _worker_scenario_id(fn: PointFunction) -> str:
    """:func:`scenario_id` of ``fn`` in this worker process, computed once (a few ms) per function."""
    key = pickle.dumps(fn)
    if key not in _WORKER_IDS:
        _WORKER_IDS[key] = scenario_id(fn)
    return _WORKER_IDS[key]


class _PointFailed(Exception):
    """A point of a chunk raised: its index in the chunk, the exception's type name and text, and what
    :func:`_call_points` returns for the points of the chunk before it."""


def _call_points(
    fn: PointFunction, chunk: list[tuple[dict, int]], identify: bool = False
) -> tuple[str, str | None, list[Mapping[str, Any]], float]:
    """Runs a chunk of points in one task (a Dask task costs milliseconds of scheduling, more than
    a small point); returns the qnsim that ran them (:func:`code_id`), with ``identify`` what they
    ran as the worker sees it (:func:`scenario_id`; see :func:`_sent_by_name`), the results of the points it ran,
    and the wall time they took on the worker, in s (which sizes the next tasks: :class:`_DaskChunks`).

    It starts no point once :data:`DASK_TASK_S` has passed (it runs one at least): the points it did not run are
    the first of its chunk after the results, and the sweep runs them in another task. A task is sized by the
    points before it, so points of uneven durations (0.01 s and 1 s mixed) packed a task that ran for several
    times ``DASK_TASK_S``, all of it lost to a kill."""
    identity = scenario_id(fn) if identify else None
    results: list[Mapping[str, Any]] = []
    started = time.perf_counter()
    for index, (params, seed) in enumerate(chunk):
        if results and time.perf_counter() - started >= DASK_TASK_S:
            break
        failed: tuple[str, str] | None = None
        try:
            results.append(fn(dict(params), seed))
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # an Exception, or a sys.exit() (see _point_exit_message)
            text = str(exc) if isinstance(exc, Exception) else _point_exit_message(exc, params, seed, alone=True)
            failed = (type(exc).__name__, text)
        if failed is not None:
            # Raised outside the handler, so that the failure Dask pickles for the client carries no SystemExit as
            # its context. The points before it finished: their results travel with the failure (they were lost
            # with it).
            raise _PointFailed(index, *failed, (code_id(), identity, results, time.perf_counter() - started))
    return code_id(), identity, results, time.perf_counter() - started


def _point_exit_message(exc: BaseException, params: Mapping[str, Any], seed: int, alone: bool = False) -> str:
    """The failure of a point whose function raised a BaseException that is no Exception and no Ctrl-C: a
    ``sys.exit()`` (SystemExit), a GeneratorExit. It came out of :func:`sweep` as itself, so a script calling it
    ended there with status 0, and ``qnsim sweep module:function`` exited 0 without a word, its out short of the
    points after it: a stopped sweep read as a finished one. ``alone``: the text after the type's name only."""
    text = repr(exc)
    if isinstance(exc, SystemExit):
        text = (f"sys.exit({exc.code!r}) in a point function stops the whole sweep; return the point's row or raise "
                "an exception")  # fmt: skip
    if alone:
        return text
    return f"the point function raised {type(exc).__name__}: {text} (params {dict(params)}, seed {seed})"


def _other_code_message(fn: Any, where: str, worker_identity: str | None, identity: str) -> str:
    """The refusal of rows computed by a worker that imported other code for the point function."""
    return (
        f"{where} runs other code for the point function {written(getattr(fn, '__qualname__', fn))} (scenario_id "
        f"{worker_identity}, this process {identity}): its module (or a helper or constant it reads) differs "
        "between the files the worker imported and this process (edited since it was imported here? reload it "
        "or restart); rows would be stamped with code they were not computed by"
    )


def _sent_by_name(fn: Any, script: bool = False) -> bool:
    """Whether a point function reaches a worker by name, to be imported there from the worker's own
    files (a function, or the class of a callable object, of an importable module), rather than by
    value (defined in ``__main__``: a script or a notebook; cloudpickle sends its code to Dask).

    With ``script`` (the local pool, whose pickle sends ``__main__``'s functions by name too), a function
    of a script run as ``__main__`` counts: a worker that is not forked imports the script's file
    again, as it is on disk when the worker starts (edited since this process started, it computed the
    rows with the new code under the old code's scenario_id)."""
    import functools
    import inspect

    while isinstance(fn, functools.partial):
        fn = fn.func
    target = fn if inspect.isroutine(fn) else type(fn)
    module = getattr(target, "__module__", None)
    if module == "__main__":
        return script and isinstance(getattr(sys.modules.get("__main__"), "__file__", None), str)
    return isinstance(module, str) and module in sys.modules


def dask_chunk_size(points: int, workers: int) -> int:
    """The most points a Dask task holds: at least four tasks per worker (so a slow chunk cannot hold
    the sweep back much), at most 32 points per task. A task holds fewer while the points' durations
    are unknown or long: a sweep starts with one point per task and sizes later tasks to run about
    :data:`DASK_TASK_S` each (:class:`_DaskChunks`), so that rows reach the output often.

    Example:
        >>> dask_chunk_size(200, 2), dask_chunk_size(5, 2), dask_chunk_size(10**6, 64)
        (25, 1, 32)
    """
    return max(1, min(32, math.ceil(points / (4 * max(1, workers)))))


#: Wall time a Dask task of a sweep aims at, in s. A task's rows reach the out only when the whole task has
#: finished, so this bounds the work a kill -9 (or a lost worker) throws away per running task; at ~10 ms of
#: scheduling per task it still costs under 1% of a task of cheap points.
DASK_TASK_S = 2.0

#: Tasks a Dask sweep keeps submitted per worker thread (more are submitted as these finish): one running and the
#: next ones queued, so a thread never waits for the sweep's round trip, while the tasks' sizes still follow the
#: durations measured so far (every task submitted up front had to be sized before any point had run).
DASK_TASKS_PER_THREAD = 3

#: How often, in s, a Dask sweep reads the cluster's threads again while points wait to be submitted (a cluster
#: that scales gets more tasks within this of a worker's arrival). Every 5 s, and only when a task finished, an
#: adaptive cluster started from zero workers got 3 tasks, so Dask's scaling (which asks for no more workers than
#: tasks) added workers 3 at a time, seconds apart.
DASK_WORKERS_REREAD_S = 1.0


class _DaskChunks:
    """Sizes a Dask sweep's tasks, in points: one point per task until durations are measured, then as many as
    run in about :data:`DASK_TASK_S` (by the larger of the mean duration of every point so far and that of the
    last task's points, so that a stretch of slow points shrinks the tasks at once), growing at most twofold
    per measured task, never above :func:`dask_chunk_size`. Points of very different durations would make a task
    run longer (the sizes follow what ran before it): the task itself starts no point after ``DASK_TASK_S``
    (:func:`_call_points`), and its other points run in another task."""

    def __init__(self, points: int, workers: int) -> None:
        self.most = dask_chunk_size(points, workers)
        self.size = 1  #: points of the next task
        self.seconds = 0.0
        self.points = 0

    def measured(self, points: int, seconds: float) -> None:
        """Takes the wall time, in s, that a task's ``points`` points took on its worker."""
        if points <= 0:
            return
        self.seconds += max(0.0, seconds)
        self.points += points
        per_point = max(self.seconds / self.points, seconds / points)
        fits = int(DASK_TASK_S / per_point) if per_point > 0 else self.most
        self.size = max(1, min(self.most, 2 * self.size, fits))


#: Said when a point function returns a run, or a result's nested summary: the flat row that compares with a scenario's.
_ROW_HINT = "; a run's NetworkResult gives its flat row, the columns of a scenario sweep, as result.row()"


def _make_row(point: Point, result: Any) -> dict:
    if not isinstance(result, Mapping):
        from qnsim.results import NetworkResult, RequestResult

        hint = _ROW_HINT if isinstance(result, (NetworkResult, RequestResult)) else ""
        raise SweepError(
            f"the point function must return a dict of results, got {type(result).__name__} "
            f"for params {point.params} seed {point.seed}{hint}"
        )
    row: dict[str, Any] = dict(point.params)
    row[SEED_COLUMN] = point.seed
    for key, value in result.items():
        if not isinstance(key, str):
            raise SweepError(f"result keys must be strings, got {written(key)} for params {point.params}")
        # As grid keys: a key with a line break became a CSV header of two lines, a file the sweep wrote
        # and then could not read ("line 3 has 5 fields, the header has 3").
        label("result key", key, error=lambda m: SweepError(f"{m} (params {point.params}, seed {point.seed})"))
        if key in row or key in _RESERVED:  # scenario_id is added below: it would overwrite the result
            raise SweepError(
                f"the point function returned {written(key)}, which is also a grid key or one of the sweep's "
                f"own columns {list(_RESERVED)}; rename the result"
            )
        try:
            row[key] = _scalar(f"result {written(key)}", value)
        except ValueError as exc:
            # RequestResult.summary() (its path and intervals are lists) was the natural return and was refused
            # with no word of the row that is accepted.
            hint = _ROW_HINT if isinstance(value, (list, tuple, dict)) else ""
            raise SweepError(f"{exc} (params {point.params}, seed {point.seed}){hint}") from None
    if point.scenario:
        row[SCENARIO_COLUMN] = point.scenario
    row[ID_COLUMN] = point.id
    return row


def _check_same_columns(row: dict, earlier: dict | None, point: Point) -> None:
    """Refuses a point's ``row`` whose columns are not those of an ``earlier`` row of the sweep (None: it is the
    first), one rule for every out: a Parquet out refused it, while without an out, and in a CSV out whose first
    row had the column, the value it left out read as no value (``<NA>``), which a mean over the column skips."""
    if earlier is None or row.keys() == earlier.keys():
        return
    ours = [k for k in row if k not in point.params and k not in _RESERVED]
    theirs = [k for k in earlier if k not in point.params and k not in _RESERVED]
    raise SweepError(
        f"point {point.id} (params {point.params}, seed {point.seed}) returned columns {ours}, an earlier point "
        f"{theirs}; every point must return the same columns (return None for a value a point has not)"
    )


def _default_context() -> Any:
    # fork() in a process with threads (the pool's own manager thread, tqdm's monitor, a Dask
    # client) is deprecated from Python 3.12; use forkserver there where it exists.
    if sys.version_info >= (3, 12) and "forkserver" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("forkserver")
    return None


def die_with_parent() -> None:
    """Makes the calling worker process end when its parent does, even on ``kill -9``.

    Installed in every worker of a sweep's local pool and of the Dask cluster a sweep starts
    itself, so an interrupted sweep leaves no orphans computing for nobody. On Linux the kernel
    sends SIGKILL when the parent dies (``PR_SET_PDEATHSIG``); elsewhere (and as a second line) a
    daemon thread polls the parent id once a second. A forked worker also closes its copies of
    the locks the sweep holds on its ``out``, so that only the sweep itself keeps them.

    Example:
        >>> import multiprocessing
        >>> with multiprocessing.get_context("fork").Pool(1, initializer=die_with_parent) as pool:
        ...     pool.apply(abs, (-3,))
        3
    """
    import signal

    if getattr(signal.getsignal(signal.SIGTERM), "qnsim_stops", False):
        # A forked worker inherits a command's SIGTERM handler (qnsim.cli.sigterm_stops), which would raise in the
        # point it runs and hand that back as its result: the pool's own terminate() would not end it.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    hangup = getattr(signal, "SIGHUP", None)  # none on Windows
    if hangup is not None and getattr(signal.getsignal(hangup), "qnsim_stops", False):
        # So is its SIGHUP handler (a closed terminal sends SIGHUP to the workers too): a worker ends with the
        # default action while the sweep's own process stops as on SIGTERM.
        signal.signal(hangup, signal.SIG_DFL)
    for fd in list(_LOCK_FDS):  # a forked worker's copies of the sweep's out locks (see _lock_out)
        _LOCK_FDS.discard(fd)
        try:
            os.close(fd)
        except OSError:
            pass
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL))  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            pass
    if os.getppid() != parent or parent == 1:  # the parent died before the kernel could watch it
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    import threading

    threading.Thread(target=watch, name="qnsim-parent-watch", daemon=True).start()


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may run on (Linux)
    except AttributeError:
        return os.cpu_count() or 1


def _stops_now(exc: BaseException) -> bool:
    """Whether ``exc`` is a command's SIGTERM or SIGHUP (:class:`qnsim.cli.Terminated`), which stops a sweep
    without waiting for the points its workers run."""
    from qnsim.cli import Terminated

    return isinstance(exc, Terminated)


def _run_local(
    fn: PointFunction,
    pending: list[Point],
    workers: int,
    retries: int,
    on_result: Callable[[Point, Any], None],
    still_ours: Callable[[], None] | None = None,
) -> None:
    """Runs ``pending`` on a process pool, handing each point's result to ``on_result`` as it finishes.

    ``still_ours`` (the sweep's :meth:`_Heartbeat.check` of its out) is called at least every :data:`HEARTBEAT_S`
    while points run, not only when one finishes: a sweep stopped (Ctrl-Z) past the heartbeat's limit and taken over
    found out, on its return, only when its next point finished, and then waited for every point its workers were
    running (hours, for long points) before it stopped, its rows unwanted. Taken over, it ends its workers at once.
    """
    try:
        pickle.dumps(fn)
    except Exception as exc:
        # The pool pickles each call in a feeder thread; Python 3.11's pool then waits forever
        # for a result that was never sent (a lambda or a nested function hung the sweep).
        raise SweepError(
            f"the point function {written(fn)} cannot be sent to worker processes ({type(exc).__name__}: {exc}); "
            "define it at module level (not a lambda or a nested function), or use backend='dask'"
        ) from exc
    remaining = {p.id: p for p in pending}
    breaks = 0
    context = _default_context()
    # A forked worker runs this process's code. A worker started otherwise (forkserver, the default from
    # Python 3.12; spawn, macOS's and Windows' default, which context None stands for there) imports a point
    # function sent by name from the files, which may have been edited since this process imported them: its
    # scenario_id is compared (as on Dask). The pool pickles by name a function of the user's script too
    # (``__main__``), and such a worker imports the script again.
    start_method = (context or multiprocessing.get_context()).get_start_method()
    identify = start_method != "fork" and _sent_by_name(fn, script=True)
    identity = pending[0].scenario if pending else ""
    while remaining:
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(remaining)), mp_context=context, initializer=die_with_parent
        )
        futures = {pool.submit(_call_point, fn, p.params, p.seed, identify): p for p in remaining.values()}
        broken = False
        failure: BaseException | None = None
        interrupted = False
        try:
            for future in _as_completed(futures, still_ours):
                point = futures[future]
                try:
                    worker_identity, result = future.result()
                except BrokenProcessPool:
                    broken = True
                    break
                except Exception as exc:
                    failure = exc
                    raise SweepError(
                        f"the point function raised {type(exc).__name__}: {exc} "
                        f"(params {point.params}, seed {point.seed})"
                    ) from exc
                except KeyboardInterrupt:  # Ctrl-C reaches the workers too: the sweep is interrupted
                    raise
                except BaseException as exc:
                    failure = exc
                    raise SweepError(_point_exit_message(exc, point.params, point.seed)) from exc
                if identify and worker_identity != identity:
                    failure = SweepError(_other_code_message(fn, "a worker process", worker_identity, identity))
                    raise failure
                on_result(point, result)
                del remaining[point.id]
        except KeyboardInterrupt as exc:
            interrupted = True
            if _stops_now(exc):
                # A SIGTERM is sent to this process alone (a Ctrl-C reaches the workers too): the sweep waited for
                # the points they ran, hours for a long one, and the kill seemed ignored. They end now.
                _end_workers(pool)
            raise
        except SweepTakenOver:
            # The out is another sweep's, which runs these points itself: their rows would not be written.
            _end_workers(pool)
            raise
        finally:
            # Stop queued points; let running ones end, and keep whatever finished meanwhile (a Ctrl-C waited
            # for the running points too, then dropped them: they ran again on resume).
            pool.shutdown(wait=True, cancel_futures=True)
            if failure is not None or broken or interrupted:
                for future, point in futures.items():
                    finished = future.done() and not future.cancelled() and future.exception() is None
                    if point.id in remaining and finished and (not identify or future.result()[0] == identity):
                        on_result(point, future.result()[1])
                        del remaining[point.id]
        if broken and remaining:
            breaks += 1
            if breaks > retries:
                raise SweepError(
                    f"a worker process died {breaks} times (killed, out of memory, or os._exit in the "
                    f"point function); {len(remaining)} points did not finish, finished rows are kept; "
                    "run the same sweep again to resume"
                )
            _log.warning(
                "a worker process died; restarting the pool for %d unfinished points (%d/%d)",
                len(remaining),
                breaks,
                retries,
            )


def _end_workers(pool: ProcessPoolExecutor) -> None:
    """Ends the worker processes of ``pool`` now (the points they run are dropped)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.terminate()
        except (OSError, ValueError, AttributeError):  # gone already
            pass


def _as_completed(futures: Iterable[Any], still_ours: Callable[[], None] | None) -> typing.Iterator[Any]:
    """The futures as they finish (as :func:`concurrent.futures.as_completed`), calling ``still_ours`` at least every
    :data:`HEARTBEAT_S` while none does."""
    order = {future: i for i, future in enumerate(futures)}
    waiting = set(order)
    while waiting:
        done, waiting = wait(waiting, timeout=None if still_ours is None else HEARTBEAT_S, return_when=FIRST_COMPLETED)
        if still_ours is not None:
            still_ours()
        # Several finished since the last look: in the order they were submitted (one worker's rows in point order).
        yield from sorted(done, key=order.__getitem__)


def _dask_finished(
    distributed: Any, futures: list[Any], still_ours: Callable[[], None] | None, wake_s: float | None = None
) -> list[Any]:
    """Those of Dask's ``futures`` (in the order they were submitted) that have finished, once one has; calls
    ``still_ours`` at least every :data:`HEARTBEAT_S` while none does. With ``wake_s`` (in s), returns an empty list
    (after ``still_ours``) when none finished within that long: the caller has work to do meanwhile."""
    while True:
        timeout = None if still_ours is None else HEARTBEAT_S
        if wake_s is not None:
            timeout = wake_s if timeout is None else min(timeout, wake_s)
        try:
            done, _ = distributed.wait(futures, timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        if done:
            # Several finished since the last look: in the order they were submitted (one worker's rows in point order).
            return [future for future in futures if future.done()]
        if still_ours is not None:
            still_ours()
        if wake_s is not None:
            return []


def _run_dask(
    fn: PointFunction,
    pending: list[Point],
    workers: int | None,
    client: Any,
    on_result: Callable[[Point, Any], None],
    still_ours: Callable[[], None] | None = None,
) -> None:
    """Runs ``pending`` on Dask in chunks, handing each point's result to ``on_result``; ``still_ours`` is called at
    least every :data:`HEARTBEAT_S` while chunks run (see :func:`_run_local`): taken over, the sweep cancels its
    tasks at once rather than after its next chunk.

    A chunk (one task) runs about :data:`DASK_TASK_S` at most once its points' durations are measured (one point
    per task until then; see :class:`_DaskChunks`), and starts no point after it (:func:`_call_points`: the points
    it leaves run in the next task); :data:`DASK_TASKS_PER_THREAD` tasks per worker thread are submitted at a time,
    in point order, more as they finish and as workers arrive (the cluster's threads are read again at least every
    :data:`DASK_WORKERS_REREAD_S` while points wait)."""
    try:
        import distributed
    except ImportError:
        raise ImportError("backend='dask' needs dask.distributed: pip install 'qnsim[dask]'") from None
    owned = []
    if client is None:
        # ":0": a free port for the scheduler's HTTP server (None still binds the default 8787,
        # which fails when another cluster or run already holds it).
        cluster = distributed.LocalCluster(
            n_workers=workers or _usable_cpus(), threads_per_worker=1, dashboard_address=":0"
        )
        client = distributed.Client(cluster)
        owned = [client, cluster]
        client.run(die_with_parent)  # our cluster's workers must not outlive this process
    version = code_id()
    identity = scenario_id(fn)
    identify = _sent_by_name(fn)  # code sent by value is the code this process runs
    futures: dict[Any, list[Point]] = {}

    def keep(chunk: list[Point], answer: tuple[str, str | None, list]) -> None:
        worker_version, worker_identity, results = answer[:3]
        if worker_version != version:
            # Rows carry this process's scenario_id, which names its qnsim (version and code): rows of
            # another would pass as this one's (and resume as such).
            raise SweepError(
                f"a Dask worker runs {worker_version}, this process {version}: its rows would be "
                "stamped with this qnsim's scenario_id; install the same qnsim on every worker"
            )
        if identify and worker_identity != identity:
            # A point function travels by name and each worker imports its module from its own files: one
            # edited since this process imported it (a notebook that did not reload it) computed the rows
            # with the new code, stamped with the old code's scenario_id (and resumed as the old code's).
            raise SweepError(_other_code_message(fn, "a Dask worker", worker_identity, identity))
        for point, result in zip(chunk, results):
            on_result(point, result)

    def keep_finished() -> None:
        """Keeps the rows of the chunks that finished by now: the sweep stops (a point failed, a Ctrl-C), and
        their rows were lost with it, though computed."""
        for future, chunk in list(futures.items()):
            if future.status == "finished":
                del futures[future]
                try:
                    keep(chunk, future.result())
                except SweepError:  # rows of other code: not kept, and the point's failure is the news
                    pass

    def keep_task(future: Any) -> None:
        """Hands a finished task's rows over (or raises its failure, keeping what finished), then sizes the
        next tasks by its points' duration."""
        chunk = futures[future]  # left among the unkept until its rows are all kept (see below)
        try:
            answer = future.result()
        except _PointFailed as exc:
            index, kind, text, before = exc.args
            point = chunk[index]
            failure = SweepError(
                f"the point function raised {kind}: {text} (params {point.params}, seed {point.seed}) on Dask"
            )
            try:
                keep(chunk[:index], before)
            except SweepError:  # rows of other code: not kept, and the point's failure is the news
                pass
            keep_finished()
            raise failure from None
        except Exception as exc:
            failure = SweepError(
                f"a Dask task of {len(chunk)} points failed: {type(exc).__name__}: {exc} "
                f"(first point: params {chunk[0].params}, seed {chunk[0].seed})"
            )
            keep_finished()
            raise failure from exc
        ran = len(answer[2])
        sizes.measured(ran, answer[3])
        # A Ctrl-C while a chunk's rows are handed over: the chunk is still listed, so keep_finished hands over the
        # rest of it (taken off the list first, its rows after the one being written were lost, though computed).
        keep(chunk, answer)
        if ran < len(chunk):  # the task's time ran out (see _call_points): its other points go first in the next
            left[:0] = chunk[ran:]
        del futures[future]
        future.release()

    def workers_now() -> tuple[int, int]:
        """The cluster's workers and their threads (each thread runs a task: a worker of 8 threads needs 8)."""
        found = client.scheduler_info().get("workers", {})
        threads = sum(int(info.get("nthreads", 1) or 1) for info in found.values())
        return len(found) or 1, threads or 1

    # Tasks are sized as rows come back and submitted as others finish (see _DaskChunks): all submitted up front,
    # of up to 32 points each, a kill -9 lost every point of the running tasks, hours of work for slow points.
    submitted = 0  # pending[:submitted] are in tasks (or in left)
    left: list[Point] = []  # points of tasks whose time ran out, to run first (see _call_points)
    threads_seen, workers_read = 1, -math.inf  # read in the try below, which closes a cluster of ours
    sizes = _DaskChunks(len(pending), 1)

    def waiting() -> bool:
        return bool(left) or submitted < len(pending)

    def submit_more() -> None:
        nonlocal submitted, threads_seen, workers_read
        if waiting() and time.monotonic() - workers_read >= DASK_WORKERS_REREAD_S:
            threads_seen, workers_read = workers_now()[1], time.monotonic()
        running = sum(not future.done() for future in futures)
        while waiting() and running < DASK_TASKS_PER_THREAD * threads_seen:
            if left:
                chunk, left[: sizes.size] = left[: sizes.size], []
            else:
                chunk = pending[submitted : submitted + sizes.size]
                submitted += len(chunk)
            future = client.submit(_call_points, fn, [(p.params, p.seed) for p in chunk], identify, pure=False)
            futures[future] = chunk
            running += 1

    try:
        workers_seen, threads_seen = workers_now()
        workers_read = time.monotonic()
        sizes = _DaskChunks(len(pending), workers_seen)  # dask_chunk_size's tasks per worker, as before
        submit_more()
        while futures:
            # While points wait, wake up to read the cluster again: workers that arrive (an adaptive cluster that
            # scales from zero) get tasks then, not once a task of the first ones finishes.
            wake_s = DASK_WORKERS_REREAD_S if waiting() else None
            for future in _dask_finished(distributed, list(futures), still_ours, wake_s):
                keep_task(future)
            submit_more()
    except KeyboardInterrupt:
        keep_finished()  # the chunks that finished before the Ctrl-C are in out, as those of a local pool
        raise
    finally:
        if futures:
            client.cancel(list(futures))
        for thing in owned:
            thing.close()


def sweep(
    scenario: PointFunction | str | os.PathLike,
    grid: Mapping[str, Sequence[Scalar]],
    seeds: int | Sequence[int] | None = None,
    backend: str = "local",
    out: str | os.PathLike | None = None,
    workers: int | None = None,
    progress: bool = True,
    client: Any = None,
    *,
    retries: int | None = None,
    as_frame: bool | None = None,
    take_over: bool = False,
) -> Any:
    """Runs every point of ``grid`` x ``seeds``, in parallel, streaming rows to ``out``.

    See the module docstring for the file formats, resume and failure handling. Progress is
    logged on the ``qnsim.sweep`` logger (INFO, one record per finished point; see
    :func:`qnsim.log_to_stderr`).

    Args:
        scenario: A point function ``fn(params: dict, seed: int) -> dict`` of flat results
            (bool, int, float, str or None values), defined at module level so it pickles; or the
            path of a scenario TOML file, whose grid keys are dotted paths into the file (list
            entries by index or by name, see :func:`apply_overrides`).
        grid: Key -> list of values; the sweep runs their cross product. Linked keys, which vary
            together, are joined by commas and take tuples: ``{"links.*.channels,
            requests.0.purification_rounds": [(2, 1), (4, 2)]}`` (see :func:`grid_axes`); each
            key is its own column of the rows.
        seeds: A count ``n`` (seeds ``0 .. n-1``) or a list of distinct seeds, each an int in [0, 2^64 - 1] (with
            one from 2^63 on, a Parquet out's seed column is unsigned 64-bit); each combination of grid values runs
            once per seed, which replaces a scenario file's ``run.seed``. None (the default): the seed the scenario
            file sets in ``[run] seed`` (its rows are then ``qnsim run``'s), else seed 0. Seeds given that leave out
            the file's own are said once (see :func:`sweep_seeds`).
        backend: ``"local"`` (``concurrent.futures.ProcessPoolExecutor``) or ``"dask"``
            (``dask.distributed``).
        out: ``*.csv`` file or ``*.parquet`` directory to stream rows to and resume from; None
            keeps results in memory only.
        workers: Local processes (default: the CPUs this process may use), or Dask workers of
            the ``LocalCluster`` created when no ``client`` is given (refused with a ``client``, whose
            cluster's workers run the points); at most 4096 (``MAX_WORKERS``).
        progress: Show a progress bar (points done / total, rate, time left) on stderr; on a stderr that is no
            terminal (a batch job's log) as plain lines, one at most every 10 s and one at the end
            (:data:`qnsim.progress.LOG_INTERVAL_S`).
        client: A ``distributed.Client`` to run on (backend ``"dask"``); it is left open.
        retries: How many times a local pool whose worker died is restarted (None: 2); refused with
            backend ``"dask"``, which restarts no pool.
        as_frame: Return a pandas DataFrame (True), a list of dicts (False), or a DataFrame when
            pandas is installed (None). In the frame a blank (None, a result a point did not give) is ``pd.NA``
            and a figure not measured (NaN) stays NaN: a column with blanks is a nullable one (whole numbers
            ``Int64``, not floats; other numbers ``Float64``, NaN kept apart from ``<NA>``; see :func:`rows_frame`).
        take_over: Where the file system has no locks, take ``out`` over from a sweep on another machine (or one
            that cannot be asked whether it runs) that has not recorded itself alive in its holder file for
            ``HEARTBEAT_STALE_S`` (60 s): one killed there, which leaves its holder behind. Refused, naming it and
            how long ago, while it has. (Where there are locks, nothing to take over: a sweep killed anywhere is
            taken over on its own.)

    Returns:
        One row per point, in point order (first grid key slowest, seeds fastest): the grid
        values, ``seed``, the results, and ``point_id``. With a CSV ``out``, values are as read
        back from the file (ints, floats, bools, text; empty cells as None), so a resumed sweep
        returns exactly what an uninterrupted one does. The remarks a scenario file's sweep says once
        (left out of the out's rows) are a frame's ``attrs["notes"]``, a :class:`TomlScenario`'s
        ``sweep_remarks``, or, in a list of rows from a scenario path, back in each row's ``notes``.

    Raises:
        ValueError: Bad grid, seeds, backend, workers, scenario or out (see messages).
        FileNotFoundError: The scenario TOML does not exist.
        SweepError: A point failed, or workers kept dying; finished rows are in ``out``. Its subclass
            :class:`SweepTakenOver`: another sweep took ``out`` over while this one was stopped (Ctrl-Z) past
            ``HEARTBEAT_STALE_S``; this one wrote nothing more.
        ImportError: An optional dependency (pandas, dask, pyarrow) is missing.

    Example:
        >>> rows = sweep(example_point, {"length_km": [10.0, 20.0]}, seeds=[3], workers=1,
        ...              progress=False, as_frame=False)
        >>> [round(r["expected_rate_hz"], 2) for r in rows]
        [14.1, 5.81]
        >>> sweep(example_point, {"length_km": [10.0]}, backend="spark")
        Traceback (most recent call last):
        ...
        ValueError: unknown backend 'spark'; use 'local' (process pool) or 'dask' (dask.distributed)
    """
    if backend not in _BACKENDS:
        raise ValueError(f"unknown backend {written(backend)}; use 'local' (process pool) or 'dask' (dask.distributed)")
    if client is not None and backend != "dask":
        raise ValueError("client is a dask.distributed.Client and needs backend='dask'")
    workers = check_workers(workers)
    check_backend_options(backend, workers, client is not None, retries)
    retries = check_retries(DEFAULT_RETRIES if retries is None else retries)
    progress = flag("progress", progress)  # 'yes' or 1 were taken as true; np.True_ is a flag as everywhere
    take_over = check_take_over(take_over, out)
    fn = _resolve_scenario(scenario)
    identity = scenario_id(fn)
    seeds, seed_note = sweep_seeds(fn, seeds)
    points = grid_points(grid, seeds, identity)
    if isinstance(fn, TomlScenario):
        fn.seed_note = seed_note
        fn.check(grid, pending=[])  # the keys (cheap); each value is built once its points are known to be pending
    frame_type = _frame_type(as_frame)

    sink = _open_sink(out, [*grid_columns(grid), SEED_COLUMN, ID_COLUMN, SCENARIO_COLUMN])
    if isinstance(sink, _ParquetSink):
        sink.wide_seeds = any(p.seed > _INT64_MAX for p in points)
    if isinstance(sink, _CsvSink):
        for keys, values in grid_axes(grid):
            for value in values:
                for key, cell in zip(keys, value):
                    reading = _csv_reading(cell)
                    if reading is not None:
                        raise ValueError(
                            f"grid[{written(key)}] value {written(cell)} would read back from the CSV out as "
                            f"{reading} (a CSV "
                            "cell has no type); give it as that value, or write a .parquet out"
                        )
    results: dict[str, dict] = {}
    unverified_remark = None
    out_existed = sink is not None and sink.path.exists()
    if sink is not None:
        by_id = {p.id: p for p in points}
        sink.lock(take_over)
        try:
            with _refused_rows_said_as_header_edits(sink.path, out):
                rows = sink.load()
            try:
                _read_states(sink.path)
            except _EditedStateError as exc:
                # Refused, not written over: the record of what its sweeps ran, and whether they finished, was lost.
                raise ValueError(f"out {str(out)!r}: {exc}") from None
            except (OSError, ValueError, KeyError, TypeError):  # none yet, or unreadable: started anew, as before
                pass
            changed = _changed_columns(sink.path, getattr(sink, "header", None))
            if changed:
                raise ValueError(f"out {str(out)!r}: {changed}; restore them, or delete the out to start fresh")
            foreign = {row.get(SCENARIO_COLUMN) for row in rows} - {identity}
            if foreign:
                raise ValueError(_foreign_rows_message(out, sink.path, foreign, identity, _described_settings(fn)))
            _check_values_by_rounding(out, rows, grid)
            if isinstance(sink, _ParquetSink):
                _check_parquet_column_types(out, rows, grid)
            sink.check_writable()
        except BaseException:
            sink.close()
            if not out_existed:  # leave no empty out behind a grid that was refused
                _remove_empty_out(sink.path)
            raise
        try:
            for row in rows:
                point = by_id.get(row.get(ID_COLUMN))
                if point is not None and point.id not in results:
                    # Its cells are its point's: the reader refused a row whose id is not that of its cells (edited,
                    # or read under another file's header: _IdsOfCells). Grid values and seed from the point itself,
                    # results from the file.
                    extra = {k: v for k, v in row.items() if k not in point.params and k not in _RESERVED}
                    results[point.id] = _make_row(point, extra)
        except BaseException:
            sink.close()
            raise
        if sink.unverified:
            # Resumed all the same (the file of an older qnsim), but said: each of these rows is reused as computed.
            unverified_remark = _unverified_remark(out, sink.unverified, len(rows)) + (
                f"; its header has no {DIGEST_COLUMN} column, so the rows this sweep adds carry none either (a CSV's "
                "columns are its header's): write to a new out to have every row checked"
                if isinstance(sink, _CsvSink) and DIGEST_COLUMN not in (sink.header or [DIGEST_COLUMN])
                else "; delete those rows (or the out) to have their points run again"
            )
            _log.warning("%s", unverified_remark)
        outside = sum(1 for row in rows if row.get(ID_COLUMN) not in by_id)
        if outside:
            # Kept, as the state file records their sweeps, but said: "2 points -> out.csv" read as the file's
            # content, and a plot or summarize of the file read the rows of earlier grids and seeds with these.
            _log.warning(
                "%s also holds %d row(s) of points outside this sweep (other grid values, keys or seeds of this "
                "scenario, from earlier sweeps on it): this sweep returns its own %d points, and read_results, "
                "summarize and qnsim plot of the file read all %d rows; write to another out to keep them apart",
                out, outside, len(points), len(rows) + len(points) - len(results),
            )  # fmt: skip
    pending = [p for p in points if p.id not in results]
    recorded_remarks = None
    if isinstance(fn, TomlScenario) and sink is not None:
        recorded_remarks = _recorded_remarks(sink.path, identity)
    if recorded_remarks is not None:
        # The remarks of the scenario as written (see below), recorded under this scenario_id by this very qnsim:
        # not built again (a finished sweep run again to read its rows built nothing).
        fn._remarks.setdefault(_data_marker(fn.data), recorded_remarks)
    if isinstance(fn, TomlScenario) and pending:
        # Each grid value of the points to run is built once now, so that a value its field refuses fails
        # before any point runs; the values of points already in out are not (a finished sweep run again
        # to read its rows built every value, minutes for a large topology).
        try:
            fn.check(grid, pending, progress)
        except BaseException:
            if sink is not None:
                sink.close()
                if not out_existed:  # leave no empty out behind a grid that was refused
                    _remove_empty_out(sink.path)
            raise
    # A remark of the scenario as written (a preset's unmodelled initialisation figures) is said once, not in every
    # row. The grid's first values chose it, and a file kept the remarks its first sweep said: a resume whose grid
    # starts elsewhere (a reordered preset axis) wrote rows with another point's remark left out and its own kept,
    # cells a fresh run of the same grid writes otherwise. The scenario as written (its scenario_id names it) gives
    # every row the notes of its own point, whatever the grid's order (a state file's record of them is the same
    # remarks: one scenario_id, one qnsim).
    remarks: list[str] = []
    if isinstance(fn, TomlScenario):
        remarks = fn.remarks()
        fn.sweep_remarks = list(remarks)
    # What the state file records of this sweep, so a reader can list its points (see sweep_status).
    seed_list = _seed_list(seeds)
    recorded = {
        "grid": [
            (",".join(keys), [v[0] if len(keys) == 1 else list(v) for v in values]) for keys, values in grid_axes(grid)
        ],
        "seeds": len(seed_list) if seed_list == list(range(len(seed_list))) else seed_list,
        "remarks": remarks if isinstance(fn, TomlScenario) else None,
        "notes": [seed_note] if seed_note else None,
        "settings": _described_settings(fn),
    }
    bar = None  # made in the try below: whatever stops the sweep from here on unlocks its out
    heartbeat = _Heartbeat(sink) if sink is not None else None
    try:
        if sink is not None:
            # Inside the try: a Ctrl-C or a full disk here left the out locked for the rest of the process, and
            # every later sweep on it was refused as "being written by another running sweep".
            _write_state(
                sink.path, identity, len(points), len(points) - len(pending), "running", **recorded,
                holder=heartbeat.me, columns=getattr(sink, "header", None),
            )  # fmt: skip
            heartbeat.start()  # a sweep on another machine sees this one alive (_refuse_if_running_elsewhere)

        from qnsim.seed_batch import batches_help, run_seed_batches

        bar = _sweep_bar(progress, total=len(points), initial=len(points) - len(pending), desc="sweep", unit="point",
                         leave=True)  # fmt: skip

        logging_on = _log.isEnabledFor(logging.INFO)
        started = time.monotonic()
        if logging_on:
            _log.info(
                "sweep of %d points (%d already in %s) on %s: %s",
                len(points), len(points) - len(pending), out, backend, getattr(fn, "path", fn),
            )  # fmt: skip

        def on_result(point: Point, result: Any) -> None:
            if point.id in results:  # handed over again by a clean-up after a stop (its row is written once)
                return
            if logging_on:
                _log.info(
                    "point %d/%d done: %s seed %d", len(results) + 1, len(points),
                    ", ".join(f"{k}={written(v)}" for k, v in point.params.items()) or "(no parameters)", point.seed,
                )  # fmt: skip
            if remarks and isinstance(result, Mapping) and "notes" in result:
                result = {**result, "notes": _without_remarks(result["notes"], remarks)}
            row = _make_row(point, result)
            _check_same_columns(row, next(iter(results.values()), None), point)
            if sink is not None:
                heartbeat.check()  # not taken over by another sweep while this one was stopped (Ctrl-Z)
                sink.append(row)
                if isinstance(sink, _CsvSink):  # return results as a resumed sweep reads them back
                    row = {
                        k: v if k in point.params or k in _RESERVED else _parse_cell(_format_cell(v))
                        for k, v in row.items()
                    }
            results[point.id] = row
            bar.update(1)

        if pending and backend == "local" and batches_help(fn, pending, workers or _usable_cpus()):
            # Many seeds of a scenario file: one native batch per grid point (qnsim.seed_batch).
            run_seed_batches(fn, pending, workers or _usable_cpus(), on_result,
                             heartbeat.check if heartbeat is not None else None)  # fmt: skip
        elif pending and backend == "local":
            _run_local(fn, pending, workers or _usable_cpus(), retries, on_result,
                       heartbeat.check if heartbeat is not None else None)  # fmt: skip
        elif pending:
            _run_dask(fn, pending, workers, client, on_result, heartbeat.check if heartbeat is not None else None)
        unrun = [p for p in pending if p.id not in results]
        if unrun:
            # A backend that returned without a row for some of its points (a lost future, a native batch short of
            # its seeds): the state was written "finished" with fewer rows than points, and the sweep ended in a
            # bare KeyError of a point id. Raised here, the state says "stopped" and the note how to resume.
            first = unrun[0]
            raise SweepError(
                f"the {backend} backend returned without the rows of {len(unrun)} of the {len(pending)} points it "
                f"was given (first: params {first.params}, seed {first.seed}); they did not run"
            )
        if sink is not None:
            # The buffered rows on disk, then the state, while the lock is held (a reader that found the
            # state "running" and the file unlocked would take this sweep for a killed one).
            heartbeat.check()
            sink.flush(force=True)
            # Its rows in the order read_results reads them, for the readers that read the file as it is
            # (pandas.read_csv / read_parquet, a spreadsheet): they read them in the order points finished. Before
            # the state says "finished": a sweep killed here leaves it "running", and its resume (which runs
            # nothing) puts the rows in order. A file in order already is not written.
            _put_in_order(sink, heartbeat.check)
            heartbeat.stop()
            _write_state(sink.path, identity, len(points), len(results), "finished", **recorded, holder=heartbeat.me,
                         columns=getattr(sink, "header", None))  # fmt: skip
    except BaseException as exc:
        if heartbeat is not None:
            heartbeat.stop()
        if heartbeat is not None and heartbeat.lost:
            # Another sweep holds the out: its rows, its state and its resume are that sweep's (buffered rows
            # written now would be in the file twice, and a "stopped" state would replace the other's entry).
            raise
        # Whatever stopped the sweep, what out holds is said (a full disk said only "No space left on device"), and
        # a second failure here (the same full disk, writing the buffered rows or the state) is said beside the
        # first rather than raised in its place.
        unwritten = []
        if sink is not None:
            try:
                sink.flush(force=True)  # the buffered rows first: the state counts rows on disk
            except Exception as second:
                buffered = len(getattr(sink, "buffer", ()))
                unwritten.append(f"{buffered} finished points could not be written ({_one_line(second)})")
            try:
                sink._settle()  # a write the stop left unsure counts if it is whole
            except OSError:
                pass
            kept = len(sink.written.intersection(p.id for p in points))  # on disk (not those still buffered)
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
            try:
                _write_state(
                    sink.path, identity, len(points), kept, "stopped", reason[:300], **recorded, holder=heartbeat.me,
                    columns=getattr(sink, "header", None),
                )
            except Exception as second:
                unwritten.append(f"the sweep's state could not be written ({_one_line(second)})")
            add_note(exc,
                f"{kept} of {len(points)} points finished and are in {str(out)!r}; "
                + "".join(f"{text}; " for text in unwritten)
                + "run the same sweep again to resume"
            )
        elif isinstance(exc, KeyboardInterrupt):
            add_note(exc, f"{len(results)} of {len(points)} points finished and were not saved")
        raise
    finally:
        if bar is not None:
            bar.close()
        if sink is not None:
            # Flushed above, on either path: a flush that failed once (a full disk) was tried a third time here,
            # and its error replaced the sweep's own, with its note of what out holds.
            sink.close(flush=False)

    rows = [results[p.id] for p in points]
    if logging_on:
        _log.info("sweep done: %d points, %d run now, in %.3g s", len(points), len(pending), time.monotonic() - started)
    said_once = [seed_note, *remarks] if seed_note else list(remarks)
    if frame_type is None:
        if said_once and not isinstance(scenario, TomlScenario):
            # A list has no attrs, and a scenario given by its path leaves the caller no sweep_remarks to read: the
            # remarks said once went nowhere, and the rows read as if the scenario had none.
            rows = [{**row, "notes": _with_remarks(row.get("notes"), said_once)} for row in rows]
        return rows
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    columns.remove(ID_COLUMN)
    columns.append(ID_COLUMN)
    frame = rows_frame(rows, columns)
    frame.attrs["notes"] = said_once if unverified_remark is None else [*said_once, unverified_remark]
    return frame


def _put_in_order(sink: Any, still_ours: Callable[[], None]) -> None:
    """Puts the rows of ``sink``'s out in :func:`read_results`' order (see :meth:`_CsvSink.put_in_order`); a
    failure (a full disk) is logged, not raised: the rows are all in the out, and every qnsim reader orders them."""
    try:
        sink.put_in_order(lambda rows: _in_point_order(sink.path, rows), still_ours)
    except (OSError, ValueError, csv.Error) as exc:
        _log.warning(
            "%s: its rows stay in the order their points finished (pandas and spreadsheets read them so; "
            "qnsim.sweeps.read_results orders them): %s",
            sink.path, _one_line(exc),
        )  # fmt: skip


def rows_frame(rows: list[dict], columns: list[str] | None = None) -> Any:
    """Rows (dicts) as a pandas DataFrame that keeps a blank cell apart from a figure that was not measured.

    The one rule of every frame qnsim builds from rows (:func:`sweep`'s, :func:`qnsim.plot.summarize`'s reading of a
    results path, :meth:`qnsim.NetworkResult.summary_pandas`, :meth:`qnsim.comparison.Comparison.to_pandas`):

    * a **blank** cell, a row without a value there (None, an empty CSV cell, a Parquet null, or a column that
      other rows have and this one lacks), is ``pd.NA`` (shown ``<NA>``);
    * a figure that was **not measured** (NaN written on purpose: the mean fidelity of a seed that delivered no pair,
      the rate of a request never admitted) stays the float NaN.

    A column without blanks keeps the dtype pandas gives it (a float column's NaN are then all "not measured"),
    except text with a NaN among it, which pandas 3 reads as its "str" dtype (where NaN is missing): that column is
    ``object``, the NaN kept as a value. A column with a blank cell is a nullable column, so pandas itself holds the
    two apart: whole numbers ``Int64`` (``UInt64`` beyond 2**63 - 1; a grid value 5 stays 5, not 5.0), other numbers
    ``Float64`` (its NaN are values, not missing: ``isna()`` is True at the blanks only, ``dropna()`` keeps the NaN,
    and ``mean()`` is ``<NA>`` once a NaN is in it; ``astype(float)`` makes both NaN), bools ``boolean``, text
    ``string``, and anything else (lists, mixed types) ``object`` with ``pd.NA`` at the blanks (pandas' ``isna()``
    of an object column is True at its NaN too). :func:`blank_cells` and :func:`not_measured_cells` tell
    the two kinds apart in any column (a float64 column's ``isna()`` is True at its NaN too); their union is what
    :func:`qnsim.plot.summarize` leaves out of a mean, and its notes say how many of each.

    A frame read by pandas alone (``pandas.read_csv`` reads "" and "nan" as NaN alike; ``read_parquet`` reads a NaN
    of a nullable column as null) cannot tell them apart: read a result file with :func:`read_results` (None and
    NaN, distinct) or give its path to :func:`qnsim.plot.summarize`.

    Args:
        rows: The rows, one dict each (column -> value), in a list or tuple.
        columns: The frame's columns in order, each once, in a list or tuple (None: pandas' order, first
            appearance); a column no row has is blank throughout.

    Returns:
        A DataFrame with one row per dict.

    Raises:
        TypeError: ``rows`` is no list or tuple of dicts, or ``columns`` no list or tuple (the message names the
            first row that is no dict).
        ValueError: ``columns`` names a column twice.

    Example:
        >>> import math
        >>> frame = rows_frame([{"L": 5, "F": 0.9}, {"L": 10, "F": math.nan}, {"L": None}])
        >>> frame["L"].tolist(), str(frame["L"].dtype), str(frame["F"].dtype)
        ([5, 10, <NA>], 'Int64', 'Float64')
        >>> blank_cells(frame)["F"].tolist(), not_measured_cells(frame)["F"].tolist()
        ([False, False, True], [False, True, False])
    """
    import pandas as pd

    _check_rows(rows, columns)
    frame = pd.DataFrame(rows, columns=columns)
    na = pd.NA
    for name in frame.columns:
        # Only a column pandas reads a missing value in can hold a blank (a key absent reads NaN, a None None).
        if not frame[name].isna().any():
            continue
        raw = [row.get(name, _BLANK) for row in rows]
        blank = [v is None or v is _BLANK or v is na for v in raw]
        # pandas >= 3 reads text with a NaN among it as its "str" dtype, whose NaN is missing: a NaN written among
        # text was then read as a blank (blank_cells True there, and a None beside it became NaN too). Such a
        # column is rebuilt from its values as a column with blanks is (text and NaN: an object column).
        if any(blank) or isinstance(frame[name].dtype, pd.StringDtype):
            # A Series of the array's own dtype: a bare object array assigned to a column is read as "str" again.
            values = _with_blanks(pd, raw, blank)
            frame[name] = pd.Series(values, index=frame.index, dtype=values.dtype)
    return frame


def _check_rows(rows: Any, columns: Any) -> None:
    """Refuses what :func:`rows_frame` cannot read as rows: pandas took None ("'NoneType' object is not iterable"),
    a dict of lists (read as columns), a string ("DataFrame constructor not properly called!") and a list of
    numbers (one column named 0), and a column named twice in ``columns`` failed with "The truth value of a Series
    is ambiguous"."""
    if not isinstance(rows, (list, tuple)):
        raise TypeError(f"rows must be a list of rows (dicts: column -> value), got {written(rows):.80}")
    for i, row in enumerate(rows):
        if type(row) is not dict and not isinstance(row, Mapping):
            raise TypeError(f"rows[{i}] must be a dict (column -> value), got {written(row):.80}")
    if columns is None:
        return
    if not isinstance(columns, (list, tuple)):
        raise TypeError(f"columns must be a list of column names (None: every row's), got {written(columns):.80}")
    seen: set = set()
    for name in columns:
        if name in seen:
            raise ValueError(f"columns names the column {written(name)} twice; give each once")
        seen.add(name)


#: A key a row lacks (see :func:`rows_frame`): a blank, as None is.
_BLANK = object()


def _is_blank(value: Any) -> bool:
    """Whether a row's value is a blank (None, ``pd.NA``, a key the row lacks), not a value (NaN included)."""
    # pd.NA by its type's name: pandas is not imported until a frame is built.
    return value is None or value is _BLANK or (type(value).__name__ == "NAType" and "pandas" in type(value).__module__)


def _with_blanks(pd: Any, raw: list, blank: list[bool]) -> Any:
    """One column of :func:`rows_frame` that has blanks: a nullable array, ``pd.NA`` at the blanks, NaN kept."""
    import numpy as np

    mask = np.array(blank, dtype=bool)
    # The column's kind from the types of its values (a handful), not value by value: 10^5 rows read in a blink.
    types = {type(v) for v, b in zip(raw, blank) if not b}
    bools = (bool, np.bool_)
    if types and all(issubclass(t, bools) for t in types):
        return pd.array([None if b else bool(v) for v, b in zip(raw, blank)], dtype="boolean")
    if types and all(issubclass(t, (int, np.integer)) and not issubclass(t, bools) for t in types):
        present = [int(v) for v, b in zip(raw, blank) if not b]
        low, high = min(present), max(present)
        for dtype, bits in (("Int64", np.int64), ("UInt64", np.uint64)):
            if np.iinfo(bits).min <= low and high <= np.iinfo(bits).max:
                return pd.array([None if b else int(v) for v, b in zip(raw, blank)], dtype=dtype)
    elif types and all(issubclass(t, (int, float, np.integer, np.floating)) and not issubclass(t, bools)
                       for t in types):  # fmt: skip
        try:
            values = np.array([0.0 if b else v for v, b in zip(raw, blank)], dtype=np.float64)
        except OverflowError:  # an integer beyond a float's range: kept as it is, in an object column
            values = None
        if values is not None:
            # Not pd.array(..., dtype="Float64"): it reads NaN as missing, the very blur this column avoids.
            return pd.arrays.FloatingArray(values, mask)
    elif types and all(issubclass(t, str) for t in types):
        return pd.array([pd.NA if b else v for v, b in zip(raw, blank)], dtype="string")
    column = np.empty(len(raw), dtype=object)
    column[:] = [pd.NA if b else v for v, b in zip(raw, blank)]
    return column


def _no_value_columns(frame: Any, caller: str) -> tuple[Any, bool]:
    """``frame`` as a DataFrame (a Series as its one column) and whether it was a Series; TypeError otherwise."""
    import pandas as pd

    if isinstance(frame, pd.Series):
        return frame.to_frame(), True
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{caller} takes a pandas DataFrame or Series, got {written(frame):.80}")
    return frame, False


def _cell_kinds(column: Any) -> tuple[Any, Any]:
    """Two boolean numpy arrays for one pandas column: its blank cells and its not-measured (NaN) cells."""
    import numpy as np
    import pandas as pd

    dtype = column.dtype
    if isinstance(dtype, pd.SparseDtype):  # its NaN are values as a dense column's (the NaN fill included)
        return _cell_kinds(column.sparse.to_dense())
    if isinstance(dtype, pd.StringDtype):  # text has no NaN of its own: a missing text cell is a blank
        return column.isna().to_numpy(), np.zeros(len(column), dtype=bool)
    if isinstance(dtype, np.dtype) and dtype.kind in "fc":  # complex too: its NaN is a value, as a float's is
        return np.zeros(len(column), dtype=bool), np.isnan(column.to_numpy())
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        values = column.tolist()
        blank = np.array([_is_blank(v) for v in values], dtype=bool)
        nan = np.array([isinstance(v, (float, complex, np.floating, np.complexfloating)) and v != v for v in values],
                       dtype=bool)  # fmt: skip
        return blank, nan
    blank = column.isna().to_numpy(dtype=bool)
    if getattr(dtype, "kind", "") == "f":  # Float64: NaN is a value there, pd.NA the blank
        return blank, np.isnan(column.to_numpy(dtype=np.float64, na_value=0.0))
    return blank, np.zeros(len(column), dtype=bool)


def blank_cells(frame: Any) -> Any:
    """Where a results frame has a blank cell: no value written (``pd.NA``, None; see :func:`rows_frame`).

    Args:
        frame: A DataFrame (or one column, a Series) of rows: :func:`sweep`'s, or any.

    Returns:
        A boolean DataFrame (Series) of the same shape: True at the blanks, False elsewhere (at a NaN too).

    Raises:
        TypeError: ``frame`` is not a pandas DataFrame or Series.

    Example:
        >>> blank_cells(rows_frame([{"F": 0.9}, {"F": float("nan")}, {"F": None}]))["F"].tolist()
        [False, False, True]
    """
    return _cells_of_kind(frame, "blank_cells", 0)


def not_measured_cells(frame: Any) -> Any:
    """Where a results frame holds a figure that was not measured: the float NaN a point wrote on purpose (a mean
    fidelity without pairs, the rate of a request never admitted), not a blank (see :func:`rows_frame`).

    In a numpy float column every NaN counts (pandas holds no blank there); a frame read by ``pandas.read_csv``
    has its empty cells as NaN too, so read result files with :func:`read_results` or :func:`rows_frame` first.

    Args:
        frame: A DataFrame (or one column, a Series) of rows.

    Returns:
        A boolean DataFrame (Series) of the same shape: True at the NaN cells.

    Raises:
        TypeError: ``frame`` is not a pandas DataFrame or Series.

    Example:
        >>> not_measured_cells(rows_frame([{"F": 0.9}, {"F": float("nan")}, {"F": None}]))["F"].tolist()
        [False, True, False]
    """
    return _cells_of_kind(frame, "not_measured_cells", 1)


def _cells_of_kind(frame: Any, who: str, kind: int) -> Any:
    """:func:`blank_cells` (``kind`` 0) or :func:`not_measured_cells` (1) of ``frame``, a DataFrame or a Series."""
    data, series = _no_value_columns(frame, who)
    out = data.isna()
    for i in range(data.shape[1]):
        out.isetitem(i, _cell_kinds(data.iloc[:, i])[kind])
    return out.iloc[:, 0] if series else out


def _one_line(exc: BaseException) -> str:
    """An exception as one line for a note (an OSError by its file and reason)."""
    from qnsim.cli import one_line

    return one_line(exc)


def _shown_scenario_id(value: Any) -> str:
    """A kept row's scenario_id as a refusal names it: a blank cell said nothing ("scenario_id ; this sweep's is
    ..."), so it is named for what it is."""
    if value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and value != value):
        return "blank (a row without one: written by hand, by another tool, or edited)"
    return str(value)


def _foreign_rows_message(
    out: Any, path: Path, foreign: set, identity: str, settings: Mapping[str, str] | None = None
) -> str:
    """The refusal to resume ``out`` from rows of other scenario_ids, saying, where the out's state file
    recorded the qnsim that wrote them, whether that qnsim or the scenario differs from this sweep's, and, where
    it recorded the scenario's settings (:func:`_described_settings`), which of them differ."""
    message = (
        f"out {str(out)!r} holds rows of another scenario or qnsim version or build (scenario_id "
        f"{', '.join(sorted(_shown_scenario_id(x) for x in foreign))}; this sweep's is {identity})"
    )
    try:
        entries = [e for e in _read_states(path) if e.get("scenario_id") in foreign]
    except (OSError, ValueError, KeyError, TypeError):
        entries = []
    writers = {e.get("qnsim") for e in entries}
    recorded = [e["settings"] for e in entries if isinstance(e.get("settings"), dict)]
    changed: list[str] = []
    if settings is not None and recorded:
        theirs = recorded[-1]
        changed = [k for k in sorted(set(theirs) | set(settings)) if theirs.get(k) != settings.get(k)]
        if changed:
            shown_changes = "; ".join(
                f"{k}: {theirs.get(k, '(not set)')} in the rows, {settings.get(k, '(not set)')} in this sweep"
                for k in changed[:5]
            ) + (f"; and {len(changed) - 5} more" if len(changed) > 5 else "")
            message += f": the scenario's settings differ ({shown_changes})"
    writers.discard(None)  # a state file of an older qnsim, which did not record it
    mine = code_id()
    others = sorted(str(w) for w in writers if w != mine)
    if others:
        message += f": they were written by {others[0]}, this sweep runs {mine}"
    elif writers and not changed:
        message += (
            ": they were written by this qnsim, so the scenario differs (the point function, its code or its "
            "arguments, or the scenario file, was edited since, or it is another one)"
        )
    return (
        f"{message}; resuming would mix their numbers with this sweep's. Delete {str(out)!r} or choose another "
        "out "
        "to start fresh"
    )


def _frame_type(as_frame: bool | None) -> Any:
    if as_frame is not None:
        as_frame = flag("as_frame", as_frame)  # "no" was true: a DataFrame where rows were asked for
    if as_frame is False:
        return None
    try:
        import pandas
    except ImportError:
        if as_frame:
            raise ImportError("as_frame=True needs pandas: pip install 'qnsim[pandas]'") from None
        return None
    return pandas.DataFrame
