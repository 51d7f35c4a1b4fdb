"""Results audit, round 13: work a stopped Dask sweep lost, two sweeps taking over one dead holder file
at once, and (below) what else was found. Each test's docstring says what the old behaviour was."""

import errno
import json
import os
import socket
import subprocess
import sys

import pytest
import sweep_points
from scenarios import two_node_network, two_node_scenario

from qnsim import sweeps
from qnsim.sweeps import SweepError, read_results, sweep, sweep_status

# --- a Dask sweep stopped by a failing point keeps what finished -----------------------------------------


def all_at_once(monkeypatch):
    """Makes a Dask sweep submit every task at once, each of ``dask_chunk_size`` points (as before round 23)."""
    monkeypatch.setattr(sweeps, "DASK_TASKS_PER_THREAD", 10**6)
    real_init = sweeps._DaskChunks.__init__

    def largest_first(chunks, points, workers):
        real_init(chunks, points, workers)
        chunks.size = chunks.most

    monkeypatch.setattr(sweeps._DaskChunks, "__init__", largest_first)


def test_a_dask_sweep_stopped_by_a_failing_point_keeps_every_row_that_finished(tmp_path, monkeypatch):
    """Old behaviour: a Dask sweep whose point raised stopped at the first failed task it looked at and
    cancelled the rest: the chunks that had finished in the same instant (handed back by ``as_completed``
    after the failed one) and the points of the failed chunk before the failing point were lost, though
    computed. Here every chunk finished before the sweep looked: no row was kept of the 11 points that
    ran. Now all 11 are in out and the failure still stops the sweep, naming the point. (Tasks are sized by time
    and submitted a few at a time since round 23: here all are submitted at once, of three points, as then.)"""
    distributed = pytest.importorskip("distributed")

    def failed_first(distributed, futures, still_ours, wake_s=None):  # every chunk done when looked at, failed first
        distributed.wait(futures)
        return sorted(futures, key=lambda f: f.status != "error")

    monkeypatch.setattr(sweeps, "_dask_finished", failed_first)
    all_at_once(monkeypatch)
    out = tmp_path / "r.csv"
    with (
        distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
    ):
        with pytest.raises(SweepError, match=r"boom at x=2 \(params \{'x': 2\}, seed 0\) on Dask"):
            sweep(sweep_points.fails, {"x": list(range(12))}, backend="dask", client=client, out=out, progress=False)
    assert sorted(r["x"] for r in read_results(out)) == [0, 1, *range(3, 12)]
    assert "stopped after 11 of 12 points" in sweep_status(out)
    rows = sweep(sweep_points.square, {"x": [1, 4]}, workers=1, progress=False, as_frame=False)
    assert [r["y"] for r in read_results(out) if r["x"] in (1, 4)] == [r["y"] for r in rows]


# --- the holder file where there are no locks: one taker wins ------------------------------------------


def _dead_pid():
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout)  # fmt: skip


def test_two_sweeps_taking_over_one_dead_holder_at_once_do_not_both_win(tmp_path, monkeypatch):
    """Old behaviour: where the file system has no locks, a sweep finding the holder file of a sweep
    killed on this machine deleted it and created its own. Two sweeps started together both found it
    dead; the first deleted it and created its holder, then the second deleted that one (taking it for
    the dead one) and created its own: both held the out, both ran every point and wrote it. Now the
    takeover is made under a takeover file created only if absent, whose taker checks the holder again:
    the second is refused, naming the first."""
    lock = tmp_path / "r.csv"
    holder = sweeps._holder_path(lock)
    holder.write_text(f"{socket.gethostname()} {_dead_pid()}\n")
    real_alive = sweeps._holder_alive
    started, won = [], []

    def other_sweep_meanwhile(path):
        # The second sweep reads the dead holder, then the first takes it over before the second acts.
        answer = real_alive(path)
        if not started:
            started.append(True)
            won.append(sweeps._hold_out(lock, lock))
        return answer

    monkeypatch.setattr(sweeps, "_holder_alive", other_sweep_meanwhile)
    with pytest.raises(ValueError, match=rf"being written by another running sweep \(process {os.getpid()} on "):
        sweeps._hold_out(lock, lock)
    assert won == [holder] and holder.read_text().split()[:2] == [socket.gethostname(), str(os.getpid())]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv.holder"]


