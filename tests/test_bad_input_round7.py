"""Seventh bad-input audit: what the earlier rounds had not reached. A seed repeated in one native
batch, Parquet result files read without the duplicate-point check of CSV files, and (below) the
classes of bad value found by probing every entry point in forked children.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import qnsim


def _pair_network(seed=None):
    net = qnsim.Network("bell_diagonal", seed=seed)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4, success_probability=0.2)
    net.request("a", "b")
    return net


# --- one seed, one run ------------------------------------------------------------------------------------


def test_a_batch_refuses_a_repeated_seed():
    """run_seeds([1, 1]) ran seed 1 twice and returned two identical results, which a mean over the
    batch counted as two samples (a sweep already refused repeated seeds)."""
    with pytest.raises(qnsim.ParameterError, match=r"seeds\[2\] = 1 repeats seeds\[0\]"):
        _pair_network().run_seeds([1, 2, 1], until_s=1e-3)
    with pytest.raises(qnsim.ParameterError, match=r"seeds\[1\] = 7 repeats seeds\[0\]"):
        _pair_network().run_seeds([7, np.int64(7)], until_s=1e-3)
    with pytest.raises(qnsim.ParameterError, match=r"seeds\[1\] = 3 repeats seeds\[0\]"):
        qnsim.scenario.run_scenario_seeds(
            {"run": {"until_s": 1e-3}, "nodes": [{"name": "a"}, {"name": "b"}],
             "links": [{"a": "a", "b": "b", "length_km": 1.0, "fidelity": 0.9, "rate_hz": 1e4}],
             "requests": [{"src": "a", "dst": "b"}]},
            [3, 3],
        )
    assert len(_pair_network().run_seeds([1, 2], until_s=1e-3)) == 2


# --- one checked reader for every result format -----------------------------------------------------------


def _parquet_sweep(out):
    from qnsim.sweeps import example_point, sweep

    pytest.importorskip("pyarrow")
    sweep(example_point, {"length_km": [10.0, 20.0]}, seeds=2, workers=1, progress=False, out=out)
    parts = sorted(out.glob("part-*.parquet"))
    assert parts
    return parts


def test_a_parquet_part_copied_twice_is_read_once(tmp_path):
    """A Parquet out whose part was copied (or two sweeps' parts joined) gave every point of it twice:
    read_results returned 8 rows for 4 points and a threshold fit summed both copies' shots; a CSV out
    holding the same copies was read once."""
    from qnsim.sweeps import read_results

    out = tmp_path / "r.parquet"
    parts = _parquet_sweep(out)
    before = read_results(out)
    assert len(before) == 4
    shutil.copy(parts[0], out / "part-99999999999999999999-copy.parquet")
    assert read_results(out) == before


def test_two_different_parquet_rows_of_one_point_are_refused(tmp_path):
    """Two different rows of one point in a Parquet out were both returned by read_results (and the
    plots' means mixed them), and a resumed sweep kept the first silently; a CSV out refused them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from qnsim.sweeps import example_point, read_results, sweep

    out = tmp_path / "r.parquet"
    parts = _parquet_sweep(out)
    rows = pq.read_table(parts[0]).to_pylist()
    rows[0]["pairs"] += 1
    pq.write_table(pa.Table.from_pylist(rows[:1]), out / "part-99999999999999999999-edited.parquet")
    with pytest.raises(ValueError, match=r"part part-.*\.parquet row 1 and part part-9+-edited\.parquet row 1 are 2 "
                                         r"different rows of one point \([0-9a-f]{20}\)"):
        read_results(out)
    with pytest.raises(ValueError, match="are 2 different rows of one point"):
        sweep(example_point, {"length_km": [10.0, 20.0]}, seeds=2, workers=1, progress=False, out=out)
