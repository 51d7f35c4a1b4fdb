"""Event-scheduler throughput: qnsim native, qnsim with Python callbacks, and a heapq peer.

The loop measured everywhere: `pending` events, each of which, when it runs, reschedules itself
at now + a random delay (uniform in [1, 1e6] ps), until a fixed number of events has run.

- native:        Scheduler.benchmark_chain, the whole loop in C++ (target: >= 1e7 events/s at
                 1000 pending, one core).
- qnsim+py:      the same loop with a trivial Python callback on qnsim._core.Scheduler (ps).
- EventLoop:     the same through the public qnsim.EventLoop (seconds, float conversion).
- heapq peer:    a pure-Python heapq event list of (time, priority, seq, callback, args)
                 tuples, the structure SeQUeNCe's Timeline uses, with the same callback.

Prints medians of --repeats interleaved runs (default 5) and the median ratio qnsim+py / heapq.
Usage: python bench/scheduler.py [--repeats 5] [--native-events 5000000] [--py-events 200000]
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import platform
import random
import statistics
import time

import qnsim
from qnsim._core import Scheduler

TARGET_NATIVE = 1e7
MAX_DELAY_PS = 1_000_000


def delays(n: int = 1 << 16, seed: int = 7) -> list[int]:
    rng = random.Random(seed)
    return [rng.randint(1, MAX_DELAY_PS) for _ in range(n)]


def bench_native(pending: int, events: int) -> float:
    start = time.perf_counter()
    processed, _, _ = Scheduler.benchmark_chain(pending, events, 1)
    return processed / (time.perf_counter() - start)


def bench_core_py(pending: int, events: int, table: list[int]) -> float:
    sched = Scheduler()
    mask = len(table) - 1
    count = 0
    schedule_after = sched.schedule_after

    def callback(i):
        nonlocal count
        count += 1
        if count >= events:
            sched.stop()
            return
        schedule_after(table[count & mask], callback, (i,))

    for i in range(pending):
        sched.schedule(table[i & mask], callback, (i,))
    start = time.perf_counter()
    sched.run()
    elapsed = time.perf_counter() - start
    assert sched.events_processed == events
    return events / elapsed


def bench_event_loop(pending: int, events: int, table: list[int]) -> float:
    loop = qnsim.EventLoop()
    seconds = [d / 1e12 for d in table]
    mask = len(table) - 1
    count = 0
    schedule_in = loop.schedule_in

    def callback(i):
        nonlocal count
        count += 1
        if count >= events:
            loop.stop()
            return
        schedule_in(seconds[count & mask], callback, i)

    for i in range(pending):
        loop.schedule_at(seconds[i & mask], callback, i)
    start = time.perf_counter()
    loop.run()
    elapsed = time.perf_counter() - start
    assert loop.events_processed == events
    return events / elapsed


def bench_heapq(pending: int, events: int, table: list[int]) -> float:
    heap: list = []
    seq = itertools.count()
    mask = len(table) - 1
    count = 0
    now = 0
    push, pop = heapq.heappush, heapq.heappop

    def callback(i):
        nonlocal count
        count += 1
        if count >= events:
            return
        push(heap, (now + table[count & mask], 0, next(seq), callback, (i,)))

    for i in range(pending):
        push(heap, (table[i & mask], 0, next(seq), callback, (i,)))
    start = time.perf_counter()
    processed = 0
    while heap and count < events:
        now, _, _, fn, args = pop(heap)
        processed += 1
        fn(*args)
    elapsed = time.perf_counter() - start
    assert processed == events
    return events / elapsed


def interleaved_medians(repeats: int, pending: int, args) -> dict[str, float]:
    """Runs every variant once per repeat, in turn, so that load from other processes hits them
    alike; returns the median rate of each and the median of the per-repeat qnsim+py/heapq ratios."""
    table = delays()
    rates: dict[str, list[float]] = {"native": [], "core_py": [], "loop": [], "peer": [], "ratio": []}
    for _ in range(repeats):
        rates["native"].append(bench_native(pending, args.native_events))
        rates["core_py"].append(bench_core_py(pending, args.py_events, table))
        rates["loop"].append(bench_event_loop(pending, args.py_events, table))
        rates["peer"].append(bench_heapq(pending, args.py_events, table))
        rates["ratio"].append(rates["core_py"][-1] / rates["peer"][-1])
    return {name: statistics.median(values) for name, values in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--native-events", type=int, default=5_000_000)
    parser.add_argument("--py-events", type=int, default=200_000)
    parser.add_argument("--pending", type=int, nargs="+", default=[10, 1000, 100_000])
    args = parser.parse_args()
    print(f"qnsim {qnsim.__version__}, Python {platform.python_version()}, {platform.machine()}")
    print(
        f"medians of {args.repeats} runs; native loop: {args.native_events:,} events, "
        f"Python loops: {args.py_events:,} events\n"
    )
    header = (
        f"{'pending':>8} | {'native ev/s':>12} | {'qnsim+py ev/s':>13} | {'EventLoop ev/s':>14} | "
        f"{'heapq ev/s':>11} | {'qnsim+py/heapq':>14}"
    )
    print(header)
    print("-" * len(header))
    native_at_1000 = None
    for pending in args.pending:
        m = interleaved_medians(args.repeats, pending, args)
        native, core_py, loop, peer = m["native"], m["core_py"], m["loop"], m["peer"]
        if pending == 1000:
            native_at_1000 = native
        print(
            f"{pending:>8,} | {native:>12.3e} | {core_py:>13.3e} | {loop:>14.3e} | {peer:>11.3e} | "
            f"{m['ratio']:>13.2f}x"
        )
    print(f"\ntarget: >= {TARGET_NATIVE:.0e} native events/s with 1000 pending on one core", end="")
    if native_at_1000 is not None:
        verdict = "met" if native_at_1000 >= TARGET_NATIVE else "NOT met"
        print(f": {verdict} ({native_at_1000:.3e})")
    else:
        print()


if __name__ == "__main__":
    main()
