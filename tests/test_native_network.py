"""The native network engine directly (qnsim._core.NativeNetwork): swap schedules, memory
reservations with many concurrent requests, deadlines, minimum fidelity, memory models,
determinism and leaks. The Python layer (qnsim.Network) is tested in test_network.py."""

import math

import numpy as np
import pytest

import qnsim
from qnsim import _core

INF = math.inf
US = 1_000_000  # picoseconds per microsecond


ALL = list(qnsim.specs.FORMALISMS)
EXACT = ["density_matrix", "bell_diagonal"]  # per-pair fidelities exact; stabilizer: trajectories


def werner(f):
    return [f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3]


class Native:
    """The native network with the keyword params structs, in the short positional form these
    tests use (node: name, memories, T1, T2; link: ends, channels, p, period, herald delays,
    classical delay, Bell coefficients)."""

    def __init__(self, formalism, seed):
        self.net = _core.NativeNetwork(formalism, seed=seed)

    def __getattr__(self, name):
        return getattr(self.net, name)

    @property
    def max_records(self):
        return self.net.max_records

    @max_records.setter
    def max_records(self, value):
        self.net.max_records = value

    def add_node(self, name, memories, t1, t2, **kw):
        return self.net.add_node(_core.NodeParams(name=name, num_memories=memories, t1_s=t1, t2_s=t2, **kw))

    def add_link(self, a, b, channels, p, period, herald_a, herald_b, classical, diag, **kw):
        return self.net.add_link(_core.LinkParams(
            node_a=a, node_b=b, channels=channels, success_probability=p, attempt_period_ps=period,
            herald_delay_a_ps=herald_a, herald_delay_b_ps=herald_b, classical_delay_ps=classical,
            bell_diagonal=diag, **kw))  # fmt: skip

    def add_request(self, path, *, schedule="asap", purify="none", purify_rounds=0, end_to_end_purify_rounds=0,
                    **kw):  # noqa: E501
        if purify != "none" and not purify_rounds and not end_to_end_purify_rounds:
            purify_rounds = 1
        return self.net.add_request(_core.RequestParams(
            path=list(path), swap_schedule=getattr(_core.SwapSchedule, schedule),
            purification=getattr(_core.PurificationScheme, purify), purification_rounds=purify_rounds,
            end_to_end_purification_rounds=end_to_end_purify_rounds, **kw))  # fmt: skip

    def request_stats(self, r):
        st = self.net.request_stats(r)
        out = {k: getattr(st, k) for k in dir(st) if not k.startswith("_")}
        out["status"] = st.status.name
        return out

    def counters(self):
        c = self.net.counters()
        return {k: getattr(c, k) for k in dir(c) if not k.startswith("_")}


def chain(n, *, formalism="density_matrix", seed=1, p=1.0, f=0.95, channels=1, memories=2, t2=INF,
          depolarizing_time_s=INF, delay_us=10):
    net = Native(formalism, seed=seed)
    nodes = [net.add_node(f"n{i}", memories, INF, t2, depolarizing_time_s=depolarizing_time_s) for i in range(n)]
    for i in range(n - 1):
        net.add_link(nodes[i], nodes[i + 1], channels, p, (2 * delay_us + 1) * US, delay_us * US, delay_us * US,
                     delay_us * US, werner(f))
    return net, nodes


def nested_werner(fidelities):
    """Fidelity after swapping Werner pairs in SeQUeNCe's nested order (doubling)."""
    from functools import reduce

    return reduce(qnsim.werner_swap_fidelity, fidelities)


@pytest.mark.parametrize("formalism", EXACT)
@pytest.mark.parametrize("schedule", ["asap", "nested"])
@pytest.mark.parametrize("n", [2, 3, 5, 8])
def test_chain_delivers_the_werner_swap_closed_form(schedule, n, formalism):
    net, nodes = chain(n, formalism=formalism)
    net.add_request(nodes, num_pairs=3, schedule=schedule)
    net.run(10**13)
    d = net.deliveries()
    assert len(d["fidelity"]) == 3
    # Werner pairs stay Werner under swaps, so the order does not matter for the fidelity.
    np.testing.assert_allclose(d["fidelity"], nested_werner([0.95] * (n - 1)), atol=1e-12)
    assert net.counters()["swaps"] >= 3 * (n - 2)  # the chain keeps working while news travels
    assert net.occupied_slots() == 0 and net.live_qubits == 0


