"""Estimate audit, round 38: an error-corrected run's merge depth in mixed workloads, a streamed count's pairs.

Each remote operation of an error-corrected run is a lattice-surgery merge of one logical cycle, and a patch takes
part in one at a time (the estimator's docs), so the run takes at least the merges its busiest qubit takes part in.
A remote two-qubit operation merges both its qubits; a CCZ or a Pauli product runs from its first qubit's QPU, one
remote operation towards each other QPU holding its qubits (``star_pairs``), which merges its first qubit and its
qubits on that QPU. The reference below counts that from the unrolled circuit, independently of the estimator.
"""

from __future__ import annotations

import importlib.util
import random
import re
import tempfile
from pathlib import Path

import pytest

from qnsim.estimate import QPU, Link, SurfaceCode, Workload, count_circuit, estimate, preset, stream_circuit_file
from qnsim.estimate.estimator import _Context
from qnsim.estimate.placement import Placement


def _streamed(text):
    """The counts of ``text`` streamed from a file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "w.stim"
        path.write_text(text)
        return stream_circuit_file(path, progress=False)


def _random_ops(rng, n, size, kinds=("CX", "CZ", "MZZ", "CCZ", "MPP", "T", "H", "M"), widest_product=5):
    """``size`` operations over ``n`` qubits drawn from ``kinds`` (default: CX, CZ, MZZ, CCZ, MPP over 2-5 qubits,
    and local T, H and M)."""
    ops = []
    for _ in range(size):
        kind = rng.choice(list(kinds))
        width = {"CX": 2, "CZ": 2, "MZZ": 2, "CCZ": 3, "MPP": rng.randint(2, min(n, widest_product))}.get(kind, 1)
        ops.append((kind, rng.sample(range(n), width)))
    return ops


def _text(ops):
    lines = []
    for kind, qubits in ops:
        if kind == "MPP":
            lines.append("MPP " + "*".join(f"{'XZ'[i % 2]}{q}" for i, q in enumerate(qubits)))
        else:
            lines.append(f"{kind} " + " ".join(map(str, qubits)))
    return "\n".join(lines) + "\n"


def _merges(ops, where):
    """Per operation, the qubit sets of its merges (the docs' definition, module docstring)."""
    out = []
    for _kind, qubits in ops:
        groups: dict[int, set[int]] = {}
        for q in qubits[1:]:
            if where[q] != where[qubits[0]]:
                groups.setdefault(where[q], set()).add(q)
        out.append([{qubits[0]} | g for _b, g in sorted(groups.items())])
    return out


def _reference(ops, where):
    """(the most merges one qubit takes part in, the cycles the merges take in program order): the second schedules
    each merge one cycle after the latest of its qubits' earlier operations (local ones take no cycle here), an
    operation's merges one after the other (they share its first qubit)."""
    per_qubit: dict[int, int] = {}
    level: dict[int, int] = {}
    for (_kind, qubits), merges in zip(ops, _merges(ops, where)):
        for merge in merges:
            for q in merge:
                per_qubit[q] = per_qubit.get(q, 0) + 1
        end = max(level.get(q, 0) for q in qubits) + len(merges)
        for q in qubits:
            level[q] = end
    return max(per_qubit.values(), default=0), max(level.values(), default=0)


def _placed(text, where, k):
    w = Workload(text)
    zero = [0.0] * (k * k)
    return w, w._placed(where, k, [1e-6] * k, [1e-6] * k, [1e-6] * k, [1e-6] * k, zero, zero, schedule=False)


def test_merge_counts_match_a_count_from_the_docs_definition_over_random_mixed_circuits():
    """300 random circuits mixing products, CCZs, two-qubit gates and local work on 3-7 qubits over 2-3 QPUs (half of
    them with a stretch in nested REPEATs): the merge depth read from the circuit's schedule is exactly the
    reference's busiest qubit's merges, never above the merges in program order (the depth the note's "at least"
    bounds), and the figure a count without its schedule reads (the interaction graph) is never below it (its note:
    "an upper bound on its busiest qubit's"). Old behaviour: the graph's figure with its QPU cap was the circuit's,
    high in 235 of 3,000 such circuits (flat ones)."""
    rng = random.Random(3838)
    below_order = 0
    for _ in range(300):
        n, k = rng.randint(3, 7), rng.randint(2, 3)
        ops = _random_ops(rng, n, rng.randint(1, 12))
        where = [rng.randrange(k) for _ in range(n)]
        text = _text(ops)
        if rng.random() < 0.5:  # A stretch of it in a REPEAT (nested once), the reference's ops unrolled.
            i, j = sorted(rng.sample(range(len(ops) + 1), 2))
            inner, times, outer = rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 4)
            body = "REPEAT %d {\n%s}\n" % (inner, _text(ops[i:j]))
            text = _text(ops[:i]) + "REPEAT %d {\n%s}\n" % (outer, body * times) + _text(ops[j:])
            ops = ops[:i] + ops[i:j] * (inner * times * outer) + ops[j:]
        w, placed = _placed(text, where, k)
        p = Placement(tuple(where), k)
        links = [type("LR", (), {"qpus": key, "remote_gates": n})() for key, n in placed["remote_gates"].items() if n]
        busiest, in_order = _reference(ops, where)
        exact = _Context._merge_depth(p, w.counts, list(p.qubits_per_qpu), links, placed)
        graph = _Context._merge_depth(p, w.counts, list(p.qubits_per_qpu), links)
        assert exact == busiest <= in_order and graph >= busiest, (text, where, exact, busiest, in_order, graph)
        below_order += busiest < in_order
    assert below_order > 0  # the busiest qubit's count is a lower bound, not the depth


