"""Plots of sweep results: mean over seeds, with standard-error bars, against a swept parameter.

Needs pandas and matplotlib (``pip install 'qnsim[plot,pandas]'``), both imported on first use.
Figures are drawn on matplotlib's Agg canvas directly, so the global backend (and any notebook
or GUI session) is left alone.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["plot_sweep", "summarize"]


def _frame(data: Any) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("qnsim.plot needs pandas: pip install 'qnsim[pandas]'") from None
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path)
    return pd.DataFrame(list(data))


def summarize(data: Any, x: str, y: Sequence[str], hue: str | None = None) -> Any:
    """Mean, standard error and count of each ``y`` column per value of ``x`` (and ``hue``).

    NaN results (e.g. a fidelity when no pair was delivered) are left out of that column's
    statistics. The standard error is std (ddof=1) / sqrt(n), and 0 for a single seed.

    Args:
        data: A DataFrame, a list of row dicts, or the path of a sweep's CSV file or Parquet
            directory.
        x: The swept column for the horizontal axis.
        y: Result columns.
        hue: Optional column that splits the rows into one curve per value.

    Returns:
        A DataFrame with columns ``[hue,] x`` and ``<y>_mean``, ``<y>_sem``, ``<y>_n`` per y,
        sorted by ``[hue,] x``.

    Example:
        >>> rows = [{"L": 10, "seed": s, "rate_hz": r} for s, r in enumerate([1.0, 3.0])]
        >>> summarize(rows, "L", ["rate_hz"]).to_dict("records")
        [{'L': 10, 'rate_hz_mean': 2.0, 'rate_hz_sem': 1.0, 'rate_hz_n': 2}]
    """
    frame = _frame(data)
    y = [y] if isinstance(y, str) else list(y)
    keys = [hue, x] if hue is not None else [x]
    missing = [c for c in [*keys, *y] if c not in frame.columns]
    if missing:
        raise ValueError(f"columns {missing} are not in the results; they have {list(frame.columns)}")
    grouped = frame.groupby(keys, sort=True)
    out = grouped.size().reset_index()[keys]
    for column in y:
        values = grouped[column]
        mean = values.mean().to_numpy()
        std = values.std(ddof=1).to_numpy()
        count = values.count().to_numpy()
        out[f"{column}_mean"] = mean
        out[f"{column}_sem"] = [0.0 if n <= 1 else float(s) / math.sqrt(n) for s, n in zip(std, count)]
        out[f"{column}_n"] = count
    return out


def plot_sweep(
    data: Any,
    x: str,
    y: Sequence[str] = ("rate_hz", "mean_fidelity"),
    hue: str | None = None,
    out: str | os.PathLike = "plot.png",
    *,
    logx: bool = False,
    logy: Sequence[str] = (),
    title: str | None = None,
) -> Path:
    """Plots results (mean over seeds, standard-error bars) against a swept parameter, as PNG.

    One panel per ``y`` column, stacked, sharing the x axis; one curve per ``hue`` value.

    Args:
        data: A DataFrame returned by :func:`qnsim.sweep`, a list of row dicts, or the path of a
            sweep's CSV file or Parquet directory.
        x: The swept column for the horizontal axis (distance, node count, ...).
        y: Result columns, one panel each.
        hue: Optional column with one curve per value (e.g. a hardware preset).
        out: PNG path to write.
        logx: Logarithmic x axis.
        logy: The y columns to draw on a logarithmic axis (e.g. ``["rate_hz"]``).
        title: Figure title.

    Returns:
        The path of the PNG.

    Raises:
        ImportError: matplotlib or pandas is missing.
        ValueError: A named column is not in the results.

    Example:
        >>> import os, tempfile
        >>> rows = [{"length_km": L, "seed": s, "rate_hz": 100.0 / L + s, "mean_fidelity": 0.9}
        ...         for L in (10, 20, 40) for s in (0, 1)]
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = plot_sweep(rows, x="length_km", out=os.path.join(tmp, "p.png"), logy=["rate_hz"])
        ...     print(path.name, path.read_bytes()[:4] == b"\\x89PNG")
        p.png True
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plot_sweep needs matplotlib: pip install 'qnsim[plot]'") from None
    y = [y] if isinstance(y, str) else list(y)
    unknown_log = [c for c in logy if c not in y]
    if unknown_log:
        raise ValueError(f"logy names {unknown_log}, which are not among the plotted columns {y}")
    table = summarize(data, x, y, hue)

    figure = Figure(figsize=(6.4, 2.6 * len(y) + 0.6), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(y), 1, sharex=True, squeeze=False)[:, 0]
    groups = [(None, table)] if hue is None else list(table.groupby(hue, sort=True))
    for ax, column in zip(axes, y):
        for label, part in groups:
            ax.errorbar(
                part[x],
                part[f"{column}_mean"],
                yerr=part[f"{column}_sem"],
                marker="o",
                markersize=4,
                capsize=3,
                label=None if hue is None else f"{hue} = {label[0] if isinstance(label, tuple) else label}",
            )
        ax.set_ylabel(column)
        if column in logy:
            ax.set_yscale("log")
        if logx:
            ax.set_xscale("log")
        ax.grid(True, which="both", alpha=0.3)
        if hue is not None:
            ax.legend(fontsize="small")
    axes[-1].set_xlabel(x)
    seeds = int(table[f"{y[0]}_n"].max()) if len(table) else 0
    figure.suptitle(title or f"mean over up to {seeds} seed(s), bars: standard error")
    path = Path(out)
    figure.savefig(path, dpi=120)
    return path
