"""A network as a scenario file: :meth:`qnsim.Network.to_toml` and the data behind it.

The file describes the network as it was *given* (the node, link and request specs of
:mod:`qnsim.specs`, each key written once, only where it differs from its default), so that
``qnsim run`` on it reproduces the network's runs bit for bit: the same seed gives identical
results. Built topologies come out as their ``[[nodes]]`` and ``[[links]]``; hardware presets
by name (or ``{name, options}``) where one of :data:`qnsim.presets.PRESETS` gives them, else as their
pieces; a link given as a :class:`qnsim.LinkModel` as a ``link_model`` table of its resolved
fields (its exact 4x4 state included). Floats are written with ``repr`` (and ``inf`` for
infinite times), so every value reads back as the same double. A request routed before a later
link was added (which the file's network, all links at once, would route elsewhere) comes out
with the path it took.

Before returning, the text is read back and the network it describes compared with the original
parameter by parameter; what a scenario file cannot hold (a Python :class:`qnsim.Protocol`, a
custom preset whose optical phase noise no named preset has) is refused with a message naming
it. An unseeded network's seed, drawn at random when it was built, is written like any other.

>>> import qnsim
>>> from qnsim.config import tomllib
>>> net = qnsim.chain(3, length_km=5.0, fidelity=0.95, rate_hz=1e3, network=qnsim.Network(seed=2))
>>> _ = net.request("n0", "n2", num_pairs=5, cutoff_s=0.01)
>>> text = net.to_toml(until_s=0.1)
>>> data = tomllib.loads(text)
>>> data["run"]
{'until_s': 0.1, 'seed': 2, 'formalism': 'density_matrix'}
>>> data["requests"]
[{'src': 'n0', 'dst': 'n2', 'num_pairs': 5, 'cutoff_s': 0.01}]
"""

from __future__ import annotations

import dataclasses
import errno
import math
import os
import re
from typing import Any

import numpy as np

from qnsim import _core
from qnsim.argument_checks import file_path, instance, naming_file, written
from qnsim.specs import LinkSpec, NodeSpec, RequestSpec, check_seed, check_value, spec_fields

__all__ = ["dumps_toml", "preset_value", "scenario_data", "write_toml"]


def preset_value(preset: Any) -> str | dict[str, Any] | None:
    """How a scenario file names a :class:`qnsim.HardwarePreset`: a :data:`qnsim.presets.PRESETS` name,
    ``{"name": ..., **options}``, or None when no named preset (with options) equals it.

    Example:
        >>> import dataclasses, qnsim
        >>> preset_value(qnsim.nv_near_term()), preset_value(qnsim.superconducting_transducer_link(1000))
        ('nv_near_term', {'name': 'superconducting_transducer_link', 'improvement': 1000.0})
        >>> preset_value(dataclasses.replace(qnsim.nv_near_term(), scheme="double_click")) is None
        True
    """
    from qnsim.presets import PRESETS, HardwarePreset

    instance("preset", preset, HardwarePreset, "a qnsim.HardwarePreset")

    for name, factory in PRESETS.items():
        if preset.name == name and factory() == preset:
            return name
        # Presets with options name themselves name_x<k> (superconducting_transducer_link_x1000).
        match = re.fullmatch(re.escape(name) + r"_x(.+)", preset.name)
        if match:
            try:
                improvement = float(match.group(1))
                if factory(improvement=improvement) == preset:
                    return {"name": name, "improvement": improvement}
            except (TypeError, ValueError):
                pass
    return None


def _plain(value: Any) -> Any:
    """Spec values as TOML values: tuples as lists, hardware pieces as tables of their fields."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _differing(spec: Any, cls: type, base: dict[str, Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The spec's fields whose values differ from ``base`` (default: the field's default)."""
    out = {}
    for f in spec_fields(cls):
        if f.name in skip:
            continue
        value = getattr(spec, f.name)
        default = base.get(f.name, None if f.default is dataclasses.MISSING else f.default)
        if f.required or not _same(value, default):
            out[f.name] = _plain(value)
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def _node_entry(node: Any) -> dict[str, Any]:
    from qnsim.network import hardware_values

    entry: dict[str, Any] = {"name": node.name}
    base: dict[str, Any] = {}
    named = preset_value(node.preset) if node.preset is not None else None
    if named is not None:
        # The preset sets the node's defaults and those of its hardware links.
        entry["preset"] = named
        base = hardware_values(node.preset.node)
    entry.update(_differing(node, NodeSpec, base, skip=("name",)))
    return entry


