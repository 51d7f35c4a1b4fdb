"""Results audit, round 15: a SIGHUP of the sweep commands, an out reached through a symbolic link, the notes
of a comparison's frame, and (below) what else was found. Each test's docstring says what the old behaviour was."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sweep_points
from kept_rows import assert_rows_kept

import qnsim
from qnsim import sweeps
from qnsim.sweeps import read_results, split_notes, sweep, sweep_status

TESTS = str(Path(__file__).parent)


# --- one writer of a row's notes ------------------------------------------------------------------------------


def _two_ways(formalism, relay):
    net = qnsim.Network(formalism, seed=3)
    for node in ("a", "r", "b") if relay else ("a", "b"):
        net.add_node(node)
    hops = [("a", "r"), ("r", "b")] if relay else [("a", "b")]
    for x, y in hops:
        net.add_link(x, y, length_km=1.0, fidelity=0.95, rate_hz=1e3, success_probability=0.1)
    net.request("a", "b")
    return net.run(until_s=0.2, progress=False)


def test_a_comparisons_frame_writes_its_notes_as_a_sweep_row_does():
    """Old behaviour: ``Comparison.to_pandas`` joined a row's notes with "; " where every sweep row writes them
    with ``join_notes`` (a note's own ";" doubled, None for none): the path note "path a - r - b (2 links), the
    baseline's a - b (1 link); they part after a" came back from ``split_notes`` as two notes, and a row without
    notes read "" where a sweep row's frame reads a missing value. One writer now: each note comes back whole."""
    pd = pytest.importorskip("pandas")
    comparison = qnsim.compare_results(
        {"direct": _two_ways("bell_diagonal", False), "relay": _two_ways("density_matrix", True)}
    )
    notes = comparison.rows[1]["notes"]
    assert len(notes) >= 2 and any(";" in note for note in notes)
    frame = comparison.to_pandas()
    assert [split_notes(text) for text in frame["notes"]] == [list(row["notes"]) for row in comparison.rows]
    assert pd.isna(frame["notes"].iloc[0]) and not comparison.rows[0]["notes"]


# --- SIGHUP: the terminal closed, an ssh connection dropped ---------------------------------------------------


def _env():
    return {**os.environ, "PYTHONPATH": os.pathsep.join([TESTS, os.environ.get("PYTHONPATH", "")])}


def _wait_for_rows(process, out, rows, drain=None):
    deadline = time.monotonic() + 60
    while not (out.exists() and len(read_results(out)) >= rows) and time.monotonic() < deadline:
        if drain is not None:
            drain()
        assert process.poll() is None, "the sweep ended before its stop"
        time.sleep(0.02)


def _on_a_terminal_hung_up(command, out, rows_first=2):
    """Runs ``qnsim`` ``command`` on a terminal of its own (a pseudo-terminal it controls, as a shell's job) until
    ``out`` holds ``rows_first`` rows, then hangs the terminal up (as a closed terminal window or a dropped ssh
    connection do: the kernel sends SIGHUP to the command and its workers); the command's status."""
    import fcntl
    import pty
    import termios

    master, slave = pty.openpty()

    def controlled_by_the_terminal():
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen([sys.executable, "-m", "qnsim", *command], stdin=slave, stdout=slave, stderr=slave,
                               env=_env(), start_new_session=True, preexec_fn=controlled_by_the_terminal)  # fmt: skip
    os.close(slave)
    os.set_blocking(master, False)

    def drain():
        try:
            os.read(master, 65536)
        except OSError:
            pass

    try:
        _wait_for_rows(process, out, rows_first, drain)
        drain()
        os.close(master)  # the hang-up
        master = None
        return process.wait(timeout=60)
    finally:
        if master is not None:
            os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.slow
def test_a_hung_up_terminal_stops_qnsim_sweep_keeping_what_finished(tmp_path):
    """Old behaviour: a terminal closed (or an ssh connection dropped) under ``qnsim sweep`` ended it at once with
    Python's default for SIGHUP: status -1, the state file left "running" (read later as "killed, or out of
    memory?"). Now it stops as on SIGTERM: the points that finished are kept, the state says it was hung up,
    the status is 129 (128 + SIGHUP; the message that would say so has no terminal to go to any more), and the
    same command finishes the sweep."""
    out = tmp_path / "r.csv"
    command = ["sweep", "sweep_points:slow", "--param", "x=" + ",".join(map(str, range(12))), "--out", str(out),
               "--workers", "1", "--no-progress"]  # fmt: skip
    code = _on_a_terminal_hung_up(command, out)
    kept = read_results(out)
    assert code == 129
    assert 2 <= len(kept) < 12
    assert f"stopped after {len(kept)} of 12 points (Terminated: SIGHUP)" in sweep_status(out)
    subprocess.run([sys.executable, "-m", "qnsim", *command], check=True, env=_env(), capture_output=True)
    rows = read_results(out)
    assert [r["x"] for r in rows] == list(range(12)) and sweep_status(out) is None
    assert_rows_kept(kept, rows)


def long_from_two(params, seed):
    """square's row, after two minutes from x = 2 on."""
    if params["x"] >= 2:
        time.sleep(120)
    return sweep_points.square(params, seed)


@pytest.mark.slow
def test_a_sighup_of_the_process_group_ends_the_workers_and_says_what_was_kept(tmp_path):
    """Old behaviour: a SIGHUP sent to the terminal's process group (the sweep and its workers, as a shell sends
    it to its jobs as it exits) ended ``qnsim sweep`` at once, status -1, saying nothing. Now it stops within
    seconds though its workers run two-minute points, keeps the two that finished, and says so (status 129)."""
    out = tmp_path / "r.csv"
    command = ["sweep", "test_results_audit15:long_from_two", "--param", "x=0,1,2,3", "--out", str(out),
               "--workers", "2", "--no-progress"]  # fmt: skip
    process = subprocess.Popen([sys.executable, "-m", "qnsim", *command], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, env=_env(), start_new_session=True)  # fmt: skip
    started = time.monotonic()
    try:
        _wait_for_rows(process, out, 2)
        time.sleep(0.5)  # the workers are in their two-minute points
        os.killpg(process.pid, signal.SIGHUP)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        process.stderr.close()
    assert process.returncode == 129 and time.monotonic() - started < 60, err
    assert err.strip().endswith(
        f"qnsim sweep: hung up (SIGHUP); 2 of 4 points finished and are in {str(out)!r}; run the same sweep again "
        "to resume"
    ), err
    assert sorted(r["x"] for r in read_results(out)) == [0, 1]
    assert "stopped after 2 of 4 points (Terminated: SIGHUP)" in sweep_status(out)



@pytest.mark.slow
def test_a_hung_up_terminal_stops_qnsim_qec_sweep_keeping_what_finished(tmp_path):
    """Old behaviour: ``qnsim qec sweep`` on a terminal that closed ended at once (status -1), its state left
    "running". Now it stops as on SIGTERM: status 129, the points that finished kept, the state says why."""
    experiment = tmp_path / "e.toml"
    p_int = ", ".join(str(i / 1000) for i in range(40))
    experiment.write_text(f"[grid]\ndistance = [3]\np_int = [{p_int}]\n[sampling]\nmax_shots = 20000\n")
    out = tmp_path / "r.csv"
    code = _on_a_terminal_hung_up(["qec", "sweep", str(experiment), "--out", str(out), "--workers", "1"], out)
    kept = read_results(out)
    assert code == 129 and 2 <= len(kept) < 40
    assert f"stopped after {len(kept)} of 40 points (Terminated: SIGHUP)" in sweep_status(out)

def sighup_default(params, seed):
    """Whether SIGHUP ends this (worker) process with the default action."""
    return {"default": signal.getsignal(signal.SIGHUP) == signal.SIG_DFL}


def test_a_commands_sighup_handler_is_not_a_forked_workers():
    """The command's SIGHUP handler raises in its main thread; a forked pool worker inherits it, and would raise
    in the point it runs (handing the stop back as the point's result: a failed point) instead of ending with the
    default action while the sweep stops. Workers drop it, as they drop the SIGTERM one."""
    import multiprocessing

    from qnsim.cli import sigterm_stops

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("only a forked worker inherits the handler")
    with sigterm_stops():
        assert signal.getsignal(signal.SIGHUP) != signal.SIG_DFL
        rows = sweep(sighup_default, {}, seeds=2, workers=1, progress=False, as_frame=False)
    assert [r["default"] for r in rows] == [True, True]
    assert signal.getsignal(signal.SIGHUP) == signal.SIG_DFL


# --- an out reached through a symbolic link ------------------------------------------------------------------


def _no_locks(monkeypatch):
    import errno
    import fcntl

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)


