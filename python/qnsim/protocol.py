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

The protocol acts through :meth:`swap` (``self.network.swap`` is the same), :meth:`deliver`
(or :meth:`deliver_end` per end, as the native delivery does),
:meth:`discard`, :meth:`send` and :meth:`set_timer`. A slot's partner is the slot holding the
other half of its pair (global truth, as a simulator knows it: a real node would learn it from
messages, which is the protocol's job to model).

Slots reach the protocol as :class:`SlotRef` values: the slot number (they are ``int``: they
print and sort as numbers) and the *generation* of the qubit the slot held when the reference was
made (two references are equal only if both agree). A memory slot is reused once its qubit is gone (swapped, delivered,
discarded, lost to a cutoff), so a number kept past its pair's end would name whatever pair the
slot holds later; a reference whose generation has passed is refused with
:class:`StaleSlotError` by every operation and pair read. A swap elsewhere on the path re-pairs
a qubit without moving it, so references to the far ends stay valid across it (read the ends,
swap, send them, deliver them when the news arrives). Plain integers are refused (TypeError):
they cannot be checked, and a policy that rebuilds slot numbers (from a message, by
arithmetic) would act on a later pair without a word; :meth:`SlotOperations.slot_ref` makes a
reference to the pair a slot holds now when that is what is meant.

Swaps, deliveries, discards and fidelity reads act only from inside a callback, on slots of the
protocol's own links that hold a pair (a swap also needs both pairs reported ready at the
swapping node); anything else raises :class:`qnsim.QnsimError` or ValueError naming the slot and
its node, instead of changing a pair the protocol does not hold. Reads change nothing:
:meth:`Protocol.pair_fidelity` is computed on a copy, so a policy that reads gives the run it
gives without reading, bit for bit. A reference belongs to the network that gave it; another
network refuses it (ValueError).

What a mistake in a callback does:

* An exception leaves :meth:`qnsim.Network.run` as it was raised, traceback included. The event
  it interrupted is half handled, so the network refuses to run again (QnsimError) and its result
  says where it stopped; build the network again. A callback that catches an error of a refused
  operation goes on with the network unchanged: every check comes before any change.
* Callbacks return None: a value returned is refused (TypeError), so that a callback written as a
  generator (a stray ``yield``) or with ``async def``, whose body would never run, does not leave
  the run doing nothing.
* The network cannot change during its run: ``run``, ``run_seeds``, ``add_node``, ``add_link`` and
  ``request`` called from a callback raise QnsimError (add before the run or between runs; a
  request's ``start_s`` says when it begins). ``result()`` may be read there (its note says it was
  read during the run). ``seed``, ``formalism``, and a protocol's ``network`` and ``request``, are
  read-only; a subclass that defines ``network``, ``request``, ``now_s`` or ``request_active`` itself
  (say ``network = None`` for its own topology) is refused when the class is made (TypeError).
* A method whose name starts with ``on_`` but is none of the four callbacks (a misspelt
  ``on_pair_redy``, an ``on_start`` qnsim does not call) is refused when the class is made
  (TypeError, naming the callback meant): nothing would call it. So is a callback that cannot take the
  arguments qnsim passes it by position (``on_pair_ready(self, node, slot)``, naming the call qnsim makes).
  The same names set on an instance (``proto.on_pair_redy = f``), and a callback set there that is not
  callable (``proto.on_pair_ready = 5``) or cannot take those arguments, are refused when set and again
  when the protocol is attached. (A protocol that never acts leaves
  its request open; the result's notes say that no event is left to run.)
* Ctrl-C while a callback runs lets that callback finish and stops the run at the end of its
  event (KeyboardInterrupt); ``run`` again continues it with the uninterrupted results. A second
  Ctrl-C stops the callback itself (one stuck in a loop, say), which ends the network as an
  exception does.
* More than :attr:`ProtocolHub.MAX_CALLBACKS_AT_ONE_INSTANT` message and timer callbacks at one
  simulated instant (timers or messages answered by others with no delay, forever) stop the run
  with QnsimError rather than spin.
* A protocol that holds its pairs and never acts lets the run end quickly (nothing left to
  happen); the result's notes say that the request can make no progress.
* Only the thread running the network acts: another thread's slot operations, messages and
  timers during the run raise QnsimError (they would land at whatever event was running).

This path calls Python for every event of the request, so it is slower than the native
protocols (see ``bench/link.py``); use it to try new policies. A callback costs tens of microseconds of
CPU with a policy's own bookkeeping, a native event about 0.2 us (``bench/scale.py``): a run costs about its
callbacks times that. ``python bench/python_policy.py`` counts and times the callbacks of
``examples/chain_policy.py``'s ``ChainSwapASAP`` (~12,000 callbacks for 3 pairs generated on demand on 1,000
nodes): tens of microseconds each, more at 1,000 nodes than at 10 or 100 (the custom-protocol tutorial gives a
quiet machine's figures). With continuous generation the events per pair grow as N^2 (375,344 events for those 3
pairs; ``python examples/chain_policy.py --nodes 1000 --generation continuous`` prints the Python run's CPU
seconds on your machine: about a minute in one old measurement on another, loaded VM). ``run(..., progress=True)`` shows
such a run's progress on stderr (by default a bar shows on a terminal or in Jupyter, once the run looks longer than
~1 s; on any other stderr, a batch job's log, plain lines every 10 s once it looks longer than that).

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
...         if not self.request_active:
...             return   # news still on its way when the request ended (served, or dropped at a deadline)
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

import contextlib
import difflib
import inspect
import secrets
import signal
import threading
import weakref
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from qnsim import _core
from qnsim._core import QnsimError
from qnsim.argument_checks import flag, is_integer, written
from qnsim.events import refuse_returned
from qnsim.specs import UINT32_MAX, check_value, parameter_error, seconds_to_ps

if TYPE_CHECKING:  # pragma: no cover - annotations only; network imports this module
    from qnsim.link_builder import LinkInfo
    from qnsim.network import Network, RequestInfo

__all__ = ["Protocol", "ProtocolHub", "SlotOperations", "SlotRef", "StaleSlotError"]

# The native "no slot" (a partner that already used its qubit).
_NO_SLOT = UINT32_MAX


class StaleSlotError(QnsimError, ValueError):
    """A :class:`SlotRef` names a qubit its slot no longer holds (the pair ended; the slot may
    hold a later pair now). The message names the slot, its node and both generations."""


