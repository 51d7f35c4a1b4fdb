"""Bad input, round 19: one rule for a state given as a matrix (within the tolerance clipped, beyond it refused),
the command line's overrides named as typed, and a generated battery over the public functions' numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

import qnsim
from qnsim import _core
from qnsim.argument_checks import PROBABILITY_TOLERANCE

REFUSALS = (ValueError, TypeError, IndexError, qnsim.QnsimError)

# --------------------------------------------------------------------------------------------------------------------
# A state given as a matrix: clipped within PROBABILITY_TOLERANCE, refused beyond it, at every entry point.

INSIDE = 0.5 * PROBABILITY_TOLERANCE
OUTSIDE = 2.0 * PROBABILITY_TOLERANCE


def _bell_matrix(weights) -> np.ndarray:
    from qnsim.link_models import _BELL_BASIS

    return (_BELL_BASIS.T * np.asarray(weights, dtype=float)) @ _BELL_BASIS + 0j


def _off_states(slack: float) -> dict[str, np.ndarray]:
    """Two-qubit matrices off a state by ``slack``: an eigenvalue below 0 (trace 1), a trace above 1, and an
    off-diagonal entry not matching its mirror (not Hermitian)."""
    skewed = _bell_matrix((0.7, 0.1, 0.1, 0.1))
    skewed[0, 3] += 1j * slack
    return {
        "negative-eigenvalue": _bell_matrix((0.5 + slack, 0.5, 0.0, -slack)),
        "trace": _bell_matrix((0.5 + slack, 0.5, 0.0, 0.0)),
        "not-hermitian": skewed,
    }


def _is_state(rho: np.ndarray) -> None:
    """Asserts that ``rho`` is a state to rounding: Hermitian, trace 1, no eigenvalue below 0."""
    rho = np.asarray(rho)
    assert np.array_equal(rho, rho.conj().T), np.max(np.abs(rho - rho.conj().T))
    assert abs(np.trace(rho).real - 1.0) < 1e-14, np.trace(rho)
    assert np.linalg.eigvalsh(rho).min() > -1e-14, np.linalg.eigvalsh(rho)


def _native_link_state(rho: np.ndarray) -> np.ndarray:
    """The pair a native density_matrix network delivers (and keeps) over a lossless link whose state is ``rho``."""
    net = _core.NativeNetwork("density_matrix", 1)
    for name in ("a", "b"):
        net.add_node(_core.NodeParams(name=name))
    params = _core.LinkParams(bell_diagonal=(1.0, 0.0, 0.0, 0.0), success_probability=1.0, attempt_period_ps=10**6)
    params.node_a, params.node_b = 0, 1
    params.state = rho
    net.add_link(params)
    request = _core.RequestParams()
    request.path, request.num_pairs, request.keep_pairs = [0, 1], 1, True
    net.add_request(request)
    net.run(10**7)
    pair = net.deliveries()
    registry = net.registry() if callable(net.registry) else net.registry
    return registry.state([int(pair["qubit_src"][0]), int(pair["qubit_dst"][0])])


def _matrix_entry_points() -> dict[str, object]:
    """Every entry point that takes a two-qubit state as a matrix, as a function of it; each returns the state it
    kept (None where it keeps none to show)."""
    from qnsim.link_models import fidelity

    def registry(rho):
        reg = _core.QubitRegistry("density_matrix", seed=1)
        return reg.state(list(reg.pair_with_state(rho)))

    def simulator(rho):
        sim = qnsim.DensityMatrixSimulator(2)
        sim.set_density_matrix(rho)
        return sim.density_matrix()

    def target(rho):
        sim = qnsim.DensityMatrixSimulator(2)
        sim.set_density_matrix(_bell_matrix((0.4, 0.3, 0.2, 0.1)))
        return sim.fidelity(rho)

    return {
        "QubitRegistry.pair_with_state": registry,
        "DensityMatrixSimulator.set_density_matrix": simulator,
        "DensityMatrixSimulator.fidelity target": target,
        "concurrence": lambda rho: _core.concurrence(rho),
        "LinkModel(state=)": lambda rho: qnsim.LinkModel("single_click", 1e-3, 1e-6, state=rho).state,
        "link_models.fidelity": lambda rho: fidelity(rho),
        "NativeNetwork.add_link (LinkParams.state)": _native_link_state,
    }


MATRIX = _matrix_entry_points()


@pytest.mark.parametrize("entry", sorted(MATRIX))
@pytest.mark.parametrize("case", ["negative-eigenvalue", "trace", "not-hermitian"])
def test_a_state_matrix_just_inside_the_tolerance_is_clipped_and_just_outside_refused(entry, case) -> None:
    """Old behaviour: a matrix with an eigenvalue of -5e-10 (or a trace of 1 + 5e-10, or a skew of 5e-10) was taken
    and kept as it was, a "state" with a negative probability (the registry's pair, LinkModel.state, the density
    simulator's state), where Bell coefficients that far off are clipped; and LinkParams.state was not checked at
    all when a native link was added (refused by the run's first delivery). Now every entry point clips what lies
    within PROBABILITY_TOLERANCE into a state (its Hermitian part, negative eigenvalues 0, trace 1) and refuses
    beyond it, naming the tolerance."""
    call = MATRIX[entry]
    given = _off_states(INSIDE)[case]
    kept = call(given)
    if isinstance(kept, np.ndarray):
        _is_state(kept)
    else:  # a figure of the state: the clipped state's own (the registry's pair, checked above)
        assert kept == call(MATRIX["QubitRegistry.pair_with_state"](given)), (entry, kept)
    with pytest.raises(REFUSALS, match="1e-0?9"):
        call(_off_states(OUTSIDE)[case])


def test_a_state_up_to_rounding_is_kept_bit_for_bit() -> None:
    """A state that is one to rounding (a Werner state built in floats) is not touched by the clipping, so that runs
    reproduce: the registry holds exactly the matrix it was given."""
    rho = qnsim.werner_state(0.9)
    reg = _core.QubitRegistry("density_matrix", seed=1)
    assert np.array_equal(reg.state(list(reg.pair_with_state(rho))), rho)
    assert np.array_equal(qnsim.LinkModel("single_click", 1e-3, 1e-6, state=rho).state, rho)


def test_the_clipped_matrix_is_the_nearest_state_s_own() -> None:
    """The clipping keeps the eigenvectors: a Bell-diagonal matrix with a Phi- weight of -5e-10 becomes the
    Bell-diagonal state with that weight 0 and the others divided by their sum."""
    reg = _core.QubitRegistry("density_matrix", seed=1)
    kept = reg.state(list(reg.pair_with_state(_bell_matrix((0.5 + INSIDE, 0.5, 0.0, -INSIDE)))))
    weights = qnsim.bell_diagonal(kept)
    expected = np.array([0.5 + INSIDE, 0.5, 0.0, 0.0]) / (1.0 + INSIDE)
    assert np.max(np.abs(weights - expected)) < 1e-15, weights


def _amplitude_damping(gamma: float) -> np.ndarray:
    return np.array([[[1, 0], [0, math.sqrt(1 - gamma)]], [[0, math.sqrt(gamma)], [0, 0]]], dtype=complex)


@pytest.mark.parametrize("slack", [INSIDE, OUTSIDE])
def test_a_kraus_set_or_unitary_within_the_tolerance_is_made_trace_preserving(slack) -> None:
    """Old behaviour: Kraus operators whose sum K^dag K was I + 5e-10 were applied as they were, so each application
    moved the trace by 5e-10 (a channel applied 10^6 times in a loop left a "state" of trace 1.0005), and a unitary
    off by as much did the same. Now a set within PROBABILITY_TOLERANCE is made trace preserving before it is
    applied (K_i (I - E/2), E = sum K^dag K - I), and beyond it refused as before."""
    kraus = _amplitude_damping(0.3) * math.sqrt(1.0 + slack)
    unitary = np.eye(4, dtype=complex) * math.sqrt(1.0 + slack)
    for apply in (lambda sim: sim.apply_kraus(kraus, [0]), lambda sim: sim.apply_unitary(unitary, [0, 1])):
        sim = qnsim.DensityMatrixSimulator(2)
        sim.h(0)
        if slack == OUTSIDE:
            with pytest.raises(ValueError, match="1e-0?9"):
                apply(sim)
            continue
        for _ in range(100):
            apply(sim)
        assert abs(np.trace(sim.density_matrix()).real - 1.0) < 1e-13, np.trace(sim.density_matrix())
