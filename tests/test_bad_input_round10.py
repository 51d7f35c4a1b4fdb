"""Tenth bad-input audit: what a generated battery (every public entry point, each parameter fed a list of bad
values in a forked child with memory and CPU limits) found after the ninth round, and the layout leftovers of
the ninth. Each test's docstring says what the old behaviour was.
"""

from __future__ import annotations

import numpy as np
import pytest

import qnsim
from qnsim import hardware as hw
from qnsim.argument_checks import real_number

BEYOND = np.longdouble("1e4000")  # finite, but beyond a float's range (x86-64's 80-bit long double)
needs_wide_longdouble = pytest.mark.skipif(
    not np.isfinite(BEYOND), reason="np.longdouble is a plain double on this platform"
)

# --- a number beyond a float's range is named, never read as inf ---------------------------------------------


@needs_wide_longdouble
def test_a_long_double_beyond_a_float_is_refused_by_the_python_layer():
    """real_number read np.longdouble("1e4000") as inf: taken as "no limit" where inf means that
    (Transducer(bandwidth_hz=...), Memory(t1_s=...)) and refused as "must be finite" where it does not, although
    it is finite; 10**400 was already "beyond the range of a float"."""
    for value in (BEYOND, -BEYOND, 10**400):
        with pytest.raises(ValueError, match=r"^x is beyond the range of a float \(1.8e308\), got "):
            real_number("x", value, allow_inf=True)
    with pytest.raises(ValueError, match=r"^Transducer.bandwidth_hz is beyond the range of a float"):
        hw.Transducer(0.5, 0.1, bandwidth_hz=BEYOND)
    with pytest.raises(ValueError, match=r"^Memory.t1_s is beyond the range of a float"):
        hw.Memory(1, t1_s=BEYOND)
    assert real_number("x", np.longdouble("inf"), allow_inf=True) == np.inf


def test_hardware_stores_a_long_double_as_a_float():
    """A NumPy long double was stored as given (np.longdouble's item() is itself), so the model's repr, equality
    and TOML output depended on the type the caller passed, unlike every other NumPy scalar."""
    fiber = hw.Fiber(np.longdouble(2.5))
    assert type(fiber.length_km) is float and fiber == hw.Fiber(2.5)
    assert type(hw.Transducer(0.5, 0.1, bandwidth_hz=np.longdouble("inf")).bandwidth_hz) is float


@needs_wide_longdouble
def test_the_engines_refuse_a_number_beyond_a_float_by_value():
    """The native casters read np.longdouble("1e4000") as inf: memory_decay(t1_s=...) ran with no decay at all,
    x_error(p=...) said "p=inf is not a probability", naming a value never given; an int of 10**400 was
    "must be a number" (a TypeError) where the Python layer says it is beyond a float (a ValueError)."""
    reg = qnsim.QubitRegistry("density_matrix", seed=1)
    a, _ = reg.bell_pair()
    with pytest.raises(ValueError, match=r"^QubitRegistry.memory_decay\(\): t1_s is beyond the range of a float "
                                         r"\(1.8e308\), got "
                                         r"np.longdouble\('1e\+4000'\)"):
        reg.memory_decay(a, 1e-3, BEYOND, 1.0)
    s = qnsim.StabilizerSimulator(1, seed=1)
    for value in (BEYOND, 10**400):
        with pytest.raises(ValueError, match=r"^StabilizerSimulator.x_error\(\): p is beyond the range of a float"):
            s.x_error(0, p=value)
    reg.memory_decay(a, 1e-3, np.longdouble("inf"), np.float16("inf"))  # infinities are still "no decay"


# --- times -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["start_s", "cutoff_s", "deadline_s"])
def test_a_negative_time_that_rounds_to_zero_is_refused(field):
    """A negative time above -0.5 ps rounded to 0 ps and was taken: start_s = -1e-13 started the request at 0,
    run(-1e-13) ran to 0 s, and cutoff_s = -1e-13 was refused as "got 0.0 s", naming a value never given."""
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    with pytest.raises(qnsim.ParameterError, match=rf"{field} = -1e-13 s is negative \(it would round to 0 ps\)"):
        net.request("a", "b", **{field: -1e-13})
    with pytest.raises(qnsim.ParameterError, match=r"until_s = -1e-300 s is negative"):
        net.run(-1e-300, progress=False)
    assert net.run(0.0, progress=False).until_s == 0.0


