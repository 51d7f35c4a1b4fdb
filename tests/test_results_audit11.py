"""Results audit, round 11: memory a trace's frame may take, resumed grids whose float values were
computed another way, results files on a full disk, and kills and interrupts of seed batches. Each
test's docstring says what the old behaviour was."""

import re

import pytest
import sweep_points
from kept_rows import assert_rows_kept

from qnsim.plot import summarize
from qnsim.sweeps import SweepError, read_results, sweep, sweep_status

# --- memory: a control group's limit, the memory free now -------------------------------------------


def _fake_linux(tmp_path, monkeypatch, cgroup_line, files, available_kb=64 * 10**6):
    """Points qnsim.trace at a /proc and /sys/fs/cgroup of our making: ``cgroup_line`` is the process's
    line of /proc/self/cgroup, ``files`` maps paths under the cgroup root to their text."""
    import qnsim.trace

    proc, root = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "cgroup").write_text(cgroup_line + "\n")
    (proc / "meminfo").write_text(f"MemTotal: 67108864 kB\nMemAvailable: {available_kb} kB\n")
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text + "\n")
    monkeypatch.setattr(qnsim.trace, "_PROC", proc)
    monkeypatch.setattr(qnsim.trace, "_CGROUP_ROOT", root)
    monkeypatch.setattr(qnsim.trace, "_physical_memory_bytes", lambda: 64 * 10**9)


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_an_in_memory_trace_beyond_the_control_groups_limit_is_refused(tmp_path, monkeypatch, version):
    """Old behaviour: the trace limit was checked against the machine's physical memory only. In a
    container or a batch job (Slurm, Kubernetes, ``docker --memory``) the kernel kills the process at
    its control group's limit: ``Network(trace=10**8)`` (9.6 GB) in a 2 GB job on a 64 GB node was
    accepted, and a long run was then killed without a word. The group's limit, and those of the
    groups above it, now count."""
    import qnsim

    if version == "v2":
        files = {"slurm/job_7/memory.max": "2000000000", "slurm/job_7/memory.current": "100000000",
                 "slurm/job_7/step_0/memory.max": "max", "slurm/job_7/step_0/memory.current": "100000000"}  # fmt: skip
        _fake_linux(tmp_path, monkeypatch, "0::/slurm/job_7/step_0", files)
    else:
        files = {"memory/slurm/job_7/memory.limit_in_bytes": "2000000000",
                 "memory/slurm/job_7/memory.usage_in_bytes": "100000000"}  # fmt: skip
        _fake_linux(tmp_path, monkeypatch, "4:memory:/slurm/job_7", files)
    limit = r"trace = 100,000,000 records would take up to 9.6 GB .*more than this process's memory limit \(its control"
    with pytest.raises(qnsim.ParameterError, match=limit + r" group's.*2 GB"):
        qnsim.Network(trace=10**8)
    assert qnsim.Network(trace=10**7).trace().limit == 10**7  # 0.96 GB fits in 2 GB


def test_a_trace_frame_is_checked_against_the_memory_free_now(tmp_path, monkeypatch):
    """Old behaviour: ``Trace.to_pandas`` refused a frame larger than the machine's whole memory only.
    The records are held already (twice: the network's and the trace's arrays), and other processes
    use memory too: a frame that fitted the machine but not what was left of it got the process killed
    without a word. Now the frame's size is compared with the memory available now (MemAvailable, and
    the room left under the process's control group's limit)."""
    from test_results_audit10 import _synthetic_trace

    rows = [(5, 0, 0, 0, 1, 3, 1, 2, 0, 0.5)] * 3000  # ~1.2 MB as a frame
    _fake_linux(tmp_path, monkeypatch, "0::/", {}, available_kb=1000)
    with pytest.raises(MemoryError, match=r"3,000 trace records takes about 0.0012 GB, more than the memory available "
                                          r"now, 0.00102 GB"):  # fmt: skip
        _synthetic_trace(rows).to_pandas()
    _fake_linux(tmp_path / "b", monkeypatch, "0::/job", {"job/memory.max": "3000000", "job/memory.current": "2000000"})
    with pytest.raises(MemoryError, match=r"more than the memory left under this process's limit"):
        _synthetic_trace(rows).to_pandas()
    _fake_linux(tmp_path / "c", monkeypatch, "0::/job", {"job/memory.max": "max"}, available_kb=10**6)
    assert len(_synthetic_trace(rows).to_pandas()) == 3000


