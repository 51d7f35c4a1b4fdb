"""Transducer preset -> delivered pairs -> logical error of a distributed memory -> required pair rate.

Two superconducting QPUs 10 km apart, linked through microwave-optical transducers (preset
``superconducting_transducer_link(improvement=1000)``, Barrett-Kok heralding), hold one
surface-code patch split down the middle; every seam CNOT is teleported through a delivered pair.

1. Simulate the link (``qnsim.qec.measure_link``): rate and Bell-diagonal state of the pairs at
   delivery, for transmon memories (T1 = 300 us, T2 = 200 us) with and without one round of DEJMPS
   purification, and for 10 ms memories. With transmon memories the purified link does worse, and the
   output says why: fewer pairs (rounds wait longer) and, here, worse ones (a pair decays while it waits
   for its partner).
2. For each, the logical error per round of the distributed memory (d = 3, 5, rounds = d, uniform
   depolarizing bulk noise at the node's two-qubit gate error), as the pair rate is scaled up (parallel links along
   the seam): a slow link makes every round wait, and the data decay while they wait.
3. The pair rate whose mean batch of pairs takes one cycle (the least that keeps up: a Poisson supply at it
   still makes some rounds wait, and the table says how long on average), per seam and per seam data qubit.

    python examples/qec/distributed_memory.py            # prints the tables, saves ./distributed_memory.png
    python examples/qec/distributed_memory.py --out figs/memory.pdf   # the plot where you ask (its suffix: the format)

Needs the QEC extra (stim, pymatching, sinter: ``pip install '.[qec]'``); the plot needs matplotlib.
"""

from __future__ import annotations

import argparse
import os

from qnsim import qec

CYCLE_S = 1e-6  # syndrome round of the QPUs without waiting
DISTANCES = (3, 5)
MULTIPLIERS = (1, 10, 100, 1_000, 3_000, 10_000)


def scenario(t1_s: float, t2_s: float, purification_rounds: int = 0) -> dict:
    node = {"role": "qpu", "preset": {"name": "superconducting_transducer_link", "improvement": 1000},
            "t1_s": t1_s, "t2_s": t2_s}
    request = {"src": "a", "dst": "b"}
    if purification_rounds:
        request.update(purification="dejmps", purification_rounds=purification_rounds)
    return {
        "run": {"until_s": 0.5, "seed": 1},
        "nodes": [dict(node, name="a"), dict(node, name="b")],
        "links": [{"a": "a", "b": "b", "length_km": 10.0, "channels": 2}],
        "requests": [request],
    }


def plot_path(out: str) -> str:
    """The plot's absolute path, checked before the minutes of sampling: in the current directory by default (the
    plot was written beside this file, inside the source tree, where git ignores it and nobody looks)."""
    path = os.path.abspath(out)
    if os.path.isdir(path):
        path = os.path.join(path, "distributed_memory.png")
    if not os.path.isdir(os.path.dirname(path)):
        raise SystemExit(f"--out {out!r}: no directory {os.path.dirname(path)!r} to write the plot in")
    if not os.path.splitext(path)[1]:
        raise SystemExit(f"--out {out!r} has no suffix to name the image format (e.g. {out + '.png'!r})")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="distributed_memory.png",
                        help="the plot's file, or a directory for distributed_memory.png in it "
                        "(default: distributed_memory.png in the current directory)")
    path = plot_path(parser.parse_args(argv).out)
    links = {
        "transmon memories": scenario(300e-6, 200e-6),
        "transmon, 1 DEJMPS round": scenario(300e-6, 200e-6, purification_rounds=1),
        "10 ms memories": scenario(10e-3, 10e-3),
    }
    results, supplies = {}, {}
    for label, data in links.items():
        supply = supplies[label] = qec.measure_link(data, probes=8)
        print("\n".join(supply_lines(label, supply)))
        for d in DISTANCES:
            for m in MULTIPLIERS:
                interface, timing = qec.interface_from_link(supply, d, cycle_time_s=CYCLE_S, experiment="memory",
                                                            rate_multiplier=m)
                circuit = qec.memory_circuit(d, d, "Z", noise=qec.NoiseModel.uniform_depolarizing(
                    supply.two_qubit_error), interface=interface)
                est = qec.sample_logical_error(circuit, max_shots=20_000, max_errors=300, seed=1, rounds=d)
                results[(label, d, m)] = (supply.rate_hz * m, est, timing)
        print(f"  {'d':>2} {'pair rate':>12} {'round time':>11} {'F at use':>8} {'log. error / round':>24}")
        for d in DISTANCES:
            for m in MULTIPLIERS:
                rate, est, timing = results[(label, d, m)]
                print(f"  {d:>2} {rate:>10.3g}/s {timing.round_time_s * 1e6:>9.3g}us "
                      f"{timing.bell_diagonal_at_use[0]:>8.4f} {error_cell(est)}{warning_cell(timing)}")
    for line in purification_lines("transmon memories", "transmon, 1 DEJMPS round", supplies, results):
        print(line)
    print(f"\nPair rate whose mean batch of pairs takes one {CYCLE_S * 1e6:g} us round, the least that keeps up "
          "(teleported seam, one pair per seam CNOT):")
    for d in (3, 5, 7, 11, 15, 25):
        print("  " + needed_rate_line(d))
    _plot(results, links, path)


