"""Results that stop early or rest on few samples say so in the result itself (notes), not only
in the numbers: interrupted runs, stabilizer trajectories that all came out alike, one pair."""

import json
import math
import re
import signal
import threading
import time

import numpy as np
import pytest
from scenarios import two_node_scenario

import qnsim
from qnsim import qec
from qnsim.estimate import QPU, calibrate_link, estimate, link_from_model
from qnsim.estimate.calibrate import MIN_CALIBRATION_PAIRS
from qnsim.estimate_cli import main as estimate_main
from qnsim.plot import summarize
from qnsim.plot_cli import main as plot_main
from qnsim.qec_cli import main as qec_main
from qnsim.results import RequestResult


def _one_link(formalism, num_pairs, fidelity=0.95, seed=3):
    net = qnsim.Network(formalism, seed=seed)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=fidelity, rate_hz=1e3)
    net.request("a", "b", num_pairs=num_pairs)
    return net.run(until_s=1.0, progress=False)


@pytest.mark.parametrize("progress", [False, True])
def test_interrupted_run_says_so(progress, capsys):
    """Old behaviour: after a Ctrl-C inside run(), net.result() read like a complete run to the time
    reached (until_s == now_s, no note) and its wall time read 0 s."""
    net = qnsim.chain(30, length_km=10.0, fidelity=0.99, rate_hz=1e5, network=qnsim.Network("bell_diagonal", seed=1))
    net.request("n0", "n29")

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(KeyboardInterrupt):
            net.run(until_s=1000.0, progress=progress)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert 0 < net.now_s < 1000.0
    result = net.result()
    assert any(n.startswith("INTERRUPTED: the run stopped at") and "1 ks" in n for n in result.notes)
    assert result.wall_time_s > 0
    assert "note: INTERRUPTED" in result.summary_table()
    assert any("INTERRUPTED" in n for n in json.loads(result.to_json(include_pairs=False))["notes"])
    # Running on to the end clears it: the results are then those of a complete run.
    assert not any("INTERRUPTED" in n for n in net.run(until_s=net.now_s + 1e-3, progress=False).notes)


def test_complete_run_has_no_interrupted_note():
    assert not any("INTERRUPTED" in n for n in _one_link("bell_diagonal", 5).notes)


def test_stabilizer_all_alike_is_not_plus_minus_zero():
    """Old behaviour: five stabilizer trajectories that all came out |Phi+> printed
    "1.0000 +- 0" (Student t on 0/1 values with no spread) and no note."""
    result = _one_link("stabilizer", 5, fidelity=1.0)
    r = result.requests[0]
    assert r.mean_fidelity == 1.0
    low, high = r.fidelity_interval95
    assert high == 1.0 and low == pytest.approx(5 / (5 + 1.96**2), rel=1e-6)  # Wilson with no failure
    assert r.fidelity_ci95 == pytest.approx(1.0 - low)
    assert "+- 0 " not in result.summary_table() and f"+- {r.fidelity_ci95:.4f}" in result.summary_table()
    assert any(n.startswith("all 5 delivered pair(s) came out |Phi+>") and "at least 0.5655" in n for n in r.notes)
    assert r.summary()["fidelity_interval95"] == [pytest.approx(low), 1.0]


def test_stabilizer_interval_stays_inside_zero_one():
    """Old behaviour: 4 of 5 trajectories gave 0.8 +- 0.555 (Student t), an interval reaching 1.36."""
    r = RequestResult(0, "a", "b", ["a", "b"], 0.0, None, np.arange(1.0, 6.0), np.array([1.0, 1.0, 1.0, 0.0, 1.0]),
                      np.zeros(5), end_s=5.0, formalism="stabilizer")  # fmt: skip
    low, high = r.fidelity_interval95
    assert 0 < low < 0.8 < high < 1.0
    assert r.fidelity_ci95 == pytest.approx(max(0.8 - low, high - 0.8))
    # A spread was seen: the interval says it all (5 pairs in an open window only bound the rate).
    assert [n for n in r.notes if not n.startswith("rate from only 5 pair(s)")] == []


