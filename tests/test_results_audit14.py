"""Results audit, round 14: a row written twice by a stop between its write and the sweep's note of it, a
takeover file left by a killed taker, a SIGTERM of the commands, a disk that fills mid-row, and (below) what
else was found. Each test's docstring says what the old behaviour was."""

import errno
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sweep_points
from kept_rows import assert_rows_kept
from test_results_audit13 import all_at_once

from qnsim import sweeps
from qnsim.sweeps import read_results, sweep, sweep_status

TESTS = str(Path(__file__).parent)


def _path_of(fd):
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None


# --- a stop between a row's write and the sweep's note of it ----------------------------------------------


def test_a_ctrl_c_as_a_csv_rows_write_returns_leaves_the_row_once(tmp_path, monkeypatch):
    """Old behaviour: a Ctrl-C landing as a point's row had been written (its fsync returned) and before the
    sweep noted the point as done: the sweep's clean-up kept the points that had finished, this one among
    them, and wrote its row a second time. The sweep's own readers count such a copy once, but the file held
    one more line than points (``pandas.read_csv`` counted it twice). Now the row on disk is the record: a
    point handed over again is not written again."""
    if not os.path.exists("/proc/self/fd"):
        pytest.skip("needs /proc to tell the out's descriptor")
    out = tmp_path / "r.csv"
    real_fsync, stopped = os.fsync, []

    def stop_after_the_first_row(fd):
        real_fsync(fd)
        if not stopped and _path_of(fd) == str(out) and out.read_text().count("\n") == 2:
            stopped.append(True)
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", stop_after_the_first_row)
    with pytest.raises(KeyboardInterrupt) as info:
        sweep(sweep_points.slow, {"x": list(range(6))}, out=out, workers=1, progress=False)
    monkeypatch.setattr(os, "fsync", real_fsync)
    lines = out.read_text().splitlines()[1:]
    ids = [line.split(",")[-1] for line in lines]
    assert stopped and len(ids) == len(set(ids)) >= 1
    assert f"{len(ids)} of 6 points finished and are in" in " ".join(info.value.__notes__)
    rows = sweep(sweep_points.slow, {"x": list(range(6))}, out=out, workers=1, progress=False, as_frame=False)
    assert [r["x"] for r in rows] == list(range(6)) and len(out.read_text().splitlines()) == 7


