"""Python protocols on large networks: the per-event lookups must not grow with the network."""

from __future__ import annotations

import pytest

import qnsim


class SwapWhenBothSidesHold(qnsim.Protocol):
    """Swap-ASAP written with the lookups policies use on every event (slot_link, slot_node)."""

    def __init__(self) -> None:
        super().__init__()
        self.held: dict[str, dict[int, qnsim.SlotRef]] = {}
        self.swaps = 0

    def on_pair_ready(self, node, slot, partner_slot):
        assert self.network.slot_node(slot) == node
        if node in (self.request.src, self.request.dst):
            return
        held = self.held.setdefault(node, {})
        held[self.network.slot_link(slot).index] = slot
        if len(held) == 2:
            (_, a), (_, b) = held.items()
            held.clear()
            end = self.partner(a)
            self.swap(node, a, b)
            self.swaps += 1
            self.swapped(end)

    def swapped(self, end: qnsim.SlotRef) -> None:
        """Called after each swap with one end of the pair it made (for subclasses)."""


def _chain(n: int, protocol: qnsim.Protocol, **request) -> qnsim.Network:
    net = qnsim.Network("bell_diagonal", seed=3)
    for i in range(n):
        net.add_node(f"n{i}", num_memories=2)
    for i in range(n - 1):
        net.add_link(f"n{i}", f"n{i + 1}", length_km=1.0, fidelity=0.95, success_probability=0.5,
                     attempt_period_s=1e-5)
    net.request("n0", f"n{n - 1}", protocol=protocol, **request)
    return net


def test_protocol_lookups_do_not_copy_the_network_description(monkeypatch):
    """A callback's node name, slot_node and slot_link are index lookups.

    Before, every event copied the network's node list (to name the node) and slot_link and slot_node
    copied the list of links or nodes: O(nodes) per event, 134 us per event on a 1,000-node chain
    (38 us after). The copying properties are counted during the run: a fixed few reads (the result's),
    not one or more per event.
    """
    policy = SwapWhenBothSidesHold()
    net = _chain(30, policy)
    reads = {"nodes": 0, "links": 0}
    for name in reads:
        original = getattr(qnsim.Network, name)

        def counted(self, _name=name, _original=original):
            reads[_name] += 1
            return _original.fget(self)

        monkeypatch.setattr(qnsim.Network, name, property(counted))
    result = net.run(until_s=2e-3, progress=False)
    assert policy.swaps > 100 and result.events_processed > 200
    # A fixed few per run (the route and the result's collection and notes read each a handful of times; which notes
    # apply varies), never one per event: the copying lookups read them once or more for each of the run's events.
    assert reads["nodes"] + reads["links"] < 30, (reads, result.events_processed)


@pytest.mark.parametrize("n", [3, 40])
def test_lookups_name_the_right_node_and_link(n):
    """The index lookups agree with the description they replace, on every slot."""
    net = _chain(n, SwapWhenBothSidesHold())
    names = list(net.nodes)
    slots = 2 * sum(link.channels for link in net.links)  # each link's memories at both ends
    for link in net.links:
        for slot in range(slots):
            if net.native.slot_link(slot) == link.index:
                assert net.slot_link(slot) is net.links[link.index]
                assert net.slot_node(slot) in (link.a, link.b)
                assert net.slot_node(slot) == names[net.native.slot_node(slot)]


class DiscardWhatReachesTheEnds(SwapWhenBothSidesHold):
    """Swap-ASAP that discards each end-to-end pair as soon as the swap that joins the ends is made,
    ``limit`` times."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit, self.discarded = limit, 0

    def swapped(self, end: qnsim.SlotRef) -> None:
        joined = {self.network.slot_node(end), self.network.slot_node(self.partner(end))}
        if joined == {self.request.src, self.request.dst} and self.discarded < self.limit:
            self.discard(end)
            self.discarded += 1


def test_on_demand_generation_under_a_python_policy_makes_one_pair_per_link():
    """A Python policy may ask for on-demand generation: a memory its swap frees waits until the pair it
    fed ends. On a 12-node chain one end-to-end pair then takes exactly one pair per link, where continuous
    generation regenerates every link behind the swaps. Old behaviour: refused for Python protocols."""
    counts = {}
    for generation in ("on_demand", "continuous"):
        policy = SwapWhenBothSidesHold()
        net = _chain(12, policy, generation=generation)
        counts[generation] = net.run(until_s=5e-3, progress=False).counters["link_pairs"]
    assert counts["on_demand"] == 11
    assert counts["continuous"] > 3 * 11


def test_a_python_discard_releases_the_memories_that_built_the_pair():
    """Under on-demand generation, discarding an end-to-end pair lets its links make the next one (as a
    cutoff does); each of the three discards costs one pair per link, and the fourth pair stays."""
    policy = DiscardWhatReachesTheEnds(limit=3)
    net = _chain(8, policy, generation="on_demand")
    result = net.run(until_s=20e-3, progress=False)
    assert policy.discarded == 3
    assert result.counters["link_pairs"] == 4 * 7
