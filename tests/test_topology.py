"""Topology builders (qnsim.topology), Network.from_networkx and scenario [topology] tables."""

import time

import networkx as nx
import pytest

import qnsim
from qnsim import topology
from qnsim.scenario import ScenarioError, scenario_from_dict

ABSTRACT = {"length_km": 2.0, "fidelity": 0.95, "rate_hz": 1e3}


def memories(net):
    return dict(net.to_networkx().nodes(data="num_memories"))


def edges(net):
    return {frozenset((l.a, l.b)) for l in net.links}


def test_chain_names_roles_and_links():
    net = topology.chain(5, **ABSTRACT)
    assert list(net.nodes) == ["n0", "n1", "n2", "n3", "n4"]
    assert [net.nodes[n].role for n in net.nodes] == ["qpu", "repeater", "repeater", "repeater", "qpu"]
    assert edges(net) == {frozenset((f"n{i}", f"n{i + 1}")) for i in range(4)}
    assert all(l.length_km == 2.0 and l.fidelity == 0.95 and l.rate_hz == 1e3 for l in net.links)
    assert memories(net) == {"n0": 1, "n1": 2, "n2": 2, "n3": 2, "n4": 1}


def test_ring_closes():
    net = topology.ring(6, channels=2, **ABSTRACT)
    assert len(net.nodes) == 6 and len(net.links) == 6
    assert frozenset(("n5", "n0")) in edges(net)
    assert set(memories(net).values()) == {4}
    assert all(n.role == "qpu" for n in net.nodes.values())


@pytest.mark.parametrize(("rows", "cols"), [(1, 2), (2, 2), (3, 4), (5, 5)])
def test_grid_counts_and_names(rows, cols):
    net = topology.grid(rows, cols, **ABSTRACT)
    assert len(net.nodes) == rows * cols
    assert len(net.links) == rows * (cols - 1) + cols * (rows - 1)
    assert list(net.nodes)[:2] == ["r0c0", "r0c1"]
    assert f"r{rows - 1}c{cols - 1}" in net.nodes
    g = net.to_networkx()
    assert nx.is_isomorphic(g, nx.grid_2d_graph(rows, cols))
    if rows >= 3 and cols >= 3:
        assert memories(net)["r1c1"] == 4
    assert memories(net)["r0c0"] == (rows > 1) + (cols > 1)


def test_star_and_dumbbell():
    net = topology.star(5, **ABSTRACT)
    assert net.nodes["hub"].role == "repeater" and memories(net)["hub"] == 5
    assert edges(net) == {frozenset(("hub", f"leaf{i}")) for i in range(5)}

    net = topology.dumbbell(2, 3, bridge_hops=3, **ABSTRACT)
    assert set(net.nodes) == {"l0", "l1", "r0", "r1", "r2", "hub_l", "hub_r", "bridge0", "bridge1"}
    assert len(net.links) == 2 + 3 + 3
    assert net.route("l0", "r2") == ["l0", "hub_l", "bridge0", "bridge1", "hub_r", "r2"]
    assert topology.dumbbell(1, 1, **ABSTRACT).route("l0", "r0") == ["l0", "hub_l", "hub_r", "r0"]


def test_node_defaults_and_presets():
    net = topology.chain(3, length_km=5.0, t2_s=0.5, gate2_error=0.01, fidelity=0.9, rate_hz=10.0)
    assert all(n.t2_s == 0.5 and n.gates.two_qubit_error == 0.01 for n in net.nodes.values())
    # A preset sets the node hardware, its memories are resized to the links, links use its hardware.
    net = topology.grid(2, 2, preset="nv_near_term", length_km=10.0, channels=2)
    assert all(n.preset is not None and n.num_memories == 4 for n in net.nodes.values())
    ref = qnsim.Network()
    ref.add_node("a", hardware="nv_near_term")
    ref.add_node("b", hardware="nv_near_term")
    link = ref.add_link("a", "b", length_km=10.0)
    assert net.link("r0c0", "r0c1").fidelity == pytest.approx(link.fidelity)
    assert net.link("r0c0", "r0c1").channels == 2


