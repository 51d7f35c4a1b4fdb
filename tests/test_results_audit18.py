"""Results audit, round 18: a holder left by a sweep killed on another machine (file systems without locks), a
sweep stopped by Ctrl-Z past the heartbeat's limit, machines whose clocks disagree, and (below) what else was
found. Each test's docstring says what the old behaviour was."""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sweep_points

from qnsim import sweeps
from qnsim.sweeps import read_results, sweep, sweep_status

TESTS = str(Path(__file__).parent)


def _env(**extra):
    return {**os.environ, "PYTHONPATH": os.pathsep.join([TESTS, os.environ.get("PYTHONPATH", "")]), **extra}


def _no_locks(monkeypatch):
    import fcntl

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)


def _left_by_node_b(holder, age):
    """A holder as a sweep of process 4242 on machine 'node-b' leaves it, last touched ``age`` seconds ago."""
    holder.write_text(f"node-b 4242 {os.urandom(8).hex()} -\n")
    os.utime(holder, (time.time() - age, time.time() - age))


# --- a holder left by a sweep killed on another machine ---------------------------------------------------------


def test_a_holder_left_on_another_machine_is_taken_over_by_option_once_its_sweep_stopped_recording(
    tmp_path, monkeypatch
):
    """Old behaviour: where the file system has no locks, a sweep killed on another machine left its holder
    (``r.csv.holder``) and every sweep of the out was refused for good, told to delete the file by hand (nothing
    told a dead sweep's holder from a live one's). ``take_over=True`` (``--take-over``) takes it over now, refused,
    naming machine, process and age, while the sweep there recorded itself alive within ``HEARTBEAT_STALE_S``
    (a running sweep touches its holder every ``HEARTBEAT_S``); the plain refusal names the option."""
    _no_locks(monkeypatch)
    out = tmp_path / "r.csv"
    with pytest.raises(sweeps.SweepError):
        sweep(sweep_points.fails, {"x": list(range(4))}, out=out, workers=1, progress=False)
    holder = tmp_path / "r.csv.holder"
    assert not holder.exists()
    _left_by_node_b(holder, age=5)
    before = out.read_bytes()
    with pytest.raises(ValueError, match=r"process 4242 on node-b.*recorded itself alive 5 s ago.*--take-over"):
        sweep(sweep_points.fails, {"x": [0, 1, 3]}, out=out, workers=1, progress=False)
    with pytest.raises(ValueError, match=r"is not taken over: .*process 4242 on node-b.*alive 5 s ago"):
        sweep(sweep_points.fails, {"x": [0, 1, 3]}, out=out, workers=1, progress=False, take_over=True)
    assert out.read_bytes() == before and holder.read_text().startswith("node-b 4242")
    _left_by_node_b(holder, age=sweeps.HEARTBEAT_STALE_S + 5)
    with pytest.raises(ValueError, match=r"recorded itself alive 65 s ago.*--take-over"):
        sweep(sweep_points.fails, {"x": [0, 1, 3]}, out=out, workers=1, progress=False)  # only by the option
    rows = sweep(sweep_points.fails, {"x": [0, 1, 3]}, out=out, workers=1, progress=False, as_frame=False,
                 take_over=True)  # fmt: skip
    assert [r["x"] for r in rows] == [0, 1, 3] and not holder.exists()


def test_the_commands_take_a_holder_over_by_their_take_over_option(tmp_path, monkeypatch, capsys):
    """``qnsim sweep --take-over`` and ``qnsim qec sweep --take-over`` (old behaviour: no such option; the
    refusal told the user to delete the holder by hand)."""
    pytest.importorskip("stim")
    from qnsim.qec_cli import main as qec_main
    from qnsim.sweep_cli import main

    _no_locks(monkeypatch)
    out = tmp_path / "r.csv"
    command = ["sweep_points:square", "--param", "x=1,2", "--out", str(out), "--workers", "1", "--no-progress"]
    _left_by_node_b(tmp_path / "r.csv.holder", age=sweeps.HEARTBEAT_STALE_S + 5)
    assert main(command) == 2
    assert "run this one again with --take-over" in capsys.readouterr().err
    assert main([*command, "--take-over"]) == 0
    assert [r["x"] for r in read_results(out)] == [1, 2]

    experiment = tmp_path / "e.toml"
    experiment.write_text("[grid]\ndistance = [3]\np_int = [0.001]\n[sampling]\nmax_shots = 200\n")
    rows = tmp_path / "q.csv"
    _left_by_node_b(tmp_path / "q.csv.holder", age=sweeps.HEARTBEAT_STALE_S + 5)
    qec = ["sweep", str(experiment), "--out", str(rows), "--workers", "1", "--no-progress"]
    assert qec_main(qec) == 2
    assert qec_main([*qec, "--take-over"]) == 0
    assert len(read_results(rows)) == 1 and not (tmp_path / "q.csv.holder").exists()


