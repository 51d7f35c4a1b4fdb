"""Valid inputs at the edges of their ranges, against closed forms written out here.

Every comparison is relative with ``abs=0``: pytest.approx's default absolute slack of 1e-12
would accept 0 for the 1e-18 and 1e-202 figures these tests are about.

Where a float underflows, cancels or rounds, a simulator gives a plausible wrong figure without a
word. Each test below failed before its fix (the docstring says how); the closed forms are
computed independently with exact fractions or in logs, never by the code under test.
"""

from __future__ import annotations

import decimal
import math
from decimal import Decimal
from fractions import Fraction

import pytest

import qnsim
from qnsim.hardware import Detector, Fiber, Source
from qnsim.link_models import heralded_link
from qnsim.results import _serial_variance_factor

ALPHA = 0.05
SOURCE = Source(attempt_rate_hz=1e6, emission_efficiency=0.5, bright_state_alpha=ALPHA)


def _single_click_closed_form(eta: float, p_dark: float = 0.0) -> tuple[float, float]:
    """(success probability, fidelity) of a symmetric single-click link, V = 1, no phase noise,
    from the click kernel of qnsim.link_models' docstring written out by hand: with no dark counts
    p = 2 alpha eta - alpha^2 eta^2 and F = (1 - alpha) / (1 - alpha eta / 2); with dark counts
    only (eta -> 0) p = 2 p_d (1 - p_d) and F = alpha (1 - alpha)."""
    if p_dark == 0.0:
        return 2 * ALPHA * eta - (ALPHA * eta) ** 2, (1 - ALPHA) / (1 - ALPHA * eta / 2)
    return 2 * p_dark * (1 - p_dark), ALPHA * (1 - ALPHA)


def test_single_click_link_keeps_its_coherence_when_the_efficiency_product_underflows():
    """2 x 10^4 km of fiber (each arm 10^-200): eta_a eta_b underflowed to 0 inside sqrt, and the
    link's fidelity read 0.475 (coherence lost) instead of 0.95."""
    link = heralded_link("single_click", SOURCE, SOURCE, Fiber(1e4), Fiber(1e4), Detector(0.9))
    eta = 0.5 * 1e-200 * 0.9
    p, f = _single_click_closed_form(eta)
    assert link.success_probability == pytest.approx(p, rel=1e-12, abs=0)
    assert link.fidelity == pytest.approx(f, rel=1e-12, abs=0)


def test_dark_counts_below_double_epsilon_still_outweigh_a_weaker_signal():
    """A dark-count probability of 1e-17 per window against 3,000 km of fiber (signal ~5e-32):
    1 - (1 - 1e-17) is 0 in doubles, so the dark counts vanished and the link read F = 0.95 at
    p = 4.5e-32, a clean link where the heralds are all false (F = alpha (1 - alpha))."""
    detector = Detector(0.9, dark_count_rate_hz=1e-9, detection_window_s=1e-8)
    assert detector.dark_count_probability == pytest.approx(1e-17, rel=1e-12, abs=0)
    link = heralded_link("single_click", SOURCE, SOURCE, Fiber(1500.0), Fiber(1500.0), detector)
    p, f = _single_click_closed_form(0.0, detector.dark_count_probability)
    assert link.success_probability == pytest.approx(p, rel=1e-9, abs=0)  # the signal adds ~2e-15 of it
    assert link.fidelity == pytest.approx(f, rel=1e-9, abs=0)


