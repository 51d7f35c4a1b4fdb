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
:func:`purification_plan`, each end's own: ``*_b`` for the second end) each round is instead the
network layer's noisy round,
:func:`qnsim.bell_diagonal_purify` (the ``bell_diagonal`` formalism's closed form, the same
semantics as a network request's purification): depolarize2 after each bilateral CNOT, depolarize1
after each DEJMPS rotation and each measured outcome flipped with ``measure_error``. Noisy rounds
converge to a fixed point below 1, so a target above that ceiling is infeasible however many
rounds are run.

With memory times (:class:`PairStorage`) each round's input pairs decay for their waits inside
the recursion (:func:`stored_pair`, the network's bell_diagonal memory model): the waits double
with every round, so the rounds' fidelity peaks and then falls, and that peak is the ceiling.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from qnsim import _core, _numerics
from qnsim.argument_checks import (
    _CLIP_SLACK,
    INTEGER_MAX,
    PROBABILITY_TOLERANCE,
    bell_coefficients,
    check_bounds,
    coherence_times,
    distinct_digits,
    flag,
    integer,
    is_integer,
    is_scalar_array,
    probability,
    real_number,
    real_numbers,
    shown,
    texts,
    written,
)
from qnsim.argument_checks import fidelity as checked_fidelity
from qnsim.argument_checks import rate as checked_rate
from qnsim.link_models import bbpssw, dejmps
from qnsim.primitives import bell_diagonal_purify

__all__ = [
    "DEFAULT_BUFFER_PAIRS",
    "Link",
    "PairStorage",
    "PurificationPlan",
    "bbpssw_step",
    "dejmps_step",
    "flow_controlled_rate_hz",
    "latency_hold_s",
    "link_from_model",
    "purification_ceiling",
    "purification_noise",
    "purification_plan",
    "purification_step",
    "relay_cycle_s",
    "relay_decay_factor",
    "stored_fidelity",
    "stored_pair",
]


#: The node indices a link's ends may have, stated whole by every refusal: QPUs from 0, relays from the QPU count up,
#: none beyond what any count holds.
NODE_INDEX_RANGE = "[0, 2**64 - 1]"
#: Most channels a link takes (``channels``): a runtime fix asking for more says that channels cannot reach it.
MAX_CHANNELS = 10**9
#: Most distilled-pair memories per link end (``buffer_pairs``), as many as channels: 10**400 was taken, and
#: the estimate raised OverflowError "int too large to convert to float".
MAX_BUFFER_PAIRS = MAX_CHANNELS

#: Distilled-pair memories per link end when a link does not set ``buffer_pairs``: the one default of the
#: estimate (its buffer model and storage wait) and of :func:`~qnsim.estimate.simulate_execution`.
DEFAULT_BUFFER_PAIRS = 64


@dataclasses.dataclass(frozen=True)
class Link:
    """Bell-pair supply between two QPUs.

    Args:
        qpus: the two QPU indices (order does not matter).
        rate_hz: delivered raw Bell pairs per second (> 0).
        fidelity: raw pair fidelity to |Phi+> (Werner form assumed), in [0.25, 1].
        latency_s: one-way classical latency in seconds (>= 0).
        buffer_pairs: distilled-pair memories per end for buffering, in [1, 10^9] (``None``: the default,
            :data:`DEFAULT_BUFFER_PAIRS`). Flow control: they also hold the pairs under way in
            purification (a level-k pair of r rounds as 2^(k - r) of a delivered one), no attempt starts
            while buffered plus under way fill them (:func:`flow_controlled_rate_hz`), and a pair waits in
            them first in, first out: the estimate and :func:`~qnsim.estimate.simulate_execution` take the
            same number and the same rule, except that an estimate on error-corrected QPUs runs a link left at
            the default with a syndrome round's 2d - 1 pairs where that is more (a note says so; its
            :class:`~qnsim.estimate.LinkReport` ``buffer_pairs`` and :func:`~qnsim.estimate.operated_links` give
            the buffer run).
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
        notes: caveats on where the figures come from (a calibration from few pairs, say); the
            estimate's report repeats them. They do not change the estimate.
        relay_hop_rates_hz: for the virtual link of a relay route (:func:`~qnsim.estimate.estimator.route_link`):
            its hops' rates in Hz. Its pairs then come one per cycle of the hops (:func:`relay_cycle_s`),
            which is how their waits in purification are priced. Empty (the default) for a direct link.
        rate_interval95: the 95% interval ``(low, high)`` of ``rate_hz`` in pairs/s per channel when the rate was
            measured by a simulation (a :class:`~qnsim.estimate.CalibratedLink`'s; ``qnsim estimate`` sets it for a
            ``scenario =`` link whose rate it calibrates), with ``low <= rate_hz <= high``; None (the default) for a
            rate taken as exact. The report carries it, and prints a channel count derived from the rate as the
            range over it. A link at another rate (the estimate's re-estimates at a need) drops it.

    Raises:
        ValueError: naming a non-positive rate, a fidelity outside [0.25, 1], a negative latency,
            a link from a QPU to itself, or relay hops whose cycle is not the link's total rate.

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
    notes: tuple[str, ...] = dataclasses.field(default=(), compare=False)
    relay_hop_rates_hz: tuple[float, ...] = ()
    rate_interval95: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        pair = self.qpus
        # An ordered pair: a 0-d array has __len__ but no length ("len() of unsized object", naming nothing), and
        # a set or a dict of two has no order to read the ends in.
        ordered = isinstance(pair, (list, tuple)) or (isinstance(pair, np.ndarray) and pair.ndim == 1)
        if not ordered or len(pair) != 2:
            raise ValueError(f"qpus must be a pair of QPU indices, got {written(pair)}")
        if not all(is_integer(x) for x in pair):
            raise ValueError(f"qpus must be a pair of integer QPU indices, got {written(pair)}")
        a, b = (int(x) for x in pair)
        if not (0 <= a <= INTEGER_MAX and 0 <= b <= INTEGER_MAX):
            # One range for either side: -1 was told "indices >= 0" and 2**64 "<= 2**64 - 1". A relay is any index
            # from the QPU count up, but not beyond what any count holds: (0, 10**5000) was taken, and the
            # estimate's refusal of its lone relay raised Python's 4,300-digit limit instead.
            raise ValueError(f"qpus must be node indices in {NODE_INDEX_RANGE} (QPUs from 0, relays from the QPU "
                             f"count up), got {written(self.qpus)}")  # fmt: skip
        if a == b:
            raise ValueError(f"a link joins two different QPUs, got qpus={written(self.qpus)}")
        object.__setattr__(self, "qpus", (a, b))
        object.__setattr__(self, "notes", texts("notes", self.notes, error=ValueError))
        object.__setattr__(self, "relay_hop_rates_hz", _hop_rates(self.relay_hop_rates_hz))
        # The package's one reading of numbers (qnsim.argument_checks), with the estimator's one
        # exception class for bad input: NumPy scalars are numbers, bools and text are not.
        number = functools.partial(real_number, error=ValueError)
        count = functools.partial(integer, error=ValueError)
        read = {
            "rate_hz": checked_rate("rate_hz", self.rate_hz, error=ValueError),
            # A fidelity as every entry point reads one (within the tolerance, clipped), then the estimator's floor.
            "fidelity": checked_fidelity("fidelity", self.fidelity, error=ValueError),
            "latency_s": number("latency_s", self.latency_s, minimum=0.0, unit="s"),
            "channels": count("channels", self.channels, minimum=1, maximum=MAX_CHANNELS),
            # inf: storage decay not modelled.
            "memory_t1_s": number("memory_t1_s", self.memory_t1_s, minimum=0.0, exclusive_minimum=True,
                                  allow_inf=True, unit="s"),
            "memory_t2_s": number("memory_t2_s", self.memory_t2_s, minimum=0.0, exclusive_minimum=True,
                                  allow_inf=True, unit="s"),
        }
        if self.buffer_pairs is not None:
            read["buffer_pairs"] = count("buffer_pairs", self.buffer_pairs, minimum=1, maximum=MAX_BUFFER_PAIRS)
        check_bounds("fidelity", read["fidelity"], self.fidelity, minimum=0.25, error=ValueError)
        for name, v in read.items():
            object.__setattr__(self, name, v)
        if math.isinf(self.rate_hz * self.channels):
            # The total rate is what the estimate prices: "rate_hz must be finite, got inf" named a value never given.
            raise ValueError(
                f"rate_hz x channels = {self.rate_hz:g} Hz x {self.channels} is beyond the range of a float (1.8e308)"
            )
        if self.rate_interval95 is not None:
            object.__setattr__(self, "rate_interval95", _rate_interval(self.rate_interval95, self.rate_hz))
        coherence_times("memory_t1_s", self.memory_t1_s, "memory_t2_s", self.memory_t2_s, t2_defaults_to_inf=True)
        if (self.success_probability is None) != (self.attempt_period_s is None):
            raise ValueError("give both success_probability and attempt_period_s, or neither")
        if self.success_probability is not None:
            p = number("success_probability", self.success_probability, minimum=0.0, exclusive_minimum=True, maximum=1)
            t = number("attempt_period_s", self.attempt_period_s, minimum=0.0, exclusive_minimum=True, unit="s")
            if not math.isclose(p / t, self.rate_hz, rel_tol=1e-6):
                raise ValueError(
                    f"rate_hz={written(self.rate_hz)} does not match "
                    f"success_probability/attempt_period_s={written(p / t)}"
                )
            object.__setattr__(self, "success_probability", p)
            object.__setattr__(self, "attempt_period_s", t)
        if self.relay_hop_rates_hz:
            if self.success_probability is not None:
                raise ValueError("give success_probability and attempt_period_s (a direct link's attempts) or "
                                 "relay_hop_rates_hz (a relay route's hops), not both")
            _check_route_interval("rate_hz x channels", 1.0 / self.total_rate_hz, self.relay_hop_rates_hz)

    @property
    def total_rate_hz(self) -> float:
        """Raw pairs per second over all channels.

        >>> Link((0, 1), rate_hz=1e3, fidelity=0.9, channels=4).total_rate_hz
        4000.0
        """
        return self.rate_hz * self.channels

    @property
    def buffer(self) -> int:
        """The link's distilled-pair memories per end: ``buffer_pairs``, or :data:`DEFAULT_BUFFER_PAIRS`.

        >>> Link((0, 1), rate_hz=1e3, fidelity=0.9).buffer
        64
        """
        return DEFAULT_BUFFER_PAIRS if self.buffer_pairs is None else self.buffer_pairs

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


def _rate_interval(interval: Any, rate_hz: float) -> tuple[float, float]:
    """A link's ``rate_interval95`` read: two finite rates (pairs/s) ``0 < low <= rate_hz <= high``."""
    if (isinstance(interval, (str, bytes)) or is_scalar_array(interval) or not hasattr(interval, "__len__")
            or len(interval) != 2):
        raise ValueError(f"rate_interval95 must be a pair (low, high) of rates in pairs/s, got {written(interval)}")
    low, high = (real_number(f"rate_interval95[{i}]", x, minimum=0.0, unit="pairs/s", error=ValueError)
                 for i, x in enumerate(interval))
    if not low <= rate_hz <= high:
        raise ValueError(f"rate_interval95 = ({low:g}, {high:g}) pairs/s must hold rate_hz = {rate_hz:g} "
                         "(low <= rate_hz <= high)")
    return (low, high)


def link_from_model(
    model: Any, qpus: tuple[int, int], latency_s: float = 0.0, buffer_pairs: int | None = None
) -> Link:
    """Adapts any object with ``rate_hz`` and ``fidelity`` attributes (a ``LinkModel`` from
    ``qnsim.link_models``, a network calibration) into a :class:`Link`. If the object also has
    ``success_probability`` and ``attempt_period_s``, they are kept for geometric simulation; if it
    has ``memory_t1_s`` and ``memory_t2_s`` (a :class:`~qnsim.estimate.CalibratedLink` carries its
    end nodes'), the link's pairs decay in storage with them.

    The estimate prices purification on Werner pairs of the model's fidelity. If the model also has
    ``bell_diagonal`` weights (a ``LinkModel``) that DEJMPS treats otherwise (a single-click link's
    errors sit in Psi+ and Psi-: one round keeps F = 0.915 where Werner pairs of the same F = 0.916 reach
    0.939), the link carries a note with both figures: BBPSSW (which twirls pairs to Werner first) or a
    simulation prices such a link exactly.

    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(rate_hz=2e3, fidelity=0.97)
    >>> link_from_model(m, (0, 2), latency_s=1e-5).rate_hz
    2000.0
    """
    for attr in ("rate_hz", "fidelity"):
        if not hasattr(model, attr):
            raise ValueError(
                f"link model {written(model)} has no attribute {written(attr)} (need rate_hz and "
                "fidelity)"
            )
    # Read as numbers here, by name: float() took the text "2e3" and True as rates, and raised OverflowError for
    # 10**5000 (the Link checks their bounds).
    rate_hz = real_number("model.rate_hz", model.rate_hz, error=ValueError)
    fidelity = real_number("model.fidelity", model.fidelity, error=ValueError)
    p = getattr(model, "success_probability", None)
    t = getattr(model, "attempt_period_s", None)
    if p is not None and t is not None and not math.isclose(p / t, rate_hz, rel_tol=1e-6):
        p = t = None  # The model's rate includes more than p / T (e.g. two rounds): keep the rate.
    return Link(
        qpus=qpus,  # Link reads them (tuple() of a float raised "'float' object is not iterable")
        rate_hz=rate_hz,
        fidelity=fidelity,
        latency_s=latency_s,  # checked by the Link, by name (float() took "3" and True, and overflowed on 10**5000)
        buffer_pairs=buffer_pairs,
        success_probability=None if p is None else float(p),
        attempt_period_s=None if t is None else float(t),
        memory_t1_s=float(getattr(model, "memory_t1_s", math.inf)),
        memory_t2_s=float(getattr(model, "memory_t2_s", math.inf)),
        # A simulated rate's 95% interval (a calibration's), carried to the report's channel counts.
        rate_interval95=getattr(model, "rate_interval95", None),
        # A calibration's notes begin with where its rate comes from (its interval and window), as the CLI's do.
        notes=tuple(model.report_notes() if hasattr(model, "report_notes") else getattr(model, "notes", ()))
        + _werner_pricing_note(getattr(model, "bell_diagonal", None)),
    )


def _werner_pricing_note(weights: Any) -> tuple[str, ...]:
    """A note when one ideal DEJMPS round leaves the link's real pairs (Bell ``weights``) with an infidelity more
    than 1% (relative) away from that of the Werner pairs of the same fidelity the estimate prices (empty
    otherwise): an error budget counts infidelities."""
    if weights is None:
        return ()
    c = tuple(float(x) for x in weights)
    real = dejmps(c, c)[0][0]
    werner = dejmps(_werner(c[0]), _werner(c[0]))[0][0]
    if abs(real - werner) <= 0.01 * (1.0 - real):
        return ()
    return (
        f"purification is priced on Werner pairs of F = {c[0]:.4f}; this link's pairs (Phi+, Psi+, Psi-, Phi-) = "
        f"({', '.join(f'{x:.4f}' for x in c)}) reach F = {real:.4f} after one DEJMPS round, not {werner:.4f}: "
        "use purification 'bbpssw' (it twirls pairs to Werner form) or simulate the link for exact figures",
    )


def stored_pair(coeffs: Sequence[float], wait_s: float, t1_s: float, t2_s: float) -> tuple[float, float, float, float]:
    """Bell-diagonal coefficients (Phi+, Psi+, Psi-, Phi-) of a pair after both of its qubits waited
    ``wait_s`` seconds in memories of amplitude-damping time ``t1_s`` and coherence time ``t2_s``
    (seconds; inf: none).

    The network's ``bell_diagonal`` memory model (docs/concepts.md, Memory; ``BellPair::decay`` in
    ``cpp/network/bell_pair.h``): each stored qubit multiplies the pair's coherences <XX> and <YY>
    by exp(-t/T2) and, amplitude damping (gamma = 1 - exp(-t/T1)) taken as its Pauli twirl, <ZZ>
    by exp(-t/T1). Every storage decay the estimator prices goes through this function.

    >>> [round(x, 6) for x in stored_pair((1.0, 0.0, 0.0, 0.0), 1e-3, math.inf, 1e-3)]  # pure dephasing
    [0.567668, 0.0, 0.0, 0.432332]
    """
    from qnsim.qec.channels import check_bell_diagonal

    # Checked as every Bell-diagonal input is: (2, -1, 0, 0) decayed to (1.997, -0.998, ...) and a NaN to four.
    coeffs = check_bell_diagonal(coeffs, "coeffs")
    number = functools.partial(real_number, error=ValueError)
    wait_s = number("wait_s", wait_s, minimum=0.0, unit="s")
    t1_s = number("t1_s", t1_s, minimum=0.0, exclusive_minimum=True, allow_inf=True, unit="s")
    t2_s = number("t2_s", t2_s, minimum=0.0, exclusive_minimum=True, allow_inf=True, unit="s")
    coherence_times("t1_s", t1_s, "t2_s", t2_s)
    if wait_s == 0:
        return coeffs
    return _damped(coeffs, _numerics.exp(-2 * wait_s / t2_s), _numerics.exp(-2 * wait_s / t1_s))


def _damped(coeffs: Sequence[float], coherence: float, zz_factor: float) -> tuple[float, float, float, float]:
    """The Bell-diagonal pair ``coeffs`` with its <XX> and <YY> multiplied by ``coherence`` and its <ZZ> by
    ``zz_factor``: :func:`stored_pair` for one wait t (exp(-2t/T2), exp(-2t/T1)), and, the decay being linear
    in those factors, the mean decayed pair over a random wait when given their means E[exp(-2W/T)]."""
    a, b, c, d = (float(x) for x in coeffs)
    # Bell-stabilizer expectations: <XX>, <ZZ> and -<YY> (Phi+ = I, Psi+ = X, Psi- = Y, Phi- = Z).
    xx = (a + b - c - d) * coherence
    yy = (a - b + c - d) * coherence
    zz = (a - b - c + d) * zz_factor
    return ((1 + xx + zz + yy) / 4, (1 + xx - zz - yy) / 4, (1 - xx - zz + yy) / 4, (1 - xx + zz - yy) / 4)


# Beyond this many states of the relay chain (arrived hops per kind of hop) the relay rules fall back to bounds:
# 12 hops of different rates, or any number of hops of a few kinds.
_RELAY_STATES = 1 << 12


@functools.lru_cache(maxsize=1024)  # The estimator asks again for each purification plan it prices.
def _relay_chain(rates_hz: tuple[float, ...], hold_hz: tuple[float, ...], cycle_hz: float, mean: bool) -> float | None:
    """One cycle of a relay route whose hops make pairs as independent Poisson processes (hop h at
    ``rates_hz[h]``, its pair arriving at X_h ~ Exp(rate)) and hold them until every hop holds one
    (at M = max X_h). With ``mean``: E[M] in seconds. Otherwise
    E[exp(-cycle_hz M - sum_h hold_hz[h] (M - X_h))], the mean decay factor of a cycle in which hop
    h's pair waits M - X_h.

    Exact, by the Markov chain of the set of hops holding a pair: in a state where hops S hold one, the
    others arrive at total rate R(S) and the held pairs decay at A(S) = cycle_hz + sum_{h in S} hold_hz[h],
    so the time spent there contributes the factor R/(R + A) (E[exp(-A t)], t ~ Exp(R)) and the next hop to
    arrive is h with probability r_h / R. Hops alike (rate and hold) are counted, not listed: k equal hops
    take k + 1 states. None when the chain has more than ``_RELAY_STATES`` states.
    """
    kinds = sorted(collections.Counter(zip(rates_hz, hold_hz)).items())
    sizes = [n for _, n in kinds]
    if math.prod(n + 1 for n in sizes) > _RELAY_STATES:
        return None
    value = {tuple(sizes): 0.0 if mean else 1.0}
    for state in sorted(itertools.product(*(range(n + 1) for n in sizes)), key=sum, reverse=True)[1:]:
        total = 0.0  # Arrival rate of the hops still missing.
        weighted = 0.0
        for g, ((rate, _hold), n) in enumerate(kinds):
            if state[g] < n:
                r = (n - state[g]) * rate
                total += r
                weighted += r * value[state[:g] + (state[g] + 1,) + state[g + 1:]]
        if mean:
            value[state] = (1.0 + weighted) / total
        else:
            decay = cycle_hz + sum(state[g] * hold for g, ((_r, hold), _n) in enumerate(kinds))
            value[state] = weighted / (total + decay)
    return value[(0,) * len(sizes)]


def relay_cycle_s(rates_hz: Sequence[float]) -> float:
    """Mean time (s) a relay route takes to make one end-to-end pair when each of its hops makes pairs at
    ``rates_hz`` (independent Poisson processes, Hz) and holds one until every hop holds one: E[max_h X_h],
    X_h ~ Exp(rate_h). For k hops of one rate r it is H_k / r (H_k the k-th harmonic number), not 1 / r:
    the slowest hop of the moment sets the pace.

    >>> round(relay_cycle_s([1e3, 1e3, 1e3]) * 1e3, 6)  # (1 + 1/2 + 1/3) ms
    1.833333
    >>> round(relay_cycle_s([1e6, 1e3]) * 1e3, 6)  # 1/r + 1/R - 1/(r + R)
    1.000001
    """
    rates = list(real_numbers("rates_hz", rates_hz, minimum=0.0, exclusive_minimum=True, unit="Hz", error=ValueError))
    if not rates:
        raise ValueError("rates_hz must name at least one hop")
    exact = _relay_chain(tuple(rates), (0.0,) * len(rates), 0.0, mean=True)
    return exact if exact is not None else _relay_cycle_upper_s(rates)


def _relay_cycle_upper_s(rates: Sequence[float]) -> float:
    """An upper bound (s) on E[max X_h], for routes with too many kinds of hop for the chain: the integral of
    P(M > t) = 1 - prod_h (1 - exp(-r_h t)), decreasing in t, as a left Riemann sum (which exceeds it) up to
    t_max, plus sum_h exp(-r_h t_max) / r_h (a union bound) for the tail beyond."""
    r = np.asarray(rates, dtype=float)
    t_max = (_numerics.log(len(r)) + 40.0) / float(r.min())
    t, step = np.linspace(0.0, t_max, 20_001, retstep=True)
    all_held = np.ones(len(t) - 1)  # P(M <= t) at the left ends, one kind of hop at a time (memory O(grid)).
    # Hops of one rate enter as one power (in the order they first appear: distinct rates multiply as before);
    # a pass over the grid per hop took 18 s for 10^5 equal hops and minutes for 10^6.
    for rate, count in collections.Counter(rates).items():
        held = -_numerics.expm1_array(-float(rate) * t[:-1])
        all_held *= held if count == 1 else _numerics.power_array(held, count)
    # Summed by math.fsum (correctly rounded), not numpy's SIMD-chosen reduction: the same bound on every CPU.
    inside = math.fsum((1.0 - all_held).tolist()) * step
    return float(inside + math.fsum((_numerics.exp_array(-r * t_max) / r).tolist()))


def relay_decay_factor(rates_hz: Sequence[float], hold_hz: Sequence[float], cycle_hz: float = 0.0) -> float:
    """E[exp(-cycle_hz M - sum_h hold_hz[h] (M - X_h))] for one cycle of a relay route (see
    :func:`relay_cycle_s`): hop h's pair, made at X_h ~ Exp(rates_hz[h]), waits M - X_h for the others and
    loses its coherences at ``hold_hz[h]`` (2 / T2 of its memories for <XX> and <YY>, 2 / T1 for <ZZ>, both
    halves); ``cycle_hz`` prices a decay over the whole cycle M (a pair waiting for the route's next pair).

    The waits share M, so the factor is the mean of the product, not a product of means, and neither is
    exp(-mean wait / T) (the mean decays less: Jensen's inequality). Three hops of 1 kHz, 20 ms memories
    (hold 100 Hz each): the mean total wait is 2.5 ms, exp(-0.25) = 0.7788, while the factor is
    2/2.1 * 1/1.2 = 0.7937.

    >>> round(relay_decay_factor([1e3] * 3, [100.0] * 3), 6)
    0.793651
    """
    rates = list(real_numbers("rates_hz", rates_hz, minimum=0.0, exclusive_minimum=True, unit="Hz", error=ValueError))
    holds = list(real_numbers("hold_hz", hold_hz, minimum=0.0, unit="Hz", error=ValueError))
    cycle_hz = real_number("cycle_hz", cycle_hz, minimum=0.0, unit="Hz", error=ValueError)
    if not rates or len(holds) != len(rates):
        raise ValueError(f"rates_hz and hold_hz must name the same hops (at least one), got {len(rates)} "
                         f"and {len(holds)}")
    exact = _relay_chain(tuple(rates), tuple(holds), cycle_hz, mean=False)
    if exact is not None:
        return exact
    # Too many kinds of hop: exp(-mean) is below the mean of exp (Jensen), with the cycle's mean bounded above.
    m = _relay_cycle_upper_s(rates)
    return _numerics.exp(-cycle_hz * m - sum(h * max(0.0, m - 1.0 / r) for r, h in zip(rates, holds)))


# Flow control beyond this many buffer shares (buffer pairs x 2^rounds) is priced by a bound, not the exact law.
_FLOW_EXACT_SHARES = 1 << 16


def latency_hold_s(success_probabilities: Sequence[float], latency_s: float) -> float:
    """Buffer-seconds one delivered pair's purification holds while its rounds wait ``latency_s`` seconds each
    for their outcomes: the flow-controlled link's pairs under way count against its buffer (see
    :func:`flow_controlled_rate_hz`), a pair of level k of r rounds as 2^(k - r) of a delivered pair.

    Round k (success probabilities ``p_1 .. p_r``) is attempted ``R_r / (2 R_(k-1))`` times per delivered pair
    (``R_k`` the raw pairs per level-k pair, ``R_k = 2 R_(k-1) / p_k``), each attempt's kept pair holding
    2^(k - r) for one latency whether it succeeds or not; the sum is ``latency_s`` times
    ``sum_k R_r 2^(k - r) / (2 R_(k-1))``. One round: ``latency_s / p``.

    >>> round(latency_hold_s([0.5], 1e-3), 9)  # two attempts, each holding one delivered pair's share 1 ms
    0.002
    >>> round(latency_hold_s([0.8, 0.9], 1e-3), 9)  # 1/(0.8 * 0.9) + 1/0.9 attempts' ms
    0.0025
    """
    probs = real_numbers("success_probabilities", success_probabilities, minimum=0.0, exclusive_minimum=True,
                         maximum=1.0, error=ValueError)
    latency_s = real_number("latency_s", latency_s, minimum=0.0, unit="s", error=ValueError)
    if not probs or latency_s == 0:
        return 0.0
    raw = [1.0]
    for p in probs:
        raw.append(2.0 * raw[-1] / p)
    r = len(probs)
    return latency_s * sum(math.ldexp(raw[r], k - r) / (2.0 * raw[k - 1]) for k in range(1, r + 1))


def flow_controlled_rate_hz(
    rate_hz: float, buffer_pairs: int, success_probabilities: Sequence[float], latency_s: float
) -> float:
    """Raw pairs per second (Hz) a flow-controlled link sustains when nothing else holds it back: its source
    makes ``rate_hz`` raw pairs per second (all channels), it purifies them with rounds of these success
    probabilities that each wait ``latency_s`` for their outcome, and it counts the pairs under way against
    its ``buffer_pairs`` memories (a raw pair of r rounds as 2^-r of a delivered one): no attempt starts
    while buffer + under way is full. What the estimate and :func:`~qnsim.estimate.simulate_execution` run.

    The window: the B 2^r raw shares of the buffer cycle through the source (a single server of exponential
    service 1 / ``rate_hz``, the channels' superposition) and the rounds' outcomes (a delay of
    ``2^r latency_hold_s / R_r`` per raw pair, :func:`latency_hold_s`): the machine-repairman model, whose
    source is busy with probability 1 - ErlangB(B 2^r, delay x rate). So the rate never exceeds ``rate_hz``
    nor B / (latency hold) delivered pairs per second (the bandwidth-delay limit of the buffer), and it never
    falls when ``rate_hz`` (channels) or the buffer grows. The pairs' waits for their partners and the
    outcomes' correlations (a round's two inputs) are not in it; beyond 2^16 shares the pessimistic bound
    N / (N / rate + delay), or the exact law of 2^16 shares if higher, stands in for the exact law (it errs low).

    >>> flow_controlled_rate_hz(1e6, 64, [], 1e-3)  # no rounds: nothing under way but the next pair
    1000000.0
    >>> round(flow_controlled_rate_hz(1e9, 64, [0.5], 1e-3) / 4)  # window-bound: 63.5 pairs / 2 ms, 4 raw each
    31750
    """
    # A rate: 5e-324 Hz has a period beyond a float (ZeroDivisionError below).
    rate_hz = checked_rate("rate_hz", rate_hz, error=ValueError)
    buffer_pairs = integer("buffer_pairs", buffer_pairs, minimum=1, maximum=MAX_BUFFER_PAIRS, error=ValueError)
    hold = latency_hold_s(success_probabilities, latency_s)
    if hold == 0:
        return rate_hz
    r = len(success_probabilities)
    raw = 1.0
    for p in success_probabilities:
        raw = 2.0 * raw / p
    # A stream of rounds keeps each purification level's slot half full on average (a pair there waits for the
    # next of its level): those (2^r - 1) / 2 raw shares are not cycling.
    shares = max(1, (buffer_pairs << r) - ((1 << r) >> 1))
    return _repairman_rate(rate_hz, shares, math.ldexp(hold, r) / raw)


@functools.lru_cache(maxsize=4096)  # The estimator asks again for every round count and code distance it tries.
def _repairman_rate(rate_hz: float, shares: int, delay_s: float) -> float:
    """Throughput (Hz) of ``shares`` customers cycling through one exponential server of rate ``rate_hz`` and
    a delay of mean ``delay_s``: (1 - ErlangB(shares, rate_hz delay_s)) rate_hz, by the stable recursion
    1 / E(n) = 1 + n / a / E(n - 1); beyond _FLOW_EXACT_SHARES, lower bounds (shares / (shares / rate + delay))."""
    if shares > _FLOW_EXACT_SHARES:
        # Both lower bounds: the pessimistic bound, and the exact law of fewer shares (kept, so the rate never
        # falls where the bound takes over).
        return max(shares / (shares / rate_hz + delay_s), _repairman_rate(rate_hz, _FLOW_EXACT_SHARES, delay_s))
    # The recursion runs natively (cpp/estimate/flow_control.h): the same operations in the same order as the
    # Python loop it replaces, so the same double bit for bit (up to 2^16 steps a call: ~1 s of an estimate at 10^5
    # channels). Where the delay bounds the rate (1 - 1 / inverse rounds to 0) it returns rate * (inverse - 1) /
    # inverse: before, 0 Hz there raised ZeroDivisionError in an estimate (a 1 kHz link at F = 0.6 whose need check
    # tried 6.6e24 Hz with 7 rounds).
    return _core.repairman_rate_hz(rate_hz, shares, delay_s)


def _werner(fidelity: float) -> tuple[float, float, float, float]:
    """Bell-diagonal coefficients (Phi+, Psi+, Psi-, Phi-) of the Werner pair of ``fidelity``."""
    f = float(fidelity)
    return (f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3)


def stored_fidelity(fidelity: float, wait_s: float, t1_s: float, t2_s: float) -> float:
    """Fidelity of a Werner pair of ``fidelity`` after both of its qubits waited ``wait_s`` seconds
    in memories of amplitude-damping time ``t1_s`` and coherence time ``t2_s`` (seconds; inf: none).

    :func:`stored_pair` on the Werner pair. A Werner pair has <XX> = -<YY> = <ZZ> =
    w = (4F - 1)/3, so with both ends waiting t::

        F(t) = (1 + 2 w exp(-2t/T2) + w exp(-2t/T1)) / 4

    >>> stored_fidelity(0.99, 0.0, 1.0, 1.0)
    0.99
    >>> round(stored_fidelity(1.0, 1e-3, 2e-3, 1e-3), 6)  # both halves 1 ms: (1 + 2e^-2 + e^-1)/4
    0.409638
    """
    fidelity = checked_fidelity("fidelity", fidelity, error=ValueError)
    return stored_pair(_werner(fidelity), wait_s, t1_s, t2_s)[0]


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
    :class:`~qnsim.estimate.QPU`) become ``gate1_error``, ``gate2_error`` and ``measure_error`` (the
    first QPU's) and ``gate1_error_b``, ``gate2_error_b`` and ``measure_error_b`` (the second's): the
    round applies each end's errors at that end, as a network request's round does.

    >>> from types import SimpleNamespace
    >>> a = SimpleNamespace(e_1q=1e-4, e_2q=1e-3, e_meas=2e-3)
    >>> b = SimpleNamespace(e_1q=2e-4, e_2q=5e-4, e_meas=1e-3)
    >>> purification_noise(a, b)["gate2_error_b"]
    0.0005
    """
    noise = {}
    for name, qpu, end in (("qpu_a", qpu_a, ""), ("qpu_b", qpu_b, "_b")):
        # None raised AttributeError "'NoneType' object has no attribute 'e_1q'", and a field "0.001" (text) or
        # nan was taken by float() and met only downstream, under the keyword's name, not the QPU's.
        if not all(hasattr(qpu, field) for field in ("e_1q", "e_2q", "e_meas")):
            raise TypeError(f"{name} must be a QPU (with e_1q, e_2q and e_meas), got {written(qpu)}")
        for key, field in (("gate1_error", "e_1q"), ("gate2_error", "e_2q"), ("measure_error", "e_meas")):
            noise[key + end] = probability(f"{name}.{field}", getattr(qpu, field), error=ValueError)
    return {key: noise[key] for key in ("gate1_error", "gate2_error", "measure_error",
                                        "gate1_error_b", "gate2_error_b", "measure_error_b")}  # fmt: skip


_NOISE_KEYS = ("gate1_error", "gate2_error", "measure_error")


def _noise(**given: float | None) -> dict[str, float]:
    """The six noise keywords checked (probabilities), each end's given; node B's default to node A's."""
    out = {k: probability(k, given.get(k, 0.0), error=ValueError) for k in _NOISE_KEYS}
    for k in _NOISE_KEYS:
        b = given.get(k + "_b")
        out[k + "_b"] = out[k] if b is None else probability(k + "_b", b, error=ValueError)
    return out


def _noise_text(noise: dict[str, float]) -> str:
    """The noise as a reason names it: each error once when both ends have it, else both ends'."""

    def one(k: str) -> str:
        a, b = noise[k], noise.get(k + "_b", noise[k])
        return f"{a:g}" if a == b else f"{a:g} / {b:g} at the two ends"

    return (f"two-qubit gate error {one('gate2_error')}, one-qubit {one('gate1_error')}, "
            f"measurement {one('measure_error')}")


def purification_step(
    coeffs: Sequence[float],
    protocol: str = "dejmps",
    *,
    gate1_error: float = 0.0,
    gate2_error: float = 0.0,
    measure_error: float = 0.0,
    gate1_error_b: float | None = None,
    gate2_error_b: float | None = None,
    measure_error_b: float | None = None,
) -> tuple[tuple[float, float, float, float], float]:
    """One symmetric recurrence round on two pairs with Bell-diagonal coefficients ``coeffs``
    (Phi+, Psi+, Psi-, Phi-): (kept pair's coefficients, success probability).

    Without noise this is :func:`dejmps_step`, or :func:`bbpssw_step` on the Phi+ weight, exactly
    as before noise was priced. With noise it is the network layer's noisy round,
    :func:`qnsim.bell_diagonal_purify`, each end with its own errors: depolarize2 with probability
    ``gate2_error`` after each bilateral CNOT (Stim's convention, each of the 15 non-identity
    two-qubit Paulis with ``gate2_error / 15``), depolarize1 with ``gate1_error`` after each
    DEJMPS rotation, and each measured outcome flipped with ``measure_error``. BBPSSW's kept pair
    is twirled back to Werner form, as the noiseless BBPSSW step does.

    Args:
        coeffs: the pairs' Bell-diagonal coefficients (both input pairs alike).
        protocol: ``"dejmps"`` or ``"bbpssw"``.
        gate1_error, gate2_error, measure_error: local error probabilities per operation at one end.
        gate1_error_b, gate2_error_b, measure_error_b: the same at the other end (None: as the first).

    >>> werner = (0.9, 0.1 / 3, 0.1 / 3, 0.1 / 3)
    >>> round(purification_step(werner)[0][0], 6)
    0.926396
    >>> round(purification_step(werner, gate2_error=1e-2, measure_error=1e-2)[0][0], 6) < 0.926396
    True
    """
    protocol = _protocol(protocol)
    # An array as measure_error met `or` below ("truth value of an array is ambiguous"): _noise reads probabilities.
    noise = _noise(gate1_error=gate1_error, gate2_error=gate2_error, measure_error=measure_error,
                   gate1_error_b=gate1_error_b, gate2_error_b=gate2_error_b, measure_error_b=measure_error_b)
    if not any(noise.values()):
        # The noiseless closed forms, kept so that noiseless results stay bit-for-bit as they were.
        if protocol == "bbpssw":
            f, p = bbpssw_step(coeffs[0])
            return (f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3), p
        return dejmps_step(coeffs)
    p, kept = bell_diagonal_purify(coeffs, coeffs, protocol, **noise)
    if protocol == "bbpssw":
        f = float(kept[0])
        return (f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3), p
    return tuple(float(x) for x in kept), p  # type: ignore[return-value]


@dataclasses.dataclass(frozen=True)
class PairStorage:
    """How long a link's pairs wait in memory while they are purified, and how fast they decay.

    Attributes:
        memory_t1_s: amplitude-damping time T1 of the memories, in seconds (both ends alike).
        memory_t2_s: coherence time T2, in seconds (<= 2 T1).
        raw_interval_s: mean time between the link's raw pairs, in seconds (1 / total rate).
        round_latency_s: one-way classical latency of a purification round, in seconds: the kept
            pair waits for the far end's outcome.
        attempt_period_s: the raw pairs come from heralded attempts of this period (seconds), each
            succeeding with probability ``attempt_period_s / raw_interval_s``: gaps are geometric. None:
            gaps are exponential (a Poisson source of mean gap ``raw_interval_s``).
        relay_hop_rates_hz: the raw pairs are a relay route's (:func:`relay_cycle_s`): each gap is one cycle
            of hops making pairs at these rates (Hz) until all hold one; ``raw_interval_s`` is then the
            mean cycle.
        buffer_pairs: the link's buffer under flow control (:func:`flow_controlled_rate_hz`), or None (the
            default): the source is never paused. With a ``round_latency_s``, the rounds' pairs under way hold
            places of the buffer and the source pauses while it is full, so a plan of rounds is priced with the
            raw gap of the flow-controlled rate (:meth:`throttled`) instead of ``raw_interval_s`` (the source's).

    Rule (the recursive scheme keeps one pair waiting per level): a level-k pair is made from two
    level-(k-1) pairs. The first waits for its partner, the time W_{k-1} the level below takes to make
    one (on average ``R_{k-1} raw_interval_s``, ``R`` the expected raw pairs per pair at that level, failed
    rounds included); the partner is used as it arrives. The kept pair then waits ``round_latency_s``
    for the outcome. Both waits decay the pairs by :func:`stored_pair`; a round's inputs are the decayed
    pairs, so more rounds help only while the purification they add outweighs the storage their longer
    waits cost (the waits double with every round).

    Flow control (``buffer_pairs`` and a latency): the raw gap of an r-round plan is that of
    :func:`flow_controlled_rate_hz` at the plan's success probabilities, which the gap itself lowers (a longer
    wait decays the inputs, and decayed inputs succeed less often). The gap is taken at the probabilities of the
    rounds with the source's own gap (the highest, so the slowest rate: success holds places longer per raw pair),
    a bound on the circular figure on the cautious side. Before, every plan was priced at the source's gap: 4
    rounds behind a 4-pair buffer over 1 ms read F 0.94409 where the simulation made 0.93613.

    The wait is random, and the decay is priced as its mean over the wait, E[exp(-2W/T)], not at the mean
    wait (which decays more: Jensen's inequality). The decay being linear in exp(-2W/T) and a round
    bilinear in its two pairs, the mean decayed pair is the exact input of the mean round when the pairs are
    independent. For level 0 the mean is exact for the source (exponential gaps: 1 / (1 + 2 m / T) for a
    mean gap m; geometric attempts: p e^{-aT} / (1 - (1 - p) e^{-aT}); a relay cycle:
    :func:`relay_decay_factor`). For level k + 1 it is p_k phi_k^2 / (1 - (1 - p_k) phi_k^2) from level k's
    phi_k (two level-k pairs per attempt, attempts repeated until one succeeds): that takes the rounds'
    success as independent of how long their input waited, while a round whose input waited less succeeds
    more often, so the successful attempts are shorter than this law says and the priced decay is larger
    than the true one (the estimate errs low). The classical latency of lower rounds, which lets the level
    below start the next pair before the last one arrived, is not counted in the wait (no effect on its mean).

    >>> PairStorage.of(Link((0, 1), rate_hz=1e3, fidelity=0.9, latency_s=1e-4, memory_t2_s=1.0)).raw_interval_s
    0.001
    >>> PairStorage(1.0, 1.0, raw_interval_s=1e-3).wait_factor(2.0)  # 1 / (1 + 2 ms / 1 s)
    0.998003992015968
    """

    memory_t1_s: float
    memory_t2_s: float
    raw_interval_s: float
    round_latency_s: float = 0.0
    attempt_period_s: float | None = None
    relay_hop_rates_hz: tuple[float, ...] = ()
    buffer_pairs: int | None = None

    def __post_init__(self) -> None:
        for name, inf_ok, minimum, exclusive in (
            ("memory_t1_s", True, 0.0, True),
            ("memory_t2_s", True, 0.0, True),
            ("raw_interval_s", False, 0.0, True),
            ("round_latency_s", False, 0.0, False),
        ):
            value = real_number(name, getattr(self, name), minimum=minimum, exclusive_minimum=exclusive,
                                allow_inf=inf_ok, unit="s", error=ValueError)
            object.__setattr__(self, name, value)
        # Decayed with T2 > 2 T1, a pair's dephasing factor exceeded what T1 alone leaves: figures, no word.
        coherence_times("memory_t1_s", self.memory_t1_s, "memory_t2_s", self.memory_t2_s)
        for name in ("memory_t1_s", "memory_t2_s"):
            if math.isinf(2.0 / getattr(self, name)):
                # The decay rate 2 / T is priced: T = 1e-308 s was refused as "decay_hz must be finite", an
                # argument nobody gave.
                raise ValueError(f"{name} = {getattr(self, name):g} s is too small: its decay rate 2 / {name} is "
                                 "beyond a float (1.8e308)")
        if self.attempt_period_s is not None:
            period = real_number("attempt_period_s", self.attempt_period_s, minimum=0.0, exclusive_minimum=True,
                                 maximum=self.raw_interval_s, unit="s", error=ValueError)
            object.__setattr__(self, "attempt_period_s", period)
        hops = _hop_rates(self.relay_hop_rates_hz)
        if hops and self.attempt_period_s is not None:
            raise ValueError("give attempt_period_s (a direct link's attempts) or relay_hop_rates_hz (a relay "
                             "route's hops), not both")
        object.__setattr__(self, "relay_hop_rates_hz", hops)
        if hops:
            _check_route_interval("raw_interval_s", self.raw_interval_s, hops)
        if self.buffer_pairs is not None:
            buffer = integer("buffer_pairs", self.buffer_pairs, minimum=1, maximum=MAX_BUFFER_PAIRS, error=ValueError)
            if hops:
                # A route's gap is its hops' cycle (checked above): a throttled gap would contradict it.
                raise ValueError("buffer_pairs (flow control of a direct link's source) cannot be given with "
                                 "relay_hop_rates_hz (a relay route's pairs come one per cycle of its hops)")
            object.__setattr__(self, "buffer_pairs", buffer)

    @staticmethod
    def of(link: Link) -> PairStorage | None:
        """The storage of ``link``'s pairs during purification, or None when it models no memory.

        The raw pairs' gaps are those of the link's source: a relay route's cycles when the link is one
        (``relay_hop_rates_hz``), geometric attempts when it gives ``success_probability`` and
        ``attempt_period_s`` on one channel, exponential (Poisson) otherwise. Several channels of
        attempts are priced with their mean gap (their superposition is neither; the mean decays most).
        A direct link's source is flow-controlled by its buffer (``buffer_pairs``, :meth:`throttled`); a relay
        route's end buffer is not priced in its gaps (its cycle is its hops').
        """
        if not isinstance(link, Link):  # an AttributeError ("'float' object has no attribute 'models_memory'")
            raise TypeError(f"link must be a qnsim.estimate.Link, got {written(link):.80}")
        if not link.models_memory:
            return None
        interval = 1.0 / link.total_rate_hz
        if link.relay_hop_rates_hz:
            return PairStorage(link.memory_t1_s, link.memory_t2_s, interval, link.latency_s,
                               relay_hop_rates_hz=link.relay_hop_rates_hz)
        if link.attempt_period_s is not None:
            # One channel: geometric gaps. Several: a mean-gap source (an attempt period of the mean gap).
            period = link.attempt_period_s if link.channels == 1 else interval
            return PairStorage(link.memory_t1_s, link.memory_t2_s, interval, link.latency_s,
                               attempt_period_s=min(period, interval), buffer_pairs=link.buffer)
        return PairStorage(link.memory_t1_s, link.memory_t2_s, interval, link.latency_s, buffer_pairs=link.buffer)

    def throttled(self, success_probabilities: Sequence[float]) -> PairStorage:
        """This storage as a plan of rounds of these success probabilities sees it: with flow control
        (``buffer_pairs`` and a ``round_latency_s``), its raw gap that of :func:`flow_controlled_rate_hz` (never
        shorter than ``raw_interval_s``) and no flow control left to apply; otherwise this storage itself.

        >>> fast = PairStorage(0.05, 0.05, raw_interval_s=1e-7, round_latency_s=1e-3, buffer_pairs=4)
        >>> round(fast.throttled([0.9, 0.9]).raw_interval_s * 1e6, 1)  # 4 pairs' places over 1 ms rounds
        135.7
        >>> fast.throttled([]) is fast  # no rounds: nothing under way but the next pair
        True
        """
        if self.buffer_pairs is None or self.round_latency_s == 0 or not success_probabilities:
            return self
        rate = flow_controlled_rate_hz(1.0 / self.raw_interval_s, self.buffer_pairs, success_probabilities,
                                       self.round_latency_s)
        interval = max(self.raw_interval_s, 1.0 / rate)
        if interval == self.raw_interval_s:
            return dataclasses.replace(self, buffer_pairs=None)
        # Heralded attempts keep their period: flow control pauses them, so each gap succeeds less often.
        return dataclasses.replace(self, raw_interval_s=interval, buffer_pairs=None)

    def decay(self, coeffs: Sequence[float], wait_s: float) -> tuple[float, float, float, float]:
        """:func:`stored_pair` in these memories (``wait_s`` in seconds), bit for bit.

        Its checks are skipped where they cannot change the result: the memory times were read when the storage
        was made, and a tuple of four floats in [0, 1] summing to 1 within the tolerance, each within rounding of
        its share, is what its reading of the coefficients returns (a -0.0 as 0.0); anything else takes the full
        :func:`stored_pair`. An event-driven simulation decays a pair at each of its waits, where those checks
        cost more than the decay.
        """
        if type(coeffs) is tuple and len(coeffs) == 4 and type(wait_s) is float and 0.0 <= wait_s < math.inf:
            a, b, c, d = coeffs
            if (type(a) is float and type(b) is float and type(c) is float and type(d) is float
                    and 0.0 <= a <= 1.0 and 0.0 <= b <= 1.0 and 0.0 <= c <= 1.0 and 0.0 <= d <= 1.0
                    and abs(a + b + c + d - 1.0) <= PROBABILITY_TOLERANCE):
                shift = (1.0 - (a + b + c + d)) / 4
                low, high = -_CLIP_SLACK, 1.0 + _CLIP_SLACK
                if (low <= a + shift <= high and low <= b + shift <= high and low <= c + shift <= high
                        and low <= d + shift <= high):
                    pair = (a + 0.0, b + 0.0, c + 0.0, d + 0.0)
                    if wait_s == 0:
                        return pair
                    return _damped(pair, _numerics.exp(-2 * wait_s / self.memory_t2_s),
                                   _numerics.exp(-2 * wait_s / self.memory_t1_s))
        return stored_pair(coeffs, wait_s, self.memory_t1_s, self.memory_t2_s)

    def wait_factor(self, decay_hz: float) -> float:
        """E[exp(-decay_hz W)] for the gap W between two raw pairs (a pair's wait for its first round's
        partner), ``decay_hz`` in 1/s (2 / T for a pair's two halves in memories of time T).

        Raises:
            ValueError: ``decay_hz`` is not a finite number >= 0 (NaN, True and -1 read as factors
                nan, 0.999 and 1.001).
        """
        decay_hz = real_number("decay_hz", decay_hz, minimum=0.0, unit="1/s", error=ValueError)
        m = self.raw_interval_s
        if decay_hz == 0:
            return 1.0
        if self.relay_hop_rates_hz:
            return relay_decay_factor(self.relay_hop_rates_hz, [0.0] * len(self.relay_hop_rates_hz), decay_hz)
        if self.attempt_period_s is not None:
            t = self.attempt_period_s
            p = t / m
            one = _numerics.exp(-decay_hz * t)
            # 1 - (1 - p) e^{-at} written as (1 - e^{-at}) + p e^{-at}: with p and a t below the float's epsilon
            # (attempts of 1e-300 s succeeding with p = 1e-297) the first form is 1 - 1 = 0, a ZeroDivisionError.
            return p * one / (-_numerics.expm1(-decay_hz * t) + p * one)
        return 1.0 / (1.0 + decay_hz * m)

    def mean_decay(self, coeffs: Sequence[float], coherence: float, zz_factor: float) -> tuple[float, ...]:
        """The mean of a pair's decayed state over a random wait, given E[exp(-2W/T2)] (``coherence``) and
        E[exp(-2W/T1)] (``zz_factor``): the decay is linear in them.

        Raises:
            ValueError: ``coeffs`` are not four Bell-diagonal weights (>= 0, summing to 1), or a factor is not a
                number in [0, 1] (each is the mean of exp(-x) for x >= 0). NaN, 2, -1, True and the text "0.5" were
                taken and gave coefficients below 0 or above 1; 10**400 raised OverflowError.
        """
        from qnsim.qec.channels import check_bell_diagonal

        return _damped(
            check_bell_diagonal(coeffs, "coeffs"),
            probability("coherence", coherence, error=ValueError),
            probability("zz_factor", zz_factor, error=ValueError),
        )

    @property
    def decay_hz(self) -> tuple[float, float]:
        """(2 / T2, 2 / T1) in 1/s: the rates at which a stored pair's <XX>, <YY> and its <ZZ> decay."""
        return 2.0 / self.memory_t2_s, 2.0 / self.memory_t1_s


def _check_route_interval(given: str, interval_s: float, hops: Sequence[float]) -> None:
    """Refuses a relay route's pair interval that is not its hops' cycle (:func:`relay_cycle_s`, to 1e-6): the
    interval set the pace and the hops the waits, so Link(rate_hz=1e3, relay_hop_rates_hz=[1, 1]) priced 1 kHz
    pairs with waits of seconds (and [1e9, 1e9] with none), each figure plausible, without a word."""
    cycle = relay_cycle_s(hops)
    if not math.isclose(interval_s, cycle, rel_tol=1e-6):
        what = f"{given} = {1.0 / interval_s:.6g} Hz" if given.startswith("rate") else f"{given} = {interval_s:.6g} s"
        raise ValueError(
            f"{what} does not match relay_hop_rates_hz {written(list(hops))}: a relay route makes one pair per cycle "
            f"of its hops, every {cycle:.6g} s ({1.0 / cycle:.6g} Hz; relay_cycle_s)"
        )


def _hop_rates(rates: Any) -> tuple[float, ...]:
    """A relay route's hop rates (Hz), checked: a sequence of positive finite numbers (empty: no route)."""
    read = real_numbers("relay_hop_rates_hz", rates, minimum=0.0, exclusive_minimum=True, unit="Hz", error=ValueError)
    if read:
        # A period beyond a float: the slowest hop has the longest period, so checking it checks them all (one
        # rate() per hop took ~10 s for 10^6 hops, past the fuzzer's alarm). The first slowest is named.
        slowest = read.index(min(read))
        checked_rate(f"relay_hop_rates_hz[{slowest}]", read[slowest], error=ValueError)
    return read


# A pair whose coherences have decayed by this factor is beyond purification's help: the ceiling
# search stops there (the waits double with every round, so it is reached in a few dozen rounds).
_DECAYED = 1e-30


def _stored_rounds(raw_fidelity: float, protocol: str, noise: dict[str, float], storage: PairStorage, rounds: int):
    """Yields (coefficients, success probability, raw pairs per pair) after each of up to ``rounds``
    recurrence rounds whose input pairs decay in storage (:class:`PairStorage`)."""
    coeffs = _werner(raw_fidelity)
    raw = 1.0
    # E[exp(-2W/T2)] and E[exp(-2W/T1)] over the wait W of this level's first input for its partner.
    coherence, zz_factor = (storage.wait_factor(a) for a in storage.decay_hz)
    for _ in range(rounds):
        waited = _damped(coeffs, coherence, zz_factor)  # storage.mean_decay without its checks: all are ours
        # The network's round on two different pairs: the fresh one kept, the one that waited measured.
        p, kept = bell_diagonal_purify(coeffs, waited, protocol, **noise)
        if protocol == "bbpssw":
            kept = _werner(kept[0])
        coeffs = storage.decay(kept, storage.round_latency_s)
        raw = 2.0 * raw / p
        yield coeffs, p, raw
        if coherence < _DECAYED or not math.isfinite(raw):
            return
        # The next level's pairs take two of this level's per attempt, attempts repeated until one succeeds.
        coherence, zz_factor = (p * f * f / (1.0 - (1.0 - p) * f * f) for f in (coherence, zz_factor))


def _plan_rounds(raw_fidelity: float, protocol: str, noise: dict[str, float], storage: PairStorage, rounds: int):
    """Yields (coefficients, success probabilities, raw pairs per pair) of the plans of 1, 2, .. up to ``rounds``
    rounds in ``storage``: every plan priced in storage goes through here. Without flow control the items of one
    :func:`_stored_rounds` stream. With it (:meth:`PairStorage.throttled`) a plan of k rounds is priced whole at
    its own gap, the flow-controlled rate at the success probabilities of k rounds with the source's gap (the
    cautious side of the circular figure, see :class:`PairStorage`): each of its rounds decays at that gap."""
    free = storage if storage.buffer_pairs is None else dataclasses.replace(storage, buffer_pairs=None)
    probs: tuple[float, ...] = ()
    for coeffs, p, raw in _stored_rounds(raw_fidelity, protocol, noise, free, rounds):
        probs += (p,)
        paused = _paused_plan(raw_fidelity, protocol, noise, storage, free, probs)
        if paused is None:  # Decayed beyond purification's help before this round (_DECAYED).
            return
        yield (coeffs, probs, raw) if paused is _UNPAUSED else paused


_UNPAUSED = object()  # _paused_plan's "the source is not paused: the free plan is the plan"


def _paused_plan(raw_fidelity: float, protocol: str, noise: dict[str, float], storage: PairStorage,
                 free: PairStorage, probs: tuple[float, ...]):
    """The plan of ``len(probs)`` rounds (the free plan's success probabilities ``probs``) priced whole at its own
    flow-controlled gap (:meth:`PairStorage.throttled`), as (coefficients, success probabilities, raw pairs per
    pair); ``_UNPAUSED`` when that gap is ``free``'s (the free plan stands), None when the paused plan decays
    beyond purification's help before its last round."""
    slowed = storage.throttled(probs)
    if slowed.raw_interval_s == free.raw_interval_s:
        return _UNPAUSED
    k = len(probs)
    plan = tuple(_stored_rounds(raw_fidelity, protocol, noise, slowed, k))
    if len(plan) < k:
        return None
    return plan[-1][0], tuple(item[1] for item in plan), plan[-1][2]


def _stored_ceiling(
    raw_fidelity: float, protocol: str, noise: dict[str, float], storage: PairStorage
) -> tuple[float, int]:
    """(best fidelity, rounds that reach it) of purification with storage decay: the waits grow with
    every round, so the best is found within a bounded number of rounds."""
    return _stored_ceiling_of(raw_fidelity, protocol, tuple(sorted(noise.items())), storage)


@functools.lru_cache(maxsize=4096)
def _stored_ceiling_of(
    raw_fidelity: float, protocol: str, noise_items: tuple[tuple[str, float], ...], storage: PairStorage
) -> tuple[float, int]:
    # Cached: the error-corrected estimate asks again for every code distance and pace it tries, and each
    # re-estimate that checks a fix asks the same of the links it leaves as they are (up to 256 rounds each).
    noise = dict(noise_items)
    best, best_rounds = raw_fidelity, 0
    if storage.buffer_pairs is None or storage.round_latency_s == 0:
        for k, (coeffs, _p, _raw) in enumerate(_stored_rounds(raw_fidelity, protocol, noise, storage, 256), 1):
            if coeffs[0] > best:
                best, best_rounds = coeffs[0], k
        return best, best_rounds
    # Flow control: a plan of k rounds is priced whole at its own gap (_plan_rounds), k rounds each. Its pairs wait
    # at least as long as with the source's own gap, so that plan's F bounds it above: a k whose unpaused plan does
    # not beat the best found is not priced (the count past the unpaused peak, where the waits double, in a few
    # rounds; before, all 256 at up to 256 rounds each took 0.4 s of the shipped example's estimate).
    free = dataclasses.replace(storage, buffer_pairs=None)
    probs: tuple[float, ...] = ()
    for k, (coeffs, p, _raw) in enumerate(_stored_rounds(raw_fidelity, protocol, noise, free, 256), 1):
        probs += (p,)
        if coeffs[0] <= best:
            continue
        paused = _paused_plan(raw_fidelity, protocol, noise, storage, free, probs)
        if paused is None:  # decayed before its k-th round: no plan of k rounds
            continue
        f = coeffs[0] if paused is _UNPAUSED else paused[0][0]
        if f > best:
            best, best_rounds = f, k
    return best, best_rounds


def purification_ceiling(
    raw_fidelity: float,
    protocol: str = "dejmps",
    *,
    gate1_error: float = 0.0,
    gate2_error: float = 0.0,
    measure_error: float = 0.0,
    storage: PairStorage | None = None,
    gate1_error_b: float | None = None,
    gate2_error_b: float | None = None,
    measure_error_b: float | None = None,
) -> float:
    """The highest fidelity recurrence purification reaches from Werner pairs of ``raw_fidelity``
    with this local noise (error probabilities per operation, as in :func:`purification_step`)
    and, given ``storage``, the decay of the pairs that wait in memory during the rounds.

    Noisy rounds converge to a fixed point below 1. The rounds are run until the pair's
    coefficients stop changing (at most 10^4 rounds) and the best fidelity on the way is the
    ceiling: not the first round that fails to improve, because a noisy DEJMPS round can lower
    a Werner pair's fidelity before later rounds raise it (its output is not Werner). Without
    noise the ceiling is 1 for ``raw_fidelity`` > 1/2 (and the raw fidelity otherwise).

    With ``storage`` (:class:`PairStorage`) each round's input pairs decay for their waits, which
    double with every round: the ceiling is the best fidelity any number of rounds reaches, and
    beyond it more rounds make pairs worse.

    >>> purification_ceiling(0.9)
    1.0
    >>> round(purification_ceiling(0.9, gate2_error=1e-3, measure_error=1e-3), 6)
    0.998651
    >>> slow = PairStorage(memory_t1_s=1.0, memory_t2_s=1.0, raw_interval_s=1e-3)  # 1 kHz, 1 s memories
    >>> round(purification_ceiling(0.9, storage=slow), 6)  # after 3 rounds; the 4th's input would wait 11 ms
    0.9961
    """
    # float() read True as 1 and raised OverflowError on 10**400; the protocol reached the cache unhashed.
    raw_fidelity = probability("raw_fidelity", raw_fidelity, error=ValueError)
    protocol = _protocol(protocol)
    noise = _noise(gate1_error=gate1_error, gate2_error=gate2_error, measure_error=measure_error,
                   gate1_error_b=gate1_error_b, gate2_error_b=gate2_error_b, measure_error_b=measure_error_b)
    if storage is not None:
        return _stored_ceiling(raw_fidelity, protocol, noise, _storage(storage))[0]
    return _ceiling(raw_fidelity, protocol, tuple(sorted(noise.items())))


def _storage(storage: object) -> PairStorage:
    """``storage`` checked to be a :class:`PairStorage`: anything else failed deep in the rounds with an
    AttributeError ("'int' object has no attribute 'wait_factor'") or a TypeError about hashing."""
    if not isinstance(storage, PairStorage):
        raise TypeError(f"storage must be a qnsim.estimate.PairStorage (or None: no decay), got {written(storage)}")
    return storage


def _protocol(protocol: object) -> str:
    if not isinstance(protocol, str) or protocol not in ("dejmps", "bbpssw"):
        raise ValueError(f"protocol must be 'dejmps' or 'bbpssw', got {written(protocol)}")
    return protocol


@functools.lru_cache(maxsize=4096)
def _ceiling(raw_fidelity: float, protocol: str, noise_items: tuple[tuple[str, float], ...]) -> float:
    # Cached: the error-corrected estimate asks again for every code distance it tries.
    noise = dict(noise_items)
    if not any(noise.values()):
        return 1.0 if raw_fidelity > 0.5 else raw_fidelity
    f = raw_fidelity
    coeffs: tuple[float, ...] = (f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3)
    best = f
    for _ in range(10_000):
        nxt, _p = purification_step(coeffs, protocol, **noise)
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
        coefficients: the delivered pair's Bell-diagonal coefficients (Phi+, Psi+, Psi-, Phi-) as the
            rounds with storage tracked them; without storage, the Werner pair of ``fidelity``.

    >>> purification_plan(0.95, 0.99).rounds
    2
    """

    rounds: int
    fidelity: float
    raw_per_pair: float
    success_probabilities: tuple[float, ...]
    feasible: bool
    reason: str = ""
    coefficients: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        # Checked as every argument is (a plan is public and made by hand too): fidelity=10**400 raised OverflowError
        # from the Werner coefficients, and a string, NaN or a negative count was kept as a plan without a word.
        object.__setattr__(self, "rounds", integer("rounds", self.rounds, minimum=0, error=ValueError))
        object.__setattr__(self, "fidelity", _rounded_probability("fidelity", self.fidelity))
        raw = real_number("raw_per_pair", self.raw_per_pair, minimum=1.0, allow_inf=True, error=ValueError)
        object.__setattr__(self, "raw_per_pair", raw)
        if not isinstance(self.success_probabilities, (list, tuple, np.ndarray)):
            raise TypeError(f"success_probabilities must be a list of probabilities, got "
                            f"{written(self.success_probabilities)}")
        probs = tuple(_rounded_probability(f"success_probabilities[{i}]", p)
                      for i, p in enumerate(self.success_probabilities))
        object.__setattr__(self, "success_probabilities", probs)
        object.__setattr__(self, "feasible", flag("feasible", self.feasible))
        if not isinstance(self.reason, str):
            raise TypeError(f"reason must be a string, got {written(self.reason)}")
        if not self.coefficients:  # Werner unless the rounds said otherwise.
            object.__setattr__(self, "coefficients", _werner(self.fidelity))
        else:
            # Checked, but kept as given: the rounds' own figures are the estimate's, to the last bit.
            bell_coefficients("coefficients", self.coefficients, error=ValueError)
            object.__setattr__(self, "coefficients", tuple(float(c) for c in self.coefficients))


def _rounded_probability(name: str, value: object) -> float:
    """``value`` as a probability in [0, 1] within :data:`PROBABILITY_TOLERANCE` (a round's own figures may lie a
    rounding error outside), kept as given."""
    number = real_number(name, value, error=ValueError)
    if not -PROBABILITY_TOLERANCE <= number <= 1.0 + PROBABILITY_TOLERANCE:
        raise ValueError(f"{name} must be a probability in [0, 1], got {shown(value)}")
    return number


#: The fix of raw pairs no purification distils (F <= 1/2; checked by the estimator: before, the reason had none).
SEPARABLE_RAW_FIX = "a better raw link (raw pairs above F = 0.5)"
#: The fix of a target above what purification with the QPUs' gates reaches (checked by the estimator).
CEILING_FIX = "lower gate and measurement errors, or a better raw link"
#: The fix of a target above what purification reaches while the pairs wait (checked by the estimator).
STORED_CEILING_FIX = ("memories that live longer (T1, T2), shorter classical latency (links), a faster link (more "
                      "channels) or a lower needed fidelity")


#: Rounds :func:`purification_plan` tries when no ``max_rounds`` is given (each doubles the raw cost at least).
_DEFAULT_MAX_ROUNDS = 12


def purification_plan(
    raw_fidelity: float,
    target_fidelity: float | None,
    protocol: str = "dejmps",
    max_rounds: int | None = None,
    *,
    gate1_error: float = 0.0,
    gate2_error: float = 0.0,
    measure_error: float = 0.0,
    storage: PairStorage | None = None,
    gate1_error_b: float | None = None,
    gate2_error_b: float | None = None,
    measure_error_b: float | None = None,
    min_rounds: int = 0,
) -> PurificationPlan:
    """Fewest recurrence rounds (at least ``min_rounds``) that lift Werner pairs of ``raw_fidelity`` to
    ``target_fidelity``.

    Args:
        raw_fidelity: link pair fidelity (Werner form).
        target_fidelity: needed fidelity, or None for raw pairs.
        protocol: ``"dejmps"`` (Deutsch et al. 1996) or ``"bbpssw"`` (Bennett et al. 1996).
        max_rounds: give up after this many rounds (each doubles the raw cost at least), at least ``min_rounds``;
            None: 12, or ``min_rounds`` when that is more.
        gate1_error, gate2_error, measure_error: the purifying QPUs' local error probabilities
            per operation at one end (see :func:`purification_step`; :func:`purification_noise` gives
            them for two QPUs). All zero = ideal local operations.
        gate1_error_b, gate2_error_b, measure_error_b: the same at the other end (None: as the first).
        storage: the pairs' storage during the rounds (:class:`PairStorage`, e.g.
            ``PairStorage.of(link)``); None: pairs do not decay while they wait.
        min_rounds: run at least this many rounds (a target_fidelity is then required): pairs that decay in a
            buffer after they are made may need more rounds than reaching the target when made takes, as
            :func:`~qnsim.estimate.estimate` prices them (:func:`~qnsim.estimate.operated_purification_rounds`).

    A target above what the noisy rounds can ever reach (:func:`purification_ceiling`, with the
    storage decay when ``storage`` is given) is infeasible, and the reason says what would fix it.
    With storage, the rounds are the fewest that reach the target with the decay: more rounds
    are never priced as helping when their longer waits cost more than they purify.

    >>> plan = purification_plan(0.9, 0.99)
    >>> plan.rounds, round(plan.fidelity, 4), round(plan.raw_per_pair, 2)
    (3, 0.9991, 10.76)
    >>> purification_plan(0.5, 0.9).feasible
    False
    >>> purification_plan(0.9, 1 - 1e-9, gate2_error=1e-3, measure_error=1e-3).feasible
    False
    >>> slow = PairStorage(memory_t1_s=1.0, memory_t2_s=1.0, raw_interval_s=1e-3)
    >>> plan = purification_plan(0.9, 0.99, storage=slow)
    >>> plan.rounds, round(plan.fidelity, 4)  # the third round's waiting input waits 5.3 ms on average
    (3, 0.9961)
    >>> purification_plan(0.9, 0.9995, storage=slow).reason[-60:]
    's), a faster link (more channels) or a lower needed fidelity'
    """
    if protocol not in ("dejmps", "bbpssw"):
        raise ValueError(f"protocol must be 'dejmps' or 'bbpssw', got {written(protocol)}")
    # Both fidelities are checked before the early return below: True, -1 or NaN are not
    # targets that raw pairs "already reach".
    raw_fidelity = probability("raw_fidelity", raw_fidelity, error=ValueError)
    if target_fidelity is not None:
        target_fidelity = probability("target_fidelity", target_fidelity, error=ValueError)
    min_rounds = integer("min_rounds", min_rounds, minimum=0, maximum=64, error=ValueError)
    if max_rounds is None:
        max_rounds = max(_DEFAULT_MAX_ROUNDS, min_rounds)
    else:
        max_rounds = integer("max_rounds", max_rounds, minimum=1, maximum=64, error=ValueError)
        if min_rounds > max_rounds:
            # max_rounds was raised to min_rounds without a word: max_rounds=3, min_rounds=5 planned 5 rounds.
            raise ValueError(f"min_rounds={min_rounds} is more than max_rounds={max_rounds}: give max_rounds >= "
                             "min_rounds, or leave max_rounds out")  # fmt: skip
    if min_rounds and target_fidelity is None:
        raise ValueError(f"min_rounds={min_rounds} needs a target_fidelity (None: raw pairs, no rounds)")
    noise = _noise(gate1_error=gate1_error, gate2_error=gate2_error, measure_error=measure_error,
                   gate1_error_b=gate1_error_b, gate2_error_b=gate2_error_b, measure_error_b=measure_error_b)
    noisy = any(noise.values())
    if target_fidelity is None or (raw_fidelity >= target_fidelity and not min_rounds):
        return PurificationPlan(0, raw_fidelity, 1.0, (), True)
    if not 0.25 <= target_fidelity <= 1:
        raise ValueError(f"target_fidelity must be in [0.25, 1], got {written(target_fidelity)}")
    if raw_fidelity <= 0.5:
        return PurificationPlan(
            0,
            raw_fidelity,
            math.inf,
            (),
            False,
            f"raw fidelity {distinct_digits(raw_fidelity, 0.5)} <= 0.5 can never be purified to "
            f"{distinct_digits(target_fidelity, 1.0)}; fix: "
            + SEPARABLE_RAW_FIX,
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
                f"raw fidelity {distinct_digits(raw_fidelity, 0.5, target_fidelity)} cannot be purified to "
                f"{target_fidelity:.10g} with the QPUs' local "
                f"noise ({_noise_text(noise)}): {protocol} rounds with these gates reach at most "
                f"{ceiling:.6g}; fix: " + CEILING_FIX,
            )
    if storage is not None:
        return _stored_plan(raw_fidelity, target_fidelity, protocol, max_rounds, noise, _storage(storage), min_rounds)
    f = raw_fidelity
    coeffs: tuple[float, ...] = (f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3)
    raw = 1.0
    probs: list[float] = []
    for k in range(1, max_rounds + 1):
        coeffs, p = purification_step(coeffs, protocol, **noise)
        f = coeffs[0]
        raw = 2.0 * raw / p
        probs.append(p)
        if f >= target_fidelity and k >= min_rounds:
            return PurificationPlan(k, f, raw, tuple(probs), True)
    return PurificationPlan(
        max_rounds,
        f,
        math.inf,
        tuple(probs),
        False,
        f"raw fidelity {distinct_digits(raw_fidelity, 0.5, target_fidelity)} reaches only "
        f"{distinct_digits(f, target_fidelity, raw_fidelity)} "
        f"after {max_rounds} purification rounds, short of {distinct_digits(target_fidelity, 1.0, f)}",
    )


def _stored_plan(
    raw_fidelity: float, target: float, protocol: str, max_rounds: int, noise: dict[str, float], storage: PairStorage,
    min_rounds: int = 0,
) -> PurificationPlan:
    """:func:`purification_plan` with storage decay inside the rounds (see :class:`PairStorage`)."""
    ceiling, best_rounds = _stored_ceiling(raw_fidelity, protocol, noise, storage)
    if ceiling < target:
        gates = (
            f", {_noise_text(noise)}"
            if any(noise.values())
            else ""
        )
        return PurificationPlan(
            0,
            raw_fidelity,
            math.inf,
            (),
            False,
            f"raw fidelity {distinct_digits(raw_fidelity, 0.5, target)} cannot be purified to {target:.10g} while "
            "its pairs wait in memory "
            f"(T1 = {storage.memory_t1_s:g} s, T2 = {storage.memory_t2_s:g} s, a raw pair every "
            f"{storage.raw_interval_s:.3g} s, {storage.round_latency_s:.3g} s latency per round{gates}): {protocol} "
            f"rounds reach at most {ceiling:.6g} (after {best_rounds} rounds; more rounds make pairs worse, their "
            "partners take longer to make); fix: " + STORED_CEILING_FIX,
        )
    probs: tuple[float, ...] = ()
    f = raw_fidelity
    for k, (coeffs, probs, raw) in enumerate(_plan_rounds(raw_fidelity, protocol, noise, storage, max_rounds), 1):
        f = coeffs[0]
        if f >= target and k >= min_rounds:
            return PurificationPlan(k, f, raw, probs, True, "", coeffs)
    return PurificationPlan(
        len(probs),
        f,
        math.inf,
        tuple(probs),
        False,
        f"raw fidelity {distinct_digits(raw_fidelity, 0.5, target)} reaches only "
        f"{distinct_digits(f, target, raw_fidelity)} after {len(probs)} purification rounds (with storage decay), "
        f"short of {distinct_digits(target, 1.0, f)}",
    )
