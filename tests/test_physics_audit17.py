"""A seventeenth outside audit of qnsim's physics against a numpy oracle written here.

Covered here and not in test_physics_audit.py .. test_physics_audit16.py: entanglement swapping of link pairs that
are not Bell-diagonal (coherences with complex phases, a |01> admixture, local polarization) through a Bell
measurement with depolarizing gate errors and readout flips. The swapped pair then depends on the reported
outcomes, so the exact formalism is checked outcome by outcome (each delivered pair against the four states the
nodes can be left with, and how often each comes), and the twirling formalisms against the outcome average they
claim to keep exact; likewise a DEJMPS round on such pairs between two nodes of different gate and readout noise
(success probability, the kept pair of each agreeing readout); a cutoff chain with T1 and T2 whose times are all
scaled by 1e-4 or 1e5 (the same pairs, fidelities and scaled ages); teleportation through such a pair with a noisy
Bell measurement, outcome by outcome. Statistical checks use 5.3 sigma (a false alarm
below 1e-7 per check) with fixed seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from physics_oracles import apply_unitary, depolarize, non_bell_diagonal_pair, swap_outcomes

import qnsim
from qnsim.link_models import LinkModel

SIGMAS = 5.3
_I = np.eye(2, dtype=complex)
_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Z = np.diag([1.0, -1.0]).astype(complex)
_Y = 1j * _X @ _Z
_H = np.array([[1, 1], [1, -1]], dtype=complex) / math.sqrt(2)
_CNOT = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)
# Columns: Phi+, Psi+, Psi-, Phi- (DESIGN's order).
_BELL = np.array([[1, 0, 0, 1], [0, 1, 1, 0], [0, 1, -1, 0], [1, 0, 0, -1]], dtype=complex).T / math.sqrt(2)
P1, P2, PM = 0.02, 0.03, 0.04  # the swapping node's gate1_error, gate2_error, measure_error (Stim's meaning)


_link_state = non_bell_diagonal_pair  # see physics_oracles


def _apply(rho: np.ndarray, u: np.ndarray, qubits: list[int], n: int = 4) -> np.ndarray:
    return apply_unitary(rho, u, qubits, n)  # four qubits unless told (physics_oracles)


def _swap_outcomes(rho_xa: np.ndarray, rho_by: np.ndarray) -> dict[tuple[int, int], tuple[float, np.ndarray]]:
    """physics_oracles.swap_outcomes with the swapping node m's noise P1, P2, PM: {reported outcome r: (probability
    of reading r, the pair (x, y) the nodes hold)}."""
    return swap_outcomes(rho_xa, rho_by, P1, P2, PM)


def _bell_weights(rho: np.ndarray) -> np.ndarray:
    return np.real(np.einsum("ij,ik,kj->j", _BELL.conj(), rho, _BELL))


def _concurrence(rho: np.ndarray) -> float:
    """Wootters' concurrence, written here."""
    yy = np.kron(_Y, _Y)
    ev = np.sort(np.sqrt(np.abs(np.linalg.eigvals(rho @ yy @ rho.conj() @ yy))))[::-1]
    return max(0.0, float(ev[0] - ev[1] - ev[2] - ev[3]))


_LINKS = (_link_state(0.6, 0.4, 0.1, seed=1), _link_state(0.8, -1.0, 0.15, seed=2))


def _swapped_chain(formalism: str, until_s: float) -> qnsim.NetworkResult:
    """x - m - y, deterministic 0 km links (a pair every 1 ms) carrying _LINKS, swapped at the noisy node m."""
    net = qnsim.Network(formalism, seed=3)
    net.add_node("x")
    net.add_node("m", gate1_error=P1, gate2_error=P2, measure_error=PM)
    net.add_node("y")
    for (a, b), state in zip((("x", "m"), ("m", "y")), _LINKS):
        model = LinkModel("single_click", success_probability=1.0, attempt_period_s=1e-3, state=state)
        net.add_link(a, b, length_km=0.0, link_model=model)
    net.request("x", "y")
    return net.run(until_s=until_s, progress=False)


def test_oracle_states_depend_on_the_outcome():
    """The oracle's four outcome states differ (Bell weights and concurrence): the per-outcome check below tells a
    swap that corrects by the true outcomes, or that forgets the misread mixture, from the right one."""
    outs = _swap_outcomes(*_LINKS)
    assert sum(w for w, _ in outs.values()) == pytest.approx(1.0, abs=1e-12)
    fids = sorted(_bell_weights(s)[0] for _, s in outs.values())
    assert fids[-1] - fids[0] > 0.15
    assert len({round(_concurrence(s), 6) for _, s in outs.values()}) == 4


