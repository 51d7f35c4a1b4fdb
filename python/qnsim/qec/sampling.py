"""Sampling and decoding: logical error rates with binomial error bars.

Two ways to run the same circuits, both decoding with PyMatching (minimum-weight perfect matching
on the circuit's detector error model):

* :func:`sample_logical_error`: one process, seeded, with stopping rules (``max_shots``,
  ``max_errors``). Deterministic for a seed (on one machine and Stim version: Stim's seeded
  samplers may differ across versions and CPU instruction sets). This is what ``qnsim qec`` runs in
  each point of a sweep (points spread over a process pool or Dask). Each batch draws from its own
  seed (derived from ``seed`` and the batch's index), so with ``resume_dir`` the counts are saved
  after every batch and a killed run resumes at the batch it was in, with the counts an
  uninterrupted run gives.
* :func:`collect`: ``sinter.collect`` itself (multi-core, stopping rules, resumable with
  ``save_resume_filepath``), for large runs on one machine. sinter takes no seed (its workers draw
  their own, and their batches follow the machine's load), so its counts cannot be repeated: each
  estimate says so in its ``notes`` (``repeatable`` is False). ``bench/qec_throughput.py`` measures both against plain sinter.

Error rates per round: a shot of ``r`` rounds fails with ``P``; if each round failed independently
with ``p`` (and failures cancel in pairs), ``P = (1 - (1 - 2p)^r) / 2``, so
``p = (1 - (1 - 2P)^(1/r)) / 2`` (the convention of sinter's ``shot_error_rate_to_piece_error_rate``
below one half). A shot rate of one half or more carries no information about the rounds and gives
0.5, where sinter continues the formula past one half (P = 0.6 over 5 rounds: sinter 0.862).

>>> from qnsim import qec
>>> c = qec.memory_circuit(3, 3, noise=qec.NoiseModel.uniform_depolarizing(0.01))
>>> est = sample_logical_error(c, max_shots=2000, seed=1, rounds=3)
>>> est.shots, 0 < est.errors < 2000
(2000, True)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qnsim import _numerics
from qnsim.argument_checks import file_path, flag, integer, is_integer, real_number, shown, written
from qnsim.qec._stim import require_pymatching, require_sinter, require_stim
from qnsim.qec.channels import check_count, check_probability
from qnsim.specs import check_seed

__all__ = [
    "LogicalErrorEstimate",
    "circuit_rounds",
    "collect",
    "per_round",
    "sample_logical_error",
    "shot_rounds",
    "wilson_interval",
]


def wilson_interval(errors: int, shots: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (default 95%).

    Args:
        errors: Failures observed.
        shots: Trials (>= 1).
        z: Normal quantile (1.96: 95%; 1.0: about 68%).

    Returns:
        (low, high) bounds on the failure probability.

    Example:
        >>> [round(v, 4) for v in wilson_interval(10, 1000)]
        [0.0054, 0.0183]
        >>> wilson_interval(0, 100)[0]
        0.0
    """
    # Counts within int64 (sinter's), so that the interval's float arithmetic cannot overflow.
    shots, errors = check_count("shots", shots, 1, 2**63 - 1), check_count("errors", errors, 0, 2**63 - 1)
    z = real_number("z", z, minimum=0.0, exclusive_minimum=True)
    if not 0 <= errors <= shots:
        raise ValueError(f"errors must be in [0, shots], got {errors} of {shots}")
    p = errors / shots
    denom = 1 + z * z / shots
    centre = (p + z * z / (2 * shots)) / denom
    half = z * math.sqrt(p * (1 - p) / shots + z * z / (4 * shots * shots)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def per_round(shot_error_rate: float, rounds: int) -> float:
    """Logical error per round from the error per shot of ``rounds`` rounds (see module docstring).

    Args:
        shot_error_rate: Failure probability of a whole shot, in [0, 1].
        rounds: Rounds per shot (>= 1).

    Returns:
        The per-round rate; 0.5 when the shot rate is 0.5 or more (no information left).

    Example:
        >>> round(per_round(0.1, 1), 6), round(per_round(0.1, 10), 6)
        (0.1, 0.011034)
    """
    rounds = check_count("rounds", rounds, 1, 2**53)  # 1 / rounds in floats: 10**400 raised OverflowError
    shot_error_rate = check_probability("shot_error_rate", shot_error_rate)
    if shot_error_rate >= 0.5:
        return 0.5
    # -expm1(log1p(-2P) / r) / 2, not (1 - (1 - 2P)^(1/r)) / 2: the power is 1 - 2e-18 for P = 1e-12
    # over 10^6 rounds, which rounds to 1 and read a per-round rate of 0.
    if rounds == 1:
        return shot_error_rate  # one round is the shot, exactly (the round trip below may move its last bit)
    # The engine's expm1 and log1p: a per-round rate is a reported figure, and libm's last bits differ by machine.
    return -_numerics.expm1(_numerics.log1p(-2.0 * shot_error_rate) / rounds) / 2.0


@dataclass(frozen=True)
class LogicalErrorEstimate:
    """Counts of a sampled experiment and the rates derived from them.

    Attributes:
        shots: Shots sampled.
        errors: Shots whose decoded observables disagreed with the truth (any observable).
        rounds: Syndrome rounds per shot (for per-round rates).
        seconds: Wall-clock time spent sampling and decoding, in s. Not compared and not in the repr: two estimates
            of the same circuit, settings and seed are equal (``==``) and print alike however long each took (before,
            the time made every pair of identical estimates unequal and every printed one differ).
        discards: Always 0 (no post-selection); kept for sinter-compatible tables. Any other value is
            refused: every rate here divides the errors by all the shots, where sinter divides them by
            the shots kept, so a table with discards would read too low.
        metadata: Free-form description of the point.
        max_errors: The error count sampling was asked to reach (None: none), to tell a run that
            reached it from one that ran out of shots first (see :attr:`notes`).
        seed: The seed the shots were sampled with (:func:`sample_logical_error`'s ``seed=``, or the one it drew
            when given none); None: not known (counts built by hand or read from sinter).
        seed_drawn: True when no seed was given and :attr:`seed` was drawn at random (a note says so).
        repeatable: False for counts that no seed repeats: :func:`collect`'s (sinter seeds its worker processes
            itself, from entropy, and cuts their shots into batches timed on the machine's load); a note says so
            and how to repeat them.

    Example:
        >>> e = LogicalErrorEstimate(shots=10000, errors=100, rounds=5)
        >>> round(e.shot_error_rate, 4), round(e.per_round, 6)
        (0.01, 0.002016)
    """

    shots: int
    errors: int
    rounds: int = 1
    seconds: float = field(default=0.0, compare=False, repr=False)
    discards: int = 0
    metadata: Mapping[str, Any] = field(default_factory=dict)
    max_errors: int | None = None
    seed: int | None = None
    seed_drawn: bool = False
    repeatable: bool = True

    def __post_init__(self) -> None:
        # Built by hand too (from saved counts): every rate and note is read from these fields, and unchecked
        # ones gave an answer without a word (errors=True read as 1 error, shots=None or "" as "no shot sampled"
        # with a rate of nan, errors above shots a rate above 1) or an OverflowError (errors=10**400).
        # Counts are kept within int64, as sinter's, so that the rates' float arithmetic cannot overflow.
        where = "LogicalErrorEstimate."
        shots = check_count(where + "shots", self.shots, 0, 2**63 - 1)
        errors = check_count(where + "errors", self.errors, 0, 2**63 - 1)
        if errors > shots:
            raise ValueError(f"{where}errors must be at most shots = {shots}, got {errors}")
        values = {
            "shots": shots,
            "errors": errors,
            "rounds": check_count(where + "rounds", self.rounds, 1, 2**53),
            "seconds": real_number(where + "seconds", self.seconds, minimum=0.0, unit="s", error=ValueError),
            "discards": check_count(where + "discards", self.discards, 0),
            "max_errors": None if self.max_errors is None else _check_count(where + "max_errors", self.max_errors),
            "seed": None if self.seed is None else check_seed(where + "seed", self.seed),
            "seed_drawn": flag(where + "seed_drawn", self.seed_drawn),
            "repeatable": flag(where + "repeatable", self.repeatable),
        }
        if not values["repeatable"] and values["seed"] is not None:
            raise ValueError(f"{where}repeatable=False with seed={values['seed']}: counts sampled with a seed repeat")
        if values["seed_drawn"] and values["seed"] is None:
            raise ValueError(f"{where}seed_drawn=True needs the seed that was drawn")
        if values["discards"]:
            # sinter's rates divide the errors by the shots kept; these divide them by all the shots, so a table
            # with discards read too low (and discards > shots, a rate of the shots never kept, went through).
            raise ValueError(
                f"{where}discards must be 0 (qnsim's circuits post-select no shot, and these rates divide the "
                f"errors by every shot), got {values['discards']}"
            )
        if not isinstance(self.metadata, Mapping):
            raise ValueError(f"{where}metadata must be a mapping (a dict), got {shown(self.metadata)}")
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def notes(self) -> list[str]:
        """What the counts cannot say: no error at all (the rate is not 0, only below the interval's
        upper end), fewer than :data:`FEW_ERRORS` errors (a wide interval), shots that fail as often
        as random outcomes (the per-round rate has a lower bound only), and ``max_shots`` reached
        before ``max_errors``.

        Example:
            >>> LogicalErrorEstimate(1000, 0, rounds=1).notes  # doctest: +NORMALIZE_WHITESPACE
            ['no logical error in 1000 shots: the per-round rate is not 0 but below 0.00383 (95% Wilson upper
              bound); sample more shots']
        """
        if not self.shots:
            return ["no shot sampled"]
        notes = []
        if self.errors == 0:
            notes.append(
                f"no logical error in {self.shots} shots: the per-round rate is not 0 but below "
                f"{self.per_round_interval()[1]:.3g} (95% Wilson upper bound); sample more shots"
            )
        elif self.errors < FEW_ERRORS:
            low, high = self.per_round_interval()
            notes.append(
                f"only {self.errors} logical error(s) in {self.shots} shots: the per-round rate "
                f"{self.per_round:.3g} lies anywhere in [{low:.3g}, {high:.3g}] (95%)"
            )
        if wilson_interval(self.errors, self.shots)[1] >= 0.5:
            # per_round maps a shot rate of 1/2 to 1/2 per round: a patch that failed as often as random outcomes
            # read as a measured rate of 0.5 (or 0.2 for 470 failures in 1000 five-round shots, upper bound 0.5).
            notes.append(
                f"shots fail {self.shot_error_rate:.3g} of the time, as often as random outcomes (1/2) within the "
                f"interval: the per-round rate is at least {self.per_round_interval()[0]:.3g}, with no upper bound "
                "from these counts; fewer rounds per shot or less noise measure it"
            )
        if self.max_errors is not None and self.errors < self.max_errors:
            notes.append(
                f"max_shots ran out at {self.shots} shots with {self.errors} of the {self.max_errors} errors asked for"
            )
        if self.seed_drawn:
            # The counts were one random run's: nothing said which seed would repeat them.
            notes.append(
                f"no seed was given: the shots were sampled with seed {self.seed}, drawn at random, so the counts "
                f"change from run to run; seed={self.seed} repeats them"
            )
        if not self.repeatable:
            # collect's counts were one run of sinter's, whose workers draw their own seeds: run again, they differ.
            notes.append(
                "sampled by sinter (qec.collect), whose worker processes seed themselves: these counts cannot be "
                "repeated; qec.sample_logical_error(circuit, max_shots=..., seed=...) samples the same circuit "
                "repeatably (the same seed, the same counts)"
            )
        return notes

    @property
    def shot_error_rate(self) -> float:
        """errors / shots (nan without shots).

        Example:
            >>> LogicalErrorEstimate(200, 3).shot_error_rate
            0.015
        """
        return self.errors / self.shots if self.shots else math.nan

    @property
    def per_round(self) -> float:
        """Logical error per round (see :func:`per_round`).

        Example:
            >>> round(LogicalErrorEstimate(1000, 100, rounds=1).per_round, 3)
            0.1
        """
        return per_round(self.shot_error_rate, self.rounds) if self.shots else math.nan

    def per_round_interval(self, z: float = 1.96) -> tuple[float, float]:
        """Wilson interval of the shot rate mapped to per-round rates (default 95%).

        Example:
            >>> low, high = LogicalErrorEstimate(1000, 50, rounds=1).per_round_interval()
            >>> round(low, 3), round(high, 3)
            (0.038, 0.065)
        """
        low, high = wilson_interval(self.errors, self.shots, z)
        return per_round(low, self.rounds), per_round(high, self.rounds)

    def describe(self, z: float = 1.96) -> str:
        """The per-round rate with its Wilson interval and the counts behind it, in the digits they support.

        The rate and its bounds are rounded to the decimal place of the first significant digit of the
        interval's larger half-width (two significant digits for a few hundred errors): printed whole
        (``0.015146...``), a rate from 200 errors read as known to sixteen digits.

        Args:
            z: Normal quantile of the interval (1.96: 95%).

        Returns:
            ``"rate [low, high] per round (95%: errors in shots shots)"``; with no error, the upper bound
            only; with shots failing as often as random outcomes, the lower bound only.

        Example:
            >>> LogicalErrorEstimate(shots=3072, errors=219, rounds=5).describe()
            '0.015 [0.013, 0.017] per round (95%: 219 errors in 3072 shots)'
            >>> LogicalErrorEstimate(shots=1000, errors=0, rounds=1).describe()
            'below 0.0038 per round (95%: 0 errors in 1000 shots)'
        """
        if not self.shots:
            return "no shot sampled"
        low, high = self.per_round_interval(z)
        level = 1.0 - _numerics.erfc(float(z) / math.sqrt(2.0))
        counts = f"({level:.0%}: {self.errors} errors in {self.shots} shots)"
        if self.errors == 0:
            return f"below {high:.2g} per round {counts}"
        if wilson_interval(self.errors, self.shots, z)[1] >= 0.5:
            return f"at least {low:.2g} per round (shots fail as often as random outcomes) {counts}"
        rate = self.per_round
        half = max(rate - low, high - rate)
        if rate <= 0 or half <= 0 or not math.isfinite(half):
            return f"{rate:.2g} [{low:.2g}, {high:.2g}] per round {counts}"
        place = _numerics.decade(half)  # the decimal place of the interval's first significant digit

        def at_place(value: float) -> str:
            # All three to that place, trailing zeros kept: 0.400, not 0.4, when the third decimal is known.
            if value <= 0:
                return "0"
            digits = min(6, max(1, _numerics.decade(value) - place + 1))
            return f"{value:#.{digits}g}".replace(".e", "e").rstrip(".")

        return f"{at_place(rate)} [{at_place(low)}, {at_place(high)}] per round {counts}"


#: Below this many logical errors an estimate's notes say how wide its interval is (the relative
#: 95% half-width is then above about 60%).
FEW_ERRORS = 10
#: Most sampling processes collect() starts (as a sweep's workers).
MAX_WORKERS = 4096
#: Largest batch of sampled shots held in memory at once, in bytes (1 GiB).
MAX_BATCH_BYTES = 1 << 30
#: Most detector and observable bits one call samples and decodes (shots times bits per shot): about
#: half a day of Stim and PyMatching.
MAX_SAMPLED_BITS = 1 << 40


def check_sampled_bits(max_shots: int, bits_per_shot: int) -> None:
    """Refuses ``max_shots`` shots of ``bits_per_shot`` detector and observable bits each when they exceed
    ``MAX_SAMPLED_BITS`` (2**40 bits, days of work); a sweep file's check passes ``bits_per_shot = 1``, the least
    any circuit has, before its circuits are built."""
    if max_shots * bits_per_shot > MAX_SAMPLED_BITS:
        raise _too_many_bits("max_shots", max_shots, bits_per_shot)


def _count_text(n: int) -> str:
    """``n`` with thousands separators, or by its size past 128 bits (10**400 in full is 534 characters)."""
    return f"{n:,}" if n.bit_length() <= 128 else shown(n)


def _too_many_bits(name: str, max_shots: int, bits_per_shot: int) -> ValueError:
    return ValueError(
        f"{name} = {_count_text(max_shots)} shots of {bits_per_shot:,} detector and observable bits each is more than "
        f"the 2**40 bits one call samples (days of work, even with max_errors, which a rare error never "
        f"reaches); give max_shots <= {MAX_SAMPLED_BITS // bits_per_shot:,}"
    )


def read_max_shots(max_shots: object, bits_per_shot: int, name: str = "max_shots") -> int:
    """``max_shots`` as a count of shots of ``bits_per_shot`` bits each, its work bound (``MAX_SAMPLED_BITS``)
    read before the 64-bit range of every integer: ``max_shots=2**64`` was told "beyond a 64-bit integer", not the
    bound it should give."""
    bits = max(1, bits_per_shot)
    return integer(
        name,
        max_shots,
        minimum=1,
        maximum=MAX_SAMPLED_BITS // bits,
        error=ValueError,
        too_large=lambda n: _too_many_bits(name, n, bits),
    )


def _check_rounds(circuit: Any, rounds: object, name: str = "rounds") -> int:
    """``rounds`` as the rounds of one shot of ``circuit``: every round measures at least one qubit, so a count
    above the circuit's measurements labels no circuit (``rounds=10**400`` was taken and read a per-round rate of
    about 0)."""
    measurements = max(1, circuit.num_measurements)
    if is_integer(rounds) and rounds > measurements:  # this range before integer()'s 64-bit one (10**400)
        raise ValueError(
            f"{name} must be at most the circuit's {measurements:,} measurements (a round measures at least one "
            f"qubit), got {shown(rounds)}"
        )
    return integer(name, rounds, minimum=1, error=ValueError)


def _coordinate_rounds(circuit: Any) -> int | None:
    """The detectors' largest last coordinate, when every detector has coordinates and it is a whole number >= 1."""
    coordinates = circuit.get_detector_coordinates()
    if not coordinates or any(not c for c in coordinates.values()):
        return None
    last = max(c[-1] for c in coordinates.values())
    if not (last >= 1 and float(last).is_integer()) or last > max(1, circuit.num_measurements):
        return None
    return int(last)


def _measured_rounds(circuit: Any) -> int | None:
    """The most measurements of one qubit that detectors compare (a measure qubit's, once per round; a teleportation
    gadget's scratch qubits are measured for feedback only and a data qubit once at the end); None when the
    circuit's measurement records cannot be attributed to qubits here."""
    stim = require_stim()
    qubit_of: list[int] = []  # the qubit of each measurement record, in order
    referenced: list[int] = []
    for inst in circuit.flattened():
        name = inst.name
        if name == "DETECTOR":
            referenced.extend(len(qubit_of) + t.value for t in inst.targets_copy() if t.is_measurement_record_target)
            continue
        if not stim.gate_data(name).produces_measurements:
            continue
        targets = inst.targets_copy()
        if name == "MPP":  # one record per product, named by its first qubit
            joined = False
            for t in targets:
                if t.is_combiner:
                    joined = True
                    continue
                if not joined:
                    qubit_of.append(t.qubit_value)
                joined = False
            continue
        step = 2 if stim.gate_data(name).is_two_qubit_gate else 1
        qubit_of.extend(t.qubit_value if t.qubit_value is not None else -1 for t in targets[::step])
    if len(qubit_of) != circuit.num_measurements:
        return None
    counts: dict[int, int] = {}
    for k in set(referenced):
        if 0 <= k < len(qubit_of) and qubit_of[k] >= 0:
            counts[qubit_of[k]] = counts.get(qubit_of[k], 0) + 1
    return max(counts.values()) if counts else None


def circuit_rounds(circuit: Any) -> int | None:
    """Syndrome rounds of a circuit, read from its detectors' coordinates and checked against its measurements.

    The circuits of :mod:`qnsim.qec` tag each detector ``(x, y, round)``, the last layer (the data
    measurement) with ``round = rounds``, as Stim's generated surface and repetition codes tag theirs
    ``(..., t)``; so the largest last coordinate is the round count. It is taken only when the
    measurements agree: a measure qubit is measured once per round and each outcome enters a detector,
    so the most detector-compared measurements of one qubit is the round count too. Other conventions disagree
    and give None: Stim's ``color_code:memory_xyz`` tags its data layer with the last round's ``t``
    (5 rounds read 4 from the coordinates; its measure qubits say 5), and 2-D ``(x, y)`` coordinates
    would be read as rounds. None too when a detector has no coordinates or the largest last one is
    not a whole number >= 1.

    Example:
        >>> from qnsim import qec
        >>> circuit_rounds(qec.memory_circuit(3, 4))
        4
        >>> import stim
        >>> print(circuit_rounds(stim.Circuit.generated("color_code:memory_xyz", rounds=5, distance=3)))
        None

    Raises:
        ValueError: ``circuit`` is not a ``stim.Circuit`` (as :func:`sample_logical_error` refuses it).
    """
    # Checked as the sampler checks it: a circuit's text or None failed with "'str' object has no attribute
    # 'get_detector_coordinates'" (shot_rounds too, which reads the rounds here first).
    circuit = _check_circuit(require_stim(), "circuit", circuit)
    by_coordinates = _coordinate_rounds(circuit)
    if by_coordinates is None:
        return None
    return by_coordinates if by_coordinates == _measured_rounds(circuit) else None


def shot_rounds(circuit: Any, rounds: object = None, name: str = "rounds") -> int:
    """The rounds of one shot of ``circuit``: ``rounds`` as given, checked against the circuit's own
    (:func:`circuit_rounds`), or read from the circuit when None.

    Args:
        circuit: A ``stim.Circuit``.
        rounds: Rounds per shot (an int >= 1), or None to read them.
        name: How the error messages name ``rounds``.

    Returns:
        The rounds: given or read; 1 (a shot is the unit) for a circuit whose detectors carry no round coordinates
        and that measures no qubit more than once for its detectors.

    Raises:
        ValueError: ``rounds`` differs from the rounds the circuit's coordinates and measurements both say
            (the per-round rate would be off by their ratio), or None for a circuit whose coordinates and
            measurements disagree or that has no round coordinates but measures a qubit several times for its
            detectors, or a bad count; ``circuit`` is not a ``stim.Circuit``.

    Example:
        >>> from qnsim import qec
        >>> shot_rounds(qec.memory_circuit(3, 5)), shot_rounds(qec.memory_circuit(3, 5), 5)
        (5, 5)
    """
    read = circuit_rounds(circuit)
    if rounds is not None:
        given = _check_rounds(circuit, rounds, name)
        if read is not None and given != read:
            # {"rounds": 1} on a 3-round memory read its shot error as the per-round rate, 3 times too high.
            raise ValueError(
                f"{name} = {given} but the circuit has {read} rounds (its detectors' last coordinate and its "
                f"measure qubits' measurements both say so): the per-round rate would be off by a factor of about "
                f"{max(given, read) / min(given, read):.3g}; give {name} = {read} or leave it out"
            )
        return given
    if read is not None:
        return read
    by_coordinates = _coordinate_rounds(circuit)
    measured = _measured_rounds(circuit)
    if by_coordinates is None:
        if measured is None or measured <= 1:
            return 1  # no round coordinates and no repeated measure qubit: a shot is the unit (the rounds say 1)
        # A 5-round memory whose detectors carry no coordinates was read as 1 round without a word: its per_round was
        # the shot's error, 5 times the per-round rate.
        raise ValueError(
            f"the circuit's rounds cannot be read: its detectors carry no round coordinates, and its measure qubits "
            f"are measured {measured} times each (read as 1 round, a {measured}-round shot's error would be its "
            f"per-round rate); give {name} (the syndrome rounds of one shot; 1 for a rate per shot)"
        )
    each = "cannot be counted" if measured is None else f"are measured {measured} times each"
    raise ValueError(
        f"the circuit's rounds are ambiguous: its detectors' last coordinate says {by_coordinates} and its measure "
        f"qubits {each}; give {name} (the syndrome rounds of one shot) explicitly"
    )


def _decoder_error_model(circuit: Any) -> Any:
    """The detector error model PyMatching decodes ``circuit`` with, in :func:`sample_logical_error` and
    :func:`collect` alike: the circuit's own error probabilities, its errors decomposed into graph-like
    parts, disjoint channel outcomes treated as independent (the prior sinter builds).

    Example:
        >>> from qnsim import qec
        >>> _decoder_error_model(qec.memory_circuit(3, 2)).num_detectors
        16
    """
    return circuit.detector_error_model(decompose_errors=True, approximate_disjoint_errors=True)


def _check_circuit(stim: Any, name: str, circuit: object) -> Any:
    """``circuit`` as a ``stim.Circuit``, or a ValueError naming ``name`` and what it got."""
    if not isinstance(circuit, stim.Circuit):
        raise ValueError(f"{name} must be a stim.Circuit, got {type(circuit).__name__}")
    return circuit


def _check_metadata(name: str, metadata: object) -> dict[str, Any]:
    """A copy of ``metadata``, a mapping (as :class:`LogicalErrorEstimate` takes it): a list of pairs was made a
    dict without a word, and a text said "dictionary update sequence element #0 has length 1"."""
    if not isinstance(metadata, Mapping):
        raise ValueError(f"{name} must be a mapping (a dict), got {shown(metadata)}")
    return dict(metadata)


def _check_count(name: str, value: int | None, allow_none: bool = True) -> int | None:
    if value is None and allow_none:
        return None
    return integer(name, value, minimum=1, error=ValueError)


def sample_logical_error(
    circuit,
    *,
    max_shots: int,
    max_errors: int | None = None,
    seed: int | None = None,
    rounds: int | None = None,
    batch_size: int = 1024,
    max_batch_size: int = 65536,
    metadata: Mapping[str, Any] | None = None,
    resume_dir: str | os.PathLike | None = None,
) -> LogicalErrorEstimate:
    """Samples a circuit, decodes with PyMatching and counts logical errors, in this process.

    Batches start at ``batch_size`` shots and double up to ``max_batch_size`` (sinter's
    schedule); sampling stops at ``max_shots`` shots or once ``max_errors`` errors are counted
    (checked between batches, so a run may pass ``max_errors`` by part of a batch).

    Args:
        circuit: A ``stim.Circuit`` with detectors and observables.
        max_shots: Upper bound on shots (>= 1).
        max_errors: Stop once this many errors are seen (None: run ``max_shots``).
        seed: Seed of Stim's sampler (None: one drawn at random, recorded in the result's ``seed`` and named by a
            note: it repeats the run).
        rounds: Rounds per shot, for :attr:`LogicalErrorEstimate.per_round`; None (default): the
            circuit's own (:func:`circuit_rounds`: the rounds of a :mod:`qnsim.qec` or Stim-generated
            surface or repetition code circuit), or 1 (a shot is the unit) for a circuit whose detectors
            carry no coordinates and that measures no qubit twice for them (one that does is refused: give
            its rounds). Checked against the circuit's own (:func:`shot_rounds`).
        batch_size: First batch size, in shots (at most ``max_batch_size``, unless ``max_shots`` is).
        max_batch_size: Largest batch size, in shots.
        metadata: Copied into the result.
        resume_dir: A directory (made if absent) where the counts are saved after every batch, in a file named by
            a hash of everything they depend on (the circuit's text, ``seed``, ``max_shots``, ``max_errors``, the
            batch sizes, the Stim and PyMatching versions, the qnsim that samples them: :func:`qnsim.sweeps.code_id`):
            a run killed and started again with the same arguments resumes at its last saved batch, and returns the
            counts and shots an uninterrupted run returns (``seconds`` adds the runs' times); a finished run's
            file returns its counts at once. Another circuit, setting or qnsim never reads the file. Needs a
            ``seed``. A file that cannot be written (a full disk) stops the saving, not the run (a warning on the
            ``qnsim.qec`` logger).

    Returns:
        The counts.

    Raises:
        ValueError: Non-positive counts, a first batch above ``max_batch_size``, ``rounds`` other than the
            circuit's, or None for a circuit whose rounds are ambiguous (:func:`shot_rounds`), a circuit without
            observables, a largest batch whose
            detection events and observables would take more than 1 GiB (``MAX_BATCH_BYTES``), or
            ``max_shots`` times the bits of a shot above 2**40 (``MAX_SAMPLED_BITS``: days of work),
            ``resume_dir`` without a ``seed``, or a saved file that is not a record of these arguments.

    Example:
        >>> from qnsim import qec
        >>> c = qec.memory_circuit(3, 3, noise=qec.NoiseModel.uniform_depolarizing(0.005))
        >>> a = sample_logical_error(c, max_shots=3000, seed=7, rounds=3)
        >>> b = sample_logical_error(c, max_shots=3000, seed=7, rounds=3)
        >>> a.errors == b.errors
        True
    """
    stim = require_stim()
    pymatching = require_pymatching()
    max_errors = _check_count("max_errors", max_errors)
    if rounds is not None and not is_integer(rounds):  # its range is read with the circuit's (_check_rounds)
        integer("rounds", rounds, error=ValueError)
    batch_size = _check_count("batch_size", batch_size, allow_none=False)
    max_batch_size = _check_count("max_batch_size", max_batch_size, allow_none=False)
    if seed is not None:  # Stim's own refusal did not name the value
        seed = check_seed("seed", seed)
    circuit = _check_circuit(stim, "circuit", circuit)
    max_shots = read_max_shots(max_shots, circuit.num_detectors + circuit.num_observables)
    metadata = _check_metadata("metadata", {} if metadata is None else metadata)
    if circuit.num_observables == 0:
        raise ValueError("the circuit has no observables (OBSERVABLE_INCLUDE): nothing to count")
    # A default of 1 read the shot's error as the per-round rate: a d-round memory sampled without
    # rounds=d reported d times its per-round error, as per_round.
    rounds = shot_rounds(circuit, rounds)
    # One batch's bit-packed detection events and observables are held at once (plus the
    # decoder's predictions): a batch of 10**12 shots asked Stim for terabytes.
    shot_bytes = (circuit.num_detectors + 7) // 8 + 2 * ((circuit.num_observables + 7) // 8)
    largest = min(max(batch_size, max_batch_size), max_shots)
    if largest * shot_bytes > MAX_BATCH_BYTES:
        raise ValueError(
            f"a batch of {largest:,} shots of this circuit ({shot_bytes} bytes each) would need "
            f"{largest * shot_bytes:,} bytes, more than {MAX_BATCH_BYTES:,}; lower batch_size / max_batch_size"
        )
    if min(batch_size, max_shots) > max_batch_size:
        # Taken before: the first batch ran batch_size shots and every later one max_batch_size, a schedule shrinking
        # where it is documented to double. (A batch_size above it that max_shots caps below it is one batch.)
        raise ValueError(
            f"batch_size = {batch_size:,} is more than max_batch_size = {max_batch_size:,}, and max_shots = "
            f"{max_shots:,} would run a first batch of {min(batch_size, max_shots):,} shots: batches start at "
            "batch_size shots and double up to max_batch_size; give batch_size <= max_batch_size"
        )
    store = None
    if resume_dir is not None:
        resume_dir = file_path("resume_dir", resume_dir)
        if os.path.exists(resume_dir) and not os.path.isdir(resume_dir):  # else "[Errno 17] File exists" at a batch
            raise ValueError(f"resume_dir {written(resume_dir)} is a file, not a directory")
        if seed is None:
            raise ValueError(
                "resume_dir needs a seed: resumed shots continue the seeded batches of the run that saved them"
            )
        store = _SavedCounts(
            resume_dir, circuit, stim, pymatching,
            seed=seed, max_shots=max_shots, max_errors=max_errors, batch_size=batch_size, max_batch_size=max_batch_size,
        )  # fmt: skip
    seed_drawn = seed is None
    if seed is None:  # fresh randomness, drawn once: each batch's seed is derived from it as from a given one
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
    start = time.perf_counter()
    index, shots, errors, saved_seconds = store.load() if store is not None else (0, 0, 0, 0.0)
    matcher = None
    while shots < max_shots and (max_errors is None or errors < max_errors):
        if matcher is None:  # not built for a finished run read back from its file
            matcher = pymatching.Matching.from_detector_error_model(_decoder_error_model(circuit))
        n = min(_batch_shots(index, batch_size, max_batch_size), max_shots - shots)
        det, obs = _batch_sampler(circuit, seed, index).sample(n, separate_observables=True, bit_packed=True)
        predicted = matcher.decode_batch(det, bit_packed_shots=True, bit_packed_predictions=True)
        errors += int(np.count_nonzero(np.any(predicted != obs, axis=1)))
        shots += n
        index += 1
        if store is not None:
            try:
                store.save(index, shots, errors, saved_seconds + time.perf_counter() - start)
            except OSError as exc:
                # A full disk, or a Dask worker on a machine that cannot write the directory: the counts are still
                # right, only a kill would lose them, so the run goes on without saving, and says so.
                logging.getLogger("qnsim.qec").warning(
                    "the counts are not saved for a resume any more (%s: %s); the sampling goes on", store.path, exc
                )
                store = None
    return LogicalErrorEstimate(
        shots=shots,
        errors=errors,
        rounds=rounds,
        seconds=saved_seconds + time.perf_counter() - start,
        metadata=metadata,
        max_errors=max_errors,
        seed=seed,
        seed_drawn=seed_drawn,
    )


def _batch_shots(index: int, batch_size: int, max_batch_size: int) -> int:
    """Shots of batch ``index`` (from 0): ``batch_size`` doubling up to ``max_batch_size`` (sinter's schedule)."""
    return batch_size if index == 0 else min(batch_size << min(index, 64), max_batch_size)


def _shots_of_batches(batches: int, batch_size: int, max_batch_size: int) -> int:
    """The shots of the first ``batches`` batches (:func:`_batch_shots`), in at most ~66 steps: summed batch by batch,
    an edited record of 10**15 batches kept the resume checking it for days."""
    total = 0
    for index in range(batches):
        size = _batch_shots(index, batch_size, max_batch_size)
        if size == max_batch_size:  # every later batch is as large
            return total + size * (batches - index)
        total += size
    return total


def _batch_sampler(circuit: Any, seed: int, index: int) -> Any:
    """Stim's detector sampler of batch ``index``, seeded from ``(seed, index)``: one stream per batch, so that a
    run resumed at a batch draws what an uninterrupted run draws there (one stream for the whole run cannot be
    resumed in its middle)."""
    batch_seed = np.random.SeedSequence(seed, spawn_key=(index,)).generate_state(1, np.uint64)[0]
    return circuit.compile_detector_sampler(seed=int(batch_seed))


def _checksum(record: Mapping[str, Any]) -> str:
    """SHA-1 of a saved record's canonical JSON: a count edited by hand (or damaged) no longer matches it."""
    return hashlib.sha1(json.dumps(record, sort_keys=True).encode()).hexdigest()


class _SavedCounts:
    """The counts of one :func:`sample_logical_error` run, saved after each batch in ``<dir>/<key>.json``.

    The key is a hash of what the counts depend on, and the file repeats it in full: a file of another circuit or
    setting is never read (a changed noise or seed names another file), and one that does not match its name
    (edited, damaged) is refused rather than read. A file is written whole or not at all (a temporary file,
    fsynced, renamed into place), so a kill leaves the last batch's counts or the one before's.
    """

    def __init__(self, directory: str, circuit: Any, stim: Any, pymatching: Any, **settings: Any) -> None:
        from qnsim.sweeps import code_id

        self.identity = {
            "format": 1,
            "circuit_sha1": hashlib.sha1(str(circuit).encode()).hexdigest(),
            "decoder": "pymatching",
            "stim": stim.__version__,
            "pymatching": pymatching.__version__,
            # The qnsim that samples and decodes (its decoder model, batch seeds and schedule are its code), as a
            # sweep's rows name it in their scenario_id: counts saved by another qnsim were resumed as this one's.
            "qnsim": code_id(),
            **settings,
        }
        key = hashlib.sha1(json.dumps(self.identity, sort_keys=True).encode()).hexdigest()[:24]
        self.directory = directory
        self.path = os.path.join(directory, f"{key}.json")
        self.schedule = (settings["batch_size"], settings["max_batch_size"])

    def load(self) -> tuple[int, int, int, float]:
        """(batches done, shots, errors, seconds) saved, or zeros when there is no file."""
        try:
            with open(self.path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            return 0, 0, 0, 0.0
        why = self._inconsistency(text)
        if why is not None:
            # Which key: "not a record (edited or damaged)" alone left the reader to guess what was wrong with it.
            raise ValueError(
                f"{self.path} is not a record of this sampling's counts (edited or damaged): {why}; delete it to "
                "sample from the first shot"
            )
        record = json.loads(text)
        batches, shots, errors, seconds = (record[k] for k in ("batches", "shots", "errors", "seconds"))
        try:
            # Read by this run: its time says so to the sweep that deletes the counts its own points used (the file
            # of a run killed after its last batch is read, not saved again).
            os.utime(self.path)
        except OSError:
            pass
        return int(batches), int(shots), int(errors), float(seconds)

    def _inconsistency(self, text: str) -> str | None:
        """What is wrong with a saved record's ``text``, naming its key (None: a record of these counts, whole).

        Every count is checked on its own, then against the checksum: a record edited with its checksum recomputed
        is refused as well where a count is not one this sampling writes."""
        try:
            record = json.loads(text)
        except ValueError as exc:
            return f"not JSON: {exc}"
        if not isinstance(record, dict):
            return f"a JSON object of counts, got {type(record).__name__}"
        missing = [k for k in ("identity", "batches", "shots", "errors", "seconds", "checksum") if k not in record]
        if missing:
            return f"it lacks {', '.join(missing)}"
        if record["identity"] != self.identity:
            identity = record["identity"]
            if not isinstance(identity, dict):
                return f"identity must be an object, got {written(identity)}"
            keys = sorted(k for k in {*identity, *self.identity} if identity.get(k) != self.identity.get(k))
            return f"identity differs from this sampling's at {', '.join(keys[:5])}"
        batches, shots, errors, seconds = (record[k] for k in ("batches", "shots", "errors", "seconds"))
        for key, value in (("batches", batches), ("shots", shots), ("errors", errors)):
            if not is_integer(value) or value < 0:
                return f"{key} must be a count (an integer >= 0), got {written(value)}"
        if errors > shots:
            return f"errors = {errors} is more than shots = {shots}"
        if not (isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and math.isfinite(seconds)
                and seconds >= 0):
            return f"seconds must be a finite number >= 0, got {written(seconds)}"
        expected = _shots_of_batches(batches, *self.schedule)
        if shots != min(expected, self.identity["max_shots"]) or (
            batches > 0 and shots <= expected - _batch_shots(batches - 1, *self.schedule)
        ):
            return f"shots = {shots} is not what {batches} batches of this sampling's schedule make"
        checksum = record.pop("checksum")
        if checksum != _checksum(record):
            return "checksum does not match its counts (a count edited by hand?)"
        return None

    def save(self, batches: int, shots: int, errors: int, seconds: float) -> None:
        os.makedirs(self.directory, exist_ok=True)
        record = {"identity": self.identity, "batches": batches, "shots": shots, "errors": errors, "seconds": seconds}
        record["checksum"] = _checksum(record)
        temporary = f"{self.path}.{os.getpid()}.tmp"
        try:
            with open(temporary, "w", encoding="utf-8") as f:
                f.write(json.dumps(record, sort_keys=True))
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.remove(temporary)
            raise


def _check_resume_file(sinter: Any, path: str) -> None:
    """Refuses a ``save_resume_filepath`` that sinter cannot resume from, naming it: sinter's own reading of an edited
    or damaged file raised an empty AssertionError (a negative shot count), "the JSON object must be str, bytes or
    bytearray, not NoneType" (a line cut short) or "invalid literal for int()" (nan), naming no file."""
    if os.path.isdir(path):
        raise ValueError(f"save_resume_filepath {written(path)} is a directory; give a CSV file's path")
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return
    try:
        sinter.read_stats_from_csv_files(path)
    except (AssertionError, TypeError, ValueError, KeyError, IndexError) as exc:
        why = str(exc) or "a count out of range (a negative shot, error or discard count)"
        raise ValueError(
            f"save_resume_filepath {written(path)} is no statistics file sinter can resume from (edited or cut "
            "short?): "
            f"{why[:300]}; move it away or give another path"
        ) from None


def collect(
    tasks: Iterable[tuple[Any, Mapping[str, Any]]],
    *,
    max_shots: int,
    max_errors: int | None = None,
    num_workers: int | None = None,
    save_resume_filepath: str | None = None,
    print_progress: bool = False,
) -> list[LogicalErrorEstimate]:
    """Samples many circuits with ``sinter.collect`` and PyMatching, on ``num_workers`` processes.

    A thin wrapper: the circuits go to sinter unchanged, so the throughput is sinter's
    (``bench/qec_throughput.py``). Resumable: with ``save_resume_filepath`` sinter appends its
    statistics to that CSV and skips what it already holds when run again.

    Args:
        tasks: ``(circuit, metadata)`` pairs; metadata is a JSON-able dict that differs between tasks.
            Its ``"rounds"`` (an int), when given, are the rounds of a shot for per-round rates, checked
            against the circuit's own; without them the rounds are read from the circuit, as
            :func:`sample_logical_error` reads them (:func:`shot_rounds`).
        max_shots: Upper bound on shots per task.
        max_errors: Stop a task at this many errors (None: ``max_shots``).
        num_workers: Processes, at most 4096 (default: the CPUs this process may use).
        save_resume_filepath: CSV file for sinter's resumable statistics.
        print_progress: Let sinter print progress to stderr.

    Returns:
        One estimate per task, in the order given. sinter takes no seed, so the counts cannot be repeated: each
        estimate's ``repeatable`` is False and its notes say so (:func:`sample_logical_error` with a seed repeats).

    Raises:
        ValueError: Bad counts, a task that is not a ``(stim.Circuit, dict)`` pair, metadata the same as
            another task's, not JSON, or whose ``rounds`` differ from the circuit's, a circuit whose rounds
            cannot be read without ``rounds`` (its coordinates and measurements disagree), ``print_progress``
            not True or False, or ``max_shots`` times a circuit's bits per shot above 2**40
            (``MAX_SAMPLED_BITS``).
        TypeError: ``save_resume_filepath`` is not a path.

    Example:
        >>> from qnsim import qec
        >>> noise = qec.NoiseModel.uniform_depolarizing(0.01)
        >>> tasks = [(qec.memory_circuit(3, 3, noise=noise), {"d": 3})]
        >>> [(e.shots, e.rounds) for e in collect(tasks, max_shots=500, num_workers=1)]
        [(500, 3)]
    """
    sinter = require_sinter()
    from qnsim.sweeps import _usable_cpus

    # max_shots is read with each task's circuit (its work bound, before the 64-bit range), and once more after.
    max_errors = _check_count("max_errors", max_errors)
    workers = _usable_cpus()
    if num_workers is not None:  # sinter starts that many processes
        workers = integer(
            "num_workers", num_workers, minimum=1, maximum=MAX_WORKERS, error=ValueError,
            too_large=lambda n: ValueError(
                f"num_workers = {_count_text(n)} is more than the {MAX_WORKERS:,} processes collect starts"
            ),
        )  # fmt: skip
    if save_resume_filepath is not None:
        save_resume_filepath = file_path("save_resume_filepath", save_resume_filepath)
    print_progress = flag("print_progress", print_progress, error=ValueError)  # "no" printed the progress
    if isinstance(tasks, (str, bytes, Mapping)) or not isinstance(tasks, Iterable):
        raise ValueError(f"tasks must be a list of (circuit, metadata) pairs, got {shown(tasks)}")
    stim = require_stim()
    sinter_tasks = []
    rounds_of: list[int] = []
    first_of: dict[str, int] = {}
    for index, task in enumerate(tasks):
        # One reading for every task: a bare circuit said "too many values to unpack", a text circuit
        # "'str' object has no attribute 'num_measurements'", and a list of pairs for metadata was made a dict.
        if not isinstance(task, (tuple, list)) or len(task) != 2:
            got = f"{len(task)} items" if isinstance(task, (tuple, list)) else f"a {type(task).__name__}"
            raise ValueError(f"tasks[{index}] must be a (circuit, metadata) pair, got {got}")
        circuit = _check_circuit(stim, f"tasks[{index}] circuit", task[0])
        meta = _check_metadata(f"tasks[{index}] metadata", task[1])
        for key in meta:
            if not isinstance(key, str):  # sinter's JSON metadata: an int key failed as "'<' not supported ..."
                raise ValueError(f"tasks[{index}] metadata keys must be strings (JSON), got {written(key)}")
        # The metadata's rounds were required (refused without them); they are read from the circuit now, as
        # sample_logical_error reads them, and checked against it when given ({"rounds": 1} on a d-round memory
        # read its shot error as the per-round rate).
        rounds_of.append(shot_rounds(circuit, meta.get("rounds"), f"tasks[{index}] metadata 'rounds'"))
        read_max_shots(max_shots, circuit.num_detectors + circuit.num_observables)
        # The estimates are matched to the tasks by metadata: two tasks with the same metadata (a distance 3
        # and a distance 5 circuit both labelled {"rounds": 3}) were both given one task's counts.
        try:
            key = _meta_key(meta)
        except (TypeError, ValueError) as exc:  # json's own "Object of type int64 is not JSON serializable"
            raise ValueError(
                f"tasks[{index}] metadata must be JSON (sinter keeps and matches it as JSON text): {exc}; give numpy "
                "numbers as int(...) or float(...)"
            ) from None
        if key in first_of:
            raise ValueError(
                f"tasks[{first_of[key]}] and tasks[{index}] have the same metadata {written(meta)}: sinter tells tasks "
                "apart by their metadata, so each task's must differ (add the distance or the noise, say)"
            )
        first_of[key] = index
        # The decoder and its error model named in the task, so that its strong id (a hash of the circuit, the
        # decoder, its model and the metadata) is known here: the estimates are read back by it below.
        sinter_tasks.append(sinter.Task(
            circuit=circuit, decoder="pymatching", detector_error_model=_decoder_error_model(circuit),
            json_metadata=meta,
        ))
    max_shots = read_max_shots(max_shots, 1)  # read by no task's circuit when there is none
    if save_resume_filepath is not None:
        _check_resume_file(sinter, save_resume_filepath)
    stats = sinter.collect(
        num_workers=workers,
        tasks=sinter_tasks,
        max_shots=max_shots,
        max_errors=max_errors,
        save_resume_filepath=save_resume_filepath,
        print_progress=print_progress,
    )
    # By strong id, not by metadata: sinter hands back every statistic of save_resume_filepath's file too, and
    # a file that also held another circuit under the same metadata (the noise changed between two runs) gave
    # that circuit's counts to this one: a p = 0.002 memory resumed after a p = 0.02 run under {"d": 3} read
    # 685 errors in 2000 shots instead of its own 22, without a word.
    by_id = {s.strong_id: s for s in stats}
    out = []
    for task, rounds in zip(sinter_tasks, rounds_of):
        s = by_id[task.strong_id()]
        out.append(LogicalErrorEstimate(
            shots=s.shots,
            errors=s.errors,
            rounds=rounds,
            seconds=s.seconds,
            discards=s.discards,
            metadata=dict(s.json_metadata),
            max_errors=max_errors,
            repeatable=False,  # sinter.collect takes no seed: each worker's Stim sampler draws its own
        ))
    return out


def _meta_key(meta: Mapping[str, Any]) -> str:
    import json

    return json.dumps(meta, sort_keys=True)
