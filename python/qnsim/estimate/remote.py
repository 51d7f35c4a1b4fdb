"""The price of one remote logical operation: lattice surgery between patches on two QPUs.

Every estimate that involves error-corrected QPUs joined by a link prices its remote logical
operations through :func:`remote_operation` (and so through :func:`remote_logical_error`); no
other code computes that error.

Model: simulated distributed QEC (:mod:`qnsim.qec.model`). Two distance-d patches on different
QPUs are merged by lattice surgery for d syndrome rounds, every CNOT across the seam teleported
through one Bell pair (``2d - 1`` pairs per round in the rotated code, ``(2d - 1) d`` per
operation), under uniform depolarizing noise at the QPUs' physical error (the teleportation
gadget's own gates included), and decoded by minimum-weight matching. The failure probability of
an operation (any wrong logical outcome, in either basis) comes from a table of such simulations
(``qnsim/qec/data/remote_model.json``, rebuilt by ``bench/qec_remote_model.py``): sampled for
d = 3, 5, 7, fitted as ``log P`` linear in ``(d + 1) / 2`` and extrapolated beyond. The pairs'
Bell-diagonal state enters through the two rates a teleported CNOT has of leaving X on its target
(``Psi+ + Psi-``) and Z on its control (``Phi- + Psi-``). The estimator already charges every
logical cycle of every patch its bulk error (the Azure model), the cycle of a remote operation
included, so the remote error priced here is what the remote operation adds to the same merge on
one QPU: the merge's failure probability minus that of the single-QPU merge (seam CNOTs local),
i.e. the pairs' share and the teleportation gadget's own (its extra CNOT and two measurements per
seam CNOT), which near-perfect pairs do not remove
(:func:`qnsim.qec.model.remote_logical_error` with ``interface_only=True``).
``tests/test_qec_model.py`` checks it against direct simulation (the difference of the two
merges) at three (d, link) points.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence

from qnsim.argument_checks import instance, written
from qnsim.estimate.qpu import QPU, SurfaceCode, check_qpu

__all__ = ["RemoteOperation", "interface_fidelity_target", "remote_logical_error", "remote_operation"]

#: Bulk error assumed when :func:`remote_logical_error` is not told the QPUs' (the presets' 1e-3).
DEFAULT_PHYSICAL_ERROR = 1e-3


def remote_logical_error(
    distance: int,
    bell_diagonal: Sequence[float],
    *,
    surface_code: SurfaceCode | None = None,
    physical_error: float | None = None,
) -> float:
    """Logical error probability of one remote lattice-surgery operation at code distance ``distance``.

    Args:
        distance: code distance d of the two patches (odd, 1 to :data:`qnsim.argument_checks.MAX_DISTANCE`, 1001).
        bell_diagonal: coefficients of the interface Bell pairs as used, in the order
            (Phi+, Psi+, Psi-, Phi-) (a Werner pair of fidelity F is ``(F, (1-F)/3, (1-F)/3, (1-F)/3)``).
        surface_code: accepted for compatibility; the simulated model does not use it.
        physical_error: bulk error of the two QPUs (default :data:`DEFAULT_PHYSICAL_ERROR`).

    Returns:
        Probability (per operation, dimensionless) that the pairs and the teleportation gadget make
        the operation fail, beyond its bulk failures on one QPU; at most 1, above 0 even for perfect
        pairs. Pairs or bulk errors beyond the simulated range (seam error rates above 0.15, bulk error
        above 0.6%, where the merge is at or past threshold) count as a certain failure.

    Raises:
        ValueError: naming an even or non-positive distance, or one above 1001, or coefficients that are not a
            distribution.

    >>> e15 = remote_logical_error(15, (0.999, 1e-3 / 3, 1e-3 / 3, 1e-3 / 3))
    >>> e15 < remote_logical_error(15, (0.99, 1e-2 / 3, 1e-2 / 3, 1e-2 / 3)) < 1e-4
    True
    >>> remote_logical_error(3, (0.5, 0.5, 0.0, 0.0))
    1.0
    """
    # Not used by the simulated model (it has its own thresholds), but still one of its type: a dict or bytes given
    # here was taken without a word, as if it had been read.
    instance("surface_code", surface_code, (SurfaceCode, type(None)), "a qnsim.estimate.SurfaceCode or None")
    p = DEFAULT_PHYSICAL_ERROR if physical_error is None else physical_error
    # The simulated model's one reading of a code distance (NumPy integers are integers, the bound the layouts'): this
    # one took any odd count up to 2**63, where remote_operation refused above 2**31 and the model's OverflowError at
    # 10**400 was a reading of its own.
    from qnsim.qec.layout import check_distance  # on first use, as the model itself (qnsim.qec is not light)

    distance = check_distance(distance, minimum=1)
    if isinstance(bell_diagonal, (tuple, list)) and all(type(c) is float for c in bell_diagonal) and type(p) is float:
        # Plain floats (what the estimator passes): cached. Others go through the model's own checks each time.
        return _interface_error(distance, tuple(bell_diagonal), p)
    return _interface_error.__wrapped__(distance, bell_diagonal, p)


@functools.lru_cache(maxsize=65536)
def _interface_error(distance: int, bell_diagonal: Sequence[float], p: float) -> float:
    # Cached: the error-corrected estimate asks for every code distance and pace it tries, and each re-estimate that
    # checks a fix asks the same of the links it leaves as they are.
    from qnsim.qec.model import remote_logical_error as simulated

    try:
        return simulated(distance, bell_diagonal, physical_error=p, clamp=False, interface_only=True)
    except ValueError as exc:
        if "above the sampled range" in str(exc):
            return 1.0
        raise


def interface_fidelity_target(qpu_a: QPU, qpu_b: QPU, surface_code: SurfaceCode | None = None) -> float:
    """Pair fidelity at which the interface is as reliable as the bulk: ``1 - p p*_int / p*``.

    >>> round(interface_fidelity_target(QPU(e_2q=1e-3), QPU(e_2q=1e-3)), 6)
    0.99
    """
    qpu_a, qpu_b = check_qpu("qpu_a", qpu_a), check_qpu("qpu_b", qpu_b)
    if surface_code is not None and not isinstance(surface_code, SurfaceCode):
        raise TypeError(f"surface_code must be a qnsim.estimate.SurfaceCode or None, got {written(surface_code)}")
    sc = surface_code or qpu_a.surface_code or SurfaceCode()
    p = max(qpu_a.physical_error, qpu_b.physical_error)
    return 1.0 - p * sc.interface_threshold / sc.error_threshold


@dataclasses.dataclass(frozen=True)
class RemoteOperation:
    """Cost of one remote logical operation.

    Attributes:
        logical_error: failure probability of the operation.
        bell_pairs: distilled Bell pairs it consumes (``pairs_per_round`` for d rounds).
        pairs_per_round: pairs needed in each syndrome round (one per seam CNOT, ``2d - 1``).
        duration_s: time it occupies the two patches, in seconds (one logical cycle, d rounds).

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
        qpu_a, qpu_b: the two QPUs (the slower one sets the logical cycle, the noisier one the
            bulk error of the simulated model).
        surface_code: code model (default: ``qpu_a.surface_code``).

    >>> op = remote_operation(15, (0.999, 1e-3 / 3, 1e-3 / 3, 1e-3 / 3), QPU.preset("qubit_gate_ns_e4"),
    ...                       QPU.preset("qubit_gate_ns_e4"))
    >>> op.bell_pairs, op.pairs_per_round, round(op.duration_s * 1e6, 3)
    (435, 29, 6.0)
    """
    qpu_a, qpu_b = check_qpu("qpu_a", qpu_a), check_qpu("qpu_b", qpu_b)
    if surface_code is not None and not isinstance(surface_code, SurfaceCode):
        raise TypeError(f"surface_code must be a qnsim.estimate.SurfaceCode or None, got {written(surface_code)}")
    sc = surface_code or qpu_a.surface_code or SurfaceCode()
    p = max(qpu_a.physical_error, qpu_b.physical_error)
    error = remote_logical_error(distance, bell_diagonal, surface_code=sc, physical_error=p)
    cycle = max(qpu_a.logical_cycle_s(distance), qpu_b.logical_cycle_s(distance))
    per_round, per_operation = _operation_pairs(distance)
    return RemoteOperation(error, per_operation, per_round, cycle)


@functools.lru_cache(maxsize=128)
def _operation_pairs(distance: int) -> tuple[int, int]:
    """Pairs per round and per operation of the simulated merge at distance d: counting them builds
    the merge's layout (tens of ms), and the distance search asks for the same d once per link."""
    from qnsim.qec.model import remote_operation_pairs

    return remote_operation_pairs(distance)