def test_presets_links_keep_their_figures_bit_for_bit():
    """The power-of-two scaling and the stable dark-count form must not move an ordinary link's
    figures (the native runs of existing scenarios depend on them): compared with the direct
    formulas the module used before, written out here. A noisy transducer's kernel is the exact thermal-noise
    kernel since physics audit 5 (its figures moved on purpose, checked against a Fock computation in
    test_physics_audit5.py): here only the scaling around it is checked."""
    import numpy as np

    from qnsim import link_models as lm
    from qnsim.presets import PRESETS, resolve_preset

    for name in PRESETS:
        preset = resolve_preset(name)
        half = Fiber(25.0, preset.attenuation_db_per_km or 0.2)
        det = preset.detector
        link = heralded_link(preset.scheme, preset.source, preset.source, half, half, det,
                             preset.transducer, preset.transducer, phase_std_rad=preset.phase_std_rad)
        eta = lm._arm_efficiency(preset.source, preset.transducer, half, det)
        no_click = 1.0 - det.dark_count_probability
        for _ in range(2):
            if preset.transducer is not None:
                no_click /= 1.0 + 0.5 * preset.transducer.output_noise_photons * half.transmissivity * det.efficiency
        p_d = 1.0 - no_click
        mu = lm._noise_photons(preset.transducer, half, det)

        def kernel(coherence, phase):
            if mu == 0.0:
                return lm._click_kernel(eta, eta, p_d, 1.0 - p_d, det.visibility, coherence)
            return lm._thermal_click_kernel((eta, eta), (mu, mu), det, phase)

        if preset.scheme == "single_click":
            phase = math.exp(-0.5 * preset.phase_std_rad**2)
            k = kernel(math.sqrt(det.visibility) * phase, phase)
            bright = lm._bright_state(preset.source.bright_state_alpha)
            rho0 = np.kron(bright, bright)
            raw = rho0 * k
            p_mode = 2.0 * float(np.trace(raw).real)
        else:
            k = kernel(math.sqrt(det.visibility), 1.0)
            raw = (lm._XX @ (np.full((4, 4), 0.25) * k) @ lm._XX) * k
            p_mode = 4.0 * float(np.trace(raw).real)
        state = (lm._X_ON_B @ raw @ lm._X_ON_B) / np.trace(raw).real
        assert link.mode_success_probability == p_mode, name
        assert np.array_equal(link.state, state + 0j), name


def test_double_click_probability_below_the_double_range_is_refused_not_zero():
    """2 x 10^4 km double click: p = eta^2 / 2 ~ 1e-401 underflowed to 0, and the model came back
    with success probability 0 and the maximally mixed placeholder (F = 0.25) for a pair that is
    perfect when it comes; a network then said only "check efficiencies"."""
    with pytest.raises(ValueError, match=r"double_click success probability per mode is about 1e-401"):
        heralded_link("double_click", SOURCE, SOURCE, Fiber(1e4), Fiber(1e4), Detector(0.9))
    net = qnsim.Network()
    net.add_node("a", hardware="nv_near_term")
    net.add_node("b", hardware="nv_near_term")
    # The same fiber with a dark-count-free detector through the network's hardware path.
    with pytest.raises(ValueError, match=r"about 1e-40[0-9]"):
        net.add_link("a", "b", length_km=2e4, scheme="double_click", detector=Detector(0.9))


def test_double_click_just_inside_the_double_range_matches_its_closed_form():
    """Arms of 10^-150: p = eta^2 / 2 ~ 1e-301 (no noise, V = 1) and F = 1. Right before too (the
    products stay in range): this guards the kernel scaling at the edge it was added for."""
    source = Source(attempt_rate_hz=1e6, emission_efficiency=1.0)
    link = heralded_link("double_click", source, source, Fiber(7500.0), Fiber(7500.0), Detector(1.0))
    eta = 1e-150
    assert link.success_probability == pytest.approx(eta * eta / 2, rel=1e-12, abs=0)
    assert link.fidelity == pytest.approx(1.0, abs=1e-15)


def test_an_arm_below_the_double_range_is_refused_unless_something_else_outweighs_it():
    """One arm at 10^-400 (fiber beyond 15,000 km): its efficiency was 0 and the link "never
    succeeds (check efficiencies)"; now it is dropped only against a signal that outweighs it."""
    far, near = Fiber(2e4), Fiber(1.0)
    with pytest.raises(ValueError, match=r"arm a's detection efficiency is about 1e-40[0-9]"):
        heralded_link("single_click", SOURCE, SOURCE, far, far, Detector(0.9))
    lopsided = heralded_link("single_click", SOURCE, SOURCE, far, near, Detector(0.9))
    # Only B's photon can click: the heralded state is |10> in the raw basis, no coherence.
    eta_b = 0.5 * 10 ** (-0.2 / 10) * 0.9
    expected_p = 2 * (ALPHA * (1 - ALPHA) * eta_b / 2 + ALPHA**2 * eta_b / 2)
    assert lopsided.success_probability == pytest.approx(expected_p, rel=1e-12, abs=0)
    assert lopsided.fidelity == pytest.approx(float(Fraction(1, 2) * Fraction(1 - ALPHA)), rel=1e-9, abs=0)


