"""Heralded link models and Bell-pair oracles, checked against independent numpy simulations.

Two reference simulations live here and share no code with qnsim.link_models:

* a Fock-space model of the heralding station (qubits, emission, loss as amplitude damping of
  each photon mode, a 50:50 beam splitter, threshold detectors with dark counts), used to
  check the closed-form kernel of both schemes, for indistinguishable photons and, with two
  internal photon modes, for partially distinguishable ones (V = cos(theta)^2);
* an n-qubit density-matrix simulator (kron-built gates, projectors, partial traces) that runs
  entanglement swapping, teleportation, BBPSSW and DEJMPS, used to check the oracles.
"""

import dataclasses
import functools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from script_modules import import_script

import qnsim
from qnsim import (
    Detector,
    Fiber,
    LinkModel,
    Source,
    Transducer,
    bbpssw,
    bell_diagonal,
    bell_diagonal_state,
    bell_state,
    dejmps,
    fidelity,
    heralded_link,
    nv_10x_improved,
    nv_near_term,
    superconducting_transducer_link,
    teleportation_fidelity,
    werner_state,
    werner_swap_fidelity,
)

I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Z = np.diag([1.0, -1.0]).astype(complex)
H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
S2 = 1 / np.sqrt(2)
KETS = {  # written out independently of qnsim
    "phi+": np.array([S2, 0, 0, S2]),
    "psi+": np.array([0, S2, S2, 0]),
    "psi-": np.array([0, S2, -S2, 0]),
    "phi-": np.array([S2, 0, 0, -S2]),
}
ORDER = ["phi+", "psi+", "psi-", "phi-"]


def ref_bell_weights(rho):
    return np.array([np.real(KETS[k] @ rho @ KETS[k]) for k in ORDER])


def assert_density_matrix(rho, atol=1e-10):
    assert rho.shape == (4, 4)
    assert np.trace(rho).real == pytest.approx(1.0, abs=atol)
    assert np.allclose(rho, rho.conj().T, atol=atol)
    assert np.linalg.eigvalsh(rho).min() >= -atol


# --- an independent n-qubit density-matrix simulator ------------------------------------------------


def on(n, q, u):
    """Operator u on qubit q (qubit 0 = most significant) of n qubits."""
    return functools.reduce(np.kron, [u if i == q else I2 for i in range(n)])


def cnot(n, c, t):
    dim = 2**n
    u = np.zeros((dim, dim))
    for i in range(dim):
        j = i ^ (1 << (n - 1 - t)) if (i >> (n - 1 - c)) & 1 else i
        u[j, i] = 1
    return u


def proj(n, q, bit):
    p = np.zeros((2, 2))
    p[bit, bit] = 1
    return on(n, q, p)


def keep(rho, n, qubits):
    """Partial trace keeping ``qubits`` (in increasing order)."""
    t = rho.reshape([2] * (2 * n))
    alive = list(range(n))
    for q in reversed(range(n)):
        if q not in qubits:
            k = alive.index(q)
            t = np.trace(t, axis1=k, axis2=k + len(alive))
            alive.pop(k)
    d = 2 ** len(alive)
    return t.reshape(d, d)


def conj(u, rho):
    return u @ rho @ u.conj().T


def rx(theta):
    return math.cos(theta / 2) * I2 - 1j * math.sin(theta / 2) * X


def simulate_swap(rho_xa, rho_by):
    """Bell-measure a, b of pairs (x, a), (b, y); correct y with X^m_b then Z^m_a."""
    n = 4
    rho = np.kron(rho_xa, rho_by)
    rho = conj(on(n, 1, H) @ cnot(n, 1, 2), rho)
    out = np.zeros((4, 4), dtype=complex)
    for ma in (0, 1):
        for mb in (0, 1):
            p = proj(n, 1, ma) @ proj(n, 2, mb)
            corr = np.linalg.matrix_power(on(n, 3, Z), ma) @ np.linalg.matrix_power(on(n, 3, X), mb)
            out += keep(conj(corr @ p, rho), n, [0, 3])
    return out


