"""QPU models: capacity, gate times and errors, presets, and the surface-code model.

The presets are the gate-based physical qubit parameter sets of the Azure Quantum Resource
Estimator (Beverland et al., arXiv:2211.07629; Microsoft Learn, "target parameters of the
resource estimator"):

====================  ==================  ============  ==================  ==========
preset                1q / 2q / T gate    measurement   Clifford error      T error
====================  ==================  ============  ==================  ==========
qubit_gate_ns_e3      50 ns               100 ns        1e-3                1e-3
qubit_gate_ns_e4      50 ns               100 ns        1e-4                1e-4
qubit_gate_us_e3      100 us              100 us        1e-3                1e-6
qubit_gate_us_e4      100 us              100 us        1e-4                1e-6
====================  ==================  ============  ==================  ==========

The surface-code model is the estimator's gate-based one: logical error per logical cycle
``a (p / p*)^((d+1)/2)`` with a = 0.03 and p* = 0.01, ``2 d^2`` physical qubits per logical
qubit and a logical cycle of ``(4 t_2q + 2 t_meas) d``.

Not modeled: the estimator's Majorana (measurement-based) qubits ``qubit_maj_ns_e4`` and
``qubit_maj_ns_e6`` and its Floquet code; a separate idle error (the estimator's default, idle error =
measurement error, is what the model assumes). Code distances go up to ``SurfaceCode.max_distance``
(101), where the estimator stops at 50 (docs: concepts, "Where the estimator differs from Azure's QRE").
"""

from __future__ import annotations

import dataclasses
import decimal
import functools
import math
from typing import Any

from qnsim.argument_checks import (
    MAX_DISTANCE,
    integer,
    label,
    ordered_sequence,
    probability,
    real_number,
    shown,
    written,
)

__all__ = [
    "PRESETS",
    "QPU",
    "SurfaceCode",
    "MAX_CROSSING_PREFACTOR",
    "check_code_distance",
    "check_crossing_prefactor",
    "check_qpu",
    "check_qpus",
    "preset",
    "surface_code_error",
]


def check_code_distance(d: object) -> int:
    """``d`` as a code distance: an integer >= 0 (0: no code, the physical level the T factories' search
    starts from; ValueError otherwise). The surface-code formulas took any
    value: d = True read as 1, NaN or a complex number gave a rate without a word, 10**400 raised
    OverflowError, and a negative d never ended (the repeated squaring halves its exponent towards -1).

    Example:
        >>> check_code_distance(21)
        21
        >>> check_code_distance(-3)
        Traceback (most recent call last):
        ...
        ValueError: d must be in [0, 2**31], got -3
    """
    return integer("d", d, minimum=0, maximum=MAX_CODE_DISTANCE, error=ValueError)


#: Largest code distance the formulas take (``d``): far beyond any estimate's ``max_distance`` (at most
#: :data:`qnsim.argument_checks.MAX_DISTANCE`),
#: and small enough that ``2 d^2`` qubits and ``(4 t_2q + 2 t_meas) d`` seconds stay floats.
MAX_CODE_DISTANCE = 2**31


#: Largest crossing prefactor ``a``: the rate ``a (p/p*)^((d+1)/2)`` tends to ``a`` as p nears the threshold, and a
#: logical flip per cycle more likely than not is no code at all. Azure's QRE refuses a > 0.5 ("invalid value for
#: 'crossingPrefactor', expected value between 0 and 0.5"); qnsim took any a > 0 and gave an estimate (a = 1 or 5).
MAX_CROSSING_PREFACTOR = 0.5


def check_crossing_prefactor(value: object) -> float:
    """``value`` as the surface code's crossing prefactor ``a``: a real number in (0, 0.5] (ValueError otherwise,
    naming the bound; see :data:`MAX_CROSSING_PREFACTOR`).

    Example:
        >>> check_crossing_prefactor(0.03)
        0.03
        >>> check_crossing_prefactor(1.0)
        Traceback (most recent call last):
        ...
        ValueError: crossing_prefactor must be in (0, 0.5], got 1.0
    """
    return real_number("crossing_prefactor", value, minimum=0.0, exclusive_minimum=True,
                       maximum=MAX_CROSSING_PREFACTOR, error=ValueError)


