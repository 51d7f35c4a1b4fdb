"""Sampling throughput on qnsim.qec circuits: qnsim's entry points vs plain sinter, side by side.

Target (issue 10): throughput equal to plain ``sinter`` on the same circuits, i.e. no overhead of
ours in the hot loop. Three comparisons, each on the same circuits, medians of ``--repeats`` runs:

1. ``qnsim.qec.collect`` (the multi-core path) vs ``sinter.collect`` called directly, both with
   ``--workers`` processes and a fixed number of shots per circuit (no error-based stop, so both
   do identical work).
2. ``qnsim.qec.sample_logical_error`` (the seeded in-process path that sweep points run) vs
   ``sinter.collect`` with one worker: the same work on one core.

Shots per second = total shots / wall-clock seconds (sinter's process start-up included in both).

    python bench/qec_throughput.py [--shots 200000] [--repeats 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import statistics
import time

import sinter

from qnsim import qec


def circuits():
    noise = qec.NoiseModel.uniform_depolarizing(1e-3)
    out = []
    for d in (5, 7):
        c = qec.memory_circuit(d, d, "Z", noise=noise, interface=qec.Interface.werner(0.05))
        out.append((c, {"d": d, "rounds": d, "kind": "memory"}))
        c = qec.merge_circuit(d, d, "Z", noise=noise, interface=qec.Interface.werner(0.05))
        out.append((c, {"d": d, "rounds": d, "kind": "merge"}))
    return out


def plain_sinter(tasks, shots, workers):
    stats = sinter.collect(
        num_workers=workers,
        tasks=[sinter.Task(circuit=c, json_metadata=m) for c, m in tasks],
        decoders=["pymatching"],
        max_shots=shots,
    )
    return sum(s.shots for s in stats)


def ours_collect(tasks, shots, workers):
    return sum(e.shots for e in qec.collect(tasks, max_shots=shots, num_workers=workers))


def ours_seeded(tasks, shots, workers):
    return sum(qec.sample_logical_error(c, max_shots=shots, seed=1, rounds=m["rounds"]).shots for c, m in tasks)


def timed(fn, *args):
    start = time.perf_counter()
    n = fn(*args)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=200_000, help="shots per circuit")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    tasks = circuits()
    print(f"{len(tasks)} circuits (memory and merge, d = 5, 7, teleported seam, Werner 5%, bulk 1e-3), "
          f"{args.shots} shots each, {args.repeats} repeats; shots per second, median")
    rows = [
        ("qnsim.qec.collect", ours_collect, args.workers, "sinter.collect", plain_sinter, args.workers),
        ("qnsim.qec.sample_logical_error", ours_seeded, 1, "sinter.collect (1 worker)", plain_sinter, 1),
    ]
    for name_a, fa, wa, name_b, fb, wb in rows:
        a, b = [], []
        for _ in range(args.repeats):  # interleaved, so load changes hit both sides alike
            a.append(timed(fa, tasks, args.shots, wa))
            b.append(timed(fb, tasks, args.shots, wb))
        ma, mb = statistics.median(a), statistics.median(b)
        print(f"{name_a:<32} {wa} worker(s): {ma:>12,.0f}   {name_b:<26}: {mb:>12,.0f}   ratio {ma / mb:.3f}")
        print(f"    runs: ours {', '.join(f'{v:,.0f}' for v in a)}; sinter {', '.join(f'{v:,.0f}' for v in b)}")
    print("target: ratio 1.0 (equal throughput); both sides run the same circuits and decoder")


if __name__ == "__main__":
    main()
