"""Parity sweep against SeQUeNCe: one parameter varied at a time around vs_sequence.py's defaults.

For every case (a parameter set) and chain length N it runs SeQUeNCe's chain (bench/sequence_chain.py)
over a few seeds and qnsim's (bench/qnsim_chain.py, same keyword arguments) over more seeds (qnsim is
cheap), then compares the delivered pairs per run and the mean fidelity per run: mean and standard error
over seeds on each side, and z = (qnsim - SeQUeNCe) / sqrt(se_q^2 + se_s^2). A case is flagged when |z|
exceeds --z (default 3). Per-run fidelity means (not pooled pairs) carry the error, so correlations
between the pairs of one run do not shrink it.

Run in the SeQUeNCe venv (Python >= 3.12); keep runs small on a shared machine:

    nice bench/.venv-sequence/bin/python bench/seq_parity_sweep.py --nodes 2 3 4 5 --seeds 6 --fix-silent
    nice bench/.venv-sequence/bin/python bench/seq_parity_sweep.py --cases coherence_5ms --nodes 3 --fix-silent \
        --swap-oldest

``--save FILE`` keeps SeQUeNCe's per-run figures, ``--load FILE`` re-runs only qnsim against them (any
Python with qnsim, e.g. after a qnsim change, without SeQUeNCe installed).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# One parameter (or a coupled pair) changed from vs_sequence.py's defaults per case. "sim_time_factor" scales
# --sim-time for cases whose attempts are so frequent that SeQUeNCe would take minutes.
CASES: dict[str, dict] = {
    "default": {},
    "hop_2km": {"hop_km": 2.0},
    "hop_40km": {"hop_km": 40.0},
    "atten_0.5": {"attenuation_db_per_km": 0.5},
    "mem_eff_0.5": {"memory_efficiency": 0.5},
    "raw_f_0.8": {"raw_fidelity": 0.8},
    "coherence_20ms": {"memory_coherence_s": 0.02},
    "coherence_5ms": {"memory_coherence_s": 0.005},
    "coh_5ms_cutoff_0.3": {"memory_coherence_s": 0.005, "cutoff_ratio": 0.3},
    "coh_5ms_no_cutoff": {"memory_coherence_s": 0.005, "cutoff_ratio": None},
    "coh_2ms_cutoff_0.5": {"memory_coherence_s": 0.002, "cutoff_ratio": 0.5},
    "memories_1": {"memories_per_side": 1},
    "memories_2": {"memories_per_side": 2},
    "freq_200": {"frequency_hz": 200.0},
    "freq_20k": {"frequency_hz": 2e4},
    "freq_200k_hop_2km": {"frequency_hz": 2e5, "hop_km": 2.0, "sim_time_factor": 0.1},
    # Combined variations (2026-11-30, branch seqpar): link fidelity against short and long memory times,
    # distance with memories per side, cutoffs with several memories, and a long coherence time.
    "raw_f_0.99": {"raw_fidelity": 0.99},
    "raw_f_0.9_coh_10ms": {"raw_fidelity": 0.9, "memory_coherence_s": 0.01},
    "raw_f_0.8_coh_50ms": {"raw_fidelity": 0.8, "memory_coherence_s": 0.05},
    "raw_f_0.99_coh_100s": {"raw_fidelity": 0.99, "memory_coherence_s": 100.0},
    "hop_25km_mem_2": {"hop_km": 25.0, "memories_per_side": 2},
    "hop_5km_mem_8": {"hop_km": 5.0, "memories_per_side": 8, "sim_time_factor": 0.5},
    "hop_5km_coh_10ms_cutoff_0.5": {"hop_km": 5.0, "memory_coherence_s": 0.01, "cutoff_ratio": 0.5},
    "mem_1_coh_5ms_cutoff_0.5": {"memories_per_side": 1, "memory_coherence_s": 0.005, "cutoff_ratio": 0.5},
    "mem_2_coh_20ms_cutoff_0.2": {"memories_per_side": 2, "memory_coherence_s": 0.02, "cutoff_ratio": 0.2},
    # Dark counts (2026-12-03, branch phys27). SeQUeNCe's detectors click as a Poisson process of this rate and a
    # click counts when it falls within the detector's time resolution (150 ps) of the expected arrival, so even
    # 1e6 Hz is a false-click probability of ~1.5e-4 per window against eta^2 ~ 0.5; its pairs keep raw_fidelity
    # whatever clicked. qnsim_chain runs SeQUeNCe's figures (Werner raw_fidelity); docs/coming-from-sequence.md.
    "dark_1e6": {"detector_dark_count_hz": 1e6, "sim_time_factor": 0.4},
    "dark_1e6_eff_0.5": {"detector_dark_count_hz": 1e6, "memory_efficiency": 0.5, "sim_time_factor": 0.4},
}


def _mean_se(xs: list[float]) -> tuple[float, float]:
    xs = [x for x in xs if not math.isnan(x)]
    if not xs:
        return float("nan"), float("nan")
    m = statistics.fmean(xs)
    return m, (statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else float("nan"))


def _z(a: tuple[float, float], b: tuple[float, float]) -> float:
    se = math.hypot(a[1], b[1])
    # N = 2 fidelities are one deterministic value per side (decay from emission to herald); SeQUeNCe
    # reads its pair 10 ps after the herald, a relative difference of ~1e-8 at T = 2 ms.
    if abs(a[0] - b[0]) <= 1e-7 * max(1.0, abs(a[0])):
        return 0.0
    if math.isnan(se) or se == 0:
        return float("inf")
    return (a[0] - b[0]) / se


def _summary(runs: list[dict]) -> dict:
    return {"pairs": _mean_se([float(r["pairs_delivered"]) for r in runs]),
            "fidelity": _mean_se([statistics.fmean(r["fidelities"]) if r["fidelities"] else float("nan")
                                  for r in runs]),
            "n_runs": len(runs)}


def _load_pooled(paths: list[Path]) -> dict:
    """SeQUeNCe runs of several --save files, pooled per case and N (same settings required, no seed twice)."""
    pooled: dict = {}
    for path in paths:
        data = json.loads(path.read_text())
        settings = {k: data.get(k, False) for k in ("sim_time_s", "fix_silent", "swap_oldest", "expiry_own_age")}
        if not pooled:
            pooled = {**settings, "runs": {}}
        elif {k: pooled[k] for k in settings} != settings:
            raise SystemExit(f"{path}: settings {settings} differ from the first file's; not pooled")
        for key, entry in data["runs"].items():
            into = pooled["runs"].setdefault(key, {"case": entry["case"], "sequence": []})
            seen = {r["seed"] for r in into["sequence"]}
            if seen & {r["seed"] for r in entry["sequence"]}:
                raise SystemExit(f"{path}: {key} repeats SeQUeNCe seeds already loaded")
            into["sequence"].extend(entry["sequence"])
    return pooled


def run_sequence_side(case: dict, num_nodes: int, seeds: list[int], sim_time_s: float, fix_silent: bool,
                      swap_oldest: bool = False, expiry_own_age: bool = False) -> list:
    """SeQUeNCe's per-run figures (pairs, fidelities, link success on r0-r1) for one case and N."""
    from sequence_chain import (
        end_pair_expiry_by_own_age,
        run_sequence_chain,
        silent_non_emission_fixed,
        swap_oldest_first,
    )
    coherence, ratio = case.get("memory_coherence_s", 1.0), case.get("cutoff_ratio", 1.0)
    out = []
    for seed in seeds:
        with contextlib.ExitStack() as patches:
            if fix_silent:
                patches.enter_context(silent_non_emission_fixed())
            if swap_oldest:
                patches.enter_context(swap_oldest_first())
            if expiry_own_age and ratio is not None:
                patches.enter_context(end_pair_expiry_by_own_age(ratio * coherence, None))
            r = run_sequence_chain(num_nodes=num_nodes, seed=seed, sim_time_s=sim_time_s, **case)
        out.append({"seed": seed, "pairs_delivered": r["pairs_delivered"], "fidelities": r["fidelities"],
                    "link_attempts": r["link_stats"]["attempts"], "link_heralds": r["link_stats"]["heralded_pairs"],
                    "silent": r["link_stats"]["silent_non_emissions_all"]})
    return out


