"""Scenario files: a network, its requests and run settings in TOML.

Layout (every key optional unless marked; units in the names)::

    name = "two QPUs"                  # free text
    description = "..."

    [run]
    until_s = 0.05                     # required: simulated time
    seed = 1
    formalism = "density_matrix"       # or "stabilizer"
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
    preset = "nv_near_term"            #   (default: an endpoint's preset)
    source = { attempt_rate_hz = 1e6, emission_efficiency = 0.5 }   # qnsim.Source fields
    detector = { efficiency = 0.9 }                                 # qnsim.Detector fields
    transducer = { efficiency = 0.5, added_noise_photons = 0.01 }   # also transducer_a / _b
    attenuation_db_per_km = 0.2
    refractive_index = 1.44
    attempt_period_s = 1e-4            # override
    # abstract links instead: fidelity (or bell_diagonal = [..4..]) with rate_hz
    # and/or success_probability + attempt_period_s

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
    deadline_s = 0.5                   # absolute; dropped (with a reason) if not served by then
    min_fidelity = 0.9                 # discard delivered pairs below (density_matrix only)
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

import dataclasses
import difflib
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qnsim.hardware import Detector, Source, Transducer
from qnsim.link_models import SCHEMES
from qnsim.network import FORMALISMS, PRESETS, PURIFICATIONS, ROLES, ROUTINGS, SWAP_SCHEDULES, Network
from qnsim.topology import BUILDERS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

__all__ = ["RunSettings", "ScenarioError", "load_scenario", "run_scenario_data", "scenario_from_dict"]


class ScenarioError(ValueError):
    """A malformed scenario; the message names the file and the field.

    Example:
        >>> issubclass(ScenarioError, ValueError)
        True
    """


@dataclass(frozen=True)
class RunSettings:
    """The ``[run]`` table of a scenario (after command-line overrides).

    Attributes:
        until_s: Simulated time to run, in s.
        seed: Seed, or None (entropy).
        formalism: ``"density_matrix"`` or ``"stabilizer"``.
        name: The scenario's name (its file stem if it has none).
        description: The scenario's description.

    Example:
        >>> RunSettings(until_s=1.0).formalism
        'density_matrix'
    """

    until_s: float
    seed: int | None = None
    formalism: str = "density_matrix"
    name: str = ""
    description: str = ""


# Field specs: kind, then options. "num": (min, max, allow_inf, exclusive_min).
_NUM = "num"
_INT = "int"
_STR = "str"
_BOOL = "bool"
_PRESET = "preset"
_TABLE = "table"
_STRLIST = "strlist"
_NUMLIST = "numlist"

_TOP = {
    "name": (_STR,),
    "description": (_STR,),
    "run": (_TABLE,),
    "topology": (_TABLE,),
    "nodes": (_TABLE,),
    "links": (_TABLE,),
    "requests": (_TABLE,),
}
_RUN = {
    "until_s": (_NUM, 0.0, None, False, False),
    "seed": (_INT, 0),
    "formalism": (_STR, FORMALISMS),
    "max_records": (_INT, 0),
}
_NODE = {
    "name": (_STR,),
    "role": (_STR, ROLES),
    "preset": (_PRESET,),
    "num_memories": (_INT, 1),
    "t1_s": (_NUM, 0.0, None, True, True),
    "t2_s": (_NUM, 0.0, None, True, True),
    "gate1_error": (_NUM, 0.0, 1.0, False, False),
    "gate2_error": (_NUM, 0.0, 1.0, False, False),
    "measure_error": (_NUM, 0.0, 1.0, False, False),
    "gate1_duration_s": (_NUM, 0.0, None, False, False),
    "gate2_duration_s": (_NUM, 0.0, None, False, False),
    "measure_duration_s": (_NUM, 0.0, None, False, False),
}
_LINK = {
    "a": (_STR,),
    "b": (_STR,),
    "length_km": (_NUM, 0.0, None, False, False),
    "channels": (_INT, 1),
    "scheme": (_STR, SCHEMES),
    "preset": (_PRESET,),
    "source": (_TABLE, Source),
    "detector": (_TABLE, Detector),
    "transducer": (_TABLE, Transducer),
    "transducer_a": (_TABLE, Transducer),
    "transducer_b": (_TABLE, Transducer),
    "attenuation_db_per_km": (_NUM, 0.0, None, False, False),
    "refractive_index": (_NUM, 1.0, None, False, False),
    "attempt_period_s": (_NUM, 0.0, None, False, True),
    "fidelity": (_NUM, 0.0, 1.0, False, False),
    "bell_diagonal": (_NUMLIST, 4),
    "rate_hz": (_NUM, 0.0, None, False, True),
    "success_probability": (_NUM, 0.0, 1.0, False, True),
}
_REQUEST = {
    "src": (_STR,),
    "dst": (_STR,),
    "path": (_STRLIST,),
    "num_pairs": (_INT, 1),
    "start_s": (_NUM, 0.0, None, False, False),
    "cutoff_s": (_NUM, 0.0, None, True, True),
    "purification": (_STR, PURIFICATIONS),
    "purification_rounds": (_INT, 0),
    "end_to_end_purification_rounds": (_INT, 0),
    "target_fidelity": (_NUM, 0.0, 1.0, False, False),
    "routing": (_STR, ROUTINGS),
    "swap_schedule": (_STR, SWAP_SCHEDULES),
    "memories_per_link": (_INT, 1),
    "deadline_s": (_NUM, 0.0, None, True, True),
    "min_fidelity": (_NUM, 0.0, 1.0, False, False),
    "keep_pairs": (_BOOL,),
}
# [topology]: the builder's shape arguments, then every node and link key as a default.
_TOPOLOGY_SHAPES = {
    "chain": ("n",),
    "ring": ("n",),
    "grid": ("rows", "cols"),
    "star": ("n_leaves",),
    "dumbbell": ("n_left", "n_right", "bridge_hops"),
}
_TOPOLOGY_OPTIONAL = {"bridge_hops"}
_TOPOLOGY = {
    "builder": (_STR, tuple(BUILDERS)),
    "prefix": (_STR,),
    **{k: (_INT, 1) for shape in _TOPOLOGY_SHAPES.values() for k in shape},
    **{k: v for k, v in _NODE.items() if k != "name"},
    **{k: v for k, v in _LINK.items() if k not in ("a", "b")},
}
_REQUIRED = {
    "run": ("until_s",),
    "nodes": ("name",),
    "links": ("a", "b", "length_km"),
    "requests": ("src", "dst"),
}


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
        until_s: Override of ``run.until_s``.

    Returns:
        ``(network, settings)``; run it with ``network.run(settings.until_s)``.

    Raises:
        ScenarioError: (a ValueError) unreadable TOML, unknown keys (with a suggestion),
            missing or out-of-range fields, unknown nodes; the message starts with the file
            name and names the field, e.g. ``s.toml: links[0].length_km must be >= 0, got -1``.
        FileNotFoundError: No such file.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "bad.toml"
        >>> _ = p.write_text('[run]\\nuntil_s = 1\\nseeed = 3\\n')
        >>> load_scenario(p)
        Traceback (most recent call last):
        ...
        qnsim.scenario.ScenarioError: bad.toml: unknown key run.seeed; did you mean 'seed'?
    """
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path.name}: invalid TOML: {exc}") from None
    return scenario_from_dict(
        data, source=path.name, default_name=path.stem, seed=seed, formalism=formalism, until_s=until_s
    )


