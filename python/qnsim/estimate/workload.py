"""Workload input: Stim circuit text counted symbolically, streamed circuit files, logical summaries.

A circuit is parsed once by the native counter (``qnsim._core.WorkloadProgram``); REPEAT blocks
are never unrolled, so a 10^12-gate workload written in a few lines is counted in microseconds,
with exact (128-bit, overflow-checked) integers. An unrolled circuit file is streamed in chunks
with memory independent of its length (:func:`stream_circuit_file`).

The accepted formats are :data:`DIALECT` (``qnsim estimate --help`` prints the same text, with
the gate list, from :func:`workload_help`).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np

from qnsim import _core
from qnsim.argument_checks import (
    RepeatedKeyError,
    file_path,
    flag,
    integer,
    is_integer,
    read_only,
    readable_file,
    shown,
    unique_keys,
    unknown_keys,
    written,
)
from qnsim.progress import check_progress, native_progress

__all__ = [
    "DIALECT",
    "GateCounts",
    "LogicalSummary",
    "Workload",
    "count_circuit",
    "stream_circuit_file",
    "workload_help",
]

#: The workload formats, in words (the gate lists come from the native gate table, see
#: :func:`workload_help`).
DIALECT = """\
A workload is one of:

* A circuit file (any name but *.toml and *.json) in "Stim syntax plus T, T_DAG, CCZ,
  RZ/RX/RY(theta)": Stim's circuit format, one instruction per line, '#' starting a comment.
  Gate names are case-insensitive and Stim's aliases (CNOT, ZCX, MZ, H_XZ, ...) count under
  their canonical names. Parenthesized arguments are numbers separated by commas, as many as
  the gate takes (M(0.01) 0; DEPOLARIZE1(0.001) 0 1). Targets: qubit indices below 2^24,
  inverted results !5, Pauli targets and products X1*Y2*Z3 (MPP), measurement records rec[-k]
  and sweep bits sweep[k]; a two-qubit gate on 0 1 2 3 is two applications. Stim's
  instruction tags (H[tag] 0, Stim >= 1.15) are read and ignored, as Stim ignores them.
  "REPEAT N {" (N from 1 to 2^64 - 1, the brace on the same line) opens a block closed by a
  line "}"; blocks nest and are counted symbolically with exact 128-bit integers (a count
  beyond that is an error), never unrolled. Detectors, observables, coordinates, TICK and
  noise channels are counted apart and cost nothing. Only qubits that some operation acts on
  are placed (generated circuits may skip indices).
  Extension gates for logical workloads: T and T_DAG (one T state each), CCZ on qubit triples
  (4 T states, 3 logical cycles), and arbitrary-angle rotations RX(theta), RY(theta), RZ(theta)
  with theta a number in radians (synthesized from T gates as the Azure estimator does: every
  rotation costs the same, whatever its angle), except the angles the estimator also singles
  out: a multiple of pi/2 is a Clifford gate (RZ(pi/2) counts as S, RX(pi) as X: free) and an
  odd multiple of pi/4 is one T gate (RZ(pi/4) counts as T, RZ(3 pi/4) as S T; about X and Y
  as RX(pi/4) / RY(pi/4), a T between Cliffords). An angle within a relative 1e-9 of k pi/4
  counts as k pi/4 (0.785398163397 is pi/4), any sign and size. Without an angle, RX, RY and RZ
  are Stim's resets. Anything else is an error naming the line, with a suggestion. With --stream a huge
  unrolled file (no REPEAT) is counted in chunks, in memory independent of its length.
* A logical summary, a *.toml file whose top level (or [workload] table) holds the counts:
  logical_qubits (required), t_count, rotation_count, rotation_depth, ccz_count, ccix_count,
  clifford_count, two_qubit_count, measurement_count, depth (non-negative integers) and
  interaction ("uniform", "linear" or "local": how two-qubit gates spread over qubit pairs).
* The Azure Quantum Resource Estimator's logical counts, a *.json object with numQubits
  (required), tCount, rotationCount, rotationDepth, cczCount, ccixCount, measurementCount.
