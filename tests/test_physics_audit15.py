"""A fifteenth outside audit of qnsim's physics against closed forms and numpy oracles written here.

Covered here and not in test_physics_audit.py .. test_physics_audit14.py: links whose heralded pairs are separable
(a transducer's noise, dark counts with no signal, an abstract fidelity at or below 1/2) and what a request through
them says, judged by the Peres-Horodecki criterion written here; single- and double-click heralding at the
dark-count floor against their closed forms. See each test's docstring for the closed form it uses and, for a fix,
the old behaviour.
"""

from __future__ import annotations

import math

import numpy as np
import physics_oracles as po
import pytest

import qnsim
from qnsim.hardware import Detector, Fiber, Source, Transducer


def _ppt_min_eigenvalue(rho: np.ndarray) -> float:
    """The least eigenvalue of a two-qubit state's partial transpose (on the second qubit): negative exactly when
    the pair is entangled (Peres-Horodecki, exact for two qubits)."""
    r = np.asarray(rho, dtype=complex).reshape(2, 2, 2, 2)
    pt = np.einsum("ijkl->ilkj", r).reshape(4, 4)
    return float(np.linalg.eigvalsh((pt + pt.conj().T) / 2).min())


def _separable_note(result: qnsim.NetworkResult, request: int = 0) -> list[str]:
    return [n for n in result.requests[request].notes if "are separable by the time their ends hold the herald" in n]


# ---- links of separable pairs -------------------------------------------------------------------------------------


_PRESENT_DAY = """
[run]
until_s = 0.5
seed = 2026
formalism = "density_matrix"

[[nodes]]
name = "qpu_a"
role = "qpu"
preset = { name = "superconducting_transducer_link", improvement = 1 }

[[nodes]]
name = "qpu_b"
role = "qpu"
preset = { name = "superconducting_transducer_link", improvement = 1 }

[[links]]
a = "qpu_a"
b = "qpu_b"
length_km = 10.0
channels = 2

[[requests]]
src = "qpu_a"
dst = "qpu_b"
"""


def test_a_present_day_transducer_link_says_its_pairs_are_separable_not_only_a_rate_bound(tmp_path, capsys):
    """examples/two_qpus_transducers.toml with the present-day transducer (improvement 1, N_add = 0.5) heralds pairs
    of F = 0.345 about once a minute; run for 0.5 s it delivers none.

    Old behaviour: ``qnsim run`` printed "no pair delivered in the 500 ms window: the rate of 0 Hz only bounds it:
    its 95% interval is 0-7.38 Hz (Poisson)" and nothing else, so a longer run looked like the way out, where every
    pair this link heralds is separable (the numpy partial transpose of its state has no negative eigenvalue): no
    swap, purification or wait makes an entangled pair of it; the links table read "17.9 mHz ... 0.3450" like any
    link's. Now the request's notes say NOT ENTANGLED and name the link, in the table and the JSON, and a line under
    the links table names it."""
    from qnsim.cli import main
    from qnsim.scenario import load_scenario

    scenario = tmp_path / "present_day.toml"
    scenario.write_text(_PRESENT_DAY)
    net, settings = load_scenario(scenario)
    link = net.link("qpu_a", "qpu_b")
    assert link.fidelity == pytest.approx(0.345, abs=5e-4)
    assert _ppt_min_eigenvalue(link.state) >= -1e-12  # separable, by the oracle
    result = net.run(until_s=settings.until_s, progress=False)
    assert result.requests[0].num_pairs == 0
    assert _separable_note(result) and _separable_note(result)[0].startswith("NOT ENTANGLED: link(s) qpu_a-qpu_b ")

    assert main(["run", str(scenario)]) == 0
    out = capsys.readouterr().out
    assert "NOT ENTANGLED: link(s) qpu_a-qpu_b of its path give pairs that are separable" in out
    assert "separable: link(s) qpu_a - qpu_b give pairs that are separable by the time" in out  # under the links table
    assert main(["run", str(scenario), "--json"]) == 0
    assert "NOT ENTANGLED: link(s) qpu_a-qpu_b of its path give pairs that are separable" in capsys.readouterr().out