@pytest.mark.parametrize(("n", "schedule", "expected_us"), [
    # Deterministic links herald at 10 us; hops are 10 us of classical latency apart.
    (5, "asap", 40),    # all three swap at 10 us; node 1's news reaches node 4 after 30 us
    (5, "nested", 40),  # nodes 1, 3 swap at 10 us, node 2 hears at 20 us, swaps, ends hear at 40 us
    (9, "asap", 80),    # the farthest outcome travels 7 hops
    (9, "nested", 80),  # 10 -> 20 (level 2) -> 40 (level 3 at node 4) -> +40 to the ends
    (6, "nested", 80),  # 1, 3 at 10; 2 at 20 (0-4); node 4 hears at 40, swaps; node 0 hears at 80
])
@pytest.mark.parametrize("formalism", ALL)
def test_delivery_time_follows_the_swap_schedule_and_message_latency(n, schedule, expected_us, formalism):
    net, nodes = chain(n, formalism=formalism)
    net.add_request(nodes, num_pairs=1, schedule=schedule)
    net.run(10**13)
    assert int(net.deliveries()["time_ps"][0]) == expected_us * US


@pytest.mark.parametrize("formalism", EXACT)
@pytest.mark.parametrize("scheme", ["dejmps", "bbpssw"])
def test_end_to_end_purification_matches_the_closed_form(scheme, formalism):
    # Deterministic links, no memory noise: every end-to-end pair is Werner with the swapped
    # fidelity, and one purification round gives the oracle's output fidelity.
    net, nodes = chain(3, channels=2, memories=4, formalism=formalism)
    r = net.add_request(nodes, num_pairs=5, memories_per_link=2, purify=scheme, end_to_end_purify_rounds=1)
    net.run(10**13)
    f = qnsim.werner_swap_fidelity(0.95, 0.95)
    if scheme == "bbpssw":
        expected = qnsim.bbpssw(f)[0]
    else:
        expected = qnsim.dejmps(werner(f), werner(f))[0][0]
    np.testing.assert_allclose(net.deliveries()["fidelity"], expected, atol=1e-12)
    assert net.request_stats(r)["status"] == "served"
    assert net.counters()["purifications"] >= 5
    assert net.occupied_slots() == 0 and net.live_qubits == 0


@pytest.mark.parametrize("formalism", EXACT)
def test_depolarizing_memory_matches_the_closed_form(formalism):
    # Deterministic link: both qubits wait exactly the herald delay (10 us) before delivery.
    tdep = 50e-6
    net, nodes = chain(2, depolarizing_time_s=tdep, f=1.0, formalism=formalism)
    net.add_request(nodes, num_pairs=1)
    net.run(10**13)
    t = 10e-6
    expected = 0.25 + 0.75 * math.exp(-t / tdep) ** 2
    assert net.deliveries()["fidelity"][0] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("formalism", ALL)
def test_requests_contending_for_one_link_are_served_in_turn_without_leaks(formalism):
    net, nodes = chain(3, p=0.3, channels=1, memories=2, formalism=formalism)
    first = net.add_request([nodes[0], nodes[1], nodes[2]], num_pairs=5)
    second = net.add_request([nodes[1], nodes[2]], num_pairs=5)
    net.run(10**14)
    s1, s2 = net.request_stats(first), net.request_stats(second)
    assert s1["status"] == "served" and s2["status"] == "served"
    # The single channel of link 1-2 was reserved by the first request until it was served.
    assert s2["admitted_ps"] >= s1["finished_ps"]
    assert net.occupied_slots() == 0 and net.live_qubits == 0


@pytest.mark.parametrize("formalism", ALL)
def test_many_random_requests_with_cutoffs_leave_nothing_behind(formalism):
    rng = np.random.default_rng(5)
    net = Native(formalism, seed=9)
    n = 12
    nodes = [net.add_node(f"n{i}", 4, 1.0, 0.5) for i in range(n)]
    for i in range(n - 1):  # a chain with shortcuts: a small grid-like graph
        net.add_link(nodes[i], nodes[i + 1], 2, 0.2, 21 * US, 10 * US, 10 * US, 10 * US, werner(0.97))
    requests = []
    for _ in range(40):
        a, b = sorted(rng.choice(n, size=2, replace=False))
        requests.append(net.add_request(nodes[a:b + 1], num_pairs=2, cutoff_ps=200 * US,
                                        start_ps=int(rng.integers(0, 10**9)), deadline_ps=int(5 * 10**10)))
    net.run(10**12)
    statuses = {net.request_stats(r)["status"] for r in requests}
    assert statuses <= {"served", "dropped"}
    assert net.counters()["cutoff_discards"] > 0
    assert net.occupied_slots() == 0 and net.live_qubits == 0


