"""CPU time of the estimate_1e12 tutorial's estimates (docs/tutorials/estimate_1e12.md), and a digest of their reports.

The tutorial estimates the example once as given and once for each of 9 channel counts; this runs the same 10
estimates (load_network's calibration included, as the tutorial runs it) and prints their CPU time
(time.process_time, so a loaded machine changes it less than wall-clock) and a SHA-256 of every report's table,
repr and JSON: a change that only removes repeated work must leave the digest as it was.
Usage: python bench/estimate_repeats.py [REPORTS_OUT]
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
import time
from pathlib import Path

from qnsim.estimate import Workload, estimate
from qnsim.estimate_cli import load_network

CHANNELS = [1, 10, 100, 300, 1000, 3000, 10000, 30000, 100000]


def main() -> int:
    os.chdir(Path(__file__).resolve().parent.parent / "docs" / "tutorials")  # The tutorial's relative paths.
    workload = Workload.from_file("../../examples/estimate/workload.stim")
    t0 = time.process_time()
    qpus, links, options = load_network("../../examples/estimate/links.toml")
    reports = [estimate(workload, qpus, links, **options)]
    big_qpus = [q.with_(num_qubits=200_000) for q in qpus]
    for n in CHANNELS:
        reports.append(estimate(workload, big_qpus, [dataclasses.replace(lk, channels=n) for lk in links], **options))
    cpu_s = time.process_time() - t0
    out = "\n".join(r.table() + "\n" + repr(r) + "\n" + r.to_json() for r in reports)
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(out)
    digest = hashlib.sha256(out.encode()).hexdigest()[:16]
    print(f"{len(reports)} estimates: CPU {cpu_s:.2f} s; reports sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
