"""Results audit, round 8: outputs that could pass for complete, correct answers when they are not
(interrupted traces, means over the seeds that happened to have a value, ...). Each test's docstring
says what the old behaviour was."""

import json
import math
import os
import signal
import subprocess
import sys
import time

import pytest

import qnsim
from qnsim.cli import main as cli_main
from qnsim.plot import plot_sweep, summarize
from qnsim.trace import Trace
from test_early_stops import _UNFINISHED as _EARLY_STOP_SCENARIO

_SLOW = """
[run]
until_s = {until}
formalism = "bell_diagonal"
[[nodes]]
name = "a"
[[nodes]]
name = "b"
[[nodes]]
name = "c"
[[links]]
a = "a"
b = "b"
length_km = 5.0
fidelity = 0.95
rate_hz = 1e5
success_probability = 0.3
[[links]]
a = "b"
b = "c"
length_km = 5.0
fidelity = 0.95
rate_hz = 1e5
success_probability = 0.3
[[requests]]
src = "a"
dst = "c"
"""


class _AlarmInterrupt:
    """Raises KeyboardInterrupt (a Ctrl-C) ``after_s`` seconds into the block."""

    def __init__(self, after_s):
        self.after_s = after_s

    def __enter__(self):
        def interrupt(signum, frame):
            raise KeyboardInterrupt

        self.previous = signal.signal(signal.SIGALRM, interrupt)
        signal.setitimer(signal.ITIMER_REAL, self.after_s)

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)


def _lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


# --- traces ---------------------------------------------------------------------------------------


def test_cli_trace_of_an_interrupted_run_has_its_records_and_says_so(tmp_path, capsys):
    """Old behaviour: ``qnsim run --trace t.jsonl`` stopped by Ctrl-C left t.jsonl empty (it was
    truncated before the run and written only after it): a trace that read as a run without events."""
    scenario = tmp_path / "s.toml"
    scenario.write_text(_SLOW.format(until=1000.0))
    trace = tmp_path / "t.jsonl"
    with _AlarmInterrupt(0.3):
        code = cli_main(
            ["run", str(scenario), "--trace", str(trace), "--trace-limit", "500", "--no-progress", "--seed", "1"]
        )
    assert code == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and f"is in {trace}" in err
    lines = _lines(trace)
    assert len(lines) == 502 and lines[0]["event"] == "link_pair"
    assert lines[-2]["event"] == "trace_truncated"
    assert lines[-1]["event"] == "run_interrupted" and lines[-1]["until_s"] == 1000.0
    assert 0 < lines[-1]["time_s"] < 1000.0
    assert max(r["time_s"] for r in lines[:-2]) <= lines[-1]["time_s"]
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_trace_of_an_interrupted_python_run_says_so(tmp_path):
    """Old behaviour: after a Ctrl-C inside Network.run, net.trace() and its JSON Lines file and
    DataFrame read as a whole run (the result said INTERRUPTED, the trace nothing)."""
    net = qnsim.chain(30, length_km=10.0, fidelity=0.99, rate_hz=1e5,
                      network=qnsim.Network("bell_diagonal", seed=1, trace=2000))  # fmt: skip
    net.request("n0", "n29")
    with _AlarmInterrupt(0.05), pytest.raises(KeyboardInterrupt):
        net.run(until_s=1000.0, progress=False)
    trace = net.trace()
    assert trace.stopped == (net.now_s, 1000.0)
    assert "run stopped at" in repr(trace)
    assert any("asked to run (interrupted)" in n for n in trace.notes())
    path = tmp_path / "t.jsonl"
    trace.write_jsonl(path)
    assert _lines(path)[-1] == {"event": "run_interrupted", "time_s": net.now_s, "until_s": 1000.0}
    pytest.importorskip("pandas")
    assert trace.to_pandas().attrs["notes"] == trace.notes()
    # Run on to the end: a complete run's trace has no such line.
    net.run(until_s=net.now_s + 1e-6, progress=False)
    assert net.trace().stopped is None and not any("interrupted" in n for n in net.trace().notes())


