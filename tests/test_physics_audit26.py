"""Physics audit, round 26: multiplexed transducer links, dark counts, and the run's figures.

Each test states its closed form. Round 26 found no defect in what it probed (see the closing note): these tests pin
the figures against closed forms derived here, independently of the link model's kernel code, so that a change
which breaks one of them fails.

Conventions: an arm's detection efficiency eta = emission x transducer efficiency x 10^(-0.2 (L/2) / 10) x detector
efficiency (0.2 dB/km, the station at the midpoint); p_d = 1 - exp(-dark rate x window) per detector and window;
q = 1 - p_d; m multiplexed modes per attempt succeed with 1 - (1 - p)^m.
"""

from __future__ import annotations

import math

import numpy as np
import physics_oracles as po
import pytest
from stats import assert_normal

import qnsim
from qnsim.hardware import Detector, Fiber, Source, Transducer
from qnsim.link_models import heralded_link


def _arm(emission: float, transducer: float, length_km: float, detector: float) -> float:
    return emission * transducer * 10 ** (-0.2 * (length_km / 2) / 10) * detector


@pytest.mark.parametrize("modes", [1, 3])
@pytest.mark.parametrize("visibility", [1.0, 0.8])
def test_transducer_double_click_multiplexed_success_and_fidelity(modes, visibility):
    """Barrett-Kok through noiseless transducers, no dark counts, m modes.

    Closed form: per mode p = eta^2 / 2 (one click in each round: 2 (K01 K10 + K00 K11) with K01 = eta / 2, K00 = 0),
    independent of the visibility V; per attempt 1 - (1 - p)^m; F = (1 + V) / 2 (the Psi coherence carries two
    amplitude overlaps sqrt(V)). The period is two rounds, each the light's round trip to the station 5 km away.
    """
    src = Source(attempt_rate_hz=1e6, emission_efficiency=0.9, num_modes=modes)
    t = Transducer(efficiency=0.3, added_noise_photons=0.0)
    link = heralded_link("double_click", src, src, Fiber(5.0), Fiber(5.0), Detector(0.8, visibility=visibility), t, t)
    eta = _arm(0.9, 0.3, 10.0, 0.8)
    p = eta * eta / 2
    assert link.mode_success_probability == pytest.approx(p, rel=1e-12)
    assert link.success_probability == pytest.approx(1 - (1 - p) ** modes, rel=1e-12)
    assert link.fidelity == pytest.approx((1 + visibility) / 2, abs=1e-12)
    assert link.attempt_period_s == pytest.approx(2 * 2 * Fiber(5.0).delay_s, rel=1e-12)
    assert link.rate_hz == pytest.approx(link.success_probability / link.attempt_period_s, rel=1e-12)


def test_transducer_added_noise_fidelity_lowest_order():
    """Barrett-Kok with transducer added noise N_add, perfect detection otherwise, V = 1, eta -> 0.

    Closed form (lowest order in eta, x = N_add / emission efficiency, independent of the transducer's efficiency):
    F = ((1/2 + x)^2 + 1/4) / (2 (x (1 + x) + (1/2 + x)^2)); x = 0.1 gives 0.64894.
    """
    src = Source(attempt_rate_hz=1e6, emission_efficiency=0.9)
    x = 0.1
    expected = ((0.5 + x) ** 2 + 0.25) / (2 * (x * (1 + x) + (0.5 + x) ** 2))
    for efficiency in (1e-4, 3e-5):
        t = Transducer(efficiency=efficiency, added_noise_photons=0.09)
        link = heralded_link("double_click", src, src, Fiber(5.0), Fiber(5.0), Detector(0.9), t, t)
        assert link.fidelity == pytest.approx(expected, abs=2e-5)


