"""qnsim reads Stim circuit text twice, in the stabilizer simulator (``do_circuit``) and in the estimator's counter
(``qnsim.estimate.count_circuit``): the two must take and refuse the same texts wherever both apply (the estimator's
own extensions, RX/RY/RZ(theta), and the sweep bits the simulator does not run aside). Bad-input rounds found their
disagreements one at a time (round 40: seven); here random texts from a grammar of every gate name, argument
lists from ordinary to malformed, and targets of every kind (qubits, '!', record lookbacks, Paulis and products,
stray tokens), in REPEAT blocks, are read by both, and each text's verdicts must agree.

Found by it: ``MXX 0 !0`` (two targets, X0 and -X0, as Stim and the simulator read it) was refused by the counter
as "qubit 0 used twice in one pair"; it is taken now, and counted as a measurement with no interaction between
qubits. ``MPP X0*Z0`` and ``SPP_DAG Z0*X0`` (anti-Hermitian products, -iY0 and iY0, which Stim's simulators and the
stabilizer simulator refuse) were counted; the counter refuses them now, in the simulator's words.
"""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import qnsim
from qnsim.estimate import count_circuit

GATES = [
    "H", "S", "S_DAG", "X", "Y", "Z", "I", "SQRT_X", "SQRT_Y_DAG", "H_XY", "C_XYZ", "CX", "CY", "CZ", "SWAP", "XCZ",
    "YCX", "SQRT_XX", "ISWAP", "CXSWAP", "M", "MX", "MY", "MR", "MRX", "MRY", "MXX", "MYY", "MZZ", "MPP", "SPP", "MPAD",
    "R", "RX", "RY", "X_ERROR", "Z_ERROR", "DEPOLARIZE1", "DEPOLARIZE2", "PAULI_CHANNEL_1", "PAULI_CHANNEL_2",
    "HERALDED_ERASE", "HERALDED_PAULI_CHANNEL_1", "E", "ELSE_CORRELATED_ERROR", "I_ERROR", "II_ERROR", "TICK",
    "DETECTOR", "OBSERVABLE_INCLUDE", "QUBIT_COORDS", "SHIFT_COORDS", "II", "CNOT", "ZCX", "MZ", "h", "cx", "mxx",
]  # fmt: skip
NUMBERS = ["0", "1", "0.5", "0.1", "-0.1", "1.5", "2", "1e-3", "1e20", "nan", "inf", "0.25", ".5", "1.", "-0", "3"]

arguments = st.one_of(
    st.just(""),
    st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=4).map(lambda a: "(" + ",".join(a) + ")"),
    st.lists(st.sampled_from(["0.01", "0", "0.2", "0.5"]), min_size=15, max_size=15).map(
        lambda a: "(" + ",".join(a) + ")"
    ),
)
qubit = st.integers(0, 3).map(str)
pauli = st.sampled_from("XYZ")
target = st.one_of(
    qubit,
    qubit.map(lambda q: "!" + q),
    st.integers(0, 3).map(lambda k: f"rec[-{k}]"),
    st.tuples(pauli, qubit).map("".join),
    st.tuples(pauli, qubit, pauli, qubit).map(lambda t: f"{t[0]}{t[1]}*{t[2]}{t[3]}"),
    st.sampled_from(["-1", "1.5", "X", "*", "5x", "rec[-1.5]"]),
)
line = st.tuples(st.sampled_from(GATES), arguments, st.lists(target, max_size=4)).map(
    lambda t: f"{t[0]}{t[1]} {' '.join(t[2])}".rstrip()
)
block = st.one_of(
    line,
    st.tuples(st.sampled_from(["0", "1", "2"]), st.lists(line, min_size=1, max_size=2)).map(
        lambda t: "\n".join([f"REPEAT {t[0]} {{", *t[1], "}"])
    ),
)
circuit = st.lists(block, min_size=1, max_size=5).map("\n".join)


def _verdict(read) -> str | None:
    """None when the text is taken; the refusal's type and message otherwise."""
    try:
        read()
    except (ValueError, TypeError, IndexError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@settings(max_examples=200, deadline=None)
@given(circuit)
def test_both_readers_take_and_refuse_the_same_texts(text):
    if re.search(r"\bR[XYZ]\(", text, re.IGNORECASE):
        return  # RX/RY/RZ(theta): the estimator's extension, which the simulator does not run
    simulated = _verdict(lambda: qnsim.StabilizerSimulator(8, seed=1).do_circuit(text))
    counted = _verdict(lambda: count_circuit(text))
    assert (simulated is None) == (counted is None), f"{text!r}\n  simulator: {simulated}\n  estimator: {counted}"


def test_a_two_qubit_measurement_of_one_qubit_and_its_inverse_is_read_as_stim_reads_it():
    """MXX 0 !0 measures X0 * -X0 = -I: Stim and the simulator take it (its record is 1), and the counter counts it as
    one measurement and no interaction (it refused the line as "qubit 0 used twice in one pair"); MXX 0 0 stays
    refused by all three readers."""
    sim = qnsim.StabilizerSimulator(2, seed=1)
    sim.do_circuit("MXX 0 !0")
    counts = count_circuit("MXX 0 !0 1 0\nMYY !1 1")
    assert counts.per_gate == {"MXX": 2, "MYY": 1} and counts.measurements == 3
    assert (counts.pair_a.tolist(), counts.pair_b.tolist()) == ([0], [1])
    assert np.array_equal(counts.pair_weight, [1.0])
    for read in (lambda: qnsim.StabilizerSimulator(2).do_circuit("MXX 0 0"), lambda: count_circuit("MXX 0 0")):
        assert _verdict(read) is not None and "twice" in _verdict(read)


def test_an_anti_hermitian_product_is_refused_by_both_readers_in_the_same_words():
    """X0*Z0 is -iY0: no Hermitian observable to measure or rotate about. Stim's simulators and do_circuit refused
    MPP X0*Z0 and SPP_DAG Z0*X0; the counter counted them. A product whose phases cancel (X1*Z1*Z1 is X1) and a
    product of one qubit's equal factors (X0*X0 is I) stay taken by both."""
    for text in ("MPP X0*Z0", "SPP_DAG Z0*X0", "SPP X0*Y0*Z0", "MPP !X0*Z0", "MPP X1 Y0*X0*Z1"):
        words = "is anti-Hermitian \\(e.g. X0\\*Z0 instead of Y0\\)"
        simulated, counted = (
            _verdict(lambda: qnsim.StabilizerSimulator(2).do_circuit(text)),
            _verdict(lambda: count_circuit(text)),
        )
        assert simulated is not None and counted is not None, text
        for verdict in (simulated, counted):
            assert re.search(words, verdict), verdict
    for text in ("MPP X0*X1*Z1*Z1*X2", "MPP X0*X0", "SPP X0*Z0*X1*Z1", "MPP Y0*X1*Y0"):
        assert _verdict(lambda: qnsim.StabilizerSimulator(3).do_circuit(text)) is None, text
        assert _verdict(lambda: count_circuit(text)) is None, text
