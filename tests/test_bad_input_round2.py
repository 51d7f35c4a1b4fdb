"""Second bad-input audit: numbers are read one way everywhere (qnsim.argument_checks).

A NumPy scalar is a number wherever a number is due, a bool or text never is, a count is an
integer (not 2.7) and nothing refused is first coerced. Each row calls one public entry point with
one bad value and checks the exception class and that the message names the value.
"""

import re

import numpy as np
import pytest

import qnsim
import qnsim.qec
from qnsim import Detector, Fiber, Memory, Source
from qnsim.argument_checks import flag, integer, probability, real_number
from qnsim.estimate import QPU, Link, SurfaceCode, azure_layout_qubits, buffered_link_time_s, estimate
from qnsim.estimate.links import purification_plan


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: real_number("x", "3"), TypeError),
        (lambda: real_number("x", True), TypeError),
        (lambda: real_number("x", np.True_), TypeError),
        (lambda: real_number("x", 1 + 2j), TypeError),
        (lambda: real_number("x", np.array([1.0, 2.0])), TypeError),
        (lambda: real_number("x", None), TypeError),
        (lambda: real_number("x", float("nan")), ValueError),
        (lambda: real_number("x", -float("inf"), allow_inf=True), ValueError),
        (lambda: real_number("x", 0.0, minimum=0.0, exclusive_minimum=True), ValueError),
        (lambda: integer("x", 2.0), TypeError),
        (lambda: integer("x", True), TypeError),
        (lambda: integer("x", -1, minimum=0), ValueError),
        (lambda: probability("x", 1.5), ValueError),
        (lambda: flag("x", 1), TypeError),
        (lambda: flag("x", "yes"), TypeError),
    ],
)
def test_the_shared_readers_refuse_what_is_not_the_kind_asked(call, expected):
    with pytest.raises(expected, match=r"^x must be"):
        call()


def test_the_shared_readers_accept_numpy_scalars_as_plain_numbers():
    assert real_number("x", np.float32(0.5)) == 0.5
    assert type(real_number("x", np.int64(3))) is float
    assert integer("x", np.int64(3)) == 3 and type(integer("x", np.uint8(3))) is int
    assert flag("x", np.False_) is False


def test_hardware_pieces_take_numpy_scalars_and_store_python_numbers():
    # np.int64(1) was refused as "must be a real number" although it is one.
    detector = Detector(efficiency=np.int64(1))
    # Held as a float, as every spec holds a float field (round 28: one rule; an int was kept as an int here).
    assert detector.efficiency == 1 and type(detector.efficiency) is float
    source = Source(attempt_rate_hz=np.float64(1e6), emission_efficiency=np.float32(0.5), num_modes=np.int64(2))
    assert type(source.num_modes) is int and type(source.attempt_rate_hz) is float
    assert Memory(num_qubits=np.int32(2)).num_qubits == 2
    with pytest.raises(ValueError, match=r"^Fiber\.length_km must be >= 0, got -1$"):  # as given (round 25)
        Fiber(np.int64(-1))
    with pytest.raises(ValueError, match=r"^Fiber\.length_km must be finite, got nan$"):
        Fiber(np.float64("nan"))
    with pytest.raises(TypeError, match=r"^Source\.num_modes must be an integer, got 2\.0 \(a float; write it as the integer 2\)$"):
        Source(attempt_rate_hz=1e6, emission_efficiency=0.5, num_modes=2.0)


def test_estimator_inputs_take_numpy_scalars():
    # Each was refused with a message that contradicted the value (fidelity 0.5 "must be in
    # [0.25, 1]", rate 1 "must be a finite positive number").
    link = Link(
        (0, 1), rate_hz=np.int64(1000), fidelity=np.float32(0.5), latency_s=np.float64(0.0), channels=np.int64(2)
    )
    assert (link.rate_hz, link.fidelity, link.channels) == (1000.0, 0.5, 2)
    assert type(link.channels) is int and type(link.rate_hz) is float
    assert QPU(num_qubits=np.int64(4), e_2q=np.float64(1e-3), t_2q_s=np.float32(1e-7)).num_qubits == 4
    assert SurfaceCode(max_distance=np.int64(25)).max_distance == 25