# --- counts a node can hold -----------------------------------------------------------------------------------


def test_a_source_and_a_memory_hold_at_most_what_a_node_holds():
    """Source(num_modes=10**400) and Memory(num_qubits=10**400) were built; heralded_link of two such sources
    raised OverflowError "int too large to convert to float", naming nothing, and the memory was refused only
    when a network took its node."""
    src = dict(attempt_rate_hz=1e6, emission_efficiency=0.5)
    limit = qnsim._core.MAX_MEMORIES_PER_NODE
    assert limit == 2**24
    for bad in (10**400, limit + 1):
        with pytest.raises(ValueError, match=rf"^Source.num_modes must be in \[1, {limit}\], got "):
            hw.Source(**src, num_modes=bad)
        with pytest.raises(ValueError, match=rf"^Memory.num_qubits must be in \[1, {limit}\], got "):
            hw.Memory(bad)
    s = hw.Source(**src, num_modes=np.uint32(limit))
    link = qnsim.heralded_link("single_click", s, s, hw.Fiber(1.0), hw.Fiber(1.0), hw.Detector(0.9))
    assert link.success_probability == 1.0
    assert hw.Memory(limit).num_qubits == limit


def test_a_preset_link_takes_only_a_scheme_or_none():
    """HardwarePreset.link(10.0, scheme={}) (or "", 0, False) built the preset's own scheme: any falsy value
    read as "not given"."""
    preset = qnsim.nv_near_term()
    for bad in ({}, "", 0, False):
        with pytest.raises(ValueError, match=r"heralded_link scheme must be one of"):
            preset.link(10.0, scheme=bad)
    assert preset.link(10.0, scheme=None) == preset.link(10.0, scheme=preset.scheme)


# --- QEC layouts: coordinates and seams within what a circuit can hold (left by round 9) -------------------------


def _patch():
    from qnsim.qec.layout import rotated_patch

    return rotated_patch(3, 3)


@pytest.mark.parametrize(
    "seam_x, match",
    [
        (float("nan"), r"seam_x must be finite, got nan"),
        (float("inf"), r"seam_x must be finite, got inf"),
        (10**400, r"seam_x is beyond the range of a float"),
        (2**60, r"seam_x must be in \[-2\*\*53, 2\*\*53\], got 1152921504606846976"),
        (True, r"seam_x must be a real number, got True"),
        (1j, r"seam_x must be a real number, got 1j"),
        (np.array(1.0), r"seam_x must be a real number"),
    ],
    ids=["nan", "inf", "10**400", "2**60", "True", "1j", "0-d array"],
)
def test_a_seam_is_a_finite_coordinate(seam_x, match):
    """PatchLayout.qpu_of and remote_gates took any seam_x: NaN put every qubit on QPU B (no comparison is
    true) and reported no remote gate, inf and 10**400 put all of them on one side, True was the seam x = 1 and
    a complex number or an array was compared as a number."""
    patch = _patch()
    with pytest.raises(ValueError, match=match):
        patch.qpu_of((1, 1), seam_x)
    with pytest.raises(ValueError, match=match):
        patch.remote_gates(seam_x)
    assert patch.qpu_of((3, 1), np.int64(4)) == 0 and patch.qpu_of((4, 2), 4.0) == 1
    assert len(patch.remote_gates(4)) == 5 and patch.remote_gates(None) == []


@pytest.mark.parametrize(
    "coord, match",
    [
        ({}, r"coord must be a pair of integers \(x, y\), got \{\}"),
        (b"1", r"coord must be a pair of integers"),
        ([1], r"coord must be a pair of integers"),
        ((1.5, 1), r"coord\[0\] must be an integer, got 1.5"),
        ((True, 1), r"coord\[0\] must be an integer, got True"),
        ((1, 10**400), r"coord\[1\] must be in \[-2\*\*53, 2\*\*53\], got an integer of 1329 bits"),
    ],
    ids=["dict", "bytes", "one number", "float", "bool", "10**400"],
)
def test_a_coordinate_is_a_pair_of_integers(coord, match):
    """qpu_of({}, 2.0) raised KeyError: 0, qpu_of(b"1", 2.0) read the byte 49 as x, a list of one number or a
    float coordinate were taken."""
    with pytest.raises(ValueError, match=match):
        _patch().qpu_of(coord, 2.0)