def test_delivery_records_beyond_the_memory_are_refused_and_their_frame_checked(tmp_path, monkeypatch):
    """Old behaviour: ``Network(max_records=10**8)`` was accepted on any machine (30 GB of records held
    and read, measured at ~300 bytes each), and ``NetworkResult.to_pandas`` built a frame of ~180 bytes
    per record at its peak whatever the memory left: a run that delivered that many pairs, or its frame,
    got the process killed without a word. Now the limit is checked against the memory the process may
    use, and the frame against the memory available now."""
    import qnsim

    _fake_linux(tmp_path, monkeypatch, "0::/job", {"job/memory.max": "4000000000", "job/memory.current": "0"},
                available_kb=10)  # fmt: skip
    with pytest.raises(qnsim.ParameterError, match=r"max_records = 100,000,000 records would take up to 30 GB .*more "
                                                   r"than this process's memory limit .*4 GB: keep fewer"):  # fmt: skip
        qnsim.Network("bell_diagonal", max_records=10**8)
    net = qnsim.Network("bell_diagonal", seed=1, max_records=10**7)  # 3 GB fits in 4
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e5)
    net.request("a", "b", num_pairs=100)
    result = net.run(until_s=0.01, progress=False)
    with pytest.raises(MemoryError, match=r"a DataFrame of 100 delivery records takes about .* more than the memory "
                                          r"available now, 1.02e-05 GB: read the per-request arrays"):  # fmt: skip
        result.to_pandas()
    _fake_linux(tmp_path / "b", monkeypatch, "0::/", {})
    assert len(result.to_pandas()) == 100


# --- grid values on resume ------------------------------------------------------------------------


def test_a_resumed_grid_whose_floats_differ_from_the_files_by_rounding_is_refused(tmp_path):
    """Old behaviour: a sweep over ``np.linspace(0, 0.5, 6)`` resumed (or extended) with the typed list
    ``[0.0, 0.1, ..., 0.5]`` matched none of the rows at 0.30000000000000004 (a point's id is its exact
    values): it ran those points again without a word, and the file held x = 0.3 and x =
    0.30000000000000004, two points summarize and plot drew at one place, each a mean of its own. Now
    the sweep is refused before any point runs, naming both values."""
    import numpy as np

    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": np.linspace(0.0, 0.5, 6)}, seeds=2, out=out, workers=1, progress=False)
    before = out.read_bytes()
    typed = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    with pytest.raises(ValueError, match=r"grid\['x'\] value 0.3 is not the value 0.30000000000000004 that 2 row\(s\) "
                                         r"of out .* differ by rounding only"):  # fmt: skip
        sweep(sweep_points.square, {"x": typed}, seeds=2, out=out, workers=1, progress=False)
    assert out.read_bytes() == before and sweep_status(out) is None
    # The values as the file has them resume (nothing runs again), and new values far from them extend it.
    rows = sweep(sweep_points.square, {"x": [*np.linspace(0.0, 0.5, 6), 0.6]}, seeds=2, out=out, workers=1,
                 progress=False, as_frame=False)  # fmt: skip
    assert len(rows) == 14 and len(read_results(out)) == 14
    assert summarize(out, "x", ["y"])["y_n"].tolist() == [2] * 7
    # A linked axis is checked key by key.
    linked = tmp_path / "linked.csv"
    sweep(sweep_points.square, {"z,x": [(1, 0.1 + 0.2), (2, 0.7)]}, out=linked, workers=1, progress=False)
    with pytest.raises(ValueError, match=r"grid\['x'\] value 0.3 is not the value 0.30000000000000004"):
        sweep(sweep_points.square, {"z,x": [(1, 0.3), (2, 0.7)]}, out=linked, workers=1, progress=False)


# --- a full disk ----------------------------------------------------------------------------------

