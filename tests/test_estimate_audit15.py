"""Trust gaps of the distributed-workload estimator closed in the fifteenth round: each test states the old answer."""

import json
import math

import pytest

from qnsim.estimate import QPU, EstimateReport, Link, SurfaceCode, estimate, preset

PHYSICAL = [QPU(num_qubits=2, e_1q=0.0, e_2q=0.0, e_meas=0.0, t_1q_s=1e-5)] * 2
PHYSICAL_TEXT = "REPEAT 300 {\nCX 0 2\nH 0\nH 0\nH 2\n}"
PHYSICAL_KW = {"placement": [0, 0, 1, 1], "error_budget": 0.9, "target_fidelity": 0.99}
STORED = Link((0, 1), rate_hz=1e4, fidelity=0.95, latency_s=1e-5, memory_t1_s=0.05, memory_t2_s=0.05)


def test_a_report_of_another_schema_version_is_refused_by_name():
    """The report's JSON said schema_version 3 after round 13 began to set required_rate_hz on physical QPUs' links
    (version 3 set it on error-corrected QPUs only, so a reader of version 3 took a physical link with a need for an
    error-corrected one), and nothing read a report back: a reader had to guess. The version is 4 (5 since round 19, 6
    since round 22, which reads 5 back; 7 since round 31, which reads 5 and 6 back; 8 since round 37, which reads
    5 to 7 back; 9 since the report lists each qubit's QPU, which reads 5 to 8 back), and
    EstimateReport.from_json refuses a report of another version, naming both and what changed."""
    # A 1 kHz link, whose need is stated (at 10 kHz the pairs meet the target since the buffer's filling is priced,
    # and the run fails on the error budget, which no rate clears: no need stated).
    slow = Link((0, 1), rate_hz=1e3, fidelity=0.95, latency_s=1e-5, memory_t1_s=0.05, memory_t2_s=0.05)
    report = estimate(PHYSICAL_TEXT, PHYSICAL, [slow], **PHYSICAL_KW)
    assert report.error_corrected is None and report.links[0].required_rate_hz is not None
    data = json.loads(report.to_json())
    assert data["schema_version"] == 9
    with pytest.raises(ValueError, match=r"schema_version 3, this qnsim reads version 9 \(4: required_rate_hz set on "
                                         r"physical QPUs' links too"):
        EstimateReport.from_dict({**data, "schema_version": 3})
    with pytest.raises(ValueError, match=r"schema_version 10 \(a newer qnsim's\), this qnsim reads version 9"):
        EstimateReport.from_dict({**data, "schema_version": 10})
    with pytest.raises(ValueError, match="has no schema_version"):
        EstimateReport.from_dict({k: v for k, v in data.items() if k != "schema_version"})
    with pytest.raises(ValueError, match="has no schema_version"):
        EstimateReport.from_dict({**data, "schema_version": "4"})


