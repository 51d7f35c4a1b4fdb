"""qnsim.DensityMatrixSimulator vs a numpy einsum density matrix, on 8-12 qubits.

The numpy peer reshapes rho (2^n x 2^n) into a tensor with 2n two-valued indices and applies a
k-qubit operator K as einsum(K, rho, conj(K)) on the k row indices and k column indices
(optimize=True, so numpy contracts pairwise with BLAS); channels sum that over Kraus operators.
Both sides work on the same state and are checked to agree before timing.

Target: the issue asks for the native engine to stream memory at n = 8-12 and to keep a 2-qubit
group cycle (the registry's merge/swap/split loop) in the hundreds of nanoseconds.

Usage: OPENBLAS_NUM_THREADS=1 python bench/density_vs_numpy.py [--qubits 8 10 12] [--repeats 5]
(one BLAS thread makes it a single-core comparison; qnsim is single-threaded).
Prints the median over the repeats of the time per operation, and numpy / qnsim.
"""

import argparse
import functools
import statistics
import time

import numpy as np

import qnsim

H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
CX = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)
PAULIS = [np.array(m, dtype=complex) for m in ([[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]])]


def random_unitary(rng, d):
    z = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / np.abs(np.diag(r)))


def numpy_channel(rho_t, ops, targets, n):
    """sum_K K rho K^dag on a rho tensor of shape [2] * 2n, by einsum on row and column indices."""
    k = len(targets)
    rows_new = [2 * n + j for j in range(k)]
    cols_new = [2 * n + k + j for j in range(k)]
    rho_lab = list(range(2 * n))
    out_lab = list(rho_lab)
    for j, t in enumerate(targets):
        out_lab[t] = rows_new[j]
        out_lab[n + t] = cols_new[j]
    out = None
    for op in ops:
        op_t = op.reshape([2] * (2 * k))
        term = np.einsum(
            op_t,
            rows_new + list(targets),
            rho_t,
            rho_lab,
            op_t.conj(),
            cols_new + [n + t for t in targets],
            out_lab,
            optimize=True,
        )
        out = term if out is None else out + term
    return out


def make_cases(n, u1, u2, amp, g, dep, p):
    """(name, qnsim op on a simulator, Kraus operators for numpy, targets) on qubits a, b."""
    a, b = n // 2, n - 1
    return [
        ("h", lambda s: s.h(a), [H], [a]),
        ("cx", lambda s: s.cx(a, b), [CX], [a, b]),
        ("unitary 1q", lambda s: s.apply_unitary(u1, [a]), [u1], [a]),
        ("unitary 2q", lambda s: s.apply_unitary(u2, [a, b]), [u2], [a, b]),
        ("amplitude_damp", lambda s: s.amplitude_damp(a, g), amp, [a]),
        ("apply_kraus (amp damp)", lambda s: s.apply_kraus(amp, [a]), amp, [a]),
        ("depolarize1", lambda s: s.depolarize1(a, p=p), dep, [a]),
    ]


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def fmt(seconds):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:8.2f} {unit}"
    return f"{seconds / 1e-9:8.2f} ns"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, nargs="+", default=[8, 10, 12])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    g = 0.1
    amp = [np.array([[1, 0], [0, np.sqrt(1 - g)]]), np.array([[0, np.sqrt(g)], [0, 0]])]
    p = 0.1
    dep = [np.sqrt(1 - p) * np.eye(2)] + [np.sqrt(p / 3) * m for m in PAULIS]

    print(f"{'op':<24}{'n':>4}{'qnsim':>14}{'numpy einsum':>16}{'speedup':>10}")
    for n in args.qubits:
        cases = make_cases(n, random_unitary(rng, 2), random_unitary(rng, 4), amp, g, dep, p)
        sim = qnsim.DensityMatrixSimulator(n, seed=1)
        sim.h(*range(n))
        for q in range(n):
            sim.apply_unitary(random_unitary(rng, 2), [q])
        rho0 = sim.density_matrix()
        for name, qnsim_op, ops, targets in cases:
            # Correctness first: one step of each must agree.
            check = qnsim.DensityMatrixSimulator(n)
            check.set_density_matrix(rho0)
            qnsim_op(check)
            ref = numpy_channel(rho0.reshape([2] * (2 * n)), ops, targets, n).reshape(2**n, 2**n)
            assert np.allclose(check.density_matrix(), ref, atol=1e-10), name
            del check, ref
            t_q = median_time(functools.partial(qnsim_op, sim), args.repeats)
            rho_t = rho0.reshape([2] * (2 * n))
            t_np = median_time(functools.partial(numpy_channel, rho_t, ops, targets, n), args.repeats)
            print(f"{name:<24}{n:>4}{fmt(t_q):>14}{fmt(t_np):>16}{t_np / t_q:>9.1f}x")

    # The registry's hot loop on 2-qubit groups: merge two Bell pairs (tensor), entanglement swap
    # (CX, H, measure the middle qubits), split the measured qubits out (trace_out).
    pair = qnsim.DensityMatrixSimulator(2, seed=2)
    pair.h(0)
    pair.cx(0, 1)

    def cycles(count):
        for _ in range(count):
            s = pair.tensor(pair)
            s.cx(1, 2)
            s.h(1)
            s.measure_and_trace_out(2)
            s.measure_and_trace_out(1)

    count = 20000
    t = median_time(lambda: cycles(count), args.repeats) / count
    print(
        f"\n2-qubit group cycle (tensor 2+2, cx, h, measure_and_trace_out x2) through Python: {t * 1e9:.0f} ns/cycle"
    )
    print("(5 binding calls per cycle; the native cycle is timed by cpp/density/density_matrix_perf.cc)")


if __name__ == "__main__":
    main()
