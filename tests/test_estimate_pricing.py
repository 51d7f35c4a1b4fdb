"""Pricing: Azure surface-code reference figures, purification closed forms (checked against a
density-matrix oracle), placement, report, and explicit infeasible verdicts for bad input."""

from __future__ import annotations

import json
import math
import re
from types import SimpleNamespace

import numpy as np
import pytest

import qnsim
from qnsim.estimate import (
    QPU,
    Link,
    LogicalSummary,
    SurfaceCode,
    azure_layout_qubits,
    bbpssw_step,
    dejmps_step,
    estimate,
    link_from_model,
    partition,
    purification_ceiling,
    purification_noise,
    purification_plan,
)


def test_azure_documented_example_single_qpu():
    """Azure Quantum Resource Estimator (Beverland et al., arXiv:2211.07629, as listed in
    its documentation's worked example): 100 logical qubits, 10^6 T gates, 10^5 measurements,
    default preset qubit_gate_ns_e3 (gates 50 ns, measurement 100 ns, errors 1e-3), surface code,
    error budget 1e-3 -> code distance 21, 882 physical qubits per logical qubit (2 d^2),
    logical cycle 8.4 us ((4 x 50 ns + 2 x 100 ns) x 21). Required: within one code distance."""
    summary = LogicalSummary(logical_qubits=100, t_count=10**6, measurement_count=10**5)
    qpu = QPU.preset("qubit_gate_ns_e3", surface_code=SurfaceCode())
    r = estimate(summary, [qpu], error_budget=1e-3)
    ec = r.error_corrected
    assert r.verdict == "feasible"
    assert ec.code_distance == 21
    assert ec.physical_per_logical == 882
    assert ec.logical_cycle_s == pytest.approx(8.4e-6, rel=1e-12)
    assert ec.layout_logical_qubits_per_qpu == [230]  # 2Q + ceil(sqrt(8Q)) + 1
    assert ec.algorithmic_logical_depth == 1_100_000
    assert r.wall_clock_s == pytest.approx(1.1e6 * 8.4e-6)
    assert r.links == [] and r.remote_gates == 0
    # T factories as the estimator reports them for this example (qsharp 1.31, run side by side in
    # bench/qre_parity.py): 14 factories of 18,000 qubits (15-to-1 space efficient at d = 5 x 18,
    # then d = 19 x 1; 124.8 us per run), 454,860 physical qubits in total.
    tf = ec.t_factory
    assert tf.factories_per_qpu == [14]
    assert tf.physical_qubits_per_factory == 18_000
    assert [(rd.unit, rd.code_distance, rd.units) for rd in tf.rounds] == [
        ("15-to-1 space efficient", 5, 18),
        ("15-to-1 space efficient", 19, 1),
    ]
    assert tf.duration_s == pytest.approx(124.8e-6)
    assert tf.runs_per_factory == 71_429
    assert ec.algorithm_physical_qubits_per_qpu == [202_860]
    assert ec.physical_qubits == r.physical_qubits_total == 454_860
    assert r.error_budget.logical == r.error_budget.t_states == 5e-4 and r.error_budget.met


def test_better_qubits_need_smaller_distance():
    s = LogicalSummary(logical_qubits=100, t_count=10**6, measurement_count=10**5)
    d3 = estimate(s, QPU.preset("qubit_gate_ns_e3", surface_code=SurfaceCode())).error_corrected.code_distance
    d4 = estimate(s, QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode())).error_corrected.code_distance
    assert d4 < d3
    us = estimate(s, QPU.preset("qubit_gate_us_e3", surface_code=SurfaceCode()))
    assert us.error_corrected.logical_cycle_s == pytest.approx(600e-6 * us.error_corrected.code_distance)


def test_azure_layout_formula():
    assert [azure_layout_qubits(q) for q in (0, 1, 2, 100, 200)] == [0, 6, 9, 230, 441]


def _bell_dm(coeffs):
    """Bell-diagonal 4x4 state, coefficients in the order (Phi+, Psi+, Psi-, Phi-)."""
    s = 1 / math.sqrt(2)
    kets = [np.array([s, 0, 0, s]), np.array([0, s, s, 0]), np.array([0, s, -s, 0]), np.array([s, 0, 0, -s])]
    return sum(c * np.outer(k, k) for c, k in zip(coeffs, kets))


def _dejmps_oracle(coeffs):
    """DEJMPS on two copies with explicit matrices: Alice Rx(pi/2), Bob Rx(-pi/2), bilateral CNOT,
    measure the target pair in Z and keep equal outcomes. Qubit order A1 B1 A2 B2."""
    rho = np.kron(_bell_dm(coeffs), _bell_dm(coeffs))

    def rx(t):
        return np.array([[math.cos(t / 2), -1j * math.sin(t / 2)], [-1j * math.sin(t / 2), math.cos(t / 2)]])

    u_rot = np.kron(np.kron(rx(math.pi / 2), rx(-math.pi / 2)), np.kron(rx(math.pi / 2), rx(-math.pi / 2)))

    def cnot(c, t):
        u = np.zeros((16, 16))
        for i in range(16):
            bits = [(i >> (3 - k)) & 1 for k in range(4)]
            if bits[c]:
                bits[t] ^= 1
            u[sum(b << (3 - k) for k, b in enumerate(bits)), i] = 1
        return u

    u = cnot(1, 3) @ cnot(0, 2) @ u_rot
    rho = u @ rho @ u.conj().T
    keep = np.zeros((16, 16))
    for i in range(16):
        if ((i >> 1) & 1) == (i & 1):
            keep[i, i] = 1
    rho = keep @ rho @ keep
    p = np.trace(rho).real
    rho = rho / p
    pair = np.einsum("aibi->ab", rho.reshape(4, 4, 4, 4))  # Trace out A2 B2.
    phi = np.array([1, 0, 0, 1]) / math.sqrt(2)
    return (phi @ pair @ phi).real, p


