"""The logical error of one remote lattice-surgery operation, from simulated merges (shipped table).

The experiment: :func:`qnsim.qec.merge_circuit`, rotated code, ``d`` merged rounds, seam CNOTs
teleported through Bell-diagonal pairs (the gadget's local operations noisy), uniform depolarizing
bulk noise ``p`` (idle included), decoded by PyMatching. A remote operation fails when any of its
logical outcomes is wrong: the Z-basis run (``Z_A Z_B``) or the X-basis run (the merge outcome
``X_A X_B``, ``X_A``, ``X_B``); ``P_op = 1 - (1 - P_Z)(1 - P_X)``.

Two numbers of the pairs matter, one per basis: a teleported CNOT puts X on its target with
``q_x = Psi+ + Psi-`` and Z on its control with ``q_z = Phi- + Psi-``
(:func:`qnsim.qec.seam_error_rates`). X errors only reach the Z-basis observables and Z errors only
the X-basis ones, and the decoder matches the two separately, so ``P_Z`` depends on ``q_x`` alone
and ``P_X`` on ``q_z`` alone: each basis is one table over (p, q, d), sampled with pairs that
carry only that error (``(1 - q, q, 0, 0)`` and ``(1 - q, 0, 0, q)``).

The shipped table is sampled with each teleported seam CNOT written as the gadget itself (the default of
:class:`qnsim.qec.Interface`; its metadata's ``experiment`` says "written as the gadget"). A table sampled
with the seam's Pauli channel (``Interface(explicit=False)``), as the one shipped before, is pessimistic:
PyMatching decodes the channel form worse, by :data:`CHANNEL_FORM_PESSIMISM` (measured against a table of
the same grid, shots and stopping rule sampled with the gadget, node by node over the nodes with >= 200
errors in both; each ratio carries ~10% sampling error), and the estimator's reports say so whenever the
loaded table's metadata does not name the gadget.

The table (``data/remote_model.json``, written by ``bench/qec_remote_model.py``) holds error and shot counts on a
grid of p, q and d = 3, 5, 7 (each point to 300 errors or 4e5 shots, and more at p = 1e-4, whose lines the estimator
extrapolates furthest, and to ~3000 errors with seeded shots in the Z basis at p = 1e-3, 2e-3, 3e-3, 6e-3 and at
3e-4 for q >= 0.02, in the X basis at p = 3e-3 and 6e-3 (``seeded``; ``qnsim qec restore`` and ``qnsim qec topup``,
:mod:`qnsim.qec.remote_table`): the metadata's ``sampling`` says how many;
``bench/qec_remote_model.py build --bootstrap`` gives the fitted lines' standard errors). At each grid node, ``log
P`` is fitted as a line in ``k = (d + 1) / 2`` (the usual sub-threshold scaling ``P = A / Lambda^((d+1)/2)``),
weighted by the counts, plus a bend ``c (ln d - (alpha + beta k))``: ``ln d`` less its own line over the node's
distances, so the bend moves no line, only how it passes through d = 3, 5, 7 (``P ~ d^c A / Lambda^k``: a failure has
more places to start as d grows). ``c`` is a line in ``ln q`` whose slope is a line in ``ln p``, per basis, pooled
over the nodes that rest on three distances (:meth:`RemoteModel.bend_weight`; Z 0.45 +- 0.04 at the grid's middle,
-0.19 +- 0.02 per unit of ``ln q`` and +0.11 +- 0.02 per unit of ``ln q ln p``: the bend falls with q, the faster the
smaller p; X -0.03 +- 0.05, its slopes 0.0 +- 0.08 and 0.0 +- 0.06: no bend). Until round 15 it was one
number per basis (Z 0.43): the Z rows topped up to ~3000 errors showed the nodes' own bend falling with q (at
p = 2e-3 from ~0.9 at q <= 0.02 to ~0 at q >= 0.06; chi-squared of the bend terms 114.6 pooled, 74.7 with the line in
``ln q``), so the pooled value read d = 5 low at small q (over the Z points with >= 20 errors the model less the
counts averaged -0.55 of their standard errors at q <= 0.01, t = -2.4) and high at q >= 0.06 (+0.80, t = 3.5), d = 3
and 7 the other way (|t| up to 3.3); with the line |t| <= 0.9 in every third of the q grid at every distance. Round
15 measured the term in ``ln q ln p`` (0.12 +- 0.03) on the three Z rows topped up then and left it out; with the
p = 6e-3 and 3e-4 rows topped up (round 16) it holds beyond them: the Z rows other than those three give 0.072 +-
0.024 on their own, the p = 6e-3 row's slope in ``ln q`` is +0.04 +- 0.04 where the pooled line without the term puts
-0.11, and the term lowers the bend terms' chi-squared 100.5 -> 70.2 (tests/test_qec_audit16.py). Beyond the sampled
distances the bend is held at its end's value, so the lines
keep their fitted slopes (the chord over d = 3-7, shallower than the bent curve's: an upper side of it). Before round
14 the lines alone read the middle distance low and the ends high at nearly every node (over the points with >= 20
errors, the model less the counts averaged -0.32 of their standard errors at d = 5, +0.15 at d = 3, +0.24 at d = 7;
with the bend 0.00, 0.00, 0.03), which with the counts' own noise read 5-9% under 40k-shot merges at p = 2e-3,
F = 0.94. That node still read 0.0491 at d = 5 against fresh merges' 0.0535 +- 0.0011 after round 14: its own d = 3
and d = 7 counts (308 and 317 errors) lay 1.7 and 2.6 standard errors under 15-fold seeded top-ups there, tilting its
line (the counts' noise; the fit of round 15 reads the old counts 0.0488); with the top-ups it reads 0.0528 +- 0.9%,
and fresh merges with other seeds give 0.0545 +- 0.0010 (one-error pairs) and 0.0536 +- 0.0009 (Werner pairs), 1.6
and 0.8 combined standard errors away. Sampled distances use the fit too, so the model is smooth in d. Uncertainty:
:meth:`RemoteModel.log_error_sd` states the fitted ``ln P``'s standard error from the counts (at a node resting on
d = 3, 5, 7 whose points ran to ~300 errors, ~5% at d = 3 and 7, ~3% at d = 5, and ~1.3% and ~0.9% at the seeded
~3000; a bootstrap over the counts gives medians 3.0%, 2.6%, 3.3%, 90th percentiles 4.9%, 3.9%, 6.8%), growing along
the extrapolated line (0.4 in ``ln P``, a factor 1.5, at d = 25 at p = 2e-3). Fresh merges agree with the model
within it (tests/test_qec_audit14.py), and so do round 16's 98 seeded top-ups against the model fitted without them
(root mean square 0.81 of ``sqrt(sd^2 + 1 / errors)``, 99% within two of it: the band a little wide); pairs with
both errors (Psi-) fail as the table's one-error pairs of the same
``q_x`` and ``q_z`` (p = 2e-3, q = 0.04, d = 5, 200,000 shots a basis: 0.99x and 0.97x, 0.7 standard errors), and the
table's counts are those of today's circuits (64 fresh points at d = 3, 5: its rates over the fresh ones have a
median 1.00 and 1.02, mean z +0.2 and +0.3). Between nodes ``log P`` is interpolated bilinearly in ``(log p, log
q)``. Outside the grid, p and q are clamped to its edges (below the smallest q, where the table holds the merge with
perfect pairs, the rate is linear in q between the two instead: :meth:`RemoteModel.error`): below the smallest p the
model overestimates the error (it stays an upper bound); above the largest it underestimates, and
:func:`remote_logical_error` says so by raising unless ``clamp=True`` is asked for. Large d is an extrapolation of
the fitted lines. Some nodes are thin: a sampled distance had fewer than 5 errors, so their line rests on fewer
points (the Z basis at p = 1e-4, q <= 0.002: no error at d = 7 in 4e5 shots) or takes a neighbour's slope (the X
basis at p = 1e-4 below q = 0.04); :meth:`RemoteModel.thin_rows` names those a point is priced from, and the
estimator's reports carry them as a note.

The table also holds the same merge with both patches on one QPU (``interface=None``: seam CNOTs local, no
gadget), sampled per p and d (``single_qpu``; ``bench/qec_remote_model.py baseline``). What a remote operation
adds to the work of one QPU (``remote_logical_error(..., interface_only=True)``) is the gadget merge with the
pairs less this single-QPU merge: the pairs' share and the gadget's own (its extra CNOT and two measurements per
seam CNOT: with perfect pairs the gadget merge fails 0.97-1.16x (Z basis) and 1.13-1.36x (X basis) as often as the
single-QPU merge at p = 1e-3..3e-3, d = 3-7, the ratio growing with d). The single-QPU merge is modelled as the
near-perfect pairs' line less a line in ``(d + 1) / 2`` fitted to the measured ratio
(:meth:`RemoteModel.log_single_qpu_error`), its level per p and its growth with d pooled over p; the table also
holds the gadget merge with perfect pairs (``perfect_pairs``, fitted alike), between which and the smallest q the
rate is linear in q (:meth:`RemoteModel.error`). Rows whose rates are too small to sample here (p = 3e-4 at d = 7,
p = 1e-4 at d = 5 and 7) are extrapolations, and :meth:`RemoteModel.thin_rows` names them.

>>> round(remote_logical_error(3, (0.97, 0.01, 0.01, 0.01), physical_error=1e-3), 3) > 0
True
"""

