"""Third bad-input audit: loops bounded before they start, one bound check, one reading of numbers.

About 5,700 fuzzed calls (each public entry point and the CLI's scenario, links, workload and
experiment files, fed negative, zero, NaN, infinite, huge, boolean, text, NumPy and wrongly shaped
values in forked subprocesses with timeouts and a memory limit) found no crash; they found hangs and
memory blow-ups (loop bounds taken from the user without a cap), OverflowError on integers beyond a
float's range, silent coercions and messages that did not name the bad value. Each row calls one
entry point with one bad value; the comment says what it did before.
"""

import math

import numpy as np
import pytest

import qnsim
import qnsim.estimate
import qnsim.qec
import qnsim.results
import qnsim.sweeps
from qnsim.argument_checks import check_bounds, integer, real_number
from qnsim.estimate import (
    QPU,
    Link,
    LogicalSummary,
    Workload,
    buffered_link_time_s,
    cut_weight,
    design_t_factories,
    partition,
    placement_from_mapping,
    stored_fidelity,
)
from qnsim.routing import route

HUGE = 10**400  # an int no float holds
PAIRS = (np.array([0]), np.array([1]), np.array([1.0]))
ROWS = [
    {"p": p, "distance": d, "shots": 100, "errors": e, "rounds": 1}
    for p, pairs in ((0.01, ((3, 5), (5, 4))), (0.02, ((3, 10), (5, 12))))
    for d, e in pairs
]


def _chain():
    return qnsim.chain(3, formalism="bell_diagonal", seed=1, length_km=1.0, fidelity=0.9, rate_hz=1e3)


