"""User journey 24: a protocol researcher's Python cutoff and routing policies on a 1,000-node grid; a network
architect's transducer link (direct, purified, through a repeater) whose printed intervals are held to their stated
95% coverage over 200 seeds; a systems planner's `qnsim estimate --simulate` and its "fix:" applied literally."""

from __future__ import annotations

import math
import re

import networkx as nx
import numpy as np
import pytest
from physics_oracles import fidelity_of, stored
from repo_text import EXAMPLES
from script_modules import import_script

import qnsim
from qnsim.results import _serial_variance_factor, t_quantile_975


class DiscardAll(qnsim.Protocol):
    """A cutoff policy whose limit no pair meets: it discards every link pair it is given."""

    random_choices = False

    def on_pair_ready(self, node, slot, partner_slot):
        self.discard(slot)


def _grid_with_policy(protocol):
    net = qnsim.topology.grid(32, 32, length_km=1.0, fidelity=0.99, rate_hz=1e4, channels=2, seed=3)
    net.request("r5c2", "r5c6", num_pairs=2, protocol=protocol, generation="on_demand")
    return net


def test_a_policy_that_discards_every_pair_is_named_not_read_as_a_slow_path():
    # Before: "on its fixed schedule the path's first pair comes more than 1 ms after the request's
    # start", a claim about the links, when the links gave pairs on time and the policy threw them away.
    r = _grid_with_policy(DiscardAll()).run(1e-3, progress=False).requests[0]
    assert r.num_pairs == 0 and r.protocol_discards > 0 and r.protocol_name == "DiscardAll"
    text = " ".join(r.notes)
    assert f"its Python protocol (DiscardAll) discarded {r.protocol_discards} pairs" in text
    assert "first pair comes" not in text


def test_a_native_request_names_no_protocol_discards():
    net = qnsim.topology.grid(32, 32, length_km=1.0, fidelity=0.99, rate_hz=1e4, channels=2, seed=3)
    net.request("r5c2", "r5c6", num_pairs=2)
    r = net.run(1e-3, progress=False).requests[0]
    assert r.protocol_discards == 0 and r.protocol_name is None


def test_python_requests_need_link_disjoint_paths_and_routing_them_apart_works():
    # The docs now say it: requests driven by a Python protocol share no link; a Python routing step
    # (networkx, removing the links already taken) gives paths they accept.
    net = qnsim.topology.grid(32, 32, length_km=1.0, fidelity=0.99, rate_hz=1e4, channels=2, seed=3)
    net.request("r1c1", "r30c30", protocol=DiscardAll())
    with pytest.raises(ValueError, match="cannot share links"):
        net.request("r1c30", "r30c1", protocol=DiscardAll())
    g = nx.Graph(net.to_networkx())
    taken = list(zip(net.requests[0].path, net.requests[0].path[1:]))
    g.remove_edges_from(taken)
    net.request("r1c30", "r30c1", protocol=DiscardAll(), path=nx.shortest_path(g, "r1c30", "r30c1"))
    assert len(net.requests) == 2


# ---- the architect: examples/transducer_repeater.py's table over 200 seeds ------------------------------------------

_SEEDS = range(200)


_RUNS: dict[str, list[qnsim.NetworkResult]] = {}


def _network_runs(way: str) -> list[qnsim.NetworkResult]:
    """examples/transducer_repeater.py's row ``way`` at 10 km, 0.05 s each, as the script builds it, for 200 seeds
    (run once for the tests that read them)."""
    if way not in _RUNS:
        script = import_script(EXAMPLES / "transducer_repeater.py")
        _RUNS[way] = [script.run_network(10.0, way, 0.05, seed=seed) for seed in _SEEDS]
    return _RUNS[way]


def _runs(way: str) -> list[qnsim.RequestResult]:
    return [result.requests[0] for result in _network_runs(way)]


def _covered(values, halves, truth) -> float:
    return float(np.mean(np.abs(np.asarray(values) - truth) <= np.asarray(halves)))


