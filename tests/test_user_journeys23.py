"""Users' journeys, round 23: the command lines' --help texts against what the commands do (the figures a help text
states are the constants the code applies) and the refusals a user meets on the way (each names the bad value and the
way out). CLI calls run in process through ``main(argv)``. Each test states the old behaviour it guards."""

from __future__ import annotations

import contextlib
import io
import re

import pytest
from repo_text import EXAMPLES


def _help(argv: list[str]) -> str:
    """The text ``qnsim ARGV --help`` prints, one line (argparse wraps it at the terminal's width)."""
    from qnsim.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*argv, "--help"]) == 0
    return " ".join(out.getvalue().split())


def test_the_links_files_qpu_count_bound_is_the_estimators_own_limit():
    """Old behaviour: `qnsim estimate`'s links-file reader kept its own copy of the estimator's 4,096-QPU limit
    (`_MAX_QPUS = 4096` written twice), so the `count (... [1, 4096])` its --help prints and the refusal it makes could
    drift from what the estimator refuses. Now the reader imports the estimator's constant: one limit, and the help
    states it."""
    from qnsim import estimate_cli
    from qnsim.estimate import estimator

    assert estimate_cli._MAX_QPUS is estimator._MAX_QPUS
    assert f"count (an integer, default 1, [1, {estimator._MAX_QPUS}]): Identical QPUs" in _help(["estimate"])


def test_sweep_take_over_help_states_the_heartbeat_age_the_sweep_applies():
    """`qnsim sweep --help`: --take-over is "refused, naming it, while it recorded itself alive within 60 s"; the 60 s
    is the age past which a holder's heartbeat counts as stale (``HEARTBEAT_STALE_S``), so a change of one without the
    other fails here."""
    from qnsim.sweeps import HEARTBEAT_STALE_S

    assert f"while it recorded itself alive within {HEARTBEAT_STALE_S:g} s" in _help(["sweep"])


@pytest.mark.parametrize(
    ("option", "value", "names"),
    [
        ("--until", "-1", ("--until", "-1", " s")),
        ("--until", "nan", ("--until", "nan", "finite")),
        ("--seed", "-1", ("--seed", "-1", "2**64 - 1")),
        ("--seed", "1.5", ("--seed", "'1.5'", "qnsim run --help")),
        ("--log", "verbose", ("'verbose'", "DEBUG, INFO, WARNING")),
    ],
)
def test_qnsim_run_refuses_a_bad_option_naming_the_value_and_the_way_out(capsys, option, value, names):
    """The architect's `qnsim run` with a mistyped option: exit status 2 and one line on stderr naming the option,
    the value given and what is accepted (its range with unit, the levels, or the help), before anything runs. Guards
    a refusal that loses the value or the accepted range (a bare "invalid value", or a traceback)."""
    from qnsim.cli import main

    assert main(["run", str(EXAMPLES / "two_qpus_transducers.toml"), option, value]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("qnsim run: error: "), err
    assert all(name in err for name in names), err


def test_run_help_names_the_unit_of_every_numeric_option():
    """`qnsim run --help`: every option that takes a time says its unit (--until SECONDS, in s) and a count is a
    count (--trace-limit N); an option whose metavar hides its unit would leave the architect guessing ms or s."""
    text = _help(["run"])
    assert re.search(r"--until SECONDS override run\.until_s", text), text
    assert "--trace-limit N with --trace: keep at most N records" in text
