"""Ninth bad-input audit: the leftovers the eighth battery reported. Each test's docstring says what the old
behaviour was.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import qnsim

# --- a record target must name a measurement made before it ----------------------------------------------------


@pytest.mark.parametrize(
    "text, match",
    [
        ("DETECTOR rec[-1]", r"^DETECTOR target 'rec\[-1\]' looks back 1 measurement, but only 0 precede it"),
        ("M 0\nDETECTOR rec[-2]", r"^DETECTOR target 'rec\[-2\]' looks back 2 measurements, but only 1 precedes it"),
        ("M 0 1\nOBSERVABLE_INCLUDE(0) rec[-1] rec[-3]", r"^OBSERVABLE_INCLUDE target 'rec\[-3\]' looks back 3"),
        ("M 0\nDETECTOR rec[-0]", r"^the lookback of 'rec\[-0\]' of DETECTOR must be at least 1"),
        # The first pass over a REPEAT body has only the measurements made so far.
        ("REPEAT 3 {\n    M 0\n    DETECTOR rec[-2]\n}", r"looks back 2 measurements, but only 1 precedes it"),
        ("M 0\nREPEAT 2 {\n    M 0\n    DETECTOR rec[-3]\n}", r"looks back 3 measurements, but only 2 precede it"),
        # A closed REPEAT counts every pass of its body (nested too): 1 + 2 * 3 * 2 = 13 measurements.
        ("M 0\nREPEAT 2 {\n    REPEAT 3 {\n        M 0 1\n    }\n}\nDETECTOR rec[-14]",
         r"looks back 14 measurements, but only 13 precede it"),
    ],
)
def test_a_record_before_the_first_measurement_is_refused(text, match):
    """do_circuit read `DETECTOR rec[-1]` with no measurement before it (and rec[-0]) and ignored it: the
    detector named nothing, where Stim's samplers refuse the circuit ("Referred to a measurement record before
    the beginning of time")."""
    stim = pytest.importorskip("stim")
    with pytest.raises((IndexError, ValueError)):
        stim.Circuit(text).compile_detector_sampler().sample(1)
    line = text.count("\n", 0, text.index("rec[")) + 1
    with pytest.raises(qnsim.CircuitParseError, match=match + rf".* on line {line}$"):
        qnsim.StabilizerSimulator(2, seed=1).do_circuit(text)


@pytest.mark.parametrize(
    "text",
    [
        "M 0\nDETECTOR rec[-1]",
        "M 0\nREPEAT 3 {\n    M 0\n    DETECTOR rec[-1] rec[-2]\n}",
        "M 0\nREPEAT 2 {\n    REPEAT 3 {\n        M 0 1\n    }\n}\nDETECTOR rec[-13]",
        "MR 0 1\nOBSERVABLE_INCLUDE(0) rec[-2] X0",
    ],
)
def test_a_record_within_the_measurements_is_taken_as_stim_takes_it(text):
    stim = pytest.importorskip("stim")
    stim.Circuit(text).compile_detector_sampler().sample(1)
    qnsim.StabilizerSimulator(2, seed=1).do_circuit(text)


@pytest.mark.parametrize("index, shown", [("4294967296", "4294967296"), ("1e30", r"1e\+30")])
def test_an_observable_index_stim_cannot_hold_is_refused(index, shown):
    """OBSERVABLE_INCLUDE(4294967296) and (1e30) were accepted; Stim's error model refuses them ("id > 0xFFFFFFFF"),
    its detector sampler crashes on the first and reads the second as observable 0."""
    stim = pytest.importorskip("stim")
    text = f"M 0\nOBSERVABLE_INCLUDE({index}) rec[-1]"
    with pytest.raises(ValueError, match=r"id > 0xFFFFFFFF"):
        stim.Circuit(text).detector_error_model()
    with pytest.raises(qnsim.CircuitParseError,
                       match=rf"^the index of OBSERVABLE_INCLUDE must be below 2\*\*32, got {shown} on line 2$"):
        qnsim.StabilizerSimulator(1, seed=1).do_circuit(text)
    qnsim.StabilizerSimulator(1, seed=1).do_circuit("M 0\nOBSERVABLE_INCLUDE(4294967295) rec[-1]")


