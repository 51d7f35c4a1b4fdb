"""A twenty-first outside audit of qnsim's physics: whose attempt period a freed memory waits for.

Audit 20 found the rule (docs/concepts.md, "Links generate continuously by default"): a link whose memories are
freed attempts again no sooner than one attempt period after its last attempt began. The core keeps that period's
start per memory slot (SlotTimes::next_attempt_ps, set when a pair is heralded, read by start_attempt as the later
of the two memories' records), so the question was whether a memory can serve more than one link: a node whose
memories were pooled between its links, or a memory handed to another link by routing, on-demand generation or a
Python protocol, would be held back by the other link's period, or attempt early for want of its own link's record.

It cannot, and the tests below pin it. From the code (cpp/network):

* A memory slot is made only by Network::add_link (add_chain calls it), which appends 2 x channels slots for the
  new link, channels at each end, and writes its index into Slot::link: the only write of that field.
* A node's ``num_memories`` is a capacity, not a pool: add_link refuses a link whose channels exceed the node's
  memories not yet taken by its other links ("... which has 0 unreserved of 4 (raise num_memories or lower
  channels)"); without it the node has the sum of its links' channels.
* A request reserves, for each link of its path, slots among that link's own (try_reserve's plan reads
  ``[first_slot, first_slot + 2 channels)``), and releases them when it ends; a freed memory restarts with a free
  memory of its own link's other side (start_attempt_with looks only there). Routing picks links, not memories;
  on-demand generation only delays a restart; a Python protocol acts on slots that hold a pair (swap, deliver,
  discard) and never chooses which memory a link attempts with.

So a slot's period record is its link's (of the channel its memory is, one emitter per memory: a link's rate is
per channel). Checked right: no fix was needed here.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

import qnsim
from qnsim.hardware import Detector, Source


class _SwapAtMiddle(qnsim.Protocol):
    """Swap at the one interior node as soon as both links hold a pair; deliver when both ends have the news."""

    def __init__(self):
        super().__init__()
        self.ready = {}
        self.pending = {}

    def on_pair_ready(self, node, slot, partner_slot):
        if node in (self.request.src, self.request.dst):
            return
        self.ready[self.network.slot_link(slot).index] = slot
        if len(self.ready) == 2:
            s1, s2 = self.ready.values()
            self.ready.clear()
            ends = (self.network.slot_partner(s1), self.network.slot_partner(s2))
            self.swap(node, s1, s2)
            src, dst = ends if self.network.slot_node(ends[0]) == self.request.src else ends[::-1]
            self.pending[(src, dst)] = 2
            for end in (self.request.src, self.request.dst):
                self.send(node, end, (src, dst), after_s=self.swap_duration_s(node))

    def on_message(self, node, message):
        if not self.request_active:
            return
        self.pending[message] -= 1
        if self.pending[message] == 0:
            del self.pending[message]
            self.deliver(*message)


def _star():
    """Leaves a, b, c, d around m, whose 6 memories are given (num_memories=6) and taken by its links: a-m and b-m
    have two channels (not fixed: either memory at one end pairs with either at the other), c-m and d-m one each.
    Every link attempts every 40 us: a-m and b-m are abstract links (success probability 0.3, heralds a period after
    an attempt begins), c-m and d-m single-click links of 1 km whose sources fire at 25 kHz (heralds 4.8 us after an
    attempt begins, so a memory their swap frees waits for its period)."""
    net = qnsim.Network("bell_diagonal", seed=7, trace=True)
    for name in "abcd":
        net.add_node(name)
    net.add_node("m", num_memories=6)
    source = Source(attempt_rate_hz=2.5e4, emission_efficiency=0.9, bright_state_alpha=0.1)
    links = {
        leaf: net.add_link(
            leaf, "m", length_km=1.0, fidelity=0.95, attempt_period_s=4e-5, success_probability=0.3, channels=2
        )
        for leaf in "ab"
    }
    for leaf in "cd":
        links[leaf] = net.add_link(
            leaf, "m", length_km=1.0, scheme="single_click", source=source, detector=Detector(efficiency=0.9)
        )
    return net, links


def test_a_node_s_memories_are_divided_among_its_links_not_pooled():
    """num_memories caps what a node's links take; a link beyond it is refused, naming the way out, rather than
    sharing a memory that another link already uses (a shared memory would carry two links' attempt periods)."""
    net, links = _star()
    num_slots = sum(2 * info.channels for info in net.links)
    assert sorted(net.slot_link(s).index for s in range(num_slots)) == sorted(
        [links["a"].index] * 4 + [links["b"].index] * 4 + [links["c"].index] * 2 + [links["d"].index] * 2
    )
    net.add_node("e")
    with pytest.raises(
        ValueError, match=r"needs 1 memories at node 'm', which has 0 unreserved of 6 \(raise num_memories"
    ):
        net.add_link("m", "e", length_km=1.0, fidelity=0.95, rate_hz=1e4)
    assert len(net.links) == 4 and sum(2 * info.channels for info in net.links) == num_slots == 12


def test_a_memory_slot_serves_only_its_link_whichever_request_policy_or_protocol_holds_it():
    """Five requests take m's memories in turn and at once: a -> b through m with continuous generation (two
    memories per link) and with on-demand generation, a -> m with both of a-m's channels, a third a -> b routed by
    hops, and c -> d through m driven by a Python protocol (on links of its own: such a request shares none). From
    the trace: every herald's two memories are memories of the link between the herald's nodes, the same link for a
    memory all run long whatever request held it; a-m's memories served several requests; a two-channel link's
    memories paired with more than one memory across; and each memory's heralded attempts begin at least one period
    apart (the record start_attempt reads is its own link's), exactly one period where a freed memory waited.
    A memory that served two links (a pooled node, a memory handed over by routing, on-demand generation or a
    protocol) would appear under two links here, and carry one link's period into the other's attempts."""
    net, links = _star()
    num_slots = sum(2 * info.channels for info in net.links)
    before = [net.slot_link(s).index for s in range(num_slots)]
    net.request("a", "b", num_pairs=6, memories_per_link=2)
    net.request("a", "b", num_pairs=6, generation="on_demand")
    net.request("c", "d", num_pairs=6, protocol=_SwapAtMiddle())
    net.request("a", "m", num_pairs=6, memories_per_link=2)
    net.request("a", "b", num_pairs=6, routing="hops")
    result = net.run(until_s=1.0, progress=False)
    assert [r.status for r in result.requests] == ["served"] * 5
    assert [net.slot_link(s).index for s in range(num_slots)] == before

    by_nodes = {frozenset((info.a, info.b)): info for info in links.values()}
    link_of, requests_of, partners_of, starts = {}, defaultdict(set), defaultdict(set), defaultdict(list)
    heralds = 0
    for record in net.trace():
        if record["event"] != "link_pair":
            continue
        heralds += 1
        info = by_nodes[frozenset(record["nodes"])]
        first_herald = min(info.herald_delay_a_s, info.herald_delay_b_s)
        start_ps = round(record["time_s"] * 1e12) - round(first_herald * 1e12)
        slot_a, slot_b = record["slots"]
        for slot, other in ((slot_a, slot_b), (slot_b, slot_a)):
            assert net.slot_link(slot).index == info.index, (record, net.slot_link(slot))
            assert link_of.setdefault(slot, info.index) == info.index, record
            requests_of[slot].add(record["request"])
            partners_of[slot].add(other)
            starts[slot].append(start_ps)
    assert heralds >= 54  # at least a pair per link of each delivery
    a_m = [s for s, link in link_of.items() if link == links["a"].index]
    assert len(a_m) == 4 and all(len(requests_of[s]) >= 2 for s in a_m)
    two_channels = {links["a"].index, links["b"].index}
    assert any(len(partners_of[s]) == 2 for s, link in link_of.items() if link in two_channels)  # not one pairing
    period_ps = round(links["a"].attempt_period_s * 1e12)
    assert period_ps == 40_000_000 and all(round(info.attempt_period_s * 1e12) == period_ps for info in links.values())
    for leaves in ("ab", "cd"):
        mine = {links[leaf].index for leaf in leaves}
        gaps = [b - a for s, times in starts.items() if link_of[s] in mine for a, b in zip(times, times[1:])]
        assert min(gaps) == period_ps, leaves  # never sooner, and (c-m, d-m) when a freed memory waited for it
