"""An estimate checked by simulation: :func:`check_estimate` runs :func:`~qnsim.estimate.simulate_execution` over
several seeds at the operating point the estimate priced (its links as run, its purification rounds, its relay
routes' buffers, its placement) and sets each figure beside its price: the wall clock, the runtime limit, each link's
fidelity at use and the remote faults. Where the estimate's verdict rests on bounds it cannot settle ("runtime
undetermined": a limit between the run at its links' total loads and the QPU pairs taking turns on shared links),
the simulated runs say how often the limit is met.

The simulation runs physical QPUs gate by gate (at most ``max_ops`` operations): an error-corrected estimate, a
logical summary or a streamed count has no circuit it can run.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from qnsim.argument_checks import integer
from qnsim.estimate.estimator import (
    operated_buffer_pairs,
    operated_links,
    operated_purification_rounds,
)
from qnsim.estimate.links import DEFAULT_BUFFER_PAIRS, Link
from qnsim.estimate.qpu import QPU
from qnsim.estimate.report import EstimateReport
from qnsim.estimate.simulate import simulate_execution
from qnsim.results import _eng
from qnsim.specs import check_seed

__all__ = ["EstimateCheck", "check_estimate"]

#: The most seeds one check runs (each is a whole simulation of the workload).
MAX_CHECK_SEEDS = 1000


@dataclass(frozen=True)
class EstimateCheck:
    """An estimate's figures beside the same run simulated over several seeds (:func:`check_estimate`).

    Attributes:
        seeds: The simulations' seeds, in order.
        priced_wall_clock_s: The estimate's wall clock, seconds.
        wall_clock_s: Each simulated run's wall clock, seconds, per seed.
        runtime_limit_s: The estimate's runtime limit, seconds (None: none was given).
        runtime_undetermined: Whether the estimate's verdict left the limit undetermined (a reason that starts
            "runtime undetermined").
        priced_fidelity_at_use: Per QPU pair (a, b), the fidelity at use the estimate priced (None where it priced
            none: a link without memory times).
        fidelity_at_use: Per QPU pair, each simulated run's mean fidelity of its consumed pairs (runs that used
            none left out).
        priced_pairs: Per QPU pair, the distilled pairs the estimate prices its remote operations with (a count).
        pairs: Per QPU pair, each simulated run's pairs consumed.
        priced_remote_faults: The expected remote faults the estimate priced (a count, dimensionless).
        remote_faults: Each simulated run's sampled remote faults.
        notes: The simulations' notes, each once (a link whose pairs were used below the target, say).
    """

    seeds: tuple[int, ...]
    priced_wall_clock_s: float
    wall_clock_s: tuple[float, ...]
    runtime_limit_s: float | None
    runtime_undetermined: bool
    priced_fidelity_at_use: dict[tuple[int, int], float | None]
    fidelity_at_use: dict[tuple[int, int], tuple[float, ...]]
    priced_pairs: dict[tuple[int, int], int]
    pairs: dict[tuple[int, int], tuple[int, ...]]
    priced_remote_faults: float
    remote_faults: tuple[int, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def mean_wall_clock_s(self) -> float:
        """The simulated runs' mean wall clock, seconds."""
        return math.fsum(self.wall_clock_s) / len(self.wall_clock_s)

    @property
    def wall_clock_stderr_s(self) -> float:
        """The standard error of :attr:`mean_wall_clock_s`, seconds (NaN from one seed)."""
        return _stderr(self.wall_clock_s)

    @property
    def runs_within_limit(self) -> int | None:
        """How many simulated runs met the runtime limit (None without a limit)."""
        if self.runtime_limit_s is None:
            return None
        return sum(1 for t in self.wall_clock_s if t <= self.runtime_limit_s)

    def table(self) -> str:
        """The check as text: each figure priced and simulated (mean +- standard error, the runs' range)."""
        n = len(self.seeds)
        consecutive = list(self.seeds) == list(range(self.seeds[0], self.seeds[0] + n))
        listed = (f"{self.seeds[0]}..{self.seeds[-1]}" if consecutive
                  else ", ".join(map(str, self.seeds[:5])) + (" ..." if n > 5 else ""))  # fmt: skip
        seeds = f"seed {self.seeds[0]}" if n == 1 else f"{n} seeds {listed}"
        rows = [("wall clock", _seconds(self.priced_wall_clock_s),
                 f"{_seconds(self.mean_wall_clock_s)}{_pm(self.wall_clock_stderr_s, _seconds)} "
                 f"({_seconds(min(self.wall_clock_s))} to {_seconds(max(self.wall_clock_s))})")]  # fmt: skip
        if self.runtime_limit_s is not None:
            priced = ("undetermined" if self.runtime_undetermined
                      else "met" if self.priced_wall_clock_s <= self.runtime_limit_s else "missed")  # fmt: skip
            rows.append((f"runtime limit {_seconds(self.runtime_limit_s)}", priced,
                         f"met in {self.runs_within_limit} of {n} runs"))  # fmt: skip
        for (a, b), values in sorted(self.fidelity_at_use.items()):
            price = self.priced_fidelity_at_use.get((a, b))
            simulated = (f"{statistics.fmean(values):.5f}{_pm(_stderr(values), lambda x: f'{x:.5f}')}" if values
                         else "no pair used")  # fmt: skip
            rows.append((f"F at use, QPUs {a}-{b}", "-" if price is None else f"{price:.5f}", simulated))
        for (a, b), counts in sorted(self.pairs.items()):
            mean = statistics.fmean(counts)
            rows.append((f"pairs used, QPUs {a}-{b}", f"{self.priced_pairs.get((a, b), 0):,}",
                         f"{mean:,.0f}" if mean == int(mean) and len(set(counts)) == 1
                         else f"{mean:,.1f} ({min(counts):,} to {max(counts):,})"))  # fmt: skip
        faults = [float(f) for f in self.remote_faults]
        rows.append(("remote faults", f"{self.priced_remote_faults:.3g}",
                     f"{statistics.fmean(faults):.3g}{_pm(_stderr(faults), lambda x: f'{x:.2g}')}"))  # fmt: skip
        width = max(len(r[0]) for r in rows)
        price_width = max(len("estimate"), *(len(r[1]) for r in rows))
        lines = [f"checked by simulation (simulate_execution, {seeds}, at the estimate's operating point):",
                 f"{'':<{width}}  {'estimate':>{price_width}}  simulated"]  # fmt: skip
        lines += [f"{name:<{width}}  {price:>{price_width}}  {sim}" for name, price, sim in rows]
        if self.runtime_undetermined:
            lines.append(f"the estimate leaves the runtime limit undetermined between its bounds; the simulated runs "
                         f"met it in {self.runs_within_limit} of {n}")  # fmt: skip
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def _seconds(value: float) -> str:
    return _eng(value, "s")


