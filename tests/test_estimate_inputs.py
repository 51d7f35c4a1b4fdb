"""Workload input (issue 9): real Stim circuits, the honestly named extension dialect, QRE's
logical counts, and bad input refused with a clear error instead of a silent other gate."""

from __future__ import annotations

import math

import pytest
import stim

import qnsim
from qnsim import _core
from qnsim.estimate import (
    QPU,
    Link,
    LogicalSummary,
    SurfaceCode,
    Workload,
    buffered_link_time_s,
    count_circuit,
    estimate,
    placement_from_mapping,
)


def test_rz_with_an_angle_is_a_rotation_not_a_reset():
    c = count_circuit("RZ(0.1) 0\nRZ 1\nRX(0.3) 2\nRY(-1e-3) 0")
    assert c.per_gate == {"RZ(theta)": 1, "R": 1, "RX(theta)": 1, "RY(theta)": 1}
    assert c.rotation_count == 3 and c.rotation_depth == 2
    with pytest.raises(qnsim.CircuitParseError, match=r"R takes no parenthesized arguments, got 1 on line 1"):
        count_circuit("R(0.1) 0")
    with pytest.raises(qnsim.CircuitParseError, match=r"RZ\(theta\) takes 1 parenthesized argument, got 2"):
        count_circuit("RZ(0.1, 0.2) 0")


def test_rotations_are_costed_by_synthesis_like_qre():
    """RZ(theta) gates of a circuit price as QRE's rotationCount / rotationDepth."""
    text = "REPEAT 1000 {\n RZ(0.1) 0 1 2 3\n CX 0 1 2 3\n}\nM 0 1 2 3"
    from_circuit = estimate(text, QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode()))
    summary = LogicalSummary(4, rotation_count=4000, rotation_depth=1000, measurement_count=4)
    from_summary = estimate(summary, QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode()))
    a, b = from_circuit.error_corrected, from_summary.error_corrected
    assert a.t_per_rotation == b.t_per_rotation == math.ceil(0.53 * math.log2(4000 / (1e-3 / 3)) + 4.86)
    assert a.algorithmic_logical_depth == b.algorithmic_logical_depth
    assert a.physical_qubits == b.physical_qubits


def test_unknown_gates_are_errors_and_never_suggest_a_reset():
    with pytest.raises(qnsim.CircuitParseError, match=r"unknown gate 'R_Z' on line 1; did you mean 'RZ\(theta\)'\?"):
        count_circuit("R_Z(0.1) 0")
    with pytest.raises(qnsim.CircuitParseError, match=r"unknown gate 'ROTZ' on line 2"):
        count_circuit("H 0\nROTZ(0.1) 0")
    # The stabilizer simulator shares the table: same names, same suggestions.
    sim = qnsim.StabilizerSimulator(2)
    with pytest.raises(qnsim.CircuitParseError, match=r"did you mean 'RZ\(theta\)'"):
        sim.do_circuit("R_Z 0")
    # Every Stim gate runs (tests/test_stabilizer_parity6.py); the estimator's extension gates are refused by name.
    with pytest.raises(qnsim.CircuitParseError, match=r"'T' on line 1 \(T, a qnsim estimator extension\) is not exec"):
        sim.do_circuit("T 0")


def test_gate_table_is_stims_gate_set_plus_named_extensions():
    """One gate table: every canonical Stim gate (and alias) is known with Stim's arity, and the
    extension gates are exactly those Stim rejects."""
    ours = set(_core.gate_kinds())
    stim_names = set(_core.stim_gate_names())
    data = stim.gate_data()
    assert stim_names == {g.name for g in data.values()} - {"REPEAT"}
    assert ours - stim_names == {"T", "T_DAG", "CCZ", "RX(theta)", "RY(theta)", "RZ(theta)", "RX(pi/4)", "RY(pi/4)"}
    for g in data.values():
        for alias in g.aliases:
            if alias != "REPEAT":
                assert _core.canonical_gate_name(alias) == g.name
    for gate in ("T 0", "T_DAG 0", "CCZ 0 1 2"):
        with pytest.raises(ValueError):
            stim.Circuit(gate)


