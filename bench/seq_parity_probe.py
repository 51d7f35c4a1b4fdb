"""SeQUeNCe parity probe: scenarios the benchmark chain does not cover, translated with the guide alone.

Each case is a SeQUeNCe 1.3.1 script as its users write it (a RouterNetTopo config in its Bell-diagonal mode,
one RequestApp request, nothing patched: bench/seq_guide_cases.py's form; the two ket cases run its ket mode
through bench/sequence_chain.py), extended where the case needs it
with one memory template per router (memory efficiency or coherence time differing between routers) and
``cutoff_flag = False`` (no expiry). The qnsim side is the translation a user makes from
docs/coming-from-sequence.md's tables, through the public API (``qnsim.Network``, ``qnsim.LinkModel``); it
does not reuse bench/qnsim_chain.py. For every case it prints pairs per run and mean delivered fidelity per run
(mean and standard error over seeds, per-run means so correlated pairs of one run do not shrink the error)
on both sides, and z = (qnsim - SeQUeNCe) / combined standard error.

Run in the SeQUeNCe venv with this checkout's qnsim on the path, one at a time on a shared machine:

    PYTHONPATH=python nice bench/.venv-sequence/bin/python bench/seq_parity_probe.py
    PYTHONPATH=python nice bench/.venv-sequence/bin/python bench/seq_parity_probe.py --cases n2_mem1 --seeds 1-20

``--markdown`` prints the table as Markdown (bench/README.md, "SeQUeNCe parity probe"). The translation follows the
guide row by row, including its rows for what SeQUeNCe does differently: per-router memory efficiency, frequency,
raw fidelity and decoherence shares; RequestApp's target as min_fidelity, per-link BBPSSW rounds (counted with the
nodes' gate and measurement errors when there are any) and end-to-end rounds where swapped pairs fall below it;
gate_fid and meas_fid as gate2_error and measure_error. Cases whose figures differ by model say so in their comment.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

LIGHT_M_PER_PS = 2e-4   # SeQUeNCe's SPEED_OF_LIGHT in every fiber

# The benchmark's SeQUeNCe parameters where a case does not say otherwise (as bench/seq_guide_cases.py; SeQUeNCe's
# own defaults differ, see n3_sequence_class_defaults): memory efficiency 0.9,
# 2 kHz, raw fidelity 0.95, coherence time 1 s, cutoff ratio 1, detector efficiency 0.9, BSM success rate 0.5,
# 0.2 dB/km. "node" overrides a router's memory parameters (index -> {parameter: value}); cutoff_ratio None is
# SeQUeNCe's cutoff_flag False; target_fidelity is RequestApp's (above the raw fidelity: BBPSSW rules).
CASES: dict[str, dict] = {
    # Two routers, one memory each: the link alone (no swap), SeQUeNCe's re-pairing after every attempt.
    "n2_mem1": dict(hops_km=[10.0], memo_size=1, sim_time_s=0.2),
    # Two routers, long hop: the attempt period is 4 h (the handshake outlasts 1/f + h).
    "n2_mem1_50km": dict(hops_km=[50.0], memo_size=1, sim_time_s=0.4),
    # Two routers, short hop, 20 kHz: 1/f + h.
    "n2_mem2_2km_20kHz": dict(hops_km=[2.0], memo_size=2, frequency_hz=2e4, sim_time_s=0.05),
    # Two routers whose memories differ: efficiency 0.5 at r0, 0.9 at r1 (p = 0.5 eta_r0 eta_r1).
    "n2_eff_0.5_0.9": dict(hops_km=[10.0], memo_size=2, node={0: {"memory_efficiency": 0.5}}, sim_time_s=0.2),
    # Two routers of different raw fidelity: SeQUeNCe's state takes the raw fidelity of the router whose name sorts
    # first (its generation protocol's non-primary side sets the state; each memory records its own figure).
    "n2_raw_r0_0.9": dict(hops_km=[10.0], memo_size=2, node={0: {"raw_fidelity": 0.9}}, sim_time_s=0.2),
    "n2_raw_r1_0.9": dict(hops_km=[10.0], memo_size=2, node={1: {"raw_fidelity": 0.9}}, sim_time_s=0.2),
    # Two routers of different frequency (r1 1 kHz, r0 2 kHz): the attempt period is set by the lower one.
    "n2_f_r1_1kHz": dict(hops_km=[10.0], memo_size=2, node={1: {"frequency_hz": 1e3}}, sim_time_s=0.2),
    # Two routers, raw fidelity 0.8, short coherence time (1 ms, cutoff ratio 1): decay in flight shows.
    "n2_raw_0.8_T1ms": dict(hops_km=[20.0], memo_size=2, raw_fidelity=0.8, coherence_s=1e-3, sim_time_s=0.2),
    # Three routers, one memory per side, decoherence dominates (T = 3 ms, link wait ~ 2 ms), no cutoff.
    "n3_mem1_T3ms_no_cutoff": dict(hops_km=[10.0, 10.0], memo_size=1, coherence_s=3e-3, cutoff_ratio=None,
                                   sim_time_s=0.3),
    # The same with SeQUeNCe's default cutoff ratio 1.
    "n3_mem1_T3ms_cutoff": dict(hops_km=[10.0, 10.0], memo_size=1, coherence_s=3e-3, sim_time_s=0.3),
    # Three routers, asymmetric hops 2 km and 30 km, one memory per side, T = 10 ms, no cutoff.
    "n3_asym_2_30_T10ms": dict(hops_km=[2.0, 30.0], memo_size=1, coherence_s=1e-2, cutoff_ratio=None,
                               sim_time_s=0.3),
    # SeQUeNCe's decoherence_errors [0, 0, 1] (pure dephasing at rate 1/T): qnsim's t2_s = T / 2; and [0.25, 0.25,
    # 0.5]: depolarizing at rate 0.25 / T with dephasing at 0.25 / T on top.
    "n2_dephasing_T1ms": dict(hops_km=[20.0], memo_size=2, raw_fidelity=0.8, coherence_s=1e-3,
                              decoherence_errors=(0.0, 0.0, 1.0), sim_time_s=0.2),
    "n3_dephasing_T5ms_no_cutoff": dict(hops_km=[10.0, 10.0], memo_size=2, coherence_s=5e-3, cutoff_ratio=None,
                                        decoherence_errors=(0.0, 0.0, 1.0), sim_time_s=0.2),
    "n3_mixed_T5ms_no_cutoff": dict(hops_km=[10.0, 10.0], memo_size=2, coherence_s=5e-3, cutoff_ratio=None,
                                    decoherence_errors=(0.25, 0.25, 0.5), sim_time_s=0.2),
    # Three routers whose coherence times differ (r1, the swapping router, 5 ms; the ends 1 s), no cutoff.
    "n3_T_r1_5ms": dict(hops_km=[10.0, 10.0], memo_size=2, cutoff_ratio=None, node={1: {"coherence_s": 5e-3}},
                        sim_time_s=0.2),
    # Three routers, raw fidelity 0.85, memory efficiency 0.7, 5 kHz, cutoff off, T = 20 ms.
    "n3_raw_0.85_eff_0.7": dict(hops_km=[10.0, 10.0], memo_size=2, raw_fidelity=0.85, memory_efficiency=0.7,
                                frequency_hz=5e3, coherence_s=2e-2, cutoff_ratio=None, sim_time_s=0.2),
    # Five routers, one memory per side, T = 50 ms, no cutoff: nested swaps over 4 links.
    "n5_mem1_T50ms_no_cutoff": dict(hops_km=[10.0] * 4, memo_size=1, coherence_s=5e-2, cutoff_ratio=None,
                                    sim_time_s=0.3),
    # Nine routers, hops alternating 5 km and 15 km, T = 0.1 s, no cutoff: nested swaps over unequal links. SeQUeNCe's
    # silent non-emission (bench/sequence_chain.py) costs it a few per cent of its pairs here.
    "n9_hops_5_15_T100ms": dict(hops_km=[5.0, 15.0] * 4, memo_size=2, coherence_s=0.1, cutoff_ratio=None,
                                sim_time_s=0.2),
    # Three routers whose coherence times differ, with SeQUeNCe's default cutoff ratio 1 on each (r1's memories
    # expire 5 ms after emission, the ends' 1 s): qnsim's request has one cutoff_s, the shortest.
    "n3_T_r1_5ms_cutoff": dict(hops_km=[10.0, 10.0], memo_size=2, node={1: {"coherence_s": 5e-3}}, sim_time_s=0.2),
    # RequestApp's target fidelity 0.5, below the raw fidelity, where decay takes swapped pairs below it: SeQUeNCe
    # keeps an end-to-end pair under its target for purification (waiting for an equal-fidelity partner), qnsim's
    # min_fidelity rejects it and frees its memories. A model difference, named in the guide.
    "n3_mem1_T3ms_cutoff_target_0.5": dict(hops_km=[10.0, 10.0], memo_size=1, coherence_s=3e-3, target_fidelity=0.5,
                                           sim_time_s=0.3),
    "n3_T_r1_5ms_target_0.5": dict(hops_km=[10.0, 10.0], memo_size=2, cutoff_ratio=None,
                                   node={1: {"coherence_s": 5e-3}}, target_fidelity=0.5, sim_time_s=0.2),
    # Gate and measurement fidelities (set on SeQUeNCe's routers; RouterNetTopo takes none), nothing decaying: one
    # swap, three swaps (SeQUeNCe twirls each swap's output to Werner, qnsim keeps the Bell-diagonal state), and
    # BBPSSW from raw 0.8 to 0.83 (two noisy rounds where one noiseless round would do).
    "n3_gate_0.98_meas_0.99": dict(hops_km=[10.0, 10.0], memo_size=2, coherence_s=-1, gate_fid=0.98, meas_fid=0.99,
                                   sim_time_s=0.1),
    "n5_gate_0.98_meas_0.99": dict(hops_km=[10.0] * 4, memo_size=2, coherence_s=-1, gate_fid=0.98, meas_fid=0.99,
                                   sim_time_s=0.1),
    "n2_bbpssw_gate_0.99_meas_0.995": dict(hops_km=[10.0], memo_size=4, raw_fidelity=0.8, target_fidelity=0.83,
                                           coherence_s=-1, gate_fid=0.99, meas_fid=0.995, sim_time_s=0.1),
    # SeQUeNCe's detectors at their default count rate, 25 MHz: a 40 ns dead time, and a link's memories emit in
    # adjacent 12.5 ns bins, so heralds are lost with several memories per side (qnsim has no dead time).
    "n3_count_rate_25MHz": dict(hops_km=[10.0, 10.0], memo_size=4, count_rate=25e6, sim_time_s=0.1),
    # SeQUeNCe's own defaults for all a configuration leaves out: memory fidelity 0.85, 80 MHz, efficiency 1,
    # coherence time -1 (never), detectors of efficiency 0.9 and count rate 25 MHz.
    "n3_sequence_class_defaults": dict(hops_km=[10.0, 10.0], memo_size=4, memory_efficiency=1.0, frequency_hz=8e7,
                                       raw_fidelity=0.85, coherence_s=-1, count_rate=25e6, sim_time_s=0.05),
    # SeQUeNCe's swapping_success_prob 0.5 (its swaps fail at random, losing both pairs): qnsim's swaps, Bell
    # measurements on memory qubits, always succeed; the guide says there is no counterpart.
    "n3_swap_success_0.5": dict(hops_km=[10.0, 10.0], memo_size=2, swap_success=0.5, sim_time_s=0.2),
    # Three routers, target 0.92 above the swapped pairs' 0.90333, nothing decaying: SeQUeNCe's rules purify the
    # end-to-end pairs (one BBPSSW round: 0.92908); the translation adds end_to_end_purification_rounds.
    "n3_target_0.92_no_decay": dict(hops_km=[10.0, 10.0], memo_size=4, target_fidelity=0.92, coherence_s=-1,
                                    sim_time_s=0.1),
    # SeQUeNCe's ket mode (BarretKokA, two emission rounds, the benchmark's parameters, no decay), one memory per
    # side: its attempt ends when the first round does not herald, qnsim's double_click_timing "second_on_herald";
    # the default "both_rounds" plays both rounds every attempt. Its fidelity is the bookkept raw 0.95.
    "n2_ket_barrett_kok": dict(formalism="ket", hops_km=[10.0], memo_size=1, timing="second_on_herald",
                               sim_time_s=0.2),
    "n2_ket_barrett_kok_both_rounds": dict(formalism="ket", hops_km=[10.0], memo_size=1, timing="both_rounds",
                                           sim_time_s=0.2),
    # Two routers, BBPSSW from raw 0.8 to a target of 0.83 (one round gives 0.83815), no decay.
    "n2_bbpssw_0.8_to_0.83_no_decay": dict(hops_km=[10.0], memo_size=4, raw_fidelity=0.8, target_fidelity=0.83,
                                           coherence_s=-1, sim_time_s=0.1),
    # The same with the benchmark's coherence time, 1 s.
    "n2_bbpssw_0.8_to_0.83": dict(hops_km=[10.0], memo_size=4, raw_fidelity=0.8, target_fidelity=0.83,
                                  sim_time_s=0.1),
    # Two routers, BBPSSW from raw 0.9 (one round: 0.91766) to a target of 0.915 with T = 0.1 s: the kept pair
    # decays by about 0.003 before its round is known, so some purified pairs land below the target.
    "n2_bbpssw_0.9_to_0.915_T100ms": dict(hops_km=[10.0], memo_size=4, raw_fidelity=0.9, target_fidelity=0.915,
                                          coherence_s=0.1, sim_time_s=0.1),
}

# RequestApp's target fidelity where a case does not set one: the benchmark chain's 1e-3, so that no pair is held
# for purification or refused (bench/sequence_chain.py). The "_target_0.5" cases show what 0.5 does.
DEFAULT_TARGET = 1e-3

ROUTER_KEYS = ("memory_efficiency", "frequency_hz", "raw_fidelity", "coherence_s", "cutoff_ratio",
               "decoherence_errors")


def _router(case: dict, i: int) -> dict:
    """Router i's memory parameters: the case's, overridden by its "node" entry."""
    base = {"memory_efficiency": 0.9, "frequency_hz": 2e3, "raw_fidelity": 0.95, "coherence_s": 1.0,
            "cutoff_ratio": 1.0, "decoherence_errors": (1 / 3, 1 / 3, 1 / 3)}
    base.update({k: case[k] for k in ROUTER_KEYS if k in case})
    base.update(case.get("node", {}).get(i, {}))
    return base


def sequence_config(case: dict, seed: int, stop_ps: int) -> dict:
    """The RouterNetTopo config of a case: one memory template per router, the rest as seq_guide_cases.config."""
    from seq_guide_cases import config

    hops = case["hops_km"]
    out = config(hops, case["memo_size"], seed, stop_ps, detector_efficiency=case.get("detector_efficiency", 0.9),
                 bsm_success_rate=case.get("bsm_success_rate", 0.5),
                 attenuation_db_per_km=case.get("attenuation_db_per_km", 0.2))
    swapping = {"swapping_success_prob": case.get("swap_success", 1.0)}
    for i, node in enumerate(out["nodes"]):
        r = _router(case, i)
        memory_array = {"fidelity": r["raw_fidelity"], "efficiency": r["memory_efficiency"],
                        "frequency": r["frequency_hz"], "coherence_time": r["coherence_s"],
                        "decoherence_errors": list(r["decoherence_errors"])}
        if r["cutoff_ratio"] is None:
            memory_array["cutoff_flag"] = False
        else:
            memory_array["cutoff_ratio"] = r["cutoff_ratio"]
        out["templates"][f"router{i}"] = {"MemoryArray": memory_array, "EntanglementSwapping": swapping}
        node["template"] = f"router{i}"
    del out["templates"]["router"]
    if "count_rate" in case:   # SeQUeNCe's detector default is 25 MHz (a 40 ns dead time); the cases' 1e12 has none
        for detector in out["templates"]["bsm"]["SingleHeraldedBSM"]["detectors"]:
            detector["count_rate"] = case["count_rate"]
    return out


def run_sequence(case: dict, seed: int) -> dict:
    """One SeQUeNCe run: pairs delivered at r0 and the fidelity of each, read from its state at delivery.

    A "ket" case runs its ket mode through bench/sequence_chain.py (Barrett-Kok, the fidelity it reports being the
    memories' raw fidelity, bookkept).
    """
    if case.get("formalism") == "ket":
        from sequence_chain import run_sequence_chain

        r = run_sequence_chain(num_nodes=len(case["hops_km"]) + 1, hop_km=case["hops_km"][0], formalism="ket",
                               memories_per_side=case["memo_size"], sim_time_s=case["sim_time_s"], seed=seed,
                               cutoff_ratio=None, memory_coherence_s=-1)
        return {"pairs": r["pairs_delivered"], "mean_fidelity": r["mean_fidelity"]}
    from seq_guide_cases import run_routers

    # RouterNetTopo takes no gate or measurement fidelity: set on every router (1.0 unless the case says).
    return run_routers(lambda stop_ps: sequence_config(case, seed, stop_ps), case["hops_km"], case["sim_time_s"],
                       case["memo_size"], case.get("target_fidelity", DEFAULT_TARGET), seed,
                       gate_fid=case.get("gate_fid", 1.0), meas_fid=case.get("meas_fid", 1.0))


def memory_decay(coherence_s: float, shares: tuple[float, float, float]) -> dict:
    """qnsim node decay for SeQUeNCe's Pauli decoherence: rates (x, y, z) = shares / coherence_s, in 1/s.

    The guide's row: X and Y at rate a and Z at rate b >= a are depolarizing at a (depolarizing_time_s = 1 / 4a;
    equal shares 1/3 give 0.75 T) and dephasing at b - a (t2_s = 1 / 2 (b - a)). T <= 0 is "never".
    """
    if coherence_s <= 0:
        return {}
    x, y, z = (share / coherence_s for share in shares)
    if not math.isclose(x, y) or z < x:
        raise NotImplementedError(f"decoherence_errors {shares}: qnsim has no Pauli channel with these shares")
    out = {}
    if x > 0:
        out["depolarizing_time_s"] = 1 / (4 * x)
    if z > x and not math.isclose(z, x):
        out["t2_s"] = 1 / (2 * (z - x))
    return out


def noisy_rounds(raw_fidelity: float, target: float, noise: dict) -> int:
    """The fewest BBPSSW rounds that lift Werner pairs of raw_fidelity to target with noise at both nodes."""
    from qnsim.primitives import bell_diagonal_purify

    e = (1 - raw_fidelity) / 3
    pair, both = (raw_fidelity, e, e, e), {**noise, **{f"{k}_b": v for k, v in noise.items()}}
    for k in range(17):
        if pair[0] >= target:
            return k
        pair = bell_diagonal_purify(pair, pair, "bbpssw", **both)[1]
    raise ValueError(f"target {target} beyond 16 rounds from {raw_fidelity} with {noise}")


def translate(case: dict, seed: int):
    """qnsim's network and request for a case, row by row of docs/coming-from-sequence.md's tables.

    SeQUeNCe's units in (km, s, Hz, dB/km); every hop its own light time h, success probability and period.
    """
    import qnsim_chain  # noqa: F401  (its import refuses a qnsim built from other sources than this tree)

    import qnsim

    hops = case["hops_km"]
    n = len(hops) + 1
    routers = [_router(case, i) for i in range(n)]
    names = [f"r{i}" for i in range(n)]
    net = qnsim.Network("bell_diagonal", seed=seed)
    noise = {"gate2_error": 15 / 16 * (1 - case.get("gate_fid", 1.0)), "measure_error": 1 - case.get("meas_fid", 1.0)}
    for i, name in enumerate(names):
        decay = memory_decay(routers[i]["coherence_s"], routers[i]["decoherence_errors"])
        # SeQUeNCe's gate_fid g leaves a two-qubit gate's output fully mixed with probability 1 - g: Stim's
        # DEPOLARIZE2(15/16 (1 - g)); its meas_fid is a measurement's probability of the right outcome.
        net.add_node(name, num_memories=case["memo_size"] * (2 if 0 < i < n - 1 else 1), **decay, **noise)
    det, bsm = case.get("detector_efficiency", 0.9), case.get("bsm_success_rate", 0.5)
    att = case.get("attenuation_db_per_km", 0.2)
    for i, hop_km in enumerate(hops):
        a, b = routers[i], routers[i + 1]
        h = hop_km * 5e-6
        arm = 10 ** (-att * hop_km / 20)
        p = bsm * (a["memory_efficiency"] * arm * det) * (b["memory_efficiency"] * arm * det)
        f = min(a["frequency_hz"], b["frequency_hz"])
        first = a if names[i] < names[i + 1] else b   # the name that sorts first sets the state
        model = qnsim.LinkModel(scheme="single_click", success_probability=p,
                                attempt_period_s=max(1 / f + h, 4 * h), fidelity=first["raw_fidelity"])
        net.add_link(names[i], names[i + 1], length_km=hop_km, refractive_index=1.49896229,
                     channels=case["memo_size"], link_model=model, setup_delay_s=3 * h)
    kwargs = {}
    cutoffs = [r["cutoff_ratio"] * r["coherence_s"] for r in routers
               if r["cutoff_ratio"] is not None and r["coherence_s"] > 0]
    if cutoffs:
        kwargs["cutoff_s"] = min(cutoffs)
    # RequestApp's target fidelity is qnsim's min_fidelity and, above the raw fidelity, its target_fidelity
    # with BBPSSW rounds, each confirmed by a round trip (the guide's BBPSSW and RequestApp rows).
    target = case.get("target_fidelity", DEFAULT_TARGET)
    kwargs["min_fidelity"] = target
    if target > routers[0]["raw_fidelity"]:
        kwargs.update(purification="bbpssw", target_fidelity=target, purification_handshake=True)
        if case.get("gate_fid", 1.0) < 1 or case.get("meas_fid", 1.0) < 1:
            # target_fidelity counts rounds without gate noise (the run's note says when they fall short); SeQUeNCe
            # purifies until the target: give the rounds that reach it with the nodes' noise (the guide's row).
            kwargs["purification_rounds"] = noisy_rounds(routers[0]["raw_fidelity"], target, noise)
            del kwargs["target_fidelity"]
    if n > 2 and all(target <= r["raw_fidelity"] for r in routers):
        # SeQUeNCe also purifies end-to-end pairs below the target: the rounds a swapped pair needs. Its pairs are
        # Werner (swaps twirl), so the swapped pair's Werner parameter is the links' product (before any decay).
        w = math.prod((4 * routers[i if names[i] < names[i + 1] else i + 1]["raw_fidelity"] - 1) / 3
                      for i in range(n - 1))
        f_swapped = (1 + 3 * w) / 4
        if f_swapped < target:
            e = (1 - f_swapped) / 3
            rounds = qnsim.purification_rounds_for((f_swapped, e, e, e), target, "bbpssw")
            kwargs.update(purification="bbpssw", purification_handshake=True, end_to_end_purification_rounds=rounds)
    net.request(names[0], names[-1], num_pairs=10**6, memories_per_link=case["memo_size"], swap_schedule="nested",
                swap_handshake=True, **kwargs)
    return net


def translate_ket(case: dict, seed: int):
    """SeQUeNCe's ket-mode Barrett-Kok link as the guide's concepts table maps it: a double_click link whose source
    and detector carry the memory's and detector's efficiencies, photons of visibility 2 F - 1 for raw pairs of
    fidelity F, SeQUeNCe's light speed, and ``double_click_timing`` from the case (its BarretKokA ends an attempt
    whose first round does not herald: "second_on_herald")."""
    import qnsim_chain  # noqa: F401  (its import refuses a qnsim built from other sources than this tree)

    import qnsim

    (hop_km,) = case["hops_km"]
    net = qnsim.Network("density_matrix", seed=seed)
    for name in ("r0", "r1"):
        net.add_node(name, num_memories=case["memo_size"])
    net.add_link("r0", "r1", length_km=hop_km, refractive_index=1.49896229, scheme="double_click",
                 attenuation_db_per_km=0.2, channels=case["memo_size"], double_click_timing=case["timing"],
                 source=qnsim.Source(attempt_rate_hz=2e3, emission_efficiency=0.9),
                 detector=qnsim.Detector(efficiency=0.9, visibility=2 * 0.95 - 1))
    net.request("r0", "r1", num_pairs=10**6, memories_per_link=case["memo_size"])
    return net


def run_qnsim(case: dict, seed: int) -> dict:
    """One qnsim run of the guide's translation."""
    if case.get("formalism") == "ket":
        r = translate_ket(case, seed).run(until_s=case["sim_time_s"]).requests[0]
        return {"pairs": r.num_pairs, "mean_fidelity": r.mean_fidelity if r.num_pairs else float("nan")}
    r = translate(case, seed).run(until_s=case["sim_time_s"]).requests[0]
    return {"pairs": r.num_pairs, "mean_fidelity": r.mean_fidelity if r.num_pairs else float("nan")}