def simulate_purification(rho1, rho2, rotate):
    """Bilateral CNOT (pair 1 on qubits 0,1 controls pair 2 on 2,3), keep on equal Z results."""
    n = 4
    rho = np.kron(rho1, rho2)
    if rotate:  # DEJMPS: Rx(pi/2) at node A (qubits 0, 2), Rx(-pi/2) at node B (qubits 1, 3)
        u = (
            on(n, 0, rx(np.pi / 2))
            @ on(n, 2, rx(np.pi / 2))
            @ on(n, 1, rx(-np.pi / 2))
            @ on(n, 3, rx(-np.pi / 2))
        )
        rho = conj(u, rho)
    rho = conj(cnot(n, 1, 3) @ cnot(n, 0, 2), rho)
    kept = sum(keep(conj(proj(n, 2, m) @ proj(n, 3, m), rho), n, [0, 1]) for m in (0, 1))
    p = np.trace(kept).real
    return kept / p, p


def simulate_teleportation(rho_pair):
    """Average fidelity of teleporting the six Pauli eigenstates (a 2-design) through a pair."""
    n = 3
    states = [
        np.array(v, dtype=complex) / np.linalg.norm(v)
        for v in ([1, 0], [0, 1], [1, 1], [1, -1], [1, 1j], [1, -1j])
    ]
    total = 0.0
    for psi in states:
        rho = np.kron(np.outer(psi, psi.conj()), rho_pair)
        rho = conj(on(n, 0, H) @ cnot(n, 0, 1), rho)
        out = np.zeros((2, 2), dtype=complex)
        for m0 in (0, 1):
            for m1 in (0, 1):
                p = proj(n, 0, m0) @ proj(n, 1, m1)
                corr = np.linalg.matrix_power(on(n, 2, Z), m0) @ np.linalg.matrix_power(on(n, 2, X), m1)
                out += keep(conj(corr @ p, rho), n, [2])
        total += np.real(psi.conj() @ out @ psi)
    return total / len(states)


fid = st.floats(0.0, 1.0)


@st.composite
def bell_weights(draw):
    w = np.array([draw(st.floats(0.0, 1.0)) for _ in range(4)]) + 1e-9
    return w / w.sum()


# --- helpers ------------------------------------------------------------------------------------------


def test_bell_helpers_match_reference_kets():
    for name in ORDER:
        assert np.allclose(bell_state(name), np.outer(KETS[name], KETS[name]))
        assert np.allclose(bell_state(name.upper(), ket=True), KETS[name])
        assert fidelity(bell_state(name), name) == pytest.approx(1.0)
    rho = werner_state(0.7)
    assert_density_matrix(rho)
    assert ref_bell_weights(rho) == pytest.approx([0.7, 0.1, 0.1, 0.1])
    # Werner = Phi+ with depolarize1(p = 1 - F) on one qubit (docs/concepts.md).
    p = 0.3
    dep = (1 - p) * bell_state("phi+") + p / 3 * sum(
        conj(np.kron(I2, s), bell_state("phi+")) for s in (X, 1j * X @ Z, Z)
    )
    assert np.allclose(dep, rho)


@given(bell_weights())
def test_bell_diagonal_round_trip(w):
    rho = bell_diagonal_state(w)
    assert_density_matrix(rho)
    assert bell_diagonal(rho) == pytest.approx(w, abs=1e-12)
    assert ref_bell_weights(rho) == pytest.approx(w, abs=1e-12)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: bell_state("phi"), r"bell_state name must be one of .*got 'phi'"),
        (lambda: fidelity(np.eye(4) / 4, "omega"), r"fidelity target must be one of"),
        (lambda: werner_state(1.2), r"werner_state fidelity must be in \[0, 1\] \(within the tolerance 1e-09\), got 1\.2"),
        (lambda: werner_state(math.nan), r"werner_state fidelity must be finite, got nan"),
        (lambda: bell_diagonal(np.eye(2)), r"rho must be a 4x4 two-qubit density matrix, got shape \(2, 2\)"),
        (lambda: bell_diagonal_state([1, 0, 0]), r"must have 4 entries"),
        (
            lambda: dejmps([0.5, 0.5, 0.5, 0], [1, 0, 0, 0]),
            r"dejmps bell_diag_1 must sum to 1",
        ),
        (lambda: bbpssw(-0.1), r"bbpssw f must be in \[0, 1\] \(within the tolerance 1e-09\), got -0\.1"),
        (lambda: werner_swap_fidelity(0.9, 2), r"werner_swap_fidelity f2 must be in \[0, 1\] \(within the tolerance 1e-09\), got 2$"),
    ],
)
def test_helper_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- protocol oracles against the density-matrix simulator ---------------------------------------------