def test_report_json_round_trips_with_infinities_tuples_and_nested_reports():
    """Round trips of the report: an infeasible physical report (raw pairs, times "inf", utilization "nan" in its
    JSON) and an error-corrected one (T factory rounds, per-QPU lists) read back as the same report, floats as
    floats and a link's QPUs as a tuple; a field of the wrong type, a missing or an unknown one is refused by its
    path. (Before, no reader existed: json.loads left "inf" a string and qpus a list.)"""
    bad = estimate("REPEAT 10 {\nCX 0 1\nT 0\n}", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.5)],
                   target_fidelity=0.99)
    back = EstimateReport.from_json(bad.to_json())
    assert back.to_json() == bad.to_json()
    assert back.wall_clock_s == math.inf and math.isnan(back.links[0].utilization)
    assert back.links[0].qpus == (0, 1) and back.reasons == bad.reasons
    ec_qpus = [preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), logical_qubits=4)] * 2
    ec = estimate("REPEAT 20 {\nCX 0 4\nT 0\nH 4\n}\nM 0 4", ec_qpus, [Link((0, 1), 1e9, 0.999)],
                  placement=[0] * 4 + [1] * 4)
    assert ec.error_corrected.t_factory is not None
    again = EstimateReport.from_json(ec.to_json())
    assert again == ec
    assert type(again.error_corrected.t_factory.rounds[0]).__name__ == "DistillationRound"
    data = json.loads(ec.to_json())
    data["links"][0]["remote_gates"] = "20"
    with pytest.raises(ValueError, match=r"report\.links\[0\]\.remote_gates must be int, got '20'"):
        EstimateReport.from_dict(data)
    data = json.loads(ec.to_json())
    del data["error_budget"]["remote_used"]
    data["error_budget"]["remote_use"] = 0.0
    with pytest.raises(ValueError, match=r"report\.error_budget \(ErrorBudgetReport\) lacks remote_used and has "
                                         r"unknown key\(s\) 'remote_use'"):
        EstimateReport.from_dict(data)
    data = json.loads(ec.to_json())
    data["wall_clock_s"] = "infinite"
    with pytest.raises(ValueError, match=r"report\.wall_clock_s must be float, got 'infinite'"):
        EstimateReport.from_dict(data)


@pytest.mark.slow
def test_the_cli_report_reads_back_as_the_python_apis(tmp_path, capsys):
    """`qnsim estimate --json` and estimate() on the same links file give one report, read back by from_json. (The
    command runs in this process, by qnsim.cli.main: a Python process of its own only added its start and imports.)"""
    from qnsim.cli import main
    from qnsim.estimate_cli import load_network

    (tmp_path / "w.stim").write_text(PHYSICAL_TEXT)
    net = ("[[qpu]]\ncount = 2\nnum_qubits = 2\ne_1q = 0.0\ne_2q = 0.0\ne_meas = 0.0\nt_1q_s = 1e-5\n"
           "[[link]]\nqpus = [0, 1]\nrate_hz = 1e4\nfidelity = 0.95\nlatency_s = 1e-5\nmemory_t1_s = 0.05\n"
           "memory_t2_s = 0.05\n[estimate]\nplacement = [0, 0, 1, 1]\nerror_budget = 0.9\ntarget_fidelity = 0.99\n")
    (tmp_path / "links.toml").write_text(net)
    import tomllib

    qpus, links, opts = load_network(tomllib.loads(net))
    api = estimate(PHYSICAL_TEXT, qpus, links, **opts)
    capsys.readouterr()
    status = main(["estimate", str(tmp_path / "w.stim"), "--links", str(tmp_path / "links.toml"), "--json"])
    cli = capsys.readouterr()
    assert status == (0 if api.feasible else 1), cli.err
    assert EstimateReport.from_json(cli.out) == api


