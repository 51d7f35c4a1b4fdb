"""Bad input, round 16: what landed after round 15 (compare_results, the measured rate's interval and window kept by
a calibration or a link supply, ...), fed wrong types, NaN, huge values and fields that disagree."""

from __future__ import annotations

import functools
import math

import pytest

import qnsim


@functools.cache
def _run(rate_hz: float = 1e3, seed: int = 1) -> qnsim.RequestResult:
    net = qnsim.Network("bell_diagonal", seed=seed)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=rate_hz, success_probability=0.1)
    net.request("a", "b")
    return net.run(until_s=0.05, progress=False).requests[0]


def test_compare_results_refuses_labels_that_are_not_texts() -> None:
    """Labels were read by str(): {1: r1, "1": r2} made a comparison of one row (r2 dropped without a word), a label
    of 10**5000 raised Python's printing limit, and a baseline of ["a"] raised 'unhashable type: list'."""
    slow, fast = _run(), _run(2e3)
    with pytest.raises(TypeError, match="label must be a string, got 1"):
        qnsim.compare_results({1: slow, "1": fast})
    with pytest.raises(TypeError, match="about 10\\*\\*5000"):
        qnsim.compare_results({10**5000: slow, "b": fast})
    with pytest.raises(TypeError, match=r"baseline must be a string, got \['a'\]"):
        qnsim.compare_results({"a": slow, "b": fast}, baseline=["a"])
    with pytest.raises(ValueError, match="line breaks"):
        qnsim.compare_results({"a\nb": slow, "b": fast})
    with pytest.raises(ValueError, match="non-empty"):
        qnsim.compare_results({"": slow, "b": fast})
    assert [row["label"] for row in qnsim.compare_results({"a": slow, "b": fast}).rows] == ["a", "b"]
