"""An eighteenth outside audit of qnsim's physics against a numpy oracle written here.

Covered here and not in test_physics_audit.py .. test_physics_audit17.py: the remote CNOT (gate teleportation)
through a pair that is not Bell-diagonal, with gate errors and readout flips at both nodes, outcome by outcome on
the whole process (its Choi state, with reference qubits) in the exact formalism and Pauli by Pauli over stabilizer
trajectories (bell_diagonal has no qubits to gate). Statistical checks use 5.3 sigma (a false alarm below 1e-7 per
check) with fixed seeds.
"""

from __future__ import annotations

import math

import numpy as np
import physics_oracles as po
import pytest
from physics_oracles import apply_unitary, depolarize, non_bell_diagonal_pair

import qnsim

SIGMAS = 5.3
_PAULIS = po.PAULIS
_I, _X, _Y, _Z = _PAULIS
_CNOT = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)
# Columns: Phi+, Psi+, Psi-, Phi- (DESIGN's order).
_BELL = np.array([[1, 0, 0, 1], [0, 1, 1, 0], [0, 1, -1, 0], [1, 0, 0, -1]], dtype=complex).T / math.sqrt(2)
_PHI = _BELL[:, 0]


def _bell_weights(rho: np.ndarray) -> np.ndarray:
    return np.real(np.einsum("ij,ik,kj->j", _BELL.conj(), rho, _BELL))


_pair = non_bell_diagonal_pair  # see physics_oracles


# ---- the remote CNOT through a pair that is not Bell-diagonal, with noise at both nodes ---------------------------

RC_PAIR = _pair(0.6, 0.4, 0.1, seed=1)
G1, G2, PM = 0.05, 0.04, 0.06  # gate1_error, gate2_error, measure_error of both nodes (Stim's meaning)


def _remote_cnot_outcomes(pair: np.ndarray) -> dict[tuple[int, int], tuple[float, np.ndarray]]:
    """Qubits (rc, c, a, b, t, rt), rc-c and t-rt |Phi+> references, (a, b) the pair. Eisert et al.'s gate
    teleportation as ``qnsim.remote_cnot`` documents it: CNOT c -> a then depolarize2; a read in Z (flipped with PM);
    X^{r1} on b by the REPORTED r1; CNOT b -> t then depolarize2; depolarize1 on b (its X readout's H); b read in X
    (flipped with PM); Z^{r2} on c. Returns {(r1, r2): (probability, the Choi state of (rc, c, t, rt))}: the mixture
    over the true outcomes that read as r (the nodes cannot tell a misread apart)."""
    n = 6
    ref = np.outer(_PHI, _PHI.conj())
    rho = depolarize(apply_unitary(np.kron(np.kron(ref, pair), ref), _CNOT, [1, 2], n), [1, 2], G2, n)
    z_basis = (np.diag([1.0, 0.0]).astype(complex), np.diag([0.0, 1.0]).astype(complex))
    x_basis = (np.full((2, 2), 0.5, dtype=complex), np.array([[0.5, -0.5], [-0.5, 0.5]], dtype=complex))
    out = {}
    for r1 in (0, 1):
        k1 = sum((1 - PM if m == r1 else PM) * apply_unitary(rho, z_basis[m], [2], n) for m in (0, 1))
        k1 = apply_unitary(k1, np.linalg.matrix_power(_X, r1), [3], n)
        k1 = depolarize(apply_unitary(k1, _CNOT, [3, 4], n), [3, 4], G2, n)
        k1 = depolarize(k1, [3], G1, n)
        for r2 in (0, 1):
            k2 = sum((1 - PM if m == r2 else PM) * apply_unitary(k1, x_basis[m], [3], n) for m in (0, 1))
            k2 = apply_unitary(k2, np.linalg.matrix_power(_Z, r2), [1], n)
            held = np.einsum("abcdefghcdkl->abefghkl", k2.reshape([2] * 12)).reshape(16, 16)  # a, b traced out
            weight = float(np.real(np.trace(held)))
            out[(r1, r2)] = (weight, held / weight)
    return out