@pytest.mark.parametrize("alpha", [0.1, 0.3])
def test_dark_counts_alone_herald_only_noise(alpha):
    """Zero efficiency, dark counts p_d: every herald is false.

    Closed forms: single click heralds when exactly one of two detectors fires, p = 2 p_d q; the qubits keep their
    emitters' product state diag((1-a)^2, a(1-a), a(1-a), a^2), node B's X making it
    diag(a(1-a), (1-a)^2, a^2, a(1-a)): F = a (1 - a), concurrence 0. Double click needs that in both rounds,
    p = 4 (p_d q)^2, and leaves the |++> inputs' populations: the maximally mixed state, F = 1/4.
    """
    det = Detector(efficiency=0.0, dark_count_rate_hz=1e5, detection_window_s=1e-6)
    pd = -math.expm1(-1e5 * 1e-6)
    q = 1 - pd
    src = Source(attempt_rate_hz=1e6, emission_efficiency=0.9, bright_state_alpha=alpha)
    single = heralded_link("single_click", src, src, Fiber(5.0), Fiber(5.0), det)
    assert single.success_probability == pytest.approx(2 * pd * q, rel=1e-12)
    a = alpha
    np.testing.assert_allclose(single.state, np.diag([a * (1 - a), (1 - a) ** 2, a * a, a * (1 - a)]), atol=1e-14)
    assert single.fidelity == pytest.approx(a * (1 - a), abs=1e-14)
    double = heralded_link("double_click", src, src, Fiber(5.0), Fiber(5.0), det)
    assert double.success_probability == pytest.approx(4 * (pd * q) ** 2, rel=1e-12)
    np.testing.assert_allclose(double.state, np.eye(4) / 4, atol=1e-14)


def test_double_click_dark_counts_false_herald_fidelity():
    """Barrett-Kok, V = 1, arm efficiency eta, dark counts p_d per detector and window.

    One round's outcome "c fires, d silent" given which emitters are bright (q = 1 - p_d):
    none k0 = q p_d; one k1 = q (eta/2 + (1 - eta) p_d); both k2 = q (eta^2/2 + eta (1 - eta) + (1 - eta)^2 p_d);
    the one-photon coherence c = q eta / 2. From |++>, a round, X X, a round:
    p = 2 (k1^2 + k0 k2) per mode, F = (k1^2 + c^2) / (2 (k1^2 + k0 k2)), tending to 1 without dark counts
    and to 1/4 (the maximally mixed state) when they dominate.
    """
    for rate_hz in (0.0, 1e4, 1e6):
        det = Detector(efficiency=0.9, dark_count_rate_hz=rate_hz, detection_window_s=1e-6)
        src = Source(attempt_rate_hz=1e6, emission_efficiency=0.9)
        link = heralded_link("double_click", src, src, Fiber(5.0), Fiber(5.0), det)
        eta = _arm(0.9, 1.0, 10.0, 0.9)
        pd = -math.expm1(-rate_hz * 1e-6)
        q = 1 - pd
        k0, k1 = q * pd, q * (eta / 2 + (1 - eta) * pd)
        k2 = q * (eta * eta / 2 + eta * (1 - eta) + (1 - eta) ** 2 * pd)
        c = q * eta / 2
        assert link.success_probability == pytest.approx(2 * (k1 * k1 + k0 * k2), rel=1e-12)
        assert link.fidelity == pytest.approx((k1 * k1 + c * c) / (2 * (k1 * k1 + k0 * k2)), abs=1e-12)


def _served(network: qnsim.Network, until_s: float):
    return network.run(until_s=until_s, progress=False).requests


@pytest.mark.parametrize("formalism", ["density_matrix", "stabilizer", "bell_diagonal"])
def test_multiplexed_channels_rate_age_latency_in_every_formalism(formalism):
    """A direct link of m = 3 channels, each its own memory pair, p and T from a transducer preset (x1000).

    Closed forms: each channel's herald count is a renewal process of mean gap T / p, so the pairs in a window W
    are Poisson-like with mean m p W / T (sd its square root); the age at delivery is the herald delay, the two
    rounds T (emission to the second herald); the mean latency, the mean gap between deliveries, is W' / n with
    W' the last delivery's time; rate_hz = n / W. Memories without decay keep the link's fidelity in every
    formalism (stabilizer: the mean of 0/1 frames, within its binomial error).
    """
    link = qnsim.presets.superconducting_transducer_link(1000).link(10.0)
    network = qnsim.Network(formalism, seed=5)
    for name in "ab":
        network.add_node(name, num_memories=3)
    network.add_link("a", "b", length_km=10.0, link_model=link, channels=3)
    network.request("a", "b")
    window = 0.05
    r = _served(network, window)[0]
    expected = 3 * link.success_probability * window / link.attempt_period_s
    assert_normal(r.num_pairs, expected, math.sqrt(expected), what="pairs of 3 channels")
    assert r.rate_hz == pytest.approx(r.num_pairs / window, rel=1e-12)
    assert r.mean_age_s == pytest.approx(link.attempt_period_s, rel=1e-6)
    assert r.mean_latency_s == pytest.approx(r.last_delivery_s / r.num_pairs, rel=1e-9)
    if formalism == "stabilizer":
        f = link.fidelity
        assert_normal(r.mean_fidelity, f, math.sqrt(f * (1 - f) / r.num_pairs) + 1e-3, what="stabilizer mean F")
    else:
        assert r.mean_fidelity == pytest.approx(link.fidelity, abs=1e-12)


