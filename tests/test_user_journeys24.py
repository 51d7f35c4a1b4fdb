"""User journey 24: a protocol researcher's Python cutoff and routing policies on a 1,000-node grid."""

from __future__ import annotations

import networkx as nx
import pytest

import qnsim


class DiscardAll(qnsim.Protocol):
    """A cutoff policy whose limit no pair meets: it discards every link pair it is given."""

    random_choices = False

    def on_pair_ready(self, node, slot, partner_slot):
        self.discard(slot)


def _grid_with_policy(protocol):
    net = qnsim.topology.grid(32, 32, length_km=1.0, fidelity=0.99, rate_hz=1e4, channels=2, seed=3)
    net.request("r5c2", "r5c6", num_pairs=2, protocol=protocol, generation="on_demand")
    return net


def test_a_policy_that_discards_every_pair_is_named_not_read_as_a_slow_path():
    # Before: "on its fixed schedule the path's first pair comes more than 1 ms after the request's
    # start", a claim about the links, when the links gave pairs on time and the policy threw them away.
    r = _grid_with_policy(DiscardAll()).run(1e-3, progress=False).requests[0]
    assert r.num_pairs == 0 and r.protocol_discards > 0 and r.protocol_name == "DiscardAll"
    text = " ".join(r.notes)
    assert f"its Python protocol (DiscardAll) discarded {r.protocol_discards} pairs" in text
    assert "first pair comes" not in text


def test_a_native_request_names_no_protocol_discards():
    net = qnsim.topology.grid(32, 32, length_km=1.0, fidelity=0.99, rate_hz=1e4, channels=2, seed=3)
    net.request("r5c2", "r5c6", num_pairs=2)
    r = net.run(1e-3, progress=False).requests[0]
    assert r.protocol_discards == 0 and r.protocol_name is None


def test_python_requests_need_link_disjoint_paths_and_routing_them_apart_works():
    # The docs now say it: requests driven by a Python protocol share no link; a Python routing step
    # (networkx, removing the links already taken) gives paths they accept.
    net = qnsim.topology.grid(32, 32, length_km=1.0, fidelity=0.99, rate_hz=1e4, channels=2, seed=3)
    net.request("r1c1", "r30c30", protocol=DiscardAll())
    with pytest.raises(ValueError, match="cannot share links"):
        net.request("r1c30", "r30c1", protocol=DiscardAll())
    g = nx.Graph(net.to_networkx())
    taken = list(zip(net.requests[0].path, net.requests[0].path[1:]))
    g.remove_edges_from(taken)
    net.request("r1c30", "r30c1", protocol=DiscardAll(), path=nx.shortest_path(g, "r1c30", "r30c1"))
    assert len(net.requests) == 2