@pytest.mark.parametrize(
    ("call", "expected", "match"),
    [
        # A count of 2.7 pairs was served as 1.0 s of link time (silently rounded).
        (lambda: buffered_link_time_s(2.7, 1.0, 1e3, 2), TypeError, r"^pairs must be an integer, got 2\.7$"),
        (lambda: buffered_link_time_s(np.float32(0.5), 1.0, 1e3, 2), TypeError, r"pairs must be an integer, got np"),
        (lambda: buffered_link_time_s(1e300, 1.0, 1e3, 2), TypeError, r"pairs must be an integer, got 1e\+300"),
        # azure_layout_qubits(True) was 6, (-1) and (-inf) were 0.
        (lambda: azure_layout_qubits(True), ValueError, r"^q must be an integer, got True$"),
        (lambda: azure_layout_qubits(-1), ValueError, r"^q must be >= 0, got -1$"),
        (lambda: azure_layout_qubits(-float("inf")), ValueError, r"^q must be an integer, got -inf$"),
        (lambda: azure_layout_qubits(2.5), ValueError, r"^q must be an integer, got 2\.5$"),
        # A target of True, -1 or -inf was "already reached" by raw pairs (0 rounds, feasible).
        (lambda: purification_plan(0.9, True), ValueError, r"^target_fidelity must be a real number, got True$"),
        (
            lambda: purification_plan(0.9, -1),
            ValueError,
            r"^target_fidelity must be a probability in \[0, 1\], got -1$",
        ),
        (lambda: purification_plan(0.9, -float("inf")), ValueError, r"^target_fidelity must be finite, got -inf$"),
        (lambda: purification_plan("0.9", 0.95), ValueError, r"^raw_fidelity must be a real number, got '0\.9'$"),
        (lambda: purification_plan(0.9, 0.95, max_rounds=2.5), ValueError, r"^max_rounds must be an integer"),
        # A target of 1.5 was accepted when no remote gate needed it (verdict 'feasible').
        (
            lambda: estimate("CX 0 1", [QPU(num_qubits=2), QPU(num_qubits=2)], target_fidelity=1.5),
            ValueError,
            r"^target_fidelity must be in \[0\.25, 1\], got 1\.5$",
        ),
        (
            lambda: estimate("CX 0 1", [QPU(num_qubits=2)], target_fidelity=float("nan")),
            ValueError,
            r"^target_fidelity must be finite, got nan$",
        ),
    ],
)
def test_estimator_helpers_refuse_values_they_used_to_coerce(call, expected, match):
    with pytest.raises(expected, match=match):
        call()


def test_every_refusal_here_is_a_value_error_or_type_error():
    # The package promises ValueError / TypeError (or a QnsimError) for bad input, never a bare
    # Exception: the shared readers' classes are those two.
    for call in (lambda: real_number("x", "s"), lambda: integer("x", -1, minimum=0)):
        with pytest.raises((TypeError, ValueError)) as info:
            call()
        assert re.match(r"^x must be", str(info.value))
    assert issubclass(qnsim.ParameterError, ValueError)


