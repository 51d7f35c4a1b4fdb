"""Results audit, round 10: a sweep's state against the rows it describes (two sweeps on one file, a
copied or replaced file), traces held in memory, progress and interrupts. Each test's docstring says
what the old behaviour was."""

import json
import re
import shutil

import pytest
import sweep_points
from kept_rows import assert_rows_kept
from scenarios import two_node_scenario

from qnsim.plot import summarize
from qnsim.sweeps import SweepError, read_results, sweep, sweep_status

# --- the sweep state against the rows -------------------------------------------------------------


def test_a_killed_sweep_stays_unfinished_when_another_sweep_finishes_on_the_same_file(tmp_path):
    """Old behaviour: the state file described the latest sweep on a file only. Sweep A over x = 1..4
    stopped at x = 2 (a failing point); sweep B over x = 1 then finished on the same out, and the file
    read as finished: summarize and plot showed A's rows as a whole sweep, its x = 2..4 missing without
    a word."""
    out = tmp_path / "r.csv"
    with pytest.raises(SweepError, match=r"the point function raised RuntimeError"):
        sweep(sweep_points.fails, {"x": [1, 2, 3, 4]}, seeds=2, out=out, workers=1, progress=False)
    before = sweep_status(out)
    assert re.search(r"stopped after [2-7] of 8 points", before)  # x = 1 and those that finished meanwhile
    sweep(sweep_points.fails, {"x": [1]}, seeds=2, out=out, workers=1, progress=False)
    status = sweep_status(out)
    assert status is not None and before in status and "one of 2 sweeps" in status
    assert summarize(out, "x", ["y"]).attrs["notes"][0] == status


def test_a_sweep_whose_points_another_sweep_finished_is_whole(tmp_path):
    """A stopped sweep whose missing points another sweep on the file wrote later: nothing is missing,
    so nothing is said (each recorded sweep is checked against the rows, not taken at its word)."""
    out = tmp_path / "r.csv"
    marker = str(tmp_path / "failed-once")
    with pytest.raises(SweepError, match=r"the point function raised RuntimeError"):
        sweep(sweep_points.fails_once, {"x": [1, 2], "marker": [marker]}, out=out, workers=1, progress=False)
    assert "stopped after 1 of 2 points" in sweep_status(out)
    sweep(sweep_points.fails_once, {"x": [2, 3], "marker": [marker]}, out=out, workers=1, progress=False)
    assert sweep_status(out) is None
    assert sorted(r["x"] for r in read_results(out)) == [1, 2, 3]


def test_a_copied_csv_without_its_state_says_its_state_is_not_known(tmp_path):
    """Old behaviour: ``cp r.csv elsewhere.csv`` of a killed sweep's file left its state behind, and the
    copy read as a whole sweep: summarize, plot and ``qnsim qec threshold`` said nothing."""
    out = tmp_path / "r.csv"
    with pytest.raises(SweepError, match=r"the point function raised RuntimeError"):
        sweep(sweep_points.fails, {"x": [1, 2, 3]}, seeds=2, out=out, workers=1, progress=False)
    copy = tmp_path / "elsewhere.csv"
    shutil.copy(out, copy)
    status = sweep_status(copy)
    assert status is not None and "has no sweep state beside it" in status
    assert "has no sweep state" in summarize(copy, "x", ["y"]).attrs["notes"][0]
    # Rows that are not a sweep's (no point_id) are not a sweep's business.
    plain = tmp_path / "plain.csv"
    plain.write_text("x,seed,y\n1,0,2.5\n")
    assert sweep_status(plain) is None


