"""The users' journeys, round 6: what the architect, the protocol researcher and the planner read off the
README, the docs and the examples, where a figure looked firmer than it is."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from scenarios import two_node_scenario
from script_modules import import_script

import qnsim
from qnsim.cli import main
from qnsim.results import FEW_PAIRS_FOR_RATE, _arrival_interval95, _gamma_quantile, _poisson_interval95

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")
SCENARIO = os.path.join(EXAMPLES, "two_qpus_transducers.toml")


def _pair(success_probability: float | None, num_pairs: int | None = 3, seed: int = 1) -> qnsim.Network:
    """Two nodes joined by an abstract 1 kHz link (heralding every attempt, or with the given probability)."""
    net = qnsim.Network("bell_diagonal", seed=seed)
    net.add_node("a")
    net.add_node("b")
    extra = {} if success_probability is None else {"success_probability": success_probability}
    net.add_link("a", "b", length_km=0.0, fidelity=0.95, rate_hz=1e3, **extra)
    net.request("a", "b", num_pairs=num_pairs)
    return net


def test_gamma_quantiles_match_published_values():
    """The n-th arrival's 95% quantiles (chi-square tables: chi2_{0.025, 2n} / 2 and chi2_{0.975, 2n} / 2), exact
    below 200 and by the Wilson-Hilferty approximation above. The old interval summed exp(-mu), which is 0 from
    mu ~ 745: it was only asked below 100 pairs, and the JSON's interval of thousands of pairs needs the rest."""
    published = {1: (0.02532, 3.689), 3: (0.6187, 7.225), 10: (4.795, 17.085), 50: (37.11, 64.78)}
    for n, (low, high) in published.items():
        assert _arrival_interval95(n) == pytest.approx((low, high), rel=2e-3), n
    # chi2_{0.975, 2000} / 2 = 1063.0 and chi2_{0.025, 2000} / 2 = 938.97: the approximated branch.
    assert _gamma_quantile(1000, 0.975) == pytest.approx(1062.9, rel=1e-4)
    assert _poisson_interval95(1000)[0] == pytest.approx(938.97, rel=1e-4)
    low, high = _poisson_interval95(5000)
    assert 0 < low < 5000 < high and high - low == pytest.approx(2 * 1.96 * 5000**0.5, rel=0.01)


def test_a_served_request_of_few_random_pairs_says_its_rate_reads_high():
    """Three pairs asked of a link that makes 1 kHz (p = 0.2 per 200 us attempt), served by its third: the table
    read "1.36 k" Hz with no word, since the window ends on the last delivery (n/T of n arrivals reads high by
    n/(n-1) on average). Old behaviour: no note, no interval (the note covered only windows the run's end cut);
    now the request's notes, the table and the JSON give the 95% interval, which holds the link's 1 kHz. The
    figure of the concepts page ("three pairs from a 1 kHz link read 1.36 kHz") is this run."""
    result = _pair(0.2).run(until_s=1.0, progress=False)
    r = result.requests[0]
    assert r.status == "served" and r.num_pairs == 3 and r.random_arrivals
    assert round(r.rate_hz, -1) == 1360.0
    low, high = r.rate_interval95
    assert low < 1e3 < high and (low, high) == pytest.approx([x / r.window_s for x in _arrival_interval95(3)])
    notes = [n for n in r.notes if n.startswith("rate from only 3 pair(s), in a window that ended on the last")]
    assert len(notes) == 1 and "reads high" in notes[0] and "num_pairs" in notes[0]
    assert notes[0] in result.summary_table()
    assert json.loads(result.to_json())["requests"][0]["rate_interval95"] == pytest.approx([low, high])


def test_the_served_rate_interval_covers_the_links_rate():
    """Over 1,000 seeds of a 3-pair request on a link of p = 0.05 per attempt (1 kHz), the interval holds 1 kHz
    in 95% of them (the fixed-window Garwood interval, which the served case would otherwise borrow, is wider),
    while the rates themselves average ~1.5 kHz: the bias the note names."""
    results = _pair(0.05).run_seeds(range(1, 1001), 1.0)
    requests = [res.requests[0] for res in results]
    assert all(r.status == "served" for r in requests)
    covered = np.mean([r.rate_interval95[0] <= 1e3 <= r.rate_interval95[1] for r in requests])
    assert 0.93 <= covered <= 0.975, covered
    assert np.mean([r.rate_hz for r in requests]) > 1.35e3


