"""Builds the remote-operation model shipped in python/qnsim/qec/data/remote_model.json.

Samples :func:`qnsim.qec.merge_circuit` (rotated, d merged rounds, seam CNOTs teleported and written as
the gadget itself, uniform depolarizing bulk p with the gadget's own noise) on a grid of bulk error p, seam error
rate q and d = 3, 5, 7, in both bases: the Z basis with pairs (1 - q, q, 0, 0) (X errors, rate q_x),
the X basis with pairs (1 - q, 0, 0, q) (Z errors, rate q_z). See :mod:`qnsim.qec.model` for how the
table is used. Sampling: ``qnsim.qec.collect`` (sinter + PyMatching, multi-core), each point
stopping at ``--max-errors`` errors or ``--max-shots`` shots; resumable (statistics stream to
``--out``/stats.csv). ``topup`` then adds shots where the estimator extrapolates thin data furthest (``TOP_UPS``:
p = 1e-4, the QRE presets' qubit_gate_ns_e4, whose lines are read at d = 21-29 by the README's estimate); sinter
adds them to the counts already in stats.csv. A ``run`` with ``--bases``/``--ps``/``--qs``/``--ds`` and other
limits tops up any other points the same way.

``restore`` rebuilds ``--out``/stats.csv from the shipped JSON (the statistics file is not kept): one sinter row per
point, labelled with the strong id of today's task for that point, so that a ``run``/``topup``/``baseline`` after it
continues the table's counts instead of starting over; a fresh file only (an existing one is refused: the counts
would be there twice), and only a table on this script's grid (a point off it would be dropped by ``build``). Its
rows are today's circuits' ids: restore a table only while the circuits are those it was sampled with
(tests/test_qec_audit14.py checks it against fresh merges).

``run --seed S`` samples in this process with :func:`qnsim.qec.sample_logical_error` instead of sinter (whose workers
seed themselves): each point's seed is derived from S and the point (:func:`point_seed`), so the same seeds give the
same counts and, built, the same table bit for bit. Each seeded point is its own row of stats.csv (its metadata names
the seed and the limits), and the table lists them (``seeded``), so a restored table knows them too. A seeded point
already in stats.csv is skipped when asked again with the same limits (its shots are not counted twice: a killed
run started again resumes this way) and refused with other limits (the same seed draws the same shots: they would
count twice); another seed adds new shots.

``baseline`` samples the same merge with both patches on one QPU (``interface=None``: the seam CNOTs local, no
gadget) and tops the gadget's near-perfect-pair row (the grid's smallest q) up to the same limits (``BASELINE``):
the estimator prices a remote operation as the gadget merge with the pairs minus this single-QPU merge, so the
gadget's own CNOTs and measurements are charged (:mod:`qnsim.qec.model`).

    python bench/qec_remote_model.py run [--workers 2]
    python bench/qec_remote_model.py topup [--workers 2]
    python bench/qec_remote_model.py baseline [--workers 2]   # the single-QPU merge (BASELINE), ~5 min CPU
    python bench/qec_remote_model.py run --ps 3e-4 --ds 7 --bases Z --max-shots 2e7 --max-errors 1000
    python bench/qec_remote_model.py build [--bootstrap 300]   # writes the JSON table, prints the bend, residuals
                                                                # and (--bootstrap) the fitted lines' standard errors
    python bench/qec_remote_model.py restore --out DIR          # DIR/stats.csv from the shipped table, then:
    python bench/qec_remote_model.py run --out DIR --seed 15 --bases Z --ps 2e-3 --qs 0.04 --max-errors 2000
    python bench/qec_remote_model.py build --out DIR            # the table with the seeded shots added
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import math
import os

from qnsim import qec

P_GRID = (1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 6e-3)
Q_GRID = (0.0005, 0.002, 0.006, 0.01, 0.02, 0.04, 0.06, 0.1, 0.15)
DISTANCES = (3, 5, 7)
#: The shipped table's extra shots, as (bases, ps, qs, ds, max_errors, max_shots), run in order after the grid:
#: without them the X basis at p = 1e-4 had 5-6 errors at d = 5 on one node and none elsewhere (1 in 30 resampled
#: tables had no fit there at all), and the README's estimate moved between d = 25 and 29 from resampling alone.
TOP_UPS = (
    (("Z",), (1e-4,), (0.01, 0.02, 0.04), (7,), 300, 16_000_000),
    (("Z",), (1e-4,), Q_GRID, (3, 5), 1000, 12_000_000),
    (("X",), (1e-4,), (0.04, 0.06, 0.1, 0.15), (5,), 100, 4_000_000),
    (("Z",), (1e-4,), (0.006,), (7,), 100, 8_000_000),
    (("Z",), (1e-4,), (0.01, 0.02), (7,), 600, 32_000_000),
)
#: The single-QPU merge's sampling (and the gadget's smallest-q row's top-up), as (ps, ds, max_errors, max_shots):
#: the gadget's own cost is ~10-15% of the merge's failures, so both sides need ~1000 errors to resolve it; rows
#: whose rates are too small for that here (p = 3e-4 at d = 7, p = 1e-4 at d = 5, 7) are not sampled, and the model
#: extrapolates them (and says so).
BASELINE = (
    ((2e-3, 3e-3, 6e-3), DISTANCES, 1000, 2_000_000),
    ((1e-3,), DISTANCES, 1000, 2_000_000),
    ((3e-4,), (3, 5), 1000, 4_000_000),
    ((1e-4,), (3,), 1000, 8_000_000),
)
HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, "..", "python", "qnsim", "qec", "data", "remote_model.json")


def pairs(basis: str, q: float) -> tuple[float, float, float, float]:
    return (1 - q, q, 0.0, 0.0) if basis == "Z" else (1 - q, 0.0, 0.0, q)


@functools.lru_cache(maxsize=None)
def task(basis: str, p: float, q: float, d: int):
    """One grid point's merge and its metadata (sinter tells the tasks apart by it); built once per process (a
    restore asks every point's, a test restores several tables of one grid). Neither is changed by its users."""
    c = qec.merge_circuit(d, d, basis, noise=qec.NoiseModel.uniform_depolarizing(p),
                          interface=qec.Interface.teleported(pairs(basis, q), explicit=True))
    return c, task_meta(basis, p, q, d)


