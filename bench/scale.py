"""Large multi-node runs, natively executed: wall time, events/s, memory, and how cost grows with N.

Cases (issue 11 "Scale"):

- ``chain N``: a repeater chain of N nodes (one memory per side, 20 km hops: 100 us herald and
  message delay, success probability 0.1 per 201 us attempt, Werner 0.95 pairs, T1 = 1 s,
  T2 = 0.5 s memories) delivering one end-to-end pair with swap-ASAP (or nested), built natively
  in one call (``NativeNetwork.add_chain``). ``--generation continuous`` lets idle links
  regenerate while swap outcomes travel (events grow ~N^2); ``on_demand`` makes one link pair per
  link (events ~2N).
- ``grid N xR``: a sqrt(N) x sqrt(N) grid with R concurrent single-pair requests between random
  nodes along L-shaped shortest paths (2 channels per link, one memory per request per link, a
  cutoff of 200 attempt periods plus 4 one-way path latencies), contending for memories until every
  request is served.

Each case runs in a fresh subprocess so its peak RSS is its own; the wall time is the native run
only (``run``), the build is reported apart. Medians of ``--repeats`` seeds (one run for chains
of 10^5 nodes and more, and for the 10^5-node grid): each seed is another network (the grid's
paths, the chain's draws), run once, cold. The native twins (``grid_perf``, ``network_perf``) run the
same loop as Python's ``run()`` (Ctrl-C check included); compare them seed by seed and median to
median, not a twin's best run to these medians (bench/README, twenty-first pass).

Targets (issue 11): >= 10^7 native events/s on the chain and grid cases (bell_diagonal); one
end-to-end delivery across a 1,000-node chain in <= 2 ms; a 10^6-node chain in < 60 s and < 4 GB.

Usage:
    python bench/scale.py                                   # chains 10..10^4 and grid 10^3, all formalisms
    python bench/scale.py --formalism bell_diagonal --generation on_demand --chains 1000 1000000
    python bench/scale.py --formalism bell_diagonal --chains --grids 100000:10000 --repeats 1
    # the grid's request paths for the native twin grid_perf (writes /tmp/grid_1024x100_s1.txt):
    QNSIM_GRID_PATHS=/tmp/grid python bench/scale.py --formalism bell_diagonal --generation continuous \
        --chains --grids 1024:100 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CASE = r'''
import json, math, os, resource, sys, time
import numpy as np
from qnsim import _core

kind, size, formalism, seed, generation, schedule, requests = sys.argv[1:8]
size, seed, requests = int(size), int(seed), int(requests)
US = 1_000_000
hop_delay = 100 * US           # 20 km at 5 us/km
period = 2 * hop_delay + 1 * US
werner = [0.95, 0.05 / 3, 0.05 / 3, 0.05 / 3]
gen = getattr(_core.GenerationPolicy, generation)
net = _core.NativeNetwork(formalism, seed=seed)
build = time.perf_counter()


def link(a, b, channels):
    return _core.LinkParams(node_a=a, node_b=b, channels=channels, success_probability=0.1, attempt_period_ps=period,
                            herald_delay_a_ps=hop_delay, herald_delay_b_ps=hop_delay, classical_delay_ps=hop_delay,
                            bell_diagonal=werner)


if kind == "chain":
    first = net.add_chain(_core.NodeParams(name="n", num_memories=2, t1_s=1.0, t2_s=0.5), link(0, 1, 1), size)
    net.add_request(_core.RequestParams(path=list(range(first, first + size)), num_pairs=1, generation=gen,
                                        swap_schedule=getattr(_core.SwapSchedule, schedule)))
else:
    side = int(math.isqrt(size))
    index = lambda r, c: r * side + c  # noqa: E731
    for r in range(side):
        for c in range(side):
            degree = (r > 0) + (r < side - 1) + (c > 0) + (c < side - 1)
            net.add_node(_core.NodeParams(name=f"{r},{c}", num_memories=2 * degree, t1_s=1.0, t2_s=0.5))
    for r in range(side):
        for c in range(side):
            if c + 1 < side:
                net.add_link(link(index(r, c), index(r, c + 1), 2))
            if r + 1 < side:
                net.add_link(link(index(r, c), index(r + 1, c), 2))
    rng = np.random.default_rng(seed)
    paths = []
    for _ in range(requests):
        (r0, c0), (r1, c1) = rng.integers(0, side, size=(2, 2))
        while (r0, c0) == (r1, c1):
            r1, c1 = rng.integers(0, side, size=2)
        # L-shaped shortest path: along the row, then the column.
        step_c = 1 if c1 >= c0 else -1
        step_r = 1 if r1 >= r0 else -1
        path = [index(r0, c) for c in range(c0, c1 + step_c, step_c)]
        path += [index(r, c1) for r in range(r0 + step_r, r1 + step_r, step_r)]
        # The cutoff must outlast the swap news crossing the path (a hop's delay per hop), or long
        # paths discard every pair before it can be delivered: 200 attempt periods plus 4x that.
        cutoff = 200 * period + 4 * (len(path) - 1) * hop_delay
        net.add_request(_core.RequestParams(path=path, num_pairs=1, cutoff_ps=cutoff, memories_per_link=1,
                                            generation=gen))
        paths.append(path)
    # The same grid for the native twin (cpp/network/grid_perf.cc, profiling without Python): PREFIX_NxR_sSEED.txt
    if os.environ.get("QNSIM_GRID_PATHS"):
        with open(f"{os.environ['QNSIM_GRID_PATHS']}_{size}x{requests}_s{seed}.txt", "w") as out:
            out.write(f"{side} {requests}\n" + "".join(f"{len(p)} {' '.join(map(str, p))}\n" for p in paths))
build = time.perf_counter() - build
start, cpu = time.perf_counter(), time.process_time()
net.run(10**16)
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
stats = [net.request_stats(r) for r in range(net.num_requests)]
served = sum(s.status.name == "served" for s in stats)
last_finish = max(s.finished_ps for s in stats)
print(json.dumps({"kind": kind, "size": size, "wall_s": wall, "cpu_s": cpu, "build_s": build,
                  "events": net.events_processed, "voided": net.timeouts_voided, "sim_s": last_finish * 1e-12,
                  "served": served,
                  "requests": net.num_requests,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def run_case(kind: str, size: int, formalism: str, seed: int, generation: str, schedule: str, requests: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CASE, kind, str(size), formalism, str(seed), generation, schedule, str(requests)],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--formalism", nargs="+", default=["bell_diagonal", "stabilizer", "density_matrix"],
                        choices=["bell_diagonal", "stabilizer", "density_matrix"])
    parser.add_argument("--generation", nargs="+", default=["continuous", "on_demand"],
                        choices=["continuous", "on_demand"])
    parser.add_argument("--schedule", default="asap", choices=["asap", "nested"])
    parser.add_argument("--chains", type=int, nargs="*", default=[10, 100, 1000, 10_000])
    parser.add_argument("--grids", nargs="*", default=["1024:100"], help="NODES:REQUESTS (nodes rounded to a square)")
    parser.add_argument("--json", help="append every run as a JSON line to this file")
    args = parser.parse_args()
    cases = [("chain", n, 0) for n in args.chains]
    cases += [("grid", int(g.split(":")[0]), int(g.split(":")[1])) for g in args.grids]
    print(f"medians of {args.repeats} seeds (chains of >= 10^5 nodes and grids of >= 10^4 nodes: 1 run); "
          f"schedule {args.schedule}; wall, CPU = the native run only (process CPU time; events/s = events handled / "
          f"CPU s, the median over seeds; voided: cutoffs of link pairs already gone, taken out unhandled and not "
          f"counted as events)")
    print(f"{'formalism':<15}{'generation':<12}{'case':<20}{'wall s':>10}{'CPU s':>10}{'events':>11}{'events/s':>11}"
          f"{'voided':>9}{'build s':>9}{'sim s':>9}{'served':>9}{'peak MB':>9}")
    for formalism in args.formalism:
        for generation in args.generation:
            for kind, size, requests in cases:
                big = (kind == "chain" and size >= 100_000) or (kind == "grid" and size >= 10_000)
                if big and generation == "continuous":
                    # ~N^2 events: the reason on_demand exists. Said, not skipped silently (a run asked only for
                    # this case printed its header and nothing else).
                    print(f"{formalism:<15}{generation:<12}{kind + ' ' + str(size):<20} skipped: continuous generation "
                          "makes ~N^2 events at this size; run it with --generation on_demand", flush=True)
                    continue
                repeats = 1 if big else args.repeats
                runs = [run_case(kind, size, formalism, seed, generation, args.schedule, requests)
                        for seed in range(1, repeats + 1)]
                if args.json:
                    with open(args.json, "a") as f:
                        for r in runs:
                            f.write(json.dumps({**r, "formalism": formalism, "generation": generation,
                                                "schedule": args.schedule}) + "\n")
                med = {k: statistics.median(r[k] for r in runs) for k in ("wall_s", "cpu_s", "events", "voided",
                                                                            "build_s", "sim_s", "served")}
                rate = statistics.median(r["events"] / r["cpu_s"] for r in runs)
                peak = max(r["peak_rss_mb"] for r in runs)
                label = f"{kind} {size}" + (f" x{requests} req" if kind == "grid" else "")
                print(f"{formalism:<15}{generation:<12}{label:<20}{med['wall_s']:>10.4f}{med['cpu_s']:>10.4f}{med['events']:>11.0f}"
                      f"{rate:>11.3g}{med['voided']:>9.0f}{med['build_s']:>9.2f}{med['sim_s']:>9.4f}{med['served']:>9.0f}"
                      f"{peak:>9.0f}",
                      flush=True)
    print("targets: >= 1e7 events/s (bell_diagonal); 1,000-node chain delivery <= 0.002 s wall; "
          "10^6-node chain < 60 s and < 4 GB")


if __name__ == "__main__":
    main()
