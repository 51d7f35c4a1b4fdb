"""Fourth bad-input audit: what the third one left.

Native argument errors name the parameter (they said "expected an integer, got '3'" and printed
10**400 in full); the stabilizer engine's annotations refuse what Stim refuses; a links file's
unknown node is named; path arguments and QRE keys are named as the user gave them.
"""

import inspect
import re

import pytest
from native_objects import NATIVE_MAKERS as MAKERS

import qnsim
from qnsim import _core


class Wrong:
    """A value no native parameter takes, with a repr a message can be searched for."""

    def __repr__(self):
        return "<wrong value>"


WRONG = Wrong()



def parameters(function, optional=False):
    """The names of the required (or, with `optional`, the defaulted) parameters in a pybind11
    docstring's signature."""
    match = re.match(r"[\w.]+\((.*)\) ->", (function.__doc__ or "").strip().splitlines()[0])
    if not match:
        return []
    params = [p.strip() for p in re.split(r",(?![^\[]*\])", match.group(1)) if p.strip()]
    params = [p for p in params if not p.startswith(("self", "*"))]
    return [p.split(":")[0] for p in params if ("=" in p) == optional]


def entry_points():
    """(label, callable, required parameter names, position): each parameter of each constructor,
    method and function of the native module; position None for the defaulted parameters, which
    are given by keyword (with the required ones)."""
    found = []
    for name in sorted(vars(_core)):
        value = getattr(_core, name)
        if name.startswith("_") or not inspect.isclass(value) or issubclass(value, BaseException):
            continue
        found.append((f"{name}()", value, parameters(value.__init__)))
        if name in MAKERS:
            for method in sorted(vars(value)):
                if not method.startswith("_") and callable(getattr(value, method)):
                    bound = getattr(MAKERS[name](), method)
                    found.append((f"{name}.{method}", bound, parameters(bound)))
    for name in sorted(vars(_core)):
        value = getattr(_core, name)
        if not name.startswith("_") and callable(value) and not inspect.isclass(value):
            found.append((name, value, parameters(value)))
    table = [(label, call, names, i) for label, call, names in found for i in range(len(names))]
    for label, call, names in found:
        for name in parameters(call.__init__ if inspect.isclass(call) else call, optional=True):
            table.append((label, call, names + [name], None))
    return table


ENTRY_POINTS = entry_points()


def test_the_table_covers_every_public_native_class():
    labels = {label for label, *_ in ENTRY_POINTS}
    public_native = {name for name in qnsim.__all__ if isinstance(getattr(_core, name, None), type)}
    public_native = {name for name in public_native if not issubclass(getattr(_core, name), BaseException)}
    assert public_native == {"StabilizerSimulator", "DensityMatrixSimulator", "QubitRegistry"}
    for name in public_native:
        assert f"{name}()" in labels
        assert sum(label.startswith(name + ".") for label in labels) > 5
    assert len(ENTRY_POINTS) > 80


@pytest.mark.parametrize(
    ("label", "call", "names", "position"),
    ENTRY_POINTS,
    ids=[f"{label}-{names[-1 if i is None else i]}" for label, _, names, i in ENTRY_POINTS],
)
def test_a_wrong_argument_is_named_with_its_value(label, call, names, position):
    """Constructors said "expected an integer, got '3'": neither the function nor the parameter."""
    if position is None:  # a defaulted parameter, by keyword
        args, kwargs, name = [0] * (len(names) - 1), {names[-1]: WRONG}, names[-1]
        if label == "QubitRegistry()":
            args = []  # its parameters all have defaults
    else:
        args, kwargs, name = [0] * len(names), {}, names[position]
        args[position] = WRONG
    with pytest.raises((TypeError, ValueError, IndexError)) as info:
        call(*args, **kwargs)
    text = str(info.value)
    assert "<wrong value>" in text, f"{label}: {text}"
    assert re.search(rf"\b{name}\b", text), f"{label}: {text}"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: qnsim.StabilizerSimulator("3"), r"^StabilizerSimulator\(\): num_qubits must be an integer, got '3'$"),
        (lambda: qnsim.StabilizerSimulator(num_qubits="3"), r"^StabilizerSimulator\(\): num_qubits must be an integer"),
        (lambda: qnsim.DensityMatrixSimulator(2.0), r"^DensityMatrixSimulator\(\): num_qubits must be an integer, got"),
        (lambda: qnsim.StabilizerSimulator(2).copy(copy_rng=1), r"^StabilizerSimulator.copy\(\): copy_rng must be"),
    ],
)
def test_constructor_and_keyword_errors_name_the_parameter(call, message):
    """Each said only "expected an integer, got ..." (or "expected True or False, got 1")."""
    with pytest.raises(TypeError, match=message):
        call()