@functools.lru_cache(maxsize=None)
def single_qpu_task(basis: str, p: float, d: int):
    """The merge with both patches on one QPU: its metadata has no q and names the seam."""
    c = qec.merge_circuit(d, d, basis, noise=qec.NoiseModel.uniform_depolarizing(p), interface=None)
    return c, {"basis": basis, "p": p, "d": d, "rounds": d, "seam": "one QPU"}


def tasks(bases=("Z", "X"), ps=P_GRID, qs=Q_GRID, ds=DISTANCES):
    for basis in bases:
        for p in ps:
            for q in qs:
                for d in ds:
                    yield task(basis, p, q, d)


def single_qpu_tasks(bases=("Z", "X"), ps=P_GRID, ds=DISTANCES):
    for basis in bases:
        for p in ps:
            for d in ds:
                yield single_qpu_task(basis, p, d)


_STRONG_IDS: dict[tuple[str, str], str] = {}


def strong_id(circuit, meta: dict) -> str:
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


def point_seed(seed: int, basis: str, p: float, q: float, d: int) -> int:
    """The seed of one point of a ``run --seed`` (an int below 2**64): a hash of the run's seed and the point, so
    the points of one run draw independent shots and the same run draws the same ones."""
    text = json.dumps([seed, basis, p, q, d])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _stats_path(out: str) -> str:
    return os.path.join(out, "stats.csv")


def _read_stats(path: str) -> list:
    """The rows of a stats.csv (none when it is absent or empty), read as sinter reads them (one per strong id)."""
    import sinter

    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return []
    return list(sinter.read_stats_from_csv_files(path))


