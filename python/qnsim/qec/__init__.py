"""Distributed quantum error correction: surface-code patches across QPUs joined by simulated links.

Circuits (Stim) of a memory split by a seam and of a remote lattice-surgery merge, with the seam
crossed by noisy direct gates, teleported gates or a cat gadget; the exact Pauli channel a
Bell-diagonal pair puts on the data; interface noise taken from a simulated link; sampling and
decoding with sinter and PyMatching; the model the estimator uses for a remote logical operation.

Needs the ``qec`` extra for circuits and sampling (``pip install 'qnsim[qec]'``: stim,
pymatching, sinter); the channel algebra in :mod:`qnsim.qec.channels` needs numpy only.

>>> from qnsim import qec
>>> c = qec.memory_circuit(3, rounds=3, noise=qec.NoiseModel.uniform_depolarizing(1e-3),
...                        interface=qec.Interface.werner(0.05))
>>> c.num_observables
1
"""

from qnsim.qec.channels import (
    bell_diagonal_after_memory,
    check_bell_diagonal,
    compose_pauli2,
    depolarize2_channel,
    memory_pauli_channel,
    seam_error_rates,
    teleported_cnot_channel,
    werner,
)
from qnsim.qec.circuits import (
    SeamResources,
    memory_circuit,
    memory_layout,
    merge_circuit,
    merge_layout,
    seam_fault_distance,
    seam_resources,
)
from qnsim.qec.layout import PatchLayout, Stabilizer, rotated_patch, unrotated_patch
from qnsim.qec.link import LinkSupply, RoundTiming, interface_from_link, measure_link, poisson_mean_wait, round_timing
from qnsim.qec.noise import Interface, NoiseModel
from qnsim.qec.sampling import LogicalErrorEstimate, collect, per_round, sample_logical_error, wilson_interval
from qnsim.qec.sweep import ExperimentSpec, run_experiment_sweep
from qnsim.qec.threshold import ThresholdEstimate, estimate_threshold

__all__ = [
    "ExperimentSpec",
    "Interface",
    "LinkSupply",
    "LogicalErrorEstimate",
    "NoiseModel",
    "PatchLayout",
    "RoundTiming",
    "SeamResources",
    "Stabilizer",
    "ThresholdEstimate",
    "bell_diagonal_after_memory",
    "check_bell_diagonal",
    "collect",
    "compose_pauli2",
    "depolarize2_channel",
    "estimate_threshold",
    "interface_from_link",
    "measure_link",
    "memory_circuit",
    "memory_layout",
    "memory_pauli_channel",
    "merge_circuit",
    "merge_layout",
    "per_round",
    "poisson_mean_wait",
    "round_timing",
    "run_experiment_sweep",
    "sample_logical_error",
    "rotated_patch",
    "seam_error_rates",
    "seam_fault_distance",
    "seam_resources",
    "teleported_cnot_channel",
    "unrotated_patch",
    "werner",
    "wilson_interval",
]
