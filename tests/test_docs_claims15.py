"""Docs claims, round 15: docs/install.md's troubleshooting of "Could not find CMake >=3.18".

The page says the build backend gives each cmake it finds 5 seconds to tell its version (20 with CI set), and that
a cmake earlier on PATH is the one it asks. Checked against scikit-build-core itself where it is installed (it is
in the build environment, not always in the test one).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

INSTALL = Path(__file__).resolve().parents[1] / "docs" / "install.md"


def test_the_timeouts_the_page_states_are_the_backend_s(monkeypatch):
    search = pytest.importorskip("scikit_build_core.program_search")
    text = INSTALL.read_text()
    stated = re.search(r"gives it (\d+) seconds \((\d+) when\s+the environment variable `CI` is set\)", text)
    assert stated, "install.md no longer states the timeouts"
    base, on_ci = (int(x) for x in stated.groups())
    search.compute_timeout.cache_clear()
    monkeypatch.delenv("CI", raising=False)
    assert search.compute_timeout(Path("/usr/bin/cmake")) == base
    search.compute_timeout.cache_clear()
    monkeypatch.setenv("CI", "1")
    assert search.compute_timeout(Path("/usr/bin/cmake")) == on_ci
    search.compute_timeout.cache_clear()


def test_the_backend_asks_the_cmake_first_on_path(monkeypatch, tmp_path):
    search = pytest.importorskip("scikit_build_core.program_search")
    fake = tmp_path / "cmake"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin")
    found = list(search._get_cmake_path(module=False))
    assert found and found[0] == fake
