"""plot_sweep: returns the Figure, draws into given Axes, labels units, keeps zero-rate points
visible; `qnsim plot` draws a sweep's rows."""

import math

import pytest
from scenarios import two_node_scenario

from qnsim.cli import main as cli_main
from qnsim.plot import axis_label, column_unit, plot_sweep

pytest.importorskip("matplotlib", reason="plot_sweep needs matplotlib (pip install 'qnsim[plot]')")

ROWS = [
    {"links.*.length_km": L, "seed": s, "rate_hz": 0.0 if L == 80 else 100.0 / L + s,
     "mean_fidelity": math.nan if L == 80 else 0.9, "up.mean_latency_s": 1e-3}
    for L in (10, 20, 40, 80) for s in (0, 1)
]  # fmt: skip


def test_units_come_from_the_specs_and_names():
    assert column_unit("links.*.length_km") == "km"
    assert column_unit("nodes.qpu_a.t2_s") == "s"
    assert column_unit("links.a-b.attenuation_db_per_km") == "dB/km"
    assert column_unit("run.until_s") == "s"
    assert column_unit("requests.up.num_pairs") == ""
    assert axis_label("up.mean_latency_s") == "up.mean_latency_s (s)"
    assert axis_label("a->b.rate_hz") == "a->b.rate_hz (Hz)"


def test_returns_the_figure_with_labelled_axes():
    figure = plot_sweep(ROWS, x="links.*.length_km", y=["rate_hz", "mean_fidelity", "up.mean_latency_s"])
    assert [a.get_ylabel() for a in figure.axes] == ["rate_hz (Hz)", "mean_fidelity", "up.mean_latency_s (s)"]
    assert figure.axes[-1].get_xlabel() == "links.*.length_km (km)"


def test_zero_rates_stay_visible_on_a_log_axis():
    figure = plot_sweep(ROWS, x="links.*.length_km", logy=["rate_hz"])
    rate, fidelity = figure.axes
    zero_markers = [line for line in rate.lines if line.get_marker() == "v"]
    assert len(zero_markers) == 1 and list(zero_markers[0].get_xdata()) == [80]
    assert zero_markers[0].get_ydata()[0] == pytest.approx(rate.get_ylim()[0])
    assert "0 (drawn at the bottom edge)" in [t.get_text() for t in rate.get_legend().get_texts()]
    # Fidelity without pairs does not exist: left out, and the panel says so.
    assert "1 point(s) without a value omitted" in [t.get_text() for t in fidelity.texts]


def test_zero_rates_on_a_linear_axis_are_plain_points():
    figure = plot_sweep(ROWS, x="links.*.length_km", y="rate_hz")
    (line,) = [ln for ln in figure.axes[0].lines if ln.get_marker() == "o"]
    assert 0.0 in list(line.get_ydata())


def test_draws_into_given_axes():
    from matplotlib.figure import Figure

    figure = Figure()
    ax = figure.subplots()
    assert plot_sweep(ROWS, x="links.*.length_km", y="rate_hz", ax=ax) is figure
    assert ax.get_ylabel() == "rate_hz (Hz)"
    with pytest.raises(ValueError, match=r"ax= gives 1 Axes for 2 y columns"):
        plot_sweep(ROWS, x="links.*.length_km", ax=ax)


