"""The users' journeys, round 20: an index past a file's requests, a one-seed fidelity point, a policy's cost.

Each test's docstring states the old (wrong) behaviour it guards against.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas
import pytest
from repo_text import BENCH, EXAMPLES, ROOT, prose
from scenarios import two_node_scenario
from script_modules import import_script

import qnsim
from qnsim.cli import main
from qnsim.plot import summarize

_ONE_REQUEST = two_node_scenario(0.001, formalism="bell_diagonal", length_km=1.0, rate_hz=1e4) + "num_pairs = 5\n"


def test_qec_link_past_the_only_request_names_index_0(tmp_path, capsys):
    """``qnsim qec link s.toml --request 1`` on a file of one request said "--request 1: request 1 does not exist
    (1 requests in s.toml)": the reader had to guess that requests count from 0 and that 0 was the one to give.
    Old behaviour: the count only; now the indices that exist (one: index 0), and for a file without requests the
    table to add."""
    scenario = tmp_path / "s.toml"
    scenario.write_text(_ONE_REQUEST)
    assert main(["qec", "link", str(scenario), "--probes", "1", "--request", "1"]) == 2
    err = capsys.readouterr().err
    assert "--request 1: request 1 does not exist: s.toml has 1 request, index 0 (indices count from 0)" in err, err
    empty = tmp_path / "none.toml"
    empty.write_text(_ONE_REQUEST.split("[[requests]]")[0])
    assert main(["qec", "link", str(empty), "--probes", "1"]) == 2
    err = capsys.readouterr().err
    assert "request 0 does not exist: none.toml has no requests; add a [[requests]] table" in err, err


def test_calibrate_link_and_measure_link_refuse_a_request_index_in_one_way(tmp_path):
    """``calibrate_link(net, 3)`` on a network of three requests said "request 3 does not exist (3 requests in
    network)", naming no index that exists; -1 was "request must be in [0, 2], got -1" there and "request -1 does
    not exist (...)" in ``qec.measure_link``, and True "request must be an integer" there and "request True does not
    exist" in ``measure_link``. Old behaviour: two wordings per mistake; now one check (``checked_index``) in both,
    naming the indices that exist ("indices 0 to 2", as the native ``request_stats`` names its range)."""
    from qnsim import qec
    from qnsim.estimate import calibrate_link

    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a"), net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    for _ in range(3):
        net.request("a", "b")
    three = "network has 3 requests, indices 0 to 2"
    for request in (3, -1):
        with pytest.raises(ValueError, match=rf"^request {request} does not exist: {three}$"):
            calibrate_link(net, request, until_s=0.01)
    with pytest.raises(IndexError, match=r"\[0, 2\]"):
        net.native.request_stats(3)  # the native wording names the same indices
    scenario = tmp_path / "s.toml"
    scenario.write_text(_ONE_REQUEST)
    with pytest.raises(ValueError, match=r"^request -1 does not exist: s.toml has 1 request, index 0 \(indices"):
        qec.measure_link(str(scenario), -1, probes=1)
    for call in (lambda: calibrate_link(net, True, until_s=0.01), lambda: qec.measure_link(str(scenario), True)):
        with pytest.raises(ValueError, match=r"^request must be an integer, got True$"):
            call()
    assert net.now_s == 0.0  # every refusal before the run


def _one_seed_rows(tmp_path):
    """The network architect's quick look: the transducer repeater with 2 and 3 channels a link, one seed, 20 ms (its
    pairs wait in memory, so their fidelities differ: the direct link of two_qpus_transducers.toml delivers equal
    pairs, whose interval is exactly 0)."""
    rows = tmp_path / "rows.csv"
    sweep = [str(EXAMPLES / "transducer_repeater.toml"), "--param", "links.*.channels=2,3", "--until", "0.02",
             "--seeds", "1", "--workers", "1", "--no-progress", "--out", str(rows)]  # fmt: skip
    assert main(["sweep", *sweep]) == 0
    return rows


def test_a_one_seed_fidelity_point_draws_its_rows_interval(tmp_path):
    """``qnsim plot rows.csv`` of a one-seed sweep drew the rate's points with their rows' own 95% intervals
    (``rate_hz_low`` / ``rate_hz_high``) but the fidelity's with no bar, and said only "no standard error (NaN, no
    bar)", although every row carries ``fidelity_ci95``, the half-width of its mean fidelity's 95% interval. Old
    behaviour: no bar and a title "bars: the rows' 95% intervals for rate_hz; none for mean_fidelity"; now the
    fidelity's row interval (the mean +- fidelity_ci95, within [0, 1]) is drawn and named."""
    rows = _one_seed_rows(tmp_path)
    frame = pandas.read_csv(rows)
    assert (frame["fidelity_ci95"] > 0).all()  # the rows carry an interval to draw
    table = summarize(str(rows), "links.*.channels", ["rate_hz", "mean_fidelity"])
    for (_, row), (_, point) in zip(frame.sort_values("links.*.channels").iterrows(), table.iterrows()):
        assert point["mean_fidelity_low"] == row["mean_fidelity"] - row["fidelity_ci95"]
        assert point["mean_fidelity_high"] == min(1.0, row["mean_fidelity"] + row["fidelity_ci95"])
    notes = " ".join(table.attrs["notes"])
    where = "(links.*.channels = 2, links.*.channels = 3)"
    assert f"mean_fidelity: 2 of 2 points rest on a single seed {where}: no standard error; their bars are the rows' " \
           "own 95% intervals (fidelity_ci95)" in notes, notes  # fmt: skip
    figure = qnsim.plot_sweep(str(rows), "links.*.channels")
    title = " ".join(figure._suptitle.get_text().split())
    assert title.startswith("one seed per point, bars: the rows' 95% intervals"), title  # both panels: no "none for"
    plt.close(figure)


