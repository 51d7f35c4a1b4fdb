"""Sweeps over seeds of one scenario as native batches (used by :func:`qnsim.sweep`).

A sweep of a scenario TOML file over many seeds would otherwise run one process-pool task per
point: a process round trip, a pickled copy of the scenario, a network built in Python, one
run. Here the points that share their grid values are grouped, and each group builds its
network once and runs all its seeds in one native call on every core
(:func:`qnsim.scenario.run_scenario_seeds`). Rows are the same as the per-point path's (a row is
a pure function of the scenario and the seed), so resuming and the output files do not change.

>>> from qnsim.sweeps import Point
>>> groups = seed_groups([Point(0, {"x": 1}, 0, "a"), Point(1, {"x": 1}, 1, "b"), Point(2, {"x": 2}, 0, "c")])
>>> [[p.seed for p in g] for g in groups]
[[0, 1], [0]]
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence, Sized
from typing import Any, Union

from qnsim import _core
from qnsim._exception_notes import add_note
from qnsim._options import option_name
from qnsim.argument_checks import instance, is_integer, written
from qnsim.events import _plain

__all__ = ["batches_help", "checked_seeds", "result_bytes", "run_seed_batches", "seed_groups"]

#: Most seeds one native batch (Network.run_seeds) runs: each gets a network copy and a result.
MAX_SEEDS = 1 << 20

#: How the notes :func:`run_network_seeds` adds to an exception start (a caller that keeps no result of its own
#: call, :func:`qnsim.scenario.run_scenario_seeds`, says what it kept instead).
RUN_SEEDS_NOTE_PREFIXES = ("run_seeds stopped",)

#: Seeds per native call of a sweep's batch, per thread: enough to keep every thread busy while the
#: slowest seed of a call finishes, few enough that rows reach the out (and the bar moves) as they go.
BATCH_ROUNDS = 4


def seed_groups(points: Sequence[Any]) -> list[list[Any]]:
    """The points grouped by their grid values (first appearance order; seeds in point order).

    Example:
        >>> from qnsim.sweeps import Point
        >>> len(seed_groups([Point(0, {"x": 1}, 0, "a"), Point(1, {"x": 1}, 1, "b")]))
        1
    """
    from qnsim.sweeps import Point

    groups: dict[str, list[Any]] = {}
    for i, point in enumerate(instance("points", points, (list, tuple), "a list of qnsim.sweeps.Point")):
        instance(f"points[{i}]", point, Point, "a qnsim.sweeps.Point")
        groups.setdefault(json.dumps(point.params, sort_keys=True, default=str), []).append(point)
    return list(groups.values())


def batches_help(fn: Any, points: Sequence[Any], workers: int) -> bool:
    """Whether :func:`run_seed_batches` should run these points: a scenario TOML point function
    (it has ``data_for``) and, on average, at least ``workers`` seeds per group, so that the
    native threads of one batch keep every worker busy (with fewer, the process pool, which runs
    different groups side by side, is the better use of the cores).

    Example:
        >>> batches_help(len, [], 2)
        False
    """
    if not points or not hasattr(fn, "data_for"):
        return False
    return len(points) >= workers * len(seed_groups(points))


def run_seed_batches(
    fn: Any,
    points: Sequence[Any],
    workers: int,
    on_result: Callable[[Any, Any], None],
    still_ours: Callable[[], None] | None = None,
) -> None:
    """Runs each group of ``points`` as one native batch of seeds and reports every row.

    Args:
        fn: A :class:`qnsim.sweeps.TomlScenario`.
        points: The sweep's pending points.
        workers: Native threads per batch.
        on_result: Called with ``(point, row)`` for each point, in point order within a group.
        still_ours: The sweep's check of its hold on its out (:meth:`qnsim.sweeps._Heartbeat.check`), called at
            least every :data:`qnsim.sweeps.HEARTBEAT_S` while a native call runs (as the process pool's wait
            does): what it raises ends the call's runs at once and is raised as it is.

    Raises:
        SweepError: A scenario failed (the rows of earlier groups were reported).

    Example:
        >>> import os, tempfile
        >>> from qnsim.sweeps import TomlScenario, grid_points
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = os.path.join(tmp, "s.toml")
        ...     with open(path, "w") as f:
        ...         _ = f.write('[run]\\nuntil_s = 0.001\\n[[nodes]]\\nname = "a"\\n[[nodes]]\\nname = "b"\\n'
        ...                     '[[links]]\\na = "a"\\nb = "b"\\nlength_km = 1.0\\nfidelity = 0.9\\nrate_hz = 1e4\\n'
        ...                     '[[requests]]\\nsrc = "a"\\ndst = "b"\\n')
        ...     rows = []
        ...     run_seed_batches(TomlScenario(path), grid_points({}, seeds=3), 2, lambda p, r: rows.append(r))
        >>> [r["pairs"] for r in rows]
        [10, 10, 10]
    """
    from qnsim.argument_checks import integer
    from qnsim.scenario import run_scenario_seeds
    from qnsim.sweeps import SweepError

    # Read before the batch size is made from it: workers='3' made batches of '3333' seeds, refused as the point
    # function's error, naming a value nobody gave.
    workers = integer("workers", workers, minimum=1, error=ValueError)
    checking = False  # in still_ours' call: what it raises is its own, not the point function's
    last_look = time.monotonic()

    def look() -> None:
        # Called by the native call's waiting thread every ~20 ms; the out is looked at every HEARTBEAT_S, as the
        # process pool's wait does. A sweep taken over while its batch ran found out only when the batch's native
        # call returned (up to BATCH_ROUNDS seeds per thread later), having run them for rows it would not write.
        nonlocal checking, last_look
        from qnsim.sweeps import HEARTBEAT_S

        if still_ours is None or time.monotonic() - last_look < HEARTBEAT_S:
            return
        checking = True
        still_ours()
        checking = False
        last_look = time.monotonic()

    for group in seed_groups(points):
        params = group[0].params
        reported = 0
        reporting = False  # an error of on_result (the out's) is its own, not the point function's

        def report(seeds: Sequence[int], rows: list[dict]) -> None:
            nonlocal reported, reporting
            reporting = True
            # Rows are matched to the group's points by position: the seeds the call ran must be those points'.
            check_batch_seeds([p.seed for p in group[reported : reported + len(seeds)]], seeds, "run_scenario_seeds")
            if len(rows) != len(seeds):
                raise _core.QnsimError(f"run_scenario_seeds reported {len(rows)} rows for {len(seeds)} seeds")
            for point, row in zip(group[reported : reported + len(rows)], rows):
                on_result(point, row)
            reported += len(rows)
            reporting = False

        try:
            # The group's network is built once; its seeds run BATCH_ROUNDS rounds of threads at a time, and
            # each call's rows are reported at once: in one call, a group of many seeds showed a bar that sat
            # at 0 for the whole group and kept no row in out until it ended (a kill lost them all).
            run_scenario_seeds(fn.data_for(params), [p.seed for p in group], threads=workers,
                               batch=BATCH_ROUNDS * workers, on_rows=report, abort_check=look)  # fmt: skip
        except Exception as exc:
            if reporting or checking:
                raise
            raise SweepError(
                f"the point function raised {type(exc).__name__}: {exc} (params {params}, seeds "
                f"{[p.seed for p in group][:5]}{' ...' if len(group) > 5 else ''}, one native batch)"
            ) from exc


def check_batch_seeds(expected: Sequence[int], reported: Sequence[int], source: str) -> None:
    """Refuses a batch whose runs came back for other seeds, or another number of them, than were asked.

    Rows and results of a batch are matched to seeds by position; a mismatch (a native defect) would file one
    seed's run under another seed, a plausible wrong answer nothing else would catch.

    Raises:
        QnsimError: Naming the first place where ``reported`` differs from ``expected``.

    Example:
        >>> check_batch_seeds([3, 7], [3, 7], "run_seeds")
        >>> check_batch_seeds([3, 7], [7, 3], "run_seeds")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        qnsim._core.QnsimError: run_seeds returned the run of seed 7 at place 0 of its batch, where seed 3 ...
    """
    expected, reported = [int(s) for s in expected], [int(s) for s in reported]
    if len(expected) != len(reported):
        raise _core.QnsimError(
            f"{source} returned {len(reported)} runs for {len(expected)} seeds (asked {expected[:5]}"
            f"{' ...' if len(expected) > 5 else ''}); its rows cannot be matched to their seeds"
        )
    for place, (want, got) in enumerate(zip(expected, reported)):
        if want != got:
            raise _core.QnsimError(
                f"{source} returned the run of seed {got} at place {place} of its batch, where seed {want} was asked; "
                "its rows would be filed under other seeds (a defect of the native batch: report it)"
            )


def repeated_seed(given: Sequence[int], what: str) -> str | None:
    """The refusal of the first seed ``given`` holds twice, or None: the one wording of a repeated seed for a batch
    (:func:`checked_seeds`) and a sweep (:func:`qnsim.sweeps.sweep`), which refused it as "seeds must be distinct,
    got [...]", naming neither the seed nor its places. ``what`` runs the seeds (``"a batch"``).

    Example:
        >>> repeated_seed([3, 1, 3], "a sweep")
        'seeds[2] = 3 repeats seeds[0]: a seed gives the same run every time, so a sweep runs each seed once'
    """
    first_index: dict[int, int] = {}
    for i, s in enumerate(given):
        j = first_index.setdefault(int(s), i)
        if j != i:
            return (f"seeds[{i}] = {int(s)} repeats seeds[{j}]: a seed gives the same run every time, so {what} runs "
                    "each seed once")  # fmt: skip
    return None


def checked_seeds(seeds: Any) -> tuple[int, ...]:
    """The seeds of one native batch (:meth:`qnsim.Network.run_seeds`,
    :func:`qnsim.scenario.run_scenario_seeds`) as a tuple of distinct ints in [0, 2^64 - 1].

    Raises:
        ParameterError: Not an ordered collection of ints (a set, a generator, a count), more than
            :data:`MAX_SEEDS`, a seed out of range, or a seed given twice (named with both places).

    Example:
        >>> checked_seeds([3, 1])
        (3, 1)
        >>> checked_seeds([3, 3])
        Traceback (most recent call last):
        ...
        qnsim._core.ParameterError: seeds[1] = 3 repeats seeds[0]: a seed gives the same run every time, ...
    """
    from qnsim._core import ParameterError
    from qnsim.specs import check_seed, check_value

    # Counted before the seeds are read: range(10**9) filled memory on its way to a tuple.
    if isinstance(seeds, Sized) and len(seeds) > MAX_SEEDS:
        raise ParameterError(f"seeds: {len(seeds):,} seeds is more than the {MAX_SEEDS:,} one batch runs; split them")
    # An array first, then each seed with its own range: read as plain ints first, seeds = [-10**400] was told "is
    # beyond a 64-bit integer" rather than "must be >= 0".
    seeds = check_value("seeds", tuple[Any, ...], seeds)
    for i, s in enumerate(seeds):
        check_seed(f"seeds[{i}]", s)
    # A seed twice is the same run twice (a sweep refuses it too): averaged, it counts as two samples.
    twice = repeated_seed(seeds, "a batch")
    if twice:
        raise ParameterError(f"{twice} (run the batch again to compare two runs of one seed)")
    return tuple(int(s) for s in seeds)


def result_bytes(result: Any) -> int:
    """Bytes a :class:`qnsim.NetworkResult`'s per-pair arrays take (what grows with a run's deliveries).

    Example:
        >>> import qnsim
        >>> result_bytes(qnsim.Network(seed=0).result())
        0
    """
    import numpy as np

    from qnsim.results import NetworkResult

    instance("result", result, NetworkResult, "a qnsim.NetworkResult")
    return sum(
        value.nbytes for request in result.requests for value in vars(request).values() if isinstance(value, np.ndarray)
    )


def run_network_seeds(
    network: Any,
    seeds: Any,
    until_s: float,
    threads: int | None,
    on_result: Callable[[int, Any], None] | None = None,
    abort_check: Callable[[], None] | None = None,
) -> list[Any] | None:
    """:meth:`qnsim.Network.run_seeds`: native batches of a few seeds per thread, a result per seed (see there)."""
    import copy

    from qnsim.results import collect
    from qnsim.specs import ParameterError, check_value, seconds_to_ps
    from qnsim.sweeps import _usable_cpus
    from qnsim.trace import _available_memory_bytes

    seeds = checked_seeds(seeds)
    # The core's range (0 there is "every core", None here), stated whole: 0 was told "must be >= 1" and 5000
    # "must be <= 4096".
    if is_integer(threads) and not 1 <= threads <= _core.MAX_THREADS:
        raise ParameterError(f"threads must be in [1, {_core.MAX_THREADS}] (None: every core this process may use), "
                             f"got {int(threads)}")  # fmt: skip
    threads = check_value("threads", Union[int, None], threads)
    if on_result is not None and not callable(on_result):
        raise TypeError(f"on_result must be a function (seed, result) or None, got {written(on_result):.80}")
    if abort_check is not None and not callable(abort_check):
        raise TypeError(f"abort_check must be a function of no arguments or None, got {written(abort_check):.80}")
    # Written with yield or async def, each call only made a generator or coroutine: on_result's body never ran
    # (the batch returned None and every result was lost, without a word), nor abort_check's (it never stopped).
    for name, callback in (("on_result", on_result), ("abort_check", abort_check)):
        if callback is not None:
            _plain(callback, f"run_seeds ({name})")
    until_ps = seconds_to_ps(until_s, "until_s")
    threads = threads or _usable_cpus()
    # A few seeds per thread per native call: one call for the whole batch held every seed's network and
    # records at once (a long batch filled the memory without a word) and a Ctrl-C lost every seed run.
    size = BATCH_ROUNDS * threads
    results: list[Any] = []
    held = 0  # bytes of the results kept so far
    finished = 0  # seeds run to their end (their native call returned)
    handed = 0  # seeds whose on_result call returned
    handing = False  # in on_result's call (or reading the result it is to get)
    try:
        for start in range(0, len(seeds), size):
            part = seeds[start : start + size]
            start_wall = time.perf_counter()
            natives = network.native.run_seeds(list(part), until_ps, threads, abort_check)
            # Each result is given its seed by position: checked against the seed its native network ran, so that a
            # native batch returning its runs in another order (or fewer of them) cannot file them under other seeds.
            check_batch_seeds(part, [native.seed for native in natives], "the native run_seeds call")
            finished = start + len(part)
            share = (time.perf_counter() - start_wall) / len(part)
            for seed, native in zip(part, natives):
                handing = on_result is not None
                view = copy.copy(network)  # the same description, the batch's native network
                view._native, view._seed, view._seed_drawn = native, seed, False
                result = collect(view, until_ps / 1e12, share)
                if on_result is not None:
                    on_result(seed, result)
                    handed += 1
                else:
                    results.append(result)
                    held += result_bytes(result)
                handing = False
            del natives  # (freeing a call's networks takes a while: a Ctrl-C may land here)
            if on_result is None and finished < len(seeds):
                # The results so far say what the rest will take: refused before it fills the memory (the
                # kernel kills the process without a word), rather than at the end.
                need = held / finished * (len(seeds) - finished)
                memory, memory_name = _available_memory_bytes()
                if memory is not None and need > memory:
                    raise MemoryError(
                        f"run_seeds: the results of {len(seeds):,} seeds would take about "
                        f"{(held + need) / 1e9:.3g} GB (the first {finished:,} took {held / 1e9:.3g} GB), and the "
                        f"{len(seeds) - finished:,} still to run need more than {memory_name}, {memory / 1e9:.3g} GB: "
                        "pass on_result= to handle each result as its seed finishes instead of keeping them all, or "
                        f"keep fewer per-pair records ({option_name('max_records')})"
                    )
    except BaseException as exc:
        # Where the batch stopped, wherever that was (in a native call, while a call's results were read or handed
        # over, between two calls): an exception on_result raised, or a Ctrl-C while results were handed over,
        # said nothing of which seeds on_result had had.
        interrupted = isinstance(exc, KeyboardInterrupt)
        if on_result is not None and (handed or handing):
            at = ""
            if handing:
                what = "the Ctrl-C came while" if interrupted else "on_result (or reading its result) raised as"
                at = f", and {what} seeds[{handed}] = {seeds[handed]} was being handed over"
            add_note(exc,
                f"run_seeds stopped: {handed} of {len(seeds)} seeds had finished and were handed to on_result{at}; "
                f"run the rest with seeds[{handed}:]"
            )
        elif on_result is None and interrupted and finished:
            add_note(exc,
                f"run_seeds stopped: {finished} of {len(seeds)} seeds had finished and are lost with this call (pass "
                "on_result= to keep each as its seeds finish)"
            )
        raise
    return None if on_result is not None else results