def check_qpu(name: str, value: object) -> QPU:
    """``value`` if it is a :class:`QPU`, else a TypeError naming ``name`` (the helpers read its fields:
    ``remote_gate_time_s(True, ...)`` raised AttributeError "'bool' object has no attribute 't_2q_s'").

    Example:
        >>> check_qpu("qa", 3)
        Traceback (most recent call last):
        ...
        TypeError: qa must be a qnsim.estimate.QPU, got 3
    """
    if not isinstance(value, QPU):
        raise TypeError(f"{name} must be a qnsim.estimate.QPU, got {shown(value)}")
    return value


def check_qpus(value: object) -> list[QPU]:
    """``value`` as a list of QPUs: one :class:`QPU`, or an ordered sequence of them (a list, a tuple): a QPU's
    index is its position, so a set (hash order) or a mapping (its keys) is refused, and a string is not a
    sequence of QPUs. TypeError naming the first wrong item.

    Example:
        >>> len(check_qpus([QPU(), QPU()]))
        2
        >>> check_qpus({QPU()})
        Traceback (most recent call last):
        ...
        TypeError: qpus must be a QPU or an ordered sequence of them (a list or tuple), got a set
    """
    if isinstance(value, QPU):
        return [value]
    ordered_sequence("qpus", value, "a QPU or an ordered sequence of them")
    return [check_qpu(f"qpus[{i}]", q) for i, q in enumerate(value)]


def surface_code_error(crossing_prefactor: float, error_threshold: float, p: float, d: int) -> float:
    """Logical error per cycle ``a (p/p*)^((d+1)/2)`` of a distance-d patch, rounded as the Azure estimator
    rounds it: the integer power by repeated squaring (Rust's ``powi``), not ``**`` with a float exponent,
    whose last bits differ (d = 23, a = 0.05, p/p* = 0.05: 1.2207031250000017e-17 in the estimator,
    1.2207031250000008e-17 by ``**``). The budget's cycle count ``floor(eps / (patches x rate))`` then
    agrees with the estimator's where it falls within a rounding step of an integer.

    Its numbers are read as :class:`SurfaceCode` reads its fields (the prefactor in (0, 0.5], the threshold in
    (0, 1)) and ``p`` as a probability: NaN gave NaN, ``True`` was read as 1 and a threshold of 0 raised
    ZeroDivisionError.

    >>> surface_code_error(0.05, 0.02, 1e-3, 23)
    1.2207031250000017e-17
    """
    if not (type(crossing_prefactor) is float and type(error_threshold) is float and type(p) is float
            and 0.0 < crossing_prefactor <= MAX_CROSSING_PREFACTOR and 0.0 < error_threshold < 1.0
            and 0.0 <= p <= 1.0):
        # Plain floats in range (the estimator's many calls) skip the general reading.
        crossing_prefactor = check_crossing_prefactor(crossing_prefactor)
        error_threshold = real_number("error_threshold", error_threshold, minimum=0.0, exclusive_minimum=True,
                                      maximum=1.0, exclusive_maximum=True, error=ValueError)
        p = probability("p", p, error=ValueError)
    if type(d) is not int or d < 0:  # a negative d never ended the squaring below (its exponent stays -1)
        d = check_code_distance(d)
    base, exponent, result = p / error_threshold, (d + 1) // 2, 1.0
    while True:
        if exponent & 1:
            result *= base
        exponent >>= 1
        if not exponent:
            break
        base *= base
    return crossing_prefactor * result


#: 40 digits: the logarithm rounds to the double nearest the exact one (see :func:`_correctly_rounded_ln`).
_LN_CONTEXT = decimal.Context(prec=40)


def _correctly_rounded_ln(x: float) -> float:
    """ln x (x > 0, finite) rounded to the nearest double, the same on every platform. The engine's portable log is
    within 0.51 ULP, and the closed form's ceiling falls at a logarithm's last bit where the requirement sits at a
    rounding step: ln(1.0000000000000115e20) is 46.05170185988093 (exact: ...0925149), the portable log gave
    46.05170185988092, and the distance came out 39 where the Azure estimator (the C library's correctly rounded
    log) takes 41, one logical cycle sooner on a run of 5.6e15 cycles (audit 61). 4.5 us a call.

    >>> _correctly_rounded_ln(1.0000000000000115e20)
    46.05170185988093
    """
    return float(decimal.Decimal(x).ln(_LN_CONTEXT))