def test_density_matrix_swap_of_non_bell_diagonal_pairs_is_the_numpy_circuit_outcome_by_outcome():
    """Numpy oracle ``_swap_outcomes``: every delivered pair's Bell weights and concurrence are those of one of the
    four reported outcomes' states (to 1e-9), and each outcome comes as often as its probability (5.3 sigma of a
    binomial count). Checked right (no fix)."""
    outs = _swap_outcomes(*_LINKS)
    keys = list(outs)
    want = np.array([[*_bell_weights(outs[k][1]), _concurrence(outs[k][1])] for k in keys])
    r = _swapped_chain("density_matrix", 0.3).requests[0]
    n = r.num_pairs
    assert n >= 250
    got = np.column_stack([r.bell_diagonals, r.concurrences])
    distance = np.abs(got[:, None, :] - want[None, :, :]).max(axis=2)
    assert distance.min(axis=1).max() < 1e-9, distance.min(axis=1).max()
    counts = np.bincount(distance.argmin(axis=1), minlength=4)
    for k, count in zip(keys, counts):
        p = outs[k][0]
        assert abs(count - n * p) <= SIGMAS * math.sqrt(n * p * (1 - p)) + 1, (k, count, n * p)


@pytest.mark.parametrize("formalism", ["bell_diagonal", "stabilizer"])
def test_twirling_formalisms_keep_the_outcome_average_and_say_they_twirl(formalism):
    """Numpy oracle: the average over reported outcomes of the exact swapped pair's Bell weights. bell_diagonal
    holds each link pair as its Bell-diagonal part, and its mean Bell diagonal equals that average to 1e-12 (the run
    note's "fidelities stay exact on average over swap outcomes"); its concurrence, the twirled pair's, is at most the
    exact mean (the note's "lower bounds"). Stabilizer trajectories' mean Bell diagonal within 5.3 sigma per entry.
    Both name the two links in a run note. Checked right (no fix)."""
    outs = _swap_outcomes(*_LINKS)
    mean = sum(w * _bell_weights(s) for w, s in outs.values())
    exact_concurrence = sum(w * _concurrence(s) for w, s in outs.values())
    result = _swapped_chain(formalism, 0.2 if formalism == "bell_diagonal" else 2.0)
    r = result.requests[0]
    got = np.array(r.mean_bell_diagonal)
    if formalism == "bell_diagonal":
        np.testing.assert_allclose(got, mean, rtol=0, atol=1e-12)
        assert r.mean_concurrence == pytest.approx(max(0.0, 2 * mean.max() - 1), abs=1e-12)
        assert r.mean_concurrence < exact_concurrence
    else:
        n = r.num_pairs
        assert n >= 1500
        for g, w in zip(got, mean):
            assert abs(g - w) <= SIGMAS * math.sqrt(w * (1 - w) / n), (got, mean, n)
    assert any("link(s) x-m, m-y is not Bell-diagonal" in note for note in result.notes), result.notes


# ---- a DEJMPS round on pairs that are not Bell-diagonal, between unequally noisy nodes ----------------------------

_RX = (_I - 1j * _X) / math.sqrt(2)  # Rx(pi/2) = exp(-i pi/4 X)
NOISE_A, NOISE_B = (0.02, 0.04, 0.03), (0.004, 0.01, 0.08)  # (gate1_error, gate2_error, measure_error) of a, b


def _depolarize(rho: np.ndarray, qubits: list[int], p: float) -> np.ndarray:
    return depolarize(rho, qubits, p, 4)  # physics_oracles


def _dejmps_outcomes(rho: np.ndarray) -> dict[int, tuple[float, np.ndarray]]:
    """Qubits (a1, b1, a2, b2), both pairs ``rho``: Rx(+pi/2) on a's qubits, Rx(-pi/2) on b's, each followed by its
    node's depolarize1; CNOT a1 -> a2 and b1 -> b2, each followed by its node's depolarize2; a2 and b2 read in Z, each
    flipped with its node's probability. Returns {r: (probability that both read r, the kept pair (a1, b1) given
    that)}: the mixture over the true outcomes that read as (r, r)."""
    r = np.kron(rho, rho)
    for q, u, noise in ((0, _RX, NOISE_A), (2, _RX, NOISE_A), (1, _RX.conj().T, NOISE_B), (3, _RX.conj().T, NOISE_B)):
        r = _depolarize(_apply(r, u, [q]), [q], noise[0])
    r = _depolarize(_apply(r, _CNOT, [0, 2]), [0, 2], NOISE_A[1])
    r = _depolarize(_apply(r, _CNOT, [1, 3]), [1, 3], NOISE_B[1])
    t = r.reshape([2] * 8)
    qa, qb = NOISE_A[2], NOISE_B[2]
    out = {}
    for read in (0, 1):
        kept = sum(
            (1 - qa if ma == read else qa)
            * (1 - qb if mb == read else qb)
            * t[:, :, ma, mb, :, :, ma, mb].reshape(4, 4)
            for ma in (0, 1)
            for mb in (0, 1)
        )
        weight = float(np.real(np.trace(kept)))
        out[read] = (weight, kept / weight)
    return out


