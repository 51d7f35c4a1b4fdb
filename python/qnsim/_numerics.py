"""Arithmetic that stays right at the edges of the double range, shared by the closed forms.

A probability built as ``1 - (1 - p) ...`` keeps nothing of a p below 1e-16 (1 - 1e-17 is 1.0),
so a small error rate or dark-count probability vanished without a word; these forms keep it.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np

from qnsim import _core
from qnsim.argument_checks import is_real_number, not_a_real_hint, written

__all__ = ["ROUNDING_ULPS", "any_of", "decade", "erfc", "exp", "exp10", "exp2", "expm1", "in_unit_interval",
           "power_array", "log", "log1p", "log2", "log_factorial", "power", "tidy", "exp_array", "expm1_array",
           "log_array", "log1p_array", "mean", "sample_std", "weighted_line", "weighted_sums"]

# The engine's own exp, 10^x, expm1, log and log1p (cpp/core/portable_math.h), for the figures that become its
# parameters (a fiber's transmissivity, a detector's dark-count probability, a link's success probability): the
# same doubles on every CPU and C library. Python's math module calls the platform's libm, whose last bits differ
# between machines (glibc's FMA builds of exp and pow on CPUs that have FMA), and one differing parameter changes
# a whole run.
exp = _core.portable_exp
exp10 = _core.portable_exp10
expm1 = _core.portable_expm1
log = _core.portable_log
log1p = _core.portable_log1p


# The functions below are built from the engine's exp and log and IEEE-754 additions, multiplications and divisions
# alone (Python floats round every operation; CPython never fuses a * b + c), so they too are the same doubles on every
# CPU and C library. The estimator called libm's pow, log2, log10, erfc and lgamma (tests/test_determinism_audit11.py);
# glibc builds pow with FMA on CPUs that have it, and musl, macOS and Windows have libms of their own. Their accuracy,
# measured against 400-digit decimal arithmetic (tests/test_determinism_audit11.py), is stated on each.
_LN2 = float.fromhex("0x1.62e42fefa39efp-1")  # ln 2 correctly rounded
_HALF_LN_2PI = float.fromhex("0x1.d67f1c864beb5p-1")  # ln(2 pi) / 2 correctly rounded
_TWO_OVER_SQRT_PI = float.fromhex("0x1.20dd750429b6dp+0")  # 2 / sqrt(pi) correctly rounded
_ONE_OVER_SQRT_PI = float.fromhex("0x1.20dd750429b6dp-1")  # 1 / sqrt(pi) correctly rounded


def power(x: float, y: float) -> float:
    """x^y for ``x`` >= 0 (any units to a plain power ``y``), as exp(y ln x) from the engine's exp and log: the same
    double on every CPU. Not correctly rounded: within (2 |y ln x| + 3) ulps (the roundings of ln x and of its
    product with y, amplified by the exp), 1e-14 relative for |y ln x| up to 25; use ``x ** n`` for an integer
    constant n, which is products alone.

    Raises:
        ValueError: ``x`` is negative (a real power of it is not defined).

    Example:
        >>> power(4.0, 0.5), power(0.0, 0.5), power(0.0, 0.0)
        (2.0, 0.0, 1.0)
    """
    if x < 0:
        raise ValueError(f"power needs a base >= 0, got {x!r}")
    if x == 0:
        return 1.0 if y == 0 else (0.0 if y > 0 else math.inf)
    if y == 0 or x == 1:
        return 1.0
    return exp(y * log(x))


def exp2(y: float) -> float:
    """2^y (plain ``y``): the integer part of ``y`` is an exact power of two (ldexp) and only the fraction goes
    through the engine's exp, so the relative error is within 3 ulps for every ``y``; exact at integers.

    Example:
        >>> exp2(10.0), exp2(-1074.0), exp2(0.5) == exp(0.5 * _LN2)
        (1024.0, 5e-324, True)
    """
    if math.isnan(y):
        return y
    if y >= 1024:
        return math.inf
    if y < -1100:
        return 0.0
    whole = math.floor(y)
    return math.ldexp(exp((y - whole) * _LN2), int(whole))  # y - floor(y) is exact


def log2(x: float) -> float:
    """log_2 of ``x`` > 0 (plain): the power of two of ``x`` exactly and the rest by the engine's log of a mantissa
    in [1/sqrt 2, sqrt 2), within 2 ulps of the exact value; exact at powers of two. -inf at 0, nan below (as
    :func:`log`).

    Example:
        >>> log2(8.0), log2(0.125), log2(3.0) == 1 + log(0.75) / _LN2 + 1
        (3.0, -3.0, True)
    """
    if not (x > 0 and math.isfinite(x)):
        return log(x)
    mantissa, exponent = math.frexp(x)  # x = mantissa 2^exponent, mantissa in [1/2, 1)
    if mantissa < float.fromhex("0x1.6a09e667f3bcdp-1"):  # 1 / sqrt(2): keep the mantissa's log small
        mantissa, exponent = mantissa * 2.0, exponent - 1
    return exponent + log(mantissa) / _LN2


def decade(x: float) -> int:
    """floor(log10 |x|) of a finite nonzero ``x``, exactly (from the float's exact decimal value): libm's log10
    differs between machines in its last bits, and log(x) / ln 10 reads 1000 as 10^2.9999999999999996.

    Raises:
        ValueError: ``x`` is 0, infinite or NaN (it has no decade).

    Example:
        >>> decade(1000.0), decade(999.9999999999999), decade(-0.05), decade(5e-324)
        (3, 2, -2, -324)
    """
    if not (math.isfinite(x) and x != 0):
        raise ValueError(f"decade needs a finite nonzero number, got {x!r}")
    return Decimal(x).adjusted()


def power_array(x: Any, y: float) -> np.ndarray:
    """x^y of each value >= 0 of ``x`` (any shape) for a power ``y`` > 0, as exp(y ln x) from the engine's exp and
    log: the same doubles on every CPU (numpy's ``x ** y`` calls the platform's pow, or its SIMD loops). Each within
    (2 |y ln x| + 3) ulps (see :func:`power`), so within 3 ulps of 1 in absolute terms for every x in [0, 1]
    (where x^y is small, its error is small with it); 0 at 0.

    Raises:
        ValueError: ``y`` is not a number > 0, or a value of ``x`` is negative or NaN (the first named).

    Example:
        >>> power_array([0.0, 0.25, 1.0], 2.5).tolist()
        [0.0, 0.03125, 1.0]
    """
    if isinstance(y, bool) or not isinstance(y, (int, float, np.integer, np.floating)) or not y > 0:
        raise ValueError(f"power_array needs a power > 0, got {y!r}")
    base = np.asarray(x, dtype=float)
    bad = ~(base >= 0)
    if np.any(bad):
        raise ValueError(f"power_array needs bases >= 0, got {float(base[bad].flat[0])!r}")
    return exp_array(float(y) * log_array(base))


# ln(k!) for k below _STIRLING_FROM, each as the correctly rounded sum (math.fsum) of the engine's ln 2 .. ln k: the
# terms are positive and each within 1 ulp, so the sum is within 1.5 ulps.
_STIRLING_FROM = 256


def _log_factorial_table() -> tuple[float, ...]:
    logs = [log(float(i)) for i in range(2, _STIRLING_FROM)]
    return (0.0, 0.0) + tuple(math.fsum(logs[: k - 1]) for k in range(2, _STIRLING_FROM))


_LOG_FACTORIAL_TABLE = _log_factorial_table()


def log_factorial(n: int) -> float:
    """ln(n!) = lgamma(n + 1) of an integer ``n`` >= 0 (plain), the same double on every CPU (libm's lgamma is not):
    a table of sums of logs below 256, Stirling's series with three terms beyond (its truncation below 1e-20
    relative there). Within 3 ulps of the exact value (0 for n = 0 and 1); n beyond 2^53 is taken as its
    nearest float.

    Raises:
        ValueError: ``n`` is negative or not an integer.

    Example:
        >>> log_factorial(0), log_factorial(5) == log(120.0), round(log_factorial(10**6), 6)
        (0.0, True, 12815518.384658)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"log_factorial needs an integer >= 0, got {n!r}")
    if n < _STIRLING_FROM:
        return _LOG_FACTORIAL_TABLE[int(n)]
    x = float(n)
    ln_x = log(x)
    inv = 1.0 / x
    inv2 = inv * inv
    series = inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0)))
    # n ln n - n carries the value; fsum adds the parts with one rounding.
    return math.fsum((x * ln_x, -x, _HALF_LN_2PI, 0.5 * ln_x, series))


