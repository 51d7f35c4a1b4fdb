"""Links between the distributed-workload estimator and its simulation closed in the fourteenth round: each test
states the old answer."""

import dataclasses

import pytest

from qnsim.estimate import (
    QPU,
    Link,
    estimate,
    operated_links,
    operated_purification_rounds,
    purification_plan,
    simulate_execution,
)

QPUS = [QPU(num_qubits=2, e_1q=0.0, e_2q=0.0, e_meas=0.0, t_1q_s=1e-5)] * 2
TEXT = "REPEAT 300 {\nCX 0 2\nH 0\nH 0\nH 2\n}"
KW = {"placement": [0, 0, 1, 1], "error_budget": 0.9, "target_fidelity": 0.99}
STORED = Link((0, 1), rate_hz=4e5, fidelity=0.95, latency_s=1e-5, memory_t1_s=0.05, memory_t2_s=0.05)


def test_the_simulation_runs_the_purification_rounds_the_estimate_priced():
    """A 4e5 pairs/s link of F = 0.95 with 0.05 s memories, target 0.99: the estimate prices 3 rounds (7 ms,
    F = 0.9975 at use: 2 rounds reach 0.99 when made, but the pairs decay below it in the buffer), while
    simulate_execution with operated_links chose its rounds by the fidelity when made: 2 rounds, ~6.2 ms, pairs used
    at 0.969 on average, below the target, and nothing said so (first found at 2.29e5 pairs/s, where since the
    buffer's filling is priced the estimate too takes 2 rounds: F 0.9917 at use, simulated 0.9932 on average over
    seeds 0-5, seed 2 at 0.98716). The estimate's rounds are
    handed over (operated_purification_rounds, as operated_buffer_pairs hands its buffers), and a link whose pairs
    are used below the target on average gets a note."""
    report = estimate(TEXT, QPUS, [STORED], **KW)
    assert report.links[0].purification_rounds == 3
    rounds = operated_purification_rounds(report)
    assert rounds == {(0, 1): 3}
    links = operated_links(report, [STORED])
    run = simulate_execution(
        TEXT, QPUS, links, placement=KW["placement"], target_fidelity=0.99, seed=2, purification_rounds=rounds
    )
    # The estimate's pairs sit 1.5e-3 below the simulation's here (a link about as fast as its consumers: the
    # buffer's random walk priced by its mean wait, below the mean decay), the conservative side.
    assert 0 <= run.mean_fidelity_at_use[(0, 1)] - report.links[0].fidelity_at_use <= 2e-3
    assert 0.8 * report.wall_clock_s <= run.wall_clock_s <= 1.2 * report.wall_clock_s
    assert run.notes == []
    # Two rounds given (round 15 made the default the estimate's rounds, test_estimate_audit15): used below it, said.
    plain = simulate_execution(TEXT, QPUS, links, placement=KW["placement"], target_fidelity=0.99, seed=2,
                               purification_rounds={(0, 1): 2})
    assert plain.mean_fidelity_at_use[(0, 1)] < 0.99
    (note,) = plain.notes
    assert note.startswith("link 0-1: its pairs were used at F = 0.9") and "below the target_fidelity 0.99" in note


def test_purification_rounds_are_checked():
    """The rounds handed to the simulation are checked: too few to reach the target when made, a QPU pair that
    makes no pairs, rounds without a target and bad values are refused by name."""
    sim = dict(placement=KW["placement"], target_fidelity=0.99)
    with pytest.raises(ValueError, match=r"purification_rounds\[\(0, 1\)\] = 1, but its pairs need 2 rounds"):
        simulate_execution(TEXT, QPUS, [STORED], purification_rounds={(0, 1): 1}, **sim)
    with pytest.raises(ValueError, match=r"names QPU pair \(0, 2\), which makes no pairs here"):
        simulate_execution(TEXT, QPUS, [STORED], purification_rounds={(2, 0): 3}, **sim)
    with pytest.raises(ValueError, match="purification_rounds needs a target_fidelity"):
        simulate_execution(TEXT, QPUS, [STORED], placement=KW["placement"], purification_rounds={(0, 1): 3})
    with pytest.raises(ValueError, match=r"purification_rounds\[\(0, 1\)\] must be"):
        simulate_execution(TEXT, QPUS, [STORED], purification_rounds={(0, 1): -1}, **sim)
    with pytest.raises(TypeError, match="purification_rounds maps QPU pairs"):
        simulate_execution(TEXT, QPUS, [STORED], purification_rounds=3, **sim)
    # purification_plan's min_rounds: at least that many rounds, the fidelity they reach.
    assert purification_plan(0.95, 0.99).rounds == 2
    assert purification_plan(0.95, 0.99, min_rounds=3).rounds == 3
    assert purification_plan(0.995, 0.99, min_rounds=1).rounds == 1
    with pytest.raises(ValueError, match="min_rounds=1 needs a target_fidelity"):
        purification_plan(0.95, None, min_rounds=1)


