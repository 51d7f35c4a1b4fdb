"""Routing and request policies through qnsim.Network: path choice, reservations among many
concurrent requests, just-in-time requests (deadline, min_fidelity), purification policies,
capped records and determinism."""

import math

import numpy as np
import pytest

import qnsim
from qnsim import topology


def werner(f):
    return [f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3]


def triangle(direct, detour, **link):
    """a - c directly, and a - b - c; ``direct`` / ``detour`` are (fidelity, rate_hz)."""
    net = qnsim.Network(seed=1)
    for n in "abc":
        net.add_node(n)
    net.add_link("a", "c", length_km=1.0, fidelity=direct[0], rate_hz=direct[1], **link)
    net.add_link("a", "b", length_km=1.0, fidelity=detour[0], rate_hz=detour[1], **link)
    net.add_link("b", "c", length_km=1.0, fidelity=detour[0], rate_hz=detour[1], **link)
    return net


def test_fidelity_routing_prefers_two_good_hops_over_one_poor_link():
    net = triangle((0.80, 1e3), (0.99, 1e2))
    assert net.route("a", "c") == ["a", "c"]
    assert net.route("a", "c", "rate") == ["a", "c"]
    assert net.route("a", "c", "fidelity") == ["a", "b", "c"]
    hops = net.request("a", "c", num_pairs=3)
    fid = net.request("a", "c", num_pairs=3, routing="fidelity")
    assert (hops.routing, fid.routing, fid.path) == ("hops", "fidelity", ("a", "b", "c"))
    result = net.run(until_s=1.0)
    assert result[0].mean_fidelity == pytest.approx(0.80, abs=1e-9)
    assert result[1].mean_fidelity == pytest.approx(qnsim.werner_swap_fidelity(0.99, 0.99), abs=1e-9)
    assert result[1].mean_fidelity > result[0].mean_fidelity


def test_rate_routing_prefers_two_fast_hops_over_one_slow_link():
    net = triangle((0.95, 10.0), (0.95, 1e3))
    assert net.route("a", "c") == ["a", "c"]
    assert net.route("a", "c", "rate") == ["a", "b", "c"]
    assert net.route("a", "c", "fidelity") == ["a", "c"]  # same F: one link beats two
    slow = net.request("a", "c", num_pairs=5)
    fast = net.request("a", "c", num_pairs=5, routing="rate", memories_per_link=1)
    assert fast.path == ("a", "b", "c")
    result = net.run(until_s=10.0)
    assert result[fast.index].finished_s < result[slow.index].finished_s


def test_rate_and_fidelity_routing_on_a_grid_with_a_slow_row():
    g = topology.grid(3, 3, length_km=1.0, fidelity=0.97, rate_hz=1e3)
    # Same shape, but make one route's links worse by building from a graph with attributes.
    import networkx as nx

    graph = g.to_networkx()
    h = nx.Graph()
    h.add_nodes_from(graph.nodes)
    for u, v in graph.edges:
        row_0 = u.startswith("r0") and v.startswith("r0")
        h.add_edge(u, v, fidelity=0.9 if row_0 else 0.99, rate_hz=1e4 if row_0 else 1e2)
    net = topology.from_graph(h, length_km=1.0)
    assert net.route("r0c0", "r0c2") == ["r0c0", "r0c1", "r0c2"]
    assert net.route("r0c0", "r0c2", "rate") == ["r0c0", "r0c1", "r0c2"]
    assert net.route("r0c0", "r0c2", "fidelity") == ["r0c0", "r1c0", "r1c1", "r1c2", "r0c2"]


def test_explicit_path_wins_over_routing():
    net = triangle((0.80, 1e3), (0.99, 1e2))
    info = net.request("a", "c", path=["a", "b", "c"], routing="hops")
    assert info.path == ("a", "b", "c") and info.routing == "explicit"


