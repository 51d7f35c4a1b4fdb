"""Round thirty-two of the distributed-workload estimator: a units and limits hunt (10^12 and 10^15 gates, one QPU
and many, link rates of 1e-3 and 1e9 pairs/s, memories of 1 ns and 1e6 s) and "more purification rounds" for relay
routes. Each test states the old behaviour it guards."""

import math
import re
import statistics

import physics_oracles as po
import pytest

from qnsim.estimate import (
    QPU,
    Link,
    LogicalSummary,
    SurfaceCode,
    estimate,
    operated_links,
    preset,
    relay_route_fidelity,
    simulate_execution,
)

_IDEAL = dict(e_1q=0.0, e_2q=0.0, e_meas=0.0, e_t=0.0)


def _wait_s(report):
    """The buffer wait the report's storage note prices for link 0-1, in seconds."""
    (note,) = [n for n in report.notes if n.startswith("link 0-1: pairs wait ")]
    return float(re.match(r"link 0-1: pairs wait ([\d.e+-]+) s", note).group(1))


def test_a_pair_never_waits_longer_than_the_run_it_is_used_in():
    """Three remote CX 50 us apart over a 1 MHz link (64 buffer places, the default) into memories of T1 = T2 = 1 ms,
    error budget 0.5. Old behaviour: the wait was the full buffer's steady state, 64 consumption intervals: "pairs
    wait 0.0032 s" in a run of 0.15 ms, F = 0.25 when used, and the link was refused as "not entangled when used".
    Then (rounds 32-40) the link ran as given, its wait priced with the run's 3 pairs buffered: F = 0.806 at use,
    3 x (1 - 0.806) = 0.58 expected faults over the 0.5 budget, infeasible, though the run needs no more than one
    pair buffered. By hand (the operating point, docs/reference/estimate-files.rst: meet the need and the budget,
    then the shortest run, then the freshest pairs, of ties the fewest places): every buffer size runs the same
    151 us (local compute), so one buffer pair, made ~1 us (1 / rate) after each use, waits the rest of the ~50 us
    interval, tau - (1 - exp(-r tau)) / r = ~49 us: F = (1 + e^(-2w/T1)) / 4 + e^(-2w/T2) / 2 = 0.93 at use,
    3 x 0.07 = 0.21 faults within 0.5: feasible. The event-driven simulation of the operated link (the first pair
    used fresh) agrees, and sits above the priced F (the price is conservative).

    Round 47: the first pair is priced as the schedule uses it, at t = 0, made on demand (wait 0); the other two at
    the 3-pair buffer's steady wait, 3 tau - 1 / r = 149 us (F 0.806): F = (1 + 2 x 0.806) / 3 = 0.871 on average,
    0.39 faults within 0.5, so the link runs as given (64 places). The simulation of the link as given reads F 0.932
    (20 seeds, +-2e-4: FIFO, its second and third pairs wait ~48 and ~97 us), above the price. Since the buffer's
    filling is priced (pairs 1 and 2 one and two uses' worth older than the first), the price is 0.932 too: within
    3 standard errors (and 1e-4) of the mean over 20 seeds, where one seed alone sat above or below it."""
    q = QPU(num_qubits=1, **_IDEAL)
    work = "REPEAT 3 {\n CX 0 1\n REPEAT 1000 {\n H 0\n }\n}\nM 0 1\n"
    link = Link((0, 1), rate_hz=1e6, fidelity=1.0, memory_t1_s=1e-3, memory_t2_s=1e-3)
    r = estimate(work, [q, q], [link], placement=[0, 1], cat_entangler=False, error_budget=0.5)
    (lr,) = r.links
    assert lr.bell_pairs == 3 and lr.active_buffer_pairs is None
    wait = _wait_s(r)
    assert 0 < wait <= r.wall_clock_s
    tau = r.wall_clock_s / 3
    steady = 3 * tau - 1e-6
    # The buffer fills from empty: the pairs wait 0, ~tau and ~2 tau (the simulation's 0, ~48 and ~97 us), not the
    # first at 0 and the other two at the 3-pair buffer's steady wait (2/3 of it on average, F 0.871).
    waits = po.buffer_filling_waits(3, tau, 1e6, steady)
    assert wait == pytest.approx(sum(waits) / 3, rel=0.02)  # The note gives the mean wait to 3 figures.
    used = [(1 + math.exp(-2 * w / 1e-3)) / 4 + math.exp(-2 * w / 1e-3) / 2 for w in waits]
    # The estimate's steady wait is its level chain's, a little below 3 tau - 1/r: 4e-4 in F.
    assert lr.fidelity_at_use == pytest.approx(sum(used) / 3, abs=6e-4) and lr.fidelity_at_use > 0.93
    assert r.remote_error_expected == pytest.approx(3 * (1 - lr.fidelity_at_use), rel=1e-6) and r.feasible
    assert not any("not entangled" in reason for reason in r.reasons), r.reasons
    (operated,) = operated_links(r, [link])
    simulated = [simulate_execution(work, [q, q], [operated], placement=[0, 1], cat_entangler=False, seed=seed)
                 .mean_fidelity_at_use[(0, 1)] for seed in range(20)]
    mean, err = statistics.fmean(simulated), statistics.stdev(simulated) / math.sqrt(20)
    assert abs(lr.fidelity_at_use - mean) <= 3 * err + 1e-4, (lr.fidelity_at_use, mean, err)