class SlotRef(int):
    """A memory slot as a Python protocol holds it: the slot number (this ``int``) and the
    generation of the qubit the slot held when the reference was made.

    A slot's generation advances whenever its qubit leaves it (measured in a swap, delivered,
    discarded, lost to a cutoff, freed when the request ends), never while one qubit stays (a swap
    at another node re-pairs it in place), so a reference is valid exactly as long as its qubit
    is: slot operations refuse a stale one with :class:`StaleSlotError`. It is the trace's
    ``(slot, generation)`` (:mod:`qnsim.trace`).

    Two references are equal when slot and generation both are, so a dict or set keyed by
    references (pending deliveries, pairs seen) never takes a stale reference for the pair that
    later holds its slot; against a plain number a reference compares as its slot number (it
    hashes as that number, so a dict keyed by numbers finds it). Ordering, printing and
    arithmetic are the number's (arithmetic gives plain ints, which slot operations refuse).
    Immutable and picklable. A reference also carries the network that gave it, which is not part
    of equality: another network refuses it (ValueError), since its slots are numbered from 0 too
    (a reference made by hand, ``SlotRef(slot, generation)``, names no network and is not checked).

    Example:
        >>> ref = SlotRef(3, 7)
        >>> ref == 3, ref == SlotRef(3, 7), ref == SlotRef(3, 9), ref.generation, str(ref), ref
        (True, True, False, 7, '3', SlotRef(3, generation=7))
    """

    _generation: int
    # The token of the network whose callback or slot operation made the reference (None: made
    # by hand), so that a reference kept from one network is refused by another.
    _network: int | None

    def __new__(cls, slot: int, generation: int) -> SlotRef:
        """``slot``: the memory slot index; ``generation``: its generation (both integers in [0, 2^32 - 1])."""
        ref = super().__new__(cls, _slot("slot", slot))
        object.__setattr__(ref, "_generation", _slot("generation", generation))
        object.__setattr__(ref, "_network", None)
        return ref

    @property
    def generation(self) -> int:
        """The slot's generation when this reference was made."""
        return self._generation

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"SlotRef is immutable (cannot set {written(name)})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"SlotRef is immutable (cannot delete {written(name)})")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SlotRef):
            return int(self) == int(other) and self._generation == other._generation
        return int.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        # The number's hash: equal to a plain number means an equal hash (references to one slot
        # share a bucket and are told apart by __eq__).
        return int.__hash__(self)

    def __repr__(self) -> str:
        return f"SlotRef({int(self)}, generation={self._generation})"

    def __str__(self) -> str:
        # The number, as f-strings and messages printed slots before references existed.
        return int.__repr__(self)

    def __reduce__(self) -> tuple[Any, tuple[int, int, int | None]]:
        return (SlotRef._of, (int(self), self._generation, self._network))

    @classmethod
    def _of(cls, slot: int, generation: int, network: int | None) -> SlotRef:
        # For values the native network gave (in range by construction): two per event, where
        # __new__'s argument checks cost more than the rest of the dispatch. ``network``: the
        # token of the network they name (ProtocolHub.token).
        ref = int.__new__(cls, slot)
        object.__setattr__(ref, "_generation", generation)
        object.__setattr__(ref, "_network", network)
        return ref


#: Instance attributes Protocol keeps its plumbing in (its private methods are the other reserved names).
_PLUMBING_ATTRIBUTES = ("_ready_s", "_ended", "_hub", "_network", "_request")


