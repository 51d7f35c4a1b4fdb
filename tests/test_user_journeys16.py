"""The users' journeys, round 16 (each test's docstring gives the old behaviour)."""

from __future__ import annotations

import os
import sys

import qnsim

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")


def test_the_chain_policy_table_gives_each_rate_its_interval_and_notes(capsys, monkeypatch):
    """``python examples/chain_policy.py --nodes 10`` printed "rate (Hz) 7224" for the Python policy's 3 pairs,
    with neither the rate's 95% interval (1.49-17.4 kHz) nor the request's note that a rate from 3 pairs whose
    window ended on the last one reads high (the tutorial's table and plot likewise, without error bars). Old
    behaviour: a bare rate; now a "rate 95% (Hz)" column, the notes under the table naming the script's own
    option (``--pairs``), and error bars on the plot. (Since round 17 the example's policy declares
    ``random_choices = False`` and reads "exact" as the native run does; an undeclared policy, as here, keeps the
    random reading, and the table its interval and notes.)"""
    from script_modules import import_script

    example = import_script(os.path.join(EXAMPLES, "chain_policy.py"))
    monkeypatch.setattr(example.ChainSwapASAP, "random_choices", True)
    monkeypatch.setattr(sys, "argv", ["chain_policy.py", "--nodes", "10", "--pairs", "3"])
    example.main()
    lines = capsys.readouterr().out.splitlines()
    assert "rate 95% (Hz)" in lines[0]
    (row,) = [line for line in lines if line.split()[:2] == ["10", "9"]]
    native, python, _ = example.compare(10, 3)
    result = python.requests[0]
    low, high = result.rate_interval95
    assert low < result.rate_hz < high and example.rate_interval_text(result) in row.split()
    (note,) = [line for line in lines if line.startswith("note: 10 nodes: ")]
    assert "reads high" in note and note.endswith("ask for at least 100 pairs (--pairs) to measure it"), note
    # The native run's deliveries keep the links' fixed schedule: its rate is exact for its window.
    assert example.rate_interval_text(native.requests[0]) == "exact"


def test_a_timer_set_in_sends_argument_order_names_the_delay():
    """``Protocol.set_timer`` takes (delay_s, node, payload) and ``send`` (from_node, to_node, message, after_s=):
    a policy writing ``self.set_timer("n0", 1e-3)`` was refused as "set_timer: unknown node 0.001", which hid
    that the delay was the argument out of place. Old behaviour: the node was checked first; now the delay is,
    and the refusal names ``delay_s`` and the node name given for it."""
    import math

    refusals = []

    class SendOrder(qnsim.Protocol):
        def on_pair_ready(self, node, slot, partner_slot):
            for args in ((node, 1e-3), (node, math.nan)):
                try:
                    self.set_timer(*args)
                except qnsim.ParameterError as error:
                    refusals.append((error.field, str(error)))
            self.discard(slot)

    net = qnsim.chain(3, length_km=1.0, fidelity=0.99, rate_hz=1e4, formalism="bell_diagonal", seed=5)
    net.request("n0", "n2", num_pairs=1, protocol=SendOrder())
    net.run(2e-4, progress=False)
    given = [message.removeprefix("delay_s must be a real number, got ") for _, message in refusals]
    assert refusals and all(field == "delay_s" for field, _ in refusals), refusals
    assert set(given) <= {"'n0'", "'n1'", "'n2'"}, refusals  # the node name given for the delay


def test_the_tutorials_purification_sweep_keeps_the_hardware_fixed():
    """The architect's "does purification help?" sweep (docs/tutorials/two_qpus_transducers.md and the comment
    of examples/transducer_repeater.toml) paired ``links.*.channels,requests.0.purification_rounds=2,0;2,1;3,2``:
    the unpurified point ran on 2 channels per link and two rounds on 3, so the rate purification was weighed
    against was that of less hardware (981 Hz on 2 channels, 1542 Hz on 3, 5 seeds), unlike the repeater tutorial,
    which gives every scheme the channels two rounds need. Old behaviour: the channels varied with the rounds; now
    only the rounds vary, on channels enough for the most rounds swept."""
    import shlex

    from repo_text import EXAMPLES, ROOT, read_text

    from qnsim.sweep_cli import parse_param

    tutorial = read_text(ROOT / "docs" / "tutorials" / "two_qpus_transducers.md")
    (command,) = [line for line in tutorial.splitlines() if "purification_rounds" in line and "qnsim sweep" in line]
    assert f"#   {command}" in read_text(EXAMPLES / "transducer_repeater.toml")  # the scenario's comment agrees
    words = shlex.split(command)
    axes: dict[str, set] = {}
    for flag, text in zip(words, words[1:]):
        if flag == "--param":
            key, values = parse_param(text)
            for i, name in enumerate(key.split(",")):
                axes.setdefault(name, set()).update(v[i] if "," in key else v for v in values)
    varied = [name for name, values in axes.items() if len(values) > 1]
    assert varied == ["requests.0.purification_rounds"], axes
    (channels,) = axes["links.*.channels"]
    assert channels >= max(axes["requests.0.purification_rounds"]) + 1  # a round needs a memory more per side
