"""Quantum steps of the network protocols, on registry qubits, with node noise.

These are the same native routines the event-driven :class:`qnsim.Network` runs; here they
act at once (timing and classical messages are the caller's). Noise follows Stim's meaning:
``gate1_error`` is depolarize1 p after each single-qubit gate, ``gate2_error`` depolarize2 p
after each two-qubit gate, ``measure_error`` the flip probability of a reported outcome. On a
``density_matrix`` registry a readout error is applied as a flip of the qubit (X before a Z readout, Z
before an X readout) followed by an exact measurement: the other qubits are left in the state the
reported outcome implies (the mixture over misreads the nodes cannot see), and the measured qubit in
the reported state. A ``stabilizer`` registry draws the misread (the same statistics).

>>> import qnsim
>>> reg = qnsim.QubitRegistry("density_matrix", seed=1)
>>> x, a = reg.bell_pair()
>>> b, y = reg.bell_pair()
>>> reg.depolarize1(a, p=0.1)
>>> m = qnsim.entanglement_swap(reg, a, b, y)
>>> round(reg.fidelity([x, y]), 6)
0.9
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np

from qnsim import _core
from qnsim._numerics import in_unit_interval
from qnsim.argument_checks import bell_numbers, probability, written
from qnsim.specs import check_value

__all__ = [
    "bell_diagonal_purify",
    "bell_diagonal_swap",
    "entanglement_swap",
    "purify_round",
    "remote_cnot",
    "teleport",
]


def entanglement_swap(
    registry: _core.QubitRegistry,
    a: int,
    b: int,
    y: int,
    *,
    gate1_error: float = 0.0,
    gate2_error: float = 0.0,
    measure_error: float = 0.0,
) -> tuple[int, int]:
    """Swaps pairs (x, a) and (b, y) into (x, y) at the node holding a and b.

    Bell measurement of (a, b) (CNOT a->b, H on a, measure a then b), then X^m_b and Z^m_a on y.

    Args:
        registry: The qubit registry holding all four qubits.
        a, b: The swapping node's qubits (handles).
        y: The far end of the pair (b, y); it receives the correction.
        gate1_error, gate2_error, measure_error: Node noise (probabilities in [0, 1]).

    Returns:
        The Bell-measurement outcomes (m_a, m_b).

    >>> import qnsim
    >>> reg = qnsim.QubitRegistry(seed=0)
    >>> x, a = reg.bell_pair(); b, y = reg.bell_pair()
    >>> _ = entanglement_swap(reg, a, b, y)
    >>> round(reg.fidelity([x, y]), 9)
    1.0
    """
    return _core.entanglement_swap(registry, a, b, y, gate1_error, gate2_error, measure_error)


def purify_round(
    registry: _core.QubitRegistry,
    scheme: str,
    a1: int,
    b1: int,
    a2: int,
    b2: int,
    *,
    gate1_error: float = 0.0,
    gate2_error: float = 0.0,
    measure_error: float = 0.0,
) -> bool:
    """One recurrence purification round: keeps (a1, b1) on success, measures (a2, b2).

    ``scheme="bbpssw"`` (Bennett et al., PRL 76, 722 (1996)) twirls both pairs to Werner form
    first; ``"dejmps"`` (Deutsch et al., PRL 77, 2818 (1996)) applies Rx(+pi/2) to the a-qubits
    and Rx(-pi/2) to the b-qubits. Then bilateral CNOT (pair 1 controls) and Z measurements of
    pair 2; the round succeeds when the two outcomes agree. Both nodes use the same noise here.

    Args:
        registry, a1, b1, a2, b2: The registry and the two pairs' qubits (a at one node, b at the other).
        scheme: ``"bbpssw"`` or ``"dejmps"``.
        gate1_error: depolarize1 probability after each DEJMPS rotation. BBPSSW's twirl is modelled
            as noiseless, so this does nothing there: it is a random bilateral rotation U (x) U* of the
            twelve that make a pair Werner (a Pauli, which a device can apply in software as a frame,
            after a Clifford cycling X -> Y -> Z), and in a network it takes the round's single-qubit
            gate time but adds no gate error.
        gate2_error: depolarize2 probability after each node's CNOT.
        measure_error: Probability that a node's reported outcome is flipped.

    Returns:
        True when pair 1 is kept.

    >>> import qnsim
    >>> reg = qnsim.QubitRegistry(seed=0)
    >>> a1, b1 = reg.bell_pair(); a2, b2 = reg.bell_pair()
    >>> purify_round(reg, "dejmps", a1, b1, a2, b2)
    True
    """
    scheme = check_value("scheme", Literal["bbpssw", "dejmps"], scheme)
    native = getattr(_core.PurificationScheme, scheme)
    return _core.purify_round(registry, native, a1, b1, a2, b2, gate1_error, gate2_error, measure_error)


def teleport(
    registry: _core.QubitRegistry,
    data: int,
    a: int,
    b: int,
    *,
    gate1_error: float = 0.0,
    gate2_error: float = 0.0,
    measure_error: float = 0.0,
) -> tuple[int, int]:
    """Teleports the state of ``data`` onto ``b`` through the pair (a, b).

    One Bell pair and two classical bits: Bell measurement of (data, a) at the sender, then
    X^m_a Z^m_data on b. Through a Werner pair of fidelity F the average fidelity is (2F+1)/3.

    Returns:
        The outcomes (m_data, m_a).

    >>> import qnsim
    >>> reg = qnsim.QubitRegistry(seed=0)
    >>> q = reg.alloc(); reg.x(q)
    >>> a, b = reg.bell_pair()
    >>> _ = teleport(reg, q, a, b)
    >>> reg.measure(b)
    1
    """
    return _core.teleport(registry, data, a, b, gate1_error, gate2_error, measure_error)


def remote_cnot(
    registry: _core.QubitRegistry,
    control: int,
    a: int,
    b: int,
    target: int,
    *,
    gate1_error: float = 0.0,
    gate2_error: float = 0.0,
    measure_error: float = 0.0,
) -> tuple[int, int]:
    """CNOT from ``control`` (node A) to ``target`` (node B) through the pair (a, b).

    Gate teleportation (Eisert et al., PRA 62, 052317 (2000)): one Bell pair, one classical bit
    each way. CNOT control->a, measure a (to B), X^m1 on b, CNOT b->target, measure b in X (to
    A), Z^m2 on control. With a Werner pair of fidelity F, the gate is followed by X on the
    target, Z on the control, or both, each with probability (1-F)/3. Noise in Stim's meaning:
    ``gate2_error`` (depolarize2) after each CNOT, ``gate1_error`` (depolarize1) on b for the H of
    its X readout, ``measure_error`` on each reported outcome.

    Returns:
        The outcomes (m1, m2).

    >>> import qnsim
    >>> reg = qnsim.QubitRegistry(seed=0)
    >>> c, t = reg.alloc(), reg.alloc()
    >>> reg.h(c)
    >>> a, b = reg.bell_pair()
    >>> _ = remote_cnot(reg, c, a, b, t)
    >>> round(reg.fidelity([c, t]), 9)
    1.0
    """
    return _core.remote_cnot(registry, control, a, b, target, gate1_error, gate2_error, measure_error)


def _refuse_other_shapes(function: str, **coefficients: object) -> None:
    """Refuses what is not four coefficients by the package's one reading of them (:func:`bell_numbers`, as
    add_link, LinkModel and qec read theirs): the binding named no count for three of them, a string or a 2 x 2
    array ("cannot take (left=[0.9, 0.05, 0.05], ...); expected ... FixedSize(4)"), raised "len() of unsized
    object" for a 0-d array, and read a generator in bell_diagonal_swap where bell_diagonal_purify refused it.
    Four entries in a list, tuple or 1-d array go on as they are: the core reads them, naming a bad one (and a set,
    whose refusal there says it has no order)."""
    for name, value in coefficients.items():
        if not ((isinstance(value, (list, tuple)) and len(value) == 4)
                or (isinstance(value, np.ndarray) and value.shape == (4,)) or isinstance(value, (set, frozenset))):
            bell_numbers(f"{function}(): {name}", value)


def bell_diagonal_swap(
    left: Sequence[float],
    right: Sequence[float],
    *,
    gate1_error: float = 0.0,
    gate2_error: float = 0.0,
    measure_error: float = 0.0,
) -> tuple[float, float, float, float]:
    """Closed-form entanglement swap of two Bell-diagonal pairs: the ``bell_diagonal`` formalism's swap.

    The swapping node's Bell measurement has its noise in Stim's meaning (depolarize2 after the
    CNOT, depolarize1 after the H, each outcome misread with ``measure_error``); the result is
    the corrected pair averaged over the outcomes (a misread outcome enters as the mixture of
    wrong corrections it causes). Exactly what :func:`entanglement_swap` gives on a density
    matrix (averaged over outcomes when ``measure_error`` > 0).

    Args:
        left: Coefficients (Phi+, Psi+, Psi-, Phi-) of the pair (x, a).
        right: Coefficients of the pair (b, y).
        gate1_error: depolarize1 probability after the H.
        gate2_error: depolarize2 probability after the CNOT.
        measure_error: Probability that each reported outcome is flipped.

    Returns:
        Coefficients (Phi+, Psi+, Psi-, Phi-) of the pair (x, y).

    Raises:
        ParameterError: Coefficients outside [0, 1] or not summing to 1, noise outside [0, 1].

    Example:
        >>> import qnsim
        >>> f = bell_diagonal_swap([0.9, 0.1 / 3, 0.1 / 3, 0.1 / 3], [0.8, 0.2 / 3, 0.2 / 3, 0.2 / 3])[0]
        >>> round(f, 12) == round(qnsim.werner_swap_fidelity(0.9, 0.8), 12)
        True
    """
    _refuse_other_shapes("bell_diagonal_swap", left=left, right=right)
    out = _core.bell_diagonal_swap(left, right, gate1_error, gate2_error, measure_error)
    return _coefficients("bell_diagonal_swap", out, "")


def bell_diagonal_purify(
    pair1: Sequence[float],
    pair2: Sequence[float],
    scheme: str,
    *,
    gate1_error: float = 0.0,
    gate2_error: float = 0.0,
    measure_error: float = 0.0,
    gate1_error_b: float | None = None,
    gate2_error_b: float | None = None,
    measure_error_b: float | None = None,
) -> tuple[float, tuple[float, float, float, float]]:
    """Closed-form recurrence round on two Bell-diagonal pairs: the ``bell_diagonal`` formalism's purification.

    The same round as :func:`purify_round`, in closed form, and as a network request's round: each
    node's errors act at that node (node A holds the first qubit of each pair, node B the second).

    Args:
        pair1: Coefficients (Phi+, Psi+, Psi-, Phi-) of the kept pair.
        pair2: Coefficients of the sacrificed pair.
        scheme: ``"bbpssw"`` or ``"dejmps"``.
        gate1_error: depolarize1 probability after each DEJMPS rotation at node A (BBPSSW's twirl is
            modelled as noiseless: no effect there, as in :func:`purify_round`).
        gate2_error: depolarize2 probability after node A's CNOT.
        measure_error: Probability that node A's reported outcome is flipped.
        gate1_error_b, gate2_error_b, measure_error_b: The same at node B; None (default): node A's.

    Returns:
        ``(success_probability, kept)``: the probability that the two reported outcomes agree, and
        the kept pair's coefficients given that they did.

    Raises:
        ParameterError: Bad coefficients, noise or scheme.

    Example:
        >>> p, kept = bell_diagonal_purify([0.9, 0.05, 0.03, 0.02], [0.9, 0.05, 0.03, 0.02], "dejmps")
        >>> round(p, 4), round(kept[0], 4)
        (0.8698, 0.9323)
    """
    return _bell_diagonal_purifier(
        scheme,
        gate1_error=gate1_error,
        gate2_error=gate2_error,
        measure_error=measure_error,
        gate1_error_b=gate1_error_b,
        gate2_error_b=gate2_error_b,
        measure_error_b=measure_error_b,
    )(pair1, pair2)


def _bell_diagonal_purifier(
    scheme: str,
    *,
    gate1_error: float = 0.0,
    gate2_error: float = 0.0,
    measure_error: float = 0.0,
    gate1_error_b: float | None = None,
    gate2_error_b: float | None = None,
    measure_error_b: float | None = None,
) -> Callable[[Sequence[float], Sequence[float]], tuple[float, tuple[float, float, float, float]]]:
    """:func:`bell_diagonal_purify` with its scheme and noise read once: ``purify(pair1, pair2)`` returns what
    ``bell_diagonal_purify(pair1, pair2, scheme, ...)`` returns, bit for bit, for loops over many rounds (an
    event-driven simulation runs one per purified pair, where reading the scheme and noise again cost more than
    the round).

    Raises:
        ParameterError: Bad scheme or node B noise (here); bad coefficients or node A noise (on each call).

    Example:
        >>> purify = _bell_diagonal_purifier("dejmps")
        >>> purify([0.9, 0.05, 0.03, 0.02], [0.9, 0.05, 0.03, 0.02])[0] == bell_diagonal_purify(
        ...     [0.9, 0.05, 0.03, 0.02], [0.9, 0.05, 0.03, 0.02], "dejmps")[0]
        True
    """
    scheme = check_value("scheme", Literal["bbpssw", "dejmps"], scheme)
    native = getattr(_core.PurificationScheme, scheme)
    # Node B's values are checked here so that a bad one is named as node B's (natively it is a node's noise).
    far = [None if v is None else probability(name, v, error=_core.ParameterError) for name, v in
           (("gate1_error_b", gate1_error_b), ("gate2_error_b", gate2_error_b), ("measure_error_b", measure_error_b))]
    args = (native, gate1_error, gate2_error, measure_error, *far)
    core = _core.bell_diagonal_purify

    def purify(pair1: Sequence[float], pair2: Sequence[float]) -> tuple[float, tuple[float, float, float, float]]:
        _refuse_other_shapes("bell_diagonal_purify", pair1=pair1, pair2=pair2)
        p, kept = core(pair1, pair2, *args)
        a, b, c, d = (float(x) for x in kept)
        # Four coefficients inside (0, 1] are what _coefficients keeps of them, as they are (its clip changes
        # nothing there); zeros (a clipped -0.0), rounding strays and NaN take its full reading.
        if 0.0 < a <= 1.0 and 0.0 < b <= 1.0 and 0.0 < c <= 1.0 and 0.0 < d <= 1.0:
            return float(p), (a, b, c, d)
        # The kept pair is the joint distribution divided by p: a p near the rounding of the inputs'
        # coefficients (~1e-17) leaves nothing of it (p = 1.3e-12 gave a kept fidelity of 1.00002).
        why = (
            f" with a success probability of {float(p):.3g}, too close to the rounding of the inputs' coefficients "
            "for the kept pair to be computed in double precision"
        )
        return float(p), _coefficients("bell_diagonal_purify kept pair", kept, why)

    return purify


def _coefficients(what: str, values: Sequence[float], why: str) -> tuple[float, float, float, float]:
    """Bell coefficients from the closed forms, clipped to [0, 1] where rounding put them a few ulps
    outside, refused (named) where it put them further."""
    clipped, bad = in_unit_interval(list(values))
    if bad is not None:
        raise ValueError(f"{what}: coefficient {written(bad)} is outside [0, 1]{why}")
    return tuple(float(c) for c in clipped)  # type: ignore[return-value]
