"""Results audit 53: a table without point ids that holds one seed twice at one x.

Before: ``summarize``/``qnsim plot`` checked a seed given twice at one x only for a sweep's rows (with
``point_id``). A hand-made CSV (or a sweep's columns selected without ``point_id``) with two rows of seed 0 at
L = 10 was averaged as two seeds: the mean weighed one run twice, or two settings as if they were seeds, and the
standard error shrank as if more seeds had run.
"""

from __future__ import annotations

import pytest

from qnsim.cli import main as cli_main
from qnsim.plot import summarize

pytest.importorskip("pandas")


def test_a_seed_twice_at_one_x_is_refused_by_name():
    rows = [{"L": 10, "seed": 0, "rate_hz": 1.0}, {"L": 10, "seed": 0, "rate_hz": 3.0},
            {"L": 20, "seed": 0, "rate_hz": 5.0}]
    with pytest.raises(ValueError, match=r"seed 0 appears in more than one row at L = 10 \(2 such rows"):
        summarize(rows, "L", ["rate_hz"])


def test_two_settings_under_one_seed_are_refused_and_plot_apart_as_hue():
    """Two policies' rows at one L and seed: averaged as two seeds before; as hue they are two curves."""
    rows = [{"L": 10, "policy": p, "seed": s, "rate_hz": r}
            for p, base in (("a", 1.0), ("b", 9.0)) for s, r in ((0, base), (1, base + 1))]
    with pytest.raises(ValueError, match=r"--hue|hue"):
        summarize(rows, "L", ["rate_hz"])
    table = summarize(rows, "L", ["rate_hz"], hue="policy")
    assert sorted(table["rate_hz_mean"].tolist()) == [1.5, 9.5]
    assert table["rate_hz_n"].tolist() == [2, 2]


def test_distinct_seeds_and_one_seed_at_several_x_are_plain_points():
    rows = [{"L": L, "seed": s, "rate_hz": float(L + s)} for L in (10, 20) for s in (0, 1, 2)]
    table = summarize(rows, "L", ["rate_hz"])
    assert table["rate_hz_mean"].tolist() == [11.0, 21.0]
    assert table["rate_hz_n"].tolist() == [3, 3]


def test_a_table_without_a_seed_column_is_not_checked():
    """Without a seed column the rows are taken as repeats (nothing names them the same run)."""
    rows = [{"L": 10, "rate_hz": 1.0}, {"L": 10, "rate_hz": 3.0}]
    assert summarize(rows, "L", ["rate_hz"])["rate_hz_mean"].tolist() == [2.0]


def test_qnsim_plot_of_a_hand_made_csv_says_so_in_one_line(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    csv = tmp_path / "rows.csv"
    csv.write_text("L,seed,rate_hz\n10,0,1.0\n10,0,3.0\n10,1,2.0\n")
    assert cli_main(["plot", str(csv), "--x", "L", "--y", "rate_hz"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qnsim plot: error: ") and err.count("\n") == 1
    assert "seed 0 appears in more than one row at L = 10" in err
    assert not (tmp_path / "rows.png").exists()
