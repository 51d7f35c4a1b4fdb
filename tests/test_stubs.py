"""The shipped type stub python/qnsim/_core.pyi is exactly what pybind11-stubgen makes of the
installed native module, so it can never fall behind a binding. Regenerate it with

    python -m pybind11_stubgen --exit-code qnsim._core -o python

after `pip install -e .` (the versions of pybind11 and pybind11-stubgen are pinned in
pyproject.toml because both shape the text; the output follows the bindings' registration order,
so it is the same on every run)."""

import difflib
import os
import subprocess
import sys

import pytest

import qnsim
from qnsim import _core

STUB = os.path.join(os.path.dirname(qnsim.__file__), "_core.pyi")
REGENERATE = "python -m pybind11_stubgen --exit-code qnsim._core -o python"


def test_stub_and_marker_ship_with_the_package():
    assert os.path.exists(STUB), "qnsim/_core.pyi is missing from the installed package"
    assert os.path.exists(os.path.join(os.path.dirname(STUB), "py.typed"))


def _generate(out_dir, hash_seed):
    # Run from out_dir so that the installed qnsim is imported, never a source tree on the path.
    env = dict(os.environ, PYTHONHASHSEED=str(hash_seed))
    proc = subprocess.run(
        [sys.executable, "-m", "pybind11_stubgen", "--exit-code", "qnsim._core", "-o", str(out_dir)],
        cwd=out_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"pybind11-stubgen failed on qnsim._core:\n{proc.stdout}\n{proc.stderr}"
    with open(os.path.join(out_dir, "qnsim", "_core.pyi"), encoding="utf-8") as f:
        return f.read()


@pytest.fixture(scope="module")
def generated_with_hash_seed_0(tmp_path_factory):
    """The stub pybind11-stubgen writes under PYTHONHASHSEED=0 (generated once: each run is a process of its own)."""
    return _generate(tmp_path_factory.mktemp("stub0"), hash_seed=0)


def test_stub_is_what_pybind11_stubgen_generates(generated_with_hash_seed_0):
    fresh = generated_with_hash_seed_0
    with open(STUB, encoding="utf-8") as f:
        shipped = f.read()
    if fresh != shipped:
        diff = "".join(
            difflib.unified_diff(
                shipped.splitlines(keepends=True),
                fresh.splitlines(keepends=True),
                "shipped python/qnsim/_core.pyi",
                "generated from the installed qnsim._core",
            )
        )
        raise AssertionError(
            f"python/qnsim/_core.pyi is out of date with the native module; regenerate it from the repository "
            f"root with\n    {REGENERATE}\n{diff[:6000]}"
        )


def test_stub_generation_is_deterministic(tmp_path, generated_with_hash_seed_0):
    # A diff is only meaningful if generating twice (other hash seed, other process) gives the
    # same text. The first of the two is the run the diff above compares (hash seed 0; this test
    # generated two more of its own, seeds 1 and 2, before: one process more for the same check).
    assert _generate(tmp_path, hash_seed=1) == generated_with_hash_seed_0


def test_stub_declares_every_public_native_name():
    # Redundant with the diff above, but names what is missing when the stub is stale.
    with open(STUB, encoding="utf-8") as f:
        text = f.read()
    missing = [name for name in dir(_core) if not name.startswith("_") and name not in text]
    assert not missing, f"_core.pyi lacks {missing}; regenerate it with {REGENERATE}"