@pytest.mark.parametrize(
    "coeffs", [(0.9, 0.1 / 3, 0.1 / 3, 0.1 / 3), (0.7, 0.1, 0.15, 0.05), (0.6, 0.3, 0.05, 0.05)]
)
def test_dejmps_closed_form_matches_density_matrix(coeffs):
    out, p = dejmps_step(coeffs)
    f_oracle, p_oracle = _dejmps_oracle(coeffs)
    assert p == pytest.approx(p_oracle, abs=1e-12)
    assert out[0] == pytest.approx(f_oracle, abs=1e-12)
    assert sum(out) == pytest.approx(1.0)


def test_bbpssw_fixed_point_and_growth():
    assert bbpssw_step(0.5)[0] == pytest.approx(0.5)
    assert bbpssw_step(1.0) == (1.0, 1.0)
    f = 0.75
    for _ in range(5):
        f2, p = bbpssw_step(f)
        assert f < f2 < 1 and 0 < p <= 1
        f = f2


def test_purification_plan_raw_cost_recurrence():
    plan = purification_plan(0.9, 0.99, "bbpssw")
    assert plan.feasible and plan.fidelity >= 0.99
    expected = 1.0
    for p in plan.success_probabilities:
        expected = 2 * expected / p
    assert plan.raw_per_pair == pytest.approx(expected)
    assert purification_plan(0.995, 0.99).rounds == 0
    assert purification_plan(0.5, 0.9).reason.startswith("raw fidelity 0.5 <= 0.5")
    with pytest.raises(ValueError, match="protocol must be"):
        purification_plan(0.9, 0.99, "pumping")


def test_link_adapter_and_validation():
    lk = link_from_model(
        SimpleNamespace(rate_hz=1e3, fidelity=0.9, success_probability=1e-3, attempt_period_s=1e-6),
        (1, 0),
        latency_s=1e-5,
    )
    assert lk.key == (0, 1) and lk.success_probability == 1e-3
    with pytest.raises(ValueError, match="has no attribute 'fidelity'"):
        link_from_model(SimpleNamespace(rate_hz=1.0), (0, 1))
    with pytest.raises(ValueError, match=r"^fidelity must be in \[0, 1\] \(within the tolerance 1e-09\), got 1\.5$"):
        Link((0, 1), rate_hz=1.0, fidelity=1.5)
    with pytest.raises(ValueError, match=r"^rate_hz must be > 0 Hz, got 0\.0$"):
        Link((0, 1), rate_hz=0.0, fidelity=0.9)
    with pytest.raises(ValueError, match="two different QPUs"):
        Link((2, 2), rate_hz=1.0, fidelity=0.9)


def test_qpu_and_summary_validation():
    with pytest.raises(ValueError, match=r"^t_2q_s must be >= 0 s, got -1$"):
        QPU(t_2q_s=-1)
    with pytest.raises(ValueError, match=r"e_meas must be a probability in \[0, 1\], got 2"):
        QPU(e_meas=2)
    with pytest.raises(ValueError, match=r"^num_qubits must be >= 1, got 0$"):
        QPU(num_qubits=0)
    with pytest.raises(ValueError, match="unknown QPU preset 'qubit_gate_ns_e5'"):
        QPU.preset("qubit_gate_ns_e5")
    with pytest.raises(ValueError, match="t_count must be a non-negative integer, got -5"):
        LogicalSummary(logical_qubits=3, t_count=-5)
    with pytest.raises(ValueError, match=r"unknown logical-summary keys \['tcount'\]"):
        LogicalSummary.from_dict({"logical_qubits": 3, "tcount": 5})
    with pytest.raises(ValueError, match="mix of error-corrected and physical QPUs"):
        estimate("CX 0 1", [QPU(), QPU(surface_code=SurfaceCode())])


def test_partition_respects_capacity_and_beats_naive_cut():
    rng = np.random.default_rng(3)
    n, k = 1024, 16
    a = np.concatenate([np.arange(n - 1), rng.integers(0, n, 1500)])
    b = np.concatenate([np.arange(1, n), rng.integers(0, n, 1500)])
    keep = a != b
    a, b = a[keep], b[keep]
    w = rng.integers(1, 10**6, len(a)).astype(float)
    p = partition(n, [70] * k, (a, b, w))
    assert max(p.qubits_per_qpu) <= 70 and sum(p.qubits_per_qpu) == n
    naive = np.arange(n) * k // n
    assert p.cut < float(np.sum(w[naive[a] != naive[b]]))