def test_a_huge_value_is_shortened_and_out_of_range_is_a_value_error():
    """10**400 was printed in full (401 digits) in "integer ... is out of range"."""
    with pytest.raises(ValueError, match=r"^StabilizerSimulator\(\): num_qubits must be in \[0, 2\*\*63 - 1\]") as info:
        qnsim.StabilizerSimulator(10**400)
    assert "(401 characters)" in str(info.value) and len(str(info.value)) < 200
    # A seed is read by the one seed spec, check_seed (its ParameterError, a ValueError; test_determinism_audit3).
    with pytest.raises(ValueError, match=r"^seed must be in \[0, 2\*\*64 - 1\], got -1$"):
        qnsim.QubitRegistry(seed=-1)
    with pytest.raises(IndexError) as info:
        qnsim.StabilizerSimulator(2).h(10**400)
    assert len(str(info.value)) < 200


def test_a_bad_item_of_a_list_is_named_by_its_index():
    """An item of a list parameter that the caster refused was reported without the parameter."""
    program = _core.WorkloadProgram("H 0")
    params = parameters(program.placed)
    args = [[0], 1, [0.0], [0.0], [0.0], [0.0], [0.0], [0.0]]
    assert len(args) == len(params)
    position = 2  # t_1q, a list of numbers
    args[position] = [0.0, "x"]
    message = rf"^WorkloadProgram.placed\(\): {params[position]}\[1\] must be a number, got 'x'$"
    with pytest.raises(TypeError, match=message):
        program.placed(*args)


def test_a_native_field_set_to_a_wrong_value_is_named():
    """Setting a field printed pybind11's overload dump ("(): incompatible function arguments")."""
    params = _core.NodeParams()
    with pytest.raises(TypeError, match=r"^NodeParams.t1_s must be a number, got 'x'$"):
        params.t1_s = "x"
    with pytest.raises(TypeError, match=r"^NodeParams.name must be str, got 3$"):
        params.name = 3
    params.t1_s = 2  # conversions pybind11 allows still work
    assert params.t1_s == 2.0


