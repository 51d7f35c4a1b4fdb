"""A request's ``purification_handshake``: before each purification round the pair's ends confirm it (a request and
its answer, as SeQUeNCe's resource managers exchange), so the round runs one round trip later, across the link for
link-level rounds and along the path for end-to-end ones, with the four qubits held and decaying meanwhile.

Before it, qnsim had no setting for that wait (docs/coming-from-sequence.md said so): a SeQUeNCe scenario with
purification translated to qnsim purified its pairs two light times earlier than SeQUeNCe, each pair a little
fresher (10 km, T = 1 s: 1e-4 in fidelity).

Checked: every round's instant in the trace (the later of its pairs' heralds plus the round trip, or nothing
without the flag) on a deterministic link, the first purified pair's fidelity against a numpy density-matrix
oracle (dephasing before and after one DEJMPS round), the outcome-by-outcome replay of round 24 on a nested chain
of unequal hops with the flag on (every pair to 1e-12, so the held qubits decay through the wait and nowhere else),
the cutoff every pair needs (refused between the two needs), and the refusal of the flag with nothing to confirm.
"""

from __future__ import annotations

import math

import physics_oracles as po
import pytest
import test_physics_audit23 as a23
import test_physics_audit24 as a24

import qnsim
from qnsim.scenario import scenario_from_dict

HERALD_S = 1e-3  # a deterministic 1 kHz link heralds one attempt period after its emission
T2_S = 1e-3


def _one_link(formalism: str, seed: int, handshake: bool, **request):
    """a - b, 10 km, Werner 0.9 pairs made deterministically at 1 kHz on 2 channels, memories of T2 = 1 ms (no T1);
    one DEJMPS round per delivered pair; traced."""
    net = qnsim.Network(formalism, seed=seed, trace=True)
    for name in "ab":
        net.add_node(name, t2_s=T2_S)
    link = net.add_link("a", "b", length_km=10.0, fidelity=0.9, rate_hz=1e3, channels=2)
    request.setdefault("num_pairs", 3)
    net.request("a", "b", purification="dejmps", purification_rounds=1, purification_handshake=handshake, **request)
    return net, link, net.run(until_s=0.05, progress=False)


def _dephased(rho, t_s):
    """Both qubits of a pair stored t_s under T2 alone."""
    return po.memory(po.memory(rho, 0, 2, t_s, math.inf, T2_S), 1, 2, t_s, math.inf, T2_S)


@pytest.mark.parametrize("formalism", ["bell_diagonal", "density_matrix", "stabilizer"])
@pytest.mark.parametrize("handshake", [False, True])
def test_each_round_runs_one_round_trip_after_its_later_pair(formalism, handshake):
    """Every round of the run (kept or failed, over seeds) runs at the later herald of its two pairs plus 2 c with the
    flag, at that herald without it; the deliveries come c after their round (the outcomes crossing)."""
    rounds = 0
    for seed in (1, 2, 3):
        net, link, result = _one_link(formalism, seed, handshake)
        c = link.classical_delay_s
        assert result.requests[0].num_pairs == 3
        heralded, last_round = {}, None
        for rec in net.trace():
            if rec["event"] == "link_pair":
                heralded[rec["slots"][0]] = rec["time_s"]
            elif rec["event"] == "purification":
                last_round = rec
            elif rec["event"] == "purification_measured":
                later = max(heralded[last_round["slots"][0]], heralded[rec["slots"][0]])
                assert rec["time_s"] == pytest.approx(later + (2 * c if handshake else 0), abs=1e-12)
                rounds += 1
        kept = [r["time_s"] for r in net.trace() if r["event"] == "purification_kept"]
        assert result.requests[0].times_s.tolist() == pytest.approx(kept, abs=1e-12)
    assert rounds >= 9


@pytest.mark.parametrize("formalism", ["bell_diagonal", "density_matrix"])
def test_the_first_purified_pair_decayed_through_the_confirmation(formalism):
    """Runs whose first round keeps its pair deliver it at herald + 3 c (herald + c without the flag), of the oracle's
    fidelity: Werner 0.9 pairs dephased herald + 2 c at both ends, one DEJMPS round, the kept pair dephased c more
    (0.50679 against 0.52474 without the confirmation: 1.8e-2 at T2 = 1 ms)."""
    werner = po.bell_diagonal_state([0.9, 0.1 / 3, 0.1 / 3, 0.1 / 3])
    checked = {False: 0, True: 0}
    for seed in range(1, 17):  # about half the first rounds keep their pair at F ~ 0.5
        for handshake in (False, True):
            _, link, result = _one_link(formalism, seed, handshake, num_pairs=1)
            c = link.classical_delay_s
            wait = 2 * c if handshake else 0.0
            (time_s,) = result.requests[0].times_s
            if time_s != pytest.approx(HERALD_S + wait + c, abs=1e-12):
                assert time_s > HERALD_S + wait + c  # a first round that failed: a later pair
                continue
            stored = _dephased(werner, HERALD_S + wait)
            _, kept = po.purify(stored, stored, "dejmps")
            assert result.requests[0].fidelities[0] == pytest.approx(po.pair_fidelity(_dephased(kept, c)), abs=1e-12)
            checked[handshake] += 1
    assert checked[False] >= 4 and checked[True] >= 4