def _exact_rounds(fidelity: float, target: float, scheme: str, limit: int = 16) -> int | None:
    """Fewest symmetric recurrence rounds from a Werner pair to ``target``, in 80-digit decimals
    (exact fractions grow 2^16-fold in 16 rounds): DEJMPS in Deutsch et al.'s (A, B, C, D) =
    (Phi+, Psi-, Psi+, Phi-), BBPSSW from Bennett et al."""
    with decimal.localcontext(decimal.Context(prec=80)):
        return _exact_rounds_in_context(Decimal(fidelity), Decimal(target), scheme, limit)


def _exact_rounds_in_context(f: Decimal, goal: Decimal, scheme: str, limit: int) -> int | None:
    a, b, c, d = f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3
    for k in range(limit + 1):
        if a >= goal:
            return k
        if scheme == "dejmps":
            n = (a + b) ** 2 + (c + d) ** 2
            a, b, c, d = (a * a + b * b) / n, 2 * c * d / n, (c * c + d * d) / n, 2 * a * b / n
        else:
            e = (1 - a) / 3
            p = a * a + 2 * a * e + 5 * e * e
            a = (a * a + e * e) / p
            b = c = d = (1 - a) / 3
    return None


def _werner(f: float) -> list[float]:
    return [f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3]


@pytest.mark.parametrize("scheme", ["dejmps", "bbpssw"])
@pytest.mark.parametrize(
    ("fidelity", "target"),
    [(1 - 1e-13, 1 - 5e-14), (1 - 1e-10, 1 - 2e-11), (1 - 1e-13, 1 - 1e-15), (0.9, 0.999999), (0.99, 1 - 1e-14)],
)
def test_purification_rounds_near_fidelity_one_match_exact_arithmetic(scheme, fidelity, target):
    """Targets within 1e-12 of a link's fidelity were met by the 1e-12 slack: 1 - 1e-13 "reached"
    1 - 5e-14 with 0 rounds (1 or 2 are needed), and fidelities near 1 were followed as F, whose
    1 - F keeps ~1e-16 absolute. The exact count comes from 80-digit decimal arithmetic."""
    exact = _exact_rounds(fidelity, target, scheme)
    if exact is None:  # BBPSSW's slow approach to 1: 16 rounds do not get there
        with pytest.raises(ValueError, match="the best in 16 rounds is"):
            qnsim.purification_rounds_for(_werner(fidelity), target, scheme)
    else:
        assert qnsim.purification_rounds_for(_werner(fidelity), target, scheme) == exact


@pytest.mark.parametrize("scheme", ["dejmps", "bbpssw"])
def test_target_fidelity_one_is_refused_unless_the_pair_is_perfect(scheme):
    """target_fidelity = 1.0 from F = 0.9 returned 7 DEJMPS rounds (the fidelity rounded to 1.0);
    no finite number of rounds reaches 1 exactly. A perfect pair needs none."""
    with pytest.raises(ValueError, match=r"exactly 1 is never reached"):
        qnsim.purification_rounds_for(_werner(0.9), 1.0, scheme)
    assert qnsim.purification_rounds_for([1.0, 0.0, 0.0, 0.0], 1.0, scheme) == 0


def test_purification_refusal_shows_the_digits_that_matter():
    """0.5 + 1e-15 was shown as "fidelity 0.5 ... the best in 16 rounds is 0.5", which reads as the
    F <= 1/2 case; the message now shows the value and how little 16 rounds gain."""
    with pytest.raises(ValueError, match=r"fidelity 0\.500000000000001 cannot .* is 0\.50000000000"):
        qnsim.purification_rounds_for(_werner(0.5 + 1e-15), 0.6)


