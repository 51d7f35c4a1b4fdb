"""Side by side with SeQUeNCe (issue 4): the same linear repeater chain in SeQUeNCe and in qnsim.

For each chain length N it runs SeQUeNCe (bench/sequence_chain.run_sequence_chain) and qnsim
(bench/qnsim_chain.run_qnsim_chain, same keyword arguments) and prints wall time (median of the
repeats), the wall-time ratio, delivered end-to-end pairs and their mean fidelity with standard
error, then SeQUeNCe's model notes once: what qnsim must mirror for rates and fidelities to agree.
While the qnsim runner is a stub the qnsim columns read "n/a".

Both simulators run in one process, inside the optional SeQUeNCe venv (Python >= 3.12):

    bash bench/setup_sequence_venv.sh && bench/.venv-sequence/bin/python bench/vs_sequence.py

Examples:
    bench/.venv-sequence/bin/python bench/vs_sequence.py --nodes 2 3 5 10 --repeats 3
    bench/.venv-sequence/bin/python bench/vs_sequence.py --nodes 5 --formalism ket --markdown
The machine is shared: run one scenario at a time; N = 50 takes minutes in SeQUeNCe.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

HOW_TO_RUN = "bash bench/setup_sequence_venv.sh && bench/.venv-sequence/bin/python bench/vs_sequence.py"


def _check_environment() -> None:
    if sys.version_info < (3, 12):
        sys.exit(f"vs_sequence: Python {platform.python_version()} is too old for SeQUeNCe >= 1.0 "
                 f"(needs >= 3.12).\nRun: {HOW_TO_RUN}")
    try:
        import sequence  # noqa: F401
    except ImportError:
        sys.exit(f"vs_sequence: SeQUeNCe is not installed in this interpreter ({sys.executable}).\n"
                 f"Run: {HOW_TO_RUN}")


def _stderr(xs: list[float]) -> float:
    return statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else float("nan")


def _summarize(runs: list[dict]) -> dict:
    """Median wall time; pairs per run (mean, SE over repeats); fidelity pooled over all pairs."""
    fids = [f for r in runs for f in r["fidelities"]]
    pairs = [r["pairs_delivered"] for r in runs]
    out = {
        "wall_s": statistics.median(r["wall_s"] for r in runs),
        "cpu_s": statistics.median(r.get("cpu_s", r["wall_s"]) for r in runs),
        "wall_s_all": [r["wall_s"] for r in runs],
        "pairs_mean": statistics.fmean(pairs),
        "pairs_stderr": _stderr([float(p) for p in pairs]),
        "pairs_all": pairs,
        "mean_fidelity": statistics.fmean(fids) if fids else float("nan"),
        "fidelity_stderr": _stderr(fids),
        "n_fidelities": len(fids),
    }
    if "events" in runs[0]:
        out["events_per_s"] = statistics.median(r["events"] / r["wall_s"] for r in runs if r["wall_s"] > 0)
    if "link_stats" in runs[0]:
        att = sum(r["link_stats"]["attempts"] for r in runs)
        her = sum(r["link_stats"]["heralded_pairs"] for r in runs)
        out["link_success"] = her / att if att else float("nan")
        ps = out["link_success"]
        out["link_success_stderr"] = math.sqrt(ps * (1 - ps) / att) if att else float("nan")
        out["link_success_expected"] = runs[0]["link_stats"]["success_per_attempt_expected"]
        out["emission_spacing_s"] = runs[0]["link_stats"]["median_emission_spacing_per_memory_s"]
    return out


def _fmt_pairs(s: dict | None) -> str:
    if s is None:
        return "n/a"
    se = s["pairs_stderr"]
    return f"{s['pairs_mean']:.1f}" + ("" if math.isnan(se) else f" ± {se:.1f}")


def _fmt_fid(s: dict | None) -> str:
    if s is None or math.isnan(s["mean_fidelity"]):
        return "n/a"
    se = s["fidelity_stderr"]
    return f"{s['mean_fidelity']:.5f}" + ("" if math.isnan(se) else f" ± {se:.5f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, nargs="+", default=[2, 3, 5, 10, 20, 50], help="chain lengths N")
    ap.add_argument("--sim-time", type=float, default=0.2, help="simulated seconds of the request window")
    ap.add_argument("--repeats", type=int, default=3, help="runs per N (seeds seed .. seed+repeats-1)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--formalism", choices=["bell_diagonal", "ket"], default="bell_diagonal",
                    help="bell_diagonal: single-heralded link, fidelity from the state (default, fair); "
                         "ket: Barrett-Kok, fidelity bookkept by SeQUeNCe")
    ap.add_argument("--hop-km", type=float, default=10.0)
    ap.add_argument("--attenuation", type=float, default=0.2, help="dB/km")
    ap.add_argument("--memories", type=int, default=4, help="memories per router per neighbour")
    ap.add_argument("--frequency", type=float, default=2e3, help="memory excitation rate limit, Hz")
    ap.add_argument("--memory-efficiency", type=float, default=0.9)
    ap.add_argument("--detector-efficiency", type=float, default=0.9)
    ap.add_argument("--raw-fidelity", type=float, default=0.95)
    ap.add_argument("--coherence", type=float, default=1.0, help="memory coherence time, s (<= 0: infinite)")
    ap.add_argument("--cutoff-ratio", type=float, default=1.0,
                    help="memory expiry at ratio x coherence time (SeQUeNCe's hard cutoff)")
    ap.add_argument("--no-cutoff", action="store_true", help="disable SeQUeNCe's memory expiry events")
    ap.add_argument("--detector-count-rate", type=float, default=1e12,
                    help="detector max count rate, Hz (SeQUeNCe's default 25e6 adds a 40 ns dead time that "
                         "drops heralds of memories emitting in adjacent 12.5 ns bins; default: none)")
    ap.add_argument("--swap-degradation", type=float, default=1.0,
                    help="ket mode only (SeQUeNCe default 0.95)")
    ap.add_argument("--skip-qnsim", action="store_true")
    ap.add_argument("--qnsim-formalism", choices=["bell_diagonal", "density_matrix", "stabilizer"], default=None,
                    help="qnsim's formalism (default: density_matrix for SeQUeNCe's bell_diagonal mode)")
    ap.add_argument("--fix-silent", action="store_true",
                    help="patch SeQUeNCe's silent non-emission (an artefact qnsim does not copy; see bench/README.md)")
    ap.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    ap.add_argument("--json", type=Path, help="write all per-run results here")
    args = ap.parse_args(argv)

    _check_environment()
    import contextlib

    from qnsim_chain import run_qnsim_chain
    from sequence_chain import run_sequence_chain, silent_non_emission_fixed

    params = dict(hop_km=args.hop_km, attenuation_db_per_km=args.attenuation,
                  memory_coherence_s=args.coherence, memory_efficiency=args.memory_efficiency,
                  raw_fidelity=args.raw_fidelity, detector_efficiency=args.detector_efficiency,
                  frequency_hz=args.frequency, sim_time_s=args.sim_time, formalism=args.formalism,
                  memories_per_side=args.memories, cutoff_ratio=None if args.no_cutoff else args.cutoff_ratio,
                  detector_count_rate_hz=args.detector_count_rate, swap_degradation=args.swap_degradation)

    print(f"SeQUeNCe vs qnsim, linear chain: {args.hop_km:g} km hops at {args.attenuation:g} dB/km, "
          f"{args.memories} memories per side, {args.frequency:g} Hz, memory efficiency "
          f"{args.memory_efficiency:g}, detector efficiency {args.detector_efficiency:g}, raw F "
          f"{args.raw_fidelity:g}, coherence {args.coherence:g} s, {args.sim_time:g} s simulated, "
          f"formalism {args.formalism}, {args.repeats} repeat(s)"
          + (", SeQUeNCe's silent non-emission patched" if args.fix_silent else ""))
    print(f"python {platform.python_version()}, {platform.machine()}, {platform.node()}\n")

    qnsim_reason = None
    rows = []
    dump = {"params": params, "args": vars(args) | {"json": str(args.json)}, "results": {}}
    notes = None
    for n in args.nodes:
        seq_runs, q_runs = [], []
        for r in range(args.repeats):
            seed = args.seed + r
            with silent_non_emission_fixed() if args.fix_silent else contextlib.nullcontext():
                res = run_sequence_chain(num_nodes=n, seed=seed, **params)
            notes = res["model_notes"]   # the last (longest) chain: its swap order is the most telling
            seq_runs.append(res)
            if not args.skip_qnsim and qnsim_reason is None:
                try:
                    q_runs.append(run_qnsim_chain(num_nodes=n, seed=seed, qnsim_formalism=args.qnsim_formalism,
                                                  **params))
                except NotImplementedError as exc:
                    qnsim_reason = f"qnsim: {exc}"
        s = _summarize(seq_runs)
        q = _summarize(q_runs) if q_runs else None
        ratio = (s["wall_s"] / q["wall_s"]) if q and q["wall_s"] > 0 else None
        cpu_ratio = (s["cpu_s"] / q["cpu_s"]) if q and q["cpu_s"] > 0 else None
        rows.append((n, s, q, ratio, cpu_ratio))
        strip = lambda runs: [{k: v for k, v in x.items() if k != "model_notes"} for x in runs]  # noqa: E731
        dump["results"][n] = {"sequence": strip(seq_runs), "qnsim": strip(q_runs)}
        eps = s.get("events_per_s", float("nan"))
        print(f"N={n:>3}  SeQUeNCe {s['wall_s']:8.2f} s  ({eps:,.0f} events/s)"
              f"  pairs {_fmt_pairs(s):>14}  F {_fmt_fid(s):>20}  link p {s['link_success']:.4f}"
              f" ± {s['link_success_stderr']:.4f} (expected {s['link_success_expected']:.4f})"
              f" | qnsim {'n/a' if q is None else format(q['wall_s'], '.3f') + ' s'}"
              f"  pairs {_fmt_pairs(q)}  F {_fmt_fid(q)}"
              f"  ratio {'n/a' if ratio is None else format(ratio, '.1f')}"
              f"  CPU {s['cpu_s']:.2f} s / {'n/a' if q is None else format(q['cpu_s'], '.5f')} s ="
              f" {'n/a' if cpu_ratio is None else format(cpu_ratio, '.0f')}x",
              flush=True)

    header = ("N", "SeQUeNCe wall s", "qnsim wall s", "ratio", "SeQUeNCe CPU s", "qnsim CPU s", "CPU ratio",
              "SeQUeNCe pairs", "qnsim pairs", "SeQUeNCe mean F", "qnsim mean F")
    table = []
    for n, s, q, ratio, cpu_ratio in rows:
        table.append((str(n), f"{s['wall_s']:.2f}", "n/a" if q is None else f"{q['wall_s']:.5f}",
                      "n/a" if ratio is None else f"{ratio:.1f}", f"{s['cpu_s']:.2f}",
                      "n/a" if q is None else f"{q['cpu_s']:.5f}", "n/a" if cpu_ratio is None else f"{cpu_ratio:.0f}",
                      _fmt_pairs(s), _fmt_pairs(q), _fmt_fid(s), _fmt_fid(q)))
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(header)]
    print("\n" + "  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for r in table:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))
    print("(wall, CPU: medians of repeats, process CPU time of the simulation run: SeQUeNCe's Timeline.run(), which "
          "books delivery times and fidelities as pairs arrive; qnsim's run() plus reading its deliveries out; "
          "bench/README.md says what each covers. Pairs: mean ± SE over repeats; F: mean ± SE over all delivered "
          "pairs)")
    if qnsim_reason:
        print(qnsim_reason)
    if args.markdown:
        print("\n| " + " | ".join(header) + " |")
        print("|" + "|".join("---:" for _ in header) + "|")
        for r in table:
            print("| " + " | ".join(r) + " |")
    print("\n" + (notes or ""))
    if args.json:
        args.json.write_text(json.dumps(dump, indent=1, default=str))
        print(f"\nper-run results written to {args.json}")
    return 0


if __name__ == "__main__":
    t0 = time.perf_counter()
    rc = main()
    print(f"\n(total {time.perf_counter() - t0:.1f} s)")
    sys.exit(rc)
