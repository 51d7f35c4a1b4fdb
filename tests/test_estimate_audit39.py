"""Estimate audit, round 39: an error-corrected circuit's logical depth rests on a merge schedule that exists.

Each remote operation of an error-corrected run is a lattice-surgery merge of one logical cycle and a patch takes part
in one at a time (the estimator's module docstring), so the busiest qubit's merges are only a lower bound on the
depth: merges wait for one another through other qubits. The depth a circuit is priced at is its program-order
schedule's: each operation as soon as its qubits are free, its merges (one per QPU other than its first qubit's) one
after the other, all its qubits done together, local work taking no merge cycle. The reference below builds that
schedule from the unrolled circuit, independently of the native pass.
"""

from __future__ import annotations

import random

import test_estimate_audit38 as a38

from qnsim.estimate import Link, SurfaceCode, Workload, estimate, preset


def _random_ops(rng, n, size):
    """``size`` operations over ``n`` qubits: CX, MZZ, CCZ, MPP over 2-4 qubits, and local T and M."""
    return a38._random_ops(rng, n, size, kinds=("CX", "MZZ", "CCZ", "MPP", "T", "M"), widest_product=4)


def _schedule(ops, where):
    """(the most merges one qubit takes part in, the program-order schedule's cycles), from the docs' definition."""
    per_qubit: dict[int, int] = {}
    level: dict[int, int] = {}
    for _kind, qubits in ops:
        if len(qubits) < 2:
            continue  # Local single-qubit work: no merge cycle.
        others = {where[q] for q in qubits[1:]} - {where[qubits[0]]}
        for q in qubits:
            if where[q] != where[qubits[0]]:
                per_qubit[q] = per_qubit.get(q, 0) + 1
        if others:
            per_qubit[qubits[0]] = per_qubit.get(qubits[0], 0) + len(others)
        end = max(level.get(q, 0) for q in qubits) + len(others)
        for q in qubits:
            level[q] = end
    return max(per_qubit.values(), default=0), max(level.values(), default=0)


def _placed(text, where, k):
    zero = [0.0] * (k * k)
    return Workload(text)._placed(where, k, [1e-6] * k, [1e-6] * k, [1e-6] * k, [1e-6] * k, zero, zero, schedule=False)


_EC = preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), logical_qubits=8)
_FAST = [Link((0, 1), rate_hz=1e12, fidelity=0.999)]
# A chain of remote CX over alternating QPUs: each qubit takes part in at most 2 merges, and each CX waits for the
# previous one, so every program-order schedule takes 12 cycles.
_CHAIN = "".join(f"CX {i} {i + 1}\n" for i in range(12))
_WHERE = [i % 2 for i in range(13)]


def test_a_job_whose_every_program_order_schedule_overruns_the_limit_reads_infeasible():
    """The chain above (no T states or measurements: the merges set the depth) under a runtime limit halfway between
    its 2-cycle lower bound's run and its 12-cycle schedule's. Old behaviour: priced at the busiest qubit's 2 merges,
    it read feasible where every program-order schedule overruns the limit. Now the depth is 12, the verdict
    infeasible, and the note gives both figures and which one the verdict uses."""
    free = estimate(_CHAIN, [_EC, _EC], _FAST, placement=_WHERE)
    ec = free.error_corrected
    assert ec.algorithmic_logical_depth == _schedule([("CX", [i, i + 1]) for i in range(12)], _WHERE)[1] == 12
    (note,) = [n for n in free.notes if n.startswith("the remote operations set the run's logical depth")]
    assert "between 2 and 12 lattice-surgery merges" in note and "the verdict use 12" in note
    cycle_s = ec.logical_cycle_s
    limit = cycle_s * 7  # above 2 cycles' run, below 12 cycles'
    assert free.wall_clock_s > limit
    bounded = estimate(_CHAIN, [_EC, _EC], _FAST, placement=_WHERE, max_runtime_s=limit)
    assert not bounded.feasible, bounded.reasons


