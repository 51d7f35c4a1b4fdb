"""A sixth outside audit of qnsim's physics against numpy oracles and closed forms written here.

Covered here and not in test_physics_audit.py .. test_physics_audit5.py: the density-matrix engine under random
CPTP channels (Kraus operators from random isometries), partial traces in any order and measurements in random
bases against numpy; the registry's group merge and split when random unitaries act across groups; recurrence
purification of two pairs of different fidelity (Deutsch et al.'s and Bennett et al.'s closed forms for
non-identical inputs, and the numpy circuit with node noise); purification with amplitude damping (T1 below
2 T2 and pure dephasing), pair by pair through the network's trace. Statistical checks use 5.3 sigma (a false
alarm below 1e-7 per check) with fixed seeds.
"""

from __future__ import annotations

import math

import numpy as np
import physics_oracles as po
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_physics_audit import LINK_F, LINK_KM, LINK_P, _segments_from_trace, assert_pairs

import qnsim

ALL = ("density_matrix", "stabilizer", "bell_diagonal")
SIGMAS = 5.3


# ---- numpy reference for k-qubit operators on an n-qubit density matrix --------------------------------------


def _on_targets(rho: np.ndarray, ops, targets, n: int) -> np.ndarray:
    """sum_K K rho K^dag with each 2^k x 2^k K acting on ``targets`` (targets[0] the most significant bit of K's
    index) of an n-qubit rho (qubit 0 the most significant bit), by reordering the tensor axes."""
    k = len(targets)
    rest = [q for q in range(n) if q not in targets]
    order = list(targets) + rest
    t = rho.reshape([2] * (2 * n)).transpose(order + [n + q for q in order]).reshape(2**k, 2 ** (n - k), 2**k, -1)
    out = sum(np.einsum("ai,ixjy,bj->axby", op, t, op.conj()) for op in ops)
    back = np.argsort(order)
    out = out.reshape([2] * (2 * n)).transpose(list(back) + [n + q for q in back])
    return out.reshape(2**n, 2**n)


def _reduced(rho: np.ndarray, keep, n: int) -> np.ndarray:
    """Reduced state of the qubits ``keep`` in that order (keep[0] the most significant bit)."""
    rest = [q for q in range(n) if q not in keep]
    order = list(keep) + rest
    t = rho.reshape([2] * (2 * n)).transpose(order + [n + q for q in order])
    k = len(keep)
    t = t.reshape(2**k, 2 ** (n - k), 2**k, 2 ** (n - k))
    return np.einsum("axbx->ab", t)


def _random_state(rng: np.random.Generator, n: int, rank: int) -> np.ndarray:
    g = rng.normal(size=(2**n, rank)) + 1j * rng.normal(size=(2**n, rank))
    rho = g @ g.conj().T
    return rho / np.trace(rho).real


def _random_kraus(rng: np.random.Generator, k: int, m: int) -> np.ndarray:
    """m Kraus operators of a random CPTP map on k qubits: the blocks of a random isometry C^(2^k) -> C^(m 2^k)."""
    d = 2**k
    g = rng.normal(size=(m * d, d)) + 1j * rng.normal(size=(m * d, d))
    v, _ = np.linalg.qr(g)
    return v.reshape(m, d, d)


def _random_unitary(rng: np.random.Generator, d: int) -> np.ndarray:
    g = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    q, r = np.linalg.qr(g)
    return q * (np.diag(r) / np.abs(np.diag(r)))


_BASIS_CHANGE = {  # U with U^dag |m> the eigenvector of outcome m of a measurement in that basis
    "Z": np.eye(2),
    "X": np.array([[1, 1], [1, -1]]) / math.sqrt(2),
    "Y": np.array([[1, -1j], [1, 1j]]) / math.sqrt(2),
}


# ---- the density-matrix engine: random channels, partial traces, measurements --------------------------------


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 5), steps=st.integers(1, 5))
def test_random_cptp_channels_partial_traces_and_basis_measurements_match_numpy(seed, n, steps):
    """Random mixed states of 2-5 qubits through random CPTP channels (1-3 Kraus-target qubits, 1-4 operators
    from a random isometry), each a sum_K K rho K^dag in numpy; the reduced state of a random ordered subset
    equals numpy's partial trace; a measurement in a random basis (a random single-qubit unitary, then X, Y or
    Z) leaves the projected state P rho P / p of the outcome it reports, with P the basis projector rotated
    back, and both outcomes' probabilities sum to 1 with the numpy ones."""
    rng = np.random.default_rng(seed)
    rho = _random_state(rng, n, rank=int(rng.integers(1, 2**n + 1)))
    sim = qnsim.DensityMatrixSimulator(n, seed=seed)
    sim.set_density_matrix(rho)
    for _ in range(steps):
        k = int(rng.integers(1, min(3, n) + 1))
        targets = [int(q) for q in rng.permutation(n)[:k]]
        kraus = _random_kraus(rng, k, int(rng.integers(1, 5)))
        sim.apply_kraus(kraus, targets)
        rho = _on_targets(rho, kraus, targets, n)
        np.testing.assert_allclose(sim.density_matrix(), rho, rtol=0, atol=1e-12)
    keep = [int(q) for q in rng.permutation(n)[: int(rng.integers(1, n + 1))]]
    np.testing.assert_allclose(sim.partial_trace(keep), _reduced(rho, keep, n), rtol=0, atol=1e-12)
    q = int(rng.integers(n))
    u = _random_unitary(rng, 2)
    basis = "XYZ"[int(rng.integers(3))]
    sim.apply_unitary(u, [q])
    m = sim.measure(q, basis)
    vec = (u.conj().T @ _BASIS_CHANGE[basis].conj().T)[:, m]  # the eigenvector of outcome m, rotated back
    proj = np.outer(vec, vec.conj())
    projected = _on_targets(rho, [proj], [q], n)
    p = float(np.trace(projected).real)
    assert p > 1e-12
    # The simulator holds the measured qubit in its basis' eigenstate of the outcome, not rotated back: the
    # other qubits' state is the projection's.
    rest = [r for r in range(n) if r != q]
    np.testing.assert_allclose(sim.partial_trace(rest), _reduced(projected / p, rest, n), rtol=0, atol=1e-10)
    other = _on_targets(rho, [np.eye(2) - proj], [q], n)
    assert p + float(np.trace(other).real) == pytest.approx(1.0, abs=1e-12)