def test_a_state_left_beside_a_replaced_file_does_not_vouch_for_it(tmp_path):
    """Old behaviour: a finished sweep's state file stayed beside ``r.csv`` when the file was replaced
    (``cp other.csv r.csv``, a cut by hand): the rows of the replacement, a part of another sweep,
    read as that finished sweep."""
    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [1, 2, 3]}, seeds=2, out=out, workers=1, progress=False)
    assert sweep_status(out) is None
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:4]))  # the first x only
    status = sweep_status(out)
    assert "records a finished sweep of 6 points of which 3 are in the file" in status
    other = tmp_path / "o.csv"
    sweep(sweep_points.square, {"x": [7]}, seeds=2, out=other, workers=1, progress=False)
    shutil.copy(other, out)
    status = sweep_status(out)
    assert "of which 0 are in the file" in status and "2 row(s)" in status and "no sweep in its state ran" in status


def test_the_state_file_of_an_older_qnsim_is_still_read(tmp_path):
    """A state file of one sweep without its grid (round 9's format) reads as before."""
    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [1, 2]}, seeds=1, out=out, workers=1, progress=False)
    (tmp_path / "r.csv.sweep.json").write_text(
        json.dumps({"state": "stopped", "points": 4, "done": 2, "scenario_id": "x", "reason": "KeyboardInterrupt"})
    )
    assert "stopped after 2 of 4 points (KeyboardInterrupt)" in sweep_status(out)
    assert read_results(out)


# --- traces held in memory ------------------------------------------------------------------------


def _synthetic_trace(rows, names=("a", "b")):
    """A Trace over records given as (time_ps, kind, request, node, other_node, slot, other_slot,
    generation, other_generation, value) tuples, _NONE where a record has no value."""
    import numpy as np

    from qnsim.trace import Trace

    fields = ["time_ps", "kind", "request", "node", "other_node", "slot", "other_slot", "generation",
              "other_generation", "value"]  # fmt: skip
    types = [np.int64] + [np.uint32] * 8 + [np.float64]
    arrays = {f: np.array([r[i] for r in rows], dtype=t) for i, (f, t) in enumerate(zip(fields, types))}
    arrays.update(omitted=0, limit=10**6)
    return Trace(arrays, list(names))


def test_a_trace_as_a_frame_is_built_by_column_and_equals_its_records():
    """Old behaviour: to_pandas built a dict per record first (list(trace)): ~700 bytes and ~25 us per
    record, 0.7 GB and half a minute for the default 10^6 records, a machine's memory for 10^7. Now the
    frame is built column by column from the arrays (less than half the memory at its peak), and it is
    the frame the records give, value for value and dtype for dtype."""
    import tracemalloc

    import pandas as pd

    import qnsim

    none = 2**32 - 1
    rows = [(5, 0, none, 0, 1, 3, none, 2, 0, 0.5), (2**60 + 1, 7, 1, 1, none, none, none, 0, 0, 0.0)]
    columns = ["time_s", "event", "request", "nodes", "slots", "generations", "value"]
    for trace in (_synthetic_trace(rows), _synthetic_trace([])):
        pd.testing.assert_frame_equal(trace.to_pandas(), pd.DataFrame(list(trace), columns=columns), check_exact=True)
    net = qnsim.Network("bell_diagonal", seed=1, trace=True)
    for name in "abc":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e5)
    net.add_link("b", "c", length_km=1.0, fidelity=0.9, rate_hz=1e5)
    net.request("a", "c", num_pairs=10**9, cutoff_s=1e-4)
    net.run(until_s=0.05, progress=False)
    trace = net.trace()
    assert len(trace) > 10_000
    tracemalloc.start()
    try:
        frame = trace.to_pandas()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    pd.testing.assert_frame_equal(frame, pd.DataFrame(list(trace), columns=columns), check_exact=True)
    assert peak / len(trace) < 500  # bytes per record (a dict per record: ~700)