CASES = [
    # --- the shared readers: one bound check, integers beyond a float refused by name ---
    # OverflowError: int too large to convert to float.
    (lambda: real_number("x", HUGE), ValueError, "x is beyond the range of a float (1.8e308), got an integer of 1329"),
    # The message printed all 401 digits.
    (lambda: integer("n", HUGE, maximum=5), ValueError, "n must be <= 5, got an integer of 1329 bits (about 10**400)"),
    (lambda: integer("n", -HUGE, minimum=0), ValueError, "got an integer of 1329 bits (about -10**400)"),
    # integer() had its own bound lines without units; real_number and integer now share one.
    (lambda: integer("shots", 0, minimum=1, unit="shots"), ValueError, "shots must be >= 1 shots, got 0"),
    (lambda: check_bounds("t1_s", -1.0, -1, minimum=0.0, exclusive_minimum=True, unit="s"), ValueError,
     "t1_s must be > 0 s, got -1"),
    # --- the estimator's Link, QPU and helpers read through argument_checks (same messages) ---
    (lambda: Link((0, 1), rate_hz=0, fidelity=0.9), ValueError, "rate_hz must be > 0 Hz, got 0"),
    (lambda: Link((0, 1), rate_hz=1.0, fidelity=0.9, latency_s=HUGE), ValueError, "latency_s is beyond the range"),
    (lambda: Link((0, 1), rate_hz=1.0, fidelity=0.9, buffer_pairs=2.5), ValueError,
     "buffer_pairs must be an integer, got 2.5"),
    (lambda: QPU(t_1q_s=HUGE), ValueError, "t_1q_s is beyond the range of a float"),
    (lambda: QPU(num_qubits=0), ValueError, "num_qubits must be >= 1, got 0"),
    # buffer_pairs 2.5 was refused with its own message; pairs 10**400 raised OverflowError.
    (lambda: buffered_link_time_s(10, 1.0, 1e3, 2.5), TypeError, "buffer_pairs must be an integer, got 2.5"),
    (lambda: buffered_link_time_s(10, -1.0, 1e3, 2), ValueError, "compute_s must be >= 0 s, got -1.0"),
    # A fidelity of 1.5 decayed to 1.33 without a word; T2 > 2 T1 (unphysical) was priced.
    (lambda: stored_fidelity(1.5, 1e-3, 1.0, 1.0), ValueError, "fidelity must be in [0, 1] (within the tolerance 1e-09), got 1.5"),
    (lambda: stored_fidelity(0.9, 1e-3, 1.0, 3.0), ValueError, "t2_s must be <= 2 * t1_s = 2 s, got 3 s"),
    (lambda: stored_fidelity(0.9, math.inf, 1.0, 1.0), ValueError, "wait_s must be finite, got inf"),
    # t_count=None was kept as None; 10**400 T gates raised OverflowError in the pricing.
    (lambda: LogicalSummary(10, t_count=None), ValueError, "t_count must be an integer, got None"),
    (lambda: LogicalSummary(10, t_count=HUGE), ValueError, "t_count must be in [0, 2**128 - 1], got "),
    # --- work bounded before it starts ---
    # A bootstrap of 10**9 redraws ran for days; seed=None drew an unrepeatable interval.
    (lambda: qnsim.qec.estimate_threshold(ROWS, x_key="p", bootstrap=10**9), ValueError,
     "bootstrap must be in [0, 100000], got 1000000000"),
    (lambda: qnsim.qec.estimate_threshold(ROWS, x_key="p", seed=None), ValueError, "seed must be an integer, got None"),
    # KeyError: 'distance'.
    (lambda: qnsim.qec.estimate_threshold([{"p": 0.01}], x_key="p"), ValueError, "rows[0] has no 'distance' column"),
    # A distance of 3.5 was read as 3.
    (lambda: qnsim.qec.estimate_threshold([{**ROWS[0], "distance": 3.5}], x_key="p"), ValueError,
     "rows[0]['distance'] must be an integer, got 3.5"),
    (lambda: qnsim.qec.estimate_threshold([{**ROWS[0], "errors": 500}], x_key="p"), ValueError,
     "rows[0] has 500 errors in 100 shots"),
    # partition(10**9) filled memory; (-1) said "negative dimensions are not allowed".
    (lambda: partition(10**9, [1, 1], PAIRS), ValueError, "num_qubits must be in [0, 16777216], got 1000000000"),
    (lambda: partition(-1, [1, 1], PAIRS), ValueError, "num_qubits must be in [0, 16777216], got -1"),
    # A capacity of 1.5 was one qubit, True was 1, max_iter was never read ('3', None, nan passed).
    (lambda: partition(2, [1.5, 1], PAIRS), TypeError, "capacities[0] must be an integer, got 1.5"),
    (lambda: partition(2, [True, 1], PAIRS), TypeError, "capacities[0] must be an integer, got True"),
    (lambda: partition(2, [-1, 3], PAIRS), ValueError, "capacities[0] must be >= 0, got -1"),
    (lambda: partition(2, [1, 1], PAIRS, max_iter="3"), TypeError, "max_iter must be an integer, got '3'"),
    # num_qpus=2.5 was stored in the Placement; num_qubits=2**64 raised OverflowError.
    (lambda: placement_from_mapping([0, 1], 2, 2.5), TypeError, "num_qpus must be an integer, got 2.5"),
    (lambda: placement_from_mapping([0, 1], 2**64, 2), ValueError, "num_qubits must be in [0, 16777216]"),
    # QPU 0.5 was read as QPU 0; a too-short placement raised numpy's IndexError.
    (lambda: cut_weight(np.array([0.5, 1.0]), *PAIRS), TypeError, "qpu_of must be a sequence of integer QPU indices"),
    (lambda: cut_weight([0], *PAIRS), IndexError, "qpu_of places 1 qubits, but the pairs use qubit 1"),
    # Any routing text was routed by hops; an unknown end raised networkx's NodeNotFound.
    (lambda: route(["a", "b"], [], "a", "b", "nope"), ValueError, "routing must be one of 'hops', 'rate', 'fidelity'"),
    (lambda: route(["a", "b"], [], "x", "b"), ValueError, "src 'x' is not a node of the network (nodes: a, b)"),
    (lambda: route(["a", "b"], [], "a", None), ValueError, "dst None is not a node of the network"),
    # Seed 0.5 gave the id of seed 0, '3' that of seed 3; a NaN parameter said "not JSON compliant".
    (lambda: qnsim.sweeps.point_id({"x": 1}, 0.5), qnsim.ParameterError, "seed must be an integer, got 0.5"),
    (lambda: qnsim.sweeps.point_id({"x": 1}, "3"), qnsim.ParameterError, "seed must be an integer, got '3'"),
    (lambda: qnsim.sweeps.point_id({"x": math.nan}, 0), ValueError, "point parameters must be bools, ints, finite"),
    # links.0 = 1 replaced the whole link by 1 (a list index was looked up as a list value).
    (lambda: qnsim.sweeps.apply_overrides({"links": [{"length_km": 1.0}]}, {"links.0": 1}), ValueError,
     "links.0 is a table; only single values can be swept"),
    (lambda: qnsim.sweeps.apply_overrides({"links": [{"length_km": 1.0}]}, {"links.0.length_km": "x"}), ValueError,
     "links.0.length_km is a number in the scenario (1.0), got a str ('x')"),
    # x_offset=-0.0 made every coordinate a float; '3' raised "not all arguments converted".
    (lambda: qnsim.qec.rotated_patch(3, 3, x_offset=-0.0), ValueError, "x_offset must be an integer, got -0.0"),
    (lambda: qnsim.qec.unrotated_patch(3, 3, x_offset="2"), ValueError, "x_offset must be an integer, got '2'"),
    # "too many values to unpack (expected 3)".
    (lambda: qnsim.qec.bell_diagonal_after_memory((0.9, 0.05, 0.03, 0.02), (0.1,) * 4, (0, 0, 0)), ValueError,
     "pauli_a must be three probabilities (p_x, p_y, p_z), got (0.1, 0.1, 0.1, 0.1)"),
    # The real part of a non-Hermitian matrix's weights was returned.
    (lambda: qnsim.bell_diagonal(np.arange(16.0).reshape(4, 4)), ValueError, "bell_diagonal needs a Hermitian matrix"),
    # No argument was checked: "'float' object is not callable" for every mistake.
    (lambda: design_t_factories(1e-3, 2.0, 5e-8, lambda d: 1e-6, 1e-10, 21), ValueError,
     "physical_error must be a probability in [0, 1], got 2.0"),
    (lambda: design_t_factories(1e-3, 1e-3, 5e-8, 1e-6, 1e-10, 21), TypeError,
     "logical_cycle_s must be a function of the code distance"),
    (lambda: design_t_factories(1e-3, 1e-3, 5e-8, lambda d: 1e-6, 1e-10, 10**6), ValueError,
     "max_distance must be in [1, 1001], got 1000000"),
    (lambda: design_t_factories(1e-3, 1e-3, 5e-8, lambda d: math.nan, 1e-10, 21), ValueError,
     "logical_cycle_s(0) must be finite, got nan"),
    # --- spec fields and qec helpers: one reading (OverflowError before) ---
    (lambda: qnsim.Network().add_node("a", t1_s=HUGE), qnsim.ParameterError,
     "node 'a': t1_s is beyond the range of a float"),
    (lambda: _chain().run(HUGE), qnsim.ParameterError, "until_s is beyond the range of a float"),
    (lambda: qnsim.bbpssw(HUGE), ValueError, "bbpssw f is beyond the range of a float"),
    (lambda: qnsim.superconducting_transducer_link(HUGE), ValueError, "improvement is beyond the range of a float"),
    (lambda: qnsim.qec.NoiseModel(two_qubit=HUGE), ValueError, "two_qubit is beyond the range of a float"),
    (lambda: qnsim.qec.memory_pauli_channel(HUGE, 1.0, 1.0), ValueError, "seconds is beyond the range of a float"),
    (lambda: qnsim.qec.per_round(0.1, HUGE), ValueError, "rounds must be"),
    # NaN read as z gave NaN bounds.
    (lambda: qnsim.qec.wilson_interval(1, 10, z=math.nan), ValueError, "z must be finite, got nan"),
    # --- estimator circuit text: arguments Stim refuses ---
    # RZ(nan) and RZ(1e400) (inf) were priced as rotations; M(2) and DEPOLARIZE1(1.5) were accepted.
    (lambda: Workload("RZ(nan) 0"), qnsim.CircuitParseError,
     "argument 'nan' of RZ is not a decimal number or an angle in pi (pi/2, -3*pi/4) on line 1"),
    (lambda: Workload("H 0\nRZ(1e400) 0"), qnsim.CircuitParseError,
     "argument '1e400' of RZ is not a finite number on line 2"),
    (lambda: Workload("M(2) 0"), qnsim.CircuitParseError, "M takes probabilities in [0, 1], got 2.0 on line 1"),
    (lambda: Workload("DEPOLARIZE1(1.5) 0"), qnsim.CircuitParseError, "DEPOLARIZE1 takes probabilities in [0, 1]"),
    (lambda: Workload("PAULI_CHANNEL_1(0.1, -0.2, 0) 0"), qnsim.CircuitParseError, "got -0.2"),
    # A NUL byte ended the message there: "bad target '0" with no line number.
    (lambda: Workload("H 0\x00"), qnsim.CircuitParseError, "bad target '0\\x00' on line 1"),
    # math.isfinite(10**400) raised OverflowError in the event loop's time check.
    (lambda: qnsim.EventLoop().schedule_at(HUGE, print), ValueError, "time_s is beyond the range of a float"),
    # The size message formatted 10**400 rounds as a float: OverflowError.
    (lambda: qnsim.qec.memory_circuit(3, HUGE), ValueError, "qubit-rounds, more than the 1e+08 built here"),
    # A grid key with a line break became a CSV header on two lines (values were refused already).
    (lambda: qnsim.sweeps.grid_points({"x\ny": [1]}), ValueError, "grid keys must be non-empty strings without line"),
    # float() raised OverflowError on 10**400; a list protocol raised "unhashable type: 'list'".
    (lambda: qnsim.estimate.purification_ceiling(0.9, gate1_error=HUGE), ValueError, "gate1_error is beyond the range"),
    (lambda: qnsim.estimate.purification_ceiling(0.9, ["dejmps"]), ValueError,
     "protocol must be 'dejmps' or 'bbpssw', got ['dejmps']"),
    # "The truth value of an array with more than one element is ambiguous".
    (lambda: qnsim.estimate.purification_step((0.9, 0.05, 0.03, 0.02), measure_error=np.array([0.1, 0.2])),
     ValueError, "measure_error must be a real number, got array"),
    (lambda: qnsim.estimate.estimate("H 0", QPU(), error_budget=HUGE), ValueError, "error_budget is beyond the range"),
    (lambda: buffered_link_time_s(HUGE, 1.0, 1.0, 1), ValueError, "pairs must be in [0, 2**128 - 1], got "),
    (lambda: qnsim.estimate.human_time(HUGE), ValueError, "seconds is beyond the range of a float"),
    (lambda: qnsim.estimate.human_time(1j), TypeError, "seconds must be a real number, got 1j"),
    (lambda: qnsim.qec.wilson_interval(1, HUGE), ValueError, "shots must be in [1, 2**63 - 1]"),
    # "'str' object has no attribute 'shortest_graphlike_error'".
    (lambda: qnsim.qec.seam_fault_distance("H 0"), TypeError, "circuit must be a stim.Circuit, got str"),
    (lambda: QPU.preset(["qubit_gate_ns_e3"]), TypeError, "preset_name must be a string"),
    # "'NoneType' object is not iterable".
    (lambda: qnsim.qec.Interface(wait_idle=None), ValueError,
     "Interface.wait_idle must be three probabilities (p_x, p_y, p_z), got None"),
    (lambda: qnsim.sweeps.point_id(None, 0), TypeError, "params must be a mapping of grid key -> value, got None"),
    # 2.5 degrees of freedom indexed a tuple ("tuple indices must be integers").
    (lambda: qnsim.results.t_quantile_975(2.5), TypeError, "degrees of freedom must be an integer, got 2.5"),
    # A QPU's name with a line break broke the report's table rows (nodes' names were checked already).
    (lambda: QPU(name="qpu\na"), ValueError, "name must be printable text without line breaks or control characters"),
    (lambda: QPU(name=" "), ValueError, "name must be a non-empty string (not blank), got ' '"),
    # --- the density-matrix engine's qubit lists ("'float' object is not iterable") ---
    (lambda: qnsim.DensityMatrixSimulator(2).apply_unitary(np.eye(2), 2.5), TypeError,
     "targets must be a qubit index or a sequence of them, got 2.5"),
    (lambda: qnsim.DensityMatrixSimulator(2).partial_trace(None), TypeError, "got None"),
    # A NUL byte ended the stabilizer parser's message too.
    (lambda: qnsim.StabilizerSimulator(2).do_circuit("H 0\x00"), qnsim.CircuitParseError,
     "unsupported target '0\\x00' of H"),
    # Each probe is a whole density-matrix run: probes=10**9 ran for ever.
    (lambda: qnsim.qec.measure_link({}, probes=10**9), ValueError, "probes must be in [1, 100000], got 1000000000"),
    # --- a T1 given alone: the inf the message showed was the default T2's, unsaid ---
    (lambda: qnsim.Network().add_node("a", t1_s=1.0), qnsim.ParameterError,
     "t2_s must be <= 2 * t1_s = 2.0 s, got inf s (t2_s defaults to inf: give t2_s with t1_s)"),
    (lambda: Link((0, 1), rate_hz=1.0, fidelity=0.9, memory_t1_s=1.0), ValueError,
     "memory_t2_s defaults to inf: give it with memory_t1_s"),
]


