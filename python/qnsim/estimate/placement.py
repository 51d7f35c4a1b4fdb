"""Placing qubits on QPUs: a user mapping, or partitioning of the weighted interaction graph.

Automatic placement splits the interaction graph (qubits, with edges weighted by two-qubit gate
counts) by recursive Kernighan-Lin bisection (networkx), the QPU set being halved at each level
and the qubits split in proportion to the halves' capacities, then a greedy refinement moves
single qubits to the QPU holding most of their interactions while capacity allows. The
objective is the cut: the total weight of two-qubit interactions between different QPUs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np

from qnsim import QnsimError

__all__ = ["CapacityError", "Placement", "cut_weight", "partition", "placement_from_mapping"]


class CapacityError(QnsimError, ValueError):
    """The QPUs cannot hold the workload's qubits.

    >>> import numpy as np
    >>> e = np.array([], dtype=np.int64)
    >>> try:
    ...     partition(3, [1, 1], (e, e, e.astype(float)))
    ... except CapacityError as err:
    ...     print(err)
    capacity too small: 3 qubits, but the 2 QPUs hold 2 in total (capacities [1, 1])
    """


@dataclasses.dataclass(frozen=True)
class Placement:
    """Which QPU holds each qubit.

    Attributes:
        qpu_of: QPU index per qubit (-1 = on no QPU).
        num_qpus: number of QPUs.
        cut: total two-qubit interaction weight between different QPUs.
        method: ``"user"`` or ``"kernighan-lin"``.

    >>> p = placement_from_mapping({0: 0, 1: 1}, 2, 2)
    >>> p.qubits_per_qpu
    [1, 1]
    """

    qpu_of: tuple[int, ...]
    num_qpus: int
    cut: float = 0.0
    method: str = "user"

    @property
    def qubits_per_qpu(self) -> list[int]:
        """Number of qubits on each QPU.

        >>> Placement((0, 0, 2), 3).qubits_per_qpu
        [2, 0, 1]
        """
        counts = [0] * self.num_qpus
        for q in self.qpu_of:
            if q >= 0:
                counts[q] += 1
        return counts

    @property
    def unplaced(self) -> list[int]:
        """Qubits on no QPU.

        >>> Placement((0, -1, 1), 2).unplaced
        [1]
        """
        return [i for i, q in enumerate(self.qpu_of) if q < 0]


def cut_weight(
    qpu_of: Sequence[int], pair_a: np.ndarray, pair_b: np.ndarray, pair_weight: np.ndarray
) -> float:
    """Total weight of the pairs whose qubits sit on different QPUs.

    >>> import numpy as np
    >>> cut_weight([0, 0, 1], np.array([0, 1]), np.array([1, 2]), np.array([5.0, 2.0]))
    2.0
    """
    q = np.asarray(qpu_of, dtype=np.int64)
    if len(pair_a) == 0:
        return 0.0
    return float(np.sum(pair_weight[q[pair_a] != q[pair_b]]))


def placement_from_mapping(
    mapping: Mapping[int, int] | Sequence[int],
    num_qubits: int,
    num_qpus: int,
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> Placement:
    """A user placement: ``mapping[qubit] = qpu`` (dict or sequence). Missing qubits are unplaced.

    Raises:
        ValueError: naming a QPU index outside [0, num_qpus) or a negative qubit.

    >>> placement_from_mapping([0, 1, 1], 3, 2).qpu_of
    (0, 1, 1)
    """
    qpu_of = [-1] * num_qubits
    items = mapping.items() if isinstance(mapping, Mapping) else enumerate(mapping)
    for q, a in items:
        q, a = int(q), int(a)
        if q < 0:
            raise ValueError(f"qubit index must be >= 0, got {q}")
        if not 0 <= a < num_qpus:
            raise ValueError(f"qubit {q} is mapped to QPU {a}, but QPUs are numbered 0..{num_qpus - 1}")
        if q >= num_qubits:
            qpu_of.extend([-1] * (q + 1 - num_qubits))
            num_qubits = q + 1
        qpu_of[q] = a
    cut = cut_weight(qpu_of, *pairs) if pairs is not None and all(x >= 0 for x in qpu_of) else 0.0
    return Placement(tuple(qpu_of), num_qpus, cut, "user")


def partition(
    num_qubits: int,
    capacities: Sequence[int | None],
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    seed: int = 0,
    max_iter: int = 10,
    refine_passes: int = 8,
) -> Placement:
    """Partitions qubits onto QPUs minimizing the interaction cut, under capacity limits.

    Args:
        num_qubits: qubits to place (0 .. num_qubits-1).
        capacities: qubits each QPU can hold (None = unlimited).
        pairs: (pair_a, pair_b, pair_weight) arrays of the interaction graph.
        seed: seed of networkx's Kernighan-Lin.
        max_iter: Kernighan-Lin passes per bisection.
        refine_passes: greedy refinement sweeps.

    Raises:
        CapacityError: if the total capacity is below ``num_qubits``.

    >>> import numpy as np
    >>> a, b, w = np.array([0, 2, 1]), np.array([1, 3, 2]), np.array([10.0, 10.0, 1.0])
    >>> p = partition(4, [2, 2], (a, b, w))
    >>> p.cut, sorted(p.qubits_per_qpu)
    (1.0, [2, 2])
    """
    k = len(capacities)
    if k == 0:
        raise CapacityError("no QPUs to place qubits on")
    caps = [num_qubits if c is None else int(c) for c in capacities]
    if sum(caps) < num_qubits:
        raise CapacityError(
            f"capacity too small: {num_qubits} qubits, but the {k} QPUs hold {sum(caps)} in total "
            f"(capacities {list(capacities)})"
        )
    pair_a, pair_b, pair_weight = pairs
    graph = nx.Graph()
    graph.add_nodes_from(range(num_qubits))
    graph.add_weighted_edges_from(zip(pair_a.tolist(), pair_b.tolist(), pair_weight.tolist()))
    qpu_of = np.full(num_qubits, -1, dtype=np.int64)

    def split(nodes: list[int], qpus: list[int]) -> None:
        if len(qpus) == 1:
            qpu_of[nodes] = qpus[0]
            return
        left, right = qpus[: len(qpus) // 2], qpus[len(qpus) // 2 :]
        cap_l, cap_r = sum(caps[i] for i in left), sum(caps[i] for i in right)
        n = len(nodes)
        n_l = round(n * cap_l / (cap_l + cap_r)) if cap_l + cap_r else 0
        n_l = min(max(n_l, n - cap_r), cap_l)
        if 0 < n_l < n and graph.subgraph(nodes).number_of_edges() > 0:
            sub = graph.subgraph(nodes)
            part_a, part_b = nx.algorithms.community.kernighan_lin_bisection(
                sub,
                partition=(set(nodes[:n_l]), set(nodes[n_l:])),
                max_iter=max_iter,
                weight="weight",
                seed=seed,
            )
            nodes_l, nodes_r = sorted(part_a), sorted(part_b)
        else:
            nodes_l, nodes_r = nodes[:n_l], nodes[n_l:]
        split(nodes_l, left)
        split(nodes_r, right)

    split(list(range(num_qubits)), list(range(k)))
    _refine(qpu_of, k, caps, graph, refine_passes)
    cut = cut_weight(qpu_of, pair_a, pair_b, pair_weight)
    return Placement(tuple(int(x) for x in qpu_of), k, cut, "kernighan-lin")


def _refine(qpu_of: np.ndarray, k: int, caps: list[int], graph: nx.Graph, passes: int) -> None:
    """Greedy single-qubit moves with positive gain into QPUs with spare capacity."""
    load = np.bincount(qpu_of, minlength=k)
    adj = {u: [(v, d["weight"]) for v, d in nbrs.items()] for u, nbrs in graph.adjacency()}
    for _ in range(passes):
        moved = False
        for u, nbrs in adj.items():
            if not nbrs:
                continue
            own = int(qpu_of[u])
            conn: dict[int, float] = {}
            for v, w in nbrs:
                if v != u:
                    part = int(qpu_of[v])
                    conn[part] = conn.get(part, 0.0) + w
            here = conn.get(own, 0.0)
            best, best_gain = own, 0.0
            for part, w in conn.items():
                if part != own and w - here > best_gain and load[part] < caps[part]:
                    best, best_gain = part, w - here
            if best != own:
                qpu_of[u] = best
                load[own] -= 1
                load[best] += 1
                moved = True
        if not moved:
            break
