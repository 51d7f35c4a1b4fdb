"""Trust gaps of the distributed-workload estimator closed in round twenty-five: each test states the old answer."""

import json

import pytest

from qnsim.estimate import (
    QPU,
    EstimateReport,
    Link,
    estimate,
    operated_buffer_pairs,
    operated_links,
    operated_purification_rounds,
    simulate_execution,
)

# 2000 remote CX each followed by 0.1 ms of local work, over a 1 MHz link: ~101 pairs arrive between two
# consumptions, more than the default 64-pair buffer holds.
_PHYS_WORKLOAD = "REPEAT 2000 {\nCX 0 1\nH 0\n}\n"
_PHYS_QPUS = [QPU(num_qubits=2, t_1q_s=1e-4, e_1q=0.0, e_2q=0.0, e_meas=0.0)] * 2
_PHYS_LINK = Link((0, 1), rate_hz=1e6, fidelity=0.99)


def _check_physical_buffer(data, buffer, whose):
    """A physical run's report dict (Python's or the CLI's JSON) reads the one buffer ``buffer`` it operates."""
    (lk,) = data["links"]
    assert lk["buffer_pairs"] == buffer
    assert lk["memory_qubits_per_end"] == buffer + lk["purification_rounds"]
    (note,) = [n for n in data["notes"] if "pairs arrive at its rate between two consumptions" in n]
    assert note.startswith("link 0-1: 101 pairs arrive") and f"its {buffer} buffer_pairs ({whose}) hold" in note
    assert "the link idles when its buffer is full" in note
    assert not [n for n in data["notes"] if "recommended" in n]
    return lk


@pytest.mark.parametrize("given", [None, 16])
def test_a_physical_links_report_reads_the_buffer_it_operates(given):
    """Physical QPUs, 101 pairs arriving between consumptions. Old behaviour: the report's buffer_pairs and memory
    read 101 (the pairs arriving between consumptions) while flow control, the link's time and operated_links ran
    the default 64 (the simulation's buffer peaked at 64), with no word; a given buffer of 16 read 101 too, with a
    note '16 buffer pairs < 101 recommended'. Now buffer_pairs is the buffer operated (64, or the 16 given), the
    memories are it plus the rounds, and a note says 101 pairs arrive where it holds fewer: the link idles when it
    is full. The simulation of the operated links never holds more than it."""
    link = _PHYS_LINK if given is None else Link((0, 1), rate_hz=1e6, fidelity=0.99, buffer_pairs=given)
    report = estimate(_PHYS_WORKLOAD, _PHYS_QPUS, [link], placement=[0, 1], error_budget=0.9)
    buffer = 64 if given is None else given
    lk = _check_physical_buffer(report.to_dict(), buffer, "the default" if given is None else "as given")
    (operated,) = operated_links(report, [link])
    assert operated.buffer == lk["buffer_pairs"]
    simulated = simulate_execution(_PHYS_WORKLOAD, _PHYS_QPUS, [operated], placement=[0, 1], seed=1,
                                   purification_rounds=operated_purification_rounds(report),
                                   buffer_pairs=operated_buffer_pairs(report))
    assert simulated.max_buffer[(0, 1)] <= lk["buffer_pairs"]
    assert report.wall_clock_s <= simulated.wall_clock_s <= 1.03 * report.wall_clock_s
    (mem,) = [n for n in report.notes if n.startswith("link memories are communication qubits")]
    assert f"{lk['memory_qubits_per_end']} link memories" in mem


def test_a_physical_links_buffer_in_the_cli_table_and_json(tmp_path, capsys):
    """`qnsim estimate --json` and its table for the physical link. Old behaviour: JSON buffer_pairs 101, memory
    column 101, no note, where the run operates 64; now both read 64 and the note says 101 arrive."""
    from qnsim.estimate_cli import main

    (tmp_path / "w.stim").write_text(_PHYS_WORKLOAD)
    (tmp_path / "links.toml").write_text(
        "[[qpu]]\nnum_qubits = 2\nt_1q_s = 1e-4\ne_1q = 0\ne_2q = 0\ne_meas = 0\ncount = 2\n"
        "[[link]]\nqpus = [0, 1]\nrate_hz = 1e6\nfidelity = 0.99\n"
        "[estimate]\nerror_budget = 0.9\nplacement = [0, 1]\n")
    main(["estimate", str(tmp_path / "w.stim"), "--links", str(tmp_path / "links.toml"), "--json"])
    data = json.loads(capsys.readouterr().out)
    lk = _check_physical_buffer(data, 64, "the default")
    assert EstimateReport.from_dict(data).links[0].buffer_pairs == 64
    main(["estimate", str(tmp_path / "w.stim"), "--links", str(tmp_path / "links.toml")])
    table = capsys.readouterr().out
    assert "101 pairs arrive at its rate between two" in " ".join(table.split())
    (row,) = [line for line in table.splitlines() if line.startswith("0-1") and "->" in line]
    assert row.split()[-1] == str(lk["memory_qubits_per_end"])