def test_deadline_drops_a_request_with_its_reason_and_frees_memory():
    net, nodes = chain(4, p=1e-4)
    r = net.add_request(nodes, num_pairs=10, deadline_ps=10**9)
    net.run(10**13)
    stats = net.request_stats(r)
    assert stats["status"] == "dropped"
    assert stats["drop_reason"] == "deadline passed before all pairs were delivered"
    assert stats["finished_ps"] == 10**9
    assert net.occupied_slots() == 0 and net.live_qubits == 0


def test_waiting_request_is_dropped_at_its_deadline():
    net, nodes = chain(2, p=1e-3)
    net.add_request(nodes, num_pairs=1000)
    late = net.add_request(nodes, num_pairs=1, deadline_ps=10**8)
    net.run(10**9)
    assert net.request_stats(late)["drop_reason"] == "deadline passed while waiting for memory"


@pytest.mark.parametrize("formalism", EXACT)
def test_min_fidelity_rejects_decohered_pairs(formalism):
    net, nodes = chain(3, p=0.05, t2=2e-3, formalism=formalism)
    r = net.add_request(nodes, num_pairs=20, min_fidelity=0.88)
    net.run(10**14)
    stats = net.request_stats(r)
    assert stats["delivered"] == 20 and stats["rejected_low_fidelity"] > 0
    assert net.deliveries()["fidelity"].min() >= 0.88


@pytest.mark.parametrize("formalism", ALL)
def test_same_seed_same_deliveries_bit_for_bit(formalism):
    def run(seed):
        net, nodes = chain(6, formalism=formalism, seed=seed, p=0.2, t2=1e-3)
        net.add_request(nodes, num_pairs=50, cutoff_ps=400 * US)
        net.run(10**14)
        d = net.deliveries()
        return d["time_ps"].tolist(), d["fidelity"].tolist(), net.events_processed

    assert run(3) == run(3)
    assert run(3) != run(4)



@pytest.mark.parametrize("formalism", EXACT)
def test_deliveries_columns_are_the_booked_pairs_row_by_row(formalism):
    """deliveries() fills its numpy columns through raw pointers (mutable_at's per-element checks
    cost more than the copy): each row must still be the pair the run booked, its Bell weights in
    that row's four columns (summed in delivery order they give the native running sums bit for bit)."""
    net, nodes = chain(4, formalism=formalism, seed=2, p=0.3, t2=2e-3)
    r = net.add_request(nodes, num_pairs=30)
    net.run(10**14)
    d, st = net.deliveries(), net.net.request_stats(r)
    bell = d["bell_diagonal"]
    assert bell.shape == (30, 4) and bell.flags.c_contiguous
    assert len(set(bell[:, 0].tolist())) > 1 and len(set(bell[:, 1].tolist())) > 1  # rows really differ
    assert d["fidelity"].tolist() == bell[:, 0].tolist()
    for k in range(4):
        assert sum(bell[:, k].tolist()) == st.bell_diagonal_sum[k]
    assert sum(d["fidelity"].tolist()) == st.fidelity_sum
    assert d["request"].tolist() == [r] * 30
    assert d["time_ps"].tolist() == sorted(d["time_ps"].tolist()) and d["time_ps"][-1] == st.last_delivery_ps
    assert (d["oldest_emission_ps"] < d["time_ps"]).all()

def test_records_are_capped_but_aggregates_go_on():
    net, nodes = chain(2, p=0.5)
    net.max_records = 10
    r = net.add_request(nodes, num_pairs=100)
    net.run(10**14)
    assert len(net.deliveries()["time_ps"]) == 10
    assert net.request_stats(r)["delivered"] == 100


def test_request_errors_name_the_problem():
    net, nodes = chain(3)
    with pytest.raises(AttributeError, match="doubling"):
        net.add_request(nodes, schedule="doubling")
    with pytest.raises(ValueError, match="needs 2 memories per side on link 'n0'-'n1', which has 1"):
        net.add_request(nodes, memories_per_link=2)
    wide, wide_nodes = chain(3, channels=3, memories=6)
    with pytest.raises(qnsim.ParameterError, match="^memories_per_link must be >= 3 for 2 link and 0 end-to-end"):
        wide.add_request(wide_nodes, purify="dejmps", purify_rounds=2, memories_per_link=2)
    with pytest.raises(qnsim.ParameterError, match=r"^min_fidelity must be a probability in \[0, 1\], got 1.5$"):
        net.add_request(nodes, min_fidelity=1.5)
    with pytest.raises(qnsim.ParameterError, match="^deadline_s must be after start_s = 1e-11 s"):
        net.add_request(nodes, start_ps=10, deadline_ps=5)
    stab = Native("stabilizer", seed=1)
    a, b = stab.add_node("a", 1, INF, INF), stab.add_node("b", 1, INF, INF)
    stab.add_link(a, b, 1, 0.5, US, 0, 0, 0, werner(0.9))
    with pytest.raises(qnsim.ParameterError, match="^min_fidelity needs the density_matrix or bell_diagonal formalism"):
        stab.add_request([a, b], min_fidelity=0.8)
    message = r"^depolarizing_time_s must be > 0 s \(inf: none\), got 0.0 s"
    with pytest.raises(qnsim.ParameterError, match=message) as info:
        stab.add_node("c", 1, INF, INF, depolarizing_time_s=0.0)
    assert info.value.field == "depolarizing_time_s"


