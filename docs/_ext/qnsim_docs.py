"""Sphinx extension of the qnsim docs: the references generated from the package itself.

* ``builder-inited`` writes ``reference/api/*.rst``: one page per public module, each public name
  documented once, where the shallowest public module exports it (``qnsim.Network``, not
  ``qnsim.network.Network``), the native module ``qnsim._core`` included.
* ``.. qnsim-argparse:: module:function`` prints what ``--help`` prints for a parser and each of
  its subcommands.
* ``.. qnsim-keys:: qnsim.specs.NodeSpec`` tables a spec's scenario keys (type, default, unit,
  range, meaning) from :func:`qnsim.specs.spec_fields`.
* ``.. qnsim-file-keys:: link`` tables one table of ``qnsim estimate``'s links file from
  ``qnsim.estimate_cli.LINKS_FILE_KEYS``.
* ``.. qnsim-text:: module:function_or_constant`` inserts a text constant (or a function's
  returned text) as a literal block.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import math
import os
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util import logging as sphinx_logging
from sphinx.util.docutils import SphinxDirective

import qnsim_api

logger = sphinx_logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------
# API pages


def _has_attribute_doc(module_name: str, name: str) -> bool:
    from sphinx.pycode import ModuleAnalyzer, PycodeError

    try:
        return ("", name) in ModuleAnalyzer.for_module(module_name).find_attr_docs()
    except PycodeError:
        return False


def api_plan() -> dict[str, list[tuple[str, Any]]]:
    """module -> [(name, object)] documented on its page (:func:`qnsim_api.api_plan`), an exported datum
    without a doc comment a warning (an error under ``-W``)."""
    return qnsim_api.api_plan(_has_attribute_doc, logger.warning)


def _directive(module_name: str, name: str, obj: Any) -> list[str]:
    target = f"{module_name}.{name}"
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        return [f".. autoexception:: {target}", "   :members:", ""]
    if inspect.isclass(obj):
        lines = [f".. autoclass:: {target}", "   :members:"]
        if not dataclasses.is_dataclass(obj):
            lines.append("   :special-members: __init__")
        lines.append("   :exclude-members: __new__")
        return [*lines, ""]
    if callable(obj):
        return [f".. autofunction:: {target}", ""]
    return [f".. autodata:: {target}", "   :no-value:" if not isinstance(obj, (int, float, str)) else "", ""]


def write_api_pages(app) -> None:
    """Writes reference/api/<module>.rst and reference/api/index.rst (only files that changed)."""
    out = Path(app.srcdir) / "reference" / "api"
    out.mkdir(parents=True, exist_ok=True)
    plan = api_plan()
    pages = {}
    for module_name, entries in plan.items():
        title = f"``{module_name}``"
        lines = [title, "=" * len(title), "", f".. automodule:: {module_name}", "   :no-members:", ""]
        if module_name == "qnsim._core":
            lines += [
                "The compiled module. Its type stub ``qnsim/_core.pyi`` (shipped with the package) holds the",
                "same signatures and docstrings; the friendly API in :mod:`qnsim` wraps most of it.",
                "",
            ]
        for name, obj in entries:
            lines += _directive(module_name, name, obj)
        if not entries:
            lines += ["Everything this module exports is documented where :mod:`qnsim` exports it.", ""]
        pages[f"{module_name}.rst"] = "\n".join(lines)
    index = [
        "API reference",
        "=============",
        "",
        "Generated from the docstrings of the installed package. Each name is documented once, in the",
        "shallowest module that exports it: ``qnsim.Network`` rather than ``qnsim.network.Network``.",
        "Times are in seconds, lengths in km, rates in Hz unless a name says otherwise.",
        "",
        ".. toctree::",
        "   :maxdepth: 1",
        "",
    ]
    index += [f"   {m}" for m in plan]
    pages["index.rst"] = "\n".join(index) + "\n"
    for filename, text in pages.items():
        path = out / filename
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    for stale in out.glob("*.rst"):
        if stale.name not in pages:
            stale.unlink()


# ---------------------------------------------------------------------------------------------
# Helpers


def resolve(dotted: str) -> Any:
    """``pkg.mod:attr`` or ``pkg.mod.attr`` -> the object."""
    if ":" in dotted:
        module_name, attr = dotted.split(":", 1)
    else:
        module_name, attr = dotted.rsplit(".", 1)
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def literal(text: str, language: str = "text") -> nodes.literal_block:
    block = nodes.literal_block(text, text)
    block["language"] = language
    return block


def list_table(directive: SphinxDirective, header: list[str], rows: list[list[str]], widths: str) -> list[nodes.Node]:
    lines = [".. list-table::", "   :header-rows: 1", f"   :widths: {widths}", ""]
    for row in [header, *rows]:
        for i, cell in enumerate(row):
            cell_lines = (cell or " ").splitlines() or [" "]
            lines.append(("   * - " if i == 0 else "     - ") + cell_lines[0])
            lines += ["       " + extra for extra in cell_lines[1:]]
    container = nodes.container()
    directive.state.nested_parse(StringList(lines, source="qnsim_docs"), directive.content_offset, container)
    return container.children


def toml_value(value: Any) -> str:
    """A default as it would be written in TOML (``inf``, ``true``, ``"asap"``)."""
    if value is dataclasses.MISSING:
        return "**required**"
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"``{str(value).lower()}``"
    if isinstance(value, float) and math.isinf(value):
        return "``inf``"
    if isinstance(value, str):
        return f'``"{value}"``'
    return f"``{value!r}``"


def plain(text: str) -> str:
    """Plain docstring text as reST: bars (kets) and stars escaped outside literals."""
    parts = _LITERAL.split(text)
    return "".join(p if j % 2 else p.replace("|", "\\|").replace("*", "\\*") for j, p in enumerate(parts))


def toml_type(hint: Any) -> str:
    """A field's type as a file gives it: ``None`` is the key left out, so it is not named."""
    import typing

    from qnsim.specs import _type_name

    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if type(None) in typing.get_args(hint) and args:
        hint = args[0] if len(args) == 1 else typing.Union[tuple(args)]
    return _type_name(hint)


