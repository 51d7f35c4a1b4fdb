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
        from qnsim_api import api_plan  # the docs extension's plan, without Sphinx (a test install has none)
    except ImportError:
        pytest.skip("docs/_ext is not next to the tests (installed-package run)", allow_module_level=True)
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    found = []
    # Data are not callables: whether their doc comments exist does not change which callables are planned.
    for module_name, objects in api_plan(has_attribute_doc=lambda module, name: False, warn=lambda text: None).items():
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
    # Not a power's base: "default 2^64 - 1" read as "default 2".
    re.compile(r"\bdefaults? (?:to |is |: ?)?(-?[0-9][0-9.e+-]*|True|False|None|inf)\b(?![./^])"),
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


def _documented_callables():
    """(dotted name, signature, docstring with a class's ``__init__`` docstring appended) of every public callable
    whose signature can be read."""
    for dotted, obj in _public_callables():
        try:
            signature = inspect.signature(obj)
        except (TypeError, ValueError):
            continue
        doc = inspect.getdoc(obj) or ""
        if inspect.isclass(obj):
            doc += "\n" + (inspect.getdoc(obj.__init__) or "")
        yield dotted, signature, doc


def _stated_defaults():
    cases = []
    for dotted, signature, doc in _documented_callables():
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
    assert (
        stated == actual
        and type(stated) is type(actual)
        or (isinstance(stated, (int, float)) and isinstance(actual, (int, float)) and stated == actual)
    ), f"{where}: the docstring says the default is {stated!r}, the signature has {actual!r}: {text}"


def _documented_parameters():
    cases = []
    for dotted, signature, doc in _documented_callables():
        variadic = any(p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) for p in signature.parameters.values())
        if not variadic:
            cases.extend((dotted, name, tuple(signature.parameters)) for name in _args_section(doc))
    return cases


def test_every_parameter_a_docstring_documents_exists():
    """A parameter renamed or removed leaves its ``Args:`` entry behind: every documented name is in the
    signature (functions taking ``**kwargs`` aside)."""
    cases = _documented_parameters()
    assert len(cases) > 300  # the scan reads the docstrings' Args sections at all
    stale = [f"{dotted}({name}): signature {params}" for dotted, name, params in cases if name not in params]
    assert not stale, stale


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
    assert literal == action.default, (
        f"{option}: the help says the default is {value!r}, the parser's is {action.default!r}"
    )


# ---------------------------------------------------------------------------------------------------------------
# Coming from NetSquid


def _one_link(formalism: str, node_kwargs: dict, link_kwargs: dict, seed: int = 1):
    net = qnsim.Network(formalism, seed=seed)
    for name in "ab":
        net.add_node(name, num_memories=1, **node_kwargs)
    net.add_link("a", "b", length_km=0.0, fidelity=1.0, **link_kwargs)
    net.request("a", "b")
    return net


@pytest.mark.parametrize("formalism", ["density_matrix", "bell_diagonal"])
def test_netsquid_page_failed_attempts_cost_time_not_fidelity(formalism):
    """coming-from-netsquid.md said a link's qubit "decays for the failed attempts' time". The core decays the
    qubits of the successful attempt from its emission: with p = 0.05 per 1 ms attempt (20 attempts on average,
    spread widely) every pair is stored one attempt period before delivery and has the same fidelity,
    (1 + exp(-2 t / T2)) / 2 for t = 1 ms, T2 = 10 ms (both ends dephase)."""
    net = _one_link(formalism, {"t2_s": 0.01}, {"success_probability": 0.05, "attempt_period_s": 1e-3})
    r = net.run(until_s=2.0).requests[0]
    gaps = np.diff(np.concatenate([[0.0], r.times_s]))
    assert r.num_pairs > 50 and gaps.max() > 10e-3  # many pairs after many failed attempts each
    expected = (1 + math.exp(-2 * 1e-3 / 0.01)) / 2
    np.testing.assert_allclose(r.fidelities, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.ages_s, 1e-3, rtol=0, atol=1e-15)
    text = _page("coming-from-netsquid.md")
    assert "decays for the failed attempts' time" not in text
    assert "the failed attempts cost time, not fidelity" in text


def test_netsquid_page_depolarizing_rate_is_one_over_depolarizing_time():
    """coming-from-netsquid.md: a memory replaced by the maximally mixed state with probability 1 - exp(-r t)
    after t seconds has depolarizing_time_s = 1/r. A |Phi+> pair whose two ends wait t each then has fidelity
    1/4 + 3/4 exp(-2 r t)."""
    r_hz, period = 200.0, 1e-3
    net = _one_link("density_matrix", {"depolarizing_time_s": 1 / r_hz}, {"rate_hz": 1 / period})
    result = net.run(until_s=0.01).requests[0]
    assert result.num_pairs > 0
    np.testing.assert_allclose(result.fidelities, 0.25 + 0.75 * math.exp(-2 * r_hz * period), rtol=0, atol=1e-12)
    assert "has `depolarizing_time_s = 1/r`" in _page("coming-from-netsquid.md")


