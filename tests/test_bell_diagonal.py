"""The bell_diagonal formalism against the density-matrix formalism and closed forms.

Exact agreement is checked pair by pair: with the same seed both formalisms draw the same attempt
counts from the links' streams (neither draws anything else there), so a protocol without
purification has the same timing in both, and every delivered pair must have the same fidelity
and concurrence to rounding. Purification draws its outcome from the node's stream with different
numbers of draws, so those runs are compared through scenarios whose every purified pair has the
same history (deterministic links), and through the closed forms. What bell_diagonal does not
claim (amplitude damping, misread outcomes per trajectory, non-Bell-diagonal link states) is
checked against its documented difference."""

import math

import numpy as np
import pytest

import qnsim
from qnsim import _core

INF = math.inf
US = 1_000_000


def chain(formalism, n=5, *, seed=7, p=0.3, node=None, link=None):
    net = qnsim.Network(formalism, seed=seed)
    names = [f"n{i}" for i in range(n)]
    for name in names:
        net.add_node(name, **(node or {}))
    params = {"length_km": 2.0, "fidelity": 0.93, "rate_hz": 2e4, "success_probability": p, **(link or {})}
    if "bell_diagonal" in params:
        del params["fidelity"]
    for a, b in zip(names, names[1:]):
        net.add_link(a, b, **params)
    return net, names


NOISY_NODE = {"t2_s": 4e-3, "depolarizing_time_s": 9e-3, "gate1_error": 0.01, "gate2_error": 0.02,
              "gate1_duration_s": 1e-6, "gate2_duration_s": 5e-6, "measure_duration_s": 2e-6}


@pytest.mark.parametrize("request_kwargs", [
    {"swap_schedule": "asap"},
    {"swap_schedule": "nested"},
    {"swap_schedule": "nested", "swap_handshake": True, "cutoff_s": 4e-4},
    {"swap_schedule": "asap", "cutoff_s": 3e-4},
], ids=["asap", "nested", "nested-handshake-cutoff", "asap-cutoff"])
def test_every_pair_equals_the_density_matrix_run_with_the_same_seed(request_kwargs):
    results = {}
    for formalism in ("density_matrix", "bell_diagonal"):
        net, names = chain(formalism, node=NOISY_NODE, link={"bell_diagonal": (0.9, 0.05, 0.03, 0.02)})
        net.request(names[0], names[-1], num_pairs=60, **request_kwargs)
        net.request("n1", "n3", num_pairs=40)  # waits for the first one's memories
        results[formalism] = net.run(until_s=0.05, progress=False)
    dm, bd = results["density_matrix"], results["bell_diagonal"]
    for r_dm, r_bd in zip(dm.requests, bd.requests):
        assert r_dm.num_pairs > 20
        np.testing.assert_array_equal(r_bd.times_s, r_dm.times_s)
        np.testing.assert_allclose(r_bd.fidelities, r_dm.fidelities, rtol=0, atol=1e-12)
        np.testing.assert_allclose(r_bd.concurrences, r_dm.concurrences, rtol=0, atol=1e-11)
        assert r_bd.fidelities.std() > 1e-3  # the pairs really differ (decay over random waits)
    assert bd.counters == dm.counters
    assert bd.notes == []


def test_purified_pairs_with_the_same_history_equal_the_density_matrix_ones():
    # A deterministic link with two channels, no travel time and instant gates: every round
    # purifies two pairs of the same age and delivers at once, so every kept pair is the same
    # state whatever the success draws, in both formalisms (gate noise and memory decay on).
    values = {}
    for formalism in ("density_matrix", "bell_diagonal"):
        net, names = chain(formalism, n=2, p=1.0,
                           node={"t2_s": 4e-3, "depolarizing_time_s": 9e-3, "gate1_error": 0.01, "gate2_error": 0.02},
                           link={"bell_diagonal": (0.85, 0.05, 0.06, 0.04), "channels": 2, "length_km": 0.0})
        net.request("n0", "n1", purification="dejmps", purification_rounds=1, num_pairs=30)
        r = net.run(until_s=0.05, progress=False).requests[0]
        assert r.num_pairs == 30
        values[formalism] = np.unique(np.round(r.fidelities, 9))
    assert len(values["bell_diagonal"]) == len(values["density_matrix"]) == 1
    assert values["bell_diagonal"][0] == pytest.approx(values["density_matrix"][0], abs=1e-9)
    assert values["bell_diagonal"][0] < 0.85  # the decay and gate noise are really there


