"""The remote-operation model: shipped table, its use by the estimator, and agreement with simulation."""

import math

import numpy as np
import pytest

from qnsim import qec
from qnsim.estimate import QPU
from qnsim.estimate.remote import remote_logical_error, remote_operation
from qnsim.qec import model


def _simulate(d, bell, p, shots, seed):
    """Per basis: failure rate of one remote merge (``bell=None``: the same merge on one QPU) and its binomial
    variance."""
    noise = qec.NoiseModel.uniform_depolarizing(p)
    out = {}
    for basis in ("Z", "X"):
        # Simulated as the shipped table was sampled: the gadget, or the seam's channel form (which decodes worse,
        # qnsim.qec.model.CHANNEL_FORM_PESSIMISM) for a table whose metadata does not name the gadget.
        gadget = "written as the gadget" in model.load_remote_model().meta.get("experiment", "")
        interface = None if bell is None else qec.Interface.teleported(bell, explicit=gadget)
        c = qec.merge_circuit(d, d, basis, noise=noise, interface=interface)
        est = qec.sample_logical_error(c, max_shots=shots, seed=seed, rounds=d)
        rate = est.shot_error_rate
        out[basis] = (rate, rate * (1 - rate) / est.shots)
    return out


# Three (d, link, bulk) points inside the table's range; one Werner, two with unequal Pauli parts
# (so the two bases see different seam error rates), one between grid nodes in both p and q.
POINTS = [
    (3, qec.werner(0.97), 1e-3),
    (5, (0.985, 0.004, 0.004, 0.007), 1e-3),
    (5, (0.95, 0.02, 0.01, 0.02), 2e-3),
]


def _pairs_share(d, bell, p, shots):
    """Simulated share of the remote operation: merge with these pairs minus the same merge on one QPU (the pairs'
    share and the gadget's own, as the estimator prices it)."""
    with_pairs = _simulate(d, bell, p, shots, seed=2024)
    perfect = _simulate(d, None, p, shots, seed=7)
    shares = {b: max(0.0, with_pairs[b][0] - perfect[b][0]) for b in ("Z", "X")}
    share = 1 - (1 - shares["Z"]) * (1 - shares["X"])
    variance = sum(with_pairs[b][1] + perfect[b][1] for b in ("Z", "X"))
    total = 1 - (1 - with_pairs["Z"][0]) * (1 - with_pairs["X"][0])
    return share, math.sqrt(variance), total


@pytest.mark.slow
@pytest.mark.parametrize("d, bell, p", POINTS)
def test_estimator_remote_error_agrees_with_direct_simulation(d, bell, p):
    qpu = QPU(e_1q=p, e_2q=p, e_meas=p)
    estimated = remote_operation(d, bell, qpu, qpu).logical_error
    simulated, sigma, total = _pairs_share(d, bell, p, shots=60_000)
    # The model's nodes rest on >= 300 errors each, so its own sampling error is about 6% of the
    # merge's total rate (carried into the share); the direct simulation's binomial error is sigma.
    model_sigma = 0.06 * total
    assert abs(estimated - simulated) <= 3 * math.sqrt(sigma**2 + model_sigma**2), (estimated, simulated, sigma)
    # And the full model (bulk included) against the total.
    full = model.remote_logical_error(d, bell, physical_error=p)
    assert abs(full - total) <= 3 * math.sqrt(sigma**2 + model_sigma**2), (full, total)


def test_estimator_prices_pairs_per_round_as_the_circuit_consumes():
    """The estimator's pairs per round (remote_operation_pairs' closed form 2d - 1, no longer counted on the merge's
    layouts each time) equal the circuit's count."""
    for d in (3, 5, 7, 9, 11, 13, 23):
        op = remote_operation(d, (0.99, 0.004, 0.003, 0.003), QPU(), QPU())
        assert op.pairs_per_round == qec.seam_resources(d, "merge", "teleported").pairs_per_round
        assert op.bell_pairs == d * op.pairs_per_round