def test_transducer_scenario_fidelity_at_delivery_and_rate():
    """examples/two_qpus_transducers.toml: 2 channels per link, transmons T1 = 300 us, T2 = 200 us (and 10 ms).

    Closed form: both qubits wait the herald delay t = T (two Barrett-Kok rounds) under amplitude damping
    gamma = 1 - exp(-t/T1) and dephasing to exp(-t/T2), applied to the link's 4x4 state (physics_oracles.memory):
    F = 0.59102 with the transmons, 0.98 with the 10 ms memories;
    pairs in W: 2 p W / T per request.
    """
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "two_qpus_transducers.toml"
    network, settings = qnsim.load_scenario(path, until_s=0.05)
    assert settings.formalism == "density_matrix"
    link = qnsim.presets.superconducting_transducer_link(1000).link(10.0)
    t = link.attempt_period_s
    requests = network.run(until_s=0.05, progress=False).requests
    for r, (t1, t2) in zip(requests, [(300e-6, 200e-6), (10e-3, 10e-3)]):
        # The simulator holds times in whole picoseconds: the age is T to within 1 ps (1e-9 in F here).
        assert abs(r.mean_age_s - t) <= 1e-12
        rho = np.asarray(link.state)
        for qubit in (0, 1):
            rho = po.memory(rho, qubit, 2, r.mean_age_s, t1, t2)
        assert r.mean_fidelity == pytest.approx(po.pair_fidelity(rho), abs=1e-9)
        expected = 2 * link.success_probability * 0.05 / t
        assert_normal(r.num_pairs, expected, math.sqrt(expected), what=f"pairs of {r.src}-{r.dst}")


@pytest.mark.parametrize("formalism", ["density_matrix", "stabilizer", "bell_diagonal"])
def test_one_sided_transducer_single_click_with_dark_counts_every_formalism(formalism, tmp_path):
    """A scenario's single-click link with a noisy transducer at one end only, dark counts, 4 modes, 2 channels.

    Closed form: the link's pair (not Bell-diagonal: its ends are polarized unequally) stored t = T (one light
    round trip) at both ends with T2 = 1 ms only: its coherence rho[00,11] shrinks by exp(-2 t / T2), its
    populations stay, F = (rho00 + rho33) / 2 + Re rho[00,11] exp(-2t/T2). The T2-only channel is Pauli, so every
    formalism gives that mean (stabilizer within its binomial error); pairs 2 p W / T.
    """
    path = tmp_path / "asym.toml"
    path.write_text(
        "[run]\nuntil_s = 0.02\nseed = 4\n"
        '[[nodes]]\nname = "a"\nt2_s = 1e-3\nnum_memories = 2\n'
        '[[nodes]]\nname = "b"\nt2_s = 1e-3\nnum_memories = 2\n'
        '[[links]]\na = "a"\nb = "b"\nlength_km = 10.0\nchannels = 2\nscheme = "single_click"\n'
        "source = { attempt_rate_hz = 1e6, emission_efficiency = 0.9, bright_state_alpha = 0.1, num_modes = 4 }\n"
        "detector = { efficiency = 0.9, dark_count_rate_hz = 1e4, detection_window_s = 1e-6 }\n"
        "transducer_a = { efficiency = 0.1, added_noise_photons = 0.01 }\n"
        '[[requests]]\nsrc = "a"\ndst = "b"\n'
    )
    network, settings = qnsim.load_scenario(path, formalism=formalism)
    src = Source(attempt_rate_hz=1e6, emission_efficiency=0.9, bright_state_alpha=0.1, num_modes=4)
    det = Detector(efficiency=0.9, dark_count_rate_hz=1e4, detection_window_s=1e-6)
    t = Transducer(efficiency=0.1, added_noise_photons=0.01)
    link = heralded_link("single_click", src, src, Fiber(5.0), Fiber(5.0), det, t, None)
    r = network.run(until_s=settings.until_s, progress=False).requests[0]
    rho = np.asarray(link.state)
    f = (rho[0, 0].real + rho[3, 3].real) / 2 + rho[0, 3].real * math.exp(-2 * r.mean_age_s / 1e-3)
    assert abs(r.mean_age_s - link.attempt_period_s) <= 1e-12
    expected = 2 * link.success_probability * settings.until_s / link.attempt_period_s
    assert_normal(r.num_pairs, expected, math.sqrt(expected), what="pairs of 2 channels")
    if formalism == "stabilizer":
        assert_normal(r.mean_fidelity, f, math.sqrt(f * (1 - f) / r.num_pairs), what="stabilizer mean F")
    else:
        assert r.mean_fidelity == pytest.approx(f, abs=1e-9)