def test_an_in_memory_trace_the_machine_cannot_hold_is_refused(monkeypatch):
    """Old behaviour: ``Network(trace=10**8)`` was accepted on any machine; a long run held up to 4.8 GB
    of records and reading them copied them once more, so a machine with less memory killed the process
    without a word. Now a limit whose records, held and read, exceed the machine's memory is refused,
    naming the size and TraceFile, which streams them to a file."""
    import qnsim
    import qnsim.trace

    monkeypatch.setattr(qnsim.trace, "_physical_memory_bytes", lambda: 8 * 10**9)
    with pytest.raises(qnsim.ParameterError, match=r"trace = 100,000,000 records would take up to 9.6 GB .* "
                                                   r"8 GB: keep fewer, or stream .*TraceFile"):  # fmt: skip
        qnsim.Network(trace=10**8)
    assert qnsim.Network(trace=True).trace().limit == qnsim.trace.DEFAULT_TRACE_LIMIT
    assert qnsim.Network(trace=10**7).trace().limit == 10**7
    # A frame of the records the machine could not hold says so, before it fills the memory.
    monkeypatch.setattr(qnsim.trace, "_physical_memory_bytes", lambda: 500)
    with pytest.raises(MemoryError, match=r"a DataFrame of 2 trace records takes about .* write_jsonl"):
        _synthetic_trace([(5, 0, 0, 0, 1, 3, 1, 2, 0, 0.5)] * 2).to_pandas()


# --- native seed batches --------------------------------------------------------------------------

_TWO_NODES = two_node_scenario(0.002, formalism="bell_diagonal", length_km=1.0, rate_hz=1e4, success_probability=0.2)


def test_a_sweeps_seed_batch_writes_its_rows_and_moves_its_bar_as_it_goes(tmp_path, monkeypatch):
    """Old behaviour: a scenario sweep over many seeds of one grid point ran them all in one native call:
    the progress bar sat at 0 for the whole sweep and ``out`` held no row until the call ended (a kill
    after hours lost every row). Now the group's network is built once and its seeds run a few per thread
    at a time, each call's rows written before the next; the rows are those of one call."""
    from qnsim.network import Network
    from qnsim.scenario import run_scenario_seeds
    from qnsim.seed_batch import BATCH_ROUNDS

    scenario = tmp_path / "s.toml"
    scenario.write_text(_TWO_NODES)
    out = tmp_path / "r.csv"
    calls = []
    original = Network.run_seeds

    def recording(self, seeds, until_s, **options):
        calls.append((len(seeds), len(read_results(out)) if out.exists() else 0))
        return original(self, seeds, until_s, **options)

    monkeypatch.setattr(Network, "run_seeds", recording)
    rows = sweep(str(scenario), {}, seeds=6 * BATCH_ROUNDS, out=out, workers=2, progress=False, as_frame=False)
    assert calls == [(2 * BATCH_ROUNDS, 0), (2 * BATCH_ROUNDS, 2 * BATCH_ROUNDS), (2 * BATCH_ROUNDS, 4 * BATCH_ROUNDS)]
    monkeypatch.setattr(Network, "run_seeds", original)
    from qnsim.config import read_toml

    whole = run_scenario_seeds(read_toml(scenario), list(range(6 * BATCH_ROUNDS)), threads=2)
    strip = ("seed", "point_id", "scenario_id")
    assert [{k: v for k, v in r.items() if k not in strip} for r in rows] == whole


# --- a scenario sweep's check of its grid values ---------------------------------------------------

_GRID = (
    '[run]\nuntil_s = 0.0005\nformalism = "bell_diagonal"\n[topology]\nbuilder = "grid"\nrows = 3\ncols = 3\n'
    'length_km = 10.0\nfidelity = 0.99\nrate_hz = 1e4\n[[requests]]\nsrc = "r0c0"\ndst = "r2c2"\n'
)


