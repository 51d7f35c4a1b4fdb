"""Runs every docstring example of the installed package (not the source tree)."""

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