def test_cat_entangler_shares_pairs_and_repeat_is_extrapolated_exactly():
    text = "REPEAT 1000000 {\n  H 0\n  CX 0 1\n  CX 0 2\n  CX 0 3\n}"
    links = [Link((0, 1), rate_hz=1e9, fidelity=0.999)]
    qpus = [QPU(num_qubits=1), QPU(num_qubits=3)]
    with_cat = estimate(text, qpus, links, placement=[0, 1, 1, 1])
    without = estimate(text, qpus, links, placement=[0, 1, 1, 1], cat_entangler=False)
    assert with_cat.remote_gates == without.remote_gates == 3_000_000
    assert with_cat.bell_pairs == 1_000_000 and without.bell_pairs == 3_000_000
    assert with_cat.cat_exact


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({"placement": {0: 0, 1: 1}}, r"qubit 2 \(used on line 1\) is placed on no QPU"),
        (
            {"qpus": [QPU(num_qubits=1), QPU(num_qubits=1)], "placement": None},
            r"capacity too small: 3 qubits, but the 2 QPUs hold 2",
        ),
        (
            {"placement": [0, 0, 1], "qpus": [QPU(num_qubits=1), QPU(num_qubits=2)]},
            r"capacity too small: QPU 0 is given 2 qubits but holds 1",
        ),
        (
            {"links": [Link((0, 1), rate_hz=1e3, fidelity=0.5)], "target_fidelity": 0.9},
            r"link 0-1: raw fidelity 0.5 <= 0.5 can never be purified to 0.9",
        ),
        ({"links": []}, r"no link between QPU 0 and QPU 1, but 3 remote gates need one"),
    ],
)
def test_bad_input_gives_explicit_infeasible_verdict(kwargs, reason):
    args = {
        "qpus": [QPU(num_qubits=2), QPU(num_qubits=2)],
        "links": [Link((0, 1), rate_hz=1e3, fidelity=0.9)],
        "placement": [0, 0, 1],
    }
    args.update(kwargs)
    r = estimate("CX 0 2\nH 0\nCX 0 2 1 2", args.pop("qpus"), args.pop("links"), **args)
    assert r.verdict == "infeasible"
    assert any(re.search(reason, x) for x in r.reasons), r.reasons
    assert "infeasible" in r.table()


def test_error_corrected_capacity_and_threshold_verdicts():
    s = LogicalSummary(logical_qubits=100, t_count=10**6, measurement_count=10**5)
    small = QPU.preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), num_qubits=100_000)
    r = estimate(s, small)
    assert r.verdict == "infeasible"
    assert r.reasons[0].startswith(
        "capacity: QPU 0 needs 454,860 physical qubits at distance 21 (202,860 for 230 patches, 252,000 for T "
        "factories, 0 link memory), has 100,000"
    )
    noisy = QPU(surface_code=SurfaceCode(), e_2q=0.02)
    r = estimate(s, noisy)
    assert r.verdict == "infeasible" and "threshold 0.01" in r.reasons[0]


def test_distributed_error_corrected_lattice_surgery_pairs():
    s = LogicalSummary(logical_qubits=400, t_count=10**8, measurement_count=10**6, two_qubit_count=10**7)
    qpus = [QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), logical_qubits=200) for _ in range(2)]
    links = [Link((0, 1), rate_hz=1e9, fidelity=0.97, latency_s=1e-6)]
    r = estimate(s, qpus, links)
    d = r.error_corrected.code_distance
    lk = r.links[0]
    assert r.verdict == "feasible", r.reasons
    # Uniform pairs: 2 * 200 * 200 / (400 * 399) of the two-qubit gates cross.
    assert lk.remote_gates == round(10**7 * 2 * 200 * 200 / (400 * 399))
    # One pair per seam CNOT of the merge, 2d - 1 per round, for d rounds (qnsim.qec.model).
    assert lk.bell_pairs == lk.remote_gates * (2 * d - 1) * d
    # Purified until the remote operations fit their share of the budget (a third of 1e-3, beside
    # logical errors and T states).
    assert r.error_budget.remote == pytest.approx(1e-3 / 3)
    assert 0 < lk.remote_gates * lk.remote_error_per_operation <= r.error_budget.remote
    assert lk.purification_rounds >= 1
    assert lk.raw_bell_pairs == pytest.approx(lk.bell_pairs * lk.raw_per_pair)


def test_report_json_and_table():
    r = estimate(
        "REPEAT 10 {\n CX 0 1\n}",
        [QPU(num_qubits=1), QPU(num_qubits=1)],
        [Link((0, 1), rate_hz=1e6, fidelity=0.99)],
        error_budget=0.5,
    )
    d = json.loads(r.to_json())
    assert d["verdict"] == "feasible" and d["links"][0]["qpus"] == [0, 1]
    assert d["bell_pairs"] == 1 and d["remote_gates"] == 10
    assert "wall clock" in str(r)


def test_streamed_counts_can_be_estimated(tmp_path):
    path = tmp_path / "w.stim"
    path.write_text("CX 0 1 2 3\nCX 1 2\nM 0 1 2 3\n" * 100)
    counts = qnsim.estimate.stream_circuit_file(path)
    r = estimate(counts, [QPU(num_qubits=2), QPU(num_qubits=2)], [Link((0, 1), rate_hz=1e6, fidelity=0.99)])
    assert r.remote_gates == 100 and r.cut_weight == 100
    # 200 local CX and 400 M at 1e-3: 0.6 faults; 100 remote CX: pair (0.01) + teleportation (4 x 1e-3).
    assert r.error_budget.local_physical_used == pytest.approx(0.6)
    assert r.error_budget.remote_used == pytest.approx(100 * (0.01 + 1 - 0.999**4))
    assert r.verdict == "infeasible"
    assert r.reasons[0].startswith("error budget: 0.6 expected local faults + 1.4 expected remote faults")


def test_state_teleportation_cost():
    from qnsim.estimate import state_teleportation_cost

    link = Link((0, 1), rate_hz=1e3, fidelity=0.98)
    c = state_teleportation_cost(5, QPU(e_1q=0, e_2q=0, e_meas=0), QPU(e_1q=0), link)
    assert c["bell_pairs"] == 5 and c["classical_bits"] == 10
    assert c["error"] == pytest.approx(5 * 0.02)
    assert state_teleportation_cost(0, QPU(), QPU(), link)["time_s"] == 0.0
    with pytest.raises(ValueError, match=r"^num_qubits must be in \[0, 2\*\*128 - 1\], got -1$"):
        state_teleportation_cost(-1, QPU(), QPU(), link)


