"""Surface-code geometry: data qubits, stabilizers with their CNOT schedule, and a seam.

Coordinates are integer pairs ``(x, y)`` with ``y`` growing downwards.

* **Rotated** code of width ``w`` and height ``h`` (data columns x rows): data at
  ``(2i+1, 2j+1)``, measure qubits at ``(2i, 2j)``. A measure qubit is X-type when ``i + j`` is
  even (Z-type otherwise); inside the patch every plaquette is
  kept, on the left and right edges only the Z-type half-plaquettes, on the top and bottom edges
  only the X-type ones (types follow absolute coordinates, so shifted patches share them). So
  logical X is a column of X (top to bottom) and logical Z a row of Z.
* **Unrotated** code: data at ``(x, y)`` with ``x + y`` even in a ``(2w-1) x (2h-1)`` grid,
  measure qubits at the odd sites; X-type at odd ``x`` (even ``y``), Z-type at even ``x``. The
  same boundary orientation: logical X a column, logical Z a row.

A *seam* is a vertical line: qubits with ``x < seam_x`` sit on QPU A, the others on QPU B. The
CNOTs between a measure qubit and a data qubit on different QPUs are the interface gates.

The CNOT order is chosen so that no single fault, in the bulk or on a seam gate, spreads to two
data qubits along a logical operator of the same type (hook errors run across the logical, never
along it): checked by ``tests/test_qec_circuits.py`` through Stim's graph-like distance with bulk
noise only and with seam noise only.

>>> layout = rotated_patch(3, 3)
>>> len(layout.data), len(layout.stabilizers)
(9, 8)
>>> layout.logical("Z")
((1, 1), (3, 1), (5, 1))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from qnsim.argument_checks import MAX_DISTANCE, integer, is_integer, real_number, shown, written

__all__ = ["Coord", "PatchLayout", "Stabilizer", "check_distance", "rotated_patch", "unrotated_patch"]

Coord = tuple[int, int]

# CNOT order per stabilizer type, as offsets from the measure qubit. Rotated: the last two data
# of an X-type check form a horizontal pair and those of a Z-type check a vertical pair, so a
# fault on the measure qubit halfway spreads across logical X (a column) or logical Z (a row).
# With a seam the remote data of a check are both left or both right of it; in these orders a
# fault on a remote gate spreads to at most one further data qubit along a logical, or across it.
_ROTATED_ORDER = {
    "X": ((1, -1), (-1, -1), (1, 1), (-1, 1)),
    "Z": ((1, -1), (1, 1), (-1, -1), (-1, 1)),
}
# Unrotated: neighbours N, W, E, S for both types. One of the 36 of the 24 x 24 pairs of orders
# that an exhaustive search (d = 3, 5; memory and merge; both bases) found to give deterministic
# detectors and the full graph-like distance with bulk-only and with seam-only noise.
_UNROTATED_ORDER = {
    "X": ((0, -1), (-1, 0), (1, 0), (0, 1)),
    "Z": ((0, -1), (-1, 0), (1, 0), (0, 1)),
}


@dataclass(frozen=True)
class Stabilizer:
    """One stabilizer: its type, its measure qubit and the data qubit it touches in each CNOT layer.

    Attributes:
        basis: ``"X"`` or ``"Z"``.
        ancilla: Coordinate of the measure qubit.
        schedule: Four entries, one per CNOT layer: the data coordinate touched in that layer,
            or None (a boundary check idles in that layer).

    Example:
        >>> s = Stabilizer("Z", (2, 2), ((3, 1), None, (1, 1), None))
        >>> s.data
        ((3, 1), (1, 1))
    """

    basis: str
    ancilla: Coord
    schedule: tuple[Coord | None, ...]

    def __post_init__(self) -> None:
        _check_basis(self.basis)
        object.__setattr__(self, "ancilla", check_coordinate("Stabilizer.ancilla", self.ancilla))
        schedule = self.schedule
        if not isinstance(schedule, (tuple, list)) or len(schedule) != 4:
            raise ValueError(f"Stabilizer.schedule must be 4 entries (a coordinate or None per CNOT layer), "
                             f"got {shown(schedule)}")
        object.__setattr__(self, "schedule", tuple(
            None if q is None else check_coordinate(f"Stabilizer.schedule[{i}]", q) for i, q in enumerate(schedule)
        ))

    @property
    def data(self) -> tuple[Coord, ...]:
        """The data coordinates of the check, in CNOT order.

        Example:
            >>> Stabilizer("X", (2, 0), (None, None, (3, 1), (1, 1))).data
            ((3, 1), (1, 1))
        """
        return tuple(q for q in self.schedule if q is not None)


@dataclass(frozen=True)
class PatchLayout:
    """A surface-code patch (or a merged region of patches): data, checks and logical operators.

    Attributes:
        code: ``"rotated"`` or ``"unrotated"``.
        width: Data columns (logical Z is a row of this many qubits in the rotated code).
        height: Data rows.
        data: Data coordinates, sorted by (y, x).
        stabilizers: Checks, sorted by (y, x) of their measure qubit.
        x_offset: Horizontal shift of the whole patch (coordinates start at ``x_offset``).

    Example:
        >>> p = unrotated_patch(3, 3)
        >>> len(p.data), len(p.stabilizers), p.logical("X")
        (13, 12, ((0, 0), (0, 2), (0, 4)))
    """

    code: str
    width: int
    height: int
    data: tuple[Coord, ...]
    stabilizers: tuple[Stabilizer, ...]
    x_offset: int = 0

    def __post_init__(self) -> None:
        # Built by hand too: a coordinate beyond 2**53 cannot be written exactly in a Stim circuit (its
        # coordinates are doubles), and a field of the wrong kind failed later in the arithmetic of the circuits.
        if self.code not in ("rotated", "unrotated"):
            raise ValueError(f"PatchLayout.code must be 'rotated' or 'unrotated', got {shown(self.code)}")
        object.__setattr__(self, "width", _check_size("PatchLayout.width", self.width))
        object.__setattr__(self, "height", _check_size("PatchLayout.height", self.height))
        object.__setattr__(self, "x_offset", _check_offset(self.x_offset, "PatchLayout.x_offset"))
        object.__setattr__(self, "data", check_coordinates("PatchLayout.data", self.data))
        if not isinstance(self.stabilizers, (tuple, list)):
            raise ValueError(f"PatchLayout.stabilizers must be a tuple of Stabilizer, got {shown(self.stabilizers)}")
        for i, stabilizer in enumerate(self.stabilizers):
            if not isinstance(stabilizer, Stabilizer):
                raise ValueError(f"PatchLayout.stabilizers[{i}] must be a Stabilizer, got {shown(stabilizer)}")
        object.__setattr__(self, "stabilizers", tuple(self.stabilizers))

    def logical(self, basis: str, index: int = 0) -> tuple[Coord, ...]:
        """Support of a logical operator: ``"Z"`` a row (the ``index``-th), ``"X"`` a column.

        Args:
            basis: ``"X"`` or ``"Z"``.
            index: Which row (Z) or column (X) of data, counted from the top or the left.

        Returns:
            The data coordinates of the operator, sorted.

        Example:
            >>> rotated_patch(3, 3).logical("X", index=2)
            ((5, 1), (5, 3), (5, 5))
        """
        _check_basis(basis)
        if basis == "Z":
            ys = sorted({y for _, y in self.data if self._full_row(y)})
            y = ys[_check_index(index, len(ys), "row")]
            return tuple(sorted((q for q in self.data if q[1] == y), key=lambda c: c[0]))
        xs = sorted({x for x, _ in self.data if self._full_column(x)})
        x = xs[_check_index(index, len(xs), "column")]
        return tuple(sorted((q for q in self.data if q[0] == x), key=lambda c: c[1]))

    def _full_row(self, y: int) -> bool:
        if self.code == "rotated":
            return True
        return (y % 2) == 0  # unrotated: only even rows hold ``width`` data qubits

    def _full_column(self, x: int) -> bool:
        if self.code == "rotated":
            return True
        return ((x - self.x_offset) % 2) == 0

    def qpu_of(self, coord: Coord, seam_x: float | None) -> int:
        """QPU of a qubit: 0 (A) left of the seam, 1 (B) on or right of it; 0 without a seam.

        Example:
            >>> p = rotated_patch(3, 3)
            >>> p.qpu_of((3, 1), seam_x=4), p.qpu_of((4, 2), seam_x=4)
            (0, 1)
        """
        return qpu_side(check_coordinate("coord", coord), check_seam(seam_x))

    def remote_gates(self, seam_x: float | None) -> list[tuple[Stabilizer, Coord]]:
        """(check, data) pairs whose CNOT crosses the seam, in layout order.

        Example:
            >>> len(rotated_patch(3, 3).remote_gates(seam_x=4))
            5
        """
        seam_x = check_seam(seam_x)
        if seam_x is None:
            return []
        out = []
        for s in self.stabilizers:
            side = s.ancilla[0] < seam_x  # the coordinates were checked when the layout was made
            for q in s.data:
                if (q[0] < seam_x) != side:
                    out.append((s, q))
        return out


def _check_basis(basis: str) -> None:
    if basis not in ("X", "Z"):
        raise ValueError(f"basis must be 'X' or 'Z', got {written(basis)}")


def _check_offset(x_offset: int, name: str = "x_offset") -> int:
    # -0.0 made every x coordinate a float and "3" reached the % operator.
    # Stim keeps coordinates as doubles, exact only below 2**53: a larger offset (10**400 was taken) placed
    # qubits at coordinates that collide or cannot be written at all.
    x_offset = integer(name, x_offset, minimum=-MAX_OFFSET, maximum=MAX_OFFSET, error=ValueError)
    if x_offset % 2:
        raise ValueError(f"{name} must be even, got {x_offset}")
    return x_offset


def qpu_side(coord: Coord, seam_x: float | None) -> int:
    """:meth:`PatchLayout.qpu_of` without its checks, for the circuit builders (coordinates from a layout,
    seams they chose)."""
    return 0 if seam_x is None or coord[0] < seam_x else 1


def _check_index(index: int, count: int, what: str) -> int:
    # A negative index counted from the far side without a word (index=-1: the last row), True was row 1 and
    # one past the end raised "list index out of range", naming nothing.
    # The patch's bound before the 64-bit range: index=2**64 was told "beyond a 64-bit integer", not the rows.
    return integer(
        "index", index, minimum=0, maximum=count - 1, error=ValueError,
        too_large=lambda n: IndexError(
            f"index {shown(n)} is beyond the patch's {count} full data {what}s (0 to {count - 1})"
        ),
    )  # fmt: skip


def check_coordinate(name: str, value: object) -> Coord:
    """``value`` as a qubit coordinate: a pair of integers ``(x, y)``, each within +-2**53 (exact as a double,
    as Stim keeps coordinates). ValueError naming ``name`` otherwise.

    Example:
        >>> check_coordinate("coord", [3, 1])
        (3, 1)
        >>> check_coordinate("coord", (3, 10**20))
        Traceback (most recent call last):
        ...
        ValueError: coord[1] must be in [-2**53, 2**53], got 100000000000000000000
    """
    if type(value) is tuple and len(value) == 2 and type(value[0]) is int and type(value[1]) is int \
            and -MAX_COORDINATE <= value[0] <= MAX_COORDINATE and -MAX_COORDINATE <= value[1] <= MAX_COORDINATE:
        return value  # the common case, at the cost of a few comparisons (layouts hold millions of them)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{name} must be a pair of integers (x, y), got {shown(value)}")
    return tuple(
        integer(f"{name}[{i}]", v, minimum=-MAX_COORDINATE, maximum=MAX_COORDINATE, error=ValueError)
        for i, v in enumerate(value)
    )


def check_coordinates(name: str, values: object) -> tuple[Coord, ...]:
    """``values`` as a tuple of coordinates (:func:`check_coordinate`, each named by its index)."""
    if not isinstance(values, (tuple, list)):
        raise ValueError(f"{name} must be a tuple of coordinates (x, y), got {shown(values)}")
    return tuple(check_coordinate(f"{name}[{i}]", q) for i, q in enumerate(values))


def check_seam(seam_x: object) -> float | None:
    """``seam_x`` as a seam's x coordinate: None (no seam) or a finite real number within +-2**53, the range of
    the coordinates it splits. NaN put every qubit on QPU B (no comparison is true), infinities and 10**400
    put all of them on one side, and a bool or a complex number was taken as a number.

    Example:
        >>> check_seam(4), check_seam(None)
        (4.0, None)
    """
    if seam_x is None:
        return None
    return real_number("seam_x", seam_x, minimum=-MAX_COORDINATE, maximum=MAX_COORDINATE, error=ValueError)


def _check_size(name: str, value: int) -> int:
    if not is_integer(value) or value < 1:  # type: ignore[operator]  # (is_integer: not a NumPy time span)
        raise ValueError(f"{name} must be an int >= 1, got {written(value)}")
    # The widest region the circuits build is a merge of two patches of MAX_DISTANCE and a column.
    if value > 2 * MAX_DISTANCE + 1:
        raise ValueError(f"{name} must be at most {2 * MAX_DISTANCE + 1} (two patches of distance {MAX_DISTANCE} "
                         f"and a column), got {written(value)}")
    return int(value)


def rotated_patch(width: int, height: int, *, x_offset: int = 0) -> PatchLayout:
    """A rotated surface-code patch of ``width`` data columns and ``height`` data rows.

    Args:
        width: Data columns (>= 1; distance of logical Z, the row, is ``width``).
        height: Data rows (>= 1; distance of logical X, the column, is ``height``).
        x_offset: Even shift of every x coordinate (to place patches side by side; the
            checkerboard follows absolute coordinates, so patches whose offsets differ by a
            multiple of 4 share it).

    Returns:
        The layout.

    Raises:
        ValueError: A size below 1, or an odd ``x_offset`` or one beyond ``MAX_OFFSET`` (2**52) either way.

    Example:
        >>> p = rotated_patch(5, 3)
        >>> len(p.data), len(p.logical("Z")), len(p.logical("X"))
        (15, 5, 3)
    """
    width = _check_size("width", width)
    height = _check_size("height", height)
    x_offset = _check_offset(x_offset)
    data = [(x_offset + 2 * i + 1, 2 * j + 1) for j in range(height) for i in range(width)]
    dataset = set(data)
    stabilizers = []
    for j in range(height + 1):
        for i in range(width + 1):
            basis = "X" if ((i + x_offset // 2 + j) % 2 == 0) else "Z"
            on_side = i in (0, width)
            on_top = j in (0, height)
            if on_side and on_top:
                continue
            if on_side and basis != "Z":
                continue
            if on_top and basis != "X":
                continue
            ancilla = (x_offset + 2 * i, 2 * j)
            schedule = tuple(
                (ancilla[0] + dx, ancilla[1] + dy) if (ancilla[0] + dx, ancilla[1] + dy) in dataset else None
                for dx, dy in _ROTATED_ORDER[basis]
            )
            if sum(q is not None for q in schedule) >= 2:
                stabilizers.append(Stabilizer(basis, ancilla, schedule))
    stabilizers.sort(key=lambda s: (s.ancilla[1], s.ancilla[0]))
    data.sort(key=lambda c: (c[1], c[0]))
    return PatchLayout("rotated", width, height, tuple(data), tuple(stabilizers), x_offset)


def unrotated_patch(width: int, height: int, *, x_offset: int = 0) -> PatchLayout:
    """An unrotated (planar) surface-code patch: distance ``width`` for Z, ``height`` for X.

    Args:
        width: Data qubits in a full row (>= 1).
        height: Data qubits in a full column (>= 1).
        x_offset: Even shift of every x coordinate.

    Returns:
        The layout: ``width * height + (width - 1) * (height - 1)`` data qubits.

    Raises:
        ValueError: A size below 1, or an odd ``x_offset`` or one beyond ``MAX_OFFSET`` (2**52) either way.

    Example:
        >>> p = unrotated_patch(5, 5)
        >>> len(p.data), len(p.stabilizers)
        (41, 40)
    """
    width = _check_size("width", width)
    height = _check_size("height", height)
    x_offset = _check_offset(x_offset)
    nx, ny = 2 * width - 1, 2 * height - 1
    data = [(x_offset + x, y) for y in range(ny) for x in range(nx) if (x + y) % 2 == 0]
    dataset = set(data)
    stabilizers = []
    for y in range(ny):
        for x in range(nx):
            if (x + y) % 2 == 0:
                continue
            basis = "X" if x % 2 == 1 else "Z"
            ancilla = (x_offset + x, y)
            schedule = tuple(
                (ancilla[0] + dx, ancilla[1] + dy) if (ancilla[0] + dx, ancilla[1] + dy) in dataset else None
                for dx, dy in _UNROTATED_ORDER[basis]
            )
            stabilizers.append(Stabilizer(basis, ancilla, schedule))
    stabilizers.sort(key=lambda s: (s.ancilla[1], s.ancilla[0]))
    data.sort(key=lambda c: (c[1], c[0]))
    return PatchLayout("unrotated", width, height, tuple(data), tuple(stabilizers), x_offset)


def check_distance(distance: int, minimum: int = 3) -> int:
    """Validates a code distance: an odd int from ``minimum`` up to :data:`MAX_DISTANCE`. The layouts, circuits
    and sweeps take 3 and up; the remote-operation model (:mod:`qnsim.qec.model`) and the estimator's remote
    operations (:func:`qnsim.estimate.remote_logical_error`) read theirs here too, from 1.

    Args:
        distance: The code distance.
        minimum: The smallest distance taken (3, or 1 where one qubit a patch has a meaning).

    Returns:
        The distance as an int.

    Raises:
        ValueError: Not an int, even, below ``minimum`` or above :data:`MAX_DISTANCE`.

    Example:
        >>> check_distance(5)
        5
        >>> check_distance(4)
        Traceback (most recent call last):
        ...
        ValueError: distance must be an odd int >= 3, got 4
    """
    # Both read by the package's one test of an integer: a NumPy time span passed as an integral number and failed
    # in `distance % 2` with numpy's "ufunc 'remainder' cannot use operands", and minimum=nan or True took any odd
    # distance (nothing is below NaN).
    minimum = integer("minimum", minimum, minimum=1, error=ValueError)
    if not is_integer(distance) or distance < minimum or distance % 2 == 0:  # type: ignore[operator]
        raise ValueError(f"distance must be an odd int >= {minimum}, got {written(distance)}")
    if distance > MAX_DISTANCE:
        # A layout is built qubit by qubit: d = 100001 would take hours and all memory.
        raise ValueError(f"distance must be at most {MAX_DISTANCE} (about {4 * MAX_DISTANCE**2:.0e} qubits a patch), "
                         f"got {written(distance)}")
    return int(distance)


#: Largest ``x_offset`` either way: every coordinate of a patch beside it stays an exact double (below 2**53).
MAX_OFFSET = 2**52
#: Largest coordinate (and seam) either way: exact as a double, as Stim keeps coordinates.
MAX_COORDINATE = 2**53


def _all_coords(layout: PatchLayout) -> Iterable[Coord]:
    yield from layout.data
    for s in layout.stabilizers:
        yield s.ancilla