@settings(max_examples=25, deadline=None)
@given(fid, fid)
def test_werner_swap_fidelity_matches_simulation(f1, f2):
    out = simulate_swap(werner_state(f1), werner_state(f2))
    assert np.trace(out).real == pytest.approx(1.0)
    assert ref_bell_weights(out)[0] == pytest.approx(werner_swap_fidelity(f1, f2), abs=1e-10)
    # The swapped pair is again Werner.
    w = ref_bell_weights(out)
    assert w[1] == pytest.approx(w[2], abs=1e-10) and w[2] == pytest.approx(w[3], abs=1e-10)


def test_ideal_swap_of_phi_plus_pairs_gives_phi_plus():
    out = simulate_swap(bell_state("phi+"), bell_state("phi+"))
    assert np.allclose(out, bell_state("phi+"))


@settings(max_examples=15, deadline=None)
@given(fid)
def test_teleportation_fidelity_matches_simulation(f):
    assert simulate_teleportation(werner_state(f)) == pytest.approx(teleportation_fidelity(f), abs=1e-10)


@settings(max_examples=25, deadline=None)
@given(fid)
def test_bbpssw_matches_simulation(f):
    rho_out, p = simulate_purification(werner_state(f), werner_state(f), rotate=False)
    f_out, p_success = bbpssw(f)
    assert p_success == pytest.approx(p, abs=1e-10)
    assert f_out == pytest.approx(ref_bell_weights(rho_out)[0], abs=1e-10)


def test_bbpssw_improves_fidelity_above_one_half():
    for f in (0.6, 0.75, 0.9, 0.99):
        assert bbpssw(f)[0] > f
    assert bbpssw(1.0) == (1.0, 1.0)


@settings(max_examples=40, deadline=None)
@given(bell_weights(), bell_weights())
def test_dejmps_matches_simulation(w1, w2):
    rho_out, p = simulate_purification(bell_diagonal_state(w1), bell_diagonal_state(w2), rotate=True)
    w_out, p_success = dejmps(w1, w2)
    assert p_success == pytest.approx(p, abs=1e-10)
    # Compare unnormalised weights: when p is tiny, normalising amplifies roundoff.
    assert w_out * p_success == pytest.approx(ref_bell_weights(rho_out) * p, abs=1e-12)
    assert w_out.sum() == pytest.approx(1.0)


# --- an independent Fock-space model of the heralding station ------------------------------------------

CUT = 3  # photon numbers 0, 1, 2 per mode: exact, since at most two photons exist


def _annihilation():
    return np.diag(np.sqrt(np.arange(1, CUT)), 1)


def _loss_kraus(eta):
    ops = []
    for k in range(CUT):
        m = np.zeros((CUT, CUT))
        for n in range(k, CUT):
            m[n - k, n] = math.sqrt(math.comb(n, k) * eta ** (n - k) * (1 - eta) ** k)
        ops.append(m)
    return ops


def _beam_splitter():
    a = _annihilation()
    i = np.eye(CUT)
    ga, gb = np.kron(a, i), np.kron(i, a)
    gen = ga.conj().T @ gb - ga @ gb.conj().T  # real antisymmetric
    w, v = np.linalg.eigh(1j * gen)
    return v @ np.diag(np.exp(-1j * w * np.pi / 4)) @ v.conj().T


def _emission_isometry():
    """|s_A s_B> -> |s_A s_B> |s_A photons in a> |s_B photons in b>."""
    w = np.zeros((4 * CUT * CUT, 4))
    for sa in (0, 1):
        for sb in (0, 1):
            spin = 2 * sa + sb
            w[(spin * CUT + sa) * CUT + sb, spin] = 1
    return w


def fock_round(rho_spin, eta_a, eta_b, p_dark):
    """Unnormalised qubit states after one round, for outcomes (c only, d only)."""
    w = _emission_isometry()
    rho = w @ rho_spin @ w.T
    i4, i3 = np.eye(4), np.eye(CUT)
    for eta, place in ((eta_a, 0), (eta_b, 1)):
        new = np.zeros_like(rho, dtype=complex)
        for k in _loss_kraus(eta):
            op = np.kron(i4, np.kron(k, i3) if place == 0 else np.kron(i3, k))
            new += op @ rho @ op.conj().T
        rho = new
    u = np.kron(i4, _beam_splitter())
    rho = u @ rho @ u.conj().T
    vac = np.zeros((CUT, CUT))
    vac[0, 0] = 1
    fire = np.eye(CUT) - (1 - p_dark) * vac
    silent = (1 - p_dark) * vac
    rho4 = rho.reshape(4, CUT * CUT, 4, CUT * CUT)
    outs = []
    for e in (np.kron(fire, silent), np.kron(silent, fire)):
        outs.append(np.einsum("ac,icja->ij", e, rho4))
    return outs