def test_routing_errors_name_the_problem():
    net = triangle((0.80, 1e3), (0.99, 1e2))
    net.add_node("island")
    with pytest.raises(ValueError, match="request 'a' -> 'island': no path of links between them"):
        net.request("a", "island")
    with pytest.raises(ValueError, match="routing must be one of 'hops', 'rate', 'fidelity', got 'fidelty'; did you mean 'fidelity'"):
        net.request("a", "c", routing="fidelty")
    with pytest.raises(ValueError, match="request 'a' -> 'a': source and destination are the same node"):
        net.route("a", "a")
    poor = qnsim.Network()
    poor.add_node("x")
    poor.add_node("y")
    poor.add_link("x", "y", length_km=1.0, fidelity=0.25, rate_hz=1.0)
    assert poor.route("x", "y") == ["x", "y"]
    with pytest.raises(ValueError, match="request 'x' -> 'y': no path of links with link fidelity > 1/4 between them"):
        poor.request("x", "y", routing="fidelity")


def test_many_concurrent_requests_with_cutoffs_on_a_grid_finish_without_leaks():
    rng = np.random.default_rng(11)
    net = topology.grid(3, 3, length_km=2.0, fidelity=0.97, rate_hz=2e3, success_probability=0.2,
                        channels=2, t2_s=0.05, seed=7)
    names = list(net.nodes)
    for i in range(30):
        a, b = rng.choice(len(names), size=2, replace=False)
        start = float(rng.uniform(0, 0.01))
        net.request(names[a], names[b], num_pairs=2, cutoff_s=3e-4, start_s=start,
                    deadline_s=start + 0.05, routing=("hops", "rate", "fidelity")[i % 3],
                    memories_per_link=1 + i % 2)
    result = net.run(until_s=1.0)
    statuses = [r.status for r in result.requests]
    assert set(statuses) <= {"served", "dropped"}
    assert "served" in statuses
    assert result.counters["cutoff_discards"] > 0
    for r in result.requests:
        assert r.finished_s is not None
        if r.status == "served":
            assert r.num_pairs == 2 and r.drop_reason is None and r.admitted_s >= r.start_s - 1e-12
        else:
            assert "deadline" in r.drop_reason and r.finished_s == pytest.approx(r.deadline_s)
    assert net.occupied_slots() == 0
    assert net.registry.num_qubits == 0


def test_a_waiting_request_is_admitted_when_another_is_served():
    net = topology.chain(3, length_km=1.0, fidelity=0.95, rate_hz=1e3, success_probability=0.5, seed=2)
    first = net.request("n0", "n2", num_pairs=3)
    second = net.request("n1", "n2", num_pairs=2)
    early = net.run(until_s=1e-6)
    assert early[first.index].status == "open"
    assert early[second.index].status == "waiting" and early[second.index].admitted_s is None
    result = net.run(until_s=1.0)
    a, b = result[first.index], result[second.index]
    assert a.status == b.status == "served"
    assert b.admitted_s >= a.finished_s
    assert net.occupied_slots() == 0 and net.registry.num_qubits == 0


def test_just_in_time_requests_report_served_dropped_and_rejected():
    net = topology.chain(3, length_km=1.0, fidelity=0.97, rate_hz=2e3, success_probability=0.05,
                         t2_s=2e-3, seed=3)
    ok = net.request("n0", "n2", num_pairs=3, deadline_s=5.0, min_fidelity=0.85)
    late = net.request("n0", "n1", num_pairs=1000, deadline_s=0.05, memories_per_link=1, path=["n0", "n1"])
    result = net.run(until_s=10.0)
    served, dropped = result[ok.index], result[late.index]
    assert served.status == "served" and served.num_pairs == 3
    assert served.rejected_low_fidelity > 0
    assert served.fidelities.min() >= 0.85
    assert served.describe().startswith(f"request 0 n0 -> n2: served at {served.finished_s * 1e3:.3g} ms, 3 of 3 pairs")
    assert "rejected below fidelity 0.85" in served.describe()
    assert dropped.status == "dropped" and dropped.finished_s == pytest.approx(0.05)
    assert dropped.drop_reason in ("deadline passed before all pairs were delivered",
                                   "deadline passed while waiting for memory")
    assert "dropped at 50 ms (deadline passed" in dropped.describe()
    summary = result.to_dict()["requests"][late.index]
    assert summary["status"] == "dropped" and summary["drop_reason"] == dropped.drop_reason
    table = result.summary_table()
    assert "dropped: deadline passed" in table and "served" in table
    assert net.occupied_slots() == 0 and net.registry.num_qubits == 0


