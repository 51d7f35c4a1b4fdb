"""A nineteenth outside audit of qnsim's physics against a numpy oracle written here.

Covered here and not in test_physics_audit.py .. test_physics_audit18.py: a whole purify-then-swap schedule whose
three nodes have different memories (T1, T2 and a depolarizing time acting together, each node its own) and
different gate and readout noise, with pairs that wait for their purification partner and purified pairs that wait
for the other link, replayed from the run's own trace by an independent numpy density-matrix model of every step
(the Lindblad memory of physics_oracles for the exact time each qubit waited, round and swap outcomes that travel
unequal links, the DEJMPS circuit with each node's noise, the noisy Bell measurement and its correction as a Pauli
frame applied at the qubit's next use), with DEJMPS on the links before the swap or on the end-to-end pairs after
it. Earlier audits replayed such chains with Bell-diagonal correlators only, so amplitude
damping's local polarization through a purification round and then a swap was never checked in the exact
formalism. Statistical checks use 5.3 sigma (a false alarm below 1e-7 per check) with
fixed seeds.
"""

from __future__ import annotations

import math

import numpy as np
import physics_oracles as po
import pytest
from stats import assert_normal

import qnsim

SIGMAS = 5.3
_PAULIS = po.PAULIS
_I, _X, _Y, _Z = _PAULIS
_H = np.array([[1, 1], [1, -1]], dtype=complex) / math.sqrt(2)
_RX = (_I - 1j * _X) / math.sqrt(2)  # Rx(pi/2) = exp(-i pi/4 X)
_CNOT = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)
# Columns: Phi+, Psi+, Psi-, Phi- (DESIGN's order).
_BELL = np.array([[1, 0, 0, 1], [0, 1, 1, 0], [0, 1, -1, 0], [1, 0, 0, -1]], dtype=complex).T / math.sqrt(2)


def _bell_weights(rho: np.ndarray) -> np.ndarray:
    return np.real(np.einsum("ij,ik,kj->j", _BELL.conj(), rho, _BELL))


# ---- a purify-then-swap chain a - m - b: unequal memories and noise at every node, every wait from the trace ------

# Every node its own T1, T2, depolarizing time (a and m; b has none) and gate and readout noise (Stim's meaning).
NODES = {
    "a": dict(t1_s=1e-4, t2_s=1.5e-4, depolarizing_time_s=4e-4, gate1_error=0.01, gate2_error=0.02, measure_error=0.03),
    "m": dict(
        t1_s=2e-4, t2_s=2.5e-4, depolarizing_time_s=1e-3, gate1_error=0.006, gate2_error=0.015, measure_error=0.02
    ),
    "b": dict(t1_s=3e-4, t2_s=1e-4, gate1_error=0.004, gate2_error=0.01, measure_error=0.05),
}
LINKS = {  # (x, y): Bell diagonal, success probability, attempt period (s), length (km); two channels each
    ("a", "m"): ((0.9, 0.05, 0.03, 0.02), 0.3, 1e-5, 2.0),
    ("m", "b"): ((0.92, 0.03, 0.02, 0.03), 0.4, 1.3e-5, 5.0),
}


def _chain(
    formalism: str, num_pairs: int, end_to_end: bool, seed: int = 7
) -> tuple[qnsim.Network, qnsim.RequestResult]:
    """a - m - b, two-channel links of random waits and unequal lengths (LINKS), swap at m; one DEJMPS round per
    link pair, or (``end_to_end``) none on the links and one on the end-to-end pairs."""
    net = qnsim.Network(formalism, seed=seed, trace=True)
    for name, params in NODES.items():
        net.add_node(name, **params)
    for (x, y), (state, p, period, length_km) in LINKS.items():
        net.add_link(
            x, y, length_km=length_km, bell_diagonal=state, success_probability=p, attempt_period_s=period, channels=2
        )
    rounds = (
        {"purification_rounds": 0, "end_to_end_purification_rounds": 1} if end_to_end else {"purification_rounds": 1}
    )
    net.request("a", "b", num_pairs=num_pairs, purification="dejmps", **rounds)
    return net, net.run(until_s=10.0, progress=False).requests[0]


_MEMORY: dict = {}


