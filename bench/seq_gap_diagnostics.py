"""Where the pairs of the SeQUeNCe-mirrored chain go under a tight cutoff, on both sides (bench/README.md,
"Parity sweep", the oldest-first gap).

SeQUeNCe side (run in bench/.venv-sequence): per run, the swaps of each router, the fate of every swap result
(SWAP_RES) at the routers (heard by its protocol; dropped because the memory had expired and been reset; dropped
because the memory is still entangled but its swapping protocol was replaced after a stale release message),
swap handshakes that a memory expiry ended, and swap requests refused because the target memory's protocol was
already running for an earlier handshake. qnsim side (any venv with qnsim): per run, the swaps of each router,
the final swaps whose end qubits live until their news reaches them (qnsim's rule) and the deliveries, from
the trace, at the cutoff and 1 ps below it (the mirror's timings are commensurate, so many uses fall exactly on
the cutoff, where qnsim uses the qubit).

    nice bench/.venv-sequence/bin/python bench/seq_gap_diagnostics.py sequence --order oldest --seeds 15
    python bench/seq_gap_diagnostics.py qnsim --seeds 40
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CASE = {"memory_coherence_s": 0.002, "cutoff_ratio": 0.5}  # seq_parity_sweep's coh_2ms_cutoff_0.5


def sequence_side(num_nodes: int, seeds: int, order: str, sim_time_s: float) -> None:
    """Counts per run on SeQUeNCe's chain (silent non-emission patched; ``order`` "oldest" patches the swap
    pair choice to oldest first)."""
    from sequence.entanglement_management.swapping.swapping_base import (
        EntanglementSwappingA,
        EntanglementSwappingMessage,
        SwappingMsgType,
    )
    from sequence.entanglement_management.swapping.swapping_bds import EntanglementSwappingA_BDS
    from sequence.resource_management.resource_manager import ResourceManager, ResourceManagerMsgType
    from sequence.topology.node import QuantumRouter
    from sequence_chain import run_sequence_chain, silent_non_emission_fixed, swap_oldest_first

    counts: collections.Counter = collections.Counter()
    saved = (EntanglementSwappingA_BDS.start, QuantumRouter.receive_message, ResourceManager.received_message,
             EntanglementSwappingA.memory_expire)

    def start(self):
        counts[f"swaps at {self.owner.name}"] += 1
        return saved[0](self)

    def receive(self, src, msg):
        if isinstance(msg, EntanglementSwappingMessage) and msg.msg_type is SwappingMsgType.SWAP_RES:
            if any(p.name == msg.receiver for p in self.protocols):
                fate = "heard"
            else:
                memory = self.timeline.get_entity_by_name(msg.receiver[len("ESB."):])
                info = self.resource_manager.memory_manager.get_info_by_memory(memory)
                fate = ("dropped: memory expired and reset" if info.remote_node is None else
                        "dropped: memory alive, its protocol replaced")
            counts[f"SWAP_RES {src}->{self.name} {fate}"] += 1
        return saved[1](self, src, msg)

    def rm_received(self, src, msg):
        if msg.msg_type is ResourceManagerMsgType.REQUEST and msg.req_condition_func.__name__ == "es_match_func":
            if msg.req_condition_func(self.waiting_protocols, msg.req_args) is None:
                memory = self.owner.timeline.get_entity_by_name(msg.req_args["target_memo"])
                busy = any(memory in getattr(p, "memories", []) for p in self.owner.protocols)
                counts[f"swap REQUEST {src}->{self.owner.name} refused: "
                       f"{'target already in a running handshake' if busy else 'target expired'}"] += 1
        return saved[2](self, src, msg)

    def expire(self, memory):
        counts[f"handshakes at {self.owner.name} ended by an expiry"] += 1
        return saved[3](self, memory)

    EntanglementSwappingA_BDS.start = start
    QuantumRouter.receive_message = receive
    ResourceManager.received_message = rm_received
    EntanglementSwappingA.memory_expire = expire
    pairs = []
    try:
        for seed in range(1, seeds + 1):
            with contextlib.ExitStack() as patches:
                patches.enter_context(silent_non_emission_fixed())
                if order == "oldest":
                    patches.enter_context(swap_oldest_first())
                pairs.append(run_sequence_chain(num_nodes=num_nodes, seed=seed, sim_time_s=sim_time_s,
                                                **CASE)["pairs_delivered"])
    finally:
        (EntanglementSwappingA_BDS.start, QuantumRouter.receive_message, ResourceManager.received_message,
         EntanglementSwappingA.memory_expire) = saved
    print(f"SeQUeNCe N={num_nodes} order={order}: {statistics.fmean(pairs):.1f} pairs per run ({seeds} seeds)")
    for key in sorted(counts):
        print(f"  {key}: {counts[key] / seeds:.1f}")


def qnsim_side(num_nodes: int, seeds: int, sim_time_s: float) -> None:
    """Counts per run on qnsim's mirror, from the trace, at the cutoff and 1 ps below it."""
    import qnsim_chain

    from qnsim import _core
    from qnsim.trace import EVENTS

    nets = []

    class Traced(_core.NativeNetwork):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.set_trace(10**7)
            nets.append(self)

    hop_ps = int(round(10.0 * qnsim_chain.LIGHT_US_PER_KM * qnsim_chain.PS_PER_US))
    cutoff_ps = int(round(CASE["cutoff_ratio"] * CASE["memory_coherence_s"] * 1e12))
    original = qnsim_chain._core
    qnsim_chain._core = type("Core", (), {k: getattr(_core, k) for k in dir(_core) if not k.startswith("__")})
    qnsim_chain._core.NativeNetwork = Traced
    try:
        for shift in (0, -1):
            cut = cutoff_ps + shift
            counts: collections.Counter = collections.Counter()
            for seed in range(1, seeds + 1):
                r = qnsim_chain.run_qnsim_chain(num_nodes=num_nodes, seed=seed, sim_time_s=sim_time_s,
                                                memory_coherence_s=CASE["memory_coherence_s"],
                                                cutoff_ratio=cut / (CASE["memory_coherence_s"] * 1e12))
                counts["deliveries"] += r["pairs_delivered"]
                t = nets[-1].trace()
                node_of, emitted, partner = {}, {}, {}
                for i in range(len(t["time_ps"])):
                    kind, now = EVENTS[int(t["kind"][i])], int(t["time_ps"][i])
                    a = (int(t["slot"][i]), int(t["generation"][i]))
                    b = (int(t["other_slot"][i]), int(t["other_generation"][i]))
                    if kind == "link_pair":
                        emitted[a] = emitted[b] = now - hop_ps
                        partner[a], partner[b] = b, a
                        node_of[a], node_of[b] = int(t["node"][i]), int(t["other_node"][i])
                    elif kind == "swap":
                        node = int(t["node"][i])
                        counts[f"swaps at r{node}"] += 1
                        p1, p2 = partner[a], partner[b]
                        partner[p1], partner[p2] = p2, p1
                        if {node_of[p1], node_of[p2]} == {0, num_nodes - 1}:
                            # Each end hears of this last swap |node - end| hops later (mesh: one fiber).
                            alive = all(emitted[p] + cut >= now + abs(node_of[p] - node) * hop_ps for p in (p1, p2))
                            counts["final swaps whose end qubits outlive the news"] += alive
            print(f"qnsim N={num_nodes} cutoff {shift:+d} ps ({seeds} seeds):")
            for key in sorted(counts):
                print(f"  {key}: {counts[key] / seeds:.1f}")
    finally:
        qnsim_chain._core = original


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("side", choices=["sequence", "qnsim"])
    ap.add_argument("--nodes", type=int, default=4)
    ap.add_argument("--seeds", type=int, default=15)
    ap.add_argument("--order", choices=["oldest", "index"], default="oldest", help="SeQUeNCe's swap pair choice")
    ap.add_argument("--sim-time", type=float, default=0.05)
    args = ap.parse_args(argv)
    if args.side == "sequence":
        sequence_side(args.nodes, args.seeds, args.order, args.sim_time)
    else:
        qnsim_side(args.nodes, args.seeds, args.sim_time)
    return 0


if __name__ == "__main__":
    sys.exit(main())
