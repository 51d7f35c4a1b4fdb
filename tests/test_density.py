"""DensityMatrixSimulator against a plain numpy density-matrix reference."""

import copy
import doctest
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stats import assert_binomial

import qnsim
from qnsim import DensityMatrixSimulator

# ---------------------------------------------------------------------------------------------
# numpy reference: full operators with np.kron, rho -> U rho U^dag, Kraus sums.

I2 = np.eye(2, dtype=complex)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
Z = np.diag([1, -1]).astype(complex)
H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
S = np.diag([1, 1j])
SDAG = np.diag([1, -1j])
P0 = np.diag([1, 0]).astype(complex)
P1 = np.diag([0, 1]).astype(complex)
CX = np.kron(P0, I2) + np.kron(P1, X)
CY = np.kron(P0, I2) + np.kron(P1, Y)
CZ = np.diag([1, 1, 1, -1]).astype(complex)
SWAP = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=complex)
PAULI = {"I": I2, "X": X, "Y": Y, "Z": Z}
ONE_QUBIT_GATES = {"h": H, "s": S, "s_dag": SDAG, "x": X, "y": Y, "z": Z}
TWO_QUBIT_GATES = {"cx": CX, "cy": CY, "cz": CZ, "swap": SWAP}
PHI_PLUS = np.array([1, 0, 0, 1], dtype=complex) / np.sqrt(2)


def embed(mat, targets, n):
    """Full 2^n x 2^n operator of `mat` on `targets` (targets[0] = most significant bit)."""
    k = len(targets)
    rest = [q for q in range(n) if q not in targets]
    order = list(targets) + rest
    full = np.kron(mat, np.eye(2 ** (n - k))).reshape([2] * (2 * n))
    inv = list(np.argsort(order))
    return full.transpose(inv + [n + i for i in inv]).reshape(2**n, 2**n)


def ref_unitary(rho, u, targets):
    n = int(np.log2(rho.shape[0]))
    full = embed(u, targets, n)
    return full @ rho @ full.conj().T


def ref_kraus(rho, ops, targets):
    n = int(np.log2(rho.shape[0]))
    out = np.zeros_like(rho)
    for k in ops:
        full = embed(k, targets, n)
        out += full @ rho @ full.conj().T
    return out


def pauli_kraus(probs):
    """Kraus operators for {pauli label: probability}, identity taking the rest."""
    ops = [np.sqrt(1 - sum(probs.values())) * np.eye(2 ** len(next(iter(probs))))]
    for label, p in probs.items():
        mat = np.array([[1]], dtype=complex)
        for ch in label:
            mat = np.kron(mat, PAULI[ch])
        ops.append(np.sqrt(p) * mat)
    return ops


def amp_damp_kraus(g):
    return [np.array([[1, 0], [0, np.sqrt(1 - g)]]), np.array([[0, np.sqrt(g)], [0, 0]])]


def phase_damp_kraus(lam):
    return [np.array([[1, 0], [0, np.sqrt(1 - lam)]]), np.array([[0, 0], [0, np.sqrt(lam)]])]


def random_unitary(rng, d):
    z = (rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))) / np.sqrt(2)
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / np.abs(np.diag(r)))


def random_kraus(rng, d, m):
    """m Kraus operators from the blocks of a random (m d) x d isometry."""
    z = rng.normal(size=(m * d, d)) + 1j * rng.normal(size=(m * d, d))
    v, _ = np.linalg.qr(z)
    return [v[i * d : (i + 1) * d, :] for i in range(m)]


def random_density(rng, n, rank=None):
    d = 2**n
    a = rng.normal(size=(d, rank or d)) + 1j * rng.normal(size=(d, rank or d))
    rho = a @ a.conj().T
    return rho / np.trace(rho).real


def assert_valid(rho):
    assert abs(np.trace(rho) - 1) < 1e-10
    assert np.allclose(rho, rho.conj().T, atol=1e-12)
    assert np.linalg.eigvalsh(rho).min() > -1e-10


def uhlmann(rho, sigma):
    w, v = np.linalg.eigh(sigma)
    root = (v * np.sqrt(np.clip(w, 0, None))) @ v.conj().T
    lam = np.linalg.eigvalsh(root @ rho @ root)
    return float(np.sum(np.sqrt(np.clip(lam, 0, None))) ** 2)


def sim_with(rho, seed=0):
    sim = DensityMatrixSimulator(int(np.log2(rho.shape[0])), seed=seed)
    sim.set_density_matrix(rho)
    return sim