def test_params_refuse_unknown_fields_and_native_overflows():
    with pytest.raises(qnsim.ParameterError, match="^chanels is not a field of LinkParams"):
        _core.LinkParams(chanels=2)
    # The field's declared range, not its type's [0, 2**32 - 1] (round 21).
    with pytest.raises(qnsim.ParameterError, match=r"^channels must be in \[1, 1048576\], got 1099511627776$"):
        _core.LinkParams(channels=2**40)
    with pytest.raises(qnsim.ParameterError, match=r"^channels must be in \[1, 1048576\], got -1$"):
        _core.LinkParams(channels=-1)
    with pytest.raises(qnsim.ParameterError, match="^channels is of the wrong type, got 'x'$"):
        _core.LinkParams(channels="x")
    with pytest.raises(qnsim.ParameterError, match="^channels must be in \\[1, 1048576\\], got 1048577$"):
        _core.LinkParams(channels=2**20 + 1).validate()
    with pytest.raises(qnsim.ParameterError, match="^num_memories must be in \\[1, 16777216\\], got 0$"):
        _core.NodeParams(name="a", num_memories=0).validate()
    with pytest.raises(qnsim.ParameterError, match="^max_records must be in \\[0, 100000000\\]"):
        _core.NativeNetwork("stabilizer", 1).max_records = 10**9
    with pytest.raises(qnsim.ParameterError, match="^cutoff_s must be > 0 s \\(None: no cutoff\\), got 0.0 s$"):
        _core.RequestParams(path=[0, 1], cutoff_ps=0).validate()


def test_fixed_channel_links_pair_memories_index_by_index():
    net = Native("density_matrix", seed=2)
    a, b = net.add_node("a", 2, INF, INF), net.add_node("b", 2, INF, INF)
    net.add_link(a, b, 2, 0.3, 21 * US, 10 * US, 10 * US, 10 * US, werner(0.9), fixed_channels=True)
    first = net.add_request([a, b], num_pairs=20)
    second = net.add_request([a, b], num_pairs=20)  # runs alongside: one channel each
    net.run(10**14)
    assert net.request_stats(first)["status"] == net.request_stats(second)["status"] == "served"
    assert net.request_stats(second)["admitted_ps"] == net.request_stats(first)["admitted_ps"] == 0
    assert net.occupied_slots() == 0


@pytest.mark.parametrize(("n", "schedule", "expected_us"), [
    # Deterministic links herald at 10 us, 10 us per hop. With the handshake a swapping node
    # waits a round trip to its farther partner before measuring.
    (3, "asap", 40),    # node 1: swap at 10 + 20 = 30; both ends hear 10 us later
    (5, "nested", 100), # 1, 3 swap at 30; node 2 hears at 40, asks 0 and 4 (40 us round trip):
                        # swaps at 80; the ends, 20 us away, hear at 100
])
@pytest.mark.parametrize("formalism", ALL)
def test_swap_handshake_delays_the_swap_by_a_round_trip(n, schedule, expected_us, formalism):
    net, nodes = chain(n, formalism=formalism)
    net.add_request(nodes, num_pairs=1, schedule=schedule, swap_handshake=True)
    net.run(10**13)
    assert int(net.deliveries()["time_ps"][0]) == expected_us * US


@pytest.mark.parametrize("formalism", EXACT)
def test_swap_handshake_decays_the_held_qubits(formalism):
    t2 = 100e-6
    fidelities = {}
    for handshake in (False, True):
        net, nodes = chain(3, f=1.0, t2=t2, formalism=formalism)
        net.add_request(nodes, num_pairs=1, swap_handshake=handshake)
        net.run(10**13)
        fidelities[handshake] = net.deliveries()["fidelity"][0]
    # Without the handshake each of the 4 qubits waits: middle 10 us, ends 20 us (delivery at
    # 20 us). With it: middle 30 us, ends 40 us. Dephasing gives F = (1 + exp(-sum t / T2)) / 2.
    assert fidelities[False] == pytest.approx((1 + math.exp(-60e-6 / t2)) / 2, abs=1e-12)
    assert fidelities[True] == pytest.approx((1 + math.exp(-140e-6 / t2)) / 2, abs=1e-12)


