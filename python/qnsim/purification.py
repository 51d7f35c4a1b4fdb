"""Purification planning: how many recurrence rounds a request runs, and the memories they hold.

>>> purification_rounds_for([0.8, 0.2 / 3, 0.2 / 3, 0.2 / 3], 0.9)
2
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qnsim.argument_checks import bell_coefficients, instance, written
from qnsim.link_builder import LinkInfo, link_list
from qnsim.link_models import dejmps
from qnsim.specs import RequestSpec, check_value, did_you_mean, parameter_error

__all__ = ["PURIFICATIONS", "PurificationPlan", "plan_purification", "purification_rounds_for", "target_shortfall"]

#: Recurrence purification schemes a request may use (``purification=``): :func:`qnsim.bbpssw`
#: (twirls to Werner form each round) and :func:`qnsim.dejmps` (keeps the Bell-diagonal state).
PURIFICATIONS: tuple[str, ...] = ("bbpssw", "dejmps")
_HOPS = "the links of the request's path (LinkInfo) in path order"
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
            "scheme", f"must be 'dejmps' or 'bbpssw', got {written(scheme)}{did_you_mean(scheme, PURIFICATIONS)}"
        )
    target = check_value("target_fidelity", float, target_fidelity, {"minimum": 0.0, "maximum": 1.0})
    # range() raised "'float' object cannot be interpreted as an integer" for 2.5; True was 1 round.
    max_rounds = check_value("max_rounds", int, max_rounds, {"minimum": 0, "maximum": 1024})
    # Read as every entry point reads Bell coefficients (one tolerance, clipped within it): -1e-13 was refused here.
    read = check_value("bell_diagonal", tuple[float, ...], bell_diagonal, {"reader": bell_coefficients})
    diag = np.asarray(read, dtype=float)
    diag_in = diag
    f0 = float(diag[0])
    # Compared as infidelities, the error weights summed: each round's are products of small
    # numbers, exact to rounding, where 1 - F near 1 keeps only ~1e-16. A target is met within
    # its own rounding (one ulp), so a target read off a pair's fidelity is met by that pair;
    # before, a 1e-12 slack met 1 - 5e-14 with a pair at 1 - 1e-13, and target 1.0 was "met" by
    # seven DEJMPS rounds from 0.9 once the fidelity rounded to 1.
    infidelity = float(diag[1:].sum())
    allowed = 1.0 - target + (math.ulp(target) if target < 1.0 else 0.0)
    best = infidelity
    # Exactly 1 only from a perfect pair: a round's infidelity underflows to 0 long before it is 0.
    for k in range(max_rounds + 1 if target < 1.0 or infidelity == 0 else 0):
        best = min(best, infidelity)
        if infidelity <= allowed:
            return k
        if k == max_rounds:
            break
        if scheme == "dejmps":
            diag = dejmps(diag, diag)[0]
            infidelity = float(diag[1:].sum())
        else:
            infidelity = _bbpssw_infidelity(infidelity)
            diag = np.array([1.0 - infidelity] + [infidelity / 3] * 3)
    if target == 1.0 and best > 0:
        why = "a fidelity of exactly 1 is never reached by recurrence purification from an imperfect pair"
    elif f0 <= 0.5:
        why = "recurrence purification needs fidelity > 1/2"
    else:
        why = f"the best in {max_rounds} rounds is {_fidelity_text(1.0 - best, best)}"
    raise ValueError(
        f"fidelity {_fidelity_text(f0, float(diag_in[1:].sum()))} cannot reach target_fidelity {target:.10g} "
        f"with {scheme}: {why}"
    )


def _bbpssw_infidelity(e: float) -> float:
    """1 - F' of one BBPSSW round on Werner pairs of infidelity e: with F = 1 - e and e3 = e / 3,
    F' = (F^2 + e3^2) / p and p = F^2 + 2 F e3 + 5 e3^2, so 1 - F' = (2 F e3 + 4 e3^2) / p."""
    f, e3 = 1.0 - e, e / 3.0
    return (2.0 * f * e3 + 4.0 * e3 * e3) / (f * f + 2.0 * f * e3 + 5.0 * e3 * e3)


def _fidelity_text(f: float, infidelity: float) -> str:
    """A fidelity with the digits that tell it from 1/2 and from 1 (":.4g" showed 0.5 + 1e-15 as 0.5,
    a pair that cannot be purified, and 1 - 1e-9 as 1)."""
    if abs(f - 0.5) < 5e-5 and f != 0.5:
        return repr(f)
    if 0 < infidelity < 5e-5:
        return f"1 - {infidelity:.4g}"
    return f"{f:.4g}"


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

    ``purification`` defaults to ``"dejmps"`` when a ``target_fidelity``, link rounds
    (``purification_rounds`` >= 1) or end-to-end rounds are given; ``purification_rounds`` defaults to 1 with a scheme (0 with only end-to-end
    rounds); a ``target_fidelity`` picks the fewest rounds with which every link reaches it by
    the closed forms. A scheme with no round at all (``purification_rounds=0`` and no end-to-end
    rounds, or a target every link already reaches) is no purification: the plan's scheme is None.
    ``memories_per_link`` defaults to every channel of the narrowest link, and at least what the
    rounds hold (one pair per level). Ranges are checked natively.

    Raises:
        ParameterError: purification_rounds given with target_fidelity; ValueError: a link
            that cannot reach the target (named), or no link at all.
        TypeError: ``spec`` is no RequestSpec, or ``hops`` no list or tuple of LinkInfo.

    Example:
        >>> from qnsim.specs import LinkSpec
        >>> from qnsim.link_builder import build_link
        >>> spec = LinkSpec(a="a", b="b", length_km=1.0, fidelity=0.8, rate_hz=1e3, channels=3)
        >>> link = build_link(spec, None, None, 0)
        >>> plan_purification(RequestSpec(src="a", dst="b", target_fidelity=0.9), [link])
        PurificationPlan(scheme='dejmps', rounds=2, end_to_end_rounds=0, target_fidelity=0.9, memories_per_link=3)
    """
    instance("spec", spec, RequestSpec, "a qnsim.specs.RequestSpec")
    hops = link_list("hops", hops, _HOPS)
    if not hops:  # a path has a link at least: [] failed with min()'s "arg is an empty sequence"
        raise ValueError("hops must hold the links of the request's path (at least one), got []")
    e2e = spec.end_to_end_purification_rounds
    scheme = spec.purification
    # Whatever asks for purification gives it a scheme: link rounds alone were refused ("purification must be
    # 'bbpssw' or 'dejmps'") where end-to-end rounds and a target took DEJMPS, so a sweep over
    # purification_rounds = 0, 1, 2 of a request without a scheme stopped at its second value.
    if scheme is None and (spec.target_fidelity is not None or e2e > 0 or (spec.purification_rounds or 0) > 0):
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
                    raise ValueError(f"link {written(link.a)}-{written(link.b)}: {exc}") from None
        elif spec.purification_rounds is None:
            rounds = 0 if e2e > 0 else 1
        if rounds == 0 and e2e == 0:
            # No round anywhere: every link already reaches the target, or zero rounds were asked for
            # (a sweep over purification_rounds = 0, 1, 2 compares purification with none).
            scheme = None
    needed = rounds + e2e + 1
    memories = spec.memories_per_link
    if memories is None:
        narrowest = min(hops, key=lambda link: link.channels)
        if needed > narrowest.channels:
            # The rounds hold one pair per level: say so, and which rounds fit, where the core's refusal said
            # only "needs 4 memories per side ... which has 3 channels" of a target that had chosen 3 rounds unseen.
            raise ValueError(_rounds_do_not_fit(narrowest, needed, rounds, e2e, target))
        memories = max(needed, narrowest.channels)
    return PurificationPlan(scheme, rounds, e2e, target, memories)


