"""The users' journeys, round 17 (each test's docstring gives the old behaviour)."""

from __future__ import annotations

import os
import sys

import pytest

import qnsim

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")


def _chain_policy():
    from script_modules import import_script

    return import_script(os.path.join(EXAMPLES, "chain_policy.py"))


def test_a_policy_doing_what_the_native_protocol_does_prints_its_rate_and_interval(capsys, monkeypatch):
    """``python examples/chain_policy.py --nodes 10 --pairs 3``: ``ChainSwapASAP`` delivers the native swap-ASAP
    run's pairs bit for bit, yet its rate read the Poisson interval of a served request (1.49-17.4 kHz, and the note
    "reads high") where the native request, on the same fixed schedule, read "exact": one quantity, two intervals,
    by which path computed it. Old behaviour: any Python protocol's deliveries were taken as random; now a protocol
    class declares ``random_choices = False`` when its choices read no random outcome, and its request's interval
    follows the native rule (the example's policy declares it), and the table's legend says which interval it gives."""
    example = _chain_policy()
    native, python, _ = example.compare(10, 3)
    a, b = native.requests[0], python.requests[0]
    assert list(a.times_ps) == list(b.times_ps)  # the same deliveries
    assert a.rate_interval95 is None and b.rate_interval95 is None
    assert a.rate_text() == b.rate_text() and a.notes == b.notes and a.random_arrivals is b.random_arrivals is False
    monkeypatch.setattr(sys, "argv", ["chain_policy.py", "--nodes", "10", "--pairs", "3"])
    example.main()
    lines = capsys.readouterr().out.splitlines()
    (row,) = [line for line in lines if line.split()[:2] == ["10", "9"]]
    assert "exact" in row.split() and row.split()[-1] == "yes", row
    (legend,) = [line for line in lines if line.startswith("legend: ")]  # which interval the column gives
    assert "exact: deliveries on a fixed schedule" in legend and "random_choices = False" in legend, legend


def test_a_declared_policy_on_random_links_reads_the_native_interval():
    """The declaration changes how the deliveries are read, not what they are: on links that herald at random
    (success probability 0.3 per attempt) the native request and ``ChainSwapASAP`` give the same deliveries and the
    same Poisson interval; an undeclared copy of the policy keeps the random reading (its choices may read
    outcomes), and a declared one that reads a density-matrix pair's fidelity (which may follow the swap outcomes)
    loses the fixed schedule. Old behaviour: every Python protocol's request read random, whatever it did."""
    example = _chain_policy()

    def run(protocol, *, formalism="bell_diagonal", **link):
        net = qnsim.chain(4, length_km=1.0, fidelity=0.99, formalism=formalism, seed=7, **link)
        net.request("n0", "n3", num_pairs=20, protocol=protocol, generation="on_demand")
        return net.run(1.0, progress=False).requests[0]

    random_links = {"rate_hz": 1e4, "success_probability": 0.3}
    native, python = run(None, **random_links), run(example.ChainSwapASAP(), **random_links)
    assert list(native.times_ps) == list(python.times_ps) and native.num_pairs == 20
    assert native.rate_interval95 is not None and native.rate_interval95 == python.rate_interval95

    class Undeclared(example.ChainSwapASAP):
        random_choices = True

    assert run(None, rate_hz=1e4).rate_interval95 is None
    assert run(Undeclared(), rate_hz=1e4).rate_interval95 is not None

    class ReadsFidelity(example.ChainSwapASAP):
        def on_pair_ready(self, node, slot, partner_slot):
            if partner_slot is not None:
                self.pair_fidelity(slot)
            super().on_pair_ready(node, slot, partner_slot)

    assert run(ReadsFidelity(), rate_hz=1e4, formalism="bell_diagonal").rate_interval95 is None
    assert run(ReadsFidelity(), rate_hz=1e4, formalism="density_matrix").rate_interval95 is not None


@pytest.mark.parametrize("value", ["no", 0, None])
def test_random_choices_must_be_a_bool(value):
    """``random_choices`` read as a truth value: a class writing ``random_choices = "no"`` (or 0) would have claimed
    or dropped a fixed schedule without a word. Old behaviour: the attribute did not exist; now anything but True or
    False is refused by name, on the class and on an instance."""
    with pytest.raises(TypeError, match=r"Bad\.random_choices must be True or False, got"):
        type("Bad", (qnsim.Protocol,), {"random_choices": value})
    with pytest.raises(TypeError, match=r"Protocol\.random_choices must be True or False, got"):
        qnsim.Protocol().random_choices = value