@pytest.mark.parametrize(
    ("call", "expected", "match"),
    [
        # float() read "0.1" and True as probabilities; 2.0 gave the identity a weight of -1.
        (
            lambda: qnsim.qec.compose_pauli2({"XI": "0.1"}),
            TypeError,
            r"^channel\['XI'\] must be a real number, got '0\.1'$",
        ),
        (
            lambda: qnsim.qec.compose_pauli2({"XI": True}),
            TypeError,
            r"^channel\['XI'\] must be a real number, got True$",
        ),
        (
            lambda: qnsim.qec.compose_pauli2({"XI": 2.0}),
            ValueError,
            r"^channel\['XI'\] must be a probability in \[0, 1\], got 2\.0$",
        ),
        (
            lambda: qnsim.qec.compose_pauli2({"XI": float("nan")}),
            ValueError,
            r"^channel\['XI'\] must be finite, got nan$",
        ),
        (lambda: qnsim.qec.compose_pauli2({"XI": 0.6, "ZZ": 0.6}), ValueError, r"must sum to <= 1, got 1\.2"),
        # AttributeError "'str' object has no attribute 'items'".
        (lambda: qnsim.qec.compose_pauli2("x"), TypeError, r"mapping like \{'XI': 0\.01\}, got 'x'$"),
        # gadget_noise="no" was truthy, so the gadget noise was on.
        (
            lambda: qnsim.qec.Interface(scheme="direct", gadget_noise="no"),
            ValueError,
            r"^Interface\.gadget_noise must be True or False, got 'no'$",
        ),
        (
            lambda: qnsim.qec.Interface(scheme="direct", explicit=1),
            ValueError,
            r"^Interface\.explicit must be True or False, got 1$",
        ),
        # ket="yes" returned the ket.
        (lambda: qnsim.bell_state("phi+", ket="yes"), TypeError, r"^ket must be True or False, got 'yes'$"),
        (lambda: qnsim.bell_state(1), ValueError, r"got 1$"),
        (lambda: qnsim.fidelity(qnsim.werner_state(0.9), None), ValueError, r"got None$"),
        # pybind11's "incompatible function arguments" without the value.
        (
            lambda: qnsim.Network(max_records=2**64),
            qnsim.ParameterError,
            r"^max_records must be in \[0, 100000000\] \(None: 10\^6, the default\), got 18446744073709551616$",
        ),
        # "must be true or false or an integer" for an integer.
        (
            lambda: qnsim.Network(trace=2**64),
            qnsim.ParameterError,
            r"^trace must be in \[0, 100000000\] \(0: off\), got 18446744073709551616$",
        ),
        (
            lambda: qnsim.Network(trace=-1),
            qnsim.ParameterError,
            r"^trace must be in \[0, 100000000\] \(0: off\), got -1$",
        ),
        (lambda: qnsim.Network().release_pair(-1, 2**70), qnsim.ParameterError,
         r"^qubit_src must be in \[0, 2\*\*64 - 1\], got -1$"),
        (
            lambda: qnsim.Network().release_pair(0, 2**70),
            qnsim.ParameterError,
            r"^qubit_dst must be in \[0, 2\*\*64 - 1\]",
        ),
    ],
)
def test_python_entry_points_refuse_what_they_coerced_or_misreported(call, expected, match):
    with pytest.raises(expected, match=match):
        call()


def test_pauli_channels_still_compose():
    assert round(qnsim.qec.compose_pauli2({"XI": np.float64(0.1)}, {"XI": 0.1})["XI"], 12) == 0.18
    assert qnsim.qec.Interface(scheme="direct", gadget_noise=np.False_).gadget_noise is False


def _two_nodes():
    network = qnsim.Network(seed=1)
    network.add_node("a")
    network.add_node("b")
    return network


@pytest.mark.parametrize(
    "description",
    [
        {"fidelity": 0.9, "rate_hz": 1e3},
        {"fidelity": 0.9, "success_probability": 0.5, "attempt_period_s": 1e-3},
    ],
)
def test_an_abstract_link_refuses_a_fiber_loss_it_would_ignore(description):
    # The abstract link's rate already includes the loss: attenuation_db_per_km = 5 was accepted
    # and changed nothing.
    with pytest.raises(ValueError, match=r"attenuation_db_per_km = 5\.0 applies to hardware links only"):
        _two_nodes().add_link("a", "b", length_km=1.0, attenuation_db_per_km=5.0, **description)