_FULL_DISK = """
import resource, signal, sys
sys.path.insert(0, {tests!r})
import sweep_points
import pyarrow.parquet
from qnsim.sweeps import sweep
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
try:
    sweep(sweep_points.square, {{"x": [1, 2]}}, seeds=10, out={out!r}, workers=1, progress=False)
except OSError as exc:
    print(exc)
"""


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_sweep_on_a_full_disk_says_which_out_and_keeps_only_whole_rows(tmp_path, suffix):
    """A sweep whose out's disk fills mid-sweep (a file size limit in a subprocess: a write cut short,
    then EFBIG): the error names the out, the state says the sweep stopped and why, the row cut short is
    not read as a row, and the sweep resumed with room finishes with the uninterrupted rows. Old
    behaviour for a Parquet out: Arrow's "Error writing bytes to file" named no file."""
    import pathlib
    import subprocess
    import sys

    pytest.importorskip("pyarrow")
    grid = {"x": [1, 2]}
    whole = sweep(sweep_points.square, grid, seeds=10, out=tmp_path / f"whole.{suffix}", workers=1, progress=False,
                  as_frame=False)  # fmt: skip
    out = tmp_path / f"r.{suffix}"
    lines = (tmp_path / "whole.csv").read_bytes().splitlines(keepends=True) if suffix == "csv" else []
    # CSV: inside the 13th row (the limit is every file's: the state file, which names the qnsim, must fit under
    # it); Parquet: its first part
    limit = len(b"".join(lines[:13])) + 20 if lines else 1000
    script = _FULL_DISK.format(tests=str(pathlib.Path(__file__).parent), limit=limit, out=str(out))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert f"File too large: {str(out)!r}" in done.stdout, done.stdout + done.stderr
    status = sweep_status(out)
    assert re.search(r"stopped after \d+ of 20 points \(OSError: \[Errno 27\]", status), status
    kept = read_results(out)
    assert len(kept) == (12 if suffix == "csv" else 0)
    assert_rows_kept(kept, whole)
    assert not list(tmp_path.glob("**/.*.tmp"))
    assert sweep(sweep_points.square, grid, seeds=10, out=out, workers=1, progress=False, as_frame=False) == whole
    assert sweep_status(out) is None and read_results(out) == whole


# --- a script edited while its sweep runs -----------------------------------------------------------

_SCRIPT = """
import multiprocessing, pathlib, sys
import qnsim.sweeps as sweeps

SCALE = 1.0


def point(params, seed):
    return {{"y": SCALE * params["x"]}}


if __name__ == "__main__":
    if {method!r} == "forkserver":
        sweeps._default_context = lambda: multiprocessing.get_context("forkserver")
    else:  # no context of the sweep's own: the platform's default, spawn (as on macOS and Windows)
        sweeps._default_context = lambda: None
        multiprocessing.set_start_method("spawn")
    if {edit!r}:  # the user saves an edit of the script while it runs, before its pool starts
        path = pathlib.Path(__file__)
        path.write_text(path.read_text().replace("SCALE = 1.0", "SCALE = 2.0"))
    try:
        rows = sweeps.sweep(point, {{"x": [1, 2]}}, out=sys.argv[1], workers=1, progress=False, as_frame=False)
        print("rows", [r["y"] for r in rows])
    except sweeps.SweepError as exc:
        print("refused:", exc)
"""


@pytest.mark.slow
@pytest.mark.parametrize(("method", "edit"), [("forkserver", True), ("spawn", True), ("forkserver", False)])
def test_a_sweep_whose_script_was_edited_while_it_ran_is_refused(tmp_path, method, edit):
    """Old behaviour: a point function defined in the script being run (``__main__``) was never checked
    on the local pool's workers: a worker that is not forked (forkserver, the default from Python
    3.12; spawn, macOS's and Windows' default, where the check did not run for any function) imports
    the script again from its file. Saved with ``SCALE = 2.0`` while the script ran with 1.0, the
    sweep returned y = 2x and wrote those rows under the scenario_id of SCALE = 1.0 (a resume of the
    original script took them as its own). Now each worker's scenario_id is compared, the script's
    module named as this process names it (``__mp_main__`` there), so an unedited script runs."""
    import multiprocessing
    import subprocess
    import sys

    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    script = tmp_path / "my_sweep.py"
    script.write_text(_SCRIPT.format(method=method, edit=edit))
    out = tmp_path / "r.csv"
    done = subprocess.run([sys.executable, str(script), str(out)], capture_output=True, text=True, timeout=120)
    if edit:
        assert "refused: a worker process runs other code for the point function 'point'" in done.stdout, done
        assert read_results(out) == []
    else:
        assert "rows [1.0, 2.0]" in done.stdout, done


# --- summaries of resumed files ---------------------------------------------------------------------


