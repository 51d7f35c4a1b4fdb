"""Trust gaps of the distributed-workload estimator closed in round twenty-four: each test states the old answer."""

import json

import pytest

from qnsim.estimate import (
    QPU,
    EstimateReport,
    Link,
    SurfaceCode,
    estimate,
    flow_controlled_rate_hz,
    operated_links,
)

# 10^12 remote CX with a T gate each on two qubit_gate_ns_e3 QPUs: d = 45, whose syndrome rounds use 89 pairs at
# once, more than the default buffer's 64; one purification round whose outcome is 10 us away (flow control).
_EC_WORKLOAD = "REPEAT 1000000000000 {\nT 0\nCX 0 1\n}\nM 0 1\n"
_EC_LINK = Link((0, 1), rate_hz=1e8, fidelity=0.99, latency_s=1e-5, memory_t1_s=1.0, memory_t2_s=1.0)


def _ec_qpus():
    return [QPU.preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), num_qubits=10**8)] * 2


def _check_one_buffer(data):
    """The checks of test_one_buffer_is_operated_and_reported... on a report's dict (Python's or the CLI's JSON)."""
    (lk,) = data["links"]
    d = data["error_corrected"]["code_distance"]
    per_round = 2 * d - 1
    assert d == 45 and per_round > 64
    assert lk["buffer_pairs"] == per_round and lk["active_buffer_pairs"] == per_round
    assert lk["memory_qubits_per_end"] == lk["buffer_pairs"] + per_round * lk["purification_rounds"]
    assert data["error_corrected"]["link_memory_qubits_per_qpu"] == [lk["memory_qubits_per_end"]] * 2
    (raised,) = [n for n in data["notes"] if "cannot hold a syndrome round" in n]
    assert "left at the default 64 pairs" in raised and f"operated with {per_round} buffer_pairs" in raised
    (need,) = [n for n in data["notes"] if "(what each link must deliver)" in n]
    assert f"its {per_round} buffer_pairs" in need
    assert data["bound"] == f"link 0-1 buffer ({per_round} pairs)"
    return lk


def test_one_buffer_is_operated_and_reported_for_an_error_corrected_link_at_the_default_buffer():
    """A link left at the default buffer (64 pairs) whose syndrome rounds use 2d - 1 = 89 pairs at d = 45. Old
    behaviour: the report's buffer_pairs and memories read 89 (memory 178 with the round) while flow control, the
    bound and the need note ran 64 ("bound: link 0-1 buffer (64 pairs)", 20.4 years, "its 64 buffer_pairs ... let
    1.27e+07 through"), and operated_links handed the simulation the 64-pair link. Now the estimate operates one
    buffer, the default raised to a round's 89 pairs with a note, and every figure reads it: the flow control (the
    link's time is its raw pairs at the 89-pair flow-controlled rate: 14.6 years), the bound, the need note, the
    memories (89 + 89 x 1 round) and operated_links."""
    report = estimate(_EC_WORKLOAD, _ec_qpus(), [_EC_LINK], placement=[0, 1], error_budget=1e-3)
    lk = _check_one_buffer(report.to_dict())
    (lr,) = report.links
    (operated,) = operated_links(report, [_EC_LINK])
    assert operated.buffer == lr.buffer_pairs == lk["buffer_pairs"]
    # The link bounds the run: its time is its raw pairs at the flow-controlled rate of that one buffer.
    hold_probs = report.links[0].purification_rounds
    assert hold_probs == 1
    rate_at = {b: flow_controlled_rate_hz(1e8, b, [p], 1e-5) for b in (64, lr.buffer_pairs)
               for p in [_round_success(report)]}
    assert lr.time_s == pytest.approx(lr.raw_bell_pairs / rate_at[lr.buffer_pairs], rel=1e-9)
    assert lr.time_s < 0.9 * lr.raw_bell_pairs / rate_at[64]


def _round_success(report):
    """The success probability of the report's one purification round, from its raw pairs per delivered pair."""
    (lr,) = report.links
    return 2.0 / lr.raw_per_pair


