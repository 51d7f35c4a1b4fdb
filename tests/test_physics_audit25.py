"""A twenty-fifth outside audit of qnsim's physics: stabilizer BBPSSW rounds replayed from their traced rotations.

Round 24 (tests/test_physics_audit24.py) replays purification from the trace in the density_matrix and bell_diagonal
formalisms, where BBPSSW's Werner twirl is the exact channel. A stabilizer trajectory instead draws one of the twelve
bilateral rotations U (x) U* per pair (U = C^k P, P a Pauli, C = H S^dag cycling X -> Y -> Z -> X), and that rotation
decides the round as much as the pairs do: a pair whose memories dephased carries a Z error, which the rotation
leaves a Z (k = 0: the outcomes agree whatever the error) or turns into a flip (k = 1, 2: the outcomes disagree unless
the other pair flipped too). The trace did not record it, so no replay could rebuild a stabilizer round, only the
average over rotations. The trace now records it (``purification_twirl``, one per pair, value 3 P + k). The replay
here is round 24's (imported, not copied) with the recorded rotation in place of the exact twirl, on one link of
perfect pairs whose memories only dephase (T2): every pair the round sees is Phi+ or Phi-, so a wrong reading of the
rotations (swapped between the pairs, C taken for its inverse) makes some recorded outcome impossible.
"""

from __future__ import annotations

import math

import numpy as np
import physics_oracles as po
import pytest
import test_physics_audit24 as a24
from stats import assert_normal

import qnsim

T2_S = 1e-3
_C = po._H.astype(complex) @ po._S.conj()  # H S^dag: X -> Y -> Z -> X, as the core cycles a BBPSSW twirl
# Two links whose pairs carry one kind of error each when the round acts: perfect pairs in memories that only dephase
# (T2: a Z error, kept a Z by k = 0), and pairs emitted as Phi+ or Psi+ in noiseless memories (an X error, kept
# unflipped by k = 2 only: C^2 X C^-2 = Z).
LINKS = {
    "dephased": ({"fidelity": 1.0}, {"t2_s": T2_S}, [1.0, 0, 0, 0], T2_S, 0),
    "x_errors": ({"bell_diagonal": (0.7, 0.3, 0.0, 0.0)}, {}, [0.7, 0.3, 0, 0], math.inf, 2),
}


def _rotation(value: int, variant: str | None = None) -> np.ndarray:
    """U (x) U* for a ``purification_twirl`` value 3 P + k: U = C^k P at the first node, U* at the second.
    ``variant``, a misreading the replay must tell apart: ``"inverse_cycle"`` (C^-1 for C), ``"p_major"``
    (the value read as 4 k + P)."""
    pauli, k = divmod(int(value), 3)
    if variant == "p_major":
        k, pauli = divmod(int(value), 4)
    cycle = _C.conj().T if variant == "inverse_cycle" else _C
    u = np.linalg.matrix_power(cycle, k) @ po.PAULIS[pauli]
    return np.kron(u, u.conj())


class Impossible(Exception):
    """A misreading replay met a recorded outcome it gives probability 0 (at this time, s)."""


class RotationReplay(a24.PurifyReplay):
    """Round 24's replay, each BBPSSW pair rotated by the rotation its ``purification_twirl`` record names (the
    round is replayed when both records are read: they follow its ``purification_measured`` record); ``variant``
    as :func:`_rotation`'s."""

    def __init__(self, net, link, *, variant=None, **kw):
        _, _, weights, t2_s, _ = LINKS[link]
        super().__init__(net, link_weights=weights, t1_s=math.inf, t2_s=t2_s, **kw)
        self.rotation_variant, self._measured, self._twirls = variant, None, []

    def _twirl(self, rho, which):
        u = _rotation(self._twirls[which]["value"], self.rotation_variant)
        return u @ rho @ u.conj().T

    def other_event(self, rec, now, seg):
        event = rec["event"]
        if event == "purification_measured":
            self._measured, self._twirls = rec, []
        elif event == "purification_twirl":
            self._twirls.append(rec)
            if len(self._twirls) == 2:
                kept, measured = self._round, self._measured
                assert [t["slots"] for t in self._twirls] == [kept["slots"], measured["slots"]]
                assert all(t["time_s"] == kept["time_s"] and t["nodes"] == kept["nodes"] for t in self._twirls)
                with np.errstate(invalid="ignore", divide="ignore"):
                    super().other_event(measured, now, seg)
                if self.rotation_variant and self.probabilities[-1] < 1e-12:
                    raise Impossible(rec["time_s"])
        else:
            super().other_event(rec, now, seg)


