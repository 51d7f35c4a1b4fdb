"""One check for the resume tests: the rows an interrupted sweep left are in the finished result, each once and as
it was, wherever they stand in it.

The older tests read ``rows[: len(kept)] == kept``: right only while the killed sweep's rows came first in the
file's order and in the resumed sweep's. Neither is a promise (read_results gives point order, a pool or Dask
finishes points out of order), so such a test failed on a correct resume, or passed where a kept row had moved
and a row of the same length stood in its place.
"""

from __future__ import annotations

from collections import Counter

__all__ = ["assert_rows_kept"]


def assert_rows_kept(kept: list[dict], rows: list[dict], key: str = "point_id") -> None:
    """Asserts every row of ``kept`` is in ``rows`` once, equal cell for cell, matched by ``key`` (the point id).

    Also asserts ``kept`` names each point once (two copies of a point would match one row twice). The message
    names the first point missing, repeated or changed.
    """
    counts = Counter(row[key] for row in rows)
    twice = [point for point, n in Counter(row[key] for row in kept).items() if n > 1]
    assert not twice, f"the kept rows hold point {twice[0]} {Counter(r[key] for r in kept)[twice[0]]} times"
    by_point = {row[key]: row for row in rows}
    for row in kept:
        point = row[key]
        assert counts[point] == 1, f"point {point} is in the result {counts[point]} times, kept once: {row}"
        assert by_point[point] == row, f"point {point} changed: kept {row}, now {by_point[point]}"
