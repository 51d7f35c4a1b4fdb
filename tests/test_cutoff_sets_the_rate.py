"""A request that delivers some pairs while its cutoff discards far more says that the cutoff may set its rate.

Physics audit 33 found it: two end-to-end rounds on four memories under a cutoff just above what the first tree
needs deliver one pair and then lose every later tree (their pairs are remade at staggered times and wait longer),
127 stored qubits discarded in 20 ms, and the request read as a slow link with nothing said. The note's count is
checked against the trace's cutoff records (each a discarded qubit), and an ordinary cutoff that discards now and
then does not raise it."""

import re

import pytest

import qnsim


def _tree_network(cutoff_s, formalism="bell_diagonal"):
    net = qnsim.Network(formalism, seed=3, trace=True)
    for name in "abc":
        net.add_node(name, num_memories=8, t2_s=0.1)
    for a, b in ("ab", "bc"):
        net.add_link(a, b, length_km=10.0, fidelity=0.95, rate_hz=1e4, channels=4)
    net.request("a", "c", purification="dejmps", end_to_end_purification_rounds=2, memories_per_link=4,
                cutoff_s=cutoff_s)
    return net


def _tree_need_s():
    """The cutoff the tree needs, as the request's refusal of a shorter one states it (s)."""
    with pytest.raises(qnsim.QnsimError) as refused:
        _tree_network(1e-4)
    return float(re.search(r"than the ([0-9.e-]+) s a qubit", str(refused.value)).group(1))


@pytest.mark.parametrize("formalism", ["bell_diagonal", "density_matrix"])
def test_a_tree_that_loses_most_of_its_qubits_to_the_cutoff_says_the_cutoff_sets_its_rate(formalism):
    net = _tree_network(_tree_need_s() * 1.01, formalism)
    request = net.run(until_s=0.02).requests[0]
    discarded = net.trace().events()["cutoff"]
    assert request.num_pairs >= 1
    assert discarded == request.cutoff_discards >= 10 * request.num_pairs
    note = next(n for n in request.notes if n.startswith("the cutoff may set this rate"))
    assert f"{discarded} stored qubits were discarded" in note
    assert f"for {request.num_pairs} pair(s) delivered" in note


def test_a_cutoff_that_discards_now_and_then_says_nothing_of_the_kind():
    net = _tree_network(_tree_need_s() * 2)  # 51 pairs, 4 qubits discarded
    request = net.run(until_s=0.02).requests[0]
    assert request.num_pairs > 0
    assert 0 < net.trace().events()["cutoff"] == request.cutoff_discards < 10 * request.num_pairs
    assert not any(n.startswith("the cutoff may set this rate") for n in request.notes)