def test_a_buffer_given_at_the_default_size_is_not_raised_but_refused():
    """The raise is the default's only: a link whose buffer_pairs = 64 is given holds fewer than a round's 89 pairs
    and is refused by name, as any given buffer below 2d - 1 is (round 23)."""
    given = Link((0, 1), rate_hz=1e8, fidelity=0.99, latency_s=1e-5, memory_t1_s=1.0, memory_t2_s=1.0,
                 buffer_pairs=64)
    report = estimate(_EC_WORKLOAD, _ec_qpus(), [given], placement=[0, 1], error_budget=1e-3)
    assert not report.feasible
    assert any("buffer_pairs = 64 holds fewer distilled pairs than a syndrome round" in r for r in report.reasons)
    assert not [n for n in report.notes if "cannot hold a syndrome round" in n]


def test_the_cli_table_and_json_read_the_one_buffer(tmp_path, capsys):
    """`qnsim estimate --json` and its table for the same link. Old behaviour: JSON buffer_pairs 89, memory 178,
    bound "link 0-1 buffer (64 pairs)"; now the JSON carries the one buffer (and reads back), the table's memory
    column its memories and its notes the raise."""
    from qnsim.estimate_cli import main

    (tmp_path / "w.stim").write_text(_EC_WORKLOAD)
    (tmp_path / "links.toml").write_text(
        '[[qpu]]\npreset = "qubit_gate_ns_e3"\nsurface_code = true\nnum_qubits = 100000000\ncount = 2\n'
        "[[link]]\nqpus = [0, 1]\nrate_hz = 1e8\nfidelity = 0.99\nlatency_s = 1e-5\nmemory_t1_s = 1.0\n"
        "memory_t2_s = 1.0\n[estimate]\nerror_budget = 1e-3\nplacement = [0, 1]\n")
    main(["estimate", str(tmp_path / "w.stim"), "--links", str(tmp_path / "links.toml"), "--json"])
    data = json.loads(capsys.readouterr().out)
    lk = _check_one_buffer(data)
    assert EstimateReport.from_dict(data).links[0].active_buffer_pairs == lk["buffer_pairs"]
    main(["estimate", str(tmp_path / "w.stim"), "--links", str(tmp_path / "links.toml")])
    table = capsys.readouterr().out
    assert "cannot hold a syndrome round" in table and f"operated with {lk['buffer_pairs']} buffer_pairs" in table
    (row,) = [line for line in table.splitlines() if line.startswith("0-1") and "->" in line]
    assert row.split()[-1] == str(lk["memory_qubits_per_end"])
    assert f"bound: link 0-1 buffer ({lk['buffer_pairs']} pairs)" in table


def test_a_shared_hops_load_is_priced_phase_by_phase():
    """Routes 0-3-1 and 0-3-2 share hop 0-3 (4 kHz): 400 passes of a remote CX on each route at once (800 pairs over
    the hop, 0.2 s), then 0.4 s of local work that uses no pair. Old behaviour: the hop's 800 pairs were spread over
    the whole run (0.2 s of 0.6 s) and each route's phases priced with its own pairs only: 0.400 s, bound "local
    compute", no word of the shared hop, where the simulation takes 0.614-0.621 s. Now the hop's load is priced
    phase by phase (the busy phase takes its 800 pairs at the hop's rate, then the quiet one its own time): 0.600 s,
    bound by the shared hop, a lower bound within 3% of the simulation."""
    from qnsim.estimate import operated_buffer_pairs, operated_purification_rounds, simulate_execution

    qpus = [QPU(t_1q_s=1e-4, e_1q=0.0, e_2q=0.0, e_meas=0.0)] * 3
    links = [Link((q, 3), rate_hz=4000, fidelity=0.99) for q in range(3)]
    workload = "REPEAT 400 {\nCX 0 1\nCX 0 2\n}\n" + "REPEAT 400 {\n" + "H 0\n" * 10 + "}\n"
    report = estimate(workload, qpus, links, placement=[0, 1, 2], error_budget=0.9)
    assert [lr.route for lr in report.links] == [[0, 3, 1], [0, 3, 2]]
    assert report.bound == "link 0-3 rate (shared by QPU pairs 0-1, 0-2)"
    assert report.wall_clock_s == pytest.approx(800 / 4000 + 0.4, rel=1e-3)
    (note,) = [n for n in report.notes if n.startswith("links shared by several QPU pairs")]
    assert "0-3 (2 QPU pairs, 0.6 s at its rate, its load phase by phase)" in note
    simulated = simulate_execution(workload, qpus, operated_links(report, links), placement=[0, 1, 2], seed=1,
                                   purification_rounds=operated_purification_rounds(report),
                                   buffer_pairs=operated_buffer_pairs(report))
    assert report.wall_clock_s <= simulated.wall_clock_s <= 1.03 * report.wall_clock_s
    # One phase (the busy one alone) is priced as before: its load is the run's.
    alone = estimate("REPEAT 400 {\nCX 0 1\nCX 0 2\n}\n", qpus, links, placement=[0, 1, 2], error_budget=0.9)
    assert alone.wall_clock_s == pytest.approx(800 / 4000, rel=1e-3)