def test_target_fidelity_chooses_the_fewest_link_rounds():
    net = topology.chain(2, length_km=0.0, fidelity=0.8, rate_hz=1e3, success_probability=0.5, channels=4, seed=1)
    info = net.request("n0", "n1", num_pairs=3, target_fidelity=0.9)
    assert (info.purification, info.purification_rounds, info.memories_per_link) == ("dejmps", 2, 4)  # all 4 channels
    result = net.run(until_s=10.0)
    d = werner(0.8)
    for _ in range(2):
        d = qnsim.dejmps(d, d)[0]
    np.testing.assert_allclose(result[0].fidelities, d[0], atol=1e-9)
    assert result[0].mean_fidelity >= 0.9
    bb = qnsim.Network()
    topology.chain(2, network=bb, length_km=0.0, fidelity=0.8, rate_hz=1e3, channels=4)
    assert bb.request("n0", "n1", purification="bbpssw", target_fidelity=0.9).purification_rounds == 3
    met = bb.request("n0", "n1", target_fidelity=0.7)
    assert (met.purification, met.purification_rounds, met.memories_per_link) == (None, 0, 4)


def test_end_to_end_purification_matches_the_oracle():
    net = topology.chain(3, length_km=0.0, fidelity=0.9, rate_hz=1e3, success_probability=0.5, channels=2, seed=4)
    info = net.request("n0", "n2", num_pairs=3, end_to_end_purification_rounds=1)
    assert (info.purification, info.purification_rounds, info.memories_per_link) == ("dejmps", 0, 2)
    result = net.run(until_s=10.0)
    f = qnsim.werner_swap_fidelity(0.9, 0.9)
    np.testing.assert_allclose(result[0].fidelities, qnsim.dejmps(werner(f), werner(f))[0][0], atol=1e-9)


@pytest.mark.parametrize("schedule", ["asap", "nested"])
def test_swap_schedules_deliver_the_werner_closed_form(schedule):
    net = topology.chain(5, length_km=1.0, fidelity=0.95, rate_hz=1e3, seed=1)
    net.request("n0", "n4", num_pairs=2, swap_schedule=schedule)
    r = net.run(until_s=1.0)[0]
    expected = 0.95
    for _ in range(3):
        expected = qnsim.werner_swap_fidelity(expected, 0.95)
    assert r.status == "served"
    np.testing.assert_allclose(r.fidelities, expected, atol=1e-9)


def test_capped_records_keep_the_statistics():
    def run(max_records):
        net = topology.chain(3, length_km=1.0, fidelity=0.95, rate_hz=1e3, success_probability=0.3,
                             t2_s=0.01, seed=5, network=qnsim.Network(seed=5, max_records=max_records))
        net.request("n0", "n2", num_pairs=60)
        return net.run(until_s=10.0)[0]

    full, capped = run(None), run(5)
    assert capped.num_records == 5 and capped.num_pairs == full.num_pairs == 60 and capped.capped
    assert capped.mean_fidelity == pytest.approx(full.mean_fidelity, rel=1e-12)
    assert capped.fidelity_std == pytest.approx(full.fidelity_std, rel=1e-6)
    assert capped.mean_latency_s == pytest.approx(full.mean_latency_s, rel=1e-12)
    assert capped.rate_hz == pytest.approx(full.rate_hz)
    assert capped.summary()["num_records"] == 5
    result = qnsim.NetworkResult([capped], "density_matrix", 5, 1.0, 1.0, 0, 0.0, {})
    assert "5 of 60 pairs recorded (max_records)" in result.summary_table()