def test_add_to_an_existing_network_with_a_prefix():
    net = qnsim.Network(seed=3)
    topology.chain(3, network=net, prefix="a_", **ABSTRACT)
    topology.star(2, network=net, prefix="b_", **ABSTRACT)
    net.add_link("a_n2", "b_hub", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    assert net.route("a_n0", "b_leaf1") == ["a_n0", "a_n1", "a_n2", "b_hub", "b_leaf1"]
    assert memories(net)["b_hub"] == 3  # auto-sized nodes count later links too


def test_from_graph_with_edge_and_node_attributes():
    g = nx.Graph()
    g.add_edge(0, 1, length_km=3.0, fidelity=0.99, channels=2)
    g.add_edge(1, 2, preset="nv_near_term")
    g.add_edge(2, 3, bell_diagonal=[0.9, 0.1, 0.0, 0.0])
    g.nodes[1].update(role="repeater", t1_s=2.0, t2_s=1.0)
    g.nodes[2]["preset"] = "nv_10x_improved"
    g.nodes[3]["num_memories"] = 5
    net = topology.from_graph(g, length_km=7.0, fidelity=0.9, rate_hz=50.0, seed=4)
    assert list(net.nodes) == ["0", "1", "2", "3"]
    l01, l12, l23 = net.links
    assert (l01.length_km, l01.fidelity, l01.channels, l01.rate_hz) == (3.0, 0.99, 2, 50.0)
    assert l12.length_km == 7.0 and l12.model is not None  # hardware link from the preset
    assert l23.bell_diagonal == (0.9, 0.1, 0.0, 0.0)
    assert net.nodes["1"].role == "repeater" and net.nodes["1"].t2_s == 1.0
    assert net.nodes["2"].preset.name == "nv_10x_improved" and net.nodes["2"].num_memories == 2
    assert net.nodes["3"].num_memories == 5
    assert memories(net)["1"] == 3
    assert net.seed == 4


def test_from_networkx_takes_defaults():
    g = nx.cycle_graph(4)
    net = qnsim.from_graph(g, seed=1, length_km=1.0, fidelity=0.9, rate_hz=1e3)
    assert len(net.links) == 4 and net.seed == 1


def test_builder_errors_name_the_problem():
    with pytest.raises(ValueError, match="n must be >= 2 for a chain, got 1"):
        topology.chain(1, **ABSTRACT)
    with pytest.raises(ValueError, match="n must be >= 3 for a ring"):
        topology.ring(2, **ABSTRACT)
    with pytest.raises(ValueError, match="grid needs at least 2 nodes"):
        topology.grid(1, 1, **ABSTRACT)
    with pytest.raises(ValueError, match="bridge_hops must be >= 1 for a dumbbell, got 0"):
        topology.dumbbell(1, 1, bridge_hops=0, **ABSTRACT)
    with pytest.raises(ValueError, match="unknown topology default 'lenght_km'; did you mean 'length_km'"):
        topology.chain(3, lenght_km=1.0, fidelity=0.9, rate_hz=1.0)
    with pytest.raises(ValueError, match=r"^chain\(n=3\) has no length_km for its links: give it as a keyword"):
        topology.chain(3, fidelity=0.9, rate_hz=1.0)
    with pytest.raises(ValueError, match="link 'n0'-'n1': needs a link description"):
        topology.chain(3, length_km=1.0)
    with pytest.raises(TypeError, match=r"^graph must be a networkx graph, got 5$"):
        topology.from_graph(5, **ABSTRACT)
    g = nx.path_graph(2)
    g.nodes[0]["rol"] = "qpu"
    with pytest.raises(ValueError, match="node '0': unknown attribute 'rol'; did you mean 'role'"):
        topology.from_graph(g, **ABSTRACT)
    g = nx.path_graph(2)
    g.edges[0, 1]["fidelty"] = 0.9
    with pytest.raises(ValueError, match="link '0'-'1': unknown attribute 'fidelty'; did you mean 'fidelity'"):
        topology.from_graph(g, **ABSTRACT)
    net = topology.chain(2, **ABSTRACT)
    with pytest.raises(ValueError, match=r"node 'n0' already exists in the network \(give a prefix\)"):
        topology.chain(3, network=net, **ABSTRACT)
    assert len(net.nodes) == 2  # nothing was added


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: topology.chain(10**12, **ABSTRACT), r"chain\(n=1000000000000\) has 999,999,999,999 links"),
        (lambda: topology.chain(2**63, **ABSTRACT), r"chain\(n=9223372036854775808\) has"),
        (lambda: topology.ring(2**24 + 1, **ABSTRACT), r"ring\(n=16777217\) has 16,777,217 links, more than the 16,777,216"),
        (lambda: topology.grid(10**5, 10**5, **ABSTRACT), r"grid\(rows=100000, cols=100000\) has"),
        (lambda: topology.star(10**9, **ABSTRACT), r"star\(n_leaves=1000000000\) has"),
        (lambda: topology.dumbbell(1, 1, bridge_hops=10**10, **ABSTRACT), r"bridge_hops=10000000000\) has"),
    ],
    ids=["chain 1e12", "chain 2^63", "ring", "grid", "star", "dumbbell"],
)
def test_shapes_that_cannot_fit_are_refused_before_building(build, match):
    # These used to build a networkx graph node by node (hours and all memory) before the native
    # network could refuse the links.
    # CPU time, not wall time: the bug took CPU-hours; a loaded machine stretches wall time.
    start = time.process_time()
    with pytest.raises(qnsim.ParameterError, match=match):
        build()
    assert time.process_time() - start < 5
    assert topology.MAX_LINKS == qnsim._core.MAX_SLOTS // 2


