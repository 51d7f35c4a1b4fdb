"""The stabilizer engine's circuit text, its Python gate methods and the estimator's circuit reader, against Stim.

Random circuits over every instruction ``StabilizerSimulator.do_circuit`` executes (its Clifford gates and their
aliases, M/MX/MY/MR/MRX/MRY with '!' and flip probabilities, R/RX/RY, the Pauli noise channels, TICK,
QUBIT_COORDS, SHIFT_COORDS, DETECTOR, OBSERVABLE_INCLUDE, nested REPEAT blocks, lower-case names) are run by qnsim
and replayed in ``stim.TableauSimulator`` post-selected on qnsim's outcomes: a deterministic outcome must agree
and the final states must be equal (Stim's canonical stabilizers are +1 in qnsim's state). Noisy ones are compared
as sampled statistics (seeded: the tests are deterministic). The earlier files (tests/test_stabilizer.py,
test_bad_input_round*.py) check fixed gate lists and parse errors; this one draws the instruction mix.
"""

import itertools
import re

import numpy as np
import pytest
import stim
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stats import assert_normal

import qnsim
from qnsim.estimate import Workload, count_circuit, stream_circuit_file

_SINGLE = ["H", "S", "S_DAG", "X", "Y", "Z", "I", "H_XZ", "SQRT_Z", "SQRT_Z_DAG"]
_PAIR = ["CX", "CY", "CZ", "SWAP", "CNOT", "ZCX", "ZCY", "ZCZ"]
_MEASURE = ["M", "MX", "MY", "MR", "MRX", "MRY", "MZ", "MRZ"]
_RESET = ["R", "RX", "RY", "RZ"]
_PROBABILITIES = [0.0, 0.05, 0.125, 0.3, 0.5, 1.0]
_REPEAT_ONLY = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def _circuits(draw, n, noisy, depth=0, measured=0):
    """(text, measurements it records at its first execution) over qubits 0..n-1."""
    lines = []

    def qubits(k):
        return draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=k))

    def name(g):  # the parser is case-insensitive, as Stim's
        return g.lower() if draw(st.integers(0, 4)) == 0 else g

    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["single", "pair", "measure", "reset", "noise", "annotation", "repeat"]))
        if kind == "single":
            lines.append(f"{name(draw(st.sampled_from(_SINGLE)))} {' '.join(map(str, qubits(4)))}")  # repeats allowed
        elif kind == "pair" and n >= 2:
            pair = st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True)
            pairs = draw(st.lists(pair, min_size=1, max_size=3))
            lines.append(f"{name(draw(st.sampled_from(_PAIR)))} {' '.join(str(q) for p in pairs for q in p)}")
        elif kind == "measure":
            qs = qubits(4)
            targets = " ".join(("!" if draw(st.booleans()) else "") + str(q) for q in qs)
            flip = f"({draw(st.sampled_from(_PROBABILITIES))})" if noisy and draw(st.booleans()) else ""
            lines.append(f"{name(draw(st.sampled_from(_MEASURE)))}{flip} {targets}")
            measured += len(qs)
        elif kind == "reset":
            lines.append(f"{name(draw(st.sampled_from(_RESET)))} {' '.join(map(str, qubits(3)))}")
        elif kind == "noise" and noisy:
            p = draw(st.sampled_from(_PROBABILITIES))
            channels = ["X_ERROR", "Y_ERROR", "Z_ERROR", "DEPOLARIZE1", "PAULI_CHANNEL_1", "DEPOLARIZE2"]
            channel = draw(st.sampled_from(channels))
            if channel == "PAULI_CHANNEL_1":
                a, b = sorted(draw(st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5]), min_size=2, max_size=2)))
                lines.append(f"PAULI_CHANNEL_1({a}, {b - a}, {0.5 - b}) {' '.join(map(str, qubits(3)))}")
            elif channel == "DEPOLARIZE2" and n >= 2:
                a, b = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
                lines.append(f"DEPOLARIZE2({p}) {a} {b}")
            elif channel != "DEPOLARIZE2":
                lines.append(f"{channel}({p}) {' '.join(map(str, qubits(3)))}")
        elif kind == "annotation":
            which = draw(st.integers(0, 4))
            back = min(measured, 5)  # rec[-k] looks back at most to the first measurement
            lookbacks = [draw(st.integers(1, back)) for _ in range(draw(st.integers(0, 2)))] if measured else []
            records = " ".join(f"rec[-{k}]" for k in lookbacks)
            if which == 0:
                lines.append("TICK")
            elif which == 1:
                lines.append(f"QUBIT_COORDS({draw(st.integers(-3, 3))}, 0.5) {draw(st.integers(0, n - 1))}")
            elif which == 2:
                lines.append("SHIFT_COORDS(0, 1)")
            elif which == 3:
                lines.append(f"DETECTOR(1, 2) {records}".rstrip())
            else:
                pauli = f"{draw(st.sampled_from(['', '!']))}{draw(st.sampled_from('XYZ'))}{draw(st.integers(0, n - 1))}"
                lines.append(f"OBSERVABLE_INCLUDE({draw(st.integers(0, 2))}) {records} {pauli}")
        elif kind == "repeat" and depth < 2:
            body, body_measured = draw(_circuits(n, noisy, depth + 1, measured))
            lines.append(f"REPEAT {draw(st.integers(1, 3))} {{\n{body}\n}}")
            measured = body_measured  # what precedes the next line at its first execution (one pass is enough)
    return "\n".join(lines), measured