def test_the_lookback_count_saturates_with_huge_repeat_counts():
    """The count of measurements before a line is kept below 2**40 (a REPEAT of 2**63 passes does not wrap it
    around to a small number, which would refuse a valid lookback); the work bound refuses the run itself."""
    text = "REPEAT 9223372036854775807 {\n    REPEAT 9223372036854775807 {\n        M 0\n    }\n}\nDETECTOR rec[-9]"
    # Round 31: the work is counted exactly, (2**63 - 1)**2, and held against do_circuit's max_operations.
    with pytest.raises(qnsim.CircuitParseError, match=rf"would execute {(2**63 - 1) ** 2} target operations"):
        qnsim.StabilizerSimulator(1, seed=1).do_circuit(text)


RECORDING = {  # every Stim gate that records measurement results, with targets giving several records
    "M": "M 0 !1", "MX": "MX 0 1", "MY": "MY 0", "MR": "MR 0 1", "MRX": "MRX 0", "MRY": "MRY 0 1", "MZ": "MZ 2",
    "MXX": "MXX 0 1 2 3", "MYY": "MYY 0 1", "MZZ": "MZZ 0 1", "MPP": "MPP X0*Y1 Z2 X0*X1*Z3", "MPAD": "MPAD 0 1 1",
    "HERALDED_ERASE": "HERALDED_ERASE(0.1) 0 1", "HERALDED_PAULI_CHANNEL_1": "HERALDED_PAULI_CHANNEL_1(0.1, 0, 0, 0) 0",
}


@pytest.mark.parametrize("gate", sorted(RECORDING))
def test_the_estimator_counts_records_as_stim_does(gate, tmp_path):
    """The estimator's circuit reader (count_circuit, Workload, stream_circuit_file) took a DETECTOR or a classically
    controlled gate whose rec[-k] looks back before the first measurement: an estimate of a circuit no simulator
    runs, without a word."""
    stim = pytest.importorskip("stim")
    from qnsim.estimate.workload import count_circuit, stream_circuit_file

    n = stim.Circuit(RECORDING[gate]).num_measurements
    assert n >= 1
    for k, bad in ((n, False), (n + 1, True)):
        for tail in (f"DETECTOR rec[-{k}]", f"CX rec[-{k}] 5"):
            text = f"{RECORDING[gate]}\n{tail}"
            path = tmp_path / "c.stim"
            path.write_text(text)
            if bad:
                with pytest.raises((IndexError, ValueError)):
                    stim.Circuit(text).compile_detector_sampler().sample(1)
                want = rf"target 'rec\[-{k}\]' looks back {k} measurements, but only {n} precedes? it .* on line 2$"
                with pytest.raises(qnsim.CircuitParseError, match=want):
                    count_circuit(text)
                with pytest.raises(qnsim.CircuitParseError, match=want):
                    stream_circuit_file(path, progress=False)
            else:
                stim.Circuit(text).compile_detector_sampler().sample(1)
                count_circuit(text)
                stream_circuit_file(path, progress=False)


def test_the_estimator_counts_records_through_repeat_blocks():
    """As do_circuit's: the first pass over a body has the records made so far; a closed block all of its passes."""
    from qnsim.estimate.workload import count_circuit

    with pytest.raises(qnsim.CircuitParseError, match=r"^DETECTOR target 'rec\[-2\]' looks back 2 .* on line 3$"):
        count_circuit("REPEAT 3 {\n    M 0\n    DETECTOR rec[-2]\n}")
    count_circuit("M 0\nREPEAT 3 {\n    M 0\n    DETECTOR rec[-2]\n}")
    count_circuit("REPEAT 2 {\n    REPEAT 3 {\n        MPP X0*X1 Z2\n    }\n}\nDETECTOR rec[-12]")
    with pytest.raises(qnsim.CircuitParseError, match=r"looks back 13 measurements, but only 12 precede it"):
        count_circuit("REPEAT 2 {\n    REPEAT 3 {\n        MPP X0*X1 Z2\n    }\n}\nDETECTOR rec[-13]")


# --- offsets and rounds within what can mean something ----------------------------------------------------------


def test_a_patch_offset_keeps_its_coordinates_exact():
    """rotated_patch(3, 3, x_offset=10**400) was accepted: coordinates of 400 digits that Stim cannot hold
    (its coordinates are doubles, exact below 2**53)."""
    from qnsim.qec.layout import MAX_OFFSET, rotated_patch, unrotated_patch

    for patch in (rotated_patch, unrotated_patch):
        with pytest.raises(ValueError, match=r"^x_offset must be in \[-2\*\*52, 2\*\*52\], "
                                             r"got an integer of 1329 bits"):
            patch(3, 3, x_offset=10**400)
        with pytest.raises(ValueError, match=r"^x_offset must be in \[-2\*\*52, 2\*\*52\], "
                                             r"got -4503599627370498$"):
            patch(3, 3, x_offset=-MAX_OFFSET - 2)
        xs = [x for x, _ in patch(3, 3, x_offset=MAX_OFFSET).data]
        assert min(xs) - MAX_OFFSET in (0, 1) and max(xs) < 2**53  # every coordinate still exact as a double


