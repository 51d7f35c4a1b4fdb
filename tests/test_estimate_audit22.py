"""Trust gaps of the distributed-workload estimator closed in the twenty-second round: each test states the old answer."""

import pytest

from qnsim.estimate import QPU, Link, estimate, operated_links, operated_purification_rounds, simulate_execution

_FAST = "REPEAT 400 {\nCX 0 1\n" + "H 0\n" * 2 + "}\n"  # A remote CX each 0.2 ms (1e-4 s one-qubit gates),
_SLOW = "REPEAT 400 {\nCX 0 1\n" + "H 0\n" * 21 + "}\n"  # then one each 2.1 ms.
_QPUS = [QPU(t_1q_s=1e-4, e_1q=0.0, e_2q=0.0, e_meas=0.0)] * 2
_LINKS = [Link((0, 1), rate_hz=2000, fidelity=0.95, latency_s=1e-5, memory_t1_s=0.2, memory_t2_s=0.2)]


def _phased(workload):
    return estimate(workload, _QPUS, _LINKS, placement=[0, 1], target_fidelity=0.9, error_budget=0.9)


def test_a_run_whose_phases_use_pairs_at_different_paces_is_judged_at_its_worst_phase():
    """400 remote CX a pair each 0.2 ms, then 400 a pair each 2.1 ms, over a 2 kHz link with 0.2 s memories and a
    0.9 target. Old behaviour: the storage wait took the run's mean pace; the estimate ran a 6-pair buffer and read
    F = 0.9066 at use ("meets the target"), where the simulation of that buffer used the slow phase's pairs at 0.871
    (they wait out the full buffer at the slow pace). Now each phase (top-level block) is priced at its own pace and
    the target judged at the worst: a 3-pair buffer, the slow phase's pairs 0.9106 priced and 0.9107 simulated."""
    report = _phased(_FAST + _SLOW)
    (lr,) = report.links
    assert lr.fidelity_at_use >= 0.9
    # The slow phase alone is priced the same: the worst phase sets the figure.
    assert lr.fidelity_at_use == pytest.approx(_phased(_SLOW).links[0].fidelity_at_use, abs=1e-3)
    (note,) = [n for n in report.notes if n.startswith("link 0-1: pairs wait")]
    assert "phase whose pairs are used at the lowest F" in note and "0.5 of its pairs wait" in note
    links = operated_links(report, _LINKS)
    kw = {"placement": [0, 1], "target_fidelity": 0.9, "seed": 3,
          "purification_rounds": operated_purification_rounds(report)}
    both = simulate_execution(_FAST + _SLOW, _QPUS, links, **kw)
    fast = simulate_execution(_FAST, _QPUS, links, **kw)
    n_both, n_fast = both.pairs_consumed[(0, 1)], fast.pairs_consumed[(0, 1)]
    slow_at_use = (both.mean_fidelity_at_use[(0, 1)] * n_both
                   - fast.mean_fidelity_at_use[(0, 1)] * n_fast) / (n_both - n_fast)
    assert slow_at_use >= 0.9
    assert slow_at_use == pytest.approx(lr.fidelity_at_use, abs=3e-3)


def test_a_link_written_end_first_is_priced_by_phase_too():
    """Link((1, 0), ...) is the same link as Link((0, 1), ...): its phases are found by its QPU pair either way (the
    per-phase counts are keyed by the sorted pair; a lookup by the link's own order found none)."""
    reversed_links = [Link((1, 0), rate_hz=2000, fidelity=0.95, latency_s=1e-5, memory_t1_s=0.2, memory_t2_s=0.2)]
    report = estimate(_FAST + _SLOW, _QPUS, reversed_links, placement=[0, 1], target_fidelity=0.9, error_budget=0.9)
    assert report.links[0].fidelity_at_use == _phased(_FAST + _SLOW).links[0].fidelity_at_use
    assert report.wall_clock_s == _phased(_FAST + _SLOW).wall_clock_s


def test_a_run_whose_phases_use_pairs_at_different_paces_takes_each_phases_time():
    """The same run: its fast phase asks for 5,000 pairs/s of a 2 kHz link (link-bound, about 0.2 s), its slow phase
    runs 0.84 s of its own work. Old behaviour: the link's time was priced at the run's mean pace (0.92 s, shorter
    than the phases one after the other), where the simulation takes 1.035 s. Now each phase's time at its own pace,
    added: within 1% of the simulation."""
    report = _phased(_FAST + _SLOW)
    links = operated_links(report, _LINKS)
    simulated = simulate_execution(_FAST + _SLOW, _QPUS, links, placement=[0, 1], target_fidelity=0.9, seed=1,
                                   purification_rounds=operated_purification_rounds(report))
    assert report.wall_clock_s == pytest.approx(simulated.wall_clock_s, rel=0.01)
    assert report.bound.startswith("link 0-1")