@pytest.mark.parametrize("formalism", ["density_matrix", "bell_diagonal", "stabilizer"])
def test_a_chain_through_one_werner_link_at_one_half_names_that_link_and_only_that_link(formalism):
    """A Werner pair of F <= 1/2 is separable (its partial transpose's least eigenvalue, (1 - 2F)/2, is >= 0: the
    oracle computes it), and swapping it with a good pair stays separable.

    Old behaviour: the request through it said nothing until pairs arrived; here, with pairs delivered, only that
    the pairs are not entangled, not why or that no longer run helps. Now each request whose path holds such a link
    names it; a request over the good link alone does not."""
    net = qnsim.Network(formalism, seed=5)
    for name in ("a", "m", "b", "c"):
        net.add_node(name)
    net.add_link("a", "m", length_km=1.0, fidelity=0.95, rate_hz=1e3)
    net.add_link("m", "b", length_km=1.0, fidelity=0.5, rate_hz=1e3)
    net.add_link("b", "c", length_km=1.0, fidelity=0.51, rate_hz=1e3)
    assert (
        _ppt_min_eigenvalue(net.link("m", "b").state if net.link("m", "b").state is not None else _werner(0.5))
        >= -1e-12
    )
    assert _ppt_min_eigenvalue(_werner(0.51)) < 0
    net.request("a", "b", num_pairs=20)
    net.request("a", "m", num_pairs=20)
    net.request("b", "c", num_pairs=20)
    result = net.run(until_s=1.0, progress=False)
    assert result.requests[0].num_pairs == 20
    assert result.requests[0].separable_links == ("m-b",)
    assert len(_separable_note(result, 0)) == 1 and "link(s) m-b of its path" in _separable_note(result, 0)[0]
    assert result.requests[1].separable_links == () and not _separable_note(result, 1)
    assert result.requests[2].separable_links == () and not _separable_note(result, 2)


def _werner(f: float) -> np.ndarray:
    phi = np.array([1, 0, 0, 1]) / math.sqrt(2)
    return f * np.outer(phi, phi) + (1 - f) / 3 * (np.eye(4) - np.outer(phi, phi))


def test_a_single_click_link_entangled_below_one_half_gets_no_separable_note():
    """Single click with a bright state alpha = 0.7 and weak arms heralds, to lowest order in eta,
    (1 - alpha) |Phi+><Phi+| + alpha |10><10| (after the corrections): F = 0.3, yet entangled (its partial
    transpose's {|00>, |11>} block has determinant -(1 - alpha)^2 / 4 < 0). A rule "F <= 1/2 is separable" would call it
    separable; the note must not."""
    alpha = 0.7
    src = Source(attempt_rate_hz=1e6, emission_efficiency=0.01, bright_state_alpha=alpha)
    model = qnsim.heralded_link("single_click", src, src, Fiber(0.5), Fiber(0.5), Detector(0.9))
    assert model.fidelity == pytest.approx(1 - alpha, abs=0.01)
    # The partial transpose's {|00>, |11>} block [[0, (1 - a)/2], [(1 - a)/2, a]]: least eigenvalue
    # (a - sqrt(a^2 + (1 - a)^2)) / 2 = -0.031.
    assert _ppt_min_eigenvalue(model.state) == pytest.approx((alpha - math.hypot(alpha, 1 - alpha)) / 2, abs=2e-3)
    net = qnsim.Network("density_matrix", seed=2)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, link_model=model)
    net.request("a", "b", num_pairs=5)
    result = net.run(until_s=10.0, progress=False)
    r = result.requests[0]
    assert r.num_pairs == 5 and r.entangled is True
    assert r.separable_links == () and not _separable_note(result)


# ---- heralding at the dark-count floor ----------------------------------------------------------------------------


