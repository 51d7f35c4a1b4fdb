"""An eleventh outside audit of qnsim's physics against closed forms and numpy oracles written here.

Covered here and not in test_physics_audit.py .. test_physics_audit10.py: a pair delivered at the very instant of its
request's deadline (every formalism, native and Python policies); ``routing="fidelity"`` over links that are not
Werner pairs (the Bell-diagonal swap closed form); a hardware link's attempt period shorter than its light's round
trip; the two_qpus_transducers example by hand (efficiencies through to p, rate, F after the memories' wait); nested
and swap-ASAP delivery times on unequal chains. See each test's docstring for the closed form it uses and, for a fix,
the old behaviour. Statistical checks use 5.3 sigma (a
false alarm below 1e-7 per check) with fixed seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import qnsim

ALL = ("density_matrix", "stabilizer", "bell_diagonal")
SIGMAS = 5.3


# ---- a pair delivered at the deadline's instant ---------------------------------------------------------------


class _DeliverAtOnce(qnsim.Protocol):
    """A Python policy: every pair the source learns of is delivered at once."""

    def on_pair_ready(self, node, slot, partner_slot):
        if node == self.request.src:
            self.deliver(slot, partner_slot)


def _chain(formalism: str, deadline_s: float | None, num_pairs: int | None, policy: bool) -> qnsim.RequestResult:
    """a - b over a lossless deterministic 1 kHz link of 30 km (pairs heralded at 1, 2, 3 ... ms, with the light's
    144 us of flight in the 2nd and later), or a - m - b swap-ASAP with swap news from m (native only)."""
    net = qnsim.Network(formalism, seed=2)
    if policy:
        for name in "ab":
            net.add_node(name)
        net.add_link("a", "b", length_km=30.0, fidelity=0.9, rate_hz=1e3)
        net.request("a", "b", num_pairs=num_pairs, deadline_s=deadline_s, protocol=_DeliverAtOnce())
    else:
        for name in "amb":
            net.add_node(name)
        net.add_link("a", "m", length_km=30.0, fidelity=0.9, rate_hz=1e3)
        net.add_link("m", "b", length_km=10.0, fidelity=0.9, rate_hz=1e3)
        net.request("a", "b", num_pairs=num_pairs, deadline_s=deadline_s)
    return net.run(until_s=0.05, progress=False).requests[0]


@pytest.mark.parametrize("policy", [False, True], ids=["native", "python_policy"])
@pytest.mark.parametrize("formalism", ALL)
def test_a_pair_delivered_at_the_deadlines_instant_counts(formalism, policy):
    """Semantics (docs/concepts.md, ``RequestSpec.deadline_s``): the deadline is inclusive, as a cutoff is, so a
    request asking for 3 pairs whose third pair is delivered at the very picosecond of its deadline is served with 3,
    and a request without num_pairs keeps that pair. The deadline is set to the third delivery time of the same run
    without a deadline (the same draws: deterministic links). Old behaviour: the deadline event, scheduled when the
    request started, ran before the delivery of the same instant: "dropped (deadline passed before all pairs were
    delivered), 2 of 3 pairs", and 2 pairs for the open-ended request, in every formalism and under a Python policy."""
    free = _chain(formalism, None, 3, policy)
    assert free.num_pairs == 3
    third = float(free.times_s[2])
    at = _chain(formalism, third, 3, policy)
    assert (at.status, at.num_pairs, at.finished_s) == ("served", 3, third)
    assert at.times_s.tobytes() == free.times_s.tobytes()
    open_ended = _chain(formalism, third, None, policy)
    assert open_ended.num_pairs == 3 and open_ended.times_s[-1] == third
    # One picosecond earlier the third pair is late.
    early = _chain(formalism, third - 1e-12, 3, policy)
    assert (early.status, early.num_pairs) == ("dropped", 2)


# ---- routing="fidelity" over links that are not Werner pairs --------------------------------------------------