_BASIS = {"M": "z", "MR": "z", "MX": "x", "MRX": "x", "MY": "y", "MRY": "y", "R": "z", "RX": "x", "RY": "y"}
_RESET_OF = {"z": "R", "x": "RX", "y": "RY"}
_NOT_RUN_ALONE = {"TICK", "DETECTOR", "OBSERVABLE_INCLUDE", "QUBIT_COORDS", "SHIFT_COORDS"}


def _assert_same_state(sim, ref, what=""):
    for stabilizer in ref.canonical_stabilizers():
        assert sim.peek_observable_expectation(stabilizer) == 1, f"{stabilizer} {what}"


def _same_state(sim, ref):
    return all(sim.peek_observable_expectation(s) == 1 for s in ref.canonical_stabilizers())


def _run_in_step(text, n, seed):
    """Runs `text` in qnsim one flattened instruction at a time (resets one target at a time) while Stim
    follows: Stim's measurements are post-selected on qnsim's outcomes (one Stim finds deterministic must be
    qnsim's), and a reset's unrecorded collapse takes the branch qnsim took; after every step the two states
    must be equal. Returns qnsim's record."""
    sim = qnsim.StabilizerSimulator(n, seed=seed)
    ref = stim.TableauSimulator()
    ref.set_num_qubits(n)
    record = []
    for ins in stim.Circuit(text).flattened():
        if ins.name in _NOT_RUN_ALONE:  # they change no state (and a rec[-k] would look before this call)
            continue
        basis = _BASIS.get(ins.name)
        if basis is None:
            sim.do_circuit(str(ins))
            ref.do(ins)
        elif ins.name.startswith("R"):
            for t in ins.targets_copy():
                sim.do_circuit(f"{ins.name} {t.value}")
                if getattr(ref, f"peek_{basis}")(t.value) != 0:
                    ref.do(stim.CircuitInstruction(ins.name, [t.value]))
                    continue
                for collapsed in (False, True):
                    branch = ref.copy()
                    getattr(branch, f"postselect_{basis}")(t.value, desired_value=collapsed)
                    branch.do(stim.CircuitInstruction(ins.name, [t.value]))
                    if _same_state(sim, branch):
                        ref = branch
                        break
                else:
                    raise AssertionError(f"no collapse of {ins.name} {t.value} gives qnsim's state in\n{text}")
        else:
            outcomes = sim.do_circuit(str(ins)).tolist()
            for t, m in zip(ins.targets_copy(), outcomes):
                want = bool(m) != t.is_inverted_result_target
                peek = getattr(ref, f"peek_{basis}")(t.value)
                assert peek == 0 or want == (peek == -1), f"{ins} of\n{text}"
                getattr(ref, f"postselect_{basis}")(t.value, desired_value=want)
                if ins.name.startswith("MR"):
                    ref.do(stim.CircuitInstruction(_RESET_OF[basis], [t.value]))
            record += outcomes
        _assert_same_state(sim, ref, f"after {ins} in\n{text}")
    return record


