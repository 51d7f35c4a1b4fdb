"""Distributed workload estimation: what a workload costs on networked QPUs.

Count a workload symbolically (Stim circuit text with REPEAT blocks, a streamed unrolled file,
or a logical summary), place its qubits on QPUs, price the remote operations in Bell pairs,
purification, time and error, and check the estimate against an event-driven simulation.

>>> from qnsim.estimate import QPU, Link, estimate
>>> text = "REPEAT 1000000000000 {\\n  CX 0 1\\n}"
>>> r = estimate(text, [QPU(num_qubits=1), QPU(num_qubits=1)], [Link((0, 1), rate_hz=1e6, fidelity=0.99)])
>>> r.bell_pairs, r.verdict, r.reasons[0][:30]
(1, 'infeasible', 'error budget: 0 expected local')
"""

from qnsim.estimate.budget import ErrorBudget
from qnsim.estimate.calibrate import CalibratedLink, calibrate_link
from qnsim.estimate.check import EstimateCheck, check_estimate
from qnsim.estimate.estimator import (
    azure_layout_qubits,
    buffered_link_time_s,
    estimate,
    operated_buffer_pairs,
    operated_links,
    operated_purification_rounds,
    relay_route_fidelity,
    remote_gate_time_s,
    state_teleportation_cost,
)
from qnsim.estimate.factories import DistillationRound, TFactory, design_t_factories
from qnsim.estimate.links import (
    DEFAULT_BUFFER_PAIRS,
    Link,
    PairStorage,
    PurificationPlan,
    bbpssw_step,
    dejmps_step,
    flow_controlled_rate_hz,
    latency_hold_s,
    link_from_model,
    purification_ceiling,
    purification_noise,
    purification_plan,
    purification_step,
    relay_cycle_s,
    relay_decay_factor,
    stored_fidelity,
    stored_pair,
)
from qnsim.estimate.placement import CapacityError, Placement, cut_weight, partition, placement_from_mapping
from qnsim.estimate.qpu import PRESETS, QPU, SurfaceCode, preset
from qnsim.estimate.remote import RemoteOperation, remote_logical_error, remote_operation
from qnsim.estimate.report import (
    ErrorBudgetReport,
    ErrorCorrectionReport,
    EstimateReport,
    LinkReport,
    TFactoryReport,
    human_time,
)
from qnsim.estimate.simulate import SimulationResult, SimulationStalledError, simulate_execution
from qnsim.estimate.workload import GateCounts, LogicalSummary, Workload, count_circuit, stream_circuit_file

__all__ = [
    "DEFAULT_BUFFER_PAIRS",
    "PRESETS",
    "QPU",
    "CalibratedLink",
    "CapacityError",
    "DistillationRound",
    "EstimateCheck",
    "ErrorBudget",
    "ErrorBudgetReport",
    "ErrorCorrectionReport",
    "EstimateReport",
    "GateCounts",
    "Link",
    "LinkReport",
    "LogicalSummary",
    "PairStorage",
    "Placement",
    "PurificationPlan",
    "SimulationResult",
    "SimulationStalledError",
    "RemoteOperation",
    "SurfaceCode",
    "TFactory",
    "TFactoryReport",
    "Workload",
    "azure_layout_qubits",
    "bbpssw_step",
    "calibrate_link",
    "check_estimate",
    "buffered_link_time_s",
    "count_circuit",
    "cut_weight",
    "dejmps_step",
    "design_t_factories",
    "estimate",
    "flow_controlled_rate_hz",
    "human_time",
    "latency_hold_s",
    "link_from_model",
    "operated_buffer_pairs",
    "operated_links",
    "operated_purification_rounds",
    "partition",
    "placement_from_mapping",
    "preset",
    "purification_ceiling",
    "purification_noise",
    "purification_plan",
    "purification_step",
    "relay_cycle_s",
    "relay_decay_factor",
    "relay_route_fidelity",
    "remote_logical_error",
    "remote_operation",
    "remote_gate_time_s",
    "simulate_execution",
    "state_teleportation_cost",
    "stored_fidelity",
    "stored_pair",
    "stream_circuit_file",
]