# erfc(c) and (2 / sqrt pi) e^(-c^2), correctly rounded, at the centres c of erfc's Taylor expansions (computed in
# 420-digit decimal arithmetic; tests/test_determinism_audit11.py checks them).
_ERFC_CENTRES = tuple((c, float.fromhex(at), float.fromhex(slope)) for c, at, slope in (
    (0.5, "0x1.eb02147ce245cp-2", "0x1.c1efca49a5011p-1"),
    (0.75, "0x1.27c6d14c5e341p-2", "0x1.492e42d78d2c5p-1"),
    (1.0, "0x1.4226162fbddd5p-3", "0x1.a911f096fbc26p-2"),
    (1.25, "0x1.3bcd133aa0ffcp-4", "0x1.e4652fadcb6b2p-3"),
    (1.5, "0x1.15aaa8ec85205p-5", "0x1.e723726b824a9p-4"),
    (1.75, "0x1.b4be201caa4b4p-7", "0x1.b055303221015p-5"),
    (2.0, "0x1.328f5ec350e67p-8", "0x1.529b9e8cf9a1ep-6"),
    (2.25, "0x1.7f713f9cc9784p-10", "0x1.d4143a9dfe965p-8"),
    (2.5, "0x1.aab859b20ac9ep-12", "0x1.1d83170fbf6fbp-9"),
))
_ERFC_SERIES_BELOW = 0.375  # erf's series, 1 - erf losing under 1.5 bits (erfc(0.375) = 0.6)
_ERFC_FRACTION_FROM = 2.5  # Laplace's continued fraction from here
_SERIES_STOP = math.ldexp(1.0, -64)  # a term below this share of the sum leaves it unchanged