def _memory(node: str, t: float, twirled: bool) -> np.ndarray:
    """The superoperator S[i, j, k, l] of t seconds in ``node``'s memory: physics_oracles' Lindblad evolution of T1,
    T2 and the depolarizing time together, or its Pauli twirl (the channel's Pauli-transfer diagonal: what the
    bell_diagonal and stabilizer formalisms apply)."""
    key = (node, t, twirled)
    if key not in _MEMORY:
        params = NODES[node]
        sup = po.lindblad_superoperator(t, params["t1_s"], params["t2_s"], params.get("depolarizing_time_s", math.inf))
        if twirled:
            # The twirl keeps S's Pauli-transfer diagonal l_P = tr(P S(P)) / 2 and drops the rest (the non-unital
            # part of T1 with it); the Pauli channel with eigenvalues l has probabilities (sign table) l / 4.
            diag = [0.5 * np.real(np.trace(p @ np.einsum("ijkl,kl->ij", sup, p))) for p in _PAULIS]
            probs = np.array([[1, 1, 1, 1], [1, 1, -1, -1], [1, -1, 1, -1], [1, -1, -1, 1]]) @ np.array(diag) / 4
            sup = sum(w * np.einsum("ik,lj->ijkl", p, p.conj().T) for w, p in zip(probs, _PAULIS))
        _MEMORY[key] = sup
    return _MEMORY[key]


def _stored(rho: np.ndarray, nodes: tuple[str, str], times: tuple[float, float], twirled: bool) -> np.ndarray:
    """A pair (qubit 0 at nodes[0]) after its qubits waited times[0] and times[1] seconds in their nodes' memories."""
    for q, (node, t) in enumerate(zip(nodes, times)):
        sup = _memory(node, t, twirled)
        u = np.tensordot(sup, rho.reshape(2, 2, 2, 2), axes=([2, 3], [q, 2 + q]))
        rho = np.moveaxis(u, [0, 1], [q, 2 + q]).reshape(4, 4)
    return rho


def _embed(op: np.ndarray, qubits: list[int], n: int = 4) -> np.ndarray:
    """The 2^n x 2^n matrix of ``op`` acting on ``qubits`` (in op's tensor order; qubit 0 most significant)."""
    k = len(qubits)
    t = np.tensordot(
        op.reshape([2] * (2 * k)), np.eye(2**n).reshape([2] * n + [2**n]), axes=(list(range(k, 2 * k)), qubits)
    )
    return np.moveaxis(t, list(range(k)), qubits).reshape(2**n, 2**n)


def _depolarizing(qubits: list[int], p: float) -> list[tuple[float, np.ndarray]]:
    """Stim's depolarize1 / depolarize2 on ``qubits`` of 4: each non-identity Pauli (string) with probability p / 3
    or p / 15, as (weight, 16 x 16 operator) terms."""
    terms = po.depolarizing_terms(len(qubits))
    return [(1 - p, np.eye(16))] + [(p / len(terms), _embed(u, qubits)) for u in terms]


def _run(circuit: list[list[tuple[float, np.ndarray]]], rho: np.ndarray) -> np.ndarray:
    """Each step of ``circuit`` in turn: rho -> sum of w U rho U^dagger over its terms."""
    for step in circuit:
        rho = sum(w * u @ rho @ u.conj().T for w, u in step)
    return rho


_CIRCUITS: dict = {}


def _dejmps_circuit(x: str, y: str) -> list[list[tuple[float, np.ndarray]]]:
    """Qubits (x1, y1, x2, y2): Rx(+pi/2) on x's qubits, Rx(-pi/2) on y's, each followed by its node's depolarize1;
    CNOT x1 -> x2 and y1 -> y2, each followed by its node's depolarize2 (built once per link)."""
    if (x, y) not in _CIRCUITS:
        a, b = NODES[x], NODES[y]
        circuit = []
        for q, u, noise in ((0, _RX, a), (2, _RX, a), (1, _RX.conj().T, b), (3, _RX.conj().T, b)):
            circuit += [[(1.0, _embed(u, [q]))], _depolarizing([q], noise["gate1_error"])]
        for c, t, noise in ((0, 2, a), (1, 3, b)):
            circuit += [[(1.0, _embed(_CNOT, [c, t]))], _depolarizing([c, t], noise["gate2_error"])]
        _CIRCUITS[(x, y)] = circuit
    return _CIRCUITS[(x, y)]