# ---------------------------------------------------------------------------------------------
# Random circuits vs the reference.

OP_KINDS = ["gate1", "gate2", "unitary", "kraus", "pauli_noise", "depolarize2", "damp", "reset", "measure"]
# Eigenvectors for outcome 0 and 1 of a measurement in each basis.
BASIS_STATES = {
    "Z": (np.array([1, 0]), np.array([0, 1])),
    "X": (np.array([1, 1]) / np.sqrt(2), np.array([1, -1]) / np.sqrt(2)),
    "Y": (np.array([1, 1j]) / np.sqrt(2), np.array([1, -1j]) / np.sqrt(2)),
}


@st.composite
def circuits(draw):
    n = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    kinds = [k for k in OP_KINDS if n >= 2 or k not in ("gate2", "depolarize2")]
    ops = draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=8))
    return n, seed, ops


def apply_random_op(kind, sim, rho, rng, n):
    """Applies one random op of `kind` to sim and returns the reference result for rho."""
    qubits = list(rng.permutation(n))
    p = float(rng.uniform(0, 1))
    if kind == "gate1":
        name = str(rng.choice(list(ONE_QUBIT_GATES)))
        getattr(sim, name)(int(qubits[0]))
        return ref_unitary(rho, ONE_QUBIT_GATES[name], qubits[:1])
    if kind == "gate2":
        name = str(rng.choice(list(TWO_QUBIT_GATES)))
        getattr(sim, name)(int(qubits[0]), int(qubits[1]))
        return ref_unitary(rho, TWO_QUBIT_GATES[name], qubits[:2])
    if kind == "unitary":
        k = int(rng.integers(1, min(n, 4) + 1))
        u = random_unitary(rng, 2**k)
        sim.apply_unitary(u, [int(q) for q in qubits[:k]])
        return ref_unitary(rho, u, qubits[:k])
    if kind == "kraus":
        k = int(rng.integers(1, min(n, 3) + 1))
        ops = random_kraus(rng, 2**k, int(rng.integers(1, 5)))
        sim.apply_kraus(np.array(ops), [int(q) for q in qubits[:k]])
        return ref_kraus(rho, ops, qubits[:k])
    q = int(qubits[0])
    if kind == "pauli_noise":
        which = str(rng.choice(["x_error", "y_error", "z_error", "depolarize1", "pauli_channel_1"]))
        if which == "pauli_channel_1":
            px, py, pz = rng.dirichlet([1, 1, 1, 1])[:3]
            sim.pauli_channel_1(q, px, py, pz)
            return ref_kraus(rho, pauli_kraus({"X": px, "Y": py, "Z": pz}), [q])
        getattr(sim, which)(q, p=p)
        probs = {
            "x_error": {"X": p},
            "y_error": {"Y": p},
            "z_error": {"Z": p},
            "depolarize1": {"X": p / 3, "Y": p / 3, "Z": p / 3},
        }[which]
        return ref_kraus(rho, pauli_kraus(probs), [q])
    if kind == "depolarize2":
        sim.depolarize2(q, int(qubits[1]), p=p)
        labels = ["".join(t) for t in itertools.product("IXYZ", repeat=2)][1:]
        return ref_kraus(rho, pauli_kraus({lab: p / 15 for lab in labels}), [q, qubits[1]])
    if kind == "damp":
        if rng.uniform() < 0.5:
            sim.amplitude_damp(q, p)
            return ref_kraus(rho, amp_damp_kraus(p), [q])
        sim.phase_damp(q, p)
        return ref_kraus(rho, phase_damp_kraus(p), [q])
    if kind == "measure":
        basis = str(rng.choice(["Z", "X", "Y"]))
        if rng.uniform() < 0.5:
            outcome = sim.measure(q, basis=basis)
        else:
            # Post-selection on the likelier Z outcome (never a ~0 probability).
            basis = "Z"
            p1 = sim.probability_of_one(q)
            outcome = int(p1 >= 0.5)
            assert sim.project(q, outcome) == pytest.approx(max(p1, 1 - p1), abs=1e-12)
        vec = BASIS_STATES[basis][outcome]
        proj = embed(np.outer(vec, vec.conj()), [q], n)
        post = proj @ rho @ proj
        return post / np.trace(post).real
    assert kind == "reset"
    sim.reset(q)
    return ref_kraus(rho, [np.outer([1, 0], [1, 0]), np.outer([1, 0], [0, 1])], [q])