def test_relay_routes_swap_entanglement_and_share_hops():
    """Three QPUs around a QNU (node 3) with no direct links: pairs are swapped at the QNU, so a
    route's fidelity is that of Werner parameters multiplied, and the hop 1-3 carries both routes."""
    qpus = [QPU(num_qubits=2) for _ in range(3)]
    links = [Link((i, 3), rate_hz=1e4 * (i + 1), fidelity=0.98, latency_s=1e-5) for i in range(3)]
    text = "REPEAT 1000 {\n CX 0 2\n H 0\n CX 2 4\n H 2\n}"
    r = estimate(text, qpus, links, placement=[0, 0, 1, 1, 2, 2])
    assert r.verdict == "infeasible" and r.reasons[0].startswith("error budget:")  # ~80 faulty pairs
    routes = {lk.qpus: lk for lk in r.links}
    assert routes[(0, 1)].route == [0, 3, 1] and routes[(1, 2)].route == [1, 3, 2]
    w = (4 * 0.98 - 1) / 3
    assert routes[(0, 1)].raw_fidelity == pytest.approx((1 + 3 * w * w) / 4)
    assert routes[(0, 1)].latency_s == pytest.approx(2e-5)
    # Hop 1-3 (2e4 pairs/s) carries 2000 end-to-end pairs: 0.1 s; hop 0-3 carries 1000 at 1e4: 0.1 s. But each
    # hop holds its pair until the other hop has one, so route 0-3-1 makes a pair once per cycle of its hops,
    # E[max] = 1/1e4 + 1/2e4 - 1/3e4 s: its 1000 pairs take 0.1167 s (before: 0.1 s, its slowest hop's rate).
    assert r.time_link_s == pytest.approx(1000 * (1 / 1e4 + 1 / 2e4 - 1 / 3e4))
    assert r.bound.startswith("route ")
    assert "via 3" in r.table()
    # Hop 1-3 serves both routes in the simulation (audit 12; it was refused): no faster than the estimate's time.
    sim = qnsim.estimate.simulate_execution(text, qpus, links, placement=[0, 0, 1, 1, 2, 2])
    assert sim.wall_clock_s >= r.wall_clock_s


def test_disconnected_relay_network_is_infeasible():
    # Each relay joins two links (a relay with one link is refused as a mistyped QPU index), but no
    # route joins QPU 0's relays (2, 3) to QPU 1's (4, 5).
    qpus = [QPU(num_qubits=1), QPU(num_qubits=1)]
    links = [Link(pair, 1e3, 0.9) for pair in [(0, 2), (0, 3), (2, 3), (1, 4), (1, 5), (4, 5)]]
    r = estimate("CX 0 1", qpus, links, placement=[0, 1])
    assert r.verdict == "infeasible"
    assert r.reasons == [
        "no link between QPU 0 and QPU 1, but 1 remote gate needs one; fix: join them by a link or a route of links "
        "through relays (a links file's [[link]] with qpus = [0, 1]; in Python, Link((0, 1), rate_hz, fidelity))"
    ]


def test_link_bound_run_sizes_distance_for_its_real_length():
    """Issue 9: a run that waits for its link lasts the link's time, and the code distance is sized
    for that length (idle patches accrue error in every cycle), even beyond 2^53 logical cycles."""
    s = LogicalSummary(logical_qubits=400, t_count=10**6, measurement_count=10**6, two_qubit_count=10**9)
    qpus = [QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), logical_qubits=200) for _ in range(2)]
    fast = estimate(s, qpus, [Link((0, 1), rate_hz=1e12, fidelity=0.999)])
    for rate in (1e3, 1e-3):
        slow = estimate(s, qpus, [Link((0, 1), rate_hz=rate, fidelity=0.999)])
        ec = slow.error_corrected
        lk = slow.links[0]
        assert slow.bound == "link 0-1 rate"
        assert slow.wall_clock_s == pytest.approx(lk.raw_bell_pairs / rate, rel=1e-6)
        assert ec.logical_cycles * ec.logical_cycle_s == pytest.approx(slow.wall_clock_s, rel=1e-6)
        assert ec.code_distance > fast.error_corrected.code_distance
        # The logical budget holds over the whole (stalled) run.
        budget = slow.error_budget
        assert budget.logical_used == pytest.approx(
            sum(ec.layout_logical_qubits_per_qpu) * ec.logical_cycles * ec.logical_error_per_cycle
        )
        assert budget.logical_used <= budget.logical


def test_a_verdict_without_a_runtime_limit_says_it_did_not_weigh_time():
    """A 'feasible' job that takes years must not read as a green light without a word: without
    max_runtime_s the report notes that time was not weighed; with a limit it is infeasible."""
    s = LogicalSummary(logical_qubits=400, t_count=10**6, measurement_count=10**6, two_qubit_count=10**9)
    qpus = [QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), logical_qubits=200) for _ in range(2)]
    slow = estimate(s, qpus, [Link((0, 1), rate_hz=1e-3, fidelity=0.999)])
    assert slow.verdict == "feasible" and slow.wall_clock_s > 3e7 * 365
    assert any("no runtime limit was given" in n and "years" in n for n in slow.notes), slow.notes
    limited = estimate(s, qpus, [Link((0, 1), rate_hz=1e-3, fidelity=0.999)], max_runtime_s=3.156e7)
    assert limited.verdict == "infeasible" and any(r.startswith("runtime:") for r in limited.reasons)
    assert not any("no runtime limit" in n for n in limited.notes)
    quick = estimate(s, qpus, [Link((0, 1), rate_hz=1e12, fidelity=0.999)])
    assert quick.wall_clock_s < 86_400 and not any("no runtime limit" in n for n in quick.notes)