def test_deliveries_on_a_fixed_schedule_have_an_exact_rate():
    """A link given a rate alone heralds every attempt (examples/chain_policy.py's chains): the deliveries keep
    a fixed schedule and the same times for every seed, so no interval is given and no note is added."""
    rates = set()
    for seed in (1, 2):
        r = _pair(None, seed=seed).run(until_s=1.0, progress=False).requests[0]
        assert r.status == "served" and not r.random_arrivals
        assert r.rate_interval95 is None and r.notes == []
        rates.add(r.rate_hz)
    assert rates == {1e3}


def test_a_purified_request_on_deterministic_links_is_random():
    """Purification rounds fail at random, so even links that herald every attempt deliver at random times."""
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e3, channels=2)
    net.request("a", "b", num_pairs=3)
    net.request("a", "b", num_pairs=3, purification="dejmps", purification_rounds=1, start_s=0.5)
    result = net.run(until_s=1.0, progress=False)
    plain, purified = result.requests
    assert plain.status == purified.status == "served"
    assert not plain.random_arrivals and plain.rate_interval95 is None
    assert purified.random_arrivals and purified.rate_interval95 is not None


def test_the_readme_scenarios_rate_has_its_interval_in_the_json(capsys):
    """``qnsim run examples/two_qpus_transducers.toml --json``: thousands of pairs, so no note, but the interval
    is in the JSON (old behaviour: absent), and it holds the link's 2 x 2.16 kHz."""
    assert main(["run", SCENARIO, "--json", "--no-progress"]) == 0
    data = json.loads(capsys.readouterr().out)
    first = data["requests"][0]
    assert first["num_pairs"] >= FEW_PAIRS_FOR_RATE
    low, high = first["rate_interval95"]
    net, _ = qnsim.load_scenario(SCENARIO)
    link_rate = 2 * net.link("qpu_a", "qpu_b").rate_hz
    assert low < first["rate_hz"] < high and low < link_rate < high and high / low < 1.07
    assert not any(n.startswith("rate from only") for n in first["notes"])


def _two_requests_over_one_link(first_pairs: int | None) -> qnsim.NetworkResult:
    """The architect's comparison in one file: two requests between the same two QPUs, the second purified."""
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("c")
    net.add_node("d")
    net.add_link("c", "d", length_km=20.0, fidelity=0.95, rate_hz=1e3, success_probability=0.1, channels=2)
    net.request("c", "d", num_pairs=first_pairs)
    net.request("c", "d", purification="dejmps", purification_rounds=1)
    return net.run(until_s=0.05, progress=False)


def test_a_request_waiting_behind_an_endless_one_says_so():
    """Two requests over one link, the first without num_pairs: the second waited the whole run and read "never
    admitted: still waiting for memory reservations", with no word of why. Old behaviour: that note alone; now it
    names request 0 as holding the memories until the run ends, and the ways out."""
    waiting = _two_requests_over_one_link(None).requests[1]
    assert waiting.status == "waiting" and waiting.held_by == ((0, True),)
    note = next(n for n in waiting.notes if n.startswith("never admitted"))
    assert "request(s) 0 hold memories on links of its path" in note
    assert "with neither num_pairs nor deadline_s, keep them until the run ends" in note and "num_pairs" in note


def test_a_request_served_in_time_lets_the_next_one_in():
    """With num_pairs on the first request, the second is admitted once it is served: nothing is held."""
    result = _two_requests_over_one_link(5)
    assert result.requests[0].status == "served" and result.requests[1].status == "open"
    assert result.requests[1].held_by == ()


INIT_NOTE = "the initialisation figures of the hardware of node(s) qpu_a, qpu_a_10ms, qpu_b, qpu_b_10ms"


