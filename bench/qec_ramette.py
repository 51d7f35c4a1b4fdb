"""Reproduces the threshold study of Ramette, Sinclair, Breuckmann, Vuletic, npj Quantum Inf. 10, 58 (2024).

A rotated surface-code memory split across two QPUs by a seam along logical X (Z basis: a logical
failure can run along the seam), ``d`` rounds, circuit-level depolarizing noise ``p_bulk`` on every
operation and idle step, and seam CNOTs with error ``p_int``:

* ``direct``: each seam CNOT followed by DEPOLARIZE2(p_int) (instead of p_bulk);
* ``teleported``: each seam CNOT teleported through a Werner pair of infidelity p_int, its local
  gates and measurements with the bulk noise;
* ``direct-noidle``: ``direct`` with no idle noise in the bulk (on two rays only), to measure how
  much of the bulk threshold the idle errors of our model cost.

Two studies, sampled with sinter + PyMatching (``qnsim.qec.collect``; multi-core, stop at
``--max-errors`` errors or ``--max-shots`` shots per point; resumable: the statistics stream to
``--out``/stats.csv and a rerun skips what is there):

1. curves: logical error per round against p_int at fixed p_bulk, d = 3, 5, 7, 9;
2. the threshold line in the (p_bulk, p_int) plane: along rays p_int = r p_bulk, the crossing of
   d = 7 and 9 in p_bulk, with 95% parametric-bootstrap intervals.

    python bench/qec_ramette.py run [--workers 2] [--out bench/results/qec_ramette]
    python bench/qec_ramette.py analyze [--out ...]      # thresholds table (markdown) and plots
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os

import numpy as np

from qnsim import qec

DISTANCES = (3, 5, 7, 9)
# Ray slope r -> a rough threshold guess in p_bulk (from a coarse d = 3, 5, 7 scan); each ray is
# sampled on a grid from 0.6 to 1.5 times the guess.
RAYS = {1: 0.0085, 10: 0.008, 14: 0.0076, 30: 0.006, 50: 0.0045, 100: 0.003}
# The teleported seam is sampled on fewer rays and one curve (it tracks the direct one closely).
TELEPORTED_RAYS = (1, 14, 50)
TELEPORTED_CURVES = (0.005,)
RAY_FACTORS = (0.6, 0.75, 0.88, 1.0, 1.13, 1.28, 1.5)
# Curves at fixed bulk error: p_bulk -> p_int grid.
CURVES = {
    0.003: (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4),
    0.005: (0.05, 0.08, 0.11, 0.14, 0.17, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5),
    0.006: (0.04, 0.06, 0.08, 0.1, 0.12, 0.14, 0.17, 0.2, 0.25, 0.3, 0.4),
}
# "direct-noidle": the direct seam with no idle noise in the bulk (measures how much of the gap
# between our bulk threshold and the paper's ~1% is the idle errors of our model).
SCHEMES = ("direct", "teleported", "direct-noidle")
NOIDLE_RAYS = {1: 0.0095, 14: 0.0095}


def _interface(scheme: str, p_int: float) -> qec.Interface:
    if scheme.startswith("direct"):
        return qec.Interface.direct(p_int)
    return qec.Interface.werner(p_int)


def _noise(scheme: str, p: float) -> qec.NoiseModel:
    if scheme == "direct-noidle":
        return qec.NoiseModel(two_qubit=p, one_qubit=p, reset=p, measure=p, idle=0.0, idle_measure=0.0,
                              name="uniform-noidle")
    return qec.NoiseModel.uniform_depolarizing(p)


def tasks(schemes=SCHEMES, rays=None, curves=True):
    """The study's circuits; ``schemes``, ``rays`` (slopes r) and ``curves`` select a part of it."""
    seen = set()
    for scheme in schemes:
        points = []
        for r, guess in (NOIDLE_RAYS if scheme == "direct-noidle" else RAYS).items():
            if (scheme == "teleported" and r not in TELEPORTED_RAYS) or (rays is not None and r not in rays):
                continue
            for f in RAY_FACTORS:
                p = round(guess * f, 6)
                points.append((p, round(min(r * p, 0.74), 6), f"ray{r}"))
        for p_bulk, grid in CURVES.items():
            if not curves or scheme == "direct-noidle" or (scheme == "teleported" and p_bulk not in TELEPORTED_CURVES):
                continue
            if scheme == "teleported":
                grid = grid[:7]
            for p_int in grid:
                points.append((p_bulk, p_int, f"curve{p_bulk}"))
        for p_bulk, p_int, study in points:
            for d in DISTANCES:
                key = (scheme, p_bulk, p_int, d)
                if key in seen:
                    continue
                seen.add(key)
                circuit = qec.memory_circuit(d, d, "Z", noise=_noise(scheme, p_bulk),
                                             interface=_interface(scheme, p_int))
                yield circuit, {"scheme": scheme, "p_bulk": p_bulk, "p_int": p_int, "d": d, "rounds": d}