def test_error_corrected_ideal_link_two_qpus_run_as_long_as_one():
    """Issue 9: remote logical operations are scheduled in the algorithm's cycles. With an ideal link
    (10^15 pairs/s, F = 1, no latency) the shipped 10^12-gate ring on two QPUs takes exactly the time
    one QPU holding everything takes (it was 1.46-1.5x when each remote operation added a cycle)."""
    from pathlib import Path

    text = (Path(__file__).parent.parent / "examples" / "estimate" / "workload.stim").read_text()
    ideal = [Link((0, 1), rate_hz=1e15, fidelity=1.0)]
    for workload, per_qpu in ((text, 32), (LogicalSummary(400, t_count=10**8, two_qubit_count=10**9), 200)):
        one = estimate(workload, QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode()))
        two = estimate(
            workload, [QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), logical_qubits=per_qpu)] * 2, ideal
        )
        assert two.remote_gates > 0
        assert two.wall_clock_s == pytest.approx(one.wall_clock_s, rel=0.05)
        assert two.error_corrected.code_distance == one.error_corrected.code_distance


def test_json_schema_is_stable():
    """The --json schema (documented in qnsim.estimate.report): top-level and nested keys."""
    r = estimate(LogicalSummary(4, t_count=100), QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode()))
    d = json.loads(r.to_json())
    assert d["schema_version"] == 9  # 3: qpu_names; 4: required_rate_hz on physical QPUs too; 5: qubit capacities;
    # 6: the links' rate_interval95; 7: their provision and channels_for_remote_share; 8: their active_rate_hz; 9: qubit_qpus
    assert list(d) == [
        "verdict", "reasons", "num_qubits", "num_qpus", "qubits_per_qpu", "placement_method", "cut_weight",
        "local_gates", "local_gates_total", "remote_gates", "bell_pairs", "raw_bell_pairs", "cat_entangler",
        "cat_exact", "links", "wall_clock_s", "bound", "time_local_s", "time_link_s", "time_latency_s",
        "remote_error_expected", "remote_success_probability", "local_error_expected", "error_corrected",
        "error_budget", "runtime_limit_s", "physical_qubits_total", "notes", "qpu_names",
        "physical_qubits_per_qpu", "qubit_capacity_per_qpu", "qubit_qpus", "schema_version",
    ]
    ec = d["error_corrected"]
    assert {"code_distance", "logical_cycles", "physical_qubits_per_qpu", "t_factory"} <= set(ec)
    assert set(ec["t_factory"]["rounds"][0]) == {
        "unit", "code_distance", "units", "physical_qubits", "duration_s", "output_error"
    }
    assert set(d["error_budget"]) == {
        "total", "logical", "t_states", "rotations", "remote", "logical_used", "t_states_used", "rotations_used",
        "remote_used", "local_physical_used",
    }


def test_one_rotation_costs_what_qre_says():
    """QRE (qsharp 1.x) for 2 qubits and one rotation on qubit_gate_ns_e4, budget 1e-3: 11 T states
    per rotation (ceil(0.53 log2(1 / 3.33e-4) + 4.86)), logical depth 12, d = 3, 6,300 physical
    qubits. The older constant 5.3 gives 12 T states, depth 13 and d = 5 (3,330 qubits): this test
    failed with it."""
    r = estimate(LogicalSummary(2, rotation_count=1, rotation_depth=1),
                 QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode()), error_budget=1e-3)
    ec = r.error_corrected
    assert (ec.t_per_rotation, ec.logical_cycles, ec.code_distance, ec.physical_qubits) == (11, 12, 3, 6300)
    assert r.error_budget.rotations_used <= r.error_budget.rotations


def test_t_factories_complete_whole_runs():
    """A factory delivers only the runs it finishes within the job. QRE (qsharp 1.x), 2 qubits and
    one rotation on qubit_gate_ns_e4, budget 1e-5: 15 T states, factory runs of 26 us, a 44.8 us job:
    one run per factory, 15 factories, 15,882 physical qubits. Counting 44.8 / 26 = 1.72 runs gave 9
    factories (9 x 1.72 = 15.5 states) and 9,882 qubits: this test failed with that formula."""
    r = estimate(LogicalSummary(2, rotation_count=1, rotation_depth=1),
                 QPU.preset("qubit_gate_ns_e4", surface_code=SurfaceCode()), error_budget=1e-5)
    ec, tf = r.error_corrected, r.error_corrected.t_factory
    assert r.wall_clock_s == pytest.approx(44.8e-6) and tf.duration_s == pytest.approx(26e-6)
    assert (ec.t_states, tf.factories, tf.runs_per_factory, ec.physical_qubits) == (15, 15, 1, 15_882)
    # Every factory's runs end within the job.
    assert tf.runs_per_factory * tf.duration_s <= r.wall_clock_s


