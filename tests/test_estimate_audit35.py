"""Round thirty-five of the distributed-workload estimator: verdicts a planner would trust (the remote-error fix's
least rate against the channels that reach it, a logical summary's merge depth as a lower bound, the QPU limit's
way out). Each test states the old behaviour it guards."""

import random

import numpy as np
import pytest

from qnsim.estimate import (
    QPU,
    Link,
    LogicalSummary,
    SurfaceCode,
    count_circuit,
    estimate,
    placement_from_mapping,
    preset,
)
from qnsim.estimate.estimator import _Context, _least_rate_and_channels
from qnsim.estimate_cli import main


def test_the_least_rate_written_is_reached_by_the_channels_asked_for_and_reads_apart_from_them():
    """The remote-error fix asks for a least rate (rounded up) and the channels that reach it. Old behaviour: both were
    written to 3 digits, so estimate audit 26's 30 channels of 4,285 pairs/s (128,550) beside a need of 128,360 read
    "at least 1.29e+05 raw pairs/s (there d = 47 ...; about 30 channels ...: their 1.29e+05 raw pairs/s, there
    d = 49": two deliveries that differ (129,000 and 128,550), written alike, each taking the distance its own
    delivery takes, and the channels short of the "least" rate written. Now the least rate takes the digits that keep
    it at or below what the channels deliver, and both are written to them."""
    assert _least_rate_and_channels(128360.3, 30 * 4285.0) == ("1.284e+05", "1.286e+05")
    rng = random.Random(35)
    for _ in range(2000):
        per_channel = 10 ** rng.uniform(0, 7)
        need = per_channel * 10 ** rng.uniform(0, 4)
        channels = int(np.ceil(need / per_channel * (1 - 1e-12)))
        reach = channels * per_channel
        if reach < need:
            continue
        need_text, reach_text = _least_rate_and_channels(need, reach)
        assert need <= float(need_text) * (1 + 1e-12), (need, need_text)  # still a least figure: it meets the need
        assert float(need_text) <= reach, (need, reach, need_text)  # and the channels asked for reach it
        assert float(need_text) <= float(reach_text) and float(reach_text) == pytest.approx(reach, rel=5e-3)
        if float(need_text) < reach:  # figures for two deliveries that differ read apart
            assert need_text != reach_text or float(reach_text) == reach, (need, reach, need_text, reach_text)


def _random_circuit(rng, n):
    """Two-qubit gates and two-qubit Pauli products on ``n`` qubits, with T gates and measurements between."""
    lines = []
    for _ in range(rng.randint(1, 25)):
        gate = rng.choice(["CX", "CZ", "SWAP", "MPP", "T", "M"])
        if gate in ("T", "M"):
            lines.append(f"{gate} {rng.randrange(n)}")
            continue
        a, b = rng.sample(range(n), 2)
        lines.append(f"MPP {rng.choice('XYZ')}{a}*{rng.choice('XYZ')}{b}" if gate == "MPP" else f"{gate} {a} {b}")
    return "\n".join(lines) + "\nM " + " ".join(map(str, range(n))) + "\n"


def test_a_summarys_merge_depth_is_never_above_the_per_qubit_count_of_the_same_remote_operations():
    """A logical summary has no per-qubit counts, so its merge depth (the remote operations at its busiest QPU over
    that QPU's qubits, rounded up) must stay a lower bound on the most remote operations one qubit takes part in.
    Checked on 40 random circuits (2-4 QPUs, all-to-all links or a chain with relay routes) whose per-qubit counts
    are known: the same links' remote operations averaged per QPU never exceed the busiest qubit's count. (Products
    over three or more QPUs are left out: their pairs are counted as a chain per qubit and as a star per link, the
    counter's known mismatch, closing note 21.)"""
    rng = random.Random(3535)
    tight = 0
    for _ in range(40):
        k = rng.randint(2, 4)
        n = rng.randint(k, 8)
        mapping = [rng.randrange(k) for _ in range(n)]
        text = _random_circuit(rng, n)
        pairs = (
            [(i, i + 1) for i in range(k - 1)]
            if rng.random() < 0.5
            else [(a, b) for a in range(k) for b in range(a + 1, k)]
        )
        report = estimate(
            text, [QPU(num_qubits=n)] * k, [Link(p, rate_hz=1e6, fidelity=0.99) for p in pairs], placement=mapping
        )
        placement = placement_from_mapping(mapping, n, k)
        loads = list(placement.qubits_per_qpu)
        per_qubit = _Context._merge_depth(placement, count_circuit(text), loads, report.links)
        averaged = _Context._merge_depth(placement, None, loads, report.links)
        assert averaged <= per_qubit, (text, mapping, averaged, per_qubit)
        tight += averaged == per_qubit
    assert 0 < tight < 40  # the bound is met with equality sometimes, and is below the count other times