def test_a_default_remote_share_the_remote_operations_do_not_use_is_named_with_what_it_costs():
    """Two qubit_gate_ns_e4 QPUs over an ideal link (F = 1, 1e15 pairs/s) running bench/estimate.py's CNOT-heavy
    probe: d = 5, 16 us, 1.67x one QPU's 9.6 us at d = 3, with no word. The remote operations fail never, yet the
    default split kept half the budget for them, and the logical part alone (5e-4; d = 3 uses 7.2e-4) sized the
    distance. The split stays the Azure estimator's equal shares; a note names the unused part and the budget that
    gives d = 3, estimated again with it. A remote part that is given, or used, has no such note. (Since the
    teleportation gadget's own failures are charged, tests/test_estimate_audit16.py, that probe's 2,400 remote
    operations use the remote part below d = 7; the same layout with one remote CNOT keeps this case.)"""
    from qnsim.estimate import ErrorBudget

    text = "REPEAT 200 {\n CX 0 1 2 3 4 5 6 7\n CX 1 2 3 0 5 6 7 4\n H 0 5\n}\nCX 0 4\nM 0 1 2 3 4 5 6 7\n"
    qpus = [preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), logical_qubits=4)] * 2
    ideal = [Link((0, 1), rate_hz=1e15, fidelity=1.0, latency_s=0.0)]
    one = estimate(text, preset("qubit_gate_ns_e4", surface_code=SurfaceCode()))
    two = estimate(text, qpus, ideal, placement=[0] * 4 + [1] * 4)
    assert (one.error_corrected.code_distance, two.error_corrected.code_distance) == (3, 5)
    assert two.wall_clock_s / one.wall_clock_s == pytest.approx(5 / 3)  # The distance ratio: cycles are equal.
    (note,) = [n for n in two.notes if n.startswith("error budget: the remote part")]
    # 3.59e-07 before qec round 16's table and bend term, 3.48e-07 before round 15's
    assert "the remote part 0.0005 (an equal share: it was not given) is used 3.53e-07 (0%)" in note
    assert "sized by the logical part 0.0005 alone" in note
    assert "ErrorBudget(0.001, remote=0.000244)" in note and "gives d = 3: 9.6e-06 s" in note
    # The note's budget gives what it says.
    better = estimate(text, qpus, ideal, placement=[0] * 4 + [1] * 4, error_budget=ErrorBudget(1e-3, remote=2.44e-4))
    assert better.error_corrected.code_distance == 3 and better.wall_clock_s == pytest.approx(one.wall_clock_s)
    assert not [n for n in better.notes if n.startswith("error budget: the remote part")]
    heavy = ("REPEAT 200 {\n CX 0 4 1 5 2 6 3 7\n CX 0 5 1 6 2 7 3 4\n CX 4 1 5 2 6 3 7 0\n H 0 5\n}\n"
             "M 0 1 2 3 4 5 6 7\n")
    used = estimate(heavy, qpus, [Link((0, 1), rate_hz=1e9, fidelity=0.999, latency_s=1e-6)],
                    placement=[0] * 4 + [1] * 4)
    assert used.error_budget.remote_used > 0.1 * used.error_budget.remote
    assert not [n for n in used.notes if n.startswith("error budget: the remote part")]


@pytest.mark.parametrize("t_count, ours", [(10**15, 45), (10**14, 43)])
def test_where_qre_wraps_patch_cycles_beyond_2_64_the_report_says_which_distance_holds(t_count, ours):
    """10^5 logical qubits with 10^14-10^15 T gates on qubit_gate_ns_e3: QRE reports d = 41 with a requirement per
    patch and cycle 11-12x laxer than its own logical part allows (it multiplies 200,896 patches by ~10^14-10^15
    cycles in 64-bit integers, which wrap), and qnsim reports d = 43 / 45 (which holds the part): a parity check
    read it as qnsim's error without a word. The report now names the wrap and the distance QRE gives."""
    from qnsim.estimate import LogicalSummary

    counts = {"numQubits": 10**5, "tCount": t_count, "measurementCount": 10**12}
    report = estimate(LogicalSummary.from_qre(counts), preset("qubit_gate_ns_e3", surface_code=SurfaceCode()))
    ec, b = report.error_corrected, report.error_budget
    assert ec.code_distance == ours and b.logical_used <= b.logical
    (note,) = [n for n in report.notes if "beyond 2^64" in n]
    assert "wrap, and reports d = 41, whose logical errors exceed the logical part 0.0005" in note
    small = estimate(LogicalSummary.from_qre({"numQubits": 10**5, "tCount": 10**13}),
                     preset("qubit_gate_ns_e3", surface_code=SurfaceCode()))
    assert not [n for n in small.notes if "2^64" in n]
    pytest.importorskip("qsharp")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from qsharp.estimator import LogicalCounts

        qre = LogicalCounts(counts).estimate(params={"qubitParams": {"name": "qubit_gate_ns_e3"}})
    assert qre["logicalQubit"]["codeDistance"] == 41
    patches = qre["physicalCounts"]["breakdown"]["algorithmicLogicalQubits"]
    depth = qre["physicalCounts"]["breakdown"]["logicalDepth"]
    assert qre["physicalCounts"]["breakdown"]["requiredLogicalQubitErrorRate"] == pytest.approx(
        5e-4 / ((patches * depth) % 2**64))