_EC_FAST = "REPEAT 100 {\nT 0\nCX 0 1\n}\n"  # 100 remote operations one logical cycle of T apart,
_EC_SLOW = "REPEAT 10 {\n" + "T 0\n" * 80 + "CX 0 1\n}\n"  # then 10, 80 cycles apart.


def _ec_relay(workload):
    """An error-corrected run over relay route 0-2-1 (two 20 MHz hops through node 2)."""
    from qnsim.estimate import SurfaceCode

    qpus = [QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), num_qubits=10**6)] * 2
    links = [Link((q, 2), rate_hz=2e7, fidelity=0.995, memory_t1_s=1.0, memory_t2_s=1.0) for q in range(2)]
    return estimate(workload + "M 0 1\n", qpus, links, placement=[0, 1])


def test_an_error_corrected_relay_routes_time_is_added_phase_by_phase():
    """The fast-then-slow run of round 24 over relay route 0-2-1. Old behaviour: the route's pairs were priced over
    the whole run (only a direct link's time was added phase by phase against logical cycles): 0.001804 s = 902
    logical cycles at d = 5, "bound: local compute", as if the slow phase's cycles could carry the fast phase's
    pairs, where the fast phase alone is route-bound (343 cycles for its 100 operations). Now the route follows the
    direct link's semantics (one code path): the fast phase takes its share of the route's pairs, the slow one its
    802 cycles after it, bound by the route."""
    report = _ec_relay(_EC_FAST + _EC_SLOW)
    (lr,) = report.links
    assert lr.route == [0, 2, 1]
    cycle = report.error_corrected.logical_cycle_s
    route_s = lr.raw_bell_pairs / (_ec_relay(_EC_FAST).links[0].raw_bell_pairs
                                   / _ec_relay(_EC_FAST).links[0].time_s)  # at the route's pace alone
    fast_s = max(100 * cycle, 100 / 110 * route_s)
    assert fast_s > 100 * cycle  # the fast phase waits for the route
    assert report.wall_clock_s == pytest.approx(fast_s + 802 * cycle, rel=0.01)
    assert report.wall_clock_s > 1.3 * max(902 * cycle, route_s)
    assert report.bound == "route 0-2-1 rate"
    # One phase alone is priced as before: its route time over the run.
    alone = _ec_relay(_EC_FAST)
    assert alone.wall_clock_s == pytest.approx(343 * alone.error_corrected.logical_cycle_s, rel=1e-9)


def _ec_short_phases(workload, memory_s):
    from qnsim.estimate import SurfaceCode

    qpus = [QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), num_qubits=10**6)] * 2
    link = Link((0, 1), rate_hz=1e7, fidelity=0.9839, latency_s=1e-9, memory_t1_s=memory_s, memory_t2_s=memory_s)
    return estimate(workload + "M 0 1\n", qpus, [link], placement=[0, 1])


def test_the_slowest_pace_note_says_what_the_priced_figure_is_when_short_phases_are_priced_together():
    """One remote operation one cycle after the start, then one 80 cycles later (45 pairs each at d = 5, under the
    link's 64-pair buffer: priced together at their joint pace). Old behaviour: round 23's note "at the slowest pace a
    phase can have ... the verdict holds at any pace of its phases" with no word of what the priced figures are, as
    if the phases were not priced at all (round 24 prices phases at their own paces). Now the note says the phases
    are priced together at their joint pace (the wait figure) and that its figure is a bound."""
    short = "REPEAT 1 {\nT 0\nCX 0 1\n}\nREPEAT 1 {\n" + "T 0\n" * 80 + "CX 0 1\n}\n"
    report = _ec_short_phases(short, 1.0)
    (lr,) = report.links
    assert lr.buffer_pairs == 64 and lr.bell_pairs < 2 * 64
    (note,) = [n for n in report.notes if "slowest pace a phase" in n]
    assert note.startswith("link 0-1: its 2 phases each use fewer pairs than its 64-pair buffer holds, so they are "
                           "priced together at their joint pace (the wait and F figures above); a bound: at the "
                           "slowest pace a phase can have (its phase of fewest pairs, 45,")


def test_an_error_corrected_phase_counts_its_operations_pairs_against_the_buffer():
    """Two remote operations a cycle apart, then two 80 cycles apart, over a link with 10 ms memories (throttled to a
    9-pair buffer at d = 5; each operation uses 45 pairs). Old behaviour: the phases' remote-operation counts (2) were
    compared with the buffer's 9 pairs, so the phases were taken as too short for a pace of their own and priced
    together, with the slowest-pace note (a phase of 90 pairs said to be under a 9-pair buffer with the note above).
    Now each phase's pairs are its operations' pairs: the phases are priced at their own paces (the wait note gives
    each) and no slowest-pace note is printed."""
    two = "REPEAT 2 {\nT 0\nCX 0 1\n}\nREPEAT 2 {\n" + "T 0\n" * 80 + "CX 0 1\n}\n"
    report = _ec_short_phases(two, 1e-2)
    assert report.links[0].active_buffer_pairs == 9
    assert not [n for n in report.notes if "slowest pace a phase" in n]
    (wait,) = [n for n in report.notes if n.startswith("link 0-1: pairs wait")]
    assert "the workload's phases use its pairs at their own paces: 0.5 of its pairs wait" in wait
