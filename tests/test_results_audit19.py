"""Results audit, round 19: a sweep taken over while stopped, requests compared over different windows, a Dask
sweep killed and resumed on a process pool, and (below) what else was found. Each test's docstring says what the
old behaviour was."""

import os
import signal
import subprocess
import sys
import time

import pytest
import sweep_points
from kept_rows import assert_rows_kept
from test_results_audit18 import LOCAL_LOCKS_ON_NODE_B, _env

import qnsim
from qnsim import sweeps
from qnsim.sweeps import read_results, sweep, sweep_status

# --- a sweep taken over while stopped, continued with long points running -----------------------------------------


@pytest.mark.slow
def test_a_sweep_taken_over_while_stopped_ends_its_running_points_on_its_return(tmp_path, monkeypatch):
    """A sweep on 'node-b' (locks each machine's own) with two workers, each running a 30 s point, is stopped (Ctrl-Z)
    past ``HEARTBEAT_STALE_S`` and taken over here, where the points run briefly. Old behaviour: continued, it found
    the take-over only when one of its points finished, and then waited for the other (``pool.shutdown(wait=True)``):
    some 30 s of work whose rows it would not write, saying nothing meanwhile. It looks at its ownership every
    ``HEARTBEAT_S`` now, ends its workers, and stops (status 2) within seconds; the out has each point once, this
    sweep's rows."""
    monkeypatch.setattr(sweeps, "HEARTBEAT_STALE_S", 0.5)
    out = tmp_path / "r.csv"
    grid = {"x": [0, 1, 2, 3]}
    command = ["sweep_points:long_from_two", "--param", "x=0,1,2,3", "--out", str(out), "--workers", "2",
               "--no-progress"]  # fmt: skip
    there = subprocess.Popen([sys.executable, "-c", LOCAL_LOCKS_ON_NODE_B, *command], env=_env(QNSIM_TEST_LONG_S="30"),
                             stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (out.exists() and len(read_results(out)) >= 2) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # its workers are into the long points
        os.killpg(there.pid, signal.SIGSTOP)
        time.sleep(1.0)  # past the limit: to this machine, the sweep there looks dead
        here = sweep(sweep_points.long_from_two, grid, out=out, workers=1, progress=False, as_frame=False)
        os.killpg(there.pid, signal.SIGCONT)
        continued = time.monotonic()
        _, stderr = there.communicate(timeout=60)
        took = time.monotonic() - continued
    finally:
        if there.poll() is None:
            os.killpg(there.pid, signal.SIGKILL)
        there.communicate()
    assert there.returncode == 2 and "was taken over by another sweep" in stderr.decode(), stderr.decode()[-2000:]
    assert took < 15, f"the sweep taken over ran on {took:.0f} s after its return (its points take 30 s)"
    rows = read_results(out)
    assert sorted(r["x"] for r in rows) == grid["x"] and sweep_status(out) is None
    assert {r["point_id"]: r for r in rows} == {r["point_id"]: r for r in here}


def _taken_over_at_third_look(checks: list[float]):
    """An ownership check that records when it is called (monotonic s) and refuses from its third call on."""

    def still_ours():
        checks.append(time.monotonic())
        if len(checks) >= 3:
            raise sweeps.SweepTakenOver("taken over")

    return still_ours


def test_the_out_is_looked_at_while_points_run_not_only_when_one_finishes(monkeypatch):
    """The pool's wait calls the ownership check every ``HEARTBEAT_S`` while no point finishes (old behaviour: only
    when one did, so a taken-over sweep with hour-long points ran on for an hour), and a check that raises ends the
    points being run."""
    monkeypatch.setattr(sweeps, "HEARTBEAT_S", 0.05)
    checks = []
    still_ours = _taken_over_at_third_look(checks)

    pending = [sweeps.Point(0, {"x": 2}, 0, "p2"), sweeps.Point(1, {"x": 3}, 0, "p3")]
    monkeypatch.setenv("QNSIM_TEST_LONG_S", "30")
    started = time.monotonic()
    with pytest.raises(sweeps.SweepTakenOver):
        sweeps._run_local(sweep_points.long_from_two, pending, 2, 0, lambda point, result: None, still_ours)
    assert time.monotonic() - started < 15 and len(checks) == 3


@pytest.mark.slow
def test_a_dask_sweep_looks_at_its_out_while_chunks_run(monkeypatch):
    """The same on Dask (old behaviour: looked at only when a chunk finished; a taken-over sweep's cluster ran on
    through its chunks): the check runs every ``HEARTBEAT_S`` and its refusal cancels the tasks."""
    pytest.importorskip("distributed")
    monkeypatch.setattr(sweeps, "HEARTBEAT_S", 0.05)
    monkeypatch.setenv("QNSIM_TEST_LONG_S", "30")  # before the cluster's workers start: they inherit it
    checks = []
    still_ours = _taken_over_at_third_look(checks)

    pending = [sweeps.Point(0, {"x": 2}, 0, "p2"), sweeps.Point(1, {"x": 3}, 0, "p3")]
    with pytest.raises(sweeps.SweepTakenOver):
        sweeps._run_dask(sweep_points.long_from_two, pending, 2, None, lambda point, result: None, still_ours)
    # From the cluster's start (seconds under load), the checks come while the 30 s points run, and the tasks end.
    assert len(checks) == 3 and checks[2] - checks[0] < 10 and time.monotonic() - checks[2] < 15


# --- requests compared over different windows --------------------------------------------------------------------


def _run(until_s=1.0, start_s=0.0, num_pairs=None, min_fidelity=0.0, formalism="bell_diagonal", seed=1):
    net = qnsim.Network(formalism, seed=seed)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=2e3, success_probability=0.5)
    net.request("a", "b", start_s=start_s, num_pairs=num_pairs, min_fidelity=min_fidelity)
    return net.run(until_s=until_s, progress=False)