"""

_KINDS: dict[str, tuple[str, bool, bool, int, bool]] = _core.gate_kinds()
_GATE_CATEGORIES = {
    "single": "one_qubit",
    "reset": "one_qubit",
    "two": "two_qubit",
    "measure": "measurement",
    "measure_reset": "measurement",
    "two_measure": "measurement",
    "product": "measurement",
    "noise1": "noise",
    "noise2": "noise",
    "noise_product": "noise",
    "annotation": "annotation",
    "three": "three_qubit",
    "rotation": "one_qubit",
}


#: Most operations Workload.unroll (and so simulate_execution) lists, about 1.5 GB of Python tuples.
MAX_UNROLLED_OPS = 10**7
#: Iterations of one REPEAT the critical-path schedule runs at most while looking for the loop's
#: steady state (internal: tests lower it to reach the extrapolation from a transient).
_REPEAT_ITERATION_BUDGET = 4096
#: Largest gate count a LogicalSummary holds: the width of the circuit counter's counts (128 bits).
MAX_COUNT = 2**128 - 1


def _exact_count(name: str, value: object, minimum: int = 0) -> int:
    """``value`` as a count of :class:`GateCounts` or :class:`LogicalSummary`: an integer in [``minimum``,
    :data:`MAX_COUNT`], beyond 64 bits too (the counter's counts are exact there), refused in :func:`integer`'s words
    otherwise. A summary's counts went through :func:`integer` alone, whose 64-bit range every argument has: 2**64 T
    gates were refused as "beyond a 64-bit integer" where a negative count was told [0, 2**128 - 1], and a circuit
    of that many was estimated."""
    if not is_integer(value) or not minimum <= value <= MAX_COUNT:  # type: ignore[operator]
        integer(name, value, minimum=minimum, maximum=MAX_COUNT, error=ValueError)
    return int(value)  # type: ignore[call-overload]


@dataclasses.dataclass(frozen=True)
class GateCounts:
    """Exact gate counts of a workload (Python ints: counts beyond 2^64 are exact).

    Attributes:
        per_gate: applications per canonical gate name (``CNOT`` is counted as ``CX``); a
            two-qubit gate on targets ``0 1 2 3`` is two applications.
        num_qubits: qubits some operation acts on (annotations such as QUBIT_COORDS excluded).
        measurements: measurement records produced by measurements and MPAD. Stim's
            ``num_measurements`` also counts the herald records of HERALDED_ERASE and
            HERALDED_PAULI_CHANNEL_1; they are noise, which costs nothing here, so they are left out.
        depth_bound: an upper bound on the ASAP circuit depth in gate layers (exact for a circuit
            without REPEAT; each REPEAT boundary is treated as a barrier).
        pair_a, pair_b, pair_weight: the two-qubit interaction graph: unordered qubit pairs and
            the number of interactions between them (float64, exact below 2^53): one per two-qubit
            gate or measurement (MXX/MYY/MZZ) application, and per CCZ or Pauli product (MPP, SPP)
            one from its first qubit to each other qubit it names: the star its schedule runs across
            QPUs, one pair from the first qubit's QPU towards each other QPU holding its qubits.
        rotation_depth: layers of arbitrary-angle rotations as the Azure estimator counts them:
            every non-Clifford gate (rotation, T, T_DAG, CCZ, RX/RY by an odd multiple of pi/4)
            takes the next layer on its qubits, multi-qubit Cliffords and Pauli-product
            measurements join their qubits' layers, and the layers holding a rotation are counted.
        rotation_depth_exact: True when ``rotation_depth`` is the unrolled circuit's: always for a
            circuit of at most 2^27 targets with REPEATs unrolled, and beyond when every long loop
            becomes periodic (each group of qubits its layers tie grows by one common amount per
            iteration: the rest is extrapolated exactly). False when one never does (qubit groups
            growing at different rates): each REPEAT boundary is then a barrier (consecutive
            iterations never share a layer), which can count more or fewer layers than the
            unrolled circuit has.
        product_measure_qubits: the first qubit of each measurement of a Pauli product over two or
            more qubits (MXX, MYY, MZZ, MPP ``X0*Z1``), ascending; see :attr:`helper_qubits`.
        controlled_paulis: two-qubit gate applications with a measurement record or sweep bit as a
            target (``CX rec[-1] 3``: a classically controlled Pauli), counted in ``per_gate`` and
            :attr:`two_qubit` but holding no pair of the interaction graph.

    >>> c = count_circuit("REPEAT 1000000 {\\n  CX 0 1\\n  H 0\\n}")
    >>> c.per_gate["CX"], c.two_qubit, c.total_gates
    (1000000, 1000000, 2000000)
    """

    per_gate: Mapping[str, int]
    num_qubits: int
    measurements: int
    depth_bound: int
    pair_a: np.ndarray
    pair_b: np.ndarray
    pair_weight: np.ndarray
    used_qubits: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, dtype=np.uint32))
    rotation_depth: int = 0
    rotation_depth_exact: bool = True
    product_measure_qubits: tuple[int, ...] = ()
    controlled_paulis: int = 0

    def __post_init__(self) -> None:
        # Counts made by hand are read as LogicalSummary reads its own (estimate takes a GateCounts): a count of -5
        # H gates failed deep in the pricing with "max() arg is an empty sequence", a count of "x" with "unsupported
        # operand type(s) for +: 'int' and 'str'", naming neither the field nor the value.
        for name in ("num_qubits", "measurements", "depth_bound", "rotation_depth", "controlled_paulis"):
            object.__setattr__(self, name, _exact_count(f"GateCounts.{name}", getattr(self, name)))
        if not isinstance(self.per_gate, Mapping):
            raise TypeError(f"GateCounts.per_gate must map gate names to counts, got {written(self.per_gate)}")
        per_gate = {}
        for gate, count in self.per_gate.items():
            if not isinstance(gate, str):
                raise TypeError(f"GateCounts.per_gate keys must be gate names, got {written(gate)}")
            per_gate[gate] = _exact_count(f"GateCounts.per_gate[{gate!r}]", count)
        object.__setattr__(self, "per_gate", per_gate)
        object.__setattr__(self, "rotation_depth_exact", flag("GateCounts.rotation_depth_exact",
                                                              self.rotation_depth_exact))  # fmt: skip
        self._check_consistent()
        # A workload computes its counts once and the estimator reads them again: w.counts.per_gate["T"] = -5 or
        # w.counts.pair_weight[:] = 0 (a frozen dataclass stops only w.counts.x = ...) changed what a later
        # estimate(w, ...) priced without a word.
        for name in ("per_gate", "pair_a", "pair_b", "pair_weight", "used_qubits"):
            object.__setattr__(self, name, read_only(getattr(self, name)))

    def _check_consistent(self) -> None:
        # Fields that contradict each other were priced without a word: 50 measurement records from two M
        # applications, 5 classically controlled Paulis among no two-qubit gate, a rotation depth of 5 with no
        # rotation, a depth of 0 for three gates, num_qubits=1 beside two used qubits. Each bound below holds for
        # every circuit the counter counts (measurement records also come from MPAD, an annotation).
        unknown = sorted(g for g in self.per_gate if g not in _KINDS)
        if unknown:
            raise ValueError(f"GateCounts.per_gate names {written(unknown[0])}, which is no gate the counter counts "
                             f"(its names are Stim's, CNOT as CX, rotations as 'RZ(theta)' or 'RX(pi/4)')")
        measuring = self.category("measurement") + self.per_gate.get("MPAD", 0)
        if self.measurements > measuring:
            raise ValueError(f"GateCounts.measurements = {self.measurements} records, more than the {measuring} "
                             "measurement and MPAD applications in per_gate make (one record each)")
        if self.controlled_paulis > self.two_qubit:
            raise ValueError(f"GateCounts.controlled_paulis = {self.controlled_paulis}, more than the "
                             f"{self.two_qubit} two-qubit gate applications in per_gate, which count them")
        non_clifford = self.rotation_count + self.t_count + self.ccz_count
        if self.rotation_depth > non_clifford:
            raise ValueError(f"GateCounts.rotation_depth = {self.rotation_depth} layers, more than the {non_clifford} "
                             "rotations, T and CCZ gates in per_gate (each layer holds one at least)")
        total = self.total_gates
        if self.depth_bound > total or (total and not self.depth_bound):
            raise ValueError(f"GateCounts.depth_bound = {self.depth_bound} layers for {total} gate, reset and "
                             "measurement applications: it must be from 1 (0 without any) up to their number")
        used = np.asarray(self.used_qubits)
        if used.ndim != 1 or (used.size and (used.dtype.kind not in "iu" or used.min() < 0
                                             or bool(np.any(np.diff(used.astype(np.int64)) <= 0)))):
            raise ValueError(f"GateCounts.used_qubits must be qubit indices (integers >= 0) in ascending order, each "
                             f"once, got {shown(self.used_qubits)}")
        if used.size and self.num_qubits != used.size:
            raise ValueError(f"GateCounts.num_qubits = {self.num_qubits}, but used_qubits lists {used.size} qubits "
                             "(num_qubits counts them)")
        known = set(used.tolist()) if used.size else None
        for q in self.product_measure_qubits:
            if not is_integer(q) or q < 0 or (known is not None and q not in known):
                where = " (not in used_qubits)" if is_integer(q) and q >= 0 else ""
                raise ValueError(f"GateCounts.product_measure_qubits holds {written(q)}{where}: it lists the first "
                                 "qubit of each Pauli-product measurement")
        if self.product_measure_qubits and not self.category("measurement"):
            raise ValueError(f"GateCounts.product_measure_qubits = {self.product_measure_qubits} names product "
                             "measurements, but per_gate counts no measurement")

    @classmethod
    def _from_native(cls, d: Mapping[str, Any]) -> GateCounts:
        return cls(
            per_gate=dict(d["per_gate"]),
            num_qubits=len(d["used_qubits"]),
            measurements=int(d["measurements"]),
            depth_bound=int(d["depth_bound"]),
            pair_a=d["pair_a"],
            pair_b=d["pair_b"],
            pair_weight=d["pair_weight"],
            used_qubits=d["used_qubits"],
            rotation_depth=int(d["rotation_depth"]),
            rotation_depth_exact=bool(d.get("rotation_depth_exact", True)),
            product_measure_qubits=tuple(int(q) for q in d.get("product_measure_qubits", ())),
            controlled_paulis=int(d.get("controlled", 0)),
        )

    @property
    def helper_qubits(self) -> int:
        """Helper logical qubits the error-corrected estimate adds: 1 when the workload measures a
        Pauli product over two or more qubits, else 0. The Azure estimator's multi-qubit ``Measure``
        runs through one helper qubit, allocated and released around each measurement, so its
        ``numQubits`` is one higher however many such measurements there are (one or a thousand, in
        sequence or on disjoint qubits); a one-qubit product (``MPP X0``) takes none.

        >>> count_circuit("MZZ 0 1\\nMPP X2*Y3").helper_qubits, count_circuit("MPP X0\\nM 1").helper_qubits
        (1, 0)
        """
        return 1 if self.product_measure_qubits else 0

    @property
    def logical_qubits(self) -> int:
        """Logical qubits of the error-corrected estimate: :attr:`num_qubits` plus
        :attr:`helper_qubits` (QRE's ``numQubits`` for the same program).

        >>> count_circuit("RZ(0.1) 0\\nMZZ 0 1").logical_qubits
        3
        """
        return self.num_qubits + self.helper_qubits

    @property
    def qubit_index_bound(self) -> int:
        """1 + the largest qubit index used (0 for no qubit).

        >>> count_circuit("H 0 7").qubit_index_bound, count_circuit("H 0 7").num_qubits
        (8, 2)
        """
        return int(self.used_qubits[-1]) + 1 if len(self.used_qubits) else 0

    @property
    def rotation_count(self) -> int:
        """Arbitrary-angle rotations RX/RY/RZ(theta).

        >>> count_circuit("RZ(0.1) 0 1\\nRZ 2").rotation_count
        2
        """
        return sum(self.per_gate.get(g, 0) for g in ("RX(theta)", "RY(theta)", "RZ(theta)"))

    @property
    def ccz_count(self) -> int:
        """CCZ applications.

        >>> count_circuit("CCZ 0 1 2 3 4 5").ccz_count
        2
        """
        return self.per_gate.get("CCZ", 0)

    def category(self, name: str) -> int:
        """Applications in one category: ``one_qubit``, ``two_qubit``, ``three_qubit``, ``measurement``,
        ``noise``, ``annotation``.

        >>> count_circuit("H 0 1\\nM 0").category("one_qubit")
        2
        """
        if name not in set(_GATE_CATEGORIES.values()):
            raise ValueError(
                f"unknown category {written(name)}; use one of {sorted(set(_GATE_CATEGORIES.values()))}"
            )
        return sum(n for g, n in self.per_gate.items() if _GATE_CATEGORIES[_KINDS[g][0]] == name)

    @property
    def one_qubit(self) -> int:
        """Single-qubit gate and reset applications.

        >>> count_circuit("H 0 1\\nR 2").one_qubit
        3
        """
        return self.category("one_qubit")

    @property
    def two_qubit(self) -> int:
        """Two-qubit gate applications.

        >>> count_circuit("CX 0 1 2 3\\nSWAP 0 2").two_qubit
        3
        """
        return self.category("two_qubit")

    @property
    def t_count(self) -> int:
        """T states the gates take one each: T and T_DAG, and RX/RY by odd multiples of pi/4 (counted
        as ``RX(pi/4)`` / ``RY(pi/4)``: a T between Cliffords, as the Azure estimator counts them).

        >>> count_circuit("T 0 1\\nT_DAG 0\\nRX(2.356194490192345) 1").t_count
        4
        """
        return sum(self.per_gate.get(g, 0) for g in ("T", "T_DAG", "RX(pi/4)", "RY(pi/4)"))

    @property
    def total_gates(self) -> int:
        """All gate, reset and measurement applications (noise channels and annotations excluded).

        >>> count_circuit("H 0\\nX_ERROR(0.1) 0\\nTICK\\nM 0").total_gates
        2
        """
        return self.one_qubit + self.two_qubit + self.category("three_qubit") + self.category("measurement")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (per-gate counts, categories; the pair list is summarized).

        >>> count_circuit("CX 0 1").to_dict()["two_qubit"]
        1
        """
        return {
            "per_gate": dict(self.per_gate),
            "num_qubits": self.num_qubits,
            "one_qubit": self.one_qubit,
            "two_qubit": self.two_qubit,
            "measurements": self.measurements,
            "t_count": self.t_count,
            "rotation_count": self.rotation_count,
            "rotation_depth": self.rotation_depth,
            "helper_qubits": self.helper_qubits,
            "ccz_count": self.ccz_count,
            "total_gates": self.total_gates,
            "depth_bound": self.depth_bound,
            "interacting_pairs": len(self.pair_a),
        }


class Workload:
    """A circuit workload: parsed once, counted symbolically, placed and priced later.

    Args:
        text: circuit text in the dialect above (REPEAT blocks allowed) or a ``stim.Circuit``.

    Raises:
        CircuitParseError: unknown gate (with a suggestion), REPEAT count below 1, unbalanced
            braces or bad targets, naming the line.

    >>> w = Workload("REPEAT 1000000000000 {\\n  CX 0 1\\n}")
    >>> w.counts.two_qubit
    1000000000000
    >>> w.counts.pair_weight.tolist()
    [1000000000000.0]
    """

    def __init__(self, text: str | Any, *, progress: bool | None | Callable[[int, int], None] = None) -> None:
        """Parses circuit text; ``progress`` as in :meth:`count`, in bytes of text. Ctrl-C stops a
        long parse with KeyboardInterrupt."""
        if type(text).__name__ == "Circuit" and type(text).__module__.startswith("stim"):
            text = str(text)
        if isinstance(text, os.PathLike):
            raise TypeError(f"circuit text must be a str or a stim.Circuit, got the path {os.fspath(text)!r}; "
                            "read a file with Workload.from_file(path)")  # fmt: skip
        if not isinstance(text, str):
            raise TypeError(f"circuit text must be a str or a stim.Circuit, got {type(text).__name__}")
        try:
            with native_progress(progress, ("parsing",), "B") as report:
                self._program = _core.WorkloadProgram(text, progress=report)
        except _core.CircuitParseError as error:
            # estimate("workload.stim", ...) parsed the file's name as a circuit: "expected a gate name, got
            # 'workload.stim' on line 1", which says nothing of the file.
            if "\n" not in text.strip() and os.path.isfile(text.strip()):
                raise _core.CircuitParseError(
                    f"{error}: {written(text.strip())} is a file, given where circuit text is expected; read it with "
                    "Workload.from_file(path)"
                ) from None
            raise
        self._counts: GateCounts | None = None
        self._text = text  # Kept (the caller's string, not a copy) for the pricing's phases (phase_texts).

    @classmethod
    def from_file(
        cls, path: str | os.PathLike[str], *, progress: bool | None | Callable[[int, int], None] = None
    ) -> Workload:
        """Reads and parses a circuit file (REPEAT kept symbolic; for huge unrolled files use
        :func:`stream_circuit_file`). ``progress``: a bar for the parse, as in :meth:`count`.

        >>> import tempfile, os
        >>> with tempfile.NamedTemporaryFile("w", suffix=".stim", delete=False) as f:
        ...     _ = f.write("H 0\\nCX 0 1\\n")
        >>> Workload.from_file(f.name).counts.total_gates
        2
        >>> os.unlink(f.name)
        """
        path = readable_file("path", path, "a circuit file")  # /dev/zero was read until memory ran out
        with open(path, "rb") as f:
            raw = f.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            where = f"byte 0x{raw[e.start]:02x} at offset {e.start}"
            raise ValueError(f"{os.fspath(path)}: not UTF-8 text ({where})") from None
        return cls(text, progress=progress)

    @property
    def counts(self) -> GateCounts:
        """Symbolic gate counts (computed once; a bar on a terminal or in Jupyter if that takes over ~1 s, see
        :meth:`count`).

        >>> Workload("REPEAT 5 {\\n  H 0\\n}").counts.per_gate
        {'H': 5}
        """
        return self.count()

    def count(self, *, progress: bool | None | Callable[[int, int], None] = None) -> GateCounts:
        """The symbolic gate counts (:attr:`counts`), computed once, with a progress bar.

        Counting visits each instruction once, plus the rotation layers unrolled (up to 2^27
        target visits) or extrapolated: seconds on circuits of 10^7 instructions or long REPEATs.
        Ctrl-C stops it with KeyboardInterrupt (checked every 2^20 visits).

        Args:
            progress: True shows a tqdm bar on stderr, False none, None one on a terminal
                or in Jupyter when the count looks longer than ~1 s (on any other stderr plain lines
                every 10 s, when it looks longer than that); or a callable(done, total) called
                every 2^20 instructions and targets visited, in two phases (the symbolic pass,
                then the rotation layers; each starts again from 0; total 0 when not known
                ahead). The counts are the same either way.

        >>> seen = []
        >>> Workload("H 0").count(progress=lambda done, total: seen.append((done, total))).total_gates
        1
        >>> seen
        [(0, 2), (2, 2)]
        """
        # Checked on every call, not only the one that counts: once counted, progress="yes" was taken without a word.
        progress = check_progress(progress)
        if self._counts is None:
            with native_progress(progress, ("counting", "rotation layers"), "op") as report:
                self._counts = GateCounts._from_native(self._program.counts(progress=report))
        return self._counts

    @property
    def num_qubits(self) -> int:
        """Qubits some operation acts on.

        >>> Workload("CX 0 7").num_qubits
        2
        """
        return self.counts.num_qubits

    def pair_count(self, a: int, b: int) -> int:
        """Exact number of two-qubit applications on the unordered pair (a, b).

        >>> Workload("REPEAT 3 {\\n CX 0 1 1 0\\n}").pair_count(1, 0)
        6
        """
        return self._program.pair_count(a, b)  # the native reading: int() took True as 1 and 2.7 as 2

    def phase_texts(self, max_phases: int = 32) -> list[str] | None:
        """The circuit's phases as circuit texts, in program order: each top-level REPEAT block is one, and each
        run of top-level instructions between them another. The estimate prices each phase's use of Bell pairs at
        its own pace (a fast loop then a slow one uses its pairs at two paces, and a slow phase's pairs wait longest
        in a full buffer). None when the circuit has more than ``max_phases`` phases (then too many to price
        one by one).

        >>> Workload("H 0\\nREPEAT 2 {\\n  CX 0 1\\n}\\nM 0\\n").phase_texts()
        ['H 0\\n', 'REPEAT 2 {\\n  CX 0 1\\n}\\n', 'M 0\\n']
        """
        # A count (np.int64 included): 1.5, NaN, True and "3" were compared as they stood ("3" raised TypeError
        # naming no argument; NaN and 1.5 were taken).
        max_phases = integer("max_phases", max_phases, minimum=0, error=ValueError)
        text = self._text
        # Only the lines that open or close a block are visited (a circuit of 10^7 unrolled lines is one phase,
        # found without a Python loop over its lines).
        phases: list[str] = []
        depth, block_start, done = 0, 0, 0
        for m in _BLOCK_LINE.finditer(text):
            if m.group(1) is not None:  # REPEAT ... {
                if depth == 0:
                    phases += [g for g in [text[done:m.start()]] if _has_code(g)]
                    block_start = m.start()
                depth += 1
            elif depth > 0:  # }
                depth -= 1
                if depth == 0:
                    done = m.end()
                    phases.append(text[block_start:done])
            if len(phases) > max_phases:
                return None
        if depth == 0:
            phases += [g for g in [text[done:]] if _has_code(g)]
        else:  # Unbalanced (the parser refused it already): one phase.
            phases = [text]
        return phases if len(phases) <= max_phases else None

    def unroll(self, max_ops: int = 10**6) -> list[tuple[str, list[int]]]:
        """The unrolled applications ``(gate, targets)`` of a small circuit, in program order.

        Records ``rec[-k]`` appear as ``-k``. Raises StateTooLargeError beyond ``max_ops`` (at most
        :data:`MAX_UNROLLED_OPS`).

        >>> Workload("REPEAT 2 {\\n  CX 0 1\\n}").unroll()
        [('CX', [0, 1]), ('CX', [0, 1])]
        """
        # Each unrolled operation becomes a Python tuple (~150 bytes): the cap keeps a REPEAT
        # 10**12 with max_ops=10**12 from filling the machine's memory before the native check.
        limit = integer("max_ops", max_ops, minimum=1, maximum=MAX_UNROLLED_OPS, error=ValueError)
        return self._program.unroll(limit)

    def _placed(
        self, qpu_of, num_qpus, t_1q, t_2q, t_meas, t_reset, t_remote, t_frame, schedule: bool = True, progress=False
    ) -> dict[str, Any]:
        with native_progress(progress, ("placed counts", "scheduling"), "op") as report:
            return self._placed_native(
                qpu_of, num_qpus, t_1q, t_2q, t_meas, t_reset, t_remote, t_frame, schedule, report
            )

    def _placed_native(
        self, qpu_of, num_qpus, t_1q, t_2q, t_meas, t_reset, t_remote, t_frame, schedule, report
    ) -> dict[str, Any]:
        return self._program.placed(
            [int(x) for x in qpu_of],
            int(num_qpus),
            list(t_1q),
            list(t_2q),
            list(t_meas),
            list(t_reset),
            list(t_remote),
            list(t_frame),
            bool(schedule),
            _REPEAT_ITERATION_BUDGET,
            progress=report,
        )

    def __repr__(self) -> str:
        c = self.counts
        return f"Workload(num_qubits={c.num_qubits}, total_gates={c.total_gates}, two_qubit={c.two_qubit})"


def count_circuit(text: str) -> GateCounts:
    """Counts a Stim circuit symbolically (REPEAT blocks multiplied through, never unrolled).

    Args:
        text: Stim circuit text.

    Returns:
        Exact :class:`GateCounts`.

    >>> c = count_circuit("REPEAT 10 {\\n  REPEAT 10 {\\n    CNOT 0 1\\n    M 1\\n  }\\n}")
    >>> c.per_gate
    {'CX': 100, 'M': 100}
    """
    return Workload(text).counts


def stream_circuit_file(
    path: str | os.PathLike[str],
    chunk_bytes: int = 1 << 22,
    *,
    progress: bool | None | Callable[[int, int], None] = None,
) -> GateCounts:
    """Counts an unrolled circuit file by streaming it in chunks (memory independent of length).

    About 20 MB/s (a 10^8-gate file of ~1 GB takes ~50 s). Ctrl-C stops it with
    KeyboardInterrupt after the chunk being counted.

    Args:
        path: a Stim circuit file without REPEAT blocks (e.g. ``stim.Circuit.flattened()``).
        chunk_bytes: read size in bytes, in ``qnsim._core.CHUNK_BYTES_RANGE`` ([4096, 2^30]).
        progress: True shows a tqdm bar on stderr (bytes of the file), False none, None one on a
            terminal or in Jupyter when the count looks longer than ~1 s (on any other stderr plain
            lines every 10 s, when it looks longer than that); or a callable(done, total)
            called after every chunk with the bytes read and the file's size (0 when it has none,
            a pipe). The counts are the same either way.

    Raises:
        CircuitParseError: on the first bad line, or on a REPEAT block.
        ValueError: if the file cannot be opened.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".stim", delete=False) as f:
    ...     _ = f.write("CX 0 1 2 3\\nM 0\\n")
    >>> stream_circuit_file(f.name).per_gate
    {'CX': 2, 'M': 1}
    >>> os.unlink(f.name)
    """
    path = readable_file("path", path, "a circuit file")  # a device or pipe: no end to count to
    # int() made 2.5 bytes 2 and True 1 (then "must be >= 4096, got 1"): read as a count instead.
    # The upper bound before the native reader allocates it: 2**62 bytes raised "MemoryError: std::bad_alloc".
    # The core's declared range, stated whole: 0 was told "must be >= 4096" and 2**64 "must be <= 1073741824".
    if is_integer(chunk_bytes) and not _core.MIN_CHUNK_BYTES <= chunk_bytes <= _core.MAX_CHUNK_BYTES:
        raise ValueError(f"chunk_bytes must be in {_core.CHUNK_BYTES_RANGE}, got {int(chunk_bytes)}")
    chunk_bytes = integer("chunk_bytes", chunk_bytes, error=ValueError)
    with native_progress(progress, ("counting",), "B") as report:
        return GateCounts._from_native(_core.stream_count_file(os.fspath(path), chunk_bytes, progress=report))


def workload_help(width: int = 100) -> str:
    """:data:`DIALECT` followed by the gate names the circuit parser accepts, wrapped to ``width``.

    Example:
        >>> text = workload_help()
        >>> "T_DAG" in text and "SQRT_X" in text and "REPEAT" in text
        True
    """
    import textwrap

    stim = _core.stim_gate_names()
    extension = [g for g in _KINDS if g not in set(stim)]
    lines = ["WORKLOAD FORMATS", DIALECT.rstrip(), "", "Stim gates (canonical names):"]
    lines += textwrap.wrap(", ".join(stim), width, initial_indent="  ", subsequent_indent="  ")
    lines += ["Extension gates:"]
    lines += textwrap.wrap(", ".join(extension), width, initial_indent="  ", subsequent_indent="  ")
    return "\n".join(lines)


_SUMMARY_KEYS = {
    "logical_qubits",
    "t_count",
    "rotation_count",
    "rotation_depth",
    "ccz_count",
    "ccix_count",
    "clifford_count",
    "two_qubit_count",
    "measurement_count",
    "depth",
    "interaction",
}


_QRE_KEYS = {
    "numQubits": "logical_qubits",
    "tCount": "t_count",
    "rotationCount": "rotation_count",
    "rotationDepth": "rotation_depth",
    "cczCount": "ccz_count",
    "ccixCount": "ccix_count",
    "measurementCount": "measurement_count",
}


#: A line opening a REPEAT block (group 1) or closing one, with the line's end (Workload.phase_texts).
_BLOCK_LINE = re.compile(r"^[ \t]*(?:(repeat\b[^\n#]*\{)|\})[^\n]*(?:\n|$)", re.IGNORECASE | re.MULTILINE)


_CODE_LINE = re.compile(r"^[ \t]*[^\s#]", re.MULTILINE)


def _has_code(text: str) -> bool:
    """Whether circuit text holds an instruction (a line that is not blank or a comment)."""
    return _CODE_LINE.search(text) is not None


def _exact_integers(value: float | np.floating) -> int:
    """The largest integer up to which every integer is exact in ``value``'s float type (2**53 for a Python or
    NumPy float64, 2**24 for a float32): beyond it an integral float may already be another count, rounded."""
    return 1 << (np.finfo(type(value)).nmant + 1) if isinstance(value, np.floating) else 2**53


@dataclasses.dataclass(frozen=True)
class LogicalSummary:
    """A logical workload given by its counts (the Azure estimator's "logical counts" idea).

    Args:
        logical_qubits: number of algorithm (logical) qubits, >= 1.
        t_count: T gates.
        rotation_count: arbitrary-angle single-qubit rotations (synthesized from T gates).
        rotation_depth: layers of rotations (defaults to ``rotation_count``).
        ccz_count: CCZ/Toffoli gates (4 T states each, 3 logical cycles).
        ccix_count: CCiX gates (priced like CCZ, as the Azure estimator does).
        clifford_count: Clifford gates (free in the lattice-surgery model, used for non-EC timing).
        two_qubit_count: two-qubit gates (the part of the Cliffords that may cross QPUs).
        measurement_count: single-qubit measurements.
        depth: logical depth in gate layers (non-EC timing); 0 if unknown.
        interaction: how two-qubit gates are spread over qubit pairs when the workload is split
            across QPUs: ``"uniform"`` (random pairs), ``"linear"`` (nearest neighbours on a line)
            or ``"local"`` (never across QPUs).

    Raises:
        ValueError: naming a negative or non-integer count or an unknown interaction.

    >>> s = LogicalSummary(logical_qubits=100, t_count=10**6, measurement_count=10**5)
    >>> s.t_count
    1000000
    """

    logical_qubits: int
    t_count: int = 0
    rotation_count: int = 0
    rotation_depth: int | None = None
    ccz_count: int = 0
    ccix_count: int = 0
    clifford_count: int = 0
    two_qubit_count: int = 0
    measurement_count: int = 0
    depth: int = 0
    interaction: str = "uniform"

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name == "interaction":
                if v not in ("uniform", "linear", "local"):
                    raise ValueError(f"interaction must be 'uniform', 'linear' or 'local', got {written(v)}")
                continue
            if v is None and f.name == "rotation_depth":  # None: as deep as the rotation count
                continue
            if isinstance(v, (float, np.floating)) and float(v).is_integer() and abs(v) <= _exact_integers(v):
                v = int(v)  # 1e6 is exactly 10^6, as a Python, NumPy float64 or float32 value
            # t_count=None was kept as None, and counts beyond 2^128 (the circuit counter's width)
            # overflowed the float pricing.
            if is_integer(v) and v < 0:
                raise ValueError(f"{f.name} must be a non-negative integer, got {written(v)}")
            v = _exact_count(f.name, v, minimum=1 if f.name == "logical_qubits" else 0)
            object.__setattr__(self, f.name, v)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LogicalSummary:
        """Builds a summary from a dict (e.g. a parsed TOML table); unknown keys are errors.

        >>> LogicalSummary.from_dict({"logical_qubits": 4, "t_count": 1e3}).t_count
        1000
        """
        unknown = unknown_keys(d, _SUMMARY_KEYS)
        if unknown:
            raise ValueError(f"unknown logical-summary keys {unknown}; allowed: {sorted(_SUMMARY_KEYS)}")
        if "logical_qubits" not in d:
            raise ValueError("a logical summary needs 'logical_qubits'")
        return cls(**dict(d))

    @classmethod
    def from_qre(cls, data: Mapping[str, Any] | str | os.PathLike[str]) -> LogicalSummary:
        """Reads the Azure Quantum Resource Estimator's logical counts (a dict, or a JSON file):
        keys ``numQubits``, ``tCount``, ``rotationCount``, ``rotationDepth``, ``cczCount``,
        ``ccixCount``, ``measurementCount``. Unknown keys are errors; a missing key is 0, as QRE reads it
        (``rotationDepth`` too: rotations without a depth take no layer of their own).

        >>> s = LogicalSummary.from_qre({"numQubits": 100, "tCount": 10**6, "measurementCount": 10**5})
        >>> s.logical_qubits, s.t_count, s.measurement_count
        (100, 1000000, 100000)
        """
        if not isinstance(data, Mapping):
            import json

            path = readable_file("data", data, "a logical-counts file")
            try:
                with open(path, "rb") as f:
                    raw = f.read()
                data = json.loads(raw.decode("utf-8"), object_pairs_hook=unique_keys)
            except UnicodeDecodeError:
                raise ValueError(f"{path}: not UTF-8 text") from None
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}: not valid JSON ({e})") from None
            except RepeatedKeyError as e:
                raise ValueError(f"{path}: {e}") from None
            if not isinstance(data, Mapping):
                raise ValueError(f"{path}: expected a JSON object of logical counts, got {type(data).__name__}")
        unknown = unknown_keys(data, _QRE_KEYS)
        if unknown:
            from qnsim.specs import did_you_mean

            # A key that is no text (numQubits read from a dict built in Python) was given to difflib, which
            # raised "'int' object is not iterable" (TypeError) without naming it.
            hint = did_you_mean(unknown[0], list(_QRE_KEYS)) if isinstance(unknown[0], str) else ""
            raise ValueError(
                f"unknown logical-counts key {written(unknown[0])}" + (hint or f"; allowed: {sorted(_QRE_KEYS)}")
            )
        if "numQubits" not in data:
            raise ValueError("logical counts need 'numQubits'")
        for k, v in data.items():
            # NumPy integers are counts, as in LogicalSummary itself (counts summed with NumPy were refused as "must be
            # a non-negative integer, got np.int64(5)"); floats are not, as QRE reads its JSON (2.5, 1e6).
            if not is_integer(v):
                raise ValueError(f"logical counts: {k} must be a non-negative integer, got {written(v)}")
            # Checked here under the QRE's key (numQubits), not the field it fills (logical_qubits).
            _exact_count(k, v, minimum=1 if k == "numQubits" else 0)
        fields = {_QRE_KEYS[k]: v for k, v in data.items()}
        # QRE reads a missing key as 0, rotationDepth too (rotations in no layer of their own); qnsim's own
        # summaries read a missing depth as the rotation count, which priced such counts differently.
        fields.setdefault("rotation_depth", 0)
        return cls(**fields)

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> LogicalSummary:
        """Reads a TOML file whose top level (or ``[workload]`` table) holds the summary keys.

        >>> import tempfile, os
        >>> with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        ...     _ = f.write("logical_qubits = 100\\nt_count = 1_000_000\\n")
        >>> LogicalSummary.from_toml(f.name).logical_qubits
        100
        >>> os.unlink(f.name)
        """
        path = file_path("path", path)
        from qnsim.config import TomlTable

        root = TomlTable.load(path)
        table = root.table("workload") if "workload" in root else root
        if table is not root:
            root.check_keys(["workload"])
        table.check_keys(sorted(_SUMMARY_KEYS), ["logical_qubits"])
        fields: dict[str, Any] = {}
        for key in table.keys():
            if key == "interaction":
                fields[key] = table.get(key, Literal["uniform", "linear", "local"])
            else:
                fields[key] = table.get(key, int, minimum=1 if key == "logical_qubits" else 0)
        with table.located():
            return cls(**fields)

    @property
    def effective_rotation_depth(self) -> int:
        """Rotation layers (``rotation_depth`` or, if unset, ``rotation_count``).

        >>> LogicalSummary(4, rotation_count=10).effective_rotation_depth
        10
        """
        return self.rotation_count if self.rotation_depth is None else self.rotation_depth

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the fields.

        >>> LogicalSummary(2).to_dict()["logical_qubits"]
        2
        """
        return dataclasses.asdict(self)
