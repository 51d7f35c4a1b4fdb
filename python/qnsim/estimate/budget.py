"""The error budget of a run and how it is shared between its sources of failure.

The Azure Quantum Resource Estimator splits a total budget (default 1e-3) equally between the
sources a workload has: logical errors of the patches, T states (when it has T gates, CCZs or
rotations) and rotation synthesis (when it has rotations). A distributed run has one more
source, its remote logical operations; it gets an equal share too, so a run on one QPU is split
exactly as the estimator splits it. Any part may instead be set explicitly. On physical QPUs (no logical
errors, T states or synthesis) an explicit ``remote`` part caps the remote operations' expected faults and the
rest of the total the local ones.
"""

from __future__ import annotations

import dataclasses
import math

from qnsim.argument_checks import is_real_number, written

__all__ = ["ErrorBudget"]


def _check_part(name: str, value: float | None) -> float | None:
    """The budget field ``name`` checked and read as a plain float (None stays None): a NumPy scalar, an int or
    -0.0 was kept as given (``ErrorBudget(remote=-0.0).remote`` was -0.0, printed "-0" in a report)."""
    if value is None:
        return None
    # A part may be 0 for a source the workload lacks (QRE takes {"rotations": 0} for a workload without
    # rotations); split() refuses it for a source the workload has. The total must leave something.
    if not is_real_number(value) or not (0 <= value < 1) or (name == "total" and value == 0):
        interval = "(0, 1)" if name == "total" else "[0, 1)"
        raise ValueError(f"error budget {name} must be a probability in {interval}, got {written(value)}")
    return float(value) + 0.0


@dataclasses.dataclass(frozen=True)
class ErrorBudget:
    """Total failure probability allowed for a run, and optionally its parts.

    Args:
        total: total failure probability (default 1e-3, the estimator's default).
        logical: share for logical errors of the patches (idle and compute), or None for an
            equal share.
        t_states: share for faulty T states, or None.
        rotations: share for rotation synthesis, or None.
        remote: share for remote logical operations across links, or None.

    Raises:
        ValueError: naming a total outside (0, 1), a part outside [0, 1) or explicit parts that sum above
            ``total``; :meth:`split` names a part that is 0 for a source the run has.

    >>> ErrorBudget().split(has_t=True, has_rotations=False, has_remote=False)
    (0.0005, 0.0005, 0.0, 0.0)
    >>> [round(x, 12) for x in ErrorBudget(1e-3, remote=4e-4).split(has_t=True, has_rotations=False, has_remote=True)]
    [0.0003, 0.0003, 0.0, 0.0004]
    """

    total: float = 1e-3
    logical: float | None = None
    t_states: float | None = None
    rotations: float | None = None
    remote: float | None = None

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, _check_part(f.name, getattr(self, f.name)))
        if self.total is None:
            raise ValueError("error budget total must be a probability in (0, 1), got None")
        given = sum(v for v in (self.logical, self.t_states, self.rotations, self.remote) if v is not None)
        if given > self.total * (1 + 1e-12):
            raise ValueError(f"error budget parts sum to {given:g}, above the total {self.total:g}")

    def split(self, *, has_t: bool, has_rotations: bool, has_remote: bool) -> tuple[float, float, float, float]:
        """(logical, t_states, rotations, remote) shares for a run with the given sources.

        Sources a run lacks get 0; unset parts share what the set ones leave, equally.

        >>> ErrorBudget(3e-3).split(has_t=True, has_rotations=True, has_remote=False)
        (0.001, 0.001, 0.001, 0.0)
        """
        present = {"logical": True, "t_states": has_t, "rotations": has_rotations, "remote": has_remote}
        fixed = {k: getattr(self, k) for k in present if present[k] and getattr(self, k) is not None}
        free = [k for k in present if present[k] and k not in fixed]
        rest = self.total - sum(fixed.values())
        shares = dict(fixed)
        for k in free:
            shares[k] = rest / len(free)
        out = tuple(shares.get(k, 0.0) for k in ("logical", "t_states", "rotations", "remote"))
        empty = [k for v, k in zip(out, present) if present[k] and not v > 0]
        if empty or not math.isfinite(sum(out)):
            raise ValueError(f"error budget leaves nothing for the {', '.join(empty or free)} part ({self})")
        return out  # type: ignore[return-value]
