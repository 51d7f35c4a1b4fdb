"""Trust audit of distributed QEC (qnsim.qec): answers checked against oracles built from Stim and PyMatching.

Each test's docstring says what qnsim did before its fix.
"""

from __future__ import annotations

import math

import pytest

stim = pytest.importorskip("stim")
pytest.importorskip("pymatching")

from qnsim import qec  # noqa: E402
from qnsim.qec import model  # noqa: E402


def _data_qubits_reset_before_wait(circuit: stim.Circuit, wait: list[float]) -> bool:
    """True when every wait channel (PAULI_CHANNEL_1 with ``wait``'s arguments) on the data comes after their reset."""
    reset: set[int] = set()
    for inst in circuit.flattened():
        targets = {t.value for t in inst.targets_copy()}
        if inst.name in ("R", "RX"):
            reset |= targets
        if inst.name == "PAULI_CHANNEL_1" and inst.gate_args_copy() == wait and not targets <= reset:
            return False
    return True


@pytest.mark.parametrize("basis", ["Z", "X"])
def test_the_first_round_waits_for_its_pairs_too(basis):
    """Old behaviour: a round's wait for slow pairs (``Interface.wait_idle``, the data's decay while the link
    delivers) was put before the round's resets, so in the first round it fell on data about to be reset and
    vanished: a one-round memory whose data decay to (0.1, 0.1, 0.1) per round had an empty detector error model
    and sampled no logical error at all (and a d-round one carried d - 1 of its d waits)."""
    wait = [0.1, 0.1, 0.1]
    interface = qec.Interface.teleported((1.0, 0.0, 0.0, 0.0), wait_idle=wait)
    one = qec.memory_circuit(3, 1, basis, noise=qec.NoiseModel.noiseless(), interface=interface)
    assert _data_qubits_reset_before_wait(one, wait)
    dem = one.detector_error_model(decompose_errors=True, approximate_disjoint_errors=True)
    assert dem.num_errors > 0
    est = qec.sample_logical_error(one, max_shots=2000, seed=1, rounds=1)
    assert est.errors > 100  # the data's wait error alone, at d = 3, fails about 1 shot in 5 or more
    # Every round pays one wait: r rounds have r channels on the data, and each acts (none precedes a reset).
    for rounds in (2, 3):
        c = qec.memory_circuit(3, rounds, basis, noise=qec.NoiseModel.noiseless(), interface=interface)
        assert sum(1 for i in c.flattened() if i.name == "PAULI_CHANNEL_1") == rounds
        assert _data_qubits_reset_before_wait(c, wait)


def test_a_round_waiting_for_pairs_costs_what_an_idle_layer_of_that_error_costs():
    """Old behaviour: see above; the first round's wait was lost. Oracle: the same circuit with the wait written
    by hand as a ``PAULI_CHANNEL_1`` right after each round's reset layer gives Stim the same error model."""
    wait = [0.01, 0.02, 0.03]
    noise = qec.NoiseModel.uniform_depolarizing(1e-3)
    waited = qec.memory_circuit(3, 2, noise=noise, interface=qec.Interface.teleported(qec.werner(0.95), wait_idle=wait))
    plain = qec.memory_circuit(3, 2, noise=noise, interface=qec.Interface.teleported(qec.werner(0.95)))
    layout, _ = qec.memory_layout(3)
    data = sorted({inst.targets_copy()[0].value for inst in plain if inst.name == "QUBIT_COORDS"
                   and tuple(inst.gate_args_copy()) in set(map(tuple, layout.data))})
    by_hand = stim.Circuit()
    ticks = 0
    for inst in plain:
        by_hand.append(inst)
        if inst.name == "TICK":
            ticks += 1
            # Each round opens with its reset layer, ended by the round's first TICK (6 TICKs per round:
            # reset, H, 4 CNOT layers, H; the measurement layer's TICK closes it).
            if ticks in (1, 9):
                by_hand.append("PAULI_CHANNEL_1", data, wait)
    kwargs = {"decompose_errors": True, "approximate_disjoint_errors": True}
    assert waited.detector_error_model(**kwargs).approx_equals(by_hand.detector_error_model(**kwargs), atol=1e-12)


