"""QEC audit, round 23: oracles for the distributed experiments' logical error rates (Stim and PyMatching run here,
not through qnsim), for the threshold fit (numpy's weighted polyfit) and for bad input to the QEC API and the
``qnsim qec`` command line (each refusal names the value). The remote model's queries took any distance, bulk error
and seam error rate (an even distance, p = 2, q = -0.1 read off its lines without a word): now refused by value."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qnsim import cli, qec
from qnsim.qec import threshold
from qnsim.qec.model import load_remote_model

stim = pytest.importorskip("stim")
pymatching = pytest.importorskip("pymatching")


def _direct_errors(circuit, shots: int, seed: int) -> int:
    """Shots whose observables PyMatching gets wrong (any of them), sampled and decoded with Stim and PyMatching
    directly: the detector error model decomposed, as sinter builds it."""
    dem = circuit.detector_error_model(decompose_errors=True, approximate_disjoint_errors=True)
    matching = pymatching.Matching.from_detector_error_model(dem)
    detections, observables = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)
    predicted = matching.decode_batch(detections)
    return int(np.any(predicted != observables, axis=1).sum())


@pytest.mark.parametrize("experiment, basis", [("memory", "Z"), ("memory", "X"), ("merge", "Z"), ("merge", "X")])
def test_distributed_logical_error_rates_match_stim_and_pymatching_run_directly(experiment, basis):
    """A d = 3 memory split by a seam of teleported CNOTs through Werner pairs (infidelity 0.05), and the remote
    merge, with bulk depolarizing noise 4e-3: qnsim's sampled count against Stim's sampler and PyMatching's decoder
    run here on other seeds (a two-sample test, within 5 standard errors). The merge's X basis has three
    observables: a shot fails when any is wrong, in both counts."""
    build = qec.memory_circuit if experiment == "memory" else qec.merge_circuit
    circuit = build(3, 3, basis, noise=qec.NoiseModel.uniform_depolarizing(4e-3), interface=qec.Interface.werner(0.05))
    shots = 20000
    ours = qec.sample_logical_error(circuit, max_shots=shots, seed=23)
    theirs = _direct_errors(circuit, shots, seed=1023)
    assert ours.shots == shots
    p1, p2 = ours.errors / shots, theirs / shots
    pooled = (ours.errors + theirs) / (2 * shots)
    assert pooled > 0.005  # the test has errors to compare
    assert abs(p1 - p2) <= 5 * math.sqrt(2 * pooled * (1 - pooled) / shots)


def test_the_seam_costs_what_its_pairs_add():
    """The same memory with no seam, with perfect pairs and with Werner pairs of infidelity 0.2, sampled directly:
    worse pairs fail more (by many standard errors), and perfect pairs cost no more than the gadget's own local
    noise over no seam (at most twice)."""
    noise = qec.NoiseModel.uniform_depolarizing(3e-3)
    shots = 20000
    none = _direct_errors(qec.memory_circuit(3, 3, noise=noise), shots, seed=1)
    perfect = _direct_errors(qec.memory_circuit(3, 3, noise=noise, interface=qec.Interface.werner(0.0)), shots, 2)
    bad = _direct_errors(qec.memory_circuit(3, 3, noise=noise, interface=qec.Interface.werner(0.2)), shots, 3)
    assert none > 20 and perfect <= 2 * none + 5 * math.sqrt(none)
    assert bad > perfect + 6 * math.sqrt(bad + perfect)


def _polyfit_crossing(x, p_small, p_large, w_small, w_large):
    """The crossing of weighted lines of log p on log x, by numpy's polyfit (which weights residuals by w, so the
    square roots of the inverse variances), in the threshold module's rules: None unless the larger code's line is
    steeper and the crossing lies within the grid's 10% margins."""
    t = np.log(np.asarray(x))
    b1, a1 = np.polyfit(t, np.log(p_small), 1, w=np.sqrt(w_small))
    b2, a2 = np.polyfit(t, np.log(p_large), 1, w=np.sqrt(w_large))
    if b2 <= b1:
        return None
    tc = (a1 - a2) / (b2 - b1)
    if tc < t.min() - math.log(1.1) or tc > t.max() + math.log(1.1):
        return None
    return math.exp(tc)


@given(st.floats(0.004, 0.015), st.lists(st.floats(-0.3, 0.3), min_size=10, max_size=10),
       st.lists(st.floats(0.5, 50.0), min_size=10, max_size=10))
