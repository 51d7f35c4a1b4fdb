"""Placing qubits on QPUs: a user mapping, or partitioning of the weighted interaction graph.

Automatic placement first chooses the QPUs: by default the fewest that hold the workload (largest
first, or of the sets of that many the first in a given ``preference`` order: :func:`packed_qpus`), so a
workload that fits one QPU is not split; ``strategy="spread"`` uses them all. It then
splits the interaction graph (qubits, with edges weighted by two-qubit gate counts) k-way with
METIS (``pymetis``: a dependency on Linux x86-64 and macOS, the ``[metis]`` extra elsewhere) when
installed, or by recursive Kernighan-Lin bisection (networkx), target sizes in proportion to
capacity; capacities are then enforced and a greedy refinement moves single qubits to the QPU
holding most of their interactions while capacity allows. The objective is the cut: the total
weight of two-qubit interactions between different QPUs. ``bench/placement.py`` compares the two
partitioners.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np

from qnsim import QnsimError
from qnsim.argument_checks import integer, integers, is_scalar_array, real_number, shown, written
from qnsim.specs import UINT64_MAX
from qnsim.specs import check_seed as spec_seed

__all__ = ["CapacityError", "Placement", "cut_weight", "packed_qpus", "partition", "placement_from_mapping"]


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
        method: ``"user"``, ``"single QPU"``, ``"metis"``, ``"kernighan-lin"`` or ``"fill"``.

    >>> p = placement_from_mapping({0: 0, 1: 1}, 2, 2)
    >>> p.qubits_per_qpu
    [1, 1]
    """

    qpu_of: tuple[int, ...]
    num_qpus: int
    cut: float = 0.0
    method: str = "user"

    def __post_init__(self) -> None:
        # Built by hand too, and given to estimate() and simulate_execution() as it is: QPU 5 of 2 failed there
        # with "list index out of range", and a cut of -1 or 7 was printed as the report's cut weight.
        num_qpus = integer("Placement.num_qpus", self.num_qpus, minimum=1, error=ValueError)
        q = np.asarray(self.qpu_of) if isinstance(self.qpu_of, (tuple, list, np.ndarray)) else None
        if q is not None and not isinstance(self.qpu_of, np.ndarray) and any(
            isinstance(x, (bool, np.bool_)) for x in self.qpu_of
        ):
            q = None  # NumPy reads (0, True) as integers
        if q is None or q.ndim != 1 or (q.size and q.dtype.kind not in "iu"):  # True is not QPU 1, 0.5 not QPU 0
            raise ValueError(f"Placement.qpu_of must be a sequence of integer QPU indices, got {shown(self.qpu_of)}")
        if q.size and (q.min() < -1 or q.max() >= num_qpus):
            bad = int(q.min()) if q.min() < -1 else int(q.max())
            raise ValueError(
                f"Placement.qpu_of places qubit {int(np.flatnonzero(q == bad)[0])} on QPU {bad}, but QPUs are "
                f"numbered 0..{num_qpus - 1} (-1: on no QPU)"
            )
        cut = real_number("Placement.cut", self.cut, minimum=0.0, error=ValueError)
        if not isinstance(self.method, str):
            raise ValueError(f"Placement.method must be a string, got {shown(self.method)}")
        object.__setattr__(self, "qpu_of", tuple(q.tolist()))
        object.__setattr__(self, "num_qpus", num_qpus)
        object.__setattr__(self, "cut", cut)

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
    q = np.asarray(qpu_of)
    if q.ndim != 1 or (q.size and q.dtype.kind not in "iu"):  # QPU 0.5 was read as QPU 0
        raise TypeError(f"qpu_of must be a sequence of integer QPU indices, got {written(qpu_of)}")
    # The pairs checked as every interaction graph is (interaction_pairs): float or 2-d index arrays reached
    # q[pair_a] and failed with NumPy's "arrays used as indices must be of integer type", naming no argument.
    pair_a, pair_b, pair_weight = interaction_pairs((pair_a, pair_b, pair_weight), MAX_QUBITS)
    if len(pair_a) == 0:
        return 0.0
    used = max(int(np.max(pair_a)), int(np.max(pair_b)))
    if used >= len(q):
        raise IndexError(f"qpu_of places {len(q)} qubits, but the pairs use qubit {used}")
    # math.fsum, correctly rounded: numpy's reduction may group by the CPU's SIMD width.
    return math.fsum(pair_weight[q[pair_a] != q[pair_b]].tolist())


