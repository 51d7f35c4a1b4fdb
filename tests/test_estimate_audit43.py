"""Round forty-three of the distributed-workload estimator (helper est47): a pair's storage wait runs from when it is
made to when the schedule USES it. Before, a run of n pairs was priced as n uses one ``compute_s / n`` apart, the
first at the end of the run's first interval, so a run's only pair, used at its first CX (t = 0), read as waiting
the whole run. Now the schedule's first use of each direct link (``first_use_s`` of the native counter) prices the
first pair (made from the run's start, used then) and the others fall evenly from it to the run's end, for runs of no
more pairs than the buffer holds. Each test states the old behaviour it guards and is checked against
simulate_execution (the simulation's mean over seeds, within 3 standard errors)."""

import math
import statistics

import physics_oracles as po
import pytest

from qnsim.estimate import QPU, Link, Workload, estimate, operated_links, simulate_execution

_IDEAL = dict(e_1q=0.0, e_2q=0.0, e_meas=0.0, e_t=0.0)
_Q = QPU(num_qubits=1, **_IDEAL)


def _simulated(work, links, cat, seeds=20):
    """(mean, standard error) over ``seeds`` seeds of the simulated mean fidelity at use of link 0-1's pairs."""
    fs = [simulate_execution(work, [_Q, _Q], links, placement=[0, 1], cat_entangler=cat, seed=s)
          .mean_fidelity_at_use[(0, 1)] for s in range(seeds)]
    return statistics.mean(fs), statistics.stdev(fs) / math.sqrt(seeds)


def _estimated(work, link, cat, **options):
    return estimate(work, [_Q, _Q], [link], placement=[0, 1], cat_entangler=cat, **options)


def _stored_f(wait_s, t_s):
    """F of a perfect pair after ``wait_s`` seconds in memories of T1 = T2 = ``t_s`` at both ends."""
    decay = math.exp(-2 * wait_s / t_s)
    return (1 + decay) / 4 + decay / 2


def test_a_shared_pair_used_at_the_start_is_made_on_demand():
    """10^4 remote CX sharing one cat-entangled pair over a 1e5 pairs/s link into 10 ms memories (the 10^12-CX run of
    audit 32 with every time scaled by 1e-8). Old: the pair waited a one-pair buffer's steady wait over the whole
    run (0.49 ms), F 0.93 at use. The schedule uses it at t = 0: made on demand, F 1 (the simulation's too)."""
    work = "REPEAT 10000 {\n CX 0 1\n}\nM 0 1\n"
    link = Link((0, 1), rate_hz=1e5, fidelity=1.0, memory_t1_s=1e-2, memory_t2_s=1e-2)
    r = _estimated(work, link, True)
    (lr,) = r.links
    assert lr.bell_pairs == 1 and r.feasible
    assert any(n.startswith("link 0-1: pairs wait 0 s in memory") for n in r.notes), r.notes
    mean, err = _simulated(work, operated_links(r, [link]), True)
    assert lr.fidelity_at_use == pytest.approx(mean, abs=3 * err + 1e-9) and lr.fidelity_at_use == 1.0


def test_a_pair_used_after_local_work_waits_from_the_runs_start_to_its_use():
    """One remote CX after 1,000 local H (50 us) and before 1,000 more, over a 1 MHz link (64 buffer places, the
    default) into 1 ms memories. The link makes the pair ~1 us into the run and it waits in the buffer until the
    CX: lead - (1 - exp(-r lead)) / r = 49 us, F 0.930 (old: a pair per 100 us interval, F 0.865). The
    simulation agrees within its error."""
    work = "REPEAT 1000 {\n H 0\n}\nCX 0 1\nREPEAT 1000 {\n H 0\n}\nM 0 1\n"
    link = Link((0, 1), rate_hz=1e6, fidelity=1.0, memory_t1_s=1e-3, memory_t2_s=1e-3)
    r = _estimated(work, link, False, error_budget=0.5)
    (lr,) = r.links
    lead = 1000 * _Q.t_1q_s
    assert lr.fidelity_at_use == pytest.approx(_stored_f(lead - (1 - math.exp(-1e6 * lead)) / 1e6, 1e-3), abs=1e-9)
    mean, err = _simulated(work, operated_links(r, [link]), False)
    assert abs(lr.fidelity_at_use - mean) <= 3 * err + 2e-4, (lr.fidelity_at_use, mean, err)