def test_rounds_are_at_most_the_circuits_measurements():
    """sample_logical_error(c, rounds=10**400) was accepted (an unbounded rounds reads a per-round rate of about 0,
    or failed later in per_round); rounds above the circuit's measurements label no circuit."""
    pytest.importorskip("pymatching")
    from qnsim import qec
    from qnsim.qec.sampling import collect, sample_logical_error

    c = qec.memory_circuit(3, 3, noise=qec.NoiseModel.uniform_depolarizing(1e-3))
    n = c.num_measurements
    with pytest.raises(ValueError, match=rf"^rounds must be at most the circuit's {n} measurements .* got an integer"):
        sample_logical_error(c, max_shots=10, seed=1, rounds=10**400)
    with pytest.raises(ValueError, match=rf"^rounds must be at most the circuit's {n} measurements .* got {n + 1}$"):
        sample_logical_error(c, max_shots=10, seed=1, rounds=n + 1)
    assert sample_logical_error(c, max_shots=10, seed=1, rounds=np.int64(3)).rounds == 3
    pytest.importorskip("sinter")
    with pytest.raises(ValueError, match=r"^tasks\[0\] metadata 'rounds' must be at most the circuit's"):
        collect([(c, {"rounds": 10**400})], max_shots=10, num_workers=1)


# --- flags --------------------------------------------------------------------------------------------------------


def test_a_sweep_takes_a_numpy_bool_for_progress():
    """sweep(progress=np.bool_(False)) was refused ("progress must be True or False, got np.False_") while every
    other flag takes NumPy bools; progress=1 is still refused."""
    from qnsim.progress import check_progress
    from qnsim.sweeps import example_point, sweep

    rows = sweep(example_point, {"length_km": [1.0]}, seeds=1, workers=1, progress=np.bool_(False))
    assert len(rows) == 1
    with pytest.raises(TypeError, match=r"^progress must be True or False, got 1$"):
        sweep(example_point, {"length_km": [1.0]}, seeds=1, workers=1, progress=1)
    assert check_progress(np.bool_(True)) is True


# --- graph node labels ----------------------------------------------------------------------------------------------


def test_a_bool_graph_node_is_refused():
    """from_graph named a node True "True", though networkx takes True for the node 1: edges written to True and
    to 1 met at one node (three nodes where the user wrote four)."""
    g = nx.Graph()
    g.add_edge(True, "a", length_km=1.0)
    g.add_edge(1, "b", length_km=1.0)
    assert g.number_of_nodes() == 3  # networkx merged them
    with pytest.raises(ValueError, match=r"^graph node True is a bool, which networkx takes for the node 1"):
        qnsim.from_graph(g)
    g = nx.Graph()
    g.add_edge(np.bool_(False), "a", length_km=1.0)
    with pytest.raises(ValueError, match=r"^graph node np.False_ is a bool, which networkx takes for the node 0"):
        qnsim.from_graph(g)


# --- Pauli letters ------------------------------------------------------------------------------------------------


def test_a_non_ascii_pauli_letter_is_named():
    """DensityMatrixSimulator(1).expectation("Ｚ") said "has 3 qubit terms" (the bytes of one full-width letter)
    and StabilizerSimulator quoted its first byte ('\\xef')."""
    dm = qnsim.DensityMatrixSimulator(1, seed=1)
    sim = qnsim.StabilizerSimulator(2, seed=1)
    for call in (dm.expectation, dm.peek_observable_expectation, sim.peek_observable_expectation):
        with pytest.raises(ValueError, match=r"^Pauli string 'Ｚ' has the non-ASCII character 'Ｚ' \(U\+FF3A\) at "
                                             r"position 0; use I or _, X, Y, Z"):
            call("Ｚ")
    with pytest.raises(ValueError, match=r"'-XΖ' has the non-ASCII character 'Ζ' \(U\+0396\) at position 2"):
        sim.peek_observable_expectation("-XΖ")  # a Greek capital zeta
    with pytest.raises(ValueError, match=r"\(U\+1D419\) at position 0"):
        dm.expectation("\U0001d419")  # mathematical bold Z, four bytes
    assert dm.expectation("Z") == 1.0
