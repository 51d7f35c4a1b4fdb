"""Test configuration shared by every test module."""

import os
import signal
import sys
from pathlib import Path

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