def test_capped_stabilizer_counts_every_pair():
    net = qnsim.Network("stabilizer", seed=2, max_records=3)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.8, rate_hz=1e3)
    net.request("a", "b", num_pairs=200)
    r = net.run(until_s=1.0, progress=False).requests[0]
    assert r.capped
    ones = round(r.mean_fidelity * 200)
    assert r.fidelity_interval95 == qnsim.qec.wilson_interval(ones, 200)


def test_one_pair_says_it_is_one_sample():
    """Old behaviour: one delivered pair printed its fidelity with no interval and no word that it was one pair."""
    result = _one_link("bell_diagonal", 1)
    r = result.requests[0]
    assert math.isnan(r.fidelity_ci95) and r.fidelity_interval95 is None
    assert "one pair delivered" in "; ".join(r.notes)
    assert "one pair delivered" in result.summary_table()


def test_exact_formalism_equal_pairs_keep_zero_interval():
    """Every pair of an exact formalism with no decay has the same fidelity: +- 0 is the truth."""
    r = _one_link("density_matrix", 5).requests[0]
    assert r.fidelity_ci95 == 0.0 and r.fidelity_interval95 == pytest.approx((0.95, 0.95)) and r.notes == []


def _thin_link(until_s):
    net = qnsim.Network("bell_diagonal", seed=5)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=100.0)
    net.request("a", "b")
    return calibrate_link(net, until_s=until_s)


def test_calibration_from_few_pairs_says_how_uncertain_it_is():
    """Old behaviour: a link calibrated from a handful of pairs gave its rate and fidelity as if
    exact; the estimate's report said nothing of it."""
    link = _thin_link(0.05)
    assert 0 < link.pairs < MIN_CALIBRATION_PAIRS
    assert len(link.notes) == 1 and link.notes[0].startswith(f"calibrated from only {link.pairs} pair(s)")
    # A fixed schedule (a rate alone) has no sampling noise, and the note says so (journeys 11 made it quote the
    # rate's own 95% interval where it has one, in place of 1.96 / sqrt(n)).
    assert "the rate 100 pairs/s is without sampling noise (a fixed schedule)" in link.notes[0]
    report = estimate("CX 0 1\n", [QPU(num_qubits=1), QPU(num_qubits=1)], [link_from_model(link, (0, 1))])
    assert any(n.startswith("link 0-1: calibrated from only") for n in report.notes)
    assert any("calibrated from only" in n for n in json.loads(report.to_json())["notes"])


def test_calibration_from_many_pairs_has_no_note():
    link = _thin_link(2.0)
    assert link.pairs >= MIN_CALIBRATION_PAIRS and link.notes == ()


def test_links_file_calibration_notes_reach_the_report(tmp_path, capsys):
    """Old behaviour: `qnsim estimate` with a `scenario =` link printed the calibration on stderr
    only (no word on how few pairs it rested on), and the report, plain or --json, had nothing."""
    (tmp_path / "net.toml").write_text(
        two_node_scenario(0.03, formalism="bell_diagonal", seed=5, length_km=1.0, rate_hz=100.0))
    (tmp_path / "links.toml").write_text('[[qpu]]\nnum_qubits = 1\ncount = 2\n[[link]]\nqpus = [0, 1]\n'
                                         'scenario = "net.toml"\n')
    (tmp_path / "w.stim").write_text("CX 0 1\n")
    estimate_main(["estimate", str(tmp_path / "w.stim"), "--links", str(tmp_path / "links.toml"), "--json"])
    out, err = capsys.readouterr()
    assert "WARNING: calibrated from only" in err
    assert any(n.startswith("link 0-1: calibrated from only") for n in json.loads(out)["notes"])
    # Figures given in the table win over the calibration's: its few pairs then price nothing.
    (tmp_path / "links.toml").write_text('[[qpu]]\nnum_qubits = 1\ncount = 2\n[[link]]\nqpus = [0, 1]\n'
                                         'scenario = "net.toml"\nrate_hz = 1e3\nfidelity = 0.99\n')
    estimate_main(["estimate", str(tmp_path / "w.stim"), "--links", str(tmp_path / "links.toml"), "--json"])
    out, err = capsys.readouterr()
    assert "calibrated from only" not in err and not any("calibrated" in n for n in json.loads(out)["notes"])


