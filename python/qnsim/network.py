"""Networks of QPUs and repeaters joined by heralded links: describe, run, read the results.

A :class:`Network` holds a description in SI units (nodes with hardware, links with a length
and a link model, end-to-end requests) and builds the native event-driven network
(``qnsim._core.NativeNetwork``, integer picoseconds) on the first :meth:`Network.run`. The
native core then runs link generation, swap-ASAP, recurrence purification and cutoffs without
returning to Python, except for requests driven by a Python :class:`qnsim.Protocol`.

Modelling choices (see also ``cpp/network/network.h``):

* Each link has a heralding station at its midpoint. The number of attempts until success is
  drawn from a geometric distribution; the pair is emitted at the start of the successful
  attempt and each end learns of it after its *herald delay*: the photon's flight to the
  station and the herald's flight back (``L / c_fiber`` for equal arms), plus the emission
  delay, plus the first round of a two-round (double-click) scheme.
* Classical messages between neighbours take ``L / c_fiber``; along a path, the sum.
* Memory decoherence (T1 amplitude damping, then dephasing to T2) runs from emission and is
  applied for the exact time each qubit waited.
* Swap corrections are a Pauli frame applied when a qubit is next used; ends learn of a swap
  one classical latency after the swapping node knew both pairs and measured.
* Cutoffs are judged with a global view: a qubit stored longer than the cutoff is discarded
  together with its partner at the same instant.

>>> import qnsim
>>> net = qnsim.Network(seed=7)
>>> for name in ("alice", "repeater", "bob"):
...     _ = net.add_node(name, role="repeater" if name == "repeater" else "qpu")
>>> _ = net.add_link("alice", "repeater", length_km=10.0, fidelity=0.95, rate_hz=1e3)
>>> _ = net.add_link("repeater", "bob", length_km=10.0, fidelity=0.95, rate_hz=1e3)
>>> req = net.request("alice", "bob", num_pairs=20)
>>> result = net.run(until_s=1.0)
>>> result.requests[0].num_pairs
20
>>> round(result.requests[0].mean_fidelity, 4) == round(qnsim.werner_swap_fidelity(0.95, 0.95), 4)
True
"""

from __future__ import annotations

import difflib
import math
import numbers
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable

import networkx as nx
import numpy as np

from qnsim import _core
from qnsim.hardware import Detector, Fiber, GateNoise, Memory, NodeHardware, Source, Transducer
from qnsim.link_models import SCHEMES, LinkModel, bbpssw, dejmps, heralded_link
from qnsim.presets import HardwarePreset, nv_10x_improved, nv_near_term, superconducting_transducer_link
from qnsim.results import NetworkResult, RequestResult

if TYPE_CHECKING:  # pragma: no cover
    from qnsim.protocol import Protocol

__all__ = [
    "FORMALISMS",
    "PRESETS",
    "ROLES",
    "LinkInfo",
    "Network",
    "NetworkResult",
    "NodeInfo",
    "RequestInfo",
    "RequestResult",
    "purification_rounds_for",
    "resolve_preset",
]

FORMALISMS: tuple[str, ...] = ("density_matrix", "stabilizer")
ROLES: tuple[str, ...] = ("qpu", "repeater", "qnu")
PURIFICATIONS: tuple[str, ...] = ("bbpssw", "dejmps")
ROUTINGS: tuple[str, ...] = ("hops", "rate", "fidelity")
SWAP_SCHEDULES: tuple[str, ...] = ("asap", "nested")

PRESETS: dict[str, Callable[..., HardwarePreset]] = {
    "nv_near_term": nv_near_term,
    "nv_10x_improved": nv_10x_improved,
    "superconducting_transducer_link": superconducting_transducer_link,
}
"""Preset names accepted wherever a preset may be given by name (and in scenario files)."""

_INT64_MAX = 2**63 - 1
# Native request status -> the name results use: a request still being served when the run
# stopped is "open" (it would go on if the run did).
_STATUS = {"pending": "pending", "waiting": "waiting", "active": "open", "served": "served", "dropped": "dropped"}
_DEFAULT_REFRACTIVE_INDEX = 1.44


def resolve_preset(spec: HardwarePreset | str | dict[str, Any]) -> HardwarePreset:
    """A :class:`HardwarePreset` from a preset, a preset name, or ``{"name": ..., **options}``.

    Args:
        spec: A preset, one of :data:`PRESETS`' names, or a dict with ``name`` and the preset
            function's keyword options (e.g. ``improvement`` for the transducer link).

    Raises:
        ValueError: Unknown preset name (with a suggestion) or bad options.

    Example:
        >>> resolve_preset({"name": "superconducting_transducer_link", "improvement": 10}).name
        'superconducting_transducer_link_x10'
        >>> resolve_preset("nv_near_trm")
        Traceback (most recent call last):
        ...
        ValueError: unknown preset 'nv_near_trm'; did you mean 'nv_near_term'? (known: nv_near_term, nv_10x_improved, superconducting_transducer_link)
    """
    if isinstance(spec, HardwarePreset):
        return spec
    options: dict[str, Any] = {}
    if isinstance(spec, dict):
        options = dict(spec)
        name = options.pop("name", None)
        if not isinstance(name, str):
            raise ValueError(f"a preset given as a table needs a 'name' string, got {spec!r}")  # noqa: TRY004 - a bad scenario value is a ValueError
    elif isinstance(spec, str):
        name = spec
    else:
        raise TypeError(f"a preset must be a HardwarePreset, a name or a dict, got {spec!r}")
    if name not in PRESETS:
        raise ValueError(
            f"unknown preset {name!r}{_did_you_mean(name, PRESETS)} (known: {', '.join(PRESETS)})"
        )
    try:
        return PRESETS[name](**options)
    except TypeError as exc:
        raise ValueError(f"preset {name!r} does not accept options {sorted(options)}: {exc}") from None


def purification_rounds_for(
    bell_diagonal: Sequence[float], target_fidelity: float, scheme: str = "dejmps", max_rounds: int = 16
) -> int:
    """The fewest recurrence rounds that lift a link's pairs to ``target_fidelity``.

    Symmetric recurrence: each round purifies two pairs of the previous level, so round k
    starts from the output of round k-1 on both inputs. DEJMPS follows the Bell-diagonal
    state with :func:`qnsim.dejmps`; BBPSSW follows the fidelity with :func:`qnsim.bbpssw`
    (a Werner twirl between rounds, as the native engine applies). Gate noise, memory
    decoherence and the success probability (how many link pairs a round costs) are not part
    of the count.

    Args:
        bell_diagonal: The link's delivered state (Phi+, Psi+, Psi-, Phi-).
        target_fidelity: Wanted fidelity in [0, 1].
        scheme: ``"dejmps"`` or ``"bbpssw"``.
        max_rounds: Give up beyond this many rounds (the native engine allows 16).

    Returns:
        The number of rounds (0 if the link already reaches the target).

    Raises:
        ValueError: The target cannot be reached (the message gives the best fidelity).

    Example:
        >>> purification_rounds_for([0.8, 0.2 / 3, 0.2 / 3, 0.2 / 3], 0.9)
        2
        >>> purification_rounds_for([0.8, 0.2 / 3, 0.2 / 3, 0.2 / 3], 0.9, "bbpssw")
        3
        >>> purification_rounds_for([0.5, 0.5 / 3, 0.5 / 3, 0.5 / 3], 0.6)
        Traceback (most recent call last):
        ...
        ValueError: fidelity 0.5 cannot reach target_fidelity 0.6 with dejmps: recurrence purification needs fidelity > 1/2
    """
    if scheme not in PURIFICATIONS:
        raise ValueError(f"scheme must be 'dejmps' or 'bbpssw', got {scheme!r}{_did_you_mean(str(scheme), PURIFICATIONS)}")
    target = _check_number("purification_rounds_for", "target_fidelity", target_fidelity, minimum=0.0, maximum=1.0)
    diag = np.asarray(_check_bell_diagonal("purification_rounds_for", bell_diagonal), dtype=float)
    f0 = float(diag[0])
    best = f0
    for k in range(max_rounds + 1):
        f = float(diag[0])
        best = max(best, f)
        if f >= target - 1e-12:
            return k
        if k == max_rounds:
            break
        if scheme == "dejmps":
            diag = dejmps(diag, diag)[0]
        else:
            g = bbpssw(min(1.0, max(0.0, f)))[0]
            diag = np.array([g, (1 - g) / 3, (1 - g) / 3, (1 - g) / 3])
    if f0 <= 0.5:
        why = "recurrence purification needs fidelity > 1/2"
    else:
        why = f"the best in {max_rounds} rounds is {best:.6g}"
    raise ValueError(f"fidelity {f0:.4g} cannot reach target_fidelity {target:.10g} with {scheme}: {why}")


