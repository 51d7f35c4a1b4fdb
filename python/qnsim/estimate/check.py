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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qnsim.argument_checks import (
    flag,
    integer,
    is_scalar_array,
    ordered_sequence,
    real_number,
    texts,
    written,
)
from qnsim.estimate.estimator import (
    _as_workload,
    _normalize_links,
    check_target_fidelity,
    estimate,
    operated_buffer_pairs,
    operated_links,
    operated_purification_rounds,
)
from qnsim.estimate.links import DEFAULT_BUFFER_PAIRS, Link
from qnsim.estimate.qpu import QPU, check_qpus
from qnsim.estimate.report import EstimateReport
from qnsim.estimate.simulate import simulate_execution
from qnsim.estimate.workload import Workload
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

    def __post_init__(self) -> None:
        # Built by hand too (a check kept and read back): no seeds failed in table() with "tuple index out of range",
        # a wall clock per seed missing was never noticed, a NaN one failed in statistics ("'float' object has no
        # attribute 'numerator'") and text ones with "must be real number, not str".
        who = "EstimateCheck"
        ordered_sequence(f"{who}.seeds", self.seeds, "the seeds run, in an ordered sequence")
        seeds = tuple(_seeds(self.seeds, f"{who}.seeds"))
        n = len(seeds)

        def per_seed(name: str, values: object, read: Callable[[str, object], Any], most: bool = False) -> tuple:
            ordered_sequence(f"{who}.{name}", values, "one value per seed")
            if (len(values) > n) if most else (len(values) != n):  # type: ignore[arg-type]
                raise ValueError(f"{who}.{name} holds {len(values)} values for {n} seeds; give "  # type: ignore[arg-type]
                                 f"{'at most ' if most else ''}one per seed")  # fmt: skip
            return tuple(read(f"{who}.{name}[{i}]", v) for i, v in enumerate(values))  # type: ignore[arg-type]

        def seconds(name: str, v: object) -> float:
            return real_number(name, v, minimum=0.0, unit="s", error=ValueError)

        def count(name: str, v: object) -> int:
            return integer(name, v, minimum=0, error=ValueError)

        def fidelity_value(name: str, v: object) -> float:
            return real_number(name, v, minimum=0.0, maximum=1.0, error=ValueError)

        object.__setattr__(self, "seeds", seeds)
        object.__setattr__(self, "wall_clock_s", per_seed("wall_clock_s", self.wall_clock_s, seconds))
        object.__setattr__(self, "remote_faults", per_seed("remote_faults", self.remote_faults, count))
        for name, read, most in (("pairs", count, False), ("fidelity_at_use", fidelity_value, True)):
            given = getattr(self, name)
            if not isinstance(given, Mapping):
                raise TypeError(f"{who}.{name} must map QPU pairs (a, b) to one value per seed, got "
                                f"{written(given):.80}")  # fmt: skip
            object.__setattr__(self, name, {key: per_seed(f"{name}[{key!r}]", v, read, most)
                                            for key, v in given.items()})  # fmt: skip
        object.__setattr__(self, "notes", texts(f"{who}.notes", self.notes))

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

    Each check first estimates ``workload`` on ``qpus`` and ``links`` again at the report's placement, with these
    options and the report's runtime limit and error budget, and refuses a report whose figures that estimate does
    not reproduce: the report of another workload, of other QPUs or links, or of another ``target_fidelity``,
    ``purification`` or ``cat_entangler`` (its priced figures would stand beside the simulation of another run).

    Args:
        report: The estimate to check, of ``workload`` on ``qpus`` and ``links`` (its own object, or read back by
            :meth:`~qnsim.estimate.EstimateReport.from_json`).
        workload: The estimate's workload: circuit text, a ``stim.Circuit`` or a :class:`~qnsim.estimate.Workload`
            of a circuit.
        qpus: The estimate's QPUs (physical: the simulation runs gates, not logical cycles), as given to it.
        links: The estimate's links, as given to it (a list or a mapping, as :func:`~qnsim.estimate.estimate` takes
            them).
        seeds: How many seeds (0, 1, ...; 1 to 1000) or which seeds, in a list or tuple (each in [0, 2^64 - 1], the
            seed spec's: a ParameterError names a bad one).
        target_fidelity: The estimate's ``target_fidelity`` (None: raw pairs).
        purification: The estimate's ``purification`` scheme.
        cat_entangler: The estimate's ``cat_entangler``.
        max_ops: Refuse a workload of more operations than this (each simulated one by one).
        progress: As for :func:`~qnsim.estimate.simulate_execution`, for each seed's run.

    Returns:
        The :class:`EstimateCheck`.

    Raises:
        TypeError: ``report`` is not an :class:`~qnsim.estimate.EstimateReport`; ``seeds`` is neither a count nor
            a list or tuple; ``workload`` is no circuit.
        ValueError: An error-corrected estimate or one without a placement of its qubits (a logical summary, a
            streamed count): nothing to simulate; a bad count of seeds or one given twice; a report that is not
            the estimate of ``workload`` on ``qpus`` and ``links`` with these options (the message names the first
            figure that differs, or the QPU count, the link or the option); or what ``simulate_execution``
            refuses.
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
    # A dict is no circuit: estimate reads one as a logical summary, whose keys were then refused instead.
    w = None if isinstance(workload, Mapping) else _as_workload(workload)
    if not isinstance(w, Workload):
        raise TypeError(f"check_estimate: workload must be circuit text, a stim.Circuit or a Workload (a circuit to "
                        f"run gate by gate), got {type(workload).__name__}")  # fmt: skip
    qpu_list = check_qpus(qpus)
    if report.num_qpus != len(qpu_list):  # before the links are read: their relays are numbered from len(qpus) up
        raise ValueError(f"check_estimate: the report is an estimate on {report.num_qpus} QPUs, qpus has "
                         f"{len(qpu_list)}: give the QPUs it was estimated on")  # fmt: skip
    link_list = list(_normalize_links(links, len(qpu_list), relays=True).values())
    if target_fidelity is not None:
        target_fidelity = check_target_fidelity(target_fidelity)
    cat_entangler = flag("cat_entangler", cat_entangler)
    _same_run(report, w, qpu_list, link_list, target_fidelity, purification, cat_entangler)
    # The links the report's routes ran over, and no other: simulate_execution plans each link it is given, and
    # refused one the run never uses that cannot reach target_fidelity, where the estimate had priced the run.
    ran_over = _hops_ran_over(report)
    run_links = [lk for lk in operated_links(report, link_list) if lk.key in ran_over]
    rounds = operated_purification_rounds(report)
    buffers = operated_buffer_pairs(report)
    walls: list[float] = []
    faults: list[int] = []
    fidelities: dict[tuple[int, int], list[float]] = {lr.qpus: [] for lr in report.links}
    pairs: dict[tuple[int, int], list[int]] = {lr.qpus: [] for lr in report.links}
    notes: dict[str, None] = {}
    for seed in seed_list:
        sim = simulate_execution(w, qpu_list, run_links, report.qubit_qpus, seed=seed, cat_entangler=cat_entangler,
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


def _seeds(seeds: int | Sequence[int], who: str = "check_estimate seeds") -> list[int]:
    """``seeds`` as a list: a count n as 0..n-1 (1 to :data:`MAX_CHECK_SEEDS`), or the seeds given (none twice); the
    refusals name ``who``."""
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__") or is_scalar_array(seeds):
        n = integer(who, seeds, minimum=1, maximum=MAX_CHECK_SEEDS, error=ValueError)
        return list(range(n))
    # A set ran its seeds in hash order and a mapping its keys; a generator's are read once.
    ordered_sequence(who, seeds, "a count or seeds in an ordered sequence")
    out = [check_seed(f"seeds[{i}]", s) for i, s in enumerate(seeds)]
    if not 1 <= len(out) <= MAX_CHECK_SEEDS:
        raise ValueError(f"{who}: give 1 to {MAX_CHECK_SEEDS} seeds, got {len(out)}")
    if len(set(out)) != len(out):
        raise ValueError(f"{who}: seed {next(s for s in out if out.count(s) > 1)} is given twice")
    return out


#: The figures of a report that another workload, other QPUs or links, or other options change (the placement given):
#: its counts, its links' operating point and its times and faults. Compared by :func:`_same_run` in this order, so
#: that the first that differs names what the run does differently.
_RUN_FIGURES = (
    "num_qubits", "qubits_per_qpu", "local_gates", "remote_gates", "bell_pairs",  # the workload at the placement
    "qubit_capacity_per_qpu", "time_local_s", "local_error_expected",  # the QPUs
    "links", "raw_bell_pairs", "time_link_s", "time_latency_s", "wall_clock_s", "bound", "remote_error_expected",
    "physical_qubits_per_qpu",
)  # fmt: skip
#: A link's figures compared first (over all links): its route, then what the Link gives.
_LINK_FIRST = ("route", "rate_hz", "raw_fidelity", "latency_s", "channels")


def _same_run(
    report: EstimateReport,
    w: Workload,
    qpus: list[QPU],
    links: list[Link],
    target_fidelity: float | None,
    purification: str,
    cat_entangler: bool,
) -> None:
    """Refuses ``report`` unless it is the estimate of ``w`` on ``qpus`` and ``links`` with these options: the
    simulation runs these, so the report of another run would stand its figures beside them without a word (a
    report of 50 remote CXs priced 2.5 us beside the simulation of 500, 25 us). The QPU count, the links the
    report's routes ran over and the options it records are compared first (each refusal names its own; the QPU
    count by :func:`check_estimate`, before the links are read), then the figures of the same estimate made again
    at the report's placement (:data:`_RUN_FIGURES`)."""
    who = "check_estimate"
    given = {lk.key for lk in links}
    for hop, lr in _hops_ran_over(report).items():
        if hop not in given:
            route = " - ".join(map(str, lr.route))
            raise ValueError(f"{who}: links has no link {hop}, which the report's QPU pair {lr.qpus[0]}-{lr.qpus[1]} "
                             f"ran over (route {route}): give the links it was estimated with")  # fmt: skip
    if report.cat_entangler != cat_entangler:
        raise ValueError(f"{who}: the report was estimated with cat_entangler={report.cat_entangler}, check_estimate "
                         f"was given cat_entangler={cat_entangler}")  # fmt: skip
    for lr in report.links:
        if lr.required_fidelity != target_fidelity:
            raise ValueError(
                f"{who}: the report's link {lr.qpus[0]}-{lr.qpus[1]} was priced for target_fidelity="
                f"{lr.required_fidelity}, check_estimate was given target_fidelity={target_fidelity}"
            )
    budget = report.error_budget.total if report.error_budget is not None else 1e-3
    again = estimate(w, qpus, links, placement=report.qubit_qpus, target_fidelity=target_fidelity,
                     purification=purification, cat_entangler=cat_entangler, error_budget=budget,
                     max_runtime_s=report.runtime_limit_s, progress=False)  # fmt: skip
    ours, theirs = report.to_dict(), again.to_dict()
    for name in _RUN_FIGURES:
        if name == "links":
            # By QPU pair: the message names the link, not its place in the list.
            pairs, pairs_again = ([tuple(lk["qpus"]) for lk in d["links"]] for d in (ours, theirs))
            if pairs != pairs_again:
                difference = ("links (their QPU pairs)", pairs_again, pairs)
            else:
                # Every link's route first, then what each Link gives, then what the run makes of them: a link added
                # or changed names itself, not the load it takes off another.
                keys = [*_LINK_FIRST, *(k for k in ours["links"][0] if k not in _LINK_FIRST)] if pairs else []
                difference = next((d for key in keys for lk, lk_again in zip(ours["links"], theirs["links"])
                                   for d in [_difference(f"link {lk['qpus'][0]}-{lk['qpus'][1]} {key}", lk.get(key),
                                                         lk_again.get(key))]
                                   if d is not None), None)  # fmt: skip
        else:
            difference = _difference(name, ours[name], theirs[name])
        if difference is not None:
            where, now, then = difference
            raise ValueError(
                f"{who}: the report is not the estimate of this workload on these QPUs and links with "
                f"target_fidelity={target_fidelity}, purification={purification!r} and cat_entangler={cat_entangler}: "
                f"estimated again at its placement, its {where} is {written(now):.80}, where the report has "
                f"{written(then):.80}; give the workload, QPUs, links and options it was estimated with"
            )


def _hops_ran_over(report: EstimateReport) -> dict[tuple[int, int], Any]:
    """Each link (a, b), a < b, that the report's routes ran over, in route order, with the first link report whose
    route did (a LinkReport)."""
    hops: dict[tuple[int, int], Any] = {}
    for lr in report.links:
        for u, v in zip(lr.route, lr.route[1:]):
            hops.setdefault((min(u, v), max(u, v)), lr)
    return hops


def _difference(where: str, ours: Any, again: Any) -> tuple[str, Any, Any] | None:
    """The first place where two JSON values differ (its path, the value estimated again, the report's), or None
    where they are equal (NaN equal to NaN: a figure that was not estimated in both)."""
    if isinstance(ours, dict) and isinstance(again, dict) and ours.keys() == again.keys():
        return next((d for key in ours for d in [_difference(f"{where} {key}", ours[key], again[key])]
                     if d is not None), None)  # fmt: skip
    if isinstance(ours, list) and isinstance(again, list) and len(ours) == len(again):
        return next((d for i, (a, b) in enumerate(zip(ours, again)) for d in [_difference(f"{where}[{i}]", a, b)]
                     if d is not None), None)  # fmt: skip
    same = ours == again or (isinstance(ours, float) and isinstance(again, float) and ours != ours and again != again)
    return None if same else (where, again, ours)
