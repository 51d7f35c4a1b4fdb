"""Eighth bad-input audit: what probing every entry point in forked children (memory and time limits)
found after the seventh round. Each test's docstring says what the old behaviour was.
"""

from __future__ import annotations

import fractions
import subprocess
import sys
from decimal import Decimal

import numpy as np
import pytest

import qnsim
import qnsim.link_models as lm
from test_bad_input_round7 import _pair_network

# --- the engines read numbers as the Python layer does ----------------------------------------------------


@pytest.mark.parametrize(
    "value", [np.array(0.1), np.array(0.1, dtype=object), Decimal("0.1"), np.array(1), np.array(1, dtype=object)],
    ids=["0-d array", "0-d object array", "Decimal", "0-d int array", "0-d object int"],
)
def test_the_engines_take_no_array_or_decimal_for_a_number(value):
    """The native casters took anything with __float__ or __index__: x_error(0, p=np.array(0.1)), a Decimal
    time in memory_decay, StabilizerSimulator(np.array(3)) and measure(np.array(1)) all ran, while every
    Python entry point (argument_checks) refused the same values as "must be a real number"."""
    s = qnsim.StabilizerSimulator(2, seed=1)
    with pytest.raises(TypeError, match=r"p must be a number\b.*, got"):
        s.x_error(0, p=value)
    with pytest.raises(TypeError, match=r"must be a number\b.*, got"):
        qnsim.DensityMatrixSimulator(1, seed=1).amplitude_damp(0, value)
    reg = qnsim.QubitRegistry("density_matrix", seed=1)
    a, _ = reg.bell_pair()
    with pytest.raises(TypeError, match=r"must be a number\b.*, got"):
        reg.memory_decay(a, value, 1.0, 1.0)
    with pytest.raises(TypeError, match=r"must be a number\b.*, got"):
        reg.bell_diagonal_pair([value, 0.9, 0.0, 0.0])
    with pytest.raises(TypeError, match=r"num_qubits must be an integer, got"):
        qnsim.StabilizerSimulator(value)
    with pytest.raises(TypeError, match=r"^a qubit must be an int, got"):  # as a gate's target (round 20)
        s.measure(value)


def test_the_engines_still_take_every_real_scalar():
    """(Guard for the fix above: NumPy scalars of every width and Fractions are numbers, as in Python.)"""
    s = qnsim.StabilizerSimulator(np.uint8(2), seed=np.uint64(3))
    for p in (np.float16(0.25), np.float32(0.25), np.float64(0.25), np.longdouble(0.25), fractions.Fraction(1, 4),
              np.int8(0), 0, 0.25):
        s.x_error(np.int16(0), p=p)
    reg = qnsim.QubitRegistry("density_matrix", seed=1)
    a, b = reg.bell_pair()
    reg.memory_decay(np.int64(a), np.float32(1e-4), fractions.Fraction(1, 1000), np.float16(1e-3))
    assert 0.5 < reg.fidelity([a, b]) < 1.0


@pytest.mark.parametrize("qubits", [{1, 0}, {0: "a", 1: "b"}, frozenset({0, 1})], ids=["set", "dict", "frozenset"])
def test_qubits_in_no_order_are_refused(qubits):
    """A set of qubits was read in hash order and a dict by its keys: partial_trace(keep={1, 0}) returned the
    state of qubits (0, 1), and QubitRegistry.state({b, a}) the state in the order (a, b), without a word."""
    dm = qnsim.DensityMatrixSimulator(2, seed=1)
    with pytest.raises(TypeError, match=r"keep must be an ordered sequence of qubits"):
        dm.partial_trace(qubits)
    with pytest.raises(TypeError, match=r"targets must be an ordered sequence of qubits"):
        dm.apply_unitary(np.eye(4), qubits)
    with pytest.raises(TypeError, match=r"targets must be an ordered sequence of qubits"):
        qnsim.StabilizerSimulator(2, seed=1).h(qubits)
    reg = qnsim.QubitRegistry("density_matrix", seed=1)
    a, b = reg.bell_pair()
    handles = {a, b} if isinstance(qubits, (set, frozenset)) else {a: 0, b: 1}
    with pytest.raises(TypeError, match=r"qubits must be an ordered sequence of qubits"):
        reg.state(handles)
    assert reg.state([a, b]).shape == (4, 4) and dm.partial_trace([1, 0]).shape == (4, 4)


# --- counts and times are Python numbers before any arithmetic --------------------------------------------


def _run_in_child(code: str, seconds: float = 60) -> subprocess.CompletedProcess:
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
    return subprocess.run([sys.executable, "-c", limit + code], capture_output=True, text=True, timeout=seconds)


