"""The users' journeys, round 13 (each test's docstring gives the old behaviour)."""

from __future__ import annotations

import dataclasses
import importlib.machinery
import sys
import types

import numpy as np
import pytest
from scenarios import one_km_link_network as _one_link
from scenarios import two_node_scenario

import qnsim
import qnsim._options


@pytest.fixture
def jupyter_kernel(monkeypatch):
    """A faked Jupyter kernel (the module tqdm.auto looks for) with ipywidgets, and a tqdm.auto whose bars are
    recorded: the keyword arguments of each bar made."""
    from tqdm import tqdm as text_bar

    made = []

    class NotebookBar(text_bar):
        def __init__(self, *args, **kwargs):
            made.append(kwargs)
            super().__init__(*args, **kwargs)

    auto = types.ModuleType("tqdm.auto")
    auto.tqdm = NotebookBar
    widgets = types.ModuleType("ipywidgets")
    widgets.__spec__ = importlib.machinery.ModuleSpec("ipywidgets", None)
    monkeypatch.setitem(sys.modules, "ipykernel.zmqshell", types.ModuleType("ipykernel.zmqshell"))
    monkeypatch.setitem(sys.modules, "ipywidgets", widgets)
    monkeypatch.setitem(sys.modules, "tqdm.auto", auto)
    return made


def test_a_long_run_in_jupyter_shows_its_bar(jupyter_kernel, monkeypatch, capsys):
    """In a notebook, ``net.run(10.0)`` of a run of minutes showed nothing: a kernel's stderr is no terminal, and the
    bar showed by default only on one. Old behaviour: no bar (``progress=True`` needed); now a Jupyter kernel shows
    the long run's bar by default, tqdm.auto's (a widget with ipywidgets), not cut to 100 columns (100 pixels in a
    widget). Here a fake clock makes every chunk of a short run take 0.06 s (some 200 chunks: a "12 s" run)."""
    from qnsim import progress as progress_module

    clock = [0.0]

    def slow_clock():
        clock[0] += 0.03
        return clock[0]

    monkeypatch.setattr(progress_module.time, "perf_counter", slow_clock)
    assert not sys.stderr.isatty()
    _one_link().run(0.01)
    assert len(jupyter_kernel) == 1 and "ncols" not in jupyter_kernel[0], jupyter_kernel
    assert "sim s" in capsys.readouterr().err
    # The estimator's native passes take the same default.
    with progress_module.native_progress(None, ("counting",), "B") as report:
        assert isinstance(report, progress_module.NativeBar)
    # Outside a kernel, stderr not a terminal: no bar, but (round 39) plain lines, the run looking longer than 10 s.
    monkeypatch.delitem(sys.modules, "ipykernel.zmqshell")
    _one_link().run(0.01)
    err = capsys.readouterr().err
    assert len(jupyter_kernel) == 1 and "\r" not in err and "100%| 0.01/0.01 sim s" in err


def test_a_request_without_pairs_gives_one_upper_bound():
    """A request that delivered nothing in 100 ms showed "0-36.9" under "rate 95% (Hz)" and, on the line below, "the
    rate of 0 Hz only bounds it, below 30 Hz at 95% confidence": two 95% upper bounds side by side (the table's exact
    Poisson interval, the note's one-sided -ln(0.05)/t). Old behaviour: two rules; now the note gives the rate's own
    interval, as the table, repr and compare_results do; on a fixed schedule (the table's "exact") the note says the
    first pair comes after the window instead of a Poisson bound."""
    r = _one_link(seed=3, rate_hz=1.0).run(0.1, progress=False)
    request = r.requests[0]
    low, high = request.rate_interval95
    assert request.num_pairs == 0 and low == 0 and abs(high - 36.889) < 1e-3
    (note,) = request.notes
    assert note.endswith("the rate of 0 Hz only bounds it: its 95% interval is 0-36.9 Hz (Poisson)"), note
    table = r.summary_table().splitlines()
    assert " 0-36.9 " in table[2] and "30 Hz" not in table[3]
    assert "rate 95% 0-36.9 Hz," in repr(request)  # was "0-36.9Hz"
    comparison = qnsim.compare_results({"a": request, "b": _one_link(seed=4).run(0.1, progress=False)})
    assert comparison.rows[0]["rate_hz_high"] == high
    fixed = _one_link(rate_hz=1.0, success_probability=1.0).run(0.1, progress=False).requests[0]
    assert fixed.rate_interval95 is None
    assert fixed.notes == [
        "no pair delivered in the 100 ms window: on its fixed schedule (no sampling noise) the path's first pair comes "
        "more than 100 ms after the request's start; the rate of 0 Hz says no more"
    ]