def test_remote_gate_errors_below_double_epsilon_still_add_up():
    """10^18 remote CNOTs on physical QPUs with e_2q = 1e-17 (two CNOTs per teleported gate): 20
    expected faults. 1 - (1 - 1e-17)^2 is 0 in doubles, so the estimate priced them as fault-free
    and said "feasible" against a 1e-3 budget."""
    from qnsim.estimate import QPU, Link, estimate, state_teleportation_cost

    qpu = QPU(num_qubits=1, e_1q=0.0, e_2q=1e-17, e_meas=0.0, e_t=0.0)
    report = estimate("REPEAT 1000000000000000000 {\n CX 0 1\n}", [qpu, qpu], [Link((0, 1), rate_hz=1e9, fidelity=1.0)])
    assert report.remote_gates == 10**18
    assert report.remote_error_expected == pytest.approx(10**18 * 2e-17, rel=1e-12, abs=0)
    assert report.verdict == "infeasible"
    cost = state_teleportation_cost(10**18, qpu, qpu, Link((0, 1), rate_hz=1e9, fidelity=1.0))
    assert cost["error"] == pytest.approx(10**18 * 1e-17, rel=1e-12, abs=0)  # one CNOT per teleported state


def test_any_of_keeps_probabilities_below_double_epsilon():
    """The shared form of 1 - prod(1 - p_i): exact sums where the direct product rounds to 1."""
    from qnsim._numerics import any_of

    assert any_of(1e-17, 3e-17) == pytest.approx(4e-17, rel=1e-15, abs=0)
    assert any_of(0.5, 0.5) == 0.75
    assert any_of(1.0, 1e-300) == 1.0
    assert any_of() == 0.0


def _chain_fidelities(max_records: int | None) -> qnsim.results.RequestResult:
    net = qnsim.Network("bell_diagonal", seed=4, max_records=max_records)
    for name in ("a", "r", "b"):
        net.add_node(name, t1_s=1e4, t2_s=1e4)
    for u, v in (("a", "r"), ("r", "b")):
        net.add_link(u, v, length_km=1.0, fidelity=0.999, rate_hz=1e6, success_probability=0.5)
    net.request("a", "b")
    return net.run(until_s=0.05).requests[0]


def test_capped_results_keep_a_spread_far_below_the_mean():
    """Beyond max_records the spread came from fidelity_sq_sum - fidelity_sum^2 / n, which cancels
    to noise: ~5,000 pairs of F ~ 0.998 spread by 1.1e-10 (memories of T2 = 10^4 s) read a spread
    of 2.8e-7, 2,400 times too large (at 19,000 pairs it read exactly 0, "+- 0"). Welford's native
    aggregate keeps it; the records' np.std is the reference."""
    full, capped = _chain_fidelities(None), _chain_fidelities(10)
    assert capped.capped and not full.capped and capped.num_pairs == full.num_pairs > 1000
    reference = float(full.fidelities.std(ddof=1))
    assert 1e-11 < reference < 1e-9
    assert capped.fidelity_std == pytest.approx(reference, rel=1e-4, abs=0)
    # The interval's serial-correlation factor comes from the records a capped result keeps (its first 10 pairs).
    factors = [_serial_variance_factor(r.fidelities) for r in (capped, full)]
    assert capped.fidelity_ci95 == pytest.approx(full.fidelity_ci95 * math.sqrt(factors[0] / factors[1]), rel=1e-3)


def test_probabilities_leaving_the_native_layer_stay_in_the_unit_interval():
    """A density-matrix pair from a link of F = 1 - 1e-16 came back with a Phi- weight of -2.8e-17
    (per pair and in mean_bell_diagonal): rounding, now clipped where results are collected."""
    net = qnsim.Network("density_matrix", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=1 - 1e-16, rate_hz=1e5)
    net.request("a", "b", num_pairs=20)
    r = net.run(until_s=1.0).requests[0]
    assert r.num_pairs == 20
    assert r.bell_diagonals.min() >= 0.0 and r.bell_diagonals.max() <= 1.0
    assert min(r.mean_bell_diagonal) >= 0.0
    assert 0.0 <= r.fidelities.min() and r.fidelities.max() <= 1.0