def test_a_logical_index_counts_from_zero_within_the_patch():
    """logical("Z", index=-1) was the last row without a word, index=True the second, and index=3 of a 3-row
    patch raised "list index out of range", naming nothing."""
    patch = _patch()
    with pytest.raises(ValueError, match=r"index must be in \[0, 2\], got -1"):
        patch.logical("Z", -1)
    with pytest.raises(ValueError, match=r"index must be an integer, got True"):
        patch.logical("Z", True)
    with pytest.raises(IndexError, match=r"index 3 is beyond the patch's 3 full data rows \(0 to 2\)"):
        patch.logical("Z", 3)
    assert patch.logical("X", np.int64(2)) == ((5, 1), (5, 3), (5, 5))


def test_a_layout_built_by_hand_is_checked():
    """PatchLayout and Stabilizer built by hand took anything: code "hex", width True, coordinates of 10**400
    (which no Stim circuit can hold: its coordinates are doubles) and a schedule of three entries."""
    from qnsim.qec.layout import PatchLayout, Stabilizer

    good = _patch()
    fields = dict(code="rotated", width=3, height=3, data=good.data, stabilizers=good.stabilizers)
    assert PatchLayout(**fields) == good
    for change, match in [
        ({"code": "hex"}, r"PatchLayout.code must be 'rotated' or 'unrotated', got 'hex'"),
        ({"width": True}, r"PatchLayout.width must be an int >= 1, got True"),
        ({"data": ((1, 10**400),)}, r"PatchLayout.data\[0\]\[1\] must be in \[-2\*\*53, 2\*\*53\]"),
        ({"data": "ab"}, r"PatchLayout.data must be a tuple of coordinates"),
        ({"stabilizers": (1,)}, r"PatchLayout.stabilizers\[0\] must be a Stabilizer, got 1"),
        ({"x_offset": 3}, r"PatchLayout.x_offset must be even, got 3"),
    ]:
        with pytest.raises(ValueError, match=match):
            PatchLayout(**{**fields, **change})
    with pytest.raises(ValueError, match=r"basis must be 'X' or 'Z', got 'Q'"):
        Stabilizer("Q", (2, 2), (None, None, None, None))
    with pytest.raises(ValueError, match=r"Stabilizer.schedule must be 4 entries"):
        Stabilizer("Z", (2, 2), ((3, 1), None, (1, 1)))
    with pytest.raises(ValueError, match=r"Stabilizer.ancilla\[0\] must be an integer, got nan"):
        Stabilizer("Z", (float("nan"), 2), ((3, 1), None, (1, 1), None))
    assert Stabilizer("Z", [2, 2], [(3, 1), None, [1, 1], None]).data == ((3, 1), (1, 1))


# --- QEC estimates built by hand -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, match",
    [
        ({"errors": True}, r"LogicalErrorEstimate.errors must be an integer, got True"),
        ({"shots": None}, r"LogicalErrorEstimate.shots must be an integer, got None"),
        ({"shots": ""}, r"LogicalErrorEstimate.shots must be an integer, got ''"),
        ({"errors": 2.5}, r"LogicalErrorEstimate.errors must be an integer, got 2.5"),
        ({"errors": 101}, r"LogicalErrorEstimate.errors must be at most shots = 100, got 101"),
        ({"errors": 10**400}, r"LogicalErrorEstimate.errors must be in \[0, 2\*\*63 - 1\]"),
        ({"rounds": 0}, r"LogicalErrorEstimate.rounds must be in \[1, 2\*\*53\], got 0"),
        ({"seconds": float("nan")}, r"LogicalErrorEstimate.seconds must be finite, got nan"),
        ({"discards": -1}, r"LogicalErrorEstimate.discards must be >= 0, got -1"),
        ({"metadata": [1]}, r"LogicalErrorEstimate.metadata must be a mapping \(a dict\), got \[1\]"),
        ({"max_errors": 0}, r"LogicalErrorEstimate.max_errors must be >= 1, got 0"),
    ],
)
def test_a_logical_error_estimate_holds_counts(change, match):
    """LogicalErrorEstimate(shots=100, errors=True) read one error; shots=None or "" gave a rate of nan and the
    note "no shot sampled"; 101 errors in 100 shots a shot error rate above 1; errors=10**400 raised
    OverflowError "integer division result too large for a float"; seconds, discards and metadata took
    anything."""
    from qnsim.qec import LogicalErrorEstimate

    fields = dict(shots=100, errors=3, rounds=3)
    with pytest.raises(ValueError, match=match):
        LogicalErrorEstimate(**{**fields, **change})
    e = LogicalErrorEstimate(shots=np.int64(100), errors=np.uint8(3), rounds=3, seconds=np.float32(0.5))
    assert type(e.shots) is int and type(e.seconds) is float and e.shot_error_rate == 0.03
    assert LogicalErrorEstimate(0, 0).notes == ["no shot sampled"]


