"""StabilizerSimulator against a numpy statevector oracle and against Stim."""

import hashlib

import numpy as np
import pytest
import stim
from hypothesis import given, settings
from hypothesis import strategies as st
from stats import assert_binomial, assert_normal

import qnsim
from qnsim import _core

# ---------------------------------------------------------------- statevector oracle
# Qubit 0 is the most significant bit of the state index (docs/concepts.md).

_I2 = np.eye(2, dtype=complex)
_PAULI = {
    "I": _I2,
    "_": _I2,
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}
_ONE_QUBIT = {
    "h": np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2),
    "s": np.diag([1, 1j]),
    "s_dag": np.diag([1, -1j]),
    "x": _PAULI["X"],
    "y": _PAULI["Y"],
    "z": _PAULI["Z"],
}


class StateVector:
    def __init__(self, n):
        self.n = n
        self.psi = np.zeros(2**n, dtype=complex)
        self.psi[0] = 1

    def _tensor(self):
        return self.psi.reshape([2] * self.n)

    def apply1(self, u, q):
        t = np.tensordot(u, self._tensor(), axes=([1], [q]))
        self.psi = np.moveaxis(t, 0, q).reshape(-1)

    def apply_controlled(self, u, c, t):
        psi = self._tensor().copy()
        idx = [slice(None)] * self.n
        idx[c] = 1
        sub = psi[tuple(idx)]
        t_axis = t if t < c else t - 1
        sub = np.moveaxis(np.tensordot(u, sub, axes=([1], [t_axis])), 0, t_axis)
        psi[tuple(idx)] = sub
        self.psi = psi.reshape(-1)

    def swap(self, a, b):
        self.psi = np.swapaxes(self._tensor(), a, b).reshape(-1)

    def expectation(self, pauli):
        sign = 1
        if pauli[0] in "+-":
            sign = -1 if pauli[0] == "-" else 1
            pauli = pauli[1:]
        pauli = pauli.ljust(self.n, "_")
        phi = self.psi.copy()
        saved = self.psi
        for q, c in enumerate(pauli):
            self.apply1(_PAULI[c], q)
        phi, self.psi = self.psi, saved
        return sign * np.vdot(self.psi, phi).real

    def prob_one(self, q):
        return float(np.sum(np.abs(self._tensor().take(1, axis=q)) ** 2))

    def project(self, q, m):
        psi = self._tensor().copy()
        idx = [slice(None)] * self.n
        idx[q] = 1 - m
        psi[tuple(idx)] = 0
        self.psi = psi.reshape(-1) / np.linalg.norm(psi)


def apply_both(sim, sv, op, qs):
    getattr(sim, op)(*qs)
    if op in _ONE_QUBIT:
        sv.apply1(_ONE_QUBIT[op], qs[0])
    elif op == "cx":
        sv.apply_controlled(_PAULI["X"], *qs)
    elif op == "cy":
        sv.apply_controlled(_PAULI["Y"], *qs)
    elif op == "cz":
        sv.apply_controlled(_PAULI["Z"], *qs)
    elif op == "swap":
        sv.swap(*qs)


_OPS1 = list(_ONE_QUBIT)
_OPS2 = ["cx", "cy", "cz", "swap"]


@st.composite
def clifford_programs(draw, max_qubits=6, max_len=30):
    n = draw(st.integers(1, max_qubits))
    ops = []
    for _ in range(draw(st.integers(0, max_len))):
        if n >= 2 and draw(st.booleans()):
            a, b = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
            ops.append((draw(st.sampled_from(_OPS2)), (a, b)))
        elif draw(st.integers(0, 5)) == 0:
            ops.append(("measure", (draw(st.integers(0, n - 1)),)))
        else:
            ops.append((draw(st.sampled_from(_OPS1)), (draw(st.integers(0, n - 1)),)))
    paulis = draw(st.lists(st.text("IXYZ_", min_size=n, max_size=n), min_size=3, max_size=3))
    signs = draw(st.lists(st.sampled_from("+-"), min_size=3, max_size=3))
    return n, ops, [s + p for s, p in zip(signs, paulis)], draw(st.integers(0, 2**32))