def test_a_holder_is_never_seen_empty_and_a_killed_takeover_blocks_nobody(tmp_path, monkeypatch):
    """Old behaviour: the holder was created empty (``O_EXCL``) and its name written after: a sweep
    looking in between read it empty ("a sweep starting"), and a sweep killed in between left an empty
    holder that refused every sweep for ten seconds. It is written whole under a name of its own and
    linked into place now. A sweep killed in the middle of a takeover leaves its takeover file: this round
    the next sweep said so and named both files to delete by hand; since round 14 (``test_results_audit14``)
    it passes a takeover file whose taker is provably gone (here: empty and old) and takes the out over."""
    lock = tmp_path / "r.csv"
    holder = sweeps._holder_path(lock)
    seen = []
    real_link = os.link

    def look_then_link(src, dst):
        seen.append(dst.read_text() if os.path.exists(dst) else None)
        real_link(src, dst)
        seen.append(dst.read_text())

    monkeypatch.setattr(sweeps.os, "link", look_then_link)
    assert sweeps._hold_out(lock, lock) == holder
    assert seen[0] is None and seen[1].split()[:2] == [socket.gethostname(), str(os.getpid())]
    sweeps._unlock_out(holder)
    monkeypatch.setattr(sweeps.os, "link", real_link)

    holder.write_text(f"{socket.gethostname()} {_dead_pid()}\n")
    takeover = holder.with_name(holder.name + ".takeover")
    takeover.write_text("")
    os.utime(takeover, (1e9, 1e9))  # a taker killed long ago
    assert sweeps._hold_out(lock, lock) == holder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv.holder"]


