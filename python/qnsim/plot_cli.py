"""``qnsim plot``: draw a sweep written by ``qnsim sweep``.

Usage::

    qnsim plot rows.csv [--x KEY] [--y COLUMN ...] [--hue COLUMN] [--logx] [--logy COLUMN ...]
        [--title TEXT] [--out plot.png]
    qnsim plot report.json [--title TEXT] [--out plot.png]

A ``.json`` file is an estimate report (``qnsim estimate ... --out report.json``), drawn by
:func:`qnsim.plot.plot_estimate`: per link the raw pairs per second needed and delivered, the wall
clock and its parts, qubits per QPU. A report saved with ``--out`` carries a digest of its figures: one whose figures
were edited since (a ``wall_clock_s`` edited below its limit) is refused, naming the figure; one saved as ``--json >
report.json`` carries none and is drawn with a warning on stderr that it could not be checked.

``--x`` defaults to the first swept parameter that varies (the rows' first column that takes more than one value:
a one-value axis such as ``--param 'links.*.channels=3'`` or ``--until`` is held fixed, and stderr says which x was
taken; for the rows of a ``qnsim qec sweep`` whose first parameter is the distance, the first other one that varies,
with one curve per distance: a threshold plot), ``--y`` to ``rate_hz``
and ``mean_fidelity`` (the first request's figures; per-request columns are named
``<request>.<figure>``, see :func:`qnsim.scenario.run_scenario_data`; ``per_round`` for the rows of a
``qnsim qec sweep``), ``--out`` to the results file with the suffix ``.png``. Points are means over seeds with bars
of the 95% interval of the mean (Student t; a point of one seed: its row's own 95% interval, ``rate_hz_low`` /
``rate_hz_high``, ``mean_fidelity`` +- ``fidelity_ci95`` or ``per_round_low`` / ``per_round_high``, when it has one); see :func:`qnsim.plot_sweep`. Needs
pandas and matplotlib (``pip install 'qnsim[plot]'``).

Exit status: 0 on success; 2 on any failure, with one line on stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]

_DEFAULT_Y = ("rate_hz", "mean_fidelity")


def _figures_of_swept_request(x: str, columns: Sequence[str]) -> list[str] | None:
    """The default panels when ``x`` is a key of one request other than the first.

    The unprefixed ``rate_hz`` and ``mean_fidelity`` repeat the first request's figures: plotted against
    ``requests.1.purification_rounds`` they drew request 0's flat curves, as if the rounds changed nothing.
    The request's own ``<label>.rate_hz`` / ``<label>.mean_fidelity`` follow the key (by index, in the rows'
    request order, or by label); None when ``x`` addresses no single request or the first one.

    Example:
        >>> cols = ["requests.1.cutoff_s", "seed", "a->b.rate_hz", "a->b.mean_fidelity", "c->d.rate_hz",
        ...         "c->d.mean_fidelity", "rate_hz", "mean_fidelity"]
        >>> _figures_of_swept_request("requests.1.cutoff_s", cols), _figures_of_swept_request("requests.c->d.x", cols)
        (['c->d.rate_hz', 'c->d.mean_fidelity'], ['c->d.rate_hz', 'c->d.mean_fidelity'])
        >>> _figures_of_swept_request("requests.0.cutoff_s", cols), _figures_of_swept_request("requests.*.x", cols)
        (None, None)
    """
    if not x.startswith("requests.") or x.count(".") < 2:
        return None
    from qnsim.plot import _request_labels

    which = x[len("requests.") :].rsplit(".", 1)[0]
    # Not a grid column named like a figure (links.0.rate_hz): counted as the first request, it made request 1's
    # key draw request 0's figures.
    labels = list(dict.fromkeys(_request_labels(columns, "rate_hz")))
    if which.isdigit():
        label = labels[int(which)] if int(which) < len(labels) else None
    else:
        label = which if which in labels else None
    if label is None or label == labels[0]:
        return None
    own = [f"{label}.{figure}" for figure in _DEFAULT_Y if f"{label}.{figure}" in columns]
    return own or None


_NOT_PARAMETERS = ("seed", "scenario_id", "point_id")


def _default_x(frame, parameters: Sequence[str]) -> str:
    """The default horizontal axis: the first swept parameter that takes more than one value in the rows.

    A one-value axis (``--param 'links.*.channels=3'``, ``--until``) is a setting held fixed: as x it draws
    one point, and rows that differ in another parameter there are refused. When no parameter varies, the first.

    Example:
        >>> import pandas
        >>> rows = pandas.DataFrame({"links.*.channels": [3, 3], "requests.0.purification_rounds": [0, 1],
        ...                          "seed": [0, 0]})
        >>> _default_x(rows, ["links.*.channels", "requests.0.purification_rounds"])
        'requests.0.purification_rounds'
        >>> _default_x(rows.iloc[:1], ["links.*.channels", "requests.0.purification_rounds"])
        'links.*.channels'
    """
    for parameter in parameters:
        if frame[parameter].nunique(dropna=False) > 1:
            return parameter
    return parameters[0]


#: The arguments of ``qnsim.plot_sweep`` that ``qnsim plot`` takes as options, and its flags (its refusals name them).
OPTIONS = {"x": "--x", "y": "--y", "hue": "--hue"}


def _parser():
    from qnsim.cli import ArgumentParser, path_arg

    parser = ArgumentParser(
        prog="qnsim plot",
        description="Plot a sweep's results (mean over seeds, bars of its 95% interval, Student t; a point of one "
                    "seed: its row's own 95% interval, when it has one) against a swept parameter; or an estimate "
                    "report.",
    )
    parser.add_argument("rows", type=path_arg, help="a sweep's results: rows.csv, or a .parquet directory; or an "
                        "estimate report, report.json (qnsim estimate --json)")
    parser.add_argument(
        "--x",
        help="the swept column for the horizontal axis (default: the first parameter that varies, a one-value axis "
        "being held fixed; for a qnsim qec sweep whose first is the distance, the first other parameter that varies, "
        "one curve per distance unless --hue is given)",
    )
    parser.add_argument(
        "--y", action="append", metavar="COLUMN", help="a result column, one panel each (repeatable; "
        "default: rate_hz and mean_fidelity, those of the request --x varies when it is a requests.K key; "
        "per_round for a qnsim qec sweep's rows)"
    )  # fmt: skip
    parser.add_argument("--hue", metavar="COLUMN", help="one curve per value of this column")
    parser.add_argument("--logx", action="store_true", help="logarithmic x axis")
    parser.add_argument("--logy", action="append", default=[], metavar="COLUMN", help="log axis for this y column")
    parser.add_argument("--title", help="figure title")
    parser.add_argument("--out", type=path_arg, help="image to write (default: ROWS with the suffix .png)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``qnsim plot`` (the ``qnsim`` command dispatches ``plot`` here).

    Args:
        argv: Arguments after ``plot``; None reads ``sys.argv[1:]``.

    Returns:
        The exit status: 0 done, 2 any failure (one line on stderr).

    Example:
        >>> import contextlib, io, os, tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     rows = os.path.join(tmp, "rows.csv")
        ...     with open(rows, "w") as f:
        ...         _ = f.write("links.*.length_km,seed,rate_hz,mean_fidelity\\n5,0,10.0,0.9\\n10,0,0.0,\\n")
        ...     with contextlib.redirect_stderr(io.StringIO()) as err:
        ...         code = main([rows, "--logy", "rate_hz"])
        ...     code, os.path.exists(os.path.join(tmp, "rows.png")), err.getvalue().split(" -> ")[0]
        (0, True, 'plotted rate_hz, mean_fidelity against links.*.length_km (2 rows)')
    """
    from qnsim.cli import guarded

    return guarded("qnsim plot", lambda: _main(argv), options=OPTIONS)