@settings(max_examples=400, deadline=None)
@given(circuits())
def test_random_circuits_match_numpy_reference(circuit):
    n, seed, kinds = circuit
    rng = np.random.default_rng(seed)
    rho = random_density(rng, n, rank=int(rng.integers(1, 2**n + 1)))
    sim = sim_with(rho)
    for kind in kinds:
        rho = apply_random_op(kind, sim, rho, rng, n)
        got = sim.density_matrix()
        np.testing.assert_allclose(got, rho, atol=1e-10)
        assert_valid(got)


@pytest.mark.parametrize("name", sorted(ONE_QUBIT_GATES))
@pytest.mark.parametrize("n", [1, 3])
def test_every_one_qubit_gate_on_every_qubit(name, n):
    rng = np.random.default_rng(1)
    for q in range(n):
        rho = random_density(rng, n)
        sim = sim_with(rho)
        getattr(sim, name)(q)
        np.testing.assert_allclose(
            sim.density_matrix(), ref_unitary(rho, ONE_QUBIT_GATES[name], [q]), atol=1e-12
        )


@pytest.mark.parametrize("name", sorted(TWO_QUBIT_GATES))
def test_every_two_qubit_gate_on_every_ordered_pair(name):
    rng = np.random.default_rng(2)
    n = 3
    for a, b in itertools.permutations(range(n), 2):
        rho = random_density(rng, n)
        sim = sim_with(rho)
        getattr(sim, name)(a, b)
        np.testing.assert_allclose(
            sim.density_matrix(), ref_unitary(rho, TWO_QUBIT_GATES[name], [a, b]), atol=1e-12
        )


def test_multiple_targets_apply_in_order():
    rng = np.random.default_rng(3)
    rho = random_density(rng, 4)
    sim = sim_with(rho)
    sim.h(0, 2)
    sim.cx(0, 1, 3, 2)
    sim.x_error(1, 3, p=0.2)
    sim.depolarize2(0, 3, 1, 2, p=0.3)
    expected = ref_unitary(ref_unitary(rho, H, [0]), H, [2])
    expected = ref_unitary(ref_unitary(expected, CX, [0, 1]), CX, [3, 2])
    expected = ref_kraus(ref_kraus(expected, pauli_kraus({"X": 0.2}), [1]), pauli_kraus({"X": 0.2}), [3])
    labels = ["".join(t) for t in itertools.product("IXYZ", repeat=2)][1:]
    dep2 = pauli_kraus({lab: 0.3 / 15 for lab in labels})
    expected = ref_kraus(ref_kraus(expected, dep2, [0, 3]), dep2, [1, 2])
    np.testing.assert_allclose(sim.density_matrix(), expected, atol=1e-12)


def test_four_qubit_unitary_and_kraus_on_six_qubits():
    rng = np.random.default_rng(4)
    rho = random_density(rng, 6)
    sim = sim_with(rho)
    u = random_unitary(rng, 16)
    sim.apply_unitary(u, [4, 1, 5, 0])
    rho = ref_unitary(rho, u, [4, 1, 5, 0])
    ops = random_kraus(rng, 16, 2)
    sim.apply_kraus(ops, [2, 5, 0, 3])
    rho = ref_kraus(rho, ops, [2, 5, 0, 3])
    np.testing.assert_allclose(sim.density_matrix(), rho, atol=1e-10)
    assert_valid(sim.density_matrix())


def test_every_op_on_seven_qubits_matches_reference():
    # Larger strides than the hypothesis circuits reach (bits in both halves of a 14-bit index).
    rng = np.random.default_rng(12)
    rho = random_density(rng, 7, rank=3)
    sim = sim_with(rho)
    for kind in OP_KINDS:
        for _ in range(2):
            rho = apply_random_op(kind, sim, rho, rng, 7)
    np.testing.assert_allclose(sim.density_matrix(), rho, atol=1e-10)
    assert_valid(sim.density_matrix())


def test_single_kraus_matrix_is_a_unitary_channel():
    rng = np.random.default_rng(5)
    rho = random_density(rng, 2)
    sim = sim_with(rho)
    u = random_unitary(rng, 2)
    sim.apply_kraus(u, 1)
    np.testing.assert_allclose(sim.density_matrix(), ref_unitary(rho, u, [1]), atol=1e-12)


# ---------------------------------------------------------------------------------------------
# Conventions and closed forms.