NO_LOCKS_ON_NODE_B = """
import errno, socket, sys, time
socket.gethostname = lambda: "node-b"  # another machine,
import fcntl
def no_locks(fd, op):
    raise OSError(errno.ENOLCK, "No locks available")
fcntl.flock = no_locks  # on a file system without locks
from qnsim import sweeps
sweeps.HEARTBEAT_S = 0.05
from qnsim.sweep_cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_a_running_sweeps_holder_is_not_taken_over_however_long_it_runs(tmp_path, monkeypatch):
    """A real sweep on 'node-b' without locks runs longer than ``HEARTBEAT_STALE_S`` (made 1.5 s here): its holder,
    touched at each heartbeat, keeps ``take_over=True`` refused, naming it, and the sweep there finishes whole.
    (Without the touch, a holder's age was its sweep's: a take-over of any sweep running that long would have
    run beside it.)"""
    _no_locks(monkeypatch)
    monkeypatch.setattr(sweeps, "HEARTBEAT_STALE_S", 1.5)  # 30 of its beats: a machine under load still beats
    out = tmp_path / "r.csv"
    command = ["sweep_points:slow", "--param", "x=" + ",".join(map(str, range(40))), "--out", str(out),
               "--workers", "1", "--no-progress"]  # fmt: skip
    there = subprocess.Popen([sys.executable, "-c", NO_LOCKS_ON_NODE_B, *command], env=_env(), stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (out.exists() and read_results(out)) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(2.0)  # past the limit since it began
        with pytest.raises(ValueError, match=rf"is not taken over: .*process {there.pid} on node-b"):
            sweep(sweep_points.slow, {"x": list(range(40))}, out=out, workers=1, progress=False, take_over=True)
        _, stderr = there.communicate(timeout=60)
        assert there.returncode == 0, stderr
    finally:
        if there.poll() is None:
            there.kill()
        there.communicate()
    assert [r["x"] for r in read_results(out)] == list(range(40)) and sweep_status(out) is None


# --- stopped by Ctrl-Z past the heartbeat's limit -----------------------------------------------------------------

LOCAL_LOCKS_ON_NODE_B = """
import socket, sys
socket.gethostname = lambda: "node-b"  # another machine,
import fcntl
fcntl.flock = lambda fd, op: None  # whose locks this machine does not see (an NFS client's local locks)
from qnsim import sweeps
sweeps.HEARTBEAT_S = 0.05
from qnsim.sweep_cli import main
sys.exit(main(sys.argv[1:]))
"""


def _stopped_taken_over_and_continued(tmp_path, monkeypatch, script, take_over):
    monkeypatch.setattr(sweeps, "HEARTBEAT_STALE_S", 0.5)
    out = tmp_path / "r.csv"
    grid = {"x": list(range(12))}
    command = ["sweep_points:slow", "--param", "x=" + ",".join(map(str, grid["x"])), "--out", str(out),
               "--workers", "1", "--no-progress"]  # fmt: skip
    there = subprocess.Popen([sys.executable, "-c", script, *command], env=_env(), stderr=subprocess.PIPE,
                             start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (out.exists() and len(read_results(out)) >= 2) and time.monotonic() < deadline:
            time.sleep(0.01)
        # Ctrl-Z stops the terminal's whole group; SIGTSTP is ignored by a group without a terminal, SIGSTOP not.
        os.killpg(there.pid, signal.SIGSTOP)
        time.sleep(1.0)  # past the limit: to this machine, the sweep there looks dead
        here = sweep(sweep_points.slow, grid, out=out, workers=1, progress=False, as_frame=False,
                     take_over=take_over)  # fmt: skip
        os.killpg(there.pid, signal.SIGCONT)
        _, stderr = there.communicate(timeout=60)
    finally:
        if there.poll() is None:
            os.killpg(there.pid, signal.SIGKILL)
        there.communicate()
    assert there.returncode == 2, stderr.decode()[-2000:]
    assert "was taken over by another sweep" in stderr.decode()
    rows = read_results(out)
    assert sorted(r["x"] for r in rows) == grid["x"], "a point twice (or lost) after the stopped sweep's return"
    assert {r["point_id"]: r for r in rows} == {r["point_id"]: r for r in here}
    assert sweep_status(out) is None  # this sweep's finished state stands
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith((".holder", ".tmp")) or "takeover" in p.name]


@pytest.mark.slow
def test_a_sweep_stopped_past_the_limit_and_taken_over_stops_on_its_return_without_writing(tmp_path, monkeypatch):
    """Old behaviour: a sweep on 'node-b' (locks each machine's own) stopped by Ctrl-Z for longer than
    ``HEARTBEAT_STALE_S`` looked dead here, and a sweep here took the out over and finished it; continued (``fg``),
    the stopped sweep went on writing the rows of every point it had left, each now in the file twice, and wrote
    its own state over this one's. On its return it finds another sweep owns the out and stops (status 2,
    ``SweepTakenOver``) without writing a row or its state."""
    _stopped_taken_over_and_continued(tmp_path, monkeypatch, LOCAL_LOCKS_ON_NODE_B, take_over=False)


@pytest.mark.slow
def test_a_sweep_stopped_past_the_limit_whose_holder_was_taken_over_stops_on_its_return(tmp_path, monkeypatch):
    """The same without locks: the stopped sweep's holder is taken over here (``take_over=True``, its holder no
    longer touched); on its return the sweep finds the holder another's and stops without writing (old behaviour:
    there was no take-over but by hand, after which it wrote every point it had left a second time)."""
    _no_locks(monkeypatch)
    _stopped_taken_over_and_continued(tmp_path, monkeypatch, NO_LOCKS_ON_NODE_B, take_over=True)


# --- clocks that disagree -----------------------------------------------------------------------------------------


def _owned_by_node_b(out, clock_skew, last_write_age):
    """The state of ``out`` as a sweep running on 'node-b' leaves it, its clock ``clock_skew`` seconds ahead of this
    one's, its last heartbeat written ``last_write_age`` seconds ago."""
    state = Path(str(out) + ".sweep.json")
    content = json.loads(state.read_text())
    (entry,) = content["sweeps"]
    entry["state"] = "running"
    written_at = time.time() - last_write_age
    entry["holder"] = {"host": "node-b", "pid": 4242, "started": "-", "heartbeat": written_at + clock_skew,
                       "token": "b0"}  # fmt: skip
    content["owner"] = entry["holder"]
    entry["digest"] = sweeps._entry_digest(entry)  # as the sweep there records it
    state.write_text(json.dumps(content))
    os.utime(state, (written_at, written_at))