def test_a_sweep_says_the_presets_initialisation_remark_once(tmp_path, capsys):
    """``qnsim sweep examples/two_qpus_transducers.toml --param 'links.*.length_km=5,20' --out rows.csv``: every
    row's notes began with the same 270-character remark on the preset's unmodelled initialisation figures, ahead
    of the notes that differ (the docs' Dask tutorial had to dig NOT ENTANGLED out of it). Old behaviour: the remark
    in every row; now it is said once (stderr, the state file, the frame's attrs) and the rows hold their own
    notes only: none at 5 km, NOT ENTANGLED first at 20 km. Resuming says it again from the state file."""
    out = str(tmp_path / "rows.csv")
    argv = ["sweep", SCENARIO, "--param", "links.*.length_km=5,20", "--until", "0.02", "--out", out, "--no-progress"]
    for _ in range(2):  # the run, then the resume that runs nothing
        assert main(argv) == 0
        err = capsys.readouterr().err
        assert err.count(INIT_NOTE) == 1 and err.startswith("note: the scenario, said once"), err
    rows = sorted(qnsim.sweeps.read_results(out), key=lambda row: row["links.*.length_km"])
    assert [row["links.*.length_km"] for row in rows] == [5, 20]
    # The file's rows hold their own notes only; read_results puts the remark said once back first, as the list
    # sweep() returns does (tests/test_results_audit33.py).
    assert "qpu_a->qpu_b: NOT ENTANGLED" in Path(out).read_text() and INIT_NOTE not in Path(out).read_text()
    assert rows[0]["notes"].startswith(INIT_NOTE) and "NOT ENTANGLED" not in rows[0]["notes"]
    assert rows[1]["notes"].startswith(INIT_NOTE) and "; qpu_a->qpu_b: NOT ENTANGLED" in rows[1]["notes"]
    state = json.loads((tmp_path / "rows.csv.sweep.json").read_text())
    assert [INIT_NOTE in r for r in state["sweeps"][0]["remarks"]] == [True]
    frame = qnsim.sweep(SCENARIO, {"links.*.length_km": [5.0], "run.until_s": [0.02]}, progress=False, workers=1)
    assert frame["notes"].isna().tolist() == [True] and INIT_NOTE in frame.attrs["notes"][0]


def test_a_point_whose_grid_values_change_the_remark_keeps_its_own(tmp_path):
    """A sweep over node a's preset: the remark of the first grid value (both nodes NV, init_error 0.003) is said
    once; the point that makes a a transducer QPU (init_error 0.001) has another remark, which its row keeps."""
    path = tmp_path / "s.toml"
    path.write_text(two_node_scenario(0.01, seed=1, length_km=1.0, rate_hz=1e3, node={"preset": "nv_10x_improved"}))
    frame = qnsim.sweep(
        str(path), {"nodes.0.preset": ["nv_10x_improved", "superconducting_transducer_link"]}, progress=False, workers=1
    )
    (said,) = frame.attrs["notes"]
    assert "node(s) a, b (init_error 0.003, init_duration_s 0.00031)" in said
    assert frame["notes"].isna().tolist() == [True, False]
    own = frame["notes"].iloc[1]
    assert "init_error 0.001" in own and said not in own


def test_the_distributed_memory_example_prints_no_measured_half(tmp_path):
    """examples/qec/distributed_memory.py printed "5.00e-01 [5.0e-01, 5.0e-01]" for the transmon rows whose shots
    failed as often as random outcomes: a rate read as measured to be exactly 0.5, with a zero-width interval.
    Old behaviour: that cell; now the lower bound only, saying the shots are random; measured rates unchanged."""
    pytest.importorskip("stim")
    module = import_script(os.path.join(EXAMPLES, "qec", "distributed_memory.py"))
    random = qnsim.qec.LogicalErrorEstimate(shots=3072, errors=1540, rounds=3)
    cell = module.error_cell(random)
    assert "5.0e-01, 5.0e-01" not in cell and cell.lstrip().startswith(">= ") and "random" in cell
    measured = qnsim.qec.LogicalErrorEstimate(shots=20000, errors=300, rounds=5)
    low, high = measured.per_round_interval()
    assert module.error_cell(measured) == f"{measured.per_round:>9.2e} [{low:.1e}, {high:.1e}]"


def test_a_threshold_above_the_usable_points_names_the_points_left_out():
    """``qnsim qec threshold interface.csv --x p_bulk --by p_int`` after the README's sweep printed "above 0.008
    (d = 5, 7)" over a grid up to 0.01, with no word that 0.009 and 0.01 had been sampled and left out (the d = 7
    shots failed 40% of the time there). Old behaviour: no note; now a note names them and why."""
    from qnsim.qec.threshold import estimate_threshold

    shots = 4000
    rates = {3: [0.05, 0.08, 0.12, 0.20], 5: [0.03, 0.06, 0.10, 0.46]}  # shot error rates; d = 5 at 0.04 is near 1/2
    rows = [
        {"d": d, "x": x, "errors": round(r * shots), "shots": shots, "rounds": d}
        for d, values in rates.items()
        for x, r in zip([0.01, 0.02, 0.03, 0.04], values)
    ]
    est = estimate_threshold(rows, x_key="x", distance_key="d", bootstrap=50, seed=1)
    assert est.value is None and est.describe() == "above 0.03 (d = 3, 5)"
    (note,) = [n for n in est.notes if n.startswith("grid point(s) 0.04 left out (d = 3, 5)")]
    assert "failed 40% of the time or more" in note and "fewer rounds per shot" in note