@pytest.mark.slow
def test_the_rate_each_link_must_deliver_is_checked_with_the_buffer_the_note_names():
    """The planner reads "link 0-1 must deliver 2.1e+08 raw pairs/s ... estimated again with the link at 2.1e+08, it
    takes d = 21, 1 purification round(s) ... and meets its own need (2.55e+05 s (2.95 days), bound: local compute)"
    and estimates again with a link of 2.1e+08 pairs/s: 140 days at d = 23, bound by the link's 64-pair buffer. The
    check had run the link with the 5,313 buffer_pairs that rate needs, which only a second note named. Old behaviour:
    the note said the link at that rate meets its need; now it names the buffer it was checked with, which is the one
    the buffer note asks for, and the link at both gives what the note says (the README and tutorial say so too)."""
    import dataclasses
    import re

    from repo_text import EXAMPLES, ROOT, read_text

    from qnsim.estimate import Workload, estimate
    from qnsim.estimate_cli import load_network

    workload = Workload.from_file(EXAMPLES / "estimate" / "workload.stim")
    qpus, links, options = load_network(str(EXAMPLES / "estimate" / "links.toml"))
    report = estimate(workload, qpus, links, **options)
    (note,) = [n for n in report.notes if "must deliver" in n and "estimated again with the link at" in n]
    m = re.search(r"with the link at \S+ and ([\d,]+) buffer_pairs \(the link's 64 hold it below that rate\), it takes "
                  r"d = (\d+), (\d+) purification round\(s\).* \(\S+ s \((\S+) days\), bound: ", note)
    assert m, note
    buffer, distance, rounds, days = int(m.group(1).replace(",", "")), int(m.group(2)), int(m.group(3)), m.group(4)
    (buffer_note,) = [n for n in report.notes if n.startswith("link 0-1 needs ") and "buffer_pairs" in n]
    assert buffer_note.endswith(f"it needs {m.group(1)} buffer_pairs with it"), buffer_note
    need = report.links[0].required_rate_hz
    at_need = dataclasses.replace(links[0], rate_hz=need / links[0].channels, rate_interval95=None)
    checked = estimate(workload, qpus, [dataclasses.replace(at_need, buffer_pairs=buffer)], **options)
    assert (checked.error_corrected.code_distance, checked.links[0].purification_rounds) == (distance, rounds)
    assert f"{checked.wall_clock_s / 86400:.3g}" == days
    for path in (ROOT / "README.md", ROOT / "docs" / "tutorials" / "estimate_1e12.md"):
        assert f"{m.group(1)} `buffer_pairs`" in " ".join(read_text(path).split()), path.name


@pytest.mark.slow
def test_the_estimates_syndrome_round_is_what_qec_link_takes_as_its_cycle(capsys):
    """From ``qnsim estimate`` to ``qnsim qec link``: the estimate printed only "logical cycle 7.6e-06 s" (d = 19
    syndrome rounds), and ``qnsim qec link --cycle-time`` takes one syndrome round; the planner who gave it the
    logical cycle read "required rate: 4.87e+06 pairs/s" for the rounds the estimate prices at 9.25e+07 (37 pairs in
    each 400 ns round), 19 times too few. Old behaviour: no syndrome round in the estimate's output; now the logical
    cycle row gives d and the round, named as qec link's option, and the round given there asks for the rate the
    estimate's note gives for raw pairs at that distance."""
    import re

    from repo_text import EXAMPLES

    from qnsim.cli import main

    workload, links = str(EXAMPLES / "estimate" / "workload.stim"), str(EXAMPLES / "estimate" / "links.toml")
    assert main(["estimate", workload, "--links", links]) == 1
    report = capsys.readouterr().out
    cycle = re.search(r"logical cycle +(\S+) s \((\d+) syndrome rounds of (\S+) s: qnsim qec link's --cycle-time\)",
                      report)
    asked = re.search(r"not the (\S+) its pairs ask for as the link is given \(d = (\d+), 0 purification round\(s\), "
                      r"1 raw pairs per pair\)", report)
    assert cycle and asked and cycle.group(2) == asked.group(2), report
    assert float(cycle.group(1)) == pytest.approx(int(cycle.group(2)) * float(cycle.group(3)), rel=1e-2)
    scenario = str(EXAMPLES / "two_qpus_transducers.toml")
    assert main(["qec", "link", scenario, "--request", "1", "--distance", cycle.group(2),
                 "--cycle-time", cycle.group(3)]) == 0  # fmt: skip
    required = re.search(r"required rate: (\S+) pairs/s", capsys.readouterr().out)
    assert float(required.group(1)) == pytest.approx(float(asked.group(1)), rel=2e-3), (required.group(0), asked.group(0))


def test_a_calibration_of_a_purifying_request_says_its_pairs_are_purified():
    """A links file's ``scenario =`` link calibrated from a request that purifies (``examples/repeater_purification.toml``
    request 1: one DEJMPS round per link) gave 381.5 pairs/s at F = 0.7831, pairs after the round, which the estimate's
    report calls raw pairs ("raw pairs per second" in what each link must deliver), with no word that they were
    purified: a planner building a link of raw pairs at the rate asked for gets other pairs than those priced. Old
    behaviour: no note; now the calibration (and so the estimate's notes) says the pairs are purified and what the
    estimate's raw pairs/s count, naming the scheme and rounds; the unpurified request gets no such note."""
    from repo_text import EXAMPLES

    from qnsim.estimate import calibrate_link

    scenario = str(EXAMPLES / "repeater_purification.toml")
    purified = calibrate_link(scenario, request=1, until_s=0.2, seed=1)
    (note,) = [n for n in purified.notes if "purifies" in n]
    assert note.startswith("the scenario's request purifies (dejmps, 1 round(s) on each link): its "), note
    assert f"{purified.rate_hz:.4g} pairs/s at F = {purified.fidelity:.4g} are pairs after those rounds" in note
    assert not [n for n in calibrate_link(scenario, request=0, until_s=0.2, seed=1).notes if "purifies" in n]