def test_netsquid_page_a_swap_takes_a_two_qubit_gate_a_single_qubit_gate_and_a_measurement():
    """coming-from-netsquid.md: "A swap costs a two-qubit gate, a single-qubit gate and a measurement": on links
    of zero length the end-to-end pair is delivered that long after the link pairs (the core's own timing, not
    only :meth:`qnsim.Network.swap_duration_s`)."""
    net = qnsim.Network("bell_diagonal", seed=1, trace=True)
    for name in "amb":
        net.add_node(name, gate1_duration_s=1e-6, gate2_duration_s=20e-6, measure_duration_s=300e-6)
    net.add_link("a", "m", length_km=0.0, fidelity=0.99, rate_hz=1e3)
    net.add_link("m", "b", length_km=0.0, fidelity=0.99, rate_hz=1e3)
    net.request("a", "b", num_pairs=1, memories_per_link=1)
    net.run(until_s=0.01)
    times = {record["event"]: record["time_s"] for record in net.trace()}
    assert times["delivery"] - times["link_pair"] == pytest.approx(321e-6, abs=1e-12)
    assert net.swap_duration_s("m") == pytest.approx(321e-6, abs=1e-15)
    assert "A swap costs a two-qubit gate, a single-qubit gate and a measurement" in _page("coming-from-netsquid.md")


# ---------------------------------------------------------------------------------------------------------------
# The estimator's links file: every default the reference (and --help) states


def _links_file_default_cases():
    from qnsim.estimate_cli import LINKS_FILE_KEYS

    cases = []
    for key in LINKS_FILE_KEYS:
        stated = re.sub(r" \(or [^)]*\)$", "", key.default.strip())  # "5e-08 (or the preset's)"
        stated = {"true": "True", "false": "False", "none": "None"}.get(stated, stated)
        value = _literal(stated)
        # preset and scenario name inputs, not fields ("none": not given); request only matters with a scenario
        if value is not _NOT_LITERAL and key.name not in ("preset", "scenario", "request"):
            cases.append((f"{key.table}.{key.name}", value))
    return cases


LINKS_FILE_DEFAULTS = _links_file_default_cases()


def test_links_file_defaults_the_scan_finds():
    assert len(LINKS_FILE_DEFAULTS) >= 20, LINKS_FILE_DEFAULTS


@pytest.mark.parametrize("key, stated", LINKS_FILE_DEFAULTS, ids=[c[0] for c in LINKS_FILE_DEFAULTS])
def test_every_links_file_default_is_what_a_file_without_the_key_gets(key, stated):
    """docs/reference/estimate-files.rst (and ``qnsim estimate --help``) state each key's default: a file that
    leaves the key out gets it (the QPU, surface code or link the reader builds; the estimate option the reader
    leaves to :func:`qnsim.estimate.estimate`'s signature)."""
    from qnsim.estimate import estimate
    from qnsim.estimate.links import DEFAULT_BUFFER_PAIRS
    from qnsim.estimate_cli import load_network

    table, name = key.rsplit(".", 1)
    qpus, links, opts = load_network(
        {"qpu": [{"count": 2, "surface_code": True}], "link": [{"qpus": [0, 1], "rate_hz": 1e3, "fidelity": 0.99}]},
        source="f.toml",
    )
    if table == "qpu":
        if name == "count":
            actual = len(load_network({"qpu": [{}]}, source="f.toml")[0])
        elif name == "surface_code":
            actual = load_network({"qpu": [{}]}, source="f.toml")[0][0].surface_code is not None
        else:
            actual = getattr(qpus[0], name)
    elif table == "qpu.surface_code":
        actual = getattr(qpus[0].surface_code, name)
    elif table == "link":
        actual = getattr(links[0], name)
        if name == "buffer_pairs" and actual is None:
            actual = DEFAULT_BUFFER_PAIRS
    elif table == "estimate.error_budget":  # a split budget's parts: the keywords of ErrorBudget
        from qnsim.estimate import ErrorBudget

        actual = inspect.signature(ErrorBudget).parameters[name].default
    else:
        assert table == "estimate" and name not in opts
        actual = inspect.signature(estimate).parameters[name].default
    assert actual == stated and (stated is not True or actual is True), (
        f"{key}: the reference says the default is {stated!r}, a file without it gets {actual!r}"
    )


def _qec_circuit(argv: list[str]) -> str:
    import contextlib
    import io

    from qnsim.qec_cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["circuit", *argv]) == 0
    return out.getvalue()


def test_qec_circuit_options_whose_parser_default_is_none_apply_the_default_their_help_states():
    """``qnsim qec circuit --help``: ``--p-int`` "(default 0.01)" and ``--rounds`` "default: the distance"
    (their parser defaults are None, so the test above cannot compare them)."""
    pytest.importorskip("stim")
    assert _qec_circuit(["--distance", "3"]) == _qec_circuit(["--distance", "3", "--p-int", "0.01", "--rounds", "3"])
    assert _qec_circuit(["--distance", "3"]) != _qec_circuit(["--distance", "3", "--p-int", "0.02"])
    assert _qec_circuit(["--distance", "3"]) != _qec_circuit(["--distance", "3", "--rounds", "2"])


# ---------------------------------------------------------------------------------------------------------------
# Concepts: the stated conventions, against numpy oracles built from the page's own definitions

_S = 2**-0.5
_BELL = {  # concepts.md: |Phi+> = (|00> + |11>)/sqrt2, |Psi+> = (|01> + |10>)/sqrt2, ..., qubit 0 on the left
    "phi+": np.array([_S, 0, 0, _S]),
    "psi+": np.array([0, _S, _S, 0]),
    "psi-": np.array([0, _S, -_S, 0]),
    "phi-": np.array([_S, 0, 0, -_S]),
}
_ORDER = ("phi+", "psi+", "psi-", "phi-")


def _weights(rho) -> np.ndarray:
    return np.array([np.real(_BELL[name] @ rho @ _BELL[name]) for name in _ORDER])


