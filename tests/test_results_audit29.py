"""Results audit, round 29: a QEC top-up killed while appending its row to stats.csv. Its writer was the one that
appended with a plain ``open(path, "a")``: a torn last line made every later read fail without naming the file or
the line (sinter's own error on a cell), and a resumed top-up appended its next row onto the torn one, which lost
both. Every appending writer now shares :func:`qnsim.sweeps.append_whole_lines` and :func:`qnsim.sweeps.cut_torn_line`.
"""

import pytest

pytest.importorskip("sinter")
pytest.importorskip("pymatching")

from qnsim.qec import remote_table as rt  # noqa: E402

POINTS = [("X", 0.001, 0.01, 3), ("X", 0.001, 0.01, 5)]


def _counts(path):
    return sorted((s.json_metadata["d"], s.shots, s.errors, s.strong_id) for s in rt.read_stats(path))


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    out = tmp_path_factory.mktemp("whole")
    rt.top_up(out, POINTS, seed=1, max_errors=5, max_shots=2000)
    first = tmp_path_factory.mktemp("first")
    rt.top_up(first, POINTS[:1], seed=1, max_errors=5, max_shots=2000)
    return _counts(rt.stats_path(out)), (first / "stats.csv").read_bytes()


@pytest.mark.parametrize("where", ["header", "shots", "strong_id", "metadata", "line_end"])
def test_a_top_up_killed_mid_line_is_named_and_resumes_to_the_uninterrupted_rows(tmp_path, whole, where):
    """Old behaviour: cut in its shots, read_stats raised "invalid literal for int()"; cut in the metadata, a
    JSONDecodeError; cut before its line end, the resumed top-up wrote its row onto the cut one and the file read
    ``custom_counts='      2000'`` from then on (the point's row lost). Now the read names the file and the torn
    line, and the resumed top-up drops it, samples its point again and ends with the uninterrupted run's rows."""
    reference, raw = whole
    header = raw.index(b"\n") + 1
    cut = {"header": 30, "shots": header + 5, "strong_id": header + 60, "metadata": len(raw) - 30,
           "line_end": len(raw) - 1}[where]
    path = tmp_path / "stats.csv"
    path.write_bytes(raw[:cut])
    line = 1 if where == "header" else 2
    torn = cut - (0 if line == 1 else header)
    with pytest.raises(ValueError, match=rf"stats\.csv' ends in a torn line {line} \({torn} bytes without a line end"):
        rt.read_stats(str(path))
    with pytest.raises(ValueError, match="torn line"):  # appending would glue the new line onto the torn one
        rt.append_rows(str(path), ["x"])
    assert path.read_bytes() == raw[:cut]
    rt.top_up(tmp_path, POINTS, seed=1, max_errors=5, max_shots=2000)
    assert _counts(str(path)) == reference


def test_whole_lines_are_appended_whole(tmp_path):
    from qnsim.sweeps import append_whole_lines

    path = tmp_path / "a.csv"
    append_whole_lines(path, ["a,b", "1,2"])
    append_whole_lines(path, [])
    append_whole_lines(path, ["3,4"])
    assert path.read_bytes() == b"a,b\n1,2\n3,4\n"


def test_a_rows_point_id_is_checked_against_the_bits_of_its_float_cells():
    """Old behaviour: the check of a row's point_id against its cells hashed each combination of cells once, keyed
    by the values, where -0.0 == 0.0: after a row at x = 0.0, a row at x = -0.0 (another point: its JSON, so its id,
    differs) was checked against 0.0's id, so the right row was refused and a row of 0.0's id under -0.0 passed."""
    from qnsim.sweeps import _IdsOfCells, point_id

    scenario = "0123456789abcdef"

    def row(x, of):
        return {"x": x, "seed": 3, "scenario_id": scenario, "point_id": point_id({"x": of}, 3, scenario)}

    ids = _IdsOfCells()
    assert ids.matches(row(0.0, 0.0), ["x"])
    assert ids.matches(row(-0.0, -0.0), ["x"])
    assert not ids.matches(row(-0.0, 0.0), ["x"])
    assert not ids.matches(row(0.0, -0.0), ["x"])