def test_a_topology_counts_its_links_without_wrapping_around():
    """dumbbell(2, np.uint64(2**64 - 1)) added its counts in NumPy's uint64, which wrapped around to 2 links:
    the bound on links passed and the builder ran without end (20 GB of memory in ten minutes);
    grid(np.int64(2**62), 4) multiplied to 0 and said "grid needs at least 2 nodes"."""
    done = _run_in_child(
        "import numpy as np, qnsim\n"
        "try:\n"
        "    qnsim.dumbbell(2, np.uint64(2**64 - 1))\n"
        "except qnsim.ParameterError as e:\n"
        "    print(e)\n"
    )
    assert "more than the 16,777,216 a network holds" in done.stdout, done.stderr[-500:]
    with pytest.raises(qnsim.ParameterError, match=r"grid\(rows=4611686018427387904, cols=4\) has .* links, more"):
        qnsim.grid(np.int64(2**62), np.int64(4))
    with pytest.raises(qnsim.ParameterError, match=r"bridge_hops=18446744073709551615\) has .* links, more"):
        qnsim.dumbbell(1, 1, bridge_hops=np.uint64(2**64 - 1))
    assert len(qnsim.grid(np.uint8(2), np.int64(3), length_km=1.0, fidelity=0.9, rate_hz=1e3).nodes) == 6


def test_an_event_time_is_read_at_full_precision():
    """EventLoop multiplied a NumPy time by 1e12 in its own type: np.float32(0.1) s ran at 99,999,997,952 ps
    (3.5 ns before the 100,000,001,490 ps the float32 holds), np.float16(1.5) overflowed and was refused as
    "outside the simulated time range", and 0-d arrays ran as times."""
    loop = qnsim.EventLoop()
    loop.schedule_in(np.float32(0.1), lambda: None)
    loop.run()
    assert loop.now_ps == round(float(np.float32(0.1)) * 1e12) == 100_000_001_490
    loop.schedule_at(np.float16(1.5), lambda: None)
    loop.run()
    assert loop.now_ps == 1_500_000_000_000
    for value in (np.array(2.0), np.array(2.0, dtype=object), Decimal("2")):
        with pytest.raises(TypeError, match=r"delay_s must be a real number\b.*, got"):
            loop.schedule_in(value, lambda: None)
        with pytest.raises(TypeError, match=r"until_s must be a real number\b.*, got"):
            loop.run(value)


def test_an_event_priority_is_not_a_time_span():
    """priority=np.timedelta64(1, 's') passed as an integer (NumPy files time spans under its integers)."""
    with pytest.raises(TypeError, match=r"priority must be an int, got"):
        qnsim.EventLoop().schedule_in(1e-6, lambda: None, priority=np.timedelta64(1, "s"))


def test_bell_diagonal_weights_beyond_a_float_are_named():
    """bell_diagonal_state([10**400, 0, 0, 0]) and dejmps raised OverflowError "int too large to convert to
    float", naming neither the function nor the weight; a NumPy time span passed as a weight."""
    with pytest.raises(ValueError, match=r"bell_diagonal_state coefficients\[0\] is beyond the range of a float"):
        lm.bell_diagonal_state([10**400, 0, 0, 0])
    with pytest.raises(ValueError, match=r"dejmps bell_diag_2\[1\] is beyond the range of a float"):
        lm.dejmps([1, 0, 0, 0], [0, -(10**400), 0, 0])
    with pytest.raises(TypeError, match=r"must be four numbers"):
        lm.bell_diagonal_state([1, 0, 0, np.timedelta64(0, "s")])
    assert lm.bell_diagonal_state([fractions.Fraction(1), 0, 0, np.float16(0)])[0, 0] == pytest.approx(0.5)


# --- results name the time they cover ----------------------------------------------------------------------


def test_results_are_not_labelled_with_an_earlier_time_than_they_cover():
    """net.result(until_s=0.005) after a run to 10 ms returned a result whose until_s read 5 ms, holding every
    pair of the 10 ms (twice the pairs of the time it named), without a note; a later time got a note."""
    net = _pair_network(seed=1)
    ran = net.run(0.01, progress=False)
    with pytest.raises(qnsim.ParameterError, match=r"until_s = 0.005 s is before the 0.01 s the network has run"):
        net.result(until_s=0.005)
    with pytest.raises(qnsim.ParameterError, match=r"until_s = 0 s is before"):
        net.result(until_s=0)
    same = net.result(until_s=0.01)
    assert same.until_s == 0.01 and same.requests[0].num_pairs == ran.requests[0].num_pairs
    assert net.result(until_s=0.02).notes  # a later time: named in a note, as before