def test_random_basis_measurement_statistics_match_numpy():
    """The reported outcome of a measurement after a random rotation is drawn with the numpy probability
    tr(P rho): 4000 copies of one 3-qubit state, each with its own stream (binomial count within 5.3 sigma)."""
    rng = np.random.default_rng(61)
    n, q = 3, 1
    rho = _random_state(rng, n, rank=2)
    u = _random_unitary(rng, 2)
    base = qnsim.DensityMatrixSimulator(n, seed=61)
    base.set_density_matrix(rho)
    base.apply_unitary(u, [q])
    vec = (u.conj().T @ _BASIS_CHANGE["Y"].conj().T)[:, 1]
    p1 = float(np.trace(_on_targets(rho, [np.outer(vec, vec.conj())], [q], n)).real)
    trials = 4000
    ones = sum(base.copy(seed=s).measure(q, "Y") for s in range(trials))
    sd = math.sqrt(trials * p1 * (1 - p1))
    assert abs(ones - trials * p1) < SIGMAS * sd, (ones, trials * p1)


# ---- the registry: groups merged by gates across them, split by measurements ----------------------------------


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_registry_merges_and_splits_groups_as_one_dense_state(seed):
    """Three groups (two random two-qubit states and a fresh qubit) in a density_matrix registry against one
    dense numpy state of all five qubits: random unitaries on 2-3 qubits drawn from different groups merge them,
    a Z measurement splits its qubit out (projected with the reported outcome in numpy), a memory decay acts on
    one qubit; after each step every qubit's group holds the dense state's reduced state (any order), and the
    measured qubit is alone in its group, in the outcome's state."""
    rng = np.random.default_rng(seed)
    reg = qnsim.QubitRegistry("density_matrix", seed=seed)
    r1, r2 = _random_state(rng, 2, 2), _random_state(rng, 2, 3)
    handles = [*reg.pair_with_state(r1), *reg.pair_with_state(r2), reg.alloc()]
    n = 5
    dense = np.kron(np.kron(r1, r2), np.diag([1.0, 0.0]))
    for _ in range(4):
        kind = int(rng.integers(3))
        if kind == 0:
            k = int(rng.integers(2, 4))
            idx = [int(i) for i in rng.permutation(n)[:k]]
            u = _random_unitary(rng, 2**k)
            reg.apply_unitary(u, [handles[i] for i in idx])
            dense = _on_targets(dense, [u], idx, n)
            assert set(reg.group_of(handles[idx[0]])) >= {handles[i] for i in idx}
        elif kind == 1:
            i = int(rng.integers(n))
            m = reg.measure(handles[i])
            proj = np.diag([1.0 - m, float(m)])
            dense = _on_targets(dense, [proj], [i], n)
            dense /= np.trace(dense).real
            assert reg.group_of(handles[i]) == [handles[i]]
        else:
            i = int(rng.integers(n))
            t, t1 = float(rng.uniform(0, 2e-3)), 1e-3
            t2 = float(rng.uniform(0.1, 2.0)) * t1
            reg.memory_decay(handles[i], t, t1, t2)
            dense = po.memory(dense, i, n, t, t1, t2)
        for i in range(n):
            group = reg.group_of(handles[i])
            idx = [handles.index(h) for h in group]
            order = [int(j) for j in rng.permutation(len(idx))]
            np.testing.assert_allclose(reg.state([group[j] for j in order]),
                                       _reduced(dense, [idx[j] for j in order], n), rtol=0, atol=1e-10)
            others = [j for j in range(n) if j not in idx]
            if others:  # a group is a tensor factor of the whole
                np.testing.assert_allclose(_reduced(dense, idx + others, n),
                                           np.kron(_reduced(dense, idx, n), _reduced(dense, others, n)),
                                           rtol=0, atol=1e-10)


# ---- purification of two different pairs ----------------------------------------------------------------------


def deutsch_unequal(c1, c2):
    """DEJMPS on two different Bell-diagonal pairs (order Phi+, Psi+, Psi-, Phi-), Deutsch et al. PRL 77, 2818
    (1996), eq. (4) with A = Phi+, B = Psi-, C = Psi+, D = Phi- of each pair: N = (A1 + B1)(A2 + B2) +
    (C1 + D1)(C2 + D2), A' = (A1 A2 + B1 B2)/N, B' = (C1 D2 + D1 C2)/N, C' = (C1 C2 + D1 D2)/N,
    D' = (A1 B2 + B1 A2)/N. Returns (N, kept in the qnsim order)."""
    a1, cc1, b1, d1 = c1
    a2, cc2, b2, d2 = c2
    n = (a1 + b1) * (a2 + b2) + (cc1 + d1) * (cc2 + d2)
    return n, ((a1 * a2 + b1 * b2) / n, (cc1 * cc2 + d1 * d2) / n, (cc1 * d2 + d1 * cc2) / n, (a1 * b2 + b1 * a2) / n)