def test_a_summarys_merge_depth_note_says_it_is_a_lower_bound():
    """A logical summary whose remote merges set the depth (10^4 two-qubit gates over 8 qubits on two QPUs, ideal
    link). Old behaviour: the note read "... lattice-surgery merges (...) each qubit of its busiest QPU takes part
    in, on average (a logical summary has no per-qubit counts)", not saying which way the average errs. Now it
    reads "at least" and says the busiest qubit takes part in as many or more."""
    q = preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), logical_qubits=4)
    summary = LogicalSummary(logical_qubits=8, two_qubit_count=10**4, measurement_count=8)
    report = estimate(summary, [q, q], [Link((0, 1), rate_hz=1e12, fidelity=1.0)])
    (note,) = [n for n in report.notes if n.startswith("the remote operations set the run's logical depth")]
    merges = report.error_corrected.algorithmic_logical_depth
    assert f"logical depth: at least {merges:,} lattice-surgery merges" in note
    assert "a lower bound: its busiest qubit takes part in as many or more" in note


def test_the_qpu_limit_says_where_it_comes_from_and_the_way_on(tmp_path, capsys):
    """4,097 QPUs, by the function and by a links file's count. Old behaviour: "4,097 QPUs is more than the 4,096
    the estimator handles (it keeps tables of QPU pairs)" and "brings the number of QPUs to 4,097, above 4,096":
    nothing on what the tables cost, whether an option raises the limit, or what a user with more QPUs can do. Now
    both say the tables' size, that no option raises it, and how to estimate a larger machine (groups of QPUs as one,
    which is optimistic); a links file's single table of 4,097 keeps its stated range."""
    with pytest.raises(ValueError) as refused:
        estimate("CX 0 1\nM 0 1\n", [QPU()] * 4097)
    text = str(refused.value)
    assert text.startswith("4,097 QPUs is more than the 4,096 the estimator handles: ")
    for words in (
        "16 bytes, 0.8 GB at 4,096 QPUs",
        "no option raises it",
        "groups of QPUs as one QPU each",
        "so that estimate is optimistic",
    ):
        assert words in text
    (tmp_path / "w.stim").write_text("CX 0 1\nM 0 1\n")
    for tables, said in [
        ("[[qpu]]\ncount = 4097\n", "qpu[0].count must be in [1, 4096], got 4097: "),
        (
            "[[qpu]]\ncount = 4000\n[[qpu]]\ncount = 97\n",
            "qpu[1].count brings the number of QPUs to 4,097, above 4,096: ",
        ),
    ]:
        (tmp_path / "links.toml").write_text(tables)
        assert main(["estimate", str(tmp_path / "w.stim"), "--links", str(tmp_path / "links.toml")]) != 0
        err = capsys.readouterr().err
        assert said in err and "no option raises it" in err and "groups of QPUs" in err, err


def test_a_faster_link_never_raises_the_distance_of_a_feasible_error_corrected_run():
    """Found by this round's monotonicity hunt: one remote CX between two qubit_gate_us_e4 QPUs over a link of
    F = 0.915 into memories of T1 = 0.53 s, T2 = 0.37 s, at 3.6 kHz and at 12.2 kHz (3.4x faster). Old behaviour:
    d = 5 at 3.6 kHz and d = 7 at 12.2 kHz, both feasible: at d = 5 the faster link's purification round was chosen
    with its pairs waiting as in a run of the algorithm's logical cycles, where they just met the remote share, and the
    verdict judged them in the run as the link stretches it, where they failed; the distance went up instead of the
    rounds being chosen again for that run. Now they are, and the faster link keeps d = 5."""
    qpu = preset("qubit_gate_us_e4", surface_code=SurfaceCode(), num_qubits=10**5)
    work = "H 1\nCX 1 2\nM 0\nM 0 1 2 3\n"

    def distance(rate_hz):
        link = Link((0, 1), rate_hz=rate_hz, fidelity=0.9151829105202446, latency_s=3.7074638229521433e-06,
                    memory_t1_s=0.5309011769134281, memory_t2_s=0.3696164008944165)  # fmt: skip
        report = estimate(work, [qpu, qpu], [link], placement=[0, 0, 1, 1], error_budget=0.0003370707539906256)
        assert report.feasible, report.reasons
        return report.error_corrected.code_distance

    slow, fast = distance(3639.2053451616684), distance(12234.513716211562)
    assert fast <= slow, (slow, fast)