@settings(max_examples=150, deadline=None)
@given(clifford_programs())
def test_random_clifford_circuits_match_statevector(program):
    n, ops, paulis, seed = program
    sim = qnsim.StabilizerSimulator(n, seed=seed)
    sv = StateVector(n)
    for op, qs in ops:
        if op == "measure":
            (q,) = qs
            p1 = sv.prob_one(q)
            m = sim.measure(q)
            # Stabilizer outcomes are deterministic (p in {0, 1}) or fair coins (p = 1/2).
            assert min(abs(p1), abs(p1 - 0.5), abs(p1 - 1)) < 1e-9
            if p1 < 1e-9 or p1 > 1 - 1e-9:
                assert m == round(p1)
            sv.project(q, m)
        else:
            apply_both(sim, sv, op, qs)
    for p in paulis:
        assert sim.peek_observable_expectation(p) == pytest.approx(sv.expectation(p), abs=1e-9)
    for q in range(n):
        expected = sv.expectation("_" * q + "Z")
        assert sim.peek_observable_expectation("_" * q + "Z") == pytest.approx(expected, abs=1e-9)


def test_measurement_bases_match_statevector():
    for basis, prep in [("X", ["h"]), ("Y", ["h", "s"])]:
        for flip in (False, True):
            sim = qnsim.StabilizerSimulator(1, seed=3)
            for g in prep:
                getattr(sim, g)(0)
            if flip:
                sim.z(0)
            assert sim.measure(0, basis=basis) == int(flip)
            assert (sim.mx(0) if basis == "X" else sim.my(0)) == int(flip)
    sim = qnsim.StabilizerSimulator(3, seed=1)
    sim.reset_x(0)
    sim.reset_y(1)
    sim.x(2)
    sim.reset(2)
    assert sim.peek_observable_expectation("XYZ") == 1


# ---------------------------------------------------------------- against Stim

_STIM_NAMES = {"h": "H", "s": "S", "s_dag": "S_DAG", "x": "X", "y": "Y", "z": "Z", "cx": "CX", "cy": "CY",
               "cz": "CZ", "swap": "SWAP"}


def _random_gate_list(rng, n, length):
    ops = []
    for _ in range(length):
        if rng.random() < 0.5:
            a, b = rng.choice(n, 2, replace=False)
            ops.append((_OPS2[rng.integers(4)], (int(a), int(b))))
        else:
            ops.append((_OPS1[rng.integers(len(_OPS1))], (int(rng.integers(n)),)))
    return ops


def test_larger_random_circuits_match_stim_expectations():
    rng = np.random.default_rng(5)
    for trial in range(4):
        n = 50
        sim = qnsim.StabilizerSimulator(n, seed=trial)
        ref = stim.TableauSimulator()
        ref.set_num_qubits(n)
        for op, qs in _random_gate_list(rng, n, 400):
            getattr(sim, op)(*qs)
            ref.do(stim.CircuitInstruction(_STIM_NAMES[op], list(qs)))
        for _ in range(40):
            weight = rng.integers(1, 4)
            p = ["_"] * n
            for q in rng.choice(n, weight, replace=False):
                p[q] = "XYZ"[rng.integers(3)]
            text = ("-" if rng.random() < 0.5 else "+") + "".join(p)
            assert sim.peek_observable_expectation(text) == ref.peek_observable_expectation(stim.PauliString(text))
        # Stabilizers of Stim's state are +1 eigen-operators of ours.
        for stab in ref.canonical_stabilizers()[:10]:
            assert sim.peek_observable_expectation(stab) == 1
        # Deterministic Z outcomes agree; a random one is forced consistent by feeding ours to Stim.
        for q in range(n):
            expected = ref.peek_z(q)
            m = sim.measure(q)
            if expected != 0:
                assert m == (expected == -1)
            ref.postselect_z(q, desired_value=bool(m))
        for q in range(n):
            assert sim.peek_observable_expectation("_" * q + "Z") == ref.peek_z(q)


def test_deterministic_vs_random_measurements_on_ghz_chain():
    n = 200
    sim = qnsim.StabilizerSimulator(n, seed=11)
    sim.h(0)
    for q in range(n - 1):
        sim.cx(q, q + 1)
    first = sim.measure(0)
    assert sim.measure_many(*range(n)) == [first] * n