def test_a_hardware_link_still_takes_its_fiber_loss():
    network = _two_nodes()
    low = network.add_link("a", "b", length_km=20.0, preset="nv_near_term", attenuation_db_per_km=0.2)
    lossy = _two_nodes().add_link("a", "b", length_km=20.0, preset="nv_near_term", attenuation_db_per_km=0.5)
    assert lossy.success_probability < low.success_probability


def test_a_physical_qpu_refuses_a_logical_capacity_it_would_ignore():
    # Placement reads logical_qubits only on error-corrected QPUs: QPU(logical_qubits=3) ran as
    # an unlimited physical QPU.
    with pytest.raises(ValueError, match=r"^logical_qubits=3 applies to error-corrected QPUs only"):
        QPU(logical_qubits=3)
    assert QPU(logical_qubits=3, surface_code=SurfaceCode()).logical_qubits == 3


def test_qec_circuit_refuses_an_interface_error_without_a_seam(capsys):
    from qnsim.qec_cli import main as qec_main

    # --p-int was ignored with --scheme none (the circuit had no seam to apply it to).
    assert qec_main(["circuit", "--distance", "3", "--scheme", "none", "--p-int", "0.5"]) == 2
    assert "--p-int 0.5 needs a seam" in capsys.readouterr().err
    assert qec_main(["circuit", "--distance", "3", "--scheme", "none"]) == 0


def test_a_sweep_refuses_a_point_function_its_workers_cannot_receive():
    # A lambda hung the local pool forever (Python 3.11 waits for a call it never sent).
    with pytest.raises(qnsim.SweepError, match=r"cannot be sent to worker processes .*define it at module level"):
        qnsim.sweep(lambda params, seed: {"x": 1}, {"a": [1, 2]}, seeds=1, progress=False)


def _link_model(**changes):
    from dataclasses import asdict, replace

    src = Source(attempt_rate_hz=1e6, emission_efficiency=0.5)
    model = qnsim.heralded_link("double_click", src, src, Fiber(1.0), Fiber(1.0), Detector(0.9))
    assert asdict(model)  # a valid model passes its own checks
    return replace(model, **changes)


@pytest.mark.parametrize(
    ("changes", "expected", "match"),
    [
        ({"scheme": "bogus"}, ValueError, r"^LinkModel\.scheme must be one of"),
        (
            {"success_probability": 2.0},
            ValueError,
            r"^LinkModel\.success_probability must be a probability in \[0, 1\], got 2\.0$",
        ),
        ({"success_probability": True}, TypeError, r"^LinkModel\.success_probability must be a real number, got True$"),
        ({"attempt_period_s": -1e-3}, ValueError, r"^LinkModel\.attempt_period_s must be > 0 s, got -0\.001$"),
        ({"attempt_period_s": float("nan")}, ValueError, r"^LinkModel\.attempt_period_s must be finite, got nan$"),
        ({"state": np.eye(4)}, ValueError, r"^LinkModel\.state: density matrix has trace 4"),
        ({"state": np.eye(3) / 3}, ValueError, r"rho must be a 4x4 two-qubit density matrix"),
        # The fidelity a network reports came from this field while its pairs came from the state.
        ({"fidelity": 0.9999}, ValueError, r"^LinkModel\.fidelity 0\.9999 is not the Phi\+ weight of its state"),
        ({"bell_diagonal": (0.25, 0.25, 0.25, 0.25)}, ValueError, r"is not the Bell diagonal of its state"),
    ],
)
def test_a_hand_made_link_model_is_checked_like_heralded_links_output(changes, expected, match):
    with pytest.raises(expected, match=match):
        _link_model(**changes)