@pytest.mark.parametrize("scheme", ["bbpssw", "dejmps"])
def test_link_purification_equals_the_closed_form(scheme):
    diag = (0.8, 0.1, 0.06, 0.04)
    net, names = chain("bell_diagonal", n=2, link={"bell_diagonal": diag, "channels": 2, "length_km": 0.0})
    net.request("n0", "n1", purification=scheme, purification_rounds=1, num_pairs=500)
    result = net.run(until_s=10.0, progress=False)
    p_success, kept = qnsim.bell_diagonal_purify(diag, diag, scheme)
    np.testing.assert_allclose(result.requests[0].fidelities, kept[0], rtol=0, atol=1e-12)
    oracle = qnsim.bbpssw(0.8) if scheme == "bbpssw" else (qnsim.dejmps(diag, diag)[0][0], qnsim.dejmps(diag, diag)[1])
    assert kept[0] == pytest.approx(oracle[0], abs=1e-12) and p_success == pytest.approx(oracle[1], abs=1e-12)
    c = result.counters
    done = c["purifications"]
    assert abs((done - c["purification_failures"]) / done - p_success) < 5 * math.sqrt(p_success * (1 - p_success) / done)


def test_misread_purification_outcomes_give_the_mixture_of_the_density_matrix_branches():
    # The nodes see agreeing outcomes either when the parity agreed and was read right or when it
    # differed and one outcome was misread: bell_diagonal keeps the mixture of the two branches, and a
    # density matrix (which applies a readout error as a flip before an exact measurement) keeps the
    # same mixture on every run.
    diag, q = (0.6, 0.2, 0.1, 0.1), 0.2
    p_clean, kept_clean = qnsim.bell_diagonal_purify(diag, diag, "dejmps")
    p_noisy, kept_noisy = qnsim.bell_diagonal_purify(diag, diag, "dejmps", measure_error=q)
    misread = 2 * q * (1 - q)
    assert p_noisy == pytest.approx((1 - misread) * p_clean + misread * (1 - p_clean), abs=1e-15)
    assert kept_noisy[0] != pytest.approx(kept_clean[0], abs=1e-3)
    kept = set()
    for seed in range(100):
        reg = qnsim.QubitRegistry("density_matrix", seed=seed)
        a1, b1 = reg.bell_diagonal_pair(list(diag))
        a2, b2 = reg.bell_diagonal_pair(list(diag))
        if qnsim.purify_round(reg, "dejmps", a1, b1, a2, b2, measure_error=q):
            kept.add(round(reg.fidelity([a1, b1]), 12))
    assert kept == {round(kept_noisy[0], 12)}


def test_misread_swap_outcomes_agree_with_density_matrix_on_average():
    results = {}
    for formalism in ("density_matrix", "bell_diagonal"):
        net, names = chain(formalism, n=3, p=1.0, node={"measure_error": 0.1})
        net.request("n0", "n2", num_pairs=3000)
        results[formalism] = net.run(until_s=1.0, progress=False).requests[0]
    bd, dm = results["bell_diagonal"], results["density_matrix"]
    expected = qnsim.bell_diagonal_swap(*[(0.93, 0.07 / 3, 0.07 / 3, 0.07 / 3)] * 2, measure_error=0.1)[0]
    np.testing.assert_allclose(bd.fidelities, expected, rtol=0, atol=1e-12)
    # A density matrix holds the same mixture over the misreads, pair by pair.
    np.testing.assert_allclose(dm.fidelities, expected, rtol=0, atol=1e-12)


def test_amplitude_damping_is_twirled_within_the_documented_bound():
    # A stored link pair whose ends damp with gamma_a and gamma_b: the exact channel gives
    # <ZZ> = (1 - gamma_a)(1 - gamma_b) <ZZ>_0 + gamma_a gamma_b, the twirl drops the last term.
    t1 = 50e-6
    fidelities = {}
    for formalism in ("density_matrix", "bell_diagonal"):
        net, names = chain(formalism, n=2, p=1.0, node={"t1_s": t1, "t2_s": 2 * t1}, link={"fidelity": 1.0})
        net.request("n0", "n1", num_pairs=1)
        result = net.run(until_s=1e-3, progress=False)
        fidelities[formalism] = result.requests[0].fidelities[0]
        t = result.requests[0].times_s[0]  # each qubit was stored from emission (t = 0) to delivery
    gamma = -math.expm1(-t / t1)
    assert fidelities["density_matrix"] - fidelities["bell_diagonal"] == pytest.approx(gamma**2 / 4, abs=1e-12)
    assert any("bell_diagonal formalism: memory T1 is applied as its Pauli twirl" in n for n in result.notes)