def run_scenario_data(data: dict[str, Any], seed: int, *, source: str = "<sweep point>") -> dict[str, Any]:
    """Builds and runs a parsed scenario; returns one flat row of results (for sweeps).

    The row has, for every request i, ``r{i}_pairs``, ``r{i}_rate_hz`` (pairs per second of its
    active window), ``r{i}_mean_fidelity``, ``r{i}_fidelity_ci95`` (half-width) and
    ``r{i}_mean_latency_s``; the first request's figures also appear unprefixed (``pairs``,
    ``rate_hz``, ``mean_fidelity``, ...), and ``events`` and ``simulated_s`` describe the run. Wall
    time is left out on purpose: a row is a pure function of ``data`` and ``seed``.

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
        >>> row["pairs"] > 10, round(row["mean_fidelity"], 6)
        (True, 0.9)
    """
    network, settings = scenario_from_dict(data, source=source, seed=seed)
    result = network.run(settings.until_s, progress=False)
    row: dict[str, Any] = {"events": int(result.events_processed), "simulated_s": float(settings.until_s)}
    for i, r in enumerate(result.requests):
        n = r.num_pairs
        mean = float(r.fidelities.mean()) if n else float("nan")
        ci = 1.96 * float(r.fidelities.std(ddof=1)) / n**0.5 if n > 1 else float("nan")
        latency = float(r.latencies_s.mean()) if n else float("nan")
        figures = {"pairs": n, "rate_hz": float(r.rate_hz), "mean_fidelity": mean, "fidelity_ci95": ci,
                   "mean_latency_s": latency}
        for key, value in figures.items():
            row[f"r{i}_{key}"] = value
            if i == 0:
                row[key] = value
    return row


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

    def fail(message: str) -> ScenarioError:
        return ScenarioError(f"{source}: {message}")

    if not isinstance(data, dict):
        raise fail("a scenario must be a table")
    _check_keys(data, _TOP, "", fail)
    run = data.get("run")
    if not isinstance(run, dict):
        raise fail("missing [run] table (with until_s)")
    _check_table(run, _RUN, "run", fail)
    for key in _REQUIRED["run"]:
        if key not in run and not (key == "until_s" and until_s is not None):
            raise fail(f"run.{key} is required")
    settings = RunSettings(
        until_s=float(until_s if until_s is not None else run["until_s"]),
        seed=seed if seed is not None else run.get("seed"),
        formalism=formalism if formalism is not None else run.get("formalism", "density_matrix"),
        name=str(data.get("name", default_name)),
        description=str(data.get("description", "")),
    )
    try:
        network = Network(settings.formalism, settings.seed, max_records=run.get("max_records"))
    except ValueError as exc:
        raise fail(f"run: {exc}") from None
    if "topology" in data:
        _build_topology(data["topology"], network, fail)

    for section in ("nodes", "links", "requests"):
        items = data.get(section, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise fail(f"{section} must be an array of tables ([[{section}]])")
    for i, node in enumerate(data.get("nodes", [])):
        where = f"nodes[{i}]"
        _check_table(node, _NODE, where, fail)
        _require(node, "nodes", where, fail)
        kwargs = dict(node)
        name = kwargs.pop("name")
        preset = kwargs.pop("preset", None)
        try:
            network.add_node(name, hardware=preset, **kwargs)
        except (ValueError, TypeError) as exc:
            raise fail(f"{where}: {exc}") from None
    for i, link in enumerate(data.get("links", [])):
        where = f"links[{i}]"
        _check_table(link, _LINK, where, fail)
        _require(link, "links", where, fail)
        kwargs = dict(link)
        for key in ("source", "detector", "transducer", "transducer_a", "transducer_b"):
            if key in kwargs:
                kwargs[key] = _hardware(kwargs[key], _LINK[key][1], f"{where}.{key}", fail)
        a, b = kwargs.pop("a"), kwargs.pop("b")
        try:
            network.add_link(a, b, **kwargs)
        except (ValueError, TypeError) as exc:
            raise fail(f"{where}: {exc}") from None
    for i, request in enumerate(data.get("requests", [])):
        where = f"requests[{i}]"
        _check_table(request, _REQUEST, where, fail)
        _require(request, "requests", where, fail)
        kwargs = dict(request)
        src, dst = kwargs.pop("src"), kwargs.pop("dst")
        try:
            network.request(src, dst, **kwargs)
        except (ValueError, TypeError) as exc:
            raise fail(f"{where}: {exc}") from None
    return network, settings


def _build_topology(table: Any, network: Network, fail: Any) -> None:
    if not isinstance(table, dict):
        raise fail("topology must be a table ([topology]) with a builder")
    _check_table(table, _TOPOLOGY, "topology", fail)
    if "builder" not in table:
        raise fail(f"topology.builder is required (one of {', '.join(BUILDERS)})")
    kwargs = dict(table)
    builder = kwargs.pop("builder")
    shape = _TOPOLOGY_SHAPES[builder]
    for key in list(kwargs):
        if key in _TOPOLOGY_OPTIONAL | {k for s in _TOPOLOGY_SHAPES.values() for k in s} and key not in shape:
            raise fail(f"topology.{key} is not an argument of builder {builder!r} (it takes {', '.join(shape)})")
    for key in shape:
        if key not in kwargs and key not in _TOPOLOGY_OPTIONAL:
            raise fail(f"topology.{key} is required by builder {builder!r} (it takes {', '.join(shape)})")
    for key in ("source", "detector", "transducer", "transducer_a", "transducer_b"):
        if key in kwargs:
            kwargs[key] = _hardware(kwargs[key], _LINK[key][1], f"topology.{key}", fail)
    try:
        BUILDERS[builder](network=network, **kwargs)
    except (ValueError, TypeError) as exc:
        raise fail(f"topology ({builder}): {exc}") from None


def _require(table: dict[str, Any], section: str, where: str, fail: Any) -> None:
    for key in _REQUIRED[section]:
        if key not in table:
            raise fail(f"{where}.{key} is required")


def _check_keys(table: dict[str, Any], spec: dict[str, Any], where: str, fail: Any) -> None:
    for key in table:
        if key not in spec:
            close = difflib.get_close_matches(key, list(spec), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(spec)})"
            raise fail(f"unknown key {where + '.' if where else ''}{key}{hint}")


