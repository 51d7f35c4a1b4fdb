"""Trust gaps of the distributed-workload estimator closed in round twenty-eight: the advice an error-budget reason
gives is checked by estimating again with each fix applied (the same re-estimate as round 27's link and
faster-QPU checks), and each test applies the advice as printed. Each test states the old answer."""

import re

import pytest

from qnsim.estimate import QPU, ErrorBudget, Link, estimate
from qnsim.estimate import estimator as est
from qnsim.estimate.report import human_time

# 1,000 remote CX on two physical QPUs with good gates: the remote pairs' faults dominate.
_WORKLOAD = "REPEAT 1000 {\n  CX 0 1\n  H 0\n}"
_QPU = QPU(num_qubits=1, e_1q=1e-5, e_2q=1e-5, e_meas=1e-5)


def _estimate(fidelity=0.99, **kwargs):
    return estimate(_WORKLOAD, [_QPU, _QPU], [Link((0, 1), rate_hz=1e6, fidelity=fidelity)], **kwargs)


def _fix(report):
    (reason,) = [r for r in report.reasons if r.startswith("error budget:")]
    return reason.split("; fix: ", 1)[1]


def test_the_budget_fix_names_the_purification_that_clears_it():
    """1,000 pairs at F = 0.99 against a budget of 0.5: ~10 expected remote faults. Old behaviour: "fix:
    error-corrected QPUs (surface_code), purified pairs (target_fidelity) or better gates", none of them tried; 10x
    better gates leave 10 remote faults. Now the fix names the target fidelity that clears it, and the gates as
    tried and not enough; applied as printed, the run is feasible."""
    report = _estimate(error_budget=0.5)
    fix = _fix(report)
    works, short = fix.split("; tried, and not enough: ")
    target = float(re.fullmatch(r"purified pairs \(target_fidelity = ([\d.]+)\)", works).group(1))
    assert "better gates" in short and "better links" in short
    assert _estimate(error_budget=0.5, target_fidelity=target).feasible
    assert not _estimate(error_budget=0.5, target_fidelity=0.99).feasible  # the need is real


def test_a_budget_no_tried_fix_clears_says_so_with_each_figure():
    """The same run against a budget of 0.05 (the ceiling of purification with these gates is not enough). Old
    behaviour: the same fixed list. Now each fix is named with the faults it leaves, and error-corrected QPUs, not
    estimated, are named as the fix left."""
    report = _estimate(error_budget=0.001)
    fix = _fix(report)
    assert fix.startswith("none of these clears it, estimated again with each: ")
    assert fix.endswith("; or error-corrected QPUs (surface_code)")
    m = re.search(r"purified pairs \(target_fidelity = ([\d.]+)\): ([\d.e-]+) expected local faults \+ ([\d.e-]+) "
                  r"expected remote faults", fix)
    again = _estimate(error_budget=0.001, target_fidelity=float(m.group(1))).error_budget
    assert f"{again.remote_used:.3g}" == m.group(3)


def test_a_remote_part_fix_names_the_part_that_holds_the_faults():
    """ErrorBudget(0.5, remote=0.006) with 0.14 expected remote faults. Old behaviour: "fix: purified pairs
    (target_fidelity), better links or gates, or a larger part", untried and without a figure. Now the part that
    holds them is named; applied as printed, the run is feasible."""
    report = _estimate(fidelity=0.9999, error_budget=ErrorBudget(0.5, remote=0.006))
    works = _fix(report).split("; tried, and not enough: ")[0]
    part = float(re.fullmatch(r"a larger part \(remote = ([\d.e-]+) instead of 0\.006\)", works).group(1))
    assert _estimate(fidelity=0.9999, error_budget=ErrorBudget(0.5, remote=part)).feasible


