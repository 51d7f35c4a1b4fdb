"""Results audit, round 12: seed batches that held every seed until the end, grid numbers whose type
differs from the results file's, and Parquet columns given two types by the grid. Each test's
docstring says what the old behaviour was."""

import _thread
import threading

import pytest
import sweep_points
from kept_rows import assert_rows_kept

import qnsim
from qnsim.sweeps import read_results, sweep

# --- seed batches: per chunk, checked against the memory, interrupted -----------------------------------


def _pair_network(seed=None):
    net = qnsim.Network("bell_diagonal", seed=seed)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e4, success_probability=0.1)
    net.request("a", "b")
    return net


def test_a_seed_batch_whose_results_would_not_fit_the_memory_is_refused_early(monkeypatch):
    """Old behaviour: ``Network.run_seeds`` ran every seed in one native call, built every seed's
    network at once and returned all their per-pair records together: a batch whose records could not
    fit the memory ran until the kernel killed the process, without a word. The seeds run a few per
    thread now, and after the first of them the batch's results are projected against the memory
    available; a batch that would not fit is refused then, naming ``on_result``."""
    import qnsim.trace

    results = _pair_network().run_seeds(range(12), 0.01, threads=1)
    assert len(results) == 12
    monkeypatch.setattr(qnsim.trace, "_available_memory_bytes", lambda: (20_000, "the memory available now"))
    with pytest.raises(MemoryError, match=r"results of 12 seeds would take about .* the 8 still to run need more "
                       r"than the memory available now.*pass on_result="):  # fmt: skip
        _pair_network().run_seeds(range(12), 0.01, threads=1)
    handed = []  # handed over one by one, the same batch fits
    assert _pair_network().run_seeds(range(12), 0.01, threads=1, on_result=lambda s, r: handed.append((s, r))) is None
    assert [s for s, _ in handed] == list(range(12))
    for (_, mine), kept in zip(handed, results):
        assert (mine.requests[0].fidelities == kept.requests[0].fidelities).all()


def test_a_seed_batch_handed_over_as_it_goes_equals_runs_alone():
    """Old behaviour: there was no way to keep a batch's results as its seeds finished (``run_seeds``
    returned them all at the end). ``on_result`` gets each seed's result in seed order, each equal bit for
    bit to the seed's own run, whatever the threads."""
    handed = []
    _pair_network().run_seeds([5, 3, 9], 0.01, threads=2, on_result=lambda s, r: handed.append((s, r)))
    assert [s for s, _ in handed] == [5, 3, 9]
    for seed, result in handed:
        alone = _pair_network(seed).run(0.01, progress=False)
        assert (result.requests[0].fidelities == alone.requests[0].fidelities).all()
        assert (result.requests[0].times_s == alone.requests[0].times_s).all()
    with pytest.raises(TypeError, match=r"on_result must be a function \(seed, result\) or None, got 3"):
        _pair_network().run_seeds([1], 0.01, on_result=3)


def test_an_interrupted_seed_batch_keeps_the_seeds_that_finished():
    """Old behaviour: a Ctrl-C during ``run_seeds`` lost every seed of the batch, finished or not (one
    native call, one result list at its end). Now the seeds that finished before it were handed to
    ``on_result``, and the interrupt's message says how many and where to go on."""
    net = qnsim.Network("bell_diagonal")
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e6, success_probability=0.5)
    net.request("a", "b")
    handed = []

    def keep(seed, result):
        handed.append(seed)
        if len(handed) == 4:  # the first native call (4 seeds per thread) is done: interrupt the next
            threading.Timer(0.05, _thread.interrupt_main).start()

    with pytest.raises(KeyboardInterrupt) as info:
        net.run_seeds(range(40), 0.5, threads=1, on_result=keep)
    assert handed[:4] == [0, 1, 2, 3] and len(handed) < 40
    note = " ".join(getattr(info.value, "__notes__", []))
    assert f"{len(handed)} of 40 seeds had finished and were handed to on_result" in note
    assert f"seeds[{len(handed)}:]" in note


# --- a grid's numbers against the results file's ------------------------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
@pytest.mark.parametrize(("first", "again"), [([1.0, 2.0], [1, 2]), ([1, 2], [1.0, 2.0]), ([True, False], [1, 0])])
def test_a_resumed_grid_number_of_another_type_than_the_files_is_refused(tmp_path, suffix, first, again):
    """Old behaviour: a sweep written with ``x = 1.0`` (``--param x=1.0``, a value read from a file or
    TOML) and resumed with ``x = 1`` matched none of its rows (a point's id is its exact value, type
    included): every point ran again, and the file held two rows of each point at one place on a plot.
    Now the resume is refused before any point runs, naming both values and their types."""
    if suffix == "parquet":
        pytest.importorskip("pyarrow")
    out = tmp_path / f"r.{suffix}"
    sweep(sweep_points.square, {"x": first}, seeds=2, out=out, workers=1, progress=False)
    message = rf"grid\['x'\] value {again[0]!r} \({type(again[0]).__name__}\) equals the value {first[0]!r} "
    with pytest.raises(ValueError, match=message + r".*2 row\(s\) of out .*give " + repr(first[0])):
        sweep(sweep_points.square, {"x": again}, seeds=2, out=out, workers=1, progress=False)
    assert len(read_results(out)) == 4
    # The file's own values resume it.
    assert len(sweep(sweep_points.square, {"x": first}, seeds=2, out=out, workers=1, progress=False)) == 4
    assert len(read_results(out)) == 4


