"""What a new user reads off the README's journeys, fifth round: a network architect trying presets and
scenario files, a protocol researcher writing a policy, a systems planner sizing links."""

from __future__ import annotations

import re

import pytest
from script_modules import import_script

import qnsim
from qnsim.presets import resolve_preset

# ---- network architect: presets in a scenario file or a node ------------------------------------------------


def test_a_node_field_written_inside_the_preset_table_is_named_as_such():
    """``preset = { name = "nv_10x_improved", t2_s = 5e-3 }`` (a shorter memory on a preset, written where it
    reads naturally). Old behaviour: "does not accept options ['t2_s']: nv_10x_improved() got an unexpected
    keyword argument 't2_s'", a Python signature error that did not say where t2_s belongs."""
    with pytest.raises(
        ValueError,
        match=r"'nv_10x_improved' takes no options; unknown option\(s\): 't2_s' \(a node field: give it "
        r"beside the preset",
    ):
        resolve_preset({"name": "nv_10x_improved", "t2_s": 5e-3})


def test_a_misspelled_preset_option_gets_a_suggestion():
    """``improvment = 1000``. Old behaviour: "got an unexpected keyword argument 'improvment'", no suggestion."""
    with pytest.raises(
        ValueError, match=r"takes 'improvement'; unknown option\(s\): 'improvment'; did you mean 'improvement'\?"
    ):
        resolve_preset({"name": "superconducting_transducer_link", "improvment": 1000})


def test_a_bad_preset_option_value_is_not_called_an_unknown_option():
    """``improvement = "1000"`` (a string). Old behaviour: "'superconducting_transducer_link' does not accept
    options ['improvement']: ... must be a real number, got '1000'", which says the option does not exist."""
    with pytest.raises(ValueError, match=r"superconducting_transducer_link improvement must be a real number") as info:
        resolve_preset({"name": "superconducting_transducer_link", "improvement": "1000"})
    assert "does not accept" not in str(info.value) and "unknown option" not in str(info.value)


def test_a_shortened_preset_name_gets_a_suggestion(tmp_path):
    """``preset = "nv_10x"``: too short for difflib's ratio against 'nv_10x_improved'. Old behaviour: "'nv_10x' is
    unknown (known: ...)" without the did-you-mean that 'nv_near_trm' gets."""
    with pytest.raises(ValueError, match=r"preset 'nv_10x' is unknown; did you mean 'nv_10x_improved'\?"):
        qnsim.grid(2, 2, length_km=1.0, preset="nv_10x")
    # A prefix of two options suggests neither.
    with pytest.raises(ValueError, match=r"preset 'nv_' is unknown \(known"):
        resolve_preset("nv_")


# ---- protocol researcher -----------------------------------------------------------------------------------


def test_a_protocol_class_given_for_an_instance_says_to_make_one():
    """``net.request("a", "b", protocol=FreshSwap)`` (the class, as one passes a callback). Old behaviour:
    "protocol must be a Protocol, got <class '...FreshSwap'>", which reads as if FreshSwap were no Protocol."""

    class FreshSwap(qnsim.Protocol):
        pass

    net = qnsim.Network(seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    with pytest.raises(
        ValueError, match=r"protocol must be a Protocol instance, got the class FreshSwap itself; make one: FreshSwap"
    ):
        net.request("a", "b", protocol=FreshSwap)
    net.request("a", "b", protocol=FreshSwap())  # an instance is taken


# ---- network architect: qnsim plot -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("length_km", "links.*.length_km"),
        ("lenght", "links.*.length_km"),
        ("rate", "rate_hz"),
        ("fidelity", "mean_fidelity"),
    ],
)
def test_a_plot_column_named_as_one_would_say_it_gets_a_suggestion(given, meant):
    """``qnsim plot rows.csv --x length_km`` after sweeping ``links.*.length_km`` (or ``--y rate``). Old behaviour:
    "columns ['length_km'] are not in the results; they have [...]", a list of 25 columns to search by eye."""
    pytest.importorskip("pandas")
    from qnsim.plot import summarize

    rows = [
        {"links.*.length_km": 5.0, "seed": s, "rate_hz": 10.0 + s, "mean_fidelity": 0.9, "a->b.rate_hz": 1.0}
        for s in range(2)
    ]
    x, y = (given, ["rate_hz"]) if "length" in given or "lenght" in given else ("links.*.length_km", [given])
    with pytest.raises(ValueError, match=rf"not in the results \('{given}'; did you mean '{re.escape(meant)}'\?\)"):
        summarize(rows, x, y)


