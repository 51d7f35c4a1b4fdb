"""A repository script (an example, a bench/ script, a test module) loaded as a module, for the tests that
check what it computes or prints (not a test module)."""

import importlib.util
import itertools
import sys
from pathlib import Path

import pytest

_loads = itertools.count()


def import_script(path):
    """The Python file at ``path`` imported as a fresh module (its ``main`` not run), its own folder on
    ``sys.path`` while it loads (examples import their neighbours). Skips the calling test when the file is
    not there: an installed-package run has no examples/ or bench/ beside its tests."""
    path = Path(path)
    if not path.exists():
        pytest.skip(f"{path.parent.name}/{path.name} is not next to the tests (installed-package run)")
    # A fresh name per load: two tests loading one script must not share (or patch) one module.
    spec = importlib.util.spec_from_file_location(f"_script_{path.stem}_{next(_loads)}", path)
    module = importlib.util.module_from_spec(spec)
    folder = str(path.parent)
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(folder)
    return module
