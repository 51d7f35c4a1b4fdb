"""Plots of sweep results: mean over seeds, with bars of the 95% interval of the mean (Student t), against a
swept parameter.

``qnsim plot rows.csv`` draws a sweep written by ``qnsim sweep`` (:mod:`qnsim.plot_cli`).

Needs pandas and matplotlib (``pip install 'qnsim[plot,pandas]'``), both imported on first use.
Figures are drawn on matplotlib's Agg canvas directly, so the global backend (and any notebook
or GUI session) is left alone.
"""

from __future__ import annotations

import difflib
import math
import numbers
import os
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qnsim._options import option_name
from qnsim._row_notes import join_notes, split_notes
from qnsim.argument_checks import column_name, file_path, file_to_write, flag, is_real_number, shown, written
from qnsim.results import FEW_PAIRS_FOR_RATE

__all__ = ["axis_label", "column_unit", "plot_estimate", "plot_sweep", "summarize"]


def _frame(data: Any) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("qnsim.plot needs pandas: pip install 'qnsim[pandas]'") from None
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, (str, os.PathLike)):
        # As a sweep reads its rows: Parquet part by part (a column that is None in every row of one
        # part, a row's notes say, has no type there, and pandas refuses to join it to another's);
        # a CSV by whole lines, checked (pandas read an interrupted sweep's partial last line as a
        # row of cut-off numbers, and a point written twice as two seeds).
        from qnsim.sweeps import _read_results, _status_findings, rows_frame

        # Without the remarks said once in each row's notes: the frame holds them once, in attrs["notes"] (below).
        said: list[str] = []  # rows the reader could not check (no row_digest): said in the notes
        rows = _read_results(data, check_columns=True, said=said)
        frame = pd.read_parquet(data) if not rows and Path(data).suffix == ".parquet" else rows_frame(rows)
        # The rows of a sweep that was killed, stopped or is still running read like a whole sweep of
        # fewer points (a plot with fewer x values): its state file says so (sweep_status).
        findings = _status_findings(Path(file_path("data", data)), rows)
        # The remarks a scenario sweep said once (its state file keeps them) and left out of every row: as the
        # frame qnsim.sweep returns holds them (attrs["notes"]), so summarize and qnsim plot say them again.
        ids = frame["scenario_id"].dropna().unique() if "scenario_id" in frame.columns else []
        if len(ids) == 1:
            from qnsim.sweeps import _recorded_said_once

            frame.attrs["notes"] = _recorded_said_once(Path(data), str(ids[0]))
        if said:
            frame.attrs["notes"] = [*(frame.attrs.get("notes") or []), *said]
        if findings:
            frame.attrs["sweep_status"] = "; ".join(text for _, text in findings)
            frame.attrs["sweep_unfinished"] = any(unfinished for unfinished, _ in findings)
        return frame
    if isinstance(data, (bytes, Mapping)) or not isinstance(data, Iterable):
        # list(3) said "'int' object is not iterable", naming neither the argument nor the value.
        raise TypeError(
            f"data must be a DataFrame, a results path (.csv or .parquet) or rows (dicts), got {written(data):.80}"
        )
    from qnsim.sweeps import rows_frame

    return rows_frame(list(data))


def _nullable(column: Any) -> bool:
    """Whether a pandas column has a nullable extension dtype (Int64, Float64, ...), not a numpy one."""
    return not isinstance(column.dtype, np.dtype)


