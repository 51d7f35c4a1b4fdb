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
