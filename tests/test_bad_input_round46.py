"""Bad-input round 46, the ways a user gets a plausible wrong answer: a resumed sweep whose out held a copy of a
row (two sweeps appending side by side, a line or part copied by hand) finished with the copy still in the file,
which every qnsim reader counts once but ``pandas.read_csv`` / ``read_parquet`` and a spreadsheet read twice."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import qnsim

_SCENARIO = """
[run]
until_s = 0.01
[[nodes]]
name = "a"
[[nodes]]
name = "b"
[[links]]
a = "a"
b = "b"
length_km = 1.0
fidelity = 0.9
rate_hz = 1e4
[[requests]]
src = "a"
dst = "b"
"""

_GRID = {"links.0.length_km": [1, 2]}


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(_SCENARIO)
    return path


def _sweep(scenario, out):
    return qnsim.sweep(scenario, _GRID, seeds=2, out=out, progress=False)


def _read(out):
    return pd.read_parquet(out) if out.suffix == ".parquet" else pd.read_csv(out)


def _copy_a_row(out):
    """Copies one row of ``out`` in place (a CSV line appended again, a Parquet part copied beside itself)."""
    if out.suffix == ".parquet":
        part = sorted(out.glob("part-*.parquet"))[0]
        shutil.copy(part, out / "part-copy.parquet")
    else:
        lines = out.read_text().splitlines(keepends=True)
        out.write_text("".join([*lines, lines[1]]))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_resumed_sweep_leaves_each_point_once_in_its_out(scenario, tmp_path, suffix):
    """Old: the resume returned the 4 points, but the out it finished (and put in order for pandas) kept the copy: 5
    lines of a CSV, and a Parquet part copied beside itself was merged into one part of 8 rows, every point twice;
    a mean or a sum over ``pandas.read_csv(out)`` counted them twice without a word."""
    out = tmp_path / f"r{suffix}"
    _sweep(scenario, out)
    before = _read(out)
    _copy_a_row(out)
    assert len(_read(out)) > len(before)  # the copy is there before the resume
    frame = _sweep(scenario, out)
    assert len(frame) == 4
    on_disk = _read(out)
    # The oracle: the grid's cross product with the seeds, each once (a point is its grid values and its seed).
    assert sorted(zip(on_disk["links.0.length_km"], on_disk["seed"])) == [(1, 0), (1, 1), (2, 0), (2, 1)]
    pd.testing.assert_frame_equal(on_disk.reset_index(drop=True), before.reset_index(drop=True))
