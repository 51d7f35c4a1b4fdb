"""Every function and method of the native module answers arguments it cannot take with one
readable line naming the values, never pybind11's dump of every signature."""

import inspect
import re

import numpy as np
import pytest
from native_objects import NATIVE_MAKERS as MAKERS

import qnsim
from qnsim import _core

BAD = ["x", None, 1.5, True, [1], {"a": 1}, object()]


def required_parameters(function):
    match = re.match(r"\w+\((.*)\) ->", (function.__doc__ or "").strip().splitlines()[0])
    if not match:
        return None
    params = [p.strip() for p in re.split(r",(?![^\[]*\])", match.group(1)) if p.strip()]
    return [p for p in params if not p.startswith(("self", "*")) and "=" not in p]


def calls():
    """Every native function and method that takes required positional arguments."""
    found = []
    for cls, make in MAKERS.items():
        for name in sorted(vars(getattr(_core, cls))):
            if not name.startswith("_") and callable(getattr(make(), name)):
                found.append((f"{cls}.{name}", lambda make=make, name=name: getattr(make(), name)))
    for name in sorted(vars(_core)):
        value = getattr(_core, name)
        if not name.startswith("_") and callable(value) and not inspect.isclass(value):
            found.append((name, lambda value=value: value))
    return [(label, get) for label, get in found if required_parameters(get())]


CALLS = calls()


def test_the_battery_covers_the_engines():
    labels = {label for label, _ in CALLS}
    assert {"QubitRegistry.fidelity", "NativeNetwork.swap_slots", "entanglement_swap"} <= labels
    assert len(labels) > 40


@pytest.mark.parametrize(("label", "get"), CALLS, ids=[label for label, _ in CALLS])
def test_bad_values_get_one_readable_line(label, get):
    params = required_parameters(get())
    for position in range(len(params)):
        for bad in BAD:
            args = [0] * len(params)
            args[position] = bad
            try:
                get()(*args)
            except Exception as exc:  # any exception is fine if it reads well
                text = str(exc)
                assert "incompatible function arguments" not in text, f"{label}: {text[:300]}"
                assert "\n" not in text.strip(), f"{label}: a multi-line message: {text[:300]}"


def test_the_readable_line_names_function_values_and_signature():
    reg = qnsim.QubitRegistry(seed=1)
    with pytest.raises(TypeError, match=r"^QubitRegistry.expectation\(\) cannot take \(qubits='x', paulis=\[1\]\); "
                                        r"expected expectation\(qubits: Iterable, paulis: str\) -> float$"):
        reg.expectation("x", [1])
    with pytest.raises(TypeError, match=r"^QubitRegistry.depolarize1\(\): p must be a number, got '0.1'$"):
        reg.depolarize1(*reg.bell_pair(), p="0.1")
    # Conversions that pybind11 allows still work: an int where a float is due.
    a, b = reg.bell_pair()
    reg.depolarize1(a, p=0)
    assert reg.fidelity([a, b]) == 1.0


def test_help_shows_the_real_signature_only():
    doc = qnsim.QubitRegistry.fidelity.__doc__
    assert doc.startswith("fidelity(self: qnsim._core.QubitRegistry, qubits") and "Overloaded" not in doc


NUMBER = re.compile(r"^\w+: (typing\.Supports(Int|Float) \| typing\.SupportsIndex|int|float)( \| None)?$")


def numeric_positions(function):
    """Positions of the required parameters typed as numbers (not qubit handles, not sequences)."""
    return [i for i, p in enumerate(required_parameters(function)) if NUMBER.match(p)]


NUMERIC_CALLS = [(label, get) for label, get in CALLS if numeric_positions(get())]


def test_the_numeric_battery_covers_plain_and_wrapped_numbers():
    labels = {label for label, _ in NUMERIC_CALLS}
    assert {"entanglement_swap", "NativeNetwork.swap_slots", "Scheduler.schedule", "WorkloadProgram.unroll"} <= labels
    assert len(labels) > 20


@pytest.mark.parametrize(("label", "get"), NUMERIC_CALLS, ids=[label for label, _ in NUMERIC_CALLS])
@pytest.mark.parametrize("bad", [True, False, np.True_, "1", b"1"], ids=repr)
def test_a_bool_or_text_is_never_a_number(label, get, bad):
    # Every parameter typed as a number, plain (double, int64_t...) or Real/Int: a bool is refused
    # (it used to become 1 or 0 silently), named in one TypeError line, before anything runs.
    # A seed is read by the one seed spec, qnsim.specs.check_seed, as every Python entry point reads it: its
    # ParameterError and words (test_determinism_audit3).
    function = get()
    params = required_parameters(function)
    for position in numeric_positions(function):
        args = [0] * len(params)
        args[position] = bad
        seed = params[position].split(":")[0] == "seed"
        with pytest.raises(qnsim.ParameterError if seed else TypeError) as info:
            function(*args)
        assert repr(bad) in str(info.value), f"{label}: {info.value}"


