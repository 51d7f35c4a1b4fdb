"""The users' journeys, round 11 (each test's docstring gives the old behaviour)."""

from __future__ import annotations

import math
import os

import pytest

import qnsim
from qnsim.results import _eng

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")
README_SCENARIO = os.path.join(EXAMPLES, "two_qpus_transducers.toml")


def _transducer_scenario(until_s=0.05, seed=2026):
    """The README's 10 ms-memory transducer request alone, short (~200 pairs in 50 ms)."""
    preset = {"name": "superconducting_transducer_link", "improvement": 1000}
    return {"run": {"until_s": until_s, "seed": seed},
            "nodes": [{"name": n, "preset": preset, "t1_s": 0.01, "t2_s": 0.01} for n in ("a", "b")],
            "links": [{"a": "a", "b": "b", "length_km": 10.0, "channels": 2}], "requests": [{"src": "a", "dst": "b"}]}


def test_the_run_table_gives_each_rate_its_interval_and_window():
    """``qnsim run examples/two_qpus_transducers.toml`` printed "4.34 k" under "rate (Hz)" and nothing else, while
    ``qnsim qec link`` said 4344 and the estimate's calibration 4285 for the same link: three rates, no way to tell a
    difference from noise. Old behaviour: the rate alone; now each row has its 95% interval (Poisson, or "exact" on a
    fixed schedule) and the window it was counted in, and a line under the table says what they are."""
    from qnsim.scenario import load_scenario

    network, settings = load_scenario(README_SCENARIO)
    result = network.run(settings.until_s, progress=False)
    table = result.summary_table()
    header = table.splitlines()[0]
    assert "rate 95% (Hz)" in header and "window" in header
    for r in result.requests:
        low, high = r.rate_interval95
        assert low < r.rate_hz < high
        row = next(line for line in table.splitlines() if line.startswith(f"{r.request}: "))
        assert f"{_eng(low, '')}-{_eng(high, '')}" in row and f" {_eng(r.window_s, 's')} " in row
        assert r.rate_text() == f"{r.rate_hz:.4g} Hz [95%: {low:.4g}, {high:.4g}] ({r.num_pairs} pairs in 1 s)"
    assert "rate 95%: the Poisson interval of the count" in table
    # A fixed schedule (an abstract link given a rate alone) is exact, and says so rather than printing no interval.
    net = qnsim.Network(seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b", num_pairs=5)
    fixed = net.run(until_s=1.0, progress=False)
    assert fixed.requests[0].rate_interval95 is None
    row = next(line for line in fixed.summary_table().splitlines() if line.startswith("0: a -> b"))
    assert " exact " in row and " 5 ms " in row
    assert "rate 1 kHz, rate 95% exact, window 5 ms" in repr(fixed.requests[0])
    assert "<td>4.34 kHz</td><td>4.22 k-4.48 kHz</td><td>1 s</td>" in result._repr_html_()


def test_a_measured_link_carries_the_rates_interval_and_window():
    """``qnsim qec link`` printed "delivered: 4344 pairs/s": no interval, no window. Old behaviour: ``LinkSupply``
    had neither; now it carries the run's own 95% interval and window, the same as ``qnsim run``'s result."""
    from qnsim.qec.link import LinkSupply, measure_link
    from qnsim.scenario import scenario_from_dict

    data = _transducer_scenario()
    supply = measure_link(data, probes=1)
    network, settings = scenario_from_dict(data, source="<test>")
    r = network.run(settings.until_s, progress=False).requests[0]
    assert supply.rate_interval95 == r.rate_interval95 and supply.window_s == r.window_s == 0.05
    assert supply.rate_text() == r.rate_text("pairs/s")
    # Built by hand: an interval that does not hold the rate is refused by name; none at all is said, not invented.
    fields = dict(rate_hz=1e3, mean_fidelity=0.95, bell_diagonal=(0.95, 0.02, 0.02, 0.01),
                  bell_diagonal_ci95=(0.01,) * 4,
                  pairs=1000, probes=5, t1_s=1e-3, t2_s=1e-3, two_qubit_error=1e-3, measurement_error=1e-3,
                  source="demo")
    with pytest.raises(ValueError, match=r"LinkSupply.rate_interval95 \(1100, 1200\) must hold rate_hz = 1000"):
        LinkSupply(**fields, rate_interval95=(1100.0, 1200.0), window_s=1.0)
    with pytest.raises(ValueError, match="LinkSupply.window_s"):
        LinkSupply(**fields, rate_interval95=(900.0, 1100.0), window_s=-1.0)
    assert "interval and window not recorded" in LinkSupply(**fields).rate_text()


def test_qec_link_prints_the_delivered_rate_with_its_interval(tmp_path, capsys):
    """The same through ``qnsim qec link``. Old behaviour: "delivered: 4344 pairs/s" alone."""
    pytest.importorskip("stim")
    from qnsim.cli import main
    from qnsim.qec.link import measure_link

    path = tmp_path / "link.toml"
    preset = '{ name = "superconducting_transducer_link", improvement = 1000 }'
    nodes = "".join(f'[[nodes]]\nname = "{n}"\npreset = {preset}\nt1_s = 0.01\nt2_s = 0.01\n' for n in "ab")
    path.write_text('[run]\nuntil_s = 0.05\nseed = 2026\n' + nodes + '[[links]]\na = "a"\nb = "b"\nlength_km = 10.0\n'
                    'channels = 2\n[[requests]]\nsrc = "a"\ndst = "b"\n')
    assert main(["qec", "link", str(path), "--distance", "3", "--probes", "1"]) == 0
    out = capsys.readouterr().out
    supply = measure_link(_transducer_scenario(), probes=1)
    low, high = supply.rate_interval95
    delivered = f"delivered: {supply.rate_hz:.4g} pairs/s [95%: {low:.4g}, {high:.4g}] ({supply.pairs} pairs in 50 ms)"
    assert delivered in out


def test_the_estimates_calibration_gives_its_interval_and_it_overlaps_the_runs():
    """``qnsim estimate`` of the README's example printed "calibrated ...: 4285 pairs/s" (0.2 s, seed 1) and its
    report "has 4.28e+03", where ``qnsim run`` of the scenario prints 4344 (1 s, seed 2026). Old behaviour: no interval
    anywhere, so the two read as a disagreement; now the calibration carries its 95% interval and window, the report
    says them in a note, and the two intervals overlap (one rate, two windows)."""
    from qnsim.estimate.calibrate import CalibratedLink, calibrate_link
    from qnsim.scenario import load_scenario

    calibrated = calibrate_link(README_SCENARIO, 1, until_s=0.2, seed=1)
    low, high = calibrated.rate_interval95
    assert calibrated.window_s == 0.2 and low < calibrated.rate_hz < high
    assert calibrated.rate_text() == (
        f"{calibrated.rate_hz:.4g} pairs/s [95%: {low:.4g}, {high:.4g}] ({calibrated.pairs} pairs in 200 ms)"
    )
    network, settings = load_scenario(README_SCENARIO)
    run = network.run(settings.until_s, progress=False).requests[1]
    run_low, run_high = run.rate_interval95
    assert run.rate_hz != calibrated.rate_hz and max(low, run_low) < min(high, run_high)
    # The README says both, as computed here.
    with open(os.path.join(EXAMPLES, os.pardir, "README.md"), encoding="utf-8") as f:
        readme = " ".join(f.read().split())
    assert (f"{run.rate_hz:,.0f} pairs/s [{run_low:,.0f}, {run_high:,.0f}] over 1 s from `qnsim run` and "
            f"{calibrated.rate_hz:,.0f} [{low:,.0f}, {high:,.0f}] over the estimate's 0.2 s calibration") in readme
    # From Python too, the link built from it says where its rate comes from.
    from qnsim.estimate import link_from_model

    assert link_from_model(calibrated, (0, 1)).notes[0] == (
        f"rate calibrated by simulating {calibrated.source}: {calibrated.rate_text()}"
    )
    with pytest.raises(ValueError, match="CalibratedLink.rate_interval95 must be"):
        CalibratedLink(1e3, 0.97, 0.001, 5e-5, 1000, 1.0, "demo", rate_interval95=(900.0,), window_s=1.0)


def test_the_estimate_report_notes_the_calibrated_rates_interval(tmp_path, capsys):
    """The report (printed and ``--json``) named the calibrated rate only inside the channels note, bare. Old
    behaviour: no interval in the report; now a note on the link gives the calibration's rate, interval, pairs and
    window, on stderr as it runs and in the report's notes."""
    import json

    from qnsim.cli import main

    links = tmp_path / "links.toml"
    links.write_text(
        '[[qpu]]\npreset = "qubit_gate_ns_e4"\ncount = 2\nnum_qubits = 50000\nsurface_code = true\n'
        'logical_qubits = 32\n'
        f'[[link]]\nqpus = [0, 1]\nscenario = {json.dumps(os.path.abspath(README_SCENARIO))}\nrequest = 1\n'
        'until_s = 0.05\nseed = 1\n'
    )
    workload = tmp_path / "w.stim"
    workload.write_text("REPEAT 1000 {\n  CX 0 1\n  T 0\n}\n")
    main(["estimate", str(workload), "--links", str(links), "--json"])
    captured = capsys.readouterr()
    notes = [n for n in json.loads(captured.out)["notes"] if "rate calibrated by simulating" in n]
    assert len(notes) == 1 and "pairs/s [95%: " in notes[0] and "pairs in 50 ms)" in notes[0]
    assert "pairs/s [95%: " in captured.err and "pairs in 50 ms)" in captured.err


def _abstract_run(seed, fidelity=0.95, rate_hz=1e3, success_probability=0.1, until_s=0.1):
    net = qnsim.Network("bell_diagonal", seed=seed)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=fidelity, rate_hz=rate_hz, success_probability=success_probability)
    net.request("a", "b")
    return net.run(until_s=until_s, progress=False)