def _append_rows(path: str, lines: list[str]) -> None:
    """Appends CSV lines to a stats.csv, writing sinter's header first into a new or empty file."""
    import sinter

    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fresh = not os.path.exists(path) or os.path.getsize(path) == 0
    with open(path, "a", encoding="utf-8") as f:
        if fresh:
            f.write(sinter.CSV_HEADER + "\n")
        for line in lines:
            f.write(line + "\n")


def _where(basis: str, p: float, q: float | None, d: int) -> str:
    return f"{basis} basis, p = {p:g}{'' if q is None else f', q = {q:g}'}, d = {d}"


def _seeded_meta(basis: str, p: float, q: float, d: int, seed: int, max_errors: int, max_shots: int) -> dict:
    """A seeded point's metadata: the grid task's, the run's seed and its limits (so its strong id is its own)."""
    return {**task_meta(basis, p, q, d), "seed": seed, "max_errors": max_errors, "max_shots": max_shots}


def task_meta(basis: str, p: float, q: float, d: int) -> dict:
    """The metadata :func:`task` gives a grid point (without building its circuit)."""
    return {"basis": basis, "p": p, "q": q, "d": d, "rounds": d}


def _sample_seeded(job: tuple) -> str:
    """Samples one seeded point (a process of ``run --seed``) and returns its stats.csv line."""
    import sinter

    basis, p, q, d, seed, max_errors, max_shots, resume_dir = job
    circuit, _ = task(basis, p, q, d)
    est = qec.sample_logical_error(circuit, max_shots=max_shots, max_errors=max_errors,
                                   seed=point_seed(seed, basis, p, q, d), rounds=d, resume_dir=resume_dir)
    meta = _seeded_meta(basis, p, q, d, seed, max_errors, max_shots)
    row = sinter.TaskStats(strong_id=strong_id(circuit, meta), decoder="pymatching", json_metadata=meta,
                           shots=est.shots, errors=est.errors, seconds=est.seconds)
    print(f"{_where(basis, p, q, d)}, seed {seed}: {est.errors} errors in {est.shots} shots ({est.seconds:.0f} s)",
          flush=True)
    return row.to_csv_line()


def seeded_run(args, points: list[tuple[str, float, float, int]]) -> None:
    """``run --seed``: samples each point with its own seed (:func:`point_seed`) and appends its row to stats.csv
    once it is done. A point whose seeded row is already there is skipped when the limits are the same (not counted
    twice) and refused when they differ (the same seed's shots would be counted twice)."""
    from qnsim.specs import check_seed

    seed = check_seed("--seed", args.seed)
    max_errors, max_shots = int(args.max_errors), int(args.max_shots)
    path = _stats_path(args.out)
    held = {}
    for s in _read_stats(path):
        m = s.json_metadata
        if isinstance(m, dict) and "seed" in m:
            held[(m["basis"], m["p"], m["q"], m["d"], m["seed"])] = m
    jobs = []
    for basis, p, q, d in points:
        old = held.get((basis, p, q, d, seed))
        if old is None:
            jobs.append((basis, p, q, d, seed, max_errors, max_shots, os.path.join(args.out, "seeded_shots")))
        elif (old["max_errors"], old["max_shots"]) == (max_errors, max_shots):
            print(f"skipped {_where(basis, p, q, d)}: {path} already holds seed {seed}'s shots there (to "
                  f"{max_errors} errors or {max_shots} shots); they are not counted twice", flush=True)
        else:
            raise SystemExit(
                f"{path} already holds seed {seed}'s shots at {_where(basis, p, q, d)} (to {old['max_errors']} "
                f"errors or {old['max_shots']} shots, asked now to {max_errors} or {max_shots}): the same seed "
                "draws the same shots, which would be counted twice; give another --seed"
            )
    print(f"{len(jobs)} seeded points -> {path}", flush=True)
    if args.workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            _append_rows(path, [_sample_seeded(job)])
        return
    import multiprocessing
    import signal
    import sys

    # A kill (SIGTERM) of this process left the pool's workers sampling on their own: exit through the pool's
    # context, which terminates them (the finished points are in stats.csv, the running ones' batches in
    # seeded_shots/, so the same command resumes).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        for line in pool.imap(_sample_seeded, jobs):  # in the order asked, each as soon as it and those before end
            _append_rows(path, [line])


