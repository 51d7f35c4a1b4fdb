"""Bad input, round 36: scenario and experiment files through the commands, the routing and protocol hooks a user
writes in Python, and values coerced instead of refused.

Each defect is pinned through the one check that now serves every caller.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qnsim import argument_checks, qec
from qnsim.qec_cli import main as qec_main

HERE = Path(__file__).resolve().parent

QEC_EXPERIMENT = """[experiment]
kind = "memory"
code = "rotated"
basis = "Z"
noise = "{noise}"
scheme = "direct"
[grid]
distance = [3]
p_bulk = [{p_bulk}]
p_int = [{p_int}]
[sampling]
max_shots = 100
max_errors = 10
seeds = 1
"""


def qnsim_process(*args):
    environment = {**os.environ, "PYTHONPATH": str(HERE)}
    return subprocess.run([sys.executable, "-m", "qnsim", *map(str, args)], capture_output=True, text=True,
                          env=environment, timeout=120)  # fmt: skip


def one_line_failure(proc) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


# --- Depolarizing probabilities past Stim's fully mixed bound (3/4 one qubit, 15/16 two) ---------------------------
# NoiseModel and Interface.direct took any p in [0, 1]; every decode of such a circuit then failed inside Stim with
# "Can't analyze over-mixing DEPOLARIZE1 errors (probability > 3/4)" and a circuit stack trace naming an
# instruction, not the parameter; a qec sweep accepted the file and failed only when that point ran.


@pytest.mark.parametrize("key", ["one_qubit", "idle", "idle_measure"])
@pytest.mark.parametrize("value", [0.76, 0.9, 1.0])
def test_noise_model_refuses_one_qubit_depolarizing_past_three_quarters(key, value):
    with pytest.raises(ValueError, match=rf"^NoiseModel\.{key} must be a probability in \[0, 3/4\] \(DEPOLARIZE1 "
                                         rf"past 3/4 over-mixes.*\), got {value}$"):  # fmt: skip
        qec.NoiseModel(**{key: value})
    assert getattr(qec.NoiseModel(**{key: 0.75}), key) == 0.75  # fully mixed is still a channel Stim decodes


@pytest.mark.parametrize("value", [0.94, 1.0])
def test_noise_model_and_direct_interface_refuse_two_qubit_depolarizing_past_fifteen_sixteenths(value):
    with pytest.raises(ValueError, match=rf"^NoiseModel\.two_qubit must be a probability in \[0, 15/16\].*got {value}$"):
        qec.NoiseModel(two_qubit=value)
    with pytest.raises(ValueError, match=rf"^Interface\.error must be a probability in \[0, 15/16\].*got {value}$"):
        qec.Interface.direct(value)
    assert qec.NoiseModel(two_qubit=15 / 16).two_qubit == 15 / 16


def test_reset_and_measure_flips_keep_the_whole_unit_interval():
    """X_ERROR has no over-mixing: a flip probability up to 1 stays accepted (the bound is per channel)."""
    model = qec.NoiseModel(reset=1.0, measure=0.9)
    assert (model.reset, model.measure) == (1.0, 0.9)


def test_uniform_depolarizing_names_its_argument():
    with pytest.raises(ValueError, match=r"^p must be a probability in \[0, 3/4\] .*got 0\.8$"):
        qec.NoiseModel.uniform_depolarizing(0.8)
    # Past 1 the message is the [0, 1] one the older tests match.
    with pytest.raises(ValueError, match=r"^p must be a probability in \[0, 1\], got 1\.5$"):
        qec.NoiseModel.uniform_depolarizing(1.5)


def test_at_most_is_one_shared_check():
    assert argument_checks.probability("p", 0.5, at_most=(0.75, "3/4", "why")) == 0.5
    with pytest.raises(TypeError, match=r"^p must be a probability in \[0, 3/4\] \(why\), got 0\.8$"):
        argument_checks.probability("p", 0.8, error=TypeError, at_most=(0.75, "3/4", "why"))


def test_an_analysable_noise_model_still_samples():
    """The bound refuses nothing Stim decodes: p = 3/4 everywhere samples (its shots fail half the time)."""
    circuit = qec.memory_circuit(3, 2, noise=qec.NoiseModel.uniform_depolarizing(0.75),
                                 interface=qec.Interface.direct(15 / 16))  # fmt: skip
    estimate = qec.sample_logical_error(circuit, max_shots=200, seed=1)
    assert 0.3 < estimate.shot_error_rate < 0.7


@pytest.mark.parametrize(
    ("noise", "p_bulk", "p_int", "fragments"),
    [
        ("uniform", 1.0, 0.01, ["p_bulk (noise 'uniform'): p must be a probability in [0, 3/4]", "got 1.0"]),
        ("uniform", 0.76, 0.01, ["p_bulk (noise 'uniform'):", "got 0.76"]),
        ("uniform", 0.001, 0.95, ["p_int (scheme 'direct'): Interface.error must be a probability in [0, 15/16]",
                                  "got 0.95"]),
    ],
)
def test_qec_sweep_refuses_over_mixing_points_when_the_file_is_read(tmp_path, capsys, noise, p_bulk, p_int, fragments):
    """These points used to pass the file and fail inside Stim when they ran, after other points wrote their rows."""
    path = tmp_path / "e.toml"
    path.write_text(QEC_EXPERIMENT.format(noise=noise, p_bulk=p_bulk, p_int=p_int))
    out = tmp_path / "rows.csv"
    assert qec_main(["sweep", str(path), "--out", str(out), "--no-progress", "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    assert not out.exists()


def test_qec_sweep_param_axis_is_checked_too(tmp_path, capsys):
    path = tmp_path / "e.toml"
    path.write_text(QEC_EXPERIMENT.format(noise="uniform", p_bulk=0.001, p_int=0.01))
    code = qec_main(["sweep", str(path), "--param", "p_bulk=0.001,0.9", "--out", str(tmp_path / "r.csv"),
                     "--no-progress", "--workers", "1"])  # fmt: skip
    assert code == 2
    assert "got 0.9" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--p-bulk", "0.9"], "--p-bulk 0.9: p must be a probability in [0, 3/4]"),
        (["--p-int", "0.95"], "--p-int 0.95: Interface.error must be a probability in [0, 15/16]"),
    ],
)
def test_qec_circuit_command_refuses_over_mixing(args, fragment):
    line = one_line_failure(qnsim_process("qec", "circuit", "--distance", "3", *args))
    assert fragment in line, line


# --- An integer argument given an integral non-float number ---------------------------------------------------------
# Fraction(3) was refused as it should be, but told "(a float; write it as the
# integer 3)": the hint named a type the caller never used.


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda value: argument_checks.integer("n", value), "n"),
        (lambda value: __import__("qnsim").topology.chain(value, length_km=1.0, fidelity=0.9, rate_hz=1e3), "n"),
    ],
)
def test_integral_fraction_is_refused_under_its_own_type(call, name):
    from fractions import Fraction

    with pytest.raises((TypeError, ValueError), match=rf"^{name} must be an integer, got Fraction\(3, 1\) "
                                                      r"\(a Fraction; write it as the integer 3\)$"):  # fmt: skip
        call(Fraction(3))
    # Floats keep their hint.
    with pytest.raises((TypeError, ValueError), match=r"\(a float; write it as the integer 3\)$"):
        call(3.0)


def test_request_num_pairs_fraction_names_its_type():
    import qnsim
    from fractions import Fraction

    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    with pytest.raises(qnsim.ParameterError, match=r"num_pairs must be an integer, got Fraction\(4, 1\) \(a Fraction;"):
        net.request("a", "b", num_pairs=Fraction(4))


# --- Sweeping a choice the scenario file leaves at its default ------------------------------------------------------
# The keys a sweep may set without the file giving them were read off each spec field's type arguments; a bare
# Literal's arguments are its values, not types, so run.formalism, nodes' role and requests' routing,
# swap_schedule and generation were "unknown scenario keys" (run has no key 'formalism'; its keys are 'until_s',
# and those left at their defaults: 'max_records', 'seed'): `qnsim sweep FILE --formalism stabilizer`, which the
# help offers, failed on every file that did not already name a formalism.


def _default_choice_scenario(tmp_path) -> Path:
    from scenarios import two_node_scenario

    path = tmp_path / "s.toml"
    path.write_text(two_node_scenario(0.005, length_km=1.0, rate_hz=1e3))  # no formalism, routing or role given
    assert "formalism" not in path.read_text() and "routing" not in path.read_text()
    return path


@pytest.mark.parametrize(
    ("key", "values"),
    [
        ("run.formalism", ["stabilizer", "density_matrix"]),
        ("requests.0.routing", ["hops", "fidelity"]),
        ("requests.0.swap_schedule", ["nested"]),
        ("requests.0.generation", ["on_demand"]),
        ("nodes.0.role", ["repeater"]),
    ],
)
def test_a_defaulted_choice_key_is_sweepable(key, values):
    from qnsim.sweeps import apply_overrides

    data = {"run": {"until_s": 0.01}, "nodes": [{"name": "a"}, {"name": "b"}], "links": [{"a": "a", "b": "b"}],
            "requests": [{"src": "a", "dst": "b"}]}  # fmt: skip
    for value in values:
        new = apply_overrides(data, {key: value})
        table, *rest = key.split(".")
        entry = new[table] if len(rest) == 1 else new[table][int(rest[0])]
        assert entry[rest[-1]] == value


def test_sweep_formalism_option_on_a_file_without_one(tmp_path, capsys):
    from qnsim.cli import main

    path = _default_choice_scenario(tmp_path)
    out = tmp_path / "rows.csv"
    assert main(["sweep", str(path), "--formalism", "stabilizer", "--out", str(out), "--no-progress",
                 "--workers", "1"]) == 0, capsys.readouterr().err  # fmt: skip
    header, row = out.read_text().splitlines()[:2]
    assert header.startswith("run.formalism,") and row.startswith("stabilizer,")


@pytest.mark.parametrize(
    ("param", "fragment"),
    [
        ("run.formalism=bogus", "run.formalism must be one of 'density_matrix', 'stabilizer', 'bell_diagonal', got 'bogus'"),
        ("requests.0.routing=fast", "requests[0].routing must be one of 'hops', 'rate', 'fidelity', got 'fast'"),
        ("run.formalism=true", "run.formalism must be one of 'density_matrix', 'stabilizer', 'bell_diagonal', got True"),
    ],
)
def test_a_defaulted_choice_key_still_checks_its_values(tmp_path, param, fragment):
    """Now that the key is found, a bad choice is told by the field's own check (one line, exit 2)."""
    path = _default_choice_scenario(tmp_path)
    line = one_line_failure(qnsim_process("sweep", path, "--param", param, "--out", tmp_path / "r.csv",
                                          "--no-progress", "--workers", "1"))  # fmt: skip
    assert fragment in line, line