def run(args) -> None:
    os.makedirs(args.out, exist_ok=True)
    all_tasks = list(tasks(args.schemes, args.rays, not args.no_curves))
    print(f"{len(all_tasks)} tasks -> {args.out}/stats.csv (resumable)", flush=True)
    qec.collect(
        all_tasks,
        max_shots=args.max_shots,
        max_errors=args.max_errors,
        num_workers=args.workers,
        save_resume_filepath=os.path.join(args.out, "stats.csv"),
        print_progress=args.progress,
    )


def _load(out: str) -> list[dict]:
    import sinter

    rows = []
    for s in sinter.read_stats_from_csv_files(os.path.join(out, "stats.csv")):
        m = s.json_metadata
        rows.append({**m, "distance": m["d"], "shots": s.shots, "errors": s.errors})
    # sinter may hold several entries per task (appended runs): sum them.
    merged: dict[tuple, dict] = {}
    for r in rows:
        key = (r["scheme"], r["p_bulk"], r["p_int"], r["d"])
        if key in merged:
            merged[key]["shots"] += r["shots"]
            merged[key]["errors"] += r["errors"]
        else:
            merged[key] = dict(r)
    return list(merged.values())


def _ray_rows(rows, scheme, r):
    return [x for x in rows if x["scheme"] == scheme and x["p_bulk"] > 0
            and math.isclose(x["p_int"], min(r * x["p_bulk"], 0.74), rel_tol=1e-6)]


def _bound(est, scale: float, digits: int) -> str:
    points = est.usable or est.grid
    if est.side == "above":
        return f"> {scale * max(points):.{digits}f}% (d = 9 lowest up to there)"
    if est.side == "below":
        return f"< {scale * min(points):.{digits}f}% (d = 9 highest from there)"
    return "no clear crossing"


def _flags(est) -> str:
    """The estimate's notes in short: a crossing outside its usable points, lines through two points."""
    flags = []
    for note in est.notes:
        if "extrapolated" in note:
            flags.append("extrapolated")
        elif "only" in note and "usable points" in note:
            flags.append(f"{len(est.usable)}-point lines")
    return ", ".join(flags)


