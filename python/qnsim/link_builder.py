"""From a link as given (:class:`qnsim.specs.LinkSpec`) to the link the core runs.

A link is described in one of three ways, in order of precedence:

1. ``link_model``: a :class:`qnsim.LinkModel` (e.g. from :func:`qnsim.heralded_link`). A model of
   :func:`qnsim.heralded_link` keeps its arms: each end's herald delay is timed from them (its station
   need not be at the midpoint) and ``length_km`` must be their sum; a model built by hand has its
   station at the midpoint, herald delay L / c_fiber.
2. Abstract: ``fidelity`` (a Werner pair) or ``bell_diagonal``, with ``rate_hz`` and/or
   ``success_probability`` / ``attempt_period_s`` (with only ``rate_hz``, every attempt
   succeeds: deterministic pairs every 1 / rate_hz, or every herald delay when the light takes
   longer, :attr:`LinkInfo.rate_hz`). The herald delay is max(L / c_fiber, attempt period): an
   attempt ends with its herald.
3. Hardware: a ``preset`` (object or name; default: the endpoint nodes' preset, refused when the two
   differ in link hardware the link does not give itself) and/or the pieces ``source``, ``detector``,
   ``transducer`` (both ends) or ``transducer_a`` / ``transducer_b``, ``scheme``, ``attenuation_db_per_km``;
   the model is :func:`qnsim.heralded_link` over two arms of ``length_km / 2``. The herald delay is the
   emission delay + L / c_fiber (+ the first round of a double-click attempt played in full), which equals
   the attempt period when light sets it.

The closed-form link physics runs here, once per link; the core samples attempts from it.

>>> from qnsim.specs import LinkSpec
>>> link = build_link(LinkSpec(a="a", b="b", length_km=1.0, fidelity=0.9, rate_hz=100.0), None, None, 0)
>>> link.rate_hz, round(link.classical_delay_s * 1e6, 3)
(100.0, 4.803)
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qnsim import _core
from qnsim.argument_checks import ordered_sequence, written
from qnsim.hardware import SPEED_OF_LIGHT_M_PER_S, Detector, Fiber, Source, Transducer
from qnsim.link_models import LinkModel, check_double_click_timing, heralded_link
from qnsim.presets import HardwarePreset, resolve_preset
from qnsim.specs import (
    INT64_MAX,
    LinkSpec,
    ParameterError,
    build,
    check_table,
    check_value,
    parameter_error,
    seconds_to_ps,
)

__all__ = ["DEFAULT_REFRACTIVE_INDEX", "LinkInfo", "build_link", "link_model_from_table", "link_model_table"]

#: Refractive index of fiber when neither the link nor its preset gives one (standard telecom
#: fiber; sets the light's speed, hence herald latency: about 4.8 us per km).
DEFAULT_REFRACTIVE_INDEX = 1.44
DEFAULT_ATTENUATION_DB_PER_KM = 0.2


@dataclass(frozen=True)
class LinkInfo:
    """A link as the network holds it (SI units, as rounded to whole picoseconds).

    Attributes:
        a: First node name (side a of the native link).
        b: Second node name.
        index: Native link index.
        length_km: Node-to-node fiber length in km (station at the midpoint).
        channels: Memories reserved for this link at each end (parallel pairs).
        success_probability: Per attempt, in (0, 1].
        attempt_period_s: Attempt period in s (one round with herald-gated double-click timing).
        herald_delay_a_s: Emission of the successful attempt -> node a knows, in s.
        herald_delay_b_s: Same for node b.
        emission_lag_a_s: How long after the successful attempt's first emission node a's qubit was emitted,
            in s (0 but for the end on a station's shorter arm, which emits later so that the photons meet):
            that qubit decays from its own emission.
        emission_lag_b_s: Same for node b.
        classical_delay_s: One-way classical message latency between a and b, in s.
        bell_diagonal: Delivered state's Bell coefficients (Phi+, Psi+, Psi-, Phi-).
        fidelity: Delivered link fidelity (Phi+ coefficient).
        first_round_probability: Herald-gated double click: first-round herald probability
            per attempt (0: every attempt takes one period).
        setup_delay_s: Handshake before the first attempt on freed memories, in s.
        fixed_channels: Memory i at a only pairs with memory i at b.
        state: Exact delivered 4x4 state (used by the density-matrix formalism) or None.
        model: The closed-form :class:`LinkModel` when the link came from hardware.
        spec: The link as given (what :meth:`qnsim.Network.to_toml` writes).

    Example:
        >>> from qnsim.specs import LinkSpec
        >>> build_link(LinkSpec(a="a", b="b", length_km=0.0, fidelity=1.0, rate_hz=1e3), None, None, 0).fidelity
        1.0
    """

    a: str
    b: str
    index: int
    length_km: float
    channels: int
    success_probability: float
    attempt_period_s: float
    herald_delay_a_s: float
    herald_delay_b_s: float
    classical_delay_s: float
    bell_diagonal: tuple[float, float, float, float]
    fidelity: float
    first_round_probability: float = 0.0
    setup_delay_s: float = 0.0
    fixed_channels: bool = False
    emission_lag_a_s: float = 0.0
    emission_lag_b_s: float = 0.0
    state: np.ndarray | None = field(default=None, repr=False, compare=False)
    model: LinkModel | None = field(default=None, repr=False, compare=False)
    spec: LinkSpec | None = field(default=None, repr=False, compare=False)

    @property
    def rate_hz(self) -> float:
        """Mean heralded pairs per second per channel, each pair's memories freed at its herald:
        p / T, or p / (T (1 + q1)) with herald-gated double-click timing, when nothing else waits.

        A channel's failed attempts follow each other every T, and after a success its memories
        wait for the herald H (and the setup delay S) before the next attempt: a success takes
        (1/p - 1) T + max(T, H + S) on average. Hardware links' own periods include the light's
        round trip (H <= T); an abstract link over fiber whose light takes longer than its period
        (``rate_hz`` = 10 kHz over 100 km, H = 480 us) delivers fewer than p / T, and this says so.
        A period below H (an abstract link's, or ``attempt_period_s`` given to a hardware link) is
        simulated as given: failed attempts still follow each other every T, each begun before the
        last one's herald is back, which a memory holding one attempt at a time cannot do (it
        attempts once per H); a run's notes name such hardware links and the rate of a memory that
        waits (an abstract link's period is its ``rate_hz``'s, an abstract process).
        With herald-gated double-click timing a failed first round takes T, a failed second round
        2 T, and a success's two rounds max(2 T, H + S) (H counts its first round): a success
        takes (1 + q1) T / p - 2 T + max(2 T, H + S) on average.

        Example:
            >>> from qnsim.specs import LinkSpec
            >>> spec = LinkSpec(a="a", b="b", length_km=0.0, fidelity=1.0, attempt_period_s=1e-3,
            ...                 success_probability=0.5)
            >>> build_link(spec, None, None, 0).rate_hz
            500.0
            >>> slow = LinkSpec(a="a", b="b", length_km=100.0, fidelity=1.0, rate_hz=1e4)
            >>> round(build_link(slow, None, None, 0).rate_hz)  # one pair per 480 us herald, not 10 kHz
            2082
        """
        p, period = self.success_probability, self.attempt_period_s
        restart = max(self.herald_delay_a_s, self.herald_delay_b_s) + self.setup_delay_s
        if self.first_round_probability > 0:
            # Rounds before a success's first round: (1 + q1) / p - 2 on average (each failed
            # first round one, each failed second round two with its first).
            mean = (1.0 + self.first_round_probability) / p
            if restart <= 2.0 * period:
                return 1.0 / (period * mean)
            return 1.0 / ((mean - 2.0) * period + restart)
        if restart <= period:
            return p / period
        return 1.0 / ((1.0 / p - 1.0) * period + restart)

    def herald_delay_s(self, node: str) -> float:
        """Herald delay at endpoint ``node`` in s.

        Example:
            >>> from qnsim.specs import LinkSpec
            >>> link = build_link(LinkSpec(a="a", b="b", length_km=10.0, fidelity=1.0, rate_hz=1e6), None, None, 0)
            >>> round(link.herald_delay_s("b") * 1e6, 2)
            48.03
        """
        if node == self.a:
            return self.herald_delay_a_s
        if node == self.b:
            return self.herald_delay_b_s
        raise ValueError(f"node {written(node)} is not an end of link {written(self.a)}-{written(self.b)}")

    def to_native(self, node_a: int, node_b: int) -> Any:
        """The ``qnsim._core.LinkParams`` between native nodes ``node_a`` and ``node_b``, validated."""
        params = _core.LinkParams(
            node_a=node_a,
            node_b=node_b,
            channels=self.channels,
            success_probability=self.success_probability,
            attempt_period_ps=seconds_to_ps(self.attempt_period_s, "attempt_period_s"),
            herald_delay_a_ps=seconds_to_ps(self.herald_delay_a_s, "herald_delay_a_s"),
            herald_delay_b_ps=seconds_to_ps(self.herald_delay_b_s, "herald_delay_b_s"),
            emission_lag_a_ps=seconds_to_ps(self.emission_lag_a_s, "emission_lag_a_s"),
            emission_lag_b_ps=seconds_to_ps(self.emission_lag_b_s, "emission_lag_b_s"),
            classical_delay_ps=seconds_to_ps(self.classical_delay_s, "classical_delay_s"),
            setup_delay_ps=seconds_to_ps(self.setup_delay_s, "setup_delay_s"),
            first_round_probability=self.first_round_probability,
            fixed_channels=self.fixed_channels,
            bell_diagonal=list(self.bell_diagonal),
            state=self.state,
        )
        params.validate()
        return params


_ABSTRACT = ("fidelity", "bell_diagonal", "rate_hz", "success_probability")
_HARDWARE = ("preset", "source", "detector", "transducer", "transducer_a", "transducer_b", "scheme")
_PIECES = {
    "source": Source,
    "detector": Detector,
    "transducer": Transducer,
    "transducer_a": Transducer,
    "transducer_b": Transducer,
}


#: A preset's link hardware, each with the link keys that give it instead (phase noise has none).
_PRESET_LINK_FIELDS: dict[str, tuple[str, ...]] = {
    "source": ("source",),
    "detector": ("detector",),
    "scheme": ("scheme",),
    "transducer": ("transducer", "transducer_a+transducer_b"),
    "attenuation_db_per_km": ("attenuation_db_per_km",),
    "refractive_index": ("refractive_index",),
    "phase_std_rad": (),
}


def link_list(name: str, value: object, what: str) -> list[LinkInfo]:
    """``value`` as a list of :class:`LinkInfo` in the order given: the one reading of a list of a network's links
    (:func:`qnsim.routing.route`'s ``links``, a path's ``hops`` for :func:`qnsim.purification.plan_purification`
    and :func:`qnsim.purification.target_shortfall`), whose order matters (ties between paths, a path's hops).

    Args:
        name: The argument's name, as messages show it.
        value: What was given.
        what: What the argument holds, in words (``"the path's links (LinkInfo) in path order"``).

    Raises:
        TypeError: Not an ordered sequence (a set, a generator, a string: named by its type), or an entry that is no
            LinkInfo (the whole list shown): "'str' object has no attribute 'channels'" named neither.
    """
    ordered_sequence(name, value, what)
    links = list(value)  # type: ignore[call-overload]
    if not all(isinstance(link, LinkInfo) for link in links):
        raise TypeError(f"{name} must be {what}, got {written(links):.120}")
    return links


def _endpoint_preset(
    spec: LinkSpec, preset_a: HardwarePreset | None, preset_b: HardwarePreset | None
) -> HardwarePreset | None:
    """The endpoint preset a hardware link without a preset of its own is built from.

    Ends built from presets whose link hardware differs leave the link undefined where the link gives
    none of its own: taking one end's would make the link's figures depend on the order its ends
    are written in (an NV end beside a transducer end read F = 0.85 one way, 0.998 the other)."""
    if preset_a is None or preset_b is None or preset_a == preset_b:
        return preset_a or preset_b
    given = {k for k in _HARDWARE + ("attenuation_db_per_km", "refractive_index") if getattr(spec, k) is not None}
    if {"transducer_a", "transducer_b"} <= given:
        given.add("transducer_a+transducer_b")
    differ = [
        name
        for name, keys in _PRESET_LINK_FIELDS.items()
        if getattr(preset_a, name) != getattr(preset_b, name) and not given.intersection(keys)
    ]
    if not differ:
        return preset_a
    raise ValueError(
        f"its ends were built from presets whose link hardware differs ({preset_a.name!r} at {spec.a!r}, "
        f"{preset_b.name!r} at {spec.b!r}: {', '.join(differ)}), so neither end's defines the link: give the "
        "link its own preset (a name, a table or a HardwarePreset)"
        + ("" if "phase_std_rad" in differ else " or the differing pieces")
    )


def _piece(spec: LinkSpec, name: str) -> Any:
    value = getattr(spec, name)
    return None if value is None else check_value(name, _PIECES[name], value)


def build_link(
    spec: LinkSpec, preset_a: HardwarePreset | None, preset_b: HardwarePreset | None, index: int
) -> LinkInfo:
    """Resolves ``spec`` (see the module docstring) into the :class:`LinkInfo` the network holds.

    Args:
        spec: The link as given.
        preset_a: The preset end a was built from (hardware links default to it), or None.
        preset_b: Same for end b.
        index: Native link index.

    Raises:
        ParameterError: A field refused (named); ValueError: an inconsistent description (e.g.
            fidelity and bell_diagonal, abstract and hardware pieces, a model that never heralds).

    Example:
        >>> from qnsim.specs import LinkSpec
        >>> build_link(LinkSpec(a="a", b="b", length_km=1.0, rate_hz=10.0), None, None, 0)
        Traceback (most recent call last):
        ...
        ValueError: an abstract link needs fidelity or bell_diagonal as well as rate_hz
    """
    if not isinstance(spec, LinkSpec):  # was "'int' object has no attribute 'fidelity'" (AttributeError)
        raise TypeError(f"build_link spec must be a qnsim.specs.LinkSpec, got {written(spec)}")
    # The keys given of each kind, named in the refusals: "cannot be combined with hardware pieces" left the user to
    # find which key of the link was one (a scheme, or a preset given where the ends' one was meant).
    abstract = [k for k in _ABSTRACT if getattr(spec, k) is not None]
    hardware = [k for k in _HARDWARE if getattr(spec, k) is not None]
    if spec.link_model is not None and (abstract or hardware):
        raise ValueError(
            f"give either link_model, or abstract fidelity/rate, or hardware, not several (link_model and "
            f"{', '.join(abstract + hardware)} given)"
        )
    if abstract and hardware:
        raise ValueError(
            f"abstract fidelity/bell_diagonal/rate_hz cannot be combined with hardware pieces ({', '.join(abstract)} "
            f"given with {', '.join(hardware)})"
        )
    if (abstract or spec.link_model is not None) and spec.attenuation_db_per_km is not None:
        # Fiber loss only enters the heralded-link model; an abstract link's rate_hz (or a link
        # model's success_probability) already includes it, so the value would be ignored.
        raise ValueError(
            f"attenuation_db_per_km = {written(spec.attenuation_db_per_km)} applies to hardware links only; an "
            "abstract "
            "link's rate_hz or success_probability (or a link_model's) already includes the fiber loss"
        )
    if spec.transducer is not None and spec.transducer_a is not None and spec.transducer_b is not None:
        # Each end's own transducer overrides the common one: with both given, transducer was taken and used nowhere.
        raise ValueError(
            "transducer is used at the ends without a transducer of their own, and transducer_a and transducer_b "
            "both give one: leave transducer out, or one of transducer_a, transducer_b"
        )
    if spec.double_click_timing != "both_rounds" and (abstract or spec.link_model is not None):
        # A link_model's timing was fixed when heralded_link made it: the key was taken and did nothing.
        raise parameter_error(
            "double_click_timing",
            "applies to hardware double-click links, not abstract ones"
            if abstract
            else "applies to hardware double-click links; a link_model has the timing heralded_link made it with",
        )
    preset = None
    if spec.preset is not None:
        preset = resolve_preset(spec.preset)
    elif not abstract and spec.link_model is None:
        preset = _endpoint_preset(spec, preset_a, preset_b)
    fiber = build(
        Fiber,
        {
            "length_km": spec.length_km,
            "attenuation_db_per_km": _first(
                spec.attenuation_db_per_km, preset and preset.attenuation_db_per_km, DEFAULT_ATTENUATION_DB_PER_KM
            ),
            "refractive_index": _first(
                spec.refractive_index, preset and preset.refractive_index, DEFAULT_REFRACTIVE_INDEX
            ),
        },
    )
    try:
        classical_delay_s = _rounded(fiber.delay_s, "classical_delay_s")
    except ParameterError as exc:  # derived from the length: name it, in km
        # Too short a fiber rounds its light time to 0 ps, too long one leaves the int64 range: say which.
        why = (
            "below the core's 1 ps time resolution (it would round to 0: give length_km = 0, or "
            f"{1e-12 / fiber.delay_s * spec.length_km:.3g} km for 1 ps of light)"
            if fiber.delay_s < 1.0
            else "beyond the int64 picosecond range (about 106 days)"
        )
        # A refractive_index given, under which the length alone would be held, is the key named (its refusal
        # named only length_km = 1 km, "at refractive index 9.2e+18", not the key to change).
        index_given = (
            spec.refractive_index is not None
            and fiber.delay_s >= 1.0
            and Fiber(spec.length_km, 0.0, DEFAULT_REFRACTIVE_INDEX).delay_s < INT64_MAX / 1e12
        )
        raise parameter_error(
            "refractive_index" if index_given else "length_km",
            f"= {written(fiber.refractive_index)} with length_km = {written(spec.length_km)} km gives a one-way light "
            f"time of {written(fiber.delay_s)} s, {why}"
            if index_given
            else f"= {written(spec.length_km)} km at refractive index {written(fiber.refractive_index)} gives a "
            f"one-way light time of {written(fiber.delay_s)} s, {why}",
        ) from exc
    common = {
        "a": spec.a,
        "b": spec.b,
        "index": index,
        "length_km": spec.length_km,
        "channels": spec.channels,
        "classical_delay_s": classical_delay_s,
        "setup_delay_s": spec.setup_delay_s,
        "fixed_channels": spec.fixed_channels,
        "spec": spec,
    }
    if abstract:
        return _abstract_link(spec, fiber, common)
    if spec.link_model is not None:
        if isinstance(spec.link_model, Mapping):  # a scenario file's table (see link_model_table)
            model = link_model_from_table(spec.link_model)
        else:
            model = check_value("link_model", LinkModel, spec.link_model)
        detector = None
    else:
        if preset is None and (spec.source is None or spec.detector is None):
            raise ValueError(
                "needs a link description: a preset (or endpoint nodes built from one), a source and a "
                "detector, a link_model, or an abstract fidelity and rate_hz"
            )
        source = _piece(spec, "source") or preset.source  # type: ignore[union-attr]
        default_transducer = _piece(spec, "transducer") or (preset.transducer if preset else None)
        half = Fiber(spec.length_km / 2.0, fiber.attenuation_db_per_km, fiber.refractive_index)
        detector = _piece(spec, "detector") or preset.detector  # type: ignore[union-attr]
        transducers = (_piece(spec, "transducer_a") or default_transducer,
                       _piece(spec, "transducer_b") or default_transducer)  # fmt: skip
        scheme = spec.scheme or (preset.scheme if preset else "single_click")
        # Named as the link's key, and whence its scheme came (a preset's single click, say), not as heralded_link's.
        whence = " (the default)" if preset is None else f" (from the preset {written(preset.name)})"
        check_double_click_timing(spec.double_click_timing, scheme, "" if spec.scheme else whence)
        model = heralded_link(
            scheme,
            source,
            source,
            half,
            half,
            detector,
            *transducers,
            phase_std_rad=preset.phase_std_rad if preset else 0.0,
            double_click_timing=spec.double_click_timing,
        )
    if model.success_probability <= 0:
        if detector is not None and detector.dark_count_probability >= 1.0:
            # A herald is one detector's click without the other's: detectors that click in every window never
            # herald. This read "check efficiencies", naming neither the dark counts nor their key.
            raise ValueError(
                f"the link model never succeeds: the detector's dark_count_rate_hz = "
                f"{written(detector.dark_count_rate_hz)} Hz over its detection_window_s = "
                f"{written(detector.detection_window_s)} s clicks in every window, so no click heralds a pair"
            )
        if detector is not None:
            # "check efficiencies" named none: a transducer of efficiency 0 (and no dark counts) read the same as a
            # fiber too long, leaving the user to find the 0 among five pieces.
            zeros = [
                f"{name}.efficiency = 0"
                for name, piece in (("detector", detector), *zip(("transducer_a", "transducer_b"), transducers))
                if piece is not None and piece.efficiency == 0
            ]
            if source.emission_efficiency == 0:
                zeros.insert(0, "source.emission_efficiency = 0")
            if zeros:
                raise ValueError(
                    f"the link model never succeeds (success_probability 0): {', '.join(zeros)}, and no dark counts "
                    "to herald in place of the photons"
                )
        else:
            raise ValueError("link_model.success_probability is 0: the link never heralds a pair")
        raise ValueError("the link model never succeeds (success_probability 0); check efficiencies")
    period = model.attempt_period_s if spec.attempt_period_s is None else spec.attempt_period_s
    # The herald of the successful attempt's last round: emission, photon to the station and
    # herald back; a double-click attempt played in full first spends its first round.
    played_first_round = model.scheme == "double_click" and model.first_round_probability == 0
    first = (period / 2 if played_first_round else 0.0) + model.emission_delay_s
    if model.first_round_probability > 0:
        first += period  # the first round, then the second one's light
    light, lag = _arm_light_times(spec, model, fiber)
    if model.arm_delays_s is not None:
        # The classical messages between the ends run over the model's fibers (through the station): a model of
        # fibers at index 1.47 had its heralds timed at 1.47 and its swap news at the link's default 1.44.
        common["classical_delay_s"] = _model_classical_delay(spec, model)
    return LinkInfo(
        **common,
        success_probability=model.success_probability,
        attempt_period_s=_rounded_period(
            period, "attempt_period_s", None, model.success_probability / (1.0 + model.first_round_probability), True
        ),
        herald_delay_a_s=_rounded(first + light[0], "herald_delay_a_s"),
        herald_delay_b_s=_rounded(first + light[1], "herald_delay_b_s"),
        emission_lag_a_s=_rounded(lag[0], "emission_lag_a_s"),
        emission_lag_b_s=_rounded(lag[1], "emission_lag_b_s"),
        bell_diagonal=tuple(float(x) for x in model.bell_diagonal),  # type: ignore[arg-type]
        fidelity=float(model.fidelity),
        first_round_probability=model.first_round_probability,
        state=np.array(model.state, dtype=complex),
        model=model,
    )


def _arm_light_times(spec: LinkSpec, model: LinkModel, fiber: Fiber) -> tuple[tuple[float, float], tuple[float, float]]:
    """Light time from the successful attempt's first emission to each end's herald, and each end's emission
    after that first one, in s (emission delay excluded): ``((light_a, light_b), (lag_a, lag_b))``.

    The photons must meet at the station, so the end on the longer arm (light time d_far) emits first and the
    other d_far - d_near later; the station heralds d_far after the first emission, and end x hears it d_x after
    that: d_far + d_x, measured from the first emission. That is each end's own arm's round trip counted from its
    own emission (2 d_x), shifted for the nearer end by the later start of its qubit, its lag d_far - d_x, from
    which the core decays it. The pair's age (its oldest emission, the cutoff) is the older qubit's. A model
    without arms (built by hand) has its station at the midpoint of ``length_km``: both heralds L / c, no lag.

    Raises:
        ValueError: ``length_km`` is not the sum of the model's arms (one length, two answers).
    """
    if model.arm_delays_s is None or model.arm_lengths_km is None:
        return (fiber.delay_s, fiber.delay_s), (0.0, 0.0)
    arms_km = model.arm_lengths_km
    total = arms_km[0] + arms_km[1]
    if abs(total - spec.length_km) > 1e-9 * max(total, spec.length_km, 1e-3):
        # A 2 km + 18 km model on a link of length_km = 10 km ran with its heralds timed from the 10 km.
        raise ValueError(
            f"length_km = {written(spec.length_km)} km is not the link model's length: its fibers are "
            f"{written(arms_km[0])} km (a to the station) + {written(arms_km[1])} km (b) = {written(total)} km; give "
            f"length_km = {written(total)}, or build the model for {written(spec.length_km)} km"
        )
    far = max(model.arm_delays_s)
    d_a, d_b = model.arm_delays_s
    return (far + d_a, far + d_b), (far - d_a, far - d_b)


def _model_classical_delay(spec: LinkSpec, model: LinkModel) -> float:
    """The node-to-node light time over a model's two arms, d_a + d_b in s (whole picoseconds).

    Raises:
        ParameterError: ``refractive_index`` given with a model whose fibers have another one (one fiber, two
            speeds of light).
    """
    delays, lengths = model.arm_delays_s, model.arm_lengths_km
    assert delays is not None and lengths is not None
    total_s, total_km = delays[0] + delays[1], lengths[0] + lengths[1]
    if spec.refractive_index is not None and total_km > 0:
        index = total_s * SPEED_OF_LIGHT_M_PER_S / (total_km * 1e3)
        if abs(index - spec.refractive_index) > 1e-9 * index:
            raise parameter_error(
                "refractive_index",
                f"= {written(spec.refractive_index)} is not the link model's: its fibers carry light at index "
                f"{index:.6g} ({written(total_km)} km in {written(total_s)} s); leave refractive_index out (the "
                "model's fibers time the link) or build the model's fibers at it",
            )
    return _rounded(total_s, "classical_delay_s")


def _abstract_link(spec: LinkSpec, fiber: Fiber, common: dict[str, Any]) -> LinkInfo:
    if spec.fidelity is not None and spec.bell_diagonal is not None:
        raise ValueError("give fidelity or bell_diagonal, not both")
    if spec.fidelity is not None:
        f = spec.fidelity
        diag = (f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3)
    elif spec.bell_diagonal is not None:
        diag = spec.bell_diagonal  # range and sum are checked natively
    else:
        raise ValueError("an abstract link needs fidelity or bell_diagonal as well as rate_hz")
    p = 1.0 if spec.success_probability is None else spec.success_probability
    if spec.attempt_period_s is not None:
        if spec.rate_hz is not None:
            raise ValueError("give rate_hz or attempt_period_s, not both")
        period = spec.attempt_period_s
    elif spec.rate_hz is not None:
        period = p / spec.rate_hz
    else:
        raise ValueError("an abstract link needs rate_hz or attempt_period_s")
    # Errors in the derived times name the key that was given (rate_hz = inf is a 0 s period).
    given = "attempt_period_s" if spec.attempt_period_s is not None else "rate_hz"
    try:
        period_s = _rounded(period, given)
        if period_s <= 0:
            raise parameter_error(
                given, f"gives an attempt period of {written(period)} s, below the 1 ps time resolution"
            )
    except ParameterError as exc:
        if given != "rate_hz":
            raise
        # The period is derived: name the rate that was given, in Hz (not the period as if it were it).
        why = "below the 1 ps time resolution" if period < 1 else "beyond the int64 picosecond range (about 106 days)"
        raise parameter_error(
            "rate_hz",
            f"= {written(spec.rate_hz)} Hz with success_probability {written(p)} gives an attempt period of "
            f"{written(period)} s, {why}",
        ) from exc
    period_s = _rounded_period(period, given, spec.rate_hz if given == "rate_hz" else None, p)
    # An abstract attempt ends with its herald: no earlier than one period after it began.
    herald = _rounded(max(fiber.delay_s, period), given if period >= fiber.delay_s else "length_km")
    return LinkInfo(
        **common,
        success_probability=p,
        attempt_period_s=period_s,
        herald_delay_a_s=herald,
        herald_delay_b_s=herald,
        bell_diagonal=tuple(float(x) for x in diag),  # type: ignore[arg-type]
        fidelity=float(diag[0]),
    )


def _first(*values: Any) -> Any:
    return next(v for v in values if v is not None and v is not False)


def _rounded(seconds: float, field_name: str) -> float:
    """Seconds as the core will hold them (whole picoseconds)."""
    return seconds_to_ps(seconds, field_name) / 1e12


# How far rounding an attempt period to whole picoseconds may move the link's rate. A 1 ps clock
# rounds a 1.67 ps period (6e11 Hz) to 2 ps: 5e11 Hz, 17% off, which the link then reported as its
# rate without a word; a period of 333.33 ps (3 GHz, 0.1% off) is the coarsest still taken.
_PERIOD_ROUNDING = 1e-3


def _rounded_period(
    seconds: float, field_name: str, rate_hz: float | None = None, p: float = 1.0, hardware: bool = False
) -> float:
    """An attempt period in whole picoseconds, refused (named) where the rounding would move the
    link's rate (``p`` pairs per period) by more than 0.1%."""
    rounded = _rounded(seconds, field_name)
    if rounded > 0 and abs(rounded - seconds) > _PERIOD_ROUNDING * seconds:
        given = (
            f"= {rate_hz!r} Hz gives an attempt period of {seconds:.4g} s, which"
            if rate_hz is not None
            else (f"= {seconds!r} s: an attempt period")
        )
        wanted_hz = p / seconds
        if hardware:
            fix = "give the source an attempt rate whose period is a whole number of picoseconds"
        elif wanted_hz <= 1e12:
            fix = f"attempt_period_s = 1e-12 with success_probability = {wanted_hz * 1e-12:.4g} has the rate wanted"
        else:
            fix = "beyond 1e12 Hz a channel cannot go: give the link more channels"
        raise parameter_error(
            field_name,
            f"{given} the core's 1 ps clock rounds to {rounded:.4g} s: a rate of {p / rounded:.4g} Hz, "
            f"{abs(seconds / rounded - 1):.1%} off the {wanted_hz:.4g} Hz described ({fix})",
        )
    return rounded


_MODEL_KEYS = tuple(f.name for f in dataclasses.fields(LinkModel))


def link_model_table(model: LinkModel) -> dict[str, Any]:
    """A :class:`qnsim.LinkModel` as a scenario file's ``link_model`` table: every field, the
    4x4 complex ``state`` as ``{real = [[...]], imag = [[...]]}``. Floats are written with
    ``repr``, so :func:`link_model_from_table` gives back the same model bit for bit.

    Example:
        >>> from qnsim import Detector, Fiber, Source, heralded_link
        >>> src = Source(attempt_rate_hz=1e6, emission_efficiency=0.5)
        >>> model = heralded_link("single_click", src, src, Fiber(1.0), Fiber(1.0), Detector(0.9))
        >>> table = link_model_table(model)
        >>> sorted(table["state"]), len(table["state"]["real"])
        (['imag', 'real'], 4)
        >>> again = link_model_from_table(table)
        >>> again == model and bool((again.state == model.state).all())
        True
    """
    if not isinstance(model, LinkModel):  # was "'NoneType' object has no attribute 'state'" (AttributeError)
        raise TypeError(f"link_model_table model must be a qnsim.LinkModel, got {written(model)}")
    state = np.asarray(model.state, dtype=complex)
    table: dict[str, Any] = {}
    for name in _MODEL_KEYS:
        value = getattr(model, name)
        if name == "state":
            value = {"real": state.real.tolist(), "imag": state.imag.tolist()}
        elif name == "bell_diagonal":
            value = [float(x) for x in value]
        elif value is None:
            continue  # a model built by hand has no arms (a scenario file holds no None)
        elif name in ("arm_lengths_km", "arm_delays_s"):
            value = [float(x) for x in value]
        elif isinstance(value, numbers.Real) and not isinstance(value, bool):
            value = float(value)
        table[name] = value
    return table


def link_model_from_table(table: Mapping[str, Any]) -> LinkModel:
    """The :class:`qnsim.LinkModel` of a ``link_model`` table (see :func:`link_model_table`).

    Raises:
        ParameterError: ``table`` is not a mapping, an unknown or missing key (did-you-mean), a value of the wrong
            type, or a state that is not 4x4 (``link_model.state``); the native check refuses the rest.

    Example:
        >>> link_model_from_table({"scheme": "single_click"})
        Traceback (most recent call last):
        ...
        qnsim._core.ParameterError: link_model.success_probability is required by LinkModel
    """
    check_table(LinkModel, table, "link_model")
    values = dict(table)
    raw = values.get("state")
    if raw is not None:
        if not isinstance(raw, Mapping) or set(raw) != {"real", "imag"}:
            raise parameter_error(
                "link_model.state", f"must be a table {{real = [[...]], imag = [[...]]}}, got {written(raw)}"
            )
        try:
            real, imag = np.array(raw["real"]), np.array(raw["imag"])
        except (TypeError, ValueError):
            raise parameter_error("link_model.state", f"must hold 4x4 arrays of numbers, got {written(raw)}") from None
        if real.dtype.kind not in "iuf" or imag.dtype.kind not in "iuf":
            # dtype=float read true as 1.0 and the text "0.5" as 0.5, without a word.
            raise parameter_error("link_model.state", f"must hold 4x4 arrays of numbers, got {written(raw)}")
        real, imag = real.astype(float), imag.astype(float)
        if real.shape != (4, 4) or imag.shape != (4, 4):
            raise parameter_error("link_model.state", f"must hold 4x4 arrays, got shapes {real.shape} and {imag.shape}")
        values["state"] = real + 1j * imag
    for name in ("bell_diagonal", "arm_lengths_km", "arm_delays_s"):
        if name in values and isinstance(values[name], list):
            values[name] = tuple(values[name])
    return build(LinkModel, values, where="link_model")
