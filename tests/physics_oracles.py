"""Independent closed forms and a small numpy reference for network-level physics tests.

Nothing here calls qnsim: the memory channel, the Stim-meaning noise channels and the
purification circuit are written out from docs/concepts.md, so that a test comparing a
network run with them checks the simulator against the conventions, not against itself.

Bell-diagonal pairs are handled through their correlators (<XX>, <YY>, <ZZ>), with
F = <Phi+|rho|Phi+> = (1 + <XX> - <YY> + <ZZ>)/4. A memory of total coherence time T2
multiplies <XX> and <YY> by exp(-t/T2) per qubit; amplitude damping (gamma = 1 - exp(-t/T1))
maps Z to (1 - gamma) Z + gamma I, so a pair without single-qubit polarization gets
<ZZ> -> (1 - gamma_a)(1 - gamma_b) <ZZ> + gamma_a gamma_b; the Pauli twirl of amplitude
damping (the stabilizer and bell_diagonal formalisms) drops the gamma_a gamma_b term.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# ---- correlator closed forms ------------------------------------------------------------------


def gamma(t: float, t1: float) -> float:
    """Amplitude-damping probability after t seconds."""
    return -math.expm1(-t / t1) if math.isfinite(t1) else 0.0


def coherence(t: float, t2: float) -> float:
    """Total coherence factor exp(-t/T2) of one stored qubit."""
    return math.exp(-t / t2) if math.isfinite(t2) else 1.0


def werner_correlators(f: float) -> tuple[float, float, float]:
    """(<XX>, <YY>, <ZZ>) of a Werner pair of fidelity f."""
    w = (4 * f - 1) / 3
    return w, -w, w


def stored(corr: Sequence[float], t_a: float, t_b: float, t1: float, t2: float, *, twirled: bool = False):
    """Correlators of an unpolarized Bell-diagonal pair whose ends were stored t_a and t_b seconds
    (T1 and T2 of both nodes alike); ``twirled``: T1 applied as its Pauli twirl."""
    xx, yy, zz = corr
    c = coherence(t_a, t2) * coherence(t_b, t2)
    g_a, g_b = gamma(t_a, t1), gamma(t_b, t1)
    return xx * c, yy * c, (1 - g_a) * (1 - g_b) * zz + (0.0 if twirled else g_a * g_b)


def swapped(
    left: Sequence[float], right: Sequence[float], gate1: float = 0.0, gate2: float = 0.0, measure: float = 0.0
) -> tuple[float, float, float]:
    """Correlators of the swap of two pairs, averaged over the Bell-measurement outcomes: the
    Bell measurement is CX (then depolarize2), H (then depolarize1), two noisy readouts; a flip
    of the first outcome leaves a Z error on the output, of the second an X error. depolarize2
    flips the first outcome (Z or Y on the control) and/or the second (X or Y on the target):
    Z, X, Y output errors each with probability 4 p / 15; depolarize1 after H flips the first
    with 2 p / 3."""
    xx = left[0] * right[0]
    yy = -left[1] * right[1]
    zz = left[2] * right[2]
    l2, l1, lm = 1 - 16 * gate2 / 15, 1 - 4 * gate1 / 3, 1 - 2 * measure
    return xx * l2 * l1 * lm, yy * l2 * l1 * lm * lm, zz * l2 * lm


def fidelity_of(corr: Sequence[float]) -> float:
    """<Phi+|rho|Phi+> from the correlators."""
    return (1 + corr[0] - corr[1] + corr[2]) / 4


# ---- a numpy reference for purification ----------------------------------------------------------

_I = np.eye(2)
_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]])
_Z = np.diag([1.0 + 0j, -1.0])
_H = np.array([[1, 1], [1, -1]]) / math.sqrt(2)
_S = np.diag([1, 1j])
_PHI = np.array([1, 0, 0, 1]) / math.sqrt(2)
_BELL = np.array([[1, 0, 0, 1], [0, 1, 1, 0], [0, 1, -1, 0], [1, 0, 0, -1]]) / math.sqrt(2)


def bell_diagonal_state(c: Sequence[float]) -> np.ndarray:
    """sum_k c_k |B_k><B_k|, order (Phi+, Psi+, Psi-, Phi-)."""
    return sum(ck * np.outer(b, b) for ck, b in zip(c, _BELL)).astype(complex)


def pair_fidelity(rho: np.ndarray) -> float:
    return float(np.real(_PHI @ rho @ _PHI))


_ON_CACHE: dict = {}


def _on(op: np.ndarray, q: int, n: int, *, cache: bool = False) -> np.ndarray:
    """op on qubit q of n (qubit 0 the most significant); ``cache``: a fixed gate, kept by value."""
    key = (op.tobytes(), q, n)
    if key in _ON_CACHE:
        return _ON_CACHE[key]
    out = np.eye(1)
    for k in range(n):
        out = np.kron(out, op if k == q else _I)
    if cache:
        _ON_CACHE[key] = out
    return out


def _channel(rho: np.ndarray, kraus: Sequence[np.ndarray], q: int, n: int) -> np.ndarray:
    """sum_k K rho K^dag with each 2x2 K on qubit q, as tensor contractions (no 2^n kron)."""
    t = rho.reshape([2] * (2 * n))
    out = np.zeros_like(t, dtype=complex)
    for k in kraus:
        u = np.moveaxis(np.tensordot(k, t, axes=([1], [q])), 0, q)
        out += np.moveaxis(np.tensordot(k.conj(), u, axes=([1], [n + q])), 0, n + q)
    return out.reshape(2**n, 2**n)


def memory(rho: np.ndarray, q: int, n: int, t: float, t1: float, t2: float, *, twirled: bool = False):
    """Amplitude damping (or its Pauli twirl), then the dephasing that makes the coherence
    exp(-t/T2) in total, on qubit q of an n-qubit state."""
    g = gamma(t, t1)
    if twirled:
        px = g / 4
        pz = (2 - g - 2 * math.sqrt(1 - g)) / 4
        rho = _channel(
            rho, [math.sqrt(1 - 2 * px - pz) * _I, math.sqrt(px) * _X, math.sqrt(px) * _Y, math.sqrt(pz) * _Z], q, n
        )
    else:
        rho = _channel(rho, [np.diag([1, math.sqrt(1 - g)]), np.array([[0, math.sqrt(g)], [0, 0]])], q, n)
    lam = coherence(t, t2) / math.sqrt(1 - g)
    # At T2 = 2 T1 lam is 1 exactly, a rounding above it (T1 = 30 us, T2 = 60 us: sqrt of -1e-17, a math domain
    # error in the oracle); beyond rounding, T2 > 2 T1 is no channel and stays an error.
    if 1.0 < lam <= 1.0 + 1e-12:
        lam = 1.0
    return _channel(rho, [math.sqrt((1 + lam) / 2) * _I, math.sqrt((1 - lam) / 2) * _Z], q, n)


def _expm(m: np.ndarray) -> np.ndarray:
    """Matrix exponential by scaling and squaring of a 30-term Taylor series (numpy only)."""
    k = max(0, int(np.ceil(np.log2(max(np.abs(m).sum(axis=1).max(), 1e-300)))) + 4)
    a = m / 2**k
    out, term = np.eye(len(m), dtype=complex), np.eye(len(m), dtype=complex)
    for j in range(1, 30):
        term = term @ a / j
        out = out + term
    for _ in range(k):
        out = out @ out
    return out


def lindblad_superoperator(t: float, t1: float, t2: float, tdep: float = math.inf) -> np.ndarray:
    """The superoperator S[i, j, k, l] (rho_kl -> rho_ij) of t seconds of one qubit's memory processes acting
    together, the exponential of the sum of their generators: amplitude damping, L = sqrt(1/T1) |0><1|; pure
    dephasing, L = sqrt(r/2) Z with r = 1/T2 - 1/(2 T1), so that coherences decay at 1/T2 in total; depolarizing,
    d rho/dt = (I/2 tr rho - rho)/T (depolarize1 p = 3/4 (1 - exp(-t/T)) when alone)."""
    eye = np.eye(2)

    def dissipator(op):
        ld = op.conj().T @ op
        return np.kron(op, op.conj()) - 0.5 * np.kron(ld, eye) - 0.5 * np.kron(eye, ld.T)

    gen = np.zeros((4, 4), dtype=complex)
    if math.isfinite(t1):
        gen += dissipator(math.sqrt(1 / t1) * np.array([[0, 1], [0, 0]], dtype=complex))
    rate = (1 / t2 if math.isfinite(t2) else 0.0) - (1 / (2 * t1) if math.isfinite(t1) else 0.0)
    if rate > 0:
        gen += dissipator(math.sqrt(rate / 2) * _Z)
    if math.isfinite(tdep):
        gen += (np.outer(eye.reshape(4), eye.reshape(4)) / 2 - np.eye(4)) / tdep  # vec(I tr rho)/2 - vec(rho)
    return _expm(gen * t).reshape(2, 2, 2, 2)


def lindblad_memory(rho: np.ndarray, q: int, n: int, t: float, t1: float, t2: float, tdep: float = math.inf):
    """docs/concepts.md's memory on qubit q of an n-qubit state, with T1, T2 and a depolarizing time acting
    together (one evolution); without a depolarizing time it is :func:`memory`."""
    sup = lindblad_superoperator(t, t1, t2, tdep)
    u = np.moveaxis(np.tensordot(sup, rho.reshape([2] * (2 * n)), axes=([2, 3], [q, n + q])), [0, 1], [q, n + q])
    return u.reshape(2**n, 2**n)


def apply_unitary(rho: np.ndarray, u: np.ndarray, qubits: Sequence[int], n: int) -> np.ndarray:
    """u rho u^dagger with the 2^k x 2^k matrix u acting on ``qubits`` (in u's tensor order) of an n-qubit density
    matrix (qubit 0 most significant), as tensor contractions (no 2^n kron). Also applies a projector or Kraus
    operator K (K rho K^dagger)."""
    k = len(qubits)
    qubits = list(qubits)
    t, uu = rho.reshape([2] * (2 * n)), u.reshape([2] * (2 * k))
    t = np.moveaxis(np.tensordot(uu, t, axes=(list(range(k, 2 * k)), qubits)), list(range(k)), qubits)
    cols = [n + q for q in qubits]
    t = np.moveaxis(np.tensordot(uu.conj(), t, axes=(list(range(k, 2 * k)), cols)), list(range(k)), cols)
    return t.reshape(2**n, 2**n)


#: I, X, Y, Z as 2 x 2 matrices (Y = iXZ).
PAULIS = (_I, _X, _Y, _Z)

_CNOT = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)


def swap_outcomes(
    rho_xa: np.ndarray, rho_by: np.ndarray, gate1: float = 0.0, gate2: float = 0.0, measure: float = 0.0
) -> dict[tuple[int, int], tuple[float, np.ndarray]]:
    """Entanglement swapping of pairs (x, a) and (b, y) as DESIGN writes it, on density matrices: CNOT a -> b then
    depolarize2 ``gate2``; H on a then depolarize1 ``gate1``; measure a then b, each read flipped with probability
    ``measure``; y corrected with X^{r_b} then Z^{r_a} by the REPORTED outcomes r. Returns {r: (probability of
    reading r, the pair (x, y) the nodes hold)}: the mixture over the true outcomes that read as r (the nodes cannot
    tell a misread apart)."""
    rho = apply_unitary(np.kron(rho_xa, rho_by), _CNOT, [1, 2], 4)
    rho = depolarize(rho, [1, 2], gate2, 4)
    rho = depolarize(apply_unitary(rho, _H.astype(complex), [1], 4), [1], gate1, 4)
    t = rho.reshape([2] * 8)
    true = {(ma, mb): t[:, ma, mb, :, :, ma, mb, :].reshape(4, 4) for ma in (0, 1) for mb in (0, 1)}
    out = {}
    for ra in (0, 1):
        for rb in (0, 1):
            kept = sum(
                (1 - measure if ma == ra else measure) * (1 - measure if mb == rb else measure) * true[(ma, mb)]
                for ma in (0, 1)
                for mb in (0, 1)
            )
            weight = float(np.real(np.trace(kept)))
            fix = np.kron(_I, np.linalg.matrix_power(_Z, ra) @ np.linalg.matrix_power(_X, rb))
            out[(ra, rb)] = (weight, fix @ (kept / weight) @ fix.conj().T if weight > 0 else kept)
    return out


def swapped_average(
    rho_xa: np.ndarray, rho_by: np.ndarray, gate1: float = 0.0, gate2: float = 0.0, measure: float = 0.0
) -> np.ndarray:
    """The pair (x, y) of :func:`swap_outcomes` averaged over the reported outcomes (what a mean over delivered pairs
    estimates). Linear in each input: a (sub-)normalized input gives an output of trace the product of theirs."""
    scale = float(np.real(np.trace(rho_xa) * np.trace(rho_by)))
    outs = swap_outcomes(rho_xa / np.trace(rho_xa), rho_by / np.trace(rho_by), gate1, gate2, measure)
    return scale * sum(w * state for w, state in outs.values())


def depolarizing_terms(qubits: int) -> list[np.ndarray]:
    """The non-identity Pauli strings a depolarize1 (``qubits`` = 1: 3 of them) or depolarize2 (2: 15) applies,
    each with probability p / 3 or p / 15 (Stim's channels; qubit 0 of a string most significant)."""
    if qubits == 1:
        return list(PAULIS[1:])
    return [np.kron(PAULIS[i], PAULIS[j]) for i in range(4) for j in range(4) if i or j]


def depolarize(rho: np.ndarray, qubits: Sequence[int], p: float, n: int) -> np.ndarray:
    """Stim's depolarize1 (one qubit) or depolarize2 (two) on ``qubits`` of an n-qubit density matrix: each
    non-identity Pauli (string) with probability p / 3 or p / 15."""
    terms = depolarizing_terms(len(qubits))
    return (1 - p) * rho + sum(p / len(terms) * apply_unitary(rho, u, qubits, n) for u in terms)


def _depolarize1(rho, q, n, p):
    return (1 - p) * rho + p / 3 * sum(_on(P, q, n, cache=True) @ rho @ _on(P, q, n).conj().T for P in (_X, _Y, _Z))


def _depolarize2(rho, q1, q2, n, p):
    out = (1 - p) * rho
    paulis = (_I, _X, _Y, _Z)
    for i in range(4):
        for j in range(4):
            if i or j:
                m = _on(paulis[i], q1, n, cache=True) @ _on(paulis[j], q2, n, cache=True)
                out = out + p / 15 * m @ rho @ m.conj().T
    return out


def _cx(c: int, t: int, n: int) -> np.ndarray:
    return _on(np.diag([1, 0]), c, n, cache=True) + _on(np.diag([0, 1]), c, n, cache=True) @ _on(_X, t, n, cache=True)


_PURIFY_MAPS: dict = {}


def purify(
    rho1: np.ndarray,
    rho2: np.ndarray,
    scheme: str,
    gate1: float = 0.0,
    gate2: float = 0.0,
    measure: float = 0.0,
    *,
    tabulate: bool = True,
) -> tuple[float, np.ndarray]:
    """One recurrence round on pairs (a1, b1) = rho1 (kept) and (a2, b2) = rho2, both nodes with
    the same noise: BBPSSW twirls each pair to Werner first; DEJMPS rotates A's qubits by
    Rx(pi/2) = H S H and B's by Rx(-pi/2) (each followed by depolarize1); bilateral CX (each
    followed by depolarize2), Z readouts flipped with probability ``measure``; kept if the
    reported outcomes agree. Returns (success probability, kept state). ``tabulate``: build (once per scheme and
    noise) and use the round's linear map, for many calls; False runs the circuit once on this input."""
    if scheme == "bbpssw":
        rho1, rho2 = (
            bell_diagonal_state([f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3])
            for f in (pair_fidelity(rho1), pair_fidelity(rho2))
        )
    if not tabulate:  # one circuit on this input (a tabulated map costs 256 of them, then each call is one product)
        kept = _unnormalized_round(np.kron(rho1, rho2), scheme, gate1, gate2, measure)
        p = float(np.real(np.trace(kept)))
        return p, kept / p
    key = (scheme, gate1, gate2, measure)
    if key not in _PURIFY_MAPS:  # the round is linear in rho1 (x) rho2: tabulate it on a basis once
        basis = np.eye(256).reshape(256, 16, 16)
        _PURIFY_MAPS[key] = np.array([_unnormalized_round(b, scheme, gate1, gate2, measure) for b in basis])
    kept = np.einsum("kij,k->ij", _PURIFY_MAPS[key], np.kron(rho1, rho2).reshape(256))
    p = float(np.real(np.trace(kept)))
    return p, kept / p


def _unnormalized_round(r: np.ndarray, scheme: str, gate1: float, gate2: float, measure: float) -> np.ndarray:
    """The kept pair times the probability that the reported outcomes agree, from the 4-qubit
    state r of qubits a1, b1, a2, b2."""
    n = 4
    if scheme == "dejmps":
        for q, u in ((0, _H @ _S @ _H), (2, _H @ _S @ _H), (1, _H @ _S.conj() @ _H), (3, _H @ _S.conj() @ _H)):
            r = _depolarize1(_on(u, q, n, cache=True) @ r @ _on(u, q, n).conj().T, q, n, gate1)
    for c, t in ((0, 2), (1, 3)):
        r = _depolarize2(_cx(c, t, n) @ r @ _cx(c, t, n).T, c, t, n, gate2)
    kept = np.zeros((4, 4), dtype=complex)
    for x in (0, 1):
        for y in (0, 1):
            proj = _on(np.diag([1 - x, x]), 2, n, cache=True) @ _on(np.diag([1 - y, y]), 3, n, cache=True)
            s = (proj @ r @ proj).reshape([2] * 8)
            s = np.einsum("abcdefcd->abef", s).reshape(4, 4)  # trace out a2, b2
            agree = (1 - measure) ** 2 + measure**2 if x == y else 2 * measure * (1 - measure)
            kept = kept + agree * s
    return kept


def non_bell_diagonal_pair(theta: float, phi: float, mix: float, seed: int) -> np.ndarray:
    """A two-qubit density matrix that is not Bell-diagonal: cos(theta)|00> + 0.15|01> + e^{i phi} sin(theta)|11>
    (normalised) mixed with a random full-rank state (drawn from ``seed``) of weight ``mix``."""
    psi = np.array([math.cos(theta), 0.15, 0.0, math.sin(theta) * np.exp(1j * phi)], dtype=complex)
    psi /= np.linalg.norm(psi)
    g = np.random.default_rng(seed).normal(size=(4, 4, 2)) @ np.array([1.0, 1j])
    noise = g @ g.conj().T
    return (1 - mix) * np.outer(psi, psi.conj()) + mix * noise / np.trace(noise)


# ---- a first-in first-out buffer filling from empty (the estimator's storage price) ---------------------------------


def buffer_filling_waits(pairs: int, tau: float, rate: float, steady: float, runs: int = 20000,
                         seed: int = 0) -> list[float]:
    """Mean seconds each of a run's ``pairs`` waits in a first-in first-out buffer filling from empty, by Monte Carlo:
    consumers use one pair every ``tau`` s from the first (used as it comes), the link delivers a Poisson process of
    ``rate`` pairs/s, so pair j waits V_j = max(0, V_{j-1} + tau - E_j) (Lindley's recursion, E_j the gaps), its
    mean then capped at the buffer's ``steady`` wait (where flow control holds a full buffer). ``runs`` runs of
    numpy's generator (``seed``): the means to ~1e-2 of tau / sqrt(runs / 1e4). The estimator sums the same law in
    closed form (Spitzer's identity); this draws it."""
    gaps = np.random.default_rng(seed).exponential(1.0 / rate, size=(runs, max(pairs - 1, 0)))
    waits = np.zeros(runs)
    means = [0.0]
    for j in range(pairs - 1):
        waits = np.maximum(0.0, waits + tau - gaps[:, j])
        means.append(float(waits.mean()))
    return [min(w, steady) for w in means]
