"""The users' journeys, round 14 (each test's docstring gives the old behaviour)."""

from __future__ import annotations

import os
import sys

import pytest
from scenarios import one_km_link_network as _one_link
from scenarios import two_node_scenario

import qnsim

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")



def test_a_script_says_how_its_user_changes_a_setting(capsys, monkeypatch):
    """``python examples/transducer_repeater.py --until 0.005`` printed "run longer (until_s) for at least 100
    pairs" under its table, a keyword its user never types: the mechanism that names ``--until`` for ``qnsim run``
    was private (``qnsim._options``) and took only qnsim's own readers. Old behaviour: the Python keyword; now
    ``qnsim.options_as`` also takes a script's mapping from settings to its options, and the example names
    ``--until``; a mapping's unknown setting or empty spelling is refused by name."""
    from script_modules import import_script

    example = import_script(os.path.join(EXAMPLES, "transducer_repeater.py"))
    monkeypatch.setattr(sys, "argv", ["transducer_repeater.py", "--km", "10", "--until", "0.005"])
    example.main()
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note: 10 km")]
    assert len(notes) == 3 and all(n.endswith("; run longer (--until) for at least 100 pairs") for n in notes), notes
    result = _one_link().run(0.005, progress=False).requests[0]
    (note,) = result.notes
    assert note.endswith("run longer (until_s) for at least 100 pairs")  # outside the block: Python's spelling
    with qnsim.options_as({"until_s": "--until", "seed": "--seed"}):
        assert result.notes == [note.replace("(until_s)", "(--until)")]
        assert qnsim.option_name("num_pairs", request=0) == "num_pairs"  # left out: Python's spelling
        with qnsim.options_as({"until_s": "--until"}, otherwise="scenario"):  # an inner reader wins in its block
            assert qnsim.option_name("until_s") == "--until" and qnsim.option_name("max_records") == "run.max_records"
        assert qnsim.option_name("seed") == "--seed"
    with pytest.raises(ValueError, match=r"options_as: 'until' is no setting a note names; did you mean 'until_s'"):
        with qnsim.options_as({"until": "--until"}):
            pass
    with pytest.raises(ValueError, match=r"the spelling of until_s must be a non-empty string .* got ''"):
        with qnsim.options_as({"until_s": ""}):
            pass