def _to_psi_plus(sigma):
    """Node A's Z correction when the raw state is Psi- like (negative |01><10| coherence)."""
    za = np.kron(Z, I2)
    return za @ sigma @ za if sigma[1, 2].real < 0 else sigma


def fock_single_click(alpha_a, alpha_b, eta_a, eta_b, p_dark):
    va = np.array([math.sqrt(1 - alpha_a), math.sqrt(alpha_a)])
    vb = np.array([math.sqrt(1 - alpha_b), math.sqrt(alpha_b)])
    rho0 = np.outer(np.kron(va, vb), np.kron(va, vb))
    total = sum(_to_psi_plus(s) for s in fock_round(rho0, eta_a, eta_b, p_dark))
    return total


def fock_double_click(eta_a, eta_b, p_dark):
    plus = np.full(4, 0.5)
    rho0 = np.outer(plus, plus)
    xx = np.kron(X, X)
    total = np.zeros((4, 4), dtype=complex)
    for s1 in fock_round(rho0, eta_a, eta_b, p_dark):
        for s2 in fock_round(xx @ s1 @ xx, eta_a, eta_b, p_dark):
            total += _to_psi_plus(s2)
    return total


def _link(scheme, eta_a, eta_b, p_dark=0.0, alpha_a=0.1, alpha_b=0.1, visibility=1.0, **kw):
    window = 1e-8
    det = Detector(
        1.0,
        dark_count_rate_hz=-math.log1p(-p_dark) / window,
        detection_window_s=window,
        visibility=visibility,
    )
    sa = Source(1e6, eta_a, bright_state_alpha=alpha_a)
    sb = Source(1e6, eta_b, bright_state_alpha=alpha_b)
    return heralded_link(scheme, sa, sb, Fiber(0.0), Fiber(0.0), det, **kw)


def _delivered(raw):
    xb = np.kron(I2, X)
    return xb @ raw @ xb / np.trace(raw).real


etas = st.floats(0.01, 1.0)
alphas = st.floats(0.01, 0.99)
darks = st.sampled_from([0.0, 1e-4, 0.01, 0.2])


