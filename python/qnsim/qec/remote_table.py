"""Adding shots to the remote-logical table (``data/remote_model.json``) without sampling it again.

The table holds error and shot counts per point (basis, bulk error p, seam error rate q, distance d) of the
gadget merge :func:`qnsim.qec.merge_circuit` (:mod:`qnsim.qec.model` says how it is used). Its statistics file
(sinter's ``stats.csv``) is not shipped, so three steps add shots to it:

1. :func:`restore` (``qnsim qec restore --out DIR``) writes ``DIR/stats.csv`` from a table: one row per point,
   labelled with the strong id of today's circuit for that point (so sinter's ``collect`` resumes it), and each of
   the table's seeded rows under its own. Refused into a ``stats.csv`` that holds rows (the table's shots would
   count twice).
2. :func:`top_up` (``qnsim qec topup --out DIR --seed S ...``) samples chosen points in this process with
   :func:`qnsim.qec.sample_logical_error`, each with a seed derived from ``S`` and the point (:func:`point_seed`):
   the same seed gives the same counts, bit for bit. Each seeded point is its own row; a seed already held at a
   point is skipped with the same limits (a killed run started again resumes so) and refused with other limits
   (the same seed draws the same shots: they would count twice).
3. :func:`table_from_stats` (``qnsim qec topup ... --table-out NEW.json``) writes the table with the counts added.

Restore a table only while the circuits are those it was sampled with (its rows carry today's circuits' ids;
tests/test_qec_audit14.py checks the shipped table against fresh merges). ``bench/qec_remote_model.py`` (which
samples the grid with sinter and prints the fit) calls these functions.

>>> point_seed(16, "X", 0.006, 0.04, 5) == point_seed(16, "X", 0.006, 0.04, 5) != point_seed(17, "X", 0.006, 0.04, 5)
True
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from qnsim.argument_checks import file_path, integer, probability, readable_file, written
from qnsim.config import ConfigError

__all__ = ["SHIPPED_GRID", "TableGrid", "point_seed", "read_counts", "restore", "restored_rows", "table_from_stats",
           "top_up"]

#: A table's grid: (p values, q values, distances).
TableGrid = tuple[tuple[float, ...], tuple[float, ...], tuple[int, ...]]
#: The shipped table's grid.
SHIPPED_GRID: TableGrid = (
    (1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 6e-3),
    (0.0005, 0.002, 0.006, 0.01, 0.02, 0.04, 0.06, 0.1, 0.15),
    (3, 5, 7),
)


def pairs(basis: str, q: float) -> tuple[float, float, float, float]:
    """The Bell-diagonal pairs a basis is sampled with: X errors (rate q) for Z, Z errors for X."""
    return (1 - q, q, 0.0, 0.0) if basis == "Z" else (1 - q, 0.0, 0.0, q)


def task_meta(basis: str, p: float, q: float, d: int) -> dict[str, Any]:
    """The metadata :func:`task` gives a grid point (without building its circuit)."""
    return {"basis": basis, "p": p, "q": q, "d": d, "rounds": d}


@functools.lru_cache(maxsize=None)
def task(basis: str, p: float, q: float, d: int) -> tuple[Any, dict[str, Any]]:
    """One point's merge circuit (d rounds, the seam teleported and written as the gadget, uniform depolarizing
    bulk p) and its metadata; built once per process (a restore asks every point's). Neither is changed by its
    users."""
    from qnsim import qec

    c = qec.merge_circuit(d, d, basis, noise=qec.NoiseModel.uniform_depolarizing(p),
                          interface=qec.Interface.teleported(pairs(basis, q), explicit=True))
    return c, task_meta(basis, p, q, d)


@functools.lru_cache(maxsize=None)
def single_qpu_task(basis: str, p: float, d: int) -> tuple[Any, dict[str, Any]]:
    """The merge with both patches on one QPU: its metadata has no q and names the seam."""
    from qnsim import qec

    c = qec.merge_circuit(d, d, basis, noise=qec.NoiseModel.uniform_depolarizing(p), interface=None)
    return c, {"basis": basis, "p": p, "d": d, "rounds": d, "seam": "one QPU"}


_STRONG_IDS: dict[tuple[str, str], str] = {}


def strong_id(circuit: Any, meta: dict[str, Any]) -> str:
    """sinter's id of the task ``qnsim.qec.collect`` makes of (circuit, meta): the circuit, the decoder, its error
    model and the metadata, hashed. A restored row carries it so that sinter resumes that task from the row. Kept
    per process (the error model is most of the cost, ~0.1 s a circuit)."""
    import sinter

    from qnsim.qec.sampling import _decoder_error_model

    key = (str(circuit), json.dumps(meta))
    if key not in _STRONG_IDS:
        _STRONG_IDS[key] = sinter.Task(circuit=circuit, decoder="pymatching", json_metadata=meta,
                                       detector_error_model=_decoder_error_model(circuit)).strong_id()
    return _STRONG_IDS[key]


def read_point(basis: object, p: object, q: object, d: object) -> tuple[str, float, float, int]:
    """A point ``(basis, p, q, d)`` as plain values (str, float, float, int), each checked: the one reading of a
    point of a top-up, for :func:`check_points` and :func:`point_seed` alike. d = 5.0 passed the grid's ``5.0 in
    (3, 5, 7)`` and hashed to another seed than d = 5 (its JSON text "5.0"), np.int64(5) passed it too and then failed
    in a sampling process ("Object of type int64 is not JSON serializable"), and True was written "true".

    Raises:
        ValueError: A basis other than "Z" or "X", a p or q that is no probability, a d that is no integer >= 1.

    Example:
        >>> import numpy as np
        >>> read_point("X", np.float64(0.006), 0.04, np.int64(5))
        ('X', 0.006, 0.04, 5)
    """
    if not isinstance(basis, str) or basis not in ("Z", "X"):
        raise ValueError(f"basis {written(basis)} is not Z or X")
    return (str(basis), probability("p", p, error=ValueError), probability("q", q, error=ValueError),
            integer("d", d, minimum=1, error=ValueError))


def point_seed(seed: int, basis: str, p: float, q: float, d: int) -> int:
    """The seed of one point of a seeded top-up (an int below 2**64): a hash of the run's seed and the point, so
    the points of one top-up draw independent shots and the same top-up draws the same ones. The point is read by
    :func:`read_point` and the seed as every seed is (:func:`qnsim.specs.check_seed`), so a NumPy number hashes as
    the plain number it is.

    Raises:
        ValueError: A bad seed or point (named).
    """
    from qnsim.specs import check_seed

    text = json.dumps([check_seed("seed", seed), *read_point(basis, p, q, d)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def stats_path(out: str | os.PathLike[str]) -> str:
    """The statistics file of an output folder (``OUT/stats.csv``).

    Raises:
        NotADirectoryError: ``out`` exists and is not a folder (its makedirs said only "File exists").
        TypeError: ``out`` is no path (3 was taken as file descriptor 3 by os.path.exists, None failed in os.stat).
    """
    out = file_path("out", out)
    if os.path.exists(out) and not os.path.isdir(out):
        raise NotADirectoryError(20, "is a file, not a folder (the statistics go to FOLDER/stats.csv)", os.fspath(out))
    return os.path.join(os.fspath(out), "stats.csv")


def read_stats(path: str, *, cut_torn: bool = False) -> list[Any]:
    """The rows of a stats.csv (none when it is absent or empty), read as sinter reads them (one per strong id).

    A torn last line (a top-up killed while appending it) is refused, naming the file and the line (sinter
    misread it as a row, or failed on it without naming either); ``cut_torn`` (a resuming top-up) cuts it off
    instead, so that its point is sampled again (:func:`qnsim.sweeps.cut_torn_line`).

    Raises:
        ValueError: The file ends in a torn line, and ``cut_torn`` is False; or ``path`` is a device or a pipe.
        TypeError: ``path`` is no file path.
    """
    import sinter

    from qnsim.sweeps import cut_torn_line, torn_line_text

    # A path first: 3 was taken as file descriptor 3 (its file read as the stats, then closed under its owner) and
    # /dev/zero, of size 0, as an empty stats.csv; None raised os.stat's "path should be string, bytes, ...".
    path = readable_file("path", path, "a stats.csv")
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return []
    with open(path, "rb") as f:
        # The last byte first: the whole file only for a torn one (sinter reads it again below, and stats.csv grows
        # with every top-up).
        f.seek(-1, os.SEEK_END)
        torn = f.read(1) != b"\n"
        if torn:
            f.seek(0)
            raw = f.read()
    if torn:
        end = raw.rfind(b"\n") + 1
        if not cut_torn:
            raise ValueError(f"{torn_line_text(path, raw, end)}; run the top-up again to resume (it drops the line "
                             "and samples its point again)")
        cut_torn_line(path, raw, end)
        if end == 0:
            return []
    return list(sinter.read_stats_from_csv_files(path))


def append_rows(path: str, lines: Iterable[str]) -> None:
    """Appends CSV lines to a stats.csv, writing sinter's header first into a new or empty file (whole lines,
    fsync'd: :func:`qnsim.sweeps.append_whole_lines`, which refuses a file ending in a torn line)."""
    import sinter

    from qnsim.sweeps import append_whole_lines

    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fresh = not os.path.exists(path) or os.path.getsize(path) == 0
    append_whole_lines(path, [sinter.CSV_HEADER, *lines] if fresh else list(lines))


def where(basis: str, p: float, q: float | None, d: int) -> str:
    """A point as refusals and progress lines name it."""
    return f"{basis} basis, p = {p:g}{'' if q is None else f', q = {q:g}'}, d = {d}"


def seeded_meta(basis: str, p: float, q: float, d: int, seed: int, max_errors: int, max_shots: int) -> dict:
    """A seeded point's metadata: the grid task's, the run's seed and its limits (so its strong id is its own)."""
    return {**task_meta(basis, p, q, d), "seed": seed, "max_errors": max_errors, "max_shots": max_shots}


def _sample_seeded(job: tuple) -> str:
    """Samples one seeded point (a process of :func:`top_up`) and returns its stats.csv line."""
    import sinter

    from qnsim import qec

    basis, p, q, d, seed, max_errors, max_shots, resume_dir = job
    circuit, _ = task(basis, p, q, d)
    est = qec.sample_logical_error(circuit, max_shots=max_shots, max_errors=max_errors,
                                   seed=point_seed(seed, basis, p, q, d), rounds=d, resume_dir=resume_dir)
    meta = seeded_meta(basis, p, q, d, seed, max_errors, max_shots)
    row = sinter.TaskStats(strong_id=strong_id(circuit, meta), decoder="pymatching", json_metadata=meta,
                           shots=est.shots, errors=est.errors, seconds=est.seconds)
    print(f"{where(basis, p, q, d)}, seed {seed}: {est.errors} errors in {est.shots} shots ({est.seconds:.0f} s)",
          flush=True)
    return row.to_csv_line()


def check_points(points: Iterable[tuple[str, float, float, int]], grid: TableGrid, source: str) -> list:
    """The points asked, refused (naming the value, the grid and ``source``) when a value is off the grid: a build
    keeps only the grid's points, so shots sampled off it would be dropped without a word."""
    if isinstance(points, (str, bytes)) or not isinstance(points, Iterable):
        raise ValueError(f"points must be (basis, p, q, d) tuples, got {written(points)}")
    points = [read_point(*point) if isinstance(point, (tuple, list)) and len(point) == 4 else _no_point(point)
              for point in points]
    for basis, p, q, d in points:
        for name, value, values in (("p", p, grid[0]), ("q", q, grid[1]), ("d", d, grid[2])):
            check_on_grid(name, value, values, source)
    seen: set[tuple] = set()
    for point in points:
        if tuple(point) in seen:
            # Sampled twice with the one seed, its same shots were appended twice and counted as twice as many.
            raise ValueError(f"the point {where(*point)} is asked twice: it would be sampled twice with the same "
                             "seed, whose same shots would be counted twice; ask each point once")
        seen.add(tuple(point))
    return points


def _no_point(point: object) -> tuple:
    raise ValueError(f"a point must be a (basis, p, q, d) tuple, got {written(point)}")


def check_on_grid(name: str, value: float, values: Sequence[float], source: str) -> None:
    """Refuses ``value`` of the grid axis ``name`` (p, q or d) when it is not one of ``values``, naming the grid and
    ``source`` (a build keeps only the grid's points)."""
    if value not in values:
        raise ValueError(f"{name} = {value:g} is not on {source}'s grid {list(values)}: a build keeps only the grid's "
                         f"points; choose {name} among them")


def top_up(out: str | os.PathLike[str], points: Iterable[tuple[str, float, float, int]], *, seed: int,
           max_errors: int, max_shots: int, workers: int = 1, grid: TableGrid = SHIPPED_GRID,
           source: str = "the table") -> int:
    """Samples each point with its own seed (:func:`point_seed`) and appends its row to ``out``/stats.csv once it
    is done (a killed top-up run again resumes: finished points are skipped, a running one's batches are in
    ``out``/seeded_shots/).

    Args:
        out: The folder :func:`restore` wrote.
        points: ``(basis, p, q, d)`` on the grid.
        seed: The top-up's seed (an int >= 0); each point's is derived from it.
        max_errors: Stop a point at this many errors.
        max_shots: Or at this many shots.
        workers: Processes sampling points side by side.
        grid: The table's grid (points off it are refused).
        source: How refusals name the table.

    Returns:
        The number of points sampled (skipped ones not counted).

    Raises:
        ValueError: A point off the grid, or the seed's shots already held at a point with other limits (the same
            seed draws the same shots, which would be counted twice): the message names the file and the point.
    """
    from qnsim.specs import check_seed

    seed = check_seed("seed", seed)
    # Counts as the sampler reads them: int() took max_shots=1.5 as 1 and "10" as 10 without a word.
    max_errors, max_shots = integer("max_errors", max_errors, minimum=1), integer("max_shots", max_shots, minimum=1)
    workers = integer("workers", workers, minimum=1)  # "2" failed at `workers <= 1`, naming nothing
    points = check_points(points, grid, source)
    path = stats_path(out)
    held = {}
    for s in read_stats(path, cut_torn=True):
        m = s.json_metadata
        if isinstance(m, dict) and "seed" in m:
            held[(m["basis"], m["p"], m["q"], m["d"], m["seed"])] = m
    jobs = []
    for basis, p, q, d in points:
        old = held.get((basis, p, q, d, seed))
        if old is None:
            jobs.append((basis, p, q, d, seed, max_errors, max_shots, os.path.join(os.fspath(out), "seeded_shots")))
        elif (old["max_errors"], old["max_shots"]) == (max_errors, max_shots):
            print(f"skipped {where(basis, p, q, d)}: {path} already holds seed {seed}'s shots there (to "
                  f"{max_errors} errors or {max_shots} shots); they are not counted twice", flush=True)
        else:
            raise ValueError(
                f"{path} already holds seed {seed}'s shots at {where(basis, p, q, d)} (to {old['max_errors']} "
                f"errors or {old['max_shots']} shots, asked now to {max_errors} or {max_shots}): the same seed "
                "draws the same shots, which would be counted twice; give another seed (--seed)"
            )
    print(f"{len(jobs)} seeded points -> {path}", flush=True)
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            append_rows(path, [_sample_seeded(job)])
        return len(jobs)
    import multiprocessing
    import signal
    import sys

    # A kill (SIGTERM) of this process left the pool's workers sampling on their own: exit through the pool's
    # context, which terminates them (the finished points are in stats.csv, the running ones' batches in
    # seeded_shots/, so the same command resumes).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        for line in pool.imap(_sample_seeded, jobs):  # in the order asked, each as soon as it and those before end
            append_rows(path, [line])
    return len(jobs)


def read_counts(path: str) -> tuple[dict, dict, list[dict]]:
    """A stats.csv's counts: ``{(basis, p, q, d): [errors, shots]}`` (seeded rows included),
    ``{(basis, p, d): [errors, shots]}`` of the single-QPU merge, and the seeded rows (sorted), one per point and
    seed (two with one seed at one point are refused naming the file: the same shots twice). An absent or empty
    file holds none; a path that is no file path (a number, None) or a device is refused (see :func:`read_stats`)."""
    counts: dict[tuple, list[int]] = {}
    single: dict[tuple, list[int]] = {}
    seeded: dict[tuple, dict] = {}
    for s in read_stats(path):
        m = s.json_metadata
        if m.get("seam") == "one QPU":
            c = single.setdefault((m["basis"], m["p"], m["d"]), [0, 0])
        else:
            c = counts.setdefault((m["basis"], m["p"], m["q"], m["d"]), [0, 0])
        c[0] += s.errors
        c[1] += s.shots
        if "seed" in m:
            key = (m["basis"], m["p"], m["q"], m["d"], m["seed"])
            if key in seeded:
                raise ValueError(
                    f"{path} holds seed {m['seed']}'s shots twice at {where(*key[:4])} (to {seeded[key]['max_errors']}"
                    f" and to {m['max_errors']} errors): the same seed draws the same shots; keep one of the rows"
                )
            seeded[key] = {"basis": m["basis"], "p": m["p"], "q": m["q"], "d": m["d"], "seed": m["seed"],
                           "max_errors": m["max_errors"], "max_shots": m["max_shots"], "errors": s.errors,
                           "shots": s.shots}
    return counts, single, [seeded[k] for k in sorted(seeded)]


def seeded_text(seeded: Sequence[dict]) -> str:
    """The ``sampling`` words for the seeded top-ups, grouped by basis, seed and limits."""
    groups: dict[tuple, list[dict]] = {}
    for r in seeded:
        groups.setdefault((r["basis"], r["seed"], r["max_errors"], r["max_shots"]), []).append(r)
    joined = lambda values: ",".join(map(str, sorted(set(values))))  # noqa: E731
    return "; ".join(
        f"{basis} basis, p = {joined(r['p'] for r in rs)}, q = {joined(r['q'] for r in rs)}, "
        f"d = {joined(r['d'] for r in rs)}, seed {seed} to {e} errors or {n:.2g} shots"
        for (basis, seed, e, n), rs in sorted(groups.items()))


#: How a table's ``sampling`` words begin the list of its seeded top-ups (:func:`table_from_stats` replaces it).
SEEDED_WORDS = "; seeded top-ups (run --seed; the rows in 'seeded', counted in 'bases'): "


def table_from_stats(out: str | os.PathLike[str], like: dict[str, Any], *, sampling: str | None = None,
                     grid: TableGrid | None = None) -> dict[str, Any]:
    """The table of ``out``/stats.csv's counts, laid out as ``like`` (its grid, descriptions and parts).

    Args:
        out: The folder :func:`restore` (and :func:`top_up`) wrote.
        like: The table restored (its ``experiment``, ``basis_pairs`` and the parts' descriptions are kept).
        sampling: How the unseeded counts were sampled; None keeps ``like``'s words up to its seeded list.
        grid: The grid (None: ``like``'s).

    Returns:
        The table (write it with ``json.dump(table, f, separators=(",", ":"))``), its seeded rows listed under
        ``seeded`` and named in ``sampling``.
    """
    if grid is None:
        grid = grid_of(like, "the table")
    p_grid, q_grid, distances = grid
    counts, single, seeded = read_counts(stats_path(out))
    # A row off the grid would be left out of the table without a word (its shots lost): refuse it, naming it.
    off = sorted(k for k in counts
                 if k[1] not in p_grid or (k[2] not in q_grid and k[2] != 0.0) or k[3] not in distances)
    off += sorted(k for k in single if k[1] not in p_grid or k[2] not in distances)
    if off:
        raise ConfigError(f"{stats_path(out)} holds counts off the table's grid (p {list(p_grid)}, q {list(q_grid)}, d "
                          f"{list(distances)}) at {where(*off[0]) if len(off[0]) == 4 else off[0]} ({len(off)} such): "
                          "they would be left out; build with the table the statistics were restored from")
    if sampling is None:
        sampling = str(like.get("sampling", "")).split(SEEDED_WORDS)[0]
    table: dict[str, Any] = {k: like[k] for k in ("experiment", "generated_by", "basis_pairs") if k in like}
    table.update({"p_grid": list(p_grid), "q_grid": list(q_grid), "distances": list(distances),
                  "sampling": sampling + (SEEDED_WORDS + seeded_text(seeded) if seeded else "")})
    table["bases"] = {
        basis: {key: [[[counts.get((basis, p, q, d), [0, 0])[k] for d in distances] for q in q_grid] for p in p_grid]
                for k, key in enumerate(("errors", "shots"))} for basis in ("Z", "X")}
    perfect = {k: v for k, v in counts.items() if k[2] == 0.0}
    if perfect:
        table["perfect_pairs"] = {
            "experiment": "merge_circuit as above with perfect pairs (q = 0), sampled as single_qpu",
            **{basis: {key: [[perfect.get((basis, p, 0.0, d), [0, 0])[k] for d in distances] for p in p_grid]
                       for k, key in enumerate(("errors", "shots"))} for basis in ("Z", "X")},
        }
    if single:
        described = like.get("single_qpu", {})
        table["single_qpu"] = {
            "experiment": described.get("experiment", "merge_circuit as above with both patches on one QPU "
                                        "(interface=None: seam CNOTs local)"),
            **({"sampling": described["sampling"]} if "sampling" in described else {}),
            **{basis: {key: [[single.get((basis, p, d), [0, 0])[k] for d in distances] for p in p_grid]
                       for k, key in enumerate(("errors", "shots"))} for basis in ("Z", "X")},
        }
    if seeded:
        table["seeded"] = seeded
    return table


def grid_of(table: dict[str, Any], source: str) -> TableGrid:
    """A table's grid (p values, q values, distances), refused naming ``source`` and the key when it has none."""
    try:
        return (tuple(float(v) for v in table["p_grid"]), tuple(float(v) for v in table["q_grid"]),
                tuple(int(v) for v in table["distances"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: not a remote-model table (its grid: {exc})") from None


def restored_rows(table: dict[str, Any], source: str, grid: TableGrid | None = None) -> list[Any]:
    """The stats.csv rows of a table (sinter ``TaskStats``): each point's counts, less its seeded rows, under the
    strong id of today's task for it (:func:`strong_id`), and each seeded row under its own; points with no shots
    have no row. Refuses a table off ``grid`` (when given: a build on that grid would drop its other points) and
    counts that are not counts, naming ``source``, the key and the point."""
    import sinter

    own = grid_of(table, source)
    if grid is not None:
        for key, theirs, ours in zip(("p_grid", "q_grid", "distances"), own, grid):
            if [float(v) for v in theirs] != [float(v) for v in ours]:
                raise ConfigError(f"{source}: {key} {table.get(key)} is not this script's grid {list(ours)}: build "
                                  "would leave the other points out; restore it with the script it was built by")
    p_grid, q_grid, distances = own

    def count(value: object, at: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{source}: {at} holds {value!r}, not a count (an int >= 0)")
        return value

    def cell(part: dict, basis: str, key: str, index: tuple[int, ...], at: str) -> int:
        try:
            value: Any = part[basis][key]
            for i in index:
                value = value[i]
        except (KeyError, IndexError, TypeError):
            raise ConfigError(f"{source}: {at} has no {key} count (its {key} lists are shorter than the grid)") \
                from None
        return count(value, at)

    def row(circuit: Any, meta: dict, errors: int, shots: int, at: str) -> Any:
        if errors > shots:
            raise ConfigError(f"{source}: {at} has {errors} errors in {shots} shots")
        return sinter.TaskStats(strong_id=strong_id(circuit, meta), decoder="pymatching", json_metadata=meta,
                                shots=shots, errors=errors)

    rows, taken = [], {}
    for r in table.get("seeded", []):
        at = f"the seeded row {where(r['basis'], r['p'], r['q'], r['d'])}, seed {r['seed']}"
        e, n = count(r["errors"], at), count(r["shots"], at)
        circuit, _ = task(r["basis"], r["p"], r["q"], r["d"])
        meta = seeded_meta(r["basis"], r["p"], r["q"], r["d"], r["seed"], r["max_errors"], r["max_shots"])
        rows.append(row(circuit, meta, e, n, at))
        t = taken.setdefault((r["basis"], r["p"], r["q"], r["d"]), [0, 0])
        t[0], t[1] = t[0] + e, t[1] + n
    for basis in ("Z", "X"):
        for i, p in enumerate(p_grid):
            for j, q in enumerate(q_grid):
                for k, d in enumerate(distances):
                    at = f"bases.{basis} at {where(basis, p, q, d)}"
                    e = cell(table["bases"], basis, "errors", (i, j, k), at)
                    n = cell(table["bases"], basis, "shots", (i, j, k), at)
                    te, tn = taken.pop((basis, p, q, d), (0, 0))
                    if e < te or n < tn:
                        raise ConfigError(f"{source}: {at} holds {e} errors in {n} shots, fewer than its seeded "
                                          f"rows' {te} in {tn}")
                    if n - tn:
                        rows.append(row(*task(basis, p, q, d), e - te, n - tn, at))
    if taken:
        raise ConfigError(f"{source}: seeded rows off the grid: {sorted(taken)}")
    makers: tuple[tuple[str, Callable[..., Any]], ...] = (
        ("perfect_pairs", lambda b, p, d: task(b, p, 0.0, d)), ("single_qpu", single_qpu_task))
    for part, make in makers:
        for basis in ("Z", "X") if part in table else ():
            for i, p in enumerate(p_grid):
                for k, d in enumerate(distances):
                    at = f"{part}.{basis} at {where(basis, p, None, d)}"
                    e = cell(table[part], basis, "errors", (i, k), at)
                    n = cell(table[part], basis, "shots", (i, k), at)
                    if n:
                        rows.append(row(*make(basis, p, d), e, n, at))
    return rows


def restore(table_path: str | os.PathLike[str], out: str | os.PathLike[str], grid: TableGrid | None = None) -> int:
    """Writes ``out``/stats.csv from the table at ``table_path`` (:func:`restored_rows`).

    Returns:
        The rows written.

    Raises:
        ValueError: ``out``/stats.csv holds rows already (its counts and the table's would add up twice), or the
            table is not a table (off ``grid``, a count that is not one): the message names the file and the key.
    """
    from qnsim.qec.model import read_table

    path = stats_path(out)
    if os.path.exists(path) and os.path.getsize(path) > 0:
        raise ConfigError(f"{path} already holds statistics: restoring {os.fspath(table_path)} into it would count "
                          "the table's shots twice; restore into an empty --out (or move the file away)")
    rows = restored_rows(read_table(table_path), os.fspath(table_path), grid)
    append_rows(path, [r.to_csv_line() for r in rows])
    print(f"{len(rows)} rows ({sum(r.shots for r in rows):,} shots) from {os.fspath(table_path)} -> {path}", flush=True)
    return len(rows)