def test_real_stim_surface_code_circuit_counts_only_used_qubits():
    circuit = stim.Circuit.generated("surface_code:rotated_memory_x", distance=5, rounds=10,
                                     after_clifford_depolarization=1e-3)
    used = {t.value for inst in circuit.flattened() if inst.name not in ("QUBIT_COORDS", "DETECTOR",
            "OBSERVABLE_INCLUDE", "SHIFT_COORDS", "TICK") for t in inst.targets_copy() if t.is_qubit_target}
    assert len(used) == 49 and max(used) > 49
    w = Workload(circuit)  # a stim.Circuit object is read directly
    assert w.num_qubits == 49 and w.counts.qubit_index_bound == max(used) + 1
    assert Workload(str(circuit)).counts.per_gate == w.counts.per_gate
    # Detectors and observables are counted apart and cost nothing.
    assert w.counts.category("annotation") > 0 and w.counts.total_gates == sum(
        n for g, n in w.counts.per_gate.items() if _core.gate_kinds()[g][0] not in ("noise1", "noise2", "annotation")
    )
    r = estimate(circuit, [QPU(num_qubits=49, e_1q=0.0, e_2q=0.0, e_meas=0.0)])
    assert r.num_qubits == 49 and not any("capacity" in x for x in r.reasons)


def test_stim_features_mpp_records_and_sqrt_family():
    c = count_circuit("SQRT_X 0\nSQRT_Y_DAG 1\nSQRT_XX 0 1\nM 0\nCX rec[-1] 1\nMPP X0*Z1 Y2\nDETECTOR rec[-1]\n"
                      "OBSERVABLE_INCLUDE(0) rec[-2]\nCZSWAP 0 2\nMXX 0 1\nII 0 1")
    assert c.per_gate["MPP"] == 2 and c.per_gate["CX"] == 1 and c.per_gate["SQRT_XX"] == 1
    assert c.measurements == 1 + 2 + 1
    assert c.num_qubits == 3


def test_ccz_is_a_three_qubit_logical_gate():
    c = count_circuit("CCZ 0 1 2 3 4 5")
    assert c.ccz_count == 2 and c.category("three_qubit") == 2
    with pytest.raises(qnsim.CircuitParseError, match="needs targets in triples"):
        count_circuit("CCZ 0 1")
    with pytest.raises(qnsim.CircuitParseError, match="used twice in one triple"):
        count_circuit("CCZ 0 1 1")
    r = estimate("CCZ 0 1 2\nM 0", QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode()))
    assert r.error_corrected.t_states == 4 and r.error_corrected.algorithmic_logical_depth == 3 + 1