def _stderr(values: Sequence[float]) -> float:
    return statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else math.nan


def _pm(err: float, show: Callable[[float], str]) -> str:
    return "" if math.isnan(err) else f" +- {show(err)}"


def check_estimate(
    report: EstimateReport,
    workload: Any,
    qpus: Sequence[QPU],
    links: Sequence[Link],
    *,
    seeds: int | Sequence[int] = 8,
    target_fidelity: float | None = None,
    purification: str = "dejmps",
    cat_entangler: bool = True,
    max_ops: int = 10**6,
    progress: bool | None = None,
) -> EstimateCheck:
    """Simulates ``report``'s run (:func:`~qnsim.estimate.simulate_execution`) over ``seeds`` and sets its figures
    beside the estimate's (see :class:`EstimateCheck`).

    The run is the one the estimate priced: ``links`` as it operates them (:func:`operated_links`: channels, buffers
    and rates it throttled), its purification rounds (:func:`operated_purification_rounds`), its relay routes' end
    buffers (:func:`operated_buffer_pairs`) and its placement (``report.qubit_qpus``).

    Args:
        report: The estimate to check, of ``workload`` on ``qpus`` and ``links``.
        workload: The estimate's workload: circuit text or a :class:`~qnsim.estimate.Workload` of a circuit.
        qpus: The estimate's QPUs (physical: the simulation runs gates, not logical cycles).
        links: The estimate's links, as given to it.
        seeds: How many seeds (0, 1, ...; 1 to 1000) or which seeds (each in [0, 2^64 - 1], the seed spec's: a
            ParameterError names a bad one).
        target_fidelity: The estimate's ``target_fidelity`` (None: raw pairs).
        purification: The estimate's ``purification`` scheme.
        cat_entangler: The estimate's ``cat_entangler``.
        max_ops: Refuse a workload of more operations than this (each simulated one by one).
        progress: As for :func:`~qnsim.estimate.simulate_execution`, for each seed's run.

    Returns:
        The :class:`EstimateCheck`.

    Raises:
        TypeError: ``report`` is not an :class:`~qnsim.estimate.EstimateReport`.
        ValueError: An error-corrected estimate or one without a placement of its qubits (a logical summary, a
            streamed count): nothing to simulate; a bad count of seeds or one given twice; or what
            ``simulate_execution`` refuses.
        qnsim.ParameterError: A seed outside the spec (a ValueError too).

    Example:
        >>> from qnsim.estimate import QPU, Link, estimate
        >>> qpus, links = [QPU(e_2q=0.0, e_meas=0.0)] * 2, [Link((0, 1), 1e4, 0.999)]
        >>> report = estimate("REPEAT 50 {\\n CX 0 1\\n}", qpus, links, max_runtime_s=0.01)
        >>> check = check_estimate(report, "REPEAT 50 {\\n CX 0 1\\n}", qpus, links, seeds=4)
        >>> check.runs_within_limit, len(check.wall_clock_s)
        (4, 4)
    """
    if not isinstance(report, EstimateReport):
        raise TypeError(f"check_estimate: report must be an EstimateReport, got {type(report).__name__}")
    if report.error_corrected is not None:
        raise ValueError("check_estimate: the estimate is error-corrected; simulate_execution runs physical QPUs gate "
                         "by gate, not logical cycles, so it has nothing to check here")
    if report.qubit_qpus is None:
        raise ValueError("check_estimate: the report has no placement of its qubits (qubit_qpus: a logical summary "
                         "or a streamed count, or a report of an older version): estimate the circuit itself")
    seed_list = _seeds(seeds)
    run_links = operated_links(report, links)
    rounds = operated_purification_rounds(report)
    buffers = operated_buffer_pairs(report)
    walls: list[float] = []
    faults: list[int] = []
    fidelities: dict[tuple[int, int], list[float]] = {lr.qpus: [] for lr in report.links}
    pairs: dict[tuple[int, int], list[int]] = {lr.qpus: [] for lr in report.links}
    notes: dict[str, None] = {}
    for seed in seed_list:
        sim = simulate_execution(workload, qpus, run_links, report.qubit_qpus, seed=seed, cat_entangler=cat_entangler,
                                 target_fidelity=target_fidelity, purification=purification,
                                 buffer_pairs=buffers if buffers else DEFAULT_BUFFER_PAIRS,
                                 purification_rounds=rounds, max_ops=max_ops, progress=progress)  # fmt: skip
        walls.append(sim.wall_clock_s)
        faults.append(sim.remote_faults)
        for key in pairs:
            pairs[key].append(int(sim.pairs_consumed.get(key, 0)))
        for key, f in sim.mean_fidelity_at_use.items():
            if sim.pairs_consumed.get(key, 0) > 0 and not math.isnan(f):
                fidelities.setdefault(key, []).append(f)
        notes.update(dict.fromkeys(sim.notes))
    return EstimateCheck(
        seeds=tuple(seed_list), priced_wall_clock_s=report.wall_clock_s, wall_clock_s=tuple(walls),
        runtime_limit_s=report.runtime_limit_s,
        runtime_undetermined=any(r.startswith("runtime undetermined") for r in report.reasons),
        priced_fidelity_at_use={lr.qpus: lr.fidelity_at_use for lr in report.links},
        fidelity_at_use={k: tuple(v) for k, v in fidelities.items()},
        priced_pairs={lr.qpus: int(lr.bell_pairs) for lr in report.links},
        pairs={k: tuple(v) for k, v in pairs.items()},
        priced_remote_faults=report.remote_error_expected, remote_faults=tuple(faults), notes=tuple(notes),
    )  # fmt: skip


def _seeds(seeds: int | Sequence[int]) -> list[int]:
    """``seeds`` as a list: a count n as 0..n-1 (1 to :data:`MAX_CHECK_SEEDS`), or the seeds given (none twice)."""
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        n = integer("check_estimate seeds", seeds, minimum=1, maximum=MAX_CHECK_SEEDS, error=ValueError)
        return list(range(n))
    out = [check_seed(f"seeds[{i}]", s) for i, s in enumerate(seeds)]
    if not 1 <= len(out) <= MAX_CHECK_SEEDS:
        raise ValueError(f"check_estimate: give 1 to {MAX_CHECK_SEEDS} seeds, got {len(out)}")
    if len(set(out)) != len(out):
        raise ValueError(f"check_estimate: seed {next(s for s in out if out.count(s) > 1)} is given twice")
    return out