# --- command lines: a number beyond a float is named as typed ---------------------------------------------------


@pytest.mark.parametrize(
    "argv, shown",
    [
        (["run", "s.toml", "--until", "1e400"], "qnsim run: error: argument --until: '1e400' is beyond"),
        (["qec", "circuit", "--p-bulk", "1e400"], "qnsim qec circuit: error: argument --p-bulk: '1e400' is beyond"),
        (["qec", "link", "s.toml", "--cycle-time=-1e999"], "argument --cycle-time: '-1e999' is beyond"),
        (["sweep", "s.toml", "--param", "links.0.length_km=1,1e400"],
         "qnsim sweep: error: --param 'links.0.length_km=1,1e400': '1e400' is beyond the range of a float"),
    ],
    ids=["run --until", "qec circuit --p-bulk", "qec link --cycle-time", "sweep --param"],
)
def test_a_command_line_number_beyond_a_float_is_named_as_typed(argv, shown, capsys, tmp_path, monkeypatch):
    """float("1e400") is inf: `qnsim run s.toml --until 1e400` said "run.until_s must be finite, got inf",
    `qnsim qec circuit --p-bulk 1e400` "p must be finite, got inf", and a sweep grid value 1e400 "values must
    be finite ... got inf": values never typed."""
    from qnsim.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text(
        '[run]\nuntil_s = 0.001\nseed = 1\n[[nodes]]\nname = "a"\n[[nodes]]\nname = "b"\n'
        '[[links]]\na = "a"\nb = "b"\nlength_km = 1.0\nfidelity = 0.9\nrate_hz = 1e4\n'
        '[[requests]]\nsrc = "a"\ndst = "b"\n'
    )
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert shown in err and "inf" not in err, err


def test_command_line_numbers_still_read_as_before():
    """(Guard: inf spelled out, exponents and underscores read as before.)"""
    from qnsim.cli import float_text
    from qnsim.sweep_cli import parse_param

    assert [float_text(t) for t in ("inf", "-Infinity", " +inf ", "1e308", "2.5")] == [
        float("inf"), float("-inf"), float("inf"), 1e308, 2.5]
    assert parse_param("x=1_000,2.5,inf,true,text") == ("x", [1000, 2.5, float("inf"), True, "text"])


# --- the estimator's helpers read their arguments as the estimate does ----------------------------------------


def test_surface_code_formulas_take_a_code_distance_and_probabilities():
    """SurfaceCode.logical_error_per_cycle(1e-3, d) never returned for a negative d (its repeated squaring halves
    the exponent towards -1 for ever: a hang) and raised OverflowError for 10**400; p=True read as 1, NaN and
    complex values gave rates without a word (distance_for(nan, ...) None, physical_per_logical(1j) -2+0j),
    as did QPU.logical_cycle_s."""
    from qnsim.estimate import QPU, SurfaceCode
    from qnsim.estimate.qpu import surface_code_error

    sc = SurfaceCode()
    with pytest.raises(ValueError, match=r"^d must be in \[0, 2\*\*31\], got -3$"):
        sc.logical_error_per_cycle(1e-3, -3)
    with pytest.raises(ValueError, match=r"^d must be in \[0, 2\*\*31\], got -5$"):
        surface_code_error(0.03, 0.01, 1e-3, -5)
    with pytest.raises(ValueError, match=r"^d must be in \[0, 2\*\*31\], got an integer of 1329 bits"):
        QPU().logical_cycle_s(10**400)
    with pytest.raises(ValueError, match=r"^d must be an integer, got 1j$"):
        SurfaceCode.physical_per_logical(1j)
    with pytest.raises(ValueError, match=r"^p must be a real number, got True$"):
        sc.logical_error_per_cycle(True, 3)
    with pytest.raises(ValueError, match=r"^p must be finite, got nan$"):
        sc.distance_for(float("nan"), 1e-9)
    with pytest.raises(ValueError, match=r"^target_per_cycle must be finite or \+inf, got nan$"):
        sc.distance_for(1e-3, float("nan"))
    assert sc.distance_for(np.float32(1e-3), 2e-12) == 21 and SurfaceCode.physical_per_logical(np.int64(21)) == 882


