"""Closed-form heralded entanglement models and Bell-pair oracles.

A link joins nodes A and B through a heralding station at (or near) the midpoint: each node
entangles a qubit with a photon, the photons meet on a 50:50 beam splitter with a threshold
detector on each output port, and the station announces which detectors fired.
:func:`heralded_link` returns a :class:`LinkModel` with the success probability per attempt, the
attempt period and the delivered two-qubit state. The native core uses it to generate links
(the number of attempts is drawn from a geometric distribution with that probability, then the
state is inserted), and tests use it as an oracle.

Conventions (docs/concepts.md): qubit 0 is node A, the most significant bit of a matrix index; Bell
coefficients are listed as (Phi+, Psi+, Psi-, Phi-); fidelity is <Phi+|rho|Phi+>.

Model (the same for both schemes; "exact" below means exact within this model):

* Each node holds a qubit in sqrt(1 - alpha)|0> + sqrt(alpha)|1>; the bright state |1> emits
  one photon. Per-arm detection probability eta = emission_efficiency x transducer efficiency
  x fiber transmissivity x detector efficiency (loss commutes with the balanced beam splitter
  when both detectors have the same efficiency).
* Detectors do not resolve photon number. A herald is "exactly one detector fired".
* Photon distinguishability: the detector's ``visibility`` V is the Hong-Ou-Mandel visibility
  |<psi_A|psi_B>|^2. Two photons leave by the same port with probability (1 + V)/4 each; a
  single photon's which-path coherence, i.e. the |01><10| term, is multiplied by the amplitude
  overlap sqrt(V) (Barrett-Kok multiplies two such factors, hence V).
* Optical phase noise (single click only): a Gaussian phase of standard deviation sigma
  multiplies the coherence by exp(-sigma^2 / 2). Barrett-Kok is insensitive to phase drift
  slower than an attempt (Barrett & Kok 2005) and ignores it.
* Dark counts: each detector clicks by itself with probability p_dark = 1 - exp(-rate x window) per window; its
  silence, exp(-rate x window), is kept exactly where it is tiny (a link whose detectors dark-count 40 times a
  window heralds about 1e-17 of its attempts, with the emitters' unentangled state), and refused only past the
  double range.
* Transducer noise: arm i's transducer adds thermal light in its photon's own mode; with the loss
  after it, the arm is a thermal-loss channel of transmissivity eta_i whose output holds
  mu_i = transducer efficiency x N_add x fiber transmissivity x detector efficiency noise photons
  for a vacuum input. Its clicks are computed exactly for threshold detectors
  (``_thermal_click_kernel``): the noise interferes with the photon and with the other arm's noise
  on the beam splitter and is correlated between the two ports; partly distinguishable photons
  carry their noise in their own mode. It agrees with a direct Fock-space computation
  (tests/test_physics_audit5.py). Until the fifth physics audit the noise was taken as independent
  clicks of each detector, 1 - 1/(1 + mu_i/2) per arm like dark counts: that overstated the herald
  probability by about 1.1-2 mu (relative) and the fidelity by up to 0.3 mu, mu the noise photons
  per arm (up to 0.4% and 3e-4 for :func:`qnsim.presets.superconducting_transducer_link`, but
  +5% / +0.007 at mu = 0.036 and +14% / +0.023 at mu = 0.18). Noise is incoherent, so a noise
  click that stands in for a lost photon is a false herald: the qubits are left in whatever
  classically correlated state the click conditions them on (mostly |00>, |11>, or a |01>/|10>
  mixture in the raw basis). This is a modelling choice: rather than assume a maximally mixed
  pair, the false-herald state follows from the same emission model, which is what the physics
  gives for emitters whose photons were lost.

Writing rho_0 for the qubits' state before a round and K for the Kraus-diagonal kernel of one
outcome "detector c fires, d does not" (Hadamard product rho_0 o K), the kernel without transducer
noise is, with p = p_dark and eta_A, eta_B the arm efficiencies (with noise: ``_thermal_click_kernel``)::

    K[00,00] = (1-p) p
    K[01,01] = (1-p) (eta_B/2 + (1-eta_B) p)          K[10,10] likewise with eta_A
    K[11,11] = (1-p) (eta_A eta_B (1+V)/4 + (eta_A (1-eta_B) + eta_B (1-eta_A))/2
                      + (1-eta_A)(1-eta_B) p)
    K[01,10] = K[10,01] = (1-p) sqrt(V) c sqrt(eta_A eta_B) / 2,   c = exp(-sigma^2/2)

and all other entries vanish (different photon numbers do not interfere). Detector d gives the
same kernel with K[01,10] negated.

Single click (Cabrillo et al., PRA 59, 1025 (1999); Humphreys et al., Nature 558, 268 (2018)):
one round; success probability 2 tr(rho_0 o K). The raw state is Psi+-like; when detector d
fired, node A applies Z (Psi- -> Psi+); then node B applies X to deliver Phi+. To lowest order
(small eta, no dark counts, eta_A = eta_B = eta, alpha_A = alpha_B = alpha) p = 2 alpha eta and
F = (1 - alpha)(1 + sqrt(V) c)/2, so F -> 1 - alpha for V = 1, c = 1.

Double click (Barrett & Kok, PRA 71, 060310 (2005)): alpha = 1/2 on both nodes, a round,
X on both qubits, a second round, and a herald needs one click in each round. The success
probability is 4 tr(rho_2) where rho_2 = X X (rho_0 o K) X X o K, i.e.
2 (K00 K11 + K01 K10) for |++> inputs: eta_A eta_B / 2 without noise. Same detector twice gives
Psi+, different detectors Psi- (node A applies Z); node B's X then delivers Phi+. Without
noise F = (1 + V)/2.

Transducer noise, calibration against IBM's regime (Dirnegger et al., arXiv 2503.10842, who
find present-day transducers with N_add = 0.5 to sit at the threshold of F = 0.5): in this
model a transducer's signal-to-noise ratio is emission_efficiency / N_add whatever its
efficiency, and for the double-click scheme with perfect emission and V = 1 the raw fidelity
is, with x = N_add / emission_efficiency to lowest order in eta,
F = ((1/2 + x)^2 + 1/4) / (2 (x (1 + x) + (1/2 + x)^2)). That gives F = 0.357 at x = 0.5 and
reaches F = 0.5 at x = (sqrt(2) - 1)/2 = 0.207: this model is somewhat more pessimistic than
IBM's figure (it counts a noise click in either time bin as a false herald and keeps every
herald). :func:`qnsim.presets.superconducting_transducer_link` uses N_add = 0.5.

Not modelled: double excitation of the emitter, photon-number resolving detection, detection
window time in the attempt period, decoherence during the attempt (the core applies memory
noise for the waiting time).

>>> from qnsim.hardware import Detector, Fiber, Source
>>> src = Source(attempt_rate_hz=1e6, emission_efficiency=0.5, bright_state_alpha=0.05)
>>> link = heralded_link("single_click", src, src, Fiber(5.0), Fiber(5.0), Detector(0.9))
>>> round(link.success_probability, 4), round(link.fidelity, 4)
(0.0354, 0.9586)
>>> round(link.attempt_period_s * 1e6, 2)
48.03
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qnsim import _core, _numerics
from qnsim._core import ParameterError
from qnsim._numerics import any_of
from qnsim.argument_checks import (
    PROBABILITY_TOLERANCE,
    bell_coefficients,
    beyond_core_time,
    flag,
    probability,
    real_number,
    real_numbers,
    written,
)
from qnsim.argument_checks import fidelity as fidelity_value
from qnsim.hardware import Detector, Fiber, Source, Transducer
from qnsim.specs import parameter_error, relocated

__all__ = [
    "BELL_NAMES",
    "DOUBLE_CLICK_TIMINGS",
    "SCHEMES",
    "LinkModel",
    "bbpssw",
    "bell_diagonal",
    "bell_diagonal_state",
    "bell_state",
    "check_double_click_timing",
    "dejmps",
    "fidelity",
    "heralded_link",
    "teleportation_fidelity",
    "werner_state",
    "werner_swap_fidelity",
]

SCHEMES: tuple[str, ...] = ("single_click", "double_click")
"""Heralding schemes understood by :func:`heralded_link`."""

#: The attempt timings of a double-click link (see :func:`heralded_link`).
DOUBLE_CLICK_TIMINGS: tuple[str, ...] = ("both_rounds", "second_on_herald")

BELL_NAMES: tuple[str, ...] = ("phi+", "psi+", "psi-", "phi-")
"""Bell state names in the coefficient order of docs/concepts.md."""

_S = 1.0 / math.sqrt(2.0)
_BELL_KETS = {
    "phi+": np.array([_S, 0.0, 0.0, _S], dtype=complex),
    "psi+": np.array([0.0, _S, _S, 0.0], dtype=complex),
    "psi-": np.array([0.0, _S, -_S, 0.0], dtype=complex),
    "phi-": np.array([_S, 0.0, 0.0, -_S], dtype=complex),
}
# Rows are <Phi+|, <Psi+|, <Psi-|, <Phi-| (kets are real).
_BELL_BASIS = np.array([_BELL_KETS[name].real for name in BELL_NAMES])

_X = np.array([[0.0, 1.0], [1.0, 0.0]])
_I2 = np.eye(2)
_X_ON_B = np.kron(_I2, _X)
_XX = np.kron(_X, _X)


# --- Bell-pair helpers -----------------------------------------------------------------------------


def _bell_name(what: str, name: object) -> str:
    """``name`` as one of :data:`BELL_NAMES`, read in any case: the package's one reader of a Bell state's name
    (:func:`bell_state` and :func:`fidelity` each had their own). The native registry's ``fidelity`` reads the
    same names in any case (a native reader of its own)."""
    key = name.lower() if isinstance(name, str) else None
    if key not in _BELL_KETS:
        raise ValueError(f"{what} must be one of {BELL_NAMES}, got {written(name)}")
    return key


def bell_state(name: str, *, ket: bool = False) -> np.ndarray:
    """The Bell state ``name`` as a 4x4 density matrix (or a length-4 ket).

    Args:
        name: One of ``"phi+"``, ``"psi+"``, ``"psi-"``, ``"phi-"`` (case-insensitive).
        ket: Return the state vector instead of the density matrix.

    Returns:
        complex128 array, qubit 0 the most significant bit.

    Example:
        >>> bell_state("Phi+", ket=True).real.round(4)
        array([0.7071, 0.    , 0.    , 0.7071])
        >>> float(bell_state("psi-")[1, 2].real.round(12))
        -0.5
    """
    v = _BELL_KETS[_bell_name("bell_state name", name)].copy()
    return v if flag("ket", ket) else np.outer(v, v.conj())


def bell_diagonal_state(coefficients: Sequence[float]) -> np.ndarray:
    """The Bell-diagonal density matrix with the given (Phi+, Psi+, Psi-, Phi-) weights.

    Example:
        >>> np.allclose(bell_diagonal_state([1, 0, 0, 0]), bell_state("phi+"))
        True
    """
    c = _check_bell_coefficients("bell_diagonal_state coefficients", coefficients)
    # Natively, each sum in index order: numpy's `@` is the CPU's BLAS kernel's (an FMA kernel moved last bits).
    return _core.ordered_matmul(_BELL_BASIS.T * c, _BELL_BASIS) + 0j


def werner_state(fidelity: float) -> np.ndarray:
    """Werner state F |Phi+><Phi+| + (1-F)/3 (the other three Bell projectors).

    Args:
        fidelity: F in [0, 1].

    Example:
        >>> rho = werner_state(0.25)
        >>> np.allclose(rho, np.eye(4) / 4)
        True
    """
    f = _check_probability("werner_state fidelity", fidelity)
    return bell_diagonal_state([f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3])


def bell_diagonal(rho: np.ndarray) -> np.ndarray:
    """Diagonal of a two-qubit state in the Bell basis, order (Phi+, Psi+, Psi-, Phi-).

    These are the weights of the Bell-twirled state; they sum to tr(rho) (a linear map: an
    unnormalized Hermitian operator is read as one).

    Raises:
        ValueError: ``rho`` is not a 4 x 4 Hermitian matrix (the weights of a non-Hermitian one
            are complex: their real parts alone were returned).

    Example:
        >>> bell_diagonal(werner_state(0.7)).round(3)
        array([0.7, 0.1, 0.1, 0.1])
    """
    r = _check_two_qubit_matrix(rho)
    skew = float(np.max(np.abs(r - r.conj().T)))
    if skew > 1e-9:
        raise ValueError(f"bell_diagonal needs a Hermitian matrix, got one with max |rho - rho^dag| = {skew:.3g}")
    return _bell_weights(r)


def _bell_weights(r: np.ndarray) -> np.ndarray:
    """The Bell-basis diagonal of a checked 4 x 4 matrix (no state check: the package's own states)."""
    # Natively, each sum in index order: numpy's einsum picks its SIMD loop by CPU, and its sums' order with it.
    return np.diag(_core.ordered_matmul(_core.ordered_matmul(_BELL_BASIS, r), _BELL_BASIS.T)).real.copy()


def _check_state(rho: np.ndarray) -> np.ndarray:
    """``rho`` as a 4 x 4 state, checked and clipped as the engines read one: a matrix off a state by no more than
    ``PROBABILITY_TOLERANCE`` (an eigenvalue of -5e-10, a trace of 1 + 5e-10) is its Hermitian part with the negative
    eigenvalues set to 0, divided by its trace; a state up to rounding is kept exactly as given."""
    simulator = _core.DensityMatrixSimulator(2)
    simulator.set_density_matrix(_check_two_qubit_matrix(rho).astype(complex))
    return simulator.density_matrix()


def fidelity(rho: np.ndarray, target: str = "phi+") -> float:
    """Fidelity <B|rho|B> of a two-qubit state with the Bell state ``target`` (default Phi+).

    Example:
        >>> round(fidelity(werner_state(0.9)), 12)
        0.9
        >>> round(fidelity(bell_state("psi+"), "psi+"), 12)
        1.0
    """
    key = _bell_name("fidelity target", target)
    # A state, checked as the engines check one (Hermitian, trace 1, PSD): a fidelity of 5 for
    # 5 * I is not an answer.
    r = _check_state(rho)
    return float(_bell_weights(r)[BELL_NAMES.index(key)])


# --- protocol oracles ------------------------------------------------------------------------------


def werner_swap_fidelity(f1: float, f2: float) -> float:
    """Fidelity after an ideal entanglement swap of two Werner pairs.

    F = F1 F2 + (1 - F1)(1 - F2)/3: the swap composes the two pairs' Pauli errors, and the
    result is again a Werner state (e.g. Briegel et al., PRL 81, 5932 (1998)).

    Example:
        >>> round(werner_swap_fidelity(0.9, 0.9), 6)
        0.813333
    """
    a = _check_probability("werner_swap_fidelity f1", f1)
    b = _check_probability("werner_swap_fidelity f2", f2)
    return a * b + (1 - a) * (1 - b) / 3


def teleportation_fidelity(f: float) -> float:
    """Average fidelity (2F + 1)/3 of teleporting a qubit through a Werner pair of fidelity F.

    Horodecki et al., PRA 60, 1888 (1999): average over pure inputs of the teleported state (with the
    standard Pauli corrections it holds for any pair whose Phi+ fidelity is F). For a network's pair, F
    must be the pair as the receiver corrects: a native delivery's fidelity is taken when each end holds
    its herald and swap news, before the receiver waits for the sender's two bits, so it overstates a
    teleported qubit's fidelity by that wait's decay (docs/concepts.md, "Teleporting a qubit through a
    delivered pair", records it with a :class:`qnsim.Protocol`). F must also be the exact pair's: under memory T1
    a ``bell_diagonal`` or ``stabilizer`` run's pair is the twirled one, gamma_a gamma_b / 4 lower for a
    Bell-diagonal link (the run's T1 note), and (2F + 1)/3 of it understates the teleported qubit by a third of that.

    Example:
        >>> teleportation_fidelity(1.0), teleportation_fidelity(0.25)
        (1.0, 0.5)
    """
    x = _check_probability("teleportation_fidelity f", f)
    return (2 * x + 1) / 3


def bbpssw(f: float) -> tuple[float, float]:
    """One round of BBPSSW recurrence purification on two Werner pairs of fidelity F.

    Bennett et al., PRL 76, 722 (1996): bilateral CNOT (pair 1 controls pair 2), measure pair 2
    in Z on both sides, keep pair 1 if the results agree. With e = (1 - F)/3::

        p = F^2 + 2 F e + 5 e^2,    F' = (F^2 + e^2) / p

    The kept pair is not Werner; re-twirling it gives a Werner state of fidelity F'.

    Returns:
        (F', p): output fidelity and success probability.

    Example:
        >>> f_out, p = bbpssw(0.8)
        >>> round(f_out, 4), round(p, 4)
        (0.8382, 0.7689)
    """
    x = _check_probability("bbpssw f", f)
    e = (1 - x) / 3
    p = x * x + 2 * x * e + 5 * e * e
    return (x * x + e * e) / p, p


def dejmps(bell_diag_1: Sequence[float], bell_diag_2: Sequence[float]) -> tuple[np.ndarray, float]:
    """One round of DEJMPS purification on two Bell-diagonal pairs.

    Deutsch et al., PRL 77, 2818 (1996): node A applies Rx(pi/2), node B Rx(-pi/2) to both of
    its qubits, then a bilateral CNOT (pair 1 controls pair 2), Z measurements of pair 2, keep
    pair 1 if the results agree. Coefficients in and out are in the order of docs/concepts.md
    (Phi+, Psi+, Psi-, Phi-) = (A, C, B, D) of the paper, whose recurrence reads::

        N  = (A1 + B1)(A2 + B2) + (C1 + D1)(C2 + D2)
        A' = (A1 A2 + B1 B2)/N,   B' = (C1 D2 + D1 C2)/N
        C' = (C1 C2 + D1 D2)/N,   D' = (A1 B2 + B1 A2)/N

    Args:
        bell_diag_1: Weights of the kept pair, order (Phi+, Psi+, Psi-, Phi-), summing to 1.
        bell_diag_2: Weights of the sacrificed pair.

    Returns:
        (weights_out, p): the kept pair's Bell-diagonal weights and the success probability. When
        p = 0 (the outcomes never agree) no pair is kept and the weights are (1, 0, 0, 0), as the
        native round (:func:`qnsim.bell_diagonal_purify`) reports them.

    Example:
        >>> out, p = dejmps([0.8, 0.1, 0.05, 0.05], [0.8, 0.1, 0.05, 0.05])
        >>> out.round(4), round(p, 4)
        (array([0.8624, 0.0168, 0.0134, 0.1074]), 0.745)
    """
    phi_p1, psi_p1, psi_m1, phi_m1 = _check_bell_coefficients("dejmps bell_diag_1", bell_diag_1)
    phi_p2, psi_p2, psi_m2, phi_m2 = _check_bell_coefficients("dejmps bell_diag_2", bell_diag_2)
    a1, b1, c1, d1 = phi_p1, psi_m1, psi_p1, phi_m1
    a2, b2, c2, d2 = phi_p2, psi_m2, psi_p2, phi_m2
    n = (a1 + b1) * (a2 + b2) + (c1 + d1) * (c2 + d2)
    if n == 0:
        # The outcomes never agree (e.g. Phi+ with Psi+): no pair is kept. 0/0 gave four NaN weights and a
        # RuntimeWarning; the native round (qnsim.bell_diagonal_purify) reports (1, 0, 0, 0) with p = 0.
        return np.array([1.0, 0.0, 0.0, 0.0]), 0.0
    a = (a1 * a2 + b1 * b2) / n
    b = (c1 * d2 + d1 * c2) / n
    c = (c1 * c2 + d1 * d2) / n
    d = (a1 * b2 + b1 * a2) / n
    return np.array([a, c, b, d]), float(n)


# --- heralded links ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkModel:
    """What a heralded link delivers, per attempt.

    Attributes:
        scheme: ``"single_click"`` or ``"double_click"``.
        success_probability: Herald probability per attempt, multiplexing included:
            1 - (1 - p_mode)^num_modes.
        attempt_period_s: Duration of one attempt in seconds (see :func:`heralded_link`).
        state: 4x4 complex density matrix of the delivered pair after the Pauli corrections
            to Phi+ (qubit 0 = node A, most significant bit). Read-only.
        bell_diagonal: Bell-basis weights of ``state``, order (Phi+, Psi+, Psi-, Phi-).
        fidelity: <Phi+|state|Phi+>.
        mode_success_probability: Herald probability of one mode of one attempt (information: the
            network runs ``success_probability``).
        first_round_probability: Double click with ``"second_on_herald"`` timing: probability
            that the first round of an attempt heralds (only then is the second round played;
            ``attempt_period_s`` is then one round). 0: every attempt takes ``attempt_period_s``.
        arm_lengths_km: The fiber lengths (A to the station, B to the station) in km, or None (a model built
            by hand: the station is taken at the midpoint of the link's ``length_km``). A network link of this
            model must have ``length_km`` equal to their sum.
        arm_delays_s: The one-way light times of those arms in s (None with ``arm_lengths_km``). A network
            link times each end's herald from them (see :func:`qnsim.link_builder.build_link`).
        emission_delay_s: Emission delay of the slower source in s, counted in each end's herald delay
            (0 for a model built by hand).

    Built by hand (a link model of your own, or a scenario's ``link_model`` table), the pair is
    given once: its ``state``, or its ``bell_diagonal`` (the Bell-diagonal state of those
    weights), or its ``fidelity`` alone (the Werner state F |Phi+><Phi+| + (1-F)/3 on the other
    three); the figures not given are derived from it, and figures given together must agree.
    ``mode_success_probability`` defaults to ``success_probability`` (one mode per attempt).

    Raises:
        ValueError: Built by hand (or from a scenario's ``link_model`` table) with an unknown
            scheme, a probability outside [0, 1], a period that is not > 0, no pair (none of
            ``state``, ``bell_diagonal``, ``fidelity``), a state that is not a two-qubit density
            matrix, or a ``bell_diagonal``/``fidelity`` that is not the state's.
        TypeError: A figure that is not a number.

    Example:
        >>> from qnsim.hardware import Detector, Fiber, Source
        >>> src = Source(attempt_rate_hz=1e6, emission_efficiency=1.0)
        >>> link = heralded_link("double_click", src, src, Fiber(0.0), Fiber(0.0), Detector(1.0))
        >>> link.success_probability, round(link.fidelity, 12), link.rate_hz
        (0.5, 1.0, 250000.0)
        >>> mine = LinkModel("single_click", success_probability=1e-3, attempt_period_s=1e-6, fidelity=0.97)
        >>> [round(w, 12) for w in mine.bell_diagonal], mine.mode_success_probability, round(mine.rate_hz, 6)
        ([0.97, 0.01, 0.01, 0.01], 0.001, 1000.0)
    """

    scheme: str
    success_probability: float
    attempt_period_s: float
    # The pair: one of state, bell_diagonal, fidelity suffices (the others are derived in __post_init__).
    state: np.ndarray = field(default=None, repr=False, compare=False)  # type: ignore[assignment]
    bell_diagonal: tuple[float, float, float, float] = None  # type: ignore[assignment]
    fidelity: float = None  # type: ignore[assignment]
    mode_success_probability: float = None  # type: ignore[assignment]
    first_round_probability: float = 0.0
    # Where the station sits: a model from heralded_link(fiber_a=Fiber(2), fiber_b=Fiber(18)) carried no arms, and a
    # network link of it timed both heralds as if the station were at the midpoint of length_km.
    arm_lengths_km: tuple[float, float] | None = None
    arm_delays_s: tuple[float, float] | None = None
    emission_delay_s: float = 0.0

    def __post_init__(self) -> None:
        # A model built by hand (or read from a scenario's link_model table) is checked as
        # heralded_link's output is made: its figures are probabilities and a period, and its
        # fidelity and Bell diagonal are those of its state (a network runs the state, while
        # results and routing read the fidelity: disagreeing figures would be a silent lie).
        if self.scheme not in SCHEMES:
            raise ValueError(f"LinkModel.scheme must be one of {SCHEMES}, got {written(self.scheme)}")
        if self.mode_success_probability is None:  # one mode per attempt
            object.__setattr__(self, "mode_success_probability", self.success_probability)
        for name in ("success_probability", "mode_success_probability", "first_round_probability"):
            object.__setattr__(self, name, probability(f"LinkModel.{name}", getattr(self, name)))
        period = real_number(
            "LinkModel.attempt_period_s", self.attempt_period_s, minimum=0.0, exclusive_minimum=True, unit="s"
        )
        if beyond_core_time(period):
            # The core holds the period in int64 picoseconds: a model of 1e30 s was taken, refused only by a link.
            raise ValueError(
                f"LinkModel.attempt_period_s = {written(period)} s is beyond the int64 picosecond range (about 106 "
                "days) the core holds times in"
            )
        object.__setattr__(self, "attempt_period_s", period)
        self._check_arms()
        if self.state is None:
            # A hand-built model had to repeat its pair four ways (state, Bell diagonal, fidelity): one suffices.
            if self.bell_diagonal is not None:
                given = bell_diagonal_state(_check_bell_coefficients("LinkModel.bell_diagonal", self.bell_diagonal))
            elif self.fidelity is not None:
                f = fidelity_value("LinkModel.fidelity", self.fidelity)
                given = werner_state(f)
                object.__setattr__(self, "bell_diagonal", (f, *((1.0 - f) / 3,) * 3))
            else:
                raise ValueError(
                    "LinkModel needs the delivered pair: give its state, its bell_diagonal (Phi+, Psi+, Psi-, Phi-) "
                    "or its fidelity (a Werner pair)"
                )
            object.__setattr__(self, "state", given)
        try:
            state = _check_state(self.state)  # Hermitian, trace 1, PSD; clipped within the tolerance
        except ValueError as exc:
            raise ValueError(f"LinkModel.state: {exc}") from None
        state.flags.writeable = False
        object.__setattr__(self, "state", state)
        of_state = _bell_weights(state)
        if self.bell_diagonal is None:
            object.__setattr__(self, "bell_diagonal", tuple(float(x) for x in of_state))
        diagonal = _check_bell_coefficients("LinkModel.bell_diagonal", self.bell_diagonal)
        if np.max(np.abs(diagonal - of_state)) > PROBABILITY_TOLERANCE:
            raise ValueError(
                f"LinkModel.bell_diagonal {tuple(diagonal.tolist())} is not the Bell diagonal of its state "
                f"{tuple(np.round(of_state, 12).tolist())}"
            )
        object.__setattr__(self, "bell_diagonal", tuple(float(x) for x in diagonal))
        given_fidelity = float(diagonal[0]) if self.fidelity is None else self.fidelity
        pair_fidelity = fidelity_value("LinkModel.fidelity", given_fidelity)
        if abs(pair_fidelity - diagonal[0]) > PROBABILITY_TOLERANCE:
            raise ValueError(
                f"LinkModel.fidelity {written(pair_fidelity)} is not the Phi+ weight of its state "
                f"{written(float(of_state[0]))}"
            )
        object.__setattr__(self, "fidelity", pair_fidelity)

    def _check_arms(self) -> None:
        """Reads the station's position (both arms' lengths and light times, or neither) and the emission delay."""
        if (self.arm_lengths_km is None) != (self.arm_delays_s is None):
            given, missing = (
                ("arm_lengths_km", "arm_delays_s") if self.arm_delays_s is None else ("arm_delays_s", "arm_lengths_km")
            )
            raise ValueError(
                f"LinkModel.{given} = {written(getattr(self, given))} needs {missing} too (the station's arms: both "
                "or neither)"
            )
        for name, unit in (("arm_lengths_km", "km"), ("arm_delays_s", "s")):
            value = getattr(self, name)
            if value is None:
                continue
            arms = real_numbers(f"LinkModel.{name}", value, minimum=0.0, unit=unit)
            if len(arms) != 2:
                raise ValueError(f"LinkModel.{name} must hold two values (arm a, arm b), got {written(value)}")
            object.__setattr__(self, name, arms)
        delay = real_number("LinkModel.emission_delay_s", self.emission_delay_s, minimum=0.0, unit="s")
        for name, seconds in (
            ("emission_delay_s", delay),
            *((f"arm_delays_s[{side}]", arm) for side, arm in enumerate(self.arm_delays_s or ())),
        ):
            if beyond_core_time(seconds):
                # Each end's herald delay is made of them: a link would refuse it, naming a delay never given.
                raise ValueError(
                    f"LinkModel.{name} = {written(seconds)} s is beyond the int64 picosecond range (about 106 days) "
                    "the core holds times in"
                )
        object.__setattr__(self, "emission_delay_s", delay)

    @property
    def rate_hz(self) -> float:
        """Mean heralded pair rate in Hz: p / T, or p / (T (1 + q1)) when the second round of a
        double-click attempt is only played after a first-round herald (probability q1)."""
        return self.success_probability / (self.attempt_period_s * (1.0 + self.first_round_probability))


def check_double_click_timing(timing: object, scheme: str, whence: str = "") -> str:
    """``timing`` as a link's ``double_click_timing`` under ``scheme``: one of :data:`DOUBLE_CLICK_TIMINGS`, and
    other than the default only for the double_click scheme. :func:`heralded_link` and the network's link builder
    (whose ``whence`` says where the link's scheme came from, " (from the preset 'nv_near_term')") both check it here.

    Raises:
        qnsim.ParameterError: (a ValueError) naming ``double_click_timing`` and its value.

    Example:
        >>> check_double_click_timing("second_on_herald", "single_click", " (the default)")
        Traceback (most recent call last):
        ...
        qnsim._core.ParameterError: double_click_timing = 'second_on_herald' applies to the double_click scheme; ...
    """
    if not isinstance(timing, str) or timing not in DOUBLE_CLICK_TIMINGS:
        raise parameter_error("double_click_timing", f"must be one of {DOUBLE_CLICK_TIMINGS}, got {written(timing)}")
    if timing != "both_rounds" and scheme != "double_click":
        # A single-click attempt is one round: the timing was taken and the model made as if it had not been given.
        raise parameter_error(
            "double_click_timing",
            f"= {written(timing)} applies to the double_click scheme; this link's scheme is {scheme!r}{whence}, "
            "whose attempt has one round (leave it at 'both_rounds')",
        )
    return timing


def heralded_link(
    scheme: str,
    source_a: Source,
    source_b: Source,
    fiber_a: Fiber,
    fiber_b: Fiber,
    detector: Detector,
    transducer_a: Transducer | None = None,
    transducer_b: Transducer | None = None,
    *,
    phase_std_rad: float = 0.0,
    double_click_timing: str = "both_rounds",
) -> LinkModel:
    """Closed-form model of a heralded link between nodes A and B through a midpoint station.

    See the module docstring for the physical model and its sources.

    Timing: a round takes max(emission delays) + 2 max(fiber delays) (photon to the station,
    herald back), and no faster than the slowest of the sources' attempt rates and the
    transducers' repetition rates and bandwidths allow. Single click uses one round per attempt,
    double click (Barrett-Kok) two. Multiplexing: min(num_modes) independent modes per attempt.
    The station need not sit at the midpoint: the model keeps both arms (``arm_lengths_km``,
    ``arm_delays_s``) and the emission delay, from which a network link of it times each end's herald
    (``fiber_a`` is the arm to the link's first node, ``a`` of :meth:`qnsim.Network.add_link`).

    Double-click timing: ``"both_rounds"`` (the default) charges both rounds to every attempt,
    period 2 T, rate p / 2T: the emitters play the second round without waiting to hear whether
    the first heralded, as experiments whose herald round trip exceeds the round separation do.
    ``"second_on_herald"`` plays the second round only after a first-round herald (probability
    q1 per attempt): period T, mean time per success T (1 + q1) / p, a rate up to twice as high
    for lossy links (q1 small), at the price of waiting for the first herald. The default keeps
    the conservative timing that published rate comparisons assume.

    Args:
        scheme: ``"single_click"`` or ``"double_click"``.
        source_a: Node A's emitter (its ``bright_state_alpha`` is used by single click).
        source_b: Node B's emitter.
        fiber_a: Fiber from A to the station.
        fiber_b: Fiber from B to the station.
        detector: The station's detectors (both ports alike).
        transducer_a: Microwave-optical transducer at A, or None (optical emitter).
        transducer_b: Same at B.
        phase_std_rad: Standard deviation of the optical phase between the arms, radians
            (single click only).
        double_click_timing: ``"both_rounds"`` or ``"second_on_herald"`` (see above).

    Returns:
        The :class:`LinkModel`.

    Raises:
        ValueError: An attempt period beyond the int64 picoseconds the simulator holds times in (about 106 days),
            naming the rate or delay that sets it; noise or losses beyond what double precision computes, naming
            the figures.

    Example:
        >>> from qnsim.hardware import Detector, Fiber, Source, Transducer
        >>> src = Source(attempt_rate_hz=1e6, emission_efficiency=0.9)
        >>> t = Transducer(efficiency=0.5, added_noise_photons=0.0)
        >>> link = heralded_link("double_click", src, src, Fiber(5), Fiber(5), Detector(0.9), t, t)
        >>> round(link.fidelity, 6), round(link.success_probability, 5)
        (1.0, 0.05175)
    """
    if scheme not in SCHEMES:
        raise ValueError(f"heralded_link scheme must be one of {SCHEMES}, got {written(scheme)}")
    for name, value, kind in (
        ("source_a", source_a, Source),
        ("source_b", source_b, Source),
        ("fiber_a", fiber_a, Fiber),
        ("fiber_b", fiber_b, Fiber),
        ("detector", detector, Detector),
    ):
        if not isinstance(value, kind):
            raise TypeError(f"heralded_link {name} must be a {kind.__name__}, got {written(value)}")
    for name, value in (("transducer_a", transducer_a), ("transducer_b", transducer_b)):
        if value is not None and not isinstance(value, Transducer):
            raise TypeError(f"heralded_link {name} must be a Transducer or None, got {written(value)}")
    try:
        check_double_click_timing(double_click_timing, scheme)
    except ParameterError as exc:
        raise relocated(exc, "heralded_link") from None
    # float() read True as 1 rad and "0.1" as 0.1 rad: the one number reader refuses both.
    sigma = real_number("heralded_link phase_std_rad", phase_std_rad, minimum=0.0, unit="rad")

    p_dark = _click_probability_without_photon(detector, (transducer_a, fiber_a), (transducer_b, fiber_b))
    eta_a, eta_b = _arm_efficiencies(
        (source_a, transducer_a, fiber_a), (source_b, transducer_b, fiber_b), detector, p_dark
    )
    q_dark = _no_dark_count(p_dark, detector)
    # A herald this improbable is the detectors' silence lost (dark counts saturating them: "shorten the fiber" was
    # the advice for 700 dark counts per window) or the photons lost.
    way_out = (
        f"lower the detector's dark counts: dark_count_rate_hz x detection_window_s = "
        f"{written(detector.dark_count_rate_hz * detector.detection_window_s)} per window"
        if q_dark < 0.5
        else "shorten the fiber or lower its attenuation"
    )
    overlap = math.sqrt(detector.visibility)
    noise = (_noise_photons(transducer_a, fiber_a, detector), _noise_photons(transducer_b, fiber_b, detector))

    # The kernel is scaled by a power of two near its largest entry before any product of kernels: at
    # 10^4 km an arm's efficiency is 1e-100 and a double-click product 1e-400, which underflowed to 0
    # (a success probability of 0 and the maximally mixed placeholder for a perfect state). A power of
    # two scales exactly, so links whose figures never came near the double range keep them bit for bit.
    if scheme == "single_click":
        coherence = overlap * _numerics.exp(-0.5 * sigma * sigma)
        kernel, scale = _scaled(
            _click_kernel(eta_a, eta_b, p_dark, q_dark, detector.visibility, coherence)
            if noise == (0.0, 0.0)
            else _thermal_click_kernel((eta_a, eta_b), noise, detector, _numerics.exp(-0.5 * sigma * sigma))
        )
        rho0 = np.kron(_bright_state(source_a.bright_state_alpha), _bright_state(source_b.bright_state_alpha))
        raw = rho0 * kernel
        p_mode = _unscaled(2.0 * float(np.trace(raw).real), scale, 1, scheme, way_out)
        rounds = 1
    else:
        kernel, scale = _scaled(
            _click_kernel(eta_a, eta_b, p_dark, q_dark, detector.visibility, overlap)
            if noise == (0.0, 0.0)
            else _thermal_click_kernel((eta_a, eta_b), noise, detector, 1.0)
        )
        rho0 = np.full((4, 4), 0.25)
        raw = (_XX @ (rho0 * kernel) @ _XX) * kernel
        p_mode = _unscaled(4.0 * float(np.trace(raw).real), scale, 2, scheme, way_out)
        # One click (either detector) in the first round, whatever follows.
        p_first_mode = _unscaled(2.0 * float(np.trace(rho0 * kernel).real), scale, 1, scheme, way_out)
        rounds = 2

    if not math.isfinite(p_mode):
        # Only the thermal kernel can get here: noise photons past ~1e154 per mode overflow its product of the two
        # arms' noise (mu_a mu_b), and its NaN was refused as "LinkModel.mode_success_probability must be finite,
        # got nan", a figure the user never gave.
        added = [f"transducer_{side}.added_noise_photons = {written(t.added_noise_photons)}"
                 for side, t in (("a", transducer_a), ("b", transducer_b)) if t is not None]  # fmt: skip
        raise ValueError(
            f"heralded_link: {' and '.join(added)} bring {written(noise[0])} and {written(noise[1])} noise photons "
            "per mode to the detectors, beyond what the noise model computes in double precision (their product "
            "overflows)"
        )
    if p_mode <= 0.0:
        # Nothing can herald (zero efficiency and no dark counts): success_probability is 0,
        # and the state, never delivered, is a maximally mixed placeholder.
        state = np.eye(4, dtype=complex) / 4
    else:
        state = (_X_ON_B @ raw @ _X_ON_B) / np.trace(raw).real + 0j
    state.setflags(write=False)

    modes = min(source_a.num_modes, source_b.num_modes)
    p_attempt = -_numerics.expm1(modes * _numerics.log1p(-p_mode)) if p_mode < 1.0 else 1.0

    round_s = max(source_a.emission_delay_s, source_b.emission_delay_s) + 2.0 * max(
        fiber_a.delay_s, fiber_b.delay_s
    )
    limits = {f"source_{side}.attempt_rate_hz": source.attempt_rate_hz for side, source in (("a", source_a),
                                                                                          ("b", source_b))}
    for side, t in (("a", transducer_a), ("b", transducer_b)):
        if t is not None:
            limits |= {f"transducer_{side}.repetition_rate_hz": t.repetition_rate_hz,
                       f"transducer_{side}.bandwidth_hz": t.bandwidth_hz}  # fmt: skip
    period_s = rounds * max(round_s, 1.0 / min(limits.values()))
    _check_attempt_period(period_s, rounds, round_s, limits, (source_a, source_b), (fiber_a, fiber_b))
    first_round = 0.0
    if scheme == "double_click" and double_click_timing == "second_on_herald":
        period_s /= 2
        p_first = min(1.0, max(p_first_mode, p_mode))
        first_round = -_numerics.expm1(modes * _numerics.log1p(-p_first)) if p_first < 1.0 else 1.0
        first_round = max(first_round, p_attempt)

    diag = _bell_weights(state)
    return LinkModel(
        scheme=scheme,
        success_probability=p_attempt,
        attempt_period_s=period_s,
        state=state,
        bell_diagonal=tuple(float(x) for x in diag),
        fidelity=float(diag[0]),
        mode_success_probability=p_mode,
        first_round_probability=first_round,
        arm_lengths_km=(fiber_a.length_km, fiber_b.length_km),
        arm_delays_s=(fiber_a.delay_s, fiber_b.delay_s),
        emission_delay_s=max(source_a.emission_delay_s, source_b.emission_delay_s),
    )


#: The longest time the simulator holds: int64 picoseconds (about 106 days).
_LONGEST_TIME_S = (2**63 - 1) / 1e12


def _check_attempt_period(
    period_s: float,
    rounds: int,
    round_s: float,
    limits: dict[str, float],
    sources: tuple[Source, Source],
    fibers: tuple[Fiber, Fiber],
) -> None:
    """Refuses an attempt period no simulation holds, naming the figure that sets it.

    A source's attempt_rate_hz = 1e-320 made the period 1 / 1e-320 = inf, refused as "LinkModel.attempt_period_s
    must be finite, got inf", and an emission_delay_s = 1e308 as "attempt_period_s = 1e+308 s exceeds the int64
    picosecond range": both named a period the user never gave.
    """
    if period_s <= _LONGEST_TIME_S:
        return
    slowest = min(limits, key=limits.__getitem__)
    if rounds / limits[slowest] >= rounds * round_s:
        cause = f"the slowest rate, {slowest} = {written(limits[slowest])} Hz,"
    else:
        delays = {f"source_{side}.emission_delay_s = {written(source.emission_delay_s)} s": source.emission_delay_s
                  for side, source in zip("ab", sources)}  # fmt: skip
        delays |= {f"fiber_{side}.length_km = {written(fiber.length_km)} km (light time {written(fiber.delay_s)} s)":
                   2.0 * fiber.delay_s for side, fiber in zip("ab", fibers)}  # fmt: skip
        cause = max(delays, key=delays.__getitem__)
    raise ValueError(
        f"heralded_link: {cause} gives an attempt period of {period_s:.6g} s, beyond the int64 picosecond range "
        "the simulator holds times in (about 106 days)"
    )


def _arm_efficiencies(
    arm_a: tuple[Source, Transducer | None, Fiber],
    arm_b: tuple[Source, Transducer | None, Fiber],
    det: Detector,
    p_dark: float,
) -> tuple[float, float]:
    """Per-arm detection probabilities (emission x transducer x fiber x detector).

    An arm whose efficiency is below the double range (an arm of ~15,000 km at 0.2 dB/km) is kept
    at 0 only when the other arm or the dark counts outweigh it by more than double precision
    can tell; otherwise the link's figures would be those of a link without it (the product
    underflowed to 0 and read as "never heralds"), so it is refused, naming the efficiency.

    Raises:
        ValueError: Both arms (and the dark counts) below the double range.
    """
    logs = [_log10_arm_efficiency(*arm, det) for arm in (arm_a, arm_b)]
    etas = [_arm_efficiency(*arm, det) for arm in (arm_a, arm_b)]
    largest = max(*etas, p_dark)
    for side, (eta, log10_eta) in enumerate(zip(etas, logs)):
        if log10_eta == -math.inf or eta >= sys.float_info.min:
            continue
        if largest >= sys.float_info.min and log10_eta < math.log10(largest) + math.log10(sys.float_info.epsilon):
            etas[side] = 0.0  # below rounding against what else clicks
            continue
        raise ValueError(
            f"heralded_link: arm {'ab'[side]}'s detection efficiency is about {_tiny(log10_eta)}, below the "
            f"smallest double ({sys.float_info.min:.3g}) with nothing else to herald: the link's success "
            "probability cannot be represented (shorten the fiber or lower its attenuation)"
        )
    return etas[0], etas[1]


def _tiny(log10_value: float) -> str:
    """A number below the double range, from its log10: ``1e-2000``; an exponent too long to print in
    full as ``10^(-2e+299)`` (a 1e300 km fiber's efficiency was printed with its exponent's 301 digits)."""
    if abs(log10_value) < 1e6:
        return f"1e{log10_value:.0f}"
    return f"10^({log10_value:.3g})"


def _arm_efficiency(source: Source, transducer: Transducer | None, fiber: Fiber, det: Detector) -> float:
    eta_t = 1.0 if transducer is None else transducer.efficiency
    return source.emission_efficiency * eta_t * fiber.transmissivity * det.efficiency


def _log10_arm_efficiency(source: Source, transducer: Transducer | None, fiber: Fiber, det: Detector) -> float:
    """log10 of :func:`_arm_efficiency`, without underflow (-inf when a factor is 0)."""
    factors = [source.emission_efficiency, det.efficiency, 1.0 if transducer is None else transducer.efficiency]
    if min(factors) <= 0:
        return -math.inf
    return sum(math.log10(f) for f in factors) - fiber.attenuation_db_per_km * fiber.length_km / 10.0


def _scaled(kernel: np.ndarray) -> tuple[np.ndarray, float]:
    """``kernel`` divided by the power of two at or below its largest entry (exact), and that power."""
    top = float(np.max(np.abs(kernel)))
    if top == 0.0:
        return kernel, 1.0
    scale = math.ldexp(1.0, math.frexp(top)[1] - 1)
    return kernel / scale, scale


def _unscaled(value: float, scale: float, power: int, scheme: str, way_out: str) -> float:
    """``value * scale**power``, the probability of a scaled kernel's outcome, refused (named, with ``way_out``) when
    it is below the double range rather than returned as 0 or as a subnormal of a few digits."""
    if value <= 0.0:
        return 0.0
    log2_p = math.log2(value) + power * math.log2(scale)
    if log2_p < sys.float_info.min_exp - 1:
        raise ValueError(
            f"heralded_link: the {scheme} success probability per mode is about {_tiny(log2_p * math.log10(2))}, "
            f"below the smallest double ({sys.float_info.min:.3g}): such a link never heralds within any "
            f"simulable time ({way_out})"
        )
    return math.ldexp(value, power * (math.frexp(scale)[1] - 1))


def _click_probability_without_photon(det: Detector, *arms: tuple[Transducer | None, Fiber]) -> float:
    """Per-detector probability of a click from a dark count or transducer noise: 1 - (1 - p_dark)
    prod_i 1 / (1 + mu_i / 2)."""
    no_click = 1.0 - det.dark_count_probability
    clicks = [det.dark_count_probability]
    for transducer, fiber in arms:
        if transducer is not None:
            half_mu = 0.5 * transducer.output_noise_photons * fiber.transmissivity * det.efficiency
            no_click /= 1.0 + half_mu  # thermal light, half to each port
            clicks.append(half_mu / (1.0 + half_mu))
    direct, stable = 1.0 - no_click, any_of(*clicks)
    # 1 - (1 - p) keeps nothing of p below 1e-16 (a dark-count probability of 1e-17, which
    # outweighs the light of a 2,000 km link, was 0). The direct form is kept where it is good to
    # 1e-6, so that links of earlier versions keep their figures bit for bit.
    return direct if abs(direct - stable) <= 1e-6 * stable else stable


def _no_dark_count(p_dark: float, det: Detector) -> float:
    """Probability 1 - p_dark that a detector has no dark count in a window: as 1 - p_dark while p_dark <= 1/2
    (exact to rounding there, so links keep their figures bit for bit), and as exp(-rate x window) beyond it.

    1 - p_dark kept nothing of it once p_dark rounded to 1: at 40 dark counts per window (e^-40 = 4e-18) a
    single-click link read as never heralding (success probability 0) with the maximally mixed placeholder
    (F = 1/4), where it heralds about 1e-17 of its attempts and leaves the emitters' unentangled state
    (F = a (1 - a)), a jump a sweep of the dark counts showed between 36 and 38 per window.

    Raises:
        ValueError: exp(-rate x window) is below the double range: no window is free of dark counts.
    """
    if p_dark <= 0.5:
        return 1.0 - p_dark
    q = det.no_dark_count_probability
    if q <= 0.0:
        raise ValueError(
            f"heralded_link: the detector's dark_count_rate_hz = {written(det.dark_count_rate_hz)} Hz over its "
            f"detection_window_s = {written(det.detection_window_s)} s clicks in every window (no dark count with "
            f"probability exp(-{det.dark_count_rate_hz * det.detection_window_s:.3g}), below the smallest double), "
            "so no click heralds a pair"
        )
    return q


def _bright_state(alpha: float) -> np.ndarray:
    v = np.array([math.sqrt(1.0 - alpha), math.sqrt(alpha)])
    return np.outer(v, v)


def _click_kernel(eta_a: float, eta_b: float, p: float, q: float, visibility: float, coherence: float) -> np.ndarray:
    """Kernel K of the outcome "detector c fires, d does not" (see the module docstring); q = 1 - p, the
    probability that a detector has no dark count, from :func:`_no_dark_count`."""
    k = np.zeros((4, 4))
    k[0, 0] = q * p
    k[1, 1] = q * (eta_b / 2 + (1 - eta_b) * p)
    k[2, 2] = q * (eta_a / 2 + (1 - eta_a) * p)
    k[3, 3] = q * (
        eta_a * eta_b * (1 + visibility) / 4
        + (eta_a * (1 - eta_b) + eta_b * (1 - eta_a)) / 2
        + (1 - eta_a) * (1 - eta_b) * p
    )
    both = eta_a * eta_b
    # sqrt(eta_a eta_b) as sqrt(eta_a) sqrt(eta_b) once the product underflows (2 x 10^4 km of fiber:
    # the coherence was 0, and a single-click link's fidelity 0.475 instead of 0.95).
    amplitude = math.sqrt(both) if both >= sys.float_info.min else math.sqrt(eta_a) * math.sqrt(eta_b)
    k[1, 2] = k[2, 1] = q * coherence * amplitude / 2
    return k


def _noise_photons(transducer: Transducer | None, fiber: Fiber, det: Detector) -> float:
    """Mean thermal noise photons of one arm reaching its detector: transducer output noise x fiber x detector."""
    if transducer is None:
        return 0.0
    return transducer.output_noise_photons * fiber.transmissivity * det.efficiency


def _thermal_click_kernel(
    etas: tuple[float, float], mus: tuple[float, float], det: Detector, phase_factor: float
) -> np.ndarray:
    """Kernel of the outcome "detector c fires, d does not" with each arm's transducer noise in its own photon's mode.

    Exact within the model of the module docstring (no independent-click approximation): arm i is a thermal-loss
    channel, i.e. loss to eta_i followed by a random displacement beta_i, complex Gaussian with E|beta_i|^2 = mu_i,
    in the mode psi_i of its photon; the arms meet on the 50:50 beam splitter (a -> (c + d)/sqrt2, b -> (c - d)/sqrt2),
    and a threshold detector with dark-count probability p is silent with probability (1 - p) <vacuum>. The outcome's
    operator is (1 - p) Pi_d - (1 - p)^2 Pi_c Pi_d, Pi the vacuum projectors. Pi_c Pi_d is the vacuum of both arms,
    one arm at a time. Pi_d sees the displacement gamma = (beta_a psi_a - beta_b psi_b) / sqrt2, complex Gaussian
    with covariance S = (mu_a psi_a psi_a^+ + mu_b psi_b psi_b^+) / 2 over the photons' two-dimensional mode space
    (<psi_a|psi_b> = sqrt V): with G = E[exp(-|gamma|^2)] = 1 / det(1 + S) and M = S (1 + S)^-1, Wick's theorem
    gives E[exp(-|gamma|^2) conj(u^+ gamma) (v^+ gamma)] = G v^+ M u, and the fourth moment G (AB + |C|^2) with
    A = psi_a^+ M psi_a, B = psi_b^+ M psi_b, C = psi_b^+ M psi_a. Without noise this is :func:`_click_kernel`.
    The thermal light's correlation between the two ports and its interference with the signal photon (and the
    other arm's noise) are kept; the differences of probabilities are written out so that no term cancels.
    """
    eta_a, eta_b = etas
    mu_a, mu_b = mus
    p = det.dark_count_probability
    q = _no_dark_count(p, det)
    v = det.visibility
    s, t = math.sqrt(v), math.sqrt(1.0 - v)
    psi_a, psi_b = np.array([1.0, 0.0]), np.array([s, t])
    cov = 0.5 * (mu_a * np.outer(psi_a, psi_a) + mu_b * np.outer(psi_b, psi_b))
    det_1s = 1.0 + 0.5 * (mu_a + mu_b) + 0.25 * mu_a * mu_b * (1.0 - v)
    g = 1.0 / det_1s
    # M = S (1 + S)^-1 with (1 + S)^-1 its adjugate over det_1s (written out above without cancellation), and the
    # products natively in index order: numpy's `@` and inv run on the CPU's BLAS kernels (last bits moved).
    ((s00, s01), (s10, s11)) = cov.tolist()
    inverse = np.array([[1.0 + s11, -s01], [-s10, 1.0 + s00]]) / det_1s
    m = _core.ordered_matmul(cov, inverse)
    m_a, m_b = _core.ordered_matmul(m, psi_a), _core.ordered_matmul(m, psi_b)
    big_a, big_b, big_c = _core.ordered_dot(psi_a, m_a), _core.ordered_dot(psi_b, m_b), _core.ordered_dot(psi_b, m_a)
    # Vacuum probabilities of each arm alone, without and with its photon (thermal state of mean mu: 1 / (1 + mu);
    # a photon displaced by the noise: mu / (1 + mu)^2).
    vac_a, vac_b = 1.0 / (1.0 + mu_a), 1.0 / (1.0 + mu_b)
    lit_a, lit_b = mu_a * vac_a * vac_a, mu_b * vac_b * vac_b
    # No photon: q (G - q vac_a vac_b) = q G (p + q (1 - det(1 + S) vac_a vac_b)), the bracket without cancellation.
    spill = (0.5 * (mu_a + mu_b) + 0.25 * mu_a * mu_b * (3.0 + v)) * vac_a * vac_b
    none = g * (p + q * spill)
    one_a = 0.5 * g * (1.0 + big_a) - q * lit_a * vac_b  # a's photon reached the station, b's did not
    one_b = 0.5 * g * (1.0 + big_b) - q * vac_a * lit_b
    pair = 0.25 * g * (1.0 + v + big_a + big_b - 2.0 * s * big_c + big_a * big_b + big_c * big_c) - q * lit_a * lit_b
    k = np.zeros((4, 4))
    k[0, 0] = q * none
    k[1, 1] = q * ((1 - eta_b) * none + eta_b * one_b)
    k[2, 2] = q * ((1 - eta_a) * none + eta_a * one_a)
    k[3, 3] = q * (
        (1 - eta_a) * (1 - eta_b) * none
        + eta_a * (1 - eta_b) * one_a
        + eta_b * (1 - eta_a) * one_b
        + eta_a * eta_b * pair
    )
    both = eta_a * eta_b
    amplitude = math.sqrt(both) if both >= sys.float_info.min else math.sqrt(eta_a) * math.sqrt(eta_b)
    k[1, 2] = k[2, 1] = q * phase_factor * amplitude * 0.5 * g * (s - big_c)
    return k


# --- validation helpers ----------------------------------------------------------------------------


def _check_probability(what: str, value: object) -> float:
    # A fidelity, read as every fidelity is (argument_checks.fidelity: within the tolerance, clipped).
    return fidelity_value(what, value)


def _check_bell_coefficients(what: str, coefficients: Sequence[float]) -> np.ndarray:
    # The package's one reading of Bell coefficients (argument_checks, the core's tolerance and clipping): this
    # took -1e-12 (clipped) where add_link, the registry and qec refused -1e-13.
    return np.array(bell_coefficients(what, coefficients))


def _check_two_qubit_matrix(rho: np.ndarray) -> np.ndarray:
    r = np.asarray(rho)
    if r.shape != (4, 4):
        raise ValueError(f"rho must be a 4x4 two-qubit density matrix, got shape {r.shape}")
    if r.dtype.kind not in "iufc":
        raise TypeError(f"rho must be a 4x4 matrix of numbers, got dtype {r.dtype}")
    if not np.all(np.isfinite(r)):
        raise ValueError(f"rho must have finite entries, got {r.tolist()}")
    return r