from __future__ import annotations

import bisect
import functools
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from qnsim import _core, _numerics
from qnsim.argument_checks import flag, float_literal, readable_file
from qnsim.qec.channels import check_bell_diagonal, check_probability, seam_error_rates
from qnsim.qec.layout import MAX_DISTANCE, check_distance

__all__ = ["CHANNEL_FORM_PESSIMISM", "RemoteModel", "load_remote_model", "read_table", "remote_logical_error",
           "remote_operation_pairs"]

#: How much a table's rates sampled with the seam as its Pauli channel (the table shipped before) exceed the
#: gadget's, measured.
CHANNEL_FORM_PESSIMISM = (
    "in the Z basis (X errors of the pairs) by a median 1.12x at d = 3 (0.88-1.55x over the grid), 1.06x at d = 5, "
    "1.03x at d = 7; in the X basis by none measurable (median 1.00-1.01x)"
)

_MIN_ERRORS = 5  # counts below this carry too little information to enter a fit


def _read_point(basis: str, distance: int, p: float, q: float) -> tuple[int, float, float]:
    """A model query's ``distance``, bulk error ``p`` and seam error rate ``q``, or a ValueError naming the bad one
    (``basis`` too): an even distance, p = 2 or q = -0.1 were read off the fitted lines as if sampled, and basis "Y"
    raised a bare KeyError. Plain ints and floats in range, the estimator's every query, pass at the cost of the
    comparisons."""
    if (type(distance) is int and 1 <= distance <= MAX_DISTANCE and distance & 1 and type(p) is float
            and type(q) is float and 0.0 <= p <= 1.0 and 0.0 <= q <= 1.0 and basis in ("Z", "X")):
        return distance, p, q
    if basis not in ("Z", "X"):
        raise ValueError(f"basis must be 'Z' or 'X', got {basis!r}")
    return check_distance(distance, minimum=1), check_probability("p", p), check_probability("q", q)


