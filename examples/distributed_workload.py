"""A distributed fault-tolerant machine in the spirit of IBM and Cisco's plan: four error-corrected
QPUs of 200 logical qubits each, linked through microwave-optical transducers and quantum network
units (QNUs), running a 10^12-gate logical workload.

It prints, for a target runtime, the Bell-pair rate and fidelity each link needs, and (when
matplotlib is installed) plots the runtime against transducer efficiency.

LINK MODEL: each link is QPU -> transducer -> 5 km fiber -> QNU (heralding station) <- 5 km
fiber <- transducer <- QPU with Barrett-Kok (double-click) heralding, from
qnsim.presets.superconducting_transducer_link(improvement=1000) (IBM's 1000x target regime,
arXiv 2503.10842) with the transducer efficiency swept; rate and raw fidelity come from the
closed-form heralded-link model (qnsim.link_models.heralded_link), which includes the
transducers' added noise. `qnsim estimate --links` can instead calibrate a link by simulating a
network scenario (see qnsim.estimate.calibrate_link).

Run: python examples/distributed_workload.py [--target-hours 48] [--out runtime.png]

The plot goes to ``--out`` (a file, whose suffix names the format, or a directory), by default
``distributed_runtime_vs_efficiency.png`` in the current directory; its absolute path is printed before the
estimates start and again once it is written. ``--plot`` is the same option under its former name.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os

from qnsim import Fiber, superconducting_transducer_link
from qnsim.estimate import QPU, SurfaceCode, Workload, estimate, link_from_model, partition

#: The plot's file name when ``--out`` is not given (written in the current directory) or names a directory.
PLOT_NAME = "distributed_runtime_vs_efficiency.png"

N_QPUS = 4
LOGICAL_PER_QPU = 200


LINK_KM = 10.0
#: Memories per link end for the distilled pairs buffered and under way in purification (each round waits a fiber
#: delay for its outcome): 1,000, fewer than the 5,789-17,366 heralded channels (each with its memories) the 48 h
#: target asks for, is enough that the channels, not these memories, set each link's pace (128 is not: no channel
#: count then meets the target).
BUFFER_PAIRS = 1000


def transducer_link(efficiency: float):
    """The heralded link of the x1000 superconducting preset with the given transducer efficiency."""
    preset = superconducting_transducer_link(improvement=1000)
    transducer = dataclasses.replace(preset.transducer, efficiency=efficiency)
    return dataclasses.replace(preset, transducer=transducer).link(LINK_KM)


def workload_text() -> str:
    """800 logical qubits on a chain (brickwork CNOT layers) plus 8 CNOTs per layer between the
    QPUs' blocks of 200; the partitioner finds the cut (9 remote CNOTs per layer: the chain joins
    the blocks too). Per layer: 800 H, 8 T, 799 chain CX, 8 long-range CX, 2 M -> 1,617 gates;
    about 6.2e8 layers = 1e12 gates."""
    n = N_QPUS * LOGICAL_PER_QPU
    h = " ".join(str(q) for q in range(n))
    even = " ".join(f"{q} {q + 1}" for q in range(0, n - 1, 2))
    odd = " ".join(f"{q} {q + 1}" for q in range(1, n - 1, 2))
    remote = (
        " ".join(
            f"{q * LOGICAL_PER_QPU + 7} {((q + 1) % N_QPUS) * LOGICAL_PER_QPU + 11}" for q in range(N_QPUS)
        )
        + " "
        + " ".join(
            f"{q * LOGICAL_PER_QPU + 50} {((q + 2) % N_QPUS) * LOGICAL_PER_QPU + 60}" for q in range(N_QPUS)
        )
    )
    t = " ".join(str(q * 100) for q in range(8))
    m = "3 403"
    layers = round(1e12 / (n + 8 + (n - 1) + 8 + 2))
    return (
        f"REPEAT {layers // 1000} {{\n  REPEAT 1000 {{\n    H {h}\n    T {t}\n    CX {even}\n    CX {odd}\n"
        f"    CX {remote}\n    M {m}\n  }}\n}}\n"
    )


def plot_path(out: str) -> str:
    """The plot's absolute path, checked before the estimates run (about a minute): a directory gets
    :data:`PLOT_NAME` in it. Before, the plot was written silently into the current directory under a name the
    README did not give, and a missing directory failed only at the end, after every estimate."""
    path = os.path.abspath(out)
    if os.path.isdir(path):
        path = os.path.join(path, PLOT_NAME)
    if not os.path.isdir(os.path.dirname(path)):
        raise SystemExit(f"--out {out!r}: no directory {os.path.dirname(path)!r} to write the plot in")
    if not os.path.splitext(path)[1]:
        raise SystemExit(f"--out {out!r} has no suffix to name the image format (e.g. {out + '.png'!r})")
    return path


def target_hours(text: str) -> float:
    """``--target-hours`` as a positive, finite number of hours. Before, 0, -3 or nan were taken and the script
    printed the first estimates, then failed (or judged against a nonsensical limit) after half a minute."""
    try:
        hours = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of hours, got {text!r}") from None
    if not math.isfinite(hours) or hours <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive, finite number of hours (e.g. 48), got {text!r}")
    return hours


def main(argv: list[str] | None = None) -> None:
    """Prints the estimates and the link table, and writes the plot (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target-hours", type=target_hours, default=48.0, help="runtime the job must finish in (hours)")
    ap.add_argument(
        "--out", "--plot", dest="out", default=PLOT_NAME,
        help=f"the plot's file (its suffix names the format) or a directory for {PLOT_NAME} in it "
        f"(default: {PLOT_NAME} in the current directory; needs matplotlib)",
    )
    args = ap.parse_args(argv)
    path = plot_path(args.out)
    print(f"plot: {path} (when matplotlib is installed; --out to choose)")

    w = Workload(workload_text())
    qpus = [
        QPU.preset(
            "qubit_gate_ns_e4", surface_code=SurfaceCode(), logical_qubits=LOGICAL_PER_QPU, name=f"QPU{i}"
        )
        for i in range(N_QPUS)
    ]
    counts = w.counts
    placement = partition(
        counts.qubit_index_bound,
        [q.capacity for q in qpus],
        (counts.pair_a, counts.pair_b, counts.pair_weight),
        qubits=counts.used_qubits,
    )
    pairs = [(a, b) for a in range(N_QPUS) for b in range(a + 1, N_QPUS)]

    latency_s = Fiber(LINK_KM).delay_s

    def links_for(eta: float):
        model = transducer_link(eta)
        return [link_from_model(model, key, latency_s=latency_s, buffer_pairs=BUFFER_PAIRS) for key in pairs]

    print(
        f"workload: {counts.total_gates:.3g} logical gates on {counts.num_qubits} logical qubits, "
        f"{counts.t_count:.3g} T, cut {placement.cut:.3g} remote CNOTs"
    )
    base = estimate(w, qpus, links_for(0.5), placement=placement)
    ec = base.error_corrected
    tf = ec.t_factory
    print(
        f"surface code (sized for the run at transducer efficiency 0.5): d = {ec.code_distance}, "
        f"{ec.physical_per_logical} physical qubits per logical, logical cycle {ec.logical_cycle_s * 1e6:.2f} us, "
        f"physical qubits per QPU {ec.physical_qubits_per_qpu} incl. {tf.factories_per_qpu[0]} T factories of "
        f"{tf.physical_qubits_per_factory:,} qubits each"
    )
    # Without max_runtime_s the verdict weighs qubits and errors only: say how long the run is beside it.
    print(
        f"verdict at efficiency 0.5, one channel per link, no runtime limit: {base.verdict}, runtime "
        f"{base.wall_clock_s / 3600:.3g} h (bound: {base.bound})" + "".join(f"\n  - {x}" for x in base.reasons)
    )
    print(f"local compute alone: {base.time_local_s / 3600:.3g} h")

    target_s = args.target_hours * 3600

    def fitted(eta: float):
        """The estimate with as many parallel channels per link as the run needs to finish in the
        target time (the estimator's own answer: it re-estimates with the channels it suggests, since
        a shorter run changes the code distance and the purification rounds), or None."""
        links = links_for(eta)
        planned = estimate(w, qpus, links, placement=placement, max_runtime_s=target_s)
        if planned.wall_clock_s <= target_s:
            return planned, {lk.key: 1 for lk in links}
        need = {lk.qpus: lk.channels_for_runtime_limit for lk in planned.links}
        if any(n is None for n in need.values()):
            print("no number of channels meets the target:", *[r for r in planned.reasons if r.startswith("runtime")])
            return None, None
        channels = {lk.key: need.get(lk.key) or 1 for lk in links}
        scaled = [dataclasses.replace(lk, channels=channels[lk.key]) for lk in links]
        return estimate(w, qpus, scaled, placement=placement, max_runtime_s=target_s), channels

    fit, channels = fitted(0.5)
    if fit is not None:
        fec = fit.error_corrected
        print(
            f"\nTo finish in {args.target_hours:g} h at transducer efficiency 0.5 ({transducer_link(0.5).rate_hz:.3g} "
            f"pairs/s per channel), each link needs (estimated with these channels: "
            f"{fit.wall_clock_s / 3600:.3g} h, d = {fec.code_distance}, {fit.verdict}):"
        )
        print(
            f"{'link':<6} {'remote ops':>12} {'pairs':>12} {'err/op':>9} {'raw F':>6} {'rounds':>6} "
            f"{'F out':>8} {'channels':>9} {'raw pairs/s':>12} {'no-stall rate':>14}"
        )
        for lk in fit.links:
            print(
                f"{lk.qpus[0]}-{lk.qpus[1]:<4} {lk.remote_gates:>12.3g} {lk.bell_pairs:>12.3g} "
                f"{lk.remote_error_per_operation:>9.2g} {lk.raw_fidelity:>6.3f} {lk.purification_rounds:>6} "
                f"{lk.delivered_fidelity:>8.5f} {lk.channels:>9,} {lk.rate_hz * lk.channels:>12.3g} "
                f"{lk.required_rate_hz:>14.3g}"
            )
        print(
            "pairs: distilled pairs the link delivers over the run; err/op: the pairs' share of each remote\n"
            "operation's failure probability; raw pairs/s: channels x the link's rate, enough for the target runtime;\n"
            "no-stall rate: the raw rate at which lattice surgery never waits (2d - 1 pairs per syndrome round)."
        )

    effs = [10 ** (-3 + 3 * i / 24) for i in range(25)]
    runtimes = []
    for eta in effs:
        r = estimate(w, qpus, links_for(eta), placement=placement)
        runtimes.append(r.wall_clock_s)
    print("\ntransducer efficiency -> runtime (heralded-link model of the x1000 transducer preset):")
    for eta, t in list(zip(effs, runtimes))[::4]:
        model = transducer_link(eta)
        print(
            f"  eta = {eta:8.4f}: link rate {model.rate_hz:10.3g} pairs/s, raw F {model.fidelity:.4f}, "
            f"runtime {t / 3600:10.3g} h"
        )
    best = transducer_link(1.0)
    _, lossless = fitted(1.0)
    if lossless is not None:
        print(
            f"\neven a lossless transducer gives {best.rate_hz:.3g} pairs/s per heralded channel over {LINK_KM:g} km: "
            f"the busiest link needs {max(lossless.values()):,} channels multiplexed in parallel to finish in "
            f"{args.target_hours:g} h"
        )
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib not installed: no plot)")
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(effs, [t / 3600 for t in runtimes], marker="o")
    ax.axhline(base.time_local_s / 3600, ls="--", color="gray", label="local compute bound")
    ax.axhline(args.target_hours, ls=":", color="red", label=f"target {args.target_hours:g} h")
    ax.set_xlabel("transducer efficiency")
    ax.set_ylabel("runtime (h)")
    ax.set_title("10^12-gate workload on 4 x 200 logical qubits\n(x1000 transducer preset, 10 km links)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"plot written to {path}")


if __name__ == "__main__":
    main()
