"""Pauli channels of interface operations: what a Bell pair does to the data it links.

A Bell-diagonal pair ``(Phi+, Psi+, Psi-, Phi-)`` is ``|Phi+>`` with a Pauli on one half:
``I``, ``X``, ``Y`` or ``Z`` with those probabilities (``X|Phi+> = |Psi+>``,
``XZ|Phi+> = |Psi->``, ``Z|Phi+> = |Phi->``; which half does not matter, since
``(P x I)|Phi+> = +-(I x P^T)|Phi+>``).

**Teleported CNOT** (Eisert et al., PRA 62, 052317 (2000); :func:`qnsim.remote_cnot`): CNOT
control -> a, measure a in Z, X^m1 on b; CNOT b -> target, measure b in X, Z^m2 on control. Pushing
each fault to the end:

* a Pauli on the pair: ``X`` on b makes b a flipped copy of the control, so the target gets
  ``X``; ``Z`` on b flips the X measurement, so the control gets ``Z``. The gate is an ideal CNOT
  followed by ``I`` (Phi+), ``X_t`` (Psi+), ``Z_c X_t`` (Psi-) or ``Z_c`` (Phi-). It never puts
  X on the control or Z on the target, so a teleported seam gate never spreads an error to the
  rest of a stabilizer circuit (no hook).
* depolarize2(g) after CNOT control -> a: the control's part stays on the control; X or Y on a
  flips m1, giving ``X_t``.
* depolarize2(g) after CNOT b -> target: the target's part stays; Z or Y on b gives ``Z_c``.
* a flipped outcome: m1 gives ``X_t``, m2 gives ``Z_c``.

These independent faults compose by XOR of Pauli frames; :func:`teleported_cnot_channel`
returns the exact 15 probabilities in Stim's ``PAULI_CHANNEL_2`` order (first letter: control).
``tests/test_qec_channels.py`` checks them against the density-matrix engine running
:func:`qnsim.remote_cnot` on random Bell-diagonal pairs, with the Choi state as oracle.

>>> ch = teleported_cnot_channel(werner(0.91))
>>> {k: round(v, 4) for k, v in ch.items() if v}
{'IX': 0.03, 'ZI': 0.03, 'ZX': 0.03}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from qnsim import _numerics
from qnsim._numerics import tidy
from qnsim.argument_checks import (
    bell_coefficients,
    coherence_times,
    integer,
    probability,
    real_number,
    written,
)
from qnsim.argument_checks import fidelity as fidelity_value

__all__ = [
    "PAULI_PAIRS",
    "bell_diagonal_after_memory",
    "check_bell_diagonal",
    "check_pauli_channel",
    "check_probability",
    "compose_pauli2",
    "depolarize2_channel",
    "memory_pauli_channel",
    "seam_error_rates",
    "teleported_cnot_channel",
    "werner",
]

#: Two-qubit Pauli labels in Stim's PAULI_CHANNEL_2 argument order (IX, IY, IZ, XI, ..., ZZ).
PAULI_PAIRS: tuple[str, ...] = tuple(a + b for a in "IXYZ" for b in "IXYZ")[1:]

# Symplectic index of a single-qubit Pauli: bit 0 = X part, bit 1 = Z part.
_SYMPLECTIC = {"I": 0, "X": 1, "Z": 2, "Y": 3}
_LETTER = {v: k for k, v in _SYMPLECTIC.items()}


def check_probability(name: str, value: float) -> float:
    """A probability in [0, 1] as a float, or a ValueError naming it.

    Args:
        name: What the value is (for the message).
        value: The value.

    Returns:
        ``float(value)``.

    Example:
        >>> check_probability("p", 0.25)
        0.25
        >>> check_probability("p", 1.5)
        Traceback (most recent call last):
        ...
        ValueError: p must be a probability in [0, 1], got 1.5
    """
    return probability(name, value, error=ValueError)


def check_pauli_channel(name: str, value: object) -> tuple[float, float, float]:
    """``value`` as a single-qubit Pauli channel ``(p_x, p_y, p_z)``: an ordered triple (list, tuple or 1-d array) of
    probabilities summing to at most 1 (within 1e-12). The one reading of such a channel: the memory channels of
    :func:`bell_diagonal_after_memory` and :attr:`qnsim.qec.Interface.wait_idle` read it alike (the interface
    refused a NumPy array the other took, in other words).

    Raises:
        ValueError: Not three probabilities (a string, a mapping, a set, a scalar, a 2-d array, another count), one
            outside [0, 1], or a sum above 1; naming ``name``.

    Example:
        >>> check_pauli_channel("wait_idle", np.array([0.01, 0.0, 0.02]))
        (0.01, 0.0, 0.02)
        >>> check_pauli_channel("wait_idle", (0.1, 0.2))
        Traceback (most recent call last):
        ...
        ValueError: wait_idle must be three probabilities (p_x, p_y, p_z), got (0.1, 0.2)
    """
    ordered = isinstance(value, Sequence) and not isinstance(value, (str, bytes))
    if not (ordered or (isinstance(value, np.ndarray) and value.ndim == 1)) or len(value) != 3:  # type: ignore
        # Unpacking one said "too many values to unpack (expected 3)"; None "'NoneType' object is not iterable".
        raise ValueError(f"{name} must be three probabilities (p_x, p_y, p_z), got {written(value)}")
    px, py, pz = (check_probability(f"{name}[{i}]", v) for i, v in enumerate(value))  # type: ignore[arg-type]
    if px + py + pz > 1 + 1e-12:
        raise ValueError(f"{name} probabilities must sum to <= 1, got {written(tuple(value))}")  # type: ignore
    return px, py, pz


def check_real(name: str, value: float) -> float:
    """A real number (not a bool, not text) as a float, or a TypeError naming it.

    Example:
        >>> check_real("t1_s", True)
        Traceback (most recent call last):
        ...
        TypeError: t1_s must be a real number, got True
    """
    return real_number(name, value, allow_inf=True)


def check_count(name: str, value: int, minimum: int, maximum: int | None = None) -> int:
    """An int >= ``minimum`` (not a bool, not 1.5), or a ValueError naming it.

    Example:
        >>> check_count("rounds", 0, 1)
        Traceback (most recent call last):
        ...
        ValueError: rounds must be >= 1, got 0
    """
    return integer(name, value, minimum=minimum, maximum=maximum, error=ValueError)


def check_bell_diagonal(
    coefficients: Sequence[float], name: str = "bell_diagonal"
) -> tuple[float, float, float, float]:
    """Validates Bell-diagonal coefficients (Phi+, Psi+, Psi-, Phi-): four numbers >= 0 summing to 1.

    Args:
        coefficients: The four coefficients.
        name: What they are (for the message).

    Returns:
        The coefficients as a tuple of floats.

    Raises:
        ValueError: Not four finite numbers, one outside [0, 1] or a sum off 1 by more than the tolerance
            (``qnsim.argument_checks.PROBABILITY_TOLERANCE``, 1e-9; a coefficient within it outside [0, 1] is clipped).

    Example:
        >>> check_bell_diagonal([0.9, 0.05, 0.03, 0.02])
        (0.9, 0.05, 0.03, 0.02)
        >>> check_bell_diagonal([0.9, 0.2, 0.0, 0.0])
        Traceback (most recent call last):
        ...
        ValueError: bell_diagonal must sum to 1 (within the tolerance 1e-09), got [0.9, 0.2, 0.0, 0.0] (sum 1.1)
    """
    # The package's one reading of Bell coefficients (argument_checks, the core's tolerance): -1e-13 was refused
    # here while LinkModel clipped down to -1e-12.
    return bell_coefficients(name, coefficients, error=ValueError)


def werner(fidelity: float) -> tuple[float, float, float, float]:
    """Bell-diagonal coefficients of a Werner pair: F on Phi+ and (1 - F)/3 on each other.

    Args:
        fidelity: F in [0, 1].

    Returns:
        (Phi+, Psi+, Psi-, Phi-).

    Example:
        >>> werner(0.97)
        (0.97, 0.01, 0.01, 0.01)
    """
    f = fidelity_value("fidelity", fidelity, error=ValueError)
    rest = (1.0 - f) / 3.0
    return (f, tidy(rest), tidy(rest), tidy(rest))


def _index(pair: str) -> int:
    return _SYMPLECTIC[pair[0]] | (_SYMPLECTIC[pair[1]] << 2)


def _label(index: int) -> str:
    return _LETTER[index & 3] + _LETTER[index >> 2]


# Rounding slack of computed channel probabilities (sums of products of floats).
_SUM_TOLERANCE = 1e-9


def _as_vector(channel: Mapping[str, float]) -> np.ndarray:
    # A channel's probabilities are checked, not converted with float(): "0.1", True, -0.2 or a
    # total above 1 would otherwise give a "channel" with a negative identity weight.
    if not isinstance(channel, Mapping):
        raise TypeError(f"a two-qubit Pauli channel is a mapping like {{'XI': 0.01}}, got {written(channel)}")
    vec = np.zeros(16)
    for pair, p in channel.items():
        if pair not in PAULI_PAIRS:
            raise ValueError(f"unknown two-qubit Pauli {written(pair)}; use labels like 'XI', 'ZX' (first: control)")
        p = real_number(f"channel[{written(pair)}]", p)
        if not -_SUM_TOLERANCE <= p <= 1.0 + _SUM_TOLERANCE:
            raise ValueError(f"channel[{written(pair)}] must be a probability in [0, 1], got {written(p)}")
        vec[_index(pair)] += p
    if vec.sum() > 1.0 + _SUM_TOLERANCE:
        raise ValueError(f"a two-qubit Pauli channel's probabilities must sum to <= 1, got {written(float(vec.sum()))}")
    vec[0] = 1.0 - vec.sum()
    return vec


def _as_channel(vec: np.ndarray) -> dict[str, float]:
    return {pair: float(vec[_index(pair)]) for pair in PAULI_PAIRS}


def compose_pauli2(*channels: Mapping[str, float]) -> dict[str, float]:
    """Composition of independent two-qubit Pauli channels (XOR convolution of their frames).

    Args:
        *channels: Maps from two-letter Pauli labels (``"XI"``: X on the first qubit) to
            probabilities; the identity gets the rest.

    Returns:
        The composed channel, all 15 labels in :data:`PAULI_PAIRS` order.

    Example:
        >>> c = compose_pauli2({"XI": 0.1}, {"XI": 0.1})
        >>> round(c["XI"], 6)
        0.18
    """
    total = np.zeros(16)
    total[0] = 1.0
    for channel in channels:
        vec = _as_vector(channel)
        out = np.zeros(16)
        for i in np.flatnonzero(vec):
            for j in np.flatnonzero(total):
                out[i ^ j] += vec[i] * total[j]
        total = out
    return _as_channel(total)


def depolarize2_channel(p: float) -> dict[str, float]:
    """Stim's DEPOLARIZE2(p) as a channel map: each of the 15 non-identity Paulis with p/15.

    Example:
        >>> round(depolarize2_channel(0.15)["ZZ"], 6)
        0.01
    """
    p = check_probability("p", p)
    return {pair: p / 15.0 for pair in PAULI_PAIRS}


def teleported_cnot_channel(
    bell_diagonal: Sequence[float], gate_error: float = 0.0, measure_error: float = 0.0
) -> dict[str, float]:
    """Exact two-qubit Pauli channel of a CNOT teleported through a Bell-diagonal pair.

    The gate equals an ideal CNOT (control, target) followed by this channel. Local operations
    of the gadget are noisy as in :func:`qnsim.remote_cnot` with ``gate1_error=0``:
    depolarize2(``gate_error``) after each of its two local CNOTs and a flipped outcome with
    probability ``measure_error`` for each of its two measurements; the X readout of the pair's
    second qubit is a direct MX (as the Stim gadget measures it), without remote_cnot's
    depolarize1 for the H before a Z readout. The derivation is in the module docstring.

    Args:
        bell_diagonal: The pair's coefficients (Phi+, Psi+, Psi-, Phi-).
        gate_error: Depolarizing probability of each local CNOT of the gadget.
        measure_error: Flip probability of each of its two measurements.

    Returns:
        Probabilities of the 15 non-identity Paulis, keyed ``"IX"`` ... ``"ZZ"`` (first letter:
        control, second: target), in Stim's ``PAULI_CHANNEL_2`` order.

    Raises:
        ValueError: Coefficients that are not Bell-diagonal, or a probability outside [0, 1].

    Example:
        >>> ch = teleported_cnot_channel((0.9, 0.05, 0.03, 0.02))
        >>> round(ch["IX"], 6), round(ch["ZX"], 6), round(ch["ZI"], 6), round(sum(ch.values()), 6)
        (0.05, 0.03, 0.02, 0.1)
    """
    phi_p, psi_p, psi_m, phi_m = check_bell_diagonal(bell_diagonal)
    g = check_probability("gate_error", gate_error)
    q = check_probability("measure_error", measure_error)
    pair = {"IX": psi_p, "ZX": psi_m, "ZI": phi_m}
    # depolarize2 on (control, a): control part kept, X/Y on a becomes X on the target.
    first = {}
    for pc in "IXYZ":
        for pa in "IXYZ":
            if pc == pa == "I":
                continue
            out = pc + ("X" if pa in "XY" else "I")
            if out != "II":
                first[out] = first.get(out, 0.0) + g / 15.0
    # depolarize2 on (b, target): target part kept, Z/Y on b becomes Z on the control.
    second = {}
    for pb in "IXYZ":
        for pt in "IXYZ":
            if pb == pt == "I":
                continue
            out = ("Z" if pb in "ZY" else "I") + pt
            if out != "II":
                second[out] = second.get(out, 0.0) + g / 15.0
    flips = ({"IX": q}, {"ZI": q})
    return compose_pauli2(pair, first, second, *flips)


def seam_error_rates(bell_diagonal: Sequence[float]) -> tuple[float, float]:
    """Probabilities that a teleported CNOT leaves X on its target and Z on its control.

    A Z-basis experiment (logical X chains along the seam) feels only the first, an X-basis
    experiment only the second (a Psi- pair contributes to both).

    Args:
        bell_diagonal: (Phi+, Psi+, Psi-, Phi-).

    Returns:
        ``(q_x, q_z) = (Psi+ + Psi-, Phi- + Psi-)``.

    Example:
        >>> seam_error_rates((0.94, 0.03, 0.02, 0.01))
        (0.05, 0.03)
    """
    _, psi_p, psi_m, phi_m = check_bell_diagonal(bell_diagonal)
    return (tidy(psi_p + psi_m), tidy(phi_m + psi_m))


def memory_pauli_channel(seconds: float, t1_s: float, t2_s: float) -> tuple[float, float, float]:
    """Pauli twirl of memory decay for ``seconds``: amplitude damping then dephasing (docs/concepts.md).

    Amplitude damping with gamma = 1 - exp(-t/T1) and coherences decaying as exp(-t/T2) in total
    twirl to X and Y with probability gamma/4 each and Z with (1 - exp(-t/T2))/2 - gamma/4.

    Args:
        seconds: Time in memory, s (>= 0).
        t1_s: Energy relaxation time, s (> 0; ``math.inf`` for none).
        t2_s: Coherence time, s (0 < T2 <= 2 T1).

    Returns:
        (p_x, p_y, p_z).

    Raises:
        ValueError: A negative time, a non-positive T1/T2, or T2 > 2 T1.

    Example:
        >>> [round(p, 6) for p in memory_pauli_channel(10e-6, 300e-6, 200e-6)]
        [0.008196, 0.008196, 0.016189]
    """
    t = check_real("seconds", seconds)
    if not (math.isfinite(t) and t >= 0):
        raise ValueError(f"seconds must be a finite time >= 0, got {written(seconds)}")
    t1_s, t2_s = check_real("t1_s", t1_s), check_real("t2_s", t2_s)
    if not (t1_s > 0 and t2_s > 0):
        raise ValueError(f"t1_s and t2_s must be > 0, got t1_s={written(t1_s)}, t2_s={written(t2_s)}")
    coherence_times("t1_s", t1_s, "t2_s", t2_s, rounding=1e-12)
    gamma = -_numerics.expm1(-t / t1_s)
    lost_coherence = -_numerics.expm1(-t / t2_s)  # 1 - exp(-t/T2): 0 in doubles below t/T2 ~ 1e-16 otherwise
    px = gamma / 4.0
    pz = max(0.0, lost_coherence / 2.0 - gamma / 4.0)
    return (px, px, pz)


def bell_diagonal_after_memory(
    bell_diagonal: Sequence[float], pauli_a: Sequence[float], pauli_b: Sequence[float]
) -> tuple[float, float, float, float]:
    """Bell-diagonal coefficients after a Pauli channel on each half of the pair.

    A Pauli on either half permutes the Bell states: X swaps Phi+ <-> Psi+ and Phi- <-> Psi-,
    Z swaps Phi+ <-> Phi- and Psi+ <-> Psi-, Y swaps Phi+ <-> Psi- and Psi+ <-> Phi-.

    Args:
        bell_diagonal: (Phi+, Psi+, Psi-, Phi-) before.
        pauli_a: (p_x, p_y, p_z) on one half (e.g. :func:`memory_pauli_channel`).
        pauli_b: (p_x, p_y, p_z) on the other half.

    Returns:
        The coefficients after.

    Example:
        >>> [round(c, 6) for c in bell_diagonal_after_memory((1, 0, 0, 0), (0.1, 0, 0), (0, 0, 0.1))]
        [0.81, 0.09, 0.01, 0.09]
    """
    coeffs = np.array(check_bell_diagonal(bell_diagonal))
    # Bell index as a Pauli on one half: Phi+ = I (0), Psi+ = X (1), Psi- = Y (3), Phi- = Z (2)
    # in symplectic bits; the coefficient array is ordered (Phi+, Psi+, Psi-, Phi-).
    order = [0, 1, 3, 2]
    vec = np.zeros(4)
    vec[order] = coeffs
    for name, channel in (("pauli_a", pauli_a), ("pauli_b", pauli_b)):
        px, py, pz = check_pauli_channel(name, channel)
        single = np.array([1.0 - px - py - pz, px, pz, py])  # symplectic order I, X, Z, Y
        out = np.zeros(4)
        for i in range(4):
            for j in range(4):
                out[i ^ j] += vec[i] * single[j]
        vec = out
    return tuple(float(v) for v in vec[order])  # type: ignore[return-value]
