"""Trust gaps of the distributed-workload estimator closed in the seventeenth round: each test states the old answer."""

import os

import pytest

from qnsim.estimate import QPU, Link, SurfaceCode, Workload, estimate


def _four_qpus_estimate(channels):
    """The shipped 10^12-gate workload spread over four error-corrected QPUs, a 5 kHz link (F = 0.99, 50 us) with
    ``channels`` channels between each pair: its remote operations' pairs take d = 17 where d = 15 would do for
    the bulk."""
    here = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "estimate", "workload.stim")
    qpus = [QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), num_qubits=60_000, name=f"q{i}")
            for i in range(4)]
    links = [Link((a, b), rate_hz=5e3, fidelity=0.99, latency_s=5e-5, buffer_pairs=10**6, channels=channels)
             for a in range(4) for b in range(a + 1, 4)]
    return estimate(Workload.from_file(here), qpus, links, placement_strategy="spread")


def test_a_link_bound_run_that_takes_a_larger_distance_lasts_as_long_as_its_links_and_compute_make_it():
    """A run whose links stretched it past d = 15's error budget was sized again at d = 17, and then priced at
    the cycle count that exhausts d = 15's budget (6.17e11 cycles, 20x the algorithm's) instead of its own length:
    4.2e6 s (48.6 days) with 1,081 channels per link and with 6,000 alike, "bound: link 0-1 rate", though the
    links made their pairs in 1.59e6 s and 2.87e5 s (the compute takes 2.06e5 s). No purification round trip
    waits there (the 10^6-pair buffers hold the pairs purified ahead; latency 1.5e-4 s in all). Old behaviour:
    the same 48.6 days whatever the channels, so no channel count met a 23-day limit; now the run is its links'
    (or compute's) time plus the latency tail, and more channels shorten it."""
    times = []
    for channels in (1081, 6000):
        report = _four_qpus_estimate(channels)
        assert report.error_corrected.code_distance == 17
        slowest = max(report.time_local_s, report.time_link_s)
        assert report.wall_clock_s == pytest.approx(slowest + report.time_latency_s, rel=1e-9, abs=1e-3)
        cycles = report.error_corrected.logical_cycles
        assert cycles == pytest.approx(report.wall_clock_s / report.error_corrected.logical_cycle_s, rel=1e-9)
        assert "link" in report.bound
        times.append(report.wall_clock_s)
    assert times[1] < 0.2 * times[0]
    assert times[0] < 2e6  # a 23-day limit is met by 1,081 channels