def test_compare_results_says_which_runs_share_the_baseline_seed():
    """``qnsim.compare_results`` of two runs of one seed (common random numbers: the same network and seed with
    another policy) gave intervals made for independent runs, x1 [0.821, 1.22] for a run identical to the baseline,
    with no word that the runs share their draws. Old behaviour: silent; now each result knows its run's seed, rows of
    the baseline's seed carry ``same_seed`` and the comparison a remark naming them, saying the intervals are then
    conservative and how to resolve a smaller difference."""
    base, same, other = (_one_link(seed=s).run(0.2, progress=False) for s in (1, 1, 2))
    assert base.requests[0].seed == 1 and other.requests[0].seed == 2
    comparison = qnsim.compare_results({"x": base, "y": same, "z": other})
    assert [row["same_seed"] for row in comparison.rows] == [False, True, False]
    (remark,) = comparison.remarks
    assert remark.startswith("'y' ran with the seed of the baseline 'x' (1), so it is not independent of it")
    assert "conservative" in remark and "Network.run_seeds, qnsim.sweep" in remark
    assert f"note: {remark}" in str(comparison) and "ran with the seed of the baseline" in comparison._repr_html_()
    assert comparison.rows[1]["rate_ratio"] == 1.0  # an identical run: the remark says why its interval is not x1
    # Different seeds, or a result built by hand (seed not known): no remark.
    assert qnsim.compare_results({"x": base, "z": other}).remarks == ()
    unknown = dataclasses.replace(same.requests[0], seed=None)
    assert qnsim.compare_results({"x": base, "u": unknown}).remarks == ()


#: 8 pairs of a 1 kHz link in 5 ms: fewer than the 100 a rate's note asks for.
FEW_PAIRS_SCENARIO = two_node_scenario(0.005, seed=1, length_km=1.0, rate_hz=1000.0, success_probability=0.1)


def test_notes_name_the_option_of_the_place_they_are_read(tmp_path, capsys):
    """``qnsim run s.toml`` of a 5 ms run (8 pairs) printed "run longer (until_s) for at least 100 pairs", a Python
    keyword, where its user types ``--until``; a sweep's rows said the same where its scenario holds
    ``run.until_s``. Old behaviour: the Python spelling everywhere; now one mechanism (``qnsim._options``): a note names
    the setting as its reader changes it: ``until_s`` in Python, ``--until`` from the command (``requests.0.num_pairs``
    for a request's setting), ``run.until_s`` in a scenario sweep's rows, whichever process builds them."""
    import json

    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib

    from qnsim.cli import main, reading_as_command
    from qnsim.scenario import load_scenario, run_scenario_data, run_scenario_seeds
    from qnsim.sweep_cli import OPTIONS as sweep_options

    path = tmp_path / "few.toml"
    path.write_text(FEW_PAIRS_SCENARIO)
    network, settings = load_scenario(path)
    (python_note,) = network.run(settings.until_s, progress=False).requests[0].notes
    assert python_note.endswith("; run longer (until_s) for at least 100 pairs"), python_note
    assert main(["run", str(path)]) == 0
    assert python_note.replace("(until_s)", "(--until)") in capsys.readouterr().out
    assert main(["run", str(path), "--json"]) == 0
    (cli_note,) = json.loads(capsys.readouterr().out)["requests"][0]["notes"]
    assert cli_note == python_note.replace("(until_s)", "(--until)")
    data = tomllib.loads(FEW_PAIRS_SCENARIO)
    row_note = "run longer (run.until_s) for at least 100 pairs"
    assert row_note in run_scenario_data(data, 1)["notes"] and row_note in run_scenario_seeds(data, [1])[0]["notes"]
    with reading_as_command(sweep_options):  # a scenario's rows read the same under the command (qnsim sweep)
        assert row_note in run_scenario_data(data, 1)["notes"]
    # A request's own setting, from the command: the scenario key of that request.
    served = tmp_path / "served.toml"
    served.write_text(FEW_PAIRS_SCENARIO + "num_pairs = 3\n")
    assert main(["run", str(served)]) == 0
    assert "ask for at least 100 pairs (requests.0.num_pairs) to measure it" in capsys.readouterr().out
    with pytest.raises(ValueError, match="reader must be one of python, scenario, got 'gui'"):
        with qnsim._options.options_as("gui"):
            pass