def test_set_state_vector_builds_the_projector():
    sim = DensityMatrixSimulator(2)
    sim.set_state_vector(PHI_PLUS)
    np.testing.assert_allclose(sim.density_matrix(), np.outer(PHI_PLUS, PHI_PLUS), atol=1e-15)
    with pytest.raises(ValueError, match=r"state vector of shape \(2,\) does not match num_qubits=2"):
        sim.set_state_vector([1, 0])
    with pytest.raises(ValueError, match="state vector has squared norm 4"):
        sim.set_state_vector([2, 0, 0, 0])


def test_qubit_zero_is_the_most_significant_bit():
    sim = DensityMatrixSimulator(3)
    sim.x(0)
    rho = sim.density_matrix()
    assert rho.dtype == np.complex128 and rho.shape == (8, 8)
    assert rho[4, 4] == 1
    assert sim.expectation("Z__") == -1 and sim.expectation("_Z_") == 1


def test_h_then_cx_makes_phi_plus():
    sim = DensityMatrixSimulator(2)
    sim.h(0)
    sim.cx(0, 1)
    np.testing.assert_allclose(sim.density_matrix(), np.outer(PHI_PLUS, PHI_PLUS), atol=1e-15)
    assert sim.fidelity(PHI_PLUS) == pytest.approx(1)
    assert sim.expectation("XX") == pytest.approx(1)
    assert sim.expectation("YY") == pytest.approx(-1)
    assert sim.expectation("-YY") == pytest.approx(1)
    assert sim.peek_observable_expectation("+ZZ") == pytest.approx(1)
    assert sim.expectation("ZI") == pytest.approx(0)


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.75, 1.0])
def test_depolarize1_on_half_a_bell_pair_gives_werner_fidelity(p):
    sim = DensityMatrixSimulator(2)
    sim.h(0)
    sim.cx(0, 1)
    sim.depolarize1(1, p=p)
    assert sim.fidelity(PHI_PLUS) == pytest.approx(1 - p)
    bell = [PHI_PLUS, np.array([0, 1, 1, 0]) / np.sqrt(2), np.array([0, 1, -1, 0]) / np.sqrt(2)]
    bell.append(np.array([1, 0, 0, -1]) / np.sqrt(2))
    werner = (1 - p) * np.outer(bell[0], bell[0]) + sum(p / 3 * np.outer(b, b) for b in bell[1:])
    np.testing.assert_allclose(sim.density_matrix(), werner, atol=1e-12)


def test_depolarize2_on_a_bell_pair():
    sim = DensityMatrixSimulator(2)
    sim.h(0)
    sim.cx(0, 1)
    sim.depolarize2(0, 1, p=0.3)
    # XX, YY and ZZ (3 of the 15) leave |Phi+> unchanged up to sign.
    assert sim.fidelity(PHI_PLUS) == pytest.approx(1 - 0.3 + 3 * 0.3 / 15)
    sim.depolarize2(0, 1, p=15 / 16)
    np.testing.assert_allclose(sim.density_matrix(), np.eye(4) / 4, atol=1e-12)


@pytest.mark.parametrize("gamma", [0.0, 0.3, 1.0])
def test_amplitude_damping_closed_form(gamma):
    sim = DensityMatrixSimulator(1)
    sim.x(0)
    sim.amplitude_damp(0, gamma)
    assert sim.probability_of_one(0) == pytest.approx(1 - gamma)
    sim = DensityMatrixSimulator(1)
    sim.h(0)
    sim.amplitude_damp(0, gamma)
    rho = sim.density_matrix()
    np.testing.assert_allclose(
        rho, [[1 - (1 - gamma) / 2, np.sqrt(1 - gamma) / 2], [np.sqrt(1 - gamma) / 2, (1 - gamma) / 2]]
    )


@pytest.mark.parametrize("lam", [0.0, 0.36, 1.0])
def test_phase_damping_scales_coherence_by_sqrt_one_minus_lambda(lam):
    sim = DensityMatrixSimulator(1)
    sim.h(0)
    sim.phase_damp(0, lam)
    np.testing.assert_allclose(
        sim.density_matrix(), [[0.5, np.sqrt(1 - lam) / 2], [np.sqrt(1 - lam) / 2, 0.5]]
    )
    assert sim.expectation("X") == pytest.approx(np.sqrt(1 - lam))


def test_expectation_matches_trace_of_pauli_product():
    rng = np.random.default_rng(6)
    rho = random_density(rng, 3)
    sim = sim_with(rho)
    for label in itertools.product("IXYZ", repeat=3):
        full = np.array([[1]], dtype=complex)
        for ch in label:
            full = np.kron(full, PAULI[ch])
        assert sim.expectation("".join(label)) == pytest.approx(np.trace(full @ rho).real, abs=1e-12)
    assert sim.expectation("_x_") == pytest.approx(sim.expectation("IXI"))