@pytest.mark.parametrize("modes", [1, 7])
@pytest.mark.parametrize("alpha", [0.1, 0.3])
def test_heralds_from_dark_counts_alone_are_their_closed_forms_and_separable(alpha, modes):
    """Transducers of efficiency 0: only dark counts herald. With p = 1 - exp(-rate x window) per detector and window,
    single click heralds with 2 p (1 - p) per mode and leaves the emitters' populations, dephased by the lost
    photons: after node B's X, diag(a (1 - a), (1 - a)^2, a^2, a (1 - a)), F = a (1 - a); double click heralds with
    (2 p (1 - p))^2 and leaves the maximally mixed state, F = 1/4. Multiplexed, 1 - (1 - p_mode)^modes per attempt.
    Both separable: a request through them says so instead of only bounding a rate."""
    det = Detector(0.8, dark_count_rate_hz=2e4, detection_window_s=5e-8)
    p = -math.expm1(-2e4 * 5e-8)
    src = Source(attempt_rate_hz=1e6, emission_efficiency=0.9, bright_state_alpha=alpha, num_modes=modes)
    dead = Transducer(efficiency=0.0, added_noise_photons=0.5)
    for scheme, p_mode, f in (
        ("single_click", 2 * p * (1 - p), alpha * (1 - alpha)),
        ("double_click", (2 * p * (1 - p)) ** 2, 0.25),
    ):
        model = qnsim.heralded_link(scheme, src, src, Fiber(20.0), Fiber(20.0), det, dead, dead)
        assert model.mode_success_probability == pytest.approx(p_mode, rel=1e-12)
        assert model.success_probability == pytest.approx(1 - (1 - p_mode) ** modes, rel=1e-9)
        assert model.fidelity == pytest.approx(f, abs=1e-12)
        if scheme == "single_click":
            np.testing.assert_allclose(
                np.diag(model.state).real,
                [alpha * (1 - alpha), (1 - alpha) ** 2, alpha**2, alpha * (1 - alpha)],
                atol=1e-12,
            )
        else:
            np.testing.assert_allclose(model.state, np.eye(4) / 4, atol=1e-12)
        assert _ppt_min_eigenvalue(model.state) >= -1e-12
    net = qnsim.Network("bell_diagonal", seed=3)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=40.0, link_model=model)
    net.request("a", "b")
    result = net.run(until_s=1e-3, progress=False)
    assert _separable_note(result)


@pytest.mark.parametrize(
    ("pieces", "named"),
    [
        ({"transducer": Transducer(0.0, 0.5)}, "transducer_a.efficiency = 0, transducer_b.efficiency = 0"),
        ({"transducer": Transducer(0.3, 0.0), "transducer_b": Transducer(0.0, 0.0)}, "transducer_b.efficiency = 0"),
        ({"detector": Detector(0.0)}, "detector.efficiency = 0"),
        ({"source": Source(attempt_rate_hz=1e6, emission_efficiency=0.0)}, "source.emission_efficiency = 0"),
    ],
    ids=["both-transducers", "one-transducer-double-click", "detector", "source"],
)
def test_a_link_no_photon_can_herald_names_the_efficiency_of_zero(pieces, named):
    """Double click needs a photon from each side, and without dark counts nothing else heralds, so a zero
    efficiency anywhere in an arm (closed form: p = eta_a eta_b / 2 = 0) leaves a link that never heralds.

    Old behaviour: "the link model never succeeds (success_probability 0); check efficiencies", naming none of the
    five pieces; now the zero efficiencies are named (a link model given p = 0 is named as such)."""
    net = qnsim.Network(seed=1)
    net.add_node("a")
    net.add_node("b")
    kwargs = {"source": Source(attempt_rate_hz=1e6, emission_efficiency=0.9), "detector": Detector(0.9), **pieces}
    with pytest.raises(ValueError, match=f"never succeeds \\(success_probability 0\\): {named}, and no dark counts"):
        net.add_link("a", "b", length_km=10.0, scheme="double_click", **kwargs)
    never = qnsim.LinkModel("double_click", success_probability=0.0, attempt_period_s=1e-6, fidelity=0.9)
    with pytest.raises(ValueError, match="link_model.success_probability is 0: the link never heralds a pair"):
        net.add_link("a", "b", length_km=1.0, link_model=never)


# ---- a cutoff with amplitude damping: the delivered pairs against a numpy swap of decayed pairs -------------------


