"""What qnsim's side of bench/vs_sequence.py spends its time on (project venv; SeQUeNCe not needed).

For each seed it calls bench/qnsim_chain.run_qnsim_chain (the same chain and parameters as
vs_sequence.py with --qnsim-formalism bell_diagonal) many times and prints process CPU medians of:
building the network from Python (untimed in vs_sequence, like SeQUeNCe's topology, tl.init() and
app.start()), run() alone, the deliveries() read-out (timed with run() in vs_sequence), and the
bench's own formatting of the results into Python lists (untimed on both sides). ``--cold`` also
times runs that follow ~0.3 s of Python work over a large heap, as in vs_sequence.py, where each
qnsim run follows a SeQUeNCe run of seconds that leaves the caches full of SeQUeNCe's data.

    python bench/seq_qnsim_breakdown.py --nodes 10 --repeats 200 --cold
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qnsim_chain import run_qnsim_chain  # noqa: E402


def _python_work(heap: list[dict], seconds: float) -> int:
    """Dict look-ups over a heap far larger than the caches, for `seconds` of wall time."""
    end, total = time.perf_counter() + seconds, 0
    while time.perf_counter() < end:
        for _ in range(10_000):
            total += heap[random.randrange(len(heap))]["a"]
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=10)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--repeats", type=int, default=200, help="warm runs per seed")
    ap.add_argument("--cold", action="store_true", help="also time 10 runs per seed after Python work")
    args = ap.parse_args(argv)
    heap = [{"a": i, "b": str(i)} for i in range(1_000_000)] if args.cold else []
    print(f"N = {args.nodes}, bell_diagonal, medians in us of process CPU time ({args.repeats} warm runs per seed)")
    print("seed  events  pairs   build    run  deliveries  run+deliveries  formatting   cold run+deliveries")
    for seed in args.seeds:
        parts: dict[str, list[float]] = {"build": [], "run": [], "read": [], "timed": [], "format": []}
        for _ in range(args.repeats):
            before = time.process_time()
            r = run_qnsim_chain(num_nodes=args.nodes, seed=seed, qnsim_formalism="bell_diagonal")
            whole = time.process_time() - before
            parts["build"].append(r["build_s"])  # wall, but nothing waits in it
            parts["run"].append(r["run_cpu_s"])
            parts["read"].append(r["cpu_s"] - r["run_cpu_s"])
            parts["timed"].append(r["cpu_s"])
            parts["format"].append(whole - r["build_s"] - r["cpu_s"])
        cold = []
        for _ in range(10 if args.cold else 0):
            _python_work(heap, 0.3)
            cold.append(run_qnsim_chain(num_nodes=args.nodes, seed=seed, qnsim_formalism="bell_diagonal")["cpu_s"])
        med = {k: statistics.median(v) * 1e6 for k, v in parts.items()}
        print(f"{seed:>4}  {r['events']:>6}  {r['pairs_delivered']:>5}  {med['build']:6.1f} {med['run']:6.1f}"
              f"  {med['read']:10.1f}  {med['timed']:14.1f}  {med['format']:10.1f}"
              f"   {statistics.median(cold) * 1e6 if cold else float('nan'):19.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
