"""QEC sweeps: an experiment file, its points, and the sweep that runs them (resumable, pool or Dask).

An experiment file is TOML::

    [experiment]            # fixed settings (any of them may also be a grid axis)
    kind = "memory"         # "memory" or "merge"
    code = "rotated"        # "rotated" or "unrotated"
    basis = "Z"             # "Z" or "X"
    rounds = 5              # syndrome rounds (>= 1); left out: as many as the distance
    noise = "uniform"       # bulk noise preset: "uniform" (depolarizing) or "si1000"
    scheme = "direct"       # seam: "direct", "teleported" (Werner pairs) or "cat"

    [grid]                  # the sweep: cross product of these values
    distance = [3, 5, 7]
    p_bulk = [0.001]        # bulk error (the preset's p)
    p_int = [0.05, 0.1]     # interface error: direct, DEPOLARIZE2 p; teleported/cat, 1 - F of Werner pairs

    [sampling]
    max_shots = 100000
    max_errors = 200
    seeds = 1

    [link]                  # optional: the interface from a simulated link instead of p_int
    scenario = "two_qpus_transducers.toml"   # relative to the experiment file
    request = 0
    probes = 16             # density-matrix runs whose delivered pairs give the Bell-diagonal state (the default)
    cycle_time_s = 1e-6     # the QPU's syndrome round without waiting
    rate_multiplier = 1.0   # scale the measured pair rate (may be a grid axis)
    buffer_pairs = 20       # memories holding pairs at each end; left out: a round's pairs, none
                            # carried over; at most 256 when the link's pairs arrive as a Poisson
                            # process, any on a fixed schedule or a trace (may be a grid axis; see
                            # qnsim.qec.round_timing)
    seed = 7                # seed of the link's run (probes: seed, seed + 1, ...); left out: the
                            # scenario's run.seed (0 if it has none), as `qnsim qec link` takes it

Settings are read strictly (an integer count is not 3.0, a number is not text or NaN) and each goes
in one place: a setting both fixed and in ``[grid]`` is refused, and so are settings the point would
ignore (``cycle_time_s``, ``rate_multiplier`` and ``buffer_pairs`` without a ``[link]``, ``p_int`` with one).

With ``[link]``, p_bulk defaults to the source node's two-qubit gate error, the pairs' state is the
one measured (plus storage from delivery to the round's start: a round's pairs are gathered in one memory
each while the round before runs, none carried over, unless ``buffer_pairs`` gives a larger buffer) and the
rounds wait for slow links (see
:mod:`qnsim.qec.link`). The link is measured once, when the sweep starts, and its figures travel
with every point.

Every point runs :func:`qnsim.qec.sample_logical_error` (seeded by the sweep's seed) and returns
one row: the counts, the per-round logical error with its 95% Wilson interval, the Bell pairs per
round, ``notes`` (what the counts cannot say: no logical error at all, only a few, ``max_shots``
reached before ``max_errors``; with a link too slow for the memories, pairs unentangled at use or
data qubits fully mixed while a round waits, :attr:`qnsim.qec.link.RoundTiming.notes`; None when
nothing) and, with a link, its timing (round time, waiting, required rate). Its columns, each
saying whether it is per shot, per round or per second:

* ``shots``, ``errors``: the counts (a shot is ``rounds`` rounds); ``shot_error_rate``: errors / shots,
  per shot; ``per_round``, ``per_round_low``, ``per_round_high``: the logical error per round and its
  95% interval (:func:`qnsim.qec.per_round`); ``rounds`` and ``p_bulk`` (the values used) when
  not grid columns, and so ``buffer_pairs`` when the ``[link]`` gives one.
* ``pairs_per_round``, ``seam_gates_per_round``: Bell pairs and seam CNOTs a round uses.
* ``sampling_s``, only in a sweep asked for its timing (``timing=True`` of :func:`run_experiment_sweep`, ``qnsim qec
  sweep --timing``), last: wall-clock seconds spent sampling and decoding (all runs of a resumed point). It is the
  one column that is not a function of the point's settings and seed, so it is left out by default: two runs of a
  sweep (in one go or resumed, on any backend and worker count) then write the same rows. (Before, every row had
  it, and two identical sweeps never diffed clean; a sweep with it is another sweep, whose rows do not resume one
  without it, nor the other way round.)
* With a link: ``link_rate_hz`` (pairs/s delivered, times ``rate_multiplier``), ``link_rate_low_hz`` and
  ``link_rate_high_hz`` (its 95% interval, Poisson, times ``rate_multiplier``: the rate is measured from a
  finite count; both equal it when the deliveries keep a fixed schedule, NaN when the supply did not record
  them), ``link_window_s`` (the s of simulated time the rate was measured over; NaN: not recorded),
  ``link_seed`` (the seed the link was measured with: ``[link] seed`` or the scenario's ``run.seed``),
  ``pair_fidelity``
  and ``pair_psi_plus``, ``pair_psi_minus``, ``pair_phi_minus`` (the pairs' Bell-diagonal state at
  use), ``link_arrivals`` (the pairs' arrival law the timing models, :attr:`qnsim.qec.LinkSupply.arrivals`:
  ``"poisson"``, ``"periodic"`` for single, evenly spaced deliveries on a fixed schedule, or ``"trace"``: the pairs
  queued at their recorded delivery times, for bursts, uneven schedules and random deliveries that are measurably
  not a Poisson process), ``round_time_s``
  (s per round on average, waits included), ``wait_per_round_s`` (s per
  round: the mean time its batch of pairs takes beyond ``cycle_time_s``), ``poisson_wait_per_round_s``
  (s a round waits on average when the pairs arrive as a Poisson process: larger, and > 0 even at the
  required rate; the circuit's data idle error is averaged over these waits; with ``link_arrivals``
  ``"periodic"``, every round's wait, equal to ``wait_per_round_s``; with ``"trace"``, the mean wait of the queue
  over the recorded times), ``required_rate_hz`` and
  ``required_rate_per_seam_hz`` (pairs/s whose mean batch takes ``cycle_time_s``: the least that keeps up),
  ``logical_error_per_s`` (``per_round / round_time_s``: logical errors per second on average, a rate that
  exceeds 1 for fast rounds, not a probability; a memory kept ``t`` seconds fails with probability
  ``(1 - (1 - 2 per_round)^(t / round_time_s)) / 2``, not ``t`` times this rate).

With an ``out``, the sweep resumes per row (see :func:`qnsim.sweep`) and, inside a point, per batch: each
point saves its counts after every batch in ``OUT.shots/`` (one file per point, named by a hash of its
circuit and sampling settings; see ``resume_dir`` of :func:`qnsim.qec.sample_logical_error`), so a
point killed midway resumes at its last saved batch, and its row counts the shots and errors an
uninterrupted run counts. A sweep that finishes deletes the counts its points saved or resumed from (those
saved or read since it started: another sweep on the same ``out``, over other grid values, may have left a point's
counts to resume) and every whole run's (those of points that finished before a stop), then the directory if that
empties it. A hard link to ``out`` beside it reaches the same saved counts. A sweep that stops (a failed point,
Ctrl-C) names it in its error; if it is not run again, ``qnsim qec clean-shots OUT`` (:func:`clear_saved_counts`)
deletes the counts, refused while a sweep writes ``out``. (On Dask, a worker saves where it runs: a point resumes
on a machine that sees that directory.)

>>> spec = ExperimentSpec.from_dict({"grid": {"distance": [3], "p_int": [0.05]},
...                                  "sampling": {"max_shots": 500}})
>>> row = spec.point({"distance": 3, "p_int": 0.05}, seed=1)
>>> row["shots"], row["rounds"], row["pairs_per_round"]
(500, 3, 0)
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qnsim._exception_notes import add_note
from qnsim._row_notes import join_notes
from qnsim.argument_checks import file_path, flag, integer, is_integer, real_number, shown, unknown_keys, written
from qnsim.qec.channels import werner
from qnsim.qec.circuits import (
    MAX_QUBIT_ROUNDS,
    _check_basis,
    _check_code,
    _check_rounds,
    memory_circuit,
    merge_circuit,
    seam_resources,
)
from qnsim.qec.layout import MAX_DISTANCE, check_distance
from qnsim.qec.link import MAX_SCHEDULED_BUFFER_PAIRS, check_buffer_pairs, cycle_time
from qnsim.qec.noise import Interface, NoiseModel
from qnsim.qec.sampling import check_sampled_bits, read_max_shots
from qnsim.specs import did_you_mean

__all__ = ["EXPERIMENT_KEYS", "ExperimentSpec", "clear_saved_counts", "run_experiment_sweep", "saved_counts_dir"]

#: Settings of a point, their types and defaults.
EXPERIMENT_KEYS: dict[str, tuple[type, Any]] = {
    "kind": (str, "memory"),
    "code": (str, "rotated"),
    "basis": (str, "Z"),
    "rounds": (int, None),  # None: as many as the distance
    "noise": (str, "uniform"),
    "scheme": (str, "direct"),
    "distance": (int, 3),
    "p_bulk": (float, 0.001),
    "p_int": (float, 0.0),
    "max_shots": (int, 100_000),
    "max_errors": (int, 0),
    "rate_multiplier": (float, 1.0),
    "cycle_time_s": (float, 1e-6),
    "buffer_pairs": (int, None),  # None: a round's pairs
}
_TABLES = ("experiment", "grid", "sampling", "link")
_LINK_KEYS = ("scenario", "request", "probes", "cycle_time_s", "rate_multiplier", "buffer_pairs", "seed")


#: Bounds of the numeric settings, checked as the value is read (distance's oddness and the
#: circuit size by :meth:`ExperimentSpec.settings`, for every grid value when the file is read).
_BOUNDS: dict[str, dict[str, Any]] = {
    "rounds": {"minimum": 1},
    "distance": {"minimum": 3},
    "p_bulk": {"minimum": 0.0, "maximum": 1.0},
    "p_int": {"minimum": 0.0, "maximum": 1.0},
    "max_shots": {"minimum": 1},
    "max_errors": {"minimum": 1},  # left out: no limit (0 inside, as the point ids have it)
    "rate_multiplier": {"minimum": 0.0, "exclusive_minimum": True},
    # The Poisson queue's own bound (256) is checked with the link's law, once it is measured (check_buffer_pairs).
    "buffer_pairs": {"minimum": 1, "maximum": MAX_SCHEDULED_BUFFER_PAIRS},
}
#: Upper bounds of integer settings that the circuit builders state (``check_distance``, the circuit size at the
#: least distance, 3: (2 d + 1)**2 = 49 qubits a round), and their refusals, checked as the value is read.
_OWN_MAXIMA: dict[str, tuple[int, Any]] = {
    "distance": (MAX_DISTANCE, lambda name, n: (
        f"{name} must be at most {MAX_DISTANCE} (about {4 * MAX_DISTANCE**2:.0e} qubits a patch), got {shown(n)}"
    )),
    "rounds": (MAX_QUBIT_ROUNDS // 49, lambda name, n: (
        f"{name} = {shown(n)} makes a circuit of more than the {MAX_QUBIT_ROUNDS:.0e} qubit-rounds built here, even "
        f"at distance 3; give rounds <= {MAX_QUBIT_ROUNDS // 49:,}"
    )),
}  # fmt: skip
#: Settings only a [link] uses (they scale or time its pairs), and the one it replaces.
_LINK_ONLY = ("cycle_time_s", "rate_multiplier", "buffer_pairs")
_NOT_WITH_LINK = ("p_int",)


#: Counts whose 0 once meant "left out" in a file while the API and the commands refuse it: the refusal says what
#: the key counts and how to ask for the default. One semantics of each everywhere: ``rounds`` = 0 meant "as many
#: as the distance" here while ``qnsim qec circuit --rounds 0`` and ``memory_circuit(3, 0)`` refused it (in a grid it
#: was written as 0 in the rows of shots of d rounds); ``max_errors`` = 0 meant "no limit" (every shot of
#: ``max_shots`` sampled) while ``sample_logical_error(max_errors=0)`` and ``--max-errors 0`` refused it.
_ZERO_MEANT_LEFT_OUT = {
    "rounds": "rounds counts the syndrome rounds of a shot (an int >= 1); leave rounds out for as many rounds as the "
              "distance (as qnsim qec circuit and memory_circuit do)",
    "max_errors": "max_errors is the logical errors after which sampling stops (an int >= 1); leave max_errors out to "
                  "sample max_shots shots whatever the errors (as sample_logical_error's None does)",
}



def _refuse_unknown_settings(keys: Any, source: str, where: str = "") -> None:
    """ValueError naming the first of ``keys`` that is no experiment setting (``where``: the table or field it came
    from, e.g. ``"[grid]"``), with the nearest known setting as a tip, or the list of known ones when none is near.

    One check for every way a setting reaches a spec (a file's tables, ``ExperimentSpec``'s fields, a point's
    params, ``sweep``'s grid), so each says the same about the same mistake.
    """
    for key in keys:
        if key not in EXPERIMENT_KEYS:
            tip = did_you_mean(key, EXPERIMENT_KEYS) or f"; known: {sorted(EXPERIMENT_KEYS)}"
            place = f" in {where}" if where else ""
            prefix = f"{source}: " if source else ""
            raise ValueError(f"{prefix}unknown setting {written(key)}{place}{tip}")


def _typed(key: str, value: Any, where: str) -> Any:
    """One setting's value, read by the shared number readers (:mod:`qnsim.argument_checks`).

    A number is an int or a float (NumPy's too), never a bool or text; a count is an integer
    (3.0 is refused, not truncated); NaN and infinities are refused; bounds as ``_BOUNDS``.
    """
    kind = EXPERIMENT_KEYS[key][0]
    name = f"{where}: {key}"
    if key == "cycle_time_s":  # read as qnsim qec link and round_timing read it
        return cycle_time(name, value)
    if kind is float:
        return real_number(name, value, error=ValueError, **_BOUNDS.get(key, {}))
    if key == "max_shots":  # its work bound (2**40 bits at one bit per shot, the least) before the 64-bit range
        return read_max_shots(value, 1, name)
    if key in _ZERO_MEANT_LEFT_OUT and is_integer(value) and value == 0:
        raise ValueError(f"{name} = 0: {_ZERO_MEANT_LEFT_OUT[key]}")
    if kind is int and key in _OWN_MAXIMA:
        # The bound of the circuits' own checks, before integer()'s 64-bit range: distance = 2**64 + 1 and
        # rounds = 2**64 were told "beyond a 64-bit integer", 2**61 + 1 and 2**62 the circuit's bound.
        maximum, text = _OWN_MAXIMA[key]
        return integer(
            name, value, error=ValueError, maximum=maximum, too_large=lambda n: ValueError(text(name, n)),
            **_BOUNDS.get(key, {}),
        )  # fmt: skip
    if kind is int:
        return integer(name, value, error=ValueError, **_BOUNDS.get(key, {}))
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, got {written(value)}")
    return value


def _grid_values(key: str, values: Sequence[Any], where: str) -> list[Any]:
    """A grid axis's values, each read as its setting (:func:`_typed`)."""
    return [_typed(key, v, where) for v in values]


def _table(data: Mapping[str, Any], table: str, source: str) -> dict[str, Any]:
    value = data.get(table, {})
    if not isinstance(value, Mapping):
        # dict(3) said "'int' object is not iterable", naming neither the table nor the value.
        raise ValueError(f"{source}: [{table}] must be a table of settings, got {written(value)}")
    return dict(value)


def _noise_model(settings: Mapping[str, Any]) -> NoiseModel:
    """The bulk noise of a point's settings (``noise`` names the model, ``p_bulk`` its strength)."""
    preset = NoiseModel.uniform_depolarizing if settings["noise"] == "uniform" else NoiseModel.si1000
    try:
        return preset(settings["p_bulk"])
    except ValueError as exc:
        # The preset names its argument p; the file's key is p_bulk.
        raise ValueError(f"p_bulk (noise {written(settings['noise'])}): {exc}") from None


@dataclass
class ExperimentSpec:
    """A parsed experiment file: fixed settings, grid, sampling, optional link.

    Attributes:
        fixed: Settings that do not vary.
        grid: Settings that do: key -> list of values.
        seeds: Seed count or list (as :func:`qnsim.sweep`).
        link: The ``[link]`` table (paths resolved), or None.
        supply: The measured link, once :meth:`measure` ran.
        source: The file name, for messages.
        resume_dir: Where each point saves its counts after every batch, so that a killed point resumes its
            shots (``resume_dir`` of :func:`qnsim.qec.sample_logical_error`); None: not saved.
            :func:`run_experiment_sweep` sets it beside its ``out``. Where the work is kept, not what it computes:
            not part of the sweep's scenario id (nor are ``source`` and the ``[link]`` scenario's path: the
            measured :attr:`supply` stands for that scenario).
        timing: Add the ``sampling_s`` column (wall clock; see the module docstring). Part of the scenario id: the
            rows have another column.

    A spec is checked as a whole (:meth:`check`) when it is made, directly or by :meth:`from_dict`, whenever one
    of its attributes is assigned (a bad value is refused and the attribute keeps its old one), and again by each
    point and sweep, which catches a ``fixed`` or ``grid`` changed in place: every path to a run goes through
    the one check.

    Example:
        >>> ExperimentSpec.from_dict({"experiment": {"kind": "merge"}}).fixed["kind"]
        'merge'
    """

    fixed: dict[str, Any]
    grid: dict[str, list]
    seeds: int | list[int] = 1
    link: dict[str, Any] | None = None
    supply: Any = None
    source: str = "<experiment>"
    resume_dir: str | None = None
    timing: bool = False

    #: What says where a point keeps its work or where the files were read, not what it computes (left out of the
    #: scenario id, so that a sweep's rows resume wherever its out file is and whatever path named its files: the
    #: same file given as ``./e.toml`` was refused as another scenario, and so was a folder copied elsewhere).
    sweep_id_excludes = ("resume_dir", "source", "link.scenario")

    def __post_init__(self) -> None:
        self.check()

    def __setattr__(self, name: str, value: Any) -> None:
        # Checked as the spec is made, its fields were free to change afterwards: spec.fixed = {"foo": 3} ran its
        # points with the unknown setting ignored, spec.timing = "yes" was read as true, a grid of [3, 3] set after
        # from_dict ran d = 3 twice. An assignment after construction (every field set) goes through check().
        if name not in _SPEC_FIELDS or len(vars(self)) < len(_SPEC_FIELDS):
            object.__setattr__(self, name, value)
            return
        old = vars(self)[name]
        object.__setattr__(self, name, value)
        try:
            self.check()
        except BaseException:
            object.__setattr__(self, name, old)
            raise

    def check(self) -> None:
        """The one check of a spec, whatever made or changed it: the settings' names and values (as a file's are
        read), each grid value and the largest circuit (:meth:`settings`), the seeds, the ``[link]`` table's keys,
        and the other fields' types.

        Raises:
            ValueError: A setting, grid value, seed or link key, named with :attr:`source`.
            TypeError: A field of another type (``timing`` not a bool, ``supply`` not a measured link).

        Example:
            >>> spec = ExperimentSpec.from_dict({})
            >>> spec.timing = "yes"
            Traceback (most recent call last):
            ...
            TypeError: ExperimentSpec.timing must be True or False, got 'yes'
        """

        from qnsim.qec.link import LinkSupply
        from qnsim.sweeps import _seed_list, grid_axes

        if not isinstance(self.source, str):
            raise TypeError(f"ExperimentSpec.source must be a string (the file's name, for messages), got "
                            f"{written(self.source)}")  # fmt: skip
        source = self.source
        object.__setattr__(self, "timing", flag("ExperimentSpec.timing", self.timing))
        if self.resume_dir is not None and not isinstance(self.resume_dir, str):
            raise TypeError(f"ExperimentSpec.resume_dir must be None or a directory's path (str), got "
                            f"{written(self.resume_dir)}")  # fmt: skip
        if self.supply is not None and not isinstance(self.supply, LinkSupply):
            raise TypeError(f"ExperimentSpec.supply must be None or a measured link (qnsim.qec.LinkSupply), got "
                            f"{written(self.supply):.80}")  # fmt: skip
        for table, value in (("fixed", self.fixed), ("grid", self.grid)):
            if not isinstance(value, dict):
                raise TypeError(
                    f"{source}: ExperimentSpec.{table} must be a dict of settings, got {written(value):.80}"
                )
            _refuse_unknown_settings(value, source, f"ExperimentSpec.{table}")
        for key, value in self.fixed.items():
            _typed(key, value, source)
        for key, values in self.grid.items():
            if key in self.fixed:
                raise ValueError(f"{source}: {key} is both fixed ({written(self.fixed[key])}) and in the grid "
                                 f"({written(values)}); give it in one place")  # fmt: skip
            if not isinstance(values, list) or not values:
                raise ValueError(f"{source}: grid {key} must be a non-empty list, got {written(values)}")
            _grid_values(key, values, f"{source} [grid]")
            try:
                grid_axes({key: values})  # the sweep's own reading of an axis (a value twice is refused)
            except ValueError as exc:
                raise ValueError(f"{source}: {exc}") from None
        try:
            _seed_list(self.seeds)
        except ValueError as exc:
            raise ValueError(f"{source} [sampling]: {exc}") from None
        if self.link is not None:
            if not isinstance(self.link, dict):
                raise TypeError(f"{source}: ExperimentSpec.link must be None or the [link] table (a dict), got "
                                f"{written(self.link):.80}")  # fmt: skip
            bad = unknown_keys(self.link, _LINK_KEYS)
            if bad:
                raise ValueError(f"{source}: unknown keys {bad} in [link]; use {list(_LINK_KEYS)}")
            if "scenario" not in self.link:
                raise ValueError(f"{source}: [link] needs scenario = \"path/to/scenario.toml\"")
            from qnsim.qec.link import DEFAULT_PROBES, MAX_PROBES, read_probe_seed

            # The values as from_dict reads them (and measure() hands them to the link's measurement): changed in
            # place, spec.link["probes"] = 10**9 reached measure_link unread.
            where = f"{source} [link]"
            file_path(f"{where}: scenario", self.link["scenario"])
            integer(f"{where}: request", self.link.get("request", 0), minimum=0, error=ValueError)
            probes = integer(f"{where}: probes", self.link.get("probes", DEFAULT_PROBES), minimum=1, maximum=MAX_PROBES,
                             error=ValueError)  # fmt: skip
            if "seed" in self.link:
                read_probe_seed(self.link["seed"], probes, f"{where}: seed")
            for key in _LINK_ONLY:
                if key in self.link:
                    raise ValueError(f"{source}: [link] {key} is a setting of ExperimentSpec.fixed once read")
        # Every grid value, and the largest circuit, checked now: the first combination alone let
        # distance = [3, 4] run its d = 3 points and then fail on 4 ("must be an odd int >= 3").
        first = {k: v[0] for k, v in self.grid.items()}
        for key, values in self.grid.items():
            for value in values:
                self.settings({**first, key: value})
        largest = dict(first)
        if "distance" in self.grid:
            largest["distance"] = max(self.grid["distance"])
        if "rounds" in self.grid:
            largest["rounds"] = max(self.grid["rounds"])
        if "merge" in self.grid.get("kind", ()):
            largest["kind"] = "merge"
        self.settings(largest)

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> ExperimentSpec:
        """Reads an experiment TOML (see the module docstring).

        Args:
            path: The file; a ``[link]`` scenario path is relative to it.

        Returns:
            The spec.

        Raises:
            FileNotFoundError: No such file.
            ValueError: Not TOML, an unknown table or key, a wrong type.

        Example:
            >>> import os, tempfile
            >>> with tempfile.TemporaryDirectory() as tmp:
            ...     path = os.path.join(tmp, "e.toml")
            ...     with open(path, "w") as f:
            ...         _ = f.write('[experiment]\\nscheme = "direct"\\n[grid]\\ndistance = [3, 5, 7]\\n')
            ...     spec = ExperimentSpec.from_file(path)
            >>> spec.fixed["scheme"], spec.grid["distance"]
            ('direct', [3, 5, 7])
        """
        path = file_path("path", path)
        from qnsim.sweeps import TomlScenario

        data = TomlScenario(path).data
        return cls.from_dict(data, source=str(path), base=Path(path).parent)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, source: str = "<experiment>", base: Path | None = None
    ) -> ExperimentSpec:
        """Builds a spec from parsed TOML data; relative link scenarios resolve against ``base``.

        Example:
            >>> ExperimentSpec.from_dict({"grid": {"distnce": [3]}})
            Traceback (most recent call last):
            ...
            ValueError: <experiment>: unknown setting 'distnce' in [grid]; did you mean 'distance'?
        """

        from qnsim.config import other_file_kind

        if not isinstance(data, Mapping):
            raise ValueError(f"{source}: an experiment must be a table of tables, got {written(data):.80}")
        unknown = unknown_keys(data, _TABLES)
        other = other_file_kind(data, "qec", source) if unknown else None
        if other is not None:
            raise ValueError(other)
        if unknown:
            raise ValueError(f"{source}: unknown tables {unknown}; use {list(_TABLES)}")
        fixed: dict[str, Any] = {}
        where_fixed: dict[str, str] = {}
        for table in ("experiment", "sampling"):
            for key, value in _table(data, table, source).items():
                if key == "seeds" and table == "sampling":
                    continue
                _refuse_unknown_settings([key], source, f"[{table}]")
                fixed[key] = _typed(key, value, f"{source} [{table}]")
                where_fixed[key] = table
        grid: dict[str, list] = {}
        for key, values in _table(data, "grid", source).items():
            _refuse_unknown_settings([key], source, "[grid]")
            if key in fixed:
                # The grid's values replaced the fixed one without a word: which did the author mean?
                raise ValueError(
                    f"{source}: {key} is set in [{where_fixed[key]}] ({written(fixed[key])}) and in [grid] "
                    f"({written(values)}); "
                    "give it in one place"
                )
            if not isinstance(values, list) or not values:
                raise ValueError(f"{source}: grid {key} must be a non-empty list, got {written(values)}")
            grid[key] = _grid_values(key, values, f"{source} [grid]")
            from qnsim.sweeps import grid_axes

            try:
                # The sweep's own reading of an axis (one semantics of "the same value twice"), here where the file
                # is known: the sweep refused distance = [3, 3] as "grid['distance'] lists the value 3 twice",
                # naming no file.
                grid_axes({key: grid[key]})
            except ValueError as exc:
                raise ValueError(f"{source}: {exc}") from None
        seeds = _table(data, "sampling", source).get("seeds", 1)
        from qnsim.sweeps import _seed_list

        try:
            _seed_list(seeds)  # now, not when the sweep starts after the link was measured
        except ValueError as exc:
            raise ValueError(f"{source} [sampling]: {exc}") from None
        link = None
        if "link" in data:
            link = _table(data, "link", source)
            bad = unknown_keys(link, _LINK_KEYS)
            if bad:
                raise ValueError(f"{source}: unknown keys {bad} in [link]; use {list(_LINK_KEYS)}")
            if "scenario" not in link:
                raise ValueError(f"{source}: [link] needs scenario = \"path/to/scenario.toml\"")
            scenario = Path(file_path(f"{source} [link]: scenario", link["scenario"]))
            if not scenario.is_absolute() and base is not None:
                scenario = base / scenario
            link["scenario"] = str(scenario)
            # Read as counts, not int()-truncated: request = 1.7 measured request 1, probes = true one probe.
            where = f"{source} [link]"
            link["request"] = integer(f"{where}: request", link.get("request", 0), minimum=0, error=ValueError)
            # The bounds measure_link reads them with (probes <= MAX_PROBES, the probes' seeds within 64 bits), here
            # with the file (probes = 10**6 passed the file's check; measure_link refused it).
            from qnsim.qec.link import DEFAULT_PROBES, MAX_PROBES, read_probe_seed

            link["probes"] = integer(
                f"{where}: probes", link.get("probes", DEFAULT_PROBES), minimum=1, maximum=MAX_PROBES, error=ValueError
            )
            # Left out: the scenario's run.seed, as measure_link (and so `qnsim qec link`) takes it; seed 0 in its
            # place measured another run of the link than `qnsim qec link` did on the same scenario.
            if "seed" in link:
                link["seed"] = read_probe_seed(link["seed"], link["probes"], f"{where}: seed")
            for key in _LINK_ONLY:
                if key in link:
                    if key in fixed:
                        raise ValueError(f"{source}: {key} is set in [link] and in [{where_fixed[key]}]; give it once")
                    fixed[key] = _typed(key, link.pop(key), where)
        return cls(fixed, grid, seeds, link, None, source)  # checked whole by __post_init__ (check)

    def measure(self) -> None:
        """Simulates the ``[link]`` scenario once and keeps it in :attr:`supply` (no-op without a link).

        Example:
            >>> spec = ExperimentSpec.from_dict({})
            >>> spec.measure(); spec.supply is None
            True
        """
        if self.link is not None and self.supply is None:
            self.check()  # the [link] table as it is now (changed in place since it was checked?)
            from qnsim.qec.link import DEFAULT_PROBES, _measure_link

            def check_law(arrivals: str) -> None:
                # The file's buffers under the link's law, before the probes: a Poisson link's buffer above 256 was
                # refused for every law when the file was read (the periodic and trace laws model any).
                for values in _combinations(self.grid):
                    self.settings(values, arrivals=arrivals)

            self.supply = _measure_link(
                self.link["scenario"],
                self.link.get("request", 0),
                probes=self.link.get("probes", DEFAULT_PROBES),
                seed=self.link.get("seed"),
                check_law=check_law,
            )

    def settings(self, params: Mapping[str, Any], *, arrivals: str | None = None) -> dict[str, Any]:
        """Defaults, then fixed settings, then ``params``; checked (a buffer under the link's arrival law: ``arrivals``,
        else the measured supply's, else what holds under every law).

        Example:
            >>> ExperimentSpec.from_dict({}).settings({"distance": 5})["rounds"]
            5
        """
        if not isinstance(params, Mapping):
            # A list raised "'list' object has no attribute 'items'" from the update below.
            raise TypeError(f"{self.source}: params must be a mapping of settings to values (a point's grid values), "
                            f"got {written(params):.80}")  # fmt: skip
        _refuse_unknown_settings(params, self.source)
        s = {k: default for k, (_, default) in EXPERIMENT_KEYS.items()}
        # fixed changed in place after check(): spec.fixed["foo"] = 3 was ignored by every point.
        _refuse_unknown_settings(self.fixed, self.source, "ExperimentSpec.fixed")
        s.update({k: _typed(k, v, self.source) for k, v in self.fixed.items()})
        s.update({k: _typed(k, v, f"{self.source} point") for k, v in params.items()})
        given = set(self.fixed) | set(params)
        # A setting the point would not use was accepted and ignored: without a [link], cycle_time_s
        # and rate_multiplier (even NaN) changed nothing; with one, p_int was a sweep axis of equal rows.
        ignored = sorted(given & set(_LINK_ONLY if self.link is None else _NOT_WITH_LINK))
        if ignored and self.link is None:
            raise ValueError(
                f"{self.source}: {ignored[0]} = {written(s[ignored[0]])} sets the pairs of a [link] (their rate or the "
                "round they wait in); without a [link] the interface is p_int, so it would be ignored"
            )
        if ignored:
            raise ValueError(
                f"{self.source}: p_int = {written(s['p_int'])} is the interface error without a [link]; with one the "
                "measured pairs make the interface, so it would be ignored"
            )
        if s["kind"] not in ("memory", "merge"):
            raise ValueError(f"{self.source}: kind must be 'memory' or 'merge', got {written(s['kind'])}")
        if s["noise"] not in ("uniform", "si1000"):
            raise ValueError(f"{self.source}: noise must be 'uniform' or 'si1000', got {written(s['noise'])}")
        if s["scheme"] not in ("direct", "teleported", "cat"):
            raise ValueError(
                f"{self.source}: scheme must be 'direct', 'teleported' or 'cat', got "
                f"{written(s['scheme'])}"
            )
        if self.link is not None and s["scheme"] == "direct":
            raise ValueError(f"{self.source}: a [link] needs scheme 'teleported' or 'cat' (direct gates use no pairs)")
        if self.link is not None and "p_bulk" not in self.fixed and "p_bulk" not in params and self.supply:
            s["p_bulk"] = self.supply.two_qubit_error
        if s["rounds"] is None:
            s["rounds"] = s["distance"]
        # Checked when the file is read, not after its other points ran: the circuit's own checks, and
        # sample_logical_error's work bound at one bit per shot (the least a circuit has; a max_shots of 10**30 was
        # accepted with the file and refused only when its first point began sampling).
        # The code, the basis and the noise model too: code = ["rotated", "hex"], basis "Y" or an si1000 p_bulk above
        # 0.2 passed the file and were refused only when that point ran, after the others had written their rows.
        try:
            check_sampled_bits(s["max_shots"], 1)
            check_distance(s["distance"])
            _check_rounds(s["rounds"], s["distance"], patches=3 if s["kind"] == "merge" else 1)
            _check_code(s["code"])
            _check_basis(s["basis"])
            _noise_model(s)
            if s["scheme"] == "direct" and self.link is None:
                # p_int = 0.95 (DEPOLARIZE2 over-mixing) passed the file and failed inside Stim when its point ran.
                try:
                    Interface.direct(s["p_int"])
                except ValueError as exc:
                    raise ValueError(f"p_int (scheme 'direct'): {exc}") from None
            if s["buffer_pairs"] is not None:  # at least a round's pairs, which the point's seam sets
                pairs = seam_resources(s["distance"], s["kind"], s["scheme"], s["code"]).pairs_per_round
                law = arrivals if arrivals is not None else self.supply.arrivals if self.supply is not None else None
                check_buffer_pairs(s["buffer_pairs"], pairs, s["distance"], law)
        except ValueError as exc:
            raise ValueError(f"{self.source}: {exc}") from None
        return s

    def circuit(self, params: Mapping[str, Any]):
        """The point's circuit and its settings.

        Example:
            >>> c, s = ExperimentSpec.from_dict({}).circuit({"distance": 3, "p_int": 0.1})
            >>> c.num_observables, s["rounds"]
            (1, 3)
        """
        self.measure()
        s = self.settings(params)
        noise = _noise_model(s)
        timing = None
        if self.link is not None:
            from qnsim.qec.link import interface_from_link

            interface, timing = interface_from_link(
                self.supply, s["distance"], cycle_time_s=s["cycle_time_s"], experiment=s["kind"],
                scheme=s["scheme"], code=s["code"], rate_multiplier=s["rate_multiplier"],
                buffer_pairs=s["buffer_pairs"],
            )
        elif s["scheme"] == "direct":
            interface = Interface.direct(s["p_int"])
        elif s["scheme"] == "teleported":
            interface = Interface.werner(s["p_int"])
        else:
            interface = Interface.cat(werner(1.0 - s["p_int"]))
        build = memory_circuit if s["kind"] == "memory" else merge_circuit
        circuit = build(s["distance"], s["rounds"], s["basis"], code=s["code"], noise=noise, interface=interface)
        s["_timing"] = timing
        s["_interface"] = interface
        return circuit, s

    def point(self, params: Mapping[str, Any], seed: int) -> dict[str, Any]:
        """Samples one point; returns its row (see the module docstring).

        Args:
            params: The point's grid values.
            seed: Seed of the sampler.

        Returns:
            Counts, per-round rate with its 95% interval, pairs per round (and link timing).

        Example:
            >>> row = ExperimentSpec.from_dict({}).point({"distance": 3, "max_shots": 300}, seed=2)
            >>> row["shots"], 0 <= row["per_round_low"] <= row["per_round"] <= row["per_round_high"]
            (300, True)
        """
        from qnsim.qec.sampling import sample_logical_error

        circuit, s = self.circuit(params)
        est = sample_logical_error(
            circuit,
            max_shots=s["max_shots"],
            max_errors=s["max_errors"] or None,
            seed=seed,
            rounds=s["rounds"],
            resume_dir=self.resume_dir,
        )
        low, high = est.per_round_interval()
        res = seam_resources(s["distance"], s["kind"], s["scheme"], s["code"])
        row: dict[str, Any] = {
            "shots": est.shots,
            "errors": est.errors,
            "shot_error_rate": est.shot_error_rate,
            "per_round": est.per_round,
            "per_round_low": low,
            "per_round_high": high,
            "pairs_per_round": res.pairs_per_round,
            "seam_gates_per_round": res.seam_gates,
            # What the counts cannot say (no error at all, a few, max_shots reached first), as a
            # network scenario's row carries its notes: the rate alone read as a measured one.
            "notes": join_notes([*est.notes, *(s["_timing"].notes if s["_timing"] is not None else ())]),
        }
        if "rounds" not in params:
            row["rounds"] = s["rounds"]
        if "p_bulk" not in params:
            # Under its setting's name, as rounds: "bulk_error" was a second name of p_bulk, so `qnsim qec threshold
            # --by p_bulk` found no such column in the rows of a sweep whose p_bulk was fixed.
            row["p_bulk"] = s["p_bulk"]
        timing = s["_timing"]
        if s["buffer_pairs"] is not None and "buffer_pairs" not in params:
            row["buffer_pairs"] = s["buffer_pairs"]
        if timing is not None:
            bd = timing.bell_diagonal_at_use
            if self.supply.rate_interval95 is not None:
                low, high = self.supply.rate_interval95
            elif self.supply.window_s is not None:  # recorded, and a fixed schedule: no sampling noise
                low = high = self.supply.rate_hz
            else:
                low = high = math.nan
            row.update(
                {
                    "link_rate_hz": self.supply.rate_hz * s["rate_multiplier"],
                    # Measured from a finite count: two rows' rates that differ within these are one rate.
                    "link_rate_low_hz": low * s["rate_multiplier"],
                    "link_rate_high_hz": high * s["rate_multiplier"],
                    "link_window_s": math.nan if self.supply.window_s is None else self.supply.window_s,
                    "link_seed": self.supply.seed,
                    "link_arrivals": timing.arrivals,
                    "pair_fidelity": bd[0],
                    "pair_psi_plus": bd[1],
                    "pair_psi_minus": bd[2],
                    "pair_phi_minus": bd[3],
                    "round_time_s": timing.round_time_s,
                    "wait_per_round_s": timing.wait_s,
                    "poisson_wait_per_round_s": timing.poisson_wait_s,
                    "required_rate_hz": timing.required_rate_hz,
                    "required_rate_per_seam_hz": timing.required_rate_per_seam_hz,
                    "logical_error_per_s": est.per_round / timing.round_time_s,
                }
            )
        if self.timing:  # last: every column before it repeats bit for bit for the same settings and seed
            row["sampling_s"] = round(est.seconds, 3)
        return row

    def __call__(self, params: dict, seed: int) -> dict[str, Any]:
        return self.point(params, seed)


_SPEC_FIELDS = frozenset(f.name for f in dataclasses.fields(ExperimentSpec))


def run_experiment_sweep(
    spec: ExperimentSpec | str | os.PathLike,
    *,
    grid: Mapping[str, Sequence[Any]] | None = None,
    seeds: int | Sequence[int] | None = None,
    out: str | os.PathLike | None = None,
    backend: str = "local",
    workers: int | None = None,
    client: Any = None,
    progress: bool = False,
    take_over: bool = False,
    timing: bool = False,
) -> list[dict[str, Any]]:
    """Runs an experiment's grid through :func:`qnsim.sweep` (streamed to ``out``, resumable).

    Args:
        spec: An :class:`ExperimentSpec` or the path of an experiment TOML.
        grid: Extra or replacing grid axes (``{"p_int": [0.1, 0.2]}``).
        seeds: Override the file's seeds.
        out: CSV file or Parquet directory (see :func:`qnsim.sweep`); the points' saved counts go to
            ``OUT.shots/`` while the sweep runs (see the module docstring).
        backend: ``"local"`` (process pool) or ``"dask"``.
        workers: Processes or Dask workers.
        client: A ``distributed.Client`` (``backend="dask"``).
        progress: Show a progress bar.
        take_over: Take ``out`` over from a sweep killed on another machine where the file system has no locks
            (see :func:`qnsim.sweep`).
        timing: Add each row's ``sampling_s`` (wall-clock s spent sampling: the one column that differs between two
            runs of the same sweep; see the module docstring). A sweep with it resumes only rows written with it.

    Returns:
        One row per point.

    Example:
        >>> spec = ExperimentSpec.from_dict({"grid": {"distance": [3]}, "sampling": {"max_shots": 200}})
        >>> rows = run_experiment_sweep(spec, grid={"p_int": [0.0, 0.1]}, workers=1)
        >>> [(r["p_int"], r["shots"]) for r in rows]
        [(0.0, 200), (0.1, 200)]
    """
    from qnsim.sweeps import _about_grid_keys, grid_axes, sweep

    if grid is not None:
        # Its shape as qnsim.sweep reads a grid, before its values are read one by one: grid={"rounds": 3} raised
        # Python's "'int' object is not iterable", {"p_int": "0.1"} was read letter by letter ("got '0'"), a dict of
        # values by its keys, and a list of pairs raised AttributeError.
        grid_axes(grid)
    timing = flag("timing", timing)
    if not isinstance(spec, ExperimentSpec):
        spec = ExperimentSpec.from_file(spec)
    else:
        spec.check()  # a grid or fixed changed in place since it was made (a grid of [3, 3] ran d = 3 twice)
    if timing != spec.timing:
        spec = dataclasses.replace(spec, timing=timing)
    full = dict(spec.grid)
    for key, values in (grid or {}).items():
        with _about_grid_keys([key]):  # (a GridKeyError: qnsim qec sweep names the --param that gave it)
            _refuse_unknown_settings([key], "", "the grid")
            full[key] = _grid_values(key, values, "grid")
    for values in _combinations(full):
        spec.settings(values)
    spec.measure()
    for values in _combinations(full):
        spec.settings(values)  # again under the measured link's law (a Poisson link's buffer bound)
    store = None
    start = None
    if out is not None:
        # Each point saves its counts after every batch beside out, so that a killed sweep resumes a long point's
        # shots too (rows resume per point: a point killed after an hour of shots started again from its first).
        out = file_path("out", out)
        store = saved_counts_dir(out)
        spec = dataclasses.replace(spec, resume_dir=store)
        start = _start_mark(store)
    try:
        rows = sweep(
            spec,
            full,
            seeds=spec.seeds if seeds is None else seeds,
            backend=backend,
            out=out,
            workers=workers,
            progress=progress,
            client=client,
            as_frame=False,
            take_over=take_over,
        )
    except BaseException as exc:
        # A sweep that stops (a failed point, Ctrl-C) leaves its running points' counts in OUT.shots/ for the
        # resume; nothing said where they were or how to clear them if the sweep is never run again.
        saved = _saved_count_files(store) if store is not None else []
        if saved:
            # The counts of the points that finished stay until the sweep does: they were all called the unfinished
            # points' ("20 unfinished point(s)" where 19 of 28 points had finished and one had begun).
            note = (
                f"the saved counts of {len(saved)} point(s) are in {store!r} (those of the points that finished stay "
                f"until the sweep does): the same sweep run again resumes the unfinished ones from them; 'qnsim qec "
                f"clean-shots {os.fspath(out)}' (qnsim.qec.sweep.clear_saved_counts) deletes them"
            )
            add_note(exc, note)
        if store is not None:
            _remove_saved_counts(store, start, counts=False)  # they resume this sweep: only its mark goes
        raise
    if store is not None:
        _remove_saved_counts(store, start)  # every point's row is in out now
    return rows


def saved_counts_dir(out: str | os.PathLike) -> str:
    """Where a sweep writing ``out`` saves its running points' counts: ``OUT.shots`` beside it, absolute (or
    beside another name of its file, a hard link in its directory, that has them).

    Example:
        >>> saved_counts_dir("/data/rows.csv")
        '/data/rows.csv.shots'
    """
    from qnsim.sweeps import _link_target, _other_names

    # Named after the file an out linking to it names (its rows, state and lock are that file's).
    target = _link_target(Path(file_path("out", out)))
    own = os.path.abspath(os.fspath(target)) + ".shots"
    if not os.path.isdir(own):
        # Another name of the file (a hard link beside it) that has them: a sweep stopped under "r.csv" and resumed
        # under "h.csv" sampled its cut-short points from the first shot again and left "r.csv.shots" for ever.
        for other in _other_names(target):
            theirs = os.path.abspath(os.fspath(other)) + ".shots"
            if os.path.isdir(theirs):
                return theirs
    return own


def _saved_count_files(directory: str) -> list[str]:
    try:
        return sorted(n for n in os.listdir(directory) if n.endswith((".json", ".tmp")))
    except (FileNotFoundError, NotADirectoryError):
        return []


def clear_saved_counts(out: str | os.PathLike) -> int:
    """Deletes the counts a stopped sweep writing ``out`` saved for its unfinished points (``OUT.shots/``).

    A sweep that finishes deletes them itself; one that stopped (a failed point, a kill) and will not be run again
    leaves them. Refused while a sweep writes ``out``: it holds ``out``'s lock, which this takes while it deletes
    (a sweep starting meanwhile is refused, not robbed of its counts).

    Args:
        out: The sweep's ``out`` (.csv file or .parquet directory).

    Returns:
        The number of files deleted (0: nothing saved).

    Raises:
        ValueError: A running sweep writes ``out``; ``out`` is not a .csv or .parquet path.

    Example:
        >>> import tempfile
        >>> clear_saved_counts(os.path.join(tempfile.mkdtemp(), "rows.csv"))
        0
    """
    from qnsim.sweeps import _lock_out, _open_sink, _out_path, _refuse_if_running_elsewhere, _unlock_out

    # Checked before looking for counts: "rows" (for rows.csv), "" or a folder read "no saved counts" where no
    # sweep could have written.
    _out_path(out)
    store = saved_counts_dir(out)
    if not _saved_count_files(store):
        with contextlib.suppress(OSError):
            os.rmdir(store)
        return 0
    sink = _open_sink(out, [])  # reads the suffix: .csv or .parquet
    lock = None
    if sink.path.exists():  # a running sweep has made its out (it locks it first); no out, no sweep writes it
        lock_path = sink.path / ".lock" if sink.path.is_dir() else sink.path
        try:
            sink.lock_fd = _lock_out(lock_path, sink.path)
            _refuse_if_running_elsewhere(sink)  # a sweep on another machine, whose lock is not this one's
            lock = sink.lock_fd
        except ValueError:
            raise ValueError(
                f"a sweep is writing {os.fspath(out)!r} and using the saved counts in {store!r}: it deletes them when "
                "it finishes; stop it first to delete them now"
            ) from None
    try:
        deleted = len(_saved_count_files(store))
        _remove_saved_counts(store, marks=True)  # under out's lock no sweep runs: every start mark is a dead one's
    finally:
        if lock is not None:
            _unlock_out(lock)
    return deleted


def _start_mark(directory: str) -> str | None:
    """A file made in ``directory`` (created if its folder exists) as a sweep starts: its time, by the file
    system's own clock, tells the counts this sweep saved from those another sweep on the same out left (None:
    it could not be made)."""
    mark = os.path.join(directory, f".started-{os.getpid()}-{os.urandom(4).hex()}")
    try:
        with contextlib.suppress(FileExistsError):
            os.mkdir(directory)  # not makedirs: a mistyped out's folders are not made here (the sweep names it)
        with open(mark, "x"):
            pass
    except OSError:
        return None
    return mark


def _remove_saved_counts(directory: str, start: str | None = None, counts: bool = True, marks: bool = False) -> None:
    """Deletes the saved counts of a finished sweep's points (their files only: those saved or read since its
    ``start`` mark, when it has one), the mark, then the directory if empty; with ``marks``, every sweep's start
    mark too (:func:`clear_saved_counts`, under the out's lock).

    Counts saved before the mark are another sweep's on the same out (other grid values, killed mid-point): a
    sweep that finished deleted them all, and that sweep's long point started again from its first shot. Those of
    a whole run (its shots reached ``max_shots`` or its errors ``max_errors``) are deleted whenever saved: they
    are of points that finished before a stop (a resumed sweep skips them and never reads them), and were left
    for ever by the sweep that finished them on its resume."""
    since = None
    if start is not None:
        with contextlib.suppress(OSError):
            since = os.stat(start).st_mtime_ns
        with contextlib.suppress(OSError):
            os.remove(start)
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return
    for name in names:
        path = os.path.join(directory, name)
        with contextlib.suppress(FileNotFoundError):
            if counts and name.endswith(".tmp"):  # a save cut short: never resumed from
                os.remove(path)
            elif counts and name.endswith(".json") and (
                since is None or os.stat(path).st_mtime_ns > since or _whole_run(path)
            ):
                os.remove(path)
            elif name.startswith(".started-") and (marks or (counts and since is not None
                                                            and os.stat(path).st_mtime_ns <= since)):
                os.remove(path)  # the mark of a sweep killed before this one started
    with contextlib.suppress(OSError):
        os.rmdir(directory)


def _whole_run(path: str) -> bool:
    """Whether the saved counts at ``path`` are a whole run's: its shots reached ``max_shots`` or its errors
    ``max_errors`` (False for a file that cannot be read as saved counts)."""
    import json

    try:
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
        identity = record["identity"]
        max_errors = identity.get("max_errors")
        return record["shots"] >= identity["max_shots"] or (max_errors is not None and record["errors"] >= max_errors)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _combinations(grid: Mapping[str, Sequence[Any]]):
    import itertools

    keys = list(grid)
    for combo in itertools.product(*(grid[k] for k in keys)):
        yield dict(zip(keys, combo))