class Protocol:
    """Base class of user protocols in Python; override the ``on_*`` callbacks.

    One instance drives one request. After :meth:`qnsim.Network.request` the attributes
    :attr:`network` (the :class:`qnsim.Network`) and :attr:`request` (its
    :class:`qnsim.network.RequestInfo`) are set. Callbacks receive node names and
    :class:`SlotRef` slot references (see the module docstring); times are SI seconds.

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

    #: Whether this protocol's choices (what it swaps, delivers, discards, sends, and when) may depend on
    #: something random: the outcomes :meth:`swap` returns, a fidelity that depends on them, or draws of its
    #: own. Left True, its request's deliveries are read as random arrivals (the rate's 95% Poisson interval).
    #: A class that sets it False declares that its choices follow from the times of its events alone; its
    #: request's rate is then read as a native request's is: exact for its window when the path keeps a fixed
    #: schedule (:attr:`qnsim.RequestResult.random_arrivals`), so a policy that does what the native protocol
    #: does prints the same rate and interval. A :meth:`pair_fidelity` read where a pair's fidelity may depend
    #: on outcomes (``stabilizer``, ``density_matrix``) makes the deliveries random again, declared or not.
    random_choices: bool = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # A policy's own ``_forget`` (or ``_network`` for its topology) replaced the base's plumbing: every swap
        # then failed inside qnsim with "_forget() takes 2 positional arguments but 3 were given", or the user's
        # data was overwritten without a word when the protocol was attached.
        super().__init_subclass__(**kwargs)
        clash = sorted(_PROTOCOL_RESERVED.intersection(vars(cls)))
        if clash:
            raise TypeError(
                f"{cls.__name__} defines {', '.join(clash)}: qnsim.Protocol keeps its own plumbing under "
                f"{'these names' if len(clash) > 1 else 'this name'}; rename yours (reserved: "
                f"{', '.join(sorted(_PROTOCOL_RESERVED))})"
            )
        # A callback misspelt (on_pair_redy) or one qnsim does not have (on_start, on_swap): nothing ever called it;
        # the request ended open with 0 pairs, its note saying only that the protocol held every memory (and a
        # misspelt on_pair_lost, beside a working on_pair_ready, left a policy's bookkeeping stale without any word).
        # The on_ names are the callbacks' namespace.
        _check_callback_names(cls.__name__, "defines", vars(cls))
        # A callback that is no method (on_pair_ready = 3, None, a property): the class was made, and the run
        # failed at the first event with "'int' object is not callable", naming neither the class nor the callback.
        for name in _CALLBACK_ORDER:
            value = vars(cls).get(name, callable)
            if isinstance(value, property) or not (callable(value) or isinstance(value, (staticmethod, classmethod))):
                raise TypeError(
                    f"{cls.__name__}.{name} must be a method (qnsim calls it on each event), got "
                    f"{type(value).__name__} {written(value):.60}"
                )
            if name in vars(cls):
                wrapped = isinstance(value, (staticmethod, classmethod))
                _check_callback_arguments(cls.__name__, name, value.__func__ if wrapped else value,
                                          bound=isinstance(value, staticmethod))  # fmt: skip
        # The read-only facts (network, request, now_s, request_active) defined again in a subclass: a class
        # attribute `network = None` (a policy's placeholder for its topology) replaced the property, and the
        # first event failed inside qnsim with "'NoneType' object has no attribute 'slot_link'"; `request = 5`
        # broke deliver the same way. Assigning them on an instance is refused already; so is defining them here.
        # A declaration read as a truth value: random_choices = "no" would claim a fixed schedule without a word.
        if "random_choices" in vars(cls):
            cls.random_choices = flag(f"{cls.__name__}.random_choices", vars(cls)["random_choices"])
        shadowed = sorted(_PROTOCOL_FACTS.intersection(vars(cls)))
        if shadowed:
            raise TypeError(
                f"{cls.__name__} defines {', '.join(shadowed)}: qnsim.Protocol provides "
                f"{'these read-only properties' if len(shadowed) > 1 else 'this read-only property'} "
                f"(the network, request and time it runs with); keep your own data under another name"
            )

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _PROTOCOL_RESERVED:
            raise AttributeError(
                f"{type(self).__name__}.{name}: qnsim.Protocol keeps its own plumbing under this name; keep your own "
                f"data under another name (reserved: {', '.join(sorted(_PROTOCOL_RESERVED))})"
            )
        # The class's checks, for a callback set on this instance (proto.on_pair_ready = 5, a misspelt
        # proto.on_pair_redy = f): the run failed at the first event, or ran to its end with 0 pairs. Only an
        # ``on_`` name can be either, so a protocol's own data (self.count += 1 in every callback) skips them: they
        # made each such assignment ~60 times dearer than on a plain object.
        if name.startswith("on_"):
            _check_instance_callbacks(self, {name: value})
        elif name == "random_choices":
            value = flag(f"{type(self).__name__}.random_choices", value)
        object.__setattr__(self, name, value)

    def __init__(self) -> None:
        # Slot -> (generation, emission time in s) of the pairs reported ready and not yet used.
        object.__setattr__(self, "_ready_s", {})
        # Slot -> (generation, how, time in s) of the last pair this protocol ended there, so that a reference
        # used again names what ended its pair ("delivered at t = ...") rather than four possibilities.
        object.__setattr__(self, "_ended", {})

    @property
    def network(self) -> Network:
        """The :class:`qnsim.Network` running this protocol (set by :meth:`qnsim.Network.request`,
        read-only: a policy that assigned its own topology here lost the network it acts on)."""
        try:
            return self._network
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__}.network: this protocol drives no request yet (Network.request(..., "
                "protocol=...) sets it)"
            ) from None

    @network.setter
    def network(self, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__}.network is the network this protocol runs on, set by "
                             "Network.request and read-only; keep your own data under another name")

    @property
    def request(self) -> RequestInfo:
        """The :class:`qnsim.network.RequestInfo` this protocol drives (read-only, as :attr:`network`)."""
        try:
            return self._request
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__}.request: this protocol drives no request yet (Network.request(..., "
                "protocol=...) sets it)"
            ) from None

    @request.setter
    def request(self, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__}.request is the request this protocol drives, set by "
                             "Network.request and read-only; keep your own data under another name")

    # ---- callbacks (override) -------------------------------------------------------------
    # Examples of every callback and action: the module docstring (swap-ASAP), the class
    # docstring (deliver), and the ``send`` / ``set_timer`` examples below.

    def on_pair_ready(self, node: str, slot: SlotRef, partner_slot: SlotRef | None) -> None:
        """A node learned that a link pair is stored in ``slot`` (partner at ``partner_slot``; None
        when that end has already used its qubit through :meth:`deliver_end`)."""

    def on_message(self, node: str, message: Any) -> None:
        """A message sent with :meth:`send` arrived at ``node``."""

    def on_timer(self, node: str, payload: Any) -> None:
        """A timer set with :meth:`set_timer` fired at ``node``."""

    def on_pair_lost(self, node: str, slot: SlotRef, partner_slot: SlotRef | None) -> None:
        """A cutoff discarded the pair in ``slot`` (at ``node``) and ``partner_slot`` (None when
        that end had already used its qubit through :meth:`deliver_end`)."""

    # ---- actions ------------------------------------------------------------------------

    def swap(self, node: str, slot_a: SlotRef, slot_b: SlotRef) -> tuple[int, int]:
        """Entanglement swap at ``node`` of two of its slots; returns the outcomes (m_a, m_b).

        The far ends become partners (Pauli correction tracked natively). The swapped slots
        are freed once the node's gate and measurement durations have passed. The same
        operation as :meth:`qnsim.Network.swap` (see there for the outcomes and the checks).
        """
        return self.network.swap(node, slot_a, slot_b)

    def deliver(self, slot_src: SlotRef, slot_dst: SlotRef) -> None:
        """Records the pair (slot_src at the source, slot_dst at the destination) as delivered now.

        The memories are freed (unless the request keeps pairs) and the links restart.

        Raises:
            ValueError: ``slot_src`` is not at the request's source or ``slot_dst`` not at its
                destination (a pair that ends elsewhere, a link pair not yet swapped, say), or the
                two slots do not hold one pair.
            StaleSlotError: A reference names a pair that has ended.
        """
        slot_src, slot_dst = self.network._refs("deliver", slot_src=slot_src, slot_dst=slot_dst)
        self._hub.check_acting(self, "deliver", (slot_src, slot_dst), told_at_node=False)
        ends = (self.network.slot_node(slot_src), self.network.slot_node(slot_dst))
        if ends != (self.request.src, self.request.dst):
            # Counted as this request's pair, it would pass for an end-to-end pair it is not.
            raise ValueError(
                f"deliver: request {written(self.request.src)} -> {written(self.request.dst)} takes slot_src at "
                f"{written(self.request.src)} and slot_dst at {written(self.request.dst)}; slots {slot_src} and "
                f"{slot_dst} are at "
                f"{written(ends[0])} and {written(ends[1])}"
            )
        self.network.native.deliver_slots(self.request.index, int(slot_src), int(slot_dst))
        self._forget(slot_src, slot_dst, how="delivered")

    def deliver_end(self, slot: SlotRef) -> None:
        """One end of an end-to-end pair uses its qubit now; the second end's call delivers the pair.

        This is how the native protocol delivers: each end uses its qubit as soon as it holds
        its herald and every swap outcome, so the first end's memory stops decaying and is freed
        (its link restarts) while the other end still waits for its news. :meth:`deliver` instead
        uses both ends at the same instant. The delivery is recorded at the second call.

        Args:
            slot: A slot at the request's source or destination holding the pair that joins them
                (or, for the second call, the end whose partner already used its qubit).

        Raises:
            ValueError: The slot (named with its node) is not at an end of the request, holds no
                pair joining its ends, or the request keeps its pairs (deliver both ends at once).
            StaleSlotError: The reference names a pair that has ended.
        """
        (slot,) = self.network._refs("deliver_end", slot=slot)
        self._hub.check_acting(self, "deliver_end", (slot,), told_at_node=False)
        self.network.native.deliver_end_slot(self.request.index, int(slot))
        self._forget(slot, how="used by deliver_end")

    def discard(self, slot: SlotRef) -> None:
        """Discards the pair held by ``slot`` and its partner (the same as :meth:`qnsim.Network.discard`)."""
        self.network.discard(slot)

    def send(self, from_node: str, to_node: str, message: Any, *, after_s: float = 0.0) -> float:
        """Sends any Python object from one node to another; returns the arrival time in s.

        The message leaves ``from_node`` after ``after_s`` (e.g. :meth:`swap_duration_s`, so
        that the outcome of a swap leaves once the measurement is done), travels for the
        classical latency along the cheapest link path, and is passed to :meth:`on_message`
        at ``to_node``. The receiver gets the object itself, not a copy: one changed after it was
        sent arrives changed (send a copy, or an immutable value, to send what holds now).

        Raises:
            ValueError: An unknown node, or no link path joins the two (nothing is sent).
            ParameterError: ``after_s`` negative, not finite or past the time range.

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
        src = self.network.node(from_node, "send").index
        dst = self.network.node(to_node, "send").index
        return self._hub.send(self, src, dst, message, _delay_ps(after_s, "after_s")) / 1e12

    def set_timer(self, delay_s: float, node: str, payload: Any = None) -> None:
        """Calls :meth:`on_timer` at ``node`` with ``payload`` after ``delay_s`` seconds.

        The delay comes first (unlike :meth:`send`, whose nodes do): ``set_timer("b", 1e-3)`` is refused
        naming ``delay_s`` and ``'b'``.
        """
        # The delay is checked first: arguments in send's order ("b", 1e-3) were refused as "unknown node 0.001".
        delay_ps = _delay_ps(delay_s, "delay_s")
        node_index = self.network.node(node, "set_timer").index
        self._hub.set_timer(self, delay_ps, node_index, payload)

    # ---- facts --------------------------------------------------------------------------

    @property
    def now_s(self) -> float:
        """Current simulated time in s."""
        return self.network.now_s

    @property
    def request_active(self) -> bool:
        """True while the request is admitted and neither served nor dropped.

        Messages and timers still arrive after it ends (its last pair delivered, its deadline
        passed), but its memories are freed then and slot operations raise: a callback that may
        run late checks this first.
        """
        status = self.network.native.request_stats(self.request.index).status
        return bool(status == _core.RequestStatus.active)

    def swap_duration_s(self, node: str) -> float:
        """Time a swap takes at ``node`` (two-qubit gate + single-qubit gate + measurement), s."""
        return self.network.swap_duration_s(node)

    def pair_fidelity(self, slot: SlotRef) -> float:
        """Current fidelity of the pair in ``slot`` and its partner (decoherence up to now), read
        without changing the run; only from this protocol's callbacks (see
        :meth:`qnsim.Network.pair_fidelity`)."""
        return self.network.pair_fidelity(slot)

    def partner(self, slot: SlotRef) -> SlotRef:
        """The slot holding the other half of ``slot``'s pair (see :meth:`qnsim.Network.slot_partner`)."""
        return self.network.slot_partner(slot)

    def pair_emitted_s(self, slot: SlotRef) -> float:
        """Emission time in s of a link-level pair whose readiness was reported in ``slot``: its older
        qubit's (with a station off the midpoint, the end on the longer arm emits first), from which
        the pair's age counts.

        Derived from the time :meth:`on_pair_ready` was called and the link's herald delay at
        that end.

        Raises:
            KeyError: The slot's pair was not reported ready to this protocol (or was already used).
            StaleSlotError: The reference names a pair that has ended.
        """
        (slot,) = self.network._refs("pair_emitted_s", slot=slot)
        self.network._check_current("pair_emitted_s", slot)
        generation, emitted_s = self._ready_s.get(int(slot), (None, 0.0))
        if generation != slot.generation:
            raise KeyError(f"slot {slot} has no pair reported ready to this protocol (or it was already used)")
        return emitted_s

    # ---- plumbing -----------------------------------------------------------------------

    def _attach(self, hub: ProtocolHub, request: RequestInfo) -> None:
        if hasattr(self, "_request"):
            raise ValueError("this Protocol instance already drives a request; make one instance per request")
        if not hasattr(self, "_ready_s"):
            raise TypeError(f"{type(self).__name__}.__init__ must call super().__init__()")
        # Again when attached: an attribute put in the instance's __dict__ directly passes no __setattr__.
        _check_instance_callbacks(self, vars(self))
        object.__setattr__(self, "_hub", hub)
        object.__setattr__(self, "_network", hub.network)
        # Pairs this protocol discarded: a request that delivers nothing names them (a policy that
        # discards every pair otherwise read as a path too slow for the run).
        object.__setattr__(self, "_qnsim_discards", 0)
        object.__setattr__(self, "_request", request)

    def _pair_ready(self, node: str, slot: SlotRef, partner_slot: SlotRef | None) -> Any:
        link = self.network.slot_link(slot)
        self._ready_s[int(slot)] = (slot.generation, self.network.now_s - link.herald_delay_s(node))
        return self.on_pair_ready(node, slot, partner_slot)

    def _pair_lost(self, node: str, slot: SlotRef, partner_slot: SlotRef | None) -> Any:
        # The cutoff frees both memories when this callback returns: a swap, delivery or discard
        # of them now would act on a pair that is already gone (check_acting refuses them).
        lost = (slot,) if partner_slot is None else (slot, partner_slot)
        self._forget(*lost, how="lost to the request's cutoff")
        self._hub.losing = lost
        try:
            return self.on_pair_lost(node, slot, partner_slot)
        finally:
            self._hub.losing = ()

    def _forget(self, *slots: SlotRef, how: str) -> None:
        now_s = self.network.now_s
        for slot in slots:
            if self._ready_s.get(int(slot), (None,))[0] == slot.generation:
                del self._ready_s[int(slot)]
            self._ended[int(slot)] = (slot.generation, how, now_s)