@pytest.mark.parametrize(("call", "error", "fragment"), CASES)
def test_bad_input_is_refused_by_name(call, error, fragment):
    with pytest.raises(error) as info:
        call()
    assert fragment in str(info.value)


def test_seed_batches_are_counted_before_they_are_read():
    """range(10**9) seeds was turned into a tuple (and a billion networks) until memory ran out."""
    net = _chain()
    net.request("n0", "n2", num_pairs=1)
    with pytest.raises(qnsim.ParameterError, match=r"^seeds: 1,000,000,000 seeds is more than the 1,048,576"):
        net.run_seeds(range(10**9), 0.01)
    assert len(net.run_seeds(range(2), 0.01)) == 2


def test_sampling_refuses_shot_counts_that_would_run_for_days():
    """max_shots=2**64 without max_errors sampled for ever (with max_errors too, on a circuit whose
    logical error rate is tiny); a bad seed was refused by Stim without naming the value."""
    pytest.importorskip("stim")
    pytest.importorskip("pymatching")
    circuit = qnsim.qec.memory_circuit(3, 3, noise=qnsim.qec.NoiseModel.uniform_depolarizing(1e-3))
    bits = circuit.num_detectors + circuit.num_observables
    for extra in ({}, {"max_errors": 10}):
        # (2**64 and beyond: the same work bound, before the 64-bit range; test_bad_input_round12b.)
        with pytest.raises(ValueError, match=r"^max_shots = 9,223,372,036,854,775,808 shots of 25 detector") as info:
            qnsim.qec.sample_logical_error(circuit, max_shots=2**63, **extra)
        assert f"give max_shots <= {2**40 // bits:,}" in str(info.value)
    with pytest.raises(ValueError, match=r"^max_shots = 1,000,000,000,000,000,000 shots"):
        qnsim.qec.collect([(circuit, {"rounds": 3})], max_shots=10**18, num_workers=1)
    with pytest.raises(ValueError, match=r"^seed must be in \[0, 2\*\*64 - 1\], got -1$"):
        qnsim.qec.sample_logical_error(circuit, max_shots=10, seed=-1)
    assert qnsim.qec.sample_logical_error(circuit, max_shots=100, seed=np.uint64(3)).shots == 100


