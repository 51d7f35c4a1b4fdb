"""Placement: METIS (pymetis) against Kernighan-Lin bisection (networkx), side by side (issue 9).

For each workload the interaction cut (two-qubit gate applications between QPUs, lower is better)
and the time of a whole estimate (placement included) are printed, medians of 5 runs, and their
ratios. Workloads: a 10^4-qubit brickwork ring with long-range CNOTs on 64 QPUs, a 2,000-qubit random
sparse circuit on 16 QPUs, a 256-qubit all-to-all (QFT-like) circuit on 8 QPUs, and Stim's own
distance-9 surface-code memory circuit on 4 QPUs.

Needs pymetis (``pip install 'qnsim[metis]'``). Usage: python bench/placement.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import numpy as np

from qnsim.estimate import QPU, Link, Workload, estimate

sys.path.insert(0, os.path.dirname(__file__))
from estimate import trillion_gate_workload  # noqa: E402


def random_sparse(n: int = 2000, gates: int = 8000, seed: int = 3) -> str:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, gates)
    b = (a + rng.integers(1, 40, gates)) % n
    body = "\n".join(f" CX {x} {y}" for x, y in zip(a.tolist(), b.tolist()))
    return f"REPEAT 1000 {{\n{body}\n}}\n"


def all_to_all(n: int = 256) -> str:
    lines = [f" CZ {i} {j}" for i in range(n) for j in range(i + 1, n) if (i + j) % 3 == 0]
    return "REPEAT 10 {\n" + "\n".join(lines) + "\n}\n"


def surface_code() -> str:
    import stim

    return str(stim.Circuit.generated("surface_code:rotated_memory_x", distance=9, rounds=100))


def main() -> int:
    try:
        import pymetis  # noqa: F401
    except ImportError:
        print("pymetis is not installed: pip install 'qnsim[metis]'")
        return 2
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores shared)")
    cases = [
        ("ring 10^4 qubits, 64 QPUs", trillion_gate_workload(), 64, 160),
        ("random sparse 2000 qubits, 16 QPUs", random_sparse(), 16, 130),
        ("all-to-all 256 qubits, 8 QPUs", all_to_all(), 8, 33),
        ("Stim surface code d=9, 4 QPUs", surface_code(), 4, 41),
    ]
    print(f"{'workload':<38} {'cut METIS':>12} {'cut KL':>12} {'KL/METIS':>9} {'t METIS ms':>11} {'t KL ms':>9}")
    for name, text, k, cap in cases:
        w = Workload(text)
        qpus = [QPU(num_qubits=cap, e_1q=0.0, e_2q=0.0, e_meas=0.0) for _ in range(k)]
        links = [Link((i, j), rate_hz=1e9, fidelity=1.0) for i in range(k) for j in range(i + 1, k)]
        row = {}
        for partitioner in ("metis", "kernighan-lin"):
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                r = estimate(w, qpus, links, partitioner=partitioner, placement_strategy="spread")
                times.append(time.perf_counter() - t0)
            row[partitioner] = (r.cut_weight, statistics.median(times))
        (cm, tm), (ck, tk) = row["metis"], row["kernighan-lin"]
        print(f"{name:<38} {cm:>12.4g} {ck:>12.4g} {ck / cm if cm else float('nan'):>9.2f} "
              f"{tm * 1e3:>11.0f} {tk * 1e3:>9.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