def purification_lines(plain: str, purified: str, supplies: dict, results: dict) -> list[str]:
    """Why the purified link's rows fail more often than the plain link's, with the figures (the table showed the
    purified rows worse, e.g. 1 DEJMPS round on transmon memories, and no word of why): a round of purification
    turns two pairs into one, so it delivers fewer pairs (each syndrome round waits longer for its batch, the data
    decaying meanwhile) and the first pair of two waits for its partner in memory (with short memories it decays
    more than the round removes). Empty when no row of the purified link is worse beyond the 95% intervals."""
    def interval(label, d, m):
        return results[(label, d, m)][1].per_round_interval()

    worse = [(d, m) for d in DISTANCES for m in MULTIPLIERS if interval(purified, d, m)[0] > interval(plain, d, m)[1]]
    if not worse:
        return []
    a, b = supplies[plain], supplies[purified]
    gap_us = 1e6 / a.rate_hz  # mean time between raw pairs: how long the first of two waits for its partner
    lines = [f"\nWhy '{purified}' fails more often than '{plain}' ({len(worse)} of {len(DISTANCES) * len(MULTIPLIERS)} "
             "rows, beyond the 95% intervals):"]
    if b.bell_diagonal[0] <= a.bell_diagonal[0]:
        lines.append(
            f"  its pairs are WORSE at delivery, F {a.bell_diagonal[0]:.4f} -> {b.bell_diagonal[0]:.4f}: a round of "
            f"purification consumes two pairs, the first waiting for its partner (about {gap_us:.0f} us, one pair per "
            f"1 / {a.rate_hz:,.0f} s) in memories of T1 = {a.t1_s * 1e6:g} us, T2 = {a.t2_s * 1e6:g} us: the decay "
            "while it waits outweighs what the round removes"
        )
    else:
        lines.append(
            f"  its pairs are better at delivery, F {a.bell_diagonal[0]:.4f} -> {b.bell_diagonal[0]:.4f}, but the "
            "seam gains less than the waiting below costs"
        )
    lines.append(
        f"  it delivers {a.rate_hz / b.rate_hz:.1f}x fewer pairs ({a.rate_hz:,.0f} -> {b.rate_hz:,.0f} pairs/s): each "
        "syndrome round waits longer for its batch of pairs, and the pairs wait longer in memory before use"
    )
    for d, m in worse:
        (_, est_a, t_a), (_, est_b, t_b) = results[(plain, d, m)], results[(purified, d, m)]
        lines.append(
            f"  d = {d}, rate x{m:g}: F at use {t_a.bell_diagonal_at_use[0]:.4f} -> {t_b.bell_diagonal_at_use[0]:.4f}, "
            f"data idle error per round {sum(t_a.wait_idle):.3g} -> {sum(t_b.wait_idle):.3g}, logical error per round "
            f"{_rate(est_a)} -> {_rate(est_b)}"
        )
    return lines


