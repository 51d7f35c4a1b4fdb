"""The ``qnsim`` command line.

Subcommands:

* ``qnsim run SCENARIO.toml [--json] [--seed N] [--until S] [--formalism F] [--progress/--no-progress]``:
  runs a scenario file (see :mod:`qnsim.scenario`) and prints a summary table per request
  (pairs, rate, mean fidelity with its 95% confidence interval, mean latency), or the results
  as JSON. A progress bar shows on stderr for long runs on a terminal.
* ``qnsim estimate ...``: distributed-workload estimation (provided by
  ``qnsim.estimate_cli`` when installed).
* ``qnsim qec ...``: distributed surface-code experiments (``qnsim.qec_cli``).

>>> import contextlib, io
>>> with contextlib.redirect_stdout(io.StringIO()) as out:
...     code = main(["--version"])
>>> code, out.getvalue().startswith("qnsim ")
(0, True)
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from qnsim.specs import FORMALISMS

    parser = argparse.ArgumentParser(
        prog="qnsim",
        description="qnsim: native-accelerated quantum network simulator.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run", help="run a TOML scenario and print a summary", description="Run a TOML scenario file."
    )
    run.add_argument("scenario", help="path to a .toml scenario file")
    run.add_argument("--json", action="store_true", help="print machine-readable results (JSON) on stdout")
    run.add_argument("--pairs", action="store_true", help="with --json: include every delivered pair")
    run.add_argument("--seed", type=int, default=None, help="override run.seed")
    run.add_argument("--until", type=float, default=None, metavar="SECONDS", help="override run.until_s")
    run.add_argument(
        "--formalism", choices=list(FORMALISMS), default=None, help="override run.formalism"
    )
    bar = run.add_mutually_exclusive_group()
    bar.add_argument(
        "--progress",
        dest="progress",
        action="store_const",
        const=True,
        default=None,
        help="always show a progress bar (stderr)",
    )
    bar.add_argument(
        "--no-progress", dest="progress", action="store_const", const=False, help="never show a progress bar"
    )

    est = sub.add_parser(
        "estimate",
        help="estimate the network cost of a distributed workload",
        description="Estimate the cost of a distributed workload (qnsim.estimate_cli).",
        add_help=False,
    )
    est.add_argument("args", nargs=argparse.REMAINDER)

    swp = sub.add_parser(
        "sweep",
        help="run a scenario over a parameter grid and seeds (resumable; local pool or Dask)",
        description="Parameter sweep of a scenario (qnsim.sweep_cli).",
        add_help=False,
    )
    swp.add_argument("args", nargs=argparse.REMAINDER)

    qec = sub.add_parser(
        "qec",
        help="distributed surface-code experiments: threshold sweeps, links, circuits (qnsim.qec_cli)",
        description="Distributed QEC experiments (qnsim.qec_cli).",
        add_help=False,
    )
    qec.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``qnsim`` command; returns the exit status.

    Args:
        argv: Arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        0 on success, 2 on a usage or scenario error (message on stderr).

    Example:
        >>> import contextlib, io
        >>> with contextlib.redirect_stderr(io.StringIO()) as err:
        ...     code = main(["run", "no/such/file.toml"])
        >>> code, "No such file" in err.getvalue()
        (2, True)
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    # `estimate` forwards everything after it untouched, including --help.
    if argv and argv[0] == "estimate":
        return _estimate(argv[1:])
    if argv and argv[0] == "sweep":
        from qnsim import sweep_cli

        return int(sweep_cli.main(argv[1:]) or 0)
    if argv and argv[0] == "qec":
        from qnsim import qec_cli

        return int(qec_cli.main(argv[1:]) or 0)
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version and args.command is None:
        from qnsim import __version__

        print(f"qnsim {__version__}")
        return 0
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command == "run":
        return _run(args)
    return 2  # pragma: no cover


def _run(args: argparse.Namespace) -> int:
    from qnsim.scenario import load_scenario

    try:
        network, settings = load_scenario(
            args.scenario, seed=args.seed, formalism=args.formalism, until_s=args.until
        )
        result = network.run(settings.until_s, progress=args.progress)
    except (ValueError, OSError) as exc:
        print(f"qnsim run: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        payload = result.to_dict(include_pairs=args.pairs)
        payload["scenario"] = {
            "file": str(args.scenario),
            "name": settings.name,
            "description": settings.description,
        }
        import json

        print(json.dumps(payload, indent=2, allow_nan=False))
    else:
        title = settings.name or str(args.scenario)
        print(
            f"{title}: {len(network.nodes)} nodes, {len(network.links)} links, run to {settings.until_s:g} s"
        )
        if settings.description:
            print(settings.description.strip())
        print(_links_table(network))
        print()
        print(result.summary_table())
    return 0


def _links_table(network) -> str:
    from qnsim.results import _eng

    lines = [
        (
            f"{'link':<28} {'length':>8} {'ch':>3} {'p/attempt':>10} {'period':>9} {'model rate/ch':>13} "
            f"{'link F':>7} {'herald':>9}"
        )
    ]
    links = network.links
    # A built topology can have thousands of links: show the first ones and say how many more.
    shown = links if len(links) <= _MAX_LINK_ROWS else links[: _MAX_LINK_ROWS - 1]
    for link in shown:
        lines.append(
            f"{link.a + ' - ' + link.b:<28} {link.length_km:>5g} km {link.channels:>3} "
            f"{link.success_probability:>10.3g} {_eng(link.attempt_period_s, 's'):>9} "
            f"{_eng(link.rate_hz, 'Hz'):>13} {link.fidelity:>7.4f} {_eng(link.herald_delay_a_s, 's'):>9}"
        )
    if len(shown) < len(links):
        lines.append(f"... and {len(links) - len(shown)} more links")
    return "\n".join(lines)


_MAX_LINK_ROWS = 20


def _estimate(argv: list[str]) -> int:
    try:
        module = importlib.import_module("qnsim.estimate_cli")
    except ModuleNotFoundError as exc:
        if exc.name not in ("qnsim.estimate_cli",):
            raise
        print(
            "qnsim estimate: error: the estimation command is not available in this installation "
            "(qnsim.estimate_cli is missing); update qnsim",
            file=sys.stderr,
        )
        return 2
    return int(module.main(argv) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
