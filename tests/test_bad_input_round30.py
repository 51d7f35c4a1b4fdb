"""Bad input, round 30: the API fuzzer's open findings from round 29 (``tests/fuzz/api_fuzz.py``) and what its run
over the groups it had not reached found: each refusal now comes from the shared checks (``qnsim.argument_checks``)
and names the bad value, where the call raised OverflowError, AttributeError or NumPy's IndexError, or printed a
list of 10^5 hops in full."""

from __future__ import annotations

import math

import numpy as np
import pytest

import qnsim
import qnsim.hardware
import qnsim.purification
import qnsim.results
from qnsim import estimate, scenario, scenario_writer, seed_batch
from qnsim.argument_checks import counted
from qnsim.estimate import links
from qnsim.specs import did_you_mean


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


def _network() -> qnsim.Network:
    net = qnsim.Network(seed=1)
    net.add_node("a")
    net.add_node("b")
    return net


#: (call, the refusal) for every public function the fuzzer's run found reading a wrong object attribute by attribute
#: (AttributeError: "'int' object has no attribute 'gates'", "... 'now_s'", "... 'requests'", "... 'params'").
_WRONG_OBJECTS = [
    (lambda: qnsim.hardware.hardware_values(3), r"hardware must be a qnsim\.NodeHardware, got 3"),
    (lambda: qnsim.purification.plan_purification(None, []), r"spec must be a qnsim\.specs\.RequestSpec, got None"),
    (lambda: qnsim.purification.target_shortfall(3, [], {}), r"request must be a qnsim\.specs\.RequestInfo, got 3"),
    (lambda: scenario_writer.preset_value("x"), r"preset must be a qnsim\.HardwarePreset, got 'x'"),
    (lambda: scenario_writer.scenario_data(3, until_s=1.0), r"network must be a qnsim\.Network, got 3"),
    (lambda: scenario_writer.write_toml(None, until_s=1.0), r"network must be a qnsim\.Network, got None"),
    (lambda: scenario_writer.dumps_toml([1]), r"data must be a dict \(the scenario's tables\), got \[1\]"),
    (lambda: seed_batch.result_bytes(None), r"result must be a qnsim\.NetworkResult, got None"),
    (lambda: seed_batch.seed_groups([0.5]), r"points\[0\] must be a qnsim\.sweeps\.Point, got 0\.5"),
    (lambda: seed_batch.seed_groups("ab"), r"points must be a list of qnsim\.sweeps\.Point, got 'ab'"),
    (lambda: scenario.request_labels("ab"), r"requests must be a list of requests .*, got 'ab'"),
    (lambda: scenario.request_labels([0.5]), r"requests\[0\] must be a request .*, got 0\.5"),
    (lambda: did_you_mean("x", 3), r"options must be a collection of names \(strings\), got 3"),
]


@pytest.mark.parametrize("call, message", _WRONG_OBJECTS, ids=[m.split(" must")[0] for _, m in _WRONG_OBJECTS])
def test_an_object_of_the_wrong_kind_is_refused_by_name(call, message: str) -> None:
    """Each of these read its argument attribute by attribute and failed with AttributeError naming neither the
    argument nor what it must be; ``argument_checks.instance`` now refuses it with a TypeError that names both."""
    with pytest.raises(TypeError, match=message):
        call()


def test_the_right_objects_are_still_taken() -> None:
    """The checks take what the functions were written for (the doctests' cases)."""
    net = _network()
    assert qnsim.hardware.hardware_values(qnsim.nv_near_term().node)["t2_s"] == 1.0
    assert scenario_writer.preset_value(qnsim.nv_near_term()) == "nv_near_term"
    assert scenario_writer.scenario_data(net, until_s=1.0)["nodes"] == [{"name": "a"}, {"name": "b"}]
    assert seed_batch.result_bytes(net.result()) == 0
    assert did_you_mean("nestd", [2**64, "nested"]) == "; did you mean 'nested'?"  # a non-name option: no suggestion


def test_rate_text_refuses_a_rate_beyond_a_float_by_name() -> None:
    """``rate_text(10**400, ...)`` raised OverflowError from its NaN test (math.isnan of an int beyond a float)
    before the rate's own check could name it."""
    with pytest.raises(ValueError, match=r"rate_hz is beyond the range of a float .*10\*\*400"):
        qnsim.results.rate_text(10**400, None, 1, 1.0)
    assert qnsim.results.rate_text(math.nan, None, 1, 1.0) == "-"


@pytest.mark.parametrize(
    "text, start",
    [
        ("x" * 100_000, "unknown gate 'xxxxxxxxxx"),
        ("H " + "7x" * 50_000, "bad target '7x7x7x7x"),
    ],
    ids=["gate", "target"],
)
def test_the_circuit_parser_shows_a_long_token_by_its_start_and_size(text: str, start: str) -> None:
    """The native circuit parser echoed a 100,000-character gate name or target in full in its refusal (100,046
    characters of message); it now shows its first 60 characters and its size, as ``argument_checks.written`` does."""
    with pytest.raises(qnsim.QnsimError, match=r"\.\.\. \(100,000 characters\)") as info:
        estimate.count_circuit(text)
    assert str(info.value).startswith(start)
    assert len(str(info.value)) < 300


def test_a_long_circuit_path_is_shown_by_its_start_and_size() -> None:
    """``stream_circuit_file`` of a missing 2,010-character path echoed all of it in "cannot open circuit file '...'"
    (one too long for any file is refused before, by ``file_path``)."""
    path = ("y" * 200 + "/") * 10
    with pytest.raises(ValueError, match=r"cannot open circuit file 'y{60}\.\.\. \(2,010 characters\)'"):
        next(iter(estimate.stream_circuit_file(path)))
    with pytest.raises(ValueError, match=r"path is too long for a file path .*\(100,000 characters\)$"):
        next(iter(estimate.stream_circuit_file("x" * 100_000)))


def test_a_path_too_long_for_any_file_is_refused_in_a_short_message() -> None:
    """``load_scenario("x" * 100_000)`` raised OSError "File name too long" with the whole path in it (100,000
    characters): no file has such a path, so ``argument_checks.file_path`` refuses it, showing its start and size."""
    with pytest.raises(ValueError, match=r"path is too long for a file path .*\(100,000 characters\)$") as info:
        scenario.load_scenario("x" * 100_000)
    assert len(str(info.value)) < 300
    with pytest.raises(ValueError, match=r"path is too long for a file path"):
        scenario.load_scenario("d/" + "y" * 256 + ".toml")  # one name past 255 bytes
