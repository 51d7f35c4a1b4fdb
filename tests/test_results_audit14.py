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