def _choi(paulis: tuple[int, int] = (0, 0)) -> np.ndarray:
    """|Choi(CNOT)> on (rc, c, t, rt), then Pauli ``paulis`` (indices into I, X, Y, Z) on (c, t)."""
    v = np.kron(_PHI, _PHI)
    v = np.kron(np.kron(_I, _CNOT), _I) @ v
    return np.kron(np.kron(_I, np.kron(_PAULIS[paulis[0]], _PAULIS[paulis[1]])), _I) @ v


def _pauli_twirl(pair: np.ndarray) -> np.ndarray:
    w = _bell_weights(pair)
    return sum(wi * np.outer(_BELL[:, i], _BELL[:, i].conj()) for i, wi in enumerate(w))


def _registry_remote_cnot(formalism: str, seed: int) -> tuple[qnsim.QubitRegistry, tuple[int, int], list[int]]:
    """qnsim.remote_cnot from c to t through RC_PAIR (density_matrix) or its Bell-diagonal part (stabilizer, which
    holds a link's pair so), c and t each entangled with a reference; returns the registry, the outcomes and the
    Choi qubits (rc, c, t, rt)."""
    reg = qnsim.QubitRegistry(formalism, seed=seed)
    rc, c = reg.bell_pair()
    t, rt = reg.bell_pair()
    if formalism == "density_matrix":
        a, b = reg.pair_with_state(RC_PAIR)
    else:
        a, b = reg.bell_diagonal_pair([float(w) for w in _bell_weights(RC_PAIR)])
    read = qnsim.remote_cnot(reg, c, a, b, t, gate1_error=G1, gate2_error=G2, measure_error=PM)
    return reg, tuple(read), [rc, c, t, rt]


def test_remote_cnot_oracle_tells_the_outcomes_apart():
    """The oracle's four outcome Choi states differ from one another and from those of the pair's Pauli twirl (the
    exact check below tells a twirled pair, or a correction by the true outcomes, from the right one), while the
    process fidelity is the twirl's: what a stabilizer run (which holds the twirled pair) must reproduce."""
    outs, twirled = _remote_cnot_outcomes(RC_PAIR), _remote_cnot_outcomes(_pauli_twirl(RC_PAIR))
    assert sum(w for w, _ in outs.values()) == pytest.approx(1.0, abs=1e-12)
    states = [s for _, s in outs.values()]
    assert min(np.abs(x - y).max() for i, x in enumerate(states) for y in states[:i]) > 1e-3
    assert min(np.abs(outs[k][1] - twirled[k][1]).max() for k in outs) > 1e-3
    choi = np.outer(_choi(), _choi().conj())
    fidelity = sum(w * np.real(np.trace(choi @ s)) for w, s in outs.values())
    assert fidelity == pytest.approx(sum(w * np.real(np.trace(choi @ s)) for w, s in twirled.values()), abs=1e-12)


def test_density_matrix_remote_cnot_through_a_non_bell_diagonal_pair_is_the_numpy_circuit_outcome_by_outcome():
    """Numpy oracle ``_remote_cnot_outcomes``: ``qnsim.remote_cnot`` in a density_matrix registry, through a pair with
    coherences, a |01> admixture and local polarization, with depolarizing gate errors and readout flips at both
    nodes, leaves the references and (c, t) in the Choi state of its reported outcomes (to 1e-9: the whole process,
    not one input), each outcome as often as its probability (5.3 sigma). Checked right (no fix)."""
    outs = _remote_cnot_outcomes(RC_PAIR)
    n, counts = 160, dict.fromkeys(outs, 0)
    for seed in range(n):
        reg, read, choi_qubits = _registry_remote_cnot("density_matrix", seed)
        counts[read] += 1
        np.testing.assert_allclose(reg.state(choi_qubits), outs[read][1], rtol=0, atol=1e-9)
    for read, count in counts.items():
        p = outs[read][0]
        assert abs(count - n * p) <= SIGMAS * math.sqrt(n * p * (1 - p)) + 1, (read, count, n * p)


