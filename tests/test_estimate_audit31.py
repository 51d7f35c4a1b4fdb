"""Round thirty-one of the distributed-workload estimator: one headline "need" per link (which of the three
channel counts a report gives must be provisioned, and why), and the cost of an estimate cut without changing a
bit of its report (the repairman law's recursion run natively). Each test states the old behaviour it guards."""

import dataclasses
import random
import re
from pathlib import Path

import pytest

from qnsim import _core
from qnsim.estimate import QPU, EstimateReport, Link, SurfaceCode, Workload, estimate, preset
from qnsim.estimate import links as estimate_links

ROOT = Path(__file__).resolve().parents[1]
YEAR_S = 365.25 * 86400


def _python_repairman_rate(rate_hz: float, shares: int, delay_s: float) -> float:
    """The estimator's repairman recursion as Python ran it before round 31, operation by operation."""
    a = rate_hz * delay_s
    inverse = 1.0
    excess = 0.0
    for n in range(1, shares + 1):
        excess = inverse * n / a
        inverse = 1.0 + excess
        if inverse > 1e300:
            return rate_hz
    if excess < 1e-8:
        return rate_hz * excess / inverse
    return rate_hz * (1.0 - 1.0 / inverse)


def test_native_repairman_law_is_the_python_recursion_bit_for_bit():
    """The flow-controlled rate's exact law (up to 2^16 steps per call, ~1 s of an estimate at 10^5 channels) now
    runs natively. A report must not change by one bit: any reordered or fused operation (an FMA, 1 / a hoisted
    out of the loop) would move the last bits of rates, waits and fidelities. Compared as doubles' bits on random
    rates, delays and share counts across the regimes (delay-bound, server-bound, early exit past 1e300), and the
    edge of 0 shares; a zero delay (Python raised ZeroDivisionError) is the server's rate."""
    rng = random.Random(31)
    cases = [(1e3, 0, 1e-3), (1e6, 1, 1e-3), (6.6e24, 4096, 1e-3), (1.0, 3000, 1e-9)]
    for _ in range(150):
        cases.append(
            (10 ** rng.uniform(-2, 12), rng.choice([1, 2, 7, 64, rng.randrange(1, 5000)]), 10 ** rng.uniform(-9, 2))
        )
    for rate, shares, delay in cases:
        want = _python_repairman_rate(rate, shares, delay)
        got = _core.repairman_rate_hz(rate, shares, delay)
        assert got.hex() == want.hex(), (rate, shares, delay, got, want)
    # The estimator's entry point, past its exact range (the bound) and within it.
    estimate_links._repairman_rate.cache_clear()
    assert estimate_links._repairman_rate(4e3, 1 << 16, 2e-3).hex() == _python_repairman_rate(4e3, 1 << 16, 2e-3).hex()
    with pytest.raises(ValueError, match=r"shares must be in \[0, 2\*\*53\], got -1"):
        _core.repairman_rate_hz(1e3, -1, 1e-3)
    assert _core.repairman_rate_hz(1e3, 5, 0.0) == 1e3


def _shipped_job():
    """The shipped example's job (examples/estimate) with its calibrated link written out (no calibration run), on
    QPUs large enough that only the link decides the verdict."""
    workload = ROOT / "examples" / "estimate" / "workload.stim"
    if not workload.exists():
        pytest.skip("examples/ is not next to the tests (installed-package run)")
    qpus = [preset("qubit_gate_ns_e4", num_qubits=200_000, logical_qubits=32, surface_code=SurfaceCode())] * 2
    link = Link(
        (0, 1),
        rate_hz=4285.0,
        fidelity=0.9838866172117986,
        latency_s=4.803323e-05,
        memory_t1_s=0.01,
        memory_t2_s=0.01,
        rate_interval95=(4002.8764690078083, 4581.761177625499),
    )
    return Workload.from_file(workload), qpus, link


def _channels(provision: str) -> int:
    return int(re.match(r"(?:runtime limit|remote share): ([\d,]+) channels", provision).group(1).replace(",", ""))


def test_a_link_names_the_one_need_it_must_be_built_to_and_it_works():
    """The shipped example's link read three needs in one report: at least 1.94e+05 raw pairs/s (the remote share's
    fix), 1.21e+06 (the runtime fix's 281 channels) and 2.1e+08 (the delivery table's need/s, at which lattice surgery
    never waits), with no word on which one to build. Old behaviour: no field said it; a user building to need/s
    bought 1000x the channels, one building to the remote share's figure still missed the runtime limit. Now
    ``provision`` (JSON, the text report's "build to:" line under the link's row) names the runtime limit's channels,
    the larger requirement, with the other two as detail, and the estimate with it (feasible)."""
    workload, qpus, link = _shipped_job()
    report = estimate(workload, qpus, [link], max_runtime_s=YEAR_S)
    (lk,) = report.links
    assert lk.provision is not None and lk.provision.startswith("runtime limit: "), lk.provision
    assert _channels(lk.provision) == lk.channels_for_runtime_limit > lk.channels_for_remote_share > 1
    assert f"{lk.required_rate_hz:.3g} raw pairs/s (the delivery table's need/s: not required" in lk.provision
    # The runtime fix's own re-estimate at those channels: the limit and the share met, the run feasible.
    assert (
        "(estimated again with them: the run meets the limit; the remote share is met there; feasible there)"
        in lk.provision
    ), lk.provision
    assert f"  build to: {lk.provision}" in str(report)
    back = EstimateReport.from_json(report.to_json())
    assert back.links[0].provision == lk.provision and back.to_json() == report.to_json()


