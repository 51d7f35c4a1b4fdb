"""Twenty users at once on a 10 x 10 grid of repeaters, routed for fidelity.

Links are abstract heralded links whose fidelity and rate vary from link to link (fidelity
drawn in [0.95, 0.995], rate_hz falling with a length drawn in [2, 20] km as 10^(-0.2 L / 10) of
10 kHz, 20% success per attempt; a link whose herald, the light's time over its length, outlasts its
attempt period delivers less than its rate_hz, up to 15% less at 20 km: LinkInfo.rate_hz), memories
have T2 = 50 ms and T1 = 1 s. Twenty requests between random
pairs of nodes each want 10 pairs within 20 ms of simulated time (deadline), with pairs older
than 5 ms discarded (cutoff) and delivered pairs below fidelity 0.75 rejected. Every request
reserves one memory per link end along its path, all or nothing, so requests that share
links wait for each other instead of deadlocking.

Prints one row per request (served / dropped, when, how many pairs at what fidelity), then
the same workload routed by fewest hops for comparison: the means over each routing's served
requests, and (like for like) over the requests both served, with the 95% interval of the
difference (Student t over the paired requests: is it more than the requests' spread?).

Run:  python examples/grid_requests.py [--size 10] [--requests 20] [--routing fidelity] [--seed 1]
"""

from __future__ import annotations

import argparse

import networkx as nx
import numpy as np

import qnsim
from qnsim.results import t_quantile_975


def build(size: int, seed: int) -> qnsim.Network:
    """The grid with per-link lengths, fidelities and rates drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    shape = qnsim.grid(size, size, length_km=1.0, fidelity=1.0, rate_hz=1.0).to_networkx()
    g = nx.Graph()
    g.add_nodes_from(shape.nodes)
    for u, v in shape.edges:
        length_km = float(rng.uniform(2.0, 20.0))
        g.add_edge(
            u,
            v,
            length_km=length_km,
            fidelity=float(rng.uniform(0.95, 0.995)),
            rate_hz=1e4 * 10 ** (-0.2 * length_km / 10),
        )
    return qnsim.from_graph(g, success_probability=0.2, t2_s=0.05, t1_s=1.0, seed=seed)


def run(size: int, n_requests: int, routing: str, seed: int) -> qnsim.NetworkResult:
    net = build(size, seed)
    names = list(net.nodes)
    rng = np.random.default_rng(seed + 1)
    for _ in range(n_requests):
        a, b = rng.choice(len(names), size=2, replace=False)
        net.request(
            names[a],
            names[b],
            num_pairs=10,
            routing=routing,
            cutoff_s=5e-3,
            deadline_s=0.02,
            min_fidelity=0.75,
        )
    result = net.run(until_s=1.0, progress=False)
    assert net.occupied_slots() == 0 and net.registry.num_qubits == 0  # nothing leaked
    return result


def hops_text(hops: int) -> str:
    """A path's length in words: "1 hop", "2 hops" (a neighbour's request read "(1 hops)")."""
    return f"{hops} hop" if hops == 1 else f"{hops} hops"


def mean_ci95(values: list[float]) -> tuple[float, float]:
    """The mean of ``values`` and the half-width of its 95% Student t interval (nan from fewer than two)."""
    mean = float(np.mean(values))
    if len(values) < 2:
        return mean, float("nan")
    return mean, t_quantile_975(len(values) - 1) * float(np.std(values, ddof=1)) / np.sqrt(len(values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10, help="grid side (nodes)")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--routing", default="fidelity", choices=["hops", "rate", "fidelity"])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    result = run(args.size, args.requests, args.routing, args.seed)
    print(f"{args.size} x {args.size} grid, {args.requests} requests routed by {args.routing}")
    print(result.summary_table())
    print()
    for r in result.requests:
        print(f"  {r.describe()} ({hops_text(len(r.path) - 1)})")

    def line(res: qnsim.NetworkResult, label: str) -> str:
        served = [r for r in res.requests if r.status == "served"]
        pairs = sum(r.num_pairs for r in res.requests)
        fid, ci = mean_ci95([r.mean_fidelity for r in served]) if served else (float("nan"), float("nan"))
        hops = np.mean([len(r.path) - 1 for r in res.requests])
        return (
            f"{label:>9}: {len(served)} served, {len(res.requests) - len(served)} dropped, "
            f"{pairs} pairs, mean fidelity of served {fid:.4f} +- {ci:.4f} (95%, over requests), "
            f"mean path {hops:.1f} hops"
        )

    print()
    print(line(result, args.routing))
    for other in ("hops", "fidelity"):
        if other != args.routing:
            compared = run(args.size, args.requests, other, args.seed)
            print(line(compared, other))
            # The means above are over different requests (a routing that serves more long paths reads
            # lower), so compare on the requests both served.
            both = [
                (a, b) for a, b in zip(result.requests, compared.requests)
                if a.status == "served" and b.status == "served"
            ]
            if both:
                ours = np.mean([a.mean_fidelity for a, _ in both])
                theirs = np.mean([b.mean_fidelity for _, b in both])
                # Paired by request (the same users both ways), so the requests' own spread cancels: the interval
                # says whether the routings differ by more than chance, which the two means alone did not.
                difference, ci = mean_ci95([a.mean_fidelity - b.mean_fidelity for a, b in both])
                low, high = difference - ci, difference + ci
                verdict = "within the noise" if low <= 0 <= high or np.isnan(ci) else "beyond the noise"
                # The ends in 3 significant figures: at 4 decimals one read "+0.0231 +- 0.0231" beside "beyond".
                print(
                    f"on the {len(both)} requests both served: mean fidelity {ours:.4f} routed by {args.routing}, "
                    f"{theirs:.4f} by {other}: difference {difference:+.4f} [95%: {low:+.3g}, {high:+.3g}] (paired "
                    f"by request; {verdict})"
                )


if __name__ == "__main__":
    main()
