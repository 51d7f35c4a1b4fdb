"""Round forty-two of the distributed-workload estimator: a verdict that rests on a bound of the logical depth says
so. A logical summary (and a count without its circuit) has no program-order schedule: its merge depth is a bound,
and the verdict is now judged at every remote operation in series too. Each test states the old behaviour it
guards."""

import json

from qnsim.estimate import Link, LogicalSummary, SurfaceCode, count_circuit, estimate, preset
from qnsim.estimate_cli import main


def _summary_estimate(limit):
    """100 two-qubit gates over 8 logical qubits on two QPUs and an ideal link, with runtime limit ``limit`` (s)."""
    q = preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), logical_qubits=4)
    summary = LogicalSummary(logical_qubits=8, two_qubit_count=100, measurement_count=8)
    return estimate(summary, [q, q], [Link((0, 1), rate_hz=1e12, fidelity=1.0)], max_runtime_s=limit)


def test_a_limit_between_the_depth_bounds_is_not_read_feasible():
    """The summary's busiest QPU averages 15 merges per qubit (a lower bound), its 57 remote operations in series
    take 57 cycles. Old behaviour: priced at the lower bound (30 us), a 50 us limit read "feasible" with no reason,
    though the schedule may take up to 114 us. Now the verdict is not feasible and its reason says the runtime is
    undetermined between the two, with the ways to settle it."""
    free = _summary_estimate(None)
    upper = free.remote_gates * free.error_corrected.logical_cycle_s
    limit = (free.wall_clock_s + upper) / 2
    report = _summary_estimate(limit)
    assert report.wall_clock_s <= limit < upper
    assert report.verdict == "infeasible"
    (reason,) = report.reasons
    assert reason.startswith("runtime undetermined: the run's logical depth is between ")
    assert f"{free.remote_gates:,} is every remote operation in series" in reason
    assert "estimate the circuit itself" in reason
    # Above the upper bound the verdict is feasible, and a note says it holds at both bounds.
    roomy = _summary_estimate(upper * 1.01)
    assert roomy.verdict == "feasible"
    assert any(n.endswith("the verdict holds at both") for n in roomy.notes)


def test_a_count_without_its_circuit_is_judged_at_its_remote_operations_in_series():
    """12 remote CX in a chain over alternating QPUs, given as counts (``count_circuit``: no program-order schedule):
    its busiest qubits take part in 2 merges, the circuit's schedule takes 12. Old behaviour: the count was priced at
    2 cycles and read feasible under a 7-cycle runtime limit that every schedule of the circuit overruns. Now the
    verdict is not feasible and the reason names both depths and why the count has only bounds."""
    qpu = preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), logical_qubits=8)
    links = [Link((0, 1), rate_hz=1e12, fidelity=0.999)]
    chain = "".join(f"CX {i} {i + 1}\n" for i in range(12))
    where = [i % 2 for i in range(13)]
    free = estimate(count_circuit(chain), [qpu, qpu], links, placement=where)
    limit = free.error_corrected.logical_cycle_s * 7
    report = estimate(count_circuit(chain), [qpu, qpu], links, placement=where, max_runtime_s=limit)
    assert report.wall_clock_s <= limit
    assert report.verdict == "infeasible"
    (reason,) = report.reasons
    assert "logical depth is between 2 and 12 cycles" in reason and "no program-order schedule" in reason


def test_qnsim_estimate_exits_1_and_prints_the_undetermined_runtime(tmp_path, capsys):
    """`qnsim estimate` on the summary above with a 50 us limit (its runs: 30 us at the lower bound, 114 us with every
    remote operation in series). Old behaviour: "verdict feasible", exit status 0. Now exit status 1 (infeasible, as
    the README documents for an undetermined runtime) and the reason printed, in the JSON too."""
    (tmp_path / "s.toml").write_text("logical_qubits = 8\ntwo_qubit_count = 100\nmeasurement_count = 8\n")
    (tmp_path / "l.toml").write_text(
        '[[qpu]]\npreset = "qubit_gate_ns_e4"\ncount = 2\nsurface_code = true\nlogical_qubits = 4\n\n'
        "[[link]]\nqpus = [0, 1]\nrate_hz = 1e12\nfidelity = 1.0\n\n[estimate]\nmax_runtime_s = 5e-5\n"
    )
    argv = [str(tmp_path / "s.toml"), "--links", str(tmp_path / "l.toml")]
    assert main(argv) == 1
    assert "runtime undetermined: the run's logical depth is between 15 and 57 cycles" in capsys.readouterr().out
    assert main([*argv, "--json"]) == 1
    written = json.loads(capsys.readouterr().out)
    assert written["verdict"] == "infeasible" and written["reasons"][0].startswith("runtime undetermined: ")