def test_a_resumed_scenario_sweep_builds_only_the_values_it_still_runs(tmp_path, monkeypatch, capsys):
    """Old behaviour: every run of a scenario sweep built every grid value once before its first point,
    also when its out already held all the points (a finished sweep run again to read its rows rebuilt
    each value: minutes for a topology of 10^4 nodes), and it did so without a word: no bar moved until
    the first point ran. Now only the values of the points still to run are built, under a bar of their
    own."""
    import qnsim.scenario

    scenario = tmp_path / "s.toml"
    scenario.write_text(_GRID)
    builds = []
    original = qnsim.scenario._build_topology
    monkeypatch.setattr(qnsim.scenario, "_build_topology", lambda *a: builds.append(1) or original(*a))
    out = tmp_path / "r.csv"
    grid = {"topology.length_km": [1.0, 2.0, 3.0]}
    first = sweep(str(scenario), grid, out=out, workers=1, progress=True, as_frame=False)
    assert "sweep: building each grid value" in capsys.readouterr().err
    built_by_the_check = len(builds) - 3  # and each point built its own
    assert built_by_the_check == 3 + 1  # each grid value, and the scenario as written (the remarks said once)
    builds.clear()
    again = sweep(str(scenario), grid, out=out, workers=1, progress=True, as_frame=False)
    assert builds == [] and again == first
    # A sweep that adds a value builds that value (and its point) only.
    sweep(str(scenario), {"topology.length_km": [1.0, 2.0, 3.0, 4.0]}, out=out, workers=1, progress=False)
    assert len(builds) == 2
    # A refused value is still refused before any point runs, and leaves no empty out behind.
    fresh = tmp_path / "fresh.csv"
    with pytest.raises(ValueError, match="grid value topology.length_km = -2.0"):
        sweep(str(scenario), {"topology.length_km": [1.0, -2.0]}, out=fresh, workers=1, progress=False)
    assert not fresh.exists() and not (tmp_path / "fresh.csv.sweep.json").exists()


# --- result files as editors and kills leave them -------------------------------------------------


def test_a_csv_saved_without_its_final_line_end_keeps_its_last_row(tmp_path, caplog):
    """Old behaviour: a result file saved by an editor that drops the final line end lost its last row
    in read_results, summarize and ``qnsim plot`` without a word (taken for a row cut short by a kill;
    the summary's only hint was "an interrupted sweep?"), and a resumed sweep cut it off with a warning
    about an interrupted sweep and ran its point again. A row cut short is still left out."""
    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [1, 2]}, seeds=2, out=out, workers=1, progress=False)
    whole = read_results(out)
    text = out.read_text()
    out.write_text(text.rstrip("\n"))
    assert read_results(out) == whole and sweep_status(out) is None
    assert summarize(out, "x", ["y"])["y_n"].tolist() == [2, 2]
    caplog.set_level("WARNING", logger="qnsim.sweep")
    rows = sweep(sweep_points.square, {"x": [1, 2, 3]}, seeds=2, out=out, workers=1, progress=False, as_frame=False)
    assert "partial last line" not in caplog.text
    assert rows[:4] == whole and len(read_results(out)) == 6 and out.read_text().startswith(text)
    # Cut inside its point_id (a kill mid-write), the last line is not a row.
    out.write_text(text[:-5])
    assert read_results(out) == whole[:3]


