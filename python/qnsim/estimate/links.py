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

import dataclasses
import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from qnsim.argument_checks import integer, is_integer, is_real_number, probability, real_number
from qnsim.link_models import bbpssw, dejmps
from qnsim.primitives import bell_diagonal_purify

__all__ = [
    "DEFAULT_BUFFER_PAIRS",
    "Link",
    "PairStorage",
    "PurificationPlan",
    "bbpssw_step",
    "dejmps_step",
    "link_from_model",
    "purification_ceiling",
    "purification_noise",
    "purification_plan",
    "purification_step",
    "stored_fidelity",
    "stored_pair",
]


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
        buffer_pairs: distilled-pair memories per end for buffering (``None``: the default,
            :data:`DEFAULT_BUFFER_PAIRS`). Generation pauses while they are full, and a pair waits in
            them first in, first out: the estimate and :func:`~qnsim.estimate.simulate_execution` take
            the same number.
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
    notes: tuple[str, ...] = dataclasses.field(default=(), compare=False)

    def __post_init__(self) -> None:
        pair = self.qpus
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise ValueError(f"qpus must be a pair of QPU indices, got {pair!r}")
        if not all(is_integer(x) for x in pair):
            raise ValueError(f"qpus must be a pair of integer QPU indices, got {pair!r}")
        a, b = (int(x) for x in pair)
        if a == b or a < 0 or b < 0:
            raise ValueError(f"a link joins two different QPUs (indices >= 0), got qpus={self.qpus!r}")
        object.__setattr__(self, "qpus", (a, b))
        if isinstance(self.notes, str) or not all(isinstance(n, str) for n in self.notes):
            raise ValueError(f"notes must be a sequence of texts, got {self.notes!r}")
        object.__setattr__(self, "notes", tuple(self.notes))
        # The package's one reading of numbers (qnsim.argument_checks), with the estimator's one
        # exception class for bad input: NumPy scalars are numbers, bools and text are not.
        number = functools.partial(real_number, error=ValueError)
        count = functools.partial(integer, error=ValueError)
        read = {
            "rate_hz": number("rate_hz", self.rate_hz, minimum=0.0, exclusive_minimum=True, unit="Hz"),
            "fidelity": number("fidelity", self.fidelity, minimum=0.25, maximum=1.0),
            "latency_s": number("latency_s", self.latency_s, minimum=0.0, unit="s"),
            "channels": count("channels", self.channels, minimum=1, maximum=10**9),
            # inf: storage decay not modelled.
            "memory_t1_s": number("memory_t1_s", self.memory_t1_s, minimum=0.0, exclusive_minimum=True,
                                  allow_inf=True, unit="s"),
            "memory_t2_s": number("memory_t2_s", self.memory_t2_s, minimum=0.0, exclusive_minimum=True,
                                  allow_inf=True, unit="s"),
        }
        if self.buffer_pairs is not None:
            read["buffer_pairs"] = count("buffer_pairs", self.buffer_pairs, minimum=1)
        for name, v in read.items():
            object.__setattr__(self, name, v)
        if self.memory_t2_s > 2 * self.memory_t1_s:
            hint = " (memory_t2_s defaults to inf: give it with memory_t1_s)" if math.isinf(self.memory_t2_s) else ""
            raise ValueError(
                f"memory_t2_s must be <= 2 * memory_t1_s = {2 * self.memory_t1_s:g} s, got {self.memory_t2_s:g} s{hint}"
            )
        if (self.success_probability is None) != (self.attempt_period_s is None):
            raise ValueError("give both success_probability and attempt_period_s, or neither")
        if self.success_probability is not None:
            p = number("success_probability", self.success_probability, minimum=0.0, exclusive_minimum=True, maximum=1)
            t = number("attempt_period_s", self.attempt_period_s, minimum=0.0, exclusive_minimum=True, unit="s")
            if not math.isclose(p / t, self.rate_hz, rel_tol=1e-6):
                raise ValueError(
                    f"rate_hz={self.rate_hz!r} does not match success_probability/attempt_period_s={p / t!r}"
                )
            object.__setattr__(self, "success_probability", p)
            object.__setattr__(self, "attempt_period_s", t)

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
        notes=tuple(getattr(model, "notes", ())),
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
    number = functools.partial(real_number, error=ValueError)
    wait_s = number("wait_s", wait_s, minimum=0.0, unit="s")
    t1_s = number("t1_s", t1_s, minimum=0.0, exclusive_minimum=True, allow_inf=True, unit="s")
    t2_s = number("t2_s", t2_s, minimum=0.0, exclusive_minimum=True, allow_inf=True, unit="s")
    if t2_s > 2 * t1_s:
        raise ValueError(f"t2_s must be <= 2 * t1_s = {2 * t1_s:g} s, got {t2_s:g} s")
    a, b, c, d = (float(x) for x in coeffs)
    if wait_s == 0:
        return (a, b, c, d)
    # Bell-stabilizer expectations: <XX>, <ZZ> and -<YY> (Phi+ = I, Psi+ = X, Psi- = Y, Phi- = Z).
    coherence = math.exp(-2 * wait_s / t2_s)
    xx = (a + b - c - d) * coherence
    yy = (a - b + c - d) * coherence
    zz = (a - b - c + d) * math.exp(-2 * wait_s / t1_s)
    return ((1 + xx + zz + yy) / 4, (1 + xx - zz - yy) / 4, (1 - xx - zz + yy) / 4, (1 - xx + zz - yy) / 4)


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
    fidelity = real_number("fidelity", fidelity, minimum=0.0, maximum=1.0, error=ValueError)
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
    return {
        "gate1_error": float(qpu_a.e_1q),
        "gate2_error": float(qpu_a.e_2q),
        "measure_error": float(qpu_a.e_meas),
        "gate1_error_b": float(qpu_b.e_1q),
        "gate2_error_b": float(qpu_b.e_2q),
        "measure_error_b": float(qpu_b.e_meas),
    }


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

    Rule (the recursive scheme keeps one pair waiting per level): a level-k pair is made from two
    level-(k-1) pairs. The first waits for its partner, which takes the partner's expected supply
    time ``R_{k-1} raw_interval_s`` (``R`` the expected raw pairs per pair at that level, failed
    rounds included); the partner is used as it arrives. The kept pair then waits
    ``round_latency_s`` for the outcome. Both waits decay the pairs by :func:`stored_pair`, so a
    round's inputs are the decayed pairs and more rounds help only while the purification they add
    outweighs the storage their longer waits cost (the waits double with every round).

    >>> PairStorage.of(Link((0, 1), rate_hz=1e3, fidelity=0.9, latency_s=1e-4, memory_t2_s=1.0)).raw_interval_s
    0.001
    """

    memory_t1_s: float
    memory_t2_s: float
    raw_interval_s: float
    round_latency_s: float = 0.0

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
        if self.memory_t2_s > 2 * self.memory_t1_s:
            raise ValueError(f"memory_t2_s must be <= 2 * memory_t1_s = {2 * self.memory_t1_s:g} s, "
                             f"got {self.memory_t2_s:g} s")

    @staticmethod
    def of(link: Link) -> PairStorage | None:
        """The storage of ``link``'s pairs during purification, or None when it models no memory."""
        if not link.models_memory:
            return None
        return PairStorage(link.memory_t1_s, link.memory_t2_s, 1.0 / link.total_rate_hz, link.latency_s)

    def decay(self, coeffs: Sequence[float], wait_s: float) -> tuple[float, float, float, float]:
        """:func:`stored_pair` in these memories."""
        return stored_pair(coeffs, wait_s, self.memory_t1_s, self.memory_t2_s)


