"""Bad-input round 46, the ways a user gets a plausible wrong answer from a sweep: a resumed sweep whose out held a
copy of a row finished with the copy still in the file (qnsim's readers count it once, ``pandas.read_csv`` /
``read_parquet`` and a spreadsheet twice); a point function's ``sys.exit()`` came out of :func:`qnsim.sweep` as
itself (a script, and ``qnsim sweep module:function``, ended with status 0 after a part of the points; on Dask the
sweep hung); a point that left a column out was refused by a Parquet out only (elsewhere its value read as <NA>,
which a mean skips); NumPy's text scalar was refused where NumPy's numbers are converted."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
import threading

import numpy as np
import pandas as pd
import pytest
from scenarios import two_node_scenario

import qnsim

# Nodes a and b, one 1 km link of F = 0.9 at 10 kHz, a request a -> b, 10 ms.
_SCENARIO = two_node_scenario(0.01, length_km=1.0, rate_hz=1e4)

_GRID = {"links.0.length_km": [1, 2]}


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(_SCENARIO)
    return path


def _sweep(scenario, out):
    return qnsim.sweep(scenario, _GRID, seeds=2, out=out, progress=False)


def _read(out):
    return pd.read_parquet(out) if out.suffix == ".parquet" else pd.read_csv(out)


def _copy_a_row(out):
    """Copies one row of ``out`` in place (a CSV line appended again, a Parquet part copied beside itself)."""
    if out.suffix == ".parquet":
        part = sorted(out.glob("part-*.parquet"))[0]
        shutil.copy(part, out / "part-copy.parquet")
    else:
        lines = out.read_text().splitlines(keepends=True)
        out.write_text("".join([*lines, lines[1]]))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_resumed_sweep_leaves_each_point_once_in_its_out(scenario, tmp_path, suffix):
    """Old: the resume returned the 4 points, but the out it finished (and put in order for pandas) kept the copy: 5
    lines of a CSV, and a Parquet part copied beside itself was merged into one part of 8 rows, every point twice;
    a mean or a sum over ``pandas.read_csv(out)`` counted them twice without a word."""
    out = tmp_path / f"r{suffix}"
    _sweep(scenario, out)
    before = _read(out)
    _copy_a_row(out)
    assert len(_read(out)) > len(before)  # the copy is there before the resume
    frame = _sweep(scenario, out)
    assert len(frame) == 4
    on_disk = _read(out)
    # The oracle: the grid's cross product with the seeds, each once (a point is its grid values and its seed).
    assert sorted(zip(on_disk["links.0.length_km"], on_disk["seed"])) == [(1, 0), (1, 1), (2, 0), (2, 1)]
    pd.testing.assert_frame_equal(on_disk.reset_index(drop=True), before.reset_index(drop=True))


# --- 2. a point function that calls sys.exit() ---


def exits_at_x2(params, seed):
    """A point function whose point x = 2 calls ``sys.exit()`` (status 0: "success")."""
    if params["x"] == 2:
        sys.exit()
    return {"y": params["x"] * 10 + seed}


def ends_a_generator_at_x2(params, seed):
    """A point function whose point x = 2 raises GeneratorExit (another BaseException that is no Ctrl-C)."""
    if params["x"] == 2:
        raise GeneratorExit
    return {"y": params["x"] * 10 + seed}


@pytest.mark.parametrize("fn, kind", [(exits_at_x2, "SystemExit"), (ends_a_generator_at_x2, "GeneratorExit")])
@pytest.mark.parametrize("workers", [1, 2])
def test_a_point_function_that_exits_stops_the_sweep_with_a_sweep_error(tmp_path, fn, kind, workers):
    """Old: the point function's SystemExit (GeneratorExit) came out of qnsim.sweep as itself: a script calling it
    ended there with status 0, 2 of the 6 points in its out."""
    out = tmp_path / "r.csv"
    with pytest.raises(qnsim.SweepError, match=rf"the point function raised {kind}.*'x': 2") as caught:
        qnsim.sweep(fn, {"x": [1, 2, 3]}, seeds=2, out=out, workers=workers, progress=False, retries=0)
    assert "points finished" in "\n".join(getattr(caught.value, "__notes__", []))


def test_qnsim_sweep_of_a_point_function_that_exits_fails():
    """Old: `qnsim sweep module:function` of a point function calling sys.exit() exited with status 0 and said
    nothing, its out short of 4 of its 6 points: a stopped sweep read as a finished one by the shell, make or CI."""
    from qnsim.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["sweep", f"{__name__}:exits_at_x2", "--param", "x=1,2,3", "--seeds", "2", "--workers", "1",
                       "--retries", "0", "--no-progress"])  # fmt: skip
    assert status == 2, err.getvalue()  # a failed command's status
    assert "the point function raised SystemExit" in err.getvalue()


def test_a_point_function_that_exits_on_dask_stops_the_sweep_with_a_sweep_error():
    """Old: on Dask (an in-process cluster here) the sweep waited for ever for the task whose point called
    sys.exit(). Run in a thread, so that a hang fails the test instead of the suite."""
    distributed = pytest.importorskip("distributed")
    caught: list[BaseException] = []

    def run(client):
        try:
            qnsim.sweep(exits_at_x2, {"x": [1, 2, 3]}, seeds=2, backend="dask", client=client, progress=False)
        except BaseException as exc:  # noqa: BLE001 - the test reads it
            caught.append(exc)

    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as client:
        thread = threading.Thread(target=run, args=(client,), daemon=True)
        thread.start()
        thread.join(timeout=60)
        assert not thread.is_alive(), "the sweep hangs"
    assert len(caught) == 1 and isinstance(caught[0], qnsim.SweepError), caught
    assert re.search(r"the point function raised SystemExit: sys\.exit\(None\).*'x': 2.*on Dask", str(caught[0]))


# --- 3. a point that leaves a column out ---


def leaves_y_out_at_x2(params, seed):
    """A point function whose point x = 2 returns no ``y`` (a branch that forgot it)."""
    return {"z": 1.0} if params["x"] == 2 else {"y": float(params["x"]), "z": 1.0}


@pytest.mark.parametrize("out", [None, "r.csv", "r.parquet"])
def test_a_point_that_leaves_a_column_out_is_refused_whatever_the_out(tmp_path, out):
    """Old: a Parquet out refused the row ("every point must return the same columns"), but without an out, and in a
    CSV out whose first row had the column, the point's y was read as no value (<NA>), which a mean over the
    column skips: the mean of y over x = 1, 2, 3 read 2.0, the mean of two points, as the mean of three."""
    with pytest.raises(qnsim.SweepError, match=r"point .*'x': 2.* returned columns .*\['z'\].*an earlier point"):
        qnsim.sweep(leaves_y_out_at_x2, {"x": [1, 2, 3]}, out=None if out is None else tmp_path / out, workers=1,
                    progress=False)  # fmt: skip


def leaves_y_out_at_x2_when_told(params, seed):
    """As :func:`leaves_y_out_at_x2`, while the environment says so (a change its scenario_id cannot see)."""
    if os.environ.get("QNSIM_TEST_LEAVE_Y_OUT"):
        return leaves_y_out_at_x2(params, seed)
    return {"y": float(params["x"]), "z": 1.0}


def test_a_resumed_sweep_refuses_a_point_that_leaves_out_a_column_of_the_out(tmp_path, monkeypatch):
    """The rows read back from the out are the earlier points: x = 2 run again (its line deleted by hand) must return
    the columns that x = 1 and 3 have in the file. Old: its y was written empty."""
    out = tmp_path / "r.csv"
    qnsim.sweep(leaves_y_out_at_x2_when_told, {"x": [1, 2, 3]}, out=out, workers=1, progress=False)
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(line for line in lines if not line.startswith("2,")))
    monkeypatch.setenv("QNSIM_TEST_LEAVE_Y_OUT", "1")
    with pytest.raises(qnsim.SweepError, match=r"point .*'x': 2.* returned columns .*\['z'\].*an earlier point"):
        qnsim.sweep(leaves_y_out_at_x2_when_told, {"x": [1, 2, 3]}, out=out, workers=1, progress=False)


# --- 4. NumPy's text scalar, as its numbers ---


def returns_its_scheme(params, seed):
    """A point function returning its grid's text value and a NumPy text scalar of its own."""
    return {"used": np.str_(params["scheme"]), "n": np.int64(len(params["scheme"]))}


@pytest.mark.parametrize("out", [None, "r.csv", "r.parquet"])
def test_numpy_text_becomes_python_text_as_numpy_numbers_do(tmp_path, out):
    """Old: np.int64 and np.float64 grid values and results became Python numbers, but np.str_ ones (a grid from
    np.array(["dejmps", "bbpssw"]) or a frame's column) were refused by a CSV out as "would read back as str" and by
    a Parquet out with "a float as 0.0, not 0", and kept as np.str_ without an out."""
    schemes = np.array(["dejmps", "bbpssw"])
    frame = qnsim.sweep(returns_its_scheme, {"scheme": list(schemes)}, out=None if out is None else tmp_path / out,
                        workers=1, progress=False)  # fmt: skip
    assert list(frame["scheme"]) == ["dejmps", "bbpssw"] == list(frame["used"])
    assert all(type(v) is str for v in [*frame["scheme"], *frame["used"]])
    assert list(frame["n"]) == [6, 6]
