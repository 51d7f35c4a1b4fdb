"""Determinism audit, round 3: counts that no seed repeats say so, every native object made without a seed names the
one it drew, every integer column that can hold a seed takes the whole 64-bit range, and the native bindings refuse
bad seeds with the one seed spec's words."""

import re

import pytest

import qnsim
from qnsim import qec

LARGEST = 2**64 - 1


def _circuit(p=0.01):
    return qec.memory_circuit(3, 3, noise=qec.NoiseModel.uniform_depolarizing(p))


def test_sinter_counts_say_they_cannot_be_repeated_and_how_to_repeat_them():
    """Old behaviour: qec.collect (sinter.collect, which takes no seed: each worker seeds its own sampler) gave counts
    that changed from run to run with no word about it, where sample_logical_error's unseeded counts name the seed
    that repeats them. Each of collect's estimates is now ``repeatable=False`` with a note naming the seeded way."""
    pytest.importorskip("sinter")
    (est,) = qec.collect([(_circuit(), {"d": 3})], max_shots=200, num_workers=1)
    assert est.shots == 200 and est.repeatable is False and est.seed is None
    notes = [n for n in est.notes if "cannot be repeated" in n]
    assert len(notes) == 1 and "qec.sample_logical_error(circuit, max_shots=..., seed=...)" in notes[0], est.notes
    seeded = qec.sample_logical_error(_circuit(), max_shots=200, seed=3)
    assert seeded.repeatable and not any("cannot be repeated" in n for n in seeded.notes)
    with pytest.raises(ValueError, match=r"repeatable=False with seed=3: counts sampled with a seed repeat"):
        qec.LogicalErrorEstimate(10, 1, seed=3, repeatable=False)
    with pytest.raises(TypeError, match=r"LogicalErrorEstimate.repeatable must be True or False"):
        qec.LogicalErrorEstimate(10, 1, repeatable="no")


_LINK_SEEDS = [5, 2**63, LARGEST]


def _point_with_a_link_seed(params, seed):
    """A sweep point that, as a qec sweep's, carries the seed its link was measured with."""
    return {"link_seed": _LINK_SEEDS[params["k"]], "value": float(seed)}


@pytest.mark.parametrize("rows_per_part", [1, 64])
def test_every_seed_column_takes_64_bit_seeds_in_a_parquet_out(tmp_path, monkeypatch, rows_per_part):
    """Old behaviour: round 2 made only the ``seed`` column unsigned: a qec sweep whose link was measured with a seed
    of 2**63 or more (``link_seed``) was refused by a Parquet out as "beyond a 64-bit integer, the widest a Parquet
    column holds". One rule now for every column holding a seed (``seed``, ``..._seed``): unsigned 64-bit once a seed
    needs it, the parts written before it converted (one part per row here), and a resumed sweep reads them back."""
    pytest.importorskip("pyarrow")
    from qnsim.sweeps import _ParquetSink

    monkeypatch.setattr(_ParquetSink, "MAX_ROWS", rows_per_part)
    monkeypatch.setattr(_ParquetSink, "MAX_SECONDS", 0.0 if rows_per_part == 1 else 60.0)
    out = tmp_path / "rows.parquet"
    grid = {"k": [0, 1, 2]}
    first = qnsim.sweep(_point_with_a_link_seed, grid, seeds=[LARGEST, 1], workers=1, progress=False, out=out)
    again = qnsim.sweep(_point_with_a_link_seed, grid, seeds=[LARGEST, 1], workers=1, progress=False, out=out)
    assert sorted(first["link_seed"]) == sorted(_LINK_SEEDS * 2)
    assert first.equals(again)
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    assert str(table.schema.field("link_seed").type) == "uint64"
    assert sorted(table.column("link_seed").to_pylist()) == sorted(_LINK_SEEDS * 2)
    from qnsim.sweeps import is_seed_column

    assert is_seed_column("link_seed") and not is_seed_column("seeds")