def bennett_unequal(f1, f2):
    """BBPSSW on Werner pairs of fidelities f1 != f2 (Bennett et al. PRL 76, 722 (1996), both twirled first), with
    e_i = (1 - f_i)/3: p = f1 f2 + f1 e2 + e1 f2 + 5 e1 e2, F' = (f1 f2 + e1 e2)/p. Returns (p, F')."""
    e1, e2 = (1 - f1) / 3, (1 - f2) / 3
    p = f1 * f2 + f1 * e2 + e1 * f2 + 5 * e1 * e2
    return p, (f1 * f2 + e1 * e2) / p


def _bell_weights(rho):
    return np.array([float(np.real(b @ rho @ b)) for b in po._BELL])


# A few fixed node noises: the numpy circuit is tabulated once per noise (physics_oracles.purify).
_NOISE = ((0.0, 0.0, 0.0), (0.01, 0.03, 0.02), (0.05, 0.0, 0.04))
_diagonal = st.lists(st.floats(0.01, 1.0), min_size=4, max_size=4).map(lambda v: tuple(np.array(v) / sum(v)))


@settings(max_examples=60, deadline=None)
@given(c1=_diagonal, c2=_diagonal, noise=st.sampled_from(_NOISE))
def test_purification_of_two_different_pairs_follows_the_closed_forms_and_the_numpy_circuit(c1, c2, noise):
    """Recurrence on two pairs of different Bell weights: without noise, qnsim.dejmps and the bell_diagonal
    formalism's round (bell_diagonal_purify) give Deutsch et al.'s success probability and kept weights for
    non-identical inputs, and the BBPSSW round Bennett et al.'s p = f1 f2 + f1 e2 + e1 f2 + 5 e1 e2 and
    F' = (f1 f2 + e1 e2)/p; with node noise (gates in Stim's meaning, misread parities) both schemes' p and
    kept weights equal the 4-qubit numpy circuit on rho1 (x) rho2 (and the kept pair is pair 1: swapping the
    inputs changes nothing in DEJMPS's p, but the circuit is not symmetric once there is gate noise)."""
    p_d, kept_d = deutsch_unequal(c1, c2)
    out, p = qnsim.dejmps(c1, c2)
    assert p == pytest.approx(p_d, abs=1e-14)
    np.testing.assert_allclose(out, kept_d, rtol=0, atol=1e-13)
    p, kept = qnsim.bell_diagonal_purify(c1, c2, "dejmps")
    assert p == pytest.approx(p_d, abs=1e-14)
    np.testing.assert_allclose(kept, kept_d, rtol=0, atol=1e-13)
    p_b, f_b = bennett_unequal(c1[0], c2[0])
    p, kept = qnsim.bell_diagonal_purify(c1, c2, "bbpssw")
    assert p == pytest.approx(p_b, abs=1e-14) and kept[0] == pytest.approx(f_b, abs=1e-13)
    rho1, rho2 = po.bell_diagonal_state(c1), po.bell_diagonal_state(c2)
    for scheme in ("dejmps", "bbpssw"):
        p_o, kept_o = po.purify(rho1, rho2, scheme, *noise)
        p, kept = qnsim.bell_diagonal_purify(c1, c2, scheme, gate1_error=noise[0], gate2_error=noise[1],
                                             measure_error=noise[2])
        assert p == pytest.approx(p_o, abs=1e-12)
        np.testing.assert_allclose(kept, _bell_weights(kept_o), rtol=0, atol=1e-12)


def _dejmps_given_parity(rho4, gate1, gate2, x):
    """The DEJMPS circuit of physics_oracles.purify on the 4-qubit state of (a1, b1, a2, b2), without readout
    errors, given that both nodes read parity x: (kept pair, the probability of that reading)."""
    n = 4
    r = rho4
    for q, u in ((0, po._H @ po._S @ po._H), (2, po._H @ po._S @ po._H), (1, po._H @ po._S.conj() @ po._H),
                 (3, po._H @ po._S.conj() @ po._H)):
        r = po._depolarize1(po._on(u, q, n, cache=True) @ r @ po._on(u, q, n).conj().T, q, n, gate1)
    for c, t in ((0, 2), (1, 3)):
        r = po._depolarize2(po._cx(c, t, n) @ r @ po._cx(c, t, n).T, c, t, n, gate2)
    proj = po._on(np.diag([1 - x, x]), 2, n, cache=True) @ po._on(np.diag([1 - x, x]), 3, n, cache=True)
    s = np.einsum("abcdefcd->abef", (proj @ r @ proj).reshape([2] * 8)).reshape(4, 4)
    p = float(np.trace(s).real)
    return s / p, p


def _damped_werner(f, t, t1, t2):
    rho = po.bell_diagonal_state([f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3])
    for q in (0, 1):
        rho = po.memory(rho, q, 2, t, t1, t2)
    return rho


def test_density_registry_dejmps_on_two_different_damped_pairs_keeps_the_state_of_its_parity():
    """DEJMPS through purify_round on a density_matrix registry, on two different pairs that amplitude damping
    has made locally polarized (Werner F 0.92 and 0.85 stored 0.4 T1 and 0.1 T1, T2 = 0.6 T1 and 1.5 T1), with
    gate noise: the kept pair is the numpy circuit's state given the parity both nodes read, 00 or 11 (the two
    differ here, so a kept state averaged over both parities would fail), and the round is kept with the
    circuit's probability p(00) + p(11) (binomial count over 400 seeded rounds, 5.3 sigma)."""
    rho1 = _damped_werner(0.92, 0.4e-3, 1e-3, 0.6e-3)
    rho2 = _damped_werner(0.85, 0.1e-3, 1e-3, 1.5e-3)
    gate1, gate2 = 0.01, 0.02
    branches = [_dejmps_given_parity(np.kron(rho1, rho2), gate1, gate2, x) for x in (0, 1)]
    assert np.abs(branches[0][0] - branches[1][0]).max() > 1e-3
    p_keep = sum(p for _, p in branches)
    kept, trials = 0, 400
    for seed in range(trials):
        reg = qnsim.QubitRegistry("density_matrix", seed=seed)
        a1, b1 = reg.pair_with_state(rho1)
        a2, b2 = reg.pair_with_state(rho2)
        if qnsim.purify_round(reg, "dejmps", a1, b1, a2, b2, gate1_error=gate1, gate2_error=gate2):
            kept += 1
            state = reg.state([a1, b1])
            assert min(np.abs(state - b).max() for b, _ in branches) < 1e-12
    sd = math.sqrt(trials * p_keep * (1 - p_keep))
    assert abs(kept - trials * p_keep) < SIGMAS * sd, (kept, trials * p_keep)


