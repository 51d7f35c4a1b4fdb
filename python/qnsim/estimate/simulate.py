"""Event-driven simulation of a distributed execution, to check the estimate where both can run.

Each QPU executes its operations in program order per qubit (as soon as its qubits are free, the
same ASAP model the estimate's critical path uses, without REPEAT barriers). A remote gate also
waits for the Bell pairs it needs from its link. Each link produces raw pairs as a stochastic
process (Poisson at its total rate, ``rate_hz`` times ``channels``, or one channel's geometric attempts of
period T and success probability p),
purifies them through the recurrence tree of :func:`purification_plan` (each round succeeds
with its closed-form probability) and keeps distilled pairs in a finite buffer, flow-controlled as the
estimate prices it: the buffer also holds the pairs under way in purification (a level-k pair of r rounds
as 2^(k - r) of a delivered one, a failed round's share until its outcome is known), and no raw pair (an
attempt, a relay route's cycle) starts while buffered plus under way plus its share would exceed it. Consumed pairs
and remote gates fail independently with the
same probabilities the estimate uses, so the fault count checks the expected error. A link with
memory times makes every pair a Bell-diagonal state that decays (:func:`stored_pair`) for the time
it actually waits: in a purification level for its partner, for a round's outcome (the kept pair
moves up one latency later; each round is :func:`qnsim.bell_diagonal_purify` on the two pairs as
they are and succeeds with its own probability) and in the first-in first-out buffer (none if an
operation was already waiting for it): the simulated waits check the estimate's rules. A QPU pair
without a direct link uses the estimate's relay route: each hop makes pairs at its own rate and
holds one until the relay swaps them (all hops holding one), the waiting ones decaying in their
hop's memories. A link that several QPU pairs use (routes over one hop, or a route over another QPU pair's
direct link) is one generator at its rate that serves their requests in demand order: each pair it makes goes to the
oldest request waiting for one (a route's cycle asks each of its hops for a segment when it starts, a direct link's
attempt asks its own link); a link used by one QPU pair draws its pairs itself, as before.

Deferred corrections: a remote gate leaves byproduct Paulis on its data qubits that are known
only ``remote_gate_time_s`` after it starts (the far side's measurement and message). Each qubit
carries the time at which its pending X, Z, Z-diagonal Clifford (D) and other Clifford (N)
corrections are known. Clifford gates carry them along (X and Z as the gate maps Paulis; D stays D
through gates that keep Z-diagonal operators diagonal, else becomes N); a T, T_DAG or CCZ goes
ahead of them (T X = e^{-i pi/4} (S X) T: a pending X becomes a deferred D, Z and D commute) and
waits only for N; RZ(theta) waits for X and N (RZ(theta) X = X RZ(-theta)), RX(theta) for Z, D
and N, RY(theta) for all; Z-basis measurements wait only for N (a pending Pauli flips the recorded
outcome, fixed afterwards), X/Y-basis measurements and MPP for D and N; resets clear them. The run
ends with its last operation or when its last remote operation's byproducts are known, whichever is
later (the recorded outcomes are final only then).

The cat-entangler bookkeeping and these correction rules are re-implemented here in Python
(independently of the native counter, with Pauli images written as letters), so agreement of pair
counts and times is itself a check. Meant for 10^3 - 10^5 operations: on one core of a 2-core x86-64 VM
(shared, load ~20) a purified link with memory times (two DEJMPS rounds, decaying pairs) ran ~23,000 raw pairs
(~4,100 consumed pairs) per CPU-second, ~4x what it ran before the rounds and decays skipped their checks of
inputs already checked (the results are the same, bit for bit); a raw link ~8,000 remote operations per CPU-second.
"""

from __future__ import annotations

import collections
import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from qnsim import _core
from qnsim._core import QnsimError
from qnsim.argument_checks import flag, integer, is_integer, written
from qnsim.estimate.estimator import (
    _normalize_links,
    _teleport_local_error,
    check_target_fidelity,
    estimate_plan,
    no_link_reason,
    remote_gate_occupancy_s,
    remote_gate_time_s,
    route_graph,
    route_link,
)
from qnsim.estimate.links import (
    DEFAULT_BUFFER_PAIRS,
    MAX_BUFFER_PAIRS,
    Link,
    PairStorage,
    _werner,
    purification_noise,
    purification_plan,
    stored_pair,
)
from qnsim.estimate.placement import Placement, check_seed, placement_from_mapping
from qnsim.estimate.qpu import QPU, check_qpus
from qnsim.estimate.workload import Workload
from qnsim.events import EventLoop
from qnsim.primitives import _bell_diagonal_purifier, bell_diagonal_swap
from qnsim.progress import check_progress, native_progress

__all__ = ["SimulationResult", "SimulationStalledError", "simulate_execution"]

_KINDS = _core.gate_kinds()