def test_a_resumed_cli_sweep_with_an_int_for_the_files_float_is_refused(tmp_path, capsys):
    """Old behaviour: ``qnsim sweep ... --param x=1.0,2.0`` and, to resume it, ``--param x=1,2`` (the CLI
    reads ``1`` as an int) ran both points again and wrote them beside the first ones."""
    from qnsim.sweep_cli import main

    out = tmp_path / "r.csv"
    args = ["sweep_points:square", "--out", str(out), "--workers", "1", "--no-progress"]
    assert main([*args, "--param", "x=1.0,2.0"]) == 0
    assert main([*args, "--param", "x=1,2"]) == 2
    assert "value 1 (int) equals the value 1.0 (float)" in capsys.readouterr().err
    assert len(read_results(out)) == 2


# --- Parquet columns: one type --------------------------------------------------------------------------


def test_a_parquet_grid_of_two_types_in_one_key_is_refused_before_any_point_runs(tmp_path):
    """Old behaviour: ``sweep(fn, {"x": [1, 2.5]}, out="r.parquet")`` ran every point, then failed at the
    first write ("return the same type for every point", of a value the grid gave) and lost the rows;
    a grid value of another type than the out's column did the same on resume. Both are refused now
    before any point runs, and no empty out is left behind."""
    pytest.importorskip("pyarrow")
    marker = tmp_path / "ran"
    out = tmp_path / "r.parquet"
    with pytest.raises(ValueError, match=r"grid\['x'\]: the grid gives int 1 and the grid gives float 2.5, but a "
                       r"Parquet column has one type"):  # fmt: skip
        sweep(sweep_points.touch, {"x": [1, 2.5], "marker": [str(marker)]}, out=out, workers=1, progress=False)
    assert not marker.exists() and not out.exists()
    sweep(sweep_points.square, {"x": [1.5]}, out=out, workers=1, progress=False)
    with pytest.raises(ValueError, match=r"the grid gives int 3 and out .* holds float 1.5"):
        sweep(sweep_points.square, {"x": [3]}, out=out, workers=1, progress=False)
    assert len(read_results(out)) == 1


# --- two sweeps on one out where the file system has no locks ------------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_two_sweeps_on_one_out_are_refused_where_the_file_system_has_no_locks(tmp_path, monkeypatch, suffix):
    """Old behaviour: where ``flock`` fails (Lustre, an NFS mount without locks, as on many clusters), the
    lock was skipped without a word: two sweeps on one out each ran every point and appended it, and the
    means over the file counted every seed twice. A holder file naming the machine and the process
    stands for the lock there now: a second sweep is refused naming it; one left by a sweep killed on
    this machine is taken over; one of another machine is refused, naming ``--take-over`` (round 18) for a sweep
    killed there."""
    import errno
    import fcntl
    import socket
    import subprocess
    import sys

    from qnsim import sweeps

    if suffix == "parquet":
        pytest.importorskip("pyarrow")

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    out = tmp_path / f"r.{suffix}"
    lock = out / ".lock" if suffix == "parquet" else out
    if suffix == "parquet":
        out.mkdir()
    holder = sweeps._lock_out(lock, out)  # a sweep writing out in this process
    with pytest.raises(ValueError, match=rf"being written by another running sweep \(process {sweeps.os.getpid()} on "
                       rf"{socket.gethostname()}; this file system has no locks"):  # fmt: skip
        sweep(sweep_points.square, {"x": [1]}, out=out, workers=1, progress=False)
    assert sweeps._out_is_locked(out)
    sweeps._unlock_out(holder)
    assert not sweeps._out_is_locked(out)
    assert len(sweep(sweep_points.square, {"x": [1]}, out=out, workers=1, progress=False)) == 1
    assert not holder.exists()

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    holder.write_text(f"{socket.gethostname()} {int(dead.stdout)}\n")  # a sweep killed on this machine
    assert not sweeps._out_is_locked(out)
    assert len(sweep(sweep_points.square, {"x": [1, 2]}, out=out, workers=1, progress=False)) == 2
    assert not holder.exists()
    holder.write_text("another-node-17 4242\n")
    # Round 18: the refusal names the supported way, --take-over, where it told the user to delete the holder.
    with pytest.raises(ValueError, match=r"process 4242 on another-node-17.*if that sweep was killed.*--take-over"):
        sweep(sweep_points.square, {"x": [1, 2, 3]}, out=out, workers=1, progress=False)
    assert len(read_results(out)) == 2
    holder.write_text("")  # a sweep that has just created it and not yet named itself in it
    with pytest.raises(ValueError, match=r"another running sweep \(a sweep starting;"):
        sweep(sweep_points.square, {"x": [1, 2, 3]}, out=out, workers=1, progress=False)
    sweeps.os.utime(holder, (1e9, 1e9))  # ... or a sweep killed then, long ago
    assert len(sweep(sweep_points.square, {"x": [1, 2, 3]}, out=out, workers=1, progress=False)) == 3