# --- interrupts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["state", "bar"])
def test_an_interrupt_as_a_sweep_starts_leaves_its_out_unlocked(tmp_path, monkeypatch, stage):
    """Old behaviour: a Ctrl-C (or a full disk) while the sweep wrote its "running" state or made its
    bar, after it had locked its out, left the lock held for the rest of the process: every later sweep
    on that out in the same session (a notebook) was refused as "being written by another running
    sweep", though none was."""
    import qnsim.sweeps as sweeps_module

    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [1]}, out=out, workers=1, progress=False)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    if stage == "state":
        monkeypatch.setattr(sweeps_module, "_write_state", interrupted)
    else:
        import tqdm

        monkeypatch.setattr(tqdm, "tqdm", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sweep(sweep_points.square, {"x": [1, 2]}, out=out, workers=1, progress=False)
    monkeypatch.undo()
    rows = sweep(sweep_points.square, {"x": [1, 2]}, out=out, workers=1, progress=False, as_frame=False)
    assert [r["x"] for r in rows] == [1, 2] and sweep_status(out) is None


@pytest.mark.slow
def test_a_seed_batch_sweep_killed_between_its_calls_resumes_to_the_uninterrupted_rows(tmp_path):
    """A scenario sweep over seeds, run as native batches (a few seeds per thread per call), killed with
    SIGKILL once its first call's rows are in out: the rows are kept, the file says the sweep did not
    finish, and the resumed sweep ends with the rows an uninterrupted run gives, cell for cell."""
    import signal
    import subprocess
    import sys
    import time

    from test_results_audit8 import _SLOW

    from qnsim.config import read_toml
    from qnsim.scenario import run_scenario_seeds

    scenario = tmp_path / "s.toml"
    scenario.write_text(_SLOW.format(until=1.0))
    out = tmp_path / "r.csv"
    command = [sys.executable, "-m", "qnsim", "sweep", str(scenario), "--seeds", "8", "--workers", "1", "--out",
               str(out), "--no-progress"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (out.exists() and len(read_results(out)) >= 4) and time.monotonic() < deadline:
            assert process.poll() is None
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    kept = read_results(out)
    assert 4 <= len(kept) < 8 and "ended without finishing (8 points planned" in sweep_status(out)
    rows = sweep(str(scenario), {}, seeds=8, out=out, workers=1, progress=False, as_frame=False)
    assert sweep_status(out) is None and len(rows) == 8
    assert_rows_kept(kept, rows)
    whole = run_scenario_seeds(read_toml(scenario), list(range(8)), threads=1)
    assert [{k: v for k, v in r.items() if k not in ("seed", "point_id", "scenario_id")} for r in rows] == whole


# --- Dask ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_dask_worker_running_an_edited_point_function_is_refused(tmp_path, monkeypatch):
    """Old behaviour: a point function travels to Dask workers by name, and each worker imports its
    module from its own files. Edited after this process imported it (a notebook that did not reload
    the module), the workers computed every row with the new code and the sweep stamped them with the
    old code's scenario_id: y = 2.0 rows filed as the y = 1.0 scenario's, resumed as such later. Now
    each task reports the scenario_id its worker sees, and a difference stops the sweep."""
    import importlib
    import sys
    import uuid

    distributed = pytest.importorskip("distributed")
    name = f"edited_point_{uuid.uuid4().hex[:8]}"
    module_file = tmp_path / f"{name}.py"
    module_file.write_text("SCALE = 1.0\n\n\ndef point(params, seed):\n    return {'y': SCALE * params['x']}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    module = importlib.import_module(name)
    module_file.write_text("SCALE = 2.0\n\n\ndef point(params, seed):\n    return {'y': SCALE * params['x']}\n")
    out = tmp_path / "r.csv"
    try:
        with (
            distributed.LocalCluster(
                n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            with pytest.raises(SweepError, match=r"a Dask worker runs other code for the point function 'point'"):
                sweep(module.point, {"x": [1, 2]}, backend="dask", client=client, out=out, progress=False)
    finally:
        sys.modules.pop(name, None)
    assert read_results(out) == []


def test_only_point_functions_sent_by_name_are_checked_on_the_worker():
    """Code defined in __main__ (a script, a notebook) reaches Dask workers by value, as this process
    runs it; the worker's own __main__ is not the script, so its scenario_id differs and must not be
    compared (a script's point function was refused by the first version of the check)."""
    import functools

    from qnsim.sweeps import _sent_by_name

    namespace = {"__name__": "__main__"}
    exec("def point(params, seed):\n    return {'y': 1.0}\n", namespace)
    assert not _sent_by_name(namespace["point"]) and not _sent_by_name(functools.partial(namespace["point"]))
    assert _sent_by_name(sweep_points.square) and _sent_by_name(functools.partial(sweep_points.scaled, factor=2.0))
    assert _sent_by_name(sweep_points.Scaled(2.0))


@pytest.mark.slow
def test_a_forkserver_worker_running_an_edited_point_function_is_refused(tmp_path, monkeypatch):
    """Old behaviour: as on Dask, for the local pool's workers when they are not forked (forkserver, the
    default from Python 3.12): each imports the point function's module from its file, and one edited
    since this process imported it computed the rows with the new code under the old code's id."""
    import importlib
    import multiprocessing
    import sys
    import uuid

    import qnsim.sweeps as sweeps_module

    if "forkserver" not in multiprocessing.get_all_start_methods():
        pytest.skip("no forkserver here")
    monkeypatch.setattr(sweeps_module, "_default_context", lambda: multiprocessing.get_context("forkserver"))
    name = f"edited_point_{uuid.uuid4().hex[:8]}"
    module_file = tmp_path / f"{name}.py"
    module_file.write_text("SCALE = 1.0\n\n\ndef point(params, seed):\n    return {'y': SCALE * params['x']}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(name)
    try:
        # Unedited, the workers' code is this process's: the rows come back.
        rows = sweep(module.point, {"x": [1, 2]}, out=tmp_path / "ok.csv", workers=1, progress=False, as_frame=False)
        assert [r["y"] for r in rows] == [1.0, 2.0]
        module_file.write_text("SCALE = 2.0\n\n\ndef point(params, seed):\n    return {'y': SCALE * params['x']}\n")
        out = tmp_path / "r.csv"
        with pytest.raises(SweepError, match=r"a worker process runs other code for the point function 'point'"):
            sweep(module.point, {"x": [1, 2]}, out=out, workers=1, progress=False)
    finally:
        sys.modules.pop(name, None)
    assert read_results(out) == []


def test_reading_a_running_parquet_sweep_leaves_the_part_it_is_writing(tmp_path, monkeypatch):
    """Old behaviour: read_results of a Parquet out (what summarize, ``qnsim plot`` and sweep_status
    run) deleted every ``.part-*.tmp`` file in it, taking them for a killed sweep's leftovers: a reader
    that looked while a running sweep was writing a part deleted it, and the sweep died renaming it
    (FileNotFoundError). Only the sweep that holds the out's lock clears them now."""
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    out = tmp_path / "r.parquet"
    write_table = pq.write_table
    looked = []

    def write_then_a_reader_looks(table, where, *args, **kwargs):
        write_table(table, where, *args, **kwargs)
        if str(where).endswith(".tmp"):
            looked.append(len(read_results(out)))  # another process summarizing the sweep meanwhile

    monkeypatch.setattr(pq, "write_table", write_then_a_reader_looks)
    rows = sweep(sweep_points.square, {"x": [1, 2, 3]}, seeds=2, out=out, workers=1, progress=False, as_frame=False)
    assert looked and len(rows) == 6 and len(read_results(out)) == 6
    # A killed sweep's leftover is still cleared by the next sweep on the out.
    (out / ".part-0-leftover.parquet.tmp").write_bytes(b"cut")
    sweep(sweep_points.square, {"x": [1]}, seeds=2, out=out, workers=1, progress=False)
    assert not list(out.glob(".part-*.tmp"))


def test_a_state_file_of_many_sweeps_forgets_the_oldest_finished_without_a_false_note(tmp_path, monkeypatch):
    """The state file keeps at most MAX_STATE_SWEEPS records: the oldest finished sweeps are merged into
    one record without their points, and their rows are then not reported as rows no sweep ran."""
    import qnsim.sweeps as sweeps_module

    monkeypatch.setattr(sweeps_module, "MAX_STATE_SWEEPS", 3)
    out = tmp_path / "r.csv"
    for x in range(1, 7):
        sweep(sweep_points.square, {"x": [x]}, out=out, workers=1, progress=False)
    records = json.loads((tmp_path / "r.csv.sweep.json").read_text())["sweeps"]
    assert len(records) <= 3 and records[0]["forgotten"] >= 4
    assert sweep_status(out) is None
    # Rows no sweep ran are still named while no record was forgotten.
    monkeypatch.setattr(sweeps_module, "MAX_STATE_SWEEPS", 100)
    other = tmp_path / "o.csv"
    sweep(sweep_points.square, {"x": [1]}, out=other, workers=1, progress=False)
    with open(other, "a") as f:
        f.write(out.read_text().splitlines(keepends=True)[-1])
    assert "1 row(s)" in sweep_status(other)
