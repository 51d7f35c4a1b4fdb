"""`qnsim estimate` entry point (qnsim.estimate_cli.main): table, JSON, exit codes, errors."""

from __future__ import annotations

import json
import re

import pytest

from qnsim.estimate_cli import load_network, main

LINKS = """
[[qpu]]
preset = "qubit_gate_ns_e4"
num_qubits = 2
count = 2
e_1q = 0.0
e_2q = 0.0
e_meas = 0.0

[[link]]
qpus = "all"
rate_hz = 1e5
fidelity = 0.97
latency_s = 1e-6

[estimate]
target_fidelity = 0.9999
error_budget = 0.5
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "w.stim").write_text("REPEAT 1000 {\n  CX 0 1 2 3\n  CX 0 2\n  H 0\n}\n")
    (tmp_path / "links.toml").write_text(LINKS)
    return tmp_path


def test_json_output_matches_the_report(files, capsys):
    assert main(["estimate", str(files / "w.stim"), "--links", str(files / "links.toml"), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["verdict"] == "feasible"
    assert d["remote_gates"] == 1000 and d["bell_pairs"] == 1000
    assert d["links"][0]["purification_rounds"] >= 1
    assert d["raw_bell_pairs"] > d["bell_pairs"]


def test_logical_summary_and_stream(files, capsys):
    (files / "s.toml").write_text("[workload]\nlogical_qubits = 4\ntwo_qubit_count = 1000\ndepth = 500\n")
    assert main([str(files / "s.toml"), "--network", str(files / "links.toml")]) == 0
    assert "remote operations" in capsys.readouterr().out
    (files / "flat.stim").write_text("CX 0 1 2 3\nCX 0 2\n" * 10)
    assert main([str(files / "flat.stim"), "--links", str(files / "links.toml"), "--stream", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["remote_gates"] == 10


def test_infeasible_exit_status(files, capsys):
    (files / "bad_links.toml").write_text(LINKS.replace("fidelity = 0.97", "fidelity = 0.5"))
    assert main([str(files / "w.stim"), "--links", str(files / "bad_links.toml")]) == 1
    assert "can never be purified to 0.9999" in capsys.readouterr().out


@pytest.mark.parametrize(
    "workload, links_text, match",
    [
        ("CNT 0 1\n", LINKS, r"unknown gate 'CNT' on line 1; did you mean 'CNOT'\?"),
        ("REPEAT 0 {\nH 0\n}\n", LINKS, r"REPEAT count must be at least 1, got 0"),
        ("H 0\n", LINKS.replace("rate_hz", "rate"), r"x.toml: unknown key link\[0\].rate; did you mean 'rate_hz'\?"),
        ("H 0\n", "[[link]]\nqpus=[0,1]\n", r"x.toml: defines no \[\[qpu\]\] tables"),
        # Types checked, never coerced (issue 9 / issue 8's one TOML layer).
        ("H 0\n", "[[qpu]]\ncount = 2.7\n", r"x.toml: qpu\[0\].count must be an integer, got 2.7"),
        ("H 0\n", '[[qpu]]\nsurface_code = "yes"\n', r"x.toml: qpu\[0\].surface_code must be true or false, got 'yes'"),
        ("H 0\n", LINKS + "cat_entangler = \"no\"\n", r"estimate.cat_entangler must be true or false, got 'no'"),
        ("H 0\n", "[qpu]\nnum_qubits = 2\n",
         r"x.toml: qpu must be an array of tables \(\[\[qpu\]\]\), got a single table"),
        ("H 0\n", "[[qpu]]\ncount = 1000000000000\n", r"qpu\[0\].count must be in \[1, 4096\], got 1000000000000"),
        ("H 0\n", "[[qpu]]\ne_2q = 1.5\n", r"qpu\[0\].e_2q must be in \[0, 1\], got 1.5"),
        ("H 0\n", '[[qpu]]\npreset = "qubit_gate_ns_e5"\n', r"qpu\[0\]: unknown QPU preset 'qubit_gate_ns_e5'"),
        ("H 0\n", "[[qpu]]\ncount=2\n[[link]]\nqpus = [0, 1]\nrate_hz = -1.0\nfidelity = 0.9\n",
         r"link\[0\].rate_hz must be > 0, got -1.0"),
        ("H 0\n", "[[qpu]]\ncount=2\n[[link]]\nqpus = [0, true]\nrate_hz = 1.0\nfidelity = 0.9\n",
         r"link\[0\].qpus\[1\] must be an integer, got True"),
        ("H 0\n", "[[qpu]]\ncount=2\n[[link]]\nqpus = [0, 1]\nfidelity = 0.9\n", r"link\[0\].rate_hz is required"),
        ("H 0\n", "[[qpu]]\n[estimate]\nerror_budget = 1.0\n", r"estimate.error_budget must be in \(0, 1\), got 1.0"),
        ("RZ(0.1) 0\nR_Z 1\n", LINKS, r"unknown gate 'R_Z' on line 2; did you mean 'RZ\(theta\)'\?"),
        ("H 0\n", b"[[qpu]]\nname = '\xff'\n", r"x.toml: not UTF-8 text"),
        (b"H \xff\n", LINKS, r"x.stim: not UTF-8 text"),
        ("H 0\n", "[[qpu]\n", r"x.toml: invalid TOML"),
        # The seed was not checked at all (-1 ran); a far index was called "not >= 0".
        ("H 0\n", "[[qpu]]\n[estimate]\nseed = -1\n", r"x.toml: estimate.seed must be in \[0, 2\*\*64 - 1\], got -1"),
        ("H 0\n", "[[qpu]]\n[estimate]\nseed = 18446744073709551616\n", r"x.toml: estimate.seed must be in \[0, 2\*\*64 - 1\], got 18446744073709551616"),
        ("H 0\n", "[[qpu]]\ncount=2\n[[link]]\nqpus = [0, -1]\nrate_hz = 1.0\nfidelity = 0.9\n",
         r"link\[0\].qpus\[1\] must be in \[0, 2\*\*64 - 1\], got -1"),
    ],
)
def test_bad_input_is_reported_with_exit_status_2(files, capsys, workload, links_text, match):
    for name, content in (("x.stim", workload), ("x.toml", links_text)):
        if isinstance(content, bytes):
            (files / name).write_bytes(content)
        else:
            (files / name).write_text(content)
    assert main([str(files / "x.stim"), "--links", str(files / "x.toml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qnsim estimate: error:")
    assert err.count("\n") == 1, err  # one line, no traceback
    assert re.search(match, err), err


@pytest.mark.parametrize(
    "args, match",
    [
        (["missing.stim", "--links", "LINKS"], r"missing.stim: No such file or directory"),
        (["w.stim", "--links", "nowhere.toml"], r"nowhere.toml: No such file or directory"),
        (["DIR", "--links", "LINKS"], r"Is a directory"),
        (["w.stim", "--links", "DIR"], r"Is a directory"),
        # "not a readable file" until round 38 opened the workload before the links file: open's own words now.
        (["DIR", "--links", "LINKS", "--stream"], r"Is a directory"),
        (["w.stim"], r"one of the arguments --links --network is required"),
        (["w.stim", "--links", "LINKS", "--bogus"], r"unrecognized arguments: --bogus"),
    ],
)
def test_os_and_usage_errors_are_one_line_with_exit_status_2(files, capsys, args, match):
    args = [str(files / "links.toml") if a == "LINKS" else str(files) if a == "DIR" else
            a if a.startswith("--") or a in ("missing.stim", "nowhere.toml") else str(files / a) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("qnsim estimate: error:") and err.count("\n") == 1, err
    assert re.search(match, err), err


def test_output_piped_into_head_ends_quietly(files):
    """`qnsim estimate ... | head -1` closes the pipe early: no traceback, no BrokenPipeError."""
    import subprocess
    import sys

    cmd = (f"{sys.executable} -m qnsim.estimate_cli {files / 'w.stim'} --links {files / 'links.toml'} --json "
           "| head -c 10")
    done = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert done.stdout == '{\n  "verdi'
    assert done.stderr == ""


def test_qre_logical_counts_json_is_accepted(files, capsys):
    (files / "counts.json").write_text('{"numQubits": 4, "tCount": 100, "measurementCount": 10}')
    (files / "ec.toml").write_text('[[qpu]]\npreset = "qubit_gate_ns_e4"\nsurface_code = true\n')
    assert main([str(files / "counts.json"), "--links", str(files / "ec.toml"), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["error_corrected"]["t_states"] == 100 and d["error_corrected"]["t_factory"]["factories_per_qpu"]
    (files / "bad.json").write_text('{"numQubits": 4, "tcount": 100}')
    assert main([str(files / "bad.json"), "--links", str(files / "ec.toml")]) == 2
    assert "unknown logical-counts key 'tcount'; did you mean 'tCount'?" in capsys.readouterr().err


def test_load_network_surface_code_table():
    qpus, links, _ = load_network(
        {
            "qpu": [
                {
                    "preset": "qubit_gate_us_e3",
                    "surface_code": {"crossing_prefactor": 0.1},
                    "logical_qubits": 10,
                }
            ]
        }
    )
    assert qpus[0].surface_code.crossing_prefactor == 0.1 and links == []