def run(args) -> None:
    os.makedirs(args.out, exist_ok=True)
    for name, chosen, grid in (("--ps", args.ps, P_GRID), ("--qs", args.qs, Q_GRID), ("--ds", args.ds, DISTANCES)):
        if chosen and not set(chosen) <= set(grid):
            raise SystemExit(f"{name} {sorted(set(chosen) - set(grid))} not on the grid {list(grid)}")
    if getattr(args, "seed", None) is not None:
        seeded_run(args, [(basis, p, q, d) for basis in args.bases or ("Z", "X") for p in args.ps or P_GRID
                          for q in args.qs or Q_GRID for d in args.ds or DISTANCES])
        return
    all_tasks = list(tasks(args.bases or ("Z", "X"), args.ps or P_GRID, args.qs or Q_GRID, args.ds or DISTANCES))
    print(f"{len(all_tasks)} tasks -> {args.out}/stats.csv (resumable)", flush=True)
    qec.collect(all_tasks, max_shots=int(args.max_shots), max_errors=args.max_errors, num_workers=args.workers,
                save_resume_filepath=os.path.join(args.out, "stats.csv"), print_progress=args.progress)


def topup(args) -> None:
    for bases, ps, qs, ds, max_errors, max_shots in TOP_UPS:
        run(argparse.Namespace(**{**vars(args), "bases": bases, "ps": ps, "qs": qs, "ds": ds, "max_errors": max_errors,
                                  "max_shots": max_shots}))


def baseline(args) -> None:
    os.makedirs(args.out, exist_ok=True)
    for ps, ds, max_errors, max_shots in BASELINE:
        all_tasks = list(single_qpu_tasks(args.bases or ("Z", "X"), ps, ds))
        all_tasks += list(tasks(args.bases or ("Z", "X"), ps, (0.0, Q_GRID[0]), ds))
        print(f"{len(all_tasks)} tasks (p = {ps}, d = {ds}) -> {args.out}/stats.csv (resumable)", flush=True)
        qec.collect(all_tasks, max_shots=max_shots, max_errors=max_errors, num_workers=args.workers,
                    save_resume_filepath=os.path.join(args.out, "stats.csv"), print_progress=args.progress)


def _described(top_up) -> str:
    bases, ps, qs, ds, max_errors, max_shots = top_up
    joined = lambda values: ",".join(map(str, values))  # noqa: E731
    return (f"{joined(bases)} basis, p = {joined(ps)}, q = {'all' if qs == Q_GRID else joined(qs)}, d = {joined(ds)} "
            f"to {max_errors} errors or {max_shots:.2g} shots")


def _seeded_text(seeded: list[dict]) -> str:
    """The ``sampling`` words for the seeded top-ups, grouped by basis, seed and limits."""
    groups: dict[tuple, list[dict]] = {}
    for r in seeded:
        groups.setdefault((r["basis"], r["seed"], r["max_errors"], r["max_shots"]), []).append(r)
    joined = lambda values: ",".join(map(str, sorted(set(values))))  # noqa: E731
    return "; ".join(
        f"{basis} basis, p = {joined(r['p'] for r in rs)}, q = {joined(r['q'] for r in rs)}, "
        f"d = {joined(r['d'] for r in rs)}, seed {seed} to {e} errors or {n:.2g} shots"
        for (basis, seed, e, n), rs in sorted(groups.items()))


