"""Results audit, round 27: sweep outputs of two sweeps joined by hand. Each test's docstring says what the old
behaviour was."""

import pytest
import sweep_points

from qnsim import sweeps
from qnsim.sweeps import read_results


def _sweep_rows(grid, seeds=1):
    """The rows a sweep of ``sweep_points.square`` over ``grid`` writes (its own row maker and scenario_id), without
    a process pool."""
    identity = sweeps.scenario_id(sweep_points.square)
    return [
        sweeps._make_row(point, sweep_points.square(point.params, point.seed))
        for point in sweeps.grid_points(grid, seeds, identity)
    ]


def _csv_text(rows):
    """``rows`` as a sweep's CSV holds them: its header (the first row's columns), then a line per row."""
    header = list(rows[0])
    lines = [",".join(header)]
    lines += [",".join(sweeps._format_cell(row.get(k)) for k in header) for row in rows]
    return "\n".join(lines) + "\n"


def test_rows_of_another_sweep_joined_under_this_ones_header_are_refused_naming_the_line(tmp_path, capsys):
    """Old behaviour: the rows of a sweep over ``{"z": [0], "x": [3]}`` appended by hand under the header of one over
    ``{"x": [1, 2], "z": [0]}`` (``tail -n +2 b.csv >> a.csv``: the same scenario and number of columns, the keys in
    another order) were read under the first header: b's x = 3, z = 0 became a point x = 0, z = 3 that no sweep ran,
    which read_results returned, summarize averaged and ``qnsim plot`` drew at x = 0 without a word (a state file
    beside it said only that some rows were of no recorded sweep; copied without it, nothing). A sweep writes each row
    under the point_id of its own cells; a row whose cells give another id is refused by the one reader of result
    files, naming its line, so every reader (resume, read_results, summarize, qnsim plot) refuses it."""
    from qnsim.plot import summarize
    from qnsim.plot_cli import main as plot_main

    a, b = _sweep_rows({"x": [1, 2], "z": [0]}), _sweep_rows({"z": [0], "x": [3]})
    assert list(b[0])[:2] == ["z", "x"]
    joined = tmp_path / "joined.csv"
    joined.write_text(_csv_text(a) + _csv_text(b).split("\n", 1)[1])
    refusal = (
        r"joined.csv' line 4: its point_id '[0-9a-f]{20}' is not the id of its own cells \(x = 0, z = 3, seed = 0\)"
    )
    with pytest.raises(ValueError, match=refusal):
        read_results(joined)
    with pytest.raises(ValueError, match=refusal):
        summarize(joined, "x", ["y"])
    assert plot_main([str(joined), "--out", str(tmp_path / "p.png")]) == 2
    assert "is not the id of its own cells (x = 0, z = 3, seed = 0)" in capsys.readouterr().err
    before = joined.read_bytes()
    with pytest.raises(ValueError, match=refusal):  # resumed: refused before any point runs, the file as it was
        sweeps.sweep(sweep_points.square, {"x": [1, 2], "z": [0]}, out=joined, workers=1, progress=False)
    assert joined.read_bytes() == before

    # Each file alone reads as written, and so does a row whose cell of a key its sweep did not have is blank.
    for name, rows in (("a.csv", a), ("b.csv", b)):
        (tmp_path / name).write_text(_csv_text(rows))
        assert [(r["x"], r["z"], r["y"]) for r in read_results(tmp_path / name)] == [
            (r["x"], r["z"], r["y"]) for r in rows
        ]
    fewer_keys = _sweep_rows({"x": [5]})
    (tmp_path / "blank.csv").write_text(_csv_text(a) + f"5,,{_csv_text(fewer_keys).split(chr(10))[1][2:]}\n")
    read = read_results(tmp_path / "blank.csv")
    assert [(r["x"], r["z"]) for r in read] == [(1, 0), (2, 0), (5, None)]


def test_a_parquet_part_whose_columns_were_renamed_is_refused_naming_the_part(tmp_path):
    """Old behaviour: a Parquet out's part rewritten with two grid columns' names swapped (x and z) read back as the
    points of the swapped values. The same check as a CSV's line: refused, naming the part and the row."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    out = tmp_path / "r.parquet"
    out.mkdir()
    rows = _sweep_rows({"x": [1, 2], "z": [0]})
    pd.DataFrame(rows).to_parquet(out / "part-0.parquet", index=False)
    assert [(r["x"], r["z"]) for r in read_results(out)] == [(1, 0), (2, 0)]
    frame = pd.DataFrame(rows).rename(columns={"x": "z", "z": "x"})[list(rows[0])]
    frame.to_parquet(out / "part-0.parquet", index=False)
    with pytest.raises(ValueError, match=r"part part-0.parquet row 1: its point_id .* \(x = 0, z = 1, seed = 0\)"):
        read_results(out)


def test_a_joined_file_whose_header_line_differs_is_refused(tmp_path):
    """Old behaviour: ``cat a.csv b.csv`` of two sweeps whose headers differ in their keys' order gave a second header
    line that was not a copy of the first (refused only as a copy), read as a row of text cells: a point of x =
    'z'. Its cells (a seed 'seed') are no point's: refused, naming its line."""
    a, b = _sweep_rows({"x": [1], "z": [0]}), _sweep_rows({"z": [0], "x": [3]})
    joined = tmp_path / "cat.csv"
    joined.write_text(_csv_text(a) + _csv_text(b))
    with pytest.raises(ValueError, match=r"cat.csv' line 3: its point_id 'point_id' is not the id of its own cells"):
        read_results(joined)