def test_fidelity_with_state_and_density_targets_on_subsets():
    rng = np.random.default_rng(7)
    rho = random_density(rng, 3)
    sim = sim_with(rho)
    red = rho.reshape([2] * 6).transpose(2, 0, 1, 5, 3, 4).reshape(8, 8)  # qubit order (2, 0, 1)
    red = np.einsum("abcdec->abde", red.reshape([2] * 6)).reshape(4, 4)  # trace qubit 1 -> keep (2, 0)
    psi = random_unitary(rng, 4)[:, 0]
    assert sim.fidelity(psi, qubits=[2, 0]) == pytest.approx(np.vdot(psi, red @ psi).real, abs=1e-12)
    sigma = random_density(rng, 2)
    assert sim.fidelity(sigma, qubits=[2, 0]) == pytest.approx(uhlmann(red, sigma), abs=1e-9)
    # A pure density-matrix target gives <psi|rho|psi>, and F(rho, rho) = 1.
    assert sim.fidelity(np.outer(psi, psi.conj()), [2, 0]) == pytest.approx(
        np.vdot(psi, red @ psi).real, abs=1e-9
    )
    assert sim.fidelity(rho) == pytest.approx(1, abs=1e-9)


# ---------------------------------------------------------------------------------------------
# Measurement.


def test_measurement_statistics_and_collapse():
    theta = 2 * np.arcsin(np.sqrt(0.3))  # Ry(theta)|0> has P(1) = 0.3
    ry = np.array([[np.cos(theta / 2), -np.sin(theta / 2)], [np.sin(theta / 2), np.cos(theta / 2)]])
    base = DensityMatrixSimulator(2, seed=11)
    base.apply_unitary(ry, [0])
    base.cx(0, 1)
    assert base.probability_of_one(0) == pytest.approx(0.3)
    ones = 0
    trials = 4000
    for _ in range(trials):
        sim = base.copy()  # a fresh stream per copy, drawn from base's seeded stream
        m0 = sim.measure(0)
        assert m0 in (0, 1)
        assert sim.probability_of_one(0) == m0  # collapsed and renormalized
        assert sim.measure(1) == m0  # correlated partner
        assert np.trace(sim.density_matrix()).real == pytest.approx(1)
        ones += m0
    assert_binomial(ones, trials, 0.3, what="P(1)")


def test_measure_x_and_y_bases_keep_qubit_in_eigenstate():
    sim = DensityMatrixSimulator(1, seed=1)
    sim.h(0)
    assert sim.mx(0) == 0
    assert sim.expectation("X") == pytest.approx(1)
    sim.z(0)
    assert sim.measure(0, basis="X") == 1
    sim.h(0)
    sim.s(0)  # |+i>
    assert sim.my(0) == 0
    assert sim.expectation("Y") == pytest.approx(1)
    assert sim.measure(0, basis="y") == 0
    outcome = sim.measure(0)  # Z on |+i> is random, then collapses
    assert sim.expectation("Z") == pytest.approx(1 - 2 * outcome)


def test_seed_reproduces_outcomes_and_copy_is_independent():
    def run(seed):
        sim = DensityMatrixSimulator(3, seed=seed)
        sim.h(0, 1, 2)
        return sim.measure_many(0, 1, 2) + sim.measure_many(0, 1, 2)

    assert run(42) == run(42)
    assert any(run(42) != run(s) for s in range(43, 60))
    sim = DensityMatrixSimulator(1)
    twin = sim.copy()
    twin.x(0)
    assert sim.expectation("Z") == 1 and twin.expectation("Z") == -1
    assert copy.deepcopy(twin).expectation("Z") == -1
    # copy_rng=True (and copy.copy) replay the same outcomes; a plain copy gets its own stream.
    sim = DensityMatrixSimulator(1, seed=9)
    sim.h(0)
    same = [sim.copy(copy_rng=True) for _ in range(20)] + [copy.copy(sim) for _ in range(20)]
    assert len({s.measure(0) for s in same}) == 1
    assert len({sim.copy().measure(0) for _ in range(40)}) == 2
    assert sim.copy(seed=5).measure(0) == sim.copy(seed=5).measure(0)


