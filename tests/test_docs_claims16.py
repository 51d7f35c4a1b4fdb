"""Claims of docs/tutorials/custom_protocol.md about Python-driven requests on a large network, checked."""

from __future__ import annotations

import pathlib

import networkx as nx
import pytest

import qnsim

TUTORIAL = pathlib.Path(__file__).resolve().parents[1] / "docs" / "tutorials" / "custom_protocol.md"


class Idle(qnsim.Protocol):
    """Does nothing with its pairs."""


class DiscardAll(qnsim.Protocol):
    def on_pair_ready(self, node, slot, partner_slot):
        self.discard(slot)


def _grid():
    return qnsim.topology.grid(8, 8, length_km=1.0, fidelity=0.99, rate_hz=1e4, channels=2, seed=1)


def test_the_tutorial_says_what_this_file_checks():
    text = " ".join(TUTORIAL.read_text().split())
    assert "A request driven by a Python protocol shares no link with any other request" in text
    assert "naming the protocol and the count" in text


def test_a_python_request_shares_no_link_either_way_and_the_refusal_names_link_and_request():
    net = _grid()
    net.request("r0c0", "r0c3")  # native first, then a Python one on the same row
    with pytest.raises(ValueError, match=r"link .* is already used by request 0"):
        net.request("r0c1", "r0c2", protocol=Idle())
    net = _grid()
    net.request("r0c0", "r0c3", protocol=Idle())
    with pytest.raises(ValueError, match="already used by request 0"):
        net.request("r0c1", "r0c2")


def test_a_corner_takes_two_python_requests_and_refuses_a_third():
    net = _grid()
    g = nx.Graph(net.to_networkx())
    for dst in ("r7c7", "r6c5"):
        path = nx.shortest_path(g, "r0c0", dst)
        net.request("r0c0", dst, protocol=Idle(), path=path)
        g.remove_edges_from(zip(path, path[1:]))
    with pytest.raises(nx.NetworkXNoPath):
        nx.shortest_path(g, "r0c0", "r5c5")


def test_a_request_that_delivers_nothing_names_its_protocol_and_discards():
    net = _grid()
    net.request("r2c2", "r2c5", num_pairs=1, protocol=DiscardAll())
    r = net.run(1e-3, progress=False).requests[0]
    assert r.protocol_discards > 0
    assert f"its Python protocol (DiscardAll) discarded {r.protocol_discards} pairs" in " ".join(r.notes)