def test_stabilizer_remote_cnot_trajectories_are_the_twirled_pairs_pauli_channel():
    """Numpy oracle: through the pair's Bell-diagonal part the remote CNOT is CNOT followed by a Pauli error on
    (c, t); the oracle's share of each of the 16 errors (the Choi state's weight on each Pauli-rotated Choi vector).
    Stabilizer trajectories each land on exactly one of them; every share within 5.3 sigma of a binomial count (1,500
    trajectories: a share off by ~0.03 or more, such as a dropped correction, fails; the exact test above is the
    sharp one). Checked right (no fix)."""
    outs = _remote_cnot_outcomes(_pauli_twirl(RC_PAIR))
    errors = [(i, j) for i in range(4) for j in range(4)]
    targets = [_choi(e) for e in errors]
    want = np.array([sum(w * np.real(v.conj() @ s @ v) for w, s in outs.values()) for v in targets])
    assert want.sum() == pytest.approx(1.0, abs=1e-12) and want[0] < 0.8
    n, counts = 1500, np.zeros(len(errors))
    for seed in range(n):
        reg, _, choi_qubits = _registry_remote_cnot("stabilizer", seed)
        state = reg.state(choi_qubits)
        fids = np.array([np.real(v.conj() @ state @ v) for v in targets])
        assert sorted(np.round(fids, 9))[-2:] == [0.0, 1.0], fids
        counts[int(np.argmax(fids))] += 1
    for e, count, p in zip(errors, counts, want):
        assert abs(count - n * p) <= SIGMAS * math.sqrt(n * p * (1 - p)) + 1, (e, count, n * p)


# ---- `qnsim run`'s "separable:" line judges each link's pair as the run holds it ----------------------------------

_DECAYING_LINKS = """
[run]
until_s = 0.005
seed = 1
formalism = "{formalism}"
{nodes}
[[links]]
a = "a"
b = "b"
length_km = 100.0
fidelity = 0.95
rate_hz = 1000.0
[[links]]
a = "c"
b = "d"
length_km = 100.0
fidelity = 0.95
rate_hz = 1000.0
[[links]]
a = "e"
b = "f"
length_km = 100.0
fidelity = 0.95
rate_hz = 1000.0
[[requests]]
src = "a"
dst = "b"
"""


@pytest.mark.parametrize("formalism", ["density_matrix", "bell_diagonal", "stabilizer"])
def test_qnsim_runs_separable_line_judges_the_pair_its_ends_hold_on_every_link(formalism, tmp_path, capsys):
    """A Werner 0.95 link over 100 km (1 ms herald) between T1 = T2 = 1 ms memories with a 2 ms depolarizing time
    holds separable pairs by the time its ends know of them: the request's notes said NOT ENTANGLED, while the line
    under ``qnsim run``'s links table ("herald separable pairs") judged the fresh pair, entangled, and named no link.
    Now the line gives the request notes' verdict, for the requested link a - b and for c - d (the same link, no
    request), and not for e - f (the same link between memories that do not decay)."""
    from qnsim.cli import main
    from qnsim.scenario import load_scenario

    decaying = "t1_s = 1e-3\nt2_s = 1e-3\ndepolarizing_time_s = 2e-3\n"
    nodes = "".join(f'[[nodes]]\nname = "{n}"\n' + (decaying if n in "abcd" else "") for n in "abcdef")
    scenario = tmp_path / "decaying.toml"
    scenario.write_text(_DECAYING_LINKS.format(formalism=formalism, nodes=nodes))
    net, settings = load_scenario(scenario)
    result = net.run(until_s=settings.until_s, progress=False)
    assert result.requests[0].separable_links == ("a-b",)
    assert main(["run", str(scenario), "--no-progress"]) == 0
    (line,) = [text for text in capsys.readouterr().out.splitlines() if text.startswith("separable: ")]
    assert line.startswith(
        "separable: link(s) a - b, c - d give pairs that are separable by the time their ends hold the herald"
    ), line
    assert ("as the bell_diagonal formalism holds them" in line) == (formalism == "bell_diagonal")


# ---- a refused time says how the core holds it --------------------------------------------------------------------