def _link(formalism="stabilizer", scheme="bbpssw", link="dephased", *, seed=7, pairs=40, trace=True):
    """One 2 km link (heralded, p = 0.3 per 0.2 ms attempt, two channels) of ``LINKS[link]``, one purification round
    per pair."""
    link_kw, node_kw, _, _, _ = LINKS[link]
    net = qnsim.Network(formalism, seed=seed, trace=trace)
    for name in "ab":
        net.add_node(name, num_memories=4, **node_kw)
    net.add_link("a", "b", length_km=2.0, success_probability=0.3, attempt_period_s=2e-4, channels=2, **link_kw)
    net.request("a", "b", num_pairs=pairs, purification=scheme, purification_rounds=1, memories_per_link=2)
    return net, net.run(1.0)


def _finds_an_impossible_outcome(net, link, variant):
    """Whether a replay reading the rotations as ``variant`` meets a recorded outcome it gives probability 0."""
    try:
        RotationReplay(net, link, variant=variant).pairs()
    except Impossible:
        return True
    return False


@pytest.mark.parametrize(("link", "misreadings"), [("dephased", ["p_major"]),
                                                   ("x_errors", ["inverse_cycle"])])  # fmt: skip
def test_stabilizer_bbpssw_rounds_are_the_replay_of_their_recorded_rotations(link, misreadings):
    """stabilizer, BBPSSW, one error kind per pair: every round's recorded outcomes are possible under the replay of
    its recorded rotations (probability above 1e-9); the rounds whose two rotations keep that error unflipped (k = 0
    for Z, k = 2 for X) all agree while others do not; the delivered pairs' mean fidelity is the replay's (each pair
    a Bernoulli trial of its replayed F); and a misreading of the rotations (the value read as 4 k + P; C^-1 for C)
    makes some recorded outcome impossible (probability below 1e-12). Before the trace named the rotations, a
    stabilizer round's records held no rotation to replay."""
    net, result = _link(link=link)
    request = result.requests[0]
    assert request.num_pairs == 40 and request.purification_failures > 5
    replay = RotationReplay(net, link)
    pairs = replay.pairs()
    assert len(pairs) == 40 and len(replay.probabilities) == 40 + request.purification_failures
    assert min(replay.probabilities) > 1e-9
    twirls = [r for r in net.trace() if r["event"] == "purification_twirl"]
    keeps = LINKS[link][4]
    unflipped = [
        m for t1, t2, m in zip(twirls[::2], twirls[1::2], replay.rounds) if t1["value"] % 3 == t2["value"] % 3 == keeps
    ]
    assert unflipped and all(ma == mb for ma, mb in unflipped)
    assert any(ma != mb for ma, mb in replay.rounds)
    expected = [p.oracle for p in pairs]
    sigma = math.sqrt(sum(f * (1 - f) for f in expected)) / len(expected)
    assert_normal(float(np.mean([p.run for p in pairs])), float(np.mean(expected)), sigma, sigmas=5.3,
                  what="stabilizer BBPSSW mean F")  # fmt: skip
    for variant in misreadings:
        assert _finds_an_impossible_outcome(net, link, variant), variant


def test_only_stabilizer_bbpssw_rounds_name_two_rotations_and_tracing_draws_nothing():
    """Only a stabilizer BBPSSW round draws rotations: two ``purification_twirl`` records per round (after its
    ``purification_measured``, at its instant, the kept pair's then the measured pair's, values 0..11, all twelve
    met over the rounds), none elsewhere (the exact channel, or DEJMPS's fixed rotations); and tracing consumes no
    draw: each traced run's pairs equal the untraced run's, bit for bit. Before, no round named its rotations."""
    for formalism, scheme in [("stabilizer", "bbpssw"), ("stabilizer", "dejmps"), ("density_matrix", "bbpssw"),
                              ("bell_diagonal", "bbpssw")]:  # fmt: skip
        net, result = _link(formalism, scheme)
        records = list(net.trace())
        twirls = [r for r in records if r["event"] == "purification_twirl"]
        rounds = [i for i, r in enumerate(records) if r["event"] == "purification_measured"]
        if (formalism, scheme) != ("stabilizer", "bbpssw"):
            assert rounds and not twirls, (formalism, scheme)
        else:
            assert len(twirls) == 2 * len(rounds)
            for i in rounds:
                kept, measured, t1, t2 = records[i - 1], records[i], records[i + 1], records[i + 2]
                assert (t1["event"], t2["event"]) == ("purification_twirl", "purification_twirl")
                assert (t1["slots"], t1["generations"]) == (kept["slots"], kept["generations"])
                assert (t2["slots"], t2["generations"]) == (measured["slots"], measured["generations"])
                assert t1["time_s"] == t2["time_s"] == measured["time_s"]
            assert {int(r["value"]) for r in twirls} == set(range(12))
        _, untraced = _link(formalism, scheme, trace=False)
        got, plain = result.requests[0], untraced.requests[0]
        assert got.fidelities.tolist() == plain.fidelities.tolist()
        assert got.times_ps.tolist() == plain.times_ps.tolist()
