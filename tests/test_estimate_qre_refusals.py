"""Inputs Azure's Quantum Resource Estimator refuses are refused by qnsim too, by name (no qsharp needed:
QRE's answers, qsharp 1.31, are quoted in each docstring; test_estimate_qre_parity.py runs QRE)."""

from __future__ import annotations

import pytest

from qnsim.estimate import QPU, ErrorBudget, LogicalSummary, SurfaceCode, estimate


def test_an_error_corrected_qpu_needs_a_positive_logical_cycle():
    """QRE: "logicalCycleTime formula yields non-positive value" for zero two-qubit gate and measurement
    times. qnsim raised ZeroDivisionError from the estimate."""
    with pytest.raises(ValueError, match=r"logical cycle .*t_2q_s = 0.*t_meas_s = 0"):
        QPU(t_1q_s=0, t_2q_s=0, t_meas_s=0, t_t_s=0, surface_code=SurfaceCode())
    QPU(t_2q_s=0, t_meas_s=0)  # a physical QPU of instantaneous gates is fine


def test_a_factory_that_takes_no_time_is_refused():
    """A physical distillation round lasts its unit's cycles x the T-gate time: with t_t_s = 0 and a
    factory of physical rounds only (10 T gates, Clifford error 1e-6, T error 1e-2), the factory count
    divided by zero (ZeroDivisionError; QRE panics: "attempt to divide by zero"). Where a logical round
    follows, the factory takes time and both estimate it (test_estimate_qre_parity checks one such case)."""
    qpu = QPU(t_t_s=0, e_1q=1e-6, e_2q=1e-6, e_meas=1e-6, e_t=1e-2, surface_code=SurfaceCode())
    with pytest.raises(ValueError, match=r"T factory .* takes no time.*t_t_s = 0"):
        estimate(LogicalSummary.from_qre({"numQubits": 10, "tCount": 10}), qpu)
    assert estimate(LogicalSummary.from_qre({"numQubits": 10, "tCount": 100}),
                    qpu.with_(e_1q=1e-5, e_2q=1e-5, e_meas=1e-5)).feasible


def test_a_workload_with_nothing_to_price_on_one_qpu_is_refused():
    """QRE: "Algorithm requires at least one magic state or measurement to estimate resources" (numQubits
    only). qnsim priced it as one logical cycle with a note."""
    qpu = QPU.preset("qubit_gate_ns_e3", surface_code=SurfaceCode())
    for workload in (LogicalSummary.from_qre({"numQubits": 5}), "H 0\nCX 0 1"):
        with pytest.raises(ValueError, match="no T gate, rotation, CCZ, CCiX or measurement"):
            estimate(workload, qpu)


def test_a_zero_budget_part_is_refused_for_a_source_the_workload_has():
    """QRE: "The error budget must be between 0.0 and 1.0, provided input was `0`" for tStates = 0 with T
    gates, rotations = 0 with rotations, logical = 0 always."""
    qpu = QPU.preset("qubit_gate_ns_e3", surface_code=SurfaceCode())
    for counts, budget, part in (
        ({"numQubits": 10, "tCount": 100}, ErrorBudget(2e-3, logical=1e-3, t_states=0.0, rotations=1e-3), "t_states"),
        ({"numQubits": 5, "rotationCount": 3, "rotationDepth": 3}, ErrorBudget(2e-3, 1e-3, 1e-3, 0.0), "rotations"),
        ({"numQubits": 10, "tCount": 100}, ErrorBudget(2e-3, logical=0.0, t_states=1e-3, rotations=1e-3), "logical"),
    ):
        with pytest.raises(ValueError, match=f"error budget leaves nothing for the {part} part"):
            estimate(LogicalSummary.from_qre(counts), qpu, error_budget=budget)
    with pytest.raises(ValueError, match="total must be a probability in"):
        ErrorBudget(0.0)


def test_a_physical_error_at_the_threshold_is_infeasible_whatever_the_budget():
    """QRE refuses a physical error at the threshold ("expected value between 0 and 0.01"); qnsim's
    verdict is infeasible, naming the threshold, even at a budget of 0.9."""
    r = estimate(LogicalSummary.from_qre({"numQubits": 1, "measurementCount": 1}),
                 QPU(e_1q=0.01, surface_code=SurfaceCode()), error_budget=0.9)
    assert not r.feasible and "threshold 0.01" in r.reasons[0]


def test_t_states_no_factory_can_make_are_named_as_the_reason():
    """With a physical T error of 0.5 no 15-to-1 unit works (it fails with probability 15 z > 1): the
    distance climbed to the limit looking for a factory and the reason blamed the patches' logical error
    ("no code distance <= 101 reaches 3e-53 per patch and cycle"). QRE does not return on this input."""
    r = estimate(LogicalSummary.from_qre({"numQubits": 10, "tCount": 100, "measurementCount": 10}),
                 QPU(e_t=0.5, surface_code=SurfaceCode()))
    assert not r.feasible
    assert r.reasons[0].startswith("T states: no distillation design on patches up to distance 101 reaches the T "
                                   "error 5e-06 that each of the 100 T states needs, from physical T error 0.5")