def test_remote_gate_time_checks_its_latency():
    from qnsim.estimate import remote_gate_time_s

    for bad, pattern in (
        (True, r"must be a real number, got True"),
        (-1, r"must be >= 0 s, got -1"),
        (float("nan"), r"must be finite, got nan"),
    ):
        with pytest.raises(ValueError, match=rf"^latency_s {pattern}$"):
            remote_gate_time_s(QPU(), QPU(), bad)
    assert remote_gate_time_s(QPU(), QPU(), np.float64(1e-6)) == pytest.approx(1.15e-6)


@pytest.mark.parametrize(
    ("call", "expected", "match"),
    [
        # str(None) was parsed: "unknown gate 'None' on line 1; did you mean 'CNOT'?".
        (
            lambda: qnsim.StabilizerSimulator(2).do_circuit(None),
            TypeError,
            r"^circuit must be a str \(or a stim object\), got None$",
        ),
        (
            lambda: qnsim.StabilizerSimulator(2).do_circuit(3),
            TypeError,
            r"^circuit must be a str \(or a stim object\), got 3$",
        ),
        (lambda: qnsim.StabilizerSimulator(2).peek_observable_expectation(None), TypeError, r"^pauli must be a str"),
        (
            lambda: qnsim.DensityMatrixSimulator(2).expectation(["X", "Z"]),
            TypeError,
            r"^pauli must be a str .*got \['X', 'Z'\]$",
        ),
        # Stim refuses targets on TICK; they were dropped.
        (
            lambda: qnsim.StabilizerSimulator(2).do_circuit("TICK 0"),
            qnsim.CircuitParseError,
            r"^TICK takes no targets, got 1 on line 1$",
        ),
    ],
)
def test_engines_refuse_text_arguments_that_are_not_text(call, expected, match):
    with pytest.raises(expected, match=match):
        call()


def test_engines_still_take_stim_objects_as_text():
    stim = pytest.importorskip("stim")
    sim = qnsim.StabilizerSimulator(2, seed=1)
    assert list(sim.do_circuit(stim.Circuit("X 0\nM 0"))) == [1]
    assert sim.peek_observable_expectation(stim.PauliString("-Z_")) == 1


def test_primitives_check_every_qubit_before_acting():
    reg = qnsim.QubitRegistry(seed=1)
    x, a = reg.bell_pair()
    b, y = reg.bell_pair()
    # y = 99 passed whenever the Bell outcomes needed no correction on it.
    with pytest.raises(
        qnsim.UnknownQubitError, match=r"^entanglement_swap: y = 99 is not a live qubit of this registry$"
    ):
        qnsim.entanglement_swap(reg, a, b, 99)
    with pytest.raises(ValueError, match=r"^entanglement_swap: a and y are the same qubit"):
        qnsim.entanglement_swap(reg, a, b, a)
    with pytest.raises(qnsim.UnknownQubitError, match=r"^teleport: data = 7 is not a live qubit"):
        qnsim.teleport(reg, 7, a, b)
    with pytest.raises(qnsim.UnknownQubitError, match=r"^remote_cnot: target = 5 is not a live qubit"):
        qnsim.remote_cnot(reg, x, a, b, 5)
    with pytest.raises(ValueError, match=r"^purify_round: a1 and a2 are the same qubit"):
        qnsim.purify_round(reg, "dejmps", x, a, x, y)
    assert reg.num_qubits == 4  # nothing was measured or discarded by the refused calls
    qnsim.entanglement_swap(reg, a, b, y)
    assert round(reg.fidelity([x, y]), 9) == 1.0