def test_model_is_monotone_in_distance_pairs_and_bulk():
    bell = (0.99, 0.004, 0.003, 0.003)
    errors = [model.remote_logical_error(d, bell, physical_error=1e-3) for d in (3, 5, 7, 9, 15, 25)]
    assert all(a > b for a, b in zip(errors, errors[1:]))
    worse_pairs = model.remote_logical_error(7, (0.97, 0.01, 0.01, 0.01), physical_error=1e-3)
    worse_bulk = model.remote_logical_error(7, bell, physical_error=3e-3)
    assert worse_pairs > errors[2] and worse_bulk > errors[2]


def test_only_the_relevant_pauli_parts_matter():
    # Psi+ and Phi- enter one basis each; Psi- both: moving weight from Psi- to Psi+ and Phi-
    # at equal q_x and q_z leaves the model unchanged.
    a = model.remote_logical_error(5, (0.98, 0.0, 0.02, 0.0), physical_error=1e-3)
    b = model.remote_logical_error(5, (0.96, 0.02, 0.0, 0.02), physical_error=1e-3)
    assert a == pytest.approx(b)


def test_beyond_the_table_is_a_failure_for_the_estimator():
    assert remote_logical_error(5, (0.6, 0.2, 0.1, 0.1), physical_error=1e-3) == 1.0
    with pytest.raises(ValueError, match="above the sampled range"):
        model.remote_logical_error(5, (0.6, 0.2, 0.1, 0.1), physical_error=1e-3, clamp=False)


@pytest.mark.parametrize(
    "args, match",
    [((4, (1, 0, 0, 0)), "distance must be an odd"), ((3, (0.9, 0.2, 0, 0)), "must sum to 1"),
     ((3, (1, 0, 0, 0), 2.0), "physical_error must be a probability")],
)
def test_model_rejects_bad_input(args, match):
    kwargs = {"physical_error": args[2]} if len(args) > 2 else {}
    with pytest.raises(ValueError, match=match):
        model.remote_logical_error(args[0], args[1], **kwargs)
    with pytest.raises(ValueError, match="distance must be an odd int "):
        remote_logical_error(0, (1, 0, 0, 0))


def test_build_model_rejects_a_foreign_table():
    with pytest.raises(ValueError, match="not a remote-model table"):
        model.build_model({"p_grid": [1]})


def test_remembered_remote_errors_still_refuse_what_they_refused():
    """remote_logical_error remembers its figures for plain floats (an estimate asks for the same ~10^4 times): a
    remembered (1.0, 0.0, 0.0, 0.0) must not answer for (True, 0.0, 0.0, 0.0) (True == 1.0 and hashes alike), a NaN,
    a numpy array or an out-of-range bulk error, and -0.0 reads as 0.0 either way."""
    good = remote_logical_error(3, (1.0, 0.0, 0.0, 0.0), physical_error=1e-3)
    assert remote_logical_error(3, (1.0, 0.0, 0.0, 0.0), physical_error=1e-3) == good
    assert remote_logical_error(3, [1.0, 0.0, 0.0, 0.0], physical_error=1e-3) == good
    assert remote_logical_error(3, (1.0, -0.0, 0.0, 0.0), physical_error=1e-3) == good
    with pytest.raises(ValueError, match="True"):
        remote_logical_error(3, (True, 0.0, 0.0, 0.0), physical_error=1e-3)
    with pytest.raises(ValueError, match="nan"):
        remote_logical_error(3, (float("nan"), 0.0, 0.0, 1.0), physical_error=1e-3)
    with pytest.raises(ValueError, match="physical_error"):
        remote_logical_error(3, (1.0, 0.0, 0.0, 0.0), physical_error=1.5)
    with pytest.raises(ValueError, match="physical_error"):
        remote_logical_error(3, (1.0, 0.0, 0.0, 0.0), physical_error=True)
    assert remote_logical_error(3, np.array([1.0, 0.0, 0.0, 0.0]), physical_error=1e-3) == good
