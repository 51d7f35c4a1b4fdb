"""The docs against behaviour, round 10: what the distributed-QEC tutorial, ``qnsim qec link`` and
:class:`qnsim.qec.RoundTiming` say of a seam's pairs, checked against the code (each claim's text is asserted to
be where it is read, so that a claim changed without its test fails here)."""

from __future__ import annotations

import math

import pytest
from repo_text import ROOT, read_text

pytest.importorskip("stim")

from qnsim import qec  # noqa: E402

BELL = (0.97, 0.01, 0.01, 0.01)
SEAMS = [(e, s, c) for e in ("memory", "merge") for s in ("teleported", "cat") for c in ("rotated", "unrotated")]


def _timing(rate_hz: float, distance: int = 5, **kwargs) -> qec.RoundTiming:
    return qec.round_timing(rate_hz=rate_hz, bell_diagonal=BELL, distance=distance, cycle_time_s=1e-6, t1_s=1e-2,
                            t2_s=1e-2, **kwargs)  # fmt: skip


@pytest.mark.parametrize("arrivals", ["poisson", "periodic"])
def test_a_full_buffers_pairs_are_buffer_over_n_cycles_old(arrivals):
    """docs/tutorials/distributed_qec.md: "a link faster than the rounds keeps it full, its pairs about
    `buffer_pairs / N` cycles old". A link 1000x the required rate, buffers of 1 to 5 rounds' pairs (N = 9, a d = 5
    merge): the pairs' storage is B / N cycles, less the half gap of their own arrival."""
    text = " ".join(read_text(ROOT / "docs" / "tutorials" / "distributed_qec.md").split())
    assert "a link faster than the rounds keeps it full, its pairs about `buffer_pairs / N` cycles old" in text
    for rounds in (1, 2, 5):
        t = _timing(9e9, buffer_pairs=9 * rounds, arrivals=arrivals)
        assert t.pairs_per_round == 9 and t.round_time_s == pytest.approx(1e-6, rel=1e-9)
        assert t.storage_s / t.cycle_time_s == pytest.approx(rounds, rel=0.01), (rounds, t.storage_s)


def test_the_required_rate_per_seam_qubit_is_per_data_qubit_of_the_seam(tmp_path, capsys):
    """RoundTiming.required_rate_per_seam_hz: "The same per data qubit of seam length", which ``qnsim qec link``
    prints beside the required rate ("9e+06 pairs/s (1.8e+06 per seam qubit)" at d = 5): a seam of distance d is
    d data qubits long, in both experiments, schemes and codes, whatever pairs a round takes (4 to 21 here)."""
    from qnsim.cli import main
    from qnsim.qec.link import RoundTiming

    assert "per data qubit of seam length" in RoundTiming.__doc__
    scenario = tmp_path / "link.toml"
    scenario.write_text(
        '[run]\nuntil_s = 0.01\nseed = 1\n[[nodes]]\nname = "a"\n[[nodes]]\nname = "b"\n'
        '[[links]]\na = "a"\nb = "b"\nlength_km = 1.0\nfidelity = 0.97\nrate_hz = 5000.0\n'
        '[[requests]]\nsrc = "a"\ndst = "b"\n'
    )
    assert main(["qec", "link", str(scenario), "--distance", "7", "--probes", "1"]) == 0
    assert "  required rate: 1.3e+07 pairs/s (1.857e+06 per seam qubit)" in capsys.readouterr().out
    for experiment, scheme, code in SEAMS:
        for distance in (3, 5, 11):
            t = _timing(1e5, distance, experiment=experiment, scheme=scheme, code=code)
            assert t.required_rate_hz == pytest.approx(t.pairs_per_round / 1e-6, rel=1e-12)
            assert t.required_rate_per_seam_hz == pytest.approx(t.required_rate_hz / distance, rel=1e-12)


