"""Every function and method of the native module answers arguments it cannot take with one
readable line naming the values, never pybind11's dump of every signature."""

import inspect
import re

import pytest

import qnsim
from qnsim import _core

MAKERS = {
    "QubitRegistry": lambda: qnsim.QubitRegistry("density_matrix", seed=1),
    "StabilizerSimulator": lambda: qnsim.StabilizerSimulator(3, seed=1),
    "DensityMatrixSimulator": lambda: qnsim.DensityMatrixSimulator(2, seed=1),
    "NativeNetwork": lambda: _core.NativeNetwork("density_matrix", 1),
}
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
    with pytest.raises(TypeError, match=r"^QubitRegistry.expectation\(\) cannot take \('x', \[1\]\); expected "
                                        r"expectation\(qubits: Iterable, paulis: str\) -> float$"):
        reg.expectation("x", [1])
    with pytest.raises(TypeError, match=r"^expected a number, got '0.1'$"):
        reg.depolarize1(*reg.bell_pair(), p="0.1")
    # Conversions that pybind11 allows still work: an int where a float is due.
    a, b = reg.bell_pair()
    reg.depolarize1(a, p=0)
    assert reg.fidelity([a, b]) == 1.0


def test_help_shows_the_real_signature_only():
    doc = qnsim.QubitRegistry.fidelity.__doc__
    assert doc.startswith("fidelity(self: qnsim._core.QubitRegistry, qubits") and "Overloaded" not in doc