def test_a_file_system_without_hard_links_still_gets_a_holder(tmp_path, monkeypatch):
    """The holder is linked into place; where hard links fail (some FUSE and SMB mounts), it is created
    with ``O_EXCL`` and written, as before, and a second sweep is still refused."""
    lock = tmp_path / "r.csv"

    def no_links(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(sweeps.os, "link", no_links)
    holder = sweeps._hold_out(lock, lock)
    assert holder.read_text().split()[:2] == [socket.gethostname(), str(os.getpid())]
    with pytest.raises(ValueError, match="another running sweep"):
        sweeps._hold_out(lock, lock)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv.holder"]


# --- run_seeds: a callback that raises, a Ctrl-C while results are handed over ----------------------------


@pytest.mark.parametrize("error", [ValueError("disk full"), KeyboardInterrupt()])
def test_run_seeds_stopped_in_its_callback_says_which_seeds_it_had(error):
    """Old behaviour: an exception raised by ``on_result`` (a full disk where it writes, a bad row) or a
    Ctrl-C while the results of a native call were read and handed over left ``run_seeds`` with the
    bare exception: nothing said which seeds the callback had had, and the rest of that call's seeds,
    run, were dropped. The note names both now, and where to go on; going on from there gives every
    seed once."""
    seeds = [11, 12, 13, 14, 15, 16, 17]
    handed, raised = [], []

    def keep(seed, result):
        if seed == 13 and not raised:
            raised.append(seed)
            raise error
        handed.append((seed, result.requests[0].num_pairs))

    with pytest.raises(type(error)) as info:
        two_node_network().run_seeds(seeds, 0.01, threads=2, on_result=keep)
    note = " ".join(getattr(info.value, "__notes__", []))
    assert handed == [(11, handed[0][1]), (12, handed[1][1])]
    assert "2 of 7 seeds had finished and were handed to on_result" in note and "seeds[2] = 13" in note
    assert "run the rest with seeds[2:]" in note
    two_node_network().run_seeds(seeds[2:], 0.01, threads=2, on_result=keep)
    whole = two_node_network().run_seeds(seeds, 0.01, threads=1)
    assert handed == [(s, r.requests[0].num_pairs) for s, r in zip(seeds, whole)]


# --- result cells a file must read back ---------------------------------------------------------------------

#: Text a point function may return: characters str.splitlines splits at though the csv module neither
#: quotes them nor ends a row there.
_CELLS = ["form\x0cfeed", "line\u2028separator", "group\x1dseparator", "next\x85line", "tab\x0bv"]


def cell(params, seed):
    return {"value": _CELLS[params["i"]], "n": params["i"]}


def states(params, seed):
    """A count that is beyond 64 bits at i = 4."""
    return {"states": 2**70 if params["i"] == 4 else params["i"]}


@pytest.mark.parametrize("i", range(5))
def test_text_with_a_separator_str_splitlines_knows_reads_back_from_a_csv_out(tmp_path, i):
    """Old behaviour: a point function returning text with a form feed, a vertical tab, "\\x1c"-"\\x1e",
    "\\x85" or U+2028/U+2029 (a label pasted from a PDF, a name from a device) was written (the csv module
    quotes only commas, quotes and line ends), and every later read, resume and plot of the file failed:
    its reader split lines with ``str.splitlines``, which splits at those too ("line 2 has 3 fields, the
    header has 5: the file is not a sweep result"). The reader splits where the writer ends rows."""
    out = tmp_path / "r.csv"
    rows = sweep(cell, {"i": [i]}, seeds=2, out=out, workers=1, progress=False, as_frame=False)
    assert [r["value"] for r in read_results(out)] == [_CELLS[i]] * 2
    assert sweep(cell, {"i": [i]}, seeds=2, out=out, workers=1, progress=False, as_frame=False) == rows
    assert sweep_status(out) is None
    crlf = tmp_path / "saved.csv"  # saved by a spreadsheet with Windows line ends: the same rows
    crlf.write_bytes(out.read_bytes().replace(b"\n", b"\r\n"))
    assert read_results(crlf) == read_results(out)


def test_an_int_beyond_64_bits_is_refused_by_a_parquet_out_naming_it(tmp_path):
    """Old behaviour: a point function returning an int beyond 64 bits (a count of states, 2**70) into a
    Parquet out failed at the write with pyarrow's "Python int too large to convert to C long", naming
    no column, and the rows buffered with it (here the four before it) were lost; a grid value beyond
    64 bits ran its points and failed the same way. The row is refused as it arrives now, naming the
    column, after the rows before it are written; a grid value before any point runs. (A CSV out keeps
    it: its cells read back as Python ints.)"""
    pytest.importorskip("pyarrow")
    out = tmp_path / "r.parquet"
    # 5 points run one by one in grid order, the big int last
    with pytest.raises(SweepError, match=r"'states' = 1180591620717411303424 is beyond a 64-bit integer"):
        sweep(states, {"i": list(range(5))}, out=out, workers=1, progress=False)
    assert sorted(r["states"] for r in read_results(out)) == [0, 1, 2, 3]
    assert "stopped after 4 of 5 points" in sweep_status(out)
    with pytest.raises(ValueError, match=r"grid\['big'\] value 1180591620717411303424 is beyond a 64-bit"):
        sweep(states, {"i": [0], "big": [2**70]}, out=tmp_path / "g.parquet", workers=1, progress=False)
    assert not (tmp_path / "g.parquet").exists()
    csv_out = tmp_path / "r.csv"
    sweep(states, {"i": [4]}, out=csv_out, workers=1, progress=False)
    assert read_results(csv_out)[0]["states"] == 2**70


# --- rows of another qnsim ----------------------------------------------------------------------------------


def test_a_refused_resume_says_whether_another_qnsim_or_another_scenario_wrote_the_rows(tmp_path, monkeypatch):
    """Old behaviour: a resume refused for rows of another scenario_id said "another scenario or qnsim
    version or build" and two hex digests: after an upgrade (or a rebuild from other sources) the user
    could not tell it from an edited scenario. The state file records the qnsim that wrote each sweep
    now, and the refusal names it beside this one, or says the scenario differs."""
    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [1]}, out=out, workers=1, progress=False)
    with pytest.raises(ValueError, match=r"written by this qnsim, so the scenario differs"):
        sweep(sweep_points.slow, {"x": [1]}, out=out, workers=1, progress=False)
    mine = sweeps.code_id()
    monkeypatch.setattr(sweeps, "code_id", lambda: "qnsim 9.9.9 native abc build def python 123")
    with pytest.raises(ValueError, match=rf"they were written by {mine}, this sweep runs qnsim 9\.9\.9 native abc"):
        sweep(sweep_points.square, {"x": [1]}, out=out, workers=1, progress=False)
    assert len(read_results(out)) == 1
    # A state file of an older qnsim, which did not record it: the refusal as before.
    state = sweeps._state_path(out)
    content = json.loads(state.read_text())
    for entry in content["sweeps"]:
        del entry["qnsim"], entry["digest"]  # nor a digest of its records
    state.write_text(json.dumps(content))
    with pytest.raises(ValueError, match=r"another scenario or qnsim version or build \(scenario_id \w+; this sweep's "
                       r"is \w+\); resuming would mix"):  # fmt: skip
        sweep(sweep_points.square, {"x": [1]}, out=out, workers=1, progress=False)