@pytest.mark.parametrize(
    "call",
    [
        lambda: qnsim.bell_diagonal_swap([1, 0, 0, 0], [1, 0, 0, 0], gate1_error=True),
        lambda: qnsim.bell_diagonal_swap([True, 0, 0, 0], [1, 0, 0, 0]),
        lambda: qnsim.bell_diagonal_purify([1, 0, 0, 0], [1, 0, 0, 0], "dejmps", measure_error=np.True_),
        lambda: qnsim.QubitRegistry(seed=1).bell_diagonal_pair([True, 0, 0, 0]),
        lambda: _core.stream_count_file("x", True),
        lambda: qnsim.DensityMatrixSimulator(True),
        lambda: _core.Scheduler().schedule(True, print),
    ],
    ids=["swap error", "swap coefficient", "purify error", "pair coefficient", "chunk", "dm qubits", "time"],
)
def test_keyword_defaults_sequences_and_constructors_refuse_bools_too(call):
    with pytest.raises(TypeError, match=r"True"):
        call()


def test_a_bool_seed_is_refused_by_the_seed_spec():
    # As every Python entry point refuses it (qnsim.specs.check_seed; test_determinism_audit3).
    with pytest.raises(qnsim.ParameterError, match=r"^seed must be an integer, got True$"):
        _core.NativeNetwork("density_matrix", True)


@pytest.mark.parametrize(("cls", "field"), [("NodeParams", "t1_s"), ("NodeParams", "gate1_ps"), ("LinkParams", "channels"),
                                            ("LinkParams", "success_probability"), ("RequestParams", "min_fidelity")])
def test_native_params_fields_refuse_bools(cls, field):
    with pytest.raises(qnsim.ParameterError, match=rf"^{field} is of the wrong type, got True$"):
        getattr(_core, cls)(**{field: True})
    params = getattr(_core, cls)()
    with pytest.raises(TypeError):
        setattr(params, field, True)


def test_numpy_numbers_still_convert():
    assert qnsim.bell_diagonal_swap([1, 0, 0, 0], [1, 0, 0, 0], gate1_error=np.float64(0.0)) == (1.0, 0.0, 0.0, 0.0)
    assert _core.LinkParams(channels=np.int64(3)).channels == 3
    assert qnsim.DensityMatrixSimulator(np.int32(2)).num_qubits == 2


@pytest.mark.parametrize(
    "make",
    [lambda: qnsim.StabilizerSimulator(3, seed=1), lambda: qnsim.DensityMatrixSimulator(3, seed=1)],
    ids=["stabilizer", "density"],
)
@pytest.mark.parametrize(
    ("qubit", "error", "message"),
    [
        (True, TypeError, r"^a qubit must be an int, got True$"),
        (np.False_, TypeError, r"^a qubit must be an int, got np.False_$"),
        (1.0, TypeError, r"^a qubit must be an int, got 1.0$"),
        ("0", TypeError, r"^a qubit must be an int, got '0'$"),
        (2**63, IndexError, r"^qubit 9223372036854775808 is out of range"),
        (2**70, IndexError, r"^qubit 1180591620717411303424 is out of range"),
    ],
)
def test_every_engine_reads_a_qubit_the_same_way(make, qubit, error, message):
    # One reading (bindings/arguments.h qubit_index): the density engine used to raise a
    # RuntimeError ("Unable to cast") for 2**63 and the stabilizer engine took True as qubit 1.
    sim = make()
    with pytest.raises(error, match=message):
        sim.h(qubit)


@pytest.mark.parametrize(("cls", "field"), [("LinkParams", "fixed_channels"), ("RequestParams", "keep_pairs"),
                                            ("RequestParams", "swap_handshake"), ("RequestParams", "python_protocol"),
                                            ("RequestParams", "purification_handshake")])
@pytest.mark.parametrize("bad", [None, 0, 1, -1, 0.5, float("nan"), 2**64, "no"], ids=repr)
def test_flags_are_true_or_false_only(cls, field, bad):
    # pybind11's bool caster took anything with __bool__ (nan, -1, "no" -> True; None, 0 -> False).
    with pytest.raises(qnsim.ParameterError, match=rf"^{field} must be True or False, got "):
        getattr(_core, cls)(**{field: bad})
    params = getattr(_core, cls)(**{field: np.True_})
    assert getattr(params, field) is True
    with pytest.raises(TypeError, match=rf"^{cls}.{field} must be True or False, got "):
        setattr(params, field, bad)


@pytest.mark.parametrize(
    "call",
    [
        lambda: qnsim.StabilizerSimulator(2).copy(copy_rng=1),
        lambda: qnsim.DensityMatrixSimulator(2).copy(copy_rng="yes"),
        lambda: _core.NativeNetwork("density_matrix", 1).run(0, None),
        lambda: _core.WorkloadProgram("H 0").placed([0], 1, [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], 1),
    ],
    ids=["stabilizer copy_rng", "density copy_rng", "run hand_over", "placed schedule"],
)
def test_flag_arguments_are_true_or_false_only(call):
    with pytest.raises(TypeError, match=r"^\w+\.\w+\(\): \w+ must be True or False, got "):
        call()