def _link_entry(network: Any, link: Any) -> dict[str, Any]:
    from qnsim.link_builder import _ABSTRACT, link_model_table
    from qnsim.presets import resolve_preset

    spec: LinkSpec = link.spec
    who = f"link {written(link.a)}-{written(link.b)}"
    entry = _differing(spec, LinkSpec, {}, skip=("preset", "link_model"))
    if spec.link_model is not None:
        entry["link_model"] = link_model_table(link.model)
        return entry
    if any(getattr(spec, k) is not None for k in _ABSTRACT):
        return entry
    # A hardware link: name the preset it was built from (its own, else an endpoint's).
    ends = [network.nodes[link.a].preset, network.nodes[link.b].preset]
    preset = resolve_preset(spec.preset) if spec.preset is not None else (ends[0] or ends[1])
    if preset is None:
        return entry
    named = preset_value(preset)
    if named is not None:
        entry["preset"] = named
        return entry
    # A custom preset: its pieces, one by one, which the spec's own pieces override.
    if preset.phase_std_rad != 0.0 and (spec.scheme or preset.scheme) == "single_click":
        raise ValueError(
            f"{who}: its preset {written(preset.name)} is not one of qnsim.presets.PRESETS and has phase_std_rad = "
            f"{written(preset.phase_std_rad)}, which a scenario file can only set through a named preset"
        )
    pieces = {
        "scheme": preset.scheme, "source": preset.source, "detector": preset.detector,
        "transducer": preset.transducer, "attenuation_db_per_km": preset.attenuation_db_per_km,
        "refractive_index": preset.refractive_index,
    }  # fmt: skip
    for key, value in pieces.items():
        if getattr(spec, key) is None and value is not None:
            entry[key] = _plain(value)
    return entry


def _request_entry(network: Any, request: Any) -> dict[str, Any]:
    spec: RequestSpec = request.spec
    if spec.protocol is not None:
        raise ValueError(
            f"request {request.index} ({request.label}) is driven by a Python Protocol "
            f"({type(spec.protocol).__name__}), which a scenario file cannot hold"
        )
    entry = _differing(spec, RequestSpec, {}, skip=("protocol",))
    if spec.path is None and tuple(network.route(spec.src, spec.dst, spec.routing)) != tuple(request.path):
        # Routed before a later link was added: the file's network, all links at once, would
        # route it elsewhere. The path it took is written instead, without the routing that chose it (a request
        # given its path refuses a routing metric).
        entry["path"] = list(request.path)
        entry.pop("routing", None)
    return entry


