"""Results audit, round 16: a sweep's whole-number values read back as written (not as floats) where a column has
blanks, and (below) what else was found. Each test's docstring says what the old behaviour was."""

import pytest
import sweep_points

from qnsim import sweeps
from qnsim.plot import summarize
from qnsim.sweeps import read_results, sweep

# --- whole numbers in a column with blanks -------------------------------------------------------------------


def count_but_at_two(params, seed):
    """A whole-number result, None (no value) at x = 2."""
    return {"count": None if params["x"] == 2 else params["x"] * 10, "y": float(params["x"])}


def test_a_sweeps_frame_keeps_whole_numbers_with_blanks_as_written(tmp_path):
    """Old behaviour: the frame ``qnsim.sweep`` returns turned a whole-number result with a blank (None at one
    point) into floats: 10.0 and 30.0 for the 10 and 30 the point function gave. It holds the integers now, the
    blank a missing value (<NA>); a column with a float anywhere stays float."""
    pd = pytest.importorskip("pandas")
    frame = sweep(count_but_at_two, {"x": [1, 2, 3]}, out=tmp_path / "r.csv", workers=1, progress=False)
    assert frame["count"].dtype == pd.Int64Dtype()
    assert [str(v) for v in frame["count"]] == ["10", "<NA>", "30"]
    assert frame["y"].dtype.kind == "f"
    mixed = sweep(sweep_points.square, {"x": [1, 2], "z": [5, 0.5]}, out=tmp_path / "m.csv", workers=1,
                  progress=False)  # fmt: skip
    assert mixed["z"].dtype.kind == "f" and mixed["x"].dtype.kind == "i"


def test_a_summary_of_a_whole_number_axis_read_with_blanks_elsewhere_says_it_as_written(tmp_path):
    """Old behaviour: rows of a sweep over x and z = 5 beside rows of one without z (z blank) read z as 5.0:
    a frame of those rows selected (``frame[frame["z"].notna()]``) and summarized over z said "z = 5.0" in its
    table and in a plot's legend, and a summary of all of them refused the mix naming "'z' ([5.0] ...)", a value no
    one wrote. Each says 5 now: the integers of the grid, as integers."""
    pytest.importorskip("pandas")
    from qnsim.plot import _frame

    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [1, 2], "z": [5]}, out=out, workers=1, progress=False)
    sweep(sweep_points.square, {"x": [1, 2]}, out=out, workers=1, progress=False)
    with pytest.raises(ValueError, match=r"'z' \(\[5\] and blank"):
        summarize(out, "x", ["y"])
    frame = _frame(read_results(out))
    with_z = frame[frame["z"].notna()]
    table = summarize(with_z, "x", ["y", "n"], hue="z")
    assert table["z"].tolist() == [5, 5] and table["z"].dtype.kind == "i" and table["x"].tolist() == [1, 2]
    assert table.to_string().splitlines()[1].split()[1] == "5"
    assert table["n_mean"].dtype.kind == "f" and table["n_mean"].tolist() == [10.0, 20.0]
    assert frame["z"].isna().sum() == 2  # the caller's frame is left as it was


# --- two names of one file (hard links) where there are no locks -----------------------------------------------


def _no_locks(monkeypatch):
    import errno
    import fcntl

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)


def test_two_names_of_one_file_are_one_out_where_there_are_no_locks(tmp_path, monkeypatch):
    """Old behaviour: on a file system without locks a sweep's holder is named after the name it was given, so a
    sweep writing ``h.csv`` (a hard link to ``r.csv``: one file, two names) and one writing ``r.csv`` each made a
    holder of its own and both held the out: both wrote every point into the one file. The second is refused
    now, naming the other name and the sweep holding it; once that sweep ends, it runs."""
    import os

    from qnsim import sweeps

    _no_locks(monkeypatch)
    target = tmp_path / "r.csv"
    target.touch()
    other = tmp_path / "h.csv"
    os.link(target, other)
    first = sweeps._open_sink(other, [])
    first.lock()
    try:
        refusal = r"'.*r\.csv' is another name \(a hard link\) of '.*h\.csv', which is being written by another "
        with pytest.raises(ValueError, match=refusal + rf"running sweep \(process {os.getpid()} on "):
            sweeps._open_sink(target, []).lock()
        with pytest.raises(ValueError, match="a hard link"):
            sweep(sweep_points.square, {"x": [1]}, out=target, workers=1, progress=False)
        assert not (tmp_path / "r.csv.holder").exists()  # the refused sweep's own holder is gone
        # sweep_status of the other name, without locks, looked for a holder beside it alone: none, so a sweep
        # running under h.csv read as one that "ended without finishing (killed, or out of memory?)".
        assert sweeps._out_is_locked(target) and sweeps._out_is_locked(other)
    finally:
        first.close()
    rows = sweep(sweep_points.square, {"x": [1, 2]}, out=target, workers=1, progress=False, as_frame=False)
    assert [r["x"] for r in rows] == [1, 2] and [r["x"] for r in read_results(other)] == [1, 2]


