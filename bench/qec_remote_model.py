"""Builds the remote-operation model shipped in python/qnsim/qec/data/remote_model.json.

Samples :func:`qnsim.qec.merge_circuit` (rotated, d merged rounds, seam CNOTs teleported and written as
the gadget itself, uniform depolarizing bulk p with the gadget's own noise) on a grid of bulk error p, seam error
rate q and d = 3, 5, 7, in both bases: the Z basis with pairs (1 - q, q, 0, 0) (X errors, rate q_x),
the X basis with pairs (1 - q, 0, 0, q) (Z errors, rate q_z). See :mod:`qnsim.qec.model` for how the
table is used. Sampling: ``qnsim.qec.collect`` (sinter + PyMatching, multi-core), each point
stopping at ``--max-errors`` errors or ``--max-shots`` shots; resumable (statistics stream to
``--out``/stats.csv).

    python bench/qec_remote_model.py run [--workers 2]
    python bench/qec_remote_model.py build      # writes the JSON table and prints the fit residuals
"""

from __future__ import annotations

import argparse
import json
import math
import os

from qnsim import qec

P_GRID = (1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 6e-3)
Q_GRID = (0.0005, 0.002, 0.006, 0.01, 0.02, 0.04, 0.06, 0.1, 0.15)
DISTANCES = (3, 5, 7)
HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, "..", "python", "qnsim", "qec", "data", "remote_model.json")


def pairs(basis: str, q: float) -> tuple[float, float, float, float]:
    return (1 - q, q, 0.0, 0.0) if basis == "Z" else (1 - q, 0.0, 0.0, q)


def tasks():
    for basis in ("Z", "X"):
        for p in P_GRID:
            for q in Q_GRID:
                for d in DISTANCES:
                    c = qec.merge_circuit(d, d, basis, noise=qec.NoiseModel.uniform_depolarizing(p),
                                          interface=qec.Interface.teleported(pairs(basis, q), explicit=True))
                    yield c, {"basis": basis, "p": p, "q": q, "d": d, "rounds": d}


def run(args) -> None:
    os.makedirs(args.out, exist_ok=True)
    all_tasks = list(tasks())
    print(f"{len(all_tasks)} tasks -> {args.out}/stats.csv (resumable)", flush=True)
    qec.collect(all_tasks, max_shots=args.max_shots, max_errors=args.max_errors, num_workers=args.workers,
                save_resume_filepath=os.path.join(args.out, "stats.csv"), print_progress=args.progress)


def build(args) -> None:
    import sinter

    counts: dict[tuple, list[int]] = {}
    for s in sinter.read_stats_from_csv_files(os.path.join(args.out, "stats.csv")):
        m = s.json_metadata
        key = (m["basis"], m["p"], m["q"], m["d"])
        c = counts.setdefault(key, [0, 0])
        c[0] += s.errors
        c[1] += s.shots
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
        "bases": bases,
    }
    with open(TABLE, "w", encoding="utf-8") as f:
        json.dump(table, f, separators=(",", ":"))
        f.write("\n")
    from qnsim.qec.model import build_model

    model = build_model(table)
    print(f"table -> {os.path.relpath(TABLE)}; fit vs measured (rate per operation):")
    print(f"{'basis':>5} {'p':>7} {'q':>7} {'d':>2} {'errors':>7} {'shots':>9} {'measured':>10} {'model':>10} {'z':>6}")
    for (basis, p, q, d), (e, n) in sorted(counts.items()):
        fit = math.exp(model.log_error(basis, d, p, q))
        z = (e - n * fit) / math.sqrt(max(n * fit * (1 - fit), 1e-12))
        print(f"{basis:>5} {p:>7g} {q:>7g} {d:>2} {e:>7} {n:>9} {e / n:>10.3e} {fit:>10.3e} {z:>6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["run", "build"])
    parser.add_argument("--out", default=os.path.join(HERE, "results", "qec_remote_model"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-errors", type=int, default=300)
    parser.add_argument("--max-shots", type=int, default=400_000)
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args()
    run(args) if args.command == "run" else build(args)


if __name__ == "__main__":
    main()
