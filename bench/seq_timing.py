"""Where SeQUeNCe's repeater chain spends its time: per-memory event timing, measured by monkeypatching.

Runs bench/sequence_chain.run_sequence_chain with extra hooks on SeQUeNCe 1.3.1 classes (memory state
changes, emissions, swap protocol creation and execution, resource-manager REQUEST/RESPONSE) and prints
the distributions that decide the pair rate. Run in the SeQUeNCe venv:

    bench/.venv-sequence/bin/python bench/seq_timing.py --nodes 3 5 --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict

from sequence_chain import run_sequence_chain


def _q(xs, f):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(f * len(xs)))] if xs else float("nan")


def _summ(name, xs_ps):
    xs = [x * 1e-6 for x in xs_ps]  # ps -> us
    if not xs:
        print(f"  {name}: none")
        return
    print(f"  {name}: n={len(xs)} mean={statistics.fmean(xs):.1f} us  median={_q(xs, 0.5):.1f}  "
          f"p10={_q(xs, 0.1):.1f}  p90={_q(xs, 0.9):.1f}  max={max(xs):.1f}")


def instrumented_run(num_nodes: int, seed: int, sim_time_s: float = 0.2, fix_silent: bool = False):
    """One instrumented SeQUeNCe run; returns (result dict, event log).

    fix_silent: patch SingleHeraldedA so that the non-primary schedules the emission after BOTH
    memories' 1/frequency windows (it only looks at its own memory's next_excite_time in 1.3.1, so
    the primary's memory sometimes cannot emit and the attempt fails silently).
    """
    from sequence.components.memory import Memory
    from sequence.entanglement_management.swapping.swapping_bds import EntanglementSwappingA_BDS
    from sequence.resource_management.memory_manager import MemoryInfo
    from sequence.resource_management.resource_manager import ResourceManager, ResourceManagerMsgType

    log = []   # (t, kind, node, memory, extra)
    saved = {}

    def patch(cls, name, wrapper):
        saved[(cls, name)] = getattr(cls, name)
        setattr(cls, name, wrapper(getattr(cls, name)))

    def info_hook(state):
        def wrap(orig):
            def f(self, *a, **k):
                r = orig(self, *a, **k)
                m = self.memory
                log.append((m.timeline.now(), state, m.name.split(".")[0], m.name, self.remote_node))
                return r
            return f
        return wrap

    def excite_wrap(orig):
        def f(self, dst="", protocol="bk"):
            emitted = self.timeline.now() >= self.next_excite_time
            log.append((self.timeline.now(), "EMIT" if emitted else "SILENT", self.name.split(".")[0], self.name, None))
            return orig(self, dst, protocol)
        return f

    def esa_init_wrap(orig):
        def f(self, owner, name, left_memo, right_memo, *a, **k):
            orig(self, owner, name, left_memo, right_memo, *a, **k)
            t = left_memo.timeline.now()
            log.append((t, "ESA_CREATE", left_memo.name.split(".")[0], left_memo.name, right_memo.name))
        return f

    def esa_start_wrap(orig):
        def f(self):
            t = self.owner.timeline.now()
            log.append((t, "SWAP", self.owner.name, self.left_memo.name, self.right_memo.name))
            return orig(self)
        return f

    def rm_msg_wrap(orig):
        def f(self, src, msg):
            if msg.msg_type == ResourceManagerMsgType.RESPONSE:
                log.append((self.owner.timeline.now(), "RESP_OK" if msg.is_approved else "RESP_NO",
                            self.owner.name, msg.ini_protocol_name, src))
            return orig(self, src, msg)
        return f

    if fix_silent:
        from sequence.entanglement_management.generation.generation_message import GenerationMsgType
        from sequence.entanglement_management.generation.single_heralded import SingleHeraldedA

        def negotiate_wrap(orig):
            def f(self, src, msg):
                if msg.msg_type is GenerationMsgType.NEGOTIATE and self.remote_memo_id:
                    remote = self.owner.timeline.get_entity_by_name(self.remote_memo_id)
                    if remote is not None and remote.next_excite_time > self.memory.next_excite_time:
                        self.memory.next_excite_time = remote.next_excite_time
                return orig(self, src, msg)
            return f
        patch(SingleHeraldedA, "received_message", negotiate_wrap)
    patch(MemoryInfo, "to_raw", info_hook("RAW"))
    patch(MemoryInfo, "to_entangled", info_hook("ENT"))
    patch(MemoryInfo, "to_occupied", info_hook("OCC"))
    patch(Memory, "excite", excite_wrap)
    patch(EntanglementSwappingA_BDS, "__init__", esa_init_wrap)
    patch(EntanglementSwappingA_BDS, "start", esa_start_wrap)
    patch(ResourceManager, "received_message", rm_msg_wrap)
    try:
        res = run_sequence_chain(num_nodes=num_nodes, seed=seed, sim_time_s=sim_time_s)
    finally:
        for (cls, name), f in saved.items():
            setattr(cls, name, f)
    return res, log


def analyse(num_nodes, runs, memories_per_side=4):
    last = f"r{num_nodes - 1}"
    freed_to_emit_after_fail, freed_to_emit_fresh = [], []
    fresh_by_node = defaultdict(list)
    ent_to_swap, esa_to_swap = defaultdict(list), defaultdict(list)
    lastswap_to_deliv, hold_after_deliv_r0, hold_after_deliv_rN = [], [], []
    resp_ok, resp_no = defaultdict(int), defaultdict(int)
    emits, silents = 0, 0
    pairs = 0
    herald_link = defaultdict(int)
    for res, log in runs:
        t0, t1 = (int(x * 1e12) for x in res["request_window_s"])
        pairs += res["pairs_delivered"]
        log = [e for e in log if t0 <= e[0] < t1]
        per_mem = defaultdict(list)
        for e in log:
            if e[1] in ("RAW", "ENT", "OCC", "EMIT", "SILENT"):
                per_mem[e[3]].append(e)
        # freed -> next emission. "after fail": the RAW follows an emission within 1 ms with no ENT between.
        for mem, ev in per_mem.items():
            last_emit, last_ent_after_emit = None, False
            for i, e in enumerate(ev):
                if e[1] in ("EMIT", "SILENT"):
                    last_emit, last_ent_after_emit = e[0], False
                    if e[1] == "EMIT":
                        emits += 1
                    else:
                        silents += 1
                elif e[1] == "ENT":
                    last_ent_after_emit = True
                elif e[1] == "RAW":
                    # only the first of repeated RAW transitions counts as "freed"
                    if i > 0 and ev[i - 1][1] == "RAW":
                        continue
                    nxt = next((x for x in ev[i + 1:] if x[1] in ("EMIT", "SILENT", "ENT")), None)
                    if nxt is None or nxt[1] == "ENT":
                        continue
                    fail = last_emit is not None and not last_ent_after_emit
                    (freed_to_emit_after_fail if fail else freed_to_emit_fresh).append(nxt[0] - e[0])
                    if not fail:
                        fresh_by_node[e[2]].append(nxt[0] - e[0])
        # entangled (link herald / swap result) -> swap at each interior node
        ent_time = {}
        for e in log:
            if e[1] == "ENT":
                ent_time[e[3]] = e[0]
                if e[4] is not None and abs(int(e[2][1:]) - int(e[4][1:])) == 1:
                    herald_link[e[2]] += 1
            elif e[1] == "ESA_CREATE":
                node = e[2]
                esa_to_swap[node].append(e)
            elif e[1] == "SWAP":
                node = e[2]
                a, b = ent_time.get(e[3]), ent_time.get(e[4])
                if a is not None and b is not None:
                    ent_to_swap[node].append(e[0] - max(a, b))
            elif e[1] in ("RESP_OK", "RESP_NO"):
                key = f"{e[2]}<-{e[4]}:" + ("EG" if e[3].startswith("EGA") else e[3].split(".")[0])
                (resp_ok if e[1] == "RESP_OK" else resp_no)[key] += 1
        # ESA creation -> swap (the REQUEST/RESPONSE round trip to both partners)
        created = {}
        tmp = defaultdict(list)
        for e in log:
            if e[1] == "ESA_CREATE":
                created[(e[3], e[4])] = e[0]
            elif e[1] == "SWAP" and (e[3], e[4]) in created:
                tmp[e[2]].append(e[0] - created.pop((e[3], e[4])))
        esa_to_swap = tmp if not any(esa_to_swap.values()) else tmp
        # last swap -> delivery at r0; delivery -> RAW at r0 and at rN
        swaps = [e for e in log if e[1] == "SWAP"]
        for e in log:
            if e[1] == "ENT" and e[2] == "r0" and e[4] == last:
                prior = [s[0] for s in swaps if s[0] <= e[0]]
                if prior and num_nodes > 2:
                    lastswap_to_deliv.append(e[0] - max(prior))
                nxt = next((x for x in per_mem[e[3]] if x[0] >= e[0] and x[1] == "RAW"), None)
                if nxt:
                    hold_after_deliv_r0.append(nxt[0] - e[0])
            if e[1] == "ENT" and e[2] == last and e[4] == "r0":
                nxt = next((x for x in per_mem[e[3]] if x[0] >= e[0] and x[1] == "RAW"), None)
                if nxt:
                    hold_after_deliv_rN.append(nxt[0] - e[0])
    print(f"N={num_nodes}: {len(runs)} seeds, pairs {pairs}, emissions {emits}, silent non-emissions {silents}")
    _summ("freed -> next emission (after a failed attempt)", freed_to_emit_after_fail)
    _summ("freed -> next emission (fresh: after swap/delivery/expiry)", freed_to_emit_fresh)
    for node in sorted(fresh_by_node, key=lambda s: int(s[1:])):
        _summ(f"{node}: fresh free -> next emission", fresh_by_node[node])
    for node in sorted(ent_to_swap, key=lambda s: int(s[1:])):
        _summ(f"{node}: both pairs entangled -> swap", ent_to_swap[node])
    for node in sorted(esa_to_swap, key=lambda s: int(s[1:])):
        _summ(f"{node}: ESA created -> swap (REQUEST/RESPONSE to both partners)", esa_to_swap[node])
    _summ("last swap anywhere -> delivery (ENT with rN) at r0", lastswap_to_deliv)
    _summ("delivery at r0 -> memory RAW", hold_after_deliv_r0)
    _summ(f"delivery at {last} -> memory RAW", hold_after_deliv_rN)
    # Per hop: attempts (excite calls / 2), silent non-emissions, heralds, success relative to 0.5 eta^2.
    mem = memories_per_side   # memory indices < mem face the left neighbour on interior routers
    hop = defaultdict(int)
    for res, log in runs:
        t0, t1 = (int(x * 1e12) for x in res["request_window_s"])
        for e in log:
            if not t0 <= e[0] < t1:
                continue
            if e[1] in ("EMIT", "SILENT"):
                node, idx = int(e[2][1:]), int(e[3].split("[")[1].rstrip("]"))
                link = 0 if node == 0 else num_nodes - 2 if node == num_nodes - 1 else (node - 1 if idx < mem else node)
                hop[(link, e[1])] += 1
            elif e[1] == "ENT" and e[4] is not None and int(e[4][1:]) == int(e[2][1:]) + 1:
                hop[(int(e[2][1:]), "HERALD")] += 1
    p_nominal = runs[0][0]["link_stats"]["success_per_attempt_expected"]
    factors = []
    for link in range(num_nodes - 1):
        attempts = (hop[(link, "EMIT")] + hop[(link, "SILENT")]) / 2
        heralds = hop[(link, "HERALD")]
        factors.append(heralds / attempts / p_nominal if attempts else 1.0)
        print(f"  hop r{link}-r{link + 1}: attempts {attempts:.0f}, silent non-emissions {hop[(link, 'SILENT')]} "
              f"({hop[(link, 'SILENT')] / max(attempts, 1):.3f} per attempt), heralds {heralds}, success "
              f"{heralds / max(attempts, 1):.4f} = {factors[-1]:.3f} x 0.5 eta^2")
    print("  link heralds per node:", dict(herald_link))
    print("  RM responses ok:", dict(resp_ok))
    print("  RM responses rejected:", dict(resp_no))
    return factors


def qnsim_check(num_nodes, runs, factors, seeds=40):
    """qnsim's bench chain with nominal link success and with SeQUeNCe's measured per-hop success."""
    import math

    from qnsim_chain import run_qnsim_chain
    fs_seq = [f for res, _ in runs for f in res["fidelities"]]
    counts = [res["pairs_delivered"] for res, _ in runs]
    sd = statistics.stdev(counts) / math.sqrt(len(counts)) if len(counts) > 1 else float("nan")
    print(f"  SeQUeNCe: pairs {statistics.fmean(counts):.1f} +- {sd:.1f}, F {statistics.fmean(fs_seq):.5f} "
          f"+- {statistics.stdev(fs_seq) / math.sqrt(len(fs_seq)):.5f}")
    for label, fac in (("nominal p", None), ("SeQUeNCe's measured per-hop p", factors)):
        c, fs = [], []
        for seed in range(1, seeds + 1):
            r = run_qnsim_chain(num_nodes=num_nodes, seed=seed, link_success_factors=fac)
            c.append(r["pairs_delivered"])
            fs += r["fidelities"]
        print(f"  qnsim ({label}, {seeds} seeds): pairs {statistics.fmean(c):.1f} +- "
              f"{statistics.stdev(c) / math.sqrt(len(c)):.1f}, F {statistics.fmean(fs):.5f} +- "
              f"{statistics.stdev(fs) / math.sqrt(len(fs)):.5f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, nargs="+", default=[3, 5])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--sim-time", type=float, default=0.2)
    ap.add_argument("--qnsim-check", action="store_true",
                    help="also run qnsim's bench chain with SeQUeNCe's measured per-hop link success")
    ap.add_argument("--fix-silent", action="store_true",
                    help="patch SeQUeNCe's silent non-emission (emission scheduled after both memories' windows)")
    a = ap.parse_args()
    for n in a.nodes:
        runs = [instrumented_run(n, s, a.sim_time, fix_silent=a.fix_silent) for s in a.seeds]
        factors = analyse(n, runs)
        if a.qnsim_check:
            qnsim_check(n, runs, factors)
