"""Determinism audit, round 8: what still rested on the CPU's kernels. numpy's `@`, numpy.linalg.solve and inv call
OpenBLAS / LAPACK, whose kernel is the CPU's (or $OPENBLAS_CORETYPE's): the buffered QEC link queue, the link
models' Bell-diagonal states and thermal-noise click kernel, the results' Bell-basis matrices and the automatic
placement's pull took other last bits on another machine. numpy's own SIMD loops (chosen per CPU, turned off by
$NPY_DISABLE_CPU_FEATURES) are run both ways too."""

import platform
import random

import numpy as np
import pytest
from machine_dependent import outputs_with_simd_on_and_off

from qnsim import _core

# Figures of every path that used numpy's BLAS or LAPACK, as hex floats (every bit shows): the buffered Poisson
# queue's round timings (its stationary state was numpy.linalg.solve's, its storage integrals three `@`s), the
# interface a buffered link gives a seam, Bell-diagonal states (a 4x4 `@`), the click kernel of a link whose
# transducers add noise photons (2x2 inv and `@`), the results' Bell-basis matrices, an automatic placement.
_FIGURES = """
import numpy as np
from qnsim import link_models, results
from qnsim.estimate import QPU, Link, estimate
from qnsim.qec.link import LinkSupply, interface_from_link, round_timing

def show(*values):
    print(" ".join(float(v).hex() for v in np.ravel(np.asarray(values, dtype=complex).view(float))))

for d, buffer, rate_hz, cycle_s in [(3, 12, 2e6, 1e-6), (3, 40, 5e6, 1e-6), (5, 30, 3e6, 2e-6)]:
    t = round_timing(rate_hz=rate_hz, bell_diagonal=(0.97, 0.01, 0.01, 0.01), distance=d, cycle_time_s=cycle_s,
                     t1_s=1e-3, t2_s=5e-4, buffer_pairs=buffer, arrivals="poisson")
    show(t.round_time_s, t.poisson_wait_s, t.storage_s, *t.bell_diagonal_at_use, *t.wait_idle)
supply = LinkSupply(3e5, 0.98, (0.98, 0.01, 0.005, 0.005), (0.0,) * 4, 1000, 10, 1e-3, 1e-3, 1e-3, 1e-3, "given")
interface, timing = interface_from_link(supply, 3, cycle_time_s=1e-6, arrivals="poisson", buffer_pairs=30)
show(*interface.bell_diagonal, *interface.wait_idle, timing.storage_s)
rng = np.random.default_rng(8)
for weights in rng.dirichlet(np.ones(4), 40):
    show(link_models.bell_diagonal_state(weights), results._bell_diagonal_matrix(weights))
    rho = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    show(results._in_bell_basis(rho + rho.conj().T))  # (a Hermitian matrix made without a product)
    show(link_models._bell_weights(rho + rho.conj().T))  # numpy.einsum: its own loops, no BLAS
for noise in (1.405625651864215, 1.770599351226898):  # (kernels gave these two other bits)
    detector = link_models.Detector(efficiency=0.8, dark_count_rate_hz=1e3, visibility=0.93)
    show(*link_models._thermal_click_kernel((0.3, 0.2), (noise, 0.7 * noise), detector, 0.9).ravel())
qpu = QPU(num_qubits=4, e_1q=1e-4, e_2q=1e-3, e_meas=1e-3, e_t=1e-3)
lines = [f"CX {a} {b}" for a, b in (rng.choice(32, 2, replace=False) for _ in range(60))]
work = "REPEAT 10 {\\n" + "\\n".join(lines) + "\\n}\\nM " + " ".join(map(str, range(32))) + "\\n"
rates = [1.1e3, 2.3e3, 0.7e3, 3.1e3, 1.9e3, 0.9e3, 2.7e3, 1.3e3]
links = [Link((i, (i + 1) % 8), rate_hz=r, fidelity=0.99) for i, r in enumerate(rates)]
links += [Link((0, 4), rate_hz=1.37e3, fidelity=0.99), Link((2, 6), rate_hz=0.83e3, fidelity=0.99)]
report = estimate(work, [qpu] * 8, links, seed=1)
print(report.placement_method, report.to_json())
# Parts moved along a ring of 8 QPUs with two chords (the greedy's pulls are route costs times pair counts): the
# QPUs' order came out (1, 1, 0, 7, 3, 5, ...) under one kernel and (3, 3, 1, 0, 6, 4, ...) under the other.
from qnsim.estimate.estimator import along_the_network
from qnsim.estimate.placement import Placement
rates = {(0, 1): 3e3, (1, 2): 7e2, (2, 3): 1.5e3, (3, 4): 1.5e3, (4, 5): 1.5e3, (5, 6): 1.5e3, (6, 7): 1.5e3,
         (7, 0): 2e3, (5, 7): 2e3, (0, 5): 1e3}
ring = {ends: Link(ends, rate_hz=r, fidelity=0.99) for ends, r in rates.items()}
a = [0, 10, 15, 6, 1, 3, 13, 7, 7, 3, 3, 8, 4, 13, 5, 3, 8, 4, 1, 3, 6, 8, 10, 13, 13, 12, 8, 3, 15, 7, 11, 6, 12]
b = [2, 5, 8, 9, 11, 7, 5, 1, 1, 2, 11, 1, 5, 6, 6, 2, 11, 8, 10, 6, 13, 0, 12, 3, 9, 2, 6, 2, 5, 15, 10, 9, 3]
w = [1, 2, 1, 1, 3, 2, 3, 3, 1, 2, 2, 1, 1, 3, 3, 3, 2, 3, 3, 1, 4, 4, 1, 2, 4, 2, 2, 2, 4, 4, 3, 2, 2]
parts = Placement((4, 4, 0, 1, 3, 5, 7, 7, 5, 3, 2, 6, 0, 2, 6, 1), 8, 0, "metis")
pairs = (np.array(a), np.array(b), np.array(w, dtype=float))
print("moved", along_the_network(parts, pairs, [qpu] * 8, ring).qpu_of)
# numpy's exp, log and expm1 over arrays (AVX-512 loops where the CPU has them): the relay cycle's bound, the remote
# model's interpolation in log p and log q.
from qnsim.estimate.links import _relay_cycle_upper_s
from qnsim.qec.model import load_remote_model
show(_relay_cycle_upper_s([1.1e3, 2.3e3, 2.3e3, 0.7e3]))
model = load_remote_model()
show(*(model.log_error(basis, d, p, q) for basis in ("X", "Z") for d in (3, 7) for p, q in ((1.3e-3, 0.013),
       (2.2e-3, 0.031))))
"""


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"), reason="OpenBLAS's x86-64 kernel names")
def test_figures_are_the_same_bytes_whatever_blas_kernel_or_simd_loops_the_cpu_gets():
    """Old behaviour: under OPENBLAS_CORETYPE=Prescott (an older CPU's kernels) against Haswell's, the buffered
    Poisson queue's round timing (d = 5, 30 pairs of buffer) read storage_s 1.4081119366382565e-06 against
    ...515793e-06 (9e-12 relative: a central difference of two queue integrals) and its bell_diagonal_at_use
    0.010674398564881464 against ...492 (d = 3, 40 pairs: poisson_wait_s 1.326866739553994e-08 against
    ...39906e-08); Bell-diagonal states, Bell-basis matrices and the thermal click kernel (4x4 and 2x2 products)
    took other last bits, and the ring's parts were placed (3, 3, 1, 0, ...) against (1, 1, 0, 7, ...). Each is now
    a native loop in index order (``_core.ordered_matmul``, ``_core.ordered_solve``). The second process also runs
    numpy's baseline loops only (every SIMD target this CPU has turned off), the first the CPU's own: on this
    project's AVX2 machines no figure moved with them, before the fix or after; on an AVX-512 machine (an Intel Xeon
    VM, stop 50) numpy's AVX-512 exp and log moved the first and third round timings' last bits (storage_s
    0x1.0fc559995f5c2p-20 against 0x1.0fc5599963d70p-20), so those ufuncs over arrays are the engine's portable
    functions now (``_numerics.exp_array`` and its kin), and the figures above add the other paths that used them."""
    outputs = outputs_with_simd_on_and_off(_FIGURES)
    lines = outputs[0].splitlines()
    assert all(line.startswith(("0x", "-0x")) for line in lines[: 3 + 1 + 40 * 3 + 2])
    assert lines[3 + 1 + 40 * 3 + 2].split()[0] in ("metis", "kernighan_lin") and '"cut_weight"' in outputs[0]
    assert outputs[0] == outputs[1]