def test_a_few_pairs_used_early_price_the_first_fresh_and_stay_conservative():
    """Three remote CX at the run's start, then 3,000 local H (150 us), over a 1 MHz link (64 places) into 1 ms
    memories. Old: each of the 3 pairs waited a 3-pair buffer's steady wait at one use per 50 us (F 0.8066). Now the
    first, used at t = 0, is fresh: (1 + 2 x 0.8066) / 3 = 0.871. The simulation uses all three within ~3 us of
    being made (F 1.0): the other two are still priced at the even pace (the schedule's last use is not yet known
    to the estimate), so the price stays below it: since the buffer's filling is priced, at 0.932."""
    work = "REPEAT 3 {\n CX 0 1\n}\nREPEAT 3000 {\n H 0\n}\nM 0 1\n"
    link = Link((0, 1), rate_hz=1e6, fidelity=1.0, memory_t1_s=1e-3, memory_t2_s=1e-3)
    r = _estimated(work, link, False, error_budget=0.5)
    (lr,) = r.links
    tau = r.time_local_s / 3
    rest = _stored_f(3 * tau - 1e-6, 1e-3)
    # Since the buffer's filling is priced, the second and third pairs wait one and two uses' worth (tau - 1/r
    # each), not the 3-pair buffer's full wait: F 0.932, nearer the simulation's 1.0 and still below it.
    waits = po.buffer_filling_waits(3, tau, 1e6, 3 * tau - 1e-6)
    assert lr.fidelity_at_use == pytest.approx(statistics.fmean(_stored_f(w, 1e-3) for w in waits), abs=2e-4)
    assert lr.fidelity_at_use > (1 + 2 * rest) / 3 + 0.05
    mean, err = _simulated(work, operated_links(r, [link]), False)
    assert lr.fidelity_at_use <= mean


def test_pairs_used_evenly_after_local_work_are_paced_from_the_first_use():
    """Local work of 50 us, then 3 remote CX 50 us apart, the last followed by 50 us more, over a 1 MHz link (64
    places) into 1 ms memories. Old: one use per 66.7 us (200 us over 3 pairs), F 0.754 for each. Now the first
    pair waits its 49 us lead (F 0.930) and the others one use per 50 us from it. Priced below the simulation (the
    simulated FIFO buffer's pairs age from its start; priced at its steady wait) and above the old price."""
    work = "REPEAT 1000 {\n H 0\n}\nREPEAT 3 {\n CX 0 1\n REPEAT 1000 {\n H 0\n }\n}\nM 0 1\n"
    link = Link((0, 1), rate_hz=1e6, fidelity=1.0, memory_t1_s=1e-3, memory_t2_s=1e-3)
    r = _estimated(work, link, False, error_budget=0.9)
    (lr,) = r.links
    old = _stored_f(3 * r.time_local_s / 3 - 1e-6, 1e-3)
    mean, err = _simulated(work, operated_links(r, [link]), False)
    assert old < lr.fidelity_at_use <= mean


def test_the_search_does_not_slow_a_link_for_a_wait_that_does_not_exist():
    """The 10^12-CX run of audit 32 (one cat-entangled pair, a 1e-3 pairs/s link, 1e6 s memories) under a
    max_runtime_s of 1e5 s. Old: infeasible as given (F 0.93 at use, 0.07 faults against 1e-3); the operating-point
    search slowed the link 37x to 5.4e-7 pairs/s and the run read 1.9e6 s, over the limit. Now the pair is used as
    made, the link runs as given and the run takes 5.1e4 s."""
    link = Link((0, 1), rate_hz=1e-3, fidelity=1.0, memory_t1_s=1e6, memory_t2_s=1e6)
    r = estimate("REPEAT 1000000000000 {\n CX 0 1\n}\nM 0 1\n", [_Q, _Q], [link], max_runtime_s=1e5)
    (lr,) = r.links
    assert lr.active_rate_hz is None and lr.active_buffer_pairs is None
    assert r.feasible and r.wall_clock_s < 1e5 and lr.fidelity_at_use == 1.0, r.reasons
    assert not any("more would only age buffered pairs" in n for n in r.notes), r.notes


def _first_use(text, schedule=True):
    """The native counter's first_use_s for ``text`` on 3 QPUs (qubit q on QPU q), t_1q = 1, t_2q = 2, t_meas =
    t_reset = 3, remote gates of 5 and byproducts known 7 after they start (arbitrary units)."""
    k = 3
    remote = [0.0 if a == b else 5.0 for a in range(k) for b in range(k)]
    frame = [0.0 if a == b else 7.0 for a in range(k) for b in range(k)]
    placed = Workload(text)._placed([0, 1, 2], k, [1.0] * k, [2.0] * k, [3.0] * k, [3.0] * k, remote, frame,
                                    schedule=schedule, progress=None)
    return placed["first_use_s"]


def test_the_schedule_gives_each_qpu_pairs_first_use():
    """The estimate reads when each QPU pair's first pair is used from the native schedule: a remote CX after 1,000
    local H on its control (t = 1000), a CCZ's remote copy after ten 5-unit remote CX (1050), the first REPEAT
    iteration's remote CX after its nested 3 H (3) and a CCZ after 10^5 iterations the counter extrapolates (8e5).
    Without a schedule (error-corrected runs) there is none, and the estimate keeps the even pace."""
    assert _first_use("REPEAT 1000 {\n H 0\n}\nREPEAT 10 {\n CX 0 1\n}\nCCZ 0 1 2\nMPP X0*Z2\n") == {
        (0, 1): 1000.0, (0, 2): 1050.0}
    assert _first_use("REPEAT 100000 {\n H 0\n REPEAT 3 {\n H 2\n }\n CX 2 1\n}\nCCZ 1 0 2\n") == {
        (1, 2): 3.0, (0, 1): 800000.0}
    assert _first_use("CX 0 1\n", schedule=False) == {}