def _notes(comparison, label):
    (row,) = [row for row in comparison.rows if row["label"] == label]
    return row["notes"]


def test_compare_results_names_each_way_the_rows_were_counted_differently():
    """Old behaviour: ``compare_results`` set a 10 ms run beside a 1 s one, a request started at 0.5 s beside one
    started at 0, one served after 20 pairs beside one counted to the run's end, and pairs kept above F >= 0.95 beside
    all pairs, each as another way to serve the same request, with no word (only the window column differed). Each
    difference is named on its row now; rows counted alike carry none of these notes."""
    base = _run()
    comparison = qnsim.compare_results(
        {"1 s": base, "10 ms": _run(until_s=0.01), "late": _run(start_s=0.5), "20 pairs": _run(num_pairs=20),
         "F >= 0.95": _run(min_fidelity=0.95), "seed 2": _run(seed=2)}
    )  # fmt: skip
    assert any(
        "counted over 10 ms (to the run's end at 10 ms), the baseline over 1 s" in n
        for n in _notes(comparison, "10 ms")
    )
    assert any("counted from its start at 500 ms, the baseline's at 0 s" in n for n in _notes(comparison, "late"))
    assert any(n.startswith("asks for 20 pairs, the baseline until the run ends: its window ended served at")
               for n in _notes(comparison, "20 pairs"))  # fmt: skip
    assert any("keeps pairs of fidelity >= 0.95 only, the baseline >= 0" in n for n in _notes(comparison, "F >= 0.95"))
    counted = ("counted", "asks for", "keeps pairs")
    assert not [n for n in _notes(comparison, "seed 2") if n.startswith(counted)]
    printed = str(comparison)
    assert "note: 10 ms: counted over 10 ms" in printed and "note: F >= 0.95: keeps pairs" in printed