def test_qnsim_plot_draws_a_sweep(tmp_path, capsys):
    toml = tmp_path / "s.toml"
    toml.write_text(two_node_scenario(0.01, length_km=1.0, rate_hz=1000.0))
    rows = tmp_path / "rows.csv"
    assert cli_main(["sweep", str(toml), "--param", "links.a-b.rate_hz=500,2000", "--seeds", "2", "--out", str(rows),
                     "--workers", "1", "--no-progress"]) == 0
    assert cli_main(["plot", str(rows), "--logy", "rate_hz"]) == 0
    assert (tmp_path / "rows.png").read_bytes()[:4] == b"\x89PNG"
    assert "against links.a-b.rate_hz (4 rows)" in capsys.readouterr().err
    out = tmp_path / "lat.png"
    args = ["plot", str(rows), "--x", "links.a-b.rate_hz", "--y", "a->b.mean_latency_s", "--out", str(out)]
    assert cli_main(args) == 0
    assert out.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["nope.csv"], "nope.csv: no such results file"),
        (["ROWS", "--y", "rate"], r"--y rate: .* has no column 'rate'"),  # (the option named: round 18)
        (["ROWS", "--x", "lenght"], r"--x lenght: .* has no column 'lenght'"),
        (["ROWS", "--logy", "pairs"], r"--logy pairs: "),
        (["ROWS", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_qnsim_plot_failures_are_one_line(tmp_path, capsys, args, message):
    import re

    rows = tmp_path / "rows.csv"
    rows.write_text("length,seed,rate_hz,mean_fidelity\n1,0,1.0,0.9\n")
    args = [str(rows) if a == "ROWS" else a for a in args]
    assert cli_main(["plot", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qnsim plot: error: ") and err.count("\n") == 1 and re.search(message, err)


def test_an_unprefixed_figure_of_several_requests_names_its_request():
    """Rows of a scenario with two requests: `rate_hz` repeats the first request's figure. The panel
    said only "rate_hz (Hz)", so a plot of two_qpus_transducers.toml did not say it showed the
    transmon pair (qpu_a->qpu_b) rather than the 10 ms one; now the label names the request, and the
    title says "5 seed(s)" rather than "up to 5" when every point has them."""
    rows = [
        {"links.*.length_km": L, "seed": s, "a->b.rate_hz": 10.0 / L + s, "c->d.rate_hz": 20.0 / L + s,
         "rate_hz": 10.0 / L + s, "mean_fidelity": 0.9, "a->b.mean_fidelity": 0.9, "c->d.mean_fidelity": 0.8}
        for L in (10, 20) for s in (0, 1)
    ]  # fmt: skip
    figure = plot_sweep(rows, x="links.*.length_km")
    assert [a.get_ylabel() for a in figure.axes] == ["rate_hz (Hz)\nrequest a->b", "mean_fidelity\nrequest a->b"]
    assert figure._suptitle.get_text() == "mean over 2 seed(s), bars: 95% interval of the mean (Student t)"
    # One request, or a column of its own: nothing to say.
    single = [{k: v for k, v in r.items() if not k.startswith("c->d")} for r in rows]
    assert [a.get_ylabel() for a in plot_sweep(single, x="links.*.length_km").axes] == ["rate_hz (Hz)", "mean_fidelity"]
    assert plot_sweep(rows, x="links.*.length_km", y=["c->d.rate_hz"]).axes[0].get_ylabel() == "c->d.rate_hz (Hz)"


def test_points_of_one_seed_draw_the_rows_own_intervals():
    """A QEC sweep's rows carry a 95% interval of their own (per_round_low / per_round_high) and one seed per
    point: the plot drew no bar at all ("mean over 1 seed(s), bars: standard error" over "8 point(s) rest on a
    single seed: no bar"), hiding how uncertain a point of 87 errors or of 481 is. Now those points draw
    the rows' interval, and the title says what the bars are."""
    rows = [
        {"rate_multiplier": m, "distance": d, "seed": 0, "per_round": p,
         "per_round_low": p / 2, "per_round_high": p * 3}
        for (m, d, p) in [(1, 3, 0.1), (100, 3, 0.01), (1, 5, 0.2), (100, 5, 0.001)]
    ]  # fmt: skip
    figure = plot_sweep(rows, x="rate_multiplier", y="per_round", hue="distance", logy=["per_round"])
    assert figure._suptitle.get_text() == "one seed per point, bars: the rows' 95% intervals"
    bars = [c for c in figure.axes[0].collections if len(c.get_segments())]
    spans = sorted(round(seg[1][1] - seg[0][1], 6) for c in bars for seg in c.get_segments())
    assert spans == sorted(round(p * 3 - p / 2, 6) for p in (0.1, 0.01, 0.2, 0.001))
    plain = [{k: v for k, v in r.items() if not k.endswith(("_low", "_high"))} for r in rows]
    assert plot_sweep(plain, x="rate_multiplier", y="per_round", hue="distance")._suptitle.get_text() == (
        "one seed per point, no error bars"
    )
