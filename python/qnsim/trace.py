"""An opt-in event trace of a network run: heralds, swaps, purifications, cutoffs, deliveries and
request ends, with their times, nodes and memory slots.

Tracing is off by default and then costs one null check per protocol step; turn it on with
``Network(trace=True)`` (or a record limit) or ``qnsim run --trace trace.jsonl``. A trace is
bounded: it keeps the first ``limit`` records and counts the rest (:attr:`Trace.omitted`), so a long
run cannot exhaust memory.

Memory slots are reused: when a pair is consumed its slots take the next pair. A slot's
*generation* never goes down and goes up whenever the slot is released (by one or more: a swapped
memory is locked, then freed), so ``(slot, generation)`` names one occupancy: two records concern
the same pair end only when both numbers agree.

Record fields (JSON Lines, one object per line):

* ``time_s``: simulated time in s.
* ``event``: ``link_pair`` (a link heralded a pair; ``value`` = the link's fidelity at the herald, before
  memory decay), ``swap`` (``value`` = the Bell-measurement outcomes 2 m1 + m2; always 0 in the bell_diagonal
  formalism, which averages over outcomes instead of drawing them), ``purification`` (a purification round
  ran, at the instant its gates act: its two end nodes and the slots of the pair it keeps if its outcomes
  agree; ``value`` = its scheme, 1 BBPSSW, 2 DEJMPS; BBPSSW's twirl is the exact channel in the density_matrix
  and bell_diagonal formalisms, nothing drawn), ``purification_measured`` (always right after it, same
  instant: the pair that round measured; ``value`` = the reported outcomes 2 m_A + m_B, A the first node
  named; -1 in the bell_diagonal formalism, which draws only whether they agree), ``purification_twirl``
  (stabilizer formalism, BBPSSW only: right after ``purification_measured``, same instant, one for the kept
  pair then one for the measured pair: the rotation that trajectory drew for the pair's Werner twirl;
  ``value`` = 3 P + k, the rotation U = C^k P applied at the first node named and its complex conjugate U* at
  the second, P = 0, 1, 2, 3 for I, X, Y, Z and C = H S^dag, which maps X to Y to Z to X),
  ``purification_kept`` / ``purification_failed`` (the pair kept or lost by the round, recorded when its
  outcome is known at both ends; ``value`` 1 / 0; a round whose kept pair is cut off while it runs leaves a
  ``cutoff`` record instead), ``cutoff`` (a stored qubit discarded with its partner), ``delivery`` (``value``
  = the pair's fidelity at delivery), ``rejected`` (a delivered pair below ``min_fidelity``; ``value`` = its
  fidelity), ``served``, ``dropped`` (the reason is in the request's result). ``value`` is 0 where nothing is
  said.
* ``request``: request index, or null.
* ``nodes``: the two nodes involved (a link's ends; the swapping node twice; a request's source and
  destination for deliveries and request ends), null where there is none.
* ``slots`` and ``generations``: the memory slots involved and their generations (null for
  request-level events).

A file may end with marker lines that are not records: ``trace_truncated`` (the record limit was
reached), ``run_interrupted`` (the run stopped short of its end, see :attr:`Trace.stopped`) and, alone
in the file, ``trace_pending`` (``qnsim run --trace`` writes it before the run: the command did not
finish; its ``records_in`` names the file that holds the records written so far).

A long run's trace need not be held in memory: :class:`TraceFile` (``qnsim run --trace``) writes the
records to ``PATH.partial`` as the run goes, and renames that file to ``PATH`` once the run has ended
(or stopped short, with its ``run_interrupted`` line). A run killed meanwhile (SIGKILL, out of
memory) leaves ``PATH`` with its ``trace_pending`` line and the records up to shortly before the kill
in ``PATH.partial``, which has no end line: it is not the whole run.

>>> import qnsim
>>> net = qnsim.Network(seed=1, trace=True)
>>> for name in "amb":
...     _ = net.add_node(name)
>>> _ = net.add_link("a", "m", length_km=1.0, fidelity=0.9, rate_hz=1e3)
>>> _ = net.add_link("m", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
>>> _ = net.request("a", "b", num_pairs=1)
>>> _ = net.run(until_s=0.1)
>>> [r["event"] for r in net.trace()]
['link_pair', 'link_pair', 'swap', 'delivery', 'served']
>>> net.trace()[2]["nodes"], round(net.trace()[3]["value"], 4)
(['m', 'm'], 0.8133)
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qnsim import _core
from qnsim.argument_checks import file_to_write, is_integer, naming_file, ordered_sequence, texts, written

__all__ = ["DEFAULT_TRACE_LIMIT", "EVENTS", "Trace", "TraceFile"]

DEFAULT_TRACE_LIMIT = 1_000_000
"""Records kept by ``trace=True`` (about 60 MB)."""

#: The most records a trace keeps: Network(trace=N)'s bound, the core's record bound (10^8), as the core declares it.
MAX_TRACE_RECORDS: int = _core.MAX_RECORDS

EVENTS: tuple[str, ...] = tuple(kind.name for kind in sorted(_core.TraceKind.__members__.values(), key=int))
"""Event names in the order of ``qnsim._core.TraceKind``."""

_NONE = 2**32 - 1

#: Bytes of one record held natively (``TraceRecord``), and its copy when the trace is read (Trace's arrays).
RECORD_BYTES = 48

#: Bytes per record of :meth:`Trace.to_pandas`' frame at its peak (its per-record lists), measured.
_FRAME_BYTES_PER_RECORD = 400


def _physical_memory_bytes() -> int | None:
    """This machine's memory in bytes, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return None