@dataclass(frozen=True)
class RemoteModel:
    """Fitted lines ``log P = a + b (d + 1) / 2`` per basis and grid node.

    Attributes:
        p_grid: Bulk errors of the grid (increasing).
        q_grid: Seam error rates of the grid (increasing).
        intercept: ``{"Z": a[ip][iq], "X": ...}``.
        slope: ``{"Z": b[ip][iq], "X": ...}``.
        meta: The table's description (experiment, how it was made).
        thin: ``{"Z": [[reason or "", ...], ...], "X": ...}``: per grid node, why its line rests on
            fewer than all the sampled distances (a distance with fewer than 5 errors), "" where it does
            not (:meth:`thin_rows`).
        gadget_cost: ``{"Z": [[g0, g1], ...], "X": ...}``: per bulk error of the grid, the line
            ``g0 + g1 (d + 1) / 2`` of ``log`` of the near-perfect pairs' gadget merge (the grid's smallest q)
            over the single-QPU merge (read floored at 0), fitted as the module docstring says; empty for a
            table without a single-QPU merge.
        single_thin: ``{"Z": [reason or "", ...], ...}``: per bulk error, why its ``gadget_cost`` rests on
            fewer than the sampled distances or is taken from another row ("" where it does not).
        pairs_cost: as ``gadget_cost``, for the gadget merge with perfect pairs (q = 0) against the grid's
            smallest q: below that q the rate is interpolated linearly in q between the two
            (:meth:`error`); empty for a table without it (then clamped to the smallest q).
        perfect_thin: as ``single_thin``, for ``pairs_cost``.
        bend: ``{"Z": c, "X": ...}``: the weight of the ``ln d`` prefactor (:func:`build_model`) at the grid's mean
            ``ln q``, one per basis, pooled over the grid; 0 for a table fitted as plain lines.
        bend_slope: ``{"Z": c1, "X": ...}``: how that weight changes per unit of ``ln q`` at the grid's mean ``ln p``
            (:meth:`bend_weight`).
        bend_cross: ``{"Z": c2, "X": ...}``: how that slope changes per unit of ``ln p`` (the weight's term in
            ``(ln q - m_q) (ln p - m_p)``).
        bend_lines: ``{"Z": [ip][iq] -> (alpha, beta, k_lo, k_hi), ...}``: per node, the weighted line
            ``alpha + beta k`` of ``ln d`` over the distances its line rests on (``k = (d + 1) / 2`` from
            ``k_lo`` to ``k_hi``); ``k_lo = k_hi = 0`` where the line rests on fewer than three (no bend).

    Example:
        >>> m = load_remote_model()
        >>> len(m.p_grid) >= 2 and len(m.q_grid) >= 2
        True
    """

    p_grid: tuple[float, ...]
    q_grid: tuple[float, ...]
    intercept: dict[str, np.ndarray]
    slope: dict[str, np.ndarray]
    meta: dict[str, Any]
    thin: dict[str, list[list[str]]] = field(default_factory=dict)
    gadget_cost: dict[str, np.ndarray] = field(default_factory=dict)
    single_thin: dict[str, list[str]] = field(default_factory=dict)
    pairs_cost: dict[str, np.ndarray] = field(default_factory=dict)
    perfect_thin: dict[str, list[str]] = field(default_factory=dict)
    bend: dict[str, float] = field(default_factory=dict)
    bend_lines: dict[str, np.ndarray] = field(default_factory=dict)
    spread: dict[str, np.ndarray] = field(default_factory=dict)
    bend_slope: dict[str, float] = field(default_factory=dict)
    bend_cross: dict[str, float] = field(default_factory=dict)

    def bend_weight(self, basis: str, p: float, q: float) -> float:
        """The bend's weight ``c`` at a bulk error p and seam error rate q of the grid:
        ``bend + (bend_slope + bend_cross (ln p - m_p)) (ln q - m_q)``, ``m_p`` and ``m_q`` the grid's mean ``ln p``
        and ``ln q`` (one per basis, pooled over the grid: a line in ``ln q`` whose slope is a line in ``ln p``).

        Example:
            >>> m = load_remote_model()
            >>> m.bend_weight("Z", 2e-3, m.q_grid[0]) > m.bend_weight("Z", 2e-3, m.q_grid[-1])
            True
        """
        _, p, q = _read_point(basis, 1, p, q)
        if not (p > 0 and q > 0):  # (the weight is a line in ln p and ln q)
            raise ValueError(f"bend_weight needs p > 0 and q > 0, got p = {p!r}, q = {q!r}")
        lp, lq = self._log_grids
        cross = self.bend_cross.get(basis, 0.0)
        slope = self.bend_slope.get(basis, 0.0) + cross * (_numerics.log(p) - sum(lp) / len(lp))
        return self.bend.get(basis, 0.0) + slope * (_numerics.log(q) - sum(lq) / len(lq))

    @functools.cached_property
    def _bend_weights(self) -> dict[str, tuple[tuple[float, ...], ...]]:
        return {basis: tuple(tuple(self.bend_weight(basis, p, q) for q in self.q_grid) for p in self.p_grid)
                for basis in self.bend}

    @functools.cached_property
    def _log_grids(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        # The grids' logs by the engine's log (the same doubles on every CPU, where numpy's log takes AVX-512 loops on
        # CPUs that have them), once: the estimator asks thousands of points per estimate, and building them and
        # numpy's scalar clip and search each time took most of an error-corrected estimate (13 s of 33 for round
        # 29's error-corrected budget test).
        log_p, log_q = _numerics.log_array(self.p_grid), _numerics.log_array(self.q_grid)
        return tuple(float(v) for v in log_p), tuple(float(v) for v in log_q)

    def _nodes(self, p: float, q: float) -> list[tuple[int, int, float]]:
        """The grid nodes a point is interpolated from, with their bilinear weights in (log p, log q) (p and q
        clamped to the grid)."""
        lp, lq = self._log_grids
        # The engine's log, as the grids': a point on a grid line lands on it exactly.
        x = min(max(_numerics.log(p), lp[0]), lp[-1]) if p > 0 else lp[0]
        y = min(max(_numerics.log(q), lq[0]), lq[-1]) if q > 0 else lq[0]
        # bisect_left is numpy's searchsorted (side "left") on the same values; the clip is to the grid's cells.
        i = min(max(bisect.bisect_left(lp, x) - 1, 0), len(lp) - 2)
        j = min(max(bisect.bisect_left(lq, y) - 1, 0), len(lq) - 2)
        tx = float((x - lp[i]) / (lp[i + 1] - lp[i]))
        ty = float((y - lq[j]) / (lq[j + 1] - lq[j]))
        return [(i, j, (1 - tx) * (1 - ty)), (i + 1, j, tx * (1 - ty)), (i, j + 1, (1 - tx) * ty),
                (i + 1, j + 1, tx * ty)]

    def log_error(self, basis: str, distance: int, p: float, q: float) -> float:
        """Natural log of the per-operation failure probability of one basis.

        Example:
            >>> m = load_remote_model()
            >>> m.log_error("Z", 5, 1e-3, 0.01) < m.log_error("Z", 3, 1e-3, 0.01)
            True
        """
        distance, p, q = _read_point(basis, distance, p, q)
        k = (distance + 1) / 2
        a, b, lines = self._float_tables[basis]
        c = self._bend_weights.get(basis)
        if c is None or lines is None:
            return float(sum(w * (a[i][j] + b[i][j] * k) for i, j, w in self._nodes(p, q)))
        return float(sum(w * (a[i][j] + b[i][j] * k + c[i][j] * _bend(lines[i][j], k))
                         for i, j, w in self._nodes(p, q)))

    @functools.cached_property
    def _float_tables(self) -> dict[str, tuple]:
        # intercept, slope and bend_lines per basis as nested tuples of Python floats, read once: log_error indexed
        # the numpy arrays, a numpy scalar per term (most of its time; an error-corrected estimate asks it tens of
        # thousands of times). The same doubles, added and multiplied in the same order: every figure is unchanged.
        def rows(table):
            return None if table is None else tuple(tuple(tuple(float(v) for v in np.ravel(cell)) if np.ndim(cell)
                                                          else float(cell) for cell in row) for row in table)

        return {basis: (rows(self.intercept[basis]), rows(self.slope[basis]), rows(self.bend_lines.get(basis)))
                for basis in self.intercept}

    @functools.cached_property
    def _single_qpu_memo(self) -> dict[tuple[str, int, float], float]:
        return {}

    def log_error_sd(self, basis: str, distance: int, p: float, q: float) -> float:
        """Standard error of :meth:`log_error` from the table's counts (so, near 1, the relative standard error of
        the rate): per node, that of its weighted line at ``k = (d + 1) / 2``,
        ``sqrt(1 / W + (k - k_mean)^2 / S_kk)`` (a count of e errors has ``var(ln rate) = 1 / e``), which grows
        outside the sampled distances; interpolated as :meth:`log_error` is. Infinite where a node with weight
        rests on fewer than two distances (:meth:`thin_rows` names them). The bend weights' own uncertainty and the
        isotonic slopes are not in it (``bench/qec_remote_model.py build --bootstrap`` measures them: at the 88
        nodes resting on every distance, 100 resampled tables' spread is a median 0.85, 0.97, 0.84 of this one at
        d = 3, 5, 7, at most 1.33 of it; at the audited node p = 2e-3, q = 0.04 in the Z basis 1.0, 1.0, 1.0).

        Example:
            >>> m = load_remote_model()
            >>> 0.005 < m.log_error_sd("Z", 5, 2e-3, 0.04) < m.log_error_sd("Z", 25, 2e-3, 0.04)
            True
        """
        distance, p, q = _read_point(basis, distance, p, q)
        table = self.spread.get(basis)
        if table is None:
            return math.inf
        k = (distance + 1) / 2
        total = 0.0
        for i, j, w in self._nodes(p, q):
            if w <= 1e-12:
                continue
            weight, k_mean, s_kk = (float(v) for v in table[i][j])
            if not (weight > 0 and s_kk > 0):
                return math.inf
            total += w * math.sqrt(1 / weight + (k - k_mean) ** 2 / s_kk)
        return total

    def log_single_qpu_error(self, basis: str, distance: int, p: float) -> float:
        """Natural log of the failure probability of one basis of the same merge on one QPU (no gadget): the
        near-perfect pairs' gadget merge (the grid's smallest q) less the gadget's own cost ``gadget_cost`` at d,
        interpolated in ``log p``. A table without a single-QPU merge gives the near-perfect pairs' merge itself
        (the gadget's cost then uncharged: :attr:`has_single_qpu`).

        Example:
            >>> m = load_remote_model()
            >>> m.log_single_qpu_error("Z", 5, 2e-3) < m.log_error("Z", 5, 2e-3, m.q_grid[0])
            True
        """
        # Remembered per (basis, distance, p) for plain ints and floats: it does not depend on the pairs, and the
        # estimator asks it for every pair quality it tries at one distance and bulk error (half of its log_error
        # calls). Bounded, so a long session of many bulk errors does not grow it without end.
        _read_point(basis, distance, p, 0.0)  # (refused by value: the memo below keys on what it is given)
        plain = type(distance) is int and type(p) is float
        memo = self._single_qpu_memo
        if plain and (basis, distance, p) in memo:
            return memo[basis, distance, p]
        q0 = self.q_grid[0]
        cost = self.gadget_cost.get(basis)
        gadget = self.log_error(basis, distance, p, q0)
        if cost is None:
            value = gadget
        else:
            k = (distance + 1) / 2
            value = gadget - float(sum(w * max(0.0, cost[i][0] + cost[i][1] * k) for i, _, w in self._nodes(p, q0)))
        if plain:
            if len(memo) >= _SINGLE_QPU_MEMO_SIZE:
                memo.clear()
            memo[basis, distance, p] = value
        return value

    def error(self, basis: str, distance: int, p: float, q: float) -> float:
        """Per-operation failure probability of one basis (at most 1): ``exp(log_error)``, except below the grid's
        smallest q ``q0`` where the table holds the perfect pairs' merge: there linear in q between it (q = 0,
        floored at the single-QPU merge) and the merge at ``q0`` (the pairs' faults are rare and independent, so
        their share grows linearly), not clamped to ``q0``'s rate.

        Example:
            >>> m = load_remote_model()
            >>> m.error("Z", 5, 1e-3, 0.0) < m.error("Z", 5, 1e-3, 1e-4) < m.error("Z", 5, 1e-3, m.q_grid[0])
            True
        """
        distance, p, q = _read_point(basis, distance, p, q)
        q0 = self.q_grid[0]
        at = min(1.0, _numerics.exp(self.log_error(basis, distance, p, q)))
        cost = self.pairs_cost.get(basis)
        if q >= q0 or cost is None:
            return at
        k = (distance + 1) / 2
        perfect = _numerics.exp(self.log_error(basis, distance, p, q0)
                           - float(sum(w * max(0.0, cost[i][0] + cost[i][1] * k) for i, _, w in self._nodes(p, q0))))
        perfect = min(at, max(perfect, _numerics.exp(self.log_single_qpu_error(basis, distance, p))))
        return perfect + (at - perfect) * max(0.0, q) / q0

    @property
    def has_single_qpu(self) -> bool:
        """Whether the table holds the single-QPU merge (so the gadget's own cost is charged)."""
        return bool(self.gadget_cost)

    def thin_rows(self, p: float, q_x: float, q_z: float, *, interface_only: bool = False) -> list[str]:
        """The thin grid nodes (see ``thin``) a point is priced from: each with a weight in the interpolation of
        the Z basis at ``(p, q_x)`` or the X basis at ``(p, q_z)`` (and, with ``interface_only``, of the
        single-QPU merge that is subtracted: the near-perfect pairs' merge at the table's smallest q and the
        gadget's cost at p, ``single_thin``).

        Example:
            >>> m = load_remote_model()
            >>> m.thin_rows(1e-3, 0.01, 0.01)
            []
            >>> m.thin_rows(1e-4, 0.001, 0.001)[0]
            'Z basis at p = 0.0001, q = 0.0005: d = 7: 0 errors in 4e+05 shots (its line rests on d = 3, 5)'
        """
        out: list[str] = []
        for basis, q in (("Z", q_x), ("X", q_z)):
            reasons = self.thin.get(basis)
            if not reasons:
                continue
            nodes = self._nodes(p, q) + (self._nodes(p, self.q_grid[0]) if interface_only else [])
            for i, j, w in nodes:
                if w > 1e-12 and reasons[i][j]:
                    line = f"{basis} basis at p = {self.p_grid[i]:g}, q = {self.q_grid[j]:g}: {reasons[i][j]}"
                    if line not in out:
                        out.append(line)
            for name, rows, used in (("single-QPU merge", self.single_thin.get(basis), interface_only),
                                     ("perfect pairs' merge", self.perfect_thin.get(basis), q < self.q_grid[0])):
                if not (used and rows):
                    continue
                for i, _, w in self._nodes(p, self.q_grid[0]):
                    if w > 1e-12 and rows[i]:
                        line = f"{name}, {basis} basis at p = {self.p_grid[i]:g}: {rows[i]}"
                        if line not in out:
                            out.append(line)
        return out


def _fit_node(distances: Sequence[int], errors: Sequence[int], shots: Sequence[int]) -> tuple[float, float] | None:
    """Weighted least squares of log(rate) on (d+1)/2 over the points with enough errors."""
    xs, ys, ws = [], [], []
    for d, e, n in zip(distances, errors, shots):
        if e >= _MIN_ERRORS and n > 0:
            xs.append((d + 1) / 2)
            ys.append(_numerics.log(e / n))
            ws.append(e)  # var(log rate) ~ 1/errors
    if len(xs) < 2:
        return None
    return _numerics.weighted_line(xs, ys, ws)


def _isotonic(values: Sequence[float], weights: Sequence[float]) -> list[float]:
    """Weighted least-squares non-decreasing fit (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [value, weight, count]
    for v, w in zip(values, weights):
        blocks.append([float(v), float(w), 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, n2 = blocks.pop()
            v1, w1, n1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    out: list[float] = []
    for v, _, n in blocks:
        out.extend([v] * int(n))
    return out


def _refit_intercept(slope: float, distances, errors, shots) -> float | None:
    num = den = 0.0
    for d, e, n in zip(distances, errors, shots):
        if e >= _MIN_ERRORS and n > 0:
            num += e * (_numerics.log(e / n) - slope * (d + 1) / 2)
            den += e
    return num / den if den else None


def _thin_reason(distances: Sequence[int], errors: Sequence[int], shots: Sequence[int]) -> str:
    """Why a node's line rests on fewer than all its sampled distances ("" when it does not): the distances
    with fewer than ``_MIN_ERRORS`` errors, and whether the slope had to be taken from a neighbour."""
    thin = [(d, e, n) for d, e, n in zip(distances, errors, shots) if e < _MIN_ERRORS]
    if not thin:
        return ""
    used = [d for d in distances if d not in {t[0] for t in thin}]
    counts = ", ".join(f"d = {d}: {e} error{'s' if e != 1 else ''} in {n:.0e} shots" for d, e, n in thin)
    if len(used) >= 2:
        return f"{counts} (its line rests on d = {', '.join(map(str, used))})"
    return f"{counts} (its slope is taken from a neighbouring q)"


#: How many (basis, distance, bulk error) single-QPU merge logs a model remembers (RemoteModel.log_single_qpu_error).
_SINGLE_QPU_MEMO_SIZE = 1 << 16


def _bend(line: Sequence[float], k: float) -> float:
    """``ln d`` less its straight line over a node's sampled distances, at ``k = (d + 1) / 2`` held to the sampled
    range (so outside it the node's line keeps its fitted slope from the range's ends); 0 for a node without one."""
    alpha, beta, lo, hi = (float(v) for v in line)
    if hi <= lo:
        return 0.0
    k = min(max(k, lo), hi)
    return _numerics.log(2 * k - 1) - (alpha + beta * k)


def _determinant(m: np.ndarray) -> float:
    """The determinant of a 1x1, 2x2 or 3x3 matrix, written out (the same floats on every CPU)."""
    if len(m) == 1:
        return float(m[0, 0])
    if len(m) == 2:
        return float(m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0])
    return float(m[0, 0] * (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1]) - m[0, 1] * (m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0])
                 + m[0, 2] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]))


def _bend_line(distances: Sequence[int], errors: Sequence[int], shots: Sequence[int]) -> tuple[float, ...]:
    """A node's ``(alpha, beta, k_lo, k_hi)``: the weighted (by errors) line of ``ln d`` on ``k`` over the
    distances with enough errors, as its own line is fitted; zeros with fewer than three such distances (a line
    through two points has no bend to read)."""
    used = [(d, e) for d, e, n in zip(distances, errors, shots) if e >= _MIN_ERRORS and n > 0]
    if len(used) < 3:
        return (0.0, 0.0, 0.0, 0.0)
    x = [(d + 1) / 2 for d, _ in used]
    alpha, beta = _numerics.weighted_line(x, [_numerics.log(float(d)) for d, _ in used], [float(e) for _, e in used])
    return (alpha, beta, min(x), max(x))


def build_model(table: dict[str, Any], source: str = "<remote-model table>") -> RemoteModel:
    """Fits the lines of a raw table (the JSON written by ``bench/qec_remote_model.py``; ``source`` names it in
    refusals).

    A node with fewer than two usable distances takes the slope of the nearest node in q (same p)
    that has one, and the intercept from its own usable point; a node with no usable point takes
    both from that neighbour (an upper bound: the neighbour has the larger q when there is one).
    Noisier pairs cannot make the merge improve faster with d, so at each p the slopes are then
    made non-decreasing in q (weighted isotonic fit) and the intercepts refitted to the counts:
    without it, sampling noise in the slopes would let extrapolated lines cross at large d.

    Raises:
        ValueError: A table that is not of that layout (a grid listing a value twice, or out of order), or where
            no node has a fit.

    Example:
        >>> t = {"p_grid": [1e-3, 2e-3], "q_grid": [0.01, 0.02], "distances": [3, 5],
        ...      "bases": {b: {"errors": [[[100, 10]] * 2] * 2, "shots": [[[1000, 1000]] * 2] * 2} for b in "XZ"}}
        >>> m = build_model(t)
        >>> round(_numerics.exp(m.log_error("Z", 3, 1e-3, 0.01)), 6)
        0.1
    """
    try:
        p_grid = tuple(float(v) for v in table["p_grid"])
        q_grid = tuple(float(v) for v in table["q_grid"])
        distances = [int(d) for d in table["distances"]]
        bases = table["bases"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{source}: not a remote-model table: {exc}") from None
    for key, grid in (("p_grid", p_grid), ("q_grid", q_grid), ("distances", distances)):
        # A value listed twice made a cell of zero width: the interpolation divided by zero at the first point
        # priced there (ZeroDivisionError, naming neither the file nor the grid).
        for a, b in zip(grid, grid[1:]):
            if b == a:
                raise ValueError(f"{source}: {key} lists {b:g} twice; give each grid value once, in increasing order")
            if b < a:
                raise ValueError(f"{source}: {key} is not increasing ({a:g} before {b:g}); give it in increasing order")
    intercept, slope, thin, bend, bend_lines, spread, bend_slope, bend_cross = {}, {}, {}, {}, {}, {}, {}, {}
    log_q = [_numerics.log(q) for q in q_grid] if all(q > 0 for q in q_grid) else [0.0] * len(q_grid)
    centred = [v - sum(log_q) / len(log_q) for v in log_q]
    log_p = [_numerics.log(p) for p in p_grid] if all(p > 0 for p in p_grid) else [0.0] * len(p_grid)
    centred_p = [v - sum(log_p) / len(log_p) for v in log_p]
    for basis in ("Z", "X"):
        errors = bases[basis]["errors"]
        shots = bases[basis]["shots"]
        thin[basis] = [[_thin_reason(distances, errors[i][j], shots[i][j]) for j in range(len(q_grid))]
                       for i in range(len(p_grid))]
        a = np.full((len(p_grid), len(q_grid)), np.nan)
        b = np.full((len(p_grid), len(q_grid)), np.nan)
        for i in range(len(p_grid)):
            for j in range(len(q_grid)):
                fit = _fit_node(distances, errors[i][j], shots[i][j])
                if fit is not None:
                    a[i, j], b[i, j] = fit
            for j in range(len(q_grid)):
                if not np.isnan(a[i, j]):
                    continue
                order = sorted(range(len(q_grid)), key=lambda jj: (abs(jj - j), -jj))
                donor = next((jj for jj in order if not np.isnan(b[i, jj])), None)
                if donor is None:
                    raise ValueError(f"{source}: no node at p = {p_grid[i]} has a fit in basis {basis}")
                b[i, j] = b[i, donor]
                usable = [(d, e, n) for d, e, n in zip(distances, errors[i][j], shots[i][j]) if e >= _MIN_ERRORS]
                if usable:
                    d, e, n = usable[0]
                    a[i, j] = _numerics.log(e / n) - b[i, j] * (d + 1) / 2
                else:
                    a[i, j] = a[i, donor]
            info = [max(1.0, float(sum(errors[i][j]))) for j in range(len(q_grid))]
            b[i, :] = _isotonic(b[i, :], info)
            for j in range(len(q_grid)):
                refit = _refit_intercept(b[i, j], distances, errors[i][j], shots[i][j])
                if refit is not None:
                    a[i, j] = refit
        intercept[basis], slope[basis] = a, b
        lines = np.zeros((len(p_grid), len(q_grid), 4))
        sums = np.full((len(p_grid), len(q_grid), 3), np.nan)
        normal, moment = np.zeros((3, 3)), np.zeros(3)  # least squares of the residuals on phi, x phi, x y phi
        for i in range(len(p_grid)):
            for j in range(len(q_grid)):
                lines[i, j] = _bend_line(distances, errors[i][j], shots[i][j])
                used = [((d + 1) / 2, e) for d, e, n in zip(distances, errors[i][j], shots[i][j])
                        if e >= _MIN_ERRORS and n > 0]
                if len(used) >= 2:
                    weight = float(sum(e for _, e in used))
                    k_mean = sum(k * e for k, e in used) / weight
                    sums[i, j] = (weight, k_mean, sum(e * (k - k_mean) ** 2 for k, e in used))
                for d, e, n in zip(distances, errors[i][j], shots[i][j]):
                    phi = _bend(lines[i, j], (d + 1) / 2)
                    if e >= _MIN_ERRORS and n > 0 and phi:
                        u = np.array([phi, centred[j] * phi, centred[j] * centred_p[i] * phi])
                        normal += e * np.outer(u, u)
                        moment += e * u * (_numerics.log(e / n) - a[i, j] - b[i, j] * (d + 1) / 2)
        # The most terms the nodes with three distances determine: the weight's line in ln q and that line's slope
        # in ln p; the line alone (one row of such nodes); one weight (one column); none. The normal equations are
        # solved natively, in index order, their determinants written out: numpy.linalg's LAPACK runs on the CPU's
        # BLAS kernels.
        weights = [0.0, 0.0, 0.0]
        for n in (3, 2, 1):
            sub = normal[:n, :n]
            if _determinant(sub) > 1e-12 * max(1.0, float(sub[0, 0] * (sub[1, 1] if n > 1 else 1.0)
                                                          * (sub[2, 2] if n > 2 else 1.0))):
                weights[:n] = (float(v) for v in _core.ordered_solve(np.ascontiguousarray(sub), moment[:n].copy()))
                break
        bend[basis], bend_slope[basis], bend_cross[basis] = weights
        bend_lines[basis], spread[basis] = lines, sums
    meta = {k: v for k, v in table.items() if k not in ("bases", "single_qpu")}
    gadget_cost, single_thin = {}, {}
    if "single_qpu" in table:
        for basis in ("Z", "X"):
            gadget_cost[basis], single_thin[basis] = _gadget_cost(
                p_grid, distances, bases[basis], table["single_qpu"][basis])
        meta["single_qpu_experiment"] = table["single_qpu"].get("experiment", "")
    pairs_cost, perfect_thin = {}, {}
    if "perfect_pairs" in table:
        for basis in ("Z", "X"):
            pairs_cost[basis], perfect_thin[basis] = _gadget_cost(
                p_grid, distances, bases[basis], table["perfect_pairs"][basis], what="its pairs' share")
    return RemoteModel(p_grid, q_grid, intercept, slope, meta, thin, gadget_cost, single_thin, pairs_cost,
                       perfect_thin, bend, bend_lines, spread, bend_slope, bend_cross)


def _gadget_cost(p_grid: Sequence[float], distances: Sequence[int], gadget: dict[str, Any],
                 single: dict[str, Any], what: str = "its gadget cost") -> tuple[np.ndarray, list[str]]:
    """Per bulk error p of the grid, the line ``g = g0 + g1 (d + 1) / 2`` of ``log`` of the near-perfect pairs'
    gadget merge's failure rate (the grid's smallest q, counts ``gadget``) over the single-QPU merge's (counts
    ``single``, one list over the distances per p), fitted over the distances where both have >= 5 errors,
    weighted by ``1 / (1/e_gadget + 1/e_single)``.

    ``g0`` is fitted per p (the gadget costs relatively more at small p: Z basis at d = 3, 1.47x at p = 1e-4
    against 1.01x at 2e-3), ``g1`` once per basis over every p (the ratio grows with d, as it does when a logical
    error's faults have more places to sit along the seam, but per p the growth is within its sampling error of
    the others': one slope, read where it is measured, and carried to the p whose small rates leave it unsampled).
    The gadget adds faults and removes none, so ``g1`` is floored at 0 (and g itself where it is read). A p with
    no usable distance takes ``g0`` from the nearest p (in log p). Returns ``[[g0, g1], ...]`` and, per p, why its
    line rests on fewer than all the sampled distances ("" where it does not). The same fit serves the perfect
    pairs' gadget merge in place of the single-QPU merge (``what`` names the quantity in the reasons)."""
    points: list[list[tuple[float, float, float]]] = []
    reasons = [""] * len(p_grid)
    for i in range(len(p_grid)):
        pts, left = [], []
        for k, d in enumerate(distances):
            eg, ng = gadget["errors"][i][0][k], gadget["shots"][i][0][k]
            es, ns = single["errors"][i][k], single["shots"][i][k]
            if eg >= _MIN_ERRORS and es >= _MIN_ERRORS and ng > 0 and ns > 0:
                pts.append(((d + 1) / 2, _numerics.log(eg / ng) - _numerics.log(es / ns), 1.0 / (1.0 / eg + 1.0 / es)))
            elif ns:
                left.append(f"d = {d}: {es} error{'s' if es != 1 else ''} in {ns:.0e} shots")
            else:
                left.append(f"d = {d} not sampled")
        points.append(pts)
        if left:
            used = ", ".join(str(int(2 * x - 1)) for x, _, _ in pts)
            reasons[i] = "; ".join(left) + (f" (an extrapolation: {what} is read at d = {used} and grows "
                                            "with d as fitted over all p)" if pts else "")
    num = den = 0.0
    for pts in points:
        if len(pts) >= 2:
            _, _, s_xy, s_xx = _numerics.weighted_sums(*zip(*pts))
            num += s_xy
            den += s_xx
    g1 = max(0.0, num / den) if den else 0.0
    lines = np.full((len(p_grid), 2), np.nan)
    for i, pts in enumerate(points):
        if pts:
            x, y, w = zip(*pts)
            lines[i] = (math.fsum(wi * (yi - g1 * xi) for xi, yi, wi in zip(x, y, w)) / math.fsum(w), g1)
    sampled = [i for i in range(len(p_grid)) if points[i]]
    if not sampled:
        raise ValueError(f"no p has a distance with >= 5 errors in both merges that {what} is read from")
    for i in range(len(p_grid)):
        if not points[i]:
            donor = min(sampled, key=lambda ii: (abs(_numerics.log(p_grid[ii] / p_grid[i])), ii))
            lines[i] = lines[donor]
            reasons[i] += f" (an extrapolation: {what} at p = {p_grid[donor]:g} is assumed)"
    return lines, reasons


@functools.lru_cache(maxsize=1)
def load_remote_model() -> RemoteModel:
    """The shipped model (``qnsim/qec/data/remote_model.json``), fitted once per process.

    Example:
        >>> load_remote_model().meta["experiment"].startswith("merge")
        True
    """
    return build_model(read_table(resources.files("qnsim.qec").joinpath("data/remote_model.json")),
                       "qnsim/qec/data/remote_model.json")


def read_table(path: Any) -> dict[str, Any]:
    """A remote-model table's JSON (as ``bench/qec_remote_model.py build`` writes it), read strictly: a key given
    twice in one object is refused naming the file and the key (JSON readers keep the last one without a word,
    so a table edited by hand could lose a basis's counts silently).

    Args:
        path: The file (a path, or a :mod:`importlib.resources` traversable).

    Returns:
        The parsed table (fit it with :func:`build_model`).

    Raises:
        ValueError: Not JSON, a key given twice, or a nonzero number below the smallest float (1e-400); a device
            or a pipe (``/dev/zero`` was read until memory ran out).
        TypeError: ``path`` is no file path.

    Example:
        >>> import os, tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = os.path.join(tmp, "t.json")
        ...     with open(path, "w") as f:
        ...         _ = f.write('{"p_grid": [0.001], "p_grid": [0.002]}')
        ...     read_table(path)
        Traceback (most recent call last):
        ...
        ValueError: t.json: the key 'p_grid' is given twice in one object; give it once
    """
    if not hasattr(path, "read_text"):
        # /dev/zero was read until memory ran out (MemoryError), and None was read as a file named 'None'.
        path = readable_file("path", path, "a remote-model table")
    name = os.path.basename(str(path))

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ValueError(f"{name}: the key {key!r} is given twice in one object; give it once")
            out[key] = value
        return out

    text = (path if hasattr(path, "read_text") else Path(path)).read_text(encoding="utf-8")
    try:
        return json.loads(text, object_pairs_hook=unique, parse_float=_json_float)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name}: not JSON: {exc}") from None
    except _Underflow as exc:  # 1e-400 was read as 0.0 without a word
        raise ValueError(f"{name}: {exc}") from None