def test_the_re_estimates_are_bounded(monkeypatch):
    """checked: the re-estimates one estimate makes to check its advice stop at MAX_FIX_ESTIMATES; past it the fix
    keeps its first words."""
    calls = []
    real = est._estimate_again
    monkeypatch.setattr(est, "_estimate_again", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(est, "MAX_FIX_ESTIMATES", 2)
    report = _estimate(error_budget=0.5)
    assert calls == []  # three fixes to try, two allowed: none is tried
    assert _fix(report) == est._BUDGET_FIX
    monkeypatch.setattr(est, "MAX_FIX_ESTIMATES", 3)
    _estimate(error_budget=0.5)
    assert len(calls) == 3


@pytest.mark.parametrize("budget", [0.5, ErrorBudget(0.5, remote=0.4)])
def test_a_met_budget_makes_no_re_estimate(monkeypatch, budget):
    """checked: a feasible run estimates once (no advice to check)."""
    calls = []
    monkeypatch.setattr(est, "_estimate_again", lambda *a, **k: calls.append(1))
    assert _estimate(fidelity=0.99999999, error_budget=budget).feasible
    assert calls == []


def test_a_runtime_limit_with_a_link_that_never_delivers_is_a_reason_not_a_crash():
    """A target fidelity the link cannot reach (its time is infinite) and a runtime limit. Old behaviour:
    OverflowError "cannot convert float infinity to integer" (the channels in proportion to an infinite link time),
    from estimate() and `qnsim estimate` alike. Now the runtime reason points at the link's own reason, and does
    not ask for channels that cannot help."""
    report = estimate(_WORKLOAD, [QPU(num_qubits=1)] * 2, [Link((0, 1), rate_hz=1e6, fidelity=0.99)],
                      target_fidelity=0.999, max_runtime_s=0.1)
    (reason,) = [r for r in report.reasons if r.startswith("runtime:")]
    assert reason.endswith("fix: pairs the links can deliver first: link 0-1 never delivers one of the fidelity it "
                           "needs (its reason says why)")
    assert any(r.startswith("link 0-1: raw fidelity 0.99 cannot be purified to 0.999") for r in report.reasons)


def test_error_free_gates_are_not_told_to_get_better():
    """Error-free QPUs and 1,000 pairs at F = 0.99 against a budget of 0.99 (2 remote faults expected). Old
    behaviour: "fix: ... or better gates" for gates without errors. Now no gate fix is offered where the gates have
    none."""
    q = QPU(num_qubits=1, e_1q=0.0, e_2q=0.0, e_meas=0.0, e_t=0.0)
    report = estimate(_WORKLOAD, [q, q], [Link((0, 1), rate_hz=1e6, fidelity=0.99)], error_budget=0.99)
    fix = _fix(report)
    assert "gates" not in fix and "better links" in fix


@pytest.mark.parametrize("limit, meets", [(5e-4, True), (1.5e-4, False)])
def test_the_shorter_links_fix_says_what_a_tenth_of_the_latency_takes(limit, meets):
    """200 remote CX over a link of 1 ms classical latency (the run: 1.2 ms, bound by it). Old behaviour: "fix:
    shorter links (less classical latency)", untried: with a 150 us limit a tenth of the latency still leaves 300 us
    (bound by the link's rate). Now the reason gives that estimate's figure and whether it meets the limit; applied,
    the verdict moves as it says."""
    q = QPU(num_qubits=1, e_1q=0.0, e_2q=0.0, e_meas=0.0, e_t=0.0)

    def run(latency):
        return estimate("REPEAT 200 {\n  CX 0 1\n  H 0\n}", [q, q],
                        [Link((0, 1), rate_hz=1e6, fidelity=0.999, latency_s=latency)], error_budget=0.99,
                        max_runtime_s=limit)

    (reason,) = run(1e-3).reasons
    shorter = run(1e-4)
    assert reason.endswith(f"fix: shorter links (less classical latency) (estimated again with a tenth of every "
                           f"link's latency_s: {human_time(shorter.wall_clock_s)}, bound: {shorter.bound}, which "
                           + ("meets the limit)" if meets else "still exceeds the limit)"))
    assert shorter.feasible is meets


def test_the_buffer_a_held_back_link_is_told_is_estimated_again():
    """A surface-code run whose link is held back by its 64 buffer pairs (3 us latency: 21 ms; at 1 us it takes 7 ms
    since the remote model's bend term lets one purification round do, within the limit), against a 10 ms limit.
    Old behaviour: "fix: ... 136 buffer_pairs (memories per end ...), or a shorter classical latency", from the
    link's flow-controlled rate alone and untried (a larger buffer ages its pairs and may change the code distance).
    Now the reason gives the estimate with that buffer; applied as printed, the run meets the limit."""
    from qnsim.estimate import SurfaceCode, preset

    qpus = [preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), logical_qubits=4)] * 2

    def run(buffer_pairs=64):
        return estimate("REPEAT 1000 {\n T 0\n CX 0 2\n}\nM 0 2\n", qpus,
                        [Link((0, 1), rate_hz=1e9, fidelity=0.99, latency_s=3e-6, buffer_pairs=buffer_pairs)],
                        placement=[0, 0, 1, 1], max_runtime_s=0.01)

    (reason,) = [r for r in run().reasons if r.startswith("runtime:")]
    buffer = int(re.search(r": (\d+) buffer_pairs \(memories per end", reason).group(1))
    fixed = run(buffer)
    ec = fixed.error_corrected
    assert reason.endswith(f"(estimated again with those buffer_pairs: {human_time(fixed.wall_clock_s)} at d = "
                           f"{ec.code_distance}, bound: {fixed.bound}, which meets the limit)")
    assert fixed.feasible


def test_the_num_qubits_a_capacity_reason_names_is_estimated_again():
    """Two surface-code QPUs of 5,000 physical qubits for a run that needs 23,561 each. Old behaviour: "fix:
    num_qubits >= 23,561 per QPU, ...", untried (more room may change the factories and the memory the count holds).
    Now the reason says the estimate with that count holds every QPU's qubits; applied as printed, it is feasible."""
    from qnsim.estimate import SurfaceCode, preset

    base = preset("qubit_gate_ns_e3", surface_code=SurfaceCode(), logical_qubits=4)

    def run(num_qubits):
        return estimate("REPEAT 1000 {\n T 0\n CX 0 2\n}\nM 0 2\n", [base.with_(num_qubits=num_qubits)] * 2,
                        [Link((0, 1), rate_hz=1e9, fidelity=0.99, latency_s=1e-6)], placement=[0, 0, 1, 1])

    reasons = run(5000).reasons
    assert len(reasons) == 2 and all(r.startswith("capacity: QPU ") for r in reasons)
    assert all(r.endswith("(estimated again with those num_qubits: every QPU holds its qubits)") for r in reasons)
    count = int(re.search(r"fix: num_qubits >= ([\d,]+) per QPU", reasons[0]).group(1).replace(",", ""))
    assert run(count).feasible and not run(count - 1).feasible


def test_the_readme_states_the_bound_on_the_re_estimates():
    """checked: the README's bound on the estimates that check the advice is the code's."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert f"each check is a whole estimate, at most {est.MAX_FIX_ESTIMATES} of them" in " ".join(readme.split())
