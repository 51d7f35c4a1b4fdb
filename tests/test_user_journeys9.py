"""The users' journeys, round 9 (each test's docstring gives the old behaviour)."""

from __future__ import annotations

import os

import pytest

import qnsim

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")


def _two_request_rows():
    """Rows of a two-request sweep: a->b NOT ENTANGLED at 20 km, c->d fine everywhere but one note of its own."""
    rows = []
    for km in (5, 20):
        for seed in (0, 1):
            notes = ["the run stopped at until_s"]
            if km == 20:
                notes.append("a->b: NOT ENTANGLED: mean fidelity 0.41 <= 1/2")
            notes.append("c->d: 3 of 5 pairs; unfinished" if km == 5 else None)
            rows.append({"links.*.length_km": km, "seed": seed, "a->b.rate_hz": 10.0 / km,
                         "a->b.mean_fidelity": 0.9 if km == 5 else 0.41, "c->d.rate_hz": 11.0 / km,
                         "c->d.mean_fidelity": 0.98, "rate_hz": 10.0 / km,
                         "mean_fidelity": 0.9 if km == 5 else 0.41,
                         "notes": "; ".join(n for n in notes if n)})
    return rows


def test_a_plot_of_the_second_request_says_its_own_notes_not_the_firsts():
    """``qnsim plot rows.csv --y 'c->d.rate_hz'`` of the README's two-request sweep said "note: ... a->b: NOT
    ENTANGLED" (the first request's, transmon memories at 20 km) under a plot of the second request, whose pairs are
    entangled. Old behaviour: the rows' notes of every request; now only the run's and those of the request drawn
    (a note holding "; " stays whole). The unprefixed (first request's) figures keep the first request's notes."""
    pytest.importorskip("pandas")
    from qnsim.plot import summarize

    rows = _two_request_rows()
    second = " ".join(summarize(rows, "links.*.length_km", ["c->d.rate_hz"]).attrs["notes"])
    assert "NOT ENTANGLED" not in second and "c->d: 3 of 5 pairs; unfinished" in second
    first = " ".join(summarize(rows, "links.*.length_km", ["rate_hz", "mean_fidelity"]).attrs["notes"])
    assert "a->b: NOT ENTANGLED" in first and "c->d: 3 of 5" not in first
    both = " ".join(summarize(rows, "links.*.length_km", ["a->b.rate_hz", "c->d.rate_hz"]).attrs["notes"])
    assert "a->b: NOT ENTANGLED" in both and "c->d: 3 of 5 pairs" in both


def test_qnsim_plot_of_the_second_request_prints_no_note_of_the_first(tmp_path, capsys):
    """The same through ``qnsim plot --y`` (stderr): the first request's NOT ENTANGLED was printed under the second's
    plot. Old behaviour: that note; now none."""
    pytest.importorskip("matplotlib")
    import pandas as pd

    from qnsim.cli import main

    rows = tmp_path / "rows.csv"
    pd.DataFrame(_two_request_rows()).to_csv(rows, index=False)
    assert main(["plot", str(rows), "--y", "c->d.rate_hz", "--out", str(tmp_path / "c.png")]) == 0
    err = capsys.readouterr().err
    assert "NOT ENTANGLED" not in err and "c->d: 3 of 5 pairs" in err
    assert main(["plot", str(rows), "--out", str(tmp_path / "a.png")]) == 0
    assert "a->b: NOT ENTANGLED" in capsys.readouterr().err
