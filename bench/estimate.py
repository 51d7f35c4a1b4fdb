"""Benchmarks of distributed workload estimation (issues 5 and 9).

1. A 10^12-gate REPEAT-compressed workload on 10^4 logical qubits and 64 error-corrected QPUs
   (qubit_gate_ns_e4, 160 logical qubits each, all-to-all links), estimated end to end: parse,
   symbolic count, placement (METIS when pymetis is installed, and Kernighan-Lin), placed pass,
   pricing with T factories. Target (issue 9): < 1 s. Prints the median of 5 runs per partitioner.
2. An unrolled 10^8-gate circuit file (no REPEAT; long 'CX ...' and 'H ...' lines, a few hundred
   MB in /tmp) streamed by the native counter. Target: >= 10^7 gates/s with flat memory (peak
   RSS reported via resource.getrusage, before and after).

3. Peer: Stim parsing a 10^7-gate file of the same kind (parse only), ratio printed.
4. Estimate vs the event-driven simulate_execution on a 14,700-operation workload over 3 QPUs in
   compute-, latency- and link-bound regimes (target: within 10%), with the time of each.
5. Ideal link (10^15 pairs/s, F = 1, no latency): two QPUs / one QPU for the shipped 10^12-gate ring
   and the CNOT-heavy, T-after-remote and T-H-T probes, physical and error-corrected; for the probes on
   physical QPUs also the simulated ratio. Target: within 5% of 1 in logical cycles (error-corrected) and
   wall clock (physical); an error-corrected wall-clock ratio is the code distances' ratio times that,
   since the logical cycle is proportional to d. Two QPUs may take a larger d: even over an ideal link a remote
   merge fails more often than one on a single QPU (the teleportation gadget's own CNOT and measurements), and
   the default budget keeps an equal share for the remote operations (the CNOT-heavy probe: its 2,400 remote
   operations use 8.3e-4 at d = 5, above that share, so d = 7, 7/3 the wall clock). The report's note then names
   the budget that gives the smaller d, and the ratio with it is printed too (d = 5: 5/3).

Usage: python bench/estimate.py [--gates-file 1e8] [--keep-file] [--skip-stream]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import resource
import statistics
import tempfile
import time

import numpy as np

from qnsim.estimate import QPU, ErrorBudget, Link, SurfaceCode, estimate, stream_circuit_file

N_QUBITS = 10_000
N_QPUS = 64


def trillion_gate_workload(seed: int = 5) -> str:
    """Brickwork CX layers over 10^4 qubits, 512 long-range CX, H on all and T on every tenth qubit."""
    rng = np.random.default_rng(seed)
    even = " ".join(f"{i} {i + 1}" for i in range(0, N_QUBITS - 1, 2))
    odd = " ".join(f"{i} {i + 1}" for i in range(1, N_QUBITS - 1, 2))
    a = rng.integers(0, N_QUBITS, 512)
    b = (a + rng.integers(2, 200, 512)) % N_QUBITS
    far = " ".join(f"{x} {y}" for x, y in zip(a.tolist(), b.tolist()))
    h = " ".join(str(i) for i in range(N_QUBITS))
    t = " ".join(str(i) for i in range(0, N_QUBITS, 10))
    body = f"    H {h}\n    CX {even}\n    T {t}\n    CX {odd}\n    CX {far}\n"
    per_body = N_QUBITS + N_QUBITS // 2 + N_QUBITS // 10 + (N_QUBITS // 2 - 1) + 512
    inner = 1000
    outer = round(1e12 / (per_body * inner))
    return f"REPEAT {outer} {{\n  REPEAT {inner} {{\n{body}  }}\n  M 0 1 2 3\n}}\n"


def bench_estimate() -> None:
    text = trillion_gate_workload()
    qpus = [
        QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), logical_qubits=160, num_qubits=10**6)
        for _ in range(N_QPUS)
    ]
    links = [
        Link((i, j), rate_hz=1e7, fidelity=0.99, latency_s=1e-6, channels=16)
        for i in range(N_QPUS)
        for j in range(i + 1, N_QPUS)
    ]
    partitioners = (["metis"] if importlib.util.find_spec("pymetis") else []) + ["kernighan-lin"]
    for partitioner in partitioners:
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            r = estimate(text, qpus, links, partitioner=partitioner)
            times.append(time.perf_counter() - t0)
        total = r.local_gates_total + r.remote_gates
        ec = r.error_corrected
        print(
            f"[1] {partitioner}: {total:.4g} gates on {r.num_qubits} logical qubits / {r.num_qpus} QPUs, "
            f"cut {r.cut_weight:.4g}, remote operations {r.remote_gates:.4g}; d = {ec.code_distance}, "
            f"{ec.physical_qubits:,} physical qubits, runtime {r.wall_clock_s:.3g} s ({r.bound}); {r.verdict}"
        )
        print(
            f"    end-to-end estimate time: median {statistics.median(times) * 1e3:.0f} ms of 5 "
            f"(min {min(times) * 1e3:.0f} ms); target < 1000 ms"
        )


# T gates go ahead of the corrections of the remote CNOTs before them; RZ(0.3) on qubit 10, the
# target of a remote CNOT, needs its X correction (the sign of the angle depends on it): that is
# where latency shows.
SIM_BODY = """H 0 4 8
CX 0 1 4 5 8 9
CX 1 5
CX 0 5 0 6
CX 2 9
CX 6 10
T 5 9
RZ(0.3) 10
S 3 7 11
CX 3 2 7 6 11 10
M 11
"""


def bench_vs_simulation() -> None:
    from qnsim.estimate import simulate_execution

    text = "REPEAT 700 {\n" + SIM_BODY + "}\n"
    placement = [0] * 4 + [1] * 4 + [2] * 4
    qpus = [QPU(num_qubits=4) for _ in range(3)]
    regimes = [("compute", 1e9, 0.0, {}), ("latency", 1e9, 1e-6, {}), ("link (Poisson)", 5e4, 1e-6, {}),
               ("link (purified)", 5e5, 1e-6, {"target_fidelity": 0.99})]
    print("[4] estimate vs simulate_execution (14,700 operations, 3 QPUs):")
    for name, rate, latency, kw in regimes:
        fidelity = 0.9 if kw else 0.99
        links = [Link(k, rate_hz=rate, fidelity=fidelity, latency_s=latency) for k in ((0, 1), (0, 2), (1, 2))]
        t0 = time.perf_counter()
        est = estimate(text, qpus, links, placement=placement, **kw)
        t_est = time.perf_counter() - t0
        t0 = time.perf_counter()
        sim = simulate_execution(text, qpus, links, placement=placement, seed=11, **kw)
        t_sim = time.perf_counter() - t0
        print(f"    {name:<16} estimate {est.wall_clock_s:.4g} s ({est.bound}), simulated {sim.wall_clock_s:.4g} s, "
              f"ratio {est.wall_clock_s / sim.wall_clock_s:.3f} (target 0.9-1.1); "
              f"{t_est * 1e3:.1f} ms vs {t_sim * 1e3:.0f} ms")


PROBES = {
    # Ends with its measurements: without them one error-corrected QPU has nothing to price and refuses it (as QRE).
    "CNOT-heavy": "REPEAT 200 {\n CX 0 4 1 5 2 6 3 7\n CX 0 5 1 6 2 7 3 4\n CX 4 1 5 2 6 3 7 0\n H 0 5\n}\n"
                  "M 0 1 2 3 4 5 6 7\n",
    "T after remote": "REPEAT 300 {\n H 0 1 2 3 4 5 6 7\n CX 0 1 2 3 4 5 6 7\n CX 1 2 3 4 5 6 7 0\n T 0 3 4 7\n}\n",
}
PROBES["T-H-T"] = PROBES["T after remote"].replace(" T 0 3 4 7\n", " T 0 3 4 7\n H 0 4\n T 0 4\n")


def bench_ideal_link() -> None:
    from pathlib import Path

    from qnsim.estimate import simulate_execution

    shipped = (Path(__file__).parent.parent / "examples" / "estimate" / "workload.stim").read_text()
    ideal = [Link((0, 1), rate_hz=1e15, fidelity=1.0, latency_s=0.0)]
    print("[5] ideal link: two QPUs / one QPU (target 0.95-1.05; error-corrected: in logical cycles, and in wall clock "
          "at one code distance)")
    for level in ("physical", "error-corrected"):
        def qpu(logical=None, level=level):
            if level == "physical":
                return QPU.preset("qubit_gate_ns_e4", num_qubits=logical)
            return QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), logical_qubits=logical)

        cases = [("shipped ring", shipped, 32, None)]
        cases += [(name, text, 4, [0] * 4 + [1] * 4) for name, text in PROBES.items()]
        for name, text, per_qpu, placement in cases:
            one = estimate(text, qpu())
            two = estimate(text, [qpu(per_qpu), qpu(per_qpu)], ideal, placement=placement)
            line = (f"    {level:<15} {name:<15} one {one.wall_clock_s:.4g} s, two {two.wall_clock_s:.4g} s "
                    f"({two.remote_gates:.3g} remote), ratio {two.wall_clock_s / one.wall_clock_s:.3f}")
            if level == "physical" and placement is not None:
                sim = simulate_execution(text, [qpu(per_qpu), qpu(per_qpu)], ideal, placement=placement,
                                         buffer_pairs=1024)
                line += f"; simulated ratio {sim.wall_clock_s / one.wall_clock_s:.3f}"
            ec1, ec2 = one.error_corrected, two.error_corrected
            if ec1 is not None and ec2 is not None:
                line += (f"; d {ec1.code_distance} -> {ec2.code_distance}, logical cycles ratio "
                         f"{ec2.logical_cycles / ec1.logical_cycles:.3f}")
                found = re.search(r"ErrorBudget\(([0-9.e+-]+), remote=([0-9.e+-]+)\)", " ".join(two.notes))
                if found:
                    budget = ErrorBudget(float(found.group(1)), remote=float(found.group(2)))
                    split = estimate(text, [qpu(per_qpu), qpu(per_qpu)], ideal, placement=placement,
                                     error_budget=budget)
                    line += (f"; with the note's ErrorBudget({found.group(1)}, remote={found.group(2)}): d "
                             f"{split.error_corrected.code_distance}, ratio "
                             f"{split.wall_clock_s / one.wall_clock_s:.3f}")
            print(line)


def write_unrolled_file(path: str, gates: int) -> int:
    """Writes ~`gates` gates as long lines over qubits 0-9 (CX lines of 50 pairs, H lines of 100)."""
    perm = "0 1 2 3 4 5 6 7 8 9 1 2 3 4 5 6 7 8 9 0 "
    cx_line = "CX " + (perm * 5).strip() + "\n"  # 50 CX gates
    h_line = "H " + ("0 1 2 3 4 5 6 7 8 9 " * 10).strip() + "\n"  # 100 H gates
    block = (cx_line + h_line) * 100  # 15,000 gates
    per_block = 15_000
    n_blocks = gates // per_block
    with open(path, "w") as f:
        f.writelines(block for _ in range(n_blocks))
    return n_blocks * per_block


def bench_stream(gates: int, keep: bool) -> None:
    path = os.path.join(tempfile.gettempdir(), "qnsim_bench_unrolled.stim")
    if not (keep and os.path.exists(path)):
        written = write_unrolled_file(path, gates)
    else:
        written = gates // 15_000 * 15_000
    size_mb = os.path.getsize(path) / 1e6
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        c = stream_circuit_file(path)
        times.append(time.perf_counter() - t0)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert c.total_gates == written, (c.total_gates, written)
    med = statistics.median(times)
    print(
        f"[2] streamed {written:.3g} gates ({size_mb:.0f} MB file): median {med:.2f} s of 3 -> "
        f"{written / med / 1e6:.1f} M gates/s (target >= 10 M gates/s)"
    )
    print(
        f"    peak RSS {rss_before:.0f} MB before streaming, {rss_after:.0f} MB after "
        f"(file {size_mb:.0f} MB; chunk 4 MB)"
    )
    if not keep:
        os.unlink(path)


def bench_peer(gates: int = 10**7) -> None:
    """Peer: Stim parsing the same kind of unrolled file (parse only, no counting: a lower bound on
    what counting with Stim would cost)."""
    try:
        import stim
    except ImportError:
        print("[3] peer: stim not installed, skipped")
        return
    path = os.path.join(tempfile.gettempdir(), "qnsim_bench_peer.stim")
    written = write_unrolled_file(path, gates)
    ours, theirs = [], []
    for _ in range(3):  # Interleaved, so shared-core load hits both alike.
        t0 = time.perf_counter()
        stream_circuit_file(path)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with open(path) as f:
            stim.Circuit(f.read())
        theirs.append(time.perf_counter() - t0)
    os.unlink(path)
    a, b = statistics.median(ours), statistics.median(theirs)
    print(
        f"[3] peer on {written:.3g} gates: qnsim stream+count {a:.3f} s, stim parse only {b:.3f} s "
        f"(median of 3; ratio stim/qnsim {b / a:.1f}x)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gates-file", type=float, default=1e8)
    ap.add_argument("--keep-file", action="store_true", help="keep (and reuse) the generated file in /tmp")
    ap.add_argument("--skip-stream", action="store_true", help="only the 10^12-gate estimate")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores shared)")
    bench_estimate()
    bench_vs_simulation()
    bench_ideal_link()
    if not args.skip_stream:
        bench_stream(int(args.gates_file), args.keep_file)
        bench_peer()


if __name__ == "__main__":
    main()