@settings(max_examples=30, deadline=None)
@given(alphas, alphas, etas, etas, darks)
def test_single_click_matches_fock_model(alpha_a, alpha_b, eta_a, eta_b, p_dark):
    raw = fock_single_click(alpha_a, alpha_b, eta_a, eta_b, p_dark)
    link = _link("single_click", eta_a, eta_b, p_dark, alpha_a, alpha_b)
    assert link.mode_success_probability == pytest.approx(np.trace(raw).real, rel=1e-9)
    assert np.allclose(link.state, _delivered(raw), atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(etas, etas, darks)
def test_double_click_matches_fock_model(eta_a, eta_b, p_dark):
    raw = fock_double_click(eta_a, eta_b, p_dark)
    link = _link("double_click", eta_a, eta_b, p_dark)
    assert link.mode_success_probability == pytest.approx(np.trace(raw).real, rel=1e-9)
    assert np.allclose(link.state, _delivered(raw), atol=1e-9)


# Partially distinguishable photons: each photon has two internal (spectral/temporal) modes;
# A emits into internal mode 0, B into cos(theta)|0> + sin(theta)|1>, so the Hong-Ou-Mandel
# visibility is V = cos(theta)^2. Modes are ordered a0, a1, b0, b1; after the beam splitter
# a_k -> c_k and b_k -> d_k, and a threshold detector fires on any photon in either internal mode.


def _mode_op(op, k, modes=4):
    return functools.reduce(np.kron, [op if i == k else np.eye(CUT) for i in range(modes)])


@functools.cache
def _two_internal_mode_optics():
    """Operators restricted to at most two photons in total, a subspace that emission of one
    photon per node, loss, the beam splitter and the detectors never leave."""
    occupations = np.array(np.unravel_index(np.arange(CUT**4), (CUT,) * 4)).T
    keep_rows = np.flatnonzero(occupations.sum(axis=1) <= 2)
    r = np.eye(CUT**4)[keep_rows]

    def restrict(op):
        return r @ op @ r.T

    a = [_mode_op(_annihilation(), k) for k in range(4)]
    gen = restrict(sum(a[k].T @ a[2 + k] - a[k] @ a[2 + k].T for k in (0, 1)))
    w, v = np.linalg.eigh(1j * gen)
    bs = v @ np.diag(np.exp(-1j * w * np.pi / 4)) @ v.conj().T
    vac1 = np.zeros((CUT, CUT))
    vac1[0, 0] = 1
    vac_c = restrict(_mode_op(vac1, 0) @ _mode_op(vac1, 1))
    vac_d = restrict(_mode_op(vac1, 2) @ _mode_op(vac1, 3))
    kraus = {}  # (mode, eta) -> restricted Kraus operators, built on demand

    def loss(k, eta):
        if (k, eta) not in kraus:
            kraus[k, eta] = [restrict(_mode_op(m, k)) for m in _loss_kraus(eta)]
        return kraus[k, eta]

    return [restrict(x) for x in a], bs, vac_c, vac_d, loss


def fock_round_distinguishable(rho_spin, eta_a, eta_b, p_dark, theta):
    a, bs, vac_c, vac_d, loss = _two_internal_mode_optics()
    dim = bs.shape[0]
    vac = np.zeros(dim)
    vac[0] = 1
    b_dag = math.cos(theta) * a[2].T + math.sin(theta) * a[3].T
    w = np.zeros((4 * dim, 4))
    for sa in (0, 1):
        for sb in (0, 1):
            photons = np.linalg.matrix_power(a[0].T, sa) @ np.linalg.matrix_power(b_dag, sb) @ vac
            spin = np.zeros(4)
            spin[2 * sa + sb] = 1
            w[:, 2 * sa + sb] = np.kron(spin, photons)
    rho = w @ rho_spin @ w.T
    i4 = np.eye(4)
    for k, eta in ((0, eta_a), (1, eta_a), (2, eta_b), (3, eta_b)):
        new = np.zeros_like(rho, dtype=complex)
        for kraus in loss(k, eta):
            op = np.kron(i4, kraus)
            new += op @ rho @ op.conj().T
        rho = new
    u = np.kron(i4, bs)
    rho = u @ rho @ u.conj().T
    eye = np.eye(dim)
    rho4 = rho.reshape(4, dim, 4, dim)
    outs = []
    for fire, silent in ((vac_c, vac_d), (vac_d, vac_c)):
        e = (eye - (1 - p_dark) * fire) @ ((1 - p_dark) * silent)
        outs.append(np.einsum("ac,icja->ij", e, rho4))
    return outs


@settings(max_examples=12, deadline=None)
@given(alphas, etas, etas, st.sampled_from([0.0, 0.01]), st.floats(0.0, np.pi / 2))
def test_single_click_distinguishability_matches_fock_model(alpha, eta_a, eta_b, p_dark, theta):
    va = np.array([math.sqrt(1 - alpha), math.sqrt(alpha)])
    rho0 = np.outer(np.kron(va, va), np.kron(va, va))
    raw = sum(_to_psi_plus(s) for s in fock_round_distinguishable(rho0, eta_a, eta_b, p_dark, theta))
    link = _link("single_click", eta_a, eta_b, p_dark, alpha, alpha, visibility=math.cos(theta) ** 2)
    assert link.mode_success_probability == pytest.approx(np.trace(raw).real, rel=1e-9)
    assert np.allclose(link.state, _delivered(raw), atol=1e-9)


@settings(max_examples=8, deadline=None)
@given(etas, etas, st.sampled_from([0.0, 0.01]), st.floats(0.0, np.pi / 2))
def test_double_click_distinguishability_matches_fock_model(eta_a, eta_b, p_dark, theta):
    plus = np.full(4, 0.5)
    xx = np.kron(X, X)
    raw = np.zeros((4, 4), dtype=complex)
    for s1 in fock_round_distinguishable(np.outer(plus, plus), eta_a, eta_b, p_dark, theta):
        for s2 in fock_round_distinguishable(xx @ s1 @ xx, eta_a, eta_b, p_dark, theta):
            raw += _to_psi_plus(s2)
    link = _link("double_click", eta_a, eta_b, p_dark, visibility=math.cos(theta) ** 2)
    assert link.mode_success_probability == pytest.approx(np.trace(raw).real, rel=1e-9)
    assert np.allclose(link.state, _delivered(raw), atol=1e-9)


# --- limits and closed forms ---------------------------------------------------------------------------


@given(st.floats(0.01, 0.4))
def test_single_click_low_eta_limit(alpha):
    eta = 1e-7
    link = _link("single_click", eta, eta, alpha_a=alpha, alpha_b=alpha)
    assert link.success_probability == pytest.approx(2 * alpha * eta, rel=1e-5)
    assert link.fidelity == pytest.approx(1 - alpha, rel=1e-5)


@given(st.floats(0.01, 0.4), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_single_click_visibility_and_phase_noise(alpha, visibility, sigma):
    # Modelling choice documented in link_models: coherence x sqrt(V) x exp(-sigma^2/2).
    link = _link(
        "single_click", 1e-7, 1e-7, alpha_a=alpha, alpha_b=alpha, visibility=visibility, phase_std_rad=sigma
    )
    c = math.sqrt(visibility) * math.exp(-(sigma**2) / 2)
    assert link.fidelity == pytest.approx((1 - alpha) * (1 + c) / 2, rel=1e-5)


@given(etas, st.floats(0.0, 1.0))
def test_double_click_closed_form_without_noise(eta, visibility):
    link = _link("double_click", eta, eta, visibility=visibility, phase_std_rad=0.7)
    # Without dark counts a herald needs one real photon per round: eta^2/2 whatever V.
    assert link.success_probability == pytest.approx(eta**2 / 2, rel=1e-12)
    assert link.fidelity == pytest.approx((1 + visibility) / 2, abs=1e-12)


def test_double_click_ideal_state_is_phi_plus():
    link = _link("double_click", 1.0, 1.0)
    assert link.success_probability == 0.5
    assert np.allclose(link.state, bell_state("phi+"))
    assert link.bell_diagonal == pytest.approx((1.0, 0.0, 0.0, 0.0))


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["single_click", "double_click"]),
    alphas,
    etas,
    etas,
    st.floats(0, 0.3),
    st.floats(0, 1),
    st.floats(0, 2),
)
def test_states_are_valid_density_matrices(scheme, alpha, eta_a, eta_b, p_dark, visibility, sigma):
    link = _link(scheme, eta_a, eta_b, p_dark, alpha, 1 - alpha, visibility, phase_std_rad=sigma)
    assert_density_matrix(link.state)
    assert sum(link.bell_diagonal) == pytest.approx(1.0)
    assert link.bell_diagonal == pytest.approx(tuple(ref_bell_weights(link.state)), abs=1e-12)
    assert link.fidelity == link.bell_diagonal[0]
    assert 0.0 < link.success_probability <= 1.0
    assert not link.state.flags.writeable