@pytest.mark.parametrize("formalism", ALL)
def test_swap_handshake_with_cutoffs_leaks_nothing(formalism):
    net, nodes = chain(6, formalism=formalism, p=0.3, channels=2, memories=4, t2=1e-3)
    r = net.add_request(nodes, num_pairs=30, swap_handshake=True, cutoff_ps=150 * US, memories_per_link=2)
    net.run(10**13)
    assert net.request_stats(r)["status"] == "served"
    assert net.counters()["cutoff_discards"] > 0
    assert net.occupied_slots() == 0 and net.live_qubits == 0


@pytest.mark.parametrize("formalism", ALL)
def test_the_cutoff_reaches_qubits_held_through_a_swap_handshake(formalism):
    """A qubit locked for a swap handshake ignored its cutoff: node 2 swapped qubits 130 us old
    under a 120 us cutoff and the pair was delivered at 150 us (0 cutoff discards).

    Deterministic 5-node nested chain, 10 us per hop: links 1-2 and 2-3 emit at 0 and herald at
    10 us; links 0-1 and 3-4 start 50 us later (setup delay), emit at 50, herald at 60. Nodes 1
    and 3 swap at 60 + 20 = 80 us; node 2 hears at 90, asks nodes 0 and 4 (a 40 us round trip)
    and would swap at 130 us, with its two qubits (emitted at 0) 130 us old. With a 140 us cutoff
    it does and the ends hear at 150 us. With 120 us both of its qubits reach the cutoff at
    120 us, inside the handshake: they and their partners at nodes 0 and 4 are discarded (two
    cutoff events), nothing is delivered.
    """

    def run(cutoff_us, until_us):
        net = Native(formalism, seed=1)
        nodes = [net.add_node(f"n{i}", 2, INF, INF) for i in range(5)]
        for i in range(4):
            net.add_link(nodes[i], nodes[i + 1], 1, 1.0, 21 * US, 10 * US, 10 * US, 10 * US, werner(0.95),
                         setup_delay_ps=50 * US if i in (0, 3) else 0)
        net.add_request(nodes, num_pairs=1, schedule="nested", swap_handshake=True, cutoff_ps=cutoff_us * US)
        net.run(until_us * US)
        return net

    held = run(140, 160)
    assert [int(t) for t in held.deliveries()["time_ps"]] == [150 * US]
    assert held.counters()["cutoff_discards"] == 0
    cut = run(120, 160)
    assert len(cut.deliveries()["time_ps"]) == 0
    assert cut.counters()["cutoff_discards"] == 2
    # The second round's qubits at node 2 (emitted at 130 us) are exactly 120 us old at its swap
    # (250 us): a cutoff ends its instant, so a qubit stored exactly the cutoff is used, and the pair
    # arrives at 270 us with no further discard (the handshakes' broken halves were freed).
    cut.run(10**10)
    assert [int(t) for t in cut.deliveries()["time_ps"]] == [270 * US]
    assert cut.counters()["cutoff_discards"] == 2


@pytest.mark.parametrize("formalism", ALL)
def test_an_unrelated_part_of_the_network_does_not_change_a_requests_draws(formalism):
    # Each node and link draws from its own stream derived from (seed, stable id), so growing the
    # network elsewhere leaves this request's run bit for bit the same (docs/concepts.md).
    def run(extra):
        net = Native(formalism, seed=21)
        nodes = [net.add_node(f"n{i}", 2, 1e-3, 1e-3) for i in range(5)]
        for i in range(4):
            net.add_link(nodes[i], nodes[i + 1], 1, 0.2, 21 * US, 10 * US, 10 * US, 10 * US, werner(0.95))
        net.add_request(nodes, num_pairs=40, cutoff_ps=300 * US)
        if extra:
            others = [net.add_node(f"x{i}", 2, 1e-3, 1e-3) for i in range(3)]
            for i in range(2):
                net.add_link(others[i], others[i + 1], 1, 0.3, 17 * US, 5 * US, 5 * US, 5 * US, werner(0.9))
            net.add_request(others, num_pairs=100)
        net.run(10**13)
        d = net.deliveries()
        mine = d["request"] == 0
        return d["time_ps"][mine].tolist(), d["fidelity"][mine].tolist()

    assert run(False) == run(True)


