"""The users' journeys, round 15 (each test's docstring gives the old behaviour)."""

from __future__ import annotations

import pytest

import qnsim


def _flags(parser) -> set[str]:
    """The option strings of an argparse parser (``--until``, ``-h``...)."""
    return {flag for action in parser._actions for flag in action.option_strings}


def _subparsers(parser) -> dict:
    """A parser's subcommands by name (argparse keeps them on its subparsers action)."""
    (action,) = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return dict(action.choices)


def _commands():
    """Every ``qnsim`` command: (its words, its parser, the module attribute its body is reached through, and the
    settings it declares an option for)."""
    from qnsim import cli, estimate_cli, plot_cli, qec_cli, sweep_cli

    commands = [
        (["run", "s.toml"], _subparsers(cli._parser())["run"], (cli, "_run"), cli.RUN_OPTIONS),
        (["sweep", "s.toml"], sweep_cli._parser(), (sweep_cli, "_main"), sweep_cli.OPTIONS),
        (["plot", "rows.csv"], plot_cli._parser(), (plot_cli, "_main"), plot_cli.OPTIONS),
        (["estimate", "w.stim"], estimate_cli._parser(), (estimate_cli, "_main"), estimate_cli.OPTIONS),
    ]
    # qnsim qec's commands parse first, then run their body under their own options.
    arguments = {"sweep": ["e.toml"], "clean-shots": ["rows.csv"], "threshold": ["rows.csv"], "link": ["s.toml"],
                 "circuit": [], "restore": ["--out", "d"], "topup": ["--out", "d", "--seed", "1", "--max-errors", "1",
                                                                    "--max-shots", "1"]}  # fmt: skip
    for name, parser in _subparsers(qec_cli._parser()).items():
        body = {"clean-shots": "_clean_shots"}.get(name, f"_{name}")
        commands.append((["qec", name, *arguments[name]], parser, (qec_cli, body), qec_cli.OPTIONS.get(name, {})))
    return commands


def test_each_command_names_a_setting_by_its_own_option_or_the_scenario_key(monkeypatch):
    """``cli.guarded()`` read every command as ``options_as("cli")``: ``until_s`` as ``--until``, ``seed`` as
    ``--seed``, ``formalism`` as ``--formalism`` and ``hue`` as ``--hue`` under any command, so a note read under
    ``qnsim qec link``, ``qnsim estimate`` or ``qnsim plot`` (no ``--until``) or ``qnsim sweep`` (``--seeds``, no
    ``--seed``) named an option its user cannot type; the places found were patched one by one (the measured supply's
    notes were told ``run.until_s``). Old behaviour: one reader for all commands; now each command declares the
    settings it has an option for and its flag (``qnsim qec``'s per subcommand), and notes read in its body name
    every other setting as the scenario key (``run.until_s``, ``requests.0.num_pairs``). Walked here: every command,
    its body replaced by a recorder of how each setting is named there."""
    from qnsim._options import known_settings, option_name

    commands = _commands()
    assert {" ".join(words[:2]) if words[0] == "qec" else words[0] for words, *_ in commands} == {
        "run", "sweep", "plot", "estimate", "qec sweep", "qec clean-shots", "qec threshold", "qec link", "qec circuit",
        "qec restore", "qec topup",
    }  # fmt: skip
    from qnsim.cli import main

    for words, parser, (module, body), options in commands:
        assert set(options.values()) <= _flags(parser), (words, options)  # each declared flag is the command's
        seen = {}

        def record(*_args, **_kwargs):
            seen.update({key: option_name(key, request=0) for key in known_settings()})
            return 0

        monkeypatch.setattr(module, body, record)
        assert main(words) == 0, words
        monkeypatch.undo()
        run, request = qnsim._options._settings()
        for key, name in seen.items():
            if key in options:
                assert name == options[key], (words, key, name)
            elif key in run or key == "until_s":
                assert name == f"run.{key}", (words, key, name)
            elif key in request:
                assert name == f"requests.0.{key}", (words, key, name)
            else:  # a plot argument, which only qnsim plot takes
                assert name == key, (words, key, name)
            assert not name.startswith("-") or name in _flags(parser), (words, key, name)
    # The readers themselves: a command's reader replaces the one around it, Python's comes back after.
    assert option_name("until_s") == "until_s"
    with pytest.raises(ValueError, match=r"reader must be one of python, scenario, got 'cli'"):
        with qnsim.options_as("cli"):
            pass