def _replay_purifying_link(net, link, rounds, diag, memory, purify_round, round_latency_s=None):
    """Replays a purifying link from its trace (the pairing rule of test_physics_audit's
    test_multi_round_purification_with_memory_decay_pair_by_pair: the two lowest slots holding known pairs of one
    level, whenever a pair becomes known) and returns, per delivery, the fidelities the delivered pair can have.
    Every pair decays by ``memory(rho, qubit, t)`` from its emission, one herald delay before its record, to its
    round's start; ``purify_round(rho1, rho2)`` gives the states a kept round can leave (one, or one per branch the
    nodes can tell apart). With ``round_latency_s``, each round's outcome record is checked to come that long after
    the round starts."""
    herald = link.herald_delay_a_s

    def decayed(rho, t):
        for q in (0, 1):
            rho = memory(rho, q, t)
        return rho

    stored, inflight, delivered = {}, {}, []

    def start_rounds(now):
        while True:
            first = {}
            for slot, level in sorted((s, p["level"]) for s, p in stored.items() if p["level"] < rounds):
                if level in first:
                    one, two = stored.pop(first[level]), stored.pop(slot)
                    out = []
                    for r1 in one["rhos"]:
                        for r2 in two["rhos"]:
                            out += purify_round(decayed(r1, now - one["since"]), decayed(r2, now - two["since"]))
                    inflight[first[level]] = {"rhos": out, "since": now, "level": level + 1, "started": now}
                    break
                first[level] = slot
            else:
                return

    for rec in net.trace():
        event, now = rec["event"], rec["time_s"]
        if event == "link_pair":
            stored[rec["slots"][0]] = {"rhos": [po.bell_diagonal_state(diag)], "since": now - herald, "level": 0}
            start_rounds(now)
        elif event in ("purification_kept", "purification_failed"):
            done = inflight.pop(rec["slots"][0])
            if round_latency_s is not None:
                assert done["started"] + round_latency_s == pytest.approx(now, abs=1e-12)
            if event == "purification_kept":
                stored[rec["slots"][0]] = done
                start_rounds(now)
        elif event == "delivery":
            (top,) = [slot for slot, p in stored.items() if p["level"] == rounds]
            pair = stored.pop(top)
            delivered.append(np.array([po.pair_fidelity(decayed(r, now - pair["since"])) for r in pair["rhos"]]))
    return delivered


def _purifying_link_branches(net, link, rounds, diag, t1, t2, gates, *, twirled):
    """:func:`_replay_purifying_link` with DEJMPS rounds on nodes with T1 and T2: each pair decays by the exact
    memory channel (or its Pauli twirl); a round is the DEJMPS numpy circuit given each parity both nodes can read
    (00 or 11: the nodes know which, and for locally polarized pairs the two kept states differ), or, with
    ``twirled``, the circuit averaged over both readings (Bell-diagonal pairs keep one state)."""

    def memory(rho, q, t):
        return po.memory(rho, q, 2, t, t1, t2, twirled=twirled)

    def purify_round(d1, d2):
        if twirled:
            return [po.purify(d1, d2, "dejmps", *gates)[1]]
        return [_dejmps_given_parity(np.kron(d1, d2), *gates[:2], x)[0] for x in (0, 1)]

    return _replay_purifying_link(net, link, rounds, diag, memory, purify_round)


@pytest.mark.parametrize("formalism", ["density_matrix", "bell_diagonal"])
@pytest.mark.parametrize("t1, t2", [(5e-4, 2e-4), (1e-3, 1.9e-3), (math.inf, 3e-4)])
def test_three_dejmps_rounds_on_damped_link_pairs_pair_by_pair(formalism, t1, t2):
    """Three DEJMPS rounds on one link whose nodes have T1 and T2 (T2 well below 2 T1, near it, and pure
    dephasing) and noisy gates, each pair followed through the trace. density_matrix applies amplitude damping
    exactly: the pairs a round combines differ (unequal ages) and are locally polarized, so a kept pair depends on
    the parity the nodes read; every delivered fidelity is that of one of the 2^7 readings of its tree (1e-12),
    whose fidelities spread by more than 1e-8 when T1 is finite. bell_diagonal applies T1 as its Pauli twirl:
    every delivered fidelity is the twirled replay's, exactly."""
    rounds, gates, diag = 3, (0.01, 0.02, 0.0), (0.85, 0.07, 0.05, 0.03)
    net = qnsim.Network(formalism, seed=1, trace=True)
    for name in "ab":
        net.add_node(name, t1_s=t1, t2_s=t2, gate1_error=gates[0], gate2_error=gates[1])
    link = net.add_link("a", "b", length_km=2.0, bell_diagonal=diag, success_probability=0.5, attempt_period_s=2e-5,
                        channels=rounds + 1)
    net.request("a", "b", num_pairs=4, purification="dejmps", purification_rounds=rounds)
    r = net.run(until_s=1.0, progress=False).requests[0]
    assert r.num_pairs == 4
    branches = _purifying_link_branches(net, link, rounds, diag, t1, t2, gates, twirled=formalism != "density_matrix")
    assert len(branches) == 4
    for got, fs in zip(r.fidelities, branches):
        assert np.min(np.abs(fs - got)) < 1e-12, (got, fs.min(), fs.max())
        if formalism == "density_matrix" and math.isfinite(t1):
            assert np.ptp(fs) > 1e-8  # far above the match: the average over readings would not do