@pytest.mark.parametrize("value", [math.nan, math.inf, 1.5, -1e-6])
def test_a_native_figure_outside_its_range_is_refused_by_name(value):
    """The check at the native boundary: beyond rounding, a probability outside [0, 1] (or NaN)
    is a bug to report, not a figure to print."""
    from qnsim.results import _probabilities

    with pytest.raises(qnsim.QnsimError, match=r"request 3 fidelity: the native run returned .*outside \[0, 1\]"):
        _probabilities("request 3 fidelity", [0.5, value])
    assert _probabilities("sum", 5.000000000000001, 5) == 5.0


def test_a_physical_error_just_below_threshold_is_not_shown_as_the_threshold():
    """p = 0.01 - 1e-15 against the threshold 0.01 read "physical error 0.01 (threshold 0.01)", as if
    p sat at the threshold; the message now shows the digits that tell them apart."""
    from qnsim.estimate import QPU, Link, SurfaceCode, estimate

    p = 0.01 - 1e-15
    qpu = QPU(e_1q=p, e_2q=p, e_meas=p, e_t=p, surface_code=SurfaceCode())
    report = estimate("REPEAT 1000 {\n CX 0 1\n T 0\n}", [qpu, qpu], [Link((0, 1), rate_hz=1e6, fidelity=0.99)])
    assert report.verdict == "infeasible"
    assert f"physical error {p!r} (threshold 0.01)" in report.reasons[0]


@pytest.mark.parametrize("start_s", [5e6, 9e6])
def test_spans_late_in_the_time_range_are_exact_picosecond_differences(start_s):
    """A 1 GHz link (1 ns per pair) whose request starts 58 or 104 days in: ages, latencies, the
    window and the rate came from differences of float seconds, which resolve ~1-2 ns there: ages
    read [1.9 ns, 0, 1.9 ns, 0, ...], the rate 0.89 or 1.07 GHz. Exact: every age and latency 1 ns."""
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e9)
    net.request("a", "b", num_pairs=5, start_s=start_s)
    r = net.run(until_s=start_s + 1e-6).requests[0]
    assert r.num_pairs == 5
    assert r.ages_s.tolist() == [1e-9] * 5
    assert r.latencies_s.tolist() == [1e-9] * 5
    assert r.window_s == 5e-9 and r.rate_hz == pytest.approx(1e9, rel=1e-12, abs=0)
    assert r.mean_latency_s == pytest.approx(1e-9, rel=1e-12, abs=0)
    assert r.mean_age_s == pytest.approx(1e-9, rel=1e-12, abs=0)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"rate_hz": 6e11}, r"rate_hz = 600000000000\.0 Hz gives .* rounds to 2e-12 s: a rate of 5e\+11 Hz, 16\.7%"),
        ({"rate_hz": 1.5e12}, r"1e\+12 Hz, 33\.3% off .*more channels"),
        ({"attempt_period_s": 1.4e-12}, r"attempt_period_s = 1\.4e-12 s: .* 40\.0% off .*probability = 0\.7143"),
    ],
)
def test_an_attempt_period_the_picosecond_clock_would_round_far_is_refused(params, match):
    """rate_hz = 6e11 became a 2 ps period and a 5e11 Hz link (1.5e12 Hz: 1e12; a 1.4 ps period: 1 ps),
    reported as the link's rate without a word. Rounding that moves the rate by over 0.1% is refused."""
    net = qnsim.Network("bell_diagonal")
    net.add_node("a")
    net.add_node("b")
    with pytest.raises(qnsim.ParameterError, match=match):
        net.add_link("a", "b", length_km=0.0, fidelity=0.9, **params)
    # The rate it suggests is the one asked for, exactly (whole picoseconds).
    link = net.add_link("a", "b", length_km=0.0, fidelity=0.9, attempt_period_s=1e-12, success_probability=0.6)
    assert link.rate_hz == pytest.approx(6e11, rel=1e-15, abs=0)