def test_qre_logical_counts_move_over_unchanged():
    counts = {"numQubits": 12, "tCount": 5, "rotationCount": 7, "rotationDepth": 3, "cczCount": 2, "ccixCount": 1,
              "measurementCount": 9}
    s = LogicalSummary.from_qre(counts)
    assert (s.logical_qubits, s.t_count, s.rotation_count, s.rotation_depth, s.ccz_count, s.ccix_count,
            s.measurement_count) == (12, 5, 7, 3, 2, 1, 9)
    with pytest.raises(ValueError, match=r"tCount must be a non-negative integer, got 2.5"):
        LogicalSummary.from_qre({"numQubits": 1, "tCount": 2.5})
    with pytest.raises(ValueError, match=r"logical counts need 'numQubits'"):
        LogicalSummary.from_qre({"tCount": 2})


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: estimate("H 0", [QPU()], error_budget="0.1"), TypeError, r"error_budget must be .* got '0.1'"),
        (lambda: estimate("H 0", [QPU()], error_budget=1.5), ValueError, r"error_budget must be in \(0, 1\), got 1.5"),
        (lambda: estimate("H 0", [QPU()], max_runtime_s=-1), ValueError, r"^max_runtime_s must be > 0 s, got -1$"),
        (lambda: estimate("H 0", ["qpu"]), TypeError, r"qpus\[0\] must be a qnsim.estimate.QPU, got 'qpu'"),
        (lambda: estimate(3, [QPU()]), TypeError, r"workload must be"),
        (lambda: estimate("H 0", [QPU()], placement={10**12: 0}), IndexError, r"qubit 1000000000000 .* no such qubit"),
        (lambda: estimate(LogicalSummary(10**12), [QPU()]), ValueError, r"logical_qubits=1000000000000 is more"),
        (lambda: QPU(num_qubits=2.5), ValueError, r"^num_qubits must be an integer, got 2\.5$"),
        (lambda: QPU(e_2q="0.1"), ValueError, r"^e_2q must be a real number, got '0\.1'$"),
        (lambda: QPU(surface_code=True), TypeError, r"surface_code must be a SurfaceCode or None, got True"),
        (lambda: placement_from_mapping({0: 5}, 2, 2), ValueError, r"qubit 0 is mapped to QPU 5"),
        # Seeds, choices and flags were taken as given (seed=-1, 1.5, True, '1'; purification='bogus';
        # cat_entangler=1) or failed comparing ('0.9' >= float).
        (lambda: estimate("H 0", [QPU()], seed=-1), ValueError, r"^seed must be in \[0, 2\*\*64 - 1\], got -1$"),
        (lambda: estimate("H 0", [QPU()], seed=2**64), ValueError, r"got 18446744073709551616$"),
        (lambda: estimate("H 0", [QPU()], seed=1.5), qnsim.ParameterError, r"^seed must be an integer, got 1.5$"),
        (lambda: estimate("H 0", [QPU()], seed=True), qnsim.ParameterError, r"^seed must be an integer, got True$"),
        (lambda: estimate("H 0", [QPU()], purification="bogus"), ValueError, r"purification must be .* got 'bogus'"),
        (lambda: estimate("H 0", [QPU()], cat_entangler=1), TypeError, r"^cat_entangler must be True or False, got 1$"),
        (lambda: estimate("H 0", [QPU()], target_fidelity="0.9"), TypeError, r"target_fidelity must be .* got '0.9'"),
        (lambda: Link((0, 1), rate_hz=0.5, fidelity=0.9, success_probability=True, attempt_period_s=1.0), ValueError,
         r"^success_probability must be a real number, got True$"),
        (lambda: Link((0, 1), rate_hz=0.5, fidelity=0.9, success_probability=0.5, attempt_period_s=True), ValueError,
         r"^attempt_period_s must be a real number, got True$"),
        (lambda: Link((0, 1), rate_hz=0.5, fidelity=0.9, success_probability="0.5", attempt_period_s=1.0), ValueError,
         r"^success_probability must be a real number, got '0.5'$"),
        (lambda: buffered_link_time_s(10, 1.0, 0, 2), ValueError, r"^rate_hz must be > 0 Hz, got 0$"),
        (lambda: buffered_link_time_s(10, 1.0, math.nan, 2), ValueError, r"^rate_hz must be finite, got nan$"),
        (lambda: buffered_link_time_s(-1, 1.0, 1e3, 2), ValueError, r"^pairs must be in \[0, 2\*\*128 - 1\], got -1$"),
        (lambda: buffered_link_time_s(True, 1.0, 1e3, 2), TypeError, r"^pairs must be an integer, got True$"),
        (lambda: buffered_link_time_s(10, 1.0, 1e3, 0), ValueError, r"^buffer_pairs must be in \[1, 1000000000\], got 0$"),
    ],
)
def test_entry_points_refuse_bad_input_with_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_a_split_logical_summary_without_two_qubit_gates_says_no_remote_operation_is_priced():
    """QRE's logical counts carry no two-qubit gates: a 100-qubit job split over two QPUs came out
    feasible with 0 remote operations and no word about it. Now a note says what is not priced."""
    from qnsim.estimate import QPU, Link, LogicalSummary, SurfaceCode, estimate

    qpus = [QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), logical_qubits=60) for _ in range(2)]
    link = [Link((0, 1), rate_hz=1e5, fidelity=0.99, latency_s=5e-5)]
    qre = LogicalSummary.from_qre({"numQubits": 100, "tCount": 10**6, "cczCount": 10})
    report = estimate(qre, qpus, link)
    assert report.remote_gates == 0
    (note,) = [n for n in report.notes if n.startswith("logical summary split across 2 QPUs")]
    assert "no remote operation is priced" in note and "CCZ/CCiX" in note
    # Given two-qubit gates (and no three-qubit ones) there is nothing to say; nor for one QPU.
    priced = estimate(LogicalSummary(100, t_count=10**6, two_qubit_count=10**5), qpus, link)
    assert priced.remote_gates > 0 and not any(n.startswith("logical summary split") for n in priced.notes)
    alone = estimate(LogicalSummary(50, t_count=10**6), qpus, link)
    assert not any(n.startswith("logical summary split") for n in alone.notes)