def _erfc_taylor_coefficients(centre: float) -> tuple[float, ...]:
    """(-1)^(k-1) H_(k-1)(c) / k! for k = 1 .. 16, the physicists' Hermite polynomials H_0 = 1, H_1 = 2c,
    H_(k+1) = 2c H_k - 2k H_(k-1): 16 terms leave below 2^-64 of erfc for |h| <= 1/8 at every centre (the sum of
    the next 40 terms' magnitudes)."""
    coefficients, previous, hermite = [], 0.0, 1.0
    for k in range(1, 17):
        coefficients.append((hermite if k % 2 else -hermite) / math.factorial(k))
        previous, hermite = hermite, 2.0 * centre * hermite - 2.0 * (k - 1) * previous
    return tuple(coefficients)


_ERFC_TAYLOR = tuple((c, at, slope, _erfc_taylor_coefficients(c)) for c, at, slope in _ERFC_CENTRES)


def _exp_minus_square(x: float) -> float:
    """e^(-x^2) without the rounding of x^2 (1e-13 relative at x = 27): x splits into a 26-bit head, whose square is
    exact, and a tail."""
    head = math.ldexp(math.floor(math.ldexp(x, 20)), -20)  # |x| < 32: at most 25 bits
    tail = x - head
    return exp(-(head * head)) * exp(-(tail * (2.0 * head + tail)))


