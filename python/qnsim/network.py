"""Networks of QPUs and repeaters joined by heralded links: describe, run, read the results.

A :class:`Network` is a container over the native event-driven network
(``qnsim._core.NativeNetwork``, integer picoseconds): each :meth:`~Network.add_node`,
:meth:`~Network.add_link` and :meth:`~Network.request` builds a typed spec
(:mod:`qnsim.specs`), resolves it (hardware in :mod:`qnsim.link_builder`, paths in
:mod:`qnsim.routing`, rounds in :mod:`qnsim.purification`) and hands it to the core, whose
``validate()`` is the one range check. The core then runs link generation, swapping,
recurrence purification and cutoffs without returning to Python, except for requests driven by
a Python :class:`qnsim.Protocol`.

Modelling choices:

* Each link has a heralding station at its midpoint, or where a ``link_model`` of
  :func:`qnsim.heralded_link` puts it (arms of unequal lengths). The number of attempts until success is
  drawn from a geometric distribution; the pair is emitted at the start of the successful
  attempt and each end learns of it after its own *herald delay* (the nearer end of an off-midpoint
  station sooner; it emitted later, so that the photons meet, and its qubit decays from its own emission,
  while the pair's age is the older, farther end's qubit's).
* Classical messages between neighbours take ``L / c_fiber``; along a path, the sum.
* Memory decoherence (T1 amplitude damping, then dephasing to T2) runs from emission and is
  applied for the exact time each qubit waited. The stabilizer formalism applies T1 as its
  Pauli twirl (results say so).
* Swap corrections are a Pauli frame applied when a qubit is next used; ends learn of a swap
  one classical latency after the swapping node measured.
* Cutoffs are judged with a global view: a qubit stored longer than the cutoff is discarded
  together with its partner at the same instant; one stored exactly the cutoff is still used by a
  swap or delivery of that very instant.
* A run reaches the time asked for, whatever the requests did, so results are a pure function
  of the description and the seed, however the run is cut into steps.

>>> import qnsim
>>> net = qnsim.Network(seed=7)
>>> for name in ("alice", "repeater", "bob"):
...     _ = net.add_node(name, role="repeater" if name == "repeater" else "qpu")
>>> _ = net.add_link("alice", "repeater", length_km=10.0, fidelity=0.95, rate_hz=1e3)
>>> _ = net.add_link("repeater", "bob", length_km=10.0, fidelity=0.95, rate_hz=1e3)
>>> req = net.request("alice", "bob", num_pairs=20)
>>> result = net.run(until_s=1.0)
>>> result.requests[0].num_pairs, result.now_s
(20, 1.0)
>>> round(result.requests[0].mean_fidelity, 4) == round(qnsim.werner_swap_fidelity(0.95, 0.95), 4)
True
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, Union

import networkx as nx

from qnsim import _core
from qnsim._core import QnsimError
from qnsim.argument_checks import is_integer, name_key, reads_as, spelled, written
from qnsim.hardware import NodeHardware, hardware_values
from qnsim.link_builder import LinkInfo, build_link
from qnsim.logs import run_report, run_watch
from qnsim.presets import PRESETS, HardwarePreset, resolve_preset
from qnsim.progress import run_with_bar
from qnsim.protocol import Protocol, ProtocolHub, SlotOperations
from qnsim.purification import PURIFICATIONS, memories_do_not_fit, plan_purification, purification_rounds_for
from qnsim.results import NetworkResult, collect
from qnsim.routing import ROUTINGS, route
from qnsim.specs import (
    FORMALISMS,
    ROLES,
    UINT64_MAX,
    Formalism,
    LinkSpec,
    NodeInfo,
    NodeSpec,
    ParameterError,
    RequestInfo,
    RequestSpec,
    build,
    check_label,
    check_seed,
    check_value,
    did_you_mean,
    optional_ps,
    parameter_error,
    relocated,
    seconds_to_ps,
    times_as_given,
)
from qnsim.trace import DEFAULT_TRACE_LIMIT, MAX_TRACE_RECORDS, Trace, check_in_memory_limit

__all__ = [
    "FORMALISMS",
    "PRESETS",
    "PURIFICATIONS",
    "ROLES",
    "ROUTINGS",
    "LinkInfo",
    "Network",
    "NodeInfo",
    "RequestInfo",
    "hardware_values",
    "purification_rounds_for",
    "resolve_preset",
]


def _pairs_asked(requests: Sequence[RequestInfo]) -> int | None:
    """The pairs a network's requests ask for (their ``num_pairs``), or None when one asks for no number."""
    asked = [r.spec.num_pairs for r in requests]
    return None if not asked or None in asked else sum(asked)