def _trillion_gate_run():
    """10^12 remote CX with one control sharing one pair (a cat-entangler) from a 1e-3 pairs/s link into memories of
    1e6 s, ideal gates of 50 ns (5e4 s of local compute), the default error budget 1e-3."""
    q = QPU(num_qubits=1, **_IDEAL)
    link = Link((0, 1), rate_hz=1e-3, fidelity=1.0, memory_t1_s=1e6, memory_t2_s=1e6)
    return estimate("REPEAT 1000000000000 {\n CX 0 1\n}\nM 0 1\n", [q, q], [link])


def test_one_shared_pair_of_a_trillion_gate_run_waits_no_longer_than_the_run():
    """Old behaviour: "pairs wait 3.2e+06 s in memory" in a run of 5.1e4 s (the default 64-pair buffer's steady
    state for a run that uses one pair), F = 0.251 when used and a "not entangled" refusal. Every figure stays finite
    and the wait within the run. Since the operating point weighs the error budget (round 41), the one pair's wait
    priced at the one-pair buffer's tau - (1 - exp(-r tau)) / r = 4.9e4 s (F = 0.93, 0.07 faults against 1e-3)
    makes the search slow the link to 5.4e-7 pairs/s (the pair then waits 667 s), 1.86e6 s instead of 5e4 s; the note
    said "more would only age buffered pairs" with no word that the budget took the run 37x longer: it now says so
    and by how much (see the next test for why the slowdown itself is not right; since round 47 the one pair,
    used at t = 0, waits 0 s and the link runs as given)."""
    r = _trillion_gate_run()
    (lr,) = r.links
    assert lr.bell_pairs == 1 and r.remote_gates == 10**12
    assert 0 <= _wait_s(r) <= r.wall_clock_s
    assert not any("not entangled" in reason for reason in r.reasons), r.reasons
    assert all(math.isfinite(x) for x in (r.wall_clock_s, lr.fidelity_at_use, r.remote_error_expected))
    if lr.active_rate_hz is not None:  # Slowed: the note says it was for the budget, and the factor.
        (note,) = [n for n in r.notes if "more would only age buffered pairs" in n]
        given_s, chosen_s = (float(x) for x in re.findall(r"round\(s\), ([\d.e+]+) s", note))
        factor = float(
            re.search(
                r"a run ([\d.]+)x as long as with all of them, slowed to keep its pairs' expected "
                r"faults within the error budget",
                note,
            ).group(1)
        )
        assert factor == pytest.approx(chosen_s / given_s, rel=0.01) and factor > 1


def test_one_shared_pair_of_a_trillion_gate_run_is_not_slowed_for_a_wait_it_never_has():
    """By hand: the cat-entangler uses its one pair at the first CX, at t = 0, so the run waits for the pair (~1/r =
    1e3 s) and the pair waits for nothing: F = 1 at use, no remote fault, 5e4 + ~1e3 s, feasible with the link as
    given. simulate_execution agrees at 10^4 CX with every time scaled by 1e-8 (20 seeds: F = 1.0 at use as given
    and as operated; 5.13e4 s as given, 2.39e6 s as operated, scaled back). The estimate instead prices the pair at
    a one-pair buffer's steady wait over the run's one interval (4.9e4 s: F = 0.93, 0.07 faults > 1e-3): main read
    infeasible at 5.1e4 s; round 41's search slows the link 37x to meet the budget (1.9e6 s, feasible). Either way
    a run with max_runtime_s = 1e5 reads wrong; this test passes once the first pair's wait is priced from its use."""
    r = _trillion_gate_run()
    assert r.feasible and r.wall_clock_s < 1e5 and r.links[0].active_rate_hz is None