# Annotation lines after two measurements on three qubits; each is read by Stim and by the
# stabilizer engine. Before, the engine skipped everything after an annotation's name.
ANNOTATIONS = [
    "DETECTOR rec[-1]", "DETECTOR rec[-2] rec[-1]", "DETECTOR", "DETECTOR()", "DETECTOR(1, 2, 3) rec[-1]",
    "DETECTOR(,)", "DETECTOR(1,) rec[-1]", "DETECTOR( 1 , 2 ) rec[-1]", "DETECTOR(+1)", "DETECTOR(-.5)",
    "DETECTOR(1e308) rec[-1]", "DETECTOR(1e-400) rec[-1]", "detector rec[-1]", "DETECTOR\trec[-1]",
    "DETECTOR rec[-01]", "DETECTOR rec[-1] rec[-1]",
    # Stim parses these and its samplers refuse them (a lookback before the first measurement, or 0).
    "DETECTOR rec[-5]", "DETECTOR rec[-0]",
    "DETECTOR(inf) rec[-1]", "DETECTOR(nan) rec[-1]", "DETECTOR(-inf) rec[-1]", "DETECTOR(1e400) rec[-1]",
    "DETECTOR(0x10) rec[-1]", "DETECTOR(1 2)", "DETECTOR(.)", "DETECTOR(1e)", "DETECTOR(1e+)", "DETECTOR(--1)",
    "DETECTOR(1_0)", "DETECTOR(1)(2)", "DETECTOR (1)", "DETECTOR(1 rec[-1]", "DETECTOR(1)rec[-1]",
    "DETECTOR rec[0]", "DETECTOR rec[1]", "DETECTOR 0", "DETECTOR foo", "DETECTOR rec[-1", "DETECTOR rec[-1]x",
    "DETECTOR rec[-16777216]", "DETECTOR rec[ -1 ]", "DETECTOR REC[-1]", "DETECTOR !rec[-1]",
    "DETECTOR rec[-1]*rec[-1]", "DETECTOR rec[--1]", "DETECTOR rec[-+1]", "DETECTOR rec[-1.0]", "DETECTOR X0",
    "OBSERVABLE_INCLUDE(0) rec[-1]", "OBSERVABLE_INCLUDE(0)", "OBSERVABLE_INCLUDE(1e30) rec[-1]",
    "OBSERVABLE_INCLUDE(4294967296) rec[-1]", "OBSERVABLE_INCLUDE(-0) rec[-1]", "OBSERVABLE_INCLUDE(0.0) rec[-1]",
    "OBSERVABLE_INCLUDE(0) X0", "OBSERVABLE_INCLUDE(0) x0", "OBSERVABLE_INCLUDE(0) !X0",
    "OBSERVABLE_INCLUDE(0) rec[-1] Z1", "OBSERVABLE_INCLUDE(0) rec[-2]",
    "OBSERVABLE_INCLUDE(-1) rec[-1]", "OBSERVABLE_INCLUDE(1.5) rec[-1]", "OBSERVABLE_INCLUDE(1e-300) rec[-1]",
    "OBSERVABLE_INCLUDE rec[-1]", "OBSERVABLE_INCLUDE(0,1) rec[-1]", "OBSERVABLE_INCLUDE(nan) rec[-1]",
    "OBSERVABLE_INCLUDE(inf) rec[-1]", "OBSERVABLE_INCLUDE(0) 0", "OBSERVABLE_INCLUDE(0) X0*X1",
    "OBSERVABLE_INCLUDE(0) X", "OBSERVABLE_INCLUDE(0) !rec[-1]", "OBSERVABLE_INCLUDE(0) W0",
    "QUBIT_COORDS(0, 0) 0", "QUBIT_COORDS() 0", "QUBIT_COORDS(1)", "QUBIT_COORDS(1) 0 1", "QUBIT_COORDS(-1.5) 0",
    "QUBIT_COORDS(1) 01",
    "QUBIT_COORDS(nan) 0", "QUBIT_COORDS(inf) 0", "QUBIT_COORDS(1) rec[-1]", "QUBIT_COORDS(1) !0",
    "QUBIT_COORDS(1) X0", "QUBIT_COORDS(1) 0x",
    "SHIFT_COORDS(1, 2)", "SHIFT_COORDS", "SHIFT_COORDS()",
    "SHIFT_COORDS(nan)", "SHIFT_COORDS(inf)", "SHIFT_COORDS(1) 0", "SHIFT_COORDS(1) rec[-1]",
    # The same reading of numbers for every instruction's arguments.
    "X_ERROR(.5) 0", "X_ERROR(+0.5) 0", "X_ERROR(5e-1) 0", "X_ERROR(1e-400) 0",
    "X_ERROR(0x0.1) 0", "X_ERROR(0.1,) 0", "X_ERROR(,) 0", "X_ERROR(nan) 0", "X_ERROR(inf) 0",
]