def test_concepts_bell_states_and_the_coefficient_order():
    """concepts.md: the Bell states as written, Bell-diagonal coefficients in the order (Phi+, Psi+, Psi-, Phi-),
    fidelity <Phi+|rho|Phi+>: the core's pair made from coefficients, qnsim.bell_diagonal and qnsim.fidelity
    against projections onto the page's states."""
    for name, ket in _BELL.items():
        np.testing.assert_allclose(qnsim.bell_state(name, ket=True), ket, atol=1e-15)
    coefficients = [0.1, 0.2, 0.3, 0.4]
    reg = qnsim.QubitRegistry("density_matrix", seed=1)
    a, b = reg.bell_diagonal_pair(coefficients)
    rho = reg.state([a, b])
    np.testing.assert_allclose(_weights(rho), coefficients, atol=1e-12)
    np.testing.assert_allclose(qnsim.bell_diagonal(rho), coefficients, atol=1e-12)
    assert qnsim.fidelity(rho) == pytest.approx(0.1, abs=1e-12)


@pytest.mark.parametrize("formalism", ["density_matrix", "bell_diagonal", "stabilizer"])
def test_concepts_a_links_bell_diagonal_is_delivered_and_reported_in_the_stated_order(formalism):
    """scenario.rst: a link's ``bell_diagonal`` is "delivered Bell coefficients (Phi+, Psi+, Psi-, Phi-)";
    concepts.md: a result's ``mean_bell_diagonal`` is in that order and its fidelity is the Phi+ weight."""
    net = qnsim.Network(formalism, seed=2)
    for name in "ab":
        net.add_node(name, num_memories=1)
    net.add_link("a", "b", length_km=0.0, bell_diagonal=(0.1, 0.2, 0.3, 0.4), rate_hz=1e4)
    net.request("a", "b")
    r = net.run(until_s=0.5).requests[0]
    tolerance = 1e-12 if formalism != "stabilizer" else 4 * 0.5 / np.sqrt(r.num_pairs)  # binomial, 4 sigma
    np.testing.assert_allclose(r.mean_bell_diagonal, [0.1, 0.2, 0.3, 0.4], atol=tolerance)
    assert r.mean_fidelity == pytest.approx(r.mean_bell_diagonal[0], abs=1e-12)


def test_scenario_reference_fiber_defaults_are_what_a_hardware_link_without_them_gets():
    """scenario.rst's link keys: ``attenuation_db_per_km`` "(default 0.2 or the preset's)" and
    ``refractive_index`` "(default 1.44 or the preset's)": a hardware link without them is the link with them."""
    from qnsim.specs import LinkSpec, spec_fields

    docs = {f.name: f.doc for f in spec_fields(LinkSpec)}
    assert "default 0.2" in docs["attenuation_db_per_km"] and "default 1.44" in docs["refractive_index"]

    def link(**fiber):
        net = qnsim.Network()
        net.add_node("a")
        net.add_node("b")
        hardware = dict(
            source=qnsim.Source(attempt_rate_hz=1e6, emission_efficiency=0.5),
            detector=qnsim.Detector(efficiency=0.9),
            scheme="double_click",
        )
        return net.add_link("a", "b", length_km=10.0, **hardware, **fiber)

    assert link() == link(attenuation_db_per_km=0.2, refractive_index=1.44)
    assert link() != link(attenuation_db_per_km=0.3) and link() != link(refractive_index=1.5)


def test_scenario_reference_memories_per_link_default_is_the_narrowest_links_channels():
    """scenario.rst's request keys: ``memories_per_link`` "(default: the path's narrowest link's channels)"."""
    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "amb":
        net.add_node(name, num_memories=5)
    net.add_link("a", "m", length_km=1.0, fidelity=0.9, rate_hz=1e3, channels=3)
    net.add_link("m", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3, channels=2)
    assert net.request("a", "b").memories_per_link == 2


def test_scenario_reference_deadline_is_absolute():
    """scenario.rst's request keys: ``deadline_s`` is an "absolute time", not one counted from ``start_s``: a
    request from 0.5 s with a deadline of 0.6 s runs for 0.1 s (two channels at 1 kHz: 200 pairs at most)."""
    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "ab":
        net.add_node(name, num_memories=2)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3, channels=2)
    net.request("a", "b", start_s=0.5, deadline_s=0.6, num_pairs=10**6)
    r = net.run(until_s=1.0).requests[0]
    assert r.status == "dropped" and 190 <= r.num_pairs <= 200
    assert r.times_s.min() >= 0.5 and r.times_s.max() <= 0.6


# ---------------------------------------------------------------------------------------------------------------
# Coming from SeQUeNCe / NetSquid: light and messages


def test_sequence_page_refractive_index_gives_sequences_light_delay():
    """coming-from-sequence.md: SeQUeNCe's light travels at 2e8 m/s (5 us/km), qnsim's at c / refractive_index
    (default 1.44, concepts.md: about 4.8 us per km); ``refractive_index = 1.49896229`` gives SeQUeNCe's delays."""
    net = qnsim.Network()
    for name in "abc":
        net.add_node(name)
    net.add_link("a", "b", length_km=10.0, fidelity=0.9, rate_hz=1e3, refractive_index=1.49896229)
    net.add_link("b", "c", length_km=10.0, fidelity=0.9, rate_hz=1e3)
    assert net.classical_latency_s("a", "b") == pytest.approx(10.0 * 5e-6, abs=1e-12)
    assert net.classical_latency_s("b", "c") / 10.0 == pytest.approx(4.8e-6, rel=0.01)
    text = _page("coming-from-sequence.md")
    assert "`refractive_index = 1.49896229` gives SeQUeNCe's delays" in text and "2e8 m/s (5 us/km)" in text