@pytest.mark.slow
def test_a_link_built_to_its_need_reads_a_margin_of_one_not_a_stall():
    """Physical QPUs over a 1e4 pairs/s link of F = 0.95 with 0.05 s memories: "what each link must deliver" finds a
    need by estimating again at it. A link built to that keeps the run's pace (simulated with its operating point),
    yet its row read "gives 2.29e+05, margin 0.25x", and the table says below 1x the link stalls the run: the margin
    divided what the run draws by a rate the link must have. Such a need's margin is now rate x channels / need
    (1.00x), the link as given keeps its own rate over it.

    Re-pinned (round 41, the error budget judges each operating point's pairs): the first scenario, 300 CX purified to
    0.99 under a 0.99 budget, read a need of 9.14e+05 found this way, and a link built to it was estimated infeasible
    (its pairs, as given, at F = 0.99120: 300 x 0.0088 = 2.64 expected faults > 0.99). No rate settles there: 2 DEJMPS
    rounds from Werner 0.95 make F = 0.99750 (dejmps_step twice, 4.58 raw pairs per pair), the budget needs a mean
    F >= 1 - 0.99 / 300 = 0.9967 at use, i.e. a mean wait <= 26.8 us in the 0.05 s memories (stored_pair), under two
    of the run's 20 us consumption intervals, while a one-pair buffer's two rounds take 2 x 10 us of latency per pair
    (the link at 9.14e+05 now meets the budget that way, F = 0.99690, 0.0152 s against 6.04 ms). So the need there is
    what its pairs ask of the link as given: 1,385 raw pairs / the run's own 6.04 ms = 2.29e+05, said not to settle.
    The margin is checked on 100 CX purified to 0.995, whose need settles within the budget.

    Re-pinned (audit 51, the rounds' partners priced at the flow-controlled raw gap, a cautious bound): the link at
    9.14e+05 with a one-pair buffer met the budget at F = 0.99682 when used (simulated 0.99686); its two rounds' pairs
    are now priced at 0.99662 (2.4e-4 below the simulation: with one pair of buffer, the source pauses between one
    delivered pair's rounds and the next's, not inside them, which the bound does not see), below the 0.9967 the
    budget asks. No point then meets the budget at any rate tried, the search keeps the default buffer, and a link of
    2.29e+05 keeps the run's pace: the need settles where it is stated (no "does not settle" note, which read "a link
    of 1.31e+07 would take 2 purification round(s) ... and need 3.15e+07" before)."""
    import dataclasses

    import numpy as np

    from qnsim.estimate import operated_links, simulate_execution

    qpus = [QPU(num_qubits=4, e_1q=0.0, e_2q=0.0, e_meas=0.0, t_1q_s=1e-5)] * 2
    kw = {"placement": [0, 0, 1, 1], "error_budget": 0.99, "target_fidelity": 0.99}
    report = estimate(PHYSICAL_TEXT, qpus, [STORED], **kw)
    lr = report.links[0]
    need, *_ = report._delivery(lr)
    assert lr.required_rate_hz is None and not any("does not settle" in n for n in report.notes)
    assert not report.feasible and any(r.startswith("error budget") for r in report.reasons)
    assert need == pytest.approx(lr.raw_bell_pairs / (report.time_local_s + report.time_latency_s), rel=1e-12)
    assert need == pytest.approx(2.29e5, rel=0.01)

    text = PHYSICAL_TEXT.replace("300", "100")
    kw["target_fidelity"] = 0.995
    report = estimate(text, qpus, [STORED], **kw)
    need, _gives, margin, *_ = report._delivery(report.links[0])
    assert report.links[0].required_rate_hz == need and margin == pytest.approx(1e4 / need)
    built = dataclasses.replace(STORED, rate_hz=need)
    at_need = estimate(text, qpus, [built], **kw)
    own = at_need.time_local_s + at_need.time_latency_s
    # The need lets the link run 5% below the pace and its first pair delay the run by 5% more (_NEED_MET): 5.4%
    # before audit 55, 10.1% with its buffer's filling from empty priced on top (Poisson deliveries: cautious for
    # these purified pairs, 2.208 ms against 2.079 ms +- 0.009 simulated over 16 seeds; 2.114 ms before; 2.156 ms
    # since audit 57 prices their gaps at their Gamma shape).
    assert at_need.feasible and at_need.wall_clock_s <= 1.11 * own
    need2, gives2, margin2, *_ = at_need._delivery(at_need.links[0])
    assert gives2 < 0.9 * need2  # What the run draws from it: the old margin.
    assert margin2 == pytest.approx(1.0, abs=0.01)
    run = operated_links(at_need, [built])
    walls = [simulate_execution(text, qpus, run, placement=kw["placement"], target_fidelity=0.995,
                                seed=s).wall_clock_s for s in range(3)]
    assert float(np.mean(walls)) <= 1.05 * own


