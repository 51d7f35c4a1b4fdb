"""The users' journeys, round 7: what round 6 left (rate intervals in sweep rows and plots, the scenario's remarks
in ``qnsim plot``, a threshold verdict in ``qnsim qec link``, the examples' wording and files)."""

from __future__ import annotations

import math
import os
import sys

import pytest
from scenarios import two_node_scenario
from script_modules import import_script

import qnsim

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")
SCENARIO = os.path.join(EXAMPLES, "two_qpus_transducers.toml")


def _example(relative: str):
    """Imports an example script as a module (its directory on sys.path while it loads)."""
    return import_script(os.path.join(EXAMPLES, relative))


def test_the_grid_example_says_one_hop(monkeypatch, capsys):
    """``python examples/grid_requests.py`` listed request 15 (r8c8 -> r8c7, neighbours) as "(1 hops)". Old
    behaviour: that text; now "(1 hop)", and the others still "(N hops)"."""
    module = _example("grid_requests.py")
    monkeypatch.setattr(sys, "argv", ["grid_requests.py"])
    module.main()
    out = capsys.readouterr().out
    assert "(1 hops)" not in out and "(1 hop)" in out and "(10 hops)" in out


def test_the_distributed_memory_example_writes_its_plot_where_asked(tmp_path, monkeypatch, capsys):
    """examples/qec/distributed_memory.py saved distributed_memory.png inside examples/qec (beside itself, where
    git ignores it). Old behaviour: no choice, and a path in the source tree; now ``--out`` (a file or a
    directory), by default the current directory, checked before the sampling, and the path is printed."""
    pytest.importorskip("matplotlib")
    module = _example(os.path.join("qec", "distributed_memory.py"))
    monkeypatch.chdir(tmp_path)
    assert module.plot_path("distributed_memory.png") == str(tmp_path / "distributed_memory.png")
    (tmp_path / "figs").mkdir()
    assert module.plot_path("figs") == str(tmp_path / "figs" / "distributed_memory.png")
    with pytest.raises(SystemExit, match="no directory"):
        module.plot_path("missing/m.png")
    with pytest.raises(SystemExit, match="no suffix"):
        module.plot_path("figs/memory")
    links = {"10 ms memories": None}
    results = {
        ("10 ms memories", d, m): (1e3 * m, qnsim.qec.LogicalErrorEstimate(20_000, 2 + 3000 // (m * d), d), None)
        for d in module.DISTANCES
        for m in module.MULTIPLIERS
    }
    target = str(tmp_path / "figs" / "m.png")
    module._plot(results, links, target)
    assert os.path.getsize(target) > 1000 and f"plot -> {target}" in capsys.readouterr().out


def _few_pairs_toml(success_probability: float | None = None) -> str:
    """A 1 kHz link of F = 0.95 (no fiber; ``success_probability`` per attempt when given) and one request of 3 pairs,
    run for 1 s in bell_diagonal."""
    return two_node_scenario(1.0, formalism="bell_diagonal", length_km=0.0, rate_hz=1e3, fidelity=0.95,
                             success_probability=success_probability) + "num_pairs = 3\n"


def _few_pairs_sweep(tmp_path, success_probability: float | None) -> str:
    """``qnsim sweep`` of a 1 kHz link over num_pairs = 3, 200, one seed; returns the rows' path."""
    from qnsim.cli import main

    path = tmp_path / "few.toml"
    path.write_text(_few_pairs_toml(success_probability))
    out = str(tmp_path / "rows.csv")
    argv = ["sweep", str(path), "--param", "requests.0.num_pairs=3,200", "--seeds", "1", "--out", out, "--no-progress"]
    assert main(argv) == 0
    return out


def test_sweep_rows_carry_the_rates_interval_and_a_one_seed_plot_draws_it(tmp_path, capsys):
    """A sweep of one seed over num_pairs on a 1 kHz link (p = 0.05 per attempt): the 3-pair point's rate (845 Hz
    here) has a 95% interval of 174 Hz to 2.0 kHz, which the rows held only in their notes' text, and ``qnsim
    plot`` drew both points without a bar ("one seed per point, no error bars"), the 3-pair one looking as firm as
    the 200-pair one. Old behaviour: no interval columns, no bar; now ``rate_hz_low`` / ``rate_hz_high`` (and per
    request), which summarize and the plot draw for one-seed points, and the title says which panels have bars."""
    from qnsim.cli import main
    from qnsim.plot import plot_sweep, summarize
    from qnsim.sweeps import read_results

    out = _few_pairs_sweep(tmp_path, 0.05)
    rows = sorted(read_results(out), key=lambda row: row["requests.0.num_pairs"])
    for row, num_pairs in zip(rows, (3, 200)):
        assert row["a->b.rate_hz_low"] == row["rate_hz_low"] < row["rate_hz"] < row["rate_hz_high"]
        assert row["a->b.rate_hz_high"] == row["rate_hz_high"] and row["pairs"] == num_pairs
    few, many = rows
    assert few["rate_hz_high"] / few["rate_hz_low"] > 5 > 1.5 > many["rate_hz_high"] / many["rate_hz_low"]
    table = summarize(out, "requests.0.num_pairs", ["rate_hz", "mean_fidelity"])
    assert table["rate_hz_low"].tolist() == [few["rate_hz_low"], many["rate_hz_low"]]
    own = "their bars are the rows' own 95% intervals (rate_hz_low, rate_hz_high)"
    assert any(own in note for note in table.attrs["notes"])
    png = str(tmp_path / "p.png")
    assert main(["plot", out, "--out", png]) == 0
    assert "their bars are the rows' own 95% intervals" in capsys.readouterr().err
    figure = plot_sweep(out, x="requests.0.num_pairs")
    # Both panels: the fidelity's one-seed points draw their rows' fidelity_ci95 too (users' journeys 20).
    title = "one seed per point, bars: the rows' 95% intervals"
    assert figure._suptitle.get_text().replace("\n", " ") == title  # wrapped to the figure's width
    assert max(len(line) for line in figure._suptitle.get_text().split("\n")) <= 75
    bars = [c for c in figure.axes[0].collections if len(c.get_segments())]
    spans = sorted(seg[1][1] - seg[0][1] for c in bars for seg in c.get_segments())
    assert spans == pytest.approx(sorted(row["rate_hz_high"] - row["rate_hz_low"] for row in rows))


def test_an_exact_rate_is_its_own_interval(tmp_path):
    """A link given a rate alone heralds every attempt: the deliveries keep a fixed schedule and the rate is
    exact (RequestResult.rate_interval95 is None), so both interval cells hold the rate itself: its bar has no
    width, and the rows stay equal to themselves (NaN cells made a resumed sweep's rows differ from the ones it
    wrote)."""
    from qnsim.plot import summarize
    from qnsim.sweeps import read_results

    out = _few_pairs_sweep(tmp_path, None)
    rows = read_results(out)
    assert all(row["rate_hz"] == row["rate_hz_low"] == row["rate_hz_high"] == 1e3 for row in rows)
    table = summarize(out, "requests.0.num_pairs", ["rate_hz"])
    assert table["rate_hz_low"].tolist() == table["rate_hz_high"].tolist() == [1e3, 1e3]
    assert _few_pairs_sweep(tmp_path, None) == out and read_results(out) == rows  # resumed: the same rows


def test_summarize_says_when_a_one_seed_row_has_no_interval():
    """Rows whose interval cells are empty (a rate without a window) draw no bar, and the note says why rather than
    claiming the rows' intervals as their bars."""
    from qnsim.plot import plot_sweep, summarize

    rows = [{"x": x, "seed": 0, "rate_hz": r, "rate_hz_low": lo, "rate_hz_high": hi}
            for x, r, lo, hi in [(1, 10.0, 5.0, 20.0), (2, 30.0, math.nan, math.nan)]]  # fmt: skip
    notes = summarize(rows, "x", ["rate_hz"]).attrs["notes"]
    assert notes[0].startswith("rate_hz: 1 of 2 points rest on a single seed (x = 1): no standard error; their bars")
    assert notes[1] == (
        "rate_hz: 1 of 2 points rest on a single seed (x = 2): no standard error, and their rows give no interval "
        "of their own (rate_hz_low, rate_hz_high empty): no bar"
    )
    title = plot_sweep(rows, x="x", y="rate_hz")._suptitle.get_text().replace("\n", " ")
    assert title == "one seed per point, bars: the rows' 95% intervals where they have one for rate_hz"


INIT_NOTE = "the initialisation figures of the hardware of node(s) qpu_a, qpu_a_10ms, qpu_b, qpu_b_10ms"


def test_qnsim_plot_repeats_the_scenarios_remarks(tmp_path, capsys):
    """``qnsim sweep examples/two_qpus_transducers.toml ... --out rows.csv`` says the preset's remark on its
    unmodelled initialisation figures once (stderr, the state file) and leaves it out of the rows; ``qnsim plot
    rows.csv`` then said nothing of it, so the reader of the plot never learnt it. Old behaviour: no such note;
    now summarize's notes (from the state file, or the frame's attrs) and qnsim plot's stderr say it, and the
    image names it under the title."""
    from qnsim.cli import main
    from qnsim.plot import plot_sweep, summarize

    out = str(tmp_path / "rows.csv")
    argv = ["sweep", SCENARIO, "--param", "links.*.length_km=5,20", "--until", "0.02", "--out", out, "--no-progress"]
    assert main(argv) == 0
    capsys.readouterr()
    png = str(tmp_path / "p.png")
    assert main(["plot", out, "--out", png]) == 0
    err = capsys.readouterr().err
    assert err.count(INIT_NOTE) == 1 and "note: the scenario, for every row" in err
    table = summarize(out, "links.*.length_km", ["rate_hz"])
    assert len(table.attrs["remarks"]) == 1 and INIT_NOTE in table.attrs["notes"][0]
    title = plot_sweep(out, x="links.*.length_km")._suptitle.get_text()
    assert "1 remark(s) on the scenario hold for every point (see the notes)" in title
    frame = qnsim.sweep(SCENARIO, {"links.*.length_km": [5.0], "run.until_s": [0.02]}, progress=False, workers=1)
    assert INIT_NOTE in summarize(frame, "links.*.length_km", ["rate_hz"]).attrs["notes"][0]
    # Rows without such a remark say nothing of the kind.
    plain = tmp_path / "plain.csv"
    few = tmp_path / "few.toml"
    few.write_text(_few_pairs_toml())
    assert main(["sweep", str(few), "--param", "requests.0.num_pairs=3,4", "--out", str(plain), "--no-progress"]) == 0
    assert summarize(str(plain), "requests.0.num_pairs", ["rate_hz"]).attrs["remarks"] == []


def test_qec_link_gives_a_verdict_on_the_idle_error_against_the_threshold(capsys):
    """``qnsim qec link examples/two_qpus_transducers.toml --request 1 --distance 5`` printed "data idle error per
    round from waiting: 0.1409" and no word of what it means for the code: the data flip with ~9.4% per round from
    waiting alone, above the surface code's threshold with checks as noisy as the data (~2.9%). Old behaviour: no
    verdict; now a line comparing the flip probability with both thresholds, computed from the printed idle."""
    pytest.importorskip("stim")
    from qnsim.cli import main
    from qnsim.qec.link import NOISY_CHECKS_THRESHOLD, PERFECT_CHECKS_THRESHOLD, round_timing

    assert main(["qec", "link", SCENARIO, "--request", "1", "--distance", "5", "--probes", "2"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "THRESHOLD" in line)
    flip = float(line.split("with probability ")[1].split(",")[0])
    idle = float(out.split("data idle error per round from waiting: ")[1].split()[0])
    assert NOISY_CHECKS_THRESHOLD < flip < PERFECT_CHECKS_THRESHOLD and flip == pytest.approx(idle * 2 / 3, rel=0.02)
    assert line.strip().startswith("LIKELY ABOVE THRESHOLD:") and "(about 2.9% per round)" in line

    def timing(rate_hz: float):
        return round_timing(rate_hz=rate_hz, bell_diagonal=(0.97, 0.01, 0.01, 0.01), distance=5,
                            cycle_time_s=1e-6, t1_s=10e-3, t2_s=10e-3)  # fmt: skip

    assert timing(1e3).idle_verdict().startswith("ABOVE THRESHOLD:")
    assert timing(1e5).idle_verdict().startswith("below threshold for the wait alone:")
    assert timing(1e8).wait_s == 0 and timing(1e8).idle_verdict() is None


def test_qnsim_plot_names_the_points_whose_rows_carry_notes(tmp_path, capsys):
    """``qnsim plot transducer_memory.csv --x rate_multiplier --hue distance`` after the README's QEC sweep drew
    the d = 5 point at the link's own rate as a measured 0.23 per round, where its row's notes say its shots failed
    as often as random outcomes (the rate is only at least 0.18), and said nothing of any row's notes. Old
    behaviour: no note; now one naming the points with notes and one example of each kind."""
    from qnsim.cli import main

    random_note = "shots fail 0.477 of the time, as often as random outcomes (1/2) within the interval"
    rows = tmp_path / "qec.csv"
    rows.write_text(
        "distance,rate_multiplier,seed,shots,errors,per_round,per_round_low,per_round_high,notes\n"
        "3,1.0,0,3072,810,0.106,0.092,0.121,\n"
        "3,100.0,0,20000,194,0.0033,0.0028,0.0037,max_shots ran out at 20000 shots with 194 of the 200 errors\n"
        f'5,1.0,0,1024,488,0.229,0.180,0.5,"{random_note}"\n'
        "5,100.0,0,20000,88,0.00088,0.00072,0.0011,max_shots ran out at 20000 shots with 88 of the 200 errors\n"
    )
    assert (
        main(["plot", str(rows), "--x", "rate_multiplier", "--hue", "distance", "--out", str(tmp_path / "p.png")]) == 0
    )
    (line,) = [n for n in capsys.readouterr().err.splitlines() if "have rows with notes" in n]
    assert line.startswith("note: 3 of 4 points have rows with notes on what their figures cannot say")
    assert "at distance = 3; rate_multiplier = 100.0: max_shots ran out" in line
    assert f"at distance = 5; rate_multiplier = 1.0: {random_note}" in line and line.count("max_shots") == 1