@dataclasses.dataclass(frozen=True)
class SurfaceCode:
    """Gate-based surface-code model (Azure resource estimator defaults).

    Args:
        crossing_prefactor: a in ``a (p/p*)^((d+1)/2)`` (0.03, Beverland et al.), in (0, 0.5] as in Azure's QRE.
        error_threshold: p* (0.01).
        max_distance: largest code distance tried.
        interface_threshold: error threshold of Bell pairs on a patch boundary joined across QPUs
            (about 0.1, Ramette et al., npj Quantum Inf. 2024); the interface pair fidelity
            needed is chosen so that the interface is as reliable as the bulk.

    >>> sc = SurfaceCode()
    >>> round(sc.logical_error_per_cycle(1e-3, 21), 15)
    3e-13
    >>> sc.distance_for(1e-3, 2e-12)
    21
    """

    crossing_prefactor: float = 0.03
    error_threshold: float = 0.01
    max_distance: int = 101
    interface_threshold: float = 0.1

    def __post_init__(self) -> None:
        # The estimator's one exception class for bad input, the package's one reading of numbers.
        set_ = functools.partial(object.__setattr__, self)
        set_("crossing_prefactor", check_crossing_prefactor(self.crossing_prefactor))
        for f in ("error_threshold", "interface_threshold"):
            set_(f, real_number(f, getattr(self, f), minimum=0.0, exclusive_minimum=True, maximum=1.0,
                                exclusive_maximum=True, error=ValueError))
        set_("max_distance", integer("max_distance", self.max_distance, minimum=1, maximum=MAX_DISTANCE,
                                     error=ValueError))

    def logical_error_per_cycle(self, p: float, d: int) -> float:
        """Logical error probability per logical cycle of one patch of distance d at physical error p.

        The model ``a (p/p*)^((d+1)/2)`` holds below threshold only: at or above ``p*`` a ValueError
        says so (as :meth:`distance_for` finds no distance there).

        >>> round(SurfaceCode().logical_error_per_cycle(1e-3, 3), 12)
        0.0003
        >>> SurfaceCode().logical_error_per_cycle(0.02, 21)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: p = 0.02 is at or above the threshold error_threshold = 0.01: the model ... below threshold only ...
        """
        p = probability("p", p, error=ValueError)
        if not p < self.error_threshold:
            # It returned a (p/p*)^((d+1)/2) there too: 61.4 "per cycle" at p = 0.02, d = 21, and a plausible 0.043
            # at p = 0.012, d = 3, a rate whose model does not hold there.
            raise ValueError(
                f"p = {written(p)} is at or above the threshold error_threshold = {written(self.error_threshold)}: "
                "the model "
                "a (p/p*)^((d+1)/2) holds below threshold only (above it a larger d does worse, and the formula "
                "passes 1)"
            )
        return surface_code_error(self.crossing_prefactor, self.error_threshold, p, check_code_distance(d))

    def distance_for(self, p: float, target_per_cycle: float) -> int | None:
        """The code distance for a per-cycle logical error target, or None if none (p >= p* or beyond
        ``max_distance``).

        The Azure estimator's closed form (Beverland et al., arXiv:2211.07629, Eq. E2): the smallest odd
        d >= ``2 ln(a / target) / ln(p* / p) - 1``, its logarithms correctly rounded (as the estimator's libm
        rounds them: see :func:`_correctly_rounded_ln`). It is the smallest odd d whose rate meets the target,
        except where the target lies within a rounding step of the rate at d: the closed form may then
        take d and the estimator retries with one cycle more; qnsim does the same, so that its distances
        and cycle counts stay the estimator's to the last cycle (the smallest d by search differed there).

        >>> SurfaceCode().distance_for(1e-4, 1e-10), SurfaceCode().distance_for(0.02, 1e-10)
        (9, None)
        """
        p = probability("p", p, error=ValueError)
        target_per_cycle = real_number(
            "target_per_cycle", target_per_cycle, minimum=0.0, allow_inf=True, error=ValueError
        )
        a, threshold = self.crossing_prefactor, self.error_threshold
        if not p < threshold:  # The model holds below threshold only (the estimator refuses p >= p* too).
            return None
        if p == 0 or target_per_cycle >= a:
            return 1
        if not target_per_cycle > 0:
            return None
        x = 2.0 * _correctly_rounded_ln(a / target_per_cycle) / _correctly_rounded_ln(threshold / p) - 1.0
        if not math.isfinite(x) or x > self.max_distance:
            return None
        d = max(math.ceil(x), 0) | 1
        return d if d <= self.max_distance else None

    @staticmethod
    def physical_per_logical(d: int) -> int:
        """Physical qubits per logical qubit, 2 d^2 (data and measurement qubits).

        >>> SurfaceCode.physical_per_logical(21)
        882
        """
        d = check_code_distance(d)
        return 2 * d * d