def test_a_repeaters_fidelity_interval_covers_the_truth_at_its_stated_95_percent():
    """Old behaviour: the fidelity's "+- 95%" (``RequestResult.fidelity_ci95``) was a Student t interval over the
    pairs as independent draws, but a repeater's successive pairs share their waits (a long wait for one hop's pair
    makes the next swap's pairs old too: lag-1 autocorrelation 0.33 here), so over 200 seeds of the example's 10 km
    repeater it held the truth in 84% of runs (the runs' means spread 1.3x wider than it said). Now it counts the
    pairs' effective number (``_serial_variance_factor``). The truth is the mean over all 200 runs' pairs, ~14x
    tighter than one run's interval; a 95% interval holds it in at least 90% of 200 runs but 1 in ~1,500."""
    runs = _runs("repeater")
    truth = float(np.concatenate([r.fidelities for r in runs]).mean())
    coverage = _covered([r.mean_fidelity for r in runs], [r.fidelity_ci95 for r in runs], truth)
    assert coverage >= 0.90, coverage


def test_comparisons_fidelity_difference_covers_the_closed_form_difference():
    """The script's "repeater vs direct: fidelity -0.0239 +- 0.0003 (95%)" line (``qnsim.compare_results``) took its
    interval from the same per-run interval (it covered in 84% of seeds, as above). The direct link's pairs all wait
    its herald delay, so their fidelity is a closed form (the link's Bell-diagonal pair, both ends stored in T1 = T2 =
    10 ms memories for the herald delay: tests/physics_oracles.py); every direct run must deliver exactly it, and the
    difference's interval must hold (pooled repeater mean - closed form) in at least 90% of 200 seeds."""
    script = import_script(EXAMPLES / "transducer_repeater.py")
    link = qnsim.superconducting_transducer_link(improvement=1000).link(10.0)
    phi_p, psi_p, psi_m, phi_m = link.bell_diagonal
    corr = (phi_p + psi_p - psi_m - phi_m, -phi_p + psi_p - psi_m + phi_m, phi_p - psi_p - psi_m + phi_m)
    built = script.build(10.0, "direct").links[0]
    t = built.herald_delay_a_s
    assert built.herald_delay_b_s == t and built.fidelity == link.fidelity
    direct_f = fidelity_of(stored(corr, t, t, 10e-3, 10e-3))
    rows, repeater_pairs = [], []
    for direct, repeater in zip(_network_runs("direct"), _network_runs("repeater")):
        runs = {"direct": direct, "repeater": repeater}
        assert runs["direct"].requests[0].mean_fidelity == pytest.approx(direct_f, abs=1e-12)
        assert runs["direct"].requests[0].fidelity_ci95 == 0.0
        repeater_pairs.append(runs["repeater"].requests[0].fidelities)
        rows.append(qnsim.compare_results(runs, baseline="direct").rows[1])
    truth = float(np.concatenate(repeater_pairs).mean()) - direct_f
    differences = [row["fidelity_difference"] for row in rows]
    coverage = _covered(differences, [row["fidelity_difference_ci95"] for row in rows], truth)
    assert coverage >= 0.90, coverage
    # "lower fidelity" is what the numbers say: the truth is below, by far more than its error.
    assert truth < -0.01 and all(row["verdict"].endswith("lower fidelity") for row in rows)