def _swapped_fidelity(weights: list[tuple[float, float, float, float]]) -> float:
    """Oracle: the Phi+ fidelity of Bell-diagonal pairs swapped in a chain (corrections to Phi+, no noise). Each
    pair's Bell index is an element of Z2 x Z2 and a swap adds them, so the swapped weights are the convolution of
    the pairs' weights, computed here directly (not through correlations)."""
    out = np.array([1.0, 0.0, 0.0, 0.0])
    # Bell index as (x flip, z flip): Phi+ (0,0), Psi+ (1,0), Psi- (1,1), Phi- (0,1).
    bits = [(0, 0), (1, 0), (1, 1), (0, 1)]
    for w in weights:
        new = np.zeros(4)
        for i, bi in enumerate(bits):
            for j, bj in enumerate(bits):
                new[bits.index((bi[0] ^ bj[0], bi[1] ^ bj[1]))] += out[i] * w[j]
        out = new
    return float(out[0])


_DEPHASED = (0.8, 0.0, 0.0, 0.2)  # Phi+ with Z on one end at 20%: F = 0.8, Werner parameter 0.733
_WERNER = 0.81  # Werner parameter 0.7467


def _two_paths(formalism: str = "bell_diagonal") -> qnsim.Network:
    """a-b-c over two dephased links (F = 0.8 each), a-d-c over two Werner links (F = 0.81 each), lossless."""
    net = qnsim.Network(formalism, seed=7)
    for name in "abcd":
        net.add_node(name)
    for u, v in (("a", "b"), ("b", "c")):
        net.add_link(u, v, length_km=1.0, bell_diagonal=_DEPHASED, rate_hz=1e3)
    for u, v in (("a", "d"), ("d", "c")):
        net.add_link(u, v, length_km=1.0, fidelity=_WERNER, rate_hz=1e3)
    return net


@pytest.mark.parametrize("formalism", ["density_matrix", "bell_diagonal"])
def test_fidelity_routing_ranks_non_werner_paths_by_the_bell_diagonal_swap(formalism):
    """Closed form (the oracle above): two dephased F = 0.8 links swap to F = (1 + 0.6^2 + 0.6^2 + 1) / 4 = 0.68,
    two Werner F = 0.81 links to 1/4 + 3/4 (0.7467)^2 = 0.668; the simulated pairs over each path (forced with
    ``path=``) are these. Old behaviour: ``routing="fidelity"`` priced the dephased links as Werner pairs of F = 0.8
    (1/4 + 3/4 (0.7333)^2 = 0.653) and took a-d-c, the path delivering the lower fidelity, without a word."""
    assert _swapped_fidelity([_DEPHASED] * 2) == pytest.approx(0.68, abs=1e-12)
    werner = (_WERNER,) + ((1 - _WERNER) / 3,) * 3
    assert _swapped_fidelity([werner] * 2) == pytest.approx(0.25 + 0.75 * ((4 * _WERNER - 1) / 3) ** 2, abs=1e-12)
    delivered = {}
    for path in (["a", "b", "c"], ["a", "d", "c"]):
        net = _two_paths(formalism)
        net.request("a", "c", path=path, num_pairs=5)
        delivered[tuple(path)] = net.run(until_s=0.1, progress=False).requests[0].mean_fidelity
    assert delivered[("a", "b", "c")] == pytest.approx(0.68, abs=1e-9)
    assert delivered[("a", "d", "c")] == pytest.approx(_swapped_fidelity([werner] * 2), abs=1e-9)
    net = _two_paths(formalism)
    assert net.route("a", "c", "fidelity") == ["a", "b", "c"]
    request = net.request("a", "c", routing="fidelity", num_pairs=5)
    assert list(request.path) == ["a", "b", "c"]


def test_fidelity_routing_over_werner_links_is_unchanged():
    """All links Werner: the product of Werner parameters is the exact ranking (the module's closed form), and the
    Dijkstra path is returned as before (here the two-hop path of F = 0.99 links over a direct F = 0.8 link)."""
    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "abc":
        net.add_node(name)
    net.add_link("a", "c", length_km=1.0, fidelity=0.8, rate_hz=1e3)
    net.add_link("a", "b", length_km=1.0, fidelity=0.99, rate_hz=1e2)
    net.add_link("b", "c", length_km=1.0, fidelity=0.99, rate_hz=1e2)
    assert net.route("a", "c", "fidelity") == ["a", "b", "c"]