def read_counts(path: str) -> tuple[dict, dict, list[dict]]:
    """A stats.csv's counts: ``{(basis, p, q, d): [errors, shots]}`` (seeded rows included),
    ``{(basis, p, d): [errors, shots]}`` of the single-QPU merge, and the seeded rows (sorted), one per point and
    seed (two with one seed at one point are refused: the same shots twice)."""
    counts: dict[tuple, list[int]] = {}
    single: dict[tuple, list[int]] = {}
    seeded: dict[tuple, dict] = {}
    for s in _read_stats(path):
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
                raise SystemExit(
                    f"{path} holds seed {m['seed']}'s shots twice at {_where(*key[:4])} (to {seeded[key]['max_errors']}"
                    f" and to {m['max_errors']} errors): the same seed draws the same shots; keep one of the rows"
                )
            seeded[key] = {"basis": m["basis"], "p": m["p"], "q": m["q"], "d": m["d"], "seed": m["seed"],
                           "max_errors": m["max_errors"], "max_shots": m["max_shots"], "errors": s.errors,
                           "shots": s.shots}
    return counts, single, [seeded[k] for k in sorted(seeded)]


def build(args) -> None:
    counts, single, seeded = read_counts(_stats_path(args.out))
    bases = {}
    for basis in ("Z", "X"):
        errors = [[[counts.get((basis, p, q, d), [0, 0])[0] for d in DISTANCES] for q in Q_GRID] for p in P_GRID]
        shots = [[[counts.get((basis, p, q, d), [0, 0])[1] for d in DISTANCES] for q in Q_GRID] for p in P_GRID]
        bases[basis] = {"errors": errors, "shots": shots}
    table = {
        "experiment": "merge_circuit, rotated code, rounds = d, teleported seam written as the gadget "
                      "(explicit=True; gadget noise = bulk), "
                      "uniform depolarizing bulk noise p (idle included), PyMatching",
        "generated_by": "bench/qec_remote_model.py",
        "basis_pairs": {"Z": "(1 - q, q, 0, 0): q = q_x", "X": "(1 - q, 0, 0, q): q = q_z"},
        "p_grid": list(P_GRID),
        "q_grid": list(Q_GRID),
        "distances": list(DISTANCES),
        "sampling": "each point to 300 errors or 4e5 shots, then topped up: " + "; ".join(map(_described, TOP_UPS))
                    + ("; and q = 0.0005 as single_qpu's sampling" if single else "")
                    + ("; seeded top-ups (run --seed; the rows in 'seeded', counted in 'bases'): "
                       + _seeded_text(seeded) if seeded else ""),
        "bases": bases,
    }
    perfect = {k: v for k, v in counts.items() if k[2] == 0.0}
    counts = {k: v for k, v in counts.items() if k[2] != 0.0}
    if perfect:
        table["perfect_pairs"] = {
            "experiment": "merge_circuit as above with perfect pairs (q = 0), sampled as single_qpu",
            **{basis: {key: [[perfect.get((basis, p, 0.0, d), [0, 0])[k] for d in DISTANCES] for p in P_GRID]
                       for k, key in enumerate(("errors", "shots"))} for basis in ("Z", "X")},
        }
    if single:
        table["single_qpu"] = {
            "experiment": "merge_circuit as above with both patches on one QPU (interface=None: seam CNOTs local)",
            "sampling": "; ".join(f"p = {','.join(map(str, ps))}, d = {','.join(map(str, ds))} to {e} errors or "
                                  f"{n:.2g} shots (the gadget's perfect pairs and smallest-q row alike)"
                                  for ps, ds, e, n in BASELINE),
            **{basis: {key: [[single.get((basis, p, d), [0, 0])[k] for d in DISTANCES] for p in P_GRID]
                       for k, key in enumerate(("errors", "shots"))} for basis in ("Z", "X")},
        }
    if seeded:
        table["seeded"] = seeded
    with open(args.table, "w", encoding="utf-8") as f:
        json.dump(table, f, separators=(",", ":"))
        f.write("\n")
    from qnsim.qec.model import build_model

    model = build_model(table)
    print(f"table -> {os.path.relpath(args.table)}; bend (weight of ln d, a line in ln q per basis): "
          + ", ".join(f"{basis} {model.bend.get(basis, 0.0):.3f} at the grid's mean ln q, "
                      f"{model.bend_slope.get(basis, 0.0):+.3f} per unit ln q" for basis in ("Z", "X")))
    print("fit vs measured (rate per operation; the model's z and its stated standard error of ln P):")
    print(f"{'basis':>5} {'p':>7} {'q':>7} {'d':>2} {'errors':>7} {'shots':>9} {'measured':>10} {'model':>10} {'z':>6}"
          f" {'sd':>6}")
    for (basis, p, q, d), (e, n) in sorted(counts.items()):
        fit = math.exp(model.log_error(basis, d, p, q))
        z = (e - n * fit) / math.sqrt(max(n * fit * (1 - fit), 1e-12))
        sd = model.log_error_sd(basis, d, p, q)
        print(f"{basis:>5} {p:>7g} {q:>7g} {d:>2} {e:>7} {n:>9} {e / n:>10.3e} {fit:>10.3e} {z:>6.1f} {sd:>6.3f}")
    if single:
        print("single-QPU merge: measured rate, the gadget's (smallest q) over it, and the model's cost per p")
        print(f"{'basis':>5} {'p':>7} {'d':>2} {'errors':>7} {'shots':>9} {'single':>10} {'gadget':>10} {'ratio':>14}"
              f" {'model':>6}")
        for (basis, p, d), (e, n) in sorted(single.items()):
            eg, ng = counts.get((basis, p, Q_GRID[0], d), [0, 0])
            ratio = (eg / ng) / (e / n) if e and eg else math.nan
            sd = math.sqrt(1 / e + 1 / eg) if e and eg else math.nan
            g0, g1 = model.gadget_cost[basis][P_GRID.index(p)]
            cost = math.exp(max(0.0, g0 + g1 * (d + 1) / 2))
            print(f"{basis:>5} {p:>7g} {d:>2} {e:>7} {n:>9} {e / n:>10.3e} {eg / max(ng, 1):>10.3e} "
                  f"{ratio:>7.3f}+-{ratio * sd:5.3f} {cost:>6.3f}")
        for basis in ("Z", "X"):
            for p, (g0, g1), why in zip(P_GRID, model.gadget_cost[basis], model.single_thin[basis]):
                print(f"{basis} p = {p:g}: gadget cost x{math.exp(max(0.0, g0 + 2 * g1)):.3f} at d = 3, "
                      f"x{math.exp(max(0.0, g0 + 13 * g1)):.3f} at d = 25 (extrapolated){'; ' + why if why else ''}")
    if perfect:
        print("perfect pairs' merge: measured rate, the model's (linear in q below the smallest q), single-QPU model")
        for (basis, p, _q, d), (e, n) in sorted(perfect.items()):
            fit = model.error(basis, d, p, 0.0)
            single_fit = math.exp(model.log_single_qpu_error(basis, d, p))
            z = (e - n * fit) / math.sqrt(max(n * fit * (1 - fit), 1e-12))
            print(f"{basis:>5} {p:>7g} {d:>2} {e:>7} {n:>9} {e / n:>10.3e} {fit:>10.3e} {single_fit:>10.3e} {z:>6.1f}")
        for basis in ("Z", "X"):
            for p, why in zip(P_GRID, model.perfect_thin[basis]):
                if why:
                    print(f"{basis} p = {p:g}: {why}")
    if args.bootstrap:
        bootstrap(table, args.bootstrap)