def test_a_direct_links_rate_interval_covers_the_heralded_closed_form():
    """The architect's rate: the direct link's 2 channels each succeed with probability p per attempt period T
    (``LinkModel.success_probability``, ``attempt_period_s``), so the rate is 2 p / T; the printed Poisson 95%
    interval (``rate_interval95``) must hold it in at least 93% of 200 seeds (the count of a Bernoulli sequence is less
    spread than a Poisson count, so the interval is conservative: it covered in 96.5%). The purified row's interval
    is checked against the 200 runs' mean rate likewise. Found nothing wrong."""
    link = qnsim.superconducting_transducer_link(improvement=1000).link(10.0)
    rate = 2 * link.success_probability / link.attempt_period_s
    direct = _runs("direct")
    low, high = np.array([r.rate_interval95 for r in direct]).T
    assert np.mean((low <= rate) & (rate <= high)) >= 0.93
    assert np.mean([r.rate_hz for r in direct]) == pytest.approx(rate, rel=0.01)
    purified = _runs("DEJMPS x1")
    mean_rate = float(np.mean([r.rate_hz for r in purified]))
    low, high = np.array([r.rate_interval95 for r in purified]).T
    assert np.mean((low <= mean_rate) & (mean_rate <= high)) >= 0.93
    # Both purified pairs come from the link's two channels: the pair needs both, so the rate is below half.
    assert mean_rate < rate / 2


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.8])
def test_the_serial_variance_factor_is_the_ar1_closed_form(phi):
    """The factor against its closed form for an AR(1) series x_t = phi x_(t-1) + e_t: n Var(mean) / Var(x) ->
    (1 + phi) / (1 - phi) (1 for independent draws, where the interval keeps its Student t width)."""
    rng = np.random.default_rng(7)
    noise = rng.normal(size=100_000)
    series = np.empty_like(noise)
    series[0] = noise[0]
    for i in range(1, noise.size):
        series[i] = phi * series[i - 1] + noise[i]
    assert _serial_variance_factor(series) == pytest.approx((1 + phi) / (1 - phi), rel=0.1)


def test_an_alternating_series_keeps_the_independent_width():
    """A series that reads anti-correlated keeps the Student t width (factor 1), not a narrower one its noise could
    fake; fewer than 4 values, or values without spread, have factor 1."""
    assert _serial_variance_factor(np.tile([0.9, 0.8], 500)) == 1.0
    assert _serial_variance_factor([0.9, 0.8, 0.7]) == 1.0
    assert _serial_variance_factor(np.full(10, 0.9)) == 1.0
    r = qnsim.RequestResult(
        0, "a", "b", ["a", "b"], 0.0, None, np.arange(1.0, 9.0), np.tile([0.9, 0.8], 4), np.zeros(8), end_s=8.0
    )
    assert r.fidelity_ci95 == pytest.approx(t_quantile_975(7) * r.fidelity_std / math.sqrt(8))


# ---- the planner: `qnsim estimate --simulate` and its "fix:" applied by editing the links file ----------------------

_WORKLOAD = """H 0 1 2 3
REPEAT 200 {
    CX 0 2 1 3
    T 0 1
    CX 0 1 2 3
}
M 0 1 2 3
"""

_LINKS = """[[qpu]]
count = 2
num_qubits = 2
e_1q = 1e-7
e_2q = 1e-7
e_meas = 1e-7
e_t = 1e-7

[[link]]
qpus = [0, 1]
rate_hz = {rate}
channels = {channels}
fidelity = {fidelity}
latency_s = 1e-5

[estimate]
max_runtime_s = {limit}
{extra}"""


def _estimate(
    tmp_path, capsys, *extra_args: str, rate=1000.0, channels=1, limit=1.0, extra="", fidelity=0.99
) -> tuple[int, str]:
    """`qnsim estimate workload.stim --links links.toml EXTRA_ARGS` on the planner's files: exit status, stdout."""
    from qnsim.cli import main

    (tmp_path / "w.stim").write_text(_WORKLOAD)
    links = tmp_path / "links.toml"
    links.write_text(_LINKS.format(rate=rate, channels=channels, limit=limit, extra=extra, fidelity=fidelity))
    status = main(["estimate", str(tmp_path / "w.stim"), "--links", str(links), "--no-progress", *extra_args])
    return status, capsys.readouterr().out


def _reason(out: str, kind: str) -> str:
    return next(line.split("reason", 1)[1].strip() for line in out.splitlines() if "reason  " in line and kind in line)


