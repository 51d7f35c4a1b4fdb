"""Interface noise from a simulated link: delivered pairs, their timing, and the rounds that wait.

:func:`measure_link` runs a network scenario (:mod:`qnsim.scenario`: transducers, fiber, memory
decay while the pair waits for its herald, purification, whatever the file describes) and
reports what one of its requests delivers: the rate (a normal run) and the mean Bell-diagonal
coefficients of the delivered pairs. For the coefficients, ``probes`` runs of the whole scenario
in the exact ``density_matrix`` formalism (seeds ``seed, seed + 1, ...``) read every pair the
request delivers at its delivery, with no decay after it, as its Bell-basis diagonal
(``<B|rho|B>``, summed natively: :attr:`qnsim.RequestResult.mean_bell_diagonal`), i.e. the pair
after a Pauli twirl, which is what a teleported CNOT sees once its channel is twirled (Stim's
noise is Pauli). Early and late pairs count alike, so pairs that wait longer later in a run are
in the mean. When the normal run's formalism is not ``density_matrix`` and its mean fidelity
disagrees with the exact runs' beyond their statistical error (a twirled T1, say), the supply
carries a note and a ``RuntimeWarning`` says so.

:func:`round_timing` turns the supply into what a syndrome round of a distributed patch gets. The pairs' arrival
law is the supply's (:attr:`LinkSupply.arrivals`): a link that heralds at random (a success probability below 1) is
taken as a Poisson process, as below; one whose deliveries keep a fixed schedule of single, evenly spaced pairs (an
abstract link of one channel given a rate alone) as periodic, one pair every ``1 / R``, solved exactly
(:func:`round_timing`'s ``arrivals``: no round waits longer than its batch, so at the required rate rounds last one
cycle and the data do not idle, where a Poisson supply of 9 pairs waits 0.13 of a cycle per round). A fixed schedule
of bursts (several channels in step deliver their pairs at once) or of uneven gaps, and a random supply measured more
regular or more bunched than a Poisson process (its interarrival times' variance), fit neither closed form: their
pairs are queued at their recorded delivery times (``"trace"``: the queue below run round by round over the given
times, any trace of a link can be given as :func:`round_timing`'s ``arrival_times_s``), with a note. For a Poisson
supply:

* a round needs ``N`` pairs (:func:`qnsim.qec.seam_resources`); with pairs arriving at ``R`` per
  second the batch takes ``N / R`` on average (a Poisson supply), and ``wait_s`` is
  ``max(0, N / R - t_cycle)``, a figure of the mean batch time, not a mean wait: a Poisson batch
  takes longer than ``t_cycle`` in some rounds even when it is shorter on average, so the mean wait
  (``poisson_wait_s``) is larger, most near ``R = N / t_cycle``, where it is ``exp(-N) N^N / N!``,
  about ``1 / sqrt(2 pi N)`` of a cycle (0.13 for ``N = 9``); a round lasts ``t_cycle`` plus that
  mean wait on average (``round_time_s``);
* the data qubits idle while the round waits: memory decay (T1, T2 of the QPU, Pauli-twirled) on
  every data qubit, every round, averaged over the Poisson wait ``max(0, S - t_cycle)`` (``S`` the
  ``N``-th arrival, Gamma(N, R)) in closed form: the mean channel, not the channel of a mean time
  (``1 - exp(-t/T)`` is concave), and not 0 at the required rate;
* a round takes its ``N`` pairs when it starts, and its batch is gathered while the round before runs: the
  link fills one memory per pair at each end (``N``), and a pair that arrives while all ``N`` are full is not
  kept, so no pairs are carried from one round to the next. The k-th pair of a batch waits in memory from its
  delivery to its round's start, ``max(t_cycle, S) - A_k`` (``A_k`` its arrival): for the ``N - k`` pairs after it
  and, when the batch is complete before the cycle ends, for the rest of the cycle (a link far faster than the
  rounds holds its pairs about one cycle, not ``N / R``). ``storage_s`` is its mean; both halves decay for it,
  and the pairs at use are averaged over its distribution (numerically, over ``S``: checked against a
  round-by-round simulation of the queue). That is the default; ``buffer_pairs = B > N`` memories at each end
  carry spare pairs to later rounds: a pair is kept while fewer than ``B`` are held, and a round takes the oldest
  ``N``, starting at the later of the cycle's end and its ``N``-th pair. Rounds then wait less (the long-run mean
  round tends to ``max(t_cycle, N / R)`` as ``B`` grows) and pairs wait longer in memory (a link faster than the
  rounds keeps its buffer full, its pairs about ``B / N`` cycles old). The queue is solved exactly: the pairs
  left over at a round's start form a Markov chain over ``0 .. B - N`` (its stationary state averages the waits
  and the idle error), and a pair's storage is averaged over its arrival in the cycle, its place in the queue and
  the rounds until its own (numerically; checked against a round-by-round simulation of the queue). Up to
  :data:`MAX_BUFFER_PAIRS` for a Poisson supply (the periodic and trace laws take any buffer); a buffer below ``N``
  is refused (no round could start). The distributed-workload estimate
  (:func:`qnsim.estimate.estimate`) prices the same wait, a pair's delivery to its round's start, for a link
  with a buffer of ``buffer_pairs >= N`` filled ahead and consumers taking one pair at a time between rounds of
  other work: the larger of the buffer's wait and the gathering's ``(N - 1) / (2R)``. The two agree when the
  link is far slower than the rounds (the gathering) and, for a buffer of ``N``, far faster (about one cycle);
  between them they differ by up to about a quarter of a cycle (``N = 13``: 0.57 of a cycle here against the
  estimate's 0.49 at ``R = N / t_cycle``, 0.73 against 0.96 at twice that rate). Each pair and each round get this
  mean channel independently (Stim's noise is per gate): that one long wait hits every data qubit of a round at
  once is not modelled (circuits whose rounds each draw their own wait fail as often within sampling error: d = 3 at
  0.3x the required rate, 2,115 against 2,177 failures in 120,000 shots; d = 5 at 0.5x, 464 against 469 in 100,000);
* the rate whose mean batch time is the cycle is ``N / t_cycle``, the least that keeps up (a
  Poisson supply at it still makes rounds wait, see above; buffered pairs would not); per unit of
  seam length (one data qubit along the seam) ``N / (d t_cycle)``.

>>> t = round_timing(rate_hz=1e6, bell_diagonal=(0.99, 0.004, 0.003, 0.003), distance=5,
...                  cycle_time_s=1e-6, t1_s=300e-6, t2_s=200e-6, experiment="memory")
>>> t.pairs_per_round, round(t.required_rate_hz / 1e6, 3), round(t.wait_s * 1e6, 3)
(9, 9.0, 8.0)
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Mapping, Set
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from qnsim import _core, _numerics
from qnsim.argument_checks import (
    checked_index,
    coherence_times,
    integer,
    probability,
    real_number,
    shown,
    texts,
    written,
)
from qnsim.argument_checks import label as checked_label
from qnsim.qec.channels import bell_diagonal_after_memory, check_bell_diagonal
from qnsim.qec.circuits import seam_resources
from qnsim.qec.noise import Interface
from qnsim.results import checked_rate_measurement, measured_rate_text, no_pair_reason
from qnsim.specs import check_seed

__all__ = [
    "ARRIVALS",
    "LinkSupply",
    "RoundTiming",
    "TracePeriod",
    "interface_from_link",
    "measure_link",
    "poisson_mean_wait",
    "round_timing",
    "trace_period",
]

@dataclass(frozen=True)
class LinkSupply:
    """What one request of a simulated network delivers.

    Attributes:
        rate_hz: Delivered pairs per second of the request's active window (normal run).
        mean_fidelity: Mean delivered fidelity of that run (cross-check for ``bell_diagonal``).
        bell_diagonal: Mean Bell-diagonal coefficients (Phi+, Psi+, Psi-, Phi-) at delivery of
            every pair the request delivered in ``probes`` density-matrix runs.
        bell_diagonal_ci95: Half-widths of their 95% confidence intervals (over the runs; inf
            from one run).
        pairs: Pairs of the normal run.
        probes: Density-matrix runs behind ``bell_diagonal``.
        t1_s: Memory T1 of the source node, s.
        t2_s: Memory T2 of the source node, s.
        two_qubit_error: Two-qubit gate error of the source node (its bulk noise).
        measurement_error: Measurement error of the source node.
        source: Scenario and request.
        notes: Caveats, e.g. a normal run in another formalism whose mean fidelity disagrees
            with the exact runs' (also issued as a warning).
        seed: Seed of the normal run; the probes ran with ``seed .. seed + probes - 1`` (None: not recorded,
            e.g. a supply written by hand).
        rate_interval95: The 95% interval (low, high) of ``rate_hz`` in pairs/s, Poisson
            (:attr:`qnsim.RequestResult.rate_interval95`); None when the deliveries keep a fixed
            schedule (the rate is exact) or, built by hand, when it was not recorded.
        window_s: The request's window the rate was measured over, in s (None: not recorded).
        arrivals: How the pairs arrive (:data:`ARRIVALS`): ``"periodic"`` when the request's deliveries keep a
            fixed schedule (:attr:`qnsim.RequestResult.random_arrivals` False: an abstract link given a rate
            alone) one pair at a time, evenly spaced; ``"poisson"`` when they come at random times (also the
            default for a supply built by hand); ``"trace"`` when they keep a schedule of bursts (several channels
            in step) or uneven gaps, or come at random but measurably not as a Poisson process: the round timing
            then queues the pairs at their recorded delivery times, ``arrival_times_s``, with a note saying why.
            The round timing models the one it says (:func:`round_timing`).
        arrival_times_s: The recorded delivery times of the normal run, s (a read-only array; the first
            ``run.max_records`` deliveries), kept for ``arrivals = "trace"`` (None otherwise); given by hand, any
            trace of arrival times (:func:`round_timing`'s ``arrival_times_s``). Not compared by ``==``.

    Example:
        >>> s = LinkSupply(1e3, 0.95, (0.95, 0.02, 0.02, 0.01), (0.01,) * 4, 1000, 50, 1e-3, 1e-3,
        ...                1e-3, 1e-3, "demo")
        >>> s.bell_diagonal[0]
        0.95
    """

    rate_hz: float
    mean_fidelity: float
    bell_diagonal: tuple[float, float, float, float]
    bell_diagonal_ci95: tuple[float, float, float, float]
    pairs: int
    probes: int
    t1_s: float
    t2_s: float
    two_qubit_error: float
    measurement_error: float
    source: str
    notes: tuple[str, ...] = ()
    seed: int | None = None
    rate_interval95: tuple[float, float] | None = None
    window_s: float | None = None
    arrivals: str = "poisson"
    arrival_times_s: np.ndarray | None = field(default=None, compare=False)

    #: Its label names the scenario file as it was given: not part of a sweep's scenario id (see
    #: :func:`qnsim.sweeps.scenario_id`).
    sweep_id_excludes = ("source",)

    def __post_init__(self) -> None:
        # Built by hand too (from a saved measurement): a rate of NaN, pairs=-1, a two-qubit error of 2 or
        # probes=10**400 were kept and printed as the link's, and only the fields interface_from_link reads
        # were checked there.
        where = "LinkSupply."
        t1_s = _positive(where + "t1_s", self.t1_s, allow_inf=True)
        t2_s = _positive(where + "t2_s", self.t2_s, allow_inf=True)
        coherence_times("t1_s", t1_s, where + "t2_s", t2_s)
        half_widths = self.bell_diagonal_ci95
        if not isinstance(half_widths, (tuple, list)) or len(half_widths) != 4:
            raise ValueError(f"{where}bell_diagonal_ci95 must be four half-widths, got {shown(half_widths)}")
        rate_hz = _positive(where + "rate_hz", self.rate_hz)
        pairs = integer(where + "pairs", self.pairs, minimum=1, error=ValueError)
        probes = integer(where + "probes", self.probes, minimum=1, maximum=MAX_PROBES, error=ValueError)
        interval, window_s = checked_rate_measurement(where, rate_hz, self.rate_interval95, self.window_s, pairs)
        values = {
            "rate_hz": rate_hz,
            "rate_interval95": interval,
            "window_s": window_s,
            "mean_fidelity": probability(where + "mean_fidelity", self.mean_fidelity, error=ValueError),
            "bell_diagonal": check_bell_diagonal(self.bell_diagonal, where + "bell_diagonal"),
            "bell_diagonal_ci95": tuple(
                real_number(f"{where}bell_diagonal_ci95[{i}]", h, minimum=0.0, allow_inf=True, error=ValueError)
                for i, h in enumerate(half_widths)
            ),
            "pairs": pairs,
            "probes": probes,
            "t1_s": t1_s,
            "t2_s": t2_s,
            "two_qubit_error": probability(where + "two_qubit_error", self.two_qubit_error, error=ValueError),
            "measurement_error": probability(where + "measurement_error", self.measurement_error, error=ValueError),
            "source": checked_label(where + "source", self.source, error=ValueError),
            # Not checked before: notes=5 was kept as 5, and notes="rate low" printed letter by letter in a report.
            "notes": texts(where + "notes", self.notes, error=ValueError),
            # The probes ran with seeds seed .. seed + probes - 1, each a 64-bit seed: seed = 2**64 - 1 with 50 probes
            # was kept and printed as 'seeds 18446744073709551615 .. 18446744073709551664'.
            "seed": None if self.seed is None else read_probe_seed(self.seed, probes, where + "seed"),
            "arrivals": check_arrivals(self.arrivals, where + "arrivals"),
            "arrival_times_s": _read_only_times(self.arrival_times_s, where + "arrival_times_s"),
        }
        if values["arrivals"] == "trace" and values["arrival_times_s"] is None:
            raise ValueError(f"{where}arrivals 'trace' needs the arrival times: give {where}arrival_times_s (s)")
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def seeds_used(self) -> str:
        """The seeds the link was measured with, as a phrase for a report line.

        Example:
            >>> LinkSupply(1e3, 0.95, (0.95, 0.02, 0.02, 0.01), (0.01,) * 4, 1000, 4, 1e-3, 1e-3, 1e-3, 1e-3,
            ...            "demo", seed=7).seeds_used()
            'seed 7 (density-matrix probes: seeds 7 .. 10)'
        """
        if self.seed is None:
            return "seed not recorded"
        if self.probes == 1:
            return f"seed {self.seed} (one density-matrix probe)"
        return f"seed {self.seed} (density-matrix probes: seeds {self.seed} .. {self.seed + self.probes - 1})"
    def rate_text(self) -> str:
        """The delivered rate with its 95% interval and the pairs and window behind it (as ``qnsim run``
        prints a rate: :func:`qnsim.results.rate_text`)."""
        return measured_rate_text(self.rate_hz, self.rate_interval95, self.pairs, self.window_s)


#: Most density-matrix runs measure_link makes (probes), each a whole run of the scenario.
MAX_PROBES = 100_000

#: Most events measure_link's density-matrix probes may process together when not told otherwise (its
#: ``max_events``): at ~3-4 us per density-matrix event (examples/two_qpus_transducers.toml, 2026-12-02), about ten
#: minutes of work. The probes' work is projected from the normal run's events before any probe runs.
DEFAULT_MAX_PROBE_EVENTS = 2 * 10**8

#: Density-matrix runs measure_link makes when not told, the same for ``qnsim qec link --probes`` and an experiment
#: file's ``[link] probes``: the API made 64 where the command and the files made 16, so one link measured on the
#: same inputs gave two Bell-diagonal states.
DEFAULT_PROBES = 16


def read_probe_seed(seed: object, probes: int, name: str = "seed") -> int:
    """``seed`` as the first of the seeds ``seed .. seed + probes - 1`` of :func:`measure_link`'s probes, each a
    64-bit seed: checked by the one seed spec (:func:`qnsim.specs.check_seed`) with the narrower range
    [0, 2**64 - probes] and the reason, so that -1 and 2**64 - 1 are told one range in the words every seed's
    refusal uses (they were told "must be >= 0" and "give seed <= N").

    The second probe's seed 2**64 was refused after the scenario's run and the first probe, as "the value given to
    override the file's run.seed", a value nobody gave.

    Example:
        >>> read_probe_seed(-1, 16)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        qnsim._core.ParameterError: seed must be in [0, 2**64 - 16], got -1 (with probes=16 the probes run seeds ...)
    """
    return check_seed(name, seed, maximum=2**64 - probes, why=probe_seed_reason(probes))


def probe_seed_reason(probes: int) -> str:
    """Why a link measured by ``probes`` probes takes seeds up to 2**64 - probes only (stated in the refusals)."""
    return f"with probes={probes} the probes run seeds seed .. seed + {probes - 1}, each a 64-bit seed"


def _read_only_times(value: object, name: str) -> np.ndarray | None:
    """A trace of arrival times checked (:func:`check_arrival_times`), sorted and read-only; None for None."""
    if value is None:
        return None
    times = check_arrival_times(value, name)
    times.setflags(write=False)
    return times


def _scenario_data(scenario: str | os.PathLike | dict) -> tuple[dict, str]:
    if isinstance(scenario, dict):
        return scenario, "<scenario data>"
    from qnsim.argument_checks import file_path
    from qnsim.sweeps import TomlScenario

    scenario = file_path("scenario", scenario)
    return TomlScenario(scenario).data, Path(scenario).name


def request_index(scenario: str | os.PathLike | dict, request: int) -> int:
    """``request`` checked as the index of one of ``scenario``'s requests (a path of a scenario TOML, or its parsed
    data), as :func:`measure_link` checks it: ``qnsim qec link`` checks its ``--request`` here, before the runs,
    so that the refusal is told under the option's name.

    Raises:
        ValueError: Not an integer index of a request of the scenario (the message gives how many there are).

    Example:
        >>> request_index({"requests": [{"src": "a", "dst": "b"}]}, 1)
        Traceback (most recent call last):
        ...
        ValueError: request 1 does not exist: <scenario data> has 1 request, index 0 (indices count from 0)
    """
    data, label = _scenario_data(scenario)
    return _check_request(request, data, label)


#: The way out for a scenario without requests, whose links feed no seam.
_ADD_A_REQUEST = "add a [[requests]] table for the pairs that feed the seam"


def _check_request(request: object, data: object, label: str) -> int:
    from qnsim.config import other_file_kind

    # An experiment file given for the scenario read "request 0 does not exist (0 requests in ...)".
    other = other_file_kind(data, "scenario", label) if isinstance(data, dict) else None
    if other is not None:
        raise ValueError(other)
    requests = data.get("requests", []) if isinstance(data, dict) else []
    return checked_index("request", request, len(requests), "requests", label, _ADD_A_REQUEST)  # True is not 1


def measure_link(
    scenario: str | os.PathLike | dict,
    request: int = 0,
    *,
    probes: int = DEFAULT_PROBES,
    seed: int | None = None,
    until_s: float | None = None,
    max_events: int = DEFAULT_MAX_PROBE_EVENTS,
) -> LinkSupply:
    """Simulates a scenario and measures rate and Bell-diagonal state of one request's pairs.

    Args:
        scenario: Path of a scenario TOML, or its parsed data.
        request: Index of the request (its ends are the two QPUs).
        probes: Density-matrix runs of the whole scenario for the Bell-diagonal coefficients
            (seeds ``seed .. seed + probes - 1``; every pair the request delivers counts); default
            ``DEFAULT_PROBES`` (16), as ``qnsim qec link`` and an experiment file's ``[link]``.
        seed: Seed of the normal run and the first probe (default: the scenario's ``run.seed``, as ``qnsim run``
            uses it, or 0 if the scenario has none), so that the rate is the one ``qnsim run`` prints.
        until_s: Simulated time of the normal run (default: the scenario's ``run.until_s``).
        max_events: Most events the probes may process together (default ``DEFAULT_MAX_PROBE_EVENTS``, 2 x 10^8,
            about ten minutes). The probes' work is projected, before any of them runs, as ``probes`` times the
            events of the normal run; above this the call is refused, naming the projection and the ``probes``,
            ``until_s`` or ``max_events`` that would allow it.

    Cost: ``probes + 1`` runs of the whole scenario over ``until_s`` (the normal run, then each probe in the
    density-matrix formalism), so it grows as ``(probes + 1)`` times the pairs delivered: ~10-30 CPU-us per pair per
    run on request 1 of ``examples/two_qpus_transducers.toml`` (loaded machine, 2026-12-02: 16 probes over 0.4 s,
    1,735 pairs, 0.46 CPU-s; 4 probes over 0.1 s, 398 pairs, 0.05 CPU-s). ``probes`` is bounded (``MAX_PROBES``)
    and so is their projected work (``max_events``): 10**5 probes of that scenario's own 1 s would take hours. Ask for the probes the
    coefficients need (their spread falls as one over the square root of the pairs counted), not the most allowed.

    Returns:
        The :class:`LinkSupply`.

    Raises:
        ValueError: No such request, no pair delivered (the message says how long it ran), a bad number of probes,
            or probes whose projected events exceed ``max_events``.

    Example:
        >>> data = {"run": {"until_s": 0.05}, "nodes": [{"name": "a"}, {"name": "b"}],
        ...         "links": [{"a": "a", "b": "b", "length_km": 1.0,
        ...                    "bell_diagonal": [0.9, 0.05, 0.03, 0.02], "rate_hz": 1e4}],
        ...         "requests": [{"src": "a", "dst": "b"}]}
        >>> s = measure_link(data, probes=4)
        >>> [round(c, 6) for c in s.bell_diagonal], s.pairs > 100
        ([0.9, 0.05, 0.03, 0.02], True)
    """
    return _measure_link(scenario, request, probes=probes, seed=seed, until_s=until_s, max_events=max_events)


def _measure_link(
    scenario: str | os.PathLike | dict,
    request: int = 0,
    *,
    probes: int = DEFAULT_PROBES,
    seed: int | None = None,
    until_s: float | None = None,
    check_law=None,
    max_events: int = DEFAULT_MAX_PROBE_EVENTS,
) -> LinkSupply:
    """:func:`measure_link`, calling ``check_law(arrivals)`` with the link's arrival law once the normal run has
    told it and before the probes run (``qnsim qec link`` checks a Poisson link's buffer bound there: refused after
    the probes, minutes of density-matrix runs, the refusal would come late; before the normal run, the law is not
    known)."""
    from qnsim.scenario import scenario_from_dict

    # Each probe is a whole density-matrix run of the scenario: 10**9 of them ran for ever.
    probes = integer("probes", probes, minimum=1, maximum=MAX_PROBES, error=ValueError)
    max_events = integer("max_events", max_events, minimum=1, error=ValueError)
    if seed is not None:
        seed = read_probe_seed(seed, probes)
    data, label = _scenario_data(scenario)
    _check_request(request, data, label)
    if seed is None:
        # The scenario's own seed, as `qnsim run` takes it: seed 0 in its place measured request 1 of
        # examples/two_qpus_transducers.toml at 4322 pairs/s where `qnsim run` of the same file printed 4.34 k.
        _, file_settings = scenario_from_dict(data, source=label)
        own = 0 if file_settings.seed is None else file_settings.seed
        seed = read_probe_seed(own, probes, "the scenario's run.seed")
    network, settings = scenario_from_dict(data, source=label, seed=seed)
    horizon = settings.until_s if until_s is None else real_number("until_s", until_s, minimum=0.0, unit="s")
    normal_run = network.run(horizon, progress=False)
    result = normal_run.requests[request]
    # "simulate longer" said not how: `qnsim qec link` has no --until, the scenario's run.until_s sets it.
    longer = "simulate longer (until_s=)" if until_s is not None else "simulate longer (the scenario's run.until_s)"
    if result.num_pairs == 0:
        # "simulate longer" alone was told a request never admitted (another holds its memories all run) or dropped.
        raise ValueError(
            f"request {request} of {label} delivered no pair in {horizon} s of simulated time; "
            f"{no_pair_reason(result, longer)}"
        )
    arrivals, arrival_note = _arrival_law(result)
    if check_law is not None:
        check_law(arrivals)
    # The probes' work, projected from the normal run before any of them runs: probes were bounded but their pairs
    # were not, and 10**5 probes of a 1 s scenario ran for hours without a word.
    projected = probes * max(1, normal_run.events_processed)
    if projected > max_events:
        per_probe = max(1, normal_run.events_processed)
        seconds = projected * 3.5e-6
        duration = f"~{seconds:,.0f} s" if seconds < 120 else f"~{seconds / 60:,.0f} min"
        shorter = "a shorter until_s" if until_s is not None else "a shorter run.until_s in the scenario"
        raise ValueError(
            f"measure_link's probes would process about {projected:,} events ({probes:,} density-matrix runs x "
            f"{per_probe:,} events of the normal run over {horizon} s), more than max_events = {max_events:,} ({duration} "
            f"at ~3.5 us per event); give probes <= {max(1, max_events // per_probe):,}, {shorter}, or max_events >= "
            f"{projected:,} to run it anyway"
        )
    node = network.nodes[result.src]
    # The coefficients: every pair the request delivers in exact density-matrix runs of the whole
    # scenario (contention included), summed natively at each delivery.
    exact = dict(data, run=dict(data.get("run", {}), formalism="density_matrix"))
    sums, counts = [], []
    for k in range(probes):
        if k == 0 and network.formalism == "density_matrix":
            run = result  # the normal run is the first exact run
        else:
            net, _ = scenario_from_dict(exact, source=label, seed=seed + k)
            run = net.run(horizon, progress=False).requests[request]
        if run.num_pairs == 0:
            raise ValueError(
                f"density-matrix run {k} (seed {seed + k}) of request {request} in {label} delivered no pair in "
                f"{horizon} s; {no_pair_reason(run, longer)}"
            )
        sums.append(np.asarray(run.bell_diagonal_sum, dtype=float))
        counts.append(run.num_pairs)
    mean = np.sum(sums, axis=0) / sum(counts)
    mean = np.clip(mean, 0.0, None)
    mean = mean / mean.sum()
    per_run = np.array([s_ / n for s_, n in zip(sums, counts)])
    ci = 1.96 * per_run.std(axis=0, ddof=1) / math.sqrt(probes) if probes > 1 else np.full(4, math.inf)
    from qnsim.estimate.calibrate import supply_notes

    # Few pairs (the rate's Poisson spread), an unfinished or unentangled request: said, not hidden.
    # Lengthened by until_s= in Python, else by the scenario's run.until_s (`qnsim qec link` has no --until).
    until_name = "until_s" if until_s is not None else "run.until_s"
    notes = supply_notes(result, float(horizon), "measured", "the measuring run", until_name)
    trace = np.asarray(result.times_s, dtype=float) if arrivals == "trace" else None
    if arrival_note is not None:
        notes.append(arrival_note)
    far = network.nodes[result.dst]
    ends = {
        "T1": (node.t1_s, far.t1_s, " s"), "T2": (node.t2_s, far.t2_s, " s"),
        "two-qubit error": (node.gates.two_qubit_error, far.gates.two_qubit_error, ""),
        "measurement error": (node.gates.measurement_error, far.gates.measurement_error, ""),
    }  # fmt: skip
    differ = [f"{name} {a:g}{unit} at {result.src}, {b:g}{unit} at {result.dst}"
              for name, (a, b, unit) in ends.items() if a != b]
    if differ:
        # Both QPUs' data and both halves of the stored pairs decay with the source's memories, and the bulk noise is
        # its gates': with a better or worse far end the figures were the source's without a word.
        notes.append(
            f"the two QPUs differ ({'; '.join(differ)}): the timing (stored pairs, waiting data of both QPUs) and "
            f"the bulk noise use {result.src}'s"
        )
    if network.formalism != "density_matrix":
        # The normal run's formalism may approximate (a twirled T1): compare its mean fidelity.
        se_exact = float(per_run[:, 0].std(ddof=1)) / math.sqrt(probes) if probes > 1 else 0.0
        se_normal = float(result.fidelity_std) / math.sqrt(result.num_pairs) if result.num_pairs > 1 else 0.0
        if abs(float(mean[0]) - float(result.mean_fidelity)) > 4 * math.hypot(se_exact, se_normal) + 1e-3:
            notes.append(
                f"the exact density-matrix runs give Phi+ = {mean[0]:.4f}, but the normal {network.formalism} run's "
                f"{result.num_pairs} pairs have mean fidelity {result.mean_fidelity:.4f}: its formalism approximates "
                "this link (the rate is from it, the coefficients from the exact runs)"
            )
            import warnings

            warnings.warn(f"measure_link on {label} request {request}: {notes[-1]}", RuntimeWarning, stacklevel=3)
    return LinkSupply(
        rate_hz=float(result.rate_hz),
        mean_fidelity=float(result.mean_fidelity),
        bell_diagonal=tuple(float(c) for c in mean),
        bell_diagonal_ci95=tuple(float(c) for c in ci),
        pairs=int(result.num_pairs),
        probes=probes,
        t1_s=float(node.t1_s),
        t2_s=float(node.t2_s),
        two_qubit_error=float(node.gates.two_qubit_error),
        measurement_error=float(node.gates.measurement_error),
        source=f"{label} request {request} ({result.src} -> {result.dst})",
        notes=tuple(notes),
        seed=seed,
        rate_interval95=result.rate_interval95,
        window_s=float(result.window_s),
        arrivals=arrivals,
        arrival_times_s=trace,
    )


def _arrival_law(result) -> tuple[str, str | None]:
    """The arrival law of a request's deliveries (:data:`ARRIVALS`) and a note when it is not a closed form's.

    ``"periodic"`` only for a fixed schedule whose recorded deliveries are evenly spaced, one at a time: a link of
    several channels keeps its schedule in bursts (two channels at 1e6 pairs/s each deliver two pairs at once
    every us), which the periodic model (one pair every ``1 / R``) does not describe: such a schedule is a
    ``"trace"``, queued at its recorded times, with a note. Random deliveries are Poisson, or a ``"trace"`` when
    measurably not (:func:`_poisson_dispersion_note`). Fewer than two recorded deliveries give no trace: Poisson,
    with a note."""
    if result.random_arrivals:
        note = _poisson_dispersion_note(result)
        return ("poisson", None) if note is None else ("trace", note + _recorded(result))
    gaps = np.diff(np.sort(np.asarray(result.times_s, dtype=float)))
    if len(gaps) == 0:
        return "poisson", (
            "the deliveries keep a fixed schedule, but fewer than two were recorded (run.max_records) to check that "
            "it is one pair at a time, evenly spaced: the round timing takes them as a Poisson process, whose rounds "
            "wait more than a schedule's"
        )
    # Delivery times are whole picoseconds: evenly spaced within 2 ps (or a millionth of a gap).
    if float(gaps.max() - gaps.min()) <= max(2e-12, 1e-6 * float(gaps.mean())):
        return "periodic", None
    return "trace", (
        f"the deliveries keep a fixed schedule, but not one pair at a time evenly spaced (gaps from "
        f"{gaps.min():.3g} s to {gaps.max():.3g} s: e.g. channels delivering in step, or several hops): neither "
        "closed form (Poisson, periodic) describes it, so the round timing queues the pairs at their recorded "
        "delivery times (arrivals='trace')" + _recorded(result)
    )


def _recorded(result) -> str:
    """The end of a trace note: how many deliveries the trace holds, when not all (``run.max_records``)."""
    recorded = len(result.times_s)
    if recorded >= result.num_pairs:
        return ""
    return (f"; the trace is the first {recorded} of the {result.num_pairs} deliveries (run.max_records), the rate "
            "the whole run's")


def _poisson_dispersion_note(result) -> str | None:
    """A note when a request's random deliveries are measurably not a Poisson process (None otherwise, and for a
    fixed schedule, modelled as one): the squared coefficient of variation of the recorded interarrival times is 1
    for a Poisson process, ``1 - p`` for attempts at a fixed period heralding with probability ``p``, and above 1
    for bunched deliveries. Its standard error from ``n`` exponential gaps is about ``sqrt(8 / n)``: told when it
    is off 1 by more than four of them and by 0.2."""
    if not result.random_arrivals:
        return None
    gaps = np.diff(np.sort(np.asarray(result.times_s, dtype=float)))
    if len(gaps) < 30 or not gaps.mean() > 0:
        return None
    ratio = float(gaps.var() / gaps.mean() ** 2)
    if abs(ratio - 1.0) <= max(0.2, 4.0 * math.sqrt(8.0 / len(gaps))):
        return None
    how = "more regular" if ratio < 1.0 else "more bunched"
    effect = ("overstate the rounds' waits and the data's idle error near the required rate" if ratio < 1.0
              else "understate the rounds' waits and the data's idle error")  # fmt: skip
    return (
        f"the deliveries come {how} than a Poisson process (interarrival variance {ratio:.2f} of a Poisson "
        f"process's, from {len(gaps) + 1} recorded pairs): the round timing queues the pairs at their recorded "
        f"delivery times (arrivals='trace'), where a Poisson process's figures would {effect}"
    )


@dataclass(frozen=True)
class RoundTiming:
    """A syndrome round of a distributed patch fed by a link (see the module docstring).

    Attributes:
        pairs_per_round: Bell pairs a round consumes.
        cycle_time_s: The QPU's round time without waiting, s.
        round_time_s: The round's mean duration, s: the cycle plus ``poisson_wait_s`` (rounds per second are its
            inverse), with pairs arriving as ``arrivals`` says (a Poisson process, a fixed schedule for
            ``"periodic"``, the given arrival times for ``"trace"``).
        wait_s: The mean batch time of a round's pairs beyond the cycle, s (the mean wait of a Poisson
            supply is larger; see the module docstring).
        poisson_wait_s: The mean wait per round when the pairs arrive as a Poisson process (for ``arrivals =
            "periodic"``, the schedule's wait, ``wait_s``; for ``"trace"``, the mean wait of the queue's rounds), s:
            ``E[max(0, S - t_cycle)]`` for ``S`` the arrival time of the round's ``N``-th pair (larger than
            ``wait_s``; the data's idle error ``wait_idle`` is averaged over this wait's distribution).
        required_rate_hz: Pair rate whose mean batch time is the cycle, pairs/s (the least that keeps up;
            a Poisson supply at it still waits about 1 / sqrt(2 pi N) of a cycle per round on average).
        required_rate_per_seam_hz: The same per data qubit of seam length, pairs/s.
        storage_s: Mean time a pair waits in memory from its delivery to its round's start, s: for the
            pairs of its batch after it and, when the batch is complete before the cycle ends, for the rest of
            the cycle (about one cycle for a link far faster than the rounds; with a larger buffer, the rounds
            its spare pairs wait too).
        bell_diagonal_at_use: The pairs' coefficients after their storage, averaged over its distribution.
        wait_idle: (p_x, p_y, p_z) on every data qubit per round: the memory decay averaged over the round's
            wait (the Poisson wait's distribution; the schedule's wait for ``"periodic"``; the queue's rounds'
            waits for ``"trace"``).
        buffer_pairs: Memories holding pairs at each end: ``pairs_per_round`` (none carried over) unless a
            larger buffer was given, whose spare pairs shorten the waits and age in memory (module docstring).
        arrivals: The arrival law the figures rest on (:data:`ARRIVALS`): ``"poisson"``, ``"periodic"`` (a
            fixed schedule: no round waits longer than its batch, ``poisson_wait_s`` is then ``wait_s``) or
            ``"trace"`` (the queue run over given arrival times: ``poisson_wait_s`` is its rounds' mean wait,
            ``wait_s`` the trace's mean batch time beyond the cycle at its mean rate).
        trace_rounds: For ``arrivals = "trace"``, the rounds the trace fed from each of the rounds' phases (the
            figures are means over them; fewer than :data:`FEW_TRACE_ROUNDS` carry a note); None otherwise.
        trace_pattern: For ``arrivals = "trace"``, the arrivals per period of the schedule the trace repeats
            (:func:`trace_period`: its whole periods are queued and repeated exactly), or None for a trace with no
            period (repeated after its span plus its mean gap, one invented gap per pass); None for the other laws.
        trace_transient: For ``arrivals = "trace"``, the arrivals at the trace's start left out as a start-up before
            its schedule settled (:attr:`TracePeriod.transient`; 0 for none); None for the other laws.
        memory_t1_s: The memories' T1 the pairs decay with in storage, s (inf: none); the "T1 TWIRLED" note
            compares the storage with it.

    Example:
        >>> t = round_timing(rate_hz=2e7, bell_diagonal=(1, 0, 0, 0), distance=3,
        ...                  cycle_time_s=1e-6, t1_s=1e-3, t2_s=1e-3)
        >>> t.wait_s, round(t.round_time_s * 1e6, 6)  # a Poisson batch of 5 at 4x the rate rarely runs late
        (0.0, 1.000001)
    """

    pairs_per_round: int
    cycle_time_s: float
    round_time_s: float
    wait_s: float
    poisson_wait_s: float
    required_rate_hz: float
    required_rate_per_seam_hz: float
    storage_s: float
    bell_diagonal_at_use: tuple[float, float, float, float]
    wait_idle: tuple[float, float, float]
    buffer_pairs: int | None = None
    arrivals: str = "poisson"
    trace_rounds: int | None = None
    trace_pattern: int | None = None
    trace_transient: int | None = None
    memory_t1_s: float = math.inf

    @property
    def notes(self) -> list[str]:
        """A link too slow for the memories: pairs that are no longer entangled when used, data qubits
        that decay to fully mixed while a round waits for its pairs. The sampled rates are then those
        of a seam of noise or of no code at all, finite numbers for a patch that cannot work. Pairs at
        F <= 1/2 that are entangled near another Bell state (Psi+, say) are named as such: the seam's
        gadget uses each pair as Phi+, so they act as errors until a Pauli on one end corrects them. Pairs stored
        long enough against T1 that the Pauli twirl of its damping (the circuits' noise is Pauli) reads them low by
        gamma^2 / 4 >= :data:`TWIRL_NOTE_SHORTFALL` are named too ("T1 TWIRLED").

        Example:
            >>> t = round_timing(rate_hz=10.0, bell_diagonal=(0.99, 0.004, 0.003, 0.003), distance=3,
            ...                  cycle_time_s=1e-6, t1_s=1e-3, t2_s=1e-3)
            >>> [n.split(":")[0] for n in t.notes]
            ['NOT ENTANGLED at use', 'DATA DECOHERED while waiting', 'T1 TWIRLED']
        """
        notes = []
        fidelity = self.bell_diagonal_at_use[0]
        largest = max(self.bell_diagonal_at_use)
        if fidelity <= 0.5 and largest > 0.5:
            # Entangled near Psi+ (or Psi-, Phi-): the results call such pairs entangled in every formalism; this said
            # NOT ENTANGLED and "the link is too slow" for a 1 GHz link of 0.8 Psi+ pairs.
            k = self.bell_diagonal_at_use.index(largest)
            state, pauli = (("Psi+", "an X"), ("Psi-", "a Y"), ("Phi-", "a Z"))[k - 1]
            notes.append(
                f"NEAR {state} at use, not Phi+: the pairs reach the seam entangled (weight {largest:.3g}) at F = "
                f"{fidelity:.3g} toward Phi+; the seam's gadget uses each pair as Phi+, so they act as errors: "
                f"{pauli} on one end (a Pauli frame correction) would make them Phi+ pairs of fidelity {largest:.3g}"
            )
        elif fidelity <= 0.5:
            why = (
                f"the link is too slow for the memories ({self.required_rate_hz:.3g} pairs/s keep up with the rounds)"
                if self.wait_s > 0
                else "the pairs were delivered so or decayed in memory (the link keeps up with the rounds)"
            )
            if self.buffer_pairs is not None and self.buffer_pairs > self.pairs_per_round:
                # A full buffer ages its pairs about B / N cycles: the cause a larger buffer adds, and its remedy.
                why += (
                    f"; the buffer of {self.buffer_pairs} pairs holds spare pairs for later rounds, and a smaller one "
                    f"(down to the round's {self.pairs_per_round}) keeps them fresher"
                )
            notes.append(
                f"NOT ENTANGLED at use: pairs wait {self.storage_s:.3g} s in memory on average and reach the seam "
                f"with F = {fidelity:.3g} <= 1/2 and no Bell weight above 1/2; {why}, so the seam carries noise only"
            )
        if sum(self.wait_idle) >= FULLY_MIXED_IDLE:
            # Averaged over the Poisson waits, the decay of a link far too slow is 0.75 less a rare short wait's share
            # (1e-7 for 9 pairs at 1 kHz with T1 = 300 us): within 1% of fully mixed counts as fully mixed.
            notes.append(
                f"DATA DECOHERED while waiting: each round idles {self.poisson_wait_s:.3g} s for its pairs on average, "
                "which decays every data qubit to (within 1% of) fully mixed: no code protects it, the logical error "
                "rate is that of random outcomes"
            )
        if math.isfinite(self.memory_t1_s) and self.storage_s > 0:
            # The circuits' noise is Pauli (Stim), so each stored half's amplitude damping enters as its Pauli twirl,
            # which reads a Bell-diagonal pair's fidelity low by gamma_a gamma_b / 4 against the exact channel
            # (docs/concepts.md, the stabilizer formalism; exact for Phi+ whatever T2): 2e-3 at a tenth of T1, 0.017 at
            # 0.3 T1, with the X and Y weights high by as much. Nothing said so where the storage nears T1.
            gamma = -_numerics.expm1(-self.storage_s / self.memory_t1_s)
            shortfall = gamma * gamma / 4.0
            if shortfall >= TWIRL_NOTE_SHORTFALL:
                notes.append(
                    f"T1 TWIRLED: pairs are stored {self.storage_s / self.memory_t1_s:.2g} T1 on average, and each "
                    "half's amplitude damping enters the circuits as its Pauli twirl (their noise is Pauli), which "
                    f"reads the pairs' fidelity at use low by about gamma^2 / 4 = {shortfall:.2g} (gamma = 1 - "
                    f"exp(-t / T1) = {gamma:.3g}) against the exact channel, the seam's X and Y errors high by as "
                    "much: the figures are conservative, and exact only for storage well below T1"
                )
        if self.trace_rounds is not None and self.trace_rounds < FEW_TRACE_ROUNDS:
            # A trace's figures are sample means: a handful of rounds read as the link's steady state.
            notes.append(
                f"FEW ROUNDS: the round figures are means over the {self.trace_rounds} rounds the arrival trace feeds "
                f"(from each of {TRACE_PHASES} phases of the rounds' clock, beyond the queue's start), a sample with "
                "its own error: a longer trace (the scenario's run.until_s, or more recorded deliveries) narrows it"
            )
        return notes


    def idle_verdict(self) -> str | None:
        """How the data qubits' idle error per round from waiting compares with the surface code's thresholds
        for data errors, as a sentence (None when no round waits).

        The flip probability is the larger of ``p_x + p_y`` (flips the Z checks see) and ``p_z + p_y``. With
        minimum-weight matching the code corrects independent flips per round below about 10.3% when its checks
        are perfect and below about 2.9% when they fail as often as the data (Wang, Harrington and Preskill,
        Ann. Phys. 303, 31 (2003)); this patch's checks lie between, and its bulk and seam errors come on top.
        So above 10.3% no distance helps, between the two a larger distance is unlikely to (sample it before
        relying on it: fed by the README's transducer link, request 1 (4 probes, sampled with seed 1), a d = 3
        memory, flipped with 5.4% per round, failed 9.9% of its rounds and a d = 5 one, 9.3%, failed 47% of its
        shots, nearly as often as random outcomes; at ten times the rate, 0.6% for d = 3 and 1.5% for d = 7,
        d = 7 failed 0.61% of its rounds against d = 3's 0.92%), below 2.9% it can still help.
        The wait also grows with the distance (more pairs per round), so a larger patch idles more. None when the
        waits flip a data qubit with probability below ``NEGLIGIBLE_IDLE_FLIP`` (1e-12) per round.

        Example:
            >>> t = round_timing(rate_hz=4.3e3, bell_diagonal=(0.9, 0.04, 0.03, 0.03), distance=3,
            ...                  cycle_time_s=1e-6, t1_s=300e-6, t2_s=200e-6)
            >>> t.idle_verdict().split(":")[0], t.wait_idle[0] + t.wait_idle[1] > 0.103
            ('ABOVE THRESHOLD', True)
        """
        p_x, p_y, p_z = self.wait_idle
        flip = max(p_x + p_y, p_z + p_y)
        if flip < NEGLIGIBLE_IDLE_FLIP:
            # Some rounds of a Poisson supply wait even above the required rate: judged by the mean idle error, not
            # by wait_s (0 there); below this one round in 10^12 flips a qubit, as good as never waiting.
            return None
        told = (f"each round's wait flips every data qubit with probability {flip:.3g}, its "
                f"{'X + Y' if p_x + p_y >= p_z + p_y else 'Z + Y'} errors (those one type of check sees)")
        if flip >= PERFECT_CHECKS_THRESHOLD:
            return (
                f"ABOVE THRESHOLD: {told}, above even the surface code's threshold with perfect checks (about "
                f"{PERFECT_CHECKS_THRESHOLD:.1%} per round): no distance protects the data; the link must keep up"
            )
        if flip >= NOISY_CHECKS_THRESHOLD:
            return (
                f"LIKELY ABOVE THRESHOLD: {told}, above the surface code's threshold when its checks fail as often as "
                f"the data (about {NOISY_CHECKS_THRESHOLD:.1%} per round), below the one with perfect checks (about "
                f"{PERFECT_CHECKS_THRESHOLD:.1%}); with the bulk's and the seam's errors on top, a larger distance "
                "is unlikely to help: sample it (qnsim qec sweep) before relying on it"
            )
        return (
            f"below threshold for the wait alone: {told}, under the surface code's threshold even with checks as "
            f"noisy as the data (about {NOISY_CHECKS_THRESHOLD:.1%} per round): a larger distance can still help "
            "if the bulk and the seam allow, though it waits longer (more pairs per round) and every wait adds error"
        )


#: Flip probability per round from waiting below which RoundTiming.idle_verdict gives no verdict.
NEGLIGIBLE_IDLE_FLIP = 1e-12

#: The data's idle error per round (p_x + p_y + p_z) from which the round timing calls them fully mixed: the three
#: Pauli eigenvalues' mean at most 1% (fully mixed is 3/4).
FULLY_MIXED_IDLE = 0.75 * 0.99

#: Per-round flip probability of independent data errors the surface code corrects with minimum-weight matching
#: and perfect checks (Wang, Harrington and Preskill 2003), and with checks that fail as often as the data.
PERFECT_CHECKS_THRESHOLD = 0.103
NOISY_CHECKS_THRESHOLD = 0.029


#: A QPU's syndrome cycle is a time as qnsim holds every time: at least 1 ps (its resolution) and at most int64
#: picoseconds (about 106 days). A cycle of 1e-320 s was taken, and `qnsim qec link --cycle-time 1e-320` printed a
#: required rate of "inf pairs/s" that "the link delivers 0 of", each round "infx the QPU's cycle".
CYCLE_TIME_RANGE_S = (1e-12, (2**63 - 1) / 1e12)


def cycle_time(name: str, value: float) -> float:
    """A syndrome cycle time in s: > 0 and within :data:`CYCLE_TIME_RANGE_S` (ValueError naming ``name`` otherwise).

    Example:
        >>> cycle_time("cycle_time_s", 1e-6)
        1e-06
        >>> cycle_time("cycle_time_s", 1e-320)
        Traceback (most recent call last):
        ...
        ValueError: cycle_time_s must be >= 1e-12 s (1 ps, the resolution of qnsim's times), got 1e-320
    """
    number = real_number(name, value, minimum=0.0, exclusive_minimum=True, unit="s", error=ValueError)
    low, high = CYCLE_TIME_RANGE_S
    if number < low:
        raise ValueError(f"{name} must be >= 1e-12 s (1 ps, the resolution of qnsim's times), got {shown(value)}")
    if number > high:
        raise ValueError(f"{name} must be <= {high:.4g} s (int64 picoseconds, about 106 days), got {shown(value)}")
    return number


def _positive(name: str, value: float, allow_inf: bool = False) -> float:
    # float() read "1e-6" as a time and True as 1: the package's one reading of numbers instead.
    return real_number(name, value, minimum=0.0, exclusive_minimum=True, allow_inf=allow_inf, error=ValueError)


def _poisson_cdf(k: int, mean: float) -> float:
    """P(X <= k) for X Poisson of ``mean`` > 0, summed in logs (a mean of 10**4 underflows exp(-mean))."""
    if k < 0:
        return 0.0
    log_mean = _numerics.log(mean)
    return min(1.0, math.fsum(_numerics.exp(j * log_mean - mean - _numerics.log_factorial(j)) for j in range(k + 1)))


#: Most pairs a round may need in :func:`poisson_mean_wait` (a distance-1001 seam's rounds need a few thousand).
MAX_ROUND_PAIRS = 10**6


def poisson_mean_wait(pairs: int, rate_hz: float, cycle_time_s: float) -> float:
    """Mean wait per round beyond the cycle for ``pairs`` pairs arriving as a Poisson process of ``rate_hz``, s.

    ``E[max(0, S - c)]`` with ``S`` the ``N``-th arrival time (Gamma(N, R)): ``(N / R) P(Pois(Rc) <= N)
    - c P(Pois(Rc) <= N - 1)``; at ``R = N / c`` it is ``c exp(-N) N^N / N!``.

    Args:
        pairs: Pairs a round needs, 1 <= N <= :data:`MAX_ROUND_PAIRS`.
        rate_hz: Pairs per second, R > 0.
        cycle_time_s: The round without waiting, c > 0, s.

    Returns:
        The mean wait per round, s.

    Raises:
        ValueError: A count below 1, a rate or cycle that is not a positive finite number.

    Example:
        >>> round(poisson_mean_wait(9, 9e6, 1e-6) * 1e6, 4)
        0.1318
    """
    # Bounded: the sums below run over every count up to it, so pairs = 2**63 ran without end (10**6: about a second).
    pairs = integer("pairs", pairs, minimum=1, maximum=MAX_ROUND_PAIRS, error=ValueError)
    rate_hz, cycle_time_s = _positive("rate_hz", rate_hz), cycle_time("cycle_time_s", cycle_time_s)
    m = rate_hz * cycle_time_s
    wait = pairs / rate_hz * _poisson_cdf(pairs, m) - cycle_time_s * _poisson_cdf(pairs - 1, m)
    return max(0.0, wait)


def _poisson_terms(k: int, mean: float) -> list[float]:
    """P(X = j) for j = 0 .. k, X Poisson of ``mean`` > 0, each from its logarithm (exp(-mean) underflows)."""
    log_mean = _numerics.log(mean)
    return [_numerics.exp(j * log_mean - mean - _numerics.log_factorial(j)) for j in range(k + 1)]


def _decayed_by_wait(decay_per_s: float, pairs: int, rate_hz: float, cycle_time_s: float) -> float:
    """``E[1 - exp(-decay_per_s W)]`` over the Poisson wait ``W = max(0, S - c)``, ``S`` ~ Gamma(N, R).

    The part of ``E[exp(-l W)]`` past the cycle is ``exp(l c) (R / (R + l))^N P(Gamma(N, R + l) > c)``; with the
    wait-free part it gives ``sum_{j < N} P(Pois(R c) = j) (1 - (R / (R + l))^(N - j))``, each bracket an
    ``expm1`` (no difference of two numbers near 1).
    """
    if decay_per_s == 0.0:
        return 0.0
    step = _numerics.log1p(decay_per_s / rate_hz)
    terms = _poisson_terms(pairs - 1, rate_hz * cycle_time_s)
    return min(1.0, math.fsum(p * -_numerics.expm1(-(pairs - j) * step) for j, p in enumerate(terms)))


#: Gauss-Legendre nodes per piece of the integral over a batch's gathering time (each side of the cycle's end).
_QUADRATURE_NODES = 160


@functools.lru_cache(maxsize=1)
def _gauss_legendre() -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(_QUADRATURE_NODES)


def _lost_over_uniform(x: np.ndarray) -> np.ndarray:
    """``1 - (1 - exp(-x)) / x``, the decay ``1 - E[exp(-x U)]`` for U uniform on [0, 1], without cancellation."""
    small = x < 1e-4
    xs, xc = np.where(small, 1.0, x), np.minimum(x, 1e-4)  # each branch only where it is used (no overflow)
    return np.where(small, xc / 2 - xc * xc / 6 + xc**3 / 24, (xs + _numerics.expm1_array(-xs)) / xs)


def _decayed_until_round(decay_per_s: float, pairs: int, rate_hz: float, cycle_time_s: float) -> float:
    """``E[1 - exp(-decay_per_s T)]`` over a pair's storage ``T = max(c, S) - A_k``: the k-th of a round's N
    Poisson pairs (k uniform) waits from its arrival ``A_k`` to its round's start, ``S`` the N-th arrival, the
    cycle ``c`` before it running meanwhile (module docstring).

    Given ``S = s`` the N - 1 first arrivals are uniform on [0, s] (their mixture over k is one uniform), so
    ``T = max(0, c - s) + s (1 - U)`` for k < N and ``max(0, c - s)`` for k = N; the remaining average over
    ``S`` ~ Gamma(N, R) is a Gauss-Legendre quadrature over +-12 standard deviations, split at the cycle's end
    (the integrand's kink).
    """
    if decay_per_s == 0.0:
        return 0.0
    mean, sd = pairs / rate_hz, math.sqrt(pairs) / rate_hz
    low, high = max(0.0, mean - 12.0 * sd), mean + 12.0 * sd + 40.0 / rate_hz
    cuts = [low, *([cycle_time_s] if low < cycle_time_s < high else []), high]
    nodes, weights = _gauss_legendre()
    lost = mass = 0.0
    for a, b in zip(cuts[:-1], cuts[1:]):
        s = (b - a) / 2.0 * nodes + (a + b) / 2.0
        log_density = (
            pairs * _numerics.log(rate_hz)
            + (pairs - 1) * _numerics.log_array(s)
            - rate_hz * s
            - _numerics.log_factorial(pairs - 1)
        )
        w = _numerics.exp_array(log_density) * weights * (b - a) / 2.0
        rest_of_cycle = np.maximum(0.0, cycle_time_s - s)
        given_s = -_numerics.expm1_array(-decay_per_s * rest_of_cycle) + _numerics.exp_array(
            -decay_per_s * rest_of_cycle
        ) * ((pairs - 1) / pairs) * _lost_over_uniform(decay_per_s * s)
        lost += _core.ordered_dot(w, given_s)  # in index order: numpy.dot's sum is the CPU's BLAS kernel's
        mass += float(w.sum())
    return min(1.0, lost / mass)  # over the mass the nodes hold (1 to ~1e-14)


#: Most pairs :func:`round_timing` models in a buffer (``buffer_pairs``) beyond a round's pairs when they arrive as
#: a Poisson process: its queue is solved exactly over the buffer's levels, a cost that grows as the square of the
#: buffer per quadrature node. The periodic law (a closed form over a round's pairs) and the trace law (the queue
#: run pair by pair) take buffers up to :data:`MAX_SCHEDULED_BUFFER_PAIRS`.
MAX_BUFFER_PAIRS = 256

#: Most pairs a buffer holds at each end under any law: a 32-bit count, the native trace queue's.
MAX_SCHEDULED_BUFFER_PAIRS = 2**32 - 1


@functools.lru_cache(maxsize=4)
def _log_factorials(count: int) -> np.ndarray:
    return np.array([_numerics.log_factorial(i) for i in range(count)])


def _poisson_pmf(mean, count: int) -> np.ndarray:
    """P(X = k) for k = 0 .. count - 1 (rows), X Poisson of ``mean`` > 0 (a number, or an array: one column each),
    each from its logarithm (exp(-mean) underflows)."""
    means = np.atleast_1d(np.asarray(mean, dtype=float))
    k = np.arange(count)[:, None]
    log_pmf = k * _numerics.log_array(means)[None, :] - means[None, :] - _log_factorials(count)[:, None]
    pmf = _numerics.exp_array(log_pmf)
    return pmf[:, 0] if np.ndim(mean) == 0 else pmf


def _with_tail(pmf: np.ndarray) -> np.ndarray:
    """``pmf`` (one distribution per column) with its last row replaced by the mass from there on
    (``1 - P(X < last)``, at least 0)."""
    out = pmf.copy()
    out[-1] = np.maximum(0.0, 1.0 - pmf[:-1].sum(axis=0))
    return out


@dataclass(frozen=True)
class _BufferedQueue:
    """The pair queue with a buffer of ``B > N`` pairs (module docstring), at its round starts.

    Pairs arrive as a Poisson process of ``R``; one arriving while ``B`` are held is not kept. A round starts at the
    later of the previous start plus the cycle ``c`` and the moment ``N`` pairs are held, and takes the oldest
    ``N``. The leftover count ``j`` (0 .. B - N) at a round's start is a Markov chain: with ``K`` ~ Poisson(R c)
    arrivals in the cycle, ``j -> min(B, j + K) - N`` when ``j + K >= N``, else 0 (the round waited for its pairs).
    """

    pairs: int
    buffer: int
    rate_hz: float
    cycle_time_s: float
    transition: np.ndarray  # (B - N + 1) x (B - N + 1)
    stationary: np.ndarray

    @classmethod
    def solve(cls, pairs: int, buffer: int, rate_hz: float, cycle_time_s: float) -> _BufferedQueue:
        levels = buffer - pairs + 1
        arrivals = _poisson_pmf(rate_hz * cycle_time_s, buffer + 1)
        transition = np.zeros((levels, levels))
        for j in range(levels):
            kept = arrivals[: buffer - j]  # j + k < B: every arrival kept
            held = j + np.arange(buffer - j)
            np.add.at(transition[j], np.where(held < pairs, 0, held - pairs), kept)
            transition[j, levels - 1] += max(0.0, 1.0 - math.fsum(kept))  # the buffer filled: B - N left
        system = transition.T - np.eye(levels)
        system[-1] = 1.0
        rhs = np.zeros(levels)
        rhs[-1] = 1.0
        # Natively, in index order: numpy.linalg.solve's LAPACK runs on the CPU's BLAS kernels (last bits moved).
        stationary = np.clip(_core.ordered_solve(system, rhs), 0.0, None)
        return cls(pairs, buffer, rate_hz, cycle_time_s, transition, stationary / stationary.sum())

    def mean_over_leftover(self, per_round) -> float:
        """``E[per_round(N - j)]`` over the stationary leftover ``j`` for the rounds that still wait for pairs
        (``j < N``); rounds whose leftover covers them contribute 0."""
        return math.fsum(
            float(w) * per_round(self.pairs - j) for j, w in enumerate(self.stationary) if j < self.pairs and w > 0
        )

    def storage_laplace(self, decay_per_s: float) -> float:
        """``E[exp(-decay_per_s T)]`` over a used pair's storage ``T``, from its delivery to its round's start.

        A tagged pair (Palm: an arrival at ``u`` in the cycle sees ``a`` ~ Poisson(R u) arrivals before it and
        ``m`` ~ Poisson(R (c - u)) after it, independent) at held position ``p = j + a`` (kept when ``p < B``): at
        ``p < N`` it is used at this round's start, ``c`` or the ``N - 1 - p - m``-th arrival after it when the
        round waits (Gamma); at ``p >= N`` it is left at position ``q = p - N`` with ``min(B, j + a + 1 + m) - N``
        left, and then used ``q // N`` rounds of exactly one cycle later (the pairs ahead of it fill them), at the
        start of a round that may wait. Arrivals after the cycle, while a round waits, wait for the rest of its
        batch (Gamma). The integral over ``u`` is a composite Gauss-Legendre quadrature; averaged per kept pair
        (the kept pairs per round, N in steady state, computed with the same quadrature).
        """
        n, b, rate, cycle = self.pairs, self.buffer, self.rate_hz, self.cycle_time_s
        levels = b - n + 1
        lam = decay_per_s
        # rho = R / (R + l), the Laplace transform of one interarrival, in logs: a mean storage taken as a difference
        # of two transforms at +-l close to 0 lost 1e-5 of itself to 1 - rho's rounding.
        log_rho = -_numerics.log1p(lam / rate)
        at_cycle_end = _numerics.exp(-lam * cycle)
        # H_r(j'): from a round's start with j' left to the start of the round that uses a pair left at position q,
        # r = q // N rounds on.
        first = np.full(levels, at_cycle_end)
        in_cycle = _poisson_pmf(rate * cycle, n + 1)
        in_cycle_decayed = _poisson_pmf((rate + lam) * cycle, n + 1)
        for j in range(min(n, levels)):
            short = n - j  # pairs still needed: the round waits when fewer arrive in the cycle
            on_time = at_cycle_end * max(0.0, 1.0 - math.fsum(in_cycle[:short]))
            first[j] = on_time + _numerics.exp(short * log_rho) * math.fsum(in_cycle_decayed[:short])
        onward = [first]
        for _ in range((b - 1 - n) // n if b > n else 0):
            onward.append(at_cycle_end * _core.ordered_matmul(self.transition, onward[-1]))
        # G[p, m]: a pair at held position p with m arrivals after it in the cycle (the last column: m >= B).
        m = np.arange(b + 1)
        gain = np.empty((b, b + 1))
        for p in range(b):
            if p < n:
                gain[p] = _numerics.exp_array(np.maximum(0, n - 1 - p - m) * log_rho)
            else:
                gain[p] = onward[(p - n) // n][np.minimum(b, p + 1 + m) - n]
        # Composite Gauss-Legendre over the arrival time u in [0, c]: no pair is kept once the buffer has surely
        # filled (u past B arrivals by 12 standard deviations), panels of at most 8 arrivals or 8 decay lengths (at
        # most 400 panels, 9,600 nodes: beyond them the pairs decay for 3,200 decay lengths, i.e. fully).
        span = min(cycle, (b + 12.0 * math.sqrt(b) + 40.0) / rate)
        panels = min(400, max(1, math.ceil(span * max(rate, abs(lam)) / 8.0)))
        nodes, weights = np.polynomial.legendre.leggauss(24)
        edges = np.linspace(0.0, span, panels + 1)
        u = ((edges[1:] - edges[:-1])[:, None] / 2 * nodes + (edges[1:] + edges[:-1])[:, None] / 2).ravel()
        du = ((edges[1:] - edges[:-1])[:, None] / 2 * weights).ravel()
        before = _poisson_pmf(rate * u, b)  # a = 0 .. B - 1, one column per node
        after = _with_tail(_poisson_pmf(rate * (cycle - u), b + 1))
        # P(held position p) = sum_j pi_j P(a = p - j): the stationary leftover convolved with the arrivals before.
        lead = np.zeros((b, b))
        for j, w in enumerate(self.stationary):
            lead[np.arange(j, b), np.arange(b - j)] += w
        # The products natively, each sum in index order: numpy's `@` is the CPU's BLAS kernel's (module docstring).
        position = _core.ordered_matmul(lead, before)  # (p, node)
        decayed = _numerics.exp_array(-lam * (cycle - u))
        in_cycle_sum = float(np.sum(rate * du * decayed * np.sum(position * _core.ordered_matmul(gain, after), axis=0)))
        kept_in_cycle = float(np.sum(rate * du * np.sum(position, axis=0)))
        # Arrivals after the cycle while a round waits for its N - j - k pairs: the t-th last waits for t more.
        waiting = waiting_count = 0.0
        all_in_cycle = _poisson_pmf(rate * cycle, n + 1)
        for j, w in enumerate(self.stationary[:n]):
            for k in range(n - j):
                short = n - j - k
                weight = float(w) * float(all_in_cycle[k])
                waiting += weight * (short if lam == 0.0
                                     else _numerics.expm1(short * log_rho) / _numerics.expm1(log_rho))
                waiting_count += weight * short
        return (in_cycle_sum + waiting) / (kept_in_cycle + waiting_count)


def _twirled_decay(lost_t1: float, lost_t2: float) -> tuple[float, float, float]:
    """(p_x, p_y, p_z) of the memory's Pauli twirl from ``E[1 - exp(-t/T1)]`` and ``E[1 - exp(-t/T2)]``.

    :func:`qnsim.qec.memory_pauli_channel` is linear in ``exp(-t/T1)`` and ``exp(-t/T2)``: its mean over a
    distribution of times is the same form with those two means (never the channel of the mean time: 1 - exp is
    concave).
    """
    p_x = lost_t1 / 4.0
    return (p_x, p_x, max(0.0, lost_t2 / 2.0 - p_x))


def round_timing(
    *,
    rate_hz: float | None = None,
    bell_diagonal: tuple[float, float, float, float],
    distance: int,
    cycle_time_s: float,
    t1_s: float,
    t2_s: float,
    experiment: str = "merge",
    scheme: str = "teleported",
    code: str = "rotated",
    buffer_pairs: int | None = None,
    arrivals: str | None = None,
    arrival_times_s=None,
) -> RoundTiming:
    """Round duration, waiting, pair storage and the required rate for a link of ``rate_hz``.

    Args:
        rate_hz: Pairs per second the link delivers (all channels), > 0; not given with ``arrival_times_s`` (the
            trace's own rate is used: its pattern's pairs per period, or its arrivals less one over its span,
            :func:`trace_period`).
        bell_diagonal: The pairs at delivery (Phi+, Psi+, Psi-, Phi-).
        distance: Odd code distance >= 3.
        cycle_time_s: Syndrome round time of the QPU without waiting, s.
        t1_s: Memory T1 of data qubits and stored pairs, s (``math.inf``: none).
        t2_s: Memory T2, s (at most 2 T1; ``math.inf``: none).
        experiment: ``"memory"`` or ``"merge"`` (which seam).
        scheme: ``"teleported"`` or ``"cat"``.
        code: ``"rotated"`` or ``"unrotated"``.
        buffer_pairs: Memories holding pairs at each end, ``N`` (a round's pairs, the default: none carried
            over) or more; more than ``N`` carry spare pairs to later rounds, oldest used first (module
            docstring): up to :data:`MAX_BUFFER_PAIRS` for a Poisson supply (its queue is solved exactly over the
            buffer's levels), up to :data:`MAX_SCHEDULED_BUFFER_PAIRS` for the periodic and trace laws.
        arrivals: How the pairs arrive: ``"poisson"`` (at random times, a Poisson process of ``rate_hz``: a link
            that heralds with a small probability per attempt) or ``"periodic"`` (one pair every ``1 / rate_hz``
            s: a fixed schedule, e.g. an abstract link given a rate alone), the schedule's phase against the
            rounds' taken uniform (the two clocks are not synchronised), or ``"trace"`` (at ``arrival_times_s``);
            see :data:`ARRIVALS`. Default: ``"trace"`` when ``arrival_times_s`` is given, else ``"poisson"``.
        arrival_times_s: The pairs' arrival times, s (any origin and order; e.g. a link's recorded deliveries,
            the ``times_s`` of a :class:`qnsim.RequestResult`, or a lab link's trace): the queue is run over them,
            round by round, from :data:`TRACE_PHASES` phases of the rounds' clock evenly spaced over a cycle (the
            clocks are not synchronised), the trace taken as one period of a repeating pattern: a first pass brings the
            queue from its empty start to its steady state, the rounds of the second are counted
            (:func:`_trace_queue`); the waits' and the storage's decay are averaged over every round and pair that
            follow, so bursts, gaps and any bunching of a real link count as they come. How the trace repeats
            (:func:`trace_period`, :attr:`RoundTiming.trace_pattern`): a fixed schedule (its gaps repeating in
            whole picoseconds: single pairs, bursts, uneven gaps) after its whole periods, exactly as the schedule
            goes on (a start-up before the schedule settled left out, :attr:`RoundTiming.trace_transient`); a
            trace with no period after its span plus its mean gap, the one gap per pass the link's
            trace does not give, its weight in the figures falling as ``1 / trace_rounds``. Figures from fewer
            than :data:`FEW_TRACE_ROUNDS` rounds carry a note (:attr:`RoundTiming.notes`).

    Returns:
        The :class:`RoundTiming`.

    Raises:
        ValueError: Non-positive rate, cycle time or memory times, or T2 > 2 T1; a direct scheme (it uses no
            pairs); coefficients that are not Bell-diagonal; a buffer below a round's pairs (no round
            could start) or, for a Poisson supply, above :data:`MAX_BUFFER_PAIRS` (:func:`check_buffer_pairs`); an
            arrival law not in :data:`ARRIVALS`; a trace
            that is not finite times, that feeds no round beyond the queue's start, or given with ``rate_hz`` or
            another law (or ``"trace"`` without one).

    Example:
        >>> t = round_timing(rate_hz=4.3e3, bell_diagonal=(0.9, 0.04, 0.03, 0.03), distance=3,
        ...                  cycle_time_s=1e-6, t1_s=300e-6, t2_s=200e-6)
        >>> t.pairs_per_round, round(t.wait_s * 1e3, 3), t.wait_idle[0] > 0.2
        (5, 1.162, True)
    """
    times = None if arrival_times_s is None else check_arrival_times(arrival_times_s)
    arrivals = ("poisson" if times is None else "trace") if arrivals is None else check_arrivals(arrivals)
    if arrivals == "trace" and times is None:
        raise ValueError("arrivals='trace' needs the arrival times: give arrival_times_s (s)")
    if times is not None and arrivals != "trace":
        raise ValueError(f"arrival_times_s is a trace of the arrivals, modelled as given: arrivals must be 'trace' "
                         f"(or unset) with it, got {written(arrivals)}")  # fmt: skip
    if times is not None:
        if rate_hz is not None:
            # Two rates for one link: the trace's own and the one given, and no saying which the figures use.
            raise ValueError(f"rate_hz {shown(rate_hz)} with arrival_times_s: the trace sets the rate (its arrivals "
                             "over its span); give one or the other")  # fmt: skip
        rate = (times.size - 1) / float(times[-1] - times[0])
    else:
        rate = _positive("rate_hz", rate_hz)
    cycle = cycle_time("cycle_time_s", cycle_time_s)
    t1 = _positive("t1_s", t1_s, allow_inf=True)
    t2 = _positive("t2_s", t2_s, allow_inf=True)
    # T2 > 2 T1 gave figures: the dephasing part of the idle and storage channels, negative, was clipped to 0.
    coherence_times("t1_s", t1, "t2_s", t2)
    bell = check_bell_diagonal(bell_diagonal)
    if scheme not in ("teleported", "cat"):
        raise ValueError(f"scheme must be 'teleported' or 'cat' (a direct seam uses no pairs), got {written(scheme)}")
    n = seam_resources(distance, experiment, scheme, code).pairs_per_round
    buffer = n if buffer_pairs is None else check_buffer_pairs(buffer_pairs, n, distance, arrivals)
    batch_s = n / rate
    wait = max(0.0, batch_s - cycle)
    per_s_t1 = 0.0 if math.isinf(t1) else 1.0 / t1
    per_s_t2 = 0.0 if math.isinf(t2) else 1.0 / t2
    if arrivals == "trace":
        # Bursts (channels in step), uneven gaps and non-Poisson random deliveries were taken as a Poisson process
        # with a note: two channels in step at a d = 5 memory's required rate read rounds of 1.131 us and an idle
        # error of 4.4e-4 per round where their queue runs 1.036 us and 1.2e-4.
        return _with_t1(_trace_round_timing(times, n, buffer, cycle, distance, bell, per_s_t1, per_s_t2), t1)
    if arrivals == "periodic":
        # A fixed schedule read as a Poisson process: at the required rate (d = 5) rounds of 1.13 cycles and an idle
        # error on the data where every round starts on time and none waits.
        return _with_t1(_periodic_round_timing(n, buffer, rate, cycle, distance, bell, per_s_t1, per_s_t2), t1)
    if buffer > n:
        return _with_t1(_buffered_round_timing(n, buffer, rate, cycle, distance, bell, wait, per_s_t1, per_s_t2), t1)
    poisson_wait = poisson_mean_wait(n, rate, cycle)
    # From delivery to the round's start: (N - 1) / (2 R) for the pairs after it, plus the cycle's rest when the
    # batch is complete early, E[max(0, c - S)] = c - N / R + E[max(0, S - c)].
    storage = (n - 1) / (2.0 * rate) + max(0.0, cycle - batch_s + poisson_wait)
    # Averaged over the Poisson arrivals' distributions, not taken at their means: the channel of the mean wait (0
    # at the required rate, where rounds still wait 0.13 of a cycle on average for 9 pairs) and of the mean
    # storage is not the mean channel, 1 - exp(-t/T) being concave.
    idle = _twirled_decay(
        _decayed_by_wait(per_s_t1, n, rate, cycle), _decayed_by_wait(per_s_t2, n, rate, cycle)
    )
    # Both halves of a pair wait the same time: one half with the channel applied twice (its decay rates doubled)
    # permutes the Bell states as the two halves do, and it can be averaged over the storage time. The storage runs
    # to the round's start: it ended at the batch's last arrival, so a link 10x the required rate read its pairs
    # at use 21x less decayed than a round-by-round simulation of the queue.
    both_halves = _twirled_decay(
        _decayed_until_round(2.0 * per_s_t1, n, rate, cycle), _decayed_until_round(2.0 * per_s_t2, n, rate, cycle)
    )
    return _with_t1(_timing(n, cycle, distance, bell, mean_wait=poisson_wait, wait=wait, storage=storage,
                            both_halves=both_halves, idle=idle, buffer=n), t1)  # fmt: skip


def _with_t1(timing: RoundTiming, t1_s: float) -> RoundTiming:
    """``timing`` with the memories' T1 (s) its notes compare the storage with."""
    return replace(timing, memory_t1_s=t1_s)


def _timing(
    n: int, cycle: float, distance: int, bell: tuple, *, mean_wait: float, wait: float, storage: float,
    both_halves: tuple, idle: tuple, buffer: int, arrivals: str = "poisson", trace_rounds: int | None = None,
    trace_pattern: int | None = None, trace_transient: int | None = None,
) -> RoundTiming:
    """The :class:`RoundTiming` of rounds of ``n`` pairs every ``cycle`` s waiting ``mean_wait`` s on average for
    their pairs (s), whose pairs are stored ``storage`` s on average (their halves' decay ``both_halves``), under
    each arrival law's model."""
    return RoundTiming(
        pairs_per_round=n,
        cycle_time_s=cycle,
        # The mean round, waits included: max(cycle, N / R), the mean batch's, was 1 us at the required rate where
        # rounds last 1.13 us on average for 9 pairs (logical_error_per_s 13% high).
        round_time_s=cycle + mean_wait,
        wait_s=wait,
        poisson_wait_s=mean_wait,
        required_rate_hz=n / cycle,
        required_rate_per_seam_hz=n / cycle / distance,
        storage_s=storage,
        bell_diagonal_at_use=bell_diagonal_after_memory(bell, both_halves, (0.0, 0.0, 0.0)),
        wait_idle=idle,
        buffer_pairs=buffer,
        arrivals=arrivals,
        trace_rounds=trace_rounds,
        trace_pattern=trace_pattern,
        trace_transient=trace_transient,
    )


def check_buffer_pairs(value: object, pairs: int, distance: int, arrivals: str | None = None) -> int:
    """``value`` checked as the memories holding a seam's pairs at each end (``round_timing``'s ``buffer_pairs``):
    an integer from a round's ``pairs`` to :data:`MAX_SCHEDULED_BUFFER_PAIRS`, and, for pairs arriving as a Poisson
    process (``arrivals="poisson"``), a buffer beyond a round's pairs at most :data:`MAX_BUFFER_PAIRS` (its queue is
    solved exactly over the buffer's levels; the periodic and trace laws need no such bound). ``arrivals=None``
    (the law not known yet, e.g. before a link is measured) checks what holds under every law. ValueError naming
    ``buffer_pairs`` otherwise.

    Example:
        >>> check_buffer_pairs(400, 9, 5, "periodic")
        400
        >>> check_buffer_pairs(400, 9, 5, "poisson")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: buffer_pairs must be <= 256 for pairs arriving as a Poisson process, got 400: ...
    """
    # A buffer was stated in the docs and never a parameter: a user wanting one had the one-memory-per-pair figures.
    # The bound said only "must be <= 256", also to a d >= 129 seam (257 pairs or more a round) that no buffer fits.
    # Round 13: the bound is the Poisson queue's alone; a periodic or traced link's buffer of 400 was refused with it
    # (and `qnsim qec link` refused it before it knew the link's law).
    why = (f"a buffer beyond a round's pairs is modelled up to {MAX_BUFFER_PAIRS} pairs for a Poisson supply (its "
           "queue is solved exactly over the buffer's levels, a cost that grows as the square of the buffer; the "
           "periodic and trace laws take any)")  # fmt: skip
    rest = (f"; this d = {distance} seam takes {pairs} pairs a round, so no buffer beyond one round's can be modelled: "
            "leave buffer_pairs unset (one memory per pair)" if pairs >= MAX_BUFFER_PAIRS else "")  # fmt: skip
    buffer = integer("buffer_pairs", value, minimum=1, maximum=MAX_SCHEDULED_BUFFER_PAIRS, error=ValueError)
    poisson = arrivals is not None and check_arrivals(arrivals) == "poisson"
    if buffer < pairs and pairs > MAX_BUFFER_PAIRS and poisson:
        raise ValueError(f"buffer_pairs {buffer} is below the {pairs} pairs a round of this d = {distance} seam takes "
                         f"at once, and {why}{rest}")  # fmt: skip
    if buffer < pairs:
        raise ValueError(
            f"buffer_pairs {buffer} is below the {pairs} pairs a round of this d = {distance} seam takes at once: no "
            f"round could start; give buffer_pairs >= {pairs}"
        )
    if poisson and buffer > max(pairs, MAX_BUFFER_PAIRS):
        raise ValueError(
            f"buffer_pairs must be <= {MAX_BUFFER_PAIRS} for pairs arriving as a Poisson process, got {shown(buffer)}: "
            f"{why}{rest}"
        )
    return buffer


#: The arrival laws :func:`round_timing` models: ``"poisson"`` (random times) and ``"periodic"`` (a fixed schedule),
#: in closed form, and ``"trace"`` (given arrival times, e.g. a link's recorded deliveries: the queue run over them).
ARRIVALS = ("poisson", "periodic", "trace")


def check_arrivals(value: object, name: str = "arrivals") -> str:
    """``value`` checked as an arrival law of :data:`ARRIVALS` (ValueError naming ``name`` otherwise)."""
    if not isinstance(value, str) or value not in ARRIVALS:
        raise ValueError(f"{name} must be 'poisson', 'periodic' or 'trace', got {shown(value)}")
    return value


def _periodic_round_timing(
    n: int, buffer: int, rate: float, cycle: float, distance: int, bell: tuple, per_s_t1: float, per_s_t2: float
) -> RoundTiming:
    """:func:`round_timing` for pairs arriving one every ``tau = 1 / rate`` s (a fixed schedule), exactly.

    A link slower than the rounds (``N tau > c``) leaves nothing over: each round starts on its ``N``-th pair,
    the next ``N`` arrive ``tau .. N tau`` later, so every round lasts ``N tau`` and waits ``N tau - c`` (no spread)
    and the k-th pair is stored ``(N - k) tau``, whatever the buffer. A faster one starts every round on time (no
    wait, no idle error); after a round takes its pairs the first ``N`` arrivals refill the freed memories (a buffer
    ``B`` stays full, the rest are not kept), at ``phi + (k - 1) tau`` after the round's start with ``phi`` the
    schedule's phase, uniform on ``(0, tau]`` (unsynchronised clocks: a schedule locked to the rounds differs by at
    most ``tau / 2`` in storage), and the k-th has ``B - N + k - 1`` pairs ahead of it, so is used
    ``r_k = (B - N + k - 1) // N + 1`` round starts later: stored ``r_k c - phi - (k - 1) tau``.
    """
    tau = 1.0 / rate
    # At N tau = c exactly the phase neither drifts nor locks: it stays where the clocks began, taken uniform as for
    # a faster link (no round waits either way).
    if n * tau > cycle * (1.0 + 1e-12):
        wait = n * tau - cycle
        delays = np.arange(n) * tau  # the k-th pair's storage, (N - k) tau
        offsets, spread = delays, None
    else:
        wait = 0.0
        k = np.arange(n)
        offsets = ((buffer - n + k) // n + 1) * cycle - k * tau  # storage before the phase is taken off
        spread = tau

    def lost(decay: float) -> float:
        # E[1 - exp(-decay T)] over the pairs (and the phase, E[exp(decay phi)] = expm1(decay tau) / (decay tau)).
        if decay == 0.0:
            return 0.0
        if spread is None:
            return min(1.0, max(0.0, -float(np.mean(_numerics.expm1_array(-decay * offsets)))))
        # exp(-decay (offset - phi)) averaged over phi as exp(-decay (offset - tau)) E[exp(-decay (tau - phi))]: each
        # factor at most 1 (offset > tau), no overflow for a phase of many decay lengths.
        phase = -_numerics.expm1(-decay * spread) / (decay * spread)
        return min(1.0, max(0.0, 1.0 - float(np.mean(_numerics.exp_array(-decay * (offsets - spread)))) * phase))

    storage = float(np.mean(offsets)) - (0.0 if spread is None else spread / 2.0)
    idle = _twirled_decay(-_numerics.expm1(-per_s_t1 * wait), -_numerics.expm1(-per_s_t2 * wait))
    both_halves = _twirled_decay(lost(2.0 * per_s_t1), lost(2.0 * per_s_t2))
    return _timing(n, cycle, distance, bell, mean_wait=wait, wait=wait, storage=max(0.0, storage),
                   both_halves=both_halves, idle=idle, buffer=buffer, arrivals="periodic")  # fmt: skip


def _buffered_round_timing(
    n: int, buffer: int, rate: float, cycle: float, distance: int, bell: tuple, batch_wait: float, per_s_t1: float,
    per_s_t2: float,
) -> RoundTiming:
    """:func:`round_timing` for a buffer of ``buffer > n`` pairs: the queue's waits, idle error and storage averaged
    over its stationary state (:class:`_BufferedQueue`)."""
    queue = _BufferedQueue.solve(n, buffer, rate, cycle)
    poisson_wait = queue.mean_over_leftover(lambda short: poisson_mean_wait(short, rate, cycle))
    idle = _twirled_decay(
        queue.mean_over_leftover(lambda short: _decayed_by_wait(per_s_t1, short, rate, cycle)),
        queue.mean_over_leftover(lambda short: _decayed_by_wait(per_s_t2, short, rate, cycle)),
    )
    both_halves = _twirled_decay(
        0.0 if per_s_t1 == 0.0 else 1.0 - queue.storage_laplace(2.0 * per_s_t1),
        0.0 if per_s_t2 == 0.0 else 1.0 - queue.storage_laplace(2.0 * per_s_t2),
    )
    # The mean storage, -d/dl E[exp(-l T)] at 0, as a central difference (error ~1e-8 of it).
    step = 1e-4 / (cycle + buffer / rate)
    storage = (queue.storage_laplace(-step) - queue.storage_laplace(step)) / (2.0 * step)
    return _timing(n, cycle, distance, bell, mean_wait=poisson_wait, wait=batch_wait, storage=max(0.0, storage),
                   both_halves=both_halves, idle=idle, buffer=buffer)  # fmt: skip


#: Phases of the rounds' clock against a trace (:func:`round_timing`'s ``arrival_times_s``): the queue runs once
#: from each of these many evenly spaced starts within a cycle and the figures are averaged over them, the two
#: clocks not being synchronised (as the periodic model takes the schedule's phase uniform).
TRACE_PHASES = 8

#: Rounds of a trace (per phase, after its start) below which its figures carry a note: they are means over those
#: rounds, with a sampling error of their own.
FEW_TRACE_ROUNDS = 100

#: The "T1 TWIRLED" note's threshold: the fidelity at use the Pauli twirl of T1 takes off a stored pair (gamma^2 / 4,
#: gamma = 1 - exp(-storage / T1)), from about storage = 0.02 T1.
TWIRL_NOTE_SHORTFALL = 1e-4


def check_arrival_times(value: object, name: str = "arrival_times_s") -> np.ndarray:
    """``value`` checked as a trace of pair arrival times in s: at least two finite real numbers (any origin, in any
    order; returned sorted as a float array). ValueError naming ``name`` otherwise."""
    if isinstance(value, (str, bytes, Set, Mapping)) or not hasattr(value, "__len__"):
        # A set holds two equal times (channels in step) once, and was told only "got shape ()".
        raise ValueError(f"{name} must be a sequence of arrival times in s, got {shown(value)}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):  # ragged
        raise ValueError(f"{name} must be a flat sequence of arrival times in s, got {shown(value)}") from None
    if raw.ndim != 1 or raw.size < 2:
        raise ValueError(f"{name} must be a flat sequence of at least two arrival times in s, got shape {raw.shape}")
    # Read as numbers only where they are: ["1e-6", "2e-6"] became times and True a time of 1 s.
    if raw.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be real numbers (arrival times in s), got {raw.dtype} values such as "
                         f"{shown(raw[0])}")  # fmt: skip
    times = raw.astype(float)
    bad = np.flatnonzero(~np.isfinite(times))
    if bad.size:
        raise ValueError(f"{name} must be finite times in s, got {float(times[bad[0]])} at index {int(bad[0])}")
    times = np.sort(times)
    if not times[-1] > times[0]:
        raise ValueError(f"{name}: all {times.size} arrivals at one time ({times[0]:g} s) give no rate")
    return times


#: Candidate periods :func:`trace_period` tests (the smallest first) before it takes a trace as having none: each
#: test compares the whole trace with itself shifted (a vectorised pass), so the search costs a bounded number of
#: passes however long the trace.
TRACE_PERIOD_CANDIDATES = 64


@dataclass(frozen=True)
class TracePeriod:
    """How :func:`round_timing` repeats a trace of arrival times (:func:`trace_period`).

    Attributes:
        arrivals: The arrivals of the trace that are queued (the whole trace, or its whole periods only).
        pattern: Arrivals per period of the pattern the trace repeats (its gaps, in whole picoseconds, repeat every
            ``pattern`` arrivals through the trace: 1 for one pair at a time evenly spaced, ``m`` for bursts of
            ``m`` channels in step, more for any fixed schedule of uneven gaps); None when the trace has no such
            period (a random link's deliveries).
        repeat_s: The time from the trace's first arrival to its copy's: whole periods for a periodic trace (the
            copy continues the schedule exactly), else the trace's span plus its mean gap, s.
        rate_hz: Pairs per second of the repeated pattern (``pattern`` arrivals per period; without a period, the
            trace's arrivals less one over its span, which equals ``len(arrivals) / repeat_s``).
        transient: Arrivals left out at the trace's start: a start-up before its schedule settled (0 when the
            whole trace repeats, or has no period).
    """

    arrivals: np.ndarray
    pattern: int | None
    repeat_s: float
    rate_hz: float
    transient: int = 0


def trace_period(times: np.ndarray) -> TracePeriod:
    """The repeat of a sorted trace of arrival times (s) as :func:`round_timing` queues it: one period of a
    repeating pattern, its copy starting ``repeat_s`` after its first arrival.

    A trace whose gaps, read in whole picoseconds (qnsim's resolution), repeat every ``p`` arrivals, seen at least
    twice (``p`` at most half the gaps, the smallest such ``p`` among the first :data:`TRACE_PERIOD_CANDIDATES`
    candidates), is a fixed schedule: it is cut to its whole periods (at most ``p - 1`` arrivals of a last,
    partial one are left out) and repeated after them, so the copy continues the schedule exactly: bursts of
    channels in step and uneven schedules included. Before round 13 every trace was repeated after its span plus
    its mean gap, which continues only a schedule of single, evenly spaced pairs: two channels in step had their
    copy's first burst half a gap early, and a slow link's rounds, locked to the bursts, changed phase there.

    A trace whose schedule settles only after a start-up (a link's first deliveries off its later schedule) is
    read the same way from the arrival where its gaps start to repeat, if that is within the trace's first quarter
    and at least two periods follow: the start-up arrivals are left out (``transient``), as a repeat of them every
    pass would be a start-up the schedule does not have. (Before round 14 such a trace fell to the mean-gap repeat
    below.) A random link whose only irregular gaps all fall in its first quarter is read so too: the rest of its
    trace shows none.

    A trace with no period (a random link's deliveries) keeps the span plus its mean gap: its next gap is not
    known, so the one gap the repeat invents is a guess, one of the trace's gaps per pass; its weight in the
    figures falls as ``1 / trace_rounds`` (:attr:`RoundTiming.trace_rounds`) for a queue that forgets its state
    within a few rounds, and the figures are sample means over those rounds anyway (a longer trace narrows
    both).

    Example:
        >>> bursts = np.repeat(np.arange(10) * 1e-6, 2)  # two channels in step, a pair each every us
        >>> period = trace_period(bursts)
        >>> period.pattern, round(period.repeat_s * 1e6, 9), round(period.rate_hz / 1e6, 9)
        (2, 10.0, 2.0)

    Raises:
        ValueError: ``times`` is not a trace :func:`check_arrival_times` takes (at least two finite times in s, not
            all at one instant); given in another order, the times are sorted first.
    """
    # Read as round_timing reads its trace: a list failed with "'list' object has no attribute 'size'", two
    # equal times divided by zero, and an unsorted or NaN trace was cut and repeated as given, a wrong period
    # without a word ([4e-3, 0, 1e-3, 2e-3, 3e-3] dropped its last arrival as a start-up).
    times = check_arrival_times(times, "times")
    times_all = times
    count = times.size
    span = float(times[-1] - times[0])
    gaps = np.rint(np.diff(times) * 1e12)  # whole picoseconds, as floats (exact below 2**53 ps)
    half = gaps.size // 2
    candidates = np.flatnonzero(gaps[1 : half + 1] == gaps[0])[:TRACE_PERIOD_CANDIDATES] + 1
    pattern = next((int(p) for p in candidates if np.array_equal(gaps[p:], gaps[:-p])), None)
    start = 0
    if pattern is None and gaps.size >= 4:
        start, pattern = _settled_schedule(gaps)
        times, count = times[start:], count - start
    if pattern is not None:
        periods = count // pattern
        whole = float(times[(periods - 1) * pattern] - times[0])  # periods - 1 whole periods, first to first
        if whole > 0.0:
            # The same expressions as without a period, over whole periods: one pair at a time evenly spaced
            # (pattern 1) repeats exactly as before round 13, to the last bit.
            repeat = whole + whole / (periods - 1)
            return TracePeriod(times[: periods * pattern], pattern, repeat, (periods - 1) * pattern / whole, start)
        times, count = times_all, times_all.size
    return TracePeriod(times, None, span + span / (count - 1), (count - 1) / span)


def _settled_schedule(gaps: np.ndarray) -> tuple[int, int | None]:
    """Where a trace's gaps (whole ps) start to repeat every ``p`` arrivals through to its end, and ``p``: the
    smallest candidate ``p`` (gaps equal to the last one, :data:`TRACE_PERIOD_CANDIDATES` at most) whose repeating
    tail starts within the first quarter of the gaps and holds at least two periods; ``(0, None)`` when none does."""
    size = gaps.size
    # gaps[size - 1 - p] == gaps[-1]: the periods the last gap allows, smallest first
    for p in np.flatnonzero(gaps[size - 2 :: -1][: size // 2] == gaps[-1])[:TRACE_PERIOD_CANDIDATES] + 1:
        p = int(p)
        differ = np.flatnonzero(gaps[p:] != gaps[:-p])  # gaps[i + p] against gaps[i]
        start = int(differ[-1]) + 1 if differ.size else 0
        if start <= size // 4 and size - start >= 2 * p:
            return start, p
    return 0, None


def _trace_queue(arrivals: np.ndarray, pairs: int, buffer: int, cycle: float, first_start: float, repeat: float):
    """The pair queue over given arrival times (sorted, s), round by round: ``buffer`` memories (a pair arriving
    while all are full is not kept); round k + 1 starts at the later of round k's start plus the cycle and the
    moment ``pairs`` pairs are held, and takes the oldest ``pairs``.

    The trace is taken as one period of a repeating pattern, repeated ``repeat`` s after its first arrival
    (:func:`trace_period`), and the queue runs over it twice: the first pass brings the queue from its start to its
    steady state (a buffer filling, a slow link's rounds settling onto its schedule), the rounds that start in the
    second pass are counted, while the trace completes their batches. The first ``ceil(buffer / pairs)`` rounds run
    on the rounds' clock from ``first_start`` (each taking what is held, waiting for none: an empty start that made
    the first round wait for its batch would set the rounds' phase to the trace's, locking them for good to a
    schedule commensurate with the cycle). Returns each counted round's wait beyond the cycle and each of its pairs'
    time in memory, from its arrival to its round's start (s).

    Run natively (``cpp/qec/pair_queue.h``): the Python loop it replaced, the same arithmetic operation for
    operation, cost ~5 us a round, ~10 s for a trace of 10^6 arrivals over the 8 phases; the native queue gives the
    same figures to the last bit (tests/test_qec_audit12.py runs the two side by side)."""
    return _core.trace_queue(arrivals, pairs, buffer, cycle, first_start, repeat)


def _trace_round_timing(
    times: np.ndarray, n: int, buffer: int, cycle: float, distance: int, bell: tuple, per_s_t1: float,
    per_s_t2: float,
) -> RoundTiming:
    """:func:`round_timing` for pairs arriving at the given times: the queue run over them (:func:`_trace_queue`)
    from :data:`TRACE_PHASES` starts evenly spaced over a cycle, its waits' and storage's decay averaged over every
    round and pair (the mean channel, not the channel of the mean time)."""
    period = trace_period(times)
    times = period.arrivals
    first = float(times[0])
    runs = [_trace_queue(times, n, buffer, cycle, first - (i + 0.5) / TRACE_PHASES * cycle, period.repeat_s)
            for i in range(TRACE_PHASES)]  # fmt: skip
    waits = np.concatenate([w for w, _ in runs])
    stored = np.concatenate([s for _, s in runs])
    rounds = min(w.size for w, _ in runs)
    if rounds == 0:
        span = float(times[-1] - times[0])
        raise ValueError(
            f"arrival_times_s: the trace of {times.size} arrivals over {span:.4g} s feeds no round of {n} pairs "
            f"(buffer_pairs = {buffer}) beyond the queue's start: give a longer trace"
        )

    def lost(decay: float, durations: np.ndarray) -> float:
        return 0.0 if decay == 0.0 else min(1.0, max(0.0, -float(np.mean(_numerics.expm1_array(-decay * durations)))))

    idle = _twirled_decay(lost(per_s_t1, waits), lost(per_s_t2, waits))
    both_halves = _twirled_decay(lost(2.0 * per_s_t1, stored), lost(2.0 * per_s_t2, stored))
    mean_wait = float(np.mean(waits))
    return _timing(n, cycle, distance, bell, mean_wait=mean_wait, wait=max(0.0, n / period.rate_hz - cycle),
                   storage=float(np.mean(stored)), both_halves=both_halves, idle=idle, buffer=buffer,
                   arrivals="trace", trace_rounds=rounds, trace_pattern=period.pattern,
                   trace_transient=period.transient)  # fmt: skip


def interface_from_link(
    supply: LinkSupply,
    distance: int,
    *,
    cycle_time_s: float,
    experiment: str = "merge",
    scheme: str = "teleported",
    code: str = "rotated",
    rate_multiplier: float = 1.0,
    buffer_pairs: int | None = None,
    arrivals: str | None = None,
) -> tuple[Interface, RoundTiming]:
    """The :class:`Interface` a measured link gives a distributed patch, with its round timing.

    Args:
        supply: From :func:`measure_link`.
        distance: Odd code distance >= 3.
        cycle_time_s: Syndrome round time of the QPU without waiting, s.
        experiment: ``"memory"`` or ``"merge"``.
        scheme: ``"teleported"`` or ``"cat"``.
        code: ``"rotated"`` or ``"unrotated"``.
        rate_multiplier: Scale the measured rate (e.g. more parallel links on the seam; periodic links are then
            taken as staggered evenly, one periodic supply at the scaled rate; a trace's times are divided by it,
            the same pattern of arrivals that many times faster).
        buffer_pairs: Memories holding pairs at each end (:func:`round_timing`; None: a round's pairs).
        arrivals: The arrival law (:data:`ARRIVALS`; None: the supply's, :attr:`LinkSupply.arrivals`);
            ``"trace"`` needs the supply's ``arrival_times_s``.

    Returns:
        ``(interface, timing)``: pairs as used (after storage) and the data's waiting noise.

    Example:
        >>> s = LinkSupply(1e8, 0.98, (0.98, 0.01, 0.005, 0.005), (0.0,) * 4, 1000, 10,
        ...                1e-3, 1e-3, 1e-3, 1e-3, "demo")
        >>> itf, t = interface_from_link(s, 3, cycle_time_s=1e-6)
        >>> itf.scheme, t.wait_s
        ('teleported', 0.0)
    """
    if not isinstance(supply, LinkSupply):  # its fields are read below: "x" raised AttributeError 'rate_hz'
        raise ValueError(f"supply must be a qnsim.qec.LinkSupply (from measure_link), got {shown(supply)}")
    multiplier = _positive("rate_multiplier", rate_multiplier)
    law = supply.arrivals if arrivals is None else check_arrivals(arrivals)
    trace = None
    if law == "trace":
        if supply.arrival_times_s is None:
            raise ValueError(
                "arrivals='trace' needs the supply's arrival times, and this one kept none (its law is "
                f"{written(supply.arrivals)}): give LinkSupply.arrival_times_s, or another law"
            )
        trace = supply.arrival_times_s / multiplier
    timing = round_timing(
        rate_hz=None if trace is not None else supply.rate_hz * multiplier,
        arrival_times_s=trace,
        bell_diagonal=supply.bell_diagonal,
        distance=distance,
        cycle_time_s=cycle_time_s,
        t1_s=supply.t1_s,
        t2_s=supply.t2_s,
        experiment=experiment,
        scheme=scheme,
        code=code,
        buffer_pairs=buffer_pairs,
        arrivals=law,
    )
    if scheme == "cat":
        interface = Interface.cat(timing.bell_diagonal_at_use, wait_idle=timing.wait_idle)
    else:
        interface = Interface.teleported(timing.bell_diagonal_at_use, wait_idle=timing.wait_idle)
    return interface, timing