class _OneCall(qnsim.Protocol):
    """Makes one call (given as a function of the protocol and the first ready slot at 'a')."""

    def __init__(self, call):
        super().__init__()
        self.call = call
        self.done = False

    def on_pair_ready(self, node, slot, partner_slot):
        if node == "a" and not self.done:
            self.done = True
            self.call(self, slot, partner_slot)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        # int() made True slot 1, 2.5 slot 2 and 0.5 slot 0 (a pair delivered from the wrong slot).
        (lambda p, slot, partner: p.deliver(True, partner), r"slot_src must be an integer, got True"),
        (lambda p, slot, partner: p.deliver(slot + 0.5, partner), r"slot_src must be an integer, got 0\.5"),
        (lambda p, slot, partner: p.swap("a", slot, 2.5), r"slot_b must be an integer, got 2\.5"),
        (lambda p, slot, partner: p.discard(True), r"slot must be an integer, got True"),
        (lambda p, slot, partner: p.partner(True), r"slot must be an integer, got True"),
        # p.deliver(-1, partner) (pybind11's "cannot take (0, -1, 1)", then "slot_src must be >= 0"): a plain int,
        # refused as one whatever its value since round 22 (tests/test_protocol_semantics.py), the network's range
        # stated where a plain index is taken (tests/test_bad_input_round22.py).
        # A message leaving 1 s in the past was sent at once; a timer got a SchedulingError in ps.
        (
            lambda p, slot, partner: p.send("a", "b", "m", after_s=-1.0),
            r"after_s must be >= 0 s \(a delay from now\), got -1\.0",
        ),
        (lambda p, slot, partner: p.set_timer(-1.0, "a"), r"delay_s must be >= 0 s \(a delay from now\), got -1\.0"),
        (lambda p, slot, partner: p.pair_emitted_s(2.5), r"slot must be an integer, got 2\.5"),
    ],
)
def test_protocol_calls_read_slots_and_delays_without_coercion(call, match):
    network = _two_nodes()
    network.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    network.request("a", "b", num_pairs=2, protocol=_OneCall(call))
    with pytest.raises(qnsim.ParameterError, match=match):
        network.run(0.01)


def test_protocol_pair_emitted_s_names_a_slot_it_never_reported():
    network = _two_nodes()
    network.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    network.request(
        "a", "b", num_pairs=2, protocol=_OneCall(lambda p, slot, partner: p.pair_emitted_s(qnsim.SlotRef(99, 0)))
    )
    with pytest.raises(IndexError, match=r"slot 99 is out of range: the network has \d+ memory slots"):
        network.run(0.01)


def test_results_traces_logs_and_sweeps_check_flags_and_paths(tmp_path):
    network = qnsim.Network(seed=1, trace=True)
    network.add_node("a")
    network.add_node("b")
    network.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    network.request("a", "b", num_pairs=3)
    result = network.run(0.01)
    # include_pairs="no" was truthy: the pairs were listed.
    with pytest.raises(TypeError, match=r"^include_pairs must be True or False, got 'no'$"):
        result.to_dict(include_pairs="no")
    with pytest.raises(TypeError, match=r"^include_pairs must be True or False, got 1$"):
        result.to_json(include_pairs=1)
    # open(3) wrote the trace to file descriptor 3 and closed it.
    with pytest.raises(TypeError, match=r"^path must be a file path \(str or pathlib.Path\), got 3$"):
        network.trace().write_jsonl(3)
    assert network.trace().write_jsonl(tmp_path / "t.jsonl") == len(network.trace())
    # log_to_stderr(True) set level 1.
    with pytest.raises(TypeError, match=r"^level must be a level name or a logging level number, got True$"):
        qnsim.log_to_stderr(True)
    # out="" was reported as "got '.'".
    with pytest.raises(ValueError, match=r"^out must be a \.csv or \.parquet path, got ''$"):
        qnsim.sweep(lambda params, seed: {}, {}, seeds=1, out="", progress=False)


