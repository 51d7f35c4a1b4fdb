"""Trust gaps of the distributed-workload estimator closed in the thirteenth round: each test states the old answer."""

import dataclasses
import re

import pytest

from qnsim.estimate import QPU, Link, SurfaceCode, estimate, preset

EC = [preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), num_qubits=10**6)] * 2
EC_TEXT = "REPEAT 1000 {\nCX 0 5\nT 0\nH 5\nT 5\n}"
EC_PLACEMENT = [0] * 5 + [1] * 5


def _built_to_need(report, link):
    """The link rebuilt at the rate the report says it must deliver, with the buffer a note asks for with it."""
    need = report.links[0].required_rate_hz
    (note,) = [n for n in report.notes if n.startswith(f"link 0-1 needs {need:.3g} raw pairs/s")] or [""]
    found = re.search(r"it needs ([0-9,]+) buffer_pairs", note)
    buffer = int(found.group(1).replace(",", "")) if found else link.buffer_pairs
    return dataclasses.replace(link, rate_hz=need / link.channels, buffer_pairs=buffer)


def test_a_link_built_to_its_stated_need_meets_it_when_the_rate_changes_the_purification():
    """Two error-corrected QPUs over a 1e5 pairs/s link of F = 0.9 with 0.1 s memories: "what each link must deliver"
    said 9.71e+07 raw pairs/s, the need of its pairs as the link is given (d = 9, 1 purification round). A link built
    to it (and to the buffer the note named) ran 3,629 logical cycles for the algorithm's 2,000, link-bound: at that
    rate the run is shorter, d falls to 7, and d = 7's remote operations need pairs of 3 rounds, 3.51e+08 raw pairs/s.
    The need is now checked by estimating again at it and stated where a link of that rate meets it, with a note."""
    link = Link((0, 1), rate_hz=1e5, fidelity=0.9, latency_s=1e-5, memory_t1_s=0.1, memory_t2_s=0.1)
    report = estimate(EC_TEXT, EC, [link], placement=EC_PLACEMENT)
    need = report.links[0].required_rate_hz
    assert need == pytest.approx(3.51e8, rel=0.01)
    (note,) = [n for n in report.notes if n.startswith("link 0-1 must deliver")]
    # (d = 9 and 9.71e+07 until audit 20 priced the gathering of a syndrome round's pairs at the link's 1e5 pairs/s.)
    assert "not the 1.2e+08 its pairs ask for as the link is given (d = 11, 1 purification round(s)" in note
    assert "d = 7, 3 purification round(s)" in note
    built = estimate(EC_TEXT, EC, [_built_to_need(report, link)], placement=EC_PLACEMENT)
    assert built.error_corrected.logical_cycles <= 1.01 * built.error_corrected.algorithmic_logical_depth
    assert "link" not in built.bound
    old = estimate(EC_TEXT, EC, [dataclasses.replace(link, rate_hz=9.71e7, buffer_pairs=578)], placement=EC_PLACEMENT)
    assert old.error_corrected.logical_cycles > 1.5 * old.error_corrected.algorithmic_logical_depth


def test_a_stated_need_is_not_far_above_the_rate_that_meets_it():
    """The same QPUs over a 1e5 pairs/s link of F = 0.99 (no memory times): the need was 8.62e+07 raw pairs/s, priced
    at d = 9, the distance of the link-bound run as given; a link of that rate runs at d = 7, where 6.59e+07 is enough
    (the first figure asked for 31% more than needed). The need stated is the one a link of its rate meets."""
    link = Link((0, 1), rate_hz=1e5, fidelity=0.99, latency_s=1e-5)
    report = estimate(EC_TEXT, EC, [link], placement=EC_PLACEMENT)
    need = report.links[0].required_rate_hz
    assert need == pytest.approx(6.59e7, rel=0.01)
    built = estimate(EC_TEXT, EC, [_built_to_need(report, link)], placement=EC_PLACEMENT)
    assert built.error_corrected.logical_cycles <= 1.01 * built.error_corrected.algorithmic_logical_depth
    assert built.links[0].required_rate_hz == pytest.approx(need, rel=0.01)  # Its own fixed point.


