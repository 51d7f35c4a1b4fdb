"""Runs every docstring example of the installed package (not the source tree), the native
module's included."""

import doctest
import importlib
import pkgutil

import pytest

import qnsim


def _public_modules():
    names = ["qnsim"]
    for info in pkgutil.walk_packages(qnsim.__path__, prefix="qnsim."):
        if not info.name.split(".")[-1].startswith("_"):
            names.append(info.name)
    return names


@pytest.mark.parametrize("module_name", _public_modules())
def test_docstring_examples_run(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest failures in {module_name}"


def _native_docstrings():
    """Every docstring of the native module qnsim._core (module, functions, classes, methods and
    properties) that holds a `>>>` example. doctest.testmod would miss some of them: pybind11
    methods are not plain functions, and _core is skipped above for its leading underscore."""
    from qnsim import _core

    found = {}

    def add(name, obj):
        doc = getattr(obj, "__doc__", None)
        if isinstance(doc, str) and ">>>" in doc:
            found[name] = doc

    add("qnsim._core", _core)
    for name, obj in sorted(vars(_core).items()):
        if name.startswith("__"):
            continue
        add(f"qnsim._core.{name}", obj)
        if isinstance(obj, type):
            for attr, member in sorted(vars(obj).items()):
                if attr.startswith("__") and attr != "__init__":
                    continue
                add(f"qnsim._core.{name}.{attr}", member)
    return found


NATIVE_DOCSTRINGS = _native_docstrings()


def test_native_docstring_examples_are_found():
    # The three engines document themselves with examples; if none were found, the test below
    # would pass vacuously.
    for name in ("StabilizerSimulator", "DensityMatrixSimulator", "QubitRegistry"):
        assert f"qnsim._core.{name}" in NATIVE_DOCSTRINGS


@pytest.mark.parametrize("name", sorted(NATIVE_DOCSTRINGS))
def test_native_docstring_examples_run(name):
    test = doctest.DocTestParser().get_doctest(NATIVE_DOCSTRINGS[name], {}, name, None, 0)
    report = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    result = runner.run(test, out=report.append)
    assert result.attempted > 0
    assert result.failed == 0, "".join(report)
