"""qnsim half of bench/vs_sequence.py: the native repeater chain, same parameters as SeQUeNCe's.

# ---------------------------------------------------------------------------------------------
# STUB. The qnsim chain runner lands with the network layer (issue 4); until then this raises
# NotImplementedError and bench/vs_sequence.py prints "n/a" for the qnsim columns.
# ---------------------------------------------------------------------------------------------

Contract for the implementation (bench/vs_sequence.py relies on it):

    run_qnsim_chain(num_nodes, hop_km, attenuation_db_per_km, memory_coherence_s, memory_efficiency,
                    raw_fidelity, detector_efficiency, frequency_hz, sim_time_s, seed, formalism,
                    memories_per_side, cutoff_ratio, detector_dark_count_hz, detector_count_rate_hz,
                    bsm_success_rate, swap_degradation, target_fidelity) -> dict

takes exactly the keyword arguments of bench/sequence_chain.run_sequence_chain (same units, same
defaults) and returns at least:

    wall_s            float  wall-clock seconds of the simulation run itself (not the build)
    pairs_delivered   int    end-to-end pairs delivered at the first node within sim_time_s
    mean_fidelity     float  mean fidelity to Phi+ of the delivered pairs, read from the state
    fidelity_stderr   float  standard error of that mean
    fidelities        list[float]
    delivery_times_s  list[float]  since the start of the request window
    model_notes       str    how qnsim models the link, memory, swap and timing

To agree with SeQUeNCe within statistics it must mirror the model notes printed by vs_sequence.py
(bench/sequence_chain.model_notes): one-round two-photon heralding with p = 0.5 eta^2 in the
bell_diagonal mode, Werner raw pairs, per-qubit depolarizing memory decoherence counted from
emission, the hard expiry at cutoff_ratio x coherence time, Werner-twirled ideal swaps in SeQUeNCe's
nested order, 4 memories per side attempting independently every 1/frequency + one hop of
classical delay, and the classical delays of 5 us/km.
"""

from __future__ import annotations

from typing import Any


def run_qnsim_chain(**params: Any) -> dict[str, Any]:
    """Run qnsim's native repeater chain with the SeQUeNCe chain's parameters (not implemented yet)."""
    raise NotImplementedError("qnsim chain runner lands with the network layer")