def test_estimator_helpers_name_an_argument_that_is_not_a_qpu_or_a_link():
    """remote_gate_time_s(True, ...), state_teleportation_cost(..., link="x"), remote_operation(..., qpu_b="q")
    and simulate_execution(qpus="11") raised AttributeError ("'bool' object has no attribute 't_2q_s'"), naming
    no argument; estimate took a set of QPUs, whose order (the QPUs' indices) is the hash order."""
    from qnsim.estimate import (
        QPU,
        Link,
        estimate,
        remote_gate_time_s,
        remote_operation,
        simulate_execution,
        state_teleportation_cost,
    )

    q, link = QPU(), Link((0, 1), rate_hz=1e6, fidelity=0.99)
    with pytest.raises(TypeError, match=r"^qa must be a qnsim.estimate.QPU, got True$"):
        remote_gate_time_s(True, q, 1e-3)
    with pytest.raises(TypeError, match=r"^link must be a qnsim.estimate.Link, got 'x'$"):
        state_teleportation_cost(3, q, q, "x")
    with pytest.raises(TypeError, match=r"^qpu_b must be a qnsim.estimate.QPU, got 'q'$"):
        remote_operation(5, [0.9, 0.05, 0.03, 0.02], q, "q")
    with pytest.raises(TypeError, match=r"^qpus must be a QPU or an ordered sequence of them .* got a str$"):
        simulate_execution("CX 0 1", "11", [link])
    with pytest.raises(TypeError, match=r"^qpus\[1\] must be a qnsim.estimate.QPU, got 1$"):
        simulate_execution("CX 0 1", [q, 1], [link])
    with pytest.raises(TypeError, match=r"^qpus must be a QPU or an ordered sequence of them .* got a set$"):
        estimate("CX 0 1", {q}, [link])
    assert estimate("CX 0 1", (q, q), [link]).verdict == "feasible"


def test_a_buffer_of_pairs_is_bounded_like_channels():
    """Link(buffer_pairs=10**400) was built and the estimate then raised OverflowError "int too large to
    convert to float"; flow_controlled_rate_hz and buffered_link_time_s took it too."""
    from qnsim.estimate import QPU, Link, buffered_link_time_s, estimate, flow_controlled_rate_hz
    from qnsim.estimate.links import MAX_BUFFER_PAIRS

    match = rf"^buffer_pairs must be in \[1, {MAX_BUFFER_PAIRS}\], got an integer of 1329 bits"
    with pytest.raises(ValueError, match=match):
        Link((0, 1), rate_hz=1e6, fidelity=0.99, buffer_pairs=10**400)
    with pytest.raises(ValueError, match=match):
        flow_controlled_rate_hz(1e3, 10**400, [0.5], 1e-3)
    with pytest.raises(ValueError, match=match):
        buffered_link_time_s(10, 1.0, 1e3, 10**400)
    link = Link((0, 1), rate_hz=1e6, fidelity=0.999999, buffer_pairs=MAX_BUFFER_PAIRS)
    assert estimate("CX 0 1", [QPU(num_qubits=1), QPU(num_qubits=1)], [link]).bell_pairs == 1


def test_a_calibration_request_is_an_index_and_links_are_not_text(tmp_path):
    """calibrate_link(scenario, request=True) measured request 1 without a word; estimate(..., links="") and
    simulate_execution(..., links="") read the empty text as "no links"."""
    from qnsim.estimate import QPU, calibrate_link, estimate, simulate_execution

    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "abc":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.add_link("b", "c", length_km=1.0, fidelity=0.8, rate_hz=1e4)
    net.request("a", "b")
    net.request("b", "c")
    with pytest.raises(ValueError, match=r"^request must be an integer, got True$"):
        calibrate_link(net, request=True, until_s=1e-3)
    with pytest.raises(ValueError, match=r"^request -1 does not exist: network has 2 requests, indices 0 to 1$"):
        calibrate_link(net, request=-1, until_s=1e-3)
    assert calibrate_link(net, request=np.int64(1), until_s=1e-3).fidelity == pytest.approx(0.8)
    for call in (estimate, simulate_execution):
        with pytest.raises(TypeError, match=r"^links must be qnsim.estimate.Link objects .* got ''$"):
            call("CX 0 1", [QPU(num_qubits=1), QPU(num_qubits=1)], "")