_EC = preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), logical_qubits=4)
_FAST = [Link((0, 1), rate_hz=1e12, fidelity=0.999)]
_MIXED = "REPEAT 1000 {\n MPP X0*X1*X2\n}\nREPEAT 1500 {\n CX 3 4\n}\nM 0 1 2 3 4\n"


def test_a_mixed_workloads_merge_depth_is_its_busiest_qubits_and_the_note_says_at_least():
    """1,000 MPP X0*X1*X2 (qubits 1 and 2 on the other QPU: one merge each) beside 1,500 remote CX 3 4 on two
    surface-code QPUs: qubit 0 takes part in 1,000 merges, qubits 3 and 4 in 1,500, so the depth is 1,500 cycles.
    Old behaviour: 2,000 (qubit 0's two star edges per product in the interaction graph, under its QPU's 2,500 remote
    operations), and the note gave the figure as the depth itself; it now says "at least" (merges waiting for one
    another through other qubits take more) and names the busiest qubit."""
    r = estimate(_MIXED, [_EC, _EC], _FAST, placement=[0, 1, 1, 0, 1])
    assert r.remote_gates == 2500 and r.error_corrected.algorithmic_logical_depth == 1500
    (note,) = [n for n in r.notes if n.startswith("the remote operations set the run's logical depth")]
    # Round 39: the program-order schedule also takes 1,500 cycles, so the note gives the depth and says no schedule
    # is shorter (it read "at least 1,500" here).
    assert "depth: 1,500 lattice-surgery merges" in note and "no schedule is shorter" in note
    assert "busiest qubit (qubit 3)" in note


def test_a_streamed_counts_merge_figure_says_it_is_an_upper_bound_on_the_busiest_qubits():
    """The mixed workload above, flattened and streamed: a streamed count does not keep which of a product's qubits
    share a QPU, so its figure (2,000) is above the busiest qubit's 1,500 merges. Old behaviour: the note read "2,000
    lattice-surgery merges (...) its busiest qubit takes part in", as exact; now it says it is an upper bound on the
    busiest qubit's, without "at least"."""
    flat = "MPP X0*X1*X2\n" * 1000 + "CX 3 4\n" * 1500 + "M 0 1 2 3 4\n"
    r = estimate(_streamed(flat), [_EC, _EC], _FAST, placement=[0, 1, 1, 0, 1])
    (note,) = [n for n in r.notes if n.startswith("the remote operations set the run's logical depth")]
    assert r.error_corrected.algorithmic_logical_depth == 2000
    assert "logical depth: 2,000 lattice-surgery merges" in note and "an upper bound on its busiest qubit's" in note


