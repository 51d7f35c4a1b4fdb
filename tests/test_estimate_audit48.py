"""Estimator audit 48: the report says where each qubit went (``qubit_qpus``, schema 9), so the run an estimate
priced can be simulated whatever options placed it.

Old behaviour: the report gave qubits per QPU only; ``simulate_execution`` re-made the estimate's default placement
(seed 0, packed, the default partitioner), so a report made with ``placement_strategy="spread"`` or another seed could
not be checked by simulation without re-deriving its placement by hand.
"""

from __future__ import annotations

import json

import pytest

from qnsim.estimate import QPU, EstimateReport, Link, LogicalSummary, SurfaceCode, estimate, simulate_execution
from qnsim.estimate.placement import placement_from_mapping

CIRCUIT = "\n".join(["CX 0 1", "CX 2 3", "CX 1 2", "CX 4 5", "CX 3 4", "H 7"])  # qubit 6 never used


def _qpus(sizes=(4, 4, 4)):
    return [QPU(num_qubits=n) for n in sizes]


def _links(k=3):
    return [Link((a, b), 1e6, 0.99) for a in range(k) for b in range(a + 1, k)]


@pytest.mark.parametrize("strategy", ["pack", "spread"])
def test_qubit_qpus_is_the_placement_priced(strategy):
    report = estimate(CIRCUIT, _qpus(), _links(), error_budget=0.5, placement_strategy=strategy)
    q = report.qubit_qpus
    assert len(q) == 8 and q[6] is None and all(x is not None for i, x in enumerate(q) if i != 6)
    assert [sum(1 for x in q if x == k) for k in range(3)] == report.qubits_per_qpu
    # Priced again on that placement, every figure is the same (the cut too: it is the workload's).
    again = estimate(CIRCUIT, _qpus(), _links(), error_budget=0.5, placement=q)
    assert again.qubit_qpus == q
    assert (again.remote_gates, again.cut_weight, again.wall_clock_s) == (
        report.remote_gates, report.cut_weight, report.wall_clock_s)


def test_simulate_execution_runs_a_spread_estimate_where_it_was_priced():
    qpus, links = _qpus((8, 8, 8)), _links()
    spread = estimate(CIRCUIT, qpus, links, error_budget=0.5, placement_strategy="spread")
    packed = estimate(CIRCUIT, qpus, links, error_budget=0.5)
    assert spread.remote_gates != packed.remote_gates  # the two placements differ, so the check can fail
    sim = simulate_execution(CIRCUIT, qpus, links, placement=spread.qubit_qpus, seed=1)
    assert sim.remote_gates == spread.remote_gates
    default = simulate_execution(CIRCUIT, qpus, links, seed=1)
    assert default.remote_gates == packed.remote_gates


def test_qubit_qpus_reads_back_and_older_reports_read_back_without_it():
    report = estimate(CIRCUIT, _qpus(), _links(), error_budget=0.5)
    data = json.loads(report.to_json())
    assert data["schema_version"] == 9 and data["qubit_qpus"][6] is None
    back = EstimateReport.from_dict(data)
    assert back.qubit_qpus == report.qubit_qpus and back.to_json() == report.to_json()
    for version in (5, 6, 7, 8):
        old = {k: v for k, v in data.items() if k != "qubit_qpus"}
        old["schema_version"] = version
        old["links"] = [{k: v for k, v in lk.items() if not (
            (version <= 7 and k == "active_rate_hz")
            or (version <= 6 and k in ("provision", "channels_for_remote_share"))
            or (version == 5 and k == "rate_interval95"))} for lk in data["links"]]
        assert EstimateReport.from_dict(old).qubit_qpus is None


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda q: q[:-1] + [7], r"qubit_qpus must name QPUs 0 to num_qpus - 1 = 2 .*got 7"),
        (lambda q: [0 if x is not None else None for x in q], r"qubit_qpus places 7 qubits on QPU 0, but qubits_per_qpu"),
    ],
)
def test_an_edited_placement_is_refused_on_read_back(edit, message):
    report = estimate(CIRCUIT, _qpus(), _links(), error_budget=0.5)
    data = json.loads(report.to_json())
    data["qubit_qpus"] = edit(data["qubit_qpus"])
    with pytest.raises(ValueError, match=message):
        EstimateReport.from_dict(data)


def test_a_logical_summary_and_an_unplaced_run_list_no_qubits():
    summary = estimate(LogicalSummary(4, t_count=100), QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode()))
    assert summary.qubit_qpus is None
    too_big = estimate(CIRCUIT, [QPU(num_qubits=2)] * 2, [Link((0, 1), 1e6, 0.99)], error_budget=0.5)
    assert not too_big.feasible and too_big.qubit_qpus is None


def test_a_sequence_placement_takes_none_as_on_no_qpu():
    assert placement_from_mapping([0, None, 1], 3, 2).qpu_of == (0, -1, 1)
    with pytest.raises(TypeError, match="got qubit None"):
        placement_from_mapping({None: 0}, 3, 2)
    with pytest.raises(TypeError, match="got QPU 0.5"):
        placement_from_mapping([0, 0.5], 2, 2)
    # A used qubit on no QPU is the estimate's reason, not a silent drop.
    report = estimate(CIRCUIT, _qpus(), _links(), placement=[0, None, 1, 1, 2, 2, None, 0])
    assert not report.feasible and "qubit 1" in report.reasons[0] and "no QPU" in report.reasons[0]
