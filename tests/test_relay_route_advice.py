"""A direct link that a relay route beats on some counts but not on all is kept (choosing between the two would make
a better link lengthen some runs: tests/test_hypothesis_round2.py), but the report must not keep quiet when the run
without it is the better one. Old behaviour: a 1 kHz link of 0.5 us latency beside a 100 kHz route of 1 us made a
16 us run take 1 ms, and nothing in the report said that the route was there. The oracles: the same estimate with
the link left out (the run the note describes, priced independently), and simulate_execution of both runs."""

import statistics

import pytest

from qnsim.estimate import QPU, Link, estimate, simulate_execution
from qnsim.estimate.estimator import ROUTE_COUNTS, dominated_links, route_comparisons
from qnsim.estimate.report import human_time

QPU_ = QPU(t_1q_s=5e-8, t_2q_s=5e-8, e_1q=1e-4, e_2q=1e-4, e_meas=1e-4)
JOB = "CX 0 1\nCX 0 1\nCX 3 0\nH 0\n"
PLACEMENT = [0, 0, 0, 2]
ROUTE = [Link((0, 1), rate_hz=1e5, fidelity=0.99), Link((1, 2), rate_hz=1e5, fidelity=0.99, latency_s=1e-6)]


def _estimate(links):
    return estimate(JOB, [QPU_] * 3, links, placement=PLACEMENT, error_budget=1e-3)


def _advice(report):
    return [n for n in report.notes if "on some counts but not on all" in n]


def test_a_kept_link_that_a_route_beats_on_rate_and_fidelity_names_the_run_over_the_route():
    direct = Link((0, 2), rate_hz=1e3, fidelity=0.9, latency_s=5e-7)  # quicker than the route's 1 us, slower, noisier
    report, over_route = _estimate([*ROUTE, direct]), _estimate(ROUTE)
    assert [lr.route for lr in report.links] == [[0, 2]]  # kept: the choice is unchanged
    assert [lr.route for lr in over_route.links] == [[0, 1, 2]]
    assert over_route.wall_clock_s < report.wall_clock_s / 10
    (note,) = _advice(report)
    assert "link 0-2 (route 0-1-2: better on rate and fidelity, worse on latency)" in note
    assert f"would be {over_route.verdict}, {human_time(over_route.wall_clock_s)}" in note
    assert f"{over_route.remote_error_expected:.3g} expected remote faults" in note
    assert note.endswith("to run over the route, leave the link out")
    # The advice is real: simulated, the run over the route is the shorter one, seed by seed.
    with_link = [simulate_execution(JOB, [QPU_] * 3, [*ROUTE, direct], PLACEMENT, seed=s).wall_clock_s
                 for s in range(5)]  # fmt: skip
    without = [simulate_execution(JOB, [QPU_] * 3, ROUTE, PLACEMENT, seed=s).wall_clock_s for s in range(5)]
    assert max(without) < min(with_link)
    assert statistics.median(without) < statistics.median(with_link) / 10


def test_no_advice_where_the_run_without_the_link_is_not_better():
    """A 10 MHz link of F = 0.98 beside the 100 kHz route of F ~ 0.98: faster, a little noisier; the run over the
    route is slower, so the kept link gets no note."""
    direct = Link((0, 2), rate_hz=1e7, fidelity=0.97, latency_s=5e-7)
    (path, signs), = route_comparisons({lk.key: lk for lk in [*ROUTE, direct]}, [(0, 2)]).values()
    assert path == [0, 1, 2] and min(signs) < 0 < max(signs)  # contested: better fidelity, worse rate and latency
    report, over_route = _estimate([*ROUTE, direct]), _estimate(ROUTE)
    assert not (over_route.feasible and not report.feasible)
    assert report.feasible != over_route.feasible or over_route.wall_clock_s >= report.wall_clock_s
    assert not _advice(report)


def test_a_dominated_link_is_routed_around_as_before_and_gets_no_advice():
    direct = Link((0, 2), rate_hz=1e3, fidelity=0.9, latency_s=1e-6)  # the route matches its latency: dominated
    assert dominated_links({lk.key: lk for lk in [*ROUTE, direct]}) == {(0, 2): [0, 1, 2]}
    report = _estimate([*ROUTE, direct])
    assert [lr.route for lr in report.links] == [[0, 1, 2]]
    assert any(n.startswith("relay routes match or beat link 0-2") for n in report.notes)
    assert not _advice(report)


@pytest.mark.parametrize("latency_s", [0.0, 2e-7, 5e-7, 9e-7])
def test_the_advice_names_each_count_as_route_comparisons_signs_it(latency_s):
    links = {lk.key: lk for lk in [*ROUTE, Link((0, 2), rate_hz=1e3, fidelity=0.9, latency_s=latency_s)]}
    (path, signs), = route_comparisons(links, [(0, 2)]).values()
    # The route's figures against the link's, worked out here: rate (two 100 kHz hops: 1 / (1/r + 1/r - 1/2r) =
    # 66.7 kHz > 1 kHz), fidelity (two swapped pairs of 0.99, ~0.98 > 0.9), latency (1 us > the link's), no memories.
    assert signs == (1, 1, -1, 0, 0) and len(signs) == len(ROUTE_COUNTS)
    (note,) = _advice(_estimate(list(links.values())))
    assert "better on rate and fidelity, worse on latency" in note


def test_estimate_plan_still_uses_the_kept_link():
    """simulate_execution's plan (estimate_plan) keeps the contested link as the estimate does."""
    from qnsim.estimate.estimator import estimate_plan
    from qnsim.estimate.placement import placement_from_mapping
    from qnsim.estimate.workload import Workload

    links = {lk.key: lk for lk in [*ROUTE, Link((0, 2), rate_hz=1e3, fidelity=0.9, latency_s=5e-7)]}
    placement = placement_from_mapping(PLACEMENT, 4, 3)
    _, used, routed_around = estimate_plan(Workload(JOB), [QPU_] * 3, links, placement=placement,
                                           target_fidelity=None, purification="dejmps", cat_entangler=True)
    assert (0, 2) in used and routed_around == {}