def test_protocol_send_returns_the_arrival_in_seconds_after_the_paths_latency():
    """:meth:`qnsim.Protocol.send`: "returns the arrival time in s"; the message leaves after ``after_s`` and
    travels for the classical latency along the link path (coming-from-netsquid.md: "classical messages ...
    travel with the latency of the path"); :meth:`~qnsim.Protocol.set_timer` fires after ``delay_s`` seconds."""

    class Probe(qnsim.Protocol):
        def __init__(self):
            super().__init__()
            self.log = {}

        def on_pair_ready(self, node, slot, partner_slot):
            if not self.log:
                self.log["sent"] = self.now_s
                self.log["arrival"] = self.send("a", "c", "hello", after_s=1e-5)
                self.set_timer(2e-3, "a")

        def on_message(self, node, message):
            self.log["received"] = (node, self.now_s)

        def on_timer(self, node, payload):
            self.log["timer"] = self.now_s

    net = qnsim.Network(seed=1)
    for name in "abc":
        net.add_node(name, num_memories=2)
    net.add_link("a", "b", length_km=10.0, fidelity=0.9, rate_hz=1e3)
    net.add_link("b", "c", length_km=20.0, fidelity=0.9, rate_hz=1e3)
    probe = Probe()
    net.request("a", "b", protocol=probe)
    net.run(until_s=0.01)
    log = probe.log
    expected = log["sent"] + 1e-5 + net.classical_latency_s("a", "c")
    assert log["arrival"] == pytest.approx(expected, abs=1e-12)
    assert log["received"] == ("c", pytest.approx(expected, abs=1e-12))
    assert log["timer"] == pytest.approx(log["sent"] + 2e-3, abs=1e-12)
    assert net.classical_latency_s("a", "c") == pytest.approx(30 * 4.8e-6, rel=0.01)


# ---------------------------------------------------------------------------------------------------------------
# API docstrings


def test_network_docstring_says_when_bell_diagonal_equals_density_matrix_pair_by_pair():
    """qnsim.Network's ``formalism`` said bell_diagonal "agrees with density_matrix to rounding on every pair when
    memories have no T1" (round 1 corrected README and concepts.md, not this docstring). Without T1 it does not
    with a non-Bell-diagonal link state (single-click NV links: each density-matrix pair's fidelity depends on its
    swap's outcomes, 0.6802 against 0.6816 for the first pair; the means agree) nor with purification (the runs part
    after the first round: different delivery times)."""
    import qnsim.network

    doc = " ".join(qnsim.network.Network.__doc__.split())
    assert "to rounding on every pair when memories have no T1" not in doc
    assert "link states are Bell-diagonal and no purification round runs" in doc

    def runs(hardware: bool, **request):
        out = {}
        for formalism in ("density_matrix", "bell_diagonal"):
            net = qnsim.Network(formalism, seed=2)
            for name in "amb":
                if hardware:
                    net.add_node(name, hardware="nv_near_term", num_memories=2, t1_s=math.inf)
                else:
                    net.add_node(name, num_memories=4, t2_s=0.02, gate2_error=5e-3, measure_error=0.02)
            for a, b in (("a", "m"), ("m", "b")):
                if hardware:
                    net.add_link(a, b, length_km=2.0)
                else:
                    net.add_link(a, b, length_km=5.0, fidelity=0.93, rate_hz=2e3, channels=2)
            net.request("a", "b", **request)
            out[formalism] = net.run(until_s=0.5 if hardware else 0.2).requests[0]
        return out["density_matrix"], out["bell_diagonal"]

    dm, bd = runs(hardware=False)
    assert dm.num_pairs > 10 and list(dm.times_s) == list(bd.times_s)
    np.testing.assert_allclose(dm.fidelities, bd.fidelities, rtol=0, atol=1e-12)
    dm, bd = runs(hardware=False, purification="dejmps", purification_rounds=1)
    assert list(dm.times_s) != list(bd.times_s)
    dm, bd = runs(hardware=True)
    assert dm.num_pairs > 10 and list(dm.times_s) == list(bd.times_s)
    assert np.abs(dm.fidelities - bd.fidelities).max() > 1e-3
    assert dm.mean_fidelity == pytest.approx(bd.mean_fidelity, abs=3 * dm.fidelity_std / math.sqrt(dm.num_pairs))


def _hardware_link(scheme="single_click", alpha=0.1, rate_hz=1e6, transducer=None):
    net = qnsim.Network()
    net.add_node("a")
    net.add_node("b")
    source = qnsim.Source(attempt_rate_hz=rate_hz, emission_efficiency=0.5, bright_state_alpha=alpha)
    extra = {"transducer": transducer} if transducer is not None else {}
    return net.add_link(
        "a", "b", length_km=1.0, source=source, detector=qnsim.Detector(efficiency=0.9), scheme=scheme, **extra
    )


def test_hardware_docstrings_bright_state_and_transducer_rate_limits():
    """:class:`qnsim.Source`: ``bright_state_alpha`` is used by the single-click scheme and "ignored by the
    double-click scheme"; :class:`qnsim.Transducer`: the link "never attempts faster than" ``bandwidth_hz``, and
    ``repetition_rate_hz`` is the "highest rate of conversion attempts" (a 1 MHz source behind a 1 kHz transducer
    attempts every 1 ms, as a 1 kHz source does)."""
    assert _hardware_link("double_click", alpha=0.1) == _hardware_link("double_click", alpha=0.3)
    assert _hardware_link("single_click", alpha=0.1) != _hardware_link("single_click", alpha=0.3)
    slow_source = _hardware_link(rate_hz=1e3).attempt_period_s
    for limit in ({"bandwidth_hz": 1e3}, {"repetition_rate_hz": 1e3}):
        transducer = qnsim.Transducer(efficiency=0.5, added_noise_photons=0.0, **limit)
        assert _hardware_link(transducer=transducer).attempt_period_s == pytest.approx(slow_source, rel=1e-9)
    assert _hardware_link().attempt_period_s < slow_source / 100