def test_compare_results_tells_a_real_difference_from_noise():
    """A researcher comparing two policies (examples/custom_policy.py, the repeater tutorial) had two bare rates
    to set side by side (704.0 against 646.5 Hz) and no way to tell a change from the runs' noise. Old behaviour: no
    comparison in the product; now ``qnsim.compare_results`` gives each rate its interval and window, the ratio to a
    baseline with its 95% interval and the fidelity difference with its own, and says what differs beyond the
    noise. Two seeds of one network differ within the noise in most pairs of runs (the intervals are 95% ones)."""
    base = _abstract_run(1)
    faster = _abstract_run(1, fidelity=0.9, rate_hz=2e3)
    comparison = qnsim.compare_results({"slow": base, "fast": faster.requests[0]})
    slow_row, fast_row = comparison.rows
    assert slow_row["verdict"] == "" and fast_row["verdict"] == "higher rate, lower fidelity"
    assert fast_row["rate_ratio_low"] < fast_row["rate_ratio"] == faster.requests[0].rate_hz / base.requests[0].rate_hz
    assert fast_row["fidelity_difference"] == pytest.approx(-0.05) and fast_row["window_s"] == 0.1
    text = str(comparison)
    assert "rate vs slow (95%)" in text and "higher rate, lower fidelity" in text
    # Same network, other seeds: the ratio's interval holds 1 for most seeds (a 95% interval: a few may miss).
    within = [qnsim.compare_results({"a": base, "b": _abstract_run(seed)}).rows[1] for seed in range(2, 42)]
    misses = [row for row in within if row["verdict"] != "none (within the noise)"]
    assert len(misses) <= 5, [row["rate_ratio"] for row in misses]
    assert all("fidelity" not in row["verdict"] for row in within)  # exact means: rounding is no difference
    # An exact rate (a fixed schedule) adds no sampling spread of its own, only its count's one pair either way (the
    # window's edges cut a delivery period: journeys 18).
    exact = _abstract_run(1, success_probability=1.0)
    row = qnsim.compare_results({"exact": exact, "random": base}).rows[1]
    n, n_exact = base.requests[0].num_pairs, exact.requests[0].num_pairs
    assert row["rate_ratio_high"] / row["rate_ratio"] == pytest.approx(
        math.exp(1.959963984540054 / math.sqrt(n)) * n_exact / (n_exact - 1)
    )