def test_every_report_field_is_documented_with_its_unit():
    """EstimateReport's 29 top-level fields (wall_clock_s, cut_weight, remote_error_expected, ...) had no Attributes
    section: a reader of the JSON could not tell a count from a probability or seconds from cycles. Every field of
    every report class is named in its class's docstring now, and those whose name carries no unit say seconds,
    counts or probabilities."""
    import dataclasses
    import re

    from qnsim.estimate import report as reports

    for cls in (reports.EstimateReport, reports.LinkReport, reports.ErrorBudgetReport,
                reports.ErrorCorrectionReport, reports.TFactoryReport):
        doc = cls.__doc__
        assert "Attributes:" in doc, cls.__name__
        missing = [f.name for f in dataclasses.fields(cls) if not re.search(rf"\b{f.name}\b", doc)]
        assert not missing, (cls.__name__, missing)
    doc = reports.EstimateReport.__doc__
    for words in ("wall_clock_s: the run's length in seconds", "expected faults (dimensionless counts)",
                  "the probability of no remote fault", "cut_weight: two-qubit interactions"):
        assert words in doc


def test_a_streamed_circuit_is_not_feasible_where_the_circuit_is_not(tmp_path):
    """100 H on qubit 0 (a QPU of e_1q = 1e-3) and one CX to qubit 1 (an error-free QPU), budget 0.08: the circuit
    reads 0.1 expected local faults, infeasible; streamed (`qnsim estimate --stream`, stream_circuit_file), which
    holds no per-qubit counts, it split the 100 H 50/50 and priced each half at its QPU's rate: 0.05, "feasible".
    The apportioned gates are now priced at the worst rate of the QPUs holding qubits (an upper bound, with a
    note), the local two-qubit gates per QPU are exact from the interaction graph, and the shares sum to the total
    (each share was rounded on its own)."""
    from qnsim.estimate import count_circuit, stream_circuit_file
    from qnsim.estimate.estimator import _apportion

    text = "H 0\n" * 100 + "CX 0 1\n"
    (tmp_path / "h.stim").write_text(text)
    qpus = [QPU(num_qubits=1, e_1q=1e-3, e_2q=0.0, e_meas=0.0), QPU(num_qubits=1, e_1q=0.0, e_2q=0.0, e_meas=0.0)]
    link = [Link((0, 1), rate_hz=1e6, fidelity=0.9999)]
    exact = estimate(text, qpus, link, placement=[0, 1], error_budget=0.08)
    streamed = estimate(stream_circuit_file(tmp_path / "h.stim"), qpus, link, placement=[0, 1], error_budget=0.08)
    assert not exact.feasible and exact.local_error_expected == pytest.approx(0.1)
    assert not streamed.feasible and streamed.local_error_expected == pytest.approx(0.1)
    (note,) = [n for n in streamed.notes if n.startswith("streamed workload")]
    assert "priced at the worst error rates of the QPUs holding qubits (an upper bound)" in note
    # Local two-qubit gates per QPU from the graph (they were apportioned by qubits: 3/3 here, not 6/0).
    three = [QPU(num_qubits=2, e_1q=0.0, e_2q=1e-3, e_meas=0.0), QPU(num_qubits=2, e_1q=0.0, e_2q=0.0, e_meas=0.0)]
    report = estimate(count_circuit("CX 0 1 0 1 0 1 0 1 0 1 0 1\nCX 1 2"), three, link, placement=[0, 0, 1, 1])
    assert report.local_gates["two_qubit"] == [6, 0] and report.local_error_expected == pytest.approx(6e-3)
    assert _apportion(10, [1, 1, 1]) == [4, 3, 3] and sum(_apportion(10**20 + 1, [3, 7, 11])) == 10**20 + 1