def test_a_ctrl_c_as_a_parquet_parts_rename_returns_leaves_its_rows_once(tmp_path, monkeypatch):
    """Old behaviour: a Ctrl-C landing as a Parquet part had been renamed into place, before its rows left the
    sweep's buffer: the clean-up wrote them again in a second part (and the point handed over again a third
    time), and ``pandas.read_parquet(out)``, which the docs give as the way to read the directory, read the
    point two or three times. Now the part in place is the record of its rows."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    out = tmp_path / "r.parquet"
    monkeypatch.setattr(sweeps._ParquetSink, "MAX_ROWS", 1)
    real_replace, stopped = os.replace, []

    def stop_after_the_first_part(src, dst):
        real_replace(src, dst)
        if not stopped and Path(dst).parent == out and Path(dst).name.startswith("part-"):
            stopped.append(True)
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", stop_after_the_first_part)
    with pytest.raises(KeyboardInterrupt):
        sweep(sweep_points.slow, {"x": list(range(6))}, out=out, workers=1, progress=False)
    monkeypatch.setattr(os, "replace", real_replace)
    frame = pd.read_parquet(out)
    assert stopped and len(frame) == frame["point_id"].nunique() == len(read_results(out)) >= 1


# --- a full disk mid-row ------------------------------------------------------------------------------------


def test_a_disk_full_mid_row_leaves_whole_rows_and_says_what_was_kept(tmp_path, monkeypatch):
    """Old behaviour: a disk that filled half-way through a row left the cut row at the end of the file and
    the sweep raised "[Errno 28] No space left on device: 'r.csv'" alone: nothing said what the file held or
    how to go on; and the state file, written next on the same full disk, raised its own error in place of
    the row's (naming ``r.csv.sweep.json``, the first failure only its context). Now the cut row is cut off
    (the file ends with a whole row), the row's error is raised, and its note says how many points the file
    holds, that the state could not be written, and to run the sweep again; ``qnsim sweep`` prints the note."""
    if not os.path.exists("/proc/self/fd"):
        pytest.skip("needs /proc to tell the out's descriptor")
    import qnsim.trace
    from qnsim.cli import main

    out = tmp_path / "r.csv"
    real_write, real_whole, full = os.write, qnsim.trace.write_whole, []

    def fill_on_the_third_row(fd, data):
        if _path_of(fd) == str(out) and (full or out.read_text().count("\n") == 3):
            if not full:
                full.append(True)
                real_write(fd, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    def state_on_a_full_disk(path, chunks):
        if full:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_whole(path, chunks)

    monkeypatch.setattr(os, "write", fill_on_the_third_row)
    monkeypatch.setattr(qnsim.trace, "write_whole", state_on_a_full_disk)
    with pytest.raises(OSError, match="No space left on device") as info:
        sweep(sweep_points.square, {"x": list(range(6))}, out=out, workers=1, progress=False)
    assert info.value.filename == str(out)
    assert info.value.__notes__ == [
        f"2 of 6 points finished and are in {str(out)!r}; the sweep's state could not be written ({out}.sweep.json: "
        "No space left on device); run the same sweep again to resume"
    ]
    raw = out.read_bytes()
    assert raw.endswith(b"\n") and raw.count(b"\n") == 3 and [r["x"] for r in read_results(out)] == [0, 1]

    # The command line says it too, and the next run, with room on the disk, finishes the file.
    full.clear()
    monkeypatch.setattr(os, "write", real_write)
    code = main(["sweep", "sweep_points:square", "--param", "x=0,1,2,3,4,5", "--out", str(out), "--workers", "1",
                 "--no-progress"])  # fmt: skip
    assert code == 0 and [r["x"] for r in read_results(out)] == list(range(6))
    out.unlink()
    Path(f"{out}.sweep.json").unlink()
    full.clear()
    monkeypatch.setattr(os, "write", fill_on_the_third_row)
    err = _captured_stderr(
        lambda: main(["sweep", "sweep_points:square", "--param", "x=0,1,2,3,4,5", "--out", str(out), "--workers",
                      "1", "--no-progress"])  # fmt: skip
    )
    assert err[0] == 2
    assert f"No space left on device; 2 of 6 points finished and are in {str(out)!r}; " in err[1]


def _captured_stderr(body):
    import contextlib
    import io

    with contextlib.redirect_stderr(io.StringIO()) as err:
        code = body()
    return code, err.getvalue()


# --- a takeover file left by a taker killed under it ---------------------------------------------------------


def _dead_pid():
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout)  # fmt: skip


_KILLED_UNDER_ITS_TAKEOVER = """
import sys, time
from pathlib import Path
from qnsim import sweeps

lock = Path({lock!r})
holder = sweeps._holder_path(lock)
real_alive, calls = sweeps._holder_alive, []

def stuck_under_the_takeover_file(path):
    answer = real_alive(path)
    if path == holder:
        calls.append(path)
        if len(calls) == 2:  # the check made again under the takeover file
            print("under", flush=True)
            time.sleep(60)
    return answer