def test_qec_link_says_how_far_the_link_is_from_keeping_up(capsys):
    """``qnsim qec link examples/two_qpus_transducers.toml --request 1 --distance 5`` printed "required rate:
    9e+06 pairs/s" lines apart from "delivered: 4322 pairs/s" and a round time of 2 ms against a 1 us cycle,
    leaving the reader to divide. Old behaviour: no such line; now it says the fraction, the slow-down and the
    factor that would keep up, computed from the figures it prints."""
    pytest.importorskip("stim")
    assert main(["qec", "link", SCENARIO, "--request", "1", "--distance", "5", "--probes", "2"]) == 0
    out = capsys.readouterr().out
    delivered = float(out.split("delivered: ")[1].split(" pairs/s")[0])
    required = float(out.split("required rate: ")[1].split(" pairs/s")[0])
    line = next(line for line in out.splitlines() if "of the required rate" in line)
    assert f"the link delivers {delivered / required:.2g} of the required rate" in line
    assert f"({required / delivered:.3g}x the rate" in line and "x the QPU's cycle" in line




def test_a_plot_of_rates_served_by_few_pairs_says_the_mean_reads_high(tmp_path):
    """A sweep over num_pairs of a 1 kHz link, 40 seeds: with 3 pairs per request the mean rate over seeds is
    ~1.5 kHz, its standard error ~0.13 kHz, four of them from the truth, and ``qnsim plot`` / ``summarize`` drew it
    without a word (each seed's rate is 3 / the time of the 3rd pair). Old behaviour: no note; now the summary
    names the points whose rows say their rate came from a request served by few pairs. 200 pairs: no note."""
    from qnsim.plot import summarize

    path = tmp_path / "few.toml"
    path.write_text(two_node_scenario(1.0, formalism="bell_diagonal", length_km=0.0, rate_hz=1e3, fidelity=0.95,
                                      success_probability=0.05) + "num_pairs = 3\n")
    rows = qnsim.sweep(str(path), {"requests.0.num_pairs": [3, 200]}, seeds=40, progress=False, workers=1)
    table = summarize(rows, "requests.0.num_pairs", ["a->b.rate_hz"])
    mean, sem = table["a->b.rate_hz_mean"], table["a->b.rate_hz_sem"]
    assert mean[0] - 3 * sem[0] > 1e3 and abs(mean[1] - 1e3) < 3 * sem[1]
    (note,) = [n for n in table.attrs["notes"] if "served by its last pair" in n]
    assert note.startswith("a->b.rate_hz: at 1 of 2 points (requests.0.num_pairs = 3)") and "n/(n-1)" in note
    assert any(
        "served by its last pair" in n for n in summarize(rows, "requests.0.num_pairs", ["rate_hz"]).attrs["notes"]
    )


def test_a_dropped_requests_rate_note_does_not_advise_a_longer_run():
    """examples/grid_requests.py: a request dropped at its 20 ms deadline with 3 pairs read "rate from only 3 pair(s)
    in the 20 ms window ...; run longer (until_s)", though the run went on to 1 s. Old behaviour: that advice; now a
    later deadline."""
    net = _pair(0.05, num_pairs=50)
    net.request("a", "b", num_pairs=50, deadline_s=0.52, start_s=0.5)
    r = net.run(until_s=1.0, progress=False).requests[1]
    assert r.status == "dropped" and 0 < r.num_pairs < 50
    (note,) = [n for n in r.notes if n.startswith(f"rate from only {r.num_pairs} pair(s) in the 20 ms window")]
    assert note.endswith("a later deadline_s for at least 100 pairs") and "until_s" not in note