def test_fidelity_routing_is_the_best_swapped_fidelity_over_every_simple_path():
    """Oracle: every simple path of 40 random graphs (7 nodes, random Bell-diagonal links, some Werner) priced by the
    convolution above; the route's swapped fidelity is the maximum (to rounding). Links with F <= 1/4 are not used,
    as documented."""
    import networkx as nx

    from qnsim.link_builder import build_link
    from qnsim.routing import route
    from qnsim.specs import LinkSpec

    rng = np.random.default_rng(11)
    for case in range(40):
        g = nx.gnp_random_graph(7, 0.5, seed=int(rng.integers(1 << 30)))
        if not nx.has_path(g, 0, 6):
            continue
        links, weights = [], {}
        for i, (u, v) in enumerate(g.edges):
            w = rng.dirichlet([6.0, 1.0, 1.0, 1.0] if rng.random() < 0.7 else [1.0, 1.0, 1.0, 1.0])
            if rng.random() < 0.3:
                w = np.array([w[0]] + [(1 - w[0]) / 3] * 3)
            w = tuple(float(x) for x in w / w.sum())
            links.append(build_link(LinkSpec(a=str(u), b=str(v), length_km=1.0, bell_diagonal=w, rate_hz=1e3),
                                    None, None, i))
            weights[frozenset((str(u), str(v)))] = links[-1].bell_diagonal
        usable = nx.Graph([(str(u), str(v)) for (u, v) in g.edges if weights[frozenset((str(u), str(v)))][0] > 0.25])
        usable.add_nodes_from(str(n) for n in g.nodes)
        if not nx.has_path(usable, "0", "6"):
            continue

        def price(p):
            return _swapped_fidelity([weights[frozenset(e)] for e in zip(p, p[1:])])

        best = max(price(p) for p in nx.all_simple_paths(usable, "0", "6"))
        chosen = route([str(n) for n in g.nodes], links, "0", "6", "fidelity")
        assert price(chosen) >= best - 1e-12, (case, chosen, price(chosen), best)


def test_fidelity_routing_that_stops_its_search_says_so(monkeypatch, caplog):
    """A search cut at its limit returns the best path found and logs a warning naming the limit; a 30 x 30 grid
    of equal non-Werner links is searched without reaching it (the bound prunes every path but a shortest one)."""
    import logging

    import networkx as nx

    import qnsim.routing as routing
    from qnsim.link_builder import build_link
    from qnsim.specs import LinkSpec

    def grid(n):
        g = nx.grid_2d_graph(n, n)
        links = [build_link(LinkSpec(a=str(u), b=str(v), length_km=1.0, bell_diagonal=(0.9, 0.0, 0.02, 0.08),
                                     rate_hz=1e3), None, None, i) for i, (u, v) in enumerate(g.edges)]
        return [str(x) for x in g.nodes], links, str((0, 0)), str((n - 1, n - 1))

    with caplog.at_level(logging.WARNING, logger="qnsim.routing"):
        assert len(routing.route(*grid(30), "fidelity")) == 59
    assert not caplog.records
    monkeypatch.setattr(routing, "_MAX_EXPANSIONS", 3)
    nodes, links, src, dst = grid(5)
    rng = np.random.default_rng(3)
    links = [build_link(LinkSpec(a=lk.a, b=lk.b, length_km=1.0, bell_diagonal=tuple(rng.dirichlet([30.0, 1, 1, 1])),
                                 rate_hz=1e3), None, None, i) for i, lk in enumerate(links)]
    with caplog.at_level(logging.WARNING, logger="qnsim.routing"):
        path = routing.route(nodes, links, src, dst, "fidelity")
    assert path[0] == src and path[-1] == dst
    (record,) = caplog.records
    assert "stopped after 3 partial paths" in record.getMessage() and "not proven the best" in record.getMessage()


# ---- attempts that begin faster than their heralds return -----------------------------------------------------

C_FIBER_KM_PER_S = 299_792.458 / 1.44