# ---------------------------------------------------------------- noiseless: records and states


@_REPEAT_ONLY
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(st.just(n), _circuits(n, noisy=False), st.integers(0, 2**32))))
def test_random_noiseless_circuits_match_stim_record_and_state(case):
    n, (text, _), seed = case
    record = _run_in_step(text, n, seed)
    assert len(record) == stim.Circuit(text).num_measurements
    # The whole text in one call draws as the steps did: the same record.
    assert qnsim.StabilizerSimulator(n, seed=seed).do_circuit(text).tolist() == record


# ---------------------------------------------------------------- noisy: sampled statistics

_SHOTS = 1500


def _assert_same_column_rates(ours, theirs, what):
    """Two independent samples of each column (and of each adjacent pair's parity) have the same mean."""
    columns = [ours[:, [k]] for k in range(ours.shape[1])], [theirs[:, [k]] for k in range(theirs.shape[1])]
    pairs = ([ours[:, k : k + 2] for k in range(ours.shape[1] - 1)],
             [theirs[:, k : k + 2] for k in range(theirs.shape[1] - 1)])
    for a, b in itertools.chain(zip(*columns), zip(*pairs)):
        pa, pb = np.bitwise_xor.reduce(a, axis=1).mean(), np.bitwise_xor.reduce(b, axis=1).mean()
        pooled = (pa + pb) / 2
        # 6 sigma: each example compares up to ~40 rates, and the examples are fixed (derandomized).
        assert_normal(pa - pb, 0.0, sigma=np.sqrt(pooled * (1 - pooled) * 2 / len(a)), sigmas=6, what=what)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(st.just(n), _circuits(n, noisy=True))))
def test_random_noisy_circuits_sample_as_stim(case):
    n, (body, measured) = case
    if measured == 0:
        return
    body = f"R {' '.join(map(str, range(n)))}\n{body}"  # each shot starts from |0...0>
    circuit = stim.Circuit(body)
    ours = qnsim.StabilizerSimulator(n, seed=5).do_circuit(f"REPEAT {_SHOTS} {{\n{body}\n}}")
    ours = ours.reshape(_SHOTS, -1)
    theirs = circuit.compile_sampler(seed=5).sample(_SHOTS).astype(np.uint8)
    _assert_same_column_rates(ours, theirs, body)
    # Detector and observable definitions, read by Stim from qnsim's records. A Pauli target of an observable is
    # no record (Stim's converter cannot read it from measurements): those observables keep their records only.
    circuit = stim.Circuit(re.sub(r"(?m)^(OBSERVABLE_INCLUDE.*?)(\s+!?[XYZ]\d+)+$", r"\1", body))
    if circuit.num_detectors + circuit.num_observables:
        events = circuit.compile_m2d_converter().convert(measurements=ours.astype(bool), append_observables=True)
        det, obs = circuit.compile_detector_sampler(seed=5).sample(_SHOTS, separate_observables=True)
        _assert_same_column_rates(events.astype(np.uint8), np.hstack([det, obs]).astype(np.uint8), "detectors " + body)