def test_numpy_scalars_and_documented_values_still_read():
    """The stricter readers keep what was right: NumPy counts, +inf memories, 1e6 as a TOML count,
    an unnormalized Hermitian matrix for the linear bell_diagonal map."""
    assert Link((0, 1), rate_hz=np.float32(2.0), fidelity=0.9, memory_t1_s=math.inf).memory_t1_s == math.inf
    assert buffered_link_time_s(np.int64(10), 1.0, np.float64(1e3), np.int32(2)) == pytest.approx(1.0, rel=0.1)
    assert LogicalSummary(10, t_count=1e6).t_count == 10**6
    assert LogicalSummary(10, rotation_depth=None).rotation_depth is None
    assert sum(partition(2, [np.int64(1), None], PAIRS).qubits_per_qpu) == 2
    assert qnsim.bell_diagonal(np.eye(4)).tolist() == pytest.approx([1, 1, 1, 1])
    assert qnsim.qec.rotated_patch(3, 3, x_offset=np.int64(2)).data[0] == (3, 1)
    assert stored_fidelity(0.9, 1.0, math.inf, math.inf) == 0.9
    assert Workload("M(0.01) 0\nRZ(0.3) 0\nQUBIT_COORDS(2, 3) 0").num_qubits == 1
    assert qnsim.results.t_quantile_975(10**400) == pytest.approx(1.959964, abs=1e-6)
    assert qnsim.estimate.human_time(math.nan) == "not estimated (nan)"  # round 26: was "nan s"
    assert QPU().name == "" and QPU(name="qpu a").name == "qpu a"
    # A NumPy array of qubits was read as one qubit ("a qubit must be an int, got array([0, 1])").
    assert qnsim.DensityMatrixSimulator(2).partial_trace(np.array([0, 1])).shape == (4, 4)
