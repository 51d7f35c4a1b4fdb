"""Estimates priced with Bell-pair supplies measured by simulating the physical network."""

import json
import math
import re
import shutil
from pathlib import Path

import pytest

import qnsim
from qnsim.estimate import QPU, Link, calibrate_link, estimate
from qnsim.estimate_cli import main as estimate_main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_calibrated_link_matches_the_simulated_run():
    link = calibrate_link(EXAMPLES / "two_qpus_transducers.toml", request=1, until_s=0.1, seed=3)
    net, _ = qnsim.load_scenario(EXAMPLES / "two_qpus_transducers.toml", seed=3, until_s=0.1)
    direct = net.run(0.1, progress=False).requests[1]
    assert link.pairs == direct.num_pairs > 100
    assert link.rate_hz == pytest.approx(direct.rate_hz)
    assert link.fidelity == pytest.approx(direct.fidelities.mean())
    assert link.latency_s == pytest.approx(10 / 2e5, rel=0.05)  # 10 km of fiber at c/1.44
    assert "request 1 (qpu_a_10ms -> qpu_b_10ms)" in link.source


def _repeater(max_records):
    net = qnsim.Network(seed=3, max_records=max_records)
    for name in "amb":
        net.add_node(name, hardware="nv_10x_improved", num_memories=4)
    net.add_link("a", "m", length_km=10.0, channels=2)
    net.add_link("m", "b", length_km=10.0, channels=2)
    net.request("a", "b", num_pairs=None)
    return net


@pytest.mark.parametrize("max_records", [0, 5])
def test_calibration_uses_every_delivered_pair_when_records_are_capped(max_records):
    # The records hold only the first pairs (fresher memories, higher fidelity): the calibrated
    # fidelity and its interval come from all pairs, as in the uncapped run.
    full = calibrate_link(_repeater(None), until_s=0.3)
    capped = calibrate_link(_repeater(max_records), until_s=0.3)
    assert capped.pairs == full.pairs > 100
    assert capped.fidelity == pytest.approx(full.fidelity, rel=1e-12)
    assert capped.fidelity_ci95 == pytest.approx(full.fidelity_ci95, rel=1e-6)


def test_estimate_with_a_calibrated_link_is_bounded_by_its_rate():
    link = calibrate_link(EXAMPLES / "two_qpus_transducers.toml", request=1, until_s=0.1, seed=3)
    workload = "REPEAT 100000 {\n  CX 0 1\n  H 0\n}\n"
    report = estimate(workload, [QPU(num_qubits=1), QPU(num_qubits=1)],
                      [Link((0, 1), rate_hz=link.rate_hz, fidelity=link.fidelity, latency_s=link.latency_s)])
    # 10^5 remote CNOTs on unpurified pairs of F ~ 0.98 on physical QPUs: thousands of faults.
    assert not report.feasible and report.reasons[0].startswith("error budget:")
    assert report.error_budget.remote_used > 1e3
    # 10^5 remote CNOTs, one pair each, at the calibrated rate.
    assert report.wall_clock_s >= 1e5 / link.rate_hz * 0.99
    assert report.bound == "link 0-1 rate"


def test_cli_calibrates_links_named_by_scenario(tmp_path, capsys):
    shutil.copy(EXAMPLES / "two_qpus_transducers.toml", tmp_path / "net.toml")
    (tmp_path / "w.stim").write_text("REPEAT 1000 {\n  CX 0 1\n}\n")
    (tmp_path / "links.toml").write_text(
        '[[qpu]]\nnum_qubits = 1\ncount = 2\n[[link]]\nqpus = [0, 1]\nscenario = "net.toml"\nrequest = 1\n'
        "until_s = 0.05\nseed = 1\n"
    )
    code = estimate_main(["estimate", str(tmp_path / "w.stim"), "--links", str(tmp_path / "links.toml"), "--json"])
    captured = capsys.readouterr()
    assert "calibrated from net.toml request 1" in captured.err
    report = json.loads(captured.out)
    assert code == 1 and report["verdict"] == "infeasible"  # 1000 remote CX on raw pairs of F ~ 0.996
    assert report["error_budget"]["remote_used"] > 1