def test_sample_logical_error_reads_the_rounds_of_the_circuit():
    """Old behaviour: ``rounds`` defaulted to 1, so a d-round memory sampled without ``rounds=d`` reported its
    shot error as the per-round rate (3 times too high at d = 3), without a word. The rounds now come from the
    circuit's detector coordinates (qnsim's and Stim's generated circuits both tag the round last)."""
    circuit = qec.memory_circuit(3, 3, noise=qec.NoiseModel.uniform_depolarizing(0.01))
    assert qec.sampling.circuit_rounds(circuit) == 3
    implicit = qec.sample_logical_error(circuit, max_shots=3000, seed=4)
    explicit = qec.sample_logical_error(circuit, max_shots=3000, seed=4, rounds=3)
    assert implicit.rounds == 3 and implicit.per_round == explicit.per_round
    assert implicit.per_round < implicit.shot_error_rate / 2
    generated = stim.Circuit.generated("surface_code:rotated_memory_z", distance=3, rounds=5,
                                       after_clifford_depolarization=0.01)
    assert qec.sample_logical_error(generated, max_shots=100, seed=1).rounds == 5
    # Without coordinates a shot is the unit, as before; an explicit count that contradicts the circuit's own is
    # refused since audit 3 (it was taken as given: rounds=1 read this 3-round memory's shot error per round).
    bare = stim.Circuit("R 0\nX_ERROR(0.1) 0\nM 0\nOBSERVABLE_INCLUDE(0) rec[-1]")
    assert qec.sample_logical_error(bare, max_shots=100, seed=1).rounds == 1
    with pytest.raises(ValueError, match="rounds = 1 but the circuit has 3 rounds"):
        qec.sample_logical_error(circuit, max_shots=100, seed=1, rounds=1)


def test_remote_model_refuses_pairs_and_bulk_beyond_its_table_by_default():
    """Old behaviour: ``qnsim.qec.model.remote_logical_error`` clamped by default, so pairs or bulk errors above
    the sampled table read the table edge's rate: pairs (0.85, 0.15, 0, 0), (0.7, 0.3, 0, 0) and unentangled
    (0.4, 0.6, 0, 0) all gave 0.284 at d = 5, and a bulk error of 5% (five times threshold) with F = 0.99 pairs
    gave 0.309 (random outcomes fail 3/4 of the time), without a word. Above the table it now raises unless
    ``clamp=True`` is asked for."""
    for q in (0.3, 0.6):
        with pytest.raises(ValueError, match=rf"q_x = {q:g} is above the sampled range"):
            model.remote_logical_error(5, (1 - q, q, 0.0, 0.0), physical_error=1e-3)
    with pytest.raises(ValueError, match=r"physical_error = 0.05 is above the sampled range"):
        model.remote_logical_error(5, qec.werner(0.99), physical_error=0.05)
    edge = model.remote_logical_error(5, (0.85, 0.15, 0.0, 0.0), physical_error=1e-3)  # the table's edge
    assert edge == model.remote_logical_error(5, (0.4, 0.6, 0.0, 0.0), physical_error=1e-3, clamp=True)
    # Inside the table nothing changes.
    inside = model.remote_logical_error(5, qec.werner(0.97), physical_error=1e-3)
    assert inside == model.remote_logical_error(5, qec.werner(0.97), physical_error=1e-3, clamp=True)
    assert 0 < inside < 1 and math.isfinite(inside)


@pytest.mark.parametrize(("errors", "shots", "rounds"), [(219, 3072, 5), (7, 100_000, 3), (4000, 10_000, 1),
                                                         (25_000, 10**7, 9), (1, 50, 1)])
def test_a_sampled_rate_is_printed_with_its_interval_in_the_digits_it_supports(errors, shots, rounds):
    """Old behaviour: an estimate had no printed form but its bare ``per_round`` float: README printed
    ``0.0024263...`` (sixteen digits from 240 errors) and the tutorial ``.2e`` without an interval.
    ``describe()`` gives the 95% Wilson interval and the counts, and rounds the rate to the decimal place of the
    interval's first significant digit (so the last digit shown is the first uncertain one)."""
    est = qec.LogicalErrorEstimate(shots=shots, errors=errors, rounds=rounds)
    text = est.describe()
    low, high = est.per_round_interval()
    shown_rate = text.split(" ")[0]
    assert f"({errors} errors in {shots} shots)" in text.replace("95%: ", "")
    bounds = text[text.index("[") + 1:text.index("]")].split(", ")
    half = max(est.per_round - low, high - est.per_round)
    decimals = len(shown_rate.split("e")[0].split(".")[1]) if "." in shown_rate.split("e")[0] else 0
    exponent = int(shown_rate.split("e")[1]) if "e" in shown_rate else 0
    last_place = exponent - decimals  # the decimal place of the last digit shown
    assert last_place == math.floor(math.log10(half))
    for shown_value, value in zip([shown_rate, *bounds], [est.per_round, low, high]):
        assert abs(float(shown_value) - value) <= 0.5 * 10.0**last_place * (1 + 1e-9), (shown_value, value)


