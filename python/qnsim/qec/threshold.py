"""Threshold estimates from sampled logical error rates, with bootstrap error bars.

Below threshold a larger code does better; above, worse. For two distances ``d1 < d2`` sampled on
a grid of an error parameter ``x`` (at fixed other parameters), the crossing is where their curves
of ``log p_L`` against ``log x`` meet. Two ways (``method``):

* ``"fit"`` (default): each curve is fitted by a straight line in (log x, log p_L), each point
  weighted by the inverse variance of its log per-round rate (binomial variance of the shot rate
  carried through the per-round conversion, which grows without bound as the shot rate nears 1/2;
  points whose shots fail 40% of the time or more are left out), and the crossing is where the
  two lines meet, if that is inside the sampled range (10% margin) with the larger code steeper.
  Near threshold the curves run almost together, so point-to-point comparisons flip with the
  sampling noise; a fit over the whole window uses all points at once.
* ``"interpolate"``: the first upward sign change of ``log p_L(d2) - log p_L(d1)`` on the grid,
  interpolated linearly in ``log x`` between the two grid points around it.

For a parameter the logical error falls against (a pair rate, a rate multiplier: both codes' rates lower at
the grid's largest x than at its smallest), both methods work in ``1 / x``, where the error rises, and give
the crossing back in ``x``.

The threshold reported is the crossing of the two largest distances (the smaller pairs drift with
finite size; they are reported too).

Error bars: a parametric bootstrap. Every point's error count is redrawn from a binomial with its
measured rate and shot count, the crossing recomputed, and the 2.5 and 97.5 percentiles of the
redrawn crossings are the 95% interval. Redraws without a crossing in the grid count as "outside"
(reported), so an interval is only given when most redraws cross. What it covers: the sampling
noise of the counts, carried through the fit (or the interpolation). What it does not: the error
of the model itself, straight lines in (log x, log p_L) or straight segments between grid points,
which a curve that bends near threshold does not follow, nor the drift of the crossing with the
distances (compare the pairwise crossings). For fits, each line's weighted squared residuals are
tested against their degrees of freedom (:attr:`ThresholdEstimate.misfit`), and a curve that
bends more than its counts explain is named in the notes: its interval is too narrow.

>>> rows = [{"d": d, "x": x, "errors": e, "shots": 10000, "rounds": d}
...         for d, x, e in [(3, 0.1, 200), (3, 0.2, 900), (5, 0.1, 100), (5, 0.2, 1500)]]
>>> est = estimate_threshold(rows, x_key="x", distance_key="d", bootstrap=200, seed=1)
>>> round(est.value, 3), est.distances
(0.192, (3, 5))
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qnsim import _numerics
from qnsim.argument_checks import column_name, integer, is_integer, is_real_number, real_number, real_numbers, written
from qnsim.qec.sampling import per_round
from qnsim.specs import check_seed

#: Most bootstrap redraws estimate_threshold runs (each refits every point).
MAX_BOOTSTRAP = 100_000

__all__ = ["ThresholdEstimate", "crossing", "estimate_threshold", "fitted_crossing", "group_rows"]


def _grid(x: object) -> np.ndarray:
    # Read as the package reads numbers: dtype=float took the text "0.01" as a number and True as 1.
    return np.asarray(real_numbers("x", x, minimum=0.0, exclusive_minimum=True, error=ValueError), dtype=float)


def _curve(name: str, values: object, probability: bool = False) -> np.ndarray:
    # Rates and weights >= 0, or NaN: a point without shots, which the crossings skip. A logical error rate is a
    # probability: above 1 (a count or a percentage given as a rate) it would still cross, somewhere wrong.
    if not isinstance(values, (list, tuple)) and not (isinstance(values, np.ndarray) and values.ndim == 1):
        raise ValueError(f"{name} must be a list of real numbers, got {written(values)}")
    for i, v in enumerate(values):
        if not is_real_number(v):
            raise ValueError(f"{name}[{i}] must be a real number, got {written(v)}")
        if v < 0 or v == math.inf:
            raise ValueError(f"{name}[{i}] must be >= 0 and finite (or NaN: no data), got {written(v)}")
        if probability and v > 1:
            raise ValueError(f"{name}[{i}] must be a logical error rate in [0, 1] (or NaN: no data), got {written(v)}")
    return np.asarray(values, dtype=float)


def crossing(x: Sequence[float], p_small: Sequence[float], p_large: Sequence[float]) -> float | None:
    """Where the larger code's error curve crosses the smaller one's from below (log-log interpolation).

    Args:
        x: Increasing grid of the error parameter (> 0).
        p_small: Logical error rates of the smaller distance on the grid (> 0).
        p_large: Those of the larger distance.

    Returns:
        The crossing, or None when the curves do not cross upwards inside the grid.

    Example:
        >>> round(crossing([0.01, 0.02], [1e-3, 4e-3], [5e-4, 8e-3]), 5)
        0.01414
    """
    xs, a, b = _grid(x), _curve("p_small", p_small, True), _curve("p_large", p_large, True)
    if xs.size != a.size or xs.size != b.size:
        raise ValueError("x, p_small and p_large must have the same length")
    with np.errstate(divide="ignore", invalid="ignore"):
        f = _numerics.log_array(b) - _numerics.log_array(a)
    for i in range(xs.size - 1):
        f0, f1 = f[i], f[i + 1]
        if not (np.isfinite(f0) and np.isfinite(f1)):
            continue
        if f0 < 0 <= f1:
            lx0, lx1 = _numerics.log(xs[i]), _numerics.log(xs[i + 1])
            t = f0 / (f0 - f1)
            return float(_numerics.exp(lx0 + t * (lx1 - lx0)))
    return None


def _line(t: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float] | None:
    ok = np.isfinite(y) & (w > 0)
    if ok.sum() < 2:
        return None
    return _numerics.weighted_line(t[ok], y[ok], w[ok])


def fitted_crossing(
    x: Sequence[float],
    p_small: Sequence[float],
    p_large: Sequence[float],
    w_small: Sequence[float],
    w_large: Sequence[float],
) -> float | None:
    """Where weighted straight-line fits of the two curves in (log x, log p) meet.

    Args:
        x: Grid of the error parameter (> 0).
        p_small: Rates of the smaller distance.
        p_large: Rates of the larger distance.
        w_small: Weights of the smaller distance's points (their error counts).
        w_large: Weights of the larger distance's points.

    Returns:
        The crossing, or None when the larger code's line is not steeper or the lines meet more
        than 10% outside the grid.

    Example:
        >>> round(fitted_crossing([0.01, 0.02, 0.04], [1e-3, 4e-3, 1.6e-2], [2.5e-4, 2e-3, 1.6e-2],
        ...                       [1, 1, 1], [1, 1, 1]), 5)
        0.04
    """
    return _finite(_fitted_crossing_or_side(x, p_small, p_large, w_small, w_large))


def _finite(c: float) -> float | None:
    return c if math.isfinite(c) else None


def _fitted_crossing_or_side(x, p_small, p_large, w_small, w_large) -> float:
    """:func:`fitted_crossing`, with a crossing beyond the grid's 10% margins given as its side: ``inf`` past the
    largest x, ``-inf`` before the smallest; NaN when the lines do not cross as a threshold's do."""
    t = _numerics.log_array(_grid(x))
    with np.errstate(divide="ignore"):
        fa = _line(t, _numerics.log_array(_curve("p_small", p_small, True)), _curve("w_small", w_small))
        fb = _line(t, _numerics.log_array(_curve("p_large", p_large, True)), _curve("w_large", w_large))
    if fa is None or fb is None or fb[1] <= fa[1]:
        return math.nan
    t_cross = (fa[0] - fb[0]) / (fb[1] - fa[1])
    if t_cross < t.min() + _numerics.log(1 / 1.1):
        return -math.inf
    if t_cross > t.max() + _numerics.log(1.1):
        return math.inf
    return float(_numerics.exp(t_cross))