def test_estimators_stored_pair_is_the_networks_bell_diagonal_memory_model():
    """estimate-files.rst and :func:`qnsim.estimate.stored_pair`: every wait the estimator prices decays the pair
    "by the network's ``bell_diagonal`` memory model" (<XX>, <YY> by exp(-t/T2) and <ZZ> by exp(-t/T1) per
    qubit): a network pair stored one period with T1 = 5 ms, T2 = 3 ms is stored_pair of the link's pair."""
    from qnsim.estimate import stored_pair

    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "ab":
        net.add_node(name, num_memories=1, t1_s=5e-3, t2_s=3e-3)
    net.add_link("a", "b", length_km=0.0, fidelity=0.95, rate_hz=1e3)
    net.request("a", "b")
    r = net.run(until_s=0.01).requests[0]
    assert r.num_pairs == 10 and np.all(r.ages_s == 1e-3)
    werner = (0.95,) + (0.05 / 3,) * 3
    np.testing.assert_allclose(r.mean_bell_diagonal, stored_pair(werner, 1e-3, 5e-3, 3e-3), rtol=0, atol=1e-14)
    xx_yy, zz = math.exp(-2e-3 / 3e-3), math.exp(-2e-3 / 5e-3)  # both qubits waited 1 ms
    w = (4 * 0.95 - 1) / 3
    assert r.mean_fidelity == pytest.approx((1 + 2 * w * xx_yy + w * zz) / 4, abs=1e-14)


def _scenario_link(tmp_path, extra: str):
    path = tmp_path / "s.toml"
    path.write_text(
        '[run]\nuntil_s = 0.01\n[[nodes]]\nname = "a"\npreset = "nv_near_term"\n[[nodes]]\nname = "b"\n'
        'preset = "nv_near_term"\n[[links]]\na = "a"\nb = "b"\nlength_km = 10.0\n' + extra
    )
    net, _ = qnsim.load_scenario(path)
    return net.link("a", "b")


def test_scenario_reference_a_hardware_piece_given_as_a_table_replaces_the_presets_whole_piece(tmp_path):
    """scenario.rst: "a piece given as a table replaces the preset's whole piece, so give every field that should
    differ from the defaults below": ``detector = { efficiency = 0.5 }`` on an NV link is the Detector's defaults
    with that efficiency (visibility 1, no dark counts), not the preset's detector with another efficiency; and a
    link without hardware keys "takes the preset of an end node"."""
    preset = qnsim.presets.nv_near_term()
    partial = _scenario_link(tmp_path, "detector = { efficiency = 0.5 }")
    defaults = qnsim.Detector(efficiency=0.5)
    full = _scenario_link(
        tmp_path,
        f"detector = {{ efficiency = 0.5, dark_count_rate_hz = {defaults.dark_count_rate_hz}, "
        f"detection_window_s = {defaults.detection_window_s}, visibility = {defaults.visibility} }}",
    )
    assert partial == full
    p = preset.detector
    presets_but_efficiency = _scenario_link(
        tmp_path,
        f"detector = {{ efficiency = 0.5, dark_count_rate_hz = {p.dark_count_rate_hz}, "
        f"detection_window_s = {p.detection_window_s}, visibility = {p.visibility} }}",
    )
    assert partial != presets_but_efficiency
    assert _scenario_link(tmp_path, "") == _scenario_link(tmp_path, 'preset = "nv_near_term"')


def test_heralded_link_docstring_timing_and_multiplexing():
    """:func:`qnsim.heralded_link`: a round takes max(emission delays) + 2 max(fiber delays), single click one round
    per attempt and double click two; min(num_modes) modes per attempt and (:class:`qnsim.LinkModel`) success
    probability 1 - (1 - p_mode)^modes; ``"second_on_herald"``: period T, mean time per success T (1 + q1) / p."""
    from qnsim.hardware import Detector, Fiber, Source

    slow = Source(attempt_rate_hz=1e6, emission_efficiency=0.3, emission_delay_s=2e-6)
    four = Source(attempt_rate_hz=1e6, emission_efficiency=0.3, num_modes=4, emission_delay_s=1e-6)
    detector = Detector(0.8)
    round_s = 2e-6 + 2 * Fiber(5.0).delay_s
    for scheme, rounds in (("single_click", 1), ("double_click", 2)):
        link = qnsim.heralded_link(scheme, slow, four, Fiber(3.0), Fiber(5.0), detector)
        assert link.attempt_period_s == pytest.approx(rounds * round_s, rel=1e-12)
        assert link.success_probability == pytest.approx(link.mode_success_probability, rel=1e-12)  # min(1, 4)
        both = qnsim.heralded_link(scheme, four, four, Fiber(3.0), Fiber(5.0), detector)
        assert both.success_probability == pytest.approx(1 - (1 - both.mode_success_probability) ** 4, rel=1e-12)
    lazy = qnsim.heralded_link(
        "double_click", slow, slow, Fiber(3.0), Fiber(5.0), detector, double_click_timing="second_on_herald"
    )
    q1 = lazy.first_round_probability
    assert 0 < q1 < 1 and lazy.attempt_period_s == pytest.approx(round_s, rel=1e-12)
    assert 1 / lazy.rate_hz == pytest.approx(round_s * (1 + q1) / lazy.success_probability, rel=1e-12)


