"""T-state factories sized the way the Azure Quantum Resource Estimator sizes them.

A factory is a pipeline of distillation rounds. Each round runs ``units`` copies of one
15-to-1 distillation unit, either on physical qubits (first round only) or on surface-code
patches of some odd code distance: from 3 in the first round, from 1 (two physical qubits per
patch) in later ones, as the estimator builds them. The unit models are those of Beverland et al.,
arXiv:2211.07629, Appendix C, as the estimator ships them:

=========================  ==========  =============  ==========  =============
unit                       physical:   qubits/cycles  logical:    qubits/cycles
=========================  ==========  =============  ==========  =============
15-to-1 RM prep            31          24             31          11
15-to-1 space efficient    12          45             20          13
=========================  ==========  =============  ==========  =============

A unit fed T states of error ``z`` on qubits of Clifford error ``c`` fails (is discarded) with
probability ``15 z + 356 c`` and outputs a T state of error ``35 z^3 + 7.1 c``. A physical
round's cycle is the T-gate time and its Clifford error the QPU's physical error; a logical
round's cycle is the logical cycle at its distance and its Clifford error the patch's logical
error per cycle. A unit is usable only where ``c <= z_T / 10`` (z_T: the physical T error).

The number of units per round is the fewest whose outputs cover the next round's inputs with
probability at least ``1 - 0.01 / rounds`` (binomial quantile); qubits are reused across
rounds (the factory's footprint is its largest round) and its duration is the sum of the
rounds'. Among all designs of 1-3 rounds (4-5 if none suffices) with non-decreasing
distances up to the algorithm's code distance that reach the required output error,
:func:`pick_factory` takes the smallest normalized volume (qubits x duration per output
state) whose duration fits the run, as the estimator does. When the physical T error is
already strictly below the requirement, a trivial factory (one patch for one logical cycle) is used.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import sys
from collections.abc import Sequence
from functools import lru_cache

from qnsim import _numerics
from qnsim.argument_checks import MAX_DISTANCE, integer, is_real_number, label, probability, real_number, written
from qnsim.estimate.qpu import check_crossing_prefactor, surface_code_error

__all__ = ["DistillationRound", "TFactory", "design_t_factories", "factories_needed", "pick_factory"]

_FAILURE_REQUIREMENT = 0.01  # Probability that a factory run delivers fewer states than promised.


@dataclasses.dataclass(frozen=True)
class _UnitTemplate:
    name: str
    physical_qubits: int
    physical_cycles: int
    logical_qubits: int
    logical_cycles: int


_UNITS = (
    _UnitTemplate("15-to-1 RM prep", 31, 24, 31, 11),
    _UnitTemplate("15-to-1 space efficient", 12, 45, 20, 13),
)


@dataclasses.dataclass(frozen=True)
class DistillationRound:
    """One round of a factory.

    Attributes:
        unit: distillation unit name.
        code_distance: patch distance of the round's qubits (1 in the first round: physical qubits;
            1 in a later round: distance-1 patches, as the Azure estimator reports both).
        units: units run in parallel.
        physical_qubits: qubits the round occupies (units x qubits per unit).
        duration_s: time of one run of the round, in seconds.
        output_error: T error of the round's output states.

    >>> DistillationRound("15-to-1 space efficient", 9, 1, 3240, 4.68e-05, 5.6e-11).physical_qubits
    3240
    """

    unit: str
    code_distance: int
    units: int
    physical_qubits: int
    duration_s: float
    output_error: float

    def __post_init__(self) -> None:
        # Read as every estimator input is (ValueError naming the field): NaN, True or "3" were kept as given and
        # came back in the report (a round of True units, an output error of NaN).
        if not (type(self.unit) is str and _counts_ok(self.code_distance, self.units, self.physical_qubits)
                and type(self.duration_s) is float and 0.0 <= self.duration_s < math.inf
                and type(self.output_error) is float and 0.0 <= self.output_error <= 1.0):
            set_ = functools.partial(object.__setattr__, self)
            set_("unit", label("DistillationRound.unit", self.unit, error=ValueError))
            for f in ("code_distance", "units", "physical_qubits"):
                set_(f, integer(f"DistillationRound.{f}", getattr(self, f), minimum=1, error=ValueError))
            # 0 s is a value (t_t_s = 0): the estimator refuses a factory that takes no time in its own words.
            set_("duration_s", real_number("DistillationRound.duration_s", self.duration_s, minimum=0.0,
                                           error=ValueError))
            set_("output_error", probability("DistillationRound.output_error", self.output_error, error=ValueError))


@dataclasses.dataclass(frozen=True)
class TFactory:
    """A T-state factory design.

    Attributes:
        rounds: its distillation rounds, first to last.
        physical_qubits: footprint (the largest round: qubits are reused between rounds).
        duration_ps: one run, in integer picoseconds (sum of the rounds).
        output_states: T states one run delivers (with probability >= 0.99).
        output_error: error of each delivered T state.

    >>> fs = design_t_factories(1e-4, 1e-4, 50e-9, lambda d: 400e-9 * d, 5e-10, 11)
    >>> f = min(fs, key=lambda f: f.normalized_volume)
    >>> f.rounds[0].unit, f.rounds[0].code_distance, f.physical_qubits, f.output_states, round(f.duration_s * 1e9)
    ('15-to-1 space efficient', 9, 3240, 1, 46800)
    """

    rounds: tuple[DistillationRound, ...]
    physical_qubits: int
    duration_ps: int
    output_states: int
    output_error: float

    def __post_init__(self) -> None:
        # A duration of 0 raised ZeroDivisionError in factories_needed, NaN or True were kept as given (the
        # report's factory counts and errors came from them).
        if not (type(self.rounds) is tuple and _counts_ok(self.physical_qubits, self.output_states)
                and type(self.duration_ps) is int and self.duration_ps >= 0
                and type(self.output_error) is float and 0.0 <= self.output_error <= 1.0):
            set_ = functools.partial(object.__setattr__, self)
            if not isinstance(self.rounds, (tuple, list)) or not all(
                    isinstance(r, DistillationRound) for r in self.rounds):
                raise ValueError(f"TFactory.rounds must be a tuple of DistillationRound, got {written(self.rounds)}")
            set_("rounds", tuple(self.rounds))
            for f in ("physical_qubits", "output_states"):  # 0 output states raised ZeroDivisionError
                set_(f, integer(f"TFactory.{f}", getattr(self, f), minimum=1, error=ValueError))
            # 0 ps is a value (t_t_s = 0), refused by the estimator and by factories_needed in their own words.
            set_("duration_ps", integer("TFactory.duration_ps", self.duration_ps, minimum=0, error=ValueError))
            set_("output_error", probability("TFactory.output_error", self.output_error, error=ValueError))

    @property
    def duration_s(self) -> float:
        """Duration of one run in seconds.

        >>> TFactory((), 50, 3_000_000_000, 1, 1e-6).duration_s
        0.003
        """
        return self.duration_ps * 1e-12

    @property
    def normalized_volume(self) -> float:
        """Qubits x picoseconds per output state (the estimator's selection criterion).

        >>> TFactory((), 10, 100, 2, 0.0).normalized_volume
        500.0
        """
        return self.physical_qubits * self.duration_ps / self.output_states


#: Units from which the quantile walk starts in the bulk of the failures (below it, from 0: QRE's own exact sum for
#: n < 1000, matched to the last bit).
_WALK_FROM_THE_BULK = 1000


@lru_cache(maxsize=65536)
def _binomial_quantile(n: int, failure: float, level: float) -> int:
    """Smallest k with P(successes <= k) >= level, successes ~ Binomial(n, 1 - failure)."""
    # P(successes <= k) = P(failures >= n - k): walk the failure pmf upward from 0.
    q, p = failure, 1.0 - failure
    log_pmf = n * _numerics.log(p)  # P(failures = 0)
    below = 0.0  # P(failures < f)
    f = 0
    if n >= _WALK_FROM_THE_BULK:
        # Fewer than n q - sqrt(30 n) failures carry at most e^-60 of the mass (Hoeffding), far below a float's
        # resolution of 1 - below: the walk starts there. From 0 it took n q steps a call, 25,000 at n = 30,000, and a
        # factory search of a few percent T error made 30,000 such calls (10^12 gates: 3 to 8 minutes an estimate).
        f = max(0, math.floor(n * q - math.sqrt(30.0 * n)))
        log_pmf = (_numerics.log_factorial(n) - _numerics.log_factorial(f) - _numerics.log_factorial(n - f)
                   + f * _numerics.log(q) + (n - f) * _numerics.log(p))
    ratio = _numerics.log(q) - _numerics.log(p)
    while f <= n:
        pmf = _numerics.exp(log_pmf)
        if 1.0 - below - pmf < level:  # P(failures >= f + 1) < level: f failures is the bound.
            return n - f
        below += pmf
        log_pmf += _numerics.log(n - f) - _numerics.log(f + 1) + ratio if f < n else 0.0
        f += 1
    return 0


@lru_cache(maxsize=65536)
def _units_needed(outputs_needed: int, failure: float, level: float) -> int | None:
    """Fewest units whose successes reach ``outputs_needed`` at the quantile ``level``."""
    n = max(1, outputs_needed)
    while _binomial_quantile(n, failure, level) < outputs_needed:
        n *= 2
        if n >= 10**15:
            return None
    lo, hi = n // 2, n
    while lo < hi:
        mid = (lo + hi) // 2
        if _binomial_quantile(mid, failure, level) >= outputs_needed:
            hi = mid
        else:
            lo = mid + 1
    return hi


def _build(
    stages: Sequence[tuple[_UnitTemplate, int]],
    t_error: float,
    physical_error: float,
    t_gate_ps: int,
    cycle_ps,
    logical_error,
) -> tuple | None:
    """A factory from (unit, distance) per round as the record :func:`_factory` makes it from (duration in ps,
    physical qubits, output states, then what the rounds need), or None when the combination does not work.

    The record, not the TFactory: a search of a few percent T error builds 370,000 candidates and keeps a dozen on
    its frontier, and making each one's rounds took half of its 30 s."""
    errors = [t_error]
    specs = []
    for position, (unit, d) in enumerate(stages):
        if d == 1 and position == 0:
            qubits, duration, clifford = unit.physical_qubits, unit.physical_cycles * t_gate_ps, physical_error
        else:
            qubits = unit.logical_qubits * 2 * d * d
            duration = unit.logical_cycles * cycle_ps(d)
            clifford = logical_error(d)
        z = errors[-1]
        out = 35.0 * z**3 + 7.1 * clifford
        if out > z:
            return None
        failure = 15.0 * z + 356.0 * clifford
        if not 0.0 < failure < 1.0:
            return None
        specs.append((unit, d, qubits, duration, failure))
        errors.append(out)
    level = _FAILURE_REQUIREMENT / len(stages)
    units = [0] * len(stages)
    needed = 1
    for i in range(len(stages) - 1, -1, -1):
        n = _units_needed(needed, specs[i][4], level)
        if n is None:
            return None
        units[i] = n
        needed = 15 * n
    outputs = _binomial_quantile(units[-1], specs[-1][4], level)
    qubits = max(units[i] * s[2] for i, s in enumerate(specs))
    return sum(s[3] for s in specs), qubits, outputs, specs, units, errors


def _factory(record: tuple) -> TFactory:
    """The TFactory of a record of :func:`_build`."""
    duration, qubits, outputs, specs, units, errors = record
    rounds = tuple(
        DistillationRound(u.name, d, units[i], units[i] * q, dur * 1e-12, errors[i + 1])
        for i, (u, d, q, dur, _) in enumerate(specs)
    )
    return TFactory(rounds, qubits, duration, outputs, errors[-1])


def design_t_factories(
    t_error: float,
    physical_error: float,
    t_gate_s: float,
    logical_cycle_s,
    required_error: float,
    max_distance: int,
    *,
    crossing_prefactor: float = 0.03,
    error_threshold: float = 0.01,
) -> list[TFactory]:
    """Pareto-optimal factory designs (footprint per output state vs duration) meeting ``required_error``.

    Args:
        t_error: physical T-gate error (the input error of the first round).
        physical_error: physical Clifford error (used by physical rounds and the surface code).
        t_gate_s: T-gate time in seconds (the cycle of a physical round).
        logical_cycle_s: ``d -> logical cycle in seconds`` of the QPU.
        required_error: T error each output state must reach.
        max_distance: largest patch distance of a round (the algorithm's code distance).
        crossing_prefactor, error_threshold: surface-code model ``a (p/p*)^((d+1)/2)``.

    Returns:
        Designs sorted by duration; empty if none reaches ``required_error``.

    >>> fs = design_t_factories(1e-3, 1e-3, 50e-9, lambda d: 400e-9 * d, 5e-10, 21)
    >>> f = min(fs, key=lambda f: f.normalized_volume)
    >>> [(r.unit, r.code_distance, r.units) for r in f.rounds], f.physical_qubits, round(f.duration_s * 1e9)
    ([('15-to-1 space efficient', 5, 18), ('15-to-1 space efficient', 19, 1)], 18000, 124800)
    """
    # Read as the estimator reads numbers (before the cache, whose key they are): a probability
    # outside [0, 1] or a distance of 2.5 priced nonsense, and a distance of 10**30 ran for ever.
    t_error, physical_error = (probability(n, v, error=ValueError) for n, v in (("t_error", t_error),
                                                                                  ("physical_error", physical_error)))
    required_error = real_number("required_error", required_error, minimum=0.0, exclusive_minimum=True,
                                 maximum=1.0, error=ValueError)
    t_gate_s = real_number("t_gate_s", t_gate_s, minimum=0.0, maximum=MAX_PS_SECONDS, unit="s", error=ValueError)
    max_distance = integer("max_distance", max_distance, minimum=1, maximum=MAX_FACTORY_DISTANCE, error=ValueError)
    crossing_prefactor = check_crossing_prefactor(crossing_prefactor)
    error_threshold = real_number("error_threshold", error_threshold, minimum=0.0, exclusive_minimum=True,
                                  maximum=1.0, error=ValueError)
    if not callable(logical_cycle_s):
        raise TypeError(
            f"logical_cycle_s must be a function of the code distance (d -> seconds), got {written(logical_cycle_s)}"
        )
    key = (t_error, physical_error, t_gate_s, required_error, max_distance, crossing_prefactor, error_threshold)
    cycles = tuple(
        round(real_number(f"logical_cycle_s({d})", logical_cycle_s(d), minimum=0.0, maximum=MAX_PS_SECONDS, unit="s",
                          error=ValueError) * 1e12)
        for d in range(max_distance + 1)
    )
    return list(_design_cached(key, cycles))


#: Longest time (s) the estimator counts in whole picoseconds (a float's range once multiplied by 1e12): a T-gate
#: time or logical cycle beyond it raised OverflowError "cannot convert float infinity to integer".
MAX_PS_SECONDS = sys.float_info.max * 1e-12

#: Largest round distance design_t_factories searches (the SurfaceCode.max_distance limit, the one largest distance).
MAX_FACTORY_DISTANCE = MAX_DISTANCE


@lru_cache(maxsize=256)
def _design_cached(key, cycles) -> tuple[TFactory, ...]:
    t_error, physical_error, t_gate_s, required_error, max_distance, a, p_th = key
    # Strictly below, as the Azure estimator decides: a requirement equal to the physical T error
    # is still distilled.
    if required_error > t_error:
        d = max_distance
        trivial = DistillationRound("trivial 1-to-1", d, 1, 2 * d * d, cycles[d] * 1e-12, t_error)
        return (TFactory((trivial,), 2 * d * d, cycles[d], 1, t_error),)

    # Each distance's rate once: the search asked for them 3 million times on a few percent T error.
    rates = [0.0] + [surface_code_error(a, p_th, physical_error, d) for d in range(1, max_distance + 1)]
    logical_error = rates.__getitem__

    t_gate_ps = round(t_gate_s * 1e12)
    # Distance 1 is a patch too (two qubits, error a p/p*): the estimator runs later rounds on it, where
    # physical Clifford errors are far below the T error; only the first round skips it (its distance 1
    # means physical qubits). Starting later rounds at 3 missed its cheaper factories (a design of 3,636
    # qubits that qnsim built with 5,760, see test_estimate_qre_parity).
    distances = [d for d in range(1, max_distance + 1, 2) if logical_error(d) <= 0.1 * t_error]
    physical_ok = physical_error <= 0.1 * t_error
    candidates: list[tuple] = []

    def search(rounds: int) -> None:
        # Output errors first (cheap): units are counted only for chains that reach the target.
        def extend(prefix: list[tuple[_UnitTemplate, int]], z: float) -> None:
            if len(prefix) == rounds:
                if z <= required_error:
                    f = _build(prefix, t_error, physical_error, t_gate_ps, cycles.__getitem__, logical_error)
                    if f is not None:
                        candidates.append(f)
                return
            if prefix and z <= required_error:
                return  # A further round only adds qubits and time to a design that already suffices.
            lowest = prefix[-1][1] if prefix else 1
            first = not prefix
            logical = [d for d in distances if d >= max(lowest, 3 if first else 1)]
            options = ([1] if first and physical_ok else []) + logical
            last = len(prefix) == rounds - 1
            done: set[str] = set()
            for d in options:
                clifford = physical_error if d == 1 and first else logical_error(d)
                out = 35.0 * z**3 + 7.1 * clifford
                if out > z:
                    continue
                for unit in _UNITS:
                    if unit.name in done:
                        continue
                    extend(prefix + [(unit, d)], out)
                    # A larger last-round distance only costs more, among patches: a first round on physical
                    # qubits runs at the T-gate time, and a distance-3 round after it can be faster.
                    if last and out <= required_error and not (first and d == 1):
                        done.add(unit.name)

        extend([], t_error)

    for rounds in (1, 2, 3):
        search(rounds)
    if not candidates:
        for rounds in (4, 5):
            search(rounds)
    frontier: list[tuple] = []

    def per_state(record: tuple) -> float:
        return record[1] / record[2]

    for f in sorted(candidates, key=lambda f: (f[0], per_state(f))):
        if not frontier or per_state(f) < per_state(frontier[-1]):
            frontier.append(f)
    return tuple(_factory(f) for f in frontier)


def factories_needed(num_states: int, factory: TFactory, runtime_ps: int) -> int:
    """Factories running in parallel so that ``num_states`` T states are ready within ``runtime_ps``
    (both durations in integer picoseconds).

    A factory completes ``floor(runtime / duration)`` runs in the job (a run that would end after
    the algorithm delivers nothing to it), so the count is
    ``ceil(states / (outputs per run x floor(runtime / duration)))``, as the Azure estimator counts
    them. Dividing the runtime by the duration exactly instead counts fractions of runs and
    undercounts: 15 states, runs of 26 us and a 44.8 us job need 15 factories, not 9.

    >>> factories_needed(10**6, TFactory((), 18000, 124_800_000, 1, 0.0), 9_240_000_000_000)
    14
    >>> factories_needed(15, TFactory((), 1000, 26_000_000, 1, 0.0), 44_800_000)
    15
    """
    if not (type(num_states) is int and type(runtime_ps) is int and runtime_ps >= 0):
        num_states = integer("num_states", num_states, error=ValueError)
        runtime_ps = integer("runtime_ps", runtime_ps, minimum=0, error=ValueError)
    if not isinstance(factory, TFactory):
        raise ValueError(f"factory must be a TFactory, got {written(factory)}")
    if num_states <= 0:
        return 0
    if factory.duration_ps == 0:
        # It raised ZeroDivisionError: a run that takes no time delivers any number of states in any runtime.
        raise ValueError(
            f"factory takes no time (duration_ps = 0): its runs per job are unbounded; give T gates a duration "
            f"(t_t_s > 0), got {written(factory)}"
        )
    runs = max(1, runtime_ps // factory.duration_ps)  # pick_factory stretches the job to >= one run.
    return -(-num_states // (factory.output_states * runs))


def pick_factory(
    factories: Sequence[TFactory], cycle_ps: int, num_cycles: int, max_cycles: int
) -> tuple[TFactory, int] | None:
    """The estimator's choice: the smallest normalized volume among factories whose run fits in
    ``num_cycles`` logical cycles; else the smallest whose run fits in ``max_cycles`` (the run is
    then stretched to the factory's duration). Returns (factory, cycles the run takes) or None.

    >>> f = TFactory((), 100, 5_000, 1, 0.0)
    >>> pick_factory([f], 1_000, 3, 10)
    (TFactory(rounds=(), physical_qubits=100, duration_ps=5000, output_states=1, output_error=0.0), 5)
    """
    if not (_counts_ok(cycle_ps) and type(num_cycles) is int and num_cycles >= 0
            and (type(max_cycles) is int and max_cycles >= 0 or max_cycles == math.inf)):
        # Plain ints (the estimator's, past 64 bits on the longest jobs) and an unbounded max_cycles (inf) are taken
        # as they are; anything else is read (a cycle of 0 raised ZeroDivisionError below, NaN or "3" a TypeError
        # naming nothing).
        cycle_ps = integer("cycle_ps", cycle_ps, minimum=1, error=ValueError)
        num_cycles = integer("num_cycles", num_cycles, minimum=0, error=ValueError)
        if not (is_real_number(max_cycles) and max_cycles == math.inf):
            max_cycles = integer("max_cycles", max_cycles, minimum=0, error=ValueError)
    if not isinstance(factories, (list, tuple)) or not all(isinstance(f, TFactory) for f in factories):
        # A set picked among equal volumes in hash order; a generator was spent by the first pass.
        raise ValueError(f"factories must be a list or tuple of TFactory, got {written(factories)}")
    fitting = [f for f in factories if f.duration_ps <= num_cycles * cycle_ps]
    if fitting:
        return min(fitting, key=lambda f: f.normalized_volume), num_cycles
    stretched = [(f, -(-f.duration_ps // cycle_ps)) for f in factories]
    stretched = [(f, c) for f, c in stretched if c <= max_cycles]
    if not stretched:
        return None
    return min(stretched, key=lambda fc: fc[0].normalized_volume)


def _counts_ok(*values: object) -> bool:
    """True when every value is a plain int >= 1 (the fast path of the factories' checks)."""
    return all(type(v) is int and v >= 1 for v in values)


def _clear_caches() -> None:
    """Forgets cached designs and binomial quantiles (benchmarks time the search itself)."""
    for cached in (_design_cached, _binomial_quantile, _units_needed):
        cached.cache_clear()
