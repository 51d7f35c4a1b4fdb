"""SeQUeNCe 1.3.1 scenarios written the way a SeQUeNCe user writes them, for tests/test_sequence_parity_guide.py.

Each case is a RouterNetTopo config (the schema of SeQUeNCe's JSON topologies) in its Bell-diagonal mode:
routers with a memory array, a meet_in_the_middle BSM node per hop, classical channels at the fiber's light
time (2e8 m/s), static routing, and one RequestApp request from the first router to the last. Nothing is
patched (no fix of SeQUeNCe's silent non-emission): these are the figures a user gets. The qnsim translations,
made from docs/coming-from-sequence.md alone, are in tests/test_sequence_parity_guide.py.

Run in the SeQUeNCe venv (Python >= 3.12, sequence 1.3.1), nice'd, e.g.

    nice bench/.venv-sequence/bin/python bench/seq_guide_cases.py unequal_hops --seeds 1-8

It prints pairs per run and mean delivered fidelity per run (mean and standard error over seeds); the
fidelity of a pair is read from its Bell-diagonal state at delivery (both qubits decohered up to then).
Diagnostics behind the guide's notes (they patch or watch SeQUeNCe; not what a user runs):

    ... short_coherence --seeds 1-12 --patch silent oldest      # its two artifacts fixed: qnsim's figures
    ... target_fidelity --seeds 1-1 --purification-timing       # rounds negotiated 200 us (purification_handshake)
    ... target_fidelity --seeds 1-6 --set 'hops_km=[40.0]' sim_time_s=0.2 --snapshots 0.02   # memories held
    ... target_two_rounds --seeds 1-2                            # finite coherence time: no pair at all
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

LIGHT_M_PER_PS = 2e-4   # SeQUeNCe's SPEED_OF_LIGHT in every fiber

# Parameters a user changes; everything else is the benchmark's SeQUeNCe parameters (detector efficiency 0.9 and
# BSM success rate 0.5, SeQUeNCe's defaults; memory efficiency 0.9, 2 kHz, raw fidelity 0.95, coherence time 1 s,
# cutoff ratio 1, where SeQUeNCe's own MemoryArray defaults are 1, 80 MHz, 0.85, -1 and 1; count rate 1e12, no dead
# time, where its detectors' default is 25 MHz).
CASES = {
    # 3 routers, hops of 5 km and 15 km: each hop's own midpoint BSM and herald delay.
    "unequal_hops": dict(hops_km=[5.0, 15.0], memo_size=4, sim_time_s=0.1),
    # 4 routers, hops of 5, 15 and 10 km: the static swap rules (r1 joins r0-r2, then r2 joins r0-r2 and r2-r3)
    # over unequal links.
    "unequal_hops_4": dict(hops_km=[5.0, 15.0, 10.0], memo_size=4, sim_time_s=0.1),
    # 3 routers 10 km apart, a short coherence time with the default cutoff ratio, memory efficiency and
    # frequency off the defaults.
    "short_coherence": dict(hops_km=[10.0, 10.0], memo_size=4, coherence_s=0.01, memory_efficiency=0.7,
                            frequency_hz=5e3, sim_time_s=0.1),
    # 3 routers, detector efficiency and BSM success probability off SeQUeNCe's defaults, unequal hops.
    "detector_bsm": dict(hops_km=[8.0, 12.0], memo_size=4, detector_efficiency=0.7, bsm_success_rate=0.8,
                         sim_time_s=0.1),
    # 2 routers 10 km apart, a target fidelity above the raw 0.95: RequestApp's reservation adds BBPSSW
    # purification rules (until_target: pairs of equal bookkept fidelity are purified until the target).
    # 0.96 takes one round (0.95 -> 0.965).
    "target_fidelity": dict(hops_km=[10.0], memo_size=4, target_fidelity=0.96, sim_time_s=0.1),
    # 0.97 takes two rounds. With any finite coherence time SeQUeNCe 1.3.1 delivers nothing: a purified pair's
    # bookkept fidelity is read from its decohered state (bbpssw_bds.py), so no two purified pairs have equal
    # fidelity and the until_target rule never pairs them again. Without decoherence (coherence_time -1) it does.
    "target_two_rounds_no_decay": dict(hops_km=[10.0], memo_size=4, target_fidelity=0.97, coherence_s=-1,
                                       sim_time_s=0.1),
    "target_two_rounds": dict(hops_km=[10.0], memo_size=4, target_fidelity=0.97, sim_time_s=0.1),
    # 3 routers 10 km apart, target 0.92: links (0.95) clear it, swapped pairs (about 0.90) do not.
    "target_chain": dict(hops_km=[10.0, 10.0], memo_size=4, target_fidelity=0.92, sim_time_s=0.1),
}


def config(hops_km, memo_size, seed, stop_ps, coherence_s=1.0, cutoff_ratio=1.0, memory_efficiency=0.9,
           frequency_hz=2e3, raw_fidelity=0.95, detector_efficiency=0.9, bsm_success_rate=0.5,
           attenuation_db_per_km=0.2):
    n = len(hops_km) + 1
    names = [f"r{i}" for i in range(n)]
    pos_m = [0]
    for h in hops_km:
        pos_m.append(pos_m[-1] + int(round(h * 1000)))
    memory_array = {"fidelity": raw_fidelity, "efficiency": memory_efficiency, "frequency": frequency_hz,
                    "coherence_time": coherence_s, "cutoff_ratio": cutoff_ratio,
                    "decoherence_errors": [1 / 3, 1 / 3, 1 / 3]}
    detectors = [{"efficiency": detector_efficiency, "dark_count": 0, "count_rate": 1e12, "time_resolution": 150}
                 for _ in range(2)]
    return {
        "formalism": "bell_diagonal",
        "stop_time": stop_ps,
        "templates": {"router": {"MemoryArray": memory_array, "EntanglementSwapping": {"swapping_success_prob": 1.0}},
                      "bsm": {"encoding_type": "single_heralded",
                              "SingleHeraldedBSM": {"detectors": detectors, "success_rate": bsm_success_rate}}},
        "nodes": [{"name": nm, "type": "QuantumRouter", "seed": seed * 1000 + i,
                   "memo_size": memo_size * (1 if i in (0, n - 1) else 2), "template": "router"}
                  for i, nm in enumerate(names)],
        "qconnections": [{"node1": names[i], "node2": names[i + 1], "attenuation": attenuation_db_per_km / 1000,
                          "distance": pos_m[i + 1] - pos_m[i], "type": "meet_in_the_middle",
                          "seed": seed * 1000 + 500 + i, "template": "bsm"} for i in range(n - 1)],
        "cconnections": [{"node1": names[i], "node2": names[j], "distance": pos_m[j] - pos_m[i],
                          "delay": int(round((pos_m[j] - pos_m[i]) / LIGHT_M_PER_PS))}
                         for i in range(n) for j in range(i + 1, n)],
    }


def run(case: dict, seed: int, target_fidelity: float = 0.5) -> dict:
    """One SeQUeNCe run of a case (its config: :func:`config`): pairs delivered at r0 and their mean fidelity."""
    case = dict(case)
    sim_time_s = case.pop("sim_time_s")
    target_fidelity = case.pop("target_fidelity", target_fidelity)
    out = run_routers(lambda stop_ps: config(seed=seed, stop_ps=stop_ps, **case), case["hops_km"], sim_time_s,
                      case["memo_size"], target_fidelity, seed)
    return {"seed": seed, **out}


def run_routers(make_config, hops_km: list[float], sim_time_s: float, memo_size: int, target_fidelity: float,
                seed: int, gate_fid: float | None = None, meas_fid: float | None = None) -> dict:
    """One SeQUeNCe 1.3.1 run of a chain of routers in its Bell-diagonal mode, nothing patched: the RouterNetTopo
    of ``make_config(stop_ps)``, one RequestApp request r0 -> the last router for ``sim_time_s`` seconds from after
    RSVP's round trip (hops in km), ``memo_size`` memories and its ``target_fidelity``; ``gate_fid`` and
    ``meas_fid`` set on every router when given (RouterNetTopo takes none). Returns pairs delivered at r0 and their
    mean fidelity, each read from its state at delivery."""
    import numpy as np
    from sequence.app.request_app import RequestApp
    from sequence.constants import SINGLE_HERALDED
    from sequence.entanglement_management.generation import EntanglementGenerationA, EntanglementGenerationB
    from sequence.entanglement_management.purification import PurificationProtocol
    from sequence.entanglement_management.swapping import EntanglementSwappingA, EntanglementSwappingB
    from sequence.kernel.timeline import Timeline
    from sequence.topology.router_net_topo import RouterNetTopo

    EntanglementGenerationA.set_global_type(SINGLE_HERALDED)
    EntanglementGenerationB.set_global_type(SINGLE_HERALDED)
    EntanglementSwappingA.set_formalism("bell_diagonal")
    EntanglementSwappingB.set_formalism("bell_diagonal")
    PurificationProtocol.set_formalism("bell_diagonal")
    Timeline.seed(seed)
    np.random.seed(seed)
    total_m = sum(hops_km) * 1000
    start_ps = 2 * int(round(total_m / LIGHT_M_PER_PS)) + 10**9   # after RSVP's round trip, plus 1 ms
    end_ps = start_ps + int(round(sim_time_s * 1e12))
    topo = RouterNetTopo(make_config(end_ps + 1))
    tl = topo.get_timeline()
    routers = {r.name: r for r in topo.get_nodes_by_type(RouterNetTopo.QUANTUM_ROUTER)}
    for router in routers.values():
        if gate_fid is not None:
            router.gate_fid = gate_fid
        if meas_fid is not None:
            router.meas_fid = meas_fid
    names = sorted(routers, key=lambda s: int(s[1:]))
    fids: list[float] = []

    class App(RequestApp):
        def get_memory(self, info):
            res = self.memo_to_reservation.get(info.index)
            if (info.state in ("ENTANGLED", "PURIFIED") and res is not None and info.remote_node == res.responder
                    and info.fidelity >= res.fidelity):
                memo = info.memory
                remote = tl.get_entity_by_name(memo.entangled_memory["memo_id"])
                memo.bds_decohere()
                remote.bds_decohere()
                fids.append(float(tl.quantum_manager.get(memo.qstate_key).state[0]))
            super().get_memory(info)

    app = App(routers[names[0]])
    for nm in names[1:]:
        RequestApp(routers[nm])
    tl.init()
    app.start(names[-1], start_ps, end_ps, memo_size, target_fidelity)
    tl.run()
    return {"pairs": len(fids), "mean_fidelity": statistics.fmean(fids) if fids else float("nan")}


@contextlib.contextmanager
def purification_timing(out: dict):
    """Records, per BBPSSW round, its start less the later emission of its two pairs, and per delivered pair its
    delivery less the kept pair's emission (s), into out["start_after_emission"] and out["delivered_after_emission"].
    """
    from sequence.app.request_app import RequestApp
    from sequence.entanglement_management.purification.bbpssw_bds import BBPSSW_BDS

    starts, delivered = out.setdefault("start_after_emission", []), out.setdefault("delivered_after_emission", [])
    original_start, original_get = BBPSSW_BDS.start, RequestApp.get_memory

    def start(self):
        now = self.owner.timeline.now()
        starts.append((now - max(self.kept_memo.generation_time, self.meas_memo.generation_time)) * 1e-12)
        return original_start(self)

    def get_memory(self, info):
        res = self.memo_to_reservation.get(info.index)
        if (info.state in ("ENTANGLED", "PURIFIED") and res is not None and info.remote_node == res.responder
                and info.fidelity >= res.fidelity):
            delivered.append((self.node.timeline.now() - info.memory.generation_time) * 1e-12)
        return original_get(self, info)

    BBPSSW_BDS.start, RequestApp.get_memory = start, get_memory
    try:
        yield
    finally:
        BBPSSW_BDS.start, RequestApp.get_memory = original_start, original_get


@contextlib.contextmanager
def memory_snapshots(out: list, every_s: float, count: int):
    """Appends (time s, node, [(state, recorded fidelity, remote node) per memory]) for r0 and r1 every every_s:
    shows purified pairs below the target holding their memories (the guide's purification row)."""
    from sequence.kernel.event import Event
    from sequence.kernel.process import Process
    from sequence.kernel.timeline import Timeline

    original_run = Timeline.run

    class Sampler:
        def __init__(self, tl):
            self.tl = tl

        def sample(self):
            for node in ("r0", "r1"):
                manager = self.tl.get_entity_by_name(node).resource_manager.memory_manager
                out.append((self.tl.now() * 1e-12, node,
                            [(i.state, round(float(i.fidelity), 5), i.remote_node) for i in manager]))

    def run(self):
        sampler = Sampler(self)
        for k in range(1, count + 1):
            self.schedule(Event(int(round(k * every_s * 1e12)), Process(sampler, "sample", [])))
        return original_run(self)

    Timeline.run = run
    try:
        yield
    finally:
        Timeline.run = original_run


def _mean_se(xs):
    xs = [x for x in xs if x == x]
    if not xs:
        return float("nan"), float("nan")
    return statistics.fmean(xs), (statistics.stdev(xs) / len(xs) ** 0.5 if len(xs) > 1 else float("nan"))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=list(CASES))
    ap.add_argument("--seeds", default="1-8", help="first-last")
    ap.add_argument("--patch", nargs="*", default=[], choices=["silent", "oldest", "own_age"],
                    help="diagnostics only (bench/sequence_chain.py): fix SeQUeNCe's silent non-emission, make its "
                         "swaps take the oldest pair, make swapped pairs expire by their own qubits' ages")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="override a case parameter")
    ap.add_argument("--purification-timing", action="store_true",
                    help="print when BBPSSW rounds start and pairs are delivered, after their emissions")
    ap.add_argument("--snapshots", type=float, metavar="EVERY_S",
                    help="print r0's and r1's memory states every EVERY_S of simulated time (10 times)")
    args = ap.parse_args(argv)
    import json

    from sequence_chain import end_pair_expiry_by_own_age, silent_non_emission_fixed, swap_oldest_first
    case = dict(CASES[args.case])
    for kv in args.set:
        k, v = kv.split("=", 1)
        case[k] = json.loads(v)
    a, b = (int(x) for x in args.seeds.split("-"))
    runs = []
    for s in range(a, b + 1):
        with contextlib.ExitStack() as patches:
            if "silent" in args.patch:
                patches.enter_context(silent_non_emission_fixed())
            if "oldest" in args.patch:
                patches.enter_context(swap_oldest_first())
            if "own_age" in args.patch:
                patches.enter_context(end_pair_expiry_by_own_age(
                    case.get("cutoff_ratio", 1.0) * case.get("coherence_s", 1.0), None))
            timing: dict = {}
            snaps: list = []
            if args.purification_timing:
                patches.enter_context(purification_timing(timing))
            if args.snapshots:
                patches.enter_context(memory_snapshots(snaps, args.snapshots, 10))
            r = run(case, s)
        for t, node, memories in snaps:
            print(f"  {t:.3f} s {node} {memories}")
        if timing.get("start_after_emission"):
            st, dl = timing["start_after_emission"], timing["delivered_after_emission"]
            print(f"  rounds start {statistics.fmean(st) * 1e6:.1f} us (min {min(st) * 1e6:.1f}) after the later "
                  f"emission; pairs delivered {statistics.median(dl) * 1e6:.1f} us (median) after the kept one's")
        runs.append(r)
        print(r, flush=True)
    p, f = _mean_se([r["pairs"] for r in runs]), _mean_se([r["mean_fidelity"] for r in runs])
    print(f"{args.case}: pairs/run {p[0]:.2f} +- {p[1]:.2f}, mean F/run {f[0]:.5f} +- {f[1]:.5f} "
          f"(seeds {a}-{b}, {len(runs)} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
