"""The shared statistical assertions fail when they should, with a message that says why."""

import doctest

import pytest
import stats
from hypothesis import settings
from stats import assert_binomial, assert_normal


def test_binomial_accepts_within_and_rejects_beyond_the_band():
    # n = 10000, p = 0.3: sigma = 0.00458, so 5 sigma is 229 successes either side of 3000.
    assert_binomial(3000 + 228, 10000, 0.3)
    assert_binomial(3000 - 228, 10000, 0.3)
    with pytest.raises(AssertionError, match=r"purification: 3230/10000 = 0\.323, expected 0\.3 within 5 sigma"):
        assert_binomial(3230, 10000, 0.3, what="purification")
    with pytest.raises(AssertionError, match="off by 3.1 sigma"):
        assert_binomial(3140, 10000, 0.3, sigmas=3)


def test_binomial_edge_cases_are_exact_or_refused():
    assert_binomial(0, 50, 0.0)
    assert_binomial(50, 50, 1.0)
    with pytest.raises(AssertionError, match="expected exactly"):
        assert_binomial(1, 50, 0.0)
    with pytest.raises(AssertionError, match="no trials"):
        assert_binomial(0, 0, 0.5)
    with pytest.raises(ValueError, match="outside"):
        assert_binomial(1, 2, 1.5)


def test_normal():
    assert_normal(1.04, 1.0, sigma=0.01)
    with pytest.raises(AssertionError, match=r"mean: 1\.06, expected 1 within 5 sigma \(sigma = 0\.01\); off by 6\.0"):
        assert_normal(1.06, 1.0, sigma=0.01, what="mean")
    with pytest.raises(ValueError, match="sigma"):
        assert_normal(1.0, 1.0, sigma=-1)


def test_docstring_examples():
    assert doctest.testmod(stats).failed == 0


def test_hypothesis_has_no_deadline_in_any_profile():
    # The 200 ms default fails slow examples on a loaded machine; conftest.py turns it off.
    assert settings.default.deadline is None
    assert settings.get_profile("ci").deadline is None
