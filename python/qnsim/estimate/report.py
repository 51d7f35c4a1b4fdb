"""The estimate report: a dataclass with ``to_dict()``, ``to_json()`` and a printable table."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

__all__ = ["EstimateReport", "LinkReport"]


def _jsonable(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


@dataclasses.dataclass
class LinkReport:
    """Use of one QPU-QPU link.

    Attributes:
        qpus: (a, b) QPU indices, a < b.
        remote_gates: remote two-qubit gates (logical remote operations if error-corrected).
        bell_pairs: pairs consumed after distillation.
        raw_bell_pairs: raw link pairs needed (expected), ``bell_pairs * raw_per_pair``.
        purification_rounds: recurrence rounds per delivered pair.
        raw_per_pair: expected raw pairs per delivered pair.
        raw_fidelity, delivered_fidelity: pair fidelity before and after distillation.
        required_fidelity: the fidelity remote operations need (None: raw pairs are used).
        route: node path of the pairs: [a, b] for a direct link, [a, relay..., b] when
            entanglement is swapped at relays (raw figures are then end-to-end pairs, each
            consuming one pair on every hop; rate_hz is the slowest hop's, latency_s the sum).
        rate_hz: raw pair rate of the link; time_s: raw pairs / rate.
        utilization: time_s / wall-clock estimate.
        buffer_pairs: pairs arriving on average between two consumptions (memory that lets the
            link run without idling), at least 1; memory_qubits_per_end adds one slot per
            purification level.
        required_rate_hz: (error-corrected) raw rate at which lattice surgery never waits.

    >>> from qnsim.estimate import QPU, Link, estimate
    >>> lk = estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.9)], target_fidelity=0.95).links[0]
    >>> lk.purification_rounds, round(lk.time_s, 6) == round(lk.raw_bell_pairs / 1e3, 6)
    (2, True)
    """

    qpus: tuple[int, int]
    remote_gates: int
    bell_pairs: int
    raw_bell_pairs: float
    purification_rounds: int
    raw_per_pair: float
    raw_fidelity: float
    delivered_fidelity: float
    rate_hz: float
    latency_s: float
    time_s: float
    utilization: float = 0.0
    buffer_pairs: int = 1
    memory_qubits_per_end: int = 1
    required_rate_hz: float | None = None
    required_fidelity: float | None = None
    route: list[int] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class EstimateReport:
    """What a distributed run of a workload costs (see :func:`qnsim.estimate.estimate`).

    Times in seconds; counts are exact Python ints except expected (float) quantities.

    >>> from qnsim.estimate import QPU, Link, estimate
    >>> r = estimate("REPEAT 10 {\\n CX 0 1\\n H 0\\n}", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e6, 0.99)])
    >>> r.feasible, r.bell_pairs, r.to_dict()["links"][0]["qpus"]
    (True, 10, [0, 1])
    >>> r.to_json(indent=None)[:22]
    '{"verdict": "feasible"'
    >>> print(r.table().splitlines()[0])
    verdict                            feasible
    """

    verdict: str
    reasons: list[str]
    num_qubits: int
    num_qpus: int
    qubits_per_qpu: list[int]
    placement_method: str
    cut_weight: float
    local_gates: dict[str, list[int]]
    local_gates_total: int
    remote_gates: int
    bell_pairs: int
    raw_bell_pairs: float
    cat_entangler: bool
    cat_exact: bool
    links: list[LinkReport]
    wall_clock_s: float
    bound: str
    time_local_s: float
    time_link_s: float
    time_latency_s: float
    remote_error_expected: float
    remote_success_probability: float
    local_error_expected: float
    error_corrected: dict[str, Any] | None = None
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def feasible(self) -> bool:
        """True if the verdict is "feasible" (see the class example)."""
        return self.verdict == "feasible"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (infinities as strings); see the class example."""
        return _jsonable(dataclasses.asdict(self))

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text; see the class example."""
        return json.dumps(self.to_dict(), indent=indent)

    def table(self) -> str:
        """A human-readable table of the report; see the class example."""
        rows: list[tuple[str, str]] = [
            ("verdict", self.verdict + ("" if not self.reasons else ": " + "; ".join(self.reasons))),
            ("qubits / QPUs", f"{self.num_qubits} on {self.num_qpus} ({self.placement_method})"),
            ("qubits per QPU", ", ".join(str(x) for x in self.qubits_per_qpu)),
            ("interaction cut", f"{self.cut_weight:.6g}"),
            ("local gates", f"{self.local_gates_total:,}"),
            ("remote gates", f"{self.remote_gates:,}"),
            ("Bell pairs (distilled / raw)", f"{self.bell_pairs:,} / {self.raw_bell_pairs:.6g}"),
            ("wall clock", f"{self.wall_clock_s:.6g} s (bound: {self.bound})"),
            (
                "  local compute / links / latency",
                f"{self.time_local_s:.6g} s / {self.time_link_s:.6g} s / {self.time_latency_s:.6g} s",
            ),
            ("remote error (expected faults)", f"{self.remote_error_expected:.6g}"),
            ("P(no remote fault)", f"{self.remote_success_probability:.6g}"),
            ("local error (expected faults)", f"{self.local_error_expected:.6g}"),
        ]
        if self.error_corrected:
            ec = self.error_corrected
            rows += [
                ("code distance", str(ec.get("code_distance"))),
                ("physical qubits / logical", str(ec.get("physical_per_logical"))),
                ("logical cycle", f"{ec.get('logical_cycle_s', float('nan')):.6g} s"),
                ("logical depth (cycles)", f"{ec.get('logical_depth', 0):,}"),
                (
                    "physical qubits per QPU",
                    ", ".join(f"{x:,}" for x in ec.get("physical_qubits_per_qpu", [])),
                ),
            ]
        width = max(len(r[0]) for r in rows)
        lines = [f"{k:<{width}}  {v}" for k, v in rows]
        if self.links:
            lines.append("")
            lines.append(
                f"{'link':<7} {'remote':>14} {'pairs':>14} {'raw pairs':>12} {'rounds':>6} "
                f"{'F raw->out':>15} {'time s':>11} {'util':>6} {'buffer':>7}"
            )
            for lk in self.links:
                lines.append(
                    f"{lk.qpus[0]}-{lk.qpus[1]:<5} {lk.remote_gates:>14,} {lk.bell_pairs:>14,} {lk.raw_bell_pairs:>12.4g} "
                    f"{lk.purification_rounds:>6} {lk.raw_fidelity:>7.4f}->{lk.delivered_fidelity:<7.5f} "
                    f"{lk.time_s:>11.4g} {lk.utilization:>6.2%} {lk.buffer_pairs:>7}"
                    + (f"  via {'-'.join(str(x) for x in lk.route[1:-1])}" if len(lk.route) > 2 else "")
                )
        for n in self.notes:
            lines.append(f"note: {n}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()