#: The base's read-only properties (network, request, now_s, request_active): a subclass may not define them.
_PROTOCOL_FACTS = frozenset(name for name, value in vars(Protocol).items() if isinstance(value, property))

#: The callbacks qnsim calls on a Protocol, in the order the docs list them; any other ``on_`` name is refused.
_CALLBACK_ORDER = ("on_pair_ready", "on_message", "on_timer", "on_pair_lost")
_PROTOCOL_CALLBACKS = frozenset(_CALLBACK_ORDER)
#: The arguments qnsim passes each callback, by position, after ``self``.
_CALLBACK_ARGUMENTS = {
    "on_pair_ready": ("node", "slot", "partner_slot"),
    "on_message": ("node", "message"),
    "on_timer": ("node", "payload"),
    "on_pair_lost": ("node", "slot", "partner_slot"),
}


def _check_callback_arguments(owner: str, name: str, function: Any, bound: bool) -> None:
    """Refuses a callback that cannot take the arguments qnsim passes it (``on_pair_ready(self, node, slot)``): the
    run failed at the first event with Python's "takes 3 positional arguments but 4 were given", naming neither the
    arguments qnsim passes nor their order. ``bound``: called without ``self`` (set on an instance, a staticmethod)."""
    arguments = _CALLBACK_ARGUMENTS[name]
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return  # no signature to read (a builtin): the call itself will say
    try:
        signature.bind(*([None] * (len(arguments) + (0 if bound else 1))))
    except TypeError as exc:
        raise TypeError(
            f"{owner}.{name}{signature} cannot take the arguments qnsim passes it ({exc}): qnsim calls "
            f"{name}({', '.join(arguments if bound else ('self', *arguments))}), by position"
        ) from None

def _check_callback_names(owner: str, verb: str, names: Any) -> None:
    """Refuse ``on_`` names that are none of the callbacks (a misspelt on_pair_redy, an on_start qnsim does not
    have): nothing would ever call them, and the request ended open with 0 pairs without a word."""
    strays = sorted(name for name in names if isinstance(name, str) and name.startswith("on_")
                    and name not in _PROTOCOL_CALLBACKS)  # fmt: skip
    if strays:
        hints = []
        for name in strays:
            close = difflib.get_close_matches(name.lower(), sorted(_PROTOCOL_CALLBACKS), n=1, cutoff=0.7)
            if close:
                hints.append(f"{name}: did you mean {written(close[0])}?")
        raise TypeError(
            f"{owner} {verb} {', '.join(strays)}, which qnsim never calls: the callbacks are "
            f"{', '.join(_CALLBACK_ORDER)}" + (f" ({' '.join(hints)})" if hints else "")
            + "; a method of your own needs a name that does not start with 'on_'"
        )