def _interpolated_crossing_or_side(x, p_small, p_large) -> float:
    """:func:`crossing`, or without one its side: ``inf`` when the larger code is better at every point (the
    curves would cross past the grid), ``-inf`` when it is worse at every one; NaN otherwise."""
    c = crossing(x, p_small, p_large)
    if c is not None:
        return c
    with np.errstate(divide="ignore", invalid="ignore"):
        f = _numerics.log_array(p_large) - _numerics.log_array(p_small)
    f = f[np.isfinite(f)]
    if f.size and (f < 0).all():
        return math.inf
    if f.size and (f > 0).all():
        return -math.inf
    return math.nan


def _percentiles_with_sides(draws: Sequence[float], levels: Sequence[float]) -> list[float]:
    """Percentiles of redrawn crossings among which those past the grid count as ``inf`` / ``-inf``: np.percentile
    of the finite ones at levels shifted by the infinite ones' share (the same as np.percentile without them), an
    infinity where a level falls among them."""
    values = np.asarray(draws, dtype=float)
    n, below, above = values.size, int(np.sum(values == -math.inf)), int(np.sum(values == math.inf))
    finite = values[np.isfinite(values)]
    out = []
    for level in levels:
        rank = level / 100.0 * n
        if rank < below:
            out.append(-math.inf)
        elif rank > n - above:
            out.append(math.inf)
        else:
            out.append(float(np.percentile(finite, 100.0 * (rank - below) / finite.size)))
    return out