def test_the_grid_example_gives_its_routing_comparison_an_interval(capsys, monkeypatch):
    """examples/grid_requests.py compared the routings by two bare means: "mean fidelity of served 0.8631" against
    "0.8669", and on the 7 requests both served "0.9027 routed by fidelity, 0.8796 by hops", with nothing saying
    whether 0.023 is more than the requests' spread. Old behaviour: no uncertainty; now each mean has its 95% Student t
    half-width over requests and the like-for-like difference its 95% interval, paired by request, with a verdict
    (here beyond the noise, barely: its interval starts at +1e-05)."""
    import os

    from script_modules import import_script

    example = import_script(os.path.join(os.path.dirname(__file__), os.pardir, "examples", "grid_requests.py"))
    monkeypatch.setattr(sys, "argv", ["grid_requests.py"])
    example.main()
    out = capsys.readouterr().out.splitlines()
    by_fidelity, by_hops = (example.run(10, 20, routing, 1).requests for routing in ("fidelity", "hops"))
    served = [r.mean_fidelity for r in by_fidelity if r.status == "served"]
    half = 2.1604 * np.std(served, ddof=1) / np.sqrt(len(served))  # t(0.975, 13): 14 served
    assert f"mean fidelity of served {np.mean(served):.4f} +- {half:.4f} (95%, over requests)" in out[-3]
    both = [(a, b) for a, b in zip(by_fidelity, by_hops) if a.status == b.status == "served"]
    paired = [a.mean_fidelity - b.mean_fidelity for a, b in both]
    half = 2.4469 * np.std(paired, ddof=1) / np.sqrt(len(paired))  # t(0.975, 6): 7 requests both served
    low, high = np.mean(paired) - half, np.mean(paired) + half
    assert len(paired) == 7 and 0 < low < 1e-4, (low, high)
    assert out[-1].endswith(
        f"difference {np.mean(paired):+.4f} [95%: {low:+.3g}, {high:+.3g}] (paired by request; beyond the noise)"
    ), out[-1]
    mean, half = example.mean_ci95([0.1, 0.2, 0.3])
    assert abs(mean - 0.2) < 1e-15 and abs(half - 4.3027 * 0.1 / 3**0.5) < 1e-12


def test_the_architects_example_says_its_ways_share_a_seed(capsys, monkeypatch):
    """examples/transducer_repeater.py runs direct, DEJMPS x1 and the repeater with seed 1 each and printed their
    comparison against direct ("rate x1.8 [1.7, 1.8]") with intervals made for independent runs, and no word that
    the runs share their links' draws. Old behaviour: the rows alone; now the comparison's same-seed remark is
    printed under the table, once."""
    import os

    from script_modules import import_script

    example = import_script(os.path.join(os.path.dirname(__file__), os.pardir, "examples", "transducer_repeater.py"))
    monkeypatch.setattr(sys, "argv", ["transducer_repeater.py", "--km", "10", "20", "--until", "0.05"])
    example.main()
    out = capsys.readouterr().out
    remark = "note: 'DEJMPS x1', 'repeater' ran with the seed of the baseline 'direct' (1), so they are not independent"
    assert out.count(remark) == 1, out


def test_the_estimates_capacity_fix_names_the_setting():
    """The systems planner's README estimate said "fix: 74,519 qubits per QPU, or spread the workload over more QPUs"
    and a placement over a QPU's logical qubits "QPU 0 is given 2 qubits but holds 1": neither named the setting to
    change, which is ``num_qubits`` (physical) or ``logical_qubits`` (error-corrected) in Python and in the links
    file alike. Old behaviour: no setting named; now each capacity reason names it."""
    from qnsim.estimate import Link, SurfaceCode, estimate, preset

    base = preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), logical_qubits=4)
    links = [Link((0, 1), rate_hz=1e8, fidelity=0.999, latency_s=1e-6)]
    text = "T 0\nCX 0 2\nM 0 2\n"
    small = estimate(text, [base.with_(num_qubits=100), base], links, placement=[0, 0, 1, 1])
    (reason,) = small.reasons
    needed = small.physical_qubits_per_qpu[0]
    assert f"has 100; fix: num_qubits >= {needed:,} per QPU, or spread the workload over more QPUs" in reason
    assert estimate(text, [base.with_(num_qubits=needed), base], links, placement=[0, 0, 1, 1]).verdict == "feasible"
    few = estimate(text, [base.with_(logical_qubits=1), base], links, placement=[0, 0, 1, 1])
    assert few.reasons == ["capacity too small: QPU 0 is given 2 qubits but holds 1 (logical_qubits)"]