def erfc(x: float) -> float:
    """The complementary error function 1 - erf(x) = (2 / sqrt(pi)) int_x^inf e^(-t^2) dt of a plain ``x``, the same
    double on every CPU (libm's erfc is not): erf's Maclaurin series below 0.375, Taylor series about the nearest of
    0.5, 0.75, .. 2.5 up to 2.5 (the derivatives are Hermite polynomials times e^(-x^2)), Laplace's continued
    fraction beyond, and 2 - erfc(-x) for negative ``x``. Within 4 ulps of the exact value over the double range
    (of the subnormal spacing where it underflows; 0 beyond x = 27.3, 2 below -6). Some 1 to 4 us a call.

    Example:
        >>> erfc(0.0), erfc(-40.0), erfc(30.0), round(erfc(1.0), 15)
        (1.0, 2.0, 0.0, 0.157299207050285)
    """
    if math.isnan(x):
        return x
    if x < 0:
        return 2.0 - erfc(-x) if x > -6.0 else 2.0
    if x < _ERFC_SERIES_BELOW:
        # erf(x) = (2 / sqrt pi) sum_n (-1)^n x^(2n+1) / (n! (2n + 1)): alternating, its terms falling, so the rest
        # is below the last term added.
        x2 = x * x
        term, total = x, x
        for n in range(1, 20):
            term *= -x2 / n
            part = term / (2 * n + 1)
            total += part
            if abs(part) < _SERIES_STOP * total:
                break
        return 1.0 - _TWO_OVER_SQRT_PI * total
    if x < _ERFC_FRACTION_FROM:
        # erfc(c + h) = erfc(c) - (2 / sqrt pi) e^(-c^2) sum_k>=1 (-1)^(k-1) H_(k-1)(c) h^k / k!, by Horner.
        centre, at_centre, slope, coefficients = _ERFC_TAYLOR[min(int((x - 0.5) * 4.0 + 0.5), len(_ERFC_TAYLOR) - 1)]
        h = x - centre  # exact: x and the centre are within a factor of 2
        total = 0.0
        for a in reversed(coefficients):
            total = (total + a) * h
        return at_centre - slope * total
    if x > 27.3:
        return 0.0
    # erfc(x) = e^(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))), evaluated from its tail:
    # 16 + 300 / x^2 terms leave it the same double as 400 terms on a grid of 20,000 points over [2.5, 27.3].
    tail = 0.0
    for n in range(16 + int(300.0 / (x * x)), 0, -1):
        tail = (0.5 * n) / (x + tail)
    return _ONE_OVER_SQRT_PI * _exp_minus_square(x) / (x + tail)


# The same over arrays. numpy's exp, log, expm1 and log1p run AVX-512 loops (and Intel's SVML) on CPUs that have them,
# whose last bits differ from the baseline loops' (and from other CPUs'): a QEC link's round timing, computed with
# np.exp over a quadrature, moved in its last bits between an AVX-512 machine and the same machine with numpy's
# SIMD turned off (tests/test_determinism_audit8.py). These take any shape and give float arrays of that shape.
def exp_array(x: Any) -> np.ndarray:
    """e^x of each value of ``x`` (a number or an array of any shape): the engine's exp, the same doubles on every
    CPU.

    Example:
        >>> exp_array([0.0, 1.0]).tolist() == [1.0, exp(1.0)]
        True
    """
    return _core.portable_exp_array(np.asarray(x, dtype=float))


def expm1_array(x: Any) -> np.ndarray:
    """e^x - 1 of each value of ``x`` (any shape), the same doubles on every CPU (see :func:`exp_array`)."""
    return _core.portable_expm1_array(np.asarray(x, dtype=float))


def log_array(x: Any) -> np.ndarray:
    """ln x of each value of ``x`` (any shape; -inf at 0, nan below), the same doubles on every CPU (see
    :func:`exp_array`)."""
    return _core.portable_log_array(np.asarray(x, dtype=float))