@pytest.mark.parametrize("basis", ["Z", "X", "Y"])
def test_measure_and_trace_out_equals_measure_then_trace_out(basis):
    rng = np.random.default_rng(13)
    for seed in range(10):
        sim = sim_with(random_density(rng, 3), seed=seed)
        twin = sim.copy(copy_rng=True)
        outcome = sim.measure_and_trace_out(1, basis=basis)
        assert twin.measure(1, basis=basis) == outcome
        twin.trace_out(1)
        assert sim.num_qubits == 2
        np.testing.assert_allclose(sim.density_matrix(), twin.density_matrix(), atol=1e-12)
    with pytest.raises(ValueError, match="measurement basis 'Q'"):
        sim.measure_and_trace_out(0, basis="Q")
    with pytest.raises(IndexError, match="qubit 2 is out of range for num_qubits=2"):
        sim.measure_and_trace_out(2)


def test_project_and_reset():
    sim = DensityMatrixSimulator(2)
    sim.h(0)
    sim.cx(0, 1)
    assert sim.project(1, 1) == pytest.approx(0.5)
    np.testing.assert_allclose(sim.density_matrix(), np.diag([0, 0, 0, 1]), atol=1e-15)
    sim.reset(0, 1)
    np.testing.assert_allclose(sim.density_matrix(), np.diag([1, 0, 0, 0]), atol=1e-15)


# ---------------------------------------------------------------------------------------------
# Composition.


def test_tensor_trace_out_and_partial_trace_match_numpy():
    rng = np.random.default_rng(8)
    a, b = random_density(rng, 2), random_density(rng, 1)
    sa, sb = sim_with(a), sim_with(b)
    joint = sa.tensor(sb)
    assert joint.num_qubits == 3
    np.testing.assert_allclose(joint.density_matrix(), np.kron(a, b), atol=1e-15)
    rho = random_density(rng, 4)
    t = rho.reshape([2] * 8)
    for q in range(4):
        sim = sim_with(rho)
        sim.trace_out(q)
        expected = np.trace(t, axis1=q, axis2=4 + q).reshape(8, 8)
        np.testing.assert_allclose(sim.density_matrix(), expected, atol=1e-14)
        assert sim.num_qubits == 3
    sim = sim_with(rho)
    for keep in ([3, 1], [0], [2, 0, 3], [0, 1, 2, 3], [3, 2, 1, 0], []):
        # einsum over repeated (traced) labels, then order the kept row/col axes as `keep`.
        rows = list(range(4))
        cols = [q + 4 if q in keep else q for q in range(4)]
        expected = np.einsum(t, rows + cols, [*keep, *(q + 4 for q in keep)])
        d = 2 ** len(keep)
        np.testing.assert_allclose(sim.partial_trace(keep), expected.reshape(d, d), atol=1e-14)
    # Tracing everything out leaves the 0-qubit state [[1]].
    sim.trace_out(0)
    sim.trace_out(0)
    sim.trace_out(0)
    sim.trace_out(0)
    assert sim.num_qubits == 0
    np.testing.assert_allclose(sim.density_matrix(), [[1]])


def test_two_qubit_group_cycle():
    # The registry's hot loop: merge two pairs, swap entanglement, split the measured qubits out.
    pair = DensityMatrixSimulator(2, seed=3)
    pair.h(0)
    pair.cx(0, 1)
    sim = pair.tensor(pair)
    sim.cx(1, 2)
    sim.h(1)
    m2 = sim.measure_and_trace_out(2)
    m1 = sim.measure_and_trace_out(1)
    if m2:
        sim.x(1)
    if m1:
        sim.z(1)
    assert sim.fidelity(PHI_PLUS) == pytest.approx(1)


def test_docstring_example_runs():
    # The class lives in qnsim._core, which the package doctest run skips; run it here.
    runner = doctest.DocTestRunner()
    test = doctest.DocTestParser().get_doctest(qnsim.DensityMatrixSimulator.__doc__, {}, "doc", None, 0)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 5


# ---------------------------------------------------------------------------------------------
# Errors.


def test_too_many_qubits_raises_state_too_large_naming_memory():
    with pytest.raises(
        qnsim.StateTooLargeError, match=r"15-qubit density matrix would need 17179869184 bytes.*limit is 14"
    ):
        DensityMatrixSimulator(15)
    with pytest.raises(MemoryError, match="2\\^84 bytes"):
        DensityMatrixSimulator(40)
    with pytest.raises(ValueError, match=r"num_qubits must be in \[0, 2\*\*63 - 1\], got -1$"):
        DensityMatrixSimulator(-1)
    big = DensityMatrixSimulator(8)
    with pytest.raises(qnsim.StateTooLargeError, match="16-qubit"):
        big.tensor(big)