@dataclass(frozen=True)
class ThresholdEstimate:
    """A threshold with its bootstrap interval.

    Attributes:
        value: Crossing of the two largest distances (None: no crossing in the grid).
        low: 2.5th percentile of the bootstrap crossings (None when fewer than 90% of the redraws cross or lie
            clearly on one side of the grid); ``-inf`` when more than 2.5% cross before the grid (past the
            margin a fit may reach): the counts do not bound it.
        high: 97.5th percentile (likewise; ``inf`` when more than 2.5% cross past the grid).
        distances: The two distances of ``value``.
        pairwise: Crossing of each consecutive pair of distances, ``{(d1, d2): x or None}``.
        crossed_fraction: Fraction of bootstrap redraws that crossed inside the grid (with ``"fit"``, or within
            10% of its ends, where a fit's crossing still counts). Without a crossing, a
            ``side`` is taken as resolved only when fewer than :data:`UNRESOLVED_SIDE` of the redraws cross
            (see :meth:`describe` and :attr:`notes`); with ``bootstrap=0``, 0 (nothing was redrawn).
        grid: The ``x`` values used.
        side: Without a crossing: ``"above"`` when the threshold lies above the largest unsaturated
            grid point (the larger code did better at every one, for an error parameter), ``"below"``
            when it lies below the smallest, else None. For a parameter against which the logical
            error falls (a pair rate), the sides swap: a larger code better everywhere puts the
            crossing below the grid.
        usable: The grid points where both codes' shots fail less than 40% of the time and
            that saw at least one error (the points a fit can use).
        method: ``"fit"`` or ``"interpolate"`` (how ``value`` was found).
        misfit: ``"fit"``: for each of the two distances, ``(chi2, dof)`` of its line: the weighted squared
            residuals of its usable points (weights as in the fit) and their number less two. A chi2 well
            above dof means the points scatter about the line more than their counts explain (the curve
            bends): the interval, which redraws the counts alone, is then too narrow (see :attr:`notes`).
        beyond: Fractions of the bootstrap redraws crossing before and past the grid (a fit's 10% margins; with
            ``"interpolate"``, a larger code worse, or better, at every point).

    Example:
        >>> ThresholdEstimate(0.1, 0.09, 0.11, (5, 7)).describe()
        '0.1 [0.09, 0.11] (d = 5, 7)'
    """

    value: float | None
    low: float | None
    high: float | None
    distances: tuple[int, int]
    pairwise: Mapping[tuple[int, int], float | None] = field(default_factory=dict)
    crossed_fraction: float = 1.0
    grid: tuple[float, ...] = ()
    side: str | None = None
    usable: tuple[float, ...] = ()
    method: str = "fit"
    misfit: Mapping[int, tuple[float, int]] = field(default_factory=dict)
    beyond: tuple[float, float] = (0.0, 0.0)

    @property
    def notes(self) -> list[str]:
        """What the value cannot say: a crossing outside the usable points (extrapolated), grid points left
        out (shots near random outcomes, or no error), and lines fitted through only two usable points
        (nothing checks that they are lines).

        Example:
            >>> ThresholdEstimate(0.105, None, None, (3, 5), grid=(0.05, 0.1), usable=(0.05, 0.1)).notes
            ... # doctest: +NORMALIZE_WHITESPACE
            ['the crossing 0.105 lies outside the usable points [0.05, 0.1] (d = 3, 5): it is extrapolated; sample
              beyond it', 'the lines were fitted through only 2 usable points per distance (d = 3, 5): nothing checks
              the straight-line model; sample more points around the crossing']
        """
        notes = []
        d = f"(d = {self.distances[0]}, {self.distances[1]})"
        if self.value is not None and self.usable and not min(self.usable) <= self.value <= max(self.usable):
            notes.append(
                f"the crossing {self.value:.3g} lies outside the usable points [{min(self.usable):g}, "
                f"{max(self.usable):g}] {d}: it is extrapolated; sample beyond it"
            )
        left_out = [x for x in self.grid if x not in self.usable] if self.usable else []
        if left_out:
            # "above 0.008" over a grid up to 0.01 did not say that 0.009 and 0.01 were sampled but not used.
            notes.append(
                f"grid point(s) {', '.join(f'{x:g}' for x in left_out)} left out {d}: there a code's shots failed 40% "
                "of the time or more (too near random outcomes for the fit) or saw no logical error"
                + ("; the threshold may lie among them: sample them with fewer rounds per shot (or more shots where "
                   "none failed)" if self.value is None else "")
            )
        if self.value is None and self.grid and not self.usable:
            notes.append(
                f"no grid point is usable {d}: at each, a code's shots saw no logical error or failed 40% of the time "
                "or more, so the counts say nothing of the threshold; sample more shots (or fewer rounds per shot)"
            )
        if self.side_unresolved and len(self.usable) == 1:
            notes.append(
                f"only one grid point is usable ({self.usable[0]:g}) {d}: "
                + (f"the measured rates there put the threshold {self.side} the grid, but " if self.side else "")
                + "a crossing needs two points, so the counts say nothing of where the threshold lies; sample more "
                "shots (points with logical errors at both distances)"
            )
        elif self.side_unresolved and self.side is not None:
            # The side comes from the measured rates alone: a larger code better at every point by less than the
            # counts' noise said "above 0.04" as firmly as a clear margin.
            notes.append(
                f"the measured rates put the threshold {self.side} the grid, but {self.crossed_fraction:.0%} of the "
                f"bootstrap redraws cross {self._reach} {d}: the counts do not settle which side it lies on; sample "
                "more shots"
            )
        elif self.side_unresolved:
            # Curves that interleave (the larger code better at some points, worse at others) without a crossing the
            # method accepts read "no crossing in [0.07, 0.13]" from 50 shots a point, where 24% of the redraws
            # crossed inside the grid (the true crossing was at 0.1).
            notes.append(
                f"the measured curves meet no crossing in the grid, but {self.crossed_fraction:.0%} of the bootstrap "
                f"redraws cross {self._reach} {d}: the counts do not settle whether the threshold lies in the grid; "
                "sample more shots"
            )
        for share, end, edge in ((self.beyond[0], "before", "low"), (self.beyond[1], "past", "high")):
            bound = self.low if edge == "low" else self.high
            if self.value is not None and bound is not None and math.isinf(bound):
                # The interval ended at the grid's margin: the redraws crossing beyond it were not counted.
                points = self.usable or self.grid
                reach = f"{min(points) / 1.1:.3g}" if end == "before" else f"{max(points) * 1.1:.3g}"
                if self.method == "interpolate":
                    reach = f"{min(points):g}" if end == "before" else f"{max(points):g}"
                side, last = ("below", min(points)) if end == "before" else ("above", max(points))
                notes.append(
                    f"{share:.1%} of the bootstrap redraws cross {end} the grid ({side} {reach}) {d}: the counts do "
                    f"not bound the interval's {edge} end; sample {'below' if end == 'before' else 'beyond'} {last:g}"
                )
        bent = [(d, chi2, dof) for d, (chi2, dof) in sorted(self.misfit.items()) if _misfit_p(chi2, dof) < 0.01]
        if self.value is not None and bent:
            # The redraws refit lines to counts redrawn around the measured points: they hold the sampling noise,
            # not the straight-line model's error, so a curve that bends away from its line got an interval as
            # narrow as a straight one's, without a word.
            fits = ", ".join(f"d = {d}: chi2 = {chi2:.3g} on {dof} degree(s) of freedom" for d, chi2, dof in bent)
            notes.append(
                f"the points scatter about the fitted lines more than their counts explain ({fits}; p < 0.01): the "
                "curves bend, and the interval, which redraws the counts alone, does not hold the straight-line "
                "model's error; sample a narrower grid around the crossing"
            )
        if self.value is not None and self.method == "fit" and len(self.usable) < 3:
            notes.append(
                f"the lines were fitted through only {len(self.usable)} usable points per distance {d}: nothing "
                "checks the straight-line model; sample more points around the crossing"
            )
        return notes

    @property
    def _reach(self) -> str:
        # Where a redraw's crossing counts as found: a fit's lines may meet up to 10% beyond the grid's ends, and
        # "35% of the redraws cross inside the grid" counted those crossing between 0.09 and 0.099 on a grid ending
        # at 0.09.
        return "inside the grid" if self.method == "interpolate" else "inside the grid or within 10% of its ends"

    @property
    def side_unresolved(self) -> bool:
        """True when there is no crossing and the counts do not settle it: at least :data:`UNRESOLVED_SIDE` of the
        bootstrap redraws cross inside the grid, whether :attr:`side` names a side of the grid or the curves
        interleave (no side, "no crossing in [...]"), or only one grid point is usable (a crossing needs two).

        Example:
            >>> ThresholdEstimate(None, None, None, (3, 5), crossed_fraction=0.3, side="above").side_unresolved
            True
        """
        # One usable point: no redraw can cross (a crossing needs two), so 0% of them did and "above 0.02" from 1
        # error against 2 in 20 shots a point read as settled.
        return self.value is None and (self.side is not None or bool(self.usable)) and (
            self.crossed_fraction >= UNRESOLVED_SIDE or len(self.usable) < 2
        )

    def describe(self, fmt: str = "{:.3g}") -> str:
        """``value [low, high] (d = d1, d2)``, or why there is none.

        Example:
            >>> ThresholdEstimate(None, None, None, (3, 5), crossed_fraction=0.0, grid=(0.01, 0.02),
            ...                   usable=(0.01, 0.02)).describe()
            'no crossing in [0.01, 0.02] (d = 3, 5)'
            >>> ThresholdEstimate(None, None, None, (3, 5), crossed_fraction=0.0, grid=(0.01, 0.02)).describe()
            'undetermined: no usable grid point in [0.01, 0.02] (d = 3, 5)'
        """
        d = f"(d = {self.distances[0]}, {self.distances[1]})"
        if self.value is None:
            points = self.usable or self.grid
            lo, hi = (min(points), max(points)) if points else (math.nan, math.nan)
            # "above 0.04" from codes whose redraws crossed inside the grid a third of the time read as settled.
            unresolved = (
                "" if not self.side_unresolved
                else f" (unresolved: one usable grid point, {self.usable[0]:g}; a crossing needs two)"
                if len(self.usable) == 1
                else f" (unresolved: {self.crossed_fraction:.0%} of the redraws cross {self._reach})"
            )  # fmt: skip
            if self.side == "above":
                return f"above {fmt.format(hi)}{unresolved} {d}"
            if self.side == "below":
                return f"below {fmt.format(lo)}{unresolved} {d}"
            if self.grid and not self.usable:
                # "no crossing in [0.07, 0.13]" from 20 shots a point, d = 3 without one logical error: read as a
                # threshold outside the grid where the counts say nothing.
                return f"undetermined: no usable grid point in [{lo:g}, {hi:g}] {d}"
            return f"no crossing in [{lo:g}, {hi:g}]{unresolved} {d}"
        if self.low is None or self.high is None:
            return f"{fmt.format(self.value)} (interval undetermined: {self.crossed_fraction:.0%} of redraws cross) {d}"
        low = "before the grid" if self.low == -math.inf else fmt.format(self.low)
        high = "past the grid" if self.high == math.inf else fmt.format(self.high)
        return f"{fmt.format(self.value)} [{low}, {high}] {d}"