def test_sequence_page_swap_handshake_is_a_round_trip_to_both_partners():
    """coming-from-sequence.md and scenario.rst: ``swap_handshake = true`` makes a node confirm "with both partners
    (a round trip) before swapping": the swap waits the round trip to the farther partner (20 km: 2 x 96 us)."""

    def swap_time(handshake):
        net = qnsim.Network("bell_diagonal", seed=1, trace=True)
        for name in "amb":
            net.add_node(name)
        net.add_link("a", "m", length_km=10.0, fidelity=0.99, rate_hz=1e3)
        net.add_link("m", "b", length_km=20.0, fidelity=0.99, rate_hz=1e3)
        net.request("a", "b", num_pairs=1, memories_per_link=1, swap_handshake=handshake)
        net.run(until_s=0.01)
        times = {record["event"]: record["time_s"] for record in net.trace()}
        return times["swap"] - times["link_pair"], net.classical_latency_s("m", "b")

    (plain, _), (confirmed, far) = swap_time(False), swap_time(True)
    assert plain == 0 and confirmed == pytest.approx(2 * far, abs=1e-12)


# ---------------------------------------------------------------------------------------------------------------
# install.md's extras table against pyproject.toml


def _extras() -> dict[str, set[str]]:
    path = ROOT / "pyproject.toml"
    if not path.exists():
        pytest.skip("pyproject.toml is not next to the tests (installed-package run)")
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    extras = tomllib.loads(path.read_text())["project"]["optional-dependencies"]
    return {
        name: {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower() for r in requirements}
        for name, requirements in extras.items()
    }


_ALIASES = {"dask.distributed": "dask", "sphinx": "sphinx"}


def test_install_page_extras_table_lists_what_each_extra_installs():
    """install.md's table of extras: each row's "Adds" column names exactly the packages of that extra. It said
    ``test`` adds "pytest, hypothesis and the above" and ``docs`` "Sphinx, furo, myst-nb and the above": ``test``
    has neither qsharp (``qre``) nor pymetis (``metis``), and ``docs`` has no pytest, pyarrow, pymetis or qsharp."""
    extras = _extras()
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \|", (DOCS / "install.md").read_text(), re.M)
    assert {name for name, _ in rows} >= {"pandas", "plot", "dask", "parquet", "qec", "metis", "qre", "test", "docs"}
    listed = {}
    for name, adds in rows:
        names = set()
        for word in re.findall(r"[A-Za-z][A-Za-z0-9_.-]*", adds):
            word = _ALIASES.get(word.lower(), word.lower())
            if word in set().union(*extras.values()):
                names.add(word)
        listed[name] = names
        if name == "test":
            names |= set().union(*(listed[e] for e in listed if e not in ("metis", "qre", "test", "docs")))
        assert names == extras[name], f"extra {name}: the table names {sorted(names)}, pyproject {sorted(extras[name])}"


def test_sequence_page_of_several_stored_pairs_the_oldest_is_swapped():
    """coming-from-sequence.md: "Of several stored pairs qnsim swaps the oldest" (SeQUeNCe takes the first in
    memory-index order): at every swap of a run where the repeater holds two a-m pairs, the a-m pair swapped is
    the older one, also when it sits in the higher-numbered memory (the second swap here)."""
    net = qnsim.Network("bell_diagonal", seed=3, trace=True)
    for name in "amb":
        net.add_node(name, num_memories=4)
    net.add_link("a", "m", length_km=0.0, fidelity=0.99, rate_hz=1e4, channels=2)
    net.add_link("m", "b", length_km=0.0, fidelity=0.99, success_probability=0.01, attempt_period_s=1e-4, channels=2)
    net.request("a", "b", memories_per_link=2)
    net.run(until_s=0.1)
    held: dict[int, float] = {}  # a-m pairs at m: slot -> herald time
    choices = []
    for record in net.trace():
        if record["event"] == "link_pair" and record["nodes"] == ["a", "m"]:
            held[record["slots"][1]] = record["time_s"]
        elif record["event"] == "swap":
            (slot,) = [s for s in record["slots"] if s in held]
            choices.append((held[slot] == min(held.values()), len(held), slot == max(held)))
            del held[slot]
    contested = [c for c in choices if c[1] == 2]
    assert len(contested) >= 5 and all(oldest for oldest, _, _ in contested)
    assert any(higher for _, _, higher in contested)  # index order would have taken the other one
    assert "Of several stored pairs qnsim swaps the oldest" in _page("coming-from-sequence.md")


def test_sweep_seeds_option_counts_from_zero_and_defaults_to_one_seed(tmp_path, capsys):
    """``qnsim sweep --help``: ``--seeds`` is a "seed count N (seeds 0..N-1), list 3,7,11, or one seed 7, (trailing
    comma); default: the scenario file's run.seed, else seed 0" (this file sets none)."""
    import csv

    from qnsim.sweep_cli import main

    scenario = tmp_path / "s.toml"
    scenario.write_text(
        '[run]\nuntil_s = 0.002\n[[nodes]]\nname = "a"\n[[nodes]]\nname = "b"\n[[links]]\na = "a"\nb = "b"\n'
        'length_km = 1.0\nfidelity = 0.9\nrate_hz = 1e4\n[[requests]]\nsrc = "a"\ndst = "b"\n'
    )

    def seeds(*argv):
        out = tmp_path / f"rows{len(list(tmp_path.iterdir()))}.csv"
        assert (
            main(
                [
                    str(scenario),
                    "--param",
                    "links.0.length_km=1",
                    "--out",
                    str(out),
                    "--no-progress",
                    "--workers",
                    "1",
                    *argv,
                ]
            )
            == 0
        )
        with open(out, newline="") as f:
            return sorted(int(row["seed"]) for row in csv.DictReader(f))

    assert seeds() == [0]
    assert seeds("--seeds", "3") == [0, 1, 2]
    assert seeds("--seeds", "3,7,11") == [3, 7, 11]
    assert seeds("--seeds", "7,") == [7]