# ---- systems planner: the estimator's QPU presets ----------------------------------------------------------


def test_a_misspelled_qpu_preset_gets_a_suggestion_and_a_tie_gets_none():
    """``preset = "qubit_gate_ns_4"`` in a links file. Old behaviour: "unknown QPU preset 'qubit_gate_ns_4'; use one
    of [...]" with no suggestion, unlike the network's presets; and ``did_you_mean`` named one of two equally close
    options ('qubit_gate_ns' suggested 'qubit_gate_ns_e4' over 'qubit_gate_ns_e3' by list order)."""
    from qnsim.estimate import QPU
    from qnsim.specs import did_you_mean

    with pytest.raises(ValueError, match=r"unknown QPU preset 'qubit_gate_ns_4'; did you mean 'qubit_gate_ns_e4'\?"):
        QPU.preset("qubit_gate_ns_4")
    with pytest.raises(ValueError, match=r"unknown QPU preset 'qubit_gate_ns'; use one of"):
        QPU.preset("qubit_gate_ns")
    assert did_you_mean("qubit_gate_ns", ["qubit_gate_ns_e4", "qubit_gate_ns_e3"]) == ""


def _half_lines(axes):
    return [line for line in axes.get_lines() if list(line.get_ydata()) == [0.5, 0.5]]


def test_a_fidelity_panel_falling_to_one_half_draws_where_entanglement_ends():
    """The README's sweep of the transducer scenario: from 20 km the transmon pairs have F = 0.448 and the rows'
    notes say NOT ENTANGLED. Old behaviour: ``qnsim plot`` drew that point like any other on an axis from 0.45 to
    0.75, nothing telling that the curve had fallen through the line below which the pairs are of no use."""
    pytest.importorskip("matplotlib")
    rows = [
        {"links.*.length_km": L, "seed": s, "rate_hz": 1e4 / L, "mean_fidelity": F + 0.001 * s}
        for L, F in ((5.0, 0.745), (10.0, 0.591), (20.0, 0.448))
        for s in range(2)
    ]
    fig = qnsim.plot_sweep(rows, x="links.*.length_km")
    rate_axes, fidelity_axes = fig.axes
    assert len(_half_lines(fidelity_axes)) == 1 and not _half_lines(rate_axes)
    label = fidelity_axes.get_legend().get_texts()[0].get_text()
    assert "at or below, separable unless near another Bell state" in label
    # Pairs well above 1/2 keep their axis: no line pulls it down to 0.5.
    above = [dict(r, mean_fidelity=r["mean_fidelity"] + 0.3) for r in rows]
    assert not _half_lines(qnsim.plot_sweep(above, x="links.*.length_km").axes[1])


# ---- protocol researcher: a sweep over a policy of one's own -----------------------------------------------

_BASE = """
import qnsim


class Base(qnsim.Protocol):
    LIMIT = {limit}

    def on_pair_ready(self, node, slot, partner_slot):
        return None
"""

_SCRIPT = """
from policy_base_{tag} import Base


class Mine(Base):
    pass


def point(params, seed):
    return {{"limit": Mine.LIMIT}}


class Point:
    def __call__(self, params, seed):
        return {{"limit": Mine.LIMIT}}


class PointOnBase(Base):
    def __call__(self, params, seed):
        return {{"limit": self.LIMIT}}
"""