def _misfit_p(chi2: float, dof: int) -> float:
    """Probability that a chi-square variable of ``dof`` degrees of freedom exceeds ``chi2`` (Wilson-Hilferty's
    normal approximation, within a few percent of the exact tail for dof >= 1 at the 1% level); 1.0 without a
    degree of freedom."""
    if dof < 1 or not math.isfinite(chi2):
        return 1.0
    k = float(dof)
    # The cube root by the engine's exp and log: pow is libm's, whose last bits differ between machines.
    z = (_numerics.exp(_numerics.log(chi2 / k) / 3.0) - (1.0 - 2.0 / (9.0 * k))) / math.sqrt(2.0 / (9.0 * k))
    return 0.5 * _numerics.erfc(z / math.sqrt(2.0))


def _chi2(t: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, int]:
    """Weighted squared residuals of the line :func:`_line` fits, and their degrees of freedom."""
    fit = _line(t, y, w)
    ok = np.isfinite(y) & (w > 0)
    if fit is None:
        return 0.0, 0
    a, b = fit
    return math.fsum(float(v) for v in w[ok] * (y[ok] - a - b * t[ok]) ** 2), int(ok.sum()) - 2


def group_rows(rows: Iterable[Mapping[str, Any]], keys: Sequence[str]) -> dict[tuple, list[Mapping[str, Any]]]:
    """Rows grouped by the values of ``keys`` (for one threshold per group).

    Raises:
        TypeError: ``keys`` is no list of column names, or a row is no mapping.
        ValueError: A row has no column of ``keys`` (the row and its columns are named).

    Example:
        >>> sorted(group_rows([{"a": 1}, {"a": 2}, {"a": 1}], ["a"]))
        [(1,), (2,)]
    """
    if isinstance(keys, str) or not isinstance(keys, (Sequence, np.ndarray)):
        raise TypeError(f"keys must be a list of column names, got {written(keys)}")  # "ab" read as columns 'a', 'b'
    keys = [column_name(f"keys[{i}]", k) for i, k in enumerate(keys)]
    out: dict[tuple, list[Mapping[str, Any]]] = {}
    for i, row in enumerate(rows):
        out.setdefault(tuple(_cell(row, i, k) for k in keys), []).append(row)
    return out


