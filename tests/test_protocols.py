"""Native protocol steps against their closed forms: swap, BBPSSW, DEJMPS, teleportation and
remote CNOT, exactly on density matrices and within statistical error on stabilizer
trajectories."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stats import assert_binomial

import qnsim

BELL_NAMES = ("phi+", "psi+", "psi-", "phi-")


def bell_weights(reg, a, b):
    return np.array([reg.fidelity([a, b], name) for name in BELL_NAMES])


@settings(max_examples=25)
@given(f1=st.floats(0.3, 1), f2=st.floats(0.3, 1), seed=st.integers(0, 2**31))
def test_swap_of_werner_pairs_is_exact(f1, f2, seed):
    reg = qnsim.QubitRegistry("density_matrix", seed=seed)
    x, a = reg.bell_diagonal_pair([f1, (1 - f1) / 3, (1 - f1) / 3, (1 - f1) / 3])
    b, y = reg.bell_diagonal_pair([f2, (1 - f2) / 3, (1 - f2) / 3, (1 - f2) / 3])
    qnsim.entanglement_swap(reg, a, b, y)
    assert reg.fidelity([x, y]) == pytest.approx(qnsim.werner_swap_fidelity(f1, f2), abs=1e-12)


@pytest.mark.parametrize("fidelity", [0.95, 0.8, 0.6])
def test_bbpssw_matches_its_closed_form_exactly(fidelity):
    werner = [fidelity] + [(1 - fidelity) / 3] * 3
    expected_fidelity, expected_p = qnsim.bbpssw(fidelity)
    reg = qnsim.QubitRegistry("density_matrix", seed=4)
    successes, trials = 0, 400
    for _ in range(trials):
        a1, b1 = reg.bell_diagonal_pair(werner)
        a2, b2 = reg.bell_diagonal_pair(werner)
        if qnsim.purify_round(reg, "bbpssw", a1, b1, a2, b2):
            successes += 1
            assert reg.fidelity([a1, b1]) == pytest.approx(expected_fidelity, abs=1e-12)
        reg.discard(a1, b1, a2, b2)
    assert_binomial(successes, trials, expected_p, what="BBPSSW success rate")


@settings(max_examples=20)
@given(weights=st.lists(st.floats(0.01, 1), min_size=4, max_size=4), seed=st.integers(0, 2**31))
def test_dejmps_matches_its_closed_form_exactly(weights, seed):
    w = np.array(weights) / sum(weights)
    expected, p_success = qnsim.dejmps(w, w)
    reg = qnsim.QubitRegistry("density_matrix", seed=seed)
    # p_success >= 1/2 for any input ((A+B)^2 + (C+D)^2 with A+B+C+D = 1), so 80 rounds keep
    # about 40 pairs: every example checks kept pairs, and the success count is checked too.
    trials, successes = 80, 0
    for _ in range(trials):
        a1, b1 = reg.bell_diagonal_pair(list(w))
        a2, b2 = reg.bell_diagonal_pair(list(w))
        if qnsim.purify_round(reg, "dejmps", a1, b1, a2, b2):
            successes += 1
            np.testing.assert_allclose(bell_weights(reg, a1, b1), expected, atol=1e-10)
        reg.discard(a1, b1, a2, b2)
    assert successes > 0
    assert_binomial(successes, trials, p_success, what="DEJMPS success rate")


def test_dejmps_success_rate_and_fidelity_on_stabilizer_trajectories():
    w = [0.8, 0.1, 0.06, 0.04]
    expected, p_success = qnsim.dejmps(w, w)
    reg = qnsim.QubitRegistry("stabilizer", seed=11)
    trials, successes, fidelity_sum = 6000, 0, 0.0
    for _ in range(trials):
        a1, b1 = reg.bell_diagonal_pair(w)
        a2, b2 = reg.bell_diagonal_pair(w)
        if qnsim.purify_round(reg, "dejmps", a1, b1, a2, b2):
            successes += 1
            fidelity_sum += reg.fidelity([a1, b1])
        reg.discard(a1, b1, a2, b2)
    assert_binomial(successes, trials, p_success, what="DEJMPS success rate")
    assert_binomial(fidelity_sum, successes, expected[0], what="DEJMPS kept-pair fidelity")


def test_bbpssw_on_stabilizer_trajectories():
    fidelity = 0.8
    expected_fidelity, p_success = qnsim.bbpssw(fidelity)
    werner = [fidelity] + [(1 - fidelity) / 3] * 3
    reg = qnsim.QubitRegistry("stabilizer", seed=12)
    trials, successes, fidelity_sum = 6000, 0, 0.0
    for _ in range(trials):
        a1, b1 = reg.bell_diagonal_pair(werner)
        a2, b2 = reg.bell_diagonal_pair(werner)
        if qnsim.purify_round(reg, "bbpssw", a1, b1, a2, b2):
            successes += 1
            fidelity_sum += reg.fidelity([a1, b1])
        reg.discard(a1, b1, a2, b2)
    assert_binomial(successes, trials, p_success, what="BBPSSW success rate")
    assert_binomial(fidelity_sum, successes, expected_fidelity, what="BBPSSW kept-pair fidelity")


@pytest.mark.parametrize("fidelity", [1.0, 0.85, 0.6])
def test_teleportation_gives_2f_plus_1_over_3_for_haar_inputs(fidelity):
    rng = np.random.default_rng(3)
    reg = qnsim.QubitRegistry("density_matrix", seed=3)
    werner = [fidelity] + [(1 - fidelity) / 3] * 3
    for _ in range(6):
        u, _ = np.linalg.qr(rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)))
        data = reg.alloc()
        reg.apply_unitary(u, [data])
        a, b = reg.bell_diagonal_pair(werner)
        qnsim.teleport(reg, data, a, b)
        assert reg.fidelity([b], u[:, 0]) == pytest.approx(qnsim.teleportation_fidelity(fidelity), abs=1e-12)
        reg.discard(data, a, b)


CNOT = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)


@settings(max_examples=15)
@given(seed=st.integers(0, 2**31))
def test_remote_cnot_with_a_perfect_pair_is_a_cnot(seed):
    rng = np.random.default_rng(seed)
    reg = qnsim.QubitRegistry("density_matrix", seed=seed)
    u, _ = np.linalg.qr(rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4)))
    control, target = reg.alloc(), reg.alloc()
    reg.apply_unitary(u, [control, target])
    a, b = reg.bell_pair()
    qnsim.remote_cnot(reg, control, a, b, target)
    expected = CNOT @ u[:, 0]
    assert reg.fidelity([control, target], expected) == pytest.approx(1, abs=1e-10)


@pytest.mark.parametrize("fidelity", [0.9, 0.7])
def test_remote_cnot_through_a_werner_pair(fidelity):
    werner = [fidelity] + [(1 - fidelity) / 3] * 3
    reg = qnsim.QubitRegistry("density_matrix", seed=5)
    # |+>|0> -> Phi+; the pair's errors land as X_t, Z_c or both, each (1-F)/3.
    c, t = reg.alloc(), reg.alloc()
    reg.h(c)
    a, b = reg.bell_diagonal_pair(werner)
    qnsim.remote_cnot(reg, c, a, b, t)
    assert reg.fidelity([c, t]) == pytest.approx(fidelity, abs=1e-12)
    # |1>|0> -> |11>, flipped by the two X_t errors.
    c, t = reg.alloc(), reg.alloc()
    reg.x(c)
    a, b = reg.bell_diagonal_pair(werner)
    qnsim.remote_cnot(reg, c, a, b, t)
    assert reg.state([c, t])[3, 3].real == pytest.approx(1 - 2 * (1 - fidelity) / 3, abs=1e-12)


def test_measurement_errors_degrade_the_swap_as_a_pauli_flip():
    # A flipped m_b applies a wrong X: the swapped Phi+ becomes Psi+ with probability q, and a
    # flipped m_a a wrong Z (Phi-). With both flips independent: F = (1-q)^2.
    q = 0.1
    reg = qnsim.QubitRegistry("stabilizer", seed=21)
    trials, total = 8000, 0.0
    for _ in range(trials):
        x, a = reg.bell_pair()
        b, y = reg.bell_pair()
        qnsim.entanglement_swap(reg, a, b, y, measure_error=q)
        total += reg.fidelity([x, y])
        reg.discard(x, a, b, y)
    assert_binomial(total, trials, (1 - q) ** 2, what="swapped-pair fidelity")


def test_noise_arguments_are_checked():
    reg = qnsim.QubitRegistry(seed=0)
    x, a = reg.bell_pair()
    b, y = reg.bell_pair()
    with pytest.raises(ValueError, match=r"measure_error must be a probability in \[0, 1\], got 2.0"):
        qnsim.entanglement_swap(reg, a, b, y, measure_error=2.0)
    with pytest.raises(qnsim.ParameterError, match="^scheme must be one of 'bbpssw', 'dejmps', got 'pumping'$"):
        qnsim.purify_round(reg, "pumping", x, a, b, y)
