"""Counterexamples found by running the estimator's and the QEC model's hypothesis tests far past their CI examples.

The method of round 1 (test_hypothesis_round1.py) over the files it skipped, tests/test_estimate*.py and
tests/test_qec*.py: each hypothesis test run alone with -n0, thousands of examples instead of CI's tens, not
derandomized, under random seeds (`--hypothesis-seed=N`). Each test here replays one example such a run found,
checked against an oracle independent of the code under test; a defect not fixed yet is a strict xfail that says
what the fix is.
"""

import pytest

from qnsim.estimate import QPU, Link, estimate, simulate_execution


def _relay_choice(direct_latency_s):
    """test_estimate_audit45's better-link property, seed 1: four gates over three QPUs, qubit 3 on QPU 2, the
    others on QPU 0. QPU pair 0-2 has a direct link of 1 kHz and F = 0.9 and a relay route over two 100 kHz
    links of F = 0.99 (1 us of latency on the second hop); ``direct_latency_s`` None leaves the direct link out."""
    qpu = QPU(t_1q_s=5e-8, t_2q_s=5e-8, e_1q=1e-4, e_2q=1e-4, e_meas=1e-4)
    links = [Link((0, 1), rate_hz=1e5, fidelity=0.99), Link((1, 2), rate_hz=1e5, fidelity=0.99, latency_s=1e-6)]
    if direct_latency_s is not None:
        links.append(Link((0, 2), rate_hz=1e3, fidelity=0.9, latency_s=direct_latency_s))
    return estimate("CX 0 1\nCX 0 1\nCX 3 0\nH 0\n", [qpu] * 3, links, placement=[0, 0, 0, 2], error_budget=1e-3)


@pytest.mark.xfail(
    strict=True,
    reason="the estimate tries a relay route only around a direct link the route beats "
    "on every count, so a link made better on one count leaves the trial",
)
def test_halving_a_slow_direct_links_latency_does_not_lengthen_the_run():
    """With 1 us of latency the route matches the direct link's latency and beats its rate (100 kHz against
    1 kHz) and fidelity (two swapped pairs of 0.99, ~0.98, against 0.9): the link is dominated and the run takes
    the route, one pair at 100 kHz (16 us). Halve the direct link's latency (0.5 us) and it is no longer
    dominated, so the route is never tried: the run waits a millisecond for a 1 kHz pair of F = 0.9 (1.0 ms, 0.10
    expected remote faults against 0.02). A better link must not make the run longer nor faultier. The oracle:
    the same job without the direct link, over the route alone (no dominance rule involved), is a run the
    estimate can choose whatever the direct link's figures; the slower link's estimate is that run, the quicker
    link's must be no worse.

    Fix (estimator.py, _around_dominated_links): the trial run without direct links should not depend on the
    direct links' own figures. Besides the dominated set, try the run without every direct link the run uses that
    has a relay route at all (the run decides by _better, as it does now for dominated ones); the note then says
    "relay routes serve the run better than ..." for a link that is not dominated. The answer is then the better
    of a run that improves with the link and one that does not use it, so it never worsens as the link improves.
    The cost: one more run whenever a used direct link has a route around it (every link of a ring or a grid).
    Tried as such (commit 432d2bdd, reverted): this test and 73 estimator test files passed, but 3,000 random
    examples of audit 45 (seed 8) then broke two other relations, as the choice now turns on the whole run: one
    CX 0 1 over three 1 kHz / 100 kHz links ran longer than ten of them (fewer gates, longer run) and took 6
    physical qubits against 4, and dropping a runtime limit changed the wall clock. The fix needs a choice that is
    monotone in the workload as well (e.g. per QPU pair, by the pair's own route figures against its link's)."""
    route, slow, quick = _relay_choice(None), _relay_choice(1e-6), _relay_choice(5e-7)
    assert [lr.route for lr in route.links] == [lr.route for lr in slow.links] == [[0, 1, 2]]
    assert slow.wall_clock_s == route.wall_clock_s
    assert quick.wall_clock_s <= route.wall_clock_s * (1 + 1e-5)
    assert quick.remote_error_expected <= route.remote_error_expected * (1 + 1e-9)


def _frame_runs(body, latency_s, seeds=0):
    """Ten repetitions of ``body`` over one 1 kHz link of F = 0.9 (qubit 0 on QPU 0, qubit 1 on QPU 1): the
    estimate's wall clock and, with ``seeds``, the mean of as many simulations (s)."""
    qpus = [QPU(t_2q_s=5e-8, e_1q=1e-4, e_2q=1e-4, e_meas=1e-4)] * 2
    links = [Link((0, 1), rate_hz=1e3, fidelity=0.9, latency_s=latency_s)]
    text = f"REPEAT 10 {{\n{body}\n}}"
    report = estimate(text, qpus, links, placement=[0, 1], error_budget=1e-3)
    sims = [simulate_execution(text, qpus, links, placement=[0, 1], seed=s).wall_clock_s for s in range(seeds)]
    return report.wall_clock_s, (sum(sims) / seeds if seeds else None)


