"""Per-event cost breakdown of a native run from a callgrind profile (instruction counts).

Instruction counts are repeatable on a loaded machine, unlike wall time, so the breakdown of
issue 11 ("Profile first") is taken from them. Each function's exclusive (self) count is put in
one bucket by where it lives:

- scheduler: cpp/sim (queue push/pop, dispatch; the network's EventQueue is inlined into Network::run)
- registry: the qubit registry's bookkeeping (handle lookup, group merge and split, stream lending)
- state kernels: the group states' gates, measurements and tensor products (stabilizer tableaus,
  density matrices)
- decay: memory decay and noise channels applied lazily (memory_decay, amplitude/phase damping,
  pauli channels, depolarize1, Network::bring_up_to_date, libm exp/log called for them is in "libm")
- network: cpp/network protocol steps (slot tables, generation, swapping, delivery; classical
  messages are arrival times computed in swap_now, not events, so "messaging" is counted here), and
  for bell_diagonal the closed-form pair updates
- rng: cpp/core/rng
- libm / libc: math functions and memcpy/malloc/free

Usage:
    valgrind --tool=callgrind --toggle-collect='qnsim::Network::run(long, bool)' \
        --callgrind-out-file=/tmp/cg.out network_perf 1000 bell_diagonal 1 0.1 asap continuous
    python bench/cost_breakdown.py /tmp/cg.out EVENTS
Prints each bucket's instructions per event and share.
"""

from __future__ import annotations

import re
import subprocess
import sys

DECAY = ("memory_decay", "amplitude_damp", "phase_damp", "pauli_channel_1", "depolarize1", "bring_up_to_date",
         "decay")


def bucket(location: str) -> str:
    """The bucket of one callgrind "file:function [object]" entry (inlined code counts where it was inlined)."""
    file, _, function = location.partition(":")
    # callgrind names a file relative to the build's source directory or absolutely: the same bucket either way
    file = re.sub(r"^/.*?/(cpp/)", r"\1", file)
    if any(k in function for k in DECAY):
        return "decay"
    # The function's name without its argument lists: the network's dispatch lambda, into which the link
    # success is inlined, is "Network::run(long, bool)::{lambda(qnsim::EventQueue::Event const&)#1}", and
    # its argument type made it (a third of the chain's instructions) count as the scheduler's.
    name = function
    while True:
        stripped = re.sub(r"\([^()]*\)", "", name)
        if stripped == name:
            break
        name = stripped
    if "Scheduler" in name or "EventQueue" in name or file.startswith("cpp/sim/") or "event_queue.h" in file:
        return "scheduler"
    if any(k in function for k in ("GroupTableau", "DensityMatrix", "Groups::")) or any(
        file.startswith(f"cpp/{d}/") for d in ("stabilizer", "density")
    ):
        return "state kernels"
    if any(k in function for k in ("RegistryImpl", "QubitRegistry")) or file.startswith("cpp/registry/"):
        return "registry"
    if "Rng::" in function or file.startswith("cpp/core/"):
        return "rng"
    if "qnsim::" in function or file.startswith("cpp/network/"):
        return "network"
    if "libm" in location:
        return "libm"
    return "libc/stl"


def main() -> None:
    path, events = sys.argv[1], int(sys.argv[2])
    out = subprocess.run(["callgrind_annotate", "--threshold=100", "--auto=no", path], capture_output=True, text=True,
                         check=True).stdout
    totals: dict[str, int] = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([\s\d.]+%\)\s+(.*)$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        totals[bucket(m.group(2))] = totals.get(bucket(m.group(2)), 0) + int(m.group(1).replace(",", ""))
    whole = sum(totals.values())
    print(f"{'bucket':<12}{'instr/event':>12}{'share':>8}")
    for name, count in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"{name:<12}{count / events:>12.0f}{count / whole:>8.1%}")
    print(f"{'total':<12}{whole / events:>12.0f}")


if __name__ == "__main__":
    main()
