"""Bad input, round 39: the whole public API, systematically. Hand-edited result cells out of a float's range read
back as 0.0 or inf, specs whose attributes could be changed after they were checked, and the progress a batch run's
log showed (none)."""

from __future__ import annotations

import pytest

from qnsim.sweeps import example_point, read_results, sweep

# --- 1. result cells beyond a float's range ---


def _tiny_text_point(length_km: float, seed: int) -> dict:
    return {"label": "1e-400"}


@pytest.fixture
def rows_csv(tmp_path):
    path = tmp_path / "r.csv"
    sweep(example_point, {"length_km": [10.0, 20.0]}, out=str(path), workers=1, progress=False)
    return path


def _edit_cell(path, column: str, text: str) -> None:
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index(column)] = text
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(("text", "reads_as"), [("1e-400", "0.0"), ("-1e-400", "-0.0"), ("1e400", "inf"),
                                                ("-1E400", "-inf"), ("2e-324", "0.0")])  # fmt: skip
def test_a_result_cell_beyond_a_floats_range_is_refused_naming_the_cell(rows_csv, text, reads_as) -> None:
    """Old behaviour: read_results (and qnsim plot, a resume) read a result cell edited to 1e-400 as 0.0 and 1e400 as
    inf, values the sweep never wrote; only grid cells were protected (by their point id)."""
    _edit_cell(rows_csv, "mean_fidelity", text)
    with pytest.raises(ValueError, match=rf"line 2, column 'mean_fidelity': '{text}' is beyond the range of a float.*"
                                         rf"would read as {reads_as}"):  # fmt: skip
        read_results(rows_csv)


@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "0.0", "-0.0", "0e10", "5e-324", "1.7976931348623157e308"])
def test_a_result_cell_a_float_holds_reads_back_as_written(rows_csv, text) -> None:
    """The range check refuses no value a float holds (infinities and zeros as written, the least subnormal)."""
    _edit_cell(rows_csv, "mean_fidelity", text)
    got = read_results(rows_csv)[0]["mean_fidelity"]
    assert repr(got) == repr(float(text))


def test_qnsim_plot_names_the_out_of_range_cell(rows_csv, tmp_path, capsys) -> None:
    """Old behaviour: `qnsim plot` drew a result cell edited to 1e-400 as 0."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    from qnsim import cli

    _edit_cell(rows_csv, "rate_hz", "1e-400")
    code = cli.main(["plot", str(rows_csv), "--out", str(tmp_path / "p.png")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "column 'rate_hz': '1e-400' is beyond the range of a float" in err


def test_a_point_returning_text_beyond_a_floats_range_is_refused_by_a_csv_out(tmp_path) -> None:
    """A text cell "1e-400" reads back as no value at all now; the sweep's write check still refuses it as a cell
    that would not read back as itself (it read back as 0.0 before)."""
    from qnsim.sweeps import SweepError

    with pytest.raises(SweepError, match=r"'label' = str '1e-400' would read back from a CSV out as a refusal"):
        sweep(_tiny_text_point, {"length_km": [1.0]}, out=str(tmp_path / "t.csv"), workers=1, progress=False)
