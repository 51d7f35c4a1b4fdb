"""Sixth bad-input audit: every public entry point probed by classes of bad value (wrong type,
NaN/inf, negative, zero, huge, duplicates, empty, typos, inconsistent settings, damaged result
files). What this file tests is what the earlier rounds had not reached: the QEC experiment files,
the readers of a sweep's result files, and outputs written over inputs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import qnsim
from qnsim.qec.sweep import ExperimentSpec

# --- QEC experiment files: one reading of each setting ----------------------------------------------

_LINK_SCENARIO = """[run]
until_s = 0.01
seed = 1
[[nodes]]
name = "a"
gate2_error = 0.001
[[nodes]]
name = "b"
gate2_error = 0.001
[[links]]
a = "a"
b = "b"
length_km = 1.0
fidelity = 0.95
rate_hz = 1e4
[[requests]]
src = "a"
dst = "b"
"""


@pytest.mark.parametrize(
    ("link", "match"),
    [
        ({"request": 1.7}, r"\[link\]: request must be an integer, got 1.7"),
        ({"request": True}, r"\[link\]: request must be an integer, got True"),
        ({"probes": 2.9}, r"\[link\]: probes must be an integer, got 2.9"),
        ({"probes": "2"}, r"\[link\]: probes must be an integer, got '2'"),
        ({"seed": 1.5}, r"\[link\]: seed must be an integer, got 1.5"),
        ({"seed": -1}, r"\[link\]: seed must be >= 0, got -1"),
        ({"scenario": 3}, r"\[link\]: scenario must be a file path"),
    ],
)
def test_link_table_counts_are_read_not_truncated(tmp_path, link, match):
    """The [link] table's request, probes and seed went through int(): request = 1.7 measured request 1,
    request = true request 1, probes = 2.9 two probes, seed = "1" seed 1, all without a word; a
    scenario = 3 raised Python's "expected str, bytes or os.PathLike object, not int"."""
    (tmp_path / "s.toml").write_text(_LINK_SCENARIO)
    data = {"link": {"scenario": "s.toml", **link}, "experiment": {"scheme": "teleported"}}
    with pytest.raises((ValueError, TypeError), match=match):
        ExperimentSpec.from_dict(data, base=tmp_path)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"experiment": {"rate_multiplier": 5.0}}, "rate_multiplier = 5.0 sets the pairs of a \\[link\\]"),
        ({"experiment": {"cycle_time_s": -1.0}}, "cycle_time_s must be > 0 s, got -1.0"),
        ({"grid": {"cycle_time_s": [1e-6, 2e-6]}}, "cycle_time_s = 1e-06 sets the pairs of a \\[link\\]"),
        ({"experiment": {"rate_multiplier": math.nan}}, "rate_multiplier must be finite, got nan"),
    ],
)
def test_link_settings_without_a_link_are_refused(data, match):
    """Without a [link], cycle_time_s and rate_multiplier were accepted and ignored: any value, NaN and
    negative included, gave the same rows (a rate_multiplier axis was a sweep of identical points)."""
    with pytest.raises(ValueError, match=match):
        ExperimentSpec.from_dict(data)


def test_p_int_with_a_link_is_refused(tmp_path):
    """With a [link] the interface comes from the measured pairs, and p_int (fixed or a grid axis) was
    accepted and ignored: its rows differed only in the p_int column."""
    (tmp_path / "s.toml").write_text(_LINK_SCENARIO)
    data = {
        "link": {"scenario": "s.toml", "probes": 2},
        "experiment": {"scheme": "teleported"},
        "grid": {"p_int": [0.1, 0.2]},
    }
    with pytest.raises(ValueError, match=r"p_int = 0.1 is the interface error without a \[link\]"):
        ExperimentSpec.from_dict(data, base=tmp_path)


def test_a_setting_fixed_and_swept_is_refused():
    """distance = 3 in [experiment] and distance = [5, 7] in [grid]: the grid won without a word."""
    with pytest.raises(ValueError, match=r"distance is set in \[experiment\] \(3\) and in \[grid\] \(\[5, 7\]\)"):
        ExperimentSpec.from_dict({"experiment": {"distance": 3}, "grid": {"distance": [5, 7]}})


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"experiment": 3}, r"\[experiment\] must be a table of settings, got 3"),
        ({"grid": [1]}, r"\[grid\] must be a table of settings, got \[1\]"),
        ({"sampling": {"seeds": "3"}}, r"\[sampling\]: seeds must be a count or a list of ints, got '3'"),
        ({"sampling": {"seeds": 0}}, r"\[sampling\]: seeds must be >= 1"),
        ({"experiment": {"max_errors": -1}}, "max_errors must be >= 0, got -1"),
        ({"experiment": {"p_int": math.inf}}, "p_int must be finite, got inf"),
    ],
)
def test_experiment_tables_and_sampling_are_checked_when_read(data, match):
    """[experiment] = 3 said "'int' object is not iterable"; seeds = "3" or 0 passed the file and
    failed only when the sweep started (after a [link] had been simulated)."""
    with pytest.raises(ValueError, match=match):
        ExperimentSpec.from_dict(data)


def test_numpy_integers_are_settings_like_any_integer():
    """A grid of np.arange distances was refused ("distance must be int, got np.int64(3)"), unlike every
    other qnsim entry point; point parameters were not read at all (np.int64 rounds went into the row)."""
    spec = ExperimentSpec.from_dict({"grid": {"distance": list(np.arange(3, 6, 2))}, "sampling": {"max_shots": 50}})
    assert spec.grid["distance"] == [3, 5] and all(type(d) is int for d in spec.grid["distance"])
    row = spec.point({"distance": np.int64(3)}, seed=1)
    assert type(row["rounds"]) is int
    with pytest.raises(ValueError, match="distance must be an integer, got 3.0"):
        spec.point({"distance": 3.0}, seed=1)
    with pytest.raises(ValueError, match="unknown setting 'distnce'"):
        spec.point({"distnce": 3}, seed=1)