class Network(SlotOperations):
    """A quantum network: nodes, heralded links, end-to-end requests, and the native run.

    Args:
        formalism: ``"density_matrix"`` (exact states and fidelities), ``"stabilizer"``
            (Pauli noise, fast; non-Pauli channels are Pauli-twirled) or ``"bell_diagonal"``
            (each pair as four Bell coefficients, closed-form swaps, purification and decay; the
            fastest). ``bell_diagonal`` agrees with ``density_matrix`` to rounding on every pair (same seed,
            same timing) when memories have no T1 (amplitude damping is twirled, as in ``stabilizer``; the
            result says so), link states are Bell-diagonal and no purification round runs (a round's success
            is one draw here and its measurements' draws there: with purification the two agree in their
            statistics, not pair by pair), averages over swap outcomes instead of drawing them (with
            ``measure_error`` > 0 a pair carries the mixture a misread outcome causes, as in
            ``density_matrix``, which applies a readout error as a flip before an exact measurement), keeps
            a hardware link's exact state as its Bell-diagonal part (exact for fidelities on average over
            swap outcomes, not pair by pair), and has no qubits:
            ``keep_pairs`` and :attr:`registry` need another formalism.
        seed: Seed of every random stream (per node and link), an integer in [0, 2^64 - 1]. None
            draws one at random (from the OS), which :attr:`seed` then holds and results report,
            so that the run can be repeated; the same seed and description reproduce a run bit
            for bit. Link attempts draw the same numbers in every formalism (a ``stabilizer`` link
            samples its pairs' Pauli errors from a stream of its own), so with one seed the three
            formalisms deliver the same pairs at the same times unless what follows depends on the
            states: purification rounds, ``min_fidelity`` or a Python protocol's choices (then they agree
            in distribution, not seed by seed).
        trace: Record the run's protocol steps (:mod:`qnsim.trace`): True keeps up to 10^6
            records (about 48 MB), an int that many; False (the default) records nothing and costs
            nothing. The records are held in memory (a limit they could not fit is refused); to
            stream a long run's records to a file instead, use :class:`qnsim.trace.TraceFile`.
        max_records: Keep at most this many delivery records (per-pair times and fidelities;
            None: 10^6). Beyond it, per-request counts, mean fidelity and its spread still come
            from native aggregates, so memory does not grow with the number of delivered pairs.
            A limit whose records (~300 bytes each, held and read) exceed the memory this process
            may use is refused.

    Raises:
        ParameterError: Unknown formalism, bad seed or max_records (named).

    Example:
        >>> net = Network("stabilizer", seed=3)
        >>> net.formalism, net.seed
        ('stabilizer', 3)
    """

    def __init__(
        self,
        formalism: str = "density_matrix",
        seed: int | None = None,
        *,
        max_records: int | None = None,
        trace: bool | int = False,
    ) -> None:
        self._formalism: str = check_value("formalism", Formalism, formalism)
        seed = None if seed is None else check_seed("seed", seed)
        self._seed_drawn = seed is None
        # Drawn here rather than natively so that every run states a seed that repeats it (63 bits:
        # a scenario file's TOML integers are signed 64-bit).
        self._seed: int = secrets.randbits(63) if seed is None else seed
        self._native = _core.NativeNetwork(self._formalism, self._seed)
        if max_records is not None:
            records = _record_limit("max_records", max_records, "None: 10^6, the default")
            # A limit the process's memory cannot hold was accepted: a long run filled it and was killed.
            from qnsim.trace import DELIVERY_RECORD_BYTES, check_records_fit

            check_records_fit(
                "max_records", records, DELIVERY_RECORD_BYTES, "held by the network, then copied when read",
                "keep fewer (the counts, rates and mean fidelities come from native aggregates, all pairs included)",
            )  # fmt: skip
            self._native.max_records = records
        if not is_integer(trace):  # an integer is _record_limit's to bound (with what its values mean)
            trace = check_value("trace", Union[bool, int], trace)
        if trace is not True and trace is not False:
            trace = _record_limit("trace", trace, "0: off")
        if trace is not False:
            limit = DEFAULT_TRACE_LIMIT if trace is True else trace
            check_in_memory_limit(limit)
            self._native.set_trace(limit)
        self._nodes: dict[str, NodeInfo] = {}
        self._links: dict[frozenset[str], LinkInfo] = {}
        # By native index, for the lookups Python protocols make on every event (the public
        # nodes/links properties copy, which cost O(nodes) per event on a 1,000-node chain).
        self._node_names: list[str] = []
        self._node_keys: dict[str, str] = {}  # name_key(name) -> name: look-alike names are refused
        self._request_keys: dict[str, str] = {}  # the same for request names
        self._link_list: list[LinkInfo] = []
        self._requests: list[RequestInfo] = []
        # Hardware initialisation figures the network's steps do not apply (its results say so).
        self._unmodelled_init: dict[str, tuple[float, float]] = {}
        self._hub = ProtocolHub(self)
        self._wall_time_s = 0.0
        self._unreached_until_ps: int | None = None  # the end of a run that stopped short of it
        # Source handles of the kept pairs released (release_pair): the others still hold their slots, and a request
        # whose kept pairs fill its memories delivers no more (its result says so).
        self._released_src: set[int] = set()
        # Held by the thread in run or run_seeds (see _running_in_this_thread).
        self._run_lock = threading.Lock()
        self._run_owner: int | None = None

    # ---- description -------------------------------------------------------------------

    # Read-only: the native network took them when it was made, so a value set later was reported
    # by results and written by to_toml while the runs used the first (a seed that repeats nothing).
    @property
    def formalism(self) -> str:
        """The formalism the network was made with (read-only)."""
        return self._formalism

    @formalism.setter
    def formalism(self, value: Any) -> None:
        raise AttributeError(
            f"Network.formalism is read-only (the network was made with {written(self._formalism)}); build "
            f"Network({written(value)}, ...) for another formalism"
        )

    @property
    def seed(self) -> int:
        """The seed of every random stream (read-only: build another network for another seed)."""
        return self._seed

    @seed.setter
    def seed(self, value: Any) -> None:
        raise AttributeError(
            f"Network.seed is read-only: the network's random streams were seeded with {self._seed} when it was "
            f"made; build Network(seed={written(value)}) (the same nodes, links and requests) for another seed, or use "
            "run_seeds"
        )

    @property
    def seed_drawn(self) -> bool:
        """True when no seed was given and :attr:`seed` was drawn at random for this network."""
        return self._seed_drawn

    def _refuse_while_running(self, operation: str, advice: str) -> None:
        """Refuses a call made from inside the run (a protocol callback): the native core is in the
        middle of an event, and a node, link or request added then (or a nested run) would change
        the tables that event is using.

        Raises:
            QnsimError: Naming the operation, the time and what to do instead; or another thread is
                in this network's run or run_seeds.
        """
        if self._run_lock.locked() and self._run_owner != threading.get_ident():
            raise QnsimError(_OTHER_THREAD.format(operation=operation))
        if self._native.running:
            raise QnsimError(
                f"{operation}: the network is running (called from inside a protocol callback, at t = "
                f"{self.now_s:.12g} s); {advice}"
            )

    @contextlib.contextmanager
    def _running_in_this_thread(self, operation: str) -> Iterator[None]:
        """Holds the network for one thread's run or run_seeds. A second thread's run went through
        between the first's checks and its native run: run(20) returned the 40 s results of the other
        thread's run(40) as its own, and run_seeds (which lets go of the GIL) copied a network another
        thread was adding nodes to.

        Raises:
            QnsimError: Another thread holds the network.
        """
        if not self._run_lock.acquire(blocking=False):
            raise QnsimError(_OTHER_THREAD.format(operation=operation))
        self._run_owner = threading.get_ident()
        try:
            yield
        finally:
            self._run_owner = None
            self._run_lock.release()

    @property
    def nodes(self) -> dict[str, NodeInfo]:
        """Nodes by name (a copy), in the order they were added."""
        return dict(self._nodes)

    @property
    def links(self) -> list[LinkInfo]:
        """Links in the order they were added."""
        return list(self._links.values())

    @property
    def requests(self) -> list[RequestInfo]:
        """Requests in the order they were made."""
        return list(self._requests)

    def node(self, name: str, who: str = "network") -> NodeInfo:
        """The node called ``name``.

        Raises:
            ValueError: No such node (with a suggestion), prefixed by ``who``.
        """
        try:
            return self._nodes[name]
        except (KeyError, TypeError):
            known = ", ".join(list(self._nodes)[:20]) or "none"
            other = self._node_keys.get(name_key(name)) if isinstance(name, str) else None
            if other is not None and other != name:
                # A link to 'é' typed composed, of a node named 'é' decomposed: "unknown node 'é' (nodes: é, b)"
                # named, as the missing one, a name the list shows.
                raise ValueError(
                    f"{who}: unknown node {written(name)}: it reads as node {written(other)}{spelled(name, other)} "
                    f"but is not spelled the same (letter case, Unicode form or a look-alike letter); write it as "
                    "the node's name is written"
                ) from None
            raise ValueError(
                f"{who}: unknown node {written(name)}{did_you_mean(name, self._nodes)} (nodes: {known})"
            ) from None

    def add_node(
        self, name: str, *, hardware: NodeHardware | HardwarePreset | str | dict | None = None, **params: Any
    ) -> NodeInfo:
        """Adds a node.

        Hardware comes from ``hardware`` (a :class:`NodeHardware`, a :class:`HardwarePreset`, a
        preset name or ``{"name": ..., **options}``); each parameter given explicitly overrides
        it. Without hardware the node is ideal (no gate noise, no decoherence) with as many
        memories as its links need.

        Args:
            name: Unique node name: printable, not starting or ending with spaces, and not another
                node's name in other letter case or Unicode form ('A' beside 'a').
            hardware: Node hardware, or a preset whose node hardware to use (the node's links
                then default to the preset's link hardware).
            **params: Any :class:`qnsim.specs.NodeSpec` field: ``role``, ``num_memories``,
                ``t1_s``, ``t2_s`` (s), ``depolarizing_time_s`` (s), ``gate1_error``,
                ``gate2_error``, ``measure_error`` (Stim's meaning), ``gate1_duration_s``,
                ``gate2_duration_s``, ``measure_duration_s`` (s).

        Returns:
            The :class:`NodeInfo`.

        Raises:
            ParameterError: A parameter of the wrong type or out of range (named);
                ValueError: a duplicate name, or one that reads as another (letter case, Unicode form).

        Example:
            >>> net = Network()
            >>> net.add_node("qpu0", hardware="nv_near_term").num_memories
            2
            >>> net.add_node("qpu1", t1_s=1.0, t2_s=3.0)
            Traceback (most recent call last):
            ...
            qnsim._core.ParameterError: node 'qpu1': t2_s must be <= 2 * t1_s = 2.0 s, got 3.0 s
        """
        self._refuse_while_running("add_node", _CHANGE_BETWEEN_RUNS)
        who = f"node {written(name)}"
        try:
            check_label("name", name)  # before the lookup: a list name was "unhashable type: 'list'"
        except ParameterError as exc:
            raise relocated(exc, who) from None
        if name in self._nodes:
            raise ValueError(f"{who} already exists")
        # A table of keys, not a scan of every name: O(1) per node (10^6-node chains).
        other = self._node_keys.get(name_key(name))
        if other is not None:
            raise ValueError(f"{who} {reads_as('node', name, other)}")
        try:
            preset = None
            if isinstance(hardware, (str, dict)):
                hardware = resolve_preset(hardware)
            if isinstance(hardware, HardwarePreset):
                preset, hardware = hardware, hardware.node
            elif hardware is not None and not isinstance(hardware, NodeHardware):
                # Said as this argument takes it: NodeHardware's own check offered "a table of its fields", where a
                # table here is a preset ({"name": ..., **options}).
                raise parameter_error(
                    "hardware",
                    "must be a NodeHardware, a HardwarePreset, a preset name or a table {'name': ..., **options}, "
                    f"got {written(hardware)}",
                )
            values: dict[str, Any] = {}
            if hardware is not None:
                values = hardware_values(check_value("hardware", NodeHardware, hardware))
            # None means "not given": the hardware's value (or, for num_memories, automatic) stays.
            values.update({k: v for k, v in params.items() if v is not None or k not in values})
            spec = build(NodeSpec, {**values, "name": name})
            name = spec.name  # a plain str (see check_value)
            # One check per value: the spec's (made just above); the NodeInfo and the core's struct are that spec's.
            info = NodeInfo.of_checked(spec, len(self._nodes), preset)
            self._native.add_node(info.to_native())
        except ParameterError as exc:
            raise relocated(exc, who) from None
        self._nodes[name] = info
        self._node_keys[name_key(name)] = name
        self._node_names.append(name)
        if hardware is not None and (hardware.gates.init_error or hardware.gates.init_duration_s):
            self._unmodelled_init[name] = (hardware.gates.init_error, hardware.gates.init_duration_s)
        return info

    def add_link(self, a: str, b: str, **params: Any) -> LinkInfo:
        """Adds a heralded link between two nodes, heralding station at the midpoint (or where a ``link_model``
        of :func:`qnsim.heralded_link` puts it: each end's herald delay follows its own arm).

        What the link delivers comes from a ``link_model``, an abstract ``fidelity`` /
        ``bell_diagonal`` with ``rate_hz`` (or ``success_probability`` and
        ``attempt_period_s``), or hardware (a ``preset``, by default the endpoint nodes' (refused when
        their link hardware differs), and pieces); see :mod:`qnsim.link_builder`. A channel starts its next
        attempt when its memories are freed, so its mean rate is p / T when the herald delay equals the period.

        Args:
            a: One end (node name).
            b: The other end.
            **params: Any :class:`qnsim.specs.LinkSpec` field; ``length_km`` (km, >= 0) is
                required. ``channels`` reserves that many memories at each end.

        Returns:
            The :class:`LinkInfo` (delays rounded to whole picoseconds).

        Raises:
            ParameterError: A parameter of the wrong type or out of range (named);
                ValueError: unknown node, duplicate link, an inconsistent description, or not
                enough memories at an end.

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
        self._refuse_while_running("add_link", _CHANGE_BETWEEN_RUNS)
        who = f"link {written(a)}-{written(b)}"
        for end in (a, b):  # an unknown node is named before the parameters
            self.node(end, who)
        try:
            spec = build(LinkSpec, {**params, "a": a, "b": b})
        except ParameterError as exc:
            raise relocated(exc, who) from None
        return self._add_link_spec(spec)

    def _add_link_spec(self, spec: LinkSpec) -> LinkInfo:
        """Adds the link ``spec`` describes (its fields already checked: :meth:`add_link`, or a topology
        builder that checked every link before adding any node)."""
        self._refuse_while_running("add_link", _CHANGE_BETWEEN_RUNS)
        a, b = spec.a, spec.b
        who = f"link {written(a)}-{written(b)}"
        ends = [self.node(n, who) for n in (a, b)]
        try:
            info = build_link(spec, ends[0].preset, ends[1].preset, len(self._links))
            self._native.add_link(info.to_native(ends[0].index, ends[1].index))
        except ParameterError as exc:
            raise relocated(exc, who) from None
        except TypeError as exc:
            raise ValueError(f"{who}: {exc}") from None
        except ValueError as exc:
            raise ValueError(str(exc) if str(exc).startswith(who) else f"{who}: {exc}") from None
        self._links[frozenset((a, b))] = info
        self._link_list.append(info)
        return info

    def link(self, a: str, b: str) -> LinkInfo:
        """The link between nodes ``a`` and ``b`` (either order).

        Raises:
            ValueError: There is none; a name that is no node is named as :meth:`node` names it (with a
                suggestion, or the node it reads as).
        """
        try:
            return self._links[frozenset((a, b))]
        except (KeyError, TypeError):
            # The nodes first: link("A", "b") of nodes 'a' and 'b' was told "there is no link between 'A' and 'b'",
            # where the link exists and 'A' is no node (it reads as 'a').
            for name in (a, b):
                self.node(name, "link")
            raise ValueError(f"there is no link between {written(a)} and {written(b)}") from None

    def route(self, src: str, dst: str, routing: str = "hops", memories_per_link: int | None = None) -> list[str]:
        """The path :meth:`request` would choose (metrics in :mod:`qnsim.routing`).

        ``memories_per_link`` is the request's (None: its default, the path's narrowest link's channels);
        only ``routing="rate"`` chooses by it, as a link delivers to a request through the memories it holds;
        under the others a path with a link of fewer channels is refused, as the request refuses it.

        Example:
            >>> net = Network(); _ = [net.add_node(n) for n in "abc"]
            >>> _ = net.add_link("a", "c", length_km=1.0, fidelity=0.80, rate_hz=1e3)
            >>> _ = net.add_link("a", "b", length_km=1.0, fidelity=0.99, rate_hz=1e2)
            >>> _ = net.add_link("b", "c", length_km=1.0, fidelity=0.99, rate_hz=1e2)
            >>> net.route("a", "c"), net.route("a", "c", "fidelity"), net.route("a", "c", "rate")
            (['a', 'c'], ['a', 'b', 'c'], ['a', 'c'])
        """
        who = f"request {written(src)} -> {written(dst)}"
        try:
            routing = check_value("routing", Literal["hops", "rate", "fidelity"], routing)
        except ParameterError as exc:
            raise relocated(exc, who) from None
        # memories_per_link is read by routing.route, for this call and a direct one alike.
        # The names as the network holds them (plain str): route(np.str_("a"), "b") returned the NumPy string itself.
        src, dst = self.node(src, who).name, self.node(dst, who).name
        if src == dst:
            raise ValueError(f"{who}: source and destination are the same node")
        try:
            path = route(self._nodes, self.links, src, dst, routing, memories_per_link)
        except ValueError as exc:
            raise ValueError(f"{who}: {exc}") from None
        if memories_per_link is not None:
            # The request refuses a path with a link narrower than its memories (routing "hops" and "fidelity" do
            # not avoid one): route(..., memories_per_link=2) returned ['a', 'c'] over a 1-channel link, a path no
            # request takes.
            for u, v in zip(path, path[1:]):
                link = self._links[frozenset((u, v))]
                if link.channels < memories_per_link:
                    raise ValueError(
                        f"{who}: {memories_do_not_fit(link, memories_per_link)} (memories_per_link = "
                        f"{written(memories_per_link)}): give the link channels >= {written(memories_per_link)}, or "
                        "route by 'rate', which avoids it"
                    )
        return path

    def request(self, src: str, dst: str, **params: Any) -> RequestInfo:
        """Asks for end-to-end Bell pairs between ``src`` and ``dst``.

        The request reserves ``memories_per_link`` memory slots at both ends of every link on
        its path, all or nothing; if another request holds them it waits, first come first
        served (so concurrent requests never deadlock), and it releases them when served,
        dropped or at the end of the run. Links then generate pairs, optional recurrence
        purification runs on each link, and intermediate nodes swap as soon as they hold a pair
        on each side (``"asap"``, oldest first: of each side the qubit emitted first, whatever the age of
        its far partner; of qubits emitted at the same picosecond, the side's first memory) or in the
        doubling order of a nested repeater (``"nested"``). With ``generation="on_demand"`` a memory
        freed by a swap waits until the pair it fed is
        delivered or lost before its link attempts again: long chains then make
        about one link pair per link and delivery instead of regenerating while swap outcomes
        travel (~N^2 events for an N-node chain), at the price of one pair in flight per memory.
        With ``protocol``, pair-ready, message and timer events go to the Python protocol
        instead, which decides what to swap and deliver; ``generation="on_demand"`` then holds the
        memories its swaps free until the pair they fed is delivered, discarded or cut off.

        Args:
            src: Source node.
            dst: Destination node.
            **params: Any :class:`qnsim.specs.RequestSpec` field: ``path``, ``routing``,
                ``name`` (unique, also up to letter case and Unicode form; labels the request's sweep
                columns and log records),
                ``num_pairs``, ``start_s``, ``cutoff_s``, ``deadline_s`` (absolute, s),
                ``min_fidelity``, ``swap_schedule``, ``swap_handshake``, ``purification_handshake``,
                ``generation``, ``memories_per_link``,
                ``purification``, ``purification_rounds``, ``target_fidelity`` (rounds chosen
                by :func:`purification_rounds_for`), ``end_to_end_purification_rounds``,
                ``keep_pairs``, ``protocol``.

        Returns:
            The :class:`RequestInfo`.

        Raises:
            ParameterError: A parameter of the wrong type or out of range, or a cutoff no pair
                can outlive (named); ValueError: unknown nodes, no path, an unreachable target
                fidelity, too few channels for the memories.

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
        self._refuse_while_running("request", _CHANGE_BETWEEN_RUNS)
        who = f"request {written(src)} -> {written(dst)}"
        try:
            spec = build(RequestSpec, {**params, "src": src, "dst": dst})
        except ParameterError as exc:
            raise relocated(exc, who) from None
        src, dst = spec.src, spec.dst  # plain str (see check_value)
        if spec.name is not None:
            try:
                check_label("name", spec.name)
            except ParameterError as exc:
                raise relocated(exc, who) from None
            if spec.name.isdigit():
                # A digit-only name would be ambiguous with an index in sweep keys (requests.0).
                raise ValueError(f"{who}: name must be non-empty and not all digits, got {written(spec.name)}")
            if "#" in spec.name:
                # Sweep columns label requests that share a label "<label>#<index>" (scenario.request_labels): a
                # request named 'a->b#1' and the second unnamed a -> b request wrote the same columns, one row's
                # figures over the other's without a word.
                raise ValueError(
                    f"{who}: name must not hold '#' (sweep columns mark requests that share a label with "
                    f"#<index>), got {written(spec.name)}"
                )
            if any(r.name == spec.name for r in self._requests):
                raise ValueError(f"{who}: another request is already named {written(spec.name)}")
            other = self._request_keys.get(name_key(spec.name))
            if other is not None:
                raise ValueError(f"{who}: name {written(spec.name)} {reads_as('request', spec.name, other)}")
        if spec.path is None:
            nodes, routing = self.route(src, dst, spec.routing, spec.memories_per_link), spec.routing
        else:
            nodes, routing = list(spec.path), "explicit"
            for n in nodes:
                self.node(n, who)
            if len(nodes) < 2 or nodes[0] != src or nodes[-1] != dst:
                raise ValueError(f"{who}: path must start at {written(src)} and end at {written(dst)}, got {nodes}")
            for u, v in zip(nodes, nodes[1:]):
                if frozenset((u, v)) not in self._links:
                    raise ValueError(f"{who}: path has no link between {written(u)} and {written(v)}")
        hops = [self._links[frozenset((u, v))] for u, v in zip(nodes, nodes[1:])]
        try:
            plan = plan_purification(spec, hops)
            for link in hops:  # an explicit path with memories_per_link (a routed one was checked by route())
                if link.channels < plan.memories_per_link:
                    raise ValueError(
                        f"{memories_do_not_fit(link, plan.memories_per_link)} (memories_per_link = "
                        f"{written(plan.memories_per_link)}): give the link channels >= "
                        f"{written(plan.memories_per_link)}, or give a path over wider links"
                    )
            protocol = check_value("protocol", Union[Protocol, None], spec.protocol)
            self._hub.check_sharing(protocol, hops, self._requests)
            times = {"start_s": (spec.start_s, seconds_to_ps(spec.start_s, "start_s"))}
            for name, value in (("cutoff_s", spec.cutoff_s), ("deadline_s", spec.deadline_s)):
                times[name] = (value, optional_ps(value, name))
            native = _core.RequestParams(
                path=[self._nodes[n].index for n in nodes],
                num_pairs=spec.num_pairs,
                start_ps=times["start_s"][1],
                cutoff_ps=times["cutoff_s"][1],
                deadline_ps=times["deadline_s"][1],
                purification=getattr(_core.PurificationScheme, plan.scheme or "none"),
                purification_rounds=plan.rounds,
                end_to_end_purification_rounds=plan.end_to_end_rounds,
                keep_pairs=spec.keep_pairs,
                python_protocol=protocol is not None,
                memories_per_link=plan.memories_per_link,
                min_fidelity=spec.min_fidelity or 0.0,
                swap_schedule=getattr(_core.SwapSchedule, spec.swap_schedule),
                swap_handshake=spec.swap_handshake,
                # A target the links already meet chooses no round, so there is none to confirm; asked for without any
                # purification, the core refuses the flag.
                purification_handshake=spec.purification_handshake
                and (spec.target_fidelity is None or plan.rounds + plan.end_to_end_rounds > 0),
                generation=getattr(_core.GenerationPolicy, spec.generation),
            )
            try:
                self._native.add_request(native)
            except ParameterError as exc:
                raise times_as_given(exc, times) from None
        except ParameterError as exc:
            raise relocated(exc, who) from None
        except ValueError as exc:
            raise ValueError(f"{who}: {exc}") from None
        info = RequestInfo(
            index=len(self._requests), path=tuple(nodes), routing=routing, spec=spec, purification=plan.scheme,
            purification_rounds=plan.rounds, end_to_end_purification_rounds=plan.end_to_end_rounds,
            target_fidelity=plan.target_fidelity, memories_per_link=plan.memories_per_link,
        )  # fmt: skip
        if protocol is not None:
            self._hub.attach(protocol, info, hops)
        self._requests.append(info)
        if spec.name is not None:
            self._request_keys[name_key(spec.name)] = spec.name
        return info

    def to_networkx(self) -> nx.Graph:
        """The topology as a networkx graph with node and link attributes (SI units).

        Example:
            >>> net = Network(); _ = net.add_node("a"); _ = net.add_node("b", role="repeater")
            >>> _ = net.add_link("a", "b", length_km=3.0, fidelity=0.9, rate_hz=10.0)
            >>> g = net.to_networkx()
            >>> g.nodes["b"]["role"], g.nodes["b"]["num_memories"], g.edges["a", "b"]["rate_hz"]
            ('repeater', 1, 10.0)
        """
        g = nx.Graph()
        for node in self._nodes.values():
            attrs = {f: getattr(node, f) for f in NodeSpec.__dataclass_fields__ if f != "name"}
            attrs["num_memories"] = node.num_memories or max(
                1, sum(link.channels for link in self.links if node.name in (link.a, link.b))
            )
            g.add_node(node.name, **attrs)
        for link in self.links:
            g.add_edge(link.a, link.b, length_km=link.length_km, channels=link.channels,
                       success_probability=link.success_probability, attempt_period_s=link.attempt_period_s,
                       rate_hz=link.rate_hz, fidelity=link.fidelity,
                       classical_delay_s=link.classical_delay_s)  # fmt: skip
        return g

    def __repr__(self) -> str:
        """One line: formalism, seed, size, simulated time; the nodes, links and requests when
        there are few of them.

        Example:
            >>> net = Network(seed=2); _ = net.add_node("a"); _ = net.add_node("b")
            >>> _ = net.add_link("a", "b", length_km=5.0, fidelity=0.9, rate_hz=1e3)
            >>> _ = net.request("a", "b", num_pairs=3)
            >>> print(repr(net).replace("; ", ";\\n"))
            Network(density_matrix, seed 2, 2 nodes, 1 link, 1 request, at 0 s;
            links a-b 5 km F=0.9000 1 kHz;
            requests 0 a->b)
        """

        from qnsim import _display

        return _display.network_repr(self)

    def _repr_html_(self) -> str:
        """Jupyter: the network's nodes, links and requests as tables (the first 20 rows of each)."""
        from qnsim import _display

        return _display.network_html(self)

    def to_toml(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        until_s: float | None = None,
        seed: int | None = None,
        name: str = "",
        description: str = "",
    ) -> str:
        """This network as a scenario file that ``qnsim run`` reproduces bit for bit.

        Nodes, links and requests are written as given (each spec key once, defaults left
        out), presets by name, links given as a :class:`qnsim.LinkModel` as a table of its
        resolved fields; the text is read back and checked before it is returned (see
        :mod:`qnsim.scenario_writer`).

        Args:
            path: Also write the file here (whole or not at all).
            until_s: ``run.until_s`` in s (default: the time the network has run to).
            seed: ``run.seed`` (default: the network's seed).
            name: Scenario name.
            description: Scenario description.

        Returns:
            The TOML text.

        Raises:
            ValueError: No until_s to write (the network has not run), or a part a scenario file
                cannot hold (a Python protocol, a custom preset with phase noise), named.
            TypeError: ``name`` or ``description`` is not a string.

        Example:
            >>> from qnsim.config import tomllib
            >>> net = Network(seed=5); _ = net.add_node("a"); _ = net.add_node("b")
            >>> _ = net.add_link("a", "b", length_km=2.0, fidelity=0.9, rate_hz=1e3)
            >>> tomllib.loads(net.to_toml(until_s=1.0))["links"]
            [{'a': 'a', 'b': 'b', 'length_km': 2.0, 'fidelity': 0.9, 'rate_hz': 1000.0}]
        """
        from qnsim.scenario_writer import write_toml

        return write_toml(self, path, until_s=until_s, seed=seed, name=name, description=description)

    # ---- running ----------------------------------------------------------------------

    @property
    def now_s(self) -> float:
        """Current simulated time in s (0 before the first run)."""
        return self._native.now_ps / 1e12

    @property
    def native(self) -> Any:
        """The underlying ``qnsim._core.NativeNetwork``."""
        return self._native

    @property
    def registry(self) -> Any:
        """The :class:`qnsim.QubitRegistry` holding the network's quantum states. Its groups hold at most
        ``network.registry.max_group_qubits`` qubits (10 for density_matrix, 64 for stabilizer), which may be
        set (up to 14 for density_matrix: 4 GiB a group); a merge beyond raises StateTooLargeError naming it."""
        return self._native.registry

    def run(self, until_s: float, *, progress: bool | None = None) -> NetworkResult:
        """Runs the native simulation up to ``until_s``; :attr:`now_s` is then ``until_s``.

        May be called again with a later ``until_s`` to continue; the results are the same
        as one call to the final time. Served requests stop generating pairs, so a run past
        their end costs little. With the ``qnsim`` logger at INFO (:func:`qnsim.log_to_stderr`),
        the run's start and end and each request admitted, served or dropped are logged at
        their simulated times (:mod:`qnsim.logs`).

        Args:
            until_s: End of the run in simulated seconds (>= the current time).
            progress: Show a tqdm progress bar on stderr (True / False); None shows it when the run
                is estimated to take more than ~1 s on a terminal or in Jupyter (tqdm.auto's widget
                there), and on any other stderr (a batch job's log) as plain lines, one at most every
                :data:`qnsim.progress.LOG_INTERVAL_S` (10 s), when it looks longer than that.
                The bar cuts the native run into chunks; the results do not depend on them.

        Returns:
            A :class:`NetworkResult` with all deliveries so far.

        Raises:
            ParameterError: until_s not a number of seconds; ValueError: before the current time;
            QnsimError: an earlier run stopped when a Python protocol callback raised, run is
                called from inside a callback (the network is running), or another thread is in
                this network's run or run_seeds (a network runs in one thread at a time).
            KeyboardInterrupt: Ctrl-C (a later run continues the network as if uninterrupted).
            Exception: whatever a Python protocol's callback raised (see :mod:`qnsim.protocol`).

        Example:
            >>> net = Network(seed=1); _ = net.add_node("a"); _ = net.add_node("b")
            >>> _ = net.add_link("a", "b", length_km=0.0, fidelity=1.0, rate_hz=100.0)
            >>> _ = net.request("a", "b")
            >>> net.run(until_s=0.5).requests[0].num_pairs
            50
        """
        self._refuse_while_running(
            "run", "a callback acts through its protocol's actions, and set_timer schedules what it would run later"
        )
        with self._running_in_this_thread("run"):
            return self._run(until_s, progress)

    def _run(self, until_s: float, progress: bool | None) -> NetworkResult:
        until_ps = seconds_to_ps(until_s, "until_s")
        progress = check_value("progress", Union[bool, None], progress)
        if self._hub.failure:
            raise QnsimError(
                f"run: this network stopped inside an event when {self._hub.failure}; that event is half handled, "
                "so a run from here would not be the scenario's: build the network again"
            )
        if until_ps < self._native.now_ps:
            raise ValueError(f"run: until_s={until_s} is before the current time {self.now_s} s")
        watch = run_watch(self, until_ps)  # None unless qnsim logs at INFO
        start_wall = time.perf_counter()
        # Set until the run gets there: a Ctrl-C (or a raising callback) leaves it, so that the
        # results read afterwards say they stop short of it instead of looking complete.
        self._unreached_until_ps = until_ps
        self._hub.run_thread = threading.get_ident()
        try:
            with self._hub.deferred_interrupts():
                if progress is False:
                    self._native.run(until_ps)
                else:
                    run_with_bar(
                        self._native,
                        until_ps,
                        progress is True,
                        lambda: sum(self._native.delivered(r.index) for r in self._requests),
                        _pairs_asked(self._requests),
                    )
        finally:
            # The wall time of an interrupted run counts too (it read 0 s after a Ctrl-C).
            self._wall_time_s += time.perf_counter() - start_wall
        self._unreached_until_ps = None
        result = self.result(until_s=until_ps / 1e12)
        run_report(self, watch, result)
        return result

    def run_seeds(
        self,
        seeds: Sequence[int],
        until_s: float,
        *,
        threads: int | None = None,
        on_result: Callable[[int, NetworkResult], None] | None = None,
        abort_check: Callable[[], None] | None = None,
    ) -> list[NetworkResult] | None:
        """Runs this network once per seed, as native batches: many seeds in few calls.

        Each seed gets a native copy of this network (its nodes, links and requests) with that
        seed, run to ``until_s`` on native threads without returning to Python in between;
        the result for ``seeds[i]`` equals building the network with ``seed=seeds[i]`` and calling
        :meth:`run` (bit for bit, whatever the threads). This network itself is not run. The seeds
        run a few per thread at a time, so that only those copies are held at once; each result's
        ``wall_time_s`` is its native call's wall time divided by that call's seeds.

        A batch whose results (their per-pair records) would not fit the memory available is
        refused after its first seeds, from what they took (``MemoryError``); ``on_result``
        handles each result as its seeds finish and keeps none, for batches of any length, and
        keeps what finished before a Ctrl-C; a Ctrl-C, or an exception ``on_result`` raises, carries
        a note saying how many seeds ``on_result`` had and where to go on (``seeds[k:]``).

        Args:
            seeds: Distinct seeds (integers in [0, 2^64 - 1]), an ordered collection (a list, tuple or
                array; not a set or a generator). An empty one runs nothing and returns ``[]`` (``on_result`` is
                never called): a caller that splits a long batch into parts may hand over an empty part.
                The command line refuses an empty list (``qnsim sweep --seeds ''``): a user who typed one made
                a mistake.
            until_s: End of every run in simulated seconds.
            threads: Native threads (None: every core this process may use).
            on_result: Called with ``(seed, result)`` for each seed, in the order of ``seeds``,
                as soon as it has run (None: the results are returned).
            abort_check: Called with no arguments about every 20 ms of wall time while seeds run (None:
                never); whatever it raises stops the runs in progress within one native check point
                (16,384 events) and is raised from here, with the note above (the results of the seeds
                that finished in the same native call are dropped, as a Ctrl-C's).

        Returns:
            One :class:`NetworkResult` per seed, in the order of ``seeds`` (``[]`` for no seeds); None with
            ``on_result``.

        Raises:
            ParameterError: Bad or repeated seeds, until_s or threads; QnsimError: the network has already
                run, a request is driven by a Python protocol, the network records a trace (``trace=`` or a
                :class:`qnsim.trace.TraceFile`: the seeds' copies keep none), or another thread is running it;
                MemoryError: the results would not fit the memory available (see above); TypeError:
                ``on_result`` is not callable.

        Example:
            >>> net = Network("bell_diagonal"); _ = net.add_node("a"); _ = net.add_node("b")
            >>> _ = net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e4, success_probability=0.1)
            >>> _ = net.request("a", "b")
            >>> batch = net.run_seeds([1, 2], until_s=0.01)
            >>> alone = Network("bell_diagonal", seed=2); _ = alone.add_node("a"); _ = alone.add_node("b")
            >>> _ = alone.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e4, success_probability=0.1)
            >>> _ = alone.request("a", "b")
            >>> batch[1].requests[0].num_pairs == alone.run(until_s=0.01).requests[0].num_pairs
            True
            >>> pairs = {}
            >>> net.run_seeds([1, 2], until_s=0.01, on_result=lambda s, r: pairs.update({s: r.requests[0].num_pairs}))
            >>> pairs[2] == batch[1].requests[0].num_pairs
            True
        """
        from qnsim.seed_batch import run_network_seeds

        self._refuse_while_running("run_seeds", "run seed batches before or after this network's run")
        if self._native.trace_limit > 0:
            # The seeds' native copies record no trace: Network(trace=True).run_seeds(...) ran them and
            # net.trace() then read "Trace(0 records)", as if no event had happened.
            raise QnsimError(
                "run_seeds: this network records a trace (trace= or a TraceFile), which the seeds' native copies do "
                "not keep (their traces would be lost without a word); trace a seed with run() on a network built "
                "with that seed and trace=, or batch the seeds on a network built without trace="
            )
        with self._running_in_this_thread("run_seeds"):
            return run_network_seeds(self, seeds, until_s, threads, on_result, abort_check)

    def result(self, until_s: float | None = None) -> NetworkResult:
        """The :class:`NetworkResult` of everything run so far (see :func:`qnsim.results.collect`).

        Example:
            >>> Network(seed=0).result().requests
            []

        Raises:
            ParameterError: ``until_s`` is not a number of seconds, is negative, is beyond the
                time range, or is before the time the network has run to (the figures cover all of it).
        """
        if until_s is not None:
            until_ps = seconds_to_ps(until_s, "until_s")
            if until_ps < 0:
                raise parameter_error("until_s", f"must be >= 0 s, got {written(until_s)}")
            if until_ps < self._native.now_ps and not self._native.running:
                # result(until_s=0.005) after a run to 10 ms was labelled "until 5 ms" with every pair of the
                # 10 ms in it (twice the pairs of the time it named), without a word.
                raise parameter_error(
                    "until_s",
                    f"= {written(until_s)} s is before the {written(self.now_s)} s the network has run to: the "
                    "results cover all "
                    "of it and cannot be cut to an earlier time (call result() without until_s)",
                )
        return collect(self, until_s, self._wall_time_s)

    def trace(self) -> Trace:
        """The run's event trace so far (empty unless the network was made with ``trace=``): the records
        the network holds, which are all of them unless a :class:`qnsim.trace.TraceFile` has taken them
        to its file as the run went.

        Example:
            >>> Network(trace=True).trace()
            Trace(0 records)
        """
        unreached = self._unreached_until_ps
        # A run left by Ctrl-C or a raising callback: the records stop short of its end, and say so.
        stopped = None
        if unreached is not None and unreached > self._native.now_ps and not self._native.running:
            stopped = (self._native.now_ps / 1e12, unreached / 1e12)
        return Trace(self._native.trace(), list(self._nodes), stopped=stopped)

    def occupied_slots(self) -> int:
        """Memory slots currently holding a qubit (a leak check)."""
        return int(self._native.occupied_slots())

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
        # Checked, not coerced: int() made True qubit 1 and 1.5 qubit 1 (numpy integers are fine).
        handle = {"minimum": 0, "maximum": UINT64_MAX}  # a registry handle; others name no qubit
        qubit_src = check_value("qubit_src", int, qubit_src, handle)
        self._native.release_pair(qubit_src, check_value("qubit_dst", int, qubit_dst, handle))
        self._released_src.add(int(qubit_src))


# What a call that would change the description from inside a run should do instead.
_CHANGE_BETWEEN_RUNS = (
    "add nodes, links and requests before run() or between runs (a request's start_s sets when it begins)"
)

# Records a network keeps (delivery records, trace records): the native cap, kMaxRecords (one figure with traces').
_RECORD_LIMIT = MAX_TRACE_RECORDS


def _record_limit(name: str, value: Any, meaning: str) -> int:
    """A record count checked here, as the native setter would: beyond int64 it could only say
    "incompatible function arguments", without the value."""
    # check_value refuses what is not an integer; the bounds are this function's, with their meaning.
    count = int(value) if is_integer(value) else check_value(name, int, value)
    if not 0 <= count <= _RECORD_LIMIT:
        raise parameter_error(name, f"must be in [0, {_RECORD_LIMIT}] ({meaning}), got {written(count)}")
    return count


_OTHER_THREAD = (
    "{operation}: another thread is running this network (run or run_seeds); a network runs in one thread at a "
    "time: wait for that call to return, or build one network per thread"
)

