"""Results audit, round 28 (b): a kept row whose scenario_id cell is blank.

Resuming a sweep from a file with a row whose scenario_id was blanked (edited by hand, or written by another tool)
was refused, rightly, but named the row's id as nothing at all: "(scenario_id ; this sweep's is 0b1b...)". The
refusal now says what the blank is. A row with its scenario_id is still resumed as before.
"""

from __future__ import annotations

import csv

import pytest
import sweep_points

from qnsim.sweeps import sweep


def _blank_cell(path, column, row_index):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    rows[row_index + 1][rows[0].index(column)] = ""
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)


def test_resuming_from_a_row_with_a_blank_scenario_id_is_refused_naming_the_blank(tmp_path):
    out = tmp_path / "rows.csv"
    sweep(sweep_points.square, {"x": [1, 2]}, seeds=2, out=out, progress=False, workers=1)
    _blank_cell(out, "scenario_id", 0)
    before = out.read_text()
    with pytest.raises(ValueError) as refused:
        sweep(sweep_points.square, {"x": [1, 2]}, seeds=2, out=out, progress=False, workers=1)
    message = str(refused.value)
    assert "scenario_id blank (a row without one" in message and "scenario_id ;" not in message
    assert out.read_text() == before  # nothing appended, nothing rewritten


def test_an_untouched_file_resumes_to_the_same_rows(tmp_path):
    out = tmp_path / "rows.csv"
    first = sweep(sweep_points.square, {"x": [1, 2]}, seeds=2, out=out, progress=False, workers=1, as_frame=False)
    again = sweep(sweep_points.square, {"x": [1, 2]}, seeds=2, out=out, progress=False, workers=1, as_frame=False)
    assert again == first