def test_a_request_with_no_pair_says_its_rate_of_zero_is_only_a_bound():
    """A 1 Hz link (p = 1e-12 per 1 ps attempt) run for 1 s delivered nothing at this seed and
    read "pairs 0, rate 0 Hz" without a note; 0 Hz is not the link's rate, only a 95% bound of
    -ln(0.05) / 1 s ~ 3 Hz on it (the table's 95% interval: 0-3.69 Hz, which the note now gives)."""
    net = qnsim.Network("bell_diagonal", seed=3)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, success_probability=1e-12, attempt_period_s=1e-12)
    net.request("a", "b")
    r = net.run(until_s=1.0).requests[0]
    assert r.num_pairs == 0 and r.rate_hz == 0.0
    assert any("rate of 0 Hz only bounds it: its 95% interval is 0-3.69 Hz" in note for note in r.notes)
    assert "0-3.69 Hz" in repr(r)


def test_qec_per_round_rate_of_a_rare_shot_error_over_many_rounds():
    """per_round(1e-12, 10^6): (1 - (1 - 2P)^(1/r)) / 2 took the power 1 - 2e-18, which rounds to
    1, and read a per-round error rate of 0; the closed form is P / r to first order."""
    from qnsim.qec import per_round

    assert per_round(1e-12, 10**6) == pytest.approx(1e-18, rel=1e-9, abs=0)
    assert per_round(0.1, 10) == pytest.approx((1 - 0.8 ** 0.1) / 2, rel=1e-14, abs=0)


def test_qec_memory_dephasing_of_a_short_wait_is_not_lost():
    """memory_pauli_channel for t / T2 = 1e-17 (no T1): 1 - exp(-t/T2) rounds to 0, so the Z
    probability read 0 instead of (1 - exp(-t/T2)) / 2 = 5e-18."""
    from qnsim.qec.channels import memory_pauli_channel

    px, py, pz = memory_pauli_channel(1e-8, math.inf, 1e9)
    assert (px, py) == (0.0, 0.0)
    assert pz == pytest.approx(5e-18, rel=1e-12, abs=0)
    # T1 and T2 together: gamma / 4 on X and Y, the rest of the coherence loss on Z.
    t, t1, t2 = 1e-9, 1e3, 1e3
    gamma = -math.expm1(-t / t1)
    px, _, pz = memory_pauli_channel(t, t1, t2)
    assert px == pytest.approx(gamma / 4, rel=1e-12, abs=0)
    assert pz == pytest.approx(-math.expm1(-t / t2) / 2 - gamma / 4, rel=1e-9, abs=0)


# The last picosecond a run may reach, in s (int64 picoseconds, as a float that rounds below it).
_RANGE_S = 9223372.036854


@pytest.mark.parametrize("formalism", ["bell_diagonal", "density_matrix", "stabilizer"])
def test_steps_that_end_past_the_time_range_never_happen_instead_of_wrapping(formalism):
    """A link whose setup delay is ~106 days, asked to start a millisecond before the end of the
    range: now + setup_delay wrapped past int64 to a negative time, and the run stopped with
    "SchedulingError: cannot schedule or run to t=48033230 ps: it is before the current time".
    The attempt starts beyond the range, so within the run nothing is delivered."""
    net = qnsim.Network(formalism, seed=1)
    for name in "abc":
        net.add_node(name)
    for u, v in (("a", "b"), ("b", "c")):
        net.add_link(u, v, length_km=10.0, fidelity=0.9, rate_hz=1e6, setup_delay_s=_RANGE_S - 1)
    net.request("a", "c", start_s=_RANGE_S - 1e-3)
    r = net.run(until_s=_RANGE_S).requests[0]
    assert r.num_pairs == 0 and r.status == "open"
    assert net.now_s == pytest.approx(_RANGE_S, rel=1e-15, abs=0)


def test_a_path_whose_classical_latency_overflows_the_time_range_is_refused():
    """Two links of ~60 days of light each: the path's cumulative latency (which the swap outcomes
    travel) wrapped past int64; it is refused by name."""
    net = qnsim.Network("bell_diagonal")
    for name in "abc":
        net.add_node(name)
    km = 60 * 86400 * 299792.458 / 1.44  # ~60 days of light in fiber
    for u, v in (("a", "b"), ("b", "c")):
        net.add_link(u, v, length_km=km, fidelity=0.9, rate_hz=1e-6, success_probability=1e-6)
    with pytest.raises(ValueError, match=r"classical latency up to node 'c' exceeds the int64 picosecond range"):
        net.request("a", "c")