@pytest.mark.parametrize("line", ANNOTATIONS)
def test_annotations_are_refused_exactly_when_stim_refuses_them(line):
    """DETECTOR(inf), OBSERVABLE_INCLUDE(-1), QUBIT_COORDS(nan), DETECTOR 0 and text that was no
    target at all were accepted: everything after an annotation's name was skipped."""
    stim = pytest.importorskip("stim")
    text = "M 0 1\n" + line
    try:
        # Analysed too: a record before the first measurement and an observable index of 2**32 or more pass Stim's
        # parser and fail its error model (whose check comes first: its sampler crashes on such an index), rec[-0]
        # fails its sampler.
        circuit = stim.Circuit(text)
        try:
            circuit.detector_error_model()
        except ValueError as error:  # a random observable (X0 after M 0) is physics, not a format error
            if "non-deterministic" not in str(error):
                raise
        circuit.compile_detector_sampler().sample(1)
        stim_refuses = False
    except (ValueError, IndexError):
        stim_refuses = True
    sim = qnsim.StabilizerSimulator(3, seed=1)
    if stim_refuses:
        with pytest.raises(qnsim.CircuitParseError, match=r" on line 2$"):
            sim.do_circuit(text)
    else:
        sim.do_circuit(text)


def test_an_annotation_error_names_the_value():
    sim = qnsim.StabilizerSimulator(2, seed=1)
    with pytest.raises(qnsim.CircuitParseError, match=r"^argument 'inf' of DETECTOR is not a decimal number on line 2"):
        sim.do_circuit("M 0\nDETECTOR(inf) rec[-1]")
    with pytest.raises(qnsim.CircuitParseError, match=r"^argument '1e400' of QUBIT_COORDS is not a finite number"):
        sim.do_circuit("QUBIT_COORDS(1e400) 0")
    with pytest.raises(qnsim.CircuitParseError,
                       match=r"^the index of OBSERVABLE_INCLUDE must be a non-negative integer, got -1 on line 2$"):
        sim.do_circuit("M 0\nOBSERVABLE_INCLUDE(-1) rec[-1]")
    with pytest.raises(qnsim.CircuitParseError, match=r"^DETECTOR takes only record targets \(rec\[-k\]\), got '0'"):
        sim.do_circuit("M 0\nDETECTOR 0")


def test_a_link_to_a_node_with_no_other_link_is_refused_as_a_mistyped_qpu_index():
    """`qpus = [0, 5]` with two QPUs was read as a link to relay 5 and the verdict was "infeasible,
    disconnected": a typo'd QPU index silently became a relay."""
    from qnsim.estimate import QPU, Link, estimate

    qpus = [QPU(num_qubits=1), QPU(num_qubits=1)]
    with pytest.raises(ValueError, match=r"^link \(0, 5\) ends at node 5, which is not a QPU \(there are 2 QPUs"):
        estimate("CX 0 1", qpus, [Link((0, 5), 1e3, 0.9)], placement=[0, 1])
    # A relay joining two links is a relay, and the notes say which nodes were read as relays.
    r = estimate("CX 0 1", qpus, [Link((0, 5), 1e3, 0.9), Link((5, 1), 1e3, 0.9)], placement=[0, 1])
    assert "nodes numbered from 2 up are relays, not QPUs (there are 2 QPUs): 5 (links 0-5, 1-5)" in r.notes


def test_the_links_file_refuses_a_mistyped_qpu_index(tmp_path, capsys):
    from qnsim import estimate_cli

    (tmp_path / "net.toml").write_text(
        "[[qpu]]\nnum_qubits = 2\ncount = 2\n\n[[link]]\nqpus = [0, 5]\nrate_hz = 1e3\nfidelity = 0.9\n"
    )
    (tmp_path / "c.stim").write_text("CX 0 2\n")
    assert estimate_cli.main([str(tmp_path / "c.stim"), "--links", str(tmp_path / "net.toml")]) == 2
    assert "ends at node 5, which is not a QPU" in capsys.readouterr().err


