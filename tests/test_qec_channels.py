"""The Pauli channel of a teleported CNOT, against the density-matrix engine (Choi states)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qnsim
from qnsim import qec
from qnsim.qec.channels import PAULI_PAIRS

_PAULI = {
    "I": np.eye(2),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1.0, -1.0]).astype(complex),
}


def _choi_of_cnot_then(channel):
    """Choi state on (r_c, r_t, c, t) of an ideal CNOT c->t followed by the Pauli channel (numpy)."""
    phi = np.array([1, 0, 0, 1]) / np.sqrt(2)
    psi = np.einsum("ac,bd->abcd", phi.reshape(2, 2), phi.reshape(2, 2)).reshape(16)
    cnot = np.eye(4)[[0, 1, 3, 2]]
    psi = np.kron(np.eye(4), cnot) @ psi
    rho0 = np.outer(psi, psi.conj())
    rho = (1.0 - sum(channel.values())) * rho0
    for pair, p in channel.items():
        m = np.kron(np.eye(4), np.kron(_PAULI[pair[0]], _PAULI[pair[1]]))
        rho = rho + p * m @ rho0 @ m.conj().T
    return rho


def _registry_choi(bell, gate_error, measure_error, seed):
    reg = qnsim.QubitRegistry("density_matrix", seed=seed)
    rc, c = reg.bell_pair()
    rt, t = reg.bell_pair()
    a, b = reg.bell_diagonal_pair(list(bell))
    qnsim.remote_cnot(reg, c, a, b, t, gate2_error=gate_error, measure_error=measure_error)
    return reg.state([rc, rt, c, t])


bell_coefficients = st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4).filter(lambda v: sum(v) > 1e-3).map(
    lambda v: tuple(x / sum(v) for x in v)
)


@settings(deadline=None, max_examples=40)
@given(bell=bell_coefficients, gate_error=st.floats(0.0, 0.3), seed=st.integers(0, 2**31))
def test_teleported_cnot_channel_matches_density_matrix_engine(bell, gate_error, seed):
    # remote_cnot's measurement outcomes are random; every branch must give the same Choi state.
    rho = _registry_choi(bell, gate_error, 0.0, seed)
    expected = _choi_of_cnot_then(qec.teleported_cnot_channel(bell, gate_error=gate_error))
    np.testing.assert_allclose(rho, expected, atol=1e-12)


@settings(deadline=None, max_examples=10)
@given(bell=bell_coefficients, seed=st.integers(0, 2**31))
def test_both_outcomes_flipped_matches_engine(bell, seed):
    # measure_error = 1 flips both reported outcomes for sure: an exact, deterministic check.
    rho = _registry_choi(bell, 0.0, 1.0, seed)
    expected = _choi_of_cnot_then(qec.teleported_cnot_channel(bell, measure_error=1.0))
    np.testing.assert_allclose(rho, expected, atol=1e-12)


def _gadget_choi_with_flips(bell, flip1, flip2, seed):
    """The gadget step by step on the density-matrix simulator, one reported outcome flipped at will."""
    sim = qnsim.DensityMatrixSimulator(6, seed=seed)  # r_c, r_t, c, t, a, b
    rho_pair = qnsim.bell_diagonal_state(bell)
    psi = np.zeros(16)
    psi[0] = psi[15] = 0.5
    psi[5] = psi[10] = 0.5  # |Phi+>_{r_c c} |Phi+>_{r_t t} in the order (r_c, r_t, c, t)
    sim.set_density_matrix(np.kron(np.outer(psi, psi), rho_pair))
    rc, rt, c, t, a, b = range(6)
    sim.cx(c, a)
    m1 = sim.measure(a) ^ flip1
    if m1:
        sim.x(b)
    sim.cx(b, t)
    m2 = sim.mx(b) ^ flip2
    if m2:
        sim.z(c)
    return sim.partial_trace([rc, rt, c, t])


@pytest.mark.parametrize("measure_error", [0.05, 0.3])
def test_single_outcome_flips_mix_to_the_closed_form(measure_error):
    # Independent flips of each outcome: the four flip patterns weighted by their probabilities.
    bell = (0.8, 0.1, 0.06, 0.04)
    q = measure_error
    rho = sum(
        (q if f1 else 1 - q) * (q if f2 else 1 - q) * _gadget_choi_with_flips(bell, f1, f2, seed=3)
        for f1 in (0, 1)
        for f2 in (0, 1)
    )
    expected = _choi_of_cnot_then(qec.teleported_cnot_channel(bell, measure_error=q))
    np.testing.assert_allclose(rho, expected, atol=1e-12)


def test_closed_form_has_no_hook_terms():
    # A perfect-gadget teleported CNOT never puts X on the control or Z on the target.
    ch = qec.teleported_cnot_channel((0.7, 0.1, 0.1, 0.1))
    assert {k for k, v in ch.items() if v > 0} == {"IX", "ZI", "ZX"}
    assert list(ch) == list(PAULI_PAIRS)


def test_seam_error_rates_are_the_marginals_of_the_channel():
    bell = (0.9, 0.05, 0.03, 0.02)
    ch = qec.teleported_cnot_channel(bell)
    q_x, q_z = qec.seam_error_rates(bell)
    assert q_x == pytest.approx(sum(v for k, v in ch.items() if k[1] in "XY"))
    assert q_z == pytest.approx(sum(v for k, v in ch.items() if k[0] in "ZY"))


@pytest.mark.parametrize("wait", [1e-6, 40e-6, 500e-6])
def test_memory_twirl_has_the_entanglement_fidelity_of_the_exact_decay(wait):
    # Twirling keeps a channel's entanglement fidelity: the Phi+ overlap after decay of one half.
    t1, t2 = 300e-6, 200e-6
    reg = qnsim.QubitRegistry("density_matrix", seed=1)
    a, b = reg.bell_pair()
    reg.memory_decay(b, wait, t1, t2)
    exact = reg.fidelity([a, b])
    p = qec.memory_pauli_channel(wait, t1, t2)
    twirled = qec.bell_diagonal_after_memory((1, 0, 0, 0), (0, 0, 0), p)[0]
    assert twirled == pytest.approx(exact, abs=1e-12)


@pytest.mark.parametrize(
    "bell, match",
    [
        ((0.5, 0.5, 0.5, -0.5), r"\[3\] \(Phi-\) must be in \[0, 1\]"),
        ((0.9, 0.05, 0.05), "must have 4 entries"),
        ((0.9, 0.05, 0.05, 0.05), "must sum to 1"),
        (("a", 0, 0, 0), "four numbers"),
        ((float("nan"), 0, 0, 1), "finite"),
    ],
)
def test_bad_bell_diagonal_is_named(bell, match):
    with pytest.raises(ValueError, match=match):
        qec.teleported_cnot_channel(bell)


@pytest.mark.parametrize(
    "kwargs, match", [({"gate_error": -0.1}, "gate_error"), ({"measure_error": 2}, "measure_error")]
)
def test_bad_gadget_probability_is_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        qec.teleported_cnot_channel((1, 0, 0, 0), **kwargs)


def test_compose_rejects_unknown_pauli():
    with pytest.raises(ValueError, match="unknown two-qubit Pauli 'XQ'"):
        qec.compose_pauli2({"XQ": 0.1})


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        # Bools and text were times and counts, nan and -1 shot rates gave nan and -0.22 per round.
        (lambda: qec.memory_pauli_channel(True, 1.0, 1.0), TypeError, r"^seconds must be a real number, got True$"),
        (lambda: qec.memory_pauli_channel(1.0, "0.1", 1.0), TypeError, r"^t1_s must be a real number, got '0.1'$"),
        (lambda: qec.per_round(float("nan"), 3), ValueError, r"^shot_error_rate must be finite, got nan$"),
        (lambda: qec.per_round(-1, 3), ValueError, r"^shot_error_rate must be a probability .* got -1$"),
        (lambda: qec.per_round(0.1, True), ValueError, r"^rounds must be an integer, got True$"),
        (lambda: qec.per_round(0.1, 1.5), ValueError, r"^rounds must be an integer, got 1.5$"),
        (lambda: qec.wilson_interval(True, 10), ValueError, r"^errors must be an integer, got True$"),
        (lambda: qec.wilson_interval(1, 10, z=float("nan")), ValueError, r"^z must be finite, got nan$"),
    ],
)
def test_helpers_refuse_bools_text_and_non_probabilities(call, error, match):
    with pytest.raises(error, match=match):
        call()