def test_outcome_statistics_match_stim():
    circuit = "H 0\nCX 0 1\nS 1\nH 1\nCZ 1 2\nH 2\nM 0 1 2\n"
    ours = np.array([qnsim.StabilizerSimulator(3, seed=s).do_circuit(circuit) for s in range(2000)])
    theirs = stim.Circuit(circuit).compile_sampler(seed=1).sample(2000).astype(np.uint8)
    for cols in [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2)]:
        ours_parity = np.bitwise_xor.reduce(ours[:, cols], axis=1).mean()
        theirs_parity = np.bitwise_xor.reduce(theirs[:, cols], axis=1).mean()
        # Difference of two independent rates, each with sigma <= 0.5 / sqrt(2000).
        assert_normal(ours_parity - theirs_parity, 0.0, sigma=0.5 / np.sqrt(2000) * np.sqrt(2), what=f"parity {cols}")


def test_random_circuit_text_matches_stim_deterministic_record():
    # A circuit whose record is fully determined: stabilizer measurements of a random Clifford
    # state, undone by the inverse gates. Stim and qnsim must give identical records.
    rng = np.random.default_rng(9)
    n = 30
    gates = _random_gate_list(rng, n, 200)
    inverse = {"s": "S_DAG", "s_dag": "S"}
    lines = [f"{_STIM_NAMES[op]} {' '.join(map(str, qs))}" for op, qs in gates]
    lines += [f"{inverse.get(op, _STIM_NAMES[op])} {' '.join(map(str, qs))}" for op, qs in reversed(gates)]
    lines.append("X 3 7\nM " + " ".join(map(str, range(n))) + "\nMR !5 5\nH 0 1\nS 1\nMX 0\nMY 1")
    text = "\n".join(lines)
    ours = qnsim.StabilizerSimulator(n, seed=1).do_circuit(text)
    theirs = stim.Circuit(text).compile_sampler().sample(1)[0].astype(np.uint8)
    np.testing.assert_array_equal(ours, theirs)


# ---------------------------------------------------------------- do_circuit


def test_bell_circuit_is_perfectly_correlated():
    records = [qnsim.StabilizerSimulator(2, seed=s).do_circuit("H 0\nCNOT 0 1\nM 0 1") for s in range(200)]
    records = np.array(records)
    assert records.dtype == np.uint8
    assert np.all(records[:, 0] == records[:, 1])
    assert 50 < records[:, 0].sum() < 150


def test_repeat_blocks_nested_counts():
    text = """
    # comment line
    REPEAT 3 {
        X 0
        M 0   # trailing comment
        REPEAT 2 {
            M !1
        }
    }
    TICK
    """
    rec = qnsim.StabilizerSimulator(2, seed=0).do_circuit(text)
    assert rec.tolist() == [1, 1, 1, 0, 1, 1, 1, 1, 1]


def test_stim_circuit_objects_and_case_insensitive_names():
    c = stim.Circuit("H 0\nCX 0 1\nM 0 1")
    assert qnsim.StabilizerSimulator(2, seed=1).do_circuit(c).shape == (2,)
    assert qnsim.StabilizerSimulator(1).do_circuit("x 0\nm 0").tolist() == [1]


def test_same_seed_same_record_bit_for_bit():
    text = "REPEAT 20 {\nH 0 1 2 3\nCX 0 1 2 3\nDEPOLARIZE1(0.1) 0 1 2 3\nDEPOLARIZE2(0.1) 0 2\nM 0 1 2 3\n}"
    a = qnsim.StabilizerSimulator(4, seed=123).do_circuit(text)
    b = qnsim.StabilizerSimulator(4, seed=123).do_circuit(text)
    c = qnsim.StabilizerSimulator(4, seed=124).do_circuit(text)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_x_error_statistics():
    shots = 20000
    rec = qnsim.StabilizerSimulator(1, seed=5).do_circuit(f"REPEAT {shots} {{\nX_ERROR(0.2) 0\nMR 0\n}}")
    assert_binomial(rec.sum(), shots, 0.2, what="X_ERROR flips")