@dataclass(frozen=True)
class NodeInfo:
    """A node as the network holds it (SI units).

    Attributes:
        name: Unique node name.
        index: Native node index.
        role: ``"qpu"``, ``"repeater"`` or ``"qnu"`` (descriptive; all run the same protocols).
        num_memories: Memory qubits, or None for "as many as its links' channels need".
        t1_s: Memory T1 in s (inf: none).
        t2_s: Memory T2 in s (inf: none).
        gates: Gate errors and durations.
        preset: The preset the node was built from, if any (its links default to it).

    Example:
        >>> net = Network()
        >>> net.add_node("a", num_memories=4, t2_s=1e-3).t2_s
        0.001
    """

    name: str
    index: int
    role: str
    num_memories: int | None
    t1_s: float
    t2_s: float
    gates: GateNoise
    preset: HardwarePreset | None = field(default=None, repr=False)


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
        attempt_period_s: Attempt period in s.
        herald_delay_a_s: Emission of the successful attempt -> node a knows, in s.
        herald_delay_b_s: Same for node b.
        classical_delay_s: One-way classical message latency between a and b, in s.
        bell_diagonal: Delivered state's Bell coefficients (Phi+, Psi+, Psi-, Phi-).
        fidelity: Delivered link fidelity (Phi+ coefficient).
        state: Exact delivered 4x4 state (used by the density-matrix formalism) or None.
        model: The closed-form :class:`LinkModel` when the link came from hardware.

    Example:
        >>> net = Network()
        >>> _ = net.add_node("a"); _ = net.add_node("b")
        >>> link = net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=100.0)
        >>> link.rate_hz, round(link.classical_delay_s * 1e6, 3)
        (100.0, 4.803)
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
    state: np.ndarray | None = field(default=None, repr=False, compare=False)
    model: LinkModel | None = field(default=None, repr=False, compare=False)

    @property
    def rate_hz(self) -> float:
        """Mean heralded pairs per second per channel, success_probability / attempt_period_s.

        Example:
            >>> net = Network(); _ = net.add_node("a"); _ = net.add_node("b")
            >>> net.add_link("a", "b", length_km=0.0, fidelity=1.0, attempt_period_s=1e-3, success_probability=0.5).rate_hz
            500.0
        """
        return self.success_probability / self.attempt_period_s

    def herald_delay_s(self, node: str) -> float:
        """Herald delay at endpoint ``node`` in s.

        Example:
            >>> net = Network(); _ = net.add_node("a"); _ = net.add_node("b")
            >>> link = net.add_link("a", "b", length_km=10.0, fidelity=1.0, rate_hz=1e6)
            >>> round(link.herald_delay_s("b") * 1e6, 2)
            48.03
        """
        if node == self.a:
            return self.herald_delay_a_s
        if node == self.b:
            return self.herald_delay_b_s
        raise ValueError(f"node {node!r} is not an end of link {self.a!r}-{self.b!r}")


@dataclass(frozen=True)
class RequestInfo:
    """An end-to-end request.

    Attributes:
        index: Request index (results are listed in this order).
        path: Node names from source to destination.
        num_pairs: Stop after this many deliveries, or None (until the run ends).
        start_s: Start time in s.
        cutoff_s: Storage cutoff in s, or None.
        purification: ``"bbpssw"``, ``"dejmps"`` or None.
        purification_rounds: Recurrence rounds on each link before swapping.
        keep_pairs: Delivered pairs stay in memory (release with :meth:`Network.release_pair`).
        protocol: The Python protocol driving the request, or None (native swap-ASAP).
        routing: How the path was chosen: ``"hops"``, ``"rate"``, ``"fidelity"`` or
            ``"explicit"`` (a given ``path``).
        memories_per_link: Memory slots reserved at each end of each link of the path.
        deadline_s: Absolute simulated time by which the request must be served, or None.
        min_fidelity: Delivered pairs below this fidelity are discarded (0: keep all).
        swap_schedule: ``"asap"`` or ``"nested"``.
        end_to_end_purification_rounds: Recurrence rounds on end-to-end pairs before delivery.
        target_fidelity: The per-link purification target the rounds were chosen for, or None.

    Example:
        >>> net = Network()
        >>> _ = net.add_node("a"); _ = net.add_node("b")
        >>> _ = net.add_link("a", "b", length_km=0.0, fidelity=1.0, rate_hz=1.0)
        >>> net.request("a", "b").src
        'a'
    """

    index: int
    path: tuple[str, ...]
    num_pairs: int | None
    start_s: float
    cutoff_s: float | None
    purification: str | None
    purification_rounds: int
    keep_pairs: bool
    protocol: Protocol | None = field(default=None, repr=False, compare=False)
    routing: str = "hops"
    memories_per_link: int = 1
    deadline_s: float | None = None
    min_fidelity: float = 0.0
    swap_schedule: str = "asap"
    end_to_end_purification_rounds: int = 0
    target_fidelity: float | None = None

    @property
    def src(self) -> str:
        """Source node name."""
        return self.path[0]

    @property
    def dst(self) -> str:
        """Destination node name."""
        return self.path[-1]