def _two_nodes() -> qnsim.Network:
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1000.0, fidelity=0.95, rate_hz=1000.0)  # a 4.8 ms herald
    return net


@pytest.mark.parametrize(
    ("given", "held"), [(1.4e-12, "1e-12"), (2.6e-12, "3e-12"), (9.999999e-07, "1e-06"), (1.0003e-09, "1e-09")]
)
def test_a_cutoff_refused_between_picoseconds_names_the_value_given_and_the_value_held(given, held):
    """The core refuses a cutoff shorter than a pair's least storage stating it as it holds it, in whole
    picoseconds: ``cutoff_s=1.4e-12`` read "cutoff_s = 1e-12 s is shorter than ...", a value the caller never gave
    (9.999999e-07 read 1e-06). Now the message says both. 1e-13 s (below 1 ps) was already refused with its own
    value; a whole number of picoseconds gets no clause."""
    with pytest.raises(qnsim.ParameterError) as info:
        _two_nodes().request("a", "b", cutoff_s=given)
    text = str(info.value)
    assert f"cutoff_s = {held} s is shorter than the " in text
    assert text.endswith(f"(cutoff_s = {given!r} s is held as {held} s: times are whole picoseconds)"), text
    assert info.value.field == "cutoff_s"
    with pytest.raises(qnsim.ParameterError, match=r"cutoff_s = 1e-13 s is below the 1 ps time resolution"):
        _two_nodes().request("a", "b", cutoff_s=1e-13)
    with pytest.raises(qnsim.ParameterError) as whole:
        _two_nodes().request("a", "b", cutoff_s=2e-12)
    assert str(whole.value).endswith("no pair could ever be delivered"), str(whole.value)


def test_a_deadline_between_picoseconds_of_its_start_says_both_are_held_alike():
    """A deadline 0.1 ps after its start (1.0000000000004e-06 s and 1.0000000000005e-06 s) is refused as not after
    it, which read "must be after start_s = 1e-06 s, got 1e-06 s" for a deadline given after its start. Now the
    message says how each was held."""
    start, deadline = 1.0000000000004e-06, 1.0000000000005e-06
    with pytest.raises(qnsim.ParameterError) as info:
        _two_nodes().request("a", "b", start_s=start, deadline_s=deadline)
    assert str(info.value).endswith(
        f"(start_s = {start!r} s is held as 1e-06 s; deadline_s = {deadline!r} s is held as 1e-06 s: times are whole "
        "picoseconds)"
    ), str(info.value)


# ---- one seed, one timing: a stabilizer run's pair samples do not move its link attempts ------------------------


def _noisy_chain(formalism: str, hops: int, seed: int) -> qnsim.RequestResult:
    """A chain of ``hops`` links (Werner 0.95, 0.93, 0.9, ... with p = 0.3, 0.2, ... per 100 us, 130 us, ...
    attempt, two channels), T1 = 2 ms and T2 = 1.5 ms memories, a 500 us cutoff, swapped nested; run 50 ms."""
    net = qnsim.Network(formalism, seed=seed)
    for i in range(hops + 1):
        net.add_node(f"n{i}", t1_s=2e-3, t2_s=1.5e-3, gate2_error=0.01, measure_error=0.01)
    for i in range(hops):
        net.add_link(f"n{i}", f"n{i + 1}", length_km=0.0, fidelity=0.95 - 0.02 * i, channels=2,
                     success_probability=0.3 - 0.1 * (i % 2), attempt_period_s=1e-4 + 3e-5 * i)  # fmt: skip
    net.request("n0", f"n{hops}", cutoff_s=5e-4, swap_schedule="nested")
    return net.run(until_s=0.05, progress=False).requests[0]