def test_compare_results_refuses_what_it_cannot_compare():
    """Refused by name: a results list, one result, an unknown baseline, a run of several requests."""
    base = _abstract_run(1)
    with pytest.raises(TypeError, match="mapping label -> result, got list"):
        qnsim.compare_results([base, base])
    with pytest.raises(ValueError, match="at least two results"):
        qnsim.compare_results({"a": base})
    with pytest.raises(ValueError, match="baseline 'c' is none of the labels"):
        qnsim.compare_results({"a": base, "b": base}, baseline="c")
    with pytest.raises(TypeError, match="'b' must be a RequestResult"):
        qnsim.compare_results({"a": base, "b": 3.0})
    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "abcd":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.add_link("c", "d", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b")
    net.request("c", "d")
    with pytest.raises(ValueError, match="'two' is a NetworkResult of 2 requests"):
        qnsim.compare_results({"a": base, "two": net.run(until_s=0.01, progress=False)})


@pytest.mark.parametrize(
    "script, args, expect",
    [
        ("custom_policy.py", ["--until", "0.1"], "rate vs native swap-ASAP (95%)"),
        ("transducer_repeater.py", ["--km", "10", "--until", "0.05"], "repeater vs direct: rate x"),
        ("repeater_purification.py", ["--until", "0.05"], "rate (Hz) [95%]"),
        ("transducer_efficiency.py", ["--pairs", "200"], "sim Hz +- 1 s.e."),
    ],
)
def test_the_comparison_examples_print_each_difference_with_its_interval(script, args, expect):
    """examples/custom_policy.py printed "704.0" against "646.5" Hz, examples/repeater_purification.py "663.0" against
    "664.0", examples/transducer_repeater.py "repeater vs direct: rate x1.8, fidelity -0.0239": no interval, so
    the reader could not tell a policy's effect from the runs' noise; examples/transducer_efficiency.py printed
    "4354 +- 86" under "sim Hz" without saying that 86 is one standard error (68%, not the tables' 95%). Old
    behaviour: bare figures; now the rates' 95% intervals, the comparisons' ratios and differences with theirs
    (``qnsim.compare_results``), and the standard error named."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, os.path.join(EXAMPLES, script), *args], capture_output=True, text=True,
                          timeout=300, check=False, cwd=os.path.dirname(EXAMPLES))
    assert proc.returncode == 0, proc.stderr
    assert expect in proc.stdout
    if script == "transducer_repeater.py":
        line = next(x for x in proc.stdout.splitlines() if "repeater vs direct" in x)
        import re

        assert re.search(r"rate x\S+ \[\S+, \S+\], fidelity [+-]\S+ \+- \S+ \(95%\): higher rate", line), line


def test_a_sweep_plots_bars_are_95_percent_intervals_like_every_printed_one():
    """``qnsim plot rows.csv`` after the README's sweep (5 seeds) drew bars of one standard error (68%) under
    "bars: standard error", where a point of one seed draws its row's 95% interval and every table prints 95%
    intervals: two points whose bars did not touch could be within the noise. Old behaviour: bars of std/sqrt(n);
    now t(0.975, n - 1) times that, and the title says so."""
    pytest.importorskip("matplotlib")
    from qnsim.plot import plot_sweep, summarize
    from qnsim.results import t_quantile_975

    rows = [{"L": L, "seed": s, "rate_hz": 10.0 / L + s * s} for L in (10, 20) for s in range(3)]
    figure = plot_sweep(rows, x="L", y=["rate_hz"])
    assert figure._suptitle.get_text() == "mean over 3 seed(s), bars: 95% interval of the mean (Student t)"
    table = summarize(rows, "L", ["rate_hz"])
    (container,) = figure.axes[0].containers
    heights = [abs(seg[1][1] - seg[0][1]) / 2 for seg in container.lines[2][0].get_segments()]
    assert heights == pytest.approx(list(table["rate_hz_sem"] * t_quantile_975(2)))


def test_a_sweep_of_purification_rounds_on_a_request_without_a_scheme_runs(tmp_path):
    """"Purification on or off?": ``qnsim sweep examples/repeater_purification.toml --param
    'requests.0.purification_rounds=0,1'`` stopped at its second value with "requests[0].purification must be 'bbpssw'
    or 'dejmps' when purification rounds are asked for", where ``end_to_end_purification_rounds`` and
    ``target_fidelity`` given alone take DEJMPS. Old behaviour: link rounds without a scheme refused; now they take
    DEJMPS as the others do (0 rounds stays no purification), and the rows compare the two."""
    from qnsim.sweeps import sweep

    net = qnsim.chain(3, length_km=1.0, fidelity=0.9, rate_hz=1e3, channels=3)
    info = net.request("n0", "n2", purification_rounds=2)
    assert (info.purification, info.purification_rounds) == ("dejmps", 2)
    assert net.request("n0", "n2", purification_rounds=0).purification is None
    explicit = net.request("n0", "n2", purification="dejmps", purification_rounds=2)
    assert (explicit.purification, explicit.purification_rounds) == ("dejmps", 2)
    grid = {"requests.0.purification_rounds": [0, 1], "run.until_s": [0.05]}
    frame = sweep(os.path.join(EXAMPLES, "repeater_purification.toml"), grid,
                  seeds=[0], out=str(tmp_path / "rows.csv"), progress=False)
    off, on = (frame[frame["requests.0.purification_rounds"] == k].iloc[0] for k in (0, 1))
    assert on["a->b.mean_fidelity"] > off["a->b.mean_fidelity"] and on["a->b.rate_hz"] < off["a->b.rate_hz"]


def test_an_estimate_plots_qubit_legend_says_its_counts_are_totals():
    """The estimate plot's qubits panel drew one bar per QPU (118,098 algorithm qubits each on the README's example)
    under a legend "algorithm (236,196)": the two QPUs' total, read as each QPU's. Old behaviour: a bare total; now
    "in all" when there are several QPUs (one QPU's own count stays bare)."""
    pytest.importorskip("matplotlib")
    from qnsim.estimate import QPU, Link, estimate
    from qnsim.plot import plot_estimate

    report = estimate("CX 0 1\nCX 0 2\nCX 0 2", [QPU(num_qubits=2)] * 3,
                      [Link((0, 1), 1e3, 0.99), Link((0, 2), 10.0, 0.99)], placement=[0, 1, 2])
    qubits = plot_estimate(report).axes[2]
    # The other entry is the QPUs' num_qubits line (estimate audit 19).
    (legend,) = [t.get_text() for t in qubits.get_legend().get_texts() if t.get_text().startswith("workload")]
    assert legend == f"workload qubits ({sum(report.qubits_per_qpu):,} in all)"
    single = estimate("CX 0 1", [QPU(num_qubits=2)], [])
    (legend,) = [t.get_text() for t in plot_estimate(single).axes[2].get_legend().get_texts()
                 if t.get_text().startswith("workload")]
    assert legend == f"workload qubits ({sum(single.qubits_per_qpu):,})"


def test_a_sweep_row_carries_each_rates_window():
    """A sweep row gave each request's rate and its 95% interval but not the window it was counted in (a served
    request's ends on its last pair, not at ``simulated_s``). Old behaviour: no window column; now
    ``<label>.window_s`` (and the first request's ``window_s``), the result's own ``window_s``."""
    from qnsim.scenario import run_scenario_data, scenario_from_dict

    data = _transducer_scenario(until_s=0.02)
    data["requests"] = [{"src": "a", "dst": "b", "num_pairs": 5}]
    row = run_scenario_data(data, seed=3)
    network, settings = scenario_from_dict(data, source="<test>", seed=3)
    r = network.run(settings.until_s, progress=False).requests[0]
    assert r.status == "served" and r.window_s < row["simulated_s"]
    assert row["a->b.window_s"] == row["window_s"] == r.window_s
    assert row["a->b.rate_hz"] == r.num_pairs / row["a->b.window_s"]


def test_a_thin_measurement_states_the_same_interval_as_its_rate_line():
    """``qnsim qec link`` of a 100 us run printed "delivered: 1e+04 pairs/s [95%: 253.2, 5.572e+04] (1 pairs in
    100 us)" over "WARNING: ... the rate 1e+04 pairs/s is uncertain by about +-196%": two accounts of one rate's
    uncertainty, the second (1.96 / sqrt(n)) wrong by far for few pairs, and "1 pairs". Old behaviour: both; now
    the warning quotes the rate's own Poisson interval, and one pair is "1 pair"."""
    from qnsim.qec.link import measure_link

    supply = measure_link(_transducer_scenario(until_s=3e-4), probes=1)
    low, high = supply.rate_interval95
    assert supply.pairs == 1 and supply.rate_text().endswith("(1 pair in 300 us)")
    (note,) = [n for n in supply.notes if n.startswith("measured from only")]
    assert f"is between {low:.4g} and {high:.4g} pairs/s at 95% (Poisson)" in note and "+-" not in note.split(";")[0]


def test_a_fixed_schedule_rate_is_not_called_exact():
    """A 1 kHz abstract link run for 5.5 ms delivers 5 pairs: 909 Hz, printed "909.1 Hz [exact: fixed schedule]" (this
    round's first wording) where the link gives 1 kHz: no sampling noise, but the window's end cut a period. Old
    behaviour: "exact"; now "no sampling noise", and the window's edges are named."""
    net = qnsim.Network(seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b")
    result = net.run(until_s=0.0055, progress=False)
    r = result.requests[0]
    assert r.num_pairs == 5 and r.rate_interval95 is None
    assert r.rate_text() == (
        "909.1 Hz [fixed schedule, no sampling noise; the window's edges may cut a delivery period] (5 pairs in 5.5 ms)"
    )
    assert "no sampling noise (the window's edges may cut a delivery period" in result.summary_table()


def test_a_link_measured_with_no_pair_says_which_time_to_lengthen(tmp_path, capsys):
    """``qnsim qec link`` of a scenario too short for a pair said "delivered no pair in 0.0001 s of simulated time;
    simulate longer", and the command has no --until: the scenario's run.until_s sets it. An estimate's calibration
    said "simulate longer to calibrate its rate" without naming the links file's until_s. Old behaviour: no key
    named; now each names the one that sets the time."""
    pytest.importorskip("stim")
    from qnsim.cli import main
    from qnsim.estimate.calibrate import calibrate_link

    path = tmp_path / "short.toml"
    with open(README_SCENARIO, encoding="utf-8") as f:
        path.write_text(f.read().replace("until_s = 1.0", "until_s = 1e-5"))
    assert main(["qec", "link", str(path), "--request", "1", "--distance", "3", "--probes", "1"]) == 2
    assert "delivered no pair in 1e-05 s of simulated time; simulate longer (the scenario's run.until_s)" in \
        capsys.readouterr().err
    with pytest.raises(ValueError, match=r"simulate longer to calibrate its rate \(until_s=; in a links file, the "
                                         r"\[\[link\]\] table's until_s\)"):
        calibrate_link(str(path), 1)


def test_a_comparison_shows_as_a_table_not_its_fields():
    """``qnsim.compare_results(...)`` at a Jupyter prompt showed the dataclass's fields (every row's dict). Old
    behaviour: the field dump; now a one-line repr of each verdict and an HTML table."""
    comparison = qnsim.compare_results({"slow": _abstract_run(1), "fast": _abstract_run(1, rate_hz=2e3)})
    assert repr(comparison) == "Comparison(baseline slow; fast: higher rate)"
    html = comparison._repr_html_()
    assert "<th>rate vs slow (95%)</th>" in html and "<td>higher rate</td>" in html and "rate_ratio" not in html
