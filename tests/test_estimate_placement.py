"""Placement (issue 9): pack onto the fewest QPUs by default, METIS when installed with
Kernighan-Lin as fallback, capacities always respected."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from qnsim.estimate import QPU, Link, Workload, cut_weight, estimate, partition

HAVE_METIS = importlib.util.find_spec("pymetis") is not None


def _ring(n: int, layers: int = 10) -> Workload:
    even = " ".join(f"{i} {i + 1}" for i in range(0, n - 1, 2))
    odd = " ".join(f"{i} {(i + 1) % n}" for i in range(1, n, 2))
    return Workload(f"REPEAT {layers} {{\n CX {even}\n CX {odd}\n}}\n")


def test_a_workload_that_fits_one_qpu_is_not_split():
    w = _ring(16)
    qpus = [QPU(num_qubits=32, e_1q=0.0, e_2q=0.0, e_meas=0.0) for _ in range(4)]
    links = [Link((a, b), 1e6, 0.99) for a in range(4) for b in range(a + 1, 4)]
    packed = estimate(w, qpus, links)
    assert packed.qubits_per_qpu == [16, 0, 0, 0] and packed.remote_gates == 0 and packed.feasible
    spread = estimate(w, qpus, links, placement_strategy="spread")
    assert sorted(spread.qubits_per_qpu) == [4, 4, 4, 4] and spread.remote_gates > 0
    assert packed.wall_clock_s <= spread.wall_clock_s


def test_pack_uses_the_fewest_largest_qpus():
    c = _ring(40).counts
    p = partition(c.qubit_index_bound, [10, 30, 20, 5], (c.pair_a, c.pair_b, c.pair_weight))
    assert p.qubits_per_qpu[3] == 0 and p.qubits_per_qpu[0] == 0 and sum(p.qubits_per_qpu) == 40
    assert p.qubits_per_qpu[1] <= 30 and p.qubits_per_qpu[2] <= 20


@pytest.mark.parametrize("partitioner", ["kernighan-lin"] + (["metis"] if HAVE_METIS else []))
def test_partitioners_respect_capacity_and_find_the_ring_cut(partitioner):
    c = _ring(64).counts
    pairs = (c.pair_a, c.pair_b, c.pair_weight)
    p = partition(64, [16, 16, 16, 16], pairs, partitioner=partitioner, strategy="spread")
    assert p.qubits_per_qpu == [16, 16, 16, 16] and p.method == partitioner
    # A ring cut into 4 arcs crosses 4 edges of weight 10 at best.
    assert p.cut == cut_weight(p.qpu_of, *pairs) and 40 <= p.cut <= 80


def test_unused_qubit_indices_are_not_placed():
    w = Workload("CX 0 10\nCX 10 20")
    p = partition(w.counts.qubit_index_bound, [2, 2], (w.counts.pair_a, w.counts.pair_b, w.counts.pair_weight),
                  qubits=[0, 10, 20])
    assert sum(p.qubits_per_qpu) == 3 and p.qpu_of[5] == -1


def test_unknown_strategy_and_missing_metis_are_clear():
    e = np.array([], dtype=np.int64)
    with pytest.raises(ValueError, match="strategy must be 'pack' or 'spread', got 'packed'"):
        partition(2, [2], (e, e, e.astype(float)), strategy="packed")
    with pytest.raises(ValueError, match="partitioner must be"):
        estimate("CX 0 1", [QPU()], partitioner="metiss")
    if not HAVE_METIS:
        with pytest.raises(ValueError, match="needs pymetis"):
            partition(2, [1, 1], (np.array([0]), np.array([1]), np.array([1.0])), partitioner="metis")