def bootstrap(table: dict, resamples: int, seed: int = 1) -> None:
    """Standard errors of the fitted lines from the counts: refits ``resamples`` tables whose error counts are
    binomial draws at the measured rates (a point with no errors stays at none) and prints, per node, the
    slope ``b`` (log P per unit of (d + 1) / 2) and log10 P at d = 7 (sampled) and d = 29 (extrapolated) with the
    spread of the refits."""
    import numpy as np

    from qnsim.qec.model import build_model

    rng = np.random.default_rng(seed)
    model = build_model(table)
    refits, unfitted = [], 0
    for _ in range(resamples):
        bases = {}
        for basis, counts in table["bases"].items():
            e = np.array(counts["errors"], dtype=np.int64)
            n = np.array(counts["shots"], dtype=np.int64)
            drawn = rng.binomial(n, np.where(n > 0, e / np.maximum(n, 1), 0.0))
            bases[basis] = {"errors": drawn.tolist(), "shots": counts["shots"]}
        try:
            refits.append(build_model({**table, "bases": bases}))
        except ValueError:  # a whole row of a basis fell below the fit's minimum count: the row is that thin
            unfitted += 1
    print(f"bootstrap over {resamples} resampled tables: slope b (log P per unit (d+1)/2) and log10 P, "
          "value +- standard error")
    if unfitted:
        print(f"{unfitted} of the {resamples} resampled tables had a row with no fit at all (left out of the spread)")
    for basis in ("Z", "X"):
        bends = [m.bend.get(basis, 0.0) for m in refits]
        slopes = [m.bend_slope.get(basis, 0.0) for m in refits]
        print(f"{basis} basis: bend c (weight of ln d) {model.bend.get(basis, 0.0):.3f} +- {np.std(bends):.3f} at the "
              f"grid's mean ln q, {model.bend_slope.get(basis, 0.0):+.3f} +- {np.std(slopes):.3f} per unit ln q")
    print(f"{'basis':>5} {'p':>7} {'q':>7} {'b':>15} {'sd ln P at d = 3, 5, 7':>24} {'log10 P(d=7)':>15} "
          f"{'log10 P(d=29)':>15}")
    ln10 = math.log(10)
    spreads: dict[int, list[float]] = {3: [], 5: [], 7: []}
    for basis in ("Z", "X"):
        for i, p in enumerate(model.p_grid):
            for j, q in enumerate(model.q_grid):
                b = [m.slope[basis][i][j] for m in refits]
                sd = {d: float(np.std([m.log_error(basis, d, p, q) for m in refits])) for d in (3, 5, 7)}
                if not model.thin[basis][i][j]:
                    for d, v in sd.items():
                        spreads[d].append(v)
                at7 = [m.log_error(basis, 7, p, q) / ln10 for m in refits]
                at29 = [m.log_error(basis, 29, p, q) / ln10 for m in refits]
                print(f"{basis:>5} {p:>7g} {q:>7g} {model.slope[basis][i][j]:>8.3f} +-{np.std(b):5.3f} "
                      f"{sd[3]:>8.3f} {sd[5]:>6.3f} {sd[7]:>6.3f} "
                      f"{model.log_error(basis, 7, p, q) / ln10:>8.3f} +-{np.std(at7):5.3f} "
                      f"{model.log_error(basis, 29, p, q) / ln10:>8.3f} +-{np.std(at29):5.3f}")
    for d, v in spreads.items():
        print(f"d = {d}: standard error of ln P at the {len(v)} nodes that rest on every distance: median "
              f"{np.median(v):.3f}, 90th percentile {np.percentile(v, 90):.3f}, largest {max(v):.3f}")