def _dejmps(kept: np.ndarray, other: np.ndarray, x: str, y: str) -> list[np.ndarray]:
    """The round of ``_dejmps_circuit`` on (kept, other), then x2 and y2 read in Z, each flipped with its node's
    probability. Returns the kept pair (x1, y1) times the probability that both read r, for r = 0, 1."""
    t = _run(_dejmps_circuit(x, y), np.kron(kept, other)).reshape([2] * 8)
    qa, qb = NODES[x]["measure_error"], NODES[y]["measure_error"]
    return [
        sum(
            (1 - qa if ma == read else qa)
            * (1 - qb if mb == read else qb)
            * t[:, :, ma, mb, :, :, ma, mb].reshape(4, 4)
            for ma in (0, 1)
            for mb in (0, 1)
        )
        for read in (0, 1)
    ]


def _swap(rho_xa: np.ndarray, rho_by: np.ndarray, node: str) -> list[np.ndarray]:
    """Qubits (x, a, b, y): DESIGN's Bell measurement at ``node`` (CNOT a -> b then depolarize2; H on a then
    depolarize1; a then b read, each flipped with the node's probability). Returns the pair (x, y), not yet
    corrected (see ``_correction``), times the probability of reading r, for r = 2 r_a + r_b (the trace's value):
    the mixture over the true outcomes that read as r."""
    noise = NODES[node]
    if node not in _CIRCUITS:
        _CIRCUITS[node] = [
            [(1.0, _embed(_CNOT, [1, 2]))],
            _depolarizing([1, 2], noise["gate2_error"]),
            [(1.0, _embed(_H, [1]))],
            _depolarizing([1], noise["gate1_error"]),
        ]
    t = _run(_CIRCUITS[node], np.kron(rho_xa, rho_by)).reshape([2] * 8)
    pm = noise["measure_error"]
    out = []
    for ra in (0, 1):
        for rb in (0, 1):
            read = sum(
                (1 - pm if ma == ra else pm)
                * (1 - pm if mb == rb else pm)
                * t[:, ma, mb, :, :, ma, mb, :].reshape(4, 4)
                for ma in (0, 1)
                for mb in (0, 1)
            )
            out.append(read)
    return out


def _correction(reported: int) -> np.ndarray:
    """y's correction once it holds the reported outcomes r = 2 r_a + r_b: X^{r_b} then Z^{r_a}."""
    return np.kron(_I, np.linalg.matrix_power(_Z, reported >> 1) @ np.linalg.matrix_power(_X, reported & 1))