# Deferred-correction rules (see the module docstring), by gate. Parts of a qubit's frame entry:
_X, _Z, _D, _N = 0, 1, 2, 3
_PARTS = {"X": (_X,), "Z": (_Z,), "Y": (_X, _Z), "I": ()}
# One-qubit Cliffords: images of X and of Z (signs do not matter for when a correction is known).
_IMAGES_1Q = {
    **dict.fromkeys(("I", "X", "Y", "Z"), ("X", "Z")),
    **dict.fromkeys(("S", "S_DAG", "H_XY", "H_NXY"), ("Y", "Z")),
    **dict.fromkeys(("H", "H_NXZ", "SQRT_Y", "SQRT_Y_DAG"), ("Z", "X")),
    **dict.fromkeys(("H_YZ", "H_NYZ", "SQRT_X", "SQRT_X_DAG"), ("X", "Y")),
    **dict.fromkeys(("C_XYZ", "C_NXYZ", "C_XNYZ", "C_XYNZ"), ("Y", "X")),
    **dict.fromkeys(("C_ZYX", "C_NZYX", "C_ZNYX", "C_ZYNX"), ("Z", "Y")),
}
# Two-qubit Cliffords: images of X_a, Z_a, X_b, Z_b, and the byproducts (on a, on b) a remote
# application leaves: a controlled gate "P C Q" teleported as Eisert et al. do it leaves P on the
# control and Q on the target; SQRT_PP is one up to local Cliffords; a swap-like gate teleports
# both states (X and Z on both, "Y" here).
_IMAGES_2Q = {
    "CX": (("XX", "ZI", "IX", "ZZ"), ("Z", "X")),
    "CY": (("XY", "ZI", "ZX", "ZZ"), ("Z", "Y")),
    "CZ": (("XZ", "ZI", "ZX", "IZ"), ("Z", "Z")),
    "XCX": (("XI", "ZX", "IX", "XZ"), ("X", "X")),
    "XCY": (("XI", "ZY", "XX", "XZ"), ("X", "Y")),
    "XCZ": (("XI", "ZZ", "XX", "IZ"), ("X", "Z")),
    "YCX": (("XX", "ZX", "IX", "YZ"), ("Y", "X")),
    "YCY": (("XY", "ZY", "YX", "YZ"), ("Y", "Y")),
    "YCZ": (("XZ", "ZZ", "YX", "IZ"), ("Y", "Z")),
    "SQRT_XX": (("XI", "YX", "IX", "XY"), ("X", "X")),
    "SQRT_XX_DAG": (("XI", "YX", "IX", "XY"), ("X", "X")),
    "SQRT_YY": (("ZY", "XY", "YZ", "YX"), ("Y", "Y")),
    "SQRT_YY_DAG": (("ZY", "XY", "YZ", "YX"), ("Y", "Y")),
    "SQRT_ZZ": (("YZ", "ZI", "ZY", "IZ"), ("Z", "Z")),
    "SQRT_ZZ_DAG": (("YZ", "ZI", "ZY", "IZ"), ("Z", "Z")),
    "II": (("XI", "ZI", "IX", "IZ"), ("I", "I")),
    "SWAP": (("IX", "IZ", "XI", "ZI"), ("Y", "Y")),
    "ISWAP": (("ZY", "IZ", "YZ", "ZI"), ("Y", "Y")),
    "ISWAP_DAG": (("ZY", "IZ", "YZ", "ZI"), ("Y", "Y")),
    "CXSWAP": (("XX", "IZ", "XI", "ZZ"), ("Y", "Y")),
    "SWAPCX": (("IX", "ZZ", "XX", "ZI"), ("Y", "Y")),
    "CZSWAP": (("ZX", "IZ", "XZ", "ZI"), ("Y", "Y")),
}
# Parts each non-Clifford gate, measurement and Pauli-product operation must know before it starts.
_WAITS = {
    "T": "N", "T_DAG": "N", "CCZ": "N",
    "RZ(theta)": "XN", "RX(theta)": "ZDN", "RY(theta)": "XZDN", "RX(pi/4)": "ZDN", "RY(pi/4)": "XZDN",
    "M": "N", "MR": "N", "MZZ": "N",
    "MX": "DN", "MY": "DN", "MRX": "DN", "MRY": "DN", "MXX": "DN", "MYY": "DN", "MPP": "DN",
}  # fmt: skip
_WAIT_PARTS = {g: tuple("XZDN".index(c) for c in w) for g, w in _WAITS.items()}


def _keeps_diagonal(z_images: Sequence[str]) -> bool:
    """A Clifford maps Z-diagonal operators to Z-diagonal ones iff its images of Z have no X or Y."""
    return all(c in "IZ" for img in z_images for c in img)


@dataclasses.dataclass
class SimulationResult:
    """Outcome of one simulated run.

    Attributes:
        wall_clock_s: time at which the last operation finished or the last remote operation's byproducts were
            known, whichever is later.
        operations: operations executed (noise and annotations excluded).
        remote_gates: remote operations executed.
        remote_faults: sampled faults (failed pairs plus failed local teleportation operations).
        pairs_consumed: distilled pairs consumed per link (a, b).
        raw_pairs_generated: raw pairs the links produced (including those still in flight at the end).
        max_buffer: largest number of distilled pairs held per link (at most its buffer: the pairs under
            way count against it).
        events: events processed by the loop.
        mean_fidelity_at_use: per link (a, b), the mean fidelity of its consumed pairs when used:
            each decayed (links with memory times) for the times it waited at relays, inside
            purification and in the buffer; the made fidelity otherwise.
        notes: what the figures alone do not say: a link whose pairs were used below the ``target_fidelity``
            on average (they reach it when made and decay in memory while they wait).

    See :func:`simulate_execution` for an example.
    """

    wall_clock_s: float
    operations: int
    remote_gates: int
    remote_faults: int
    pairs_consumed: dict[tuple[int, int], int]
    raw_pairs_generated: dict[tuple[int, int], int]
    max_buffer: dict[tuple[int, int], int]
    events: int
    mean_fidelity_at_use: dict[tuple[int, int], float] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)


class SimulationStalledError(QnsimError, RuntimeError):
    """:func:`simulate_execution` ran out of events with operations left (a defect of its bookkeeping: every
    link keeps making pairs while an operation waits for one). A RuntimeError, as it was before it had a name."""