def restored_rows(table: dict, source: str) -> list:
    """The stats.csv rows of a table (sinter ``TaskStats``): each point's counts, less its seeded rows, under the
    strong id of today's task for it (:func:`strong_id`), and each seeded row under its own; points with no shots
    have no row. Refuses a table off this script's grid (``build`` would drop its other points) and counts that
    are not counts, naming ``source`` and the point."""
    import sinter

    for key, grid in (("p_grid", P_GRID), ("q_grid", Q_GRID), ("distances", DISTANCES)):
        if [float(v) for v in table.get(key, [])] != [float(v) for v in grid]:
            raise SystemExit(f"{source}: {key} {table.get(key)} is not this script's grid {list(grid)}: build would "
                             "leave the other points out; restore it with the script it was built by")

    def count(value, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SystemExit(f"{source}: {where} holds {value!r}, not a count (an int >= 0)")
        return value

    def row(circuit, meta: dict, errors: int, shots: int, where: str):
        if errors > shots:
            raise SystemExit(f"{source}: {where} has {errors} errors in {shots} shots")
        return sinter.TaskStats(strong_id=strong_id(circuit, meta), decoder="pymatching", json_metadata=meta,
                                shots=shots, errors=errors)

    rows, taken = [], {}
    for r in table.get("seeded", []):
        where = f"the seeded row {_where(r['basis'], r['p'], r['q'], r['d'])}, seed {r['seed']}"
        e, n = count(r["errors"], where), count(r["shots"], where)
        circuit, _ = task(r["basis"], r["p"], r["q"], r["d"])
        meta = _seeded_meta(r["basis"], r["p"], r["q"], r["d"], r["seed"], r["max_errors"], r["max_shots"])
        rows.append(row(circuit, meta, e, n, where))
        t = taken.setdefault((r["basis"], r["p"], r["q"], r["d"]), [0, 0])
        t[0], t[1] = t[0] + e, t[1] + n
    for basis in ("Z", "X"):
        for i, p in enumerate(P_GRID):
            for j, q in enumerate(Q_GRID):
                for k, d in enumerate(DISTANCES):
                    where = f"bases.{basis} at {_where(basis, p, q, d)}"
                    e = count(table["bases"][basis]["errors"][i][j][k], where)
                    n = count(table["bases"][basis]["shots"][i][j][k], where)
                    te, tn = taken.pop((basis, p, q, d), (0, 0))
                    if e < te or n < tn:
                        raise SystemExit(f"{source}: {where} holds {e} errors in {n} shots, fewer than its seeded "
                                         f"rows' {te} in {tn}")
                    if n - tn:
                        rows.append(row(*task(basis, p, q, d), e - te, n - tn, where))
    if taken:
        raise SystemExit(f"{source}: seeded rows off the grid: {sorted(taken)}")
    for part, make in (("perfect_pairs", lambda b, p, d: task(b, p, 0.0, d)), ("single_qpu", single_qpu_task)):
        for basis in ("Z", "X") if part in table else ():
            for i, p in enumerate(P_GRID):
                for k, d in enumerate(DISTANCES):
                    where = f"{part}.{basis} at {_where(basis, p, None, d)}"
                    e = count(table[part][basis]["errors"][i][k], where)
                    n = count(table[part][basis]["shots"][i][k], where)
                    if n:
                        rows.append(row(*make(basis, p, d), e, n, where))
    return rows


def restore(args) -> None:
    """``restore``: writes ``--out``/stats.csv from ``--table`` (:func:`restored_rows`); refuses a stats.csv that
    holds rows already (its counts and the table's would add up twice)."""
    from qnsim.qec.model import read_table

    path = _stats_path(args.out)
    if os.path.exists(path) and os.path.getsize(path) > 0:
        raise SystemExit(f"{path} already holds statistics: restoring {args.table} into it would count the table's "
                         "shots twice; restore into an empty --out (or move the file away)")
    rows = restored_rows(read_table(args.table), args.table)
    _append_rows(path, [r.to_csv_line() for r in rows])
    print(f"{len(rows)} rows ({sum(r.shots for r in rows):,} shots) from {args.table} -> {path}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["run", "topup", "baseline", "build", "restore"])
    parser.add_argument("--out", default=os.path.join(HERE, "results", "qec_remote_model"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-errors", type=int, default=300)
    parser.add_argument("--max-shots", type=float, default=400_000)
    parser.add_argument("--bases", nargs="+", choices=["Z", "X"], help="run only these bases")
    parser.add_argument("--ps", nargs="+", type=float, help="run only these bulk errors p (grid values)")
    parser.add_argument("--qs", nargs="+", type=float, help="run only these seam error rates q (grid values)")
    parser.add_argument("--ds", nargs="+", type=int, help="run only these distances (grid values)")
    parser.add_argument("--bootstrap", type=int, default=0, metavar="N",
                        help="build: also print the fitted lines' standard errors from N resampled tables")
    parser.add_argument("--progress", action="store_true")
    parser.add_argument("--seed", type=int, help="run: sample in this process with seeds derived from this one "
                        "(repeatable; see the module docstring) instead of sinter")
    parser.add_argument("--table", default=TABLE, help="restore: the table read; build: the table written "
                        "(default: the shipped one)")
    args = parser.parse_args(argv)
    {"run": run, "topup": topup, "baseline": baseline, "build": build, "restore": restore}[args.command](args)


if __name__ == "__main__":
    main()