@pytest.mark.slow
def test_the_simulation_takes_the_estimates_purification_rounds_by_default():
    """simulate_execution without purification_rounds chose each link's rounds by its pairs' fidelity when made, the
    estimate by their fidelity at use: over a 2.29e5 pairs/s link of F = 0.95 with 0.05 s memories, target 0.99,
    it ran 2 rounds where the estimate priced 3, and used pairs at F = 0.987 (seed 2), below the target (a note said
    so). Since the buffer's filling is priced the estimate runs 2 rounds there too (F 0.9917 at use, 0.9932
    simulated on average): the test runs a 4e5 pairs/s link, where 2 rounds use pairs at 0.969 and the estimate
    prices 3. One rule now: the default is the rounds estimate() prices for the links as given, so the run's pairs meet
    the target, as with operated_purification_rounds; links without memory times are unchanged (the same rule)."""
    from qnsim.estimate import operated_links, operated_purification_rounds, simulate_execution

    stored = Link((0, 1), rate_hz=4e5, fidelity=0.95, latency_s=1e-5, memory_t1_s=0.05, memory_t2_s=0.05)
    report = estimate(PHYSICAL_TEXT, PHYSICAL, [stored], **PHYSICAL_KW)
    links = operated_links(report, [stored])
    sim = {"placement": PHYSICAL_KW["placement"], "target_fidelity": 0.99, "seed": 2}
    plain = simulate_execution(PHYSICAL_TEXT, PHYSICAL, links, **sim)
    given = simulate_execution(PHYSICAL_TEXT, PHYSICAL, links, purification_rounds=operated_purification_rounds(report),
                               **sim)
    assert plain.mean_fidelity_at_use == given.mean_fidelity_at_use and plain.wall_clock_s == given.wall_clock_s
    assert plain.mean_fidelity_at_use[(0, 1)] >= 0.99 and plain.notes == []
    two = simulate_execution(PHYSICAL_TEXT, PHYSICAL, links, purification_rounds={(0, 1): 2}, **sim)
    assert two.mean_fidelity_at_use[(0, 1)] < 0.99 and two.notes  # The old default, said.
    # Without memory times the rounds reaching the target when made are the estimate's: the same run as given them.
    fresh = Link((0, 1), rate_hz=2.29e5, fidelity=0.95, latency_s=1e-5)
    a = simulate_execution(PHYSICAL_TEXT, PHYSICAL, [fresh], **sim)
    b = simulate_execution(PHYSICAL_TEXT, PHYSICAL, [fresh], purification_rounds={(0, 1): 2}, **sim)
    assert a.wall_clock_s == b.wall_clock_s and a.raw_pairs_generated == b.raw_pairs_generated