def mean_se(xs: list[float]) -> tuple[float, float]:
    """(mean, standard error) of the finite values of xs; nan where there are none."""
    xs = [x for x in xs if not math.isnan(x)]
    if not xs:
        return float("nan"), float("nan")
    return statistics.fmean(xs), (statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else float("nan"))


def z_score(q: tuple[float, float], s: tuple[float, float]) -> float:
    """(q - s) / combined standard error; 0 when both are equal to 1e-7, +-inf when both are one value apart."""
    if abs(q[0] - s[0]) <= 1e-7 * max(1.0, abs(s[0])):
        return 0.0
    se = math.hypot(q[1], s[1])
    if not se > 1e-9:   # both deterministic (one value on every pair) and different
        return math.copysign(math.inf, q[0] - s[0])
    return (q[0] - s[0]) / se


def _seeds(text: str) -> list[int]:
    a, b = (int(x) for x in text.split("-"))
    return list(range(a, b + 1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    ap.add_argument("--seeds", default="1-10", help="SeQUeNCe seeds, first-last")
    ap.add_argument("--qnsim-seeds", default="1-40", help="qnsim seeds, first-last")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    args = ap.parse_args(argv)
    from sequence_chain import _require_sequence

    _require_sequence()   # Python >= 3.12 and sequence >= 1.3, or a message saying how to get them
    rows = []
    for name in args.cases:
        case = CASES[name]
        t0 = time.perf_counter()
        s_runs = [run_sequence(case, seed) for seed in _seeds(args.seeds)]
        t_seq = time.perf_counter() - t0
        q_runs = [run_qnsim(case, seed) for seed in _seeds(args.qnsim_seeds)]
        s = mean_se([r["pairs"] for r in s_runs]), mean_se([r["mean_fidelity"] for r in s_runs])
        q = mean_se([r["pairs"] for r in q_runs]), mean_se([r["mean_fidelity"] for r in q_runs])
        zp, zf = z_score(q[0], s[0]), z_score(q[1], s[1])
        rows.append((name, s, q, zp, zf))
        print(f"{name:>32}  pairs S {s[0][0]:7.2f} ± {s[0][1]:5.2f}  Q {q[0][0]:7.2f} ± {q[0][1]:5.2f}  z {zp:+5.1f} | "
              f"F S {s[1][0]:.5f} ± {s[1][1]:.5f}  Q {q[1][0]:.5f} ± {q[1][1]:.5f}  z {zf:+5.1f}  "
              f"({t_seq:.0f} s SeQUeNCe)", flush=True)
    if args.markdown:
        print(f"\n| case | SeQUeNCe pairs/run (seeds {args.seeds}) | qnsim pairs/run (seeds {args.qnsim_seeds}) | z "
              "| SeQUeNCe mean F | qnsim mean F | z |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, s, q, zp, zf in rows:
            print(f"| {name} | {s[0][0]:.2f} ± {s[0][1]:.2f} | {q[0][0]:.2f} ± {q[0][1]:.2f} | {zp:+.1f} | "
                  f"{s[1][0]:.5f} ± {s[1][1]:.5f} | {q[1][0]:.5f} ± {q[1][1]:.5f} | {zf:+.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
