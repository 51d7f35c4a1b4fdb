"""A ninth outside audit of qnsim's physics against closed forms and numpy oracles written here.

Covered here and not in test_physics_audit.py .. test_physics_audit8.py: ``routing="rate"`` on links with several
channels (what a link delivers to the request's memories, not one channel's rate); pairs near Psi+, Psi- or Phi-
(the entanglement verdict in every formalism, what the user is told the state is, and what fidelity routing says of
them); a rate over a window the path's start-up fills. See each test's docstring for the closed form it uses and,
for a fix, the old behaviour. Statistical checks use 5.3 sigma (a false alarm below 1e-7 per check) with fixed seeds.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qnsim

ALL = ("density_matrix", "stabilizer", "bell_diagonal")
SIGMAS = 5.3


# ---- routing by rate over links with several channels ---------------------------------------------------------


def _two_routes(narrow_rate_hz: float | None = None, seed: int = 5) -> qnsim.Network:
    """Nodes a, b, c, d: a-b-c over one-channel 1 kHz links, a-d-c over four-channel 400 Hz links (lossless,
    every attempt a success: a channel heralds one pair per period). With ``narrow_rate_hz``, d-c is a one-channel
    link of that rate instead."""
    net = qnsim.Network("bell_diagonal", seed=seed)
    for name in "abcd":
        net.add_node(name)
    net.add_link("a", "b", length_km=0.0, fidelity=1.0, rate_hz=1e3)
    net.add_link("b", "c", length_km=0.0, fidelity=1.0, rate_hz=1e3)
    net.add_link("a", "d", length_km=0.0, fidelity=1.0, rate_hz=400.0, channels=4)
    if narrow_rate_hz is None:
        net.add_link("d", "c", length_km=0.0, fidelity=1.0, rate_hz=400.0, channels=4)
    else:
        net.add_link("d", "c", length_km=0.0, fidelity=1.0, rate_hz=narrow_rate_hz)
    return net


def _delivered(path: tuple[str, ...], until_s: float, **kwargs) -> int:
    """Pairs a request over ``path`` (given explicitly) delivers in ``until_s`` on ``_two_routes(**kwargs)``."""
    net = _two_routes(**kwargs)
    net.request("a", "c", path=list(path), num_pairs=10**6)
    return net.run(until_s=until_s, progress=False).requests[0].delivered


def test_rate_routing_weighs_a_link_by_what_all_its_channels_deliver():
    """Closed form: a link's channels are independent renewal processes, so m memories per side on a link of
    rate r herald m r pairs per second; a path's weight is sum 1 / (m r). a-b-c: 2 / 1 kHz = 2 ms; a-d-c with its
    four memories per side: 2 / 1.6 kHz = 1.25 ms, so "rate" takes a-d-c. The simulated deliveries over each path
    (forced with ``path=``) agree: 1,600 pairs/s against 1,000 (deterministic links, so within a few pairs).
    Old behaviour: the weight was 1 / rate_hz of one channel (2 ms against 5 ms), and ``routing="rate"`` took a-b-c,
    the path that delivers 1.6x fewer pairs."""
    until = 0.05
    slow, fast = _delivered(("a", "b", "c"), until), _delivered(("a", "d", "c"), until)
    assert slow == pytest.approx(until * 1e3, abs=2)
    assert fast == pytest.approx(until * 1.6e3, abs=4)
    net = _two_routes()
    assert net.route("a", "c", "rate") == ["a", "d", "c"]
    net.request("a", "c", routing="rate", num_pairs=10**6)
    res = net.run(until_s=until, progress=False)
    assert net.requests[0].path == ("a", "d", "c")
    assert res.requests[0].delivered == fast
    # A request that holds one memory per side gets one channel's rate on every link: a-b-c again (2 ms < 5 ms).
    assert net.route("a", "c", "rate", memories_per_link=1) == ["a", "b", "c"]


def test_rate_routing_counts_only_the_channels_a_requests_memories_use():
    """Closed form: a request reserves the same m memories per side on every link of its path, by default the
    narrowest link's channels, so a-d (four channels, 400 Hz) then d-c (one channel, 2 kHz) gives it m = 1:
    1 / 400 + 1 / 2000 = 3 ms per pair on each link in turn, against a-b-c's 2 ms. Simulated: a-d-c delivers
    ~400 pairs/s (its 400 Hz link's one memory), a-b-c 1,000. A per-link weight 1 / (channels rate) would read a-d-c
    as 1 / 1600 + 1 / 2000 = 1.125 ms and take the path that delivers 2.5x fewer pairs.
    Old behaviour: one channel's rate everywhere (a-b-c here, but a-b-c in the test above too, against the path
    that delivers more); and a rate-routed request for 2 memories per side was routed over one-channel links and
    then refused for them, where no path has them (now said)."""
    until = 0.05
    slow_links, narrow = (
        _delivered(("a", "b", "c"), until, narrow_rate_hz=2e3),
        _delivered(("a", "d", "c"), until, narrow_rate_hz=2e3),
    )
    assert slow_links == pytest.approx(until * 1e3, abs=2)
    assert narrow == pytest.approx(until * 400, abs=2)
    net = _two_routes(narrow_rate_hz=2e3)
    assert net.route("a", "c", "rate") == ["a", "b", "c"]
    with pytest.raises(ValueError, match="no path of links with 2 or more channels between them"):
        net.request("a", "c", routing="rate", memories_per_link=2)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    edges=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(1, 4), st.sampled_from([100.0, 300.0, 1e3, 3e3])),
        min_size=1,
        max_size=10,
    ),
    memories=st.one_of(st.none(), st.integers(1, 4)),
)
def test_rate_routing_is_the_least_time_over_every_simple_path(edges, memories):
    """Oracle: enumerate every simple path from n0 to n5 (networkx.all_simple_paths) and price it as the request
    would hold it: m memories per side on each link (its memories_per_link, or by default its narrowest link's
    channels; links with fewer channels than m cannot serve it), sum over links of 1 / (m rate_hz). The route chosen
    by ``routing="rate"`` must cost the least of them (to 1e-12), and no route must be found when none qualifies."""
    net = qnsim.Network("bell_diagonal")
    names = [f"n{i}" for i in range(6)]
    for name in names:
        net.add_node(name)
    seen = set()
    for a, b, channels, rate in edges:
        if a == b or frozenset((a, b)) in seen:
            continue
        seen.add(frozenset((a, b)))
        net.add_link(names[a], names[b], length_km=0.0, fidelity=0.9, rate_hz=rate, channels=channels)
    graph = net.to_networkx()

    def cost(path):
        links = [net.link(u, v) for u, v in zip(path, path[1:])]
        m = min(lk.channels for lk in links) if memories is None else memories
        if any(lk.channels < m for lk in links):
            return math.inf
        return sum(1.0 / (m * lk.rate_hz) for lk in links)

    costs = [cost(p) for p in nx.all_simple_paths(graph, "n0", "n5")] if nx.has_path(graph, "n0", "n5") else []
    best = min(costs, default=math.inf)
    if math.isinf(best):
        with pytest.raises(ValueError, match="no path of links"):
            net.route("n0", "n5", "rate", memories_per_link=memories)
        return
    assert cost(net.route("n0", "n5", "rate", memories_per_link=memories)) == pytest.approx(best, rel=1e-12)


# ---- what the user is told a pair near Psi+ is ---------------------------------------------------------------


def _bell_state(k: int) -> np.ndarray:
    """|B_k><B_k| for B = (Phi+, Psi+, Psi-, Phi-), written out here (qubit 0 the most significant bit)."""
    s = 1 / math.sqrt(2)
    kets = [[s, 0, 0, s], [0, s, s, 0], [0, s, -s, 0], [s, 0, 0, -s]]
    v = np.array(kets[k], dtype=complex)
    return np.outer(v, v.conj())


def _concurrence(rho: np.ndarray) -> float:
    """Wootters concurrence from its definition: the square roots of the eigenvalues of rho (Y x Y) rho* (Y x Y)."""
    yy = np.kron(np.array([[0, -1j], [1j, 0]]), np.array([[0, -1j], [1j, 0]]))
    lam = np.sqrt(np.clip(np.sort(np.linalg.eigvals(rho @ yy @ rho.conj() @ yy).real)[::-1], 0, None))
    return max(0.0, lam[0] - lam[1] - lam[2] - lam[3])


@pytest.mark.parametrize("formalism", ALL)
@pytest.mark.parametrize("weights, near", [((0.1, 0.8, 0.05, 0.05), "Psi+"), ((0.15, 0.05, 0.1, 0.7), "Phi-"),
                                           ((0.4, 0.2, 0.2, 0.2), None)])  # fmt: skip
def test_pairs_near_another_bell_state_are_entangled_in_every_formalism_and_named(formalism, weights, near):
    """Closed form (checked here on the numpy state): a Bell-diagonal state's concurrence is max(0, 2 w_max - 1),
    whichever Bell state has the largest weight w_max; so (0.1, 0.8, 0.05, 0.05) is entangled (C = 0.6) at a
    fidelity of 0.1 toward Phi+, and a local X on one end makes it Phi+ at F = 0.8. The stabilizer formalism's
    ensemble of Bell-state trajectories is that Bell-diagonal mixture, so all three formalisms must give one verdict.
    Old behaviour: the stabilizer formalism read the pairs as NOT ENTANGLED ("mean fidelity 0.1000 <= 1/2") where the
    density-matrix and bell_diagonal ones said entangled, and none said the pairs were near Psi+ (a user read F = 0.1
    beside "entangled: yes" without a word of which state it was)."""
    rho = sum(w * _bell_state(k) for k, w in enumerate(weights))
    entangled = max(weights) > 0.5
    assert _concurrence(rho) == pytest.approx(max(0.0, 2 * max(weights) - 1), abs=1e-12)
    net = qnsim.Network(formalism, seed=2)
    for name in "ab":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, bell_diagonal=weights, rate_hz=1e3)
    net.request("a", "b", num_pairs=400)
    r = net.run(until_s=1.0, progress=False).requests[0]
    assert r.num_pairs == 400
    assert r.entangled is entangled
    named = [n for n in r.notes if "the delivered pairs are near" in n]
    if near is None:
        assert not named and any(n.startswith("NOT ENTANGLED") for n in r.notes)
        return
    k = ("Phi+", "Psi+", "Psi-", "Phi-").index(near)
    pauli = {"Psi+": "an X", "Psi-": "a Y", "Phi-": "a Z"}[near]
    assert len(named) == 1 and f"near {near}, not Phi+" in named[0] and f"{pauli} on one end" in named[0]
    # The Pauli named makes the mean state Phi+ at the weight named (numpy: (1 x P) rho (1 x P)^dagger).
    p = {"Psi+": np.array([[0, 1], [1, 0]]), "Psi-": np.array([[0, -1j], [1j, 0]]), "Phi-": np.diag([1, -1])}[near]
    u = np.kron(np.eye(2), p)
    corrected = u @ rho @ u.conj().T
    assert np.real(corrected[0, 0] + corrected[0, 3] + corrected[3, 0] + corrected[3, 3]) / 2 == pytest.approx(
        weights[k], abs=1e-12
    )
    if formalism != "stabilizer":
        assert r.mean_fidelity == pytest.approx(weights[0], abs=1e-9)
        assert f"fidelity {weights[k]:.4f}" in named[0]
    else:  # 400 trajectories: the weight within 5.3 sigma of its binomial spread
        got = r.mean_bell_diagonal[k]
        assert abs(got - weights[k]) < SIGMAS * math.sqrt(weights[k] * (1 - weights[k]) / 400)


# ---- a rate over a window the path's start-up fills --------------------------------------------------------


def _long_chain(seed: int, hops: int = 6, km: float = 50.0, channels: int = 32) -> qnsim.Network:
    """A bell_diagonal chain n0 .. n{hops} of ``km`` km hops (p = 0.5 per 250 us attempt, ``channels`` channels),
    one open request from end to end."""
    net = qnsim.Network("bell_diagonal", seed=seed)
    names = [f"n{i}" for i in range(hops + 1)]
    for name in names:
        net.add_node(name)
    for u, v in zip(names, names[1:]):
        net.add_link(u, v, length_km=km, fidelity=0.99, success_probability=0.5, attempt_period_s=250e-6,
                     channels=channels)  # fmt: skip
    net.request(names[0], names[-1], num_pairs=10**7)
    return net


def test_a_rate_over_a_window_the_start_up_fills_says_so():
    """Bound: no end-to-end pair can come before a link's herald plus the news of the farthest swap, H + (hops - 1)
    x the hop's classical delay (0.24 + 5 x 0.24 = 1.44 ms on six 50 km hops); after it, the pairs the 32 channels
    made meanwhile come in a burst. Over a 6.6 ms window that start-up is a fifth of the time: the window's rate
    (~16.5 kHz) is >10% off the rate a 0.2 s run measures (~18.8 kHz), while the Poisson interval of the count claims
    95%. A window whose first delivery comes late (> 1/10 of it, >= 10 pairs) now says so; a long run, and a
    one-link run whose first pair is one Poisson wait, do not.
    Old behaviour: ``rate 16.5 kHz`` with no word (from 100 pairs on, not even the interval's)."""
    short = _long_chain(7).run(until_s=6.6e-3, progress=False).requests[0]
    link = _long_chain(7).links[0]
    bound = link.herald_delay_a_s + 5 * link.classical_delay_s
    assert short.first_delivery_s >= bound - 1e-12
    assert short.num_pairs >= 100  # no interval note: only this one speaks
    lead = [n for n in short.notes if n.startswith("no pair came in the first")]
    assert len(lead) == 1 and "of the 6.6 ms window" in lead[0] and "run longer (until_s)" in lead[0]
    long = _long_chain(7).run(until_s=0.2, progress=False).requests[0]
    assert abs(short.rate_hz - long.rate_hz) > 0.1 * long.rate_hz
    assert not [n for n in long.notes if n.startswith("no pair came in the first")]
    net = qnsim.Network("bell_diagonal", seed=3)
    for name in "ab":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, success_probability=0.1, attempt_period_s=1e-5)
    net.request("a", "b", num_pairs=1000)
    one = net.run(until_s=1.0, progress=False).requests[0]
    assert one.num_pairs == 1000 and not [n for n in one.notes if n.startswith("no pair came in the first")]


