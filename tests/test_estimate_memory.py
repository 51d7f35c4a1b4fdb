"""Storage decay of Bell pairs in the estimator (Link.memory_t1_s / memory_t2_s)."""

from __future__ import annotations

import math

import physics_oracles as po
import pytest

import qnsim
from qnsim.estimate import QPU, Link, calibrate_link, estimate, link_from_model, stored_fidelity
from qnsim.estimate_cli import load_network

# 100 remote CNOTs that cannot share a pair (the H between them breaks the cat-entangler run).
WORKLOAD = "REPEAT 100 {\nCX 0 1\nH 0\n}"
IDEAL = QPU(num_qubits=1, e_1q=0, e_2q=0, e_meas=0)


@pytest.mark.parametrize("f, wait, t1, t2", [(0.99, 1e-3, 2e-3, 1e-3), (0.8, 0.3, 1.0, 2.0), (0.95, 1e-2, math.inf, 0.1)])
def test_stored_fidelity_is_the_networks_bell_diagonal_memory_model(f, wait, t1, t2):
    """Both ends stored ``wait``: the independent closed form of tests/physics_oracles.py with T1
    as its Pauli twirl (what the network's bell_diagonal formalism applies to its pairs)."""
    corr = po.stored(po.werner_correlators(f), wait, wait, t1, t2, twirled=True)
    assert stored_fidelity(f, wait, t1, t2) == pytest.approx(po.fidelity_of(corr), abs=1e-14)


def test_pairs_that_outlive_their_memory_make_the_job_infeasible():
    """Compute-bound with a full buffer: a local H of 1 ms between remote CNOTs and a 100 kHz link
    with 8 buffer pairs, so each pair waits 8 consumption intervals (8 ms) before its remote gate.
    With 20 ms memories F = 0.999 decays below the 0.95 the job needs; without memory times (as
    before they were modelled) the job is feasible."""
    qpu = QPU(num_qubits=1, e_1q=0, e_2q=0, e_meas=0, t_1q_s=1e-3)
    link = {"rate_hz": 1e5, "fidelity": 0.999, "buffer_pairs": 8}
    options = {"target_fidelity": 0.95, "error_budget": 0.5}
    plain = estimate(WORKLOAD, [qpu, qpu], [Link((0, 1), **link)], **options)
    assert plain.feasible and not any("memory" in n for n in plain.notes)
    short = estimate(WORKLOAD, [qpu, qpu], [Link((0, 1), **link, memory_t1_s=0.02, memory_t2_s=0.02)], **options)
    assert not short.feasible
    tau = short.wall_clock_s / short.links[0].bell_pairs
    assert tau == pytest.approx(1e-3, rel=0.01)
    expected = stored_fidelity(0.999, 8 * tau, 0.02, 0.02)
    assert expected < 0.95
    (reason,) = [r for r in short.reasons if "in memory" in r]
    assert f"{8 * tau:.3g} s in memory" in reason and f"{expected:.6g}" in reason and "fix:" in reason
    # Long-lived memories cost almost nothing and keep the verdict.
    long = estimate(WORKLOAD, [qpu, qpu], [Link((0, 1), **link, memory_t1_s=1e3, memory_t2_s=1e3)], **options)
    assert long.feasible and long.wall_clock_s == plain.wall_clock_s
    assert long.error_budget.remote_used > plain.error_budget.remote_used


def test_link_bound_pairs_are_used_as_they_arrive():
    """100 remote CNOTs on a 100 Hz link: the link is the bottleneck, every consumer waits for its
    pair and uses it on arrival, so 50 ms memories cost nothing (the first version charged half an
    interval, 5 ms, and called the job infeasible; simulate_execution uses such pairs on delivery)."""
    link = {"rate_hz": 100.0, "fidelity": 0.999}
    options = {"target_fidelity": 0.95, "error_budget": 0.5}
    plain = estimate(WORKLOAD, [IDEAL, IDEAL], [Link((0, 1), **link)], **options)
    decayed = estimate(
        WORKLOAD, [IDEAL, IDEAL], [Link((0, 1), **link, memory_t1_s=0.05, memory_t2_s=0.05)], **options
    )
    assert plain.feasible and decayed.feasible
    (note,) = [n for n in decayed.notes if "in memory" in n]
    assert "pairs wait 0 s in memory" in note and "0.999 when used" in note
    assert decayed.error_budget.remote_used == plain.error_budget.remote_used


def test_a_full_buffer_makes_pairs_wait_longer():
    """A link 100x faster than its consumers: without a buffer limit it is paced to the demand and a
    pair waits half a supply interval (5 us at 100 kHz); with 8 buffer pairs it keeps the buffer
    full and a pair waits 8 consumption intervals."""
    qpu = QPU(num_qubits=1, e_1q=0, e_2q=0, e_meas=0, t_1q_s=1e-3)  # slow local H: compute-bound
    memory = {"memory_t1_s": 10.0, "memory_t2_s": 10.0}
    notes = {}
    for buffer in (None, 8):
        link = Link((0, 1), rate_hz=1e5, fidelity=0.99, buffer_pairs=buffer, **memory)
        report = estimate(WORKLOAD, [qpu, qpu], [link], error_budget=0.5)
        tau = report.wall_clock_s / report.links[0].bell_pairs
        notes[buffer] = (tau, [n for n in report.notes if "in memory" in n][0])
    assert f"wait {0.5 / 1e5:.3g} s" in notes[None][1]
    assert f"wait {8 * notes[8][0]:.3g} s" in notes[8][1]