def test_a_hardware_link_with_a_period_below_its_round_trip_delivers_the_pipelined_rate_and_says_so():
    """Simulated truth (documented in ``LinkInfo.rate_hz``): failed attempts follow each other every T, a success's
    memories wait for its herald H: one success per (1/p - 1) T + H on average. An NV (10x) link over 50 km with
    ``attempt_period_s = 10 us`` (its own period is the 244 us round trip): p = 0.0363, 1,964 pairs/s per channel,
    which the run delivers (renewal count over 2 s, 5.3 sigma), where a memory that waits for each herald delivers
    p / H = 149/s. Old behaviour: 13x the single-memory rate without a word, and ``rate_hz``'s docstring said
    hardware periods include the round trip (H <= T). Now the notes name the link, both figures, and the fix; the
    link at its own period gets no such note."""
    def link(period_s):
        net = qnsim.Network("bell_diagonal", seed=3)
        for name in "ab":
            net.add_node(name, hardware="nv_10x_improved")
        kwargs = {} if period_s is None else {"attempt_period_s": period_s}
        return net, net.add_link("a", "b", length_km=50.0, **kwargs)

    net, lk = link(1e-5)
    p, h = lk.success_probability, lk.herald_delay_a_s
    assert h == pytest.approx(lk.model.attempt_period_s, abs=1e-12) and h > 20 * lk.attempt_period_s
    cycle = (1 / p - 1) * 1e-5 + h
    assert lk.rate_hz == pytest.approx(1 / cycle, rel=1e-12)
    net.request("a", "b")
    until = 2.0
    result = net.run(until_s=until, progress=False)
    n = result.requests[0].num_pairs
    expected = until / cycle
    sd = math.sqrt(expected * (1 - p) / p**2 * 1e-10 / cycle**2) + 1.0
    assert abs(n - expected) <= SIGMAS * sd
    (note,) = [x for x in result.notes if "herald is back" in x]
    assert "a-b (T = 10 us, H = 244 us: 1.96 kHz per channel as simulated, about 149 Hz" in note
    assert "give attempt_period_s of at least H" in note
    own, _ = link(None)
    own.request("a", "b")
    assert not [x for x in own.run(until_s=0.01, progress=False).notes if "herald is back" in x]


def test_the_note_is_for_hardware_links_given_a_period_below_their_herald_and_that_can_fail():
    """A hardware link given a period below its herald (p < 1) is named; an abstract link over fiber longer than
    its period runs the same way but is not (its period is its rate_hz's, an abstract process, as
    ``LinkInfo.rate_hz`` documents); a hardware link given a period above its herald is not either."""
    from qnsim.results import pipelined_attempts_note

    def note(**kwargs):
        net = qnsim.Network("bell_diagonal", seed=1)
        for name in "ab":
            net.add_node(name, hardware="nv_10x_improved")
        net.add_link("a", "b", length_km=100.0, **kwargs)
        return pipelined_attempts_note(net.links)

    assert "a-b (T = 100 us, H = 4" in note(attempt_period_s=1e-4)
    assert note(attempt_period_s=1e-3) is None
    assert note(fidelity=0.9, success_probability=0.1, rate_hz=1e3) is None


_TRANSDUCER_LINK = {"name": "superconducting_transducer_link", "improvement": 1000}


# nv_near_term's links are single click: a second_on_herald timing for them is refused (round 40), not a case here.
@pytest.mark.parametrize(
    ("preset", "timing"),
    [("nv_near_term", "both_rounds"), (_TRANSDUCER_LINK, "both_rounds"), (_TRANSDUCER_LINK, "second_on_herald")],
)
def test_hardware_links_at_their_own_periods_get_no_pipelining_note(preset, timing):
    """A hardware link's own period covers its round trip (two rounds' worth for a herald-gated double click, whose
    herald counts its first round), so none is named, at lengths whose light rounds to odd picoseconds. Found while
    writing the note: the herald-gated transducer link at 0.5 km (T = 2.4 us, H = 4.8 us, two rounds) was named by a
    picosecond of rounding."""
    from qnsim.results import pipelined_attempts_note

    for km in (0.001, 0.5, 1.3, 10.0, 33.3):
        net = qnsim.Network("bell_diagonal", seed=1)
        for name in "ab":
            net.add_node(name, hardware=preset)
        net.add_link("a", "b", length_km=km, double_click_timing=timing)
        assert pipelined_attempts_note(net.links) is None, km


# ---- the transducer example against the closed form by hand ---------------------------------------------------