def run_qnsim_side(case: dict, num_nodes: int, seeds: list[int], sim_time_s: float) -> list:
    """qnsim's per-run figures for one case and N."""
    from qnsim_chain import run_qnsim_chain
    return [{"seed": s, **{k: v for k, v in run_qnsim_chain(num_nodes=num_nodes, seed=s, sim_time_s=sim_time_s,
                                                            **case).items()
                           if k in ("pairs_delivered", "fidelities")}} for s in seeds]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    ap.add_argument("--nodes", type=int, nargs="+", default=[2, 3, 4, 5])
    ap.add_argument("--seeds", type=int, default=6, help="SeQUeNCe runs per case and N (seeds 1..)")
    ap.add_argument("--first-seed", type=int, default=1,
                    help="first SeQUeNCe seed (seeds first..first+seeds-1), to add runs to an earlier --save")
    ap.add_argument("--qnsim-seeds", type=int, default=40, help="qnsim runs per case and N (seeds 1..)")
    ap.add_argument("--sim-time", type=float, default=0.05, help="simulated seconds per run")
    ap.add_argument("--fix-silent", action="store_true", help="patch SeQUeNCe's silent non-emission")
    ap.add_argument("--swap-oldest", action="store_true",
                    help="make SeQUeNCe's swaps take the oldest stored pair, as qnsim's do (default: its memory-index "
                         "order)")
    ap.add_argument("--expiry-own-age", action="store_true",
                    help="make every SeQUeNCe swap pass on the expiry of its two outer qubits' own ages, as qnsim's "
                         "cutoff works (default: its oldest constituent link's)")
    ap.add_argument("--z", type=float, default=3.0, help="flag |z| above this")
    ap.add_argument("--save", type=Path, help="write every per-run figure (both sides) here as JSON")
    ap.add_argument("--load", type=Path, nargs="+",
                    help="take SeQUeNCe's figures from these files (runs of the same case and N pooled, e.g. "
                         "saves made with different --first-seed); run only qnsim")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--sequence-only", action="store_true",
                    help="run only SeQUeNCe (needs --save; no qnsim import, so the SeQUeNCe venv need not hold "
                         "this checkout's qnsim); compare later with --load in a venv that does")
    args = ap.parse_args(argv)

    if args.sequence_only and (args.load or not args.save):
        ap.error("--sequence-only needs --save and cannot take --load")
    loaded = _load_pooled(args.load) if args.load else None
    if loaded:
        args.sim_time, args.fix_silent = loaded["sim_time_s"], loaded["fix_silent"]
        args.swap_oldest = loaded.get("swap_oldest", False)
        args.expiry_own_age = loaded.get("expiry_own_age", False)
    store = {"sim_time_s": args.sim_time, "fix_silent": args.fix_silent, "swap_oldest": args.swap_oldest,
             "expiry_own_age": args.expiry_own_age, "runs": {}}
    rows = []
    for name in args.cases:
        case = dict(CASES[name])
        sim_time = args.sim_time * case.pop("sim_time_factor", 1.0)
        for n in args.nodes:
            key = f"{name}/{n}"
            if loaded:
                if key not in loaded["runs"]:
                    continue
                seq = loaded["runs"][key]["sequence"]
            else:
                seq = run_sequence_side(case, n, list(range(args.first_seed, args.first_seed + args.seeds)), sim_time,
                                        args.fix_silent, args.swap_oldest, args.expiry_own_age)
            if args.sequence_only:
                store["runs"][key] = {"case": case, "sequence": seq, "qnsim": []}
                s_sum = _summary(seq)
                print(f"{name:>20} N={n}  pairs S {s_sum['pairs'][0]:7.1f} ± {s_sum['pairs'][1]:5.1f} | "
                      f"F S {s_sum['fidelity'][0]:.5f} ± {s_sum['fidelity'][1]:.5f}", flush=True)
                args.save.write_text(json.dumps(store))
                continue
            q = run_qnsim_side(case, n, list(range(1, args.qnsim_seeds + 1)), sim_time)
            store["runs"][key] = {"case": case, "sequence": seq, "qnsim": q}
            s_sum, q_sum = _summary(seq), _summary(q)
            zp, zf = _z(q_sum["pairs"], s_sum["pairs"]), _z(q_sum["fidelity"], s_sum["fidelity"])
            att = sum(r["link_attempts"] for r in seq)
            link = sum(r["link_heralds"] for r in seq) / att if att else float("nan")
            silent = sum(r["silent"] for r in seq)
            flag = "  <-- " + ",".join(w for w, z in (("pairs", zp), ("F", zf)) if abs(z) > args.z) \
                if max(abs(zp), abs(zf)) > args.z else ""
            rows.append((name, n, s_sum, q_sum, zp, zf, link, silent))
            print(f"{name:>20} N={n}  pairs S {s_sum['pairs'][0]:7.1f} ± {s_sum['pairs'][1]:5.1f}  "
                  f"Q {q_sum['pairs'][0]:7.1f} ± {q_sum['pairs'][1]:5.1f}  z {zp:+5.1f} | "
                  f"F S {s_sum['fidelity'][0]:.5f} ± {s_sum['fidelity'][1]:.5f}  "
                  f"Q {q_sum['fidelity'][0]:.5f} ± {q_sum['fidelity'][1]:.5f}  z {zf:+5.1f} | "
                  f"S link p {link:.4f}, silent {silent}{flag}", flush=True)
            if args.save:
                args.save.write_text(json.dumps(store))
    if args.markdown:
        print("\n| case | N | SeQUeNCe pairs/run | qnsim pairs/run | z | SeQUeNCe mean F | qnsim mean F | z |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, n, s, q, zp, zf, _, _ in rows:
            print(f"| {name} | {n} | {s['pairs'][0]:.1f} ± {s['pairs'][1]:.1f} | {q['pairs'][0]:.1f} ± "
                  f"{q['pairs'][1]:.1f} | {zp:+.1f} | {s['fidelity'][0]:.5f} ± {s['fidelity'][1]:.5f} | "
                  f"{q['fidelity'][0]:.5f} ± {q['fidelity'][1]:.5f} | {zf:+.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