@pytest.mark.parametrize("p", [0.3, 0.9])
def test_depolarize1_flips_z_measurement_with_prob_two_thirds_p(p):
    shots = 20000
    rec = qnsim.StabilizerSimulator(1, seed=6).do_circuit(f"REPEAT {shots} {{\nDEPOLARIZE1({p}) 0\nMR 0\n}}")
    assert_binomial(rec.sum(), shots, 2 * p / 3, what="DEPOLARIZE1 flips")


def test_depolarize2_and_pauli_channel_statistics():
    shots = 20000
    rec = qnsim.StabilizerSimulator(2, seed=8).do_circuit(f"REPEAT {shots} {{\nDEPOLARIZE2(0.6) 0 1\nMR 0 1\n}}")
    rec = rec.reshape(-1, 2)
    # Of the 15 Paulis, 8 flip qubit 0 in Z, 8 flip qubit 1, 4 flip both... each p/15.
    for col in (0, 1):
        assert_binomial(rec[:, col].sum(), shots, 0.6 * 8 / 15, what=f"DEPOLARIZE2 flips of qubit {col}")
    assert_binomial((rec[:, 0] & rec[:, 1]).sum(), shots, 0.6 * 4 / 15, what="DEPOLARIZE2 flips of both")
    rec = qnsim.StabilizerSimulator(1, seed=9).do_circuit(f"REPEAT {shots} {{\nPAULI_CHANNEL_1(0.1, 0.2, 0.3) 0\nMR 0\n}}")
    assert_binomial(rec.sum(), shots, 0.3, what="PAULI_CHANNEL_1 flips")
    rec = qnsim.StabilizerSimulator(1, seed=9).do_circuit(f"REPEAT {shots} {{\nM(0.25) 0\n}}")
    assert_binomial(rec.sum(), shots, 0.25, what="M(0.25) flips")


def test_python_noise_methods():
    shots = 4000
    sim = qnsim.StabilizerSimulator(3, seed=2)
    flips = np.zeros(3)
    for _ in range(shots):
        sim.x_error(0, p=0.5)
        sim.y_error(1, p=0.5)
        sim.depolarize1(2, p=0.75)
        flips += sim.measure_many(0, 1, 2)
        sim.reset(0, 1, 2)
    for q, name in enumerate(("x_error", "y_error", "depolarize1")):
        assert_binomial(flips[q], shots, 0.5, what=f"{name} flips")
    sim.z_error(0, p=1)
    sim.depolarize2(0, 1, p=0)
    sim.pauli_channel_1(0, px=1, py=0, pz=0)
    assert sim.measure(0) == 1


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("H 0\n\n\nCNT 0 1", r"unknown gate 'CNT' on line 4; did you mean 'CNOT'\?"),
        ("X_ERROR(1.5) 0", r"probability 1.5 of X_ERROR is outside \[0, 1\] on line 1"),
        ("X_ERROR(-0.1) 0", r"probability -0.1 .* on line 1"),
        ("X_ERROR 0", r"X_ERROR takes 1 probability argument .*got 0 on line 1"),
        ("H(0.1) 0", r"H takes no parenthesized arguments, got 1 on line 1"),
        ("DEPOLARIZE1(0.1, 0.2) 0", r"takes 1 probability argument.* got 2 on line 1"),
        ("PAULI_CHANNEL_1(0.5, 0.4, 0.3) 0", r"sum to 1.2.* > 1 on line 1"),
        ("X_ERROR(0.1 0", r"missing '\)'"),
        ("H 0\nM 7", r"qubit 7 of M is out of range for num_qubits=3 on line 2"),
        ("CX 0 1 2", r"CX needs an even number of targets \(pairs\), got 3 on line 1"),
        ("CZ 1 1", r"CZ acts on qubit 1 twice in one pair on line 1"),
        ("REPEAT 0 {\nH 0\n}", r"REPEAT count must be at least 1, got 0 on line 1"),
        ("REPEAT -2 {\nH 0\n}", r"REPEAT count must be at least 1, got -2 on line 1"),
        ("REPEAT 2 {\nH 0\n", r"unbalanced braces: the REPEAT block opened on line 1 is never closed"),
        ("H 0\n}", r"unbalanced braces: '\}' without an open REPEAT block on line 2"),
        ("CX rec[-1] 0", r"CX target 'rec\[-1\]' looks back 1 measurement, but only 0 precede it"),
        ("H !0", r"inverted target '!' is only allowed on measurements"),
        ("REPEAT 3\nH 0", r"REPEAT block must open with '\{'"),
    ],
)
def test_circuit_parse_errors(text, match):
    sim = qnsim.StabilizerSimulator(3, seed=0)
    with pytest.raises(qnsim.CircuitParseError, match=match):
        sim.do_circuit(text)