# --- a Ctrl-C of a local sweep ------------------------------------------------------------------------------


def ran(params, seed):
    """Leaves a file named after x once the point has run (the sweep's row may or may not be kept)."""
    import time
    from pathlib import Path

    time.sleep(0.3)
    Path(params["ran"], str(params["x"])).write_text("")
    return {"y": params["x"] ** 2}


def test_a_ctrl_c_of_a_local_sweep_keeps_the_points_it_waited_for(tmp_path):
    """Old behaviour: a Ctrl-C of a local sweep let the points running in the pool finish (it waits for
    them, the time a point takes), then dropped their results: points that ran were not in out and ran
    again on resume. Now every point that finished before the sweep returned is in out, and the note
    counts it."""
    import _thread
    import threading
    import time

    done = tmp_path / "ran"
    done.mkdir()
    out = tmp_path / "r.csv"

    def interrupt_once_a_point_ran():  # the next points are running then
        while not any(done.iterdir()):
            time.sleep(0.01)
        _thread.interrupt_main()

    threading.Thread(target=interrupt_once_a_point_ran, daemon=True).start()
    with pytest.raises(KeyboardInterrupt) as info:
        sweep(ran, {"x": list(range(20)), "ran": [str(done)]}, out=out, workers=2, progress=False)
    finished = sorted(int(p.name) for p in done.iterdir())
    assert 0 < len(finished) < 20
    assert sorted(r["x"] for r in read_results(out)) == finished
    assert f"{len(finished)} of 20 points finished and are in" in " ".join(info.value.__notes__)


def test_a_ctrl_c_of_a_scenario_sweeps_seed_batch_is_told_in_the_sweeps_terms(tmp_path, monkeypatch):
    """A Ctrl-C while a scenario sweep's native seed batch hands its results over: ``run_seeds`` notes
    which of its call's seeds its callback had and to run the rest from there (this round's note, for
    its own callers), but in a sweep those rows are lost with the call and the sweep's note says what
    its out holds: the batch's note is dropped there, not printed as a second, wrong account."""
    import qnsim.scenario

    path = tmp_path / "s.toml"
    path.write_text(two_node_scenario(0.002, length_km=1.0, rate_hz=1e4))
    out = tmp_path / "r.csv"
    real_row, calls = qnsim.scenario._row, []

    def interrupted_row(result, until_s):
        calls.append(1)
        if len(calls) == 6:  # the second seed of the second native call (4 seeds per call with one worker)
            raise KeyboardInterrupt
        return real_row(result, until_s)

    monkeypatch.setattr(qnsim.scenario, "_row", interrupted_row)
    with pytest.raises(KeyboardInterrupt) as info:
        sweep(str(path), {"links.0.length_km": [1.0]}, seeds=8, out=out, workers=1, progress=False)
    assert info.value.__notes__ == [
        f"4 of 8 points finished and are in {str(out)!r}; run the same sweep again to resume"
    ]
    assert [r["seed"] for r in read_results(out)] == [0, 1, 2, 3]
    monkeypatch.setattr(qnsim.scenario, "_row", real_row)
    rows = sweep(str(path), {"links.0.length_km": [1.0]}, seeds=8, out=out, workers=1, progress=False, as_frame=False)
    assert rows == sweep(str(path), {"links.0.length_km": [1.0]}, seeds=8, workers=1, progress=False, as_frame=False)