# --- A logarithmic x axis over a text column ------------------------------------------------------------------------
# plot_sweep(logx=True) compared the x column with 0 before looking at its type: a column of preset names (or a CSV
# with one non-number in it) failed with pandas' "Invalid comparison between dtype=str and int", naming no column.


@pytest.mark.parametrize(
    ("rows", "x", "first"),
    [
        ([{"preset": "nv", "seed": 0, "rate_hz": 1.0}, {"preset": "sc", "seed": 0, "rate_hz": 2.0}], "preset", "'nv'"),
        ([{"x": 1, "seed": 0, "rate_hz": 1.0}, {"x": "b", "seed": 0, "rate_hz": 2.0}], "x", "'b'"),
    ],
)
def test_plot_logx_refuses_a_text_column_by_name(rows, x, first):
    pytest.importorskip("matplotlib")
    from qnsim.plot import plot_sweep

    with pytest.raises(ValueError, match=rf"^logx: {x} = {first} is not a number, so it has no place on a "
                                         r"logarithmic axis$"):  # fmt: skip
        plot_sweep(rows, x=x, y=["rate_hz"], logx=True)


def test_plot_command_logx_on_text_is_one_line(tmp_path):
    pytest.importorskip("matplotlib")
    rows = tmp_path / "rows.csv"
    rows.write_text("x,seed,rate_hz,mean_fidelity\na,0,1,0.9\nb,0,1,0.8\n")
    line = one_line_failure(qnsim_process("plot", rows, "--logx", "--out", tmp_path / "o.png"))
    assert "logx: x = 'a' is not a number" in line, line


def test_plot_report_that_is_not_utf8_names_the_file(tmp_path):
    """A non-UTF-8 report.json said "'utf-8' codec can't decode byte 0xe9 in position 7", naming no file (a CSV and
    every TOML file name theirs)."""
    report = tmp_path / "report.json"
    report.write_bytes('{"a": "\xe9"}'.encode("latin-1"))
    line = one_line_failure(qnsim_process("plot", report, "--out", tmp_path / "o.png"))
    assert f"{report}: not UTF-8 text (byte 0xe9 at offset 7)" in line, line