def test_parse_error_leaves_state_untouched():
    sim = qnsim.StabilizerSimulator(1, seed=0)
    with pytest.raises(qnsim.CircuitParseError):
        sim.do_circuit("X 0\nBOGUS 0")
    assert sim.peek_observable_expectation("Z") == 1


# ---------------------------------------------------------------- bad input from Python


def test_bad_arguments_raise_clear_errors():
    sim = qnsim.StabilizerSimulator(4, seed=0)
    with pytest.raises(IndexError, match=r"qubit 4 is out of range for a simulator with num_qubits=4"):
        sim.h(4)
    with pytest.raises(IndexError, match=r"qubit -1 is out of range"):
        sim.measure(-1)
    with pytest.raises(IndexError, match=r"qubit 9 is out of range"):
        sim.cx(0, 9)
    with pytest.raises(ValueError, match=r"got qubit 2 twice"):
        sim.cx(2, 2)
    with pytest.raises(ValueError, match=r"odd count 3"):
        sim.cz(0, 1, 2)
    with pytest.raises(ValueError, match=r"p=1.5 is not a probability"):
        sim.x_error(0, p=1.5)
    with pytest.raises(ValueError, match=r"p=-0.25 is not a probability"):
        sim.depolarize2(0, 1, p=-0.25)
    with pytest.raises(ValueError, match=r"exceeds 1"):
        sim.pauli_channel_1(0, px=0.5, py=0.5, pz=0.5)
    with pytest.raises(ValueError, match=r"invalid Pauli character 'Q' at position 2"):
        sim.peek_observable_expectation("+XQ")
    with pytest.raises(ValueError, match=r"length 5 is longer than num_qubits=4"):
        sim.peek_observable_expectation("XXXXX")
    with pytest.raises(ValueError, match=r"basis must be 'X', 'Y' or 'Z', got 'W'"):
        sim.measure(0, basis="W")
    with pytest.raises(ValueError, match=r"num_qubits must be in \[0, 2\*\*63 - 1\], got -1$"):
        qnsim.StabilizerSimulator(-1)
    with pytest.raises(qnsim.StateTooLargeError, match=r"2000000 qubits would need \d+ bytes"):
        qnsim.StabilizerSimulator(2_000_000)
    with pytest.raises(qnsim.StateTooLargeError, match=r"200000 qubits would need 200\d{8} bytes"):
        qnsim.StabilizerSimulator(200_000)
    # The same reading of a qubit as every engine (bindings/arguments.h): the value is named,
    # and a bool is not a qubit.
    with pytest.raises(TypeError, match=r"^a qubit must be an int, got '0'$"):
        sim.h("0")
    with pytest.raises(TypeError, match=r"^a qubit must be an int, got 1.5$"):
        sim.x([1.5])
    with pytest.raises(TypeError, match=r"^a qubit must be an int, got True$"):
        sim.h(True)
    with pytest.raises(TypeError, match=r"^a qubit must be an int, got np.False_$"):
        sim.h(np.bool_(False))
    with pytest.raises(IndexError, match=r"qubit 1180591620717411303424 is out of range"):
        sim.z(2**70)
    # Nothing above changed the state.
    assert sim.peek_observable_expectation("ZZZZ") == 1


def test_shorter_pauli_strings_are_padded_and_lists_are_flattened():
    sim = qnsim.StabilizerSimulator(5, seed=0)
    sim.x([1], np.array([3]))
    sim.y(np.int64(0), range(0, 1))  # Y twice: identity
    assert sim.peek_observable_expectation("-_Z") == 1
    assert sim.peek_observable_expectation("") == 1
    assert sim.peek_observable_expectation(stim.PauliString("+IZIZ")) == 1


