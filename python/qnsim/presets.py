"""Published hardware parameter sets, ready to link.

Each function returns a :class:`HardwarePreset`; derive variants with
:func:`dataclasses.replace`. Every figure is from the cited source unless the docstring says it
is an assumption.

>>> preset = nv_near_term()
>>> link = preset.link(length_km=10.0)
>>> link.scheme, round(link.fidelity, 2)
('single_click', 0.85)
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, replace
from typing import Any, Callable

from qnsim.argument_checks import real_number, written
from qnsim.hardware import Detector, Fiber, GateNoise, Memory, NodeHardware, Source, Transducer
from qnsim.link_models import SCHEMES, LinkModel, heralded_link

__all__ = [
    "MAX_TRANSDUCER_IMPROVEMENT",
    "PRESETS",
    "resolve_preset",
    "HardwarePreset",
    "nv_10x_improved",
    "nv_near_term",
    "superconducting_transducer_link",
]


@dataclass(frozen=True)
class HardwarePreset:
    """A consistent set of node, link and station hardware.

    Attributes:
        name: Short identifier.
        source: Each node's emitter (both nodes alike).
        detector: The heralding station's detectors.
        node: Gate noise and memory of each node.
        scheme: Recommended heralding scheme (``"single_click"`` or ``"double_click"``).
        attenuation_db_per_km: Fiber loss in dB/km.
        refractive_index: Fiber group index.
        transducer: Microwave-optical transducer at each node, or None.
        phase_std_rad: Optical phase noise between the arms, radians (single click).
        reference: The source of the figures.

    Example:
        >>> import dataclasses
        >>> p = dataclasses.replace(nv_near_term(), scheme="double_click")
        >>> p.link(10.0).scheme
        'double_click'
    """

    name: str
    source: Source
    detector: Detector
    node: NodeHardware
    scheme: str
    attenuation_db_per_km: float = 0.2
    refractive_index: float = 1.44
    transducer: Transducer | None = None
    phase_std_rad: float = 0.0
    reference: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.scheme, str) or self.scheme not in SCHEMES:
            raise ValueError(f"HardwarePreset.scheme must be one of {SCHEMES}, got {written(self.scheme)}")
        # Each piece is the class it stands for, when the preset is made: a table, a string or a Source in the
        # detector's place was taken here and failed inside the link model ("'dict' object has no attribute ...").
        for name, kind in (("source", Source), ("detector", Detector), ("node", NodeHardware)):
            if not isinstance(getattr(self, name), kind):
                raise TypeError(f"HardwarePreset.{name} must be a {kind.__name__}, got {written(getattr(self, name))}")
        if self.transducer is not None and not isinstance(self.transducer, Transducer):
            raise TypeError(f"HardwarePreset.transducer must be a Transducer or None, got {written(self.transducer)}")
        for name in ("name", "reference"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"HardwarePreset.{name} must be a string, got {written(getattr(self, name))}")
        # Validate the fiber figures through Fiber itself (same messages).
        Fiber(0.0, self.attenuation_db_per_km, self.refractive_index)
        # Read as every number is (argument_checks): True was a phase of 1 rad and "0.3" raised math's TypeError.
        real_number("HardwarePreset.phase_std_rad", self.phase_std_rad, minimum=0.0, unit="rad")

    def fiber(self, length_km: float) -> Fiber:
        """A fiber span of this preset's kind, ``length_km`` long."""
        return Fiber(length_km, self.attenuation_db_per_km, self.refractive_index)

    def link(self, length_km: float, scheme: str | None = None) -> LinkModel:
        """The heralded link between two such nodes ``length_km`` apart, station at the midpoint.

        Args:
            length_km: Node-to-node fiber length in km (each arm is half of it).
            scheme: Override of the preset's recommended scheme.
        """
        half = self.fiber(self.fiber(length_km).length_km / 2.0)  # the whole length checked (and named) first
        return heralded_link(
            self.scheme if scheme is None else scheme,
            self.source,
            self.source,
            half,
            half,
            self.detector,
            self.transducer,
            self.transducer,
            phase_std_rad=self.phase_std_rad,
        )