def test_noise_channels_and_flipped_measurements_sample_as_stim():
    """Every noise channel, and each measurement with a flip probability and '!', in one fixed circuit."""
    body = """R 0 1 2 3
    H 0
    CX 0 1
    RX 2
    RY 3
    X_ERROR(0.1) 0
    Y_ERROR(0.2) 1
    Z_ERROR(0.3) 2
    DEPOLARIZE1(0.4) 3
    PAULI_CHANNEL_1(0.05, 0.1, 0.15) 1
    DEPOLARIZE2(0.3) 0 3
    M(0.1) 0 !1
    MX(0.2) !2
    MY(0.05) 3
    MR(0.25) !0
    MRX(0.1) 2
    MRY(0.15) !3
    DETECTOR rec[-1] rec[-7]
    OBSERVABLE_INCLUDE(0) rec[-2] rec[-6]
    """
    shots = 4000
    ours = qnsim.StabilizerSimulator(4, seed=11).do_circuit(f"REPEAT {shots} {{\n{body}\n}}").reshape(shots, -1)
    circuit = stim.Circuit(body)
    theirs = circuit.compile_sampler(seed=11).sample(shots).astype(np.uint8)
    _assert_same_column_rates(ours, theirs, "noise channels")
    events = circuit.compile_m2d_converter().convert(measurements=ours.astype(bool), append_observables=True)
    det, obs = circuit.compile_detector_sampler(seed=11).sample(shots, separate_observables=True)
    _assert_same_column_rates(events.astype(np.uint8), np.hstack([det, obs]).astype(np.uint8), "detectors")


# ---------------------------------------------------------------- the Python API: one semantics per operation

_METHOD_TEXT = {"h": "H", "s": "S", "s_dag": "S_DAG", "x": "X", "y": "Y", "z": "Z", "cx": "CX", "cnot": "CX",
                "cy": "CY", "cz": "CZ", "swap": "SWAP", "measure_many": "M", "reset": "R", "reset_x": "RX",
                "reset_y": "RY", "mx": "MX", "my": "MY", "x_error": "X_ERROR", "y_error": "Y_ERROR",
                "z_error": "Z_ERROR", "depolarize1": "DEPOLARIZE1", "depolarize2": "DEPOLARIZE2"}
_PAIR_METHODS = {"cx", "cnot", "cy", "cz", "swap", "depolarize2"}


@st.composite
def _method_programs(draw):
    n = draw(st.integers(2, 3))
    calls = []
    for _ in range(draw(st.integers(1, 25))):
        method = draw(st.sampled_from(sorted(_METHOD_TEXT) + ["measure", "pauli_channel_1"]))
        if method in _PAIR_METHODS:
            qs = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
        elif method in ("mx", "my", "measure"):
            qs = [draw(st.integers(0, n - 1))]
        else:
            qs = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
        kwargs = {}
        if method.endswith("_error") or method.startswith("depolarize"):
            kwargs = {"p": draw(st.sampled_from(_PROBABILITIES))}
        elif method == "pauli_channel_1":
            kwargs = dict(zip(("px", "py", "pz"), draw(st.permutations([0.1, 0.2, 0.3]))))
        elif method == "measure":
            kwargs = {"basis": draw(st.sampled_from("XYZ"))}
        calls.append((method, qs, kwargs))
    return n, calls, draw(st.integers(0, 2**32))


def _as_text(method, qs, kwargs):
    targets = " ".join(map(str, qs))
    if method == "measure":
        return f"M{'' if kwargs['basis'] == 'Z' else kwargs['basis']} {targets}"
    if method == "pauli_channel_1":
        return f"PAULI_CHANNEL_1({kwargs['px']}, {kwargs['py']}, {kwargs['pz']}) {targets}"
    return f"{_METHOD_TEXT[method]}{'(%r)' % kwargs['p'] if 'p' in kwargs else ''} {targets}"


@_REPEAT_ONLY
@given(_method_programs())
def test_python_gate_methods_do_what_the_circuit_text_does(program):
    n, calls, seed = program
    by_methods = qnsim.StabilizerSimulator(n, seed=seed)
    record = []
    for method, qs, kwargs in calls:
        out = getattr(by_methods, method)(*qs, **kwargs)
        if method in ("measure", "mx", "my"):
            record.append(out)
        elif method == "measure_many":
            record += out
    by_text = qnsim.StabilizerSimulator(n, seed=seed)
    text = "\n".join(_as_text(*call) for call in calls)
    assert by_text.do_circuit(text).tolist() == record
    for paulis in itertools.product("_XYZ", repeat=n):  # every Pauli: the two states are equal
        p = "".join(paulis)
        assert by_methods.peek_observable_expectation(p) == by_text.peek_observable_expectation(p), (p, text)


