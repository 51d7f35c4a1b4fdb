"""The users' journeys, round 8 (each test's docstring gives the old behaviour)."""

from __future__ import annotations

import os

import pytest

import qnsim

SCENARIO = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "two_qpus_transducers.toml")


@pytest.mark.parametrize(("written", "meant"), [("on_pair_redy", "on_pair_ready"), ("on_pair_lots", "on_pair_lost"),
                                             ("on_Message", "on_message"), ("on_timeout", "on_timer")])
def test_a_misspelt_callback_is_refused_with_the_callbacks_name(written, meant):
    """A protocol whose ``on_pair_ready`` was misspelt (``on_pair_redy``) ran: nothing ever called the method, and
    the request ended open with 0 of 3 pairs, the result's note saying only that the protocol held every memory with no
    event left; a misspelt ``on_pair_lots`` beside a working ``on_pair_ready`` was never called on a cutoff's loss,
    without any word. Old behaviour: those runs; now the class itself is refused, naming the callback meant."""

    def callback(self, *args):
        pass

    with pytest.raises(TypeError, match=rf"defines {written}, which qnsim never calls.*did you mean '{meant}'"):
        type("Misspelt", (qnsim.Protocol,), {"on_pair_ready": callback, written: callback})


def test_a_callback_qnsim_does_not_have_is_refused():
    """``on_start`` (a callback other simulators have) was accepted and never called. Old behaviour: silence; now
    refused, listing the four callbacks, with no misleading did-you-mean."""
    with pytest.raises(TypeError, match=r"defines on_start, which qnsim never calls: the callbacks are on_pair_ready, "
                                        r"on_message, on_timer, on_pair_lost; a method of your own") as info:

        class Starting(qnsim.Protocol):
            def on_start(self):
                pass

    assert "did you mean" not in str(info.value)


def test_helpers_and_the_four_callbacks_are_still_accepted():
    """The check refuses only ``on_`` names qnsim does not call: every callback, and helpers named otherwise, pass,
    and such a protocol runs (a one-hop deliverer gets its pairs)."""

    class Deliverer(qnsim.Protocol):
        def on_pair_ready(self, node, slot, partner_slot):
            if node == self.request.src and partner_slot is not None:
                self.deliver(slot, partner_slot)

        def on_message(self, node, message):
            pass

        def on_timer(self, node, payload):
            pass

        def on_pair_lost(self, node, slot, partner_slot):
            pass

        def handle_swap(self):  # a helper of the user's own
            pass

    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=1e3)
    net.request("a", "b", num_pairs=3, protocol=Deliverer())
    assert net.run(0.1, progress=False).requests[0].num_pairs == 3


def test_a_plot_of_several_requests_names_the_other_requests_columns():
    """The README's sweep of examples/two_qpus_transducers.toml (two requests) plotted by default only the first
    request's figures (transmon memories, NOT ENTANGLED at 20 km); the second (the 10 ms memories the scenario is
    about) stayed in the rows, unnamed. Old behaviour: the y label named the first request, nothing the other; now a
    note (stderr of ``qnsim plot``, ``summarize(...).attrs["notes"]``) names the other request's columns."""
    pytest.importorskip("pandas")
    from qnsim.plot import summarize

    rows = [
        {"links.*.length_km": km, "seed": seed, "a->b.rate_hz": 10.0 / km, "a->b.mean_fidelity": 0.6,
         "c->d.rate_hz": 11.0 / km, "c->d.mean_fidelity": 0.98, "rate_hz": 10.0 / km, "mean_fidelity": 0.6}
        for km in (5, 10) for seed in (0, 1)
    ]
    notes = summarize(rows, "links.*.length_km", ["rate_hz", "mean_fidelity"]).attrs["notes"]
    said = [n for n in notes if "the first of the rows' 2 requests" in n]
    assert said == ["rate_hz, mean_fidelity: request a->b's, the first of the rows' 2 requests; the other has columns "
                    "of its own: c->d.rate_hz, c->d.mean_fidelity (qnsim plot --y COLUMN, or plot_sweep's y=)"]
    mine = summarize(rows, "links.*.length_km", ["c->d.rate_hz"]).attrs["notes"]
    assert not [n for n in mine if "requests;" in n]  # a request's own column needs no such note


