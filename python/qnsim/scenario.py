"""Scenario files: a network, its requests and run settings in TOML.

Layout (every key optional unless marked; units in the names; the documentation's scenario-file
reference, generated from the specs, gives every key's type, unit, default and range)::

    name = "two QPUs"                  # free text
    description = "..."

    [run]
    until_s = 0.05                     # required: simulated time
    seed = 1
    formalism = "density_matrix"       # or "stabilizer", "bell_diagonal"
    max_records = 100000               # keep at most this many per-pair records

    [topology]                         # a builder instead of (or before) listing nodes/links
    builder = "grid"                   # chain (n), ring (n), grid (rows, cols), star (n_leaves),
    rows = 4                           #   dumbbell (n_left, n_right, bridge_hops)
    cols = 4
    prefix = ""                        # prepended to the built node names
    length_km = 10.0                   # and any [[nodes]] / [[links]] key (not name, a, b)
    preset = "nv_10x_improved"         #   as a default for every node and link

    [[nodes]]
    name = "qpu_a"                     # required
    role = "qpu"                       # "qpu", "repeater" or "qnu"
    preset = "nv_near_term"            # or { name = "superconducting_transducer_link", improvement = 1000 }
    num_memories = 4
    t1_s = 1.0                         # TOML has inf: t1_s = inf
    t2_s = 0.5
    gate1_error = 0.001                # also gate2_error, measure_error,
    gate1_duration_s = 5e-8            # gate2_duration_s, measure_duration_s

    [[links]]
    a = "qpu_a"                        # required
    b = "qpu_b"                        # required
    length_km = 10.0                   # required
    channels = 2
    scheme = "double_click"            # hardware links: preset and/or pieces:
    preset = "nv_near_term"            #   (default: the ends' preset, if they agree)
    source = { attempt_rate_hz = 1e6, emission_efficiency = 0.5 }   # qnsim.Source fields
    detector = { efficiency = 0.9 }                                 # qnsim.Detector fields
    transducer = { efficiency = 0.5, added_noise_photons = 0.01 }   # also transducer_a / _b
    attenuation_db_per_km = 0.2
    refractive_index = 1.44
    attempt_period_s = 1e-4            # override
    # abstract links instead: fidelity (or bell_diagonal = [..4..]) with rate_hz
    # and/or success_probability + attempt_period_s; or a [links.link_model] table with a
    # qnsim.LinkModel's fields, its pair as its 4x4 state = { real = [[..]], imag = [[..]] }
    # (what Network.to_toml writes for a link given as a LinkModel), its bell_diagonal or its
    # fidelity alone (a Werner pair)

    [[requests]]
    src = "qpu_a"                      # required
    dst = "qpu_b"                      # required
    path = ["qpu_a", "qpu_b"]          # default: fewest hops
    num_pairs = 100
    start_s = 0.0
    cutoff_s = 1e-3
    purification = "dejmps"            # or "bbpssw"
    purification_rounds = 1            # per link; or target_fidelity = 0.95 to choose them
    end_to_end_purification_rounds = 0
    routing = "hops"                   # or "rate", "fidelity" (when no path is given)
    swap_schedule = "asap"             # or "nested"
    memories_per_link = 2              # reserved at each end of each link of the path
    name = "uplink"                    # labels its sweep columns and keys (default "src->dst")
    deadline_s = 0.5                   # absolute; dropped (with a reason) if not served by then
    min_fidelity = 0.9                 # discard delivered pairs below (not stabilizer; see the key reference)
    keep_pairs = false

Nodes of a ``[topology]`` are named as :mod:`qnsim.topology` documents (``n0``.. for chains
and rings, ``r0c1`` for grids, ``hub`` / ``leaf0`` for stars); ``[[nodes]]`` and ``[[links]]``
listed as well are added after the built ones.

Errors name the file and the field, e.g. ``scenario.toml: links[2].length_km must be >= 0, got
-1``; unknown keys are errors with a did-you-mean suggestion. Array indices count from 0.

>>> import qnsim, tempfile, pathlib
>>> text = '''
... [run]
... until_s = 0.01
... seed = 4
... [[nodes]]
... name = "a"
... [[nodes]]
... name = "b"
... [[links]]
... a = "a"
... b = "b"
... length_km = 1.0
... fidelity = 0.9
... rate_hz = 1e4
... [[requests]]
... src = "a"
... dst = "b"
... '''
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.toml"
>>> _ = path.write_text(text)
>>> network, settings = qnsim.load_scenario(path)
>>> settings.until_s, network.seed
(0.01, 4)
>>> network.run(settings.until_s).requests[0].num_pairs
100
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union

from qnsim import _core
from qnsim._core import ParameterError
from qnsim._options import options_as
from qnsim._row_notes import join_notes
from qnsim.argument_checks import file_path, written
from qnsim.config import ConfigError, TomlTable, other_file_kind
from qnsim.network import Network
from qnsim.specs import (
    INT64_MAX,
    SEED_BOUNDS,
    SEED_RANGE,
    Formalism,
    LinkSpec,
    NodeSpec,
    RequestSpec,
    Spec,
    check_seed,
    check_value,
    param,
)
from qnsim.topology import BUILDERS, SHAPES, topology_keys

__all__ = [
    "ROW_FIGURES",
    "RunSettings",
    "ScenarioError",
    "load_scenario",
    "request_labels",
    "run_scenario_data",
    "run_scenario_seeds",
    "scenario_from_dict",
]


class ScenarioError(ConfigError):
    """A malformed scenario; the message names the file, the key path and the value.

    Example:
        >>> import qnsim
        >>> issubclass(ScenarioError, ValueError) and issubclass(ScenarioError, qnsim.QnsimError)
        True
    """


@dataclass(frozen=True)
class RunSettings(Spec):
    """The ``[run]`` table of a scenario (after command-line overrides), and its name.

    Example:
        >>> RunSettings(until_s=1.0).formalism
        'density_matrix'
    """

    until_s: float = param(
        unit="s", doc="Simulated time to run", minimum=0.0, maximum=INT64_MAX / 1e12, range="[0, 9.223e6]",
        picoseconds=True,
    )
    seed: Union[int, None] = param(
        None, doc="Seed of every random stream (None: drawn at random and reported in the result)",
        **SEED_BOUNDS, range=SEED_RANGE, reader=check_seed,
    )
    formalism: Formalism = param(
        "density_matrix", doc="State formalism: density_matrix (exact), stabilizer or bell_diagonal (fastest)"
    )
    max_records: Union[int, None] = param(
        None, doc="Per-pair records kept (aggregates go on beyond it; None: 10^6)", range=_core.RECORD_LIMIT_RANGE,
        # The note the core's refusal of max_records states (network/params.h, kMaxRecordsRange), said here too:
        # -1 was told the range alone, 10^8 + 1 the range and the note.
        refusal_note=" (None: 10^6, the default)",
    )
    name: str = param("", doc="The scenario's name (its file stem if it has none)", toml=False)
    description: str = param("", doc="The scenario's description", toml=False)


_TOP = ("name", "description", "run", "topology", "nodes", "links", "requests")


def load_scenario(
    path: str | os.PathLike[str],
    *,
    seed: int | None = None,
    formalism: str | None = None,
    until_s: float | None = None,
) -> tuple[Network, RunSettings]:
    """Reads a TOML scenario file into a :class:`qnsim.Network` and its :class:`RunSettings`.

    Args:
        path: The ``.toml`` file.
        seed: Override of ``run.seed``.
        formalism: Override of ``run.formalism``.
        until_s: Override of ``run.until_s`` (s).

    Returns:
        ``(network, settings)``; run it with ``network.run(settings.until_s)``.

    Raises:
        ScenarioError: (a ValueError and a QnsimError) unreadable TOML or not UTF-8, unknown keys
            (with a suggestion), missing, mistyped or out-of-range fields, unknown nodes; the
            message starts with the file name and names the key path, e.g.
            ``s.toml: links[0].length_km must be >= 0 km, got -1.0``.
        OSError: The file cannot be read.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "bad.toml"
        >>> _ = p.write_text('[run]\\nuntil_s = 1\\nseeed = 3\\n')
        >>> load_scenario(p)
        Traceback (most recent call last):
        ...
        qnsim.scenario.ScenarioError: bad.toml: unknown key run.seeed; did you mean 'seed'?
    """
    path = file_path("path", path)
    try:
        root = TomlTable.load(path)
    except ConfigError as exc:
        raise ScenarioError(str(exc)) from None
    return _scenario(root, Path(path).stem, seed, formalism, until_s)


def scenario_from_dict(
    data: dict[str, Any],
    *,
    source: str = "<scenario>",
    default_name: str = "",
    seed: int | None = None,
    formalism: str | None = None,
    until_s: float | None = None,
) -> tuple[Network, RunSettings]:
    """Like :func:`load_scenario`, from an already parsed dict (``source`` names it in errors).

    Example:
        >>> net, run = scenario_from_dict({"run": {"until_s": 1.0}, "nodes": [{"name": "x"}]})
        >>> list(net.nodes), run.until_s
        (['x'], 1.0)
    """
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario must be a table, got {type(data).__name__}")
    return _scenario(TomlTable(data, source), default_name, seed, formalism, until_s)


def _scenario(
    root: TomlTable, default_name: str, seed: int | None, formalism: str | None, until_s: float | None
) -> tuple[Network, RunSettings]:
    try:
        other = other_file_kind(root.keys(), "scenario", root.source)
        if other is not None:
            raise ScenarioError(other)
        root.check_keys(_TOP)
        run = root.table("run", required=True)
        assert run is not None
        values = run.spec(RunSettings)
        given = {"seed": seed, "formalism": formalism, "until_s": until_s}
        overrides = {k: v for k, v in given.items() if v is not None}
        values.update(overrides)
        if "until_s" not in values:
            raise run.error("is required", "until_s")
        with run.located():
            try:
                settings = RunSettings(
                    **values,
                    name=root.get("name", str, default_name),
                    description=root.get("description", str, ""),
                )
            except ParameterError as exc:
                if getattr(exc, "field", None) not in overrides:
                    raise
                # `qnsim run s.toml --until 1e9` read "s.toml: run.until_s must be <= ...": the file, which says
                # until_s = 1.0, was named for the value given on the command line.
                raise ParameterError(f"{exc} (the value given to override the file's run.{exc.field})") from None
            network = Network(settings.formalism, settings.seed, max_records=settings.max_records)
        topology = root.table("topology")
        if topology is not None:
            _build_topology(topology, network)
        for node in root.tables("nodes"):
            _check_preset_key(node)
            kwargs = node.spec(NodeSpec, extra=["preset"])
            name, preset = kwargs.pop("name"), kwargs.pop("preset", None)
            with node.located():
                network.add_node(name, hardware=preset, **kwargs)
        for link in root.tables("links"):
            kwargs = link.spec(LinkSpec)
            with link.located():
                network.add_link(kwargs.pop("a"), kwargs.pop("b"), **kwargs)
        for request in root.tables("requests"):
            kwargs = request.spec(RequestSpec)
            with request.located():
                network.request(kwargs.pop("src"), kwargs.pop("dst"), **kwargs)
    except ScenarioError:
        raise
    except ConfigError as exc:
        raise ScenarioError(str(exc)) from None
    return network, settings


def _check_preset_key(table: TomlTable) -> None:
    """Refuses a ``preset`` key that is neither a preset name nor a table, naming the key the file wrote.

    ``preset = 3`` in a ``[[nodes]]`` table was refused as "nodes[0].hardware must be a NodeHardware (or a table of
    its fields)": a key the file does not have, and a table of NodeHardware fields it does not take.
    """
    value = table.data.get("preset")
    if value is not None and not isinstance(value, (str, dict)):
        raise table.error(f"must be a preset name or a table {{name = ..., options}}, got {written(value)}", "preset")


def _build_topology(table: TomlTable, network: Network) -> None:
    _check_preset_key(table)
    builder = table.get("builder", Literal[tuple(BUILDERS)])  # type: ignore[misc]
    shape = SHAPES[builder]
    for key in table.keys():
        if key not in shape and any(key in other for other in SHAPES.values()):
            raise table.error(f"is not an argument of builder {written(builder)} (it takes {', '.join(shape)})", key)
    # Unknown keys first: `nodes = 5` for a chain's `n` read "topology.n is required", not naming the key given.
    allowed = ["builder", "prefix", *shape, *topology_keys()]
    missing = [key for key in shape if key not in table and key != "bridge_hops"]
    # An unknown key that is no near-typo of a known one (lenght_km is) while a shape key is missing.
    unknown = [key for key in table.keys() if key not in allowed
               and not difflib.get_close_matches(key, allowed, n=1, cutoff=0.85)]
    if unknown and missing:
        # `nodes = 1000` for a chain listed the 34 keys a topology takes, and `num_nodes` was asked "did you mean
        # 'num_memories'?": with a shape key missing, such a key is most likely that shape key misnamed.
        raise table.error(
            f"is not a key of [topology]; builder {written(builder)} takes its shape as {', '.join(shape)}, and "
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not given: did you mean "
            f"{written(missing[0])}? (the other keys are those of [[nodes]] and [[links]], defaults of every built "
            "one)",
            unknown[0],
        )
    table.check_keys(allowed)
    for key in missing:
        raise table.error(f"is required by builder {written(builder)} (it takes {', '.join(shape)})", key)
    kwargs = {k: v for k, v in table.data.items() if k != "builder"}
    with table.located(builder):
        BUILDERS[builder](network=network, **kwargs)


#: Per-request figures of a sweep row, each column named ``<request label>.<figure>``.
ROW_FIGURES: dict[str, str] = {
    "pairs": "pairs delivered",
    "rate_hz": "delivered pairs per second of the request's active window (Hz; empty without a window, and for a "
    "request never admitted, which made no attempt: its rate was not measured)",
    "rate_hz_low": "lower end of the 95% interval of the rate its path delivers at (Hz; Poisson, see "
    "RequestResult.rate_interval95; rate_hz itself when the deliveries keep a fixed schedule and it is exact; "
    "empty without a window, or when the request was never admitted and made no attempt: its rate was not measured, "
    "the notes say why)",
    "rate_hz_high": "upper end of that interval (Hz)",
    "window_s": "the request's window the rate was counted in: its start until served, dropped or the run's end (s)",
    "mean_fidelity": "mean fidelity of the delivered pairs (empty without pairs)",
    "fidelity_ci95": "half-width of the 95% confidence interval of mean_fidelity (Student t over the pairs' "
    "effective number, fewer than their count where successive pairs' fidelities are correlated; empty below 2 pairs; "
    "stabilizer: the larger side of the Wilson interval)",
    "mean_latency_s": "mean time between deliveries, from the request's start for the first (s)",
    "status": "served, dropped, open, waiting or pending when the run stopped",
}


def request_labels(requests: Any) -> list[str]:
    """Column labels of requests: the request's ``name``, else ``src->dst``; a label that
    several requests share gets ``#<index>`` appended, so every request has its own columns.

    Example:
        >>> from types import SimpleNamespace as R
        >>> request_labels([R(label="a->b", index=0), R(label="a->b", index=1), R(label="up", index=2)])
        ['a->b#0', 'a->b#1', 'up']
    """
    # Read once: a generator of requests was spent by the labels, and the labels came back as [] without a word.
    if isinstance(requests, (str, bytes)) or not isinstance(requests, Iterable):
        raise TypeError(f"requests must be a list of requests (RequestInfo or RequestResult), got {written(requests)}")
    requests = list(requests)
    for i, r in enumerate(requests):
        # Read attribute by attribute, a float or a string among them failed with "'float' object has no attribute
        # 'label'", naming neither the argument nor the entry.
        if not hasattr(r, "label") or not (hasattr(r, "index") or hasattr(r, "request")):
            what = "a request (a qnsim.specs.RequestInfo or a qnsim.RequestResult)"
            raise TypeError(f"requests[{i}] must be {what}, got {written(r)}")
    labels = [r.label for r in requests]
    # Requests as described (RequestInfo.index) or as results (RequestResult.request).
    indices = [r.index if hasattr(r, "index") else r.request for r in requests]
    return [f"{label}#{i}" if labels.count(label) > 1 else label for label, i in zip(labels, indices)]


def run_scenario_data(data: dict[str, Any], seed: int, *, source: str = "<sweep point>") -> dict[str, Any]:
    """Builds and runs a parsed scenario; returns one flat row of results (for sweeps).

    Columns:

    * ``events`` (native events processed) and ``simulated_s`` (s);
    * for every request, ``<label>.<figure>`` where ``<label>`` is the request's ``name``, else
      ``src->dst`` (with ``#<index>`` appended when several requests share it, see
      :func:`request_labels`) and ``<figure>`` one of :data:`ROW_FIGURES`: ``pairs``,
      ``rate_hz``, ``rate_hz_low`` and ``rate_hz_high`` (its 95% interval; both ``rate_hz`` when it is exact),
      ``window_s`` (the window the rate was counted in),
      ``mean_fidelity``, ``fidelity_ci95``, ``mean_latency_s``, ``status``;
    * the first request's figures once more without a prefix (``pairs``, ``rate_hz``, ...), the
      default columns of ``qnsim plot``;
    * ``notes``: the run's notes and each request's (prefixed with its label), joined by "; " (a ";" inside
      a note written doubled, so :func:`qnsim.sweeps.split_notes` gives each note back whole),
      or None (empty in a CSV) when there are none: what a printed result would say under its
      table (an unfinished request, pairs that are not entangled, one pair, ...).

    Figures that do not exist (a mean fidelity without pairs) are NaN (``nan`` in a CSV). A
    confidence interval of pairs that all have the same fidelity is exactly 0 (in the exact
    formalisms; a stabilizer run's is binomial). Wall time is left out on purpose: a row is a pure
    function of ``data`` and ``seed``.

    Args:
        data: A parsed scenario (the structure :func:`load_scenario` reads); not modified.
        seed: The run's seed (overrides ``run.seed``).
        source: Name used in error messages.

    Raises:
        ScenarioError: (a ValueError) malformed data, naming the field.

    Example:
        >>> row = run_scenario_data({"run": {"until_s": 0.01},
        ...     "nodes": [{"name": "a"}, {"name": "b"}],
        ...     "links": [{"a": "a", "b": "b", "length_km": 1.0, "fidelity": 0.9, "rate_hz": 1e4}],
        ...     "requests": [{"src": "a", "dst": "b"}]}, seed=1)
        >>> row["pairs"] > 10, round(row["a->b.mean_fidelity"], 6), row["a->b.fidelity_ci95"]
        (True, 0.9, 0.0)
    """
    network, settings = scenario_from_dict(data, source=source, seed=seed)
    # A scenario's rows name settings as its file holds them (run.until_s), whichever process builds them.
    with options_as("scenario"):
        return _row(network.run(settings.until_s, progress=False), settings.until_s)


def run_scenario_seeds(
    data: dict[str, Any],
    seeds: Sequence[int],
    *,
    threads: int | None = None,
    source: str = "<sweep point>",
    batch: int | None = None,
    on_rows: Any = None,
    abort_check: Any = None,
) -> list[dict[str, Any]]:
    """:func:`run_scenario_data` for many seeds at once: the network is built once and every seed
    runs in one native batch (:meth:`qnsim.Network.run_seeds`) instead of one build and run each.

    Row ``i`` equals ``run_scenario_data(data, seeds[i])``.

    Args:
        data: A parsed scenario; not modified.
        seeds: Distinct seeds (each overrides ``run.seed``), as :meth:`qnsim.Network.run_seeds` takes them.
        threads: Native threads (None: every core this process may use).
        source: Name used in error messages.
        batch: Seeds per native call (None: all of them in one); the network is built once either way.
        on_rows: Called with ``(seeds, rows)`` after each native call, so that a caller can keep the
            rows of a long batch as they come (a sweep writes them to its out and moves its bar).
        abort_check: Called with no arguments about every 20 ms of wall time while seeds run; what it raises
            stops the batch (see :meth:`qnsim.Network.run_seeds`).

    Raises:
        ScenarioError: (a ValueError) malformed data, naming the field.

    Example:
        >>> data = {"run": {"until_s": 0.01}, "nodes": [{"name": "a"}, {"name": "b"}],
        ...         "links": [{"a": "a", "b": "b", "length_km": 1.0, "fidelity": 0.9, "rate_hz": 1e4,
        ...                    "success_probability": 0.2}],
        ...         "requests": [{"src": "a", "dst": "b"}]}
        >>> run_scenario_seeds(data, [3, 4]) == [run_scenario_data(data, 3), run_scenario_data(data, 4)]
        True
    """
    from qnsim.seed_batch import RUN_SEEDS_NOTE_PREFIXES, checked_seeds

    # Read before use: an array's truth value was ambiguous, a set or a count was "not subscriptable".
    seeds = checked_seeds(seeds)
    if not seeds:
        return []
    network, settings = scenario_from_dict(data, source=source, seed=seeds[0])
    size = len(seeds) if batch is None else check_value("batch", int, batch, {"minimum": 1})
    rows: list[dict[str, Any]] = []
    for start in range(0, len(seeds), size):
        part = seeds[start : start + size]
        done: list[dict[str, Any]] = []
        # Each result becomes its row as its seed finishes: the results of a whole part, kept until the
        # part's end, held every per-pair record of its seeds where a row keeps a few figures.
        try:
            with options_as("scenario"):  # as run_scenario_data's rows
                network.run_seeds(
                    part,
                    settings.until_s,
                    threads=threads,
                    on_result=lambda _, result: done.append(_row(result, settings.until_s)),
                    abort_check=abort_check,
                )
        except BaseException as exc:
            # run_seeds' note counts the seeds of this call its on_result (the row maker here) had, and says to
            # run the rest from there: those rows are lost with the call, and on_rows had the calls' before (a
            # sweep read "3 of 8 seeds had been handed to on_result; run the rest with seeds[3:]" beside its own
            # note of what its out holds).
            notes = getattr(exc, "__notes__", None)
            if notes:
                exc.__notes__ = [n for n in notes if not n.startswith(RUN_SEEDS_NOTE_PREFIXES)]
            raise
        if on_rows is not None:
            on_rows(part, done)
        rows += done
    return rows


def _row(result: Any, until_s: float) -> dict[str, Any]:
    """The flat row of one scenario run (see :func:`run_scenario_data`); its notes name settings for the reader
    of the calling context (:func:`qnsim._options.options_as`)."""
    row: dict[str, Any] = {"events": int(result.events_processed), "simulated_s": float(until_s)}
    labels = request_labels(result.requests)
    for label, r in zip(labels, result.requests):
        # A rate from a handful of random arrivals has a wide interval (and a served request's reads high): in
        # the rows it was only in the notes' text, so a plot of one seed drew such a rate as if it were exact.
        # An exact rate (deliveries on a fixed schedule) is its own interval: NaN there made rows unequal to
        # themselves (NaN != NaN), and a resumed sweep's rows to the ones it wrote.
        # A request never admitted has RATE_NOT_MEASURED: NaN bounds (empty cells), not the Poisson 0-36.9 Hz.
        interval = r.rate_interval95 or (r.rate_hz, r.rate_hz)
        figures = {
            "pairs": r.num_pairs,
            "rate_hz": float(r.rate_hz),
            "rate_hz_low": float(interval[0]),
            "rate_hz_high": float(interval[1]),
            # The rate's window: a served request's ends on its last pair, so one seed's rows differ in it.
            "window_s": float(r.window_s),
            "mean_fidelity": float(r.mean_fidelity),
            "fidelity_ci95": float(r.fidelity_ci95),
            "mean_latency_s": float(r.mean_latency_s),
            "status": r.status,
        }
        for key, value in figures.items():
            row[f"{label}.{key}"] = value
    if result.requests:
        first = labels[0]
        row.update({key: row[f"{first}.{key}"] for key in ROW_FIGURES})
    notes = [*result.notes, *(f"{label}: {note}" for label, r in zip(labels, result.requests) for note in r.notes)]
    row["notes"] = join_notes(notes)
    return row