# ---------------------------------------------------------------- fixed semantics


@pytest.mark.parametrize(
    ("prepare", "basis_gate", "expected"),
    [("RY 0", "MY", 0), ("RY 0\nZ 0", "MY", 1), ("H 0\nS 0", "MY", 0), ("H 0\nS_DAG 0", "MY", 1),
     ("RY 0\nX 0", "MY", 1), ("RY 0", "MRY", 0), ("RY 0\nZ 0", "MRY", 1), ("RX 0", "MX", 0), ("RX 0\nZ 0", "MRX", 1)],
)
def test_y_and_x_basis_measurements_and_resets_match_stim(prepare, basis_gate, expected):
    text = f"{prepare}\n{basis_gate} 0 !0\n{basis_gate} 0"
    ours = qnsim.StabilizerSimulator(1, seed=1).do_circuit(text).tolist()
    theirs = stim.Circuit(text).compile_sampler(seed=1).sample(1)[0].astype(int).tolist()
    assert ours == theirs
    # '!' inverts the record; MR* leaves the +1 eigenstate behind, M* the state it found.
    assert ours == ([expected, 1, 0] if basis_gate.startswith("MR") else [expected, 1 - expected, expected])


def test_resets_leave_the_partner_of_an_entangled_qubit_as_stim_does():
    for reset in _RESET + ["MR", "MRX", "MRY"]:
        for seed in range(4):
            _run_in_step(f"H 0\nCX 0 1\nS 1\n{reset} 0\nH 0\nCZ 0 1", 2, seed)


def test_a_qubit_twice_in_one_instruction_is_two_applications_as_in_stim():
    for text in ["H 0 0\nM 0", "X 0\nM 0 !0 0", "S 0 0\nH 0\nMX 0", "CX 0 1 1 0\nM 0 1", "X 0\nMR 0 0",
                 "H 0\nMX 0 0 !0", "RX 0 0\nMX 0 0", "X_ERROR(1) 0 0\nM 0", "X 0\nSWAP 0 1 0 1\nM 0 1"]:
        ours = qnsim.StabilizerSimulator(2, seed=2).do_circuit(text)
        assert ours.tolist() == stim.Circuit(text).compile_sampler(seed=2).sample(1)[0].astype(int).tolist(), text
    for text in ["CX 0 0", "CZ 1 1", "SWAP 0 1 1 1", "DEPOLARIZE2(0.1) 0 0"]:
        with pytest.raises(ValueError, match=r"twice"):
            stim.Circuit(text)
        with pytest.raises(qnsim.CircuitParseError, match=r"acts on qubit \d twice in one pair on line 1"):
            qnsim.StabilizerSimulator(2, seed=0).do_circuit(text)
        with pytest.raises(qnsim.CircuitParseError, match=r"used twice in one pair"):
            count_circuit(text)


@pytest.mark.parametrize("index", ["4294967296", "18446744073709551616", "9" * 40])
def test_huge_qubit_indices_are_refused_before_anything_is_allocated(index):
    sim = qnsim.StabilizerSimulator(3, seed=0)
    with pytest.raises(qnsim.CircuitParseError, match=rf"qubit {index} of H is out of range for num_qubits=3"):
        sim.do_circuit(f"H {index}")
    with pytest.raises(qnsim.CircuitParseError, match=rf"bad target '{index}'"):
        count_circuit(f"H {index}")
    with pytest.raises(qnsim.QnsimError, match=r"bytes"):
        qnsim.StabilizerSimulator(2**40)


