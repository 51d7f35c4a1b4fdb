"""QEC audit 22: one semantics of ``max_errors`` in an experiment file and in the API.

Old behaviour: ``max_errors = 0`` in an experiment TOML (``[sampling]`` or a ``[grid]`` axis) meant "no limit"
without a word, every point sampling all of ``max_shots``, while ``sample_logical_error(max_errors=0)`` and
``qnsim qec top-up --max-errors 0`` refused 0. Now the file refuses it too and says how to ask for no limit.
"""

from __future__ import annotations

import pytest

pytest.importorskip("stim")

from qnsim.qec.sweep import ExperimentSpec  # noqa: E402


def _spec(sampling=None, grid=None):
    return ExperimentSpec.from_dict({
        "experiment": {"kind": "memory"}, "grid": {"distance": [3], **(grid or {})},
        "sampling": {"max_shots": 5000, **(sampling or {})},
    })  # fmt: skip


def test_max_errors_zero_in_a_file_is_refused_with_the_way_to_no_limit():
    with pytest.raises(ValueError, match=r"max_errors = 0: .* leave max_errors out to sample max_shots shots"):
        _spec({"max_errors": 0})
    with pytest.raises(ValueError, match=r"max_errors = 0: "):
        _spec(grid={"max_errors": [0, 10]})
    with pytest.raises(ValueError, match=r"max_errors must be >= 1, got -1"):
        _spec({"max_errors": -1})


def test_max_errors_left_out_samples_every_shot_and_a_limit_stops_early():
    unlimited = _spec().point({"distance": 3, "p_int": 0.3, "p_bulk": 0.02}, seed=1)
    assert unlimited["shots"] == 5000
    limited = _spec({"max_errors": 1}).point({"distance": 3, "p_int": 0.3, "p_bulk": 0.02}, seed=1)
    assert 1 <= limited["errors"] and limited["shots"] < 5000  # stopped after a batch