def _row_name(row: Mapping[str, Any], i: int) -> str:
    """``rows[i]``, with the row's ``point_id`` where it has one: the rows of one group are numbered in the group,
    not in the file, so a refusal named "rows[3]" for the first line of a file; the id is found in it."""
    point = row.get("point_id") if isinstance(row, Mapping) else None
    return f"rows[{i}] (point_id {point})" if isinstance(point, str) and point else f"rows[{i}]"


def _cell(row: object, i: int, key: str) -> Any:
    """``row[key]``, refused naming the row when it is no mapping or has no such column: the one reading of a row's
    column by :func:`estimate_threshold` and :func:`group_rows` (which raised a bare KeyError 'z' for a missing
    column, and "'int' object is not subscriptable" for a row that is a number)."""
    if not isinstance(row, Mapping):
        raise TypeError(f"rows[{i}] must be a mapping of column -> value, got {written(row)}")
    if key not in row:
        raise ValueError(f"{_row_name(row, i)} has no {written(key)} column (columns: {', '.join(map(str, row))})")
    return row[key]


def _row_count(row: Mapping[str, Any], i: int, key: str, minimum: int | None) -> int:
    """``row[key]`` as a count: an integer, or a float that is one (3.0 from a table file); 3.7 is refused."""
    value = _cell(row, i, key)
    if is_real_number(value) and not is_integer(value) and float(value).is_integer():
        value = int(value)
    return integer(f"{_row_name(row, i)}[{written(key)}]", value, minimum=minimum, error=ValueError)