def test_a_poisson_supply_at_the_required_rate_waits_about_one_over_sqrt_2_pi_n_cycles():
    """RoundTiming.required_rate_hz: "a Poisson supply at it still waits about 1 / sqrt(2 pi N) of a cycle per round
    on average", and the tutorial's "0.13 of a cycle for 9 pairs". The exact mean wait, E[max(0, S - c)] for S the
    N-th arrival, against that form for the round sizes of every seam (4 to 21 pairs): within 3%, and always below
    it (the normal approximation of S overstates its upper tail)."""
    text = " ".join(read_text(ROOT / "docs" / "tutorials" / "distributed_qec.md").split())
    assert "wait even at the required rate (0.13 of a cycle for 9 pairs" in text
    seen = set()
    for experiment, scheme, code in SEAMS:
        for distance in (3, 5, 7, 11):
            n = _timing(1e5, distance, experiment=experiment, scheme=scheme, code=code).pairs_per_round
            if n in seen:
                continue
            seen.add(n)
            at = _timing(n / 1e-6, distance, experiment=experiment, scheme=scheme, code=code)
            form = 1.0 / math.sqrt(2.0 * math.pi * n)
            wait = at.poisson_wait_s / at.cycle_time_s
            assert form * 0.97 < wait < form, (n, wait, form)
            if n == 9:
                assert round(wait, 2) == 0.13
    assert {4, 5, 9, 21} <= seen


def test_three_random_pairs_served_by_the_last_read_high_by_three_halves():
    """docs/tutorials/custom_protocol.md: three pairs delivered at random, the request served by the third, "the
    rate reads high, by 3/2 on average, and its 95% interval spans a factor of about ten" (n / T_n for the n-th
    arrival time of a Poisson process has the mean n / (n - 1) x the rate). 500 seeds of a 1 kHz direct link."""
    import qnsim

    text = " ".join(read_text(ROOT / "docs" / "tutorials" / "custom_protocol.md").split())
    assert "the rate reads high, by 3/2 on average, and its 95% interval spans a factor of about ten" in text
    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "ab":
        net.add_node(name)
    net.add_link("a", "b", length_km=0.001, fidelity=0.95, success_probability=0.01, attempt_period_s=1e-5)
    net.request("a", "b", num_pairs=3)
    rate = net.links[0].rate_hz
    requests = [result.requests[0] for result in net.run_seeds(range(500), until_s=1.0)]
    assert {(r.status, r.num_pairs) for r in requests} == {("served", 3)}
    high = sum(r.rate_hz for r in requests) / len(requests) / rate
    assert 1.35 < high < 1.65, high  # 3/2, not 1: 500 seeds put it within ~0.07 (one standard error) of 1.5
    low, up = requests[0].rate_interval95
    assert 9 < up / low < 13, (low, up)  # the Gamma(3) quantiles 0.62 and 7.22: a factor of 11.7


def test_the_python_chain_makes_four_callbacks_per_node_and_pair():
    """docs/tutorials/custom_protocol.md: "the 1,000-node chain above makes ~12,000 callbacks for its 3 pairs"
    (``examples/chain_policy.py``, on demand): each link pair is announced at both its ends and each swap's outcome
    sent to both ends of its pair, 2 (N - 1) + 2 (N - 2) callbacks per pair, 11,982 at N = 1,000; counted here on
    shorter chains, the same bookkeeping."""
    from script_modules import import_script

    text = " ".join(read_text(ROOT / "docs" / "tutorials" / "custom_protocol.md").split())
    assert "the 1,000-node chain above makes ~12,000 callbacks for its 3 pairs" in text
    chain_policy = import_script(ROOT / "examples" / "chain_policy.py")

    class Counting(chain_policy.ChainSwapASAP):
        calls = 0

        def on_pair_ready(self, *args):
            Counting.calls += 1
            return super().on_pair_ready(*args)

        def on_message(self, *args):
            Counting.calls += 1
            return super().on_message(*args)

    for nodes in (10, 60):
        Counting.calls = 0
        result = chain_policy.build(nodes, 3, Counting()).run(10.0, progress=False)
        assert result.requests[0].num_pairs == 3
        assert Counting.calls == 3 * (2 * (nodes - 1) + 2 * (nodes - 2)), (nodes, Counting.calls)
    assert round(3 * (2 * 999 + 2 * 998), -3) == 12_000