def test_a_link_too_slow_for_its_pairs_to_survive_states_the_need_a_faster_link_meets():
    """The same run over a 1 kHz link (F = 0.95, 0.05 s memories, target 0.99): its pairs wait so long for their
    partners that no rounds reach 0.99, and "what each link must deliver" read need/s "inf" (no check ran from an
    infinite need), though a faster link would do. The need check now starts from the rounds' raw pairs without
    decay and states the need the re-estimates find: the one a 1e4 pairs/s link is told, where a link of that rate
    keeps the gates' pace."""
    slow = dataclasses.replace(STORED, rate_hz=1e3)
    report = estimate(TEXT, QPUS, [slow], **KW)
    assert not report.feasible and "cannot be purified to 0.99 while its pairs wait" in report.reasons[0]
    need = report.links[0].required_rate_hz
    assert need == pytest.approx(
        (ten := estimate(TEXT, QPUS, [dataclasses.replace(STORED, rate_hz=1e4)], **KW))._delivery(ten.links[0])[0], rel=0.01
    )
    assert report._delivery(report.links[0])[0] == need
    (note,) = [n for n in report.notes if n.startswith("link 0-1 must deliver")]
    assert f"must deliver {need:.3g} raw pairs/s, though as given (1e+03 pairs/s) its pairs cannot reach" in note
    built = estimate(TEXT, QPUS, [dataclasses.replace(slow, rate_hz=need)], **KW)
    # Audit 55: its buffer's filling at the need's pace stalls the gates (6.37 ms priced; audit 13's link of this
    # need: 6.20 ms +- 0.03 simulated, 6.07 ms priced before, short).
    assert built.wall_clock_s <= 1.07 * (built.time_local_s + built.time_latency_s)
    # Its own fixed point (the link of that rate meets it: no required rate is stated for it, its need is the same).
    assert built._delivery(built.links[0])[0] == pytest.approx(need, rel=0.01)


def test_a_run_that_waits_for_its_first_pair_needs_a_link_that_makes_it_soon():
    """500 remote CX sharing one pair (a cat-entangler) over a physical link without memory times, which the need
    check does not estimate again (the pairs and the run's own time do not depend on its rate): "what each link
    must deliver" read need 199 pairs/s, margin 0.99x at 199 pairs/s, where the run took 10 ms, twice its gates'
    5 ms (it waits for its one pair, 5 ms in), and a link built to the need did the same. The need now includes the
    rate at which the first pair comes within 5% of the run's own time, and a link of that rate keeps its pace."""
    qpus = [QPU(num_qubits=4, e_1q=0.0, e_2q=0.0, e_meas=0.0, t_1q_s=1e-5)] * 2
    text = "REPEAT 500 {\nCX 0 2\nH 2\n}"
    kw = {"placement": [0, 0, 1, 1], "error_budget": 0.99}
    report = estimate(text, qpus, [Link((0, 1), rate_hz=199, fidelity=0.999)], **kw)
    assert report.wall_clock_s > 1.9 * report.time_local_s
    need, _gives, margin, *_ = report._delivery(report.links[0])
    assert need == pytest.approx(1 / (0.05 * report.time_local_s)) and margin == pytest.approx(199 / need)
    built = estimate(text, qpus, [Link((0, 1), rate_hz=need, fidelity=0.999)], **kw)
    assert built.wall_clock_s <= 1.05 * built.time_local_s
    assert built._delivery(built.links[0])[2] == pytest.approx(1.0, rel=1e-3)