# ---- swap chains with gate durations and several memories per side under a cutoff ----------------------------


@pytest.mark.parametrize("formalism", ALL)
@pytest.mark.parametrize("hops, schedule", [(2, "asap"), (3, "asap"), (4, "nested")])
def test_swap_chain_with_gate_durations_pair_by_pair(formalism, hops, schedule):
    """The swap chains of test_physics_audit (unequal Werner links, T2, depolarizing memories, gate noise) on nodes
    whose gates and readouts take time (two-qubit 30-60 us, one-qubit 1 us, readout 4 us: swaps of 35 and 65 us
    against 20 us attempts): a swap's outcomes leave its node one swap duration (two-qubit + one-qubit gate +
    readout) after it starts, so the ends hold their qubits that much longer, while the two qubits it measures stop
    decaying at its start (their gate and readout errors stand for that time). Every pair (time, fidelity, Bell
    weights) equals the trace replay of _segments_from_trace with those delays; stabilizer: the counts of each
    Bell state."""
    net = qnsim.Network(formalism, seed=300 + hops, trace=True)
    path = [f"n{i}" for i in range(hops + 1)]
    nodes = {}
    for i, name in enumerate(path):
        nodes[name] = {"t1_s": math.inf, "t2_s": 2e-3 * (1 + i % 3), "depolarizing_time_s": 5e-3 * (1 + i % 2),
                       "gate1_error": 0.004 * (i % 2), "gate2_error": 0.01 * (1 + i % 3)}
        net.add_node(name, gate2_duration_s=3e-5 * (1 + i % 2), gate1_duration_s=1e-6, measure_duration_s=4e-6,
                     **nodes[name])
    links = [net.add_link(path[i], path[i + 1], length_km=LINK_KM[i], fidelity=LINK_F[i],
                          success_probability=LINK_P[i], attempt_period_s=2e-5) for i in range(hops)]
    num_pairs = 2000 if formalism == "stabilizer" else 40
    net.request(path[0], path[-1], num_pairs=num_pairs, swap_schedule=schedule)
    r = net.run(until_s=20.0, progress=False).requests[0]
    assert r.num_pairs == num_pairs
    duration = {n: net.swap_duration_s(n) for n in path}
    assert duration[path[1]] == pytest.approx(3e-5 * (1 + 1 % 2) + 1e-6 + 4e-6, abs=1e-15)
    expected = _segments_from_trace(net.trace(), path, links, nodes, swap_duration=duration)[:num_pairs]
    times, fids, diags = zip(*expected)
    assert_pairs(formalism, r.times_s, r.fidelities, times, fids, r.bell_diagonals, diags)
    without = _segments_from_trace(net.trace(), path, links, nodes)[:num_pairs]
    assert max(abs(a[0] - b[0]) for a, b in zip(expected, without)) > 3e-5  # the durations do move the deliveries


@pytest.mark.parametrize("formalism", ALL)
@pytest.mark.parametrize("hops, schedule, memories", [(2, "asap", 3), (3, "asap", 2), (4, "nested", 2)])
def test_swap_chain_with_several_memories_per_side_under_a_cutoff(formalism, hops, schedule, memories):
    """test_physics_audit's cutoff chains (80 us cutoff against 20 us attempts) with 2-3 memories per link side
    (and as many channels): pairs wait beside each other and the cutoff discards each
    pair on its own clock. Every delivered pair equals the trace replay of its own history (no qubit of a delivered
    pair stored beyond the cutoff), and pairs were cut off."""
    cutoff = 8e-5
    net = qnsim.Network(formalism, seed=300 + hops, trace=True)
    path = [f"n{i}" for i in range(hops + 1)]
    nodes = {}
    for i, name in enumerate(path):
        nodes[name] = {"t1_s": math.inf, "t2_s": 2e-3 * (1 + i % 3), "depolarizing_time_s": 5e-3 * (1 + i % 2),
                       "gate1_error": 0.004 * (i % 2), "gate2_error": 0.01 * (1 + i % 3)}
        net.add_node(name, num_memories=2 * memories, **nodes[name])
    links = [net.add_link(path[i], path[i + 1], length_km=LINK_KM[i], fidelity=LINK_F[i],
                          success_probability=LINK_P[i], attempt_period_s=2e-5, channels=memories)
             for i in range(hops)]
    num_pairs = 2000 if formalism == "stabilizer" else 40
    net.request(path[0], path[-1], num_pairs=num_pairs, swap_schedule=schedule, cutoff_s=cutoff,
                memories_per_link=memories)
    result = net.run(until_s=20.0, progress=False)
    r = result.requests[0]
    assert r.num_pairs == num_pairs and result.counters["cutoff_discards"] > 0
    expected = _segments_from_trace(net.trace(), path, links, nodes, cutoff=cutoff)[:num_pairs]
    times, fids, diags = zip(*expected)
    assert_pairs(formalism, r.times_s, r.fidelities, times, fids, r.bell_diagonals, diags)


# ---- memories with T1, T2 and depolarizing together: one Lindblad evolution ----------------------------------


