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
import json
import math
import os

from qnsim import qec
from qnsim.qec import remote_table
from qnsim.qec.remote_table import single_qpu_task, stats_path, task

P_GRID, Q_GRID, DISTANCES = remote_table.SHIPPED_GRID
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


def run(args) -> None:
    os.makedirs(args.out, exist_ok=True)
    for name, chosen, grid in (("--ps", args.ps, P_GRID), ("--qs", args.qs, Q_GRID), ("--ds", args.ds, DISTANCES)):
        if chosen and not set(chosen) <= set(grid):
            raise SystemExit(f"{name} {sorted(set(chosen) - set(grid))} not on the grid {list(grid)}")
    if getattr(args, "seed", None) is not None:
        remote_table.top_up(args.out, [(basis, p, q, d) for basis in args.bases or ("Z", "X") for p in args.ps or P_GRID
                                       for q in args.qs or Q_GRID for d in args.ds or DISTANCES],
                            seed=args.seed, max_errors=args.max_errors, max_shots=int(args.max_shots),
                            workers=args.workers, grid=(P_GRID, Q_GRID, DISTANCES), source="this script")
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


#: The descriptions build writes into the table (the counts come from stats.csv).
LAYOUT = {
    "experiment": "merge_circuit, rotated code, rounds = d, teleported seam written as the gadget "
                  "(explicit=True; gadget noise = bulk), "
                  "uniform depolarizing bulk noise p (idle included), PyMatching",
    "generated_by": "bench/qec_remote_model.py",
    "basis_pairs": {"Z": "(1 - q, q, 0, 0): q = q_x", "X": "(1 - q, 0, 0, q): q = q_z"},
}


def build(args) -> None:
    counts, single, _ = remote_table.read_counts(stats_path(args.out))
    like = {**LAYOUT, "single_qpu": {
        "experiment": "merge_circuit as above with both patches on one QPU (interface=None: seam CNOTs local)",
        "sampling": "; ".join(f"p = {','.join(map(str, ps))}, d = {','.join(map(str, ds))} to {e} errors or "
                              f"{n:.2g} shots (the gadget's perfect pairs and smallest-q row alike)"
                              for ps, ds, e, n in BASELINE)}}
    sampling = ("each point to 300 errors or 4e5 shots, then topped up: " + "; ".join(map(_described, TOP_UPS))
                + ("; and q = 0.0005 as single_qpu's sampling" if single else ""))
    table = remote_table.table_from_stats(args.out, like, sampling=sampling, grid=(P_GRID, Q_GRID, DISTANCES))
    perfect = {k: v for k, v in counts.items() if k[2] == 0.0}
    counts = {k: v for k, v in counts.items() if k[2] != 0.0}
    with open(args.table, "w", encoding="utf-8") as f:
        json.dump(table, f, separators=(",", ":"))
        f.write("\n")
    from qnsim.qec.model import build_model

    model = build_model(table)
    bends = ", ".join(f"{basis} {model.bend.get(basis, 0.0):.3f} at the grid's mean ln q and ln p, "
                      f"{model.bend_slope.get(basis, 0.0):+.3f} per unit ln q, "
                      f"{model.bend_cross.get(basis, 0.0):+.3f} per unit ln q ln p" for basis in ("Z", "X"))
    print(f"table -> {os.path.relpath(args.table)}; bend (weight of ln d, a line in ln q whose slope is a line in "
          f"ln p, per basis): {bends}")
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
        crosses = [m.bend_cross.get(basis, 0.0) for m in refits]
        print(f"{basis} basis: bend c (weight of ln d) {model.bend.get(basis, 0.0):.3f} +- {np.std(bends):.3f} at the "
              f"grid's mean ln q, {model.bend_slope.get(basis, 0.0):+.3f} +- {np.std(slopes):.3f} per unit ln q, "
              f"{model.bend_cross.get(basis, 0.0):+.3f} +- {np.std(crosses):.3f} per unit ln q ln p")
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
    try:
        {"run": run, "topup": topup, "baseline": baseline, "build": build, "restore": restore}[args.command](args)
    except ValueError as exc:  # the library's refusals (qnsim.qec.remote_table): one line, naming file and key
        raise SystemExit(str(exc)) from None


def restore(args) -> None:
    """``restore``: ``--out``/stats.csv from ``--table`` (:func:`qnsim.qec.remote_table.restore`) on this script's
    grid (a table on another would lose its other points at the next build)."""
    remote_table.restore(args.table, args.out, grid=(P_GRID, Q_GRID, DISTANCES))


if __name__ == "__main__":
    main()
