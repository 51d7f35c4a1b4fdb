"""Determinism audit, round 4: one topology and seed give one run whatever the order its graph was built in, one
sweep gives one set of rows on every backend and after a resume, and results do not follow PYTHONHASHSEED."""

import hashlib

import networkx as nx

import qnsim

_EDGES = [("a", "b"), ("b", "c"), ("c", "d"), ("b", "d")]


def _graph(nodes, edges):
    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    return g


def _graph_run(graph):
    """The links of the network made from ``graph`` and a digest of a stabilizer run's deliveries on it."""
    net = qnsim.from_graph(graph, formalism="stabilizer", seed=7, length_km=10.0, fidelity=0.9, rate_hz=2e3, t2_s=1e-3)
    net.request("a", "d", num_pairs=20)
    net.request("b", "c", num_pairs=20)
    digest = hashlib.sha1()
    for r in net.run(until_s=0.05).requests:
        assert r.num_pairs == 20
        digest.update(r.times_s.tobytes() + r.fidelities.tobytes())
    return tuple((link.a, link.b) for link in net.links), digest.hexdigest()


def test_a_graphs_edges_added_in_another_order_or_direction_run_alike():
    """Old behaviour: from_graph numbered links in the order networkx lists the edges, which follows each node's
    neighbours in the order the edges were added: the graph a-b, b-c, c-d, b-d with its edges added last first gave
    the links a-b, b-d, b-c, c-d (not a-b, b-c, b-d, c-d), other random streams and another stabilizer run (another
    digest of the deliveries) for the same seed, and nothing said so. Links now follow their ends' places in the node
    order; only the node order changes the draws (as the docstring and the concepts page say)."""
    nodes = "abcd"
    built = {
        "as listed": _graph(nodes, _EDGES),
        "last first": _graph(nodes, _EDGES[::-1]),
        "each edge reversed": _graph(nodes, [(v, u) for u, v in _EDGES]),
        "both": _graph(nodes, [(v, u) for u, v in _EDGES[::-1]]),
    }
    runs = {name: _graph_run(g) for name, g in built.items()}
    assert len(set(runs.values())) == 1, runs
    assert runs["as listed"][0] == (("a", "b"), ("b", "c"), ("b", "d"), ("c", "d"))
    # The node order is the one the docs name: the nodes in another order are other streams (and link ends).
    links, digest = _graph_run(_graph("dcba", _EDGES))
    assert links == (("d", "c"), ("d", "b"), ("c", "b"), ("b", "a")) and digest != runs["as listed"][1]
    # The builders' graphs list their edges in that order already: their networks are the ones they were.
    grid = qnsim.grid(3, 3, length_km=1.0, fidelity=0.9, rate_hz=1e3)
    order = {name: i for i, name in enumerate(grid.nodes)}
    places = [(order[link.a], order[link.b]) for link in grid.links]
    assert places == sorted(places) and all(a < b for a, b in places)
    ring = qnsim.ring(4, length_km=1.0, fidelity=0.9, rate_hz=1e3)
    assert [(link.a, link.b) for link in ring.links] == [("n0", "n1"), ("n0", "n3"), ("n1", "n2"), ("n2", "n3")]