def _check_instance_callbacks(protocol: Protocol, attributes: Any) -> None:
    """The class's callback checks for attributes set on one instance: an ``on_`` name must be a callback, and a
    callback set there must be callable (it is called with the event's arguments, without ``self``)."""
    _check_callback_names(f"this {type(protocol).__name__} instance", "sets", attributes)
    for name in _CALLBACK_ORDER:
        if name in attributes and not callable(attributes[name]):
            value = attributes[name]
            raise TypeError(
                f"{type(protocol).__name__}.{name}, set on the instance, must be callable (qnsim calls it on each "
                f"event), got {type(value).__name__} {written(value):.60}"
            )
        if name in attributes:
            _check_callback_arguments(f"{type(protocol).__name__} instance", name, attributes[name], bound=True)


#: Names a Protocol subclass may not define or assign: the base's private methods and plumbing attributes.
_PROTOCOL_RESERVED = frozenset(
    [name for name in vars(Protocol) if name.startswith("_") and not name.startswith("__")]
    + list(_PLUMBING_ATTRIBUTES)
)


class ProtocolHub:
    """The plumbing between one network's native core and its Python protocols: message and
    timer ids, their payloads, and the dispatch of native hook events to the right protocol.

    Example:
        >>> import qnsim
        >>> ProtocolHub(qnsim.Network()).pending()
        0
    """

    #: Message and timer callbacks at one simulated instant beyond which a run stops
    #: (QnsimError): messages or timers answered by others at zero delay never let time advance.
    MAX_CALLBACKS_AT_ONE_INSTANT = 10**5

    def __init__(self, network: Network) -> None:
        self.network = network
        self._payloads: dict[int, tuple[Any, Any]] = {}  # id -> (target, payload) of messages and timers
        self._next_id = 1
        self._by_link: dict[int, Protocol] = {}
        self._hooked = False
        self._failure = ""
        #: Names this network in its slot references (random: it must differ from every other
        #: network's, in this process or another one a reference was pickled from).
        self.token = secrets.randbits(62)
        # Message and timer callbacks run at the instant _instant_ps, to find a run whose time stops.
        self._instant_ps = -1
        self._at_instant = 0
        #: The protocol whose callback is running, or None between events (and after the run).
        self.acting: Protocol | None = None
        #: The thread running the network (Network.run), whose callbacks alone may act.
        self.run_thread: int | None = None
        #: The two slots of the pair a cutoff is discarding while on_pair_lost runs.
        self.losing: tuple[SlotRef, ...] = ()

    @property
    def failure(self) -> str:
        """What stopped a run inside an event (a protocol callback that raised), or "".

        The native network records every exception that leaves a hook (even one raised before
        the dispatch could describe it, such as a Ctrl-C landing on its first line); the hub adds
        the exception's type and message when it saw it.
        """
        if self._failure:
            return self._failure
        at_ps = self.network.native.hook_failed_ps
        return "" if at_ps is None else f"a Python protocol callback raised (at t = {at_ps / 1e12:.12g} s)"

    def pending(self) -> int:
        """Messages and timers sent and not yet delivered."""
        return len(self._payloads)

    def check_sharing(
        self, protocol: Protocol | None, hops: Sequence[LinkInfo], requests: Sequence[RequestInfo]
    ) -> None:
        """Refuses a request that would share a link with a request driven by a Python protocol
        (the protocol sees every event of its links).

        Raises:
            ValueError: Naming the link and the other request.
        """
        for link in hops:
            if link.index in self._by_link or protocol is not None:
                for other in requests:
                    if (other.spec.protocol is not None or protocol is not None) and any(
                        {u, v} == {link.a, link.b} for u, v in zip(other.path, other.path[1:])
                    ):
                        raise ValueError(
                            f"link {written(link.a)}-{written(link.b)} is already used by request {other.index}; a "
                            "request driven "
                            "by a Python protocol cannot share links with other requests"
                        )

    def attach(self, protocol: Protocol, request: RequestInfo, hops: Sequence[LinkInfo]) -> None:
        """Makes ``protocol`` the driver of ``request`` and of the events on its links."""
        protocol._attach(self, request)
        for link in hops:
            self._by_link[link.index] = protocol
        if not self._hooked:
            # Weakly: the native network holds its hook where Python's garbage collector cannot see
            # it, so a hook holding the hub (and through it the network) kept every network with a
            # Python protocol alive for good, native memory included.
            self.network.native.set_protocol_hook(_weak_hook(self))
            self._hooked = True

    @contextlib.contextmanager
    def deferred_interrupts(self) -> Iterator[None]:
        """While a run is inside this block, a Ctrl-C that lands in a protocol callback stops the
        run once that event is done (KeyboardInterrupt from :meth:`qnsim.Network.run`, which a later
        run continues as if uninterrupted) instead of inside the callback, which would leave the
        event half handled and the network unusable. A second Ctrl-C before then stops the callback
        itself (one that never returns, say). Only from the main thread, and only over Python's
        default SIGINT handler (a handler of the caller's is left alone).
        """
        if (
            not self._hooked
            or threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        ):
            yield
            return
        native = self.network.native
        deferred = False

        def on_sigint(signum: int, frame: Any) -> None:
            nonlocal deferred
            if native.in_hook and not deferred:
                deferred = True
                native.request_interrupt()
                return
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    def check_acting(
        self, protocol: Protocol | None, operation: str, slots: Sequence[SlotRef], told_at_node: bool
    ) -> Protocol:
        """Refuses a slot operation that no running callback of ``protocol`` may make; returns
        the acting protocol.

        ``protocol`` None means any protocol whose callback is running. Each slot reference must
        be current (its pair not ended), hold a pair, lie on a link the acting protocol drives
        and, with ``told_at_node``, have been reported ready to it (a swap at a node that has not
        yet learned of its pair).

        Raises:
            QnsimError: No protocol callback is running (before or after a run, between events)
                or another protocol's is; ValueError (StaleSlotError for a reference whose pair
                ended): naming the slot and its node.
        """
        acting = self.acting
        self.check_thread(operation)
        if acting is None or (protocol is not None and acting is not protocol):
            # Between events a swap or discard changed the network's state with no event to
            # account for it (after a run, the next run continued from that hidden change).
            raise QnsimError(
                f"{operation}: slot operations act only inside a callback of the Python protocol that drives "
                "the slots (on_pair_ready, on_message, on_timer, on_pair_lost), during Network.run"
            )
        native = self.network.native
        if not acting.request_active:
            status = native.request_stats(acting.request.index).status.name
            # Its memories were freed when it ended: a slot number now names nothing of it.
            raise ValueError(
                f"{operation}: request {written(acting.request.src)} -> {written(acting.request.dst)} is {status}, "
                "its memories "
                "freed; check Protocol.request_active in callbacks that may run after it ends"
            )
        for slot in slots:
            node = self.network.slot_node(slot)
            self.network._check_current(operation, slot)
            native.slot_partner(int(slot))  # raises, naming the slot and node, if it holds no pair
            if slot in self.losing:
                raise ValueError(
                    f"{operation}: memory slot {slot} at node {written(node)} holds the pair the cutoff is discarding"
                )
            if self._by_link.get(int(native.slot_link(int(slot)))) is not acting:
                raise ValueError(
                    f"{operation}: memory slot {slot} at node {written(node)} belongs to a link this protocol does not "
                    f"drive (request {written(acting.request.src)} -> {written(acting.request.dst)} runs on "
                    f"{' - '.join(acting.request.path)})"
                )
            if told_at_node and acting._ready_s.get(int(slot), (None,))[0] != slot.generation:
                raise ValueError(
                    f"{operation}: memory slot {slot} at node {written(node)} has no pair reported ready to this "
                    "protocol "
                    "yet (its herald has not reached the node)"
                )
        return acting

    def check_thread(self, operation: str) -> None:
        """Refuses a call from another thread than the one running the network, during its run.

        Another thread gets the interpreter while a callback runs (or waits), and acted then as if it
        were that callback: its swaps, messages and timers landed at whatever event was running when
        the thread got its turn, so the run's results depended on thread timing.

        Raises:
            QnsimError: Naming the operation.
        """
        if self.network.native.running and threading.get_ident() != self.run_thread:
            raise QnsimError(
                f"{operation}: called from another thread than the one running the network; a Python protocol "
                "acts only from its callbacks, in the thread that called Network.run"
            )

    def send(self, protocol: Protocol, src: int, dst: int, message: Any, after_ps: int) -> int:
        """Sends ``message`` from native node ``src`` to ``dst``, leaving after ``after_ps``;
        returns the arrival time in ps.

        Every check comes before anything is scheduled: a send the caller catches a refusal of
        leaves nothing behind (a delayed message to a node no link path reaches was refused here
        only after its departure was scheduled, and that departure then failed the run later).

        Raises:
            ValueError: No link path joins the two nodes; ParameterError: the departure is past the
                time range.
        """
        self.check_thread("send")
        native = self.network.native
        try:
            latency = int(native.classical_latency(src, dst))
        except ValueError as exc:
            raise ValueError(f"send: {exc}") from None
        ident = self._new_id()
        if after_ps <= 0:
            arrival = int(native.send_message(src, dst, ident))
            self._payloads[ident] = (protocol, message)
            return arrival
        departure = self._new_id()
        native.schedule_timer(after_ps, src, departure)
        self._payloads[ident] = (protocol, message)
        self._payloads[departure] = (_Departure(native, src, dst, ident), None)
        return int(native.now_ps + after_ps + latency)

    def set_timer(self, target: Any, delay_ps: int, node: int, payload: Any) -> None:
        """Calls ``target.on_timer(node name, payload)`` after ``delay_ps``."""
        self.check_thread("set_timer")
        ident = self._new_id()
        self.network.native.schedule_timer(delay_ps, node, ident)
        self._payloads[ident] = (target, payload)

    def dispatch(self, kind: Any, node: int, slot: int, extra: int) -> None:
        """Native hook: routes one event (``qnsim._core.HookKind``) to its protocol.

        An exception a callback raises stops the run inside that event, which is then half
        handled; :attr:`failure` records it so that the network neither continues from that
        state nor reports it without a word. A callback that returns a value (a generator or a
        coroutine, whose body never ran, say) raises TypeError.
        """
        # Restored afterwards, not cleared: should an operation ever raise a hook synchronously,
        # the callback that made it still acts once that inner one returns.
        outer = self.acting
        try:
            self._dispatch(kind, node, slot, extra)
        except BaseException as exc:
            if not self._failure:
                self._failure = (
                    f"a Python protocol callback raised {_describe(exc)} "
                    f"(at t = {self.network.native.now_ps / 1e12:.12g} s)"
                )
            raise
        finally:
            self.acting = outer

    def _dispatch(self, kind: Any, node: int, slot: int, extra: int) -> None:
        name = self.network._node_names[node]
        if kind == _core.HookKind.pair_ready or kind == _core.HookKind.pair_lost:
            native = self.network.native
            protocol = self._by_link.get(native.slot_link(slot))
            if protocol is None:
                return
            self.acting = protocol
            # References to the qubits held now: any later pair in these slots has another generation.
            ref = SlotRef._of(slot, native.slot_generation(slot), self.token)
            partner = (
                None
                if int(extra) == _NO_SLOT
                else SlotRef._of(int(extra), native.slot_generation(int(extra)), self.token)
            )
            if kind == _core.HookKind.pair_ready:
                _returned(protocol, "on_pair_ready", protocol._pair_ready(name, ref, partner))
            else:
                _returned(protocol, "on_pair_lost", protocol._pair_lost(name, ref, partner))
            return
        now_ps = self.network.native.now_ps
        if now_ps != self._instant_ps:
            self._instant_ps, self._at_instant = now_ps, 0
        self._at_instant += 1
        if self._at_instant > self.MAX_CALLBACKS_AT_ONE_INSTANT:
            # Time would never advance: the run would spin here until killed.
            raise QnsimError(
                f"more than {self.MAX_CALLBACKS_AT_ONE_INSTANT:,} message and timer callbacks at t = "
                f"{now_ps / 1e12:.12g} s without the simulated time advancing: messages or timers answered by "
                "others with no delay (set_timer(0, ...), send(...) between nodes 0 s apart), or each by several "
                "at one later instant (their number doubling), never let the run reach its end"
            )
        target, payload = self._payloads.pop(int(extra))
        # A departing message's timer (_Departure) runs no user code and acts for nobody.
        self.acting = target if isinstance(target, Protocol) else None
        if kind == _core.HookKind.message:
            _returned(target, "on_message", target.on_message(name, payload))
        else:
            _returned(target, "on_timer", target.on_timer(name, payload))

    def _new_id(self) -> int:
        ident = self._next_id
        self._next_id += 1
        return ident