def test_the_budget_fixes_purification_target_is_the_budgets_need_and_clears_it(tmp_path, capsys):
    """Old behaviour: 201 remote pairs at F = 0.99 against a budget of 0.001 (2.01 expected remote faults): the fix
    tried purifying to the lower of "a tenth of the pairs' infidelity" (0.999) and the budget's need (0.999996), so it
    tried 0.999, which leaves 0.0185 faults, and read "none of these clears it": the planner was told purification
    does not help. The need is the least fidelity whose faults fit the budget, by definition (oracle: 201 pairs x
    (1 - F) <= 0.001 - local faults); now it is the target tried, and applied literally (target_fidelity in
    [estimate]) the estimate is feasible and the simulation meets the runtime limit in every seed."""
    status, out = _estimate(tmp_path, capsys, limit=10.0)
    assert status == 1
    reason = _reason(out, "error budget:")
    match = re.search(r"fix: purified pairs \(target_fidelity = ([0-9.]+)\); tried, and not enough", reason)
    assert match, reason
    target = float(match.group(1))
    local = float(re.search(r"([0-9.e+-]+) expected local faults", reason).group(1))
    assert 201 * (1 - target) <= 0.001 - local < 201 * (1 - (target - 2e-6))
    status, out = _estimate(tmp_path, capsys, "--simulate", "20", limit=10.0, extra=f"target_fidelity = {target}")
    assert status == 0 and out.startswith("verdict                       feasible"), out
    assert "met in 20 of 20 runs" in out


def test_a_fix_that_leaves_its_reason_and_brings_another_says_both(tmp_path, capsys):
    """Old behaviour: a fix whose re-estimate kept the reason it was for and brought a new one read "X, but then
    <new>", as if X cleared the first: "purified pairs (target_fidelity = 0.999), but then runtime: 0.165 s exceeds
    the limit" under an error-budget reason that 0.999 left standing. Now every such entry is checked literally: an
    entry "X, but then <new>" is one whose X, applied by editing the file (here the runtime limit lifted so that only
    the budget is judged), leaves no error-budget reason."""
    status, out = _estimate(tmp_path, capsys, channels=5, limit=0.05)
    reason = _reason(out, "error budget:")
    for target in re.findall(r"purified pairs \(target_fidelity = ([0-9.]+)\), but then runtime", reason):
        _, again = _estimate(tmp_path, capsys, channels=5, limit=100.0, extra=f"target_fidelity = {target}")
        assert "error budget:" not in again, again
    left = re.findall(r"purified pairs \(target_fidelity = ([0-9.]+)\): [^;]* exceed the budget", reason)
    for target in left:
        _, again = _estimate(tmp_path, capsys, channels=5, limit=100.0, extra=f"target_fidelity = {target}")
        assert "error budget:" in again, again
    assert "purified pairs (target_fidelity = " in reason, reason


def test_a_runtime_fixs_channels_applied_literally_meet_the_limit_in_simulation(tmp_path, capsys):
    """The runtime reason's "fix: ... N channels instead of 1", applied by editing the file, gives a feasible estimate
    at the wall clock the fix quoted, and the simulation (``--simulate``) meets the limit in every seed; one channel
    fewer still misses it (the fix is the least). Oracle for the wall clock: 201 pairs (the cat-entangler's: qubit 0
    only ever controls, so its one pair serves every round; qubit 1's is spent each round) of 3 rounds each
    (log2 of the raw fidelity's distance to the target) at N x rate. Found nothing wrong."""
    status, out = _estimate(tmp_path, capsys, limit=0.1, extra="target_fidelity = 0.999996")
    assert status == 1
    reason = _reason(out, "runtime:")
    match = re.search(r"(\d+) channels instead of 1, or a faster link \(estimated again with them: ([0-9.]+) s", reason)
    assert match, reason
    channels, quoted = int(match.group(1)), float(match.group(2))
    status, out = _estimate(tmp_path, capsys, "--simulate", "20", channels=channels, limit=0.1,
                            extra="target_fidelity = 0.999996")
    assert status == 0, out
    wall = float(re.search(r"wall clock +([0-9.]+) s", out).group(1))
    assert wall == pytest.approx(quoted, rel=1e-3)
    simulated = re.search(r"wall clock +[0-9.]+ ms +([0-9.]+) ms \+- ([0-9.]+) us", out)
    mean, half = float(simulated.group(1)) / 1e3, float(simulated.group(2)) / 1e6
    assert abs(mean - wall) < 4 * half + 0.005 * wall and mean < 0.1
    status, _ = _estimate(tmp_path, capsys, channels=channels - 1, limit=0.1, extra="target_fidelity = 0.999996")
    assert status == 1