_COOPMANS = (
    "Coopmans et al., 'NetSquid, a NETwork Simulator for QUantum Information using Discrete "
    "events', Commun. Phys. 4, 164 (2021), Supplementary Table II"
)


def nv_near_term() -> HardwarePreset:
    """Nitrogen-vacancy 'near-term' parameters of Coopmans et al. (2021), Supp. Table II.

    Source: Coopmans et al., Commun. Phys. 4, 164 (2021), Supplementary Table II.

    Mapping onto qnsim's models (our choices, not the paper's):

    * Detection probability without fiber 0.0046 is put in ``Source.emission_efficiency``
      (collection, zero-phonon line and detector together; ``Detector.efficiency`` = 1).
    * Dark-count probability 2.5e-8 per window: 1 Hz over a 25 ns window.
    * Visibility 0.9 (HOM), phase uncertainty 0.35 rad, bright-state alpha 0.1, emission delay
      3.8 us, single-click scheme.
    * Memory is the carbon nuclear spin (T1 10 h, T2 1 s), two qubits (electron + one carbon,
      an assumption). Gates: electron-carbon gate F = 0.97 (500 us) -> depolarize2 p = 0.03;
      carbon Z rotation F = 0.999 (20 us) -> depolarize1 p = 0.001; readout 0.95 / 0.995
      (3.7 us) -> symmetric flip 0.0275 (the mean); carbon init F = 0.997 (310 us) is carried
      in ``GateNoise`` for reference but no network step applies it (results say so).
    * Not carried over: double-excitation probability 0.06 and nuclear dephasing per attempt
      (N_1/e = 1400); the source attempt rate is not in the table and is set to 1 MHz so that
      the emission delay and the fiber set the period.

    At 10 km this gives about 14 Hz at F = 0.85 (single click, p = 7.3e-4 per 51.8 us attempt;
    F is (1 - alpha)(1 + sqrt(V) exp(-sigma^2/2))/2 = 0.852 to lowest order).

    Example:
        >>> link = nv_near_term().link(10.0)
        >>> round(link.rate_hz, 1), round(link.fidelity, 3)
        (14.1, 0.852)
    """
    return HardwarePreset(
        name="nv_near_term",
        source=Source(
            attempt_rate_hz=1e6,
            emission_efficiency=0.0046,
            emission_delay_s=3.8e-6,
            bright_state_alpha=0.1,
        ),
        detector=Detector(efficiency=1.0, dark_count_rate_hz=1.0, detection_window_s=25e-9, visibility=0.9),
        node=NodeHardware(
            gates=GateNoise(
                single_qubit_error=0.001,
                single_qubit_duration_s=20e-6,
                two_qubit_error=0.03,
                two_qubit_duration_s=500e-6,
                measurement_error=0.0275,
                measurement_duration_s=3.7e-6,
                init_error=0.003,
                init_duration_s=310e-6,
            ),
            memory=Memory(num_qubits=2, t1_s=36000.0, t2_s=1.0),
        ),
        scheme="single_click",
        attenuation_db_per_km=0.2,
        phase_std_rad=0.35,
        reference=_COOPMANS,
    )


def nv_10x_improved() -> HardwarePreset:
    """The '10x improved' NV variant of Coopmans et al. (2021), Supp. Table II.

    Source: Coopmans et al., Commun. Phys. 4, 164 (2021), Supplementary Table II. Changes from
    :func:`nv_near_term`: electron-carbon gate F = 0.997, detection probability 0.58,
    visibility 0.99, carbon T2 = 10 s; everything else as near-term.

    Example:
        >>> link = nv_10x_improved().link(10.0)
        >>> round(link.rate_hz), round(link.fidelity, 3)
        (1737, 0.892)
    """
    base = nv_near_term()
    return replace(
        base,
        name="nv_10x_improved",
        source=replace(base.source, emission_efficiency=0.58),
        detector=replace(base.detector, visibility=0.99),
        node=NodeHardware(
            gates=replace(base.node.gates, two_qubit_error=0.003),
            memory=replace(base.node.memory, t2_s=10.0),
        ),
    )


