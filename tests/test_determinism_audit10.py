"""Determinism audit, round 10: the QEC layer's fits. The threshold's weighted lines and the remote model's node lines
were numpy sums and averages (SIMD reductions chosen per CPU), their logs and exps and the threshold weights' power
(1 - 2P)^(1/r - 1) libm's, and the per-round rate libm's expm1 and log1p: each now goes through ``qnsim._numerics``
(the engine's portable exp and log, and ``weighted_line``, math.fsum in index order)."""

import ast
import math
import platform
import random
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from machine_dependent import LIBM_SPECIAL_AND_REDUCTIONS, outputs_with_simd_on_and_off
from machine_dependent import machine_dependent_calls as _machine_dependent_calls

from qnsim import _numerics
from qnsim.qec import channels, link, model, sampling, threshold

# Every fitted figure of the shipped remote model, a threshold with its bootstrap interval and misfits, and per-round
# rates, as hex floats (every bit shows).
_FIGURES = """
import numpy as np
from qnsim.qec import estimate_threshold, per_round
from qnsim.qec.model import load_remote_model

def show(*values):
    print(" ".join(float(v).hex() for v in np.ravel(np.asarray(values, dtype=float))))

m = load_remote_model()
for basis in ("Z", "X"):
    show(m.intercept[basis], m.slope[basis])
    show(m.bend[basis], m.bend_slope[basis], m.bend_cross[basis])
    show(m.bend_lines[basis])
    show(m.spread[basis])
    for cost in (m.gadget_cost, m.pairs_cost):
        if basis in cost:
            show(cost[basis])
    show(*(m.log_error_sd(basis, d, 2e-3, 0.04) for d in (3, 9)), m.error(basis, 5, 1e-3, 1e-4))
rows = []
for d in (3, 5, 7):
    for x in (0.004, 0.006, 0.008, 0.01, 0.012):
        rate = 0.03 * (x / 0.009) ** ((d + 1) / 2)
        rows.append({"p": x, "distance": d, "errors": int(20000 * rate) + d, "shots": 20000, "rounds": d})
t = estimate_threshold(rows, x_key="p", bootstrap=60, seed=4)
show(t.value, t.low, t.high, *[c for c in t.pairwise.values() if c is not None],
     *[v for pair in t.misfit.values() for v in pair])
show(*(per_round(P, r) for P in (1e-9, 0.013, 0.31) for r in (1, 7, 10**6)))
"""


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"), reason="OpenBLAS's x86-64 kernel names")
def test_qec_fits_are_the_same_bytes_with_numpys_simd_loops_on_or_off():
    """The remote model's fitted lines, bends, spreads and gadget costs, a threshold (value, bootstrap interval,
    pairwise crossings, misfits) and per-round rates, in a process with this CPU's SIMD loops and in one with numpy's
    baseline loops only (and another BLAS kernel), bit for bit. On this project's AVX2 machines they agreed before
    the change too: the bits that differ are an AVX-512 machine's (audit 8), which this test cannot reach here; the
    source check below is what fails on the old code."""
    outputs = outputs_with_simd_on_and_off(_FIGURES)
    lines = outputs[0].splitlines()
    assert len(lines) >= 8 and all(line.startswith(("0x", "-0x", "nan")) for line in lines)
    assert outputs[0] == outputs[1]


def test_the_fits_call_no_libm_or_simd_reduction():
    """Old behaviour: the threshold's and the remote model's fits called math.log / math.exp (24 places),
    np.sum / np.average (their weighted lines), and ``(1 - 2 * shot) ** (1 / r - 1)`` and ``(chi2 / k) ** (1 / 3)``
    (libm's pow); per_round called math.expm1 and math.log1p; the link's round timing and the memory channel
    math.exp, log, expm1 and log1p (17 calls). The modules' syntax trees now hold none of them but np.sum over a
    boolean mask (a count, exact: the threshold's percentiles) and the link's np.sum of probe sums and quadratures
    (numpy's add reduction keeps one pairwise order on every SIMD target: audit 8 runs those figures with SIMD on
    and off; np.mean is that sum over a count). libm's special functions are checked too (audit 11's list): the
    link's Poisson terms called math.lgamma, the threshold's misfit p-value math.erfc and the sampling summary's
    decimal place math.log10 (now _numerics.log_factorial, erfc and decade); the threshold's np.percentile (a sort
    and one interpolation, IEEE operations) and the link's math.hypot (CPython's own, not libm's) pass."""
    found = []
    for module in (model, threshold):
        source = Path(module.__file__).read_text()
        lines = source.splitlines()
        found += [f for f in _machine_dependent_calls(source, module.__name__, LIBM_SPECIAL_AND_REDUCTIONS)
                  if not (f.endswith("np.sum") and "values ==" in lines[int(f.split(":")[1].split()[0]) - 1])
                  and not f.endswith("np.percentile")]
    for module in (channels, link):  # the interface's channels and the link's round timing: libm's calls only
        source = Path(module.__file__).read_text()
        found += [f for f in _machine_dependent_calls(source, module.__name__, LIBM_SPECIAL_AND_REDUCTIONS)
                  if not f.endswith(("np.sum", "np.mean", "math.hypot"))]
    source = Path(sampling.__file__).read_text()
    found += [f for f in _machine_dependent_calls(source, "sampling", LIBM_SPECIAL_AND_REDUCTIONS)
              if not f.endswith(("np.sum", "np.mean"))]
    assert found == []