def _replay(
    net: qnsim.Network, exact: bool, end_to_end: bool
) -> tuple[list[float], list[bool], list[dict], list[dict]]:
    """Replays the chain's trace: a link pair (Bell diagonal of its link) is emitted one herald delay before its
    herald, when both its nodes know it. A round starts as soon as two pairs of one level are known at both ends
    (its start is the trace's outcome time less the classical delay between the two nodes: no gate takes time);
    its kept pair is known only as one of two states (the agreeing readout 0 or 1 is not in the trace), each with
    its share of the round's success. A swap's reported outcome is in the trace; it reaches each end one classical
    delay of its link later, and the far end of the right pair applies it as a Pauli frame when the qubit is next
    used (network.py's documented choice, as repeaters do): after all its wait, uncorrected (amplitude damping does
    not commute with X). Without end-to-end rounds each end's qubit is used when the outcome reaches it (the
    delivery is the later end's); with one, the end-to-end pair waits for its partner and the round (its start),
    and is delivered at its outcome. Every qubit decays in its node's memory from its emission to its use.
    ``exact``: the Lindblad memory and the outcome branches (density_matrix); else the memory's Pauli twirl and
    each step averaged over its outcomes and twirled to Bell-diagonal (bell_diagonal, stabilizer).

    Returns each round's success probability, whether it was kept, per swap its reported outcome and each
    outcome's probability, and per delivery (in order) its time and the Bell weights the delivered pair can have
    (exact: one per history of unrecorded readouts; else the one average)."""
    owner: dict[tuple[str, int, int], dict] = {}  # (node, slot, generation) -> pair
    herald, classical = {}, {}
    for info in net.links:
        assert info.herald_delay_a_s == info.herald_delay_b_s
        herald[(info.a, info.b)], classical[(info.a, info.b)] = info.herald_delay_a_s, info.classical_delay_s
    classical[("a", "b")] = classical[("a", "m")] + classical[("m", "b")]
    probabilities, kept_flags, swaps, deliveries = [], [], [], []

    def wait(pair, now):
        """Each end's qubit stored until ``now``, then the far end's pending correction if its outcome has arrived:
        the Pauli frame is applied when the qubit is next used (network.py), so the qubit waited uncorrected."""
        times = (now - pair["since"][0], now - pair["since"][1])
        pair["branches"] = [(w, _stored(rho, pair["nodes"], times, not exact)) for w, rho in pair["branches"]]
        if pair["fix"] is not None and pair["fix"][0] <= now + 1e-15:
            fix = pair["fix"][1]
            pair["branches"] = [(w, fix @ rho @ fix.conj().T) for w, rho in pair["branches"]]
            pair["fix"] = None
        pair["since"] = (now, now)

    def candidates(pair):
        return np.array([_bell_weights(rho) for _, rho in pair["branches"]])

    for rec in net.trace():
        event, now = rec["event"], rec["time_s"]
        keys = [] if rec["slots"] is None else list(zip(rec["nodes"], rec["slots"], rec["generations"]))
        if event == "link_pair":
            nodes = tuple(rec["nodes"])
            emitted = now - herald[nodes]
            state = po.bell_diagonal_state(LINKS[nodes][0])
            pair = {"nodes": nodes, "since": (emitted, emitted), "fix": None, "known_s": now, "keys": keys}
            pair["branches"] = [(1.0, state)]
            owner.update(dict.fromkeys(keys, pair))
        elif event in ("purification_kept", "purification_failed"):
            kept = owner[keys[0]]
            start = now - classical[kept["nodes"]]
            # The round's other pair: the one other pair of its ends known at its start (its freed memory may hold
            # a newer pair by the time the outcome is known).
            held = {id(p): p for p in owner.values() if p["nodes"] == kept["nodes"] and p["known_s"] <= start + 1e-12}
            (other,) = [p for p in held.values() if p is not kept]
            for pair in (kept, other):
                wait(pair, start)
            ((_, rho_kept),), ((_, rho_other),) = kept["branches"], other["branches"]
            reads = _dejmps(rho_kept, rho_other, *kept["nodes"])
            success = sum(float(np.real(np.trace(r))) for r in reads)
            probabilities.append(success)
            kept_flags.append(event == "purification_kept")
            dropped = other["keys"] + (kept["keys"] if event == "purification_failed" else [])
            for key in dropped:
                del owner[key]
            if exact:
                kept["branches"] = [(float(np.real(np.trace(r))) / success, r / np.trace(r)) for r in reads]
            else:
                kept["branches"] = [(1.0, po.bell_diagonal_state(_bell_weights(sum(reads) / success)))]
            kept["known_s"] = now
            if event == "purification_kept" and kept["nodes"] == ("a", "b"):
                wait(kept, now)
                deliveries.append({"due_s": now, "candidates": candidates(kept)})
                for key in kept["keys"]:
                    del owner[key]
        elif event == "swap":
            left, right = owner[keys[0]], owner[keys[1]]
            assert left["nodes"][1] == rec["nodes"][0] == right["nodes"][0]
            for pair in (left, right):
                wait(pair, now)
            reported = int(rec["value"])
            ends = (left["nodes"][0], right["nodes"][1])
            news = (classical[left["nodes"]], classical[right["nodes"]])  # the outcome's way to each end
            fix = _correction(reported)
            outcome_probabilities, branches = np.zeros(4), []
            for w1, rho1 in left["branches"]:
                for w2, rho2 in right["branches"]:
                    reads = _swap(rho1, rho2, rec["nodes"][0])
                    outcome_probabilities += w1 * w2 * np.real([np.trace(r) for r in reads])
                    if exact:
                        branches.append((w1 * w2 * float(np.real(np.trace(reads[reported]))), reads[reported]))
                    else:  # Pauli memories commute with the corrections: the outcome average, corrected now
                        average = sum(_correction(k) @ r @ _correction(k).conj().T for k, r in enumerate(reads))
                        branches.append((1.0, po.bell_diagonal_state(_bell_weights(average / np.trace(average)))))
            swaps.append({"reported": reported, "probabilities": outcome_probabilities})
            pair = {"nodes": ends, "since": (now, now), "known_s": now + max(news), "fix": None}
            pair["branches"] = [(w / sum(v for v, _ in branches), rho / np.trace(rho)) for w, rho in branches]
            if exact:
                pair["fix"] = (now + news[1], fix)
            pair["keys"] = [left["keys"][0], right["keys"][1]]
            for key in left["keys"] + right["keys"]:
                owner.pop(key, None)
            owner.update(dict.fromkeys(pair["keys"], pair))
            if not end_to_end:
                # Each end uses its qubit when it holds the outcome (b's corrected then); the delivery is the later
                # end's. a is stored news[0] from now, b news[1] (wait() takes both ends to one time).
                pair["since"] = (now + news[1] - news[0], now)
                wait(pair, now + news[1])
                deliveries.append({"due_s": now + max(news), "candidates": candidates(pair)})
                for key in pair["keys"]:
                    del owner[key]
    return probabilities, kept_flags, swaps, deliveries