def range_text(text: str) -> str:
    return f"``{text}``" if text else ""


# ---------------------------------------------------------------------------------------------
# Directives


class ArgparseDirective(SphinxDirective):
    """What ``--help`` prints, for a parser and every subcommand below it."""

    required_arguments = 1
    option_spec = {"skip": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        parser = resolve(self.arguments[0])()
        skip = {s.strip() for s in self.options.get("skip", "").split(",") if s.strip()}
        out: list[nodes.Node] = []
        old = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "100"
        try:
            self._add(parser, out, skip, top=True)
        finally:
            if old is None:
                del os.environ["COLUMNS"]
            else:
                os.environ["COLUMNS"] = old
        return out

    def _add(self, parser: argparse.ArgumentParser, out: list[nodes.Node], skip: set[str], top: bool) -> None:
        if not top:
            out.append(nodes.rubric(text=parser.prog))
        out.append(literal(parser.format_help().rstrip()))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    if name not in skip:
                        self._add(sub, out, skip, top=False)


class KeysDirective(SphinxDirective):
    """The scenario keys of a spec class, one row per key."""

    required_arguments = 1
    option_spec = {"exclude": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        from qnsim.specs import spec_fields

        cls = resolve(self.arguments[0])
        exclude = {s.strip() for s in self.options.get("exclude", "").split(",") if s.strip()}
        rows = []
        for f in spec_fields(cls):
            if not f.toml or f.name in exclude:
                continue
            rows.append(
                [f"``{f.name}``", toml_type(f.type), f.unit, toml_value(f.default), range_text(f.range), plain(f.doc)]
            )
        return list_table(self, ["Key", "Type", "Unit", "Default", "Range", "Meaning"], rows, "14 14 6 10 14 42")


class FileKeysDirective(SphinxDirective):
    """One table of the links/network file of ``qnsim estimate``."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        from qnsim.estimate_cli import LINKS_FILE_KEYS, _type_text

        rows = [
            [f"``{k.name}``", _type_text(k.hint), k.unit, plain(k.default), range_text(k.range), plain(k.doc)]
            for k in LINKS_FILE_KEYS
            if k.table == self.arguments[0]
        ]
        if not rows:
            raise self.error(f"no keys of table {self.arguments[0]!r}")
        return list_table(self, ["Key", "Type", "Unit", "Default", "Range", "Meaning"], rows, "14 12 5 15 12 42")


def docstring_args(obj: Any) -> dict[str, str]:
    """The ``Args:`` (or ``Attributes:``) entries of a Google-style docstring, joined to one line each."""
    doc = inspect.getdoc(obj) or ""
    out: dict[str, str] = {}
    current = None
    in_section = False
    for line in doc.splitlines():
        if line.strip() in ("Args:", "Attributes:"):
            in_section = True
            continue
        if in_section:
            if line and not line.startswith(" "):
                in_section = False
                continue
            match = re.match(r"^    (\w+): (.*)$", line)
            if match:
                current = match.group(1)
                out[current] = match.group(2).strip()
            elif current and line.startswith("        "):
                out[current] += " " + line.strip()
    return out


class DataclassKeysDirective(SphinxDirective):
    """The fields of a hardware dataclass as TOML keys: name, default, meaning (from its docstring)."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        cls = resolve(self.arguments[0])
        docs = docstring_args(cls)
        rows = []
        for f in dataclasses.fields(cls):
            if not f.init:
                continue
            default = f.default if f.default is not dataclasses.MISSING else dataclasses.MISSING
            if f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
                default = f.default_factory()  # type: ignore[misc]
            rows.append([f"``{f.name}``", toml_value(default), plain(docs.get(f.name, ""))])
        return list_table(self, ["Key", "Default", "Meaning (units and range)"], rows, "18 12 70")


class PresetsDirective(SphinxDirective):
    """The hardware preset names a scenario may give, with their options and first doc line."""

    def run(self) -> list[nodes.Node]:
        from qnsim.presets import PRESETS

        rows = []
        for name, function in PRESETS.items():
            options = [
                f"``{p.name}`` (default ``{p.default!r}``)"
                for p in inspect.signature(function).parameters.values()
            ]
            summary = (inspect.getdoc(function) or "").split("\n\n")[0].replace("\n", " ")
            rows.append([f"``{name}``", ", ".join(options) or "none", f":func:`qnsim.{name}`: {plain(summary)}"])
        return list_table(self, ["Name", "Options", "What it is"], rows, "22 22 56")


class PresetsCitedDirective(SphinxDirective):
    """Each hardware preset with the publication it cites and its 10 km link, computed now."""

    def run(self) -> list[nodes.Node]:
        from qnsim.presets import PRESETS

        rows = []
        for name, function in PRESETS.items():
            variants = [({}, name)]
            if "improvement" in inspect.signature(function).parameters:
                variants.append(({"improvement": 1000}, f"{name}(improvement=1000)"))
            for kwargs, label in variants:
                preset = function(**kwargs)
                link = preset.link(10.0)
                rows.append([
                    f":func:`{label} <qnsim.{name}>`",
                    plain(preset.reference),
                    link.scheme.replace("_", " "),
                    f"{link.fidelity:.3f}",
                    f"{link.rate_hz:.3g}",
                ])
        return list_table(
            self, ["Preset", "Figures from", "Scheme", "Link F at 10 km", "Pairs/s at 10 km"], rows, "28 34 12 12 14"
        )


class ShapesDirective(SphinxDirective):
    """The topology builders and their shape keys."""

    def run(self) -> list[nodes.Node]:
        from qnsim.topology import SHAPES

        rows = [
            [f"``{name}``", ", ".join(f"``{k}``" for k in keys), f":func:`qnsim.{name}`"]
            for name, keys in SHAPES.items()
        ]
        return list_table(self, ["builder", "Shape keys", "Builder function (node names)"], rows, "15 35 50")


class TextDirective(SphinxDirective):
    """A text constant, or the text a function returns, as a literal block."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        obj = resolve(self.arguments[0])
        text = obj() if callable(obj) else obj
        return [literal(str(text).rstrip())]


_LITERAL = re.compile(r"(``.+?``|:[a-z:]+:`[^`]+`|`[^`]+`_?)")


def escape_bars(app, what, name, obj, options, lines: list[str]) -> None:
    """Docstrings write kets as plain text (``|Phi+>``, ``<psi|rho|psi>``); reST would read a
    bar as a substitution. Escapes bars outside literals, doctest blocks and literal blocks."""
    in_block = False  # a doctest block or an indented literal block
    block_indent = 0
    literal_next = False
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if in_block:
            if not stripped:
                if not literal_next:
                    in_block = False
                continue
            if literal_next and indent > block_indent:
                continue
            if not literal_next:
                continue
            in_block = literal_next = False
        if stripped.startswith(">>>"):
            in_block, literal_next = True, False
            continue
        if stripped.endswith("::") and not stripped.startswith(".. "):
            in_block, literal_next, block_indent = True, True, indent
        if "|" in line or "(*" in line:
            parts = _LITERAL.split(line)
            lines[i] = "".join(
                p if j % 2 else p.replace("|", "\\|").replace("(*", "(\\*") for j, p in enumerate(parts)
            )


def setup(app) -> dict[str, Any]:
    app.connect("builder-inited", write_api_pages)
    app.connect("autodoc-process-docstring", escape_bars)
    app.add_directive("qnsim-argparse", ArgparseDirective)
    app.add_directive("qnsim-keys", KeysDirective)
    app.add_directive("qnsim-file-keys", FileKeysDirective)
    app.add_directive("qnsim-text", TextDirective)
    app.add_directive("qnsim-dataclass-keys", DataclassKeysDirective)
    app.add_directive("qnsim-presets", PresetsDirective)
    app.add_directive("qnsim-shapes", ShapesDirective)
    app.add_directive("qnsim-presets-cited", PresetsCitedDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
