"""What the reference pages, the coming-from pages and the API docstrings state, checked against the code (round 2
of tests/test_docs_claims.py).

The general checks read every public function's ``Args:`` section and every command-line option's help text, and
compare each literal default they state with the one the code applies. Each docstring says what the text said
before it was corrected, where it was wrong.
"""

import argparse
import ast
import importlib
import inspect
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import qnsim

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _page(name: str) -> str:
    path = DOCS / name
    if not path.exists():
        pytest.skip(f"docs/{name} is not next to the tests (installed-package run)")
    return " ".join(path.read_text().split())


# ---------------------------------------------------------------------------------------------------------------
# Stated defaults against the code


def _public_callables():
    """(dotted name, callable) for every public function, class and method of the API reference's plan."""
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        from qnsim_docs import api_plan
    except ImportError:
        pytest.skip("docs/_ext is not next to the tests (installed-package run)")
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    found = []
    for module_name, objects in api_plan().items():
        for name, obj in objects:
            if inspect.isclass(obj):
                found.append((f"{module_name}.{name}", obj))
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    function = getattr(member, "__func__", member)
                    if inspect.isfunction(function):
                        found.append((f"{module_name}.{name}.{attr}", function))
            elif callable(obj):
                found.append((f"{module_name}.{name}", obj))
    return found


def _args_section(doc: str) -> dict[str, str]:
    """A Google-style docstring's ``Args:`` entries: name -> text (on one line)."""
    match = re.search(r"^Args:\n(.*?)(?=^\S|\Z)", doc, re.S | re.M)
    if not match:
        return {}
    entries: dict[str, str] = {}
    names: list[str] = []
    for line in match.group(1).splitlines():
        head = re.match(r"    ((?:\*{0,2}\w+, )*\*{0,2}\w+)(?: \([^)]*\))?: ?(.*)", line)
        if head:  # "a, b, c: text" documents three parameters at once
            names = [n.strip().lstrip("*") for n in head.group(1).split(",")]
            for name in names:
                entries[name] = head.group(2)
        elif names:
            for name in names:
                entries[name] += " " + line.strip()
    return {k: " ".join(v.split()) for k, v in entries.items()}


# A default stated as a literal: "default 1e-3", "(default: ``"pack"``)", "``inf``, the default",
# "False (the default)", "None (default)".
_STATED = [
    re.compile(r"\bdefaults? (?:to |is |: ?)?``([^`]+)``"),
    re.compile(r"\bdefaults? (?:to |is |: ?)?(-?[0-9][0-9.e+-]*|True|False|None|inf)\b(?![./])"),
    re.compile(r"``([^`]+)``,? \(?the default\b"),
    re.compile(r"\b(True|False|None|inf|-?[0-9][0-9.e+-]*) \((?:the )?default\)"),
]


def _literal(text: str):
    text = text.strip()
    if text in ("inf", "math.inf", "float('inf')"):
        return math.inf
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return _NOT_LITERAL


_NOT_LITERAL = object()


def _stated_defaults():
    cases = []
    for dotted, obj in _public_callables():
        try:
            signature = inspect.signature(obj)
        except (TypeError, ValueError):
            continue
        doc = inspect.getdoc(obj) or ""
        if inspect.isclass(obj):
            doc += "\n" + (inspect.getdoc(obj.__init__) or "")
        for name, text in _args_section(doc).items():
            parameter = signature.parameters.get(name)
            if parameter is None or parameter.default is inspect.Parameter.empty:
                continue
            for pattern in _STATED:
                for match in pattern.finditer(text):
                    value = _literal(match.group(1))
                    if value is not _NOT_LITERAL:
                        cases.append((f"{dotted}({name})", value, parameter.default, text))
    return cases


STATED_DEFAULTS = _stated_defaults()


def test_docstrings_state_defaults_that_the_scan_finds():
    # The scan below would pass vacuously if the docstrings' phrasing drifted away from its patterns.
    assert len(STATED_DEFAULTS) >= 8, STATED_DEFAULTS


@pytest.mark.parametrize("where, stated, actual, text", STATED_DEFAULTS, ids=[c[0] for c in STATED_DEFAULTS])
def test_every_literal_default_a_docstring_states_is_the_signatures(where, stated, actual, text):
    """A parameter's docstring that names its default as a literal ("default 1e-3", "``inf``, the default",
    "False (the default)") names the signature's."""
    assert stated == actual and type(stated) is type(actual) or (
        isinstance(stated, (int, float)) and isinstance(actual, (int, float)) and stated == actual
    ), f"{where}: the docstring says the default is {stated!r}, the signature has {actual!r}: {text}"


def _cli_options():
    cases = []

    def walk(parser, command):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{command} {name}")
            elif action.help and action.help is not argparse.SUPPRESS and action.option_strings:
                cases.append((f"{command} {action.option_strings[-1]}", action))

    for module, command in [
        ("qnsim.cli", "qnsim"),
        ("qnsim.sweep_cli", "qnsim sweep"),
        ("qnsim.plot_cli", "qnsim plot"),
        ("qnsim.estimate_cli", "qnsim estimate"),
        ("qnsim.qec_cli", "qnsim qec"),
    ]:
        walk(importlib.import_module(module)._parser(), command)
    return cases


CLI_OPTIONS = _cli_options()


def _stated_cli_default(action) -> object:
    """The default an option's help names: a choice marked "(default)" ("local process pool (default) or
    Dask", "warning (default: resumes)"), or the text of "(default X)" / "default: X"."""
    text = " ".join(action.help.split())
    if action.choices:
        for part in re.split(r", | or |: ", text):
            if re.search(r"\(default\b", part):
                words = [c for c in map(str, action.choices) if re.search(rf"\b{re.escape(c)}\b", part, re.I)]
                return ("choice", words)
    level = re.search(r"(\w+) \(default: ", text)
    if level and isinstance(action.default, str):  # "warning (default: resumes, ...)": a value, then what it shows
        return ("choice", [level.group(1)])
    match = re.search(r"\(default:? ([^;:)]+)\)|; default: ([^;)]+)|^default: (.+)$", text)
    if match:
        return ("value", next(g for g in match.groups() if g is not None).strip())
    return None


def test_command_line_helps_state_defaults_that_the_scan_finds():
    assert sum(_stated_cli_default(a) is not None for _, a in CLI_OPTIONS) >= 10


@pytest.mark.parametrize("option, action", CLI_OPTIONS, ids=[c[0] for c in CLI_OPTIONS])
def test_every_default_a_command_line_help_states_is_the_parsers(option, action):
    """An option's help that names its default ("(default 0.01)", "local process pool (default)") names the
    value the command applies: the parser's default, or, where the parser's is None (so that the command can tell
    "not given"), the value the help names is checked where the command resolves it (tests below)."""
    stated = _stated_cli_default(action)
    if stated is None or action.default is None:
        return
    kind, value = stated
    if kind == "choice":
        assert [v.lower() for v in value] == [str(action.default).lower()], (
            f"{option}: the help marks {value} as the default, the parser's is {action.default!r}: {action.help}"
        )
        return
    literal = _literal(value.replace("^", "**"))
    if isinstance(action.default, str) or literal is _NOT_LITERAL:
        literal = value
    assert literal == action.default, f"{option}: the help says the default is {value!r}, the parser's is {action.default!r}"