def test_a_physical_links_need_with_stored_pairs_is_one_a_link_of_that_rate_meets():
    """Physical QPUs, a 1e4 pairs/s link of F = 0.95 whose 0.05 s memories hold its pairs, purified to 0.99: the need
    was 2.29e+05 raw pairs/s (the raw pairs of 2 rounds over the run's 6 ms of gates). Estimated with a link of that
    rate, the pairs wait in a fuller buffer, take 3 rounds, and the run takes 12 ms, twice the time the need was to
    keep. The need is now one at which the estimate's run keeps the gates' pace (within 5%). Round 49 (the buffer's
    filling priced): at 2.29e5 pairs/s 2 rounds meet the need at use (F 0.9917; simulated 0.9932 on average), so the
    need is that figure again, now a fixed point: a link of it keeps the pace on the 2 rounds it was counted with."""
    qpus = [QPU(num_qubits=2, e_1q=0.0, e_2q=0.0, e_meas=0.0, t_1q_s=1e-5)] * 2
    text = "REPEAT 300 {\nCX 0 2\nH 0\nH 0\nH 2\n}"
    link = Link((0, 1), rate_hz=1e4, fidelity=0.95, latency_s=1e-5, memory_t1_s=0.05, memory_t2_s=0.05)
    kw = {"placement": [0, 0, 1, 1], "error_budget": 0.9, "target_fidelity": 0.99}
    report = estimate(text, qpus, [link], **kw)
    need = report._delivery(report.links[0])[0]
    assert need == pytest.approx(2.29e5, rel=0.01)
    built = estimate(text, qpus, [dataclasses.replace(link, rate_hz=need)], **kw)
    assert built.links[0].purification_rounds == report.links[0].purification_rounds == 2
    assert built.links[0].fidelity_at_use >= 0.99
    # Audit 55: at the need's pace its buffer fills from empty while the gates wait (a random walk's stall): 6.35 ms
    # priced, 6.20 ms +- 0.03 simulated (16 seeds), where the 6.07 ms before was 5 standard errors short.
    assert built.wall_clock_s <= 1.07 * (built.time_local_s + built.time_latency_s)
    assert built._delivery(built.links[0])[0] == pytest.approx(need, rel=0.01)


def test_a_budget_whose_parts_leave_part_of_the_total_unused_says_so():
    """ErrorBudget(1e-2, logical=1e-3, t_states=1e-3) for CCZs on one QPU: the rest of the total, 8e-3, was meant for
    rotations and remote operations the run lacks. The code distance was sized for the two parts (d = 5) while the
    report's row read "expected failures 0.000863 / 0.01", as if the total had sized it, and nothing said that 0.008
    of it went unused. A note says so now; a budget whose parts use the whole total has none."""
    from qnsim.estimate import ErrorBudget

    qpu = preset("qubit_gate_ns_e4", surface_code=SurfaceCode())
    text = "REPEAT 10 {\nCCZ 0 1 2\n}"
    report = estimate(text, qpu, error_budget=ErrorBudget(1e-2, logical=1e-3, t_states=1e-3))
    (note,) = [n for n in report.notes if n.startswith("error budget: the parts")]
    assert "sum to 0.002 of the total 0.01; the other 0.008 is unused (the run has no rotations or remote part" in note
    assert report.error_budget.logical + report.error_budget.t_states == pytest.approx(2e-3)
    whole = estimate(text, qpu, error_budget=ErrorBudget(1e-2, logical=1e-3))
    assert not [n for n in whole.notes if n.startswith("error budget: the parts")]
    assert whole.error_budget.t_states == pytest.approx(9e-3)


