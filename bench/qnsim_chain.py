"""qnsim half of bench/vs_sequence.py: the native repeater chain, same model as SeQUeNCe's.

`run_qnsim_chain` takes exactly the keyword arguments of bench/sequence_chain.run_sequence_chain
(same units, same defaults) and mirrors the model SeQUeNCe 1.3 uses in its Bell-diagonal mode
(bench/sequence_chain.model_notes): one-round two-photon heralding with p = 0.5 eta_A eta_B per
attempt, Werner raw pairs, per-qubit depolarizing memory decoherence counted from emission
(depolarize1 p = 3/4 (1 - exp(-4t/3T)), i.e. qnsim's depolarizing_time_s = 3T/4), a hard expiry
at cutoff_ratio x T after emission, ideal swaps in SeQUeNCe's nested (doubling) order,
`memories_per_side` memories per link end attempting independently every max(1/frequency + h, 4 h)
(h = one hop of classical delay; 4 h when the failed attempt's re-pairing handshake is longer than
the 1/frequency window), and classical delays of 5 us/km along the chain; SeQUeNCe's two handshakes (3 hop
delays from a memory pair's release to its first emission; one round trip to the farther partner before
each swap) are mirrored with the link setup delay and the request's swap handshake.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from qnsim import _core


def require_current_build() -> None:
    """Refuses (SystemExit, with the fix) to time a qnsim that is not this tree's (its native build or its Python
    modules made from other sources): bench/'s SeQUeNCe venv holds its own install of qnsim, which a change to cpp/
    leaves stale (stop 53's SeQUeNCe ratios timed a build of an older commit without a word). Compared: the build's
    digest (``_core.source_digest()``) with the tree's (python/qnsim/_build.py, loaded by its path: the installed
    qnsim may predate it), and the installed modules' folder with the tree's (``qnsim.sweeps.tree_digest`` on both;
    an in-tree import compares the tree with itself). QNSIM_BENCH_ALLOW_STALE=1 times it anyway, saying so."""
    import importlib.util
    import os
    import sys
    from pathlib import Path

    import qnsim
    from qnsim.sweeps import tree_digest

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("_qnsim_tree_build", root / "python" / "qnsim" / "_build.py")
    if spec is None or spec.loader is None or not (root / "cpp").is_dir():
        return  # bench/ copied out of its tree: nothing to compare with
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    installed = Path(qnsim.__file__).parent  # its modules' folder (the extension may sit in another of its path)
    built = _core.source_digest() if hasattr(_core, "source_digest") else "unknown"
    stale = []
    if built != module.native_sources_digest(root):
        stale.append("native")
    if tree_digest(installed) != tree_digest(root / "python" / "qnsim"):
        stale.append("Python")
    if not stale:
        return
    message = f"the qnsim imported here ({installed}) was built from other {' and '.join(stale)} sources than {root}"
    if os.environ.get("QNSIM_BENCH_ALLOW_STALE") == "1":
        print(f"warning: {message}; timed anyway (QNSIM_BENCH_ALLOW_STALE=1)", file=sys.stderr)
        return
    raise SystemExit(f"{message}: rebuild it (QNSIM_SEQ_REINSTALL_QNSIM=1 bash bench/setup_sequence_venv.sh for "
                     "bench/.venv-sequence), or set QNSIM_BENCH_ALLOW_STALE=1 to time it anyway")  # fmt: skip


require_current_build()

LIGHT_US_PER_KM = 5.0  # SeQUeNCe's classical and quantum channel delay
PS_PER_US = 1_000_000


# One-way hop delays between a memory pair being freed and its first emission in SeQUeNCe 1.3.1
# (resource_manager REQUEST, single_heralded NEGOTIATE, emission scheduled one cc delay later for the ACK).
SETUP_HOP_DELAYS = 3


def model_notes() -> str:
    """One paragraph on how qnsim models this chain (printed by vs_sequence.py)."""
    return (
        "qnsim: native NativeNetwork, density-matrix formalism (exact fidelities). Link: p = bsm_success_rate * "
        "eta^2 per attempt with eta = memory_efficiency * 10^(-att*hop/20) * detector_efficiency, attempts every "
        "max(1/frequency + h, 4 h) (h: hop delay; SeQUeNCe re-pairs after each failure), number of attempts drawn from a geometric distribution, Werner pair of "
        "raw_fidelity heralded hop_km*5 us after emission at both ends. Memory: depolarize1 p = 3/4(1-exp(-4t/3T)) "
        "from emission, applied lazily; expiry cutoff_ratio*T after emission discards the pair. Swaps: ideal, "
        "nested doubling order; outcomes sent straight to both ends at 5 us/km; a pair counts when both ends have "
        "every outcome (SeQUeNCe counts it at r0). SeQUeNCe's handshakes (measured with bench/seq_timing.py): a freed "
        "memory pair first emits 3 one-way hop delays after it is freed (resource-manager REQUEST, generation NEGOTIATE, "
        "NEGOTIATE_ACK: link setup_delay_ps = 3 hop delays), and a swapping node swaps one round trip to its farther "
        "designated partner after it holds both pairs (REQUEST/RESPONSE with both partners: the request's swap_handshake, "
        "the two qubits held and decaying meanwhile). "
        "Not modelled: detector dead time, SeQUeNCe's silent non-emission after memory re-pairing (an artefact)."
    )


def run_qnsim_chain(num_nodes: int = 5, hop_km: float = 10.0, attenuation_db_per_km: float = 0.2,
                    memory_coherence_s: float = 1.0, memory_efficiency: float = 0.9, raw_fidelity: float = 0.95,
                    detector_efficiency: float = 0.9, frequency_hz: float = 2e3, sim_time_s: float = 0.2,
                    seed: int = 0, formalism: str = "bell_diagonal", memories_per_side: int = 4,
                    cutoff_ratio: float | None = 1.0, detector_dark_count_hz: float = 0.0,
                    detector_count_rate_hz: float = 1e12, bsm_success_rate: float = 0.5,
                    swap_degradation: float = 1.0, target_fidelity: float = 1e-3,
                    fixed_channels: bool = False,
                    link_success_factors: list[float] | None = None,
                    qnsim_formalism: str | None = None) -> dict[str, Any]:
    """Runs qnsim's native repeater chain with the SeQUeNCe chain's parameters.

    Units as in run_sequence_chain: km, dB/km, seconds, Hz. ``formalism`` "bell_diagonal" maps to
    qnsim's exact density-matrix formalism; "stabilizer" runs Pauli trajectories. Parameters
    SeQUeNCe's Bell-diagonal mode ignores (dark counts, count rate, swap_degradation,
    target_fidelity) are ignored here too. ``link_success_factors`` (diagnostic only, never passed by
    vs_sequence.py) scales the success probability of hop i by factor i, e.g. to replay the link
    success SeQUeNCe actually achieves with its silent non-emissions (bench/seq_timing.py --qnsim-check).
    ``qnsim_formalism`` (qnsim only, from vs_sequence.py --qnsim-formalism) picks qnsim's formalism
    directly: "bell_diagonal" (the same model, closed forms), "density_matrix" or "stabilizer".

    Returns:
        dict with wall_s and cpu_s (run() plus reading the deliveries out, as SeQUeNCe's Timeline.run()
        ends with them booked), run_cpu_s (run() alone), build_s, pairs_delivered, mean_fidelity,
        fidelity_stderr, fidelities, delivery_times_s, events, link_success_probability and model_notes.
    """
    build_start = time.perf_counter()
    if qnsim_formalism is None:
        qnsim_formalism = "stabilizer" if formalism == "stabilizer" else "density_matrix"
    net = _core.NativeNetwork(qnsim_formalism, seed=seed)
    eta = memory_efficiency * 10 ** (-attenuation_db_per_km * hop_km / 2 / 10) * detector_efficiency
    p = bsm_success_rate * eta * eta
    hop_delay_ps = int(round(hop_km * LIGHT_US_PER_KM * PS_PER_US))
    # SeQUeNCe re-pairs a memory after every failed attempt as after a free: RAW at the herald (one hop
    # delay after emission), then REQUEST, NEGOTIATE and the emission one hop delay after it, but not
    # before the 1/frequency window plus the NEGOTIATE_ACK hop: emissions max(1/f + h, 4 h) apart.
    period_ps = max(int(round(1e12 / frequency_hz)) + hop_delay_ps, (1 + SETUP_HOP_DELAYS) * hop_delay_ps)
    coherence = memory_coherence_s if memory_coherence_s and memory_coherence_s > 0 else math.inf
    depolarizing_time_s = 0.75 * coherence
    cutoff_ps = None if (cutoff_ratio is None or math.isinf(coherence)) else int(round(cutoff_ratio * coherence * 1e12))
    nodes = [
        net.add_node(_core.NodeParams(name=f"r{i}", num_memories=2 * memories_per_side,
                                      depolarizing_time_s=depolarizing_time_s))
        for i in range(num_nodes)
    ]
    werner = [raw_fidelity] + [(1 - raw_fidelity) / 3] * 3
    for i in range(num_nodes - 1):
        # SeQUeNCe pairs freed memories with a resource-manager REQUEST to the next router, whose reply
        # starts the generation protocol: the primary's NEGOTIATE, then emission one hop delay after it
        # (time for NEGOTIATE_ACK): measured 150 us from the requester's free to emission at 10 km.
        p_hop = p * (link_success_factors[i] if link_success_factors else 1.0)
        net.add_link(_core.LinkParams(
            node_a=nodes[i], node_b=nodes[i + 1], channels=memories_per_side, success_probability=p_hop,
            attempt_period_ps=period_ps, herald_delay_a_ps=hop_delay_ps, herald_delay_b_ps=hop_delay_ps,
            classical_delay_ps=hop_delay_ps, bell_diagonal=werner, setup_delay_ps=SETUP_HOP_DELAYS * hop_delay_ps,
            fixed_channels=fixed_channels))
    # SeQUeNCe's swapping rule confirms with both designated partners before it swaps
    # (es_rule_action_A: resource-manager REQUEST/RESPONSE): qnsim's swap handshake.
    net.add_request(_core.RequestParams(path=nodes, cutoff_ps=cutoff_ps, memories_per_link=memories_per_side,
                                        swap_schedule=_core.SwapSchedule.nested, swap_handshake=True))
    build_s = time.perf_counter() - build_start
    start, cpu_start = time.perf_counter(), time.process_time()
    net.run(int(round(sim_time_s * 1e12)))
    run_cpu_s = time.process_time() - cpu_start
    # Timed with the run: SeQUeNCe's timed Timeline.run() ends with its delivery times and fidelities
    # already in Python lists (booked by the bench's app as pairs arrive), so qnsim's time includes
    # reading them out of the native run (as numpy arrays; the tolist() below is formatting, untimed
    # on both sides). Its link counters need no read: the native run keeps them whether asked or not.
    d = net.deliveries()
    wall_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
    fidelities = d["fidelity"]
    n = len(fidelities)
    return {
        "wall_s": wall_s,
        "cpu_s": cpu_s,
        "run_cpu_s": run_cpu_s,
        "build_s": build_s,
        "pairs_delivered": n,
        "mean_fidelity": float(fidelities.mean()) if n else float("nan"),
        "fidelity_stderr": float(fidelities.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan"),
        "fidelities": fidelities.tolist(),
        "delivery_times_s": (d["time_ps"] * 1e-12).tolist(),
        "events": int(net.events_processed),
        "link_success_probability": p,
        "model_notes": model_notes(),
    }


if __name__ == "__main__":
    for n in (2, 3, 5, 10, 20, 50):
        r = run_qnsim_chain(num_nodes=n, seed=1)
        print(n, f"{r['wall_s']:.4f}s", r["pairs_delivered"], f"{r['mean_fidelity']:.5f}", r["events"],
              f"{np.mean(r['fidelities']) if r['fidelities'] else float('nan'):.4f}")