@pytest.mark.slow
def test_the_planners_link_journey_reads_one_need_at_every_step(tmp_path, capsys):
    """The systems planner's journey from the README: ``qnsim estimate`` of the shipped 10^12-gate workload says
    the link must deliver "at least N raw pairs/s (about 46 channels ...)" and, for the one-year limit, "needs M raw
    pairs/s"; the planner simulates the link it asks for (46 copies of the scenario's 2-channel path: 92 channels,
    with memories for them) with ``qnsim run``, then estimates again with that simulated link. Old behaviour: (1)
    the least rate was written rounded down, "at least 1.93e+05", for a need between 1.93e+05 and 1.935e+05, so a
    link of the 1.93e+05 it read was refused by the same reason; (2) the runtime fix's need was the rate of whole
    channels, 1.21e+06 raw pairs/s for the shipped link (282 channels of 4,285 pairs/s) and 1.4e+06 for the same
    link simulated at 46 times the channels (7 channels of 1.995e+05): one need, two numbers; (3) the channels it
    asked for were bisected to within 1%: "282 channels instead of 1", and for the same link given the 46 channels
    the first reason asked for, "281 instead of 46". Now a least figure is rounded up as written, the runtime need is
    the least rate (bisected to 0.1%) and the channels the fewest, the same at every step."""
    import dataclasses
    import json
    import re

    from repo_text import EXAMPLES

    from qnsim.cli import main
    from qnsim.estimate import Workload, estimate
    from qnsim.estimate_cli import load_network

    workload = str(EXAMPLES / "estimate" / "workload.stim")
    links_text = (EXAMPLES / "estimate" / "links.toml").read_text()
    assert main(["estimate", workload, "--links", str(EXAMPLES / "estimate" / "links.toml")]) == 1
    first = capsys.readouterr().out
    least = re.search(r"at least (\S+) raw pairs/s \(there d = \d+, [^;]*; about (\d+) channels", first)
    need = re.search(r"link 0-1 needs (\S+) raw pairs/s \(has (\S+), .*?\): ([0-9,]+) channels", first)
    assert least and need, first
    least_hz, copies = float(least.group(1)), int(least.group(2))
    calibrated_hz = float(need.group(2))  # the calibrated rate of one channel: the scenario's 2-channel path
    assert copies == 46 and copies * calibrated_hz >= least_hz > (copies - 1) * calibrated_hz
    # The link at the least rate written meets the remote share (it did not at the rate written before).
    qpus, links, options = load_network(str(EXAMPLES / "estimate" / "links.toml"))
    at_least = [dataclasses.replace(links[0], rate_hz=least_hz, rate_interval95=None)]
    report = estimate(Workload.from_file(workload), qpus, at_least, **options)
    assert not [r for r in report.reasons if r.startswith("remote error")], report.reasons
    # The link given the channels that reason asks for: the runtime limit asks for the channels it asked for before.
    given = estimate(Workload.from_file(workload), qpus, [dataclasses.replace(links[0], channels=copies)], **options)
    (runtime,) = [r for r in given.reasons if r.startswith("runtime")]
    assert f"link 0-1 needs {need.group(1)} raw pairs/s" in runtime, (need.group(0), runtime)
    assert f": {need.group(3)} channels (" in runtime and f"instead of {copies}," in runtime, (need.group(0), runtime)
    # The link it asks for, simulated: 46 copies of the path are 92 transducer channels (and memories for them).
    scenario = (EXAMPLES / "two_qpus_transducers.toml").read_text()
    head, tail = scenario.split('a = "qpu_a_10ms"', 1)
    asked = head + 'a = "qpu_a_10ms"' + tail.replace("channels = 2", f"channels = {2 * copies}", 1)
    asked = asked.replace("t2_s = 10e-3\n", f"t2_s = 10e-3\nnum_memories = {2 * copies}\n")
    (tmp_path / "asked.toml").write_text(asked)
    assert main(["run", str(tmp_path / "asked.toml"), "--until", "0.05", "--json"]) == 0
    request = json.loads(capsys.readouterr().out)["requests"][1]
    low, high = request["rate_interval95"]
    # qnsim run's request rate (pairs/s of the whole link) is the estimate's channels times its channel's rate.
    assert low <= copies * calibrated_hz <= high and low >= least_hz * 0.98, (request["rate_hz"], low, high)
    # Estimated again with the simulated link: the share is met, and the runtime need is the one read before.
    (tmp_path / "links.toml").write_text(links_text.replace('"../two_qpus_transducers.toml"', '"asked.toml"'))
    assert main(["estimate", workload, "--links", str(tmp_path / "links.toml")]) == 1
    again = capsys.readouterr().out
    assert "remote error" not in again and "reason" in again, again
    assert re.search(r"link 0-1 needs (\S+) raw pairs/s", again).group(1) == need.group(1), (need.group(0), again)