def _same_row(a: dict, b: dict) -> bool:
    """Equal rows, NaN cells included (a copy of a row with no rate is still a copy)."""

    def same(u: Any, v: Any) -> bool:
        return u == v or (isinstance(u, float) and isinstance(v, float) and math.isnan(u) and math.isnan(v))

    return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)


def _table(rows, x_key, distance_key):
    """{d: {x: [errors, shots, rounds]}}, summing repeated points (several seeds)."""
    table: dict[int, dict[float, list[int]]] = {}
    seen: dict[Any, tuple[int, Any]] = {}
    sources: dict[tuple[int, float], int] = {}  # (d, x) -> the first row summed there that names its sweep
    for i, row in enumerate(rows):
        point = row.get("point_id") if isinstance(row, Mapping) else None
        if point is not None:
            # A point is one row (as qnsim.plot.summarize counts it): a copy summed in again doubled its
            # shots and narrowed the interval; two different rows of one point are a damaged file.
            first, seen_row = seen.setdefault(point, (i, dict(row)))
            if first != i:
                if not _same_row(dict(row), seen_row):
                    raise ValueError(f"rows[{first}] and rows[{i}] are 2 different rows of one point ({point})")
                continue
        d = _row_count(row, i, distance_key, None)  # bounded below, with its parity, in the distance's own words
        if d < 3 or d % 2 == 0:
            # The codes qnsim samples have odd distances >= 3 (qnsim.qec.layout.check_distance): a row of d = 4 or
            # d = 1 (a mislabelled column, another code's rows) was fitted as one more distance and moved the crossing.
            raise ValueError(
                f"{_row_name(row, i)}[{written(distance_key)}] must be an odd int >= 3 (a code distance), "
                f"got {written(row[distance_key])}"
            )
        shots, errors, rounds = (_row_count(row, i, k, m) for k, m in (("shots", 1), ("errors", 0), ("rounds", 1)))
        if errors > shots:
            raise ValueError(f"{_row_name(row, i)} has {errors} errors in {shots} shots")
        # The fit is in log x: a row's 0 or negative x was refused later as "x[0] must be > 0", naming no row.
        x = real_number(
            f"{_row_name(row, i)}[{written(x_key)}]", _cell(row, i, x_key), minimum=0.0, exclusive_minimum=True,
            error=ValueError,
        )
        cell = table.setdefault(d, {}).setdefault(x, [0, 0, rounds])
        if rounds != cell[2]:
            # Summed counts of shots of different lengths have no per-round rate: the first
            # row's rounds would have been applied to all of them.
            raise ValueError(
                f"rows of {distance_key} = {d}, {x_key} = {x:g} were sampled with {cell[2]} and {int(row['rounds'])} "
                "rounds; their counts cannot be summed into one per-round rate: select rows of one round count"
            )
        _check_one_sweep(rows, sources.setdefault((d, x), i), i, f"{distance_key} = {d}, {x_key} = {x:g}")
        cell[0] += errors
        cell[1] += shots
    return table


#: Columns of a QEC sweep's row that are its counts, figures and ids, not its settings.
_NOT_SETTINGS = frozenset(
    ("shots", "errors", "shot_error_rate", "per_round", "per_round_low", "per_round_high", "notes", "scenario_id",
     "point_id", "seed", "sampling_s", "row_digest")
)  # fmt: skip


