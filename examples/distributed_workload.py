"""A distributed fault-tolerant machine in the spirit of IBM and Cisco's plan: four error-corrected
QPUs of 200 logical qubits each, linked through microwave-optical transducers and quantum network
units (QNUs), running a 10^12-gate logical workload.

It prints, for a target runtime, the Bell-pair rate and fidelity each link needs, and (when
matplotlib is installed) plots the runtime against transducer efficiency.

LINK MODEL (a stand-in until qnsim.hardware / qnsim.link_models land in this tree): each link is
QPU -> transducer -> fiber -> QNU (heralding station) <- fiber <- transducer <- QPU, heralded by
a two-photon (double-click) measurement, so one attempt succeeds with probability
(eta_transducer * eta_rest)^2 / 2 and the pair rate scales as eta_transducer^2. The raw pair
fidelity is a fixed, labeled assumption (added transducer noise is not modeled here). The
estimator only sees objects with `rate_hz` and `fidelity`, so a real LinkModel or a network
calibration plugs in unchanged through `link_from_model`.

Run: python examples/distributed_workload.py [--target-hours 48] [--plot runtime.png]
"""

from __future__ import annotations

import argparse
import dataclasses

from qnsim.estimate import QPU, SurfaceCode, Workload, estimate, link_from_model, partition

N_QPUS = 4
LOGICAL_PER_QPU = 200


@dataclasses.dataclass(frozen=True)
class TransducerLinkStandIn:
    """Simple labeled model of a transducer-QNU-transducer link (see module docstring)."""

    transducer_efficiency: float
    other_efficiency: float = 0.5  # Fiber to the QNU, coupling, detectors (per arm).
    attempt_rate_hz: float = 10e6  # Attempt repetition rate.
    raw_fidelity: float = 0.95  # Assumed raw heralded-pair fidelity.
    fiber_latency_s: float = 10e-6  # About 2 km of fiber one way.

    @property
    def success_probability(self) -> float:
        eta = self.transducer_efficiency * self.other_efficiency
        return eta * eta / 2  # Two-photon herald: both photons must arrive.

    @property
    def attempt_period_s(self) -> float:
        return 1.0 / self.attempt_rate_hz

    @property
    def rate_hz(self) -> float:
        return self.success_probability * self.attempt_rate_hz

    @property
    def fidelity(self) -> float:
        return self.raw_fidelity


def workload_text() -> str:
    """800 logical qubits; each QPU's 200 qubits interact along a chain (brickwork CNOT layers),
    8 CNOTs per layer cross QPUs. Per layer: 800 H, 8 T, 799 chain CX, 8 remote CX, 2 M ->
    1,617 gates; about 6.2e8 layers = 1e12 gates."""
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target-hours", type=float, default=48.0, help="runtime the job must finish in")
    ap.add_argument(
        "--plot", default="distributed_runtime_vs_efficiency.png", help="output image (matplotlib)"
    )
    args = ap.parse_args()

    w = Workload(workload_text())
    qpus = [
        QPU.preset(
            "qubit_gate_ns_e4", surface_code=SurfaceCode(), logical_qubits=LOGICAL_PER_QPU, name=f"QPU{i}"
        )
        for i in range(N_QPUS)
    ]
    counts = w.counts
    placement = partition(
        counts.num_qubits, [q.capacity for q in qpus], (counts.pair_a, counts.pair_b, counts.pair_weight)
    )
    pairs = [(a, b) for a in range(N_QPUS) for b in range(a + 1, N_QPUS)]

    def links_for(eta: float):
        model = TransducerLinkStandIn(eta)
        return [link_from_model(model, key, latency_s=model.fiber_latency_s) for key in pairs]

    print(
        f"workload: {counts.total_gates:.3g} logical gates on {counts.num_qubits} logical qubits, "
        f"{counts.t_count:.3g} T, cut {placement.cut:.3g} remote CNOTs"
    )
    base = estimate(w, qpus, links_for(0.5), placement=placement)
    ec = base.error_corrected
    print(
        f"surface code: d = {ec['code_distance']}, {ec['physical_per_logical']} physical qubits per logical, "
        f"logical cycle {ec['logical_cycle_s'] * 1e6:.2f} us, physical qubits per QPU "
        f"{ec['physical_qubits_per_qpu']} (T factories not modeled)"
    )
    print(f"local compute alone: {base.time_local_s / 3600:.3g} h")

    target_s = args.target_hours * 3600
    print(f"\nTo finish in {args.target_hours:g} h, each link needs:")
    print(
        f"{'link':<6} {'remote ops':>12} {'pairs':>12} {'F needed':>9} {'raw F':>6} {'rounds':>6} "
        f"{'F out':>8} {'raw pairs/s':>12} {'no-stall rate':>14}"
    )
    for lk in base.links:
        need_rate = lk.raw_bell_pairs / target_s
        print(
            f"{lk.qpus[0]}-{lk.qpus[1]:<4} {lk.remote_gates:>12.3g} {lk.bell_pairs:>12.3g} "
            f"{lk.required_fidelity:>9.5f} {lk.raw_fidelity:>6.3f} {lk.purification_rounds:>6} "
            f"{lk.delivered_fidelity:>8.5f} {need_rate:>12.3g} {lk.required_rate_hz:>14.3g}"
        )
    print(
        "raw pairs/s: the raw rate at which the link keeps up with the target runtime; no-stall rate:\n"
        "the raw rate at which lattice surgery never waits (d pairs per syndrome round)."
    )
    if base.time_local_s > target_s:
        print(f"(local compute alone takes {base.time_local_s / 3600:.3g} h > target: no link rate suffices)")

    effs = [10 ** (-3 + 3 * i / 24) for i in range(25)]
    runtimes = []
    for eta in effs:
        r = estimate(w, qpus, links_for(eta), placement=placement)
        runtimes.append(r.wall_clock_s)
    print("\ntransducer efficiency -> runtime (stand-in link model, rate ~ efficiency^2):")
    for eta, t in list(zip(effs, runtimes))[::4]:
        print(
            f"  eta = {eta:8.4f}: link rate {TransducerLinkStandIn(eta).rate_hz:10.3g} pairs/s, "
            f"runtime {t / 3600:10.3g} h"
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
    ax.set_title("10^12-gate workload on 4 x 200 logical qubits\n(stand-in link model: rate ~ efficiency^2)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.plot, dpi=120)
    print(f"plot written to {args.plot}")


if __name__ == "__main__":
    main()