def test_no_error_is_printed_as_an_upper_bound():
    """Old behaviour: no printed form; ``per_round`` of 0 errors read 0.0."""
    assert qec.LogicalErrorEstimate(shots=1000, errors=0).describe() == (
        "below 0.0038 per round (95%: 0 errors in 1000 shots)")


@pytest.mark.parametrize("errors", [470, 520])
def test_shots_that_fail_as_often_as_random_outcomes_say_so(errors):
    """Old behaviour: 520 failures in 1000 five-round shots read ``per_round`` 0.5 and 470 read 0.215 (95%
    interval up to 0.5), with no note: a shot rate near 1/2 carries no upper bound on the per-round rate (the
    patch may be failing far more often per round). The notes and ``describe()`` now give the lower bound
    only."""
    est = qec.LogicalErrorEstimate(shots=1000, errors=errors, rounds=5)
    low = est.per_round_interval()[0]
    assert any(n.startswith(f"shots fail {errors / 1000:.3g} of the time, as often as random outcomes") and
               f"at least {low:.3g}" in n for n in est.notes)
    assert est.describe() == f"at least {low:.2g} per round (shots fail as often as random outcomes) " \
                             f"(95%: {errors} errors in 1000 shots)"
    # Far from 1/2 there is no such note.
    assert not any("random outcomes" in n for n in qec.LogicalErrorEstimate(shots=1000, errors=300, rounds=5).notes)


def test_the_closed_form_surface_code_model_refuses_p_at_or_above_threshold():
    """Old behaviour: ``SurfaceCode().logical_error_per_cycle(p, d)`` evaluated ``a (p/p*)^((d+1)/2)`` above
    threshold too: 61.44 "per cycle" at p = 0.02, d = 21, and a plausible 0.0432 at p = 0.012, d = 3, where the
    published form (Fowler et al.; the Azure estimator's model) does not hold. ``distance_for`` already found no
    distance there; the rate now refuses it by name."""
    from qnsim.estimate import SurfaceCode

    sc = SurfaceCode()
    for p, d in ((0.02, 21), (0.012, 3), (0.01, 5)):
        with pytest.raises(ValueError, match=rf"p = {p!r} is at or above the threshold error_threshold = 0.01"):
            sc.logical_error_per_cycle(p, d)
    # Below threshold: the published form, a (p/p*)^((d+1)/2).
    for p, d in ((1e-3, 3), (5e-3, 11), (9.9e-3, 25)):
        assert sc.logical_error_per_cycle(p, d) == pytest.approx(0.03 * (p / 0.01) ** ((d + 1) // 2), rel=1e-12)


def test_an_estimate_says_when_its_remote_operations_are_priced_beyond_the_sampled_distances():
    """Old behaviour: the estimator priced remote lattice surgery at any distance from the table of merges sampled
    at d = 3, 5, 7 (``qnsim.qec.model``), following its fitted lines to d = 1 or d = 9 and beyond, and the report
    said nothing about it. It now carries a note naming the distance and the sampled ones; at a sampled distance
    none."""
    from qnsim.estimate import QPU, Link, SurfaceCode, estimate

    text = "REPEAT 1000 {\n  H 0\n  CX 0 1\n}"
    qpus = [QPU.preset("qubit_gate_ns_e3", surface_code=SurfaceCode())] * 2
    links = [Link((0, 1), rate_hz=1e9, fidelity=0.999)]

    def notes(error_budget):
        report = estimate(text, qpus, links, placement=[0, 1], error_budget=error_budget)
        return report.error_corrected.code_distance, [n for n in report.notes if "priced by extrapolation" in n]

    d, far = notes(1e-12)
    assert d > 7
    assert far and far[0].startswith(f"remote operations at distance {d} are priced by extrapolation")
    assert "sampled at d = 3, 5, 7" in far[0]
    d, near = notes(0.3)
    assert 3 <= d <= 7 and not near
    text = "H 0\nCX 0 1"
    d, small = notes(0.3)
    assert d == 1 and small and small[0].startswith("remote operations at distance 1 are priced by extrapolation")


def test_seam_fault_distance_says_when_the_seam_cannot_cause_a_logical_error():
    """Old behaviour: an X-basis memory whose only noise is at the seam (which runs along logical X) raised Stim's
    bare "Failed to find any graphlike logical errors.", read as a failed call; it is the answer "unbounded"."""
    noiseless = qec.NoiseModel.noiseless()
    for interface in (qec.Interface.werner(0.1, gadget_noise=False), qec.Interface.direct(0.1)):
        assert qec.seam_fault_distance(qec.memory_circuit(5, 5, "Z", noise=noiseless, interface=interface)) == 5
        with pytest.raises(ValueError, match="its noise cannot cause a logical error here"):
            qec.seam_fault_distance(qec.memory_circuit(5, 5, "X", noise=noiseless, interface=interface))
