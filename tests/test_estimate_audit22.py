"""Trust gaps of the distributed-workload estimator closed in the twenty-second round: each test states the old answer."""

import pytest

from qnsim.estimate import QPU, Link, estimate, operated_links, operated_purification_rounds, simulate_execution

_FAST = "REPEAT 400 {\nCX 0 1\n" + "H 0\n" * 2 + "}\n"  # A remote CX each 0.2 ms (1e-4 s one-qubit gates),
_SLOW = "REPEAT 400 {\nCX 0 1\n" + "H 0\n" * 21 + "}\n"  # then one each 2.1 ms.
_QPUS = [QPU(t_1q_s=1e-4, e_1q=0.0, e_2q=0.0, e_meas=0.0)] * 2
_LINKS = [Link((0, 1), rate_hz=2000, fidelity=0.95, latency_s=1e-5, memory_t1_s=0.2, memory_t2_s=0.2)]


def _phased(workload):
    return estimate(workload, _QPUS, _LINKS, placement=[0, 1], target_fidelity=0.9, error_budget=0.9)


def test_a_run_whose_phases_use_pairs_at_different_paces_is_judged_at_its_worst_phase():
    """400 remote CX a pair each 0.2 ms, then 400 a pair each 2.1 ms, over a 2 kHz link with 0.2 s memories and a
    0.9 target. Old behaviour: the storage wait took the run's mean pace; the estimate ran a 6-pair buffer and read
    F = 0.9066 at use ("meets the target"), where the simulation of that buffer used the slow phase's pairs at 0.871
    (they wait out the full buffer at the slow pace). Now each phase (top-level block) is priced at its own pace and
    the target judged at the worst: a 3-pair buffer, the slow phase's pairs 0.9106 priced and 0.9107 simulated."""
    report = _phased(_FAST + _SLOW)
    (lr,) = report.links
    assert lr.fidelity_at_use >= 0.9
    # The slow phase alone is priced the same: the worst phase sets the figure.
    assert lr.fidelity_at_use == pytest.approx(_phased(_SLOW).links[0].fidelity_at_use, abs=1e-3)
    (note,) = [n for n in report.notes if n.startswith("link 0-1: pairs wait")]
    assert "phase whose pairs are used at the lowest F" in note and "0.5 of its pairs wait" in note
    links = operated_links(report, _LINKS)
    kw = {"placement": [0, 1], "target_fidelity": 0.9, "seed": 3,
          "purification_rounds": operated_purification_rounds(report)}
    both = simulate_execution(_FAST + _SLOW, _QPUS, links, **kw)
    fast = simulate_execution(_FAST, _QPUS, links, **kw)
    n_both, n_fast = both.pairs_consumed[(0, 1)], fast.pairs_consumed[(0, 1)]
    slow_at_use = (both.mean_fidelity_at_use[(0, 1)] * n_both
                   - fast.mean_fidelity_at_use[(0, 1)] * n_fast) / (n_both - n_fast)
    assert slow_at_use >= 0.9
    assert slow_at_use == pytest.approx(lr.fidelity_at_use, abs=3e-3)


def test_an_even_pace_is_said_where_phases_are_not_known():
    """A streamed count has no phases: the storage wait takes the run's mean pace. Old behaviour: said nowhere. Now
    the wait's note says the figure assumes an even pace."""
    from qnsim.estimate.workload import GateCounts, Workload

    counts = Workload(_FAST + _SLOW).counts
    assert isinstance(counts, GateCounts)
    report = estimate(counts, _QPUS, _LINKS, placement=[0, 1], target_fidelity=0.9, error_budget=0.9)
    (note,) = [n for n in report.notes if n.startswith("link 0-1: pairs wait")]
    assert "assumes the run uses the link's pairs at an even pace" in note
    # A circuit of one phase has nothing to say.
    one = _phased(_SLOW)
    (note,) = [n for n in one.notes if n.startswith("link 0-1: pairs wait")]
    assert "even pace" not in note and "phase" not in note