def _check_one_sweep(rows: list, first: int, i: int, where: str) -> None:
    """Refuses to sum ``rows[i]`` into the cell ``rows[first]`` opened when their ``scenario_id`` cells name two
    sweeps: two experiment files' rows (another basis, noise or rounds, settings a row need not show), or one
    file's run again with other sampling limits (its seeds' same shots twice), were summed as more shots of one
    experiment, and the threshold was a mix of them without a word."""
    a, b = rows[first], rows[i]
    ids = [r.get("scenario_id") if isinstance(r, Mapping) else None for r in (a, b)]
    if first == i or not all(isinstance(v, str) and v for v in ids) or ids[0] == ids[1]:
        return
    differ = [k for k in a if k not in _NOT_SETTINGS and k in b and a[k] != b[k]]
    shown = (
        f"they differ in {', '.join(map(written, differ))}" if differ
        else "they differ in settings their columns do not show (the experiment files' fixed settings)"
    )
    raise ValueError(
        f"{_row_name(a, first)} and {_row_name(b, i)} at {where} come from two sweeps (scenario_id {ids[0]} and "
        f"{ids[1]}): summed, their counts would read as one experiment's; {shown}. Select one sweep's rows, or group "
        "them apart (qnsim qec threshold --by scenario_id, or by a column that tells them apart)"
    )


#: Without a crossing, the fraction of bootstrap redraws crossing inside the grid from which the side a
#: threshold lies on ("above" or "below" the grid) is called unresolved.
UNRESOLVED_SIDE = 0.05

#: Points whose shots fail this often are left out of fits and comparisons: near 1/2 the per-round
#: rate is ill-conditioned and biased towards the code with more rounds (it spreads the same shot
#: failure over more rounds).
SATURATED_SHOT_RATE = 0.4


def _weights(cells, xs, errors_override=None):
    """Inverse variances of log per-round rates (delta method; 0 for empty or saturated points)."""
    out = []
    for i, x in enumerate(xs):
        e, n, r = cells[x]
        if errors_override is not None:
            e = errors_override[i]
        shot = e / n if n else 0.0
        if e == 0 or shot >= SATURATED_SHOT_RATE:
            out.append(0.0)
            continue
        rate = per_round(shot, r)
        # d(per-round) / d(shot rate), (1 - 2 shot)^(1/r - 1) / r, by the engine's exp and log1p (libm's pow
        # differs between machines in its last bits, and the weights place the reported crossing).
        slope = _numerics.exp((1 / r - 1) * _numerics.log1p(-2 * shot)) / r
        var = (slope / rate) ** 2 * shot * (1 - shot) / n
        out.append(1.0 / var)
    return out


def _rates(cells, xs, errors_override=None):
    out = []
    for i, x in enumerate(xs):
        e, n, r = cells[x]
        if errors_override is not None:
            e = errors_override[i]
        out.append(per_round(e / n, r) if n else math.nan)
    return out