def log1p_array(x: Any) -> np.ndarray:
    """ln(1 + x) of each value of ``x`` (any shape), the same doubles on every CPU (see :func:`exp_array`)."""
    return _core.portable_log1p_array(np.asarray(x, dtype=float))


#: How far (in ulps of 1, times the count summed) a probability computed from other rounded
#: probabilities may stray outside [0, 1] by rounding alone: a density-matrix pair of
#: F = 1 - 1e-16 had a Bell weight of -2.8e-17.
ROUNDING_ULPS = 64


def any_of(*probabilities: float) -> float:
    """Probability that at least one of independent events happens, 1 - prod(1 - p_i), as
    -expm1(sum log1p(-p_i)): exact to rounding for every p_i in [0, 1], however small.

    Example:
        >>> any_of(1e-17, 1e-17), 1 - (1 - 1e-17) * (1 - 1e-17)
        (2e-17, 0.0)
        >>> any_of(0.5, 1.0), any_of()
        (1.0, 0.0)
    """
    if any(p >= 1.0 for p in probabilities):
        return 1.0  # log1p(-1) is a domain error, not -inf, in Python
    return 0.0 - expm1(math.fsum(log1p(-p) for p in probabilities))  # 0.0 - : never -0.0


def _real_values(values: Any, who: str) -> list[float]:
    """``values`` (a list, tuple or array of any shape) as a flat list of floats, refused unless each is a real
    number (NaN and infinities are numbers; a bool, a string, None, ``pd.NA``, a complex number or a time is not).

    ``np.asarray(values, dtype=float)`` read "1.5" as 1.5, True as 1, None and ``pd.NA`` (a blank) as NaN, a time
    span in its own unit and a complex number by its real part (with a warning), and refused a set or a generator
    with "float() argument must be a string or a real number, not 'set'", naming nothing.
    """
    if not isinstance(values, (list, tuple, range, np.ndarray)):
        raise TypeError(f"{who}: values must be a list, tuple or array of real numbers, got {written(values):.80}")
    if not isinstance(values, np.ndarray):
        if all(type(v) is float for v in values):  # the common case, without a check per item
            return list(values)
        try:
            # Objects kept as given: numpy's own reading of [1.0, "x"] was two strings, naming "1.0" the bad one.
            values = np.asarray(values, dtype=object)
        except ValueError:  # rows of several lengths
            shown = f"{written(values):.80}"
            raise ValueError(f"{who}: values must be numbers or rows of one length, got {shown}") from None
    kind = values.dtype.kind
    if kind in "fiu":
        with np.errstate(over="ignore"):  # a long double past a float's range: refused below
            flat = values.astype(float).ravel()
        if kind == "f" and values.dtype.itemsize > 8:
            # A long double past a float's range became inf without a word.
            wide = np.flatnonzero(np.isinf(flat) & np.isfinite(values.ravel()))
            if wide.size:
                raise ValueError(f"{who}: values[{wide[0]}] is beyond the range of a float (1.8e308), got "
                                 f"{written(values.ravel()[wide[0]])}")  # fmt: skip
        return flat.tolist()
    items = values.ravel().tolist() if kind == "O" else values.ravel()
    for i, v in enumerate(items):
        if not is_real_number(v):
            # None and pd.NA by their type too: a blank cell, not a number.
            named = f" ({type(v).__name__})" if v is None or type(v).__name__ == "NAType" else ""
            shown = f"{written(v):.80}"
            raise TypeError(f"{who}: values[{i}] must be a real number{not_a_real_hint(v)}, got {shown}{named}")
    try:
        return [float(v) for v in items]
    except OverflowError:  # an int beyond a float's range: refused, not read as inf
        i = next(i for i, v in enumerate(items) if abs(v) > 2**1024)
        shown = written(items[i])
        raise ValueError(f"{who}: values[{i}] is beyond the range of a float (1.8e308), got {shown}") from None


