"""Noise of the generated circuits: the bulk (inside each QPU) and the interface (the seam).

Bulk noise keeps Stim's meaning (docs/concepts.md): ``DEPOLARIZE2(p)`` after a two-qubit gate,
``DEPOLARIZE1(p)`` after a single-qubit gate and on idle qubits, ``X_ERROR(p)`` after a reset
(``Z_ERROR(p)`` after an X-basis data reset ``RX``: the qubit starts in the orthogonal state), a
measurement (``M``, or ``MX`` for X-basis data) reports the wrong outcome with probability ``p``.
Two presets:

* :meth:`NoiseModel.uniform_depolarizing` (``p`` everywhere, idle included): the standard
  circuit-level model of threshold studies, and the one Ramette et al. (2024) use in the bulk.
* :meth:`NoiseModel.si1000` (superconducting-inspired, Gidney, Newman, McEwen, Quantum 5, 605
  (2021)): two-qubit gates ``p``, single-qubit gates and idle ``p/10``, resets ``2p``,
  measurements ``5p``, idle during a measurement or reset layer ``2p``. Applied here to the CNOT
  circuit directly (the original compiles to CZ; the rates are the same).

The interface is described by :class:`Interface`: ``direct`` seam CNOTs with their own
depolarizing probability, or CNOTs ``teleported`` through Bell-diagonal pairs (written as the gadget;
``explicit=False`` writes its exact channel, :func:`qnsim.qec.channels.teleported_cnot_channel`,
which decodes worse), or a ``cat`` gadget (one pair per seam
check and round instead of a remote CNOT; see :mod:`qnsim.qec.circuits`). Waiting for the link
adds an idle Pauli channel on every data qubit in every round (``wait_idle``).

>>> NoiseModel.si1000(1e-3).measure
0.005
>>> Interface.teleported((0.97, 0.01, 0.01, 0.01)).scheme
'teleported'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from qnsim._numerics import tidy
from qnsim.argument_checks import flag, label, probability, written
from qnsim.qec.channels import (
    check_bell_diagonal,
    check_pauli_channel,
    check_probability,
    depolarize2_channel,
    teleported_cnot_channel,
)

__all__ = ["SCHEMES", "Interface", "NoiseModel"]

# Stim analyses DEPOLARIZE1(p) only up to p = 3/4 and DEPOLARIZE2(p) up to 15/16 (fully mixed); past them the
# channel over-mixes and every decode failed with Stim's "Can't analyze over-mixing" and a circuit stack trace.
DEPOLARIZE1_MAX = (0.75, "3/4", "DEPOLARIZE1 past 3/4 over-mixes, beyond a fully mixed qubit: Stim cannot decode it")
DEPOLARIZE2_MAX = (15 / 16, "15/16", "DEPOLARIZE2 past 15/16 over-mixes, beyond a fully mixed pair: Stim cannot decode it")

#: Interface schemes.
SCHEMES = ("direct", "teleported", "cat")


def check_cat_checks(name: str, value: object, scheme: str) -> str:
    """The seam check types that share a cat interface's pair, ``"Z"`` or ``"XZ"``, as a plain str.

    Only the cat scheme shares pairs between seam checks: any other scheme takes the default ``"Z"``, since
    ``"XZ"`` there was kept, printed and counted as if not given (every seam CNOT still direct or teleported).

    Raises:
        ValueError: Naming ``name``, the value and, for another scheme, the scheme.

    Example:
        >>> check_cat_checks("cat_checks", "XZ", "cat")
        'XZ'
        >>> check_cat_checks("cat_checks", "XZ", "teleported")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: cat_checks='XZ' chooses the seam checks that share a pair, ... scheme 'teleported' takes the default 'Z'
    """
    if value not in ("Z", "XZ"):
        raise ValueError(f"{name} must be 'Z' or 'XZ', got {written(value)}")
    if value != "Z" and scheme != "cat":
        raise ValueError(
            f"{name}={written(value)} chooses the seam checks that share a pair, which only the cat scheme does; "
            f"scheme {written(scheme)} takes the default 'Z'"
        )
    return str(value)


@dataclass(frozen=True)
class NoiseModel:
    """Circuit noise inside a QPU (probabilities in Stim's meaning, see the module docstring).

    Attributes:
        two_qubit: DEPOLARIZE2 after each two-qubit gate.
        one_qubit: DEPOLARIZE1 after each single-qubit gate.
        reset: Probability that a reset leaves the orthogonal state.
        measure: Probability that a measurement reports the wrong outcome.
        idle: DEPOLARIZE1 on each qubit idle during a gate layer.
        idle_measure: DEPOLARIZE1 on each qubit idle during a measurement or reset layer.
        name: A label for tables and plots.

    Example:
        >>> NoiseModel.uniform_depolarizing(0.001)  # doctest: +NORMALIZE_WHITESPACE
        NoiseModel(two_qubit=0.001, one_qubit=0.001, reset=0.001, measure=0.001, idle=0.001,
                   idle_measure=0.001, name='uniform')
        >>> NoiseModel(two_qubit=1.2)
        Traceback (most recent call last):
        ...
        ValueError: NoiseModel.two_qubit must be a probability in [0, 1], got 1.2
    """

    two_qubit: float = 0.0
    one_qubit: float = 0.0
    reset: float = 0.0
    measure: float = 0.0
    idle: float = 0.0
    idle_measure: float = 0.0
    name: str = "custom"

    def __post_init__(self) -> None:
        for key in ("two_qubit", "one_qubit", "reset", "measure", "idle", "idle_measure"):
            at_most = {"two_qubit": DEPOLARIZE2_MAX, "reset": None, "measure": None}.get(key, DEPOLARIZE1_MAX)
            value = probability(f"NoiseModel.{key}", getattr(self, key), error=ValueError, at_most=at_most)
            object.__setattr__(self, key, value)
        # The name labels tables, plots and sweep rows: True, None or an array was kept as given.
        object.__setattr__(self, "name", label("NoiseModel.name", self.name, error=ValueError))

    @classmethod
    def uniform_depolarizing(cls, p: float) -> NoiseModel:
        """Every operation and every idle step with probability ``p``.

        Example:
            >>> NoiseModel.uniform_depolarizing(0.002).idle
            0.002
        """
        p = probability("p", p, error=ValueError, at_most=DEPOLARIZE1_MAX)
        return cls(p, p, p, p, p, p, "uniform")

    @classmethod
    def si1000(cls, p: float) -> NoiseModel:
        """SI1000 rates: 2q ``p``, 1q and idle ``p/10``, reset and idle-in-measurement ``2p``, measure ``5p``.

        Raises:
            ValueError: ``5 p > 1``.

        Example:
            >>> m = NoiseModel.si1000(0.001)
            >>> m.one_qubit, m.reset, m.measure
            (0.0001, 0.002, 0.005)
        """
        p = check_probability("p", p)
        if 5 * p > 1:
            raise ValueError(f"si1000 needs p <= 0.2 (measurements flip with 5p), got {written(p)}")
        return cls(p, p / 10, 2 * p, 5 * p, p / 10, 2 * p, "si1000")

    @classmethod
    def noiseless(cls) -> NoiseModel:
        """No bulk noise (for interface-only studies).

        Example:
            >>> NoiseModel.noiseless().two_qubit
            0.0
        """
        return cls(name="noiseless")

    @property
    def scale(self) -> float:
        """The model's two-qubit error, used as "the bulk error" in tables and fits.

        Example:
            >>> NoiseModel.si1000(0.002).scale
            0.002
        """
        return self.two_qubit


@dataclass(frozen=True)
class Interface:
    """How the seam between the two QPUs is crossed, and how noisy it is.

    Build with :meth:`direct`, :meth:`teleported`, :meth:`werner` or :meth:`cat`.

    Attributes:
        scheme: ``"direct"``, ``"teleported"`` or ``"cat"``.
        error: ``direct``: DEPOLARIZE2 probability after each seam CNOT (replaces the bulk one).
        bell_diagonal: ``teleported``/``cat``: the pairs' (Phi+, Psi+, Psi-, Phi-).
        gadget_noise: ``teleported``: include the bulk noise of the gadget's own local CNOTs and
            measurements in the seam channel (as :func:`qnsim.remote_cnot` has them).
        explicit: How each teleported seam CNOT (``teleported``, and the seam checks of a ``cat``
            interface that do not share a pair) is written. True (default for both): the gadget
            itself (pair qubits, two measurements, classically controlled X and Z). False: the
            CNOT followed by the gadget's exact Pauli channel as one ``PAULI_CHANNEL_2``. Both
            sample the same statistics at the same speed, but Stim decomposes the channel's seam
            hyperedges for matching less well (a timelike pair becomes two boundary edges that
            each flip the observable), so PyMatching decodes the channel form worse: Z-basis
            memory, p = 1e-3, Werner pairs of infidelity 0.05, 1.5% per round against 1.0% at
            d = 3, 0.39% against 0.33% at d = 5 (infidelity 0.10: 1.5% against 1.3%). The
            gadget costs two scratch qubits per seam CNOT of a layer and two measurement
            records per seam CNOT. ``direct`` interfaces have no pairs: False.
        wait_idle: (p_x, p_y, p_z) applied to every data qubit once per round, for the time the
            round waits for the link (see :mod:`qnsim.qec.link`). Not to the measure qubits: they
            wait reset in ``|0>``, which amplitude damping and dephasing leave alone (the Pauli
            twirl of that decay, :func:`qnsim.qec.memory_pauli_channel`, would flip them with
            ``p_x + p_y``, an error that does not happen); nor to the pairs, which arrive at the end
            of the wait with their storage in ``bell_diagonal``.
        cat_checks: ``cat``: which seam checks use the shared pair, ``"Z"`` (default) or
            ``"XZ"``; the others use teleported CNOTs. In the rotated code an X (Psi) error on the
            pair of an X-type check lands on two data along the seam, which halves the number of
            seam faults a logical error needs (``"XZ"``); Z-type checks spread Z errors across
            logical Z only, so ``"Z"`` keeps the full distance.

    Example:
        >>> Interface.direct(0.05).error
        0.05
        >>> Interface.werner(0.1).bell_diagonal[0]
        0.9
        >>> Interface.teleported((0.9, 0.2, 0.0, 0.0))
        Traceback (most recent call last):
        ...
        ValueError: bell_diagonal must sum to 1 (within the tolerance 1e-09), got [0.9, 0.2, 0.0, 0.0] (sum 1.1)
    """

    scheme: str = "direct"
    error: float = 0.0
    bell_diagonal: tuple[float, float, float, float] | None = None
    gadget_noise: bool = True
    explicit: bool | None = None
    wait_idle: tuple[float, float, float] = field(default=(0.0, 0.0, 0.0))
    cat_checks: str = "Z"

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"Interface.scheme must be one of {SCHEMES}, got {written(self.scheme)}")
        object.__setattr__(self, "scheme", str(self.scheme))  # a NumPy string was kept, and shown, as np.str_
        # A direct seam's error is DEPOLARIZE2's p.
        at_most = DEPOLARIZE2_MAX if self.scheme == "direct" else None
        object.__setattr__(self, "error", probability("Interface.error", self.error, error=ValueError, at_most=at_most))
        if self.scheme != "direct" and self.error != 0:
            # No circuit reads it: Interface("teleported", 0.3, pairs) was built, printed error=0.3 and sampled the
            # pairs' noise alone, a seam 0.3 better than the one asked for.
            raise ValueError(
                f"Interface.error={written(self.error)} is the direct scheme's DEPOLARIZE2 probability; a "
                f"{self.scheme} interface's error is its pairs' infidelity, set by bell_diagonal (leave error at 0)"
            )
        if self.scheme == "direct":
            if self.bell_diagonal is not None:
                raise ValueError("a direct interface has an error probability, not bell_diagonal")
        else:
            if self.bell_diagonal is None:
                raise ValueError(f"a {self.scheme} interface needs bell_diagonal (Phi+, Psi+, Psi-, Phi-)")
            object.__setattr__(self, "bell_diagonal", check_bell_diagonal(self.bell_diagonal))
        # Flags are True or False: gadget_noise="no" would have been truthy, and so "on".
        object.__setattr__(self, "gadget_noise", flag("Interface.gadget_noise", self.gadget_noise, error=ValueError))
        # None: the gadget wherever a CNOT is teleported (its channel form decodes worse, see above).
        explicit = self.scheme != "direct" if self.explicit is None else self.explicit
        object.__setattr__(self, "explicit", flag("Interface.explicit", explicit, error=ValueError))
        if self.explicit and self.scheme == "direct":
            raise ValueError("explicit=True is only for teleported seam CNOTs (the teleported and cat schemes)")
        object.__setattr__(self, "cat_checks", check_cat_checks("Interface.cat_checks", self.cat_checks, self.scheme))
        # Read as every memory channel is: None raised "'NoneType' object is not iterable", a string was read letter
        # by letter, and a NumPy array, which bell_diagonal_after_memory takes, was refused.
        object.__setattr__(self, "wait_idle", check_pauli_channel("Interface.wait_idle", self.wait_idle))

    @classmethod
    def direct(cls, error: float, *, wait_idle: Sequence[float] = (0.0, 0.0, 0.0)) -> Interface:
        """Seam CNOTs done directly, each followed by DEPOLARIZE2(``error``).

        Example:
            >>> Interface.direct(0.1).scheme
            'direct'
        """
        return cls("direct", error, None, wait_idle=wait_idle)

    @classmethod
    def teleported(
        cls,
        bell_diagonal: Sequence[float],
        *,
        gadget_noise: bool = True,
        explicit: bool = True,
        wait_idle: Sequence[float] = (0.0, 0.0, 0.0),
    ) -> Interface:
        """Seam CNOTs teleported through pairs of the given Bell-diagonal state (one pair each).

        ``explicit``: write each as the gadget itself (default) or as its Pauli channel (see the
        class's ``explicit`` attribute: the channel form decodes worse).

        Example:
            >>> Interface.teleported((0.95, 0.02, 0.02, 0.01)).bell_diagonal
            (0.95, 0.02, 0.02, 0.01)
        """
        # Passed as given, read by the constructor's checks: tuple() here took a set of four coefficients in its
        # hashes' order ({0.9, 0.05, 0.03, 0.02} became Psi+ = 0.03, Psi- = 0.05) and a dict by its keys.
        return cls("teleported", 0.0, bell_diagonal, gadget_noise, explicit, wait_idle)

    @classmethod
    def werner(cls, infidelity: float, *, gadget_noise: bool = True, explicit: bool = True) -> Interface:
        """Teleported seam CNOTs through Werner pairs of fidelity ``1 - infidelity``.

        Example:
            >>> Interface.werner(0.03).bell_diagonal
            (0.97, 0.01, 0.01, 0.01)
        """
        # From the infidelity itself: werner(1 - e) kept of e only what 1 - e holds (1.4e-15 came back as 1.44e-15).
        e = check_probability("infidelity", infidelity)
        rest = e / 3.0
        return cls.teleported((1.0 - e, rest, rest, rest), gadget_noise=gadget_noise, explicit=explicit)

    @classmethod
    def cat(
        cls,
        bell_diagonal: Sequence[float],
        *,
        checks: str = "Z",
        gadget_noise: bool = True,
        explicit: bool = True,
        wait_idle: Sequence[float] = (0.0, 0.0, 0.0),
    ) -> Interface:
        """Seam checks of the types in ``checks`` measured through one shared pair per round.

        The other seam checks use teleported CNOTs through the same kind of pair (see
        :mod:`qnsim.qec.circuits` and the ``cat_checks`` attribute), written as the gadget or
        (``explicit=False``) as its Pauli channel, as for :meth:`teleported`.

        Example:
            >>> Interface.cat((0.9, 0.04, 0.03, 0.03), checks="XZ").cat_checks
            'XZ'
        """
        return cls("cat", 0.0, bell_diagonal, gadget_noise, explicit, wait_idle, checks)  # as given (teleported)

    def seam_channel(self, bulk: NoiseModel) -> dict[str, float]:
        """The Pauli channel after each seam CNOT (a ``cat`` interface teleports the rest), first letter: control.

        Args:
            bulk: The bulk noise; its ``two_qubit`` and ``measure`` errors are the teleportation
                gadget's local errors when ``gadget_noise`` is set.

        Returns:
            15 probabilities keyed ``"IX"`` ... ``"ZZ"``.

        Example:
            >>> ch = Interface.werner(0.03, gadget_noise=False).seam_channel(NoiseModel.noiseless())
            >>> round(ch["IX"], 6), round(ch["XI"], 6)
            (0.01, 0.0)
        """
        if not isinstance(bulk, NoiseModel):  # None or a name raised AttributeError "... has no attribute 'two_qubit'"
            raise TypeError(f"bulk must be a qnsim.qec.NoiseModel, got {written(bulk)}")
        if self.scheme == "direct":
            return depolarize2_channel(self.error)
        # teleported, and the seam checks of a cat interface that do not share a pair
        g = bulk.two_qubit if self.gadget_noise else 0.0
        q = bulk.measure if self.gadget_noise else 0.0
        return teleported_cnot_channel(self.bell_diagonal, g, q)

    @property
    def infidelity(self) -> float:
        """Interface error as one number: ``error`` (direct) or ``1 - Phi+`` (pairs).

        Example:
            >>> Interface.werner(0.06).infidelity
            0.06
        """
        if self.scheme == "direct":
            return self.error
        # The error weights summed, not 1 - Phi+: near 1 that difference keeps only the ulps of Phi+.
        return tidy(math.fsum(self.bell_diagonal[1:]))

    def describe(self) -> str:
        """One line for tables: scheme and error.

        Example:
            >>> Interface.direct(0.1).describe()
            'direct p_int=0.1'
        """
        if self.scheme == "direct":
            return f"direct p_int={self.error:g}"
        bd = ", ".join(f"{c:.4g}" for c in self.bell_diagonal)
        extra = "" if math.fsum(self.wait_idle) == 0 else f", wait idle {sum(self.wait_idle):.3g}"
        return f"{self.scheme} pairs ({bd}){extra}"