def _columns(name: str, value: Any) -> list[str]:
    """Column names given as one name or an ordered list of distinct names: a set drew its panels in hash order
    (another figure each run), a name twice drew one panel twice, and ``logy=True`` said "'bool' object is not
    iterable"."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a column name or a list of them, got {written(value)}")
    columns = [column_name(f"{name}[{i}]", c) for i, c in enumerate(value)]
    # Counted once each (columns.count per entry took seconds for a few thousand names, minutes for more).
    seen: set[str] = set()
    twice = sorted({c for c in columns if isinstance(c, str) and (c in seen or seen.add(c))})
    if twice:
        raise ValueError(f"{name} names {twice} more than once")
    return columns


def _check_roles(x: Any, y: list[Any], hue: Any, names: dict[str, str] | None = None) -> None:
    """Refuses a column given two roles among ``x``, the ``y`` panels and ``hue``: each role needs a column of its own.

    A column against itself (``x="p", y=["p"]``) drew the line y = x as if it were a result, and a ``hue`` that is
    also a panel drew each curve flat at its own value; ``hue`` equal to ``x`` failed in pandas ("cannot insert
    length_km, already exists"). ``names`` gives each role's name in the message (``qnsim plot``: its options).

    Example:
        >>> _check_roles("p", ["rate_hz", "p"], None)
        Traceback (most recent call last):
        ...
        ValueError: x and y are both 'p': a column plotted against itself is the line y = x, not a result; ...
    """
    names = {"x": "x", "y": "y", "hue": "hue", **(names or {})}
    why = {
        ("hue", "x"): "one curve per value of x is one point per curve; choose another hue",
        ("x", "y"): "a column plotted against itself is the line y = x, not a result; choose another y column",
        ("hue", "y"): "each curve would hold one value of it, a flat line at that value; choose another hue",
    }
    for (first, second), reason in why.items():
        roles = {"x": [x], "y": list(y), "hue": [] if hue is None else [hue]}
        both = [c for c in roles[first] if any(c == other for other in roles[second])]
        if both:
            raise ValueError(f"{names[first]} and {names[second]} are both {written(both[0])}: {reason}")


def _closest_column(name: str, columns: list[str]) -> str | None:
    """The column ``name`` most likely meant, or None: the closest whole name, else the column whose last dotted
    part (``length_km`` of ``links.*.length_km``, ``rate_hz`` of ``a->b.rate_hz``) is closest to it."""
    close = difflib.get_close_matches(name, columns, n=1)
    if close:
        return close[0]
    by_part: dict[str, str] = {}
    for column in columns:
        by_part.setdefault(column.rsplit(".", 1)[-1], column)
    close = difflib.get_close_matches(name.rsplit(".", 1)[-1], list(by_part), n=1)
    return by_part[close[0]] if close else None


def summarize(data: Any, x: str, y: Sequence[str], hue: str | None = None) -> Any:
    """Mean, standard error and count of each ``y`` column per value of ``x`` (and ``hue``).

    NaN results (e.g. a fidelity when no pair was delivered) are left out of that column's
    statistics. The standard error is std (ddof=1) / sqrt(n), and NaN for a single seed (one
    value has no spread to estimate it from; 0 would claim an exact mean).

    ``table.attrs["notes"]`` lists what the means cannot say: first the remarks a scenario sweep said once
    and left out of its rows' notes (``attrs["notes"]`` of the frame :func:`qnsim.sweep` returns, or
    the state file beside a results path; also in ``table.attrs["remarks"]``), each for every row or for every row
    but the points named, whose grid values change it and whose rows say their own (``table.attrs["remarks_not_for"]``
    counts those points per remark), then points that rest on a single seed,
    points where some seeds have no value in a column (NaN, left out of its mean), and points that
    rest on fewer seeds than others (an interrupted or partly failed sweep,
    the points whose rows carry notes of their own (with one of each kind of note: NOT ENTANGLED, shots failing as
    often as random outcomes, ...),
    whose means are then of unequal weight: resume the sweep to finish them), rates of requests served by
    their last pair after fewer than 100 random arrivals (each reads high, by about n/(n-1), and so does
    their mean; the rows' notes say which), and, first, for a
    results path, a sweep that did not finish (:func:`qnsim.sweeps.sweep_status`);
    ``table.attrs["seeds_per_point"]`` is (fewest, most) rows per point, and
    ``table.attrs["undrawn"]`` names, per y column, the points without a finite mean (NaN or
    infinite in the table; a plot has no marker there).

    A cell without a value is one of two kinds (:func:`qnsim.sweeps.rows_frame`): a **blank** (``pd.NA``, None, an
    empty CSV cell, a column the row lacks: no value written) or a figure **not measured** (NaN written on purpose:
    a fidelity without pairs, the rate of a request never admitted). Both are "no value", left out of the mean and
    of ``<y>_n``; the notes say how many of each there are at the points where some seeds have a value and others
    not, ``table.attrs["no_value"]`` counts them per y column at every point (``{y: {"blank": [...],
    "not_measured": [...]}}``, one count per row of the table; a point without any value has a NaN mean either way),
    and a plot's title names the kinds its means left out and those of a point it does not draw. (In a numpy float column every NaN counts as not measured: a frame read by
    ``pandas.read_csv`` has its empty cells as NaN; give summarize the file's path instead.)

    Each point counts once (rows repeating a ``point_id`` are one point), and all rows must
    come from one scenario (one ``scenario_id``). A sweep's rows (with ``point_id`` and ``seed``
    columns, their swept parameters before the seed) that share ``x`` and ``hue`` must not
    differ in another swept parameter: the mean would mix its values as if they were seeds.

    Args:
        data: A DataFrame, a list of row dicts, or the path of a sweep's CSV file or Parquet
            directory.
        x: The swept column for the horizontal axis.
        y: Result columns.
        hue: Optional column that splits the rows into one curve per value.

    Returns:
        A DataFrame with columns ``[hue,] x`` and ``<y>_mean``, ``<y>_sem``, ``<y>_n`` per y,
        sorted by ``[hue,] x``, and its notes in ``attrs["notes"]``. When the rows carry an interval
        of their own for a y column (``<y>_low`` and ``<y>_high``, as a QEC sweep's ``per_round``
        and a scenario sweep's ``rate_hz`` have: 95% intervals; or a half-width, ``<y>_ci95`` or for a mean the
        figure's ``_ci95``, as a scenario sweep's ``fidelity_ci95`` for ``mean_fidelity``: the ends of the value +-
        that half-width, a fidelity's within [0, 1]), the table has them too (as ``<y>_low`` and ``<y>_high``), for
        the points that rest on one seed (NaN elsewhere), and a plot draws them as those points' bars.

    Raises:
        ValueError: A named column is not in the results, rows of one ``x`` (and ``hue``) differ
            in another swept parameter, rows of one point differ, rows of several scenarios, a
            seed appears twice at one ``x`` and ``hue`` (in any table with a ``seed`` column), or a
            one-seed point lies outside its own interval.

    Example:
        >>> rows = [{"L": 10, "seed": s, "rate_hz": r} for s, r in enumerate([1.0, 3.0])]
        >>> summarize(rows, "L", ["rate_hz"]).to_dict("records")
        [{'L': 10, 'rate_hz_mean': 2.0, 'rate_hz_sem': 1.0, 'rate_hz_n': 2}]
        >>> summarize(rows + [{"L": 20, "seed": 0, "rate_hz": 5.0}], "L", ["rate_hz"]).attrs["notes"]
        ... # doctest: +NORMALIZE_WHITESPACE
        ['rate_hz: 1 of 2 points rest on a single seed (L = 20): no standard error (NaN, no bar)',
         'rate_hz: the points rest on unequal numbers of seeds, 1 to 2 (fewest at L = 20): an interrupted or
          partly failed sweep? its means weigh unequally; resume the sweep to finish them']
    """
    x = column_name("x", x)  # an array or a list for one column: pandas' "unhashable type", naming nothing
    hue = None if hue is None else column_name("hue", hue)
    frame = _frame(data)
    # A scenario sweep's remarks on every row (see qnsim.sweep: attrs["notes"] of its frame, its state file).
    remarks = list(frame.attrs.get("notes") or []) if "scenario_id" in frame.columns else []
    y = _columns("y", y)
    keys = [hue, x] if hue is not None else [x]
    missing = [c for c in [*keys, *y] if c not in frame.columns]
    if missing:
        # A swept key is its path in the scenario ('links.*.length_km'), a result its column ('rate_hz'): the
        # name a user types first ('length_km', 'rate') is suggested before the list of every column.
        columns = [str(c) for c in frame.columns]
        guesses = {c: _closest_column(str(c), columns) for c in missing}  # x=3 failed in difflib ("'int' ...")
        hints = "".join(f" ({written(c)}; did you mean {written(g)}?)" for c, g in guesses.items() if g is not None)
        raise ValueError(f"columns {missing} are not in the results{hints}; they have {columns}")
    if "scenario_id" in frame.columns and frame["scenario_id"].nunique(dropna=False) > 1:
        # Rows of an edited scenario or another qnsim version: their means are of different things.
        ids = sorted(frame["scenario_id"].astype(str).unique())
        raise ValueError(
            f"the results hold rows of {len(ids)} scenarios (scenario_id {', '.join(ids[:4])}"
            f"{' ...' if len(ids) > 4 else ''}): select the rows of one before summarizing"
        )
    _check_roles(x, y, hue)
    from qnsim.sweeps import blank_cells, not_measured_cells

    for key in keys:
        # Both kinds: a Float64 column's NaN (not measured) is no missing value to pandas' isna().
        empty = frame.index[blank_cells(frame[key]).to_numpy() | not_measured_cells(frame[key]).to_numpy()].tolist()
        if empty:
            # groupby left these rows out of every mean without a word.
            raise ValueError(
                f"{len(empty)} row(s) have no value of {written(key)} (NaN or empty; row {empty[0]} first): a result "
                "without its place on the axis cannot be averaged; drop those rows or fill them in"
            )
    # A y column's own interval: its rows' <y>_low and <y>_high, or a half-width beside it (a scenario sweep's
    # fidelity_ci95 for mean_fidelity): a one-seed point of mean_fidelity drew no bar and said only "no standard
    # error" although its row carried its 95% interval.
    half_widths = {c: h for c in y if (h := _half_width_column(frame, c)) is not None}
    own_columns = {c: f"{c}_low, {c}_high" for c in y if f"{c}_low" in frame.columns and f"{c}_high" in frame.columns}
    own_columns.update({c: h for c, h in half_widths.items() if c not in own_columns})
    # A whole-number axis read with blanks elsewhere is a nullable integer column (see qnsim.sweeps.rows_frame):
    # its values as written (5, not 5.0) as plain integers now that it has none; the averaged columns as floats.
    averaged = [
        c for column in y for c in (column, f"{column}_low", f"{column}_high", half_widths.get(column))
        if c in frame.columns
    ]  # fmt: skip
    # Which cells of each y column hold no value, and of which kind (see qnsim.sweeps.rows_frame): a blank (<NA>) or
    # a figure not measured (NaN). Both are left out of a mean; the notes count each (the float columns below, as
    # numpy arrays, no longer tell them apart). Kept as columns, so they follow the rows through the steps below,
    # named by tuples: no string column name can be one, so no request label or swept parameter is read from them.
    frame = frame.copy()  # the caller's frame is left as it was
    for column in y:
        frame[(_KIND_COLUMN, "blank", column)] = blank_cells(frame[column]).to_numpy()
        frame[(_KIND_COLUMN, "not measured", column)] = not_measured_cells(frame[column]).to_numpy()
    as_numpy = {k: frame[k].dtype.numpy_dtype for k in keys if _nullable(frame[k]) and frame[k].dtype.kind in "iu"}
    as_numpy.update({c: np.dtype("float64") for c in averaged if _nullable(frame[c]) and frame[c].dtype.kind in "iuf"})
    if as_numpy:
        frame = frame.astype(as_numpy)  # a copy: the caller's frame is left as it was
    # A y column's own interval too: a text cell of rate_hz_low failed with Python's "could not convert string to
    # float: 'abc'", naming neither the column nor the row.
    checked = list(dict.fromkeys(averaged))
    for column in checked:
        if frame[column].dtype.kind in "iuf":  # numbers throughout (NaN included)
            continue
        values = frame[column].dropna()
        odd = values[values.map(lambda v: isinstance(v, (bool, np.bool_, str)) or not isinstance(v, numbers.Real))]
        if len(odd):
            # A text cell failed in pandas ("agg function failed [how->mean,dtype->object]"), and True/False
            # were averaged as 1/0.
            raise ValueError(
                f"{written(column)} holds {shown(odd.iloc[0])} (row {odd.index[0]}), not a number: only numeric "
                "results are "
                "averaged"
            )
    frame = _one_row_per_point(frame)
    derived = {}
    for column, half in half_widths.items():
        if column in own_columns and own_columns[column] != half:
            continue  # the rows' own ends come first
        low, high = frame[column] - frame[half], frame[column] + frame[half]
        if _is_fidelity(column):  # as RequestResult.fidelity_interval95: a fidelity lies in [0, 1]
            low, high = low.clip(lower=0.0), high.clip(upper=1.0)
        derived[f"{column}_low"], derived[f"{column}_high"] = low, high
    if derived:
        frame = frame.assign(**derived)  # a copy, after the sweep's parameters and its seed
    if "seed" in frame.columns and "point_id" in frame.columns:
        # A sweep's file holds its rows in the order they finished (another order on each run with several
        # workers, seeds of a resume after the others): a mean and a spread summed in that order differed
        # in their last bits from one run to the next, and between a resumed and an uninterrupted sweep.
        frame = frame.sort_values([*keys, "seed"], kind="stable")
    _check_other_parameters_fixed(frame, keys)
    _check_seeds_once(frame, keys)
    grouped = frame.groupby(keys, sort=True)
    out = grouped.size().reset_index()[keys]
    # Swept parameters that change from point to point but are fixed within each (checked above): swept together
    # with x (--param 'links.0.length_km,links.1.length_km=5,35;10,30': a repeater's position). The axis named x
    # alone, read as the other held at the scenario's value; the table carries their values, the notes and the
    # axis say they moved.
    moving = [c for c in _parameter_columns(frame) if c not in keys and frame[c].nunique(dropna=False) > 1]
    for column in moving:
        out[column] = grouped[column].first().to_numpy()
    # One that moves with the hue alone (the channels of each purification round's curve) belongs in the legend.
    with_hue = [c for c in moving if hue is not None and bool((out.groupby(hue)[c].nunique(dropna=False) == 1).all())]
    linked = [c for c in moving if c not in with_hue]
    # Seeds per point as the sweep wrote them (a NaN result, a fidelity without pairs, is a
    # finished seed): fewer at some points means seeds that never ran, not missing values.
    seeds = grouped.size().to_numpy()
    notes = []
    undrawn: dict[str, str] = {}
    no_value: dict[Any, dict[str, list[int]]] = {}
    for column in y:
        by_point = [frame[k] for k in keys]  # grouped's groups, in its order (sorted; no key is empty)
        blanks = frame[(_KIND_COLUMN, "blank", column)].groupby(by_point, sort=True).sum().to_numpy()
        nans = frame[(_KIND_COLUMN, "not measured", column)].groupby(by_point, sort=True).sum().to_numpy()
        no_value[column] = {"blank": [int(n) for n in blanks], "not_measured": [int(n) for n in nans]}
        values = grouped[column]
        mean = values.mean().to_numpy()
        std = values.std(ddof=1).to_numpy()
        count = values.count().to_numpy()
        out[f"{column}_mean"] = mean
        out[f"{column}_sem"] = [math.nan if n <= 1 else float(s) / math.sqrt(n) for s, n in zip(std, count)]
        out[f"{column}_n"] = count
        single = [i for i, n in enumerate(count) if n == 1]
        # Rows that carry their own interval (a QEC sweep's per_round_low / per_round_high, 95% Wilson): a
        # point of one seed draws it instead of no bar; a mean over seeds keeps its standard error.
        own = f"{column}_low" in frame.columns and f"{column}_high" in frame.columns
        if own:
            lows, highs = grouped[f"{column}_low"].first().to_numpy(), grouped[f"{column}_high"].first().to_numpy()
            out[f"{column}_low"] = [lo if n == 1 else math.nan for lo, n in zip(lows, count)]
            out[f"{column}_high"] = [hi if n == 1 else math.nan for hi, n in zip(highs, count)]
            for i in single:
                lo, hi, m = float(lows[i]), float(highs[i]), float(mean[i])
                slack = 1e-9 * max(abs(lo), abs(hi), abs(m))
                if not any(map(math.isnan, (lo, hi, m))) and not lo - slack <= m <= hi + slack:
                    # Its bar was clipped to nothing: the row looked certain where its figures disagree.
                    raise ValueError(
                        f"{column} = {written(m)} lies outside its own interval [{column}_low, {column}_high] = "
                        f"[{written(lo)}, {written(hi)}] ({_where(out, keys, [i])}): the rows' figures disagree"
                    )
        # A row's own interval may be absent (NaN): a rate that was not measured (a request never admitted; an exact
        # rate, on a fixed schedule, is its own interval, rate_hz_low = rate_hz_high).
        with_own = [i for i in single if own and _finite(lows[i]) and _finite(highs[i])]
        without = [i for i in single if i not in with_own]
        # A point of several seeds with a value from one of them (the others NaN: a rate not measured, a fidelity
        # without pairs) rests on that seed, not on "a single seed": its bar is that seed's own interval.
        of_several = [i for i in with_own if seeds[i] > 1]
        with_own = [i for i in with_own if seeds[i] == 1]
        if with_own:
            notes.append(
                f"{column}: {len(with_own)} of {len(count)} points rest on a single seed "
                f"({_where(out, keys, with_own)}): no standard error; their bars are the rows' own 95% intervals "
                f"({own_columns[column]})"
            )
        if of_several:
            notes.append(
                f"{column}: {len(of_several)} of {len(count)} points have a value from one of their seeds only "
                f"({_where(out, keys, of_several)}; the others' are empty, see below): no standard error; their "
                f"bars are that seed's own 95% interval ({own_columns[column]}), not a spread over the seeds"
            )
        if without:
            notes.append(
                f"{column}: {len(without)} of {len(count)} points rest on a single seed "
                f"({_where(out, keys, without)}): "
                + (
                    f"no standard error, and their rows give no interval of their own ({own_columns[column]} "
                    "empty): no bar"
                    if own
                    else "no standard error (NaN, no bar)"
                )
            )
        # NaN rows are left out of a point's mean: say where, or the mean of the seeds that delivered (a
        # fidelity of 3 seeds in 10, the other 7 without a pair) reads as the mean over all of them.
        # (A point with no value at all has a NaN mean, which says so itself.)
        partial = [i for i, (n, m) in enumerate(zip(count, seeds)) if 0 < n < m]
        # A row whose value and own interval are all empty was not measured (a rate of a request never admitted in
        # that seed: RATE_NOT_MEASURED, NaN bounds): said as such, where "no value (a fidelity without pairs, say)"
        # read as a measurement that came out empty.
        unmeasured = (
            (frame[column].isna() & frame[f"{column}_low"].isna() & frame[f"{column}_high"].isna())
            .groupby([frame[k] for k in keys], sort=True).sum().to_numpy()
            if own and partial and f"{column}_low" not in derived else None  # not a half-width's derived ends
        )
        not_measured = [i for i in partial if unmeasured is not None and unmeasured[i] > 0]
        if not_measured:
            counts = ", ".join(
                f"{int(unmeasured[i])} of {seeds[i]}" for i in not_measured[:3]
            ) + (" ..." if len(not_measured) > 3 else "")
            notes.append(
                f"{column}: at {len(not_measured)} of {len(count)} points some seeds did not measure it (value and "
                f"interval empty: not measured, as the rate of a request never admitted in that seed; its row's notes "
                "say why) and are "
                f"left out of the mean, which is of the other seeds alone ({_where(out, keys, not_measured)}: "
                f"{counts} seeds not measured)"
            )
            partial = [i for i in partial if i not in not_measured or count[i] + unmeasured[i] < seeds[i]]
        if partial:
            counts = ", ".join(f"{count[i]} of {seeds[i]}" for i in partial[:3]) + (" ..." if len(partial) > 3 else "")
            notes.append(
                f"{column}: at {len(partial)} of {len(count)} points some seeds have no value and are left out of the "
                f"mean ({_where(out, keys, partial)}: {counts} seeds with a value); "
                f"{_no_value_kinds(blanks, nans, partial)}"
            )
        # A point without a finite mean (no seed with a value, or an infinite one) reads as such in the table,
        # but a plot draws no marker there and the curve runs past it as if the sweep had no such point.
        undrawn_at = [i for i, (n, m) in enumerate(zip(count, mean)) if n == 0 or not math.isfinite(float(m))]
        if undrawn_at:
            undrawn[column] = _where(out, keys, undrawn_at)
        served_few = _served_by_few_pairs(frame, column)
        if served_few is not None and served_few.map(bool).any():
            # Each such rate is n / (time of the n-th pair), high by n/(n-1) on average: a mean over seeds of 3-pair
            # requests drew 1.5 kHz for a 1 kHz link, with a standard error that did not reach the truth.
            hits = served_few.map(bool).groupby([frame[k] for k in keys], sort=True).sum().to_numpy()
            at = [i for i, k in enumerate(hits) if k]
            # The setting as the rows' own notes name it (requests.0.num_pairs in a scenario sweep's rows, num_pairs
            # in a Python function's): the plot's reader changes it where the rows were made.
            settings = " or ".join(dict.fromkeys(name for name in served_few if name))
            notes.append(
                f"{column}: at {len(at)} of {len(count)} points ({_where(out, keys, at)}), seeds whose request was "
                "served by its last pair after few random arrivals (their notes: \"rate from only ... in a window "
                "that ended on the last\") read high, by about n/(n-1) for n pairs, and the mean over seeds keeps "
                f"that bias: ask for at least {FEW_PAIRS_FOR_RATE} pairs ({settings})"
            )
    notes += _noted_points(frame, out, keys, y)
    if len(seeds) and seeds.min() < seeds.max():
        fewest = [i for i, n in enumerate(seeds) if n == seeds.min()]
        label = ", ".join(y) if len(y) > 1 else y[0]
        notes.append(
            f"{label}: the points rest on unequal numbers of seeds, {seeds.min()} to {seeds.max()} (fewest at "
            f"{_where(out, keys, fewest)}): an interrupted or partly failed sweep? its means weigh unequally; "
            "resume the sweep to finish them"
        )
    notes += _rounding_twins(out, keys)
    notes += [
        f"{column} is not held fixed: it was swept together with {along} ({_linked_values(out, along, column)}), so "
        f"each point's figures are those of both; its values are the table's {column} column"
        for column in moving
        for along in [hue if column in with_hue else x]
    ]
    said_once = [_said_once(frame, out, keys, remark) for remark in remarks]
    notes[:0] = [text for text, _ in said_once]
    if frame.attrs.get("sweep_status"):
        notes.insert(0, frame.attrs["sweep_status"])
    out.attrs["sweep_status"] = frame.attrs.get("sweep_status")
    out.attrs["sweep_unfinished"] = frame.attrs.get("sweep_unfinished", False)
    out.attrs["notes"] = notes
    out.attrs["remarks"] = remarks
    #: Per remark, the points whose rows carry their own instead (their grid values change it): 0 for every point.
    out.attrs["remarks_not_for"] = [count for _, count in said_once]
    out.attrs["undrawn"] = undrawn
    out.attrs["no_value"] = no_value
    out.attrs["linked"] = linked
    out.attrs["linked_hue"] = with_hue
    out.attrs["seeds_per_point"] = (int(seeds.min()), int(seeds.max())) if len(seeds) else (0, 0)
    out.attrs["request_of"] = request_of = _request_of(frame, y)
    if request_of:
        # The README's sweep of the two-request scenario drew only its first request (the transmon memories, NOT
        # ENTANGLED at 20 km); the second (10 ms memories), the one the scenario is about, was in the rows unseen.
        shown_columns = list(request_of)
        first = request_of[shown_columns[0]]
        others = [label for label in _request_labels(frame, shown_columns[0]) if label != first]
        theirs = [f"{label}.{column}" for label in others[:3] for column in shown_columns]
        notes.append(
            f"{', '.join(shown_columns)}: request {first}'s, the first of the rows' {len(others) + 1} requests; "
            f"{'the others have columns of their' if len(others) > 1 else 'the other has columns of its'} own: "
            f"{', '.join(theirs)}{' ...' if len(others) > 3 else ''} (qnsim plot --y COLUMN, or plot_sweep's y=)"
        )
    return out


#: The first part of the (tuple) names under which summarize keeps, per y column, which rows' cells are blank and
#: which not measured (columns of its own copy of the rows).
_KIND_COLUMN = "\0qnsim no value"


def _no_value_kinds(blanks: Any, nans: Any, at: list[int]) -> str:
    """The seeds without a value at the points ``at``, by kind (see :func:`summarize`).

    Example:
        >>> _no_value_kinds([0, 1], [2, 0], [0, 1])
        'seeds without one: 2 not measured (NaN: a fidelity without pairs, say), 1 blank (no value written)'
    """
    nan, blank = sum(int(nans[i]) for i in at), sum(int(blanks[i]) for i in at)
    kinds = [
        f"{nan} not measured (NaN: a fidelity without pairs, say)" if nan else "",
        f"{blank} blank (no value written)" if blank else "",
    ]
    return "seeds without one: " + ", ".join(k for k in kinds if k)


def _undrawn_kinds(table: Any, column: Any) -> str:
    """`` (2 not measured, 1 blank)``: why ``table``'s points of ``column`` without a finite mean have none, for
    plot_sweep's title and qnsim plot's note alike: the kinds of the seeds' empty cells where no seed has a value
    (summarize's ``attrs["no_value"]``), and how many points have seeds of an infinite value (``1 mean over infinite
    values``: inf, or NaN of inf and -inf); "" where there is no such point."""
    counts = table.attrs["no_value"].get(column)
    seeds = table[f"{column}_n"].tolist()
    at = [i for i, n in enumerate(seeds) if n == 0]
    nan = sum(counts["not_measured"][i] for i in at) if counts is not None else 0
    blank = sum(counts["blank"][i] for i in at) if counts is not None else 0
    infinite = sum(1 for n, m in zip(seeds, table[f"{column}_mean"].tolist()) if n > 0 and not math.isfinite(m))
    kinds = [f"{nan} not measured" if nan else "", f"{blank} blank" if blank else "",
             f"{infinite} mean{'s' if infinite > 1 else ''} over infinite values" if infinite else ""]  # fmt: skip
    return f" ({', '.join(k for k in kinds if k)})" if any(kinds) else ""


def _said_once(frame: Any, table: Any, keys: list[str], remark: str) -> tuple[str, int]:
    """The summary's note of a remark a scenario sweep said once, and the number of points it is not for: those
    whose rows carry their own remark of its kind (their grid values change it, or leave none:
    :func:`qnsim.results.remark_kind`). "For every row" stood beside rows that carried another remark."""
    from qnsim.results import remark_kind

    kind = remark_kind(remark)
    if kind is None or "notes" not in frame.columns or frame.empty:
        return f"the scenario, for every row: {remark}", 0
    own = frame["notes"].map(lambda v: any(n != remark and remark_kind(n) == kind for n in split_notes(v)))
    hits = own.astype(bool).groupby([frame[k] for k in keys], sort=True).any().to_numpy()
    at = [i for i, hit in enumerate(hits) if hit]
    if not at:
        return f"the scenario, for every row: {remark}", 0
    if len(at) == len(hits):
        return (f"the scenario as written, for none of these rows (every point's grid values change it: its rows' "
                f"notes say their own): {remark}", len(at))
    return (f"the scenario, for every row but those of {len(at)} of {len(hits)} points ({_where(table, keys, at)}), "
            f"whose grid values change it (their rows' notes say their own): {remark}", len(at))


def _noted_points(frame: Any, table: Any, keys: list[str], y: Sequence[str]) -> list[str]:
    """A note naming the points whose rows carry notes of their own (a sweep's ``notes`` column: shots that failed
    as often as random outcomes, pairs NOT ENTANGLED, a request unfinished), with the first point's: a plot of
    such rows drew a QEC point whose rate is only a lower bound like any measured one, and said nothing.

    Only the notes of the run and of the requests whose columns ``y`` draws count (see ``_notes_of_drawn``)."""
    if "notes" not in frame.columns or frame.empty:
        return []
    drawn = _drawn_requests(frame, y)
    texts = frame["notes"] if drawn is None else frame["notes"].map(lambda v: _notes_of_drawn(v, *drawn))
    frame = frame.assign(notes=texts)
    noted = frame["notes"].map(lambda v: isinstance(v, str) and bool(v.strip())).astype(bool)
    if not noted.any():
        return []
    hits = noted.groupby([frame[k] for k in keys], sort=True).sum().to_numpy()
    at = [i for i, k in enumerate(hits) if k]
    # One example of each kind of note (its figures aside), in the points' order: the first point's alone
    # hid a rarer, graver one ("max_shots ran out" at six points, "as often as random outcomes" at one).
    examples: dict[str, str] = {}
    for i in at:
        point = table.iloc[i]
        mine = noted.copy()
        for k in keys:
            mine &= frame[k] == point[k]
        text = "; ".join(split_notes(frame.loc[mine, "notes"].iloc[0]))  # shown as read, each ";" once
        kind = re.sub(r"\d[\d.e+-]*", "#", text)[:80]
        if kind not in examples and len(examples) < 3:
            examples[kind] = f"at {_where(table, keys, [i])}: {text if len(text) <= 240 else text[:237] + '...'}"
    return [
        f"{len(at)} of {len(hits)} points have rows with notes on what their figures cannot say (the rows' notes "
        f"column; {_where(table, keys, at)}); " + " | ".join(examples.values())
    ]


def _drawn_requests(frame: Any, y: Sequence[str]) -> tuple[list[str], set[str]] | None:
    """The request labels of a scenario sweep's rows and those whose figures ``y`` draws (an unprefixed figure,
    ``rate_hz``, is the first request's); None when some column is no request's figure (a run-wide or QEC column:
    every note counts) or the rows have fewer than two requests."""
    from qnsim.scenario import ROW_FIGURES

    labels = _request_labels(frame, "rate_hz")
    if len(labels) < 2:
        return None
    drawn = set()
    for column in y:
        label, _, figure = str(column).rpartition(".")
        if label in labels and figure in ROW_FIGURES:
            drawn.add(label)
        elif not label and figure in ROW_FIGURES:
            drawn.add(_request_of(frame, [figure]).get(figure, labels[0]))
        else:
            return None
    return labels, drawn


def _notes_of_drawn(text: Any, labels: list[str], drawn: set[str]) -> Any:
    """A row's notes (the run's, then each request's prefixed ``<label>: ``, joined by ``"; "``) without those of
    the requests not drawn: ``--y '<second request>.rate_hz'`` repeated the first request's NOT ENTANGLED.

    Example:
        >>> _notes_of_drawn("run ended; a->b: NOT ENTANGLED; x; c->d: few pairs", ["a->b", "c->d"], {"c->d"})
        'run ended; c->d: few pairs'
        >>> _notes_of_drawn("a->b: NOT ENTANGLED", ["a->b", "c->d"], {"c->d"}) is None
        True
    """
    if not isinstance(text, str):
        return text
    by_length = sorted(labels, key=len, reverse=True)  # "a->b2: ..." is not a note of "a->b"
    kept, owner = [], None
    for note in split_notes(text):
        # A note that starts with no label is the run's, or (in a file written before notes kept their own "; "
        # apart) the rest of the note before it.
        owner = next((label for label in by_length if note.startswith(label + ": ")), owner)
        if owner is None or owner in drawn:
            kept.append(note)
    return join_notes(kept)


def _served_by_few_pairs(frame: Any, column: str) -> Any:
    """Per row, when ``column`` (a ``rate_hz`` column of a scenario sweep) comes from a request served by its
    last pair after fewer than 100 random arrivals, as the row's notes say: the setting that note asks to raise,
    as the note names it (``requests.0.num_pairs``); "" for other rows (None: not such a column)."""
    if "notes" not in frame.columns or not column.endswith("rate_hz"):
        return None
    prefix = column[: -len("rate_hz")]
    if not prefix:  # the first request's figures, unprefixed: its label prefixes the first labelled rate column
        labelled = _request_labels(frame, "rate_hz")
        prefix = labelled[0] + "." if labelled else ""
    label = re.escape(prefix[:-1]) + ": " if prefix else ""
    pattern = re.compile(rf"{label}rate from only \d+ pair\(s\), in a window that ended on the last.*\(([^()]+)\) to")

    def setting(notes: Any) -> str:
        found = [m.group(1) for m in map(pattern.match, split_notes(notes)) if m]
        return found[0] if found else ""

    return frame["notes"].map(setting)


def _linked_values(table: Any, x: str, column: str, most: int = 6) -> str:
    """``column``'s value at each ``x`` of a summary table, ``35 at 5, 30 at 10 ...`` (the first few)."""
    # Each (x, value) once: with a hue, every curve repeats them.
    pairs = list(
        dict.fromkeys(f"{written(_plain(v))} at {written(_plain(at))}" for at, v in zip(table[x], table[column]))
    )
    return f"{column} = " + ", ".join(pairs[:most]) + (" ..." if len(pairs) > most else "")


def _linked_labels(table: Any, x: str, hue: str | None) -> list[str]:
    """Lines under the x axis's label for the parameters swept together with ``x`` (``table.attrs["linked"]``):
    the axis named ``x`` alone read as if they were held at the scenario's value. Their values at each point
    too when one curve has them all (a few)."""
    lines = []
    for column in table.attrs["linked"]:
        values = [written(_plain(v)) for v in table[column]]
        at = f": {', '.join(values)}" if hue is None and len(values) <= 6 else ""
        lines.append(f"with {axis_label(column)} swept together{at}")
    return lines


def _plain(value: Any) -> Any:
    """A numpy scalar as its Python value (written as the rows hold it: 35, not np.int64(35))."""
    return value.item() if hasattr(value, "item") else value


def _rounding_twins(table: Any, keys: list[str]) -> list[str]:
    """Notes on values of a key that differ by rounding only (``0.3`` and ``0.30000000000000004``: rows of
    two sweeps whose values were computed two ways, ``np.linspace`` and a typed list): each is a point of
    its own, with its own mean, drawn at one place. (A sweep refuses to write both into one file.)"""
    from qnsim.sweeps import ROUNDING_TOLERANCE

    notes = []
    for key in keys:
        values = sorted({v for v in table[key].tolist() if isinstance(v, float) and math.isfinite(v)})
        twins = [(a, b) for a, b in zip(values, values[1:]) if math.isclose(a, b, rel_tol=ROUNDING_TOLERANCE)]
        if twins:
            shown_pairs = ", ".join(f"{written(a)} and {written(b)}" for a, b in twins[:3])
            shown_pairs += " ..." if len(twins) > 3 else ""
            notes.append(
                f"{key}: the values {shown_pairs} differ by rounding only: each is a point of its own (its own mean "
                "and count) drawn at one place; rows of two sweeps whose values were computed another way? give "
                "them one value"
            )
    return notes


def _request_of(frame: Any, y: Sequence[str]) -> dict[str, str]:
    """For each unprefixed per-request figure among ``y`` (``rate_hz``, ...) in the rows of a scenario
    with several requests: the label of the request whose figures it repeats (the first request's,
    found by comparing the columns, not assumed). A plot of ``rate_hz`` says which request it shows."""
    from qnsim.scenario import ROW_FIGURES

    found = {}
    for column in y:
        if column not in ROW_FIGURES:
            continue
        labels = _request_labels(frame, column)
        if len(labels) < 2:
            continue
        for label in labels:
            if frame[f"{label}.{column}"].equals(frame[column]):
                found[column] = label
                break
    return found


def _request_labels(frame: Any, figure: str) -> list[str]:
    """The labels of the requests whose own ``figure`` column (``<label>.<figure>``) the rows hold, in column order
    (the requests' order); ``frame`` is the rows or their columns.

    A swept parameter's column is none (``links.0.rate_hz``, a grid key, or any ``requests.K`` key): a sweep of one
    request over ``links.0.rate_hz`` was read as rows of two requests, and its plot's note named the grid column as
    the other request's rate; with two requests, ``qnsim plot`` against ``requests.1.cutoff_s`` drew request 0's
    figures as request 1's (the grid column counted as the first request).

    Example:
        >>> _request_labels(["links.0.rate_hz", "seed", "a->b.rate_hz", "point_id"], "rate_hz")
        ['a->b']
    """
    columns = list(getattr(frame, "columns", frame))
    swept = set(_parameter_columns(columns))
    # A DataFrame's columns may be numbers (plot_sweep(frame, x=3) raised AttributeError "'int' object has
    # no attribute 'endswith'"): only a string names a request's figure.
    return [
        c[: -len(figure) - 1]
        for c in columns
        if isinstance(c, str) and c.endswith("." + figure) and c not in swept and not c.startswith("requests.")
    ]


def _where(table: Any, keys: list[str], rows: list[int], most: int = 3) -> str:
    """The points of ``rows`` as ``x = 20, x = 40 ...`` (the first few)."""
    points = ["; ".join(f"{k} = {table[k].iloc[i]}" for k in keys) for i in rows[:most]]
    return ", ".join(points) + (" ..." if len(rows) > most else "")


def _parameter_columns(frame: Any) -> list[str]:
    """The swept parameters of a sweep's rows (they carry a point_id): a sweep writes them first,
    then the seed column. Other tables name none (their column order means nothing). ``frame``: the rows or their
    columns."""
    columns = list(getattr(frame, "columns", frame))
    if "point_id" not in columns or "seed" not in columns:
        return []
    return columns[: columns.index("seed")]


def _one_row_per_point(frame: Any) -> Any:
    """The rows with each point (its point_id) counted once.

    Two sweeps writing one file side by side append the same points twice; averaging those
    copies would weigh them twice as if they were seeds of their own. Copies that disagree mean
    the point function did not give one row per point (it is not a function of its seed).
    """
    if "point_id" not in frame.columns:
        return frame
    key = ["point_id"]
    repeated = frame[frame.duplicated(key, keep=False)]
    if repeated.empty:
        return frame
    for _, copies in repeated.groupby(key, sort=False, dropna=False):
        if len(copies.drop_duplicates()) > 1:
            raise ValueError(
                f"the results hold {len(copies)} different rows of one point ({', '.join(key)} = "
                f"{copies.iloc[0][key].tolist()}): its rows must be a function of its parameters and seed"
            )
    return frame.drop_duplicates(key, keep="first")


def _check_other_parameters_fixed(frame: Any, keys: list[str]) -> None:
    """Refuses rows that share x (and hue) but differ in another swept parameter: their mean
    would mix parameter values as if they were seeds."""
    others = [c for c in _parameter_columns(frame) if c not in keys]
    if not others or frame.empty:
        return
    grouped = frame.groupby(keys, sort=True, dropna=False)[others].nunique(dropna=False)
    varying = [c for c in others if (grouped[c] > 1).any()]
    if varying:
        values = {c: str(sorted(frame[c].dropna().unique().tolist(), key=str)[:6]) for c in varying}
        for c in varying:
            if frame[c].isna().any():
                # Rows of a sweep that did not sweep it (run again without that --param): the value the scenario
                # itself gives. Left out, the message named one value for a parameter it said differs.
                values[c] += " and blank (rows of a sweep without it: the scenario's own value)"
        raise ValueError(
            f"rows with the same {' and '.join(keys)} differ in the swept parameter(s) "
            f"{', '.join(f'{written(c)} ({values[c]})' for c in varying)}: the mean over them would mix those "
            f"values as if they were seeds; plot one of them as {option_name('hue')} (one curve per value) or as "
            f"{option_name('x')}, or select the rows of one value"
        )


def _check_seeds_once(frame: Any, keys: list[str]) -> None:
    """Refuses a seed that appears twice at one point (rows of one x, hue and seed).

    A sweep resumed with ``x = 1.0`` on a file written with ``x = 1`` computes the points again (another
    value type, another point) and the file then holds each seed twice at x = 1: the mean counted it
    twice and its standard error shrank as if twice the seeds had run. A table without point ids (made by
    hand, or a sweep's columns selected) names no parameters: a seed twice at one x and hue is the same run
    counted twice, or two settings averaged as if they were seeds (checked for sweep rows only, before).
    """
    if "seed" not in frame.columns or frame.empty:
        return
    subset = [*[c for c in _parameter_columns(frame) if c not in keys], *keys, "seed"]
    twice = frame[frame.duplicated(subset=subset, keep=False)]
    if not len(twice):
        return
    first = twice[subset].iloc[:1]
    value = {c: _plain(first[c].iloc[0]) for c in subset}  # by column: a row is of one dtype (10 read as 10.0)
    where = ", ".join(f"{k} = {written(value[k])}" for k in keys)
    if "point_id" not in frame.columns:
        raise ValueError(
            f"seed {written(value['seed'])} appears in more than one row at {where} ({len(twice)} such rows in "
            "all): the mean would count one run twice, or average rows of different settings as if they were "
            f"seeds; plot the setting that differs as {option_name('hue')}, select one setting's rows, or drop "
            "the duplicates"
        )
    copies = int((frame[subset] == first.iloc[0]).all(axis=1).sum())
    raise ValueError(
        f"seed {written(value['seed'])} appears in {copies} rows at {where} ({len(twice)} such rows in all): one "
        "point written twice under values that read alike (1 and 1.0, say, from two sweeps on one file)? its "
        "mean would count the seed twice; keep the rows of one sweep"
    )


# "_per_s" before "_s": a QEC sweep's logical_error_per_s (errors per second) was labelled in seconds.
_SUFFIX_UNITS = (
    ("_db_per_km", "dB/km"), ("_hz", "Hz"), ("_km", "km"), ("_rad", "rad"), ("_per_s", "1/s"), ("_s", "s"),
)  # fmt: skip


def column_unit(column: str) -> str:
    """The unit of a sweep column: a scenario key's spec field unit (``links.*.length_km`` ->
    km, ``nodes.qpu_a.t2_s`` -> s, ``run.until_s`` -> s), else the one its name ends in
    (``rate_hz`` -> Hz, ``up.mean_latency_s`` -> s); "" when dimensionless or unknown, or when the column's
    name is a number (a DataFrame's column may be). TypeError for what cannot name a column (None, a list).

    Example:
        >>> column_unit("links.*.length_km"), column_unit("a->b.rate_hz"), column_unit("mean_fidelity")
        ('km', 'Hz', '')
        >>> column_unit("a->b.rate_hz_high"), column_unit("per_round_low")
        ('Hz', '')
    """
    column = column_name("column", column)
    if not isinstance(column, str):
        return ""  # A number names no unit (axis_label(3) raised AttributeError "'int' ... no attribute 'split'").
    parts = column.split(".")
    tables = {"nodes": "NodeSpec", "links": "LinkSpec", "requests": "RequestSpec"}
    if len(parts) >= 2 and (parts[0] in tables or parts[0] == "run"):
        from qnsim import specs
        from qnsim.scenario import RunSettings

        cls = RunSettings if parts[0] == "run" else getattr(specs, tables[parts[0]])
        for f in specs.spec_fields(cls):
            if f.name == parts[-1]:
                return f.unit
    name = parts[-1]
    # An interval's bounds are in their figure's unit: rate_hz_low and rate_hz_high were drawn without one.
    name = name.removesuffix("_low").removesuffix("_high")
    for suffix, unit in _SUFFIX_UNITS:
        if name.endswith(suffix):
            return unit
    return ""


def _integer_column(values: Any) -> bool:
    """Whether a summarized column holds integers (its dtype; bools are not counts)."""
    import pandas as pd

    return pd.api.types.is_integer_dtype(values) and not pd.api.types.is_bool_dtype(values)


def axis_label(column: str) -> str:
    """A column's name with its unit, for an axis: ``"links.*.length_km (km)"``.

    Example:
        >>> axis_label("rate_hz"), axis_label("mean_fidelity")
        ('rate_hz (Hz)', 'mean_fidelity')
    """
    unit = column_unit(column)
    # A column named by a number past 4,300 digits is written by its size (str() of it raised Python's own limit).
    return f"{column} ({unit})" if unit else str(column) if isinstance(column, str) else written(column)


def plot_sweep(
    data: Any,
    x: str,
    y: Sequence[str] | str = ("rate_hz", "mean_fidelity"),
    hue: str | None = None,
    out: str | os.PathLike | None = None,
    *,
    ax: Any = None,
    logx: bool = False,
    logy: Sequence[str] | str = (),
    title: str | None = None,
) -> Any:
    """Plots results (mean over seeds, bars of the 95% interval of the mean) against a swept parameter.

    One panel per ``y`` column, stacked, sharing the x axis; one curve per ``hue`` value. Axes
    are labelled with the column names and their units (:func:`axis_label`); an unprefixed request
    figure (``rate_hz``) in the rows of several requests also names the request it repeats (the
    first). Points are never
    dropped silently: on a logarithmic axis, a mean of 0 (a distance at which no pair arrived)
    is drawn at the bottom edge as an open triangle and the legend says so; means that do not
    exist (a fidelity without pairs) are left out and the panel says how many. A ``mean_fidelity``
    panel with a point at or below 1/2 draws the line F = 1/2: a fidelity (toward Phi+) at or below it
    is separable unless the pairs are near another Bell state (Psi+, say: entangled at a low fidelity
    toward Phi+); the rows' notes say which (``NOT ENTANGLED``, or the state they are near).

    Args:
        data: A DataFrame returned by :func:`qnsim.sweep`, a list of row dicts, or the path of a
            sweep's CSV file or Parquet directory.
        x: The swept column for the horizontal axis (distance, node count, ...).
        y: Result columns, one panel each.
        hue: Optional column with one curve per value (e.g. a hardware preset).
        out: Also save the figure here (PNG, or any format matplotlib knows by the suffix): one figure gives one
            file, byte for byte (no date of the save in an SVG, PDF or PostScript file).
        ax: A matplotlib Axes to draw into (one ``y`` column), or a sequence of Axes, one per
            ``y`` column; default: a new figure.
        logx: Logarithmic x axis.
        logy: The y columns (or one, as a string) to draw on a logarithmic axis (e.g. ``["rate_hz"]``).
        title: Figure title (default: what the points and bars are).

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ImportError: matplotlib or pandas is missing.
        ValueError: A named column is not in the results, ``ax`` does not match ``y``, rows of
            one ``x`` (and ``hue``) differ in another swept parameter, or rows of one point differ.

    Example:
        >>> import os, tempfile
        >>> rows = [{"links.*.length_km": L, "seed": s, "rate_hz": 100.0 / L + s if L < 40 else 0.0,
        ...          "mean_fidelity": 0.9} for L in (10, 20, 40) for s in (0, 1)]
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     fig = plot_sweep(rows, x="links.*.length_km", out=os.path.join(tmp, "p.png"), logy=["rate_hz"])
        ...     print(os.path.getsize(os.path.join(tmp, "p.png")) > 1000)
        True
        >>> [a.get_ylabel() for a in fig.axes], fig.axes[-1].get_xlabel()
        (['rate_hz (Hz)', 'mean_fidelity'], 'links.*.length_km (km)')
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plot_sweep needs matplotlib: pip install 'qnsim[plot]'") from None
    y = _columns("y", y)
    if not y:
        # matplotlib said "Number of rows must be a positive integer, not 0", naming nothing of ours.
        raise ValueError("y must name at least one column to plot, got []")
    logx = flag("logx", logx)  # logx="no" drew a log axis
    logy = _columns("logy", logy)  # as y; "rate_hz" was read as 'r', 'a', 't', ...
    title = _title(title)
    unknown_log = [c for c in logy if c not in y]
    if unknown_log:
        raise ValueError(f"logy names {written(unknown_log)}, which are not among the plotted columns {written(y)}")
    image = None if out is None else _image_path(out)
    table = summarize(data, x, y, hue)
    from pandas.api.types import is_numeric_dtype  # pandas is loaded: summarize returned a DataFrame

    if logx and len(table) and not is_numeric_dtype(table[x]):
        # Text on the x axis (a preset's name) said pandas' "Invalid comparison between dtype=str and int".
        first = next((v for v in table[x] if not is_real_number(v)), table[x].iloc[0])
        raise ValueError(f"logx: {x} = {shown(first)} is not a number, so it has no place on a logarithmic axis")
    if logx and len(table) and not bool((table[x] > 0).all()):
        # Such points were left off the axis without a word.
        first = table.loc[~(table[x] > 0), x].iloc[0]
        raise ValueError(f"logx: {x} = {shown(first)} has no place on a logarithmic axis (values must be > 0)")

    if ax is None:
        figure = Figure(figsize=(6.4, 2.6 * len(y) + 0.6), layout="constrained")
        FigureCanvasAgg(figure)
        axes = list(figure.subplots(len(y), 1, sharex=True, squeeze=False)[:, 0])
    else:
        axes = list(ax) if isinstance(ax, (list, tuple)) or hasattr(ax, "shape") else [ax]
        if len(axes) != len(y):
            raise ValueError(f"ax= gives {len(axes)} Axes for {len(y)} y columns {y}; give one Axes per column")
        figure = axes[0].figure
    groups = [(None, table)] if hue is None else list(table.groupby(hue, sort=True))
    for panel, column in zip(axes, y):
        _panel(panel, table, groups, x, column, hue, column in logy, logx)
        if column in table.attrs["request_of"]:
            # Rows of several requests: say whose figure this is (the first request's).
            panel.set_ylabel(f"{axis_label(column)}\nrequest {table.attrs['request_of'][column]}")
    axes[-1].set_xlabel("\n".join([axis_label(x), *_linked_labels(table, x, hue)]))
    if not logx and len(table) and _integer_column(table[x]):
        # A count on the x axis (a code distance, a node count) had ticks at 3.25, 3.5, ...: whole ticks only.
        from matplotlib.ticker import MaxNLocator

        axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    seeds = int(table[f"{y[0]}_n"].max()) if len(table) else 0
    if ax is None or title is not None:
        # What the means cannot say goes under the title, where a reader of the image sees it
        # (in short: the full notes are in summarize(...).attrs["notes"]).
        counts = table[[f"{c}_n" for c in y]]
        caveats = []
        single = int((counts == 1).any(axis=1).sum())
        fewest, most = table.attrs["seeds_per_point"]
        if most == 1:
            default = "one seed per point, " + _single_seed_bars(table, y, "no error bars")
        else:
            over = f"{seeds} seed(s)" if fewest == most else f"up to {seeds} seed(s)"
            default = f"mean over {over}, bars: 95% interval of the mean (Student t)"
            if single:
                caveats.append(f"{single} point(s) rest on a single seed: " + _single_seed_bars(table, y, "no bar"))
        if table.attrs.get("sweep_unfinished"):
            caveats.append("the sweep that wrote these rows did not finish: a part of it")
        elif table.attrs.get("sweep_status"):
            caveats.append("the sweep state does not vouch for these rows (see the notes)")
        if fewest < most:
            caveats.append(f"seeds per point {fewest} to {most}: an unfinished sweep?")
        without = [c for c in y if any(note.startswith(f"{c}: at ") and "have no value" in note
                                       for note in table.attrs["notes"])]
        if without:
            # Which kind the left-out seeds are (see summarize): a blank cell and a figure not measured both drew
            # as "NaN seeds".
            nan = sum(sum(table.attrs["no_value"][c]["not_measured"]) for c in without)
            blank = sum(sum(table.attrs["no_value"][c]["blank"]) for c in without)
            kinds = ", ".join(k for k in (f"{nan} not measured (NaN)" if nan else "", f"{blank} blank" if blank else "")
                              if k)  # fmt: skip
            caveats.append(f"{', '.join(without)}: means over the seeds with a value only (left out: {kinds})")
        if table.attrs["remarks"]:
            # Too long for a title (a preset's unmodelled figures, ~270 characters): named, said in full in the notes.
            # "Hold for every point" was written where some points' grid values changed a remark (their own in
            # their rows).
            partial = sum(1 for n in table.attrs["remarks_not_for"] if n)
            where = " hold for every point" if not partial else f", {partial} of them not for every point"
            caveats.append(f"{len(table.attrs['remarks'])} remark(s) on the scenario{where} (see the notes)")
        if table.attrs["undrawn"]:
            # With the kind of its seeds' empty cells where no seed has a value (a NaN mean reads the same for both).
            listed = "; ".join(
                f"{c} at {where}{_undrawn_kinds(table, c)}" for c, where in table.attrs["undrawn"].items()
            )
            caveats.append(f"no finite mean, not drawn: {listed}"[:160])
        # Lines wrapped to the figure's width: a one-seed title naming each panel's bars ran off both edges.
        lines = [*(title or default).split("\n"), *caveats]
        figure.suptitle("\n".join(textwrap.fill(line, _TITLE_WIDTH, break_long_words=False) for line in lines))
    if image is not None:
        _save_whole(figure, image)
    return figure


def _save_whole(figure: Any, image: Path) -> None:
    """Saves ``figure`` to ``image`` whole or not at all: drawn to a temporary file beside it, then renamed
    over it. Saved in place, a plot interrupted while it wrote (a Ctrl-C, a kill, a full disk) left the
    image cut short, or the last plot's image half replaced by this one's."""
    import uuid

    data = _image_bytes(figure, image.suffix[1:].lower())
    if image.exists() and not image.is_file():  # /dev/stdout, a FIFO: a rename would replace the node itself
        with open(image, "wb") as f:
            f.write(data)
        return
    tmp = image.with_name(f".{image.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, image)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


#: The seed of the ids an SVG's elements are named by (matplotlib draws them from a fresh uuid4 by default).
_SVG_ID_SALT = "qnsim"
#: The date line matplotlib writes into a PostScript file's header (the time of the save, or $SOURCE_DATE_EPOCH's).
_PS_DATE_LINE = re.compile(rb"^%%CreationDate: [^\n]*\n", re.MULTILINE)


def _image_bytes(figure: Any, fmt: str) -> bytes:
    """``figure`` as an image file's bytes in the format ``fmt`` (a suffix matplotlib knows, without its dot), the
    same bytes for the same figure in every run, at every hour.

    matplotlib stamps its SVG, PDF, PostScript and gzipped SVG with the time of the save and names an SVG's
    elements from a random salt, so two plots of one results file differed in every such format, and a user who
    diffed two images (or kept them under version control) saw a change where nothing had changed. Here the
    dates are left out and the salt is fixed; PNG (and the other raster formats) carry no date.

    Args:
        figure: A matplotlib figure.
        fmt: ``"png"``, ``"svg"``, ``"svgz"``, ``"pdf"``, ``"ps"``, ``"eps"``, ...

    Returns:
        The image file's content.
    """
    import gzip
    import io

    import matplotlib

    draw = "svg" if fmt == "svgz" else fmt
    metadata: dict[str, Any] | None = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(draw)
    buffer = io.BytesIO()
    # Into memory, not a path: given a path, PostScript also writes the file's name into its header (here the
    # temporary name, another one on every save).
    with matplotlib.rc_context({"svg.hashsalt": _SVG_ID_SALT}):
        figure.savefig(buffer, dpi=120, format=draw, **({"metadata": metadata} if metadata else {}))
    data = buffer.getvalue()
    if draw in ("ps", "eps"):
        data = _PS_DATE_LINE.sub(b"", data, count=1)  # matplotlib has no option to leave it out
    if fmt == "svgz":
        data = gzip.compress(data, mtime=0)  # a gzip header holds a time too
    return data


#: Characters of a title line that fit the default figure's width (6.4 in at matplotlib's "large" font).
_TITLE_WIDTH = 75


def _half_width_column(frame: Any, column: str) -> str | None:
    """The column of the half-widths of ``column``'s own 95% intervals, if the rows have one: ``<y>_ci95``, or
    for a mean the figure's name with ``_ci95`` (``a->b.mean_fidelity``: ``a->b.fidelity_ci95``, as a scenario
    sweep writes it)."""
    prefix, dot, last = column.rpartition(".")
    for name in (f"{column}_ci95", f"{prefix}{dot}{last.removeprefix('mean_')}_ci95"):
        if name in frame.columns:
            return name
    return None


def _is_fidelity(column: str) -> bool:
    """Whether a result column is a fidelity (its interval clipped to [0, 1])."""
    return "fidelity" in column.rpartition(".")[2]


def _finite(value: Any) -> bool:
    """Whether a cell is a finite number (an empty cell of a row's interval is None or NaN)."""
    return isinstance(value, numbers.Real) and math.isfinite(float(value))


def _single_seed_bars(table: Any, y: Sequence[str], none: str) -> str:
    """What the bars of single-seed points are, per panel: the rows' own 95% intervals (a QEC sweep's
    ``per_round_low`` / ``_high``, a scenario sweep's ``rate_hz_low`` / ``_high``) or none. A title saying "no error
    bars" over a rate panel that drew the rows' intervals (or the reverse) misread the figure."""
    kinds: dict[str, list[str]] = {"all": [], "some": [], "none": []}
    for column in y:
        single = table[f"{column}_n"] == 1
        if f"{column}_low" not in table.columns or not single.any():
            kinds["none"].append(column)
            continue
        has = (table[f"{column}_low"].notna() & table[f"{column}_high"].notna())[single]
        kinds["all" if has.all() else "some" if has.any() else "none"].append(column)
    if not kinds["all"] and not kinds["some"]:
        return none
    if not kinds["some"] and not kinds["none"]:
        return "bars: the rows' 95% intervals"
    parts = []
    if kinds["all"]:
        parts.append(f"the rows' 95% intervals for {', '.join(kinds['all'])}")
    if kinds["some"]:
        parts.append(f"the rows' 95% intervals where they have one for {', '.join(kinds['some'])}")
    if kinds["none"]:
        parts.append(f"none for {', '.join(kinds['none'])}")
    return "bars: " + "; ".join(parts)


def _title(title: Any) -> str | None:
    """A figure's title: a string, or None for the default one (one check for every plot)."""
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {written(title)}")
    return title


def _image_path(out: Any, what: str = "out") -> Path:
    """``out`` as the path of the image to write, checked before anything is drawn.

    matplotlib saves a path without a suffix as ``<path>.png``: ``--out adir`` (a directory) wrote
    ``adir.png`` and ``--out /dev/full`` wrote ``/dev/full.png``, while the CLI said it had written ``adir``.

    Raises:
        TypeError: Not a path. ValueError: A directory, or no suffix to name the image format.
        FileNotFoundError: A folder that does not exist.
    """
    path = Path(file_to_write(what, out, "the image file", "plot.png"))
    if not path.suffix:
        raise ValueError(
            f"{what} {str(path)!r} has no suffix to name the image format; give one (e.g. "
            f"{written(str(path) + '.png')})"
        )
    if not path.absolute().parent.is_dir():
        # Found only when saving, after the drawing, and named the temporary file beside it
        # ("No such file or directory: '/nonexist/.a.png.14cfab6b.tmp'"), not the path the user gave.
        raise FileNotFoundError(f"{what} {str(path)!r}: its folder {str(path.absolute().parent)!r} does not exist")
    return path


def _half_width95(table: Any, column: str) -> Any:
    """Half-width of the 95% interval of each point's mean over its seeds (Student t on the standard error;
    NaN for one seed)."""
    from qnsim.results import t_quantile_975

    factors = [t_quantile_975(int(n) - 1) if n > 1 else math.nan for n in table[f"{column}_n"]]
    return table[f"{column}_sem"] * factors


def _panel(panel: Any, table: Any, groups: list, x: str, column: str, hue: str | None, log: bool, logx: bool) -> None:
    mean = f"{column}_mean"
    missing = int(table[mean].isna().sum())
    zeros = table[mean].le(0) & log  # only a log axis has no place for 0 (NaN compares False)
    drawn = []
    for label, part in groups:
        name = None if hue is None else f"{hue} = {label[0] if isinstance(label, tuple) else label}"
        if name is not None:
            # Parameters swept together with the hue: each curve's value (the axis has one line per x-linked one).
            name = ", ".join([name, *(f"{c} = {_plain(part[c].iloc[0])}" for c in table.attrs["linked_hue"])])
        shown = part[part[mean].notna() & ~zeros.loc[part.index]]
        # 95% of the mean over seeds (Student t), as every interval qnsim prints and as a point of one seed draws
        # its row's own: standard-error bars (68%) beside 95% ones read as a difference where there was none.
        yerr = _half_width95(shown, column)
        if f"{column}_low" in shown.columns:
            # One seed: the row's own interval, asymmetric (below and above the value).
            below = yerr.fillna(shown[mean] - shown[f"{column}_low"]).clip(lower=0.0)
            above = yerr.fillna(shown[f"{column}_high"] - shown[mean]).clip(lower=0.0)
            yerr = [below.to_numpy(), above.to_numpy()]
        line = panel.errorbar(shown[x], shown[mean], yerr=yerr, marker="o", markersize=4, capsize=3, label=name)
        drawn.append((line, part[zeros.loc[part.index]]))
    panel.set_ylabel(axis_label(column))
    if log:
        panel.set_yscale("log")
    if logx:
        panel.set_xscale("log")
    panel.grid(True, which="both", alpha=0.3)
    if int(zeros.sum()):
        # log(0) has no place on the axis: mark the zeros at its bottom edge instead.
        positive = table.loc[table[mean] > 0, mean]
        bottom = float(positive.min()) / 10 if len(positive) else 1e-3
        top = float((table[mean] + _half_width95(table, column).fillna(0.0)).max()) * 2 if len(positive) else 1.0
        panel.set_ylim(bottom, top)
        for i, (line, part) in enumerate(drawn):
            # A negative mean was labelled "0" too: say what it is.
            below = "0" if bool((table.loc[zeros, mean] == 0).all()) else "<= 0"
            panel.plot(part[x], [bottom] * len(part), linestyle="none", marker="v", markersize=7,
                       markerfacecolor="none", color=line[0].get_color(), clip_on=False,
                       label=f"{below} (drawn at the bottom edge)" if i == 0 else None)  # fmt: skip
    if missing:
        panel.text(0.99, 0.02, f"{missing} point(s) without a value omitted", transform=panel.transAxes,
                   ha="right", va="bottom", fontsize="small", color="0.4")  # fmt: skip
    separable = column.rsplit(".", 1)[-1] == "mean_fidelity" and bool((table[mean] <= 0.5).any())
    if separable:
        # The sweep's notes say NOT ENTANGLED for such points, but the plot drew them like any other: a fidelity
        # curve falling through 0.5 read as a pair getting a little worse, not as one of no use. Pairs near Psi+
        # (or Psi-, Phi-) are entangled below it, so the label says so rather than calling every point separable.
        panel.axhline(0.5, color="0.45", linestyle="--", linewidth=1,
                      label="F = 1/2: at or below, separable unless near another Bell state (see notes)")  # fmt: skip
    if hue is not None or int(zeros.sum()) or separable:
        panel.legend(fontsize="small")


#: Links :func:`plot_estimate` draws one by one (tightest margin first); the others are counted in the panel's title.
MAX_PLOTTED_LINKS = 24
#: QPUs :func:`plot_estimate` draws one bar each; past them, one bar of the totals over all QPUs.
MAX_PLOTTED_QPUS = 32


def plot_estimate(report: Any, out: str | os.PathLike | None = None, *, title: str | None = None) -> Any:
    """Plots an estimate report as a systems planner reads it: what each link must deliver against what it
    gives, where the run's time goes, and where its qubits go.

    Three panels: (1) per link, the raw pairs per second it must make (``need/s``) and makes (``gives/s``) on a
    logarithmic axis, tightest margin first, a link whose margin is below 1x (it stalls the run) in red (the
    figures of the report's table "what each link must deliver"; a need or rate of 0 or infinity has no place
    on the axis and is named under the panel); (2) the wall clock, in seconds, beside the times it is bound
    by (compute, the slowest link, classical latency) and the runtime limit; (3) qubits per QPU: physical
    qubits of the algorithm, T factories and link memory on error-corrected QPUs, the workload's qubits on
    physical ones (the workload's qubits and the link memories), with each QPU's ``num_qubits`` drawn beside its
    bar (where it is within 3x of the tallest) and the QPUs over it named in red.

    Args:
        report: A :class:`qnsim.estimate.EstimateReport`, its JSON text (``qnsim estimate --json``), or the
            path of a file holding that JSON (``qnsim estimate --out``, whose figures are checked against the digest
            it carries: an edited one is refused, naming the figure; one without a digest is drawn with a warning
            on the ``qnsim.estimate`` logger; see :func:`qnsim.estimate_cli.read_saved_report`).
        out: Also save the figure here (PNG, or any format matplotlib knows by the suffix): one figure gives one
            file, byte for byte (no date of the save in an SVG, PDF or PostScript file).
        title: Figure title (default: the verdict, the wall clock and what bounds it).

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ImportError: matplotlib is missing (``pip install 'qnsim[plot]'``).
        TypeError: ``report`` is none of the above.
        ValueError: The JSON is no estimate report (or one of another schema version), or a saved report whose
            figures were edited; ``out`` has no suffix.

    Example:
        >>> from qnsim.estimate import QPU, Link, estimate
        >>> report = estimate("CX 0 1\\nCX 0 2", [QPU(num_qubits=2)] * 3, [Link((0, 1), 1e3, 0.99),
        ...                   Link((0, 2), 10.0, 0.99)], placement=[0, 1, 2])
        >>> fig = plot_estimate(report)
        >>> [a.get_title(loc="left") for a in fig.axes]
        ... # doctest: +NORMALIZE_WHITESPACE
        ['raw pairs per second per link (2 links, tightest margin first)', 'time (s)',
         'workload qubits per QPU (physical qubits with link memories: 7 in all)']
        >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
        ['0-2', '0-1']
    """
    from qnsim.estimate.report import _times, seconds_text

    # The report first: a file refused (edited, cut short) is told before matplotlib's import (~2 s), and so is one
    # given where matplotlib is missing.
    report = _estimate_report(report)
    _matplotlib_for("plot_estimate")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    title = _title(title)  # title=3 raised AttributeError "'int' object has no attribute 'split'" once drawn
    image = None if out is None else _image_path(out)
    figure = Figure(figsize=(7.2, 9.0), layout="constrained")
    FigureCanvasAgg(figure)
    links_ax, time_ax, qubits_ax = figure.subplots(3, 1, gridspec_kw={"height_ratios": [1.4, 0.8, 1.0]})

    # (1) What each link must deliver: the report's own figures (the table's need/s, gives/s, margin).
    rows = report._delivery_rows()
    shown_rows = rows[:MAX_PLOTTED_LINKS]
    more = f"; the {len(shown_rows)} tightest of {len(rows)}" if len(rows) > len(shown_rows) else ""
    # The report lists the links its remote operations use: "0 links" / "no links" under a network that has links
    # read as a network without any, where the workload simply needed none.
    counted = f"{len(rows)} link{'s' * (len(rows) != 1)}" if rows else "none used: no remote operation"
    links_ax.set_title(f"raw pairs per second per link ({counted}{', tightest margin first' if rows else ''}{more})",
                       loc="left", fontsize="medium")  # fmt: skip
    if shown_rows:
        names = [f"{lk.qpus[0]}-{lk.qpus[-1]}" + (" via" if len(lk.route) > 2 else "") for _, lk in shown_rows]
        place = np.arange(len(shown_rows))
        need = np.array([r[0][0] for r in shown_rows], dtype=float)
        gives = np.array([r[0][1] for r in shown_rows], dtype=float)
        margin = [r[0][2] for r in shown_rows]
        drawable = np.isfinite(need) & (need > 0), np.isfinite(gives) & (gives > 0)
        links_ax.bar(place - 0.2, np.where(drawable[0], need, np.nan), 0.4, color="0.6", label="needed (need/s)")
        colours = ["tab:red" if m < 1 else "tab:blue" for m in margin]
        links_ax.bar(place + 0.2, np.where(drawable[1], gives, np.nan), 0.4, color=colours,
                     label="delivered (gives/s; red: margin < 1x, the link stalls the run)")  # fmt: skip
        positive = np.concatenate([need[drawable[0]], gives[drawable[1]]])
        if len(positive):
            links_ax.set_yscale("log")
            # Bars rise from below the smallest value: a link's 4e3 pairs/s beside a need of 2e8 was a sliver.
            # The headroom above the tallest bar holds the legend.
            links_ax.set_ylim(float(positive.min()) / 5, float(positive.max()) * 1e3)
        for i, m in enumerate(margin):
            top = max([v for v in (need[i], gives[i]) if math.isfinite(v) and v > 0], default=None)
            if top is not None:
                links_ax.annotate(_times(m), (place[i], top), xytext=(0, 2), textcoords="offset points",
                                  ha="center", fontsize="x-small")  # fmt: skip
        links_ax.set_xticks(place, names, rotation=45 if len(names) > 8 else 0, fontsize="small")
        links_ax.set_ylabel("raw pairs / s")
        links_ax.legend(fontsize="x-small", loc="upper right")
        off_axis = [f"{name} {what} {value:g}" for name, n, g in zip(names, need, gives)
                    for what, value in (("need", n), ("gives", g)) if not (math.isfinite(value) and value > 0)]
        if off_axis:
            # A need of 0 (a link no remote operation uses) or an infinite one has no bar on a log axis: named.
            links_ax.text(0.0, -0.3 if len(names) > 8 else -0.18, "not on the axis: " + ", ".join(off_axis[:6]) +
                          (" ..." if len(off_axis) > 6 else ""), transform=links_ax.transAxes, fontsize="x-small",
                          color="0.35")  # fmt: skip
    else:
        links_ax.text(0.5, 0.5, "no link used: the workload's placement needs no remote operation",
                      transform=links_ax.transAxes, ha="center", va="center")  # fmt: skip
        links_ax.set_axis_off()

    # (2) The wall clock beside the times it is bound by (the critical path's parts are not a sum).
    parts = [("compute", report.time_local_s), ("links (slowest)", report.time_link_s),
             ("latency", report.time_latency_s), ("wall clock", report.wall_clock_s)]  # fmt: skip
    seconds = np.array([s for _, s in parts], dtype=float)
    finite = np.isfinite(seconds) & (seconds > 0)
    time_ax.barh(np.arange(len(parts)), np.where(finite, seconds, np.nan),
                 color=["tab:green", "tab:blue", "tab:purple", "0.3"])  # fmt: skip
    time_ax.set_yticks(np.arange(len(parts)), [f"{name}: {seconds_text(s)}" for name, s in parts], fontsize="small")
    time_ax.invert_yaxis()
    if finite.any():
        time_ax.set_xscale("log")
    if report.runtime_limit_s is not None and math.isfinite(report.runtime_limit_s):
        time_ax.axvline(report.runtime_limit_s, color="tab:red", linestyle="--",
                        label=f"runtime limit {report.runtime_limit_s:.3g} s")  # fmt: skip
        time_ax.legend(fontsize="x-small", loc="lower right")
    time_ax.set_title("time (s)", loc="left", fontsize="medium")
    time_ax.set_xlabel(f"seconds (bound: {report.bound})")

    # (3) Qubits per QPU.
    ec = report.error_corrected
    if ec is not None and ec.physical_qubits_per_qpu:
        qubits_ax.set_title("physical qubits per QPU", loc="left", fontsize="medium")
        stacks = [("algorithm", ec.algorithm_physical_qubits_per_qpu), ("T factories",
                  ec.factory_physical_qubits_per_qpu), ("link memory", ec.link_memory_qubits_per_qpu)]  # fmt: skip
    else:
        # Physical QPUs: the workload's qubits, and the link memories each holds besides them.
        total = report.physical_qubits_total
        qubits_ax.set_title("workload qubits per QPU" + (f" (physical qubits with link memories: {total:,} in all)"
                            if total is not None else ""), loc="left", fontsize="medium")  # fmt: skip
        stacks = [("workload qubits", report.qubits_per_qpu)]
        if report.physical_qubits_per_qpu is not None:
            stacks.append(("link memory", [n - w for n, w in zip(report.physical_qubits_per_qpu,
                                                                 report.qubits_per_qpu)]))
    count = len(stacks[0][1])
    if count > MAX_PLOTTED_QPUS:
        stacks = [(name, [sum(values)]) for name, values in stacks]
        labels = [f"all {count} QPUs"]
    else:
        labels = [str(i) for i in range(count)]
    bottom = np.zeros(len(labels))
    for name, values in stacks:
        # Bars per QPU under a legend of totals: "algorithm (236,196)" over two bars of 118,098 read as each QPU's.
        total_text = f"{sum(values):,} in all" if count > 1 else f"{sum(values):,}"
        qubits_ax.bar(np.arange(len(labels)), values, 0.6, bottom=bottom, label=f"{name} ({total_text})")
        bottom += np.array(values, dtype=float)
    # Each QPU's num_qubits, where the axis can show it beside the bars (a capacity far above them would flatten
    # them): a QPU over it is named in red under the panel. Before, the figure could not say a QPU was over.
    top = max(float(bottom.max()), 1.0)
    caps = report.qubit_capacity_per_qpu if count <= MAX_PLOTTED_QPUS else []
    drawn = [(i, c) for i, c in enumerate(caps) if c is not None and c <= 3 * top]
    if drawn:
        top = max(top, max(c for _, c in drawn))
        qubits_ax.hlines([c for _, c in drawn], [i - 0.4 for i, _ in drawn], [i + 0.4 for i, _ in drawn],
                         colors="black", linestyles="--", label="num_qubits (capacity)")
    over = report.over_capacity()
    if over:
        words = ", ".join(f"QPU {i} uses {n:,} of {cap:,}" for i, n, cap in over[:6])
        words += " ..." if len(over) > 6 else ""
        qubits_ax.text(0.0, -0.32, f"over capacity: {words}", transform=qubits_ax.transAxes, fontsize="x-small",
                       color="tab:red")
    qubits_ax.set_xticks(np.arange(len(labels)), labels, fontsize="small")
    if count <= MAX_PLOTTED_QPUS:
        for i, _n, _cap in over:
            qubits_ax.get_xticklabels()[i].set_color("tab:red")
    qubits_ax.set_xlabel("QPU")
    qubits_ax.set_ylim(0, top * 1.3)  # headroom for the legend
    qubits_ax.legend(fontsize="x-small", loc="upper center", ncols=len(stacks) + bool(drawn))
    if ec is not None and not ec.physical_qubits_per_qpu:
        qubits_ax.text(0.5, 0.5, "no code distance reaches the budget: no qubit count", transform=qubits_ax.transAxes,
                       ha="center", va="center")  # fmt: skip

    default = f"{report.verdict}: wall clock {seconds_text(report.wall_clock_s)} (bound: {report.bound})"
    if report.reasons:
        first = textwrap.shorten(report.reasons[0], 110, placeholder=" ...")
        default += f"\n{len(report.reasons)} reason(s), the first: {first} (the report lists them)"
    figure.suptitle("\n".join(textwrap.fill(line, _TITLE_WIDTH, break_long_words=False)
                              for line in (title if title is not None else default).split("\n")))  # fmt: skip
    if image is not None:
        _save_whole(figure, image)
    return figure


def _estimate_report(report: Any) -> Any:
    """``report`` as an :class:`~qnsim.estimate.EstimateReport`: itself, or read from JSON text or a file of it, its
    figures checked against the digest a saved report carries (:func:`qnsim.estimate_cli.read_saved_report`)."""
    from qnsim.estimate.report import EstimateReport
    from qnsim.estimate_cli import read_saved_report

    if isinstance(report, EstimateReport):
        return report
    return read_saved_report(report)


def _matplotlib_for(what: str) -> None:
    """Raises ImportError naming ``what`` and the extra to install when matplotlib is missing."""
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        raise ImportError(f"{what} needs matplotlib, which is not installed: pip install 'qnsim[plot]'")
