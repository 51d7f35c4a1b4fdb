"""User protocols written in Python, driven by the native network's events.

Subclass :class:`Protocol` and pass an instance to :meth:`qnsim.Network.request`
(``protocol=...``). The native core still generates link pairs (geometric sampling, herald
delays, decoherence, cutoffs), but instead of swapping as soon as possible it calls the
protocol:

* :meth:`Protocol.on_pair_ready` when a node learns that a link pair is stored (each end
  separately, after its herald delay);
* :meth:`Protocol.on_message` when a message sent with :meth:`Protocol.send` arrives (after
  the classical latency along the cheapest link path);
* :meth:`Protocol.on_timer` when a timer set with :meth:`Protocol.set_timer` fires;
* :meth:`Protocol.on_pair_lost` when a cutoff discards a stored pair.

The protocol acts through :meth:`swap` (``self.network.swap`` is the same), :meth:`deliver`,
:meth:`discard`, :meth:`send` and :meth:`set_timer`. Memory slots are integers; a slot's
partner is the slot holding the other half of its pair (global truth, as a simulator knows it:
a real node would learn it from messages, which is the protocol's job to model).

This path calls Python for every event of the request, so it is slower than the native
protocols (see ``bench/link.py``); use it to try new policies.

>>> import qnsim
>>> class SwapASAP(qnsim.Protocol):
...     '''Swap at the middle node as soon as both links hold a pair; deliver on both messages.'''
...     def __init__(self):
...         super().__init__()
...         self.ready = {}      # middle node's stored slots, by link index
...         self.pending = {}    # (src slot, dst slot) -> messages still to arrive
...     def on_pair_ready(self, node, slot, partner_slot):
...         if node in (self.request.src, self.request.dst):
...             return
...         self.ready[self.network.slot_link(slot).index] = slot
...         if len(self.ready) == 2:
...             s1, s2 = self.ready.values()
...             self.ready.clear()
...             ends = (self.network.slot_partner(s1), self.network.slot_partner(s2))
...             self.swap(node, s1, s2)
...             src, dst = ends if self.network.slot_node(ends[0]) == self.request.src else ends[::-1]
...             self.pending[(src, dst)] = 2
...             for end in (self.request.src, self.request.dst):
...                 self.send(node, end, (src, dst), after_s=self.swap_duration_s(node))
...     def on_message(self, node, message):
...         self.pending[message] -= 1
...         if self.pending[message] == 0:
...             del self.pending[message]
...             self.deliver(*message)
>>> net = qnsim.Network(seed=5)
>>> for name in "amb":
...     _ = net.add_node(name)
>>> _ = net.add_link("a", "m", length_km=1.0, fidelity=0.9, rate_hz=1e4)
>>> _ = net.add_link("m", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
>>> _ = net.request("a", "b", num_pairs=10, protocol=SwapASAP())
>>> result = net.run(until_s=1.0)
>>> result.requests[0].num_pairs, round(result.requests[0].mean_fidelity, 6)
(10, 0.813333)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from qnsim.network import Network, RequestInfo

__all__ = ["Protocol"]


class Protocol:
    """Base class of user protocols in Python; override the ``on_*`` callbacks.

    One instance drives one request. After :meth:`qnsim.Network.request` the attributes
    :attr:`network` (the :class:`qnsim.Network`) and :attr:`request` (its
    :class:`qnsim.network.RequestInfo`) are set. Callbacks receive node names and slot
    integers; times are SI seconds.

    Example:
        >>> class Recorder(Protocol):
        ...     def on_pair_ready(self, node, slot, partner_slot):
        ...         if node == self.request.src:
        ...             self.deliver(slot, partner_slot)
        >>> import qnsim
        >>> net = qnsim.Network(seed=1); _ = net.add_node("a"); _ = net.add_node("b")
        >>> _ = net.add_link("a", "b", length_km=0.0, fidelity=0.97, rate_hz=100.0)
        >>> _ = net.request("a", "b", num_pairs=3, protocol=Recorder())
        >>> net.run(until_s=1.0).requests[0].fidelities.round(6).tolist()
        [0.97, 0.97, 0.97]
    """

    network: Network
    request: RequestInfo

    def __init__(self) -> None:
        self._ready_s: dict[int, float] = {}

    # ---- callbacks (override) -------------------------------------------------------------
    # Examples of every callback and action: the module docstring (swap-ASAP), the class
    # docstring (deliver), and the ``send`` / ``set_timer`` examples below.

    def on_pair_ready(self, node: str, slot: int, partner_slot: int) -> None:
        """A node learned that a link pair is stored in ``slot`` (partner at ``partner_slot``)."""

    def on_message(self, node: str, message: Any) -> None:
        """A message sent with :meth:`send` arrived at ``node``."""

    def on_timer(self, node: str, payload: Any) -> None:
        """A timer set with :meth:`set_timer` fired at ``node``."""

    def on_pair_lost(self, node: str, slot: int, partner_slot: int) -> None:
        """A cutoff discarded the pair in ``slot`` (at ``node``) and ``partner_slot``."""

    # ---- actions ------------------------------------------------------------------------

    def swap(self, node: str, slot_a: int, slot_b: int) -> tuple[int, int]:
        """Entanglement swap at ``node`` of two of its slots; returns the outcomes.

        The far ends become partners (Pauli correction tracked natively). The swapped slots
        are freed once the node's gate and measurement durations have passed.
        """
        self._ready_s.pop(slot_a, None)
        self._ready_s.pop(slot_b, None)
        return self.network.swap(node, slot_a, slot_b)

    def deliver(self, slot_src: int, slot_dst: int) -> None:
        """Records the pair (slot_src at the source, slot_dst at the destination) as delivered now.

        The memories are freed (unless the request keeps pairs) and the links restart.
        """
        self._ready_s.pop(slot_src, None)
        self._ready_s.pop(slot_dst, None)
        self.network.native.deliver_slots(self.request.index, int(slot_src), int(slot_dst))

    def discard(self, slot: int) -> None:
        """Discards the pair held by ``slot`` and its partner."""
        self._ready_s.pop(slot, None)
        self.network.discard(slot)

    def send(self, from_node: str, to_node: str, message: Any, *, after_s: float = 0.0) -> float:
        """Sends any Python object from one node to another; returns the arrival time in s.

        The message leaves ``from_node`` after ``after_s`` (e.g. :meth:`swap_duration_s`, so
        that the outcome of a swap leaves once the measurement is done), travels for the
        classical latency along the cheapest link path, and is passed to :meth:`on_message`
        at ``to_node``.

        Example:
            >>> import qnsim
            >>> class Ping(qnsim.Protocol):
            ...     def on_pair_ready(self, node, slot, partner_slot):
            ...         if node == "a":
            ...             self.set_timer(1e-3, "a", "tick")
            ...             self.send("a", "b", {"hello": slot})
            ...     def on_timer(self, node, payload):
            ...         print(f"{payload} at {node}, t = {self.now_s * 1e3:.3f} ms")
            ...     def on_message(self, node, message):
            ...         print(f"{sorted(message)} at {node}, t = {self.now_s * 1e3:.3f} ms")
            >>> net = qnsim.Network(seed=1); _ = net.add_node("a"); _ = net.add_node("b")
            >>> _ = net.add_link("a", "b", length_km=100.0, fidelity=1.0, rate_hz=1e6)
            >>> _ = net.request("a", "b", protocol=Ping())
            >>> _ = net.run(until_s=1.5e-3)
            ['hello'] at b, t = 0.961 ms
            tick at a, t = 1.480 ms
        """
        net = self.network
        src = net._node(from_node, "send").index
        dst = net._node(to_node, "send").index
        ident = net._new_id()
        net._messages[ident] = (self, message)
        if after_s > 0:
            from qnsim.network import _ps

            delay = _ps(after_s, "send after_s")
            net._timers[ident] = (_Departure(net, src, dst, ident), None)
            net.native.schedule_timer(delay, src, ident)
            return (net.native.now_ps + delay + net.native.classical_latency(src, dst)) / 1e12
        return net.native.send_message(src, dst, ident) / 1e12

    def set_timer(self, delay_s: float, node: str, payload: Any = None) -> None:
        """Calls :meth:`on_timer` at ``node`` with ``payload`` after ``delay_s`` seconds."""
        from qnsim.network import _ps

        net = self.network
        ident = net._new_id()
        net._timers[ident] = (self, payload)
        net.native.schedule_timer(
            _ps(delay_s, "set_timer delay_s"), net._node(node, "set_timer").index, ident
        )

    # ---- facts --------------------------------------------------------------------------

    @property
    def now_s(self) -> float:
        """Current simulated time in s."""
        return self.network.now_s

    def swap_duration_s(self, node: str) -> float:
        """Time a swap takes at ``node`` (two-qubit gate + single-qubit gate + measurement), s."""
        return self.network.swap_duration_s(node)

    def pair_fidelity(self, slot: int) -> float:
        """Current fidelity of the pair in ``slot`` and its partner (decoherence up to now)."""
        return self.network.pair_fidelity(slot)

    def partner(self, slot: int) -> int:
        """The slot holding the other half of ``slot``'s pair."""
        return self.network.slot_partner(slot)

    def pair_emitted_s(self, slot: int) -> float:
        """Emission time in s of a link-level pair whose readiness was reported in ``slot``.

        Derived from the time :meth:`on_pair_ready` was called and the link's herald delay at
        that end. Raises KeyError for slots not reported (or already used).
        """
        return self._ready_s[slot]

    # ---- plumbing -----------------------------------------------------------------------

    def _attach(self, network: Network, request: RequestInfo) -> None:
        if getattr(self, "network", None) is not None and getattr(self, "request", None) is not None:
            raise ValueError("this Protocol instance already drives a request; make one instance per request")
        if not hasattr(self, "_ready_s"):
            raise TypeError(f"{type(self).__name__}.__init__ must call super().__init__()")
        self.network = network
        self.request = request

    def _pair_ready(self, node: str, slot: int, partner_slot: int) -> None:
        link = self.network.slot_link(slot)
        self._ready_s[slot] = self.network.now_s - link.herald_delay_s(node)
        self.on_pair_ready(node, slot, partner_slot)


class _Departure:
    """Timer target that hands a delayed message to the native network when it leaves."""

    def __init__(self, network: Network, src: int, dst: int, ident: int) -> None:
        self.network, self.src, self.dst, self.ident = network, src, dst, ident

    def on_timer(self, node: str, payload: Any) -> None:
        self.network.native.send_message(self.src, self.dst, self.ident)