def _transducer_link(scheme, n_add, eta_t=0.3, emission=1.0, length_km=10.0):
    src = Source(1e6, emission, bright_state_alpha=0.1)
    t = Transducer(efficiency=eta_t, added_noise_photons=n_add)
    half = Fiber(length_km / 2)
    return heralded_link(scheme, src, src, half, half, Detector(0.9), t, t)


@pytest.mark.parametrize("scheme", ["single_click", "double_click"])
def test_fidelity_drops_monotonically_with_added_noise(scheme):
    noise = [0.0, 1e-3, 0.01, 0.05, 0.1, 0.2, 0.5, 1.0, 3.0]
    f = [_transducer_link(scheme, n).fidelity for n in noise]
    p = [_transducer_link(scheme, n).success_probability for n in noise]
    assert all(a > b for a, b in zip(f, f[1:]))
    assert all(a < b for a, b in zip(p, p[1:]))  # false heralds add to the herald rate


def test_transducer_noise_acts_like_dark_counts_only_to_lowest_order():
    """Transducer noise of mu photons per arm at the detectors clicks each detector with about 1 - 1/(1 + mu/2)^2,
    like dark counts of that probability, but it arrives in the photons' own mode, interferes with them and is
    correlated between the two ports. Until round 5 the link model was this dark-count picture (the test asserted
    equality); the exact model (link_models._thermal_click_kernel) heralds less often and with a lower fidelity:
    the dark-count twin overstates the rate by ~1.1 mu (8.8% at mu = 0.078) and the fidelity by ~0.17 mu (0.013)."""
    src = Source(1e6, 0.8)
    t = Transducer(efficiency=0.4, added_noise_photons=0.25)
    f = Fiber(3.0)
    det = Detector(0.9)
    noisy = heralded_link("double_click", src, src, f, f, det, t, t)
    mu = 0.4 * 0.25 * f.transmissivity * 0.9
    p_click = 1 - 1 / (1 + mu / 2) ** 2
    window = 1e-8
    det_dark = Detector(0.9, dark_count_rate_hz=-math.log1p(-p_click) / window, detection_window_s=window)
    quiet = Transducer(efficiency=0.4, added_noise_photons=0.0)
    dark = heralded_link("double_click", src, src, f, f, det_dark, quiet, quiet)
    overstated = dark.success_probability / noisy.success_probability - 1
    assert 0.5 * mu < overstated < 2.5 * mu
    assert 0.05 * mu < dark.fidelity - noisy.fidelity < 0.3 * mu


