"""Results audit, round 21: a native seed batch taken over while it runs, result files left in the order their
points finished, and (below) what else was found. Each test's docstring says what the old behaviour was."""

import json
import os
import subprocess
import sys
import threading
import time

import pytest
import sweep_points
from kept_rows import assert_rows_kept
from scenarios import two_node_network, two_node_scenario

from qnsim import sweeps
from qnsim.sweeps import read_results, sweep, sweep_status

# --- a native seed batch taken over while it runs ----------------------------------------------------------------

#: A two-node scenario whose every seed runs 8 x 10^7 events (tens of seconds): a native batch of four of them runs a
#: minute on two threads, and keeps few records.
LONG_SEEDS = two_node_scenario(40.0, formalism="bell_diagonal", length_km=0.0, rate_hz=1e6, success_probability=1.0,
                               max_records=10)  # fmt: skip


def _take_over_once_running(out, taken: list, after_s: float) -> None:
    """What a sweep that takes ``out`` over does to the state of the sweep writing it: names itself the owner (as a
    sweep on another machine does once the writer looks dead). Waits for the writer's "running" state first;
    appends the time of the take-over (monotonic s) to ``taken``."""
    state = sweeps._state_path(out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            content = json.loads(state.read_text())
        except (OSError, ValueError):
            content = {}
        if content.get("owner"):
            break
        time.sleep(0.01)
    time.sleep(after_s)  # into the native batch
    content["owner"] = {**content["owner"], "host": "node-b", "pid": 4242, "token": "the-taker"}
    tmp = state.with_name(state.name + ".taker")
    tmp.write_text(json.dumps(content))
    os.replace(tmp, state)
    taken.append(time.monotonic())


def test_a_native_seed_batch_stops_when_its_out_is_taken_over_while_it_runs(tmp_path, monkeypatch):
    """A scenario file swept over four seeds on two workers runs them as one native batch (qnsim.seed_batch), whose
    seeds here take tens of seconds each. Its out is taken over while the batch runs. Old behaviour: the sweep
    looked at its out only between native calls (up to 4 x workers seeds), so it ran the whole batch, about a
    minute, for rows it would not write, before it stopped. The batch's waiting thread now calls the sweep's
    ownership check every ``HEARTBEAT_S``: the runs end within a check period and the sweep stops with
    SweepTakenOver, having written no row and no state over the taker's."""
    monkeypatch.setattr(sweeps, "HEARTBEAT_S", 0.05)
    scenario = tmp_path / "long.toml"
    scenario.write_text(LONG_SEEDS)
    out = tmp_path / "r.csv"
    taken = []
    taker = threading.Thread(target=_take_over_once_running, args=(out, taken, 0.3), daemon=True)
    taker.start()
    with pytest.raises(sweeps.SweepTakenOver, match="was taken over by another sweep"):
        sweep(str(scenario), {}, seeds=4, out=out, workers=2, progress=False, as_frame=False)
    stopped = time.monotonic()
    taker.join()
    # From the take-over: a check period and one native check point, not the batch's minute.
    assert taken and stopped - taken[0] < 10, f"stopped {stopped - taken[0]:.1f} s after the take-over"
    assert read_results(out) == []
    assert json.loads(sweeps._state_path(out).read_text())["owner"]["token"] == "the-taker"


def test_run_seeds_abort_check_stops_the_batch_and_is_refused_when_not_a_function():
    """``Network.run_seeds(abort_check=)``: what it raises stops the native runs (old behaviour: no way to stop a
    batch from Python but a signal) and comes out with the note of what was handed over; a value that is not a
    function is refused by name."""
    net = two_node_network(rate_hz=1e6, success_probability=1.0)
    net.max_records = 10
    calls = []

    def abort():
        calls.append(time.monotonic())
        if len(calls) == 3:
            raise RuntimeError("enough")

    started = time.monotonic()
    with pytest.raises(RuntimeError, match="enough"):
        net.run_seeds([1, 2, 3], until_s=100.0, threads=2, on_result=lambda seed, result: None, abort_check=abort)
    assert len(calls) == 3 and time.monotonic() - started < 10
    with pytest.raises(TypeError, match="abort_check must be a function of no arguments or None, got 3"):
        net.run_seeds([1], until_s=0.001, abort_check=3)


# --- the file's own order: the points' once the sweep finishes -----------------------------------------------------


def _file_rows(out):
    """The rows as a reader of the file as it is reads them (pandas), as (x, seed)."""
    import pandas as pd

    frame = pd.read_csv(out) if out.suffix == ".csv" else pd.read_parquet(out)
    return list(zip(frame["x"].tolist(), frame["seed"].tolist()))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_finished_sweep_leaves_its_rows_in_point_order_in_the_file(tmp_path, suffix):
    """A sweep of x = 1, 2, then one of x = 0, 1, 2 on the same out (it runs x = 0 only). Old behaviour: the file
    stayed in the order the points finished, x = 1, 2, 0 (one Parquet part per sweep), so ``pandas.read_csv`` /
    ``read_parquet`` and a spreadsheet read the rows in another order than ``sweep`` returned and ``read_results``
    read them (only qnsim's readers sorted). A finished sweep now puts them in point order: the same lines (bytes)
    in a CSV, one part in a Parquet directory; a sweep run again that finds them in order writes nothing."""
    pytest.importorskip("pandas")
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    out = tmp_path / f"r{suffix}"
    sweep(sweep_points.square, {"x": [1, 2]}, seeds=2, out=out, workers=1, progress=False)
    lines = sorted(out.read_bytes().splitlines()) if suffix == ".csv" else None
    returned = sweep(sweep_points.square, {"x": [0, 1, 2]}, seeds=2, out=out, workers=1, progress=False, as_frame=False)
    assert _file_rows(out) == [(r["x"], r["seed"]) for r in returned] == [(x, s) for x in (0, 1, 2) for s in (0, 1)]
    assert read_results(out) == returned and sweep_status(out) is None
    if suffix == ".csv":
        after = out.read_bytes().splitlines()
        assert len(after) == len(lines) + 2 and set(lines) <= set(after)  # the same lines and x = 0's two
        assert not list(tmp_path.glob(".*tmp"))
    else:
        assert len(list(out.glob("part-*.parquet"))) == 1 and not list(out.glob(".*tmp"))
    written = {p: p.stat().st_mtime_ns for p in ([out] if suffix == ".csv" else out.glob("part-*.parquet"))}
    assert sweep(sweep_points.square, {"x": [0, 1, 2]}, seeds=2, out=out, workers=1, progress=False,
                 as_frame=False) == returned  # fmt: skip
    assert {p: p.stat().st_mtime_ns for p in written} == written


KILLED_WHILE_IN_ORDER = """
import os, signal, sys
from qnsim import sweeps
import sweep_points

real_replace, real_unlink = os.replace, os.unlink

def replace(src, dst, *args, **kwargs):  # killed as the rows in order are renamed into place (a CSV)
    if str(src).endswith(".in-order.tmp"):
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(src, dst, *args, **kwargs)

def unlink(path, *args, **kwargs):  # killed as the first replaced part is deleted (a Parquet directory)
    if os.path.basename(str(path)).startswith("part-"):
        os.kill(os.getpid(), signal.SIGKILL)
    return real_unlink(path, *args, **kwargs)

os.replace, os.unlink = replace, unlink
sweeps.sweep(sweep_points.square, {"x": [0, 1, 2]}, seeds=2, out=sys.argv[1], workers=1, progress=False)
"""


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_sweep_killed_while_it_puts_its_rows_in_order_leaves_them_whole_and_its_resume_finishes(tmp_path, suffix):
    """kill -9 at the rewrite's riskiest moment: a CSV's ordered copy written and not yet renamed over the out; a
    Parquet directory's joined part in place and its replaced parts not yet deleted. The out holds every row once
    for every qnsim reader (the replaced parts are skipped), the state is "running", and the resume (which
    runs nothing) deletes what the kill left and finishes the order. (New stage: before this round no sweep
    rewrote its out.)"""
    pytest.importorskip("pandas")
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    out = tmp_path / f"r{suffix}"
    sweep(sweep_points.square, {"x": [1, 2]}, seeds=2, out=out, workers=1, progress=False)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.path.dirname(__file__), os.environ.get("PYTHONPATH", "")])}
    killed = subprocess.run([sys.executable, "-c", KILLED_WHILE_IN_ORDER, str(out)], env=env, capture_output=True)
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    kept = read_results(out)
    assert sorted((r["x"], r["seed"]) for r in kept) == [(x, s) for x in (0, 1, 2) for s in (0, 1)]
    # Not recorded as finished (the rows are all there: sweep_status calls the file whole, as it does for any sweep
    # killed once its points were all written).
    assert json.loads(sweeps._state_path(out).read_text())["sweeps"][-1]["state"] == "running"
    assert sweep_status(out) is None
    left = list(tmp_path.glob(".*.in-order.tmp")) if suffix == ".csv" else list(out.glob("part-*.parquet"))
    assert len(left) == (1 if suffix == ".csv" else 3)  # the copy; the joined part beside the two it replaces
    if suffix == ".parquet":  # round 22: pandas fails, naming the swap's marker, rather than read every row twice
        assert (out / sweeps._IN_ORDER_MARKER).exists()
        with pytest.raises(Exception, match=sweeps._IN_ORDER_MARKER):
            _file_rows(out)

    resumed = sweep(sweep_points.square, {"x": [0, 1, 2]}, seeds=2, out=out, workers=1, progress=False, as_frame=False)
    assert_rows_kept(kept, resumed)
    assert _file_rows(out) == [(r["x"], r["seed"]) for r in resumed] and sweep_status(out) is None
    assert not list(tmp_path.glob(".*.in-order.tmp")) and len(list(out.glob("part-*.parquet"))) in (0, 1)
    assert not (out / sweeps._IN_ORDER_MARKER).exists()