def test_qec_estimate_with_no_error_is_not_zero():
    """Old behaviour: 0 errors in N shots gave per_round 0.0 with nothing saying the rate is only bounded."""
    est = qec.LogicalErrorEstimate(shots=1000, errors=0, rounds=3)
    assert est.per_round == 0.0
    assert len(est.notes) == 1 and est.notes[0].startswith("no logical error in 1000 shots")
    assert f"below {est.per_round_interval()[1]:.3g}" in est.notes[0]
    assert qec.LogicalErrorEstimate(shots=1000, errors=3).notes[0].startswith("only 3 logical error(s)")
    assert qec.LogicalErrorEstimate(shots=10**6, errors=500).notes == []


def test_qec_sampling_that_runs_out_of_shots_says_so():
    """Old behaviour: max_shots reached before max_errors left no trace in the estimate."""
    circuit = qec.memory_circuit(3, 3, noise=qec.NoiseModel.uniform_depolarizing(0.002))
    est = qec.sample_logical_error(circuit, max_shots=300, max_errors=1000, seed=1, rounds=3)
    assert est.shots == 300 and est.errors < 1000 and est.max_errors == 1000
    assert any(n.startswith(f"max_shots ran out at 300 shots with {est.errors} of the 1000 errors") for n in est.notes)
    reached = qec.sample_logical_error(
        qec.memory_circuit(3, 3, noise=qec.NoiseModel.uniform_depolarizing(0.05)),
        max_shots=100_000, max_errors=20, seed=1, rounds=3,
    )  # fmt: skip
    assert reached.errors >= 20 and not any("max_shots" in n for n in reached.notes)


def _threshold_rows(d5_at_002):
    rows = []
    for d, rates in ((3, (0.010, 0.020)), (5, (0.005, d5_at_002))):
        for x, rate in zip((0.01, 0.02), rates):
            rows.append({"distance": d, "p": x, "errors": round(rate * 10**6), "shots": 10**6, "rounds": 1})
    return rows


def test_threshold_extrapolated_beyond_the_grid_says_so(capsys, tmp_path):
    """Old behaviour: the fit's crossing 0.0216, past the largest sampled p = 0.02, read like a
    measured threshold, from lines through two points each, without a word."""
    est = qec.estimate_threshold(_threshold_rows(0.005 * 2**1.9), x_key="p", bootstrap=0)
    assert est.value == pytest.approx(0.01 * 2 ** (1 / 0.9), rel=1e-3)
    assert any(n.startswith("the crossing 0.0216 lies outside the usable points [0.01, 0.02]") for n in est.notes)
    assert any("fitted through only 2 usable points" in n for n in est.notes)
    path = tmp_path / "rows.csv"
    rows = _threshold_rows(0.005 * 2**1.9)
    lines = [f"{r['distance']},{r['p']},{r['errors']},{r['shots']},{r['rounds']}\n" for r in rows]
    path.write_text("distance,p,errors,shots,rounds\n" + "".join(lines))
    assert qec_main(["threshold", str(path), "--x", "p", "--bootstrap", "0"]) == 0
    assert "note: the crossing 0.0216 lies outside" in capsys.readouterr().out


def test_threshold_inside_the_grid_from_enough_points_has_no_note():
    rows = []
    for d, slope, scale in ((3, 1.0, 0.01), (5, 2.0, 0.006)):
        for x in (0.005, 0.01, 0.02):
            rate = scale * (x / 0.01) ** slope
            rows.append({"distance": d, "p": x, "errors": round(rate * 10**6), "shots": 10**6, "rounds": 1})
    est = qec.estimate_threshold(rows, x_key="p", bootstrap=0)
    assert 0.005 < est.value < 0.02 and est.notes == []