def scenario(topo, requests=(), **run):
    return scenario_from_dict(
        {"run": {"until_s": 1.0, "seed": 5, **run}, "topology": topo, "requests": list(requests)},
        source="s.toml",
    )


def test_scenario_topology_table_builds_and_requests_name_its_nodes():
    net, settings = scenario(
        {"builder": "grid", "rows": 3, "cols": 3, "length_km": 10.0, "preset": "nv_10x_improved"},
        [{"src": "r0c0", "dst": "r2c2", "num_pairs": 2, "routing": "fidelity", "deadline_s": 0.5}],
        max_records=1,
    )
    assert len(net.nodes) == 9 and len(net.links) == 12
    result = net.run(settings.until_s)
    r = result.requests[0]
    assert r.status == "served" and r.num_pairs == 2 and r.num_records == 1
    assert len(r.path) == 5


def test_scenario_topology_with_extra_links_and_abstract_links():
    data = {
        "run": {"until_s": 0.1},
        "topology": {"builder": "dumbbell", "n_left": 1, "n_right": 1, "bridge_hops": 2,
                     "length_km": 1.0, "fidelity": 0.9, "rate_hz": 1e3},
        "links": [{"a": "l0", "b": "r0", "length_km": 50.0, "fidelity": 0.6, "rate_hz": 10.0}],
        "requests": [{"src": "l0", "dst": "r0", "routing": "hops"},
                     {"src": "l0", "dst": "r0", "routing": "fidelity", "memories_per_link": 1}],
    }
    net, _ = scenario_from_dict(data)
    assert [r.path for r in net.requests] == [("l0", "r0"), ("l0", "hub_l", "bridge0", "hub_r", "r0")]


@pytest.mark.parametrize(("topo", "match"), [
    ({"builder": "gird", "rows": 2, "cols": 2}, "s.toml: topology.builder must be one of .* got 'gird'; did you mean 'grid'"),
    ({"rows": 2}, "s.toml: topology.builder is required"),
    ({"builder": "grid", "rows": 2}, "s.toml: topology.cols is required by builder 'grid'"),
    ({"builder": "chain", "n": 3, "rows": 2}, "s.toml: topology.rows is not an argument of builder 'chain' .it takes n."),
    ({"builder": "chain", "n": 3, "lenght_km": 2}, "s.toml: unknown key topology.lenght_km; did you mean 'length_km'"),
    ({"builder": "chain", "n": 0}, "s.toml: topology.n must be >= 2 for a chain, got 0"),
    ({"builder": "chain", "n": 10**12, **ABSTRACT}, r"s.toml: topology: chain\(n=1000000000000\) has"),
    ({"builder": "chain", "n": 3, "length_km": 1.0},
     "s.toml: topology .chain.: link 'n0'-'n1': needs a link description"),
])
def test_scenario_topology_errors_name_the_field(topo, match):
    with pytest.raises(ScenarioError, match=match):
        scenario(topo)


def test_scenario_request_to_an_unknown_built_node_suggests_one():
    with pytest.raises(ScenarioError, match=r"requests\[0\]: request 'n0' -> 'n9': unknown node 'n9'"):
        scenario({"builder": "chain", "n": 3, **ABSTRACT}, [{"src": "n0", "dst": "n9"}])


def test_scenario_file_with_topology_runs_from_the_cli(tmp_path, capsys):
    from qnsim.cli import main

    path = tmp_path / "ring.toml"
    path.write_text(
        '[run]\nuntil_s = 0.5\nseed = 1\n'
        '[topology]\nbuilder = "ring"\nn = 6\nlength_km = 5.0\nfidelity = 0.97\nrate_hz = 2e3\n'
        '[[requests]]\nsrc = "n0"\ndst = "n3"\nnum_pairs = 4\nswap_schedule = "nested"\n'
        'deadline_s = 0.4\n'
    )
    assert main(["run", str(path), "--json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    req = out["requests"][0]
    assert req["status"] == "served" and req["num_pairs"] == 4 and req["drop_reason"] is None
    assert req["finished_s"] is not None and req["admitted_s"] == 0.0