# A pair whose coherences have decayed by this factor is beyond purification's help: the ceiling
# search stops there (the waits double with every round, so it is reached in a few dozen rounds).
_DECAYED = 1e-30


def _stored_rounds(raw_fidelity: float, protocol: str, noise: dict[str, float], storage: PairStorage, rounds: int):
    """Yields (coefficients, success probability, raw pairs per pair) after each of up to ``rounds``
    recurrence rounds whose input pairs decay in storage (:class:`PairStorage`)."""
    coeffs = _werner(raw_fidelity)
    raw = 1.0
    for _ in range(rounds):
        waited_s = raw * storage.raw_interval_s
        waited = storage.decay(coeffs, waited_s)
        # The network's round on two different pairs: the fresh one kept, the one that waited measured.
        p, kept = bell_diagonal_purify(coeffs, waited, protocol, **noise)
        if protocol == "bbpssw":
            kept = _werner(kept[0])
        coeffs = storage.decay(kept, storage.round_latency_s)
        raw = 2.0 * raw / p
        yield coeffs, p, raw
        if math.exp(-2 * waited_s / storage.memory_t2_s) < _DECAYED or not math.isfinite(raw):
            return


def _stored_ceiling(
    raw_fidelity: float, protocol: str, noise: dict[str, float], storage: PairStorage
) -> tuple[float, int]:
    """(best fidelity, rounds that reach it) of purification with storage decay: the waits grow with
    every round, so the best is found within a bounded number of rounds."""
    best, best_rounds = raw_fidelity, 0
    for k, (coeffs, _p, _raw) in enumerate(_stored_rounds(raw_fidelity, protocol, noise, storage, 256), 1):
        if coeffs[0] > best:
            best, best_rounds = coeffs[0], k
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
    >>> round(purification_ceiling(0.9, storage=slow), 6)  # after 3 rounds; the 4th's inputs waited 11 ms
    0.996095
    """
    # float() read True as 1 and raised OverflowError on 10**400; the protocol reached the cache unhashed.
    raw_fidelity = probability("raw_fidelity", raw_fidelity, error=ValueError)
    protocol = _protocol(protocol)
    noise = _noise(gate1_error=gate1_error, gate2_error=gate2_error, measure_error=measure_error,
                   gate1_error_b=gate1_error_b, gate2_error_b=gate2_error_b, measure_error_b=measure_error_b)
    if storage is not None:
        return _stored_ceiling(raw_fidelity, protocol, noise, storage)[0]
    return _ceiling(raw_fidelity, protocol, tuple(sorted(noise.items())))


def _protocol(protocol: object) -> str:
    if not isinstance(protocol, str) or protocol not in ("dejmps", "bbpssw"):
        raise ValueError(f"protocol must be 'dejmps' or 'bbpssw', got {protocol!r}")
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
        if not self.coefficients:  # Werner unless the rounds said otherwise.
            object.__setattr__(self, "coefficients", _werner(self.fidelity))


def purification_plan(
    raw_fidelity: float,
    target_fidelity: float | None,
    protocol: str = "dejmps",
    max_rounds: int = 12,
    *,
    gate1_error: float = 0.0,
    gate2_error: float = 0.0,
    measure_error: float = 0.0,
    storage: PairStorage | None = None,
    gate1_error_b: float | None = None,
    gate2_error_b: float | None = None,
    measure_error_b: float | None = None,
) -> PurificationPlan:
    """Fewest recurrence rounds that lift Werner pairs of ``raw_fidelity`` to ``target_fidelity``.

    Args:
        raw_fidelity: link pair fidelity (Werner form).
        target_fidelity: needed fidelity, or None for raw pairs.
        protocol: ``"dejmps"`` (Deutsch et al. 1996) or ``"bbpssw"`` (Bennett et al. 1996).
        max_rounds: give up after this many rounds (each doubles the raw cost at least).
        gate1_error, gate2_error, measure_error: the purifying QPUs' local error probabilities
            per operation at one end (see :func:`purification_step`; :func:`purification_noise` gives
            them for two QPUs). All zero = ideal local operations.
        gate1_error_b, gate2_error_b, measure_error_b: the same at the other end (None: as the first).
        storage: the pairs' storage during the rounds (:class:`PairStorage`, e.g.
            ``PairStorage.of(link)``); None: pairs do not decay while they wait.

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
    >>> plan.rounds, round(plan.fidelity, 4)  # the third round's waiting input waited 5.3 ms
    (3, 0.9961)
    >>> purification_plan(0.9, 0.9995, storage=slow).reason[-60:]
    's), a faster link (more channels) or a lower needed fidelity'
    """
    if protocol not in ("dejmps", "bbpssw"):
        raise ValueError(f"protocol must be 'dejmps' or 'bbpssw', got {protocol!r}")
    # Both fidelities are checked before the early return below: True, -1 or NaN are not
    # targets that raw pairs "already reach".
    raw_fidelity = probability("raw_fidelity", raw_fidelity, error=ValueError)
    if target_fidelity is not None:
        target_fidelity = probability("target_fidelity", target_fidelity, error=ValueError)
    integer("max_rounds", max_rounds, minimum=1, maximum=64, error=ValueError)
    noise = _noise(gate1_error=gate1_error, gate2_error=gate2_error, measure_error=measure_error,
                   gate1_error_b=gate1_error_b, gate2_error_b=gate2_error_b, measure_error_b=measure_error_b)
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
                f"noise ({_noise_text(noise)}): {protocol} rounds with these gates reach at most "
                f"{ceiling:.6g}; fix: lower gate and measurement errors, or a better raw link",
            )
    if storage is not None:
        return _stored_plan(raw_fidelity, target_fidelity, protocol, max_rounds, noise, storage)
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


def _stored_plan(
    raw_fidelity: float, target: float, protocol: str, max_rounds: int, noise: dict[str, float], storage: PairStorage
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
            f"raw fidelity {raw_fidelity:g} cannot be purified to {target:.10g} while its pairs wait in memory "
            f"(T1 = {storage.memory_t1_s:g} s, T2 = {storage.memory_t2_s:g} s, a raw pair every "
            f"{storage.raw_interval_s:.3g} s, {storage.round_latency_s:.3g} s latency per round{gates}): {protocol} "
            f"rounds reach at most {ceiling:.6g} (after {best_rounds} rounds; more rounds make pairs worse, their "
            "partners take longer to make); fix: memories that live longer (T1, T2), shorter classical latency "
            "(links), a faster link (more channels) or a lower needed fidelity",
        )
    probs: list[float] = []
    f = raw_fidelity
    for k, (coeffs, p, raw) in enumerate(_stored_rounds(raw_fidelity, protocol, noise, storage, max_rounds), 1):
        f = coeffs[0]
        probs.append(p)
        if f >= target:
            return PurificationPlan(k, f, raw, tuple(probs), True, "", coeffs)
    return PurificationPlan(
        len(probs),
        f,
        math.inf,
        tuple(probs),
        False,
        f"raw fidelity {raw_fidelity:g} reaches only {f:.6g} after {len(probs)} purification rounds (with storage "
        f"decay), short of {target:g}",
    )