def _check_table(table: dict[str, Any], spec: dict[str, Any], where: str, fail: Any) -> None:
    _check_keys(table, spec, where, fail)
    for key, value in table.items():
        kind, *opts = spec[key]
        field = f"{where}.{key}"
        if kind == _NUM:
            lo, hi, allow_inf, exclusive = opts
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise fail(f"{field} must be a number, got {value!r}")
            if math.isnan(value) or (math.isinf(value) and not allow_inf):
                raise fail(f"{field} must be finite, got {value!r}")
            if lo is not None and (value < lo or (exclusive and value == lo)):
                raise fail(f"{field} must be {'>' if exclusive else '>='} {lo:g}, got {value!r}")
            if hi is not None and value > hi:
                raise fail(f"{field} must be <= {hi:g}, got {value!r}")
        elif kind == _INT:
            if isinstance(value, bool) or not isinstance(value, int):
                raise fail(f"{field} must be an integer, got {value!r}")
            if value < opts[0]:
                raise fail(f"{field} must be >= {opts[0]}, got {value!r}")
        elif kind == _STR:
            if not isinstance(value, str):
                raise fail(f"{field} must be a string, got {value!r}")
            if opts and value not in opts[0]:
                close = difflib.get_close_matches(value, list(opts[0]), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise fail(f"{field} must be one of {', '.join(opts[0])}, got {value!r}{hint}")
        elif kind == _BOOL:
            if not isinstance(value, bool):
                raise fail(f"{field} must be true or false, got {value!r}")
        elif kind == _PRESET:
            name = value.get("name") if isinstance(value, dict) else value
            if not isinstance(name, str):
                raise fail(f"{field} must be a preset name or a table with 'name', got {value!r}")
            if name not in PRESETS:
                close = difflib.get_close_matches(name, list(PRESETS), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise fail(f"{field}: unknown preset {name!r}{hint} (known: {', '.join(PRESETS)})")
        elif kind == _TABLE:
            if not isinstance(value, (dict, list)):
                raise fail(f"{field} must be a table, got {value!r}")
        elif kind == _STRLIST:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise fail(f"{field} must be an array of node names, got {value!r}")
        elif kind == _NUMLIST and (
            not isinstance(value, list)
            or len(value) != opts[0]
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        ):
            raise fail(f"{field} must be an array of {opts[0]} numbers, got {value!r}")


def _hardware(table: Any, cls: type, where: str, fail: Any) -> Any:
    if not isinstance(table, dict):
        raise fail(f"{where} must be a table of {cls.__name__} fields, got {table!r}")
    fields = [f.name for f in dataclasses.fields(cls)]
    _check_keys(table, dict.fromkeys(fields), where, fail)
    try:
        return cls(**table)
    except TypeError as exc:
        raise fail(f"{where}: {exc}") from None
    except ValueError as exc:
        raise fail(f"{where}: {exc}") from None
