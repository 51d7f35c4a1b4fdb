"""Links between QPUs (Bell-pair supply) and the purification that lifts their fidelity.

A link is described directly by its Bell-pair rate (Hz), pair fidelity and one-way classical
latency (s). :func:`link_from_model` adapts any object with ``rate_hz`` and ``fidelity``
attributes (a ``qnsim.link_models.LinkModel``, a network calibration) into a :class:`Link`.

Purification uses the recurrence protocols in closed form, on Werner (BBPSSW) or Bell-diagonal
(DEJMPS) pairs. With ideal local operations the rounds are:

- BBPSSW, Bennett et al., PRL 76, 722 (1996): two Werner pairs of fidelity F give, with
  probability ``p = F^2 + 2F(1-F)/3 + 5((1-F)/3)^2``, one pair of fidelity
  ``(F^2 + ((1-F)/3)^2) / p`` (twirled back to Werner form). F > 1/2 is needed to improve.
- DEJMPS, Deutsch et al., PRL 77, 2818 (1996): Bell-diagonal coefficients (A, B, C, D) on
  (Phi+, Psi-, Psi+, Phi-) map to ``((A^2+B^2), 2CD, (C^2+D^2), 2AB) / N`` with success
  probability ``N = (A+B)^2 + (C+D)^2``.

Each round consumes two pairs of the previous round and succeeds with probability p, so the
expected number of raw pairs per purified pair obeys ``R_{k+1} = 2 R_k / p_k`` (Wald's identity;
the recursive scheme keeps one pair waiting per level).

With the QPUs' local noise (``gate1_error``, ``gate2_error``, ``measure_error`` of
:func:`purification_plan`) each round is instead the network layer's noisy round,
:func:`qnsim.bell_diagonal_purify` (the ``bell_diagonal`` formalism's closed form, the same
semantics as a network request's purification): depolarize2 after each bilateral CNOT, depolarize1
after each DEJMPS rotation and each measured outcome flipped with ``measure_error``. Noisy rounds
converge to a fixed point below 1, so a target above that ceiling is infeasible however many
rounds are run.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from qnsim.argument_checks import integer, is_integer, is_real_number, probability
from qnsim.link_models import bbpssw, dejmps
from qnsim.primitives import bell_diagonal_purify

__all__ = [
    "Link",
    "PurificationPlan",
    "bbpssw_step",
    "dejmps_step",
    "link_from_model",
    "purification_ceiling",
    "purification_noise",
    "purification_plan",
    "purification_step",
    "stored_fidelity",
]


@dataclasses.dataclass(frozen=True)
class Link:
    """Bell-pair supply between two QPUs.

    Args:
        qpus: the two QPU indices (order does not matter).
        rate_hz: delivered raw Bell pairs per second (> 0).
        fidelity: raw pair fidelity to |Phi+> (Werner form assumed), in [0.25, 1].
        latency_s: one-way classical latency in seconds (>= 0).
        buffer_pairs: pair memories per end for buffering (``None`` = as many as needed).
        success_probability: per-attempt herald probability (for geometric simulation); with
            ``attempt_period_s`` it must match ``rate_hz`` = p / T.
        attempt_period_s: attempt period T in seconds.
        channels: independent channels (multiplexed pair sources) of the link; each delivers
            ``rate_hz``, so the link delivers ``channels * rate_hz`` and remote operations use
            them in parallel.
        memory_t1_s: amplitude-damping time T1 of the memories holding the link's pairs, in
            seconds (both ends alike; ``inf``, the default: storage decay not modelled).
        memory_t2_s: total coherence time T2 of those memories, in seconds (<= 2 T1; ``inf``:
            not modelled). A stored pair decays as the network's ``bell_diagonal`` pairs do:
            see :func:`stored_fidelity`.

    Raises:
        ValueError: naming a non-positive rate, a fidelity outside [0.25, 1], a negative latency
            or a link from a QPU to itself.

    >>> Link((0, 1), rate_hz=1e4, fidelity=0.99, latency_s=5e-6).key
    (0, 1)
    """

    qpus: tuple[int, int]
    rate_hz: float
    fidelity: float
    latency_s: float = 0.0
    buffer_pairs: int | None = None
    success_probability: float | None = None
    attempt_period_s: float | None = None
    channels: int = 1
    memory_t1_s: float = math.inf
    memory_t2_s: float = math.inf

    def __post_init__(self) -> None:
        pair = self.qpus
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise ValueError(f"qpus must be a pair of QPU indices, got {pair!r}")
        if any(isinstance(x, bool) or not isinstance(x, (int, np.integer)) for x in pair):
            raise ValueError(f"qpus must be a pair of integer QPU indices, got {pair!r}")
        a, b = (int(x) for x in pair)
        if a == b or a < 0 or b < 0:
            raise ValueError(f"a link joins two different QPUs (indices >= 0), got qpus={self.qpus!r}")
        object.__setattr__(self, "qpus", (a, b))
        # The package's one reading of numbers: NumPy scalars are numbers, bools and text are not.
        if not (is_real_number(self.rate_hz) and math.isfinite(self.rate_hz) and self.rate_hz > 0):
            raise ValueError(
                f"rate_hz must be a finite positive number of pairs per second, got {self.rate_hz!r}"
            )
        if not (is_real_number(self.fidelity) and 0.25 <= self.fidelity <= 1):
            raise ValueError(f"fidelity must be in [0.25, 1], got {self.fidelity!r}")
        if not (is_real_number(self.latency_s) and math.isfinite(self.latency_s) and self.latency_s >= 0):
            raise ValueError(f"latency_s must be a finite non-negative time, got {self.latency_s!r}")
        for name in ("rate_hz", "fidelity", "latency_s"):
            object.__setattr__(self, name, float(getattr(self, name)))
        if not is_integer(self.channels) or not 1 <= self.channels <= 10**9:
            raise ValueError(f"channels must be an integer in [1, 1e9], got {self.channels!r}")
        object.__setattr__(self, "channels", int(self.channels))
        for name in ("memory_t1_s", "memory_t2_s"):
            v = getattr(self, name)
            if not (is_real_number(v) and v > 0):
                raise ValueError(f"{name} must be a positive time in seconds (inf: not modelled), got {v!r}")
            object.__setattr__(self, name, float(v))
        if self.memory_t2_s > 2 * self.memory_t1_s:
            raise ValueError(
                f"memory_t2_s must be <= 2 * memory_t1_s = {2 * self.memory_t1_s:g} s, got {self.memory_t2_s:g} s"
            )
        if self.buffer_pairs is not None:
            if not is_integer(self.buffer_pairs) or self.buffer_pairs < 1:
                raise ValueError(f"buffer_pairs must be a positive integer or None, got {self.buffer_pairs!r}")
            object.__setattr__(self, "buffer_pairs", int(self.buffer_pairs))
        if (self.success_probability is None) != (self.attempt_period_s is None):
            raise ValueError("give both success_probability and attempt_period_s, or neither")
        if self.success_probability is not None:
            p, t = self.success_probability, self.attempt_period_s
            for name, v in (("success_probability", p), ("attempt_period_s", t)):
                if not is_real_number(v):
                    raise ValueError(f"{name} must be a number, got {v!r}")
            if not 0 < p <= 1 or not (t > 0 and math.isfinite(t)):
                raise ValueError(
                    f"need 0 < success_probability <= 1 and attempt_period_s > 0, got {p!r}, {t!r}"
                )
            if not math.isclose(p / t, self.rate_hz, rel_tol=1e-6):
                raise ValueError(
                    f"rate_hz={self.rate_hz!r} does not match success_probability/attempt_period_s={p / t!r}"
                )

    @property
    def total_rate_hz(self) -> float:
        """Raw pairs per second over all channels.

        >>> Link((0, 1), rate_hz=1e3, fidelity=0.9, channels=4).total_rate_hz
        4000.0
        """
        return self.rate_hz * self.channels

    @property
    def models_memory(self) -> bool:
        """Whether storage decay of the link's pairs is modelled (a finite T1 or T2).

        >>> Link((0, 1), rate_hz=1.0, fidelity=0.9).models_memory
        False
        """
        return math.isfinite(self.memory_t1_s) or math.isfinite(self.memory_t2_s)

    @property
    def key(self) -> tuple[int, int]:
        """The QPU pair, smaller index first.

        >>> Link((3, 1), rate_hz=1.0, fidelity=0.9).key
        (1, 3)
        """
        a, b = self.qpus
        return (a, b) if a < b else (b, a)


def link_from_model(
    model: Any, qpus: tuple[int, int], latency_s: float = 0.0, buffer_pairs: int | None = None
) -> Link:
    """Adapts any object with ``rate_hz`` and ``fidelity`` attributes (a ``LinkModel`` from
    ``qnsim.link_models``, a network calibration) into a :class:`Link`. If the object also has
    ``success_probability`` and ``attempt_period_s``, they are kept for geometric simulation; if it
    has ``memory_t1_s`` and ``memory_t2_s`` (a :class:`~qnsim.estimate.CalibratedLink` carries its
    end nodes'), the link's pairs decay in storage with them.

    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(rate_hz=2e3, fidelity=0.97)
    >>> link_from_model(m, (0, 2), latency_s=1e-5).rate_hz
    2000.0
    """
    for attr in ("rate_hz", "fidelity"):
        if not hasattr(model, attr):
            raise ValueError(f"link model {model!r} has no attribute {attr!r} (need rate_hz and fidelity)")
    p = getattr(model, "success_probability", None)
    t = getattr(model, "attempt_period_s", None)
    if p is not None and t is not None and not math.isclose(p / t, float(model.rate_hz), rel_tol=1e-6):
        p = t = None  # The model's rate includes more than p / T (e.g. two rounds): keep the rate.
    return Link(
        qpus=tuple(qpus),
        rate_hz=float(model.rate_hz),
        fidelity=float(model.fidelity),
        latency_s=float(latency_s),
        buffer_pairs=buffer_pairs,
        success_probability=None if p is None else float(p),
        attempt_period_s=None if t is None else float(t),
        memory_t1_s=float(getattr(model, "memory_t1_s", math.inf)),
        memory_t2_s=float(getattr(model, "memory_t2_s", math.inf)),
    )


def stored_fidelity(fidelity: float, wait_s: float, t1_s: float, t2_s: float) -> float:
    """Fidelity of a Werner pair of ``fidelity`` after both of its qubits waited ``wait_s`` seconds
    in memories of amplitude-damping time ``t1_s`` and coherence time ``t2_s`` (seconds; inf: none).

    The network's ``bell_diagonal`` memory model (docs/concepts.md, Memory): each stored qubit
    multiplies the pair's coherences <XX> and <YY> by exp(-t/T2) and, amplitude damping
    (gamma = 1 - exp(-t/T1)) taken as its Pauli twirl, <ZZ> by exp(-t/T1). A Werner pair has
    <XX> = -<YY> = <ZZ> = w = (4F - 1)/3, so with both ends waiting t::

        F(t) = (1 + 2 w exp(-2t/T2) + w exp(-2t/T1)) / 4

    >>> stored_fidelity(0.99, 0.0, 1.0, 1.0)
    0.99
    >>> round(stored_fidelity(1.0, 1e-3, 2e-3, 1e-3), 6)  # both halves 1 ms: (1 + 2e^-2 + e^-1)/4
    0.409638
    """
    for name, v in (("fidelity", fidelity), ("wait_s", wait_s), ("t1_s", t1_s), ("t2_s", t2_s)):
        if not is_real_number(v) or math.isnan(v):
            raise ValueError(f"{name} must be a number, got {v!r}")
    if wait_s < 0 or t1_s <= 0 or t2_s <= 0:
        raise ValueError(f"need wait_s >= 0 and t1_s, t2_s > 0, got {wait_s!r}, {t1_s!r}, {t2_s!r}")
    if wait_s == 0:
        return float(fidelity)
    w = (4 * fidelity - 1) / 3
    coherence = math.exp(-2 * wait_s / t2_s)
    population = math.exp(-2 * wait_s / t1_s)
    return (1 + 2 * w * coherence + w * population) / 4


def bbpssw_step(f: float) -> tuple[float, float]:
    """One BBPSSW round on two Werner pairs of fidelity f: (output fidelity, success probability).

    The closed form is :func:`qnsim.link_models.bbpssw` (one implementation serves both).

    >>> f, p = bbpssw_step(0.9)
    >>> round(f, 6), round(p, 6)
    (0.926396, 0.875556)
    >>> round(bbpssw_step(0.5)[0], 12)  # F = 1/2 is a fixed point
    0.5
    """
    return bbpssw(f)


def dejmps_step(c: Sequence[float]) -> tuple[tuple[float, float, float, float], float]:
    """One DEJMPS round on two Bell-diagonal pairs with coefficients in the order
    (Phi+, Psi+, Psi-, Phi-): (output coefficients in the same order, success probability).

    The closed form is :func:`qnsim.link_models.dejmps` on two copies of ``c``.

    >>> c, p = dejmps_step((0.9, 0.1 / 3, 0.1 / 3, 0.1 / 3))
    >>> round(c[0], 6), round(p, 6)
    (0.926396, 0.875556)
    """
    out, p = dejmps(c, c)
    return tuple(float(x) for x in out), p


def purification_noise(qpu_a: Any, qpu_b: Any) -> dict[str, float]:
    """The local noise a purification round between two QPUs suffers, as keyword arguments of
    :func:`purification_plan` and :func:`purification_step`.

    Each QPU's ``e_1q``, ``e_2q`` and ``e_meas`` (probabilities per operation, as in
    :class:`~qnsim.estimate.QPU`) become ``gate1_error``, ``gate2_error`` and ``measure_error``.
    The closed-form round applies one noise to both ends, so the worse QPU's value is taken for
    each: a bound on the pair's fidelity from below, never above.

    >>> from types import SimpleNamespace
    >>> a = SimpleNamespace(e_1q=1e-4, e_2q=1e-3, e_meas=2e-3)
    >>> b = SimpleNamespace(e_1q=2e-4, e_2q=5e-4, e_meas=1e-3)
    >>> purification_noise(a, b)
    {'gate1_error': 0.0002, 'gate2_error': 0.001, 'measure_error': 0.002}
    """
    return {
        "gate1_error": max(float(qpu_a.e_1q), float(qpu_b.e_1q)),
        "gate2_error": max(float(qpu_a.e_2q), float(qpu_b.e_2q)),
        "measure_error": max(float(qpu_a.e_meas), float(qpu_b.e_meas)),
    }


def purification_step(
    coeffs: Sequence[float],
    protocol: str = "dejmps",
    *,
    gate1_error: float = 0.0,
    gate2_error: float = 0.0,
    measure_error: float = 0.0,
) -> tuple[tuple[float, float, float, float], float]:
    """One symmetric recurrence round on two pairs with Bell-diagonal coefficients ``coeffs``
    (Phi+, Psi+, Psi-, Phi-): (kept pair's coefficients, success probability).

    Without noise this is :func:`dejmps_step`, or :func:`bbpssw_step` on the Phi+ weight, exactly
    as before noise was priced. With noise it is the network layer's noisy round,
    :func:`qnsim.bell_diagonal_purify`, at both ends: depolarize2 with probability
    ``gate2_error`` after each bilateral CNOT (Stim's convention, each of the 15 non-identity
    two-qubit Paulis with ``gate2_error / 15``), depolarize1 with ``gate1_error`` after each
    DEJMPS rotation, and each measured outcome flipped with ``measure_error``. BBPSSW's kept pair
    is twirled back to Werner form, as the noiseless BBPSSW step does.

    Args:
        coeffs: the pairs' Bell-diagonal coefficients (both input pairs alike).
        protocol: ``"dejmps"`` or ``"bbpssw"``.
        gate1_error, gate2_error, measure_error: local error probabilities per operation.

    >>> werner = (0.9, 0.1 / 3, 0.1 / 3, 0.1 / 3)
    >>> round(purification_step(werner)[0][0], 6)
    0.926396
    >>> round(purification_step(werner, gate2_error=1e-2, measure_error=1e-2)[0][0], 6) < 0.926396
    True
    """
    if protocol not in ("dejmps", "bbpssw"):
        raise ValueError(f"protocol must be 'dejmps' or 'bbpssw', got {protocol!r}")
    if not (gate1_error or gate2_error or measure_error):
        # The noiseless closed forms, kept so that noiseless results stay bit-for-bit as they were.
        if protocol == "bbpssw":
            f, p = bbpssw_step(coeffs[0])
            return (f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3), p
        return dejmps_step(coeffs)
    p, kept = bell_diagonal_purify(
        coeffs,
        coeffs,
        protocol,
        gate1_error=gate1_error,
        gate2_error=gate2_error,
        measure_error=measure_error,
    )
    if protocol == "bbpssw":
        f = float(kept[0])
        return (f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3), p
    return tuple(float(x) for x in kept), p  # type: ignore[return-value]


def purification_ceiling(
    raw_fidelity: float,
    protocol: str = "dejmps",
    *,
    gate1_error: float = 0.0,
    gate2_error: float = 0.0,
    measure_error: float = 0.0,
) -> float:
    """The highest fidelity recurrence purification reaches from Werner pairs of ``raw_fidelity``
    with this local noise (error probabilities per operation, as in :func:`purification_step`).

    Noisy rounds converge to a fixed point below 1. The rounds are run until the pair's
    coefficients stop changing (at most 10^4 rounds) and the best fidelity on the way is the
    ceiling: not the first round that fails to improve, because a noisy DEJMPS round can lower
    a Werner pair's fidelity before later rounds raise it (its output is not Werner). Without
    noise the ceiling is 1 for ``raw_fidelity`` > 1/2 (and the raw fidelity otherwise).

    >>> purification_ceiling(0.9)
    1.0
    >>> round(purification_ceiling(0.9, gate2_error=1e-3, measure_error=1e-3), 6)
    0.998651
    """
    return _ceiling(float(raw_fidelity), protocol, float(gate1_error), float(gate2_error), float(measure_error))


@functools.lru_cache(maxsize=4096)
def _ceiling(raw_fidelity: float, protocol: str, gate1_error: float, gate2_error: float, measure_error: float) -> float:
    # Cached: the error-corrected estimate asks again for every code distance it tries.
    if not (gate1_error or gate2_error or measure_error):
        return 1.0 if raw_fidelity > 0.5 else raw_fidelity
    f = raw_fidelity
    coeffs: tuple[float, ...] = (f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3)
    best = f
    for _ in range(10_000):
        nxt, _p = purification_step(
            coeffs, protocol, gate1_error=gate1_error, gate2_error=gate2_error, measure_error=measure_error
        )
        best = max(best, nxt[0])
        if max(abs(x - y) for x, y in zip(nxt, coeffs)) < 1e-14:
            break
        coeffs = nxt
    return best


@dataclasses.dataclass(frozen=True)
class PurificationPlan:
    """How a link's raw pairs are lifted to a target fidelity.

    Attributes:
        rounds: recurrence rounds (0 = raw pairs suffice).
        fidelity: delivered fidelity after the rounds.
        raw_per_pair: expected raw pairs per delivered pair (``2^k / prod p_j``).
        success_probabilities: p_j of each round.
        feasible: False if the target cannot be reached (raw F <= 1/2, or it stalls).
        reason: why not, when infeasible.

    >>> purification_plan(0.95, 0.99).rounds
    2
    """

    rounds: int
    fidelity: float
    raw_per_pair: float
    success_probabilities: tuple[float, ...]
    feasible: bool
    reason: str = ""


def purification_plan(
    raw_fidelity: float,
    target_fidelity: float | None,
    protocol: str = "dejmps",
    max_rounds: int = 12,
    *,
    gate1_error: float = 0.0,
    gate2_error: float = 0.0,
    measure_error: float = 0.0,
) -> PurificationPlan:
    """Fewest recurrence rounds that lift Werner pairs of ``raw_fidelity`` to ``target_fidelity``.

    Args:
        raw_fidelity: link pair fidelity (Werner form).
        target_fidelity: needed fidelity, or None for raw pairs.
        protocol: ``"dejmps"`` (Deutsch et al. 1996) or ``"bbpssw"`` (Bennett et al. 1996).
        max_rounds: give up after this many rounds (each doubles the raw cost at least).
        gate1_error, gate2_error, measure_error: the purifying QPUs' local error probabilities
            per operation (see :func:`purification_step`; :func:`purification_noise` gives them for
            two QPUs). All zero = ideal local operations.

    A target above what the noisy rounds can ever reach (:func:`purification_ceiling`) is
    infeasible, and the reason says what would fix it.

    >>> plan = purification_plan(0.9, 0.99)
    >>> plan.rounds, round(plan.fidelity, 4), round(plan.raw_per_pair, 2)
    (3, 0.9991, 10.76)
    >>> purification_plan(0.5, 0.9).feasible
    False
    >>> purification_plan(0.9, 1 - 1e-9, gate2_error=1e-3, measure_error=1e-3).feasible
    False
    """
    if protocol not in ("dejmps", "bbpssw"):
        raise ValueError(f"protocol must be 'dejmps' or 'bbpssw', got {protocol!r}")
    # Both fidelities are checked before the early return below: True, -1 or NaN are not
    # targets that raw pairs "already reach".
    raw_fidelity = probability("raw_fidelity", raw_fidelity, error=ValueError)
    if target_fidelity is not None:
        target_fidelity = probability("target_fidelity", target_fidelity, error=ValueError)
    integer("max_rounds", max_rounds, minimum=1, maximum=64, error=ValueError)
    noise = {
        "gate1_error": probability("gate1_error", gate1_error, error=ValueError),
        "gate2_error": probability("gate2_error", gate2_error, error=ValueError),
        "measure_error": probability("measure_error", measure_error, error=ValueError),
    }
    noisy = any(noise.values())
    if target_fidelity is None or raw_fidelity >= target_fidelity:
        return PurificationPlan(0, raw_fidelity, 1.0, (), True)
    if not 0.25 <= target_fidelity <= 1:
        raise ValueError(f"target_fidelity must be in [0.25, 1], got {target_fidelity!r}")
    if raw_fidelity <= 0.5:
        return PurificationPlan(
            0,
            raw_fidelity,
            math.inf,
            (),
            False,
            f"raw fidelity {raw_fidelity:g} <= 0.5 can never be purified to {target_fidelity:g}",
        )
    if target_fidelity >= 1.0:
        return PurificationPlan(
            0,
            raw_fidelity,
            math.inf,
            (),
            False,
            "fidelity 1 cannot be reached by purification of noisy pairs",
        )
    if noisy:
        ceiling = purification_ceiling(raw_fidelity, protocol, **noise)
        if ceiling < target_fidelity:
            return PurificationPlan(
                0,
                raw_fidelity,
                math.inf,
                (),
                False,
                f"raw fidelity {raw_fidelity:g} cannot be purified to {target_fidelity:.10g} with the QPUs' local "
                f"noise (two-qubit gate error {noise['gate2_error']:g}, one-qubit {noise['gate1_error']:g}, "
                f"measurement {noise['measure_error']:g}): {protocol} rounds with these gates reach at most "
                f"{ceiling:.6g}; fix: lower gate and measurement errors, or a better raw link",
            )
    f = raw_fidelity
    coeffs: tuple[float, ...] = (f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3)
    raw = 1.0
    probs: list[float] = []
    for k in range(1, max_rounds + 1):
        coeffs, p = purification_step(coeffs, protocol, **noise)
        f = coeffs[0]
        raw = 2.0 * raw / p
        probs.append(p)
        if f >= target_fidelity:
            return PurificationPlan(k, f, raw, tuple(probs), True)
    return PurificationPlan(
        max_rounds,
        f,
        math.inf,
        tuple(probs),
        False,
        f"raw fidelity {raw_fidelity:g} reaches only {f:.6g} after {max_rounds} purification "
        f"rounds, short of {target_fidelity:g}",
    )