_EC_QPUS_E4 = "qubit_gate_ns_e4"
_FAST_EC = "REPEAT 100 {\nT 0\nCX 0 1\n}\n"  # 100 remote operations, one logical cycle of T each,
_SLOW_EC = "REPEAT 10 {\n" + "T 0\n" * 80 + "CX 0 1\n}\n"  # then 10, 80 cycles apart.


def _ec_phases(workload):
    qpus = [QPU.preset(_EC_QPUS_E4, surface_code=SurfaceCode(), num_qubits=10**6)] * 2
    link = Link((0, 1), rate_hz=1e7, fidelity=0.9839, latency_s=1e-9, memory_t1_s=1e-2, memory_t2_s=1e-2)
    return estimate(workload + "M 0 1\n", qpus, [link], placement=[0, 1])


def _phase_waits(note):
    """The (share, wait in s) pairs of a wait note's phases."""
    body = note.split("at their own paces: ")[1].split("; ")[0]
    out = []
    for part in body.split(" when used, ")[: -1] + [body.split(" when used, ")[-1]]:
        share, rest = part.split(" of its pairs wait ")
        out.append((float(share), float(rest.split(" s")[0])))
    return out


def test_an_error_corrected_run_prices_each_phase_at_its_own_pace():
    """100 remote operations one logical cycle of T apart, then 10 that are 80 cycles apart, over a 10 MHz link with
    10 ms memories (distances 5 and 7: 9 and 13 pairs per syndrome round). Old behaviour: the pairs were priced at
    the run's mean pace: d = 5, F 0.98843 at use and 2.77e-6 error per operation against a 3.03e-6 share, "feasible"
    in 1.81 ms, with a note that at the slowest pace a phase can have the verdict "could change". At d = 5 the slow
    phase's pairs wait ~32 us (F 0.9842, 2.1e-5 per operation, as that phase alone is priced), so the expected
    failures exceed the share. Now each phase is priced at its own pace (its share of the logical depth): the slow
    phase's pairs wait as long as in that phase estimated alone, the error per operation is the mean over the
    phases (what the budget is charged), which sets d = 7, and the run takes its link-bound fast phase's time plus
    the slow phase's cycles, not the larger of the two over the whole run. (simulate_execution runs physical QPUs
    only, so the check is against each phase's own estimate and the phases' times.)"""
    report = _ec_phases(_FAST_EC + _SLOW_EC)
    ec = report.error_corrected
    (lr,) = report.links
    assert ec.code_distance == 7
    assert not [n for n in report.notes if "slowest pace a phase" in n]
    (note,) = [n for n in report.notes if n.startswith("link 0-1: pairs wait")]
    (fast_share, fast_wait), (slow_share, slow_wait) = _phase_waits(note)
    assert (fast_share, slow_share) == (pytest.approx(100 / 110, abs=1e-3), pytest.approx(10 / 110, abs=1e-3))
    slow_alone = _ec_phases(_SLOW_EC)
    (alone_note,) = [n for n in slow_alone.notes if n.startswith("link 0-1: pairs wait")]
    assert slow_wait == pytest.approx(float(alone_note.split("pairs wait ")[1].split(" s")[0]), rel=0.05)
    assert fast_wait < slow_wait / 10
    # The budget is charged the phases' mean error, within the remote share.
    budget = report.error_budget
    assert budget.remote_used <= budget.remote
    assert budget.remote_used == pytest.approx(110 * lr.remote_error_per_operation, rel=1e-9)
    # The run: the fast phase's pairs at the link's rate (it waits for them), then the slow phase's 800 cycles and
    # the final measurements' 2.
    cycle = ec.logical_cycle_s
    link_rate = flow_controlled_rate_hz(1e7, lr.buffer_pairs, [2.0 / lr.raw_per_pair], 1e-9)
    fast_s = max(100 * cycle, 100 / 110 * lr.raw_bell_pairs / link_rate)
    assert fast_s > 100 * cycle
    assert report.wall_clock_s == pytest.approx(fast_s + 802 * cycle, rel=0.01)
    assert report.wall_clock_s > 1.3 * max(902 * cycle, lr.raw_bell_pairs / link_rate)