def test_a_gate_dropped_from_a_repeated_body_may_lengthen_the_run_through_its_pauli_frames():
    """test_estimate_audit45's fewer-gates property, seed 4 (a test defect: the property now judges the run's
    length on prefixes, and on a repeated body without its last gate only over links without latency). The one
    pair the cat entangler shares leaves an unknown X on qubit 1 after each CX until its message arrives; a T on a
    frame holding an X waits for it. (CX; H; T; H) turns the frame's Z back to the X the next CX cancels; (CX; H;
    T) leaves Z, the next CX makes it Y, and the T waits. So dropping the last H lengthens the run over a 1 us
    link, in the estimate and in simulate_execution alike (the oracle: an event-by-event simulation, same
    direction, its local part the same 1.8 us apart), and without latency the shorter body is the shorter run."""
    longer_body, shorter_body = "CX 0 1\nH 1\nT 1\nH 1", "CX 0 1\nH 1\nT 1"
    est_long, sim_long = _frame_runs(longer_body, 1e-6, seeds=4)
    est_short, sim_short = _frame_runs(shorter_body, 1e-6, seeds=4)
    assert est_short > est_long and sim_short > sim_long
    assert est_short - est_long == pytest.approx(sim_short - sim_long, rel=1e-6)
    assert _frame_runs(shorter_body, 0.0)[0] < _frame_runs(longer_body, 0.0)[0]


def _shared_link_run(latency_s, seeds=0):
    """test_estimate_audit45's better-link property, seed 8: ten times (H 3; CX 0 1; CX 3 0; H 0), qubits 0 and 2
    on QPU 0, 1 on QPU 1, 3 on QPU 2, over a 100 kHz link 0-1 of ``latency_s`` and a 10 MHz link 1-2 with 100 us
    of latency: link 0-1 carries the ten pairs of QPU pair 0-1 and the ten of route 0-1-2. The estimate's wall
    clock and, with ``seeds``, the mean of as many simulations (s)."""
    qpus = [QPU(t_2q_s=5e-8, e_1q=1e-4, e_2q=1e-4, e_meas=1e-4)] * 3
    links = [
        Link((0, 1), rate_hz=1e5, fidelity=0.9, latency_s=latency_s),
        Link((1, 2), rate_hz=1e7, fidelity=0.9, latency_s=1e-4),
    ]
    text = "REPEAT 10 {\nH 3\nCX 0 1\nCX 3 0\nH 0\n}"
    report = estimate(text, qpus, links, placement=[0, 1, 0, 2], error_budget=1e-3)
    sims = [simulate_execution(text, qpus, links, placement=[0, 1, 0, 2], seed=s).wall_clock_s for s in range(seeds)]
    return report.wall_clock_s, (sum(sims) / seeds if seeds else None)


def test_a_shared_links_last_pair_and_its_message_end_the_run_whether_or_not_the_link_binds():
    """Link 0-1's 20 raw pairs take 200 us at its rate; the last of them is then used by a remote gate whose message
    follows. Old behaviour: that floor (the link's time plus its gate's message) was priced only while the link's
    time exceeded the schedule's critical path; the critical path grows with latency and passes 200 us near 97 us
    of latency, so 95 us of latency read 395 us and 100 us read 300 us (the route's own ten pairs at the full rate
    plus its message), and halving 100 us lengthened the run (the property's counterexample: 300 us against 350
    us). The oracle: simulate_execution (pairs served in demand order) ends near 401 us at 100 us, 396 us at 95
    us; the estimate must not fall from the one to the other as latency grows, nor below the simulation beyond its
    noise."""
    walls = [_shared_link_run(lat)[0] for lat in (5e-5, 9e-5, 9.5e-5, 9.9e-5, 1e-4, 1.5e-4)]
    assert walls == sorted(walls), walls
    # The simulation's link makes its 20 raw pairs at Poisson times: the 20th comes sqrt(20) / 100 kHz (45 us) either
    # side of 200 us, so the mean of 40 runs is within 4 sigma, 28 us, of its expectation.
    est, sim = _shared_link_run(1e-4, seeds=40)
    assert est >= sim - 4 * 20**0.5 / 1e5 / 40**0.5, (est, sim)