def test_a_feasible_run_within_two_spreads_of_its_runtime_limit_says_some_runs_miss_it(tmp_path, capsys):
    """Old behaviour: 17 channels (the runtime fix's count) read feasible at an expected 97.2 ms against a 100 ms
    limit without a word, and 2 of 20 simulated runs exceeded the limit (the wall clock is an expected time, and a
    link-bound run's 1,652 raw pairs arrive at random). Now a note says so where the margin is under two spreads of
    a run's (1/sqrt(raw pairs) of its time), and the simulation (the oracle) finds runs over the limit there; at 20
    channels (82.6 ms) there is no note and every simulated run meets the limit."""
    extra = "target_fidelity = 0.999996"
    status, out = _estimate(tmp_path, capsys, "--simulate", "20", channels=17, limit=0.1, extra=extra)
    assert status == 0
    assert "note: the runtime limit is met by the expected wall clock (0.0972 s (97.2 ms) against 0.1 s" in out, out
    met = int(re.search(r"met in (\d+) of 20 runs", out).group(1))
    assert met < 20
    status, out = _estimate(tmp_path, capsys, "--simulate", "10", channels=20, limit=0.1, extra=extra)
    assert status == 0 and "met in 10 of 10 runs" in out and "runtime limit is met by" not in out, out


def test_transducer_efficiency_points_are_independent_checks_whose_standard_error_is_right(monkeypatch, capsys):
    """Old behaviour: examples/transducer_efficiency.py ran its six efficiencies on one seed, and as each runs until
    the same expected count, they drew the same uniforms into one count deviation (0.09 standard errors at every
    point): "largest rate deviation: 0.2 standard errors" was one draw printed as six. Now each point has its own
    seed, and the deviations differ. The printed "+- 1 s.e." (sqrt(N (1 - p)) / window) is checked against the
    closed-form rate 2 p / T over 100 seeds of one point: the deviations in its units have mean ~0 and spread ~1."""
    script = import_script(EXAMPLES / "transducer_efficiency.py")
    monkeypatch.setattr("sys.argv", ["transducer_efficiency.py", "--pairs", "200"])
    script.main()
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in lines if re.match(r"\s+[0-9.]+\s+[0-9.e-]+\s", line)]
    z = [(float(row[3]) - float(row[2])) / float(row[5]) for row in rows]
    assert len(z) == 6 and len({round(v, 2) for v in z}) == 6, z
    base = qnsim.superconducting_transducer_link(1000)
    model = base.link(10.0)
    rate = 2 * model.success_probability / model.attempt_period_s
    until_s = 200 / rate
    deviations = []
    for seed in range(100):
        r = script.simulate(base, True, until_s, seed)
        err = math.sqrt(max(r.num_pairs, 1) * (1 - model.success_probability)) / until_s
        deviations.append((r.rate_hz - rate) / err)
    assert abs(np.mean(deviations)) < 0.35 and 0.8 < np.std(deviations) < 1.2, (np.mean(deviations), np.std(deviations))


@pytest.mark.xfail(strict=True, reason="the budget holds expected faults (a union bound) to the failure probability "
                   "allowed, loose where the budget is large; pricing P(some fault) needs the per-source fault "
                   "probabilities the estimator sums, a change of every budget check (physical and error-corrected)")
def test_a_large_failure_budget_is_judged_by_the_failure_probability(tmp_path, capsys):
    """A planner who accepts that most runs fail (repeat until success: error_budget = 0.9, "failure probability
    allowed for the whole run") with 201 remote pairs at F = 0.995 and near-perfect gates: each pair fails its
    teleported gate with probability 1 - F, so the run fails with probability 1 - F^201 = 0.634 (the closed form,
    independent pairs), within 0.9. The estimate reads infeasible, "1.01 expected remote faults (P(no fault) =
    0.366) exceed the budget of 0.9": its own P(no fault) says the run fails 63% of the time, yet the expected
    count (1.01, a bound on the probability from above) is what it holds to the budget."""
    assert 1 - 0.995**201 < 0.9
    status, out = _estimate(tmp_path, capsys, fidelity=0.995, limit=10.0, extra="error_budget = 0.9")
    assert "201 / 201" in out  # the pairs the closed form counts
    assert status == 0, out
