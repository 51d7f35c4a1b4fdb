"""``qnsim qec``: distributed surface-code experiments from the command line.

Subcommands::

    qnsim qec sweep EXPERIMENT.toml [--param KEY=V1,V2,...] [--seeds N] [--out rows.csv]
                    [--workers N] [--backend local|dask [--scheduler tcp://host:8786]] [--no-progress]
                    [--take-over] [--timing]
    qnsim qec clean-shots OUT.csv
    qnsim qec threshold ROWS.csv [--x p_int] [--by p_bulk,scheme] [--distance distance] [--bootstrap 400]
    qnsim qec link SCENARIO.toml [--request 0] [--distance 5] [--cycle-time 1e-6]
                   [--experiment merge] [--scheme teleported] [--code rotated] [--probes 16] [--seed N]
                   [--buffer-pairs B] [--max-events N]
    qnsim qec restore --out DIR [--table remote_model.json]
    qnsim qec topup --out DIR --seed S [--bases Z X] [--ps P ...] [--qs Q ...] [--ds D ...] --max-errors E
                    --max-shots N [--workers 1] [--table remote_model.json] [--table-out NEW.json]
    qnsim qec circuit [--experiment memory] [--distance 5] [--rounds 5] [--basis Z] [--code rotated]
                      [--noise uniform] [--p-bulk 1e-3] [--scheme direct] [--p-int 0.05]
                      [--bell-diagonal PHI+,PSI+,PSI-,PHI-] [--out c.stim]

``sweep`` runs an experiment file (layout in :mod:`qnsim.qec.sweep`) over its grid and seeds with
:func:`qnsim.sweep`: rows stream to ``--out`` and rerunning the command resumes (a point that was
running resumes at its last batch of shots, saved in ``OUT.shots/`` until the sweep finishes; ``clean-shots``
deletes them for a stopped sweep that will not be run again, refused while a sweep writes ``OUT``). ``threshold``
reads such rows and prints the crossing of the two largest distances per group, with its 95%
bootstrap interval (the counts' sampling noise, not the fitted lines' model error: see
:mod:`qnsim.qec.threshold`). ``link`` measures a network scenario's pairs and prints what a distributed
patch fed by them gets (the delivered rate with its 95% interval and window, the seeds, the rate needed, waiting per
round, the idle verdict). ``circuit`` writes a generated Stim
circuit (for other decoders). ``restore`` and ``topup`` add shots to the remote-logical table (the shipped one, or
``--table``) without sampling it again: ``restore`` writes its statistics to ``DIR/stats.csv``, ``topup`` samples
the points asked with seeds derived from ``--seed`` (the same seed, the same counts; a seed already held at a point
is skipped, never counted twice, and refused with other limits) and, with ``--table-out``, writes the table with
the shots added (:mod:`qnsim.qec.remote_table`).

Exit status: 0 on success; 2 on any failure, one line on stderr (a usage error, a bad file, a sweep point that
failed: finished rows are kept and the same command resumes); 130 on Ctrl-C, 143 on SIGTERM and 129 on SIGHUP (a
closed terminal), which stop a sweep keeping its finished rows, as stderr says.

>>> import contextlib, io
>>> with contextlib.redirect_stdout(io.StringIO()) as out:
...     code = main(["circuit", "--distance", "3", "--rounds", "1", "--p-int", "0.1"])
>>> code, "DEPOLARIZE2(0.1)" in out.getvalue()
(0, True)
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
from collections.abc import Sequence

from qnsim.argument_checks import written
from qnsim.cli import ArgumentParser, guarded, integer_arg, path_arg, reading_as_command, real_arg

__all__ = ["main"]

#: The settings each ``qnsim qec`` command overrides by an option, and its flags: notes name the others as the
#: scenario's keys (``qnsim qec link`` has no --until: a longer run is the scenario's run.until_s).
OPTIONS: dict[str, dict[str, str]] = {"link": {"seed": "--seed"}}


#: The commands and the function running each.
_COMMANDS = {"sweep": "_sweep", "threshold": "_threshold", "link": "_link", "circuit": "_circuit",
             "clean-shots": "_clean_shots", "restore": "_restore", "topup": "_topup"}  # fmt: skip


def _parser() -> argparse.ArgumentParser:
    from qnsim.qec.link import DEFAULT_MAX_PROBE_EVENTS, DEFAULT_PROBES, MAX_BUFFER_PAIRS

    parser = ArgumentParser(prog="qnsim qec", description="Distributed surface-code experiments.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    swp = sub.add_parser("sweep", help="run an experiment file over its grid (resumable; pool or Dask)")
    swp.add_argument("experiment", type=path_arg, help="experiment TOML (see qnsim.qec.sweep)")
    swp.add_argument("--param", action="append", default=[], metavar="KEY=V1,V2,...", help="add or replace a grid axis")
    swp.add_argument("--seeds", default=None, help="seed count N, list 3,7,11, or one seed 7, (default: the file's)")
    swp.add_argument(
        "--out", type=path_arg,
        help="results .csv (or .parquet directory); resumes if it exists (running points from OUT.shots/)",
    )
    swp.add_argument("--backend", choices=["local", "dask"], default="local",
                     help="local process pool (default) or Dask (--scheduler, else a LocalCluster)")
    swp.add_argument("--workers", type=integer_arg, help="processes (local) or LocalCluster workers (dask)")
    swp.add_argument("--scheduler", help="address of a running Dask scheduler")
    swp.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    swp.add_argument(
        "--timing", action="store_true",
        help="add each row's sampling_s (wall-clock s spent sampling), the one column two runs of a sweep do not "
        "repeat (left out by default, so they write the same rows); resumes only rows written with it",
    )  # fmt: skip
    swp.add_argument(
        "--take-over", action="store_true",
        help="where the file system has no locks: take --out over from a sweep killed on another machine (its "
        "holder file left behind); refused, naming it, while it recorded itself alive within 60 s",
    )  # fmt: skip

    cln = sub.add_parser(
        "clean-shots", help="delete the saved counts (OUT.shots/) of a stopped sweep that will not be run again"
    )
    cln.add_argument("out", type=path_arg, help="the sweep's --out (.csv or .parquet); refused while a sweep writes it")

    res = sub.add_parser("restore", help="write a remote-logical table's statistics to DIR/stats.csv (for topup)")
    res.add_argument("--out", type=path_arg, required=True, help="folder of the statistics (refused if it holds some)")
    res.add_argument("--table", type=path_arg, help="the table (default: the shipped qnsim/qec/data/remote_model.json)")
    top = sub.add_parser("topup", help="add seeded shots to restored statistics (repeatable; never counted twice)")
    top.add_argument("--out", type=path_arg, required=True, help="the folder 'qnsim qec restore' wrote")
    top.add_argument("--seed", type=integer_arg, required=True, help="the top-up's seed (each point's is derived)")
    top.add_argument("--bases", nargs="+", choices=["Z", "X"], help="bases (default Z and X)")
    top.add_argument("--ps", nargs="+", type=real_arg, help="bulk errors p (grid values; default all)")
    top.add_argument("--qs", nargs="+", type=real_arg, help="seam error rates q (grid values; default all)")
    top.add_argument("--ds", nargs="+", type=integer_arg, help="distances (grid values; default all)")
    top.add_argument("--max-errors", type=integer_arg, required=True, help="stop a point at this many errors")
    top.add_argument("--max-shots", type=integer_arg, required=True, help="or at this many shots")
    top.add_argument("--workers", type=integer_arg, default=1, help="processes sampling points (default 1)")
    top.add_argument("--table", type=path_arg, help="the table restored (its grid; default: the shipped one)")
    top.add_argument("--table-out", type=path_arg, help="write the table with the shots added here")

    thr = sub.add_parser("threshold", help="threshold estimates from sweep rows")
    thr.add_argument("rows", type=path_arg, help="CSV written by 'qnsim qec sweep'")
    thr.add_argument(
        "--x",
        default="p_int",
        help="the swept parameter: an error rate, or a rate the logical error falls against (default p_int)",
    )
    thr.add_argument("--by", default="", help="comma-separated columns to group by (one threshold per group)")
    thr.add_argument("--distance", default="distance", help="the distance column (default distance)")
    thr.add_argument("--bootstrap", type=integer_arg, default=400, help="bootstrap redraws for the interval")

    lnk = sub.add_parser("link", help="measure a scenario's pairs and what a distributed patch gets from them")
    lnk.add_argument("scenario", type=path_arg, help="network scenario TOML")
    lnk.add_argument(
        "--request", type=integer_arg, default=0, help="index of the request whose pairs feed the seam (default 0)"
    )
    lnk.add_argument("--distance", type=integer_arg, default=5, help="code distance of the patches (odd; default 5)")
    lnk.add_argument(
        "--cycle-time", type=real_arg, default=1e-6,
        help="QPU syndrome round without waiting, in s (default 1e-6); qnsim estimate's table gives its QPUs' round "
        "beside the logical cycle, which is d rounds",
    )
    lnk.add_argument("--experiment", choices=["memory", "merge"], default="merge",
                     help="a memory split by a seam, or a lattice-surgery merge of two patches (default)")
    lnk.add_argument("--scheme", choices=["teleported", "cat"], default="teleported",
                     help="seam CNOTs teleported through one pair each (default), or a cat gadget")
    lnk.add_argument(
        "--code", choices=["rotated", "unrotated"], default="rotated", help="surface code layout (default rotated)"
    )
    lnk.add_argument("--probes", type=integer_arg, default=DEFAULT_PROBES,
                     help=f"density-matrix runs whose delivered pairs give the Bell-diagonal state, as many as "
                     f"measure_link makes by default (default {DEFAULT_PROBES})")
    lnk.add_argument("--max-events", type=integer_arg, default=DEFAULT_MAX_PROBE_EVENTS,
                     help="most events the probes may process together, projected from the normal run before they run "
                     f"(default {DEFAULT_MAX_PROBE_EVENTS}: about ten minutes); above it the command is refused")
    lnk.add_argument(
        "--seed", type=integer_arg, default=None,
        help="seed of the scenario's run and of the first probe (default: the scenario's run.seed, as qnsim run; 0 if "
        "none)",
    )
    lnk.add_argument(
        "--buffer-pairs", type=integer_arg, default=None,
        help="memories holding pairs at each end (default: a round's pairs, none carried over); more carry spare "
        f"pairs to later rounds, oldest used first; for a link whose pairs arrive as a Poisson process at most "
        f"{MAX_BUFFER_PAIRS} (the queue is solved exactly over the buffer's levels: checked once the link's run tells "
        "its law, before the probes), any for a fixed schedule or a trace",
    )

    cir = sub.add_parser("circuit", help="write a generated Stim circuit")
    cir.add_argument("--experiment", choices=["memory", "merge"], default="memory",
                     help="a memory split by a seam (default), or a lattice-surgery merge of two patches")
    cir.add_argument("--distance", type=integer_arg, default=3, help="code distance (odd; default 3)")
    cir.add_argument(
        "--rounds", type=integer_arg, default=None,
        help="syndrome rounds, an int >= 1 (default: as many as the distance)",
    )
    cir.add_argument("--basis", choices=["X", "Z"], default="Z", help="basis of the logical observable (default Z)")
    cir.add_argument(
        "--code", choices=["rotated", "unrotated"], default="rotated", help="surface code layout (default rotated)"
    )
    cir.add_argument("--noise", choices=["uniform", "si1000"], default="uniform",
                     help="bulk noise: uniform depolarizing (default) or SI1000, both at --p-bulk")
    cir.add_argument("--p-bulk", type=real_arg, default=1e-3, help="bulk physical error probability (default 0.001)")
    cir.add_argument("--scheme", choices=["direct", "teleported", "cat", "none"], default="direct",
                     help="how the seam is crossed: noisy direct CNOTs (default), CNOTs teleported through "
                     "Werner pairs, a cat gadget, or no seam")
    cir.add_argument(
        "--p-int", type=real_arg, default=None,
        help="direct: DEPOLARIZE2 p; pairs: 1 - F of Werner pairs (default 0.01); pairs of any other Bell-diagonal "
        "state: --bell-diagonal",
    )
    cir.add_argument(
        "--bell-diagonal", default=None, metavar="PHI+,PSI+,PSI-,PHI-",
        help="teleported or cat seam: the pairs' Bell-diagonal coefficients in that order, comma-separated, summing "
        "to 1 (a scenario link's bell_diagonal, or qnsim qec link's); instead of --p-int",
    )
    cir.add_argument("--out", type=path_arg, help="file to write (default: stdout)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``qnsim qec`` (``qnsim`` dispatches ``qec`` here); returns the exit status.

    Args:
        argv: Arguments after ``qec``; None reads ``sys.argv[1:]``.

    Returns:
        0 done; 2 any failure (one line on stderr: a bad argument or file, a failed sweep point).

    Example:
        >>> import contextlib, io
        >>> with contextlib.redirect_stderr(io.StringIO()) as err:
        ...     code = main(["circuit", "--distance", "4"])
        >>> code, "distance must be an odd int >= 3, got 4" in err.getvalue()
        (2, True)
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    # Each command's failures open with its own name, as qnsim run's and qnsim sweep's do: "qnsim qec: error:" named
    # no command, and "(see qnsim qec --help)" not the help that lists the option.
    command = next((a for a in argv if not a.startswith("-")), None)
    prog = f"qnsim qec {command}" if command in _COMMANDS else "qnsim qec"
    return guarded(prog, lambda: _main(argv), options={})  # each command's own: see _main


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    with reading_as_command(OPTIONS.get(args.command, {})):
        return globals()[_COMMANDS[args.command]](args)


def _clean_shots(args: argparse.Namespace) -> int:
    from qnsim.qec.sweep import clear_saved_counts, saved_counts_dir

    deleted = clear_saved_counts(args.out)
    store = saved_counts_dir(args.out)
    print(f"deleted {deleted} saved count file(s) in {store}" if deleted else f"no saved counts in {store}")
    return 0


def _shipped_table(args: argparse.Namespace) -> str:
    from importlib import resources

    return args.table or str(resources.files("qnsim.qec").joinpath("data/remote_model.json"))


def _restore(args: argparse.Namespace) -> int:
    from qnsim.qec.remote_table import restore

    restore(_shipped_table(args), args.out)
    return 0


def _topup(args: argparse.Namespace) -> int:
    import json

    from qnsim.qec.model import build_model, read_table
    from qnsim.qec.remote_table import check_on_grid, grid_of, table_from_stats, top_up

    source = _shipped_table(args)
    table = read_table(source)
    grid = grid_of(table, source)
    from qnsim.argument_checks import integer
    from qnsim.cli import naming_option
    from qnsim.specs import check_seed

    # Each value is refused under the option that gave it, before any sampling: --seed -1 was told "seed must be in
    # [0, 2**64 - 1]" by top_up and --ps 0.5 "p = 0.5 is not on ...'s grid", naming no option the user typed.
    check_seed("--seed", args.seed)
    for flag, values in (("--max-errors", [args.max_errors]), ("--max-shots", [args.max_shots]),
                         ("--workers", [args.workers])):
        if values[0] < 1:
            raise ValueError(f"{flag} {values[0]}: give an int >= 1")
        with naming_option(flag, values[0]):  # --max-errors 10**30 was told "max_errors is beyond a 64-bit integer"
            integer(flag[2:].replace("-", "_"), values[0], minimum=1)
    for flag, name, values, allowed in (("--ps", "p", args.ps, grid[0]), ("--qs", "q", args.qs, grid[1]),
                                        ("--ds", "d", args.ds, grid[2])):
        for value in values or ():
            with naming_option(flag, value):
                check_on_grid(name, value, allowed, source)
    for flag, values in (("--bases", args.bases), ("--ps", args.ps), ("--qs", args.qs), ("--ds", args.ds)):
        twice = next((v for i, v in enumerate(values or ()) if v in values[:i]), None)
        if twice is not None:
            # `--ds 3 3` sampled each d = 3 point twice with the one seed: its same shots counted twice.
            raise ValueError(f"{flag} {' '.join(map(str, values))}: {twice} is given twice; each point is sampled "
                             "once with a seed (the same shots twice would be counted twice)")
    points = [(basis, p, q, d) for basis in args.bases or ("Z", "X") for p in args.ps or grid[0]
              for q in args.qs or grid[1] for d in args.ds or grid[2]]
    top_up(args.out, points, seed=args.seed, max_errors=args.max_errors, max_shots=args.max_shots,
           workers=args.workers, grid=grid, source=source)
    if args.table_out:
        new = table_from_stats(args.out, table, grid=grid)
        build_model(new, args.table_out)  # a table the model cannot fit is refused before it is written
        with open(args.table_out, "w", encoding="utf-8") as f:
            json.dump(new, f, separators=(",", ":"))
            f.write("\n")
        print(f"table with the top-up's shots -> {args.table_out}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from qnsim.cli import command_line_refusals
    from qnsim.qec.sweep import ExperimentSpec, run_experiment_sweep
    from qnsim.sweep_cli import _parse_seeds, check_sweep_options, connect_scheduler, parse_grid, report_rows

    # The command line first (one reading with qnsim sweep's: a key given by two --param options was taken from the
    # later one alone), before the experiment's link is measured: a typo in --seeds was refused after that.
    with command_line_refusals():
        grid, typed = parse_grid(args.param)
        seeds = _parse_seeds(args.seeds) if args.seeds is not None else None
    spec = ExperimentSpec.from_file(args.experiment)
    spec.measure()  # once, here, so that what the link's figures rest on is said before the sweep
    if spec.supply is not None:
        # The seed a link is measured with: the file's [link] seed or the scenario's run.seed (the rows' link_seed).
        print(f"qnsim qec sweep: link {spec.supply.source} measured with {spec.supply.seeds_used()}", file=sys.stderr)
    for note in spec.supply.notes if spec.supply is not None else ():
        print(f"qnsim qec sweep: WARNING: link {spec.supply.source}: {note}", file=sys.stderr)
    from qnsim.sweeps import GridKeyError

    check_sweep_options(args, seeds)
    client = connect_scheduler(args.scheduler) if args.scheduler is not None else None
    if args.out is not None:
        from qnsim.qec.sweep import _saved_count_files, saved_counts_dir

        store = saved_counts_dir(args.out)
        if _saved_count_files(store):
            print(f"qnsim qec sweep: resuming the saved counts of unfinished points in {store}", file=sys.stderr)
    try:
        rows = run_experiment_sweep(
            spec, grid=grid, seeds=seeds, out=args.out, backend=args.backend, workers=args.workers,
            client=client, progress=not args.no_progress, take_over=args.take_over, timing=args.timing,
        )
    except GridKeyError as exc:
        # The grid came from the command line: its refusal names the --param that gave the key, as typed.
        options = list(dict.fromkeys(typed[k] for k in exc.keys if k in typed))
        if not options:
            raise
        raise ValueError(f"{' and '.join(options)}: {exc}") from None
    except Exception as exc:
        # The error line shows the message only: the note naming the unfinished points' saved counts (and how to
        # clear them) goes on its own line. Ctrl-C's notes are printed with "interrupted".
        for note in getattr(exc, "__notes__", ()):
            if "saved counts" in note:
                print(f"qnsim qec sweep: {note}", file=sys.stderr)
        raise
    finally:
        if client is not None:
            client.close()
    report_rows(rows, args.out)
    return 0


def _threshold(args: argparse.Namespace) -> int:
    from qnsim.argument_checks import integer
    from qnsim.cli import naming_option
    from qnsim.qec.threshold import MAX_BOOTSTRAP, estimate_threshold, group_rows
    from qnsim.sweeps import read_results, sweep_status

    with naming_option("--bootstrap", args.bootstrap):  # estimate_threshold's bound, under the option's name
        integer("bootstrap", args.bootstrap, minimum=0, maximum=MAX_BOOTSTRAP)
    rows = read_results(args.rows)
    if not rows:
        raise ValueError(f"{args.rows} holds no rows")
    status = sweep_status(args.rows)
    if status:
        # A killed sweep's rows (fewer distances or error rates than asked) gave a threshold read as the whole one's.
        print(f"qnsim qec threshold: WARNING: {status}", file=sys.stderr)
    # An empty item (--by p_bulk, or p_bulk,,rounds) was dropped without a word: a column left out of a list
    # is refused, not guessed at. An empty --by (the default) is no grouping.
    by = args.by.split(",") if args.by else []
    if any(not k.strip() for k in by):
        raise ValueError(
            f"--by {written(args.by)} has an empty column name; separate column names with single commas"
        )
    # A column twice grouped as once (its label shown twice); --x or --distance in --by split each group into one
    # x value or one distance, refused as "share fewer than two p_int values", naming no option.
    for place, key in enumerate(by):
        if key in by[:place]:
            raise ValueError(f"--by {written(args.by)} names the column {written(key)} twice")
        for option, column in (("--x", args.x), ("--distance", args.distance)):
            if key == column:
                raise ValueError(
                    f"--by {written(args.by)} names {written(key)}, the {option} column: a threshold is fitted across "
                    f"its values, so it cannot also group the rows"
                )
    # A column the user named is refused under the option that named it: "--x 'p': rows.csv has no column 'p'"
    # (it said only "rows.csv has no column 'p'", the option to change left to guess).
    named = [("--x", args.x), ("--distance", args.distance), *(("--by", k) for k in by)]
    for option, key in [*named, *(("", k) for k in ("errors", "shots", "rounds"))]:
        with naming_option(option, key) if option else contextlib.nullcontext():
            if key not in rows[0]:
                raise ValueError(f"{args.rows} has no column {written(key)}; columns: {sorted(rows[0])}")
    columns = list(rows[0])
    # A sweep writes its swept parameters first, then the seed: those besides x, distance and
    # --by must not vary inside one threshold, or counts of different experiments are summed.
    swept = columns[: columns.index("seed")] if "seed" in columns else []
    others = [k for k in swept if k not in (args.x, args.distance, *by)]
    # Which rate crosses: the per-round rates (each row's errors / shots over its rounds), not the per-shot ones a
    # sinter plot shows, whose crossing differs when the rounds grow with the distance; the output did not say.
    print(
        f"(crossings of the logical error per round, each row's errors / shots converted over its rounds, against "
        f"{args.x}; the threshold is the two largest distances')"
    )
    if args.bootstrap:
        # "threshold p_int = 0.07 [0.068, 0.072]" read as the threshold's whole uncertainty; the redraws hold only the
        # counts' noise (estimate_threshold's docstring).
        print(
            f"(95% bootstrap intervals of the counts' sampling noise, {args.bootstrap} redraws refitted: not the "
            "error of the straight-line model itself, nor the drift with the distances)"
        )
    for group, members in sorted(group_rows(rows, by).items(), key=lambda kv: tuple(map(str, kv[0]))):
        label = ", ".join(f"{k}={v}" for k, v in zip(by, group)) or "all rows"
        varying = sorted(k for k in others if len({repr(m[k]) for m in members}) > 1)
        if varying:
            raise ValueError(
                f"{args.rows}: the rows of {label} differ in the swept parameter(s) {', '.join(varying)}, whose counts "
                f"would be summed into one threshold; add them to --by ({','.join([*by, *varying])})"
            )
        try:
            est = estimate_threshold(members, x_key=args.x, distance_key=args.distance, bootstrap=args.bootstrap)
        except ValueError as exc:
            # A row's count refused ("rows[3] (point_id ...)['errors'] must be >= 0") named no file.
            raise ValueError(f"{args.rows}{f' ({label})' if by else ''}: {exc}") from None
        pairs = "  ".join(
            f"d{a}/d{b}: {'-' if c is None else format(c, '.3g')}" for (a, b), c in est.pairwise.items()
        )
        print(f"{label}: threshold {args.x} = {est.describe()}   [{pairs}]")
        for note in est.notes:
            print(f"  note: {note}")
    return 0


def _link(args: argparse.Namespace) -> int:
    from qnsim.argument_checks import integer
    from qnsim.cli import naming_option
    from qnsim.qec.circuits import seam_resources
    from qnsim.qec.layout import check_distance
    from qnsim.qec.link import (
        MAX_PROBES,
        TRACE_PHASES,
        _measure_link,
        check_buffer_pairs,
        cycle_time,
        interface_from_link,
        read_probe_seed,
        request_index,
    )

    # The options are checked before the probes run (minutes of density-matrix runs), each named: --cycle-time -1
    # was refused as "cycle_time_s must be > 0" after them, and --seed -1 as "the value given to override the
    # file's run.seed".
    with naming_option("--probes", args.probes):
        integer("probes", args.probes, minimum=1, maximum=MAX_PROBES)
    if args.seed is not None:
        # The probes' seeds seed .. seed + probes - 1 narrow the range (the seed spec states it): --seed -1 was told
        # [0, 2**64 - 1], and --seed 2**64 - 1 "seed 18446744073709551615 with probes=16: ... give seed <= ...",
        # naming no option.
        read_probe_seed(args.seed, args.probes, "--seed")
    with naming_option("--distance", args.distance):
        check_distance(args.distance)
    with naming_option("--cycle-time", args.cycle_time):
        cycle_time("cycle_time_s", args.cycle_time)
    with naming_option("--request", args.request):
        # "request 10**30 does not exist" named no option; checked here, as measure_link checks it.
        request_index(args.scenario, args.request)
    check_law = None
    if args.buffer_pairs is not None:
        pairs = seam_resources(args.distance, args.experiment, args.scheme, args.code).pairs_per_round
        with naming_option("--buffer-pairs", args.buffer_pairs):
            check_buffer_pairs(args.buffer_pairs, pairs, args.distance)  # what holds under every law

        def check_law(arrivals: str) -> None:
            # The Poisson queue's bound (256 pairs), once the normal run has told the law and before the probes: it
            # was checked for every link before the runs, so a periodic or traced link's buffer of 400, which their
            # queues model, was refused.
            with naming_option("--buffer-pairs", args.buffer_pairs):
                check_buffer_pairs(args.buffer_pairs, pairs, args.distance, arrivals)

    supply = _measure_link(
        args.scenario, args.request, probes=args.probes, seed=args.seed, check_law=check_law, max_events=args.max_events
    )
    _, timing = interface_from_link(
        supply, args.distance, cycle_time_s=args.cycle_time, experiment=args.experiment, scheme=args.scheme,
        code=args.code, buffer_pairs=args.buffer_pairs,
    )
    bd = ", ".join(f"{c:.4f}" for c in supply.bell_diagonal)
    used = ", ".join(f"{c:.4f}" for c in timing.bell_diagonal_at_use)
    print(f"link: {supply.source}, {supply.seeds_used()}")
    # "delivered: 4344 pairs/s" beside the estimate's calibrated 4285 of the same link read as two answers; with its
    # interval and window the reader can tell the two are one rate measured over different windows.
    print(f"  delivered: {supply.rate_text()}")
    print(f"  Bell-diagonal (Phi+, Psi+, Psi-, Phi-) = ({bd})")
    print(f"  memory T1 = {supply.t1_s:g} s, T2 = {supply.t2_s:g} s; node 2q error {supply.two_qubit_error:g}")
    for note in supply.notes:
        print(f"  WARNING: {note}")
    print(f"{args.experiment}, d = {args.distance}, {args.scheme} seam, {args.code} code, cycle {args.cycle_time:g} s:")
    print(f"  pairs per round: {timing.pairs_per_round}")
    per_seam = timing.required_rate_per_seam_hz
    print(f"  required rate: {timing.required_rate_hz:.4g} pairs/s ({per_seam:.4g} per seam qubit): its mean batch "
          "of pairs takes one cycle, the least that keeps up")
    # "waiting 0 s per round" at the required rate read as no wait; it is the mean batch time beyond the cycle, and
    # pairs arriving as a Poisson process make rounds wait longer on average (0.13 of a cycle for 9 pairs).
    if timing.arrivals == "periodic":
        # A fixed schedule was read as a Poisson process: at the required rate rounds of 1.13 cycles (d = 5) and an
        # idle error, where every round starts on time.
        print(f"  round time: {timing.round_time_s:.4g} s (the link delivers on a fixed schedule, one pair every "
              f"{1 / supply.rate_hz:.4g} s: every round waits {timing.poisson_wait_s:.4g} s for its batch beyond the "
              "cycle, none longer; the schedule's phase against the rounds taken uniform)")
    elif timing.arrivals == "trace":
        # Bursts and non-Poisson random deliveries were printed as "pairs arriving as a Poisson process".
        print(f"  round time: {timing.round_time_s:.4g} s on average (the pairs queued at the link's "
              f"{len(supply.arrival_times_s)} recorded delivery times, the rounds' clock at {TRACE_PHASES} phases over "
              f"a cycle: a round waits {timing.poisson_wait_s:.4g} s on average over {timing.trace_rounds} rounds a "
              f"phase, the data's idle error below averaged over those waits; the mean batch of pairs takes "
              f"{timing.wait_s:.4g} s beyond the cycle)")
        # How the trace goes on past its end was not said: a schedule of bursts was repeated half a gap early.
        if timing.trace_pattern is not None:
            print(f"  (the trace is a fixed schedule of {timing.trace_pattern} pair(s) a period: queued over its whole "
                  "periods and repeated after them, exactly as the schedule goes on)")
            if timing.trace_transient:
                print(f"  (its first {timing.trace_transient} arrival(s), a start-up before the schedule settled, are "
                      "left out: repeated every pass they would be a start-up the schedule does not have)")
        else:
            print(f"  (the trace has no period: repeated after its span plus its mean gap, a gap the link's trace "
                  f"does not give, whose weight in these means falls as 1 / rounds: one of {timing.trace_rounds})")
    else:
        print(f"  round time: {timing.round_time_s:.4g} s on average (with pairs arriving as a Poisson process a "
              f"round waits {timing.poisson_wait_s:.4g} s on average, the data's idle error below averaged over those "
              f"waits; the mean batch of pairs takes {timing.wait_s:.4g} s beyond the cycle)")
    if timing.wait_s > 0:
        # "required rate: 9e+06" above "delivered: 4322" left the reader to divide: the link sets the round's pace.
        print(
            f"  the link delivers {supply.rate_hz / timing.required_rate_hz:.2g} of the required rate: each round "
            f"takes {timing.round_time_s / timing.cycle_time_s:.3g}x the QPU's cycle, its data qubits idling while "
            f"the pairs come ({timing.required_rate_hz / supply.rate_hz:.3g}x the rate, e.g. that many links in "
            "parallel along the seam, would keep up)"
        )
    # The model's queue said where the figures rest on it: a round's pairs are gathered during the round before and
    # used at its start, in one memory each (none carried over) or in --buffer-pairs memories (qnsim.qec.link).
    print(f"  pairs at use (after {timing.storage_s:.3g} s in memory on average, from delivery to their round's "
          f"start): ({used})")
    if timing.buffer_pairs == timing.pairs_per_round:
        print(f"  (a round's {timing.pairs_per_round} pairs are gathered while the round before runs, one memory per "
              "pair at each end, and taken when it starts; pairs arriving with those memories full are not kept for "
              "later rounds: a larger buffer would shorten the waits and lengthen the pairs' storage; --buffer-pairs "
              "models one)")
    else:
        print(f"  (a buffer of {timing.buffer_pairs} pairs at each end, filled while rounds run: each round takes the "
              f"oldest {timing.pairs_per_round} when it starts, spare pairs carried to later rounds; pairs arriving "
              "with the buffer full are not kept)")
    # The total alone (0.1409) stood above a verdict on "flips with probability 0.094" (X or Y: p_x + p_y), two
    # numbers for one wait with nothing to tie them: the Pauli split lets the reader add the flips the checks see.
    p_x, p_y, p_z = timing.wait_idle
    print(f"  data idle error per round from waiting: {sum(timing.wait_idle):.4g} "
          f"(X {p_x:.3g}, Y {p_y:.3g}, Z {p_z:.3g} on every data qubit)")
    for note in timing.notes:
        # Pairs at F <= 1/2 when used and data decayed to fully mixed by the wait were computed (RoundTiming.notes)
        # and shown by `qnsim qec sweep`, but this command printed the numbers without a word.
        print(f"  WARNING: {note}")
    verdict = timing.idle_verdict()
    if verdict is not None:
        # The idle error was printed with no word of what it means for the code: 0.14 per round is beyond any
        # distance's help, and the reader had to know the thresholds to see it.
        print(f"  {verdict}")
    return 0


def _circuit(args: argparse.Namespace) -> int:
    from qnsim import qec
    from qnsim.cli import as_typed, naming_option
    from qnsim.qec.channels import check_probability
    from qnsim.qec.layout import check_distance

    if args.out:
        from qnsim.argument_checks import file_to_write

        # Before the circuit is built, and by the flag: the write said "path '/tmp' is a directory" afterwards.
        file_to_write("--out", args.out, "the circuit file", "circuit.stim")
    # Each option's refusal names the option ("--p-bulk nan: p must be finite" said only "p must be finite").
    with naming_option("--p-bulk", args.p_bulk):
        noise = (qec.NoiseModel.uniform_depolarizing if args.noise == "uniform" else qec.NoiseModel.si1000)(args.p_bulk)
    if args.scheme == "none" and args.p_int is not None:
        # A circuit without a seam has no interface error: the value would be ignored.
        raise ValueError(f"--p-int {args.p_int:g} needs a seam: --scheme none has no interface")
    if args.bell_diagonal is not None:
        # Only Werner pairs could be written (--p-int = 1 - F): a link of other Bell-diagonal pairs (a scenario's
        # bell_diagonal, qnsim qec link's measured state) had to be rounded to a Werner state of its fidelity first,
        # whose Psi+/Psi-/Phi- split differs (X, Y and Z errors on the seam in other proportions).
        if args.p_int is not None:
            raise ValueError(
                f"--p-int {as_typed('--p-int', args.p_int)} and --bell-diagonal both give the pairs' state: give one "
                "(--p-int p is --bell-diagonal 1-p,p/3,p/3,p/3)"
            )
        if args.scheme not in ("teleported", "cat"):
            raise ValueError(
                f"--bell-diagonal gives the state of the seam's Bell pairs: --scheme {args.scheme} uses none (give "
                "--scheme teleported or cat, or --p-int for a direct seam's DEPOLARIZE2)"
            )
        with naming_option("--bell-diagonal", args.bell_diagonal):
            pairs = _bell_diagonal(_coefficients(args.bell_diagonal))
        interface = qec.Interface.teleported(pairs) if args.scheme == "teleported" else qec.Interface.cat(pairs)
    else:
        p_int = 0.01 if args.p_int is None else args.p_int
        with naming_option("--p-int", p_int):
            check_probability("p_int", p_int)  # before the cat scheme reads it as fidelity 1 - p_int ("got -1.0")
            interface = {
                "none": lambda: None,
                "direct": lambda: qec.Interface.direct(p_int),
                "teleported": lambda: qec.Interface.werner(p_int),
                "cat": lambda: qec.Interface.cat(qec.werner(1.0 - p_int)),
            }[args.scheme]()
    with naming_option("--distance", args.distance):
        check_distance(args.distance)
    build = qec.memory_circuit if args.experiment == "memory" else qec.merge_circuit
    rounds = args.rounds if args.rounds is not None else args.distance
    # The rounds' bound is on distance x rounds: named by --rounds when given, else by --distance they default to.
    with naming_option(*(("--rounds", args.rounds) if args.rounds is not None else ("--distance", args.distance))):
        circuit = build(args.distance, rounds, args.basis, code=args.code, noise=noise, interface=interface)
    text = str(circuit) + "\n"
    if args.out:
        from qnsim.argument_checks import naming_file
        from qnsim.trace import write_whole

        # Whole or not at all, and a full disk named with the file (it said only "No space left on device").
        with naming_file(args.out):
            write_whole(args.out, [text])
        print(f"{circuit.num_qubits} qubits, {circuit.num_detectors} detectors -> {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _coefficients(text: str) -> list[float]:
    """``--bell-diagonal``'s text as its four numbers, each read as every real option is (ValueError naming the
    piece that is not one)."""
    from qnsim.cli import float_text

    pieces = text.split(",")
    if len(pieces) != 4:
        raise ValueError(f"give four comma-separated coefficients (Phi+, Psi+, Psi-, Phi-), got {len(pieces)}")
    values = []
    for piece in pieces:
        try:
            values.append(float_text(piece.strip()))
        except ValueError as exc:
            raise ValueError(f"coefficient {piece.strip()!r}: {exc}") from None
    return values


def _bell_diagonal(values: list[float]) -> tuple[float, float, float, float]:
    """``values`` read as the Python API reads a pair's four coefficients
    (:func:`qnsim.qec.channels.check_bell_diagonal`: one message for one bad value), its refusal of a sum off 1
    followed by the Phi+ that would make them sum to 1: the state ``qnsim qec link`` prints is rounded to 4
    decimals, so copied here it may sum to 0.9999 or 1.0001 (refused, not rescaled: which coefficient to adjust is
    the user's choice)."""
    from qnsim.qec.channels import check_bell_diagonal

    try:
        return check_bell_diagonal(values)
    except ValueError as exc:
        rest = 1.0 - math.fsum(values[1:])
        if all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in values) and 0.0 <= rest <= 1.0:
            raise ValueError(f"{exc}: e.g. Phi+ = {rest:.10g}, 1 minus the other three (qnsim qec link prints them "
                             "rounded to 4 decimals)") from None  # fmt: skip
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