class _LinkProcess:
    """Raw pair generation, recursive purification and a buffer of distilled pairs.

    A link without memory times delivers every distilled pair at the plan's fidelity, each round's outcome
    one latency after its pairs (as with memories). With memory
    times every pair is a Bell-diagonal state that decays (:func:`stored_pair`) for the time it
    actually waits: at a relay for the other hops' segments, in a purification level for its
    partner, for a round's outcome (one latency, after which the kept pair moves up a level) and in
    the buffer; each round is the network's closed-form round on the two pairs as they are
    (:func:`qnsim.bell_diagonal_purify`, the fresh pair kept) and succeeds with its own probability.
    """

    def __init__(
        self,
        sim: _Sim,
        link: Link,
        target: float | None,
        protocol: str,
        supply: str,
        buffer: int,
        rng: np.random.Generator,
        hops: Sequence[Link] = (),
        rounds: int | None = None,
        least_rounds: int = 0,
    ) -> None:
        # Rounds priced with the end QPUs' local noise and storage, as the estimator prices them: the rounds given,
        # or at least the estimate's (least_rounds: reaching the target when used), at least those reaching it made.
        self.noise = purification_noise(sim.qpus[link.key[0]], sim.qpus[link.key[1]])
        self.storage = PairStorage.of(link)
        plan = purification_plan(link.fidelity, target, protocol, **self.noise, storage=self.storage,
                                 min_rounds=rounds if rounds is not None else least_rounds)
        if not plan.feasible:
            raise ValueError(f"link {link.key}: {plan.reason}")
        if rounds is not None and plan.rounds != rounds:
            raise ValueError(f"purification_rounds[{link.key}] = {rounds}, but its pairs need {plan.rounds} rounds to "
                             f"reach the target_fidelity {target:g} when made")
        self.sim, self.link, self.rng, self.protocol = sim, link, rng, protocol
        # qnsim.bell_diagonal_purify with the protocol and noise read once (the same rounds, bit for bit).
        self.purify = _bell_diagonal_purifier(protocol, **self.noise)
        self.probs = plan.success_probabilities
        self.rounds = plan.rounds
        self.fidelity = plan.fidelity
        self.fidelity_sum = 0.0  # Of consumed pairs, at use.
        self.slots: list = [False] * plan.rounds  # One pair waiting at each purification level.
        # Buffered pairs (delivery time in s, Bell-diagonal state), oldest first.
        self.stored_at: collections.deque = collections.deque()
        self.capacity = buffer
        # Flow control: the pairs under way count against the buffer, in delivered pairs (a level-k pair of an
        # r-round plan as 2^(k - r) of one, so a round that succeeds keeps the count and one that fails frees its
        # share when its outcome is known). No attempt starts unless buffer + under way + its share fit.
        self.unit = math.ldexp(1.0, -plan.rounds)
        self.under_way = 0.0
        self.waiting: collections.deque = collections.deque()
        self.running = False
        self.cycle_open = False  # A relay route's cycle is under way (its hops make or hold segments).
        self.generated = 0
        self.consumed = 0
        self.max_buffer = 0
        # A relay route: each hop holds at most one segment (made at a time, in seconds).
        self.hops = list(hops)
        self.segments: list[float | None] = [None] * len(self.hops)
        self.hop_running = [False] * len(self.hops)
        if supply == "geometric":
            if self.hops:
                raise ValueError(f"link {link.key} is a relay route: geometric supply needs a direct link")
            if link.success_probability is None:
                raise ValueError(
                    f"link {link.key} has no success_probability/attempt_period_s for geometric supply"
                )
            if link.channels != 1:
                # Several channels' attempts deliver in bursts (more than one success in a period), which this
                # one-pair-at-a-time source does not run; silently running one channel ran the link slower.
                raise ValueError(
                    f"link {link.key} has channels={link.channels}: geometric supply runs one channel's attempts "
                    "(use supply='poisson', at the channels' total rate)"
                )
            self.p, self.period = link.success_probability, link.attempt_period_s
        self.supply = supply

    def _draw(self, link: Link, callback: Callable[..., None], *args: Any) -> None:
        """Asks ``link`` for its next pair: from the link's shared supply when several QPU pairs use it (in demand
        order), else drawn here (``callback(*args)`` when it arrives)."""
        shared = self.sim.shared.get(link.key)
        if shared is not None:
            shared.request(callback, *args)
        else:
            gap = self._gap() if link is self.link else float(self.rng.exponential(1.0 / link.total_rate_hz))
            self.sim.loop.schedule_in(gap, callback, *args)

    def _gap(self) -> float:
        if self.supply == "poisson":  # The channels' superposition: Poisson at their total rate.
            return float(self.rng.exponential(1.0 / self.link.total_rate_hz))
        return float(self.rng.geometric(self.p)) * self.period

    def start(self) -> None:
        """Starts the next raw pair (a direct link's attempt, a relay route's cycle of its hops) unless one is
        under way already or the buffer, counting the pairs under way, has no room for it."""
        if self.sim.done or self.running or self.cycle_open:
            return
        if len(self.stored_at) + self.under_way + self.unit > self.capacity:
            return
        self.under_way += self.unit
        if self.hops:
            self.cycle_open = True
            for h, hop in enumerate(self.hops):
                self.hop_running[h] = True
                self._draw(hop, self._segment, h)
            return
        self.running = True
        self._draw(self.link, self._arrive)

    def _segment(self, h: int) -> None:
        """A hop's pair arrives; when every hop holds one, the relays swap them into one raw pair."""
        self.hop_running[h] = False
        if self.sim.done:
            return
        now = self.sim.loop.now_s
        self.segments[h] = now
        if any(t is None for t in self.segments):
            return
        pair: tuple[float, ...] | None = None
        for hop, made in zip(self.hops, self.segments):
            segment = stored_pair(_werner(hop.fidelity), now - made, hop.memory_t1_s, hop.memory_t2_s)
            pair = segment if pair is None else bell_diagonal_swap(pair, segment)
        self.segments = [None] * len(self.hops)
        self.cycle_open = False
        # Werner-twirled, as the estimate purifies a route's pairs from its Werner fidelity.
        self._raw(_werner(pair[0]))  # type: ignore[index]

    def _arrive(self) -> None:
        self.running = False
        if self.sim.done:
            return
        self._raw(_werner(self.link.fidelity))

    def _raw(self, pair: tuple[float, ...]) -> None:
        self.generated += 1
        if self.storage is not None:
            self._enter(0, pair)
        else:
            self._enter_untimed(0, pair)
        self.start()

    def _enter_untimed(self, level: int, pair: tuple[float, ...]) -> None:
        """A pair reaches purification ``level`` on a link without memory times: the pairs do not decay and each
        round succeeds with the plan's probability, but its outcome is still a message away, so the kept pair moves
        up (and a failed round's share of the buffer comes free) one latency later, as with memories. Before, these
        rounds took no time: one CX over a 5 ms link with 3 rounds ran 5 ms where the estimate said 20 ms."""
        if level == self.rounds:
            self._deliver(pair)
            return
        if not self.slots[level]:
            self.slots[level] = True
            return
        self.slots[level] = False
        latency = self.link.latency_s
        if self.rng.random() >= self.probs[level]:
            self._round_failed(level, latency)
            return
        if latency > 0:
            self.sim.loop.schedule_in(latency, self._up_untimed, level + 1, pair)
        else:
            self._enter_untimed(level + 1, pair)

    def _up_untimed(self, level: int, pair: tuple[float, ...]) -> None:
        if not self.sim.done:
            self._enter_untimed(level, pair)
            self.start()

    def _enter(self, level: int, pair: tuple[float, ...]) -> None:
        """A pair reaches purification ``level`` (decaying pairs, with the rounds' latency)."""
        if level == self.rounds:
            self._deliver(pair)
            return
        waiting = self.slots[level]
        now = self.sim.loop.now_s
        if waiting is False:
            self.slots[level] = (pair, now)
            return
        self.slots[level] = False
        old, since = waiting
        p, kept = self.purify(pair, self.storage.decay(old, now - since))
        if self.protocol == "bbpssw":
            kept = _werner(kept[0])
        latency = self.storage.round_latency_s
        if self.rng.random() >= p:
            self._round_failed(level, latency)
            return
        kept = self.storage.decay(kept, latency)
        if latency > 0:
            self.sim.loop.schedule_in(latency, self._up, level + 1, kept)
        else:
            self._enter(level + 1, kept)

    def _up(self, level: int, pair: tuple[float, ...]) -> None:
        if not self.sim.done:
            self._enter(level, pair)
            self.start()

    def _round_failed(self, level: int, latency: float) -> None:
        """Both pairs of a round at ``level`` are lost: the kept one holds its memory (and its share of the buffer)
        until the outcome arrives ``latency`` s later."""
        share = math.ldexp(self.unit, level + 1)
        if latency > 0:
            self.sim.loop.schedule_in(latency, self._lost, share)
        else:
            self.under_way -= share

    def _lost(self, share: float) -> None:
        """A failed round's outcome is known: its pairs' share of the buffer is free."""
        self.under_way -= share
        self.start()

    def _deliver(self, pair: tuple[float, ...]) -> None:
        self.under_way -= 1.0
        if self.waiting:
            op = self.waiting[0]
            self.consumed += 1
            self.sim.pair_arrived(op, self, self.fidelity_after(pair, 0.0))
            if self.sim.outstanding[op] == 0 or self.sim.needs_on(op, self) == 0:
                self.waiting.popleft()
            return
        self.stored_at.append((self.sim.loop.now_s, pair))
        self.max_buffer = max(self.max_buffer, len(self.stored_at))

    def fidelity_after(self, pair: tuple[float, ...], wait_s: float) -> float:
        """Fidelity of a distilled pair (Bell-diagonal ``pair``) used ``wait_s`` seconds after
        delivery: decayed by :func:`stored_pair` when the link has memory times."""
        if self.storage is None:
            return self.fidelity
        return self.storage.decay(pair, wait_s)[0]

    def request(self, op: int, n: int) -> None:
        take = min(n, len(self.stored_at))
        self.consumed += take
        now = self.sim.loop.now_s
        for _ in range(take):
            made, pair = self.stored_at.popleft()
            self.sim.pair_arrived(op, self, self.fidelity_after(pair, now - made))
        if take < n:
            self.waiting.append(op)
        self.start()


