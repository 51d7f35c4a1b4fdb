"""Heralded-link throughput: simulated successful pairs per second of wall clock, 2-node link.

A 2-node link (Werner F = 0.9, p = 0.1 per 1 us attempt, 1 km, 1 channel, ideal memories) is run
until N pairs are delivered:

- native / density_matrix and native / stabilizer: qnsim.Network with the native protocol
  (one event per heralded pair per end, geometric sampling of attempts);
- python protocol / density_matrix: the same request driven by a qnsim.Protocol that delivers
  once both ends reported the pair (Python callback per event), for contrast.

Context (measured earlier on this kind of machine): SeQUeNCe 1.3.1 runs about 6,000 events/s, i.e. a few
thousand link pairs per second, and a whole swap step costs 0.4-2.8 ms; the native target here
is >= 1e6 pairs/s (the scheduler alone does >= 1e7 events/s, bench/scheduler.py).

Prints medians of --repeats runs (default 5).
Usage: python bench/link.py [--repeats 5] [--native-pairs 200000] [--py-pairs 20000]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import qnsim

TARGET_NATIVE_PAIRS_PER_S = 1e6


class DeliverWhenBothKnow(qnsim.Protocol):
    """Delivers a link pair once both ends have been told of it (as the native protocol does)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[qnsim.SlotRef] = set()

    def on_pair_ready(self, node: str, slot: qnsim.SlotRef, partner_slot: qnsim.SlotRef | None) -> None:
        if partner_slot in self.seen:
            self.seen.discard(partner_slot)
            src, dst = (slot, partner_slot) if node == self.request.src else (partner_slot, slot)
            self.deliver(src, dst)
        else:
            self.seen.add(slot)


def one_run(formalism: str, pairs: int, python: bool, seed: int) -> tuple[float, float]:
    net = qnsim.Network(formalism, seed=seed)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, attempt_period_s=1e-6, success_probability=0.1)
    net.request("a", "b", num_pairs=pairs, protocol=DeliverWhenBothKnow() if python else None)
    start = time.perf_counter()
    result = net.run(until_s=1e6, progress=False)
    wall = time.perf_counter() - start
    r = result.requests[0]
    assert r.num_pairs == pairs
    return pairs / wall, result.events_processed / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--native-pairs", type=int, default=200_000)
    parser.add_argument("--py-pairs", type=int, default=20_000)
    args = parser.parse_args()

    cases = [
        ("native", "density_matrix", args.native_pairs, False),
        ("native", "stabilizer", args.native_pairs, False),
        ("python protocol", "density_matrix", args.py_pairs, True),
        ("python protocol", "stabilizer", args.py_pairs, True),
    ]
    samples: dict[int, list[tuple[float, float]]] = {i: [] for i in range(len(cases))}
    for rep in range(args.repeats):
        for i, (_, formalism, pairs, python) in enumerate(cases):
            samples[i].append(one_run(formalism, pairs, python, seed=rep))

    print(
        f"qnsim {qnsim.__version__}, Python {platform.python_version()}, {platform.machine()}; "
        f"median of {args.repeats}"
    )
    print(f"{'driver':<16} {'formalism':<15} {'pairs':>8} {'pairs/s (wall)':>15} {'events/s':>12}")
    medians = {}
    for i, (driver, formalism, pairs, _) in enumerate(cases):
        rate = statistics.median(s[0] for s in samples[i])
        events = statistics.median(s[1] for s in samples[i])
        medians[(driver, formalism)] = rate
        print(f"{driver:<16} {formalism:<15} {pairs:>8} {rate:>15,.0f} {events:>12,.0f}")
    for formalism in ("density_matrix", "stabilizer"):
        ratio = medians[("native", formalism)] / medians[("python protocol", formalism)]
        print(f"native / python protocol ({formalism}): {ratio:.1f}x")
    best = max(medians[("native", f)] for f in ("density_matrix", "stabilizer"))
    verdict = "meets" if best >= TARGET_NATIVE_PAIRS_PER_S else "misses"
    print(f"target >= {TARGET_NATIVE_PAIRS_PER_S:.0e} native pairs/s: {verdict}")


if __name__ == "__main__":
    main()