def _stored(rho: np.ndarray, t_s: float, t1_s: float, t2_s: float) -> np.ndarray:
    """Oracle: both qubits of a 4x4 state kept t_s in memories of (T1, T2) (docs: amplitude damping
    gamma = 1 - exp(-t/T1), then pure dephasing making coherences decay as exp(-t/T2) in total), in numpy."""
    gamma = -math.expm1(-t_s / t1_s)
    keep = math.exp(-t_s / t2_s) / math.sqrt(1 - gamma)  # the dephasing's coherence factor on top of damping's
    lam = (1 - keep) / 2
    damp = [np.array([[1, 0], [0, math.sqrt(1 - gamma)]]), np.array([[0, math.sqrt(gamma)], [0, 0]])]
    dephase = [math.sqrt(1 - lam) * np.eye(2), math.sqrt(lam) * np.diag([1.0, -1.0])]
    for q in (0, 1):
        for kraus in (damp, dephase):
            ops = [np.kron(k, np.eye(2)) if q == 0 else np.kron(np.eye(2), k) for k in kraus]
            rho = sum(k @ rho @ k.conj().T for k in ops)
    return rho


def test_the_two_qpus_transducers_example_is_its_closed_form_by_hand():
    """By hand (examples/two_qpus_transducers.toml, improvement 1000 at 10 km, two channels): per photon
    eta = emission 0.9 x transducer min(1, 0.0047 x 1000) x fiber 10^(-0.2 x 5 / 10) x detector 0.9 = 0.643, and
    Barrett-Kok heralds with p = eta^2 / 2 = 0.2070 to lowest order (the transducer's 5e-4 noise photons and dark
    counts add 0.09%); the period is two rounds of 5 km out and back, 2 x 48.0 us, which is also the herald delay,
    so each channel delivers p / T = 2.16 kHz and the link 4.31 kHz. Each pair waits T in its memories: the link's
    state kept 96.1 us with T1 = 300 us, T2 = 200 us has F = 0.5910 (0.9839 with 10 ms memories). The run
    (density_matrix, 1 s) delivers these: rates within 5.3 sigma of the Poisson count, every pair's F to 1e-9.
    Checked right (no fix)."""
    from pathlib import Path

    from qnsim.scenario import load_scenario

    example = Path(__file__).resolve().parents[1] / "examples" / "two_qpus_transducers.toml"
    net, settings = load_scenario(example)
    link = net.links[0]
    eta = 0.9 * min(1.0, 0.0047 * 1000) * 10 ** (-0.2 * 5.0 / 10) * 0.9
    assert link.success_probability == pytest.approx(eta**2 / 2, rel=2e-3)
    round_trip = 2 * 5.0 / C_FIBER_KM_PER_S
    assert link.attempt_period_s == pytest.approx(2 * round_trip, abs=2e-12)
    assert link.herald_delay_a_s == link.herald_delay_b_s == pytest.approx(link.attempt_period_s, abs=2e-12)
    per_channel = link.success_probability / link.attempt_period_s
    assert link.rate_hz == pytest.approx(per_channel, rel=1e-12) and link.channels == 2
    result = net.run(until_s=settings.until_s, progress=False)
    for request, memory in zip(result.requests, ((300e-6, 200e-6), (10e-3, 10e-3))):
        expected = 2 * per_channel * settings.until_s
        assert abs(request.num_pairs - expected) <= SIGMAS * math.sqrt(expected)
        phi = np.array([1, 0, 0, 1]) / math.sqrt(2)
        stored = _stored(np.asarray(link.state), link.herald_delay_a_s, *memory)
        f = float(np.real(phi @ stored @ phi))
        np.testing.assert_allclose(request.fidelities, f, rtol=0, atol=1e-9)
        np.testing.assert_allclose(request.ages_s, link.herald_delay_a_s, rtol=0, atol=1e-12)
    assert round(result.requests[0].mean_fidelity, 4) == 0.5910 and round(result.requests[1].mean_fidelity, 4) == 0.9839


# ---- nested and swap-ASAP delivery times on unequal chains ------------------------------------------------------


def _first_delivery_by_hand(lengths_km: list[float], schedule: str, period_s: float = 1e-3) -> float:
    """Closed form: every link lossless and deterministic at 1 kHz with light shorter than the period, so every link
    heralds at T. Swap-ASAP: every interior node swaps at T. Nested: node h (path position) joins the segments
    [h - lowbit(h), h] and [h, min(h + lowbit(h), last)], so it swaps when the news of every swap inside them has
    reached it: s(h) = max(T, s(j) + |x_j - x_h| / c) over those j. The pair is delivered when both ends have every
    swap's news: max over swaps j and ends e of s(j) + |x_j - x_e| / c (news along the path, c = c0 / 1.44)."""
    x = np.concatenate([[0.0], np.cumsum(lengths_km)])
    last = len(lengths_km)
    s: dict[int, float] = {}
    for h in sorted(range(1, last), key=lambda h: h & -h):  # lower levels first
        low = h & -h
        inside = [j for j in range(h - low + 1, min(h + low, last)) if j != h]
        s[h] = period_s if schedule == "asap" else max([period_s] + [s[j] + abs(x[j] - x[h]) / C_FIBER_KM_PER_S
                                                                     for j in inside])
    return max(s[j] + abs(x[j] - x[e]) / C_FIBER_KM_PER_S for j in s for e in (0, last))


