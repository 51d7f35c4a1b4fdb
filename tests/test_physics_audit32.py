"""Physics audit 32: the distributed-QEC interface's error weights at the bottom of the double range.

The seam's Pauli rates come from the pair's Bell-diagonal error weights, q_x = Psi+ + Psi- and q_z = Phi- + Psi-
(a teleported CNOT: X on the target from Psi+/Psi-, Z on the control from Phi-/Psi-). These are sums of small
numbers, exact to rounding at any scale; the old code rounded them to 15 decimal places, an absolute grid of 1e-15
that erased or moved every weight below a few 1e-15.
"""

from __future__ import annotations

import math

import pytest

from qnsim import qec


@pytest.mark.parametrize("infidelity", [3e-16, 1e-15, 1.4e-15, 7e-15, 2e-13, 0.03])
def test_a_werner_interface_keeps_its_infidelity_in_its_error_weights(infidelity):
    """A Werner pair of infidelity e has error weights e/3 each, so q_x = q_z = 2e/3 and the interface's infidelity
    is e (relative error of rounding only). Old: Interface.werner(1e-15) held the weights (0, 0, 0), a perfect
    seam (q_x = q_z = 0) and a circuit without seam noise; 1.4e-15 read back as an infidelity of 1e-15."""
    interface = qec.Interface.werner(infidelity)
    weights = interface.bell_diagonal[1:]
    for w in weights:
        assert w == pytest.approx(infidelity / 3, rel=1e-12, abs=0.0)
    assert interface.infidelity == pytest.approx(infidelity, rel=1e-12, abs=0.0)
    q_x, q_z = qec.seam_error_rates(interface.bell_diagonal)
    assert q_x == pytest.approx(2 * infidelity / 3, rel=1e-12, abs=0.0)
    assert q_z == pytest.approx(2 * infidelity / 3, rel=1e-12, abs=0.0)


def test_seam_error_rates_are_the_weights_sums_at_any_scale():
    """q_x = Psi+ + Psi-, q_z = Phi- + Psi-, for weights of 1e-16..1e-13 (a pair purified to 1 - 1e-15). Old:
    (4e-16, 3e-16, 3e-16) gave (1e-15, 1e-15) for (7e-16, 6e-16), the Z-basis seam rate 43% high."""
    for scale in (1e-16, 1e-15, 1e-14, 1e-13):
        psi_p, psi_m, phi_m = 4 * scale, 3 * scale, 3.5 * scale
        pair = (1.0 - (psi_p + psi_m + phi_m), psi_p, psi_m, phi_m)
        q_x, q_z = qec.seam_error_rates(pair)
        assert q_x == pytest.approx(psi_p + psi_m, rel=1e-12, abs=0.0)
        assert q_z == pytest.approx(phi_m + psi_m, rel=1e-12, abs=0.0)


def test_werner_weights_keep_a_small_infidelity_relative_to_itself():
    """qec.werner(F) has (1 - F)/3 on each error state, to 15 significant digits. Old: werner(1 - 1e-15) was
    (1 - 1e-15, 0, 0, 0), a Werner pair whose errors had vanished (its weights summed to 1 - 1e-15)."""
    f = 1.0 - 1e-15
    weights = qec.werner(f)[1:]
    for w in weights:
        assert w == pytest.approx((1.0 - f) / 3, rel=1e-12, abs=0.0)
    # Everyday figures still read as written (the reason for tidying at all).
    assert qec.werner(0.97) == (0.97, 0.01, 0.01, 0.01)
    assert math.fsum(qec.werner(0.97)) == pytest.approx(1.0, abs=1e-15)


def test_a_teleported_seam_of_a_nearly_perfect_pair_carries_its_pauli_channel():
    """The circuit of a memory experiment with a Werner interface of infidelity 1e-15 has seam noise of that size
    (its explicit=False channel form: the teleported CNOT's Pauli channel, every term e/3 or sums of them). Old:
    the weights rounded to 0, no PAULI_CHANNEL_2 at all: the seam was written as perfect."""
    noise = qec.NoiseModel.uniform_depolarizing(0.0)
    interface = qec.Interface.werner(1e-15, gadget_noise=False, explicit=False)
    text = str(qec.memory_circuit(3, rounds=3, noise=noise, interface=interface))
    assert "PAULI_CHANNEL_2" in text
    perfect = str(qec.memory_circuit(3, rounds=3, noise=noise, interface=qec.Interface.werner(0.0, gadget_noise=False,
                                                                                              explicit=False)))
    assert "PAULI_CHANNEL_2" not in perfect
