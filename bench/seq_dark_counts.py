"""Barrett-Kok heralding with dark counts: SeQUeNCe 1.3.1 (ket mode) against qnsim's link model.

One link (2 routers, 2 km, one memory per side, 20 kHz, memory and detector efficiency 0.9, 0.2 dB/km) with the
BSM detectors' time resolution widened to 100 ns, so that dark counts of 3e5-1e6 Hz give lambda = 0.03-0.1 false
clicks per detector and window (at SeQUeNCe's default 150 ps they would need ~1e9 Hz and as many events).

Printed per dark-count rate: SeQUeNCe's measured heralds per attempt (mean over seeds, standard error), qnsim's
``heralded_link("double_click")`` success probability for the same arm efficiency and window (threshold detectors:
a round heralds when exactly one detector fires, p_dark = 1 - exp(-lambda)), the prediction of SeQUeNCe's own rule
(a round heralds when the number of clicks of both detectors within the window is odd: its BarretKokA sets the
result on the first click and clears it on the second), z of SeQUeNCe against each, and both sides' fidelity
(SeQUeNCe's is Memory.raw_fidelity whatever clicked; qnsim's follows from the clicks).

Run in the SeQUeNCe venv with qnsim importable (or pass --sequence-only and compare later):

    nice bench/.venv-sequence/bin/python bench/seq_dark_counts.py --seeds 6 --sim-time 0.05
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

HOP_KM = 2.0
EFFICIENCY = 0.9  # memory (emission) and detector alike
WINDOW_PS = 100_000


def arm_efficiency() -> float:
    return EFFICIENCY * 10 ** (-0.2 * (HOP_KM / 2) / 10) * EFFICIENCY


def sequence_rule(rate_hz: float) -> float:
    """Heralds per attempt under SeQUeNCe's rule: emitters in |+>, two rounds (X between), a round heralds on an
    odd number of clicks of the two detectors together. Dark clicks are Poisson(2 lambda) in all, odd with
    P_o = (1 - exp(-4 lambda)) / 2; photons give at most one click (V = 1: two photons bunch into one detector,
    whose two clicks at one instant SeQUeNCe merges). Per configuration of bright emitters, h = P_o with no photon
    click, 1 - P_o with one; the rounds see |ij> and its flip, so p = (h00 h11 + h01 h10) / 2."""
    lam = rate_hz * WINDOW_PS * 1e-12
    odd = -math.expm1(-4 * lam) / 2
    even = 1 - odd
    eta = arm_efficiency()
    h00 = odd
    h01 = eta * even + (1 - eta) * odd
    h11 = (1 - (1 - eta) ** 2) * even + (1 - eta) ** 2 * odd
    return (h00 * h11 + h01 * h01) / 2


def qnsim_link(rate_hz: float):
    import qnsim_chain  # noqa: F401  (its import refuses a qnsim built from other sources than this tree)

    from qnsim.hardware import Detector, Fiber, Source
    from qnsim.link_models import heralded_link

    src = Source(attempt_rate_hz=2e4, emission_efficiency=EFFICIENCY)
    det = Detector(EFFICIENCY, dark_count_rate_hz=rate_hz, detection_window_s=WINDOW_PS * 1e-12)
    return heralded_link("double_click", src, src, Fiber(HOP_KM / 2), Fiber(HOP_KM / 2), det)


def run_sequence(rate_hz: float, seeds: list[int], sim_time_s: float) -> list[dict]:
    from sequence_chain import run_sequence_chain, silent_non_emission_fixed

    out = []
    for seed in seeds:
        with silent_non_emission_fixed():
            r = run_sequence_chain(num_nodes=2, seed=seed, sim_time_s=sim_time_s, formalism="ket",
                                   memories_per_side=1, hop_km=HOP_KM, frequency_hz=2e4,
                                   memory_efficiency=EFFICIENCY, detector_efficiency=EFFICIENCY,
                                   detector_dark_count_hz=rate_hz, detector_time_resolution_ps=WINDOW_PS)
        stats = r["link_stats"]
        out.append({"seed": seed, "attempts": stats["attempts"], "heralds": stats["heralded_pairs"],
                    "fidelity": r["mean_fidelity"]})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rates", type=float, nargs="+", default=[0.0, 3e5, 1e6], help="dark counts, Hz")
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--sim-time", type=float, default=0.05, help="simulated seconds per SeQUeNCe run")
    ap.add_argument("--save", type=Path, help="write SeQUeNCe's per-run figures here (JSON)")
    ap.add_argument("--load", type=Path, help="take SeQUeNCe's figures from this file; run only qnsim")
    ap.add_argument("--sequence-only", action="store_true", help="run only SeQUeNCe (needs --save)")
    args = ap.parse_args(argv)
    if args.sequence_only and not args.save:
        ap.error("--sequence-only needs --save")
    runs = json.loads(args.load.read_text()) if args.load else {}
    for rate in args.rates:
        key = f"{rate:g}"
        if key not in runs:
            runs[key] = run_sequence(rate, list(range(1, args.seeds + 1)), args.sim_time)
            if args.save:
                args.save.write_text(json.dumps(runs))
        seq = runs[key]
        per_run = [r["heralds"] / r["attempts"] for r in seq]
        mean = statistics.fmean(per_run)
        se = statistics.stdev(per_run) / math.sqrt(len(per_run)) if len(per_run) > 1 else float("nan")
        rule = sequence_rule(rate)
        line = (f"dark {rate:8.3g} Hz (lambda {rate * WINDOW_PS * 1e-12:.3f}): SeQUeNCe p {mean:.4f} ± {se:.4f} "
                f"(F {statistics.fmean(r['fidelity'] for r in seq):.4f}, {sum(r['attempts'] for r in seq)} attempts)"
                f" | its rule {rule:.4f} z {(mean - rule) / se:+.1f}")
        if not args.sequence_only:
            link = qnsim_link(rate)
            line += f" | qnsim p {link.success_probability:.4f} z {(mean - link.success_probability) / se:+.1f}, " \
                    f"F {link.fidelity:.4f}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