def memories_do_not_fit(link: LinkInfo, memories: int) -> str:
    """The start of every refusal of a request whose ``memories`` per side exceed ``link``'s channels."""
    plural = "" if link.channels == 1 else "s"
    return (
        f"request needs {memories} memories per side on link {written(link.a)}-{written(link.b)}, "
        f"which has {link.channels} channel{plural}"
    )


def _rounds_do_not_fit(link: LinkInfo, needed: int, rounds: int, e2e: int, target: float | None) -> str:
    """Why a request's purification rounds need more memories than ``link`` has channels, and the ways out."""
    parts = [f"{rounds} link purification round(s)"] if rounds else []
    parts += [f"{e2e} end-to-end round(s)"] if e2e else []
    asked = " and ".join(parts)
    if target is not None:
        asked = f"target_fidelity {written(target)} takes {asked} here"
    fewer = link.channels - 1 - e2e
    if target is not None:
        fewer_text = "a lower target_fidelity"
    elif rounds and fewer >= 0:
        fewer_text = f"fewer rounds (purification_rounds = {fewer} fits {link.channels} channel{'s' * (fewer > 0)})"
    else:
        fewer_text = "fewer end-to-end rounds"
    return (
        f"{memories_do_not_fit(link, needed)}: {asked}, which hold one pair per level ({needed} memories per side); "
        f"raise the link's channels to {needed}, or ask for {fewer_text}"
    )