def test_classically_controlled_gates_with_sweep_bits_are_refused_by_name():
    """`CY sweep[0] 1` (valid Stim) was refused as an "unsupported target" without saying why; record-controlled
    Paulis (`CX rec[-1] 1`) now run (tests/test_stabilizer_parity6.py)."""
    sim = qnsim.StabilizerSimulator(2, seed=0)
    for text in ["CY sweep[0] 1", "M 0\nCZ 1 sweep[2]"]:
        stim.Circuit(text)  # valid Stim
        with pytest.raises(qnsim.CircuitParseError, match=r"sweep bits \(sweep\[k\]\) are not executed"):
            sim.do_circuit(text)


def test_a_bare_inversion_mark_is_named_in_the_error():
    """`M ! 0` said "unsupported target ''" (the '!' was dropped from the message)."""
    with pytest.raises(qnsim.CircuitParseError, match=r"unsupported target '!' of M"):
        qnsim.StabilizerSimulator(2, seed=0).do_circuit("M ! 0")


# ---------------------------------------------------------------- the estimator's reader counts what runs


_ANNOTATIONS = {"TICK", "DETECTOR", "OBSERVABLE_INCLUDE", "QUBIT_COORDS", "SHIFT_COORDS"}


@_REPEAT_ONLY
@given(st.integers(1, 5).flatmap(lambda n: _circuits(n, noisy=True)))
def test_the_estimator_counts_what_the_engine_runs(case):
    text, _ = case
    record = qnsim.StabilizerSimulator(5, seed=3).do_circuit(text)
    counts = Workload(text).counts
    circuit = stim.Circuit(text)
    assert counts.measurements == len(record) == circuit.num_measurements
    expected, qubits = {}, set()
    for ins in circuit.flattened():
        gate = stim.gate_data(ins.name)
        if ins.name in _ANNOTATIONS:
            continue
        targets = [t.value for t in ins.targets_copy()]
        qubits.update(targets)
        expected[ins.name] = expected.get(ins.name, 0) + len(targets) // (2 if gate.is_two_qubit_gate else 1)
    ours = {g: k for g, k in counts.per_gate.items() if g not in _ANNOTATIONS}
    assert ours == expected, text
    assert counts.num_qubits == len(qubits)
    assert counts.per_gate.get("DETECTOR", 0) == circuit.num_detectors


# Targets written in a form Stim refuses for the gate: the estimator counted `X !0` as `X 0`, `H X0` as `H 0`,
# `MPP 0 1` as a product measurement, `OBSERVABLE_INCLUDE(0) 0` and `MPAD 2` as valid circuits.
_STIM_REFUSES = ["X !0", "H X0", "CX !0 1", "CZ X0 Y1", "M X0", "MR !Z0", "R !0", "RX Y0", "X_ERROR(0.1) !0",
                 "DEPOLARIZE1(0.1) Z0", "DEPOLARIZE2(0.1) !0 1", "PAULI_CHANNEL_1(0.1, 0, 0) X0", "MXX X0 Y1",
                 "MPP 0 1", "MPP !0", "SPP 0", "E(0.1) 0 1", "QUBIT_COORDS(1) !0", "QUBIT_COORDS(1) X0",
                 "OBSERVABLE_INCLUDE(0) 0", "OBSERVABLE_INCLUDE(0) !1", "OBSERVABLE_INCLUDE(0) X0*Z1",
                 "HERALDED_ERASE(0.1) X0", "MPAD 2", "MPAD !0", "MPAD X0", "SQRT_XX !0 1", "II X0 Y1"]
_STIM_ACCEPTS = ["M !0 1", "MR !0", "MX !0", "MXX !0 1", "MPP !X0*Z1 Y2", "SPP !X0", "E(0.1) X0 Y1",
                 "ELSE_CORRELATED_ERROR(0.1) !Z0", "OBSERVABLE_INCLUDE(0) !X0 Z1", "MPAD 0 1", "QUBIT_COORDS(1) 0"]


@pytest.mark.parametrize("text", _STIM_REFUSES)
def test_the_estimator_refuses_targets_stim_refuses(text):
    """The estimator's reader counted these (`X !0` as `X 0`, `H X0` as `H 0`, `MPP 0 1` as two products);
    Stim and the stabilizer simulator refuse them."""
    with pytest.raises(ValueError):
        stim.Circuit(text)
    with pytest.raises(qnsim.CircuitParseError, match=r"on line 1"):
        count_circuit(text)


