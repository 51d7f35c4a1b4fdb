"""Event-driven simulation of a distributed execution, to check the estimate where both can run.

Each QPU executes its operations in program order per qubit (as soon as its qubits are free, the
same ASAP model the estimate's critical path uses, without REPEAT barriers). A remote gate also
waits for the Bell pairs it needs from its link. Each link produces raw pairs as a stochastic
process (Poisson at ``rate_hz``, or geometric attempts of period T and success probability p),
purifies them through the recurrence tree of :func:`purification_plan` (each round succeeds
with its closed-form probability) and keeps distilled pairs in a finite buffer (generation
pauses while the buffer is full). Consumed pairs and remote gates fail independently with the
same probabilities the estimate uses, so the fault count checks the expected error. A link with
memory times decays each consumed pair (:func:`stored_fidelity`) for the time it actually waited in
the first-in first-out buffer (none if an operation was already waiting for it), plus one latency
per purification round as the estimate charges: the simulated wait checks the estimate's schedule.

Deferred corrections: a remote gate leaves byproduct Paulis on its data qubits that are known
only ``remote_gate_time_s`` after it starts (the far side's measurement and message). Each qubit
carries the time at which its pending X, Z, Z-diagonal Clifford (D) and other Clifford (N)
corrections are known. Clifford gates carry them along (X and Z as the gate maps Paulis; D stays D
through gates that keep Z-diagonal operators diagonal, else becomes N); a T, T_DAG or CCZ goes
ahead of them (T X = e^{-i pi/4} (S X) T: a pending X becomes a deferred D, Z and D commute) and
waits only for N; RZ(theta) waits for X and N (RZ(theta) X = X RZ(-theta)), RX(theta) for Z, D
and N, RY(theta) for all; Z-basis measurements wait only for N (a pending Pauli flips the recorded
outcome, fixed afterwards), X/Y-basis measurements and MPP for D and N; resets clear them.

The cat-entangler bookkeeping and these correction rules are re-implemented here in Python
(independently of the native counter, with Pauli images written as letters), so agreement of pair
counts and times is itself a check. Meant for 10^3 - 10^5 operations.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from qnsim import _core
from qnsim.argument_checks import flag, integer, is_integer, probability
from qnsim.estimate.estimator import (
    _normalize_links,
    _teleport_local_error,
    remote_gate_occupancy_s,
    remote_gate_time_s,
)
from qnsim.estimate.links import Link, purification_noise, purification_plan, stored_fidelity
from qnsim.estimate.placement import Placement, check_seed, partition, placement_from_mapping
from qnsim.estimate.qpu import QPU
from qnsim.estimate.workload import Workload
from qnsim.events import EventLoop

__all__ = ["SimulationResult", "simulate_execution"]

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
    "RZ(theta)": "XN", "RX(theta)": "ZDN", "RY(theta)": "XZDN",
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
        wall_clock_s: time at which the last operation finished.
        operations: operations executed (noise and annotations excluded).
        remote_gates: remote operations executed.
        remote_faults: sampled faults (failed pairs plus failed local teleportation operations).
        pairs_consumed: distilled pairs consumed per link (a, b).
        raw_pairs_generated: raw pairs the links produced (including those still in flight at the end).
        max_buffer: largest number of distilled pairs held per link.
        events: events processed by the loop.
        mean_fidelity_at_use: per link (a, b), the mean fidelity of its consumed pairs when used:
            each decayed (links with memory times) for the time it waited in the buffer plus one
            latency per purification round, as the estimate charges; the made fidelity otherwise.

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


class _LinkProcess:
    """Raw pair generation, recursive purification and a buffer of distilled pairs."""

    def __init__(
        self,
        sim: _Sim,
        link: Link,
        target: float | None,
        protocol: str,
        supply: str,
        buffer: int,
        rng: np.random.Generator,
    ) -> None:
        # Rounds priced with the end QPUs' local noise, as the estimator prices them.
        noise = purification_noise(sim.qpus[link.key[0]], sim.qpus[link.key[1]])
        plan = purification_plan(link.fidelity, target, protocol, **noise)
        if not plan.feasible:
            raise ValueError(f"link {link.key}: {plan.reason}")
        self.sim, self.link, self.rng = sim, link, rng
        self.probs = plan.success_probabilities
        self.fidelity = plan.fidelity
        # The kept pair of each round waits one latency for the far end's outcome (the estimate's charge).
        self.purification_wait_s = plan.rounds * link.latency_s
        self.fidelity_sum = 0.0  # Of consumed pairs, at use.
        self.slots = [False] * plan.rounds  # One pair waiting at each purification level.
        self.stored_at: collections.deque = collections.deque()  # Delivery times (s) of buffered pairs, oldest first.
        self.capacity = buffer
        self.waiting: collections.deque = collections.deque()
        self.running = False
        self.generated = 0
        self.consumed = 0
        self.max_buffer = 0
        if supply == "geometric":
            if link.success_probability is None:
                raise ValueError(
                    f"link {link.key} has no success_probability/attempt_period_s for geometric supply"
                )
            self.p, self.period = link.success_probability, link.attempt_period_s
        self.supply = supply

    def _gap(self) -> float:
        if self.supply == "poisson":
            return float(self.rng.exponential(1.0 / self.link.rate_hz))
        return float(self.rng.geometric(self.p)) * self.period

    def start(self) -> None:
        if not self.running and not self.sim.done:
            self.running = True
            self.sim.loop.schedule_in(self._gap(), self._arrive)

    def _arrive(self) -> None:
        self.running = False
        if self.sim.done:
            return
        self.generated += 1
        level = 0
        while level < len(self.slots):  # Purify up the tree.
            if not self.slots[level]:
                self.slots[level] = True
                level = -1
                break
            self.slots[level] = False
            if self.rng.random() >= self.probs[level]:
                level = -1  # Both pairs lost.
                break
            level += 1
        if level >= 0:
            self._deliver()
        if len(self.stored_at) < self.capacity:
            self.start()

    def _deliver(self) -> None:
        if self.waiting:
            op = self.waiting[0]
            self.consumed += 1
            self.sim.pair_arrived(op, self, 0.0)
            if self.sim.outstanding[op] == 0 or self.sim.needs_on(op, self) == 0:
                self.waiting.popleft()
            return
        self.stored_at.append(self.sim.loop.now_s)
        self.max_buffer = max(self.max_buffer, len(self.stored_at))

    def fidelity_after(self, wait_s: float) -> float:
        """Fidelity of a distilled pair used ``wait_s`` seconds after delivery (storage decay of
        :func:`stored_fidelity` when the link has memory times; purification latency added)."""
        if not self.link.models_memory:
            return self.fidelity
        return stored_fidelity(
            self.fidelity, wait_s + self.purification_wait_s, self.link.memory_t1_s, self.link.memory_t2_s
        )

    def request(self, op: int, n: int) -> None:
        take = min(n, len(self.stored_at))
        self.consumed += take
        now = self.sim.loop.now_s
        for _ in range(take):
            self.sim.pair_arrived(op, self, now - self.stored_at.popleft())
        if take < n:
            self.waiting.append(op)
        self.start()


class _Sim:
    def __init__(self, ops, qpu_of, qpus, links, target, protocol, supply, buffer, seed, cat):
        self.loop = EventLoop()
        self.rng = np.random.default_rng(seed)
        self.done = False
        self.qpus = qpus
        self.links = {
            key: _LinkProcess(
                self,
                lk,
                target,
                protocol,
                supply,
                lk.buffer_pairs if lk.buffer_pairs is not None else buffer,
                np.random.default_rng([seed, key[0], key[1]]),
            )
            for key, lk in links.items()
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
            elif kind == "three":  # CCZ: one remote operation towards each other QPU, then the gate.
                a = qpu_of[qs[0]]
                dur = self.qpus[a].t_2q_s
                for q in qs:
                    open_copy.pop(q, None)
                    b = qpu_of[q]
                    key = (min(a, b), max(a, b))
                    if b != a and key not in need:
                        need[key] = 1
                        dur += t_rem[key]
                        remote = key
            else:  # Pauli product measurement / rotation across possibly several QPUs.
                a = qpu_of[qs[0]]
                dur = self.qpus[a].t_meas_s
                seen = {a}
                for q in qs:
                    open_copy.pop(q, None)
                    b = qpu_of[q]
                    key = (min(a, b), max(a, b))
                    if b not in seen:
                        seen.add(b)
                        need[key] = need.get(key, 0) + 1
                        dur += t_rem[key]
                        remote = key
                    else:
                        dur += self.qpus[a].t_2q_s
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

    def needs_on(self, op: int, proc: _LinkProcess) -> int:
        return self.needs[op].get(proc.link.key, 0) - self.got[op].get(id(proc), 0)

    def pair_arrived(self, op: int, proc: _LinkProcess, wait_s: float) -> None:
        self.got[op][id(proc)] = self.got[op].get(id(proc), 0) + 1
        fidelity = proc.fidelity_after(wait_s)
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
        for proc in self.links.values():
            proc.start()
        self.finish = 0.0
        if self.remaining == 0:
            self.done = True
        self.loop.run()
        if self.remaining:
            raise RuntimeError(f"simulation stalled with {self.remaining} operations left")
        return self.finish

    def _ready(self, op: int) -> None:
        if self.outstanding[op] == 0:
            self._start(op)
            return
        for key, n in self.needs[op].items():
            if key not in self.links:
                raise ValueError(f"no link between QPU {key[0]} and QPU {key[1]}")
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
    buffer_pairs: int = 64,
    max_ops: int = 10**6,
) -> SimulationResult:
    """Simulates a distributed execution event by event (see the module docstring for the model).

    Args:
        workload: circuit text or :class:`Workload` (unrolled here; at most ``max_ops`` operations).
        qpus: the QPUs (physical execution; gate times from each QPU).
        links: :class:`Link` per QPU pair that needs one.
        placement: as for :func:`estimate`; None partitions the same way the estimate does.
        seed: seed of every random draw (a run is reproducible).
        cat_entangler: share pairs across runs of remote gates with one control.
        target_fidelity: purify link pairs up to this fidelity (None: raw pairs).
        purification: ``"dejmps"`` or ``"bbpssw"``.
        supply: ``"poisson"`` (exponential gaps at ``rate_hz``) or ``"geometric"`` (attempts of
            period ``attempt_period_s`` succeeding with ``success_probability``).
        buffer_pairs: distilled-pair memory per link when the link does not set ``buffer_pairs``.
        max_ops: refuse to unroll beyond this many operations.

    >>> from qnsim.estimate import QPU, Link
    >>> ideal = QPU(e_2q=0.0, e_meas=0.0)
    >>> r = simulate_execution("REPEAT 100 {\\n  CX 0 1\\n  H 0\\n}", [ideal, ideal],
    ...                        [Link((0, 1), rate_hz=1e9, fidelity=1.0)], placement=[0, 1])
    >>> r.remote_gates, r.pairs_consumed[(0, 1)], r.remote_faults
    (100, 100, 0)
    """
    if supply not in ("poisson", "geometric"):
        raise ValueError(f"supply must be 'poisson' or 'geometric', got {supply!r}")
    if not is_integer(buffer_pairs) or buffer_pairs < 1:
        raise ValueError(f"buffer_pairs must be a positive integer, got {buffer_pairs!r}")
    # Checked up front with the estimator's readers: numpy's own errors name no argument, and
    # flags and targets are not coerced.
    seed = check_seed(seed)
    max_ops = integer("max_ops", max_ops, minimum=1, error=ValueError)
    cat_entangler = flag("cat_entangler", cat_entangler)
    if purification not in ("dejmps", "bbpssw"):
        raise ValueError(f"purification must be 'dejmps' or 'bbpssw', got {purification!r}")
    if target_fidelity is not None:
        target_fidelity = probability("target_fidelity", target_fidelity, error=ValueError)
    w = workload if isinstance(workload, Workload) else Workload(workload)
    qpu_list = list(qpus)
    if any(q.error_corrected for q in qpu_list):
        raise ValueError("simulate_execution runs physical QPUs only (no surface_code)")
    k = len(qpu_list)
    link_list = list(links.values()) if isinstance(links, Mapping) else list(links)
    for lk in link_list:
        if isinstance(lk, Link) and max(lk.qpus) >= k:
            raise ValueError(
                f"link {lk.qpus} ends at relay node {max(lk.qpus)}: simulate_execution needs a direct link "
                "per QPU pair (relay routes are priced by estimate() only)"
            )
    link_map = _normalize_links(link_list, k)
    counts = w.counts
    n = counts.qubit_index_bound
    if placement is None:
        placement = partition(
            n,
            [q.capacity for q in qpu_list],
            (counts.pair_a, counts.pair_b, counts.pair_weight),
            qubits=[int(q) for q in counts.used_qubits],
        )
    elif not isinstance(placement, Placement):
        placement = placement_from_mapping(placement, n, k)
    qpu_of = list(placement.qpu_of)
    ops = w.unroll(max_ops)
    used = {t for _, ts in ops for t in ts if t >= 0}
    for q in sorted(used):
        if q >= len(qpu_of) or qpu_of[q] < 0:
            raise ValueError(f"qubit {q} is placed on no QPU")
    sim = _Sim(
        ops,
        qpu_of,
        qpu_list,
        link_map,
        target_fidelity,
        purification,
        supply,
        buffer_pairs,
        seed,
        cat_entangler,
    )
    wall = sim.run()
    return SimulationResult(
        wall_clock_s=wall,
        operations=len(sim.op_qubits),
        remote_gates=sim.remote_gates,
        remote_faults=sim.faults,
        pairs_consumed={key: p.consumed for key, p in sim.links.items()},
        raw_pairs_generated={key: p.generated for key, p in sim.links.items()},
        max_buffer={key: p.max_buffer for key, p in sim.links.items()},
        events=sim.loop.events_processed,
        mean_fidelity_at_use={key: p.fidelity_sum / p.consumed for key, p in sim.links.items() if p.consumed},
    )