def analyze(args) -> None:
    rows = _load(args.out)
    results = {"rays": [], "curves": []}
    lines = ["| seam | ray p_int / p_bulk | p_bulk threshold [95% CI] | p_int at threshold | d=3/5 | d=5/7 | d=7/9 "
             "| notes |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for scheme in SCHEMES:
        for r in RAYS:
            sel = _ray_rows(rows, scheme, r)
            if len({x["d"] for x in sel}) < 2 or len({x["p_bulk"] for x in sel}) < 3:
                continue
            est = qec.estimate_threshold(sel, x_key="p_bulk", bootstrap=args.bootstrap, seed=1)
            results["rays"].append({"scheme": scheme, "r": r, "value": est.value, "low": est.low, "high": est.high,
                                    "pairwise": {f"{a}/{b}": v for (a, b), v in est.pairwise.items()}})
            pw = [est.pairwise.get(k) for k in ((3, 5), (5, 7), (7, 9))]

            def fmt(v):
                return "-" if v is None else f"{100 * v:.2f}%"

            ci = "" if est.low is None else f" [{100 * est.low:.2f}, {100 * est.high:.2f}]"
            pint = "-" if est.value is None else f"{100 * min(r * est.value, 0.74):.1f}%"
            main = fmt(est.value) + ci if est.value is not None else _bound(est, 100, 2)
            lines.append(f"| {scheme} | {r} | {main} | {pint} | " + " | ".join(fmt(v) for v in pw)
                         + f" | {_flags(est)} |")
    lines.append("")
    lines.append("| seam | p_bulk | p_int threshold [95% CI] | d=3/5 | d=5/7 | d=7/9 | notes |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- |")
    for scheme in SCHEMES:
        for p_bulk in CURVES:
            sel = [x for x in rows if x["scheme"] == scheme and x["p_bulk"] == p_bulk
                   and x["p_int"] in CURVES[p_bulk]]
            if len({x["d"] for x in sel}) < 2:
                continue
            est = qec.estimate_threshold(sel, x_key="p_int", bootstrap=args.bootstrap, seed=1)
            bound = max(est.usable or est.grid) if est.value is None and est.side == "above" else None
            results["curves"].append({"scheme": scheme, "p_bulk": p_bulk, "value": est.value, "low": est.low,
                                      "high": est.high, "bound": bound})
            pw = [est.pairwise.get(k) for k in ((3, 5), (5, 7), (7, 9))]

            def fmt(v):
                return "-" if v is None else f"{100 * v:.1f}%"

            ci = "" if est.low is None else f" [{100 * est.low:.1f}, {100 * est.high:.1f}]"
            main = fmt(est.value) + ci if est.value is not None else _bound(est, 100, 1)
            lines.append(f"| {scheme} | {100 * p_bulk:.1f}% | {main} | " + " | ".join(fmt(v) for v in pw)
                         + f" | {_flags(est)} |")
    print("\n".join(lines))
    with open(os.path.join(args.out, "thresholds.json"), "w") as f:
        json.dump(results, f, indent=1)
    _plots(rows, results, args.out)


def _plots(rows, results, out) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(CURVES), figsize=(5 * len(CURVES), 4), sharey=False)
    for ax, (p_bulk, grid) in zip(np.atleast_1d(axes), CURVES.items()):
        for scheme, style in (("direct", "-o"), ("teleported", "--s")):
            by_d = collections.defaultdict(list)
            for x in rows:
                if x["scheme"] == scheme and x["p_bulk"] == p_bulk and x["p_int"] in grid:
                    by_d[x["d"]].append(x)
            for d in sorted(by_d):
                pts = sorted(by_d[d], key=lambda x: x["p_int"])
                est = [qec.LogicalErrorEstimate(x["shots"], x["errors"], rounds=d) for x in pts]
                y = [e.per_round for e in est]
                lo = [y_ - e.per_round_interval()[0] for y_, e in zip(y, est)]
                hi = [e.per_round_interval()[1] - y_ for y_, e in zip(y, est)]
                ax.errorbar([x["p_int"] for x in pts], y, yerr=[lo, hi], fmt=style, ms=3, capsize=2,
                            label=f"{scheme} d={d}", color=f"C{DISTANCES.index(d)}",
                            alpha=0.9 if scheme == "direct" else 0.6)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("interface error p_int")
        ax.set_title(f"bulk error {100 * p_bulk:.1f}%")
        ax.grid(True, which="both", alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("logical error per round")
    np.atleast_1d(axes)[-1].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "qec_ramette_curves.png"), dpi=75)

    fig, ax = plt.subplots(figsize=(6, 4.8))
    for scheme, marker in (("direct", "o"), ("teleported", "s"), ("direct-noidle", "^")):
        pts = [(x["value"], min(x["r"] * x["value"], 0.74), x["low"], x["high"], x["r"])
               for x in results["rays"] if x["scheme"] == scheme and x["value"] is not None]
        pts.sort(key=lambda p: p[4])  # along the rays, from the bulk axis up
        if not pts:
            continue
        xb = np.array([p[0] for p in pts])
        yi = np.array([p[1] for p in pts])
        xerr = np.array([[p[0] - (p[2] if p[2] is not None else p[0]) for p in pts],
                         [(p[3] if p[3] is not None else p[0]) - p[0] for p in pts]])
        yerr = xerr * np.array([p[4] for p in pts])
        ax.errorbar(100 * xb, 100 * yi, xerr=100 * xerr, yerr=100 * yerr, fmt=marker + "-", capsize=2,
                    label=f"{scheme} seam (d = 7/9 crossing, 95% CI)")
    bounds = [(x["p_bulk"], x["bound"]) for x in results["curves"] if x.get("bound")]
    if bounds:
        ax.plot([100 * b[0] for b in bounds], [100 * b[1] for b in bounds], "^", color="C0", mfc="none", ms=9,
                label="direct: threshold above (d = 9 still best)")
    xs = np.linspace(0, 1.0, 50)
    ax.plot(xs, 14 * xs, ":", color="gray", label="p_int = 14 p_bulk")
    ax.plot([1.0], [10.0], "k*", ms=12, label="Ramette et al.: ~1% bulk, ~10% interface")
    ax.set_xlabel("bulk error p_bulk (%)")
    ax.set_ylabel("interface error p_int (%)")
    ax.set_xlim(0, 1.1)
    ax.set_ylim(0, 40)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("threshold line (below: correctable)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "qec_ramette_threshold_line.png"), dpi=90)
    print(f"plots -> {out}/qec_ramette_curves.png, {out}/qec_ramette_threshold_line.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["run", "analyze"])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "qec_ramette"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-errors", type=int, default=1000)
    parser.add_argument("--max-shots", type=int, default=300_000)
    parser.add_argument("--bootstrap", type=int, default=400)
    parser.add_argument("--progress", action="store_true")
    # A part of the study (run): e.g. the teleported seam's rays only, after a change to how it is written.
    parser.add_argument("--schemes", nargs="+", choices=SCHEMES, default=SCHEMES)
    parser.add_argument("--rays", nargs="+", type=int, default=None, help="ray slopes r to sample (default: all)")
    parser.add_argument("--no-curves", action="store_true", help="skip the curves at fixed bulk error")
    args = parser.parse_args()
    run(args) if args.command == "run" else analyze(args)


if __name__ == "__main__":
    main()
