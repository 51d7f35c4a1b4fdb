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
* ``event``: ``link_pair`` (a link heralded a pair; ``value`` = the link's fidelity at the
  herald, before memory decay), ``swap`` (``value`` = the Bell-measurement outcomes 2 m1 + m2;
  always 0 in the bell_diagonal formalism, which averages over outcomes instead of drawing them),
  ``purification_kept`` / ``purification_failed`` (the pair kept or lost by a round, recorded when its
  outcome is known; ``value`` 1 / 0; the pair a round measures is not recorded, and a round whose kept pair
  is cut off while it runs leaves only that ``cutoff`` record), ``cutoff`` (a stored qubit discarded with
  its partner), ``delivery`` (``value`` = the pair's fidelity at delivery), ``rejected`` (a delivered pair
  below ``min_fidelity``; ``value`` = its fidelity), ``served``, ``dropped`` (the reason is in the
  request's result). ``value`` is 0 where nothing is said.
* ``request``: request index, or null.
* ``nodes``: the two nodes involved (a link's ends; the swapping node twice; a request's source and
  destination for deliveries and request ends), null where there is none.
* ``slots`` and ``generations``: the memory slots involved and their generations (null for
  request-level events).

A file may end with marker lines that are not records: ``trace_truncated`` (the record limit was
reached), ``run_interrupted`` (the run stopped short of its end, see :attr:`Trace.stopped`) and, alone
in the file, ``trace_pending`` (``qnsim run --trace`` writes it before the run: the command did not
finish).

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

import itertools
import json
import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qnsim import _core
from qnsim.argument_checks import file_path, naming_file

__all__ = ["DEFAULT_TRACE_LIMIT", "EVENTS", "Trace"]

DEFAULT_TRACE_LIMIT = 1_000_000
"""Records kept by ``trace=True`` (about 60 MB)."""

EVENTS: tuple[str, ...] = tuple(kind.name for kind in sorted(_core.TraceKind.__members__.values(), key=int))
"""Event names in the order of ``qnsim._core.TraceKind``."""

_NONE = 2**32 - 1


class Trace(Sequence):
    """The records of a traced run (a sequence of dicts; see the module docstring).

    Args:
        arrays: The native trace (``NativeNetwork.trace()``).
        node_names: Node names by native index.

    Example:
        >>> import qnsim
        >>> net = qnsim.Network(trace=10)
        >>> len(net.trace()), net.trace().omitted
        (0, 0)
    """

    def __init__(
        self, arrays: dict[str, Any], node_names: Sequence[str], *, stopped: tuple[float, float] | None = None
    ) -> None:
        self._arrays = arrays
        self._names = list(node_names)
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
        path = file_path("path", path)  # open(3) would write to file descriptor 3 and close it
        lines = (json.dumps(record, allow_nan=False) + "\n" for record in self)
        end = []
        if self.omitted:
            end.append({"event": "trace_truncated", "kept": len(self), "omitted": self.omitted, "limit": self.limit})
        if self.stopped is not None:
            end.append({"event": "run_interrupted", "time_s": self.stopped[0], "until_s": self.stopped[1]})
        with naming_file(path):
            write_whole(path, itertools.chain(lines, (json.dumps(marker) + "\n" for marker in end)))
        return len(self)

    def to_pandas(self) -> Any:
        """The records as a pandas DataFrame (needs pandas); ``attrs["notes"]`` says when the trace
        reached its limit (the frame then holds only the first records).

        Example:
            >>> import qnsim
            >>> list(qnsim.Network(trace=True).trace().to_pandas().columns)[:3]
            ['time_s', 'event', 'request']
        """
        import pandas as pd

        columns = ["time_s", "event", "request", "nodes", "slots", "generations", "value"]
        frame = pd.DataFrame(list(self), columns=columns)
        frame.attrs["notes"] = self.notes()
        return frame

    def __repr__(self) -> str:
        extra = f", {self.omitted} more not kept (limit {self.limit})" if self.omitted else ""
        if self.stopped is not None:
            extra += f", run stopped at {self.stopped[0]:g} s of {self.stopped[1]:g} s"
        return f"Trace({len(self)} records{extra})"


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
    target = Path(path)
    if target.exists() and not target.is_file():  # /dev/stdout, a FIFO: a rename would replace the node itself
        with open(target, "w", encoding="utf-8") as f:
            f.writelines(chunks)
        return
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
