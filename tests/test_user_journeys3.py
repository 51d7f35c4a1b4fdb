"""What a new user reads off the README's journeys, third round: a systems planner asking "can N fault-tolerant
QPUs run this 10^12-gate job, and what must each link deliver?" from the text report of ``qnsim estimate``."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import pytest

from qnsim.estimate import QPU, Link, estimate
from qnsim.estimate.report import _times

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "estimate"


def _delivery(text: str) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """The header, the rows by link and the lines after the rows of the report's table of what each link must
    deliver."""
    lines = text.splitlines()
    start = lines.index("what each link must deliver (raw pairs per second; F = Bell-pair fidelity):")
    header = lines[start + 1]
    rows, rest = {}, []
    for line in lines[start + 2 :]:
        if line.startswith("note: ") or not line:
            break
        if line.startswith("... "):
            rest.append(line)
            continue
        cells = re.split(r"\s+", line.strip(), maxsplit=6)
        rows[cells[0]] = cells
    return header, rows, rest


def _close(text: str, value: float) -> bool:
    """True when ``text`` (a rate printed to 3 significant digits, or a margin: 2 digits and an "x") is ``value``
    so rounded."""
    if text.endswith("x"):
        return text == _times(value)
    return math.isclose(float(text), value, rel_tol=0.006)


@pytest.fixture(scope="module")
def example():
    if not (EXAMPLE / "links.toml").exists():
        pytest.skip("examples/ is not next to the tests (installed-package run)")
    from qnsim.config import TomlTable
    from qnsim.estimate import Workload
    from qnsim.estimate_cli import load_network

    qpus, links, options = load_network(TomlTable.load(EXAMPLE / "links.toml"), base_dir=EXAMPLE)
    return Workload.from_file(EXAMPLE / "workload.stim"), qpus, links, options


def test_a_feasible_error_corrected_job_says_what_each_link_must_deliver(example):
    """The shipped 10^12-gate job on QPUs of 200,000 qubits and a link of 300 channels is feasible: the text report
    said so, with its link's pairs, rounds and time, but not the raw pair rate the link must make for lattice
    surgery never to wait (``required_rate_hz``) nor the fidelity it must reach: those were in the JSON only.
    Old behaviour: no such row; now a row per link gives the no-stall rate, the rate it makes, their ratio, the
    rate the run draws on average and the error of each remote operation against its share of the budget, and the
    figures agree with one another (time x rate = raw pairs consumed, wall clock x average = raw pairs)."""
    workload, qpus, links, options = example
    big = [q.with_(num_qubits=200_000) for q in qpus]
    report = estimate(workload, big, [dataclasses.replace(links[0], channels=300)], **options)
    assert report.feasible
    (lk,) = report.links
    header, rows, rest = _delivery(report.table())
    assert header.split() == ["link", "need/s", "gives/s", "margin", "used/s", "F", "at", "use", "F", "need"]
    name, need, gives, margin, used, at_use, f_need = rows["0-1"]
    assert rest == []
    assert _close(need, lk.required_rate_hz)
    assert _close(gives, lk.raw_bell_pairs / lk.time_s)
    assert _close(gives, lk.rate_hz * lk.channels) or lk.time_s > lk.raw_bell_pairs / (lk.rate_hz * lk.channels)
    assert _close(margin, (lk.raw_bell_pairs / lk.time_s) / lk.required_rate_hz)
    assert _close(used, lk.raw_bell_pairs / report.wall_clock_s)
    assert float(used) * report.wall_clock_s == pytest.approx(report.raw_bell_pairs, rel=0.006)
    assert float(used) <= float(gives)
    assert at_use == f"{lk.fidelity_at_use:.6f}"
    share = report.error_budget.remote / report.remote_gates
    assert f_need == f"err/op {lk.remote_error_per_operation:.2g} <= {share:.2g}"
    assert lk.remote_error_per_operation <= share


def test_the_infeasible_example_keeps_its_reasons_and_shows_the_links_shortfall(example):
    """The README's command (the shipped example, one channel) is infeasible for the link's rate among other
    reasons. Old behaviour: the reasons and the link table only; now the same reasons and, below the table, the
    link's no-stall rate against the 4,285 pairs/s it makes: a margin far below 1x."""
    workload, qpus, links, options = example
    report = estimate(workload, qpus, links, **options)
    text = report.table()
    assert not report.feasible
    for reason in report.reasons:
        assert f"  reason{' ' * 33}{reason}" in text
    (lk,) = report.links
    _header, rows, _rest = _delivery(text)
    _name, need, gives, margin, used, _at_use, _f_need = rows["0-1"]
    assert _close(need, lk.required_rate_hz) and _close(gives, 4285) and _close(used, 4285)
    assert float(margin.rstrip("x")) < 1e-3
    # The link bounds the run: the rate it makes is the rate the run draws, over the run, for its raw pairs.
    assert report.bound == "link 0-1 rate"
    assert float(gives) * lk.time_s == pytest.approx(lk.raw_bell_pairs, rel=0.006)