def _sweep_ids(tmp_path, monkeypatch, tag, limit):
    import importlib
    import sys

    from qnsim.sweeps import scenario_id

    folder = tmp_path / f"v{limit}"
    folder.mkdir()
    (folder / f"policy_base_{tag}.py").write_text(_BASE.format(limit=limit))
    (folder / f"script_{tag}.py").write_text(_SCRIPT.format(tag=tag))
    monkeypatch.syspath_prepend(str(folder))
    for name in (f"policy_base_{tag}", f"script_{tag}"):
        sys.modules.pop(name, None)
    importlib.invalidate_caches()
    script = importlib.import_module(f"script_{tag}")
    ids = [scenario_id(script.point), scenario_id(script.Point())]
    point_on_base = script.PointOnBase.__new__(script.PointOnBase)  # a callable object whose class has a user base
    ids.append(scenario_id(point_on_base))
    for name in (f"policy_base_{tag}", f"script_{tag}"):
        sys.modules.pop(name, None)
    return ids


def test_editing_the_base_class_of_a_policy_changes_the_sweeps_id(tmp_path, monkeypatch):
    """A researcher's point function uses ``class Mine(Base)``, with ``Base`` (the policy) in a module of their own.
    Old behaviour: the sweep's ``scenario_id`` read Mine's source but not Base's, so after editing the policy a
    resumed sweep took the old policy's rows as finished ("an edit that changes what a point computes is refused",
    said the docs); now every user-code base class is part of the id, for point functions and callable objects."""
    before = _sweep_ids(tmp_path, monkeypatch, "a", 1)
    after = _sweep_ids(tmp_path, monkeypatch, "a", 2)
    assert all(b != a for b, a in zip(before, after)), (before, after)
    (tmp_path / "again").mkdir()
    assert _sweep_ids(tmp_path / "again", monkeypatch, "a", 1) == before  # the same code, the same id


# ---- systems planner: the links file from Python -----------------------------------------------------------


def test_a_links_file_loaded_in_python_takes_its_scenario_relative_to_itself(tmp_path, monkeypatch):
    """The estimator tutorial's Python path, ``load_network(TomlTable.load("examples/estimate/links.toml"))``, run
    from anywhere but the links file's folder. Old behaviour: FileNotFoundError "'../two_qpus_transducers.toml'"
    (resolved against the working directory, where ``qnsim estimate`` and the docs take it relative to the links
    file; only ``base_dir=`` fixed it); now the file's own directory, and a missing scenario names key and path."""
    from qnsim.config import ConfigError, TomlTable
    from qnsim.estimate_cli import load_network

    scenario = tmp_path / "scenarios" / "pair.toml"
    scenario.parent.mkdir()
    scenario.write_text(
        '[run]\nuntil_s = 0.01\nseed = 1\n[[nodes]]\nname = "a"\n[[nodes]]\nname = "b"\n'
        '[[links]]\na = "a"\nb = "b"\nlength_km = 1.0\nfidelity = 0.95\nrate_hz = 1e4\n'
        '[[requests]]\nsrc = "a"\ndst = "b"\n'
    )
    links = tmp_path / "plans" / "links.toml"
    links.parent.mkdir()
    links.write_text(
        '[[qpu]]\nnum_qubits = 100\ncount = 2\n[[link]]\nqpus = [0, 1]\nscenario = "../scenarios/pair.toml"\n'
    )
    monkeypatch.chdir(tmp_path)  # not the links file's folder
    qpus, calibrated, _ = load_network(TomlTable.load(links))
    assert len(qpus) == 2 and calibrated[0].rate_hz > 0
    links.write_text(links.read_text().replace("pair.toml", "pairs.toml"))
    with pytest.raises(
        ConfigError,
        match=r"links.toml: link\[0\].scenario = '../scenarios/pairs.toml': no scenario "
        r"file at '.*scenarios/pairs.toml' \(scenario paths are taken relative to '.*plans'",
    ):
        load_network(TomlTable.load(links))


# ---- protocol researcher: a policy on a long chain ---------------------------------------------------------


