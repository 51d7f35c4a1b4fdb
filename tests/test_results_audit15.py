"""Results audit, round 15: a SIGHUP of the sweep commands, an out reached through a symbolic link, the notes
of a comparison's frame, and (below) what else was found. Each test's docstring says what the old behaviour was."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sweep_points

import qnsim
from qnsim import sweeps
from qnsim.sweeps import read_results, split_notes, sweep, sweep_status

TESTS = str(Path(__file__).parent)


# --- one writer of a row's notes ------------------------------------------------------------------------------


def _two_ways(formalism, relay):
    net = qnsim.Network(formalism, seed=3)
    for node in ("a", "r", "b") if relay else ("a", "b"):
        net.add_node(node)
    hops = [("a", "r"), ("r", "b")] if relay else [("a", "b")]
    for x, y in hops:
        net.add_link(x, y, length_km=1.0, fidelity=0.95, rate_hz=1e3, success_probability=0.1)
    net.request("a", "b")
    return net.run(until_s=0.2, progress=False)


def test_a_comparisons_frame_writes_its_notes_as_a_sweep_row_does():
    """Old behaviour: ``Comparison.to_pandas`` joined a row's notes with "; " where every sweep row writes them
    with ``join_notes`` (a note's own ";" doubled, None for none): the path note "path a - r - b (2 links), the
    baseline's a - b (1 link); they part after a" came back from ``split_notes`` as two notes, and a row without
    notes read "" where a sweep row's frame reads a missing value. One writer now: each note comes back whole."""
    pd = pytest.importorskip("pandas")
    comparison = qnsim.compare_results(
        {"direct": _two_ways("bell_diagonal", False), "relay": _two_ways("density_matrix", True)}
    )
    notes = comparison.rows[1]["notes"]
    assert len(notes) >= 2 and any(";" in note for note in notes)
    frame = comparison.to_pandas()
    assert [split_notes(text) for text in frame["notes"]] == [list(row["notes"]) for row in comparison.rows]
    assert pd.isna(frame["notes"].iloc[0]) and not comparison.rows[0]["notes"]
