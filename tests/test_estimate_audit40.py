"""Estimate audit 40: the rate setting's leftovers (audit 37's rate line).

A calibrated link run below its rate by the operating point lost its measured rate's 95% interval: the report's note
named the rate run as if it were exact, and :func:`~qnsim.estimate.operated_links` handed
:func:`~qnsim.estimate.simulate_execution` a link without it. The operator sets the spacing of the attempts, not what
each attempt yields, so the rate run carries the interval scaled by the same factor.
"""

from __future__ import annotations

import pytest

from qnsim.estimate import QPU, Link, estimate, operated_links


def test_a_throttled_calibrated_link_keeps_its_interval_scaled_to_the_rate_run():
    """Audit 37's memory case (one channel at 1e5 pairs/s, 8 buffer pairs in 20 ms memories, run at about 2.9e3
    pairs/s), its rate now measured as 1e5 (95% 9e4 to 1.15e5). Old behaviour: the note named the rate run without an
    interval and operated_links' link had ``rate_interval95 = None``: a measured rate reported and simulated as exact.
    """
    qpu = QPU(num_qubits=1, e_1q=0, e_2q=0, e_meas=0, t_1q_s=1e-3)
    workload = "REPEAT 100 {\nCX 0 1\nH 0\n}"
    link = Link(
        (0, 1),
        rate_hz=1e5,
        fidelity=0.999,
        buffer_pairs=8,
        memory_t1_s=0.02,
        memory_t2_s=0.02,
        rate_interval95=(9e4, 1.15e5),
    )
    report = estimate(workload, [qpu, qpu], [link], placement=[0, 1], target_fidelity=0.95, error_budget=0.5)
    lr = report.links[0]
    assert lr.rate_interval95 == [9e4, 1.15e5]  # The hardware's, as measured.
    active = lr.active_rate_hz
    assert active is not None and active < 1e4
    (run,) = operated_links(report, [link])
    assert run.rate_hz == active
    assert run.rate_interval95 == pytest.approx((0.9 * active, 1.15 * active), rel=1e-12)
    note = next(n for n in report.notes if "below its 1e+05" in n)
    low, high = run.rate_interval95
    assert f"run at {active:.4g} pairs/s (95% interval {low:.4g} to {high:.4g}), below its" in note


def test_a_faster_link_never_fails_the_error_budget_the_slower_one_meets():
    """Audit 37's generator, seed 26: 17 CX on physical QPUs over a link of 1,983 pairs/s and 5 buffer pairs in
    20.8 ms memories, target F 0.903, error budget 0.9. Old behaviour: the link 11.4 times faster met the target at use
    (F 0.914), so the search kept it as given (full buffer, older pairs): 1.46 expected remote faults, infeasible on
    the budget where the slower link passed with 0.367. The budget now judges each operating point's pairs too."""
    qpu = QPU(num_qubits=2, e_1q=0, e_2q=0, e_meas=0, t_1q_s=0.00031230758528628526)
    text = "REPEAT 17 {\nCX 0 1\nH 0\n}"
    spec = dict(
        fidelity=0.9953857423600696,
        buffer_pairs=5,
        memory_t1_s=0.02084369127904172,
        memory_t2_s=0.02084369127904172,
        latency_s=2.1329751792745443e-05,
    )
    options = dict(target_fidelity=0.9033389024318286, error_budget=0.9, max_runtime_s=0.19644159085304475)
    reports = [
        estimate(text, [qpu, qpu], [Link((0, 1), rate_hz=rate, **spec)], placement=[0, 1], **options)
        for rate in (1983.2322861005073, 1983.2322861005073 * 11.396012598625333)
    ]
    assert reports[0].feasible
    assert reports[1].feasible, reports[1].reasons
    assert reports[1].error_budget.remote_used <= 0.9