@pytest.mark.parametrize(("hops", "seed"), [(2, 11), (3, 5)])
def test_one_seed_gives_the_same_pairs_and_times_in_every_formalism(hops, seed):
    """Link attempts draw from the links' streams in every formalism, so with one seed a run without purification
    delivers the same pairs at the same picosecond times, with the same ages and cutoff discards, whatever the
    formalism (docs/concepts.md, ``Network``'s seed). A stabilizer link drew each fresh pair's Pauli error from the
    stream of its attempt counts: with links that fail some attempts its attempts moved, and a cutoff chain delivered
    43 pairs in stabilizer against 52 in the other two with seed 11. The stabilizer's pairs still carry the same
    statistics (its fidelities average to bell_diagonal's, which twirls T1 alike, within 5.3 sigma)."""
    runs = {f: _noisy_chain(f, hops, seed) for f in ("density_matrix", "bell_diagonal", "stabilizer")}
    dm = runs["density_matrix"]
    assert dm.num_pairs >= 25 and dm.cutoff_discards > 0
    for r in runs.values():
        assert r.times_s.tobytes() == dm.times_s.tobytes()
        assert r.ages_s.tobytes() == dm.ages_s.tobytes()
        assert r.cutoff_discards == dm.cutoff_discards
    stab = runs["stabilizer"].fidelities
    n = len(stab)
    # bell_diagonal holds the twirl of T1 a stabilizer samples, pair by pair at the same ages; each trajectory's
    # fidelity lies in [0, 1], so the variance of their mean is at most m (1 - m) / n.
    m = float(np.mean(runs["bell_diagonal"].fidelities))
    assert abs(float(np.mean(stab)) - m) <= SIGMAS * math.sqrt(m * (1 - m) / n), (np.mean(stab), m, n)


# ---- memories stored far past both T1 and the depolarizing time -------------------------------------------------


def _channel_superoperator(gamma: float, coherence: float, p: float) -> np.ndarray:
    """S[i, j, k, l] of amplitude damping gamma, then coherences scaled by ``coherence``, then depolarize1 p."""
    damp = [np.array([[1, 0], [0, math.sqrt(1 - gamma)]]), np.array([[0, math.sqrt(gamma)], [0, 0]])]
    out = np.zeros((2, 2, 2, 2), dtype=complex)
    for k in range(2):
        for m in range(2):
            basis = np.zeros((2, 2), dtype=complex)
            basis[k, m] = 1
            rho = sum(K @ basis @ K.T for K in damp)
            rho = rho * np.array([[1, coherence], [coherence, 1]])
            rho = (1 - p) * rho + p / 3 * sum(s @ rho @ s.conj().T for s in _PAULIS[1:])
            out[:, :, k, m] = rho
    return out


@pytest.mark.parametrize(
    ("seconds", "t1_s", "t2_s", "depolarizing_s"),
    [(0.3186605066849661, 3.024692898072809e-3, 3.0e-3, 1.5316147618836364e-4), (1e-4, 1e-4, 2e-4, 1e-13),
     (1e-4, 1e-4, 2e-4, 1e-30), (2.0, 3e-3, 3e-3, 1.5e-4)],
)  # fmt: skip
def test_the_joint_memory_channel_far_past_its_times_is_the_lindblad_evolution(seconds, t1_s, t2_s, depolarizing_s):
    """Oracle: the Lindblad evolution of damping (1/T1), dephasing (to 1/T2 in total) and depolarizing (1/T) acting
    together, in closed form on the Bloch vector: x, y scale by exp(-t/T2 - t/T); z -> a z + b, a = exp(-u - v),
    b = u / (u + v) (1 - a), u = t/T1, v = t/T (``physics_oracles.lindblad_superoperator``'s matrix exponential
    agrees where it is accurate; at t/T of 1e9 it is not). The exact channel (``results._memory_channel``, the
    core's ``QubitRegistry::memory_channel``) built damping gamma = b / (1 - (1 - s)) with 1 - s rounded: once a fell
    below that rounding, gamma came out 1 + 1e-15 (T1 = 3 ms, T = 153 us, 0.32 s: sqrt(1 - gamma) a math domain
    error), 1.00000003 (T = 1e-13 s) or a division by zero (T = 1e-30 s). Now gamma <= 1 and the channel is the
    evolution to 1e-12."""
    from qnsim.results import _memory_channel

    gamma, coherence, p = _memory_channel(seconds, t1_s, t2_s, depolarizing_s)
    assert 0 <= gamma <= 1 and 0 <= coherence <= 1 and 0 <= p <= 0.75
    u, v = seconds / t1_s, seconds / depolarizing_s
    a, x = math.exp(-u - v), math.exp(-seconds / t2_s - v)
    b = u / (u + v) * -math.expm1(-u - v)
    want = np.zeros((2, 2, 2, 2), dtype=complex)  # S[i, j, k, l]: |k><l| -> sum S[i, j, k, l] |i><j|
    want[0, 0, 0, 0], want[1, 1, 0, 0] = (1 + a + b) / 2, (1 - a - b) / 2  # |0><0|: z = 1
    want[0, 0, 1, 1], want[1, 1, 1, 1] = (1 - a + b) / 2, (1 + a - b) / 2  # |1><1|: z = -1
    want[0, 1, 0, 1] = want[1, 0, 1, 0] = x
    np.testing.assert_allclose(_channel_superoperator(gamma, coherence, p), want, rtol=0, atol=1e-12)
    if seconds * (1 / t1_s + 1 / depolarizing_s) < 1e5:
        from physics_oracles import lindblad_superoperator

        np.testing.assert_allclose(want, lindblad_superoperator(seconds, t1_s, t2_s, depolarizing_s), atol=1e-10)


