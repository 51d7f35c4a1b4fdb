"""Results audit, round 24: a Dask sweep that follows its cluster as it grows and bounds each task's time when its
points' durations differ, a stateless CSV read without parsing each cell, and counts saved by another qnsim. Each
test's docstring says what the old behaviour was."""

import pytest
import sweep_points

import qnsim
from qnsim import sweeps
from qnsim.sweeps import read_results, sweep

# --- what a resume reads: counts saved by another qnsim ----------------------------------------------------------


def test_saved_qec_counts_of_another_qnsim_are_sampled_again(tmp_path, monkeypatch):
    """Old behaviour: the counts ``sample_logical_error`` saves for a resume (a qec sweep's ``OUT.shots/``) were
    named by the circuit, the sampling settings and the Stim and PyMatching versions, not by the qnsim that sampled
    and decoded them (its decoder model, batch seeds and schedule), so another qnsim resumed them (a finished run's
    file was returned whole) and its sweep stamped the row with its own scenario_id. Now the file's name covers
    :func:`qnsim.sweeps.code_id`: another qnsim samples from the first batch; the same one still reads its file."""
    pytest.importorskip("stim")
    pytest.importorskip("pymatching")
    from qnsim import qec
    from qnsim.qec import sampling

    circuit = qec.memory_circuit(3, noise=qec.NoiseModel.uniform_depolarizing(0.004))
    kwargs = {"max_shots": 200, "seed": 3, "batch_size": 100, "max_batch_size": 100, "resume_dir": tmp_path}
    first = sampling.sample_logical_error(circuit, **kwargs)
    drawn, real = [], sampling._batch_sampler
    monkeypatch.setattr(sampling, "_batch_sampler", lambda c, seed, index: drawn.append(index) or real(c, seed, index))
    assert sampling.sample_logical_error(circuit, **kwargs).errors == first.errors and drawn == []  # read back
    monkeypatch.setattr(qnsim, "__version__", f"{qnsim.__version__}+another")
    again = sampling.sample_logical_error(circuit, **kwargs)
    assert drawn == [0, 1] and (again.shots, again.errors) == (first.shots, first.errors)
    assert len(list(tmp_path.iterdir())) == 2  # each qnsim's own file


# --- reading a CSV without its state --------------------------------------------------------------------------------


def test_a_csv_is_read_parsing_each_distinct_cell_text_of_a_column_once(tmp_path, monkeypatch):
    """Old behaviour: every cell of a CSV was parsed on its own (a regular expression, then ``float``), 500 parses
    here, though a grid's, seeds' and bools' columns repeat a few texts, and a location text was made for every row.
    Now each distinct text of a column that repeats its texts is parsed once, with the same rows (values, types,
    columns and their order) as the cell-by-cell reading; a file with something to say (a point twice, or two rows
    of one point) is still read line by line and named as before."""
    rows = sweep(sweep_points.square, {"x": [0, 1, 2, 3]}, seeds=25, out=tmp_path / "r.csv", workers=1,
                 progress=False, as_frame=False)  # fmt: skip
    (tmp_path / "r.csv.sweep.json").unlink()  # a CSV without its state: every cell read, ordered by its own values
    calls = []
    real = sweeps._parse_cell
    monkeypatch.setattr(sweeps, "_parse_cell", lambda text: calls.append(text) or real(text))
    read = read_results(tmp_path / "r.csv")
    assert read == rows and [list(r) for r in read] == [list(r) for r in rows]
    assert [[type(v) for v in r.values()] for r in read] == [[type(v) for v in r.values()] for r in rows]
    # x: 4 texts, seed: 25, tag: 25 (each parsed once); y and n: mostly distinct, parsed cell by cell (100 each).
    assert [calls.count(f"s{seed}") for seed in range(25)] == [1] * 25 and len(calls) <= 4 + 25 + 25 + 100 + 100
    text = (tmp_path / "r.csv").read_text().splitlines()
    (tmp_path / "r.csv").write_text("\n".join([*text, text[3]]) + "\n")  # a point twice: one row of it read
    assert read_results(tmp_path / "r.csv") == rows
    (tmp_path / "r.csv").write_text("\n".join([*text, text[3].replace(",s", ",t", 1)]) + "\n")
    with pytest.raises(ValueError, match=r"line 4 and line 102 are 2 different rows of one point"):
        read_results(tmp_path / "r.csv")