#: Where Linux names this process's control group (``/proc/self/cgroup``) and free memory (``meminfo``), and
#: where the groups' limits are (containers, Slurm jobs and systemd slices set them; read-only here).
_PROC = Path("/proc")
_CGROUP_ROOT = Path("/sys/fs/cgroup")


def _read_bytes_figure(path: Path) -> int | None:
    """The number a cgroup file holds (``max`` or a missing, unreadable file: None)."""
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _cgroup_memory() -> tuple[int | None, int | None]:
    """(limit, headroom) in bytes of this process's memory control group: the smallest limit of its group
    and the groups above it (cgroup v2 ``memory.max``, v1 ``memory.limit_in_bytes``), and the least of
    limit minus usage among them; None where no group sets one (or not Linux)."""
    try:
        lines = (_PROC / "self" / "cgroup").read_text().splitlines()
    except OSError:
        return None, None
    places = []  # (directory of the group, limit file, usage file)
    for line in lines:
        _, controllers, group = line.split(":", 2) if line.count(":") >= 2 else ("", "", "")
        if controllers == "" and group:  # v2: one unified hierarchy
            places.append((_CGROUP_ROOT, group, "memory.max", "memory.current"))
        elif "memory" in controllers.split(","):  # v1: the memory controller's own hierarchy
            places.append((_CGROUP_ROOT / "memory", group, "memory.limit_in_bytes", "memory.usage_in_bytes"))
    limit = headroom = None
    for root, group, limit_name, usage_name in places:
        directory = root / group.strip("/")
        while True:  # the group, then each group above it: the tightest limit binds
            cap = _read_bytes_figure(directory / limit_name)
            if cap is not None:
                used = _read_bytes_figure(directory / usage_name) or 0
                limit = cap if limit is None else min(limit, cap)
                free = max(0, cap - used)
                headroom = free if headroom is None else min(headroom, free)
            if directory == root or root not in directory.parents:
                break
            directory = directory.parent
    return limit, headroom


#: How a process's address-space limit (``ulimit -v``, RLIMIT_AS) is named in a message.
_ADDRESS_LIMIT_NAME = "this process's address-space limit (ulimit -v: a batch job's or a shell's)"