def _fsum_mean(xs: list[float]) -> float:
    """The mean of floats from their correctly rounded sum; NaN and infinities as IEEE arithmetic has them."""
    if not all(map(math.isfinite, xs)):
        # fsum refuses inf + -inf ("-inf + inf in fsum"); the plain sum is NaN there, inf or NaN elsewhere as fsum's.
        return sum(xs) / len(xs)
    try:
        return math.fsum(xs) / len(xs)
    except OverflowError:
        # A sum past 1.8e308 (two values of 1e308) whose mean is a float: summed at 2^-k, exact for numbers above
        # 2^-1022 * 2^k (what a smaller one loses is far below the sum's last bit), and scaled back.
        k = len(xs).bit_length()
        return math.ldexp(math.fsum(math.ldexp(x, -k) for x in xs) / len(xs), k)


def mean(values: Any) -> float:
    """The mean of ``values`` (real numbers in any units: a list, tuple or array of any shape, not empty) from their
    correctly rounded sum (``math.fsum``), in their units: the same double on every CPU. numpy's mean sums in blocks
    whose order its SIMD loops choose, so a run's mean fidelity could differ in its last bits between machines.

    A NaN among them makes the mean NaN, and infinities count as in IEEE arithmetic (inf and -inf: NaN). A sum past
    a float's range is summed scaled down, so the mean of two values of 1e308 is 1e308.

    Raises:
        TypeError: ``values`` is no list, tuple or array (a set, a generator, a scalar), or holds what is no real
            number (a bool, text, None or ``pd.NA``, a complex number, a time); the message names its index.
        ValueError: No values, rows of several lengths, or a number beyond a float's range.

    Example:
        >>> mean([1e16, 1.0, -1e16]), float(np.mean([1e16, 1.0, -1e16]))
        (0.3333333333333333, 0.0)
    """
    xs = _real_values(values, "mean")
    if not xs:
        raise ValueError("mean of no values")
    return _fsum_mean(xs)


def sample_std(values: Any) -> float:
    """The sample standard deviation (n - 1 in the denominator) of ``values`` (at least two real numbers, any shape),
    in their units: the squared deviations from :func:`mean` summed by ``math.fsum``, so the same double on every CPU
    (numpy's std sums in a SIMD-chosen order).

    The values are scaled by a power of two that brings the largest to [0.5, 1) first (exact: the result is the same
    double wherever no square leaves a float's range), so values near 1e200 or 1e-200, whose squares overflow to inf
    or underflow to 0, have their spread (it read inf and 0.0). NaN or an infinity among them makes it NaN; a spread
    beyond a float's range (of -1.8e308 and 1.8e308) is inf.

    Raises:
        TypeError, ValueError: As for :func:`mean`; ValueError for fewer than two values too.

    Example:
        >>> sample_std([1.0, 2.0, 3.0, 4.0]) == float(np.std([1.0, 2.0, 3.0, 4.0], ddof=1))
        True
        >>> sample_std([1e200, 3e200]), sample_std([1e-200, 3e-200])
        (1.414213562373095e+200, 1.414213562373095e-200)
    """
    xs = _real_values(values, "sample_std")
    if len(xs) < 2:
        raise ValueError(f"a sample standard deviation needs two values or more, got {len(xs)}")
    if not all(map(math.isfinite, xs)):
        return math.nan
    scale = math.frexp(max(map(abs, xs)))[1]
    xs = [math.ldexp(x, -scale) for x in xs]
    centre = math.fsum(xs) / len(xs)
    spread = math.sqrt(math.fsum((x - centre) * (x - centre) for x in xs) / (len(xs) - 1))
    try:
        return math.ldexp(spread, scale)
    except OverflowError:  # a spread past a float's range (-1.8e308 and 1.8e308: 2.5e308), as IEEE rounds it
        return math.inf


