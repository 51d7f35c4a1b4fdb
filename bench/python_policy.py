"""A swap-ASAP policy written in Python against the native one, on repeater chains of 10-1,000 nodes.

A protocol researcher's policy runs as Python callbacks from the native event loop (one per pair
ready, message and timer); this measures what that costs per event and that the cost does not grow
with the network (each callback's lookups are index lookups). The chain is `bench/scale.py`'s: one
memory per side, 20 km hops (100 us heralds and messages), success probability 0.1 per 201 us
attempt, Werner 0.95 pairs, T1 = 1 s, T2 = 0.5 s, bell_diagonal. The Python policy swaps at an
interior node as soon as it holds a pair on each side, and the ends deliver a pair when the swap
that joined them has told both (its two messages); the native swap-ASAP is run on the same chain.

Then the policy of the custom-protocol tutorial, ``examples/chain_policy.py``'s ``ChainSwapASAP``, on that
tutorial's chain (1 km hops, on demand, 3 pairs; ``chain_policy.build``): its callbacks (counted in an untimed run
of the same seed: every run is the same) and the CPU microseconds per callback, the figure
``docs/tutorials/custom_protocol.md`` and ``qnsim.protocol`` quote.

Usage:  python bench/python_policy.py [--nodes 10 100 1000] [--until 0.2] [--repeats 5]
                                     [--generation continuous on_demand] [--tutorial-nodes 100 1000]
Prints, per N: events and CPU seconds (medians), microseconds per event, Python / native ratio; per tutorial
chain: callbacks, CPU seconds of the Python run (median), microseconds per callback, and the native run's events.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

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


def run_cpu_seconds(make, repeats: int) -> float:  # type: ignore[no-untyped-def]
    """Median process CPU seconds of ``make().run(10.0)`` over ``repeats`` networks (the run alone, not the build)."""
    times = []
    for _ in range(repeats):
        net = make()
        start = time.process_time()
        net.run(10.0, progress=False)
        times.append(time.process_time() - start)
    return statistics.median(times)


def count_callbacks(chain_policy, n: int) -> int:  # type: ignore[no-untyped-def]
    """The callbacks ``chain_policy.ChainSwapASAP`` gets on ``chain_policy.build(n, 3, ...)``'s chain (a run of the
    same seed as the timed ones, whose runs are bare: the count costs them nothing)."""

    class Counting(chain_policy.ChainSwapASAP):
        calls = 0

        def on_pair_ready(self, *args):  # type: ignore[no-untyped-def]
            Counting.calls += 1
            return super().on_pair_ready(*args)

        def on_message(self, *args):  # type: ignore[no-untyped-def]
            Counting.calls += 1
            return super().on_message(*args)

    chain_policy.build(n, 3, Counting()).run(10.0, progress=False)
    return Counting.calls


def tutorial_chain(chain_policy, nodes: list[int], repeats: int) -> None:  # type: ignore[no-untyped-def]
    """Callbacks and CPU per callback of the tutorial's ``ChainSwapASAP`` on ``chain_policy.build``'s chains
    (``chain_policy``: ``examples/chain_policy.py`` as a module)."""
    print(f"\nexamples/chain_policy.py's ChainSwapASAP on the tutorial's chain (on demand, 3 pairs), CPU medians of "
          f"{repeats}:")
    print(f"{'N':>5} {'callbacks':>10} {'Python s':>9} {'us/callback':>12} {'native events':>14}")
    for n in nodes:
        calls = count_callbacks(chain_policy, n)
        python_s = run_cpu_seconds(lambda n=n: chain_policy.build(n, 3, chain_policy.ChainSwapASAP()), repeats)
        # The native run's events, for scale; its CPU per event is scale.py's (a 3-pair run is mostly its setup).
        events = chain_policy.build(n, 3, None).run(10.0, progress=False).events_processed
        print(f"{n:>5} {calls:>10} {python_s:>9.3f} {python_s / calls * 1e6:>12.1f} {events:>14}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--until", type=float, default=0.2, help="simulated seconds per run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--generation", nargs="+", default=["continuous", "on_demand"],
                        choices=["continuous", "on_demand"])
    parser.add_argument("--tutorial-nodes", type=int, nargs="*", default=[100, 1000],
                        help="chain lengths for the custom-protocol tutorial's policy (none: skip it)")
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
            print(f"{n:>5} {generation:>10} {label:>7} {events:>8} {pairs:>6} {wall:>8.3f} {per_event[label]:>9.2f} "
                  f"{ratio:>14}")
    if args.tutorial_nodes:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
        import chain_policy

        tutorial_chain(chain_policy, args.tutorial_nodes, args.repeats)


if __name__ == "__main__":
    main()