@pytest.mark.parametrize("formalism", ["density_matrix", "bell_diagonal", "stabilizer"])
@pytest.mark.parametrize("end_to_end", [False, True], ids=["link_rounds", "end_to_end_round"])
def test_purify_and_swap_with_unequal_memories_and_noise_is_the_numpy_model_of_the_whole_schedule(
    formalism, end_to_end
):
    """Oracle: ``_replay`` of the run's own trace (numpy, physics_oracles' Lindblad memory), links of 2 and 5 km so
    that round and swap outcomes travel (unequal classical delays) while qubits decay; a DEJMPS round on each link
    before the swap, or one on the end-to-end pairs after it (the first end-to-end pair waits for the second, its
    far end's correction held as a Pauli frame). Every delivery is due when the model says. density_matrix: every
    delivered pair's Bell weights are those of one of the states its history allows (the unrecorded readouts of its
    rounds, at the recorded swap outcome) to 1e-9; each swap outcome as often as the model says; the kept rounds as
    many as the model's success probabilities summed. bell_diagonal: every pair is the twirled, outcome-averaged
    model's to 1e-12. stabilizer: kept rounds and trajectories' fidelities against the twirled model. Checked
    right (no fix); the check has teeth: the model with the far end's correction applied when the outcome arrives
    (the rest of its wait corrected) misses the end-to-end pairs by up to 2.4e-2, and with the two ends' memories
    exchanged misses by up to 4e-2 (link rounds) and 2.7e-3 (end-to-end round).
    """
    exact = formalism == "density_matrix"
    num_pairs = 50 if formalism == "stabilizer" else 30
    net, r = _chain(formalism, num_pairs, end_to_end)
    assert r.num_pairs == num_pairs
    probabilities, kept, swaps, deliveries = _replay(net, exact, end_to_end)
    assert len(deliveries) == num_pairs and sum(kept) == (1 if end_to_end else 2) * num_pairs
    np.testing.assert_allclose(r.times_s, [d["due_s"] for d in deliveries], rtol=0, atol=1e-12)
    p = np.array(probabilities)
    assert_normal(sum(kept), float(p.sum()), math.sqrt(float((p * (1 - p)).sum())), SIGMAS, what="kept rounds")
    assert max(r.ages_s) > 5e-5  # pairs waited for their partners: the memories act
    if exact:
        distance = [np.abs(d["candidates"] - got).max(axis=1).min() for d, got in zip(deliveries, r.bell_diagonals)]
        assert max(distance) < 1e-9, max(distance)
        shares = np.array([s["probabilities"] for s in swaps])
        np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        for k in range(4):
            seen = sum(s["reported"] == k for s in swaps)
            q = shares[:, k]
            assert_normal(seen, float(q.sum()), math.sqrt(float((q * (1 - q)).sum())), SIGMAS, what=f"swap outcome {k}")
    elif formalism == "bell_diagonal":
        want = np.array([d["candidates"][0] for d in deliveries])
        np.testing.assert_allclose(r.bell_diagonals, want, rtol=0, atol=1e-12)
    else:
        f = np.array([d["candidates"][0][0] for d in deliveries])
        sigma = math.sqrt(float((f * (1 - f)).sum()))
        assert_normal(float(r.fidelities.sum()), float(f.sum()), sigma, SIGMAS, what="stabilizer trajectories")