def _python_matmul(a, b):
    """a @ b in plain Python floats and complexes, each entry summed over its index ascending from 0."""
    out = []
    for row in a:
        sums = []
        for j in range(len(b[0])):
            total = 0.0
            for ail, bl in zip(row, b):
                total = total + ail * bl[j]
            sums.append(total)
        out.append(sums)
    return out


@pytest.mark.parametrize("kind", ["real", "complex", "vector"])
def test_an_ordered_product_is_its_sums_in_index_order(kind):
    """The native products against their definition written out in Python, bit for bit: each entry starts at 0.0
    and adds a[i][l] * b[l][j] (rounded, then added: no fused multiply-add) for l ascending; a complex product
    is (ar br - ai bi) + i (ar bi + ai br). numpy's `@` (BLAS) splits these sums and fuses products on FMA
    kernels, so it does not match them on every CPU. A zero factor is skipped (it adds +-0 to a sum that is never
    -0) unless its row of b holds an inf (0 * inf is NaN, and must show)."""
    rng = np.random.default_rng(len(kind))
    a, b = rng.normal(size=(7, 33)), rng.normal(size=(33, 5)) * 10.0 ** rng.integers(-8, 8, size=(33, 5))
    a[:, 3], a[2, 5], a[4, 7], b[7, 1] = 0.0, 0.0, 0.0, np.inf  # zeros skipped, unless 0 * inf makes a NaN
    if kind == "complex":
        a, b = a + 1j * rng.normal(size=a.shape), b - 1j * rng.normal(size=b.shape)
    if kind == "vector":
        b = b[:, 0]
    got = _core.ordered_matmul(a, b)
    want = _python_matmul(a.tolist(), b[:, None].tolist() if kind == "vector" else b.tolist())
    want = np.array(want)[:, 0] if kind == "vector" else np.array(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()


def test_an_ordered_solve_is_elimination_in_index_order():
    """The native solve against Gaussian elimination with partial pivoting written out in Python (the first
    row of the largest |pivot|, rows and back substitution in index order), bit for bit; it also solves (to
    rounding) what numpy.linalg.solve does, and refuses a singular matrix by name."""
    rng = random.Random(8)
    n = 9
    a = [[rng.uniform(-1, 1) for _ in range(n)] for _ in range(n)]
    b = [rng.uniform(-1, 1) for _ in range(n)]
    m, x = [row[:] for row in a], b[:]
    for c in range(n):
        p = max(range(c, n), key=lambda r: (abs(m[r][c]), -r))
        m[c], m[p], x[c], x[p] = m[p], m[c], x[p], x[c]
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            for j in range(c + 1, n):
                m[r][j] = m[r][j] - f * m[c][j]
            x[r] = x[r] - f * x[c]
    for i in reversed(range(n)):
        rest = x[i]
        for j in range(i + 1, n):
            rest = rest - m[i][j] * x[j]
        x[i] = rest / m[i][i]
    got = _core.ordered_solve(np.array(a), np.array(b))
    assert got.tobytes() == np.array(x).tobytes()
    assert np.allclose(got, np.linalg.solve(np.array(a), np.array(b)), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="singular"):
        _core.ordered_solve(np.ones((3, 3)), np.ones(3))
    with pytest.raises(ValueError, match="n x n array and n values"):
        _core.ordered_solve(np.ones((3, 2)), np.ones(3))
    with pytest.raises(ValueError, match="has 3 columns and the second 2 rows"):
        _core.ordered_matmul(np.ones((2, 3)), np.ones((2, 2)))
