"""Estimator audit 58: audit 57's two open items, measured; neither is fixed here.

1. Audit 55's two tight links (``test_two_tight_links_priced_above_their_simulation_within_the_allowance``) are still
   priced above their simulation beyond noise: the split of a link's buffer places between stored pairs and pairs
   still in purification rounds (audit 57's diagnosis) is not modelled yet. The gap is stated below as a strict
   xfail, so the test flips when the model lands.

2. The expected-latest bound (``estimator._expected_latest_bound_s``) holds whatever the links' dependence, and is 6%
   cautious on audit 57's chain. The natural tightening for delays that rise and fall together (positively
   associated delays: P(all <= t) >= product of P(each <= t), so the expected latest is at most that of independent
   delays of the same marginals) prices the star of audit 57 at 0.01882 s, below its simulation (0.01918 +- 0.00012 s
   over 200 seeds): the (mean, spread) the estimator gives each link's delay understate the star's latest, so the
   association bound is not safe on these inputs and the dependence-free bound stays. The chain would move from
   0.02021 s to 0.01965 s (0.01903 +- 0.00019 simulated).

3. Found here: a route whose first hop is shared with another QPU pair's link, the hop's load under half the run, is
   priced 4.3 standard errors short of its simulation, and no note said so (the shared-links note named hops at half
   the run or more only). Now a note names it; the price itself is not changed.

Each comparison with ``simulate_execution`` uses small seeded runs and tolerances in standard errors.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from test_estimate_audit55 import TIGHT_LINKS, tight_link_fidelity

import qnsim.estimate.estimator as est
from qnsim.estimate import QPU, Link, estimate, operated_links, simulate_execution

# -- 1. audit 55's two tight links, still above their simulation ------------------------------------------------


@pytest.mark.xfail(strict=True, reason="buffer places not split between stored pairs and pairs in rounds (audit 57)")
@pytest.mark.parametrize("rate_hz, latency_s, buffer_pairs, target", TIGHT_LINKS)
def test_two_tight_links_priced_within_noise_of_their_simulation(rate_hz, latency_s, buffer_pairs, target):
    """The goal audit 55 pinned: F at use priced within 3 standard errors of the simulated mean (12 seeds). Now
    (audit 55's figures, unchanged here) the 50 kHz link of 8 pairs prices 0.97283 against 0.97161 +- 1.6e-4 and the
    100 kHz link of 6 pairs 0.97581 against 0.97517 +- 1.4e-4. Audit 57's diagnosis: the rounds' upper levels wait
    longer for partners than the flow-controlled gap prices (100 kHz link, levels 0-3: 11.0 / 23.6 / 51.5 / 106.5 us
    priced, 10.0 / 27.4 / 67.4 / 151.4 us simulated) and the 50 kHz link's pairs wait 0.267 ms in the buffer, not
    the 0.237 ms priced."""
    priced, mean, err = tight_link_fidelity(rate_hz, latency_s, buffer_pairs, target)
    assert priced >= mean - 3 * err, (priced, mean, err)  # Cautious-or-within-noise, as every estimator test asks.
    assert priced <= mean + 3 * err, (priced, mean, err)


# -- 2. why the expected-latest bound is not tightened ------------------------------------------------------------

_HUB_GATES = (1e-6, 1e-4, 1e-5, 1e-6)
_STAR = ((0, 1), (0, 2), (0, 3))


def _star():
    """Audit 57's star: a 1 us hub linked at 3 kHz (8-pair buffers) to QPUs of 100, 10 and 1 us gates."""
    qpus = [QPU(num_qubits=4, t_1q_s=t, t_2q_s=t, t_meas_s=t) for t in _HUB_GATES]
    links = [Link(k, rate_hz=3e3, fidelity=0.95, memory_t1_s=0.05, memory_t2_s=0.05, buffer_pairs=8) for k in _STAR]
    text = "REPEAT 50 {\n" + "\n".join(f" CX {a} {b}\n H {b}" for a, b in _STAR) + "\n}"
    return text, qpus, links


def _independent_latest_s(delays) -> float:
    """Monte Carlo expected latest of independent normal delays (s), seeded: the bound for associated delays."""
    rng = np.random.default_rng(58)
    draws = np.column_stack([rng.normal(m, s, 400_000) if s > 0 else np.full(400_000, m) for m, s in delays])
    return float(draws.max(axis=1).mean())


def test_the_dependence_free_bound_is_above_the_independent_latest():
    """The bound holds whatever the dependence, so it is never below independent delays' expected latest (numpy)."""
    for delays in ([(2e-3, 5e-4)] * 3, [(1e-2, 1e-3), (1.1e-2, 2e-3), (9e-3, 5e-4)], [(5e-3, 0.0), (4e-3, 1e-3)]):
        assert est._expected_latest_bound_s(delays) >= _independent_latest_s(delays) - 2e-6, delays


def test_the_association_bound_would_price_the_star_below_its_simulation(monkeypatch):
    """Audit 57's star, its latest-delay bound replaced by the expected latest of independent delays (what positive
    association of the delays would allow): priced 0.01882 s where the dependence-free bound prices 0.01939 s and
    the simulation takes 0.01918 +- 0.00012 s (200 seeds). Here: below the simulated mean over 24 seeds, so this
    tightening would break audit 57's rule never to price the star below its simulation."""
    text, qpus, links = _star()
    report = estimate(text, qpus, links, placement=[0, 1, 2, 3])
    runs = [simulate_execution(text, qpus, operated_links(report, links), placement=[0, 1, 2, 3], seed=s).wall_clock_s
            for s in range(24)]
    mean = statistics.fmean(runs)
    monkeypatch.setattr(est, "_expected_latest_bound_s", _independent_latest_s)
    tightened = estimate(text, qpus, links, placement=[0, 1, 2, 3]).wall_clock_s
    assert tightened < report.wall_clock_s, (tightened, report.wall_clock_s)
    assert tightened < mean, (tightened, mean)
    assert report.wall_clock_s >= mean, (report.wall_clock_s, mean)


# -- 3. found here: a route's hop shared below half the run is priced short; now a note says so ------------------

_LINE_GATES = (1e-4, 1e-6, 1e-6)


def test_a_route_sharing_a_quiet_hop_is_priced_within_noise_or_says_so():
    """QPUs of 100, 1 and 1 us gates in a line, links 0-1 at 20 kHz and 1-2 at 2 kHz (4-pair buffers), 40 x (CX 0 2;
    3 x H 0; CX 0 1): hop 0-1 carries both QPU pairs' pairs (the route 0-1-2 holds one while it waits for 1-2). Found
    here: priced 0.02061 s against 0.02275 +- 0.00050 s simulated (16 seeds, 4.3 standard errors short), and no note
    says so, as the shared-links note (``_Context._shared_links_note``) names a shared hop only when its load takes
    half the run or more (this one's takes 4 ms), and only then bounds the run from above for a runtime limit.
    Without the CX 0 1 (no sharing) the price is within noise (0.02018 against 0.02027 +- 0.00055). Now a note names
    every shared hop a multi-hop route holds ("links shared by a route and other QPU pairs"); the price is unchanged
    (the turns are not modelled); audit 59 judges a runtime limit by the note's upper bound here too."""
    qpus = [QPU(num_qubits=4, t_1q_s=t, t_2q_s=t, t_meas_s=t) for t in _LINE_GATES]
    links = [Link(k, rate_hz=r, fidelity=0.99, memory_t1_s=1, memory_t2_s=1, buffer_pairs=4)
             for k, r in (((0, 1), 2e4), ((1, 2), 2e3))]
    text = "REPEAT 40 {\n CX 0 2\n H 0\n H 0\n H 0\n CX 0 1\n}"
    report = estimate(text, qpus, links, placement=[0, 1, 2], error_budget=0.99)
    runs = [simulate_execution(text, qpus, operated_links(report, links), placement=[0, 1, 2], seed=s).wall_clock_s
            for s in range(16)]
    mean, err = statistics.fmean(runs), statistics.stdev(runs) / math.sqrt(len(runs))
    noted = any("shared" in n for n in report.notes)
    assert noted or report.wall_clock_s >= mean - 3 * err, (report.wall_clock_s, mean, err, report.notes)
    assert any(n.startswith("links shared by a route and other QPU pairs: 0-1 (2 QPU pairs") for n in report.notes)
