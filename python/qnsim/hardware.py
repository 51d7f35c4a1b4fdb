"""Hardware models: fiber, microwave-optical transducers, detectors, sources, memories, gates.

Every model is a frozen dataclass validated at construction: an out-of-range or non-finite
value raises ``ValueError`` naming the field and the value, with the limits the core applies when
a network uses the piece (a fiber's light time, a rate's period, a gate's duration within the int64
picoseconds the core holds times in: about 106 days); a value of the wrong type (a
string, a bool) raises ``TypeError``. Units are SI unless the field name says
otherwise (``length_km``, ``attenuation_db_per_km``). Use :func:`dataclasses.replace` to derive
a variant; the copy is validated again.

>>> fiber = Fiber(length_km=10.0)
>>> round(fiber.transmissivity, 4)
0.631
>>> round(fiber.delay_s * 1e6, 2)
48.03
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qnsim import _core, _numerics
from qnsim.argument_checks import (
    beyond_core_time,
    coherence_times,
    instance,
    integer,
    picoseconds,
    real_number,
    shown,
    written,
)

__all__ = [
    "SPEED_OF_LIGHT_M_PER_S",
    "Detector",
    "Fiber",
    "GateNoise",
    "Memory",
    "NodeHardware",
    "Source",
    "Transducer",
]

SPEED_OF_LIGHT_M_PER_S: float = 299_792_458.0
"""Speed of light in vacuum, m/s (exact by definition of the metre)."""


# --- validation helpers -------------------------------------------------------------------------
# Each names the class and field in its message, e.g. "Fiber.length_km must be >= 0, got -3.0".


def _store_plain_numbers(model: Any) -> None:
    # NumPy scalars are accepted as numbers but stored as Python ones, so that reprs, equality,
    # TOML output and the native structs see the same values whichever the caller passed.
    for name, value in vars(model).items():
        if isinstance(value, np.generic) and not isinstance(value, np.bool_):
            plain = value.item()
            if isinstance(plain, np.floating):
                # np.longdouble's item() is itself (it was stored as given); one beyond a float's range
                # stays as it is, for the field's check to name it.
                as_float = float(plain)
                if math.isfinite(as_float) or np.isinf(plain):
                    plain = as_float
            object.__setattr__(model, name, plain)


def _floats_stored(cls: type) -> type:
    """Makes a hardware dataclass store every ``float`` field as a Python float once its checks have passed.

    The one rule of every spec (:func:`qnsim.specs.check_value`): a real number is taken whatever its type (int,
    NumPy scalar, ``fractions.Fraction``; never a bool or a ``decimal.Decimal``) and held as a float. The pieces
    kept a Fraction as given (``Fiber(length_km=Fraction(1, 3)).length_km`` was a Fraction, its repr and TOML
    output another value's than the same length as a float), an int as an int where a spec held 1.0, and -0.0 as
    -0.0 where a spec holds 0.0. The conversion follows the checks, whose messages show the value as given.
    """
    checks = cls.__post_init__  # type: ignore[attr-defined]
    names = [f.name for f in dataclasses.fields(cls) if f.type in ("float", float)]

    def __post_init__(self: Any) -> None:
        checks(self)
        for name in names:
            value = getattr(self, name)
            # + 0.0 for a float too: -0.0 is 0.0, as real_number reads it (Fiber(length_km=-0.0) kept -0.0, its repr
            # and TOML output "-0.0", where a spec field holds 0.0).
            if type(value) is not float or value == 0.0:
                object.__setattr__(self, name, float(value) + 0.0)

    cls.__post_init__ = __post_init__  # type: ignore[attr-defined]
    return cls


# The bounds go to real_number's one bound check, which shows the value as given: Fiber(length_km=-3) was told
# "got -3.0", a value never written.
def _check_nonneg(owner: str, name: str, value: object, *, allow_inf: bool = False) -> None:
    real_number(f"{owner}.{name}", value, minimum=0.0, allow_inf=allow_inf)


def _check_positive(owner: str, name: str, value: object, *, allow_inf: bool = False) -> None:
    real_number(f"{owner}.{name}", value, minimum=0.0, exclusive_minimum=True, allow_inf=allow_inf)


def _check_unit_interval(owner: str, name: str, value: object) -> None:
    real_number(f"{owner}.{name}", value, minimum=0.0, maximum=1.0)


def _check_duration(owner: str, name: str, value: object) -> None:
    # A duration the core holds in whole picoseconds (a node's gate times), read as every such time is
    # (argument_checks.picoseconds) when the piece is made: GateNoise(two_qubit_duration_s=1e30) was taken, and
    # refused only when a node was built from it.
    _check_nonneg(owner, name, value)
    picoseconds(f"{owner}.{name}", value)


_BEYOND_CORE = "beyond the int64 picosecond range (about 106 days)"


def _check_period(owner: str, name: str, value: float, unit: str = "Hz") -> None:
    # A rate whose period (1 / rate, the least time between attempts) the core could not hold: a link made from the
    # piece was refused, but the piece itself was taken (Source(attempt_rate_hz=1e-10) has a period of 317 years).
    if math.isfinite(value) and beyond_core_time(1.0 / value):
        raise ValueError(
            f"{owner}.{name} = {shown(value)} {unit} gives a period (1 / rate) of {written(1.0 / value)} s, "
            f"{_BEYOND_CORE}"
        )


def _check_time_held(owner: str, name: str, value: float) -> None:
    # A time the core adds to others (an emission delay into a herald delay), so a positive one below 1 ps is a value;
    # one beyond the int64 picosecond range is not.
    if beyond_core_time(value):
        raise ValueError(f"{owner}.{name} = {shown(value)} s is {_BEYOND_CORE}")


def _check_int_at_least(owner: str, name: str, value: object, minimum: int, maximum: int | None = None) -> None:
    integer(f"{owner}.{name}", value, minimum=minimum, maximum=maximum)


#: The most memory qubits a node holds (the network's native bound): a Memory of more, or a Source of more
#: modes (each heralded mode is held in a memory of its own), describes no node qnsim can build.
MAX_MEMORIES = _core.MAX_MEMORIES_PER_NODE


# --- optical channel ------------------------------------------------------------------------------


@_floats_stored
@dataclass(frozen=True)
class Fiber:
    """A span of optical fiber.

    Args:
        length_km: Length in km, >= 0, whose one-way light time (length_km * 1e3 * n / c) the core holds in
            int64 picoseconds (about 106 days: up to about 1.9e9 km at n = 1.44).
        attenuation_db_per_km: Loss in dB/km, >= 0 (0.2 dB/km is telecom fiber at 1550 nm).
        refractive_index: Group index n >= 1; light travels at c / n (1.44: about 4.8 us/km).

    Example:
        >>> f = Fiber(length_km=5.0)
        >>> round(f.transmissivity, 4), round(f.delay_s * 1e6, 3)
        (0.7943, 24.017)
        >>> Fiber(length_km=-3.0)
        Traceback (most recent call last):
        ...
        ValueError: Fiber.length_km must be >= 0, got -3.0
    """

    length_km: float
    attenuation_db_per_km: float = 0.2
    refractive_index: float = 1.44

    def __post_init__(self) -> None:
        _store_plain_numbers(self)
        _check_nonneg("Fiber", "length_km", self.length_km)
        _check_nonneg("Fiber", "attenuation_db_per_km", self.attenuation_db_per_km)
        real_number("Fiber.refractive_index", self.refractive_index, minimum=1.0)
        delay = self.delay_s
        if beyond_core_time(delay):
            # The light time the core holds a link's delays in (int64 ps), checked when the fiber is made:
            # Fiber(length_km=2**63) was taken and refused only when a link was built from it. The index is named
            # when the length alone (at the usual 1.44) would be held.
            at_usual_index = self.length_km * 1e3 / (SPEED_OF_LIGHT_M_PER_S / 1.44)
            if self.refractive_index != 1.44 and not beyond_core_time(at_usual_index):
                raise ValueError(
                    f"Fiber.refractive_index = {shown(self.refractive_index)} with length_km = "
                    f"{shown(self.length_km)} km gives a one-way light time of {written(delay)} s, {_BEYOND_CORE}"
                )
            raise ValueError(
                f"Fiber.length_km = {shown(self.length_km)} km at refractive index {shown(self.refractive_index)} "
                f"gives a one-way light time of {written(delay)} s, {_BEYOND_CORE}"
            )

    @property
    def transmissivity(self) -> float:
        """Power transmissivity 10^(-attenuation_db_per_km * length_km / 10), in [0, 1]."""
        return _numerics.exp10(-self.attenuation_db_per_km * self.length_km / 10.0)

    @property
    def speed_m_per_s(self) -> float:
        """Speed of light in the fiber, c / refractive_index, in m/s."""
        return SPEED_OF_LIGHT_M_PER_S / self.refractive_index

    @property
    def delay_s(self) -> float:
        """One-way propagation time length_km * 1e3 / (c / n), in seconds."""
        return self.length_km * 1e3 / self.speed_m_per_s


@_floats_stored
@dataclass(frozen=True)
class Transducer:
    """A microwave-to-optical quantum transducer in front of a superconducting QPU.

    Noise model: ``added_noise_photons`` is the input-referred added noise N_add, in photons
    per detected optical mode per attempt (the usual figure of merit of a transducer, e.g.
    Dirnegger et al., arXiv 2503.10842). Input-referred means the optical output carries
    ``efficiency * added_noise_photons`` noise photons on average in the mode of the signal
    photon, which itself leaves with probability ``efficiency``. Noise photons are
    incoherent with the qubit; if one reaches a heralding detector it can fire it and
    cause a false herald (see :mod:`qnsim.link_models`: thermal light in the signal photon's own mode,
    interfering with it on the station's beam splitter, its threshold-detector clicks computed exactly;
    it no longer treats them as independent dark-count-like clicks).
    Because signal and noise pass the same efficiency, the signal-to-noise ratio at the
    output is set by N_add alone, whatever the efficiency.

    Args:
        efficiency: Probability in [0, 1] that a microwave photon leaves as an optical photon
            in the collected mode.
        added_noise_photons: Input-referred added noise N_add >= 0, photons per mode per attempt.
        bandwidth_hz: Conversion bandwidth in Hz, in (1e12 / (2^63 - 1), inf] (``inf`` for no limit; a period,
            1 / bandwidth, the core holds in int64 picoseconds, about 106 days). The link model never attempts
            faster than this, since a photon lasts about 1 / bandwidth.
        repetition_rate_hz: Highest rate of conversion attempts in Hz, in (1e12 / (2^63 - 1), inf] (``inf`` for
            no limit; its period as for ``bandwidth_hz``); pulsed transducers are limited by pump heating.

    Example:
        >>> t = Transducer(efficiency=0.01, added_noise_photons=0.5, repetition_rate_hz=1e3)
        >>> t.output_noise_photons
        0.005
        >>> Transducer(efficiency=1.5, added_noise_photons=0.0)
        Traceback (most recent call last):
        ...
        ValueError: Transducer.efficiency must be in [0, 1], got 1.5
    """

    efficiency: float
    added_noise_photons: float
    bandwidth_hz: float = math.inf
    repetition_rate_hz: float = math.inf

    def __post_init__(self) -> None:
        _store_plain_numbers(self)
        _check_unit_interval("Transducer", "efficiency", self.efficiency)
        _check_nonneg("Transducer", "added_noise_photons", self.added_noise_photons)
        _check_positive("Transducer", "bandwidth_hz", self.bandwidth_hz, allow_inf=True)
        _check_positive("Transducer", "repetition_rate_hz", self.repetition_rate_hz, allow_inf=True)
        _check_period("Transducer", "bandwidth_hz", self.bandwidth_hz)
        _check_period("Transducer", "repetition_rate_hz", self.repetition_rate_hz)

    @property
    def output_noise_photons(self) -> float:
        """Mean noise photons in the optical output mode per attempt: efficiency * N_add."""
        return self.efficiency * self.added_noise_photons


@_floats_stored
@dataclass(frozen=True)
class Detector:
    """A threshold (non photon-number-resolving) single-photon detector pair at a midpoint.

    Both output ports of the heralding beam splitter have one detector of this kind.

    Args:
        efficiency: Detection efficiency in [0, 1].
        dark_count_rate_hz: Dark count rate in Hz, >= 0.
        detection_window_s: Length of the detection window in seconds, > 0.
        visibility: Two-photon (Hong-Ou-Mandel) interference visibility V = |<psi_A|psi_B>|^2
            in [0, 1], the squared overlap of the photons' modes. See :mod:`qnsim.link_models`
            for how each scheme uses it.

    Example:
        >>> d = Detector(efficiency=0.9, dark_count_rate_hz=10.0, detection_window_s=1e-8)
        >>> round(d.dark_count_probability, 12)
        1e-07
    """

    efficiency: float
    dark_count_rate_hz: float = 0.0
    detection_window_s: float = 1e-8
    visibility: float = 1.0

    def __post_init__(self) -> None:
        _store_plain_numbers(self)
        _check_unit_interval("Detector", "efficiency", self.efficiency)
        _check_nonneg("Detector", "dark_count_rate_hz", self.dark_count_rate_hz)
        _check_positive("Detector", "detection_window_s", self.detection_window_s)
        _check_unit_interval("Detector", "visibility", self.visibility)

    @property
    def dark_count_probability(self) -> float:
        """Probability of at least one dark count in one window: 1 - exp(-rate * window)."""
        return -_numerics.expm1(-self.dark_count_rate_hz * self.detection_window_s)

    @property
    def no_dark_count_probability(self) -> float:
        """Probability of no dark count in one window: exp(-rate * window), kept where 1 - dark_count_probability
        rounds to 0 (40 dark counts per window: exp(-40) = 4.2e-18).

        Example:
            >>> Detector(efficiency=0.9, dark_count_rate_hz=4e9, detection_window_s=1e-8).no_dark_count_probability
            4.248354255291589e-18
        """
        return _numerics.exp(-self.dark_count_rate_hz * self.detection_window_s)


@_floats_stored
@dataclass(frozen=True)
class Source:
    """The spin-photon (or qubit-photon) interface of a node.

    Args:
        attempt_rate_hz: Highest rate of emission attempts in Hz, in (1e12 / (2^63 - 1), inf): finite, with a
            period, 1 / rate, the core holds in int64 picoseconds (about 106 days).
        emission_efficiency: Probability in [0, 1] that an emitted photon is collected into the
            link (emission, zero-phonon line, collection and coupling into fiber together).
        num_modes: Number of multiplexed modes per attempt (temporal, spectral or spatial),
            in [1, 2^24]; each mode is an independent try (held in a memory of its own, so at most
            the memories a node can hold).
        emission_delay_s: Time from the start of an attempt to the photon leaving, >= 0 s and within the
            core's int64 picoseconds (about 106 days); includes qubit initialisation and the optical pulse.
        bright_state_alpha: Population of the bright (photon-emitting) state in (0, 1) used by
            the single-click scheme; ignored by the double-click scheme, which uses 1/2.

    Example:
        >>> s = Source(attempt_rate_hz=1e6, emission_efficiency=0.5, num_modes=4)
        >>> s.num_modes
        4
        >>> Source(attempt_rate_hz=1e6, emission_efficiency=0.5, num_modes=0)
        Traceback (most recent call last):
        ...
        ValueError: Source.num_modes must be in [1, 16777216], got 0
    """

    attempt_rate_hz: float
    emission_efficiency: float
    num_modes: int = 1
    emission_delay_s: float = 0.0
    bright_state_alpha: float = 0.1

    def __post_init__(self) -> None:
        _store_plain_numbers(self)
        _check_positive("Source", "attempt_rate_hz", self.attempt_rate_hz)
        _check_unit_interval("Source", "emission_efficiency", self.emission_efficiency)
        _check_int_at_least("Source", "num_modes", self.num_modes, 1, MAX_MEMORIES)
        _check_period("Source", "attempt_rate_hz", self.attempt_rate_hz)
        _check_nonneg("Source", "emission_delay_s", self.emission_delay_s)
        _check_time_held("Source", "emission_delay_s", self.emission_delay_s)
        real_number(
            "Source.bright_state_alpha",
            self.bright_state_alpha,
            minimum=0.0,
            maximum=1.0,
            exclusive_minimum=True,
            exclusive_maximum=True,
        )


# --- node -----------------------------------------------------------------------------------------


@_floats_stored
@dataclass(frozen=True)
class Memory:
    """Memory qubits of a node with energy relaxation and dephasing.

    Follows the memory convention of docs/concepts.md: amplitude damping gamma = 1 - exp(-t/T1), then pure
    dephasing such that coherences decay as exp(-t/T2) in total. Physical channels require
    T2 <= 2 T1. ``math.inf`` means no decay.

    Args:
        num_qubits: Number of memory qubits, in [1, 2^24] (the most a node holds).
        t1_s: Energy relaxation time T1 in seconds, > 0 or ``inf``.
        t2_s: Coherence time T2 in seconds, > 0 or ``inf``, at most 2 * t1_s.

    Example:
        >>> m = Memory(num_qubits=2, t1_s=36000.0, t2_s=1.0)
        >>> round(m.dephasing_time_s, 6)
        1.000014
        >>> Memory(num_qubits=1, t1_s=1.0, t2_s=3.0)
        Traceback (most recent call last):
        ...
        ValueError: Memory.t2_s must be <= 2 * t1_s = 2 s, got 3 s
    """

    num_qubits: int
    t1_s: float = math.inf
    t2_s: float = math.inf

    def __post_init__(self) -> None:
        _store_plain_numbers(self)
        _check_int_at_least("Memory", "num_qubits", self.num_qubits, 1, MAX_MEMORIES)
        _check_positive("Memory", "t1_s", self.t1_s, allow_inf=True)
        _check_positive("Memory", "t2_s", self.t2_s, allow_inf=True)
        coherence_times("t1_s", self.t1_s, "Memory.t2_s", self.t2_s, t2_defaults_to_inf=True)

    @property
    def dephasing_time_s(self) -> float:
        """Pure-dephasing time T_phi with 1/T2 = 1/(2 T1) + 1/T_phi, in seconds (inf if none)."""
        rate = 1.0 / self.t2_s - 0.5 / self.t1_s
        return math.inf if rate <= 0.0 else 1.0 / rate


@_floats_stored
@dataclass(frozen=True)
class GateNoise:
    """Error probabilities and durations of a node's local operations.

    Errors keep Stim's meaning: a single-qubit gate is followed by ``depolarize1(p)`` (X, Y, Z
    each p/3), a two-qubit gate by ``depolarize2(p)`` (each of the 15 non-identity Paulis p/15),
    a measurement result is flipped with probability ``measurement_error``, and initialisation
    prepares the orthogonal state with probability ``init_error``. For a published gate
    fidelity F under a depolarizing model, p = 1 - F is the matching entanglement infidelity.

    Args:
        single_qubit_error: depolarize1 probability in [0, 1].
        single_qubit_duration_s: Duration in seconds, >= 0. Every duration is held in whole picoseconds, as the
            core holds a node's gate times: at most about 106 days, and a positive one at least 0.5 ps.
        two_qubit_error: depolarize2 probability in [0, 1].
        two_qubit_duration_s: Duration in seconds, >= 0.
        measurement_error: Readout flip probability in [0, 1].
        measurement_duration_s: Duration in seconds, >= 0.
        init_error: Initialisation flip probability in [0, 1]. Carried for reference: the
            network's link and protocol steps do not apply it, and the results of a network
            with such hardware say so in their notes.
        init_duration_s: Duration in seconds, >= 0 (the same: carried, not applied).

    Example:
        >>> g = GateNoise(two_qubit_error=0.03, two_qubit_duration_s=500e-6)
        >>> g.two_qubit_error, g.single_qubit_error
        (0.03, 0.0)
    """

    single_qubit_error: float = 0.0
    single_qubit_duration_s: float = 0.0
    two_qubit_error: float = 0.0
    two_qubit_duration_s: float = 0.0
    measurement_error: float = 0.0
    measurement_duration_s: float = 0.0
    init_error: float = 0.0
    init_duration_s: float = 0.0

    def __post_init__(self) -> None:
        _store_plain_numbers(self)
        for name in ("single_qubit_error", "two_qubit_error", "measurement_error", "init_error"):
            _check_unit_interval("GateNoise", name, getattr(self, name))
        for name in (
            "single_qubit_duration_s",
            "two_qubit_duration_s",
            "measurement_duration_s",
            "init_duration_s",
        ):
            _check_duration("GateNoise", name, getattr(self, name))
        # A swap's Bell measurement takes the two-qubit gate, a single-qubit gate and the readout, held as one int64
        # picosecond span: the core's own check of a node (NodeParams.validate) when the gates are made, not when a
        # node is built from them (three durations of 4e6 s each were taken).
        native = _core.NodeParams(
            name="gates",
            gate1_ps=picoseconds("GateNoise.single_qubit_duration_s", self.single_qubit_duration_s),
            gate2_ps=picoseconds("GateNoise.two_qubit_duration_s", self.two_qubit_duration_s),
            measure_ps=picoseconds("GateNoise.measurement_duration_s", self.measurement_duration_s),
        )
        try:
            native.validate()
        except _core.ParameterError:
            raise ValueError(
                f"GateNoise.two_qubit_duration_s = {shown(self.two_qubit_duration_s)} s plus single_qubit_duration_s "
                f"= {shown(self.single_qubit_duration_s)} s and measurement_duration_s = "
                f"{shown(self.measurement_duration_s)} s (a swap's Bell measurement) is {_BEYOND_CORE}"
            ) from None


@dataclass(frozen=True)
class NodeHardware:
    """The local hardware of one node: gate noise and memory.

    Args:
        gates: Errors and durations of local operations.
        memory: Memory qubits and their T1 / T2.

    Example:
        >>> node = NodeHardware(memory=Memory(num_qubits=4, t1_s=1e-3, t2_s=5e-4))
        >>> node.memory.num_qubits, node.gates.two_qubit_error
        (4, 0.0)
    """

    gates: GateNoise = field(default_factory=GateNoise)
    memory: Memory = field(default_factory=lambda: Memory(num_qubits=1))

    def __post_init__(self) -> None:
        _store_plain_numbers(self)
        if not isinstance(self.gates, GateNoise):
            raise TypeError(f"NodeHardware.gates must be a GateNoise, got {written(self.gates)}")
        if not isinstance(self.memory, Memory):
            raise TypeError(f"NodeHardware.memory must be a Memory, got {written(self.memory)}")


def hardware_values(hardware: NodeHardware) -> dict[str, Any]:
    """The :class:`qnsim.specs.NodeSpec` fields a node's hardware sets (SI units).

    Example:
        >>> from qnsim import nv_near_term
        >>> hardware_values(nv_near_term().node)["t2_s"]
        1.0
    """
    instance("hardware", hardware, NodeHardware, "a qnsim.NodeHardware")
    g, m = hardware.gates, hardware.memory
    return {
        "num_memories": m.num_qubits, "t1_s": m.t1_s, "t2_s": m.t2_s,
        "gate1_error": g.single_qubit_error, "gate2_error": g.two_qubit_error,
        "measure_error": g.measurement_error, "gate1_duration_s": g.single_qubit_duration_s,
        "gate2_duration_s": g.two_qubit_duration_s, "measure_duration_s": g.measurement_duration_s,
    }  # fmt: skip
