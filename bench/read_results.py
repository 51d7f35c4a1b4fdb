"""CPU time of qnsim.sweeps.read_results on a 20 000-row sweep CSV (median of 5), and the share of it spent
checking each row's point_id against its cells (SHA-1, sweeps._IdsOfCells).

    python bench/read_results.py [--profile]
"""

import cProfile
import csv
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

from qnsim.sweeps import _format_cell, _make_row, grid_points, read_results


def write_file(path: Path) -> int:
    """A CSV as a sweep writes it: 200 x 10 grid points x 10 seeds, two float results per row."""
    grid = {"length_km": [1.0 + i / 7 for i in range(200)], "fidelity": [0.9 + i / 200 for i in range(10)]}
    points = grid_points(grid, seeds=10, scenario="0123456789abcdef")
    rows = [_make_row(p, {"rate_hz": p.params["length_km"] * 1.37e3 / (p.seed + 1), "f": p.params["fidelity"] ** 2})
            for p in points]
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(list(rows[0]))
        w.writerows([_format_cell(v) for v in r.values()] for r in rows)
    return len(rows)


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "rows.csv"
        n = write_file(path)
        assert len(read_results(path)) == n
        times = []
        for _ in range(5):
            t = time.process_time()
            read_results(path)
            times.append(time.process_time() - t)
        print(f"read_results, {n} rows: median {statistics.median(times) * 1e3:.0f} ms CPU "
              f"(min {min(times) * 1e3:.0f}, max {max(times) * 1e3:.0f})")
        if "--profile" in sys.argv:
            prof = cProfile.Profile()
            prof.runcall(read_results, path)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(18)


if __name__ == "__main__":
    main()
