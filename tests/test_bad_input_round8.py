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
    with pytest.raises(TypeError, match=r"p must be a number, got"):
        s.x_error(0, p=value)
    with pytest.raises(TypeError, match=r"must be a number, got"):
        qnsim.DensityMatrixSimulator(1, seed=1).amplitude_damp(0, value)
    reg = qnsim.QubitRegistry("density_matrix", seed=1)
    a, _ = reg.bell_pair()
    with pytest.raises(TypeError, match=r"must be a number, got"):
        reg.memory_decay(a, value, 1.0, 1.0)
    with pytest.raises(TypeError, match=r"must be a number, got"):
        reg.bell_diagonal_pair([value, 0.9, 0.0, 0.0])
    with pytest.raises(TypeError, match=r"num_qubits must be an integer, got"):
        qnsim.StabilizerSimulator(value)
    with pytest.raises(TypeError, match=r"qubit must be an integer, got"):
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
        with pytest.raises(TypeError, match=r"delay_s must be a real number, got"):
            loop.schedule_in(value, lambda: None)
        with pytest.raises(TypeError, match=r"until_s must be a real number, got"):
            loop.run(value)


def test_an_event_time_below_the_time_resolution_is_refused():
    """schedule_in(4e-13, cb) rounded to 0 ps and ran the event now, ahead of events scheduled 1 ps later;
    the network's times already refused a positive time that rounds to 0."""
    loop = qnsim.EventLoop()
    with pytest.raises(ValueError, match=r"delay_s=4e-13 s is below the 1 ps time resolution"):
        loop.schedule_in(4e-13, lambda: None)
    loop.schedule_in(6e-13, lambda: None)  # 1 ps: the smallest step
    loop.run()
    assert loop.now_ps == 1


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
    with pytest.raises(TypeError, match=r"must be 4 real numbers"):
        lm.bell_diagonal_state([1, 0, 0, np.timedelta64(0, "s")])
    assert lm.bell_diagonal_state([fractions.Fraction(1), 0, 0, np.float16(0)])[0, 0] == pytest.approx(0.5)


# --- results name the time they cover ----------------------------------------------------------------------


def _pair_network():
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4, success_probability=0.2)
    net.request("a", "b")
    return net


def test_results_are_not_labelled_with_an_earlier_time_than_they_cover():
    """net.result(until_s=0.005) after a run to 10 ms returned a result whose until_s read 5 ms, holding every
    pair of the 10 ms (twice the pairs of the time it named), without a note; a later time got a note."""
    net = _pair_network()
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
    assert "error: /dev/full: No space left on device" in capsys.readouterr().err


def test_a_circuit_file_is_written_whole(tmp_path, capsys):
    """(Guard: the circuit goes through the whole-file writer; the file holds exactly the circuit.)"""
    from qnsim.qec_cli import main

    out = tmp_path / "c.stim"
    assert main(["circuit", "--distance", "3", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.endswith("\n") and "DETECTOR" in text and list(tmp_path.iterdir()) == [out]