@pytest.mark.parametrize("written, number", [
    ("pi", math.pi), ("-pi/2", -math.pi / 2), ("+pi/2", math.pi / 2), ("3*pi/4", 3 * math.pi / 4),
    ("3 * pi/4", 3 * math.pi / 4), ("0.5*pi", 0.5 * math.pi), (".25*pi", 0.25 * math.pi), ("pi/8", math.pi / 8),
    ("2*pi/3", 2 * math.pi / 3), ("-7*pi/4", -7 * math.pi / 4), ("1e-3*pi", 1e-3 * math.pi),
])
@pytest.mark.parametrize("axis", ["RZ", "RX", "RY"])
def test_a_rotation_angle_in_units_of_pi_counts_as_its_number(written, number, axis):
    """Angles were read only as numbers: `RZ(pi/2)`, the first thing a user writes (and the README's own example),
    was refused as "bad argument 'pi/2)'". A rotation's angle may be written in units of pi as QASM writes it; it
    counts as the number it stands for (a multiple of pi/4 as the Clifford or T it is, others as rotations)."""
    rest = "\nCX 0 1\nM 0 1"

    def counted(text):
        c = Workload(text).counts
        return dict(c.per_gate), c.t_count, c.rotation_count, c.rotation_depth

    assert counted(f"{axis}({written}) 0{rest}") == counted(f"{axis}({number!r}) 0{rest}")


@pytest.mark.parametrize("text, says", [
    ("RZ(pi/0) 0", "argument 'pi/0' of RZ is not a finite number"),
    ("RZ(2*) 0", "argument '2\\*' of RZ is not a decimal number or an angle in pi"),
    ("RZ(pi/-2) 0", "argument 'pi/-2' of RZ is not a decimal number or an angle in pi"),
    ("RZ(pix) 0", "argument 'pix' of RZ is not a decimal number or an angle"),
    ("RZ(3 * pi / 4) 0", "argument '3 \\* pi / 4' of RZ is not a decimal number or an angle in pi"),
    ("RZ(tau) 0", "argument 'tau' of RZ is not a decimal number or an angle in pi"),
    ("DEPOLARIZE1(pi/4) 0", "argument 'pi/4' of DEPOLARIZE1 is not a decimal number on line 1"),
    ("X_ERROR(0.5*pi) 0", "argument '0.5\\*pi' of X_ERROR is not a decimal number on line 1"),
])
def test_pi_is_read_only_in_a_rotations_angle_and_only_in_its_forms(text, says):
    """pi is a rotation angle's unit, never a probability (Stim's gates keep Stim's numbers); a malformed form is
    refused by name, not read as a nearby angle."""
    with pytest.raises(qnsim.QnsimError, match=says):
        Workload(text + "\nM 0")