def test_a_retried_distance_prices_the_run_at_the_cycles_it_was_sized_for():
    """QRE (qsharp 1.x), one qubit and one T gate, budget 1e-5, on a custom gate-based qubit (1q gate
    300 ns, 2q gate 70 ns, measurement 1 us, T gate 70 ns, Clifford errors 2e-3, T error 5e-3):
    no factory fits one cycle, so the distance is retried for 3 and then 11 cycles (d = 17, cycle
    38.76 us); the 376.2 us RM-prep factory (2 units at d = 15, 27,900 qubits) fits those 11 cycles:
    runtime 426.36 us, 31,368 physical qubits. Pricing the retried run at the algorithm's 1 cycle
    instead found no fitting factory and stretched the run to the smallest-volume one (space
    efficient, 444.6 us, 12 cycles, 21,468 qubits): this test failed that way."""
    qpu = QPU(t_1q_s=300e-9, t_2q_s=70e-9, t_meas_s=1e-6, t_t_s=70e-9, e_1q=2e-3, e_2q=2e-3, e_meas=2e-3, e_t=5e-3,
              surface_code=SurfaceCode())
    r = estimate(LogicalSummary(1, t_count=1), qpu, error_budget=1e-5)
    ec, tf = r.error_corrected, r.error_corrected.t_factory
    assert (ec.code_distance, ec.logical_cycles, ec.physical_qubits) == (17, 11, 31_368)
    assert [(rd.unit, rd.code_distance, rd.units) for rd in tf.rounds] == [("15-to-1 RM prep", 15, 2)]
    assert r.wall_clock_s == pytest.approx(426.36e-6, rel=1e-12)


def test_a_t_requirement_equal_to_the_physical_t_error_is_distilled():
    """QRE (qsharp 1.x): one T gate at budget 1e-2 needs T states of error 0.005; with a physical T
    error of exactly 0.005 it still distils (3 space-efficient units at d = 5, 3,000 qubits; d = 7,
    10 cycles, 3,588 physical qubits). The trivial 1-to-1 factory is for a T error strictly below
    the requirement; taking it on the tie gave d = 5, 1 cycle, 350 qubits: this test failed so."""
    qpu = QPU(t_1q_s=1e-6, t_2q_s=70e-9, t_meas_s=100e-9, t_t_s=10e-6, e_1q=2e-3, e_2q=1e-4, e_meas=3e-5, e_t=5e-3,
              surface_code=SurfaceCode())
    r = estimate(LogicalSummary(1, t_count=1), qpu, error_budget=1e-2)
    ec, tf = r.error_corrected, r.error_corrected.t_factory
    assert tf.required_error == 5e-3 == qpu.e_t
    assert [(rd.unit, rd.code_distance, rd.units) for rd in tf.rounds] == [("15-to-1 space efficient", 5, 3)]
    assert (ec.code_distance, ec.logical_cycles, ec.physical_qubits) == (7, 10, 3_588)


@pytest.mark.parametrize("name", ["qubit_maj_ns_e4", "qubit_maj_ns_e6"])
def test_majorana_presets_are_refused_with_the_reason(name):
    """QRE's measurement-based qubit models are not modeled (docs/concepts.md, "Where the estimator
    differs from Azure's QRE"): asking for one says so instead of "unknown preset"."""
    with pytest.raises(ValueError, match=f"'{name}' is one of the Azure estimator's Majorana"):
        QPU.preset(name)


def test_distance_limit_is_a_parameter_and_qre_stops_at_50():
    """100 qubits and 10^6 T gates at budget 1e-5 on qubit_gate_ns_e3 with Clifford errors 5e-3 need
    d = 81; QRE (qsharp 1.x, same qubit with idleErrorRate 5e-3) refuses: its maxCodeDistance is 50.
    qnsim's default limit is 101; SurfaceCode(max_distance=50) refuses as QRE does, naming the limit."""
    summary = LogicalSummary(100, t_count=10**6)
    noisy = {"e_1q": 5e-3, "e_2q": 5e-3, "e_meas": 5e-3}
    ours = estimate(summary, QPU.preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), **noisy), error_budget=1e-5)
    assert ours.error_corrected.code_distance == 81
    capped = estimate(summary, QPU.preset("qubit_gate_ns_e3", surface_code=SurfaceCode(max_distance=50), **noisy),
                      error_budget=1e-5)
    assert capped.verdict == "infeasible" and capped.error_corrected.code_distance is None
    assert any("no code distance <= 50" in r for r in capped.reasons)


def test_required_logical_error_is_for_the_final_run_length():
    """One T gate on qubit_gate_ns_e3, budget 1e-3: the factory stretches the run to 10 cycles, and
    the 6 patches may each fail 5e-4 / (6 x 10) = 8.3e-6 per cycle, which d = 7 meets (3e-6). QRE (qsharp
    1.x) reports 2.8e-5 (its figure for 3 cycles, before the stretch) with the same d = 7 (docstring of
    ErrorCorrectionReport.required_logical_error_per_cycle)."""
    r = estimate(LogicalSummary(1, t_count=1), QPU.preset("qubit_gate_ns_e3", surface_code=SurfaceCode()))
    ec = r.error_corrected
    assert (ec.code_distance, ec.logical_cycles) == (7, 10)
    assert ec.required_logical_error_per_cycle == pytest.approx(5e-4 / 60, rel=1e-12)
    assert ec.logical_error_per_cycle <= ec.required_logical_error_per_cycle


@pytest.mark.parametrize("workload", [{"logical_qubits": 2, "t_count": 10}, {"logical_qubits": 2, "measurement_count": 5}])
def test_error_corrected_estimate_on_error_free_qubits_is_priced(workload):
    # Physical error 0 gives a logical error of 0 per cycle; the cycle limit divided by it
    # (ZeroDivisionError) instead of having none.
    ideal = QPU(num_qubits=10**6, e_1q=0, e_2q=0, e_meas=0, e_t=0, surface_code=SurfaceCode())
    report = estimate(workload, [ideal, ideal], [Link((0, 1), rate_hz=1e3, fidelity=0.99)])
    assert report.feasible and report.error_corrected.code_distance is not None
    assert math.isfinite(report.wall_clock_s) and report.wall_clock_s > 0


