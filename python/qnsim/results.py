"""Results of a network run: delivered pairs per request and their summary statistics.

:meth:`qnsim.Network.run` returns a :class:`NetworkResult`. Times are SI seconds.

>>> import qnsim
>>> net = qnsim.Network(seed=1)
>>> _ = net.add_node("a"); _ = net.add_node("b")
>>> _ = net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e3)
>>> _ = net.request("a", "b", num_pairs=5)
>>> result = net.run(until_s=1.0)
>>> result.requests[0].num_pairs, round(result.requests[0].mean_fidelity, 6)
(5, 0.9)
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qnsim import _core, _numerics
from qnsim._numerics import in_unit_interval
from qnsim._options import option_name
from qnsim.argument_checks import MAX_JSON_INDENT, flag, integer, is_integer, json_indent, written  # noqa: F401 - re-exported
from qnsim.specs import seconds_to_ps

__all__ = ["NetworkResult", "RequestResult", "rate_text", "t_quantile_975"]

# Two-sided 95% Student-t quantiles t_{0.975, df} for df = 1..30.
_T975 = (
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
    2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
    2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
)  # fmt: skip


def t_quantile_975(df: int) -> float:
    """The 0.975 quantile of Student's t distribution with ``df`` degrees of freedom.

    Tabulated for df <= 30; above, the Cornish-Fisher expansion around the normal quantile
    1.959964 (error below 1e-4), so no SciPy is needed.

    Args:
        df: Degrees of freedom, >= 1.

    Example:
        >>> t_quantile_975(1), round(t_quantile_975(1000), 3)
        (12.7062, 1.962)
    """
    # Past 10**15 the expansion's terms are below a double's resolution of z: the same value, and
    # no OverflowError for 10**400 (read before integer()'s 64-bit range, which would refuse it).
    if is_integer(df) and df > 10**15:  # type: ignore[operator]
        df = 10**15
    df = integer("degrees of freedom", df, minimum=1)  # 2.5 indexed a tuple
    if df <= len(_T975):
        return _T975[df - 1]
    z = _Z975
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


#: Below this many pairs delivered in a window the run's end cut short, a request's rate says how
#: uncertain it is (its 95% interval is then wider than about +-20%).
FEW_PAIRS_FOR_RATE = 100

#: What a printed rate and its interval are, said under every table that shows them.
RATE_LEGEND = (
    "rate: pairs / window (the request's start to its end or the run's); rate 95%: the Poisson interval of the "
    "count (of the last arrival's time for a request served by its last pair); exact: deliveries on a fixed "
    "schedule, no sampling noise (the window's edges may cut a delivery period: 5 pairs in 5.5 ms of a 1 kHz link); "
    "a Python protocol's deliveries are read as random unless its class sets random_choices = False; not measured: "
    "a request never admitted made no attempt, so it has no rate and no interval (its notes say why)"
)

#: The 95% interval of a rate that was not measured (:attr:`RequestResult.rate_interval95` of a request never
#: admitted): NaN bounds, neither a Poisson interval nor None (a fixed schedule's exact rate).
RATE_NOT_MEASURED = (math.nan, math.nan)


def rate_not_measured(interval: object) -> bool:
    """Whether a rate's 95% interval is :data:`RATE_NOT_MEASURED` (both bounds NaN): the request made no attempt
    in its window, so the rate of 0 it shows is no measurement of its path.

    Example:
        >>> rate_not_measured(RATE_NOT_MEASURED), rate_not_measured(None), rate_not_measured((0.0, 36.9))
        (True, False, False)
    """
    if not isinstance(interval, (tuple, list)) or len(interval) != 2:
        return False
    return all(isinstance(v, (float, np.floating)) and v != v for v in interval)


#: From this many pairs, a first delivery later than a tenth of the window gets a note with the rate after it
#: (fewer pairs: the rate's interval note speaks for them, and one Poisson wait is a large share of a short window).
FEW_PAIRS_FOR_LEAD = 10

#: A first delivery is late only if a supply arriving at random at the window's rate would bring one sooner 19 times
#: in 20: a lead of more than ln(20) (about 3) mean gaps. A direct link's first pair is one Poisson wait: with 15
#: pairs in the window, a tenth of it alone was passed in 18% of runs (the note then blamed a start-up there is not).
LATE_FIRST_DELIVERY_GAPS = _numerics.log(20.0)

#: Above this shape the gamma quantiles behind the rate intervals come from the Wilson-Hilferty
#: cube-root approximation (relative error below 1e-4 there) instead of bisection on the Poisson sum.
_EXACT_GAMMA_SHAPE = 200

#: Standard normal quantiles of 0.025 and 0.975.
_Z975 = 1.959963984540054


#: The serial correlation of at most this many values is summed lag by lag; a longer series is read as this many
#: block means (batch means), whose own correlation the same sum then takes.
_SERIAL_BLOCKS = 1024


def _serial_variance_factor(values: Sequence[float] | np.ndarray) -> float:
    """How much a series' serial correlation widens the variance of its mean: ``n Var(mean) / Var(value)``, >= 1.

    Pairs delivered one after another share their causes (a repeater's pair that waited long for its partner is
    often followed by another that waited too), so the spread of their mean is larger than the spread of the values
    over ``sqrt(n)``: a Student t interval over them as independent draws covered the truth in 84% of 200 seeded runs
    of a 10 km repeater at its stated 95%. The factor is ``1 + 2 sum_k rho_k`` over the series' lag-k
    autocorrelations, summed by Geyer's initial monotone sequence (pairs of lags while their sum stays positive and
    does not grow: the estimator of an MCMC chain's effective sample size), then held to [1, n]: a series that reads
    as anti-correlated keeps the independent width rather than a narrower one its noise could fake. A series longer
    than :data:`_SERIAL_BLOCKS` is read as that many block means (the last values that fill no block left out).
    Every sum is ``math.fsum``'s: the same double on every CPU.

    Args:
        values: The series in the order it was made (any units: the factor is dimensionless).

    Returns:
        The factor (1.0 for fewer than 4 values or values without spread): the mean's effective sample size is
        ``n / factor``.

    Example:
        >>> import numpy as np
        >>> _serial_variance_factor(np.tile([0.9, 0.8], 50))
        1.0
        >>> _serial_variance_factor(np.repeat([0.9, 0.8, 0.85, 0.95], 25)) > 10
        True
    """
    xs = np.asarray(values, dtype=float).ravel()
    n = int(xs.size)
    if n < 4:
        return 1.0
    centre = math.fsum(xs.tolist()) / n
    # Element by element (one rounding each, the same on every CPU), then summed by fsum: a Python loop over
    # 10^6 recorded pairs took 0.27 s a call.
    deviations = xs - centre
    spread = math.fsum((deviations * deviations).tolist()) / n
    if not spread > 0:
        return 1.0
    size = -(-n // _SERIAL_BLOCKS)
    count = n // size
    # At least 512 blocks (n > 1,024 values in blocks of ceil(n / 1,024)), or the n >= 4 values themselves.
    series = np.array([math.fsum(deviations[i * size : (i + 1) * size].tolist()) / size for i in range(count)])
    series = series - math.fsum(series.tolist()) / count
    acov0 = math.fsum((series * series).tolist()) / count
    if not acov0 > 0:
        return 1.0
    total, previous = 0.0, math.inf
    for lag in range(0, count - 1, 2):
        # rho_lag + rho_(lag+1), each an exact-order sum of products of the series with itself shifted.
        pair = sum(math.fsum((series[: count - k] * series[k:]).tolist()) for k in (lag, lag + 1)) / count / acov0
        if not pair > 0:
            break
        previous = min(pair, previous)
        total += previous
    return min(max(1.0, size * acov0 * (2.0 * total - 1.0) / spread), float(n))


def _gamma_quantile(shape: int, p: float) -> float:
    """The ``p`` quantile of the gamma distribution of integer ``shape`` and scale 1: the time of the
    ``shape``-th arrival of a Poisson process of unit rate, below which it falls with probability ``p``.

    Exact (bisection on the Poisson distribution function, no SciPy) up to
    :data:`_EXACT_GAMMA_SHAPE`; the Wilson-Hilferty approximation above (the Poisson sum's terms
    underflow there: ``exp(-mu)`` is 0 from mu ~ 745).

    Example:
        >>> round(_gamma_quantile(1, 0.5), 4), round(_gamma_quantile(1000, 0.975) / 1000, 4)
        (0.6931, 1.0629)
    """
    if shape > _EXACT_GAMMA_SHAPE:
        # The normal quantile of p (the intervals' two kept to the bit): this read +-1.96 for every p, so the
        # median of shape 1000 came out as its 2.5% quantile, 939 for 999.7.
        z = _Z975 if p == 0.975 else -_Z975 if p == 0.025 else statistics.NormalDist().inv_cdf(p)
        return shape * (1.0 - 1.0 / (9.0 * shape) + z / (3.0 * math.sqrt(shape))) ** 3

    def at_most(n: int, mu: float) -> float:
        term = total = _numerics.exp(-mu)
        for k in range(1, n + 1):
            term *= mu / k
            total += term
        return total

    # The shape-th arrival falls by mu exactly when at most shape - 1 arrivals fall after it: P = 1 - at_most.
    low, high = 0.0, 2.0 * shape + 20.0
    for _ in range(100):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if 1.0 - at_most(shape - 1, mid) < p else (low, mid)
    return 0.5 * (low + high)


def _poisson_interval95(count: int) -> tuple[float, float]:
    """The exact (Garwood) 95% interval of a Poisson mean from ``count`` events observed in a fixed window.

    Meant for the small counts where the normal approximation 1.96 sqrt(n) misleads (at n = 2 it
    reads +-139%).

    Example:
        >>> [round(v, 3) for v in _poisson_interval95(2)]
        [0.242, 7.225]
    """
    lower = 0.0 if count == 0 else _gamma_quantile(count, 0.025)
    return lower, _gamma_quantile(count + 1, 0.975)


#: The units a rate is printed in (:func:`rate_text`): both per second, as every rate qnsim measures is.
RATE_UNITS = ("Hz", "pairs/s")


def rate_unit(unit: object) -> str:
    """``unit`` checked as a printed rate's unit: one of :data:`RATE_UNITS`, both pairs per second.

    Any label was taken before: ``rate_text(unit="kHz")`` printed a 100 Hz rate as "100 kHz", a thousand times
    the rate measured, and ``unit="s"`` as a time.

    Example:
        >>> rate_unit("pairs/s")
        'pairs/s'
        >>> rate_unit("kHz")
        Traceback (most recent call last):
        ...
        ValueError: unit must be 'Hz' or 'pairs/s' (a rate is printed per second, not scaled), got 'kHz'
    """
    if isinstance(unit, str) and unit in RATE_UNITS:
        return str(unit)
    error = ValueError if isinstance(unit, str) else TypeError
    raise error(f"unit must be 'Hz' or 'pairs/s' (a rate is printed per second, not scaled), got {written(unit)}")


def rate_text(
    rate_hz: float, interval: tuple[float, float] | None, pairs: int, window_s: float, unit: str = "Hz"
) -> str:
    """One measured rate as every command prints it: the rate, its 95% interval (or "exact"), and the
    count and window it was measured over, so that two rates can be told apart from noise.

    Every simulated rate qnsim shows (``qnsim run``'s table and reprs, ``qnsim qec link``, an estimate's
    calibration) is written by this function: "4344 pairs/s" from one command beside "4285 pairs/s" from
    another read as a disagreement where the two windows' intervals overlap.

    Args:
        rate_hz: Pairs per second of the window (nan: no window).
        interval: Its 95% interval (low, high) in the same unit (:attr:`RequestResult.rate_interval95`),
            None when the deliveries keep a fixed schedule and the rate is exact for its window, or
            :data:`RATE_NOT_MEASURED` (NaN bounds) when no attempt was made (a request never admitted).
        pairs: Pairs counted in the window.
        window_s: The window, in s.
        unit: The rate's unit as printed: "Hz" or "pairs/s" (:data:`RATE_UNITS`; the rate is printed in pairs
            per second as it stands, so a scaled unit such as "kHz" is refused, not printed beside an unscaled
            figure).

    Example:
        >>> rate_text(4344.0, (4215.3, 4474.8), 4344, 1.0, "pairs/s")
        '4344 pairs/s [95%: 4215, 4475] (4344 pairs in 1 s)'
        >>> rate_text(1000.0, None, 2, 2e-3)
        "1000 Hz [fixed schedule, no sampling noise; the window's edges may cut a delivery period] (2 pairs in 2 ms)"
        >>> rate_text(math.nan, RATE_NOT_MEASURED, 0, 0.1)
        'not measured: no attempt was made in the window (0 pairs in 100 ms)'
    """
    from qnsim.argument_checks import integer, is_real_number, real_number

    unit = rate_unit(unit)
    if rate_not_measured(interval):
        # A request never admitted: "0 Hz [95%: 0, 36.89]" read as a bound measured on its path. Its rate is NaN (or
        # 0, a count of none), with no pair counted.
        pairs = integer("pairs", pairs, minimum=0)
        window_s = real_number("window_s", window_s, minimum=0.0, exclusive_minimum=True, unit="s")
        if pairs or not (is_real_number(rate_hz) and (rate_hz != rate_hz or rate_hz == 0)):
            raise ValueError(
                f"rate_interval95 (nan, nan) (not measured) cannot go with rate_hz = {written(rate_hz)} and {pairs} "
                "pairs counted"
            )
        return f"not measured: no attempt was made in the window (0 pairs in {_eng(window_s, 's')})"
    # NaN is the one value unequal to itself: math.isnan() of an integer beyond a float (10**400) raised OverflowError
    # before real_number below could refuse it by name.
    if is_real_number(rate_hz) and rate_hz != rate_hz:
        return "-"
    # Checked as a measurement kept by hand is (checked_rate_measurement): a negative or infinite rate, -3 pairs, a
    # window of 0 s, an interval of NaN or one that left out the rate were printed as they stood, and an interval of
    # one value raised IndexError.
    rate_hz = real_number("rate_hz", rate_hz, minimum=0.0)
    pairs = integer("pairs", pairs, minimum=0)
    window_s = real_number("window_s", window_s, minimum=0.0, exclusive_minimum=True, unit="s")
    interval, _ = checked_rate_measurement("", rate_hz, interval, window_s, pairs)
    # A fixed schedule has no sampling noise, but a window ending between two deliveries counts one pair fewer than a
    # period's worth (909 Hz from a 1 kHz link run for 5.5 ms): said, not called exact alone.
    spread = (
        "fixed schedule, no sampling noise; the window's edges may cut a delivery period" if interval is None
        else f"95%: {interval[0]:.4g}, {interval[1]:.4g}"
    )
    return f"{rate_hz:.4g} {unit} [{spread}] ({pairs} pair{'' if pairs == 1 else 's'} in {_eng(window_s, 's')})"


#: How far a hand-written window may be from pairs / rate_hz: the figures as printed (a rate to 4 digits, a window
#: to 3) are rounded by up to 0.5%.
WINDOW_ROUNDING = 0.01


def checked_rate_measurement(
    where: str, rate_hz: float, interval: object, window_s: object, pairs: int
) -> tuple[tuple[float, float] | None, float | None]:
    """A measured rate's 95% interval and window, as a dataclass built by hand (figures saved from an earlier
    measurement) may give them: the interval None (exact, or not recorded) or (low, high) with
    0 <= low <= rate <= high; the window None (not recorded) or a positive time in s over which ``pairs`` pairs make
    ``rate_hz`` (to rounding, 1%). An interval needs its window (without one the rate is printed as "interval and
    window not recorded"). Each refusal names the field.

    Example:
        >>> checked_rate_measurement("X.", 10.0, [8, 12.5], 1, 10)
        ((8.0, 12.5), 1.0)
    """
    from qnsim.argument_checks import real_number, real_numbers

    if interval is not None:
        values = real_numbers(where + "rate_interval95", interval, minimum=0.0, error=ValueError)
        if len(values) != 2:
            raise ValueError(f"{where}rate_interval95 must be (low, high), got {len(values)} values")
        low, high = values
        if not low <= rate_hz <= high:
            raise ValueError(f"{where}rate_interval95 ({low:g}, {high:g}) must hold rate_hz = {rate_hz:g}")
        interval = (low, high)
        if window_s is None:
            # Printed as "interval and window not recorded": the interval given was dropped without a word.
            raise ValueError(
                f"{where}rate_interval95 ({low:g}, {high:g}) needs the window it was measured over: give window_s"
            )
    if window_s is not None:
        window_s = real_number(where + "window_s", window_s, minimum=0.0, exclusive_minimum=True, unit="s",
                               error=ValueError)
        # The rate is the pairs counted over the window: 1000 pairs at 1000 pairs/s "in 5 s" was printed as it stood.
        if abs(pairs / window_s - rate_hz) > WINDOW_ROUNDING * rate_hz:
            raise ValueError(
                f"{where}window_s = {window_s:g} s disagrees with pairs / rate_hz = {pairs} / {rate_hz:g}"
                + (f" = {pairs / rate_hz:g} s" if rate_hz > 0 else "")
                + " (the rate is the pairs counted over the window)"
            )
    return interval, window_s  # type: ignore[return-value]


def measured_rate_text(
    rate_hz: float, interval: tuple[float, float] | None, pairs: int, window_s: float | None
) -> str:
    """:func:`rate_text` in pairs/s for a measurement kept in a dataclass (a calibration, a link supply), whose
    window is None when it was built by hand without one (then its interval was not recorded either).

    Example:
        >>> measured_rate_text(500.0, None, 20, None)
        '500 pairs/s (20 pairs; interval and window not recorded)'
    """
    if window_s is None:
        return f"{rate_hz:.4g} pairs/s ({pairs} pairs; interval and window not recorded)"
    return rate_text(rate_hz, interval, pairs, window_s, "pairs/s")


def _arrival_interval95(count: int) -> tuple[float, float]:
    """The exact 95% interval of a Poisson mean from a window that ended at its ``count``-th event
    (a request served by its last pair): the window is then a gamma variable of shape ``count``.

    Example:
        >>> [round(v, 3) for v in _arrival_interval95(2)]
        [0.242, 5.572]
    """
    return _gamma_quantile(count, 0.025), _gamma_quantile(count, 0.975)


def _bell_weights_text(weights: Sequence[float]) -> str:
    """``Phi+ 0.1000, Psi+ 0.8000, Psi- 0.0500, Phi- 0.0500``: Bell weights named in the documented order."""
    return ", ".join(f"{name} {w:.4f}" for name, w in zip(("Phi+", "Psi+", "Psi-", "Phi-"), weights))


@dataclass(repr=False)
class RequestResult:
    """Delivered pairs of one request and their statistics.

    Attributes:
        request: Index of the request (order of :meth:`qnsim.Network.request` calls).
        src: Source node name.
        dst: Destination node name.
        path: Node names from src to dst.
        start_s: Request start time in s.
        num_pairs_requested: Bound on deliveries, or None for "until the run ends".
        times_s: Delivery time of each pair (both ends know the pair), in s.
        fidelities: Fidelity <Phi+|rho|Phi+> of each pair at delivery (0/1 per stabilizer
            trajectory; exact per pair in the density-matrix and bell_diagonal formalisms). Each end's
            qubit is taken as it was when that end had every swap outcome (the earlier end hands it over
            then); with ``keep_pairs`` both stay in memory and decay until the delivery time.
        oldest_emission_s: Emission time of the older end qubit of each pair, in s.
        qubits_src: Registry handles of the kept source qubits (``keep_pairs`` only, else 0).
        qubits_dst: Same at the destination.
        end_s: End of the active window: when the request was served or dropped, otherwise
            the time the run stopped, in s.
        status: ``"pending"`` (before its start), ``"waiting"`` (for memory reservations),
            ``"open"`` (still being served when the run stopped), ``"served"`` (all requested
            pairs delivered) or ``"dropped"``.
        drop_reason: Why a dropped request was dropped (e.g. its deadline passed), else None.
        admitted_s: When its memory reservations were granted, in s (None: not yet).
        finished_s: When it was served or dropped, in s (None: not yet).
        delivered: Pairs delivered by the native aggregates (None: use the records). It
            differs from the records when ``Network(max_records=...)`` capped them.
        rejected_low_fidelity: Pairs discarded for falling below ``min_fidelity``.
        fidelity_sum: Sum of delivered fidelities (native aggregate; None: use the records).
        fidelity_sq_sum: Sum of squared delivered fidelities (same).
        fidelity_m2: Sum of squared deviations of the delivered fidelities from their mean
            (native, Welford's update; None: from the sums). The spread of capped results comes
            from it: the sums' difference cancels to rounding noise when the spread is small.
        age_sum_s: Sum of every delivered pair's age in s (native; None: use the records). The mean age of
            capped results comes from it.
        first_delivery_s: Time of the first delivery in s, or None.
        last_delivery_s: Time of the last delivery in s, or None.
        deadline_s: The request's deadline (absolute, s), or None.
        min_fidelity: The request's minimum fidelity (0: none).
        cutoff_s: The request's storage cutoff in s, or None.
        bell_diagonals: Bell-basis diagonal <B|rho|B> of each recorded pair at delivery, one row
            (Phi+, Psi+, Psi-, Phi-) per pair (n x 4; a stabilizer trajectory's row is its Bell state).
        concurrences: Wootters concurrence of each recorded pair at delivery (density-matrix
            formalism; -1 where the formalism has no per-pair value).
        concurrence_sum: Sum of the delivered concurrences (density matrix, bell_diagonal; None otherwise).
        bell_diagonal_sum: Sum over every delivered pair of its Bell-basis diagonal <B|rho|B>,
            B = (Phi+, Psi+, Psi-, Phi-) (a stabilizer trajectory counts its Bell state; None: not
            collected). See :attr:`mean_bell_diagonal`.
        unentangled: Delivered pairs with zero concurrence (density matrix): separable, whatever
            their fidelity (amplitude damping toward |00> raises F without entanglement).
        cutoff_discards: Link-level qubits of this request discarded by the cutoff.
        protocol_discards: Pairs the request's Python protocol discarded (its ``discard`` calls).
        protocol_name: The class name of the request's Python protocol (None: native protocols).
        purification_failures: Purification rounds of this request that failed.
        name: The request's name, if it was given one.
        formalism: The run's formalism (None: not known). In ``"stabilizer"`` each pair's fidelity
            is a 0/1 trajectory outcome, so the mean's interval is a binomial one (Wilson score).
        random_arrivals: Whether the delivery times are random: a link of the path heralds with
            probability below 1 (or in a random number of rounds), the request purifies, or
            ``min_fidelity`` may reject pairs by their measurement outcomes (stabilizer trajectories,
            density_matrix pairs; not bell_diagonal, whose pairs average over them), or a Python
            protocol decides whose choices may read outcomes (its class leaves
            :attr:`qnsim.Protocol.random_choices` True, or it read a ``density_matrix`` or
            ``stabilizer`` pair's fidelity). False when every step keeps a fixed schedule (abstract
            links given a rate alone, a protocol declaring ``random_choices = False``): a rate is then
            exact for its window, and :attr:`rate_interval95` is None.
        held_by: For a request still waiting for its memories: the open requests that hold memories on
            links of its path, as (index, endless) pairs, endless when the request has neither
            ``num_pairs`` nor ``deadline_s`` (it keeps its memories until the run ends).
        seed: The seed of the run that delivered it (None: not known, a result built by hand). Two runs of one
            seed share their random draws: :func:`qnsim.compare_results` says so.
        separable_links: The links of its path whose pairs are separable by the time their ends hold the herald, as
            ``"a-b"`` (a positive partial transpose: a transducer's noise, dark counts past the signal, an abstract
            fidelity <= 1/2, or memories that decay past it over the herald delay). No swap, purification or storage
            (local operations and classical messages) makes entanglement from them, so the request can deliver no
            entangled pair however long it runs, and its notes say so. Judged as the run holds the pairs: exactly in
            density_matrix; in stabilizer and bell_diagonal, the link's Bell-diagonal part after each end's
            Pauli-twirled memory, and a run note names the links the exact channel judges otherwise; for a request of
            :attr:`twirled_t1`, under the exact state and memory channel (a twirl's separable link does not make the
            exact pairs separable).
        idle_options: The request's options that changed nothing, as (setting, value as given, why):
            ``swap_schedule="nested"`` on a path of one or two links (no swap, or one, whose order doubling
            cannot change), ``swap_handshake`` and ``generation="on_demand"`` on a path of one link (no swap to
            confirm, none to free a memory early), a ``purification`` scheme where no round runs. The run is then the
            default options' run, draw for draw, and its notes say so (:func:`idle_request_options`).
        kept_blocked: For an open ``keep_pairs`` request whose kept pairs, not released
            (:meth:`qnsim.Network.release_pair`), fill the memories it reserved at its ends: (kept pairs held,
            ``memories_per_link``). No pair can come until some are released, so a longer run adds none, and its
            notes say so (None otherwise).
        twirled_t1: A node of its path has a finite T1 and the run's formalism (stabilizer, bell_diagonal) applies
            that amplitude damping as its Pauli twirl: the delivered pairs' concurrences, Bell weights and with them
            the entanglement verdict are the twirled pairs', and its notes say so wherever they call pairs separable
            (the exact channel can leave such pairs entangled).

    Example:
        >>> import numpy as np
        >>> r = RequestResult(0, "a", "b", ["a", "b"], 0.0, None, np.array([0.5, 1.0]),
        ...                   np.array([0.9, 0.8]), np.array([0.4, 0.9]), end_s=2.0)
        >>> r.num_pairs, r.rate_hz, r.latencies_s.tolist()
        (2, 1.0, [0.5, 0.5])
    """

    request: int
    src: str
    dst: str
    path: list[str]
    start_s: float
    num_pairs_requested: int | None
    times_s: np.ndarray
    fidelities: np.ndarray
    oldest_emission_s: np.ndarray
    qubits_src: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    qubits_dst: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    end_s: float = 0.0
    status: str = "open"
    drop_reason: str | None = None
    admitted_s: float | None = None
    finished_s: float | None = None
    delivered: int | None = None
    rejected_low_fidelity: int = 0
    fidelity_sum: float | None = None
    fidelity_sq_sum: float | None = None
    first_delivery_s: float | None = None
    last_delivery_s: float | None = None
    deadline_s: float | None = None
    min_fidelity: float = 0.0
    cutoff_s: float | None = None
    concurrences: np.ndarray = field(default_factory=lambda: np.zeros(0))
    bell_diagonals: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    concurrence_sum: float | None = None
    bell_diagonal_sum: tuple[float, float, float, float] | None = None
    unentangled: int = 0
    cutoff_discards: int = 0
    protocol_discards: int = 0
    protocol_name: str | None = None
    purification_failures: int = 0
    name: str | None = None
    formalism: str | None = None
    fidelity_m2: float | None = None
    age_sum_s: float | None = None
    random_arrivals: bool = True
    held_by: tuple[tuple[int, bool], ...] = ()
    seed: int | None = None
    separable_links: tuple[str, ...] = ()
    twirled_t1: bool = False
    idle_options: tuple[tuple[str, str, str], ...] = ()
    kept_blocked: tuple[int, int] | None = None
    # The integer picoseconds behind the float times (None in a result built by hand): spans are
    # their exact differences. A float second near 10^7 s resolves only ~2 ns, so ages of 1 ns pairs
    # read 0 or 1.9 ns and a 1 GHz request's rate 0.89 GHz when it started 104 days in.
    times_ps: np.ndarray | None = field(default=None, repr=False, compare=False)
    oldest_emission_ps: np.ndarray | None = field(default=None, repr=False, compare=False)
    start_ps: int | None = field(default=None, repr=False, compare=False)
    end_ps: int | None = field(default=None, repr=False, compare=False)
    last_delivery_ps: int | None = field(default=None, repr=False, compare=False)

    @property
    def label(self) -> str:
        """The request's name, or ``"src->dst"`` (as in sweep columns and logs)."""
        return self.name or f"{self.src}->{self.dst}"

    def rate_text(self, unit: str = "Hz") -> str:
        """The rate with its 95% interval and the count and window behind it (see :func:`rate_text`).

        ``unit`` is "Hz" or "pairs/s" (:data:`RATE_UNITS`): the rate is in pairs per second either way.

        Example:
            >>> import numpy as np
            >>> r = RequestResult(0, "a", "b", ["a", "b"], 0.0, None, np.array([0.1, 0.2, 0.3]), np.full(3, 0.9),
            ...                   np.zeros(3), end_s=1.0)
            >>> r.rate_text()
            '3 Hz [95%: 0.6187, 8.767] (3 pairs in 1 s)'
        """
        if rate_not_measured(self.rate_interval95):
            return rate_text(0.0, RATE_NOT_MEASURED, 0, self.window_s, unit)
        return rate_text(self.rate_hz, self.rate_interval95, self.num_pairs, self.window_s, unit)

    def _rate_spread(self, unit: str = "") -> str:
        """The table's interval cell: "4.21 k-4.47 k" (``unit`` after the upper end: "4.21 k-4.47 kHz"), "exact" for
        a fixed schedule, "not measured" for a request never admitted, "-" without a window."""
        interval = self.rate_interval95
        if rate_not_measured(interval):
            return "not measured"
        if math.isnan(self.rate_hz):
            return "-"
        if interval is None:
            return "exact"
        return f"{_eng(interval[0], '')}-{_eng(interval[1], unit)}"

    def _figures(self) -> list[tuple[str, str]]:
        """The key figures with units, as (label, text) pairs, for the reprs."""
        wanted = "" if self.num_pairs_requested is None else f" of {self.num_pairs_requested}"
        rows = [("status", self.status + (f" at {_eng(self.finished_s, 's')}" if self.finished_s is not None else "")),
                ("pairs", f"{self.num_pairs}{wanted}")]  # fmt: skip
        if rate_not_measured(self.rate_interval95):
            rows += [("rate", "not measured"), ("window", _eng(self.window_s, "s"))]
        elif not math.isnan(self.rate_hz):
            # "0-36.9Hz" where the figure has no prefix: the unit is written with the upper end.
            rows += [("rate", _eng(self.rate_hz, "Hz")), ("rate 95%", self._rate_spread("Hz")),
                     ("window", _eng(self.window_s, "s"))]
        if self.num_pairs:
            ci = self.fidelity_ci95
            fidelity = f"{self.mean_fidelity:.4f}" + ("" if math.isnan(ci) else f" ± {_ci(ci)} (95% CI)")
            rows += [("fidelity", fidelity), ("mean latency", _eng(self.mean_latency_s, "s"))]
            if not math.isnan(self.mean_age_s):
                rows.append(("mean age", _eng(self.mean_age_s, "s")))
        return rows

    def _path_text(self, sep: str) -> str:
        """The path for the one-line reprs: in full up to 8 nodes, else its ends, the hop count and the
        nodes on either side (a 1,000-node chain's repr was ~6,000 characters of node names)."""
        nodes = [str(n) for n in self.path]
        if len(nodes) <= 8:
            return sep.join(nodes)
        return f"{sep.join(nodes[:3])}{sep}...{sep}{sep.join(nodes[-3:])} ({len(nodes) - 1} hops)"

    def __repr__(self) -> str:
        """One line: label, path, status, pairs, rate, fidelity with its CI, latency, notes.

        Example:
            >>> import numpy as np
            >>> r = RequestResult(0, "a", "b", ["a", "b"], 0.0, 2, np.array([1e-3, 2e-3]), np.array([0.9, 0.9]),
            ...                   np.zeros(2), end_s=2e-3, status="served", finished_s=2e-3, random_arrivals=False)
            >>> print(repr(r).replace(", ", ",\\n"))
            RequestResult(0 a->b,
            path a-b: served at 2 ms,
            pairs 2 of 2,
            rate 1 kHz,
            rate 95% exact,
            window 2 ms,
            fidelity 0.9000 ± 0 (95% CI),
            mean latency 1 ms,
            mean age 1.5 ms)
        """
        figures = ", ".join(f"{k} {v}" if k != "status" else v for k, v in self._figures())
        notes = "".join(f"; {n}" for n in self.notes)
        return f"RequestResult({self.request} {self.label}, path {self._path_text('-')}: {figures}{notes})"

    def _repr_html_(self) -> str:
        """Jupyter: the key figures as a small table, notes below (warnings in bold)."""
        from qnsim import _display

        head = _display.title(f"request {self.request} {self.label} (path {self._path_text(' - ')})")
        return head + _display.pairs(self._figures()) + _display.notes(self.notes)

    @property
    def num_pairs(self) -> int:
        """Number of delivered pairs (the native count, even when records were capped)."""
        return int(self.delivered) if self.delivered is not None else int(self.times_s.size)

    @property
    def num_records(self) -> int:
        """Number of stored per-pair records (<= :attr:`num_pairs`).

        Example:
            >>> import qnsim
            >>> net = qnsim.chain(2, length_km=0.0, fidelity=0.9, rate_hz=1e3,
            ...                   network=qnsim.Network(seed=1, max_records=3))
            >>> _ = net.request("n0", "n1", num_pairs=10)
            >>> r = net.run(until_s=1.0).requests[0]
            >>> r.num_pairs, r.num_records, r.capped, round(r.mean_fidelity, 6)
            (10, 3, True, 0.9)
        """
        return int(self.times_s.size)

    @property
    def capped(self) -> bool:
        """True when some delivered pairs have no per-pair record (``max_records``).

        Example:
            >>> import numpy as np
            >>> RequestResult(0, "a", "b", ["a", "b"], 0.0, 2, np.array([1.0]), np.array([0.9]),
            ...               np.array([0.5]), delivered=2, fidelity_sum=1.7, fidelity_sq_sum=1.45).capped
            True
        """
        return self.num_records < self.num_pairs

    def _sums(self) -> tuple[float, float]:
        if self.fidelity_sum is not None and self.fidelity_sq_sum is not None and self.delivered is not None:
            return self.fidelity_sum, self.fidelity_sq_sum
        fidelities = np.asarray(self.fidelities, dtype=float)
        return math.fsum(fidelities.tolist()), math.fsum((fidelities * fidelities).tolist())

    @property
    def window_s(self) -> float:
        """Active window in s: from the request's start to :attr:`end_s`."""
        if self.start_ps is not None and self.end_ps is not None:
            return max(0, self.end_ps - self.start_ps) / 1e12
        return max(0.0, self.end_s - self.start_s)

    @property
    def rate_hz(self) -> float:
        """Delivered pairs per second of the active window (nan for an empty window, and for a request never admitted,
        which made no attempt: its rate was not measured, :attr:`rate_interval95` says so)."""
        if self.window_s <= 0 or self._never_admitted:
            # "0 Hz" of a request another one kept out all run was averaged into a sweep's means as a measured 0.
            return math.nan
        return self.num_pairs / self.window_s

    @property
    def rate_interval95(self) -> tuple[float, float] | None:
        """The 95% confidence interval (low, high) of the rate at which this request's path delivers, in
        Hz, reading the deliveries as a Poisson process; None for an empty window or when the deliveries
        keep a fixed schedule (:attr:`random_arrivals` False: :attr:`rate_hz` is then exact for its window);
        :data:`RATE_NOT_MEASURED` (NaN bounds) for a request never admitted (still waiting, or dropped while
        waiting): it made no attempt, so its rate of 0 measured nothing of its path (its notes say why).

        A window that ended at a fixed time (the run's end, a deadline) gives the Garwood interval of
        the count. A request served by its last pair ended its window on a delivery, so the window is
        the time of the n-th arrival: a rate from few such pairs reads high (by n/(n-1) on average,
        and without bound for one pair), and the interval is that of the n-th arrival's time.

        Example:
            >>> import numpy as np
            >>> r = RequestResult(0, "a", "b", ["a", "b"], 0.0, 2, np.array([1e-3, 2e-3]), np.full(2, 0.9),
            ...                   np.zeros(2), end_s=2e-3, status="served", finished_s=2e-3)
            >>> r.rate_hz, [round(v) for v in r.rate_interval95]
            (1000.0, [121, 2786])
        """
        if self.window_s <= 0:
            return None
        if self._never_admitted:
            # "0-36.9 Hz" beside "never admitted" read as a bound measured on its links: nothing was attempted.
            return RATE_NOT_MEASURED
        if not self.random_arrivals:
            return None
        n = self.num_pairs
        low, high = _arrival_interval95(n) if self.ended_on_last_pair else _poisson_interval95(n)
        return low / self.window_s, high / self.window_s

    @property
    def ended_on_last_pair(self) -> bool:
        """Whether the window ended on a delivery: the request was served by its last requested pair. A request
        without ``num_pairs`` is served at its ``deadline_s`` instead, a fixed time whatever its pairs did.

        Example:
            >>> import numpy as np
            >>> r = RequestResult(0, "a", "b", ["a", "b"], 0.0, None, np.array([1e-3]), np.full(1, 0.9), np.zeros(1),
            ...                   end_s=2e-3, status="served", finished_s=2e-3, deadline_s=2e-3)
            >>> r.ended_on_last_pair
            False
        """
        served_at_deadline = self.num_pairs_requested is None and self.deadline_s is not None
        return self.status == "served" and self.num_pairs > 0 and not served_at_deadline

    @property
    def _never_admitted(self) -> bool:
        """Whether the request never held its memories (still waiting, or dropped while waiting): it made no
        attempt in its window."""
        return self.status == "waiting" or (self.status == "dropped" and self.admitted_s is None)

    @property
    def latencies_s(self) -> np.ndarray:
        """Time from the previous delivery (from the request's start for the first), in s.

        Over the recorded pairs only (see :attr:`capped`).
        """
        if self.num_records == 0:
            return np.zeros(0)
        if self.times_ps is not None and self.start_ps is not None:
            return np.diff(self.times_ps.astype(np.int64), prepend=np.int64(self.start_ps)) / 1e12
        return np.diff(self.times_s, prepend=self.start_s)

    @property
    def ages_s(self) -> np.ndarray:
        """Age of each recorded pair at delivery, in s: the delivery time (when the later end has every
        swap outcome) minus the emission of the older of the pair's two end qubits.

        Inner link pairs of the path may be older, and the end that has its outcomes first stops
        storing its qubit then: the cutoff bounds each qubit's storage, so with a cutoff an age may
        exceed ``cutoff_s`` by up to the path's classical latency.
        """
        if self.times_ps is not None and self.oldest_emission_ps is not None:
            return (self.times_ps.astype(np.int64) - self.oldest_emission_ps.astype(np.int64)) / 1e12
        return self.times_s - self.oldest_emission_s

    @property
    def mean_fidelity(self) -> float:
        """Mean delivered fidelity over all delivered pairs (nan without pairs)."""
        if not self.num_pairs:
            return math.nan
        if not self.capped:
            return _numerics.mean(self.fidelities)
        return self._sums()[0] / self.num_pairs

    @property
    def fidelity_std(self) -> float:
        """Sample standard deviation of the per-pair fidelities (nan below 2 pairs)."""
        n = self.num_pairs
        if n < 2:
            return math.nan
        if not self.capped:
            # Values equal up to rounding (a few ulps apart) have no spread; np.std would report
            # the rounding (1e-17) as one.
            low, high = float(self.fidelities.min()), float(self.fidelities.max())
            if high - low <= 16 * np.finfo(float).eps * max(abs(low), abs(high)):
                return 0.0
            return _numerics.sample_std(self.fidelities)
        if self.fidelity_m2 is not None:
            return math.sqrt(max(self.fidelity_m2, 0.0) / (n - 1))
        total, squares = self._sums()
        spread = squares - total * total / n
        # The difference of two rounded sums is noise below a few ulps of the sum of squares.
        if spread <= 8 * np.finfo(float).eps * squares:
            return 0.0
        return math.sqrt(spread / (n - 1))

    @property
    def fidelity_ci95(self) -> float:
        """Half-width of the 95% confidence interval of the mean fidelity.

        It reflects the spread of the per-pair fidelities, exact per pair in the density-matrix and
        bell_diagonal formalisms (Student t over the pairs' effective number: their count divided by
        the serial correlation's variance factor, :func:`_serial_variance_factor`, as successive pairs
        of a repeater or a purifying request share their waits, taken from the records kept when
        ``max_records`` capped them; nan below 2 pairs, 0 when every pair
        has the same fidelity: the mean of these pairs is then exact). In the stabilizer formalism each pair is
        0 or 1 (one trajectory), so the interval is the binomial Wilson score interval
        (:attr:`fidelity_interval95`) and this is its larger side: a Student t interval reads
        "1 +- 0" when every one of a few trajectories came out 1, which says nothing of the
        trajectories that fail.

        Example:
            >>> import numpy as np
            >>> r = RequestResult(0, "a", "b", ["a", "b"], 0.0, None, np.arange(1.0, 6.0), np.ones(5),
            ...                   np.zeros(5), end_s=5.0, formalism="stabilizer")
            >>> round(r.fidelity_ci95, 4), [round(v, 4) for v in r.fidelity_interval95]
            (0.4345, [0.5655, 1.0])
        """
        if self.formalism == "stabilizer" and self.num_pairs:
            low, high = self.fidelity_interval95  # type: ignore[misc]
            return max(self.mean_fidelity - low, high - self.mean_fidelity)
        if self.num_pairs < 2:
            return math.nan
        spread = self.fidelity_std
        if spread == 0:
            return 0.0
        # Serially correlated pairs carry fewer independent draws than their count (_serial_variance_factor);
        # capped records estimate the factor from the pairs they keep, the first ones delivered. Kept with the array
        # it was read from (a table, its notes and to_dict each read this interval; 10^6 records: ~40 ms a read).
        memo = self.__dict__.get("_serial_factor")
        if memo is not None and memo[0] is self.fidelities:
            factor = memo[1]
        else:
            factor = _serial_variance_factor(self.fidelities)
            self.__dict__["_serial_factor"] = (self.fidelities, factor)
        effective = self.num_pairs / factor
        return t_quantile_975(max(1, int(effective) - 1)) * spread / math.sqrt(effective)

    @property
    def fidelity_interval95(self) -> tuple[float, float] | None:
        """The 95% confidence interval (low, high) of the mean fidelity, inside [0, 1]; None
        without pairs, and with a single pair outside the stabilizer formalism (no spread to
        estimate one from).

        Stabilizer formalism: the Wilson score interval of the trajectories that came out 1 among
        all delivered pairs. Otherwise: the mean +- :attr:`fidelity_ci95` (Student t over the pairs' effective
        number), clipped.

        Example:
            >>> import numpy as np
            >>> interval = RequestResult(0, "a", "b", ["a", "b"], 0.0, None, np.array([1.0, 2.0]),
            ...                          np.array([0.8, 0.9]), np.zeros(2), end_s=2.0).fidelity_interval95
            >>> [round(v, 4) for v in interval]
            [0.2147, 1.0]
        """
        n = self.num_pairs
        if n == 0:
            return None
        if self.formalism == "stabilizer":
            from qnsim.qec.sampling import wilson_interval

            # The native sum over every delivered pair (records may be capped) counts the 1s.
            ones = round(self._sums()[0]) if self.capped else int(np.count_nonzero(self.fidelities > 0.5))
            return wilson_interval(min(max(ones, 0), n), n)
        if n < 2:
            return None
        mean, half = self.mean_fidelity, self.fidelity_ci95
        return max(0.0, mean - half), min(1.0, mean + half)

    @property
    def mean_concurrence(self) -> float:
        """Mean concurrence of the delivered pairs (density matrix, bell_diagonal; nan otherwise or without pairs)."""
        if self.concurrence_sum is None or not self.num_pairs:
            return math.nan
        return self.concurrence_sum / self.num_pairs

    @property
    def mean_bell_diagonal(self) -> tuple[float, float, float, float] | None:
        """Mean Bell-basis diagonal (Phi+, Psi+, Psi-, Phi-) of every delivered pair, capped records
        or not: the mean delivered pair after a Pauli twirl (entry 0 is the mean fidelity); None
        without pairs. Exact in the density_matrix formalism; a stabilizer run averages its
        trajectories' Bell states.

        Example:
            >>> import numpy as np
            >>> r = RequestResult(0, "a", "b", ["a", "b"], 0.0, None, np.array([1.0, 2.0]), np.array([0.9, 0.8]),
            ...                   np.zeros(2), end_s=2.0, bell_diagonal_sum=(1.7, 0.2, 0.06, 0.04))
            >>> [round(c, 6) for c in r.mean_bell_diagonal]
            [0.85, 0.1, 0.03, 0.02]
        """
        if self.bell_diagonal_sum is None or not self.num_pairs:
            return None
        return tuple(float(c) / self.num_pairs for c in self.bell_diagonal_sum)  # type: ignore[return-value]

    @property
    def entangled(self) -> bool | None:
        """Whether the delivered pairs carry entanglement (whichever Bell state they are near); None without pairs,
        or when a twirled run's verdict does not settle it (below).

        Density matrix: every delivered pair has a non-zero concurrence. Stabilizer (each trajectory
        is a Bell state; the ensemble is Bell-diagonal) and records without concurrences: a
        Bell-diagonal state is entangled exactly when one of its four Bell weights exceeds 1/2 (its
        concurrence is 2 max - 1), so the largest mean Bell weight must exceed 1/2; without Bell
        weights, the mean fidelity (the Phi+ weight). A pair near Psi+ is entangled with a low
        fidelity toward Phi+, and a note says which Bell state it is near. In a stabilizer run the mean weights
        are sampled, so this is an estimate: where a weight's 95% interval holds 1/2, a note (ENTANGLEMENT
        UNDECIDED) says so and the tables read "unsure". A link of the path whose pairs are separable by the time
        their ends hold the herald (:attr:`separable_links`, judged exactly for the pairs as the run holds them) makes
        it False whatever the delivered pairs' sampled figures read. With memory T1 in stabilizer or bell_diagonal
        (:attr:`twirled_t1`) the pairs held are the twirled ones, whose separability does not settle the exact pairs'
        (amplitude damping at one end leaves a concurrence above 2F - 1: the exact pair stays entangled where the
        twirled weights fall to 1/2): their negative verdict is then None (the tables read "unsure", and a note,
        ENTANGLEMENT UNDECIDED, says why), False only when a link of the path is separable under the exact state
        and memory channel (:attr:`separable_links` is then judged exactly), and a positive one is the twirled
        pairs' (the run's T1 note says that the exact swap outcomes can be judged otherwise). density_matrix gives
        the exact verdict.

        Example:
            >>> import numpy as np
            >>> r = RequestResult(0, "a", "b", ["a", "b"], 0.0, None, np.array([1.0, 2.0]),
            ...                   np.array([0.3, 0.4]), np.zeros(2), end_s=2.0)
            >>> r.entangled
            False
        """
        if not self.num_pairs:
            return None
        if self.separable_links:
            # Exact: a link of the path gives separable pairs (its partial transpose), and nothing local undoes that.
            # 200 stabilizer trajectories of such pairs read "yes" (a sampled weight of 0.51) beside that note.
            return False
        verdict = self._sampled_entangled()
        if self.twirled_t1 and not verdict:
            # Twirled weights all <= 1/2 do not make the exact pairs separable: one end damped (gamma) of a Phi+ pair
            # leaves concurrence sqrt(1 - gamma) > 0 but 2F - 1 = sqrt(1 - gamma) - gamma / 2 <= 0 for gamma >=
            # 2 sqrt(2) - 2 (tests/test_physics_audit31.py): such pairs read False beside density_matrix's True.
            return None
        return verdict

    def _sampled_entangled(self) -> bool:
        """:attr:`entangled` from the delivered pairs' own figures alone (sampled in a stabilizer run)."""
        if self.concurrence_sum is not None:
            return self.unentangled == 0
        weights = self.mean_bell_diagonal
        if weights is not None:
            # Trajectories of one Bell state each: the ensemble, not the Phi+ weight, says whether it is
            # entangled (the density-matrix formalism counted 0.8 Psi+ pairs as entangled, this as not).
            return max(weights) > 0.5
        return self.mean_fidelity > 0.5

    def _undecided_bell_weight(self) -> tuple[str, float, float, float] | None:
        """A stabilizer run's Bell weight whose 95% interval holds 1/2, as (name, mean, low, high), or None.

        Trajectories sample the ensemble, so the verdict of :attr:`entangled` (is a mean weight above 1/2?) is an
        estimate: a weight's Wilson interval (one trajectory per pair, each one Bell state) holding 1/2 leaves the
        verdict open either way. When none does, the largest weight is surely above 1/2 or every weight surely
        below it."""
        if self.formalism != "stabilizer" or not self.num_pairs or self.bell_diagonal_sum is None:
            return None
        if self.separable_links:
            return None  # settled exactly by the link's state (see :attr:`entangled`)
        from qnsim.qec.sampling import wilson_interval

        n = self.num_pairs
        for name, total in zip(("Phi+", "Psi+", "Psi-", "Phi-"), self.bell_diagonal_sum):
            low, high = wilson_interval(min(max(round(float(total)), 0), n), n)
            if low <= 0.5 <= high:
                return name, float(total) / n, low, high
        return None

    def _entangled_text(self) -> str:
        """The tables' entangled column: "yes", "NO", "partly" when only some pairs are separable, or "unsure"
        when a stabilizer run's trajectories leave the verdict open (see :meth:`_undecided_bell_weight`). A path
        through a link judged separable (:attr:`separable_links`) gives no entangled pair at all (local operations
        and swaps do not entangle a separable pair), so it reads "NO" whatever the pairs' own concurrences: a
        bell_diagonal run of Werner pairs at F = 1/2 holds them at 1/2 + 1 ulp (concurrence 2.2e-16, not the 0 the
        unentangled count needs) and read "partly" for pairs that are all separable."""
        if (self.entangled is False and not self.separable_links and self.concurrence_sum is not None
                and self.unentangled < self.num_pairs):
            return "partly"
        if self._undecided_bell_weight() is not None or (self.num_pairs and self.entangled is None):
            return "unsure"
        return {None: "-", True: "yes", False: "NO"}[self.entangled]

    @property
    def notes(self) -> list[str]:
        """Why these results may not be what they seem: a request the run stopped before it was
        through (unfinished, never admitted, not started), unentangled pairs, rejections, capped
        records, nothing delivered while pairs were lost to the cutoff or to purification, and what a
        rate of 0 Hz can say (its 95% interval, the table's, or on a fixed schedule that the first pair comes
        after the window).

        Example:
            >>> import numpy as np
            >>> RequestResult(0, "a", "b", ["a", "b"], 0.0, 1, np.zeros(0), np.zeros(0), np.zeros(0),
            ...               end_s=1.0, cutoff_s=1e-3, cutoff_discards=40).notes  # doctest: +NORMALIZE_WHITESPACE
            ['unfinished: 0 of 1 requested pairs delivered when the run stopped at 1 s',
             'no pair delivered: 40 stored qubits were discarded by the 1 ms cutoff',
             'no pair delivered in the 1 s window: the rate of 0 Hz only bounds it: its 95% interval is 0-3.69 Hz
             (Poisson)']
        """
        notes = []
        # Its interval is RATE_NOT_MEASURED (the tables read "not measured", the rows' bounds are empty): said with
        # the note that says it was never admitted.
        unmeasured = (
            "; it made no attempt, so its rate was not measured (rate_hz NaN, no 95% interval)"
            if self._never_admitted and self.window_s > 0 else ""
        )
        if self.status == "dropped" and self.drop_reason:
            notes.append(f"dropped: {self.drop_reason}" + (f"; never admitted{unmeasured}" if unmeasured else ""))
        # The run stopped before the request was through: the figures cover a partial service.
        stopped = _eng(self.end_s, "s")
        if self.status == "open" and self.num_pairs_requested is not None:
            notes.append(
                f"unfinished: {self.num_pairs} of {self.num_pairs_requested} requested pairs delivered when the run "
                f"stopped at {stopped}"
            )
        elif self.status == "waiting":
            note = f"never admitted: still waiting for memory reservations when the run stopped at {stopped}"
            if self.held_by:
                # Two requests over one pair of QPUs (with and without purification, say): the second waited
                # the whole run behind the first, which has no end, and the note did not say so.
                holders = ", ".join(str(i) for i, _ in self.held_by)
                note += f"; request(s) {holders} hold memories on links of its path"
                endless = [i for i, endless in self.held_by if endless]
                if endless:
                    which = "" if len(endless) == len(self.held_by) else f" (request(s) {', '.join(map(str, endless))})"
                    # Each holder's own settings, as the reader changes them (requests.1.num_pairs from qnsim run).
                    num_pairs, deadline = (
                        ", ".join(dict.fromkeys(option_name(key, i) for i in endless))
                        for key in ("num_pairs", "deadline_s")
                    )
                    note += (
                        f" and, with neither num_pairs nor deadline_s{which}, keep them until the run ends (give them "
                        f"{num_pairs} or {deadline}, more channels or num_memories, or run the requests in separate "
                        "networks)"
                    )
            notes.append(note + unmeasured)
        elif self.status == "pending":
            notes.append(f"not started: the run stopped before its start at {_eng(self.start_s, 's')}")
        undecided = self._undecided_bell_weight()
        if undecided is not None:
            # 200 trajectories of pairs at F = 0.4845 (separable) read 0.51, "entangled: yes", without a word.
            name, mean, low, high = undecided
            notes.append(
                f"ENTANGLEMENT UNDECIDED: the {name} weight {mean:.4f} of {self.num_pairs} trajectories has the 95% "
                f"interval [{low:.4f}, {high:.4f}], which holds 1/2, so whether these pairs are entangled (a weight "
                "above 1/2) is not settled by this run (entangled reads its estimate): "
                + (
                    # With memory T1 the trajectories sample the twirled pairs, whose verdict more pairs or
                    # bell_diagonal settle: F = 0.95 links swapped after 1 ms in T1 = 2.5 ms memories, 200 pairs, were
                    # sent to bell_diagonal, which reads NOT ENTANGLED (0.490) where every exact pair is entangled.
                    "with memory T1 Pauli-twirled, more pairs, or bell_diagonal (which computes the twirled weights "
                    "exactly), settle only the twirled pairs' verdict; run density_matrix for the pairs' own"
                    if self.twirled_t1
                    else "deliver more pairs, or run bell_diagonal or density_matrix, which compute the weights exactly"
                )
            )
        elif self.num_pairs and self.entangled is not True and self._sampled_entangled() is False:
            # (Pairs whose own sampled figures read entangled are called separable by the link note below alone:
            # the notes here state those figures' verdict.) Twirled T1 pairs that read separable are not known to be
            # (entangled is None): "NOT ENTANGLED" headed a note whose pairs density_matrix finds all entangled.
            undecided = self.entangled is None
            not_entangled = "ENTANGLEMENT UNDECIDED: separable as twirled" if undecided else "NOT ENTANGLED"
            if self.concurrence_sum is not None and self.unentangled < self.num_pairs:
                # 9 separable pairs among 404 read "NOT ENTANGLED" (and "NO" in the table) as if all were.
                notes.append(
                    ("ENTANGLEMENT UNDECIDED: partly separable as twirled" if undecided else "PARTLY ENTANGLED")
                    + f": {self.unentangled} of {self.num_pairs} delivered pairs have zero concurrence "
                    f"(separable, of no use as entangled pairs); the other {self.num_pairs - self.unentangled} are "
                    f"entangled (mean fidelity of all {self.mean_fidelity:.4f})" + self._twirl_verdict_caveat()
                )
            elif self.concurrence_sum is not None:
                notes.append(
                    f"{not_entangled}: {self.unentangled} of {self.num_pairs} delivered pairs have zero concurrence "
                    f"(mean fidelity {self.mean_fidelity:.4f})" + self._twirl_verdict_caveat()
                )
            elif self.mean_bell_diagonal is not None:
                notes.append(
                    f"{not_entangled}: mean fidelity {self.mean_fidelity:.4f} <= 1/2, and no other Bell state weighs "
                    f"more than 1/2 either (at most {max(self.mean_bell_diagonal):.4f}): a Bell-diagonal mixture "
                    "whose weights are all <= 1/2 is separable" + self._twirl_verdict_caveat()
                )
            else:
                notes.append(
                    f"{not_entangled}: mean fidelity {self.mean_fidelity:.4f} <= 1/2 (Bell-diagonal pairs with "
                    "F <= 1/2 carry no |Phi+> entanglement)" + self._twirl_verdict_caveat()
                )
        elif self.unentangled:
            notes.append(
                f"{self.unentangled} of {self.num_pairs} delivered pairs have zero concurrence"
                + self._twirl_verdict_caveat()
            )
        if self.separable_links:
            # A transducer link at F = 0.345 read "no pair delivered ... its 95% interval is 0-7.38 Hz" and nothing
            # else: a longer run looked like the way out, where every pair it could deliver is separable.
            links = ", ".join(self.separable_links)
            twirled = f", as the {self.formalism} formalism holds them: the link's Bell-diagonal part, memories twirled"
            held = "" if self.formalism == "density_matrix" else twirled
            if self.twirled_t1:
                # Judged exactly (see separable_links): the twirled pairs the run holds may read entangled.
                held = ", under the exact state and memory channel, whatever the twirled pairs this run holds read"

            notes.append(
                f"NOT ENTANGLED: link(s) {links} of its path give pairs that are separable by the time their ends "
                "hold the herald (their partial transpose is positive: the link's own noise, or its ends' memories "
                f"over the herald delay{held}): no swap, purification or storage makes entanglement from them, so this "
                "request cannot deliver an entangled pair however long it runs"
            )
        weights = self.mean_bell_diagonal
        if self.num_pairs and weights is not None and max(weights) > 0.5 and weights[0] < max(weights):
            # Entangled pairs near Psi+ read a fidelity toward Phi+ below 1/2 beside "entangled: yes":
            # say which state they are and the local Pauli that makes them the Phi+ pairs the figures mean.
            k = max(range(4), key=lambda i: weights[i])
            name, pauli = (("Psi+", "an X"), ("Psi-", "a Y"), ("Phi-", "a Z"))[k - 1]
            notes.append(
                f"the delivered pairs are near {name}, not Phi+: mean Bell weights {_bell_weights_text(weights)}; "
                f"fidelity is read toward Phi+ ({weights[0]:.4f}), and {pauli} on one end would make them Phi+ "
                f"pairs of fidelity {weights[k]:.4f}"
            )
        if self.num_pairs and self.cutoff_discards >= _CUTOFF_DOMINATES * self.num_pairs:
            # A tree under a cutoff just long enough for its first round delivered 1 pair and discarded 127 qubits
            # in 20 ms, and nothing said that the cutoff, not the links, held the rate down.
            notes.append(
                f"the cutoff may set this rate: {self.cutoff_discards} stored qubits were discarded by the "
                f"{_eng(self.cutoff_s, 's')} cutoff for {self.num_pairs} pair(s) delivered "
                f"({self.cutoff_discards / self.num_pairs:.3g} per pair), most pairs expiring before they were used; "
                "a longer cutoff_s (or more memories per side, where purification rounds wait for freed memories to "
                "make new pairs) may deliver more pairs, older ones"
            )
        if not self.num_pairs and self.status not in ("pending", "waiting"):
            if self.cutoff_discards:
                notes.append(
                    f"no pair delivered: {self.cutoff_discards} stored qubits were discarded by the "
                    f"{_eng(self.cutoff_s, 's')} cutoff"
                )
            if self.protocol_discards:
                notes.append(
                    f"no pair delivered: its Python protocol ({self.protocol_name}) discarded "
                    f"{self.protocol_discards} pairs"
                )
            if self.purification_failures:
                notes.append(f"no pair delivered: {self.purification_failures} purification rounds failed")
            # A request dropped before it was admitted made no attempt: its drop note says why, and a
            # bound on a rate it never measured would read as a figure about its links.
            never_ran = self._never_admitted
            if self.window_s > 0 and not never_ran:
                # A rate of exactly 0 Hz is a measurement of nothing: a link of 1e-9 Hz run for 1e6 s
                # reads 0 Hz, as does one of 2 Hz run for 0.5 s now and then. The bound is the rate's own 95%
                # interval, as the table shows it: the note said -ln(0.05)/t (a one-sided bound, 30 Hz over
                # 100 ms) beside the table's 0-36.9 Hz, two 95% bounds side by side.
                window = _eng(self.window_s, "s")
                interval = self.rate_interval95
                if interval is None and self.protocol_discards:
                    # The schedule says when the links give pairs, not when a policy keeps one.
                    notes.append(f"no pair delivered in the {window} window; the rate of 0 Hz says no more")
                elif interval is None and self.rejected_low_fidelity:
                    # A bell_diagonal request whose 2000 pairs (one per ms) were all below its min_fidelity read
                    # "the path's first pair comes more than 2 s after the request's start".
                    notes.append(
                        f"no pair delivered in the {window} window: the path gave {self.rejected_low_fidelity} pairs "
                        f"on its fixed schedule, every one below min_fidelity {self.min_fidelity:g}; the rate of 0 Hz "
                        "says no more"
                    )
                elif interval is None and self.protocol_name is not None:
                    # A protocol that never called deliver_end on a one-link chain read "on its fixed schedule the
                    # path's first pair comes more than 10 s after the request's start": the links gave it 10^5.
                    notes.append(
                        f"no pair delivered in the {window} window: its Python protocol ({self.protocol_name}) "
                        "delivers them, so the links' fixed schedule does not say why (none reached it, or it "
                        "delivered none it had: its deliver_end calls decide); the rate of 0 Hz says no more"
                    )
                elif interval is None:
                    notes.append(
                        f"no pair delivered in the {window} window: on its fixed schedule (no sampling noise) the "
                        f"path's first pair comes more than {window} after the request's start; the rate of 0 Hz says "
                        "no more"
                    )
                else:
                    notes.append(
                        f"no pair delivered in the {window} window: the rate of 0 Hz only bounds it: its 95% "
                        f"interval is 0-{_eng(interval[1], 'Hz')} (Poisson)"
                    )
            elif not never_ran:
                # until_s = 0 (or a start at the end of the run) printed "open, pairs 0" and no word.
                notes.append(
                    f"nothing measured: the run stopped at {stopped}, when the request started (a window of 0 s "
                    "has no rate)"
                )
        if self.kept_blocked is not None:
            # 2 pairs kept in the first ms of a 100 ms run read "20 Hz [2.42, 72.2] ... run longer (until_s) for at
            # least 100 pairs": every later ms was spent waiting for memories the kept pairs hold.
            held, memories = self.kept_blocked
            last = _eng(self.last_delivery_s, "s") if self.last_delivery_s is not None else "its start"
            keep = option_name("keep_pairs", self.request)  # as the reader sets it (requests.0.keep_pairs in a file)
            notes.append(
                f"BLOCKED by its kept pairs: {held} delivered pair(s) kept ({keep}) and not released hold the "
                f"{memories} memor{'y' if memories == 1 else 'ies'} it reserved at each end, so no pair could come "
                f"after {last}: its rate counts the time since as the path's, and a longer run adds no pair; release "
                f"them as they are used (Network.release_pair), or leave {keep} out"
            )
        if self.idle_options:
            # A repeater-chain study swept over chain lengths read nested and asap as two measured policies at one
            # link (the same run, draw for draw), and a routed request may take a one-link path the user never saw.
            said = ", ".join(f"{option_name(key, self.request)}={value}" for key, value, _ in self.idle_options)
            swap = [reason for key, _, reason in self.idle_options if key != "purification"]
            hops = len(self.path) - 1
            why = ([f"its path of {hops} link{'' if hops == 1 else 's'} has " + ", ".join(swap)] if swap else []) + [
                reason for key, _, reason in self.idle_options if key == "purification"
            ]
            notes.append(f"{said} changed nothing ({'; '.join(why)}), so this run is the default's, draw for draw")
        if self.rejected_low_fidelity:
            rejected = f"{self.rejected_low_fidelity} pairs rejected below fidelity {self.min_fidelity:g}"
            if self.twirled_t1:
                # Two F = 0.95 links swapped after 1 ms in T1 = 2.5 ms memories: bell_diagonal rejected all 2000
                # pairs (twirled F = 0.490) below min_fidelity 0.5, density_matrix none (exact F 0.50 to 0.53).
                rejected += (
                    f", judged by their fidelity as the {self.formalism} formalism holds them, memory T1 "
                    "Pauli-twirled, not the exact channel's (see the run's T1 note): density_matrix can keep some"
                )
            notes.append(rejected)
        if self.capped:
            notes.append(f"{self.num_records} of {self.num_pairs} pairs recorded ({option_name('max_records')})")
        notes.extend(self._sample_notes())
        return notes

    def _twirl_verdict_caveat(self) -> str:
        """What a note calling delivered pairs separable adds when the run twirled memory T1 (:attr:`twirled_t1`).

        The Pauli twirl of amplitude damping moves a stored pair's fidelity off the exact channel's (lower for pairs
        without local polarization; the run's T1 note gives by how much), and a swap's outcomes each leave their own
        exact pair, so pairs that the exact channel leaves entangled can read separable: two F = 0.95 Werner links
        swapped after 1 ms in memories of T1 = 2.5 ms deliver pairs whose every outcome is entangled (negative
        partial transpose) while the twirled pair's weights are at most 0.49. Those pairs read "NOT ENTANGLED: 2000
        of 2000 delivered pairs have zero concurrence" with no word that the verdict was the twirl's.
        """
        if not self.twirled_t1:
            return ""
        return (
            f"; judged on the pairs as the {self.formalism} formalism holds them, memory T1 Pauli-twirled, whose "
            "fidelity is not the exact channel's (see the run's T1 note): the exact channel can leave them "
            "entangled, and density_matrix gives the exact verdict"
            + (" (entangled reads None, the tables unsure)" if self.num_pairs and self.entangled is None else "")
        )

    def _sample_notes(self) -> list[str]:
        """What the figures cannot say with so few pairs: a fidelity that rests on one pair,
        stabilizer trajectories that all came out alike (their mean is 0 or 1, the truth is not), and
        and a rate from fewer than :data:`FEW_PAIRS_FOR_RATE` random arrivals (its 95% interval; a window
        that ended on its last pair, a served request's, reads high)."""
        n = self.num_pairs
        if not n:
            return []
        notes = []
        if self.formalism == "stabilizer":
            ones = round(self.mean_fidelity * n)
            if ones in (0, n):
                low, high = self.fidelity_interval95  # type: ignore[misc]
                outcome = "|Phi+>" if ones else "an error state"
                bound = f"at least {low:.4f}" if ones else f"at most {high:.4f}"
                notes.append(
                    f"all {n} delivered pair(s) came out {outcome} (stabilizer trajectories, 0 or 1 each): the "
                    f"fidelity is {bound} (95% Wilson interval), not exactly {ones // n}; deliver more pairs to "
                    "narrow it"
                )
        elif n == 1:
            notes.append("one pair delivered: its fidelity is a single sample, with no confidence interval")
        interval = self.rate_interval95
        if interval is not None and n < FEW_PAIRS_FOR_RATE:
            # A handful of random arrivals: 8 pairs in a 2 ms run printed "4 k" Hz with no word (true:
            # 4.3 kHz); a request served by its 3rd pair at 1 ms read 3 kHz where its link makes 1 kHz
            # (the window ends on a delivery, so few pairs read high).
            low, high = (_eng(v, "Hz") for v in interval)
            # Named as the reader changes them (qnsim run: --until, a sweep's rows: run.until_s): see qnsim._options.
            num_pairs, until, deadline = (option_name(k, self.request) for k in ("num_pairs", "until_s", "deadline_s"))
            if self.kept_blocked is not None:
                notes.append(
                    f"rate from only {n} pair(s) in the {_eng(self.window_s, 's')} window: between {low} and {high} "
                    "at 95% confidence (Poisson) if they came as a Poisson process, which its kept pairs stopped "
                    "(see BLOCKED)"
                )
            elif self.ended_on_last_pair:
                notes.append(
                    f"rate from only {n} pair(s), in a window that ended on the last (so it reads high): between "
                    f"{low} and {high} at 95% confidence (Poisson); ask for at least {FEW_PAIRS_FOR_RATE} pairs "
                    f"({num_pairs}) to measure it"
                )
            else:
                # A dropped request's window ended at its drop (a deadline), and a request without num_pairs was
                # served at its deadline (it read "ended on the last ... ask for 100 pairs (num_pairs)"): running
                # longer changes nothing.
                longer = f"a later {deadline}" if self.status in ("dropped", "served") else f"run longer ({until})"
                notes.append(
                    f"rate from only {n} pair(s) in the {_eng(self.window_s, 's')} window: between {low} and "
                    f"{high} at 95% confidence (Poisson); {longer} for at least {FEW_PAIRS_FOR_RATE} pairs"
                )
        lead = self._first_delivery_lead_s()
        if lead is not None:
            # A long path's first pair waits for heralds and swap news that later pairs overlap, and the
            # pairs its links made meanwhile then come in a burst: a 6-hop, 300 km chain with 32 channels
            # read 15.6 kHz over 6.3 ms where it delivers 18.8 kHz (its 95% interval missed that in 1 run of
            # 5), and 21 kHz counted from its first delivery: neither is the path's rate.
            num_pairs, until, deadline = (option_name(k, self.request) for k in ("num_pairs", "until_s", "deadline_s"))
            longer = (
                f"ask for more pairs ({num_pairs})" if self.ended_on_last_pair
                else f"give a later {deadline}" if self.status in ("dropped", "served")
                else f"run longer ({until})"
            )
            notes.append(
                f"no pair came in the first {_eng(lead, 's')} of the {_eng(self.window_s, 's')} window (what the "
                "first pair waits for: memories, heralds, purification and swap news along the path): a window "
                f"this short measures that start-up as much as the path's steady rate, so {_eng(self.rate_hz, 'Hz')} "
                f"may be off either way; {longer} until the start-up is a small part of the window"
            )
        return notes

    def _first_delivery_lead_s(self) -> float | None:
        """The time from the window's start to the first delivery, in s, when it is more than a tenth of a window
        holding at least :data:`FEW_PAIRS_FOR_LEAD` pairs (the rate then counts a wait the later pairs do not
        have) and more than :data:`LATE_FIRST_DELIVERY_GAPS` mean gaps at the window's rate (a wait that pairs
        arriving at random would exceed less than 1 time in 20: not one Poisson wait); None otherwise."""
        if self.num_pairs < FEW_PAIRS_FOR_LEAD or self.first_delivery_s is None or self.window_s <= 0:
            return None
        lead = self.first_delivery_s - self.start_s
        if lead <= 0.1 * self.window_s or lead >= self.window_s:
            return None
        if lead * self.num_pairs <= LATE_FIRST_DELIVERY_GAPS * self.window_s:
            # A direct link's 16 pairs in 50 ms, the first after 7.7 ms (2.5 mean gaps), read "a window this short
            # measures that start-up ... may be off either way": a start-up it does not have.
            return None
        return lead

    @property
    def mean_latency_s(self) -> float:
        """Mean time between deliveries (from the start for the first), in s; nan without pairs.

        The latencies telescope, so this is (last delivery - start) / pairs and needs no records.
        """
        if not self.num_pairs:
            return math.nan
        if not self.capped:
            return _numerics.mean(self.latencies_s)
        if self.start_ps is not None and self.end_ps is not None:
            last_ps = self.last_delivery_ps if self.last_delivery_ps is not None else self.end_ps
            return (last_ps - self.start_ps) / 1e12 / self.num_pairs
        last = self.last_delivery_s if self.last_delivery_s is not None else self.end_s
        return (last - self.start_s) / self.num_pairs

    @property
    def mean_age_s(self) -> float:
        """Mean age of the delivered pairs at delivery, in s (:attr:`ages_s`): over every pair, also when
        ``max_records`` capped the records (nan without pairs, or without records in a result built without the
        native sum)."""
        if self.capped and self.age_sum_s is not None:
            # The first records are the start-up's pairs: a 6-node chain's first 10 read 1.94 ms for 2.54 ms.
            return self.age_sum_s / self.num_pairs
        return _numerics.mean(self.ages_s) if self.num_records else math.nan

    def describe(self) -> str:
        """One sentence: was the request served, when, at what fidelity, or why it was dropped.

        Example:
            >>> import numpy as np
            >>> r = RequestResult(3, "a", "b", ["a", "b"], 0.0, 2, np.array([1e-3, 2e-3]),
            ...                   np.array([0.9, 0.8]), np.zeros(2), end_s=2e-3, status="served",
            ...                   finished_s=2e-3)
            >>> r.describe()
            'request 3 a -> b: served at 2 ms, 2 of 2 pairs, mean fidelity 0.8500'
            >>> RequestResult(0, "a", "b", ["a", "b"], 0.0, 5, np.zeros(0), np.zeros(0), np.zeros(0),
            ...               status="dropped", finished_s=0.01, drop_reason="deadline passed").describe()
            'request 0 a -> b: dropped at 10 ms (deadline passed), 0 of 5 pairs'
        """
        head = f"request {self.request} {self.src} -> {self.dst}: {self.status}"
        if self.status in ("served", "dropped") and self.finished_s is not None:
            head += f" at {_eng(self.finished_s, 's')}"
        if self.status == "dropped" and self.drop_reason:
            head += f" ({self.drop_reason})"
        wanted = "" if self.num_pairs_requested is None else f" of {self.num_pairs_requested}"
        text = f"{head}, {self.num_pairs}{wanted} pairs"
        if self.num_pairs:
            text += f", mean fidelity {self.mean_fidelity:.4f}"
        if self.rejected_low_fidelity:
            text += f", {self.rejected_low_fidelity} rejected below fidelity {self.min_fidelity:g}"
        return text

    def summary(self) -> dict[str, Any]:
        """Summary statistics as a JSON-serializable dict (nan becomes None).

        Example:
            >>> import numpy as np
            >>> r = RequestResult(0, "a", "b", ["a", "b"], 0.0, 1, np.array([2.0]),
            ...                   np.array([1.0]), np.array([1.0]), end_s=2.0)
            >>> r.summary()["rate_hz"], r.summary()["fidelity_ci95"]
            (0.5, None)
        """
        return _clean(self._summary_cells())

    def _summary_cells(self) -> dict[str, Any]:
        """:meth:`summary`'s fields as they are: a figure not measured NaN, one that does not apply None (a frame
        keeps the two apart, :meth:`NetworkResult.summary_pandas`; JSON, which has no NaN, cannot)."""
        return (
            {
                "request": self.request,
                "src": self.src,
                "dst": self.dst,
                "path": list(self.path),
                "status": self.status,
                "drop_reason": self.drop_reason,
                "admitted_s": self.admitted_s,
                "finished_s": self.finished_s,
                "deadline_s": self.deadline_s,
                "num_pairs_requested": self.num_pairs_requested,
                "num_pairs": self.num_pairs,
                "num_records": self.num_records,
                "rejected_low_fidelity": self.rejected_low_fidelity,
                "window_s": self.window_s,
                "rate_hz": self.rate_hz,
                "rate_interval95": None if self.rate_interval95 is None else list(self.rate_interval95),
                "mean_fidelity": self.mean_fidelity,
                "fidelity_std": self.fidelity_std,
                "fidelity_ci95": self.fidelity_ci95,
                "fidelity_interval95": None if self.fidelity_interval95 is None else list(self.fidelity_interval95),
                "mean_latency_s": self.mean_latency_s,
                "mean_age_s": self.mean_age_s,
                "entangled": self.entangled,
                "separable_links": list(self.separable_links),
                "mean_concurrence": self.mean_concurrence,
                "mean_bell_diagonal": None if self.mean_bell_diagonal is None else list(self.mean_bell_diagonal),
                "unentangled": self.unentangled,
                "cutoff_discards": self.cutoff_discards,
                "purification_failures": self.purification_failures,
                "notes": self.notes,
            }
        )


@dataclass
class NetworkResult:
    """Everything a run produced: per-request deliveries, counters and run statistics.

    Attributes:
        requests: One :class:`RequestResult` per request, in request order.
        formalism: ``"density_matrix"``, ``"stabilizer"`` or ``"bell_diagonal"``.
        seed: The seed of the run (drawn at random, and said so in ``notes``, when none was given).
        until_s: Requested end of the run, in s.
        now_s: Simulated time reached, in s (a run reaches its until_s).
        events_processed: Native events handled since the network was built (a link pair's cutoff that comes
            after both its qubits are gone does nothing and is not counted: ``network.native.timeouts_voided``).
        wall_time_s: Wall-clock time of the run call(s), in s. The one figure that is not a function of the
            inputs and seed: no output shows it unless asked (``timing=True`` of :meth:`to_dict`, :meth:`to_json`
            and :meth:`summary_table`; ``qnsim run --timing``), so two runs of one scenario and seed give identical
            JSON and text.
        counters: Native counters since the network was built: ``attempts`` (link attempts begun
            before the time the result was read: a link still attempting counts the attempts of its
            current draw begun so far, and one whose request ended mid-draw those begun before the
            end), ``link_pairs``, ``swaps``, ``purifications``, ``purification_failures``,
            ``cutoff_discards``.
        notes: Caveats of the whole run (e.g. the stabilizer and bell_diagonal formalisms' T1 twirl).

    Example:
        >>> r = NetworkResult([], "density_matrix", 1, 1.0, 1.0, 0, 0.0, {"swaps": 0})
        >>> r.to_dict()["counters"]
        {'swaps': 0}
    """

    requests: list[RequestResult]
    formalism: str
    seed: int | None
    until_s: float
    now_s: float
    events_processed: int
    wall_time_s: float
    counters: dict[str, int]
    notes: list[str] = field(default_factory=list)

    def __getitem__(self, request: int) -> RequestResult:
        return self.requests[request]

    def row(self) -> dict[str, Any]:
        """This run as one flat row of results: the columns a scenario sweep writes for its points.

        Return it from a :func:`qnsim.sweep` point function that builds its own network (a Python
        protocol, a network made in code): its rows then have the same columns as a scenario TOML's
        sweep (``pairs``, ``rate_hz`` with ``rate_hz_low`` / ``rate_hz_high``, ``window_s``,
        ``mean_fidelity``, ``fidelity_ci95``, ``mean_latency_s``, ``status``, each request's under its
        label, ``events``, ``simulated_s`` and the ``notes``), so :func:`qnsim.plot_sweep` draws and
        compares both alike. See :func:`qnsim.scenario.run_scenario_data` for the columns.

        Example:
            >>> import qnsim
            >>> net = qnsim.Network(seed=1); _ = net.add_node("a"); _ = net.add_node("b")
            >>> _ = net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=100.0)
            >>> _ = net.request("a", "b")
            >>> row = net.run(until_s=0.5, progress=False).row()
            >>> row["pairs"], row["a->b.rate_hz"], row["simulated_s"]
            (50, 100.0, 0.5)
        """
        from qnsim.scenario import _row

        return _row(self, self.until_s)

    def to_dict(self, *, include_pairs: bool = True, timing: bool = False) -> dict[str, Any]:
        """A JSON-serializable dict (nan becomes None): a function of the run's inputs and seed alone, unless
        ``timing`` adds the wall clock.

        Args:
            include_pairs: Also list every delivered pair (time_s, fidelity, age_s).
            timing: Also add ``"timing": {"wall_time_s": ...}`` (s of wall clock the run took), the one record
                that differs between two runs of the same inputs and seed. (Before, ``wall_time_s`` was a top-level
                key of every dict, so two identical runs never compared equal; read it as
                ``d["timing"]["wall_time_s"]`` with ``timing=True``, or as :attr:`wall_time_s`.)

        Example:
            >>> import json
            >>> r = NetworkResult([], "stabilizer", None, 1.0, 1.0, 10, 0.01, {})
            >>> json.loads(json.dumps(r.to_dict()))["events_processed"]
            10
            >>> "wall_time_s" in r.to_dict(), r.to_dict(timing=True)["timing"]
            (False, {'wall_time_s': 0.01})
        """
        include_pairs = flag("include_pairs", include_pairs)  # "no" is truthy: checked, not tested
        timing = flag("timing", timing)
        out: dict[str, Any] = {
            "formalism": self.formalism,
            "seed": self.seed,
            "until_s": self.until_s,
            "now_s": self.now_s,
            "events_processed": int(self.events_processed),
            "counters": {k: int(v) for k, v in self.counters.items()},
            "notes": list(self.notes),
            "requests": [],
        }
        for r in self.requests:
            entry = r.summary()
            if include_pairs:
                entry["pairs"] = {
                    "time_s": r.times_s.tolist(),
                    "fidelity": r.fidelities.tolist(),
                    "age_s": r.ages_s.tolist(),
                }
                if r.concurrence_sum is not None:
                    entry["pairs"]["concurrence"] = r.concurrences.tolist()
                entry["pairs"]["bell_diagonal"] = r.bell_diagonals.tolist()
            out["requests"].append(entry)
        if timing:
            # Apart from the results, under its own key: everything outside "timing" repeats bit for bit.
            out["timing"] = {"wall_time_s": self.wall_time_s}
        return _clean(out)

    def to_json(self, *, include_pairs: bool = True, indent: int | None = 2, timing: bool = False) -> str:
        """:meth:`to_dict` as JSON text (strict JSON: no NaN): the same bytes for the same inputs and seed, unless
        ``timing`` adds the wall clock.

        Args:
            include_pairs: As for :meth:`to_dict`.
            timing: As for :meth:`to_dict` (a ``"timing"`` record with ``wall_time_s``).
            indent: Spaces per nesting level, 0 to :data:`MAX_JSON_INDENT` (None: one line).

        Raises:
            TypeError: ``indent`` is not an integer (``True`` included); ValueError: it is out of range.

        Example:
            >>> NetworkResult([], "stabilizer", None, 1.0, 1.0, 0, 0.0, {}).to_json(indent=None)[:23]
            '{"formalism": "stabiliz'
        """
        indent = json_indent(indent)
        return json.dumps(self.to_dict(include_pairs=include_pairs, timing=timing), indent=indent, allow_nan=False)

    def to_pandas(self) -> Any:
        """Delivered pairs as a pandas DataFrame, one row per recorded pair; ``attrs["notes"]`` holds
        the run's and the requests' notes (capped records: the frame lacks the later pairs).

        Columns: request, src, dst, time_s, fidelity, oldest_emission_s, age_s, latency_s, and the
        pair's Bell-basis diagonal bell_phi_plus, bell_psi_plus, bell_psi_minus, bell_phi_minus.
        Requires pandas (``pip install qnsim[pandas]``).

        Example:
            >>> df = NetworkResult([], "stabilizer", None, 1.0, 1.0, 0, 0.0, {}).to_pandas()
            >>> list(df.columns)[:4]
            ['request', 'src', 'dst', 'time_s']
        """
        pd = _import_pandas()
        from qnsim.trace import DELIVERY_FRAME_BYTES, check_frame_fits

        # A frame the memory free now cannot hold got the process killed without a word.
        check_frame_fits(
            sum(r.num_records for r in self.requests), DELIVERY_FRAME_BYTES, "delivery records",
            "read the per-request arrays instead (result.requests[i].fidelities, .times_s, ...), or keep fewer with "
            "Network(max_records=...)",
        )  # fmt: skip
        bell = ["bell_phi_plus", "bell_psi_plus", "bell_psi_minus", "bell_phi_minus"]
        columns = ["request", "src", "dst", "time_s", "fidelity", "oldest_emission_s", "age_s", "latency_s", *bell]
        frames = [
            pd.DataFrame(
                {
                    "request": np.full(r.num_records, r.request, dtype=np.int64),
                    "src": [r.src] * r.num_records,
                    "dst": [r.dst] * r.num_records,
                    "time_s": r.times_s,
                    "fidelity": r.fidelities,
                    "oldest_emission_s": r.oldest_emission_s,
                    "age_s": r.ages_s,
                    "latency_s": r.latencies_s,
                    **{name: r.bell_diagonals[:, k] for k, name in enumerate(bell)},
                },
                columns=columns,
            )
            for r in self.requests
            if r.num_records
        ]
        if frames:
            out = pd.concat(frames, ignore_index=True)
        else:
            out = pd.DataFrame({c: [] for c in columns}, columns=columns)
        # Capped records (max_records), an interrupted run, ...: the frame alone would not say so.
        notes = [f"request {r.request} {r.label}: {n}" for r in self.requests for n in r.notes]
        out.attrs["notes"] = [*self.notes, *notes]
        return out

    def summary_pandas(self) -> Any:
        """The per-request summaries as a pandas DataFrame (one row per request, each request's notes in its
        ``notes`` column); ``attrs["notes"]`` holds the run's own notes (:attr:`notes`), as :meth:`to_pandas`'s does.

        The cells are :meth:`RequestResult.summary`'s, but a figure that was not measured stays NaN (a mean fidelity,
        its spread and a mean latency without pairs; both ends of ``rate_interval95`` for a request never admitted)
        where the JSON dict has None, and a value that does not apply is a blank, ``pd.NA`` (no deadline, no
        ``num_pairs`` asked, not admitted or not finished yet, an exact rate's ``rate_interval95``, an undecided
        ``entangled``): the rule of every qnsim frame (:func:`qnsim.sweeps.rows_frame`).

        Example:
            >>> NetworkResult([], "stabilizer", None, 1.0, 1.0, 0, 0.0, {}).summary_pandas().shape
            (0, 0)
        """
        _import_pandas()
        from qnsim.sweeps import rows_frame

        out = rows_frame([_frame_cell(r._summary_cells()) for r in self.requests])
        # An interrupted run, results read past the time run, the twirl of T1: the rows alone would not say so.
        out.attrs["notes"] = list(self.notes)
        return out

    def summary_table(self, *, timing: bool = False) -> str:
        """A fixed-width text table: per request, pairs, rate, mean fidelity +- 95% CI, latency.

        The same text for the same inputs and seed: the wall clock the run took (:attr:`wall_time_s`) is printed
        only with ``timing=True`` (before, every table ended its run line with "in 0.0123 s wall", so two runs'
        outputs never diffed clean).

        Args:
            timing: Add the run's wall-clock time, in s, to its run line.

        Example:
            >>> print(NetworkResult([], "stabilizer", 3, 1.0, 1.0, 0, 0.0, {}).summary_table())
            ... # doctest: +ELLIPSIS
            request  ...
            (no requests)
            ...
        """
        timing = flag("timing", timing)
        names = [f"{r.request}: {r.src} -> {r.dst}" for r in self.requests]
        width = max([len("request")] + [len(n) for n in names])
        # A rate with no interval and no window ("4.34 k" here, "4285 pairs/s" from an estimate's calibration of
        # the same link) could not be told from another run's: each carries its 95% interval and its window.
        spreads = [r._rate_spread() for r in self.requests]
        spread_width = max([len("rate 95% (Hz)")] + [len(t) for t in spreads])
        header = (
            f"{'request':<{width}} {'pairs':>7} {'rate (Hz)':>11} {'rate 95% (Hz)':>{spread_width}} {'window':>9} "
            f"{'fidelity (95% CI)':>22} {'mean latency':>13} {'mean age':>11} {'entangled':>9} {'status':>8} "
            f"{'finished':>9}"
        )
        lines = [header, "-" * len(header)]
        for name, r, spread in zip(names, self.requests, spreads):
            if r.num_pairs == 0:
                fid = "-"
            elif math.isnan(r.fidelity_ci95):
                fid = f"{r.mean_fidelity:.4f}"
            else:
                fid = f"{r.mean_fidelity:.4f} +- {_ci(r.fidelity_ci95)}"
            rate = "-" if math.isnan(r.rate_hz) else _eng(r.rate_hz, "")
            finished = _eng(r.finished_s, "s") if r.finished_s is not None else "-"
            entangled = r._entangled_text()
            window = _eng(r.window_s, "s") if r.window_s > 0 else "-"
            lines.append(
                f"{name:<{width}} {r.num_pairs:>7} {rate:>11} {spread:>{spread_width}} {window:>9} {fid:>22} "
                f"{_eng(r.mean_latency_s, 's'):>13} {_eng(r.mean_age_s, 's'):>11} {entangled:>9} {r.status:>8} "
                f"{finished:>9}"
            )
            notes = r.notes
            if notes:
                lines.append(f"{'':<{width}}   " + "; ".join(notes))
        if not self.requests:
            lines.append("(no requests)")
        lines.append("-" * len(header))
        counters = ", ".join(f"{k} {v}" for k, v in self.counters.items())
        lines.append(
            f"{self.formalism}, seed {self.seed}, simulated {_eng(self.now_s, 's')}, "
            f"{self.events_processed} events" + (f" in {self.wall_time_s:.3g} s wall" if timing else "")
        )
        if counters:
            lines.append(counters)
        if self.requests:
            lines.append(RATE_LEGEND)
        lines.extend(f"note: {note}" for note in self.notes)
        # "0.5910 +- 0" beside rates of thousands of pairs reads as a measurement precise to the last digit;
        # it is that every pair came out alike (here: same link state, same storage time), which the table says.
        equal = [str(r.request) for r in self.requests if r.formalism != "stabilizer" and r.fidelity_ci95 == 0.0]
        if equal:
            lines.append(
                f"fidelity +- 0 (request{'s' if len(equal) > 1 else ''} {', '.join(equal)}): every delivered pair "
                "had exactly the same fidelity, so the mean is exact, not a sampled estimate"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary_table()

    def __repr__(self) -> str:
        """The run in a few lines: formalism, seed, time, events, then one line per request (the
        first 20) and the run's notes; never the per-pair records.

        Example:
            >>> NetworkResult([], "stabilizer", 3, 1.0, 1.0, 12, 0.01, {"swaps": 0})
            NetworkResult(stabilizer, seed 3, simulated 1 s, 12 events, 0 requests)
        """
        head = (
            f"NetworkResult({self.formalism}, seed {self.seed}, simulated {_eng(self.now_s, 's')}, "
            f"{self.events_processed} events, {len(self.requests)} request{'s' if len(self.requests) != 1 else ''}"
        )
        lines = [f"  {written(r)}" for r in self.requests[:_REPR_ROWS]]
        if len(self.requests) > _REPR_ROWS:
            lines.append(f"  ... and {len(self.requests) - _REPR_ROWS} more requests")
        lines += [f"  note: {n}" for n in self.notes]
        return head + ("\n" + "\n".join(lines) + "\n)" if lines else ")")

    def _repr_html_(self) -> str:
        """Jupyter: one row per request (the first 20) with units, notes and run caveats."""
        from qnsim import _display

        rows = []
        for r in self.requests:
            figures = dict(r._figures())
            rows.append([
                f"{r.request} {r.label}", figures["status"], figures["pairs"], figures.get("rate", "-"),
                figures.get("rate 95%", "-"), figures.get("window", "-"), figures.get("fidelity", "-"),
                figures.get("mean latency", "-"),
                r._entangled_text(), "; ".join(r.notes),
            ])  # fmt: skip
        head = _display.title(
            # No wall clock: a notebook's saved output repeats for the same inputs and seed (summary_table's note).
            f"{self.formalism}, seed {self.seed}, simulated {_eng(self.now_s, 's')}, {self.events_processed} events"
        )
        headers = ["request", "status", "pairs", "rate", "rate 95%", "window", "fidelity", "mean latency", "entangled",
                   "notes"]
        counters = ", ".join(f"{k} {v}" for k, v in self.counters.items())
        counters_html = f"<p>{counters}</p>" if counters else ""
        return head + _display.table(headers, rows) + counters_html + _display.notes(self.notes)


_REPR_ROWS = 20
_STATUS = {"pending": "pending", "waiting": "waiting", "active": "open", "served": "served", "dropped": "dropped"}
# Stored qubits discarded by a request's cutoff per pair it delivered from which its notes say that the cutoff,
# not its links, sets its rate: a path of L links under a working cutoff loses a few per pair (each link's older
# qubit now and then), far fewer than ten.
_CUTOFF_DOMINATES = 10
_COUNTERS = ("attempts", "link_pairs", "swaps", "purifications", "purification_failures", "cutoff_discards")


def _probabilities(what: str, values: Any, count: int = 1) -> Any:
    """``values`` (probabilities, or sums of ``count`` of them), checked as they leave the native
    layer: rounding outside [0, count] clipped (a density-matrix pair of F = 1 - 1e-16 came back
    with a Bell weight of -2.8e-17), a value outside it by more refused (named): NaN, inf or a
    real excursion is a bug, which must not reach a table as a figure."""
    clipped, bad = in_unit_interval(values, count)
    if bad is not None:
        from qnsim._core import QnsimError

        raise QnsimError(
            f"{what}: the native run returned {written(bad)}, outside [0, {count}]: a bug in qnsim; please report "
            "it with the scenario (qnsim.Network.to_toml) and seed"
        )
    return clipped


def collect(network: Any, until_s: float | None, wall_time_s: float) -> NetworkResult:
    """Everything a :class:`qnsim.Network` has run so far, as a :class:`NetworkResult`.

    A request still being served when the run stopped reads ``"open"`` (it would go on if the
    run did). Stabilizer and bell_diagonal runs with finite T1 carry a note on the Pauli twirl (and on what it does
    through purification rounds), and runs with non-Bell-diagonal link states one on their Bell-diagonal part.

    Example:
        >>> import qnsim
        >>> collect(qnsim.Network(seed=0), None, 0.0).now_s
        0.0
    """
    native = network.native
    d = native.deliveries()
    now_s = network.now_s
    # Links whose heralds come at random times (a success probability below 1, or a first round that
    # heralds only sometimes); the others deliver on a fixed schedule.
    random_links = {
        frozenset((link.a, link.b)) for link in network.links
        if link.success_probability < 1.0 or 0.0 < link.first_round_probability < 1.0
    }  # fmt: skip
    out = []
    for r in network.requests:
        mask = d["request"] == r.index
        st = native.request_stats(r.index)
        where = f"request {r.index}"
        n = int(st.delivered)
        concurrences = d["concurrence"][mask].astype(float)
        known = concurrences >= 0  # -1: the formalism has no per-pair value
        concurrences[known] = _probabilities(f"{where} concurrence", concurrences[known])
        status = _STATUS[st.status.name]
        finished_s = _time(st.finished_ps)
        end_s = finished_s if finished_s is not None and status in ("served", "dropped") else now_s
        start_ps = seconds_to_ps(r.start_s, "start_s")  # as the core was given it
        end_ps = st.finished_ps if finished_s is not None and status in ("served", "dropped") else native.now_ps
        out.append(RequestResult(
            request=r.index, src=r.src, dst=r.dst, path=list(r.path), start_s=r.start_s,
            num_pairs_requested=r.num_pairs, times_s=d["time_ps"][mask] / 1e12,
            fidelities=_probabilities(f"{where} fidelity", d["fidelity"][mask].astype(float)),
            oldest_emission_s=d["oldest_emission_ps"][mask] / 1e12,
            qubits_src=d["qubit_src"][mask], qubits_dst=d["qubit_dst"][mask], end_s=max(end_s, r.start_s),
            status=status, drop_reason=st.drop_reason or None, admitted_s=_time(st.admitted_ps),
            finished_s=finished_s, delivered=int(st.delivered), rejected_low_fidelity=int(st.rejected_low_fidelity),
            fidelity_sum=_probabilities(f"{where} fidelity sum", float(st.fidelity_sum), n),
            fidelity_sq_sum=float(st.fidelity_sq_sum),
            first_delivery_s=_time(st.first_delivery_ps), last_delivery_s=_time(st.last_delivery_ps),
            deadline_s=r.deadline_s, min_fidelity=r.min_fidelity, cutoff_s=r.cutoff_s,
            concurrences=concurrences,
            bell_diagonals=_probabilities(f"{where} Bell-diagonal weight", d["bell_diagonal"][mask]),
            concurrence_sum=float(st.concurrence_sum) if network.formalism != "stabilizer" else None,
            bell_diagonal_sum=tuple(
                _probabilities(f"{where} Bell-diagonal weight sum", float(c), n) for c in st.bell_diagonal_sum
            ),
            unentangled=int(st.unentangled), cutoff_discards=int(st.cutoff_discards),
            protocol_discards=int(getattr(r.spec.protocol, "_qnsim_discards", 0)),
            protocol_name=None if r.spec.protocol is None else type(r.spec.protocol).__name__,
            purification_failures=int(st.purification_failures), name=r.spec.name, formalism=network.formalism,
            fidelity_m2=float(st.fidelity_m2), age_sum_s=float(st.age_sum_ps) / 1e12, times_ps=d["time_ps"][mask],
            oldest_emission_ps=d["oldest_emission_ps"][mask], start_ps=start_ps, end_ps=max(end_ps, start_ps),
            last_delivery_ps=st.last_delivery_ps if st.last_delivery_ps >= 0 else None,
            random_arrivals=_random_arrivals(r, random_links, network.formalism), seed=network.seed,
            idle_options=idle_request_options(r.spec, len(r.path) - 1, r.purification is not None),
            kept_blocked=_kept_blocked(network, r, status, int(st.delivered), d["qubit_src"][mask]),
        ))  # fmt: skip
    _holders(network, out)
    on_paths = {frozenset(h) for r in network.requests for h in zip(r.path, r.path[1:])}
    verdicts: dict[tuple[Any, ...], bool] = {}  # links alike (a chain's, a grid's) are judged once
    exact_verdicts: dict[tuple[Any, ...], bool] = {}
    separable = {}
    separable_exactly = {}  # what a twirled-T1 request's verdict rests on (see RequestResult.entangled)
    only_twirled: list[str] = []  # separable as the twirled run holds them, entangled exactly
    only_exact: list[str] = []  # entangled as the twirled run holds them, separable exactly
    nodes = network.nodes  # a copy per call
    for link in network.links:
        if frozenset((link.a, link.b)) not in on_paths:
            continue
        ends = _held_ends(nodes, link)
        key = (tuple(link.bell_diagonal), None if link.state is None else np.asarray(link.state).tobytes(), ends)
        if key not in verdicts:
            verdicts[key] = _separable_link(link, ends, network.formalism)
            if network.formalism != "density_matrix":
                # The twirled run's pair (Bell-diagonal part, memories twirled) against the exact one: a Werner 0.95
                # link over 100 km between T1 = T2 = 1 ms memories with a 2 ms depolarizing time was judged fresh
                # here (entangled) while the run held F = 0.416 pairs, and a twirl can call a pair separable that the
                # exact channel keeps entangled (or the reverse, for a pair polarized towards |11>).
                exact_verdicts[key] = _separable_exactly(link, ends)
        if verdicts[key]:
            separable[frozenset((link.a, link.b))] = f"{link.a}-{link.b}"
        if exact_verdicts.get(key, verdicts[key]):
            separable_exactly[frozenset((link.a, link.b))] = f"{link.a}-{link.b}"
        if key in exact_verdicts and exact_verdicts[key] != verdicts[key]:
            (only_twirled if verdicts[key] else only_exact).append(f"{link.a}-{link.b}")
    twirls_t1 = network.formalism in ("stabilizer", "bell_diagonal")
    for r in out:
        r.twirled_t1 = twirls_t1 and any(math.isfinite(nodes[name].t1_s) for name in r.path)
        # A twirled T1 request's links are judged exactly: "cannot deliver an entangled pair however long it runs"
        # was said of a T1 = 100 us end's link whose exact pairs are all entangled (concurrence sqrt(1 - gamma)).
        judged = separable_exactly if r.twirled_t1 else separable
        r.separable_links = tuple(
            dict.fromkeys(judged[h] for h in map(frozenset, zip(r.path, r.path[1:])) if h in judged)
        )
    counters = native.counters()
    notes = []
    hub = getattr(network, "_hub", None)
    unreached = getattr(network, "_unreached_until_ps", None)
    if hub is not None and hub.failure:
        notes.append(f"the run stopped inside an event when {hub.failure}: these are the results up to then")
    elif native.running:
        # Read from a protocol callback: the run is under way (it read as "INTERRUPTED").
        notes.append(
            f"read during the run, from inside the event at {_eng(now_s, 's')} (a protocol callback): the figures "
            f"so far, with that event part handled"
            + (f"; the run goes on to {_eng(unreached / 1e12, 's')}" if unreached is not None else "")
        )
    elif unreached is not None and unreached > native.now_ps:
        # Ctrl-C (KeyboardInterrupt) or another exception left run() before its end: the
        # figures cover only part of the requested time, and an open request looks served-so-far.
        notes.append(
            f"INTERRUPTED: the run stopped at {_eng(now_s, 's')} of the {_eng(unreached / 1e12, 's')} it was asked "
            f"to run: these are the results up to then (run(until_s={unreached / 1e12:g}) again continues it)"
        )
    elif until_s is not None and float(until_s) > now_s + 1e-12 + 1e-12 * now_s:
        # network.result(until_s=...) names an end the network has not run to (the margin: until_s
        # may come from integer picoseconds through a float).
        notes.append(
            f"the network has run to {_eng(now_s, 's')}, not to the until_s {_eng(float(until_s), 's')} these "
            "results name: the figures cover only the time run"
        )
    from qnsim.purification import target_shortfall

    if not network.requests:
        # A scenario without [[requests]] runs (links idle, nothing to deliver): its rows carried events and simulated
        # time alone, which read as a run that found nothing rather than one that asked for nothing.
        notes.append(
            "no request: nothing was asked for, so no pair is made or delivered (links generate for requests): add "
            "one with net.request(...) or a [[requests]] table"
        )
    for r, res in zip(network.requests, out):
        if r.target_fidelity is not None:
            hops = [network.link(u, v) for u, v in zip(r.path, r.path[1:])]
            shortfall = target_shortfall(r, hops, network.nodes)
            if shortfall:
                # The rounds were chosen without gate noise: "served" pairs below the target read as on target.
                notes.append(f"request {r.index} ({r.label}): {shortfall}")
            else:
                below = _below_target_note(r, res)
                if below:
                    notes.append(f"request {r.index} ({r.label}): {below}")
    priced = _fidelity_route_note(network, out)
    if priced:
        notes.append(priced)
    for r in network.requests:
        st = native.request_stats(r.index)
        regenerating = [
            (rounds, what) for rounds, what in ((r.purification_rounds, "link"),
                                                (r.end_to_end_purification_rounds, "end-to-end"))
            if (1 << rounds) > r.memories_per_link
        ]  # fmt: skip
        if r.spec.cutoff_s is not None and regenerating and st.delivered == 0 and st.cutoff_discards > 0:
            # The cutoff's refusal counts one regeneration of a freed memory's pair; a tree that needs more
            # (three rounds on four memories: three heralds, not two) passes it and delivers nothing.
            rounds, what = regenerating[0]
            notes.append(
                f"request {r.index} ({r.label}): nothing delivered under its {_eng(r.spec.cutoff_s, 's')} cutoff, "
                f"which its {rounds} {what} round(s) may not allow: they consume {(1 << rounds)} pairs with "
                f"{r.memories_per_link} memories per side, so the oldest qubit also waits while freed memories "
                "make new pairs, possibly more than once (the cutoff's refusal counts one such wait: a lower bound); "
                f"a longer cutoff, or {(1 << rounds)} memories per side, makes pairs that can be delivered"
            )
    stalled = [
        r for r in network.requests
        if r.spec.protocol is not None and native.request_stats(r.index).status.name == "active"
    ]
    if stalled and native.events_pending == 0 and not native.running:
        # A policy that never acts holds every memory and lets the run reach its end with nothing
        # scheduled: "open, 0 pairs" would read as a slow request, not a stuck one.
        names = ", ".join(f"{r.index} ({type(r.spec.protocol).__name__})" for r in stalled[:5])
        notes.append(
            f"request(s) {names}{' ...' if len(stalled) > 5 else ''} driven by a Python protocol are open with no "
            "event left to run: their protocols hold every memory they were given and have no message or timer in "
            "flight, so a longer run would deliver nothing more"
        )
    if native.trace_omitted:
        notes.append(
            f"the trace kept its first {native.trace_limit} records; {native.trace_omitted} more were not kept"
        )
    unmodelled = unmodelled_init_note(network)
    if unmodelled is not None:
        notes.append(unmodelled)
    pipelined = pipelined_attempts_note(network.links)
    if pipelined is not None:
        notes.append(pipelined)
    twirled = network.formalism in ("stabilizer", "bell_diagonal")
    if twirled and any(math.isfinite(n.t1_s) for n in network.nodes.values()):
        note = (
            f"{network.formalism} formalism: memory T1 is applied as its Pauli twirl, which underestimates a stored "
            "pair's fidelity by " + _twirl_shortfall_text(network) + " against "
            "the exact channel when the pair has no local polarization, and swapped pairs by the link pairs' "
            "shortfalls added up; use density_matrix for exact amplitude damping"
        )
        # Damping before a swap's Bell measurement (or a round's readouts) leaves each outcome its own exact pair,
        # whose mean is the twirled one where the shortfall above is 0 (T1 at the swapping node alone), but whose
        # entanglement is not: F = 0.95 links swapped at a node of gamma = 0.5 give pairs of which 62% are separable
        # (density_matrix: PARTLY ENTANGLED) while the twirled pair (max weight 0.52) read "entangled: yes" unsaid.
        note += (
            "; the delivered pairs' entanglement verdict (entangled) is the twirled pairs' as well: with damping "
            "before a swap or a purification round each outcome leaves its own exact pair, and these can be "
            "separable where the twirled pair is entangled, or entangled where it is separable (density_matrix "
            "judges them pair by pair); twirled pairs that read separable are ENTANGLEMENT UNDECIDED (entangled "
            "None, unsure), as damping at one end leaves a concurrence above the twirled pair's 2F - 1, unless a link "
            "is separable under the exact channel (NOT ENTANGLED)"
        )
        # The exact channel maps Z to (1 - gamma) Z + gamma I, so a pair with <Z> != 0 at an end (a single-click
        # link with unequal arms) gains (gamma_a (1 - gamma_b) <Z_b> + gamma_b (1 - gamma_a) <Z_a>)/4 that the
        # twirl drops: 0.07 against the bound's 0.01 for a transducer on one side, and of either sign.
        polarized = [(link, z) for link in network.links if (z := _local_polarization(link.state)) is not None]
        if polarized:
            note += (
                "; the pairs of link(s) " + ", ".join(f"{lk.a}-{lk.b} (<Z_a>, <Z_b>) = ({za:.3g}, {zb:.3g})"
                                                      for lk, (za, zb) in polarized[:3])
                + (" ..." if len(polarized) > 3 else "") + " are locally polarized, for which the exact channel "
                "also adds (gamma_a (1 - gamma_b) <Z_b> + gamma_b (1 - gamma_a) <Z_a>)/4 to the fidelity: the twirl "
                "misses by up to (gamma_a + gamma_b)/4, in either direction"
            )
        purifying = [r for r in network.requests if r.purification_rounds or r.end_to_end_purification_rounds]
        if purifying:
            note += "; " + _twirl_purification_text(purifying)
        notes.append(note)
    # Both formalisms hold a link's pair as its Bell-diagonal part (the Pauli twirl of its state). The stabilizer
    # formalism said nothing of it: an entangled link state of separable twirl (0.4 Psi+ + 0.6 |00><00|, concurrence
    # 0.4) read "NOT ENTANGLED ... separable" with no word of the twirl.
    inexact = [f"{link.a}-{link.b}" for link in network.links if _off_bell_diagonal(link.state)] if twirled else []
    if inexact:
        verdict = (
            "concurrences are those of the Bell-diagonal part (lower bounds)" if network.formalism == "bell_diagonal"
            else "the entanglement verdict is the Bell-diagonal part's (a pair entangled only through the rest can "
            "read NOT ENTANGLED)"
        )
        if network.formalism == "bell_diagonal" and any(math.isfinite(n.t1_s) for n in network.nodes.values()):
            # 0.4 Phi+ + 0.6 |11><11| over 14.6 km between T1 = 0.5 ms memories: the twirled decay leaves a
            # concurrence where the exact pair at the herald is separable, so "lower bounds" holds only before T1.
            verdict += (
                " until memory T1 acts (the twirled decay drops the pair's local polarization and can leave "
                "entanglement the exact channel does not)"
            )
        if network.formalism == "bell_diagonal":
            # 0.3 Phi+ + 0.7 |11><11| links swapped once: the run gives every pair 0.09, the exact pairs' mean, but
            # 74% of them (outcomes m_b = 0) have 0.060: a bound on the mean, which "lower bounds" did not say.
            verdict += (
                ", on their mean over swap outcomes only: each outcome leaves its own exact pair, and some have less "
                "concurrence than the part"
            )
        notes.append(
            f"{network.formalism} formalism: the delivered state of link(s) " + ", ".join(inexact[:5])
            + (" ..." if len(inexact) > 5 else "") + " is not Bell-diagonal and enters as its Bell-diagonal "
            f"part: fidelities stay exact on average over swap outcomes (without T1), {verdict}; "
            "use density_matrix for the exact states"
        )
    if only_twirled or only_exact:

        def named(links: list[str]) -> str:
            return ", ".join(links[:5]) + (" ..." if len(links) > 5 else "")

        judged = []
        if only_twirled:
            judged.append(
                f"link(s) {named(only_twirled)} give separable pairs as this run holds them (the delivered pairs' "
                "own figures read separable), but entangled ones under the exact state and memory channel"
            )
        if only_exact:
            judged.append(
                f"link(s) {named(only_exact)} give entangled pairs as this run holds them, but separable ones under "
                "the exact state and memory channel (the delivered pairs' entanglement is the twirl's)"
            )
        notes.append(
            f"{network.formalism} formalism: a link's pairs are judged as the run holds them when their ends have "
            "the herald (the Bell-diagonal part of the link's state, each end's memory Pauli-twirled over its "
            "herald delay; a request through memories with T1 has its links judged under the exact channel): "
            + "; ".join(judged) + "; use density_matrix for the exact verdict"
        )
    if network.seed_drawn:
        notes.append(
            f"no seed was given: seed {network.seed} was drawn at random; Network(seed={network.seed}) "
            f"(or run.seed = {network.seed}) repeats this run"
        )
    return NetworkResult(
        requests=out, formalism=network.formalism, seed=network.seed,
        until_s=now_s if until_s is None else float(until_s),
        now_s=now_s, events_processed=int(native.events_processed), wall_time_s=wall_time_s,
        counters={k: int(getattr(counters, k)) for k in _COUNTERS}, notes=notes,
    )  # fmt: skip


def pipelined_attempts_note(links: Any) -> str | None:
    """The remark that some links start attempts faster than their heralds return (None: no such link).

    A channel's failed attempts follow each other every attempt period T whatever the fiber (the simulated truth,
    :attr:`qnsim.link_builder.LinkInfo.rate_hz`): a new attempt begins before the last one's herald is back, which
    a memory holding one attempt at a time cannot do (it must wait for each herald: one attempt per max(T, H), as
    :func:`qnsim.heralded_link` times hardware links, whose several modes per attempt are ``num_modes``). A
    hardware link given an ``attempt_period_s`` below its herald delay H with p < 1 then delivers up to H / T
    times what its memories can, so the run says so, naming both rates. (An abstract link's period is its
    ``rate_hz``'s, an abstract process; ``LinkInfo.rate_hz`` documents how it runs over long fiber.)

    Example:
        >>> import qnsim
        >>> net = qnsim.Network(); _ = net.add_node("a", hardware="nv_10x_improved")
        >>> _ = net.add_node("b", hardware="nv_10x_improved")
        >>> _ = net.add_link("a", "b", length_km=50.0, attempt_period_s=1e-5)
        >>> pipelined_attempts_note(net.links).split(": ", 1)[1][:80]
        "each attempt begins before the last one's herald is back, which a memory holding"
        >>> pipelined_attempts_note(net.links).split("delivers about p / H): ")[1][:61]
        'a-b (T = 10 us, H = 244 us: 1.96 kHz per channel as simulated'
    """
    fast = []
    for link in links:
        if link.model is None:
            continue  # an abstract link's period is its rate's, documented as such (LinkInfo.rate_hz)
        herald = max(link.herald_delay_a_s, link.herald_delay_b_s)
        # A herald-gated double click's herald counts its first round (one period).
        rounds = 2.0 if link.first_round_probability > 0 else 1.0
        # Margin: the period and the herald are each rounded to whole picoseconds.
        if link.success_probability < 1.0 and herald > rounds * link.attempt_period_s * (1.0 + 1e-9) + 3e-12:
            waiting = link.success_probability / ((1.0 + link.first_round_probability) * herald)
            fast.append(
                f"{link.a}-{link.b} (T = {_eng(link.attempt_period_s, 's')}, H = {_eng(herald, 's')}: "
                f"{_eng(link.rate_hz, 'Hz')} per channel as simulated, about {_eng(waiting, 'Hz')} waiting for each "
                "herald)"
            )
    if not fast:
        return None
    return (
        "hardware link(s) whose attempts begin every T while their herald takes H > T (p < 1): each attempt begins "
        "before the last one's herald is back, which a memory holding one attempt at a time cannot do (it waits "
        "for each herald, and delivers about p / H): " + "; ".join(fast[:3]) + (" ..." if len(fast) > 3 else "")
        + "; for such memories give attempt_period_s of at least H, as the links' own periods are"
    )


#: How every remark of :func:`unmodelled_init_note` begins, whatever its nodes and figures: its kind. A sweep's row
#: whose grid values change the remark said once carries a note of this kind (its own remark, or that it has none),
#: and a summary's "for every row" leaves those rows out (:func:`remark_kind`).
UNMODELLED_INIT_REMARK = "the initialisation figures of the hardware of node(s)"


def _kept_blocked(
    network: Any, request: Any, status: str, delivered: int, kept_src: np.ndarray
) -> tuple[int, int] | None:
    """:attr:`RequestResult.kept_blocked` of an open ``keep_pairs`` request: its kept pairs not released, when they
    fill its ``memories_per_link`` (None otherwise, and when capped records leave some pairs' handles unknown)."""
    if not request.spec.keep_pairs or status != "open" or kept_src.size < delivered:
        return None
    released = getattr(network, "_released_src", set())
    held = sum(1 for q in kept_src.tolist() if int(q) not in released)
    memories = int(request.memories_per_link)
    return (held, memories) if held >= memories else None


def idle_request_options(spec: Any, hops: int, purifies: bool = False) -> tuple[tuple[str, str, str], ...]:
    """The options of a request (its :class:`qnsim.specs.RequestSpec`) that leave its run the default options' run,
    as (setting, value as given, why) (see :attr:`RequestResult.idle_options`): swap options on a path of ``hops``
    links with no swap for them to act on, and a purification scheme where no round runs (``purifies`` False: its
    plan has no link or end-to-end round).

    Example:
        >>> from qnsim.specs import RequestSpec
        >>> [key for key, _, _ in idle_request_options(RequestSpec("a", "b", swap_schedule="nested"), 2)]
        ['swap_schedule']
        >>> idle_request_options(RequestSpec("a", "b", swap_schedule="nested"), 3)
        ()
    """
    swaps = max(hops - 1, 0)
    idle = []
    # A swap option's why completes "its path of N links has ..." (the note says the path once).
    if spec.swap_schedule == "nested" and swaps <= 1:
        order = "no swap to order" if swaps == 0 else "one swap, which nested doubling makes when asap does"
        idle.append(("swap_schedule", "'nested'", order))
    if spec.swap_handshake and swaps == 0:
        idle.append(("swap_handshake", "True", "no swap to confirm"))
    if spec.generation == "on_demand" and swaps == 0:
        idle.append(("generation", "'on_demand'", "no swap to free a memory early"))
    if spec.purification is not None and not purifies:
        # purification="bbpssw" with purification_rounds=0, or a target_fidelity its links meet: the scheme was
        # dropped from the plan, and a comparison of schemes read two identical runs as two schemes.
        why = (
            f"target_fidelity {spec.target_fidelity:g} needs no round: its links meet it"
            if spec.target_fidelity is not None else "no purification round runs: 0 link and end-to-end rounds"
        )
        idle.append(("purification", repr(spec.purification), why))
    return tuple(idle)


def no_pair_reason(r: RequestResult, longer: str) -> str:
    """Why request result ``r``, which delivered no pair, did not, and what to change: ``longer`` (the caller's
    words for a longer run) when a longer run may deliver some, else the request's own notes that say what holds it
    back (never admitted, dropped, its window ended at its deadline, every pair rejected below its min_fidelity),
    for which a longer run changes nothing.

    Example:
        >>> import numpy as np
        >>> r = RequestResult(0, "a", "b", ["a", "b"], 0.0, 0, np.zeros(0), np.zeros(0), np.zeros(0), end_s=1.0,
        ...                   status="waiting", finished_s=None)
        >>> no_pair_reason(r, "simulate longer")[:70]
        'never admitted: still waiting for memory reservations when the run sto'
    """
    held = ("never admitted", "dropped", "not started")
    reasons = [n for n in r.notes if n.startswith(held) or (r.rejected_low_fidelity and " rejected below " in n)]
    if r.status == "served" and r.deadline_s is not None and not r.num_pairs:
        # A request without num_pairs is served at its deadline: its window ended there, whatever the run's length.
        reasons.append(f"its window ended at its deadline_s = {r.deadline_s:g} s (give a later one)")
    if not reasons:
        return longer
    if r.status == "pending":
        return f"{'; '.join(reasons)}; {longer}"
    return f"{'; '.join(reasons)} (a longer run changes nothing)"


def remark_kind(note: str) -> str | None:
    """The kind of a remark a network's description implies (the start its every version shares), None for a note
    of no such kind.

    Example:
        >>> remark_kind("the initialisation figures of the hardware of node(s) a (init_error 0.003, ...) are ...")
        'the initialisation figures of the hardware of node(s)'
        >>> remark_kind("rate from only 3 pairs") is None
        True
    """
    return UNMODELLED_INIT_REMARK if note.startswith(UNMODELLED_INIT_REMARK) else None


def unmodelled_init_note(network: Any) -> str | None:
    """The remark that the hardware of some nodes gives initialisation figures the network does not model
    (None: no such node). It follows from the network's description alone, the same for every seed and run,
    so a sweep says it once rather than in every row (:func:`qnsim.sweep`).

    Example:
        >>> import qnsim
        >>> net = qnsim.Network(); _ = net.add_node("a", hardware=qnsim.nv_10x_improved())
        >>> unmodelled_init_note(net)[:60]
        'the initialisation figures of the hardware of node(s) a (ini'
    """
    unmodelled = getattr(network, "_unmodelled_init", {})
    if not unmodelled:
        return None
    figures = sorted({f"init_error {e:g}, init_duration_s {d:g}" for e, d in unmodelled.values()})
    names = sorted(unmodelled)
    return (
        f"{UNMODELLED_INIT_REMARK} {', '.join(names[:5])}"
        + (" ..." if len(names) > 5 else "") + f" ({'; '.join(figures)}) are not modelled: link states come "
        "from the link model, and no protocol step re-initialises a memory"
    )


def _holders(network: Any, results: list[RequestResult]) -> None:
    """Sets ``held_by`` of every request still waiting for memories: the open requests on links of its path."""
    waiting = [r for r in results if r.status == "waiting"]
    if not waiting:
        return
    specs = {r.index: r for r in network.requests}
    hops = {r.request: {frozenset(h) for h in zip(r.path, r.path[1:])} for r in results if r.status == "open"}
    for r in waiting:
        mine = {frozenset(h) for h in zip(r.path, r.path[1:])}
        r.held_by = tuple(
            (i, specs[i].num_pairs is None and specs[i].deadline_s is None) for i, links in hops.items() if links & mine
        )


def _held_ends(nodes: Any, link: Any) -> tuple[tuple[tuple[float, float, float], float], ...]:
    """``ends`` of :func:`_separable_link` for ``link`` in a network whose nodes are ``nodes`` (name -> node): each
    end's memory times (T1, T2, depolarizing time, s) and how long it holds its qubit until its herald (s: the
    herald delay less the end's emission lag, as the run decays it), end a first."""
    return tuple(
        ((nodes[name].t1_s, nodes[name].t2_s, nodes[name].depolarizing_time_s), wait)
        for name, wait in (
            (link.a, link.herald_delay_a_s - link.emission_lag_a_s),
            (link.b, link.herald_delay_b_s - link.emission_lag_b_s),
        )
    )


def _separable_link(link: Any, ends: Any = None, formalism: str = "density_matrix") -> bool:
    """Whether a link's pair is separable as a run of ``formalism`` holds it once its ends have the herald: for two
    qubits, exactly when its partial transpose has no negative eigenvalue (Peres-Horodecki). Local channels make no
    entanglement, so a pair separable when each end holds its herald stays so whatever follows.

    With ``ends`` (``((t1_s, t2_s, depolarizing_time_s), herald_delay_s)`` of end a, then of end b), each end's
    memory acts for its herald delay first, as the run applies it. density_matrix: the exact channel
    (:func:`_memory_channel`: T1, T2 and the depolarizing time acting together) on the link's state. stabilizer and
    bell_diagonal hold the link's Bell-diagonal part and twirl the memory: each end's Pauli eigenvalues are
    exp(-t/T2 - t/T) on X and Y and exp(-t/T1 - t/T) on Z, and a Bell-diagonal pair is separable exactly when no
    weight exceeds 1/2. :func:`_separable_exactly` judges the physical pair for a twirled run to be set beside."""
    if formalism != "density_matrix":
        weights = np.asarray(link.bell_diagonal, dtype=float)
        if ends is not None:
            weights = _twirled_memories(weights, ends)
        return bool(weights.max() <= 0.5 + 1e-12)
    return _separable_exactly(link, ends)


def _separable_exactly(link: Any, ends: Any = None) -> bool:
    """Whether a link's exact pair (its state, or its Bell-diagonal weights) is separable after each end's exact
    memory channel over its herald delay (``ends`` as for :func:`_separable_link`): what a density_matrix run holds,
    and the physics a twirled run approximates."""
    rho = None if link.state is None else np.asarray(link.state, dtype=complex)
    if ends is not None and any(math.isfinite(min(memory)) for memory, _ in ends):
        # The stored pair's Bell weights from its correlators (cheap): above 1/2, entangled without the density
        # matrix (a twirled run of 2,000 links of distinct lengths spent 2.5 s here building each one).
        polarization = (0.0, 0.0) if rho is None else tuple(
            float(np.real(np.trace(_ordered_matmul(rho, z)))) for z in _Z_ON
        )
        if _stored_bell_weights(np.asarray(link.bell_diagonal, dtype=float), ends, polarization).max() > 0.5 + 1e-12:
            return False
        if rho is None:
            rho = _bell_diagonal_matrix(link.bell_diagonal)
        for qubit, ((t1, t2, dep), wait) in enumerate(ends):
            rho = _stored(rho, qubit, wait, t1, t2, dep)
    if rho is None or np.max(np.real(_in_bell_basis(rho)).diagonal()) > 0.5 + 1e-12:
        # A Bell weight above 1/2 is a fidelity above 1/2 with a maximally entangled state, which no separable state
        # has: the eigenvalues are only needed below it (a 10^6-link chain's collect would spend seconds on them).
        weights = link.bell_diagonal if rho is None else np.real(_in_bell_basis(rho)).diagonal()
        return bool(max(weights) <= 0.5 + 1e-12)
    transposed = rho.reshape(2, 2, 2, 2).transpose(0, 3, 2, 1).reshape(4, 4)  # transpose on the second qubit
    return bool(np.linalg.eigvalsh((transposed + transposed.conj().T) / 2).min() >= -1e-12)


def _twirled_memories(weights: np.ndarray, ends: Any) -> np.ndarray:
    """Bell-diagonal ``weights`` (Phi+, Psi+, Psi-, Phi-) after each end's twirled memory over its herald delay, as
    the stabilizer and bell_diagonal runs apply it: the Pauli channel of eigenvalues exp(-t/T2 - t/T) on X and Y and
    exp(-t/T1 - t/T) on Z (the core's rate_xy and rate_z) scales <XX> and <YY> by the ends' X eigenvalues, <ZZ> by
    their Z eigenvalues: :func:`_stored_bell_weights` without the exact channel's pull of <Z> towards |0>."""
    return _stored_bell_weights(weights, ends, None)


def _stored_bell_weights(weights: np.ndarray, ends: Any, polarization: tuple[float, float] | None) -> np.ndarray:
    """The Bell weights of a pair of Bell weights ``weights`` and local <Z_a>, <Z_b> ``polarization`` after each
    end's memory (``ends`` as for :func:`_separable_link`). In the Heisenberg picture the memory maps X, Y to
    c X, c Y (c = exp(-t/T2 - t/T)) and Z to a Z + b (a = exp(-t/T1 - t/T), b = u/(u + v) (1 - a) as in
    :func:`_memory_channel`), so <XX> and <YY> scale by c_a c_b and <ZZ> becomes a_a a_b <ZZ> + a_a b_b <Z_a> +
    b_a a_b <Z_b> + b_a b_b. ``polarization`` None: the Pauli twirl, which drops b (what twirled runs apply)."""
    w0, w1, w2, w3 = (float(w) for w in weights)  # Python floats: numpy scalars tripled a 2,000-link collect
    xx, yy, zz = w0 + w1 - w2 - w3, -w0 + w1 - w2 + w3, w0 - w1 - w2 + w3
    z_scale, z_shift = [1.0, 1.0], [0.0, 0.0]
    for end, ((t1, t2, dep), wait) in enumerate(ends):
        u = wait / t1 if math.isfinite(t1) else 0.0
        v = wait / dep if math.isfinite(dep) else 0.0
        coherence = _numerics.exp(-(wait / t2 if math.isfinite(t2) else 0.0) - v)
        xx, yy = xx * coherence, yy * coherence
        z_scale[end] = _numerics.exp(-u - v)
        if polarization is not None and u > 0:
            z_shift[end] = u / (u + v) * -_numerics.expm1(-u - v)
    zz = z_scale[0] * z_scale[1] * zz + z_shift[0] * z_shift[1]
    if polarization is not None:
        zz += z_scale[0] * z_shift[1] * polarization[0] + z_shift[0] * z_scale[1] * polarization[1]
    return np.array([1 + xx - yy + zz, 1 + xx + yy - zz, 1 - xx - yy - zz, 1 - xx + yy + zz]) / 4


# Z on the first and on the second qubit (qubit 0 is the first tensor factor), for a pair's local <Z>.
_Z_ON = (np.diag([1.0, 1.0, -1.0, -1.0]), np.diag([1.0, -1.0, 1.0, -1.0]))


def _bell_diagonal_matrix(weights: Sequence[float]) -> np.ndarray:
    """The 4x4 Bell-diagonal state of ``weights`` (Phi+, Psi+, Psi-, Phi-)."""
    # B diag(w) is B with its columns scaled (one product per entry); the sums natively (see _ordered_matmul).
    return _ordered_matmul(_BELL_BASIS * np.asarray(weights, dtype=complex), _BELL_BASIS.conj().T)


def _in_bell_basis(rho: np.ndarray) -> np.ndarray:
    """B^+ rho B, a 4x4 state's matrix in the Bell basis."""
    return _ordered_matmul(_ordered_matmul(_BELL_BASIS.conj().T, rho), _BELL_BASIS)


def _ordered_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` with each sum in index order, natively (:func:`qnsim._core.ordered_matmul`): numpy's `@` runs on
    the CPU's BLAS kernel, whose partial sums and fused multiply-adds gave other last bits on other machines."""
    return _core.ordered_matmul(a, b)


def _memory_channel(seconds: float, t1_s: float, t2_s: float, depolarizing_s: float) -> tuple[float, float, float]:
    """A memory's channel for ``seconds`` as (gamma, coherence, p): amplitude damping gamma, then dephasing that
    scales the coherences by ``coherence``, then depolarize1 p, the core's QubitRegistry::memory_channel (T1, T2 and
    the depolarizing time T acting together, one Lindblad evolution). Bloch picture: x, y scale by
    exp(-t/T2 - t/T); z -> a z + b with a = exp(-(u + v)), b = u/(u + v) (1 - a), u = t/T1, v = t/T. With T1 or T
    infinite it is damping, dephasing, then depolarizing p = 3/4 (1 - exp(-t/T)), each for the whole time; with both
    finite those three would not compose (depolarizing does not commute with damping), so the joint channel's."""
    coherence_total = _numerics.exp(-seconds / t2_s) if math.isfinite(t2_s) else 1.0
    if not (math.isfinite(t1_s) and math.isfinite(depolarizing_s)) or seconds == 0:
        gamma = -_numerics.expm1(-seconds / t1_s) if math.isfinite(t1_s) else 0.0
        p = -0.75 * _numerics.expm1(-seconds / depolarizing_s) if math.isfinite(depolarizing_s) else 0.0
        coherence = min(1.0, coherence_total / math.sqrt(1.0 - gamma)) if gamma < 1.0 else 0.0
        return gamma, coherence, p
    u, v = seconds / t1_s, seconds / depolarizing_s
    one_minus_a = -_numerics.expm1(-(u + v))
    b = u / (u + v) * one_minus_a
    one_minus_s = v / (u + v) * one_minus_a  # the depolarizing factor s on x, y, z is 1 - this
    if not one_minus_s < 1.0:
        # s below rounding: fully depolarized (the core's branch; b / s divided by zero at T = 1e-30 s).
        return 0.0, 1.0, 0.75
    # Clipped as the core clips it: 1 - one_minus_s rounds by eps / s, and b / s passed 1 by that much (a math
    # domain error in sqrt(1 - gamma) at T = 1e-13 s against T1 = 0.1 ms).
    gamma = min(1.0, b / (1.0 - one_minus_s))
    # x scales by s sqrt(1 - gamma) coherence = exp(-t/T2 - v): the dephasing supplies what damping and
    # depolarizing leave of it (the core clips it to [0, 1] the same way).
    scale = (1.0 - one_minus_s) * math.sqrt(1.0 - gamma)
    coherence = coherence_total * _numerics.exp(-v) / scale if gamma < 1 else 0.0
    return gamma, min(1.0, max(0.0, coherence)), 0.75 * one_minus_s


def _stored(rho: np.ndarray, qubit: int, seconds: float, t1_s: float, t2_s: float, depolarizing_s: float) -> np.ndarray:
    """``rho`` (two qubits) after ``qubit`` (0 or 1) waited ``seconds`` in a memory of T1, T2 and a depolarizing
    time, exactly as a density_matrix run applies it (:func:`_memory_channel`): amplitude damping gamma, dephasing
    to the channel's coherence, then depolarize1 p."""
    gamma, lam, p = _memory_channel(seconds, t1_s, t2_s, depolarizing_s)
    paulis = (np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1.0, -1.0]))
    stages = (
        [np.diag([1.0, math.sqrt(1.0 - gamma)]), np.array([[0.0, math.sqrt(gamma)], [0.0, 0.0]])],
        [math.sqrt((1 + lam) / 2) * paulis[0], math.sqrt((1 - lam) / 2) * paulis[3]],
        [math.sqrt(1 - p) * paulis[0], *(math.sqrt(p / 3) * q for q in paulis[1:])],
    )
    identity = np.eye(2, dtype=complex)
    for kraus, acts in zip(stages, (gamma > 0.0, lam < 1.0, p > 0.0)):
        if not acts:
            continue  # the identity: a memory without that process (most have no T1 or no depolarizing time)
        # sum_n K_n rho K_n^+ with K_n on the waiting qubit, each product's sums in index order (_ordered_matmul):
        # numpy's einsum summed in an order its SIMD loops chose (the separability verdict's input).
        out = np.zeros((4, 4), dtype=complex)
        for k in kraus:
            k = np.asarray(k, dtype=complex)
            full = np.kron(k, identity) if qubit == 0 else np.kron(identity, k)
            out = out + _ordered_matmul(_ordered_matmul(full, rho), full.conj().T)
        rho = out
    return rho


def _random_arrivals(request: Any, random_links: set[frozenset[str]], formalism: str) -> bool:
    """Whether a request's deliveries come at random times: a link of its path heralds at random, it
    purifies (a round fails at random), or its min_fidelity may reject pairs by their measurement outcomes
    (stabilizer trajectories; density_matrix pairs, the state the nodes know given the outcomes, whose fidelity
    depends on them under amplitude damping or a link state that is not Bell-diagonal). bell_diagonal pairs
    average over the outcomes: their fidelity follows from the times alone. A Python protocol's choices may
    read swap outcomes and pair fidelities too, so its request's deliveries are taken to keep a schedule only when its
    class declares ``random_choices = False`` and it read no fidelity that may depend on outcomes: then the same rule
    as a native request's (one semantics for the interval, whichever path computed the deliveries)."""
    # A density_matrix run keeping only the swapped pairs whose outcome left them above min_fidelity read
    # "rate 95% exact", 228 to 266 Hz by seed; a Python policy delivering by swap outcome, 420 to 505 Hz.
    if request.purification is not None or (formalism != "bell_diagonal" and request.min_fidelity > 0):
        return True
    # examples/chain_policy.py's ChainSwapASAP, delivering the native run's pairs bit for bit, read a Poisson
    # interval (1.49-17.4 kHz) where the native request read "exact".
    protocol = request.protocol
    if protocol is not None and (protocol.random_choices or getattr(protocol, "_read_random_fidelity", False)):
        return True
    return bool(random_links) and any(frozenset(hop) in random_links for hop in zip(request.path, request.path[1:]))


# The Bell basis (Phi+, Psi+, Psi-, Phi-) as columns, to test whether a link state is Bell-diagonal.
_BELL_BASIS = np.array([[1, 0, 0, 1], [0, 1, 1, 0], [0, 1, -1, 0], [1, 0, 0, -1]], dtype=complex).T / math.sqrt(2)


def _twirl_shortfall_text(network: Any) -> str:
    """What the T1 note says the twirl drops from an unpolarized stored pair's fidelity.

    The exact memory maps each end's <Z> to a z + b, and the twirl keeps a z only, so the pair loses
    b_a b_b / 4. Damping alone gives b = gamma = 1 - exp(-t/T1); a depolarizing time T pulls <Z> towards
    0 meanwhile, so b = u/(u + v) (1 - exp(-u - v)) with u = t/T1, v = t/T, which is below gamma: the
    note states the form the network's nodes need, and gamma^2/4 bounds both.
    """
    both = any(math.isfinite(n.t1_s) and math.isfinite(n.depolarizing_time_s) for n in network.nodes.values())
    if not both:
        return "gamma_a gamma_b/4, up to gamma^2/4 (gamma = 1 - exp(-t/T1) at each end),"
    return (
        "b_a b_b/4, up to gamma^2/4 (gamma = 1 - exp(-t/T1) at each end; b = gamma at a node without a "
        "depolarizing time, and b = u/(u + v) (1 - exp(-u - v)) < gamma, u = t/T1, v = t/T, at a node with "
        "depolarizing time T, which pulls <Z> towards 0 while damping lifts it),"
    )


def _twirl_purification_text(purifying: list[Any]) -> str:
    """What the T1 note says of pairs that went through purification rounds under the twirl.

    A stored pair's shortfall (the note's gamma_a gamma_b / 4, or b_a b_b / 4) is all in its <ZZ>, which the exact
    channel raises by d = 4 times it. A DEJMPS round's success probability p = (1 + <YY>1 <YY>2) / 2 does not read
    <ZZ>, so the first round's rate is exact, but its kept pair's fidelity times p is ((1 - <YY>1)(1 - <YY>2) +
    (<XX>1 + <ZZ>1)(<XX>2 + <ZZ>2)) / 8: the kept pair falls short by (d1 (<XX>2 + <ZZ>2) + d2 (<XX>1 + <ZZ>1) +
    d1 d2) / (8 p), up to (2 d1 + 2 d2 + d1 d2) / (8 p) in size (|<XX> + <ZZ>| <= 2), which can exceed the inputs'
    (d1 + d2) / 4 when p < 1. That is the gap at the round: the kept pair is stored at least while its outcome
    crosses, and the exact kept pair is locally polarized (damping lifts each end's <Z>), so that storage adds
    gamma_a (1 - gamma_b) <Z>_b + gamma_b (1 - gamma_a) <Z>_a + gamma_a gamma_b over 4 to the gap, which the twirl
    drops as well (F = 0.99 pairs on 200 km at 100 kHz, T1 = 0.1 s, each round confirmed first: 4.17e-4 delivered
    against 3.98e-4 at the round). Gate and readout noise (Pauli channels) only scale these correlators, so p stays
    exact with them. The round moves the difference into <XX> and <YY>, and the exact pair keeps local terms the twirl
    has dropped, so a later round's p (and a BBPSSW round's, which reads the fidelities) is off as well, and the
    error compounds round by round: two DEJMPS rounds of F = 0.9 pairs each stored 1 to 4 ms on memories of
    T1 = 1 ms deliver F = 0.317 twirled against 0.522 exact (0.115 after one round), and three 0.273 against 0.490.
    No formula here bounds that, so the note names the requests whose pairs go through more than one round (or
    any BBPSSW round) apart, and sends them to density_matrix.
    """
    def listed(requests: list[Any]) -> str:
        return ", ".join(str(r.index) for r in requests[:5]) + (" ..." if len(requests) > 5 else "")

    def rounds(r: Any) -> int:
        return r.purification_rounds + r.end_to_end_purification_rounds

    deep = [r for r in purifying if rounds(r) > 1 or r.purification == "bbpssw"]
    single = [r for r in purifying if r not in deep]
    parts = []
    if single:
        parts.append(
            f"request(s) {listed(single)} purify (one DEJMPS round), and a recurrence round does not keep that "
            "bound: the round's success probability p is exact, but its kept pair (noiseless gates) falls short, at "
            "the round, by (d1 (<XX>2 + <ZZ>2) + d2 (<XX>1 + <ZZ>1) + d1 d2) / (8 p), up to (2 d1 + 2 d2 + d1 d2) / "
            "(8 p), d1 and d2 four times the input pairs' shortfalls (correlators of the twirled pairs), which can "
            "exceed the inputs' own; storing it afterwards (at least while the outcome crosses the link, or the path "
            "for an end-to-end round) changes that gap and can widen it, as the exact kept pair is locally polarized "
            "and the twirl drops that too"
        )
    if deep:
        shown = ", ".join(
            f"{r.index} ({r.purification.upper()}, {rounds(r)} round{'s' if rounds(r) > 1 else ''})" for r in deep[:5]
        ) + (" ..." if len(deep) > 5 else "")
        parts.append(
            f"request(s) {shown} purify beyond one DEJMPS round: their rounds (after the first DEJMPS one, and "
            "every BBPSSW one) draw their success from the twirled pairs, so the rate is off too (in either "
            "direction), and the twirl's error in the fidelity compounds round by round with no bound given here "
            "(it can move a pair's fidelity across 1/2, and with it the entanglement verdict): NOT BOUNDED, run "
            "these requests in density_matrix"
        )
    return "; ".join(parts)


def _local_polarization(state: Any) -> tuple[float, float] | None:
    """(<Z x I>, <I x Z>) of a 4x4 link state (end a first), or None when both vanish (beyond rounding)."""
    if state is None:
        return None
    p = np.real(np.diag(np.asarray(state, dtype=complex)))
    za, zb = float(p[0] + p[1] - p[2] - p[3]), float(p[0] - p[1] + p[2] - p[3])
    return (za, zb) if max(abs(za), abs(zb)) > 1e-9 else None


def _off_bell_diagonal(state: Any) -> bool:
    """True when a 4x4 link state has weight off the Bell diagonal (beyond rounding)."""
    if state is None:
        return False
    in_bell = _in_bell_basis(np.asarray(state, dtype=complex))
    return bool(np.abs(in_bell - np.diag(np.diag(in_bell))).max() > 1e-9)


def _below_target_note(request: Any, result: RequestResult) -> str | None:
    """A note when a request's delivered pairs are surely below its ``target_fidelity`` (the upper end of their
    mean fidelity's 95% interval under it); None otherwise.

    The target picks each link's purification rounds for pairs as the link delivers them: memory decay while
    pairs wait for their partners (and, on a longer path, the swaps) lowers what is delivered. A link of F = 0.8
    with a 0.9 target on memories of T2 = 2 ms delivered F = 0.719 under "target_fidelity = 0.9" without a word.
    """
    target = request.target_fidelity
    interval = result.fidelity_interval95
    if target is None or result.num_pairs < 2 or interval is None or interval[1] >= target:
        return None
    hops = len(result.path) - 1
    why = (
        "the rounds are chosen for pairs as the link delivers them, and memory decay while pairs wait (for their "
        "partners in a round, for delivery) lowers them"
    )
    if hops > 1:
        why = (
            f"target_fidelity is each link's purification target, and the {hops - 1} swap(s) of the path and memory "
            "decay while pairs wait lower the delivered pairs below it"
        )
    return (
        f"delivered pairs average F = {result.mean_fidelity:.4f} [95%: {interval[0]:.4f}, {interval[1]:.4f}], below "
        f"its target_fidelity {target:g}: {why}; memories with a longer T1 and T2, or more channels (pairs wait "
        "less for their partners), raise them"
    )


def _fidelity_route_note(network: Any, results: Sequence[RequestResult]) -> str | None:
    """One note for the requests routed by ``"fidelity"`` that surely deliver below the fidelity their paths were
    chosen for (the upper end of the delivered mean's 95% interval more than 0.001 under it); None when there are none.

    The metric prices each path at its links' pairs as heralded, swapped (:func:`qnsim.routing.swapped_fidelity`):
    memory decay while pairs wait, gate and readout noise are not in it, so a path of more hops or slower links can
    be chosen and deliver less than the path it beat: three F = 0.99 hops (priced 0.9704) over a direct F = 0.95
    link delivered 0.59 on memories of T2 = 5 ms, where the direct link delivers 0.796, said nowhere but in
    :mod:`qnsim.routing`'s docstring.
    """
    from qnsim.routing import swapped_fidelity

    short = []
    for request, result in zip(network.requests, results):
        if request.routing != "fidelity" or result.num_pairs < 2 or result.fidelity_interval95 is None:
            continue
        price = swapped_fidelity([network.link(u, v) for u, v in zip(request.path, request.path[1:])])
        if result.fidelity_interval95[1] < price - 1e-3:
            short.append((price - result.mean_fidelity, request, result, price))
    if not short:
        return None
    short.sort(key=lambda item: (-item[0], item[1].index))  # the largest shortfalls first
    shown = "; ".join(
        f"request {r.index} ({r.label}, {len(r.path) - 1} hop{'s' if len(r.path) > 2 else ''}): chosen for "
        f"F = {price:.4f}, delivered {res.mean_fidelity:.4f} [95%: {res.fidelity_interval95[0]:.4f}, "
        f"{res.fidelity_interval95[1]:.4f}]"
        for _, r, res, price in short[:3]
    )
    more = f" (and {len(short) - 3} more)" if len(short) > 3 else ""
    return (
        f"routing='fidelity' chose paths by their links' pairs as heralded, swapped, and {len(short)} request(s) "
        f"deliver surely less: {shown}{more}; the metric leaves out memory decay while pairs wait, gate and readout "
        "noise, so a path of fewer hops or shorter waits may deliver more: compare routing='hops', or give path="
    )


def _ci(half_width: float) -> str:
    """A confidence half-width to 4 decimals, or 2 significant digits below 1e-4 (a real spread
    never prints as 0.0000); exactly 0 prints as 0.

    Example:
        >>> _ci(0.01234), _ci(3.21e-05), _ci(0.0)
        ('0.0123', '3.2e-05', '0')
    """
    if half_width == 0:
        return "0"
    return f"{half_width:.4f}" if half_width >= 1e-4 else f"{half_width:.1e}"


def _time(ps: int) -> float | None:
    return ps / 1e12 if ps >= 0 else None


def _eng(value: float, unit: str, digits: int = 3) -> str:
    """Formats with an SI prefix and ``digits`` significant digits: 4.8e-05 s -> '48 us'.

    The prefix is chosen for the value rounded to the digits shown, so a value just below a prefix's scale
    reads "1 k", not "1e+03 " (a 1 ps attempt period's rate, 999999999999.9999 Hz, read "1e+03 G").

    Example:
        >>> _eng(4.8e-05, "s"), _eng(999999999999.9999, "Hz"), _eng(0.99996e-3, "s")
        ('48 us', '1 THz', '1 ms')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if value == 0:
        return f"0 {unit}".strip()
    if math.isfinite(value):
        value = float(f"{value:.{digits}g}")
    prefixes = [
        (1e12, "T"),
        (1e9, "G"),
        (1e6, "M"),
        (1e3, "k"),
        (1, ""),
        (1e-3, "m"),
        (1e-6, "u"),
        (1e-9, "n"),
        (1e-12, "p"),
    ]
    for scale, prefix in prefixes:
        if abs(value) >= scale:
            return f"{value / scale:.{digits}g} {prefix}{unit}".strip()
    return f"{value:.{digits}g} {unit}".strip()


def _clean(value: Any) -> Any:
    """Recursively converts numpy scalars to Python ones and nan/inf floats to None."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    return value


def _frame_cell(value: Any) -> Any:
    """``value`` for a frame's cell: numpy scalars as Python ones, tuples as lists, recursively; NaN and infinity
    kept (a figure not measured is NaN in a frame, None in JSON: :func:`_clean`)."""
    if isinstance(value, dict):
        return {k: _frame_cell(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_frame_cell(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _import_pandas() -> Any:
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "NetworkResult.to_pandas() needs pandas; install it with `pip install qnsim[pandas]`"
        ) from exc
    return pd