def test_a_hardware_link_state_enters_as_its_bell_diagonal_part():
    # Single-click links deliver a state with weight off the Bell diagonal. Without swaps the
    # fidelity (and its decay under dephasing) only depends on the Bell-diagonal part.
    fidelities, notes = {}, {}
    for formalism in ("density_matrix", "bell_diagonal"):
        net = qnsim.Network(formalism, seed=4)
        for name in "ab":
            net.add_node(name, hardware="nv_10x_improved", t1_s=INF, t2_s=5e-3)
        net.add_link("a", "b", length_km=5.0, scheme="single_click")
        net.request("a", "b", num_pairs=20)
        result = net.run(until_s=10.0, progress=False)
        fidelities[formalism], notes[formalism] = result.requests[0].fidelities, result.notes
    np.testing.assert_allclose(fidelities["bell_diagonal"], fidelities["density_matrix"], rtol=0, atol=1e-12)
    assert any("link(s) a-b is not Bell-diagonal" in n for n in notes["bell_diagonal"])
    assert not [n for n in notes["density_matrix"] if "initialisation figures" not in n]


def test_python_protocols_run_on_bell_diagonal_pairs():
    from test_network import SwapASAP

    fids = {}
    for formalism in ("density_matrix", "bell_diagonal"):
        net, names = chain(formalism, n=3, seed=3, p=0.2)
        net.request("n0", "n2", num_pairs=100, protocol=SwapASAP())
        fids[formalism] = net.run(until_s=1.0, progress=False).requests[0].fidelities
    np.testing.assert_allclose(fids["bell_diagonal"], qnsim.werner_swap_fidelity(0.93, 0.93), rtol=0, atol=1e-12)
    np.testing.assert_allclose(fids["bell_diagonal"], fids["density_matrix"], rtol=0, atol=1e-12)


def test_bell_diagonal_refuses_what_needs_qubits():
    net, names = chain("bell_diagonal", n=2)
    with pytest.raises(qnsim.ParameterError, match="^request 'n0' -> 'n1': keep_pairs hands the delivered qubits"):
        net.request("n0", "n1", keep_pairs=True)
    with pytest.raises(qnsim.QnsimError, match="bell_diagonal formalism keeps each pair as four Bell coefficients"):
        net.registry
    with pytest.raises(qnsim.QnsimError, match="a QubitRegistry needs 'density_matrix' or 'stabilizer'"):
        qnsim.QubitRegistry("bell_diagonal")
    with pytest.raises(qnsim.ParameterError, match="formalism must be one of .*'bell_diagonal', got 'bell'"):
        qnsim.Network("bell")


def test_min_fidelity_is_exact_per_pair_in_bell_diagonal():
    net, names = chain("bell_diagonal", n=3, node={"t2_s": 2e-3})
    net.request("n0", "n2", num_pairs=20, min_fidelity=0.84)
    r = net.run(until_s=1.0, progress=False).requests[0]
    assert r.num_pairs == 20 and r.rejected_low_fidelity > 0 and r.fidelities.min() >= 0.84


def test_closed_forms_check_their_arguments():
    with pytest.raises(qnsim.ParameterError, match=r"^left coefficients \(Phi\+, Psi\+, Psi-, Phi-\) must sum to 1 .*\(sum 1.1"):
        qnsim.bell_diagonal_swap([0.8, 0.1, 0.1, 0.1], [1, 0, 0, 0])
    with pytest.raises(qnsim.ParameterError, match=r"^right coefficient 0 \(Phi\+\) must be in \[0, 1\] \(within the tolerance 1e-09\), got 1.1"):
        qnsim.bell_diagonal_swap([1, 0, 0, 0], [1.1, -0.1, 0, 0])
    with pytest.raises(qnsim.ParameterError, match=r"gate2_error must be a probability in \[0, 1\], got 2.0"):
        qnsim.bell_diagonal_swap([1, 0, 0, 0], [1, 0, 0, 0], gate2_error=2.0)
    with pytest.raises(qnsim.ParameterError, match="scheme must be one of 'bbpssw', 'dejmps', got 'none'"):
        qnsim.bell_diagonal_purify([1, 0, 0, 0], [1, 0, 0, 0], "none")


def test_native_network_counts_live_pairs_as_qubits():
    net = _core.NativeNetwork("bell_diagonal", seed=1)
    a = net.add_node(_core.NodeParams(name="a", num_memories=1))
    b = net.add_node(_core.NodeParams(name="b", num_memories=1))
    net.add_link(_core.LinkParams(node_a=a, node_b=b, attempt_period_ps=US, herald_delay_a_ps=US,
                                  herald_delay_b_ps=2 * US))
    net.add_request(_core.RequestParams(path=[a, b], num_pairs=1))
    assert net.formalism == "bell_diagonal"
    net.run(US)  # a knows, b does not yet: one pair alive
    # a has everything at its herald: it hands its qubit over (kept for the delivery) and its memory is free again,
    # as a chain's ends do with their swap news (it decayed on to b's herald before, its memory held).
    assert net.live_qubits == 2 and net.occupied_slots() == 1
    net.run(3 * US)
    assert net.live_qubits == 0 and net.occupied_slots() == 0 and net.deliveries()["fidelity"][0] == 1.0