def _purified_link(formalism: str, num_pairs: int) -> qnsim.NetworkResult:
    """a - b over a deterministic 0 km two-channel link carrying _LINKS[0], one DEJMPS round per delivered pair."""
    net = qnsim.Network(formalism, seed=5)
    for name, noise in (("a", NOISE_A), ("b", NOISE_B)):
        net.add_node(name, gate1_error=noise[0], gate2_error=noise[1], measure_error=noise[2])
    model = LinkModel("single_click", success_probability=1.0, attempt_period_s=1e-3, state=_LINKS[0])
    net.add_link("a", "b", length_km=0.0, channels=2, link_model=model)
    net.request("a", "b", num_pairs=num_pairs, purification="dejmps", purification_rounds=1)
    return net.run(until_s=100.0, progress=False)


@pytest.mark.parametrize("formalism", ["density_matrix", "bell_diagonal", "stabilizer"])
def test_dejmps_round_on_non_bell_diagonal_pairs_is_the_numpy_circuit(formalism):
    """Numpy oracle ``_dejmps_outcomes``: the share of failed rounds is 1 - p (5.3 sigma of a binomial share) in every
    formalism. density_matrix: each kept pair's Bell weights and concurrence are those of the readout (0, 0) or
    (1, 1) state (to 1e-9; the two differ: F = 0.841 and 0.870 here), each as often as its share of p. bell_diagonal:
    the mean Bell diagonal equals the oracle's outcome average to 1e-12; stabilizer trajectories within 5.3 sigma.
    Checked right (no fix)."""
    outs = _dejmps_outcomes(_LINKS[0])
    p = sum(w for w, _ in outs.values())
    mean = sum(w * _bell_weights(s) for w, s in outs.values()) / p
    n = 1500 if formalism == "stabilizer" else 300
    r = _purified_link(formalism, n).requests[0]
    assert r.num_pairs == n
    rounds = n + r.purification_failures
    share = r.purification_failures / rounds
    assert abs(share - (1 - p)) <= SIGMAS * math.sqrt(p * (1 - p) / rounds), (share, 1 - p, rounds)
    got = np.array(r.mean_bell_diagonal)
    if formalism == "density_matrix":
        want = np.array([[*_bell_weights(outs[k][1]), _concurrence(outs[k][1])] for k in (0, 1)])
        assert abs(want[0, 0] - want[1, 0]) > 0.02
        pairs = np.column_stack([r.bell_diagonals, r.concurrences])
        distance = np.abs(pairs[:, None, :] - want[None, :, :]).max(axis=2)
        assert distance.min(axis=1).max() < 1e-9, distance.min(axis=1).max()
        zeros, q0 = int(np.count_nonzero(distance.argmin(axis=1) == 0)), outs[0][0] / p
        assert abs(zeros - n * q0) <= SIGMAS * math.sqrt(n * q0 * (1 - q0)) + 1, (zeros, n * q0)
    elif formalism == "bell_diagonal":
        np.testing.assert_allclose(got, mean, rtol=0, atol=1e-12)
    else:
        for g, w in zip(got, mean):
            assert abs(g - w) <= SIGMAS * math.sqrt(w * (1 - w) / n), (got, mean, n)


# ---- time units at the extremes: a run is the same physics at every time scale ------------------------------------


def _cutoff_chain(scale: float) -> qnsim.RequestResult:
    """x - m - y (density_matrix, seed 11), every time multiplied by ``scale``: memories T1 = 2 ms, T2 = 1.5 ms;
    Werner 0.95 and 0.93 links with p = 0.3 and 0.2 per 100 us and 130 us attempt; a 500 us cutoff; run 50 ms."""
    net = qnsim.Network("density_matrix", seed=11)
    for name in ("x", "m", "y"):
        net.add_node(name, t1_s=2e-3 * scale, t2_s=1.5e-3 * scale)
    net.add_link("x", "m", length_km=0.0, fidelity=0.95, success_probability=0.3, attempt_period_s=1e-4 * scale)
    net.add_link("m", "y", length_km=0.0, fidelity=0.93, success_probability=0.2, attempt_period_s=1.3e-4 * scale)
    net.request("x", "y", cutoff_s=5e-4 * scale)
    return net.run(until_s=0.05 * scale, progress=False).requests[0]