@pytest.mark.parametrize("t1_a, t1_b", [(5e-3, 5e-3), (2e-3, 8e-3)])
def test_concepts_t1_twirl_underestimates_by_gamma_a_gamma_b_over_4(t1_a, t1_b):
    """concepts.md: applied as its Pauli twirl (stabilizer; bell_diagonal's T1 "enters as its twirl"), T1
    underestimates a stored pair's fidelity by gamma_a gamma_b / 4 when the pair has no local polarization
    (Werner pairs): bell_diagonal against density_matrix, pair by pair, each end stored one 1 ms period."""
    fidelities = {}
    for formalism in ("density_matrix", "bell_diagonal"):
        net = qnsim.Network(formalism, seed=1)
        net.add_node("a", num_memories=1, t1_s=t1_a, t2_s=1.5e-3)
        net.add_node("b", num_memories=1, t1_s=t1_b, t2_s=1.5e-3)
        net.add_link("a", "b", length_km=0.0, fidelity=0.95, rate_hz=1e3)
        net.request("a", "b")
        r = net.run(until_s=0.005).requests[0]
        assert np.all(r.ages_s == 1e-3)
        fidelities[formalism] = r.fidelities
    gamma_a, gamma_b = 1 - math.exp(-1e-3 / t1_a), 1 - math.exp(-1e-3 / t1_b)
    np.testing.assert_allclose(
        fidelities["density_matrix"] - fidelities["bell_diagonal"], gamma_a * gamma_b / 4, rtol=0, atol=1e-13
    )


def test_max_records_refusal_says_what_none_means(tmp_path):
    """The refusal of a bad ``max_records`` said "(None: the maximum)", i.e. 10^8 records, while None keeps 10^6
    (the Network docstring and the scenario reference say so, and a network without it holds 10^6): a user
    reading it for a larger cap would leave the key out and get 100 times fewer records."""
    assert qnsim.Network().native.max_records == 10**6
    with pytest.raises(qnsim.ParameterError, match=r"\(None: 10\^6, the default\), got -1$"):
        qnsim.Network(max_records=-1)
    with pytest.raises(ValueError, match=r"\(None: 10\^6, the default\), got -1$"):
        qnsim.Network().native.max_records = -1
    path = tmp_path / "s.toml"
    path.write_text("[run]\nuntil_s = 0.01\nmax_records = 100000001\n")
    with pytest.raises(ValueError, match=r"\(None: 10\^6, the default\), got 100000001"):
        qnsim.load_scenario(path)
    assert "None: 10^6" in next(
        f.doc for f in qnsim.specs.spec_fields(qnsim.scenario.RunSettings) if f.name == "max_records"
    )


def test_estimate_files_six_line_workload_counts_as_stated():
    """estimate-files.rst: "a 10^12-gate workload in six lines": the block parses and counts 10^12 CX gates."""
    from qnsim.estimate import Workload

    text = (DOCS / "reference" / "estimate-files.rst").read_text() if DOCS.exists() else pytest.skip("no docs")
    block = text.split("a 10^12-gate workload in six lines")[1].split(".. code-block:: text")[1]
    lines = []
    for line in block.splitlines()[1:]:
        if line.strip() and not line.startswith("   "):
            break
        if line.strip():
            lines.append(line.strip())
    assert len(lines) == 6
    counts = Workload("\n".join(lines)).counts
    assert counts.two_qubit == 10**12


def test_netsquid_page_maps_netsquids_bell_kets_to_qnsims_names():
    """coming-from-netsquid.md paired ``ks.b00, b01, b10, b11`` with "phi+", "psi+", "psi-", "phi-". NetSquid's
    kets follow |b_xy> = (|0 y> + (-1)^x |1 (1-y)>)/sqrt2, so b10 is |Phi-> and b11 |Psi->: the row now lists
    "phi+", "psi+", "phi-", "psi-", and says qnsim's coefficient order is b00, b01, b11, b10."""
    row = next(
        line for line in (DOCS / "coming-from-netsquid.md").read_text().splitlines() if line.startswith("| `ks.b00")
    )
    names = re.findall(r'"(\w+[+-])"', row.split("|")[2])
    assert len(names) == 4
    for (x, y), name in zip([(0, 0), (0, 1), (1, 0), (1, 1)], names):
        ket = np.zeros(4)
        ket[y] = _S  # |0 y>
        ket[2 + (1 - y)] = (-1) ** x * _S  # (-1)^x |1 (1-y)>
        np.testing.assert_allclose(qnsim.bell_state(name, ket=True), ket, atol=1e-15, err_msg=f"b{x}{y} vs {name}")
    order = [f"b{x}{y}" for x, y in [(0, 0), (0, 1), (1, 0), (1, 1)]]
    by_name = dict(zip(names, order))
    assert ", ".join(by_name[n] for n in _ORDER) in " ".join(row.split())


# ---------------------------------------------------------------------------------------------------------------
# Hardware dataclasses: the ranges their docstrings state are the ones they check

