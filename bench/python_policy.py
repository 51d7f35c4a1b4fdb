"""A swap-ASAP policy written in Python against the native one, on repeater chains of 10-1,000 nodes.

A protocol researcher's policy runs as Python callbacks from the native event loop (one per pair
ready, message and timer); this measures what that costs per event and that the cost does not grow
with the network (each callback's lookups are index lookups). The chain is `bench/scale.py`'s: one
memory per side, 20 km hops (100 us heralds and messages), success probability 0.1 per 201 us
attempt, Werner 0.95 pairs, T1 = 1 s, T2 = 0.5 s, bell_diagonal. The Python policy swaps at an
interior node as soon as it holds a pair on each side, and the ends deliver a pair when the swap
that joined them has told both (its two messages); the native swap-ASAP is run on the same chain.

Usage:  python bench/python_policy.py [--nodes 10 100 1000] [--until 0.2] [--repeats 5]
                                     [--generation continuous on_demand]
Prints, per N: events and wall seconds (medians), microseconds per event, Python / native ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time

import qnsim


class SwapAsapInPython(qnsim.Protocol):
    """Swap as soon as an interior node holds a pair on each side; deliver on the joining swap's news."""

    def __init__(self) -> None:
        super().__init__()
        self.held: dict[str, dict[int, qnsim.SlotRef]] = {}
        self.news: dict[tuple[qnsim.SlotRef, qnsim.SlotRef], int] = {}

    def on_pair_ready(self, node: str, slot: qnsim.SlotRef, partner_slot: qnsim.SlotRef | None) -> None:
        if node in (self.request.src, self.request.dst):
            return
        held = self.held.setdefault(node, {})
        held[self.network.slot_link(slot).index] = slot
        if len(held) < 2:
            return
        (_, a), (_, b) = held.items()
        held.clear()
        ends = (self.partner(a), self.partner(b))
        self.swap(node, a, b)
        names = {self.network.slot_node(ends[0]), self.network.slot_node(ends[1])}
        if names == {self.request.src, self.request.dst}:
            if self.network.slot_node(ends[0]) != self.request.src:
                ends = ends[::-1]
            self.news[ends] = 2
            for end in (self.request.src, self.request.dst):
                self.send(node, end, ends, after_s=self.swap_duration_s(node))

    def on_message(self, node: str, message: tuple[qnsim.SlotRef, qnsim.SlotRef]) -> None:
        self.news[message] -= 1
        if self.news[message] == 0:
            del self.news[message]
            self.deliver(*message)


def chain(n: int, protocol: qnsim.Protocol | None, generation: str) -> qnsim.Network:
    """The scale.py chain of ``n`` nodes with one request end to end."""
    net = qnsim.Network("bell_diagonal", seed=1)
    for i in range(n):
        net.add_node(f"n{i}", num_memories=2, t1_s=1.0, t2_s=0.5)
    for i in range(n - 1):
        net.add_link(f"n{i}", f"n{i + 1}", length_km=20.0, fidelity=0.95, success_probability=0.1,
                     attempt_period_s=201e-6)
    net.request("n0", f"n{n - 1}", protocol=protocol, generation=generation)
    return net


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--until", type=float, default=0.2, help="simulated seconds per run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--generation", nargs="+", default=["continuous", "on_demand"],
                        choices=["continuous", "on_demand"])
    args = parser.parse_args()
    print(f"{'N':>5} {'generation':>10} {'policy':>7} {'events':>8} {'pairs':>6} {'wall s':>8} {'us/event':>9} "
          f"{'Python/native':>14}")
    for n, generation in ((n, g) for g in args.generation for n in args.nodes):
        per_event = {}
        for label, make in (("native", lambda: None), ("python", SwapAsapInPython)):
            walls, events, pairs = [], 0, 0
            for _ in range(args.repeats):
                net = chain(n, make(), generation)
                start = time.process_time()
                result = net.run(args.until, progress=False)
                walls.append(time.process_time() - start)
                events, pairs = result.events_processed, result.requests[0].num_pairs
            wall = statistics.median(walls)
            per_event[label] = wall / max(events, 1) * 1e6
            ratio = f"{per_event['python'] / per_event['native']:.0f}x" if label == "python" else ""
            print(f"{n:>5} {generation:>10} {label:>7} {events:>8} {pairs:>6} {wall:>8.3f} {per_event[label]:>9.2f} {ratio:>14}")


if __name__ == "__main__":
    main()