_points = st.lists(st.tuples(st.floats(-50, 50), st.floats(-1e3, 1e3), st.floats(0.01, 1e4)), min_size=2,
                   max_size=12)


@given(_points, st.randoms(use_true_random=False))
def test_weighted_sums_are_the_same_bits_in_any_order(points, rnd):
    """Each sum is math.fsum's, correctly rounded, so the points' order cannot move a bit (a left-to-right or
    pairwise numpy sum can): the means and centred sums of the shuffled points are those of the points."""
    shuffled = points[:]
    rnd.shuffle(shuffled)
    a = _numerics.weighted_sums(*zip(*points))
    b = _numerics.weighted_sums(*zip(*shuffled))
    assert [v.hex() for v in a] == [v.hex() for v in b]


@given(_points)
def test_weighted_line_is_the_exact_least_squares_line(points):
    """Against the weighted least-squares line in exact rational arithmetic (the normal equations solved in
    Fractions), to 1e-9 of the slope's and intercept's scale where the x values are not all nearly equal."""
    xs, ys, ws = (list(map(Fraction, v)) for v in zip(*points))
    sw = sum(ws)
    xm, ym = sum(w * x for w, x in zip(ws, xs)) / sw, sum(w * y for w, y in zip(ws, ys)) / sw
    sxx = sum(w * (x - xm) ** 2 for w, x in zip(ws, xs))
    spread = max(xs) - min(xs)
    if spread < 1e-3:
        return
    b = sum(w * (x - xm) * (y - ym) for w, x, y in zip(ws, xs, ys)) / sxx
    a = ym - b * xm
    got = _numerics.weighted_line(*zip(*points))
    assert got is not None
    scale = float(max(abs(y) for y in ys)) + 1.0
    assert math.isclose(got[1], float(b), rel_tol=1e-9, abs_tol=1e-9 * scale / float(spread))
    assert math.isclose(got[0], float(a), rel_tol=1e-9, abs_tol=1e-9 * scale * (1 + 50 / float(spread)))


def test_weighted_line_refuses_what_has_no_line():
    """No slope to read when every x is the same (None), and weights of no total or lists of different lengths
    are refused by value."""
    assert _numerics.weighted_line([2.0, 2.0], [1.0, 3.0], [1.0, 1.0]) is None
    with pytest.raises(ValueError, match="sum to more than 0, got 0.0"):
        _numerics.weighted_line([1.0, 2.0], [1.0, 3.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="same length, got 2, 3 and 2"):
        _numerics.weighted_line([1.0, 2.0], [1.0, 3.0, 4.0], [1.0, 1.0])


def test_threshold_weights_power_is_the_closed_form():
    """The threshold's weight of a point, 1 / var(log per-round rate) by the delta method, against the closed form
    evaluated in exact-enough arithmetic: slope (1 - 2P)^(1/r - 1) / r by Python's Fraction for the base and
    float pow (one rounding away) for the power; they agree to 1e-12."""
    rng = random.Random(10)
    for _ in range(50):
        n, r = rng.randint(100, 10**6), rng.randint(1, 30)
        e = rng.randint(1, int(0.39 * n))
        shot = e / n
        rate = sampling.per_round(shot, r)
        slope = (1 - 2 * shot) ** (1 / r - 1) / r
        want = 1.0 / ((slope / rate) ** 2 * shot * (1 - shot) / n)
        (got,) = threshold._weights({0.01: (e, n, r)}, [0.01])
        assert math.isclose(got, want, rel_tol=1e-12)


@given(st.floats(0.0, 0.4999), st.integers(1, 10**6))
def test_per_round_is_the_closed_form_to_a_few_ulps(shot, rounds):
    """The per-round rate (1 - (1 - 2P)^(1/r)) / 2 against the same in 400-digit decimal arithmetic (Python's
    Decimal ln and exp, an oracle independent of both libm and the engine): within 4 ulps (1e-15 relative), and
    the shot rate itself, bit for bit, at one round (the engine's log1p / expm1 round trip gave per_round(0.31, 1) =
    0.31000000000000005 before one round was the shot)."""
    from decimal import Decimal, localcontext

    got = sampling.per_round(shot, rounds)
    if rounds == 1:
        assert got == shot
    with localcontext() as ctx:
        ctx.prec = 400  # (1 - 2P with P down to 5e-324 needs some 340 digits to keep P)
        base = 1 - 2 * Decimal(shot)
        want = float((1 - (base.ln() / rounds).exp()) / 2) if base > 0 else 0.5
    assert math.isclose(got, want, rel_tol=1e-15, abs_tol=4 * 5e-324)  # (4 ulps of a subnormal too)
