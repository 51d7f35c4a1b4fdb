"""Bad input, round 26: a time an infeasible report does not have reads "not estimated (nan)", never "nan s"; an
empty seed list is documented where it is allowed (``Network.run_seeds``) and refused where a user typed it
(``qnsim sweep --seeds``); coefficients and other ordered numbers crossing into the native core are refused when
given as a set (pybind11 reads a set in hash order); node names that only look alike (a Latin and a Cyrillic 'a')
are taken for one another as names differing in case are; helpers of the estimator read their numbers with
``argument_checks``; a network builder refuses a size whose memory would not fit, before it allocates."""

from __future__ import annotations

import math

import pytest

import qnsim
from qnsim.estimate import QPU, Link, estimate
from qnsim.estimate.report import human_time


def test_an_infeasible_report_s_missing_times_read_not_estimated():
    """An infeasible report has no wall clock (NaN): its text read "wall clock nan s" and "nan s / nan s / nan s",
    a figure in seconds where there is none, and so did every re-estimate that was infeasible ("estimated again
    with ...: nan s")."""
    assert human_time(math.nan) == "not estimated (nan)"
    assert human_time(math.inf) == "inf s"  # a real (unbounded) time keeps its unit
    report = estimate("CX 0 1\nCX 0 2", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], error_budget=0.5)
    assert report.verdict == "infeasible" and math.isnan(report.wall_clock_s)
    text = f"{report!r}\n{report}"
    assert "nan s" not in text
    assert "wall clock not estimated (nan), bound: infeasible" in text
    assert "compute / links / latency   not estimated (nan)\n" in f"{report}\n"


def test_an_empty_seed_list_is_documented_in_python_and_refused_on_the_command_line(tmp_path, capsys):
    """``Network.run_seeds([])`` returns [] by design (a caller splitting a batch may hand over an empty part), but
    its docstring did not say so; the command line, where an empty list is a typing mistake, refuses it."""
    from qnsim import cli

    doc = " ".join(qnsim.Network.run_seeds.__doc__.split())
    assert "An empty one runs nothing and returns ``[]``" in doc
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a"), net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e4)
    net.request("a", "b")
    seen = []
    assert net.run_seeds([], 1e-3) == [] and net.run_seeds([], 1e-3, on_result=seen.append) is None and not seen
    scenario = tmp_path / "s.toml"
    scenario.write_text(net.to_toml(until_s=1e-3))
    for typed in ("", ",", " "):
        code = cli.main(["sweep", str(scenario), "--seeds", typed, "--out", str(tmp_path / "rows.csv"), "--no-progress"])
        assert code == 2
        assert f"--seeds {typed!r} must be a count (5) or a list of seeds (3,7,11)" in capsys.readouterr().err
    assert not (tmp_path / "rows.csv").exists()