def test_the_transducer_repeater_example_answers_the_architects_question():
    """The architect's question, "does a repeater or purification help?", had no answer for the transducer QPUs
    (examples/repeater_purification.py is NV hardware). Old behaviour: no example; examples/transducer_repeater.py
    answers it, and what its docstring and the tutorial say holds at 10 and 40 km: the repeater raises the rate and
    costs fidelity, one DEJMPS round costs both."""
    module = import_script(os.path.join(EXAMPLES, "transducer_repeater.py"))
    for km in (10.0, 40.0):
        direct, purified, repeater = (module.run(km, way, until_s=0.3) for way in module.WAYS)
        assert min(r.num_pairs for r in (direct, purified, repeater)) >= 10
        assert repeater.rate_interval95[0] > direct.rate_interval95[1], km  # apart beyond their intervals
        assert repeater.mean_fidelity < direct.mean_fidelity and purified.mean_fidelity < direct.mean_fidelity, km
        assert purified.rate_interval95[1] < direct.rate_interval95[0], km
        assert module.row(km, "direct", direct).split()[:3] == [f"{km:g}", "direct", str(direct.num_pairs)]


def test_load_network_reads_a_links_files_path():
    """The planner's first try, ``load_network("examples/estimate/links.toml")``, read the path as a document and
    failed with "unknown key e (known: qpu, link, estimate)" (its first letter). Old behaviour: that error; now the
    file is read as ``qnsim estimate --links`` reads it (scenario paths relative to it), and a value that is none
    of the three forms is refused by type."""
    from qnsim.estimate_cli import load_network

    links_file = os.path.join(EXAMPLES, "estimate", "links.toml")
    qpus, links, options = load_network(links_file)
    assert len(qpus) == 2 and round(links[0].rate_hz) == 4285 and options == {"max_runtime_s": 31557600.0}
    with pytest.raises(TypeError, match=r"data must be a links file's path, its parsed document .* got int"):
        load_network(3)


def test_qnsim_plot_draws_a_qec_sweeps_rows_by_default(tmp_path, capsys):
    """``qnsim plot transducer_memory.csv --x rate_multiplier --hue distance`` after the README's QEC sweep stopped
    with "has none of the default columns ['rate_hz', 'mean_fidelity']; name one with --y", naming no column a QEC
    sweep has. Old behaviour: that error; now a QEC sweep's per_round is the default, and rows with neither list
    their numeric columns in the error."""
    rows = tmp_path / "qec.csv"
    rows.write_text(
        "distance,rate_multiplier,seed,shots,errors,per_round,per_round_low,per_round_high\n"
        "3,1.0,0,1000,50,0.0170,0.013,0.022\n3,100.0,0,1000,10,0.0034,0.0018,0.0062\n"
    )
    assert main(["plot", str(rows), "--x", "rate_multiplier", "--out", str(tmp_path / "p.png")]) == 0
    assert "plotted per_round against rate_multiplier" in capsys.readouterr().err
    other = tmp_path / "other.csv"
    other.write_text("x,seed,y_value\n1,0,2.0\n2,0,3.0\n")
    assert main(["plot", str(other)]) == 2
    assert "name one with --y (numeric columns: y_value)" in capsys.readouterr().err


def test_the_repeater_example_prints_no_zero_spread_for_purified_pairs(monkeypatch, capsys):
    """examples/repeater_purification.py printed "0.7928 +- 0.0000" for the purified rows (a spread of ~7e-06: the
    pairs differ, a little), which reads as every pair alike, where the result tables print "+- 7.3e-06". Old
    behaviour: "+- 0.0000"; now the tables' convention."""
    import sys

    module = import_script(os.path.join(EXAMPLES, "repeater_purification.py"))
    assert (module.ci_text(0.0), module.ci_text(7.3e-06), module.ci_text(0.0123)) == ("0", "7.3e-06", "0.0123")
    monkeypatch.setattr(sys, "argv", ["repeater_purification.py", "--until", "0.1"])
    module.main()
    out = capsys.readouterr().out
    purified = [line for line in out.splitlines() if " x1 " in line or " x2 " in line]
    assert len(purified) == 6 and not any("+- 0.0000" in line for line in purified), out


@pytest.mark.parametrize("value", ["1ms", "10 km", "5e3Hz", "0.5 s"])
def test_a_real_option_given_with_its_unit_says_units_are_not_read(value, capsys):
    """``qnsim run FILE --until 1ms`` read "invalid float value: '1ms'": the architect typed the unit. Old behaviour:
    no hint; now every real-number option says that it takes a plain number in the unit its --help names. Text that
    is no number with a unit keeps argparse's plain message."""
    assert main(["run", SCENARIO, "--until", value]) == 2
    err = capsys.readouterr().err
    assert f"invalid float value: {value!r} (units are not read: give a plain number in the unit --help names" in err
    assert main(["run", SCENARIO, "--until", "soon"]) == 2
    assert "invalid float value: 'soon' (see qnsim run --help)" in capsys.readouterr().err