def test_same_seed_same_results():
    def run(seed):
        net = topology.grid(3, 3, length_km=1.0, fidelity=0.96, rate_hz=1e3, success_probability=0.3,
                            t2_s=0.02, channels=2, seed=seed)
        names = list(net.nodes)
        rng = np.random.default_rng(0)
        for _ in range(12):
            a, b = rng.choice(len(names), size=2, replace=False)
            net.request(names[a], names[b], num_pairs=3, cutoff_s=3e-3, routing="fidelity", deadline_s=0.5)
        return net.run(until_s=1.0).to_dict()

    assert run(8) == run(8)
    assert run(8) != run(9)


def test_request_policy_errors_name_the_problem():
    net = topology.chain(3, length_km=1.0, fidelity=0.8, rate_hz=1e3, channels=2)
    with pytest.raises(ValueError, match="deadline_s must be after start_s = 1.0 s .deadlines are absolute simulated times., got 0.5 s"):
        net.request("n0", "n2", start_s=1.0, deadline_s=0.5)
    with pytest.raises(ValueError, match=r"min_fidelity must be a probability in \[0, 1\], got 1.5"):
        net.request("n0", "n2", min_fidelity=1.5)
    with pytest.raises(ValueError, match="swap_schedule must be one of 'asap', 'nested', got 'nestd'; did you mean 'nested'"):
        net.request("n0", "n2", swap_schedule="nestd")
    with pytest.raises(ValueError, match="purification_rounds cannot be given with target_fidelity"):
        net.request("n0", "n2", target_fidelity=0.9, purification_rounds=1)
    with pytest.raises(ValueError, match=r"link 'n0'-'n1': fidelity 0.8 cannot reach target_fidelity 0.9999999 with bbpssw: the best in 16 rounds is 0.99"):
        net.request("n0", "n2", purification="bbpssw", target_fidelity=0.9999999)
    with pytest.raises(ValueError, match="memories_per_link must be >= 3 for 2 link and 0 end-to-end purification rounds .they hold one pair per level., got 2"):
        net.request("n0", "n2", purification="dejmps", purification_rounds=2, memories_per_link=2)
    with pytest.raises(ValueError, match=r"request needs 3 memories per side on link 'n0'-'n1', which has 2 channels"):
        net.request("n0", "n2", target_fidelity=0.9)
    with pytest.raises(ValueError, match="needs 3 memories per side on link 'n0'-'n1'"):
        net.request("n0", "n2", memories_per_link=3)
    with pytest.raises(ValueError, match=r"end_to_end_purification_rounds must be in \[0, 16\], got 17"):
        net.request("n0", "n2", end_to_end_purification_rounds=17)
    low = topology.chain(2, length_km=1.0, fidelity=0.5, rate_hz=1e3, channels=4)
    with pytest.raises(ValueError, match="fidelity 0.5 cannot reach .* needs fidelity > 1/2"):
        low.request("n0", "n1", target_fidelity=0.6)
    stab = topology.chain(2, length_km=1.0, fidelity=0.9, rate_hz=1e3, formalism="stabilizer")
    with pytest.raises(ValueError, match="min_fidelity needs the density_matrix or bell_diagonal formalism"):
        stab.request("n0", "n1", min_fidelity=0.8)
    with pytest.raises(ValueError, match="max_records must be in \\[0, 100000000\\] .None: 10\\^6, the default., got -1"):
        qnsim.Network(max_records=-1)


def test_purification_rounds_for_matches_repeated_oracles():
    for f in (0.6, 0.75, 0.9):
        d, rounds = werner(f), 0
        while d[0] < 0.99:
            d, rounds = qnsim.dejmps(d, d)[0], rounds + 1
        assert qnsim.purification_rounds_for(werner(f), 0.99) == rounds
        assert qnsim.purification_rounds_for(werner(f), f) == 0
    assert math.isclose(qnsim.bbpssw(qnsim.bbpssw(0.8)[0])[0], 0.8735845152984988)
    assert qnsim.purification_rounds_for(werner(0.8), 0.87, "bbpssw") == 2