def test_an_out_and_a_link_to_it_are_one_out_where_there_are_no_locks(tmp_path, monkeypatch):
    """Old behaviour: on a file system without locks a sweep's holder file is named after its out as given, so a
    sweep writing ``link.csv`` (a symbolic link to ``r.csv``) and one writing ``r.csv`` each made a holder of its
    own and both held the out: both wrote every point into the one file. The files a sweep keeps beside its out
    are named after the file a link leads to now: the second sweep is refused, naming the first. (A Parquet
    out's lock is a file inside its directory, one whichever name reaches it.)"""
    _no_locks(monkeypatch)
    target = tmp_path / "r.csv"
    target.touch()
    link = tmp_path / "link.csv"
    link.symlink_to(target.name)
    first = sweeps._open_sink(link, [])
    first.lock()
    try:
        with pytest.raises(ValueError, match=rf"another running sweep \(process {os.getpid()} on "):
            sweeps._open_sink(target, []).lock()
        with pytest.raises(ValueError, match="another running sweep"):
            sweep(sweep_points.square, {"x": [1]}, out=target, workers=1, progress=False)
    finally:
        first.close()


def test_a_sweep_stopped_under_a_links_name_is_seen_under_its_files(tmp_path):
    """Old behaviour: a sweep run on ``link.csv`` (a symbolic link to ``r.csv``) kept its state in
    ``link.csv.sweep.json``: stopped by a failed point, ``sweep_status("r.csv")`` answered None (a whole sweep)
    and a summary of ``r.csv`` read like a finished sweep of fewer points; a QEC sweep's saved counts were looked
    for in ``link.csv.shots`` by one name and ``r.csv.shots`` by the other. The state and the saved counts are
    the file's, whichever name reaches it."""
    from qnsim.qec.sweep import saved_counts_dir

    target = tmp_path / "r.csv"
    link = tmp_path / "link.csv"
    link.symlink_to(target)  # a dangling link: the sweep creates the file it leads to
    with pytest.raises(sweeps.SweepError, match="boom at x=2"):
        sweep(sweep_points.fails, {"x": list(range(6))}, out=link, workers=1, progress=False)
    kept = len(read_results(target))
    assert target.is_file() and not (tmp_path / "link.csv.sweep.json").exists()
    assert all(f"stopped after {kept} of 6 points" in sweep_status(name) for name in (target, link))
    assert saved_counts_dir(link) == saved_counts_dir(target) == str(target) + ".shots"
    rows = sweep(sweep_points.fails, {"x": [0, 1, 3, 4, 5]}, out=target, workers=1, progress=False, as_frame=False)
    assert sorted(r["x"] for r in rows) == [0, 1, 3, 4, 5] and link.is_symlink()


