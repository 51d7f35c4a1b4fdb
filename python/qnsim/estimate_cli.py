"""``qnsim estimate``: price a workload on networked QPUs from the command line.

Usage::

    qnsim estimate WORKLOAD (--links FILE.toml | --network FILE.toml) [--json] [--out REPORT.json] [--stream]
        [--plot OUT.png] [--progress/--no-progress]

WORKLOAD is a circuit file, a ``.toml`` logical summary or a ``.json`` logical-counts file of the
Azure estimator (:data:`qnsim.estimate.workload.DIALECT`). The links file holds ``[[qpu]]``,
``[[link]]`` and ``[estimate]`` tables whose keys, units, defaults and ranges are
:data:`LINKS_FILE_KEYS`, the one description that the reader checks against and that
``--help`` prints (:func:`links_file_help`)::

    [[qpu]]
    preset = "qubit_gate_ns_e4"
    count = 2
    num_qubits = 50000
    surface_code = true

    [[link]]
    qpus = [0, 1]
    rate_hz = 1e5                  # or scenario = "file.toml": measured by simulation
    fidelity = 0.99
    latency_s = 1e-5

    [estimate]
    max_runtime_s = 31557600.0

A progress bar shows on stderr while a long circuit is read, counted or scheduled (on a terminal
once a pass looks longer than ~1 s, on any other stderr as plain lines every 10 s once it looks longer
than that; ``--progress`` always, ``--no-progress`` never); Ctrl-C stops
any of them (exit status 130). ``--plot OUT.png`` also draws the report (:func:`qnsim.plot.plot_estimate`).
``--out REPORT.json`` also saves it as JSON with a digest of its figures (:func:`save_report`): ``qnsim plot
REPORT.json`` and :func:`read_saved_report` refuse it once a figure was edited (a ``wall_clock_s`` edited below its
limit), naming the figure; a report saved as ``--json > report.json`` carries none and is read with a warning that it
could not be checked.

Exit status: 0 feasible, 1 infeasible, 2 bad input, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM), 129 hung
up (SIGHUP: the terminal closed, an ssh connection dropped).
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import qnsim.estimate  # noqa: F401 - loaded with the module, not inside main(), where a Ctrl-C would stop the import
from qnsim.argument_checks import MAX_DISTANCE, written
from qnsim.cli import ArgumentParser, guarded, integer_arg, path_arg, print_quietly
from qnsim.estimate.estimator import _MAX_QPUS, QPU_LIMIT_WHY
from qnsim.estimate.links import NODE_INDEX_RANGE
from qnsim.estimate.qpu import MAX_CROSSING_PREFACTOR
from qnsim.estimate.report import FIGURES_DIGEST_KEY, figures_digest
from qnsim.specs import SEED_RANGE, check_seed

__all__ = ["LINKS_FILE_KEYS", "FileKey", "links_file_help", "load_network", "main", "read_saved_report", "save_report"]

_log = logging.getLogger("qnsim.estimate")

#: The most operations ``qnsim estimate --simulate`` runs gate by gate (simulate_execution's default max_ops).
_SIMULATE_MAX_OPS = 10**6

#: The settings ``qnsim estimate`` overrides by an option: none (a calibration's until_s and seed are keys of the
#: links file's [[link]] table, which its notes name).
OPTIONS: dict[str, str] = {}

# _MAX_QPUS is the estimator's own limit (QPU_LIMIT_WHY), imported rather than copied so that the links file's
# [1, N] bound and its --help cannot drift from it; refused before anything is allocated.
_MAX_ALL_LINKS = 1_000_000  # qpus = "all" builds n (n - 1) / 2 links.


@dataclasses.dataclass(frozen=True)
class FileKey:
    """One key of the links/network file of ``qnsim estimate``: the one description that the
    file reader checks against and that ``--help`` and the docs print.

    Attributes:
        table: ``"qpu"``, ``"qpu.surface_code"``, ``"link"`` or ``"estimate"``.
        name: The key.
        hint: The annotation its value is checked against (None: read specially).
        default: What applies when the key is absent, in words.
        unit: Unit of the value (empty when dimensionless).
        bounds: Bounds for :func:`qnsim.specs.check_value` (``minimum``, ``maximum``, ...; ``allow_inf``
            for a float key whose +inf means something, every other float key refusing it; ``reader`` for a key
            read by a spec shared with other entry points: a seed by :func:`qnsim.specs.check_seed`).
        doc: One line of documentation.
        range_text: The accepted values where ``bounds`` cannot say it (checked by the class the
            values go to), else empty.

    Example:
        >>> key = next(k for k in LINKS_FILE_KEYS if (k.table, k.name) == ("link", "fidelity"))
        >>> key.range, key.unit
        ('[0.25, 1]', '')
    """

    table: str
    name: str
    hint: Any
    default: str
    unit: str
    bounds: dict[str, Any]
    doc: str
    range_text: str = ""

    @property
    def range(self) -> str:
        """The accepted values in interval notation (empty when unbounded)."""
        from qnsim.specs import _derived_range

        return self.range_text or _derived_range(self.bounds)


def _key(
    table: str, name: str, hint: Any, default: str, unit: str, doc: str, range: str = "", **bounds: Any
) -> FileKey:
    return FileKey(table, name, hint, default, unit, bounds, doc, range)


_TIME = {"minimum": 0.0}
_PROBABILITY = {"minimum": 0.0, "maximum": 1.0}
#: (0, 1): a threshold or an error budget, which 0 and 1 are not.
_OPEN_UNIT = {"minimum": 0.0, "maximum": 1.0, "exclusive_minimum": True, "exclusive_maximum": True}

#: Every key of the links/network file, in the order ``--help`` and the docs list them.
LINKS_FILE_KEYS: tuple[FileKey, ...] = (
    _key("qpu", "count", int, "1", "", "Identical QPUs this table stands for", minimum=1, maximum=_MAX_QPUS),
    _key("qpu", "preset", str, "none", "", "Azure estimator parameter set: qubit_gate_ns_e3, qubit_gate_ns_e4, "
         "qubit_gate_us_e3 or qubit_gate_us_e4; keys below override it"),
    _key("qpu", "num_qubits", int, "unlimited", "", "Physical qubits", minimum=1),
    _key("qpu", "surface_code", None, "false", "", "true (or a table of the keys of [qpu.surface_code]): the "
         "workload runs on surface-code logical qubits; false: on physical qubits (all QPUs alike)"),
    _key("qpu", "logical_qubits", int, "limited by num_qubits", "", "Placement capacity in logical qubits "
         "(error-corrected QPUs)", minimum=1),
    _key("qpu", "name", str, "the preset's name", "", "Label in reports, beside the QPU's index (names may repeat)"),
    _key("qpu", "t_1q_s", float, "5e-08 (or the preset's)", "s", "Single-qubit gate time", **_TIME),
    _key("qpu", "t_2q_s", float, "5e-08 (or the preset's)", "s", "Two-qubit gate time", **_TIME),
    _key("qpu", "t_meas_s", float, "1e-07 (or the preset's)", "s", "Measurement time", **_TIME),
    _key("qpu", "t_reset_s", float, "t_meas_s", "s", "Reset time", **_TIME),
    _key("qpu", "t_t_s", float, "t_1q_s (or the preset's)", "s", "T gate time", **_TIME),
    _key("qpu", "e_1q", float, "0.001 (or the preset's)", "", "Single-qubit gate error probability", **_PROBABILITY),
    _key("qpu", "e_2q", float, "0.001 (or the preset's)", "", "Two-qubit gate error probability", **_PROBABILITY),
    _key("qpu", "e_meas", float, "0.001 (or the preset's)", "", "Measurement error probability", **_PROBABILITY),
    _key("qpu", "e_t", float, "0.001 (or the preset's)", "", "T gate error probability", **_PROBABILITY),
    _key("qpu.surface_code", "crossing_prefactor", float, "0.03", "", "a in the logical error per cycle "
         "a (p/p*)^((d+1)/2)", minimum=0.0, exclusive_minimum=True, maximum=MAX_CROSSING_PREFACTOR),
    _key("qpu.surface_code", "error_threshold", float, "0.01", "", "p*, the threshold", **_OPEN_UNIT),
    _key("qpu.surface_code", "max_distance", int, "101", "", "Largest code distance tried", minimum=1,
         maximum=MAX_DISTANCE),
    _key("qpu.surface_code", "interface_threshold", float, "0.1", "", "Error threshold of Bell pairs on a patch "
         "boundary joined across QPUs", **_OPEN_UNIT),
    _key("link", "qpus", None, "required", "", '[i, j]: the two QPU indices (from 0, in file order; indices from '
         'the number of QPUs up are relay nodes holding no workload qubits; a relay joins two or more links, '
         'so a node with one link is refused as a mistyped QPU index), or "all" for every QPU pair'),
    _key("link", "rate_hz", float, "required (or measured: scenario)", "Hz", "Raw Bell pairs per second per "
         "channel", minimum=0.0, exclusive_minimum=True),
    _key("link", "fidelity", float, "required (or measured: scenario)", "", "Raw pair fidelity to Phi+ "
         "(Werner pairs)", minimum=0.25, maximum=1.0),
    _key("link", "latency_s", float, "0 (or measured: scenario)", "s", "One-way classical latency", **_TIME),
    _key("link", "channels", int, "1", "", "Parallel channels, each delivering rate_hz", minimum=1, maximum=10**9),
    _key("link", "buffer_pairs", int, "64", "", "Distilled-pair memories per end for buffering (generation pauses "
         "while they are full; first in, first out)", minimum=1, maximum=10**9),
    _key("link", "memory_t1_s", float, "inf: not modelled (or the scenario's end nodes')", "s", "T1 of the "
         "memories holding the link's pairs (both ends); with memory_t2_s, pairs lose fidelity for the time they "
         "wait: in purification rounds, at relays and before use (docs: estimator input files, storage decay)",
         minimum=0.0, exclusive_minimum=True, allow_inf=True),
    _key("link", "memory_t2_s", float, "inf: not modelled (or the scenario's end nodes')", "s", "T2 of those "
         "memories (<= 2 memory_t1_s)", minimum=0.0, exclusive_minimum=True, allow_inf=True),
    _key("link", "success_probability", float, "none", "", "Herald probability per attempt (for the event-driven "
         "check; with attempt_period_s, p / T must equal rate_hz)", minimum=0.0, maximum=1.0,
         exclusive_minimum=True),
    _key("link", "attempt_period_s", float, "none", "s", "Attempt period T (with success_probability)",
         minimum=0.0, exclusive_minimum=True),
    _key("link", "scenario", str, "none", "", "A network scenario file (relative to this file) whose request "
         "this link stands for: rate, fidelity and latency are measured by simulating it (keys given here win)"),
    _key("link", "request", int, "0", "", "Which request of the scenario (from 0)", minimum=0),
    _key("link", "until_s", float, "the scenario's", "s", "Simulated time of the calibration run", minimum=0.0,
         exclusive_minimum=True),
    _key("link", "seed", int, "the scenario's", "", "Seed of the calibration run (a scenario without run.seed: "
         "drawn at random, and the report names it)", range=SEED_RANGE, reader=check_seed),
    _key("estimate", "target_fidelity", float, "none: raw pairs, or the surface code's interface fidelity", "",
         "Pair fidelity remote operations need (links are purified up to it)", minimum=0.25, maximum=1.0),
    _key("estimate", "purification", Literal["dejmps", "bbpssw"], '"dejmps"', "", "Recurrence purification scheme; "
         "its rounds suffer each end QPU's own e_1q, e_2q and e_meas at that end, which cap the fidelity it "
         "reaches"),
    _key("estimate", "cat_entangler", bool, "true", "", "Share one pair across a run of remote gates with one "
         "control"),
    _key("estimate", "error_budget", None, "0.001", "", "Failure probability allowed for the whole run (a float), "
         "or a table of its total and parts ([estimate.error_budget])", range="(0, 1)"),
    _key("estimate", "max_runtime_s", float, "none", "s", "Longest acceptable run (wall-clock time of the "
         "machine); longer is infeasible (inf: no limit)", minimum=0.0, exclusive_minimum=True, allow_inf=True),
    _key("estimate", "placement", tuple[int, ...], "automatic", "", "QPU index of each workload qubit"),
    _key("estimate", "placement_strategy", Literal["pack", "spread"], '"pack"', "", "Automatic placement on the "
         "fewest QPUs that hold the workload (pack) or on all of them (spread)"),
    _key("estimate", "partitioner", Literal["auto", "metis", "kernighan-lin"], '"auto"', "", "auto: METIS when "
         "pymetis is installed, else Kernighan-Lin"),
    _key("estimate", "seed", int, "0", "", "Seed of the partitioner (METIS; Kernighan-Lin draws nothing: its "
         "placement is the same for every seed)", range=SEED_RANGE, reader=check_seed),
    _key("estimate.error_budget", "total", float, "0.001", "", "Failure probability allowed for the whole run",
         **_OPEN_UNIT),
    _key("estimate.error_budget", "logical", float, "an equal share", "", "Part for the logical errors of the "
         "patches (error-corrected QPUs)", **_PROBABILITY),
    _key("estimate.error_budget", "t_states", float, "an equal share", "", "Part for faulty T states "
         "(error-corrected QPUs)", **_PROBABILITY),
    _key("estimate.error_budget", "rotations", float, "an equal share", "", "Part for rotation synthesis "
         "(error-corrected QPUs)", **_PROBABILITY),
    _key("estimate.error_budget", "remote", float, "an equal share (physical QPUs: none)", "", "Part for remote "
         "operations across links (physical QPUs: it caps their expected faults, the rest of the total the local "
         "ones')", **_PROBABILITY),
)


def _keys_of(table: str) -> dict[str, FileKey]:
    return {k.name: k for k in LINKS_FILE_KEYS if k.table == table}


def _get(table: Any, key: FileKey, default: Any = dataclasses.MISSING) -> Any:
    if default is dataclasses.MISSING:
        return table.get(key.name, key.hint, **key.bounds)
    return table.get(key.name, key.hint, default, **key.bounds)


def links_file_help(width: int = 100) -> str:
    """The links/network file format as plain text (``qnsim estimate --help`` prints it).

    Example:
        >>> text = links_file_help()
        >>> "[[link]]" in text and "rate_hz" in text and "Hz" in text
        True
    """
    import textwrap

    lines = [
        "LINKS FILE (--links or --network): TOML with one [[qpu]] table per QPU (or count = N identical",
        "ones), [[link]] tables joining them and an optional [estimate] table of options. Types are",
        "checked, never coerced. For each key: type, unit, default, accepted range.",
    ]
    titles = {
        "qpu": "[[qpu]]",
        "qpu.surface_code": "[qpu.surface_code] (surface_code = true takes these defaults)",
        "link": "[[link]]",
        "estimate": "[estimate]",
        "estimate.error_budget": "[estimate.error_budget] (as qnsim.estimate.ErrorBudget; error_budget = 0.001 "
        "gives the total alone)",
    }
    for table, title in titles.items():
        lines += ["", title]
        for key in _keys_of(table).values():
            facts = [_type_text(key.hint)]
            if key.unit:
                facts.append(key.unit)
            facts.append(key.default if key.default.startswith("required") else f"default {key.default}")
            if key.range:
                facts.append(key.range)
            lines += textwrap.wrap(f"  {key.name} ({', '.join(facts)}): {key.doc}", width, subsequent_indent="      ")
    return "\n".join(lines)


def _type_text(hint: Any) -> str:
    from qnsim.specs import _type_name

    return "see below" if hint is None else _type_name(hint)


def load_network(
    data: dict[str, Any] | Any, base_dir: str | None = None, source: str = "links file"
) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """Builds (QPUs, links, estimate options) from a links/network TOML file or its parsed document.

    Every value goes through the project's one TOML layer (:mod:`qnsim.config`): types are
    checked, never coerced, and a message names the file, the key path and the value.

    Args:
        data: the file's path (read as ``qnsim estimate --links`` reads it), the parsed document (a dict) or a
            :class:`qnsim.config.TomlTable`.
        base_dir: directory that ``scenario =`` paths are relative to (default: the links file's directory
            for a :class:`~qnsim.config.TomlTable` read by ``TomlTable.load``, as ``qnsim estimate`` reads them;
            the working directory for a dict).
        source: file name shown in messages (when ``data`` is a dict).

    Raises:
        qnsim.config.ConfigError: naming the file, the key path and the bad value.

    >>> qpus, links, opts = load_network({"qpu": [{"num_qubits": 4, "count": 2}],
    ...                                   "link": [{"qpus": "all", "rate_hz": 1e4, "fidelity": 0.95}]})
    >>> len(qpus), links[0].key, opts
    (2, (0, 1), {})
    >>> load_network({"qpu": [{"count": 2.7}]}, source="net.toml")
    Traceback (most recent call last):
    ...
    qnsim.config.ConfigError: net.toml: qpu[0].count must be an integer, got 2.7
    """
    from qnsim.config import ConfigError, TomlTable, other_file_kind
    from qnsim.estimate import QPU, Link, SurfaceCode

    if isinstance(data, (str, os.PathLike)):
        # A path was read as a document: its first letter came back as "unknown key e (known: qpu, link, estimate)".
        data = TomlTable.load(data)
    elif not isinstance(data, (TomlTable, Mapping)):
        raise TypeError(
            f"data must be a links file's path, its parsed document (a dict) or a TomlTable, got {type(data).__name__}"
        )
    root = data if isinstance(data, TomlTable) else TomlTable(data, source)
    if base_dir is None:
        # load_network(TomlTable.load("net/links.toml")) resolved scenario = "../x.toml" against the working
        # directory, where `qnsim estimate` (and the docs) take it relative to the links file.
        base_dir = root.directory if root.directory is not None else "."
    other = other_file_kind(root.keys(), "links", root.source)
    if other is not None:
        raise ConfigError(other)
    root.check_keys(["qpu", "link", "estimate"])
    qpu_keys, sc_keys, link_keys, est_keys = (_keys_of(t) for t in ("qpu", "qpu.surface_code", "link", "estimate"))
    qpus: list[QPU] = []
    for table in root.tables("qpu"):
        table.check_keys(qpu_keys)
        raw_count = table.data.get("count")
        if isinstance(raw_count, int) and not isinstance(raw_count, bool) and raw_count > _MAX_QPUS:
            # The range's refusal with where the limit comes from and the way on (QPU_LIMIT_WHY): before, "must be in
            # [1, 4096], got 4097" alone.
            raise table.error(f"must be in [1, {_MAX_QPUS}], got {raw_count}: {QPU_LIMIT_WHY}", "count")
        count = _get(table, qpu_keys["count"], 1)
        if len(qpus) + count > _MAX_QPUS:
            raise table.error(
                f"brings the number of QPUs to {len(qpus) + count:,}, above {_MAX_QPUS:,}: {QPU_LIMIT_WHY}", "count")
        fields: dict[str, Any] = {}
        for key in qpu_keys.values():
            if key.hint is not None and key.name not in ("count", "preset") and key.name in table:
                fields[key.name] = _get(table, key)
        if "surface_code" in table:
            if isinstance(table.data["surface_code"], dict):
                sc_table = table.table("surface_code")
                sc_table.check_keys(sc_keys)
                sc_fields = {name: _get(sc_table, key) for name, key in sc_keys.items() if name in sc_table}
                with sc_table.located():
                    fields["surface_code"] = SurfaceCode(**sc_fields)
            elif table.get("surface_code", bool):
                fields["surface_code"] = SurfaceCode()
        preset_name = _get(table, qpu_keys["preset"], None)
        with table.located():
            qpu = QPU.preset(preset_name, **fields) if preset_name is not None else QPU(**fields)
        qpus.extend([qpu] * count)
    if not qpus:
        raise root.error("defines no [[qpu]] tables")
    links: list[Link] = []
    joined: dict[tuple[int, int], int] = {}  # a QPU pair -> the [[link]] table that joins it
    tables: list[Any] = []  # the [[link]] tables, by number
    for number, table in enumerate(root.tables("link")):
        table.check_keys(link_keys, ["qpus"])
        pair = table.data["qpus"]
        if pair == "all":
            n = len(qpus)
            if n * (n - 1) // 2 > _MAX_ALL_LINKS:
                raise table.error(f'= "all" would make {n * (n - 1) // 2:,} links (more than {_MAX_ALL_LINKS:,})',
                                  "qpus")
            pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
        else:
            # Their range is Link's, checked once there (below, located in this table): the file capped them at
            # the QPU count + 4096, a bound the Python API did not have and the message did not explain.
            pairs = [table.get("qpus", tuple[int, ...], length=2, range=NODE_INDEX_RANGE)]
        fields = {}
        for name in ("rate_hz", "fidelity", "latency_s", "buffer_pairs", "channels", "success_probability",
                     "attempt_period_s", "memory_t1_s", "memory_t2_s"):
            if name in table:
                fields[name] = _get(table, link_keys[name])
        if "scenario" in table:
            fields = _calibrated_fields(table, fields, base_dir)
        elif any(k in table for k in ("request", "until_s", "seed")):
            raise table.error("request, until_s and seed describe a calibration: give scenario = \"file.toml\" too")
        for key in ("rate_hz", "fidelity"):
            if key not in fields:
                raise table.error("is required (or scenario = \"file.toml\" to measure it by simulation)", key)
        with table.located():
            made = [Link(tuple(p), **fields) for p in pairs]
        for lk in made:
            # Located here, where the tables are known: the estimate refused a second link between two QPUs as
            # "two links between QPUs (0, 1)", naming neither the file nor either table.
            if joined.setdefault(lk.key, number) != number:
                raise table.error(f"joins QPUs {lk.key}, as link[{joined[lk.key]}] does: give one link per QPU pair",
                                  "qpus")
        links.extend(made)
        tables.append(table)
    # A node numbered past the QPUs is a relay, and one with a single link is surely a mistyped QPU index: refused
    # here, where the table is known (the estimate refused it as "link (0, 4) ends at node 4 ...", naming neither the
    # file nor the table).
    ends = collections.Counter(node for lk in links for node in lk.key if node >= len(qpus))
    for lk in links:
        for node in lk.key:
            if ends[node] == 1:
                raise tables[joined[lk.key]].error(
                    f"= {list(lk.qpus)} ends at node {node}, which is not a QPU (there are {len(qpus)} QPUs, "
                    f"0..{len(qpus) - 1}); a node numbered from {len(qpus)} up is a relay, but relay {node} has no "
                    "other link, so no route can pass through it: use a QPU index, or join the relay to two or more "
                    "links",
                    "qpus",
                )
    opts: dict[str, Any] = {}
    est = root.table("estimate")
    if est is not None:
        est.check_keys(est_keys)
        for name, key in est_keys.items():
            if name in est and name != "error_budget":
                opts[name] = _get(est, key)
        if "error_budget" in est:
            opts["error_budget"] = _error_budget(est)
        if "placement" in opts:
            opts["placement"] = list(opts["placement"])
    return qpus, links, opts


def _error_budget(est: Any) -> Any:
    """``[estimate] error_budget``: a float (the total), or a table of the total and parts, as the Python API's
    ``error_budget=ErrorBudget(...)`` (a budget with a remote part was out of a links file's reach)."""
    from qnsim.estimate import ErrorBudget

    if isinstance(est.data["error_budget"], dict):
        table = est.table("error_budget")
        keys = _keys_of("estimate.error_budget")
        table.check_keys(keys)
        parts = {name: _get(table, key) for name, key in keys.items() if name in table}
        with table.located():
            return ErrorBudget(**parts)
    return est.get("error_budget", float, **_OPEN_UNIT)


def _load_workload(path: str, stream: bool, progress: bool | None = None) -> Any:
    from qnsim.estimate import LogicalSummary, Workload, stream_circuit_file

    # Any case of the suffix: counts.TOML was read as a circuit ("unknown gate 'logical_qubits' on line 1").
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".toml":
        return LogicalSummary.from_toml(path)
    if suffix == ".json":
        return LogicalSummary.from_qre(path)
    if stream:  # (_main has opened it: a missing path or a directory is said before the links file is read)
        return stream_circuit_file(path, progress=progress)
    return Workload.from_file(path, progress=progress)


def _check_opens(path: str) -> None:
    """Raises the OSError (naming ``path``) or ValueError (a device or a pipe) that reading the circuit file ``path``
    would raise, without reading it."""
    from qnsim.argument_checks import readable_file

    with open(readable_file("workload", path, "a circuit file"), "rb"):
        pass


def _calibrated_fields(table: Any, fields: dict[str, Any], base_dir: str) -> dict[str, Any]:
    """Adds a simulation's rate, fidelity, latency and end-node memory times for a ``scenario =``
    link (figures given explicitly in the table win over the calibrated ones)."""
    from qnsim.estimate.calibrate import calibrate_link

    keys = _keys_of("link")
    given = _get(table, keys["scenario"])
    scenario = os.path.join(base_dir, given)
    if not os.path.isfile(scenario):
        raise table.error(
            f"= {written(given)}: no scenario file at {written(os.path.abspath(scenario))} (scenario paths are taken "
            "relative to "
            f"{written(os.path.abspath(base_dir))}, the links file's directory)",
            keys["scenario"].name,
        )
    request = _get(table, keys["request"], 0)
    until_s = _get(table, keys["until_s"], None)
    seed = _get(table, keys["seed"], None)
    with table.located("calibrating by simulation"):
        calibrated = calibrate_link(scenario, request, until_s=until_s, seed=seed)
    ci = calibrated.fidelity_ci95
    spread = f"+- {ci:.1g}" if ci >= 5e-5 else "(spread below 1e-4)"
    print(
        f"{table.path}: calibrated from {calibrated.source}: {calibrated.rate_text()}, "
        f"F = {calibrated.fidelity:.4f} {spread}",
        file=sys.stderr,
    )
    out = dict(fields)
    if "rate_hz" not in fields or "fidelity" not in fields:
        # The report repeats them (also with --json): a thin calibration is part of the answer.
        for note in calibrated.notes:
            print(f"{table.path}: WARNING: {note}", file=sys.stderr)
        # The report's own account of the rate it rests on, with its interval and window, then the caveats.
        out["notes"] = calibrated.report_notes()
        if "rate_hz" not in fields and calibrated.rate_interval95 is not None:
            out["rate_interval95"] = calibrated.rate_interval95  # The channel counts are read across it.
    out.setdefault("rate_hz", calibrated.rate_hz)
    out.setdefault("fidelity", calibrated.fidelity)
    out.setdefault("latency_s", calibrated.latency_s)
    # The simulated end nodes' memories hold the pairs: their decay applies unless the table says otherwise.
    out.setdefault("memory_t1_s", calibrated.memory_t1_s)
    out.setdefault("memory_t2_s", calibrated.memory_t2_s)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Runs ``qnsim estimate``; returns the exit status (0 feasible, 1 infeasible, 2 bad input).

    ``argv`` may start with the subcommand name ``estimate`` (as dispatched by ``qnsim``).

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> with open(os.path.join(d, "w.stim"), "w") as f:
    ...     _ = f.write("REPEAT 1000 {\\n  CX 0 1\\n}\\n")
    >>> with open(os.path.join(d, "links.toml"), "w") as f:
    ...     _ = f.write('[[qpu]]\\nnum_qubits = 1\\ncount = 2\\n[[link]]\\nqpus = [0, 1]\\n'
    ...                 'rate_hz = 1e4\\nfidelity = 0.99\\n')
    >>> main(["estimate", os.path.join(d, "w.stim"), "--links", os.path.join(d, "links.toml")])
    verdict...infeasible
      reason...error budget: ...
    1
    """
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in and args_in[0] == "estimate":
        args_in = args_in[1:]
    parser = _parser()
    return guarded("qnsim estimate", lambda: _main(parser, args_in), options=OPTIONS)


def _parser() -> argparse.ArgumentParser:
    from qnsim.estimate.report import LINK_TABLE_COLUMNS
    from qnsim.estimate.workload import workload_help
    from qnsim.progress import add_progress_options

    parser = ArgumentParser(
        prog="qnsim estimate",
        description="Estimate what a workload costs on networked QPUs.\nExit status: 0 feasible, 1 infeasible, "
        "2 bad input (one line on stderr), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM), 129 hung up "
        "(SIGHUP).",
        epilog=f"{links_file_help()}\n\n{workload_help()}\n\n{LINK_TABLE_COLUMNS}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "workload",
        type=path_arg,
        help="circuit file (Stim syntax plus T, T_DAG, CCZ, RZ/RX/RY(theta); REPEAT counted symbolically), "
        "a .toml logical summary or a .json logical-counts file of the Azure resource estimator (formats below)",
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument(
        "--links", type=path_arg, help="TOML file of [[qpu]], [[link]] and [estimate] tables (format below)"
    )
    group.add_argument("--network", type=path_arg, help="the same file as --links (an alias)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--out", type=path_arg, metavar="REPORT.json", help="also save the report as JSON with a digest of its "
        "figures (figures_digest): qnsim plot REPORT.json (and qnsim.estimate_cli.read_saved_report) refuse it once "
        "a figure was edited, naming it"
    )  # fmt: skip
    parser.add_argument("--stream", action="store_true", help="stream an unrolled circuit file (no REPEAT)")
    parser.add_argument(
        "--plot", type=path_arg, metavar="OUT.png", help="also draw the report: per link the raw pairs/s needed "
        "and delivered, the wall clock and its parts, qubits per QPU (needs matplotlib: pip install 'qnsim[plot]'; "
        "qnsim plot REPORT.json draws a saved --json report)"
    )  # fmt: skip
    parser.add_argument(
        "--simulate", type=integer_arg, metavar="SEEDS", help="also check the estimate by simulation: run the circuit "
        "gate by gate (simulate_execution, physical QPUs, up to 10^6 operations) over seeds 0 to SEEDS - 1 (1 to "
        "1000) at the operating point it priced, and print each figure beside its price (the wall clock, how many "
        "runs meet the runtime limit, F at use, remote faults); the exit status stays the estimate's verdict"
    )  # fmt: skip
    # As `qnsim run --progress`: by default a bar shows on a terminal once a pass looks longer than ~1 s.
    add_progress_options(parser, "always show progress bars (stderr) for reading, counting and scheduling the circuit")
    return parser


def save_report(report: Any, path: str | os.PathLike[str]) -> None:
    """Writes an estimate report to ``path`` as its JSON (:meth:`~qnsim.estimate.EstimateReport.to_json`) with one key
    more, last: ``figures_digest``, a digest of every figure as written (as a sweep's ``row_digest``:
    :func:`qnsim.sweeps._row_digest`, its cells the figures by path). :func:`read_saved_report` and ``qnsim plot``
    refuse a saved report whose figures were edited afterwards (a ``wall_clock_s`` edited below its limit), naming
    the figure, rather than draw it as estimated. The file is written whole or not at all. Read it back with
    :func:`read_saved_report` or :meth:`~qnsim.estimate.EstimateReport.from_json` (both check the digest).

    Args:
        report: A :class:`qnsim.estimate.EstimateReport`.
        path: The file to write (``qnsim estimate ... --out REPORT.json``).

    Raises:
        TypeError: ``report`` is no EstimateReport.
        OSError: The file cannot be written (it is left as it was).

    Example:
        >>> import os, tempfile
        >>> from qnsim.estimate import QPU, Link, estimate
        >>> report = estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], error_budget=0.5)
        >>> path = os.path.join(tempfile.mkdtemp(), "report.json")
        >>> save_report(report, path)
        >>> read_saved_report(path).wall_clock_s == report.wall_clock_s
        True
    """
    from qnsim.estimate.report import EstimateReport
    from qnsim.trace import write_whole

    if not isinstance(report, EstimateReport):
        raise TypeError(f"report must be an EstimateReport, got {written(report)}")
    # The figures as they read back from the text (floats by their repr, "inf" as text), as a reader digests them.
    data = json.loads(json.dumps(report.to_dict()))
    data[FIGURES_DIGEST_KEY] = figures_digest(data)
    write_whole(path, [json.dumps(data, indent=2), "\n"])


def read_saved_report(report: Any, where: str = "report") -> Any:
    """An estimate report read back from a file :func:`save_report` wrote (or its text), its figures checked.

    A report whose figures are not those its ``figures_digest`` was made of (edited after it was saved) is refused,
    naming the figure; one without the key (``qnsim estimate --json > report.json``, text from ``to_json()``) cannot
    be checked: it is read, and a warning on the ``qnsim.estimate`` logger says so for a file.

    Args:
        report: The path of the saved report, or its JSON text (starting with ``{``).
        where: How a message names the text (a path names itself).

    Returns:
        The :class:`qnsim.estimate.EstimateReport`.

    Raises:
        FileNotFoundError: No such file.
        ValueError: Figures edited since the save (naming the first ones), text that is no report (as
            :meth:`~qnsim.estimate.EstimateReport.from_json` says).
        TypeError: ``report`` is neither a path nor text.

    Example:
        >>> read_saved_report('{"schema_version": 9, "wall_clock_s": 0.5, "figures_digest": "1:0:00"}')
        Traceback (most recent call last):
        ...
        ValueError: report: its figures are not those qnsim estimate saved (its figures_digest was made of others): ...
    """
    report, remark = _read_saved_report(report, where)
    if remark is not None:
        _log.warning("%s", remark)
    return report


def _read_saved_report(report: Any, where: str = "report") -> tuple[Any, str | None]:
    """:func:`read_saved_report`, and what it says of a file it could not check (None: checked, or text)."""
    from pathlib import Path

    from qnsim.argument_checks import file_path, shown
    from qnsim.estimate.report import EstimateReport, _without_checked_digest, parse_report_json

    remark = None
    text = isinstance(report, str) and report.lstrip().startswith("{")
    is_file = isinstance(report, (str, os.PathLike)) and not text
    if is_file:
        path = Path(file_path("report", report))
        if not path.is_file():
            raise FileNotFoundError(f"{str(path)!r}: no such estimate report (write one with qnsim estimate --out)")
        raw, where = path.read_bytes(), str(path)
        try:
            report = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            # Said "'utf-8' codec can't decode byte 0xe9 in position 7", naming no file.
            raise ValueError(f"{where}: not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start})") from None
    if not isinstance(report, str):
        raise TypeError(f"report must be an EstimateReport, its JSON text or a path, got {shown(report)}")

    def read(step: Callable[[Any], Any], value: Any) -> Any:
        try:
            return step(value)
        except (ValueError, TypeError) as exc:  # the reader's own words (a file cut short, a field edited), and where
            raise (TypeError if isinstance(exc, TypeError) else ValueError)(f"{where}: {exc}") from None

    data = read(parse_report_json, report)
    if isinstance(data, dict) and FIGURES_DIGEST_KEY in data:
        data = _without_checked_digest(data, where)  # its refusal names the file itself
    elif is_file and isinstance(data, dict):
        # Read, as a report of `qnsim estimate --json > report.json` always was, but not silently.
        remark = (
            f"{where} has no {FIGURES_DIGEST_KEY} (not saved by qnsim estimate --out): whether its figures were "
            "edited after it was written cannot be checked; it is read as it is"
        )
    return read(EstimateReport.from_dict, data), remark


def _main(parser: argparse.ArgumentParser, args_in: list[str]) -> int:
    try:
        args = parser.parse_args(args_in)
    except SystemExit as e:  # --help
        return int(e.code or 0)
    # Any failure below becomes one line and status 2 (guarded).
    from qnsim.config import TomlTable
    from qnsim.estimate import estimate

    if args.out is not None:
        from qnsim.argument_checks import file_to_write

        file_to_write("--out", args.out, "the report file", "report.json")  # before the estimate (minutes)
    if args.plot is not None:
        # Checked before the estimate, which can take minutes: a missing matplotlib or a bad image path after it
        # would lose the work.
        from qnsim.plot import _image_path, _matplotlib_for

        _matplotlib_for("qnsim estimate --plot")
        _image_path(args.plot, "--plot")
    # A logical summary (a small file) is read before the links file, a circuit file at least opened: a links file
    # that calibrates by simulation takes up to minutes, after which a mistyped workload path was the only error.
    summary = os.path.splitext(args.workload)[1].lower() in (".toml", ".json")
    if args.simulate is not None:
        # Refused before the estimate, which can take minutes.
        from qnsim.estimate.check import MAX_CHECK_SEEDS

        if not 1 <= args.simulate <= MAX_CHECK_SEEDS:
            raise ValueError(f"--simulate takes 1 to {MAX_CHECK_SEEDS} seeds, got {args.simulate}")
        if summary or args.stream:
            raise ValueError(
                f"--simulate runs a circuit gate by gate; {written(args.workload)} is "
                + ("streamed (--stream: counted, not scheduled)" if args.stream else "a logical summary (counts)")
                + ": estimate the circuit file unstreamed to check it by simulation"
            )
        if args.json:
            raise ValueError("--simulate prints a table beside the report; with --json check the report in Python "
                             "(qnsim.estimate.check_estimate) and keep its figures as you need them")
    if summary and args.stream:
        # Accepted and ignored before: a logical summary has no circuit to stream.
        raise ValueError(
            f"--stream counts an unrolled circuit file in chunks; {written(args.workload)} is a logical summary "
            f"({os.path.splitext(args.workload)[1]}: counts, no circuit), read whole: leave --stream out"
        )
    workload = _load_workload(args.workload, args.stream, args.progress) if summary else None
    if workload is None:
        _check_opens(args.workload)
    net_path = args.links if args.links is not None else args.network
    table = TomlTable.load(net_path)
    qpus, links, opts = load_network(table, base_dir=os.path.dirname(os.path.abspath(net_path)))
    if workload is None:
        workload = _load_workload(args.workload, args.stream, args.progress)
    if args.simulate is not None:
        # What the check cannot run is refused before the estimate (which prints a whole report first).
        if any(q.surface_code is not None for q in qpus):
            raise ValueError("--simulate runs physical QPUs gate by gate; these QPUs run a surface code (logical "
                             "cycles), which simulate_execution does not: leave --simulate out")
        operations = workload.count().total_gates
        if operations > _SIMULATE_MAX_OPS:
            raise ValueError(f"--simulate runs the circuit gate by gate, at most {_SIMULATE_MAX_OPS:,} operations; "
                             f"{written(args.workload)} has {operations:,}: check a smaller instance of it")
    report = estimate(workload, qpus, links, **opts, progress=args.progress)
    text = report.to_json() if args.json else report.table()
    print_quietly(text)
    if args.out is not None:
        save_report(report, args.out)
        print(f"saved the report -> {args.out}", file=sys.stderr)
    if args.simulate is not None:
        from qnsim.estimate import check_estimate

        check = check_estimate(report, workload, qpus, links, seeds=args.simulate,
                               target_fidelity=opts.get("target_fidelity"),
                               purification=opts.get("purification", "dejmps"),
                               cat_entangler=opts.get("cat_entangler", True), progress=args.progress)  # fmt: skip
        print_quietly("\n" + check.table())
    if args.plot is not None:
        from qnsim.plot import plot_estimate

        plot_estimate(report, out=args.plot)
        print(f"plotted the estimate -> {args.plot}", file=sys.stderr)
    return 0 if report.feasible else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