def test_fidelity_routing_names_links_near_another_bell_state_it_cannot_price():
    """Closed form: ideal swaps compose Bell-diagonal pairs as their Pauli errors multiply, so two (0.1, 0.8, 0.05,
    0.05) links (X errors with 0.8) swap to Phi+ weight 0.8^2 + 0.1^2 + 2 x 0.05^2 = 0.655 (X X = I); the hops route
    delivers that. ``routing="fidelity"`` prices a link as a Werner pair of its Phi+ fidelity (w = (4 F - 1)/3 < 0
    here), so it finds no path, and now says which links it could not price and why.
    Old behaviour: "no path of links with link fidelity > 1/4" and a module docstring saying such links "carry no
    entanglement", for links that deliver F = 0.655 over the hops route."""
    weights = (0.1, 0.8, 0.05, 0.05)
    swapped = weights[0] ** 2 + weights[1] ** 2 + weights[2] ** 2 + weights[3] ** 2
    assert swapped == pytest.approx(0.655)
    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "abc":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, bell_diagonal=weights, rate_hz=1e3)
    net.add_link("b", "c", length_km=1.0, bell_diagonal=weights, rate_hz=1e3)
    with pytest.raises(
        ValueError,
        match=r"no path of links with link fidelity > 1/4 between them .*; link\(s\) a-b "
        r"\(Psi\+ 0\.8\), b-c \(Psi\+ 0\.8\) are entangled near another Bell state "
        r"than Phi\+, which this metric .* cannot price: give path= or routing='hops'",
    ):
        net.route("a", "c", "fidelity")
    net.request("a", "c", num_pairs=20)
    r = net.run(until_s=1.0, progress=False).requests[0]
    assert r.num_pairs == 20 and r.mean_fidelity == pytest.approx(swapped, abs=1e-9) and r.entangled
