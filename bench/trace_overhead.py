"""What the event trace costs: a repeater chain run with tracing off and on (issue 12).

Case: a 50-node chain (bell_diagonal, swap-ASAP, one memory per side) delivering 10,000
end-to-end pairs, built through the public API. Each variant runs ``--repeats`` times,
alternating, in this process; the figure is process CPU time (the machine is shared, and CPU
time is what tracing adds). "off" is ``Network(trace=False)`` (the default), "on" keeps every
record, "bounded" keeps the first 1,000 and counts the rest.

To see that tracing is free when off, run this script with a build from before the trace existed
too (it then times only "off") and compare the two "off" lines.

Usage: python bench/trace_overhead.py [--repeats 5] [--nodes 50] [--pairs 10000]
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import time

import qnsim


def build(nodes: int, pairs: int, trace: bool | int) -> qnsim.Network:
    """The chain, with ``trace`` passed only to builds that have it."""
    kwargs = {"trace": trace} if trace is not False else {}
    net = qnsim.Network("bell_diagonal", seed=1, **kwargs)
    names = [f"n{i}" for i in range(nodes)]
    for name in names:
        net.add_node(name, t1_s=1.0, t2_s=0.5)
    for u, v in zip(names, names[1:]):
        net.add_link(u, v, length_km=5.0, fidelity=0.99, rate_hz=1e4)
    net.request(names[0], names[-1], num_pairs=pairs)
    return net


def timed(nodes: int, pairs: int, trace: bool | int) -> tuple[float, int, int]:
    """CPU seconds of one run, its native event count and trace records kept."""
    net = build(nodes, pairs, trace)
    start = time.process_time()
    result = net.run(until_s=1e3, progress=False)
    elapsed = time.process_time() - start
    assert result.requests[0].num_pairs == pairs, result.requests[0]
    records = len(net.trace()) if trace is not False else 0
    return elapsed, int(result.events_processed), records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--pairs", type=int, default=10000)
    args = parser.parse_args()
    has_trace = "trace" in inspect.signature(qnsim.Network).parameters
    variants = {"off": False, "on": True, "bounded (1,000)": 1000} if has_trace else {"off": False}
    times: dict[str, list[float]] = {name: [] for name in variants}
    info: dict[str, tuple[int, int]] = {}
    for _ in range(args.repeats):
        for name, trace in variants.items():
            elapsed, events, records = timed(args.nodes, args.pairs, trace)
            times[name].append(elapsed)
            info[name] = (events, records)
    print(
        f"qnsim {qnsim.__version__}: {args.nodes}-node chain, {args.pairs} pairs, medians of {args.repeats} (CPU time)"
    )
    off = statistics.median(times["off"])
    for name, samples in times.items():
        t = statistics.median(samples)
        events, records = info[name]
        print(
            f"  trace {name:16s} {t * 1e3:8.1f} ms  {t / events * 1e9:6.1f} ns/event  "
            f"{records:>9,} records  x{t / off:.3f} of off"
        )


if __name__ == "__main__":
    main()