@pytest.mark.parametrize("formalism", ["stabilizer", "bell_diagonal"])
@pytest.mark.parametrize("schedule", ["asap", "nested"])
def test_nested_and_asap_first_delivery_on_unequal_chains_is_the_closed_form(formalism, schedule):
    """2 to 7 links of random lengths (0-40 km), four chains each: the first pair's delivery time and age (its
    qubits emitted at 0) are the closed form above, to the picosecond rounding of each hop. E.g. 30, 20, 10 km:
    swap-ASAP at T + 50 km of light, nested at T + 70 km (b's news reaches c over 20 km, then c's reaches a over 50).
    Checked right (no fix)."""
    rng = np.random.default_rng(5)
    assert _first_delivery_by_hand([30.0, 20.0, 10.0], "nested") == pytest.approx(1e-3 + 70 / C_FIBER_KM_PER_S)
    assert _first_delivery_by_hand([30.0, 20.0, 10.0], "asap") == pytest.approx(1e-3 + 50 / C_FIBER_KM_PER_S)
    chains = [[30.0, 20.0, 10.0]] + [[round(float(v), 3) for v in rng.uniform(0.0, 40.0, links)]
                                     for links in range(2, 8) for _ in range(4)]
    for lengths in chains:
        links = len(lengths)
        net = qnsim.Network(formalism, seed=1)
        names = [f"n{i}" for i in range(links + 1)]
        for name in names:
            net.add_node(name)
        for i, km in enumerate(lengths):
            net.add_link(names[i], names[i + 1], length_km=km, fidelity=1.0, rate_hz=1e3)
        net.request(names[0], names[-1], num_pairs=1, swap_schedule=schedule)
        r = net.run(until_s=0.01, progress=False).requests[0]
        want = _first_delivery_by_hand(lengths, schedule)
        assert abs(r.times_s[0] - want) <= 1e-12 * (links + 2), (lengths, r.times_s[0], want)
        assert r.ages_s[0] == r.times_s[0]


@pytest.mark.parametrize("script, nodes", [("chain_policy.py", 5), ("custom_policy.py", 3)])
def test_the_policy_examples_meet_a_deadline_as_the_native_protocol_does(script, nodes):
    """examples/chain_policy.py's Python swap-ASAP and custom_policy.py's FreshSwap (with no age limit) against the
    native swap-ASAP on a chain of p = 0.3 links with a deadline at the third delivery (served, 3 pairs) and a
    picosecond before it (dropped, 2 pairs), the same times. Old behaviour: each policy's on_message took swap news
    that arrived after the request was dropped and raised ValueError ("deliver_end: request ... is dropped", or
    "deliver: ...") out of run()."""
    import os

    from script_modules import import_script

    example = import_script(os.path.join(os.path.dirname(__file__), os.pardir, "examples", script))

    def run(policy, deadline_s):
        net = qnsim.chain(nodes, length_km=7.0, fidelity=0.95, rate_hz=1e3, success_probability=0.3,
                          formalism="bell_diagonal", seed=5)
        protocol = None
        if policy:
            protocol = example.ChainSwapASAP() if script == "chain_policy.py" else example.FreshSwap(1.0)
        net.request("n0", f"n{nodes - 1}", num_pairs=3, protocol=protocol, deadline_s=deadline_s,
                    generation="on_demand" if script == "chain_policy.py" else "continuous")
        return net.run(until_s=1.0, progress=False).requests[0]

    free = run(False, None)
    third = float(free.times_s[2])
    for deadline_s, status, n in ((third, "served", 3), (third - 1e-12, "dropped", 2)):
        native, policy = run(False, deadline_s), run(True, deadline_s)
        for r in (native, policy):
            assert (r.status, r.num_pairs) == (status, n)
            assert r.times_s.tobytes() == free.times_s[:n].tobytes()