# --- Dask: tasks follow the cluster as it grows; a task's time is bounded ------------------------------------------

distributed = pytest.importorskip("distributed")


def test_an_adaptive_cluster_from_zero_workers_gets_tasks_as_its_workers_arrive(monkeypatch):
    """Old behaviour: a cluster that scales from zero workers was counted as one thread (3 tasks in flight), and read
    again only when a task had finished (and 5 s had passed): while the first, slow points ran, the workers Dask added
    for them (it asks for no more workers than the tasks it sees) got nothing, so the cluster grew 3 workers at a
    time, one slow task apart. Now the sweep wakes every ``DASK_WORKERS_REREAD_S`` while points wait to read the
    cluster again: tasks follow the threads that arrive (3 per thread) before any task has finished. The rows are
    the point function's."""
    monkeypatch.setattr(sweeps, "DASK_WORKERS_REREAD_S", 0.05)
    monkeypatch.setattr(sweeps, "dask_chunk_size", lambda points, workers: 1)  # a task per point
    submitted = []  # (tasks in flight, tasks finished) as each task is submitted
    grid = {"x,sleep_s": [(x, 0.6 if x < 3 else 0.02) for x in range(18)]}
    with (
        distributed.LocalCluster(n_workers=0, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
    ):
        cluster.adapt(minimum=0, maximum=3, interval="20ms", target_duration="10ms", wait_count=1000)
        real_submit, futures = client.submit, []

        def counting_submit(*args, **kwargs):
            done = sum(f.done() for f in futures)
            submitted.append((1 + len(futures) - done, done))
            futures.append(real_submit(*args, **kwargs))
            return futures[-1]

        monkeypatch.setattr(client, "submit", counting_submit)
        rows = sweep(sweep_points.sleeps, grid, backend="dask", client=client, progress=False, as_frame=False)
    assert [(r["x"], r["y"], r["tag"], r["n"]) for r in rows] == [
        (x, *sweep_points.square({"x": x}, 0).values()) for x in range(18)
    ]
    assert submitted[:3] == [(1, 0), (2, 0), (3, 0)]  # no thread yet: 3 tasks
    assert max(n for n, done in submitted if done == 0) > sweeps.DASK_TASKS_PER_THREAD  # more as workers came


def test_a_task_of_points_of_uneven_durations_starts_none_after_its_time(tmp_path, monkeypatch):
    """Old behaviour: a task was sized by the points before it, so cheap points (tasks grown to 32 points) followed
    by slow ones made a task of up to 32 slow points run for several times ``DASK_TASK_S`` (here 8 times; all of it
    lost to a kill). Now a task starts no point once ``DASK_TASK_S`` has passed (it runs one at least) and the points
    it leaves run in a later task: in every task, the points before its last one slept less than ``DASK_TASK_S`` in
    all. The rows are those of a process pool's run."""
    monkeypatch.setattr(sweeps, "DASK_TASK_S", 0.2)
    monkeypatch.setattr(sweeps, "dask_chunk_size", lambda points, workers: 32)
    sleeps = [0.0] * 64 + [0.05] * 24  # s: the tasks grow on cheap points (to 32), then slow points come
    grid = {"x,sleep_s": list(enumerate(sleeps))}
    chunks = []
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
    ):
        real_submit = client.submit

        def recording_submit(task, fn, chunk, *args, **kwargs):  # task: qnsim's runner of a chunk of points
            chunks.append([params["x"] for params, _ in chunk])
            return real_submit(task, fn, chunk, *args, **kwargs)

        monkeypatch.setattr(client, "submit", recording_submit)
        on_dask = sweep(sweep_points.sleeps, grid, backend="dask", client=client, progress=False, as_frame=False)
    local = sweep(sweep_points.sleeps, grid, workers=1, progress=False, as_frame=False)
    assert on_dask == local
    ran_in = {x: i for i, chunk in enumerate(chunks) for x in chunk}  # a point left by a task is in a later one
    for i, chunk in enumerate(chunks):
        ran = [x for x in chunk if ran_in[x] == i]
        assert ran == chunk[: len(ran)] and ran, chunk  # a task runs its first points, one at least
        assert sum(sleeps[x] for x in ran[:-1]) < sweeps.DASK_TASK_S, ran
    assert max(map(len, chunks)) >= 16  # the cheap points still shared tasks