def test_a_target_fidelity_is_the_need_and_a_physical_run_needs_the_rate_that_keeps_up_with_compute():
    """Physical QPUs with a target fidelity: the need is that fidelity, and the rate a link must make is its raw
    pairs over the run's compute and latency time (a link making them slower lengthens the run). Old behaviour:
    neither was printed."""
    r = estimate("REPEAT 1000 {\n CX 0 1\n H 0\n}", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.9)],
                 target_fidelity=0.95, error_budget=0.99)
    (lk,) = r.links
    _header, rows, _rest = _delivery(r.table())
    _name, need, gives, margin, _used, at_use, f_need = rows["0-1"]
    assert _close(need, lk.raw_bell_pairs / (r.time_local_s + r.time_latency_s)) and _close(gives, 1e3)
    # Margin below 1x exactly when the link, not the compute, sets the wall clock.
    assert (float(margin.rstrip("x")) < 1) == (r.bound == "link 0-1 rate")
    assert f_need == ">= 0.95" and float(at_use) >= 0.95


def test_sixty_four_qpus_show_the_tightest_links_and_count_the_rest():
    """64 QPUs on a ring of links of unequal rates: a table of 64 delivery rows would bury the binding links.
    Old behaviour: no delivery rows at all; now the 10 of tightest margin, then one line that counts the others
    and gives their range of margins, which starts no lower than the last row shown."""
    n = 64
    circuit = "REPEAT 100 {\n" + "\n".join(f" CX {i} {(i + 1) % n}" for i in range(n)) + "\n M 0\n}"
    links = [Link(tuple(sorted((i, (i + 1) % n))), 1e5 * (1 + i % 7), 0.999) for i in range(n)]
    r = estimate(circuit, [QPU(num_qubits=1)] * n, links, error_budget=0.99)
    _header, rows, rest = _delivery(r.table())
    assert len(rows) == 10 and len(r.links) > 10
    (more,) = rest
    match = re.fullmatch(r"\.\.\. (\d+) more links \(of (\d+); the 10 of tightest margin are shown\), margins "
                         r"(\S+)x to (\S+)x", more)
    assert match, more
    assert int(match[1]) == len(r.links) - 10 and int(match[2]) == len(r.links)
    shown = [float(cells[3].rstrip("x").replace(",", "")) for cells in rows.values()]
    assert shown == sorted(shown)
    assert float(match[3]) >= shown[-1] and float(match[4]) >= float(match[3])
    margins = sorted(r._delivery(lk)[2] for lk in r.links)
    assert _close(rows[next(iter(rows))][3], margins[0]) and match[4] + "x" == _times(margins[-1])


def test_every_column_of_the_delivery_table_is_explained_in_help():
    """The new table's headers, like the link table's, must be in the legend ``qnsim estimate --help`` prints."""
    from qnsim.estimate.report import LINK_TABLE_COLUMNS

    report = estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.9)], target_fidelity=0.95)
    header, _rows, _rest = _delivery(report.table())
    explained = {re.split(r"\s{2,}", line.strip())[0] for line in LINK_TABLE_COLUMNS.splitlines()
                 if line.startswith("  ")}
    rest = header
    for name in sorted(explained, key=len, reverse=True):
        rest = re.sub(rf"(?<!\S){re.escape(name)}(?!\S)", " ", rest)
    assert rest.split() == [], (header, rest)


def test_a_link_that_cannot_reach_its_need_is_marked_short_beside_its_reason():
    """F = 0.9 pairs in 2 ms memories cannot be purified to 0.99 with a raw pair every 1 ms: the estimate refuses
    the link with a reason. Old behaviour: that reason only; now also its row, which shows the fidelity it reaches
    marked short of the need and an infinite raw pair rate (no number of raw pairs makes a pair of 0.99)."""
    link = Link((0, 1), 1e3, 0.9, latency_s=1e-3, memory_t1_s=2e-3, memory_t2_s=2e-3)
    r = estimate("REPEAT 100 {\n CX 0 1\n H 0\n}", [QPU(num_qubits=1)] * 2, [link], target_fidelity=0.99)
    text = r.table()
    assert any(reason.startswith("link 0-1: raw fidelity 0.9 cannot be purified to 0.99") for reason in r.reasons)
    _header, rows, _rest = _delivery(text)
    _name, need, gives, margin, _used, at_use, f_need = rows["0-1"]
    assert (need, gives, margin) == ("inf", "1e+03", "0x")
    assert f_need == ">= 0.99 (short)" and float(at_use) < 0.99


def test_jupyter_shows_what_each_link_must_deliver_too():
    """The notebook view of a report had the link table only. Old behaviour: no need, margin or F need in its HTML;
    now a second table with the same figures as the text report's rows."""
    r = estimate("REPEAT 1000 {\n CX 0 1\n H 0\n}", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.9)],
                 target_fidelity=0.95)
    html = r._repr_html_()
    _header, rows, _rest = _delivery(r.table())
    _name, need, gives, margin, used, at_use, f_need = rows["0-1"]
    cells = "".join(f"<td>{c}</td>" for c in ["0-1", need, gives, margin, used, at_use, f_need.replace(">", "&gt;")])
    assert "<th>need raw pairs/s</th>" in html and cells in html