def placement_from_mapping(
    mapping: Mapping[int, int] | Sequence[int],
    num_qubits: int,
    num_qpus: int,
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> Placement:
    """A user placement: ``mapping[qubit] = qpu`` (dict or sequence). Missing qubits are unplaced, and so is a qubit
    whose QPU is None (as an estimate's ``qubit_qpus`` lists a qubit its workload never uses).

    Raises:
        ValueError: naming a QPU index outside [0, num_qpus) or a negative qubit.

    >>> placement_from_mapping([0, 1, 1], 3, 2).qpu_of
    (0, 1, 1)
    """
    num_qubits = integer("num_qubits", num_qubits, minimum=0, maximum=MAX_QUBITS)
    num_qpus = integer("num_qpus", num_qpus, minimum=1)
    if isinstance(mapping, (str, bytes)) or is_scalar_array(mapping) or not isinstance(
        mapping, (Mapping, Sequence, np.ndarray)
    ):
        raise TypeError(f"placement must map qubits to QPUs (a dict or a sequence), got {written(mapping)}")
    qpu_of = [-1] * num_qubits
    items = mapping.items() if isinstance(mapping, Mapping) else enumerate(mapping)
    for q, a in items:
        for name, v in (("qubit", q), ("QPU", a)):
            if (isinstance(v, bool) or not isinstance(v, (int, np.integer))) and not (name == "QPU" and v is None):
                raise TypeError(f"placement maps integer qubits to integer QPUs, got {name} {written(v)}")
        q = int(q)
        if q < 0:
            raise ValueError(f"qubit index must be >= 0, got {written(q)}")
        if q >= max(num_qubits, 1) * 2 + 1024:
            raise IndexError(f"qubit {written(q)} in the placement: no such qubit (the workload uses {num_qubits})")
        if a is not None and not 0 <= a < num_qpus:
            raise ValueError(f"qubit {q} is mapped to QPU {written(a)}, but QPUs are numbered 0..{num_qpus - 1}")
        if q >= num_qubits:
            qpu_of.extend([-1] * (q + 1 - num_qubits))
            num_qubits = q + 1
        qpu_of[q] = -1 if a is None else int(a)
    if pairs is not None:
        pairs = interaction_pairs(pairs, num_qubits)
    cut = cut_weight(qpu_of, *pairs) if pairs is not None and all(x >= 0 for x in qpu_of) else 0.0
    return Placement(tuple(qpu_of), num_qpus, cut, "user")


def interaction_pairs(
    pairs: object, num_qubits: int, placed: Sequence[int] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The interaction graph ``(pair_a, pair_b, pair_weight)`` as int64, int64 and float64 arrays, checked:
    three 1-d arrays of one length, qubit indices in [0, num_qubits) (and among ``placed`` if given),
    weights finite and >= 0.

    An index beyond the qubits reached METIS as a corrupt graph ("double free or corruption": the process
    died), a NaN weight was cast to an integer weight without a word, and a negative weight made a cut cost
    less than none.

    Raises:
        TypeError: Not three arrays of integers and real numbers. ValueError: Lengths differ, or an index or
            a weight out of range (the first named, with its position).

    >>> interaction_pairs((np.array([0]), np.array([1]), np.array([2.0])), 2)[2]
    array([2.])
    """
    if not isinstance(pairs, (tuple, list)) or len(pairs) != 3:
        raise TypeError(f"pairs must be (pair_a, pair_b, pair_weight) arrays, got {written(pairs):.80}")
    arrays = [np.asarray(x) for x in pairs]
    names = ("pair_a", "pair_b", "pair_weight")
    for name, x in zip(names, arrays):
        if x.ndim != 1 or len(x) != len(arrays[0]):
            raise ValueError(f"pairs: {name} must be a 1-d array as long as pair_a, got shape {x.shape}")
        kinds = "iu" if name != "pair_weight" else "iuf"
        if x.size and x.dtype.kind not in kinds:
            what = "integer qubit indices" if name != "pair_weight" else "real weights"
            raise TypeError(f"pairs: {name} must hold {what}, got dtype {x.dtype}")
    a, b = (x.astype(np.int64) for x in arrays[:2])
    w = arrays[2].astype(np.float64)
    for name, x in zip(names[:2], (a, b)):
        bad = np.flatnonzero((x < 0) | (x >= num_qubits))
        if bad.size:
            raise ValueError(f"pairs: {name}[{bad[0]}] = {x[bad[0]]} is not a qubit (indices 0..{num_qubits - 1})")
        if placed is not None and x.size:
            outside = np.flatnonzero(~np.isin(x, np.asarray(placed, dtype=np.int64)))
            if outside.size:
                raise ValueError(f"pairs: {name}[{outside[0]}] = {x[outside[0]]} is not among the qubits to place")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        raise ValueError(f"pairs: pair_weight[{bad[0]}] must be a finite weight >= 0, got {written(float(w[bad[0]]))}")
    return a, b, w


#: Partitioner seeds: every seed's range (:func:`qnsim.specs.check_seed`). METIS takes a C int: a seed above
#: :data:`METIS_SEED_MAX` reaches it by :func:`_metis_seed`.
SEED_MAX = UINT64_MAX
METIS_SEED_MAX = 2**31 - 1
#: Most qubits a placement handles: the circuit parser's qubit-index limit (2^24).
MAX_QUBITS = 1 << 24


def check_seed(seed: object) -> int:
    """A partitioner seed, checked as every seed (:func:`qnsim.specs.check_seed`): an int in [0, 2^64 - 1] (it was
    [0, 2^31 - 1] here alone: ``estimate(seed=2**40)`` was refused where ``Network(seed=2**40)`` is taken).

    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    qnsim._core.ParameterError: seed must be in [0, 2**64 - 1], got -1
    """
    return spec_seed("seed", seed)


def _metis_seed(seed: int) -> int:
    """The C int METIS is seeded with: ``seed`` itself up to :data:`METIS_SEED_MAX` (so the partitions of those
    seeds are what they were), a 31-bit number drawn from it above (two seeds may then give one partition, as any
    two seeds may)."""
    if seed <= METIS_SEED_MAX:
        return seed
    return int(np.random.SeedSequence(seed).generate_state(1, np.uint32)[0]) & METIS_SEED_MAX


def partition(
    num_qubits: int,
    capacities: Sequence[int | None],
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    seed: int = 0,
    max_iter: int = 10,
    refine_passes: int = 8,
    qubits: Sequence[int] | None = None,
    strategy: str = "pack",
    partitioner: str = "auto",
    preference: Sequence[int] | None = None,
) -> Placement:
    """Partitions qubits onto QPUs minimizing the interaction cut, under capacity limits.

    Args:
        num_qubits: qubit indices run over 0 .. num_qubits-1.
        capacities: qubits each QPU can hold (None = unlimited).
        pairs: (pair_a, pair_b, pair_weight) arrays of the interaction graph.
        seed: seed of METIS. Kernighan-Lin starts from the qubits in index order and draws nothing: its
            placement is the same for every seed.
        max_iter: Kernighan-Lin passes per bisection.
        refine_passes: greedy refinement sweeps.
        qubits: the qubits to place (default: all indices); the others stay on no QPU (-1).
        strategy: ``"pack"`` (default): use the fewest QPUs that hold the qubits, largest first,
            so a workload that fits one QPU is not split; ``"spread"``: use every QPU, in
            proportion to capacity.
        partitioner: ``"metis"`` (k-way METIS through ``pymetis``, then capacities repaired and
            refined), ``"kernighan-lin"`` (recursive bisection, networkx), or ``"auto"`` (METIS
            when pymetis is installed).
        preference: QPU indices, most wanted first (None: largest first, then by index): ``"pack"`` uses as
            few QPUs as largest first would, and of the sets of that many that hold the qubits, the one that comes
            first in this order (the estimator passes one order per set of QPUs it tries).

    Raises:
        CapacityError: if the total capacity is below the number of qubits.
        ValueError: naming an unknown strategy or partitioner, or METIS asked for without pymetis.

    >>> import numpy as np
    >>> a, b, w = np.array([0, 2, 1]), np.array([1, 3, 2]), np.array([10.0, 10.0, 1.0])
    >>> p = partition(4, [2, 2], (a, b, w), partitioner="kernighan-lin")
    >>> p.cut, sorted(p.qubits_per_qpu)
    (1.0, [2, 2])
    >>> partition(4, [4, 4], (a, b, w)).qubits_per_qpu  # fits one QPU: not split
    [4, 0]
    """
    check_seed(seed)
    if strategy not in ("pack", "spread"):
        raise ValueError(f"strategy must be 'pack' or 'spread', got {written(strategy)}")
    if partitioner not in ("auto", "metis", "kernighan-lin"):
        raise ValueError(f"partitioner must be 'auto', 'metis' or 'kernighan-lin', got {written(partitioner)}")
    max_iter = integer("max_iter", max_iter, minimum=1)
    refine_passes = integer("refine_passes", refine_passes, minimum=0)
    if not isinstance(capacities, (list, tuple)) and not (isinstance(capacities, np.ndarray) and capacities.ndim == 1):
        # None raised "object of type 'NoneType' has no len()"; a set had no order to number the QPUs by.
        raise TypeError(
            f"capacities must be a list of qubit counts (None: unlimited), one per QPU, got {shown(capacities)}"
        )
    k = len(capacities)
    if k == 0:
        raise CapacityError(f"capacities lists no QPUs to place qubits on, got {shown(capacities)}")
    num_qubits = integer("num_qubits", num_qubits, minimum=0, maximum=MAX_QUBITS)
    if qubits is None:
        nodes = list(range(num_qubits))
    else:
        # A set of qubits is as good as a list (they are sorted here); a float was "'float' object is not iterable".
        given = list(qubits) if isinstance(qubits, (set, frozenset)) else qubits
        nodes = sorted(integers("qubits", given, minimum=0, maximum=MAX_QUBITS - 1))
    n = len(nodes)
    # A capacity of 1.5 was one qubit and True was 1; None is "as many as needed".
    caps = [n if c is None else integer(f"capacities[{i}]", c, minimum=0) for i, c in enumerate(capacities)]
    if sum(caps) < n:
        raise CapacityError(
            f"capacity too small: {n} qubits, but the {k} QPUs hold {sum(caps)} in total "
            f"(capacities {list(capacities)})"
        )
    if preference is not None:
        # A float or None inside raised "'float' object is not iterable" or compared as it stood.
        preference = integers("preference", preference)
    if strategy == "pack":
        qpus = packed_qpus(n, caps, preference)
    else:
        qpus = [i for i in range(k) if caps[i] > 0] or [0]
    if nodes and nodes[-1] >= num_qubits:
        raise ValueError(f"qubits holds qubit {nodes[-1]}, but qubit indices run over 0..{num_qubits - 1}")
    pair_a, pair_b, pair_weight = interaction_pairs(pairs, num_qubits, nodes if qubits is not None else None)
    adj = _Adjacency(nodes, pair_a, pair_b, pair_weight)
    qpu_of = np.full(num_qubits, -1, dtype=np.int64)
    use_metis = partitioner == "metis" or (partitioner == "auto" and _have_pymetis())
    if partitioner == "metis" and not _have_pymetis():
        raise ValueError("partitioner='metis' needs pymetis (pip install 'qnsim[metis]')")
    if len(qpus) == 1:
        qpu_of[nodes] = qpus[0]
        method = "single QPU"
    elif use_metis and adj.num_edges > 0:
        _metis(qpu_of, adj, qpus, caps, seed)
        method = "metis"
    else:
        graph = nx.Graph()
        graph.add_nodes_from(nodes)
        graph.add_weighted_edges_from(zip(pair_a.tolist(), pair_b.tolist(), pair_weight.tolist()))
        _bisect(qpu_of, nodes, qpus, caps, graph, seed, max_iter)
        method = "kernighan-lin"
    _repair_capacity(qpu_of, adj, k, caps)
    _refine(qpu_of, k, caps, adj, refine_passes)
    cut = cut_weight(qpu_of, pair_a, pair_b, pair_weight)
    return Placement(tuple(int(x) for x in qpu_of), k, cut, method)


def packed_qpus(n: int, caps: Sequence[int], preference: Sequence[int] | None = None) -> list[int]:
    """The QPUs a packed placement of ``n`` qubits uses, in index order: as few as the largest hold ``n`` with,
    of those sets the first in ``preference`` order (QPU indices, most wanted first; None: largest first).

    Each QPU is taken in preference order when the QPUs taken so far, it, and the largest of the rest can still
    hold ``n`` in that many; so a smaller faster QPU is taken before a larger slower one whenever it leaves the
    count unchanged.

    >>> packed_qpus(5, [8, 8]), packed_qpus(5, [8, 8], preference=[1, 0])
    ([0], [1])
    >>> packed_qpus(10, [8, 4, 4], preference=[1, 2, 0])  # two QPUs are needed, and 4 + 4 cannot hold 10
    [0, 1]
    """
    k = len(caps)
    largest = sorted(range(k), key=lambda i: (-caps[i], i))
    count, room = 0, 0
    for i in largest:
        if room >= n and count:
            break
        count += 1
        room += caps[i]
    order = largest if preference is None else list(preference)
    if sorted(order) != list(range(k)):
        raise ValueError(f"preference must list each of the {k} QPU indices once, got {written(preference)}")
    chosen: list[int] = []
    held = 0
    for i in order:
        if len(chosen) == count:
            break
        rest = sorted((caps[j] for j in range(k) if j != i and j not in chosen), reverse=True)
        # Taking i leaves count - len(chosen) - 1 QPUs to fill; the largest of the rest are the best they can do.
        if held + caps[i] + sum(rest[: count - len(chosen) - 1]) >= n:
            chosen.append(i)
            held += caps[i]
    return sorted(chosen)


def _have_pymetis() -> bool:
    try:
        import pymetis  # noqa: F401
    except ImportError:
        return False
    return True


def _bisect(qpu_of, nodes, qpus, caps, graph, seed, max_iter) -> None:
    """Recursive Kernighan-Lin bisection, qubits split in proportion to the halves' capacities."""

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

    split(list(nodes), list(qpus))


class _Adjacency:
    """The interaction graph of the placed qubits in CSR form (both directions, self-loops dropped)."""

    def __init__(self, nodes: list[int], pair_a: np.ndarray, pair_b: np.ndarray, weight: np.ndarray) -> None:
        self.nodes = np.asarray(nodes, dtype=np.int64)
        a = np.asarray(pair_a, dtype=np.int64)
        b = np.asarray(pair_b, dtype=np.int64)
        w = np.asarray(weight, dtype=np.float64)
        keep = a != b
        a, b, w = a[keep], b[keep], w[keep]
        self.num_edges = len(a)
        index = np.full(int(max(self.nodes.max(initial=-1), a.max(initial=-1), b.max(initial=-1))) + 1, -1)
        index[self.nodes] = np.arange(len(self.nodes))
        src = np.concatenate([index[a], index[b]])
        dst = np.concatenate([index[b], index[a]])
        ww = np.concatenate([w, w])
        order = np.argsort(src, kind="stable")
        self.dst, self.weight = dst[order], ww[order]
        self.start = np.searchsorted(src[order], np.arange(len(self.nodes) + 1))

    def neighbours(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(neighbour positions, weights) of the node at position i."""
        lo, hi = self.start[i], self.start[i + 1]
        return self.dst[lo:hi], self.weight[lo:hi]


def _metis(qpu_of, adj: _Adjacency, qpus, caps, seed) -> None:
    """k-way METIS on the weighted interaction graph, target part sizes in proportion to capacity."""
    import pymetis

    top = float(adj.weight.max()) if len(adj.weight) else 1.0
    # METIS takes integer weights: scale counts (up to 10^12 and more) to [1, 10^6].
    eweights = np.maximum(1, np.rint(adj.weight / top * 1e6)).astype(np.int64).tolist()
    xadj, adjncy = adj.start.tolist(), adj.dst.tolist()
    total = sum(caps[i] for i in qpus)
    tpwgts = [caps[i] / total for i in qpus]
    options = pymetis.Options(seed=_metis_seed(seed))
    if hasattr(pymetis, "CSRAdjacency"):  # pymetis >= 2025 (xadj/adjncy keywords are deprecated there)
        graph_arg = {"adjacency": pymetis.CSRAdjacency(xadj, adjncy)}
    else:
        graph_arg = {"xadj": xadj, "adjncy": adjncy}
    _, parts = pymetis.part_graph(len(qpus), **graph_arg, eweights=eweights, tpwgts=tpwgts, options=options)
    qpu_of[adj.nodes] = np.asarray(qpus)[np.asarray(parts)]


def _connection(qpu_of, adj: _Adjacency, i: int) -> dict[int, float]:
    """Interaction weight of the node at position i towards each QPU."""
    nb, w = adj.neighbours(i)
    conn: dict[int, float] = {}
    for part, weight in zip(qpu_of[adj.nodes[nb]].tolist(), w.tolist()):
        conn[part] = conn.get(part, 0.0) + weight
    return conn


def _repair_capacity(qpu_of, adj: _Adjacency, k, caps) -> None:
    """Moves qubits out of over-full QPUs, those least tied to it first, to where they interact most."""
    parts = qpu_of[adj.nodes]
    load = np.bincount(parts[parts >= 0], minlength=k)
    for a in range(k):
        excess = int(load[a]) - caps[a]
        if excess <= 0:
            continue
        here = np.flatnonzero(qpu_of[adj.nodes] == a)
        stay = [_connection(qpu_of, adj, int(i)).get(a, 0.0) for i in here]
        for i in here[np.argsort(stay, kind="stable")[:excess]]:
            conn = _connection(qpu_of, adj, int(i))
            room = [b for b in range(k) if load[b] < caps[b]]
            b = max(room, key=lambda b: (conn.get(b, 0.0), -b))
            qpu_of[adj.nodes[i]] = b
            load[a] -= 1
            load[b] += 1


def _refine(qpu_of: np.ndarray, k: int, caps: list[int], adj: _Adjacency, passes: int) -> None:
    """Greedy single-qubit moves with positive gain into QPUs with spare capacity."""
    parts = qpu_of[adj.nodes]
    load = np.bincount(parts[parts >= 0], minlength=k)
    active = [i for i in range(len(adj.nodes)) if adj.start[i + 1] > adj.start[i]]
    for _ in range(passes):
        moved = False
        for i in active:
            u = adj.nodes[i]
            own = int(qpu_of[u])
            conn = _connection(qpu_of, adj, i)
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
