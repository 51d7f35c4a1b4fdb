"""Results audit, round 22: what a reader of a Parquet out saw while a finished sweep put its parts in order, part
names that differed from run to run, a CSV out's order that took seconds per 10^4 rows, and (below) what else was
found. Each test's docstring says what the old behaviour was."""

import os
import subprocess
import sys

import pytest
import sweep_points
from kept_rows import assert_rows_kept

from qnsim import sweeps
from qnsim.sweeps import read_results, sweep, sweep_status

GRID = {"x": [0, 1, 2]}
POINTS = [(0, 0), (1, 0), (2, 0)]


def _pandas_rows(out):
    """The (x, seed) of each row ``pandas.read_parquet`` reads from ``out``, as the directory is."""
    import pandas as pd

    frame = pd.read_parquet(out)
    return list(zip(frame["x"].tolist(), frame["seed"].tolist()))


# --- a Parquet out while its parts are swapped for one part in order ----------------------------------------------


def test_a_reader_of_a_parquet_out_never_reads_a_row_twice_while_the_sweep_puts_it_in_order(tmp_path, monkeypatch):
    """A sweep on a Parquet out that writes one part per row finishes by joining its parts into one part in point
    order. ``pandas.read_parquet(out)`` is called after every rename and deletion the sweep makes in the directory.
    Old behaviour: once the joined part was renamed into place and before the parts it replaced were deleted, the
    reader got every row twice (6 rows for 3 points), a plausible table; only qnsim's readers skipped the replaced
    parts (named in the joined part's metadata). Now a reader that lists the directory meanwhile fails, naming the
    marker file, and every read that succeeds holds each point once."""
    pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    out = tmp_path / "r.parquet"
    monkeypatch.setattr(sweeps._ParquetSink, "MAX_ROWS", 1)
    sweep(sweep_points.square, {"x": [2, 1]}, seeds=1, out=out, workers=1, progress=False)  # parts, then x = 0
    reads = []
    real_replace, real_unlink = os.replace, os.unlink

    def read_now(step):
        try:
            reads.append((step, sorted(_pandas_rows(out))))
        except Exception as exc:  # noqa: BLE001 - any failure is what this test accepts
            reads.append((step, str(exc)))

    def replace(src, dst, *args, **kwargs):
        real_replace(src, dst, *args, **kwargs)
        if os.path.dirname(str(dst)) == str(out):
            read_now(f"replace {os.path.basename(str(dst))}")

    def unlink(path, *args, **kwargs):
        real_unlink(path, *args, **kwargs)
        if os.path.dirname(str(path)) == str(out):
            read_now(f"unlink {os.path.basename(str(path))}")

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "unlink", unlink)
    sweep(sweep_points.square, GRID, seeds=1, out=out, workers=1, progress=False)
    monkeypatch.undo()
    swap = [i for i, (step, _) in enumerate(reads) if step.startswith("replace part-")][-1]  # the joined part
    # Its rename and the deletion of the two parts it replaces (the first sweep's, joined, and x = 0's).
    during = reads[swap : swap + 3]
    assert [step.split("-")[0] for step, _ in during] == ["replace part", "unlink part", "unlink part"]
    for step, seen in reads:
        assert isinstance(seen, str) or len(seen) == len(set(seen)), f"after {step}: rows read twice: {seen}"
    for step, seen in during:
        assert isinstance(seen, str) and sweeps._IN_ORDER_MARKER in seen, f"after {step}: {seen}"
    assert _pandas_rows(out) == POINTS and not (out / sweeps._IN_ORDER_MARKER).exists()


def test_two_runs_of_one_sweep_leave_one_parquet_directory(tmp_path, monkeypatch):
    """One sweep run into two directories, once writing a part per row (joined in order at the end) and once
    writing its rows as one part. Old behaviour: a part's name was the clock and a random number, so the two
    directories held the same rows under other names (and the joined part named the random names of the parts it
    replaced in its metadata: other bytes too). A part is now named by a digest of its points' ids, in order, and
    the joined part holds no names: the two directories hold the same file, byte for byte."""
    pytest.importorskip("pyarrow")
    dirs = []
    for max_rows in (1, 64):
        monkeypatch.setattr(sweeps._ParquetSink, "MAX_ROWS", max_rows)
        out = tmp_path / f"r{max_rows}" / "r.parquet"
        sweep(sweep_points.square, GRID, seeds=2, out=out, workers=1, progress=False)
        dirs.append({p.name: p.read_bytes() for p in out.glob("part-*")})
    assert len(dirs[0]) == 1 and dirs[0] == dirs[1]


