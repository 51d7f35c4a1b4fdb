"""Bad input, round 29: a fixed, fast slice of the API fuzzer (``tests/fuzz/api_fuzz.py``) over the engines and the
link-model functions, and the refusals the fuzzer found wrong: a million-entry list printed in full in its refusal
(6 MB of message) after each of its entries was checked for being a number (seconds to refuse)."""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import numpy as np
import pytest

import qnsim
import qnsim.sweeps
import qnsim.trace
from qnsim.argument_checks import shown, written


def _fuzzer():
    path = pathlib.Path(__file__).parent / "fuzz" / "api_fuzz.py"
    spec = importlib.util.spec_from_file_location("qnsim_api_fuzz", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fuzz = _fuzzer()

#: Values that cost the slice time (a million-entry list, a gigabyte matrix, a 100,000-character string) without a
#: failing case among them since their fixes; the full fuzzer keeps them.
_COSTLY = {"huge_list", "huge_matrix", "long_str"}
#: The slice: groups whose calls are cheap (an engine made per call), one round, a fixed seed.
_SLICE = ("engine:StabilizerSimulator", "engine:DensityMatrixSimulator", "engine:QubitRegistry", "qnsim.link_models")


@pytest.mark.parametrize("group", _SLICE)
def test_fuzz_slice_finds_nothing(group: str) -> None:
    """Every call of the slice returns or is refused with ValueError / IndexError / TypeError / QnsimError naming the
    bad value or parameter (a crash would take the worker down and fail the file)."""
    findings = [
        finding
        for target, i, label, value in fuzz.cases(group, seed=29)
        if label not in _COSTLY
        for finding in [fuzz.verdict(target, i, label, value)]
        if finding
    ]
    assert findings == []


def test_a_million_entry_list_is_refused_in_a_short_message() -> None:
    """``bell_diagonal_state([0.25] * 10**6)`` was refused with the whole list in its message (6,000,092
    characters), and each entry was first checked for being a number (7 s on a loaded machine); the message now
    shows the first entries and the count."""
    with pytest.raises(
        ValueError, match=r"must have 4 entries .*got 1000000: \[0\.25, .*, \.\.\.\] \(1,000,000 entries\)$"
    ) as info:
        qnsim.bell_diagonal_state([0.25] * 10**6)
    assert len(str(info.value)) < 300


def test_long_values_are_shown_abridged_with_their_size() -> None:
    """``written``/``shown`` printed any list, array or string in full, whatever its size."""
    assert written(np.zeros(100)) == "array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, ...]) (shape (100,), 100 entries)"
    assert shown("x" * 2000) == repr("x" * 60) + "... (2,000 characters)"
    assert written(list(range(65))) == "[0, 1, 2, 3, 4, 5, ...] (65 entries)"
    # Short values keep their exact repr (what earlier rounds' messages match).
    assert written(list(range(64))) == repr(list(range(64)))


@pytest.mark.parametrize("formalism", ["stabilizer", "density_matrix"])
def test_a_long_list_refused_by_the_native_seam_is_shown_by_its_size(formalism: str) -> None:
    """The native seam's refusal wrote ``repr()`` of the whole argument, then cut it to 60 characters: a
    million-entry list took seconds to print (the fuzzer's 10 s alarm fired under load) and the message gave its
    size in characters (``(6000000 characters)``), not entries; it is now shown as ``written`` shows it."""
    registry = qnsim.QubitRegistry(formalism, seed=1)
    with pytest.raises(TypeError, match=r"coefficients=\[0\.25, 0\.25, .*, \.\.\.\] \(1,000,000 entries\)") as info:
        registry.bell_diagonal_pair([0.25] * 10**6)
    assert "characters" not in str(info.value)


@pytest.mark.parametrize("network", [None, 3, "net"])
def test_trace_file_refuses_what_is_not_a_network(network, tmp_path) -> None:
    """``TraceFile(None, path)`` wrote its pending line to ``path``, then failed with Python's "'NoneType' object has
    no attribute 'native'" (AttributeError), naming neither the argument nor what it takes."""
    path = tmp_path / "t.jsonl"
    with pytest.raises(TypeError, match=r"^TraceFile network must be a qnsim\.Network, got "):
        qnsim.trace.TraceFile(network, path)
    assert not path.exists()


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: qnsim.sweeps.apply_overrides("", {}), r"^apply_overrides data must be a mapping .*, got ''$"),
        (lambda: qnsim.sweeps.apply_overrides("ab", {}), r"^apply_overrides data must be a mapping .*, got 'ab'$"),
        (lambda: qnsim.sweeps.apply_overrides({}, "a"), r"^apply_overrides overrides must be a mapping .*, got 'a'$"),
        (lambda: qnsim.sweeps.example_point("", seed=1), r"^example_point params must be a mapping .*, got ''$"),
        (lambda: qnsim.sweeps.example_point("nonsense", seed=1), r"^example_point params must be a mapping .*"),
    ],
)
def test_sweep_helpers_refuse_what_is_not_a_mapping(call, words) -> None:
    """A string given as a mapping failed with AttributeError ("'str' object has no attribute 'items'") when empty,
    else was read as a sequence of pairs ("dictionary update sequence element #0 has length 1") or as its letters
    ("example_point got unknown parameters ['e', 'n', 'o', 's']"), naming no argument."""
    with pytest.raises(TypeError, match=words):
        call()


def test_plot_sweep_shows_many_unknown_log_columns_abridged() -> None:
    """``logy`` naming columns that are not plotted was refused with every one of them listed in full (a million
    names: megabytes of message); the list is now shown as ``written`` shows any long value. (The duplicate check
    beside it counted each name through the whole list, quadratic: 6,001 names took 5.3 s, now 0.04 s.)"""
    pytest.importorskip("matplotlib")
    from qnsim.plot import plot_sweep

    names = [f"c{i}" for i in range(100)]
    with pytest.raises(ValueError, match=r"^logy names \['c0', 'c1', .*, \.\.\.\] \(100 entries\), which are not"):
        plot_sweep([], x="p", y=["rate_hz"], logy=names)


@pytest.mark.parametrize("bad", [None, 3, "m"])
def test_link_builder_helpers_refuse_what_is_not_their_spec(bad) -> None:
    """``link_model_table(None)`` and ``build_link(3, ...)`` failed with AttributeError ("'NoneType' object has no
    attribute 'state'", "'int' object has no attribute 'fidelity'"), naming neither the argument nor its type."""
    from qnsim.link_builder import build_link, link_model_table

    with pytest.raises(TypeError, match=r"^link_model_table model must be a qnsim\.LinkModel, got "):
        link_model_table(bad)
    with pytest.raises(TypeError, match=r"^build_link spec must be a qnsim\.specs\.LinkSpec, got "):
        build_link(bad, None, None, 0)
