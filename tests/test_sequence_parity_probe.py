"""Closed forms behind bench/seq_parity_probe.py's agreement with SeQUeNCe, checked on qnsim alone.

The probe runs SeQUeNCe 1.3.1 scripts and their translations by docs/coming-from-sequence.md side by side (it
needs SeQUeNCe, so it lives in bench/). Where the two agreed, the agreement has a closed form, derived here and
checked against qnsim's translation: two routers with one memory each attempt on a fixed lattice (the next
emission one attempt period after the last, a success or not, since the period covers the 3 h setup and the h
herald), so the pairs of a run are Binomial(K, p) with p = success_rate x eta_A x eta_B; every pair waits one
light time h in memory, so its fidelity is the Werner fidelity decayed on both qubits for h; one BBPSSW round
without decay maps F to (F^2 + e^2) / (F^2 + 2 F e + 5 e^2), e = (1 - F) / 3, and a swap of two Werner pairs
multiplies their Werner parameters (4 F - 1) / 3. The guide's doctest blocks run here too, as a user copies them.
"""

from __future__ import annotations

import doctest
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import qnsim

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stats import assert_normal  # noqa: E402

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "coming-from-sequence.md"


def translate(hop_km, seed, memo_size=1, efficiencies=(0.9, 0.9), coherence_s=1.0, raw_fidelity=0.95,
              frequency_hz=2e3, target_fidelity=None):
    """Two SeQUeNCe routers as the guide's table maps them (detector efficiency 0.9, success rate 0.5, 0.2 dB/km).

    hop_km in km, coherence_s in s (-1: never decays), frequency_hz in Hz; efficiencies are the two routers'
    memory efficiencies. Returns (network, its request's info, h in s, p, attempt period in s).
    """
    h = hop_km * 5e-6
    arm = 10 ** (-0.2 * hop_km / 20) * 0.9
    p = 0.5 * (efficiencies[0] * arm) * (efficiencies[1] * arm)
    period = max(1 / frequency_hz + h, 4 * h)
    net = qnsim.Network("bell_diagonal", seed=seed)
    for name in ("r0", "r1"):
        net.add_node(name, num_memories=memo_size,
                     **({"depolarizing_time_s": 0.75 * coherence_s} if coherence_s > 0 else {}))
    model = qnsim.LinkModel(scheme="single_click", success_probability=p, attempt_period_s=period,
                            fidelity=raw_fidelity)
    net.add_link("r0", "r1", length_km=hop_km, refractive_index=1.49896229, channels=memo_size, link_model=model,
                 setup_delay_s=3 * h)
    extra = {}
    if target_fidelity is not None:
        extra = {"purification": "bbpssw", "target_fidelity": target_fidelity, "min_fidelity": target_fidelity,
                 "purification_handshake": True}
    if coherence_s > 0:
        extra["cutoff_s"] = coherence_s
    info = net.request("r0", "r1", num_pairs=10**6, memories_per_link=memo_size, swap_schedule="nested",
                       swap_handshake=True, **extra)
    return net, info, h, p, period


@pytest.mark.parametrize("hop_km, efficiencies, until_s", [
    (10.0, (0.9, 0.9), 0.2),     # period 1/f + h = 550 us
    (50.0, (0.9, 0.9), 0.4),     # period 4 h = 1 ms: the handshake outlasts 1/f + h
    (10.0, (0.5, 0.9), 0.2),     # routers of different memory efficiency: p = 0.5 eta_A eta_B
])
def test_one_memory_per_side_attempts_on_a_lattice(hop_km, efficiencies, until_s):
    """Two routers, one memory each: pairs come at 4 h + k x period, and a run holds Binomial(K, p) of them.

    The probe's n2_mem1, n2_mem1_50km and n2_eff_0.5_0.9 (SeQUeNCe 74.8 +- 1.8, 15.0 +- 1.0 and 83.4 +- 2.7 pairs
    per run over seeds 1-10, 2 memories per side in the last) agree with these counts. K counts the lattice
    points whose herald falls inside the run. A mapping with eta^2 of the mean efficiency (0.7^2 for 0.5 x 0.9)
    is 9 % off, 10 standard deviations over these 200 runs.
    """
    seeds = range(1, 201)
    total = 0
    for seed in seeds:
        net, _, h, p, period = translate(hop_km, seed, efficiencies=efficiencies)
        r = net.run(until_s=until_s).requests[0]
        k = (np.asarray(r.times_s) - 4 * h) / period
        np.testing.assert_allclose(k, np.round(k), atol=1e-6)
        np.testing.assert_allclose(r.ages_s, h, rtol=1e-9)
        total += r.num_pairs
    K = math.floor((until_s - 4 * h) / period + 1e-9) + 1
    n = K * len(seeds)
    assert_normal(total, n * p, math.sqrt(n * p * (1 - p)), sigmas=4.0, what="pairs over 200 runs")