# --- matrices and states hold numbers ---------------------------------------------------------------------------


NOT_NUMBERS = {
    "bool": np.eye(2, dtype=bool),
    "text": np.array([["1", "0"], ["0", "1"]]),
    "object": np.array([[1, 0], [0, 1]], dtype=object),
    "list of bools": [[True, False], [False, True]],
    "time spans": np.eye(2).astype("m8[s]"),
    "dates": np.array([[1, 0], [0, 1]], dtype="M8[s]"),
}


@pytest.mark.parametrize("kind", sorted(NOT_NUMBERS))
def test_a_matrix_of_what_is_not_numbers_is_refused_by_the_engines(kind):
    """The engines cast any array to complex: apply_unitary and apply_kraus took a bool identity (True as 1),
    text "1"/"0" (parsed as numbers), object arrays, dates and time spans (their counts), as did
    set_density_matrix, set_state_vector, the fidelity targets and pair_with_state, where the Python layer
    (qnsim.fidelity) refuses them as "a matrix of numbers"."""
    m = NOT_NUMBERS[kind]
    big = np.tile(m, (2, 2)) if not isinstance(m, list) else [row * 2 for row in m] * 2  # 4x4, the same entries
    vector = np.asarray(m)[0] if not isinstance(m, list) else m[0]  # two entries of the same kind
    dm = qnsim.DensityMatrixSimulator(1, seed=1)
    reg = qnsim.QubitRegistry("density_matrix", seed=1)
    a, b = reg.bell_pair()
    dtype = r"entries of dtype \S+ are not"
    calls = [
        (lambda: dm.apply_unitary(m, [0]), r"apply_unitary\(\): matrix must be an array of numbers \(" + dtype),
        (lambda: dm.apply_kraus([m], [0]), r"apply_kraus\(\): kraus_ops must be an array of numbers"),
        (lambda: dm.set_density_matrix(m), r"set_density_matrix\(\): rho must be an array of numbers"),
        (lambda: dm.set_state_vector(vector), r"set_state_vector\(\): psi must be an array of numbers"),
        (lambda: dm.fidelity(m), r"fidelity\(\): target must be an array of numbers"),
        (lambda: reg.apply_unitary(m, [a]), r"apply_unitary\(\): matrix must be an array of numbers"),
        (lambda: reg.pair_with_state(big), r"pair_with_state\(\): rho must be an array of numbers"),
        (lambda: reg.fidelity([a, b], big), r"fidelity target must be an array of numbers, got entries of dtype"),
    ]
    for call, match in calls:
        with pytest.raises(TypeError, match=match):
            call()


def test_matrices_of_every_numeric_dtype_still_apply():
    """(Guard: integer, unsigned, float of any width and complex entries are numbers; lists of them too.)"""
    dm = qnsim.DensityMatrixSimulator(1, seed=1)
    for m in (np.eye(2, dtype=np.uint64), np.eye(2, dtype=np.float16), np.eye(2, dtype=np.longdouble),
              np.eye(2, dtype=np.clongdouble), [[0, 1], [1, 0]], [[1, 0], [0, 1j]]):
        dm.apply_unitary(m, [0])
    dm.apply_kraus([np.eye(2, dtype=np.int8)], [0])
    assert dm.probability_of_one(0) == pytest.approx(1.0)  # the one X above


def test_a_workload_pair_count_reads_qubits_as_the_engines_do():
    """Workload.pair_count(True, 1) counted the pair (1, 1) and pair_count(0.9, 1) the pair (0, 1): int() took a
    bool as 1 and truncated a float, where every other qubit argument is refused unless it is an integer."""
    from qnsim.estimate import Workload

    w = Workload("REPEAT 3 {\n CX 0 1 1 0\n}")
    for bad in (True, 0.9, "0"):
        with pytest.raises(TypeError, match=r"^WorkloadProgram.pair_count\(\): a must be an integer, got "):
            w.pair_count(bad, 1)
    assert w.pair_count(np.int64(1), np.uint8(0)) == 6