@dataclasses.dataclass(frozen=True)
class QPU:
    """One processor: capacity, gate times (s) and error probabilities.

    Args:
        num_qubits: physical qubits (``None`` = unlimited). For a non-error-corrected QPU this is
            also the placement capacity.
        t_1q_s, t_2q_s, t_meas_s, t_reset_s, t_t_s: gate, measurement, reset and T-gate times in
            seconds (``t_reset_s`` defaults to ``t_meas_s``, ``t_t_s`` to ``t_1q_s``).
        e_1q, e_2q, e_meas, e_t: error probabilities per operation.
        surface_code: a :class:`SurfaceCode` to run the workload as logical qubits; None for
            physical execution.
        logical_qubits: placement capacity in logical qubits when error-corrected (``None`` =
            limited only by ``num_qubits`` after the code distance is known); refused without
            ``surface_code``, where nothing would read it.
        name: a label for reports, shown beside the QPU's index (the "QPU names" row): reports name QPUs
            by index (links "0-1", lists per QPU), so names may repeat (two QPUs of one preset share it).

    Raises:
        ValueError: naming a negative time, a probability outside [0, 1], a capacity below 1 or
            logical_qubits without surface_code.

    >>> q = QPU(num_qubits=100, t_2q_s=50e-9, e_2q=1e-3)
    >>> q.capacity
    100
    >>> QPU.preset("qubit_gate_ns_e3").t_meas_s
    1e-07
    """

    num_qubits: int | None = None
    t_1q_s: float = 50e-9
    t_2q_s: float = 50e-9
    t_meas_s: float = 100e-9
    t_reset_s: float | None = None
    t_t_s: float | None = None
    e_1q: float = 1e-3
    e_2q: float = 1e-3
    e_meas: float = 1e-3
    e_t: float = 1e-3
    surface_code: SurfaceCode | None = None
    logical_qubits: int | None = None
    name: str = ""

    def __post_init__(self) -> None:
        set_ = functools.partial(object.__setattr__, self)
        for cap in ("num_qubits", "logical_qubits"):
            if getattr(self, cap) is not None:
                set_(cap, integer(cap, getattr(self, cap), minimum=1, error=ValueError))
        if self.t_reset_s is None:
            set_("t_reset_s", self.t_meas_s)
        if self.t_t_s is None:
            set_("t_t_s", self.t_1q_s)
        for f in ("t_1q_s", "t_2q_s", "t_meas_s", "t_reset_s", "t_t_s"):
            set_(f, real_number(f, getattr(self, f), minimum=0.0, unit="s", error=ValueError))
        for f in ("e_1q", "e_2q", "e_meas", "e_t"):
            set_(f, probability(f, getattr(self, f), error=ValueError))
        if self.surface_code is not None and not isinstance(self.surface_code, SurfaceCode):
            # surface_code = true is the links file's way to ask for the default code; in Python it is SurfaceCode().
            hint = ""
            if self.surface_code is True:
                hint = "; SurfaceCode() is the default code (a links file's surface_code = true)"
            raise TypeError(f"surface_code must be a SurfaceCode or None, got {written(self.surface_code)}{hint}")
        if self.surface_code is not None and not 4 * self.t_2q_s + 2 * self.t_meas_s > 0:
            # The estimate divides by the logical cycle: it raised ZeroDivisionError (QRE: "logicalCycleTime
            # formula yields non-positive value").
            raise ValueError(
                f"an error-corrected QPU's logical cycle (4 t_2q_s + 2 t_meas_s) d is 0 s with "
                f"t_2q_s = {written(self.t_2q_s)} and t_meas_s = {written(self.t_meas_s)}; give its two-qubit gate or "
                "measurement time"
            )
        if self.logical_qubits is not None and self.surface_code is None:
            # Placement reads logical_qubits only on error-corrected QPUs: it would be ignored.
            raise ValueError(
                f"logical_qubits={written(self.logical_qubits)} applies to error-corrected QPUs only (set "
                "surface_code); "
                "a physical QPU's capacity is num_qubits"
            )
        # A line break in a QPU's name broke the report's table rows ("" keeps the default name).
        label("name", self.name, allow_empty=True)

    @property
    def error_corrected(self) -> bool:
        """True if the QPU runs the workload on surface-code logical qubits.

        >>> QPU(surface_code=SurfaceCode()).error_corrected
        True
        """
        return self.surface_code is not None

    @property
    def capacity(self) -> int | None:
        """Qubits the placement may put here: logical qubits if error-corrected, else physical.

        >>> QPU(num_qubits=10**5, surface_code=SurfaceCode(), logical_qubits=200).capacity
        200
        """
        return self.logical_qubits if self.error_corrected else self.num_qubits

    @property
    def physical_error(self) -> float:
        """The error rate the surface-code model uses: the largest Clifford error (1q, 2q, measure).

        >>> QPU(e_1q=1e-4, e_2q=2e-3, e_meas=1e-3).physical_error
        0.002
        """
        return max(self.e_1q, self.e_2q, self.e_meas)

    def logical_cycle_s(self, d: int) -> float:
        """Surface-code logical cycle ``(4 t_2q + 2 t_meas) d`` in seconds.

        >>> round(QPU.preset("qubit_gate_ns_e3").logical_cycle_s(21) * 1e6, 6)
        8.4
        """
        return (4 * self.t_2q_s + 2 * self.t_meas_s) * check_code_distance(d)

    def with_(self, **changes: Any) -> QPU:
        """A copy with some fields changed.

        >>> QPU(num_qubits=10).with_(num_qubits=20).num_qubits
        20
        """
        return dataclasses.replace(self, **changes)

    @staticmethod
    def preset(preset_name: str, /, **overrides: Any) -> QPU:
        """A QPU with one of the Azure estimator's gate-based parameter sets (see module doc).

        Args:
            preset_name: ``qubit_gate_ns_e3``, ``qubit_gate_ns_e4``, ``qubit_gate_us_e3`` or
                ``qubit_gate_us_e4``.
            **overrides: fields to set (e.g. ``num_qubits``, ``surface_code``, ``name``).

        >>> QPU.preset("qubit_gate_us_e4").e_t
        1e-06
        """
        if not isinstance(preset_name, str):  # a list raised "unhashable type: 'list'"
            raise TypeError(f"preset_name must be a string (one of {sorted(PRESETS)}), got {written(preset_name)}")
        if preset_name in _UNMODELED_PRESETS:
            raise ValueError(
                f"QPU preset {written(preset_name)} is one of the Azure estimator's Majorana (measurement-based) qubit "
                f"models, which qnsim does not model; use one of the gate-based presets {sorted(PRESETS)}"
            )
        if preset_name not in PRESETS:
            from qnsim.specs import did_you_mean

            raise ValueError(
                f"unknown QPU preset {written(preset_name)}{did_you_mean(preset_name, PRESETS)}; use one of "
                f"{sorted(PRESETS)}"
            )
        fields: dict[str, Any] = dict(PRESETS[preset_name])
        fields["name"] = preset_name
        fields.update(overrides)
        return QPU(**fields)