@pytest.mark.parametrize("formalism", EXACT)
def test_each_end_uses_its_qubit_when_it_has_the_news(formalism):
    # Hops of 10 us and 30 us, deterministic links, dephasing memories. The middle swaps at 30 us
    # (both heralds in); end a hears 10 us later and uses its qubit then, end b 30 us later.
    t2 = 200e-6
    net = Native(formalism, seed=3)
    a, m, b = (net.add_node(n, 2, INF, t2) for n in "amb")
    net.add_link(a, m, 1, 1.0, 21 * US, 10 * US, 10 * US, 10 * US, werner(1.0))
    net.add_link(m, b, 1, 1.0, 61 * US, 30 * US, 30 * US, 30 * US, werner(1.0))
    net.add_request([a, m, b], num_pairs=1)
    net.run(10**13)
    d = net.deliveries()
    assert int(d["time_ps"][0]) == 60 * US
    storage = [30e-6, 30e-6, 40e-6, 60e-6]  # middle qubits, end a, end b
    assert d["fidelity"][0] == pytest.approx((1 + math.exp(-sum(storage) / t2)) / 2, abs=1e-12)
    assert net.occupied_slots() == 0 and net.live_qubits == 0


def test_kept_pairs_go_on_decohering_until_the_caller_gets_them():
    t2 = 1e-3
    net, nodes = chain(2, t2=t2, f=1.0)  # deterministic link: herald (and delivery) at 10 us
    net.add_request(nodes, keep_pairs=True)  # unbounded: the run goes on to 100 us
    net.run(100 * US)
    d = net.deliveries()
    assert len(d["time_ps"]) == 1 and int(d["time_ps"][0]) == 10 * US  # one channel, now held
    a, b = int(d["qubit_src"][0]), int(d["qubit_dst"][0])
    # Both qubits have waited 100 us since emission when the caller looks.
    assert net.registry.fidelity([a, b]) == pytest.approx((1 + math.exp(-200e-6 / t2)) / 2, abs=1e-12)
    assert d["fidelity"][0] == pytest.approx((1 + math.exp(-20e-6 / t2)) / 2, abs=1e-12)
    net.release_pair(a, b)
    assert net.occupied_slots() == 0


# ---- generation policy and scale --------------------------------------------------------------------


def long_chain(n, formalism="bell_diagonal", seed=1, p=0.1, cutoff_ps=None):
    """An n-node chain built natively in one call (add_chain), one memory per side."""
    net = Native(formalism, seed=seed)
    first = net.add_chain(_core.NodeParams(name="n", num_memories=2, t2_s=0.5),
                          _core.LinkParams(success_probability=p, attempt_period_ps=201 * US,
                                           herald_delay_a_ps=100 * US, herald_delay_b_ps=100 * US,
                                           classical_delay_ps=100 * US, bell_diagonal=werner(0.99)), n)
    return net, list(range(first, first + n))


@pytest.mark.parametrize("schedule", ["asap", "nested"])
def test_on_demand_generation_makes_one_link_pair_per_link_not_n_squared(schedule):
    n = 300
    runs = {}
    for generation in ("continuous", "on_demand"):
        net, nodes = long_chain(n)
        net.add_request(nodes, num_pairs=1, schedule=schedule,
                        generation=getattr(_core.GenerationPolicy, generation))
        net.run(10**15)
        runs[generation] = (net.deliveries()["time_ps"][0], net.counters()["link_pairs"], net.events_processed)
        assert net.occupied_slots() == 0 and net.live_qubits == 0
    # The first pair is built the same way (same draws); continuous links regenerate while the
    # outcomes travel the chain, on-demand ones make exactly one pair each.
    assert runs["on_demand"][0] == runs["continuous"][0]
    assert runs["on_demand"][1] == n - 1
    assert runs["continuous"][1] > 3 * (n - 1)
    assert runs["on_demand"][2] < 5 * n and runs["continuous"][2] > 2 * runs["on_demand"][2]


@pytest.mark.parametrize("formalism", ALL)
def test_on_demand_generation_recovers_from_cutoffs_and_serves_every_pair(formalism):
    net, nodes = chain(6, formalism=formalism, p=0.2, channels=2, memories=4, t2=1e-3)
    r = net.add_request(nodes, num_pairs=20, cutoff_ps=150 * US, memories_per_link=2,
                        generation=_core.GenerationPolicy.on_demand)
    net.run(10**13)
    assert net.request_stats(r)["status"] == "served"
    assert net.counters()["cutoff_discards"] > 0  # segments were lost and rebuilt
    assert net.occupied_slots() == 0 and net.live_qubits == 0


