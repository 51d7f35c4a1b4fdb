"""Trust gaps of the distributed-workload estimator closed in round twenty-nine: the advice of every infeasible
reason is checked by the one re-estimate (:func:`qnsim.estimate.estimator._check_fixes`), every error-budget reason
is checked, and the gate fix names the QPUs whose gates limit the run. Each test applies the advice as printed and
states the old answer."""

import re

from qnsim.estimate import QPU, Link, estimate
from qnsim.estimate import estimator as est

# 1,000 remote CX on two physical QPUs (as round 28's tests).
_WORKLOAD = "REPEAT 1000 {\n  CX 0 1\n  H 0\n}"
_GOOD = QPU(num_qubits=1, e_1q=1e-5, e_2q=1e-5, e_meas=1e-5)


def _fix(reason):
    return reason.split("; fix: ", 1)[1]


def test_every_error_budget_reason_is_checked(monkeypatch):
    """A report with two error-budget reasons (the check is handed the reason twice). Old behaviour: the check
    rewrote only the first matching reason and returned; the second kept the untried fixed list. Now each is
    estimated again and rewritten."""
    real = est._check_budget_fixes

    def twice(ctx, report, seed):
        (reason,) = [r for r in report.reasons if r.startswith("error budget:")]
        report.reasons.append(reason)
        real(ctx, report, seed)

    monkeypatch.setattr(est, "_check_budget_fixes", twice)
    report = estimate(_WORKLOAD, [_GOOD, _GOOD], [Link((0, 1), rate_hz=1e6, fidelity=0.99)], error_budget=0.5)
    reasons = [r for r in report.reasons if r.startswith("error budget:")]
    assert len(reasons) == 2
    assert all(_fix(r) != est._BUDGET_FIX and "(estimated again with each)" in r for r in reasons)


def test_the_gate_fix_names_the_qpu_whose_gates_limit_the_run():
    """QPU 0 with gates of 1e-5, QPU 1 with e_1q = 1e-2 and e_2q = 1e-3 (its 1,000 H gates hold 10 of the run's
    faults). Old behaviour: "better gates (10x lower errors on every QPU: e_2q = 1e-06 instead of 1e-05 on QPU 0,
    ...)", the QPU whose gates do not limit anything. Now the QPU named is the one holding the most local faults,
    with its own e_2q."""
    bad = QPU(num_qubits=1, e_1q=1e-2, e_2q=1e-3, e_meas=1e-5)
    for qpus in ([_GOOD, bad], [bad, _GOOD]):
        report = estimate(_WORKLOAD, qpus, [Link((0, 1), rate_hz=1e6, fidelity=0.9999)], error_budget=0.5,
                          placement=[qpus.index(bad), qpus.index(_GOOD)])
        (reason,) = report.reasons
        m = re.search(r"better gates \(10x lower errors on every QPU: e_2q = ([\d.e-]+) instead of ([\d.e-]+) on "
                      r"QPU (\d) \(its gates hold the most expected local faults, ([\d.]+)\)", reason)
        assert m, reason
        assert int(m.group(3)) == qpus.index(bad)
        assert (float(m.group(1)), float(m.group(2))) == (1e-4, 1e-3)
        assert float(m.group(4)) >= 10
