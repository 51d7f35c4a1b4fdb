"""Test configuration shared by every test module."""

import os
import signal
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Helpers shared by test modules (stats.py) import by name from this folder; with
# --import-mode=importlib pytest does not put it on sys.path itself.
TESTS = str(Path(__file__).parent)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

# No per-example deadline anywhere: a loaded CI machine (2 cores shared with compilers) makes
# 200 ms deadlines flaky, and the tests bound their own work by max_examples instead.
settings.register_profile("default", deadline=None)
# CI must be reproducible: the same examples on every run (a failure found locally is replayed
# from the example database; in CI a fixed seed keeps a green run green). Locally, hypothesis
# explores new random examples each time, which is how it finds bugs.
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")

# Tests that stand for a Ctrl-C (_thread.interrupt_main, a SIGINT sent to a command) need Python's own SIGINT
# handler. A test run started in the background by a script or nohup inherits SIGINT ignored, Python leaves it
# so, and interrupt_main then does nothing: test_results_audit12's interrupted seed batch failed there every time
# ("DID NOT RAISE KeyboardInterrupt") and passed on a terminal. Commands started by the tests get the default.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# The QRE-parity tests import qsharp, which otherwise starts a telemetry thread that reports to a
# remote service: a test run sends nothing anywhere.
os.environ.setdefault("QDK_PYTHON_TELEMETRY", "none")

# The suite runs on every core, one test file per worker at a time (pyproject's addopts: `-n auto --dist loadfile
# --no-loadscope-reorder`), each worker taking the next file in collection order when it runs dry. Files that
# take longest go first: a long file started last runs alone at the end while the other cores idle (xdist's own
# order, most tests first, started test_docs_figures' 68 s fixture near the end). The ranking is of the 42 files
# with the largest total (`--durations=0` summed per file, setup included, main 2c2772f, 2026-12-02 afternoon: 27
# of the 42 files of the morning's ranking had left it); refresh it when a file grows past the last one listed. A
# name that is no test file fails the run (below) instead of silently losing its place.
SLOWEST_FILES_FIRST = (
    "test_estimate_waits.py",
    "test_determinism_audit4.py",
    "test_estimate_audit20.py",
    "test_docs_figures.py",
    "test_results_audit11.py",
    "test_results_audit9.py",
    "test_estimate_runtime_fix.py",
    "test_estimate_audit19.py",
    "test_results_audit19.py",
    "test_user_journeys15.py",
    "test_estimate_audit15.py",
    "test_determinism_audit.py",
    "test_results_audit10.py",
    "test_user_journeys14.py",
    "test_results_audit17.py",
    "test_estimate_audit26.py",
    "test_results_audit14.py",
    "test_estimate_audit37.py",
    "test_results_audit15.py",
    "test_estimate_audit31.py",
    "test_estimate_operating_point.py",
    "test_cli.py",
    "test_cli_failures.py",
    "test_user_journeys.py",
    "test_user_journeys7.py",
    "test_estimate_audit22.py",
    "test_estimate_audit13.py",
    "test_bad_input_round29.py",
    "test_user_journeys11.py",
    "test_determinism_audit5.py",
    "test_physics_audit23.py",
    "test_user_journeys9.py",
    "test_docs_claims3.py",
    "test_user_journeys17.py",
    "test_qec_audit2.py",
    "test_physics_audit4.py",
    "test_physics_audit2.py",
    "test_qec_model.py",
    "test_sweep.py",
    "test_estimate_audit23.py",
    "test_results_audit18.py",
    "test_estimate_progress.py",
    "test_estimate_audit45.py",
    "test_estimate_audit43.py",
    # Six files the ranking above left out, each with more than 28 s in its slowest tests alone on 2026-12-04's
    # profile of the whole suite (`--durations=150`, main 07da9dd1, a loaded machine: lower bounds of their totals),
    # ordered by that: left unranked, they started in collection order (results_audit30 with 48 of the 284 files
    # after it).
    "test_results_audit30.py",
    "test_estimate_audit50.py",
    "test_bad_input_round34.py",
    "test_estimate_memory.py",
    "test_results_audit12.py",
    "test_estimate_audit54.py",
)


def pytest_collection_modifyitems(session, config, items):
    """Moves the slowest test files (:data:`SLOWEST_FILES_FIRST`) to the front, the rest in collection order."""
    missing = [name for name in SLOWEST_FILES_FIRST if not (Path(TESTS) / name).is_file()]
    if missing:
        raise pytest.UsageError(f"tests/conftest.py's SLOWEST_FILES_FIRST names files that do not exist: {missing}")
    rank = {name: i for i, name in enumerate(SLOWEST_FILES_FIRST)}
    last = len(rank)
    items[:] = sorted(items, key=lambda item: rank.get(item.path.name, last))  # sorted() is stable