def test_calibration_errors_are_clear(tmp_path):
    with pytest.raises(ValueError, match="request 7 does not exist"):
        calibrate_link(EXAMPLES / "two_qpus_transducers.toml", request=7, until_s=0.001)
    with pytest.raises(ValueError, match="delivered no pair in 1e-06 s"):
        calibrate_link(EXAMPLES / "two_qpus_transducers.toml", until_s=1e-6)
    net = qnsim.Network(seed=1)
    with pytest.raises(ValueError, match="needs until_s"):
        calibrate_link(net)


def test_shipped_estimate_example_runs(capsys):
    code = estimate_main(["estimate", str(EXAMPLES / "estimate" / "workload.stim"),
                          "--links", str(EXAMPLES / "estimate" / "links.toml"), "--json"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    # Honest verdict (issue 9): the code distance is sized for every error budget of the link-bound run: 19 for its
    # logical errors. The raw pairs (F = 0.9839, no purification round helps in 10 ms memories) are used in syndrome
    # rounds of 37 at once, gathered at 4,285 pairs/s: each waits 4.2 ms for the rest of its round's (F = 0.613 at
    # use, the mean over the waits; 0.567 at the mean wait before audit 21) and the remote operations fail; a larger
    # distance gathers more, so no distance meets the share, and the reason names the link rate and the memories that would. Before (audit 20), the gathering was not priced and
    # d = 27 met the share (7.9e-5) with pairs used as made; 81 patches at d = 19 do not fit 50,000 qubits either.
    assert code == 1 and report["verdict"] == "infeasible"
    ec = report["error_corrected"]
    assert ec["code_distance"] == 19
    # 81 patches x 2 x 19^2 = 58,482, a 16,000-qubit T factory, and the link's interface memory.
    assert any(re.match(r"capacity: QPU 0 needs 74,[0-9]{3} physical qubits at distance 19 \(58,482 for 81 "
                        r"patches, 16,000 for T factories, [0-9]+ link memory\), has 50,000", r)
               for r in report["reasons"])
    (remote,) = [r for r in report["reasons"] if r.startswith("remote error:")]
    assert "wait for the rest of their syndrome round's 2d - 1 (37 at d = 19)" in remote
    assert report["error_budget"]["remote_used"] > report["error_budget"]["remote"]
    assert report["bound"] == "link 0-1 rate"
    assert any(r.startswith("runtime:") for r in report["reasons"])
    assert report["error_budget"]["logical_used"] <= report["error_budget"]["logical"]
    # 7.576e9 layers of 132 gates (64 H, 62 brickwork and 2 ring-closing CX, 2 T, 2 M): 1e12.
    assert report["local_gates_total"] + report["remote_gates"] == 7_576_000_000 * 132
    assert report["remote_gates"] == 2 * 7_576_000_000  # the best cut splits the ring twice
    assert "calibrated from two_qpus_transducers.toml request 1" in captured.err
    # The link's pairs sit in 10 ms memories (the scenario's end nodes'), now priced. A raw pair
    # every 233 us: a round's first input decays while it waits for its partner and the kept pair
    # for the 48 us outcome, so no round helps. Before, storage was only noted, and a version that
    # charged every round's latency to the finished pair ran to 8 rounds and 25,900 years. Now the
    # rounds stop at the ceiling's (0) and the run stays link-bound and finite (79 years at d = 19).
    (lk,) = report["links"]
    assert lk["purification_rounds"] == 0 and lk["raw_per_pair"] == 1.0
    # Link-bound: the consumers wait for the link, so the buffer is empty, and a pair waits only for the 36 after it
    # in its syndrome round: 18 delivery intervals on average.
    assert lk["delivered_fidelity"] == lk["raw_fidelity"]
    assert any(n.startswith(f"link 0-1: pairs wait {18 / (lk['raw_bell_pairs'] / lk['time_s']):.3g} s")
               for n in report["notes"])
    assert 0.60 < lk["fidelity_at_use"] < 0.63
    assert math.isfinite(report["wall_clock_s"]) and 75 < report["wall_clock_s"] / 31557600 < 83
    assert not any("not priced" in n for n in report["notes"])