class _SharedLink:
    """A link that several QPU pairs use: one Poisson generator at its total rate, running while any request waits,
    each pair it makes going to the oldest waiting request (demand order)."""

    def __init__(self, sim: _Sim, link: Link, rng: np.random.Generator) -> None:
        self.sim, self.link, self.rng = sim, link, rng
        self.requests: collections.deque = collections.deque()
        self.running = False
        self.generated = 0

    def request(self, callback: Callable[..., None], *args: Any) -> None:
        self.requests.append((callback, args))
        if not self.running:
            self._next()

    def _next(self) -> None:
        self.running = True
        self.sim.loop.schedule_in(float(self.rng.exponential(1.0 / self.link.total_rate_hz)), self._made)

    def _made(self) -> None:
        self.running = False
        if self.sim.done:
            return
        self.generated += 1
        callback, args = self.requests.popleft()
        callback(*args)  # May ask for the next pair (a direct link's next attempt): then it is under way.
        if self.requests and not self.running:
            self._next()


class _Sim:
    def __init__(self, ops, qpu_of, qpus, links, target, protocol, supply, buffer, seed, cat, shared=(), idle=(),
                 rounds=None, least_rounds=None):
        self.loop = EventLoop()
        self.rng = np.random.default_rng(seed)
        self.done = False
        self.qpus = qpus
        # Links several QPU pairs use, each with its own stream (the QPU pairs' streams stay their own).
        self.shared = {lk.key: _SharedLink(self, lk, np.random.default_rng([seed, lk.key[0], lk.key[1], 1]))
                       for lk in shared}
        if shared and supply == "geometric":
            raise ValueError(f"the links {sorted(self.shared)} are shared by several QPU pairs: geometric supply "
                             "runs one QPU pair's attempts (use supply='poisson')")
        self.idle = set(idle)  # Direct links of QPU pairs the workload does not couple that routes use as hops.
        self.links = {
            key: _LinkProcess(
                self,
                lk,
                target,
                protocol,
                supply,
                lk.buffer_pairs if lk.buffer_pairs is not None else buffer,
                np.random.default_rng([seed, key[0], key[1]]),
                hops,
                (rounds or {}).get(key),
                (least_rounds or {}).get(key, 0),
            )
            for key, (lk, hops) in links.items()
        }
        self.faults = 0
        self.remote_gates = 0
        # Per qubit: when its pending X, Z, D and N corrections are known (module docstring).
        self.frames: dict[int, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
        self._build(ops, qpu_of, cat)

    def _build(self, ops, qpu_of, cat) -> None:
        """Per operation: qubits, duration, pair needs per link; cat-entangler state in program order."""
        k = len(self.qpus)
        self.op_qubits: list[list[int]] = []
        self.duration: list[float] = []
        self.needs: list[dict[tuple[int, int], int]] = []
        self.is_remote: list[tuple[int, int] | None] = []
        # Deferred corrections: the gate whose rules apply (None: a classically controlled Pauli,
        # a frame update that changes nothing pending) and, for a remote operation, how long after
        # its start its byproducts are known.
        self.frame_gate: list[str | None] = []
        self.frame_delay: list[float] = []
        open_copy: dict[int, int] = {}
        t_rem, t_frame = {}, {}
        for a in range(k):
            for b in range(a + 1, k):
                lk = self.links.get((a, b))
                t_rem[(a, b)] = remote_gate_occupancy_s(self.qpus[a], self.qpus[b])
                t_frame[(a, b)] = remote_gate_time_s(self.qpus[a], self.qpus[b], lk.link.latency_s if lk else 0.0)
        for name, targets in ops:
            kind, zdiag, controlled, npairs, _clifford = _KINDS[name]
            if kind in ("noise1", "noise2", "noise_product", "annotation"):
                continue
            qs = [t for t in targets if t >= 0]
            need: dict[tuple[int, int], int] = {}
            remote = None
            gate: str | None = name
            if kind in ("single", "rotation", "reset", "measure", "measure_reset"):
                q = self.qpus[qpu_of[qs[0]]]
                dur = {
                    "single": q.t_1q_s,
                    "rotation": q.t_1q_s,
                    "reset": q.t_reset_s,
                    "measure": q.t_meas_s,
                    "measure_reset": q.t_meas_s + q.t_reset_s,
                }[kind]
                if not (kind in ("single", "rotation") and zdiag):
                    open_copy.pop(qs[0], None)
            elif kind in ("two", "two_measure") and len(qs) == 1:  # Classically controlled Pauli.
                dur = self.qpus[qpu_of[qs[0]]].t_1q_s
                gate = None
                if not zdiag:
                    open_copy.pop(qs[0], None)
            elif kind in ("two", "two_measure"):
                x, y = qs
                a, b = qpu_of[x], qpu_of[y]
                key = (min(a, b), max(a, b))
                if a == b:
                    q = self.qpus[a]
                    dur = q.t_2q_s if kind == "two" else 2 * q.t_2q_s + q.t_meas_s
                else:
                    dur = t_rem[key] + (self.qpus[a].t_meas_s if kind == "two_measure" else 0.0)
                    remote = key
                if kind == "two" and controlled:
                    if a != b and not (cat and open_copy.get(x) == b):
                        need[key] = 1
                        if cat:
                            open_copy[x] = b
                    if not zdiag:
                        open_copy.pop(y, None)
                else:
                    if a != b:
                        need[key] = 1 if kind == "two_measure" else npairs
                    open_copy.pop(x, None)
                    open_copy.pop(y, None)
            else:
                # A CCZ (its gate) or a Pauli product (a measurement, or a rotation, gathered over a CX per qubit on
                # the first qubit's QPU) across possibly several QPUs: one rule for both, as the native counter's
                # graph and schedules have it (star_pairs): it runs from its first qubit's QPU, one remote operation
                # (one pair) towards each other QPU holding its qubits.
                a = qpu_of[qs[0]]
                home = self.qpus[a]
                dur = home.t_2q_s if kind == "three" else home.t_meas_s
                seen = {a}
                for q in qs:
                    open_copy.pop(q, None)
                    b = qpu_of[q]
                    key = (min(a, b), max(a, b))
                    if b not in seen:
                        seen.add(b)
                        need[key] = 1
                        dur += t_rem[key]
                        remote = key
                    elif kind != "three":
                        dur += home.t_2q_s
            self.op_qubits.append(qs)
            self.duration.append(dur)
            self.needs.append(need)
            self.is_remote.append(remote)
            self.frame_gate.append(gate)
            if kind in ("two", "two_measure"):  # Also when a cat copy spares the pair.
                self.frame_delay.append(t_frame[remote] if remote is not None else 0.0)
            else:
                self.frame_delay.append(max((t_frame[key] for key in need), default=0.0))
        n = len(self.op_qubits)
        self.outstanding = [sum(nd.values()) for nd in self.needs]
        self.got: list[dict[int, int]] = [{} for _ in range(n)]
        self.queues: dict[int, collections.deque] = collections.defaultdict(collections.deque)
        for i, qs in enumerate(self.op_qubits):
            for q in qs:
                self.queues[q].append(i)
        self.not_head = [len(qs) for qs in self.op_qubits]
        self.remaining = n
        self.report: Callable[[int, int], None] | None = None  # progress(operations done, total)

    def needs_on(self, op: int, proc: _LinkProcess) -> int:
        return self.needs[op].get(proc.link.key, 0) - self.got[op].get(id(proc), 0)

    def pair_arrived(self, op: int, proc: _LinkProcess, fidelity: float) -> None:
        self.got[op][id(proc)] = self.got[op].get(id(proc), 0) + 1
        proc.fidelity_sum += fidelity
        if self.rng.random() >= fidelity:
            self.faults += 1
        self.outstanding[op] -= 1
        if self.outstanding[op] == 0:
            self._start(op)

    def run(self) -> float:
        for dq in self.queues.values():
            self.not_head[dq[0]] -= 1
        for i in range(len(self.op_qubits)):
            if self.not_head[i] == 0:
                self._ready(i)
        for key, proc in self.links.items():
            if key not in self.idle:  # An idle QPU pair's link makes no pairs for nobody on a link routes use.
                proc.start()
        self.finish = 0.0
        self.last_message = 0.0
        if self.remaining == 0:
            self.done = True
        self.loop.run()
        if self.remaining:
            stuck = next((i for i, left in enumerate(self.outstanding) if left or self.not_head[i]), None)
            if stuck is None:
                first = ""
            else:
                waits = (
                    f"{self.outstanding[stuck]} Bell pair(s) on link(s) {sorted(self.needs[stuck])}"
                    if self.outstanding[stuck]
                    else "an earlier operation on its qubits"
                )
                first = f" (operation {stuck}, on qubits {list(self.op_qubits[stuck])}, still waits for {waits})"
            raise SimulationStalledError(
                f"simulate_execution stalled at t = {self.loop.now_s:.6g} s with {self.remaining} of "
                f"{len(self.op_qubits)} operations left: no event was left to run them{first}. Every link keeps "
                "making pairs while an operation waits for one, so this is a defect of the simulation's bookkeeping, "
                "not of the workload: report it with the workload, QPUs, links and seed; meanwhile use "
                "qnsim.estimate.estimate alone, or try another seed, buffer_pairs or supply"
            )
        return max(self.finish, self.last_message)

    def _ready(self, op: int) -> None:
        if self.outstanding[op] == 0:
            self._start(op)
            return
        for key, n in self.needs[op].items():
            if key not in self.links:
                raise ValueError(no_link_reason(key))
            self.links[key].request(op, n)

    def _start(self, op: int) -> None:
        key = self.is_remote[op]
        if key is not None:
            self.remote_gates += 1
            e_loc = _teleport_local_error(self.qpus[key[0]], self.qpus[key[1]])
            if self.rng.random() < e_loc:
                self.faults += 1
        now = self.loop.now_s
        start = now
        gate = self.frame_gate[op]
        if gate is not None:
            start = self._corrections(gate, self.op_qubits[op], now, key is not None, self.frame_delay[op])
        self.loop.schedule_in(start - now + self.duration[op], self._complete, op)

    def _corrections(self, gate: str, qs: list[int], now: float, remote: bool, delay: float) -> float:
        """Applies the deferred-correction rules of ``gate`` on ``qs`` (module docstring); returns
        when the gate can start: now, or later when it needs a correction that is not known yet."""
        fs = [self.frames[q] for q in qs]
        start = max([now] + [f[p] for f in fs for p in _WAIT_PARTS.get(gate, ())])
        known = start + delay  # When a remote operation's byproducts are known.
        if remote:
            # The run is not over before its last messages arrive (a recorded outcome a pending Pauli flips is
            # final only then), as the estimate's critical path has it.
            self.last_message = max(self.last_message, known)
        kind = _KINDS[gate][0]
        if gate in _IMAGES_1Q:
            (f,) = fs
            ix, iz = _IMAGES_1Q[gate]
            x, z = f[_X], f[_Z]
            f[_X] = max(x if _X in _PARTS[ix] else 0.0, z if _X in _PARTS[iz] else 0.0)
            f[_Z] = max(x if _Z in _PARTS[ix] else 0.0, z if _Z in _PARTS[iz] else 0.0)
            if not _keeps_diagonal((iz,)):
                f[_N], f[_D] = max(f[_N], f[_D]), 0.0
        elif gate in ("T", "T_DAG"):
            (f,) = fs
            f[_D] = max(f[_D], f[_X])  # T X = e^{-i pi/4} (S X) T: the X stays, an S is deferred.
        elif gate in _IMAGES_2Q:
            images, byproducts = _IMAGES_2Q[gate]
            a, b = fs
            old = [a[_X], a[_Z], b[_X], b[_Z]]
            new = [0.0, 0.0, 0.0, 0.0]  # X_a, Z_a, X_b, Z_b
            for value, img in zip(old, images):
                for side, letter in enumerate(img):
                    for part in _PARTS[letter]:
                        new[2 * side + part] = max(new[2 * side + part], value)
            a[_X], a[_Z], b[_X], b[_Z] = new
            if remote:
                for f, letter in zip(fs, byproducts):
                    for part in _PARTS[letter]:
                        f[part] = max(f[part], known)
            d, n = max(a[_D], b[_D]), max(a[_N], b[_N])
            if not _keeps_diagonal(images[1::2]):
                d, n = 0.0, max(d, n)
            for f in fs:
                f[_D], f[_N] = d, n
        elif gate == "CCZ":
            xs = [f[_X] for f in fs]  # X on one qubit: CCZ X_1 = X_1 CZ_23 CCZ, a deferred D on the others.
            for i, f in enumerate(fs):
                f[_D] = max([f[_D]] + [x for j, x in enumerate(xs) if j != i])
                if remote:  # Cat-entangled copies: Z on their qubits, D from their X (all three, conservatively).
                    f[_Z], f[_D] = max(f[_Z], known), max(f[_D], known)
        elif gate in ("SPP", "SPP_DAG"):  # Pauli letters not kept: every part may reach every qubit.
            pauli = max([f[p] for f in fs for p in (_X, _Z)] + ([known] if remote else []))
            clifford = max(f[p] for f in fs for p in (_D, _N))
            for f in fs:
                f[:] = [pauli, pauli, 0.0, clifford]
        elif kind in ("reset", "measure_reset"):
            for f in fs:
                f[:] = [0.0, 0.0, 0.0, 0.0]
        return start

    def _complete(self, op: int) -> None:
        self.remaining -= 1
        if self.report is not None:
            done = len(self.op_qubits) - self.remaining
            if done & 1023 == 0 or self.remaining == 0:
                self.report(done, len(self.op_qubits))
        self.finish = self.loop.now_s
        if self.remaining == 0:
            self.done = True
        for q in self.op_qubits[op]:
            dq = self.queues[q]
            dq.popleft()
            if dq:
                nxt = dq[0]
                self.not_head[nxt] -= 1
                if self.not_head[nxt] == 0:
                    self._ready(nxt)


def _relay_routes(link_map, k, qpu_of, counts):
    """Per QPU pair: its direct link (no hops), or for a pair the workload couples that has none,
    the estimator's route (:func:`route_graph`, :func:`route_link`) with its hops; then the links several QPU pairs
    use (shared: their pairs go out in demand order) and the QPU pairs whose direct link, which the workload does
    not use, routes use as a hop (idle: they make no pairs)."""
    import networkx as nx

    out: dict[tuple[int, int], tuple[Link, list[Link]]] = {
        key: (lk, []) for key, lk in link_map.items() if max(key) < k
    }
    q = np.asarray(qpu_of, dtype=np.int64)
    qa, qb = q[counts.pair_a], q[counts.pair_b]
    coupled = {(int(a), int(b)) for a, b in zip(np.minimum(qa, qb), np.maximum(qa, qb)) if a != b and a >= 0}
    if not coupled - set(out):
        return out, [], set()
    # Routes may run through QPUs too, as the estimate's do (before, a network of QPU-to-QPU links only read
    # "no link between QPU 0 and QPU 2" for a pair the estimate routed through QPU 1).
    graph = route_graph(link_map)
    for key in sorted(coupled - set(out)):
        if key[0] in graph and key[1] in graph and nx.has_path(graph, *key):
            path = nx.dijkstra_path(graph, key[0], key[1], weight="weight")
            hops = [link_map[(min(u, v), max(u, v))] for u, v in zip(path, path[1:])]
            out[key] = (route_link(key, hops), hops)
    # The QPU pairs using each link: a coupled pair its direct link, a route its hops. Before, routes sharing a
    # link were refused (each route drew its hops' pairs itself: a shared link would have served each at its full
    # rate), and the estimate's bounds on a shared link went unchecked.
    users: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for key, (_lk, hops) in out.items():
        if not hops and key in coupled:
            users.setdefault(key, []).append(key)
        for hop in hops:
            users.setdefault(hop.key, []).append(key)
    shared = [link_map[h] for h, who in users.items() if len(who) > 1]
    idle = {key for key, (_lk, hops) in out.items() if not hops and key not in coupled and key in users}
    return out, shared, idle


def _estimated_rounds(w, qpus, link_map, placement, target_fidelity, purification, cat, buffer_pairs, seed,
                      route_buffers):
    """The purification rounds :func:`~qnsim.estimate.estimate` prices for the links as given (no throttling: the
    simulation runs every channel and buffer pair) and the relay routes with the end buffers ``route_buffers`` gives
    (priced as the estimate prices a route it runs at such a buffer), per QPU pair; those it cannot price are left out
    (the simulation then takes the rounds reaching the target when made, and its notes say when pairs were used below
    it)."""
    from qnsim.estimate.budget import ErrorBudget
    from qnsim.estimate.estimator import _Context, operated_purification_rounds

    # A link without its own buffer runs the simulation's buffer_pairs, which the estimate must price too.
    links = {key: lk if lk.buffer_pairs is not None else dataclasses.replace(lk, buffer_pairs=buffer_pairs)
             for key, lk in link_map.items()}
    ctx = _Context(w, qpus, links, False, target_fidelity, purification, cat, ErrorBudget())
    ctx.throttle = False
    ctx.route_buffers = dict(route_buffers)
    try:
        report = ctx.run(placement, seed)
    except ValueError:
        return {}
    return operated_purification_rounds(report)


def simulate_execution(
    workload: Workload | str,
    qpus: Sequence[QPU],
    links: Sequence[Link] | Mapping[Any, Link],
    placement: Placement | Mapping[int, int] | Sequence[int] | None = None,
    *,
    seed: int = 0,
    cat_entangler: bool = True,
    target_fidelity: float | None = None,
    purification: str = "dejmps",
    supply: str = "poisson",
    buffer_pairs: int = DEFAULT_BUFFER_PAIRS,
    purification_rounds: Mapping[tuple[int, int], int] | None = None,
    max_ops: int = 10**6,
    progress: bool | None | Callable[[int, int], None] = None,
) -> SimulationResult:
    """Simulates a distributed execution event by event (see the module docstring for the model).

    Args:
        workload: circuit text or :class:`Workload` (unrolled here; at most ``max_ops`` operations).
        qpus: the QPUs (physical execution; gate times from each QPU).
        links: :class:`Link` per QPU pair that needs one; links may end at relay nodes (numbered from
            ``len(qpus)``), and a QPU pair without a direct link then uses the estimate's relay route;
            a link several QPU pairs use serves them in demand order (module docstring). A direct link the
            estimate routes around (a relay route beats it on every count and runs better) is left out here
            too, with a note.
        placement: as for :func:`estimate`; None places it as :func:`estimate` does with its defaults (the same
            QPUs, the same parts); an estimate's ``report.qubit_qpus`` simulates the placement that estimate priced,
            whatever its options (``placement_strategy``, ``seed``, ``partitioner``).
        seed: seed of every random draw (a run is reproducible).
        cat_entangler: share pairs across runs of remote gates with one control.
        target_fidelity: purify link pairs up to this fidelity (None: raw pairs).
        purification: ``"dejmps"`` or ``"bbpssw"``.
        supply: ``"poisson"`` (exponential gaps at the link's total rate, ``rate_hz`` times ``channels``)
            or ``"geometric"`` (attempts of period ``attempt_period_s`` succeeding with
            ``success_probability``; one channel).
        buffer_pairs: distilled-pair memory per link when the link does not set ``buffer_pairs``
            (default :data:`~qnsim.estimate.links.DEFAULT_BUFFER_PAIRS`, the buffer the estimate
            prices such a link with: leave it so to check an estimate); or a mapping from QPU pairs
            ``(a, b)`` to the end buffers of their relay routes (others take the default), as
            :func:`~qnsim.estimate.operated_buffer_pairs` gives the estimate's.
        purification_rounds: None (each link runs the rounds :func:`~qnsim.estimate.estimate` prices for it as
            given, a relay route with the end buffer ``buffer_pairs`` gives it: the fewest whose pairs still reach
            ``target_fidelity`` when used, after their wait in the buffer; on a link without memory times, the
            fewest reaching it when made), or a mapping from QPU pairs
            ``(a, b)`` (a direct link's or a relay route's ends) to the rounds their pairs run (others as for
            None), at least those reaching the target when made: :func:`~qnsim.estimate.operated_purification_rounds`
            gives a report's (for links run as :func:`~qnsim.estimate.operated_links` gives them). A link may
            still use pairs below the target (fewer rounds given, pairs that wait longer than the estimate
            expects): ``notes`` then says so.
        max_ops: refuse to unroll beyond this many operations.
        progress: True shows a tqdm bar of the operations completed on stderr, False none, None
            one on a terminal or in Jupyter when the run looks longer than ~1 s (on any other stderr
            plain lines every 10 s, when it looks longer than that); or a callable(done,
            total) called every 1024 operations. The result is the same either way.

    Raises:
        ValueError: A bad argument (the message names it).
        SimulationStalledError: The run ran out of events with operations left (a defect of this
            simulation, not of its inputs; a RuntimeError, as it was before it had a name).

    >>> from qnsim.estimate import QPU, Link
    >>> ideal = QPU(e_2q=0.0, e_meas=0.0)
    >>> r = simulate_execution("REPEAT 100 {\\n  CX 0 1\\n  H 0\\n}", [ideal, ideal],
    ...                        [Link((0, 1), rate_hz=1e9, fidelity=1.0)], placement=[0, 1])
    >>> r.remote_gates, r.pairs_consumed[(0, 1)], r.remote_faults
    (100, 100, 0)
    """
    if supply not in ("poisson", "geometric"):
        raise ValueError(f"supply must be 'poisson' or 'geometric', got {written(supply)}")
    route_buffers: dict[tuple[int, int], int] = {}
    if isinstance(buffer_pairs, Mapping):
        for key, value in buffer_pairs.items():
            if not isinstance(key, tuple) or len(key) != 2 or not all(is_integer(x) for x in key):
                raise ValueError(
                    f"buffer_pairs maps QPU pairs (a, b) to positive integers, got {written(key)}: {written(value)}"
                )
            # Bounded as a Link's buffer_pairs: 2**64 was taken (as good as an unlimited buffer).
            value = integer(
                f"buffer_pairs[{written(key)}]", value, minimum=1, maximum=MAX_BUFFER_PAIRS, error=ValueError
            )
            route_buffers[(min(map(int, key)), max(map(int, key)))] = value
        buffer_pairs = DEFAULT_BUFFER_PAIRS
    buffer_pairs = integer("buffer_pairs", buffer_pairs, minimum=1, maximum=MAX_BUFFER_PAIRS, error=ValueError)
    given_rounds: dict[tuple[int, int], int] = {}
    if purification_rounds is not None:
        if not isinstance(purification_rounds, Mapping):
            raise TypeError(f"purification_rounds maps QPU pairs (a, b) to rounds, got {written(purification_rounds)}")
        for key, value in purification_rounds.items():
            if not isinstance(key, tuple) or len(key) != 2 or not all(is_integer(x) for x in key):
                raise ValueError(
                    f"purification_rounds maps QPU pairs (a, b) to rounds, got {written(key)}: {written(value)}"
                )
            value = integer(f"purification_rounds[{written(key)}]", value, minimum=0, maximum=64, error=ValueError)
            given_rounds[(min(map(int, key)), max(map(int, key)))] = value
    # Checked up front with the estimator's readers: numpy's own errors name no argument, and
    # flags and targets are not coerced.
    seed = check_seed(seed)
    max_ops = integer("max_ops", max_ops, minimum=1, error=ValueError)
    progress = check_progress(progress)
    cat_entangler = flag("cat_entangler", cat_entangler)
    if purification not in ("dejmps", "bbpssw"):
        raise ValueError(f"purification must be 'dejmps' or 'bbpssw', got {written(purification)}")
    if target_fidelity is not None:
        target_fidelity = check_target_fidelity(target_fidelity, error=ValueError)
    elif any(given_rounds.values()):
        raise ValueError("purification_rounds needs a target_fidelity (None: raw pairs, no rounds)")
    w = workload if isinstance(workload, Workload) else Workload(workload)
    qpu_list = check_qpus(qpus)
    if any(q.error_corrected for q in qpu_list):
        raise ValueError("simulate_execution runs physical QPUs only (no surface_code)")
    k = len(qpu_list)
    link_map = _normalize_links(links, k, relays=True)
    counts = w.counts
    n = counts.qubit_index_bound
    if placement is not None and not isinstance(placement, Placement):
        placement = placement_from_mapping(placement, n, k)
    elif placement is not None and placement.num_qpus != k:  # given as it is (placement_from_mapping checks a mapping)
        raise ValueError(f"placement is for {placement.num_qpus} QPUs, but {k} QPUs are given")
    # Where the estimate runs it: on the QPUs it chooses (of QPUs that differ, the set that runs the workload best,
    # not the largest listed first), its parts moved along the network as the estimate moves them (a placement
    # given: as given), and over the links it uses (around a direct link a relay route beats on every count, when
    # that runs better).
    placement, link_map, left_out = estimate_plan(w, qpu_list, link_map, placement=placement,
                                                  target_fidelity=target_fidelity, purification=purification,
                                                  cat_entangler=cat_entangler)
    qpu_of = list(placement.qpu_of)
    ops = w.unroll(max_ops)
    used = {t for _, ts in ops for t in ts if t >= 0}
    for q in sorted(used):
        if q >= len(qpu_of) or qpu_of[q] < 0:
            raise ValueError(f"qubit {q} is placed on no QPU")
    routes, shared, idle = _relay_routes(link_map, k, qpu_of, counts)
    for key in route_buffers:
        if key not in routes or not routes[key][1]:
            raise ValueError(f"buffer_pairs names QPU pair {key}, which runs no relay route here (a direct link "
                             "sets its own buffer_pairs)")
        routes[key] = (dataclasses.replace(routes[key][0], buffer_pairs=route_buffers[key]), routes[key][1])
    for key in given_rounds:
        if key not in routes:
            raise ValueError(f"purification_rounds names QPU pair {key}, which makes no pairs here")
    estimated_rounds: dict[tuple[int, int], int] = {}
    # The QPU pairs purification_rounds leaves out run the estimate's rounds too ("others as for None": before, they
    # ran the rounds reaching the target when made once any pair was given).
    if target_fidelity is not None and any(lk.models_memory for key, (lk, _) in routes.items()
                                           if key not in given_rounds):
        # One rule for the estimate and the simulation: the rounds whose pairs reach the target when used, after
        # their wait in the buffer, as estimate() prices them for these links as given. Before, the simulation took
        # the fewest reaching it when made: 2 rounds where the estimate priced 3, pairs used at F = 0.987 < 0.99.
        estimated_rounds = _estimated_rounds(w, qpu_list, link_map, placement, target_fidelity, purification,
                                             cat_entangler, buffer_pairs, seed, route_buffers)
        # A relay route's end buffer given here is priced with it: before, such a route ran the rounds reaching the
        # target when made (2 where the estimate priced 3 for that buffer, pairs used below the target) unless
        # handed operated_purification_rounds(report).
    sim = _Sim(
        ops,
        qpu_of,
        qpu_list,
        routes,
        target_fidelity,
        purification,
        supply,
        buffer_pairs,
        seed,
        cat_entangler,
        shared,
        idle,
        given_rounds,
        estimated_rounds,
    )
    with native_progress(progress, ("simulating",), "op") as report:
        if report is not None:
            report(0, len(sim.op_qubits))
        sim.report = report
        wall = sim.run()
    at_use = {key: p.fidelity_sum / p.consumed for key, p in sim.links.items() if p.consumed}
    notes = [
        f"link {a}-{b} left out, as the estimate leaves it out: the relay route {'-'.join(map(str, path))} beats it on "
        "rate, fidelity, latency and memory times, and the run over it is better"
        for (a, b), path in sorted(left_out.items())
    ]
    for key, fidelity in at_use.items():
        if target_fidelity is not None and fidelity < target_fidelity:
            # Before, a link whose pairs reached the target when made but decayed below it in the buffer passed
            # without a word (the estimate prices more rounds there).
            notes.append(
                f"link {key[0]}-{key[1]}: its pairs were used at F = {fidelity:.6g} on average, below the "
                f"target_fidelity {target_fidelity:g} ({sim.links[key].rounds} purification round(s) reach it when "
                "made; they decay while they wait): more rounds (purification_rounds; "
                "operated_purification_rounds(report) gives the estimate's), fewer buffer_pairs or longer memories"
            )
    return SimulationResult(
        wall_clock_s=wall,
        operations=len(sim.op_qubits),
        remote_gates=sim.remote_gates,
        remote_faults=sim.faults,
        pairs_consumed={key: p.consumed for key, p in sim.links.items()},
        raw_pairs_generated={key: p.generated for key, p in sim.links.items()},
        max_buffer={key: p.max_buffer for key, p in sim.links.items()},
        events=sim.loop.events_processed,
        mean_fidelity_at_use=at_use,
        notes=notes,
    )