def test_two_requests_served_after_the_same_pairs_are_counted_alike():
    """Requests served after the same number of pairs end where their last pairs came: their windows differ by what
    is measured, and no counting note is added (nor for one run against itself)."""
    comparison = qnsim.compare_results({"a": _run(num_pairs=20), "b": _run(num_pairs=20, seed=5)})
    a, b = (row["window_s"] for row in comparison.rows)
    assert a != b and not [n for n in comparison.rows[1]["notes"] if n.startswith(("counted", "asks for", "keeps"))]


# --- a Dask sweep killed, resumed on a process pool ----------------------------------------------------------------


@pytest.mark.slow
def test_a_dask_sweep_killed_mid_way_resumes_on_a_process_pool_to_the_rows_of_a_serial_run(tmp_path):
    """``qnsim sweep --backend dask`` (its own LocalCluster of two workers: the client process) killed with SIGKILL
    once some rows are in out, then resumed with the process pool (``backend="local"``): each point once, the
    killed sweep's rows kept as they were, and every row's values those of a serial run without an out."""
    pytest.importorskip("distributed")
    out = tmp_path / "r.csv"
    grid = {"x": [1, 2, 3, 4, 5, 6]}
    command = [sys.executable, "-m", "qnsim", "sweep", "sweep_points:slow", "--param", "x=1,2,3,4,5,6", "--seeds",
               "3", "--out", str(out), "--backend", "dask", "--workers", "2", "--no-progress"]  # fmt: skip
    process = subprocess.Popen(command, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not (out.exists() and len(read_results(out)) >= 2) and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the client and its cluster
        process.communicate()
    kept = read_results(out)
    assert 2 <= len(kept) < 18 and "ended without finishing (18 points planned" in sweep_status(out)
    rows = sweep(sweep_points.slow, grid, seeds=3, out=out, workers=2, progress=False, as_frame=False)
    # The killed sweep's rows kept as they were (read_results gives rows in point order, not the order the killed
    # sweep's workers finished them).
    after = read_results(out)
    assert len(after) == 18 and sweep_status(out) is None
    assert_rows_kept(kept, after)
    serial = sweep(sweep_points.slow, grid, seeds=3, workers=1, progress=False, as_frame=False)
    assert rows == serial


# --- the hunt: one sweep written as CSV and as Parquet, points that delivered nothing ---------------------------


def test_a_scenario_sweep_reads_alike_from_csv_and_parquet_and_its_empty_points_resume_as_done(tmp_path):
    """Checked right this round (kept as a guard): one scenario sweep written to a CSV and to a Parquet out gives the
    same rows, value for value and type for type (a point that delivered nothing has NaN fidelities, an empty notes
    cell reads None in both), and run again each out is left as it was: a NaN row is a finished point, not one to
    compute again."""
    import math

    pytest.importorskip("pyarrow")
    from scenarios import two_node_scenario

    scenario = tmp_path / "s.toml"
    scenario.write_text(two_node_scenario(0.01, success_probability=0.01, formalism="stabilizer"))
    grid = {"run.until_s": [1e-7, 0.001]}
    outs = [tmp_path / "r.csv", tmp_path / "r.parquet"]
    rows = [sweep(str(scenario), grid, seeds=2, out=out, workers=1, progress=False, as_frame=False) for out in outs]

    def cells(row):
        return {k: ("nan" if isinstance(v, float) and math.isnan(v) else v, type(v)) for k, v in row.items()}

    assert [cells(r) for r in rows[0]] == [cells(r) for r in rows[1]]
    assert [cells(r) for r in read_results(outs[0])] == [cells(r) for r in read_results(outs[1])]
    assert math.isnan(rows[0][0]["mean_fidelity"]) and rows[0][0]["pairs"] == 0
    before = [sorted(p.name for p in outs[1].iterdir()), outs[0].read_bytes()]
    for out in outs:
        sweep(str(scenario), grid, seeds=2, out=out, workers=1, progress=False)
    assert [sorted(p.name for p in outs[1].iterdir()), outs[0].read_bytes()] == before