@pytest.mark.parametrize("formalism", ["density_matrix", "stabilizer", "bell_diagonal"])
def test_purified_throughput_and_success_probability(formalism):
    """One DEJMPS round on a direct link of 2 channels, Werner F = 0.9 at 10 kHz each (p = 1: a pair per 100 us).

    Closed form (Bell weights A = F, B = C = D = (1 - F)/3, noiseless gates): success p = (A + B)^2 + (C + D)^2 =
    0.87556, kept fidelity (A^2 + B^2) / p = 0.92640. Each 100 us both channels' pairs meet in one round: W R rounds
    in W, the purifications counter; the failures are Binomial(W R, 1 - p); the throughput (rate_hz) is the
    successes over W: R p = 8756 Hz on average.
    """
    network = qnsim.Network(formalism, seed=8)
    for name in "ab":
        network.add_node(name, num_memories=2)
    network.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e4, channels=2)
    network.request("a", "b", purification="dejmps", purification_rounds=1)
    window = 0.05
    result = network.run(until_s=window, progress=False)
    r = result.requests[0]
    a, b = 0.9, 0.1 / 3
    p = (a + b) ** 2 + (2 * b) ** 2
    rounds = result.counters["purifications"]
    assert rounds == pytest.approx(1e4 * window, abs=1)
    assert r.num_pairs == rounds - result.counters["purification_failures"]
    assert_normal(r.num_pairs, rounds * p, math.sqrt(rounds * p * (1 - p)), what="kept pairs")
    assert r.rate_hz == pytest.approx(r.num_pairs / window, rel=1e-12)
    f = (a * a + b * b) / p
    if formalism == "stabilizer":
        assert_normal(r.mean_fidelity, f, math.sqrt(f * (1 - f) / r.num_pairs), what="stabilizer mean F")
    else:
        assert r.mean_fidelity == pytest.approx(f, abs=1e-12)


def test_second_on_herald_multiplexed_transducer_rate():
    """Barrett-Kok, second round only after a first-round herald, noiseless transducers, V = 1, m = 2 modes, 2 channels.

    Closed form: one round T0 = the light's round trip; the first round heralds a mode when exactly one detector
    fires: emitters in |++>, one bright (1/2) eta, both bright (1/4, the photons leave together) 1 - (1 - eta)^2, so
    q1 = eta - eta^2 / 4 per mode, 1 - (1 - q1)^m per attempt; success p = 1 - (1 - eta^2/2)^m; an attempt takes
    T0 (1 + q1) on average, so rate_hz = p / (T0 (1 + q1)) and 2 channels deliver 2 W rate_hz pairs in W.
    """
    src = Source(attempt_rate_hz=1e6, emission_efficiency=0.9, num_modes=2)
    t = Transducer(efficiency=0.5, added_noise_photons=0.0)
    link = heralded_link(
        "double_click", src, src, Fiber(5.0), Fiber(5.0), Detector(0.9), t, t, double_click_timing="second_on_herald"
    )
    eta = _arm(0.9, 0.5, 10.0, 0.9)
    q1 = 1 - (1 - (eta - eta * eta / 4)) ** 2
    p = 1 - (1 - eta * eta / 2) ** 2
    round_s = 2 * Fiber(5.0).delay_s
    assert link.attempt_period_s == pytest.approx(round_s, rel=1e-12)
    assert link.first_round_probability == pytest.approx(q1, rel=1e-12)
    assert link.success_probability == pytest.approx(p, rel=1e-12)
    assert link.rate_hz == pytest.approx(p / (round_s * (1 + q1)), rel=1e-12)
    network = qnsim.Network("bell_diagonal", seed=9)
    for name in "ab":
        network.add_node(name, num_memories=2)
    network.add_link("a", "b", length_km=10.0, link_model=link, channels=2)
    network.request("a", "b")
    r = network.run(until_s=0.1, progress=False).requests[0]
    expected = 2 * 0.1 * link.rate_hz
    assert_normal(r.num_pairs, expected, math.sqrt(expected), what="pairs of 2 channels")