def surrogate(params, seed):
    """Text holding a lone surrogate at i = 2 (a name read with errors="surrogateescape")."""
    return {"name": "dev\udcff" if params["i"] == 2 else f"dev{params['i']}"}


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_text_that_is_not_valid_unicode_is_refused_naming_the_cell_and_the_rows_before_it_are_kept(tmp_path, suffix):
    """Old behaviour: a result holding a lone surrogate (text decoded with ``errors="surrogateescape"``:
    a file name, a device's reply) failed at the write with "'utf-8' codec can't encode character
    '\\udcff' in position 3", naming neither the column nor the point, and a Parquet out lost the rows
    buffered with it (here the two before it). It is refused as it arrives now, naming the column and
    the point, after the rows before it are written; a grid value like it before any point runs."""
    if suffix == "parquet":
        pytest.importorskip("pyarrow")
    out = tmp_path / f"r.{suffix}"
    with pytest.raises(SweepError, match=r"result 'name': text values must be valid Unicode .*'dev\\udcff'.*"
                       r"\(params \{'i': 2\}, seed 0\)"):  # fmt: skip
        sweep(surrogate, {"i": [0, 1, 2, 3]}, out=out, workers=1, progress=False)
    assert [r["name"] for r in read_results(out)] == ["dev0", "dev1"]
    with pytest.raises(ValueError, match=r"grid\['label'\]: text values must be valid Unicode"):
        sweep(surrogate, {"i": [0], "label": ["a\ud800"]}, out=tmp_path / f"g.{suffix}", workers=1, progress=False)
    assert not (tmp_path / f"g.{suffix}").exists()


# --- a plot's image: whole or not at all ---------------------------------------------------------------------


def test_a_plot_cut_short_while_it_writes_leaves_the_image_that_was_there(tmp_path, monkeypatch):
    """Old behaviour: ``qnsim plot`` (``qnsim.plot.plot_sweep(out=...)``) saved its image in place: a plot
    interrupted while it wrote (Ctrl-C, a kill, a full disk) left a PNG cut short, or the last plot's
    image with its start overwritten, which a reader took for a plot. The image is drawn to a temporary
    file and renamed over the old one now; a plot that does not finish leaves the old image as it was."""
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from qnsim.plot import plot_sweep

    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [1, 2]}, seeds=2, out=out, workers=1, progress=False)
    image = tmp_path / "r.png"
    plot_sweep(out, "x", ["y"], out=image)
    before = image.read_bytes()
    assert before.startswith(b"\x89PNG")
    real_savefig = Figure.savefig

    def cut_short(self, fname, **kwargs):
        real_savefig(self, fname, **kwargs)
        if hasattr(fname, "truncate"):  # drawn into memory first (one file per figure, determinism round 5)
            fname.truncate(100)
        else:
            with open(fname, "r+b") as f:  # the disk filled half way through
                f.truncate(100)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", cut_short)
    with pytest.raises(OSError, match="No space left"):
        plot_sweep(out, "x", ["y"], out=image, title="another")
    assert image.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.csv.sweep.json", "r.png"]


def test_a_sweep_ends_by_deleting_its_own_holder_only(tmp_path):
    """Old behaviour: a sweep where there are no locks deleted the holder file at its end whatever it
    held. A holder deleted by hand (the refusal says to, for a sweep it takes for one killed on
    another machine) and made again by a second sweep was then deleted by the first one's end, and a
    third sweep could start beside the second. A sweep deletes the holder only if it is still its own."""
    lock = tmp_path / "r.csv"
    holder = sweeps._hold_out(lock, lock)
    holder.unlink()  # deleted by hand ...
    holder.write_text("another-node-17 4242 abcd\n")  # ... and taken by a sweep on another machine
    sweeps._unlock_out(holder)  # the first sweep ends
    assert holder.read_text() == "another-node-17 4242 abcd\n"
    with pytest.raises(ValueError, match=r"process 4242 on another-node-17"):
        sweeps._hold_out(lock, lock)
    holder.unlink()
    sweeps._unlock_out(sweeps._hold_out(lock, lock))
    assert not holder.exists()


def test_a_ctrl_c_between_two_native_calls_of_run_seeds_is_told_too(monkeypatch):
    """Old behaviour: a Ctrl-C that landed between two native calls of ``run_seeds`` (freeing a call's
    networks, checking the memory: a while for large networks) carried no note, where one in a native
    call said how many seeds had finished and what became of them. Wherever it lands now, it does."""
    import qnsim.trace

    def interrupt():
        raise KeyboardInterrupt

    monkeypatch.setattr(qnsim.trace, "_available_memory_bytes", interrupt)  # read after each call's seeds
    with pytest.raises(KeyboardInterrupt) as info:
        two_node_network().run_seeds(range(12), 0.01, threads=1)
    assert info.value.__notes__ == [
        "run_seeds stopped: 4 of 12 seeds had finished and are lost with this call (pass on_result= to keep each as "
        "its seeds finish)"
    ]