def _swap_of_stored(
    rho1: np.ndarray, rho2: np.ndarray, stored1_s: float, stored2_s: float, t1: float, t2: float
) -> tuple[float, list[float]]:
    """F of (a, b) after pairs (a, m1) = rho1 and (m2, b) = rho2 were stored (both qubits of each, T1 and T2 of
    docs/concepts.md) for stored1_s and stored2_s, then m swapped them: CNOT m1 -> m2, H on m1, measure m1 then m2,
    X^(m_m2) Z^(m_m1) on b (numpy, 4 qubits). Returns the mean over the outcomes and each outcome's F (the state the
    nodes know given it: amplitude damping polarizes the pairs, so the outcomes' fidelities differ)."""
    rho = np.kron(rho1, rho2)
    for q, t in ((0, stored1_s), (1, stored1_s), (2, stored2_s), (3, stored2_s)):
        rho = po.memory(rho, q, 4, t, t1, t2)
    eye, x, z = np.eye(2), np.array([[0, 1], [1, 0]]), np.diag([1.0, -1.0])
    h = np.array([[1, 1], [1, -1]]) / math.sqrt(2)
    p0, p1 = np.diag([1.0, 0.0]), np.diag([0.0, 1.0])
    cnot = np.kron(np.kron(eye, p0), np.eye(4)) + np.kron(np.kron(eye, p1), np.kron(x, eye))
    u = np.kron(np.kron(eye, h), np.eye(4)) @ cnot
    rho = u @ rho @ u.conj().T
    phi = np.array([1, 0, 0, 1]) / math.sqrt(2)
    mean, branches = 0.0, []
    for m1 in (0, 1):
        for m2 in (0, 1):
            proj = np.kron(np.kron(eye, p1 if m1 else p0), np.kron(p1 if m2 else p0, eye))
            fix = np.kron(np.eye(8), np.linalg.matrix_power(x, m2) @ np.linalg.matrix_power(z, m1))
            branch = fix @ proj @ rho @ proj @ fix.conj().T
            ends = np.einsum("aijbcijd->abcd", branch.reshape([2] * 8)).reshape(4, 4)  # keep a and b
            weight = float(np.real(np.trace(ends)))
            mean += float(np.real(phi @ ends @ phi))
            branches.append(float(np.real(phi @ ends @ phi)) / weight)
    return mean, branches


def test_a_cutoff_chain_with_amplitude_damping_delivers_the_numpy_swap_of_its_decayed_pairs():
    """Two zero-length links (p 0.3 and 0.15, period T = 10 us, Werner 0.97 and 0.92), nodes with T1 = 300 us and
    T2 = 200 us (amplitude damping, not only dephasing), cutoff m T = 6 T, density_matrix. A delivering cycle has
    both links herald in one period (weight p1 p2) or one first and the other d = 1 .. m - 1 periods later (weights
    p_first q_other^d p_other): the first pair is stored (d + 1) T, the second T, and the pair delivered is the
    numpy swap of the two decayed pairs, of age (d + 1) T <= m T. Each delivered pair is one of those values for its
    age (the state given the swap's outcomes: amplitude damping makes them differ), and the mean is the weighted
    mean over (first link, d) of the outcomes' mean. Checked right (no fix):
    earlier rounds checked this chain with T2 alone."""
    period, p1, p2, f1, f2, t1, t2, m = 1e-5, 0.3, 0.15, 0.97, 0.92, 3e-4, 2e-4, 6
    net = qnsim.Network("density_matrix", seed=15)
    for name in "amb":
        net.add_node(name, t1_s=t1, t2_s=t2)
    net.add_link("a", "m", length_km=0.0, fidelity=f1, success_probability=p1, attempt_period_s=period)
    net.add_link("m", "b", length_km=0.0, fidelity=f2, success_probability=p2, attempt_period_s=period)
    n = 1500
    net.request("a", "b", num_pairs=n, cutoff_s=m * period)
    r = net.run(until_s=100.0, progress=False).requests[0]
    assert r.num_pairs == n

    rho1, rho2 = _werner(f1), _werner(f2)
    cases = [(p1 * p2, 0, _swap_of_stored(rho1, rho2, period, period, t1, t2))]
    for d in range(1, m):
        cases.append((p1 * (1 - p2) ** d * p2, d, _swap_of_stored(rho1, rho2, (d + 1) * period, period, t1, t2)))
        cases.append((p2 * (1 - p1) ** d * p1, d, _swap_of_stored(rho1, rho2, period, (d + 1) * period, t1, t2)))
    total = sum(w for w, _, _ in cases)
    mean_f = sum(w * f for w, _, (f, _) in cases) / total
    # The spread over pairs, over (first link, d) and the outcomes: bounded above by each case's outcome farthest
    # from the mean (a conservative tolerance).
    sd_f = math.sqrt(sum(w * max((b - mean_f) ** 2 for b in branches) for w, _, (_, branches) in cases) / total)

    d = np.round(r.ages_s / period).astype(int) - 1
    np.testing.assert_allclose(r.ages_s, (d + 1) * period, rtol=0, atol=1e-12)
    assert d.min() >= 0 and d.max() <= m - 1
    for k, f in zip(d, r.fidelities):
        assert min(abs(f - value) for _, dk, (_, branches) in cases if dk == k for value in branches) < 1e-9, (k, f)
    assert r.fidelities.min() >= min(min(b) for _, dk, (_, b) in cases if dk == m - 1) - 1e-9
    assert abs(r.mean_fidelity - mean_f) <= 5.3 * sd_f / math.sqrt(n), (r.mean_fidelity, mean_f)


