"""Bad input, round 33 (b): two refusals that did not name what the user gave.

- ``--log verbose`` on ``qnsim run`` and ``qnsim sweep`` was refused from inside the run, as "unknown log level
  'verbose'", without naming the option; both tools now check the level while parsing (one check,
  :func:`qnsim.logs.log_level_number`, behind the option and :func:`qnsim.log_to_stderr`), so argparse names
  ``--log``, and a bad level stops the command before any scenario is read.
- A row's notes joined from a lone string were joined letter by letter (``"low rate"`` -> ``"l; o; w; ..."``), a
  plausible notes cell that says something no one wrote; ``join_notes`` now refuses anything but a collection of
  note texts, naming ``notes``.
"""

from __future__ import annotations

import logging

import pytest

from qnsim import cli, sweep_cli
from qnsim._row_notes import join_notes, split_notes
from qnsim.logs import log_level_number, log_to_stderr


@pytest.mark.parametrize("main", [cli.main, sweep_cli.main], ids=["run", "sweep"])
def test_an_unknown_log_level_is_refused_naming_the_option(main, capsys, tmp_path):
    argv = ["run", "no-such-scenario.toml", "--log", "verbose"] if main is cli.main else ["no-such.toml", "--log", "verbose"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    # Parsed before the scenario is opened: the missing file is not what is reported.
    assert "argument --log" in err and "'verbose'" in err and "no-such" not in err


def test_a_log_level_in_any_case_is_accepted_and_the_function_keeps_its_own_refusals():
    assert [log_level_number(x) for x in ("debug", "Info", " WARNING ", 40)] == [10, 20, 30, 40]
    with pytest.raises(ValueError, match="'LOUD'"):
        log_to_stderr("LOUD")
    with pytest.raises(ValueError, match="between 0"):
        log_level_number(51)
    with pytest.raises(TypeError, match="True"):
        log_level_number(True)
    assert logging.getLogger("qnsim").handlers == [] or all(
        not getattr(h, "_qnsim_stderr", False) for h in logging.getLogger("qnsim").handlers
    )


@pytest.mark.parametrize("notes", ["low rate", b"low", 5, None])
def test_notes_that_are_not_a_collection_of_texts_are_refused_naming_notes(notes):
    with pytest.raises(TypeError, match="notes must be a list of note texts"):
        join_notes(notes)


def test_notes_from_any_collection_round_trip():
    written = ["rate from 3 pairs", "a: wide; low"]
    for given in (written, tuple(written), (n for n in written)):
        assert split_notes(join_notes(given)) == written
    assert join_notes([]) is None
