"""Trust gaps of the distributed-workload estimator closed in the eighteenth round: each test states the old answer."""

import pytest

from qnsim.estimate import Link, SurfaceCode, estimate, preset


def _one_t_one_remote_cx(rate_hz, latency_s=1e-6):
    """One T gate and one remote CX on two qubit_gate_ns_e3 QPUs (d = 9, 3.6 us cycles, a 3-cycle algorithm), over a
    link of ``rate_hz`` raw pairs/s (F = 0.999) and ``latency_s``."""
    qpus = [preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), logical_qubits=4)] * 2
    link = Link((0, 1), rate_hz=rate_hz, fidelity=0.999, latency_s=latency_s)
    return estimate("T 0\nCX 0 2\nM 0 2\n", qpus, [link], placement=[0, 0, 1, 1])


def test_a_run_the_t_factory_stretches_past_its_link_is_bound_by_the_factory():
    """The T factory's 22 us run sets the 25.2 us run whether the link makes its pairs in 12.8 us (12 MHz) or in
    0.15 us (1 GHz). Old behaviour: once the link's time passed the compute's (10.8 us) the bound read "link 0-1
    rate", though 10x the link's rate did not move the run; now it names the T factory run, and only a link slow
    enough to outlast the factory is the bound (and moves the run)."""
    slow, fast = _one_t_one_remote_cx(1.2e7), _one_t_one_remote_cx(1.2e8)
    assert slow.time_link_s > slow.time_local_s
    assert slow.wall_clock_s == fast.wall_clock_s
    factory_s = slow.error_corrected.t_factory.duration_s
    assert slow.wall_clock_s >= factory_s > slow.time_link_s + slow.time_latency_s
    assert slow.bound == fast.bound == "T factory run"
    slower = _one_t_one_remote_cx(1.2e6)
    assert "link 0-1 rate" in slower.bound
    assert slower.wall_clock_s > 5 * slow.wall_clock_s
    assert slower.wall_clock_s == pytest.approx(slower.time_link_s + slower.time_latency_s,
                                                abs=slower.error_corrected.logical_cycle_s)