@pytest.mark.parametrize("scheme", ["dejmps", "bbpssw"])
def test_on_demand_generation_feeds_end_to_end_purification(scheme):
    # End-to-end purification needs two pairs before one is delivered: the first pair made must
    # release the memories that built it.
    net, nodes = chain(4, channels=2, memories=4, p=0.5, formalism="bell_diagonal")
    r = net.add_request(nodes, num_pairs=5, memories_per_link=2, purify=scheme, end_to_end_purify_rounds=1,
                        generation=_core.GenerationPolicy.on_demand)
    net.run(10**13)
    assert net.request_stats(r)["status"] == "served"
    assert net.occupied_slots() == 0 and net.live_qubits == 0


def test_generation_policy_names_are_checked():
    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "ab":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    with pytest.raises(qnsim.ParameterError, match="generation must be one of 'continuous', 'on_demand', got 'lazy'"):
        net.request("a", "b", generation="lazy")
    assert net.request("a", "b", generation="on_demand").generation == "on_demand"


def test_add_chain_builds_named_nodes_and_refuses_sizes_before_allocating():
    net, nodes = long_chain(4)
    assert net.num_nodes == 4 and net.num_links == 3 and nodes == [0, 1, 2, 3]
    net.add_request(nodes, num_pairs=1)
    net.run(10**13)
    assert len(net.deliveries()["fidelity"]) == 1
    with pytest.raises(qnsim.ParameterError, match=r"^count must be in \[2, \d+\] \(nodes; .*\), got 1$"):
        net.add_chain(_core.NodeParams(name="x"), _core.LinkParams(), 1)
    with pytest.raises(qnsim.ParameterError, match=r"^count must be in \[2, \d+\] \(nodes; each of its links takes 32 "):
        net.add_chain(_core.NodeParams(name="x"), _core.LinkParams(channels=16), 4_000_000_000)
    assert net.num_nodes == 4  # nothing was added
    with pytest.raises(qnsim.ParameterError, match="^t1_s must be > 0 s"):
        net.add_chain(_core.NodeParams(name="x", t1_s=0.0), _core.LinkParams(), 3)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda n: n.slot_node(5), r"^slot 5 is out of range: the network has no memory slots$"),
        (lambda n: n.slot_partner(5), r"^slot 5 is out of range: the network has no memory slots$"),
        (lambda n: n.slot_link(5), r"^slot 5 is out of range: the network has no memory slots$"),
        (lambda n: n.slot_qubit(5), r"^slot 5 is out of range: the network has no memory slots$"),
        (lambda n: n.request_stats(3), r"^request 3 is out of range: the network has no requests$"),
        (lambda n: n.delivered(3), r"^request 3 is out of range: the network has no requests$"),
        (lambda n: n.schedule_timer(0, 99, 0), r"^node 99 is out of range: the network has 2 nodes \[0, 1\]$"),
        (lambda n: n.send_message(0, 99, 0), r"^to_node 99 is out of range: the network has 2 nodes \[0, 1\]$"),
    ],
)
def test_indices_that_do_not_exist_are_named(call, match):
    # Accessors answered std::vector::at's "vector::_M_range_check: __n (which is 5) >= this->size()
    # (which is 0)", and a timer for a node that does not exist was scheduled.
    net = _core.NativeNetwork("density_matrix", 1)
    net.add_node(_core.NodeParams(name="a"))
    net.add_node(_core.NodeParams(name="b"))
    with pytest.raises(IndexError, match=match):
        call(net)


def test_a_long_native_run_stops_on_ctrl_c_and_continues_as_if_uninterrupted():
    # Without a check, a native run held the GIL until its end: Ctrl-C did nothing for minutes.
    import signal
    import time

    def build():
        net = qnsim.Network("bell_diagonal", seed=5)
        for name in ("a", "b"):
            net.add_node(name, num_memories=2)
        net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=1e6, success_probability=0.5)
        net.request("a", "b")
        return net

    until_s = 50.0  # ~10^8 events: tens of seconds uninterrupted
    net = build()
    previous = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        # CPU time, not wall time: the bug ran for CPU-minutes; a loaded machine stretches wall time.
        start = time.process_time()
        with pytest.raises(KeyboardInterrupt):
            net.run(until_s, progress=False)
        assert time.process_time() - start < 3.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    stopped_at = net.now_s
    assert 0 < stopped_at < until_s
    # Continued to a time past the interruption: the same pairs as one uninterrupted run.
    horizon = min(until_s, stopped_at + 0.01)
    again, fresh = net.run(horizon, progress=False), build().run(horizon, progress=False)
    assert again.requests[0].num_pairs == fresh.requests[0].num_pairs > 0
    assert (again.requests[0].fidelities == fresh.requests[0].fidelities).all()


