"""Estimate audit 41: a better link never a worse verdict (more channels, higher rate, higher fidelity, longer
memories), error-corrected and physical QPUs."""

from __future__ import annotations

from qnsim.estimate import QPU, Link, SurfaceCode, estimate

EC_QPUS = [QPU.preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), num_qubits=10**7)] * 2


def test_more_channels_never_raise_the_distance_where_a_round_gathers_its_pairs():
    """Round 37's hunt, seed 37 case 297: 10^6 remote CX on error-corrected QPUs over a 9.36 MHz link with 0.42 ms
    memories. Old behaviour: 5 channels met the remote share at d = 29 as given; 11 channels filled the buffer faster
    (pairs 1.34 us old against 0.60 us, error per operation 2.3e-8 over the 1.8e-8 share), and the operating-point
    search priced each of its lines at its ends only: 1 channel fails too (a syndrome round's 57 pairs gather slowly)
    and so does the lowest rate, so the line was taken to fail throughout and d went 29 -> 31 (35.3 -> 37.2 s). The
    failure is not monotone along a line where a round gathers several pairs: where every point priced fails, its
    least failing point is looked for, and 5 of the 11 channels are found."""
    text = "REPEAT 1000000 {\nT 0\nCX 1 0\nM 1\nM 1\nH 1\n}\nM 0 1\n"
    reports = {}
    for channels in (5, 11):
        link = Link((0, 1), rate_hz=9.36e6, fidelity=0.97376, latency_s=1.9e-5, channels=channels,
                    memory_t1_s=4.18e-4, memory_t2_s=4.18e-4)
        reports[channels] = estimate(text, EC_QPUS, [link], placement=[1, 0], error_budget=0.055)
    five, eleven = reports[5], reports[11]
    assert five.feasible and eleven.feasible
    assert five.error_corrected.code_distance == eleven.error_corrected.code_distance == 29
    assert eleven.wall_clock_s <= five.wall_clock_s
    assert five.links[0].active_channels is None and eleven.links[0].active_channels == 5
