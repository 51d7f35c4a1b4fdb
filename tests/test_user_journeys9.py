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


def test_a_hand_built_link_model_needs_its_pair_once():
    """``qnsim.LinkModel(scheme, success_probability, attempt_period_s, fidelity=0.95)`` was refused: a link model
    of one's own had to give its pair three ways (a 4x4 ``state``, its ``bell_diagonal`` and its ``fidelity``) and
    ``mode_success_probability`` beside ``success_probability`` (docs/coming-from-sequence built a Werner matrix by
    hand for it). Old behaviour: TypeError, missing 4 required arguments; now any one of the three gives the others,
    and ``mode_success_probability`` defaults to one mode."""
    werner = qnsim.LinkModel("single_click", success_probability=1e-3, attempt_period_s=1e-6, fidelity=0.95)
    assert werner.bell_diagonal == (0.95, *((1 - 0.95) / 3,) * 3) and werner.mode_success_probability == 1e-3
    assert werner.state == pytest.approx(qnsim.werner_state(0.95), abs=1e-15)
    weights = (0.9, 0.06, 0.04, 0.0)
    diagonal = qnsim.LinkModel("double_click", 0.01, 2e-6, bell_diagonal=weights)
    assert diagonal.fidelity == 0.9 and diagonal.state == pytest.approx(qnsim.bell_diagonal_state(weights), abs=1e-15)
    state = qnsim.bell_diagonal_state(weights)
    of_state = qnsim.LinkModel("double_click", 0.01, 2e-6, state=state)  # the same model however given
    assert of_state.bell_diagonal == pytest.approx(weights, abs=1e-15) and of_state.fidelity == pytest.approx(0.9)
    net = qnsim.Network("bell_diagonal", seed=3)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, link_model=werner)
    net.request("a", "b", num_pairs=20)
    assert net.run(1.0, progress=False).requests[0].num_pairs == 20


@pytest.mark.parametrize(("given", "message"), [
    ({}, r"LinkModel needs the delivered pair: give its state, its bell_diagonal .* or its fidelity"),
    ({"fidelity": 0.9, "bell_diagonal": (0.8, 0.1, 0.1, 0.0)}, r"LinkModel.fidelity 0.9 is not the Phi\+ weight"),
    ({"state": qnsim.werner_state(0.9), "bell_diagonal": (0.8, 0.1, 0.1, 0.0)},
     r"LinkModel.bell_diagonal \(0.8, 0.1, 0.1, 0.0\) is not the Bell diagonal of its state"),
    ({"fidelity": 1.5}, r"LinkModel.fidelity must be in \[0, 1\] \(within the tolerance 1e-09\), got 1.5"),
])
def test_a_hand_built_link_model_whose_figures_disagree_is_refused(given, message):
    """The figures not given are derived, and those given together must agree: a pair given two ways that differ,
    no pair at all (before: "missing 4 required positional arguments", naming no pair) or a fidelity that is no
    probability is refused, naming the figures."""
    with pytest.raises(ValueError, match=message):
        qnsim.LinkModel("single_click", 1e-3, 1e-6, **given)


def test_a_scenario_link_model_table_takes_its_fidelity_alone(tmp_path):
    """A scenario's ``[links.link_model]`` table was refused without ``state`` (a 4x4 real/imag table),
    ``bell_diagonal``, ``fidelity`` and ``mode_success_probability``. Old behaviour: "link_model.state is required by
    LinkModel"; now the table reads as the constructor does: a fidelity alone is a Werner pair."""
    from qnsim.link_builder import link_model_from_table

    model = link_model_from_table({"scheme": "single_click", "success_probability": 0.01, "attempt_period_s": 1e-6,
                                   "fidelity": 0.92})
    assert model == qnsim.LinkModel("single_click", 0.01, 1e-6, fidelity=0.92)


def _small_report():
    from qnsim.estimate import QPU, Link, estimate

    return estimate("CX 0 1\nCX 0 2\nCX 0 2", [QPU(num_qubits=2)] * 3,
                    [Link((0, 1), 1e3, 0.99), Link((0, 2), 10.0, 0.99)], placement=[0, 1, 2])


def test_an_estimate_report_is_plotted_with_its_own_figures(tmp_path):
    """A systems planner had no plot of an estimate report (the tutorial drew its own from the JSON). Old behaviour:
    no such function; now :func:`qnsim.plot.plot_estimate` draws, per link, the table's need/s and gives/s (log axis,
    tightest margin first, a margin below 1x in red), the wall clock beside compute, links and latency, and qubits
    per QPU, from a report, its JSON text or a saved --json file alike."""
    pytest.importorskip("matplotlib")
    from matplotlib.colors import to_hex

    from qnsim.plot import plot_estimate

    report = _small_report()
    saved = tmp_path / "report.json"
    saved.write_text(report.to_json())
    rows = report._delivery_rows()  # the text table's own figures, tightest margin first
    for given in (report, report.to_json(), str(saved), saved):
        figure = plot_estimate(given)
        links, times, qubits = figure.axes
        assert [t.get_text() for t in links.get_xticklabels()] == [f"{lk.qpus[0]}-{lk.qpus[1]}" for _, lk in rows]
        bars = links.patches
        assert [b.get_height() for b in bars[: len(rows)]] == pytest.approx([r[0][0] for r in rows])  # need/s
        assert [b.get_height() for b in bars[len(rows):]] == pytest.approx([r[0][1] for r in rows])  # gives/s
        stalls = [to_hex(b.get_facecolor()) == to_hex("tab:red") for b in bars[len(rows):]]
        assert stalls == [r[0][2] < 1 for r in rows] and any(stalls)
        assert links.get_yscale() == "log" and times.get_xscale() == "log"
        seconds = [report.time_local_s, report.time_link_s, report.time_latency_s, report.wall_clock_s]
        # A time of 0 (no latency here) has no bar on the log axis; its label gives it.
        assert [b.get_width() for b in times.patches] == pytest.approx([t or float("nan") for t in seconds],
                                                                       nan_ok=True)
        assert [t.get_text() for t in times.get_yticklabels()][2] == f"latency: {report.time_latency_s:.3g} s"
        # The workload's qubits, then the link memories on them (drawn since round 19's capacities).
        memories = [n - w for n, w in zip(report.physical_qubits_per_qpu, report.qubits_per_qpu)]
        assert [b.get_height() for b in qubits.patches] == report.qubits_per_qpu + memories
    plot_estimate(report, out=tmp_path / "e.png")
    assert (tmp_path / "e.png").stat().st_size > 1000