@pytest.mark.parametrize(
    "text",
    ["PAULI_CHANNEL_1(0.5, 0.5, 0.1) 0", "PAULI_CHANNEL_2(0.5, 0.5, 0.1" + ", 0" * 12 + ") 0 1",
     "HERALDED_PAULI_CHANNEL_1(0.5, 0.25, 0.25, 0.25) 0"],
)
def test_the_estimator_refuses_disjoint_channels_whose_probabilities_sum_above_one(text):
    """They were counted as valid circuits; Stim refuses them, and the simulator refuses PAULI_CHANNEL_1."""
    with pytest.raises(ValueError, match=r"disjoint probability"):
        stim.Circuit(text)
    with pytest.raises(qnsim.CircuitParseError, match=r"probabilities sum to 1\.(1|25) > 1 on line 1"):
        count_circuit(text)
    valid = text.replace("0.5, 0.5, 0.1", "0.5, 0.4, 0.1").replace("0.5, 0.25, 0.25, 0.25", "0.25, 0.25, 0.25, 0.25")
    stim.Circuit(valid)
    count_circuit(valid)  # a sum of exactly 1 is accepted


def test_every_reader_of_the_estimator_refuses_them(tmp_path):
    """The streaming reader and Workload share the check (`X !0` was counted by both)."""
    path = tmp_path / "c.stim"
    path.write_text("H 0\nX !0\n")
    for read in (lambda: Workload("H 0\nX !0"), lambda: Workload.from_file(path), lambda: stream_circuit_file(path)):
        with pytest.raises(qnsim.CircuitParseError, match=r"bad target '!0' of X.* on line 2"):
            read()


@pytest.mark.parametrize("text", _STIM_ACCEPTS)
def test_the_estimator_accepts_targets_stim_accepts(text):
    circuit = stim.Circuit(text)
    assert count_circuit(text).measurements == circuit.num_measurements


def test_the_estimator_names_the_misused_target():
    """All four were counted as valid circuits before."""
    with pytest.raises(qnsim.CircuitParseError, match=r"bad target '!0' of X: '!' \(an inverted result\) is only"):
        count_circuit("X !0")
    with pytest.raises(qnsim.CircuitParseError, match=r"a Pauli target like X0 is only allowed in Pauli products"):
        count_circuit("H X0")
    with pytest.raises(qnsim.CircuitParseError, match=r"bad target '1' of MPP: expected a Pauli target like X1"):
        count_circuit("MPP 1")
    with pytest.raises(qnsim.CircuitParseError, match=r"bad target '2' of MPAD: MPAD takes the bits 0 and 1"):
        count_circuit("MPAD 2")


@pytest.mark.parametrize("text", ["M 0\nXCZ 1 rec[-1]", "M 0\nYCZ 1 rec[-1]", "M 0\nCZ 1 rec[-1]\nCX rec[-1] 1"])
def test_the_estimator_counts_a_record_controlled_gate_wherever_stim_reads_a_z_control(text):
    """`XCZ 1 rec[-1]` (X on qubit 1 when the record is 1; valid Stim) was refused: "a classical (rec/sweep)
    target must be a control", though it is the Z-basis control there."""
    circuit = stim.Circuit(text)
    circuit.compile_sampler().sample(1)  # Stim runs it
    counts = count_circuit(text)
    assert counts.num_qubits == 2 and len(counts.pair_a) == 0  # a Pauli on qubit 1, no interaction
    assert counts.measurements == circuit.num_measurements


@pytest.mark.parametrize("text", ["M 0\nXCZ rec[-1] 1", "M 0\nCX 1 rec[-1]", "M 0\nYCX rec[-1] 1"])
def test_the_estimator_refuses_a_record_where_stim_cannot_run_it(text):
    with pytest.raises(qnsim.CircuitParseError, match=r"a classical \(rec/sweep\) target must be a control"):
        count_circuit(text)