def test_purification_beyond_the_local_noise_ceiling_is_infeasible():
    """F = 0.9 purified to 1 - 1e-9 on QPUs whose two-qubit gates (and readouts) fail with 1e-3.

    Before purification was priced with the QPUs' own noise, this came out feasible: 6 ideal
    DEJMPS rounds (and only a note that the gates could not give it). Noisy rounds converge to
    about 0.9973 (e_1q = e_2q = e_meas = 1e-3), so the target is now infeasible, with the reason
    naming the ceiling and the fix.
    """
    qpus = [QPU(num_qubits=1, e_2q=1e-3), QPU(num_qubits=1, e_2q=1e-3)]
    link = [Link((0, 1), rate_hz=1e3, fidelity=0.9)]
    ideal = purification_plan(0.9, 0.999999999)
    assert ideal.feasible and ideal.rounds == 6  # what the estimate used to price
    report = estimate("CX 0 1", qpus, link, target_fidelity=0.999999999, error_budget=0.5)
    assert not report.feasible
    (reason,) = [r for r in report.reasons if "link 0-1" in r]
    ceiling = purification_ceiling(0.9, gate1_error=1e-3, gate2_error=1e-3, measure_error=1e-3)
    assert 0.997 < ceiling < 0.998
    assert f"{ceiling:.6g}" in reason and "two-qubit gate error 0.001" in reason and "to 0.999999999 " in reason
    # Both fixes are estimated again (estimator round 29): neither 10x better gates nor a better link reach 1 - 1e-9.
    assert "fix: none of these clears it, estimated again with each: lower gate and measurement errors" in reason
    assert "; a better raw link (raw F = 0.95 instead of 0.9): " in reason
    # Below the ceiling the same link is feasible, with one round more than ideal gates need.
    plain = estimate("CX 0 1", qpus, link, target_fidelity=0.99, error_budget=0.5)
    assert plain.feasible and plain.links[0].purification_rounds == 3
    assert plain.links[0].delivered_fidelity < purification_plan(0.9, 0.99).fidelity


@pytest.mark.parametrize("protocol", ["dejmps", "bbpssw"])
def test_noisy_purification_plan_is_the_network_layers_round(protocol):
    """The plan's rounds are qnsim.bell_diagonal_purify's (the network's bell_diagonal round) on
    the same numbers, and one round agrees with the independent density-matrix circuit of
    tests/physics_oracles.py."""
    import physics_oracles as po

    noise = {"gate1_error": 2e-3, "gate2_error": 5e-3, "measure_error": 1e-2}
    plan = purification_plan(0.85, 0.95, protocol, **noise)
    f = 0.85
    pair = (f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3)
    fidelities, probabilities = [], []
    for _ in range(plan.rounds):
        p, kept = qnsim.bell_diagonal_purify(pair, pair, protocol, **noise)
        if protocol == "bbpssw":  # the estimator tracks BBPSSW pairs in Werner form
            kept = (kept[0], (1 - kept[0]) / 3, (1 - kept[0]) / 3, (1 - kept[0]) / 3)
        pair = kept
        fidelities.append(kept[0])
        probabilities.append(p)
    assert plan.feasible and plan.rounds >= 2
    assert plan.fidelity == fidelities[-1]
    assert plan.success_probabilities == tuple(probabilities)
    rho = po.bell_diagonal_state([f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3])
    p_dm, kept_dm = po.purify(rho, rho, protocol, noise["gate1_error"], noise["gate2_error"], noise["measure_error"])
    one = purification_plan(0.85, 0.86, protocol, **noise)
    assert one.rounds == 1
    assert one.success_probabilities[0] == pytest.approx(p_dm, abs=1e-12)
    assert one.fidelity == pytest.approx(po.pair_fidelity(kept_dm), abs=1e-12)


def test_purification_with_error_free_qpus_is_priced_as_before():
    """Zero local errors: the plan is the ideal closed form, bit for bit, and the estimate's link
    figures are those of that plan (the 1 - 1e-9 target of the ceiling test stays feasible)."""
    for protocol in ("dejmps", "bbpssw"):
        for raw, target in ((0.9, 0.99), (0.7, 0.999999999), (0.95, 0.999)):
            noiseless = purification_plan(raw, target, protocol, gate1_error=0, gate2_error=0, measure_error=0)
            assert noiseless == purification_plan(raw, target, protocol)
    ideal = QPU(num_qubits=1, e_1q=0, e_2q=0, e_meas=0)
    report = estimate(
        "CX 0 1", [ideal, ideal], [Link((0, 1), rate_hz=1e3, fidelity=0.9)], target_fidelity=0.999999999,
        error_budget=0.5,
    )
    plan = purification_plan(0.9, 0.999999999)
    assert report.feasible
    lr = report.links[0]
    assert (lr.purification_rounds, lr.delivered_fidelity, lr.raw_per_pair) == (6, plan.fidelity, plan.raw_per_pair)