def test_an_even_pace_is_said_where_phases_are_not_known():
    """A streamed count has no phases: the storage wait takes the run's mean pace. Old behaviour: said nowhere. Now
    the wait's note says the figure assumes an even pace."""
    from qnsim.estimate.workload import GateCounts, Workload

    counts = Workload(_FAST + _SLOW).counts
    assert isinstance(counts, GateCounts)
    report = estimate(counts, _QPUS, _LINKS, placement=[0, 1], target_fidelity=0.9, error_budget=0.9)
    (note,) = [n for n in report.notes if n.startswith("link 0-1: pairs wait")]
    assert "assumes the run uses the link's pairs at an even pace" in note
    # A circuit of one phase has nothing to say.
    one = _phased(_SLOW)
    (note,) = [n for n in one.notes if n.startswith("link 0-1: pairs wait")]
    assert "even pace" not in note and "phase" not in note


def test_a_channel_count_from_a_simulated_rate_is_given_across_its_interval():
    """A link whose rate was measured by a simulation (1000 pairs/s, 95% interval [900, 1100]) must make 1e4 raw
    pairs/s to meet a 0.1 s limit. Old behaviour: "10 channels instead of 1", the calibrated rate taken as exact
    (Link had no place for the interval). Now the reason gives the interval beside the rate and the channels across
    it: 10 at the rate, 10 to 12 across the interval; the link report carries it (JSON schema 6)."""
    workload = "REPEAT 1000 {\nCX 0 1\nH 0\n}\n"
    qpus = [QPU(num_qubits=1, e_1q=0.0, e_2q=0.0, e_meas=0.0)] * 2
    measured = Link((0, 1), rate_hz=1000, fidelity=1.0, rate_interval95=(900, 1100))
    report = estimate(workload, qpus, [measured], max_runtime_s=0.1, error_budget=0.9)
    (reason,) = [r for r in report.reasons if r.startswith("runtime")]
    assert "(has 1e+03, 95% interval [900, 1100]): 10 channels (10 to 12 across the simulated rate's 95% interval) " \
           "instead of 1" in reason
    assert report.links[0].rate_interval95 == [900.0, 1100.0]
    exact = estimate(workload, qpus, [Link((0, 1), rate_hz=1000, fidelity=1.0)], max_runtime_s=0.1, error_budget=0.9)
    (reason,) = [r for r in exact.reasons if r.startswith("runtime")]
    assert "(has 1e+03): 10 channels instead of 1" in reason and exact.links[0].rate_interval95 is None


@pytest.mark.parametrize(("interval", "message"), [
    ((1100, 1200), r"rate_interval95 = \(1100, 1200\) pairs/s must hold rate_hz = 1000"),
    ((900,), r"rate_interval95 must be a pair \(low, high\)"),
    ((-1, 1100), r"rate_interval95\[0\]"),
])
def test_a_rate_interval_that_does_not_hold_the_rate_is_refused(interval, message):
    """The interval is the rate's own: one that leaves it out (or is no pair of rates) is refused by name."""
    with pytest.raises(ValueError, match=message):
        Link((0, 1), rate_hz=1000, fidelity=0.99, rate_interval95=interval)