#: Largest ``improvement`` of :func:`superconducting_transducer_link`: its 1 kHz repetition rate times this is
#: 1e12 Hz, one conversion attempt per picosecond (the core's time resolution).
MAX_TRANSDUCER_IMPROVEMENT: float = 1e9


def superconducting_transducer_link(improvement: float = 1.0) -> HardwarePreset:
    """Superconducting QPUs linked optically through microwave-optical transducers.

    Regime of IBM's link study: Dirnegger et al., 'Distilled remote entanglement between
    superconducting qubits across optical channels', arXiv 2503.10842 (2025): present-day
    transducers add N_add = 0.5 noise photons, which puts raw Bell pairs at the threshold of
    F = 0.5; a 1000x improvement in added noise, efficiency and repetition rate would allow
    MHz-rate remote gates at 99.7% (with distillation).

    Parameters (``improvement`` = k divides the added noise and multiplies the efficiency,
    capped at 1, and the repetition rate):

    * Transducer: efficiency 0.47% (the 0.47% at 0.58 photons of arXiv 2406.02704), N_add = 0.5,
      repetition rate 1 kHz (pulsed, pump-heating limited; an assumption matching "MHz at
      1000x"), unlimited bandwidth.
    * Qubit-to-microwave photon emission 0.9 (assumption), 1 MHz attempt rate.
    * Station: SNSPDs, efficiency 0.9, 10 Hz dark counts over a 1 ns window, V = 1
      (assumptions); telecom fiber 0.2 dB/km; Barrett-Kok (double click) scheme.
    * Nodes: gates of the ``qubit_gate_ns_e3`` class (Beverland et al., arXiv 2211.07629):
      50 ns gates, 100 ns measurement, errors 1e-3; memory T1 = 300 us, T2 = 200 us, 8 qubits
      (assumptions typical of current transmons).

    Figures of this model at 10 km (see :mod:`qnsim.link_models` for why the fidelity falls
    below IBM's 0.5): k = 1 gives F = 0.345 at about 0.018 pairs/s (p = 3.6e-5 per 2 ms
    attempt, limited by the 1 kHz repetition rate); k = 1000 gives F = 0.998 at about
    2200 pairs/s (p = 0.21 per 96 us attempt: the fiber now sets the period, two 48 us round trips
    to the station 5 km away, one per Barrett-Kok round).
    In this model F = 0.5 needs N_add / emission efficiency of about 0.21.

    Args:
        improvement: Improvement factor k in [1, 1e9] (1 = present day, 1000 = IBM's target; 1e9 puts the
            transducer's repetition rate at 1e12 Hz, one attempt per picosecond, the core's time resolution).

    Raises:
        ValueError: ``improvement`` below 1, above 1e9, or not finite.

    Example:
        >>> link = superconducting_transducer_link().link(10.0)
        >>> round(link.fidelity, 3)
        0.345
        >>> round(superconducting_transducer_link(1000).link(10.0).fidelity, 3)
        0.998
    """
    # Bounded above so the repetition rate 1e3 * k stays within the core's 1 ps clock: 1e300 was accepted as a
    # 1e303 Hz transducer, and k >= 1.8e305 made that rate inf, which Transducer reads as "no limit".
    k = real_number(
        "superconducting_transducer_link improvement", improvement, minimum=1.0, maximum=MAX_TRANSDUCER_IMPROVEMENT
    )
    return HardwarePreset(
        name="superconducting_transducer_link" + ("" if k == 1.0 else f"_x{k:g}"),
        source=Source(attempt_rate_hz=1e6, emission_efficiency=0.9, bright_state_alpha=0.1),
        detector=Detector(efficiency=0.9, dark_count_rate_hz=10.0, detection_window_s=1e-9, visibility=1.0),
        node=NodeHardware(
            gates=GateNoise(
                single_qubit_error=1e-3,
                single_qubit_duration_s=50e-9,
                two_qubit_error=1e-3,
                two_qubit_duration_s=50e-9,
                measurement_error=1e-3,
                measurement_duration_s=100e-9,
                init_error=1e-3,
                init_duration_s=100e-9,
            ),
            memory=Memory(num_qubits=8, t1_s=300e-6, t2_s=200e-6),
        ),
        scheme="double_click",
        attenuation_db_per_km=0.2,
        transducer=Transducer(
            efficiency=min(1.0, 0.0047 * k),
            added_noise_photons=0.5 / k,
            repetition_rate_hz=1e3 * k,
        ),
        reference="Dirnegger et al., arXiv 2503.10842 (2025)",
    )


