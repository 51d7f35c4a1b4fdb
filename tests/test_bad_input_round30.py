"""Bad input, round 30: the API fuzzer's open findings from round 29 (``tests/fuzz/api_fuzz.py``) and what its run
over the groups it had not reached found: each refusal now comes from the shared checks (``qnsim.argument_checks``)
and names the bad value, where the call raised OverflowError, AttributeError or NumPy's IndexError, or printed a
list of 10^5 hops in full."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnsim import estimate
from qnsim.argument_checks import counted
from qnsim.estimate import links


def test_a_purification_plan_refuses_a_fidelity_beyond_a_float() -> None:
    """``PurificationPlan(fidelity=10**400)`` raised OverflowError from its Werner coefficients; a plan is public, so
    its fields are checked as arguments are (and a string fidelity or a NaN count was kept without a word)."""
    with pytest.raises(ValueError, match=r"fidelity is beyond the range of a float .*10\*\*400"):
        estimate.PurificationPlan(0, 10**400, 1.0, (), True)
    with pytest.raises(ValueError, match=r"raw_per_pair must be finite or \+inf, got nan"):
        estimate.PurificationPlan(0, 0.9, math.nan, (), True)
    with pytest.raises(ValueError, match=r"success_probabilities\[1\] must be a probability in \[0, 1\], got 2"):
        estimate.PurificationPlan(2, 0.9, 8.0, (0.5, 2), True)
    with pytest.raises(TypeError, match=r"feasible must be True or False, got 'yes'"):
        estimate.PurificationPlan(0, 0.9, 1.0, (), "yes")
    # The plans the estimator makes are unchanged, to the bit.
    plan = estimate.purification_plan(0.9, 0.99)
    assert (plan.rounds, plan.fidelity) == (3, estimate.purification_plan(0.9, 0.99).fidelity)


@pytest.mark.parametrize("call", ["ceiling", "plan"])
def test_a_storage_that_is_not_pair_storage_is_refused_by_name(call: str) -> None:
    """``purification_ceiling(storage=3)`` (and ``purification_plan``) failed inside the rounds with AttributeError
    ("'int' object has no attribute 'wait_factor'")."""
    with pytest.raises(TypeError, match=r"storage must be a qnsim\.estimate\.PairStorage .*got 3$"):
        if call == "ceiling":
            estimate.purification_ceiling(0.9, storage=3)
        else:
            estimate.purification_plan(0.9, 0.99, storage=3)


def test_many_relay_hops_are_checked_once_and_refused_in_a_short_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """``PairStorage(relay_hop_rates_hz=[...] * 10**6)`` checked each hop's period with its own call (past the
    fuzzer's 10 s alarm under load) and a mismatched interval printed every hop in its refusal; the slowest hop's
    period is checked (one call) and the hops are shown by their first entries and count."""
    calls = []
    real_rate = links.checked_rate
    monkeypatch.setattr(links, "checked_rate", lambda *a, **k: calls.append(a[0]) or real_rate(*a, **k))
    hops = [1e3] * 10**5
    with pytest.raises(ValueError, match=r"relay_hop_rates_hz \[1000\.0, .*, \.\.\.\] \(100,000 entries\)") as info:
        estimate.PairStorage(1.0, 1.0, 1e-3, relay_hop_rates_hz=hops)
    assert len(str(info.value)) < 400
    assert len(calls) == 1
    # The slowest hop is the one whose period is beyond a float, and it is named.
    with pytest.raises(ValueError, match=r"relay_hop_rates_hz\[2\] = 1e-320 Hz is too small"):
        estimate.PairStorage(1.0, 1.0, 1e-3, relay_hop_rates_hz=[1e3, 1e3, 1e-320])


def test_cut_weight_refuses_pairs_that_are_not_integer_indices() -> None:
    """``cut_weight`` with float (or 2-d) pair arrays failed with NumPy's IndexError "arrays used as indices must be
    of integer type", naming no argument; the pairs are now checked as every interaction graph is."""
    with pytest.raises(TypeError, match=r"pairs: pair_a must hold integer qubit indices, got dtype float64"):
        estimate.cut_weight([0, 1], np.array([0.0]), np.array([1]), np.array([1.0]))
    with pytest.raises(ValueError, match=r"pair_a must be a 1-d array .*got shape \(2, 2\)"):
        estimate.cut_weight([0, 1], np.eye(2), np.eye(2), np.eye(2))
    assert estimate.cut_weight([0, 0, 1], np.array([0, 1]), np.array([1, 2]), np.array([5.0, 2.0])) == 2.0


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, np.float64("inf")])
def test_counted_writes_a_count_that_is_not_finite(value: float) -> None:
    """``counted(inf)`` raised OverflowError ("cannot convert float infinity to integer"), and ``counted(nan)`` a
    ValueError about conversion, in place of the message that was counting them."""
    assert counted(value) == repr(float(value))