class _Underflow(ValueError):
    """A JSON float literal that :func:`qnsim.argument_checks.float_literal` refuses."""


def _json_float(literal: str) -> float:
    try:
        return float_literal(literal)
    except ValueError as exc:
        raise _Underflow(str(exc)) from None


def remote_logical_error(
    distance: int,
    bell_diagonal: Sequence[float],
    *,
    physical_error: float = 1e-3,
    clamp: bool = False,
    interface_only: bool = False,
) -> float:
    """Failure probability of one remote lattice-surgery operation (``distance`` merged rounds).

    With ``interface_only``, the part the remote operation adds to the same merge on one QPU: in each
    basis the failure probability minus that of the single-QPU merge (:meth:`RemoteModel.log_single_qpu_error`),
    floored at 0: the pairs' share and the teleportation gadget's own (its extra CNOT and two
    measurements per seam CNOT, ~10-15% of the merge's failures), which near-perfect pairs do not
    remove. A resource estimator that already charges every logical cycle of every patch its bulk
    error (as :mod:`qnsim.estimate` does) adds only this part for a remote operation. (A table
    without the single-QPU merge subtracts the near-perfect pairs' merge, the gadget's cost uncharged.)

    Args:
        distance: Code distance d of both patches: an odd int >= 1 (d = 1 and d beyond the
            sampled 3, 5, 7 are extrapolations of the fitted lines).
        bell_diagonal: Interface pairs as used, (Phi+, Psi+, Psi-, Phi-).
        physical_error: Bulk error p of both QPUs (uniform depolarizing).
        clamp: Clamp p and the seam error rates into the table's range (see the module
            docstring). False (default) raises instead when they lie above it: clamped there, the
            rate is that of the table's edge, an underestimate (pairs of F = 0.4 and 0.7, or a
            bulk error five times the threshold, read the same finite rate).
        interface_only: Return only what the remote operation adds to a single-QPU merge (see above).

    Returns:
        The probability, in [0, 1].

    Raises:
        ValueError: An even or non-positive distance, coefficients that are not Bell-diagonal,
            ``physical_error`` outside [0, 1], or (``clamp=False``) values above the table.
        TypeError: ``clamp`` or ``interface_only`` is not True or False.

    Example:
        >>> e5 = remote_logical_error(5, (0.99, 0.004, 0.003, 0.003), physical_error=1e-3)
        >>> e9 = remote_logical_error(9, (0.99, 0.004, 0.003, 0.003), physical_error=1e-3)
        >>> e9 < e5 < 0.01
        True
        >>> 0 < remote_logical_error(5, (0.99, 0.004, 0.003, 0.003), physical_error=1e-3, interface_only=True) < e5
        True
        >>> remote_logical_error(4, (1, 0, 0, 0))
        Traceback (most recent call last):
        ...
        ValueError: distance must be an odd int >= 1, got 4
    """
    # The one reading of a code distance, its bound included: 10**400 raised OverflowError here, and 10**9 + 1 read
    # a rate extrapolated a million times past the layouts' largest distance (MAX_DISTANCE).
    distance = check_distance(distance, minimum=1)
    # Flags, read as every flag is: clamp="no" and interface_only="no" were truthy, and so on (the pairs' share
    # alone returned for the whole operation's failure, without a word).
    clamp = flag("clamp", clamp)
    interface_only = flag("interface_only", interface_only)
    p = check_probability("physical_error", physical_error)
    q_x, q_z = seam_error_rates(check_bell_diagonal(bell_diagonal))
    model = load_remote_model()
    if not clamp:
        for name, value, top in (("physical_error", p, model.p_grid[-1]), ("q_x", q_x, model.q_grid[-1]),
                                 ("q_z", q_z, model.q_grid[-1])):
            if value > top:
                raise ValueError(f"{name} = {value:g} is above the sampled range (<= {top:g}) of the remote model")
    rates = []
    for basis, q in (("Z", q_x), ("X", q_z)):
        rate = model.error(basis, distance, p, q)
        if interface_only:
            single = min(1.0, _numerics.exp(model.log_single_qpu_error(basis, distance, p)))
            rate = max(0.0, rate - single)
        rates.append(rate)
    return rates[0] + rates[1] - rates[0] * rates[1]  # 1 - (1-a)(1-b), without cancellation