def _settings_named_raw() -> list[str]:
    """The string literals of the package (docstrings aside) that name a run or request setting as "(key)", the
    Python keyword written out, where :func:`qnsim.option_name` names it as the reader changes it. The estimator
    (``qnsim/estimate``) is left out: its settings (``target_fidelity``, a calibration's ``until_s``) are spelled
    alike in ``estimate()``, ``calibrate_link()`` and the links file ``qnsim estimate`` reads, which has no options
    for them."""
    import ast
    import dataclasses
    import pathlib
    import re

    from qnsim.scenario import RunSettings
    from qnsim.specs import RequestSpec

    keys = {f.name for spec in (RunSettings, RequestSpec) for f in dataclasses.fields(spec)} - {"name", "path"}
    raw = re.compile(r"\((%s)\)" % "|".join(sorted(keys | {"until_s"})))
    package = pathlib.Path(qnsim.__file__).parent
    found = []
    for source in sorted(package.rglob("*.py")):
        if "estimate" in source.relative_to(package).parts:
            continue
        tree = ast.parse(source.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        found += [
            f"{source.name}:{node.lineno}: {node.value.strip()[:80]!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and raw.search(node.value)
        ]
    return found


#: One memory per node and 2 records kept: a run that holds its requests' pairs back.
HELD_TOML = two_node_scenario(0.01, seed=1, max_records=2, node={"num_memories": 1}, length_km=1.0, rate_hz=1000.0,
                              success_probability=0.1)


def test_every_note_names_a_setting_as_its_reader_changes_it(tmp_path, capsys):
    """Round 13 routed the rate notes' ``until_s`` and ``num_pairs`` through ``option_name``, but other notes kept
    the Python keyword wherever they were read: ``qnsim run`` printed "2 of 12 pairs recorded (max_records)" (the
    file's ``run.max_records``) and, for a request waiting behind an endless one, "give them num_pairs or
    deadline_s"; ``qnsim plot`` of a scenario sweep said "ask for at least 100 pairs (num_pairs)" where the rows
    themselves say ``requests.0.num_pairs``; ``run_seeds``' memory refusal named "(max_records)". Old behaviour:
    the raw keyword; now every such note goes through the one mechanism (a scan of the package finds none written
    out), and the plot's note takes the setting as the rows' notes name it."""
    from qnsim.cli import main
    from qnsim.plot import summarize

    assert _settings_named_raw() == []
    held = tmp_path / "held.toml"
    held.write_text(HELD_TOML + '[[requests]]\nsrc = "a"\ndst = "b"\n')
    assert main(["run", str(held)]) == 0
    out = capsys.readouterr().out
    assert "2 of 12 pairs recorded (run.max_records)" in out, out
    assert "(give them requests.0.num_pairs or requests.0.deadline_s, more channels" in out, out
    network, settings = qnsim.load_scenario(held)
    result = network.run(settings.until_s, progress=False)
    assert "2 of 12 pairs recorded (max_records)" in result.requests[0].notes  # Python: the Network keyword
    assert "(give them num_pairs or deadline_s, more channels" in result.requests[1].notes[0]
    few = tmp_path / "few.toml"
    few.write_text(two_node_scenario(0.01, seed=1, node={"num_memories": 1}, length_km=1.0, rate_hz=1000.0,
                                     success_probability=0.1) + "num_pairs = 3\n")
    rows = qnsim.sweep(str(few), {"links.0.success_probability": [0.05, 0.1]}, seeds=3, progress=False, workers=1)
    (note,) = [n for n in summarize(rows, "links.0.success_probability", ["rate_hz"]).attrs["notes"] if "n/(n-1)" in n]
    assert note.endswith("the mean over seeds keeps that bias: ask for at least 100 pairs (requests.0.num_pairs)")


REPEATER_TOML = """name = "repeater"
[run]
until_s = 0.02
seed = 1
formalism = "bell_diagonal"
[[nodes]]
name = "qpu_a"
t1_s = 0.01
t2_s = 0.01
[[nodes]]
name = "rep"
role = "repeater"
t1_s = 0.01
t2_s = 0.01
[[nodes]]
name = "qpu_b"
t1_s = 0.01
t2_s = 0.01
[[links]]
a = "qpu_a"
b = "rep"
length_km = 20.0
fidelity = 0.95
rate_hz = 1e4
success_probability = 0.1
[[links]]
a = "rep"
b = "qpu_b"
length_km = 20.0
fidelity = 0.95
rate_hz = 1e4
success_probability = 0.1
[[requests]]
src = "qpu_a"
dst = "qpu_b"
"""


@pytest.mark.slow
def test_a_plot_against_a_linked_axis_says_the_other_parameter_moved(tmp_path, capsys):
    """The architect's sweep of a repeater's position, ``qnsim sweep rep.toml --param
    'links.0.length_km,links.1.length_km=5,35;10,30;20,20;30,10'``, then ``qnsim plot``: the axis read
    "links.0.length_km (km)" alone and nothing said that links.1.length_km moved with it (35 km at 5, 10 km at 30),
    so the curve read as one hop growing with the other held at the scenario's 20 km; the summary table had no
    links.1 column. Old behaviour: silent; now the table carries the linked parameter's value per point, a note
    names it with its values, and the axis says it was swept together (its values under the label). The plot's
    points and bars are the table's means and 95% Student t intervals of the rows."""
    import matplotlib
    import numpy as np

    from qnsim.plot import plot_sweep, summarize
    from qnsim.plot_cli import main as plot_main
    from qnsim.sweep_cli import main as sweep_main

    matplotlib.use("Agg")
    scenario = tmp_path / "rep.toml"
    scenario.write_text(REPEATER_TOML)
    rows = tmp_path / "pos.csv"
    axis = "links.0.length_km,links.1.length_km=5,35;10,30;20,20;30,10"
    argv = [str(scenario), "--param", axis, "--seeds", "3", "--out", str(rows), "--workers", "1", "--no-progress"]
    assert sweep_main(argv) == 0
    assert plot_main([str(rows), "--out", str(tmp_path / "pos.png")]) == 0
    err = capsys.readouterr().err
    assert (
        "note: links.1.length_km is not held fixed: it was swept together with links.0.length_km "
        "(links.1.length_km = 35 at 5, 30 at 10, 20 at 20, 10 at 30)"
    ) in err, err
    table = summarize(str(rows), "links.0.length_km", ["rate_hz", "mean_fidelity"])
    assert table["links.1.length_km"].tolist() == [35, 30, 20, 10]
    figure = plot_sweep(str(rows), "links.0.length_km")
    assert figure.axes[-1].get_xlabel() == (
        "links.0.length_km (km)\nwith links.1.length_km (km) swept together: 35, 30, 20, 10"
    )
    import pandas as pd

    frame = pd.read_csv(rows)
    for panel, column in zip(figure.axes, ("rate_hz", "mean_fidelity")):
        line, caps, (bars,) = panel.containers[0]
        by_x = frame.groupby("links.0.length_km")[column]
        assert np.allclose(line.get_ydata(), by_x.mean()) and np.allclose(line.get_ydata(), table[f"{column}_mean"])
        half = 4.3027 * by_x.std(ddof=1).to_numpy() / np.sqrt(3)  # t(0.975, 2), as tabulated to 4 decimals
        assert np.allclose([s[1, 1] - s[0, 1] for s in bars.get_segments()], 2 * half, rtol=1e-12)
    # With a hue, the note names each (x, value) once, not once per curve; a parameter swept with the hue is named
    # with it, and in each curve's legend entry.
    hued = tmp_path / "hued.csv"
    argv = [str(scenario), "--param", "links.0.length_km,links.1.length_km=5,35;30,10", "--param",
            "links.*.channels,requests.0.start_s=1,0;2,0.001", "--out", str(hued), "--no-progress"]  # fmt: skip
    assert sweep_main(argv) == 0
    notes = summarize(str(hued), "links.0.length_km", ["rate_hz"], "requests.0.start_s").attrs["notes"]
    assert [n.split(", so each")[0] for n in notes if "swept together" in n] == [
        "links.1.length_km is not held fixed: it was swept together with links.0.length_km (links.1.length_km = 35 "
        "at 5, 10 at 30)",
        "links.*.channels is not held fixed: it was swept together with requests.0.start_s (links.*.channels = 1 at "
        "0.0, 2 at 0.001)",
    ], notes
    figure = plot_sweep(str(hued), "links.0.length_km", ["rate_hz"], hue="requests.0.start_s")
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == [
        "requests.0.start_s = 0.0, links.*.channels = 1", "requests.0.start_s = 0.001, links.*.channels = 2"
    ]
    assert figure.axes[0].get_xlabel() == "links.0.length_km (km)\nwith links.1.length_km (km) swept together"
    # One parameter swept: nothing linked, the axis names it alone.
    assert sweep_main([str(scenario), "--param", "links.0.length_km=5,10", "--out", str(tmp_path / "one.csv")]) == 0
    assert summarize(str(tmp_path / "one.csv"), "links.0.length_km", ["rate_hz"]).attrs["linked"] == []
    assert plot_sweep(str(tmp_path / "one.csv"), "links.0.length_km").axes[-1].get_xlabel() == "links.0.length_km (km)"


def test_qnsim_plot_names_its_own_options_when_it_refuses_rows(tmp_path, capsys):
    """``qnsim plot pur.csv`` of a sweep over ``links.*.channels,requests.0.purification_rounds=2,0;2,1;3,2`` (the
    channels a purification round needs, swept with it) took the first parameter as x and refused the rows with
    "plot one of them as hue", ``plot_sweep``'s keyword, to a user who types ``--hue`` (and the other way out, that
    parameter as ``--x``, went unsaid). Old behaviour: the Python keyword; now ``qnsim plot`` reads as the command
    (``--hue``, ``--x``), Python as Python (``hue``, ``x``)."""
    from qnsim.plot import summarize
    from qnsim.plot_cli import main as plot_main

    rows = tmp_path / "pur.csv"
    rows.write_text(
        "links.*.channels,requests.0.purification_rounds,seed,rate_hz,mean_fidelity,point_id\n"
        "2,0,0,1000.0,0.83,p0\n2,1,0,300.0,0.66,p1\n3,2,0,150.0,0.53,p2\n"
    )
    assert plot_main([str(rows), "--out", str(tmp_path / "pur.png")]) == 2
    err = capsys.readouterr().err
    assert "plot one of them as --hue (one curve per value) or as --x, or select the rows of one value" in err, err
    with pytest.raises(ValueError, match=r"plot one of them as hue \(one curve per value\) or as x, or select"):
        summarize(str(rows), "links.*.channels", ["rate_hz"])
    assert plot_main([str(rows), "--x", "requests.0.purification_rounds", "--out", str(tmp_path / "p.png")]) == 0


@pytest.mark.slow
def test_the_architects_repeater_journey_runs_from_the_tutorial_as_written(tmp_path, monkeypatch, capsys):
    """The network architect's journey on a repeater through transducers had no command-line steps: the tutorial
    sent them to ``examples/transducer_repeater.py`` (a Python script), and no scenario held a repeater between
    transducer QPUs, so ``qnsim run``, ``qnsim sweep`` over the repeater's position or purification rounds and
    ``qnsim plot`` had to be pieced together (the default x of the rounds sweep, the channels, is refused). Old
    behaviour: no such steps; now ``examples/transducer_repeater.toml`` and the tutorial's commands, run here as
    written, and what the tutorial says of their results holds: the midpoint gives the highest rate and fidelity,
    a purification round lowers both, and each plot names the parameter swept with its x."""
    import shlex

    import pandas
    from repo_text import EXAMPLES, ROOT, read_text

    from qnsim.cli import main
    from qnsim.plot import summarize

    tutorial = read_text(ROOT / "docs" / "tutorials" / "two_qpus_transducers.md")
    block = tutorial.split("## The repeater from the command line", 1)[1].split("```bash\n", 1)[1].split("```")[0]
    commands = block.strip().splitlines()
    assert len(commands) == 5 and all(c.startswith("qnsim ") for c in commands), commands
    scenario_text = read_text(EXAMPLES / "transducer_repeater.toml")
    assert all(f"#   {c}" in scenario_text for c in commands if "examples/" in c)  # the file's own comments agree
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(EXAMPLES)
    for command in commands:
        assert main(shlex.split(command)[1:]) == 0, command
    err = capsys.readouterr().err
    assert "links.1.length_km is not held fixed: it was swept together with links.0.length_km" in err
    assert (tmp_path / "position.png").exists() and (tmp_path / "rounds.png").exists()
    position = summarize("position.csv", "links.0.length_km", ["rate_hz", "mean_fidelity"])
    best = position.set_index("links.0.length_km")
    assert best["rate_hz_mean"].idxmax() == 20 and best["mean_fidelity_mean"].idxmax() == 20
    rounds = summarize("rounds.csv", "requests.0.purification_rounds", ["rate_hz", "mean_fidelity"])
    assert rounds["rate_hz_mean"].is_monotonic_decreasing and rounds["mean_fidelity_mean"].is_monotonic_decreasing
    # Every number of rounds on the same hardware (round 16: the unpurified point had 2 channels, two rounds 3).
    assert set(pandas.read_csv("rounds.csv")["links.*.channels"]) == {3}


#: 8 pairs in 5 ms, memories of T1 = T2 = 1 s.
FEW_TOML = two_node_scenario(0.005, seed=1, node={"t1_s": 1.0, "t2_s": 1.0}, length_km=1.0, rate_hz=1000.0,
                             success_probability=0.1)


def test_a_measured_supply_names_how_its_run_is_lengthened(tmp_path, capsys):
    """``qnsim qec link few.toml`` of a 5 ms scenario (8 pairs) warned "simulate longer (until_s) for at least 100
    pairs", though the command has no such option and its own zero-pair message says "the scenario's run.until_s";
    and the measuring (or calibration) run's own notes, read under a command, said "run longer (--until)", an
    option neither ``qnsim qec link`` nor ``qnsim estimate`` has. Old behaviour: the Python keyword, or another
    command's option; now ``supply_notes`` is told how its reader lengthens the run (``run.until_s`` from the
    scenario, ``until_s`` for ``calibrate_link``'s keyword and the links file's key) and reads the request's notes
    so, its other settings as the scenario's."""
    import numpy as np

    from qnsim.cli import main
    from qnsim.estimate.calibrate import supply_notes
    from qnsim.results import RequestResult

    few = tmp_path / "few.toml"
    few.write_text(FEW_TOML)
    assert main(["qec", "link", str(few), "--distance", "3"]) == 0
    out = capsys.readouterr().out
    assert "; simulate longer (run.until_s) for at least 100 pairs" in out and "(until_s)" not in out, out
    # A run whose first pair came late (the note that asks for a longer run, not left out as the calibration's own).
    late = RequestResult(0, "a", "b", ["a", "b"], 0.0, None, np.linspace(0.2, 0.5, 150), np.full(150, 0.9),
                         np.zeros(150), end_s=0.5, first_delivery_s=0.2)  # fmt: skip
    with qnsim.options_as({}, otherwise="scenario"):  # as under qnsim estimate or qnsim qec link
        (calibration,) = supply_notes(late, 0.5, "calibrated", "calibration run")
        (measured,) = supply_notes(late, 0.5, "measured", "the measuring run", "run.until_s")
    assert calibration.endswith("; run longer (until_s) until the start-up is a small part of the window")
    assert measured.endswith("; run longer (run.until_s) until the start-up is a small part of the window")