def test_single_click_with_one_dead_transducer_heralds_separable_pairs_and_says_so():
    """Single click with node A's transducer at efficiency 0: every herald is B's photon, A's qubit is left in its
    bright-state populations (its photon lost in the transducer: dephased) and B's in |1>: a product state. Closed
    form without dark counts: p = 2 x a eta_B / 2 = a eta_B; the state (1 - a)|01><01| + a |11><11|, after B's X
    (1 - a)|00><00| + a |10><10|: F = (1 - a)/2, separable.

    Old behaviour: the run delivered these pairs with "NOT ENTANGLED: n of n delivered pairs have zero concurrence"
    and no word that the link itself makes only separable pairs (a longer run or purification looked like a way
    out); now the note names the link."""
    alpha, eta_b = 0.2, 0.9 * 0.8
    src = Source(attempt_rate_hz=1e6, emission_efficiency=0.9, bright_state_alpha=alpha)
    dead = Transducer(efficiency=0.0, added_noise_photons=0.0)
    live = Transducer(efficiency=0.8, added_noise_photons=0.0)
    model = qnsim.heralded_link("single_click", src, src, Fiber(0.0), Fiber(0.0), Detector(1.0), dead, live)
    assert model.success_probability == pytest.approx(alpha * eta_b, rel=1e-12)
    expected = np.diag([1 - alpha, 0.0, alpha, 0.0])
    np.testing.assert_allclose(model.state, expected, atol=1e-12)
    assert model.fidelity == pytest.approx((1 - alpha) / 2, abs=1e-12)
    assert _ppt_min_eigenvalue(model.state) >= -1e-12
    net = qnsim.Network("density_matrix", seed=4)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, link_model=model)
    net.request("a", "b", num_pairs=10)
    result = net.run(until_s=1.0, progress=False)
    assert result.requests[0].num_pairs == 10 and result.requests[0].entangled is False
    assert _separable_note(result) and "link(s) a-b" in _separable_note(result)[0]