def estimate_threshold(
    rows: Iterable[Mapping[str, Any]],
    *,
    x_key: str,
    distance_key: str = "distance",
    bootstrap: int = 400,
    seed: int = 0,
    method: str = "fit",
) -> ThresholdEstimate:
    """Threshold of the error parameter ``x_key`` from rows of sampled counts.

    Args:
        rows: Dicts with ``x_key``, ``distance_key``, ``errors``, ``shots`` and ``rounds`` (other
            parameters fixed). Rows of the same (distance, x) are summed: those of one sweep (rows whose
            ``scenario_id`` cells name two sweeps are refused there).
        x_key: The swept error parameter.
        distance_key: The column holding the code distance.
        bootstrap: Redraws for the interval (0: none).
        seed: Seed of the redraws.
        method: ``"fit"`` or ``"interpolate"`` (see the module docstring).

    Returns:
        The :class:`ThresholdEstimate`.

    Raises:
        ValueError: A distance that is not an odd integer >= 3 (an integral float such as 3.0, as a table
            file holds it, is read as that integer), fewer than two distances, distances not sampled on a
            common grid of at least two points, or rows of one (distance, x) with different round counts or
            from two sweeps (their ``scenario_id``).
        TypeError: ``x_key`` or ``distance_key`` is no column name (a list, an array).

    Example:
        >>> estimate_threshold([{"distance": 3, "p": 0.1, "errors": 1, "shots": 10, "rounds": 3}], x_key="p")
        Traceback (most recent call last):
        ...
        ValueError: a threshold needs at least two distances, got [3]
    """
    if method not in ("fit", "interpolate"):
        raise ValueError(f"method must be 'fit' or 'interpolate', got {written(method)}")
    x_key, distance_key = column_name("x_key", x_key), column_name("distance_key", distance_key)
    # Each redraw refits every point: 10**9 of them ran for days.
    bootstrap = integer("bootstrap", bootstrap, minimum=0, maximum=MAX_BOOTSTRAP, error=ValueError)
    seed = check_seed("seed", seed)  # None drew a fresh, unrepeatable interval
    if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Iterable):
        raise TypeError(f"rows must be an iterable of row mappings (read_results gives one), got {written(rows)}")
    rows = list(rows)
    table = _table(rows, x_key, distance_key)
    distances = sorted(table)
    if len(distances) < 2:
        raise ValueError(f"a threshold needs at least two distances, got {distances}")
    xs = sorted(set.intersection(*(set(table[d]) for d in distances)))
    if len(xs) < 2:
        raise ValueError(f"the distances {distances} share fewer than two {x_key} values; sample a common grid")
    rates = {d: _rates(table[d], xs) for d in distances}
    d1, d2 = distances[-2], distances[-1]
    # For a parameter against which the logical error falls (a pair rate, a rate multiplier), the larger code wins on
    # the large-x side. The direction comes from the whole grid (saturated points show it best). The crossings are
    # sought in 1 / x there, where the error rises as for an error rate: in x, the larger code's line is never the
    # steeper one and no sign change is upward, so a crossing at 1000 inside [600, 4000] read "no crossing in
    # [600, 4000]", by either method.
    falling = all(rates[d][-1] < rates[d][0] for d in (d1, d2))
    order = list(range(len(xs)))[::-1] if falling else list(range(len(xs)))
    seen_x = [1.0 / xs[i] if falling else xs[i] for i in order]

    def seen(values):  # a curve on the grid the crossings are sought on
        return [values[i] for i in order]

    def back(c: float) -> float:  # a crossing found on that grid, in x; past its end (inf) is before x's grid
        if not falling or math.isnan(c):
            return c
        return -c if math.isinf(c) else 1.0 / c

    def cross_or_side(ra, rb, ea, eb) -> float:
        if method == "interpolate":
            return back(_interpolated_crossing_or_side(seen_x, seen(ra), seen(rb)))
        return back(_fitted_crossing_or_side(seen_x, seen(ra), seen(rb), seen(ea), seen(eb)))

    def cross(a: int, b: int, ra, rb, ea, eb) -> float | None:
        return _finite(cross_or_side(ra, rb, ea, eb))

    counts = {d: _weights(table[d], xs) for d in distances}
    pairwise = {(a, b): cross(a, b, rates[a], rates[b], counts[a], counts[b]) for a, b in zip(distances, distances[1:])}
    value = pairwise[(d1, d2)]
    low = high = None
    fraction = 1.0 if value is not None else 0.0
    beyond = (0.0, 0.0)
    if bootstrap:
        rng = np.random.default_rng(seed)
        draws = []
        for _ in range(bootstrap):
            redrawn, redrawn_counts = {}, {}
            for d in (d1, d2):
                errs = [rng.binomial(table[d][x][1], table[d][x][0] / table[d][x][1]) for x in xs]
                redrawn[d] = _rates(table[d], xs, errs)
                redrawn_counts[d] = _weights(table[d], xs, errs)
            draws.append(cross_or_side(redrawn[d1], redrawn[d2], redrawn_counts[d1], redrawn_counts[d2]))
        found = [c for c in draws if math.isfinite(c)]
        fraction = len(found) / bootstrap
        beyond = (draws.count(-math.inf) / bootstrap, draws.count(math.inf) / bootstrap)
        # The redraws whose crossing falls past the grid were dropped, and the percentiles of the rest made an
        # extrapolated crossing's interval end at the grid's margin (0.1 [0.0956, 0.103] on a grid ending at 0.095,
        # 4% of the redraws crossing beyond 0.1045): they count now, on their side, as infinities.
        sided = [c for c in draws if not math.isnan(c)]
        if found and len(sided) >= 0.9 * bootstrap:
            low, high = _percentiles_with_sides(sided, [2.5, 97.5])
    side = None
    usable = [i for i in range(len(xs)) if counts[d1][i] > 0 and counts[d2][i] > 0]
    if value is None:
        if usable and all(rates[d2][i] < rates[d1][i] for i in usable):
            side = "above"
        elif usable and all(rates[d2][i] > rates[d1][i] for i in usable):
            side = "below"
        # For a falling parameter a larger code better everywhere puts the crossing below the grid: it read
        # "above 3e+03" for a rate multiplier whose crossing lies below the first usable point.
        if falling and side is not None:
            side = {"above": "below", "below": "above"}[side]
    misfit = {}
    if method == "fit":
        t = _numerics.log_array(np.asarray(xs, dtype=float))
        with np.errstate(divide="ignore"):
            for d in (d1, d2):
                misfit[d] = _chi2(t, _numerics.log_array(rates[d]), np.asarray(counts[d], dtype=float))
    return ThresholdEstimate(value, low, high, (d1, d2), pairwise, fraction, tuple(xs), side,
                             tuple(xs[i] for i in usable), method, misfit, beyond)