def scenario_data(
    network: Any, *, until_s: float | None = None, seed: int | None = None, name: str = "", description: str = ""
) -> dict[str, Any]:
    """The scenario (as :func:`qnsim.scenario.scenario_from_dict` reads it) that rebuilds ``network``.

    Args:
        network: A :class:`qnsim.Network`.
        until_s: ``run.until_s`` in s (default: the network's current time, if it has run).
        seed: ``run.seed`` (default: the network's seed, the one drawn for it if it was built without one).
        name: Scenario name (optional).
        description: Scenario description (optional).

    Raises:
        ValueError: No until_s, no seed, or a part a scenario file cannot hold (named).
        TypeError: ``network`` is no Network, or ``name`` or ``description`` no string.

    Example:
        >>> import qnsim
        >>> net = qnsim.Network(seed=1); _ = net.add_node("a"); _ = net.add_node("b", t2_s=0.5)
        >>> scenario_data(net, until_s=1.0)["nodes"]
        [{'name': 'a'}, {'name': 'b', 't2_s': 0.5}]
    """
    from qnsim.network import Network

    instance("network", network, Network, "a qnsim.Network")
    # Read before the run's figures: 0, False, None or [] as a name was taken for "no name" and left out without a
    # word (only a true value reached the check of the text read back).
    instance("name", name, str, "a string (empty: none)")
    instance("description", description, str, "a string (empty: none)")
    if until_s is None:
        if network.now_s <= 0:
            raise ValueError("to_toml: give until_s (the network has not run, so there is no time to reuse)")
        until_s = network.now_s
    # A network built without a seed holds the one drawn for it, so the file repeats its run.
    seed = network.seed if seed is None else seed
    # Checked, not coerced (float(True) was until_s = 1.0, int(1.5) seed 1); ranges are checked when
    # the text is read back.
    until_s, seed = check_value("until_s", float, until_s), check_seed("seed", seed)
    run: dict[str, Any] = {"until_s": until_s, "seed": seed, "formalism": network.formalism}
    default_records = _core.NativeNetwork(network.formalism, 0).max_records
    if network.native.max_records != default_records:
        run["max_records"] = int(network.native.max_records)
    data: dict[str, Any] = {}
    if name:
        data["name"] = name
    if description:
        data["description"] = description
    data["run"] = run
    data["nodes"] = [_node_entry(node) for node in network.nodes.values()]
    data["links"] = [_link_entry(network, link) for link in network.links]
    data["requests"] = [_request_entry(network, r) for r in network.requests]
    return {k: v for k, v in data.items() if v != []}


def _check_same(original: Any, copy: Any) -> None:
    """Refuses a scenario that would not rebuild ``original`` parameter for parameter."""
    for node in original.nodes.values():
        other = copy.nodes[node.name]
        for f in spec_fields(NodeSpec):
            if not _same(getattr(node, f.name), getattr(other, f.name)):
                raise ValueError(f"to_toml: node {written(node.name)} would not be rebuilt exactly ({f.name})")
    for link, other in zip(original.links, copy.links):
        same_state = (link.state is None) == (other.state is None) and (
            link.state is None or np.array_equal(link.state, other.state)
        )
        if link != other or not same_state:
            raise ValueError(
                f"to_toml: link {written(link.a)}-{written(link.b)} would not be rebuilt exactly from a scenario file "
                "(describe it by a named preset, hardware pieces, abstract figures or a LinkModel)"
            )
    for request, other in zip(original.requests, copy.requests):
        # A path the file had to name (see _request_entry) is the one the original was routed on.
        as_given = dataclasses.replace(request.spec, path=tuple(request.path), routing="hops") == dataclasses.replace(
            other.spec, path=tuple(other.path), routing="hops"
        )
        # (Its routing then reads "explicit"; the path, and so the run, is the same.)
        resolved = [dataclasses.replace(r, spec=None, routing=None) for r in (request, other)]
        if not as_given or resolved[0] != resolved[1]:
            raise ValueError(f"to_toml: request {request.index} ({request.label}) would not be rebuilt exactly")