@pytest.mark.parametrize("formalism", ALL)
@pytest.mark.parametrize("end_to_end", [False, True])
def test_the_cutoff_reaches_qubits_held_through_a_purification_round(formalism, end_to_end):
    """A pair whose cutoff fell inside a purification round (its qubits locked while the results
    crossed the link) ignored it and came out of the round with no cutoff left: on a 2-node link
    (p 0.3, 50 us round latency, 75 us cutoff) 268 of 1,228 delivered pairs (22%) held qubits up to
    124 us old. Now the round, when it ends, frees a pair whose cutoff passed during it."""
    net = Native(formalism, seed=3)
    a = net.add_node("a", 4, INF, INF)
    b = net.add_node("b", 4, INF, INF)
    net.add_link(a, b, 2, 0.3, 21 * US, 10 * US, 10 * US, 50 * US, werner(0.9))
    rounds = {"end_to_end_purify_rounds": 1} if end_to_end else {"purify_rounds": 1}
    net.add_request([a, b], cutoff_ps=75 * US, purify="dejmps", memories_per_link=2, **rounds)
    net.run(200_000 * US)
    d = net.net.deliveries()
    ages = d["time_ps"] - d["oldest_emission_ps"]
    assert len(ages) > 500 and net.counters()["cutoff_discards"] > 500
    assert ages.max() <= 75 * US  # a 2-node pair is used as soon as its last round ends
    assert (ages > 65 * US).any()  # pairs that waited for a partner pair and still made it


@pytest.mark.parametrize("end_to_end", [False, True])
def test_a_cutoff_no_purified_pair_can_outlive_is_refused(end_to_end):
    """The shortest storage a request needs counts its purification rounds (each waits for the
    results to cross the link, or the path end to end): a 55 us cutoff against 10 us heralds and a
    50 us round was accepted and then delivered nothing, discarding every pair."""
    def request(cutoff_us):
        net = Native("bell_diagonal", seed=1)
        a = net.add_node("a", 4, INF, INF)
        b = net.add_node("b", 4, INF, INF)
        net.add_link(a, b, 2, 1.0, 21 * US, 10 * US, 10 * US, 50 * US, werner(0.9))
        rounds = {"end_to_end_purify_rounds": 1} if end_to_end else {"purify_rounds": 1}
        net.add_request([a, b], cutoff_ps=cutoff_us * US, purify="dejmps", memories_per_link=2, **rounds)
        return net

    with pytest.raises(ValueError, match=r"cutoff_s = 5\.5e-05 s is shorter than the 6e-05 s .*purification rounds"):
        request(55)
    net = request(60)  # herald 10 us + one 50 us round: the pair is used exactly at its cutoff
    net.run(61 * US)
    assert [int(t) for t in net.net.deliveries()["time_ps"]] == [60 * US]


def test_numpy_api_is_bound_at_import_not_by_the_first_result():
    """pybind11 binds numpy's C API when it makes its first array, importing numpy.lib and parsing
    numpy's version with numpy.lib.NumpyVersion (~0.35 ms). That used to happen inside the first
    deliveries() of a process, whose read-out then cost ~60x a later one (in bench/vs_sequence.py,
    inside qnsim's first timed run); _core now does it when it is imported."""
    import subprocess
    import sys

    code = (
        "import numpy.lib\n"
        "calls = []\n"
        "real = numpy.lib.NumpyVersion\n"
        "numpy.lib.NumpyVersion = lambda v: calls.append(v) or real(v)\n"
        "import qnsim._core\n"
        "print(len(calls))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "1"


def test_message_and_timer_ids_reach_the_hook_whole_over_the_full_64_bits():
    # The native event queue stores an event in 24 bytes, its first payload sharing a word with the
    # event type (below 2^58): a message's or timer's id travels in the second payload, whole, so
    # any 64-bit id comes back to the protocol hook as it was given (in the first it would be
    # refused from 2^58 on), and the node in the first.
    net = _core.NativeNetwork("bell_diagonal", 1)
    net.add_node(_core.NodeParams(name="a"))
    net.add_node(_core.NodeParams(name="b"))
    net.add_link(_core.LinkParams(node_a=0, node_b=1, classical_delay_ps=5))
    seen = []
    net.set_protocol_hook(lambda kind, node, slot, extra: seen.append((kind.name, node, extra)))
    ids = [2**64 - 1, 2**58, 2**58 - 1, 0]
    for ident in ids:
        net.send_message(0, 1, ident)
        net.schedule_timer(3, 0, ident)
    net.run(100)
    assert sorted(seen) == sorted([("message", 1, i) for i in ids] + [("timer", 0, i) for i in ids])