# --- files written whole, named when they cannot be -----------------------------------------------------------


@pytest.mark.skipif(not __import__("os").path.exists("/dev/full"), reason="needs /dev/full")
def test_a_circuit_written_to_a_full_disk_names_the_file(capsys):
    """`qnsim qec circuit --out /dev/full` said only "No space left on device", naming no file (the trace
    writer had been fixed in round 7, the circuit writer not)."""
    from qnsim.qec_cli import main

    assert main(["circuit", "--distance", "3", "--out", "/dev/full"]) == 2
    assert "error: --out /dev/full: No space left on device" in capsys.readouterr().err  # round 34: the flag too


def test_a_circuit_file_is_written_whole(tmp_path, capsys):
    """(Guard: the circuit goes through the whole-file writer; the file holds exactly the circuit.)"""
    from qnsim.qec_cli import main

    out = tmp_path / "c.stim"
    assert main(["circuit", "--distance", "3", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.endswith("\n") and "DETECTOR" in text and list(tmp_path.iterdir()) == [out]


# --- QEC inputs ----------------------------------------------------------------------------------------------


def test_a_circuit_bound_is_counted_without_wrapping_around():
    """memory_circuit(3, np.int64(376464164769582687)) multiplied the rounds in NumPy's int64, which wrapped
    around to 47 qubit-rounds: the 10**8 bound passed and the circuit was built without end."""
    from qnsim import qec

    with pytest.raises(ValueError, match=r"about 1.8e\+19 qubit-rounds, more than the 1e\+08 built here"):
        qec.memory_circuit(3, np.int64(376464164769582687))
    with pytest.raises(ValueError, match=r"qubit-rounds, more than"):
        qec.merge_circuit(3, np.uint64(2**64 - 1))
    assert qec.memory_circuit(np.int64(3), np.uint8(2)).num_detectors > 0


@pytest.mark.parametrize(
    "weights, match",
    [
        ([True, 0, 0, 0], r"must be four numbers .*got \[True, 0, 0, 0\]"),
        ({0.9, 0.05, 0.03, 0.02}, r"must be four numbers"),
        ([np.array(0.9), 0.05, 0.03, 0.02], r"must be four numbers"),
        ([10**400, 0, 0, 0], r"bell_diagonal\[0\] is beyond the range of a float"),
        ([np.complex64(1), 0, 0, 0], r"must be four numbers"),
    ],
    ids=["bool", "set", "0-d array", "10**400", "complex"],
)
def test_qec_bell_diagonal_weights_are_read_as_numbers(weights, match):
    """check_bell_diagonal read each weight through float(): seam_error_rates([True, 0, 0, 0]) was (0, 0), a
    set of weights was read in hash order, a 0-d array passed, a complex weight lost its imaginary part with
    only a ComplexWarning, and 10**400 raised OverflowError."""
    from qnsim import qec

    with pytest.raises(ValueError, match=match):
        qec.seam_error_rates(weights)
    assert qec.seam_error_rates(np.array([0.94, 0.03, 0.02, 0.01])) == (0.05, 0.03)


@pytest.mark.parametrize("name", [True, None, 1.7, np.array("x"), "", "a\nb"])
def test_a_noise_model_name_is_a_label(name):
    """NoiseModel(name=True) (or None, 1.7, an array, a line break) was kept as given and turned up in tables."""
    from qnsim import qec

    with pytest.raises(ValueError, match=r"NoiseModel.name must be"):
        qec.NoiseModel(two_qubit=0.01, name=name)
    assert qec.NoiseModel(name="si").name == "si"


# --- files that are not what they are said to be ------------------------------------------------------------


def _scenario_text():
    return (
        '[run]\nuntil_s = 0.001\nseed = 1\n[[nodes]]\nname = "a"\n[[nodes]]\nname = "b"\n'
        '[[links]]\na = "a"\nb = "b"\nlength_km = 1.0\nfidelity = 0.9\nrate_hz = 1e4\n'
        '[[requests]]\nsrc = "a"\ndst = "b"\n'
    )


def test_a_configuration_file_with_a_byte_order_mark_is_named_as_such(tmp_path):
    """A scenario saved with a byte-order mark said "invalid TOML: Invalid statement (at line 1, column 1)"."""
    path = tmp_path / "s.toml"
    path.write_bytes(b"\xef\xbb\xbf" + _scenario_text().encode())
    with pytest.raises(qnsim.ScenarioError, match=r"s.toml: starts with a byte-order mark"):
        qnsim.load_scenario(path)
    path.write_text(_scenario_text())
    assert qnsim.load_scenario(path) is not None


def test_a_configuration_file_nested_too_deep_is_invalid_toml(tmp_path):
    """`a = [[[[...]]]]` nested 100,000 deep raised RecursionError ("qnsim run: error: RecursionError: maximum
    recursion depth exceeded"), naming no file."""
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(qnsim.ScenarioError, match=r"deep.toml: invalid TOML: arrays or tables nested too deep"):
        qnsim.load_scenario(path)


@pytest.mark.skipif(not __import__("os").path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_file_is_refused_before_it_fills_memory():
    """`qnsim run /dev/zero`, `qnsim qec threshold /dev/zero`, `qnsim estimate /dev/zero` and the readers under
    them read until memory ran out (MemoryError under a 3 GB limit; without one, all of the machine's)."""
    from qnsim.estimate import LogicalSummary, Workload, stream_circuit_file
    from qnsim.sweeps import read_results

    done = _run_in_child(
        "import qnsim\n"
        "try:\n"
        "    qnsim.load_scenario('/dev/zero')\n"
        "except qnsim.ScenarioError as e:\n"
        "    print(e)\n"
    )
    assert "zero: more than 256 MiB, not a configuration file" in done.stdout, done.stderr[-500:]
    for read, what in [(Workload.from_file, "a circuit file"), (stream_circuit_file, "a circuit file"),
                       (LogicalSummary.from_qre, "a logical-counts file"), (read_results, "a sweep's results")]:
        with pytest.raises(ValueError, match=rf"'/dev/zero' is not a regular file \(a device or a pipe\), so not {what}"):
            read("/dev/zero")


# --- results and traces read their arguments as every function does -----------------------------------------


def _traced_run():
    net = qnsim.Network("bell_diagonal", seed=1, trace=True)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4, success_probability=0.2)
    net.request("a", "b")
    return net, net.run(1e-3, progress=False)


@pytest.mark.parametrize(
    "indent, error, match",
    [
        (True, TypeError, r"indent must be an integer, got True"),
        (2.5, TypeError, r"indent must be an integer, got 2.5"),
        ("  ", TypeError, r"indent must be an integer"),
        (10**9, ValueError, r"indent must be in \[0, 64\], got 1000000000"),
        (10**30, ValueError, rf"indent must be in \[0, 64\], got {10**30}$"),
        (-1, ValueError, r"indent must be in \[0, 64\], got -1"),
    ],
)
def test_a_json_indent_is_a_small_count(indent, error, match):
    """NetworkResult.to_json(indent=True) indented by 1, 10**9 raised MemoryError (a billion spaces a line),
    2.5 and 10**30 raised json's own errors ("can't multiply sequence by non-int of type 'float'",
    OverflowError) naming no argument."""
    _, result = _traced_run()
    with pytest.raises(error, match=match):
        result.to_json(indent=indent)
    assert result.to_json(indent=np.int64(2)) == result.to_json(indent=2)
    assert "\n" not in result.to_json(indent=None)


def test_a_trace_index_is_an_integer_or_a_slice():
    """trace[True] returned record 1; trace["0"] raised "'<=' not supported between instances of 'int' and
    'str'" and trace[1.0] NumPy's message about valid indices."""
    net, _ = _traced_run()
    trace = net.trace()
    for index in (True, "0", 1.0, np.array(0)):
        with pytest.raises(TypeError, match=r"a trace index must be an integer or a slice, got"):
            trace[index]
    assert trace[np.int64(1)] == trace[1] and trace[-1] == list(trace)[-1]


def test_a_trace_names_the_file_it_was_asked_to_write(tmp_path):
    """write_jsonl("") said "Is a directory: '.'", and a path in a missing directory was named by the
    temporary file ("No such file or directory: '/no/.x.jsonl.587d55bc.tmp'"): paths never given."""
    net, _ = _traced_run()
    with pytest.raises(FileNotFoundError, match=r"No such file or directory: ''"):
        net.trace().write_jsonl("")
    missing = tmp_path / "no" / "x.jsonl"
    with pytest.raises(FileNotFoundError, match=r"no such directory to write it in: '" + str(missing) + "'"):
        net.trace().write_jsonl(missing)
    assert net.trace().write_jsonl(tmp_path / "x.jsonl") == len(net.trace())


# --- plots and sweeps -----------------------------------------------------------------------------------------


def _rows():
    return [{"length_km": length, "seed": s, "rate_hz": 100.0 / (1 + length) + s, "mean_fidelity": 0.9 - 0.01 * length}
            for length in (1.0, 2.0, 4.0) for s in (0, 1)]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"y": {"rate_hz", "mean_fidelity"}}, TypeError, r"y must be a column name or a list of them, got \{"),
        ({"y": ["rate_hz", "rate_hz"]}, ValueError, r"y names \['rate_hz'\] more than once"),
        ({"logy": True}, TypeError, r"logy must be a column name or a list of them, got True"),
    ],
    ids=["set", "twice", "logy flag"],
)
def test_plotted_columns_are_an_ordered_list_of_distinct_names(kwargs, error, match):
    """plot_sweep(y={"rate_hz", "mean_fidelity"}) drew its panels in hash order (another figure each run),
    y=["rate_hz", "rate_hz"] drew one panel twice, and logy=True said "'bool' object is not iterable"."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    from qnsim.plot import plot_sweep, summarize

    with pytest.raises(error, match=match):
        plot_sweep(_rows(), x="length_km", **kwargs)
    if "y" in kwargs:
        with pytest.raises(error, match=match):
            summarize(_rows(), "length_km", kwargs["y"])
    assert plot_sweep(_rows(), x="length_km", y=("rate_hz",), logy="rate_hz") is not None


def test_a_sweep_takes_numpy_counts_and_bounds_its_retries(tmp_path):
    """sweep(workers=np.int64(1)) was refused ("workers must be an int >= 1 or None, got np.int64(1)") where
    every other count takes NumPy integers; retries=10**30 was accepted, so a point that kills its worker every
    time restarted the pool without end."""
    from qnsim.sweeps import MAX_RETRIES, example_point, sweep

    rows = sweep(example_point, {"length_km": [1.0]}, seeds=1, workers=np.int64(1), retries=np.uint8(1),
                 progress=False)
    assert len(rows) == 1
    with pytest.raises(ValueError, match=rf"retries = 1,000,000,000 is more than the {MAX_RETRIES} restarts"):
        sweep(example_point, {"length_km": [1.0]}, seeds=1, workers=1, retries=10**9, progress=False)
    with pytest.raises(ValueError, match=r"workers must be an int >= 1 or None, got np.True_"):
        sweep(example_point, {"length_km": [1.0]}, seeds=1, workers=np.bool_(True), progress=False)


# --- messages that quote input survive its bytes ---------------------------------------------------------------


def test_a_message_quoting_a_nul_or_a_wide_character_is_whole():
    """The engines' messages ended at a NUL in the text they quoted (Python reads the C++ message up to it):
    measure(0, "Z\\x00") said "measurement basis 'Z", QubitRegistry("density\\x00_matrix") "unknown formalism
    'density"; peek_observable_expectation("Ｚ") quoted one byte of the wide character, and the message could not
    be decoded (UnicodeDecodeError "'utf-8' codec can't decode byte 0xef")."""
    with pytest.raises(ValueError, match=r"measurement basis 'Z\\x00' is not one of 'X', 'Y', 'Z'"):
        qnsim.DensityMatrixSimulator(1, seed=1).measure(0, "Z\x00")
    reg = qnsim.QubitRegistry("density_matrix", seed=1)
    a, _ = reg.bell_pair()
    with pytest.raises(ValueError, match=r"measurement basis must be 'X', 'Y' or 'Z', got 'Z\\x00'$"):
        reg.measure(a, "Z\x00")
    with pytest.raises(ValueError, match=r"unknown formalism 'density\\x00_matrix'; expected"):
        qnsim.QubitRegistry("density\x00_matrix")
    with pytest.raises(ValueError, match=r"basis must be 'X', 'Y' or 'Z', got 'Z\\x00'$"):
        qnsim.StabilizerSimulator(1, seed=1).measure(0, "Z\x00")
    # Round 9 names the whole character (tests/test_bad_input_round9.py).
    with pytest.raises(ValueError, match=r"non-ASCII character 'Ｚ' \(U\+FF3A\) at position 0") as caught:
        qnsim.StabilizerSimulator(1, seed=1).peek_observable_expectation("Ｚ")
    assert type(caught.value) is not UnicodeDecodeError
    with pytest.raises(ValueError, match=r"invalid Pauli character '\\x00' at position 1"):
        qnsim.StabilizerSimulator(2, seed=1).peek_observable_expectation("Z\x00")
    with pytest.raises(ValueError, match=r"unknown formalism .densité.; expected"):  # printable text stays as given
        qnsim.QubitRegistry("densité")