def test_a_link_loop_or_a_link_to_another_kind_of_out_is_refused_by_name(tmp_path):
    """Old behaviour: a link ``link.csv`` to an empty ``notes.txt`` had the sweep's CSV written into ``notes.txt``
    (a name that does not say so, and not where a later look for ``*.csv`` finds it). It is refused now, naming
    the link and its target; so is a loop of links (it has no file), by name."""
    (tmp_path / "notes.txt").touch()
    (tmp_path / "link.csv").symlink_to("notes.txt")
    with pytest.raises(ValueError, match=r"'.*link\.csv' is a symbolic link to '.*notes\.txt', which does not end"):
        sweep(sweep_points.square, {"x": [1]}, out=tmp_path / "link.csv", workers=1, progress=False)
    assert (tmp_path / "notes.txt").read_text() == ""
    (tmp_path / "a.csv").symlink_to("b.csv")
    (tmp_path / "b.csv").symlink_to("a.csv")
    with pytest.raises(ValueError, match=r"out '.*a\.csv' is a loop of symbolic links"):
        sweep(sweep_points.square, {"x": [1]}, out=tmp_path / "a.csv", workers=1, progress=False)


# --- a point function's file edited around it while a process runs ----------------------------------------------


def test_a_sweep_resumes_in_the_process_whose_point_functions_file_grew_above_it(tmp_path, monkeypatch):
    """Old behaviour: a point function's scenario_id holds its source, read from its file at the line its code
    was compiled from. A function added above it (by another hand, or in an editor while a notebook ran on) left
    the function as it was, but the same process then read the added function's text in its place: the resumed
    sweep was refused, "out holds rows of another scenario", its rows computed by the very same code (and a
    fresh process, reading the moved function whole, computes the first id). Its text is found where it stands
    now."""
    import importlib

    module_file = tmp_path / "moved_point.py"
    module_file.write_text('def point(params, seed):\n    return {"y": params["x"] * 2 + seed}\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("moved_point")
    out = tmp_path / "r.csv"
    first = sweep(module.point, {"x": [1, 2]}, out=out, workers=1, progress=False, as_frame=False)
    before = sweeps.scenario_id(module.point)
    grown = 'def added(params, seed):\n    return {"z": 0}\n\n\n' + module_file.read_text()
    module_file.write_text(grown)
    stat = module_file.stat()
    os.utime(module_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # seen as changed by linecache
    assert sweeps.scenario_id(module.point) == before
    rows = sweep(module.point, {"x": [1, 2, 3]}, out=out, workers=1, progress=False, as_frame=False)
    assert rows[:2] == first and [r["y"] for r in rows] == [2, 4, 6]


_NO_LOCKS_SWEEP = """
import errno, fcntl, sys
sys.path.insert(0, {tests!r})
import sweep_points
from qnsim.sweeps import sweep

def no_locks(fd, operation):
    raise OSError(errno.ENOLCK, "No locks available")

fcntl.flock = no_locks
sweep(sweep_points.slow, {{"x": list(range(100))}}, out={out!r}, workers=1, progress=False)
"""


@pytest.mark.slow
def test_a_sweep_running_where_there_are_no_locks_is_running_under_a_links_name(tmp_path, monkeypatch):
    """Old behaviour: where the file system has no locks, ``sweep_status`` of a link to the out of a running sweep
    looked for the holder beside the link, found none, and said the sweep "ended without finishing" (killed, or
    out of memory?) while it ran. It looks beside the file the link leads to now: still running."""
    target = tmp_path / "r.csv"
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    script = _NO_LOCKS_SWEEP.format(tests=TESTS, out=str(target))
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_rows(process, target, 2)
        _no_locks(monkeypatch)
        assert "is still running" in sweep_status(target)
        assert "is still running" in sweep_status(link)
    finally:
        process.kill()
        process.wait()


# --- a sweep run again without one of its axes --------------------------------------------------------------


def test_a_summary_refusing_rows_of_a_sweep_without_an_axis_names_their_blank_value(tmp_path):
    """Old behaviour: a sweep over ``x`` and ``z`` run again on its out without ``z`` (its rows' ``z`` blank: the
    scenario's own value) made ``summarize`` refuse the mix rightly, but say "differ in the swept parameter(s)
    'z' ([5])": one value for a parameter said to differ. It names the blank rows too now."""
    from qnsim.plot import summarize

    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [1, 2], "z": [5]}, out=out, workers=1, progress=False)
    sweep(sweep_points.square, {"x": [1, 2]}, out=out, workers=1, progress=False)
    with pytest.raises(ValueError, match=r"'z' \(\[5(\.0)?\] and blank \(rows of a sweep without it: the scenario's own"):
        summarize(out, "x", ["y"])