@pytest.mark.parametrize("scale", [1e-4, 1e5])
def test_a_cutoff_chain_with_t1_and_t2_is_the_same_at_every_time_scale(scale):
    """Every time of the scenario multiplied by 1e-4 (attempts of 10 ns, a 50 ns cutoff) or by 1e5 (a 50 s cutoff
    over 5,000 s: 5e15 ps) describes the same physics: the same pairs (the exact picosecond times stay in
    proportion: every time here is a whole number of picoseconds at 1e-4), each with the same fidelity (1e-12) and
    its age, delivery time and the request's rate in proportion. Checked right (no fix): a conversion that rounds,
    or a decay computed from picoseconds in another unit, breaks the proportion."""
    base, scaled = _cutoff_chain(1.0), _cutoff_chain(scale)
    assert base.num_pairs >= 30 and scaled.num_pairs == base.num_pairs
    np.testing.assert_allclose(scaled.fidelities, base.fidelities, rtol=0, atol=1e-12)
    assert max(base.ages_s) > 1e-4  # the pairs did wait, so the decay is tested
    np.testing.assert_allclose(scaled.ages_s / scale, base.ages_s, rtol=1e-12, atol=0)
    np.testing.assert_allclose(scaled.times_s / scale, base.times_s, rtol=1e-12, atol=0)
    assert scaled.rate_hz * scale == pytest.approx(base.rate_hz, rel=1e-12)


# ---- teleportation through a pair that is not Bell-diagonal, with a noisy Bell measurement ------------------------


def _teleport_outcomes(psi: np.ndarray, pair: np.ndarray) -> dict[tuple[int, int], tuple[float, np.ndarray]]:
    """Qubits (data, a, b), data in |psi>: the sender's Bell measurement (CNOT data -> a then depolarize2 P2; H on data
    then depolarize1 P1; both read flipped with PM), b corrected with X^{r_a} then Z^{r_data} by the REPORTED
    outcomes r. Returns {r: (probability of reading r, b's state)}: the mixture over the true outcomes read as r."""
    rho = _apply(np.kron(np.outer(psi, psi.conj()), pair), _CNOT, [0, 1], 3)
    paulis = (_I, _X, _Y, _Z)
    rho = (1 - P2) * rho + sum(
        P2 / 15 * _apply(rho, np.kron(paulis[i], paulis[j]), [0, 1], 3) for i in range(4) for j in range(4) if i or j
    )
    rho = _apply(rho, _H, [0], 3)
    rho = (1 - P1) * rho + sum(P1 / 3 * _apply(rho, s, [0], 3) for s in paulis[1:])
    t = rho.reshape([2] * 6)
    out = {}
    for rd in (0, 1):
        for ra in (0, 1):
            held = sum(
                (1 - PM if md == rd else PM) * (1 - PM if ma == ra else PM) * t[md, ma, :, md, ma, :]
                for md in (0, 1)
                for ma in (0, 1)
            )
            weight = float(np.real(np.trace(held)))
            fix = np.linalg.matrix_power(_Z, rd) @ np.linalg.matrix_power(_X, ra)
            out[(rd, ra)] = (weight, fix @ (held / weight) @ fix.conj().T)
    return out


def test_teleport_through_a_non_bell_diagonal_pair_with_noisy_measurement_is_the_numpy_circuit():
    """Numpy oracle ``_teleport_outcomes``: ``qnsim.primitives.teleport`` in a density_matrix registry, through a pair
    with coherences and local polarization (``_LINKS[0]``) and a sender with gate errors and readout flips, leaves b in
    the state of its reported outcomes (to 1e-9; the misread mixture the nodes cannot tell apart), each outcome as often
    as its probability (5.3 sigma). Checked right (no fix)."""
    rng = np.random.default_rng(0)
    psi = rng.normal(size=2) + 1j * rng.normal(size=2)
    psi /= np.linalg.norm(psi)
    prepare = np.column_stack([psi, [-psi[1].conj(), psi[0].conj()]])  # |0> -> |psi>
    outs = _teleport_outcomes(psi, _LINKS[0])
    assert sum(w for w, _ in outs.values()) == pytest.approx(1.0, abs=1e-12)
    n, counts = 200, dict.fromkeys(outs, 0)
    for seed in range(n):
        reg = qnsim.QubitRegistry("density_matrix", seed=seed)
        data = reg.alloc()
        reg.apply_unitary(prepare, [data])
        a, b = reg.pair_with_state(_LINKS[0])
        read = tuple(qnsim.primitives.teleport(reg, data, a, b, gate1_error=P1, gate2_error=P2, measure_error=PM))
        counts[read] += 1
        np.testing.assert_allclose(reg.state([b]), outs[read][1], rtol=0, atol=1e-9)
    for read, count in counts.items():
        p = outs[read][0]
        assert abs(count - n * p) <= SIGMAS * math.sqrt(n * p * (1 - p)) + 1, (read, count, n * p)
