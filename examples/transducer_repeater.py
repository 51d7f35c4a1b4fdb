"""Two QPUs through transducers: does a repeater or purification help, and from what distance?

The architect's question on the link of ``examples/two_qpus_transducers.toml`` (preset
``superconducting_transducer_link(improvement=1000)``, Barrett-Kok heralding at a midpoint station, 2
channels per link, memories that keep a qubit for 10 ms): at each distance, three ways to join the QPUs,
simulated (density matrix) with the same hardware:

* direct: one link of the whole length;
* DEJMPS x1: the same link, each delivered pair purified once from two (2 channels, 2 memories a side);
* repeater: a repeater node of the same hardware at the midpoint (two links of half the length, each
  with its 2 channels), swapping as soon as it holds a pair on each side.

Each row gives the rate with its 95% interval (``RequestResult.rate_interval95``, Poisson; a row with
few pairs says so) and the mean fidelity at delivery with its 95% interval. With these memories the
repeater raises the rate (its hops are half as lossy) and costs fidelity (a pair waits in the repeater
for its partner); one DEJMPS round costs rate and fidelity alike here: the pairs decay while they wait
for the second pair and the outcome, and the QPUs' gate and readout errors take more than the round
gains (the estimator's report on the same link says so too).

Run:  python examples/transducer_repeater.py [--km 10 20 40 80] [--until 1.0] [--memory-s 0.01]
"""

from __future__ import annotations

import argparse

import qnsim

HARDWARE = {"name": "superconducting_transducer_link", "improvement": 1000}
CHANNELS = 2
WAYS = ("direct", "DEJMPS x1", "repeater")


def build(km: float, way: str, memory_s: float = 10e-3, seed: int = 1) -> qnsim.Network:
    """Two QPUs ``km`` apart joined one of the ``WAYS``, memories of T1 = T2 = ``memory_s``."""
    net = qnsim.Network("density_matrix", seed=seed)
    nodes = ["a", "m", "b"] if way == "repeater" else ["a", "b"]
    for name in nodes:
        net.add_node(name, role="repeater" if name == "m" else "qpu", hardware=HARDWARE, t1_s=memory_s, t2_s=memory_s)
    if way == "repeater":
        net.add_link("a", "m", length_km=km / 2, channels=CHANNELS)
        net.add_link("m", "b", length_km=km / 2, channels=CHANNELS)
        net.request("a", "b")
    else:
        net.add_link("a", "b", length_km=km, channels=CHANNELS)
        purified = {"purification": "dejmps", "purification_rounds": 1} if way == "DEJMPS x1" else {}
        net.request("a", "b", **purified)
    return net


def run_network(km: float, way: str, until_s: float, memory_s: float = 10e-3, seed: int = 1) -> qnsim.NetworkResult:
    """One row's run: :func:`build` run for ``until_s`` simulated seconds (its notes are the whole run's caveats,
    which the table prints with its request's)."""
    return build(km, way, memory_s, seed).run(until_s, progress=False)


def run(km: float, way: str, until_s: float, memory_s: float = 10e-3, seed: int = 1) -> qnsim.RequestResult:
    """The delivered pairs of one row: :func:`run_network`'s one request."""
    return run_network(km, way, until_s, memory_s, seed).requests[0]


def _spread(ci: float) -> str:
    """A fidelity's (or a difference's) 95% half-width as " +- x": "" without one (one pair: nan, which printed
    "+- nan"), " +- 0" when every pair had the same fidelity (no decay differs between them)."""
    return "" if ci != ci else " +- 0" if ci == 0 else f" +- {ci:.4f}" if ci >= 1e-4 else f" +- {ci:.1e}"


def _interval(ci: float) -> str:
    """What a difference's spread is: a 95% interval, or none from one pair."""
    return "one pair: no interval" if ci != ci else "95%"


def row(km: float, way: str, r: qnsim.RequestResult) -> str:
    """One table row: distance, way, pairs, rate [95%], fidelity +- 95%, entangled."""
    if r.rate_interval95 is None:
        rate = f"{r.rate_hz:>7.4g} (exact)"
    else:
        low, high = r.rate_interval95
        rate = f"{r.rate_hz:>7.4g} [{low:.4g}, {high:.4g}]"
    spread = _spread(r.fidelity_ci95)
    fidelity = "-" if not r.num_pairs else f"{r.mean_fidelity:.4f}{spread}"
    # Density matrix: each pair's concurrence is known, so some pairs can be separable and others not.
    entangled = {None: "-", True: "yes", False: "partly" if r.unentangled < r.num_pairs else "NO"}[r.entangled]
    return f"{km:>5g} {way:<10} {r.num_pairs:>6} {rate:<28} {fidelity:<18} {entangled:>9}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--km", type=float, nargs="+", default=[10, 20, 40, 80], help="QPU distances, km")
    parser.add_argument("--until", type=float, default=1.0, help="simulated time per row, s")
    parser.add_argument("--memory-s", type=float, default=10e-3, help="memory T1 = T2 of every node, s")
    args = parser.parse_args()
    print(
        f"two QPUs through transducers (x1000 preset), {CHANNELS} channels per link, memories T1 = T2 = "
        f"{args.memory_s:g} s, {args.until:g} s simulated per row"
    )
    print(f"{'km':>5} {'way':<10} {'pairs':>6} {'rate (Hz) [95%]':<28} {'fidelity +- 95%':<18} {'entangled':>9}")
    notes = []
    # Notes name the settings they ask to change as this script's user changes them ("run longer (--until)").
    with qnsim.options_as({"until_s": "--until"}):
        notes = table(args)
    for note in notes:
        print(f"note: {note}")


def table(args: argparse.Namespace) -> list[str]:
    """Prints the table's rows, each distance's comparison under them; returns the notes to print after it."""
    notes: list[str] = []
    for km in args.km:
        runs = {way: run_network(km, way, args.until, args.memory_s) for way in WAYS}
        results = {way: result.requests[0] for way, result in runs.items()}
        for way, r in results.items():
            print(row(km, way, r))
            notes += [f"{km:g} km, {way}: {note}" for note in r.notes]
        # Against direct, each with its 95% interval ("rate x0.31" alone could not say whether a change was noise).
        # Given the whole runs, the comparison's remarks carry their own notes too (the preset's figures the runs do
        # not model): the requests' alone left them out of the table.
        comparison = qnsim.compare_results(runs, baseline="direct")
        # The three ways share a seed (their links' draws): the comparison's remark says what that does to the
        # intervals; it and the runs' notes hold for every distance: each is said once for the table.
        notes += [remark for remark in comparison.remarks if remark not in notes]
        for c in comparison.rows[1:]:
            if c["pairs"] and results["direct"].num_pairs:
                print(
                    f"      {c['label']} vs direct: rate x{c['rate_ratio']:.2g} [{c['rate_ratio_low']:.2g}, "
                    f"{c['rate_ratio_high']:.2g}], fidelity {c['fidelity_difference']:+.4f}"
                    f"{_spread(c['fidelity_difference_ci95'])} ({_interval(c['fidelity_difference_ci95'])}): "
                    f"{c['verdict']}"
                )
    return notes


if __name__ == "__main__":
    main()