def test_a_sweep_on_a_machine_whose_clock_is_behind_is_not_taken_for_dead(tmp_path):
    """Old behaviour: the age of another machine's heartbeat was this machine's clock minus that machine's: a sweep
    running on a machine whose clock is 10 minutes behind (its record 1 s old) read 601 s old, was taken for dead,
    and a sweep here ran every point into the file beside it. The age is read on the file system's one clock now
    (the state file's modification time against a file created beside it): 1 s, refused by name."""
    out = tmp_path / "r.csv"
    with pytest.raises(sweeps.SweepError):
        sweep(sweep_points.fails, {"x": list(range(4))}, out=out, workers=1, progress=False)
    before = out.read_bytes()
    _owned_by_node_b(out, clock_skew=-600, last_write_age=1)
    with pytest.raises(ValueError, match=r"another machine \(process 4242 on node-b, which recorded itself alive 1 s"):
        sweep(sweep_points.fails, {"x": [0, 1, 3]}, out=out, workers=1, progress=False)
    assert out.read_bytes() == before
    assert "still running (process 4242 on node-b, alive 1 s ago)" in sweep_status(out)


def test_a_sweep_killed_on_a_machine_whose_clock_is_ahead_is_taken_over_after_the_limit(tmp_path):
    """Old behaviour: a sweep killed on a machine whose clock is 10 minutes ahead left a heartbeat "from the
    future": it read as alive for 11 minutes (a resume here refused, ``sweep_status`` "still running"). Its last
    record, 65 s old on the file system's clock, is dead now."""
    out = tmp_path / "r.csv"
    with pytest.raises(sweeps.SweepError):
        sweep(sweep_points.fails, {"x": list(range(4))}, out=out, workers=1, progress=False)
    _owned_by_node_b(out, clock_skew=600, last_write_age=sweeps.HEARTBEAT_STALE_S + 5)
    assert "ended without finishing" in sweep_status(out)
    rows = sweep(sweep_points.fails, {"x": [0, 1, 3]}, out=out, workers=1, progress=False, as_frame=False)
    assert [r["x"] for r in rows] == [0, 1, 3]



