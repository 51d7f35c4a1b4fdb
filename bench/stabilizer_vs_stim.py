"""qnsim.StabilizerSimulator vs stim.TableauSimulator on the same random Clifford circuit text.

Not a test. Run: python bench/stabilizer_vs_stim.py [--repeats 5] [--sizes 100 1000 5000]

Each circuit is `layers` rounds of: a random layer of H / S / CX covering every qubit, then M on a
random 5-10% subset (mostly random outcomes, which cost a collapse). Both simulators get the same
text and are timed from text to measurement record (parsing included), in one process. Construction of an n-qubit
simulator is timed on its own; (gates-only variant - construction) / #gates gives ns per gate, and
(full - gates only) / #measurements gives the cost of a measurement (mostly random outcomes). Target: qnsim/stim <= 1.5 at n = 1000 (goal: <= 1).
"""

import argparse
import os
import statistics
import time

# numpy's OpenBLAS threads spin on idle cores and steal time from both simulators.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import stim  # noqa: E402

import qnsim  # noqa: E402

LAYERS = {100: 200, 1000: 20, 5000: 2, 10000: 1}


def random_circuit(n, layers, seed, measure=True):
    rng = np.random.default_rng(seed)
    lines, gates, measurements = [], 0, 0
    for _ in range(layers):
        perm = rng.permutation(n)
        kinds = rng.integers(0, 3, size=n)  # 0 H, 1 S, 2 CX (paired up below)
        h = perm[kinds == 0]
        s = perm[kinds == 1]
        cx = perm[kinds == 2]
        cx = cx[: len(cx) // 2 * 2]
        for name, ts in (("H", h), ("S", s), ("CX", cx)):
            if len(ts):
                lines.append(name + " " + " ".join(map(str, ts)))
        gates += len(h) + len(s) + len(cx) // 2
        if measure:
            k = max(1, int(n * rng.uniform(0.05, 0.10)))
            lines.append("M " + " ".join(map(str, rng.choice(n, k, replace=False))))
            measurements += k
    return "\n".join(lines) + "\n", gates, measurements


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run_qnsim(n, text):
    return lambda: qnsim.StabilizerSimulator(n, seed=1).do_circuit(text)


def construct_qnsim(n):
    return lambda: qnsim.StabilizerSimulator(n, seed=1)


def construct_stim(n):
    def go():
        sim = stim.TableauSimulator(seed=1)
        sim.set_num_qubits(n)

    return go


def run_stim(n, text):
    def go():
        sim = stim.TableauSimulator(seed=1)
        sim.set_num_qubits(n)
        sim.do_circuit(stim.Circuit(text))

    return go


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    args = ap.parse_args()
    print(f"stim {stim.__version__}, qnsim {qnsim.__version__}; medians of {args.repeats} runs")
    header = (f"{'n':>6} {'layers':>6} {'gates':>8} {'meas':>6} | {'qnsim init ms':>13} {'stim init ms':>12} | "
              f"{'qnsim ns/gate':>13} {'stim ns/gate':>12} "
              f"{'ratio':>6} | {'qnsim us/meas':>13} {'stim us/meas':>12} {'ratio':>6} | "
              f"{'qnsim s':>8} {'stim s':>8} {'ratio':>6}")
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        layers = LAYERS.get(n, max(1, 20000 // n))
        text, gates, meas = random_circuit(n, layers, seed=n)
        gate_text, _, _ = random_circuit(n, layers, seed=n, measure=False)
        qc = median_time(construct_qnsim(n), args.repeats)
        sc = median_time(construct_stim(n), args.repeats)
        qg = median_time(run_qnsim(n, gate_text), args.repeats)
        sg = median_time(run_stim(n, gate_text), args.repeats)
        qt = median_time(run_qnsim(n, text), args.repeats)
        st = median_time(run_stim(n, text), args.repeats)
        qm, sm = (qt - qg) / meas, (st - sg) / meas
        qpg, spg = (qg - qc) / gates, (sg - sc) / gates
        print(f"{n:>6} {layers:>6} {gates:>8} {meas:>6} | {qc * 1e3:>13.2f} {sc * 1e3:>12.2f} | "
              f"{qpg * 1e9:>13.1f} {spg * 1e9:>12.1f} {qpg / spg:>6.2f} | {qm * 1e6:>13.2f} {sm * 1e6:>12.2f} {qm / sm:>6.2f} | "
              f"{qt:>8.4f} {st:>8.4f} {qt / st:>6.2f}")


if __name__ == "__main__":
    main()