def _address_space() -> tuple[int | None, int | None]:
    """(limit, headroom) in bytes of this process's address space (RLIMIT_AS, ``ulimit -v``, which batch systems and
    shells set): None where none is set (or not POSIX). The headroom is the limit less the address space the
    process holds now (``VmSize``: the interpreter and its libraries count too)."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return None, None
    if soft == resource.RLIM_INFINITY or soft < 0:
        return None, None
    held = None
    try:
        for line in (_PROC / "self" / "status").read_text().splitlines():
            if line.startswith("VmSize:"):
                held = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return soft, None if held is None else max(0, soft - held)


def _memory_limit_bytes() -> tuple[int | None, str]:
    """The most memory this process may use, in bytes (this machine's, or less where its control group
    says so: a container's or a batch job's limit, or its address-space limit, ``ulimit -v``), and how to name it
    in a message."""
    physical = _physical_memory_bytes()
    limit, _ = _cgroup_memory()
    memory, name = physical, "this machine's memory"
    if limit is not None and (memory is None or limit < memory):
        memory, name = limit, "this process's memory limit (its control group's: a container or a batch job)"
    # A ulimit -v made a 3 x 10^6-node chain (12 GB to build) end in a bare MemoryError after minutes of building,
    # where the machine's memory let it start. What the process may still take under it is the room left (the
    # interpreter's own address space counts against the limit, often a gigabyte with NumPy's threads).
    _, room = _address_space()
    if room is not None and (memory is None or room < memory):
        memory, name = room, f"the room left under {_ADDRESS_LIMIT_NAME}"
    return memory, name


def _available_memory_bytes() -> tuple[int | None, str]:
    """The memory this process can still take now, in bytes (the machine's available memory, the room
    left under its control group's limit, at most its physical memory), and how to name it."""
    memory, name = _memory_limit_bytes()
    available = None
    try:
        for line in (_PROC / "meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    _, headroom = _cgroup_memory()
    _, address_headroom = _address_space()
    for figure, what in ((available, "the memory available now"), (headroom, "the memory left under this "
                         "process's limit (its control group's: a container or a batch job)"),
                         (address_headroom, f"the room left under {_ADDRESS_LIMIT_NAME}")):  # fmt: skip
        if figure is not None and (memory is None or figure < memory):
            memory, name = figure, what
    return memory, name


def check_in_memory_limit(limit: int) -> None:
    """Refuses an in-memory trace (``Network(trace=limit)``) whose records could not fit the memory this
    process may use: a long run filled it and the process was killed without a word (the records are
    held by the network and copied once more when read), where :class:`TraceFile` streams them to a file.
    The memory is the machine's, or less where the process's control group limits it (a container, a
    Slurm job: such a limit kills the process as surely, though the machine has more).

    Raises:
        ParameterError: ``limit`` records, held and read, need more than that memory.

    Example:
        >>> check_in_memory_limit(DEFAULT_TRACE_LIMIT)
    """
    check_records_fit(
        "trace", limit, 2 * RECORD_BYTES, "held by the network, then copied when read",
        "keep fewer, or stream them to a file as the run goes with qnsim.trace.TraceFile(network, path, limit=...) "
        "(what qnsim run --trace does)",
    )  # fmt: skip


#: Bytes of one delivery record (``Network(max_records=...)``) at most: held natively (with the
#: growth of its vector) and copied into the result's arrays when read, measured.
DELIVERY_RECORD_BYTES = 300

#: Bytes per delivery record of :meth:`qnsim.results.NetworkResult.to_pandas`' frame at its peak, measured.
DELIVERY_FRAME_BYTES = 180


def check_records_fit(name: str, count: int, bytes_each: int, held: str, instead: str) -> None:
    """Refuses a record limit whose records could not fit the memory this process may use (see
    :func:`_memory_limit_bytes`): a run that reached it was killed without a word.

    Args:
        name: The argument, for the message (``"trace"``, ``"max_records"``).
        count: The most records kept.
        bytes_each: Bytes one record takes at most, held and read.
        held: How the records are held, for the message.
        instead: What to do instead, for the message.

    Raises:
        ParameterError: Naming the argument, the memory the records would take and what there is.

    Example:
        >>> check_records_fit("max_records", 10**6, DELIVERY_RECORD_BYTES, "", "")
    """
    memory, memory_name = _memory_limit_bytes()
    need = bytes_each * count
    if memory is not None and need > memory:
        from qnsim.specs import parameter_error

        raise parameter_error(
            name,
            f"= {count:,} records would take up to {need / 1e9:.3g} GB of memory ({held}), more than {memory_name}, "
            f"{memory / 1e9:.3g} GB: {instead}",
        )


def check_frame_fits(count: int, bytes_each: int, what: str, instead: str) -> None:
    """Raises MemoryError, before a DataFrame of ``count`` records is built, when it would take more than
    the memory available now (see :func:`_available_memory_bytes`): the kernel killed the process without
    a word.

    Example:
        >>> check_frame_fits(10, DELIVERY_FRAME_BYTES, "delivery records", "")
    """
    memory, name = _available_memory_bytes()
    if memory is not None and count * bytes_each > memory:
        raise MemoryError(
            f"a DataFrame of {count:,} {what} takes about {count * bytes_each / 1e9:.3g} GB, more than {name}, "
            f"{memory / 1e9:.3g} GB: {instead}"
        )


#: The fields of a record, in the order of its dict and of the columns of :meth:`Trace.to_pandas`.
_RECORD_FIELDS = ("time_s", "event", "request", "nodes", "slots", "generations", "value")


#: The arrays a :class:`Trace` reads from the native trace.
_TRACE_ARRAYS = frozenset(
    ("omitted", "limit", "time_ps", "kind", "request", "node", "other_node", "slot", "other_slot", "generation",
     "other_generation", "value")
)  # fmt: skip


class Trace(Sequence):
    """The records of a traced run (a sequence of dicts; see the module docstring).

    Args:
        arrays: The native trace (``NativeNetwork.trace()``).
        node_names: Node names by native index (a list or tuple of every node the records name).

    Raises:
        TypeError: ``arrays`` is no native trace, or ``node_names`` no list or tuple of names.
        ValueError: ``node_names`` names fewer nodes than the records do.

    Example:
        >>> import qnsim
        >>> net = qnsim.Network(trace=10)
        >>> len(net.trace()), net.trace().omitted
        (0, 0)
    """

    def __init__(
        self, arrays: dict[str, Any], node_names: Sequence[str], *, stopped: tuple[float, float] | None = None
    ) -> None:
        if not isinstance(arrays, Mapping) or not _TRACE_ARRAYS <= set(arrays):
            # bytes were indexed by "omitted" ("byte indices must be integers or slices, not str"), naming nothing.
            raise TypeError(
                f"Trace arrays must be the native trace (NativeNetwork.trace(): a mapping of "
                f"{', '.join(sorted(_TRACE_ARRAYS))}), got {written(arrays)}"
            )
        # The names are looked up by native index: a set of them named each record's nodes in its hashes' order, a
        # string letter by letter, and too few failed at the first record read ("index 2 is out of bounds").
        ordered_sequence("node_names", node_names, "node names by native index")
        self._names = texts("node_names", list(node_names))
        ends = [a[a != _NONE] for a in (np.asarray(arrays["node"]), np.asarray(arrays["other_node"]))]
        used = max((int(e.max()) + 1 for e in ends if e.size), default=0)
        if used > len(self._names):
            raise ValueError(
                f"node_names names {len(self._names)} nodes, but the trace's records name node index {used - 1}: "
                "give every node's name, by native index (list(Network.nodes))"
            )
        self._arrays = arrays
        self.omitted: int = int(arrays["omitted"])
        """Records not kept because the limit was reached."""
        self.limit: int = int(arrays["limit"])
        """The record limit."""
        self.stopped: tuple[float, float] | None = stopped
        """``(stopped_s, until_s)`` when the run that wrote the trace stopped short of the end it was asked
        for (Ctrl-C, a raising callback), in s; else None. The records then end at ``stopped_s``."""

    def __len__(self) -> int:
        return len(self._arrays["time_ps"])

    def __getitem__(self, index: int) -> dict[str, Any]:  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]  # type: ignore[return-value]
        if not is_integer(index):
            # trace[True] was record 1; trace["0"] said "'<=' not supported between instances of 'int' and 'str'".
            raise TypeError(f"a trace index must be an integer or a slice, got {written(index)}")
        index = int(index)
        a = self._arrays
        if not -len(self) <= index < len(self):
            raise IndexError(f"trace record {index} out of range ({len(self)} records)")
        i = index % len(self)
        slots = [int(a["slot"][i]), int(a["other_slot"][i])]
        request_level = slots[0] == _NONE and slots[1] == _NONE
        return {
            "time_s": int(a["time_ps"][i]) / 1e12,
            "event": EVENTS[int(a["kind"][i])],
            "request": None if int(a["request"][i]) == _NONE else int(a["request"][i]),
            "nodes": [self._name(a["node"][i]), self._name(a["other_node"][i])],
            "slots": None if request_level else [None if s == _NONE else s for s in slots],
            "generations": None if request_level else [int(a["generation"][i]), int(a["other_generation"][i])],
            "value": float(a["value"][i]),
        }

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self[i] for i in range(len(self)))

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        """The position of the first record equal to ``value`` (a record dict) from ``start`` up to ``stop``.

        Raises:
            ValueError: No record equals it (named; Sequence's own ValueError had an empty message).
            TypeError: ``start`` or ``stop`` is not an integer.
        """
        bounds = {"start": start, "stop": stop}
        for name, bound in bounds.items():
            if bound is not None and not is_integer(bound):
                raise TypeError(f"Trace.index {name} must be an integer, got {written(bound)}")
        try:
            return super().index(value, int(start), None if stop is None else int(stop))
        except ValueError:
            raise ValueError(f"{written(value):.200} is not a record of this trace") from None

    def _name(self, index: Any) -> str | None:
        index = int(index)
        return None if index == _NONE else self._names[index]

    def events(self) -> dict[str, int]:
        """How many records of each event kind were kept.

        Example:
            >>> import qnsim
            >>> qnsim.Network(trace=True).trace().events()["swap"]
            0
        """
        counts = np.bincount(self._arrays["kind"].astype(np.int64), minlength=len(EVENTS))
        return {name: int(n) for name, n in zip(EVENTS, counts)}

    def notes(self) -> list[str]:
        """What the records alone do not say: a limit that cut them, a run that stopped short.

        Example:
            >>> import qnsim
            >>> qnsim.Network(trace=True).trace().notes()
            []
        """
        notes = []
        if self.omitted:
            notes.append(f"the trace kept its first {self.limit} records; {self.omitted} more were not kept")
        if self.stopped is not None:
            notes.append(
                f"the run stopped at {self.stopped[0]:g} s of the {self.stopped[1]:g} s it was asked to run "
                "(interrupted): the records end there"
            )
        return notes

    def write_jsonl(self, path: str | os.PathLike[str]) -> int:
        """Writes the records as JSON Lines; returns how many records were written.

        A trace that reached its limit ends with one more line,
        ``{"event": "trace_truncated", "kept": ..., "omitted": ..., "limit": ...}``, and the trace of a
        run that stopped short of its end (:attr:`stopped`) with
        ``{"event": "run_interrupted", "time_s": ..., "until_s": ...}``, so that the file read alone
        does not pass for the whole run.

        The file is written under a temporary name in its directory, flushed to disk, then renamed
        into place: it is complete or not there (a write cut short by Ctrl-C or a kill left the first
        records under the final name, which read as a whole run that ended early).

        Example:
            >>> import os, tempfile, qnsim
            >>> path = os.path.join(tempfile.mkdtemp(), "t.jsonl")
            >>> qnsim.Network(trace=True).trace().write_jsonl(path)
            0
        """
        # open(3) would write to file descriptor 3 and close it; a directory said only "Is a directory".
        path = file_to_write("path", path, "the trace file", "trace.jsonl")
        if not path:  # Path("") is ".": "Is a directory: '.'" named a path never given
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), "")
        end = _end_lines(len(self), self.omitted, self.limit, self.stopped)
        with naming_file(path):
            write_whole(path, itertools.chain(self._lines(), end))
        return len(self)

    def _lines(self) -> Iterator[str]:
        return (json.dumps(record, allow_nan=False) + "\n" for record in self)

    def to_pandas(self) -> Any:
        """The records as a pandas DataFrame (needs pandas); ``attrs["notes"]`` says when the trace
        reached its limit (the frame then holds only the first records).

        Example:
            >>> import qnsim
            >>> list(qnsim.Network(trace=True).trace().to_pandas().columns)[:3]
            ['time_s', 'event', 'request']
        """
        import pandas as pd

        # Column by column from the arrays: a dict per record first (list(self)) took ~600 bytes and ~25 us
        # per record, 0.6 GB and half a minute for a default trace of 10^6 records and ten times that for 10^7.
        # Against the memory free now (the records are held already), within the process's control group
        # (a container, a batch job): the machine's whole memory let a frame through that the kernel then
        # killed the process for, without a word.
        check_frame_fits(
            len(self), _FRAME_BYTES_PER_RECORD, "trace records",
            "write them with write_jsonl(path) and read that in chunks (pandas.read_json(path, lines=True, "
            "chunksize=...)), or count them with events()",
        )  # fmt: skip
        frame = pd.DataFrame(self._columns() if len(self) else [], columns=list(_RECORD_FIELDS))
        frame.attrs["notes"] = self.notes()
        return frame

    def _columns(self) -> dict[str, Any]:
        """The records as one column per field (an array or a list), the values those of :meth:`__getitem__`'s
        dicts as pandas reads them."""
        a = self._arrays
        none_name = len(self._names)
        names = np.array([*self._names, None], dtype=object)

        def node_names(column: str) -> list:
            index = a[column].astype(np.int64)
            return names[np.where(index == _NONE, none_name, index)].tolist()

        def pairs(first: str, second: str, blank: Any) -> list:
            return [
                None if level else [blank(x), blank(y)]
                for level, x, y in zip(request_level, a[first].tolist(), a[second].tolist())
            ]

        request_level = ((a["slot"] == _NONE) & (a["other_slot"] == _NONE)).tolist()
        request = a["request"].astype(np.int64)
        if (request == _NONE).any():  # None among ints: a float column with NaN, as pandas reads the dicts
            request = np.where(request == _NONE, np.nan, request.astype(np.float64))
        return {
            "time_s": a["time_ps"].astype(np.int64) / 1e12,
            "event": np.array(EVENTS, dtype=object)[a["kind"].astype(np.intp)],
            "request": request,
            "nodes": [[x, y] for x, y in zip(node_names("node"), node_names("other_node"))],
            "slots": pairs("slot", "other_slot", lambda s: None if s == _NONE else s),
            "generations": pairs("generation", "other_generation", lambda g: g),
            "value": a["value"].astype(np.float64),
        }

    def __repr__(self) -> str:
        extra = f", {self.omitted} more not kept (limit {self.limit})" if self.omitted else ""
        if self.stopped is not None:
            extra += f", run stopped at {self.stopped[0]:g} s of {self.stopped[1]:g} s"
        return f"Trace({len(self)} records{extra})"