def test_a_streamed_counts_runtime_reason_says_its_critical_path_is_no_schedule(tmp_path, capsys):
    """300 remote CX each followed by H on both qubits, streamed, against a 50 us limit. Old behaviour: "runtime:
    6.02e-05 s (60.2 us) exceeds the limit of 5e-05 s (50 us) (bound: local compute)" as a fact, where the same
    circuit counted unstreamed is scheduled in 30.1 us (the streamed critical path prices every layer at the slowest
    gate). Now the reason says the figure is the depth bound x the slowest gate time, not the schedule, and names the
    unstreamed estimate as the fix."""
    from qnsim.estimate_cli import main

    (tmp_path / "w.stim").write_text("CX 0 1\nH 0\nH 1\n" * 300)
    (tmp_path / "links.toml").write_text(
        "[[qpu]]\nnum_qubits = 1\ncount = 2\n[[link]]\nqpus = [0, 1]\nrate_hz = 1e9\nfidelity = 0.999\n"
        "[estimate]\nerror_budget = 0.99\nmax_runtime_s = 5e-5\nplacement = [0, 1]\n")
    args = [str(tmp_path / "w.stim"), "--links", str(tmp_path / "links.toml"), "--json"]
    main(["estimate", *args, "--stream"])
    streamed = json.loads(capsys.readouterr().out)
    main(["estimate", *args])
    counted = json.loads(capsys.readouterr().out)
    assert counted["wall_clock_s"] <= 5e-5 < streamed["wall_clock_s"]
    (reason,) = [r for r in streamed["reasons"] if r.startswith("runtime")]
    assert "by a streamed count's upper bound, its depth bound x the slowest operation per layer (not the circuit's " \
           "schedule" in reason
    assert "fix: estimate the circuit unstreamed" in reason
    assert not [r for r in counted["reasons"] if r.startswith("runtime")]


def test_a_shared_hops_load_in_an_error_corrected_run_is_priced_phase_by_phase():
    """The same shape on error-corrected QPUs: routes 0-3-1 and 0-3-2 over a shared 1 MHz hop, 100 passes of a T and a
    remote CX on each route, then 100 passes of 50 T gates that use no pair. Old behaviour: the hop's load over the
    run's logical cycles, 0.0374 s, as if the quiet phase's cycles could carry the busy phase's pairs. Now the busy
    phase takes the hop's load and the quiet one its 5,000 cycles after it (the phases' shares of the logical depth,
    not the physical schedule's)."""
    qpus = [QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), num_qubits=10**6)] * 3
    links = [Link((q, 3), rate_hz=1e6, fidelity=0.99, memory_t1_s=1.0, memory_t2_s=1.0) for q in range(3)]
    workload = "REPEAT 100 {\nT 0\nCX 0 1\nCX 0 2\n}\nREPEAT 100 {\n" + "T 0\n" * 50 + "}\nM 0 1 2\n"
    report = estimate(workload, qpus, links, placement=[0, 1, 2])
    assert report.bound == "link 0-3 rate (shared by QPU pairs 0-1, 0-2)"
    hop_s = sum(lr.raw_bell_pairs for lr in report.links) / 1e6
    quiet_s = 5000 * report.error_corrected.logical_cycle_s
    assert report.wall_clock_s >= hop_s + quiet_s
    assert report.wall_clock_s == pytest.approx(hop_s + quiet_s, rel=0.01)
