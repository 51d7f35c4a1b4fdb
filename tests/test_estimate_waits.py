"""Random storage waits inside purification: the estimator prices the mean decay over the wait's law,
E[exp(-2W/T)], and is checked against simulate_execution, which draws the waits."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from qnsim.estimate import (
    QPU,
    Link,
    PairStorage,
    estimate,
    purification_plan,
    relay_cycle_s,
    simulate_execution,
)

IDEAL = QPU(num_qubits=1, e_1q=0, e_2q=0, e_meas=0)
NOISY = QPU(num_qubits=1, e_1q=1e-3, e_2q=1e-3, e_meas=1e-3)


def test_first_rounds_wait_factor_is_the_mean_over_the_gap():
    """A raw pair waits one gap of its source for its partner: E[exp(-aW)] is 1 / (1 + a m) for
    exponential gaps of mean m, p e^{-aT} / (1 - (1 - p) e^{-aT}) for attempts of period T succeeding with
    p, and for a relay route the mean over one cycle of its hops; each against a Monte Carlo of the gaps.
    The rule before priced exp(-a m) for every source, the least of all laws of mean m (Jensen)."""
    rng = np.random.default_rng(1)
    a = 2 / 0.02
    poisson = PairStorage(0.02, 0.02, raw_interval_s=1e-3)
    geometric = PairStorage(0.02, 0.02, raw_interval_s=1e-3, attempt_period_s=2e-4)
    route = PairStorage(0.02, 0.02, raw_interval_s=relay_cycle_s([2e3, 1e3]), relay_hop_rates_hz=(2e3, 1e3))
    gaps = {
        poisson: rng.exponential(1e-3, 400_000),
        geometric: rng.geometric(0.2, 400_000) * 2e-4,
        route: np.maximum(rng.exponential(1 / 2e3, 400_000), rng.exponential(1 / 1e3, 400_000)),
    }
    for storage, w in gaps.items():
        g = np.exp(-a * w)
        assert storage.wait_factor(a) == pytest.approx(g.mean(), abs=4 * g.std() / math.sqrt(len(g)))
        assert storage.wait_factor(a) > math.exp(-a * storage.raw_interval_s)
    assert poisson.wait_factor(a) == pytest.approx(1 / 1.1, rel=1e-15)
    assert geometric.wait_factor(a) < poisson.wait_factor(a)  # less spread, more decay


def test_a_links_source_sets_its_gaps():
    """PairStorage.of: a rate-only link is a Poisson source; one channel of heralded attempts is geometric;
    several channels of attempts are priced at their mean gap (their superposition is neither law, and the
    mean decays most); a relay route's virtual link carries its hop rates."""
    mem = {"memory_t1_s": 0.1, "memory_t2_s": 0.1}
    assert PairStorage.of(Link((0, 1), rate_hz=1e3, fidelity=0.9, **mem)).attempt_period_s is None
    one = PairStorage.of(Link((0, 1), rate_hz=1e3, fidelity=0.9, success_probability=0.1, attempt_period_s=1e-4,
                              **mem))
    assert one.attempt_period_s == 1e-4
    many = PairStorage.of(Link((0, 1), rate_hz=1e3, fidelity=0.9, success_probability=0.1, attempt_period_s=1e-4,
                               channels=4, **mem))
    assert many.attempt_period_s == many.raw_interval_s == 2.5e-4
    assert many.wait_factor(20.0) == pytest.approx(math.exp(-20.0 * 2.5e-4), rel=1e-15)
    with pytest.raises(ValueError, match="relay_hop_rates_hz"):
        PairStorage(0.1, 0.1, 1e-3, relay_hop_rates_hz=(1e3, 0.0))
    with pytest.raises(ValueError, match="not both"):
        PairStorage(0.1, 0.1, 1e-3, attempt_period_s=1e-4, relay_hop_rates_hz=(1e3, 1e3))
    with pytest.raises(ValueError, match="attempt_period_s"):
        PairStorage(0.1, 0.1, 1e-3, attempt_period_s=2e-3)  # an attempt per period cannot be rarer than 1/period
    with pytest.raises(ValueError, match="relay_hop_rates_hz"):
        Link((0, 1), rate_hz=1e3, fidelity=0.9, relay_hop_rates_hz="fast")


