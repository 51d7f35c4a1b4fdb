"""Test configuration shared by every test module."""

import os

from hypothesis import settings

# CI must be reproducible: the same examples on every run (a failure found locally is replayed
# from the example database; in CI a fixed seed keeps a green run green). Locally, hypothesis
# explores new random examples each time, which is how it finds bugs.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
