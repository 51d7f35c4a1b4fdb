"""The estimate report: typed dataclasses with ``to_dict()``, ``to_json()`` and a printable table.

JSON schema (``schema_version`` 9; 3 added ``qpu_names``; 4 sets ``required_rate_hz`` on physical QPUs' links too,
where re-estimating at the need moved it, so a version-3 reader that took it for "error-corrected" would misread it;
5 added ``qubit_capacity_per_qpu`` and ``physical_qubits_per_qpu``, and counts a relaying QPU's link memories;
6 added the links' ``rate_interval95``, a simulated rate's 95% interval, and reads version 5 back with it None;
7 added the links' ``provision``, the one need of the three a link must be built to, and ``channels_for_remote_share``,
and reads versions 5 and 6 back with them None; 8 added the links' ``active_rate_hz``, the rate per channel an
operating point runs a link at below its own, and reads versions 5 to 7 back with it None; 9 added ``qubit_qpus``,
the QPU of each workload qubit, which ``simulate_execution`` takes as its placement, and reads versions 5 to 8 back
with it None):
the fields of :class:`EstimateReport`, in order, with nested
:class:`LinkReport` (``links``), :class:`ErrorBudgetReport` (``error_budget``) and, for
error-corrected runs, :class:`ErrorCorrectionReport` (``error_corrected``, with
:class:`TFactoryReport` under ``t_factory``); non-finite floats are written as the strings
"inf"/"nan". Times are seconds, probabilities dimensionless, qubit counts exact integers.
:meth:`EstimateReport.from_json` (and ``from_dict``) read a report back: one of another schema version is
refused, naming both versions (a report is re-made by estimating again, not converted), except versions 5 to 8,
which version 9 only extends.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re
import types
import typing
from typing import Any

from qnsim.argument_checks import (
    RepeatedKeyError,
    counted,
    float_literal,
    is_integer,
    is_real_number,
    json_indent,
    real_number,
    shown,
    unique_keys,
    written,
)
from qnsim.estimate.factories import DistillationRound

__all__ = [
    "ErrorBudgetReport",
    "ErrorCorrectionReport",
    "EstimateReport",
    "LinkReport",
    "TFactoryReport",
    "human_time",
]

#: What the columns of the report's link table mean (printed by ``qnsim estimate --help``).
LINK_TABLE_COLUMNS = """\
REPORT: the reasons of an infeasible verdict come first (past 3 of one kind, their count; --json lists every one);
the rows above the link table are the run's figures (totals, or per QPU where the row says so: qubits
per QPU, capacity, over capacity); one row per link below them (past 10 links the
10 slowest, the rest in one line with their count and range of times; --json lists every link):
  link        the two QPUs it joins (a route through relays adds "via" its relay nodes; past 8 of them
              the first and last few and their count)
  remote ops  remote two-qubit operations over the link (logical ones on error-corrected QPUs)
  pairs       Bell pairs they consume, after purification
  raw pairs   raw link pairs needed for them (expected; purification rounds multiply them)
  rounds      recurrence purification rounds per delivered pair
  F raw->out  pair fidelity as the link makes it -> after the rounds (a note gives it at use)
  time s      seconds the link takes to make them (raw pairs / (rate x channels), more when its
              pair buffer is what limits it)
  util        that time over the run's wall clock
  memory      memory qubits the link needs at each end: on physical QPUs its pair buffer and one more
              per round; on error-corrected QPUs the buffer it runs (buffer_pairs, at least a syndrome
              round's 2d - 1 pairs) and one more per round for each of a round's pairs
              (buffer + (2d - 1) x rounds)
Below it, what each link must deliver (raw pairs/s, tightest margin first; past 10 links the rest are
summed up in one line with their count and their range of margins):
  need/s      raw pairs per second the link must make: on error-corrected QPUs the rate at which
              lattice surgery never waits for a pair (required_rate_hz), or, in a run a T factory's run
              stretches past its compute, the rate that makes its pairs within that run, if lower;
              on physical QPUs the average
              that keeps its time within the run's compute and latency time (raw pairs / that time, more
              where its first pair would come later than 5% of that time, as in runs of few pairs; a
              small pair buffer can ask for more, see time s); checked by estimating again with the link at
              that rate (a faster or slower link changes its pairs' waits, rounds and the code distance): where
              that changes the need, the need a link of its rate meets, with a note; where its buffer_pairs
              would hold it below that rate even at that rate, a note names the buffer it needs as well
  gives/s     raw pairs per second it makes as configured: raw pairs / time s (rate x channels, less
              where flow control, its pair buffer or relay hops shared with other routes hold it back;
              rate x channels when it has no finite time)
  margin      gives / need: below 1x the link stalls the run (on physical QPUs, where the need was found by
              estimating again: rate x channels / need, the need being a rate the link must have)
  used/s      raw pairs over the run's wall clock (what the run draws from it on average)
  F at use    pair fidelity when a remote operation uses it (after purification and its wait: in the
              buffer, or, where longer, for the rest of its lattice-surgery syndrome round's 2d - 1 pairs,
              which are used together, the mean over its waits; a note says which wait sets it)
  build to    (a line under a link's row) the one need the link must be built to, and why: the larger of
              the least rate for the remote share and the channels for the runtime limit, estimated
              again at it (need/s is not one: below it the run only waits for pairs); --json: provision
  F need      the target_fidelity asked for; without one, error-corrected runs show each remote
              operation's error against its share of the remote error budget (err/op), physical runs
              "-" (the error budget row judges their pairs); "(short)" or "(over)" marks a link that misses it"""

SCHEMA_VERSION = 9
#: Older versions read back as they are: their missing fields are new ones, with the value that means "not known"
#: (a link of an older report ran at its own rate: before version 8 no operating point throttled it; a report
#: before version 9 did not say where each qubit went).
_ADDED_IN_9 = {"qubit_qpus": None}
_ADDED_IN_8 = {"active_rate_hz": None}
_ADDED_IN_7 = {"channels_for_remote_share": None, "provision": None, **_ADDED_IN_8}
_READABLE_SINCE = {5: {"links": {"rate_interval95": None, **_ADDED_IN_7}, "report": _ADDED_IN_9},
                   6: {"links": _ADDED_IN_7, "report": _ADDED_IN_9}, 7: {"links": _ADDED_IN_8, "report": _ADDED_IN_9},
                   8: {"links": {}, "report": _ADDED_IN_9}}
#: What each schema version changed (the refusal of a report of another version names it).
SCHEMA_CHANGES = {
    3: "qpu_names added",
    4: "required_rate_hz set on physical QPUs' links too (before: error-corrected QPUs only)",
    5: "qubit_capacity_per_qpu and physical_qubits_per_qpu added; a QPU relaying a route counts its link memories",
    6: "rate_interval95 added to links (a simulated rate's 95% interval); version-5 reports read back with None",
    7: "provision and channels_for_remote_share added to links; version-5 and 6 reports read back with None",
    8: "active_rate_hz added to links (a rate per channel run below the link's own); version-5 to 7 reports read "
       "back with None",
    9: "qubit_qpus added (the QPU of each workload qubit); version-5 to 8 reports read back with None",
}

#: Reasons of one kind the text report lists one by one (the rest: one line with their count; to_json() has all).
MAX_REASONS_PER_KIND = 3

#: Links the table of what each link must deliver lists one by one (the rest: one line with their count).
MAX_DELIVERY_ROWS = 10
#: A link at a rate whose need there is at most this much above it is taken as meeting it (an operating point that
#: keeps few pairs buffered, to keep them fresh, runs its link a few percent below the run's pace by design), and a
#: link's first pair may delay the run by this much of its own time.
_NEED_MET = 0.05


def _on_its_side(value: float, limit: float, digits: int) -> tuple[str, str]:
    """``value`` and ``limit`` written with ``digits`` significant digits, or more where fewer would read them equal
    or the wrong way round: a figure printed beside the limit it is judged by must read on the side it lies (a margin
    of 0.996 read "1x", a stall; 1.0004e-3 expected failures read "0.001 / 0.001").

    >>> _on_its_side(0.996, 1.0, 2), _on_its_side(1.0004e-3, 1e-3, 3), _on_its_side(0.5, 0.5, 2)
    (('0.996', '1'), ('0.0010004', '0.001'), ('0.5', '0.5'))
    """
    for k in range(digits, 18):
        a, b = f"{value:.{k}g}", f"{limit:.{k}g}"
        if (float(a) < float(b), float(a) > float(b)) == (value < limit, value > limit):
            return a, b
    return repr(value), repr(limit)


def _times(ratio: float) -> str:
    """A margin as a factor, two significant digits below 100, more where two would round a margin below 1x (the
    link stalls the run) to "1x".

    >>> _times(0.0364), _times(28.4), _times(1234.5), _times(math.inf), _times(0.996), _times(0.99996)
    ('0.036x', '28x', '1,234x', 'inf', '0.996x', '0.99996x')
    """
    if not math.isfinite(ratio):
        return str(ratio)
    if ratio >= 100:
        return f"{ratio:,.0f}x"
    return f"{_on_its_side(ratio, 1.0, 2)[0]}x" if ratio < 1 else f"{ratio:.2g}x"


def _link_name(lk: LinkReport) -> str:
    """A link's QPUs, and the relays of a route: ``'0-3 via 1-2'``."""
    via = f" via {_via(lk.route)}" if len(lk.route) > 2 else ""
    return f"{lk.qpus[0]}-{lk.qpus[-1]}{via}"


def _margin_key(ratio: float) -> float:
    """Sort key: the tightest margin first, an undefined (NaN) one, which a planner must see, before all."""
    return -math.inf if math.isnan(ratio) else ratio


#: Per-QPU lists in the text report show each QPU's value up to this many QPUs, runs of equal values beyond.
MAX_LISTED_QPUS = 16
#: A route's intermediate nodes shown in full up to this many; beyond, the first and last few and their count.
MAX_LISTED_RELAYS = 8


def _per_qpu(values: list[int], fmt: str = "") -> str:
    """A per-QPU list for the text report (``fmt``: each value's format): every value up to
    :data:`MAX_LISTED_QPUS` QPUs; beyond, runs of QPUs of one value as a range of indices (at most 12, then a
    count, the range of values and the total), for a row of 2,000 values made one line of 6,000 characters.

    >>> _per_qpu([2, 1, 1])
    '2, 1, 1'
    >>> _per_qpu([2] * 20 + [0] * 5)
    '0-19: 2, 20-24: 0 (25 QPUs, 40 in all)'
    """
    if len(values) <= MAX_LISTED_QPUS:
        return ", ".join(format(x, fmt) for x in values)
    runs = [f"{where}: {value:,}" for where, value in _index_runs(values)]
    shown = runs[:12]
    more = (f", ... {len(runs) - 12} more runs (values {min(values):,} to {max(values):,}; every value in to_json())"
            if len(runs) > 12 else "")
    return f"{', '.join(shown)}{more} ({len(values):,} QPUs, {sum(values):,} in all)"


def _via(route: list[int]) -> str:
    """The intermediate nodes of a route, in full up to :data:`MAX_LISTED_RELAYS`, else the first three, the last two
    and their count (a route over 194 nodes was a line of 800 characters).

    >>> _via([0, 5, 1])
    '5'
    >>> _via(list(range(20)))
    '1-2-3-...-17-18 (18 nodes)'
    """
    mid = route[1:-1]
    if len(mid) <= MAX_LISTED_RELAYS:
        return "-".join(str(x) for x in mid)
    return f"{'-'.join(str(x) for x in mid[:3])}-...-{'-'.join(str(x) for x in mid[-2:])} ({len(mid)} nodes)"


def _qpu_names(names: list[str]) -> str:
    """QPU names beside their indices, consecutive QPUs of one name as a range of indices (a thousand QPUs of
    one preset make one short item): ``0-1 qubit_gate_ns_e3, 2 (unnamed)``.

    >>> _qpu_names(["a", "a", "", "b"])
    '0-1 a, 2 (unnamed), 3 b'
    """
    return ", ".join(f"{where} {name or '(unnamed)'}" for where, name in _index_runs(names))


def _index_runs(values: list[Any]) -> list[tuple[str, Any]]:
    """Each run of equal consecutive values with its indices, ``'0-19'`` (or ``'3'`` alone).

    >>> _index_runs(["a", "a", "", "b"])
    [('0-1', 'a'), ('2', ''), ('3', 'b')]
    """
    runs, start = [], 0
    for value, group in itertools.groupby(values):
        end = start + sum(1 for _ in group) - 1
        runs.append((f"{start}-{end}" if end > start else str(start), value))
        start = end + 1
    return runs


def _jsonable(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


def _check_within_float(value: int | float, where: str) -> None:
    """Refuse a number of a report beyond a float's range (an edited count of 10**400): every number the estimator
    writes stays within it (counts of up to 128-bit workloads included), and the report's printing reads each one as
    a float ("int too large to convert to float" came out of repr(report) instead of a refusal, and a count of
    10**5000 could not even be written back as JSON)."""
    try:
        float(value)
    except OverflowError:
        raise ValueError(
            f"report JSON: {where} is beyond the range of a float (1.8e308), where every number of a report lies, "
            f"got {shown(value)}"
        ) from None


def _from_jsonable(hint: Any, value: Any, where: str) -> Any:
    """One value of a report's JSON read back by its field's type ``hint``: a float field's "inf"/"nan" strings as
    floats, tuples from lists, nested report dataclasses from objects; a value of another type is refused, naming
    ``where`` (a report misread as another would be a plausible wrong answer)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _from_jsonable(inner, value, where)
    if hint is float:
        if isinstance(value, str) and value in ("inf", "-inf", "nan"):
            value = float(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # Every float of a report is a time, a rate, a probability or a count, never below 0 (NaN: none).
            if value < 0:
                raise ValueError(f"report JSON: {where} must be >= 0 (or nan), got {shown(value)}")
            field_name = where.rsplit(".", 1)[-1]
            if value > 1 and ("fidelity" in field_name or field_name.endswith("probability")):
                # A fidelity or a probability (the field's name says which) is at most 1: an edited raw_fidelity of
                # 1.5 or inf was read back and printed as the link's.
                raise ValueError(f"report JSON: {where} must be in [0, 1] (or nan), got {shown(value)}")
            _check_within_float(value, where)
            return value  # An int stays one, so the JSON written again is the JSON read.
    elif hint is int:
        # Every integer of a report is a count or an index: -5 qubits read back as a report that printed them.
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 0:
                raise ValueError(f"report JSON: {where} must be a count (>= 0), got {shown(value)}")
            _check_within_float(value, where)
            return value
    elif hint in (str, bool):
        if isinstance(value, hint):
            return value
    elif origin is list and isinstance(value, list):
        return [_from_jsonable(args[0], v, f"{where}[{i}]") for i, v in enumerate(value)]
    elif origin is tuple and isinstance(value, list) and len(value) == len(args):
        return tuple(_from_jsonable(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
    elif origin is dict and isinstance(value, dict):
        return {k: _from_jsonable(args[1], v, f"{where}[{written(k)}]") for k, v in value.items()}
    elif dataclasses.is_dataclass(hint) and isinstance(value, dict):
        return _dataclass_from_dict(hint, value, where)
    name = getattr(hint, "__name__", None) or str(hint)
    raise ValueError(f"report JSON: {where} must be {name}, got {written(value)}")


def _dataclass_from_dict(cls: Any, data: dict[str, Any], where: str) -> Any:
    """A report dataclass from its ``to_dict()`` form: every field must be there, and no other key."""
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    missing = [n for n in names if n not in data]
    unknown = [k for k in data if k not in names]
    if missing or unknown:
        raise ValueError(
            f"report JSON: {where} ({cls.__name__})"
            + (f" lacks {', '.join(missing)}" if missing else "")
            + (" and" if missing and unknown else "")
            + (f" has unknown key(s) {', '.join(map(repr, unknown))}" if unknown else "")
        )
    return cls(**{n: _from_jsonable(hints[n], data[n], f"{where}.{n}") for n in names})


#: The key of a saved report (``qnsim estimate --out``: :func:`qnsim.estimate_cli.save_report`) that holds a digest
#: of its figures, last: :meth:`EstimateReport.from_dict` checks it and refuses a report whose figures were edited
#: after it was saved, naming the figure (a ``wall_clock_s`` edited below its limit read as estimated).
FIGURES_DIGEST_KEY = "figures_digest"


def _report_figures(value: Any, path: str = "", into: dict[str, Any] | None = None) -> dict[str, Any]:
    """The figures of a report's parsed JSON, each under its path (``wall_clock_s``, ``links[0].rate_hz``): the cells
    of :func:`qnsim.sweeps._row_digest`, so a saved report is checked as a sweep's row is, figure by figure."""
    into = {} if into is None else into
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _report_figures(item, f"{path}.{key}" if path else str(key), into)
    elif isinstance(value, list) and value:
        for i, item in enumerate(value):
            _report_figures(item, f"{path}[{i}]", into)
    else:
        into[path] = ("\x00[]" if isinstance(value, list) else "\x00{}") if isinstance(value, (list, dict)) else value
    return into



def figures_digest(data: dict[str, Any]) -> str:
    """The ``figures_digest`` of a report's parsed JSON (without the key): the digest of a sweep's row
    (:func:`qnsim.sweeps._row_digest`) over its figures by path, so a saved report is checked as a row is."""
    from qnsim.sweeps import _row_digest

    figures = _report_figures(data)
    return _row_digest(figures, keys=list(figures))


def parse_report_json(text: str | bytes) -> Any:
    """The parsed JSON of a report's text (what :meth:`EstimateReport.from_json` reads), refused as a ValueError
    saying why where it is no JSON (cut short, edited), or a TypeError where it is no text."""
    if not isinstance(text, (str, bytes, bytearray)):
        raise TypeError(f"report JSON must be text (str or bytes), got {type(text).__name__}")
    try:
        # float_literal: a number edited to 1e-400 was read as 0.0 without a word; unique_keys: a key edited in
        # twice was read as its last value.
        return json.loads(text, parse_float=float_literal, object_pairs_hook=unique_keys)
    except RepeatedKeyError as exc:
        raise ValueError(f"report JSON: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"report JSON is not UTF-8 text: {exc}") from None
    except ValueError as exc:  # the decoder's "Expecting value: line 1 column 1", an integer past 4,300 digits
        raise ValueError(f"report JSON cannot be read (cut short or edited?): {exc}") from None
    except RecursionError:  # arrays nested thousands deep
        raise ValueError("report JSON cannot be read: it nests deeper than Python's decoder reads") from None


def _without_checked_digest(data: dict[str, Any], where: str) -> dict[str, Any]:
    """``data`` without its ``figures_digest``, which must be the digest of its figures as they are; else a
    ValueError naming the figures edited since it was saved (as far as the digest's one byte per figure tells)."""
    from qnsim.argument_checks import written
    from qnsim.sweeps import DIGEST_COLUMN, _digest_matches, _edited_columns

    data = dict(data)
    digest = data.pop(FIGURES_DIGEST_KEY)
    figures = _report_figures(data)
    keys = list(figures)
    figures[DIGEST_COLUMN] = digest
    if _digest_matches(figures, keys) is True:
        return data
    changed = _edited_columns(figures, keys)
    what = ", ".join(f"{written(p)} (now {written(figures[p])})" for p in changed[:6])
    raise ValueError(
        f"{where}: "
        + (f"its figure{'s' * (len(changed) > 1)} {what} {'are' if len(changed) > 1 else 'is'} not what "
           "qnsim estimate saved (its figures_digest was made of others)" if changed
           else f"its figures are not those qnsim estimate saved (its {FIGURES_DIGEST_KEY} was made of others)")
        + ": edited after it was saved, so it would read as estimated; estimate again (qnsim estimate ... "
        "--out REPORT.json), or restore the figures"
    )  # fmt: skip


def _check_report_shape(report: Any) -> None:
    """What every report the estimator writes holds, checked on one read back (an edited report printed a verdict
    of "maybe", 2 qubits on 7 QPUs, a link to QPU 5 of 2 without a word)."""
    problems = []
    if report.verdict not in ("feasible", "infeasible"):
        problems.append(f"verdict must be 'feasible' or 'infeasible', got {written(report.verdict)}")
    elif report.verdict == "feasible" and report.reasons:
        problems.append(f"a feasible verdict has no reasons, got {len(report.reasons)}")
    for name in ("qubits_per_qpu", "qpu_names", "physical_qubits_per_qpu", "qubit_capacity_per_qpu"):
        if getattr(report, name) is not None and len(getattr(report, name)) != report.num_qpus:
            problems.append(f"{name} must list num_qpus = {shown(report.num_qpus)} entries, got "
                            f"{len(getattr(report, name))}")
    if report.qubit_qpus is not None:
        # Schema 9's placement, as the estimator writes it: QPUs of this report, as many qubits on each as it says.
        outside = [q for q in report.qubit_qpus if q is not None and not 0 <= q < report.num_qpus]
        counts = [0] * report.num_qpus
        for q in report.qubit_qpus:
            if q is not None and 0 <= q < report.num_qpus:
                counts[q] += 1
        if outside:
            problems.append(f"qubit_qpus must name QPUs 0 to num_qpus - 1 = {shown(report.num_qpus - 1)} (or None for "
                            f"a qubit the workload never uses), got {shown(outside[0])}")
        elif counts != list(report.qubits_per_qpu):
            i = next((i for i, (a, b) in enumerate(zip(counts, report.qubits_per_qpu)) if a != b), len(counts))
            said = report.qubits_per_qpu[i] if i < len(report.qubits_per_qpu) else None
            problems.append(f"qubit_qpus places {counts[i] if i < len(counts) else 0} qubits on QPU {i}, but "
                            f"qubits_per_qpu says {shown(said)}")
    # Schema 5's capacity fields, as the estimator writes them: an edited report printed QPUs of 0 qubits, 2**70
    # physical qubits on one QPU beside a total of 4, and a feasible verdict for QPUs over their capacity.
    capacities = report.qubit_capacity_per_qpu
    for i, cap in enumerate(capacities):
        if cap is not None and cap < 1:
            problems.append(f"qubit_capacity_per_qpu[{i}] must be a QPU's num_qubits (>= 1) or None, got {shown(cap)}")
    per_qpu, total = report.physical_qubits_per_qpu, report.physical_qubits_total
    if (per_qpu is None) != (total is None):
        problems.append(f"physical_qubits_per_qpu and physical_qubits_total are given together or not at all, got "
                        f"{'None' if per_qpu is None else 'a list'} and {shown(total)}")
    elif per_qpu is not None and sum(per_qpu) != total:
        problems.append(f"physical_qubits_per_qpu must add up to physical_qubits_total = {shown(total)}, got "
                        f"{counted(sum(per_qpu))}")
    ec = report.error_corrected
    if per_qpu is not None and ec is None and len(per_qpu) == len(report.qubits_per_qpu):
        # A physical QPU's physical qubits are its workload's plus its link memories.
        short = [i for i, (n, load) in enumerate(zip(per_qpu, report.qubits_per_qpu)) if n < load]
        if short:
            problems.append(f"physical_qubits_per_qpu must hold each QPU's qubits_per_qpu (its workload) and its "
                            f"link memories, but is below it at QPU {', '.join(map(str, short[:6]))}")
    if per_qpu is not None and ec is not None and list(per_qpu) != list(ec.physical_qubits_per_qpu):
        # The error-correction rows print the code's own list: two lists of one figure.
        problems.append("physical_qubits_per_qpu must be error_corrected.physical_qubits_per_qpu")
    if report.verdict == "feasible" and len(capacities) == report.num_qpus:
        # Error-corrected QPUs hold their physical qubits within num_qubits; physical ones their workload.
        used = per_qpu if report.error_corrected is not None else report.qubits_per_qpu
        over = [i for i, (n, cap) in enumerate(zip(used or [], capacities)) if cap is not None and n > cap]
        if over:
            what = "physical_qubits_per_qpu" if report.error_corrected is not None else "qubits_per_qpu"
            problems.append(f"a feasible verdict has every QPU within its capacity, but {what} passes "
                            f"qubit_capacity_per_qpu at QPU {', '.join(map(str, over[:6]))}")
    if report.verdict == "feasible":
        # A feasible verdict has a wall clock and its parts (an infeasible one may not: NaN, "not estimated"); an
        # edited report of wall_clock_s = NaN or inf printed "feasible" beside "wall clock not estimated".
        unpriced = [n for n in ("wall_clock_s", "time_local_s", "time_link_s", "time_latency_s")
                    if not math.isfinite(getattr(report, n))]  # fmt: skip
        if unpriced:
            given = ", ".join(f"{n} = {shown(getattr(report, n))}" for n in unpriced)
            problems.append(f"a feasible verdict has a finite wall clock and parts, got {given}")
    for i, link in enumerate(report.links):
        a, b = link.qpus
        if a == b or max(a, b) >= report.num_qpus:
            problems.append(f"links[{i}].qpus must be two QPUs of 0 to num_qpus - 1 = {shown(report.num_qpus - 1)}, "
                            f"got ({shown(a)}, {shown(b)})")
    problems += _link_total_problems(report)
    if report.verdict == "feasible":
        # Every figure of a feasible report is priced (the estimator writes NaN or inf only beside an infeasible
        # verdict): an edited links[0].time_s = nan or remote_error_expected = inf was read back and printed as a
        # feasible estimate. The four times above have their own words.
        unpriced = [(where, value) for where, value in _non_finite_numbers(report, "")
                    if where not in ("wall_clock_s", "time_local_s", "time_link_s", "time_latency_s")]  # fmt: skip
        if unpriced:
            given = ", ".join(f"{where} = {shown(value)}" for where, value in unpriced[:6])
            more = f" and {len(unpriced) - 6} more" if len(unpriced) > 6 else ""
            problems.append(f"a feasible verdict has every figure finite (NaN and inf are an infeasible report's "
                            f"unpriced ones), got {given}{more}")
    if problems:
        raise ValueError("report JSON: " + "; ".join(problems) + " (was the report edited?)")


def _link_total_problems(report: Any) -> list[str]:
    """The report's remote totals against its links, as the estimator writes them (each total is the sum of its
    links' own): an edited report with ``links = []`` beside 2 remote operations and 1 Bell pair printed a feasible
    estimate of remote work no link carries. A report of no remote operation lists no link."""
    problems = []
    for name in ("remote_gates", "bell_pairs", "raw_bell_pairs"):
        total = getattr(report, name)
        summed = sum(getattr(link, name) for link in report.links)
        if name == "raw_bell_pairs":
            # Summed in the links' order by the writer, so read back bit for bit; a margin for a report written by
            # other means (NaN beside NaN: an unpriced link's and its total, both infeasible).
            same = math.isclose(summed, total, rel_tol=1e-9, abs_tol=0.0) or (math.isnan(summed) and math.isnan(total))
        else:
            same = summed == total
        if not same:
            problems.append(f"{name} = {shown(total)} must be the sum of its links' {name}, got {shown(summed)} over "
                            f"{len(report.links)} link(s) (a report of remote operations lists the links that carry "
                            f"them)")
    return problems


def _non_finite_numbers(value: Any, where: str) -> list[tuple[str, float]]:
    """Every NaN or infinite float in a report (or one of its parts), with its key as ``links[0].time_s``."""
    if isinstance(value, float):
        return [] if math.isfinite(value) else [(where, value)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        items: Any = ((f.name, getattr(value, f.name)) for f in dataclasses.fields(value))
        return [hit for name, v in items for hit in _non_finite_numbers(v, f"{where}.{name}" if where else name)]
    if isinstance(value, dict):
        return [hit for k, v in value.items() for hit in _non_finite_numbers(v, f"{where}[{written(k)}]")]
    if isinstance(value, (list, tuple)):
        return [hit for i, v in enumerate(value) for hit in _non_finite_numbers(v, f"{where}[{i}]")]
    return []


#: How a time an infeasible report does not have (NaN) is printed, by :func:`human_time` and :func:`seconds_text`.
NOT_ESTIMATED = "not estimated (nan)"


def seconds_text(seconds: float) -> str:
    """``seconds`` as ``"0.0042 s"`` (3 significant digits), NaN as ``"not estimated (nan)"`` (see :func:`human_time`).

    >>> seconds_text(0.0042), seconds_text(float("nan"))
    ('0.0042 s', 'not estimated (nan)')
    """
    return NOT_ESTIMATED if math.isnan(seconds) else f"{seconds:.3g} s"


def human_time(seconds: float) -> str:
    """Seconds with a human unit beside them (3 significant digits).

    NaN is a time an infeasible report does not have (its wall clock, or a re-estimate's): it reads
    "not estimated (nan)", never "nan s" beside figures as if it were a duration.

    >>> human_time(3.3e9), human_time(0.0042), human_time(90000.0)
    ('3.3e+09 s (105 years)', '0.0042 s (4.2 ms)', '9e+04 s (1.04 days)')
    >>> human_time(float("nan")), human_time(float("inf"))
    ('not estimated (nan)', 'inf s')
    """
    if not is_real_number(seconds):  # 1j raised "must be real number, not complex"
        raise TypeError(f"seconds must be a real number, got {written(seconds)}")
    if is_integer(seconds):  # NaN and inf are shown as they are; an int beyond a float is refused by name
        seconds = real_number("seconds", seconds)
    if math.isnan(seconds):
        # An infeasible report's wall clock (and the times of a re-estimate that is infeasible) read
        # "wall clock nan s", a figure in seconds where there is none.
        return NOT_ESTIMATED
    if not math.isfinite(seconds):
        return f"{seconds} s"
    s = f"{seconds:.3g} s"
    units = [(365.25 * 86400, "years"), (86400, "days"), (3600, "hours"), (60, "minutes"), (1, "s"),
             (1e-3, "ms"), (1e-6, "us"), (1e-9, "ns")]
    for scale, name in units:
        if seconds >= scale:
            if name == "s":
                return s
            value = f"{seconds / scale:.3g}"
            return f"{s} ({value} {name[:-1] if value == '1' and name.endswith('s') and len(name) > 2 else name})"
    return s


@dataclasses.dataclass
class LinkReport:
    """Use of one QPU-QPU link.

    Attributes:
        qpus: (a, b) QPU indices, a < b.
        remote_gates: remote two-qubit gates (logical remote operations if error-corrected).
        bell_pairs: pairs consumed after distillation.
        raw_bell_pairs: raw link pairs needed (expected), ``bell_pairs * raw_per_pair``.
        purification_rounds: recurrence rounds per delivered pair.
        raw_per_pair: expected raw pairs per delivered pair.
        raw_fidelity, delivered_fidelity: pair fidelity before and after distillation.
        required_fidelity: the ``target_fidelity`` the estimate was asked for (None: none was given; the
            rounds are then the fewest whose pairs meet the remote operations' share of the error
            budget, ``remote_error_per_operation`` per operation, whether that takes raw pairs or not).
        fidelity_at_use: pair fidelity when a remote operation uses it, after its storage decay while it
            waits: in the buffer or, where longer, for the rest of its lattice-surgery syndrome round's
            ``2d - 1`` pairs (None: the link has no memory times; pairs are used at ``delivered_fidelity``);
            a note says when the round's gathering sets the wait. The buffer's wait is priced at its mean
            (conservative), the gathering's by the mean fidelity over its Poisson waits.
        route: node path of the pairs: [a, b] for a direct link, [a, relay..., b] when
            entanglement is swapped at relays (raw figures are then end-to-end pairs, each
            consuming one pair on every hop; rate_hz is one pair per cycle of the hops, each hop
            holding its pair until all hold one (:func:`~qnsim.estimate.relay_cycle_s`); latency_s the sum).
        rate_hz: raw pair rate of one channel, in pairs per second; channels: its parallel channels, each at
            ``rate_hz``; time_s: seconds to make the raw pairs, raw pairs / (rate x channels) or more.
        latency_s: one-way classical latency in seconds (a route's: the sum over its hops).
        remote_error_per_operation: logical error probability of one remote operation (error-corrected QPUs; 0
            on physical QPUs, where the error budget row counts remote faults).
        utilization: time_s / wall-clock estimate.
        buffer_pairs: the buffer the estimate runs (its flow control, the link's time and the pairs' wait take
            it; a note says so where more pairs arrive between two consumptions than it holds: the link idles when
            it is full): the link's ``buffer_pairs``, the default, or the fewer it throttles to
            (``active_buffer_pairs``), and never more than the run's ``bell_pairs`` (it holds no more). On physical QPUs memory_qubits_per_end adds one slot per purification
            level; on error-corrected QPUs the default is raised to a syndrome round's
            ``2d - 1`` pairs (used together) where it holds fewer, and memory_qubits_per_end adds each of a
            round's pairs its purification slots, ``buffer_pairs + (2d - 1) rounds``.
        required_rate_hz: raw pairs per second the link must make (the delivery table's need/s): on
            error-corrected QPUs the rate at which lattice surgery never waits; on physical QPUs None unless
            the check below moved it. Checked by estimating again with the link at that rate (its pairs'
            waits, purification rounds and the run's code distance depend on it): where a link of the rate
            its pairs ask for as given would need another, this is the one a link of its rate meets (a note
            says so).
        channels_for_runtime_limit: when this link's rate makes the run exceed ``max_runtime_s``: the
            channels (each at ``rate_hz``) with which the run meets it, found by estimating again
            with them (the code distance and purification rounds of the shorter run included); None
            otherwise, or when more channels alone do not suffice (the reason then says why).
        channels_for_remote_share: when this link's pairs miss the remote operations' share of the error budget
            because they decay while a syndrome round gathers them: the channels (each at ``rate_hz``) whose rate
            the remote-error reason names as the least that meets the share (its distance checked at that rate);
            None otherwise, and for a relay route (its channels are its hops').
        provision: the one of the link's three needs it must be built to, and why, in words (JSON and text alike;
            None where the link meets its needs as given or the report names none). The three: the least rate for
            the remote share (``channels_for_remote_share``), the channels for the runtime limit
            (``channels_for_runtime_limit``), and the rate at which lattice surgery never waits
            (``required_rate_hz``, the delivery table's need/s). The last is not a requirement: below it the run
            waits for pairs, which the runtime limit prices. The headline is the larger of the first two, starting
            with which one it is (``"runtime limit: "`` or ``"remote share: "``), with whether estimating again
            at it met the other, and the never-wait rate as detail.
        active_channels, active_buffer_pairs: when the estimate prices a link run with fewer of its
            ``channels`` or buffer pairs than given (more would only keep its buffer fuller and its pairs
            older, costing purification rounds or runtime), or, on error-corrected QPUs, with a default buffer
            raised to hold a syndrome round's ``2d - 1`` pairs: the counts it priced (a note says so, with what
            all of them would have cost; :func:`~qnsim.estimate.operated_links` gives the links to simulate); None
            when it runs as given. A relay route's ``active_channels`` is the most channels each of its hops runs, and
            its ``active_buffer_pairs`` the end-to-end buffer it is priced with on physical QPUs (None: the
            default; :func:`~qnsim.estimate.operated_buffer_pairs` gives it for simulate_execution).
        active_rate_hz: when the estimate prices a direct link with each of its channels run below its ``rate_hz``
            (the operator's setting: its attempts spaced further apart, so that its buffer stays emptier and its
            pairs fresher, where that saves a purification round, runtime or the need): that rate in pairs/s per
            channel (a note says so; :func:`~qnsim.estimate.operated_links` gives the link at it); None when each
            channel runs at ``rate_hz`` (schema 8; older reports read back with None). Where ``rate_interval95``
            is set, the rate run is as uncertain in proportion: its interval is ``rate_interval95`` times
            ``active_rate_hz / rate_hz`` (the spacing of the attempts is set, their yield measured); the note names
            it and operated_links' link carries it.
        rate_interval95: the 95% interval ``[low, high]`` (pairs/s per channel) of ``rate_hz`` when a simulation
            measured it (the link's :attr:`~qnsim.estimate.Link.rate_interval95`); channel counts derived from the
            rate are then given as the range across it. None for a rate taken as exact (schema 6; a version-5
            report reads back with None).

    >>> from qnsim.estimate import QPU, Link, estimate
    >>> lk = estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.9)], target_fidelity=0.95).links[0]
    >>> lk.purification_rounds, round(lk.time_s, 6) == round(lk.raw_bell_pairs / 1e3, 6)
    (2, True)
    """

    qpus: tuple[int, int]
    remote_gates: int
    bell_pairs: int
    raw_bell_pairs: float
    purification_rounds: int
    raw_per_pair: float
    raw_fidelity: float
    delivered_fidelity: float
    rate_hz: float
    latency_s: float
    time_s: float
    utilization: float = 0.0
    buffer_pairs: int = 1
    memory_qubits_per_end: int = 1
    required_rate_hz: float | None = None
    required_fidelity: float | None = None
    route: list[int] = dataclasses.field(default_factory=list)
    channels: int = 1
    remote_error_per_operation: float = 0.0
    fidelity_at_use: float | None = None
    channels_for_runtime_limit: int | None = None
    active_channels: int | None = None
    active_buffer_pairs: int | None = None
    rate_interval95: list[float] | None = None
    channels_for_remote_share: int | None = None
    provision: str | None = None
    active_rate_hz: float | None = None


@dataclasses.dataclass
class TFactoryReport:
    """The T-state factories of an error-corrected run (one design, copies on every QPU).

    Attributes:
        rounds: the distillation rounds (:class:`qnsim.estimate.DistillationRound`: unit name, code
            distance (1 = physical qubits), units, physical qubits, duration in s, output T error).
        physical_qubits_per_factory: footprint of one factory.
        duration_s: one run of a factory.
        output_states_per_run: T states one run delivers.
        output_error: error of each T state.
        required_error: T error the budget asks for (T budget / T states).
        factories_per_qpu: copies placed on each QPU.
        runs_per_factory: runs each factory makes during the job (largest over QPUs).

    >>> TFactoryReport([], 3240, 4.68e-05, 1, 5.6e-11, 5e-10, [10]).factories
    10
    """

    rounds: list[DistillationRound]
    physical_qubits_per_factory: int
    duration_s: float
    output_states_per_run: int
    output_error: float
    required_error: float
    factories_per_qpu: list[int]
    runs_per_factory: int = 0

    @property
    def factories(self) -> int:
        """Factories over all QPUs (see the class example)."""
        return sum(self.factories_per_qpu)


@dataclasses.dataclass
class ErrorCorrectionReport:
    """Surface-code figures of an error-corrected run (Azure estimator model, distributed).

    Attributes:
        code_distance: d (None when no distance reaches the budget).
        physical_per_logical: 2 d^2.
        logical_cycle_s: slowest QPU's logical cycle at d.
        physical_error: physical error rate the code model uses.
        layout_logical_qubits_per_qpu: patches per QPU, ``2Q + ceil(sqrt(8Q)) + 1``.
        algorithmic_logical_depth: logical cycles of the algorithm (M + R + T + 3 CCZ + t_rot D_R).
        logical_cycles: cycles the run lasts, including link stalls, latency and factory waits
            (what the distance is sized for; idle patches accrue error in every one of them).
        required_logical_error_per_cycle: per-patch, per-cycle error the logical budget allows over
            the run's final ``logical_cycles``. The Azure estimator reports its figure for the cycle
            count before a T factory stretched the run (larger, for a run that was stretched: one
            T gate on qubit_gate_ns_e3 at budget 1e-3, 10 cycles: 8.3e-6 here, 2.8e-5 in QRE); the
            code distance and everything else agree.
        logical_error_per_cycle: the model's error at d.
        t_states: T states consumed (T + 4 CCZ + t_rot R).
        t_per_rotation: T states per synthesized rotation.
        algorithm_physical_qubits_per_qpu: patches x 2 d^2.
        factory_physical_qubits_per_qpu: T factories' qubits.
        link_memory_qubits_per_qpu: communication qubits holding link pairs (buffers, purification).
        physical_qubits_per_qpu: total per QPU (the capacity check uses it).
        t_factory: the factory design, or None without T states.

    >>> ErrorCorrectionReport(21, 882, 8.4e-6, 1e-3, [230], 1_100_000, 1_100_000, 2e-12, 3e-13, 10**6, 0,
    ...                       [202860], [252000], [0], [454860]).physical_qubits
    454860
    """

    code_distance: int | None
    physical_per_logical: int | None
    logical_cycle_s: float
    physical_error: float
    layout_logical_qubits_per_qpu: list[int]
    algorithmic_logical_depth: int
    logical_cycles: int
    required_logical_error_per_cycle: float
    logical_error_per_cycle: float
    t_states: int
    t_per_rotation: int
    algorithm_physical_qubits_per_qpu: list[int]
    factory_physical_qubits_per_qpu: list[int]
    link_memory_qubits_per_qpu: list[int]
    physical_qubits_per_qpu: list[int]
    t_factory: TFactoryReport | None = None

    @property
    def physical_qubits(self) -> int:
        """Physical qubits over all QPUs (see the class example)."""
        return sum(self.physical_qubits_per_qpu)

    @property
    def rqops(self) -> int | None:
        """Reliable quantum operations per second, as the Azure estimator reports them: the layout's logical
        qubits (over all QPUs) x logical cycles per second, rounded up; None without a code distance.

        >>> ErrorCorrectionReport(13, 338, 5.2e-6, 1e-3, [30], 1075, 1075, 1e-8, 3e-9, 1130, 13,
        ...                       [10140], [116160], [0], [126300]).rqops
        5769231
        """
        if self.code_distance is None:
            return None
        return math.ceil(sum(self.layout_logical_qubits_per_qpu) * (1e12 / round(self.logical_cycle_s * 1e12)))

    @property
    def syndrome_round_s(self) -> float | None:
        """One syndrome round of the slowest QPU in s, ``4 t_2q + 2 t_meas``: the logical cycle is d of them, and a
        lattice-surgery round across a link takes its ``2d - 1`` pairs in one (what ``qnsim qec link --cycle-time``
        and :func:`qnsim.qec.round_timing`'s ``cycle_time_s`` take); None without a code distance.

        >>> ErrorCorrectionReport(21, 882, 8.4e-6, 1e-3, [230], 1_100_000, 1_100_000, 2e-12, 3e-13, 10**6, 0,
        ...                       [202860], [252000], [0], [454860]).syndrome_round_s
        4e-07
        """
        if self.code_distance is None:
            return None
        return self.logical_cycle_s / self.code_distance


@dataclasses.dataclass
class ErrorBudgetReport:
    """The failure budget, its parts, and what each source uses (expected failures, which bound
    the failure probability from above).

    Attributes:
        total: budget for the whole run.
        logical, t_states, rotations, remote: budget shares (0 for sources the run lacks);
            for physical (not error-corrected) runs only ``total`` applies.
        logical_used, t_states_used, rotations_used, remote_used: expected failures of each source.
        local_physical_used: expected faults of local physical operations (runs without error
            correction).
        used: their sum; the run meets its budget when ``used <= total``.

    >>> b = ErrorBudgetReport(1e-3, 5e-4, 5e-4, 0.0, 0.0, 4e-4, 4e-4, 0.0, 0.0, 0.0)
    >>> round(b.used, 12), b.met
    (0.0008, True)
    """

    total: float
    logical: float
    t_states: float
    rotations: float
    remote: float
    logical_used: float
    t_states_used: float
    rotations_used: float
    remote_used: float
    local_physical_used: float

    @property
    def used(self) -> float:
        """Expected failures over all sources (see the class example)."""
        return (
            self.logical_used + self.t_states_used + self.rotations_used + self.remote_used + self.local_physical_used
        )

    @property
    def met(self) -> bool:
        """True when the expected failures fit the total budget (see the class example)."""
        return self.used <= self.total


@dataclasses.dataclass
class EstimateReport:
    """What a distributed run of a workload costs (see :func:`qnsim.estimate.estimate`).

    Times in seconds; counts are exact Python ints except expected (float) quantities.

    Attributes:
        verdict: ``"feasible"`` or ``"infeasible"``; reasons: why not, each with a fix (empty when feasible).
        num_qubits: workload qubits placed (logical qubits on error-corrected QPUs); num_qpus: QPUs given.
        qubits_per_qpu: workload qubits placed on each QPU; qpu_names: each QPU's preset name ("" unnamed).
        placement_method: how the placement was made (``"user"``, ``"metis"``, ...).
        cut_weight: two-qubit interactions between qubits on different QPUs, by the placement's interaction
            weights (a count, dimensionless).
        local_gates: local operations per kind (``one_qubit``, ``two_qubit``, ``measurement``), one count per QPU;
            local_gates_total: their sum.
        remote_gates, bell_pairs, raw_bell_pairs, links: over all links (see :class:`LinkReport`); raw pairs are
            expected (float) counts.
        cat_entangler: remote gates of one control share a pair (physical QPUs); cat_exact: False when the
            sharing inside a REPEAT was extrapolated (a note says so).
        wall_clock_s: the run's length in seconds; bound: what sets it (local compute, a link's rate or buffer,
            the T factory run, classical latency, ...).
        time_local_s, time_link_s, time_latency_s: seconds of the critical path's local gates, of the slowest link
            making its pairs, and of classical latency.
        remote_error_expected, local_error_expected: expected faults (dimensionless counts) of the remote and the
            local physical operations; remote_success_probability: the probability of no remote fault. On
            error-corrected QPUs it is the probability at the code distance chosen, the smallest whose failures meet
            the budget, so a better link, longer-lived memories or better qubits can lower it (by a smaller distance
            or fewer purification rounds) while the run still meets its budget; on physical QPUs a faster link can
            lower it slightly, its pairs waiting longer in a fuller buffer (a link is not priced run slower than its
            rate).
        error_corrected: :class:`ErrorCorrectionReport` (None on physical QPUs); error_budget:
            :class:`ErrorBudgetReport`.
        runtime_limit_s: the ``max_runtime_s`` asked for, in seconds (None: none).
        physical_qubits_total: physical qubits over all QPUs (workload and link memories on physical QPUs; None
            where no code distance was found).
        physical_qubits_per_qpu: the physical qubits each QPU uses (error-corrected: the code's patches, T factories
            and link memories; physical: the workload's qubits and the link memories, a relaying QPU's included);
            None where no code distance was found or nothing was placed.
        qubit_capacity_per_qpu: each QPU's ``num_qubits`` (None: unlimited). An error-corrected QPU that needs more
            physical qubits makes the run infeasible; a physical QPU's ``num_qubits`` is its workload capacity,
            its link memories being communication qubits besides it (a note names a QPU they take past it).
        qubit_qpus: the placement the run was priced on: the QPU (an index into the QPUs given) of each workload
            qubit, qubit by qubit (None: on no QPU, a qubit the workload never uses), which
            :func:`~qnsim.estimate.simulate_execution` takes as its ``placement`` to simulate that very run; None
            for a logical summary (its qubits are a count, placed by count) or where nothing was placed.
        notes: what the figures rest on and where they are bounds; schema_version: of the JSON (module docstring).

    >>> from qnsim.estimate import QPU, Link, estimate
    >>> r = estimate("REPEAT 10 {\\n CX 0 1\\n H 0\\n}", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e6, 0.99)],
    ...              error_budget=0.5)
    >>> r.feasible, r.bell_pairs, r.to_dict()["links"][0]["qpus"]
    (True, 10, [0, 1])
    >>> r.to_json(indent=None)[:22]
    '{"verdict": "feasible"'
    >>> print(r.table().splitlines()[0])
    verdict                       feasible
    """

    verdict: str
    reasons: list[str]
    num_qubits: int
    num_qpus: int
    qubits_per_qpu: list[int]
    placement_method: str
    cut_weight: float
    local_gates: dict[str, list[int]]
    local_gates_total: int
    remote_gates: int
    bell_pairs: int
    raw_bell_pairs: float
    cat_entangler: bool
    cat_exact: bool
    links: list[LinkReport]
    wall_clock_s: float
    bound: str
    time_local_s: float
    time_link_s: float
    time_latency_s: float
    remote_error_expected: float
    remote_success_probability: float
    local_error_expected: float
    error_corrected: ErrorCorrectionReport | None = None
    error_budget: ErrorBudgetReport | None = None
    runtime_limit_s: float | None = None
    physical_qubits_total: int | None = None
    notes: list[str] = dataclasses.field(default_factory=list)
    qpu_names: list[str] = dataclasses.field(default_factory=list)
    physical_qubits_per_qpu: list[int] | None = None
    qubit_capacity_per_qpu: list[int | None] = dataclasses.field(default_factory=list)
    qubit_qpus: list[int | None] | None = None
    schema_version: int = SCHEMA_VERSION

    @property
    def feasible(self) -> bool:
        """True if the verdict is "feasible" (see the class example)."""
        return self.verdict == "feasible"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (infinities as strings); see the class example."""
        return _jsonable(dataclasses.asdict(self))

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text; see the class example.

        Args:
            indent: Spaces per nesting level, 0 to 64 (None: one line); another value is refused by name
                (:func:`qnsim.argument_checks.json_indent`), before the report is written out.
        """
        return json.dumps(self.to_dict(), indent=json_indent(indent))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EstimateReport:
        """The report of :meth:`to_dict` (or the parsed ``--json`` output) read back: "inf"/"nan" strings as floats,
        ``qpus`` as tuples, nested reports as their classes. A report of another ``schema_version`` is refused,
        naming both versions and what changed (its fields mean other things: version 3 set ``required_rate_hz`` on
        error-corrected QPUs only), as are a missing or unknown field, a value of the wrong type, below 0 or beyond a
        float's range (every number of a report lies within it), and a report no estimate writes (a verdict other
        than feasible/infeasible, per-QPU lists of another length than ``num_qpus``, a link to a QPU it does not
        have). A report saved by ``qnsim estimate --out`` carries a ``figures_digest``: one whose figures are not
        those it was made of (edited after the save) is refused, naming the figure.

        >>> from qnsim.estimate import QPU, Link, estimate
        >>> r = estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], error_budget=0.5)
        >>> back = EstimateReport.from_json(r.to_json())
        >>> back.to_json() == r.to_json(), back.links[0].qpus
        (True, (0, 1))
        >>> try:
        ...     EstimateReport.from_dict({**r.to_dict(), "schema_version": 3})
        ... except ValueError as e:
        ...     print(str(e)[:60])
        report JSON has schema_version 3, this qnsim reads version 9
        """
        if not isinstance(data, dict):
            raise TypeError(f"report JSON must be an object, got {type(data).__name__}")
        if FIGURES_DIGEST_KEY in data:  # a report saved by qnsim estimate --out: its figures as it saved them
            data = _without_checked_digest(data, "report JSON")
        version = data.get("schema_version")
        if version in _READABLE_SINCE and not isinstance(version, bool) and isinstance(data.get("links"), list):
            # A report of an older version this one extends: its links gain the new fields, unknown.
            added = _READABLE_SINCE[version]["links"]
            data = {**_READABLE_SINCE[version]["report"], **data, "schema_version": SCHEMA_VERSION,
                    "links": [{**added, **lk} if isinstance(lk, dict) else lk for lk in data["links"]]}
            version = SCHEMA_VERSION
        if version != SCHEMA_VERSION or isinstance(version, bool):  # True == 1, 4.0 == 4: not a version
            # Versions count from 1: 0, a negative or a float one is no report's (a huge one is shown by its size).
            if not isinstance(version, int) or isinstance(version, bool) or version < 1:
                raise ValueError(f"report JSON has no schema_version (got {shown(version)}), this qnsim reads "
                                 f"version {SCHEMA_VERSION}: is it a report of `qnsim estimate --json`?")
            low, high = sorted((version, SCHEMA_VERSION))
            # The changes between the two, from the table (a range up to version 10**400 never ended).
            changes = "; ".join(f"{v}: {SCHEMA_CHANGES[v]}" for v in sorted(SCHEMA_CHANGES) if low < v <= high)
            newer = " (a newer qnsim's)" if version > SCHEMA_VERSION else ""
            raise ValueError(f"report JSON has schema_version {shown(version)}{newer}, this qnsim reads version "
                             f"{SCHEMA_VERSION} ({changes or 'unknown changes'}): estimate again with this qnsim")
        report = _dataclass_from_dict(cls, data, "report")
        _check_report_shape(report)
        return report

    @classmethod
    def from_json(cls, text: str) -> EstimateReport:
        """The report of :meth:`to_json` read back (see :meth:`from_dict`); text that is no JSON (cut short, edited)
        is refused as such, with where the decoder stopped."""
        return cls.from_dict(parse_report_json(text))

    def __repr__(self) -> str:
        """One line: verdict (with the reasons when infeasible), size, remote operations, Bell
        pairs, wall clock and its bound, expected failures against the budget.

        Example:
            >>> from qnsim.estimate import QPU, Link, estimate
            >>> report = estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], error_budget=0.5)
            >>> print(repr(report).replace(", ", ",\\n"))
            EstimateReport(feasible: 2 qubits on 2 QPUs,
            1 remote operations,
            1 Bell pairs,
            wall clock 0.001 s (1 ms),
            bound: link 0-1 rate,
            expected failures 0.014 / 0.5)
        """
        text = f"EstimateReport({self.verdict}"
        if self.reasons:
            text += f" ({'; '.join(self.reasons)})"
        text += (
            f": {self.num_qubits} qubits on {self.num_qpus} QPUs, {self.remote_gates:,} remote operations, "
            f"{self.bell_pairs:,} Bell pairs, wall clock {human_time(self.wall_clock_s)}, bound: {self.bound}"
        )
        if self.error_budget is not None:
            text += f", expected failures {self.error_budget.used:.3g} / {self.error_budget.total:g}"
        return text + ")"

    def _repr_html_(self) -> str:
        """Jupyter: the report's rows, links and what each must deliver (the first 20, tightest margin first) as
        tables, notes below."""
        from qnsim import _display

        links = [
            [f"{lk.qpus[0]}-{lk.qpus[1]}", f"{lk.remote_gates:,}", f"{lk.bell_pairs:,}", f"{lk.raw_bell_pairs:.3g}",
             lk.purification_rounds, f"{lk.raw_fidelity:.4f} -> {lk.delivered_fidelity:.4f}", human_time(lk.time_s),
             f"{min(lk.utilization, 9.99):.0%}"]
            for lk in self.links[: _display.MAX_ROWS]
        ]  # fmt: skip
        headers = ["link", "remote ops", "pairs", "raw pairs", "rounds", "fidelity raw -> out", "time", "util"]
        delivery = [
            [_link_name(lk), f"{need:.3g}", f"{gives:.3g}", _times(margin), f"{used:.3g}", f"{at_use:.6f}", f_need]
            for (need, gives, margin, used, at_use, f_need), lk in self._delivery_rows()[: _display.MAX_ROWS]
        ]
        delivery_headers = ["link", "need raw pairs/s", "gives", "margin", "used", "F at use", "F need"]
        return (
            _display.pairs(self._rows())
            + (_display.table(headers, links, total=len(self.links)) if links else "")
            + (_display.table(delivery_headers, delivery, total=len(self.links)) if delivery else "")
            + _display.notes(self.notes)
        )

    def table(self) -> str:
        """A human-readable table of the report (its link columns: :data:`LINK_TABLE_COLUMNS`); see the
        class example."""
        rows = self._rows()
        width = max(len(r[0]) for r in rows)
        lines = [f"{k:<{width}}  {v}" for k, v in rows]
        if self.links:
            lines.append("")
            lines.append(
                f"{'link':<7} {'remote ops':>14} {'pairs':>14} {'raw pairs':>10} {'rounds':>6} "
                f"{'F raw->out':>14} {'time s':>10} {'util':>6} {'memory':>7}"
            )
            shown = self.links
            if len(shown) > MAX_DELIVERY_ROWS:
                # Thousands of links made a table of thousands of lines (the delivery table below was capped): the
                # slowest, which bound the run, are shown; the JSON lists every link.
                shown = sorted(self.links, key=lambda lk: -lk.time_s if lk.time_s == lk.time_s else math.inf)
                shown = shown[:MAX_DELIVERY_ROWS]
            for lk in shown:
                via = f"  via {_via(lk.route)}" if len(lk.route) > 2 else ""
                lines.append(
                    f"{lk.qpus[0]}-{lk.qpus[1]:<5} {lk.remote_gates:>14,} {lk.bell_pairs:>14,} "
                    f"{lk.raw_bell_pairs:>10.3g} {lk.purification_rounds:>6} "
                    f"{lk.raw_fidelity:>6.4f}->{lk.delivered_fidelity:<6.4f} {lk.time_s:>10.3g} "
                    f"{min(lk.utilization, 9.99):>6.0%} {lk.memory_qubits_per_end:>7}{via}"
                )
            if len(shown) < len(self.links):
                rest = [lk.time_s for lk in self.links if all(lk is not x for x in shown)]
                lines.append(
                    f"... {len(rest)} more links (of {len(self.links)}; the {len(shown)} slowest are shown, every "
                    f"link is in to_json()), times {min(rest):.3g} to {max(rest):.3g} s"
                )
        if self.links:
            lines.append("")
            lines += self._delivery_lines()
        for n in self.notes:
            lines.append(f"note: {n}")
        return "\n".join(lines)

    def _delivery_lines(self, shown: int = MAX_DELIVERY_ROWS) -> list[str]:
        """The table of what each link must deliver (columns in :data:`LINK_TABLE_COLUMNS`), tightest margin
        first; past ``shown`` links the rest are one line with their count and range of margins."""
        rows = self._delivery_rows()
        lines = [
            "what each link must deliver (raw pairs per second; F = Bell-pair fidelity):",
            f"{'link':<7} {'need/s':>10} {'gives/s':>10} {'margin':>9} {'used/s':>10} {'F at use':>9}  F need",
        ]
        for (need, gives, margin, used, at_use, f_need), lk in rows[:shown]:
            via = f"  via {_via(lk.route)}" if len(lk.route) > 2 else ""
            lines.append(
                f"{lk.qpus[0]}-{lk.qpus[-1]:<5} {need:>10.3g} {gives:>10.3g} {_times(margin):>9} {used:>10.3g} "
                f"{at_use:>9.6f}  {f_need}{via}"
            )
            if lk.provision is not None:
                # need/s is the rate at which lattice surgery never waits, not what the link must be built to: the
                # headline says which need is (three of them read alike before).
                lines.append(f"  build to: {lk.provision}")
        rest = [r[0][2] for r in rows[shown:]]
        if rest:
            lines.append(
                f"... {len(rest)} more links (of {len(rows)}; the {shown} of tightest margin are shown), margins "
                f"{_times(rest[0])} to {_times(rest[-1])}"
            )
        return lines

    def _own_time_s(self) -> float:
        """The run as priced without waiting for its links, in seconds: its compute (an error-corrected run's logical
        cycles, at least one run of its T factory, which the run waits for) and its latency."""
        own_s = self.time_local_s
        ec = self.error_corrected
        if ec is not None and ec.t_factory is not None and ec.t_factory.duration_s > own_s:
            own_s = ec.t_factory.duration_s
        return own_s + self.time_latency_s

    def _delivery_rows(self) -> list[tuple[tuple[float, float, float, float, float, str], LinkReport]]:
        """:meth:`_delivery` of every link beside the link, tightest margin first."""
        return sorted(((self._delivery(lk), lk) for lk in self.links), key=lambda r: _margin_key(r[0][2]))

    def _delivery(self, lk: LinkReport) -> tuple[float, float, float, float, float, str]:
        """(need, gives, margin, used) in raw pairs per second, the pair fidelity at use and the fidelity need as
        text, for one link of the report (see :data:`LINK_TABLE_COLUMNS`)."""
        first_need = 0.0  # The rate at which its first pair comes soon enough (below).
        if lk.required_rate_hz is not None:
            need = lk.required_rate_hz
            own_s = self._own_time_s()
            if (self.error_corrected is not None and own_s > self.time_local_s + self.time_latency_s
                    and 0 < lk.raw_bell_pairs < math.inf):
                # A run the T factory stretches past its compute has room for the pairs until the factory is done: a
                # link that makes them by then stalls nothing. Before, the need was lattice surgery's pace alone, and
                # a link 10x faster than it left the 25.2 us run as it was read "margin 0.28x" (red: "stalls the run").
                need = min(need, lk.raw_bell_pairs / (own_s - self.time_latency_s))
        elif lk.raw_bell_pairs <= 0:
            need = 0.0
        else:
            # The run's own time: compute and latency (a link making its pairs within it does not lengthen the run).
            crit_s = self.time_local_s + self.time_latency_s
            need = lk.raw_bell_pairs / crit_s if crit_s > 0 else math.nan if math.isnan(crit_s) else math.inf
            # Its first pair too: the run waits for it (the wall clock adds it). Before, 500 remote CX sharing one
            # pair read need 199 pairs/s, and a link of 199 pairs/s doubled the run (its first pair 5 ms in).
            room = _NEED_MET * crit_s - lk.purification_rounds * lk.latency_s
            if room > 0 and math.isfinite(lk.raw_per_pair) and lk.bell_pairs > 0:
                first_need = lk.raw_per_pair / room
        # What it makes in this run: flow control, its buffer and relay hops shared with other routes can hold a
        # link below rate x channels (a route's "4.2e+04" made 1.1e+04 pairs/s among 64 QPUs).
        ran = 0 < lk.raw_bell_pairs < math.inf and 0 < lk.time_s < math.inf
        gives = lk.raw_bell_pairs / lk.time_s if ran else lk.rate_hz * lk.channels
        margin = gives / need if need > 0 else math.inf
        if self.error_corrected is None and lk.required_rate_hz is not None and need > 0:
            # A need found by estimating again with the link at it is a rate the link must have (its buffer and flow
            # control priced at it), not a draw: a link at it draws only what the run uses. Before, a 9.14e+05
            # pairs/s link built to its need read "gives 2.29e+05, margin 0.25x" (below 1x: "stalls the run") while
            # it kept the run's pace, in the estimate and simulated.
            margin = lk.rate_hz * lk.channels / need
        if first_need > need:
            # Its first pair comes at the link's full rate (what it gives in the run is held to the consumers' pace).
            margin = min(margin, lk.rate_hz * lk.channels / first_need)
            need = first_need
        used = lk.raw_bell_pairs / self.wall_clock_s if self.wall_clock_s > 0 else math.nan
        at_use = lk.delivered_fidelity if lk.fidelity_at_use is None else lk.fidelity_at_use
        b = self.error_budget
        if lk.required_fidelity is not None:
            f_need = f">= {lk.required_fidelity:.6g}" + (" (short)" if at_use < lk.required_fidelity else "")
        elif self.error_corrected is not None and b is not None and self.remote_gates > 0:
            share = b.remote / self.remote_gates
            within = "<=" if lk.remote_error_per_operation <= share else "> (over)"
            err_text, share_text = _on_its_side(lk.remote_error_per_operation, share, 2)
            f_need = f"err/op {err_text} {within} {share_text}"
        else:
            f_need = "-"
        return need, gives, margin, used, at_use, f_need

    def _rows(self) -> list[tuple[str, str]]:
        """The report's (label, value) rows, shared by :meth:`table` and the HTML repr."""
        rows: list[tuple[str, str]] = [("verdict", self.verdict)]
        # Up to MAX_REASONS_PER_KIND reasons of one kind (their leading words: "remote error", "route", "link"), then
        # their count: 1,000 QPUs whose routes each failed listed one 600-character reason per route.
        kinds: dict[str, int] = {}
        for reason in self.reasons:
            kind = re.match(r"[A-Za-z ]*", reason).group().strip() or "other"  # type: ignore[union-attr]
            kinds[kind] = kinds.get(kind, 0) + 1
            if kinds[kind] <= MAX_REASONS_PER_KIND:
                rows.append(("  reason", reason))
        for kind, n in kinds.items():
            if n > MAX_REASONS_PER_KIND:
                rows.append(("  reason", f"... {n - MAX_REASONS_PER_KIND:,} more reasons starting '{kind}' (every "
                                         "reason is in to_json())"))
        rows += [
            ("qubits / QPUs", f"{self.num_qubits} on {self.num_qpus} ({self.placement_method})"),
            ("qubits per QPU", _per_qpu(self.qubits_per_qpu)),
        ]
        if any(self.qpu_names):
            # Reports name QPUs by index (links "0-1", the lists per QPU): a name is a label beside its index, so
            # two QPUs of one preset, which share its name, stay apart.
            rows.append(("QPU names", _qpu_names(self.qpu_names)))
        rows += [
            ("interaction cut", f"{self.cut_weight:.4g}"),
            ("local gates", f"{self.local_gates_total:,}"),
            ("remote operations", f"{self.remote_gates:,}"),
            ("Bell pairs (distilled / raw)", f"{self.bell_pairs:,} / {self.raw_bell_pairs:.4g}"),
            ("wall clock", f"{human_time(self.wall_clock_s)}, bound: {self.bound}"),
            (
                "  compute / links / latency",
                NOT_ESTIMATED if all(math.isnan(s) for s in (self.time_local_s, self.time_link_s, self.time_latency_s))
                else " / ".join(seconds_text(s) for s in (self.time_local_s, self.time_link_s, self.time_latency_s)),
            ),
        ]
        if self.runtime_limit_s is not None:
            rows.append(("runtime limit", human_time(self.runtime_limit_s)))
        b = self.error_budget
        if b is not None:
            if self.error_corrected is not None:
                parts = [("logical", b.logical_used, b.logical), ("T states", b.t_states_used, b.t_states),
                         ("rotations", b.rotations_used, b.rotations), ("remote", b.remote_used, b.remote)]
                detail = ", ".join(f"{n} {u:.2g}/{q:.2g}" for n, u, q in parts if q > 0)
            else:
                remote_part = f"/{b.remote:.2g}" if b.remote > 0 else ""  # An explicit remote part, checked.
                detail = f"local {b.local_physical_used:.3g}, remote {b.remote_used:.3g}{remote_part}"
            used_text, total_text = _on_its_side(b.used, b.total, 3)
            rows.append(("expected failures / budget", f"{used_text} / {total_text} ({detail})"))
        ec = self.error_corrected
        if ec is not None:
            rows += [
                ("code distance", str(ec.code_distance)),
                # The logical cycle alone, given to qnsim qec link as its --cycle-time (one syndrome round), read
                # 4.87e6 pairs/s where the estimate's d = 19 rounds ask for 9.25e7: d rounds taken for one.
                ("logical cycle", f"{ec.logical_cycle_s:.3g} s" + (
                    "" if ec.syndrome_round_s is None else
                    f" ({ec.code_distance} syndrome rounds of {ec.syndrome_round_s:.3g} s: qnsim qec link's --cycle-time)"
                )),
                ("logical cycles (algorithm / run)", f"{ec.algorithmic_logical_depth:,} / {ec.logical_cycles:,}"),
            ]
            if ec.physical_qubits_per_qpu:
                rows += [
                    ("physical qubits (total)", f"{ec.physical_qubits:,}"),
                    ("  per QPU", _per_qpu(ec.physical_qubits_per_qpu, ",")),
                    ("  algorithm / T factories / link memory",
                     f"{sum(ec.algorithm_physical_qubits_per_qpu):,} / {sum(ec.factory_physical_qubits_per_qpu):,}"
                     f" / {sum(ec.link_memory_qubits_per_qpu):,}"),
                ]
                rows += self._capacity_rows()
            tf = ec.t_factory
            if tf is not None:
                design = " + ".join(f"{rd.units} x {rd.unit} (d={rd.code_distance})" for rd in tf.rounds)
                rows.append(("T factories", f"{tf.factories} of {tf.physical_qubits_per_factory:,} qubits: {design}"))
        elif self.physical_qubits_total is not None:
            rows.append(("physical qubits (total)", f"{self.physical_qubits_total:,}"))
            if self.physical_qubits_per_qpu is not None:
                rows.append(("  per QPU", _per_qpu(self.physical_qubits_per_qpu, ",")))
            rows += self._capacity_rows()
        return rows

    def over_capacity(self) -> list[tuple[int, int, int]]:
        """(QPU, physical qubits it uses, its ``num_qubits``) for every QPU that uses more than it has: on
        error-corrected QPUs each makes the run infeasible (a reason says so); on physical ones only link memories
        can, which the estimate takes as communication qubits besides ``num_qubits`` (a note says so).

        >>> from qnsim.estimate import QPU, Link, estimate
        >>> estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], error_budget=0.5).over_capacity()
        [(0, 2, 1), (1, 2, 1)]
        """
        used = self.physical_qubits_per_qpu or []
        return [(i, n, cap) for i, (n, cap) in enumerate(zip(used, self.qubit_capacity_per_qpu))
                if cap is not None and n > cap]

    def _capacity_rows(self) -> list[tuple[str, str]]:
        """The rows of the QPUs' qubit capacities (``num_qubits``) and of those a run takes past them."""
        caps = self.qubit_capacity_per_qpu
        if not any(c is not None for c in caps):
            return []
        if all(c is not None for c in caps):
            shown_caps = _per_qpu([int(c) for c in caps], ",")
        else:
            listed = [f"{c:,}" if c is not None else "unlimited" for c in caps[:MAX_LISTED_QPUS]]
            more = len(caps) - MAX_LISTED_QPUS
            shown_caps = ", ".join(listed) + (f", ... {more} more (every value in to_json())" if more > 0 else "")
        rows = [("  capacity (num_qubits)", shown_caps)]
        over = self.over_capacity()
        if over:
            # The first few (a ring of 300 QPUs relaying one route made a line of 445 characters): to_json() has all.
            listed = ", ".join(f"QPU {i} needs {n:,} of {cap:,}" for i, n, cap in over[:6])
            more = f", and {len(over) - 6:,} more (physical_qubits_per_qpu in to_json())" if len(over) > 6 else ""
            besides = ("" if self.error_corrected is not None else
                       " (link memories, taken as communication qubits besides num_qubits: the notes)")
            rows.append(("  over capacity", f"{listed}{more}{besides}"))
        return rows

    def __str__(self) -> str:
        return self.table()