def test_qubit_errors():
    sim = DensityMatrixSimulator(2)
    with pytest.raises(IndexError, match="qubit 2 is out of range for num_qubits=2"):
        sim.h(2)
    with pytest.raises(IndexError, match="qubit -1 is out of range for num_qubits=2"):
        sim.x(-1)
    with pytest.raises(IndexError, match="qubit 7 is out of range"):
        sim.cx(0, 7)
    with pytest.raises(IndexError, match="qubit 5 is out of range"):
        sim.partial_trace([5])
    with pytest.raises(IndexError, match="qubit 3 is out of range"):
        sim.measure(3)
    with pytest.raises(TypeError, match="a qubit must be an int, got 'a'"):
        sim.h("a")
    with pytest.raises(ValueError, match=r"cx pair \(1, 1\) uses qubit 1 twice"):
        sim.cx(1, 1)
    with pytest.raises(ValueError, match=r"cz takes pairs of qubits, got an odd number of targets \(3\)"):
        sim.cz(0, 1, 0)
    with pytest.raises(ValueError, match="qubit 0 appears twice"):
        sim.apply_unitary(np.eye(4), [0, 0])
    with pytest.raises(ValueError, match="qubit 1 appears twice"):
        sim.partial_trace([1, 1])
    # A bad target anywhere leaves the state untouched.
    with pytest.raises(IndexError):
        sim.x(0, 9)
    assert sim.expectation("ZI") == 1


def test_matrix_errors():
    sim = DensityMatrixSimulator(2)
    with pytest.raises(ValueError, match=r"not unitary: max \|U U\^dag - I\| = 3 > 1e-09"):
        sim.apply_unitary(np.diag([1, 2]), [0])
    with pytest.raises(
        ValueError, match=r"unitary of shape \(4, 4\) does not match 1 targets; expected \(2, 2\)"
    ):
        sim.apply_unitary(np.eye(4), [0])
    with pytest.raises(ValueError, match="apply_unitary takes 1 to 8 targets, got 0"):
        sim.apply_unitary(np.eye(1), [])
    with pytest.raises(ValueError, match=r"not trace preserving: max \|sum K\^dag K - I\| = 0.75 > 1e-09"):
        sim.apply_kraus([np.diag([1, 0.5])], [0])
    with pytest.raises(ValueError, match=r"Kraus operators of shape \(2, 4, 4\) do not match 1 targets"):
        sim.apply_kraus(np.zeros((2, 4, 4)), [1])
    with pytest.raises(ValueError, match=r"Kraus operators of shape \(0, 2, 2\) do not match 1 targets"):
        sim.apply_kraus(np.zeros((0, 2, 2)), [0])
    with pytest.raises(ValueError, match="apply_unitary takes 1 to 8 targets, got 9"):
        DensityMatrixSimulator(9).apply_unitary(np.eye(512), list(range(9)))
    with pytest.raises(ValueError, match="apply_kraus takes 1 to 4 targets, got 5"):
        DensityMatrixSimulator(5).apply_kraus(np.eye(32)[None], [0, 1, 2, 3, 4])
    with pytest.raises(ValueError, match=r"density matrix of shape \(2, 2\) does not match num_qubits=2"):
        sim.set_density_matrix(np.eye(2) / 2)
    with pytest.raises(ValueError, match="not Hermitian: max \\|m - m\\^dag\\| = 1"):
        sim.set_density_matrix(np.diag([1, 0, 0, 0]) + np.eye(4, k=1))
    with pytest.raises(ValueError, match="has trace 2"):
        sim.set_density_matrix(np.diag([1, 1, 0, 0]))
    with pytest.raises(ValueError, match="not positive semidefinite: minimum eigenvalue -0.5"):
        sim.set_density_matrix(np.diag([1.5, -0.5, 0, 0]))
    with pytest.raises(ValueError, match="not positive semidefinite \\(Cholesky"):
        bad = np.zeros((128, 128))
        bad[0, 0], bad[1, 1] = 1.5, -0.5
        DensityMatrixSimulator(7).set_density_matrix(bad)
    with pytest.raises(ValueError, match=r"target of shape \(3,\) does not match 2 qubits"):
        sim.fidelity(np.ones(3))
    with pytest.raises(ValueError, match="state vector has squared norm 2"):
        sim.fidelity(np.array([1, 1, 0, 0]))
    with pytest.raises(ValueError, match="target density matrix has trace 0.5"):
        sim.fidelity(np.eye(4) / 8)
    with pytest.raises(ValueError, match="limited to 6 qubits"):
        DensityMatrixSimulator(7).fidelity(np.eye(128) / 128)
    assert sim.expectation("ZZ") == 1  # untouched by the failed calls