def test_estimator_simulation_and_streaming_read_counts_and_seeds_strictly(tmp_path):
    from qnsim.estimate import Workload, simulate_execution, stream_circuit_file

    circuit = tmp_path / "w.stim"
    circuit.write_text("H 0\nCX 0 1\n")
    qpus, links = [QPU(num_qubits=1), QPU(num_qubits=1)], [Link((0, 1), rate_hz=1e6, fidelity=0.99)]
    # int() made 2.5 bytes 2 and True 1 ("must be >= 4096, got 1" for True).
    with pytest.raises(ValueError, match=r"^chunk_bytes must be an integer, got 2\.5$"):
        stream_circuit_file(circuit, chunk_bytes=2.5)
    with pytest.raises(ValueError, match=r"^chunk_bytes must be an integer, got True$"):
        stream_circuit_file(circuit, chunk_bytes=True)
    with pytest.raises(ValueError, match=r"^max_ops must be an integer, got 2\.5$"):
        Workload("H 0").unroll(2.5)
    # numpy's "SeedSequence expects int or sequence of ints" named no argument.
    with pytest.raises(qnsim.ParameterError, match=r"^seed must be an integer, got 2\.5$"):
        simulate_execution("CX 0 1", qpus, links, seed=2.5)
    with pytest.raises(ValueError, match=r"^buffer_pairs must be an integer, got True$"):
        simulate_execution("CX 0 1", qpus, links, buffer_pairs=True)
    with pytest.raises(TypeError, match=r"^cat_entangler must be True or False, got 'no'$"):
        simulate_execution("CX 0 1", qpus, links, cat_entangler="no")
    # The estimate's reading (estimate() refuses the same targets: below 0.25 no pair is needed at all).
    with pytest.raises(ValueError, match=r"^target_fidelity must be in \[0\.25, 1\], got 1\.5$"):
        simulate_execution("CX 0 1", qpus, links, target_fidelity=1.5)
    assert simulate_execution("CX 0 1", qpus, links, seed=np.int64(3)).remote_gates == 1


def test_heralded_link_and_measure_link_read_numbers_without_float():
    src = Source(attempt_rate_hz=1e6, emission_efficiency=0.5)
    args = ("double_click", src, src, Fiber(1.0), Fiber(1.0), Detector(0.9))
    # float(True) was a phase noise of 1 rad.
    with pytest.raises(TypeError, match=r"^heralded_link phase_std_rad must be a real number, got True$"):
        qnsim.heralded_link(*args, phase_std_rad=True)
    assert qnsim.heralded_link(*args, phase_std_rad=np.float64(0.0)).fidelity == qnsim.heralded_link(*args).fidelity
    data = {
        "run": {"until_s": 0.01},
        "nodes": [{"name": "a"}, {"name": "b"}],
        "links": [{"a": "a", "b": "b", "length_km": 1.0, "fidelity": 0.9, "rate_hz": 1e4}],
        "requests": [{"src": "a", "dst": "b"}],
    }
    # request=True was request 1 (here: not an integer, as calibrate_link says); until_s="0.01" was read as 0.01 s.
    with pytest.raises(ValueError, match=r"^request must be an integer, got True$"):
        qnsim.qec.measure_link(data, request=True, probes=2)
    with pytest.raises(TypeError, match=r"^until_s must be a real number, got '0\.01'$"):
        qnsim.qec.measure_link(data, until_s="0.01", probes=2)
    with pytest.raises(ValueError, match=r"^probes must be an integer, got True$"):
        qnsim.qec.measure_link(data, probes=True)


@pytest.mark.parametrize("bad", [True, "1e-6"])
def test_round_timing_refuses_times_that_are_not_numbers(bad):
    # float() read "1e-6" as 1 us and True as a 1 s cycle.
    with pytest.raises(
        ValueError, match=rf"^cycle_time_s must be a real number, got {re.escape(repr(bad))}$"
    ):
        qnsim.qec.round_timing(
            rate_hz=1e3, bell_diagonal=(0.9, 0.05, 0.03, 0.02), distance=3, cycle_time_s=bad, t1_s=1.0, t2_s=1.0
        )


@pytest.mark.parametrize(
    ("bad", "match"),
    [(2.5, r"must be an integer, got 2\.5"), (True, r"must be an integer, got True"),
     (-1, r"must be in \[0, 1024\], got -1")],
)
def test_purification_rounds_for_checks_max_rounds(bad, match):
    with pytest.raises(qnsim.ParameterError, match=rf"^max_rounds {match}$"):
        qnsim.purification_rounds_for([0.9, 0.05, 0.03, 0.02], 0.95, max_rounds=bad)


