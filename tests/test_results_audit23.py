"""Results audit, round 23: a Dask sweep's tasks are bounded in time, not only in points. Each test's docstring says
what the old behaviour was."""

from pathlib import Path

import pytest
import sweep_points

from qnsim import sweeps
from qnsim.sweeps import SweepError, read_results, sweep

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    """One in-process worker (threads: no process start-up), shared by this file's tests."""
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_slow_points_on_dask_reach_the_out_while_the_sweep_runs(tmp_path, client):
    """Old behaviour: every task was submitted up front with ``dask_chunk_size`` points (32 here: 128 points, one
    worker), and a task's rows reached the out only when all of its points had finished: a kill -9 lost every
    point of the running tasks, hours of work for slow points (here, the fourth point of 0.3 s found no row on
    disk after 8 s). Now the first tasks hold one point each and later ones are sized to run about
    ``DASK_TASK_S``: the fourth point finds the first points' rows in the out while the sweep runs."""
    out = tmp_path / "r.csv"
    grid = {"x": list(range(128)), "out": [str(out)]}
    assert sweeps.dask_chunk_size(128, 1) == 32
    with pytest.raises(SweepError, match=r"RuntimeError: (\d+) rows on disk while x=3 runs") as info:
        sweep(sweep_points.slow_then_counts_rows, grid, backend="dask", client=client, out=out, progress=False)
    assert "RuntimeError: 0 rows" not in str(info.value)
    rows = read_results(out)  # the three points before it, kept
    assert sorted(r["x"] for r in rows) == [0, 1, 2]
    square = sweep(sweep_points.square, {"x": [0, 1, 2], "out": [str(out)]}, workers=1, progress=False, as_frame=False)
    assert sorted((r["x"], r["y"]) for r in rows) == [(r["x"], r["y"]) for r in square]


def test_cheap_points_on_dask_still_share_tasks_and_give_the_same_rows(tmp_path, client, monkeypatch):
    """Tasks sized by time must not fall back to one point per task for cheap points (Dask's milliseconds of
    scheduling per task would dominate): they grow to ``dask_chunk_size``'s 32 points. The rows, and the out's final
    contents, are those of a process pool's run."""
    real_submit, sizes = client.submit, []

    def counting_submit(task, fn, chunk, *args, **kwargs):  # task: qnsim's runner of a chunk of points
        sizes.append(len(chunk))
        return real_submit(task, fn, chunk, *args, **kwargs)

    monkeypatch.setattr(client, "submit", counting_submit)
    grid = {"x": list(range(200))}
    on_dask = sweep(sweep_points.square, grid, seeds=[3], backend="dask", client=client, out=tmp_path / "d.csv",
                    progress=False, as_frame=False)  # fmt: skip
    local = sweep(sweep_points.square, grid, seeds=[3], workers=1, out=tmp_path / "l.csv", progress=False,
                  as_frame=False)  # fmt: skip
    assert sum(sizes) == 200 and max(sizes) == sweeps.dask_chunk_size(200, 1) == 32
    assert on_dask == local
    assert (tmp_path / "d.csv").read_bytes() == (tmp_path / "l.csv").read_bytes()


def test_task_sizes_follow_the_measured_durations():
    """The sizing rule itself: one point until measured, at most twofold growth, about ``DASK_TASK_S`` per task
    (a slow stretch shrinks the next tasks at once), never above ``dask_chunk_size``."""
    text = " ".join((Path(__file__).parents[1] / "docs" / "tutorials" / "sweep_dask.md").read_text().split())
    assert sweeps.DASK_TASK_S == 2.0 and "as many as ran in about two seconds" in text  # the tutorial's figure
    assert "``DASK_TASK_S``, 2 s," in " ".join(sweeps.__doc__.split())
    chunks = sweeps._DaskChunks(10**6, 1)
    assert chunks.size == 1
    sizes = []
    for _ in range(7):
        chunks.measured(chunks.size, chunks.size * 1e-4)  # cheap points: doubles up to the cap
        sizes.append(chunks.size)
    assert sizes == [2, 4, 8, 16, 32, 32, 32]
    chunks.measured(32, 32 * sweeps.DASK_TASK_S / 4)  # a stretch of slow points: 4 fit in DASK_TASK_S
    assert chunks.size == 4
    slow = sweeps._DaskChunks(100, 1)
    slow.measured(1, 3 * sweeps.DASK_TASK_S)  # a point longer than DASK_TASK_S: one per task
    assert slow.size == 1


def test_a_dask_worker_of_several_threads_gets_a_task_for_each(tmp_path):
    """Tasks are submitted a few per thread, not per worker: counted per worker, a cluster of one worker with 4
    threads ran 3 one-point tasks at a time while a thread idled (every task submitted up front, as before, ran 4)."""
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=4, processes=False, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
    ):
        rows = sweep(sweep_points.overlapping, {"x": list(range(8)), "dir": [str(tmp_path)]}, backend="dask",
                     client=client, progress=False, as_frame=False)  # fmt: skip
    assert [r["x"] for r in rows] == list(range(8)) and max(r["running"] for r in rows) == 4