@pytest.mark.parametrize(
    ("formalism", "t1_s", "t2_s", "depolarizing_s", "expected"),
    [
        ("density_matrix", math.inf, 1e-4, math.inf, True),
        ("bell_diagonal", math.inf, 1e-4, math.inf, True),
        ("stabilizer", math.inf, 1e-4, math.inf, True),
        ("density_matrix", math.inf, 1e-3, math.inf, False),
        ("density_matrix", 1e-4, 2e-4, math.inf, True),
        ("density_matrix", 1e-3, 2e-3, math.inf, False),
        ("bell_diagonal", math.inf, 2e-3, 2e-4, True),
        ("stabilizer", math.inf, 2e-3, 2e-3, False),
    ],
)
def test_a_link_whose_pairs_decay_past_entanglement_before_their_herald_says_so(
    formalism, t1_s, t2_s, depolarizing_s, expected
):
    """A Werner 0.95 link over 100 km: each end learns of a pair 100 km / (c / 1.44) = 480 us after its emission and
    its memory decays meanwhile. The numpy oracle stores both qubits that long (amplitude damping, dephasing to T2)
    and judges the pair by its partial transpose: T2 = 0.1 ms leaves F = 0.4834 (separable), T1 = 0.1 ms with
    T2 = 0.2 ms too, and a depolarizing time of 0.2 ms (the oracle's Lindblad evolution); T2 = 1 ms leaves an
    entangled pair (F = 0.66), T1 = 1 ms with T2 = 2 ms as well, and a depolarizing time of 2 ms.

    Old behaviour: nothing said that such a link can give no entangled pair (a run before its first delivery showed
    a rate bound alone). Now the note is there exactly when the oracle finds the stored pair separable."""
    herald_s = 100.0 / (299_792.458 / 1.44)
    rho = _werner(0.95).astype(complex)
    for qubit in (0, 1):
        rho = po.lindblad_memory(rho, qubit, 2, herald_s, t1_s, t2_s, depolarizing_s)
    separable = _ppt_min_eigenvalue(rho) >= -1e-12
    net = qnsim.Network(formalism, seed=6)
    for name in ("a", "b"):
        net.add_node(name, t1_s=t1_s, t2_s=t2_s, depolarizing_time_s=depolarizing_s)
    net.add_link("a", "b", length_km=100.0, fidelity=0.95, rate_hz=1e4)
    assert net.link("a", "b").herald_delay_a_s == pytest.approx(herald_s, rel=1e-9)
    net.request("a", "b", start_s=0.5)  # nothing delivered before the run's end: the note alone can say it
    result = net.run(until_s=0.01, progress=False)
    assert result.requests[0].num_pairs == 0
    assert bool(_separable_note(result)) == separable, (po.pair_fidelity(rho), _separable_note(result))
    assert separable == expected  # the cases above, as the oracle judges them


def test_a_link_judged_separable_settles_a_stabilizer_runs_sampled_verdict():
    """a - b over a 0 km link of Werner F = 0.95 pairs every 3 ms, memories of T2 = 1 ms: each pair waits its 3 ms
    herald delay at both ends, F = (1 + w (1 + 2 exp(-6)))/4 = 0.4845 (w = (4F - 1)/3), separable, and the link check
    says so exactly. Old behaviour (after the link check landed): 200 stabilizer trajectories (seed 3), a sampled
    Phi+ weight of 0.5100, read "entangled" True with both "ENTANGLEMENT UNDECIDED" and "NOT ENTANGLED: link(s)
    a-b" in the notes and "unsure" in the table. Now the exact link verdict settles it: entangled False, no
    UNDECIDED note, the table's "NO", and no note claiming the sampled weights are all <= 1/2."""
    net = qnsim.Network("stabilizer", seed=3)
    for name in "ab":
        net.add_node(name, t2_s=1e-3)
    net.add_link("a", "b", length_km=0.0, fidelity=0.95, rate_hz=1 / 3e-3)
    net.request("a", "b", num_pairs=200)
    result = net.run(until_s=202 * 3e-3, progress=False)
    r = result.requests[0]
    # The sampled weight alone reads entangled, and its 95% interval holds 1/2 (0.51 before stabilizer links sampled
    # their pairs from a stream of their own, 0.54 since: the premise, not the figure, is what this test needs).
    assert 0.5 < r.mean_fidelity < 0.5 + 1.96 * math.sqrt(0.25 / 200)
    assert r.separable_links == ("a-b",)
    assert r.entangled is False
    assert not any("UNDECIDED" in n for n in r.notes)
    assert [n for n in r.notes if n.startswith("NOT ENTANGLED")] == [
        n for n in r.notes if n.startswith("NOT ENTANGLED: link(s) a-b")
    ]
    row = next(line for line in result.summary_table().splitlines() if line.startswith("0: a -> b"))
    assert "NO" in row.split() and "unsure" not in row.split() and "yes" not in row.split()