def _nan_off_diagonal(d):
    m = np.eye(d, dtype=complex) / d
    m[0, 1] = m[1, 0] = np.nan
    return m


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda s: s.apply_unitary(np.full((2, 2), np.nan), [0]), r"not unitary: max \|U U\^dag - I\| = nan"),
        (lambda s: s.apply_unitary(np.array([[np.nan, 0], [0, 1]]), [0]), r"not unitary: .* = nan"),
        (lambda s: s.apply_kraus([np.full((2, 2), np.nan)], [0]), r"not trace preserving: .* = nan"),
        (lambda s: s.apply_kraus([np.eye(2), np.array([[0, np.nan], [0, 0]])], [0]), r"not trace preserving: .* = nan"),
        (lambda s: s.set_density_matrix(_nan_off_diagonal(4)), r"not Hermitian: max \|m - m\^dag\| = nan"),
        (lambda s: s.fidelity(_nan_off_diagonal(4)), r"target density matrix is not Hermitian: .* = nan"),
        (lambda s: qnsim.QubitRegistry(seed=1).pair_with_state(_nan_off_diagonal(4)), r"not Hermitian: .* = nan"),
        (lambda s: qnsim._core.concurrence(_nan_off_diagonal(4)), r"not Hermitian: .* = nan"),
        (lambda s: qnsim._core.concurrence(np.eye(4)), r"has trace 4"),
        (lambda s: qnsim._core.concurrence(np.diag([1.5, -0.5, 0, 0])), r"not positive semidefinite"),
    ],
    ids=["unitary all nan", "unitary one nan", "kraus all nan", "kraus one nan", "state", "fidelity target",
         "registry pair", "concurrence nan", "concurrence trace", "concurrence psd"],
)
def test_nan_entries_and_non_states_are_refused(call, match):
    # A NaN entry used to pass every check (std::max drops NaN: the deviation read 0) and poison the
    # state; concurrence() took any 4x4 matrix and answered 0.
    sim = DensityMatrixSimulator(2)
    with pytest.raises(ValueError, match=match):
        call(sim)
    assert sim.expectation("ZZ") == 1  # untouched


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda s: s.x_error(0, p=1.5), "p=1.5 is outside \\[0, 1\\]"),
        (lambda s: s.y_error(0, p=-0.1), "p=-0.1 is outside"),
        (lambda s: s.z_error(0, p=float("nan")), "p=nan is outside"),
        (lambda s: s.depolarize1(0, 1, p=2), "p=2.0 is outside"),
        (lambda s: s.depolarize2(0, 1, p=1.01), "p=1.01 is outside"),
        (lambda s: s.amplitude_damp(0, 1.2), "gamma=1.2 is outside"),
        (lambda s: s.phase_damp(1, -1), "lam=-1 is outside"),
        (lambda s: s.pauli_channel_1(0, 0.5, -0.25, 0), "py=-0.25 is outside"),
        (lambda s: s.pauli_channel_1(0, 0.5, 0.25, 0.5), "px \\+ py \\+ pz = 1.25 exceeds 1"),
    ],
)
def test_probability_errors(call, match):
    sim = DensityMatrixSimulator(2)
    with pytest.raises(ValueError, match=match):
        call(sim)
    assert sim.expectation("ZZ") == 1


def test_measurement_and_observable_errors():
    sim = DensityMatrixSimulator(2)
    with pytest.raises(ValueError, match="cannot project qubit 0 onto \\|1>: that outcome has probability 0"):
        sim.project(0, 1)
    with pytest.raises(ValueError, match=r"outcome must be in \[0, 1\], got 2$"):
        sim.project(0, 2)
    with pytest.raises(ValueError, match="measurement basis 'W' is not one of"):
        sim.measure(0, basis="W")
    with pytest.raises(ValueError, match="measurement basis 'XX' is not one of"):
        sim.measure(0, basis="XX")
    with pytest.raises(ValueError, match="Pauli string 'XQ' has invalid character 'Q' at position 1"):
        sim.expectation("XQ")
    with pytest.raises(
        ValueError, match="Pauli string '-XYZ' has 3 qubit terms but the density matrix has num_qubits=2"
    ):
        sim.expectation("-XYZ")
