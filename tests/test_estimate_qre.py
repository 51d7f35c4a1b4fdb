"""qnsim's error-corrected estimate against Azure's Quantum Resource Estimator, run side by side.

Skipped when ``qsharp`` (the ``[qre]`` extra) is not installed. Issue 9's target: physical qubits and
runtime within 10%, code distance equal, for the four gate-based presets and T-, rotation-, CCZ- and
measurement-heavy workloads (bench/qre_parity.py prints the same table)."""

from __future__ import annotations

import importlib.util
import warnings

import pytest

from qnsim.estimate import QPU, LogicalSummary, SurfaceCode, estimate

pytestmark = pytest.mark.skipif(importlib.util.find_spec("qsharp") is None, reason="qsharp not installed")

PRESETS = ("qubit_gate_ns_e3", "qubit_gate_ns_e4", "qubit_gate_us_e3", "qubit_gate_us_e4")
WORKLOADS = {
    "T-heavy": {"numQubits": 100, "tCount": 10**8, "measurementCount": 10**5},
    "rotation-heavy": {"numQubits": 60, "rotationCount": 10**6, "rotationDepth": 10**5, "tCount": 10**3},
    "CCZ-heavy": {"numQubits": 200, "cczCount": 10**7, "ccixCount": 10**5, "measurementCount": 10**4},
    "measurement-heavy": {"numQubits": 500, "measurementCount": 10**9, "tCount": 10**4},
    "few-T": {"numQubits": 10, "tCount": 3, "measurementCount": 100},
}


def _qre(counts, preset, budget=1e-3):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from qsharp.estimator import LogicalCounts

        return LogicalCounts(dict(counts)).estimate(params={"qubitParams": {"name": preset}, "errorBudget": budget})


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("workload", sorted(WORKLOADS))
def test_totals_distance_and_factories_match_qre(workload, preset):
    counts = WORKLOADS[workload]
    theirs = _qre(counts, preset)
    ours = estimate(LogicalSummary.from_qre(counts), QPU.preset(preset, surface_code=SurfaceCode()))
    ec = ours.error_corrected
    assert ec.code_distance == theirs["logicalQubit"]["codeDistance"]
    assert ec.physical_qubits == pytest.approx(theirs["physicalCounts"]["physicalQubits"], rel=0.10)
    assert ours.wall_clock_s == pytest.approx(theirs["physicalCounts"]["runtime"] * 1e-9, rel=0.10)
    breakdown = theirs["physicalCounts"]["breakdown"]
    assert ec.t_factory.factories == breakdown["numTfactories"]
    assert ec.t_factory.physical_qubits_per_factory == theirs["tfactory"]["physicalQubits"]
    assert ec.layout_logical_qubits_per_qpu == [breakdown["algorithmicLogicalQubits"]]
    assert ec.logical_cycles == breakdown["logicalDepth"]
    assert ec.t_states == breakdown["numTstates"]


def test_other_error_budget_matches_qre():
    counts = WORKLOADS["T-heavy"]
    theirs = _qre(counts, "qubit_gate_ns_e4", budget=1e-6)
    ours = estimate(LogicalSummary.from_qre(counts), QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode()),
                    error_budget=1e-6)
    assert ours.error_corrected.code_distance == theirs["logicalQubit"]["codeDistance"]
    assert ours.error_corrected.physical_qubits == theirs["physicalCounts"]["physicalQubits"]