def test_a_scenarios_seed_batch_keeps_rows_not_results():
    """Old behaviour: ``run_scenario_seeds`` (a sweep's native seed batches) kept the full result of every
    seed of a call, each with all its per-pair records, until the call ended, to keep a row of a few
    figures of each: called without ``batch``, a batch of many seeds held every record of every seed at
    once. Each result becomes its row as its seed finishes now: the Python memory at its peak is that of
    a few results, whatever the number of seeds."""
    import tracemalloc

    from qnsim.scenario import run_scenario_seeds
    from qnsim.seed_batch import result_bytes

    data = {"run": {"until_s": 0.05, "formalism": "bell_diagonal"}, "nodes": [{"name": "a"}, {"name": "b"}],
            "links": [{"a": "a", "b": "b", "length_km": 0.0, "fidelity": 0.9, "rate_hz": 1e6,
                       "success_probability": 0.5}],
            "requests": [{"src": "a", "dst": "b"}]}  # fmt: skip
    net = qnsim.Network("bell_diagonal", seed=0)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e6, success_probability=0.5)
    net.request("a", "b")
    one = result_bytes(net.run(0.05, progress=False))
    assert one > 10**6  # ~25,000 pairs
    tracemalloc.start()
    try:
        rows = run_scenario_seeds(data, list(range(16)), threads=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(rows) == 16 and rows[0]["pairs"] > 10**4
    assert peak < 4 * one  # 16 results held: 16 times one


# --- a Dask sweep killed mid-way -----------------------------------------------------------------------


def _descendants(pid):
    """The process ids below ``pid`` (Linux /proc)."""
    import os

    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@pytest.mark.slow
def test_a_dask_sweep_killed_mid_way_leaves_no_workers_and_resumes_to_the_uninterrupted_rows(tmp_path):
    """A ``qnsim sweep --backend dask`` (its own LocalCluster) killed with SIGKILL once some rows are in
    out: its scheduler and workers end with it, the file says the sweep did not finish, and running the
    command again finishes it with the rows of an uninterrupted sweep, each point once."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from qnsim.sweeps import sweep_status

    pytest.importorskip("distributed")
    if not os.path.isdir("/proc"):
        pytest.skip("reads the process tree from /proc")
    out = tmp_path / "r.csv"
    tests = os.path.dirname(os.path.abspath(__file__))
    command = [sys.executable, "-m", "qnsim", "sweep", "sweep_points:slow", "--param", "x=1,2,3,4,5,6", "--seeds",
               "4", "--out", str(out), "--backend", "dask", "--workers", "2", "--no-progress"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([tests, os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = []
    try:
        deadline = time.monotonic() + 90
        while not (out.exists() and len(read_results(out)) >= 2) and time.monotonic() < deadline:
            assert process.poll() is None, "the sweep ended before it could be killed"
            time.sleep(0.02)
        workers = _descendants(process.pid)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert workers, "the sweep started no cluster"
    deadline = time.monotonic() + 30
    while [w for w in workers if os.path.exists(f"/proc/{w}")] and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [w for w in workers if os.path.exists(f"/proc/{w}")]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert not left, "the cluster outlived its sweep"
    kept = read_results(out)
    assert 2 <= len(kept) < 24 and "ended without finishing (24 points planned" in sweep_status(out)
    assert subprocess.run(command, env=env, capture_output=True).returncode == 0
    rows = read_results(out)
    # The killed sweep's rows come back unchanged (read_results gives rows in point order, not file order).
    assert sweep_status(out) is None and all(row in rows for row in kept)
    whole = sweep(sweep_points.square, {"x": [1, 2, 3, 4, 5, 6]}, seeds=4, workers=1, progress=False, as_frame=False)
    # slow and square are two point functions (two scenario_ids) of the same figures
    assert sorted((r["x"], r["seed"], r["y"], r["tag"], r["n"]) for r in rows) == sorted(
        (r["x"], r["seed"], r["y"], r["tag"], r["n"]) for r in whole
    )
    assert len({r["point_id"] for r in rows}) == 24


# --- a scenario file written whole or not at all ---------------------------------------------------------

_CUT_TOML = """
import resource, sys
import qnsim
net = qnsim.Network("bell_diagonal", seed=1)
for name in "abcd":
    net.add_node(name)
for a, b in ["ab", "bc", "cd"]:
    net.add_link(a, b, length_km=10.0, fidelity=0.95, rate_hz=1e4)
net.request("a", "d")
text = net.to_toml(until_s=0.01)
cut = text.index("[[links]]", text.index("[[links]]", text.index("[[links]]") + 1) + 1)  # before the third link
resource.setrlimit(resource.RLIMIT_FSIZE, (cut, cut))
try:
    net.to_toml({path!r}, until_s=0.01)
except OSError as exc:
    print(exc)
"""


def test_a_scenario_file_cut_short_by_a_full_disk_is_not_left_as_a_smaller_scenario(tmp_path):
    """Old behaviour: ``Network.to_toml(path)`` wrote the file in place: a write cut short (a full disk, a
    file size limit) left its first lines, which loaded as a smaller scenario (here two of the three
    links and no request) and ran without a word; the error ("[Errno 27] File too large") named no file,
    and a file there before was lost. It is written whole or not at all now, and the error names it."""
    import subprocess
    import sys

    path = tmp_path / "net.toml"
    path.write_text("# the file there before\n")
    done = subprocess.run([sys.executable, "-c", _CUT_TOML.format(path=str(path))], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert f"File too large: {str(path)!r}" in done.stdout, done.stdout + done.stderr
    assert path.read_text() == "# the file there before\n"
    assert [p.name for p in tmp_path.iterdir()] == ["net.toml"]


def test_a_parquet_row_of_another_type_keeps_the_rows_before_it(tmp_path):
    """Old behaviour: a point function returning ``0`` for some points and ``0.5`` for others (an int where
    the column holds floats) ran on until the next write of the Parquet out (up to 64 points later), then
    failed there and lost every row buffered by then, the consistent ones with it: here all ten points
    ran and none was kept. The row is refused as it arrives now, after the rows before it are written."""
    pytest.importorskip("pyarrow")
    out = tmp_path / "r.parquet"
    # The int rows first, in a sweep of their own: a pool hands back rows that finished before it looked in any
    # order, so one sweep of all ten could meet a float row before the int rows.
    sweep(sweep_points.int_then_float, {"x": list(range(5))}, out=out, workers=1, progress=False)
    with pytest.raises(qnsim.sweeps.SweepError, match=r"'y' = float 0.5, but the Parquet out's column holds int"):
        sweep(sweep_points.int_then_float, {"x": list(range(10))}, out=out, workers=1, progress=False)
    assert sorted(r["x"] for r in read_results(out)) == [0, 1, 2, 3, 4]
    assert "stopped after 5 of 10 points" in qnsim.sweeps.sweep_status(out)


_NO_LOCKS_SWEEP = """
import errno, fcntl, sys
sys.path.insert(0, {tests!r})
import sweep_points
from qnsim.sweeps import sweep

def no_locks(fd, operation):
    raise OSError(errno.ENOLCK, "No locks available")

fcntl.flock = no_locks
sweep(sweep_points.slow, {{"x": list(range(12))}}, out={out!r}, workers=1, progress=False)
"""


@pytest.mark.slow
def test_a_sweep_killed_where_there_are_no_locks_is_resumed_by_the_next(tmp_path, monkeypatch):
    """A sweep on a file system without locks, killed with SIGKILL mid-way, leaves its holder file; the
    next sweep on this machine finds its process gone, takes the out over and finishes it (the first
    one's rows kept), and leaves no holder behind."""
    import errno
    import fcntl
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from qnsim.sweeps import sweep_status

    out = tmp_path / "r.csv"
    script = _NO_LOCKS_SWEEP.format(tests=str(Path(__file__).parent), out=str(out))
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (out.exists() and len(read_results(out)) >= 2) and time.monotonic() < deadline:
            assert process.poll() is None, "the sweep ended before it could be killed"
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    holder = tmp_path / "r.csv.holder"
    assert holder.read_text().split()[1] == str(process.pid)

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    kept = read_results(out)
    assert "ended without finishing (12 points planned" in sweep_status(out)
    rows = sweep(sweep_points.square, {"x": list(range(12))}, out=tmp_path / "whole.csv", workers=1, progress=False,
                 as_frame=False)  # fmt: skip
    resumed = sweep(sweep_points.slow, {"x": list(range(12))}, out=out, workers=1, progress=False, as_frame=False)
    assert len(resumed) == 12 and not holder.exists()
    assert_rows_kept(kept, resumed)
    assert [r["y"] for r in resumed] == [r["y"] for r in rows] and sweep_status(out) is None
