"""Distributed QEC audit, round 19: one mechanism names every flag kind typed in a refusal, in every command."""

import argparse
import contextlib
import io

import pytest

from qnsim import cli, estimate_cli, plot_cli, qec_cli, sweep_cli
from qnsim.cli import ArgumentParser, guarded, in_flags

PARSERS = {
    "qnsim": cli._parser, "qnsim qec": qec_cli._parser, "qnsim sweep": sweep_cli._parser,
    "qnsim estimate": estimate_cli._parser, "qnsim plot": plot_cli._parser,
}


def test_a_store_true_flag_typed_is_named_by_its_flag_in_a_refusal():
    """Before: flags were recorded only when a value was converted, which a store_true switch never has, so a
    refusal naming ``take_over`` kept the Python name though the user typed ``--take-over``."""
    parser = ArgumentParser(prog="qnsim demo")
    parser.add_argument("--take-over", action="store_true")
    parser.add_argument("--no-progress", action="store_false", dest="show_progress")
    parser.add_argument("--extra_verbose", "-v", action="count", default=0)
    parser.add_argument("--mode_const", action="store_const", const=3)
    parser.parse_args(["--take-over", "--no-progress", "-vv", "--mode_const"])
    assert in_flags("take_over is refused; show_progress off; extra_verbose 2; mode_const 3") == (
        "--take-over is refused; --no-progress off; --extra_verbose 2; --mode_const 3"
    )


def test_a_string_default_not_typed_is_not_named_as_a_flag():
    """Before: argparse converts a string default through the same hook the typed values go through, so an option
    left at its default was named by its flag as if the user had typed it."""
    parser = ArgumentParser(prog="qnsim demo")
    parser.add_argument("--cycle_time_s", default="1e-6", type=float)
    parser.parse_args([])
    assert in_flags("cycle_time_s must be > 0") == "cycle_time_s must be > 0"


def test_guarded_prints_a_store_true_flag_by_its_flag():
    parser = ArgumentParser(prog="qnsim demo")
    parser.add_argument("--take-over", action="store_true")

    def body():
        parser.parse_args(["--take-over"])
        raise ValueError("take_over needs a stale holder")

    with contextlib.redirect_stderr(io.StringIO()) as err:
        assert guarded("qnsim demo", body, options={}) == 2
    assert err.getvalue() == "qnsim demo: error: --take-over needs a stale holder\n"


def _optional_actions(parser):
    """(parser, action) for every option of ``parser`` and of each of its subcommands."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                yield from _optional_actions(sub)
        elif action.option_strings and not isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            yield parser, action


@pytest.mark.parametrize("command", sorted(PARSERS))
def test_every_option_of_every_command_is_recorded_by_its_flag_when_typed(command):
    """The one mechanism covers each kind of option each command has: typing it (with a value when it takes one)
    records its flag under its dest, whatever its action."""
    kinds = set()
    for parser, action in _optional_actions(PARSERS[command]()):
        kinds.add(type(action).__name__)
        flag = max(action.option_strings, key=len)
        words = [flag] if action.nargs == 0 else [flag, "x"]
        cli._FLAGS.clear()
        # Only the option's own recording is under test, not the rest of the line (positionals, values' types).
        with contextlib.suppress(cli.UsageError):
            parser.parse_known_args(words)
        assert cli._FLAGS.get(action.dest) == flag, (command, flag, type(action).__name__)
    assert kinds, command
