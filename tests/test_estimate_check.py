"""check_estimate and ``qnsim estimate --simulate``: an estimate's figures beside the same run simulated over seeds
(simulate_execution at the operating point the estimate priced), so that a verdict the estimate leaves undetermined
("runtime undetermined": a limit between the shared links' bounds) can be settled by simulation."""

import math
import statistics

import pytest

from qnsim import cli
from qnsim.estimate import QPU, EstimateCheck, Link, check_estimate, estimate
from qnsim.estimate.qpu import SurfaceCode

_IDEAL = QPU(e_1q=0.0, e_2q=0.0, e_meas=0.0, t_1q_s=1e-9, t_2q_s=1e-9, t_meas_s=1e-9)


def test_one_remote_cx_waits_one_exponential_pair():
    """One remote CX over a 2 kHz Poisson link: the run is the pair's wait (mean 1/rate = 0.5 ms, an exponential
    whose spread equals its mean) plus nanoseconds of gates and no latency. 200 seeds: the simulated mean within 3
    standard errors of 0.5 ms, their spread within 15% of it, every run met by a limit no run reaches and about
    1 - e^-1 of them by a limit of one mean wait."""
    links = [Link((0, 1), rate_hz=2e3, fidelity=0.99)]
    report = estimate("CX 0 1", [_IDEAL] * 2, links, placement=[0, 1], max_runtime_s=5e-4)
    check = check_estimate(report, "CX 0 1", [_IDEAL] * 2, links, seeds=200)
    assert isinstance(check, EstimateCheck) and check.seeds == tuple(range(200))
    assert abs(check.mean_wall_clock_s - 5e-4) <= 3 * check.wall_clock_stderr_s
    assert statistics.stdev(check.wall_clock_s) == pytest.approx(5e-4, rel=0.15)
    share = check.runs_within_limit / 200
    assert abs(share - (1 - math.exp(-1))) <= 3 * math.sqrt(0.63 * 0.37 / 200)
    assert check.priced_wall_clock_s == report.wall_clock_s and check.runtime_limit_s == 5e-4
    assert check.fidelity_at_use == {(0, 1): (0.99,) * 200}
    assert check.priced_pairs == {(0, 1): 1} and check.pairs == {(0, 1): (1,) * 200}


def test_an_undetermined_runtime_is_settled_by_the_simulated_runs():
    """Audit 59's line of two 1 kHz links, QPU pair 0-2 routed over 0-1's link: the estimate leaves a 2.2 ms limit
    undetermined (2 ms at the shared link's load, up to 2.5 ms with the QPU pairs taking turns); the check runs it and
    counts the runs that meet it, and its table says so."""
    qpu = QPU(e_1q=1e-4, e_2q=1e-4, e_meas=1e-4)
    links = [Link((0, 1), 1000.0, 0.9), Link((1, 2), 1000.0, 0.9)]
    text = "CX 1 2\nCX 0 1\nH 0"
    report = estimate(text, [qpu] * 3, links, placement=[1, 0, 2], error_budget=0.5, max_runtime_s=0.0022)
    assert report.reasons[0].startswith("runtime undetermined")
    check = check_estimate(report, text, [qpu] * 3, links, seeds=[5, 6, 7, 8])
    assert check.runtime_undetermined and check.seeds == (5, 6, 7, 8)
    within = sum(t <= 0.0022 for t in check.wall_clock_s)
    assert check.runs_within_limit == within
    table = check.table()
    assert table.startswith("checked by simulation (simulate_execution, 4 seeds 5..8, at the estimate's operating")
    assert f"runtime limit 2.2 ms  undetermined  met in {within} of 4 runs" in table
    assert table.endswith(f"the simulated runs met it in {within} of 4")
    assert set(check.fidelity_at_use) == {(0, 1), (0, 2)}
    shuffled = check_estimate(report, text, [qpu] * 3, links, seeds=[9, 2, 5])
    assert shuffled.table().startswith("checked by simulation (simulate_execution, 3 seeds 9, 2, 5, at the")
    assert check.pairs == {(0, 1): (1,) * 4, (0, 2): (1,) * 4} and "pairs used, QPUs 0-2" in table


