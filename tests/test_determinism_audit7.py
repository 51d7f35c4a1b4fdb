"""Determinism audit, round 7: an estimate is the same bytes on every CPU. Its finite-buffer link model summed with
numpy.dot, whose OpenBLAS kernel is the CPU's (or $OPENBLAS_CORETYPE's), and took numpy's exp, which has its own
vector code on AVX-512 CPUs: the same job gave other last bits on another machine."""

import os
import platform
import subprocess
import sys

import numpy as np
import pytest

from qnsim import _numerics
from qnsim.estimate import estimator

# A link-bound remote share whose pairs wait in a 300-pair buffer: its report carries the buffer chain's figures
# (fidelity_at_use, remote_error_expected, remote_success_probability) to the last bit. Then the interface a seam
# at d = 5 gets from a Poisson link of 3e5 pairs/s (its storage loss is a 24-node quadrature's sum).
_ESTIMATE = """
from qnsim.estimate import QPU, Link, estimate
q = QPU(num_qubits=2, e_1q=0.0, e_2q=0.0, e_meas=0.0, e_t=0.0)
work = "REPEAT 200 {\\n CX 0 1\\n REPEAT 1000 {\\n H 0\\n }\\n}\\nM 0 1\\n"
link = Link((0, 1), rate_hz=2e4, fidelity=0.99, memory_t1_s=1e-2, memory_t2_s=1e-2, buffer_pairs=300)
print(estimate(work, [q, q], [link], placement=[0, 1], cat_entangler=False, error_budget=0.5).to_json())
from qnsim.qec.link import LinkSupply, interface_from_link
supply = LinkSupply(3e5, 0.98, (0.98, 0.01, 0.005, 0.005), (0.0,) * 4, 1000, 10, 1e-3, 1e-3, 1e-3, 1e-3, "given")
print(interface_from_link(supply, 5, cycle_time_s=1e-6, experiment="merge", arrivals="poisson"))
"""


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"), reason="OpenBLAS's x86-64 kernel names")
def test_an_estimate_is_the_same_bytes_whatever_blas_kernel_the_cpu_gets():
    """Old behaviour: the buffer chain's level sums were numpy.dot calls, so OpenBLAS's ddot kernel for the CPU
    decided their rounding: under OPENBLAS_CORETYPE=Prescott (the kernel of an older CPU) this report's
    fidelity_at_use read 0.5046493846934358 against Haswell's ...359, remote_error_expected 99.07012306131284
    against ...281 and remote_success_probability 3.962320606076453e-60 against ...678e-60 (6e-14 relative):
    two machines gave two reports for one job. Likewise ``qnsim qec``'s interface from a Poisson link: its
    storage loss was a numpy.dot over the quadrature's nodes, so the pairs' error probabilities (and with them the
    sampled circuit) read 0.011390767895945236 under Prescott against ...234. The sums are now native loops in
    index order."""
    reports = {}
    for core in ("Haswell", "Prescott"):
        env = {**os.environ, "OPENBLAS_CORETYPE": core}
        reports[core] = subprocess.run([sys.executable, "-c", _ESTIMATE], env=env, capture_output=True, text=True,
                                       check=True).stdout  # fmt: skip
    assert '"fidelity_at_use"' in reports["Haswell"] and "Interface(" in reports["Haswell"]
    assert reports["Haswell"] == reports["Prescott"]


@pytest.mark.parametrize(("x", "b"), [(0.3, 64), (1.7, 300)])
def test_the_buffer_chain_is_its_equations_summed_in_one_order(x, b):
    """The chain's figures against the model written out in plain Python floats, one operation at a time: pmf[m]
    = exp(-x + m ln x - ln m!) by the engine's exp and log and _numerics.log_factorial (libm's before audit 11),
    tail[m] = 1 - (pmf[0] + ... + pmf[m - 1]), each level's cut sum over k
    ascending, divided by pmf[0], the levels then divided by their sum in index order. Old behaviour: the level
    sums were numpy.dot's, whose kernel splits a sum into partial sums (0.3, 64: 45 of the 64 levels differed in
    their last bits here), and pmf numpy's exp, which differs from libm's on AVX-512 CPUs. Bit for bit."""
    log_x = _numerics.log(x)
    pmf = [_numerics.exp(-x + m * log_x - _numerics.log_factorial(m)) for m in range(b + 2)]
    tail, below = [1.0], 0.0
    for m in range(b + 1):
        below += pmf[m]
        tail.append(max(1.0 - below, 0.0))
    pi = [1.0] + [0.0] * (b - 1)
    for j in range(b - 1):
        up = 0.0
        for k in range(j + 1):
            up += pi[k] * tail[j + 2 - k]
        pi[j + 1] = up / pmf[0]
        assert pi[j + 1] <= 1e250  # (the chain's rescaling of huge levels is not reached at these x)
    total = 0.0
    for level in pi:
        total += level
    pi = [level / total for level in pi]
    got_pi, got_pmf, got_tail = estimator._buffer_chain(x, b)
    assert got_pmf.tobytes() == np.array(pmf).tobytes()
    assert got_tail.tobytes() == np.array(tail).tobytes()
    assert got_pi.tobytes() == np.array(pi).tobytes()
