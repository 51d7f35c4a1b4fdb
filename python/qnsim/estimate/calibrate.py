"""Bell-pair supply of a QPU pair measured by simulating its network, for the estimator.

The estimator prices remote operations with a rate and a fidelity per QPU pair. Rather than
taking them on faith, :func:`calibrate_link` runs a short event-driven simulation of the
physical link (fibers, transducers, memories, repeaters, purification: whatever the scenario
describes) and reports what it delivered, with its statistical uncertainty.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qnsim._options import option_name, options_as
from qnsim.argument_checks import (
    checked_index,
    coherence_times,
    fidelity,
    integer,
    label,
    rate,
    real_number,
    texts,
    written,
)
from qnsim.results import FEW_PAIRS_FOR_RATE, WINDOW_ROUNDING, checked_rate_measurement, measured_rate_text
from qnsim.specs import check_seed

__all__ = ["MIN_CALIBRATION_PAIRS", "CalibratedLink", "calibrate_link"]

#: Below this many delivered pairs a calibration says how uncertain its figures are (the rate's
#: 95% Poisson interval is wider than about +-20% of it): the estimate rests on them unchanged. The
#: same count as a run's own few-pairs rate note (``qnsim.results.FEW_PAIRS_FOR_RATE``).
MIN_CALIBRATION_PAIRS = FEW_PAIRS_FOR_RATE


@dataclass(frozen=True)
class CalibratedLink:
    """What a simulated link delivered.

    Attributes:
        rate_hz: Delivered end-to-end pairs per second of simulated time.
        fidelity: Mean delivered fidelity to |Phi+> over every delivered pair.
        fidelity_ci95: Half-width of the 95% (Student t) confidence interval of ``fidelity``
            (inf from a single pair).
        latency_s: One-way classical latency between the request's ends, in s.
        pairs: Number of pairs the estimate rests on.
        simulated_s: Simulated time, in s.
        source: Where the figures come from (scenario and request).
        memory_t1_s: T1 of the pair memories, in s: the shorter of the request's two end
            nodes', with their extra depolarizing memory noise folded in (inf: none).
        memory_t2_s: T2 likewise, in s. In the network's ``bell_diagonal`` model a depolarizing
            time T adds 1/T to both decay rates, so 1/T1' = 1/T1 + 1/T and 1/T2' = 1/T2 + 1/T
            describe the same decay.
        rate_interval95: The 95% interval (low, high) of ``rate_hz`` in pairs/s, Poisson
            (:attr:`qnsim.RequestResult.rate_interval95`); None when the deliveries keep a fixed
            schedule (the rate is exact) or, for a link built by hand, when it was not recorded.
        window_s: The request's window the rate was measured over, in s (None: not recorded).
        notes: Why the figures may be less than they seem: few pairs (fewer than
            :data:`MIN_CALIBRATION_PAIRS`: the rate's and fidelity's uncertainty), and the
            calibration run's own notes on the request (unfinished, not entangled, stabilizer
            trajectories that all came out alike, ...). :func:`qnsim.estimate.link_from_model`
            and ``scenario =`` links carry them into the estimate's report.

    Example:
        >>> CalibratedLink(1e3, 0.97, 0.001, 5e-5, 1000, 1.0, "demo").rate_hz
        1000.0
    """

    rate_hz: float
    fidelity: float
    fidelity_ci95: float
    latency_s: float
    pairs: int
    simulated_s: float
    source: str
    memory_t1_s: float = math.inf
    memory_t2_s: float = math.inf
    notes: tuple[str, ...] = ()
    rate_interval95: tuple[float, float] | None = None
    window_s: float | None = None

    def __post_init__(self) -> None:
        # Built by hand too (figures saved from an earlier calibration): a NaN rate, a fidelity of 1.5, pairs=-1 or
        # T2 > 2 T1 were kept, printed, and handed to link_from_model, which refused some of them as a Link's with
        # a message naming no CalibratedLink, and took the rest (a NaN latency) as they stood.
        where = "CalibratedLink."
        number = functools.partial(real_number, error=ValueError)
        t1_s = number(
            where + "memory_t1_s", self.memory_t1_s, minimum=0.0, exclusive_minimum=True, allow_inf=True, unit="s"
        )
        t2_s = number(
            where + "memory_t2_s", self.memory_t2_s, minimum=0.0, exclusive_minimum=True, allow_inf=True, unit="s"
        )
        coherence_times("memory_t1_s", t1_s, where + "memory_t2_s", t2_s)
        notes = texts(where + "notes", self.notes, error=ValueError)
        rate_hz = rate(where + "rate_hz", self.rate_hz, error=ValueError)
        pairs = integer(where + "pairs", self.pairs, minimum=1, error=ValueError)
        simulated_s = number(where + "simulated_s", self.simulated_s, minimum=0.0, exclusive_minimum=True, unit="s")
        interval, window_s = checked_rate_measurement(where, rate_hz, self.rate_interval95, self.window_s, pairs)
        if window_s is not None and window_s > simulated_s * (1 + WINDOW_ROUNDING):
            # A request's window lies within its run (to rounding): 5 s from a 1 s run was printed as it stood.
            raise ValueError(
                f"{where}window_s = {window_s:g} s is longer than the run it was measured in, simulated_s = "
                f"{simulated_s:g} s"
            )
        values = {
            "rate_hz": rate_hz,
            "rate_interval95": interval,
            "window_s": window_s,
            # A mean delivered fidelity may be below a Link's 0.25 (pairs that are not entangled): link_from_model
            # refuses those as a Link's fidelity.
            "fidelity": fidelity(where + "fidelity", self.fidelity, error=ValueError),
            # inf: from a single pair.
            "fidelity_ci95": number(where + "fidelity_ci95", self.fidelity_ci95, minimum=0.0, allow_inf=True),
            "latency_s": number(where + "latency_s", self.latency_s, minimum=0.0, unit="s"),
            "pairs": pairs,
            "simulated_s": simulated_s,
            "source": label(where + "source", self.source, error=ValueError),
            "memory_t1_s": t1_s,
            "memory_t2_s": t2_s,
            "notes": notes,
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def rate_text(self) -> str:
        """The calibrated rate with its 95% interval and the pairs and window behind it (as ``qnsim run``
        prints a rate: :func:`qnsim.results.rate_text`).

        Example:
            >>> CalibratedLink(1e3, 0.97, 0.001, 5e-5, 1000, 1.0, "demo", rate_interval95=(939.2, 1063.6),
            ...                window_s=1.0).rate_text()
            '1000 pairs/s [95%: 939.2, 1064] (1000 pairs in 1 s)'
        """
        return measured_rate_text(self.rate_hz, self.rate_interval95, self.pairs, self.window_s)

    def report_notes(self) -> tuple[str, ...]:
        """The notes an estimate's link built from this calibration carries: where its rate comes from, with its
        95% interval and window (a bare 4285 pairs/s beside ``qnsim run``'s 4344 for the same link read as a
        disagreement), then :attr:`notes`.

        Example:
            >>> CalibratedLink(1e3, 0.97, 0.001, 5e-5, 1000, 1.0, "demo", rate_interval95=(939.2, 1063.6),
            ...                window_s=1.0).report_notes()
            ('rate calibrated by simulating demo: 1000 pairs/s [95%: 939.2, 1064] (1000 pairs in 1 s)',)
        """
        return (f"rate calibrated by simulating {self.source}: {self.rate_text()}", *self.notes)


def supply_notes(r: Any, until_s: float, verb: str, run: str, until_name: str = "until_s") -> list[str]:
    """Notes on a pair supply measured from request result ``r`` of a run of ``until_s`` s: its
    uncertainty below :data:`MIN_CALIBRATION_PAIRS` pairs, and the request's own notes.

    Args:
        r: The request's :class:`qnsim.RequestResult` (with pairs).
        until_s: The run's simulated time, in s.
        verb: How the figures were obtained ("calibrated", "measured").
        run: What to call the run in the request's notes ("calibration run").
        until_name: How the reader lengthens that run: ``until_s`` (``calibrate_link``'s keyword and the links
            file's key), or ``run.until_s`` (the scenario's, where the command has no option for it); the notes
            name it so, the request's own included (:func:`qnsim.options_as`).

    Example:
        >>> import numpy as np
        >>> from qnsim.results import RequestResult
        >>> r = RequestResult(0, "a", "b", ["a", "b"], 0.0, None, np.array([0.1, 0.2, 0.3, 0.4]),
        ...                   np.array([0.9, 0.91, 0.92, 0.9]), np.zeros(4), end_s=0.5)
        >>> supply_notes(r, 0.5, "measured", "run")[0][:60]
        'measured from only 4 pair(s) in 0.5 s of simulated time: the'
    """
    notes = []
    if r.num_pairs < MIN_CALIBRATION_PAIRS:
        # The rate's own 95% interval, as the rate is printed: "+-196%" (1.96 / sqrt(n) of 1 pair) stood under
        # "[95%: 253.2, 5.572e+04]" for the same rate, which reaches 5.6x above it and not 3x.
        ci = r.fidelity_ci95
        spread = f"+- {ci:.2g}" if math.isfinite(ci) else "unknown (one pair)"
        interval = r.rate_interval95
        rate_spread = (
            "without sampling noise (a fixed schedule)" if interval is None
            else f"between {interval[0]:.4g} and {interval[1]:.4g} pairs/s at 95% (Poisson)"
        )
        where = f"in {until_s:g} s of simulated time"
        advice = f"simulate longer ({until_name}) for at least {MIN_CALIBRATION_PAIRS} pairs"
        if r.status in ("served", "dropped"):
            # The request ended before the run did (its num_pairs, its deadline): "simulate longer" added no pair,
            # and the run's time was not the window its rate was counted over.
            with options_as({"until_s": until_name}, otherwise="scenario"):
                pairs, deadline = option_name("num_pairs", r.request), option_name("deadline_s", r.request)
            where = f"in its {r.window_s:.4g} s window ({r.status} at {r.finished_s:.4g} s of the {until_s:g} s run)"
            advice = (
                f"a longer run adds none: ask for at least {MIN_CALIBRATION_PAIRS} pairs ({pairs})"
                if r.ended_on_last_pair
                else f"a longer run adds none: give a later {deadline} for at least {MIN_CALIBRATION_PAIRS} pairs"
            )
        notes.append(
            f"{verb} from only {r.num_pairs} pair(s) {where}: the rate "
            f"{r.rate_hz:.4g} pairs/s is {rate_spread} and the fidelity {r.mean_fidelity:.4f} uncertain by "
            f"{spread} (95%); {advice}"
        )
    # Capped records do not matter here (the figures come from the native sums over every pair),
    # and a single pair and a thin rate are said above.
    said: tuple[str, ...] = ("one pair delivered", "rate from only")
    if r.capped:  # its note names max_records as the reader spells it: matched by its start
        said += (f"{r.num_records} of {r.num_pairs} pairs recorded",)
    # The request's notes too: under qnsim estimate or qnsim qec link (neither has an --until) they said "--until".
    # Its other settings are the scenario's (the run is built from one): requests.0.num_pairs, run.max_records.
    with options_as({"until_s": until_name}, otherwise="scenario"):
        notes.extend(f"{run}: {note}" for note in r.notes if not note.startswith(said))
    return notes


def _memory_times(node: Any) -> tuple[float, float]:
    """(T1, T2) in s of a network node, its depolarizing memory time folded into both rates."""
    extra = 1.0 / node.depolarizing_time_s if math.isfinite(node.depolarizing_time_s) else 0.0
    rate_z = (1.0 / node.t1_s if math.isfinite(node.t1_s) else 0.0) + extra
    rate_xy = (1.0 / node.t2_s if math.isfinite(node.t2_s) else 0.0) + extra
    return (1.0 / rate_z if rate_z else math.inf), (1.0 / rate_xy if rate_xy else math.inf)


def calibrate_link(
    scenario: str | os.PathLike[str] | Any,
    request: int = 0,
    *,
    until_s: float | None = None,
    seed: int | None = None,
    formalism: str | None = None,
) -> CalibratedLink:
    """Simulates a scenario and measures the Bell-pair supply of one of its requests.

    Args:
        scenario: Path of a scenario TOML (see :mod:`qnsim.scenario`) or a configured
            :class:`qnsim.Network` with its requests (then ``until_s`` is required).
        request: Index of the request whose pairs to measure (its src and dst are the QPUs).
        until_s: Simulated time in s (default: the scenario's ``run.until_s``).
        seed: Seed override of a scenario file, an int in [0, 2^64 - 1] (None: the scenario's ``run.seed``; a
            scenario without one, or a Network built with ``seed=None``, runs with a seed drawn at random, which a
            note names). A Network runs with its own seed: another is refused.
        formalism: ``"density_matrix"``, ``"bell_diagonal"`` or ``"stabilizer"`` override of a scenario file. A
            Network runs in its own formalism: another is refused.

    Returns:
        The measured :class:`CalibratedLink`.

    Raises:
        ValueError: No such request, or the request delivered no pair (the message says how long it ran, and
            what held it back when a longer run would not help: never admitted, dropped, all pairs rejected), or a
            Network given another seed or formalism than its own.

    Example:
        >>> import qnsim
        >>> net = qnsim.Network(seed=1)
        >>> _ = net.add_node("a"); _ = net.add_node("b")
        >>> _ = net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
        >>> _ = net.request("a", "b")
        >>> link = calibrate_link(net, until_s=0.05)
        >>> round(link.fidelity, 6), link.pairs > 100
        (0.9, True)
    """
    from qnsim.network import Network
    from qnsim.scenario import load_scenario

    if isinstance(scenario, Network):
        if until_s is None:
            raise ValueError("calibrate_link on a Network needs until_s (simulated seconds)")
        # A network's seed and formalism are fixed when it is made: seed=5 (or -1, or "x") and formalism= were
        # dropped without a word, and the calibration ran with the network's own.
        if seed is not None and check_seed("seed", seed) != scenario.seed:
            raise ValueError(
                f"calibrate_link on a Network runs with the network's seed ({scenario.seed}), not seed={seed}: build "
                f"the network with Network(seed={seed}), or leave seed out"
            )
        if formalism is not None and formalism != scenario.formalism:
            raise ValueError(
                f"calibrate_link on a Network runs in the network's formalism ({scenario.formalism!r}), not "
                f"formalism={written(formalism)}: build the network with that formalism, or leave formalism out"
            )
        network, label = scenario, "network"
    else:
        from qnsim.argument_checks import file_path

        scenario = file_path("scenario", scenario)
        network, settings = load_scenario(scenario, seed=seed, formalism=formalism, until_s=until_s)
        until_s = settings.until_s
        label = Path(scenario).name
    # Before the run: request=True measured request 1, and "1" or 2.5 failed after it with Python's own error. The
    # scenario's requests bound it before the 64-bit range (request=2**64 was told "beyond a 64-bit integer"), and
    # a request beyond them is refused before the run, not after it.
    none = "add one (Network.request, or a [[requests]] table)"
    request = checked_index("request", request, len(network.requests), "requests", label, none)
    result = network.run(until_s, progress=False)
    r = result.requests[request]
    if r.num_pairs == 0:
        from qnsim.results import no_pair_reason

        # "simulate longer" alone was told a request never admitted (another holds its memories all run) or dropped.
        longer = "simulate longer to calibrate its rate (until_s=; in a links file, the [[link]] table's until_s)"
        raise ValueError(
            f"request {request} of {label} delivered no pair in {until_s} s of simulated time; "
            f"{no_pair_reason(r, longer)}"
        )
    # Over every delivered pair (the native sums), not only the per-pair records, which
    # Network(max_records=...) may cap to the first few pairs of the run.
    ci = float(r.fidelity_ci95) if r.num_pairs > 1 else math.inf
    # The estimator stores pairs in the end nodes' memories: the shorter-lived end bounds both.
    ends = [_memory_times(network.node(name)) for name in (r.src, r.dst)]
    notes = supply_notes(r, float(until_s), "calibrated", "calibration run")
    # The run's own notes too (T1 as its Pauli twirl, link states that are not Bell-diagonal, a route that delivers
    # less than it was chosen for): a bell_diagonal calibration of two DEJMPS rounds on memories of T1 = 1 ms read
    # F = 0.317, "NOT ENTANGLED", where the exact run gives 0.522, with no word of the twirl's NOT BOUNDED note. Its
    # seed note is said below, with the calibration's own ways to repeat it.
    with options_as({"until_s": "until_s"}, otherwise="scenario"):
        notes.extend(f"calibration run: {note}" for note in result.notes if not note.startswith("no seed was given"))
    if network.seed_drawn:
        # The figures are one random run's: an estimate priced with them changed from run to run with no word of
        # the seed that would repeat it (the request's notes do not carry the run's own seed note).
        notes.append(
            f"no seed was given: the calibration ran with seed {network.seed}, drawn at random, so its figures "
            f"change from run to run; seed = {network.seed} (calibrate_link's seed=, a links file's [[link]] "
            "seed, or the scenario's run.seed) repeats them"
        )
    hops = [network.link(a, b) for a, b in zip(r.path, r.path[1:])]
    if any(hop.channels > 1 for hop in hops):
        # The rate is the path's with all its channels, while an estimate's link has rate_hz per channel:
        # the shipped example's "197 channels instead of 1" meant 197 copies of a 2-channel link.
        where = ", ".join(f"{hop.a} - {hop.b} has {hop.channels}" for hop in hops)
        notes.append(
            f"the calibrated {r.rate_hz:.4g} pairs/s is what the scenario's path delivers with all its channels "
            f"({where}): one channel of this link stands for that whole path, so its channel counts (given, "
            "priced or asked for) count copies of it, not the scenario's channels"
        )
    info = network.requests[request]
    rounds = [f"{n} round(s) {where}" for n, where in ((info.purification_rounds, "on each link"),
                                                        (info.end_to_end_purification_rounds, "end to end")) if n]
    if info.purification is not None and rounds:
        # A purifying request's pairs were read as raw link pairs: the estimate's "raw pairs/s" needs, built as a
        # link of raw pairs at that rate, gave pairs of another fidelity than those it priced.
        notes.append(
            f"the scenario's request purifies ({info.purification}, {' and '.join(rounds)}): its {r.rate_hz:.4g} "
            f"pairs/s at F = {r.mean_fidelity:.4g} are pairs after those rounds, and the estimate takes them as this "
            "link's raw pairs (its own purification rounds come on top): a raw pairs/s it asks of this link counts "
            "such purified pairs, not the link pairs consumed to make them"
        )
    return CalibratedLink(
        rate_hz=float(r.rate_hz),
        fidelity=float(r.mean_fidelity),
        fidelity_ci95=ci,
        latency_s=float(network.classical_latency_s(r.src, r.dst)),
        pairs=r.num_pairs,
        simulated_s=float(until_s),
        source=f"{label} request {request} ({r.src} -> {r.dst})",
        memory_t1_s=min(t1 for t1, _ in ends),
        memory_t2_s=min(t2 for _, t2 in ends),
        notes=tuple(notes),
        rate_interval95=r.rate_interval95,
        window_s=float(r.window_s),
    )