def test_copy_is_independent():
    sim = qnsim.StabilizerSimulator(2, seed=4)
    sim.h(0)
    twin = sim.copy(copy_rng=True)
    other = sim.copy(seed=3)
    assert twin.num_qubits == 2 and repr(twin) == "qnsim.StabilizerSimulator(num_qubits=2)"
    twin.cx(0, 1)
    assert sim.peek_observable_expectation("ZZ") == 0
    assert twin.peek_observable_expectation("ZZ") == 1
    assert sim.measure(0) == sim.copy(copy_rng=True).measure(0)
    assert other.peek_observable_expectation("X") == 1


def test_ten_thousand_qubits():
    n = 10_000
    sim = qnsim.StabilizerSimulator(n, seed=1)
    sim.h(0)
    sim.cx(*[q for k in range(n - 1) for q in (k, k + 1)][:2000])
    a = sim.measure(0)
    assert sim.measure(1000) == a
    assert sim.peek_observable_expectation("Z" * n) == 1 - 2 * ((a * 1001) % 2)


def test_row_and_transposed_collapse_paths_agree():
    # measure() collapses one random outcome with a row pass; a batch of many random outcomes uses
    # the transposed elimination. Same seed, same draws: the records must be identical.
    rng = np.random.default_rng(2)
    n = 130
    gates = _random_gate_list(rng, n, 600)
    a = qnsim.StabilizerSimulator(n, seed=77)
    b = qnsim.StabilizerSimulator(n, seed=77)
    for op, qs in gates:
        getattr(a, op)(*qs)
        getattr(b, op)(*qs)
    targets = [int(q) for q in rng.permutation(n)[:60]]
    one_by_one = [a.measure(q) for q in targets]
    assert b.measure_many(*targets) == one_by_one
    for q in range(n):
        z = "_" * q + "Z"
        assert a.peek_observable_expectation(z) == b.peek_observable_expectation(z)


def test_do_circuit_and_method_calls_draw_identically():
    text = """
    H 0 2
    CX 0 1 2 3
    X_ERROR(0.3) 0 1 2 3
    DEPOLARIZE1(0.4) 1 3
    DEPOLARIZE2(0.5) 0 3
    PAULI_CHANNEL_1(0.1, 0.2, 0.3) 2
    CY 1 2
    M 0 1 2 3
    MX 0
    MY 1
    R 2
    MR 3
    """
    for seed in range(20):
        record = qnsim.StabilizerSimulator(4, seed=seed).do_circuit(text).tolist()
        sim = qnsim.StabilizerSimulator(4, seed=seed)
        sim.h(0, 2)
        sim.cx(0, 1, 2, 3)
        sim.x_error(0, 1, 2, 3, p=0.3)
        sim.depolarize1(1, 3, p=0.4)
        sim.depolarize2(0, 3, p=0.5)
        sim.pauli_channel_1(2, px=0.1, py=0.2, pz=0.3)
        sim.cy(1, 2)
        calls = sim.measure_many(0, 1, 2, 3) + [sim.mx(0), sim.my(1)]
        sim.reset(2)
        calls.append(sim.measure(3))
        sim.reset(3)
        assert record == calls