def test_fitted_crossing_is_numpys_weighted_polyfit(x_th, noise, weights):
    """Power laws p_d = 0.01 (x / x_th)^((d + 1) / 2) with scatter (rates up to 0.37, a logical error rate being at
    most 1), on a grid of five x: the threshold module's
    crossing of d = 3 and 5 against the crossing of numpy's weighted polyfit lines (relative 1e-8; points near the
    10% margins, where rounding decides the side, are skipped)."""
    x = np.array([0.004, 0.006, 0.008, 0.01, 0.012])
    p3 = 0.01 * (x / x_th) ** 2 * np.exp(noise[:5])
    p5 = 0.01 * (x / x_th) ** 3 * np.exp(noise[5:])
    want = _polyfit_crossing(x, p3, p5, weights[:5], weights[5:])
    got = threshold.fitted_crossing(x, p3, p5, weights[:5], weights[5:])
    if want is not None and not (0.004 / 1.1 * 1.0001 < want < 0.012 * 1.1 / 1.0001):
        return
    if want is None:
        assert got is None or not (0.004 / 1.1 * 1.0001 < got < 0.012 * 1.1 / 1.0001)
    else:
        assert got == pytest.approx(want, rel=1e-8)


def test_estimate_threshold_is_the_delta_method_fit_written_with_numpy():
    """A threshold from count rows, against the fit written here: per-round rates 1/2 (1 - (1 - 2P)^(1/r)), weights
    1 / var(ln rate) by the delta method (var P = P (1 - P) / n), numpy's polyfit of ln rate on ln x for the two
    largest distances, and the crossing of the lines (relative 1e-9)."""
    xs = [0.005, 0.007, 0.009, 0.011, 0.013]
    rows, rates, weights = [], {}, {}
    for d in (3, 5, 7):
        for x in xs:
            n = 50000
            e = int(n * min(0.3, 0.05 * (x / 0.01) ** ((d + 1) / 2))) + 3 * d
            rows.append({"p": x, "distance": d, "errors": e, "shots": n, "rounds": d})
            shot = e / n
            rate = (1 - (1 - 2 * shot) ** (1 / d)) / 2
            slope = (1 - 2 * shot) ** (1 / d - 1) / d
            rates.setdefault(d, []).append(rate)
            weights.setdefault(d, []).append(1 / ((slope / rate) ** 2 * shot * (1 - shot) / n))
    got = qec.estimate_threshold(rows, x_key="p", bootstrap=0)
    want = _polyfit_crossing(xs, rates[5], rates[7], weights[5], weights[7])
    assert want is not None and got.distances == (5, 7)
    assert got.value == pytest.approx(want, rel=1e-9)
    pair = _polyfit_crossing(xs, rates[3], rates[5], weights[3], weights[5])
    assert (got.pairwise[(3, 5)] is None) if pair is None else got.pairwise[(3, 5)] == pytest.approx(pair, rel=1e-9)


_MODEL_QUERIES = ["log_error", "error", "log_error_sd", "log_single_qpu_error", "bend_weight"]


@pytest.mark.parametrize("method", _MODEL_QUERIES)
@pytest.mark.parametrize("change, message", [
    ({"distance": 4}, "distance must be an odd int >= 1, got 4"),
    ({"distance": 5.0}, "distance must be an odd int >= 1, got 5.0"),
    ({"distance": True}, "distance must be an odd int >= 1, got True"),
    ({"p": 2.0}, "p must be a probability in [0, 1], got 2.0"),
    ({"p": -1e-3}, "p must be a probability in [0, 1], got -0.001"),
    ({"p": math.nan}, "p must be finite, got nan"),
    ({"q": -0.1}, "q must be a probability in [0, 1], got -0.1"),
    ({"q": math.inf}, "q must be finite, got inf"),
    ({"basis": "Y"}, "basis must be 'Z' or 'X', got 'Y'"),
])
def test_remote_model_queries_refuse_bad_points_by_value(method, change, message):
    """Old behaviour: ``RemoteModel.error("Z", 4, 1e-3, 0.01)``, ``p = 2``, ``q = -0.1`` and ``p = nan`` returned
    rates read off the fitted lines (an even distance between the odd ones, a probability of 2 clamped to the
    grid), and basis "Y" raised a bare KeyError. Each query refuses them now, naming the value (the single-QPU
    query has no q, the bend weight no distance: those cases are skipped for them)."""
    if (method == "log_single_qpu_error" and "q" in change) or (method == "bend_weight" and "distance" in change):
        return
    point = {"basis": "Z", "distance": 5, "p": 1e-3, "q": 0.01, **change}
    model = load_remote_model()
    args = {"log_single_qpu_error": ["basis", "distance", "p"], "bend_weight": ["basis", "p", "q"]}.get(
        method, ["basis", "distance", "p", "q"])
    args = [point[name] for name in args]
    with pytest.raises(ValueError) as raised:
        getattr(model, method)(*args)
    assert str(raised.value) == message