@pytest.mark.slow  # the links file calibrates its link by a 0.2 s simulation: 1-3 s under load
def test_qnsim_plot_and_estimate_plot_draw_an_estimate_report(tmp_path, capsys):
    """``qnsim plot report.json`` (a saved ``qnsim estimate --json``) said "expected a sweep's .csv file or .parquet
    directory", and ``qnsim estimate`` had no ``--plot``. Old behaviour: status 2 / an unknown option; now both draw
    the report; sweep options on a report are refused, naming them."""
    pytest.importorskip("matplotlib")
    from qnsim.cli import main

    report = tmp_path / "report.json"
    report.write_text(_small_report().to_json())
    assert main(["plot", str(report)]) == 0
    assert f"plotted the estimate report {report} -> {tmp_path / 'report.png'}" in capsys.readouterr().err
    assert (tmp_path / "report.png").stat().st_size > 1000
    assert main(["plot", str(report), "--y", "rate_hz"]) == 2
    assert "is an estimate report: --y apply to a sweep's rows" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text("{verdict")  # the decoder said "Expecting property name ...", naming no file
    assert main(["plot", str(broken)]) == 2
    assert f"{broken}: report JSON cannot be read (cut short or edited?): Expecting" in (
        capsys.readouterr().err)
    summary = tmp_path / "w.toml"
    summary.write_text("logical_qubits = 4\nt_count = 100\n")
    image = tmp_path / "estimate.png"
    code = main(["estimate", str(summary), "--links", os.path.join(EXAMPLES, "estimate", "links.toml"), "--plot",
                 str(image)])
    assert code in (0, 1) and image.stat().st_size > 1000
    assert f"plotted the estimate -> {image}" in capsys.readouterr().err


def test_an_estimate_plot_without_matplotlib_says_what_to_install(tmp_path, monkeypatch, capsys):
    """Without matplotlib, ``qnsim estimate --plot`` must say so before estimating (an estimate can take minutes),
    naming the extra; a JSON file that is no estimate report is refused by the report's reader."""
    import importlib.util
    import sys

    from qnsim.cli import main
    from qnsim.plot import plot_estimate

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    summary = tmp_path / "w.toml"
    summary.write_text("logical_qubits = 4\nt_count = 100\n")
    assert main(["estimate", str(summary), "--links", os.path.join(EXAMPLES, "estimate", "links.toml"), "--plot",
                 str(tmp_path / "e.png")]) == 2
    captured = capsys.readouterr()
    assert "qnsim estimate --plot needs matplotlib, which is not installed: pip install 'qnsim[plot]'" in captured.err
    assert captured.out == ""  # refused before the estimate ran
    monkeypatch.delitem(sys.modules, "matplotlib")
    if importlib.util.find_spec("matplotlib") is not None:
        # A directory for the image is refused before the estimate too, naming --plot.
        assert main(["estimate", str(summary), "--links", os.path.join(EXAMPLES, "estimate", "links.toml"),
                     "--plot", str(tmp_path)]) == 2
        captured = capsys.readouterr()
        assert f"--plot {str(tmp_path)!r} is a directory" in captured.err and captured.out == ""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"plot_estimate needs matplotlib"):
        plot_estimate(_small_report())
    monkeypatch.delitem(sys.modules, "matplotlib")
    pytest.importorskip("matplotlib")
    with pytest.raises((ValueError, TypeError), match=r"verdict|schema|report"):
        plot_estimate('{"rows": [1, 2]}')


def test_a_request_note_holding_a_semicolon_stays_with_its_request_when_another_is_drawn():
    """Old behaviour: ``qnsim plot --y 'a->b.rate_hz'`` picked the drawn request's notes by splitting the row's notes
    on "; " itself, so a note of c->d whose own text holds "; " followed by "a->b: ..." lent that half to a->b and
    dropped the rest: the plot said 'a->b: shares its memories', a sentence of c->d's note. The notes are read as
    ``split_notes`` reads them (a note's own ";" doubled), whole."""
    from qnsim._row_notes import join_notes
    from qnsim.plot import _notes_of_drawn

    text = join_notes(["run ended", "c->d: wide; a->b: shares its memories", "a->b: NOT ENTANGLED"])
    assert _notes_of_drawn(text, ["a->b", "c->d"], {"a->b"}) == join_notes(["run ended", "a->b: NOT ENTANGLED"])
    assert _notes_of_drawn(text, ["a->b", "c->d"], {"c->d"}) == join_notes(
        ["run ended", "c->d: wide; a->b: shares its memories"])