def _stored(rho: np.ndarray, times, memories) -> np.ndarray:
    """Each qubit q of a pair through physics_oracles.lindblad_memory for times[q] with memories[q] = (T1, T2, T)."""
    for q in (0, 1):
        rho = po.lindblad_memory(rho, q, 2, times[q], *memories[q])
    return rho


def test_lindblad_oracle_is_the_documented_channel_for_each_process_alone():
    """The oracle's superoperator equals the documented channels where they are unambiguous: amplitude damping then
    dephasing (physics_oracles.memory) without depolarizing, and dephasing with depolarize1 p = 3/4 (1 - exp(-t/T))
    without T1."""
    rho = _random_state(np.random.default_rng(5), 2, 3)
    t = 3e-4
    np.testing.assert_allclose(_stored(rho, (t, 2 * t), [(1e-3, 1.5e-3, math.inf), (2e-3, 1e-3, math.inf)]),
                               po.memory(po.memory(rho, 0, 2, t, 1e-3, 1.5e-3), 1, 2, 2 * t, 2e-3, 1e-3),
                               rtol=0, atol=1e-13)
    want = po._depolarize1(po.memory(rho, 0, 2, t, math.inf, 1e-3), 0, 2, 0.75 * -math.expm1(-t / 5e-4))
    np.testing.assert_allclose(_stored(rho, (t, 0.0), [(math.inf, 1e-3, 5e-4), (1.0, 1.0, 1.0)]), want,
                               rtol=0, atol=1e-13)


@pytest.mark.parametrize("t1, t2, tdep", [(1e-3, 0.7e-3, 0.8e-3), (1e-3, 2e-3 * 0.999, 3e-4), (2e-4, 1e-4, 5e-3)])
def test_memory_with_t1_and_depolarizing_decays_as_one_evolution_however_storage_is_split(t1, t2, tdep):
    """A kept Werner pair (F 0.95) on nodes with T1, T2 and a depolarizing time, each node its own, read at the run's
    end: its state is that of the three processes acting together for each qubit's storage time (the Lindblad
    oracle, 1e-12), the same whether the run stops in between or not, and Protocol.pair_fidelity's read agrees.
    Before, each stretch of storage between two touches of the qubit (its herald, a read, the run's end) got
    amplitude damping, dephasing and depolarizing one after the other: depolarizing does not commute with the
    damping, so the state depended on where the storage was split (T1 1 ms, T2 0.7 ms, T 0.8 ms: 0.031 off the
    joint evolution in one entry after 0.48 ms touched at 20 us, 0.033 for one stretch), where a memory's state can
    only depend on how long it waited."""
    memories = [(t1, t2, tdep), (2 * t1, t2, 2 * tdep)]
    states = []
    for steps in (1, 7):
        net = qnsim.Network("density_matrix", seed=3)
        for name, (a, b, c) in zip("ab", memories):
            net.add_node(name, t1_s=a, t2_s=b, depolarizing_time_s=c)
        link = net.add_link("a", "b", length_km=2.0, fidelity=0.95, success_probability=0.5, attempt_period_s=2e-5)
        net.request("a", "b", keep_pairs=True)
        for k in range(1, steps + 1):
            r = net.run(until_s=5e-4 * k / steps, progress=False).requests[0]
        assert r.num_pairs >= 1
        a, b = int(r.qubits_src[0]), int(r.qubits_dst[0])
        stored = 5e-4 - (r.times_s[0] - link.herald_delay_a_s)
        state = net.registry.state([a, b])
        want = _stored(po.bell_diagonal_state([0.95] + [0.05 / 3] * 3), (stored, stored), memories)
        np.testing.assert_allclose(state, want, rtol=0, atol=1e-12)
        states.append(state)
    np.testing.assert_allclose(states[0], states[1], rtol=0, atol=1e-14)  # touched at each stop: rounding only


class _ReadLater(qnsim.Protocol):
    """Reads each link pair's fidelity 0.1 ms and 0.3 ms after node b learns of it, and never delivers."""

    def __init__(self):
        super().__init__()
        self.reads = []

    def on_pair_ready(self, node, slot, partner_slot):
        if node == "b" and not self.reads:
            self.slot = slot
            self.ready_s = self.now_s
            self.emitted_s = self.pair_emitted_s(slot)
            for delay in (1e-4, 3e-4):
                self.set_timer(delay, node, delay)

    def on_timer(self, node, payload):
        self.reads.append((self.now_s, self.pair_fidelity(self.slot)))


def test_protocol_pair_fidelity_read_of_a_depolarizing_damped_pair_is_the_joint_evolution():
    """Protocol.pair_fidelity on a density_matrix pair whose nodes have T1, T2 and a depolarizing time (the read
    applies the pending decay to a copy): each read is the Lindblad oracle's fidelity for the time since emission,
    although the first read left the pair untouched and the second decays it from where the herald did."""
    memories = [(1e-3, 0.7e-3, 0.8e-3), (5e-4, 0.9e-3, 2e-3)]
    net = qnsim.Network("density_matrix", seed=4)
    for name, (a, b, c) in zip("ab", memories):
        net.add_node(name, t1_s=a, t2_s=b, depolarizing_time_s=c)
    net.add_link("a", "b", length_km=2.0, fidelity=0.9, success_probability=0.5, attempt_period_s=2e-5)
    proto = _ReadLater()
    net.request("a", "b", num_pairs=1, protocol=proto)
    net.run(until_s=2e-3, progress=False)
    assert len(proto.reads) == 2
    for now, got in proto.reads:
        t = now - proto.emitted_s
        want = po.pair_fidelity(_stored(po.bell_diagonal_state([0.9] + [0.1 / 3] * 3), (t, t), memories))
        assert got == pytest.approx(want, abs=1e-12)