sweeps._holder_alive = stuck_under_the_takeover_file
sweeps._hold_out(lock, lock)
"""


def _leave_a_killed_taker(lock):
    """A dead sweep's holder beside ``lock``, and the takeover file of a taker SIGKILLed under it."""
    holder = sweeps._holder_path(lock)
    holder.write_text(f"{socket.gethostname()} {_dead_pid()}\n")
    taker = subprocess.Popen([sys.executable, "-c", _KILLED_UNDER_ITS_TAKEOVER.format(lock=str(lock))],
                             stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert taker.stdout.readline() == "under\n"
    finally:
        taker.kill()
        taker.wait()
        taker.stdout.close()
    assert sorted(p.name for p in lock.parent.iterdir()) == ["r.csv.holder", "r.csv.holder.takeover"]
    return holder


def test_a_takeover_file_left_by_a_killed_taker_is_passed_without_hand_work(tmp_path):
    """Old behaviour: a sweep killed (SIGKILL) while it took a dead sweep's holder over left its takeover
    file; every later sweep waited 2 s and was refused ("another sweep is taking over ... at the same
    time"), and after ten seconds was told to delete both files by hand. Now the takeover file names its
    taker's process and start, a later taker that finds the process gone takes the out over (under a file
    named after the dead one, never deleting it while another could), and no file is left but its holder."""
    lock = tmp_path / "r.csv"
    holder = _leave_a_killed_taker(lock)
    started = time.monotonic()
    assert sweeps._hold_out(lock, lock) == holder and time.monotonic() - started < 1.5
    assert holder.read_text().split()[:2] == [socket.gethostname(), str(os.getpid())]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv.holder"]
    sweeps._unlock_out(holder)
    assert not any(tmp_path.iterdir())


def _take_over(lock, barrier, answers):
    barrier.wait()
    try:
        held = sweeps._hold_out(lock, lock)
    except ValueError as exc:
        answers.put(("refused", str(exc)))
        return
    answers.put(("won", os.getpid()))
    time.sleep(1.0)  # held while the others look
    sweeps._unlock_out(held)


@pytest.mark.slow
def test_sweeps_passing_a_killed_takers_file_at_once_leave_one_winner(tmp_path):
    """Four sweeps started together on an out whose holder is dead and whose takeover file was left by a
    killed taker: exactly one takes the out over, the others are refused naming it (a taker never deletes
    a takeover file another may have made: two takers could each delete the other's and both win). Old
    behaviour: none of them won (each was refused, the file to be deleted by hand)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    lock = tmp_path / "r.csv"
    _leave_a_killed_taker(lock)
    barrier, answers = context.Barrier(4), context.Queue()
    takers = [context.Process(target=_take_over, args=(lock, barrier, answers)) for _ in range(4)]
    for taker in takers:
        taker.start()
    said = [answers.get(timeout=30) for _ in takers]
    for taker in takers:
        taker.join(timeout=30)
    winners = [who for what, who in said if what == "won"]
    assert len(winners) == 1, said
    assert all(f"process {winners[0]} on" in text for what, text in said if what == "refused"), said
    assert not any(tmp_path.iterdir())


def test_a_holder_naming_a_process_id_now_anothers_is_taken_over(tmp_path):
    """Old behaviour: a holder named its sweep by machine and process id alone, so once the killed sweep's
    id was given to another process (ids are reused), the holder read as a live sweep for as long as that
    process ran, and every sweep on the out was refused. It names the process's start too now: a holder
    whose process id runs another process is taken over."""
    start = sweeps._process_start(os.getpid())
    if not start:
        pytest.skip("process start times are read from /proc")
    lock = tmp_path / "r.csv"
    holder = sweeps._holder_path(lock)
    boot, ticks = start.split("/")
    holder.write_text(f"{socket.gethostname()} {os.getpid()} 0123456789abcdef {boot}/{int(ticks) + 1}\n")
    assert sweeps._hold_out(lock, lock) == holder
    assert holder.read_text().split()[3] == start
    with pytest.raises(ValueError, match=rf"another running sweep \(process {os.getpid()} on "):
        sweeps._hold_out(lock, lock)
    sweeps._unlock_out(holder)


# --- SIGTERM of the commands ------------------------------------------------------------------------------


def _terminated_sweep(command, out, rows_first=2):
    """Runs ``qnsim`` ``command`` until ``out`` holds ``rows_first`` rows, sends it SIGTERM; its status and stderr."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([TESTS, os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen([sys.executable, "-m", "qnsim", *command], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (out.exists() and len(read_results(out)) >= rows_first) and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read()
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()
        process.stderr.close()
    return process.returncode, err


@pytest.mark.slow
def test_a_sigterm_of_qnsim_sweep_keeps_what_finished_and_says_so(tmp_path):
    """Old behaviour: a SIGTERM (``kill``, a batch scheduler's time limit) ended ``qnsim sweep`` at once with
    Python's default: status -15, nothing on stderr, the state file left "running" (read later as "killed,
    or out of memory?") and the points its pool was finishing lost. Now it stops as Ctrl-C does: the points
    that finished are kept, the state says it was terminated, stderr says how many points the out holds and
    how to go on, and the status is 143 (128 + SIGTERM); the same command then finishes the sweep."""
    out = tmp_path / "r.csv"
    command = ["sweep", "sweep_points:slow", "--param", "x=" + ",".join(map(str, range(12))), "--out", str(out),
               "--workers", "1", "--no-progress"]  # fmt: skip
    code, err = _terminated_sweep(command, out)
    kept = read_results(out)
    assert code == 143, err
    assert err.strip().endswith(
        f"qnsim sweep: terminated (SIGTERM); {len(kept)} of 12 points finished and are in {str(out)!r}; run the "
        "same sweep again to resume"
    ), err
    assert 2 <= len(kept) < 12
    assert f"stopped after {len(kept)} of 12 points (Terminated: SIGTERM)" in sweep_status(out)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([TESTS, os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-m", "qnsim", *command], check=True, env=env, capture_output=True)
    rows = read_results(out)
    assert [r["x"] for r in rows] == list(range(12)) and sweep_status(out) is None
    assert_rows_kept(kept, rows)


def sigterm_default(params, seed):
    """Whether SIGTERM ends this (worker) process with the default action."""
    return {"default": signal.getsignal(signal.SIGTERM) == signal.SIG_DFL}


def test_a_commands_sigterm_handler_is_not_a_forked_workers():
    """A command's SIGTERM handler raises in its main thread; a sweep's forked pool worker inherited it, and a
    worker then raised in the point it ran (handing the stop back as the point's result) instead of ending when
    the pool terminates it. Workers drop it."""
    import multiprocessing

    from qnsim.cli import sigterm_stops

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("only a forked worker inherits the handler")
    with sigterm_stops():
        assert signal.getsignal(signal.SIGTERM) != signal.SIG_DFL
        rows = sweep(sigterm_default, {}, seeds=2, workers=1, progress=False, as_frame=False)
    assert [r["default"] for r in rows] == [True, True]
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def long_from_two(params, seed):
    """square's row, after two minutes from x = 2 on."""
    if params["x"] >= 2:
        time.sleep(120)
    return sweep_points.square(params, seed)


@pytest.mark.slow
def test_a_sigterm_does_not_wait_for_the_points_running(tmp_path):
    """A SIGTERM reaches the sweep's own process only (a Ctrl-C on a terminal reaches its workers too): the
    sweep stopped as on Ctrl-C, waiting for the points running in its pool to finish, two minutes here (hours
    for a long point), and the kill looked ignored. The workers are ended now: the command stops within
    seconds, keeping the points that had finished."""
    out = tmp_path / "r.csv"
    command = ["sweep", "test_results_audit14:long_from_two", "--param", "x=0,1,2,3", "--out", str(out),
               "--workers", "2", "--no-progress"]  # fmt: skip
    started = time.monotonic()
    code, err = _terminated_sweep(command, out)
    assert code == 143 and time.monotonic() - started < 60, err
    assert f"terminated (SIGTERM); 2 of 4 points finished and are in {str(out)!r}" in err
    assert sorted(r["x"] for r in read_results(out)) == [0, 1]  # two workers: either may finish first


# --- two sweeps on one out: the saved counts of the other's points ----------------------------------------


def test_a_qec_sweep_that_finishes_keeps_the_counts_another_sweep_on_its_out_saved(tmp_path):
    """Old behaviour: a QEC sweep's points save their counts in ``OUT.shots/`` after every batch, and a sweep
    that finished deleted every file there. A second sweep on the same out (other grid values: a value added
    with ``--param``) that finished deleted the saved counts of the first one's point killed mid-way: measured
    here with ``qnsim qec sweep``, 10.8 s and 10^6 shots of a point, resumed from its first shot. Now a sweep
    deletes only the counts saved since it started."""
    import qnsim.qec.sweep as qec_sweep

    out = tmp_path / "i.csv"
    store = tmp_path / "i.csv.shots"
    store.mkdir()
    other = store / "0123456789abcdef01234567.json"  # another sweep's point, killed mid-way
    other.write_text("{}")
    os.utime(other, (time.time() - 60, time.time() - 60))
    spec = qec_sweep.ExperimentSpec.from_dict({"grid": {"distance": [3]}, "sampling": {"max_shots": 200}})
    rows = qec_sweep.run_experiment_sweep(spec, grid={"p_int": [0.0, 0.1]}, out=out, workers=1)
    assert [r["shots"] for r in rows] == [200, 200]
    assert sorted(p.name for p in store.iterdir()) == [other.name]
    other.unlink()
    qec_sweep.run_experiment_sweep(spec, grid={"p_int": [0.0, 0.1, 0.2]}, out=out, workers=1)
    assert not store.exists()


def test_a_disk_full_mid_part_says_what_a_parquet_out_holds(tmp_path, monkeypatch):
    """Old behaviour: a full disk while a Parquet part was written stopped the sweep, which then tried the
    buffered rows again as it closed the out, and that second failure was raised in place of the first: the
    error said "No space left on device" and nothing of what the directory held. Now the first error is
    raised, noting how many points the out holds and how many finished points could not be written."""
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    out = tmp_path / "r.parquet"
    monkeypatch.setattr(sweeps._ParquetSink, "MAX_ROWS", 2)
    real_write, parts = pq.write_table, []

    def full_after_one_part(table, where, **options):
        parts.append(where)
        if len(parts) >= 2:
            Path(where).write_bytes(b"PAR1")  # the part cut short
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(table, where, **options)

    monkeypatch.setattr(pq, "write_table", full_after_one_part)
    with pytest.raises(OSError, match="No space left on device") as info:
        sweep(sweep_points.square, {"x": list(range(7))}, out=out, workers=1, progress=False)
    assert info.value.__notes__ == [
        f"2 of 7 points finished and are in {str(out)!r}; 2 finished points could not be written "
        f"({out}: No space left on device); run the same sweep again to resume"
    ]
    monkeypatch.setattr(pq, "write_table", real_write)
    assert [r["x"] for r in read_results(out)] == [0, 1] and "stopped after 2 of 7 points" in sweep_status(out)
    assert [r["x"] for r in sweep(sweep_points.square, {"x": list(range(7))}, out=out, workers=1, progress=False,
                                  as_frame=False)] == list(range(7))  # fmt: skip


# --- a Ctrl-C while a Dask chunk's rows are handed over -------------------------------------------------------


def test_a_ctrl_c_while_a_dask_chunks_rows_are_written_keeps_the_rest_of_the_chunk(tmp_path, monkeypatch):
    """Old behaviour: a Dask chunk (several points in one task) was taken off the sweep's list of unkept chunks
    before its rows were written; a Ctrl-C after its first row left the others out of the clean-up that keeps
    what finished: computed, not in out, run again on resume (7 of the 8 points here, every chunk finished).
    Now a chunk leaves the list once its rows are all written. (Tasks are sized by time and submitted a few at a
    time since round 23: here all are submitted at once, of two points, as then.)"""
    distributed = pytest.importorskip("distributed")

    def all_done_first(distributed, futures, still_ours, wake_s=None):  # every chunk finished when the sweep looks
        distributed.wait(futures)
        return list(futures)

    monkeypatch.setattr(sweeps, "_dask_finished", all_done_first)
    all_at_once(monkeypatch)
    real_append, appended = sweeps._CsvSink.append, []

    def stop_after_the_first_row(sink, row):
        real_append(sink, row)
        appended.append(row)
        if len(appended) == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(sweeps._CsvSink, "append", stop_after_the_first_row)
    out = tmp_path / "r.csv"
    with (
        distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
    ):
        assert sweeps.dask_chunk_size(8, 1) == 2
        with pytest.raises(KeyboardInterrupt) as info:
            sweep(sweep_points.square, {"x": list(range(8))}, backend="dask", client=client, out=out, progress=False)
    assert sorted(r["x"] for r in read_results(out)) == list(range(8))
    assert "8 of 8 points finished and are in" in " ".join(info.value.__notes__)


def test_a_holder_whose_writer_could_not_read_its_start_is_alive_while_its_process_is(tmp_path):
    """A holder written where the process's start could not be read says "-" there: it is no start to compare,
    and the holder of a live process is not taken over for it."""
    lock = tmp_path / "r.csv"
    holder = sweeps._holder_path(lock)
    holder.write_text(f"{socket.gethostname()} {os.getpid()} 0123456789abcdef -\n")
    with pytest.raises(ValueError, match="another running sweep"):
        sweeps._hold_out(lock, lock)


# --- a QEC sweep resumed through another name of its files, or from a copied folder ---------------------------


@pytest.mark.slow
def test_a_qec_sweep_resumes_whatever_path_names_its_experiment_file(tmp_path, monkeypatch):
    """Old behaviour: an experiment's scenario id held the file name as given (``e.toml``), so the same
    sweep run again as ``./e.toml``, by its absolute path, or from a copy of its folder, was refused:
    "out 'r.csv' holds rows of another scenario ... the scenario differs". The name it was read by is
    left out of the id now (what it computes is not)."""
    import shutil

    from qnsim.qec.sweep import run_experiment_sweep

    project = tmp_path / "project"
    project.mkdir()
    (project / "e.toml").write_text('[grid]\ndistance = [3]\np_int = [0.0, 0.1]\n[sampling]\nmax_shots = 200\n')
    monkeypatch.chdir(project)
    first = run_experiment_sweep("e.toml", out="r.csv", workers=1)
    assert run_experiment_sweep("./e.toml", out="r.csv", workers=1) == first
    assert run_experiment_sweep(str(project / "e.toml"), out="r.csv", workers=1) == first
    shutil.copytree(project, tmp_path / "copy")
    monkeypatch.chdir(tmp_path)
    more = run_experiment_sweep("copy/e.toml", grid={"p_int": [0.0, 0.1, 0.2]}, out="copy/r.csv", workers=1)
    assert more[:2] == first and len(read_results("copy/r.csv")) == 3
    (project / "e.toml").write_text('[grid]\ndistance = [3]\np_int = [0.0, 0.1]\n[sampling]\nmax_shots = 300\n')
    with pytest.raises(ValueError, match="holds rows of another scenario"):
        run_experiment_sweep(str(project / "e.toml"), out=project / "r.csv", workers=1)


@pytest.mark.slow
def test_a_qec_sweep_over_a_link_resumes_from_a_copied_folder(tmp_path, monkeypatch):
    """Old behaviour: an experiment over a ``[link]`` held the link scenario's path (resolved beside the
    experiment file) and the measured link's label naming it in its scenario id: a project folder copied
    elsewhere (another machine, another path) was refused as another scenario. The measured link stands for
    its scenario now, whatever its path."""
    import shutil

    from qnsim.qec.sweep import run_experiment_sweep

    examples = Path(TESTS).parent / "examples"
    project = tmp_path / "project"
    (project / "qec").mkdir(parents=True)
    shutil.copy(examples / "two_qpus_transducers.toml", project)
    text = (examples / "qec" / "transducer_memory.toml").read_text()
    text = text.replace("max_shots = 20000", "max_shots = 200").replace("distance = [3, 5]", "distance = [3]")
    (project / "qec" / "e.toml").write_text(text.replace("rate_multiplier = [1.0, 100.0, 1000.0, 3000.0]",
                                                         "rate_multiplier = [100.0]"))  # fmt: skip
    monkeypatch.chdir(project)
    first = run_experiment_sweep("qec/e.toml", out="qec/r.csv", workers=1)
    shutil.copytree(project, tmp_path / "elsewhere")
    monkeypatch.chdir(tmp_path / "elsewhere" / "qec")
    assert run_experiment_sweep("e.toml", out="r.csv", workers=1) == first