KILLED_WHILE_SWAPPING = """
import os, signal, sys
from qnsim import sweeps
import sweep_points

real_replace = os.replace

def replace(src, dst, *args, **kwargs):
    marked = os.path.exists(os.path.join(os.path.dirname(str(dst)), sweeps._IN_ORDER_MARKER))
    if marked and os.path.basename(str(dst)).startswith("part-"):
        os.kill(os.getpid(), signal.SIGKILL)  # the marker is in place, the joined part not yet
    real_replace(src, dst, *args, **kwargs)

os.replace = replace
sweeps._ParquetSink.MAX_ROWS = 1
sweeps.sweep(sweep_points.square, {"x": [0, 1, 2]}, seeds=1, out=sys.argv[1], workers=1, progress=False)
"""


def test_a_sweep_killed_with_the_swap_marked_before_its_part_is_in_place_keeps_the_old_parts(tmp_path):
    """kill -9 with the swap's marker in place and the joined part not yet renamed into place: the marker names
    parts to replace, but the old parts are the rows, and the resume must not take them for replaced (a mutant that
    trusts every marker read no rows back). qnsim's readers see every row once; ``pandas.read_parquet`` fails naming
    the marker (never a table); the resume (it runs no point) finishes the swap: one part in order, no marker. (New
    step: before this round no marker existed; a kill at the first deletion is round 21's test, which checks the
    marker too.)"""
    pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    out = tmp_path / "r.parquet"
    sweep(sweep_points.square, {"x": [1, 2]}, seeds=1, out=out, workers=1, progress=False)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.path.dirname(__file__), os.environ.get("PYTHONPATH", "")])}
    killed = subprocess.run([sys.executable, "-c", KILLED_WHILE_SWAPPING, str(out)], env=env, capture_output=True)
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    assert (out / sweeps._IN_ORDER_MARKER).exists()
    kept = read_results(out)
    assert sorted((r["x"], r["seed"]) for r in kept) == POINTS
    with pytest.raises(Exception, match=sweeps._IN_ORDER_MARKER):
        _pandas_rows(out)
    resumed = sweep(sweep_points.square, GRID, seeds=1, out=out, workers=1, progress=False, as_frame=False)
    assert_rows_kept(kept, resumed)
    assert _pandas_rows(out) == [(r["x"], r["seed"]) for r in resumed] == POINTS and sweep_status(out) is None
    assert [p.name for p in out.iterdir() if not p.name.startswith((".", "_"))] == [
        next(out.glob("part-*.parquet")).name
    ]


# --- the order of rows of no recorded sweep ----------------------------------------------------------------------


def _unrecorded_order(row):
    """The readable definition of where a row of no recorded sweep goes (the oracle the ranked order is checked
    against): by its grid values (the cells before its seed, in column order, as (column, cell order) pairs), then
    its seed and point id."""
    keys = list(row)
    grid = keys[: keys.index("seed")] if "seed" in keys else []
    return (
        tuple((key, sweeps._cell_order(row[key])) for key in grid),
        sweeps._cell_order(row.get("seed")),
        str(row.get("point_id")),
    )