def _path_calls():
    import qnsim.config
    import qnsim.estimate
    import qnsim.estimate.calibrate
    import qnsim.qec
    import qnsim.scenario_writer
    import qnsim.sweeps

    return [
        ("read_results", lambda: qnsim.sweeps.read_results(3), "out"),
        ("sweep out", lambda: qnsim.sweep(lambda params, seed: {"x": 1}, {"a": [1]}, out=3), "out"),
        ("Network.to_toml", lambda: qnsim.Network().to_toml(3), "path"),
        ("write_toml", lambda: qnsim.scenario_writer.write_toml(qnsim.Network(), 3), "path"),
        ("load_scenario", lambda: qnsim.load_scenario(3), "path"),
        ("read_toml", lambda: qnsim.config.read_toml(3), "path"),
        ("TomlTable.load", lambda: qnsim.config.TomlTable.load(3), "path"),
        ("Workload.from_file", lambda: qnsim.estimate.Workload.from_file(3), "path"),
        ("stream_circuit_file", lambda: qnsim.estimate.stream_circuit_file(3), "path"),
        ("LogicalSummary.from_qre", lambda: qnsim.estimate.LogicalSummary.from_qre(3), "data"),
        ("LogicalSummary.from_toml", lambda: qnsim.estimate.LogicalSummary.from_toml(3), "path"),
        ("ExperimentSpec.from_file", lambda: qnsim.qec.ExperimentSpec.from_file(3), "path"),
        ("calibrate_link", lambda: qnsim.estimate.calibrate.calibrate_link(3), "scenario"),
        ("Trace.write_jsonl", lambda: qnsim.Network(trace=True).trace().write_jsonl(3), "path"),
    ]


@pytest.mark.parametrize("label", [label for label, _, _ in _path_calls()])
def test_a_path_argument_that_is_not_a_path_is_named(label):
    """Each raised Python's own "expected str, bytes or os.PathLike object, not int" (and
    Workload.from_file(3) opened file descriptor 3: "OSError: Bad file descriptor")."""
    _, call, name = next(row for row in _path_calls() if row[0] == label)
    with pytest.raises(TypeError, match=rf"^{name} must be a file path \(str or pathlib.Path\), got 3$"):
        call()


def test_plot_sweep_names_its_data_and_out():
    pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    with pytest.raises(TypeError, match=r"^data must be a DataFrame, a results path"):
        qnsim.plot_sweep(3, x="a")


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"numQubits": 0}, r"^numQubits must be in \[1, 2\*\*128 - 1\], got 0$"),
        ({"numQubits": 3, "tCount": -1}, r"^tCount must be in \[0, 2\*\*128 - 1\], got -1$"),
        ({"numQubits": 2**129}, r"^numQubits must be in \[1, 2\*\*128 - 1\], got an integer of 130 bits"),
    ],
)
def test_qre_counts_are_named_by_their_qre_keys(counts, message):
    """A bad numQubits was reported as logical_qubits, a name the QRE's output does not have."""
    from qnsim.estimate import LogicalSummary

    with pytest.raises(ValueError, match=message):
        LogicalSummary.from_qre(counts)


def test_one_object_given_for_two_parameters_names_both():
    """The value is found by identity, and small ints are shared: naming only the first parameter
    holding -1 would blame num_qubits, which takes -1 (the engine refuses it later), for seed's
    range. (Since round 20 num_qubits refuses -1 itself, as seed does: both take [0, ...]. Since determinism audit 3
    the seed is read by the seed spec, check_seed, once num_qubits is read: num_qubits is named, alone.)"""
    with pytest.raises(ValueError, match=r"^StabilizerSimulator\(\): num_qubits must be in \[0, 2\*\*63 - 1\], got -1"):
        qnsim.StabilizerSimulator(-1, seed=-1)