def test_a_resumed_sweeps_summary_is_the_uninterrupted_ones_bit_for_bit(tmp_path):
    """Old behaviour: summarize averaged each point's seeds in file order, the order the rows finished
    in: a sweep resumed after some seeds (or run again with several workers) gave standard errors that
    differed in their last bits from the uninterrupted sweep's (2.2e-16 on a scenario's pairs_sem), and
    a CSV and a Parquet out of the same points disagreed. Now the seeds of a point are summed in seed
    order; the counts are those of the points, each once."""
    import pandas as pd

    pytest.importorskip("pyarrow")
    grid = {"x": [0.5, 1.5, 2.5, 3.5]}
    resumed = tmp_path / "resumed.csv"
    sweep(sweep_points.square, grid, seeds=[6, 2, 5], out=resumed, workers=1, progress=False)
    sweep(sweep_points.square, grid, seeds=8, out=resumed, workers=1, progress=False)
    whole = tmp_path / "whole.parquet"
    sweep(sweep_points.square, grid, seeds=8, out=whole, workers=1, progress=False)
    # A finished sweep puts its file in point order (results round 21): the lines are put back out of seed order
    # by hand (reversed), as a stopped or running sweep leaves them, so that the summary reads them out of order.
    lines = resumed.read_text().splitlines(keepends=True)
    resumed.write_text("".join([lines[0], *lines[:0:-1]]))
    rows = pd.read_csv(resumed).to_dict("records")
    for x in grid["x"]:
        assert [r["seed"] for r in rows if r["x"] == x] != sorted(range(8))
    first, second = summarize(resumed, "x", ["y"]), summarize(whole, "x", ["y"])
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    assert first["y_n"].tolist() == [8] * 4 and sweep_status(resumed) is None


def test_a_point_function_whose_file_was_edited_since_it_was_imported_is_refused(tmp_path, monkeypatch):
    """Old behaviour: a point function's scenario_id read its source from its file, which may have been
    edited since the module was imported (a notebook that did not reload it): the sweep ran the code in
    memory (here, and in forked workers) and stamped its rows with the id of the file's new text, so a
    sweep in a fresh process, running the new code, resumed from them as its own (y = x rows kept as
    y = 3x rows). Now a function whose file compiles to other code is refused, naming it; an edit
    elsewhere in the file (a comment, another function) is not a change of the point function."""
    import importlib
    import sys
    import uuid

    name = f"edited_body_{uuid.uuid4().hex[:8]}"
    module_file = tmp_path / f"{name}.py"
    source = "def point(params, seed):\n    return {'y': 1.0 * params['x']}\n\n\ndef plot():\n    pass\n"
    module_file.write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(name)
    try:
        module_file.write_text("# a comment\n" + source.replace("pass", "return 1"))  # lines move, point is the same
        rows = sweep(module.point, {"x": [1, 2]}, out=tmp_path / "a.csv", workers=1, progress=False, as_frame=False)
        assert [r["y"] for r in rows] == [1.0, 2.0]
        module_file.write_text(source.replace("1.0 *", "3.0 *"))
        out = tmp_path / "r.csv"
        with pytest.raises(SweepError, match=rf"'point' is not the code of its file '.*{name}.py' now: the file was "
                                             r"edited since its module was imported"):  # fmt: skip
            sweep(module.point, {"x": [1, 2]}, out=out, workers=1, progress=False)
        assert not out.exists()
        module = importlib.reload(module)
        rows = sweep(module.point, {"x": [1, 2]}, out=out, workers=1, progress=False, as_frame=False)
        assert [r["y"] for r in rows] == [3.0, 6.0]
        # A method of a callable object's class counts as its function does.
        call = "\n\nclass Point:\n    def __call__(self, params, seed):\n        return {'y': 1.0}\n"
        module_file.write_text(source + call)
        module = importlib.reload(module)
        module_file.write_text(module_file.read_text().replace("{'y': 1.0}", "{'y': 2.0}"))
        with pytest.raises(SweepError, match=r"'Point.__call__' is not the code of its file"):
            sweep(module.Point(), {"x": [1]}, workers=1, progress=False)
    finally:
        sys.modules.pop(name, None)


def test_a_summary_says_when_two_of_its_points_differ_by_rounding_only():
    """Old behaviour: rows of x = 0.3 and x = 0.30000000000000004 (two result files joined, one swept over
    a typed list and one over ``np.linspace``) were summarized as two points, each with its own mean and
    count, drawn at one place on a plot, without a word. Now a note names both values."""
    rows = [{"x": x, "seed": s, "y": float(s), "point_id": f"{i:020x}"}
            for i, (x, s) in enumerate([(0.1 + 0.2, 0), (0.3, 1), (0.3, 2), (0.5, 0)])]  # fmt: skip
    table = summarize(rows, "x", ["y"])
    assert table["y_n"].tolist() == [2, 1, 1]  # 0.3 first
    assert any("the values 0.3 and 0.30000000000000004 differ by rounding only" in n for n in table.attrs["notes"])
    assert not any("rounding" in n for n in summarize(rows[1:], "x", ["y"]).attrs["notes"])