def test_trace_write_cut_short_leaves_no_partial_file(tmp_path, monkeypatch):
    """Old behaviour: a Ctrl-C (or a kill) while write_jsonl wrote a long trace left its first records
    under the final name, a file that read as a whole run that ended early."""
    net = qnsim.Network("bell_diagonal", seed=1, trace=True)
    for name in "ab":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.request("a", "b")
    net.run(until_s=0.01, progress=False)
    trace = net.trace()
    assert len(trace) > 50
    path = tmp_path / "t.jsonl"
    path.write_text("an older file\n")
    original = Trace.__getitem__

    def failing(self, index):
        if index == 40:
            raise KeyboardInterrupt
        return original(self, index)

    monkeypatch.setattr(Trace, "__getitem__", failing)
    with pytest.raises(KeyboardInterrupt):
        trace.write_jsonl(path)
    assert path.read_text() == "an older file\n"
    assert os.listdir(tmp_path) == ["t.jsonl"]
    monkeypatch.setattr(Trace, "__getitem__", original)
    assert trace.write_jsonl(path) == len(trace) == len(_lines(path))


def test_cli_trace_of_a_killed_run_is_not_empty_or_stale(tmp_path):
    """Old behaviour: ``qnsim run --trace t.jsonl`` killed (SIGKILL, out of memory) during the run left
    an empty t.jsonl, a trace of a run without events."""
    scenario = tmp_path / "s.toml"
    scenario.write_text(_SLOW.format(until=1000.0))
    trace = tmp_path / "t.jsonl"
    trace.write_text('{"event": "delivery", "from": "an older run"}\n')
    process = subprocess.Popen(
        [sys.executable, "-m", "qnsim", "run", str(scenario), "--trace", str(trace), "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "trace_pending" not in trace.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # into the run
    finally:
        process.kill()
        process.wait()
    assert _lines(trace)[-1]["event"] == "trace_pending"
    assert "older run" not in trace.read_text()


# --- summaries ------------------------------------------------------------------------------------


def _rows_with_gaps():
    rows = []
    for length in (10, 40):
        for seed in range(4):
            # At 40 km only seeds 0 and 1 delivered a pair: the others have no fidelity (NaN).
            fidelity = math.nan if length == 40 and seed >= 2 else 0.9 - 0.01 * seed - length / 1000
            rows.append({"L": length, "seed": seed, "mean_fidelity": fidelity, "rate_hz": 100.0 / length + seed})
    return rows


def test_summarize_says_which_means_leave_seeds_out():
    """Old behaviour: at L = 40 the mean fidelity of the 2 seeds that delivered (2 of 4) came with a
    standard error and no note; only the count column said the other 2 seeds were left out."""
    table = summarize(_rows_with_gaps(), "L", ["rate_hz", "mean_fidelity"])
    assert table.loc[table["L"] == 40, "mean_fidelity_n"].item() == 2
    notes = [n for n in table.attrs["notes"] if "have no value" in n]
    assert len(notes) == 1
    assert notes[0].startswith("mean_fidelity: at 1 of 2 points some seeds have no value")
    assert "(L = 40: 2 of 4 seeds with a value)" in notes[0]
    # rate_hz has a value for every seed: no such note.
    assert not any(n.startswith("rate_hz:") for n in table.attrs["notes"])


def test_plot_title_says_which_means_leave_seeds_out():
    """Old behaviour: the plot's title read "mean over 4 seed(s)" for a panel whose point at L = 40 was
    the mean of 2."""
    pytest.importorskip("matplotlib")
    figure = plot_sweep(_rows_with_gaps(), "L", ["rate_hz", "mean_fidelity"])
    title = figure._suptitle.get_text()
    assert "mean_fidelity: means over the seeds with a value only" in title


# --- resuming a sweep under another build -----------------------------------------------------------


def _square(params, seed):
    return {"y": params["x"] ** 2 + seed}


def test_resume_under_a_rebuild_from_other_native_sources_is_refused(tmp_path, monkeypatch):
    """Old behaviour: a sweep's scenario_id named the qnsim version only, which has stayed 0.1.0 while
    native fixes moved results (the cutoff fixes changed 1,028 scenario hashes): a sweep resumed after
    reinstalling qnsim from newer sources mixed the old build's rows with the new one's, without a word."""
    from qnsim import _core
    from qnsim.sweeps import sweep

    out = tmp_path / "r.csv"
    first = sweep(_square, {"x": [1, 2]}, seeds=2, out=out, workers=1, progress=False, as_frame=False)
    assert sweep(_square, {"x": [1, 2]}, seeds=2, out=out, workers=1, progress=False, as_frame=False) == first
    monkeypatch.setattr(_core, "source_digest", lambda: "0" * 64, raising=False)
    with pytest.raises(ValueError, match="holds rows of another scenario or qnsim version or build"):
        sweep(_square, {"x": [1, 2]}, seeds=2, out=out, workers=1, progress=False)


def test_resume_under_other_python_sources_of_qnsim_is_refused(tmp_path, monkeypatch):
    """Old behaviour: as above for the package's Python files (the row of a scenario is computed by
    qnsim's Python layer too: results collection, link models, QEC circuits)."""
    import qnsim.sweeps
    from qnsim.sweeps import sweep

    out = tmp_path / "r.csv"
    sweep(_square, {"x": [1]}, out=out, workers=1, progress=False)
    monkeypatch.setattr(qnsim.sweeps, "_PACKAGE_DIGEST", "edited")
    with pytest.raises(ValueError, match="holds rows of another scenario or qnsim version or build"):
        sweep(_square, {"x": [1]}, out=out, workers=1, progress=False)


def test_the_python_digest_does_not_depend_on_where_qnsim_is_installed(tmp_path):
    """Two installs of the same sources (two machines of a cluster, say) must resume each other's rows."""
    import shutil

    import qnsim.sweeps
    from qnsim.sweeps import tree_digest

    package = os.path.dirname(qnsim.sweeps.__file__)
    copy = tmp_path / "elsewhere" / "qnsim"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd"))
    assert tree_digest(copy) == qnsim.sweeps._package_digest()
    (copy / "results.py").write_text((copy / "results.py").read_text() + "\n# edited\n")
    assert tree_digest(copy) != qnsim.sweeps._package_digest()


def test_the_native_digest_is_that_of_the_sources_in_this_tree():
    """The build's digest (CMake's, cmake/source_digest.cmake) is the one these sources give
    (qnsim._build.native_sources_digest, which bench/ uses to refuse timing a stale install): a build of other
    sources has another, and an installed build older than its sources is caught here."""
    import pathlib

    from qnsim import _core
    from qnsim._build import native_sources_digest

    root = pathlib.Path(__file__).resolve().parent.parent
    if not (root / "CMakeLists.txt").exists():
        pytest.skip("not run from a source tree")
    assert _core.source_digest() == native_sources_digest(root)


# --- Parquet outs read as one table ----------------------------------------------------------------


def _notes_late(params, seed):
    """Rows whose text column is None for the first points (no note), text later, as scenario rows'."""
    x = params["x"]
    return {"y": float(x), "notes": None if x <= 2 else f"run {x} unfinished"}


def _int_then_float(params, seed):
    return {"y": 1 if params["x"] <= 2 else 2.5}


def test_parquet_out_reads_as_one_table_when_a_column_starts_empty(tmp_path, monkeypatch):
    """Old behaviour: a part whose rows all had notes None stored the column as null, and
    pandas.read_parquet(out) (the documented way to read the directory) refused every later part
    with text in it: "Unsupported cast from string to null"."""
    pd = pytest.importorskip("pandas")
    pq = pytest.importorskip("pyarrow.parquet")
    from qnsim.sweeps import _ParquetSink, read_results, sweep

    monkeypatch.setattr(_ParquetSink, "MAX_ROWS", 2)
    # The parts as a running (or stopped) sweep leaves them: a finished one joins them (results round 21).
    monkeypatch.setattr(_ParquetSink, "put_in_order", lambda self, order, still_ours: None)
    out = tmp_path / "r.parquet"
    rows = sweep(_notes_late, {"x": [1, 2, 3, 4, 5, 6]}, out=out, workers=1, progress=False, as_frame=False)
    parts = sorted(out.glob("part-*.parquet"))
    assert len(parts) == 3
    assert len({pq.read_schema(p).remove_metadata().to_string() for p in parts}) == 1
    frame = pd.read_parquet(out).sort_values("x")
    assert frame["notes"].isna().tolist() == [True, True, False, False, False, False]
    assert frame["notes"].tolist()[2:] == [f"run {x} unfinished" for x in (3, 4, 5, 6)]
    assert sorted(read_results(out), key=lambda r: r["x"]) == rows


def test_parquet_out_with_a_null_first_part_is_aligned_on_resume(tmp_path, monkeypatch):
    """An out written before the parts shared one schema (or cut short between two rewrites) reads as
    one table again once the sweep resumes."""
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from qnsim.sweeps import _ParquetSink, sweep

    monkeypatch.setattr(_ParquetSink, "MAX_ROWS", 2)
    # The parts as a running (or stopped) sweep leaves them: a finished one joins them (results round 21).
    monkeypatch.setattr(_ParquetSink, "put_in_order", lambda self, order, still_ours: None)
    out = tmp_path / "r.parquet"
    rows = sweep(_notes_late, {"x": [1, 2, 3, 4]}, out=out, workers=1, progress=False, as_frame=False)
    # The first part written (x = 1, 2, notes None); parts are named by their points, not in the order written.
    first = next(p for p in out.glob("part-*.parquet") if pq.read_table(p).column("x").to_pylist() == [1, 2])
    table = pq.read_table(first)
    nulls = table.set_column(table.schema.get_field_index("notes"), "notes", pa.nulls(len(table)))
    first.unlink()
    # As the old sink wrote it, under a name of its kind that sorts first (pandas reads the first part's schema).
    pq.write_table(nulls, out / "part-00000000000000000001-0ld5ink0.parquet")
    with pytest.raises(Exception, match="cast"):
        pd.read_parquet(out)
    monkeypatch.undo()  # the resume aligns the parts, then joins them
    assert sweep(_notes_late, {"x": [1, 2, 3, 4]}, out=out, workers=1, progress=False, as_frame=False) == rows
    assert len(pd.read_parquet(out)) == 4


def test_parquet_out_refuses_a_column_of_two_types_across_parts(tmp_path, monkeypatch):
    """Old behaviour: points returning an int in one part and a float in a later one were written (each
    part read back as its own rows), and the directory did not read as one table."""
    pytest.importorskip("pyarrow")
    from qnsim.sweeps import SweepError, _ParquetSink, sweep

    monkeypatch.setattr(_ParquetSink, "MAX_ROWS", 2)
    # Refused as the first float arrives against the int column on disk (test_results_audit12), or at its write.
    with pytest.raises(SweepError, match=r"'y' = float .*column holds int values|give a column two types"):
        sweep(_int_then_float, {"x": [1, 2, 3, 4]}, out=tmp_path / "r.parquet", workers=1, progress=False)


# --- rows that carry notes ----------------------------------------------------------------------------

# test_early_stops' unfinished two-node scenario (1 kHz link, 5 pairs asked), cut at 2 ms: 1-2 pairs.
_UNFINISHED = _EARLY_STOP_SCENARIO.replace("until_s = 0.01", "until_s = 0.002")


def test_sweep_command_says_when_rows_carry_notes(tmp_path, capsys):
    """Old behaviour: a sweep whose every run stopped with its request unfinished (1-2 of 5 pairs) ended
    with "4 points -> out.csv" and exit 0; only the file's notes column said the rates were partial."""
    from qnsim.sweep_cli import main as sweep_main

    scenario = tmp_path / "s.toml"
    scenario.write_text(_UNFINISHED)
    out = tmp_path / "r.csv"
    args = [str(scenario), "--param", "links.0.fidelity=0.9,0.95", "--seeds", "2", "--out", str(out), "--no-progress",
            "--workers", "1"]  # fmt: skip
    assert sweep_main(args) == 0
    err = capsys.readouterr().err
    assert "note: 4 of 4 points carry notes (their notes column)" in err
    # Every row's note is alike here (2 of 5 pairs), so it is said once for every point (test_user_journeys2).
    assert "  every point: a->b: unfinished: " in err
    assert "4 points -> " in err


def test_sweep_command_is_quiet_about_rows_without_notes(tmp_path, capsys):
    from qnsim.sweep_cli import main as sweep_main

    scenario = tmp_path / "s.toml"
    # An open request with enough pairs for its rate (0.2 s at 1 kHz: ~200; fewer than 100 get a note).
    scenario.write_text(_UNFINISHED.replace("num_pairs = 5", "").replace("until_s = 0.002", "until_s = 0.2"))
    assert sweep_main([str(scenario), "--seeds", "2", "--out", str(tmp_path / "r.csv"), "--no-progress",
                       "--workers", "1"]) == 0  # fmt: skip
    assert "carry notes" not in capsys.readouterr().err


def test_qec_sweep_rows_carry_their_notes():
    """Old behaviour: a QEC sweep row of a point with no logical error in its shots (or max_shots reached
    before max_errors) had per_round = 0.0 and no note, where LogicalErrorEstimate.notes says the rate is
    not 0, only below the interval's upper end."""
    from qnsim.qec.sweep import ExperimentSpec

    spec = ExperimentSpec.from_dict({"grid": {"distance": [3], "p_int": [0.0]},
                                     "sampling": {"max_shots": 200, "max_errors": 50}})  # fmt: skip
    row = spec.point({"distance": 3, "p_int": 0.0, "p_bulk": 1e-5}, seed=1)
    assert row["errors"] == 0 and row["per_round"] == 0.0
    assert row["notes"].startswith("no logical error in 200 shots: the per-round rate is not 0")
    assert "max_shots ran out at 200 shots with 0 of the 50 errors asked for" in row["notes"]
    many = ExperimentSpec.from_dict({"sampling": {"max_shots": 4000, "max_errors": 20}})
    # Below threshold: at p_bulk = 0.02 (twice the threshold) half the shots failed, which now carries its note
    # (the per-round rate has a lower bound only; test_qec_audit1).
    row = many.point({"distance": 3, "p_int": 0.1, "p_bulk": 0.005}, seed=1)
    assert row["errors"] >= 20 and row["notes"] is None


def _link_spec(rate_hz):
    """A QEC experiment over a link of ``rate_hz`` pairs/s into memories of T1 = T2 = 1 ms (the link's
    figures given, not measured)."""
    from qnsim.qec.link import LinkSupply
    from qnsim.qec.sweep import ExperimentSpec

    spec = ExperimentSpec.from_dict({
        "experiment": {"scheme": "teleported"}, "grid": {"distance": [3]},
        "sampling": {"max_shots": 300}, "link": {"scenario": "unused.toml", "cycle_time_s": 1e-6},
    })  # fmt: skip
    spec.supply = LinkSupply(rate_hz, 0.98, (0.98, 0.01, 0.005, 0.005), (0.0,) * 4, 1000, 10, 1e-3, 1e-3, 1e-3,
                             1e-3, "given")  # fmt: skip
    return spec


def test_qec_row_of_a_link_too_slow_for_the_memories_says_so():
    """Old behaviour: a distributed patch fed by 10 pairs/s into 1 ms memories (pairs fully mixed at use,
    data qubits fully mixed after each round's 0.5 s wait) gave a row with a finite per_round and
    logical_error_per_s and no word that the patch cannot work."""
    row = _link_spec(10.0).point({"distance": 3}, seed=1)
    assert math.isfinite(row["per_round"]) and math.isfinite(row["logical_error_per_s"])
    assert "NOT ENTANGLED at use: pairs wait 0.2 s in memory" in row["notes"]
    assert "DATA DECOHERED while waiting: each round idles 0.5 s" in row["notes"]
    fast = _link_spec(1e8).point({"distance": 3}, seed=1)
    assert not fast["notes"] or "NOT ENTANGLED" not in fast["notes"] and "DECOHERED" not in fast["notes"]


# --- purification targets -----------------------------------------------------------------------------


def _purifying_link(gate2_error, **request):
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a", gate2_error=gate2_error)
    net.add_node("b", gate2_error=gate2_error)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4, channels=16)
    net.request("a", "b", num_pairs=20, **request)
    return net.run(until_s=1.0, progress=False)


def test_a_target_fidelity_the_gates_cannot_reach_says_so():
    """Old behaviour: target_fidelity = 0.999 on a 0.9 link between nodes with 1% two-qubit gate error
    chose 3 rounds by the noiseless closed forms, and the request read "served" with pairs at 0.983,
    without a word that they were far below the target (no number of rounds reaches it)."""
    result = _purifying_link(0.01, target_fidelity=0.999)
    request = result.requests[0]
    assert request.status == "served" and request.mean_fidelity < 0.985
    notes = [n for n in result.notes if "target_fidelity 0.999 is not reached on link a-b" in n]
    assert len(notes) == 1 and notes[0].startswith("request 0 (a->b): ")
    # The note's figure is the delivered one (no memory decay here): the check is the formalism's own round.
    assert f"give {request.mean_fidelity:.6g}" in notes[0]
    assert "no number of rounds reaches it (at most 0.986" in notes[0]


def test_a_target_fidelity_more_rounds_would_reach_names_them():
    """Old behaviour: as above with a target that 4 rounds reach under 0.2% gate error: 3 were chosen
    (noiseless), the pairs came out at 0.9959 against 0.996, without a word."""
    result = _purifying_link(0.002, target_fidelity=0.996)
    assert result.requests[0].mean_fidelity < 0.996
    note = next(n for n in result.notes if "target_fidelity 0.996" in n)
    assert "its 3 dejmps round(s), chosen without them, give 0.995918; purification_rounds = 4 would reach it" in note
    again = _purifying_link(0.002, purification="dejmps", purification_rounds=4)
    assert again.requests[0].mean_fidelity >= 0.996


def test_a_target_fidelity_that_is_reached_has_no_note():
    for gate2_error, target in ((0.0, 0.999), (0.002, 0.99)):
        result = _purifying_link(gate2_error, target_fidelity=target)
        assert result.requests[0].mean_fidelity >= target
        assert not any("target_fidelity" in n for n in result.notes)


@pytest.mark.parametrize("fidelity", [0.25, 0.3, 0.5])
def test_estimate_refuses_a_job_whose_pairs_are_separable(fidelity):
    """Old behaviour: estimate("CX 0 1", ..., Link(fidelity=0.3), error_budget=0.99) was "feasible" (0.7 expected
    remote faults within the 0.99 budget), although a Werner pair of F <= 1/2 is separable: no remote gate is made
    with it at all. Now infeasible, the reason naming the link and the pair's weights."""
    from qnsim.estimate import QPU, Link, estimate

    ideal = QPU(e_2q=0.0, e_meas=0.0)
    report = estimate("CX 0 1\n", [ideal, ideal], [Link((0, 1), rate_hz=1e3, fidelity=fidelity)], placement=[0, 1],
                      error_budget=0.99)  # fmt: skip
    assert not report.feasible
    assert any("link 0-1: its pairs are not entangled when used" in r and f"F = {fidelity:g}" in r
               for r in report.reasons)  # fmt: skip


def test_estimate_keeps_entangled_pairs_feasible_at_the_same_budget():
    from qnsim.estimate import QPU, Link, estimate

    ideal = QPU(e_2q=0.0, e_meas=0.0)
    report = estimate("CX 0 1\n", [ideal, ideal], [Link((0, 1), rate_hz=1e3, fidelity=0.5001)], placement=[0, 1],
                      error_budget=0.99)  # fmt: skip
    assert report.feasible and not report.reasons