def test_fidelity_decays_on_both_qubits_for_one_light_time():
    """20 km, raw Werner fidelity 0.8, T = 1 ms: every pair has F = 1/4 + (F0 - 1/4) exp(-8 h / 3 T).

    SeQUeNCe's Pauli decoherence with equal shares at rate 1/T multiplies a qubit's Werner parameter by
    exp(-4 t / 3 T); both qubits wait h = 100 us from emission to herald. Both simulators give 0.67126 (the
    probe's n2_raw_0.8_T1ms); depolarizing_time_s = T instead of 0.75 T gives 0.700, a decay on one qubit 0.731.
    """
    net, _, h, _, _ = translate(20.0, seed=1, memo_size=2, raw_fidelity=0.8, coherence_s=1e-3)
    r = net.run(until_s=0.05).requests[0]
    assert r.num_pairs > 5
    expected = 0.25 + (0.8 - 0.25) * math.exp(-8 * h / (3 * 1e-3))
    np.testing.assert_allclose(r.fidelities, expected, rtol=1e-12)


def test_pure_dephasing_is_t2_of_half_the_coherence_time():
    """SeQUeNCe's decoherence_errors (0, 0, 1): a Z error on each qubit with p = (1 - exp(-2 t / T)) / 2.

    The guide maps it to t2_s = T / 2. Two Z errors cancel, so a Werner pair of F0 after h on both qubits has
    F = F0 (1 - q) + (1 - F0) / 3 q, q = 2 p (1 - p): 0.67912 at 20 km, F0 = 0.8, T = 1 ms, as SeQUeNCe gives (the
    probe's n2_dephasing_T1ms); t2_s = T gives 0.734.
    """
    t = 1e-3
    net = qnsim.Network("bell_diagonal", seed=4)
    for name in ("r0", "r1"):
        net.add_node(name, num_memories=2, t2_s=t / 2)
    h = 20.0 * 5e-6
    eta = 0.9 * 10 ** (-0.2 * 20.0 / 20) * 0.9
    model = qnsim.LinkModel(scheme="single_click", success_probability=0.5 * eta**2, attempt_period_s=1 / 2e3 + h,
                            fidelity=0.8)
    net.add_link("r0", "r1", length_km=20.0, refractive_index=1.49896229, channels=2, link_model=model,
                 setup_delay_s=3 * h)
    net.request("r0", "r1", num_pairs=10**6, memories_per_link=2, cutoff_s=t)
    r = net.run(until_s=0.05).requests[0]
    assert r.num_pairs > 5
    p = (1 - math.exp(-2 * h / t)) / 2
    q = 2 * p * (1 - p)
    np.testing.assert_allclose(r.fidelities, 0.8 * (1 - q) + 0.2 / 3 * q, rtol=1e-12)


def test_one_bbpssw_round_from_werner_0_8_without_decay():
    """RequestApp target 0.83 over raw 0.8, coherence_time -1: every delivered pair has BBPSSW's 0.83815.

    One round on two Werner pairs of F with e = (1 - F) / 3: F' = (F^2 + e^2) / (F^2 + 2 F e + 5 e^2). SeQUeNCe
    gives 0.83815 on every pair too (the probe's n2_bbpssw_0.8_to_0.83_no_decay).
    """
    net, info, _, _, _ = translate(10.0, seed=2, memo_size=4, raw_fidelity=0.8, coherence_s=-1,
                                   target_fidelity=0.83)
    assert info.purification_rounds == 1
    r = net.run(until_s=0.05).requests[0]
    assert r.num_pairs > 5
    np.testing.assert_allclose(r.fidelities, _bbpssw(0.8), rtol=1e-12)


def _bbpssw(f):
    """One BBPSSW round on two Werner pairs of fidelity f: the output fidelity."""
    e = (1 - f) / 3
    return (f * f + e * e) / (f * f + 2 * f * e + 5 * e * e)


