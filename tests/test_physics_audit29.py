"""Physics audit, round 29: network runs against closed forms written here, in every formalism.

Covered here and not in test_physics_audit.py .. test_physics_audit28.py:

* a multiplexed single-click link and a Barrett-Kok link through transducers, each described by the link's own
  hardware fields (a fiber loss and a group index other than the defaults), through whole runs: p from the
  efficiency product, attempts per herald Geometric(p), fidelity at the herald, decay in the memories (damping:
  exact and twirled, gamma^2 / 4 apart);
* the mean fidelity of a swap-ASAP repeater whose qubits dephase from emission, as an expectation over the links'
  geometric waits (no trace), its delivery count and mean age; and how often a run's 95% fidelity interval holds
  that ensemble mean (1000 seeds);
* chains of 2, 3 and 4 links replayed pair by pair from the trace by the Pauli rule below: swap-ASAP and nested,
  unequal fibers, on-demand generation, swap handshakes, two channels per link (free and fixed pairing), cutoffs (no
  delivered qubit stored beyond one), a setup delay, a late start and a deadline, kept pairs (both ends decaying
  until the delivery), with and without depolarizing memories, gate and readout errors, driven by the native
  protocol or a Python one, and which pairs a min_fidelity rejects;
* a herald-gated Barrett-Kok link with a setup delay: its renewal rate and the pairs' age (both rounds);
* the delivery rate of an on-demand chain (swap-ASAP and nested) over unequal fibers (a renewal closed form with
  the swaps' news delays);
* BBPSSW (success and fidelity) and DEJMPS (Deutsch et al.'s whole Bell diagonal) at network level on pairs that
  dephased for their attempt before the round.

Conventions (docs/concepts.md): fiber transmissivity 10^(-dB/km x L / 10), light at c / n; a Werner pair of
fidelity F; a memory of total coherence time T2 (T1 infinite) dephases each qubit, <XX> and <YY> shrink by
exp(-t / T2) per qubit. A stored qubit decays from its emission, the start of the attempt that heralds it, one
attempt period T before the herald (so a pair's age at delivery is counted from there).

The dephasing rule used for chains: a Z error on any qubit of a swap chain ends as a Z error on the delivered pair
(on the measured control it flips m_a, hence the Z correction; on the measured target CNOT carries it to the
control), and Pauli channels commute with the Bell-diagonal swap. So the delivered pair is the n-fold Werner
composition, f_n = 1/4 + (3/4) w^n with w = (4F - 1)/3, dephased once with lambda = exp(-S / T2), S the summed
storage times of all 2n qubits: F_out = f_n (1 + lambda) / 2 + (1 - f_n) / 3 (1 - lambda) / 2. T2-only memory is a
Pauli channel, so every formalism must give it (stabilizer: the mean of 0/1 trajectories).

Statistical checks use 5 sigma (a false alarm about once in 1.7 million per check) over fixed seeds; each says where its
sigma comes from. Each oracle was seen to fail by perturbing its expected value locally (p 1% higher, the mean attempts
per herald 10% higher, first-attempt heralds 15% fewer, storage counted from the herald instead of the emission, a T2
twice as long, F instead of the dephased input to BBPSSW, BBPSSW's p 3% higher, the two-link cycle count 4% higher, the
mean age one period shorter, emission a tenth of a period later, ends decaying until the delivery instant instead of
until each holds the swaps' news, depolarize2's shrink read as depolarize1's, a misread counted once on <YY>, a
depolarizing time 10% longer, the exact channel's gamma^2 / 4 left out of density_matrix, DEJMPS's Psi+ and Psi- outputs
swapped, its p 4% higher, the fidelity intervals 16% narrower, the on-demand cycle's news taken to the nearer end, the
nested cycle read as swap-ASAP's, the herald-gated cycle 6% longer, its age one round).
Round 29 found no defect in what it probed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
from script_modules import import_script
from stats import assert_binomial, assert_normal

import qnsim
from qnsim.hardware import Detector, Source, Transducer

FORMALISMS = ["density_matrix", "bell_diagonal", "stabilizer"]
SPEED_OF_LIGHT_M_PER_S = 299_792_458.0


def _dephased(phi_plus: float, phi_minus: float, lam: float) -> float:
    """F of a Bell-diagonal pair after a Z flip with probability (1 - lam) / 2: its Phi+ and Phi- weights mix."""
    return phi_plus * (1 + lam) / 2 + phi_minus * (1 - lam) / 2


def _dephased_werner(f: float, lam: float) -> float:
    """A Werner pair of fidelity f (Phi- weight (1 - f) / 3) dephased as in :func:`_dephased`."""
    return _dephased(f, (1 - f) / 3, lam)


def _werner_chain(f: float, links: int) -> float:
    """Fidelity of `links` Werner pairs of fidelity f swapped into one: w = (4f - 1) / 3 multiplies."""
    return 0.25 + 0.75 * ((4 * f - 1) / 3) ** links


@pytest.mark.parametrize("formalism", FORMALISMS)
def test_a_single_click_link_from_its_own_fiber_fields_delivers_its_closed_form(formalism):
    """Single click between two emitters of bright-state weight a, arms eta = emission x 10^(-dB L/20) x detector.

    Closed form (threshold detectors, V = 1, no dark counts): one emitter bright (2 a (1 - a)) heralds when its photon
    is detected (eta); both bright (a^2) bunch on the beam splitter and herald when either photon survives
    (1 - (1 - eta)^2): p = 2 a eta - a^2 eta^2. The herald leaves Psi (weight a (1 - a) eta, coherent) against |11>
    (weight a^2 (1 - (1 - eta)^2) / 2): F0 = (1 - a) / ((1 - a) + a (2 - eta) / 2), Phi- weight 0. With m modes
    per attempt, p_m = 1 - (1 - p)^m and the same F0 (a herald keeps one mode). The attempt period is the light's
    round trip to the midpoint, L n / c. Attempts run back to back (a herald frees the pair at once), so the pairs in
    W are Binomial(floor(W / T), p_m) and the gaps between deliveries are T times Geometric(p_m) attempts (mean
    1/p_m, variance (1 - p_m)/p_m^2; a gap of one attempt with probability p_m); every pair is T old; both qubits
    dephase for T: F = F0 (1 + exp(-2T / T2)) / 2.
    """
    length_km, db_per_km, index, a, det_eff, emission, t2, window = 12.0, 0.35, 1.6, 0.15, 0.8, 0.9, 2e-3, 0.5
    modes = 3
    network = qnsim.Network(formalism, seed=3)
    for name in "ab":
        network.add_node(name, num_memories=1, t2_s=t2)
    link = network.add_link(
        "a", "b", length_km=length_km, scheme="single_click", attenuation_db_per_km=db_per_km, refractive_index=index,
        source=Source(attempt_rate_hz=1e6, emission_efficiency=emission, bright_state_alpha=a, num_modes=modes),
        detector=Detector(efficiency=det_eff),
    )  # fmt: skip
    eta = emission * 10 ** (-db_per_km * (length_km / 2) / 10) * det_eff
    p = 1 - (1 - (2 * a * eta - a * a * eta * eta)) ** modes
    period = length_km * 1e3 * index / SPEED_OF_LIGHT_M_PER_S
    f0 = (1 - a) / ((1 - a) + a * (2 - eta) / 2)
    assert link.success_probability == pytest.approx(p, rel=1e-12)
    # The core holds the period in whole picoseconds.
    assert abs(link.attempt_period_s - period) <= 1e-12
    assert link.fidelity == pytest.approx(f0, abs=1e-12)
    assert link.bell_diagonal[3] == pytest.approx(0.0, abs=1e-12)
    network.request("a", "b")
    r = network.run(until_s=window, progress=False).requests[0]
    attempts = math.floor(round(window * 1e12) / round(link.attempt_period_s * 1e12))
    assert_binomial(r.num_pairs, attempts, p, what="single-click heralds per attempt")
    assert r.mean_age_s == pytest.approx(link.attempt_period_s, rel=1e-9)
    gaps = np.diff(np.concatenate([[0], np.asarray(r.times_ps)])) / round(link.attempt_period_s * 1e12)
    assert np.array_equal(gaps, np.round(gaps)) and gaps.min() >= 1
    assert_normal(gaps.mean(), 1 / p, math.sqrt((1 - p) / p**2 / len(gaps)), what="attempts per herald")
    assert_binomial(int(np.sum(gaps == 1)), len(gaps), p, what="heralds at the first attempt")
    f = _dephased(f0, 0.0, math.exp(-2 * link.attempt_period_s / t2))
    if formalism == "stabilizer":
        # Each trajectory's pair is a Bell state: a 0/1 fidelity of mean f, variance f (1 - f).
        assert_binomial(r.mean_fidelity * r.num_pairs, r.num_pairs, f, what="stabilizer mean F")
    else:
        assert r.mean_fidelity == pytest.approx(f, abs=1e-9)


def _geometric_gap_moment(p: float, x: float) -> float:
    """E[x^|G1 - G2|] for independent G1, G2 ~ Geometric(p) on {1, 2, ...}.

    P(G1 = G2) = p / (2 - p); P(|G1 - G2| = k >= 1) = 2 p (1 - p)^k / (2 - p), so the moment is
    p / (2 - p) (1 + 2 (1 - p) x / (1 - (1 - p) x)).
    """
    return p / (2 - p) * (1 + 2 * (1 - p) * x / (1 - (1 - p) * x))


def _dephasing_repeater(formalism, f_link, p, period, t2, seed):
    """Nodes a - m - b (one memory at each end, two at m, ``t2`` s coherence), two fiberless links of Werner
    ``f_link`` succeeding with ``p`` per attempt of ``period`` s, and a request a -> b (swap-ASAP)."""
    network = qnsim.Network(formalism, seed=seed)
    for name, memories in (("a", 1), ("m", 2), ("b", 1)):
        network.add_node(name, num_memories=memories, t2_s=t2)
    for a, b in (("a", "m"), ("m", "b")):
        network.add_link(a, b, length_km=0.0, fidelity=f_link, success_probability=p, attempt_period_s=period)
    network.request("a", "b")
    return network


@pytest.mark.parametrize("formalism", FORMALISMS)
def test_a_two_link_asap_repeater_with_dephasing_delivers_the_expectation_over_its_geometric_waits(formalism):
    """Two Werner links (F, p, period T, no fiber) into a middle node, T2 memories, swap-ASAP, no trace.

    Each cycle both links attempt from the same instant until each heralds (G1, G2 ~ Geometric(p) attempts), the swap
    and the delivery follow the later herald at once. Storage from emission: the earlier pair's qubits (|G1 - G2| + 1)
    T each, the later pair's T each: lambda = exp(-4T/T2) x^|G1 - G2| with x = exp(-2T/T2). A pair's F is linear in
    lambda, so the mean F over cycles is F_out at E[lambda] (moment above), with a per-pair variance
    (b c)^2 (E[x^2|D|] - E[x^|D|]^2), b the slope dF/dlambda and c = exp(-4T/T2). Cycles last E[max(G1, G2)] T =
    (2/p - 1/(p (2 - p))) T; the count in W has variance W Var(max) / E[max]^3 (renewal CLT), Var(max) from
    E[max^2] = sum_k (2k - 1) P(max >= k). The mean age is (E|G1 - G2| + 1) T = (2 (1 - p) / (p (2 - p)) + 1) T
    (its standard error from Var|G1 - G2|).
    """
    f_link, p, period, t2, window = 0.95, 0.3, 1e-5, 2e-4, 0.5
    network = _dephasing_repeater(formalism, f_link, p, period, t2, seed=11)
    r = network.run(until_s=window, progress=False).requests[0]

    q = 1 - p
    e_max = 2 / p - 1 / (p * (2 - p))
    # P(max >= k) = 1 - (1 - q^(k-1))^2; the series converges geometrically.
    e_max_sq = sum((2 * k - 1) * (1 - (1 - q ** (k - 1)) ** 2) for k in range(1, 400))
    var_max = e_max_sq - e_max**2
    cycles = window / (e_max * period)
    assert_normal(r.num_pairs, cycles, math.sqrt(window / period * var_max / e_max**3) + 1, what="cycles in W")

    x = math.exp(-2 * period / t2)
    c = math.exp(-4 * period / t2)
    f2 = _werner_chain(f_link, 2)
    slope = (f2 - (1 - f2) / 3) / 2
    mean_lambda = c * _geometric_gap_moment(p, x)
    expected = _dephased_werner(f2, mean_lambda)
    spread = abs(slope) * c * math.sqrt(_geometric_gap_moment(p, x * x) - _geometric_gap_moment(p, x) ** 2)
    if formalism == "stabilizer":
        assert_binomial(r.mean_fidelity * r.num_pairs, r.num_pairs, expected, what="stabilizer mean F")
    else:
        assert_normal(r.mean_fidelity, expected, spread / math.sqrt(r.num_pairs), what="mean F over the waits")
    mean_gap = 2 * q / (p * (2 - p))
    # E[(G1 - G2)^2] = 2 Var(G) = 2q / p^2, so Var|G1 - G2| = 2q / p^2 - (E|G1 - G2|)^2.
    gap_sd = math.sqrt(2 * q / p**2 - mean_gap**2)
    assert_normal(r.mean_age_s / period, mean_gap + 1, gap_sd / math.sqrt(r.num_pairs), what="mean age / T")


class _Replayed(NamedTuple):
    """What the replay makes of a traced chain run: the run's and the oracle's fidelity of each delivered pair (in
    the trace's order, pairs delivered at one instant matched by value), the longest any qubit of a delivered pair
    was stored before its use (its swap, or its end's use), in s, the cutoff records, and the same fidelities for
    the pairs rejected below a min_fidelity."""

    got: list[float]
    expected: list[float]
    longest_storage_s: float
    cutoffs: int
    rejected_got: list[float]
    rejected_expected: list[float]


def _replayed_chain(records, path, herald_delay_s, one_way_s, fidelity, *, kept=False) -> _Replayed:
    """Rebuilds each delivered pair's F from the trace: every qubit's storage from emission (its herald less the
    link's herald delay) to its swap (a middle node's qubits) or its use (the ends'), summed into S;
    ``fidelity(links, S)`` the oracle's F of a pair swapped from that many links.

    Pair ends are followed by (node, memory slot) as the trace names them: a link's herald opens a segment, a swap
    joins the two segments holding the slots it measures (those two qubits stop decaying), a cutoff drops the
    segment holding a slot it names, a delivery closes a segment spanning the path whose ends are both used at that
    instant. An end is used when it holds the news of every swap of its pair (docs/concepts.md; the rule of
    test_physics_audit23), each news travelling the fiber from the swapping node (``one_way_s``: each link's
    one-way light time); so heralds are not grouped by delivery (a link whose ends were both freed by swaps heralds
    again while the rest of the chain still waits). A kept pair (``keep_pairs``) is not used by its ends: both
    decay until the delivery instant (RequestResult.fidelities says so).
    """
    index = {name: i for i, name in enumerate(path)}

    def news_s(i: int, j: int) -> float:
        return sum(one_way_s[min(i, j) : max(i, j)])

    held: dict[tuple[str, int], dict] = {}
    groups: dict[str, list] = {"delivery": [], "rejected": []}
    longest = 0.0
    cutoffs = 0
    instant = None
    for rec in records:
        event, now = rec["event"], rec["time_s"]
        if event == "link_pair":
            ends = list(zip(rec["nodes"], rec["slots"]))
            emitted = now - herald_delay_s[min(index[ends[0][0]], index[ends[1][0]])]
            seg = {"ends": ends, "emit": [emitted, emitted], "storage": 0.0, "links": 1, "swaps": [], "herald": now,
                   "longest": 0.0}  # fmt: skip
            for end in ends:
                assert end not in held, f"two pairs on memory {end} at {now} s"
                held[end] = seg
        elif event == "swap":
            node = rec["nodes"][0]
            k1, k2 = (node, rec["slots"][0]), (node, rec["slots"][1])
            one, two = held.pop(k1), held.pop(k2)
            i1, i2 = one["ends"].index(k1), two["ends"].index(k2)
            waits = (now - one["emit"][i1], now - two["emit"][i2])
            seg = {
                "ends": [one["ends"][1 - i1], two["ends"][1 - i2]],
                "emit": [one["emit"][1 - i1], two["emit"][1 - i2]],
                "storage": one["storage"] + two["storage"] + sum(waits),
                "links": one["links"] + two["links"],
                "swaps": one["swaps"] + two["swaps"] + [(node, now)],
                "herald": max(one["herald"], two["herald"]),
                "longest": max(one["longest"], two["longest"], *waits),
            }
            for end in seg["ends"]:
                held[end] = seg
        elif event == "cutoff":
            cutoffs += 1
            for end in zip(rec["nodes"], rec["slots"]):
                seg = held.get(end)
                for other in seg["ends"] if seg else ():
                    if held.get(other) is seg:
                        del held[other]
        elif event in ("delivery", "rejected"):
            candidates = []
            for seg in {id(x): x for x in held.values()}.values():
                if sorted(index[e[0]] for e in seg["ends"]) != [0, len(path) - 1]:
                    continue
                used = [max([seg["herald"]] + [t + news_s(index[m], index[e[0]]) for m, t in seg["swaps"]])
                        for e in seg["ends"]]  # fmt: skip
                if abs(max(used) - now) <= 1e-12:
                    candidates.append((min(seg["emit"]), seg, used))
            assert candidates, f"no replayed pair is used at the delivery at {now} s"
            _, seg, used = min(candidates, key=lambda c: c[0])
            if kept:
                used = [now, now]
            waits = [u - e for u, e in zip(used, seg["emit"])]
            if event == "delivery":
                longest = max(longest, seg["longest"], *waits)
            f = fidelity(seg["links"], seg["storage"] + sum(waits))
            if instant is not None and instant[:2] == (now, event):
                instant[2].append(rec["value"])
                instant[3].append(f)
            else:
                instant = (now, event, [rec["value"]], [f])
                groups[event].append(instant[2:])
            for end in seg["ends"]:
                del held[end]
    # Pairs delivered at one instant come in the core's order, not necessarily the oldest first: compare as sets.
    flat = {
        event: tuple([v for group in kept for v in sorted(group[i])] for i in (0, 1)) for event, kept in groups.items()
    }
    return _Replayed(*flat["delivery"], longest, cutoffs, *flat["rejected"])


CHAINS = {
    "2 links": dict(lengths=(0.0, 0.0)),
    "3 links": dict(lengths=(0.0, 0.0, 0.0)),
    "4 links, fibers": dict(lengths=(2.0, 3.0, 5.0, 1.0)),
    "nested, fibers": dict(lengths=(2.0, 3.0, 5.0, 1.0), swap_schedule="nested"),
    "nested, 3 links": dict(lengths=(4.0, 0.0, 1.5), swap_schedule="nested"),
    "on demand": dict(lengths=(2.0, 3.0, 5.0, 1.0), generation="on_demand"),
    "handshake": dict(lengths=(2.0, 3.0, 5.0, 1.0), swap_handshake=True),
    "2 channels": dict(lengths=(2.0, 3.0, 5.0, 1.0), channels=2),
    "2 fixed channels": dict(lengths=(2.0, 3.0, 5.0, 1.0), channels=2, fixed_channels=True),
    "cutoff": dict(lengths=(2.0, 3.0, 5.0, 1.0), cutoff_s=3e-4),
    "nested cutoff": dict(lengths=(2.0, 3.0, 5.0, 1.0), cutoff_s=3e-4, swap_schedule="nested"),
    "cutoff, 2 channels": dict(lengths=(2.0, 3.0, 5.0, 1.0), cutoff_s=3e-4, channels=2),
    "on demand, cutoff, long fibers": dict(lengths=(10.0, 3.0, 20.0), generation="on_demand", cutoff_s=1e-3),
    "setup delay": dict(lengths=(2.0, 3.0, 5.0, 1.0), setup_delay_s=2e-5),
    "late start": dict(lengths=(2.0, 3.0, 5.0, 1.0), start_s=1.234567e-3),
    "late start, deadline, cutoff": dict(lengths=(2.0, 3.0, 5.0, 1.0), start_s=1e-3, deadline_s=6e-3, cutoff_s=3e-4),
    # examples/chain_policy.py's swap-ASAP written in Python (qnsim.Protocol: each end takes its qubit itself).
    "Python swap-ASAP": dict(lengths=(2.0, 3.0, 5.0, 1.0), protocol="chain_policy"),
    "Python swap-ASAP, on demand": dict(lengths=(2.0, 3.0, 5.0, 1.0), protocol="chain_policy", generation="on_demand"),
}


def _chain_fidelity(f_link, links, storage_s, t2, depolarizing_time, gate2_error, measure_error):
    """F of n Werner links swapped into one pair whose 2n qubits were stored S in all, with node noise.

    In correlators (<XX>, <YY>, <ZZ>) = w (1, -1, 1) per link, w = (4F - 1)/3, a swap multiplies them (up to the
    sign of <YY>) and every Pauli channel multiplies each by its own factor, whichever qubit it hits (a Pauli on any
    qubit ends on the delivered pair, module docstring): storage exp(-S/T2) on <XX>, <YY> and exp(-S/T) on all
    three (depolarize1 with p = 3/4 (1 - exp(-t/T)) shrinks the Bloch vector by exp(-t/T)); per swap, depolarize2
    after its CNOT (a Z or Y on the control flips m_a: a Z out; an X or Y on the target flips m_b: an X out; each
    of X, Y, Z out for 4 of the 15 Paulis) is depolarize1 with shrink 1 - 16 p / 15, and misread outcomes (e each)
    flip m_a (a Z out: <XX>, <YY> times 1 - 2e) and m_b (an X out: <YY>, <ZZ> times 1 - 2e).
    F = (1 + <XX> - <YY> + <ZZ>) / 4.
    """
    w = ((4 * f_link - 1) / 3) ** links * (1 - 16 * gate2_error / 15) ** (links - 1)
    misread = (1 - 2 * measure_error) ** (links - 1)
    dep = math.exp(-storage_s / depolarizing_time)
    xx = w * misread * dep * math.exp(-storage_s / t2)
    yy = w * misread**2 * dep * math.exp(-storage_s / t2)
    zz = w * misread * dep
    return (1 + xx + yy + zz) / 4


NODE_NOISE = {
    "memory T2 only": dict(depolarizing_time_s=math.inf, gate2_error=0.0, measure_error=0.0),
    "T2, depolarizing memory, gate and readout errors": dict(
        depolarizing_time_s=3e-3, gate2_error=0.02, measure_error=0.01
    ),
}


@pytest.mark.parametrize("noise", NODE_NOISE)
@pytest.mark.parametrize("chain", CHAINS)
@pytest.mark.parametrize("formalism", FORMALISMS)
def test_chains_of_dephasing_memories_deliver_the_pauli_composition_pair_by_pair(formalism, chain, noise):
    """Chains of 2, 3 and 4 Werner links (p < 1) with T2 memories, replayed from the trace: swap-ASAP and nested,
    without fiber and over unequal fibers (news arriving at the ends at different instants), on-demand generation,
    swap handshakes, two channels per link (free or fixed pairing), cutoffs, a setup delay, the Python swap-ASAP
    of examples/chain_policy.py; with and without a depolarizing memory time, gate errors and readout errors at
    every node (all Pauli channels).

    Each delivered pair is the n-fold Werner composition with every Pauli channel's factor (:func:`_chain_fidelity`;
    T2 alone: dephased by exp(-S / T2)), S summed over its 2n qubits' storage (module docstring), read from the
    trace's herald, swap and delivery times, each end until it holds every swap's news. The density_matrix pair is
    the state the nodes know (the mixture over misreads they cannot see). Exact per pair in density_matrix and
    bell_diagonal (1e-9: times are whole picoseconds); in
    stabilizer the 0/1 trajectories' sum has variance sum F_i (1 - F_i) given the histories (independent Bernoulli
    draws). Under a cutoff no qubit of a delivered pair was stored longer than it, and the cutoff binds.
    """
    cfg = dict(CHAINS[chain])
    lengths = cfg.pop("lengths")
    link_kw = {k: cfg.pop(k) for k in ("channels", "fixed_channels", "setup_delay_s") if k in cfg}
    channels = link_kw.get("channels", 1)
    f_link, p, period, t2 = 0.97, 0.4, 5e-5 if max(lengths) < 6 else 3e-4, 2e-3
    links = len(lengths)
    path = [f"n{i}" for i in range(links + 1)]
    network = qnsim.Network(formalism, seed=20 + links, trace=True)
    for i, name in enumerate(path):
        network.add_node(name, num_memories=channels * (1 if i in (0, links) else 2), t2_s=t2, **NODE_NOISE[noise])
    hops = [
        network.add_link(a, b, length_km=km, fidelity=f_link, success_probability=p, attempt_period_s=period, **link_kw)
        for a, b, km in zip(path, path[1:], lengths)
    ]
    if channels > 1:
        cfg["memories_per_link"] = channels
    if cfg.get("protocol") == "chain_policy":
        cfg["protocol"] = import_script(
            Path(__file__).resolve().parents[1] / "examples" / "chain_policy.py"
        ).ChainSwapASAP()
    network.request(path[0], path[-1], num_pairs=200, **cfg)
    r = network.run(until_s=2.0, progress=False).requests[0]
    trace = network.trace()
    assert trace.omitted == 0
    # Light in fiber at c / 1.44 (docs/concepts.md), held in whole picoseconds.
    one_way = [km * 1e3 * 1.44 / SPEED_OF_LIGHT_M_PER_S for km in lengths]
    for hop, t in zip(hops, one_way):
        assert abs(hop.classical_delay_s - t) <= 1e-12
        assert hop.herald_delay_a_s == hop.herald_delay_b_s
    node = NODE_NOISE[noise]
    noise_args = (t2, node["depolarizing_time_s"], node["gate2_error"], node["measure_error"])
    replay = _replayed_chain(
        list(trace),
        path,
        [h.herald_delay_a_s for h in hops],
        one_way,
        lambda n, storage: _chain_fidelity(f_link, n, storage, *noise_args),
    )
    assert len(replay.expected) == r.num_pairs
    assert r.num_pairs == 200 or (r.status == "dropped" and r.num_pairs > 5)
    if formalism == "stabilizer":
        sigma = math.sqrt(sum(f * (1 - f) for f in replay.expected))
        assert_normal(sum(replay.got), sum(replay.expected), sigma, what=f"{chain}: stabilizer F sum")
    else:
        assert replay.got == pytest.approx(replay.expected, abs=1e-9)
    # Storage must matter here, or the check above would not see a wrong storage rule.
    assert max(replay.expected) - min(replay.expected) > 0.02
    if "cutoff_s" in cfg:
        assert replay.longest_storage_s <= cfg["cutoff_s"] + 1e-12
        assert replay.cutoffs > 0
        assert r.cutoff_discards > 0


def _one_round_on_two_channels(formalism, scheme, f_link, rate, t2, window, seed):
    """A run of ``window`` s of one ``scheme`` round per pair of pairs on a direct fiberless link of 2 channels
    (Werner ``f_link``, ``rate`` Hz each) between two nodes of 2 memories with ``t2`` s coherence."""
    network = qnsim.Network(formalism, seed=seed)
    for name in "ab":
        network.add_node(name, num_memories=2, t2_s=t2)
    network.add_link("a", "b", length_km=0.0, fidelity=f_link, rate_hz=rate, channels=2)
    network.request("a", "b", purification=scheme, purification_rounds=1)
    return network.run(until_s=window, progress=False)


@pytest.mark.parametrize("formalism", FORMALISMS)
def test_bbpssw_at_network_level_on_pairs_dephased_for_their_attempt(formalism):
    """One BBPSSW round on a direct link of 2 channels, Werner F, a pair per channel every T = 1/R (no fiber), T2.

    Both pairs are stored T (emission to herald) before the round acts, so each enters as the Werner pair dephased
    by lambda = exp(-2T/T2): f = F (1 + lambda)/2 + (1 - F)/3 (1 - lambda)/2. BBPSSW twirls it to Werner f (Bennett
    et al.): success p = f^2 + 2 f b + 5 b^2, b = (1 - f)/3, kept F' = (f^2 + b^2) / p. W R rounds in W; the kept
    pairs are Binomial(W R, p); the kept pair is delivered at once (its mean fidelity F', exactly outside
    stabilizer; a 0/1 mean there).
    """
    f_link, rate, t2, window = 0.85, 1e4, 1e-3, 1.0
    result = _one_round_on_two_channels(formalism, "bbpssw", f_link, rate, t2, window, seed=3)
    r = result.requests[0]
    f = _dephased_werner(f_link, math.exp(-2 / rate / t2))
    b = (1 - f) / 3
    p = f * f + 2 * f * b + 5 * b * b
    rounds = result.counters["purifications"]
    assert rounds == round(window * rate)
    assert_binomial(r.num_pairs, rounds, p, what="BBPSSW kept pairs per round")
    kept = (f * f + b * b) / p
    if formalism == "stabilizer":
        assert_binomial(r.mean_fidelity * r.num_pairs, r.num_pairs, kept, what="stabilizer kept F")
    else:
        assert r.mean_fidelity == pytest.approx(kept, abs=1e-12)


def _correlators(weights) -> tuple[float, float, float]:
    """(<XX>, <YY>, <ZZ>) of Bell weights (Phi+, Psi+, Psi-, Phi-)."""
    a, b, c, d = weights
    return a + b - c - d, -a + b - c + d, a - b - c + d


@pytest.mark.parametrize("formalism", FORMALISMS)
def test_a_barrett_kok_link_through_transducers_stored_in_damping_memories(formalism):
    """Double click (Barrett-Kok) through transducers at both ends, described by the link's fields (fiber loss and
    index other than the defaults), visibility V, memories with T1 and T2.

    Closed form: arm eta = emission x transducer x 10^(-dB (L/2)/10) x detector; p = eta^2 / 2 (one photon in each
    round); the period is two light round trips to the midpoint, 2 L n / c; the herald leaves Phi+ (1 + V)/2 and
    Phi- (1 - V)/2 (V scales the one coherence), so (<XX>, <YY>, <ZZ>) = (V, -V, 1). Both qubits are stored the
    period T (emission to herald): <XX>, <YY> times exp(-2T/T2), <ZZ> -> (1 - gamma)^2 + gamma^2 exactly
    (density_matrix), (1 - gamma)^2 under the Pauli twirl (bell_diagonal, stabilizer): the twirl reads gamma^2 / 4
    below, as docs/concepts.md states for a pair without local polarization. Pairs in W: Binomial(floor(W/T), p).
    """
    length_km, db_per_km, index, emission, efficiency, det_eff, visibility = 8.0, 0.25, 1.5, 0.8, 0.4, 0.9, 0.9
    t1, t2, window = 2e-3, 1e-3, 0.5
    network = qnsim.Network(formalism, seed=4)
    for name in "ab":
        network.add_node(name, num_memories=1, t1_s=t1, t2_s=t2)
    link = network.add_link(
        "a", "b", length_km=length_km, scheme="double_click", attenuation_db_per_km=db_per_km, refractive_index=index,
        source=Source(attempt_rate_hz=1e6, emission_efficiency=emission),
        detector=Detector(efficiency=det_eff, visibility=visibility),
        transducer=Transducer(efficiency=efficiency, added_noise_photons=0.0),
    )  # fmt: skip
    eta = emission * efficiency * 10 ** (-db_per_km * (length_km / 2) / 10) * det_eff
    period = 2 * length_km * 1e3 * index / SPEED_OF_LIGHT_M_PER_S
    assert link.success_probability == pytest.approx(eta * eta / 2, rel=1e-12)
    assert abs(link.attempt_period_s - period) <= 1e-12
    assert link.bell_diagonal == pytest.approx(((1 + visibility) / 2, 0, 0, (1 - visibility) / 2), abs=1e-12)
    network.request("a", "b")
    r = network.run(until_s=window, progress=False).requests[0]
    attempts = math.floor(round(window * 1e12) / round(link.attempt_period_s * 1e12))
    assert_binomial(r.num_pairs, attempts, link.success_probability, what="Barrett-Kok heralds per attempt")
    assert r.mean_age_s == pytest.approx(link.attempt_period_s, rel=1e-9)
    t = link.attempt_period_s
    gamma = -math.expm1(-t / t1)
    xx, yy, zz = visibility * math.exp(-2 * t / t2), -visibility * math.exp(-2 * t / t2), (1 - gamma) ** 2
    twirled = (1 + xx - yy + zz) / 4
    if formalism == "density_matrix":
        assert r.mean_fidelity == pytest.approx(twirled + gamma * gamma / 4, abs=1e-9)
    elif formalism == "bell_diagonal":
        assert r.mean_fidelity == pytest.approx(twirled, abs=1e-9)
    else:
        assert_binomial(r.mean_fidelity * r.num_pairs, r.num_pairs, twirled, what="stabilizer mean F")


@pytest.mark.parametrize("formalism", FORMALISMS)
def test_dejmps_at_network_level_on_dephased_pairs_is_deutsch_et_al(formalism):
    """One DEJMPS round on a direct link of 2 channels, Werner F, a pair per channel every T = 1/R (no fiber), T2
    short enough that the stored pairs are far from Werner.

    Each input is stored T at both ends: Phi+ and Phi- mix with lambda = exp(-2T/T2), Psi+ = Psi- = (1 - F)/3.
    Deutsch et al. (PRL 77, 2818) in their variables A = Phi+, B = Psi-, C = Psi+, D = Phi-: N = (A + B)^2 +
    (C + D)^2, A' = (A^2 + B^2)/N, B' = 2CD/N, C' = (C^2 + D^2)/N, D' = 2AB/N. The kept pairs are Binomial(rounds, N);
    their mean Bell diagonal, in the order (Phi+, Psi+, Psi-, Phi-), is (A', C', B', D') exactly outside stabilizer
    (each trajectory's pair one Bell state there: each weight binomial).
    """
    f_link, rate, t2, window = 0.85, 1e4, 3e-4, 2.0
    result = _one_round_on_two_channels(formalism, "dejmps", f_link, rate, t2, window, seed=6)
    r = result.requests[0]
    lam = math.exp(-2 / rate / t2)
    a = _dephased(f_link, (1 - f_link) / 3, lam)
    d = _dephased((1 - f_link) / 3, f_link, lam)
    b = c = (1 - f_link) / 3
    n = (a + b) ** 2 + (c + d) ** 2
    kept = ((a * a + b * b) / n, (c * c + d * d) / n, 2 * c * d / n, 2 * a * b / n)
    rounds = result.counters["purifications"]
    assert rounds == round(window * rate)
    assert_binomial(r.num_pairs, rounds, n, what="DEJMPS kept pairs per round")
    if formalism == "stabilizer":
        for got, want, name in zip(r.mean_bell_diagonal, kept, ("Phi+", "Psi+", "Psi-", "Phi-")):
            assert_binomial(got * r.num_pairs, r.num_pairs, want, what=f"stabilizer {name} weight")
    else:
        assert tuple(r.mean_bell_diagonal) == pytest.approx(kept, abs=1e-12)
        assert r.mean_fidelity == pytest.approx(kept[0], abs=1e-12)


@pytest.mark.parametrize("formalism", ["density_matrix", "bell_diagonal"])
def test_min_fidelity_rejects_exactly_the_pairs_the_replay_puts_below_it(formalism):
    """The 4-link chain over unequal fibers with T2 memories and a min_fidelity near its pairs' median: every pair
    the run delivers or rejects is the replay's (module docstring), the delivered ones at or above the threshold,
    the rejected ones below it (the nodes know their pairs in these formalisms), and the run counts them."""
    lengths, threshold, t2, f_link = (2.0, 3.0, 5.0, 1.0), 0.72, 2e-3, 0.97
    path = [f"n{i}" for i in range(len(lengths) + 1)]
    network = qnsim.Network(formalism, seed=7, trace=True)
    for i, name in enumerate(path):
        network.add_node(name, num_memories=1 if i in (0, len(lengths)) else 2, t2_s=t2)
    hops = [
        network.add_link(a, b, length_km=km, fidelity=f_link, success_probability=0.4, attempt_period_s=5e-5)
        for a, b, km in zip(path, path[1:], lengths)
    ]
    network.request(path[0], path[-1], num_pairs=100, min_fidelity=threshold)
    r = network.run(until_s=2.0, progress=False).requests[0]
    one_way = [km * 1e3 * 1.44 / SPEED_OF_LIGHT_M_PER_S for km in lengths]
    replay = _replayed_chain(
        list(network.trace()),
        path,
        [h.herald_delay_a_s for h in hops],
        one_way,
        lambda n, storage: _chain_fidelity(f_link, n, storage, t2, math.inf, 0.0, 0.0),
    )
    assert replay.got == pytest.approx(replay.expected, abs=1e-9)
    assert replay.rejected_got == pytest.approx(replay.rejected_expected, abs=1e-9)
    assert len(replay.got) == r.num_pairs == 100
    assert len(replay.rejected_got) == r.rejected_low_fidelity
    assert min(replay.expected) >= threshold
    # The threshold must bind, or the check would not see pairs let through below it.
    assert 10 <= len(replay.rejected_expected) and max(replay.rejected_expected) < threshold


def test_kept_pairs_decay_at_both_ends_until_their_delivery():
    """keep_pairs over two links of unequal fibers (news reaches the near end 4.8 us before the far one), four
    channels: each kept pair is the replay's with both ends stored until the delivery instant (results.py:
    "with keep_pairs both stay in memory and decay until the delivery time"), not until each end held its news.
    Old-behaviour guard: a kept pair recorded as if its early end had stopped decaying."""
    lengths, t2, f_link = (2.0, 3.0), 2e-3, 0.97
    path = ["n0", "n1", "n2"]
    network = qnsim.Network("density_matrix", seed=8, trace=True)
    for i, name in enumerate(path):
        network.add_node(name, num_memories=4 if i != 1 else 8, t2_s=t2)
    hops = [
        network.add_link(
            a, b, length_km=km, fidelity=f_link, success_probability=0.4, attempt_period_s=5e-5, channels=4
        )
        for a, b, km in zip(path, path[1:], lengths)
    ]
    network.request("n0", "n2", num_pairs=4, keep_pairs=True, memories_per_link=4)
    r = network.run(until_s=1.0, progress=False).requests[0]
    one_way = [km * 1e3 * 1.44 / SPEED_OF_LIGHT_M_PER_S for km in lengths]
    args = (path, [h.herald_delay_a_s for h in hops], one_way)
    fidelity = lambda n, storage: _chain_fidelity(f_link, n, storage, t2, math.inf, 0.0, 0.0)  # noqa: E731
    kept = _replayed_chain(list(network.trace()), *args, fidelity, kept=True)
    assert r.num_pairs == len(kept.got) == 4
    assert kept.got == pytest.approx(kept.expected, abs=1e-9)
    used = _replayed_chain(list(network.trace()), *args, fidelity)
    # The two rules differ here by more than the check's tolerance, so the check tells them apart.
    assert min(abs(a - b) for a, b in zip(used.expected, kept.expected)) > 1e-4


@pytest.mark.parametrize("formalism", FORMALISMS)
def test_the_mean_fidelitys_95_percent_interval_covers_the_ensemble_closed_form_as_often_as_it_says(formalism):
    """The two-link dephasing repeater of the test above, 1000 seeds of a short window (about 42 pairs each):
    each run's ``fidelity_interval95`` (Student t on the per-pair fidelities; stabilizer: Wilson on the 0/1
    trajectories) should hold the ensemble mean F_out(E[lambda]) (closed form above) in 95% of the runs. The count
    that do is Binomial(1000, 0.95) for a correct interval: 5 sigma is 950 +- 34, so an interval that covers 90%
    (or 99%) of the time fails. (run_seeds: the same runs as one network per seed.)
    """
    f_link, p, period, t2, window = 0.95, 0.3, 1e-5, 2e-4, 0.002
    network = _dephasing_repeater(formalism, f_link, p, period, t2, seed=0)
    x, c = math.exp(-2 * period / t2), math.exp(-4 * period / t2)
    expected = _dephased_werner(_werner_chain(f_link, 2), c * _geometric_gap_moment(p, x))
    intervals = [r.requests[0].fidelity_interval95 for r in network.run_seeds(list(range(1000)), window, threads=1)]
    assert all(iv is not None for iv in intervals)
    covered = sum(low <= expected <= high for low, high in intervals)
    assert_binomial(covered, len(intervals), 0.95, what="runs whose 95% interval holds the ensemble mean")


def _on_demand_asap_cycle_moments(p: float, period: float, far_news_s: list[float]) -> tuple[float, float]:
    """E[C] and E[C^2] of an on-demand swap-ASAP chain's delivery cycle (see the test below), in s and s^2.

    C = max over middle nodes m of (T max(G_{m-1}, G_m) + c_m), G_i ~ Geometric(p) the links' attempts and c_m the
    news time from m to its farther end. P(C <= x) factorises: each G_i must be at most the floors of (x - c_m)/T of
    the nodes beside it, so it is a product of geometric CDFs 1 - (1 - p)^k; P(C > x) is constant between the
    breakpoints k T + c_m, and the moments are its exact integrals (the sum stops where P(C > x) is below 1e-20).
    """
    breaks = sorted({k * period + c for k in range(1, int(50 / p)) for c in far_news_s})

    def below(x: float) -> float:
        a = [math.floor((x - c) / period + 1e-9) for c in far_news_s]
        bounds = [a[0], *(min(u, v) for u, v in zip(a, a[1:])), a[-1]]
        return math.prod(1 - (1 - p) ** k if k >= 1 else 0.0 for k in bounds)

    first, second = breaks[0], breaks[0] ** 2
    for x0, x1 in zip(breaks, breaks[1:]):
        above = 1 - below(x0)
        first += above * (x1 - x0)
        second += above * (x1 * x1 - x0 * x0)
    return first, second


def _on_demand_nested_cycle_moments(p: float, period: float, one_way_s: list[float]) -> tuple[float, float]:
    """E[C] and E[C^2] of an on-demand nested cycle on four links, in s and s^2, summed over the links' attempts
    G_0..G_3 (each up to K, where (1 - p)^K is below 1e-12) with their geometric weights.

    Nodes 1 and 3 swap once both their links heralded (s_1 = T max(G_0, G_1), s_3 = T max(G_2, G_3)); node 2 swaps
    once it holds the news of both (s_2 = max(s_1 + d_12, s_3 + d_32)); the delivery is when the later end holds the
    news of all three swaps: C = max over ends e and swaps m of s_m + d_me. News from node 1 that goes through node 2
    to end 0 crosses the hop 1-2 twice, so C exceeds the swap-ASAP cycle when that hop is long.
    """
    k = np.arange(1, int(math.log(1e-12) / math.log(1 - p)) + 2)
    weight = p * (1 - p) ** (k - 1)
    g = [x.ravel() * period for x in np.meshgrid(k, k, k, k, indexing="ij")]
    w = np.einsum("i,j,k,l->ijkl", weight, weight, weight, weight).ravel()

    def d(i: int, j: int) -> float:
        return sum(one_way_s[min(i, j) : max(i, j)])

    s1, s3 = np.maximum(g[0], g[1]), np.maximum(g[2], g[3])
    s2 = np.maximum(s1 + d(1, 2), s3 + d(3, 2))
    cycle = np.max([s + d(m, e) for m, s in ((1, s1), (2, s2), (3, s3)) for e in (0, 4)], axis=0)
    total = w.sum()
    return float(w @ cycle / total), float(w @ cycle**2 / total)


@pytest.mark.parametrize("schedule", ["asap", "nested"])
@pytest.mark.parametrize("formalism", FORMALISMS)
def test_an_on_demand_chain_delivers_at_its_renewal_rate_with_news_delays(formalism, schedule):
    """Four links of 1, 40, 1 and 1 km (p = 0.8, period T above every light time), one memory per link end,
    on-demand generation, swap-ASAP or nested, no trace.

    On demand, a memory a swap frees waits for the delivery (docs/concepts.md), so every link restarts at the
    delivery instant and cycles are independent. In a cycle link i heralds after G_i ~ Geometric(p) attempts. ASAP:
    node m swaps once both its links have heralded, at T max(G_{m-1}, G_m), and its news reaches the ends over the
    fiber; the delivery is when the later end holds all of it: C = max_m (T max(G_{m-1}, G_m) + c_m), c_m the
    one-way light time from m to its farther end (c / 1.44). Nested: the middle node also waits for the news of the
    first level's two swaps (:func:`_on_demand_nested_cycle_moments`): with the long second hop its cycle is 15%
    longer than swap-ASAP's, which the check resolves. Renewal CLT: N(W) ~ W / E[C], variance W Var(C) / E[C]^3.
    """
    lengths, p, period, window = (1.0, 40.0, 1.0, 1.0), 0.8, 4e-4, 2.0
    path = [f"n{i}" for i in range(len(lengths) + 1)]
    network = qnsim.Network(formalism, seed=5)
    for i, name in enumerate(path):
        network.add_node(name, num_memories=1 if i in (0, len(lengths)) else 2)
    for a, b, km in zip(path, path[1:], lengths):
        network.add_link(a, b, length_km=km, fidelity=0.97, success_probability=p, attempt_period_s=period)
    network.request(path[0], path[-1], generation="on_demand", swap_schedule=schedule)
    r = network.run(until_s=window, progress=False).requests[0]
    one_way = [km * 1e3 * 1.44 / SPEED_OF_LIGHT_M_PER_S for km in lengths]
    if schedule == "asap":
        far = [max(sum(one_way[:m]), sum(one_way[m:])) for m in range(1, len(lengths))]
        mean, second = _on_demand_asap_cycle_moments(p, period, far)
    else:
        mean, second = _on_demand_nested_cycle_moments(p, period, one_way)
    sigma = math.sqrt(window * (second - mean * mean) / mean**3)
    assert_normal(r.num_pairs, window / mean, sigma, what=f"on-demand {schedule} deliveries in W")


@pytest.mark.parametrize("formalism", FORMALISMS)
def test_a_herald_gated_barrett_kok_link_with_a_setup_delay_renews_at_its_closed_form(formalism):
    """Barrett-Kok whose second round runs only after a first-round herald (2 modes, transducers), a setup delay s
    before the first attempt on freed memories, T2 memories.

    From the link's figures q1 (a first-round herald) and p (success) per attempt, round T0 = the light's round trip:
    a failed attempt lasts T0 (no first herald, probability (1 - q1)/(1 - p) given failure) or 2 T0 (the rest); the
    successful one 2 T0. A delivery cycle is s + (failures) + 2 T0 with Geometric failures (mean (1 - p)/p, variance
    (1 - p)/p^2): E[C] = s + T0 (1 + q1)/p. Renewal CLT for the pairs in W. Every pair is 2 T0 old (emission at the
    first round), so F = F0 (1 + exp(-4 T0 / T2)) / 2 + Phi-_0 (1 - exp(-4 T0 / T2)) / 2 (T2 alone: exact in every
    formalism, a 0/1 mean in stabilizer).
    """
    setup, t2, window = 7e-6, 1e-3, 5.0
    network = qnsim.Network(formalism, seed=4)
    for name in "ab":
        network.add_node(name, num_memories=1, t2_s=t2)
    link = network.add_link(
        "a", "b", length_km=10.0, scheme="double_click", double_click_timing="second_on_herald", setup_delay_s=setup,
        source=Source(attempt_rate_hz=1e6, emission_efficiency=0.9, num_modes=2), detector=Detector(efficiency=0.9),
        transducer=Transducer(efficiency=0.5, added_noise_photons=0.0),
    )  # fmt: skip
    network.request("a", "b")
    r = network.run(until_s=window, progress=False).requests[0]
    round_s = 10.0 * 1e3 * 1.44 / SPEED_OF_LIGHT_M_PER_S
    assert abs(link.attempt_period_s - round_s) <= 1e-12
    q1, p = link.first_round_probability, link.success_probability
    long_share = (q1 - p) / (1 - p)
    fail_mean, fail_var = round_s * (1 + long_share), round_s**2 * long_share * (1 - long_share)
    n_mean, n_var = (1 - p) / p, (1 - p) / p**2
    cycle = setup + n_mean * fail_mean + 2 * round_s
    cycle_var = n_mean * fail_var + n_var * fail_mean**2
    assert cycle == pytest.approx(setup + round_s * (1 + q1) / p, rel=1e-12)
    sigma = math.sqrt(window * cycle_var / cycle**3)
    assert_normal(r.num_pairs, window / cycle, sigma, what="herald-gated pairs in W")
    # Two rounds' light time and one round's are each rounded to whole picoseconds: 1 ps apart at most.
    assert abs(r.mean_age_s - 2 * link.attempt_period_s) <= 1.5e-12
    lam = math.exp(-2 * r.mean_age_s / t2)
    f = _dephased(link.bell_diagonal[0], link.bell_diagonal[3], lam)
    if formalism == "stabilizer":
        assert_binomial(r.mean_fidelity * r.num_pairs, r.num_pairs, f, what="stabilizer mean F")
    else:
        assert r.mean_fidelity == pytest.approx(f, abs=1e-9)