def test_the_out_rewritten_in_order_stays_locked_and_a_hard_linked_one_is_left_as_it_is(tmp_path):
    """The rename gives the out a new file, and a lock (``flock``) belongs to a file, not a name: the sweep takes
    the new file's lock before the rename, so a second sweep started between the rename and the first one's end
    (its state still to write) is refused, as before the rewrite. A file with another name (a hard link) keeps its
    lines: renamed over, this name would have parted from the other. (New with the rewrite: before this round no
    sweep replaced its out.)"""
    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [0, 1, 2]}, seeds=1, out=out, workers=1, progress=False)
    lines = out.read_bytes()
    sink = sweeps._CsvSink(out, [])
    sink.lock()
    sink.load()
    sink.put_in_order(lambda rows: rows[::-1], lambda: None)  # an order the file is not in
    assert out.read_bytes().splitlines()[1:] == lines.splitlines()[:0:-1]
    with pytest.raises(ValueError, match="is being written by another running sweep"):
        sweeps._lock_out(out, out)
    sink.close()
    sweeps._unlock_out(sweeps._lock_out(out, out))  # free once the sweep ends

    os.link(out, tmp_path / "same.csv")
    before = out.read_bytes(), out.stat().st_ino
    sink = sweeps._CsvSink(out, [])
    sink.lock()
    sink.load()
    sink.put_in_order(lambda rows: rows[::-1], lambda: None)
    sink.close()
    assert (out.read_bytes(), out.stat().st_ino) == before and (tmp_path / "same.csv").read_bytes() == before[0]