def test_closed_form_purification_with_a_vanishing_success_probability_is_refused():
    """DEJMPS on a pair that is almost Psi- and one that is almost Phi-: the success probability is
    1.3e-12, and the kept pair (the joint distribution divided by it) came back with a fidelity of
    1.00002 and a Phi- weight of -2.1e-5, rounding of the inputs' coefficients blown up 10^12-fold."""
    from qnsim.primitives import bell_diagonal_purify, bell_diagonal_swap

    almost_psi_minus = [1.4603909919755246e-16, 1.4688954197382519e-30, 0.9999999999999999, 0.0]
    almost_phi_minus = [9.379744400728771e-27, 0.021815398749645158, 1.3024512302771325e-12, 0.9781846012490525]
    with pytest.raises(ValueError, match=r"kept pair: coefficient 1\.00002.* success probability of 1\.3e-12"):
        bell_diagonal_purify(almost_psi_minus, almost_phi_minus, "dejmps")
    # Rounding alone is clipped, not refused: every coefficient of every answer lies in [0, 1].
    for pair in ([1 - 1e-16, 1e-16 / 3, 1e-16 / 3, 1e-16 / 3], [0.25] * 4, [0.9, 0.05, 0.03, 0.02]):
        p, kept = bell_diagonal_purify(pair, pair, "dejmps")
        assert 0 < p <= 1 and all(0.0 <= c <= 1.0 for c in kept)
        assert all(0.0 <= c <= 1.0 for c in bell_diagonal_swap(pair, pair))


def test_a_hardware_attempt_period_the_clock_would_round_far_is_refused_with_its_own_rate():
    """A 7e11 Hz source: its 1.43 ps period ran as 1 ps, 43% faster than the hardware described."""
    from qnsim.hardware import Detector, Source

    net = qnsim.Network("bell_diagonal")
    net.add_node("a")
    net.add_node("b")
    source = Source(attempt_rate_hz=7e11, emission_efficiency=0.5)
    with pytest.raises(qnsim.ParameterError, match=r"42\.9% off the 6\.158e\+10 Hz described .*source an attempt rate"):
        net.add_link("a", "b", length_km=0.0, source=source, detector=Detector(0.9))


def test_herald_gated_attempts_past_the_time_range_stop_drawing():
    """800 km of herald-gated double click (first-round heralds 1e-8, second rounds 5e-9 of those):
    one attempt's draw looped ~2e8 times (about 4 s, ~40 s at 900 km) until a success whose time was
    past the int64 range anyway; it now stops once the rounds pass the range, ~2.4e9 rounds of 3.8 ms."""
    from qnsim.hardware import Detector, Source

    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    link = net.add_link("a", "b", length_km=800.0, source=Source(attempt_rate_hz=1e9, emission_efficiency=1.0),
                        detector=Detector(1.0), scheme="double_click", double_click_timing="second_on_herald")
    net.request("a", "b", num_pairs=1)
    result = net.run(until_s=1.0)
    assert result.requests[0].num_pairs == 0
    rounds_in_range = _RANGE_S / link.attempt_period_s
    assert result.counters["attempts"] < 2 * rounds_in_range  # was ~2e16, drawn one first-round herald at a time


def test_a_request_dropped_before_admission_gives_no_rate_bound():
    """A request dropped while it waited for memory made no attempt: its drop note says why. The rate
    bound read as a figure about its links ("below 599 Hz at 95%" for a request that never ran)."""
    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "amb":
        net.add_node(name, num_memories=2)
    net.add_link("a", "m", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.add_link("m", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b")
    net.request("a", "b", num_pairs=2, deadline_s=5e-3)
    late = net.run(until_s=10e-3).requests[1]
    assert late.status == "dropped" and late.admitted_s is None
    assert any("waiting for memory" in note for note in late.notes)
    assert not any("only bounds it" in note for note in late.notes)