def _long_wait_chain(formalism: str, length_km: float, depolarizing_s: float) -> qnsim.NetworkResult:
    """a - m - b, T1 = T2 = 3 ms and the given depolarizing time at every node; a 1 kHz link a - m and a slow one
    m - b (1% per 1 ms attempt), so a's qubits wait for up to seconds; run 2 s, seed 1."""
    net = qnsim.Network(formalism, seed=1)
    for name in "amb":
        net.add_node(name, t1_s=3e-3, t2_s=3e-3, depolarizing_time_s=depolarizing_s)
    net.add_link("a", "m", length_km=length_km, fidelity=0.97, rate_hz=1e3)
    net.add_link("m", "b", length_km=length_km, fidelity=0.97, success_probability=0.01, attempt_period_s=1e-3)
    net.request("a", "b")
    return net.run(until_s=2.0, progress=False)


def test_a_density_matrix_run_with_pairs_stored_past_their_memory_times_completes():
    """T1 = T2 = 3 ms with a 150 us depolarizing time, a's qubits stored up to ~0.4 s: the density_matrix run
    stopped inside the run with "ValueError: amplitude_damp gamma must be a probability in [0, 1], got
    1.000000000000001" (the rounding above, in the core). Now it delivers the bell_diagonal run's pairs (same seed,
    same times), and each pair is two uncorrelated qubits near the channel's steady state, <Z> = T / (T + T1) (the
    z map's fixed point b / (1 - a) as t grows): F = (1 + <Z_a><Z_b>) / 4 within z^2 / 4 of 1/4."""
    exact = _long_wait_chain("density_matrix", 0.0, 1.5e-4).requests[0]
    twirled = _long_wait_chain("bell_diagonal", 0.0, 1.5e-4).requests[0]
    assert exact.num_pairs >= 10 and exact.times_s.tobytes() == twirled.times_s.tobytes()
    assert np.count_nonzero(exact.ages_s > 37 * 1.5e-4) >= 10  # stored past the rounding's reach
    z = 1.5e-4 / (1.5e-4 + 3e-3)
    assert np.all(np.abs(exact.fidelities - 0.25) <= z**2 / 4 + 1e-12), exact.fidelities


@pytest.mark.parametrize("formalism", ["bell_diagonal", "stabilizer"])
def test_a_twirled_run_with_a_depolarizing_time_below_a_picosecond_reports(formalism):
    """A 1e-30 s depolarizing time (memories that forget at once) over 50 km links: the run finished, then its
    results raised ZeroDivisionError (1e-13 s: "math domain error") judging the links' pairs exactly for the note
    that compares the twirl with the exact channel. Now the result says the links give separable pairs."""
    result = _long_wait_chain(formalism, 50.0, 1e-30)
    assert result.requests[0].separable_links == ("a-m", "m-b")