_QPU = QPU(num_qubits=5, t_1q_s=1e-6, t_2q_s=1e-4, t_meas_s=1e-4, t_reset_s=1e-4, e_1q=0.0, e_2q=0.0, e_meas=0.0)


def _factor(report):
    (note,) = [n for n in report.notes if "at most" in n and "x the schedule's on any link" in n]
    return int(re.search(r"at most (\d+)x the schedule's on any link", note).group(1))


def test_a_streamed_counts_pairs_note_gives_the_bounds_factor_and_it_holds():
    """A streamed product prices a pair per qubit on the far QPU where its schedule takes one: MPP X0*X1*X2*X3 with
    qubits 1-3 on QPU 1 takes 3 pairs for the schedule's 1, the note's factor (the fullest QPU's 3 qubits), reached.
    Over 120 random circuits (products over up to 6 qubits, CCZs, two-qubit gates; 2-3 QPUs), each link's streamed
    pairs are at most the factor times the schedule's. Old behaviour: the note said "an upper bound" and no size
    (measured: medians 1.1-1.6x for random products and CCZs, 2-3.8x for products over neighbouring qubits placed in
    blocks)."""
    kw = dict(error_budget=0.99, cat_entangler=False)  # A streamed count shares no pair among remote CX.
    links = [Link(pair, rate_hz=1e6, fidelity=0.9999) for pair in [(0, 1), (0, 2), (1, 2)]]
    text = "MPP X0*X1*X2*X3\n"
    s = estimate(_streamed(text), [_QPU] * 2, links[:1], placement=[0, 1, 1, 1], **kw)
    c = estimate(text, [_QPU] * 2, links[:1], placement=[0, 1, 1, 1], **kw)
    assert (s.links[0].bell_pairs, c.links[0].bell_pairs, _factor(s)) == (3, 1, 3)
    rng = random.Random(38)
    for _ in range(120):
        n, k = rng.randint(3, 6), rng.randint(2, 3)
        ops = [op for op in _random_ops(rng, n, rng.randint(1, 10)) if op[0] != "M"] + [("CCZ", [0, 1, 2])]
        text, where = _text(ops), [rng.randrange(k) for _ in range(n)]
        s = estimate(_streamed(text), [_QPU] * k, links[: 3 if k == 3 else 1], placement=where, **kw)
        c = estimate(text, [_QPU] * k, links[: 3 if k == 3 else 1], placement=where, **kw)
        ours = {lr.qpus: lr.bell_pairs for lr in c.links}
        if not ours:
            continue
        factor = _factor(s)
        for lr in s.links:
            assert lr.bell_pairs <= factor * ours.get(lr.qpus, 0), (text, where, lr.qpus, factor)