def test_qec_link_ties_its_idle_error_to_the_verdicts_flip_probability(capsys):
    """``qnsim qec link examples/two_qpus_transducers.toml --request 1 --distance 5`` printed "data idle error per
    round from waiting: 0.1409" and, below it, a verdict on "flips ... with probability 0.094": two figures for one wait
    and nothing tying them. Old behaviour: the total alone; now its X, Y, Z split, whose X + Y is the verdict's flip
    probability, which names the errors it adds."""
    pytest.importorskip("stim")
    from qnsim.cli import main

    assert main(["qec", "link", SCENARIO, "--request", "1", "--distance", "5", "--probes", "2"]) == 0
    out = capsys.readouterr().out
    idle_line = next(line for line in out.splitlines() if "data idle error per round from waiting" in line)
    total = float(idle_line.split("waiting: ")[1].split()[0])
    p_x, p_y, p_z = (float(idle_line.split(f"{axis} ")[1].split(",")[0].split()[0]) for axis in ("X", "Y", "Z"))
    assert p_x + p_y + p_z == pytest.approx(total, rel=2e-3)
    verdict = next(line for line in out.splitlines() if "THRESHOLD" in line)
    flip = float(verdict.split("with probability ")[1].split(",")[0])
    assert flip == pytest.approx(max(p_x, p_z) + p_y, rel=2e-3) and "its X + Y errors" in verdict


@pytest.mark.parametrize(("builder", "given", "shape"), [("chain", {"num_nodes": 1000}, "n"),
                                                         ("grid", {"rows": 3, "columns": 3}, "cols"),
                                                         ("star", {"spokes": 4}, "n_leaves")])
def test_a_misnamed_shape_key_of_a_topology_is_named_as_the_shape_key(builder, given, shape):
    """A 1,000-node chain written as ``[topology] builder = "chain"`` with ``num_nodes = 1000`` was asked "did you
    mean 'num_memories'?", and ``nodes = 1000`` got the 34 keys a topology takes, the chain's ``n`` among them.
    Old behaviour: those messages; now, while a shape key is missing, a key that is no near-typo of a known one is
    named as that shape key misnamed. A near-typo (``lenght_km``) still gets its own did-you-mean."""
    from qnsim.scenario import ScenarioError, scenario_from_dict

    table = {"builder": builder, "length_km": 1.0, "fidelity": 0.9, "rate_hz": 1e3, **given}
    wrong = next(key for key in given if key not in ("rows",))
    with pytest.raises(ScenarioError, match=rf"topology\.{wrong} is not a key of \[topology\]; builder '{builder}' "
                                            rf"takes its shape as .*did you mean '{shape}'\?"):
        scenario_from_dict({"run": {"until_s": 0.01}, "topology": table})
    typo = {"builder": "chain", "lenght_km": 1.0, "fidelity": 0.9, "rate_hz": 1e3}
    with pytest.raises(ScenarioError, match=r"unknown key topology\.lenght_km; did you mean 'length_km'\?"):
        scenario_from_dict({"run": {"until_s": 0.01}, "topology": typo})


EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")