def test_a_fidelity_interval_is_clipped_to_one_and_an_empty_one_is_named():
    """A half-width beside a mean fidelity near 1 must not draw a bar past 1 (``fidelity_interval95`` clips it), and
    a row without one (a single pair: ``fidelity_ci95`` empty) is told as such, naming the column the rows lack.
    Old behaviour: no bar for any one-seed fidelity point, and the note named ``mean_fidelity_low`` /
    ``mean_fidelity_high``, columns no sweep writes."""
    rows = [
        {"L": 1, "seed": 0, "mean_fidelity": 0.99, "fidelity_ci95": 0.05},
        {"L": 2, "seed": 0, "mean_fidelity": 0.9, "fidelity_ci95": math.nan},
    ]
    table = summarize(rows, "L", ["mean_fidelity"])
    assert table["mean_fidelity_low"].iloc[0] == pytest.approx(0.94)
    assert table["mean_fidelity_high"].iloc[0] == 1.0
    notes = table.attrs["notes"]
    assert "their bars are the rows' own 95% intervals (fidelity_ci95)" in notes[0], notes
    assert "their rows give no interval of their own (fidelity_ci95 empty): no bar" in notes[1], notes


def test_the_callback_cost_is_a_measured_figure_with_its_bench_command(capsys):
    """docs/tutorials/custom_protocol.md and ``qnsim.protocol`` said "Each callback costs some 30-50 us of CPU"; a run
    under load measured 152 us, and no command measured it. Old behaviour: an unsourced range; now the figure is
    the one ``python bench/python_policy.py`` prints (its tutorial-chain table: callbacks counted, CPU per
    callback) with the machine it was measured on, and that table counts the callbacks the tutorial states."""
    text = prose(ROOT / "docs" / "tutorials" / "custom_protocol.md")
    assert "30-50 us" not in text and "30-50 us" not in qnsim.protocol.__doc__
    assert "python bench/python_policy.py" in text and "python bench/python_policy.py" in qnsim.protocol.__doc__
    bench = import_script(BENCH / "python_policy.py")
    chain_policy = import_script(EXAMPLES / "chain_policy.py")
    nodes = 10
    assert bench.count_callbacks(chain_policy, nodes) == 3 * (2 * (nodes - 1) + 2 * (nodes - 2))
    bench.tutorial_chain(chain_policy, [nodes], repeats=1)
    out = capsys.readouterr().out
    assert "us/callback" in out and f"{nodes:>5} {3 * (2 * 9 + 2 * 8):>10}" in out, out