def test_purification_noise_is_each_ends_own():
    """Each end of a purification round suffers its own QPU's errors, as in a network request's round.
    Before, both ends took the worse QPU's errors (e_1q 2e-4, e_2q 3e-3, e_meas 4e-3 here): F = 0.9 -> 0.99 took
    3 rounds delivering 0.992376 (11.27 raw pairs each), ceiling 0.995537; with each end's own errors the same
    3 rounds deliver 0.994692 (11.09 raw pairs each), ceiling 0.997049. The worse-end round is a lower bound."""
    a = QPU(num_qubits=1, e_1q=1e-4, e_2q=3e-3, e_meas=1e-3)
    b = QPU(num_qubits=1, e_1q=2e-4, e_2q=1e-3, e_meas=4e-3)
    noise = purification_noise(a, b)
    assert noise == {"gate1_error": 1e-4, "gate2_error": 3e-3, "measure_error": 1e-3,
                     "gate1_error_b": 2e-4, "gate2_error_b": 1e-3, "measure_error_b": 4e-3}
    report = estimate("REPEAT 10 {\nCX 0 1\nH 0\n}", [a, b], [Link((0, 1), rate_hz=1e6, fidelity=0.9)],
                      target_fidelity=0.99, error_budget=0.5)
    lr = report.links[0]
    plan = purification_plan(0.9, 0.99, **noise)
    assert (lr.purification_rounds, lr.delivered_fidelity, lr.raw_per_pair) == (plan.rounds, plan.fidelity,
                                                                               plan.raw_per_pair)
    assert (plan.rounds, round(plan.fidelity, 6), round(plan.raw_per_pair, 2)) == (3, 0.994692, 11.09)
    worse = purification_plan(0.9, 0.99, gate1_error=2e-4, gate2_error=3e-3, measure_error=4e-3)
    assert (worse.rounds, round(worse.fidelity, 6)) == (3, 0.992376) and worse.fidelity < plan.fidelity
    assert purification_ceiling(0.9, **noise) == pytest.approx(0.997049, abs=1e-6)
    # The ends are interchangeable: the round is the same with a and b swapped.
    assert purification_plan(0.9, 0.99, **purification_noise(b, a)).fidelity == pytest.approx(plan.fidelity, abs=1e-15)


def test_per_end_purification_round_composes_the_ends_channels():
    """The native round with per-end noise (qnsim.bell_diagonal_purify's *_b arguments) applies each end's
    channels at that end: depolarize1 after the DEJMPS rotation scales the pairs' Pauli expectations by
    (1 - 4 g_a / 3)(1 - 4 g_b / 3), depolarize2 after the CNOTs contracts the joint distribution by
    (1 - 16 p_a / 15)(1 - 16 p_b / 15), and the outcomes disagree by misreading with q_a (1 - q_b) + q_b (1 - q_a).
    So it equals the one-noise round whose noise gives the same three products (checked to 1e-12 on random
    noise), and one end's noise alone lies between no noise and both ends' (before, the binding applied one
    noise to both ends and could not express this)."""
    rng = np.random.default_rng(7)
    for scheme in ("dejmps", "bbpssw"):
        for _ in range(20):
            pair1, pair2 = rng.dirichlet([20, 1, 1, 1]), rng.dirichlet([20, 1, 1, 1])
            ga, gb, pa, pb, qa, qb = rng.uniform(0, 0.05, 6)
            g = 0.75 * (1 - math.sqrt((1 - 4 * ga / 3) * (1 - 4 * gb / 3)))
            p = 15 / 16 * (1 - math.sqrt((1 - 16 * pa / 15) * (1 - 16 * pb / 15)))
            m = qa * (1 - qb) + qb * (1 - qa)
            q = (1 - math.sqrt(1 - 2 * m)) / 2  # 2 q (1 - q) = m
            per_end = qnsim.bell_diagonal_purify(pair1, pair2, scheme, gate1_error=ga, gate2_error=pa,
                                                 measure_error=qa, gate1_error_b=gb, gate2_error_b=pb,
                                                 measure_error_b=qb)
            one = qnsim.bell_diagonal_purify(pair1, pair2, scheme, gate1_error=g, gate2_error=p, measure_error=q)
            assert per_end[0] == pytest.approx(one[0], abs=1e-12)
            assert np.allclose(per_end[1], one[1], atol=1e-12, rtol=0)
    werner = (0.9, 0.1 / 3, 0.1 / 3, 0.1 / 3)
    both = qnsim.bell_diagonal_purify(werner, werner, "dejmps", gate2_error=0.01)[1][0]
    one_end = qnsim.bell_diagonal_purify(werner, werner, "dejmps", gate2_error=0.01, gate2_error_b=0.0)[1][0]
    ideal = qnsim.bell_diagonal_purify(werner, werner, "dejmps")[1][0]
    assert both < one_end < ideal
    with pytest.raises(qnsim.ParameterError, match="gate2_error_b must be a probability in \\[0, 1\\], got 1.5"):
        qnsim.bell_diagonal_purify(werner, werner, "dejmps", gate2_error_b=1.5)


def test_error_corrected_interface_purifies_with_the_local_noise():
    """Error-corrected runs purify each link up to target_fidelity with the same noisy rounds as the
    physical estimate (the QPUs' e_1q, e_2q, e_meas), not ideal ones."""
    qpu = QPU.preset("qubit_gate_ns_e3", num_qubits=10**6, surface_code=SurfaceCode())
    report = estimate("CX 0 1\nT 0", [qpu, qpu], [Link((0, 1), rate_hz=1e6, fidelity=0.9)], placement=[0, 1],
                      target_fidelity=0.99)
    plan = purification_plan(0.9, 0.99, **purification_noise(qpu, qpu))
    lr = report.links[0]
    assert (lr.purification_rounds, lr.delivered_fidelity, lr.raw_per_pair) == (
        plan.rounds, plan.fidelity, plan.raw_per_pair
    )
    assert lr.delivered_fidelity < purification_plan(0.9, 0.99).fidelity