def tidy(x: float) -> float:
    """``x`` to 15 significant digits: (1 - 0.97) / 3 reads 0.01, not 0.010000000000000009.

    Relative, not ``round(x, 15)``: fifteen decimal places kept nothing of an error weight below 5e-16 and
    moved one of 1.4e-15 to 1e-15 (a Werner pair of infidelity 1e-15 had the Pauli weights (0, 0, 0)).

    Example:
        >>> tidy((1 - 0.97) / 3), tidy(1e-15 / 3)
        (0.01, 3.33333333333333e-16)
    """
    return float(f"{x:.15g}")


def in_unit_interval(values: Any, count: int = 1) -> tuple[Any, float | None]:
    """``values`` (probabilities, or sums of ``count`` of them) clipped to [0, count] where they
    stray by rounding alone, and the first value that strays by more (NaN and inf included), or
    None. Callers refuse that value in their own words.

    Example:
        >>> in_unit_interval([-1e-17, 0.5, 1.0000000000000002])
        (array([0. , 0.5, 1. ]), None)
        >>> in_unit_interval(1.00002)[1]
        1.00002
    """
    v = np.asarray(values, dtype=float)
    slack = ROUNDING_ULPS * np.finfo(float).eps * max(count, 1)
    bad = ~np.isfinite(v) | (v < -slack) | (v > count + slack)
    clipped = np.clip(v, 0.0, float(count))
    first = float(v[bad].flat[0]) if np.any(bad) else None
    return (float(clipped) if not v.ndim else clipped), first


# Weighted least squares of the QEC fits (a threshold's lines, the remote model's node lines) summed by math.fsum in
# index order: numpy's sum and average reduce with SIMD kernels whose grouping, and so whose last bits, may change with
# the CPU, and np.polyfit / lstsq run on the CPU's BLAS. fsum is correctly rounded, so these are the same doubles on
# every machine (tests/test_determinism_audit10.py).
def weighted_sums(x: Any, y: Any, w: Any) -> tuple[float, float, float, float]:
    """Weighted means and centred sums of points ``(x_i, y_i)`` of weights ``w_i`` (any units; weights >= 0, not all
    0): ``(x_mean, y_mean, S_xy, S_xx)`` with ``x_mean = sum w x / sum w`` and
    ``S_xy = sum w (x - x_mean) (y - y_mean)``, each sum correctly rounded (the same doubles on every CPU).

    Example:
        >>> weighted_sums([0.0, 1.0], [1.0, 3.0], [1.0, 1.0])
        (0.5, 2.0, 1.0, 0.5)
    """
    xs, ys, ws = ([float(v) for v in np.ravel(np.asarray(a, dtype=float))] for a in (x, y, w))
    if not len(xs) == len(ys) == len(ws):
        raise ValueError(f"x, y and w must have the same length, got {len(xs)}, {len(ys)} and {len(ws)}")
    total = math.fsum(ws)
    if not total > 0:
        raise ValueError(f"the weights must sum to more than 0, got {total!r}")
    xm = math.fsum(wi * xi for wi, xi in zip(ws, xs)) / total
    ym = math.fsum(wi * yi for wi, yi in zip(ws, ys)) / total
    s_xy = math.fsum(wi * (xi - xm) * (yi - ym) for wi, xi, yi in zip(ws, xs, ys))
    s_xx = math.fsum(wi * (xi - xm) ** 2 for wi, xi in zip(ws, xs))
    return xm, ym, s_xy, s_xx


def weighted_line(x: Any, y: Any, w: Any) -> tuple[float, float] | None:
    """The weighted least-squares line ``y = a + b x`` through points ``(x_i, y_i)`` of weights ``w_i`` (units of
    y, and of y per unit of x): ``(a, b)``, or None when the x values of positive weight do not differ (no slope to
    read). Summed as :func:`weighted_sums` (the same doubles on every CPU).

    Example:
        >>> weighted_line([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], [1.0, 2.0, 1.0])
        (1.0, 2.0)
    """
    xm, ym, s_xy, s_xx = weighted_sums(x, y, w)
    if s_xx == 0:
        return None
    b = s_xy / s_xx
    return ym - b * xm, b