def test_the_schedule_equals_a_brute_force_program_order_schedule_over_random_circuits():
    """200 random circuits mixing products, CCZs, two-qubit gates and local work on 3-7 qubits over 2-3 QPUs, half of
    them with a stretch in nested REPEATs (the reference unrolls them): the native schedule's depth equals the
    reference's, is at least the busiest qubit's merges, and is exact (every loop settled). Old behaviour: no such
    figure; the depth was the busiest qubit's merges, below the schedule in many of them (counted: at least one)."""
    rng = random.Random(3939)
    longer = 0
    for _ in range(200):
        n, k = rng.randint(3, 7), rng.randint(2, 3)
        ops = _random_ops(rng, n, rng.randint(1, 12))
        where = [rng.randrange(k) for _ in range(n)]
        text = a38._text(ops)
        if rng.random() < 0.5:
            i, j = sorted(rng.sample(range(len(ops) + 1), 2))
            inner, times, outer = rng.randint(1, 4), rng.randint(1, 2), rng.randint(1, 5)
            body = "REPEAT %d {\n%s}\n" % (inner, a38._text(ops[i:j]))
            text = a38._text(ops[:i]) + "REPEAT %d {\n%s}\n" % (outer, body * times) + a38._text(ops[j:])
            ops = ops[:i] + ops[i:j] * (inner * times * outer) + ops[j:]
        placed = _placed(text, where, k)
        busiest, depth = _schedule(ops, where)
        got = (placed["busiest_qubit_merges"], placed["merge_schedule_depth"], placed["merge_schedule_exact"])
        assert got == (busiest, depth, True), (text, where, got, busiest, depth)
        longer += depth > busiest
    assert longer > 0


def test_long_repeats_agree_with_their_unrolled_form_and_unsettled_loops_are_bounded_above():
    """A loop of 10^12 iterations settles after a few and is extrapolated exactly: REPEAT n { CX 0 1; CX 1 2; CX 2 3 }
    over QPUs 0, 1, 2, 0 takes 2n + 1 cycles, the unrolled form's for n = 1..30 (and the busiest qubit 2n). A chain
    whose high end was busy before the loop settles one qubit per iteration, too slowly for the pass's 64 iterations:
    its figure is a schedule with barriers, at least the unrolled one and flagged inexact, and the note says so."""
    body = "CX 0 1\nCX 1 2\nCX 2 3\n"
    where = [0, 1, 2, 0]
    for n in list(range(1, 31)) + [10**12]:
        placed = _placed("REPEAT %d {\n%s}\n" % (n, body), where, 3)
        assert (placed["merge_schedule_depth"], placed["busiest_qubit_merges"]) == (2 * n + 1, 2 * n)
        if n <= 30:
            assert _placed(body * n, where, 3)["merge_schedule_depth"] == 2 * n + 1
    size = 70
    chain = [("CX", [i, i + 1]) for i in range(size)]
    ops = [("CX", [size - 1, size])] * 200 + chain * 80
    where = [i % 2 for i in range(size + 1)]
    text = "REPEAT 200 {\nCX %d %d\n}\nREPEAT 80 {\n%s}\n" % (size - 1, size, a38._text(chain))
    placed = _placed(text, where, 2)
    assert not placed["merge_schedule_exact"]
    assert placed["merge_schedule_depth"] >= _schedule(ops, where)[1] >= placed["busiest_qubit_merges"]
    qpu = preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), logical_qubits=36)
    r = estimate(text, [qpu, qpu], _FAST, placement=where)
    assert r.error_corrected.algorithmic_logical_depth == placed["merge_schedule_depth"]
    (note,) = [n for n in r.notes if n.startswith("the remote operations set the run's logical depth")]
    assert "with a barrier around each iteration of a REPEAT that did not settle" in note
