"""Stim circuits of distributed surface-code experiments: a memory split by a seam, a remote merge.

Two experiments, in the rotated or the unrotated code, any odd distance, any number of rounds
(an int >= 1; left out, as many as the distance, in both builders, ``qnsim qec circuit`` and an
experiment file alike), X or Z basis:

* :func:`memory_circuit`: one patch whose data columns are split between QPU A (left of the
  seam) and QPU B. The seam runs parallel to logical X (a column), so in the Z basis a logical
  failure can run entirely along the seam: the worst case, and the case of Ramette et al.
* :func:`merge_circuit`: lattice surgery between patch A on QPU A and patch B on QPU B. The
  merged region (patch A, one column of fresh qubits, patch B) is measured for ``rounds`` rounds
  with checks across the seam, which measures ``X_A X_B``. In the Z basis (both patches in
  ``|0>``) the observable is ``Z_A Z_B`` (the row through the merged region); in the X basis
  (both in ``|+>``) the observables are the merge outcome ``X_A X_B`` (timelike, from the
  first merged round), ``X_A`` and ``X_B``.

Each round: reset the measure qubits, H on the X-type ones, four CNOT layers in the order of
:mod:`qnsim.qec.layout`, H, measure. Every layer ends with ``TICK``; bulk noise follows the
:class:`~qnsim.qec.noise.NoiseModel`, idle qubits included. Detectors compare each check with its
previous round (the first round only where the initial state fixes it) and the last round with
the final data measurement; they carry coordinates ``(x, y, round)``.

Seam CNOTs (a measure qubit and a data qubit on different QPUs) are, by :class:`Interface`:

* ``direct``: the CNOT followed by ``DEPOLARIZE2(error)``;
* ``teleported``: the gate teleported through a Bell-diagonal pair (one pair per seam CNOT): the
  gadget itself (pair qubits, two measurements, classically controlled X and Z), or with
  ``explicit=False`` the CNOT followed by the gadget's exact Pauli channel (the same statistics,
  but decoded worse: see :class:`Interface`);
* ``cat``: no seam CNOT for the seam checks of the chosen types (``Interface.cat_checks``, Z
  by default). The check's measure qubit and one extra qubit on the other QPU start as the Bell
  pair (one pair per check and round); each touches the data on its own QPU, both are measured
  and the check's value is the parity of the two outcomes. A weight-4 check needs one pair
  instead of two. An error on the pair reaches both data on one side: for Z-type checks a Z pair
  across logical Z (harmless), for X-type checks of the rotated code an X pair along the seam,
  which halves the seam-fault distance (:func:`seam_fault_distance`); so X-type seam checks
  teleport their CNOTs unless ``cat_checks="XZ"``.

>>> c = memory_circuit(3, rounds=2, basis="Z", noise=NoiseModel.uniform_depolarizing(1e-3),
...                    interface=Interface.direct(0.05))
>>> c.num_detectors, c.num_observables, len(c.shortest_graphlike_error())
(16, 1, 3)
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qnsim.argument_checks import is_integer, written
from qnsim.qec._stim import require_stim
from qnsim.qec.channels import PAULI_PAIRS
from qnsim.qec.layout import (
    Coord,
    PatchLayout,
    Stabilizer,
    check_distance,
    qpu_side,
    rotated_patch,
    unrotated_patch,
)
from qnsim.qec.noise import Interface, NoiseModel, check_cat_checks

if TYPE_CHECKING:
    import stim

__all__ = [
    "CODES",
    "SeamResources",
    "memory_circuit",
    "memory_layout",
    "merge_circuit",
    "merge_layout",
    "seam_fault_distance",
    "seam_resources",
]

#: Surface-code variants.
CODES = ("rotated", "unrotated")


def _check_code(code: str) -> str:
    if code not in CODES:
        raise ValueError(f"code must be one of {CODES}, got {written(code)}")
    return code


#: Largest circuit built: qubits x rounds (about 10 us each to build, and Stim's memory with it).
MAX_QUBIT_ROUNDS = 10**8


def _check_rounds(rounds: int, distance: int, patches: int = 1) -> int:
    """Rounds >= 1, and a circuit that can be built: ``patches`` patches of ``distance`` for that many
    rounds within :data:`MAX_QUBIT_ROUNDS` (rounds = 10**12 would otherwise build for days)."""
    if not is_integer(rounds) or rounds < 1:
        # One semantics everywhere (the builders, ``qnsim qec circuit`` and experiment files): rounds counts the
        # syndrome rounds, and "as many as the distance" is rounds left out, never 0 (an experiment file read 0 so
        # while the CLI and the builders refused it).
        raise ValueError(
            f"rounds must be an int >= 1, got {written(rounds)}; leave rounds out for as many rounds as the distance"
        )
    # In Python ints: NumPy's int64 wraps around, and rounds = np.int64(376464164769582687) made 47 qubit-rounds
    # of a distance-3 patch, passed the bound and built without end.
    qubit_rounds = patches * (2 * int(distance) + 1) ** 2 * int(rounds)
    if qubit_rounds > MAX_QUBIT_ROUNDS:
        # Beyond a float's range {:.1e} raised OverflowError (rounds = 10**400): give the power of ten.
        # Past 4,300 digits str() itself raised ValueError (rounds = 10**5000): the size from the bit length.
        about = f"{qubit_rounds:.1e}" if qubit_rounds < 1e300 else f"10**{int(qubit_rounds.bit_length() * 0.30103)}"
        raise ValueError(
            f"distance {distance} with rounds={written(rounds)} makes a circuit of about {about} qubit-rounds, "
            f"more than the {MAX_QUBIT_ROUNDS:.0e} built here"
        )
    return int(rounds)


def _check_basis(basis: str) -> str:
    if basis not in ("X", "Z"):
        raise ValueError(f"basis must be 'X' or 'Z', got {written(basis)}")
    return basis


def memory_layout(distance: int, code: str = "rotated") -> tuple[PatchLayout, int]:
    """The patch of a split memory and its seam coordinate (QPU A holds ``x < seam_x``).

    The seam runs between the middle data columns: A holds ``(d + 1) / 2`` of the ``d`` full
    columns in the rotated code, the measure qubits on the seam line belong to B.

    Args:
        distance: Odd code distance >= 3.
        code: ``"rotated"`` or ``"unrotated"``.

    Returns:
        ``(layout, seam_x)``.

    Example:
        >>> layout, seam_x = memory_layout(5)
        >>> seam_x, len(layout.remote_gates(seam_x))
        (6, 9)
    """
    d = check_distance(distance)
    if _check_code(code) == "rotated":
        return rotated_patch(d, d), d + 1
    return unrotated_patch(d, d), d


def merge_layout(distance: int, code: str = "rotated") -> tuple[PatchLayout, PatchLayout, PatchLayout, int]:
    """Patch A, patch B, the merged region, and the seam (patch A's side is QPU A).

    Args:
        distance: Odd code distance >= 3.
        code: ``"rotated"`` or ``"unrotated"``.

    Returns:
        ``(patch_a, patch_b, merged, seam_x)``.

    Example:
        >>> a, b, merged, seam_x = merge_layout(3)
        >>> len(a.data), len(b.data), len(merged.data), seam_x
        (9, 9, 21, 6)
    """
    d = check_distance(distance)
    if _check_code(code) == "rotated":
        a = rotated_patch(d, d)
        b = rotated_patch(d, d, x_offset=2 * (d + 1))
        merged = rotated_patch(2 * d + 1, d)
        return a, b, merged, 2 * d
    a = unrotated_patch(d, d)
    b = unrotated_patch(d, d, x_offset=2 * d + 2)
    merged = unrotated_patch(2 * d + 1, d)
    return a, b, merged, 2 * d - 1


@dataclass(frozen=True)
class SeamResources:
    """What the seam of an experiment needs from the link, per syndrome round.

    Attributes:
        seam_gates: CNOTs across the seam per round.
        seam_checks: Checks with data on both QPUs.
        pairs_per_round: Bell pairs consumed per round (``direct``: 0; ``teleported``: one per
            seam gate; ``cat``: one per seam check).
        seam_length: Data qubits along the seam (the code distance; the unit of "per seam length").
        data_qubits: Data qubits of the experiment.
        qubits_a: Physical qubits on QPU A (data and measure; ``cat`` adds its extra qubits).
        qubits_b: Physical qubits on QPU B.

    Example:
        >>> r = seam_resources(5, "memory", "teleported")
        >>> r.pairs_per_round, r.pairs_per_round / r.seam_length
        (9, 1.8)
    """

    seam_gates: int
    seam_checks: int
    pairs_per_round: int
    seam_length: int
    data_qubits: int
    qubits_a: int
    qubits_b: int


def seam_resources(
    distance: int,
    experiment: str = "merge",
    scheme: str = "teleported",
    code: str = "rotated",
    *,
    cat_checks: str = "Z",
) -> SeamResources:
    """Seam gates, checks and Bell pairs per round of :func:`memory_circuit` / :func:`merge_circuit`.

    Args:
        distance: Odd code distance >= 3.
        experiment: ``"memory"`` or ``"merge"``.
        scheme: ``"direct"``, ``"teleported"`` or ``"cat"``.
        code: ``"rotated"`` or ``"unrotated"``.
        cat_checks: ``cat``: the seam check types that share one pair (see :class:`Interface`).

    Returns:
        The counts.

    Example:
        >>> seam_resources(7, "merge", "cat", cat_checks="XZ").pairs_per_round
        7
        >>> seam_resources(7, "merge", "cat").pairs_per_round
        10
    """
    arguments = (distance, experiment, scheme, code, cat_checks)
    try:
        hash(arguments)
    except TypeError:  # an unhashable argument: counted (and refused by name) without the cache
        return _count_seam_resources(*arguments)
    return _cached_seam_resources(*arguments)


def _count_seam_resources(distance, experiment: str, scheme: str, code: str, cat_checks: str) -> SeamResources:
    """:func:`seam_resources`, counted on the patch's layout."""
    if experiment == "memory":
        layout, seam_x = memory_layout(distance, code)
    elif experiment == "merge":
        layout, seam_x = merge_layout(distance, code)[2:]
    else:
        raise ValueError(f"experiment must be 'memory' or 'merge', got {written(experiment)}")
    if scheme not in ("direct", "teleported", "cat"):
        raise ValueError(f"scheme must be 'direct', 'teleported' or 'cat', got {written(scheme)}")
    check_cat_checks("cat_checks", cat_checks, scheme)
    gates = layout.remote_gates(seam_x)
    checks = {s.ancilla: s for s, _ in gates}
    shared = {a for a, s in checks.items() if scheme == "cat" and s.basis in cat_checks}
    if scheme == "direct":
        pairs = 0
    else:
        pairs = len(shared) + sum(1 for s, _ in gates if s.ancilla not in shared)
    qubits = list(layout.data) + [s.ancilla for s in layout.stabilizers]
    on_a = sum(1 for q in qubits if qpu_side(q, seam_x) == 0)
    extra_a = sum(1 for a in shared if qpu_side(a, seam_x) == 1)
    extra_b = len(shared) - extra_a
    return SeamResources(
        seam_gates=len(gates),
        seam_checks=len(checks),
        pairs_per_round=pairs,
        seam_length=check_distance(distance),
        data_qubits=len(layout.data),
        qubits_a=on_a + extra_a,
        qubits_b=len(qubits) - on_a + extra_b,
    )


# The counts of a seam, kept per argument tuple: every round_timing and interface_from_link call asks for them, and
# counting builds the patch's layout (a d = 151 memory's took 5-15 s on the shared 2-core machine, three times over
# in one test of the buffer's bound). typed: 3.0 is not served the count of 3 (the builder refuses it), nor True 1's.
_cached_seam_resources = functools.lru_cache(maxsize=64, typed=True)(_count_seam_resources)


# --- the builder -----------------------------------------------------------------------------------


class _Rec(int):
    """A measurement-record target, ``rec[-k]``."""

    def __str__(self) -> str:
        return f"rec[{int(self)}]"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class _Text:
    """Collects circuit lines as text: one ``stim.Circuit`` parse at the end is much faster than
    thousands of ``stim.Circuit.append`` calls (each of which grows the circuit in place)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def append(self, name: str, targets: Iterable = (), args=None) -> None:
        if args is None:
            head = name
        else:
            values = [args] if isinstance(args, (int, float)) else list(args)
            head = f"{name}({', '.join(_number(v) for v in values)})"
        self.lines.append(" ".join([head, *map(str, targets)]))

    def build(self, stim_module):
        return stim_module.Circuit("\n".join(self.lines))



class _Builder:
    """Emits layers of ideal operations with the bulk and interface noise around them."""

    def __init__(self, layout: PatchLayout, seam_x: float | None, noise: NoiseModel,
                 interface: Interface | None) -> None:
        self.layout = layout
        self.seam_x = seam_x if interface is not None else None
        self.noise = noise
        self.interface = interface
        self.circuit = _Text()
        self.index: dict[Coord, int] = {}
        coords = list(layout.data) + [s.ancilla for s in layout.stabilizers]
        for coord in sorted(coords, key=lambda c: (c[1], c[0])):
            self.index[coord] = len(self.index)
        # cat: one extra qubit per seam check, on the other QPU than its measure qubit.
        self.cat_partner: dict[Coord, int] = {}
        self.seam_checks = {s.ancilla for s, _ in layout.remote_gates(self.seam_x)}
        if interface is not None and interface.scheme == "cat":
            for s in layout.stabilizers:
                if s.ancilla in self.seam_checks and s.basis in interface.cat_checks:
                    self.cat_partner[s.ancilla] = len(self.index) + len(self.cat_partner)
        self.num_qubits = len(self.index) + len(self.cat_partner)
        self.num_measurements = 0
        self.pair_qubits: list[int] = []  # scratch qubits of explicit teleportation gadgets
        self.seam_channel = None
        if interface is not None:
            channel = interface.seam_channel(noise)
            self.seam_channel = [channel[p] for p in PAULI_PAIRS]
        for coord, q in sorted(self.index.items(), key=lambda kv: kv[1]):
            self.circuit.append("QUBIT_COORDS", [q], list(coord))
        for anc, q in self.cat_partner.items():
            # Drawn half a step off the measure qubit, towards the other QPU.
            side = -1 if qpu_side(anc, self.seam_x) == 1 else 1
            self.circuit.append("QUBIT_COORDS", [q], [anc[0] + side, anc[1] + 0.5])

    # -- helpers --
    def _q(self, coords: Iterable[Coord]) -> list[int]:
        return [self.index[c] for c in coords]

    def _noise1(self, name: str, targets: list[int], p: float) -> None:
        if p > 0 and targets:
            self.circuit.append(name, targets, p)

    def _is_seam(self, a: Coord, b: Coord) -> bool:
        return self.seam_x is not None and qpu_side(a, self.seam_x) != qpu_side(b, self.seam_x)

    def _idle(self, busy: set[int], active: list[int], p: float) -> None:
        self._noise1("DEPOLARIZE1", [q for q in active if q not in busy], p)

    def _measure(self, targets: list[int], basis: str = "Z") -> list[int]:
        name = "M" if basis == "Z" else "MX"
        if self.noise.measure > 0:
            self.circuit.append(name, targets, self.noise.measure)
        else:
            self.circuit.append(name, targets)
        first = self.num_measurements
        self.num_measurements += len(targets)
        return list(range(first, first + len(targets)))

    def rec(self, index: int):
        return _Rec(index - self.num_measurements)

    # -- layers --
    def reset_layer(self, qubits: list[int], active: list[int], cat_checks: list[Stabilizer],
                    x_qubits: Sequence[int] = ()) -> None:
        # X-basis data are reset to |+> natively (RX, a reset error is a Z flip), like Z-basis ones to
        # |0>: a basis change by H would add a noisy gate only X-basis experiments pay.
        x_set = set(x_qubits)
        z_qubits = [q for q in qubits if q not in x_set]
        x_qubits = [q for q in qubits if q in x_set]
        if z_qubits:
            self.circuit.append("R", z_qubits)
            self._noise1("X_ERROR", z_qubits, self.noise.reset)
        if x_qubits:
            self.circuit.append("RX", x_qubits)
            self._noise1("Z_ERROR", x_qubits, self.noise.reset)
        busy = set(qubits)
        if cat_checks:
            # A delivered pair: its whole error is in the Bell-diagonal coefficients.
            partners = [self.cat_partner[s.ancilla] for s in cat_checks]
            ancillas = self._q(s.ancilla for s in cat_checks)
            self.circuit.append("R", ancillas + partners)
            self.circuit.append("H", ancillas)
            self.circuit.append("CX", [t for pair in zip(ancillas, partners) for t in pair])
            _, psi_p, psi_m, phi_m = self.interface.bell_diagonal
            if psi_p + psi_m + phi_m > 0:
                self.circuit.append("PAULI_CHANNEL_1", partners, [psi_p, psi_m, phi_m])
        self._idle(busy, active, self.noise.idle_measure)
        self.circuit.append("TICK")

    def h_layer(self, qubits: list[int], active: list[int]) -> None:
        if not qubits:
            return
        self.circuit.append("H", qubits)
        self._noise1("DEPOLARIZE1", qubits, self.noise.one_qubit)
        self._idle(set(qubits), active, self.noise.idle)
        self.circuit.append("TICK")

    def cx_layer(self, pairs: list[tuple[int, int, bool]], active: list[int]) -> None:
        bulk = [t for c, t, seam in pairs if not seam for t in (c, t)]
        seam = [(c, t) for c, t, s in pairs if s]
        if bulk:
            self.circuit.append("CX", bulk)
            self._noise1("DEPOLARIZE2", bulk, self.noise.two_qubit)
        if seam:
            if self.interface.scheme != "direct" and self.interface.explicit:
                # The gadget itself, not its channel: Stim decomposes the channel's hyperedges for matching
                # into boundary edges that flip the observable, which PyMatching decodes worse (Interface).
                self._teleported_gadgets(seam)
            else:
                flat = [q for pair in seam for q in pair]
                self.circuit.append("CX", flat)
                if self.interface.scheme == "direct":
                    self._noise1("DEPOLARIZE2", flat, self.interface.error)
                elif any(p > 0 for p in self.seam_channel):
                    self.circuit.append("PAULI_CHANNEL_2", flat, self.seam_channel)
        busy = {q for c, t, _ in pairs for q in (c, t)}
        self._idle(busy, active, self.noise.idle)
        self.circuit.append("TICK")

    def _teleported_gadgets(self, seam: list[tuple[int, int]]) -> None:
        while len(self.pair_qubits) < 2 * len(seam):
            self.pair_qubits.append(self.num_qubits + len(self.pair_qubits))
        _, psi_p, psi_m, phi_m = self.interface.bell_diagonal
        g = self.noise.two_qubit if self.interface.gadget_noise else 0.0
        q = self.noise.measure if self.interface.gadget_noise else 0.0
        for k, (control, target) in enumerate(seam):
            a, b = self.pair_qubits[2 * k], self.pair_qubits[2 * k + 1]
            self.circuit.append("R", [a, b])
            self.circuit.append("H", [a])
            self.circuit.append("CX", [a, b])
            if psi_p + psi_m + phi_m > 0:
                self.circuit.append("PAULI_CHANNEL_1", [b], [psi_p, psi_m, phi_m])
            self.circuit.append("CX", [control, a])
            self._noise1("DEPOLARIZE2", [control, a], g)
            self.circuit.append("M", [a], q if q > 0 else None)
            self.num_measurements += 1
            self.circuit.append("CX", [_Rec(-1), b])
            self.circuit.append("CX", [b, target])
            self._noise1("DEPOLARIZE2", [b, target], g)
            self.circuit.append("MX", [b], q if q > 0 else None)
            self.num_measurements += 1
            self.circuit.append("CZ", [_Rec(-1), control])

    def measure_layer(self, qubits: list[int], active: list[int], basis: str = "Z", *, last: bool = False) -> list[int]:
        indices = self._measure(qubits, basis)
        if not last:
            self._idle(set(qubits), active, self.noise.idle_measure)
            self.circuit.append("TICK")
        return indices


def _syndrome_round(b: _Builder, layout: PatchLayout, active: list[int], data_reset: list[int],
                    data_x: list[int], wait_idle: tuple[float, float, float]) -> dict[Coord, list[int]]:
    """One round; returns the measurement indices whose parity is each check's value. ``data_reset``
    are reset first (those in ``data_x`` to |+>, the others to |0>)."""
    cat_checks = [s for s in layout.stabilizers if s.ancilla in b.cat_partner]
    ancillas = b._q(s.ancilla for s in layout.stabilizers if s.ancilla not in b.cat_partner)
    b.reset_layer(data_reset + ancillas, active, cat_checks, x_qubits=data_x)
    if any(p > 0 for p in wait_idle):
        # The round waits for its pairs before the CNOT layers that use them, after the resets: placed
        # before them, the first round's wait fell on data about to be reset and vanished (a one-round
        # experiment fed by a slow link sampled no logical error at all). The data decay; the measure qubits
        # wait reset in |0>, which amplitude damping and dephasing leave alone (the Pauli twirl of that decay
        # would flip them with p_x + p_y, an error that does not happen); the pairs arrive at the end of the
        # wait with their storage in their state.
        b.circuit.append("PAULI_CHANNEL_1", b._q(layout.data), list(wait_idle))
    x_anc = b._q(s.ancilla for s in layout.stabilizers if s.basis == "X" and s.ancilla not in b.cat_partner)
    b.h_layer(x_anc, active)
    for k in range(4):
        pairs = []
        for s in layout.stabilizers:
            q = s.schedule[k]
            if q is None:
                continue
            anc = b.index[s.ancilla]
            if s.ancilla in b.cat_partner and b._is_seam(s.ancilla, q):
                anc = b.cat_partner[s.ancilla]  # the pair's half on the data's own QPU
                seam = False
            else:
                seam = b._is_seam(s.ancilla, q)
            d = b.index[q]
            pairs.append((anc, d, seam) if s.basis == "X" else (d, anc, seam))
        b.cx_layer(pairs, active)
    x_all = [b.index[s.ancilla] for s in layout.stabilizers if s.basis == "X"]
    x_all += [b.cat_partner[s.ancilla] for s in cat_checks if s.basis == "X"]
    b.h_layer(x_all, active)
    order = [b.index[s.ancilla] for s in layout.stabilizers] + [b.cat_partner[s.ancilla] for s in cat_checks]
    indices = b.measure_layer(order, active)
    by_qubit = dict(zip(order, indices))
    out = {}
    for s in layout.stabilizers:
        ms = [by_qubit[b.index[s.ancilla]]]
        if s.ancilla in b.cat_partner:
            ms.append(by_qubit[b.cat_partner[s.ancilla]])
        out[s.ancilla] = ms
    return out


def _run_experiment(
    layout: PatchLayout,
    seam_x: float | None,
    rounds: int,
    init_basis: dict[Coord, str],
    final_basis: str,
    observables: list[tuple[list[Coord], list[Coord]]],
    noise: NoiseModel | None,
    interface: Interface | None,
):
    """Init, ``rounds`` rounds, final data measurement; detectors and observables.

    ``observables``: per observable, (data measured at the end, checks of the first round).
    """
    stim = require_stim()
    noise = NoiseModel.noiseless() if noise is None else noise
    if not isinstance(noise, NoiseModel):
        raise ValueError(f"noise must be a qnsim.qec.NoiseModel, got {type(noise).__name__}")
    if interface is not None and not isinstance(interface, Interface):
        raise ValueError(f"interface must be a qnsim.qec.Interface or None, got {type(interface).__name__}")
    b = _Builder(layout, seam_x, noise, interface)
    active = list(range(len(b.index))) + list(b.cat_partner.values())
    data_q = b._q(layout.data)
    x_data = [b.index[q] for q in layout.data if init_basis[q] == "X"]
    wait = interface.wait_idle if interface is not None else (0.0, 0.0, 0.0)
    history: list[dict[Coord, list[int]]] = []
    for r in range(rounds):
        values = _syndrome_round(b, layout, active, data_q if r == 0 else [], x_data if r == 0 else [], wait)
        for s in layout.stabilizers:
            if r == 0:
                if all(init_basis[q] == s.basis for q in s.data):
                    recs = values[s.ancilla]
                else:
                    continue
            else:
                recs = values[s.ancilla] + history[-1][s.ancilla]
            b.circuit.append("DETECTOR", [b.rec(i) for i in recs], [s.ancilla[0], s.ancilla[1], r])
        history.append(values)
    # Measured natively in the final basis (MX for X, flipped with the measurement error), as the reset.
    final = dict(zip(layout.data, b.measure_layer(data_q, active, final_basis, last=True)))
    for s in layout.stabilizers:
        if s.basis == final_basis:
            recs = history[-1][s.ancilla] + [final[q] for q in s.data]
            b.circuit.append("DETECTOR", [b.rec(i) for i in recs], [s.ancilla[0], s.ancilla[1], rounds])
    for k, (data_support, first_round_checks) in enumerate(observables):
        recs = [final[q] for q in data_support]
        for anc in first_round_checks:
            recs += history[0][anc]
        b.circuit.append("OBSERVABLE_INCLUDE", [b.rec(i) for i in recs], k)
    return b.circuit.build(stim)


def memory_circuit(
    distance: int,
    rounds: int | None = None,
    basis: str = "Z",
    *,
    code: str = "rotated",
    noise: NoiseModel | None = None,
    interface: Interface | None = None,
) -> stim.Circuit:
    """A surface-code memory experiment, split across two QPUs by a seam when ``interface`` is given.

    Data start in ``|0>`` (Z basis) or ``|+>`` (X basis), ``rounds`` syndrome rounds run, the data
    are measured in the same basis; the observable is logical Z (a row) or X (a column). The seam
    (see :func:`memory_layout`) runs parallel to logical X.

    Args:
        distance: Odd code distance >= 3.
        rounds: Syndrome rounds >= 1 (default: ``distance``, as :func:`merge_circuit`).
        basis: ``"Z"`` or ``"X"``.
        code: ``"rotated"`` or ``"unrotated"``.
        noise: Bulk noise (default: none).
        interface: How seam gates are done; None: a monolithic patch (no seam).

    Returns:
        A ``stim.Circuit`` with detectors and one observable.

    Raises:
        ValueError: Even or small distance, rounds < 1, unknown basis or code, bad noise.
        ImportError: Stim is not installed (``pip install qnsim[qec]``).

    Example:
        >>> c = memory_circuit(5, rounds=5, basis="X", code="unrotated",
        ...                    noise=NoiseModel.si1000(1e-3), interface=Interface.werner(0.05))
        >>> c.num_observables, len(c.shortest_graphlike_error())
        (1, 5)
    """
    d = check_distance(distance)
    rounds = _check_rounds(d if rounds is None else rounds, d)
    layout, seam_x = memory_layout(distance, code)
    basis = _check_basis(basis)
    init = {q: basis for q in layout.data}
    return _run_experiment(layout, seam_x, rounds, init, basis, [(list(layout.logical(basis)), [])], noise, interface)


def merge_circuit(
    distance: int,
    rounds: int | None = None,
    basis: str = "Z",
    *,
    code: str = "rotated",
    noise: NoiseModel | None = None,
    interface: Interface | None = None,
) -> stim.Circuit:
    """Lattice surgery measuring ``X_A X_B`` between a patch on QPU A and a patch on QPU B.

    Patch A (data columns left of the seam) and patch B start in ``|0>`` (basis Z) or ``|+>``
    (basis X), the merge column in ``|0>``; ``rounds`` rounds of the merged code run, the data are
    measured in ``basis``. Observables: basis Z, ``Z_A Z_B`` (the row across the merged region);
    basis X, the merge outcome ``X_A X_B`` (product of the first round's new X checks), ``X_A``
    and ``X_B``. The seam (see :func:`merge_layout`) lies between patch A and the merge column.

    Args:
        distance: Odd code distance >= 3.
        rounds: Merged rounds >= 1 (default: ``distance``).
        basis: ``"Z"`` or ``"X"``.
        code: ``"rotated"`` or ``"unrotated"``.
        noise: Bulk noise (default: none).
        interface: How seam gates are done; None: both patches on one QPU.

    Returns:
        A ``stim.Circuit`` with detectors and 1 (Z) or 3 (X) observables.

    Raises:
        ValueError: Even or small distance, rounds < 1, unknown basis or code, bad noise.
        ImportError: Stim is not installed (``pip install qnsim[qec]``).

    Example:
        >>> c = merge_circuit(3, basis="X", noise=NoiseModel.uniform_depolarizing(1e-3),
        ...                   interface=Interface.werner(0.1))
        >>> c.num_observables, len(c.shortest_graphlike_error())
        (3, 3)
    """
    d = check_distance(distance)
    rounds = _check_rounds(d if rounds is None else rounds, d, patches=3)
    basis = _check_basis(basis)
    patch_a, patch_b, merged, seam_x = merge_layout(d, code)
    in_a, in_b = set(patch_a.data), set(patch_b.data)
    init = {q: (basis if (q in in_a or q in in_b) else "Z") for q in merged.data}
    if basis == "Z":
        observables = [(list(merged.logical("Z")), [])]
    else:
        gap = set(merged.data) - in_a - in_b
        new_x = [s.ancilla for s in merged.stabilizers if s.basis == "X" and gap & set(s.data)]
        observables = [([], new_x), (list(patch_a.logical("X")), []), (list(patch_b.logical("X")), [])]
    return _run_experiment(merged, seam_x, rounds, init, basis, observables, noise, interface)


def seam_fault_distance(circuit: stim.Circuit) -> int:
    """Fewest faults of the circuit's noise that flip an observable undetected (graph-like search).

    Run it on a circuit whose only noise is at the seam (``NoiseModel.noiseless()``) to count how
    many interface faults a logical error needs, or with bulk noise only for the bulk distance.

    Args:
        circuit: A circuit from this module.

    Returns:
        The number of error mechanisms in Stim's shortest graph-like logical error.

    Raises:
        ValueError: The circuit's faults cannot flip an observable at all (an unbounded distance).

    Example:
        >>> seam_fault_distance(memory_circuit(5, 5, interface=Interface.direct(0.01)))
        5
    """
    stim = require_stim()
    if not isinstance(circuit, stim.Circuit):  # "'str' object has no attribute 'shortest_graphlike_error'"
        raise TypeError(f"circuit must be a stim.Circuit, got {type(circuit).__name__}")
    try:
        return len(circuit.shortest_graphlike_error(ignore_ungraphlike_errors=False))
    except ValueError as exc:
        if "Failed to find any graphlike logical errors" not in str(exc):
            raise
        # Stim's "Failed to find any graphlike logical errors." read as a failure of the call; it is an answer: an
        # X-basis memory whose only noise is at the seam (parallel to logical X) has no logical error from it.
        raise ValueError(
            "no combination of this circuit's faults flips an observable undetected (graph-like search): its noise "
            "cannot cause a logical error here (the distance is unbounded), e.g. seam-only noise in a basis whose "
            "logical operator does not run along the seam"
        ) from None
