"""``qnsim estimate``: price a workload on networked QPUs from the command line.

Usage::

    qnsim estimate WORKLOAD (--links FILE.toml | --network FILE.toml) [--json] [--stream]

WORKLOAD is a Stim circuit file (REPEAT blocks counted symbolically; ``--stream`` streams a huge
unrolled file instead) or a ``.toml`` logical summary (keys of
:class:`qnsim.estimate.LogicalSummary`, at top level or under ``[workload]``).

The links/network file::

    [[qpu]]                        # one table per QPU, or `count = N` identical ones
    preset = "qubit_gate_ns_e3"    # optional Azure preset; any QPU field may be set
    num_qubits = 100
    count = 2
    surface_code = true            # optional: error-corrected (or a table of SurfaceCode fields)
    logical_qubits = 200

    [[link]]
    qpus = [0, 1]                  # or "all" for every QPU pair
    rate_hz = 1e5                  # raw Bell pairs per second
    fidelity = 0.99
    latency_s = 1e-5               # one-way classical latency

    [estimate]                     # optional keyword arguments of qnsim.estimate.estimate
    target_fidelity = 0.99
    placement = [0, 0, 1, 1]

``--network`` reads the same tables. A ``[[link]]`` may instead name a network scenario whose
request it stands for; its rate, fidelity and latency are then measured by simulating it
(figures given in the table win)::

    [[link]]
    qpus = [0, 1]
    scenario = "two_qpus_transducers.toml"   # relative to this file
    request = 1                              # which request of the scenario (default 0)
    until_s = 0.2                            # simulated time (default: the scenario's)

Exit status: 0 feasible, 1 infeasible, 2 bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["load_network", "main"]

_QPU_KEYS = {
    "preset",
    "count",
    "surface_code",
    "num_qubits",
    "t_1q_s",
    "t_2q_s",
    "t_meas_s",
    "t_reset_s",
    "t_t_s",
    "e_1q",
    "e_2q",
    "e_meas",
    "e_t",
    "logical_qubits",
    "name",
}
_LINK_KEYS = {
    "qpus",
    "scenario",
    "request",
    "until_s",
    "seed",
    "rate_hz",
    "fidelity",
    "latency_s",
    "buffer_pairs",
    "success_probability",
    "attempt_period_s",
}
_ESTIMATE_KEYS = {
    "target_fidelity",
    "purification",
    "cat_entangler",
    "error_budget",
    "max_runtime_s",
    "seed",
    "placement",
}


def load_network(data: dict[str, Any], base_dir: str = ".") -> tuple[list[Any], list[Any], dict[str, Any]]:
    """Builds (QPUs, links, estimate options) from a parsed links/network TOML document.

    >>> qpus, links, opts = load_network({"qpu": [{"num_qubits": 4, "count": 2}],
    ...                                   "link": [{"qpus": "all", "rate_hz": 1e4, "fidelity": 0.95}]})
    >>> len(qpus), links[0].key, opts
    (2, (0, 1), {})
    """
    from qnsim.estimate import QPU, Link, SurfaceCode

    qpus: list[QPU] = []
    for i, table in enumerate(data.get("qpu", [])):
        unknown = set(table) - _QPU_KEYS
        if unknown:
            raise ValueError(f"[[qpu]] #{i}: unknown keys {sorted(unknown)}; allowed: {sorted(_QPU_KEYS)}")
        fields = dict(table)
        count = int(fields.pop("count", 1))
        if count < 1:
            raise ValueError(f"[[qpu]] #{i}: count must be >= 1, got {count}")
        sc = fields.pop("surface_code", None)
        if sc is True:
            fields["surface_code"] = SurfaceCode()
        elif isinstance(sc, dict):
            fields["surface_code"] = SurfaceCode(**sc)
        preset_name = fields.pop("preset", None)
        for _ in range(count):
            qpus.append(QPU.preset(preset_name, **fields) if preset_name else QPU(**fields))
    if not qpus:
        raise ValueError("the network file defines no [[qpu]] tables")
    links: list[Link] = []
    for i, table in enumerate(data.get("link", [])):
        unknown = set(table) - _LINK_KEYS
        if unknown:
            raise ValueError(
                f"[[link]] #{i}: unknown keys {sorted(unknown)}; give rate_hz and fidelity directly, or a "
                "network scenario (scenario = \"file.toml\", request = N) to calibrate them by simulation"
            )
        fields = dict(table)
        if "scenario" in fields:
            fields = _calibrated_fields(fields, base_dir, i)
        if "qpus" not in fields:
            raise ValueError(f"[[link]] #{i}: missing 'qpus' (a pair of QPU indices or \"all\")")
        pairs = fields.pop("qpus")
        if pairs == "all":
            for a in range(len(qpus)):
                for b in range(a + 1, len(qpus)):
                    links.append(Link((a, b), **fields))
        else:
            links.append(Link(tuple(pairs), **fields))
    opts = dict(data.get("estimate", {}))
    unknown = set(opts) - _ESTIMATE_KEYS
    if unknown:
        raise ValueError(f"[estimate]: unknown keys {sorted(unknown)}; allowed: {sorted(_ESTIMATE_KEYS)}")
    return qpus, links, opts


def _load_workload(path: str, stream: bool) -> Any:
    from qnsim.estimate import LogicalSummary, Workload, stream_circuit_file

    if path.endswith(".toml"):
        return LogicalSummary.from_toml(path)
    if stream:
        return stream_circuit_file(path)
    return Workload.from_file(path)


def _calibrated_fields(fields: dict[str, Any], base_dir: str, i: int) -> dict[str, Any]:
    """Replaces ``scenario``/``request``/``until_s``/``seed`` by a simulation's rate, fidelity and latency.

    Figures given explicitly in the table win over the calibrated ones.
    """
    from qnsim.estimate.calibrate import calibrate_link

    fields = dict(fields)
    scenario = os.path.join(base_dir, fields.pop("scenario"))
    calibrated = calibrate_link(
        scenario, int(fields.pop("request", 0)), until_s=fields.pop("until_s", None), seed=fields.pop("seed", None)
    )
    print(
        f"[[link]] #{i}: calibrated from {calibrated.source}: {calibrated.rate_hz:.4g} pairs/s, "
        f"F = {calibrated.fidelity:.4f} +- {calibrated.fidelity_ci95:.1g} ({calibrated.pairs} pairs, "
        f"{calibrated.simulated_s:g} s simulated)",
        file=sys.stderr,
    )
    fields.setdefault("rate_hz", calibrated.rate_hz)
    fields.setdefault("fidelity", calibrated.fidelity)
    fields.setdefault("latency_s", calibrated.latency_s)
    return fields


def main(argv: Sequence[str] | None = None) -> int:
    """Runs ``qnsim estimate``; returns the exit status (0 feasible, 1 infeasible, 2 bad input).

    ``argv`` may start with the subcommand name ``estimate`` (as dispatched by ``qnsim``).

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> with open(os.path.join(d, "w.stim"), "w") as f:
    ...     _ = f.write("REPEAT 1000 {\\n  CX 0 1\\n}\\n")
    >>> with open(os.path.join(d, "links.toml"), "w") as f:
    ...     _ = f.write('[[qpu]]\\nnum_qubits = 1\\ncount = 2\\n[[link]]\\nqpus = [0, 1]\\n'
    ...                 'rate_hz = 1e4\\nfidelity = 0.99\\n')
    >>> main(["estimate", os.path.join(d, "w.stim"), "--links", os.path.join(d, "links.toml")])
    verdict...infeasible
      reason...error budget: ...
    1
    """
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in and args_in[0] == "estimate":
        args_in = args_in[1:]
    parser = argparse.ArgumentParser(
        prog="qnsim estimate", description="Estimate what a workload costs on networked QPUs."
    )
    parser.add_argument("workload", help="Stim circuit file (REPEAT allowed) or .toml logical summary")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--links", help="TOML file with [[qpu]] and [[link]] tables (rate, fidelity, latency)")
    group.add_argument("--network", help="network scenario TOML (same [[qpu]]/[[link]] tables)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--stream", action="store_true", help="stream an unrolled circuit file (no REPEAT)")
    args = parser.parse_args(args_in)

    from qnsim import QnsimError
    from qnsim.estimate import estimate
    from qnsim.estimate.workload import _load_toml

    try:
        net_path = args.links or args.network
        if not os.path.exists(net_path):
            raise ValueError(f"network file '{net_path}' does not exist")
        qpus, links, opts = load_network(_load_toml(net_path), base_dir=os.path.dirname(os.path.abspath(net_path)))
        workload = _load_workload(args.workload, args.stream)
        report = estimate(workload, qpus, links, **opts)
    except (OSError, ValueError, TypeError, QnsimError) as e:
        print(f"qnsim estimate: error: {e}", file=sys.stderr)
        return 2
    print(report.to_json() if args.json else report.table())
    return 0 if report.feasible else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