# ---- a two-hop repeater's delivered fidelity in a sweep, against the mean over its waiting times ----------------

_TWO_HOP = """
[run]
until_s = 10.0
formalism = "density_matrix"

[[nodes]]
name = "a"
t2_s = 1e-3
[[nodes]]
name = "m"
t2_s = 1e-3
[[nodes]]
name = "b"
t2_s = 1e-3

[[links]]
a = "a"
b = "m"
length_km = 2.0
fidelity = 0.97
success_probability = 0.3
attempt_period_s = 2e-5
[[links]]
a = "m"
b = "b"
length_km = 2.0
fidelity = 0.93
success_probability = 0.2
attempt_period_s = 2e-5

[[requests]]
src = "a"
dst = "b"
num_pairs = 200
"""


def two_hop_fidelity_moments(f1, f2, p1, p2, period, latency, t2, tail=1e-16):
    """(E[F], Var F) of a delivered pair of a two-hop swap-ASAP repeater with one memory per link end, links that
    (re)start together when the last pair is delivered, Werner pairs (w = w1 w2) and memories of coherence time T2
    (no T1). Link i heralds after K_i ~ Geometric(p_i) attempts of ``period`` (herald delay = period: its pair was
    emitted at the start of its last attempt); the swap comes at max(K1, K2) periods, each end learns its outcome
    one ``latency`` later. The four qubits wait 2 latency + 4 period + 2 period |K1 - K2| in all, so
    F = (1 + w + 2 w exp(-that / T2)) / 4: summed over the joint law of (K1, K2)."""
    w = (4 * f1 - 1) / 3 * (4 * f2 - 1) / 3
    q1, q2 = 1 - p1, 1 - p2
    m1 = m2 = 0.0
    k1 = 1
    while q1 ** (k1 - 1) > tail:
        k2 = 1
        while q2 ** (k2 - 1) > tail:
            prob = q1 ** (k1 - 1) * p1 * q2 ** (k2 - 1) * p2
            f = (1 + w + 2 * w * math.exp(-(2 * latency + 4 * period + 2 * period * abs(k1 - k2)) / t2)) / 4
            m1, m2 = m1 + prob * f, m2 + prob * f * f
            k2 += 1
        k1 += 1
    return m1, m2 - m1 * m1


def test_sweep_mean_fidelity_of_a_two_hop_repeater_is_the_mean_over_its_waiting_times(tmp_path):
    """qnsim.sweep over a scenario file (the second link's success probability 0.1 and 0.3, three formalisms, three
    seeds of 200 pairs each) and qnsim.plot.summarize's mean over seeds: each point's mean fidelity is
    two_hop_fidelity_moments' E[F] (geometric waiting times, decay by the difference of the links' attempts) within
    5.3 sigma of its 600 pairs (exact formalisms: the spread of F over the waits; stabilizer: pairs of 0 or 1)."""
    from qnsim.plot import summarize

    path = tmp_path / "two_hop.toml"
    path.write_text(_TWO_HOP)
    grid = {"links.1.success_probability": [0.1, 0.3], "run.formalism": list(ALL)}
    rows = qnsim.sweep(str(path), grid, seeds=3, workers=1, progress=False, as_frame=False)
    assert len(rows) == 2 * 3 * 3 and all(r["pairs"] == 200 for r in rows)
    table = summarize(rows, "links.1.success_probability", ["mean_fidelity"], hue="run.formalism")
    net = qnsim.Network()
    for name in "am":
        net.add_node(name)
    link = net.add_link("a", "m", length_km=2.0, fidelity=0.97, success_probability=0.3, attempt_period_s=2e-5)
    assert link.herald_delay_a_s == link.herald_delay_b_s == 2e-5
    for row in table.to_dict("records"):
        p2, formalism = row["links.1.success_probability"], row["run.formalism"]
        mean, var = two_hop_fidelity_moments(0.97, 0.93, 0.3, p2, 2e-5, link.classical_delay_s, 1e-3)
        if formalism == "stabilizer":
            var = mean * (1 - mean)
        assert row["mean_fidelity_n"] == 3
        sd = math.sqrt(var / 600)
        assert abs(row["mean_fidelity_mean"] - mean) < SIGMAS * sd, (p2, formalism, row["mean_fidelity_mean"], mean, sd)


# ---- purification rounds that take time, on memories with T1, T2 and depolarizing -----------------------------


def _memory_of(t1, t2, tdep, twirled):
    """One qubit's memory for t seconds: the joint evolution (exact), or its Pauli twirl (damping twirled, then
    dephasing, then depolarize1 p = 3/4 (1 - exp(-t/T)), the twirl of the joint evolution)."""
    def apply(rho, q, t):
        if not twirled:
            return po.lindblad_memory(rho, q, 2, t, t1, t2, tdep)
        rho = po.memory(rho, q, 2, t, t1, t2, twirled=True)
        return po._depolarize1(rho, q, 2, 0.75 * -math.expm1(-t / tdep)) if math.isfinite(tdep) else rho
    return apply


@pytest.mark.parametrize("formalism", ["density_matrix", "bell_diagonal"])
@pytest.mark.parametrize("scheme", ["dejmps", "bbpssw"])
@pytest.mark.parametrize("rounds, t1, t2, tdep", [(1, math.inf, 1e-3, math.inf), (2, math.inf, 1e-3, 2e-3),
                                                  (1, 1e-3, 1.5e-3, 2e-3)])