def test_remote_model_queries_take_numpy_numbers_as_python_ones():
    """A numpy integer distance and numpy float rates (the slow path of the check) give the very bits of plain
    Python ones."""
    model = load_remote_model()
    for method in ("log_error", "error", "log_error_sd"):
        plain = getattr(model, method)("X", 7, 1.5e-3, 0.02)
        assert getattr(model, method)("X", np.int64(7), np.float64(1.5e-3), np.float64(0.02)) == plain


@pytest.mark.parametrize("call, message", [
    (lambda: qec.memory_circuit(4), "distance must be an odd int >= 3, got 4"),
    (lambda: qec.memory_circuit(3.0), "distance must be an odd int >= 3, got 3.0"),
    (lambda: qec.merge_circuit(1), "distance must be an odd int >= 3, got 1"),
    (lambda: qec.memory_circuit(3, 0), "rounds must be an int >= 1, got 0"),
    (lambda: qec.merge_circuit(3, 2.5), "rounds must be an int >= 1, got 2.5"),
    (lambda: qec.memory_circuit(3, basis="Y"), "basis must be 'X' or 'Z', got 'Y'"),
    (lambda: qec.NoiseModel.uniform_depolarizing(1.5), "p must be a probability in [0, 1], got 1.5"),
    (lambda: qec.NoiseModel.uniform_depolarizing(math.nan), "p must be finite, got nan"),
    (lambda: qec.Interface.werner(-0.1), "infidelity must be a probability in [0, 1], got -0.1"),
    (lambda: qec.per_round(0.1, 0), "rounds"),
    (lambda: qec.per_round(1.5, 3), "1.5"),
    (lambda: qec.estimate_threshold([], x_key="p", bootstrap=-1), "bootstrap must be in [0, 100000], got -1"),
    (lambda: qec.estimate_threshold([], x_key="p", bootstrap=2.5), "bootstrap must be an integer, got 2.5"),
    (lambda: qec.estimate_threshold([], x_key="p", method="bad"), "method must be 'fit' or 'interpolate', got 'bad'"),
])
def test_the_qec_api_refuses_bad_input_by_value(call, message):
    """Distances, rounds, bases, noise and threshold settings outside their ranges or not integral: a ValueError (a
    qnsim.QnsimError is one) whose message names the value."""
    with pytest.raises(ValueError) as raised:
        call()
    assert message in str(raised.value)


@pytest.mark.parametrize("argv, message", [
    (["--distance", "4"], "--distance 4: distance must be an odd int >= 3, got 4"),
    (["--distance", "3.5"], "argument --distance: invalid int value: '3.5'"),
    (["--rounds", "0"], "--rounds 0: rounds must be an int >= 1, got 0"),
    (["--rounds", "2.5"], "argument --rounds: invalid int value: '2.5'"),
    (["--p-bulk", "1.5"], "--p-bulk 1.5: p must be a probability in [0, 1], got 1.5"),
    (["--p-bulk", "nan"], "--p-bulk nan: p must be finite, got nan"),
    (["--p-int", "-0.1"], "--p-int -0.1: p_int must be a probability in [0, 1], got -0.1"),
    (["--rounds", "10000000000"], "--rounds 10000000000: distance 3 with rounds=10000000000 makes a circuit"),
])
def test_qnsim_qec_circuit_refuses_bad_input_by_value(argv, message, capsys, tmp_path):
    """``qnsim qec circuit`` with a bad distance, rounds or noise: exit status 2 and the option and its value in the
    message, no circuit written."""
    out = tmp_path / "c.stim"
    try:
        code = cli.main(["qec", "circuit", *argv, "--out", str(out)])
    except SystemExit as stopped:  # (argparse's own refusals exit)
        code = stopped.code
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