def test_a_sweep_stopped_under_one_name_of_a_file_is_seen_under_another(tmp_path):
    """Old behaviour: a sweep stopped (a failed point) under ``h.csv``, a hard link to ``r.csv``, kept its state
    in ``h.csv.sweep.json`` only: ``sweep_status("r.csv")`` answered None, as for a whole sweep (a summary of
    ``r.csv`` read like a finished sweep of fewer points), and the sweep resumed under ``r.csv`` began a second
    state file. The state is the file's now, whichever of its names reaches it: one state file, of both sweeps."""
    import os

    from qnsim.sweeps import sweep_status

    target = tmp_path / "r.csv"
    target.touch()
    other = tmp_path / "h.csv"
    os.link(target, other)
    with pytest.raises(sweeps.SweepError, match="boom at x=2"):
        sweep(sweep_points.fails, {"x": list(range(6))}, out=other, workers=1, progress=False)
    kept = len(read_results(target))
    assert all(f"stopped after {kept} of 6 points" in sweep_status(name) for name in (target, other))
    sweep(sweep_points.fails, {"x": [0, 1, 3, 4, 5]}, out=target, workers=1, progress=False)
    assert all("[one of 2 sweeps on the file]" in sweep_status(name) for name in (target, other))
    assert sorted(p.name for p in tmp_path.glob("*.sweep.json")) == ["h.csv.sweep.json"]


# --- a stopped QEC sweep's saved counts ------------------------------------------------------------------------


def test_a_stopped_qec_sweep_does_not_call_its_finished_points_counts_unfinished(tmp_path, monkeypatch):
    """Old behaviour: the counts a QEC sweep's points save stay in ``OUT.shots/`` until the whole sweep finishes,
    those of the points that finished too; a sweep stopped after 19 of 28 points (one more begun) said "the saved
    counts of 20 unfinished point(s) are in ...". Here one point finished (its row is in out) and one was cut
    short: it said "2 unfinished point(s)". It says 2 point(s), and that a finished point's counts stay."""
    import qnsim.sweeps
    from qnsim import qec
    from qnsim.qec.sampling import sample_logical_error
    from qnsim.qec.sweep import run_experiment_sweep

    experiment = tmp_path / "e.toml"
    experiment.write_text("[grid]\ndistance = [3]\np_int = [0.001, 0.002]\n[sampling]\nmax_shots = 3000\n")
    out = tmp_path / "rows.csv"

    def one_finished_one_cut_short(spec, *args, **kwargs):
        circuit = qec.memory_circuit(3, noise=qec.NoiseModel.uniform_depolarizing(0.001))
        sample_logical_error(circuit, max_shots=3000, batch_size=1000, seed=1, resume_dir=spec.resume_dir)
        out.write_text("p_int,seed\n0.001,0\n")
        sample_logical_error(circuit, max_shots=1000, batch_size=1000, seed=2, resume_dir=spec.resume_dir)
        raise RuntimeError("point 2 failed")

    monkeypatch.setattr(qnsim.sweeps, "sweep", one_finished_one_cut_short)
    with pytest.raises(RuntimeError) as info:
        run_experiment_sweep(str(experiment), out=out)
    (note,) = info.value.__notes__
    assert "unfinished point(s)" not in note
    assert note.startswith(f"the saved counts of 2 point(s) are in {str(out) + '.shots'!r} (those of the points")


def test_a_qec_sweeps_saved_counts_are_the_files_whichever_name_reaches_it(tmp_path):
    """Old behaviour: a QEC sweep stopped under ``r.csv`` left its cut-short points' counts in ``r.csv.shots``;
    run again under ``h.csv`` (a hard link to ``r.csv``), it looked for them in ``h.csv.shots``, sampled those
    points from their first shot again, and left ``r.csv.shots`` for ever (``qnsim qec clean-shots h.csv`` did not
    see it either). The saved counts are the file's, whichever name reaches it."""
    import os

    from qnsim.qec.sweep import saved_counts_dir

    target = tmp_path / "r.csv"
    target.write_text("p_int,seed\n")
    other = tmp_path / "h.csv"
    os.link(target, other)
    assert saved_counts_dir(other) == str(other) + ".shots"  # none saved yet: its own name's
    (tmp_path / "r.csv.shots").mkdir()
    assert saved_counts_dir(other) == saved_counts_dir(target) == str(target) + ".shots"


def test_a_resumed_qec_sweep_that_finishes_leaves_no_counts_of_the_points_finished_before_its_stop(tmp_path):
    """Old behaviour: a QEC sweep killed after some points finished (their counts saved in ``OUT.shots``, as every
    point's are until the sweep finishes) and run again to its end skipped those points, never read their counts,
    and so deleted only the counts of the points it ran: 19 files of a 28-point sweep stopped at 19 stayed in
    ``OUT.shots`` for ever. A finished sweep deletes every whole run's counts now; a point cut short by another
    sweep on the out keeps its counts to resume (tests/test_results_audit14)."""
    import os

    from qnsim import qec
    from qnsim.qec.sampling import sample_logical_error
    from qnsim.qec.sweep import run_experiment_sweep

    experiment = tmp_path / "e.toml"
    experiment.write_text("[grid]\ndistance = [3]\np_int = [0.001]\n[sampling]\nmax_shots = 200\n")
    out = tmp_path / "rows.csv"
    store = tmp_path / "rows.csv.shots"
    circuit = qec.memory_circuit(3, noise=qec.NoiseModel.uniform_depolarizing(0.001))
    sample_logical_error(circuit, max_shots=1000, batch_size=1000, seed=7, resume_dir=store)  # finished before a stop
    (left,) = store.iterdir()
    os.utime(left, (left.stat().st_atime - 60, left.stat().st_mtime - 60))
    rows = run_experiment_sweep(str(experiment), out=out, workers=1, progress=False)
    assert len(rows) == 1 and not store.exists()