@given(st.floats(0.0, 2.0))
def test_double_click_noise_closed_form_at_low_efficiency(x):
    # Lowest order in eta, emission 1, V = 1: F = ((1/2 + x)^2 + 1/4) / (2 (x (1 + x) + (1/2 + x)^2)).
    link = _transducer_link("double_click", x, eta_t=1e-4)
    expected = ((0.5 + x) ** 2 + 0.25) / (2 * (x * (1 + x) + (0.5 + x) ** 2))
    assert link.fidelity == pytest.approx(expected, abs=1e-4)


def test_ibm_regime_sits_at_the_entanglement_threshold():
    # IBM (arXiv 2503.10842): N_add = 0.5 is at the threshold of F = 0.5. This model is more
    # pessimistic (documented in link_models): 0.35 at N_add = 0.5, and F = 0.5 is crossed
    # between N_add = 0.1 and 0.5.
    link = superconducting_transducer_link().link(10.0)
    assert 0.3 <= link.fidelity <= 0.5
    assert (
        _transducer_link("double_click", 0.1).fidelity > 0.5 > _transducer_link("double_click", 0.5).fidelity
    )
    better = superconducting_transducer_link(improvement=1000).link(10.0)
    assert better.fidelity > 0.99
    assert better.rate_hz > 1000 * link.rate_hz


def test_nv_presets_at_10_km():
    near = nv_near_term().link(10.0)
    assert near.fidelity == pytest.approx(0.9 * (1 + math.sqrt(0.9) * math.exp(-(0.35**2) / 2)) / 2, abs=2e-3)
    assert near.success_probability == pytest.approx(2 * 0.1 * 0.0046 * 10 ** (-0.1), rel=0.02)
    assert 5 < near.rate_hz < 50
    assert nv_10x_improved().link(10.0).rate_hz > 50 * near.rate_hz


# --- timing and multiplexing ---------------------------------------------------------------------------


def test_attempt_period_and_rate():
    det = Detector(0.8)
    src = Source(1e6, 0.5, emission_delay_s=3.8e-6)
    half = Fiber(5.0)
    single = heralded_link("single_click", src, src, half, half, det)
    assert single.attempt_period_s == pytest.approx(3.8e-6 + 2 * half.delay_s)
    assert single.attempt_period_s == pytest.approx(3.8e-6 + Fiber(10.0).delay_s)
    double = heralded_link("double_click", src, src, half, half, det)
    assert double.attempt_period_s == pytest.approx(2 * single.attempt_period_s)
    assert single.rate_hz == pytest.approx(single.success_probability / single.attempt_period_s)
    # Asymmetric station: the longer arm sets the round trip.
    lopsided = heralded_link("single_click", src, src, Fiber(2.0), Fiber(8.0), det)
    assert lopsided.attempt_period_s == pytest.approx(3.8e-6 + 2 * Fiber(8.0).delay_s)
    # A slow source or transducer sets the period when the fiber does not.
    slow = dataclasses.replace(src, attempt_rate_hz=100.0)
    assert heralded_link(
        "single_click", slow, src, Fiber(0), Fiber(0), det
    ).attempt_period_s == pytest.approx(0.01)
    t = Transducer(0.5, 0.0, repetition_rate_hz=1e3)
    assert heralded_link(
        "double_click", src, src, half, half, det, t, None
    ).attempt_period_s == pytest.approx(2e-3)


@given(st.integers(1, 1000), st.integers(1, 1000))
def test_multiplexing(m_a, m_b):
    det = Detector(0.5)
    base = heralded_link("single_click", Source(1e6, 0.3), Source(1e6, 0.3), Fiber(10), Fiber(10), det)
    sa, sb = Source(1e6, 0.3, num_modes=m_a), Source(1e6, 0.3, num_modes=m_b)
    mux = heralded_link("single_click", sa, sb, Fiber(10), Fiber(10), det)
    m = min(m_a, m_b)
    assert mux.success_probability == pytest.approx(1 - (1 - base.success_probability) ** m, rel=1e-9)
    assert np.allclose(mux.state, base.state)