def test_without_a_runtime_limit_the_remote_share_is_the_need_and_it_works():
    """The same link without max_runtime_s: its only requirement is the remote share. Old behaviour: the channels
    for it stood in the reason only (not in JSON), unestimated: the reason's distance was checked at that rate, not
    the run. Now ``channels_for_remote_share`` holds them and ``provision`` names them, estimated again; applied as
    written (the estimator's own re-estimate, whose words are checked), the remote share is met, and what that run
    still refuses is named (before, nothing said that its larger code distance outgrows the QPUs)."""
    workload, qpus, link = _shipped_job()
    report = estimate(workload, qpus, [link])
    (lk,) = report.links
    assert lk.provision is not None and lk.provision.startswith("remote share: "), lk.provision
    assert lk.channels_for_runtime_limit is None and _channels(lk.provision) == lk.channels_for_remote_share
    # Met there, and what that run still refuses is said (its larger code distance needs more qubits per QPU).
    assert (
        "(estimated again with them: the remote share is met there; still infeasible there: capacity: QPU 0 "
        "needs" in lk.provision
    ), lk.provision


def test_reports_of_schema_6_read_back_with_no_provision():
    """Schema 7 added two link fields: a version-6 report (no such keys) reads back with them None, as version 5 does
    (old behaviour would have been a refusal naming the missing keys)."""
    report = estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], error_budget=0.5)
    data = report.to_dict()
    for version in (5, 6):
        old = {
            **data,
            "schema_version": version,
            "links": [
                {
                    k: v
                    for k, v in lk.items()
                    if k not in ("provision", "channels_for_remote_share") and (version == 6 or k != "rate_interval95")
                }
                for lk in data["links"]
            ],
        }
        back = EstimateReport.from_dict(old)
        assert back.links[0].provision is None and back.links[0].channels_for_remote_share is None


def test_a_relay_routes_remote_share_fix_tries_a_raw_fidelity_per_hop():
    """Two surface-code QPUs (physical error 4e-3) joined through a relay by two hops of F = 0.97: the route's pairs
    fail the remote share. Old behaviour: "fix: raw pair fidelity above 0.9600 or more purification rounds", untried:
    the raw fidelity was tried on direct links only (a route's end-to-end fidelity comes from several hops, so no one
    link figure was set). Now the least raw
    fidelity every hop must make for the route's end-to-end pairs to reach it is found (relay_route_fidelity, to
    6 digits rounded up), estimated again, and named with what it leaves (here not enough: purification is at its
    gates' ceiling); applied as printed, the estimate says the same."""
    from qnsim.estimate import relay_route_fidelity

    q = preset(
        "qubit_gate_ns_e3",
        surface_code=SurfaceCode(max_distance=51),
        logical_qubits=4,
        e_1q=4e-3,
        e_2q=4e-3,
        e_meas=4e-3,
    )
    hops = [
        Link((0, 2), rate_hz=1e6, fidelity=0.97, latency_s=1e-5),
        Link((2, 1), rate_hz=1e6, fidelity=0.97, latency_s=1e-5),
    ]

    def run(links):
        return estimate("REPEAT 100 {\n CX 0 2\n}\nM 0 2\n", [q, q], links, placement=[0, 0, 1, 1], error_budget=0.1)

    (reason,) = [r for r in run(hops).reasons if r.startswith("remote error: link 0-1")]
    m = re.search(
        r"raw pair fidelity ([\d.]+) on each hop \(instead of 0\.97, 0\.97: the route's end-to-end raw pairs "
        r"then F = ([\d.]+)\): (expects [\d.]+ failed remote operations)",
        reason,
    )
    assert m, reason
    hop_f, route_f = float(m.group(1)), float(m.group(2))
    with_f = [dataclasses.replace(h, fidelity=hop_f) for h in hops]
    assert (
        relay_route_fidelity(with_f)
        >= 0.9601
        > relay_route_fidelity([dataclasses.replace(h, fidelity=hop_f - 1e-6) for h in hops])
    )
    assert f"{relay_route_fidelity(with_f):.4f}" == f"{route_f:.4f}"
    again = run(with_f)
    assert any(r.startswith(f"remote error: link 0-1 {m.group(3)}") for r in again.reasons), again.reasons
