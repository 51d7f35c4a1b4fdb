"""Results audit, round 20: the point ids a file's reader rebuilds, exact rates compared, and the one check of the
rows a killed sweep left (tests/kept_rows.py, now used by results audits 10, 11, 12, 14, 15 and 19). Each test's
docstring says what the old behaviour was."""

import pytest
import sweep_points
from kept_rows import assert_rows_kept

import qnsim
from qnsim import sweeps
from qnsim.sweeps import grid_points, point_id, read_results, sweep, sweep_status

# --- point ids rebuilt at the cost of a hash, not of point_id's checks --------------------------------------------


def test_grid_points_and_read_results_make_point_ids_without_point_id_per_point(tmp_path, monkeypatch):
    """Old behaviour: ``grid_points`` called :func:`point_id` for every point (a seed checked through the spec
    machinery, a dict dumped as sorted JSON), and ``read_results`` listed every point of every sweep in the file's
    state that way to put the rows in point order: 2 x 10^5 rows read in 53 s where they now take 27 s, and
    grid_points of 10^5 points took 7.3 s against 1.6 s (medians of three, interleaved, load average ~14). The ids
    are now joined from each value's JSON, made once per axis value, and hashed from a copied state per seed: no
    call of point_id per point, and the same ids byte for byte (checked below on text that JSON escapes, linked
    keys, bools, big ints, 2^64 - 1)."""
    out = tmp_path / "r.csv"
    grid = {"x": [3, 1, 2], "w": [0.5, 0.25]}
    written = sweep(sweep_points.square, grid, seeds=4, out=out, workers=1, progress=False, as_frame=False)
    calls = []
    real = sweeps.point_id
    monkeypatch.setattr(sweeps, "point_id", lambda *args, **kwargs: calls.append(args) or real(*args, **kwargs))
    assert read_results(out) == written and sweep_status(out) is None
    points = grid_points(grid, 4, sweeps.scenario_id(sweep_points.square))
    assert calls == [] and [p.id for p in points] == [r["point_id"] for r in written]

    monkeypatch.undo()
    tricky = {"b,a": [(1, 'é"x\u2028\\'), (2.5, "")], "z": [True, False, 0.1, 1e300, -0.0, 10**30], "k.y": ["ß"]}
    for seeds in (2, [2**64 - 1, 0]):
        for scenario in ("", 'id "é"'):
            for p in grid_points(tricky, seeds, scenario):
                assert p.id == point_id(p.params, p.seed, scenario), (p.params, p.seed, scenario)


# --- compare_results: exact rates that differ by a cut period ------------------------------------------------------


def _fixed_schedule(length_km: float, rate_hz: float = 1e3):
    """A 3-node chain of abstract links on a fixed schedule (exact rates): its one request over 1 s."""
    net = qnsim.chain(3, length_km=length_km, fidelity=0.99, formalism="bell_diagonal", seed=7, rate_hz=rate_hz)
    net.request("n0", "n2", generation="on_demand")
    return net.run(1.0, progress=False).requests[0]


def test_exact_rates_one_delivery_apart_are_within_the_windows_edges():
    """Old behaviour: two exact rates (fixed schedules) gave a ratio interval of no width, so a chain of 1.1 km links
    against one of 1 km, 994 against 995 pairs in 1 s, read "x0.999 [0.999, 0.999]" and "lower rate", beyond a noise
    an exact rate has none of, while its own rate cell says the window's edges may cut a delivery period. Each exact
    count now spans one period either way: within the noise here; a difference of several periods (2 km: 990 pairs)
    and a schedule twice as fast stay beyond it."""
    base, near = _fixed_schedule(1.0), _fixed_schedule(1.1)
    assert (base.num_pairs, near.num_pairs, base.rate_interval95, near.rate_interval95) == (995, 994, None, None)
    comparison = qnsim.compare_results({"1 km": base, "1.1 km": near, "2 km": _fixed_schedule(2.0),
                                        "2 kHz": _fixed_schedule(1.0, 2e3)})  # fmt: skip
    verdicts = [row["verdict"] for row in comparison.rows[1:]]
    assert verdicts == ["none (within the noise)", "lower rate", "higher rate"], verdicts
    row = comparison.rows[1]
    assert row["rate_ratio_low"] == pytest.approx(994 / 995 * (993 / 994) / (996 / 995))
    assert row["rate_ratio_high"] == pytest.approx(994 / 995 * (995 / 994) / (994 / 995))


# --- the shared check of the rows a killed sweep left ----------------------------------------------------------------


def test_the_kept_rows_check_reads_points_not_positions():
    """The older resume tests compared ``rows[: len(kept)] == kept``: they failed on a correct resume whose kept rows
    were not first (read_results gives point order; a pool finishes out of order) and passed a kept row moved and
    replaced by another of the same place. ``assert_rows_kept`` matches rows by point id: order-free, and it refuses a
    changed row, a row the result has twice and a kept row missing."""
    rows = [{"point_id": f"p{i}", "y": i} for i in range(4)]
    assert_rows_kept([rows[2], rows[0]], rows[::-1])
    for kept, result in (([{"point_id": "p1", "y": 9}], rows), ([rows[1]], [*rows, rows[1]]), ([rows[1]], rows[2:]),
                         ([rows[1], rows[1]], rows)):  # fmt: skip
        with pytest.raises(AssertionError):
            assert_rows_kept(kept, result)