def _parity_workloads():
    """Five workloads the QRE parity tests had not compared, as circuit text and as the same Q# program: a Toffoli
    ladder (CCNOT, written H CCZ H), measure-and-reset and X/Y-basis measurements, Cliffords outside the random
    programs' set (Y, SQRT_X, CY, SWAP), parallel layers of arbitrary rotations (depth 5 of 40, a T layer between),
    and a loop of rotations, a CCZ, T_DAG and a measurement (QRE unrolls it)."""
    measure_all = "for i in 0..%d { set r += [M(q[i])]; }"
    ours, theirs = [], []
    for row in range(5):
        for i in range(8):
            angle = 0.1 + 0.37 * (8 * row + i)
            ours.append(f"RZ({angle!r}) {i}")
            theirs.append(f"Rz({angle!r}, q[{i}]);")
        if row == 1:
            ours += [f"T {i}" for i in range(8)]
            theirs += [f"T(q[{i}]);" for i in range(8)]
    layers = ("\n".join(ours) + "\nM 0 1 2 3 4 5 6 7", (8, " ".join(theirs) + measure_all % 7))
    return {
        "toffoli ladder": (
            "H 4\nCCZ 0 1 4\nH 4\nH 5\nCCZ 2 4 5\nH 5\nH 6\nCCZ 3 5 6\nH 6\nM 0 1 2 3 4 5 6",
            (7, "CCNOT(q[0], q[1], q[4]); CCNOT(q[2], q[4], q[5]); CCNOT(q[3], q[5], q[6]); " + measure_all % 6),
        ),
        "measure-and-reset, X and Y bases": (
            "H 0\nT 0\nMR 0\nT 1\nMRX 1\nMX 2\nT 2\nMY 3\nMRY 0\nM 1 2 3",
            (
                4,
                "H(q[0]); T(q[0]); set r += [MResetZ(q[0])]; T(q[1]); set r += [MResetX(q[1])]; "
                "set r += [Measure([PauliX], [q[2]])]; T(q[2]); set r += [Measure([PauliY], [q[3]])]; "
                "set r += [MResetY(q[0])]; set r += [M(q[1])]; set r += [M(q[2])]; set r += [M(q[3])];",
            ),
        ),
        "Clifford zoo": (
            "Y 0\nSQRT_X 1\nCY 0 1\nSWAP 1 2\nT 2\nCY 2 0\nSWAP 0 2\nCCZ 0 1 2\nT 0\nM 0 1 2",
            (
                3,
                "Y(q[0]); SX(q[1]); CY(q[0], q[1]); SWAP(q[1], q[2]); T(q[2]); CY(q[2], q[0]); SWAP(q[0], q[2]); "
                "Controlled Z([q[0], q[1]], q[2]); T(q[0]); " + measure_all % 2,
            ),
        ),
        "parallel rotation layers": layers,
        "loop": (
            "REPEAT 200 {\n RZ(0.3) 0\n RX(1.1) 1\n CCZ 0 1 2\n T_DAG 2\n M 2\n}\nM 0 1",
            (
                3,
                "for k in 1..200 { Rz(0.3, q[0]); Rx(1.1, q[1]); Controlled Z([q[0], q[1]], q[2]); Adjoint T(q[2]); "
                "set r += [M(q[2])]; } set r += [M(q[0])]; set r += [M(q[1])];",
            ),
        ),
    }


@pytest.mark.skipif(importlib.util.find_spec("qsharp") is None, reason="qsharp not installed")
def test_five_more_workloads_match_qre_on_every_preset():
    """The five workloads of :func:`_parity_workloads` on the four gate-based presets at budgets 1e-3 and 1e-5: every
    logical count QRE reads and the single-QPU estimate (distance, physical qubits, logical depth, T states,
    factories, runtime, algorithmic logical qubits) equal to QRE's (qsharp 1.31: all 40 equal when checked)."""
    from test_estimate_qre import PRESETS, _logical_counts, _q_sharp

    mismatches = []
    for name, (text, (n, body)) in _parity_workloads().items():
        program = "{ use q = Qubit[%d]; mutable r = []; %s ResetAll(q); }" % (n, body)
        counts = count_circuit(text)
        for preset_name in PRESETS:
            for budget in (1e-3, 1e-5):
                theirs = _q_sharp(program, preset_name, budget)
                ec = estimate(text, QPU.preset(preset_name, surface_code=SurfaceCode()), error_budget=budget)
                ec = ec.error_corrected
                b = theirs["physicalCounts"]["breakdown"]
                got = (
                    _logical_counts(counts),
                    ec.code_distance,
                    ec.physical_qubits,
                    ec.logical_cycles,
                    ec.t_states,
                    ec.t_factory.factories if ec.t_factory else 0,
                    ec.logical_cycles * round(ec.logical_cycle_s * 1e9),
                    ec.layout_logical_qubits_per_qpu[0],
                )
                want = (
                    {k: theirs["logicalCounts"].get(k, 0) for k in _logical_counts(counts)},
                    theirs["logicalQubit"]["codeDistance"],
                    theirs["physicalCounts"]["physicalQubits"],
                    b["logicalDepth"],
                    b["numTstates"],
                    b["numTfactories"],
                    theirs["physicalCounts"]["runtime"],
                    b["algorithmicLogicalQubits"],
                )
                if got != want:
                    mismatches.append((name, preset_name, budget, got, want))
    assert mismatches == []