# --- the hunt: resumes across edits and versions ---------------------------------------------------------------


def numpy_values(params, seed):
    """Results as numpy scalars (as a point computing with numpy returns them)."""
    import numpy as np

    return {"f": np.float64(params["x"]) / 3, "i": np.int64(7), "ok": np.bool_(params["x"] > 0.15)}


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_numpy_bools_are_written_as_bools_under_numpy_2(tmp_path, suffix):
    """Old behaviour: a result (or grid value) of numpy's bool was known by its type's name, "bool_", which numpy 2
    renamed "bool": a sweep whose point returned ``np.True_`` stopped with "values must be bool, int, float or str,
    got bool np.True_" (a sweep begun under numpy 1 wrote such rows and could not be resumed under numpy 2). It is
    a bool now, under either; numpy floats and grid values read back as Python's, the same points as Python values."""
    import numpy as np

    if suffix == "parquet":
        pytest.importorskip("pyarrow")
    out = tmp_path / f"r.{suffix}"
    rows = sweep(numpy_values, {"x": [np.float64(0.1), np.float64(0.2)], "on": [np.True_]}, out=out, workers=1,
                 progress=False, as_frame=False)  # fmt: skip
    assert [(r["ok"], r["on"]) for r in rows] == [(False, True), (True, True)]
    assert all(type(r["ok"]) is bool and type(r["f"]) is float for r in rows)
    again = sweep(numpy_values, {"x": [0.1, 0.2], "on": [True]}, out=out, workers=1, progress=False, as_frame=False)
    assert again == rows and len(read_results(out)) == 2


def test_a_stopped_scenario_sweep_resumes_after_edits_that_leave_its_scenario_as_it_was(tmp_path, capsys):
    """Comments, the order of a table's keys and ``2e3`` for ``2000.0`` never changed the scenario's id (its parsed
    content). Old behaviour: ``rate_hz = 2000`` for ``2000.0`` (the same rate) did: the resume was refused as "rows of
    another scenario", and the user had to run every point again. It resumes now (one new point runs); another
    rate is still refused by name, the file left byte for byte."""
    from scenarios import two_node_scenario

    from qnsim.sweep_cli import main

    scenario, out = tmp_path / "s.toml", tmp_path / "r.csv"
    text = two_node_scenario(0.01)
    scenario.write_text(text)
    command = [str(scenario), "--param", "links.0.length_km=1,2", "--out", str(out), "--workers", "1",
               "--no-progress"]  # fmt: skip
    assert main(command) == 0
    first = read_results(out)
    link = "length_km = 10.0\nfidelity = 0.9\nrate_hz = 2000.0\n"
    assert link in text
    scenario.write_text("# edited\n" + text.replace(link, "rate_hz = 2000  # Hz\nfidelity = 0.9\nlength_km = 10.0\n"))
    command[2] = "links.0.length_km=1,2,3"
    assert main(command) == 0, capsys.readouterr().err
    rows = read_results(out)
    assert rows[:2] == first and [r["links.0.length_km"] for r in rows] == [1, 2, 3]
    before = out.read_bytes()
    scenario.write_text(text.replace("rate_hz = 2000.0", "rate_hz = 2001.0"))
    assert main(command) == 2 and "holds rows of another scenario" in capsys.readouterr().err
    assert out.read_bytes() == before