class SlotOperations:
    """Slot-level operations of a :class:`qnsim.Network`, for Python protocols.

    Slots are named by :class:`SlotRef` references (slot number and generation; plain integers
    are refused by the operations on pairs, see the module docstring); a slot's partner is the slot
    holding the other half of its pair (global truth, as a simulator knows it). :meth:`slot_node`
    and :meth:`slot_link` describe the memory itself and take plain slot numbers too. Mixed into
    :class:`qnsim.Network`.

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
        ...             print(len(outcomes), [net.slot_node(e) for e in ends], round(net.pair_fidelity(ends[0]), 6),
        ...                   net.slot_link(ends[0]).a)
        ...             self.at_m = []
        ...             self.deliver(*ends)
        >>> _ = net.request("a", "b", num_pairs=1, protocol=SwapOnce())
        >>> _ = net.run(until_s=1.0)
        2 ['a', 'b'] 1.0 a
    """

    _native: Any
    _nodes: dict[str, Any]
    _node_names: list[str]
    _link_list: list[LinkInfo]
    _hub: ProtocolHub

    def node(self, name: str, who: str = "network") -> Any:  # pragma: no cover - Network's
        """The node named ``name`` (:meth:`qnsim.Network.node`); ``who`` names the caller in errors."""
        raise NotImplementedError

    @property
    def links(self) -> list[LinkInfo]:  # pragma: no cover - Network's
        """The network's links, in the order they were added (:attr:`qnsim.Network.links`)."""
        raise NotImplementedError

    def swap(self, node: str, slot_a: SlotRef, slot_b: SlotRef) -> tuple[int, int]:
        """Entanglement swap (Bell measurement with the node's noise) of two slots at ``node``;
        the far ends become partners (their Pauli correction is tracked natively).

        Returns the outcomes (m_a, m_b): the phase bit (the far end's Z correction) and the
        parity bit (its X correction), docs/concepts.md. The slots are measured in the native
        swap-ASAP's order (the one on the link nearer the request's source first), so
        ``swap(node, a, b)`` and ``swap(node, b, a)`` are the same operation, with the same noise
        and random draws as the native protocol's swap.

        Raises:
            QnsimError: Called outside a callback of the protocol driving the slots.
            ValueError: A slot (named with its node) holds no pair, is not at ``node``, is on a
                link of another request, or has not been reported ready there; or the two slots
                hold the two halves of one pair.
            StaleSlotError: A reference names a pair that has ended.
            TypeError: A slot is a plain integer, not a :class:`SlotRef`.
        """
        slots = self._refs("swap", slot_a=slot_a, slot_b=slot_b)
        node_index = self.node(node, "swap").index
        acting = self._hub.check_acting(None, "swap", slots, told_at_node=True)
        outcomes = tuple(self._native.swap_slots(node_index, *map(int, slots)))
        acting._forget(*slots, how=f"swapped at {written(node)}")
        return outcomes  # type: ignore[return-value]

    def swap_duration_s(self, node: str) -> float:
        """Duration of a swap at ``node`` in s: two-qubit gate + single-qubit gate + measurement.

        Example:
            >>> import qnsim
            >>> net = qnsim.Network(); _ = net.add_node("m", gate2_duration_s=5e-4, measure_duration_s=4e-6)
            >>> net.swap_duration_s("m")
            0.000504
        """
        return self.node(node, "swap_duration_s").swap_duration_s

    def discard(self, slot: SlotRef) -> None:
        """Discards the pair held by ``slot`` and its partner; the links restart.

        Raises:
            QnsimError: Called outside a callback of the protocol driving the slot.
            ValueError: The slot (named with its node) holds no pair or is on another request's link.
            StaleSlotError: The reference names a pair that has ended.
        """
        (slot,) = self._refs("discard", slot=slot)
        acting = self._hub.check_acting(None, "discard", (slot,), told_at_node=False)
        partner = int(self._native.slot_partner(int(slot)))
        forget = (
            (slot,)
            if partner == _NO_SLOT
            else (slot, SlotRef._of(partner, self._native.slot_generation(partner), self._hub.token))
        )
        self._native.discard_slot_pair(int(slot))
        object.__setattr__(acting, "_qnsim_discards", getattr(acting, "_qnsim_discards", 0) + 1)
        acting._forget(forget[0], how="discarded")
        acting._forget(*forget[1:], how=f"discarded (through its partner, slot {int(slot)})")

    def slot_node(self, slot: int) -> str:
        """Name of the node holding memory slot ``slot``."""
        return self._node_names[self._native.slot_node(_slot_index("slot", slot))]

    def slot_partner(self, slot: SlotRef) -> SlotRef:
        """The slot holding the other half of ``slot``'s pair (global truth), as a reference to
        that half.

        Raises:
            ValueError: The slot holds no pair, or the other end already used its qubit (a
                delivery under way, :meth:`qnsim.Protocol.deliver_end`): no slot holds it.
            StaleSlotError: The reference names a pair that has ended.
        """
        (slot,) = self._refs("slot_partner", slot=slot)
        self._check_current("slot_partner", slot)
        partner = int(self._native.slot_partner(slot))
        if partner == _NO_SLOT:
            # The native "no slot" read as a slot number named a memory that does not exist.
            raise ValueError(
                f"memory slot {slot} at node {written(self.slot_node(slot))}: the other end of its pair has already "
                "used its qubit, so no slot holds it"
            )
        return SlotRef._of(partner, self._native.slot_generation(partner), self._hub.token)

    def slot_ref(self, slot: int) -> SlotRef:
        """A reference to the pair memory slot ``slot`` holds now.

        For a policy that names memories by number (say, channel k of a link): it says "whatever
        pair this slot holds at this moment", which a number kept from earlier cannot be trusted to
        mean. A reference a callback gave stays the safer choice: it is refused once its pair ends.

        Raises:
            ValueError: The slot holds no stored qubit (the message says why); IndexError: no such slot.

        Example:
            >>> import qnsim
            >>> net = qnsim.Network(seed=1); _ = net.add_node("a"); _ = net.add_node("b")
            >>> _ = net.add_link("a", "b", length_km=0.0, fidelity=1.0, rate_hz=100.0)
            >>> class Peek(qnsim.Protocol):
            ...     def on_pair_ready(self, node, slot, partner_slot):
            ...         print(net.slot_ref(int(slot)) == slot, net.slot_ref(int(slot)).generation == slot.generation)
            >>> _ = net.request("a", "b", num_pairs=1, protocol=Peek())
            >>> _ = net.run(until_s=0.011)
            True True
            True True
        """
        slot = _slot_index("slot", slot)
        self._native.slot_partner(int(slot))  # raises, naming the slot, its node and why, if it holds no qubit
        return SlotRef._of(slot, self._native.slot_generation(int(slot)), self._hub.token)

    def slot_link(self, slot: int) -> LinkInfo:
        """The link whose memory ``slot`` is."""
        return self._link_list[self._native.slot_link(_slot_index("slot", slot))]

    def pair_fidelity(self, slot: SlotRef) -> float:
        """Current fidelity of the pair held by ``slot`` and its partner (frames applied, decay to now).

        A read changes nothing: the decay up to now is applied to a copy (no state written, no
        random number drawn), so a policy that reads fidelities gives, pair for pair, the run it
        gives without reading. In the density_matrix and bell_diagonal formalisms the value is
        exact. A stabilizer trajectory draws a qubit's decay errors only when the qubit is next
        used, so there the read is the expected fidelity over the decay not yet drawn (its Pauli
        twirl), given the errors drawn so far: the average of what a delivery now could give
        (0 or 1 per trajectory). With ``measure_error`` > 0 a density-matrix or bell_diagonal pair is the state
        the nodes know: the mixture over the misreads they cannot see (a density matrix applies a readout error
        as a flip before an exact measurement), so a policy may discard pairs by it.

        Raises:
            QnsimError: Called outside a callback of the protocol driving the slot.
            ValueError: The slot holds no pair, is on another request's link, or the other end
                already used its qubit.
            StaleSlotError: The reference names a pair that has ended.
        """
        (slot,) = self._refs("pair_fidelity", slot=slot)
        acting = self._hub.check_acting(None, "pair_fidelity", (slot,), told_at_node=False)
        if self.formalism != "bell_diagonal":
            # There a pair's fidelity may follow its swap outcomes (and a stabilizer trajectory's drawn errors):
            # a policy choosing by it delivers at random times, whatever it declares (results._random_arrivals).
            object.__setattr__(acting, "_read_random_fidelity", True)
        return float(self._native.slot_pair_fidelity(int(slot)))

    def _refs(self, operation: str, **slots: Any) -> tuple[SlotRef, ...]:
        """The slot references an operation on pairs was given, type-checked: integers in range
        first (every argument, so the first bad one is named), then each a :class:`SlotRef`.
        Whether each is current is checked later (:meth:`_check_current`), once a reason that
        names more (no callback running, the request ended) has been ruled out.

        Raises:
            ParameterError: Not an integer slot index; TypeError: a plain integer.
        """
        for name, value in slots.items():
            _slot_index(name, value)
        for name, value in slots.items():
            if not isinstance(value, SlotRef):
                raise TypeError(
                    f"{operation}: {name} must be a qnsim.SlotRef (the slot reference a callback or slot_partner "
                    f"gave), got the plain {type(value).__name__} {written(value)}: a number alone cannot tell its "
                    "pair from "
                    "a later pair in the same memory; Network.slot_ref(slot) names the pair the slot holds now"
                )
            if value._network is not None and value._network != self._hub.token:
                # Its slot number and generation may well exist here too (every network's slots
                # count from 0): it would act on this network's pair without a word.
                raise ValueError(
                    f"{operation}: {name} {written(value)} was given by another qnsim.Network; a reference names a "
                    "memory of "
                    "the network whose callback or slot operation gave it"
                )
        return tuple(slots.values())

    def _check_current(self, operation: str, ref: SlotRef) -> None:
        """Refuses a reference whose slot has moved on to a later generation.

        Raises:
            StaleSlotError: Naming the slot, its node and both generations; IndexError: no such slot.
        """
        current = int(self._native.slot_generation(int(ref)))
        if current != ref.generation:
            owner = self._hub._by_link.get(int(self._native.slot_link(int(ref))))
            if owner is not None and not owner.request_active:
                # A timer or message that outlived its request: "swapped, delivered, discarded or lost" sent the
                # reader looking for a bug in the policy's bookkeeping when the request's end had freed the slot.
                status = self._native.request_stats(owner.request.index).status.name
                why = (
                    f"request {written(owner.request.src)} -> {written(owner.request.dst)} is {status}, which freed "
                    "its memories; "
                    "check Protocol.request_active in callbacks that may run after it ends"
                )
            else:
                ended = owner._ended.get(int(ref)) if owner is not None else None
                known = ended is not None and ended[0] == ref.generation
                how = (
                    f"has ended ({ended[1]} at t = {ended[2]:.6g} s)" if known
                    else "has ended (swapped, delivered, discarded or lost)"
                )
                why = (
                    f"the pair the reference named {how} and the slot may hold another pair; drop references when "
                    "their pair ends (on_pair_lost, after swap, deliver and discard)"
                )
            raise StaleSlotError(
                f"{operation}: memory slot {int(ref)} at node {written(self.slot_node(ref))} was referenced at "
                "generation "
                f"{ref.generation} and is now at generation {current}: {why}"
            )

    def classical_latency_s(self, a: str, b: str) -> float:
        """Classical message latency between two nodes along the cheapest link path, in s.

        Example:
            >>> import qnsim
            >>> net = qnsim.Network(); _ = [net.add_node(n) for n in "abc"]
            >>> _ = net.add_link("a", "b", length_km=10.0, fidelity=1, rate_hz=1)
            >>> _ = net.add_link("b", "c", length_km=10.0, fidelity=1, rate_hz=1)
            >>> round(net.classical_latency_s("a", "c") * 1e6, 2)
            96.07
        """
        return self._native.classical_latency(self.node(a, "latency").index, self.node(b, "latency").index) / 1e12