def _sweep_rows(missing=()):
    return [
        {"L": L, "seed": s, "rate_hz": 100.0 / L + s, "mean_fidelity": math.nan if L == 40 else 0.9 - 0.01 * s}
        for L in (10, 20, 40) for s in (0, 1, 2) if (L, s) not in missing
    ]  # fmt: skip


def test_summarize_single_seed_has_no_zero_error():
    """Old behaviour: a point with one seed got a standard error of 0.0, drawn as an exact mean."""
    table = summarize(_sweep_rows(missing={(20, 1), (20, 2)}), "L", ["rate_hz"])
    sem = dict(zip(table["L"], table["rate_hz_sem"]))
    assert math.isnan(sem[20]) and sem[10] > 0
    assert any(n.startswith("rate_hz: 1 of 3 points rest on a single seed (L = 20)") for n in table.attrs["notes"])


def test_summarize_of_an_unfinished_sweep_says_so(tmp_path, capsys):
    """Old behaviour: a sweep interrupted (or with failed points) before some seeds ran was summarized
    and plotted as if complete: means over 3 seeds beside means over 2, without a word."""
    rows = _sweep_rows(missing={(40, 2)})
    table = summarize(rows, "L", ["rate_hz", "mean_fidelity"])
    assert table.attrs["seeds_per_point"] == (2, 3)
    assert any("unequal numbers of seeds, 2 to 3 (fewest at L = 40)" in n for n in table.attrs["notes"])
    path = tmp_path / "rows.csv"
    path.write_text("L,seed,rate_hz,mean_fidelity\n" + "".join(
        f"{r['L']},{r['seed']},{r['rate_hz']!r},{'' if math.isnan(r['mean_fidelity']) else repr(r['mean_fidelity'])}\n"
        for r in rows))  # fmt: skip
    assert plot_main([str(path)]) == 0
    assert "note: rate_hz, mean_fidelity: the points rest on unequal numbers of seeds" in capsys.readouterr().err


def test_summarize_of_a_complete_sweep_has_no_note():
    # A fidelity without pairs (NaN) is a finished seed, not a missing one.
    table = summarize(_sweep_rows(), "L", ["rate_hz", "mean_fidelity"])
    assert table.attrs["notes"] == [] and table.attrs["seeds_per_point"] == (3, 3)


_UNFINISHED = two_node_scenario(0.01, formalism="bell_diagonal", length_km=1.0, rate_hz=1000.0) + "num_pairs = 5\n"


def test_sweep_rows_carry_the_notes(tmp_path):
    """Old behaviour: a sweep row of a run that stopped with its request unfinished (or with one pair,
    or unentangled pairs) had the figures but none of the notes the printed result shows."""
    path = tmp_path / "s.toml"
    path.write_text(_UNFINISHED)
    out = tmp_path / "rows.parquet"
    # 10 ms at 1 kHz: 5 pairs are served in time; 2 ms cannot serve them.
    served = qnsim.sweep(str(path), {"run.until_s": [0.01]}, seeds=1, out=out, workers=1, progress=False,
                         as_frame=False)  # fmt: skip
    assert served[0]["status"] == "served" and served[0]["notes"] is None
    rows = qnsim.sweep(str(path), {"run.until_s": [0.002, 0.001]}, seeds=1, out=out, workers=1, progress=False,
                       as_frame=False)  # fmt: skip
    assert rows[0]["status"] == "open" and rows[0]["notes"].startswith("a->b: unfinished: ")
    # A part whose notes are all None (no Arrow type) and one with notes still read back together.
    frame = qnsim.plot._frame(out)
    assert len(frame) == 3 and frame["notes"].notna().sum() == 2
    assert summarize(out, "run.until_s", ["rate_hz"])["rate_hz_n"].tolist() == [1, 1, 1]


