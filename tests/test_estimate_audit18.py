"""Trust gaps of the distributed-workload estimator closed in the eighteenth round: each test states the old answer."""

import pytest

from qnsim.estimate import Link, SurfaceCode, estimate, preset


def _one_t_one_remote_cx(rate_hz, latency_s=1e-6, text="T 0\nCX 0 2\nM 0 2\n"):
    """One T gate (unless ``text`` says otherwise) and one remote CX on two qubit_gate_ns_e3 QPUs (d = 9, 3.6 us
    cycles, a 3-cycle algorithm), over a link of ``rate_hz`` raw pairs/s (F = 0.999) and ``latency_s``."""
    qpus = [preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), logical_qubits=4)] * 2
    link = Link((0, 1), rate_hz=rate_hz, fidelity=0.999, latency_s=latency_s)
    return estimate(text, qpus, [link], placement=[0, 0, 1, 1])


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


def test_a_latency_bound_run_that_takes_a_larger_distance_lasts_its_round_trips():
    """One remote CX (no T gate) whose round trips (0.56 to 0.60 s) stretch the run past d = 15's budget is sized
    again at d = 17. Old behaviour: the retry kept the cycle count that exhausted d = 15 as the run's floor, so the
    run was 0.6296 s whatever the latency (0.28, 0.29 or 0.30 s per way; 10,238 cycles too many at 0.28 s), "bound:
    classical latency" though the latency did not move it; now the run is its compute and latency, to the cycle."""
    runs = []
    for latency_s in (0.28, 0.30):
        report = _one_t_one_remote_cx(1e9, latency_s, text="CX 0 2\nM 0 2\n")
        assert report.error_corrected.code_distance == 17 and report.bound == "classical latency"
        busy_s = max(report.time_local_s, report.time_link_s) + report.time_latency_s
        assert busy_s <= report.wall_clock_s < busy_s + report.error_corrected.logical_cycle_s
        runs.append(report.wall_clock_s)
    assert runs[1] - runs[0] == pytest.approx(2 * 0.02, rel=1e-3)


def test_a_run_its_links_buffer_alone_holds_back_names_the_buffer_not_the_rate():
    """1,000 remote CX (with T gates) over a 1 GHz link of F = 0.99, its 64 buffer_pairs holding the pairs under way
    for their rounds' messages (3 us latency: at 1 us, since the remote model's ln q x ln p bend term (qec audit 16),
    one purification round meets the remote budget, 3.20e-7 of 3.3e-7, where three did, and the buffer costs only
    1 ms over the compute's 6 ms, too little for the 10x-buffer check). Old behaviour: "bound: link 0-1
    rate and buffer (64 pairs)", and its runtime fix "more buffer_pairs ..., more link channels or a faster link",
    though 10x the rate or 10x the channels left the 21 ms run as it was (10x the buffer: 6 ms, the compute's). Now
    the bound names the buffer alone, and it moves the run where the rate does not."""
    qpus = [preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), logical_qubits=4)] * 2

    def run(rate_hz=1e9, buffer_pairs=64, channels=1):
        link = Link((0, 1), rate_hz=rate_hz, fidelity=0.99, latency_s=3e-6, buffer_pairs=buffer_pairs,
                    channels=channels)
        return estimate("REPEAT 1000 {\n T 0\n CX 0 2\n}\nM 0 2\n", qpus, [link], placement=[0, 0, 1, 1])

    given = run()
    assert given.bound == "link 0-1 buffer (64 pairs)"
    for other in (run(rate_hz=1e10), run(channels=10)):
        assert other.wall_clock_s == pytest.approx(given.wall_clock_s, rel=1e-3)
    assert run(buffer_pairs=640).wall_clock_s < 0.5 * given.wall_clock_s
    limited = estimate("REPEAT 1000 {\n T 0\n CX 0 2\n}\nM 0 2\n", qpus,
                       [Link((0, 1), rate_hz=1e9, fidelity=0.99, latency_s=3e-6)], placement=[0, 0, 1, 1],
                       max_runtime_s=0.01)
    (reason,) = [x for x in limited.reasons if x.startswith("runtime:")]
    assert "(bound: link 0-1 buffer (64 pairs))" in reason and "held back by its buffer" in reason
    assert "channels instead" not in reason and "faster link" not in reason
