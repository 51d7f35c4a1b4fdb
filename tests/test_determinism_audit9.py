"""Determinism audit, round 9: one scenario-file sweep, run every way, gives the same rows bit for bit (floats
compared by their bits, not approximately): the native seed batch (qnsim.seed_batch) on 1 and 2 threads, the
process pool (one seed per grid point, which the batch does not take), a Dask LocalCluster in this process, and
a sweep resumed from its file torn at random bytes (a kill mid-line) -- nothing lost, nothing twice."""

import random
import struct

import pytest
from scenarios import two_node_scenario

from qnsim.sweeps import read_results, sweep

SCENARIO = two_node_scenario(0.002, length_km=5.0, rate_hz=20000.0, fidelity=0.95) + "num_pairs = 100\n"
GRID = {"links.0.length_km": [5.0, 20.0]}


def _bits(rows):
    """Each row as its cells' exact bits (a float by its 8 bytes: -0.0, a NaN's payload and the last bit count)."""
    return {
        tuple(sorted((k, struct.pack("<d", v).hex() if isinstance(v, float) else repr(v)) for k, v in r.items()))
        for r in rows
    }


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("scenario") / "link.toml"
    path.write_text(SCENARIO)
    return path


@pytest.fixture(scope="module")
def batch(scenario, tmp_path_factory):
    out = tmp_path_factory.mktemp("batch") / "one.csv"
    rows = sweep(scenario, GRID, seeds=6, out=out, workers=1, progress=False, as_frame=False)
    assert _bits(read_results(out)) == _bits(rows)
    return rows


def test_seed_batch_threads_and_process_pool_give_the_same_bits(scenario, batch, tmp_path):
    two = sweep(scenario, GRID, seeds=6, out=tmp_path / "two.csv", workers=2, progress=False, as_frame=False)
    assert _bits(two) == _bits(batch)
    # One seed per grid point: fewer seeds than threads per group, so the process pool runs them.
    for seed in (0, 5):
        pool = sweep(scenario, GRID, seeds=[seed], out=tmp_path / f"pool{seed}.csv", workers=2, progress=False,
                     as_frame=False)
        assert _bits(pool) == _bits(r for r in batch if r["seed"] == seed)
        assert _bits(read_results(tmp_path / f"pool{seed}.csv")) == _bits(pool)


def test_a_dask_cluster_gives_the_seed_batchs_bits(scenario, batch, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as c, \
            distributed.Client(c) as client:
        rows = sweep(scenario, GRID, seeds=6, out=tmp_path / "dask.csv", backend="dask", client=client,
                     progress=False, as_frame=False)
    assert _bits(rows) == _bits(batch)
    assert _bits(read_results(tmp_path / "dask.csv")) == _bits(batch)


@pytest.mark.parametrize("trial", range(4))
def test_a_sweep_resumed_from_a_file_torn_at_a_random_byte_ends_as_a_fresh_one(scenario, batch, tmp_path, trial):
    out = tmp_path / "torn.csv"
    sweep(scenario, GRID, seeds=6, out=out, workers=1, progress=False, as_frame=False)
    raw = out.read_bytes()
    cut = random.Random(trial).randrange(raw.index(b"\n") + 1, len(raw))
    out.write_bytes(raw[:cut])
    resumed = sweep(scenario, GRID, seeds=6, out=out, workers=2, progress=False, as_frame=False)
    assert _bits(resumed) == _bits(batch)
    rows = read_results(out)
    assert len(rows) == len(batch) and _bits(rows) == _bits(batch)
