"""``qnsim sweep``: run a parameter sweep from the command line.

Usage::

    qnsim sweep scenario.toml --param 'links.*.length_km=10,20,40' --param run.until_s=0.5 \\
        --seeds 5 --out results.csv [--workers 2] [--backend dask [--scheduler tcp://host:8786]]

The scenario is a scenario TOML file, or ``module:function`` naming a point function
``fn(params, seed) -> dict`` (see :mod:`qnsim.sweeps`). Each ``--param KEY=V1,V2,...`` adds a
grid axis; values are read as int, float, ``true``/``false`` or else text. Linked keys vary
together: ``--param 'links.*.channels,requests.0.purification_rounds=2,1;4,2'``. List entries
are addressed by index or by name (``nodes.qpu_a.t2_s``, ``links.a-b.length_km``,
``requests.uplink.cutoff_s``; see :func:`qnsim.sweeps.apply_overrides`). ``--seeds N`` runs
seeds ``0 .. N-1``; ``--seeds 3,7,11`` runs those; ``--seeds 7,`` (a trailing comma) runs the one seed 7.
Without ``--seeds``, a scenario file's own ``[run] seed`` is the one seed (its rows are ``qnsim run``'s), else
seed 0; seeds given replace it, and when the file's seed is not among them stderr says so once (see
:func:`qnsim.sweeps.sweep_seeds`). Rerunning the same command resumes from
``--out``. Without ``--out`` the rows are printed as CSV on stdout.

Exit status: 0 on success; 2 on any failure, with one line on stderr saying what went wrong (a
usage error, a bad scenario or value, an unwritable ``--out``, an unreachable scheduler, or a point
that failed: finished rows are kept in ``--out`` and the same command resumes); 130 on Ctrl-C, 143 on
SIGTERM (``kill``, a batch scheduler's time limit) and 129 on SIGHUP (the terminal closed, an ssh connection
dropped), which stop the sweep as a failure does, stderr (if still there) saying how many points ``--out`` holds.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import os
import sys
from collections.abc import Sequence
from typing import Any

from qnsim._row_notes import split_notes
from qnsim.argument_checks import written
from qnsim.logs import log_level_argument

__all__ = ["main", "parse_grid", "parse_param", "parse_value"]

def parse_value(text: str) -> bool | int | float | str:
    """One grid value from the command line: int, float, ``true``/``false``, else text.

    Args:
        text: The value as typed.

    Returns:
        The typed value.

    Example:
        >>> [parse_value(t) for t in ["10", "1_000", "2.5", "1e-3", "true", "double_click"]]
        [10, 1000, 2.5, 0.001, True, 'double_click']
    """
    from qnsim.cli import INTEGER_GRAMMAR, REAL_GRAMMAR, float_text, integer_text, number_grammar_error

    text = text.strip()
    # The one number grammar (qnsim.cli): digits grouped by underscores (TOML's and Python's 1_000) are an integer,
    # as a count takes it; a text Python reads as a number outside it (full-width digits) is refused by name, where
    # float() made it a number (`--param x=１０` swept 10.0) or, failing that grammar, a string no field takes.
    refusal = number_grammar_error(text)
    if refusal is not None:
        raise refusal
    if INTEGER_GRAMMAR.fullmatch(text):
        return integer_text(text)
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if not REAL_GRAMMAR.fullmatch(text):
        return text
    return float_text(text)  # 1e400 is refused, not read as inf


def parse_param(text: str) -> tuple[str, list[Any]]:
    """A ``--param KEY=V1,V2,...`` argument as ``(key, values)``.

    Linked parameters, which vary together, list their keys separated by commas and their value
    tuples separated by semicolons: ``--param 'links.*.channels,requests.0.purification_rounds=2,1;4,2'``
    runs (channels 2, 1 round) and (channels 4, 2 rounds).

    Args:
        text: The argument, e.g. ``"links.*.length_km=10,20,40"``.

    Returns:
        The key (linked keys joined by commas) and its list of typed values (tuples for linked
        keys), as :func:`qnsim.sweep` takes them.

    Raises:
        ValueError: No ``=``, an empty key or value, or a linked value with the wrong count.

    Example:
        >>> parse_param("links.*.length_km=10,20,40")
        ('links.*.length_km', [10, 20, 40])
        >>> parse_param("links.*.channels,requests.0.purification_rounds=2,1;4,2")
        ('links.*.channels,requests.0.purification_rounds', [(2, 1), (4, 2)])
        >>> parse_param("run.until_s")
        Traceback (most recent call last):
        ...
        ValueError: --param 'run.until_s' needs the form KEY=V1,V2,... (or K1,K2=A1,A2;B1,B2 for linked keys)
    """
    try:
        return _parse_param(text)
    except ValueError as exc:
        if str(exc).startswith("--param"):
            raise
        # Shortened: a value of 5,000 digits was printed whole ahead of the reason.
        typed = text if len(text) <= 120 else f"{text[:60]}...{text[-20:]}"
        raise ValueError(f"--param {written(typed)}: {exc}") from None


def _parse_param(text: str) -> tuple[str, list[Any]]:
    key, sep, values = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f"--param {written(text)} needs the form KEY=V1,V2,... (or K1,K2=A1,A2;B1,B2 for linked keys)")
    keys = [k.strip() for k in key.split(",")]
    if any(not k for k in keys):
        raise ValueError(f"--param {written(text)} has an empty key; separate linked keys with single commas")
    if len(keys) == 1:
        items = values.split(",")
        if any(not item.strip() for item in items):
            raise ValueError(f"--param {written(text)} has an empty value; separate values with single commas")
        return key, [parse_value(item) for item in items]
    out = []
    for group in values.split(";"):
        items = group.split(",")
        if len(items) != len(keys) or any(not item.strip() for item in items):
            raise ValueError(
                f"--param {written(text)}: each of the ;-separated values needs {len(keys)} comma-separated "
                f"entries (one per key: {', '.join(keys)}), got {written(group.strip())}"
            )
        out.append(tuple(parse_value(item) for item in items))
    return ",".join(keys), out


def parse_grid(texts: Sequence[str]) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """The grid of a command's ``--param`` options (:func:`parse_param` each), and each key's option as typed (for
    naming it in a refusal).

    Raises:
        ValueError: A key given by two ``--param`` options (the later one replaced the earlier's values).

    Example:
        >>> parse_grid(["a=1,2", "b=x"])[0]
        {'a': [1, 2], 'b': ['x']}
        >>> parse_grid(["a=1", "a=2"])
        Traceback (most recent call last):
        ...
        ValueError: --param 'a' is given twice; list all its values in one --param
    """
    grid: dict[str, list[Any]] = {}
    typed: dict[str, str] = {}  # each grid key -> the option that gave it, as typed
    for text in texts:
        key, values = parse_param(text)
        if key in grid:
            raise ValueError(f"--param {written(key)} is given twice; list all its values in one --param")
        grid[key] = values
        typed.update(dict.fromkeys([key, *key.split(",")], f"--param {written(text)}"))
    return grid, typed


def _parse_seeds(text: str | None) -> int | list[int] | None:
    """``--seeds`` as :func:`qnsim.sweep` takes it: ``5`` a count (seeds 0..4), ``3,7,11`` a list, ``7,`` the list of
    the one seed 7 (the trailing comma makes it a list; ``7`` alone is a count), None (no ``--seeds``) None.

    Example:
        >>> _parse_seeds("5"), _parse_seeds("3,7,11"), _parse_seeds("7,"), _parse_seeds(None)
        (5, [3, 7, 11], [7], None)
    """
    from qnsim.cli import integer_text

    if text is None:
        return None
    try:
        if "," in text:
            # One trailing comma ends a list (7, is the one seed 7); an empty entry anywhere else is a typo.
            items = text.split(",")
            if len(items) > 1 and not items[-1].strip() and items[-2].strip():
                items.pop()
            return [integer_text(s) for s in items]
        return integer_text(text)
    except ValueError as exc:
        if str(exc).startswith("an integer of") or "is not a number as qnsim reads one" in str(exc):
            # A count or a seed past 4,300 digits (it is one, too large), or digits outside the one grammar (１２):
            # the reading's own words.
            raise ValueError(f"--seeds: {exc}") from None
        raise ValueError(
            f"--seeds {written(text)} must be a count (5), a list of seeds (3,7,11) or one seed with a trailing "
            "comma (7,)"
        ) from None


def check_sweep_options(args: argparse.Namespace, seeds: int | list[int] | None) -> None:
    """``--seeds``, ``--workers`` and ``--retries`` (when the command has it) checked as the sweep checks them, before
    it starts, each refusal naming its option ("--workers 0: workers must be an int >= 1 ..."); and ``--scheduler``,
    which must be a non-blank address and comes with ``--backend dask`` only, and without ``--workers`` (which sizes
    the LocalCluster a dask sweep starts when no scheduler is named); ``--retries`` comes with the local backend only."""
    from qnsim.cli import naming_option
    from qnsim.sweeps import _seed_list, check_retries, check_take_over, check_workers

    if seeds is not None:
        with naming_option("--seeds", args.seeds):
            _seed_list(seeds)
    with naming_option("--workers", args.workers):
        check_workers(args.workers)
    if getattr(args, "retries", None) is not None:
        with naming_option("--retries", args.retries):
            check_retries(args.retries)
    check_take_over(getattr(args, "take_over", False), getattr(args, "out", None), ("--take-over", "--out"))
    # Tested against None, not for truth: `--scheduler ''` was read as no scheduler at all, so a Dask sweep ran on a
    # LocalCluster of this machine and a local one ignored it, where the user had named a scheduler.
    if args.scheduler is not None:
        if not args.scheduler.strip():
            raise ValueError(
                f"--scheduler {written(args.scheduler)} is empty: give a Dask scheduler address "
                "(tcp://host:8786), or leave --scheduler out for a LocalCluster"
            )
        if args.backend != "dask":
            raise ValueError("--scheduler needs --backend dask")
        if args.workers is not None:
            # Accepted and ignored before: the scheduler's workers ran the points, however many --workers said.
            raise ValueError(
                f"--workers {args.workers} sizes the LocalCluster a dask sweep starts without --scheduler; with "
                f"--scheduler {args.scheduler} the points run on that scheduler's workers: leave --workers out"
            )
    if getattr(args, "retries", None) is not None and args.backend == "dask":
        # Accepted and ignored before: a dask sweep restarts no pool.
        raise ValueError(
            f"--retries {args.retries} restarts a local process pool whose worker died; --backend dask has no such "
            "pool (Dask reschedules a lost worker's tasks itself): leave --retries out"
        )


def _names_a_file(scenario: str) -> bool:
    """Whether the scenario argument is read as a scenario file's path, not as ``module:function``."""
    return os.path.exists(scenario) or scenario.endswith(".toml") or ":" not in scenario


def _resolve(scenario: str) -> Any:
    """A TOML path stays a path; ``module:function`` (that is not a file) is imported."""
    if _names_a_file(scenario):
        return scenario
    module_name, _, attribute = scenario.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import {written(module_name)} for scenario {written(scenario)}: {exc}") from None
    try:
        function = getattr(module, attribute)
    except AttributeError:
        raise ValueError(f"module {written(module_name)} has no point function {written(attribute)}") from None
    if not callable(function):
        # A text attribute (qnsim:__version__) went on as a scenario path: "0.1.0: No such file or directory".
        raise ValueError(
            f"{written(scenario)} is {type(function).__name__} {written(function):.60}, not a point function "
            "fn(params, seed)"
        )
    return function


#: The settings ``qnsim sweep`` overrides by an option (one-value axes of a scenario file), and its flags (notes name
#: the others as scenario keys; ``--seeds`` picks seeds, it overrides no ``run.seed``).
OPTIONS = {"until_s": "--until", "formalism": "--formalism"}


def _parser() -> argparse.ArgumentParser:
    from qnsim.cli import ArgumentParser, integer_arg, path_arg, real_arg
    from qnsim.specs import FORMALISMS

    parser = ArgumentParser(
        prog="qnsim sweep",
        description="Run the cross product of parameter values and seeds; stream rows to --out; resume.",
    )
    parser.add_argument("scenario", type=path_arg, help="scenario TOML file, or module:function of a point function")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=V1,V2,...",
        help="a grid axis: dotted key into the scenario (list entries by index or name: nodes.qpu_a.t2_s, "
        "links.a-b.length_km) and its values (repeatable); linked keys vary together: K1,K2=A1,A2;B1,B2",
    )
    parser.add_argument(
        "--until", type=real_arg, metavar="SECONDS",
        help="simulated time of every point, in s (as for qnsim run): the one-value axis "
        "--param run.until_s=SECONDS",
    )  # fmt: skip
    parser.add_argument(
        "--formalism", choices=list(FORMALISMS),
        help="formalism of every point (as for qnsim run): the one-value axis --param run.formalism=NAME",
    )  # fmt: skip
    parser.add_argument(
        "--seeds",
        help="seed count N (seeds 0..N-1), list 3,7,11, or one seed 7, (trailing comma); default: the scenario "
        "file's run.seed, else seed 0 (a file seed the seeds given leave out is said on stderr)",
    )
    parser.add_argument("--out", type=path_arg, help="results file: .csv, or .parquet (a directory); resumes if it exists")
    parser.add_argument(
        "--backend", choices=["local", "dask"], default="local",
        help="local process pool (default) or Dask (--scheduler, else a LocalCluster of --workers)",
    )
    parser.add_argument("--workers", type=integer_arg, help="processes (local) or LocalCluster workers (dask)")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://host:8786")
    parser.add_argument(
        "--retries", type=integer_arg, help="restarts of a local pool whose worker died (default 2; not with dask)"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument(
        "--take-over", action="store_true",
        help="where the file system has no locks: take --out over from a sweep killed on another machine (its "
        "holder file left behind); refused, naming it, while it recorded itself alive within 60 s",
    )  # fmt: skip
    parser.add_argument(
        "--log", metavar="LEVEL", default="WARNING", type=log_level_argument,
        help="log to stderr: info (every finished point), debug (also each point's run), warning (default: "
        "resumes, restarted workers)",
    )  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``qnsim sweep`` (the ``qnsim`` command dispatches ``sweep`` here).

    Args:
        argv: Arguments after ``sweep``; None reads ``sys.argv[1:]``.

    Returns:
        The exit status: 0 done, 2 any failure (one line on stderr).

    Example:
        >>> main(["qnsim.sweeps:example_point", "--param", "length_km=10.0,20.0",
        ...       "--param", "until_s=5", "--workers", "1", "--no-progress"])
        length_km,until_s,seed,rate_hz,mean_fidelity,pairs,expected_rate_hz,expected_fidelity,scenario_id,point_id
        10.0,5,0,...
        20.0,5,0,...
        0
    """
    from qnsim.cli import guarded

    return guarded("qnsim sweep", lambda: _main(argv), options=OPTIONS)


def _main(argv: Sequence[str] | None) -> int:

    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    import logging

    from qnsim.logs import stderr_logging

    network_log = logging.getLogger("qnsim.network")
    level = network_log.level
    # At INFO the sweep reports its points; each point's own run records (admitted, served...)
    # would bury them, so they show from DEBUG on.
    if str(args.log).upper() == "INFO":
        network_log.setLevel(logging.WARNING)
    try:
        with stderr_logging(args.log):
            return _sweep(args)
    finally:
        network_log.setLevel(level)


def connect_scheduler(address: str) -> Any:
    """A ``dask.distributed`` client of the scheduler at ``address`` (``--scheduler``), refused under the option's
    name: an address Dask cannot parse (``--scheduler ''``) said only 'missing port number in address "''"', and
    ``qnsim qec sweep`` waited Dask's default timeout for one it cannot reach, then named neither.

    Raises:
        ImportError: dask.distributed is not installed.
        OSError: The scheduler cannot be reached within 10 s.
        ValueError: ``address`` is no scheduler address.
    """
    try:
        from distributed import Client
    except ImportError:
        raise ImportError("--backend dask needs dask.distributed: pip install 'qnsim[dask]'") from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise OSError(
            f"--scheduler: cannot reach the Dask scheduler at {address}: {' '.join(str(exc).split())}"
        ) from None
    except (ValueError, TypeError) as exc:
        raise ValueError(f"--scheduler {written(address)} is no Dask scheduler address: {exc}") from None


def _sweep(args: argparse.Namespace) -> int:
    from qnsim.cli import command_line_refusals, spec_option
    from qnsim.scenario import RunSettings
    from qnsim.sweeps import GridKeyError, TomlScenario, sweep

    with command_line_refusals():
        grid, typed = parse_grid(args.param)
        seeds = _parse_seeds(args.seeds)
    # qnsim run's overrides, as one-value axes of a scenario file (a point function has no [run] table).
    overrides = (("--until", "run.until_s", args.until), ("--formalism", "run.formalism", args.formalism))
    for option, key, value in overrides:
        if value is None:
            continue
        # The one rule _resolve reads the argument by: a scenario file without the .toml suffix (s.cfg, which
        # qnsim run reads) was refused here as a point function.
        if not _names_a_file(args.scenario):
            raise ValueError(f"{option} applies to a scenario file; give a point function its axis with --param")
        if key in grid:
            raise ValueError(f"{option} and --param {key} both set {key}; give one of them")
        # Checked as the [run] field, under the option's name: "--until -1" read "grid value run.until_s = -1.0".
        grid[key] = [spec_option(option, RunSettings, key.removeprefix("run."), value)]
        typed[key] = f"{option} {value}"
    check_sweep_options(args, seeds)
    scenario = _resolve(args.scenario)
    if isinstance(scenario, (str, os.PathLike)):
        scenario = TomlScenario(scenario)  # kept: it holds the remarks the sweep says once
    client = connect_scheduler(args.scheduler) if args.scheduler is not None else None
    try:
        rows = sweep(
            scenario,
            grid,
            seeds=seeds,
            backend=args.backend,
            out=args.out,
            workers=args.workers,
            progress=not args.no_progress,
            client=client,
            retries=args.retries,
            as_frame=False,
            take_over=args.take_over,
        )
    except GridKeyError as exc:
        # The grid came from the command line: its refusal names the option that gave the key, as typed.
        options = list(dict.fromkeys(typed[k] for k in exc.keys if k in typed))
        if not options:
            raise
        raise ValueError(f"{' and '.join(options)}: {exc}") from None
    finally:
        if client is not None:
            client.close()
    seed_note = getattr(scenario, "seed_note", None)
    if seed_note:
        print(f"note: {seed_note}", file=sys.stderr)
    report_rows(rows, args.out, getattr(scenario, "sweep_remarks", ()))
    return 0


def report_rows(rows: Sequence[dict[str, Any]], out: str | None, remarks: Sequence[str] = ()) -> None:
    """Ends a sweep command: a count on stderr when the rows went to ``out``, else the rows as CSV
    on stdout (every column any row has, floats exact, None empty). Rows with ``notes`` (a run that
    stopped with its request unfinished, pairs that are not entangled, a QEC point that ran out of
    shots) are counted on stderr with the first one's note: "120 points -> out.csv" alone read as
    120 complete results. ``remarks`` (what the scenario as written's network implies, which the
    rows leave out: :meth:`qnsim.sweeps.TomlScenario.remarks`) are said first, once.

    Example:
        >>> report_rows([{"x": 0.1, "y": None}, {"x": 2.0, "z": 3}], None)
        x,y,z
        0.1,,
        2.0,,3
    """
    from qnsim.cli import print_quietly

    for remark in remarks:
        print(f"note: the scenario, said once (a row whose grid values change it carries its own): {remark}",
              file=sys.stderr)

    # A row's notes are joined as qnsim.sweeps.join_notes writes them (split_notes reads them back whole). A note that every point carries (a scenario-wide remark, say the
    # preset's unmodelled initialisation figures) is said once, and the first point's own notes after it: shown
    # whole, the first point's notes began with that remark and the notes that differ between points (NOT
    # ENTANGLED from 50 km on, a rate from few pairs) were cut off or never shown.
    parts = [split_notes(row.get("notes")) for row in rows]
    noted = [row for row, row_parts in zip(rows, parts) if row_parts]
    if noted:
        common = set(parts[0]).intersection(*parts[1:]) if len(parts) > 1 else set()
        own = [(row, [p for p in row_parts if p not in common]) for row, row_parts in zip(rows, parts)]
        own = [(row, notes) for row, notes in own if notes]
        lines = [f"note: {len(noted)} of {len(rows)} points carry notes (their notes column) on what their figures "
                 "cannot say"]
        if common:
            lines.append(f"  every point: {'; '.join(p for p in parts[0] if p in common)[:400]}")
        if own:
            first, notes = own[0]
            keys = list(first)
            keys = keys[: keys.index("seed") + 1] if "seed" in keys else []  # a sweep's row: its parameters, seed
            where = ", ".join(f"{k}={written(first[k])}" for k in keys) or "first row"
            more = f"{len(own)} of them carry more; " if common else ""
            lines.append(f"  {more}the first ({where[:200]}): {'; '.join(notes)[:400]}")
        print("\n".join(lines), file=sys.stderr)
    if out:
        print(f"{len(rows)} points -> {out}", file=sys.stderr)
    elif rows:
        columns: list[str] = []
        for row in rows:
            columns.extend(k for k in row if k not in columns)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(row.get(k)) for k in columns] for row in rows])
        print_quietly(buffer.getvalue().rstrip("\n"))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


if __name__ == "__main__":
    sys.exit(main())