@pytest.mark.parametrize(
    "text",
    [
        "REPEAT 99999999999999 {\nH 0\n}",  # ran for hours (every iteration executes)
        "REPEAT 1000000 {\nREPEAT 1000000 {\nH 0 1\n}\n}",
        "REPEAT 1000000000000000000 {\n}",  # an empty body still loops
    ],
)
def test_do_circuit_refuses_repeat_counts_that_would_run_for_hours(text):
    # Round 31: the limit is do_circuit's max_operations (10**9 by default), no longer a fixed 2**40.
    with pytest.raises(qnsim.CircuitParseError, match=r"target operations .* more than the limit of 1000000000 \("):
        qnsim.StabilizerSimulator(2).do_circuit(text)


def test_do_circuit_still_runs_long_repeats_within_the_budget():
    sim = qnsim.StabilizerSimulator(1, seed=1)
    assert list(sim.do_circuit("REPEAT 100000 {\nX 0\n}\nM 0")) == [0]


@pytest.mark.parametrize(
    ("name", "match"),
    [
        (["a"], r"name must be a string, got \['a'\]"),  # was "unhashable type: 'list'"
        (" ", r"name must be a non-empty string \(not blank\), got ' '"),
        ("a\nb", r"name must be printable text without line breaks or control characters, got 'a\\nb'"),
        ("a\tb", r"name must be printable text"),
    ],
)
def test_node_and_request_names_are_printable_and_not_blank(name, match):
    with pytest.raises(qnsim.ParameterError, match=match):
        qnsim.Network().add_node(name)
    network = _two_nodes()
    network.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    if isinstance(name, str):
        with pytest.raises(qnsim.ParameterError, match=match):
            network.request("a", "b", name=name)
    assert network.add_node("qpu é").name == "qpu é"


def test_a_sweep_refuses_more_workers_than_it_would_sensibly_start():
    # workers=10**6 started min(workers, points) processes: a fork storm on a large grid.
    with pytest.raises(ValueError, match=r"^workers = 1,000,000 is more than the 4,096 processes a sweep starts$"):
        qnsim.sweep(lambda params, seed: {}, {"a": [1, 2]}, seeds=1, workers=10**6, progress=False)


def test_qec_sampling_refuses_batches_and_pools_that_would_exhaust_the_machine():
    pytest.importorskip("stim")
    pytest.importorskip("pymatching")
    circuit = qnsim.qec.memory_circuit(3, 3, noise=qnsim.qec.NoiseModel.uniform_depolarizing(1e-3))
    # batch_size=10**12 asked Stim for terabytes of detection events at once. (max_shots = 10**10: within the work
    # bound, 2**40 sampled bits, that max_shots is read with first.)
    with pytest.raises(
        ValueError, match=r"^a batch of 10,000,000,000 shots of this circuit .* more than 1,073,741,824"
    ):
        qnsim.qec.sample_logical_error(circuit, max_shots=10**10, batch_size=10**12)
    with pytest.raises(ValueError, match=r"^num_workers = 1,000,000 is more than the 4,096 processes collect starts$"):
        qnsim.qec.collect([(circuit, {})], max_shots=10, num_workers=10**6)
    assert qnsim.qec.sample_logical_error(circuit, max_shots=100, batch_size=10**12, seed=1).shots == 100


def test_unrolling_a_workload_is_bounded_before_it_fills_memory():
    from qnsim.estimate import Workload

    # max_ops=10**12 let a REPEAT 10**12 unroll into Python tuples until memory ran out.
    with pytest.raises(ValueError, match=r"^max_ops must be in \[1, 10000000\], got 1000000000000$"):
        Workload("REPEAT 1000000000000 {\nH 0\n}").unroll(10**12)
