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
        ("H 0\n", LINKS.replace("rate_hz", "rate"), r"unknown keys \['rate'\]"),
        ("H 0\n", "[[link]]\nqpus=[0,1]\n", r"defines no \[\[qpu\]\] tables"),
    ],
)
def test_bad_input_is_reported_with_exit_status_2(files, capsys, workload, links_text, match):
    (files / "x.stim").write_text(workload)
    (files / "x.toml").write_text(links_text)
    assert main([str(files / "x.stim"), "--links", str(files / "x.toml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qnsim estimate: error:")
    assert re.search(match, err), err


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