def test_memory_times_are_checked():
    with pytest.raises(ValueError, match="memory_t2_s must be <= 2"):
        Link((0, 1), rate_hz=1.0, fidelity=0.9, memory_t1_s=1.0, memory_t2_s=3.0)
    for bad in (0.0, -1.0, True, "1", math.nan):
        with pytest.raises(ValueError, match="memory_t1_s"):
            Link((0, 1), rate_hz=1.0, fidelity=0.9, memory_t1_s=bad)
    assert not Link((0, 1), rate_hz=1.0, fidelity=0.9).models_memory


def test_calibration_carries_the_end_nodes_memories():
    """A calibrated link's pairs sit in the simulated end nodes' memories: the shorter T1 and T2
    of the two, each node's depolarizing time folded into both rates (1/T + 1/T_dep)."""
    net = qnsim.Network(seed=1)
    net.add_node("a", t1_s=1.0, t2_s=0.5)
    net.add_node("b", t1_s=2.0, t2_s=0.2, depolarizing_time_s=1.0)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.request("a", "b")
    calibrated = calibrate_link(net, until_s=0.01)
    assert calibrated.memory_t1_s == pytest.approx(1 / (1 / 2.0 + 1 / 1.0))
    assert calibrated.memory_t2_s == pytest.approx(1 / (1 / 0.2 + 1 / 1.0))
    link = link_from_model(calibrated, (0, 1))
    assert (link.memory_t1_s, link.memory_t2_s) == (calibrated.memory_t1_s, calibrated.memory_t2_s)


def test_links_file_takes_memory_times():
    import tomllib

    text = (
        "[[qpu]]\ncount = 2\nnum_qubits = 1\n[[link]]\nqpus = [0, 1]\nrate_hz = 1e3\nfidelity = 0.99\n"
        "memory_t1_s = 0.5\nmemory_t2_s = 0.25\n"
    )
    _qpus, (link,), _options = load_network(tomllib.loads(text))
    assert (link.memory_t1_s, link.memory_t2_s) == (0.5, 0.25)


def test_error_corrected_estimate_says_memory_is_not_priced():
    from qnsim.estimate import SurfaceCode

    qpu = QPU(num_qubits=10**6, surface_code=SurfaceCode())
    link = Link((0, 1), rate_hz=1e6, fidelity=0.99, memory_t1_s=1.0, memory_t2_s=1.0)
    report = estimate("CX 0 1\nT 0", [qpu, qpu], [link], placement=[0, 1])
    assert any("not priced for error-corrected" in n for n in report.notes)


def test_simulated_pairs_decay_for_the_time_they_waited_in_the_buffer():
    """simulate_execution: a 100 kHz link with 8 buffer pairs feeding one remote CNOT per 1 ms keeps
    its buffer full. The first pair is used on delivery and the next 8 were made at the start (pair i
    waited i intervals); every later pair was made just after the take 8 intervals before its own,
    so it waited 8 intervals. The simulated mean fidelity at use is that closed form's mean within
    the refill gaps (10 us against a 50 ms memory). Without memory times pairs keep F = 0.99."""
    from qnsim.estimate import simulate_execution

    workload = "REPEAT 400 {\nCX 0 1\nH 0\n}"
    qpu = QPU(num_qubits=1, e_1q=0, e_2q=0, e_meas=0, t_1q_s=1e-3)
    link = Link((0, 1), rate_hz=1e5, fidelity=0.99, buffer_pairs=8, memory_t1_s=0.05, memory_t2_s=0.05)
    result = simulate_execution(workload, [qpu, qpu], [link], placement=[0, 1], seed=3)
    n = result.pairs_consumed[(0, 1)]
    tau = result.wall_clock_s / n
    assert n == 400 and tau == pytest.approx(1e-3, rel=1e-3)
    waits = [i * tau for i in range(9)] + [8 * tau] * (n - 9)
    expected = sum(stored_fidelity(0.99, t, 0.05, 0.05) for t in waits) / n
    assert result.mean_fidelity_at_use[(0, 1)] == pytest.approx(expected, abs=1e-3)
    plain = simulate_execution(workload, [qpu, qpu], [Link((0, 1), rate_hz=1e5, fidelity=0.99, buffer_pairs=8)],
                               placement=[0, 1], seed=3)
    assert plain.mean_fidelity_at_use[(0, 1)] == pytest.approx(0.99, abs=1e-12)  # a mean of 400 sums
    assert result.remote_faults > plain.remote_faults