@pytest.mark.parametrize("end_to_end_rounds", [0, 1])
def test_a_target_above_the_swapped_pairs_takes_end_to_end_rounds(end_to_end_rounds):
    """3 routers, raw 0.95, RequestApp target 0.92, nothing decaying: the guide's RequestApp row.

    A swapped pair has Werner parameter ((4 x 0.95 - 1) / 3)^2, F = 0.90333 < 0.92; SeQUeNCe's rules purify it end
    to end (equal fidelities without decay), one BBPSSW round giving 0.92908 on every pair (the probe's
    n3_target_0.92_no_decay: SeQUeNCe 42.9 +- 1.7 pairs per 0.1 s, all of 0.92908). The translation with
    end_to_end_purification_rounds = 1 delivers exactly that; without it min_fidelity rejects every pair.
    """
    w = ((4 * 0.95 - 1) / 3) ** 2
    f_swapped = (1 + 3 * w) / 4
    e = (1 - f_swapped) / 3
    assert qnsim.purification_rounds_for((f_swapped, e, e, e), 0.92, "bbpssw") == 1
    net = qnsim.Network("bell_diagonal", seed=3)
    for name, memories in (("r0", 4), ("r1", 8), ("r2", 4)):
        net.add_node(name, num_memories=memories)
    h = 10.0 * 5e-6
    eta = 0.9 * 10 ** (-0.2 * 10.0 / 20) * 0.9
    model = qnsim.LinkModel(scheme="single_click", success_probability=0.5 * eta**2, attempt_period_s=1 / 2e3 + h,
                            fidelity=0.95)
    for a, b in (("r0", "r1"), ("r1", "r2")):
        net.add_link(a, b, length_km=10.0, refractive_index=1.49896229, channels=4, link_model=model,
                     setup_delay_s=3 * h)
    rounds = {"purification": "bbpssw", "end_to_end_purification_rounds": 1} if end_to_end_rounds else {}
    net.request("r0", "r2", num_pairs=10**6, memories_per_link=4, swap_schedule="nested", swap_handshake=True,
                target_fidelity=0.92, min_fidelity=0.92, purification_handshake=bool(end_to_end_rounds), **rounds)
    r = net.run(until_s=0.05).requests[0]
    if end_to_end_rounds:
        assert r.num_pairs > 5
        np.testing.assert_allclose(r.fidelities, _bbpssw(f_swapped), rtol=1e-12)
    else:
        assert r.num_pairs == 0
        assert r.rejected_low_fidelity > 10


def _swap(left, right, gate_error, flip):
    """Bell-diagonal (I, X, Y, Z) output of a Bell measurement on the inner qubits of two Bell-diagonal pairs.

    The output's Pauli frame error is the product of the inputs' (Paulis as (x, z) bits, added mod 2), times X and Z
    for flipped outcomes (probability flip each); DEPOLARIZE2(gate_error) on the measured qubits reaches the
    output as a Pauli drawn uniformly from the 16 with probability 16/15 gate_error (the identity's class holds
    three of the 15 errors).
    """
    bits = [(0, 0), (1, 0), (1, 1), (0, 1)]   # I, X, Y, Z as (x, z)
    out = np.zeros(4)
    for i, a in enumerate(bits):
        for j, b in enumerate(bits):
            for fx, px in ((0, 1 - flip), (1, flip)):
                for fz, pz in ((0, 1 - flip), (1, flip)):
                    k = bits.index(((a[0] + b[0] + fx) % 2, (a[1] + b[1] + fz) % 2))
                    out[k] += left[i] * right[j] * px * pz
    mixed = 16 / 15 * gate_error
    return (1 - mixed) * out + mixed / 4


@pytest.mark.parametrize("routers", [3, 5])
def test_noisy_swaps_keep_the_bell_diagonal_state(routers):
    """Gate fidelity 0.98, measurement fidelity 0.99 (gate2_error 15/16 x 0.02, measure_error 0.01), no decay.

    Links Werner 0.95, nested swaps composed on the full Bell-diagonal state. 3 routers: 0.87328, as SeQUeNCe gives;
    5 routers: 0.744273, where SeQUeNCe, twirling each swap's output to Werner before the next swap, gives 0.744140
    (the probe's n5_gate_0.98_meas_0.99; the guide's gate_fid row).
    """
    werner = np.array([0.95] + [0.05 / 3] * 3)
    pair = _swap(werner, werner, 15 / 16 * 0.02, 0.01)
    if routers == 5:
        pair = _swap(pair, pair, 15 / 16 * 0.02, 0.01)
    net = qnsim.Network("bell_diagonal", seed=5)
    names = [f"r{i}" for i in range(routers)]
    for i, name in enumerate(names):
        net.add_node(name, num_memories=2 if i in (0, routers - 1) else 4, gate2_error=15 / 16 * 0.02,
                     measure_error=0.01)
    h = 10.0 * 5e-6
    eta = 0.9 * 10 ** (-0.2 * 10.0 / 20) * 0.9
    model = qnsim.LinkModel(scheme="single_click", success_probability=0.5 * eta**2, attempt_period_s=1 / 2e3 + h,
                            fidelity=0.95)
    for a, b in zip(names, names[1:]):
        net.add_link(a, b, length_km=10.0, refractive_index=1.49896229, channels=2, link_model=model,
                     setup_delay_s=3 * h)
    net.request(names[0], names[-1], num_pairs=10**6, memories_per_link=2, swap_schedule="nested", swap_handshake=True)
    r = net.run(until_s=0.05).requests[0]
    assert r.num_pairs > 5
    np.testing.assert_allclose(r.fidelities, pair[0], rtol=1e-12)


def test_the_guides_doctest_blocks_run_as_written():
    """Every ``{doctest}`` block of the guide, run as a user pastes it (only ``qnsim`` imported)."""
    blocks = re.findall(r"```\{doctest\}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 2
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for i, block in enumerate(blocks):
        test = doctest.DocTestParser().get_doctest(block, {"qnsim": qnsim}, f"block {i}", str(GUIDE), 0)
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