PRESETS: dict[str, dict[str, float]] = {
    "qubit_gate_ns_e3": {
        "t_1q_s": 50e-9,
        "t_2q_s": 50e-9,
        "t_meas_s": 100e-9,
        "t_t_s": 50e-9,
        "e_1q": 1e-3,
        "e_2q": 1e-3,
        "e_meas": 1e-3,
        "e_t": 1e-3,
    },
    "qubit_gate_ns_e4": {
        "t_1q_s": 50e-9,
        "t_2q_s": 50e-9,
        "t_meas_s": 100e-9,
        "t_t_s": 50e-9,
        "e_1q": 1e-4,
        "e_2q": 1e-4,
        "e_meas": 1e-4,
        "e_t": 1e-4,
    },
    "qubit_gate_us_e3": {
        "t_1q_s": 100e-6,
        "t_2q_s": 100e-6,
        "t_meas_s": 100e-6,
        "t_t_s": 100e-6,
        "e_1q": 1e-3,
        "e_2q": 1e-3,
        "e_meas": 1e-3,
        "e_t": 1e-6,
    },
    "qubit_gate_us_e4": {
        "t_1q_s": 100e-6,
        "t_2q_s": 100e-6,
        "t_meas_s": 100e-6,
        "t_t_s": 100e-6,
        "e_1q": 1e-4,
        "e_2q": 1e-4,
        "e_meas": 1e-4,
        "e_t": 1e-6,
    },
}
"""Azure resource estimator gate-based presets (times in s, error probabilities)."""

# The estimator's measurement-based qubit models: named so that asking for one says why it is refused.
_UNMODELED_PRESETS = ("qubit_maj_ns_e4", "qubit_maj_ns_e6")


def preset(preset_name: str, /, **overrides: Any) -> QPU:
    """Shorthand for :meth:`QPU.preset`.

    >>> preset("qubit_gate_ns_e4", num_qubits=1000).e_2q
    0.0001
    """
    return QPU.preset(preset_name, **overrides)