def test_an_interface_is_made_from_a_measured_supply_only():
    """qec.interface_from_link("x", 3, cycle_time_s=1e-6) raised AttributeError "'str' object has no attribute
    'rate_hz'", naming no argument."""
    from qnsim import qec

    for bad in ("x", None, {"rate_hz": 1e5}):
        with pytest.raises(ValueError, match=r"^supply must be a qnsim.qec.LinkSupply \(from measure_link\), got "):
            qec.interface_from_link(bad, 3, cycle_time_s=1e-6)


def test_an_event_loop_refuses_a_negative_time_that_rounds_to_zero():
    """EventLoop.schedule_in(-1e-13, f) ran f now, schedule_at(-1e-13, f) and run(-1e-13) were taken, while
    -1e-12 was a SchedulingError: a negative time above -0.5 ps rounded to 0 ps."""
    loop = qnsim.EventLoop()
    for call in (lambda: loop.schedule_in(-1e-13, print), lambda: loop.schedule_at(-1e-13, print),
                 lambda: loop.run(-1e-13)):
        with pytest.raises(qnsim.SchedulingError, match=r"=-1e-13 s is negative \(it would round to 0 ps\)"):
            call()
    assert loop.pending == 0
    loop.schedule_in(0.0, print)
    assert loop.schedule_in(-0.0, print) >= 0 and loop.pending == 2


def test_a_link_model_state_in_a_scenario_holds_numbers():
    """A scenario's link_model.state read its entries with dtype=float: a matrix written as text ("0.46...") was
    taken as the numbers, and true as 1.0, without a word."""
    from qnsim.link_builder import link_model_from_table

    state = qnsim.werner_state(0.9)
    table = {"scheme": "single_click", "success_probability": 0.1, "attempt_period_s": 1e-6,
             "bell_diagonal": [0.9, 0.1 / 3, 0.1 / 3, 0.1 / 3], "fidelity": 0.9, "mode_success_probability": 0.1}
    text = [[repr(v) for v in row] for row in state.real.tolist()]
    flags = [[v > 0.3 for v in row] for row in state.real.tolist()]
    for real in (text, flags):
        with pytest.raises(qnsim.ParameterError, match=r"link_model.state must hold 4x4 arrays of numbers"):
            link_model_from_table({**table, "state": {"real": real, "imag": state.imag.tolist()}})
    model = link_model_from_table({**table, "state": {"real": state.real.tolist(), "imag": state.imag.tolist()}})
    assert model.fidelity == pytest.approx(0.9)


def test_threshold_crossings_read_their_curves_as_numbers():
    """qec.threshold.crossing(["0.001", "0.01"], ...) read the texts as numbers and crossing([True, 2], ...) True
    as 1 (dtype=float), as did fitted_crossing, whose x = 0 made log(0) without a word."""
    from qnsim.qec.threshold import crossing, fitted_crossing

    p_small, p_large = [0.01, 0.1], [0.001, 0.2]
    with pytest.raises(ValueError, match=r"^x\[0\] must be a real number, got '0.001'$"):
        crossing(["0.001", "0.01"], p_small, p_large)
    with pytest.raises(ValueError, match=r"^x\[0\] must be a real number, got True$"):
        crossing([True, 2], p_small, p_large)
    with pytest.raises(ValueError, match=r"^p_large must be a list of real numbers, got '0.1'$"):
        crossing([0.001, 0.01], p_small, "0.1")
    with pytest.raises(ValueError, match=r"^x\[0\] must be > 0, got 0$"):
        fitted_crossing([0, 0.01], p_small, p_large, [1, 1], [1, 1])
    with pytest.raises(ValueError, match=r"^w_large\[1\] must be >= 0 and finite \(or NaN: no data\), got -1$"):
        fitted_crossing([0.001, 0.01], p_small, p_large, [1, 1], [1, -1])
    assert crossing([0.001, 0.01, 0.02], [0.01, float("nan"), 0.1], [0.001, 0.2, 0.3]) is None  # NaN: no data
    assert round(crossing(np.array([0.01, 0.02]), [1e-3, 4e-3], (5e-4, 8e-3)), 5) == 0.01414