def test_the_cli_carries_the_calibrations_interval_and_a_version_5_report_reads_back(tmp_path, capsys):
    """`qnsim estimate` with a ``scenario =`` link: old behaviour "N channels instead of 1" from the calibrated rate
    alone and no interval in the JSON. Now the link's JSON has the calibration's rate_interval95, a report of
    schema version 5 (without it) reads back with None, and the CLI's reason gives the channel range."""
    import json
    import shutil
    from pathlib import Path

    from qnsim.estimate import EstimateReport, calibrate_link
    from qnsim.estimate_cli import main

    shutil.copy(Path(__file__).resolve().parents[1] / "examples" / "two_qpus_transducers.toml", tmp_path / "net.toml")
    (tmp_path / "w.stim").write_text("REPEAT 1000 {\n  CX 0 1\n  H 0\n}\n")
    (tmp_path / "links.toml").write_text(
        '[[qpu]]\nnum_qubits = 1\ncount = 2\n[[link]]\nqpus = [0, 1]\nscenario = "net.toml"\nrequest = 1\n'
        "until_s = 0.05\nseed = 1\n[estimate]\nerror_budget = 0.9\nmax_runtime_s = 0.1\n")
    assert main(["estimate", str(tmp_path / "w.stim"), "--links", str(tmp_path / "links.toml"), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    cal = calibrate_link(tmp_path / "net.toml", 1, until_s=0.05, seed=1)
    (lk,) = data["links"]
    assert cal.rate_interval95 is not None and lk["rate_interval95"] == list(cal.rate_interval95)
    (reason,) = [r for r in data["reasons"] if r.startswith("runtime")]
    assert "across the simulated rate's 95% interval" in reason
    old = {**data, "schema_version": 5, "links": [{k: v for k, v in lk.items() if k != "rate_interval95"}]}
    back = EstimateReport.from_dict(old)
    assert back.schema_version == 9 and back.links[0].rate_interval95 is None
    assert EstimateReport.from_dict(data).links[0].rate_interval95 == list(cal.rate_interval95)


def test_an_error_corrected_run_of_two_phases_using_pairs_says_how_its_phases_are_priced():
    """An error-corrected run whose two top-level blocks both use the link's pairs. Old behaviour: priced at the run's
    mean pace, said nowhere. Round 22 said that the wait assumes an even pace; since round 24 each phase is priced at
    its own pace (its share of the logical depth) and the wait's note gives the phases; a run whose pairs fall in one
    phase (its final measurements another) says nothing of phases."""
    from qnsim.estimate import SurfaceCode

    qpus = [QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), num_qubits=10**6)] * 2
    link = Link((0, 1), rate_hz=1e6, fidelity=0.9839, latency_s=1e-9, memory_t1_s=1.0, memory_t2_s=1.0)
    two = "REPEAT 100 {\nT 0\nCX 0 1\n}\nREPEAT 100 {\n" + "T 0\n" * 8 + "CX 0 1\n}\nM 0 1\n"
    one = "REPEAT 100 {\nT 0\nCX 0 1\n}\nM 0 1\n"
    for workload, said in ((two, True), (one, False)):
        report = estimate(workload, qpus, [link], placement=[0, 1])
        (note,) = [n for n in report.notes if n.startswith("link 0-1: pairs wait")]
        assert ("phase whose pairs are used at the lowest F" in note) is said, note
        assert "even pace" not in note


def _estimate_round_wait_s(pairs, rate_hz, cycle_s):
    """The estimate's wait for a syndrome round's pair (Estimator._storage_wait_s without pairs under way): a
    ``pairs``-pair buffer, consumers taking one pair each ``cycle_s / pairs``, the larger of the buffer's wait and the
    gathering's."""
    from qnsim.estimate.estimator import _between, _buffer_wait_s, _gathering_wait_s, _room

    tau = cycle_s / pairs
    wait = _between(_room(pairs, 0.0, rate_hz, tau), lambda b: _buffer_wait_s(tau, rate_hz, b))
    if rate_hz * tau > 1:
        wait = max(wait, min(1.0, rate_hz * tau - 1) * (pairs * tau - 1 / rate_hz))
    return max(wait, _gathering_wait_s(pairs, rate_hz))


@pytest.mark.parametrize(("rate_per_required", "estimate_cycles", "qec_cycles"),
                         [(0.5, 0.92, 0.92), (1, 0.49, 0.57), (2, 0.96, 0.73), (100, 1.0, 0.99)])
def test_the_estimate_and_the_qec_module_price_a_pairs_wait_to_its_rounds_start_as_their_docs_say(
        rate_per_required, estimate_cycles, qec_cycles):
    """Round 21 left open whether the estimate's gathering, ``(N - 1) / (2R)`` to the batch's last arrival, and the QEC
    module's ``max(cycle, S) - A_k`` to the round's start are one semantics. Checked: both run a pair's wait to its
    round's start (the estimate's through its buffer's wait when the pairs are made ahead); they agree in both limits
    and differ between them by the two machines' consumption (one pair at a time from a buffer, or a whole batch at
    a round's start), as docs/reference/estimate-files.rst and qnsim.qec.link say with these figures (d = 7:
    13 pairs, a 13-pair buffer, at 0.5, 1, 2 and 100 times the 13 pairs per cycle that just keep up)."""
    from qnsim.qec.link import round_timing

    cycle = 1e-6
    rate = rate_per_required * 13 / cycle
    qec = round_timing(rate_hz=rate, bell_diagonal=(1.0, 0.0, 0.0, 0.0), distance=7, cycle_time_s=cycle,
                       t1_s=1.0, t2_s=1.0)
    assert qec.pairs_per_round == 13
    assert qec.storage_s / cycle == pytest.approx(qec_cycles, abs=0.006)
    assert _estimate_round_wait_s(13, rate, cycle) / cycle == pytest.approx(estimate_cycles, abs=0.006)