def write_toml(
    network: Any,
    path: str | os.PathLike[str] | None = None,
    *,
    until_s: float | None = None,
    seed: int | None = None,
    name: str = "",
    description: str = "",
) -> str:
    """The scenario file of ``network`` (see :func:`scenario_data`), checked by reading it back.

    Args:
        network: A :class:`qnsim.Network`.
        path: Also write the text to this file (UTF-8), whole or not at all (a temporary file
            renamed into place: a full disk leaves the file as it was).
        until_s: ``run.until_s`` in s (default: the network's current time).
        seed: ``run.seed`` (default: the network's).
        name: Scenario name.
        description: Scenario description.

    Returns:
        The TOML text.

    Raises:
        ValueError: What a scenario file cannot hold, named (see the module docstring).

    Example:
        >>> import qnsim
        >>> net = qnsim.Network(seed=3); _ = net.add_node("a"); _ = net.add_node("b")
        >>> _ = net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=100.0)
        >>> text = write_toml(net, until_s=0.5)
        >>> print(text[text.index("[run]"):])
        [run]
        until_s = 0.5
        seed = 3
        formalism = "density_matrix"
        <BLANKLINE>
        [[nodes]]
        name = "a"
        <BLANKLINE>
        [[nodes]]
        name = "b"
        <BLANKLINE>
        [[links]]
        a = "a"
        b = "b"
        length_km = 1.0
        fidelity = 0.9
        rate_hz = 100.0
        <BLANKLINE>
    """
    path = None if path is None else file_path("path", path)
    from qnsim import __version__
    from qnsim.scenario import scenario_from_dict

    if path is not None and not os.fspath(path):  # Path("") is ".": "Is a directory" after all the work
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), "")
    data = scenario_data(network, until_s=until_s, seed=seed, name=name, description=description)
    text = dumps_toml(data)
    header = (
        f"# Written by qnsim {__version__} (Network.to_toml): `qnsim run` on this file reproduces the run.\n"
        "# Keys left out have their defaults; units are in the key names (SI otherwise).\n\n"
    )
    text = header + text
    copy, _ = scenario_from_dict(_reread(text), source="to_toml")
    _check_same(network, copy)
    if path is not None:
        from qnsim.trace import write_whole

        # Whole or not at all: a write cut short (a full disk, a file size limit, a kill) left the file's
        # first lines, which read as a smaller scenario (links or requests missing, `length_km = 1` of
        # `1.5`) and ran without a word; the error named no file.
        with naming_file(path):
            write_whole(path, [text])
    return text


def _reread(text: str) -> dict[str, Any]:
    from qnsim.config import tomllib

    return tomllib.loads(text)


# --- a small TOML writer -------------------------------------------------------------------------
# Scenario files have a fixed shape (top-level strings, [run], arrays of tables whose values are
# scalars, arrays and small tables), so a few lines give readable files: [[nodes]] blocks, small
# tables inline (preset = { name = ..., improvement = 1000.0 }), large ones as sub-tables.

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_INLINE_WIDTH = 100


def _string(text: str) -> str:
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _key(key: str) -> str:
    if not isinstance(key, str):
        # A key that is no text reached the regular expression: "expected string or bytes-like object, got 'int'".
        raise TypeError(f"cannot write the key {written(key)} ({type(key).__name__}) to TOML: its keys are strings")
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)  # the shortest text that reads back as the same double
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} {written(value)} to TOML")


def _body(prefix: str, table: dict[str, Any], lines: list[str]) -> None:
    later = []
    for key, value in table.items():
        text = _value(value)
        if isinstance(value, dict) and len(key) + 3 + len(text) > _INLINE_WIDTH:
            later.append((key, value))
        else:
            lines.append(f"{_key(key)} = {text}")
    for key, value in later:
        name = f"{prefix}.{_key(key)}"
        lines += ["", f"[{name}]"]
        _body(name, value, lines)


def dumps_toml(data: dict[str, Any]) -> str:
    """Scenario data as TOML text: top-level values, then tables, then arrays of tables.

    Floats are written with ``repr`` (``inf`` and ``nan`` as TOML spells them), so they read
    back as the same doubles; tables wider than a line become sub-tables.

    Example:
        >>> print(dumps_toml({"name": "x", "run": {"until_s": 1.0},
        ...                   "nodes": [{"name": "a", "t1_s": float("inf"), "preset": {"name": "p", "k": 2}}]}))
        name = "x"
        <BLANKLINE>
        [run]
        until_s = 1.0
        <BLANKLINE>
        [[nodes]]
        name = "a"
        t1_s = inf
        preset = { name = "p", k = 2 }
        <BLANKLINE>
    """
    instance("data", data, dict, "a dict (the scenario's tables)")
    lines: list[str] = []
    for key, value in data.items():
        tables = isinstance(value, dict) or (isinstance(value, list) and all(isinstance(v, dict) for v in value))
        if not tables or value == []:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in data.items():
        if isinstance(value, dict):
            lines += ["", f"[{_key(key)}]"]
            _body(_key(key), value, lines)
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for entry in value:
                lines += ["", f"[[{_key(key)}]]"]
                _body(_key(key), entry, lines)
    while lines and lines[0] == "":
        lines.pop(0)
    return "\n".join(lines) + "\n"
