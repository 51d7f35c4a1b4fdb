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
                 "circuit": []}  # fmt: skip
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
        "run", "sweep", "plot", "estimate", "qec sweep", "qec clean-shots", "qec threshold", "qec link", "qec circuit"
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