def test_rows_of_no_recorded_sweep_sort_by_ranked_cells_as_by_their_full_keys():
    """The order of rows of no recorded sweep (a CSV without its state, read or put in order) is now worked out from
    each distinct cell's rank (old behaviour: a key of nested tuples per row, 4-5 s of CPU for 10^5 rows). It must be
    the order of :func:`_unrecorded_order` (above), its definition, for every kind of cell: ints and floats that are
    equal (1 and 1.0), NaN, bools (True is not 1), text, None, rows with fewer or other grid columns, equal keys (file
    order kept)."""
    import random

    rng = random.Random(7)
    values = [0, 1, 1.0, -0.0, 2.5, float("nan"), True, False, "a", "b", "1", None]
    rows = []
    for i in range(600):
        columns = rng.choice([["x", "m"], ["x"], ["m", "x"], ["x", "m", "k"], []])
        row = {key: rng.choice(values) for key in columns}
        row["seed"] = rng.choice([0, 1, 2**63, None, "s"])
        row["y"] = i  # after the seed: not part of the order, tells rows apart
        if rng.random() < 0.9:
            row["point_id"] = rng.choice(["p1", "p2", "p3", None, 7])
        rows.append(row)
    assert [r["y"] for r in sweeps._unrecorded_sorted(rows)] == [r["y"] for r in sorted(rows, key=_unrecorded_order)]
    assert [r["y"] for r in sweeps._in_point_order(sweeps.Path("no-such.csv"), rows)] == [
        r["y"] for r in sorted(rows, key=_unrecorded_order)
    ]


# --- a hard-linked CSV out -----------------------------------------------------------------------------------------


def test_a_hard_linked_csv_out_left_in_finish_order_is_said_so(tmp_path, caplog):
    """A CSV out with a second name (a hard link) is not renamed over (that would part the names), so a finished
    sweep leaves its rows in the order their points finished (x = 1, 2, then 0). Old behaviour: not a word; the file
    looked finished and in order to pandas and a spreadsheet. Now a warning (on stderr in ``qnsim sweep``) says the
    rows stay in finish order, names the other name and the way out; a linked file already in order says nothing."""
    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [1, 2]}, seeds=1, out=out, workers=1, progress=False)
    os.link(out, tmp_path / "same.csv")
    with caplog.at_level("WARNING", logger="qnsim.sweep"):
        sweep(sweep_points.square, {"x": [0, 1, 2]}, seeds=1, out=out, workers=1, progress=False)
    assert [line.split(",")[0] for line in out.read_text().splitlines()[1:]] == ["1", "2", "0"]
    said = [r.getMessage() for r in caplog.records if "finished" in r.getMessage()]
    assert len(said) == 1 and "same.csv" in said[0] and "hard link" in said[0] and "remove the other names" in said[0]
    caplog.clear()
    (tmp_path / "same.csv").unlink()
    sweep(sweep_points.square, {"x": [0, 1, 2]}, seeds=1, out=out, workers=1, progress=False)  # one name: in order
    os.link(out, tmp_path / "same.csv")
    with caplog.at_level("WARNING", logger="qnsim.sweep"):
        sweep(sweep_points.square, {"x": [0, 1, 2]}, seeds=1, out=out, workers=1, progress=False)
    assert [line.split(",")[0] for line in out.read_text().splitlines()[1:]] == ["0", "1", "2"] and not caplog.records


# --- what a kill -9 left beside the rows ------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_resume_deletes_the_state_copies_and_probes_that_kills_left(tmp_path, suffix):
    """A sweep killed while it wrote its state (a temporary copy, renamed over the state) or right after its
    Parquet directory's write probe left those files for good: found by killing a sweep at each of its writes and
    resuming it, one more hidden file per kill. Old behaviour: no sweep deleted them. The sweep that holds the out
    now does, and leaves other files of similar names (another file's copies, a user's) alone."""
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    out = tmp_path / f"r{suffix}"
    sweep(sweep_points.square, {"x": [1]}, seeds=1, out=out, workers=1, progress=False)
    state = sweeps._state_path(out)
    left = [state.with_name(f".{state.name}.0123abcd.tmp")] + ([out / ".probe-0123abcd.tmp"] if out.is_dir() else [])
    others = [state.with_name(f".{state.name}.notes.tmp"), state.with_name(f".{state.name}x.0123abcd.tmp")]
    for path in left + others:
        path.write_text("{}")
    sweep(sweep_points.square, {"x": [0, 1]}, seeds=1, out=out, workers=1, progress=False)
    assert [p.exists() for p in left + others] == [False] * len(left) + [True] * len(others)