class _Departure:
    """Timer target that hands a delayed message to the native network when it leaves."""

    def __init__(self, native: Any, src: int, dst: int, ident: int) -> None:
        self.native, self.src, self.dst, self.ident = native, src, dst, ident

    def on_timer(self, node: str, payload: Any) -> None:
        self.native.send_message(self.src, self.dst, self.ident)


def _weak_hook(hub: ProtocolHub) -> Any:
    """The native hook of ``hub``'s network: its dispatch, held weakly (see :meth:`ProtocolHub.attach`)."""
    # A plain weak reference: WeakMethod's Python-level call cost ~5% of a Python protocol's run.
    weak_hub = weakref.ref(hub)

    def hook(kind: Any, node: int, slot: int, extra: int) -> None:
        hub = weak_hub()
        if hub is None:
            raise QnsimError(
                "the qnsim.Network this native network belongs to is gone, its Python protocols with it; run the "
                "Network itself"
            )
        hub.dispatch(kind, node, slot, extra)

    return hook


def _describe(exc: BaseException) -> str:
    """An exception as a failure note names it: type and message (shortened). Never raises: an
    exception whose ``str()`` raised left the failure unrecorded, and the next run went on from the
    half-handled event."""
    try:
        text = str(exc)
    except Exception as inner:  # noqa: BLE001 - any error of the user's __str__
        text = f"<its str() raised {type(inner).__name__}>"
    if len(text) > 300:
        text = text[:300] + " ..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _returned(target: Any, callback: str, value: Any) -> None:
    """Refuses a value a protocol callback returned (:func:`qnsim.events.refuse_returned`, the one rule for every
    callback qnsim calls).

    Raises:
        TypeError: Naming the protocol, the callback and what it returned.
    """
    if value is not None:
        refuse_returned(
            f"{type(target).__name__}.{callback}", value,
            "callbacks act through the protocol's methods (swap, deliver, discard, send, set_timer) and return None",
        )  # fmt: skip


def _slot(name: str, value: Any) -> int:
    """A memory slot index as every protocol call reads it: an integer (not True, not 2.5, which
    int() made slots 1 and 2) in the native index range; the network names a slot that does not exist."""
    return check_value(name, int, value, {"minimum": 0, "maximum": UINT32_MAX})


def _slot_index(name: str, value: Any) -> int:
    """A slot index given to the network: an integer, whose range is the network's (the native call states it, "slot
    99 is out of range: the network has 2 memory slots [0, 1]"; -1 and 2**64 were told "slot must be >= 0" and
    "<= 4294967295", the index type's halves); a reference as it is (checked when it was made)."""
    if type(value) is SlotRef or is_integer(value):
        return int(value)
    return _slot(name, value)  # its refusal of what is no integer


def _delay_ps(seconds: Any, name: str) -> int:
    """A protocol's delay in s as integer ps: a message or timer cannot leave before now."""
    ps = seconds_to_ps(seconds, name)
    if ps < 0:
        raise parameter_error(name, f"must be >= 0 s (a delay from now), got {written(seconds)}")
    return ps