def test_refusals():
    links = [Link((0, 1), rate_hz=2e3, fidelity=0.99)]
    report = estimate("CX 0 1", [_IDEAL] * 2, links, placement=[0, 1])
    refused = [(0, r"\[1, 1000\], got 0"), (1001, r"got 1001"), ([1, 1], "seed 1 is given twice"), (2.5, "2.5"),
               ([-1], r"seeds\[0\] must be in \[0, 2\*\*64 - 1\], got -1"), ([], "give 1 to 1000 seeds, got 0")]
    for seeds, match in refused:
        with pytest.raises(ValueError, match=match):
            check_estimate(report, "CX 0 1", [_IDEAL] * 2, links, seeds=seeds)
    with pytest.raises(TypeError, match="report must be an EstimateReport, got dict"):
        check_estimate(report.to_dict(), "CX 0 1", [_IDEAL] * 2, links)
    ec = [QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), num_qubits=10**6)] * 2
    ec_link = [Link((0, 1), rate_hz=4300, fidelity=0.9839, channels=100)]
    ec_report = estimate("CX 0 1", ec, ec_link, placement=[0, 1])
    with pytest.raises(ValueError, match="error-corrected; simulate_execution runs physical QPUs"):
        check_estimate(ec_report, "CX 0 1", ec, ec_link)


def _files(tmp_path, limit_s: float) -> tuple[str, str]:
    circuit = tmp_path / "w.stim"
    circuit.write_text("CX 1 2\nCX 0 1\nH 0\n")
    links = tmp_path / "links.toml"
    links.write_text(
        "[[qpu]]\ncount = 3\ne_1q = 1e-4\ne_2q = 1e-4\ne_meas = 1e-4\n"
        "[[link]]\nqpus = [0, 1]\nrate_hz = 1000.0\nfidelity = 0.9\n"
        "[[link]]\nqpus = [1, 2]\nrate_hz = 1000.0\nfidelity = 0.9\n"
        f"[estimate]\nplacement = [1, 0, 2]\nerror_budget = 0.5\nmax_runtime_s = {limit_s}\n"
    )
    return str(circuit), str(links)


def test_the_cli_prints_the_check_after_the_report_and_keeps_the_verdicts_status(tmp_path, capsys):
    circuit, links = _files(tmp_path, 0.0022)
    assert cli.main(["estimate", circuit, "--links", links, "--simulate", "6"]) == 1  # undetermined: infeasible
    out = capsys.readouterr().out
    report_part, check_part = out.split("\nchecked by simulation (simulate_execution, 6 seeds 0..5, ")
    assert report_part.startswith("verdict") and "runtime undetermined" in report_part
    assert "runtime limit 2.2 ms  undetermined  met in " in check_part
    circuit, links = _files(tmp_path, 0.01)
    assert cli.main(["estimate", circuit, "--links", links, "--simulate", "2"]) == 0
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith("runtime limit 10 ms")]
    assert line.split()[4:] == ["met", "met", "in", "2", "of", "2", "runs"]


@pytest.mark.parametrize("extra, match", [
    (["--simulate", "0"], "--simulate takes 1 to 1000 seeds, got 0"),
    (["--simulate", "x"], "argument --simulate"),
    (["--simulate", "2", "--json"], "--simulate prints a table beside the report; with --json"),
    (["--simulate", "2", "--stream"], "is streamed (--stream: counted, not scheduled)"),
])  # fmt: skip
def test_the_cli_refuses_a_check_it_cannot_run_before_estimating(tmp_path, capsys, extra, match):
    circuit, links = _files(tmp_path, 0.01)
    assert cli.main(["estimate", circuit, "--links", links, *extra]) == 2
    assert match in capsys.readouterr().err


def test_the_cli_refuses_what_the_simulation_cannot_run_before_estimating(tmp_path, capsys):
    """A circuit past simulate_execution's 10^6 operations, or error-corrected QPUs, is refused before the estimate
    (which printed a whole report before the check said "error-corrected" and exited 2)."""
    circuit, links = _files(tmp_path, 0.01)
    big = tmp_path / "big.stim"
    big.write_text("REPEAT 2000000 {\nCX 0 1\n}\n")
    assert cli.main(["estimate", str(big), "--links", links, "--simulate", "2"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "at most 1,000,000 operations; " in captured.err and "has 2,000,000" in captured.err
    ec = tmp_path / "ec.toml"
    ec.write_text('[[qpu]]\ncount = 2\npreset = "qubit_gate_ns_e4"\nsurface_code = true\n'
                  "[[link]]\nqpus = [0, 1]\nrate_hz = 4300.0\nfidelity = 0.98\nchannels = 100\n")
    assert cli.main(["estimate", circuit, "--links", str(ec), "--simulate", "2"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "these QPUs run a surface code" in captured.err