@pytest.mark.parametrize(("scheme", "end_to_end"), [("dejmps", False), ("bbpssw", True)])
def test_confirmed_rounds_are_the_replayed_rounds_outcome_by_outcome(scheme, end_to_end):
    """Round 24's replay (density_matrix, a nested chain of unequal hops with T1 and T2, pairs of different ages) with
    the flag on: every delivered pair to 1e-12 outcome by outcome at its delivery instant, so the held qubits decayed
    through the wait as stored ones (the replay decays each qubit to the round's recorded instant)."""
    rounds = {"end_to_end_purification_rounds": 1} if end_to_end else {"purification_rounds": 1}
    net, result = a23._chain("density_matrix", seed=3, nodes="abcd", lengths=a23.LENGTHS_KM[:3], pairs=6,
                             swap_schedule="nested", memories_per_link=2, purification=scheme,
                             purification_handshake=True, **rounds)  # fmt: skip
    request = result.requests[0]
    assert request.num_pairs == 6
    pairs = a24.PurifyReplay(net).pairs()
    assert len(pairs) == 6
    assert max(abs(p.oracle - p.run) for p in pairs) < 1e-12
    assert [p.time_ps for p in pairs] == request.times_ps.tolist()


def test_the_cutoff_each_pair_needs_includes_the_confirmation():
    """A pair must be stored herald + 3 c before the round's outcome is known with the flag (herald + c without): a
    cutoff between the two is taken without the flag and refused with it, the message naming the flag."""
    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "ab":
        net.add_node(name, t2_s=T2_S)
    c = net.add_link("a", "b", length_km=10.0, fidelity=0.9, rate_hz=1e3, channels=2).classical_delay_s
    between = HERALD_S + 2 * c
    net.request("a", "b", purification="dejmps", purification_rounds=1, cutoff_s=between)
    with pytest.raises(qnsim.ParameterError, match=r"cutoff_s.*purification_handshake"):
        net.request("a", "b", purification="dejmps", purification_rounds=1, cutoff_s=between,
                    purification_handshake=True)  # fmt: skip
    net.request("a", "b", purification="dejmps", purification_rounds=1, cutoff_s=HERALD_S + 3 * c + 1e-9,
                purification_handshake=True)  # fmt: skip


def test_the_flag_with_nothing_to_confirm_is_refused_not_ignored():
    """Without purification rounds there is no round to confirm: the flag is refused by name (it would change
    nothing). A target fidelity the link already meets chooses no round, and the flag then asks for nothing."""
    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "ab":
        net.add_node(name)
    net.add_link("a", "b", length_km=10.0, fidelity=0.9, rate_hz=1e3)
    with pytest.raises(qnsim.ParameterError, match="purification_handshake.*no round to confirm"):
        net.request("a", "b", purification_handshake=True)
    info = net.request("a", "b", target_fidelity=0.85, purification_handshake=True)
    assert info.purification_rounds == 0


def test_a_scenario_file_takes_the_flag():
    """The request table's key reaches the run: its first pair comes no sooner than herald + 3 c, and exactly then
    when its first round keeps the pair (herald + c without the key)."""

    def first_delivery(handshake, seed):
        data = {
            "run": {"until_s": 0.05, "seed": seed, "formalism": "bell_diagonal"},
            "nodes": [{"name": "a", "t2_s": T2_S}, {"name": "b", "t2_s": T2_S}],
            "links": [{"a": "a", "b": "b", "length_km": 10.0, "fidelity": 0.9, "rate_hz": 1e3, "channels": 2}],
            "requests": [{"src": "a", "dst": "b", "num_pairs": 1, "purification": "dejmps",
                          "purification_rounds": 1, "purification_handshake": handshake}],
        }  # fmt: skip
        net, run = scenario_from_dict(data)
        c = net.links[0].classical_delay_s
        return net.run(run.until_s, progress=False).requests[0].times_s[0] - HERALD_S, c

    for handshake, factor in ((False, 1), (True, 3)):
        after = [(t, c) for t, c in (first_delivery(handshake, seed) for seed in range(1, 7))]
        assert all(t >= factor * c - 1e-12 for t, c in after)
        assert any(t == pytest.approx(factor * c, abs=1e-12) for t, c in after)
