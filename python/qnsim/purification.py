"""Purification planning: how many recurrence rounds a request runs, and the memories they hold.

>>> purification_rounds_for([0.8, 0.2 / 3, 0.2 / 3, 0.2 / 3], 0.9)
2
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qnsim.link_builder import LinkInfo
from qnsim.link_models import bbpssw, dejmps
from qnsim.specs import RequestSpec, check_value, did_you_mean, parameter_error

__all__ = ["PURIFICATIONS", "PurificationPlan", "plan_purification", "purification_rounds_for"]

#: Recurrence purification schemes a request may use (``purification=``): :func:`qnsim.bbpssw`
#: (twirls to Werner form each round) and :func:`qnsim.dejmps` (keeps the Bell-diagonal state).
PURIFICATIONS: tuple[str, ...] = ("bbpssw", "dejmps")
MAX_ROUNDS = 16  # the core's limit per request and level


def purification_rounds_for(
    bell_diagonal: Sequence[float], target_fidelity: float, scheme: str = "dejmps", max_rounds: int = MAX_ROUNDS
) -> int:
    """The fewest recurrence rounds that lift a link's pairs to ``target_fidelity``.

    Symmetric recurrence: each round purifies two pairs of the previous level, so round k
    starts from the output of round k-1 on both inputs. DEJMPS follows the Bell-diagonal
    state with :func:`qnsim.dejmps`; BBPSSW follows the fidelity with :func:`qnsim.bbpssw`
    (a Werner twirl between rounds, as the native engine applies). Gate noise, memory
    decoherence and the success probability (how many link pairs a round costs) are not part
    of the count.

    Args:
        bell_diagonal: The link's delivered state (Phi+, Psi+, Psi-, Phi-).
        target_fidelity: Wanted fidelity in [0, 1].
        scheme: ``"dejmps"`` or ``"bbpssw"``.
        max_rounds: Give up beyond this many rounds (the native engine allows 16).

    Returns:
        The number of rounds (0 if the link already reaches the target).

    Raises:
        ValueError: The target cannot be reached (the message gives the best fidelity).

    Example:
        >>> purification_rounds_for([0.8, 0.2 / 3, 0.2 / 3, 0.2 / 3], 0.9, "bbpssw")
        3
        >>> purification_rounds_for([0.5, 0.5 / 3, 0.5 / 3, 0.5 / 3], 0.6)
        Traceback (most recent call last):
        ...
        ValueError: fidelity 0.5 cannot reach target_fidelity 0.6 with dejmps: recurrence purification needs ...
    """
    if scheme not in PURIFICATIONS:
        raise parameter_error(
            "scheme", f"must be 'dejmps' or 'bbpssw', got {scheme!r}{did_you_mean(scheme, PURIFICATIONS)}"
        )
    target = check_value("target_fidelity", float, target_fidelity, {"minimum": 0.0, "maximum": 1.0})
    # range() raised "'float' object cannot be interpreted as an integer" for 2.5; True was 1 round.
    max_rounds = check_value("max_rounds", int, max_rounds, {"minimum": 0, "maximum": 1024})
    diag = np.asarray(check_value("bell_diagonal", tuple[float, ...], bell_diagonal, {"length": 4}), dtype=float)
    if np.any(diag < 0) or abs(diag.sum() - 1.0) > 1e-9:
        raise parameter_error(
            "bell_diagonal", f"must be 4 non-negative numbers summing to 1, got {list(bell_diagonal)}"
        )
    f0 = float(diag[0])
    best = f0
    for k in range(max_rounds + 1):
        f = float(diag[0])
        best = max(best, f)
        if f >= target - 1e-12:
            return k
        if k == max_rounds:
            break
        if scheme == "dejmps":
            diag = dejmps(diag, diag)[0]
        else:
            g = bbpssw(min(1.0, max(0.0, f)))[0]
            diag = np.array([g, (1 - g) / 3, (1 - g) / 3, (1 - g) / 3])
    why = (
        "recurrence purification needs fidelity > 1/2"
        if f0 <= 0.5
        else f"the best in {max_rounds} rounds is {best:.6g}"
    )
    raise ValueError(f"fidelity {f0:.4g} cannot reach target_fidelity {target:.10g} with {scheme}: {why}")


@dataclass(frozen=True)
class PurificationPlan:
    """What a request's purification resolves to.

    Attributes:
        scheme: ``"bbpssw"``, ``"dejmps"`` or None.
        rounds: Recurrence rounds on each link before swapping.
        end_to_end_rounds: Recurrence rounds on end-to-end pairs.
        target_fidelity: The per-link target the rounds were chosen for, or None.
        memories_per_link: Slots reserved at each end of each link of the path.
    """

    scheme: str | None
    rounds: int
    end_to_end_rounds: int
    target_fidelity: float | None
    memories_per_link: int


def plan_purification(spec: RequestSpec, hops: Sequence[LinkInfo]) -> PurificationPlan:
    """Resolves a request's purification and memories over its path's links.

    ``purification`` defaults to ``"dejmps"`` when a ``target_fidelity`` or end-to-end rounds
    are given; ``purification_rounds`` defaults to 1 with a scheme (0 with only end-to-end
    rounds); a ``target_fidelity`` picks the fewest rounds with which every link reaches it by
    the closed forms. ``memories_per_link`` defaults to every channel of the narrowest link, and
    at least what the rounds hold (one pair per level). Ranges are checked natively.

    Raises:
        ParameterError: purification_rounds given with target_fidelity; ValueError: a link
            that cannot reach the target (named).

    Example:
        >>> from qnsim.specs import LinkSpec
        >>> from qnsim.link_builder import build_link
        >>> spec = LinkSpec(a="a", b="b", length_km=1.0, fidelity=0.8, rate_hz=1e3, channels=3)
        >>> link = build_link(spec, None, None, 0)
        >>> plan_purification(RequestSpec(src="a", dst="b", target_fidelity=0.9), [link])
        PurificationPlan(scheme='dejmps', rounds=2, end_to_end_rounds=0, target_fidelity=0.9, memories_per_link=3)
    """
    e2e = spec.end_to_end_purification_rounds
    scheme = spec.purification
    if scheme is None and (spec.target_fidelity is not None or e2e > 0):
        scheme = "dejmps"
    rounds = spec.purification_rounds or 0
    target = spec.target_fidelity
    if scheme is not None:
        if target is not None:
            if spec.purification_rounds is not None:
                raise parameter_error("purification_rounds", "cannot be given with target_fidelity (it chooses them)")
            rounds = 0
            for link in hops:
                try:
                    rounds = max(rounds, purification_rounds_for(link.bell_diagonal, target, scheme))
                except ValueError as exc:
                    raise ValueError(f"link {link.a!r}-{link.b!r}: {exc}") from None
            if rounds == 0 and e2e == 0:
                scheme = None  # every link already reaches the target
        elif spec.purification_rounds is None:
            rounds = 0 if e2e > 0 else 1
    needed = rounds + e2e + 1
    memories = spec.memories_per_link
    if memories is None:
        memories = max(needed, min(link.channels for link in hops))
    return PurificationPlan(scheme, rounds, e2e, target, memories)
