"""The price of one remote logical operation: lattice surgery between patches on two QPUs.

Every estimate that involves error-corrected QPUs joined by a link prices its remote logical
operations through :func:`remote_operation` (and so through :func:`remote_logical_error`); no
other code computes that error. To put a better model in (for instance one fitted to
simulated distributed-QEC data), replace the body of :func:`remote_logical_error`, keeping its
signature: the estimator, its distance search and its verdict follow.

Model (today): two distance-d patches are merged across the link for d syndrome rounds; each
round uses d Bell pairs on the interface (d^2 pairs per operation), and the operation takes one
logical cycle. Bell pairs on a patch boundary have an error threshold of about 10% (Ramette et
al., npj Quantum Inf. 2024) against about 1% in the bulk, so the interface behaves like a
surface code at physical error ``1 - F`` with threshold p*_int: the logical error of one
operation is ``d a ((1 - F) / p*_int)^((d+1)/2)`` (a = 0.03, d boundary positions).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from qnsim.estimate.qpu import QPU, SurfaceCode

__all__ = ["RemoteOperation", "interface_fidelity_target", "remote_logical_error", "remote_operation"]


def remote_logical_error(
    distance: int, bell_diagonal: Sequence[float], *, surface_code: SurfaceCode | None = None
) -> float:
    """Logical error probability of one remote lattice-surgery operation at code distance ``distance``.

    Args:
        distance: code distance d of the two patches (odd, >= 1).
        bell_diagonal: coefficients of the interface Bell pairs, in the order
            (Phi+, Psi+, Psi-, Phi-) (a Werner pair of fidelity F is ``(F, (1-F)/3, (1-F)/3, (1-F)/3)``).
        surface_code: the code model (its ``crossing_prefactor`` a and ``interface_threshold``
            p*_int); default :class:`SurfaceCode`.

    Returns:
        Probability (per operation, dimensionless) that the operation fails; at most 1.

    Raises:
        ValueError: naming a distance below 1 or coefficients that are not a distribution.

    >>> round(remote_logical_error(15, (0.999, 1e-3 / 3, 1e-3 / 3, 1e-3 / 3)), 20)
    4.5e-17
    >>> remote_logical_error(3, (0.5, 0.5, 0.0, 0.0))
    1.0
    """
    if isinstance(distance, bool) or not isinstance(distance, int) or distance < 1:
        raise ValueError(f"distance must be an integer >= 1, got {distance!r}")
    coeffs = [float(c) for c in bell_diagonal]
    if len(coeffs) != 4 or any(not (0.0 <= c <= 1.0) for c in coeffs) or not math.isclose(sum(coeffs), 1.0):
        raise ValueError(f"bell_diagonal must be 4 probabilities summing to 1, got {tuple(bell_diagonal)!r}")
    sc = surface_code or SurfaceCode()
    infidelity = 1.0 - coeffs[0]
    per_op = distance * sc.crossing_prefactor * (infidelity / sc.interface_threshold) ** ((distance + 1) / 2)
    return min(1.0, per_op)


def interface_fidelity_target(qpu_a: QPU, qpu_b: QPU, surface_code: SurfaceCode | None = None) -> float:
    """Pair fidelity at which the interface is as reliable as the bulk: ``1 - p p*_int / p*``.

    >>> round(interface_fidelity_target(QPU(e_2q=1e-3), QPU(e_2q=1e-3)), 6)
    0.99
    """
    sc = surface_code or qpu_a.surface_code or SurfaceCode()
    p = max(qpu_a.physical_error, qpu_b.physical_error)
    return 1.0 - p * sc.interface_threshold / sc.error_threshold


@dataclasses.dataclass(frozen=True)
class RemoteOperation:
    """Cost of one remote logical operation.

    Attributes:
        logical_error: failure probability of the operation.
        bell_pairs: distilled Bell pairs it consumes (d per round for d rounds).
        pairs_per_round: pairs needed in each syndrome round (d).
        duration_s: time it occupies the two patches, in seconds (one logical cycle).

    >>> RemoteOperation(1e-12, 225, 15, 6e-6).bell_pairs
    225
    """

    logical_error: float
    bell_pairs: int
    pairs_per_round: int
    duration_s: float


def remote_operation(
    distance: int, bell_diagonal: Sequence[float], qpu_a: QPU, qpu_b: QPU, surface_code: SurfaceCode | None = None
) -> RemoteOperation:
    """Error, Bell pairs and duration of one remote lattice-surgery operation between two QPUs.

    Args:
        distance: code distance d.
        bell_diagonal: interface pair coefficients (Phi+, Psi+, Psi-, Phi-).
        qpu_a, qpu_b: the two QPUs (the slower one sets the logical cycle).
        surface_code: code model (default: ``qpu_a.surface_code``).

    >>> op = remote_operation(15, (0.999, 1e-3 / 3, 1e-3 / 3, 1e-3 / 3), QPU.preset("qubit_gate_ns_e4"),
    ...                       QPU.preset("qubit_gate_ns_e4"))
    >>> op.bell_pairs, op.pairs_per_round, round(op.duration_s * 1e6, 3)
    (225, 15, 6.0)
    """
    sc = surface_code or qpu_a.surface_code or SurfaceCode()
    error = remote_logical_error(distance, bell_diagonal, surface_code=sc)
    cycle = max(qpu_a.logical_cycle_s(distance), qpu_b.logical_cycle_s(distance))
    return RemoteOperation(error, distance * distance, distance, cycle)
