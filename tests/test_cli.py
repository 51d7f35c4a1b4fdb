"""The qnsim command line: run the shipped example, JSON output, overrides and errors."""

import json
import sys
from pathlib import Path

import pytest

from qnsim.cli import main

EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "two_qpus_transducers.toml")


def test_run_prints_summary_table(capsys):
    assert main(["run", EXAMPLE, "--until", "0.05"]) == 0
    out = capsys.readouterr().out
    assert "two_qpus_transducers" in out
    assert "0: qpu_a -> qpu_b" in out
    for column in ("pairs", "rate (Hz)", "fidelity (95% CI)", "mean latency"):
        assert column in out
    row = next(line for line in out.splitlines() if line.startswith("0: qpu_a -> qpu_b"))
    assert int(row.split()[4]) > 50  # pairs


def test_run_json_parses_and_overrides_apply(capsys):
    assert (
        main(["run", EXAMPLE, "--json", "--seed", "7", "--until", "0.02", "--formalism", "stabilizer"]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["seed"] == 7 and data["formalism"] == "stabilizer" and data["until_s"] == 0.02
    assert data["scenario"]["name"] == "two_qpus_transducers"
    req = data["requests"][0]
    assert req["src"] == "qpu_a" and req["num_pairs"] > 0 and 0 <= req["mean_fidelity"] <= 1
    assert "pairs" not in req


def test_run_json_with_pairs(capsys):
    assert main(["run", EXAMPLE, "--json", "--pairs", "--until", "0.005", "--no-progress"]) == 0
    req = json.loads(capsys.readouterr().out)["requests"][0]
    assert len(req["pairs"]["fidelity"]) == req["num_pairs"]


def test_same_seed_same_json(capsys):
    outs = []
    for _ in range(2):
        main(["run", EXAMPLE, "--json", "--pairs", "--until", "0.005"])
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]  # the text itself: no wall clock in it without --timing


def test_progress_bar_goes_to_stderr(capsys):
    assert main(["run", EXAMPLE, "--until", "0.01", "--progress"]) == 0
    captured = capsys.readouterr()
    assert "0: qpu_a -> qpu_b" in captured.out
    assert "sim s" in captured.err


def test_errors_exit_2_with_message(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[run]\nuntil_s = 1\n[[nodes]]\nname = 'a'\nrole = 'qpuu'\n")
    assert main(["run", str(bad)]) == 2
    assert "bad.toml: nodes[0].role must be one of 'qpu', 'repeater', 'qnu', got 'qpuu'; did you mean 'qpu'?" in (
        capsys.readouterr().err
    )
    assert main(["run"]) == 2  # usage error: one line, not argparse's usage dump
    err = capsys.readouterr().err
    assert err == "qnsim run: error: the following arguments are required: scenario (see qnsim run --help)\n"
    assert main([]) == 2


def test_estimate_subcommand_is_lazy(capsys, monkeypatch):
    import importlib.util

    if importlib.util.find_spec("qnsim.estimate_cli") is None:
        assert main(["estimate", "--help"]) == 2
        assert "qnsim.estimate_cli is missing" in capsys.readouterr().err
    else:  # pragma: no cover - once the estimation CLI lands
        calls = []
        import qnsim.estimate_cli

        monkeypatch.setattr(qnsim.estimate_cli, "main", lambda argv: calls.append(argv) or 0)
        assert main(["estimate", "x.stim"]) == 0 and calls == [["x.stim"]]


def test_console_script_entry_point():
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "qnsim.cli", "run", EXAMPLE, "--until", "0.002"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "qpu_a -> qpu_b" in proc.stdout


@pytest.mark.parametrize(
    "script, args, expect",
    [
        ("custom_policy.py", ["--until", "0.2"], "native swap-ASAP"),
        ("transducer_efficiency.py", ["--pairs", "200"], "fidelities with ideal memory equal the model's"),
        ("repeater_purification.py", ["--until", "0.2"], "dejmps x2"),
        ("grid_requests.py", ["--size", "10", "--requests", "20"], "10 x 10 grid, 20 requests routed by fidelity"),
    ],
)
def test_example_scripts_run(script, args, expect):
    import subprocess

    path = Path(__file__).resolve().parent.parent / "examples" / script
    proc = subprocess.run(
        [sys.executable, str(path), *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert expect in proc.stdout


def test_run_help_explains_every_column_of_the_printed_tables(capsys):
    """`qnsim run` printed tables with columns such as "mean latency" (time between deliveries) and
    "mean age" that neither --help nor the CLI reference explained; now the help's epilog does, and
    this checks every header of both tables against it."""
    import re

    from qnsim.cli import RUN_COLUMNS, main

    assert main(["run", EXAMPLE, "--until", "0.002"]) == 0
    out = capsys.readouterr().out.splitlines()
    links_header = next(line for line in out if line.startswith("link "))
    requests_header = next(line for line in out if line.startswith("request "))
    explained = {re.split(r"\s{2,}", line.strip())[0] for line in RUN_COLUMNS.splitlines() if line.startswith("  ")}
    # Headers are right-aligned, some one space apart: every header must be an explained name (longest
    # first, so that "link F" is not read as "link"), and nothing but the row label and "length" (whose
    # cells carry their unit) may be left over.
    for header, label in ((links_header, "link"), (requests_header, "request")):
        rest = header
        for name in sorted(explained, key=len, reverse=True):
            rest = re.sub(rf"(?<!\S){re.escape(name)}(?!\S)", " ", rest)
        assert rest.split() in ([label], [label, "length"]), (header, rest)
    assert len(explained) >= 15


@pytest.mark.parametrize("value, says", [("-1e-13", "must be in [0, 9.22337e+06] s, got -1e-13"), ("-.5e3", "got -.5e3"),
                                         ("-inf", "must be finite, got -inf")])
def test_a_negative_number_in_any_notation_is_a_flags_value(value, says, capsys):
    """argparse's own pattern knew only -1 and -1.5 as numbers (before Python 3.13): `--until -1e-13` read
    "argument --until: expected one argument" instead of the value's own error."""
    assert main(["run", EXAMPLE, "--until", value]) == 2
    err = capsys.readouterr().err
    assert "expected one argument" not in err and says in err
