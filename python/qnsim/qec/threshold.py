"""Threshold estimates from sampled logical error rates, with bootstrap error bars.

Below threshold a larger code does better; above, worse. For two distances ``d1 < d2`` sampled on
a grid of an error parameter ``x`` (at fixed other parameters), the crossing is where
``log p_L(d2) - log p_L(d1)`` changes sign from negative to positive, interpolated linearly in
``log x`` between the two grid points around the change. The threshold reported is the crossing of
the two largest distances (the smaller pairs drift with finite size; they are reported too).

Error bars: a parametric bootstrap. Every point's error count is redrawn from a binomial with its
measured rate and shot count, the crossing recomputed, and the 2.5 and 97.5 percentiles of the
redrawn crossings are the 95% interval. Redraws without a crossing in the grid count as "outside"
(reported), so an interval is only given when most redraws cross.

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

from qnsim.qec.sampling import per_round

__all__ = ["ThresholdEstimate", "crossing", "estimate_threshold", "group_rows"]


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
    xs = np.asarray(x, dtype=float)
    a = np.asarray(p_small, dtype=float)
    b = np.asarray(p_large, dtype=float)
    if xs.size != a.size or xs.size != b.size:
        raise ValueError("x, p_small and p_large must have the same length")
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.log(b) - np.log(a)
    for i in range(xs.size - 1):
        f0, f1 = f[i], f[i + 1]
        if not (np.isfinite(f0) and np.isfinite(f1)):
            continue
        if f0 < 0 <= f1:
            lx0, lx1 = math.log(xs[i]), math.log(xs[i + 1])
            t = f0 / (f0 - f1)
            return float(math.exp(lx0 + t * (lx1 - lx0)))
    return None


@dataclass(frozen=True)
class ThresholdEstimate:
    """A threshold with its bootstrap interval.

    Attributes:
        value: Crossing of the two largest distances (None: no crossing in the grid).
        low: 2.5th percentile of the bootstrap crossings (None when fewer than 90% cross).
        high: 97.5th percentile (likewise).
        distances: The two distances of ``value``.
        pairwise: Crossing of each consecutive pair of distances, ``{(d1, d2): x or None}``.
        crossed_fraction: Fraction of bootstrap redraws that crossed inside the grid.
        grid: The ``x`` values used.

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

    def describe(self, fmt: str = "{:.3g}") -> str:
        """``value [low, high] (d = d1, d2)``, or why there is none.

        Example:
            >>> ThresholdEstimate(None, None, None, (3, 5), grid=(0.01, 0.02)).describe()
            'no crossing in [0.01, 0.02] (d = 3, 5)'
        """
        d = f"(d = {self.distances[0]}, {self.distances[1]})"
        if self.value is None:
            lo, hi = (min(self.grid), max(self.grid)) if self.grid else (math.nan, math.nan)
            return f"no crossing in [{lo:g}, {hi:g}] {d}"
        if self.low is None or self.high is None:
            return f"{fmt.format(self.value)} (interval undetermined: {self.crossed_fraction:.0%} of redraws cross) {d}"
        return f"{fmt.format(self.value)} [{fmt.format(self.low)}, {fmt.format(self.high)}] {d}"


def group_rows(rows: Iterable[Mapping[str, Any]], keys: Sequence[str]) -> dict[tuple, list[Mapping[str, Any]]]:
    """Rows grouped by the values of ``keys`` (for one threshold per group).

    Example:
        >>> sorted(group_rows([{"a": 1}, {"a": 2}, {"a": 1}], ["a"]))
        [(1,), (2,)]
    """
    out: dict[tuple, list[Mapping[str, Any]]] = {}
    for row in rows:
        out.setdefault(tuple(row[k] for k in keys), []).append(row)
    return out


def _table(rows, x_key, distance_key):
    """{d: {x: [errors, shots, rounds]}}, summing repeated points (several seeds)."""
    table: dict[int, dict[float, list[int]]] = {}
    for row in rows:
        d, x = int(row[distance_key]), float(row[x_key])
        cell = table.setdefault(d, {}).setdefault(x, [0, 0, int(row["rounds"])])
        cell[0] += int(row["errors"])
        cell[1] += int(row["shots"])
    return table


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
) -> ThresholdEstimate:
    """Threshold of the error parameter ``x_key`` from rows of sampled counts.

    Args:
        rows: Dicts with ``x_key``, ``distance_key``, ``errors``, ``shots`` and ``rounds`` (other
            parameters fixed). Rows of the same (distance, x) are summed.
        x_key: The swept error parameter.
        distance_key: The column holding the code distance.
        bootstrap: Redraws for the interval (0: none).
        seed: Seed of the redraws.

    Returns:
        The :class:`ThresholdEstimate`.

    Raises:
        ValueError: Fewer than two distances, or distances not sampled on a common grid of at
            least two points.

    Example:
        >>> estimate_threshold([{"distance": 3, "p": 0.1, "errors": 1, "shots": 10, "rounds": 3}], x_key="p")
        Traceback (most recent call last):
        ...
        ValueError: a threshold needs at least two distances, got [3]
    """
    rows = list(rows)
    table = _table(rows, x_key, distance_key)
    distances = sorted(table)
    if len(distances) < 2:
        raise ValueError(f"a threshold needs at least two distances, got {distances}")
    xs = sorted(set.intersection(*(set(table[d]) for d in distances)))
    if len(xs) < 2:
        raise ValueError(f"the distances {distances} share fewer than two {x_key} values; sample a common grid")
    rates = {d: _rates(table[d], xs) for d in distances}
    pairwise = {(a, b): crossing(xs, rates[a], rates[b]) for a, b in zip(distances, distances[1:])}
    d1, d2 = distances[-2], distances[-1]
    value = pairwise[(d1, d2)]
    low = high = None
    fraction = 1.0 if value is not None else 0.0
    if bootstrap:
        rng = np.random.default_rng(seed)
        found = []
        for _ in range(bootstrap):
            redrawn = {}
            for d in (d1, d2):
                errs = [rng.binomial(table[d][x][1], table[d][x][0] / table[d][x][1]) for x in xs]
                redrawn[d] = _rates(table[d], xs, errs)
            c = crossing(xs, redrawn[d1], redrawn[d2])
            if c is not None:
                found.append(c)
        fraction = len(found) / bootstrap
        if found and fraction >= 0.9:
            low, high = (float(v) for v in np.percentile(found, [2.5, 97.5]))
    return ThresholdEstimate(value, low, high, (d1, d2), pairwise, fraction, tuple(xs))