_REQUIRED = {
    qnsim.Source: {"attempt_rate_hz": 1e6, "emission_efficiency": 0.5},
    qnsim.Detector: {"efficiency": 0.9},
    qnsim.Transducer: {"efficiency": 0.5, "added_noise_photons": 0.1},
    qnsim.Fiber: {"length_km": 1.0},
}
try:
    from qnsim.estimate import Link as _EstimateLink

    _REQUIRED[_EstimateLink] = {"qpus": (0, 1), "rate_hz": 1e3, "fidelity": 0.9}
except ImportError:  # pragma: no cover - the estimator ships with qnsim
    pass
_RANGE = re.compile(r"in ([\[(])\s*([^,\]]+),\s*([^\])]+)([\])])|(>=|>)\s*([0-9.e^-]*[0-9])")


def _bound(text: str) -> float:
    text = text.strip()
    return float(eval(text.replace("^", "**"))) if "^" in text else float(text)


def _hardware_ranges():
    cases = []
    for cls in _REQUIRED:
        for name, text in _args_section(inspect.getdoc(cls)).items():
            match = _RANGE.search(text)
            if match is None:
                continue
            if match.group(1):
                low, high = _bound(match.group(2)), _bound(match.group(3))
                cases.append(
                    (f"{cls.__name__}.{name}", cls, name, low, match.group(1) == "[", high, match.group(4) == "]")
                )
            else:
                cases.append(
                    (
                        f"{cls.__name__}.{name}",
                        cls,
                        name,
                        _bound(match.group(6)),
                        match.group(5) == ">=",
                        math.inf,
                        False,
                    )
                )
    return cases


HARDWARE_RANGES = _hardware_ranges()


@pytest.mark.parametrize(
    "where, cls, name, low, low_closed, high, high_closed", HARDWARE_RANGES, ids=[c[0] for c in HARDWARE_RANGES]
)
def test_hardware_docstring_ranges_are_the_checked_ones(where, cls, name, low, low_closed, high, high_closed):
    """Each :class:`qnsim.Source` / ``Detector`` / ``Transducer`` / ``Fiber`` (and the estimator's ``Link``)
    argument's stated range ("in [0, 1]",
    "in (0, 1)", ">= 0", "> 0", "in [1, 2^24]"): a closed bound is accepted and a value just beyond it refused, an
    open bound refused and a value just inside it accepted."""
    assert len(HARDWARE_RANGES) >= 18
    annotation = str(inspect.signature(cls).parameters[name].annotation)
    integer = "int" in annotation and "float" not in annotation

    def accepts(value) -> bool:
        value = int(value) if integer else value
        try:
            cls(**{**_REQUIRED[cls], name: value})
        except ValueError:
            return False
        return True

    step = 1 if integer else None
    for bound, closed, direction in ((low, low_closed, -1), (high, high_closed, +1)):
        if math.isinf(bound):
            continue
        # 1e-8 past a bound: a fidelity's bound is read within PROBABILITY_TOLERANCE (1e-9, clipped), round 18.
        beyond = bound + direction * (step or max(abs(bound) * 1e-8, 1e-12))
        inside = bound - direction * (step or max(abs(bound) * 1e-8, 1e-12))
        if closed:
            assert accepts(bound) and not accepts(beyond), f"{where}: {bound} accepted, {beyond} refused"
        else:
            assert not accepts(bound) and accepts(inside), f"{where}: {bound} refused, {inside} accepted"


def test_cutoff_counts_a_qubits_age_from_its_emission():
    """scenario.rst's ``cutoff_s`` discards "a stored qubit (and its partner) older than this", and the SeQUeNCe
    page says qnsim's cutoff and decay both "count from emission": a 1 ms attempt's pair heralded at 1 ms, 3.5 ms,
    ... is cut off 2.5 ms after its emission (1.5 ms after its herald)."""
    net = qnsim.Network("bell_diagonal", seed=1, trace=True)
    for name in "amb":
        net.add_node(name)
    net.add_link("a", "m", length_km=0.0, fidelity=0.99, rate_hz=1e3)
    net.add_link("m", "b", length_km=0.0, fidelity=0.99, success_probability=1e-3, attempt_period_s=1e-3)
    net.request("a", "b", memories_per_link=1, cutoff_s=2.5e-3)
    net.run(until_s=0.02)
    records = [(r["event"], r["time_s"]) for r in net.trace() if r["nodes"] == ["a", "m"]]
    pairs = [(records[i][1], records[i + 1]) for i in range(0, len(records) - 1, 2)]
    assert len(pairs) >= 5
    for herald, (event, time) in pairs:
        assert event == "cutoff" and time == pytest.approx(herald - 1e-3 + 2.5e-3, abs=1e-12)
    assert "both count from emission" in _page("coming-from-sequence.md")


def test_estimate_files_default_buffer_is_simulate_executions_too():
    """estimate-files.rst: a link's buffer is "64 when the link sets none, the default of
    :func:`qnsim.estimate.simulate_execution` too"."""
    from qnsim.estimate import Link, simulate_execution
    from qnsim.estimate.links import DEFAULT_BUFFER_PAIRS

    assert DEFAULT_BUFFER_PAIRS == 64 and Link((0, 1), rate_hz=1e3, fidelity=0.9).buffer_pairs is None
    assert inspect.signature(simulate_execution).parameters["buffer_pairs"].default == DEFAULT_BUFFER_PAIRS
    assert "pairs (64 when the link sets none, the default of :func:`qnsim.estimate.simulate_execution` too)" in (
        " ".join((DOCS / "reference" / "estimate-files.rst").read_text().split())
    )