def test_link_model_is_frozen():
    link = _link("single_click", 0.1, 0.1)
    assert isinstance(link, LinkModel)
    with pytest.raises(dataclasses.FrozenInstanceError):
        link.fidelity = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scheme": "triple_click"}, r"heralded_link scheme must be one of .*got 'triple_click'"),
        ({"phase_std_rad": -0.1}, r"heralded_link phase_std_rad must be >= 0 rad, got -0\.1"),
    ],
)
def test_heralded_link_rejects(kwargs, match):
    with pytest.raises(ValueError, match=match):
        heralded_link(**_link_args(**kwargs))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"source_a": 0.5}, r"heralded_link source_a must be a Source, got 0\.5"),
        ({"fiber_b": 10.0}, r"heralded_link fiber_b must be a Fiber, got 10\.0"),
        ({"detector": None}, r"heralded_link detector must be a Detector, got None"),
        ({"transducer_a": 0.1}, r"heralded_link transducer_a must be a Transducer or None, got 0\.1"),
    ],
)
def test_heralded_link_rejects_wrong_types(kwargs, match):
    with pytest.raises(TypeError, match=match):
        heralded_link(**_link_args(**kwargs))


def test_oracles_reject_wrong_types():
    with pytest.raises(TypeError, match=r"teleportation_fidelity f must be a real number"):
        teleportation_fidelity("0.9")


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: qnsim.dejmps([True, 0, 0, 0], [1, 0, 0, 0]), TypeError,
         r"^dejmps bell_diag_1 must be four numbers \(Phi\+, Psi\+, Psi-, Phi-\), got \[True, 0, 0, 0\]$"),
        (lambda: qnsim.bell_diagonal_state(np.array([1, 0, 0, 0], dtype=bool)), TypeError, r"must be four numbers"),
        (lambda: qnsim.bell_diagonal_state(["1", 0, 0, 0]), TypeError, r"got \['1', 0, 0, 0\]"),
        (lambda: qnsim.bell_diagonal_state("abcd"), TypeError, r"got 'abcd'"),
        (lambda: qnsim.bell_diagonal(np.full((4, 4), np.nan)), ValueError, r"^rho must have finite entries, got \[\[nan"),
        (lambda: qnsim.fidelity(np.full((4, 4), np.nan)), ValueError, r"^rho must have finite entries"),
        (lambda: qnsim.fidelity(5 * np.eye(4)), ValueError, r"^density matrix has trace 2e\+01"),
        (lambda: qnsim.fidelity(np.diag([1.5, -0.5, 0, 0])), ValueError, r"not positive semidefinite"),
        (lambda: qnsim.fidelity(np.full((4, 4), "x")), TypeError, r"^rho must be a 4x4 matrix of numbers"),
    ],
    ids=["dejmps bool", "numpy bools", "text entry", "text", "bell_diagonal nan", "fidelity nan", "fidelity 5 I",
         "fidelity not psd", "fidelity text"],
)
def test_bell_helpers_refuse_bools_text_and_non_states(call, error, match):
    # Bools were weights (True -> 1.0), a NaN matrix had Bell weights nan and 5 * I a fidelity of 5.
    with pytest.raises(error, match=match):
        call()
    assert qnsim.fidelity(np.eye(4) / 4) == pytest.approx(0.25)
    assert qnsim.bell_diagonal(np.eye(4)).tolist() == pytest.approx([1, 1, 1, 1])  # unnormalized: sums to tr


def _link_args(**kwargs):
    return {
        "scheme": "single_click",
        "source_a": Source(1e6, 0.5),
        "source_b": Source(1e6, 0.5),
        "fiber_a": Fiber(1.0),
        "fiber_b": Fiber(1.0),
        "detector": Detector(0.9),
        **kwargs,
    }


def test_no_possible_herald_gives_zero_probability():
    link = _link("double_click", 0.0, 0.0)
    assert link.success_probability == 0.0 and link.rate_hz == 0.0
    assert_density_matrix(link.state)


def test_transducer_sweep_example_runs():
    from pathlib import Path

    module = import_script(Path(__file__).resolve().parents[1] / "examples" / "transducer_sweep.py")
    _, rate, fid = module.sweep(10.0, "double_click", [0.01, 0.5], [0.01, 0.5])
    assert rate.shape == fid.shape == (2, 2)
    assert np.all(np.diff(fid, axis=1) < 0)  # more noise, lower fidelity
    assert np.all(np.diff(rate, axis=0) > 0)  # more efficiency, higher rate
