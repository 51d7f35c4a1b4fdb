"""Determinism audit, round 5: what a user keeps and diffs is the same for the same inputs: the images a plot
writes (whatever the hour, the file's name or the format), and the rows of a results file read without the state
that recorded its sweeps (whatever order its points finished in)."""

import csv
import gzip

import pytest
import sweep_points

from qnsim.sweeps import read_results, sweep

# --- plots -----------------------------------------------------------------------------------------------------


def _rows():
    return [{"x": x, "y": x * x + s / 10, "seed": s} for x in (1.0, 2.0, 3.0) for s in (0, 1)]


def test_one_plot_saved_at_two_hours_under_two_names_is_one_file(tmp_path, monkeypatch):
    """Old behaviour: plot_sweep (and plot_estimate, ``qnsim plot``) saved through matplotlib's defaults, which
    stamp an SVG, a PDF and a PostScript file with the time of the save (an SVG also names its elements from a
    fresh random salt, a PostScript file carries its own file name, here a temporary one with a random part, and
    a gzipped SVG's header holds a time): the same rows plotted twice gave two different files in every format
    but PNG, so a user who kept plots under version control or compared them saw a change where nothing had
    changed. The hour is set here as matplotlib reads it ($SOURCE_DATE_EPOCH), a year apart. plot_sweep saves
    the SVG; the other formats go through the same save (every plot's) from the figure it returned, drawn anew
    at each hour (a figure saved twice may differ by its layout's second pass, which is not what is tested)."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    import matplotlib.pyplot as plt

    from qnsim.plot import _save_whole, plot_sweep

    formats = ("svg", "pdf", "eps", "svgz")  # PNG carries no date: it was one file already
    images = {}
    for name, epoch in (("first", "0"), ("second", str(400 * 86400))):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        figure = plot_sweep(_rows(), "x", ["y"], out=tmp_path / f"{name}.svg")
        for fmt in formats[1:]:
            _save_whole(figure, tmp_path / f"{name}.{fmt}")
        plt.close(figure)
        images[name] = {fmt: (tmp_path / f"{name}.{fmt}").read_bytes() for fmt in formats}
    changed = [fmt for fmt in formats if images["first"][fmt] != images["second"][fmt]]
    assert not changed
    for fmt, data in images["first"].items():
        data = gzip.decompress(data) if fmt == "svgz" else data
        assert data[:4] in (b"<?xm", b"%PDF", b"%!PS"), (fmt, data[:20])
        assert b"%%CreationDate" not in data and b"first" not in data, fmt


# --- results read without their state --------------------------------------------------------------------------


def _file_order(out):
    with open(out, newline="") as f:
        return [(float(r["x"]), int(r["seed"])) for r in csv.DictReader(f)]


@pytest.mark.slow
def test_rows_read_without_their_state_come_in_one_order_however_their_points_finished(tmp_path):
    """Old behaviour: read_results gave the rows of no recorded sweep in file order, the order their points
    finished: a sweep's CSV copied (or mailed) without its ``.sweep.json`` read [(0, 1), (1, 0), ..., (0, 0)]
    from a 2-worker pool, [(0, 0), (0, 1), ...] from a serial run: one sweep, two lists (and the rows of sweeps
    merged out of a long state the same). They now come by their grid values, then seed: the serial run's point
    order for a grid listed in increasing order, and one list for one set of rows whatever wrote them."""
    grid = {"x": [0.0, 1.0, 2.0, 3.0]}
    reads = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}.csv"
        returned = sweep(
            sweep_points.late_first, grid, seeds=2, out=out, workers=workers, progress=False, as_frame=False
        )
        out.with_name(out.name + ".sweep.json").unlink()  # the file alone, as copied elsewhere
        reads[workers] = read_results(out)
        assert reads[workers] == returned, workers
    # The first point finished last on 2 workers; the finished sweep put the file in point order (results round 21).
    assert _file_order(tmp_path / "w2.csv") == [(r["x"], r["seed"]) for r in reads[2]]
    assert reads[1] == reads[2]


def test_rows_of_no_recorded_sweep_sort_by_value_and_type_then_seed(tmp_path):
    """The order given to rows of no recorded sweep, on a file written in reverse point order: numbers by value
    (an int beside a float compared as numbers), text after numbers, then the seed; each column in its header
    order (the first grid column slowest). Before, they read back in the file's (reverse) order."""
    out = tmp_path / "r.csv"
    sweep(
        sweep_points.counts_presets,
        {"x": [3, 2.5, 1, "t"], "z": [1, 0]},
        seeds=[1, 0],
        out=out,
        workers=1,
        progress=False,
        as_frame=False,
    )
    out.with_name(out.name + ".sweep.json").unlink()
    lines = out.read_text().splitlines()
    out.write_text("\n".join([lines[0], *lines[1:][::-1]]) + "\n")
    rows = read_results(out)
    assert [(r["x"], r["z"], r["seed"]) for r in rows] == [
        (x, z, s) for x in (1, 2.5, 3, "t") for z in (0, 1) for s in (0, 1)
    ]