@pytest.mark.parametrize("n", [64, 600])
def test_batched_measurement_matches_stim_postselected(n):
    # Batches with many random outcomes take the transposed path (several 8 x 8 block tiles at
    # n = 600, with padded rows); every outcome must be consistent with Stim's state.
    rng = np.random.default_rng(n)
    sim = qnsim.StabilizerSimulator(n, seed=3)
    ref = stim.TableauSimulator()
    ref.set_num_qubits(n)
    for layer in range(3):
        for op, qs in _random_gate_list(rng, n, 3 * n):
            getattr(sim, op)(*qs)
            ref.do(stim.CircuitInstruction(_STIM_NAMES[op], list(qs)))
        targets = [int(q) for q in rng.choice(n, n // 3, replace=False)]
        peeks = [ref.peek_z(q) for q in targets]
        results = sim.measure_many(*targets)
        for q, peek, m in zip(targets, peeks, results):
            if peek != 0:
                assert m == (peek == -1)
            ref.postselect_z(q, desired_value=bool(m))
        for _ in range(20):
            p = "".join(rng.choice(list("_XYZ"), n, p=[0.97, 0.01, 0.01, 0.01]))
            assert sim.peek_observable_expectation(p) == ref.peek_observable_expectation(stim.PauliString(p))


# ---------------------------------------------------------------- bit-kernel variants


def _portable_circuit(n, layers, seed):
    """Circuit text from a 64-bit LCG: the same text on every platform and numpy version."""
    state = seed * 6364136223846793005 + 1442695040888963407

    def below(k):
        nonlocal state
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        return (state >> 33) % k

    lines = []
    for _ in range(layers):
        perm = list(range(n))
        for i in range(n - 1, 0, -1):
            j = below(i + 1)
            perm[i], perm[j] = perm[j], perm[i]
        groups = {}
        for q in perm:
            groups.setdefault(["H", "S", "S_DAG", "X", "Y", "Z", "CX", "CZ", "SWAP"][below(9)], []).append(q)
        for name, qs in groups.items():
            if name in ("CX", "CZ", "SWAP"):
                qs = qs[: len(qs) // 2 * 2]
            if qs:
                lines.append(name + " " + " ".join(map(str, qs)))
        # Few random outcomes collapse row by row, many share a transposition: cover both.
        k = 1 + below(2 if below(2) else max(1, n // 2))
        lines.append(["M", "MX", "MY", "MR", "R", "RX"][below(6)] + " " + " ".join(map(str, perm[:k])))
        lines.append("DEPOLARIZE1(0.02) " + " ".join(map(str, range(n))))
    return "\n".join(lines) + "\n"


_KERNEL_CASES = [(1, 40), (3, 40), (64, 30), (65, 30), (130, 20), (200, 12), (300, 8), (513, 6), (700, 4)]


def _kernel_run(n, layers):
    sim = qnsim.StabilizerSimulator(n, seed=n)
    record = sim.do_circuit(_portable_circuit(n, layers, n)).tolist()
    peeks = [sim.peek_observable_expectation("_" * q + "Z") for q in range(0, n, max(1, n // 16))]
    return record, peeks


def test_every_bit_kernel_variant_gives_the_same_records():
    # The tableau's word loops run on the widest variant the CPU supports (generic64, generic128,
    # avx2, avx512). Force each one the CPU runs: same seed, same record, bit for bit.
    active, available = _core._bit_kernels()
    assert active in available and "generic64" in available
    runs = {}
    try:
        for name in available:
            _core._select_bit_kernel(name)
            assert _core._bit_kernels()[0] == name
            runs[name] = [_kernel_run(n, layers) for n, layers in _KERNEL_CASES]
    finally:
        _core._select_bit_kernel(active)
    for name in available:
        assert runs[name] == runs["generic64"], name


def test_records_reproduce_across_platforms():
    # A fixed digest of the records above: any CPU, OS or kernel variant must reproduce it.
    digest = hashlib.sha256()
    for n, layers in _KERNEL_CASES:
        record, peeks = _kernel_run(n, layers)
        digest.update(bytes(record) + repr(peeks).encode())
    assert digest.hexdigest()[:16] == "3fe4853d3df45fac"


def test_unknown_bit_kernel_is_refused():
    active = _core._bit_kernels()[0]
    with pytest.raises(ValueError, match=r"bit kernel 'avx1024' is not available on this CPU; choose auto, generic64"):
        _core._select_bit_kernel("avx1024")
    assert _core._bit_kernels()[0] == active


class _Stop(Exception):
    pass


def test_a_long_circuit_can_be_interrupted():
    # REPEAT 10^12 is valid input; before, do_circuit ran it with the GIL released and no signal
    # check, so Ctrl-C could not stop it (only SIGKILL).
    import os
    import signal
    import threading
    import time

    def stop(signum, frame):
        raise _Stop

    previous = signal.signal(signal.SIGUSR1, stop)
    sim = qnsim.StabilizerSimulator(3, seed=1)
    timer = threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGUSR1))
    try:
        timer.start()
        # CPU time, not wall time: the bug ran for CPU-hours; a loaded machine stretches wall time.
        start = time.process_time()
        with pytest.raises(_Stop):
            sim.do_circuit("REPEAT 1000000000000 {\nH 0\n}", max_operations=10**12)
        assert time.process_time() - start < 10
    finally:
        timer.cancel()
        signal.signal(signal.SIGUSR1, previous)
    assert list(sim.do_circuit("X 1\nM 1")) == [1]  # the simulator still works