@pytest.mark.parametrize(("argv", "kind", "command"), [
    (["run", os.path.join("qec", "transducer_memory.toml")], "a distributed-QEC experiment", "qnsim qec sweep"),
    (["sweep", os.path.join("qec", "interface_threshold.toml"), "--no-progress"], "a distributed-QEC experiment",
     "qnsim qec sweep"),
    (["run", os.path.join("estimate", "links.toml")], "an estimator links file", "qnsim estimate WORKLOAD --links"),
    (["qec", "sweep", "two_qpus_transducers.toml"], "a network scenario", "qnsim run"),
    (["qec", "link", os.path.join("qec", "interface_threshold.toml")], "a distributed-QEC experiment",
     "qnsim qec sweep"),
    (["estimate", os.path.join("estimate", "workload.stim"), "--links", "two_qpus_transducers.toml"],
     "a network scenario", "qnsim run"),
])
def test_a_file_given_to_another_kinds_command_is_named_with_its_command(argv, kind, command, tmp_path, capsys):
    """The shipped files come in three kinds (network scenario, QEC experiment, estimator links file), each read by its
    own command. ``qnsim run examples/qec/transducer_memory.toml`` said "unknown key experiment (known: name,
    description, run, ...)", ``qnsim qec link`` on an experiment "request 0 does not exist (0 requests ...)", and so on
    across the commands. Old behaviour: keys listed, never the file's kind; now the file's kind and the command that
    reads it (status 2)."""
    from qnsim.cli import main

    argv = [os.path.join(EXAMPLES, a) if a.endswith(".toml") or a.endswith(".stim") else a for a in argv]
    if argv[:2] == ["qec", "sweep"] or argv[0] == "sweep":
        argv += ["--out", str(tmp_path / "rows.csv")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"is {kind} ([" in err and f"read it with {command}" in err


def test_a_misspelt_top_level_key_of_a_scenario_keeps_its_did_you_mean():
    """The file-kind message is for another kind's keys only: a scenario with ``[runn]`` still gets "did you mean
    'run'", and one with a stray ``[qpu]`` beside its nodes is a scenario with a stray key, not a links file."""
    from qnsim.scenario import ScenarioError, scenario_from_dict

    with pytest.raises(ScenarioError, match=r"unknown key runn; did you mean 'run'"):
        scenario_from_dict({"runn": {"until_s": 1.0}, "nodes": [{"name": "a"}]})
    with pytest.raises(ScenarioError, match=r"unknown key qpu"):
        scenario_from_dict({"run": {"until_s": 1.0}, "nodes": [{"name": "a"}], "qpu": [{}]})


def test_a_seeds_only_sweep_of_a_broken_scenario_fails_before_making_its_out(tmp_path):
    """``qnsim sweep typo.toml --out rows.csv`` (no ``--param``: seeds alone) of a scenario with a misspelt key built
    nothing before the points ran: the first point failed in its worker, and an empty rows.csv was left behind (a
    grid's values were built first, and a refused one left no file). Old behaviour: the error, and a 0-byte out; now
    the scenario is built once before the out is used, its own message, and no file."""
    from qnsim.scenario import ScenarioError

    with open(SCENARIO) as f:
        text = f.read().replace("length_km = 10.0", "lenght_km = 10.0", 1)
    scenario = tmp_path / "typo.toml"
    scenario.write_text(text)
    out = tmp_path / "rows.csv"
    with pytest.raises(ScenarioError, match=r"unknown key links\[0\]\.lenght_km; did you mean 'length_km'"):
        qnsim.sweep(str(scenario), {}, seeds=2, out=str(out), progress=False)
    assert not out.exists()


def test_an_integer_written_as_a_float_is_told_how_to_write_it(tmp_path, capsys):
    """``num_pairs = 1e3`` in a scenario, ``t_count = 1e9`` in a workload summary or ``num_pairs=1e6`` in Python were
    refused as "must be an integer, got 1000.0", leaving the reader to find that an integer has no exponent form.
    Old behaviour: that message; now it says how to write it (``1_000``, valid TOML and Python). A fractional,
    infinite or huge float, a bool or a string gets no such suggestion."""
    from qnsim.argument_checks import integer
    from qnsim.cli import main

    with open(SCENARIO) as f:
        text = f.read().replace('dst = "qpu_b"\n', 'dst = "qpu_b"\nnum_pairs = 1e3\n', 1)
    scenario = tmp_path / "pairs.toml"
    scenario.write_text(text)
    assert main(["run", str(scenario)]) == 2
    assert ("requests[0].num_pairs must be an integer, got 1000.0 (a float; write it as the integer 1_000)"
            in capsys.readouterr().err)
    summary = tmp_path / "w.toml"
    summary.write_text("logical_qubits = 100\nt_count = 1e9\n")
    assert main(["estimate", str(summary), "--links", os.path.join(EXAMPLES, "estimate", "links.toml")]) == 2
    assert "t_count must be an integer, got 1000000000.0 (a float; write it as the integer 1_000_000_000)" in (
        capsys.readouterr().err)
    for value in (2.5, float("inf"), 1e300, True, "3"):
        with pytest.raises(TypeError) as info:
            integer("x", value)
        assert "write it as" not in str(info.value)


def test_qnsim_plot_draws_a_qec_threshold_sweep_as_curves_per_distance(tmp_path, capsys):
    """``qnsim plot interface.csv`` after the README's ``qnsim qec sweep examples/qec/interface_threshold.toml`` (rows:
    distance, p_bulk, p_int, seed, ...) stopped with "rows with the same distance differ in the swept parameter(s)
    'p_bulk'": its default x was the first column. Old behaviour: status 2; now a QEC sweep whose first parameter is
    the distance draws per_round against the first other parameter that varies, one curve per distance, and says so.
    An x or hue given keeps its meaning."""
    pytest.importorskip("matplotlib")
    from qnsim.cli import main

    rows = tmp_path / "interface.csv"
    lines = ["distance,p_bulk,p_int,seed,shots,errors,per_round,per_round_low,per_round_high"]
    for d in (3, 5):
        for p in (0.005, 0.01):
            lines.append(f"{d},{p},0.1,0,1000,{int(p * 1e4)},{p * 10},{p * 8},{p * 12}")
    rows.write_text("\n".join(lines) + "\n")
    assert main(["plot", str(rows), "--out", str(tmp_path / "p.png")]) == 0
    err = capsys.readouterr().err
    assert "per_round against p_bulk, one curve per distance" in err and (tmp_path / "p.png").exists()
    assert main(["plot", str(rows), "--x", "distance", "--hue", "p_bulk", "--out", str(tmp_path / "q.png")]) == 0
    err = capsys.readouterr().err
    assert "plotted per_round against distance" in err and "one curve per distance" not in err