def _end_lines(kept: int, omitted: int, limit: int, stopped: tuple[float, float] | None) -> list[str]:
    """The marker lines that end a trace file (see the module docstring)."""
    end = []
    if omitted:
        end.append({"event": "trace_truncated", "kept": kept, "omitted": omitted, "limit": limit})
    if stopped is not None:
        end.append({"event": "run_interrupted", "time_s": stopped[0], "until_s": stopped[1]})
    return [json.dumps(marker) + "\n" for marker in end]


class TraceFile:
    """Streams a network's trace to a JSON Lines file while it runs (``qnsim run --trace``).

    The network keeps no more than the records of a few thousand events: every 16,384 events the
    run hands the records it holds to this writer (``NativeNetwork.set_trace_sink``), which appends
    them to ``PATH.partial`` (flushed to the operating system, so a killed process loses none of
    them). :meth:`finish`, called after the run however it ended, appends the rest and the end
    lines (``trace_truncated``, ``run_interrupted``), flushes the file to disk and renames it to
    ``PATH``. Until then ``PATH`` holds a single ``trace_pending`` line naming ``PATH.partial``, so a
    killed run's trace never reads as a whole run. A ``PATH`` that is not a regular file
    (``/dev/stdout``, a pipe) is written directly.

    Args:
        network: A :class:`qnsim.Network` that has not run yet (one that has is refused, QnsimError: its trace would
            begin where it had run to, without a word); this turns its trace on (replacing any).
        path: The JSON Lines file.
        limit: Records to keep (the rest are counted; see :class:`Trace`).

    Example:
        >>> import os, tempfile, qnsim
        >>> net = qnsim.Network(seed=1)
        >>> _ = net.add_node("a"); _ = net.add_node("b")
        >>> _ = net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
        >>> _ = net.request("a", "b", num_pairs=2)
        >>> path = os.path.join(tempfile.mkdtemp(), "t.jsonl")
        >>> stream = TraceFile(net, path)
        >>> _ = net.run(until_s=0.1)
        >>> stream.finish()
        5
        >>> [json.loads(line)["event"] for line in Path(path).read_text().splitlines()]
        ['link_pair', 'delivery', 'link_pair', 'delivery', 'served']
    """

    def __init__(self, network: Any, path: str | os.PathLike[str], limit: int = DEFAULT_TRACE_LIMIT) -> None:
        # Bounded as Network(trace=N) is, before the file is made: 2**64 was refused by the native setter as
        # "NativeNetwork.set_trace(): limit is out of range [-9223372036854775808, ...]", naming neither the class nor
        # a bound any trace has.
        # And in the words Network(trace=N) uses, the range declared once (round 22: "must be >= 0 records" and
        # "must be <= 100000000 records" told half of it each).
        from qnsim.network import Network, _record_limit

        # Before the file is made: anything but a Network failed after writing it, with Python's
        # "'NoneType' object has no attribute 'native'", naming neither the argument nor what it takes.
        if not isinstance(network, Network):
            raise TypeError(f"TraceFile network must be a qnsim.Network, got {written(network)}")
        if network.native.events_processed > 0 or network.native.now_ps > 0:
            # The condition run_seeds copies a network on: one that had run to 5 ms wrote a trace that began at 6 ms,
            # and neither its records nor its end lines said that the run's start was missing.
            raise _core.QnsimError(
                f"TraceFile traces a network that has not run yet; this one is at t={written(network.now_s)} s, its "
                "events so far untraced (build a fresh one to trace its run from the start)"
            )
        limit = _record_limit("TraceFile limit", limit, "0: off")
        self.path = Path(file_to_write("path", path, "the trace file", "trace.jsonl"))
        self._network = network
        self._names: list[str] = []
        self.written = 0
        """Records written so far."""
        self._direct = self.path.exists() and not self.path.is_file()
        self.partial = self.path if self._direct else self.path.with_name(self.path.name + ".partial")
        """Where the records go until :meth:`finish` renames it to :attr:`path`."""
        if not self._direct:
            # Written first, so that an unwritable path fails before the run, and a killed run leaves this
            # line (not an empty file, which read as a run without events, or an older run's trace).
            pending = {
                "event": "trace_pending",
                "note": "the command writing this trace did not finish (killed?)",
                "records_in": self.partial.name,
            }
            with naming_file(self.path):
                write_whole(self.path, [json.dumps(pending) + "\n"])
        with naming_file(self.partial):
            self._file = open(self.partial, "w", encoding="utf-8")
        network.native.set_trace(limit)
        network.native.set_trace_sink(self._take)

    def _node_names(self) -> list[str]:
        nodes = self._network._nodes  # names by native index; nodes may be added until the run
        if len(self._names) != len(nodes):
            self._names = list(nodes)
        return self._names

    def _write(self, trace: Trace) -> None:
        with naming_file(self.partial):
            self._file.writelines(trace._lines())
            # To the operating system: a killed process loses nothing written so far (fsync is for finish).
            self._file.flush()
        self.written += len(trace)

    def _take(self) -> None:
        self._write(Trace(self._network.native.take_trace(), self._node_names()))

    def finish(self) -> int:
        """Writes the records not yet written and the end lines, and puts the file in place (see the
        class docstring); returns how many records the file holds. Call it once, after the run."""
        self._network.native.set_trace_sink(None)
        try:
            rest = self._network.trace()  # the records held, and whether the run stopped short
            self._write(rest)
            with naming_file(self.partial):
                self._file.writelines(_end_lines(self.written, rest.omitted, rest.limit, rest.stopped))
                self._file.flush()
                if not self._direct:
                    os.fsync(self._file.fileno())
        finally:
            self._file.close()
        if not self._direct:
            with naming_file(self.path):
                os.replace(self.partial, self.path)
        return self.written


def write_whole(path: str | os.PathLike[str], chunks: Iterable[str]) -> None:
    """Writes text to ``path`` so that the file is either complete or as it was before.

    The text goes to a temporary file in the same directory, is flushed to disk, and the
    temporary file is renamed over ``path`` (atomic on POSIX); on any exception, KeyboardInterrupt
    included, the temporary file is removed and ``path`` is untouched. A path that is not a regular
    file (``/dev/stdout``, a pipe) is written directly.

    Example:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
        >>> write_whole(path, ["a\\n", "b\\n"]); path.read_text()
        'a\\nb\\n'
    """
    target = Path(file_to_write("path", path))
    if target.exists() and not target.is_file():  # /dev/stdout, a FIFO: a rename would replace the node itself
        with open(target, "w", encoding="utf-8") as f:
            f.writelines(chunks)
        return
    if not target.parent.is_dir():
        # The temporary file's open named it ("No such file or directory: '/no/.x.jsonl.587d55bc.tmp'"), a path
        # never given: name the file asked for.
        raise FileNotFoundError(errno.ENOENT, "no such directory to write it in", os.fspath(path))
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
