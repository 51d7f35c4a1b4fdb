"""How often several channels of one link herald at the same instant (issue 11, "batched heralds").

qnsim draws each channel's number of attempts from a geometric distribution and schedules one
event per success, so a link never costs an event per attempt. Batching could still merge the
success events of channels that herald in the same round (same link, same picosecond) into one.
This script measures how many link pairs share their (link, time) with another one, on the
SeQUeNCe scenario of ``vs_sequence.py`` (4 channels per hop, nested swaps with handshake), using
the native event trace: that share bounds what batching could save.

Usage: python bench/coincident_heralds.py [--nodes 10 50] [--seeds 1 2 3]
"""

from __future__ import annotations

import argparse
import collections

from qnsim import _core

import qnsim_chain


class _TracedNetwork(_core.NativeNetwork):
    """A NativeNetwork that keeps its whole trace and remembers the last one built."""

    last: _core.NativeNetwork | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.set_trace(10**8)
        _TracedNetwork.last = self


def coincident_share(num_nodes: int, seeds: list[int]) -> tuple[int, int, int, int]:
    """Totals over ``seeds``: link pairs, link pairs sharing link and picosecond with another,
    events one batched event per such group would save, and all events of the runs."""
    qnsim_chain._core.NativeNetwork = _TracedNetwork
    try:
        pairs = coincident = saved = events = 0
        for seed in seeds:
            result = qnsim_chain.run_qnsim_chain(num_nodes=num_nodes, seed=seed, qnsim_formalism="bell_diagonal")
            trace = _TracedNetwork.last.trace()
            assert trace["omitted"] == 0, "trace limit reached: the count would be short"
            is_link_pair = trace["kind"] == int(_core.TraceKind.link_pair)
            groups = collections.Counter(zip(trace["time_ps"][is_link_pair].tolist(),
                                             trace["node"][is_link_pair].tolist(),
                                             trace["other_node"][is_link_pair].tolist()))
            pairs += int(is_link_pair.sum())
            coincident += sum(size for size in groups.values() if size > 1)
            saved += sum(size - 1 for size in groups.values())
            events += result["events"]
        return pairs, coincident, saved, events
    finally:
        qnsim_chain._core.NativeNetwork = _core.NativeNetwork


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    print("| N | link pairs | in same-instant groups | share | events batching would save | of all events |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in args.nodes:
        pairs, coincident, saved, events = coincident_share(n, args.seeds)
        print(f"| {n} | {pairs:,} | {coincident:,} | {coincident / pairs:.1%} | {saved:,} | {saved / events:.1%} |")


if __name__ == "__main__":
    main()
