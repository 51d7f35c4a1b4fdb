"""Bad input, round 34: a generated battery over every public callable and every ``qnsim`` flag, in place of cases.

tests/bad_input_api_battery.py calls each public function and class of qnsim and its modules with one argument
replaced by a catalogue of bad values (NaN, infinities, -1, 0, 1.5 for a count, True for a number, NumPy scalars,
10**30, a string for a number, empty and blank strings, None, a list, a dict, bytes): a call either succeeds without
coercing the value or raises ValueError, TypeError, IndexError or qnsim.QnsimError naming the argument or the value.
tests/bad_input_cli_battery.py gives every flag of every command bad values: exit status 2 and one line naming the
flag, never a traceback. Each battery runs in a subprocess (a crash is a finding, not a dead test run) with a
timeout per call. The fixes the batteries found are pinned by the tests after them.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

from qnsim import cli, sweep_cli

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: Findings the battery reports that are documented behaviour, each with why.
ACCEPTED = {
    # "not estimated (nan)": NaN is the estimator's own mark of a figure it could not estimate.
    ("estimate.human_time", "seconds", "nan"),
    ("estimate.human_time", "seconds", "f32nan"),
    # "-": a rate with no pairs to estimate it from, as the run table prints it.
    ("results.rate_text", "rate_hz", "nan"),
    ("results.rate_text", "rate_hz", "f32nan"),
    # A label for the message only; whatever it is, the coefficients are checked the same.
    ("qec.check_bell_diagonal", "name", "None"),
    ("qec.check_bell_diagonal", "name", "dict"),
    ("qec.check_bell_diagonal", "name", "bytes"),
    # Refused naming the unknown key ('a') of the logical summary the dict was read as.
    ("estimate.estimate", "workload", "dict"),
}


def _findings(script: str, *args: str, timeout: float = 300) -> list[list[str]]:
    done = subprocess.run(
        [sys.executable, str(HERE / script), *args],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        env={**os.environ, "QNSIM_TRACEBACK": ""},
    )  # fmt: skip
    assert done.returncode == 0, f"the battery itself died (status {done.returncode}): {done.stderr[-2000:]}"
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_every_public_callable_with_working_arguments_refuses_each_bad_value():
    found = [f for f in _findings("bad_input_api_battery.py") if tuple(f[:3]) not in ACCEPTED]
    assert not found, "\n".join(json.dumps(f) for f in found)


def test_every_other_public_callable_refuses_bad_values_cleanly():
    found = _findings("bad_input_api_battery.py", "--generic")
    assert not found, "\n".join(json.dumps(f) for f in found)


def test_every_native_method_refuses_bad_arguments_by_name():
    found = _findings("bad_input_api_battery.py", "--native")
    assert not found, "\n".join(json.dumps(f) for f in found)


def test_the_batteries_reach_every_public_callable():
    sys.path.insert(0, str(HERE))
    try:
        import bad_input_api_battery as battery
    finally:
        sys.path.remove(str(HERE))
    names = [name for name, _ in battery.public_callables()]
    assert len(names) > 150
    in_cases = {id(battery.resolve(name)) for name in battery.CASES}
    assert len(in_cases) == len(battery.CASES)  # each case names a public callable


def test_every_cli_flag_refuses_bad_values_with_one_line_naming_it():
    found = _findings("bad_input_cli_battery.py", str(ROOT))
    assert not found, "\n".join(json.dumps(f)[:600] for f in found)


# The fixes, each pinned on its own.


def _run_cli(argv, capsys):
    code = cli.main(argv)
    return code, capsys.readouterr().err


def test_empty_path_is_refused_by_name_not_read_as_the_current_directory(tmp_path):
    """``Path("")`` is ``.``: measure_link(""), TomlScenario("") and run_experiment_sweep("") said
    "Is a directory: '.'", a path never given."""
    from qnsim.argument_checks import EmptyPathError, file_path
    from qnsim.qec import measure_link, run_experiment_sweep
    from qnsim.sweeps import TomlScenario

    for call, name in ((lambda: measure_link(""), "scenario"), (lambda: TomlScenario(""), "path"),
                       (lambda: run_experiment_sweep(""), "spec|path")):  # fmt: skip
        refused = rf"^({name}) must not be an empty path: \[Errno 2\] No such file or directory: ''"
        with pytest.raises(ValueError, match=refused):
            call()
    # Still the FileNotFoundError the callers document for a file that is not there.
    with pytest.raises(FileNotFoundError, match="No such file or directory: ''"):
        file_path("path", "")
    assert issubclass(EmptyPathError, FileNotFoundError) and issubclass(EmptyPathError, ValueError)
    assert str(pickle.loads(pickle.dumps(EmptyPathError("out")))) == str(EmptyPathError("out"))


def test_an_empty_scheduler_is_refused_not_read_as_none(tmp_path, capsys):
    """``--scheduler ''`` was taken as no scheduler: a local sweep ignored it, a Dask one ran on a LocalCluster."""
    out = tmp_path / "s.csv"
    argv = ["sweep", "qnsim.sweeps:example_point", "--param", "length_km=10.0", "--param", "until_s=1",
            "--workers", "1", "--no-progress", "--out", str(out), "--scheduler", ""]  # fmt: skip
    code, err = _run_cli(argv, capsys)
    assert code == 2 and not out.exists()
    assert err == (
        "qnsim sweep: error: --scheduler '' is empty: give a Dask scheduler address (tcp://host:8786), or leave "
        "--scheduler out for a LocalCluster\n"
    )
    experiment = str(ROOT / "examples" / "qec" / "interface_threshold.toml")
    code, err = _run_cli(["qec", "sweep", experiment, "--scheduler", "   "], capsys)
    assert code == 2 and re.search(r"error: --scheduler ' +' is empty", err) and err.count("\n") == 1
    # The one check for both commands.
    with pytest.raises(ValueError, match="--scheduler needs --backend dask"):
        sweep_cli.check_sweep_options(
            type("A", (), {"scheduler": "tcp://h:1", "backend": "local", "workers": None, "seeds": None})(), None
        )


def test_a_refusal_of_a_one_word_option_names_its_flag(tmp_path, capsys):
    """``qnsim sweep --out r.txt`` read "out must end with .csv or .parquet", naming no flag."""
    argv = ["sweep", "qnsim.sweeps:example_point", "--param", "length_km=10.0", "--param", "until_s=1",
            "--workers", "1", "--no-progress", "--out", str(tmp_path / "r.txt")]  # fmt: skip
    code, err = _run_cli(argv, capsys)
    assert code == 2
    assert err.startswith("qnsim sweep: error: --out must end with .csv or .parquet, got '"), err
    # Prose is left alone: only the subject of a refusal is rewritten.
    cli._FLAGS.clear()
    cli._FLAGS["out"] = "--out"
    assert cli.in_flags("the out file of x must be new") == "the out file of x must be new"


def test_a_file_error_on_a_flags_path_names_the_flag(tmp_path, capsys):
    """``qnsim qec circuit --out no/dir/c.stim`` named the path but not the option to change."""
    missing = tmp_path / "no" / "c.stim"
    code, err = _run_cli(["qec", "circuit", "--distance", "3", "--out", str(missing)], capsys)
    assert code == 2
    assert err.startswith(f"qnsim qec circuit: error: --out {missing}: no such directory to write it in"), err
    assert err.count("\n") == 1


def test_bytes_are_no_text_for_a_native_argument():
    """pybind11 read b"X" as the text "X": measure(0, b"X") measured in X, QubitRegistry(b"stabilizer") built one."""
    import qnsim

    refused = r"^StabilizerSimulator\.measure\(\): basis must be a str, not bytes, got b'X'$"
    with pytest.raises(TypeError, match=refused):
        qnsim.StabilizerSimulator(2, 1).measure(0, b"X")
    with pytest.raises(TypeError, match=r"^DensityMatrixSimulator\.measure\(\): basis must be a str, not bytearray"):
        qnsim.DensityMatrixSimulator(2, 1).measure(0, bytearray(b"X"))
    with pytest.raises(TypeError, match=r"^QubitRegistry\(\): formalism must be a str, not bytes, got b'stabilizer'$"):
        qnsim.QubitRegistry(b"stabilizer")
    assert qnsim.StabilizerSimulator(2, 1).measure(0, "Z") == 0  # text is read as before
