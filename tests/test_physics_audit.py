"""An outside checker's audit of network runs: what qnsim.Network reports (per-pair fidelities and times,
rates, counters) against closed forms and numpy calculations written here, not with qnsim's helpers.

Covered here and not elsewhere: entanglement swapping over 2..6 hops with unequal link fidelities, node
memories (T2, depolarizing) and gate noise, pair by pair from the run's own trace; the delivery rate of
swap-ASAP chains (the expected maximum of the links' geometric waits); a cutoff's rate drop and the
fidelities it lets through (an exact renewal calculation, also through `qnsim run`); multi-round and
end-to-end recurrence purification; heralded hardware links (detector efficiency, fiber loss, dark
counts, bright-state parameter) as the network runs them; teleportation and remote CNOT on kept pairs
that keep decaying. The statistical checks use 5.3 sigma (a false alarm below 1e-7
per check) with fixed seeds.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from stats import assert_normal

import qnsim

ALL = ("density_matrix", "stabilizer", "bell_diagonal")
SIGMAS = 5.3  # two-sided normal tail 1.2e-7 per check
C_FIBER_M_PER_S = 299_792_458.0 / 1.44


def werner_w(f: float) -> float:
    """The Werner parameter (4F - 1)/3: each Pauli correlator of a Werner pair is +-w."""
    return (4 * f - 1) / 3


def assert_pairs(formalism, got_times, got_f, expected_times, expected_f, got_diags=None, expected_diags=None):
    """Exact formalisms: every pair's (time, fidelity[, Bell diagonal]) equals the oracle's. Stabilizer:
    each pair is one Bell state, and the count of each is that of independent Bernoulli(c_i) draws
    (c_i the oracle's weight of that Bell state for pair i), within SIGMAS."""
    expected_f = np.asarray(expected_f)
    if formalism == "stabilizer":
        assert set(np.unique(got_f)) <= {0.0, 1.0}
        got = [got_f] if got_diags is None else np.asarray(got_diags).T
        want = [expected_f] if expected_diags is None else np.asarray(expected_diags).T
        for k, (g, w) in enumerate(zip(got, want)):
            sigma = math.sqrt(float(np.sum(w * (1 - w))))
            assert_normal(float(np.sum(g)), float(w.sum()), sigma, SIGMAS, what=f"count of Bell state {k}")
        return
    order_got = np.lexsort((got_f, np.round(np.asarray(got_times) * 1e12)))
    order_exp = np.lexsort((expected_f, np.round(np.asarray(expected_times) * 1e12)))
    np.testing.assert_allclose(np.asarray(got_times)[order_got], np.asarray(expected_times)[order_exp],
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.asarray(got_f)[order_got], expected_f[order_exp], rtol=0, atol=1e-12)
    if got_diags is not None:
        np.testing.assert_allclose(np.asarray(got_diags)[order_got], np.asarray(expected_diags)[order_exp],
                                   rtol=0, atol=1e-12)


# ---- swapping over 2..6 hops, pair by pair ------------------------------------------------------


def _segments_from_trace(trace, path, links, nodes, cutoff=None, swap_duration=None):
    """Rebuilds every completed end-to-end pair of a swap chain from the trace (link_pair and swap
    records), and returns (delivery time, fidelity, Bell weights) per pair from first principles:

    Every channel here is Pauli on Bell-diagonal pairs, so the end pair's correlators are products:
    <XX> = prod_links w * prod_qubits exp(-t/T2) exp(-t/T_dep) * prod_swaps (1 - 16 e2/15)(1 - 4 e1/3),
    <ZZ> = prod_links w * prod_qubits exp(-t/T_dep) exp(-t/T1 if twirled) * prod_swaps (1 - 16 e2/15),
    <YY> = -<XX>; Bell weights (F, (1 - <ZZ>)/4, (1 - <ZZ>)/4, (1 - 2 <XX> + <ZZ>)/4) with
    F = (1 + 2 <XX> + <ZZ>)/4. A swapped qubit is stored from its pair's emission to the swap; an
    end's qubit until it holds its herald and every swap outcome of the chain (each outcome travels
    the classical latency between the swapping node and that end); the pair is delivered then (the
    later end). With a ``cutoff``, a segment one of whose pairs the trace shows cut off is lost, and
    every qubit of a delivered pair was used within the cutoff of its emission. ``swap_duration`` (s, by node):
    a swap's outcomes leave its node that long after the swap starts (its record's time), while the qubits it
    measures stop decaying at its start."""
    position = {n: i for i, n in enumerate(path)}
    hop_of = {frozenset((path[i], path[i + 1])): i for i in range(len(path) - 1)}
    latency = np.concatenate([[0.0], np.cumsum([links[i].classical_delay_s for i in range(len(path) - 1)])])
    pairs, owner, parent = [], {}, []

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    swaps, dead = [], set()
    for rec in trace:
        if rec["event"] == "link_pair":
            hop = hop_of[frozenset(rec["nodes"])]
            herald = links[hop].herald_delay_a_s
            assert links[hop].herald_delay_b_s == herald
            k = len(pairs)
            pairs.append({"hop": hop, "emitted": rec["time_s"] - herald, "known": rec["time_s"], "used": {}})
            parent.append(k)
            for node, slot, gen in zip(rec["nodes"], rec["slots"], rec["generations"]):
                owner[(slot, gen)] = (k, node)
        elif rec["event"] == "swap":
            (k1, n1), (k2, n2) = (owner[(s, g)] for s, g in zip(rec["slots"], rec["generations"]))
            assert n1 == n2 == rec["nodes"][0]
            pairs[k1]["used"][n1] = pairs[k2]["used"][n2] = rec["time_s"]
            parent[find(k1)] = find(k2)
            swaps.append((rec["time_s"] + (swap_duration or {}).get(n1, 0.0), n1, k1))
        elif rec["event"] == "cutoff" and cutoff is not None:
            for slot, gen in zip(rec["slots"], rec["generations"]):
                if (slot, gen) in owner:  # the partner of a pair whose other end was used is gone
                    dead.add(owner[(slot, gen)][0])
        elif rec["event"] in ("cutoff", "purification_kept", "purification_failed"):
            raise AssertionError(f"unexpected {rec['event']} in a plain swap chain")
    groups = {}
    for k in range(len(pairs)):
        groups.setdefault(find(k), []).append(k)
    swaps_of = {}
    for t, node, k in swaps:
        swaps_of.setdefault(find(k), []).append((t, node))
    out = []
    hops = len(path) - 1
    for root, members in groups.items():
        if len(members) != hops or dead.intersection(members):
            continue  # a segment still being built when the run ended, or cut off
        assert sorted(pairs[k]["hop"] for k in members) == list(range(hops))
        done = swaps_of.get(root, [])
        assert len(done) == hops - 1
        first = next(k for k in members if pairs[k]["hop"] == 0)
        last = next(k for k in members if pairs[k]["hop"] == hops - 1)
        use_src = max([pairs[first]["known"]] + [t + latency[position[n]] for t, n in done])
        use_dst = max([pairs[last]["known"]] + [t + latency[-1] - latency[position[n]] for t, n in done])
        pairs[first]["used"][path[0]] = use_src
        pairs[last]["used"][path[-1]] = use_dst
        xx = yy = zz = 1.0  # yy: the magnitude of -<YY>
        for k in members:
            w = werner_w(links[pairs[k]["hop"]].fidelity)
            xx, yy, zz = xx * w, yy * w, zz * w
            ends = (path[pairs[k]["hop"]], path[pairs[k]["hop"] + 1])
            for node in ends:
                t = pairs[k]["used"][node] - pairs[k]["emitted"]
                assert t >= 0 and (cutoff is None or t <= cutoff + 1e-12)
                dephase = math.exp(-t / nodes[node]["t2_s"])
                depol = math.exp(-t / nodes[node]["depolarizing_time_s"])
                # T1 as its Pauli twirl (stabilizer, bell_diagonal): X, Y with gamma/4 each scale <Z..>
                # by 1 - gamma = exp(-t/T1); <X..> keeps exp(-t/T2) in total.
                damp = math.exp(-t / nodes[node]["t1_s"])
                xx, yy, zz = xx * dephase * depol, yy * dephase * depol, zz * depol * damp
        for _, node in done:
            l2, l1 = 1 - 16 * nodes[node]["gate2_error"] / 15, 1 - 4 * nodes[node]["gate1_error"] / 3
            # A misread first outcome leaves Z on the output, a misread second one X: <XX> and <ZZ>
            # lose one factor 1 - 2 e_m each, <YY> two.
            lm = 1 - 2 * nodes[node].get("measure_error", 0.0)
            xx, yy, zz = xx * l2 * l1 * lm, yy * l2 * l1 * lm * lm, zz * l2 * lm
        diag = ((1 + xx + yy + zz) / 4, (1 + xx - yy - zz) / 4, (1 - xx + yy - zz) / 4, (1 - xx - yy + zz) / 4)
        out.append((max(use_src, use_dst), diag[0], diag))
    return sorted(out)


LINK_F = (0.99, 0.93, 0.97, 0.9, 0.96, 0.95)
LINK_KM = (1.0, 4.0, 0.5, 2.5, 3.0, 1.5)
LINK_P = (0.4, 0.25, 0.6, 0.3, 0.5, 0.35)


def _swap_chain(formalism, hops, schedule, seed, num_pairs, t1=math.inf, measure=0.0):
    net = qnsim.Network(formalism, seed=seed, trace=True)
    path = [f"n{i}" for i in range(hops + 1)]
    nodes = {}
    for i, name in enumerate(path):
        nodes[name] = {"t1_s": t1, "t2_s": 2e-3 * (1 + i % 3), "depolarizing_time_s": 5e-3 * (1 + i % 2),
                       "gate1_error": 0.004 * (i % 2), "gate2_error": 0.01 * (1 + i % 3),
                       "measure_error": measure * (i % 2)}
        net.add_node(name, **nodes[name])
    links = [net.add_link(path[i], path[i + 1], length_km=LINK_KM[i], fidelity=LINK_F[i],
                          success_probability=LINK_P[i], attempt_period_s=2e-5) for i in range(hops)]
    net.request(path[0], path[-1], num_pairs=num_pairs, swap_schedule=schedule)
    r = net.run(until_s=5.0, progress=False).requests[0]
    assert r.num_pairs == num_pairs
    expected = _segments_from_trace(net.trace(), path, links, nodes)[:num_pairs]
    return r, expected


@pytest.mark.parametrize("formalism", ALL)
@pytest.mark.parametrize("hops", [2, 3, 4, 5, 6])
def test_swap_chain_pairs_follow_the_pauli_composition_of_their_own_histories(formalism, hops):
    """2..6 hops of unequal Werner links (F 0.9-0.99, 0.5-4 km, p 0.25-0.6), nodes with different
    T2, depolarizing memories and gate noise, swap-ASAP: every delivered pair (time and fidelity)
    equals the closed form of its own history rebuilt from the trace (exact formalisms), and the
    stabilizer trajectories' sum agrees with the sum of the oracle's fidelities."""
    num_pairs = 3000 if formalism == "stabilizer" else 40
    r, expected = _swap_chain(formalism, hops, "asap", seed=100 + hops, num_pairs=num_pairs)
    times, fids, diags = zip(*expected)
    assert np.ptp(fids) > 0.01  # the storage times really differ from pair to pair
    assert_pairs(formalism, r.times_s, r.fidelities, times, fids, r.bell_diagonals, diags)


@pytest.mark.parametrize("formalism", ["stabilizer", "bell_diagonal"])
@pytest.mark.parametrize("hops", [2, 5])
def test_swap_chain_with_t1_applies_its_pauli_twirl_on_every_qubit(formalism, hops):
    """T1 = 3 ms on every node as well (the Pauli formalisms apply amplitude damping as its twirl, as
    documented): each stored qubit scales <ZZ> by exp(-t/T1) on top of the chain above; pair by pair in
    bell_diagonal, on average over stabilizer trajectories."""
    num_pairs = 3000 if formalism == "stabilizer" else 40
    r, expected = _swap_chain(formalism, hops, "asap", seed=400 + hops, num_pairs=num_pairs, t1=3e-3)
    times, fids, diags = zip(*expected)
    assert_pairs(formalism, r.times_s, r.fidelities, times, fids, r.bell_diagonals, diags)


@pytest.mark.parametrize("formalism", ["stabilizer", "bell_diagonal"])
@pytest.mark.parametrize("hops", [3, 6])
def test_swap_chain_with_misread_outcomes(formalism, hops):
    """Every other node misreads each Bell-measurement outcome with probability 0.05: bell_diagonal
    averages over the misreads (pair by pair, <YY> losing twice what <XX> and <ZZ> lose), stabilizer
    trajectories draw them (each Bell state's count)."""
    num_pairs = 3000 if formalism == "stabilizer" else 40
    r, expected = _swap_chain(formalism, hops, "asap", seed=600 + hops, num_pairs=num_pairs, measure=0.05)
    times, fids, diags = zip(*expected)
    assert max(d[1] - d[2] for d in diags) > 1e-3  # Psi+ and Psi- differ: the misreads are in the oracle
    assert_pairs(formalism, r.times_s, r.fidelities, times, fids, r.bell_diagonals, diags)


@pytest.mark.parametrize("formalism", ["density_matrix", "bell_diagonal"])
@pytest.mark.parametrize("hops", [2, 4, 5])
def test_nested_swap_chain_pairs_follow_the_same_composition(formalism, hops):
    """The nested (doubling) schedule swaps in another order and at other times; each pair still
    equals the composition of its own history."""
    r, expected = _swap_chain(formalism, hops, "nested", seed=200 + hops, num_pairs=30)
    times, fids, diags = zip(*expected)
    assert_pairs(formalism, r.times_s, r.fidelities, times, fids, r.bell_diagonals, diags)


@pytest.mark.parametrize("formalism", ALL)
@pytest.mark.parametrize("hops, schedule", [(3, "asap"), (5, "asap"), (4, "nested")])
def test_swap_chain_with_a_cutoff_delivers_only_pairs_within_it(formalism, hops, schedule):
    """The chains above with a cutoff that binds (80 us against 20 us attempts and 2.5-20 us of
    fiber per hop): segments the trace shows cut off are lost, every other completed segment is
    delivered as its own history says, and no qubit of a delivered pair was stored longer than
    the cutoff (swapped qubits until their swap, ends until they hold every outcome)."""
    cutoff = 8e-5
    net = qnsim.Network(formalism, seed=300 + hops, trace=True)
    path = [f"n{i}" for i in range(hops + 1)]
    nodes = {}
    for i, name in enumerate(path):
        nodes[name] = {"t1_s": math.inf, "t2_s": 2e-3 * (1 + i % 3), "depolarizing_time_s": 5e-3 * (1 + i % 2),
                       "gate1_error": 0.004 * (i % 2), "gate2_error": 0.01 * (1 + i % 3)}
        net.add_node(name, **nodes[name])
    links = [net.add_link(path[i], path[i + 1], length_km=LINK_KM[i], fidelity=LINK_F[i],
                          success_probability=LINK_P[i], attempt_period_s=2e-5) for i in range(hops)]
    num_pairs = 2000 if formalism == "stabilizer" else 40
    net.request(path[0], path[-1], num_pairs=num_pairs, swap_schedule=schedule, cutoff_s=cutoff)
    result = net.run(until_s=20.0, progress=False)
    r = result.requests[0]
    assert r.num_pairs == num_pairs and result.counters["cutoff_discards"] > num_pairs
    expected = _segments_from_trace(net.trace(), path, links, nodes, cutoff=cutoff)[:num_pairs]
    times, fids, diags = zip(*expected)
    assert_pairs(formalism, r.times_s, r.fidelities, times, fids, r.bell_diagonals, diags)
    # The age runs from the older end qubit's emission to the later end's news: the cutoff bounds
    # each qubit's storage (checked above), the age only up to the path's classical latency more.
    latency = sum(link.classical_delay_s for link in links)
    assert r.ages_s.max() <= cutoff + latency + 1e-12


@pytest.mark.parametrize("formalism", ALL)
@pytest.mark.parametrize("hops", [2, 3, 6])
def test_werner_swap_over_many_hops_without_memory_noise(formalism, hops):
    """No memory or gate noise: every pair is the repeated Werner swap F' = F1 F2 + (1-F1)(1-F2)/3,
    i.e. 1/4 + 3/4 prod (4 F_i - 1)/3, whatever the waits."""
    net = qnsim.Network(formalism, seed=7)
    path = [f"n{i}" for i in range(hops + 1)]
    for name in path:
        net.add_node(name)
    for i in range(hops):
        net.add_link(path[i], path[i + 1], length_km=LINK_KM[i], fidelity=LINK_F[i], success_probability=LINK_P[i],
                     attempt_period_s=1e-5)
    pairs = 3000 if formalism == "stabilizer" else 30
    net.request(path[0], path[-1], num_pairs=pairs)
    r = net.run(until_s=10.0, progress=False).requests[0]
    f = LINK_F[0]
    for g in LINK_F[1:hops]:
        f = f * g + (1 - f) * (1 - g) / 3
    assert f == pytest.approx(0.25 + 0.75 * math.prod(werner_w(x) for x in LINK_F[:hops]), abs=1e-14)
    assert r.num_pairs == pairs
    assert_pairs(formalism, r.times_s, r.fidelities, r.times_s, [f] * pairs)


# ---- delivery rate of swap-ASAP chains --------------------------------------------------------------


def max_of_geometrics(ps, tail=1e-18):
    """(E[M], Var[M]) of M = max of independent Geometric(p_i) on {1, 2, ...}, summed from
    P(M > k) = 1 - prod_i (1 - (1 - p_i)^k) until the tail is negligible."""
    qs = np.array([1 - p for p in ps])
    mean = second = 0.0
    k = 0
    while True:
        over = 1.0 - float(np.prod(1.0 - qs**k))
        if k > 0 and over < tail:
            return mean, second - mean * mean
        mean += over
        second += (2 * k + 1) * over
        k += 1


def test_max_of_geometrics_matches_inclusion_exclusion():
    """The summed oracle against E[max] = sum over non-empty subsets S of (-1)^(|S|+1) / (1 - prod_S q)
    (for two links 1/p1 + 1/p2 - 1/(1 - q1 q2))."""
    ps = (0.3, 0.15, 0.5, 0.05)
    for n in (1, 2, 3, 4):
        closed = sum((-1) ** (len(s) + 1) / (1 - math.prod(1 - p for p in s))
                     for size in range(1, n + 1) for s in itertools.combinations(ps[:n], size))
        assert max_of_geometrics(ps[:n])[0] == pytest.approx(closed, rel=1e-12)
    mean, var = max_of_geometrics([0.3])
    assert (mean, var) == pytest.approx((1 / 0.3, 0.7 / 0.09), rel=1e-12)


@pytest.mark.parametrize("formalism", ALL)
@pytest.mark.parametrize("hops, generation", [(1, "continuous"), (2, "continuous"), (3, "continuous"),
                                              (2, "on_demand"), (4, "on_demand"), (6, "on_demand")])
def test_swap_asap_chain_delivers_once_per_maximum_of_the_links_geometric_waits(formalism, hops, generation):
    """Links of zero length (herald one period after the attempt starts, classical messages
    instantaneous), one memory per link end: every link waits with its pair until the last link
    succeeds, the swaps and the delivery then happen at once and every link restarts together. So
    the time between deliveries is T max_i G_i with G_i ~ Geometric(p_i), and the mean latency over
    N pairs is T E[max] within T sd(max) / sqrt(N).

    With continuous generation this holds up to 3 hops only: from 4 hops a middle link whose two
    memories were freed by swaps on both sides attempts again while the chain waits for a far link
    (docs/concepts.md: links generate continuously), and its new pair gives the next cycle a head
    start (6 hops: 5.72e-5 s against T E[max] = 6.28e-5 s). On demand, freed memories wait for the
    delivery, so the maximum holds for any length."""
    period, ps = 1e-5, LINK_P[:hops]
    net = qnsim.Network(formalism, seed=40 + hops)
    path = [f"n{i}" for i in range(hops + 1)]
    for name in path:
        net.add_node(name)
    for i in range(hops):
        net.add_link(path[i], path[i + 1], length_km=0.0, fidelity=LINK_F[i], success_probability=ps[i],
                     attempt_period_s=period)
    n = 4000
    net.request(path[0], path[-1], num_pairs=n, generation=generation)
    result = net.run(until_s=10.0, progress=False)
    r = result.requests[0]
    assert r.num_pairs == n
    mean, var = max_of_geometrics(ps)
    assert_normal(r.mean_latency_s, period * mean, period * math.sqrt(var / n), SIGMAS, what="mean latency")
    # Each latency is a whole number of periods, at least one.
    cycles = r.latencies_s / period
    np.testing.assert_allclose(cycles, np.round(cycles), rtol=0, atol=1e-6)
    assert cycles.min() >= 1
    if hops == 1:  # a single link: mean wait = period / p, and the attempts counter agrees
        assert mean == pytest.approx(1 / ps[0], rel=1e-12)
        assert_normal(result.counters["attempts"] / n, 1 / ps[0], math.sqrt(1 - ps[0]) / ps[0] / math.sqrt(n), SIGMAS,
                      what="attempts per pair")


# ---- cutoffs: the rate they cost and the fidelity they guarantee -------------------------------------


@pytest.mark.parametrize("formalism", ALL)
def test_a_pair_used_at_the_instant_its_cutoff_ends_is_not_discarded(formalism):
    """A qubit is discarded when stored longer than the cutoff, and add_request accepts a cutoff equal
    to the storage a pair needs (herald, swap and its news). Before, the cutoff's event ran before a
    delivery of the same picosecond (it was scheduled first), so such a cutoff delivered nothing: a
    2-node link with cutoff = its herald delay gave 0 of 20 pairs, every pair discarded at its herald;
    a 3-node chain with cutoff = herald + classical latency gave 0 as well. The cutoff now ends its
    instant."""
    net = qnsim.Network(formalism, seed=1)
    for name in "ab":
        net.add_node(name)
    link = net.add_link("a", "b", length_km=3.0, fidelity=0.9, success_probability=0.4, attempt_period_s=2e-5)
    net.request("a", "b", num_pairs=20, cutoff_s=link.herald_delay_a_s)
    result = net.run(until_s=0.01, progress=False)
    assert result.requests[0].num_pairs == 20 and result.counters["cutoff_discards"] == 0
    np.testing.assert_allclose(result.requests[0].ages_s, link.herald_delay_a_s, rtol=0, atol=1e-12)

    net = qnsim.Network(formalism, seed=1)
    for name in "amb":
        net.add_node(name)
    links = [net.add_link(u, v, length_km=4.0, fidelity=0.9, rate_hz=1e4) for u, v in (("a", "m"), ("m", "b"))]
    needed = links[0].herald_delay_b_s + links[0].classical_delay_s
    with pytest.raises(qnsim.ParameterError, match="is shorter than the"):
        net.request("a", "b", num_pairs=5, cutoff_s=needed - 1e-12)
    net.request("a", "b", num_pairs=5, cutoff_s=needed)
    r = net.run(until_s=0.01, progress=False).requests[0]
    assert r.num_pairs == 5
    np.testing.assert_allclose(r.ages_s, needed, rtol=0, atol=1e-12)


def cutoff_cycles(p1, p2, m, tail=1e-18):
    """The renewal cycles of a 2-link swap-ASAP chain of zero-length links (period 1) with a cutoff
    of m periods on stored qubits, from the state where both links start attempting together.

    The first link to herald (at g, emitted at g - 1) holds its pair; the other heralds d periods
    later (d ~ Geometric). Its pair is discarded at emission + m = g + m - 1, so the swap happens
    if d <= m - 1 (at equal times the herald comes first: a qubit stored exactly the cutoff is
    not stored longer than it) and the pair is delivered at g + d; otherwise the chain restarts at
    g + m - 1 with nothing. Both heralding at g is a delivery with d = 0. Returns a list of
    (probability, cycle length, delivered, d)."""
    q1, q2 = 1 - p1, 1 - p2
    out = []
    g = 1
    while True:
        reach = (q1 * q2) ** (g - 1)
        if reach < tail:
            return out
        out.append((reach * p1 * p2, g, True, 0))
        for first, p_other, q_other in ((p1, p2, q2), (p2, p1, q1)):
            start = reach * first * q_other
            for d in range(1, m):
                out.append((start * q_other ** (d - 1) * p_other, g + d, True, d))
            out.append((start * q_other ** (m - 1), g + m - 1, False, None))
        g += 1


def _moments(cycles, weight=lambda c: 1.0):
    prob = sum(c[0] for c in cycles)
    mean = sum(c[0] * c[1] for c in cycles) / prob
    var = sum(c[0] * c[1] ** 2 for c in cycles) / prob - mean**2
    return prob, mean, var


def test_cutoff_cycles_without_a_binding_cutoff_is_the_maximum():
    """With a cutoff longer than any wait that matters, a cycle always delivers after max(G1, G2)."""
    cycles = cutoff_cycles(0.3, 0.15, 400)
    prob, mean, var = _moments([c for c in cycles if c[2]])
    assert prob == pytest.approx(1.0, abs=1e-12)
    assert (mean, var) == pytest.approx(max_of_geometrics((0.3, 0.15)), rel=1e-10)


@pytest.mark.parametrize("formalism", ALL)
@pytest.mark.parametrize("m", [1, 3, 6])
def test_cutoff_rate_drop_and_the_fidelities_it_lets_through(formalism, m):
    """2 zero-length links (p 0.3 and 0.15, period T), nodes with T2 only, cutoff m T.

    Rate: the time to the N-th delivery is a sum of N independent waits, each a geometric number of
    discarding cycles then a delivering one (mean and variance from cutoff_cycles); the cutoff
    discards per delivery are geometric too. Fidelity: a pair whose partner came d periods later
    was stored (d + 1) T at both its qubits and its partner T, so F = (1 + w1 w2 (1 + 2 exp(-2 (d + 2)
    T / T2)))/4 and its age is (d + 1) T <= m T: in the exact formalisms every pair is that function of
    its age, never below the d = m - 1 bound; the mean over pairs (all formalisms) is that of the
    exact distribution of d."""
    period, p1, p2, f1, f2, t2 = 1e-5, 0.3, 0.15, 0.97, 0.92, 2e-4
    net = qnsim.Network(formalism, seed=60 + m)
    for name in "amb":
        net.add_node(name, t2_s=t2)
    net.add_link("a", "m", length_km=0.0, fidelity=f1, success_probability=p1, attempt_period_s=period)
    net.add_link("m", "b", length_km=0.0, fidelity=f2, success_probability=p2, attempt_period_s=period)
    n = 3000
    net.request("a", "b", num_pairs=n, cutoff_s=m * period)
    result = net.run(until_s=100.0, progress=False)
    r = result.requests[0]
    assert r.num_pairs == n

    cycles = cutoff_cycles(p1, p2, m)
    rho, x1, v1 = _moments([c for c in cycles if c[2]])  # rho: P(a cycle delivers)
    _, x0, v0 = _moments([c for c in cycles if not c[2]]) if rho < 1 else (0.0, 0.0, 0.0)
    fails_mean, fails_var = (1 - rho) / rho, (1 - rho) / rho**2
    wait_mean = fails_mean * x0 + x1
    wait_var = fails_mean * v0 + fails_var * x0**2 + v1
    assert_normal(r.mean_latency_s, period * wait_mean, period * math.sqrt(wait_var / n), SIGMAS,
                  what="mean time per delivered pair")
    discards = result.counters["cutoff_discards"]
    assert_normal(discards / n, fails_mean, math.sqrt(fails_var / n), SIGMAS, what="cutoff discards per pair")
    no_cutoff = max_of_geometrics((p1, p2))[0]
    assert wait_mean > no_cutoff * (1.05 if m < 6 else 1.0)  # the cutoff costs rate

    w = werner_w(f1) * werner_w(f2)
    fid = {d: (1 + w * (1 + 2 * math.exp(-2 * (d + 2) * period / t2))) / 4 for d in range(m)}
    delivered = [c for c in cycles if c[2]]
    mean_f = sum(c[0] * fid[c[3]] for c in delivered) / rho
    if formalism == "stabilizer":
        assert set(np.unique(r.fidelities)) <= {0.0, 1.0}
        assert_normal(r.mean_fidelity, mean_f, math.sqrt(mean_f * (1 - mean_f) / n), SIGMAS, what="mean F")
        return
    d = np.round(r.ages_s / period).astype(int) - 1
    np.testing.assert_allclose(r.ages_s, (d + 1) * period, rtol=0, atol=1e-12)
    assert d.min() >= 0 and d.max() <= m - 1
    np.testing.assert_allclose(r.fidelities, [fid[k] for k in d], rtol=0, atol=1e-12)
    assert r.fidelities.min() >= fid[m - 1] - 1e-12
    f_sd = math.sqrt(sum(c[0] * (fid[c[3]] - mean_f) ** 2 for c in delivered) / rho)
    assert_normal(r.mean_fidelity, mean_f, f_sd / math.sqrt(n), SIGMAS, what="mean F")


# ---- recurrence purification: several rounds, end to end --------------------------------------------


def deutsch_round(c):
    """One DEJMPS round on two copies of Bell-diagonal c (Phi+, Psi+, Psi-, Phi-), in Deutsch et al.'s
    variables (A = Phi+, B = Psi-, C = Psi+, D = Phi-): N = (A + B)^2 + (C + D)^2, A' = (A^2 + B^2)/N,
    B' = 2CD/N, C' = (C^2 + D^2)/N, D' = 2AB/N. Returns (N, kept)."""
    a, cc, b, d = c
    n = (a + b) ** 2 + (cc + d) ** 2
    return n, ((a * a + b * b) / n, (cc * cc + d * d) / n, 2 * cc * d / n, 2 * a * b / n)


def bennett_round(f):
    """One BBPSSW round on two Werner pairs of fidelity f (Bennett et al.): returns (p, F')."""
    e = (1 - f) / 3
    p = f * f + 2 * f * e + 5 * e * e
    return p, (f * f + e * e) / p


def compound(levels, per_attempt, leaf):
    """(mean, variance) per output of a quantity summed over a recurrence tree: an output of level k is
    made by G ~ Geometric(p_k) attempts, each costing ``per_attempt`` plus two outputs of level k - 1;
    a level-0 output is worth ``leaf``. Wald's identities: E = mu / p, Var = v / p + mu^2 (1 - p) / p^2
    with mu, v the mean and variance of one attempt's cost."""
    mean, var = leaf, 0.0
    for p in levels:
        mu, v = per_attempt + 2 * mean, 2 * var
        mean, var = mu / p, v / p + mu * mu * (1 - p) / (p * p)
    return mean, var


@pytest.mark.parametrize("formalism", ALL)
@pytest.mark.parametrize("scheme, rounds, channels", [("dejmps", 2, 3), ("dejmps", 3, 4), ("bbpssw", 2, 3),
                                                      ("bbpssw", 3, 5)])
def test_multi_round_link_purification(formalism, scheme, rounds, channels):
    """k symmetric recurrence rounds on one link (ideal nodes, no memory decay): every pair is the
    k-fold DEJMPS (Deutsch) or BBPSSW (Bennett, twirled to Werner before each round) image of the link
    state; link pairs and purification rounds spent per delivered pair follow the recurrence tree
    (compound geometric sums over the levels' success probabilities)."""
    diag = (0.8, 0.1, 0.06, 0.04) if scheme == "dejmps" else (0.75, 0.25 / 3, 0.25 / 3, 0.25 / 3)
    net = qnsim.Network(formalism, seed=70 + rounds)
    for name in "ab":
        net.add_node(name)
    net.add_link("a", "b", length_km=0.0, bell_diagonal=diag, success_probability=0.5, attempt_period_s=1e-5,
                 channels=channels)
    n = 1500 if formalism == "stabilizer" else 600
    net.request("a", "b", num_pairs=n, purification=scheme, purification_rounds=rounds)
    result = net.run(until_s=100.0, progress=False)
    r = result.requests[0]
    assert r.num_pairs == n
    probs, state = [], diag
    for _ in range(rounds):
        if scheme == "dejmps":
            p, state = deutsch_round(state)
        else:
            p, f = bennett_round(state[0])
            state = (f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3)
        probs.append(p)
    if formalism == "stabilizer":
        assert_normal(r.mean_fidelity, state[0], math.sqrt(state[0] * (1 - state[0]) / n), SIGMAS, what="mean F")
    else:
        np.testing.assert_allclose(r.fidelities, state[0], rtol=0, atol=1e-12)
    c = result.counters
    links_mean, links_var = compound(probs, 0.0, 1.0)
    rounds_mean, rounds_var = compound(probs, 1.0, 0.0)
    # Pairs left in memories when the request is served are spent but not delivered: at most one per
    # memory, a bias of channels / n per pair.
    slack = channels / n
    assert_normal(c["link_pairs"] / n, links_mean, math.sqrt(links_var / n) + slack / SIGMAS, SIGMAS,
                  what="link pairs per delivered pair")
    assert_normal(c["purifications"] / n, rounds_mean, math.sqrt(rounds_var / n) + slack / SIGMAS, SIGMAS,
                  what="purification rounds per delivered pair")


@pytest.mark.parametrize("formalism", ["density_matrix", "bell_diagonal"])
@pytest.mark.parametrize("scheme", ["dejmps", "bbpssw"])
def test_end_to_end_purification_of_swapped_pairs(formalism, scheme):
    """A 3-node chain of Werner links (F 0.93 and 0.9, ideal nodes): each end-to-end pair is the Werner
    swap F1 F2 + (1 - F1)(1 - F2)/3, and one end-to-end round keeps the DEJMPS / BBPSSW image of two
    of them, exactly per pair."""
    net = qnsim.Network(formalism, seed=81)
    for name in "amb":
        net.add_node(name)
    for (u, v), f in ((("a", "m"), 0.93), (("m", "b"), 0.9)):
        net.add_link(u, v, length_km=1.0, fidelity=f, success_probability=0.4, attempt_period_s=1e-5, channels=2)
    net.request("a", "b", num_pairs=50, purification=scheme, end_to_end_purification_rounds=1)
    r = net.run(until_s=10.0, progress=False).requests[0]
    assert r.num_pairs == 50
    fs = 0.93 * 0.9 + 0.07 * 0.1 / 3
    if scheme == "dejmps":
        kept = deutsch_round((fs, (1 - fs) / 3, (1 - fs) / 3, (1 - fs) / 3))[1][0]
    else:
        kept = bennett_round(fs)[1]
    np.testing.assert_allclose(r.fidelities, kept, rtol=0, atol=1e-12)


# ---- heralded hardware links as the network runs them --------------------------------------------------


@pytest.mark.parametrize("formalism", ALL)
@pytest.mark.parametrize("scheme, det_eff, db_per_km, length_km, dark_hz, alpha", [
    ("single_click", 0.9, 0.2, 20.0, 5e5, 0.05),
    ("single_click", 0.5, 0.25, 50.0, 2e5, 0.2),
    ("double_click", 0.8, 0.2, 10.0, 1e6, 0.1),
    ("double_click", 0.95, 0.3, 30.0, 0.0, 0.1),
])
def test_hardware_link_delivers_the_fock_model_state_at_its_rate(formalism, scheme, det_eff, db_per_km, length_km,
                                                                  dark_hz, alpha):
    """A link built from hardware pieces (emitter efficiency 0.8, bright-state alpha, detector
    efficiency and dark counts, fiber loss over two arms of L/2) in a 2-node network: the herald
    probability per attempt and the delivered pair are those of the independent Fock-space model of
    test_link_models (per arm eta = 0.8 x 10^(-a L / 20) x eta_det, dark count probability 1 -
    exp(-rate x window)); the pair's fidelity is <Psi+|raw|Psi+> / tr(raw) (node B's X turns the
    heralded Psi+ into Phi+). Attempts take max(1 / attempt rate, L / c_fiber) per round, two
    rounds for double click, so the mean time per pair is T / p."""
    from test_link_models import fock_double_click, fock_single_click

    from qnsim.hardware import Detector, Source

    window = 1e-8
    source = Source(attempt_rate_hz=2e4, emission_efficiency=0.8, bright_state_alpha=alpha)
    detector = Detector(det_eff, dark_count_rate_hz=dark_hz, detection_window_s=window)
    net = qnsim.Network(formalism, seed=90)
    for name in "ab":
        net.add_node(name)
    net.add_link("a", "b", length_km=length_km, scheme=scheme, source=source, detector=detector,
                 attenuation_db_per_km=db_per_km)
    eta = 0.8 * 10 ** (-db_per_km * length_km / 2 / 10) * det_eff
    p_dark = -math.expm1(-dark_hz * window)
    raw = (fock_single_click(alpha, alpha, eta, eta, p_dark) if scheme == "single_click"
           else fock_double_click(eta, eta, p_dark))
    p = float(np.trace(raw).real)
    psi_plus = np.array([0, 1, 1, 0]) / math.sqrt(2)
    f = float(np.real(psi_plus @ raw @ psi_plus)) / p
    period = max(1 / 2e4, length_km * 1e3 / C_FIBER_M_PER_S) * (2 if scheme == "double_click" else 1)
    n = 3000
    net.request("a", "b", num_pairs=n)
    r = net.run(until_s=1e4, progress=False).requests[0]
    assert r.num_pairs == n
    assert_normal(r.mean_latency_s, period / p, period * math.sqrt(1 - p) / p / math.sqrt(n), SIGMAS,
                  what="mean time per pair")
    if formalism == "stabilizer":
        assert_normal(r.mean_fidelity, f, math.sqrt(f * (1 - f) / n), SIGMAS, what="mean F")
    else:
        np.testing.assert_allclose(r.fidelities, f, rtol=0, atol=1e-9)
    assert 0.5 < f < 1.0 or (scheme == "double_click" and dark_hz == 0)


@pytest.mark.parametrize("formalism", ["density_matrix", "stabilizer"])
@pytest.mark.parametrize("dark_hz", [0.0, 2e6])
def test_herald_gated_double_click_takes_one_plus_q1_rounds_over_p(formalism, dark_hz):
    """double_click_timing = "second_on_herald": the second round is played only after a first-round
    herald, whose probability q1 is the Fock model's first round alone (the two single-click outcomes
    of |+>|+>); the rounds per pair are (1 + q1) / p on average, and the state is the full double-click
    one."""
    from test_link_models import fock_double_click, fock_round

    from qnsim.hardware import Detector, Source

    window, det_eff, length_km = 1e-8, 0.9, 20.0
    source = Source(attempt_rate_hz=1e5, emission_efficiency=0.7)
    net = qnsim.Network(formalism, seed=91)
    for name in "ab":
        net.add_node(name)
    net.add_link("a", "b", length_km=length_km, scheme="double_click", source=source,
                 detector=Detector(det_eff, dark_count_rate_hz=dark_hz, detection_window_s=window),
                 double_click_timing="second_on_herald")
    eta = 0.7 * 10 ** (-0.2 * length_km / 2 / 10) * det_eff
    p_dark = -math.expm1(-dark_hz * window)
    q1 = sum(float(np.trace(s).real) for s in fock_round(np.full((4, 4), 0.25), eta, eta, p_dark))
    raw = fock_double_click(eta, eta, p_dark)
    p = float(np.trace(raw).real)
    psi_plus = np.array([0, 1, 1, 0]) / math.sqrt(2)
    f = float(np.real(psi_plus @ raw @ psi_plus)) / p
    round_s = max(1 / 1e5, length_km * 1e3 / C_FIBER_M_PER_S)
    n = 3000
    net.request("a", "b", num_pairs=n)
    r = net.run(until_s=1e4, progress=False).requests[0]
    assert r.num_pairs == n
    # Rounds per pair R: N ~ Geometric(p / q1) first-round heralds, each after F ~ Geometric(q1) rounds
    # and followed by one second round: E[R] = (1 + q1) / p; Var by Wald with per-herald cost F + 1.
    a = p / q1
    mean_cost, var_cost = 1 / q1 + 1, (1 - q1) / q1**2
    mean, var = mean_cost / a, var_cost / a + mean_cost**2 * (1 - a) / a**2
    assert mean == pytest.approx((1 + q1) / p, rel=1e-12)
    assert_normal(r.mean_latency_s, round_s * mean, round_s * math.sqrt(var / n), SIGMAS, what="mean time per pair")
    if formalism == "stabilizer":
        assert_normal(r.mean_fidelity, f, math.sqrt(f * (1 - f) / n), SIGMAS, what="mean F")
    else:
        np.testing.assert_allclose(r.fidelities, f, rtol=0, atol=1e-9)


# ---- teleportation and remote CNOT on kept, decaying pairs ----------------------------------------------


def kept_pair_weights(f0, stored, t2):
    """Bell weights (Phi+, Psi+, Psi-, Phi-) of a Werner pair of fidelity f0 whose two qubits each
    dephased for ``stored`` seconds: <XX> = w exp(-2 stored / T2) = -<YY>, <ZZ> = w."""
    w = werner_w(f0)
    xx, zz = w * math.exp(-2 * stored / t2), w
    yy = -xx
    return ((1 + xx - yy + zz) / 4, (1 + xx + yy - zz) / 4, (1 - xx - yy - zz) / 4, (1 - xx + yy + zz) / 4)


@pytest.mark.parametrize("formalism", ["density_matrix", "stabilizer"])
def test_teleportation_and_remote_cnot_on_kept_pairs_that_keep_decaying(formalism):
    """A kept pair (keep_pairs) stays in memory and dephases until it is used (the run's end t): a
    Werner link pair of F0 = 0.95 emitted at e has Bell weights (phi, psi+, psi-, phi-) from
    <XX> = -<YY> = w exp(-2 (t - e) / T2), <ZZ> = w. Teleporting through it applies Pauli X, Y, Z with
    the weights of Psi+, Psi-, Phi-: a Z eigenstate arrives with fidelity 1 - psi+ - psi-, an X one
    1 - psi- - phi-, a Y one 1 - psi+ - phi- (over the six inputs of one pair: (2F + 1)/3). A remote
    CNOT on |+>|0> gives Phi+ with fidelity F = phi."""
    t2, f0 = 2e-3, 0.95
    net = qnsim.Network(formalism, seed=12)
    for name in "ab":
        net.add_node(name, t2_s=t2)
    link = net.add_link("a", "b", length_km=2.0, fidelity=f0, success_probability=0.5, attempt_period_s=2e-5)
    net.request("a", "b", keep_pairs=True)
    reg = net.registry
    inputs = [([1, 0], "", "z"), ([0, 1], "x", "z"), ([1, 1], "h", "x"), ([1, -1], "xh", "x"), ([1, 1j], "hs", "y"),
              ([1, -1j], "xhs", "y")]
    trials = 36 if formalism == "density_matrix" else 2400
    got = {"teleport": [], "cnot": []}
    want = {"teleport": [], "cnot": []}
    until, used = 0.0, 0
    for k in range(trials):
        until += 2e-4 * (1 + k % 7)  # steps of different lengths: the pairs wait for different times
        r = net.run(until_s=until, progress=False).requests[0]
        if r.num_pairs == used:
            continue  # no new pair in this step
        used = r.num_pairs
        a, b = int(r.qubits_src[-1]), int(r.qubits_dst[-1])
        phi, psi_p, psi_m, phi_m = kept_pair_weights(f0, until - (r.times_s[-1] - link.herald_delay_a_s), t2)
        if k % 2 == 0:
            ket, gates, basis = inputs[(k // 2) % 6]
            q = reg.alloc()
            for g in gates:
                getattr(reg, g)(q)
            qnsim.teleport(reg, q, a, b)
            got["teleport"].append(reg.fidelity([b], np.array(ket) / np.linalg.norm(ket)))
            want["teleport"].append({"z": 1 - psi_p - psi_m, "x": 1 - psi_m - phi_m, "y": 1 - psi_p - phi_m}[basis])
        else:
            control, target = reg.alloc(), reg.alloc()
            reg.h(control)
            qnsim.remote_cnot(reg, control, a, b, target)
            got["cnot"].append(reg.fidelity([control, target]))
            want["cnot"].append(phi)
        net.release_pair(a, b)
    assert np.ptp(want["cnot"]) > 0.1
    for what in ("teleport", "cnot"):
        expected = np.array(want[what])
        assert len(expected) > trials / 3
        if formalism == "density_matrix":
            np.testing.assert_allclose(got[what], expected, rtol=0, atol=1e-12)
        else:
            assert_normal(float(np.sum(got[what])), float(expected.sum()),
                          math.sqrt(float(np.sum(expected * (1 - expected)))), SIGMAS, what=f"{what} F")


# ---- the same figures through `qnsim run` ---------------------------------------------------------------

SCENARIO = """
[run]
until_s = 1.0
seed = 5

[[nodes]]
name = "a"
t2_s = 2e-4
[[nodes]]
name = "m"
t2_s = 2e-4
[[nodes]]
name = "b"
t2_s = 2e-4

[[links]]
a = "a"
b = "m"
length_km = 0.0
fidelity = 0.97
success_probability = 0.3
attempt_period_s = 1e-5
[[links]]
a = "m"
b = "b"
length_km = 0.0
fidelity = 0.92
success_probability = 0.15
attempt_period_s = 1e-5

[[requests]]
src = "a"
dst = "b"
cutoff_s = 3e-5
"""


@pytest.mark.parametrize("formalism", ALL)
def test_qnsim_run_reports_the_cutoff_chains_rate_and_fidelity(formalism, tmp_path, capsys):
    """`qnsim run --json` on the 2-link cutoff chain of test_cutoff_rate_drop... (m = 3) over a 1 s
    window: rate_hz, mean_fidelity and cutoff_discards against the renewal-reward limits (count over a
    window W ~ Normal(W mu, W Var(R - mu X) / E[X]) with mu = E[R] / E[X] per cycle)."""
    from qnsim.cli import main

    path = tmp_path / "chain.toml"
    path.write_text(SCENARIO)
    assert main(["run", str(path), "--json", "--no-progress", "--formalism", formalism]) == 0
    import json

    req = json.loads(capsys.readouterr().out)["requests"][0]
    period, window, m = 1e-5, 1.0, 3
    cycles = cutoff_cycles(0.3, 0.15, m)
    e_x = sum(c[0] * c[1] for c in cycles)
    e_r = sum(c[0] for c in cycles if c[2])
    mu = e_r / e_x
    var = sum(c[0] * ((1.0 if c[2] else 0.0) - mu * c[1]) ** 2 for c in cycles) / e_x
    cycles_in_window = window / period
    assert_normal(req["rate_hz"] * period, mu, math.sqrt(var / cycles_in_window), SIGMAS, what="pairs per period")
    discards = sum(c[0] for c in cycles if not c[2]) / e_x  # per period
    d_var = sum(c[0] * ((0.0 if c[2] else 1.0) - discards * c[1]) ** 2 for c in cycles) / e_x
    assert_normal(req["cutoff_discards"] / cycles_in_window, discards, math.sqrt(d_var / cycles_in_window), SIGMAS,
                  what="cutoff discards per period")
    w = werner_w(0.97) * werner_w(0.92)
    fid = {d: (1 + w * (1 + 2 * math.exp(-2 * (d + 2) * period / 2e-4))) / 4 for d in range(m)}
    mean_f = sum(c[0] * fid[c[3]] for c in cycles if c[2]) / e_r
    f_sd = math.sqrt(sum(c[0] * (fid[c[3]] - mean_f) ** 2 for c in cycles if c[2]) / e_r)
    if formalism == "stabilizer":
        f_sd = math.sqrt(mean_f * (1 - mean_f))
    assert_normal(req["mean_fidelity"], mean_f, f_sd / math.sqrt(req["num_pairs"]), SIGMAS, what="mean F")


@pytest.mark.parametrize("formalism", ["density_matrix", "bell_diagonal"])
@pytest.mark.parametrize("scheme, rounds", [("dejmps", 2), ("bbpssw", 2), ("dejmps", 3)])
def test_multi_round_purification_with_memory_decay_pair_by_pair(formalism, scheme, rounds):
    """Several recurrence rounds on one link whose nodes dephase (T2) and whose gates are noisy, each
    pair followed through the trace. Which two pairs a round combines is the protocol's rule (the
    two lowest memories holding known pairs of one level, whenever a pair becomes known), replayed
    here from the trace's order; the physics is the oracle's: a pair is emitted one herald delay
    before its herald, a round acts on its two pairs decayed to its start with the numpy circuit of
    physics_oracles.purify (gate noise in Stim's meaning), its outcome is known one classical latency
    later (the trace's record, checked), the kept pair decays all along, and a pair that passed every
    round is delivered then. Every delivered fidelity equals the oracle's; the rounds kept agree with
    the sum of the oracle's success probabilities."""
    import physics_oracles as po

    t2, gates, diag = 1e-3, (0.01, 0.02, 0.0), (0.85, 0.07, 0.05, 0.03)
    net = qnsim.Network(formalism, seed=500 + rounds, trace=True)
    for name in "ab":
        net.add_node(name, t2_s=t2, gate1_error=gates[0], gate2_error=gates[1])
    link = net.add_link("a", "b", length_km=2.0, bell_diagonal=diag, success_probability=0.5,
                        attempt_period_s=2e-5, channels=rounds + 1)
    n = 30
    net.request("a", "b", num_pairs=n, purification=scheme, purification_rounds=rounds)
    r = net.run(until_s=10.0, progress=False).requests[0]
    assert r.num_pairs == n
    herald, c = link.herald_delay_a_s, link.classical_delay_s

    def decayed(pair, until):
        rho = pair["rho"]
        for q in (0, 1):
            rho = po.memory(rho, q, 2, until - pair["since"], math.inf, t2)
        return rho

    stored, inflight, delivered, probs, kept = {}, {}, [], [], 0

    def start_rounds(now):
        while True:
            free = sorted((slot, p["level"]) for slot, p in stored.items() if p["level"] < rounds)
            first = {}
            for slot, level in free:
                if level in first:
                    one, two = stored.pop(first[level]), stored.pop(slot)
                    p, out = po.purify(decayed(one, now), decayed(two, now), scheme, *gates)
                    inflight[first[level]] = {"p": p, "rho": out, "since": now, "level": level + 1, "due": now + c,
                                              "gen": one["gen"]}
                    break
                first[level] = slot
            else:
                return

    for rec in net.trace():
        event, now = rec["event"], rec["time_s"]
        if event == "link_pair":
            stored[rec["slots"][0]] = {"rho": po.bell_diagonal_state(diag), "since": now - herald, "level": 0,
                                       "gen": rec["generations"][0]}
            start_rounds(now)
        elif event in ("purification_kept", "purification_failed"):
            done = inflight.pop(rec["slots"][0])
            assert done["gen"] == rec["generations"][0] and done["due"] == pytest.approx(now, abs=1e-12)
            probs.append(done["p"])
            if event == "purification_kept":
                kept += 1
                stored[rec["slots"][0]] = done
                start_rounds(now)
        elif event == "delivery":
            (top,) = [slot for slot, p in stored.items() if p["level"] == rounds]
            delivered.append(po.pair_fidelity(decayed(stored.pop(top), now)))
    assert len(delivered) == n
    np.testing.assert_allclose(r.fidelities, delivered, rtol=0, atol=1e-12)
    assert np.ptp(delivered) > 0.01  # the pairs waited for different times
    probs = np.array(probs)
    assert_normal(kept, probs.sum(), math.sqrt((probs * (1 - probs)).sum()), SIGMAS, what="rounds kept")
