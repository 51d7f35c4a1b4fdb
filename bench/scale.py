"""Large multi-node runs, natively executed: wall time, events/s and peak memory.

Cases (issue 4 "Scale"): repeater chains of 10, 100, 1,000 and 10,000 nodes delivering one
end-to-end pair with swap-ASAP and memories with T1/T2, and a 1,000-node (32 x 32 minus 24)
grid with 100 concurrent requests between random node pairs on shortest paths, contending for
memories. Each case runs in a fresh subprocess so its peak RSS is its own.

Targets: >= 10^7 events/s per core (QuISP reports about 4.4x10^5 events/s on a 10-node chain);
one end-to-end delivery across a 1,000-node chain in <= 20 ms of wall clock (NetSquid's paper:
about 2 s for that case).

Usage: python bench/scale.py [--repeats 5] [--formalism stabilizer]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CASE = r'''
import json, math, resource, sys, time
import networkx as nx
import numpy as np
from qnsim import _core

kind, size, formalism, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
US = 1_000_000
hop_delay = 100 * US           # 20 km at 5 us/km
period = 2 * hop_delay + 1 * US
werner = [0.95, 0.05 / 3, 0.05 / 3, 0.05 / 3]
net = _core.NativeNetwork(formalism, seed=seed)


def link(a, b, channels):
    return _core.LinkParams(node_a=a, node_b=b, channels=channels, success_probability=0.1, attempt_period_ps=period,
                            herald_delay_a_ps=hop_delay, herald_delay_b_ps=hop_delay, classical_delay_ps=hop_delay,
                            bell_diagonal=werner)


build = time.perf_counter()
if kind == "chain":
    nodes = [net.add_node(_core.NodeParams(name=f"n{i}", num_memories=2, t1_s=1.0, t2_s=0.5)) for i in range(size)]
    for i in range(size - 1):
        net.add_link(link(nodes[i], nodes[i + 1], 1))
    net.add_request(_core.RequestParams(path=nodes, num_pairs=1))
else:
    side = int(math.ceil(math.sqrt(size)))
    g = nx.grid_2d_graph(side, side)
    g.remove_nodes_from(list(g.nodes)[size:])
    index = {v: i for i, v in enumerate(g.nodes)}
    nodes = [net.add_node(_core.NodeParams(name=f"{v}", num_memories=2 * g.degree(v), t1_s=1.0, t2_s=0.5))
             for v in g.nodes]
    for u, v in g.edges:
        net.add_link(link(index[u], index[v], 2))
    rng = np.random.default_rng(seed)
    vertices = list(g.nodes)
    for _ in range(100):
        a, b = rng.choice(len(vertices), size=2, replace=False)
        path = nx.shortest_path(g, vertices[a], vertices[b])
        net.add_request(_core.RequestParams(path=[index[v] for v in path], num_pairs=1, cutoff_ps=200 * period,
                                            memories_per_link=1))
build = time.perf_counter() - build
start = time.perf_counter()
net.run(10**16)
wall = time.perf_counter() - start
served = sum(net.request_stats(r).status.name == "served" for r in range(net.num_requests))
last_finish = max((net.request_stats(r).finished_ps for r in range(net.num_requests)), default=0)
print(json.dumps({"kind": kind, "size": size, "wall_s": wall, "build_s": build, "events": net.events_processed,
                  "sim_s": last_finish * 1e-12, "served": served, "requests": net.num_requests,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def run_case(kind: str, size: int, formalism: str, seed: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CASE, kind, str(size), formalism, str(seed)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--formalism", default="stabilizer", choices=["stabilizer", "density_matrix"])
    parser.add_argument("--max-chain", type=int, default=10_000)
    args = parser.parse_args()
    cases = [("chain", n) for n in (10, 100, 1000, 10_000) if n <= args.max_chain] + [("grid", 1000)]
    print(f"formalism={args.formalism}, medians of {args.repeats} seeds (10,000-node chain: 1 run)")
    print(f"{'case':<16}{'wall s':>10}{'events':>12}{'events/s':>12}{'sim s':>10}{'served':>9}{'peak MB':>9}")
    for kind, size in cases:
        repeats = 1 if size >= 10_000 and kind == "chain" else args.repeats
        runs = [run_case(kind, size, args.formalism, seed) for seed in range(1, repeats + 1)]
        wall = statistics.median(r["wall_s"] for r in runs)
        events = statistics.median(r["events"] for r in runs)
        rate = statistics.median(r["events"] / r["wall_s"] for r in runs)
        sim = statistics.median(r["sim_s"] for r in runs)
        served = statistics.median(r["served"] for r in runs)
        peak = max(r["peak_rss_mb"] for r in runs)
        label = f"{kind} {size}" + (" x100 req" if kind == "grid" else "")
        print(f"{label:<16}{wall:>10.4f}{events:>12.0f}{rate:>12.3g}{sim:>10.3f}{served:>9.0f}{peak:>9.0f}")
    print("targets: >= 1e7 events/s per core; 1,000-node chain delivery <= 0.020 s wall")


if __name__ == "__main__":
    main()
