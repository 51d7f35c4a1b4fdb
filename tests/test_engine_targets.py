"""One reading of a gate's targets in both simulators (bindings/arguments.h qubit_targets).

The stabilizer engine ran ``h([0, 1])``, ``cx([0, 1, 2, 0])`` and ``x(range(2))`` (each argument an index or one
level of an ordered sequence of them), while the density-matrix engine refused the same calls with "a qubit must
be an int": one operation, two meanings depending on the engine. Both now take the two forms alike, and refuse
alike what neither can read in order (sets, mappings, nested sequences).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import qnsim

ENGINES = [qnsim.StabilizerSimulator, qnsim.DensityMatrixSimulator]


def _state(sim):
    """The engine's state as the expectations of all 64 three-qubit Pauli strings (which fix it)."""
    return [sim.peek_observable_expectation("".join(p)) for p in itertools.product("IXYZ", repeat=3)]


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.__name__)
@pytest.mark.parametrize(
    ("method", "spread", "grouped"),
    [
        ("h", (0, 1, 2), ([0, 1], 2)),
        ("h", (0, 1, 2), (range(3),)),
        ("s", (2, 0), (np.array([2, 0]),)),
        ("x", (1, 2), ((1,), [2])),
        ("cx", (0, 1, 2, 0), ([0, 1, 2, 0],)),
        ("cz", (0, 2, 1, 0), ((0, 2), [1, 0])),
        ("reset", (0, 1), ([0, 1],)),
    ],
)
def test_a_sequence_of_targets_is_the_targets_spread_out(engine, method, spread, grouped):
    """The grouped call leaves the state the spread call leaves (after an H layer, so the gates act on something)."""
    states = []
    for targets in (spread, grouped):
        sim = engine(3, seed=1)
        sim.h(0, 1, 2)
        sim.s(1)
        getattr(sim, method)(*targets)
        states.append(_state(sim))
    assert states[0] == states[1]
    assert any(abs(v) > 0.5 for v in states[0][1:])  # not the maximally mixed state


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.__name__)
def test_measurements_and_noise_take_the_same_forms(engine):
    """measure_many and the Pauli noise methods read targets as the gates do (same seed, same outcomes)."""
    outcomes = []
    for targets in ((0, 1, 2), ([0, 1], 2)):
        sim = engine(3, seed=4)
        sim.h(0, 1, 2)
        sim.x_error(*targets, p=0.5)
        outcomes.append(sim.measure_many(*targets))
    assert outcomes[0] == outcomes[1] and len(outcomes[0]) == 3


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.__name__)
@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda s: s.h({0, 1}), TypeError, r"targets must be an ordered sequence of qubits.*\{0, 1\}"),
        (lambda s: s.h({0: 1}), TypeError, r"targets must be an ordered sequence of qubits"),
        (lambda s: s.h([[0]]), TypeError, r"a qubit must be an int, got \[0\]"),
        (lambda s: s.h([0, 1.5]), TypeError, r"a qubit must be an int, got 1\.5"),
        (lambda s: s.h([0, 3]), IndexError, r"qubit 3 is out of range"),
        (lambda s: s.cx([0, 1, 2]), ValueError, r"odd|pairs"),
        (lambda s: s.cx([0, 0]), ValueError, r"twice|repeated|same"),
    ],
)
def test_what_cannot_be_read_in_order_is_refused_alike(engine, call, error, message):
    """Both engines refuse the same calls with the same kind of error, naming the value."""
    sim = engine(3, seed=1)
    with pytest.raises(error, match=message):
        call(sim)


@pytest.mark.parametrize("formalism", ["density_matrix", "stabilizer"])
def test_the_qubit_registry_reads_its_handles_as_the_simulators_read_qubits(formalism):
    """QubitRegistry.h([a, b]) was refused ("a qubit handle must be an int") where both simulators take a sequence:
    the registry's gate, noise and pair methods now take a handle or one level of an ordered sequence of them, read
    in full before any acts."""
    states = []
    for grouped in (False, True):
        reg = qnsim.QubitRegistry(formalism, seed=2)
        a, b = reg.bell_pair()
        c = reg.alloc()
        if grouped:
            reg.h([a, c])
            reg.cx([b, c])
            reg.s((a,), [b])
        else:
            reg.h(a, c)
            reg.cx(b, c)
            reg.s(a, b)
        states.append([reg.expectation([a, b, c], "".join(p)) for p in itertools.product("IXYZ", repeat=3)])
    assert states[0] == states[1]
    reg = qnsim.QubitRegistry(formalism, seed=2)
    a, b = reg.bell_pair()
    with pytest.raises(TypeError, match="qubits must be an ordered sequence of qubits"):
        reg.h({a, b})
    with pytest.raises(ValueError, match="cx takes pairs of qubits, got 3 targets"):
        reg.cx([a, b, a])
    with pytest.raises(TypeError, match=r"a qubit handle must be an int, got \[0\]"):
        reg.h([[0]])
