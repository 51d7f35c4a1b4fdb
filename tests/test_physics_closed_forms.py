"""Protocol steps against closed forms written out here from the papers, not from qnsim: the
Bell-diagonal swap as Pauli composition (for any Bell-diagonal inputs, with the Bell
measurement's Stim-meaning noise), DEJMPS in Deutsch et al.'s own variables, BBPSSW's success
probability and fidelity, teleportation's (2F + 1)/3 for any Bell-diagonal resource, and the
documented bound on the twirled T1 through a swap. Exact on density matrices and in the
closed-form (bell_diagonal) updates; within stated sigmas on stabilizer trajectories (fixed seeds).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import physics_oracles as po
from stats import assert_binomial

import qnsim

BELL_NAMES = ("phi+", "psi+", "psi-", "phi-")
# A Bell-diagonal pair in the order (Phi+, Psi+, Psi-, Phi-) is Phi+ with one Pauli on the second
# qubit: I, X, Y (up to phase), Z. Its Pauli as (x, z) bits:
_PAULI_BITS = ((0, 0), (1, 0), (1, 1), (0, 1))
_INDEX = {bits: k for k, bits in enumerate(_PAULI_BITS)}

PAIRS = [
    (0.9, 0.05, 0.03, 0.02),
    (0.7, 0.2, 0.0, 0.1),
    (0.55, 0.05, 0.3, 0.1),
    (1.0, 0.0, 0.0, 0.0),
    (0.25, 0.25, 0.25, 0.25),
    (0.6, 0.0, 0.4, 0.0),
]


def composed(left, right):
    """Ideal swap of two Bell-diagonal pairs: the output's Pauli is the product of the inputs'
    (a Bell measurement with its corrections teleports one pair's error through the other), so the
    coefficient of Pauli k is the sum of l_i r_j over i * j = k (bits added mod 2)."""
    out = [0.0] * 4
    for i, (xi, zi) in enumerate(_PAULI_BITS):
        for j, (xj, zj) in enumerate(_PAULI_BITS):
            out[_INDEX[(xi ^ xj, zi ^ zj)]] += left[i] * right[j]
    return out


def correlators(c):
    """(<XX>, <YY>, <ZZ>) of Bell-diagonal coefficients (Phi+, Psi+, Psi-, Phi-)."""
    return (c[0] + c[1] - c[2] - c[3], -c[0] + c[1] - c[2] + c[3], c[0] - c[1] - c[2] + c[3])


def coefficients(corr):
    xx, yy, zz = corr
    return [(1 + xx - yy + zz) / 4, (1 + xx + yy - zz) / 4, (1 - xx - yy - zz) / 4, (1 - xx + yy + zz) / 4]


def bell_weights(reg, a, b):
    return np.array([reg.fidelity([a, b], name) for name in BELL_NAMES])


# ---- swap -------------------------------------------------------------------------------------


@pytest.mark.parametrize("left", PAIRS)
@pytest.mark.parametrize("right", PAIRS[:3])
def test_swap_composes_bell_diagonal_pairs_in_the_closed_form_and_on_density_matrices(left, right):
    want = composed(left, right)
    np.testing.assert_allclose(qnsim.bell_diagonal_swap(left, right), want, rtol=0, atol=1e-12)
    reg = qnsim.QubitRegistry("density_matrix", seed=17)
    for _ in range(4):  # every outcome pair leaves the same corrected state
        x, a = reg.bell_diagonal_pair(list(left))
        b, y = reg.bell_diagonal_pair(list(right))
        qnsim.entanglement_swap(reg, a, b, y)
        np.testing.assert_allclose(bell_weights(reg, x, y), want, rtol=0, atol=1e-12)
        reg.discard(x, y)


@pytest.mark.parametrize("gate1, gate2, measure", [(0.02, 0.0, 0.0), (0.0, 0.05, 0.0), (0.01, 0.03, 0.04)])
@pytest.mark.parametrize("left, right", [(PAIRS[0], PAIRS[1]), (PAIRS[2], PAIRS[5])])
def test_noisy_swap_of_bell_diagonal_pairs(left, right, gate1, gate2, measure):
    """depolarize2 after the CNOT, depolarize1 after the H, misread outcomes: the closed form
    (physics_oracles.swapped, written from the Stim meaning of the channels) for non-Werner pairs.
    Exact for bell_diagonal_swap; on density matrices each run is exact when no outcome is misread
    (the noise does not depend on the outcomes) and the mean over runs otherwise."""
    want = coefficients(po.swapped(correlators(left), correlators(right), gate1, gate2, measure))
    noise = dict(gate1_error=gate1, gate2_error=gate2, measure_error=measure)
    np.testing.assert_allclose(qnsim.bell_diagonal_swap(left, right, **noise), want, rtol=0, atol=1e-12)
    reg = qnsim.QubitRegistry("density_matrix", seed=5)
    runs = 3 if measure == 0 else 3000
    total = np.zeros(4)
    for _ in range(runs):
        x, a = reg.bell_diagonal_pair(list(left))
        b, y = reg.bell_diagonal_pair(list(right))
        qnsim.entanglement_swap(reg, a, b, y, **noise)
        w = bell_weights(reg, x, y)
        if measure == 0:
            np.testing.assert_allclose(w, want, rtol=0, atol=1e-12)
        total += w
        reg.discard(x, y)
    # Each run's weights are one of four wrong-correction branches: a mean of values in [0, 1].
    for k in range(4):
        assert_binomial(total[k], runs, want[k], what=f"mean {BELL_NAMES[k]} weight after a noisy swap")


def test_swap_on_stabilizer_trajectories_samples_the_composed_bell_coefficients():
    """Each stabilizer trajectory ends in one Bell state; their frequencies follow the composed
    coefficients (binomial, 5 sigma, 4000 swaps, seed 23) with gate noise included."""
    left, right = PAIRS[1], PAIRS[2]
    want = coefficients(po.swapped(correlators(left), correlators(right), 0.01, 0.02, 0.0))
    reg = qnsim.QubitRegistry("stabilizer", seed=23)
    counts = np.zeros(4)
    trials = 4000
    for _ in range(trials):
        x, a = reg.bell_diagonal_pair(list(left))
        b, y = reg.bell_diagonal_pair(list(right))
        qnsim.entanglement_swap(reg, a, b, y, gate1_error=0.01, gate2_error=0.02)
        w = bell_weights(reg, x, y)
        assert sorted(w) == [0.0, 0.0, 0.0, 1.0]
        counts += w
        reg.discard(x, y)
    for k in range(4):
        assert_binomial(counts[k], trials, want[k], what=f"stabilizer {BELL_NAMES[k]} frequency")


@pytest.mark.parametrize("f1, f2", [(0.95, 0.9), (0.8, 0.6), (0.5, 0.99)])
def test_werner_swap_formula(f1, f2):
    """F' = F1 F2 + (1 - F1)(1 - F2)/3 for Werner inputs, and the output is Werner again."""
    w1 = [f1] + [(1 - f1) / 3] * 3
    w2 = [f2] + [(1 - f2) / 3] * 3
    f = f1 * f2 + (1 - f1) * (1 - f2) / 3
    np.testing.assert_allclose(qnsim.bell_diagonal_swap(w1, w2), [f] + [(1 - f) / 3] * 3, rtol=0, atol=1e-12)
    assert qnsim.werner_swap_fidelity(f1, f2) == pytest.approx(f, abs=1e-12)


# ---- purification -----------------------------------------------------------------------------


def deutsch(pair):
    """DEJMPS in Deutsch et al.'s variables (PRL 77, 2818): A = Phi+, B = Psi-, C = Psi+, D = Phi-;
    N = (A + B)^2 + (C + D)^2, A' = (A^2 + B^2)/N, B' = 2CD/N, C' = (C^2 + D^2)/N, D' = 2AB/N.
    Returns (N, kept) with kept in qnsim's order (Phi+, Psi+, Psi-, Phi-)."""
    a, c, b, d = pair  # qnsim order: Phi+, Psi+, Psi-, Phi-
    n = (a + b) ** 2 + (c + d) ** 2
    a2, b2, c2, d2 = (a * a + b * b) / n, 2 * c * d / n, (c * c + d * d) / n, 2 * a * b / n
    return n, [a2, c2, b2, d2]


def bennett(f):
    """BBPSSW on two Werner pairs (PRL 76, 722): p = F^2 + 2F(1-F)/3 + 5((1-F)/3)^2,
    F' = (F^2 + ((1-F)/3)^2) / p."""
    e = (1 - f) / 3
    p = f * f + 2 * f * e + 5 * e * e
    return (f * f + e * e) / p, p


@pytest.mark.parametrize("pair", PAIRS[:3] + [(0.8, 0.1, 0.06, 0.04)])
def test_dejmps_equals_deutsch_et_al(pair):
    n, kept = deutsch(pair)
    p, got = qnsim.bell_diagonal_purify(pair, pair, "dejmps")
    assert p == pytest.approx(n, abs=1e-12)
    np.testing.assert_allclose(got, kept, rtol=0, atol=1e-12)
    expected, p_link = qnsim.dejmps(pair, pair)
    assert p_link == pytest.approx(n, abs=1e-12)
    np.testing.assert_allclose(expected, kept, rtol=0, atol=1e-12)
    reg = qnsim.QubitRegistry("density_matrix", seed=2)
    successes, trials = 0, 300
    for _ in range(trials):
        a1, b1 = reg.bell_diagonal_pair(list(pair))
        a2, b2 = reg.bell_diagonal_pair(list(pair))
        if qnsim.purify_round(reg, "dejmps", a1, b1, a2, b2):
            successes += 1
            np.testing.assert_allclose(bell_weights(reg, a1, b1), kept, rtol=0, atol=1e-10)
        reg.discard(a1, b1, a2, b2)
    assert_binomial(successes, trials, n, what="DEJMPS success rate on density matrices")


@pytest.mark.parametrize("f", [0.95, 0.75, 0.55])
def test_bbpssw_equals_bennett_et_al(f):
    f_out, p = bennett(f)
    assert qnsim.bbpssw(f) == pytest.approx((f_out, p), abs=1e-12)
    werner = [f] + [(1 - f) / 3] * 3
    p_closed, kept = qnsim.bell_diagonal_purify(werner, werner, "bbpssw")
    assert p_closed == pytest.approx(p, abs=1e-12) and kept[0] == pytest.approx(f_out, abs=1e-12)
    # The kept pair is not twirled again (the next round twirls its inputs): a bilateral CNOT and a
    # Z parity check on Werner pairs keep I.I and Z.Z as Phi+, I.Z as Phi-, X.X and Y.Y as Psi+,
    # X.Y as Psi-; with e = (1 - F)/3: (F^2 + e^2, 2 e^2, 2 e^2, 2 F e) / p.
    e = (1 - f) / 3
    np.testing.assert_allclose(kept, np.array([f * f + e * e, 2 * e * e, 2 * e * e, 2 * f * e]) / p, rtol=0, atol=1e-12)


def test_bbpssw_twirls_a_non_werner_input_to_its_fidelity():
    """BBPSSW depends on the inputs' fidelities only: a non-Werner pair of fidelity F purifies as
    the Werner pair of fidelity F does (the twirl comes first)."""
    pair = (0.8, 0.15, 0.0, 0.05)
    f_out, p = bennett(0.8)
    p_closed, kept = qnsim.bell_diagonal_purify(pair, pair, "bbpssw")
    assert (p_closed, kept[0]) == pytest.approx((p, f_out), abs=1e-12)


# ---- teleportation ----------------------------------------------------------------------------

# The six Pauli eigenstates: a 2-design, so their mean fidelity is the Haar average.
_OCTAHEDRON = [np.array(v, dtype=complex) / np.linalg.norm(v)
               for v in ([1, 0], [0, 1], [1, 1], [1, -1], [1, 1j], [1, -1j])]
_PREPARE = [[], ["x"], ["h"], ["x", "h"], ["h", "s"], ["x", "h", "s"]]


@pytest.mark.parametrize("pair", [(0.9, 0.1 / 3, 0.1 / 3, 0.1 / 3), (0.7, 0.2, 0.0, 0.1), (0.5, 0.0, 0.5, 0.0)])
def test_teleportation_average_fidelity_is_two_f_plus_one_over_three(pair):
    """Through any Bell-diagonal resource (a Pauli channel with identity weight F) the average
    fidelity over input states is (2F + 1)/3: exact over the octahedron on density matrices."""
    reg = qnsim.QubitRegistry("density_matrix", seed=9)
    fids = []
    for ket, gates in zip(_OCTAHEDRON, _PREPARE):
        data = reg.alloc()
        for g in gates:
            getattr(reg, g)(data)
        a, b = reg.bell_diagonal_pair(list(pair))
        qnsim.teleport(reg, data, a, b)
        fids.append(reg.fidelity([b], ket))
        reg.discard(data, a, b)
    assert np.mean(fids) == pytest.approx((2 * pair[0] + 1) / 3, abs=1e-12)
    if pair[0] > 0.5 and abs(pair[1] - pair[2]) < 1e-15:
        assert np.mean(fids) == pytest.approx(qnsim.teleportation_fidelity(pair[0]), abs=1e-12)


def test_teleportation_on_stabilizer_trajectories():
    """Werner F = 0.8: each trajectory's fidelity is 0, 1/2 or 1 for a Pauli eigenstate input;
    the mean over 6 x 1000 runs (seed 31) is (2F + 1)/3 = 0.8667 within 5 sigma (sigma <= 0.0064)."""
    f = 0.8
    reg = qnsim.QubitRegistry("stabilizer", seed=31)
    total, runs = 0.0, 0
    for _ in range(1000):
        for ket, gates in zip(_OCTAHEDRON, _PREPARE):
            data = reg.alloc()
            for g in gates:
                getattr(reg, g)(data)
            a, b = reg.bell_diagonal_pair([f] + [(1 - f) / 3] * 3)
            qnsim.teleport(reg, data, a, b)
            total += reg.fidelity([b], ket)
            runs += 1
            reg.discard(data, a, b)
    assert_binomial(total, runs, (2 * f + 1) / 3, what="teleportation mean fidelity")


# ---- the documented bound on the twirled T1 through a swap ------------------------------------


def test_twirled_t1_through_a_swap_stays_within_the_documented_bound():
    """docs/concepts.md: after one swap of Werner pairs, the twirled T1 (stabilizer, bell_diagonal)
    underestimates the exact pair's fidelity by at most ((1 + d1)(1 + d2) - 1)/4, d = gamma_a
    gamma_b of each link pair over its ends' whole storage. Checked per delivered pair of a
    bell_diagonal 3-node run against the exact closed form for the same storage times."""
    from test_network import _repeater, _repeater_histories  # noqa: F401 (the 3-node helper)

    t1 = 1e-3
    net_pairs, expected = _repeater("bell_diagonal", t1, 2e-3, num_pairs=200)
    shortfall = expected[:, 0] - net_pairs.fidelities
    np.testing.assert_allclose(net_pairs.fidelities, expected[:, 1], rtol=0, atol=1e-12)
    # Whole storage of each link pair's two ends, from the trace (emission to use).
    net = qnsim.Network("bell_diagonal", seed=3, trace=True)
    for name in "amb":
        net.add_node(name, t1_s=t1, t2_s=2e-3)
    l1 = net.add_link("a", "m", length_km=4.0, fidelity=0.95, success_probability=0.3, attempt_period_s=3e-5)
    l2 = net.add_link("m", "b", length_km=9.0, fidelity=0.9, success_probability=0.2, attempt_period_s=4e-5)
    net.request("a", "b", num_pairs=200)
    net.run(until_s=2.0, progress=False)
    bounds = []
    for swap_t, e1, e2, _ in _repeater_histories(net, l1, l2):
        c1, c2 = l1.classical_delay_s, l2.classical_delay_s
        d1 = po.gamma(swap_t + c1 - e1, t1) * po.gamma(swap_t - e1, t1)
        d2 = po.gamma(swap_t - e2, t1) * po.gamma(swap_t + c2 - e2, t1)
        bounds.append(((1 + d1) * (1 + d2) - 1) / 4)
    bounds = np.array(bounds)
    assert len(bounds) == len(shortfall) == 200
    assert shortfall.min() > 0 and shortfall.max() > 0.01  # the twirl visibly costs fidelity here
    assert np.all(shortfall <= bounds + 1e-12)


# ---- heralded generation through a transducer chain ---------------------------------------------


@pytest.mark.parametrize("alpha_a, alpha_b", [(0.1, 0.1), (0.05, 0.2)])
@pytest.mark.parametrize("multiplexed", [1, 4])
def test_single_and_double_click_through_transducers_follow_their_closed_forms(alpha_a, alpha_b, multiplexed):
    """Noise-free chains (no dark counts, N_add = 0, V = 1), unequal arms: per-arm efficiency
    eta = emission x transducer x 10^(-0.2 L / 10) x detector. Single click, from the emission
    model: p = (1-a_A) a_B eta_B + a_A (1-a_B) eta_A + a_A a_B (eta_A + eta_B - eta_A eta_B) and
    F = [(1-a_A) a_B eta_B + a_A (1-a_B) eta_A + 2 sqrt(a_A a_B (1-a_A)(1-a_B) eta_A eta_B)] / (2p).
    Double click: p = eta_A eta_B / 2, F = 1. M modes: 1 - (1 - p)^M per attempt; the attempt
    period is the slowest of the round trip and the sources' and transducers' rates."""
    from qnsim.hardware import Detector, Fiber, Source, Transducer

    src_a = Source(attempt_rate_hz=2e6, emission_efficiency=0.8, bright_state_alpha=alpha_a, num_modes=multiplexed)
    src_b = Source(attempt_rate_hz=1e6, emission_efficiency=0.6, bright_state_alpha=alpha_b, num_modes=multiplexed)
    t_a = Transducer(efficiency=0.5, added_noise_photons=0.0, repetition_rate_hz=5e4)
    t_b = Transducer(efficiency=0.3, added_noise_photons=0.0)
    fa, fb, det = Fiber(3.0), Fiber(7.0), Detector(0.9)
    eta_a = 0.8 * 0.5 * 10 ** (-0.2 * 3.0 / 10) * 0.9
    eta_b = 0.6 * 0.3 * 10 ** (-0.2 * 7.0 / 10) * 0.9
    a, b = alpha_a, alpha_b
    p1 = (1 - a) * b * eta_b + a * (1 - b) * eta_a + a * b * (eta_a + eta_b - eta_a * eta_b)
    coherence = 2 * math.sqrt(a * b * (1 - a) * (1 - b) * eta_a * eta_b)
    f1 = ((1 - a) * b * eta_b + a * (1 - b) * eta_a + coherence) / (2 * p1)
    p2 = eta_a * eta_b / 2
    round_trip = 2 * 7.0e3 / (qnsim.hardware.SPEED_OF_LIGHT_M_PER_S / 1.44)
    period = max(round_trip, 1 / 5e4)  # the transducer at A repeats at 50 kHz
    single = qnsim.link_models.heralded_link("single_click", src_a, src_b, fa, fb, det, t_a, t_b)
    double = qnsim.link_models.heralded_link("double_click", src_a, src_b, fa, fb, det, t_a, t_b)
    assert single.mode_success_probability == pytest.approx(p1, rel=1e-12)
    assert single.success_probability == pytest.approx(1 - (1 - p1) ** multiplexed, rel=1e-12)
    assert single.fidelity == pytest.approx(f1, rel=1e-12)
    assert single.attempt_period_s == pytest.approx(period, rel=1e-12)
    assert double.mode_success_probability == pytest.approx(p2, rel=1e-12)
    assert double.success_probability == pytest.approx(1 - (1 - p2) ** multiplexed, rel=1e-12)
    assert double.fidelity == pytest.approx(1.0, abs=1e-12)
    assert double.attempt_period_s == pytest.approx(2 * period, rel=1e-12)
