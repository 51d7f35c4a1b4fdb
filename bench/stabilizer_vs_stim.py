"""qnsim.StabilizerSimulator vs stim.TableauSimulator on the same random Clifford circuit text.

Not a test. Run: python bench/stabilizer_vs_stim.py [--repeats 5] [--sizes 100 1000 5000] [--kernel NAME]

Each circuit is `layers` rounds of: a random layer of H / S / CX covering every qubit, then M on a
random 5-10% subset (mostly random outcomes, which cost a collapse). Both simulators get the same
text and are timed from text to measurement record (parsing included), in one process, qnsim and
Stim alternating within each repeat so both see the same load; the figures are medians of the
process's CPU time (both simulators run on the calling thread), so time slices given to other
processes on a shared machine do not count, while their pressure on caches and memory still does.

- ns/gate: the gates-only circuit run again, WARM_RUNS times in a row, on a simulator that already
  ran it once (so construction, first-touch page faults and allocator warm-up are outside the
  timer), divided by the number of gates run. (Subtracting a separately timed construction, as this
  script did before, left mostly noise at n = 5000, where construction takes longer than the 8,000
  gates; and a single sub-millisecond run is often all preemption on a shared machine.)
- us/meas: (full circuit - gates-only circuit), each on a fresh simulator, divided by the number
  of measurements.
- init ms: constructing an n-qubit simulator.

Target (issue 11): qnsim/stim <= 1.0 for gates and for measurements at n = 100, 1,000 and 5,000.
--kernel forces one of qnsim's bit-kernel variants (see qnsim._core._bit_kernels()).
"""

import argparse
import os
import platform
import statistics
import time

# numpy's OpenBLAS threads spin on idle cores and steal time from both simulators.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import stim  # noqa: E402

import qnsim  # noqa: E402
from qnsim import _core  # noqa: E402

LAYERS = {100: 200, 1000: 20, 5000: 2, 10000: 1}
# Back-to-back runs of the gates-only circuit per timed sample: about 10-50 ms of work per sample.
WARM_RUNS = {100: 20, 1000: 20, 5000: 5, 10000: 5}


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


def timed(fn):
    """Runs fn(); returns the CPU seconds spent in the part fn marks with its start() callback."""
    marks = []
    fn(lambda: marks.append(time.process_time()))
    return time.process_time() - marks[-1]


def qnsim_init(n):
    def go(start):
        start()
        qnsim.StabilizerSimulator(n, seed=1)

    return go


def stim_init(n):
    def go(start):
        start()
        sim = stim.TableauSimulator(seed=1)
        sim.set_num_qubits(n)

    return go


def qnsim_run(n, text, warm_runs=0):
    def go(start):
        if warm_runs:
            sim = qnsim.StabilizerSimulator(n, seed=1)
            sim.do_circuit(text)
            start()
            for _ in range(warm_runs):
                sim.do_circuit(text)
        else:
            start()
            qnsim.StabilizerSimulator(n, seed=1).do_circuit(text)

    return go


def stim_run(n, text, warm_runs=0):
    def go(start):
        if warm_runs:
            sim = stim.TableauSimulator(seed=1)
            sim.set_num_qubits(n)
            sim.do_circuit(stim.Circuit(text))
            start()
            for _ in range(warm_runs):
                sim.do_circuit(stim.Circuit(text))
        else:
            start()
            sim = stim.TableauSimulator(seed=1)
            sim.set_num_qubits(n)
            sim.do_circuit(stim.Circuit(text))

    return go


def paired_medians(q_fn, s_fn, repeats):
    """Medians of qnsim and Stim timings, alternating which one goes first in each repeat."""
    qs, ss = [], []
    for r in range(repeats):
        if r % 2:
            ss.append(timed(s_fn))
            qs.append(timed(q_fn))
        else:
            qs.append(timed(q_fn))
            ss.append(timed(s_fn))
    return statistics.median(qs), statistics.median(ss)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    ap.add_argument("--kernel", default="auto", help="qnsim bit-kernel variant (default: the widest this CPU runs)")
    args = ap.parse_args()
    _core._select_bit_kernel(args.kernel)
    active, available = _core._bit_kernels()
    load = os.getloadavg()
    print(f"stim {stim.__version__}, qnsim {qnsim.__version__} (bit kernels: {active}; this CPU runs "
          f"{', '.join(available)}); {cpu_model()}, {os.cpu_count()} CPUs; CPU time, medians of {args.repeats} runs")
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    header = (f"{'n':>6} {'layers':>6} {'gates':>8} {'meas':>6} | {'qnsim init ms':>13} {'stim init ms':>12} | "
              f"{'qnsim ns/gate':>13} {'stim ns/gate':>12} {'ratio':>6} | "
              f"{'qnsim us/meas':>13} {'stim us/meas':>12} {'ratio':>6} | {'qnsim s':>8} {'stim s':>8} {'ratio':>6}")
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        layers = LAYERS.get(n, max(1, 20000 // n))
        text, gates, meas = random_circuit(n, layers, seed=n)
        gate_text, _, _ = random_circuit(n, layers, seed=n, measure=False)
        qc, sc = paired_medians(qnsim_init(n), stim_init(n), args.repeats)
        runs = WARM_RUNS.get(n, max(1, 100000 // n))
        qw, sw = paired_medians(qnsim_run(n, gate_text, runs), stim_run(n, gate_text, runs), args.repeats)
        qg, sg = paired_medians(qnsim_run(n, gate_text), stim_run(n, gate_text), args.repeats)
        qt, st = paired_medians(qnsim_run(n, text), stim_run(n, text), args.repeats)
        qm, sm = (qt - qg) / meas, (st - sg) / meas
        qpg, spg = qw / (runs * gates), sw / (runs * gates)
        print(f"{n:>6} {layers:>6} {gates:>8} {meas:>6} | {qc * 1e3:>13.2f} {sc * 1e3:>12.2f} | "
              f"{qpg * 1e9:>13.1f} {spg * 1e9:>12.1f} {qpg / spg:>6.2f} | "
              f"{qm * 1e6:>13.2f} {sm * 1e6:>12.2f} {qm / sm:>6.2f} | {qt:>8.4f} {st:>8.4f} {qt / st:>6.2f}")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
