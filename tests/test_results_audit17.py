"""Results audit, round 17: a hard link to an out in another directory, a sweep on another machine where locks
are each machine's own (NFS), and (below) sweeps stopped by signals at random points and resumed. Each test's
docstring says what the old behaviour was."""

import json
import os
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


# --- a hard link in another directory -------------------------------------------------------------------------


def test_an_out_with_a_name_in_another_directory_is_refused_and_its_status_says_so(tmp_path):
    """Old behaviour: a sweep stopped under ``a/r.csv`` (its state ``a/r.csv.sweep.json``) and resumed under
    ``b/h.csv``, a hard link to it, ran: it began a second state beside ``b/h.csv``, and ``sweep_status`` of
    ``a/r.csv`` still said "stopped after 2 of 6 points" of a file that held every point (the other name's
    state is out of sight: a sweep finds the names of its file in its own directory only; where there are no
    locks, the two names' sweeps both wrote the file). A file with names in other directories is refused now,
    naming how many, under either name; ``sweep_status`` says its state may be beside them."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "r.csv", tmp_path / "b" / "h.csv"
    with pytest.raises(sweeps.SweepError, match="boom at x=2"):
        sweep(sweep_points.fails, {"x": list(range(6))}, out=first, workers=1, progress=False)
    os.link(first, second)
    for name in (second, first):
        with pytest.raises(ValueError, match=r"1 of them in other directories.*-samefile"):
            sweep(sweep_points.fails, {"x": [0, 1, 3, 4, 5]}, out=name, workers=1, progress=False)
    assert not (tmp_path / "b" / "h.csv.sweep.json").exists()
    assert "other name(s) (hard links) in other directories" in sweep_status(second)
    assert "stopped after" in sweep_status(first) and "in other directories" in sweep_status(first)
    second.unlink()  # one name again: it resumes, and says nothing of other names
    sweep(sweep_points.fails, {"x": [0, 1, 3, 4, 5]}, out=first, workers=1, progress=False)
    assert "other directories" not in (sweep_status(first) or "")


def test_names_in_one_directory_still_resume_one_another(tmp_path):
    """The refusal above counts names beyond the directory's: two names side by side (round 16's one state of
    the file) still resume each other."""
    target = tmp_path / "r.csv"
    with pytest.raises(sweeps.SweepError):
        sweep(sweep_points.fails, {"x": list(range(4))}, out=target, workers=1, progress=False)
    os.link(target, tmp_path / "h.csv")
    rows = sweep(sweep_points.fails, {"x": [0, 1, 3]}, out=tmp_path / "h.csv", workers=1, progress=False,
                 as_frame=False)  # fmt: skip
    assert [r["x"] for r in rows] == [0, 1, 3]


# --- a sweep on another machine (locks that are each machine's own) ---------------------------------------------


def _state_holders(out):
    content = json.loads(Path(str(out) + ".sweep.json").read_text())
    return [e.get("holder") for e in content["sweeps"]]


def _fake_running_elsewhere(out, heartbeat_age):
    """Makes the state of ``out`` say its (only) sweep runs on machine 'node-b', last alive ``heartbeat_age``
    seconds ago, as a sweep there would leave it."""
    state = Path(str(out) + ".sweep.json")
    content = json.loads(state.read_text())
    (entry,) = content["sweeps"]
    entry["state"] = "running"
    entry["holder"] = {"host": "node-b", "pid": 4242, "started": "-", "heartbeat": time.time() - heartbeat_age}
    state.write_text(json.dumps(content))


FAST_HEARTBEAT = """
import sys
from qnsim import sweeps
sweeps.HEARTBEAT_S = 0.05
from qnsim.sweep_cli import main
sys.exit(main(sys.argv[1:]))
"""


def _wait_for_rows(process, out, count):
    deadline = time.monotonic() + 60
    while not (out.exists() and len(read_results(out)) >= count) and time.monotonic() < deadline:
        assert process.poll() is None, "the sweep ended before it was looked at"
        time.sleep(0.02)


def test_a_sweep_records_its_machine_process_and_heartbeat_while_it_runs(tmp_path):
    """Old behaviour: the state of a running sweep said "running" and nothing of who ran it, so a sweep on
    another machine (an NFS mount whose locks are each client's own: both take the lock) could not tell a live
    sweep from a dead one. It records the machine, process and, every ``HEARTBEAT_S``, the time it was alive;
    a finished sweep's entry has no holder."""
    import socket

    out = tmp_path / "r.csv"
    command = ["sweep_points:slow", "--param", "x=" + ",".join(map(str, range(8))), "--out", str(out),
               "--workers", "1", "--no-progress"]  # fmt: skip
    process = subprocess.Popen([sys.executable, "-c", FAST_HEARTBEAT, *command], env=_env())
    try:
        _wait_for_rows(process, out, 1)
        (first,) = _state_holders(out)
        time.sleep(0.3)
        (later,) = _state_holders(out)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert (first["host"], first["pid"]) == (socket.gethostname(), process.pid)
    assert later["heartbeat"] > first["heartbeat"]
    assert _state_holders(out) == [None]


def test_a_sweep_running_on_another_machine_is_refused_by_name_while_its_heartbeat_is_fresh(tmp_path):
    """Old behaviour: with locks that are each machine's own, a second machine resuming a sweep that ran on
    the first took its own lock and ran every point again into the same file (and cut off the first's line in
    progress as a partial last line); ``sweep_status`` there said the sweep "ended without finishing (killed, or
    out of memory?)". Now the resume is refused naming the machine and process while its heartbeat is fresh
    (nothing written: the file is as it was), the status says it is still running, and ``qnsim qec clean-shots``
    refuses too; once the heartbeat is older than ``HEARTBEAT_STALE_S``, it is taken for dead and resumed."""
    from qnsim.qec.sweep import clear_saved_counts

    out = tmp_path / "r.csv"
    with pytest.raises(sweeps.SweepError):
        sweep(sweep_points.fails, {"x": list(range(4))}, out=out, workers=1, progress=False)
    before = out.read_bytes() + b"0.5,"  # a line the other machine is writing
    out.write_bytes(before)
    _fake_running_elsewhere(out, heartbeat_age=5)
    with pytest.raises(ValueError, match=r"another machine \(process 4242 on node-b, which recorded itself alive 5 s"):
        sweep(sweep_points.fails, {"x": [0, 1, 3]}, out=out, workers=1, progress=False)
    assert out.read_bytes() == before
    assert "still running (process 4242 on node-b, alive 5 s ago)" in sweep_status(out)
    (tmp_path / "r.csv.shots").mkdir()
    (tmp_path / "r.csv.shots" / "p.json").write_text("{}")
    with pytest.raises(ValueError, match="a sweep is writing"):
        clear_saved_counts(out)
    _fake_running_elsewhere(out, heartbeat_age=sweeps.HEARTBEAT_STALE_S + 5)
    assert "ended without finishing" in sweep_status(out)
    rows = sweep(sweep_points.fails, {"x": [0, 1, 3]}, out=out, workers=1, progress=False, as_frame=False)
    assert [r["x"] for r in rows] == [0, 1, 3]


FAKE_HOST = """
import socket, sys
socket.gethostname = lambda: "node-b"  # another machine,
import fcntl
fcntl.flock = lambda fd, op: None  # whose locks this machine does not see
from qnsim.sweep_cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_a_real_sweep_under_a_faked_host_name_is_refused_by_name_here(tmp_path):
    """The same with a real sweep: ``qnsim sweep`` run as machine 'node-b' whose locks this machine does not
    see (its ``flock`` a no-op, as an NFS client's local locks are to another client). Old behaviour: a sweep
    here took the lock and ran beside it. It is refused naming 'node-b' and its process, and the sweep there
    finishes whole."""
    out = tmp_path / "r.csv"
    command = ["sweep_points:slow", "--param", "x=" + ",".join(map(str, range(15))), "--out", str(out),
               "--workers", "1", "--no-progress"]  # fmt: skip
    there = subprocess.Popen([sys.executable, "-c", FAKE_HOST, *command], env=_env(), stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (out.exists() and read_results(out)) and time.monotonic() < deadline:
            time.sleep(0.02)
        with pytest.raises(ValueError, match=rf"another machine \(process {there.pid} on node-b"):
            sweep(sweep_points.square, {"x": list(range(15))}, out=out, workers=1, progress=False)
        assert f"process {there.pid} on node-b" in sweep_status(out)
        _, stderr = there.communicate(timeout=60)
        assert there.returncode == 0, stderr
    finally:
        if there.poll() is None:
            there.kill()
        there.communicate()
    rows = read_results(out)
    assert [r["x"] for r in rows] == list(range(15)) and sweep_status(out) is None
