"""Results audit, round 9: results that could pass for complete when they are not (a build's digest
that lags its sources, traces lost with a killed run, ...). Each test's docstring says what the old
behaviour was."""

import hashlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import pytest

import qnsim

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _digest_of_tree(root):
    """The native digest of a source tree, by the formula of tests/test_results_audit8.py."""
    sources = sorted(
        (p for p in (root / "cpp").rglob("*") if p.suffix in (".cc", ".h") and p.is_file()
         and not (p.name.endswith("_perf.cc") or p.name.endswith("_test.cc") or p.name.endswith(".test.cc"))),
        key=str,
    )  # fmt: skip
    text = "".join(
        f"{p.relative_to(root).as_posix()} {hashlib.sha256(p.read_bytes()).hexdigest()}\n"
        for p in [*sources, root / "CMakeLists.txt"]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _generated_digest(build):
    text = (build / "generated" / "source_digest.cc").read_text()
    return text.split('source_digest() { return "')[1].split('"')[0]


@pytest.mark.skipif(shutil.which("cmake") is None, reason="needs cmake")
def test_the_native_digest_follows_a_source_edited_after_configure(tmp_path):
    """Old behaviour: CMake wrote the digest when it configured; a build after editing a .cc (``cmake
    --build``, which does not configure again) compiled the edit and kept the old sources' digest, so a
    sweep resumed on the new build took the old build's rows as its own."""
    pybind11 = pytest.importorskip("pybind11")
    if not (ROOT / "CMakeLists.txt").exists():
        pytest.skip("not run from a source tree")
    source = tmp_path / "src"
    shutil.copytree(ROOT / "cpp", source / "cpp")
    shutil.copy(ROOT / "CMakeLists.txt", source)
    if (ROOT / "cmake").is_dir():
        shutil.copytree(ROOT / "cmake", source / "cmake")
    build = tmp_path / "build"
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run(
        ["cmake", "-S", str(source), "-B", str(build), *generator, "-DQNSIM_BUILD_PYTHON=ON",
         f"-Dpybind11_DIR={pybind11.get_cmake_dir()}", f"-DPython_EXECUTABLE={sys.executable}"],
        check=True, capture_output=True,
    )  # fmt: skip

    def build_digest():
        # The digest step alone: the library's own compile takes minutes and is not what is tested.
        done = subprocess.run(
            ["cmake", "--build", str(build), "--target", "qnsim_source_digest"], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return _generated_digest(build)

    before = build_digest()
    assert before == _digest_of_tree(source)
    edited = source / "cpp" / "network" / "swapping.cc"
    edited.write_text(edited.read_text() + "\n// an edit after configure\n")
    after = build_digest()
    assert after != before and after == _digest_of_tree(source)
    # A source added after configure is covered as well (the build globs again).
    (source / "cpp" / "network" / "added.h").write_text("// new\n")
    assert build_digest() == _digest_of_tree(source)


def test_the_installed_digest_is_that_of_these_sources_and_build_flags_count():
    """Old behaviour: code_id named the native sources only; a build of the same sources with other flags
    (``-march=native`` contracts a * b + c into one rounding) passed for the same build."""
    from qnsim import _core
    from qnsim.sweeps import code_id

    if (ROOT / "CMakeLists.txt").exists():
        assert _core.source_digest() == _digest_of_tree(ROOT)
    config = _core.build_config()
    assert "flags=[" in config and "sanitize=" in config
    assert hashlib.sha1(config.encode()).hexdigest()[:16] in code_id()