def _chain_example():
    import os

    return import_script(os.path.join(os.path.dirname(__file__), os.pardir, "examples", "chain_policy.py"))


@pytest.mark.parametrize(
    ("nodes", "formalism", "generation"), [(100, "bell_diagonal", "on_demand"), (12, "density_matrix", "continuous")]
)
def test_the_chain_policy_example_reproduces_native_swap_asap(nodes, formalism, generation):
    """The docs' only Python policy (examples/custom_policy.py) decides at one middle node: on a chain of more
    nodes it swaps slots of two nodes together, and a researcher asked to run a policy on 1,000 nodes had no
    pattern for what an end must wait for. Old behaviour: no such example; examples/chain_policy.py's policy must
    give the native run bit for bit (delivery times, fidelities, counters)."""
    example = _chain_example()
    runs = []
    for protocol in (None, example.ChainSwapASAP()):
        net = qnsim.chain(nodes, length_km=2.0, preset="nv_10x_improved", formalism=formalism, seed=5)
        net.request("n0", f"n{nodes - 1}", num_pairs=3, protocol=protocol, generation=generation)
        runs.append(net.run(20.0, progress=False))
    native, python = runs
    a, b = native.requests[0], python.requests[0]
    assert a.num_pairs == b.num_pairs == 3
    assert list(a.times_ps) == list(b.times_ps) and a.fidelity_sum == b.fidelity_sum
    assert native.counters == python.counters and native.counters["swaps"] >= 3 * (nodes - 2)


def test_a_circuit_file_name_given_as_the_workload_says_to_read_the_file(tmp_path):
    """``estimate("workload.stim", qpus, links)`` (the CLI takes the file's name, so Python should too?). Old
    behaviour: the name was parsed as circuit text, "expected a gate name, got '.../workload.stim' on line 1",
    which says nothing of files; a ``pathlib.Path`` got "must be a str or a stim.Circuit, got PosixPath"."""
    from qnsim.estimate import QPU, Link, Workload, estimate

    path = tmp_path / "workload.stim"
    path.write_text("H 0\nCX 0 1\n")
    qpus = [QPU(num_qubits=10)] * 2
    links = [Link(qpus=(0, 1), rate_hz=1e4, fidelity=0.99)]
    with pytest.raises(ValueError, match=r"is a file, given where circuit text is expected; read it with "
                       r"Workload.from_file\(path\)"):  # fmt: skip
        estimate(str(path), qpus, links)
    with pytest.raises(TypeError, match=r"got the path '.*workload.stim'; read a file with Workload.from_file"):
        Workload(path)
    assert Workload.from_file(path).counts.total_gates == 2
    with pytest.raises(ValueError, match=r"on line 1") as info:
        Workload("no_such_file.stim")  # not a file: the parser's own message
    assert "is a file" not in str(info.value)


def test_surface_code_true_in_python_names_the_default_code():
    """``QPU.preset("qubit_gate_ns_e4", surface_code=True)``, as the links file writes ``surface_code = true``. Old
    behaviour: "surface_code must be a SurfaceCode or None, got True", not saying what to write instead."""
    from qnsim.estimate import QPU

    with pytest.raises(TypeError, match=r"got True; SurfaceCode\(\) is the default code"):
        QPU.preset("qubit_gate_ns_e4", surface_code=True)


def test_a_bad_command_line_override_is_not_blamed_on_the_file(capsys):
    """``qnsim run examples/two_qpus_transducers.toml --until 1e9``. Old behaviour: "two_qpus_transducers.toml:
    run.until_s must be <= 9.22337e+06 s, got 1000000000.0", naming the file's key, which says 1.0; now the message
    names the option the value was given with (and, since bad input round 22, the value as typed)."""
    import os

    from qnsim.cli import main

    example = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "two_qpus_transducers.toml")
    assert main(["run", example, "--until", "1e9"]) == 2
    err = capsys.readouterr().err
    assert "qnsim run: error: --until must be in [0, 9.22337e+06] s, got 1e9" in err and ".toml" not in err