CASES = [
    # (id, QPU, link on top of 1 kHz, target fidelity, simulated supply, estimate before)
    ("F0.8-20ms", IDEAL, {"fidelity": 0.8, "memory_t1_s": 0.02, "memory_t2_s": 0.02}, 0.835, "poisson", None),
    ("F0.9-50ms", IDEAL, {"fidelity": 0.9, "memory_t1_s": 0.05, "memory_t2_s": 0.05}, 0.95, "poisson", 0.956911),
    ("geometric", IDEAL, {"fidelity": 0.9, "memory_t1_s": 0.05, "memory_t2_s": 0.05, "success_probability": 0.5,
                          "attempt_period_s": 5e-4}, 0.95, "geometric", 0.956911),
    ("T1-not-T2", IDEAL, {"fidelity": 0.9, "memory_t1_s": 0.3, "memory_t2_s": 0.1}, 0.95, "poisson", 0.981718),
    ("noisy-latency", NOISY, {"fidelity": 0.9, "latency_s": 1e-4, "memory_t1_s": 0.2, "memory_t2_s": 0.2}, 0.95,
     "poisson", 0.975344),
]


@pytest.mark.parametrize("qpu, extra, target, supply, before", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_purified_pairs_match_simulation(qpu, extra, target, supply, before):
    """Link-bound remote CNOTs on a purified 1 kHz link: the estimate's fidelity at use against the mean
    of four simulated runs of 1500 pairs, within 4 of their standard errors (measured: -3.0, 0.0, 2.1, -0.3
    and 1.2 with six runs of 2000; 0.1 for the geometric link with sixteen of 4000). Before, the waits were
    priced at their means: F = 0.8 with 20 ms memories could not reach 0.835 (ceiling 0.833257; 0.840817
    now, 0.8420 simulated), and with 50 ms memories the pairs were priced at 0.956911 against 0.957717
    simulated, 6.6 standard errors low."""
    links = [Link((0, 1), rate_hz=1e3, **extra)]
    est = estimate("REPEAT 10 {\nCX 0 1\nH 0\n}", [qpu, qpu], links, placement=[0, 1], target_fidelity=target,
                   error_budget=0.99)
    (lr,) = est.links
    assert lr.purification_rounds == 2 and lr.fidelity_at_use >= target
    runs = [
        simulate_execution("REPEAT 1500 {\nCX 0 1\nH 0\n}", [qpu, qpu], links, placement=[0, 1],
                           target_fidelity=target, seed=seed, supply=supply).mean_fidelity_at_use[(0, 1)]
        for seed in range(1, 5)
    ]
    simulated, se = statistics.mean(runs), statistics.stdev(runs) / 2
    assert abs(lr.fidelity_at_use - simulated) < 4 * se
    if before is not None and supply == "poisson" and extra.get("memory_t2_s") == 0.05:
        assert simulated - before > 4 * se  # the rule before, outside the simulation's error


def test_a_target_the_mean_wait_rule_called_unreachable_is_met():
    """F = 0.8 raw pairs at 1 kHz in 20 ms memories, target 0.838. With the waits at their means the rounds
    peaked at 0.833257 (infeasible); priced over the exponential gaps they reach 0.840817 in two rounds, and
    the simulated pairs are used at 0.8420 (test_purified_pairs_match_simulation). A source with geometric
    gaps of the same mean (p = 0.9) spreads them less: its inputs decay more (0.836407) and 0.838 stays out
    of reach."""
    poisson = purification_plan(0.8, 0.838, storage=PairStorage(0.02, 0.02, 1e-3))
    assert poisson.feasible and poisson.rounds == 2 and poisson.fidelity == pytest.approx(0.840817, abs=1e-6)
    regular = purification_plan(0.8, 0.838, storage=PairStorage(0.02, 0.02, 1e-3, attempt_period_s=9e-4))
    assert not regular.feasible and "reach at most" in regular.reason


def test_a_geometric_link_is_priced_below_its_poisson_simulation():
    """A link that gives success_probability and attempt_period_s is priced with geometric gaps, which are less
    spread than exponential ones of the same mean: simulated as a Poisson source, its pairs come out better than
    priced (the estimate errs low for it), 0.957405 against 0.9577."""
    extra = {"fidelity": 0.9, "memory_t1_s": 0.05, "memory_t2_s": 0.05}
    geometric = Link((0, 1), rate_hz=1e3, success_probability=0.5, attempt_period_s=5e-4, **extra)
    poisson = Link((0, 1), rate_hz=1e3, **extra)
    workload = "REPEAT 10 {\nCX 0 1\nH 0\n}"
    f_geo, f_poi = (estimate(workload, [IDEAL, IDEAL], [lk], placement=[0, 1], target_fidelity=0.95,
                             error_budget=0.99).links[0].fidelity_at_use for lk in (geometric, poisson))
    assert f_geo == pytest.approx(0.957405, abs=1e-6) and f_geo < f_poi