def test_a_relay_routes_remote_share_tries_more_purification_rounds_of_its_end_to_end_pairs():
    """Two surface-code QPUs joined through a relay by two hops of F = 0.9, with target_fidelity = 0.8: the route's
    pairs (F = 0.813 end to end) fail the remote share. Old behaviour: "fix: raw pair fidelity ... on each hop" only;
    "or more purification rounds" was tried for direct links alone (its ceiling read from the one link's raw
    fidelity). The route's end QPUs purify its end-to-end pairs, so the ceiling is the route's raw pairs'
    (relay_route_fidelity): the rounds are now offered, estimated again, and named as working; applied as printed,
    the estimate clears the remote share."""
    q = preset("qubit_gate_ns_e3", surface_code=SurfaceCode(max_distance=15), logical_qubits=4)
    hops = [
        Link((0, 2), rate_hz=1e6, fidelity=0.9, latency_s=1e-5),
        Link((2, 1), rate_hz=1e6, fidelity=0.9, latency_s=1e-5),
    ]

    def run(target):
        return estimate(
            "REPEAT 10 {\n CX 0 2\n}\nM 0 2\n",
            [q, q],
            hops,
            placement=[0, 0, 1, 1],
            error_budget=0.1,
            target_fidelity=target,
        )

    (reason,) = [r for r in run(0.8).reasons if r.startswith("remote error: link 0-1 ")]
    fix = reason.split("; fix: ")[1]
    works = fix.split("; tried, and not enough")[0]
    m = re.search(
        r"more purification rounds at QPUs 0 and 1 of the route's end-to-end pairs \(raw F = ([\d.]+); "
        r"target_fidelity = ([\d.]+)\)",
        works,
    )
    assert m and fix.endswith("(estimated again with each)"), reason
    assert f"{relay_route_fidelity(hops):.6g}" == m.group(1)
    again = run(float(m.group(2)))
    assert not any(r.startswith("remote error: link 0-1 ") for r in again.reasons), again.reasons
    (route,) = [lr for lr in again.links if lr.qpus == (0, 1)]
    assert route.route == [0, 2, 1] and route.purification_rounds > 0


def test_remote_merges_on_one_qubit_set_an_error_corrected_runs_logical_depth():
    """1,000 remote CX on one qubit pair of two surface-code QPUs (d = 15, a 6 us logical cycle) over a link fast
    enough never to wait. Old behaviour: the run was the Azure depth of its two measurements, 2 logical cycles
    (12 us), "feasible" under a 0.1 ms limit, though each remote CX is a lattice-surgery merge of one logical cycle
    (its d (2d - 1) pairs are priced so) and a patch is in one merge at a time: 6 ms. Now the depth is at least the
    merges of the busiest qubit, with a note, and the limit is refused."""
    q = preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), logical_qubits=4)
    link = Link((0, 1), rate_hz=1e12, fidelity=0.999)
    r = estimate("REPEAT 1000 {\n CX 0 2\n H 0\n}\nM 0 2\n", [q, q], [link], placement=[0, 0, 1, 1], max_runtime_s=1e-4)
    ec = r.error_corrected
    assert r.remote_gates == 1000 and r.bell_pairs == 1000 * ec.code_distance * (2 * ec.code_distance - 1)
    assert ec.logical_cycles >= 1000 and r.wall_clock_s >= 1000 * ec.logical_cycle_s
    assert not r.feasible and any(x.startswith("runtime: ") for x in r.reasons), r.reasons
    assert any("1,000 lattice-surgery merges" in n for n in r.notes), r.notes


def test_a_logical_summarys_remote_merges_bound_its_depth_by_its_busiest_qpu():
    """A logical summary of 10^6 two-qubit gates spread over 100 qubits on two QPUs of 60 (about half of them remote)
    and 100 measurements. Old behaviour: 100 logical cycles (1 ms), and "link 0-1 must deliver 6.07e+11 raw pairs/s"
    for that run, where ~5 x 10^5 merges over 50 patches a side take ~10^4 cycles whatever the link. Now the depth is
    at least the remote operations at the busiest QPU over its qubits (a summary has no per-qubit counts)."""
    q = preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), logical_qubits=60)
    link = Link((0, 1), rate_hz=1e12, fidelity=0.999)
    r = estimate(LogicalSummary(logical_qubits=100, two_qubit_count=10**6, measurement_count=100), [q, q], [link])
    ec = r.error_corrected
    busiest = max(r.qubits_per_qpu)
    assert r.remote_gates > 4 * 10**5
    assert ec.algorithmic_logical_depth >= r.remote_gates / busiest
    assert r.wall_clock_s >= r.remote_gates / busiest * ec.logical_cycle_s


def test_t_factories_of_a_1e15_t_gate_run_count_whole_runs_exactly():
    """Checked right and kept: 10^15 T gates on qubit_gate_us_e4 (budget 1e-6) need 15 factories. The Azure
    estimator (qsharp 1.31) reports 14 with 71,428,571,428,572 runs each, but only 71,428,571,428,571 whole runs of
    193.2 ms fit in the 10^15 cycles of 13.8 ms (its count rounds a float ratio at 14.0000000000000084): 14 would
    deliver 999,999,999,999,994 states in the run. The count here is integer picoseconds: every T state is ready
    within the run."""
    q = preset("qubit_gate_us_e4", surface_code=SurfaceCode(max_distance=50))
    r = estimate(LogicalSummary(logical_qubits=100, t_count=10**15), q, error_budget=1e-6)
    ec = r.error_corrected
    tf = ec.t_factory
    (factories,) = tf.factories_per_qpu
    run_ps = ec.logical_cycles * round(ec.logical_cycle_s * 1e12)
    whole_runs = run_ps // round(tf.duration_s * 1e12)
    assert factories * whole_runs * tf.output_states_per_run >= ec.t_states == 10**15
    assert (factories - 1) * whole_runs * tf.output_states_per_run < 10**15
    assert factories == 15 and tf.runs_per_factory <= whole_runs