def remote_operation_pairs(distance: int, scheme: str = "teleported", code: str = "rotated") -> tuple[int, int]:
    """Bell pairs per merged round and per remote operation (``distance`` rounds) of the merge.

    The rotated merge with teleported seam CNOTs needs ``2d - 1`` pairs per round (the counted
    :func:`qnsim.qec.seam_resources`, which this matches for every d >= 3; d = 1 gives 1).

    Example:
        >>> remote_operation_pairs(5), remote_operation_pairs(1)
        ((9, 45), (1, 1))
    """
    # The one reading of a code distance, its bound included: the teleported rotated merge's pairs were counted for
    # any distance (10**400 + 1 too), where every other scheme's count refused 1003.
    distance = check_distance(distance, minimum=1)
    if distance == 1 and scheme == "teleported" and code == "rotated":
        return 1, 1
    if scheme == "teleported" and code == "rotated":
        # The count below built the merge's three layouts (~0.1 s at d = 31, ~4 s of CPU for every odd d to 61,
        # paid again by each process's estimates for every distance they try) for this closed form, which the
        # docstring states. Checked equal to the count for every odd d from 3 to 151 and at 201 and 251 (est42);
        # test_qec_model compares the two.
        return 2 * distance - 1, (2 * distance - 1) * distance
    from qnsim.qec.circuits import seam_resources

    per_round = seam_resources(distance, "merge", scheme, code).pairs_per_round
    return per_round, per_round * distance