def test_frames_of_capped_results_and_traces_say_so():
    """Old behaviour: to_pandas() of a run with capped records (or of a full trace) returned the
    first rows only, with nothing on the frame saying the rest was missing."""
    net = qnsim.Network("bell_diagonal", seed=2, max_records=3, trace=4)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b", num_pairs=20)
    frame = net.run(until_s=1.0, progress=False).to_pandas()
    assert len(frame) == 3
    assert "request 0 a->b: 3 of 20 pairs recorded (max_records)" in frame.attrs["notes"]
    trace = net.trace()
    assert trace.omitted > 0
    assert trace.to_pandas().attrs["notes"][0].startswith("the trace kept its first 4 records")


def test_qec_link_measured_from_few_pairs_says_so(capsys):
    """Old behaviour: measure_link on a run with a handful of pairs gave its rate as if exact (no note),
    and `qnsim qec link` printed no warning."""
    link = {"a": "a", "b": "b", "length_km": 1.0, "bell_diagonal": [0.9, 0.05, 0.03, 0.02], "rate_hz": 100.0}
    data = {"run": {"until_s": 0.05}, "nodes": [{"name": "a"}, {"name": "b"}], "links": [link],
            "requests": [{"src": "a", "dst": "b"}]}  # fmt: skip
    supply = qec.measure_link(data, 0, probes=2, seed=1)
    assert 0 < supply.pairs < MIN_CALIBRATION_PAIRS
    assert supply.notes[0].startswith(f"measured from only {supply.pairs} pair(s) in 0.05 s")
    data["run"]["until_s"] = 2.0
    assert qec.measure_link(data, 0, probes=2, seed=1).notes == ()


def test_result_named_with_an_end_not_reached_says_so():
    """Old behaviour: network.result(until_s=10) after a run to 1 s reported until_s 10 with no word
    that only 1 s had been simulated."""
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b")
    net.run(until_s=1.0, progress=False)
    assert net.result().notes == [] and net.result(until_s=1.0).notes == []
    result = net.result(until_s=10.0)
    assert result.until_s == 10.0 and result.now_s == 1.0
    assert result.notes == ["the network has run to 1 s, not to the until_s 10 s these results name: the figures "
                            "cover only the time run"]  # fmt: skip


def test_interrupted_sweep_says_what_it_kept(tmp_path, capsys):
    """Old behaviour: Ctrl-C during `qnsim sweep` printed only "interrupted": nothing said that the
    finished points were kept in out, how many, or that running it again resumes."""
    import sweep_points

    from qnsim.cli import guarded

    out = tmp_path / "rows.csv"

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    # Interrupt once the first row is in out, not after a fixed time: on a loaded machine the
    # worker may not have finished a point within any fixed delay.
    stop_watching = threading.Event()

    def interrupt_after_first_row():
        deadline = time.monotonic() + 120.0
        while not stop_watching.is_set() and time.monotonic() < deadline:
            if out.exists() and out.read_text().count("\n") >= 2:  # the header and one row
                signal.pthread_kill(threading.main_thread().ident, signal.SIGALRM)
                return
            time.sleep(0.01)

    previous = signal.signal(signal.SIGALRM, interrupt)
    watcher = threading.Thread(target=interrupt_after_first_row, daemon=True)
    try:
        watcher.start()
        code = guarded("qnsim sweep", lambda: qnsim.sweep(sweep_points.slow, {"x": list(range(200))}, out=out,
                                                          workers=1, progress=False), options={})  # fmt: skip
    finally:
        stop_watching.set()
        watcher.join()
        signal.signal(signal.SIGALRM, previous)
    assert code == 130
    err = capsys.readouterr().err
    kept = len(qnsim.sweeps.read_results(out))
    said = re.search(r"qnsim sweep: interrupted; (\d+) of 200 points finished and are in '(.*)'; run the same", err)
    assert said and said.group(2) == str(out)
    # A Ctrl-C between a row's write and its count leaves one row more in out than said.
    assert 0 < int(said.group(1)) <= kept <= int(said.group(1)) + 1 < 200