def test_a_run_that_waits_for_its_first_raw_pair_is_priced_with_that_wait():
    """500 remote CX sharing one pair (a cat-entangler on control 0), each followed by a 10 us gate on its target,
    over a link of 199 raw pairs/s: the estimate was 5.06 ms, the gates' time, as if the pair were there at once
    (only a purified pair's first arrival over a link with latency was counted). Every gate waits for the pair,
    which comes 5 ms in on average: 10.3 ms simulated (300 seeds). The wall clock now adds the first pair, with the
    note that says the run may end up to that much sooner where local gates do not wait for it."""
    import numpy as np

    from qnsim.estimate import simulate_execution

    qpus = [QPU(num_qubits=4, e_1q=0.0, e_2q=0.0, e_meas=0.0, t_1q_s=1e-5)] * 2
    text = "REPEAT 500 {\nCX 0 2\nH 2\n}"
    link = [Link((0, 1), rate_hz=199, fidelity=0.999)]
    report = estimate(text, qpus, link, placement=[0, 0, 1, 1], error_budget=0.99)
    assert report.bell_pairs == 1
    assert report.wall_clock_s == pytest.approx(5.025e-3 + 1 / 199, rel=1e-3)
    (note,) = [n for n in report.notes if "its first pair is ready only" in n]
    assert "(1 raw pairs at 199 pairs/s), 50% of the run" in note
    walls = [simulate_execution(text, qpus, link, placement=[0, 0, 1, 1], seed=s).wall_clock_s for s in range(40)]
    assert 0.8 * report.wall_clock_s <= float(np.mean(walls)) <= 1.25 * report.wall_clock_s


def test_a_links_file_gives_the_error_budget_parts_the_python_api_takes(tmp_path, capsys):
    """`estimate(..., error_budget=ErrorBudget(1e-2, remote=1e-5))` had no links-file form: [estimate] error_budget
    took a number only ("estimate.error_budget must be a real number, got {'total': 0.01, 'remote': 1e-05}"), so
    `qnsim estimate` could not check a run against a remote part: with the total alone it said "feasible" where the
    API says the remote faults exceed their part. [estimate.error_budget] takes the total and parts; the CLI's JSON
    report is the API's."""
    import json

    from qnsim.cli import main
    from qnsim.config import ConfigError
    from qnsim.estimate import ErrorBudget
    from qnsim.estimate_cli import load_network

    (tmp_path / "w.stim").write_text("CX 0 1\nCX 0 1\nH 0\nCX 0 1\n")
    net = ("[[qpu]]\ncount = 2\nnum_qubits = 2\ne_1q = 0.0\ne_2q = 0.0\ne_meas = 0.0\n"
           "[[link]]\nqpus = [0, 1]\nrate_hz = 1e6\nfidelity = 0.9999\n"
           "[estimate]\nplacement = [0, 1]\n[estimate.error_budget]\ntotal = 1e-2\nremote = 1e-5\n")
    (tmp_path / "links.toml").write_text(net)
    qpus, links, opts = load_network({"qpu": [{"count": 2, "num_qubits": 2, "e_1q": 0.0, "e_2q": 0.0,
                                               "e_meas": 0.0}],
                                      "link": [{"qpus": [0, 1], "rate_hz": 1e6, "fidelity": 0.9999}],
                                      "estimate": {"placement": [0, 1],
                                                   "error_budget": {"total": 1e-2, "remote": 1e-5}}})
    assert opts["error_budget"] == ErrorBudget(1e-2, remote=1e-5)
    api = estimate((tmp_path / "w.stim").read_text(), qpus, links, **opts)
    assert not api.feasible and "exceed its remote part of 1e-05" in api.reasons[0]
    # The command in this process (qnsim.cli.main): a Python process of its own only added its start and imports.
    capsys.readouterr()
    status = main(["estimate", str(tmp_path / "w.stim"), "--links", str(tmp_path / "links.toml"), "--json"])
    cli = capsys.readouterr()
    assert status == 1, cli.err
    assert json.loads(cli.out) == json.loads(api.to_json())
    for table, message in [({"total": 1e-2, "remote": 2e-2}, "parts sum to 0.02, above the total 0.01"),
                           ({"total": 1e-2, "remote_part": 1e-3}, "remote_part"),
                           ({"total": 1.0}, r"must be in \(0, 1\), got 1.0")]:
        with pytest.raises(ConfigError, match=message):
            load_network({"qpu": [{"count": 2}], "estimate": {"error_budget": table}})
    with pytest.raises(ConfigError, match=r"must be in \(0, 1\), got 1.0"):
        load_network({"qpu": [{"count": 2}], "estimate": {"error_budget": 1.0}})
    assert load_network({"qpu": [{"count": 2}], "estimate": {"error_budget": 0.01}})[2]["error_budget"] == 0.01