def target_shortfall(request: Any, hops: Sequence[LinkInfo], nodes: Mapping[str, Any]) -> str | None:
    """What a request's ``target_fidelity`` does not get once the nodes' gate and measurement errors act.

    The rounds a target asks for are chosen by the noiseless closed forms
    (:func:`purification_rounds_for`); each round's gates and measurements at the link's two nodes
    (:func:`qnsim.bell_diagonal_purify`, the ``bell_diagonal`` formalism's round) can leave the
    purified pairs below the target, or put it beyond any number of rounds. Memory decay while pairs
    wait is not counted (it only lowers them further).

    Args:
        request: A :class:`qnsim.specs.RequestInfo`.
        hops: The links of its path.
        nodes: Node name -> :class:`qnsim.specs.NodeInfo`.

    Returns:
        A note naming the first link that falls short, its fidelity after the rounds and the best any
        number of rounds gives; None when every link reaches the target (or no target was given).

    Raises:
        TypeError: ``request`` is no RequestInfo, ``hops`` no list or tuple of LinkInfo, ``nodes`` no mapping.
        ValueError: ``nodes`` lacks an end of a link in ``hops``.

    Example:
        >>> import qnsim
        >>> net = qnsim.Network(); _ = net.add_node("a", gate2_error=0.01); _ = net.add_node("b")
        >>> _ = net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3, channels=8)
        >>> info = net.request("a", "b", target_fidelity=0.999)
        >>> target_shortfall(info, net.links, net.nodes)[:60]
        'target_fidelity 0.999 is not reached on link a-b with the ga'
    """
    from qnsim.primitives import bell_diagonal_purify
    from qnsim.specs import RequestInfo

    instance("request", request, RequestInfo, "a qnsim.specs.RequestInfo")
    # Read whether or not a target asks for them: a bad list passed while no target was set, and failed with
    # "'str' object has no attribute 'a'" (or a bare KeyError for a node not in nodes) once one was.
    hops = link_list("hops", hops, _HOPS)
    instance("nodes", nodes, Mapping, "a mapping of node name -> NodeInfo (Network.nodes)")
    missing = [name for link in hops for name in (link.a, link.b) if name not in nodes]
    if missing:
        known = ", ".join(map(str, nodes)) or "none"
        raise ValueError(f"nodes has no node {written(missing[0])} (an end of a link in hops; nodes: {known})")
    target = request.target_fidelity
    if target is None or request.purification is None:
        return None
    for link in hops:
        a, b = nodes[link.a], nodes[link.b]
        noise = {
            "gate1_error": a.gate1_error, "gate2_error": a.gate2_error, "measure_error": a.measure_error,
            "gate1_error_b": b.gate1_error, "gate2_error_b": b.gate2_error, "measure_error_b": b.measure_error,
        }  # fmt: skip
        if not any(noise.values()):
            continue  # the closed forms that chose the rounds are exact here
        pair = tuple(float(c) for c in link.bell_diagonal)
        fidelities = [pair[0]]
        for _ in range(MAX_ROUNDS):
            pair = bell_diagonal_purify(pair, pair, request.purification, **noise)[1]
            fidelities.append(pair[0])
        reached = fidelities[request.purification_rounds]
        if reached < target:
            enough = [k for k, f in enumerate(fidelities) if f >= target]
            best = max(range(len(fidelities)), key=lambda k: fidelities[k])
            instead = (
                f"purification_rounds = {enough[0]} would reach it" if enough
                else f"no number of rounds reaches it (at most {fidelities[best]:.6g}, {best} rounds)"
            )  # fmt: skip
            return (
                f"target_fidelity {target:g} is not reached on link {link.a}-{link.b} with the gate and measurement "
                f"errors of its nodes: its {request.purification_rounds} {request.purification} round(s), chosen "
                f"without them, give {reached:.6g}; {instead}; memory decay while pairs wait lowers them further"
            )
    return None