def _rate(est: qec.LogicalErrorEstimate) -> str:
    """A per-round rate for a sentence; shots failing as often as random outcomes give only a lower bound."""
    lo, hi = est.per_round_interval()
    return f">= {lo:.1e} (random outcomes)" if hi >= 0.5 else f"{est.per_round:.2e}"


def supply_lines(label: str, supply: qec.LinkSupply) -> list[str]:
    """The link's rate and pairs at delivery, then its notes as warnings (few pairs, pairs not entangled at
    delivery, QPUs that differ: measure_link's notes were not printed)."""
    bd = ", ".join(f"{c:.4f}" for c in supply.bell_diagonal)
    lines = [f"{label}: {supply.rate_hz:,.0f} pairs/s, pairs at delivery (Phi+, Psi+, Psi-, Phi-) = ({bd})"]
    return lines + [f"  WARNING: {note}" for note in supply.notes]


def needed_rate_line(d: int) -> str:
    """The pair rate a d x d memory's teleported seam needs, pairs/s, per seam and per seam data qubit, with the mean
    wait per round a Poisson supply at that rate still has (it read "keeps a round from waiting", which only a
    buffered supply does: the batch of N pairs takes N / rate on average, longer in some rounds)."""
    n = qec.seam_resources(d, "memory", "teleported").pairs_per_round
    need = n / CYCLE_S
    wait = qec.poisson_mean_wait(n, need, CYCLE_S) / CYCLE_S
    return (f"d = {d:>2}: {n:>2} pairs per round -> {need:.3g} pairs/s ({need / d:.3g} per seam data qubit); "
            f"a Poisson supply at it still waits {wait:.2f} of a cycle per round on average")


def warning_cell(timing: qec.RoundTiming) -> str:
    """The round timing's warnings, named after the row (a row whose pairs reach the seam unentangled, or whose
    data decay to fully mixed while the round waits, showed its numbers alone)."""
    return "".join(f"  {note.split(':')[0]}" for note in timing.notes)


def error_cell(est: qec.LogicalErrorEstimate) -> str:
    """The table's logical error per round: the rate and its 95% interval, or, when the shots fail as often as
    random outcomes (the interval reaches 1/2), its lower bound only ("5.00e-01 [5.0e-01, 5.0e-01]" read as a
    rate measured to be 0.5)."""
    lo, hi = est.per_round_interval()
    if hi >= 0.5:
        return f"{'>= ' + format(lo, '.1e'):>9} (random: no upper bound)"
    return f"{est.per_round:>9.2e} [{lo:.1e}, {hi:.1e}]"


def _plot(results, links, path: str) -> None:
    try:
        import matplotlib
    except ImportError:
        print("(pip install matplotlib for the plot)")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for i, label in enumerate(links):
        for d, style in zip(DISTANCES, ("-o", "--s")):
            pts = [results[(label, d, m)] for m in MULTIPLIERS]
            x = [p[0] for p in pts]
            y = [p[1].per_round for p in pts]
            err = [[y_ - p[1].per_round_interval()[0] for y_, p in zip(y, pts)],
                   [p[1].per_round_interval()[1] - y_ for y_, p in zip(y, pts)]]
            ax.errorbar(x, y, yerr=err, fmt=style, color=f"C{i}", capsize=2, ms=4, label=f"{label}, d={d}")
    for d, style, y in zip(DISTANCES, (":", "-."), (2e-3, 1e-3)):
        need = qec.seam_resources(d, "memory", "teleported").pairs_per_round / CYCLE_S
        ax.axvline(need, color="gray", ls=style, lw=1)
        ax.text(need, y, f"d={d}: keeps up on\naverage at {need:.2g}/s ", fontsize=7, color="gray", ha="right")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("Bell pairs per second across the seam")
    ax.set_ylabel("logical error per round")
    ax.set_title("Distributed surface-code memory over a transducer link")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"plot -> {path}")


if __name__ == "__main__":
    main()
