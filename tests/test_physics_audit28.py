"""Physics audit, round 28: closed forms at the edges of their parameter ranges.

Each test states its closed form, derived here, and compares qnsim's figure to it. Round 28 found and fixed, in
Python: qnsim.dejmps at success probability 0 (NaN weights and a RuntimeWarning; now the native round's answer),
the entangled column of a request through a separable link at F = 1/2 ("partly" for pairs that are all separable),
results._gamma_quantile above its exact range (any p read as 2.5% or 97.5%), and the digits of an infeasible
purification plan's reason (raw F = 0.5000001 read 0.5); and in the core: the bell_diagonal concurrence of a
Werner pair at F = 1/2 read 2.2e-16, not 0 (now 0 below the density-matrix engine's zero). The other tests are
oracles that found no defect (the buffered link's time per pair, the rate intervals' coverage over seeds, geometric
draws at tiny p); they fail if the figures they pin change.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from stats import assert_binomial, assert_normal

import qnsim
from qnsim.estimate import buffered_link_time_s
from qnsim.link_models import LinkModel, dejmps


@pytest.mark.parametrize(
    "kept, sacrificed",
    [
        ((1, 0, 0, 0), (0, 1, 0, 0)),
        ((0, 1, 0, 0), (1, 0, 0, 0)),
        ((0, 0, 1, 0.0), (0, 0, 0, 1)),
        ((0.5, 0, 0.5, 0), (0, 0.5, 0, 0.5)),
    ],
)
def test_a_dejmps_round_whose_outcomes_never_agree_keeps_no_pair_as_the_native_round_says(kept, sacrificed):
    """DEJMPS on pairs whose Z-parities after the rotations always differ: success probability 0.

    Closed form (Deutsch et al. 1996, order (Phi+, Psi+, Psi-, Phi-) = (A, C, B, D)): N = (A1 + B1)(A2 + B2) +
    (C1 + D1)(C2 + D2) = 0 for these inputs. The kept weights are then undefined; the Python closed form must agree
    with the native round (p = 0, weights (1, 0, 0, 0)) rather than return NaN with a RuntimeWarning (an error
    under pytest's warning filter).
    """
    a1, c1, b1, d1 = kept
    a2, c2, b2, d2 = sacrificed
    assert (a1 + b1) * (a2 + b2) + (c1 + d1) * (c2 + d2) == 0
    out, p = dejmps(kept, sacrificed)
    native_p, native_kept = qnsim.bell_diagonal_purify(kept, sacrificed, "dejmps")
    assert p == native_p == 0.0
    assert np.all(np.isfinite(out))
    assert out.tolist() == list(native_kept) == [1.0, 0.0, 0.0, 0.0]


# ---- the buffered link's time per consumed pair ------------------------------------------------------------


@pytest.mark.parametrize("x, buffer_pairs", [(1.0, 1), (1.0, 8), (0.8, 4), (2.0, 2), (1.3, 16)])
def test_buffered_link_time_is_the_stationary_mean_of_the_buffer_it_describes(x, buffer_pairs):
    """qnsim.estimate.buffered_link_time_s against a direct Monte Carlo of the model its docstring states.

    Model: the consumer works tau = compute_s / pairs per pair, the link makes pairs as a Poisson process of rate r
    and pauses while its B memories are full (memoryless, so the arrivals during a gap are Poisson(r tau) capped at
    B), and on an empty buffer the consumer waits one exponential gap. Closed form: time per pair tau + pi_0
    exp(-r tau) / r with pi the stationary law of the level after a consumption; B = 1 gives pi_0 = 1 exactly.
    Here 2,000 independent chains, 1,000 consumptions each after 1,000 of burn-in, at x = r tau; the tolerance is
    5 standard errors of the chains' means.
    """
    rate_hz, pairs = 1e6, 1000
    tau = x / rate_hz
    expected = buffered_link_time_s(pairs, pairs * tau, rate_hz, buffer_pairs) / pairs
    if buffer_pairs == 1:
        assert expected == pytest.approx(tau + math.exp(-x) / rate_hz, rel=1e-12)
    rng = np.random.default_rng(11)
    chains, burn, steps = 2000, 1000, 1000
    level = np.zeros(chains, dtype=np.int64)
    total = np.zeros(chains)
    for step in range(burn + steps):
        level = np.minimum(buffer_pairs, level + rng.poisson(x, chains))
        empty = level == 0
        wait = np.where(empty, rng.exponential(1 / rate_hz, chains), 0.0)
        level = np.where(empty, 1, level) - 1
        if step >= burn:
            total += tau + wait
    per_pair = total / steps
    sigma = per_pair.std(ddof=1) / math.sqrt(chains)
    assert_normal(per_pair.mean(), expected, sigma, what=f"time per pair at r tau = {x}, B = {buffer_pairs}")


# ---- what a run's rate interval covers -----------------------------------------------------------------------


def _one_slot_link_run(seed: int, p: float, period_s: float, until_s: float, num_pairs: int | None = None):
    """A hand-built single-click link model over 0 km: no herald delay, so attempt k (k = 0, 1, ...) starting at
    k T delivers at k T with probability p, independently, and the next attempt starts one period later."""

    link = LinkModel("single_click", success_probability=p, attempt_period_s=period_s, fidelity=0.9)
    net = qnsim.Network("bell_diagonal", seed=seed)
    for name in "ab":
        net.add_node(name, num_memories=1)
    net.add_link("a", "b", length_km=0.0, link_model=link)
    net.request("a", "b", num_pairs=num_pairs)
    return net.run(until_s=until_s, progress=False).requests[0]


def _gamma_cdf(shape: int, x: float) -> float:
    """P(Gamma(shape, 1) <= x) for integer shape: 1 - P(Poisson(x) <= shape - 1)."""
    term = total = math.exp(-x)
    for k in range(1, shape):
        term *= x / k
        total += term
    return 1.0 - total


def test_a_fixed_windows_rate_interval_covers_the_true_rate_as_often_as_the_exact_count_law_says():
    """rate_interval95 of an open request over a fixed window W: the Garwood interval of the count.

    Closed form: with no herald delay the attempts at 0, T, ..., W (W / T + 1 of them, the window closed at both
    ends) succeed independently, so the count n is Binomial(W / T + 1, p); the interval covers the true rate p / T
    exactly when G(n, 0.025) <= p W / T <= G(n + 1, 0.975) (G the gamma quantiles; G(0, .) = 0), so the coverage is
    the binomial sum of those n, computed here from the gamma law itself (not qnsim's quantile code). Over 400 seeds
    the covered fraction must be that coverage within 5 binomial sigma.
    """

    p, period_s, slots = 0.01, 1e-6, 2000
    until_s = slots * period_s
    mu = p * slots  # the true rate times the window
    trials = slots + 1
    coverage = 0.0
    for n in range(0, 120):
        # Covered: mu at or above the 2.5% quantile of Gamma(n) and at or below the 97.5% quantile of Gamma(n + 1).
        low_ok = n == 0 or _gamma_cdf(n, mu) >= 0.025
        high_ok = _gamma_cdf(n + 1, mu) <= 0.975
        if low_ok and high_ok:
            coverage += math.comb(trials, n) * p**n * (1 - p) ** (trials - n)
    assert 0.95 <= coverage < 0.99
    covered = 0
    seeds = 400
    for seed in range(seeds):
        r = _one_slot_link_run(seed, p, period_s, until_s)
        assert r.window_s == pytest.approx(until_s, rel=1e-12)
        low, high = r.rate_interval95
        covered += low <= p / period_s <= high
    assert_binomial(covered, seeds, coverage, what="fixed-window intervals that hold p / T")


def test_a_served_requests_rate_interval_is_the_nth_arrivals_and_covers_as_its_law_says():
    """rate_interval95 of a request served by its n-th pair: the window is the n-th arrival's time.

    Closed form: with no herald delay the first pair comes at (k_1 - 1) T and the others k_i T later (k_i
    geometric on 1, 2, ... with p), so the window is (m - 1) T with m = sum k_i negative binomial:
    P(m) = C(m - 1, n - 1) p^n (1 - p)^(m - n). The interval (G(n, 0.025), G(n, 0.975)) / W covers p / T when the
    gamma law of shape n puts p (m - 1) between its quantiles; the coverage is that sum over m (about 0.95, the
    gamma law being the continuous limit). Over 400 seeds, within 5 binomial sigma.
    """

    p, period_s, n = 0.01, 1e-6, 3
    coverage = 0.0
    for m in range(n, 6000):
        x = p * (m - 1)
        if x > 0 and 0.025 <= _gamma_cdf(n, x) <= 0.975:
            coverage += math.comb(m - 1, n - 1) * p**n * (1 - p) ** (m - n)
    assert abs(coverage - 0.95) < 0.01
    covered = 0
    seeds = 400
    for seed in range(seeds):
        r = _one_slot_link_run(seed, p, period_s, 1.0, num_pairs=n)
        assert r.status == "served" and r.num_pairs == n
        low, high = r.rate_interval95
        covered += low <= p / period_s <= high
    assert_binomial(covered, seeds, coverage, what="served requests' intervals that hold p / T")


def _gamma_quantile_by_log_sums(shape: int, p: float) -> float:
    """The p quantile of Gamma(shape, 1) by bisection on the Poisson sum in logarithms (no underflow)."""

    def cdf(x: float) -> float:
        logs = [k * math.log(x) - x - math.lgamma(k + 1) for k in range(shape)]
        top = max(logs)
        return 1.0 - math.exp(top) * sum(math.exp(v - top) for v in logs)

    low, high = 0.0, 3.0 * shape + 50.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if cdf(mid) < p else (low, mid)
    return 0.5 * (low + high)


@pytest.mark.parametrize("shape", [201, 600, 2000])
@pytest.mark.parametrize("p", [0.025, 0.975, 0.5, 0.1, 0.999])
def test_the_gamma_quantile_behind_rate_intervals_is_the_p_quantile_at_large_shapes(shape, p):
    """qnsim.results._gamma_quantile above its exact range (shape > 200): the Wilson-Hilferty cube root
    shape (1 - 1/(9 shape) + z_p / (3 sqrt(shape)))^3 with z_p the normal p quantile, within its stated 1e-4.

    Before audit 28 it used z = +-1.96 whatever p was (right for the two quantiles the rate intervals ask, wrong
    for any other: the median of Gamma(600) read as its 2.5% quantile, 553 for 599.7).
    """
    from qnsim.results import _gamma_quantile

    assert _gamma_quantile(shape, p) == pytest.approx(_gamma_quantile_by_log_sums(shape, p), rel=1e-4)


# ---- the entangled verdict at the separable edge F = 1/2 -----------------------------------------------------


@pytest.mark.parametrize("formalism", ["bell_diagonal", "density_matrix"])
def test_pairs_of_a_werner_link_at_one_half_read_not_entangled_not_partly(formalism):
    """A Werner link of F = 1/2 exactly: the pair (1/2, 1/6, 1/6, 1/6) is separable (a Bell-diagonal state is
    entangled exactly when a weight exceeds 1/2; its concurrence max(0, 2 max w - 1) is 0), and so is every pair
    delivered through it.

    qnsim judges the link separable exactly (separable_links) and calls the request not entangled. The bell_diagonal
    core holds the pair at 1/2 + 1 ulp, concurrence 2.2e-16, so its count of zero-concurrence pairs is 0 of n: the
    table's entangled column read "partly" (some pairs entangled) for pairs that are all separable. It must read
    "NO" in every formalism, as the density-matrix run (concurrence 0) does, and every pair counts in
    ``unentangled``: BellPair::concurrence read the pair held at 1/2 + 1 ulp as 2.2e-16 and counted none; it now
    reads below the density-matrix engine's zero (1e-7) as 0, as that engine does.
    """
    net = qnsim.Network(formalism, seed=1)
    for name in "ab":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.5, rate_hz=1e4)
    net.request("a", "b")
    r = net.run(until_s=1e-3, progress=False).requests[0]
    assert r.num_pairs == 10
    assert r.mean_fidelity == pytest.approx(0.5, abs=1e-15)
    assert r.mean_concurrence == pytest.approx(0.0, abs=1e-15)
    assert r.separable_links and r.entangled is False
    assert r.unentangled == r.num_pairs
    assert r._entangled_text() == "NO"
    assert any(note.startswith("NOT ENTANGLED") for note in r.notes)


# ---- geometric sampling at tiny success probabilities ----------------------------------------------------------


@pytest.mark.parametrize("p, until_s", [(2e-7, 1.0), (2e-13, 1e6)])
def test_a_link_of_tiny_success_probability_heralds_within_a_window_as_often_as_its_attempts_say(p, until_s):
    """The chance that a link with p per attempt of period T heralds at least once in a window W.

    Closed form: with no herald delay the W / T + 1 attempts at 0, T, ..., W each succeed with p, so a request for
    one pair is served with probability 1 - (1 - p)^(W / T + 1) (about 0.18 here: 10^6 and 10^12 attempts). The
    geometric draw must keep p where 1 - p rounds (1 - 2e-13 holds p to about 3 digits). Over 400 seeds, within 5
    binomial sigma; the second case also runs 10^6 s, a tenth of the core's picosecond range.
    """
    period_s = 1e-6
    attempts = round(until_s / period_s) + 1
    expected = -math.expm1(attempts * math.log1p(-p))
    served = 0
    seeds = 400
    for seed in range(seeds):
        r = _one_slot_link_run(seed, p, period_s, until_s, num_pairs=1)
        served += r.num_pairs
    assert_binomial(served, seeds, expected, what=f"seeds served by a link of p = {p:g}")


# ---- what an infeasible purification plan says --------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, target, rounds, shown_raw, shown_reached",
    [
        # DEJMPS on Werner pairs near 1/2: 12 rounds lift F = 1/2 + 1e-7 to about 1/2 + 6e-6, not yet to 0.6.
        (0.5000001, 0.6, 12, "0.5000001", "0.500006"),
        # One round from 1 - 1e-7: 1 - 2/3 e (to first order), 0.99999993, short of a target 1 - 1e-14.
        (0.9999999, 0.99999999999999, 1, "0.9999999", "0.99999993"),
    ],
)
def test_an_infeasible_plan_names_its_raw_and_reached_fidelities_apart_from_the_half_and_the_target(
    raw, target, rounds, shown_raw, shown_reached
):
    """qnsim.estimate.purification_plan's reason when its rounds run out: the raw fidelity, the fidelity reached
    and the target, each with the digits that tell them apart. Closed form: one DEJMPS round on Werner pairs of
    infidelity e keeps 1 - F' = 2e/3 + O(e^2) (so 1 - 1e-7 -> 0.99999993). Before audit 28 the reason printed
    ``:g`` (six digits): "raw fidelity 0.5 reaches only 0.500006" (a raw fidelity of 1/2 can never be purified)
    and "reaches only 1 ... short of 1"."""
    from qnsim.estimate import purification_plan

    plan = purification_plan(raw, target, max_rounds=rounds)
    assert not plan.feasible and plan.rounds == rounds
    assert plan.fidelity < target
    assert plan.reason.startswith(f"raw fidelity {shown_raw} reaches only {shown_reached} after {rounds} ")
    assert plan.reason.endswith(f"short of {target!r}")