def _main(argv: Sequence[str] | None) -> int:
    from qnsim.argument_checks import written
    from qnsim.plot import _check_roles, _frame, _undrawn_kinds, plot_sweep, summarize

    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    path = Path(args.rows)
    if not path.exists():
        raise FileNotFoundError(f"{args.rows}: no such results file (write one with qnsim sweep ... --out)")
    if path.suffix == ".json":
        # An estimate report (qnsim estimate --out report.json): the planner's figure, not a sweep's curves.
        from qnsim.plot import plot_estimate

        sweep_options = [name for name in ("x", "y", "hue") if getattr(args, name)] + (["logx"] if args.logx else [])
        if sweep_options or args.logy:
            raise ValueError(f"{args.rows} is an estimate report: --{', --'.join(sweep_options or ['logy'])} "
                             "apply to a sweep's rows (the report's figure has its own axes); give --out or --title")
        from qnsim.estimate_cli import _read_saved_report

        out = Path(args.out) if args.out else path.with_suffix(".png")
        # Its figures checked first (a saved report's figures_digest): one edited is refused, naming the figure.
        report, remark = _read_saved_report(path)
        if remark is not None:
            print(f"qnsim plot: warning: {remark}", file=sys.stderr)
        plot_estimate(report, out=out, title=args.title)
        print(f"plotted the estimate report {args.rows} -> {out}", file=sys.stderr)
        return 0
    if path.suffix not in (".csv", ".parquet"):
        raise ValueError(f"{args.rows}: expected a sweep's .csv file or .parquet directory, or an estimate report "
                         "(.json, qnsim estimate --json)")
    frame = _frame(path)
    columns = list(frame.columns)
    if not len(frame):
        raise ValueError(f"{args.rows} holds no rows")
    from qnsim.cli import naming_option

    # A column an option names is refused under that option ("--hue zz: ..."): plot_sweep's refusal, "columns
    # ['zz'] are not in the results", named neither --x, --y nor --hue, and "logy names ['zz']" no option.
    for option, given in [("--x", [args.x] if args.x else []), ("--y", args.y or []), ("--hue", [args.hue] if args.hue
                          else []), ("--logy", args.logy)]:  # fmt: skip
        for column in given:
            with naming_option(option, column):
                if column not in columns:
                    raise ValueError(f"{args.rows} has no column {column!r}; columns: {columns}")
    x = args.x
    if x is None:
        # A sweep writes its parameters first, then the seed.
        parameters = columns[: columns.index("seed")] if "seed" in columns else []
        if not parameters:
            raise ValueError(f"{args.rows} has no swept parameter before its seed column; name one with --x")
        x = _default_x(frame, parameters)
        if x != parameters[0]:
            # The tutorial's rounds sweep (--param 'links.*.channels=3' --param 'requests.0.purification_rounds=0,1,2')
            # was refused by `qnsim plot rounds.csv`: its first column held one value, and the rows of that one
            # point differed in the rounds. A one-value axis is held fixed, not swept: it is never the x of a plot.
            fixed = ", ".join(f"{p} = {written(frame[p].tolist()[0])}" for p in parameters[: parameters.index(x)])
            print(
                f"x: {x}, the first parameter that varies ({fixed} held one value; --x chooses otherwise)",
                file=sys.stderr,
            )
    y = args.y or _figures_of_swept_request(x, columns) or [c for c in _DEFAULT_Y if c in columns]
    hue = args.hue
    if not y and "per_round" in columns:
        # A `qnsim qec sweep`'s rows (the README's QEC journey): "none of the default columns" stopped their plot.
        y = ["per_round"]
        parameters = columns[: columns.index("seed")] if "seed" in columns else []
        varying = [p for p in parameters if p != "distance" and frame[p].nunique() > 1]
        if args.x is None and hue is None and parameters[:1] == ["distance"] and varying:
            # The README's threshold sweep (distance, then p_bulk) was refused by default: its rows of one distance
            # differ in p_bulk. A threshold plot is the error per round against the noise, one curve per distance.
            x, hue = varying[0], "distance"
            print(f"a qnsim qec sweep's rows: per_round against {x}, one curve per distance (--x and --hue choose "
                  "otherwise)", file=sys.stderr)
    if not y:
        numeric = [c for c in columns if c not in ("seed", x) and frame[c].dtype.kind in "iuf"]
        raise ValueError(
            f"{args.rows} has none of the default columns {list(_DEFAULT_Y)}; name one with --y (numeric columns: "
            f"{', '.join(numeric[:12]) or 'none'}{' ...' if len(numeric) > 12 else ''})"
        )
    # Each role its own column, named as typed (--x A --y A drew A against itself; --x rate_hz against the default
    # panels did too), before anything is drawn.
    _check_roles(x, y, hue, {"x": "--x" if args.x else f"x (the default, the first parameter that varies, {x!r})",
                             "y": "--y" if args.y else f"y (the default columns {y})", "hue": "--hue"})  # fmt: skip
    for column in args.logy:
        with naming_option("--logy", column):  # plot_sweep said "logy names ['p'] ...", an option not typed
            if column not in y:
                raise ValueError(f"{column!r} is not among the plotted columns {y} (give it with --y)")
    out = Path(args.out) if args.out else path.with_suffix(".png")
    plot_sweep(frame, x=x, y=y, hue=hue, out=out, logx=args.logx, logy=args.logy, title=args.title)
    print(f"plotted {', '.join(y)} against {x} ({len(frame)} rows) -> {out}", file=sys.stderr)
    table = summarize(frame, x, y, hue)
    for note in table.attrs["notes"]:
        print(f"note: {note}", file=sys.stderr)
    for column, where in table.attrs["undrawn"].items():
        # The image has no marker there: its curve reads as a sweep without those points. Why, in the title's words
        # (a NaN mean reads the same for a blank cell and a figure not measured).
        print(f"note: {column}: no finite mean at {where}{_undrawn_kinds(table, column)}: not drawn", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
