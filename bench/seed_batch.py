"""Sweeps over the seeds of one small scenario: points per second, four ways (issue 11, items 5 and 7).

- ``pool``: today's process pool, one task per point (``qnsim.sweep`` with a point function that
  calls ``qnsim.scenario.run_scenario_data``: a pickled scenario, a network built in Python, one run);
- ``batch``: the same sweep of the scenario file, whose seeds now run as one native batch per grid
  point (``qnsim.seed_batch``: the network is built once, every seed runs on native threads);
- ``dask``: the point function on a ``dask.distributed.LocalCluster`` (processes, one thread
  each), the cluster started and warmed up before the clock starts;
- each with 1 and 2 workers. Efficiency = speedup / workers, the speedup taken against the same
  backend with 1 worker (and, in the last column, against the 1-worker pool).

Medians of ``--repeats`` (the backends interleaved in each repeat), on whatever load the machine
has (printed). Points are identical whatever the backend (a row is a pure function of the
scenario and the seed); the script checks it (all columns but the ids, which name the point function or the
scenario file).

Usage: python bench/seed_batch.py [--points 200] [--repeats 5] [--formalism bell_diagonal]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

SCENARIO = """
[run]
until_s = {until_s}
formalism = "{formalism}"

[[nodes]]
name = "a"
t2_s = 0.01

[[nodes]]
name = "m"
t2_s = 0.01

[[nodes]]
name = "b"
t2_s = 0.01

[[links]]
a = "a"
b = "m"
length_km = 5.0
fidelity = 0.95
rate_hz = 2000.0
success_probability = 0.1

[[links]]
a = "m"
b = "b"
length_km = 5.0
fidelity = 0.95
rate_hz = 2000.0
success_probability = 0.1

[[requests]]
src = "a"
dst = "b"
"""

class ScenarioPoint:
    """The scenario data travelling with the task (as TomlScenario does), run point by point."""

    def __init__(self, data: dict) -> None:
        self.data = data

    def __call__(self, params: dict, seed: int) -> dict:
        from qnsim.scenario import run_scenario_data

        return run_scenario_data(self.data, seed)


def main() -> None:
    import tomllib

    import qnsim

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200, help="seeds in the sweep")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--formalism", default="bell_diagonal", choices=list(qnsim.specs.FORMALISMS))
    parser.add_argument("--until", type=float, default=0.01, help="simulated seconds per point")
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()

    text = SCENARIO.format(until_s=args.until, formalism=args.formalism)
    data = tomllib.loads(text)
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "chain.toml")
    with open(path, "w") as f:
        f.write(text)
    fn = ScenarioPoint(data)
    seeds = args.points

    def sweep(kind: str, workers: int, client=None) -> tuple[float, list]:
        start = time.perf_counter()
        if kind == "pool":
            rows = qnsim.sweep(fn, {}, seeds=seeds, workers=workers, progress=False, as_frame=False)
        elif kind == "batch":
            rows = qnsim.sweep(path, {}, seeds=seeds, workers=workers, progress=False, as_frame=False)
        else:
            rows = qnsim.sweep(fn, {}, seeds=seeds, backend="dask", client=client, progress=False, as_frame=False)
        return seeds / (time.perf_counter() - start), rows

    clients = {}
    if not args.no_dask:
        import logging

        import distributed

        logging.getLogger("distributed").setLevel(logging.ERROR)
        for workers in (1, 2):
            cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0",
                                               processes=True, silence_logs=logging.ERROR)
            clients[workers] = distributed.Client(cluster)
            qnsim.sweep(fn, {}, seeds=4, backend="dask", client=clients[workers], progress=False, as_frame=False)

    kinds = ["pool", "batch"] + ([] if args.no_dask else ["dask"])
    rates: dict[tuple[str, int], list[float]] = {(k, w): [] for k in kinds for w in (1, 2)}
    reference = None
    for _ in range(args.repeats):
        for workers in (1, 2):
            for kind in kinds:
                rate, rows = sweep(kind, workers, clients.get(workers))
                rates[kind, workers].append(rate)
                strip = [{k: v for k, v in r.items() if k not in ("point_id", "scenario_id")} for r in rows]
                if reference is None:
                    reference = strip
                assert strip == reference, f"{kind} x{workers} gave different rows"
    for client in clients.values():
        client.close()

    load = os.getloadavg()
    print(f"{seeds} points of a 3-node {args.formalism} chain ({args.until} s simulated each), medians of "
          f"{args.repeats}; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    base_pool = statistics.median(rates["pool", 1])
    print(f"{'backend':<8}{'workers':>8}{'points/s':>11}{'speedup':>9}{'efficiency':>12}{'vs pool x1':>12}")
    for kind in kinds:
        one = statistics.median(rates[kind, 1])
        for workers in (1, 2):
            rate = statistics.median(rates[kind, workers])
            speedup = rate / one
            print(f"{kind:<8}{workers:>8}{rate:>11.1f}{speedup:>9.2f}{speedup / workers:>12.2f}{rate / base_pool:>12.1f}")


if __name__ == "__main__":
    main()
