"""Trust gaps of the distributed-workload estimator closed in the twenty-third round: each test states the old answer."""

import pytest

from qnsim.estimate import (
    QPU,
    Link,
    estimate,
    operated_buffer_pairs,
    operated_links,
    operated_purification_rounds,
    relay_cycle_s,
    simulate_execution,
)

_FAST = "REPEAT 400 {\nCX 0 1\n" + "H 0\n" * 2 + "}\n"  # A remote CX each 0.2 ms (1e-4 s one-qubit gates),
_SLOW = "REPEAT 400 {\nCX 0 1\n" + "H 0\n" * 21 + "}\n"  # then one each 2.1 ms.
_QPUS = [QPU(t_1q_s=1e-4, e_1q=0.0, e_2q=0.0, e_meas=0.0)] * 2


def _relay(**memory):
    """QPU 0 to QPU 1 through relay node 2, two 4 kHz hops (a route pair each 0.375 ms on average)."""
    return [Link((0, 2), rate_hz=4000, fidelity=0.99, **memory), Link((2, 1), rate_hz=4000, fidelity=0.99, **memory)]


@pytest.mark.parametrize("memory", [{}, {"memory_t1_s": 1.0, "memory_t2_s": 1.0}])
def test_a_relay_routes_time_takes_each_phase_at_its_own_pace(memory):
    """400 remote CX a pair each 0.2 ms, then 400 each 2.1 ms, over relay route 0-2-1 (a pair each 0.375 ms): the
    fast phase is route-bound (0.15 s), the slow one runs its own 0.84 s. Old behaviour: the route's time took the
    run's mean pace (0.3 s, or its throttled buffer's 0.92 s) and the run read 0.920 s, bound "local compute", where
    the simulation takes 0.987 s; a direct link's time was priced per phase since round 22. Now each phase at its own
    pace, added (with memories, the throttled end buffer's time too): within 1% of the simulation, bound by the
    route."""
    links = _relay(**memory)
    kw = {"target_fidelity": 0.9} if memory else {}
    report = estimate(_FAST + _SLOW, _QPUS, links, placement=[0, 1], error_budget=0.9, **kw)
    (lr,) = report.links
    assert lr.route == [0, 2, 1]
    simulated = simulate_execution(_FAST + _SLOW, _QPUS, operated_links(report, links), placement=[0, 1], seed=1,
                                   purification_rounds=operated_purification_rounds(report),
                                   buffer_pairs=operated_buffer_pairs(report), **kw)
    assert report.wall_clock_s == pytest.approx(simulated.wall_clock_s, rel=0.01)
    assert report.bound.startswith("route 0-2-1")
    # One phase alone is priced as before: its pace is the run's.
    fast = estimate(_FAST, _QPUS, links, placement=[0, 1], error_budget=0.9, **kw)
    assert fast.wall_clock_s == pytest.approx(400 * relay_cycle_s([4000, 4000]), rel=1e-9)