class Network:
    """A quantum network: nodes, heralded links, end-to-end requests, and the native run.

    Args:
        formalism: ``"density_matrix"`` (exact states and fidelities) or ``"stabilizer"``
            (Pauli noise, fast; non-Pauli channels are Pauli-twirled).
        seed: Seed of every random stream (per link and for the registry). None draws one
            from the OS; the same seed and description reproduce a run bit for bit.
        max_records: Keep at most this many delivery records (per-pair times and
            fidelities); None keeps all. Beyond it, per-request counts, mean fidelity and its
            spread still come from native aggregates, so memory does not grow with the number
            of delivered pairs.

    Raises:
        ValueError: Unknown formalism, bad seed or max_records.

    Example:
        >>> net = Network("stabilizer", seed=3)
        >>> net.formalism, net.seed
        ('stabilizer', 3)
    """

    def __init__(
        self, formalism: str = "density_matrix", seed: int | None = None, *, max_records: int | None = None
    ) -> None:
        if formalism not in FORMALISMS:
            raise ValueError(
                f"formalism must be one of {FORMALISMS}, got {formalism!r}{_did_you_mean(formalism, FORMALISMS)}"
            )
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= int(seed) < 2**64:
                raise ValueError(f"seed must be an integer in [0, 2**64) or None, got {seed!r}")
            seed = int(seed)
        if max_records is not None and (
            isinstance(max_records, bool) or not isinstance(max_records, numbers.Integral) or max_records < 0
        ):
            raise ValueError(f"max_records must be an integer >= 0 or None, got {max_records!r}")
        self.formalism = formalism
        self.seed = seed
        self._max_records = None if max_records is None else int(max_records)
        self._nodes: dict[str, NodeInfo] = {}
        self._links: dict[frozenset[str], LinkInfo] = {}
        self._link_order: list[LinkInfo] = []
        self._requests: list[RequestInfo] = []
        self._native: Any = None
        self._native_requests = 0
        self._wall_time_s = 0.0
        # Python-protocol plumbing: ids -> (protocol, payload).
        self._messages: dict[int, tuple[Any, Any]] = {}
        self._timers: dict[int, tuple[Any, Any]] = {}
        self._next_id = 1
        self._protocol_of_link: dict[int, Any] = {}

    # ---- description -------------------------------------------------------------------

    @property
    def nodes(self) -> dict[str, NodeInfo]:
        """Nodes by name (a copy).

        Example:
            >>> net = Network(); _ = net.add_node("a"); list(net.nodes)
            ['a']
        """
        return dict(self._nodes)

    @property
    def links(self) -> list[LinkInfo]:
        """Links in the order they were added.

        Example:
            >>> Network().links
            []
        """
        return list(self._link_order)

    @property
    def requests(self) -> list[RequestInfo]:
        """Requests in the order they were made.

        Example:
            >>> Network().requests
            []
        """
        return list(self._requests)

    def add_node(
        self,
        name: str,
        *,
        role: str = "qpu",
        hardware: NodeHardware | HardwarePreset | str | None = None,
        num_memories: int | None = None,
        t1_s: float | None = None,
        t2_s: float | None = None,
        gate1_error: float | None = None,
        gate2_error: float | None = None,
        measure_error: float | None = None,
        gate1_duration_s: float | None = None,
        gate2_duration_s: float | None = None,
        measure_duration_s: float | None = None,
    ) -> NodeInfo:
        """Adds a node.

        Hardware comes from ``hardware`` (a :class:`NodeHardware`, a :class:`HardwarePreset`
        or a preset name); each keyword given explicitly overrides it. Without hardware the
        node is ideal (no gate noise, no decoherence) with as many memories as its links need.

        Args:
            name: Unique node name.
            role: ``"qpu"``, ``"repeater"`` or ``"qnu"``.
            hardware: Node hardware, or a preset whose node hardware to use (the node's links
                then default to the preset's link hardware).
            num_memories: Memory qubits (>= 1). Default: the hardware's count, or, without
                hardware, the sum of the channels of the node's links.
            t1_s: Memory T1 in s (inf: none).
            t2_s: Memory T2 in s (inf: none), at most 2 * T1.
            gate1_error: depolarize1 probability after single-qubit gates.
            gate2_error: depolarize2 probability after two-qubit gates.
            measure_error: Readout flip probability.
            gate1_duration_s: Single-qubit gate duration in s.
            gate2_duration_s: Two-qubit gate duration in s.
            measure_duration_s: Measurement duration in s.

        Returns:
            The :class:`NodeInfo`.

        Raises:
            ValueError: Duplicate name, unknown role or out-of-range hardware value (the
                message names the field), or the network already ran.

        Example:
            >>> net = Network()
            >>> net.add_node("qpu0", hardware="nv_near_term").num_memories
            2
            >>> net.add_node("qpu1", t1_s=1.0, t2_s=3.0)
            Traceback (most recent call last):
            ...
            ValueError: node 'qpu1': Memory.t2_s must be <= 2 * t1_s = 2.0, got 3.0
        """
        self._check_not_built("add a node")
        if not isinstance(name, str) or not name:
            raise ValueError(f"a node name must be a non-empty string, got {name!r}")
        if name in self._nodes:
            raise ValueError(f"node {name!r} already exists")
        if role not in ROLES:
            raise ValueError(
                f"node {name!r}: role must be one of {ROLES}, got {role!r}{_did_you_mean(role, ROLES)}"
            )
        preset: HardwarePreset | None = None
        if isinstance(hardware, (str, dict)):
            hardware = _prefixed(f"node {name!r}", resolve_preset, hardware)
        if isinstance(hardware, HardwarePreset):
            preset = hardware
            hardware = preset.node
        if hardware is not None and not isinstance(hardware, NodeHardware):
            raise TypeError(
                f"node {name!r}: hardware must be NodeHardware, HardwarePreset or a preset name, got {hardware!r}"
            )
        base = hardware if hardware is not None else NodeHardware()
        memory = base.memory
        gates = base.gates

        def pick(value: Any, default: Any) -> Any:
            return default if value is None else value

        count = (
            num_memories if num_memories is not None else (memory.num_qubits if hardware is not None else 1)
        )
        memory = _prefixed(
            f"node {name!r}",
            Memory,
            num_qubits=count,
            t1_s=pick(t1_s, memory.t1_s),
            t2_s=pick(t2_s, memory.t2_s),
        )
        gates = _prefixed(
            f"node {name!r}",
            replace,
            gates,
            single_qubit_error=pick(gate1_error, gates.single_qubit_error),
            two_qubit_error=pick(gate2_error, gates.two_qubit_error),
            measurement_error=pick(measure_error, gates.measurement_error),
            single_qubit_duration_s=pick(gate1_duration_s, gates.single_qubit_duration_s),
            two_qubit_duration_s=pick(gate2_duration_s, gates.two_qubit_duration_s),
            measurement_duration_s=pick(measure_duration_s, gates.measurement_duration_s),
        )
        fixed = num_memories is not None or hardware is not None
        info = NodeInfo(
            name=name,
            index=len(self._nodes),
            role=role,
            num_memories=memory.num_qubits if fixed else None,
            t1_s=float(memory.t1_s),
            t2_s=float(memory.t2_s),
            gates=gates,
            preset=preset,
        )
        self._nodes[name] = info
        return info

    def add_link(
        self,
        a: str,
        b: str,
        *,
        length_km: float,
        scheme: str | None = None,
        preset: HardwarePreset | str | dict[str, Any] | None = None,
        source: Source | None = None,
        detector: Detector | None = None,
        transducer: Transducer | None = None,
        transducer_a: Transducer | None = None,
        transducer_b: Transducer | None = None,
        attenuation_db_per_km: float | None = None,
        refractive_index: float | None = None,
        channels: int = 1,
        attempt_period_s: float | None = None,
        link_model: LinkModel | None = None,
        fidelity: float | None = None,
        bell_diagonal: Sequence[float] | None = None,
        rate_hz: float | None = None,
        success_probability: float | None = None,
    ) -> LinkInfo:
        """Adds a heralded link between two nodes, heralding station at the midpoint.

        Three ways to say what the link delivers, in order of precedence:

        1. ``link_model``: a :class:`LinkModel` (e.g. from :func:`qnsim.heralded_link`).
        2. Abstract: ``fidelity`` (a Werner pair) or ``bell_diagonal``, with ``rate_hz``
           and/or ``success_probability`` / ``attempt_period_s`` (with only ``rate_hz``, every
           attempt succeeds: deterministic pairs every 1 / rate_hz). The herald delay is
           max(L / c_fiber, attempt period): an attempt ends with its herald.
        3. Hardware: a ``preset`` (object or name; default: an endpoint node's preset) and/or
           the pieces ``source``, ``detector``, ``transducer`` (both ends) or
           ``transducer_a`` / ``transducer_b``, ``scheme``, ``attenuation_db_per_km``;
           the link model is :func:`qnsim.heralded_link` over two arms of ``length_km / 2``.
           The herald delay is the emission delay + L / c_fiber (+ the first round of a
           double-click attempt), which equals the attempt period when light sets it.

        A channel starts its next attempts when its memories are freed, so its mean rate is
        p / T when the herald delay equals the period T, and a little lower otherwise.

        Args:
            a: One end (node name).
            b: The other end.
            length_km: Node-to-node fiber length in km (>= 0); sets the herald and classical
                delays (light at c / refractive_index) and, for hardware links, the loss.
            scheme: ``"single_click"`` or ``"double_click"`` (hardware links).
            preset: Hardware preset (object, name or ``{"name": ..., **options}``).
            source: Emitter at both ends (overrides the preset's).
            detector: Station detectors (overrides the preset's).
            transducer: Microwave-optical transducer at both ends.
            transducer_a: Transducer at end a (overrides ``transducer``).
            transducer_b: Transducer at end b.
            attenuation_db_per_km: Fiber loss (default 0.2 or the preset's).
            refractive_index: Fiber group index (default 1.44 or the preset's).
            channels: Parallel pairs the link may hold (memories reserved at each end).
            attempt_period_s: Override of the attempt period in s.
            link_model: The link's closed-form model, given directly.
            fidelity: Abstract link: Werner fidelity in [0, 1].
            bell_diagonal: Abstract link: (Phi+, Psi+, Psi-, Phi-) coefficients.
            rate_hz: Abstract link: mean pairs per second per channel.
            success_probability: Abstract link: success probability per attempt, (0, 1].

        Returns:
            The :class:`LinkInfo` (delays rounded to whole picoseconds).

        Raises:
            ValueError: Unknown node, duplicate link, missing or out-of-range parameters (the
                message names the link and field), or not enough memories at an end.

        Example:
            >>> net = Network()
            >>> _ = net.add_node("a", hardware="nv_near_term"); _ = net.add_node("b", hardware="nv_near_term")
            >>> link = net.add_link("a", "b", length_km=10.0)
            >>> round(link.rate_hz, 1), round(link.fidelity, 3), round(link.herald_delay_a_s * 1e6, 1)
            (14.1, 0.852, 51.8)
            >>> net.add_link("a", "c", length_km=1.0)
            Traceback (most recent call last):
            ...
            ValueError: link 'a'-'c': unknown node 'c' (nodes: a, b)
        """
        self._check_not_built("add a link")
        who = f"link {a!r}-{b!r}"
        for end in (a, b):
            self._node(end, who)
        if a == b:
            raise ValueError(f"{who} connects a node to itself")
        if frozenset((a, b)) in self._links:
            raise ValueError(f"{who} already exists")
        length_km = _check_number(who, "length_km", length_km, minimum=0.0)
        if isinstance(channels, bool) or not isinstance(channels, numbers.Integral) or channels < 1:
            raise ValueError(f"{who}: channels must be an integer >= 1, got {channels!r}")
        channels = int(channels)
        for end in (a, b):
            node = self._nodes[end]
            if node.num_memories is not None:
                used = sum(l.channels for l in self._link_order if end in (l.a, l.b))
                if used + channels > node.num_memories:
                    raise ValueError(
                        f"{who} needs {channels} memories at node {end!r}, which has "
                        f"{node.num_memories - used} unreserved of {node.num_memories} "
                        f"(raise num_memories or lower channels)"
                    )

        abstract = fidelity is not None or bell_diagonal is not None or rate_hz is not None
        hardware_pieces = any(
            x is not None for x in (preset, source, detector, transducer, transducer_a, transducer_b, scheme)
        )
        if link_model is not None and (abstract or hardware_pieces):
            raise ValueError(
                f"{who}: give either link_model, or abstract fidelity/rate, or hardware, not several"
            )
        if abstract and hardware_pieces:
            raise ValueError(
                f"{who}: abstract fidelity/bell_diagonal/rate_hz cannot be combined with hardware pieces"
            )

        emission_delay_s = 0.0
        rounds = 1
        state: np.ndarray | None = None
        model: LinkModel | None = None
        if preset is None and not abstract and link_model is None:
            preset = self._nodes[a].preset or self._nodes[b].preset
        if preset is not None:
            preset = _prefixed(who, resolve_preset, preset)
        n_index = (
            refractive_index
            if refractive_index is not None
            else (preset.refractive_index if preset is not None else _DEFAULT_REFRACTIVE_INDEX)
        )
        full = _prefixed(
            who,
            Fiber,
            length_km,
            attenuation_db_per_km
            if attenuation_db_per_km is not None
            else (preset.attenuation_db_per_km if preset else 0.2),
            n_index,
        )

        if link_model is not None:
            if not isinstance(link_model, LinkModel):
                raise TypeError(f"{who}: link_model must be a LinkModel, got {link_model!r}")
            model = link_model
        elif abstract:
            if fidelity is not None and bell_diagonal is not None:
                raise ValueError(f"{who}: give fidelity or bell_diagonal, not both")
            if fidelity is not None:
                f = _check_number(who, "fidelity", fidelity, minimum=0.0, maximum=1.0)
                diag = (f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3)
            elif bell_diagonal is not None:
                diag = _check_bell_diagonal(who, bell_diagonal)
            else:
                raise ValueError(
                    f"{who}: an abstract link needs fidelity or bell_diagonal as well as rate_hz"
                )
            p = (
                1.0
                if success_probability is None
                else _check_number(who, "success_probability", success_probability, minimum=0.0, maximum=1.0)
            )
            if p <= 0:
                raise ValueError(f"{who}: success_probability must be in (0, 1], got {p}")
            if attempt_period_s is not None:
                period = _check_number(who, "attempt_period_s", attempt_period_s, minimum=0.0)
                if rate_hz is not None:
                    raise ValueError(f"{who}: give rate_hz or attempt_period_s, not both")
            elif rate_hz is not None:
                rate = _check_number(who, "rate_hz", rate_hz, minimum=0.0)
                if rate <= 0:
                    raise ValueError(f"{who}: rate_hz must be > 0, got {rate}")
                period = p / rate
            else:
                raise ValueError(f"{who}: an abstract link needs rate_hz or attempt_period_s")
            if period <= 0:
                raise ValueError(f"{who}: attempt_period_s must be > 0, got {period}")
            diag_arr = np.asarray(diag, dtype=float)
            # An abstract attempt ends with its herald: no earlier than one period after it began.
            herald = max(full.delay_s, period)
            return self._store_link(
                a,
                b,
                who,
                length_km,
                channels,
                p,
                period,
                herald,
                herald,
                full.delay_s,
                tuple(float(x) for x in diag_arr),
                None,
                None,
            )
        else:
            if preset is None and (source is None or detector is None):
                raise ValueError(
                    f"{who} needs a link description: a preset (or endpoint nodes built from one), "
                    "a source and a detector, a link_model, or an abstract fidelity and rate_hz"
                )
            the_scheme = scheme if scheme is not None else (preset.scheme if preset else "single_click")
            if the_scheme not in SCHEMES:
                raise ValueError(
                    f"{who}: scheme must be one of {SCHEMES}, got {the_scheme!r}{_did_you_mean(str(the_scheme), SCHEMES)}"
                )
            src = source if source is not None else preset.source  # type: ignore[union-attr]
            det = detector if detector is not None else preset.detector  # type: ignore[union-attr]
            default_t = transducer if transducer is not None else (preset.transducer if preset else None)
            t_a = transducer_a if transducer_a is not None else default_t
            t_b = transducer_b if transducer_b is not None else default_t
            half = Fiber(length_km / 2.0, full.attenuation_db_per_km, full.refractive_index)
            model = _prefixed(
                who,
                heralded_link,
                the_scheme,
                src,
                src,
                half,
                half,
                det,
                t_a,
                t_b,
                phase_std_rad=preset.phase_std_rad if preset else 0.0,
            )
            emission_delay_s = src.emission_delay_s
        if model.success_probability <= 0:
            raise ValueError(
                f"{who}: the link model never succeeds (success_probability 0); check efficiencies"
            )
        rounds = 2 if model.scheme == "double_click" else 1
        period = model.attempt_period_s
        if attempt_period_s is not None:
            period = _check_number(who, "attempt_period_s", attempt_period_s, minimum=0.0)
            if period <= 0:
                raise ValueError(f"{who}: attempt_period_s must be > 0, got {period}")
        # Last round of the successful attempt: emission, photon to the midpoint, herald back.
        herald = (rounds - 1) * period / rounds + emission_delay_s + full.delay_s
        state = np.array(model.state, dtype=complex)
        return self._store_link(
            a,
            b,
            who,
            length_km,
            channels,
            model.success_probability,
            period,
            herald,
            herald,
            full.delay_s,
            tuple(float(x) for x in model.bell_diagonal),
            state,
            model,
        )

    def _store_link(
        self, a, b, who, length_km, channels, p, period, herald_a, herald_b, classical, diag, state, model
    ) -> LinkInfo:
        info = LinkInfo(
            a=a,
            b=b,
            index=len(self._link_order),
            length_km=float(length_km),
            channels=channels,
            success_probability=float(p),
            attempt_period_s=_ps(period, f"{who} attempt_period_s") / 1e12,
            herald_delay_a_s=_ps(herald_a, f"{who} herald delay") / 1e12,
            herald_delay_b_s=_ps(herald_b, f"{who} herald delay") / 1e12,
            classical_delay_s=_ps(classical, f"{who} classical delay") / 1e12,
            bell_diagonal=diag,
            fidelity=float(diag[0]),
            state=state,
            model=model,
        )
        if _ps(period, who) <= 0:
            raise ValueError(f"{who}: attempt period {period} s rounds to 0 ps")
        self._links[frozenset((a, b))] = info
        self._link_order.append(info)
        return info

    def link(self, a: str, b: str) -> LinkInfo:
        """The link between nodes ``a`` and ``b`` (either order).

        Raises:
            ValueError: No such link.

        Example:
            >>> net = Network(); _ = net.add_node("a"); _ = net.add_node("b")
            >>> _ = net.add_link("a", "b", length_km=2.0, fidelity=1.0, rate_hz=1.0)
            >>> net.link("b", "a").length_km
            2.0
        """
        try:
            return self._links[frozenset((a, b))]
        except KeyError:
            raise ValueError(f"there is no link between {a!r} and {b!r}") from None

    def route(self, src: str, dst: str, routing: str = "hops") -> list[str]:
        """The path :meth:`request` would choose from ``src`` to ``dst``.

        Path metrics (ties go to the path networkx's search meets first, which depends only on
        the order nodes and links were added, so routes are deterministic):

        * ``"hops"``: fewest links.
        * ``"rate"``: least sum over links of ``1 / rate_hz`` (the mean time to herald one pair
          on each link in turn). It favours fast links and short paths alike, and it is an
          upper bound of the time until every link of the path holds a pair, which is what
          limits swap-ASAP without cutoffs; the end-to-end rate then scales as its inverse.
        * ``"fidelity"``: largest product of the links' Werner parameters
          ``w = (4 F - 1) / 3``, i.e. least sum of ``-log w``: swapping Werner pairs multiplies
          their Werner parameters, so this path delivers the highest swapped fidelity
          ``1/4 + 3/4 prod(w)`` (memory decoherence and gate noise ignored). Links with
          ``F <= 1/4`` carry no entanglement and are never used.

        Args:
            src: Source node.
            dst: Destination node.
            routing: ``"hops"``, ``"rate"`` or ``"fidelity"``.

        Returns:
            Node names from src to dst.

        Raises:
            ValueError: Unknown node or routing (with a suggestion), or no path (naming both
                nodes).

        Example:
            >>> net = Network(); _ = [net.add_node(n) for n in "abc"]
            >>> _ = net.add_link("a", "c", length_km=1.0, fidelity=0.80, rate_hz=1e3)
            >>> _ = net.add_link("a", "b", length_km=1.0, fidelity=0.99, rate_hz=1e2)
            >>> _ = net.add_link("b", "c", length_km=1.0, fidelity=0.99, rate_hz=1e2)
            >>> net.route("a", "c"), net.route("a", "c", "fidelity"), net.route("a", "c", "rate")
            (['a', 'c'], ['a', 'b', 'c'], ['a', 'c'])
        """
        who = f"request {src!r} -> {dst!r}"
        self._node(src, who)
        self._node(dst, who)
        if routing not in ROUTINGS:
            raise ValueError(
                f"{who}: routing must be one of {', '.join(ROUTINGS)}, got {routing!r}"
                f"{_did_you_mean(str(routing), ROUTINGS)}"
            )
        if src == dst:
            raise ValueError(f"{who}: source and destination are the same node")
        g = nx.Graph()
        g.add_nodes_from(self._nodes)
        for link in self._link_order:
            if routing == "hops":
                weight = 1.0
            elif routing == "rate":
                weight = 1.0 / link.rate_hz
            else:
                w = (4.0 * link.fidelity - 1.0) / 3.0
                if w <= 0:
                    continue
                weight = -math.log(w)
            g.add_edge(link.a, link.b, weight=weight)
        try:
            if routing == "hops":
                return list(nx.shortest_path(g, src, dst))
            return list(nx.dijkstra_path(g, src, dst, weight="weight"))
        except nx.NetworkXNoPath:
            extra = " with link fidelity > 1/4" if routing == "fidelity" else ""
            raise ValueError(f"{who}: no path of links{extra} between them (are they connected?)") from None

    def request(
        self,
        src: str,
        dst: str,
        *,
        path: Sequence[str] | None = None,
        routing: str = "hops",
        num_pairs: int | None = None,
        start_s: float = 0.0,
        cutoff_s: float | None = None,
        deadline_s: float | None = None,
        min_fidelity: float | None = None,
        swap_schedule: str = "asap",
        memories_per_link: int | None = None,
        purification: str | None = None,
        purification_rounds: int | None = None,
        target_fidelity: float | None = None,
        end_to_end_purification_rounds: int = 0,
        keep_pairs: bool = False,
        protocol: Protocol | None = None,
    ) -> RequestInfo:
        """Asks for end-to-end Bell pairs between ``src`` and ``dst``.

        Natively, the request first reserves ``memories_per_link`` memory slots at both ends
        of every link on its path, all or nothing; if another request holds them it waits,
        first come first served (so concurrent requests never deadlock), and it releases them
        when served, dropped or at the end of the run. Links then generate pairs, optional
        recurrence purification runs on each link, and intermediate nodes swap as soon as
        they hold a pair on each side (``"asap"``, oldest first) or in the doubling order of
        a nested repeater (``"nested"``). With ``protocol``, pair-ready, message and timer
        events go to the Python protocol instead, which decides what to swap and deliver.

        Per-link purification: give ``purification_rounds``, or ``target_fidelity`` and the
        rounds are the fewest with which every link on the path reaches the target by the
        closed forms (:func:`qnsim.dejmps` on the link's Bell-diagonal state, or
        :func:`qnsim.bbpssw` on its fidelity, applied repeatedly; these match the native
        rounds for noiseless gates, see :func:`purification_rounds_for`).

        Args:
            src: Source node.
            dst: Destination node.
            path: Node names from src to dst; overrides ``routing``.
            routing: Path choice when no path is given: ``"hops"`` (fewest links),
                ``"rate"`` or ``"fidelity"`` (see :meth:`route` for the metrics).
            num_pairs: Stop after this many deliveries (None: until the run ends).
            start_s: Start time in s.
            cutoff_s: Discard a stored qubit (and its partner) older than this, in s.
            deadline_s: Absolute simulated time in s by which all ``num_pairs`` must be
                delivered; otherwise the request is dropped then (reason in the result) and
                frees its memories.
            min_fidelity: Discard delivered pairs below this fidelity and keep going
                (density_matrix formalism only; counted as ``rejected_low_fidelity``).
            swap_schedule: ``"asap"`` or ``"nested"``.
            memories_per_link: Slots reserved at each end of each link (default: every channel
                of the path's narrowest link, so a request alone on its path uses all the
                multiplexing there is, and at least what the purification needs,
                ``purification_rounds + end_to_end_purification_rounds + 1``). Requests sharing a
                link wait for each other unless they reserve fewer.
            purification: None, ``"bbpssw"`` or ``"dejmps"`` (default ``"dejmps"`` when a
                ``target_fidelity`` or end-to-end rounds are given).
            purification_rounds: Recurrence rounds on each link before swapping (default 1
                with ``purification``, 0 with only end-to-end rounds).
            target_fidelity: Choose the per-link rounds to reach this link fidelity.
            end_to_end_purification_rounds: Recurrence rounds on end-to-end pairs.
            keep_pairs: Keep delivered pairs in memory (see :meth:`release_pair`).
            protocol: A :class:`qnsim.Protocol` instance that drives this request (its
                links may not be shared with any other request).

        Returns:
            The :class:`RequestInfo`.

        Raises:
            ValueError: Unknown nodes, no path, an unreachable target fidelity, too few
                channels for the memories, bad options (the message names them).

        Example:
            >>> net = Network(); _ = [net.add_node(n) for n in "abc"]
            >>> _ = net.add_link("a", "b", length_km=1.0, fidelity=0.8, rate_hz=1e3, channels=3)
            >>> r = net.request("a", "b", target_fidelity=0.9)
            >>> r.purification, r.purification_rounds, r.memories_per_link
            ('dejmps', 2, 3)
            >>> net.request("a", "c")
            Traceback (most recent call last):
            ...
            ValueError: request 'a' -> 'c': no path of links between them (are they connected?)
        """
        who = f"request {src!r} -> {dst!r}"
        self._node(src, who)
        self._node(dst, who)
        if src == dst:
            raise ValueError(f"{who}: source and destination are the same node")
        if path is None:
            nodes = self.route(src, dst, routing)
        else:
            nodes = [str(n) for n in path]
            if len(nodes) < 2 or nodes[0] != src or nodes[-1] != dst:
                raise ValueError(f"{who}: path must start at {src!r} and end at {dst!r}, got {nodes}")
            for n in nodes:
                self._node(n, who)
            if len(set(nodes)) != len(nodes):
                raise ValueError(f"{who}: path visits a node twice: {nodes}")
            for u, v in zip(nodes, nodes[1:]):
                if frozenset((u, v)) not in self._links:
                    raise ValueError(f"{who}: path has no link between {u!r} and {v!r}")
            routing = "explicit"
        hops = [self._links[frozenset((u, v))] for u, v in zip(nodes, nodes[1:])]
        if num_pairs is not None:
            if isinstance(num_pairs, bool) or not isinstance(num_pairs, numbers.Integral) or num_pairs < 1:
                raise ValueError(f"{who}: num_pairs must be an integer >= 1 or None, got {num_pairs!r}")
            num_pairs = int(num_pairs)
        start_s = _check_number(who, "start_s", start_s, minimum=0.0)
        if cutoff_s is not None:
            cutoff_s = _check_number(who, "cutoff_s", cutoff_s, minimum=0.0, allow_inf=True)
            if cutoff_s <= 0:
                raise ValueError(f"{who}: cutoff_s must be > 0 or None, got {cutoff_s}")
            if math.isinf(cutoff_s):
                cutoff_s = None
        if deadline_s is not None:
            deadline_s = _check_number(who, "deadline_s", deadline_s, minimum=0.0, allow_inf=True)
            if math.isinf(deadline_s):
                deadline_s = None
            elif deadline_s <= start_s:
                raise ValueError(
                    f"{who}: deadline_s={deadline_s} must be after start_s={start_s} "
                    "(deadlines are absolute simulated times)"
                )
        fmin = 0.0
        if min_fidelity is not None:
            fmin = _check_number(who, "min_fidelity", min_fidelity, minimum=0.0, maximum=1.0)
            if fmin > 0 and self.formalism != "density_matrix":
                raise ValueError(
                    f"{who}: min_fidelity needs the density_matrix formalism (a stabilizer "
                    "trajectory has no per-pair fidelity to judge)"
                )
        if swap_schedule not in SWAP_SCHEDULES:
            raise ValueError(
                f"{who}: swap_schedule must be 'asap' or 'nested', got {swap_schedule!r}"
                f"{_did_you_mean(str(swap_schedule), SWAP_SCHEDULES)}"
            )
        e2e = _check_rounds(who, "end_to_end_purification_rounds", end_to_end_purification_rounds)
        if purification is None and (target_fidelity is not None or e2e > 0):
            purification = "dejmps"
        rounds = 0
        target = None
        if purification is not None:
            if purification not in PURIFICATIONS:
                raise ValueError(
                    f"{who}: purification must be None, 'bbpssw' or 'dejmps', got {purification!r}"
                    f"{_did_you_mean(str(purification), PURIFICATIONS)}"
                )
            if target_fidelity is not None:
                if purification_rounds is not None:
                    raise ValueError(f"{who}: give purification_rounds or target_fidelity, not both")
                target = _check_number(who, "target_fidelity", target_fidelity, minimum=0.0, maximum=1.0)
                rounds = max(
                    _prefixed(f"{who}: link {l.a!r}-{l.b!r}", purification_rounds_for, l.bell_diagonal, target, purification)
                    for l in hops
                )
            elif purification_rounds is None:
                rounds = 0 if e2e > 0 else 1
            else:
                rounds = _check_rounds(who, "purification_rounds", purification_rounds)
            if rounds == 0 and e2e == 0 and target is not None:
                purification = None  # every link already reaches the target
            elif rounds == 0 and e2e == 0:
                raise ValueError(
                    f"{who}: purification={purification!r} with no rounds; give purification_rounds >= 1, "
                    "target_fidelity or end_to_end_purification_rounds"
                )
        elif purification_rounds not in (None, 0):
            raise ValueError(f"{who}: purification_rounds={purification_rounds!r} needs purification='dejmps' or 'bbpssw'")
        # A recurrence round holds one pair per level while the next is made, and end-to-end
        # rounds hold theirs at the ends meanwhile: fewer memories stall the request.
        needed = rounds + e2e + 1
        if memories_per_link is None:
            memories = max(needed, min(link.channels for link in hops))
        else:
            if (
                isinstance(memories_per_link, bool)
                or not isinstance(memories_per_link, numbers.Integral)
                or memories_per_link < 1
            ):
                raise ValueError(f"{who}: memories_per_link must be an integer >= 1, got {memories_per_link!r}")
            memories = int(memories_per_link)
            if memories < needed:
                raise ValueError(
                    f"{who}: memories_per_link={memories} is too few for {rounds} link and {e2e} "
                    f"end-to-end purification rounds (they hold one pair per level): needs {needed}"
                )
        for link in hops:
            if link.channels < memories:
                what = "purification needs" if needed > 1 else "needs"
                raise ValueError(
                    f"{who}: {what} at least {memories} channels on link {link.a!r}-{link.b!r} "
                    f"({memories} memories per side), which has {link.channels} (raise its channels)"
                )
        if protocol is not None:
            from qnsim.protocol import Protocol

            if not isinstance(protocol, Protocol):
                raise TypeError(f"{who}: protocol must be a qnsim.Protocol instance, got {protocol!r}")
            if purification is not None:
                raise ValueError(
                    f"{who}: a Python protocol does its own purification; leave purification=None"
                )
        for link in hops:
            for other in self._requests:
                if (other.protocol is not None or protocol is not None) and any(
                    frozenset(pair) == frozenset((link.a, link.b)) for pair in zip(other.path, other.path[1:])
                ):
                    raise ValueError(
                        f"{who}: link {link.a!r}-{link.b!r} is already used by request {other.index}; "
                        "a request driven by a Python protocol cannot share links with other requests"
                    )
        info = RequestInfo(
            index=len(self._requests),
            path=tuple(nodes),
            num_pairs=num_pairs,
            start_s=start_s,
            cutoff_s=cutoff_s,
            purification=purification,
            purification_rounds=rounds,
            keep_pairs=bool(keep_pairs),
            protocol=protocol,
            routing=routing,
            memories_per_link=memories,
            deadline_s=deadline_s,
            min_fidelity=fmin,
            swap_schedule=swap_schedule,
            end_to_end_purification_rounds=e2e,
            target_fidelity=target,
        )
        _ps(start_s, f"{who} start_s")
        if cutoff_s is not None:
            _ps(cutoff_s, f"{who} cutoff_s")
        if deadline_s is not None:
            _ps(deadline_s, f"{who} deadline_s")
        if protocol is not None:
            protocol._attach(self, info)
            for link in hops:
                self._protocol_of_link[link.index] = protocol
        self._requests.append(info)
        return info

    @classmethod
    def from_networkx(
        cls, graph: nx.Graph, formalism: str = "density_matrix", seed: int | None = None, **defaults: Any
    ) -> Network:
        """A network from a networkx graph: node attributes are :meth:`add_node` keywords,
        edge attributes :meth:`add_link` keywords; ``defaults`` fill in missing ones.

        The same as :func:`qnsim.topology.from_graph` (which documents the defaults, the
        ``preset`` alias and memory sizing). Node names are converted with ``str``. Unknown
        attributes are errors naming the node or edge, so a typo does not silently fall back
        to a default.

        Args:
            graph: An undirected networkx graph.
            formalism: As for :class:`Network`.
            seed: As for :class:`Network`.
            **defaults: Node and link keyword defaults (e.g. ``length_km``, ``preset``).

        Raises:
            ValueError: Unknown attributes or invalid values (named).

        Example:
            >>> import networkx as nx
            >>> g = nx.path_graph(["a", "m", "b"])
            >>> for u, v in g.edges:
            ...     g.edges[u, v].update(length_km=5.0, fidelity=0.95, rate_hz=1e3)
            >>> g.nodes["m"]["role"] = "repeater"
            >>> net = Network.from_networkx(g, seed=1)
            >>> _ = net.request("a", "b", num_pairs=3)
            >>> net.run(until_s=1.0).requests[0].path
            ['a', 'm', 'b']
        """
        from qnsim.topology import from_graph

        net = cls(formalism, seed)
        return from_graph(graph, network=net, **defaults)

    def to_networkx(self) -> nx.Graph:
        """The topology as a networkx graph with node and link attributes (SI units).

        Example:
            >>> net = Network(); _ = net.add_node("a"); _ = net.add_node("b", role="repeater")
            >>> _ = net.add_link("a", "b", length_km=3.0, fidelity=0.9, rate_hz=10.0)
            >>> g = net.to_networkx()
            >>> g.nodes["b"]["role"], g.edges["a", "b"]["length_km"], g.edges["a", "b"]["rate_hz"]
            ('repeater', 3.0, 10.0)
        """
        g = nx.Graph()
        for node in self._nodes.values():
            g.add_node(
                node.name,
                role=node.role,
                num_memories=node.num_memories
                if node.num_memories is not None
                else self._auto_memories(node.name),
                t1_s=node.t1_s,
                t2_s=node.t2_s,
                gate1_error=node.gates.single_qubit_error,
                gate2_error=node.gates.two_qubit_error,
                measure_error=node.gates.measurement_error,
            )
        for link in self._link_order:
            g.add_edge(
                link.a,
                link.b,
                length_km=link.length_km,
                channels=link.channels,
                success_probability=link.success_probability,
                attempt_period_s=link.attempt_period_s,
                rate_hz=link.rate_hz,
                fidelity=link.fidelity,
                classical_delay_s=link.classical_delay_s,
            )
        return g

    # ---- running ----------------------------------------------------------------------

    @property
    def now_s(self) -> float:
        """Current simulated time in s (0 before the first run).

        Example:
            >>> Network().now_s
            0.0
        """
        return 0.0 if self._native is None else self._native.now_ps / 1e12

    @property
    def native(self) -> Any:
        """The underlying ``qnsim._core.NativeNetwork`` (built on first access).

        Example:
            >>> Network().native.num_nodes
            0
        """
        self._build()
        return self._native

    @property
    def registry(self) -> Any:
        """The :class:`qnsim.QubitRegistry` holding the network's quantum states.

        Example:
            >>> Network("stabilizer").registry.formalism
            'stabilizer'
        """
        return self.native.registry

    def run(self, until_s: float, *, progress: bool | None = None) -> NetworkResult:
        """Runs the native simulation until ``until_s`` (or until every bounded request is served).

        May be called again with a later ``until_s`` to continue.

        Args:
            until_s: End of the run in simulated seconds (>= the current time).
            progress: Show a tqdm progress bar on stderr (True / False); None shows it only
                when stderr is a terminal and the run is estimated to take more than ~1 s.
                With a bar, the native loop runs in chunks of simulated time; the results do
                not depend on the chunking.

        Returns:
            A :class:`NetworkResult` with all deliveries so far.

        Raises:
            ValueError: until_s before the current time or not a finite number.

        Example:
            >>> net = Network(seed=1); _ = net.add_node("a"); _ = net.add_node("b")
            >>> _ = net.add_link("a", "b", length_km=0.0, fidelity=1.0, rate_hz=100.0)
            >>> _ = net.request("a", "b")
            >>> net.run(until_s=0.5).requests[0].num_pairs
            50
        """
        until_s = _check_number("run", "until_s", until_s, minimum=0.0)
        until_ps = _ps(until_s, "run until_s")
        self._build()
        native = self._native
        if until_ps < native.now_ps:
            raise ValueError(f"run: until_s={until_s} is before the current time {native.now_ps / 1e12} s")
        start_wall = time.perf_counter()
        if progress is False or (progress is None and not _stderr_is_tty()):
            native.run(until_ps)
        else:
            self._run_chunked(until_ps, progress)
        self._wall_time_s += time.perf_counter() - start_wall
        return self.result(until_s=until_s)

    def _served(self) -> bool:
        reqs = self._requests
        return bool(reqs) and all(
            self._native.request_stats(r.index)["status"] in ("served", "dropped") for r in reqs
        )

    def _run_chunked(self, until_ps: int, progress: bool | None) -> None:
        native = self._native
        start_ps = native.now_ps
        span = until_ps - start_ps
        if span <= 0:
            native.run(until_ps)
            return
        chunks = 200
        step = max(1, -(-span // chunks))
        show = progress is True
        auto = progress is None and _stderr_is_tty()
        bar = None
        t0 = time.perf_counter()
        target = start_ps
        try:
            while target < until_ps and not self._served():
                target = min(until_ps, target + step)
                native.run(target)
                if bar is None and (show or auto):
                    elapsed = time.perf_counter() - t0
                    done = (target - start_ps) / span
                    if show or (auto and done < 1 and elapsed / done > 1.0):
                        bar = _make_bar(span / 1e12, (target - start_ps) / 1e12)
                if bar is not None:
                    bar.n = round((native.now_ps - start_ps) / 1e12, 12)
                    pairs = sum(native.delivered(r.index) for r in self._requests)
                    bar.set_postfix_str(f"{pairs} pairs", refresh=False)
                    bar.refresh()
        finally:
            if bar is not None:
                bar.close()

    def result(self, until_s: float | None = None) -> NetworkResult:
        """The :class:`NetworkResult` of everything run so far.

        Example:
            >>> Network(seed=0).result().requests
            []
        """
        self._build()
        native = self._native
        d = native.deliveries()
        now_s = native.now_ps / 1e12
        out = []
        for r in self._requests:
            mask = d["request"] == r.index
            times = d["time_ps"][mask] / 1e12
            st = native.request_stats(r.index)
            status = _STATUS[st["status"]]
            finished_s = st["finished_ps"] / 1e12 if st["finished_ps"] >= 0 else None
            end_s = finished_s if finished_s is not None and status in ("served", "dropped") else now_s
            out.append(
                RequestResult(
                    request=r.index,
                    src=r.src,
                    dst=r.dst,
                    path=list(r.path),
                    start_s=r.start_s,
                    num_pairs_requested=r.num_pairs,
                    times_s=times,
                    fidelities=d["fidelity"][mask].astype(float),
                    oldest_emission_s=d["oldest_emission_ps"][mask] / 1e12,
                    qubits_src=d["qubit_src"][mask],
                    qubits_dst=d["qubit_dst"][mask],
                    end_s=max(end_s, r.start_s),
                    status=status,
                    drop_reason=st["drop_reason"] or None,
                    admitted_s=st["admitted_ps"] / 1e12 if st["admitted_ps"] >= 0 else None,
                    finished_s=finished_s,
                    delivered=int(st["delivered"]),
                    rejected_low_fidelity=int(st["rejected_low_fidelity"]),
                    fidelity_sum=float(st["fidelity_sum"]),
                    fidelity_sq_sum=float(st["fidelity_sq_sum"]),
                    first_delivery_s=st["first_delivery_ps"] / 1e12 if st["first_delivery_ps"] >= 0 else None,
                    last_delivery_s=st["last_delivery_ps"] / 1e12 if st["last_delivery_ps"] >= 0 else None,
                    deadline_s=r.deadline_s,
                    min_fidelity=r.min_fidelity,
                )
            )
        return NetworkResult(
            requests=out,
            formalism=self.formalism,
            seed=self.seed,
            until_s=now_s if until_s is None else float(until_s),
            now_s=now_s,
            events_processed=int(native.events_processed),
            wall_time_s=self._wall_time_s,
            counters={k: int(v) for k, v in native.counters().items()},
        )

    def occupied_slots(self) -> int:
        """Memory slots currently holding a qubit (a leak check).

        Example:
            >>> Network().occupied_slots()
            0
        """
        return int(self.native.occupied_slots())

    def release_pair(self, qubit_src: int, qubit_dst: int) -> None:
        """Frees a kept delivered pair (``keep_pairs=True``) and lets its links restart.

        Args:
            qubit_src: Registry handle of the pair's source qubit (``RequestResult.qubits_src``).
            qubit_dst: Same at the destination.

        Example:
            >>> net = Network(seed=1); _ = net.add_node("a"); _ = net.add_node("b")
            >>> _ = net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=10.0)
            >>> _ = net.request("a", "b", num_pairs=1, keep_pairs=True)
            >>> r = net.run(until_s=1.0).requests[0]
            >>> net.occupied_slots()
            2
            >>> net.release_pair(r.qubits_src[0], r.qubits_dst[0]); net.occupied_slots()
            0
        """
        self.native.release_pair(int(qubit_src), int(qubit_dst))

    # ---- for Python protocols (slot-level operations) -----------------------------------

    def swap(self, node: str, slot_a: int, slot_b: int) -> tuple[int, int]:
        """Entanglement swap (Bell measurement with the node's noise) of two slots at ``node``.

        The far ends become partners; their Pauli correction is tracked natively as a frame.
        For Python protocols.

        Returns:
            The outcomes (m_a, m_b).

        Example:
            >>> import qnsim
            >>> net = qnsim.Network(seed=2)
            >>> for name in "amb":
            ...     _ = net.add_node(name)
            >>> _ = net.add_link("a", "m", length_km=0.0, fidelity=1.0, rate_hz=10.0)
            >>> _ = net.add_link("m", "b", length_km=0.0, fidelity=1.0, rate_hz=10.0)
            >>> class SwapOnce(qnsim.Protocol):
            ...     def __init__(self):
            ...         super().__init__()
            ...         self.at_m = []
            ...     def on_pair_ready(self, node, slot, partner_slot):
            ...         if node == "m":
            ...             self.at_m.append(slot)
            ...         if len(self.at_m) == 2:
            ...             ends = [net.slot_partner(s) for s in self.at_m]
            ...             outcomes = net.swap("m", *self.at_m)
            ...             print(len(outcomes), [net.slot_node(e) for e in ends], round(net.pair_fidelity(ends[0]), 6))
            ...             self.at_m = []
            ...             self.deliver(*ends)
            >>> _ = net.request("a", "b", num_pairs=1, protocol=SwapOnce())
            >>> _ = net.run(until_s=1.0)
            2 ['a', 'b'] 1.0
        """
        return tuple(self.native.swap_slots(self._node(node, "swap").index, int(slot_a), int(slot_b)))  # type: ignore[return-value]

    def swap_duration_s(self, node: str) -> float:
        """Duration of a swap at ``node`` in s: two-qubit gate + single-qubit gate + measurement.

        Example:
            >>> net = Network(); _ = net.add_node("m", gate2_duration_s=5e-4, measure_duration_s=4e-6)
            >>> net.swap_duration_s("m")
            0.000504
        """
        g = self._node(node, "swap_duration_s").gates
        return (
            _ps(g.two_qubit_duration_s, "duration")
            + _ps(g.single_qubit_duration_s, "duration")
            + _ps(g.measurement_duration_s, "duration")
        ) / 1e12

    def discard(self, slot: int) -> None:
        """Discards the pair held by ``slot`` and its partner; the links restart. For protocols.

        Example:
            >>> import qnsim
            >>> net = qnsim.Network(seed=1); _ = net.add_node("a"); _ = net.add_node("b")
            >>> _ = net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=10.0)
            >>> class Look(qnsim.Protocol):
            ...     def on_pair_ready(self, node, slot, partner_slot):
            ...         if node == "a":
            ...             print(net.occupied_slots())
            ...             net.discard(slot)
            >>> _ = net.request("a", "b", protocol=Look())
            >>> _ = net.run(until_s=0.1)
            2
        """
        self.native.discard_slot_pair(int(slot))

    def slot_node(self, slot: int) -> str:
        """Name of the node holding memory slot ``slot``.

        Example:
            >>> import qnsim
            >>> net = qnsim.Network(seed=1); _ = net.add_node("a"); _ = net.add_node("b")
            >>> _ = net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=10.0)
            >>> class Look(qnsim.Protocol):
            ...     def on_pair_ready(self, node, slot, partner_slot):
            ...         if node == "a":
            ...             print(net.slot_node(slot), net.slot_node(partner_slot))
            ...             net.discard(slot)
            >>> _ = net.request("a", "b", protocol=Look())
            >>> _ = net.run(until_s=0.1)
            a b
        """
        return self._node_names()[self.native.slot_node(int(slot))]

    def slot_partner(self, slot: int) -> int:
        """The slot holding the other half of ``slot``'s pair (global truth).

        Example:
            >>> import qnsim
            >>> net = qnsim.Network(seed=1); _ = net.add_node("a"); _ = net.add_node("b")
            >>> _ = net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=10.0)
            >>> class Look(qnsim.Protocol):
            ...     def on_pair_ready(self, node, slot, partner_slot):
            ...         if node == "a":
            ...             print(net.slot_partner(slot) == partner_slot)
            ...             net.discard(slot)
            >>> _ = net.request("a", "b", protocol=Look())
            >>> _ = net.run(until_s=0.1)
            True
        """
        return int(self.native.slot_partner(int(slot)))

    def slot_link(self, slot: int) -> LinkInfo:
        """The link whose memory ``slot`` is.

        Example:
            >>> import qnsim
            >>> net = qnsim.Network(seed=1); _ = net.add_node("a"); _ = net.add_node("b")
            >>> _ = net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=10.0)
            >>> class Look(qnsim.Protocol):
            ...     def on_pair_ready(self, node, slot, partner_slot):
            ...         if node == "a":
            ...             print(net.slot_link(slot).b)
            ...             net.discard(slot)
            >>> _ = net.request("a", "b", protocol=Look())
            >>> _ = net.run(until_s=0.1)
            b
        """
        return self._link_order[self.native.slot_link(int(slot))]

    def pair_fidelity(self, slot: int) -> float:
        """Current fidelity of the pair held by ``slot`` and its partner (frames applied, decay to now).

        Example:
            >>> import qnsim
            >>> net = qnsim.Network(seed=1); _ = net.add_node("a"); _ = net.add_node("b")
            >>> _ = net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=10.0)
            >>> class Look(qnsim.Protocol):
            ...     def on_pair_ready(self, node, slot, partner_slot):
            ...         if node == "a":
            ...             print(round(net.pair_fidelity(slot), 6))
            ...             net.discard(slot)
            >>> _ = net.request("a", "b", protocol=Look())
            >>> _ = net.run(until_s=0.1)
            0.9
        """
        return float(self.native.slot_pair_fidelity(int(slot)))

    def classical_latency_s(self, a: str, b: str) -> float:
        """Classical message latency between two nodes along the cheapest link path, in s.

        Example:
            >>> net = Network(); _ = [net.add_node(n) for n in "abc"]
            >>> _ = net.add_link("a", "b", length_km=10.0, fidelity=1, rate_hz=1)
            >>> _ = net.add_link("b", "c", length_km=10.0, fidelity=1, rate_hz=1)
            >>> round(net.classical_latency_s("a", "c") * 1e6, 2)
            96.07
        """
        return (
            self.native.classical_latency(self._node(a, "latency").index, self._node(b, "latency").index)
            / 1e12
        )

    # ---- internals ----------------------------------------------------------------------

    def _node(self, name: str, who: str) -> NodeInfo:
        try:
            return self._nodes[name]
        except (KeyError, TypeError):
            known = ", ".join(self._nodes) or "none"
            raise ValueError(
                f"{who}: unknown node {name!r}{_did_you_mean(str(name), self._nodes)} (nodes: {known})"
            ) from None

    def _node_names(self) -> list[str]:
        return list(self._nodes)

    def _auto_memories(self, name: str) -> int:
        return max(1, sum(l.channels for l in self._link_order if name in (l.a, l.b)))

    def _check_not_built(self, what: str) -> None:
        if self._native is not None:
            raise ValueError(
                f"cannot {what} after the network has been built (it has run); make a new Network"
            )

    def _build(self) -> None:
        if self._native is None:
            native = _core.NativeNetwork(self.formalism, self.seed)
            if self._max_records is not None:
                native.max_records = self._max_records
            for node in self._nodes.values():
                g = node.gates
                native.add_node(
                    node.name,
                    node.num_memories if node.num_memories is not None else self._auto_memories(node.name),
                    node.t1_s,
                    node.t2_s,
                    g.single_qubit_error,
                    g.two_qubit_error,
                    g.measurement_error,
                    _ps(g.single_qubit_duration_s, f"node {node.name!r} gate1 duration"),
                    _ps(g.two_qubit_duration_s, f"node {node.name!r} gate2 duration"),
                    _ps(g.measurement_duration_s, f"node {node.name!r} measure duration"),
                )
            for link in self._link_order:
                native.add_link(
                    self._nodes[link.a].index,
                    self._nodes[link.b].index,
                    link.channels,
                    link.success_probability,
                    _ps(link.attempt_period_s, "attempt period"),
                    _ps(link.herald_delay_a_s, "herald delay"),
                    _ps(link.herald_delay_b_s, "herald delay"),
                    _ps(link.classical_delay_s, "classical delay"),
                    list(link.bell_diagonal),
                    link.state,
                )
            self._native = native
        # Requests made since the last build or run.
        while self._native_requests < len(self._requests):
            r = self._requests[self._native_requests]
            self._native.add_request(
                [self._nodes[n].index for n in r.path],
                r.num_pairs or 0,
                _ps(r.start_s, "start_s"),
                _ps(r.cutoff_s, "cutoff_s") if r.cutoff_s is not None else 0,
                r.purification or "none",
                r.purification_rounds,
                r.keep_pairs,
                r.protocol is not None,
                r.memories_per_link,
                _ps(r.deadline_s, "deadline_s") if r.deadline_s is not None else 0,
                r.min_fidelity,
                r.swap_schedule,
                r.end_to_end_purification_rounds,
            )
            if r.protocol is not None:
                self._native.set_protocol_hook(self._hook)
            self._native_requests += 1

    def _new_id(self) -> int:
        i = self._next_id
        self._next_id += 1
        return i

    def _hook(self, kind: int, node: int, slot: int, extra: int) -> None:
        names = self._node_names()
        if kind == 1 or kind == 4:
            protocol = self._protocol_of_link.get(self._native.slot_link(slot))
            if protocol is None:
                return
            if kind == 1:
                protocol._pair_ready(names[node], slot, int(extra))
            else:
                protocol.on_pair_lost(names[node], slot, int(extra))
        elif kind == 2:
            protocol, payload = self._messages.pop(int(extra))
            protocol.on_message(names[node], payload)
        elif kind == 3:
            protocol, payload = self._timers.pop(int(extra))
            protocol.on_timer(names[node], payload)


# ---- helpers ------------------------------------------------------------------------------


def _did_you_mean(word: str, options: Any) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _prefixed(who: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Calls fn, prefixing a ValueError's message with ``who``."""
    try:
        return fn(*args, **kwargs)
    except ValueError as exc:
        raise ValueError(f"{who}: {exc}") from None


def _check_number(
    who: str,
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    allow_inf: bool = False,
) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{who}: {name} must be a number, got {value!r}")  # noqa: TRY004 - one error type for bad values
    v = float(value)
    if math.isnan(v) or (math.isinf(v) and not allow_inf):
        raise ValueError(f"{who}: {name} must be finite, got {value!r}")
    if minimum is not None and v < minimum:
        raise ValueError(f"{who}: {name} must be >= {minimum:g}, got {value!r}")
    if maximum is not None and v > maximum:
        raise ValueError(f"{who}: {name} must be <= {maximum:g}, got {value!r}")
    return v


def _check_rounds(who: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= value <= 16:
        raise ValueError(f"{who}: {name} must be an integer in [0, 16], got {value!r}")
    return int(value)


def _check_bell_diagonal(who: str, values: Sequence[float]) -> tuple[float, float, float, float]:
    try:
        arr = [float(x) for x in values]
    except (TypeError, ValueError):
        raise ValueError(f"{who}: bell_diagonal must be 4 numbers, got {values!r}") from None
    if len(arr) != 4 or any(not math.isfinite(x) or x < 0 for x in arr):
        raise ValueError(f"{who}: bell_diagonal must be 4 non-negative numbers, got {values!r}")
    if abs(sum(arr) - 1.0) > 1e-9:
        raise ValueError(f"{who}: bell_diagonal must sum to 1, got {sum(arr)!r}")
    return (arr[0], arr[1], arr[2], arr[3])


def _ps(seconds: float, what: str) -> int:
    """SI seconds -> int64 picoseconds (rounded), rejecting NaN, infinities, negatives and overflow."""
    try:
        ps = round(float(seconds) * 1e12)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{what} must be a finite number of seconds, got {seconds!r}") from None
    if ps < 0:
        raise ValueError(f"{what} must be >= 0 s, got {seconds!r}")
    if ps > _INT64_MAX:
        raise ValueError(f"{what} = {seconds!r} s exceeds the int64 picosecond range (about 106 days)")
    return ps


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _make_bar(total_s: float, initial_s: float) -> Any:
    import shutil

    from tqdm import tqdm

    # A pseudo-terminal may report a 0 x 0 size, which makes tqdm hide the bar.
    sized = shutil.get_terminal_size((0, 0)).columns > 0
    return tqdm(
        ncols=None if sized else 100,
        nrows=None if sized else 24,
        total=round(total_s, 12),
        initial=round(initial_s, 12),
        unit="sim s",
        file=sys.stderr,
        leave=False,
        dynamic_ncols=sized,
        bar_format="{l_bar}{bar}| {n:.3g}/{total:.3g} sim s [{elapsed}<{remaining}{postfix}]",
    )