def test_purification_rounds_that_take_time_pair_by_pair(formalism, scheme, rounds, t1, t2, tdep):
    """Recurrence rounds on nodes whose gates and readouts take time (two-qubit 30 us, one-qubit 2 us, readout
    5 us: a round of 37 us against 20 us attempts), with T2, a depolarizing time and T1 (one evolution in
    density_matrix, its twirl in bell_diagonal): a round's outcome is known one round duration plus one classical
    latency after it starts (each record's time, checked); the kept pair decays all along, its sacrificed partner
    not during the round's gates; every delivered fidelity is the replay's (the numpy round of physics_oracles
    averaged over both parities: Bell-diagonal pairs, or a single round on damped ones, whose kept fidelity does
    not depend on the parity)."""
    gates, diag = (0.01, 0.02, 0.0), (0.85, 0.07, 0.05, 0.03)
    net = qnsim.Network(formalism, seed=1, trace=True)
    for name in "ab":
        net.add_node(name, t1_s=t1, t2_s=t2, depolarizing_time_s=tdep, gate1_error=gates[0], gate2_error=gates[1],
                     gate2_duration_s=3e-5, gate1_duration_s=2e-6, measure_duration_s=5e-6)
    link = net.add_link("a", "b", length_km=2.0, bell_diagonal=diag, success_probability=0.5, attempt_period_s=2e-5,
                        channels=rounds + 1)
    net.request("a", "b", num_pairs=10, purification=scheme, purification_rounds=rounds)
    r = net.run(until_s=1.0, progress=False).requests[0]
    assert r.num_pairs == 10
    memory = _memory_of(t1, t2, tdep, twirled=formalism != "density_matrix")
    duration = net.swap_duration_s("a")
    assert duration == pytest.approx(3.7e-5, abs=1e-15)

    delivered = _replay_purifying_link(net, link, rounds, diag, memory,
                                       lambda d1, d2: [po.purify(d1, d2, scheme, *gates)[1]],
                                       round_latency_s=duration + link.classical_delay_s)
    assert all(len(fidelities) == 1 for fidelities in delivered)
    delivered = [fidelities[0] for fidelities in delivered]
    np.testing.assert_allclose(r.fidelities, delivered[:10], rtol=0, atol=1e-12)


# ---- a remote CNOT through a kept pair that decayed in memories with T1, T2 and depolarizing ------------------


def _remote_cnot_numpy(rho_c, pair, rho_t, m1, m2):
    """Eisert et al.'s remote CNOT on numpy, qubits (control, a, b, target): CNOT control->a, Z readout of a = m1,
    X^m1 on b, CNOT b->target, X readout of b (H, then Z) = m2, Z^m2 on the control; the state of (control,
    target) given both outcomes."""
    n = 4
    rho = np.kron(np.kron(rho_c, pair), rho_t)
    for step in ("cx01", "read1", "x2", "cx23", "h2", "read2", "z0"):
        if step == "cx01":
            op = po._cx(0, 1, n)
        elif step == "cx23":
            op = po._cx(2, 3, n)
        elif step == "read1":
            op = po._on(np.diag([1.0 - m1, m1]).astype(complex), 1, n)
        elif step == "read2":
            op = po._on(np.diag([1.0 - m2, m2]).astype(complex), 2, n)
        elif step == "x2":
            op = po._on(po._X, 2, n) if m1 else np.eye(2**n)
        elif step == "h2":
            op = po._on(po._H.astype(complex), 2, n)
        else:
            op = po._on(po._Z, 0, n) if m2 else np.eye(2**n)
        rho = op @ rho @ op.conj().T
    return _reduced(rho / np.trace(rho).real, [0, 3], n)


def test_remote_cnot_through_a_kept_pair_in_depolarizing_damped_memories_per_outcome():
    """A kept Werner pair (F 0.93) whose nodes have T1, T2 and a depolarizing time (node a: 1 ms, 0.7 ms, 0.8 ms;
    node b: pure dephasing, T2 1.5 ms) stays in memory until the run's end, then carries a remote CNOT between
    random mixed control and target states: the (control, target) state equals the numpy circuit on the pair
    stored for its time by the joint evolution, given the two outcomes the gate reports (1e-12)."""
    rng = np.random.default_rng(12)
    memories = [(1e-3, 0.7e-3, 0.8e-3), (math.inf, 1.5e-3, math.inf)]
    net = qnsim.Network("density_matrix", seed=12)
    for name, (t1, t2, tdep) in zip("ab", memories):
        net.add_node(name, t1_s=t1, t2_s=t2, depolarizing_time_s=tdep)
    link = net.add_link("a", "b", length_km=2.0, fidelity=0.93, success_probability=0.5, attempt_period_s=2e-5)
    net.request("a", "b", keep_pairs=True)
    reg = net.registry
    until, used, outcomes = 0.0, 0, set()
    for k in range(40):
        until += 1e-4 * (1 + k % 5)
        r = net.run(until_s=until, progress=False).requests[0]
        if r.num_pairs == used:
            continue
        used = r.num_pairs
        a, b = int(r.qubits_src[-1]), int(r.qubits_dst[-1])
        stored = until - (r.times_s[-1] - link.herald_delay_a_s)
        pair = _stored(po.bell_diagonal_state([0.93] + [0.07 / 3] * 3), (stored, stored), memories)
        rho_c, rho_t = _random_state(rng, 1, 2), _random_state(rng, 1, 1)
        control, target = reg.pair_with_state(np.kron(rho_c, rho_t))
        m1, m2 = qnsim.remote_cnot(reg, control, a, b, target)
        outcomes.add((m1, m2))
        np.testing.assert_allclose(reg.state([control, target]), _remote_cnot_numpy(rho_c, pair, rho_t, m1, m2),
                                   rtol=0, atol=1e-12)
        net.release_pair(a, b)
        reg.discard(control, target)
    assert used > 10 and len(outcomes) == 4