PRESETS: dict[str, Callable[..., HardwarePreset]] = {
    "nv_near_term": nv_near_term,
    "nv_10x_improved": nv_10x_improved,
    "superconducting_transducer_link": superconducting_transducer_link,
}
"""Preset names accepted wherever a preset may be given by name (and in scenario files)."""


def resolve_preset(spec: HardwarePreset | str | dict[str, Any]) -> HardwarePreset:
    """A :class:`HardwarePreset` from a preset, a preset name, or ``{"name": ..., **options}``.

    Args:
        spec: A preset, one of :data:`PRESETS`' names, or a dict with ``name`` and the preset
            function's keyword options (e.g. ``improvement`` for the transducer link).

    Raises:
        ParameterError: (a ValueError, field ``preset``) unknown preset name (with a
            suggestion), bad options, or a value that is none of the above.

    Example:
        >>> resolve_preset({"name": "superconducting_transducer_link", "improvement": 10}).name
        'superconducting_transducer_link_x10'
        >>> resolve_preset("nv_near_trm")
        Traceback (most recent call last):
        ...
        qnsim._core.ParameterError: preset 'nv_near_trm' is unknown; did you mean 'nv_near_term'? (known: ...)
    """
    from qnsim.specs import did_you_mean, parameter_error

    if isinstance(spec, HardwarePreset):
        return spec
    options: dict[str, Any] = {}
    if isinstance(spec, dict):
        options = dict(spec)
        name = options.pop("name", None)
        if not isinstance(name, str):
            raise parameter_error("preset", f"given as a table needs a 'name' string, got {written(spec)}")
    elif isinstance(spec, str):
        name = spec
    else:
        raise parameter_error("preset", f"must be a HardwarePreset, a name or a table, got {written(spec)}")
    if name not in PRESETS:
        raise parameter_error(
            "preset", f"{written(name)} is unknown{did_you_mean(name, PRESETS)} (known: {', '.join(PRESETS)})"
        )
    # Options are checked against the preset function's signature before the call, so that an error the
    # function raises about a value (improvement = "1000") keeps its own message rather than reading as an
    # unknown option.
    accepted = list(inspect.signature(PRESETS[name]).parameters)
    unknown = [key for key in options if key not in accepted]
    if unknown:
        raise parameter_error("preset", _unknown_options_message(name, unknown, accepted))
    try:
        return PRESETS[name](**options)
    except (TypeError, ValueError) as exc:
        raise parameter_error("preset", f"{written(name)}: {exc}") from None


def _unknown_options_message(name: str, unknown: list[str], accepted: list[str]) -> str:
    """Why ``unknown`` options of preset ``name`` are refused: each with a suggestion among ``accepted``, and a
    node or link field named as belonging beside the preset (``t2_s = ...`` next to ``preset = ...``)."""
    from qnsim.specs import LinkSpec, NodeSpec, did_you_mean, spec_fields

    takes = f"takes {', '.join(repr(a) for a in accepted)}" if accepted else "takes no options"
    fields = {what: {f.name for f in spec_fields(cls)} for what, cls in (("node", NodeSpec), ("link", LinkSpec))}
    parts = []
    for key in unknown:
        owner = next((what for what, names in fields.items() if key in names), None)
        if owner is not None:
            parts.append(f"{written(key)} (a {owner} field: give it beside the preset, not inside its table)")
        else:
            parts.append(f"{written(key)}{did_you_mean(key, accepted)}")
    return f"{written(name)} {takes}; unknown option(s): {', '.join(parts)}"
